/*
 * test_config_merge.c: cmocka tests of an update (config_merge.c): the
 * apps it names are added or replace their namesakes in place, the
 * others are kept as they were, in order; a bad update, a top-level
 * setting in it or a result with two apps on one socket is refused with
 * one "FILE:LINE: ..." message and leaves the current configuration as
 * it was.  Also the check across apps of a whole file.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"
#include "config.h"

#include "config_check.h"

/* Five apps; "sock" is a socket app on /tmp/m.sock. */
#define FIVE \
	"apps = {\n" \
	" a = { command = \"cat\"; };\n" \
	" b = { command = \"cat\"; restart = \"no\"; };\n" \
	" sock = { command = \"x\"; type = \"socket\"; " \
	"socket = \"/tmp/m.sock\"; };\n" \
	" d = { command = \"cat\"; cwd = \"/srv\"; };\n" \
	" e = { command = \"tac\"; };\n" \
	"};\n"

/* The apps' names of c, joined by spaces, into buf. */
static const char *
names(const struct config *c, char *buf, size_t len)
{
	size_t	 k, n = 0;

	buf[0] = '\0';
	for (k = 0; k < c->napps; k++)
		n += snprintf(buf + n, len - n, "%s%s", k ? " " : "",
		    c->apps[k].name);
	return (buf);
}

/* Refused: NULL, exactly msg, and cur (FIVE) as it was. */
static void
update_refused(const char *text, const char *msg)
{
	struct config	*cur = load_ok(FIVE), *m;
	char		 err[RUNNER_ERRMSG_MAX] = "", buf[256];

	m = config_update_text(cur, text, err, sizeof(err));
	if (m != NULL)
		fail_msg("update accepted:\n%s", text);
	assert_string_equal(err, msg);
	assert_string_equal(names(cur, buf, sizeof(buf)), "a b sock d e");
	assert_string_equal(cur->apps[3].cwd, "/srv");
	config_free(cur);
}

/* One new app and one changed: the other four as they were, in order. */
static void
test_add_and_replace(void **state)
{
	struct config	*cur = load_ok(FIVE), *m;
	char		 err[RUNNER_ERRMSG_MAX] = "", buf[256];
	size_t		 k;

	(void)state;
	m = config_update_text(cur, "apps = {\n new = { command = \"wc\"; };\n"
	    " b = { command = \"sort\"; };\n};\n", err, sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);
	assert_string_equal(names(m, buf, sizeof(buf)), "a b sock d e new");
	assert_string_equal(m->apps[1].argv[0], "sort");
	/* The replaced app is the update's whole: its defaults too. */
	assert_int_equal(m->apps[1].restart, RESTART_ON_FAILURE);
	assert_string_equal(m->apps[1].file, "<text>");
	assert_int_equal(m->apps[1].line, 3);
	assert_int_equal(app_reload(&cur->apps[1], &m->apps[1]),
	    RELOAD_RESTART);
	for (k = 0; k < 5; k++)
		if (k != 1)
			assert_int_equal(app_reload(&cur->apps[k],
			    &m->apps[k]), RELOAD_SAME);
	/* Copies, not shared: freeing cur leaves m whole. */
	assert_ptr_not_equal(m->apps[3].cwd, cur->apps[3].cwd);
	assert_string_equal(m->source, cur->source);
	config_free(cur);
	assert_string_equal(m->apps[3].cwd, "/srv");
	assert_string_equal(m->apps[5].argv[0], "wc");
	config_free(m);
}

/* An update naming no apps changes nothing, and is no error. */
static void
test_empty_update(void **state)
{
	static const char *const texts[] = { "", "apps = {};", "# nothing\n" };
	struct config	*cur = load_ok(FIVE), *m;
	char		 err[RUNNER_ERRMSG_MAX] = "", buf[256];
	size_t		 k;

	(void)state;
	for (k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		if ((m = config_update_text(cur, texts[k], err,
		    sizeof(err))) == NULL)
			fail_msg("'%s': %s", texts[k], err);
		assert_string_equal(names(m, buf, sizeof(buf)),
		    "a b sock d e");
		config_free(m);
	}
	config_free(cur);
}

/* Nothing loaded yet: the update is the configuration. */
static void
test_update_nothing_loaded(void **state)
{
	struct config	*m;
	char		 err[RUNNER_ERRMSG_MAX] = "", buf[256];

	(void)state;
	if ((m = config_update_text(NULL, FIVE, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_string_equal(names(m, buf, sizeof(buf)), "a b sock d e");
	assert_string_equal(m->source, "<text>");
	config_free(m);
}

static void
test_bad_update(void **state)
{
	(void)state;
	update_refused("apps = {\n new = { command = \"wc\"; };\n"
	    " b = { comand = \"sort\"; };\n};\n", "<text>:3: apps.b: unknown "
	    "option 'comand' (did you mean 'command'?)");
	update_refused("apps = { new = { command = \"wc\"; }", "<text>:1: "
	    "syntax error");
}

/* allow_group is the whole configuration's: not in an update. */
static void
test_update_top_level(void **state)
{
	(void)state;
	update_refused("apps = { new = { command = \"wc\"; }; };\n"
	    "allow_group = \"root\";\n", "<text>:2: allow_group: an update "
	    "adds or replaces apps only; 'allow_group' changes with a "
	    "reload of the whole configuration");
	update_refused("aps = {};", "<text>:1: unknown setting 'aps' (did "
	    "you mean 'apps'?)");
}

/* A new app on another's socket; the same written under a cwd. */
static void
test_update_socket_clash(void **state)
{
	(void)state;
	update_refused("apps = {\n s2 = { command = \"y\"; type = "
	    "\"socket\"; socket = \"/tmp/m.sock\"; };\n};\n", "<text>:2: "
	    "apps.s2: socket '/tmp/m.sock' is also the socket of apps.sock "
	    "(<text>:4)");
	update_refused("apps = {\n\n s2 = { command = \"y\"; type = "
	    "\"socket\"; cwd = \"/tmp\"; socket = \"m.sock\"; };\n};\n",
	    "<text>:3: apps.s2: socket '/tmp/m.sock' is also the socket of "
	    "apps.sock (<text>:4)");
	/* A replaced app clashing with one that comes after it. */
	update_refused("apps = { a = { command = \"y\"; type = \"socket\"; "
	    "socket = \"/tmp/m.sock\"; }; };", "<text>:1: apps.a: socket "
	    "'/tmp/m.sock' is also the socket of apps.sock (<text>:4)");
}

/* An app keeps its own socket, or hands it over in the same update. */
static void
test_update_socket_own(void **state)
{
	struct config	*cur = load_ok(FIVE), *m;
	char		 err[RUNNER_ERRMSG_MAX] = "";

	(void)state;
	if ((m = config_update_text(cur, "apps = { sock = { command = \"z\"; "
	    "type = \"socket\"; socket = \"/tmp/m.sock\"; }; };", err,
	    sizeof(err))) == NULL)
		fail_msg("%s", err);
	config_free(m);
	if ((m = config_update_text(cur, "apps = {\n s2 = { command = \"y\"; "
	    "type = \"socket\"; socket = \"/tmp/m.sock\"; };\n sock = { "
	    "command = \"x\"; type = \"socket\"; socket = \"/tmp/n.sock\"; "
	    "};\n};\n", err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_string_equal(config_app(m, "sock")->socket, "/tmp/n.sock");
	config_free(m);
	config_free(cur);
}

/* The top-level settings are the current configuration's. */
static void
test_update_keeps_allow_group(void **state)
{
	struct config	*cur, *m;
	char		 err[RUNNER_ERRMSG_MAX] = "";

	(void)state;
	cur = load_ok("allow_group = \"0\";\napps = { a = { command = "
	    "\"cat\"; }; };\n");
	if ((m = config_update_text(cur, "apps = { b = { command = \"cat\"; "
	    "}; };", err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_string_equal(m->allow_group, "0");
	assert_int_equal(m->allow_gid, 0);
	assert_int_equal(m->napps, 2);
	config_free(m);
	config_free(cur);
}

/* A whole file with two apps on one socket: the later one is named. */
ERROR_TEST(test_file_socket_clash,
    "apps = {\n s1 = { command = \"x\"; type = \"socket\"; socket = "
    "\"s\"; };\n s2 = { command = \"x\"; type = \"socket\"; socket = "
    "\"s\"; };\n};\n",
    "<text>:3: apps.s2: socket 's' is also the socket of apps.s1 "
    "(<text>:2)")

/* An update from a file: its messages name the file. */
static void
test_update_file(void **state)
{
	struct config	*cur = load_ok(FIVE), *m;
	char		 path[] = "/tmp/runner-merge.XXXXXX";
	char		 err[RUNNER_ERRMSG_MAX] = "", want[PATH_MAX + 128];
	FILE		*fp;
	int		 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("apps = {\n e = { command = \"rev\"; };\n"
	    " f = { comand = \"x\"; };\n};\n", fp);
	fclose(fp);
	assert_null(config_update_file(cur, path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: apps.f: unknown option 'comand' "
	    "(did you mean 'command'?)", path);
	assert_string_equal(err, want);
	assert_non_null(fp = fopen(path, "w"));
	fputs("apps = {\n e = { command = \"rev\"; };\n};\n", fp);
	fclose(fp);
	if ((m = config_update_file(cur, path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_string_equal(config_app(m, "e")->argv[0], "rev");
	assert_string_equal(config_app(m, "e")->file, path);
	assert_int_equal(m->napps, 5);
	config_free(m);
	config_free(cur);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_replace),
		cmocka_unit_test(test_empty_update),
		cmocka_unit_test(test_update_nothing_loaded),
		cmocka_unit_test(test_bad_update),
		cmocka_unit_test(test_update_top_level),
		cmocka_unit_test(test_update_socket_clash),
		cmocka_unit_test(test_update_socket_own),
		cmocka_unit_test(test_update_keeps_allow_group),
		cmocka_unit_test(test_file_socket_clash),
		cmocka_unit_test(test_update_file),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
