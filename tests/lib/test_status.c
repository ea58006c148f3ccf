/*
 * test_status.c: runner_status with real children, in both backends: a
 * running instance; one that exited 3 and stays listed saying so; one
 * killed by a signal; runnerd's restarts and backoff; an unknown or
 * terminated alias; the versioned struct (never written past the
 * caller's version, a later version answered with this one).
 */

#include "common.h"

/* A child that waits for a line, then exits with its number. */
#define EXITN	"apps = { ex = { command = [\"sh\", \"-c\", \"read x; " \
		"exit $x\"]; restart = \"no\"; }; };"

/* Start ex under alias and make it exit with code: its pid. */
static pid_t
exit_with(struct fixture *f, const char *alias, const char *code)
{
	struct runner_event	 ev;
	struct runner_status	 st;

	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "ex",
	    &(struct runner_start){ .alias = alias }), 0);
	t_status(f, alias, &st);
	t_say(f, alias, code);
	t_wait_event(f, RUNNER_EVENT_EXITED, alias, &ev);
	assert_int_equal(ev.pid, st.pid);
	return (st.pid);
}

/* Running: its pid, running and ready, no exit yet, a small uptime. */
static void
test_status_running(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st;
	pid_t			 pid;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	t_status(f, "cat", &st);
	assert_int_equal(st.version, RUNNER_STATUS_VERSION);
	assert_true((pid = st.pid) > 0);
	assert_true(t_alive(pid));
	assert_int_equal(st.state, RUNNER_STATE_RUNNING);
	assert_int_equal(st.ready, 1);
	assert_int_equal(st.restarts, 0);
	assert_int_equal(st.exited, 0);
	assert_int_equal(st.left_behind, 0);
	assert_true(st.uptime >= 0 && st.uptime < 60);
	assert_int_equal(runner_errcode(f->r), 0);
}

/*
 * Exited 3: listed still (in-process too), pid 0, how it ended; again
 * the same when asked again; gone after terminate.
 */
static void
test_status_exit_code(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st;
	int			 k;

	t_config(f, EXITN);
	exit_with(f, "x3", "3\n");
	for (k = 0; k < 2; k++) {
		t_status(f, "x3", &st);
		assert_int_equal(st.state, RUNNER_STATE_EXITED);
		assert_int_equal(st.pid, 0);
		assert_int_equal(st.ready, 0);
		assert_int_equal(st.exited, 1);
		assert_int_equal(st.exit_code, 3);
		assert_int_equal(st.exit_signal, 0);
		assert_true(st.uptime == 0);
	}
	assert_int_equal(runner_terminate(f->r, "x3"), 0);
	memset(&st, 0, sizeof(st));
	st.version = RUNNER_STATUS_VERSION;
	assert_int_equal(runner_status(f->r, "x3", &st), RUNNER_ENOALIAS);
	/* Exit 0 is an exit too. */
	exit_with(f, "x0", "0\n");
	t_status(f, "x0", &st);
	assert_int_equal(st.exited, 1);
	assert_int_equal(st.exit_code, 0);
}

/* Killed by a signal: exit_code -1 and the signal. */
static void
test_status_signal(void **state)
{
	struct fixture		*f = *state;
	struct runner_event	 ev;
	struct runner_status	 st;

	t_config(f, "apps = { cat = { command = \"cat\"; restart = \"no\"; "
	    "}; };");
	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_int_equal(runner_signal(f->r, "cat", SIGTERM), 0);
	t_wait_event(f, RUNNER_EVENT_EXITED, "cat", &ev);
	t_status(f, "cat", &st);
	assert_int_equal(st.state, RUNNER_STATE_EXITED);
	assert_int_equal(st.exited, 1);
	assert_int_equal(st.exit_code, -1);
	assert_int_equal(st.exit_signal, SIGTERM);
}

/*
 * runnerd's policy: a crash restarts at once (restarts 1, the last exit
 * kept, running again), the next one waits in backoff (no pid, the
 * state says so).  In-process nothing restarts.
 */
static void
test_status_restarts(void **state)
{
	struct fixture		*f = *state;
	struct runner_event	 ev;
	struct runner_status	 st;

	if (!t_daemon())
		skip();
	t_config(f, "apps = { crash = { command = [\"sh\", \"-c\", \"read x; "
	    "exit 1\"]; restart = \"on-failure\"; backoff_initial = 60.0; backoff_max = 60.0; "
	    "}; };");
	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "crash", NULL), 0);
	t_say(f, "crash", "x\n");
	t_wait_event(f, RUNNER_EVENT_RESTARTING, "crash", &ev);
	t_wait_event(f, RUNNER_EVENT_READY, "crash", &ev);
	t_status(f, "crash", &st);
	assert_int_equal(st.state, RUNNER_STATE_RUNNING);
	assert_int_equal(st.pid, ev.pid);
	assert_int_equal(st.restarts, 1);
	assert_int_equal(st.exited, 1);
	assert_int_equal(st.exit_code, 1);

	t_say(f, "crash", "x\n");
	t_wait_event(f, RUNNER_EVENT_RESTARTING, "crash", &ev);
	assert_true(ev.delay > 50);
	t_status(f, "crash", &st);
	assert_int_equal(st.state, RUNNER_STATE_BACKOFF);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.ready, 0);
}

/* An alias nobody started, and bad arguments. */
static void
test_status_bad_args(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st;

	memset(&st, 0, sizeof(st));
	st.version = RUNNER_STATUS_VERSION;
	assert_int_equal(runner_status(f->r, "nobody", &st), RUNNER_ENOALIAS);
	assert_int_equal(runner_errcode(f->r), RUNNER_ENOALIAS);
	assert_non_null(strstr(runner_errmsg(f->r), "'nobody'"));
	assert_int_equal(runner_status(f->r, "", &st), RUNNER_EINVAL);
	assert_int_equal(runner_status(f->r, NULL, &st), RUNNER_EINVAL);
	assert_int_equal(runner_status(NULL, "x", &st), RUNNER_EINVAL);
	assert_int_equal(runner_status(f->r, "x", NULL), RUNNER_EINVAL);
	st.version = 0;
	assert_int_equal(runner_status(f->r, "x", &st), RUNNER_EINVAL);
	assert_string_equal(runner_errmsg(f->r), "no status version given: "
	    "set version to RUNNER_STATUS_VERSION");
}

/*
 * The versioned struct: a caller of a later version (a bigger struct)
 * gets this library's version back and its own later fields untouched;
 * nothing past the struct of the version given is ever written.
 */
static void
test_status_version(void **state)
{
	struct fixture		*f = *state;
	struct {
		struct runner_status	 st;
		unsigned char		 later[64];
	} big;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	memset(&big, 0xa5, sizeof(big));
	big.st.version = RUNNER_STATUS_VERSION + 3;
	assert_int_equal(runner_status(f->r, "cat", &big.st), 0);
	assert_int_equal(big.st.version, RUNNER_STATUS_VERSION);
	assert_true(big.st.pid > 0);
	assert_int_equal(big.later[0], 0xa5);
	assert_int_equal(big.later[63], 0xa5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_running,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_status_exit_code,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_status_signal,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_status_restarts,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_status_bad_args,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_status_version,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
