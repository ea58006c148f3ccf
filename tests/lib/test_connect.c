/*
 * test_connect.c: what only the runnerd backend has: no daemon to
 * connect to, instances that outlive the runner and are seen by the next
 * one, configuration files named relative to the caller, and a daemon
 * that goes away under a runner.
 */

#include "common.h"

#include <signal.h>

/* No runnerd answers: runner_connect is NULL with errno, starts none. */
static void
test_connect_no_daemon(void **state)
{
	struct fixture	*f = *state;
	char		 path[PATH_MAX], *old;

	snprintf(path, sizeof(path), "%s/none.sock", f->dir);
	errno = 0;
	assert_null(runner_connect(path));
	assert_int_equal(errno, ENOENT);
	t_stale_socket(path);
	errno = 0;
	assert_null(runner_connect(path));
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(access(path, F_OK), 0);	/* nobody replaced it */

	/* NULL: the default path, from RUNNER_SOCKET here. */
	old = getenv("RUNNER_SOCKET") ? strdup(getenv("RUNNER_SOCKET")) : NULL;
	setenv("RUNNER_SOCKET", path, 1);
	errno = 0;
	assert_null(runner_connect(NULL));
	assert_int_equal(errno, ECONNREFUSED);
	if (old != NULL)
		setenv("RUNNER_SOCKET", old, 1);
	else
		unsetenv("RUNNER_SOCKET");
	free(old);
}

/*
 * Instances belong to runnerd: they outlive runner_free, handles keep
 * working, and the next runner_connect sees them.
 */
static void
test_connect_outlives_free(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch, *ch2;
	char			 line[32];
	pid_t			 pid;

	if (!t_daemon())
		skip();		/* in-process runner_free stops them */
	t_config(f, "apps = { sh = { command = [\"sh\", \"-c\", "
	    "\"echo $$; exec cat\"]; }; };");
	assert_int_equal(runner_start(f->r, "sh",
	    &(struct runner_start){ .alias = "s" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "s"));
	t_read_line(ch, line, sizeof(line));
	pid = atoi(line);
	runner_free(f->r);
	assert_true(t_alive(pid));
	t_write_all(ch, "still\n", 6);
	t_expect(ch, "still\n");

	assert_non_null(f->r = runner_connect(f->sock));
	assert_int_equal(runner_ensure_running(f->r, "sh",
	    &(struct runner_start){ .alias = "s" }), RUNNER_RUNNING);
	assert_int_equal(runner_start(f->r, "sh",
	    &(struct runner_start){ .alias = "s" }), RUNNER_EEXIST);
	assert_non_null(strstr(runner_errmsg(f->r), "already running"));
	assert_non_null(ch2 = runner_get_channel(f->r, "s"));
	t_write_all(ch2, "both\n", 5);
	t_expect(ch2, "both\n");
	t_expect(ch, "both\n");		/* every attached handle sees it */
	runner_channel_close(ch2);

	/* Stopped through the second runner: the first's handle ends too. */
	assert_int_equal(runner_terminate(f->r, "s"), 0);
	assert_false(t_alive(pid));
	t_expect_closed(ch);
	assert_int_equal(runner_channel_write(ch, "x", 1), RUNNER_ECLOSED);
	runner_channel_close(ch);
}

/* runner_load_config: the path is the caller's, checked whole by runnerd. */
static void
test_connect_load_config(void **state)
{
	struct fixture	*f = *state;
	char		 cwd[PATH_MAX], path[PATH_MAX];
	FILE		*fp;
	int		 rc;

	if (!t_daemon())
		skip();		/* test_start covers it in-process */
	snprintf(path, sizeof(path), "%s/mine.conf", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("apps = {\n  mine = { command = \"cat\"; };\n};\n", fp);
	fclose(fp);
	/* Relative to our cwd, which runnerd's is not. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	rc = runner_load_config(f->r, "mine.conf");
	assert_int_equal(chdir(cwd), 0);
	if (rc != 0)
		fail_msg("load: %s", runner_errmsg(f->r));
	assert_int_equal(runner_start(f->r, "mine", NULL), 0);

	assert_non_null(fp = fopen(path, "w"));
	fputs("apps = {\n  mine = { command = \"cat\"; };\n"
	    "  bad = { restart = \"sometimes\"; };\n};\n", fp);
	fclose(fp);
	assert_int_equal(runner_load_config(f->r, path), RUNNER_ECONFIG);
	assert_non_null(strstr(runner_errmsg(f->r), "mine.conf:3: "));
	snprintf(path, sizeof(path), "%s/none.conf", f->dir);
	assert_int_equal(runner_load_config(f->r, path), RUNNER_ECONFIG);
	assert_non_null(strstr(runner_errmsg(f->r), path));
	/* The file that loaded is still in force. */
	assert_int_equal(runner_ensure_running(f->r, "mine", NULL),
	    RUNNER_RUNNING);
}

/* runnerd goes away under a runner: errors that say so, no SIGPIPE. */
static void
test_connect_daemon_gone(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 msg[8192];

	if (!t_daemon())
		skip();		/* no daemon in-process */
	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE would kill the test */
	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "cat"));
	if (t_daemon_stop(f, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	t_expect_closed(ch);
	assert_int_equal(runner_channel_write(ch, "x", 1), RUNNER_ECLOSED);
	runner_channel_close(ch);
	assert_int_equal(runner_start(f->r, "cat", NULL), RUNNER_ECLOSED);
	assert_non_null(strstr(runner_errmsg(f->r), f->sock));
	assert_int_equal(runner_terminate(f->r, "cat"), RUNNER_ECLOSED);
	assert_non_null(strstr(runner_errmsg(f->r), "cannot reach runnerd"));
	assert_null(runner_get_channel(f->r, "cat"));
	assert_int_equal(runner_errcode(f->r), RUNNER_ECLOSED);
	assert_null(runner_get_channel_direct(f->r, "cat"));
	assert_int_equal(runner_errcode(f->r), RUNNER_ECLOSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_no_daemon,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_connect_outlives_free,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_connect_load_config,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_connect_daemon_gone,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
