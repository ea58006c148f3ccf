/*
 * config.c: the one place that knows libconfig.  A configuration file (or
 * text) is parsed, then walked once and turned into plain structs (struct
 * config, struct app) that the rest of the code uses without libconfig.
 * The walk validates everything before anything is returned, so a caller
 * either gets a whole, checked configuration or NULL and one message: the
 * first error, as "FILE:LINE: apps.NAME.OPT: what is wrong", which is what
 * `runnerd -n` prints and what a reload refuses with.  The per-app options,
 * their parsers and defaults are in config_opt.c; env_file in config_env.c.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libconfig.h>

#include "runner-int.h"
#include "config.h"

#define SUGGEST_MAX	2		/* edit distance for "did you mean" */

static const char *load_source(struct load *, const char *, char *, size_t);
static size_t	 setting_path(const config_setting_t *, char *, size_t);
static const char *suggest(const char *, const struct option *, size_t);
static int	 conf_app(struct load *, struct app *,
		    const config_setting_t *);
static int	 conf_apps(struct load *, struct config *,
		    const config_setting_t *);
static int	 conf_allow_group(struct load *, struct config *,
		    const config_setting_t *);
static struct config *conf_build(struct load *, config_t *, int);
static char	*path_dir(const char *);

/*
 * The fields of struct app that it owns (malloc'd), the one list that
 * both app_clear and app_dup walk, so a new one is added once.
 */
#define OWNED(t, f)	{ FIELD_##t, offsetof(struct app, f) }
static const struct field app_owned[] = {
	OWNED(STR, name), OWNED(ARGV, argv), OWNED(STR, cwd),
	OWNED(STR, socket), OWNED(ARGV, env), OWNED(STR, env_file),
	OWNED(STR, user), OWNED(STR, group), OWNED(STR, log),
	OWNED(STR, file), OWNED(ARGV, health.exec), OWNED(STR, health.http),
};
#undef OWNED

/*
 * Write "SOURCE:LINE: PATH: message" into ld->err: the line is the one of
 * `at`, the path the one of `what` (none when what is NULL).  Returns -1
 * so that callers can `return (load_err(...))`.
 */
int
load_err(struct load *ld, const config_setting_t *at,
    const config_setting_t *what, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[RUNNER_ERRMSG_MAX], path[RUNNER_ERRMSG_MAX];
	char	 file[PATH_MAX];

	if (ld->err == NULL || ld->errlen == 0)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path[0] = '\0';
	if (what != NULL)
		setting_path(what, path, sizeof(path));
	snprintf(ld->err, ld->errlen, "%s:%u: %s%s%s",
	    load_source(ld, config_setting_source_file(at), file, sizeof(file)),
	    config_setting_source_line(at), path, path[0] ? ": " : "", msg);
	return (-1);
}

/* The message for a failed allocation; -1, like load_err. */
int
load_nomem(struct load *ld)
{
	if (ld->err != NULL && ld->errlen > 0)
		snprintf(ld->err, ld->errlen, "out of memory");
	return (-1);
}

/*
 * The name to show for a file libconfig reports.  NULL is the main input.
 * libconfig 1.5 records an included file's name as written in @include,
 * though it opened it under the include dir: join the two, so the message
 * names a file the user can open from where the main path was given.
 */
static const char *
load_source(struct load *ld, const char *name, char *buf, size_t len)
{
	if (name == NULL)
		return (ld->source);
	if (ld->incdir == NULL || name[0] == '/')
		return (name);
	snprintf(buf, len, "%s/%s", ld->incdir, name);
	return (buf);
}

/*
 * The dotted path of a setting ("apps.cat.cwd") into buf; list elements
 * have no name and take their list's path.  Returns the length written.
 */
static size_t
setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t	*parent;
	const char		*name;
	size_t			 n;
	int			 r;

	parent = config_setting_parent(s);
	name = config_setting_name(s);
	n = 0;
	if (parent != NULL && !config_setting_is_root(parent))
		n = setting_path(parent, buf, len);
	if (name == NULL)
		return (n);
	if (n >= len)
		return (n);
	r = snprintf(buf + n, len - n, "%s%s", n > 0 ? "." : "", name);
	if (r < 0)
		return (n);
	return ((size_t)r >= len - n ? len - 1 : n + (size_t)r);
}

/* Levenshtein distance, capped: long names are never "close". */
int
conf_distance(const char *a, const char *b)
{
	int	 row[65], i, j, prev, cur, la, lb;

	la = strlen(a);
	lb = strlen(b);
	if (la > 64 || lb > 64)
		return (INT_MAX);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j] > row[j - 1] + 1)
				row[j] = row[j - 1] + 1;
			if (row[j] > cur + 1)
				row[j] = cur + 1;
			prev = cur;
		}
	}
	return (row[lb]);
}

/* The option closest to name, if close enough to be a likely typo. */
static const char *
suggest(const char *name, const struct option *opts, size_t n)
{
	const char	*best;
	size_t		 i;
	int		 d, bestd;

	best = NULL;
	bestd = SUGGEST_MAX + 1;
	for (i = 0; i < n; i++)
		if ((d = conf_distance(name, opts[i].name)) < bestd) {
			best = opts[i].name;
			bestd = d;
		}
	return (best);
}

/*
 * One app: defaults, then each member through the option table in file
 * order, then the checks that involve several options.
 */
static int
conf_app(struct load *ld, struct app *app, const config_setting_t *g)
{
	const config_setting_t	*m;
	const char		*name, *best;
	char			 file[PATH_MAX];
	size_t			 j;
	int			 i, n;

	if (!config_setting_is_group(g))
		return (load_err(ld, g, g, "expected a group { command = ...; "
		    "}"));
	app_defaults(app);
	app->line = config_setting_source_line(g);
	app->name = strdup(config_setting_name(g));
	app->file = strdup(load_source(ld, config_setting_source_file(g),
	    file, sizeof(file)));
	app->env = calloc(1, sizeof(*app->env));
	if (app->name == NULL || app->file == NULL || app->env == NULL)
		return (load_nomem(ld));

	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(g, i);
		name = config_setting_name(m);
		for (j = 0; j < app_noptions; j++)
			if (strcmp(name, app_options[j].name) == 0)
				break;
		if (j < app_noptions) {
			if (app_options[j].parse(ld, m,
			    (char *)app + app_options[j].off) == -1)
				return (-1);
		} else if ((best = suggest(name, app_options, app_noptions))
		    != NULL)
			return (load_err(ld, m, g, "unknown option '%s' (did "
			    "you mean '%s'?)", name, best));
		else
			return (load_err(ld, m, g, "unknown option '%s'",
			    name));
	}

	return (app_check(ld, app, g));
}

/* The apps group: one struct app per member, in file order. */
static int
conf_apps(struct load *ld, struct config *cfg, const config_setting_t *s)
{
	int	 i, n;

	if (!config_setting_is_group(s))
		return (load_err(ld, s, s, "expected a group { name = { ... }; "
		    "}"));
	n = config_setting_length(s);
	if ((cfg->apps = calloc(n > 0 ? (size_t)n : 1, sizeof(*cfg->apps)))
	    == NULL)
		return (load_nomem(ld));
	/* Count each app as it is begun, so config_free sees partial ones. */
	for (i = 0; i < n; i++) {
		cfg->napps = i + 1;
		if (conf_app(ld, &cfg->apps[i],
		    config_setting_get_elem(s, i)) == -1)
			return (-1);
	}
	return (0);
}

/*
 * allow_group: the group whose members runnerd serves besides its own
 * user and root.  Resolved now, so a typo is a file:line error and not
 * a surprise at the first connection.
 */
static int
conf_allow_group(struct load *ld, struct config *cfg,
    const config_setting_t *s)
{
	const char	*v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return (load_err(ld, s, s, "expected a group name"));
	if ((v = config_setting_get_string(s))[0] == '\0')
		return (load_err(ld, s, s, "must not be empty"));
	if (conf_group(ld, s, v, &cfg->allow_gid) == -1)
		return (-1);
	free(cfg->allow_group);
	if ((cfg->allow_group = strdup(v)) == NULL)
		return (load_nomem(ld));
	return (0);
}

/* Walk a parsed configuration (ok: config_read succeeded) into structs. */
static struct config *
conf_build(struct load *ld, config_t *lc, int ok)
{
	static const struct option top[] = {
		{ .name = "apps" }, { .name = "allow_group" },
		{ .name = "metrics_listen" },
	};
	const config_setting_t	*root, *s;
	struct config		*cfg;
	const char		*name, *best;
	char			 file[PATH_MAX];
	int			 i, n;

	if (!ok) {
		snprintf(ld->err, ld->errlen, "%s:%d: %s",
		    load_source(ld, config_error_file(lc), file, sizeof(file)),
		    config_error_line(lc), config_error_text(lc) != NULL ?
		    config_error_text(lc) : "cannot parse");
		return (NULL);
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->source = strdup(ld->source)) == NULL) {
		free(cfg);
		load_nomem(ld);
		return (NULL);
	}
	root = config_root_setting(lc);
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(root, i);
		name = config_setting_name(s);
		if (strcmp(name, "apps") == 0) {
			if (conf_apps(ld, cfg, s) == -1)
				goto fail;
		} else if (strcmp(name, "allow_group") == 0 ||
		    strcmp(name, "metrics_listen") == 0) {
			if (ld->flags & LOAD_UPDATE) {
				load_err(ld, s, s, "an update adds or replaces "
				    "apps only; '%s' changes with a reload of "
				    "the whole configuration", name);
				goto fail;
			}
			if ((strcmp(name, "allow_group") == 0 ?
			    conf_allow_group(ld, cfg, s) :
			    conf_metrics_listen(ld, cfg, s)) == -1)
				goto fail;
		} else if ((best = suggest(name, top, NITEMS(top))) != NULL) {
			load_err(ld, s, NULL, "unknown setting '%s' (did you "
			    "mean '%s'?)", name, best);
			goto fail;
		} else {
			load_err(ld, s, NULL, "unknown setting '%s'", name);
			goto fail;
		}
	}
	if (config_check_apps(cfg, NULL, ld->err, ld->errlen) == -1)
		goto fail;
	/* An update's apps may depend on the others: checked merged. */
	if (!(ld->flags & LOAD_UPDATE) &&
	    config_check_deps(cfg, ld->err, ld->errlen) == -1)
		goto fail;
	return (cfg);

fail:
	config_free(cfg);
	return (NULL);
}

/* The directory part of path, malloc'd ("." when there is none). */
static char *
path_dir(const char *path)
{
	const char	*slash;

	if ((slash = strrchr(path, '/')) == NULL)
		return (strdup("."));
	if (slash == path)
		return (strdup("/"));
	return (strndup(path, slash - path));
}

/* Load and validate the configuration file at path; NULL and err if bad. */
struct config *
config_load_file(const char *path, char *err, size_t errlen)
{
	return (conf_load_file(path, 0, err, errlen));
}

/* config_load_file, with flags (LOAD_*). */
struct config *
conf_load_file(const char *path, int flags, char *err, size_t errlen)
{
	struct load	 ld = { path, NULL, NULL, err, errlen, flags };
	struct config	*cfg;
	config_t	 lc;
	FILE		*fp;
	const char	*why;
	char		*dir, *base;
	int		 ok;

	/*
	 * Opened here: libconfig's own I/O error does not say why, and it
	 * would take a directory (empty: a valid config) or a FIFO.
	 */
	if ((fp = conf_fopen(path, CONFIG_FILE_MAX, &why)) == NULL) {
		snprintf(err, errlen, "cannot read '%s': %s", path, why);
		return (NULL);
	}
	if ((dir = path_dir(path)) == NULL) {
		fclose(fp);
		load_nomem(&ld);
		return (NULL);
	}
	if ((base = realpath(dir, NULL)) == NULL) {
		snprintf(err, errlen, "cannot resolve '%s': %s", dir,
		    strerror(errno));
		free(dir);
		fclose(fp);
		return (NULL);
	}
	ld.base = base;

	config_init(&lc);
	/*
	 * Includes are relative to the file, not to runnerd's cwd.  For a
	 * bare file name that is the cwd already, and leaving the include
	 * dir unset keeps messages from growing a "./".
	 */
	if (strchr(path, '/') != NULL) {
		config_set_include_dir(&lc, dir);
		ld.incdir = dir;
	}
	ok = config_read(&lc, fp);
	fclose(fp);
	cfg = conf_build(&ld, &lc, ok);
	config_destroy(&lc);
	free(base);
	free(dir);
	return (cfg);
}

/*
 * Open path for reading if it is a regular file of max bytes at most;
 * else NULL, with *why in words.  A FIFO would block the loop at the
 * open (hence O_NONBLOCK) or the read, and a device such as /dev/zero
 * would never end: a reload must never hang runnerd, whoever can put
 * something at the path.
 */
FILE *
conf_fopen(const char *path, off_t max, const char **why)
{
	struct stat	 st;
	FILE		*fp;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		*why = strerror(errno);
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > max) {
		*why = S_ISDIR(st.st_mode) ? strerror(EISDIR) :
		    !S_ISREG(st.st_mode) ? "not a regular file" :
		    "too large";
		close(fd);
		return (NULL);
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		*why = strerror(errno);
		close(fd);
	}
	return (fp);
}

/* Load and validate configuration text; its source is "<text>". */
struct config *
config_load_text(const char *text, char *err, size_t errlen)
{
	return (conf_load_text(text, 0, err, errlen));
}

/* config_load_text, with flags (LOAD_*). */
struct config *
conf_load_text(const char *text, int flags, char *err, size_t errlen)
{
	struct load	 ld = { CONFIG_TEXT_SOURCE, NULL, NULL, err, errlen,
			    flags };
	struct config	*cfg;
	config_t	 lc;
	int		 ok;

	config_init(&lc);
	ok = config_read_string(&lc, text != NULL ? text : "");
	cfg = conf_build(&ld, &lc, ok);
	config_destroy(&lc);
	return (cfg);
}

/* Free what conf_app or app_dup may have filled, partly or wholly. */
void
app_clear(struct app *app)
{
	size_t	 k;
	void	*f;

	for (k = 0; k < NITEMS(app_owned); k++) {
		f = (char *)app + app_owned[k].off;
		if (app_owned[k].type == FIELD_ARGV)
			argv_free(*(char ***)f);
		else
			free(*(char **)f);
	}
	deps_clear(&app->deps);
}

/*
 * Make dst a deep copy of src: 0, or -1 out of memory with dst still
 * fit for app_clear (what was not copied is NULL).
 */
int
app_dup(struct app *dst, const struct app *src)
{
	size_t	 k;
	void	*f;
	int	 rc = 0;

	*dst = *src;
	for (k = 0; k < NITEMS(app_owned); k++)
		*(void **)((char *)dst + app_owned[k].off) = NULL;
	for (k = 0; k < NITEMS(app_owned) && rc == 0; k++) {
		f = (char *)src + app_owned[k].off;
		if (*(void **)f == NULL)
			continue;
		if (app_owned[k].type == FIELD_ARGV)
			*(char ***)((char *)dst + app_owned[k].off) =
			    argv_dup(*(char **const *)f);
		else
			*(char **)((char *)dst + app_owned[k].off) =
			    strdup(*(char *const *)f);
		if (*(void **)((char *)dst + app_owned[k].off) == NULL)
			rc = -1;
	}
	/* Not in app_owned: an array of structs, not a pointer to copy. */
	if (deps_dup(&dst->deps, &src->deps) == -1)
		rc = -1;
	return (rc);
}

/* Free a configuration and all its apps; NULL is fine. */
void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->napps; i++)
		app_clear(&cfg->apps[i]);
	free(cfg->apps);
	free(cfg->allow_group);
	free(cfg->metrics_listen);
	free(cfg->source);
	free(cfg);
}

/* The app called name, or NULL (also when cfg is NULL). */
const struct app *
config_app(const struct config *cfg, const char *name)
{
	size_t	 i;

	if (cfg == NULL || name == NULL)
		return (NULL);
	for (i = 0; i < cfg->napps; i++)
		if (strcmp(cfg->apps[i].name, name) == 0)
			return (&cfg->apps[i]);
	return (NULL);
}


/*
 * Would alias, for an instance of app, take a name that belongs to
 * another app: the app's own name, or NAME-k of an app with instances =
 * N?  Then `stop NAME` (and status, and logs) could mean two things, so
 * both backends refuse it: 1 with err saying why, else 0.
 */
int
config_alias_taken(const struct config *cfg, const struct app *app,
    const char *alias, char *err, size_t errlen)
{
	const struct app	*o;
	size_t			 k, n;
	char			*end;
	long			 num;

	for (k = 0; cfg != NULL && k < cfg->napps; k++) {
		o = &cfg->apps[k];
		if (o == app)
			continue;
		if (strcmp(alias, o->name) == 0) {
			snprintf(err, errlen, "alias '%s' is the name of app "
			    "'%s'", alias, o->name);
			return (1);
		}
		n = strlen(o->name);
		if (o->instances <= 1 || strncmp(alias, o->name, n) != 0 ||
		    alias[n] != '-' || alias[n + 1] < '1' || alias[n + 1] > '9')
			continue;
		num = strtol(alias + n + 1, &end, 10);
		if (*end == '\0' && num >= 1 && num <= o->instances) {
			snprintf(err, errlen, "alias '%s' is the name of an "
			    "instance of app '%s' (instances = %d)", alias,
			    o->name, o->instances);
			return (1);
		}
	}
	return (0);
}
