/*
 * config.c: the one place that knows libconfig.  A configuration file (or
 * text) is parsed, then walked once and turned into plain structs (struct
 * config, struct app) that the rest of the code uses without libconfig.
 * The walk validates everything before anything is returned, so a caller
 * either gets a whole, checked configuration or NULL and one message: the
 * first error, as "FILE:LINE: apps.NAME.OPT: what is wrong", which is what
 * `runnerd -n` prints and what a reload refuses with.  Per-app options live
 * in a table (name, parser, field) so that a new option is one more row.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libconfig.h>

#include "runner-int.h"

#define SIGNAL_MAX	64		/* Linux: 1..31, then real-time ones */
#define TIMEOUT_MAX	86400.0		/* a day, in seconds */
#define OUTPUT_MAX	(1024LL * 1024 * 1024)	/* output_buffer: 1G */
#define SUGGEST_MAX	2		/* edit distance for "did you mean" */
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
 * option of a known kind is one row, and a new kind one more parser.
 */
struct option {
	const char	*name;
	int		(*parse)(struct load *, const config_setting_t *,
			    void *);
	size_t		 off;		/* offsetof(struct app, field) */
};

static int	 load_err(struct load *, const config_setting_t *,
		    const config_setting_t *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static int	 load_nomem(struct load *);
static const char *load_source(struct load *, const char *, char *, size_t);
static size_t	 setting_path(const config_setting_t *, char *, size_t);
static int	 distance(const char *, const char *);
static const char *suggest(const char *, const struct option *, size_t);
static int	 opt_string(struct load *, const config_setting_t *, void *);
static int	 opt_path(struct load *, const config_setting_t *, void *);
static int	 opt_command(struct load *, const config_setting_t *, void *);
static int	 opt_type(struct load *, const config_setting_t *, void *);
static int	 opt_env(struct load *, const config_setting_t *, void *);
static int	 opt_restart(struct load *, const config_setting_t *, void *);
static int	 opt_bool(struct load *, const config_setting_t *, void *);
static int	 opt_signal(struct load *, const config_setting_t *, void *);
static int	 opt_number(struct load *, const config_setting_t *, double *);
static int	 opt_grace(struct load *, const config_setting_t *, void *);
static int	 opt_timeout(struct load *, const config_setting_t *, void *);
static int	 opt_size(struct load *, const config_setting_t *, void *);
static long long size_parse(const char *);
static int	 conf_app(struct load *, struct app *,
		    const config_setting_t *);
static int	 conf_apps(struct load *, struct config *,
		    const config_setting_t *);
static struct config *conf_build(struct load *, config_t *, int);
static char	*path_dir(const char *);
static void	 app_clear(struct app *);

#define APP_FIELD(f)	offsetof(struct app, f)
static const struct option options[] = {
	{ "command",		opt_command,	APP_FIELD(argv) },
	{ "type",		opt_type,	APP_FIELD(type) },
	{ "socket",		opt_string,	APP_FIELD(socket) },
	{ "cwd",		opt_path,	APP_FIELD(cwd) },
	{ "log",		opt_path,	APP_FIELD(log) },
	{ "env",		opt_env,	APP_FIELD(env) },
	{ "restart",		opt_restart,	APP_FIELD(restart) },
	{ "autostart",		opt_bool,	APP_FIELD(autostart) },
	{ "stop_signal",	opt_signal,	APP_FIELD(stop_signal) },
	{ "stop_timeout",	opt_grace,	APP_FIELD(stop_timeout) },
	{ "ready_timeout",	opt_timeout,	APP_FIELD(ready_timeout) },
	{ "output_buffer",	opt_size,	APP_FIELD(output_buffer) },
};

/* The usual Linux signals; signal_name gives the first name of a number. */
#define SIG(n)	{ "SIG" #n, SIG##n }
static const struct {
	const char	*name;
	int		 num;
} signals[] = {
	SIG(HUP), SIG(INT), SIG(QUIT), SIG(ILL), SIG(TRAP), SIG(ABRT),
	SIG(BUS), SIG(FPE), SIG(KILL), SIG(USR1), SIG(SEGV), SIG(USR2),
	SIG(PIPE), SIG(ALRM), SIG(TERM),
#ifdef SIGSTKFLT
	SIG(STKFLT),
#endif
	SIG(CHLD), SIG(CONT), SIG(STOP), SIG(TSTP), SIG(TTIN), SIG(TTOU),
	SIG(URG), SIG(XCPU), SIG(XFSZ), SIG(VTALRM), SIG(PROF), SIG(WINCH),
#ifdef SIGIO
	SIG(IO),
#endif
#ifdef SIGPWR
	SIG(PWR),
#endif
	SIG(SYS),
};
#undef SIG

/*
 * Write "SOURCE:LINE: PATH: message" into ld->err: the line is the one of
 * `at`, the path the one of `what` (none when what is NULL).  Returns -1
 * so that callers can `return (load_err(...))`.
 */
static int
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

static int
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
static int
distance(const char *a, const char *b)
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
		if ((d = distance(name, opts[i].name)) < bestd) {
			best = opts[i].name;
			bestd = d;
		}
	return (best);
}

/* A non-empty string, copied into the char * at out. */
static int
opt_string(struct load *ld, const config_setting_t *s, void *out)
{
	char		**p = out;
	const char	 *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return (load_err(ld, s, s, "expected a string"));
	v = config_setting_get_string(s);
	if (v[0] == '\0')
		return (load_err(ld, s, s, "must not be empty"));
	free(*p);
	if ((*p = strdup(v)) == NULL)
		return (load_nomem(ld));
	return (0);
}

/*
 * A path.  From a file, a relative path is taken against the file's
 * directory, made absolute at load time: the daemon may chdir, and
 * "log = app.log" next to the config must not depend on where runnerd was
 * started.  From text there is no such directory: kept as written.
 */
static int
opt_path(struct load *ld, const config_setting_t *s, void *out)
{
	char	**p = out, *abs;
	size_t	  len;

	if (opt_string(ld, s, out) == -1)
		return (-1);
	if (ld->base == NULL || (*p)[0] == '/')
		return (0);
	len = strlen(ld->base) + strlen(*p) + 2;
	if ((abs = malloc(len)) == NULL)
		return (load_nomem(ld));
	snprintf(abs, len, "%s%s%s", ld->base,
	    strcmp(ld->base, "/") == 0 ? "" : "/", *p);
	free(*p);
	*p = abs;
	return (0);
}

/* A string split like sh does (words.c), or a list of strings as is. */
static int
opt_command(struct load *ld, const config_setting_t *s, void *out)
{
	const config_setting_t	*e;
	char			**argv, ***p = out;
	char			 msg[RUNNER_ERRMSG_MAX];
	int			 i, n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		argv = words_split(config_setting_get_string(s), msg,
		    sizeof(msg));
		if (argv == NULL && strcmp(msg, "out of memory") == 0)
			return (load_nomem(ld));
		if (argv == NULL)
			return (load_err(ld, s, s, "%s", msg));
		break;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		if ((n = config_setting_length(s)) <= 0)
			return (load_err(ld, s, s, "empty command"));
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(s, i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return (load_err(ld, e, s, "expected a "
				    "string or a list of strings"));
		}
		if ((argv = calloc((size_t)n + 1, sizeof(*argv))) == NULL)
			return (load_nomem(ld));
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(s, i);
			if ((argv[i] = strdup(config_setting_get_string(e)))
			    == NULL) {
				argv_free(argv);
				return (load_nomem(ld));
			}
		}
		break;
	default:
		return (load_err(ld, s, s, "expected a string or a list of "
		    "strings"));
	}
	argv_free(*p);
	*p = argv;
	return (0);
}

static int
opt_type(struct load *ld, const config_setting_t *s, void *out)
{
	enum app_type	*p = out;
	const char	*v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return (load_err(ld, s, s, "expected a string"));
	v = config_setting_get_string(s);
	if (strcmp(v, "stdio") == 0)
		*p = APP_STDIO;
	else if (strcmp(v, "socket") == 0)
		*p = APP_SOCKET;
	else
		return (load_err(ld, s, s, "expected \"stdio\" or \"socket\", "
		    "not \"%s\"", v));
	return (0);
}

/* A group of NAME = "value" as a NULL-terminated "NAME=value" array. */
static int
opt_env(struct load *ld, const config_setting_t *s, void *out)
{
	const config_setting_t	*e;
	char			**env, ***p = out;
	size_t			 len;
	int			 i, n;

	if (!config_setting_is_group(s))
		return (load_err(ld, s, s, "expected a group { NAME = "
		    "\"value\"; }"));
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return (load_err(ld, e, e, "expected a string"));
	}
	if ((env = calloc(n > 0 ? (size_t)n + 1 : 1, sizeof(*env))) == NULL)
		return (load_nomem(ld));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		len = strlen(config_setting_name(e)) +
		    strlen(config_setting_get_string(e)) + 2;
		if ((env[i] = malloc(len)) == NULL) {
			argv_free(env);
			return (load_nomem(ld));
		}
		snprintf(env[i], len, "%s=%s", config_setting_name(e),
		    config_setting_get_string(e));
	}
	argv_free(*p);
	*p = env;
	return (0);
}

static int
opt_restart(struct load *ld, const config_setting_t *s, void *out)
{
	enum app_restart	*p = out;
	const char		*v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return (load_err(ld, s, s, "expected a string"));
	v = config_setting_get_string(s);
	if (strcmp(v, "no") == 0)
		*p = RESTART_NO;
	else if (strcmp(v, "on-failure") == 0)
		*p = RESTART_ON_FAILURE;
	else if (strcmp(v, "always") == 0)
		*p = RESTART_ALWAYS;
	else
		return (load_err(ld, s, s, "expected \"no\", \"on-failure\" or "
		    "\"always\", not \"%s\"", v));
	return (0);
}

static int
opt_bool(struct load *ld, const config_setting_t *s, void *out)
{
	int	*p = out;

	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return (load_err(ld, s, s, "expected a boolean"));
	*p = config_setting_get_bool(s);
	return (0);
}

/* A signal name ("TERM", "SIGTERM", any case) or number. */
static int
opt_signal(struct load *ld, const config_setting_t *s, void *out)
{
	int		*p = out;
	long long	 n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		n = config_setting_get_int64(s);
		if (n < 1 || n > SIGNAL_MAX)
			return (load_err(ld, s, s, "must be between 1 and %d",
			    SIGNAL_MAX));
		*p = (int)n;
		return (0);
	case CONFIG_TYPE_STRING:
		if ((*p = signal_from_name(config_setting_get_string(s))) == -1)
			return (load_err(ld, s, s, "unknown signal '%s'",
			    config_setting_get_string(s)));
		return (0);
	default:
		return (load_err(ld, s, s, "expected a signal name or "
		    "number"));
	}
}

/* An int, int64 or float setting as a double (no autoconvert in 1.5). */
static int
opt_number(struct load *ld, const config_setting_t *s, double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		return (0);
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		return (0);
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		return (0);
	default:
		return (load_err(ld, s, s, "expected a number"));
	}
}

/* Seconds of grace, 0 allowed (stop_timeout 0: SIGKILL at once). */
static int
opt_grace(struct load *ld, const config_setting_t *s, void *out)
{
	double	*p = out, v = 0;

	if (opt_number(ld, s, &v) == -1)
		return (-1);
	if (!(v >= 0 && v <= TIMEOUT_MAX))
		return (load_err(ld, s, s, "must be between 0 and %.0f "
		    "seconds", TIMEOUT_MAX));
	*p = v;
	return (0);
}

/* Seconds to wait for something; 0 refused, as it could never succeed. */
static int
opt_timeout(struct load *ld, const config_setting_t *s, void *out)
{
	double	*p = out, v = 0;

	if (opt_number(ld, s, &v) == -1)
		return (-1);
	if (!(v > 0 && v <= TIMEOUT_MAX))
		return (load_err(ld, s, s, "must be more than 0 and at most "
		    "%.0f seconds", TIMEOUT_MAX));
	*p = v;
	return (0);
}

/*
 * Bytes: an integer, or a string with a binary K, M or G suffix.  Note
 * that libconfig 1.5 wraps an int literal past INT_MAX without a word;
 * the "1G" form and the L suffix are the safe ways to write big sizes.
 */
static int
opt_size(struct load *ld, const config_setting_t *s, void *out)
{
	size_t		*p = out;
	long long	 n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		n = config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_STRING:
		if ((n = size_parse(config_setting_get_string(s))) == -1)
			return (load_err(ld, s, s, "expected a size like "
			    "65536, \"64K\", \"16M\" or \"1G\", not \"%s\"",
			    config_setting_get_string(s)));
		break;
	default:
		return (load_err(ld, s, s, "expected a size in bytes (an "
		    "integer, or a string like \"64K\")"));
	}
	if (n < 1 || n > OUTPUT_MAX)
		return (load_err(ld, s, s, "must be between 1 and %lld bytes "
		    "(1G)", OUTPUT_MAX));
	*p = (size_t)n;
	return (0);
}

/*
 * "123", "64K", "16m", "1G" as bytes; -1 when malformed.  Anything past
 * OUTPUT_MAX saturates just above it, so the caller's range check reports
 * it without the arithmetic ever overflowing.
 */
static long long
size_parse(const char *s)
{
	long long	 n, mul;

	if (*s < '0' || *s > '9')
		return (-1);
	for (n = 0; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (*s - '0')) > OUTPUT_MAX)
			n = OUTPUT_MAX + 1;
	if (*s == '\0')
		return (n);
	if (s[1] != '\0' || strchr("KkMmGg", *s) == NULL)
		return (-1);
	mul = 1024;
	if (*s == 'M' || *s == 'm')
		mul = 1024 * 1024;
	else if (*s == 'G' || *s == 'g')
		mul = 1024 * 1024 * 1024;
	return (n > OUTPUT_MAX / mul ? OUTPUT_MAX + 1 : n * mul);
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
	app->type = APP_STDIO;
	app->restart = RESTART_ON_FAILURE;
	app->stop_signal = SIGTERM;
	app->stop_timeout = 5.0;
	app->ready_timeout = 5.0;
	app->output_buffer = 1024 * 1024;
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
		for (j = 0; j < NITEMS(options); j++)
			if (strcmp(name, options[j].name) == 0)
				break;
		if (j < NITEMS(options)) {
			if (options[j].parse(ld, m,
			    (char *)app + options[j].off) == -1)
				return (-1);
		} else if ((best = suggest(name, options, NITEMS(options)))
		    != NULL)
			return (load_err(ld, m, g, "unknown option '%s' (did "
			    "you mean '%s'?)", name, best));
		else
			return (load_err(ld, m, g, "unknown option '%s'",
			    name));
	}

	if (app->argv == NULL)
		return (load_err(ld, g, g, "missing 'command'"));
	if (app->type == APP_SOCKET && app->socket == NULL)
		return (load_err(ld, g, g, "a socket app needs 'socket'"));
	if (app->type != APP_SOCKET && app->socket != NULL) {
		m = config_setting_get_member(g, "socket");
		return (load_err(ld, m, m, "only socket apps (type = "
		    "\"socket\") have a socket"));
	}
	return (0);
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

/* Walk a parsed configuration (ok: config_read succeeded) into structs. */
static struct config *
conf_build(struct load *ld, config_t *lc, int ok)
{
	static const struct option top[] = { { "apps", NULL, 0 } };
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
		} else if ((best = suggest(name, top, NITEMS(top))) != NULL) {
			load_err(ld, s, NULL, "unknown setting '%s' (did you "
			    "mean '%s'?)", name, best);
			goto fail;
		} else {
			load_err(ld, s, NULL, "unknown setting '%s'", name);
			goto fail;
		}
	}
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
	struct load	 ld = { path, NULL, NULL, err, errlen };
	struct config	*cfg;
	struct stat	 st;
	config_t	 lc;
	FILE		*fp;
	char		*dir, *base;
	int		 ok;

	/* fopen ourselves: libconfig's own I/O error does not say why. */
	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
		    strerror(errno));
		return (NULL);
	}
	/* A directory opens fine and reads as empty: a valid, empty config. */
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		snprintf(err, errlen, "cannot read '%s': %s", path,
		    strerror(EISDIR));
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

/* Load and validate configuration text; its source is "<text>". */
struct config *
config_load_text(const char *text, char *err, size_t errlen)
{
	struct load	 ld = { CONFIG_TEXT_SOURCE, NULL, NULL, err, errlen };
	struct config	*cfg;
	config_t	 lc;
	int		 ok;

	config_init(&lc);
	ok = config_read_string(&lc, text != NULL ? text : "");
	cfg = conf_build(&ld, &lc, ok);
	config_destroy(&lc);
	return (cfg);
}

/* Free what conf_app may have filled, partly or wholly. */
static void
app_clear(struct app *app)
{
	free(app->name);
	argv_free(app->argv);
	free(app->cwd);
	free(app->socket);
	argv_free(app->env);
	free(app->log);
	free(app->file);
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

/* "TERM", "SIGTERM", "sigterm" or "15" as a number; -1 when unknown. */
int
signal_from_name(const char *name)
{
	const char	*p;
	size_t		 i;
	int		 n;

	if (name == NULL || name[0] == '\0')
		return (-1);
	if (name[0] >= '0' && name[0] <= '9') {
		for (n = 0, p = name; *p >= '0' && *p <= '9'; p++)
			if ((n = n * 10 + (*p - '0')) > SIGNAL_MAX)
				return (-1);
		return (*p == '\0' && n >= 1 ? n : -1);
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(name, signals[i].name + 3) == 0)
			return (signals[i].num);
	return (-1);
}

/* "SIGTERM" for SIGTERM; NULL for a number the table does not name. */
const char *
signal_name(int sig)
{
	size_t	 i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].num == sig)
			return (signals[i].name);
	return (NULL);
}
