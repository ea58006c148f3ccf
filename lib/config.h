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
};

/*
 * A per-app option: its name, the parser for its kind of value and the
 * field of struct app the parser fills.  Each row is one option, so a new
 * option of a known kind is one more row, and a new kind one more parser.
 */
struct option {
	const char	*name;
	int		(*parse)(struct load *, const config_setting_t *,
			    void *);
	size_t		 off;		/* offsetof(struct app, field) */
};

#define CONFIG_FILE_MAX	(16 * 1024 * 1024)	/* a configuration file */
#define ENV_FILE_MAX	(1024 * 1024)		/* an env_file */

/* config.c */
int	 load_err(struct load *, const config_setting_t *,
	    const config_setting_t *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
int	 load_nomem(struct load *);
FILE	*conf_fopen(const char *, off_t, const char **);

/* config_opt.c */
extern const struct option	app_options[];
extern const size_t		app_noptions;
void	 app_defaults(struct app *);
int	 app_check(struct load *, struct app *, const config_setting_t *);
int	 conf_group(struct load *, const config_setting_t *, const char *,
	    gid_t *);

/* config_env.c */
int	 env_file_load(struct load *, struct app *, const config_setting_t *);

#endif /* CONFIG_H */
