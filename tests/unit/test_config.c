/*
 * test_config.c: cmocka tests for config.c.  Text configurations check
 * every default, every option's good values and every error message
 * exactly (users read them, and runnerd -n prints them as they are);
 * files in a mkdtemp directory check what only files have: the path
 * prefix, relative cwd and log, a missing file and @include.
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

static void	 write_file(const char *, const char *, const char *);
static int	 rm_entry(const char *, const struct stat *, int,
		    struct FTW *);
static int	 dir_setup(void **);
static int	 dir_teardown(void **);

/* Text configurations that are valid. */
static void
test_empty_text(void **state)
{
	struct config	*c = load_ok("# nothing here\n");

	(void)state;
	assert_int_equal(c->napps, 0);
	assert_string_equal(c->source, CONFIG_TEXT_SOURCE);
	config_free(c);
}

static void
test_empty_apps(void **state)
{
	struct config	*c = load_ok("apps = {};");

	(void)state;
	assert_int_equal(c->napps, 0);
	assert_null(config_app(c, "cat"));
	config_free(c);
}

static void
test_apps_in_order_and_lookup(void **state)
{
	struct config	*c = load_ok("apps = {\n b = { command = \"x\"; };\n"
	    " a = { command = \"y\"; };\n};");

	(void)state;
	assert_int_equal(c->napps, 2);
	assert_string_equal(c->apps[0].name, "b");
	assert_string_equal(c->apps[1].name, "a");
	assert_ptr_equal(config_app(c, "a"), &c->apps[1]);
	assert_ptr_equal(config_app(c, "b"), &c->apps[0]);
	assert_null(config_app(c, "c"));
	assert_null(config_app(NULL, "a"));
	assert_string_equal(c->apps[1].file, "<text>");
	assert_int_equal(c->apps[0].line, 2);
	assert_int_equal(c->apps[1].line, 3);
	config_free(c);
}

static void
test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

/* Defaults: an app with only a command. */
APP_TEST(test_default_type, "", a->type == APP_STDIO)
APP_TEST(test_default_socket_cwd_log, "",
    a->socket == NULL && a->cwd == NULL && a->log == NULL)
APP_TEST(test_default_env, "", a->env != NULL && a->env[0] == NULL)
APP_TEST(test_default_restart, "", a->restart == RESTART_ON_FAILURE)
APP_TEST(test_default_autostart, "", a->autostart == 0)
APP_TEST(test_default_stop_signal, "", a->stop_signal == SIGTERM)
APP_TEST(test_default_stop_timeout, "", a->stop_timeout == 5.0)
APP_TEST(test_default_ready_timeout, "", a->ready_timeout == 5.0)
APP_TEST(test_default_output_buffer, "", a->output_buffer == 1048576)
APP_TEST(test_default_name_file_line, "", strcmp(a->name, "cat") == 0 &&
    strcmp(a->file, "<text>") == 0 && a->line == 2)

/* Good values. */
static void
test_command_string_split(void **state)
{
	struct config	*c = load_ok(APP0("command = \"cat -u 'a b'\";"));

	(void)state;
	assert_int_equal(argv_len(c->apps[0].argv), 3);
	assert_string_equal(c->apps[0].argv[0], "cat");
	assert_string_equal(c->apps[0].argv[1], "-u");
	assert_string_equal(c->apps[0].argv[2], "a b");
	config_free(c);
}

static void
test_command_list(void **state)
{
	struct config	*c = load_ok(APP0("command = (\"a b\", \"|\", \"\");"));

	(void)state;
	assert_int_equal(argv_len(c->apps[0].argv), 3);
	assert_string_equal(c->apps[0].argv[0], "a b");
	assert_string_equal(c->apps[0].argv[1], "|");
	assert_string_equal(c->apps[0].argv[2], "");
	config_free(c);
}

static void
test_command_array(void **state)
{
	struct config	*c = load_ok(APP0("command = [\"x\", \"-y\"];"));

	(void)state;
	assert_int_equal(argv_len(c->apps[0].argv), 2);
	assert_string_equal(c->apps[0].argv[0], "x");
	assert_string_equal(c->apps[0].argv[1], "-y");
	config_free(c);
}

APP_TEST(test_type_stdio, "type = \"stdio\";", a->type == APP_STDIO)
APP_TEST(test_type_socket, "type = \"socket\"; socket = \"s.sock\";",
    a->type == APP_SOCKET && strcmp(a->socket, "s.sock") == 0)
APP_TEST(test_cwd_text_kept, "cwd = \"rel/dir\";",
    strcmp(a->cwd, "rel/dir") == 0)
APP_TEST(test_cwd_absolute, "cwd = \"/tmp\";", strcmp(a->cwd, "/tmp") == 0)
APP_TEST(test_log_text_kept, "log = \"out.log\";",
    strcmp(a->log, "out.log") == 0)
APP_TEST(test_env_pairs, "env = { A = \"1\"; B_2 = \"x y=z\"; C = \"\"; };",
    argv_len(a->env) == 3 && strcmp(a->env[0], "A=1") == 0 &&
    strcmp(a->env[1], "B_2=x y=z") == 0 && strcmp(a->env[2], "C=") == 0)
APP_TEST(test_env_empty_group, "env = {};", a->env[0] == NULL)
APP_TEST(test_restart_no, "restart = \"no\";", a->restart == RESTART_NO)
APP_TEST(test_restart_on_failure, "restart = \"on-failure\";",
    a->restart == RESTART_ON_FAILURE)
APP_TEST(test_restart_always, "restart = \"always\";",
    a->restart == RESTART_ALWAYS)
APP_TEST(test_autostart_true, "autostart = true;", a->autostart == 1)
APP_TEST(test_autostart_false, "autostart = false;", a->autostart == 0)
APP_TEST(test_stop_signal_short, "stop_signal = \"INT\";",
    a->stop_signal == SIGINT)
APP_TEST(test_stop_signal_sig_prefix, "stop_signal = \"SIGKILL\";",
    a->stop_signal == SIGKILL)
APP_TEST(test_stop_signal_any_case, "stop_signal = \"sigHup\";",
    a->stop_signal == SIGHUP)
APP_TEST(test_stop_signal_number_string, "stop_signal = \"10\";",
    a->stop_signal == 10)
APP_TEST(test_stop_signal_int, "stop_signal = 9;", a->stop_signal == 9)
APP_TEST(test_stop_signal_int_max, "stop_signal = 64;", a->stop_signal == 64)
APP_TEST(test_stop_signal_int64, "stop_signal = 2L;", a->stop_signal == 2)
APP_TEST(test_stop_timeout_zero, "stop_timeout = 0;", a->stop_timeout == 0)
APP_TEST(test_stop_timeout_float, "stop_timeout = 2.5;",
    a->stop_timeout == 2.5)
APP_TEST(test_stop_timeout_max, "stop_timeout = 86400;",
    a->stop_timeout == 86400)
APP_TEST(test_stop_timeout_int64, "stop_timeout = 3L;", a->stop_timeout == 3)
APP_TEST(test_ready_timeout_small, "ready_timeout = 0.1;",
    a->ready_timeout == 0.1)
APP_TEST(test_ready_timeout_max, "ready_timeout = 86400.0;",
    a->ready_timeout == 86400)
APP_TEST(test_ready_timeout_int, "ready_timeout = 30;",
    a->ready_timeout == 30)
APP_TEST(test_output_buffer_min, "output_buffer = 1;", a->output_buffer == 1)
APP_TEST(test_output_buffer_max, "output_buffer = " ONE_GIB ";",
    a->output_buffer == 1073741824)
APP_TEST(test_output_buffer_int64, "output_buffer = 4096L;",
    a->output_buffer == 4096)
APP_TEST(test_output_buffer_digits, "output_buffer = \"100\";",
    a->output_buffer == 100)
APP_TEST(test_output_buffer_k, "output_buffer = \"64K\";",
    a->output_buffer == 65536)
APP_TEST(test_output_buffer_m, "output_buffer = \"2m\";",
    a->output_buffer == 2 * 1048576)
APP_TEST(test_output_buffer_g, "output_buffer = \"1G\";",
    a->output_buffer == 1073741824)

/* Errors outside the apps. */
ERROR_TEST(test_syntax_error, "apps = {\n cat = ;\n};",
    "<text>:2: syntax error")
ERROR_TEST(test_duplicate_app, "apps = {\n a = { command = \"x\"; };\n"
    " a = { command = \"y\"; };\n};", "<text>:3: duplicate setting name")
ERROR_TEST(test_unknown_setting_suggest, "\napp = {};",
    "<text>:2: unknown setting 'app' (did you mean 'apps'?)")
ERROR_TEST(test_unknown_setting, "apps = {};\nfoo = 1;",
    "<text>:2: unknown setting 'foo'")
ERROR_TEST(test_allow_group_unknown, "apps = {};\nallow_group = \"no-such-group-x\";",
    "<text>:2: allow_group: no group 'no-such-group-x'")
ERROR_TEST(test_allow_group_type, "allow_group = 7;",
    "<text>:1: allow_group: expected a group name")
ERROR_TEST(test_allow_group_empty, "allow_group = \"\";",
    "<text>:1: allow_group: must not be empty")
ERROR_TEST(test_allow_group_typo, "allow_grup = \"x\";",
    "<text>:1: unknown setting 'allow_grup' (did you mean 'allow_group'?)")

/* allow_group by name or number; none by default. */
static void
test_allow_group(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok("apps = {};");
	assert_null(c->allow_group);
	config_free(c);
	c = load_ok("allow_group = \"root\";\napps = {};");
	assert_string_equal(c->allow_group, "root");
	assert_int_equal(c->allow_gid, 0);
	config_free(c);
	c = load_ok("allow_group = \"4321\";");
	assert_int_equal(c->allow_gid, 4321);
	config_free(c);
}

ERROR_TEST(test_apps_not_group, "\napps = 1;",
    "<text>:2: apps: expected a group { name = { ... }; }")
ERROR_TEST(test_apps_list, "apps = ( );",
    "<text>:1: apps: expected a group { name = { ... }; }")
ERROR_TEST(test_app_not_group, "apps = {\n cat = \"cat\";\n};",
    "<text>:2: apps.cat: expected a group { command = ...; }")
ERROR_TEST(test_first_error_wins, "apps = {\n a = { type = 1; };\n"
    " b = { };\n};\nfoo = 1;", "<text>:2: apps.a.type: expected a string")
ERROR_TEST(test_error_in_later_app, "apps = {\n a = { command = \"x\"; };\n"
    " b = { };\n};", "<text>:3: apps.b: missing 'command'")

/* Errors in an app's options. */
ERROR_TEST(test_missing_command, APP0("type = \"stdio\";"),
    "<text>:2: apps.cat: missing 'command'")
ERROR_TEST(test_missing_command_empty_app, "apps = { cat = {}; };",
    "<text>:1: apps.cat: missing 'command'")
ERROR_TEST(test_command_operator, APP0("command = \"cat | x\";"),
    "<text>:3: apps.cat.command: unquoted '|' at column 5: " SHELL_HINT)
ERROR_TEST(test_command_single_quote, APP0("command = \"cat 'x\";"),
    "<text>:3: apps.cat.command: unterminated single quote")
ERROR_TEST(test_command_double_quote, APP0("command = \"cat \\\"x\";"),
    "<text>:3: apps.cat.command: unterminated double quote")
ERROR_TEST(test_command_trailing_backslash, APP0("command = \"cat \\\\\";"),
    "<text>:3: apps.cat.command: trailing backslash")
ERROR_TEST(test_command_blank_string, APP0("command = \"  \";"),
    "<text>:3: apps.cat.command: empty command")
ERROR_TEST(test_command_empty_list, APP0("command = ();"),
    "<text>:3: apps.cat.command: empty command")
ERROR_TEST(test_command_empty_array, APP0("command = [];"),
    "<text>:3: apps.cat.command: empty command")
ERROR_TEST(test_command_wrong_type, APP0("command = 1;"),
    "<text>:3: apps.cat.command: expected a string or a list of strings")
ERROR_TEST(test_command_list_non_string, APP0("command = (\"a\",\n 1);"),
    "<text>:4: apps.cat.command: expected a string or a list of strings")
ERROR_TEST(test_command_group, APP0("command = { a = \"b\"; };"),
    "<text>:3: apps.cat.command: expected a string or a list of strings")
OPT_ERROR(test_type_bad, "type = \"tcp\";",
    "apps.cat.type: expected \"stdio\" or \"socket\", not \"tcp\"")
OPT_ERROR(test_type_not_string, "type = 1;", "apps.cat.type: expected a string")
ERROR_TEST(test_socket_app_needs_socket, APP("type = \"socket\";"),
    "<text>:2: apps.cat: a socket app needs 'socket'")
OPT_ERROR(test_socket_on_stdio_app, "socket = \"s.sock\";",
    "apps.cat.socket: only socket apps (type = \"socket\") have a socket")
OPT_ERROR(test_socket_empty, "type = \"socket\"; socket = \"\";",
    "apps.cat.socket: must not be empty")
OPT_ERROR(test_socket_not_string, "socket = 1;",
    "apps.cat.socket: expected a string")
OPT_ERROR(test_cwd_empty, "cwd = \"\";", "apps.cat.cwd: must not be empty")
OPT_ERROR(test_cwd_not_string, "cwd = true;", "apps.cat.cwd: expected a string")
OPT_ERROR(test_log_empty, "log = \"\";", "apps.cat.log: must not be empty")
OPT_ERROR(test_log_not_string, "log = [\"a\"];",
    "apps.cat.log: expected a string")
OPT_ERROR(test_env_not_group, "env = \"A=1\";",
    "apps.cat.env: expected a group { NAME = \"value\"; }")
OPT_ERROR(test_env_value_not_string, "env = { A = \"1\"; B = 2; };",
    "apps.cat.env.B: expected a string")
OPT_ERROR(test_restart_bad, "restart = \"sometimes\";", "apps.cat.restart: "
    "expected \"no\", \"on-failure\" or \"always\", not \"sometimes\"")
OPT_ERROR(test_restart_not_string, "restart = true;",
    "apps.cat.restart: expected a string")
OPT_ERROR(test_autostart_string, "autostart = \"yes\";",
    "apps.cat.autostart: expected a boolean")
OPT_ERROR(test_autostart_int, "autostart = 1;",
    "apps.cat.autostart: expected a boolean")
OPT_ERROR(test_stop_signal_unknown, "stop_signal = \"FOO\";",
    "apps.cat.stop_signal: unknown signal 'FOO'")
OPT_ERROR(test_stop_signal_zero, "stop_signal = 0;",
    "apps.cat.stop_signal: must be between 1 and 64")
OPT_ERROR(test_stop_signal_too_big, "stop_signal = 65;",
    "apps.cat.stop_signal: must be between 1 and 64")
OPT_ERROR(test_stop_signal_float, "stop_signal = 1.5;",
    "apps.cat.stop_signal: expected a signal name or number")
OPT_ERROR(test_stop_timeout_negative, "stop_timeout = -1;",
    "apps.cat.stop_timeout: must be between 0 and 86400 seconds")
OPT_ERROR(test_stop_timeout_too_big, "stop_timeout = 86400.5;",
    "apps.cat.stop_timeout: must be between 0 and 86400 seconds")
OPT_ERROR(test_stop_timeout_string, "stop_timeout = \"5\";",
    "apps.cat.stop_timeout: expected a number")
OPT_ERROR(test_ready_timeout_zero, "ready_timeout = 0;",
    "apps.cat.ready_timeout: must be more than 0 and at most 86400 seconds")
OPT_ERROR(test_ready_timeout_too_big, "ready_timeout = 86401;",
    "apps.cat.ready_timeout: must be more than 0 and at most 86400 seconds")
OPT_ERROR(test_ready_timeout_bool, "ready_timeout = true;",
    "apps.cat.ready_timeout: expected a number")
OPT_ERROR(test_output_buffer_zero, "output_buffer = 0;",
    "apps.cat.output_buffer: must be between 1 and " ONE_GIB " bytes (1G)")
OPT_ERROR(test_output_buffer_too_big, "output_buffer = \"2G\";",
    "apps.cat.output_buffer: must be between 1 and " ONE_GIB " bytes (1G)")
OPT_ERROR(test_output_buffer_one_over, "output_buffer = 1073741825;",
    "apps.cat.output_buffer: must be between 1 and " ONE_GIB " bytes (1G)")
OPT_ERROR(test_output_buffer_bad_suffix, "output_buffer = \"64KB\";",
    "apps.cat.output_buffer: expected a size like 65536, \"64K\", \"16M\" "
    "or \"1G\", not \"64KB\"")
OPT_ERROR(test_output_buffer_no_digits, "output_buffer = \"K\";",
    "apps.cat.output_buffer: expected a size like 65536, \"64K\", \"16M\" "
    "or \"1G\", not \"K\"")
OPT_ERROR(test_output_buffer_float, "output_buffer = 1.5;",
    "apps.cat.output_buffer: expected a size in bytes (an integer, or a "
    "string like \"64K\")")
OPT_ERROR(test_unknown_option_suggest, "comand = \"x\";",
    "apps.cat: unknown option 'comand' (did you mean 'command'?)")
OPT_ERROR(test_unknown_option_suggest_nearest, "stop_timeut = 1;",
    "apps.cat: unknown option 'stop_timeut' (did you mean 'stop_timeout'?)")
OPT_ERROR(test_unknown_option, "frobnicate = 1;",
    "apps.cat: unknown option 'frobnicate'")

/* signal_from_name and signal_name. */
static void
test_signal_from_name(void **state)
{
	(void)state;
	assert_int_equal(signal_from_name("TERM"), SIGTERM);
	assert_int_equal(signal_from_name("SIGTERM"), SIGTERM);
	assert_int_equal(signal_from_name("sigterm"), SIGTERM);
	assert_int_equal(signal_from_name("usr1"), SIGUSR1);
	assert_int_equal(signal_from_name("15"), 15);
	assert_int_equal(signal_from_name("64"), 64);
}

static void
test_signal_from_name_unknown(void **state)
{
	(void)state;
	assert_int_equal(signal_from_name("FOO"), -1);
	assert_int_equal(signal_from_name(""), -1);
	assert_int_equal(signal_from_name("SIG"), -1);
	assert_int_equal(signal_from_name("0"), -1);
	assert_int_equal(signal_from_name("65"), -1);
	assert_int_equal(signal_from_name("15x"), -1);
	assert_int_equal(signal_from_name("-15"), -1);
	assert_int_equal(signal_from_name(NULL), -1);
}

static void
test_signal_name(void **state)
{
	int	 i;

	(void)state;
	assert_string_equal(signal_name(SIGTERM), "SIGTERM");
	assert_string_equal(signal_name(SIGKILL), "SIGKILL");
	assert_null(signal_name(0));
	assert_null(signal_name(40));
	/* Every name maps back to its number. */
	for (i = 1; i < 32; i++)
		if (signal_name(i) != NULL)
			assert_int_equal(signal_from_name(signal_name(i)), i);
}

/* Files, in a fresh directory per test (state: its path). */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static int
dir_setup(void **state)
{
	char	 tmpl[] = "/tmp/test_config.XXXXXX";

	if (mkdtemp(tmpl) == NULL || (*state = strdup(tmpl)) == NULL)
		return (-1);
	return (0);
}

static int
dir_teardown(void **state)
{
	int	 r;

	r = nftw(*state, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return (r);
}

static void
test_file_error_prefix(void **state)
{
	char	 path[PATH_MAX], err[RUNNER_ERRMSG_MAX], want[PATH_MAX + 64];

	write_file(*state, "runner.conf", "apps = {\n\n cat = { };\n};\n");
	snprintf(path, sizeof(path), "%s/runner.conf", (char *)*state);
	assert_null(config_load_file(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: apps.cat: missing 'command'", path);
	assert_string_equal(err, want);
}

static void
test_file_syntax_error(void **state)
{
	char	 path[PATH_MAX], err[RUNNER_ERRMSG_MAX], want[PATH_MAX + 64];

	write_file(*state, "runner.conf", "apps = {\n};\n}\n");
	snprintf(path, sizeof(path), "%s/runner.conf", (char *)*state);
	assert_null(config_load_file(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: syntax error", path);
	assert_string_equal(err, want);
}

static void
test_file_source_and_app_file(void **state)
{
	struct config	*c;
	char		 path[PATH_MAX], err[RUNNER_ERRMSG_MAX] = "";

	write_file(*state, "runner.conf", "apps = {\n cat = { command = "
	    "\"cat\"; };\n};\n");
	snprintf(path, sizeof(path), "%s/runner.conf", (char *)*state);
	if ((c = config_load_file(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->source, path);
	assert_string_equal(c->apps[0].file, path);
	assert_int_equal(c->apps[0].line, 2);
	config_free(c);
}

static void
test_file_relative_paths_resolved(void **state)
{
	struct config	*c;
	char		 path[PATH_MAX], err[RUNNER_ERRMSG_MAX] = "";
	char		 real[PATH_MAX], want[PATH_MAX + 32];

	write_file(*state, "runner.conf", "apps = { cat = { command = \"cat\";"
	    " cwd = \"work\"; log = \"logs/cat.log\"; };\n"
	    " abs = { command = \"cat\"; cwd = \"/var\"; log = \"/l\"; };\n"
	    "};\n");
	snprintf(path, sizeof(path), "%s/runner.conf", (char *)*state);
	if ((c = config_load_file(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_non_null(realpath(*state, real));
	snprintf(want, sizeof(want), "%s/work", real);
	assert_string_equal(c->apps[0].cwd, want);
	snprintf(want, sizeof(want), "%s/logs/cat.log", real);
	assert_string_equal(c->apps[0].log, want);
	assert_string_equal(c->apps[1].cwd, "/var");
	assert_string_equal(c->apps[1].log, "/l");
	config_free(c);
}

/* A bare file name: relative to the process's cwd, made absolute too. */
static void
test_file_bare_name(void **state)
{
	struct config	*c;
	char		 old[PATH_MAX], real[PATH_MAX], want[PATH_MAX + 32];
	char		 err[RUNNER_ERRMSG_MAX] = "";

	write_file(*state, "runner.conf", "apps = {\n @include \"apps.inc\"\n"
	    "};\n");
	write_file(*state, "apps.inc", "cat = { command = \"cat\"; "
	    "cwd = \"w\"; };\n");
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(*state), 0);
	c = config_load_file("runner.conf", err, sizeof(err));
	assert_int_equal(chdir(old), 0);
	if (c == NULL)
		fail_msg("%s", err);
	assert_non_null(realpath(*state, real));
	snprintf(want, sizeof(want), "%s/w", real);
	assert_string_equal(c->apps[0].cwd, want);
	assert_string_equal(c->source, "runner.conf");
	assert_string_equal(c->apps[0].file, "apps.inc");
	config_free(c);
}

static void
test_file_missing(void **state)
{
	char	 path[PATH_MAX], err[RUNNER_ERRMSG_MAX], want[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/nope.conf", (char *)*state);
	assert_null(config_load_file(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "cannot read '%s': No such file or "
	    "directory", path);
	assert_string_equal(err, want);
}

static void
test_file_directory(void **state)
{
	char	 err[RUNNER_ERRMSG_MAX], want[PATH_MAX + 64];

	assert_null(config_load_file(*state, err, sizeof(err)));
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory",
	    (char *)*state);
	assert_string_equal(err, want);
}

static void
test_file_include(void **state)
{
	struct config	*c;
	char		 path[PATH_MAX], inc[PATH_MAX + 16];
	char		 err[RUNNER_ERRMSG_MAX] = "";

	write_file(*state, "runner.conf", "apps = {\n @include \"apps.inc\"\n"
	    " b = { command = \"b\"; };\n};\n");
	write_file(*state, "apps.inc", "\na = { command = \"a\"; };\n");
	snprintf(path, sizeof(path), "%s/runner.conf", (char *)*state);
	if ((c = config_load_file(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	snprintf(inc, sizeof(inc), "%s/apps.inc", (char *)*state);
	assert_int_equal(c->napps, 2);
	assert_string_equal(c->apps[0].file, inc);
	assert_int_equal(c->apps[0].line, 2);
	assert_string_equal(c->apps[1].file, path);
	config_free(c);
}

static void
test_file_include_error(void **state)
{
	char	 path[PATH_MAX], err[RUNNER_ERRMSG_MAX], want[PATH_MAX + 128];

	write_file(*state, "runner.conf", "apps = {\n @include \"apps.inc\"\n"
	    "};\n");
	write_file(*state, "apps.inc", "a = {\n command = 1;\n};\n");
	snprintf(path, sizeof(path), "%s/runner.conf", (char *)*state);
	assert_null(config_load_file(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/apps.inc:2: apps.a.command: expected "
	    "a string or a list of strings", (char *)*state);
	assert_string_equal(err, want);
}

static void
test_file_include_syntax_error(void **state)
{
	char	 path[PATH_MAX], err[RUNNER_ERRMSG_MAX], want[PATH_MAX + 64];

	write_file(*state, "runner.conf", "apps = {\n @include \"apps.inc\"\n"
	    "};\n");
	write_file(*state, "apps.inc", "a = {\n\n command = ;\n};\n");
	snprintf(path, sizeof(path), "%s/runner.conf", (char *)*state);
	assert_null(config_load_file(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/apps.inc:3: syntax error",
	    (char *)*state);
	assert_string_equal(err, want);
}

#define T(f)	cmocka_unit_test(f)
#define TD(f)	cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_text), T(test_empty_apps),
		T(test_apps_in_order_and_lookup), T(test_free_null),
		T(test_default_type), T(test_default_socket_cwd_log),
		T(test_default_env), T(test_default_restart),
		T(test_default_autostart), T(test_default_stop_signal),
		T(test_default_stop_timeout), T(test_default_ready_timeout),
		T(test_default_output_buffer), T(test_default_name_file_line),
		T(test_command_string_split), T(test_command_list),
		T(test_command_array),
		T(test_type_stdio), T(test_type_socket),
		T(test_cwd_text_kept), T(test_cwd_absolute),
		T(test_log_text_kept), T(test_env_pairs),
		T(test_env_empty_group), T(test_restart_no),
		T(test_restart_on_failure), T(test_restart_always),
		T(test_autostart_true), T(test_autostart_false),
		T(test_stop_signal_short), T(test_stop_signal_sig_prefix),
		T(test_stop_signal_any_case), T(test_stop_signal_number_string),
		T(test_stop_signal_int), T(test_stop_signal_int_max),
		T(test_stop_signal_int64), T(test_stop_timeout_zero),
		T(test_stop_timeout_float), T(test_stop_timeout_max),
		T(test_stop_timeout_int64), T(test_ready_timeout_small),
		T(test_ready_timeout_max), T(test_ready_timeout_int),
		T(test_output_buffer_min), T(test_output_buffer_max),
		T(test_output_buffer_int64), T(test_output_buffer_digits),
		T(test_output_buffer_k), T(test_output_buffer_m),
		T(test_output_buffer_g),
		T(test_syntax_error), T(test_duplicate_app),
		T(test_unknown_setting_suggest), T(test_unknown_setting),
		T(test_allow_group_unknown), T(test_allow_group_type),
		T(test_allow_group_empty), T(test_allow_group_typo),
		T(test_allow_group),
		T(test_apps_not_group), T(test_apps_list),
		T(test_app_not_group), T(test_first_error_wins),
		T(test_error_in_later_app),
		T(test_missing_command), T(test_missing_command_empty_app),
		T(test_command_operator), T(test_command_single_quote),
		T(test_command_double_quote),
		T(test_command_trailing_backslash),
		T(test_command_blank_string), T(test_command_empty_list),
		T(test_command_empty_array), T(test_command_wrong_type),
		T(test_command_list_non_string), T(test_command_group),
		T(test_type_bad), T(test_type_not_string),
		T(test_socket_app_needs_socket), T(test_socket_on_stdio_app),
		T(test_socket_empty), T(test_socket_not_string),
		T(test_cwd_empty), T(test_cwd_not_string),
		T(test_log_empty), T(test_log_not_string),
		T(test_env_not_group), T(test_env_value_not_string),
		T(test_restart_bad), T(test_restart_not_string),
		T(test_autostart_string), T(test_autostart_int),
		T(test_stop_signal_unknown), T(test_stop_signal_zero),
		T(test_stop_signal_too_big), T(test_stop_signal_float),
		T(test_stop_timeout_negative), T(test_stop_timeout_too_big),
		T(test_stop_timeout_string), T(test_ready_timeout_zero),
		T(test_ready_timeout_too_big), T(test_ready_timeout_bool),
		T(test_output_buffer_zero), T(test_output_buffer_too_big),
		T(test_output_buffer_one_over),
		T(test_output_buffer_bad_suffix),
		T(test_output_buffer_no_digits), T(test_output_buffer_float),
		T(test_unknown_option_suggest),
		T(test_unknown_option_suggest_nearest),
		T(test_unknown_option),
		T(test_signal_from_name), T(test_signal_from_name_unknown),
		T(test_signal_name),
		TD(test_file_error_prefix), TD(test_file_syntax_error),
		TD(test_file_source_and_app_file),
		TD(test_file_relative_paths_resolved),
		TD(test_file_bare_name), TD(test_file_missing),
		TD(test_file_directory), TD(test_file_include),
		TD(test_file_include_error), TD(test_file_include_syntax_error),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
