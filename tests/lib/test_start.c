/*
 * test_start.c: starting and stopping instances with real children:
 * aliases and args (no alias starting with '-'), ensure_running
 * against start, terminate, errors reported at start, cwd and env,
 * sessions and descriptors.
 */

#include "common.h"

#include <signal.h>

/* Two aliases of one app, each with its own extra args. */
static void
test_alias_and_args(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*a, *b;
	FILE			*fp;
	const char		*one[] = { NULL, NULL }, *two[] = { NULL, NULL };
	char			 p1[128], p2[128];

	snprintf(p1, sizeof(p1), "%s/one", f->dir);
	snprintf(p2, sizeof(p2), "%s/two", f->dir);
	assert_non_null(fp = fopen(p1, "w"));
	fputs("first file\n", fp);
	fclose(fp);
	assert_non_null(fp = fopen(p2, "w"));
	fputs("second file\n", fp);
	fclose(fp);
	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	one[0] = p1;
	two[0] = p2;
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "a1", .args = one }), 0);
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "a2", .args = two }), 0);
	assert_non_null(a = runner_get_channel(f->r, "a1"));
	assert_non_null(b = runner_get_channel(f->r, "a2"));
	t_expect(b, "second file\n");
	t_expect(a, "first file\n");
	t_expect_closed(a);
	t_expect_closed(b);
	runner_channel_close(a);
	runner_channel_close(b);
}

/* The alias defaults to the app's name. */
static void
test_alias_defaults_to_app(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "cat"));
	t_write_all(ch, "x\n", 2);
	t_expect(ch, "x\n");
	runner_channel_close(ch);
}

/* start is strict: a running alias is RUNNER_EEXIST. */
static void
test_strict_start_eexist(void **state)
{
	struct fixture	*f = *state;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "c1" }), 0);
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "c1" }), RUNNER_EEXIST);
	assert_int_equal(runner_errcode(f->r), RUNNER_EEXIST);
	assert_non_null(strstr(runner_errmsg(f->r), "'c1' is already running"));
}

/*
 * An alias that names another app, or an instance the configuration
 * gives another app, or that an instance of another app holds, would
 * make `stop NAME` mean two things: both backends refuse it alike.
 */
static void
test_alias_taken(void **state)
{
	struct fixture	*f = *state;

	t_config(f, "apps = { cat = { command = \"cat\"; }; "
	    "few = { command = \"cat\"; instances = 3; }; "
	    "sort = { command = \"sort\"; }; };");
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "few" }), RUNNER_EEXIST);
	assert_string_equal(runner_errmsg(f->r), "alias 'few' is the name "
	    "of app 'few'");
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "few-2" }), RUNNER_EEXIST);
	assert_string_equal(runner_errmsg(f->r), "alias 'few-2' is the name "
	    "of an instance of app 'few' (instances = 3)");
	assert_int_equal(runner_ensure_running(f->r, "cat",
	    &(struct runner_start){ .alias = "sort" }), RUNNER_EEXIST);
	/* Past the count, or not a count: free. */
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "few-4" }), 0);
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "few-02" }), 0);
	/* Its own name is the app's own. */
	assert_int_equal(runner_start(f->r, "few",
	    &(struct runner_start){ .alias = "few" }), 0);
	/* Held by another app's instance: refused, not "already running". */
	assert_int_equal(runner_start(f->r, "sort",
	    &(struct runner_start){ .alias = "few-4" }), RUNNER_EEXIST);
	assert_string_equal(runner_errmsg(f->r), "alias 'few-4' is taken by "
	    "an instance of app 'cat'");
	assert_int_equal(runner_ensure_running(f->r, "sort",
	    &(struct runner_start){ .alias = "few-4" }), RUNNER_EEXIST);
	assert_int_equal(runner_ensure_running(f->r, "cat",
	    &(struct runner_start){ .alias = "few-4" }), RUNNER_RUNNING);
}

/* A socket path for a stdio app is refused, not ignored; nothing runs. */
static void
test_socket_for_stdio_refused(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st = { .version = RUNNER_STATUS_VERSION };

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .socket = "x.sock" }), RUNNER_EINVAL);
	assert_string_equal(runner_errmsg(f->r), "app 'cat' is a stdio app: "
	    "a socket path applies only to socket apps (type = \"socket\")");
	assert_int_equal(runner_ensure_running(f->r, "cat",
	    &(struct runner_start){ .alias = "c2", .socket = "x.sock" }),
	    RUNNER_EINVAL);
	assert_int_equal(runner_status(f->r, "cat", &st), RUNNER_ENOALIAS);
	assert_int_equal(runner_status(f->r, "c2", &st), RUNNER_ENOALIAS);
}

/* ensure_running twice, the second with other args, changes nothing. */
static void
test_ensure_running_idempotent(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	const char		*first[] = { "first", NULL };
	const char		*second[] = { "second", NULL };
	char			 line[64];

	t_config(f, "apps = { sh = { command = [\"sh\", \"-c\", "
	    "\"echo $0; exec cat\"]; }; };");
	assert_int_equal(runner_ensure_running(f->r, "sh",
	    &(struct runner_start){ .alias = "s", .args = first }), 0);
	assert_int_equal(runner_ensure_running(f->r, "sh",
	    &(struct runner_start){ .alias = "s", .args = second }),
	    RUNNER_RUNNING);
	assert_int_equal(runner_errcode(f->r), 0);
	assert_non_null(ch = runner_get_channel(f->r, "s"));
	t_read_line(ch, line, sizeof(line));
	assert_string_equal(line, "first");
	t_write_all(ch, "still the first\n", 16);
	t_expect(ch, "still the first\n");
	runner_channel_close(ch);
}

/* After terminate the alias is gone and old handles say ECLOSED. */
static void
test_terminate_frees_alias(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 c;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "c1" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "c1"));
	assert_int_equal(runner_terminate(f->r, "c1"), 0);
	assert_null(runner_get_channel(f->r, "c1"));
	assert_int_equal(runner_errcode(f->r), RUNNER_ENOALIAS);
	assert_int_equal(runner_terminate(f->r, "c1"), RUNNER_ENOALIAS);
	assert_int_equal(runner_channel_read(ch, &c, 1), RUNNER_ECLOSED);
	assert_int_equal(runner_channel_write(ch, "x", 1), RUNNER_ECLOSED);
	assert_int_equal(runner_channel_wait(ch, 0), 0);
	runner_channel_close(ch);
}

/* The same alias starts again after terminate, as a new process. */
static void
test_restart_same_alias(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 pid1[32], pid2[32];

	t_config(f, "apps = { sh = { command = [\"sh\", \"-c\", "
	    "\"echo $$; exec cat\"]; }; };");
	assert_int_equal(runner_start(f->r, "sh",
	    &(struct runner_start){ .alias = "s" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "s"));
	t_read_line(ch, pid1, sizeof(pid1));
	runner_channel_close(ch);
	assert_int_equal(runner_terminate(f->r, "s"), 0);
	assert_false(t_alive(atoi(pid1)));
	assert_int_equal(runner_start(f->r, "sh",
	    &(struct runner_start){ .alias = "s" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "s"));
	t_read_line(ch, pid2, sizeof(pid2));
	assert_string_not_equal(pid1, pid2);
	t_write_all(ch, "again\n", 6);
	t_expect(ch, "again\n");
	runner_channel_close(ch);
}

/* Unknown app: RUNNER_ENOAPP naming the configuration; unknown alias. */
static void
test_unknown_app_and_alias(void **state)
{
	struct fixture	*f = *state;
	char		 want[PATH_MAX + 64], conf[PATH_MAX];

	assert_int_equal(runner_start(f->r, "cat", NULL), RUNNER_ENOAPP);
	/* runnerd always has a configuration: the fixture's empty one. */
	if (t_daemon())
		assert_non_null(strstr(runner_errmsg(f->r),
		    "no app named 'cat' (in /"));
	else
		assert_string_equal(runner_errmsg(f->r),
		    "no app named 'cat' (no configuration loaded)");
	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_ensure_running(f->r, "kat", NULL),
	    RUNNER_ENOAPP);
	/* An update adds to runnerd's configuration: still its file's. */
	snprintf(want, sizeof(want), "no app named 'kat' (in %s)",
	    t_daemon() ? strcat(strcpy(conf, f->dir), "/runner.conf") :
	    "<text>");
	assert_string_equal(runner_errmsg(f->r), want);
	assert_int_equal(runner_terminate(f->r, "nobody"), RUNNER_ENOALIAS);
	assert_string_equal(runner_errmsg(f->r), "no instance named 'nobody'");
	assert_null(runner_get_channel(f->r, "nobody"));
	assert_int_equal(runner_errcode(f->r), RUNNER_ENOALIAS);
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "no spaces" }), RUNNER_EINVAL);
	/* A leading '-' would read as an option to runnerctl: refused. */
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "-x" }), RUNNER_EINVAL);
	assert_string_equal(runner_errmsg(f->r), "invalid alias '-x': it "
	    "must not start with '-' (it would read as an option)");
	assert_int_equal(runner_ensure_running(f->r, "--help", NULL),
	    RUNNER_EINVAL);
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "x-" }), 0);
}

/* A command that cannot be executed fails at start, errno in words. */
static void
test_exec_failure_reported(void **state)
{
	struct fixture	*f = *state;

	t_config(f, "apps = { bad = { command = \"/x/y\"; };"
	    " nodir = { command = \"cat\"; cwd = \"/no/such/dir\"; };"
	    " notexec = { command = \"/etc/passwd\"; }; };");
	assert_int_equal(runner_start(f->r, "bad", NULL), RUNNER_ESPAWN);
	assert_string_equal(runner_errmsg(f->r),
	    "cannot execute '/x/y': No such file or directory");
	assert_int_equal(runner_start(f->r, "nodir", NULL), RUNNER_ESPAWN);
	assert_string_equal(runner_errmsg(f->r), "cannot change directory "
	    "to '/no/such/dir': No such file or directory");
	assert_int_equal(runner_start(f->r, "notexec", NULL), RUNNER_ESPAWN);
	assert_string_equal(runner_errmsg(f->r),
	    "cannot execute '/etc/passwd': Permission denied");
	/* A failed start leaves no alias behind. */
	assert_int_equal(runner_terminate(f->r, "bad"), RUNNER_ENOALIAS);
}

/* cwd applies, from the app and from the per-start override. */
static void
test_cwd_applies(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[PATH_MAX], want[PATH_MAX];

	assert_non_null(realpath(f->dir, want));
	t_config(f, "apps = { pwd = { command = \"pwd -P\"; cwd = \"/\"; };"
	    " };");
	assert_int_equal(runner_start(f->r, "pwd", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "pwd"));
	t_read_line(ch, line, sizeof(line));
	assert_string_equal(line, "/");
	runner_channel_close(ch);
	assert_int_equal(runner_start(f->r, "pwd",
	    &(struct runner_start){ .alias = "here", .cwd = f->dir }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "here"));
	t_read_line(ch, line, sizeof(line));
	assert_string_equal(line, want);
	runner_channel_close(ch);
}

/* env is laid over the caller's environment; nothing runs a shell. */
static void
test_env_applies(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[256];

	setenv("RUNNER_TEST_KEEP", "kept", 1);
	setenv("RUNNER_TEST_OVER", "old", 1);
	t_config(f, "apps = { env = { command = [\"sh\", \"-c\", "
	    "\"echo $RUNNER_TEST_KEEP $RUNNER_TEST_OVER $FOO\"];"
	    " env = { RUNNER_TEST_OVER = \"new\"; FOO = \"a b $HOME\"; }; };"
	    " };");
	assert_int_equal(runner_start(f->r, "env", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "env"));
	t_read_line(ch, line, sizeof(line));
	/* runnerd's children get runnerd's environment, not the caller's. */
	assert_string_equal(line, t_daemon() ? "new a b $HOME" :
	    "kept new a b $HOME");
	runner_channel_close(ch);
	unsetenv("RUNNER_TEST_KEEP");
	unsetenv("RUNNER_TEST_OVER");
}

/* Extra args are argv words, never shell text. */
static void
test_args_not_shell(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	const char		*args[] = { "$(id); `id` | >x", NULL };
	char			 line[256];

	t_config(f, "apps = { echo = { command = \"echo\"; }; };");
	assert_int_equal(runner_start(f->r, "echo",
	    &(struct runner_start){ .args = args }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "echo"));
	t_read_line(ch, line, sizeof(line));
	assert_string_equal(line, "$(id); `id` | >x");
	runner_channel_close(ch);
}

/*
 * A Ctrl-C is SIGINT to the terminal's foreground process group; the
 * children must not get it.  A forked copy of the test makes its own
 * group, ignores SIGINT itself, starts cat and signals its group.
 */
static void
test_sigint_not_forwarded(void **state)
{
	struct fixture	*f = *state;
	pid_t		 pid;
	int		 status;

	(void)f;
	if ((pid = fork()) == 0) {
		struct runner		*r;
		struct runner_channel	*ch;
		char			 buf[8];
		int			 closed;

		setpgid(0, 0);
		signal(SIGINT, SIG_IGN);
		r = runner_new();
		if (runner_update_config(r, "apps = { cat = "
		    "{ command = \"cat\"; }; };") != 0 ||
		    runner_start(r, "cat", NULL) != 0 ||
		    (ch = runner_get_channel(r, "cat")) == NULL)
			_exit(10);
		kill(0, SIGINT);
		t_write_all(ch, "alive\n", 6);
		if (t_read_upto(ch, buf, 6, &closed) != 6 ||
		    memcmp(buf, "alive\n", 6) != 0)
			_exit(11);
		runner_channel_close(ch);
		runner_free(r);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Only 0, 1 and 2 reach a child, even from a careless caller. */
static void
test_no_fd_leaks(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[256];
	int			 leaky;

	leaky = dup(0);		/* not close-on-exec */
	assert_true(leaky > 2);
	t_config(f, "apps = { fds = { command = [\"sh\", \"-c\", "
	    "\"cd /proc/self/fd && echo *\"]; }; };");
	assert_int_equal(runner_start(f->r, "fds", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "fds"));
	t_read_line(ch, line, sizeof(line));
	/* sh's own fd to the directory it lists may show up as 3. */
	assert_true(strcmp(line, "0 1 2") == 0 || strcmp(line, "0 1 2 3") == 0);
	runner_channel_close(ch);
	close(leaky);
}

/* A child that ignores SIGTERM is killed after stop_timeout; no zombie. */
static void
test_terminate_escalates(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[32];
	pid_t			 pid;

	t_config(f, "apps = { stubborn = { command = [\"sh\", \"-c\", "
	    "\"trap '' TERM; echo $$; while :; do read x; done\"];"
	    " stop_timeout = 0.2; }; };");
	assert_int_equal(runner_start(f->r, "stubborn", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "stubborn"));
	t_read_line(ch, line, sizeof(line));
	pid = atoi(line);
	assert_true(t_alive(pid));
	assert_int_equal(runner_terminate(f->r, "stubborn"), 0);
	assert_false(t_alive(pid));
	assert_int_equal(kill(pid, 0), -1);	/* reaped, not a zombie */
	runner_channel_close(ch);
}

/* terminate ends the whole process group: grandchildren too. */
static void
test_terminate_kills_group(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[32];
	pid_t			 grandchild;

	t_config(f, "apps = { tree = { command = [\"sh\", \"-c\", "
	    "\"sleep 1000 & echo $!; wait\"]; }; };");
	assert_int_equal(runner_start(f->r, "tree", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "tree"));
	t_read_line(ch, line, sizeof(line));
	grandchild = atoi(line);
	assert_true(t_alive(grandchild));
	assert_int_equal(runner_terminate(f->r, "tree"), 0);
	assert_true(t_wait_gone(grandchild));
	runner_channel_close(ch);
}

/* runner_free stops everything; handles outlive it and say ECLOSED. */
static void
test_free_stops_all(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch[3];
	char			 line[32], c;
	pid_t			 pid[3];
	int			 i;

	/* runnerd's instances outlive a client by design (test_connect). */
	if (t_daemon())
		skip();
	t_config(f, "apps = { sh = { command = [\"sh\", \"-c\", "
	    "\"echo $$; exec cat\"]; }; };");
	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "s%d", i);
		assert_int_equal(runner_start(f->r, "sh",
		    &(struct runner_start){ .alias = line }), 0);
		assert_non_null(ch[i] = runner_get_channel(f->r, line));
		t_read_line(ch[i], line, sizeof(line));
		pid[i] = atoi(line);
	}
	runner_free(f->r);
	f->r = t_runner_new();
	for (i = 0; i < 3; i++) {
		assert_false(t_alive(pid[i]));
		assert_int_equal(runner_channel_read(ch[i], &c, 1),
		    RUNNER_ECLOSED);
		assert_int_equal(runner_channel_write(ch[i], "x", 1),
		    RUNNER_ECLOSED);
		runner_channel_close(ch[i]);
	}
}

/* A bad configuration is refused whole; the old one stays in force. */
static void
test_bad_config_keeps_old(void **state)
{
	struct fixture	*f = *state;
	char		 path[128];
	FILE		*fp;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_update_config(f->r, "apps = {\n"
	    "  dog = { command = \"cat\"; };\n"
	    "  bad = { comand = \"cat\"; };\n};"), RUNNER_ECONFIG);
	assert_string_equal(runner_errmsg(f->r), "<text>:3: apps.bad: "
	    "unknown option 'comand' (did you mean 'command'?)");
	assert_int_equal(runner_start(f->r, "dog", NULL), RUNNER_ENOAPP);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);

	snprintf(path, sizeof(path), "%s/runner.conf", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("apps = {\n  dog = { command = \"cat\"; type = \"pipe\"; };\n"
	    "};\n", fp);
	fclose(fp);
	assert_int_equal(runner_load_config(f->r, path), RUNNER_ECONFIG);
	assert_non_null(strstr(runner_errmsg(f->r), "runner.conf:2: "
	    "apps.dog.type: expected \"stdio\" or \"socket\", not \"pipe\""));
	assert_non_null(fp = fopen(path, "w"));
	fputs("apps = {\n  dog = { command = \"cat\"; };\n};\n", fp);
	fclose(fp);
	assert_int_equal(runner_load_config(f->r, path), 0);
	assert_int_equal(runner_start(f->r, "dog", NULL), 0);
	/*
	 * The instance started under the old configuration still runs;
	 * runnerd stops those of an app that a reload removes (reload.c).
	 * Its reply comes as the stop begins, and the alias is free once
	 * the process is gone: until then ensure says EEXIST (bounded).
	 * In-process nothing stops it.
	 */
	if (t_daemon()) {
		double	 end = clock_now() + T_WAIT_MS / 1000.0;
		int	 rc;

		while ((rc = runner_ensure_running(f->r, "dog",
		    &(struct runner_start){ .alias = "cat" })) ==
		    RUNNER_EEXIST && clock_now() < end)
			usleep(10000);
		assert_int_equal(rc, 0);
	} else {
		/* In-process the old one runs on: another app's alias. */
		assert_int_equal(runner_ensure_running(f->r, "dog",
		    &(struct runner_start){ .alias = "cat" }), RUNNER_EEXIST);
		assert_string_equal(runner_errmsg(f->r), "alias 'cat' is "
		    "taken by an instance of app 'cat'");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alias_and_args,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_alias_defaults_to_app,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_strict_start_eexist,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_socket_for_stdio_refused,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_alias_taken, t_setup,
		    t_teardown),
		cmocka_unit_test_setup_teardown(test_ensure_running_idempotent,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_terminate_frees_alias,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_restart_same_alias,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_app_and_alias,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_exec_failure_reported,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_cwd_applies,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_env_applies,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_args_not_shell,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_sigint_not_forwarded,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_no_fd_leaks,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_terminate_escalates,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_terminate_kills_group,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_free_stops_all,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_keeps_old,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
