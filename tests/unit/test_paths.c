/*
 * test_paths.c: cmocka tests for paths.c, where runnerd and runnerctl
 * look for the configuration and the socket by default: the variables
 * in their order, an empty one as no name, and the XDG default of
 * ~/.config when XDG_CONFIG_HOME is unset.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

static char	 dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_paths.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (-1);
	unsetenv("RUNNER_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", dir, 1);
	return (0);
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* Compare a malloc'd path with want (a leading ~ is dir), then free. */
static void
check_path(char *got, const char *want)
{
	char	 full[256];

	assert_non_null(got);
	snprintf(full, sizeof(full), "%s%s", want[0] == '~' ? dir : "",
	    want + (want[0] == '~'));
	assert_string_equal(got, full);
	free(got);
}

/* Make DIR/rel (and its directories) exist as a file. */
static void
touch(const char *rel)
{
	char	 path[256], *p;
	FILE	*f;

	snprintf(path, sizeof(path), "%s%s", dir, rel);
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
}

/* The user's file: XDG_CONFIG_HOME, else ~/.config, else none. */
static void
test_config_home(void **state)
{
	char	 xdg[128];

	(void)state;
	check_path(paths_config_home(), "~/.config/runner/runner.conf");
	snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	check_path(paths_config_home(), "~/xdg/runner/runner.conf");
	setenv("XDG_CONFIG_HOME", "", 1);	/* empty: unset */
	check_path(paths_config_home(), "~/.config/runner/runner.conf");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	assert_null(paths_config_home());
}

/* RUNNER_CONFIG, then the user's file if it exists, then /etc's. */
static void
test_config_order(void **state)
{
	char	 xdg[128];

	(void)state;
	check_path(paths_config(), PATHS_SYSTEM_CONFIG);
	touch("/.config/runner/runner.conf");
	check_path(paths_config(), "~/.config/runner/runner.conf");
	snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", xdg, 1);	/* named, but no file */
	check_path(paths_config(), PATHS_SYSTEM_CONFIG);
	touch("/xdg/runner/runner.conf");
	check_path(paths_config(), "~/xdg/runner/runner.conf");
	setenv("RUNNER_CONFIG", "/elsewhere.conf", 1);
	check_path(paths_config(), "/elsewhere.conf");
	setenv("RUNNER_CONFIG", "", 1);		/* empty: no name */
	check_path(paths_config(), "~/xdg/runner/runner.conf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_home, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_config_order, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
