/*
 * test_config_state.c: cmocka tests of the configuration as an upgrade
 * carries it (config_state.c).  Round trips: a configuration using every
 * option with values other than the defaults, the sample conf/runner.conf,
 * one with an included file and apps an update added, and an empty one
 * are written, read back and written again, and the two
 * texts and the two structs (field by field, doubles bit for bit) must
 * be the same; values no file can give (bytes that are not UTF-8, "" next
 * to NULL, a user no longer in /etc/passwd, odd doubles) too.  Attacks:
 * the state cut at every length, each member removed in turn, each value
 * swapped for values of every type, and a table of refused values with
 * their messages.  Run under valgrind by make check: no case may leak.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

#include "config_check.h"

/*
 * Every option, none at its default, over five apps so that each
 * dependency condition and each kind of probe is there; %s is the
 * env_file's path.  "\\xff" reaches libconfig as \xff: a byte that is
 * not UTF-8 in an argument and in an environment value.
 */
#define FULL \
	"allow_group = \"daemon\";\n" \
	"metrics_listen = \"[::1]:9464\";\n" \
	"apps = {\n" \
	" db = { command = [\"pg\", \"-q\", \"caf\\xe9 \\\"q\\\" \\\\ \\t\"];\n" \
	"  type = \"socket\"; socket = \"db.sock\"; cwd = \"/srv/db\";\n" \
	"  env = { A = \"1\"; B = \"\\xff\"; EMPTY = \"\"; };\n" \
	"  env_file = \"%s\"; env_inherit = true; user = \"daemon\";\n" \
	"  group = \"nogroup\"; restart = \"always\"; backoff_initial = 0.3;\n" \
	"  backoff_max = 45.5; backoff_reset = 12.25; max_restarts = 7;\n" \
	"  restart_window = 33.3; autostart = true; ready = \"notify\";\n" \
	"  notify_fd = 5; stop_signal = \"INT\"; stop_timeout = 2.5;\n" \
	"  ready_timeout = 9.75; output_buffer = \"64K\";\n" \
	"  overflow = \"drop-oldest\"; log = \"/var/log/db.log\";\n" \
	"  log_max_size = \"2M\"; log_keep = 9; timestamps = true;\n" \
	"  stderr = \"merge\"; on_exit = \"shutdown\";\n" \
	"  health = { connect = true; interval = 0.7; timeout = 0.3;\n" \
	"   retries = 4; start_period = 1.5; };\n" \
	"  on_dependency_restart = \"restart\"; reload_strategy = \"rolling\";\n" \
	"  reload_max_unavailable = 3; };\n" \
	" web = { command = \"cat -u\"; instances = 4; autostart = false;\n" \
	"  user = \"54321\"; stderr = \"null\"; ready = \"healthy\";\n" \
	"  restart = \"no\"; stop_signal = 9;\n" \
	"  health = { http = \"http://127.0.0.1:1/h\"; interval = 30; };\n" \
	"  depends_on = { db = \"healthy\"; mig = \"completed_successfully\";\n" \
	"   job = \"completed\"; boot = \"started\"; side = \"ready\"; }; };\n" \
	" mig = { command = [\"sh\", \"-c\", \"exit 0\"]; restart = \"no\";\n" \
	"  health = { exec = [\"true\", \"x\"]; }; depends_on = { }; };\n" \
	" job = { command = \"true\"; group = \"12345\"; };\n" \
	" boot = { command = \"true\"; env_inherit = false; };\n" \
	" side = { command = \"cat\"; ready = \"notify\"; };\n" \
	"};\n"

/* Smaller, for the attacks that read the state once per member. */
#define SMALL \
	"allow_group = \"0\";\n" \
	"metrics_listen = \"127.0.0.1:9464\";\n" \
	"apps = {\n" \
	" web = { command = [\"cat\", \"\\xff\"]; user = \"54321\";\n" \
	"  health = { exec = \"true\"; }; depends_on = { db = \"healthy\"; };\n" \
	" };\n" \
	" db = { command = \"sleep 1\"; type = \"socket\"; socket = \"db.sock\";\n" \
	"  health = { connect = true; }; depends_on = { }; };\n" \
	"};\n"

#define UNITS_MAX	4096	/* members or values in one state */

static char	 env_path[64];

/* FULL, with the env_file written by the group setup. */
static struct config *
load_full(void)
{
	char	 text[8192];

	snprintf(text, sizeof(text), FULL, env_path);
	return (load_ok(text));
}

/* cfg's state as a malloc'd string. */
static char *
state_of(const struct config *cfg)
{
	struct buf	 b;

	buf_init(&b);
	assert_int_equal(config_state_write(cfg, &b), 0);
	buf_addc(&b, '\0');
	assert_false(b.failed);
	return (buf_take(&b));
}

static struct config *
read_ok(const char *text)
{
	struct config	*c;
	char		 err[RUNNER_ERRMSG_MAX] = "";

	if ((c = config_state_read(text, strlen(text), err, sizeof(err))) ==
	    NULL)
		fail_msg("state refused: %s\n---\n%s", err, text);
	return (c);
}

/* The state refused, with a message; into err. */
static void
read_fails(const char *text, size_t len, char *err, size_t errlen)
{
	struct config	*c;

	err[0] = '\0';
	if ((c = config_state_read(text, len, err, errlen)) != NULL) {
		config_free(c);
		fail_msg("state accepted:\n%.*s", (int)len, text);
	}
	if (err[0] == '\0')
		fail_msg("refused without a message:\n%.*s", (int)len, text);
}

/*
 * The field-by-field comparison, written apart from config_state.c's
 * tables on purpose: a field they missed must show here.
 */
static void
str_same(const char *a, const char *b, const char *what)
{
	if (a == NULL || b == NULL) {
		if (a != b)
			fail_msg("%s: %s against %s", what, a ? a : "NULL",
			    b ? b : "NULL");
		return;
	}
	if (strcmp(a, b) != 0)
		fail_msg("%s: '%s' against '%s'", what, a, b);
}

static void
argv_same(char *const *a, char *const *b, const char *what)
{
	size_t	 k;

	if (a == NULL || b == NULL) {
		if (a != b)
			fail_msg("%s: one is NULL", what);
		return;
	}
	for (k = 0; a[k] != NULL && b[k] != NULL; k++)
		str_same(a[k], b[k], what);
	if (a[k] != b[k])
		fail_msg("%s: lengths differ", what);
}

static void
double_same(double a, double b, const char *what)
{
	if (memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("%s: %.17g against %.17g", what, a, b);
}

#define S(f)	str_same(a->f, b->f, #f)
#define V(f)	argv_same(a->f, b->f, #f)
#define D(f)	double_same(a->f, b->f, #f)
#define I(f)	assert_true(a->f == b->f)

static void
app_same(const struct app *a, const struct app *b)
{
	size_t	 k;

	S(name); V(argv); I(type); S(cwd); S(socket); V(env); S(env_file);
	I(env_inherit); S(user); S(group); I(uid); I(gid); I(restart);
	D(backoff_initial); D(backoff_max); D(backoff_reset);
	I(max_restarts); D(restart_window); I(autostart); I(instances);
	I(ready); I(notify_fd); I(stop_signal); D(stop_timeout);
	D(ready_timeout); I(output_buffer); I(overflow); S(log);
	I(log_max_size); I(log_keep); I(timestamps); I(err); I(on_exit);
	V(health.exec); I(health.connect); S(health.http);
	D(health.interval); D(health.timeout); D(health.start_period);
	I(health.retries);
	assert_true((a->deps.v == NULL) == (b->deps.v == NULL));
	I(deps.n); I(deps.line);
	for (k = 0; k < a->deps.n; k++) {
		S(deps.v[k].app); I(deps.v[k].cond); I(deps.v[k].line);
	}
	I(on_dep_restart); I(reload_strategy); I(reload_max_unavailable);
	S(file); I(line);
}

static void
config_same(const struct config *a, const struct config *b)
{
	size_t	 k;

	S(source); S(allow_group); I(allow_gid); S(metrics_listen);
	I(napps);
	for (k = 0; k < a->napps; k++)
		app_same(&a->apps[k], &b->apps[k]);
}
#undef S
#undef V
#undef D
#undef I

/*
 * Write, read, write again: the two texts equal and the structs the
 * same field by field.  The state is returned (malloc'd) for more.
 */
static char *
round_trip(const struct config *cfg)
{
	struct config	*back;
	char		*one, *two;

	one = state_of(cfg);
	back = read_ok(one);
	two = state_of(back);
	assert_string_equal(one, two);
	config_same(cfg, back);
	config_free(back);
	free(two);
	return (one);
}

static int
setup(void **state)
{
	static const char	 vars[] = "FROM_FILE=yes\nA=file-loses\n"
	    "LATIN=\xe9t\xe9\n";
	FILE			*fp;
	int			 fd;

	(void)state;
	snprintf(env_path, sizeof(env_path), "/tmp/test_config_state.XXXXXX");
	if ((fd = mkstemp(env_path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return (-1);
	fputs(vars, fp);
	return (fclose(fp) == 0 ? 0 : -1);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(env_path);
	return (0);
}

/* Every option, not at its default, back exactly. */
static void
test_full(void **state)
{
	struct config	*c = load_full();
	const struct app *db = config_app(c, "db"), *web;
	char		*s;

	(void)state;
	/* The text did set what it says: the test covers what it claims. */
	web = config_app(c, "web");
	assert_int_equal(c->napps, 6);
	assert_int_equal(db->uid, 1);
	assert_int_equal(db->gid, 65534);
	assert_int_equal(web->uid, 54321);
	assert_int_equal(config_app(c, "job")->gid, 12345);
	assert_int_equal(c->allow_gid, 1);
	assert_int_equal(web->deps.n, 5);
	assert_non_null(config_app(c, "mig")->deps.v);
	assert_int_equal(config_app(c, "mig")->deps.n, 0);
	assert_null(config_app(c, "job")->deps.v);
	assert_string_equal(db->env[0], "FROM_FILE=yes");
	s = round_trip(c);
	/* Bytes that are not UTF-8 went as base64, not as U+FFFD. */
	assert_non_null(strstr(s, "{\"base64\":"));
	assert_null(strstr(s, "\\ufffd"));
	free(s);
	config_free(c);
}

/* The sample configuration, loaded from its file. */
static void
test_sample(void **state)
{
	struct config	*c;
	char		 err[RUNNER_ERRMSG_MAX] = "", *s;

	(void)state;
	if ((c = config_load_file("conf/runner.conf", err, sizeof(err))) ==
	    NULL)
		fail_msg("conf/runner.conf: %s", err);
	s = round_trip(c);
	free(s);
	config_free(c);
}

/*
 * What no file holds: apps an update added (config_merge.c), beside an
 * app from an included file, whose app->file is that file's.
 */
static void
test_update_include(void **state)
{
	struct config	*c, *u;
	char		 dir[] = "/tmp/test_config_state.XXXXXX", path[64];
	char		 err[RUNNER_ERRMSG_MAX] = "", *s;
	FILE		*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/inc.conf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("inc = { command = \"cat\"; log = \"inc.log\"; };\n", fp);
	assert_int_equal(fclose(fp), 0);
	snprintf(path, sizeof(path), "%s/runner.conf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("apps = {\n @include \"inc.conf\"\n top = { command = \"cat\"; "
	    "};\n};\n", fp);
	assert_int_equal(fclose(fp), 0);
	if ((c = config_load_file(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	u = config_update_text(c, "apps = { added = { command = \"tac\"; "
	    "depends_on = { inc = \"started\"; }; }; top = { command = "
	    "\"rev\"; }; };", err, sizeof(err));
	if (u == NULL)
		fail_msg("%s", err);
	assert_int_equal(u->napps, 3);
	assert_non_null(strstr(config_app(u, "inc")->file, "inc.conf"));
	s = round_trip(u);
	free(s);
	config_free(u);
	config_free(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/inc.conf", dir);
	unlink(path);
	rmdir(dir);
}

/* No apps at all, with and without an apps group: an app list of 0. */
static void
test_empty(void **state)
{
	static const char *const texts[] = { "", "apps = { };\n" };
	struct config	*c, *back;
	char		*s;
	size_t		 k;

	(void)state;
	for (k = 0; k < 2; k++) {
		c = load_ok(texts[k]);
		s = round_trip(c);
		config_free(c);
		free(s);
	}
	back = read_ok("{\"source\":\"x\",\"allow_group\":null,"
	    "\"allow_gid\":0,\"metrics_listen\":null,\"apps\":[]}");
	assert_int_equal(back->napps, 0);
	config_free(back);
}

/*
 * What no file gives but a struct may hold: the state keeps it all.
 * Doubles at the edges of exactness, strings that are not UTF-8 or
 * hold every escape, "" beside NULL, a user gone from /etc/passwd
 * (never looked up again), uids at the top of their range.
 */
static void
test_exact(void **state)
{
	struct config	*c = load_full();
	struct app	*a = &c->apps[0];
	char		*s;

	(void)state;
	a->backoff_initial = 0.1 + 0.2;
	a->backoff_max = nextafter(1.0, 2.0);
	a->backoff_reset = 5e-324;		/* the least subnormal */
	a->restart_window = DBL_MAX;
	a->stop_timeout = -0.0;
	a->ready_timeout = 1.0 / 3.0;
	a->health.interval = 0x1.fffffffffffffp-1;
	free(a->cwd);
	a->cwd = strdup("");			/* not NULL */
	free(a->user);
	a->user = strdup("gone-from-passwd");
	a->uid = (uid_t)-2;
	a->gid = (gid_t)-1;
	c->allow_gid = 4000000000u;
	free(a->argv[0]);
	a->argv[0] = strdup("\x01\x1f\x7f\"\\/\n\r\t\b\f \xc3 \xed\xa0\x80 "
	    "\xf4\x90\x80\x80 \xc0\xaf \xe2\x82\xac \xf0\x9f\x98\x80");
	free(c->apps[1].log);
	c->apps[1].log = strdup("\xff");
	assert_non_null(a->cwd);
	s = round_trip(c);
	free(s);
	config_free(c);
}

/* Members a newer writer may add are ignored, wherever they are. */
static void
test_unknown_ignored(void **state)
{
	struct config	*c = load_ok(SMALL), *back;
	struct buf	 b;
	char		*s, *p;

	(void)state;
	s = state_of(c);
	buf_init(&b);
	/* One more member at the top, in each app and in each probe. */
	buf_adds(&b, "{\"future\":[1,{\"x\":null}],");
	for (p = s + 1; *p != '\0'; p++) {
		buf_addc(&b, *p);
		if (strncmp(p, "{\"exec\"", 7) == 0 ||
		    strncmp(p, "{\"name\"", 7) == 0)
			buf_adds(&b, "\"later\":true,");
	}
	buf_addc(&b, '\0');
	back = read_ok(buf_head(&b));
	config_same(c, back);
	config_free(back);
	config_free(c);
	buf_free(&b);
	free(s);
}

/* The state cut at every length: each refused cleanly. */
static void
test_truncated(void **state)
{
	struct config	*c = load_ok(SMALL);
	char		*s, err[RUNNER_ERRMSG_MAX];
	size_t		 n, len;

	(void)state;
	s = state_of(c);
	len = strlen(s);
	for (n = 0; n < len; n++)
		read_fails(s, n, err, sizeof(err));
	free(s);
	config_free(c);
}

/* One object member or array element of a state: its bytes and place. */
struct unit {
	size_t	 start, end;	/* [start, end): the member or value */
	size_t	 vstart;	/* a member's value (= start for values) */
	int	 member;	/* an object member (key: value) */
	int	 first, last;	/* first, last of its container */
	char	 key[64];
};

/* Each member and value under v, depth first, into u[*n]. */
static void
units(const struct json *doc, int v, const char *base, struct unit *u,
    size_t *n)
{
	const char	*raw;
	size_t		 len;
	int		 i, k, cnt, val;

	cnt = json_len(doc, v);
	for (i = 0; i < cnt; i++) {
		assert_true(*n < UNITS_MAX);
		memset(&u[*n], 0, sizeof(u[*n]));
		if (json_type(doc, v) == JSON_OBJECT) {
			k = json_key_at(doc, v, i);
			val = k + 1;
			raw = json_raw(doc, k, &len);
			u[*n].member = 1;
			u[*n].start = (size_t)(raw - base);
			snprintf(u[*n].key, sizeof(u[*n].key), "%.*s",
			    (int)len - 2, raw + 1);
		} else
			val = json_at(doc, v, i);
		raw = json_raw(doc, val, &len);
		u[*n].vstart = (size_t)(raw - base);
		if (!u[*n].member)
			u[*n].start = u[*n].vstart;
		u[*n].end = u[*n].vstart + len;
		u[*n].first = i == 0;
		u[*n].last = i == cnt - 1;
		(*n)++;
		units(doc, val, base, u, n);
	}
}

/* The units of state s; *n of them, malloc'd. */
static struct unit *
state_units(const char *s, size_t *n)
{
	struct json	*doc;
	struct unit	*u;
	char		 err[RUNNER_ERRMSG_MAX];

	assert_non_null(doc = json_parse(s, strlen(s), err, sizeof(err)));
	assert_non_null(u = calloc(UNITS_MAX, sizeof(*u)));
	*n = 0;
	units(doc, 0, json_raw(doc, 0, NULL), u, n);
	json_free(doc);
	return (u);
}

/* s with [from, to) replaced by with, as a malloc'd string. */
static char *
splice(const char *s, size_t from, size_t to, const char *with)
{
	char	*t;
	size_t	 len = strlen(s), wl = strlen(with);

	assert_non_null(t = malloc(len - (to - from) + wl + 1));
	memcpy(t, s, from);
	memcpy(t + from, with, wl);
	memcpy(t + from + wl, s + to, len - to + 1);
	return (t);
}

/*
 * Each member removed in turn (with its comma): every one is required,
 * and the message names it.
 */
static void
test_member_removed(void **state)
{
	struct config	*c = load_ok(SMALL);
	struct unit	*u;
	char		*s, *t, err[RUNNER_ERRMSG_MAX];
	size_t		 n, k, from, to, members = 0;

	(void)state;
	s = state_of(c);
	u = state_units(s, &n);
	for (k = 0; k < n; k++) {
		if (!u[k].member)
			continue;
		members++;
		from = u[k].start;
		to = u[k].end;
		if (!u[k].first)
			from--;			/* the comma before */
		else if (!u[k].last)
			to++;			/* the comma after */
		t = splice(s, from, to, "");
		read_fails(t, strlen(t), err, sizeof(err));
		if (strstr(err, u[k].key) == NULL)
			fail_msg("'%s' removed: '%s' does not name it",
			    u[k].key, err);
		free(t);
	}
	assert_true(members > 80);
	free(u);
	free(s);
	config_free(c);
}

/*
 * Each value (members' and list elements') swapped for values of every
 * type and a few out of any range: never a crash or a leak (valgrind),
 * and whatever is accepted is a configuration that writes and reads.
 */
static void
test_value_swapped(void **state)
{
	static const char *const with[] = { "null", "true", "false", "0",
	    "-1", "1.5", "1e400", "-1e400", "99999999999999999999",
	    "4294967296", "\"\"", "\"x\"", "\"stdio\"", "[]", "[\"x\"]",
	    "[1]", "{}", "{\"base64\":\"AA==\"}", "{\"base64\":1}" };
	struct config	*c = load_ok(SMALL), *got;
	struct unit	*u;
	char		*s, *t, *again, err[RUNNER_ERRMSG_MAX];
	size_t		 n, k, w, refused = 0;

	(void)state;
	s = state_of(c);
	u = state_units(s, &n);
	for (k = 0; k < n; k++)
		for (w = 0; w < sizeof(with) / sizeof(with[0]); w++) {
			t = splice(s, u[k].vstart, u[k].end, with[w]);
			if ((got = config_state_read(t, strlen(t), err,
			    sizeof(err))) == NULL) {
				assert_true(err[0] != '\0');
				refused++;
			} else {
				again = round_trip(got);
				free(again);
				config_free(got);
			}
			free(t);
		}
	assert_true(refused > n * 10);
	free(u);
	free(s);
	config_free(c);
}

/* A change to SMALL's state and the message it must be refused with. */
struct bad {
	const char	*from;		/* first occurrence replaced */
	const char	*to;
	const char	*msg;		/* in the message */
};

static const struct bad bads[] = {
	{ "\"instances\":1", "\"instances\":-1",
	    "apps[0] (web): instances: -1 is out of range (1 to 10000)" },
	{ "\"instances\":1", "\"instances\":0", "instances: 0 is out" },
	{ "\"instances\":1", "\"instances\":99999999999999999999",
	    "apps[0] (web): instances: expected an integer, not "
	    "99999999999999999999" },
	{ "\"instances\":1", "\"instances\":1.5",
	    "instances: expected an integer, not 1.5" },
	{ "\"instances\":1", "\"instances\":\"1\"",
	    "instances: expected an integer, not \"1\"" },
	{ "\"log_keep\":5", "\"log_keep\":-1", "log_keep: -1 is out" },
	{ "\"max_restarts\":0", "\"max_restarts\":-7", "max_restarts: -7" },
	{ "\"output_buffer\":1048576", "\"output_buffer\":0",
	    "output_buffer: 0 is out of range (1 to 1073741824)" },
	{ "\"log_max_size\":10485760", "\"log_max_size\":-1",
	    "log_max_size: -1 is out" },
	{ "\"stop_signal\":15", "\"stop_signal\":65", "stop_signal: 65" },
	{ "\"notify_fd\":3", "\"notify_fd\":2", "notify_fd: 2 is out" },
	{ "\"uid\":54321", "\"uid\":4294967296",
	    "apps[0] (web): uid: 4294967296 is out of range (0 to "
	    "4294967295)" },
	{ "\"uid\":54321", "\"uid\":-1", "uid: -1 is out" },
	{ "\"allow_gid\":0", "\"allow_gid\":\"0\"",
	    "allow_gid: expected an integer, not \"0\"" },
	{ "\"backoff_max\":30", "\"backoff_max\":1e400",
	    "apps[0] (web): backoff_max: 1e400 is out of range" },
	{ "\"backoff_max\":30", "\"backoff_max\":-0.5",
	    "backoff_max: -0.5 is out of range" },
	{ "\"backoff_max\":30", "\"backoff_max\":null",
	    "backoff_max: expected a number" },
	{ "\"interval\":5", "\"interval\":\"5\"",
	    "apps[0] (web): health.interval: expected a number" },
	{ "\"retries\":3", "\"retries\":-3", "health.retries: -3 is out" },
	{ "\"exec\":[\"true\"]", "\"exec\":[]",
	    "health.exec: expected at least 1 string" },
	{ "\"exec\":[\"true\"]", "\"exec\":\"true\"",
	    "health.exec: expected a list" },
	{ "\"http\":null", "\"http\":\"http://a\"",
	    "apps[0] (web): health: a probe is one of exec, connect and "
	    "http, not 2 of them" },
	{ "\"health\":{", "\"health\":[],\"x\":{",
	    "apps[0] (web): health: expected an object" },
	{ "\"type\":\"stdio\"", "\"type\":\"pipe\"",
	    "apps[0] (web): type: unknown word \"pipe\"" },
	{ "\"type\":\"stdio\"", "\"type\":0", "type: expected a word" },
	{ "\"restart\":\"on-failure\"", "\"restart\":\"On-failure\"",
	    "restart: unknown word" },
	{ "\"autostart\":false", "\"autostart\":0",
	    "autostart: expected a boolean" },
	{ "\"argv\":[\"cat\"", "\"argv\":[1,\"cat\"",
	    "apps[0] (web): argv[0]: expected a string" },
	{ "\"argv\":[", "\"argv\":[],\"x\":[",
	    "argv: expected at least 1 string" },
	{ "\"argv\":[", "\"argv\":{},\"x\":[", "argv: expected a list" },
	{ "\"env\":[]", "\"env\":null", "apps[0] (web): env: expected a list" },
	{ "\"name\":\"web\"", "\"name\":\"w\\u0000b\"",
	    "apps[0] (w): name: a NUL byte in the string" },
	{ "\"name\":\"web\"", "\"name\":null", "apps[0]: name: expected a "
	    "string" },
	{ "\"name\":\"db\"", "\"name\":\"web\"", "apps: two apps named "
	    "'web'" },
	{ "\"cwd\":null", "\"cwd\":{\"base64\":\"YQBi\"}",
	    "cwd: a NUL byte in the string" },
	{ "\"cwd\":null", "\"cwd\":{\"base64\":\"!!\"}",
	    "cwd: expected {\"base64\":\"...\"}" },
	{ "\"cwd\":null", "\"cwd\":{}", "cwd: expected {\"base64\"" },
	{ "\"cwd\":null", "\"cwd\":7", "cwd: expected a string" },
	{ "\"file\":\"<text>\"", "\"file\":null", "file: expected a string" },
	{ "\"source\":\"<text>\"", "\"source\":null",
	    "source: expected a string" },
	{ "\"socket\":\"db.sock\"", "\"socket\":null",
	    "apps[1] (db): socket: a socket app needs one" },
	{ "\"socket\":null", "\"socket\":\"x\"",
	    "apps[0] (web): socket: only socket apps have one" },
	{ "\"cond\":\"healthy\"", "\"cond\":\"done\"",
	    "apps[0] (web): depends_on.list[0].cond: unknown word \"done\"" },
	{ "\"app\":\"db\"", "\"app\":\"nope\"", "no app named 'nope'" },
	{ "\"app\":\"db\"", "\"app\":\"web\"", "cannot depend on itself" },
	{ "\"list\":[{", "\"list\":[7,{", "depends_on.list[0]: expected an "
	    "object" },
	{ "\"list\":[", "\"list\":{},\"x\":[", "depends_on.list: expected "
	    "a list" },
	{ "\"depends_on\":{\"line\":", "\"depends_on\":{\"line\":-1,\"x\":",
	    "depends_on.line: -1 is out" },
	{ "\"depends_on\":{\"line\":", "\"depends_on\":{\"lime\":",
	    "depends_on.line: missing" },
	{ "\"depends_on\":{", "\"depends_on\":[],\"x\":{",
	    "depends_on: expected null or an object" },
	{ "\"apps\":[", "\"apps\":{},\"x\":[", "apps: expected a list" },
	{ "\"apps\":[{", "\"apps\":[7,{", "apps[0]: app: expected an object" },
	{ "\"apps\":[", "\"appz\":[", "apps: missing" },
};

/* Each row of bads: refused, with its message. */
static void
test_refused(void **state)
{
	struct config	*c = load_ok(SMALL);
	char		*s, *t, *at, err[RUNNER_ERRMSG_MAX];
	size_t		 k;

	(void)state;
	s = state_of(c);
	for (k = 0; k < sizeof(bads) / sizeof(bads[0]); k++) {
		if ((at = strstr(s, bads[k].from)) == NULL)
			fail_msg("'%s' not in the state:\n%s", bads[k].from, s);
		t = splice(s, (size_t)(at - s), (size_t)(at - s) +
		    strlen(bads[k].from), bads[k].to);
		read_fails(t, strlen(t), err, sizeof(err));
		if (strstr(err, bads[k].msg) == NULL)
			fail_msg("'%s' -> '%s': got '%s', wanted '%s'",
			    bads[k].from, bads[k].to, err, bads[k].msg);
		free(t);
	}
	free(s);
	config_free(c);
}

/* Not a state at all. */
static void
test_not_state(void **state)
{
	static const struct { const char *text, *msg; } rows[] = {
		{ "", "not JSON: " },
		{ "{\"source\":", "not JSON: " },
		{ "[]", "state: expected an object" },
		{ "\"x\"", "state: expected an object" },
		{ "{}", "source: missing" },
		{ "{\"source\":\"s\"}", "allow_group: missing" },
	};
	char	 err[RUNNER_ERRMSG_MAX];
	size_t	 k;

	(void)state;
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		read_fails(rows[k].text, strlen(rows[k].text), err,
		    sizeof(err));
		if (strstr(err, rows[k].msg) == NULL)
			fail_msg("'%s': got '%s'", rows[k].text, err);
	}
}

/*
 * A cycle, which no file could load: refused, since runnerd's depends.c
 * walks the graph trusting there is none.
 */
static void
test_cycle(void **state)
{
	struct config	*c = load_ok(SMALL);
	char		*s, *t, *at, err[RUNNER_ERRMSG_MAX];

	(void)state;
	s = state_of(c);
	/* db's empty depends_on gains web, which depends on db. */
	assert_non_null(at = strstr(s, "\"list\":[]"));
	t = splice(s, (size_t)(at - s), (size_t)(at - s) + 9,
	    "\"list\":[{\"app\":\"web\",\"cond\":\"started\",\"line\":2}]");
	read_fails(t, strlen(t), err, sizeof(err));
	assert_non_null(strstr(err, "dependency cycle"));
	free(t);
	free(s);
	config_free(c);
}

/*
 * A write that runs out of memory says so (the buffer's failed flag),
 * and config_state_write only appends: what was in the buffer stays.
 */
static void
test_write_appends(void **state)
{
	struct config	*c = load_ok(SMALL), *back;
	struct buf	 b;

	(void)state;
	buf_init(&b);
	buf_adds(&b, "[");
	assert_int_equal(config_state_write(c, &b), 0);
	buf_adds(&b, "]");
	assert_int_equal(buf_head(&b)[0], '[');
	back = config_state_read(buf_head(&b) + 1, buf_used(&b) - 2, NULL, 0);
	assert_non_null(back);
	config_same(c, back);
	config_free(back);
	b.failed = 1;
	assert_int_equal(config_state_write(c, &b), -1);
	buf_free(&b);
	config_free(c);
}

/*
 * The structs' sizes, on LP64 Linux: a field added to struct app (or to
 * the others) fails here until it is in config_state.c's tables and in
 * app_same above, or an upgrade would drop it without a word.
 */
static void
test_sizes(void **state)
{
	(void)state;
	if (sizeof(long) != 8)
		skip();
	assert_int_equal(sizeof(struct app), 336);
	assert_int_equal(sizeof(struct app_health), 56);
	assert_int_equal(sizeof(struct app_deps), 24);
	assert_int_equal(sizeof(struct app_dep), 16);
	assert_int_equal(sizeof(struct config), 48);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_update_include),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_unknown_ignored),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_member_removed),
		cmocka_unit_test(test_value_swapped),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_not_state),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_write_appends),
		cmocka_unit_test(test_sizes),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
