/*
 * test_config_deps.c: cmocka tests of depends_on and
 * on_dependency_restart (config_deps.c): the values and their lines, the
 * errors of one app's group, and the checks of the whole graph with
 * their exact messages: an unknown app (with its likely spelling), a
 * "healthy" an app cannot be, an app on itself, cycles of 3 and of 100
 * apps; a diamond and a chain of 100 are valid.  An update is checked
 * merged: it may depend on apps it does not name, and may not close a
 * cycle through them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

#include "config_check.h"

#define CHAIN_MAX	100

/* apps a0..a{n-1}, each depending on the next; the last on a0 if cycle. */
static char *
chain(int n, int cycle)
{
	char	*s, *p;
	size_t	 len = 64 + (size_t)n * 96;
	int	 k;

	if ((s = malloc(len)) == NULL)
		fail();
	p = s + sprintf(s, "apps = {\n");
	for (k = 0; k < n; k++) {
		if (k + 1 < n || cycle)
			p += sprintf(p, " a%d = { command = \"cat\"; depends_on "
			    "= { a%d = \"started\"; }; };\n", k, (k + 1) % n);
		else
			p += sprintf(p, " a%d = { command = \"cat\"; };\n", k);
	}
	sprintf(p, "};\n");
	return (s);
}

static void
test_parse(void **state)
{
	struct config	*c = load_ok("apps = {\n"
	    " db = { command = \"cat\"; };\n"
	    " mig = { command = \"true\"; };\n"
	    " web = { command = \"cat\";\n"
	    "  depends_on = {\n"
	    "   db = \"ready\";\n"
	    "   mig = \"completed_successfully\";\n"
	    "  };\n"
	    "  on_dependency_restart = \"restart\";\n"
	    " };\n"
	    "};\n");
	const struct app *w = config_app(c, "web");

	(void)state;
	assert_int_equal(w->deps.n, 2);
	assert_int_equal(w->deps.line, 5);
	assert_string_equal(w->deps.v[0].app, "db");
	assert_int_equal(w->deps.v[0].cond, DEP_READY);
	assert_int_equal(w->deps.v[0].line, 6);
	assert_string_equal(w->deps.v[1].app, "mig");
	assert_int_equal(w->deps.v[1].cond, DEP_COMPLETED_OK);
	assert_int_equal(w->on_dep_restart, DEP_RESTART_RESTART);
	assert_int_equal(config_app(c, "db")->deps.n, 0);
	assert_int_equal(config_app(c, "db")->on_dep_restart,
	    DEP_RESTART_NONE);
	config_free(c);
}

static void
test_conditions(void **state)
{
	struct config	*c = load_ok("apps = {\n"
	    " a = { command = \"cat\"; };\n b = { command = \"cat\"; };\n"
	    " c = { command = \"cat\"; };\n"
	    " w = { command = \"cat\"; depends_on = { a = \"started\"; "
	    "b = \"completed\"; c = \"completed_successfully\"; }; };\n"
	    "};\n");
	const struct app *w = config_app(c, "w");

	(void)state;
	assert_int_equal(w->deps.v[0].cond, DEP_STARTED);
	assert_int_equal(w->deps.v[1].cond, DEP_COMPLETED);
	assert_int_equal(w->deps.v[2].cond, DEP_COMPLETED_OK);
	config_free(c);
}

static void
test_empty_group(void **state)
{
	struct config	*c = load_ok(APP("depends_on = {};"));

	(void)state;
	assert_int_equal(c->apps[0].deps.n, 0);
	config_free(c);
}

OPT_ERROR(test_not_group, "depends_on = \"db\";",
    "apps.cat.depends_on: expected a group { APP = \"CONDITION\"; }")
OPT_ERROR(test_bad_condition, "depends_on = { cat2 = \"up\"; };",
    "apps.cat.depends_on.cat2: expected \"started\", \"ready\", "
    "\"healthy\", \"completed\" or \"completed_successfully\", not \"up\"")
OPT_ERROR(test_condition_not_string, "depends_on = { cat2 = 1; };",
    "apps.cat.depends_on.cat2: expected a string")
OPT_ERROR(test_restart_bad, "on_dependency_restart = \"always\";",
    "apps.cat.on_dependency_restart: expected \"none\" or \"restart\", "
    "not \"always\"")
OPT_ERROR(test_self, "depends_on = { cat = \"started\"; };",
    "apps.cat.depends_on.cat: an app cannot depend on itself")
OPT_ERROR(test_unknown_suggest, "depends_on = { cta = \"started\"; };",
    "apps.cat.depends_on.cta: no app named 'cta' (did you mean 'cat'?)")
OPT_ERROR(test_unknown, "depends_on = { postgres = \"started\"; };",
    "apps.cat.depends_on.postgres: no app named 'postgres'")
ERROR_TEST(test_healthy_no_probe, "apps = {\n db = { command = \"cat\"; };\n"
    " web = { command = \"cat\";\n  depends_on = {\n   db = \"healthy\";\n"
    "  };\n };\n};\n",
    "<text>:5: apps.web.depends_on.db: 'db' has no health probe, so it is "
    "never \"healthy\" (give it health = { ... }, or wait for \"ready\")")
/* Named from the first app in the file on it, at its line. */
ERROR_TEST(test_cycle3, "apps = {\n"
    " x = { command = \"cat\"; };\n"
    " a = { command = \"cat\"; depends_on = { b = \"started\"; }; };\n"
    " b = { command = \"cat\"; depends_on = { c = \"ready\"; }; };\n"
    " c = { command = \"cat\"; depends_on = { x = \"started\";\n"
    "  a = \"completed\"; }; };\n"
    "};\n",
    "<text>:3: apps.a.depends_on.b: dependency cycle: a -> b -> c -> a")
/* Entered from its middle: still named from where it closes. */
ERROR_TEST(test_cycle_entered_late, "apps = {\n"
    " w = { command = \"cat\"; depends_on = { b = \"started\"; }; };\n"
    " a = { command = \"cat\"; depends_on = { b = \"started\"; }; };\n"
    " b = { command = \"cat\"; depends_on = { a = \"ready\"; }; };\n"
    "};\n",
    "<text>:4: apps.b.depends_on.a: dependency cycle: b -> a -> b")

static void
test_diamond(void **state)
{
	struct config	*c = load_ok("apps = {\n"
	    " top = { command = \"cat\"; depends_on = { l = \"started\"; "
	    "r = \"ready\"; }; };\n"
	    " l = { command = \"cat\"; depends_on = { base = \"started\"; }; };\n"
	    " r = { command = \"cat\"; depends_on = { base = \"ready\"; }; };\n"
	    " base = { command = \"cat\"; };\n"
	    "};\n");

	(void)state;
	assert_int_equal(c->napps, 4);
	config_free(c);
}

static void
test_chain_100(void **state)
{
	char		*text = chain(CHAIN_MAX, 0);
	struct config	*c = load_ok(text);

	(void)state;
	assert_int_equal(c->napps, CHAIN_MAX);
	assert_string_equal(c->apps[98].deps.v[0].app, "a99");
	config_free(c);
	free(text);
}

/* Too long to name whole: its head, how many left out, its end. */
static void
test_cycle_100(void **state)
{
	char		*text = chain(CHAIN_MAX, 1), err[RUNNER_ERRMSG_MAX];
	struct config	*c;

	(void)state;
	c = config_load_text(text, err, sizeof(err));
	assert_null(c);
	assert_true(strncmp(err, "<text>:2: apps.a0.depends_on.a1: dependency "
	    "cycle: a0 -> a1 -> a2 -> ", 63) == 0);
	assert_non_null(strstr(err, " more) -> a99 -> a0 (100 apps)"));
	assert_true(strlen(err) < 500);
	print_message("%s\n", err);
	free(text);
}

/* A short cycle of long names is named whole. */
static void
test_cycle_2(void **state)
{
	check_error("apps = {\n a = { command = \"cat\"; depends_on = { b = "
	    "\"started\"; }; };\n b = { command = \"cat\"; depends_on = { a = "
	    "\"started\"; }; };\n};\n", "<text>:2: apps.a.depends_on.b: "
	    "dependency cycle: a -> b -> a");
	(void)state;
}

#define BASE "apps = {\n db = { command = \"cat\"; };\n" \
	" web = { command = \"cat\"; depends_on = { db = \"ready\"; }; };\n};\n"

static void
test_update_depends_on_existing(void **state)
{
	struct config	*cur = load_ok(BASE), *m;
	char		 err[RUNNER_ERRMSG_MAX] = "";

	(void)state;
	m = config_update_text(cur, "apps = { api = { command = \"cat\"; "
	    "depends_on = { web = \"started\"; db = \"ready\"; }; }; };",
	    err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(config_app(m, "api")->deps.n, 2);
	/* Copied with the rest, deep: cur freed first. */
	config_free(cur);
	assert_string_equal(config_app(m, "web")->deps.v[0].app, "db");
	config_free(m);
}

static void
test_update_cycle(void **state)
{
	struct config	*cur = load_ok(BASE), *m;
	char		 err[RUNNER_ERRMSG_MAX] = "";

	(void)state;
	m = config_update_text(cur, "apps = {\n db = { command = \"cat\"; "
	    "depends_on = { web = \"started\"; }; };\n};", err, sizeof(err));
	assert_null(m);
	/* The update's app closes it: named at its own line. */
	assert_string_equal(err, "<text>:2: apps.db.depends_on.web: "
	    "dependency cycle: db -> web -> db");
	m = config_update_text(cur, "apps = {\n api = { command = \"cat\"; "
	    "depends_on = { wev = \"started\"; }; };\n};", err, sizeof(err));
	assert_null(m);
	assert_string_equal(err, "<text>:2: apps.api.depends_on.wev: no app "
	    "named 'wev' (did you mean 'web'?)");
	config_free(cur);
}

/* What a reload does: the next start waits anew; the option is live. */
static void
test_reload_class(void **state)
{
	struct config	*a = load_ok(BASE), *b, *c;

	(void)state;
	b = load_ok("apps = {\n db = { command = \"cat\"; };\n web = { command "
	    "= \"cat\"; depends_on = { db = \"started\"; }; };\n};\n");
	c = load_ok("apps = {\n db = { command = \"cat\"; };\n web = { command "
	    "= \"cat\";\n  depends_on = { db = \"ready\"; }; "
	    "on_dependency_restart = \"restart\"; };\n};\n");
	assert_int_equal(app_reload(config_app(a, "web"),
	    config_app(a, "web")), RELOAD_SAME);
	assert_int_equal(app_reload(config_app(a, "web"),
	    config_app(b, "web")), RELOAD_AT_START);
	assert_int_equal(app_reload(config_app(a, "web"),
	    config_app(c, "web")), RELOAD_LIVE);
	assert_int_equal(app_reload(config_app(a, "db"),
	    config_app(b, "db")), RELOAD_SAME);
	config_free(a);
	config_free(b);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_empty_group),
		cmocka_unit_test(test_not_group),
		cmocka_unit_test(test_bad_condition),
		cmocka_unit_test(test_condition_not_string),
		cmocka_unit_test(test_restart_bad),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_unknown_suggest),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_healthy_no_probe),
		cmocka_unit_test(test_cycle3),
		cmocka_unit_test(test_cycle_entered_late),
		cmocka_unit_test(test_cycle_2),
		cmocka_unit_test(test_diamond),
		cmocka_unit_test(test_chain_100),
		cmocka_unit_test(test_cycle_100),
		cmocka_unit_test(test_update_depends_on_existing),
		cmocka_unit_test(test_update_cycle),
		cmocka_unit_test(test_reload_class),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
