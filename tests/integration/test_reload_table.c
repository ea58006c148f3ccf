/*
 * test_reload_table.c: what a reload of the real runnerd does about one
 * option of each reload class of config_opt.c's table: the instance of an
 * app whose option applies live or at the next start keeps its process,
 * the one whose option is what the process is gets a new one.  The unit
 * test (tests/unit/test_reload_class.c) checks the class of every option;
 * this one that runnerd acts on the classes.
 */

#include "daemon.h"

#include "config.h"

/* One option of each class, set to old and then new in its own app. */
static const struct class_case {
	enum app_reload	 reload;
	const char	*option;
	const char	*app, *alias;	/* the app changed, its instance */
	const char	*old, *new;	/* the option's settings */
} cases[] = {
	{ RELOAD_AT_START, "log_keep", "atstart", "a1",
	    "log = \"a.log\"; log_keep = 5;", "log = \"a.log\"; log_keep = 2;" },
	{ RELOAD_LIVE, "stop_timeout", "live", "l1",
	    "stop_timeout = 5;", "stop_timeout = 1;" },
	{ RELOAD_RESTART, "cwd", "restart", "r1",
	    "cwd = \"/\";", "cwd = \"/tmp\";" },
};

/* The configuration: an app per case, with its old or its new setting. */
static char *
reload_conf(struct daemon *d, int new)
{
	struct buf	 b;
	size_t		 k;

	buf_init(&b);
	buf_printf(&b, "apps = {\n");
	for (k = 0; k < NITEMS(cases); k++)
		buf_printf(&b, "  %s = { command = \"cat\"; restart = \"no\"; "
		    "%s };\n", cases[k].app, new ? cases[k].new :
		    cases[k].old);
	buf_printf(&b, "};\n");
	buf_addc(&b, '\0');
	return (d_keep(d, buf_take(&b)));
}

/* The class config_opt.c's table gives option name. */
static enum app_reload
table_class(const char *name)
{
	size_t	 k;

	for (k = 0; k < app_noptions; k++)
		if (strcmp(app_options[k].name, name) == 0)
			return (app_options[k].reload);
	fail_msg("no option %s in the table", name);
	return (RELOAD_SAME);
}

/* The member key of reload reply j, as its JSON text. */
static char *
reload_list(struct daemon *d, struct json *j, const char *key)
{
	const char	*p;
	size_t		 len;

	p = json_raw(j, j_type(j, j_ok(j), key, JSON_ARRAY), &len);
	return (d_fmt(d, "%.*s", (int)len, p));
}

/*
 * One reload changing every case's option: each app is listed as
 * changed, the restart class's instance alone is restarted (a new pid),
 * the others keep theirs; and every class of the table has its case.
 */
static void
test_reload_by_class(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	pid_t		 pid[NITEMS(cases)], now;
	size_t		 k;
	int		 r;

	for (r = RELOAD_AT_START; r <= RELOAD_RESTART; r++) {
		for (k = 0; k < NITEMS(cases) &&
		    cases[k].reload != (enum app_reload)r; k++)
			;
		if (k == NITEMS(cases))
			fail_msg("no case here for reload class %d", r);
	}
	for (k = 0; k < NITEMS(cases); k++)
		assert_int_equal(table_class(cases[k].option),
		    cases[k].reload);

	d_start(d, reload_conf(d, 0));
	c = cl_open(d);
	for (k = 0; k < NITEMS(cases); k++)
		pid[k] = cl_start(c, cases[k].app, cases[k].alias);
	d_file(d, "runner.conf", reload_conf(d, 1));
	j = cl_call(c, "reload", NULL);
	assert_string_equal(reload_list(d, j, "changed"),
	    "[\"atstart\",\"live\",\"restart\"]");
	assert_string_equal(reload_list(d, j, "restarted"), "[\"r1\"]");
	for (k = 0; k < NITEMS(cases); k++) {
		if (cases[k].reload != RELOAD_RESTART) {
			assert_int_equal(cl_pid_of(c, cases[k].alias),
			    pid[k]);
			continue;
		}
		assert_true(t_wait_gone(pid[k]));
		cl_wait_state(c, cases[k].alias, "running", &j);
		now = cl_pid_of(c, cases[k].alias);
		d_saw(d, now);
		assert_true(now > 0 && now != pid[k]);
	}
}

#define TB(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TB(test_reload_by_class),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
