/*
 * config.h: what config.c (the walk over a parsed file) and config_opt.c
 * (the per-app options and their parsers) share.  Private to those two:
 * nothing else in the tree knows libconfig.
 */

#ifndef CONFIG_H
#define CONFIG_H

#include <sys/types.h>

#include <stddef.h>

#include <libconfig.h>

#define TIMEOUT_MAX	86400.0		/* a day, in seconds */
#define OUTPUT_MAX	(1024LL * 1024 * 1024)	/* sizes: at most 1G */
#define INSTANCES_MAX	10000		/* instances = N */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* What a walk over one parsed configuration needs to know. */
struct load {
	const char	*source;	/* the path as given, or "<text>" */
	const char	*incdir;	/* include dir given to libconfig */
	const char	*base;		/* absolute dir for relative paths */
	char		*err;
	size_t		 errlen;
	int		 flags;		/* LOAD_* */
};
#define LOAD_UPDATE	0x1		/* an update: apps only, no top-level
					   settings (config_merge.c) */

/* The C type of a field of struct app, for comparing two of them. */
enum field_type {
	FIELD_NONE,		/* no field: the end of a row's list */
	FIELD_STR,		/* char *, NULL or a string */
	FIELD_ARGV,		/* char **, NULL-terminated strings */
	FIELD_INT,		/* int, or an enum */
	FIELD_DOUBLE,
	FIELD_SIZE,		/* size_t */
	FIELD_UID,		/* uid_t */
	FIELD_GID,		/* gid_t */
	FIELD_DEPS,		/* struct app_deps (config_deps.c) */
	FIELD_HEALTH		/* struct app_health (config_health.c) */
};

/* A field of struct app that a reload compares. */
struct field {
	enum field_type	 type;
	size_t		 off;		/* offsetof(struct app, field) */
};

#define OPTION_FIELDS	2		/* fields compared per option */

/*
 * A per-app option: its name, the parser for its kind of value and the
 * field of struct app the parser fills; what a reload does when it
 * changed, and the fields that show a change.  Each row is one option, so
 * a new option of a known kind is one more row, and a new kind one more
 * parser; and since reload compares what the rows name, a new option is
 * never missed by it.
 */
struct option {
	const char	*name;
	int		(*parse)(struct load *, const config_setting_t *,
			    void *);
	size_t		 off;		/* offsetof(struct app, field) */
	enum app_reload	 reload;	/* in app_options never RELOAD_SAME */
	struct field	 cmp[OPTION_FIELDS]; /* where a change shows: its
					   own field, and what is resolved
					   from it at load (user's uid); or
					   where its value goes (env_file's
					   variables, into env) */
};

#define CONFIG_FILE_MAX	(16 * 1024 * 1024)	/* a configuration file */
#define ENV_FILE_MAX	(1024 * 1024)		/* an env_file */

/* config.c */
int	 conf_distance(const char *, const char *);
int	 load_err(struct load *, const config_setting_t *,
	    const config_setting_t *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
int	 load_nomem(struct load *);
FILE	*conf_fopen(const char *, off_t, const char **);
struct config *conf_load_file(const char *, int, char *, size_t);
struct config *conf_load_text(const char *, int, char *, size_t);
void	 app_clear(struct app *);
int	 app_dup(struct app *, const struct app *);

/* config_merge.c */
int	 config_check_apps(const struct config *, const struct config *,
	    char *, size_t);

/* config_opt.c */
extern const struct option	app_options[];
extern const size_t		app_noptions;
void	 app_defaults(struct app *);
int	 app_check(struct load *, struct app *, const config_setting_t *);
int	 conf_group(struct load *, const config_setting_t *, const char *,
	    gid_t *);
/* The parsers other option files reuse. */
int	 conf_choice(struct load *, const config_setting_t *,
	    const char *const *, int *);
int	 opt_command(struct load *, const config_setting_t *, void *);
int	 opt_bool(struct load *, const config_setting_t *, void *);
int	 opt_grace(struct load *, const config_setting_t *, void *);
int	 opt_timeout(struct load *, const config_setting_t *, void *);
int	 opt_int(struct load *, const config_setting_t *, int, int, int *);

/* config_health.c */
int	 opt_health(struct load *, const config_setting_t *, void *);
int	 health_check(struct load *, const struct app *,
	    const config_setting_t *);
int	 health_differ(const struct app_health *, const struct app_health *);

/* config_deps.c */
int	 opt_depends_on(struct load *, const config_setting_t *, void *);
int	 opt_dep_restart(struct load *, const config_setting_t *, void *);
void	 deps_clear(struct app_deps *);
int	 deps_dup(struct app_deps *, const struct app_deps *);
int	 deps_differ(const struct app_deps *, const struct app_deps *);
int	 config_check_deps(const struct config *, char *, size_t);

/* config_roll.c: the rolling-restart options' parsers (roll17) */
int	 opt_reload_strategy(struct load *, const config_setting_t *, void *);
int	 opt_reload_max_unavailable(struct load *, const config_setting_t *,
	    void *);

/* config_metrics.c */
int	 conf_metrics_listen(struct load *, struct config *,
	    const config_setting_t *);

/* config_env.c */
int	 env_file_load(struct load *, struct app *, const config_setting_t *);

#endif /* CONFIG_H */
