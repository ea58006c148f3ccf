/*
 * test_ctl_update.c: `runnerctl update FILE|-` against the real runnerd
 * serving the default configuration (ten apps): the apps the file or
 * stdin names are added or replaced, the others and their instances
 * stay (same pid); the report in words and with --json; a refused
 * update (syntax, a top-level setting, a missing file) exits 1 with the
 * code and "FILE:LINE: ..." and changes nothing; usage and an oversized
 * stdin are runnerctl's own refusals.
 */

#include "daemon.h"

/* How many apps runnerd has. */
static int
napps(struct client *c)
{
	struct json	*j = cl_call(c, "apps", NULL);

	return (json_len(j, j_type(j, j_ok(j), "apps", JSON_ARRAY)));
}

/* A file naming one new app and one changed: the rest as they were. */
static void
test_ctl_update_file(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	char		*upd;
	pid_t		 cat, silent;

	cl_start(c, "cat", "c1");
	cl_start(c, "silent", "s1");
	cat = cl_pid_of(c, "c1");
	silent = cl_pid_of(c, "s1");
	assert_int_equal(napps(c), 10);
	upd = d_file(d, "upd.conf", "apps = {\n  rev = { command = \"rev\"; "
	    "};\n  silent = { command = \"sleep 301\"; restart = \"no\"; };\n"
	    "};\n");
	r = CTL(d, "update", upd);
	r_status(r, 0);
	assert_non_null(strstr(r->out, ": 11 apps now\n  added: rev\n"
	    "  changed: silent\n  restarted: s1\n"));
	assert_non_null(strstr(r->out, "updated "));
	assert_int_equal(napps(c), 11);
	assert_int_equal(cl_pid_of(c, "c1"), cat);
	assert_true(t_alive(cat));
	/* silent's command changed: restarted as a reload does. */
	assert_true(t_wait_gone(silent));
	cl_start(c, "rev", "r1");
}

/* stdin, with --json: the reload report's shape, nothing removed. */
static void
test_ctl_update_stdin(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	static const char text[] = "apps = { extra = { command = \"cat\"; "
	    "autostart = true; }; };\n";
	struct json	*j;
	struct run	*r;
	pid_t		 cat;

	cl_start(c, "cat", "c1");
	cat = cl_pid_of(c, "c1");
	r = ctl_in(d, text, sizeof(text) - 1, "--json", "update", "-",
	    (char *)NULL);
	r_status(r, 0);
	assert_non_null(j = json_parse(r->out, r->outlen, NULL, 0));
	json_free(j);
	assert_non_null(strstr(r->out, "\"apps\":11,\"added\":[\"extra\"],"
	    "\"removed\":[],\"changed\":[],\"restarted\":[],"
	    "\"started\":[\"extra\"],\"stopped\":[],\"failed\":[],"
	    "\"rolling\":[]}"));
	assert_int_equal(cl_pid_of(c, "c1"), cat);
	assert_true(cl_pid_of(c, "extra") > 0);
	assert_int_equal(napps(c), 11);
}

/* Refused updates: exit 1, the code and where; nothing changes. */
static void
test_ctl_update_refused(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	static const char glob[] = "allow_group = \"root\";\n";
	struct run	*r;
	char		*bad, *missing;
	pid_t		 cat;

	cl_start(c, "cat", "c1");
	cat = cl_pid_of(c, "c1");
	bad = d_file(d, "bad.conf", "apps = {\n  cat = ;\n};\n");
	r = CTL(d, "update", bad);
	r_status(r, 1);
	assert_string_equal(r->err, d_fmt(d, "runnerctl: ECONFIG: %s:2: "
	    "syntax error\n", bad));
	r = ctl_in(d, glob, sizeof(glob) - 1, "update", "-", (char *)NULL);
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: ECONFIG: <text>:1: "
	    "allow_group: an update adds or replaces apps only; 'allow_group' "
	    "changes with a reload of the whole configuration\n");
	missing = d_fmt(d, "%s/none.conf", d->dir);
	r = CTL(d, "update", missing);
	r_status(r, 1);
	assert_string_equal(r->err, d_fmt(d, "runnerctl: ECONFIG: cannot "
	    "read '%s': No such file or directory\n", missing));
	assert_int_equal(napps(c), 10);
	assert_int_equal(cl_pid_of(c, "c1"), cat);
}

/* runnerctl's own refusals: no operand; a stdin over 512 KiB. */
static void
test_ctl_update_usage(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	char		*big;
	size_t		 len = 600 * 1024;

	r_status(CTL(d, "update"), 2);
	assert_non_null(big = malloc(len));
	memset(big, '#', len);
	r = ctl_in(d, big, len, "update", "-", (char *)NULL);
	free(big);
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: stdin: more than 512 KiB of "
	    "configuration; give a file\n");
	assert_int_equal(napps(c), 10);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ctl_update_file),
		T(test_ctl_update_stdin),
		T(test_ctl_update_refused),
		T(test_ctl_update_usage),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
