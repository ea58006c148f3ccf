/*
 * test_daemonize.c: children that leave processes behind, in both
 * backends.  A shell that starts a background job and exits 0: the job
 * is killed at once and counted (left_behind in the exited event and in
 * status).  A main process whose child left its session (setsid) and
 * hangs under it: terminate (and in-process runner_free) kills it too.
 * A classic double fork, the daemon reparented out of the session:
 * runnerd (a subreaper) finds it; in-process, the RUNNER_INSTANCE mark
 * in its environment does.  Each process is checked by pid to be gone:
 * reparented to init, it is waited for by pidfd or a bounded poll.
 */

#include "common.h"

/* A job in its session, its pid said, then exit 0 on a line. */
#define BGJOB	"apps = { bg = { command = [\"sh\", \"-c\", \"sleep 1000 " \
		"</dev/null >/dev/null 2>&1 & echo $!; read x; exit 0\"]; " \
		"restart = \"no\"; }; };"

/*
 * A python main process: with "setsid", its child calls setsid and
 * sleeps, the main process says the child's pid and waits for a line;
 * with "double", the child forks a grandchild that calls setsid and
 * sleeps, the child exits at once, and the main process says the
 * grandchild's pid (once it has left the session) and waits for a line.
 */
#define PYAPP	"apps = { py = { command = [\"python3\", \"-c\", \"" \
	"import os, sys, time\\n" \
	"mode = sys.argv[1]\\n" \
	"r, w = os.pipe()\\n" \
	"if os.fork() == 0:\\n" \
	"    if mode == 'double' and os.fork() != 0:\\n" \
	"        os._exit(0)\\n" \
	"    os.setsid()\\n" \
	"    os.write(w, b'%%d\\\\n' %% os.getpid())\\n" \
	"    os.closerange(0, 3)\\n" \
	"    time.sleep(1000)\\n" \
	"    os._exit(0)\\n" \
	"print(os.read(r, 64).decode().strip(), flush=True)\\n" \
	"sys.stdin.readline()\\n" \
	"\", \"%s\"]; restart = \"no\"; }; };"

/* Start app and read the pid it says on its first line. */
static pid_t
start_and_read_pid(struct fixture *f, const char *app,
    struct runner_channel **ch)
{
	char	 line[64];
	pid_t	 pid;

	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, app, NULL), 0);
	assert_non_null(*ch = runner_get_channel(f->r, app));
	t_read_line(*ch, line, sizeof(line));
	assert_true((pid = atoi(line)) > 1);
	assert_true(t_alive(pid));
	return (pid);
}

/*
 * app says its daemon's pid, then its main process exits 0 on a line:
 * the exit says one process was left behind, and the daemon is gone.
 */
static void
exits_leaving_one(struct fixture *f, const char *app)
{
	struct runner_channel	*ch;
	struct runner_event	 ev;
	pid_t			 d;

	d = start_and_read_pid(f, app, &ch);
	t_write_all(ch, "go\n", 3);
	t_wait_event(f, RUNNER_EVENT_EXITED, app, &ev);
	assert_int_equal(ev.exit_code, 0);
	assert_int_equal(ev.left_behind, 1);
	assert_true(t_wait_gone(d));
	runner_channel_close(ch);
}

/*
 * exit 0 leaving a job behind: the job dies with it, the exited event
 * and the status say one process was left behind.
 */
static void
test_daemonize_background_job(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	struct runner_event	 ev;
	struct runner_status	 st;
	pid_t			 job;

	t_config(f, BGJOB);
	job = start_and_read_pid(f, "bg", &ch);
	t_write_all(ch, "go\n", 3);
	t_wait_event(f, RUNNER_EVENT_EXITED, "bg", &ev);
	assert_int_equal(ev.exit_code, 0);
	assert_int_equal(ev.left_behind, 1);
	assert_true(t_wait_gone(job));
	t_status(f, "bg", &st);
	assert_int_equal(st.state, RUNNER_STATE_EXITED);
	assert_int_equal(st.left_behind, 1);
	runner_channel_close(ch);
}

/*
 * A child that left the session but hangs under the main process:
 * terminate finds it under the main process and kills it.  Nothing was
 * left behind by an exit of its own.
 */
static void
test_daemonize_setsid_terminate(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	struct runner_event	 ev;
	long			 sid;
	pid_t			 d;

	t_config(f, PYAPP, "setsid");
	d = start_and_read_pid(f, "py", &ch);
	t_state(d, NULL, &sid);
	assert_int_equal(sid, d);	/* its own session */
	assert_int_equal(runner_terminate(f->r, "py"), 0);
	assert_true(t_wait_gone(d));
	/* A stop's are not counted as left behind: it kills them anyway. */
	t_wait_event(f, RUNNER_EVENT_EXITED, "py", &ev);
	assert_int_equal(ev.left_behind, 0);
	t_expect_event(f, RUNNER_EVENT_STOPPED, "py", &ev);
	runner_channel_close(ch);
}

/* The same, through runner_free (in-process: it stops what it started). */
static void
test_daemonize_setsid_free(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	pid_t			 d;

	if (t_daemon())
		skip();
	t_config(f, PYAPP, "setsid");
	d = start_and_read_pid(f, "py", &ch);
	runner_free(f->r);
	f->r = NULL;
	assert_true(t_wait_gone(d));
	runner_channel_close(ch);
}

/*
 * A double fork: the daemon is reparented at once, out of the session.
 * runnerd, a subreaper, kills it when the instance ends and counts it;
 * in-process, its mark says whose it is.
 */
static void
test_daemonize_double_fork(void **state)
{
	struct fixture		*f = *state;

	t_config(f, PYAPP, "double");
	exits_leaving_one(f, "py");
}

/*
 * A double fork whose daemon execs with an environment of its own
 * making: 12 KiB of others first, then what it was given (a shell
 * re-exporting its environment in its own order does the same).  It
 * says its pid, then the main process exits 0 on a line.
 */
#define LATEMARK "apps = { late = { command = [\"python3\", \"-c\", \"" \
	"import os, sys\\n" \
	"if os.fork() == 0:\\n" \
	"    if os.fork() != 0:\\n" \
	"        os._exit(0)\\n" \
	"    os.setsid()\\n" \
	"    env = {'A_BIG%%d' %% k: 'x' * 400 for k in range(30)}\\n" \
	"    env.update(os.environ)\\n" \
	"    print(os.getpid(), flush=True)\\n" \
	"    os.closerange(0, 3)\\n" \
	"    os.execve('/bin/sleep', ['sleep', '1000'], env)\\n" \
	"sys.stdin.readline()\\n" \
	"\"]; restart = \"no\"; }; };"

/*
 * That daemon is found all the same, its mark kilobytes into its
 * environment (it escaped in-process when only the first 4 KiB were
 * read).
 */
static void
test_daemonize_mark_late(void **state)
{
	struct fixture		*f = *state;

	t_config(f, LATEMARK);
	exits_leaving_one(f, "late");
}

/*
 * The same daemon, while the main process runs: terminate finds it by
 * its mark (in-process) or as runnerd's orphan, not under the main
 * process, which it is no longer under.
 */
static void
test_daemonize_double_fork_terminate(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	long			 ppid;
	pid_t			 d, main_pid;
	struct runner_status	 st;

	t_config(f, PYAPP, "double");
	d = start_and_read_pid(f, "py", &ch);
	t_status(f, "py", &st);
	main_pid = st.pid;
	t_state(d, &ppid, NULL);
	assert_true(ppid != main_pid);
	assert_int_equal(runner_terminate(f->r, "py"), 0);
	assert_true(t_wait_gone(d));
	runner_channel_close(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_daemonize_background_job,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(
		    test_daemonize_setsid_terminate, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_daemonize_setsid_free,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_daemonize_double_fork,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(
		    test_daemonize_double_fork_terminate, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(
		    test_daemonize_mark_late, t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
