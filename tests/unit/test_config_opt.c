/*
 * test_config_opt.c: cmocka tests for the options of supervision, output
 * and readiness (config_opt.c) and env_file (config_env.c): defaults,
 * good values, the checks across options and every message.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

#include "config_check.h"

/* Every default of these options, as runner.conf(5) documents them. */
APP_TEST(test_defaults, "",
    a->backoff_initial == 0.1 && a->backoff_max == 30.0 &&
    a->backoff_reset == 10.0 && a->max_restarts == 0 &&
    a->restart_window == 60.0 && a->instances == 1 &&
    a->ready == READY_NONE && a->notify_fd == 3 &&
    a->overflow == OVERFLOW_BLOCK && a->log_max_size == 10 * 1024 * 1024 &&
    a->log_keep == 5 && !a->timestamps && a->err == STDERR_LOG &&
    a->on_exit == ON_EXIT_NONE && a->user == NULL && a->group == NULL &&
    a->env_file == NULL && a->env_inherit == 1 &&
    a->reload_strategy == RELOAD_ALL && a->reload_max_unavailable == 1)
APP_TEST(test_reload_rolling, "reload_strategy = \"rolling\"; "
    "reload_max_unavailable = 3;", a->reload_strategy == RELOAD_ROLLING &&
    a->reload_max_unavailable == 3)
APP_TEST(test_socket_ready_default,
    "type = \"socket\"; socket = \"s\";", a->ready == READY_SOCKET)
APP_TEST(test_backoff, "backoff_initial = 0.5; backoff_max = 2; "
    "backoff_reset = 0;", a->backoff_initial == 0.5 &&
    a->backoff_max == 2.0 && a->backoff_reset == 0.0)
APP_TEST(test_max_restarts, "max_restarts = 5; restart_window = 10;",
    a->max_restarts == 5 && a->restart_window == 10.0)
APP_TEST(test_instances, "instances = 1000;", a->instances == 1000)
APP_TEST(test_notify, "ready = \"notify\"; notify_fd = 5;",
    a->ready == READY_NOTIFY && a->notify_fd == 5)
APP_TEST(test_output_options, "overflow = \"drop-oldest\"; "
    "log_max_size = 0; log_keep = 0; timestamps = true; "
    "stderr = \"merge\"; on_exit = \"shutdown\";",
    a->overflow == OVERFLOW_DROP_OLDEST && a->log_max_size == 0 &&
    a->log_keep == 0 && a->timestamps && a->err == STDERR_MERGE &&
    a->on_exit == ON_EXIT_SHUTDOWN)
APP_TEST(test_log_max_size_suffix, "log_max_size = \"64K\";",
    a->log_max_size == 65536)
APP_TEST(test_stderr_null, "stderr = \"null\";", a->err == STDERR_NULL)
APP_TEST(test_user_numeric, "user = \"12345\"; group = \"23456\";",
    a->uid == 12345 && a->gid == 23456)
APP_TEST(test_user_root, "user = \"root\";", a->uid == 0 && a->gid == 0)
/* A user = app gets a clean environment unless it asks for runnerd's. */
APP_TEST(test_env_inherit_user_default, "user = \"root\";",
    a->env_inherit == 0)
APP_TEST(test_env_inherit_user_true, "user = \"12345\"; env_inherit = true;",
    a->env_inherit == 1)
APP_TEST(test_env_inherit_false, "env_inherit = false;", a->env_inherit == 0)
APP_TEST(test_env_inherit_group_only, "group = \"23456\";",
    a->env_inherit == 1)

OPT_ERROR(test_ready_bad, "ready = \"yes\";",
    "apps.cat.ready: expected \"none\", \"socket\", \"notify\" or "
    "\"healthy\", not \"yes\"")
OPT_ERROR(test_ready_socket_on_stdio, "ready = \"socket\";",
    "apps.cat.ready: a stdio app has no socket: \"none\", \"notify\" or "
    "\"healthy\"")
ERROR_TEST(test_ready_none_on_socket, "apps = {\n cat = {\n  command = "
    "\"cat\"; type = \"socket\"; socket = \"s\";\n  ready = \"none\";\n "
    "};\n};\n", "<text>:4: apps.cat.ready: a socket app is ready when its "
    "socket accepts: \"socket\", \"notify\" or \"healthy\"")
OPT_ERROR(test_notify_fd_low, "notify_fd = 2;",
    "apps.cat.notify_fd: must be between 3 and 1023")
OPT_ERROR(test_notify_fd_type, "notify_fd = \"3\";",
    "apps.cat.notify_fd: expected an integer")
OPT_ERROR(test_instances_zero, "instances = 0;",
    "apps.cat.instances: must be between 1 and 10000")
ERROR_TEST(test_instances_socket, "apps = {\n cat = {\n  command = "
    "\"cat\"; type = \"socket\"; socket = \"s\";\n  instances = 2;\n "
    "};\n};\n", "<text>:4: apps.cat.instances: a socket app runs once: "
    "its instances would share one socket path")
OPT_ERROR(test_max_restarts_negative, "max_restarts = -1;",
    "apps.cat.max_restarts: must be between 0 and 1000000")
OPT_ERROR(test_restart_window_zero, "restart_window = 0;",
    "apps.cat.restart_window: must be more than 0 and at most 86400 "
    "seconds")
OPT_ERROR(test_backoff_max_below, "backoff_initial = 2; backoff_max = 1;",
    "apps.cat.backoff_max: backoff_max (1 s) is less than "
    "backoff_initial (2 s)")
OPT_ERROR(test_backoff_negative, "backoff_initial = -1;",
    "apps.cat.backoff_initial: must be between 0 and 86400 seconds")
OPT_ERROR(test_overflow_bad, "overflow = \"drop\";",
    "apps.cat.overflow: expected \"block\" or \"drop-oldest\", not "
    "\"drop\"")
OPT_ERROR(test_stderr_bad, "stderr = \"file\";",
    "apps.cat.stderr: expected \"log\", \"merge\" or \"null\", not "
    "\"file\"")
OPT_ERROR(test_reload_strategy_bad, "reload_strategy = \"some\";",
    "apps.cat.reload_strategy: expected \"all\" or \"rolling\", not "
    "\"some\"")
OPT_ERROR(test_reload_max_unavailable_zero, "reload_max_unavailable = 0;",
    "apps.cat.reload_max_unavailable: must be between 1 and 10000")
OPT_ERROR(test_on_exit_bad, "on_exit = \"restart\";",
    "apps.cat.on_exit: expected \"none\" or \"shutdown\", not "
    "\"restart\"")
OPT_ERROR(test_log_keep_big, "log_keep = 5000;",
    "apps.cat.log_keep: must be between 0 and 1000")
OPT_ERROR(test_log_max_size_bad, "log_max_size = \"big\";",
    "apps.cat.log_max_size: expected a size like 65536, \"64K\", \"16M\" "
    "or \"1G\", not \"big\"")
OPT_ERROR(test_timestamps_type, "timestamps = 1;",
    "apps.cat.timestamps: expected a boolean")
OPT_ERROR(test_env_inherit_type, "env_inherit = \"yes\";",
    "apps.cat.env_inherit: expected a boolean")
OPT_ERROR(test_env_inherit_int, "env_inherit = 0;",
    "apps.cat.env_inherit: expected a boolean")
OPT_ERROR(test_user_unknown, "user = \"no-such-user-here\";",
    "apps.cat.user: no user 'no-such-user-here'")
OPT_ERROR(test_group_unknown, "group = \"no-such-group-here\";",
    "apps.cat.group: no group 'no-such-group-here'")
OPT_ERROR(test_env_file_missing, "env_file = \"/no/such/file\";",
    "apps.cat.env_file: cannot read '/no/such/file': No such file or "
    "directory")
/* Devices and FIFOs would never end, or block a reload for ever. */
OPT_ERROR(test_env_file_device, "env_file = \"/dev/zero\";",
    "apps.cat.env_file: cannot read '/dev/zero': not a regular file")
OPT_ERROR(test_env_file_dir, "env_file = \"/\";",
    "apps.cat.env_file: cannot read '/': Is a directory")
OPT_ERROR(test_option_typo, "max_restart = 3;",
    "apps.cat: unknown option 'max_restart' (did you mean "
    "'max_restarts'?)")

/* env_file: comments, export, quotes; env wins; file order kept. */
static void
test_env_file(void **state)
{
	char		 path[] = "/tmp/runner-envfile.XXXXXX", text[512];
	struct config	*c;
	char *const	*e;
	FILE		*fp;
	int		 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("# comment\n\n  A=1\nexport B=\"two words\"\nC='x'\nD=\n"
	    "E=a=b\n", fp);
	fclose(fp);
	snprintf(text, sizeof(text), APP("env_file = \"%s\"; env = { "
	    "C = \"env\"; };"), path);
	c = load_ok(text);
	e = c->apps[0].env;
	assert_string_equal(e[0], "A=1");
	assert_string_equal(e[1], "B=two words");
	assert_string_equal(e[2], "D=");
	assert_string_equal(e[3], "E=a=b");
	assert_string_equal(e[4], "C=env");
	assert_null(e[5]);
	config_free(c);
	unlink(path);
}

/* A bad line names the env file's line, after the config's. */
static void
test_env_file_bad_line(void **state)
{
	char		 path[] = "/tmp/runner-envfile.XXXXXX", text[512];
	char		 want[512];
	FILE		*fp;
	int		 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("A=1\n1BAD=x\n", fp);
	fclose(fp);
	snprintf(text, sizeof(text), APP("env_file = \"%s\";"), path);
	snprintf(want, sizeof(want), "<text>:4: apps.cat.env_file: %s:2: "
	    "expected NAME=value", path);
	check_error(text, want);
	unlink(path);
}

/* An env_file that is a FIFO is refused at once (nobody writes it). */
static void
test_env_file_fifo(void **state)
{
	char	 dir[] = "/tmp/runner-envfifo.XXXXXX", path[128], text[512];
	char	 want[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/env", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(text, sizeof(text), APP("env_file = \"%s\";"), path);
	snprintf(want, sizeof(want), "<text>:4: apps.cat.env_file: cannot "
	    "read '%s': not a regular file", path);
	check_error(text, want);
	unlink(path);
	rmdir(dir);
}

/* So is a configuration file that is one. */
static void
test_config_fifo(void **state)
{
	char		 dir[] = "/tmp/runner-conffifo.XXXXXX", path[128];
	char		 err[RUNNER_ERRMSG_MAX], want[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/runner.conf", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(config_load_file(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "cannot read '%s': not a regular file",
	    path);
	assert_string_equal(err, want);
	unlink(path);
	rmdir(dir);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_socket_ready_default),
		T(test_backoff),
		T(test_max_restarts),
		T(test_instances),
		T(test_notify),
		T(test_output_options),
		T(test_log_max_size_suffix),
		T(test_stderr_null),
		T(test_user_numeric),
		T(test_user_root),
		T(test_env_inherit_user_default),
		T(test_env_inherit_user_true),
		T(test_env_inherit_false),
		T(test_env_inherit_group_only),
		T(test_env_inherit_type),
		T(test_env_file_device),
		T(test_env_file_dir),
		T(test_env_file_fifo),
		T(test_config_fifo),
		T(test_env_inherit_int),
		T(test_ready_bad),
		T(test_ready_socket_on_stdio),
		T(test_ready_none_on_socket),
		T(test_notify_fd_low),
		T(test_notify_fd_type),
		T(test_instances_zero),
		T(test_instances_socket),
		T(test_max_restarts_negative),
		T(test_restart_window_zero),
		T(test_backoff_max_below),
		T(test_backoff_negative),
		T(test_overflow_bad),
		T(test_stderr_bad),
		T(test_on_exit_bad),
		T(test_log_keep_big),
		T(test_log_max_size_bad),
		T(test_timestamps_type),
		T(test_reload_strategy_bad),
		T(test_reload_max_unavailable_zero),
		T(test_reload_rolling),
		T(test_user_unknown),
		T(test_group_unknown),
		T(test_env_file_missing),
		T(test_option_typo),
		T(test_env_file),
		T(test_env_file_bad_line),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
