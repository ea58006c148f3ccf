/*
 * config_state.c: the configuration in force as one JSON object, and
 * back, exactly.  An upgrade (runnerd/upgrade.c) carries it across
 * runnerd's exec as data rather than re-reading a file: the file may
 * have changed since it was loaded, and apps added by `update` exist in
 * no file at all.  So what the new runnerd reads must be the very struct
 * the old one used: every field of struct config and struct app, each
 * string byte for byte (bytes that are not UTF-8 go as base64, since the
 * writer would turn them into U+FFFD), each double bit for bit (jw_double
 * writes the shortest form that reads back the same), lists in order,
 * and NULL distinct from "" and from an empty list.
 *
 * One table per struct names every field, its key and its C type, and
 * both directions walk the same tables, so the two cannot disagree
 * about a field.  The reader is strict (a missing field, a wrong type, an
 * unknown enum word, a number out of range: NULL, and a message naming
 * the app and the field) but ignores keys it does not know, which a
 * newer writer may add.  It never looks at the file system or the user
 * database: the state carries the ids resolved when the file was read.
 */

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "config.h"

#define CS_B64		"base64"	/* key of a string that is not UTF-8 */
#define CS_WHERE_MAX	160		/* bytes of "apps[N] (NAME): " */
#define CS_NAME_SHOW	64		/* bytes of an app's name shown */
#define CS_RAW_SHOW	32		/* bytes of a refused value shown */

/* The C type of a field, which says how it is written and read. */
enum cs_type {
	CS_END,		/* the end of a table */
	CS_STR,		/* char *, never NULL */
	CS_STR0,	/* char *, or NULL (null) */
	CS_ARGV,	/* char **, NULL-terminated, at least min strings */
	CS_ARGV0,	/* ... or NULL (null) */
	CS_INT,		/* int in [min, max] */
	CS_BOOL,	/* int, 0 or 1 */
	CS_ENUM,	/* an enum, as its word in names */
	CS_DOUBLE,	/* finite, at least min */
	CS_SIZE,	/* size_t in [min, max] */
	CS_UID,		/* uid_t */
	CS_GID,		/* gid_t */
	CS_HEALTH,	/* struct app_health: an object (health_fields) */
	CS_DEPS		/* struct app_deps: null, or an object */
};

/* A field: its key in the state, its type and where it lies. */
struct cs_field {
	const char		*key;
	enum cs_type		 type;
	size_t			 off;		/* in its struct */
	long long		 min, max;	/* numbers; ARGV: min only */
	const char *const	*names;		/* CS_ENUM: the words */
};

/* What a read carries along: the document and where the error goes. */
struct cs_read {
	const struct json	*doc;
	char			*err;
	size_t			 errlen;
	char			 where[CS_WHERE_MAX]; /* the app being read */
};

static int	 cs_utf8(const char *);
static void	 cs_write_str(struct buf *, const char *);
static void	 cs_write_obj(struct buf *, const struct cs_field *,
		    const void *);
static void	 cs_write_field(struct buf *, const struct cs_field *,
		    const void *);
static void	 cs_write_deps(struct buf *, const struct app_deps *);
static int	 cs_err(struct cs_read *, const char *, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static int	 cs_str(struct cs_read *, int, const char *, const char *,
		    char **);
static int	 cs_argv(struct cs_read *, const struct cs_field *, int,
		    const char *, char ***);
static int	 cs_number(struct cs_read *, const struct cs_field *, int,
		    const char *, long long *);
static int	 cs_read_obj(struct cs_read *, const struct cs_field *, int,
		    void *, const char *);
static int	 cs_read_field(struct cs_read *, const struct cs_field *, int,
		    void *, const char *);
static int	 cs_read_deps(struct cs_read *, int, struct app_deps *);
static int	 cs_read_app(struct cs_read *, int, size_t, struct app *);
static int	 cs_check(struct cs_read *, const struct config *);
static int	 cs_name_cmp(const void *, const void *);
static const char *cs_raw(const struct cs_read *, int, char *, size_t);

#define F(k, t, s, f, lo, hi, w) \
	{ k, CS_##t, offsetof(struct s, f), lo, hi, w }
#define UIDS_MAX	((long long)(uid_t)-1)

/* struct config, less its apps (written last, as "apps"). */
static const struct cs_field config_fields[] = {
	F("source",	STR,	config, source,		0, 0, NULL),
	F("allow_group", STR0,	config, allow_group,	0, 0, NULL),
	F("allow_gid",	GID,	config, allow_gid,	0, UIDS_MAX, NULL),
	F("metrics_listen", STR0, config, metrics_listen, 0, 0, NULL),
	{ NULL, CS_END, 0, 0, 0, NULL }
};

/*
 * struct app, in its order.  The bounds are those runnerd relies on
 * (a count is never negative, instances at least 1), not config_opt.c's
 * tighter ones: a state is what a runnerd ran, whose file passed those.
 */
static const struct cs_field app_fields[] = {
	F("name",	STR,	app, name,		0, 0, NULL),
	F("argv",	ARGV,	app, argv,		1, 0, NULL),
	F("type",	ENUM,	app, type,		0, 0, app_type_names),
	F("cwd",	STR0,	app, cwd,		0, 0, NULL),
	F("socket",	STR0,	app, socket,		0, 0, NULL),
	F("env",	ARGV,	app, env,		0, 0, NULL),
	F("env_file",	STR0,	app, env_file,		0, 0, NULL),
	F("env_inherit", BOOL,	app, env_inherit,	0, 1, NULL),
	F("user",	STR0,	app, user,		0, 0, NULL),
	F("group",	STR0,	app, group,		0, 0, NULL),
	F("uid",	UID,	app, uid,		0, UIDS_MAX, NULL),
	F("gid",	GID,	app, gid,		0, UIDS_MAX, NULL),
	F("restart",	ENUM,	app, restart,		0, 0, app_restart_names),
	F("backoff_initial", DOUBLE, app, backoff_initial, 0, 0, NULL),
	F("backoff_max", DOUBLE, app, backoff_max,	0, 0, NULL),
	F("backoff_reset", DOUBLE, app, backoff_reset,	0, 0, NULL),
	F("max_restarts", INT,	app, max_restarts,	0, INT_MAX, NULL),
	F("restart_window", DOUBLE, app, restart_window, 0, 0, NULL),
	F("autostart",	BOOL,	app, autostart,		0, 1, NULL),
	F("instances",	INT,	app, instances,		1, INSTANCES_MAX, NULL),
	F("ready",	ENUM,	app, ready,		0, 0, app_ready_names),
	F("notify_fd",	INT,	app, notify_fd,		3, INT_MAX, NULL),
	F("stop_signal", INT,	app, stop_signal,	1, SIGNAL_MAX, NULL),
	F("stop_timeout", DOUBLE, app, stop_timeout,	0, 0, NULL),
	F("ready_timeout", DOUBLE, app, ready_timeout,	0, 0, NULL),
	F("output_buffer", SIZE, app, output_buffer,	1, OUTPUT_MAX, NULL),
	F("overflow",	ENUM,	app, overflow,		0, 0,
	    app_overflow_names),
	F("log",	STR0,	app, log,		0, 0, NULL),
	F("log_max_size", SIZE,	app, log_max_size,	0, OUTPUT_MAX, NULL),
	F("log_keep",	INT,	app, log_keep,		0, INT_MAX, NULL),
	F("timestamps",	BOOL,	app, timestamps,	0, 1, NULL),
	F("stderr",	ENUM,	app, err,		0, 0, app_stderr_names),
	F("on_exit",	ENUM,	app, on_exit,		0, 0, app_on_exit_names),
	F("health",	HEALTH,	app, health,		0, 0, NULL),
	F("depends_on",	DEPS,	app, deps,		0, 0, NULL),
	F("on_dependency_restart", ENUM, app, on_dep_restart, 0, 0,
	    dep_restart_names),
	F("reload_strategy", ENUM, app, reload_strategy, 0, 0,
	    app_reload_strategy_names),
	F("reload_max_unavailable", INT, app, reload_max_unavailable, 1,
	    INSTANCES_MAX, NULL),
	F("file",	STR,	app, file,		0, 0, NULL),
	F("line",	INT,	app, line,		0, INT_MAX, NULL),
	{ NULL, CS_END, 0, 0, 0, NULL }
};

/* struct app_health: written whole even without a probe (all zero). */
static const struct cs_field health_fields[] = {
	F("exec",	ARGV0,	app_health, exec,	1, 0, NULL),
	F("connect",	BOOL,	app_health, connect,	0, 1, NULL),
	F("http",	STR0,	app_health, http,	0, 0, NULL),
	F("interval",	DOUBLE,	app_health, interval,	0, 0, NULL),
	F("timeout",	DOUBLE,	app_health, timeout,	0, 0, NULL),
	F("start_period", DOUBLE, app_health, start_period, 0, 0, NULL),
	F("retries",	INT,	app_health, retries,	0, INT_MAX, NULL),
	{ NULL, CS_END, 0, 0, 0, NULL }
};

/* One member of depends_on (struct app_deps is written by hand). */
static const struct cs_field dep_fields[] = {
	F("app",	STR,	app_dep, app,		0, 0, NULL),
	F("cond",	ENUM,	app_dep, cond,		0, 0, dep_cond_names),
	F("line",	INT,	app_dep, line,		0, INT_MAX, NULL),
	{ NULL, CS_END, 0, 0, 0, NULL }
};
#undef F

/*
 * Write cfg as one JSON object appended to b: 0, or -1 when memory ran
 * out (b->failed).
 */
int
config_state_write(const struct config *cfg, struct buf *b)
{
	size_t	 i;

	jw_open(b, '{');
	cs_write_obj(b, config_fields, cfg);
	jw_key(b, "apps");
	jw_open(b, '[');
	for (i = 0; i < cfg->napps; i++) {
		jw_open(b, '{');
		cs_write_obj(b, app_fields, &cfg->apps[i]);
		jw_close(b, '}');
	}
	jw_close(b, ']');
	jw_close(b, '}');
	return (b->failed ? -1 : 0);
}

/* Is s valid UTF-8, so that jw_str writes its bytes unchanged? */
static int
cs_utf8(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = strlen(s), i, k;

	for (i = 0; i < n; i += k)
		if ((k = utf8_len(u + i, n - i)) == 0)
			return (0);
	return (1);
}

/*
 * A string: null for NULL, a JSON string when it is UTF-8, else
 * {"base64":"..."}: a child's argument or an environment value may be
 * Latin-1, and jw_str would write U+FFFD for each such byte.
 */
static void
cs_write_str(struct buf *b, const char *s)
{
	if (s == NULL || cs_utf8(s)) {
		jw_str(b, s);
		return;
	}
	jw_open(b, '{');
	jw_key(b, CS_B64);
	jw_b64(b, s, strlen(s));
	jw_close(b, '}');
}

/* The members of table t, from the struct at base. */
static void
cs_write_obj(struct buf *b, const struct cs_field *t, const void *base)
{
	for (; t->type != CS_END; t++) {
		jw_key(b, t->key);
		cs_write_field(b, t, (const char *)base + t->off);
	}
}

/* The value of field f, which lies at p. */
static void
cs_write_field(struct buf *b, const struct cs_field *f, const void *p)
{
	char *const	*v;

	switch (f->type) {
	case CS_END:
		break;
	case CS_STR:
	case CS_STR0:
		cs_write_str(b, *(char *const *)p);
		break;
	case CS_ARGV:
	case CS_ARGV0:
		if ((v = *(char **const *)p) == NULL) {
			jw_null(b);
			break;
		}
		jw_open(b, '[');
		for (; *v != NULL; v++)
			cs_write_str(b, *v);
		jw_close(b, ']');
		break;
	case CS_INT:
		jw_int(b, *(const int *)p);
		break;
	case CS_BOOL:
		jw_bool(b, *(const int *)p);
		break;
	case CS_ENUM:
		/* Out of range is a broken invariant: null, refused later. */
		if (*(const int *)p >= 0 && *(const int *)p <
		    (int)argv_len((char *const *)f->names))
			jw_str(b, f->names[*(const int *)p]);
		else
			jw_null(b);
		break;
	case CS_DOUBLE:
		jw_double(b, *(const double *)p);
		break;
	case CS_SIZE:
		jw_int(b, (long long)*(const size_t *)p);
		break;
	case CS_UID:
		jw_int(b, *(const uid_t *)p);
		break;
	case CS_GID:
		jw_int(b, *(const gid_t *)p);
		break;
	case CS_HEALTH:
		jw_open(b, '{');
		cs_write_obj(b, health_fields, p);
		jw_close(b, '}');
		break;
	case CS_DEPS:
		cs_write_deps(b, p);
		break;
	}
}

/*
 * depends_on: null when the app has none (v NULL), else its line and
 * the list, which may be empty (depends_on = {}).
 */
static void
cs_write_deps(struct buf *b, const struct app_deps *d)
{
	size_t	 k;

	if (d->v == NULL) {
		jw_null(b);
		return;
	}
	jw_open(b, '{');
	jw_key(b, "line");
	jw_int(b, d->line);
	jw_key(b, "list");
	jw_open(b, '[');
	for (k = 0; k < d->n; k++) {
		jw_open(b, '{');
		cs_write_obj(b, dep_fields, &d->v[k]);
		jw_close(b, '}');
	}
	jw_close(b, ']');
	jw_close(b, '}');
}

/*
 * Read text[0..len), a state config_state_write wrote, into a new
 * configuration; NULL with err ("apps[2] (web): health.interval:
 * expected a number") when it is not one.
 */
struct config *
config_state_read(const char *text, size_t len, char *err, size_t errlen)
{
	struct cs_read	 rd;
	struct config	*cfg;
	struct json	*doc;
	char		 why[RUNNER_ERRMSG_MAX];
	size_t		 i;
	int		 apps, n;

	if ((doc = json_parse(text, len, why, sizeof(why))) == NULL) {
		errf(err, errlen, "not JSON: %s", why);
		return (NULL);
	}
	memset(&rd, 0, sizeof(rd));
	rd.doc = doc;
	rd.err = err;
	rd.errlen = errlen;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		errf(err, errlen, "out of memory");
		json_free(doc);
		return (NULL);
	}
	if (json_type(doc, 0) != JSON_OBJECT) {
		cs_err(&rd, "", "state", "expected an object");
		goto fail;
	}
	if (cs_read_obj(&rd, config_fields, 0, cfg, "") == -1)
		goto fail;
	apps = json_get(doc, 0, "apps");
	if ((n = json_len(doc, apps)) == -1 ||
	    json_type(doc, apps) != JSON_ARRAY) {
		cs_err(&rd, "", "apps", apps == -1 ? "missing" :
		    "expected a list");
		goto fail;
	}
	if ((cfg->apps = calloc(n > 0 ? (size_t)n : 1, sizeof(*cfg->apps)))
	    == NULL) {
		cs_err(&rd, "", "apps", "out of memory");
		goto fail;
	}
	/* Counted as each is begun, so that config_free sees partial ones. */
	for (i = 0; i < (size_t)n; i++) {
		cfg->napps = i + 1;
		if (cs_read_app(&rd, json_at(doc, apps, (int)i), i,
		    &cfg->apps[i]) == -1)
			goto fail;
	}
	rd.where[0] = '\0';
	if (cs_check(&rd, cfg) == -1)
		goto fail;
	json_free(doc);
	return (cfg);
fail:
	config_free(cfg);
	json_free(doc);
	return (NULL);
}

/* "WHERE PREFIX KEY: message" into the read's err; -1. */
static int
cs_err(struct cs_read *rd, const char *prefix, const char *key,
    const char *fmt, ...)
{
	char	 msg[RUNNER_ERRMSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errf(rd->err, rd->errlen, "%s%s%s: %s", rd->where, prefix, key, msg);
	return (-1);
}

/*
 * One app, element i of the list: its name first, to name it in any
 * message, then its fields and the invariants runnerd relies on.
 */
static int
cs_read_app(struct cs_read *rd, int v, size_t i, struct app *a)
{
	char	*name, shown[CS_NAME_SHOW];
	int	 kinds;

	snprintf(rd->where, sizeof(rd->where), "apps[%zu]: ", i);
	if (json_type(rd->doc, v) != JSON_OBJECT)
		return (cs_err(rd, "", "app", "expected an object"));
	if ((name = json_str(rd->doc, json_get(rd->doc, v, "name"), NULL))
	    != NULL) {
		snprintf(rd->where, sizeof(rd->where), "apps[%zu] (%s): ", i,
		    escape_ctrl(name, shown, sizeof(shown)));
		free(name);
	}
	if (cs_read_obj(rd, app_fields, v, a, "") == -1)
		return (-1);
	/* What config_opt.c's app_check and opt_health promise. */
	if ((a->type == APP_SOCKET) != (a->socket != NULL))
		return (cs_err(rd, "", "socket", a->socket == NULL ?
		    "a socket app needs one" : "only socket apps have one"));
	kinds = (a->health.exec != NULL) + (a->health.connect != 0) +
	    (a->health.http != NULL);
	if (kinds > 1)
		return (cs_err(rd, "", "health", "a probe is one of exec, "
		    "connect and http, not %d of them", kinds));
	return (0);
}

/*
 * The whole configuration's invariants, as a load checks them: no two
 * apps of one name (config_app would find the first only), no two on
 * one socket, and dependencies that exist, without a cycle (runnerd's
 * depends.c walks them trusting that).  None reads the file system.
 */
static int
cs_check(struct cs_read *rd, const struct config *cfg)
{
	const char	**names;
	char		 why[RUNNER_ERRMSG_MAX], shown[CS_NAME_SHOW];
	size_t		 i;
	int		 rc = 0;

	if (cfg->napps > 1) {
		if ((names = calloc(cfg->napps, sizeof(*names))) == NULL)
			return (cs_err(rd, "", "apps", "out of memory"));
		for (i = 0; i < cfg->napps; i++)
			names[i] = cfg->apps[i].name;
		qsort(names, cfg->napps, sizeof(*names), cs_name_cmp);
		for (i = 1; i < cfg->napps && rc == 0; i++)
			if (strcmp(names[i - 1], names[i]) == 0)
				rc = cs_err(rd, "", "apps", "two apps named "
				    "'%s'", escape_ctrl(names[i], shown,
				    sizeof(shown)));
		free(names);
		if (rc == -1)
			return (-1);
	}
	if (config_check_apps(cfg, NULL, why, sizeof(why)) == -1 ||
	    config_check_deps(cfg, why, sizeof(why)) == -1)
		return (cs_err(rd, "", "apps", "%s", why));
	return (0);
}

/*
 * The JSON text of value v for a message, its head when long: checked
 * JSON, so no control byte to escape.
 */
static const char *
cs_raw(const struct cs_read *rd, int v, char *buf, size_t len)
{
	const char	*raw;
	size_t		 n;

	if ((raw = json_raw(rd->doc, v, &n)) == NULL)
		n = 0;
	snprintf(buf, len, "%.*s%s", (int)(n > CS_RAW_SHOW ? CS_RAW_SHOW : n),
	    raw != NULL ? raw : "", n > CS_RAW_SHOW ? "..." : "");
	return (buf);
}

static int
cs_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* Every field of table t from object obj into the struct at base. */
static int
cs_read_obj(struct cs_read *rd, const struct cs_field *t, int obj,
    void *base, const char *prefix)
{
	int	 v;

	for (; t->type != CS_END; t++) {
		if ((v = json_get(rd->doc, obj, t->key)) == -1)
			return (cs_err(rd, prefix, t->key, "missing"));
		if (cs_read_field(rd, t, v, (char *)base + t->off, prefix) ==
		    -1)
			return (-1);
	}
	return (0);
}

/* Field f from value v into p, which is zero (the struct is calloc'd). */
static int
cs_read_field(struct cs_read *rd, const struct cs_field *f, int v, void *p,
    const char *prefix)
{
	const struct json	*doc = rd->doc;
	char			 sub[CS_WHERE_MAX];
	long long		 n;
	double			 d;
	int			 k;

	switch (f->type) {
	case CS_END:
		break;
	case CS_STR0:
		if (json_type(doc, v) == JSON_NULL)
			return (0);
		/* FALLTHROUGH */
	case CS_STR:
		return (cs_str(rd, v, prefix, f->key, p));
	case CS_ARGV0:
		if (json_type(doc, v) == JSON_NULL)
			return (0);
		/* FALLTHROUGH */
	case CS_ARGV:
		return (cs_argv(rd, f, v, prefix, p));
	case CS_INT:
	case CS_SIZE:
	case CS_UID:
	case CS_GID:
		if (cs_number(rd, f, v, prefix, &n) == -1)
			return (-1);
		if (f->type == CS_INT)
			*(int *)p = (int)n;
		else if (f->type == CS_SIZE)
			*(size_t *)p = (size_t)n;
		else if (f->type == CS_UID)
			*(uid_t *)p = (uid_t)n;
		else
			*(gid_t *)p = (gid_t)n;
		return (0);
	case CS_BOOL:
		if (json_bool(doc, v, p) == -1)
			return (cs_err(rd, prefix, f->key, "expected a "
			    "boolean"));
		return (0);
	case CS_ENUM:
		if (json_type(doc, v) != JSON_STRING)
			return (cs_err(rd, prefix, f->key, "expected a word"));
		for (k = 0; f->names[k] != NULL; k++)
			if (json_streq(doc, v, f->names[k])) {
				*(int *)p = k;
				return (0);
			}
		return (cs_err(rd, prefix, f->key, "unknown word %s",
		    cs_raw(rd, v, sub, sizeof(sub))));
	case CS_DOUBLE:
		if (json_double(doc, v, &d) == -1)
			return (cs_err(rd, prefix, f->key, "expected a "
			    "number"));
		if (!isfinite(d) || d < (double)f->min)
			return (cs_err(rd, prefix, f->key, "%s is out of range",
			    cs_raw(rd, v, sub, sizeof(sub))));
		*(double *)p = d;
		return (0);
	case CS_HEALTH:
		if (json_type(doc, v) != JSON_OBJECT)
			return (cs_err(rd, prefix, f->key, "expected an "
			    "object"));
		snprintf(sub, sizeof(sub), "%s%s.", prefix, f->key);
		return (cs_read_obj(rd, health_fields, v, p, sub));
	case CS_DEPS:
		return (cs_read_deps(rd, v, p));
	}
	return (0);
}

/*
 * A string into *out: a JSON string, or {"base64":"..."} for bytes that
 * are not UTF-8.  A NUL inside (\u0000, or a zero byte in the base64)
 * is refused: the C string would end there, short of what was written.
 */
static int
cs_str(struct cs_read *rd, int v, const char *prefix, const char *key,
    char **out)
{
	char	*s, *b;
	size_t	 n;

	if (json_type(rd->doc, v) == JSON_OBJECT) {
		/* json_b64's bytes are not NUL-terminated: copied to be. */
		if ((b = json_b64(rd->doc, json_get(rd->doc, v, CS_B64),
		    &n)) == NULL)
			return (cs_err(rd, prefix, key, "expected "
			    "{\"" CS_B64 "\":\"...\"}"));
		s = malloc(n + 1);
		if (s != NULL)
			memcpy(s, b, n);
		free(b);
	} else if (json_type(rd->doc, v) == JSON_STRING)
		s = json_str(rd->doc, v, &n);
	else
		return (cs_err(rd, prefix, key, "expected a string"));
	if (s == NULL)
		return (cs_err(rd, prefix, key, "out of memory"));
	if (memchr(s, '\0', n) != NULL) {
		free(s);
		return (cs_err(rd, prefix, key, "a NUL byte in the string"));
	}
	s[n] = '\0';
	*out = s;
	return (0);
}

/* A list of at least f->min strings into *out, NULL-terminated. */
static int
cs_argv(struct cs_read *rd, const struct cs_field *f, int v,
    const char *prefix, char ***out)
{
	char	**argv, key[CS_WHERE_MAX];
	int	  k, n;

	if (json_type(rd->doc, v) != JSON_ARRAY)
		return (cs_err(rd, prefix, f->key, "expected a list"));
	if ((n = json_len(rd->doc, v)) < f->min)
		return (cs_err(rd, prefix, f->key, "expected at least %lld "
		    "string%s", f->min, f->min == 1 ? "" : "s"));
	if ((argv = calloc((size_t)n + 1, sizeof(*argv))) == NULL)
		return (cs_err(rd, prefix, f->key, "out of memory"));
	for (k = 0; k < n; k++) {
		snprintf(key, sizeof(key), "%s[%d]", f->key, k);
		if (cs_str(rd, json_at(rd->doc, v, k), prefix, key,
		    &argv[k]) == -1) {
			argv_free(argv);
			return (-1);
		}
	}
	*out = argv;
	return (0);
}

/* An integer in [f->min, f->max] into *n. */
static int
cs_number(struct cs_read *rd, const struct cs_field *f, int v,
    const char *prefix, long long *n)
{
	char	 raw[CS_RAW_SHOW + 8];

	if (v == -1)
		return (cs_err(rd, prefix, f->key, "missing"));
	if (json_int(rd->doc, v, n) == -1)
		return (cs_err(rd, prefix, f->key, "expected an integer, not "
		    "%s", cs_raw(rd, v, raw, sizeof(raw))));
	if (*n < f->min || *n > f->max)
		return (cs_err(rd, prefix, f->key, "%lld is out of range "
		    "(%lld to %lld)", *n, f->min, f->max));
	return (0);
}

/*
 * depends_on: null (none), or {"line":L,"list":[...]}.  Each member is
 * counted as it is begun, so that deps_clear frees a partial list.
 */
static int
cs_read_deps(struct cs_read *rd, int v, struct app_deps *d)
{
	static const struct cs_field line = { "line", CS_INT, 0, 0, INT_MAX,
	    NULL };
	char	 sub[CS_WHERE_MAX];
	long long n;
	int	 list, k, len;

	if (json_type(rd->doc, v) == JSON_NULL)
		return (0);
	if (json_type(rd->doc, v) != JSON_OBJECT)
		return (cs_err(rd, "", "depends_on", "expected null or an "
		    "object"));
	if (cs_number(rd, &line, json_get(rd->doc, v, "line"),
	    "depends_on.", &n) == -1)
		return (-1);
	d->line = (int)n;
	list = json_get(rd->doc, v, "list");
	if (json_type(rd->doc, list) != JSON_ARRAY)
		return (cs_err(rd, "depends_on.", "list", list == -1 ?
		    "missing" : "expected a list"));
	len = json_len(rd->doc, list);
	if ((d->v = calloc(len > 0 ? (size_t)len : 1, sizeof(*d->v))) ==
	    NULL)
		return (cs_err(rd, "depends_on.", "list", "out of memory"));
	for (k = 0; k < len; k++) {
		d->n = (size_t)k + 1;
		snprintf(sub, sizeof(sub), "list[%d]", k);
		if (json_type(rd->doc, json_at(rd->doc, list, k)) !=
		    JSON_OBJECT)
			return (cs_err(rd, "depends_on.", sub, "expected an "
			    "object"));
		snprintf(sub, sizeof(sub), "depends_on.list[%d].", k);
		if (cs_read_obj(rd, dep_fields, json_at(rd->doc, list, k),
		    &d->v[k], sub) == -1)
			return (-1);
	}
	return (0);
}
