/*
 * config_opt.c: the per-app options: one table row per option, one parser
 * per kind of value, the defaults, and the checks that involve several
 * options.  config.c walks the file and calls these; each parser either
 * fills its field of struct app or returns load_err's -1 with file:line.
 * The defaults here are the ones runner.conf(5) and README document.
 * Each row also says what a reload does when its option changed, and
 * app_reload, the diff that runnerd's reload.c acts on, is a walk over
 * the rows.
 */

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "config.h"

static int	 opt_string(struct load *, const config_setting_t *, void *);
static int	 opt_path(struct load *, const config_setting_t *, void *);
static int	 opt_type(struct load *, const config_setting_t *, void *);
static int	 opt_restart(struct load *, const config_setting_t *, void *);
static int	 opt_ready(struct load *, const config_setting_t *, void *);
static int	 opt_stderr(struct load *, const config_setting_t *, void *);
static int	 opt_overflow(struct load *, const config_setting_t *, void *);
static int	 opt_on_exit(struct load *, const config_setting_t *, void *);
static int	 opt_env(struct load *, const config_setting_t *, void *);
static int	 opt_signal(struct load *, const config_setting_t *, void *);
static int	 opt_number(struct load *, const config_setting_t *, double *);
static int	 opt_instances(struct load *, const config_setting_t *,
		    void *);
static int	 opt_restarts(struct load *, const config_setting_t *, void *);
static int	 opt_keep(struct load *, const config_setting_t *, void *);
static int	 opt_fd(struct load *, const config_setting_t *, void *);
static int	 size_value(struct load *, const config_setting_t *,
		    long long, size_t *);
static int	 opt_size(struct load *, const config_setting_t *, void *);
static int	 opt_logsize(struct load *, const config_setting_t *, void *);
static long long size_parse(const char *);
static int	 app_credentials(struct load *, struct app *,
		    const config_setting_t *);
static int	 str_differ(const char *, const char *);
static int	 argv_differ(char *const *, char *const *);
static int	 field_differ(const struct field *, const struct app *,
		    const struct app *);

/* The words of each enum, in enum order, as config and status show them. */
const char *const app_type_names[] = { "stdio", "socket", NULL };
const char *const app_restart_names[] = { "no", "on-failure", "always",
    NULL };
const char *const app_ready_names[] = { "none", "socket", "notify",
    "healthy", NULL };
const char *const app_stderr_names[] = { "log", "merge", "null", NULL };
const char *const app_overflow_names[] = { "block", "drop-oldest", NULL };
const char *const app_on_exit_names[] = { "none", "shutdown", NULL };

#define APP_FIELD(f)	offsetof(struct app, f)
#define CMP(t, f)	{ FIELD_##t, APP_FIELD(f) }
/* Option n filling field f of type t, whose change reload does r about. */
#define OPT(n, parse, f, t, r) \
	{ n, parse, APP_FIELD(f), RELOAD_##r, { CMP(t, f) } }
const struct option app_options[] = {
	OPT("command",		opt_command,	argv,	ARGV,	RESTART),
	OPT("type",		opt_type,	type,	INT,	RESTART),
	OPT("socket",		opt_string,	socket,	STR,	RESTART),
	OPT("cwd",		opt_path,	cwd,	STR,	RESTART),
	OPT("env",		opt_env,	env,	ARGV,	RESTART),
	/*
	 * The file's variables are read into env at load and compared
	 * there: a changed file is a change, the same one renamed is not.
	 */
	{ "env_file",		opt_path,	APP_FIELD(env_file),
	    RELOAD_RESTART,	{ CMP(ARGV, env) } },
	OPT("env_inherit",	opt_bool,	env_inherit, INT, RESTART),
	/* The ids are resolved at load: a renumbered user is a change. */
	{ "user",		opt_string,	APP_FIELD(user),
	    RELOAD_RESTART,	{ CMP(STR, user), CMP(UID, uid) } },
	{ "group",		opt_string,	APP_FIELD(group),
	    RELOAD_RESTART,	{ CMP(STR, group), CMP(GID, gid) } },
	OPT("restart",		opt_restart,	restart, INT,	LIVE),
	OPT("backoff_initial",	opt_grace,	backoff_initial, DOUBLE, LIVE),
	OPT("backoff_max",	opt_grace,	backoff_max, DOUBLE, LIVE),
	OPT("backoff_reset",	opt_grace,	backoff_reset, DOUBLE, LIVE),
	OPT("max_restarts",	opt_restarts,	max_restarts, INT, LIVE),
	OPT("restart_window",	opt_timeout,	restart_window, DOUBLE, LIVE),
	OPT("autostart",	opt_bool,	autostart, INT,	LIVE),
	OPT("instances",	opt_instances,	instances, INT,	LIVE),
	OPT("ready",		opt_ready,	ready,	INT,	RESTART),
	OPT("notify_fd",	opt_fd,		notify_fd, INT,	RESTART),
	/* ready.c sets an instance's deadline as it starts. */
	OPT("ready_timeout",	opt_timeout,	ready_timeout, DOUBLE,
	    AT_START),
	OPT("stop_signal",	opt_signal,	stop_signal, INT, LIVE),
	OPT("stop_timeout",	opt_grace,	stop_timeout, DOUBLE, LIVE),
	OPT("output_buffer",	opt_size,	output_buffer, SIZE, LIVE),
	OPT("overflow",		opt_overflow,	overflow, INT,	LIVE),
	OPT("log",		opt_path,	log,	STR,	RESTART),
	/* logfile.c takes them when an instance opens the file. */
	OPT("log_max_size",	opt_logsize,	log_max_size, SIZE, AT_START),
	OPT("log_keep",		opt_keep,	log_keep, INT,	AT_START),
	OPT("timestamps",	opt_bool,	timestamps, INT, LIVE),
	OPT("stderr",		opt_stderr,	err,	INT,	RESTART),
	OPT("on_exit",		opt_on_exit,	on_exit, INT,	LIVE),
	/* depends.c reads them when an instance starts. */
	OPT("depends_on",	opt_depends_on,	deps,	DEPS,	AT_START),
	OPT("on_dependency_restart", opt_dep_restart, on_dep_restart, INT,
	    LIVE),
	/*
	 * runnerd/health.c reads the probe at each one: the running
	 * instances follow a change from their next probe (one added
	 * begins, one removed stops) without a restart.
	 */
	OPT("health",		opt_health,	health,	HEALTH,	LIVE),
	/* Read by the reload that restarts the app (config_roll.c). */
	OPT("reload_strategy",	opt_reload_strategy, reload_strategy, INT,
	    LIVE),
	OPT("reload_max_unavailable", opt_reload_max_unavailable,
	    reload_max_unavailable, INT, LIVE),
};
const size_t app_noptions = NITEMS(app_options);

/*
 * The defaults of every option (runner.conf(5) lists the same).  ready
 * and env_inherit are settled in app_check, where the type and the user
 * are known.
 */
void
app_defaults(struct app *app)
{
	app->type = APP_STDIO;
	app->restart = RESTART_ON_FAILURE;
	app->backoff_initial = 0.1;
	app->backoff_max = 30.0;
	app->backoff_reset = 10.0;
	app->max_restarts = 0;
	app->restart_window = 60.0;
	app->instances = 1;
	app->ready = -1;
	app->env_inherit = -1;		/* settled in app_check, by user */
	app->notify_fd = 3;
	app->stop_signal = SIGTERM;
	app->stop_timeout = 5.0;
	app->ready_timeout = 5.0;
	app->output_buffer = 1024 * 1024;
	app->overflow = OVERFLOW_BLOCK;
	app->log_max_size = 10 * 1024 * 1024;
	app->log_keep = 5;
	app->err = STDERR_LOG;
	app->on_exit = ON_EXIT_NONE;
	app->reload_strategy = RELOAD_ALL;
	app->reload_max_unavailable = 1;
}

/*
 * The checks that involve several options, once all are read; g is the
 * app's group, for the line of messages about it as a whole.
 */
int
app_check(struct load *ld, struct app *app, const config_setting_t *g)
{
	const config_setting_t	*m;

	if (app->argv == NULL)
		return (load_err(ld, g, g, "missing 'command'"));
	if (app->type == APP_SOCKET && app->socket == NULL)
		return (load_err(ld, g, g, "a socket app needs 'socket'"));
	if (app->type != APP_SOCKET && app->socket != NULL) {
		m = config_setting_get_member(g, "socket");
		return (load_err(ld, m, m, "only socket apps (type = "
		    "\"socket\") have a socket"));
	}
	if ((int)app->ready == -1)
		app->ready = app->type == APP_SOCKET ? READY_SOCKET :
		    READY_NONE;
	m = config_setting_get_member(g, "ready");
	if (app->type == APP_SOCKET && app->ready == READY_NONE)
		return (load_err(ld, m, m, "a socket app is ready when its "
		    "socket accepts: \"socket\", \"notify\" or "
		    "\"healthy\""));
	if (app->type == APP_STDIO && app->ready == READY_SOCKET)
		return (load_err(ld, m, m, "a stdio app has no socket: "
		    "\"none\", \"notify\" or \"healthy\""));
	if (app->instances > 1 && app->type == APP_SOCKET) {
		m = config_setting_get_member(g, "instances");
		return (load_err(ld, m, m, "a socket app runs once: its "
		    "instances would share one socket path"));
	}
	if (app->backoff_max < app->backoff_initial) {
		m = config_setting_get_member(g, "backoff_max");
		return (load_err(ld, m != NULL ? m : g, m != NULL ? m : g,
		    "backoff_max (%g s) is less than backoff_initial (%g s)",
		    app->backoff_max, app->backoff_initial));
	}
	if (health_check(ld, app, g) == -1 ||
	    app_credentials(ld, app, g) == -1)
		return (-1);
	/*
	 * An app that runs as another user does not get runnerd's
	 * environment (root's secrets would reach nobody) unless asked.
	 */
	if (app->env_inherit == -1)
		app->env_inherit = app->user == NULL;
	if (app->env_file != NULL && env_file_load(ld, app,
	    config_setting_get_member(g, "env_file")) == -1)
		return (-1);
	return (0);
}

/*
 * How much a difference between two versions of one app matters to a
 * reload: the strongest class among the options whose fields differ.
 * The table names every option, so none is missed.
 */
enum app_reload
app_reload(const struct app *o, const struct app *n)
{
	enum app_reload	 d = RELOAD_SAME;
	size_t		 k, j;

	for (k = 0; k < app_noptions; k++)
		for (j = 0; j < OPTION_FIELDS; j++)
			if (app_options[k].reload > d &&
			    field_differ(&app_options[k].cmp[j], o, n))
				d = app_options[k].reload;
	return (d);
}

/* Does field f of app a differ from b's? */
static int
field_differ(const struct field *f, const struct app *a, const struct app *b)
{
	const char	*pa = (const char *)a + f->off;
	const char	*pb = (const char *)b + f->off;

	switch (f->type) {
	case FIELD_NONE:
		break;
	case FIELD_STR:
		return (str_differ(*(char *const *)pa, *(char *const *)pb));
	case FIELD_ARGV:
		return (argv_differ(*(char **const *)pa, *(char **const *)pb));
	case FIELD_INT:
		return (*(const int *)pa != *(const int *)pb);
	case FIELD_DOUBLE:
		return (*(const double *)pa != *(const double *)pb);
	case FIELD_SIZE:
		return (*(const size_t *)pa != *(const size_t *)pb);
	case FIELD_UID:
		return (*(const uid_t *)pa != *(const uid_t *)pb);
	case FIELD_GID:
		return (*(const gid_t *)pa != *(const gid_t *)pb);
	case FIELD_DEPS:
		return (deps_differ((const struct app_deps *)pa,
		    (const struct app_deps *)pb));
	case FIELD_HEALTH:
		return (health_differ((const struct app_health *)pa,
		    (const struct app_health *)pb));
	}
	return (0);
}

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != b);
	return (strcmp(a, b) != 0);
}

static int
argv_differ(char *const *a, char *const *b)
{
	size_t	 k;

	for (k = 0; a[k] != NULL && b[k] != NULL; k++)
		if (strcmp(a[k], b[k]) != 0)
			return (1);
	return (a[k] != b[k]);
}

/*
 * user and group by name or number, resolved now so that a typo is a
 * file:line error rather than a failed start later; the group defaults to
 * the user's.  Whether runnerd may switch to them is known only at start.
 */
static int
app_credentials(struct load *ld, struct app *app, const config_setting_t *g)
{
	const config_setting_t	*m;
	struct passwd		*pw;
	char			*end;
	unsigned long		 n;

	if (app->user != NULL) {
		m = config_setting_get_member(g, "user");
		errno = 0;
		n = strtoul(app->user, &end, 10);
		if ((pw = getpwnam(app->user)) != NULL) {
			app->uid = pw->pw_uid;
			app->gid = pw->pw_gid;
		} else if (*end == '\0' && errno == 0 && n < UINT_MAX) {
			app->uid = (uid_t)n;
			app->gid = (pw = getpwuid(app->uid)) != NULL ?
			    pw->pw_gid : (gid_t)n;
		} else
			return (load_err(ld, m, m, "no user '%s'%s%s",
			    app->user, errno ? ": " : "",
			    errno ? strerror(errno) : ""));
	}
	if (app->group != NULL) {
		m = config_setting_get_member(g, "group");
		if (conf_group(ld, m, app->group, &app->gid) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The group named (or numbered) name into *gid; else the file:line
 * error for setting s.  Shared by an app's group and allow_group.
 */
int
conf_group(struct load *ld, const config_setting_t *s, const char *name,
    gid_t *gid)
{
	struct group	*gr;
	char		*end;
	unsigned long	 n;

	errno = 0;
	n = strtoul(name, &end, 10);
	if ((gr = getgrnam(name)) != NULL)
		*gid = gr->gr_gid;
	else if (*end == '\0' && end != name && errno == 0 && n < UINT_MAX)
		*gid = (gid_t)n;
	else
		return (load_err(ld, s, s, "no group '%s'%s%s", name,
		    errno ? ": " : "", errno ? strerror(errno) : ""));
	return (0);
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
int
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

/* One of words (NULL-terminated), as its index into *out. */
int
conf_choice(struct load *ld, const config_setting_t *s,
    const char *const *words, int *out)
{
	char		 list[256];
	const char	*v;
	size_t		 len;
	int		 k;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return (load_err(ld, s, s, "expected a string"));
	v = config_setting_get_string(s);
	for (k = 0; words[k] != NULL; k++)
		if (strcmp(v, words[k]) == 0) {
			*out = k;
			return (0);
		}
	list[0] = '\0';
	for (k = 0; words[k] != NULL; k++) {
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s\"%s\"",
		    k == 0 ? "" : words[k + 1] == NULL ? " or " : ", ",
		    words[k]);
	}
	return (load_err(ld, s, s, "expected %s, not \"%s\"", list, v));
}

static int
opt_type(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, app_type_names, out));
}

static int
opt_restart(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, app_restart_names, out));
}

static int
opt_ready(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, app_ready_names, out));
}

static int
opt_stderr(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, app_stderr_names, out));
}

static int
opt_overflow(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, app_overflow_names, out));
}

static int
opt_on_exit(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, app_on_exit_names, out));
}

/* An integer in [min, max]. */
int
opt_int(struct load *ld, const config_setting_t *s, int min, int max,
    int *out)
{
	long long	 n;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return (load_err(ld, s, s, "expected an integer"));
	n = config_setting_get_int64(s);
	if (n < min || n > max)
		return (load_err(ld, s, s, "must be between %d and %d", min,
		    max));
	*out = (int)n;
	return (0);
}

static int
opt_instances(struct load *ld, const config_setting_t *s, void *out)
{
	return (opt_int(ld, s, 1, INSTANCES_MAX, out));
}

/* max_restarts: 0 is no limit. */
static int
opt_restarts(struct load *ld, const config_setting_t *s, void *out)
{
	return (opt_int(ld, s, 0, 1000000, out));
}

static int
opt_keep(struct load *ld, const config_setting_t *s, void *out)
{
	return (opt_int(ld, s, 0, 1000, out));
}

/* notify_fd: not 0, 1 or 2, which the channel and the log use. */
static int
opt_fd(struct load *ld, const config_setting_t *s, void *out)
{
	return (opt_int(ld, s, 3, 1023, out));
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

int
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
int
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
int
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
size_value(struct load *ld, const config_setting_t *s, long long min,
    size_t *p)
{
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
	if (n < min || n > OUTPUT_MAX)
		return (load_err(ld, s, s, "must be between %lld and %lld "
		    "bytes (1G)", min, OUTPUT_MAX));
	*p = (size_t)n;
	return (0);
}

/* A buffer size: at least a byte. */
static int
opt_size(struct load *ld, const config_setting_t *s, void *out)
{
	return (size_value(ld, s, 1, out));
}

/* log_max_size: 0 means the log is never rotated. */
static int
opt_logsize(struct load *ld, const config_setting_t *s, void *out)
{
	return (size_value(ld, s, 0, out));
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
