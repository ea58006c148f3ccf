/*
 * test_events.c: runner_events_fd and runner_next_event with real
 * children, in both backends: started and ready, an exit code, a death
 * by signal, a terminate's exited and stopped; a socket app that becomes
 * ready; a crash loop restarted by policy (runnerd only: restarting,
 * then failed); an exit noticed by another call first still comes once;
 * next_event with nothing pending; the bounded queue's lagged (in-
 * process: runnerd's bound is test_bounds'); bad arguments.
 */

#include "common.h"

/* A child that waits for a line, then exits 3. */
#define EXIT3	"apps = { e3 = { command = [\"sh\", \"-c\", \"read x; " \
		"exit 3\"]; restart = \"no\"; }; };"

/* Started, then ready, with the pid the status gives. */
static pid_t
expect_started(struct fixture *f, const char *alias)
{
	struct runner_event	 ev;
	struct runner_status	 st;

	t_expect_event(f, RUNNER_EVENT_STARTED, alias, &ev);
	assert_true(ev.pid > 0);
	assert_int_equal(ev.version, RUNNER_EVENT_VERSION);
	t_status(f, alias, &st);
	assert_int_equal(st.pid, ev.pid);
	t_expect_event(f, RUNNER_EVENT_READY, alias, &ev);
	assert_int_equal(ev.pid, st.pid);
	return (st.pid);
}

/* Nothing pending: 0 at once, however often asked. */
static void
expect_none(struct fixture *f)
{
	struct runner_event	 ev = { .version = RUNNER_EVENT_VERSION };

	assert_int_equal(runner_next_event(f->r, &ev), 0);
	assert_int_equal(runner_next_event(f->r, &ev), 0);
	assert_int_equal(runner_errcode(f->r), 0);
}

/*
 * An exit code: started, ready, then (after its input says go) exited
 * with 3 and its pid; then nothing; terminate says stopped (the process
 * is gone: no second exited).
 */
static void
test_events_exit_code(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	struct runner_event	 ev;
	pid_t			 pid;

	t_config(f, EXIT3);
	assert_true(runner_events_fd(f->r) >= 0);
	/* The same descriptor every time. */
	assert_int_equal(runner_events_fd(f->r), runner_events_fd(f->r));
	expect_none(f);
	assert_int_equal(runner_start(f->r, "e3", NULL), 0);
	pid = expect_started(f, "e3");
	assert_non_null(ch = runner_get_channel(f->r, "e3"));
	t_write_all(ch, "go\n", 3);
	t_expect_event(f, RUNNER_EVENT_EXITED, "e3", &ev);
	assert_int_equal(ev.pid, pid);
	assert_int_equal(ev.exit_code, 3);
	assert_int_equal(ev.exit_signal, 0);
	assert_int_equal(ev.left_behind, 0);
	expect_none(f);
	assert_int_equal(runner_terminate(f->r, "e3"), 0);
	t_expect_event(f, RUNNER_EVENT_STOPPED, "e3", &ev);
	assert_int_equal(ev.pid, 0);
	expect_none(f);
	runner_channel_close(ch);
}

/* Killed by a signal: exited with exit_code -1 and the signal. */
static void
test_events_signal(void **state)
{
	struct fixture		*f = *state;
	struct runner_event	 ev;
	pid_t			 pid;

	t_config(f, "apps = { cat = { command = \"cat\"; restart = \"no\"; "
	    "}; };");
	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	pid = expect_started(f, "cat");
	assert_int_equal(runner_signal(f->r, "cat", SIGKILL), 0);
	t_expect_event(f, RUNNER_EVENT_EXITED, "cat", &ev);
	assert_int_equal(ev.pid, pid);
	assert_int_equal(ev.exit_code, -1);
	assert_int_equal(ev.exit_signal, SIGKILL);
	expect_none(f);
}

/*
 * A terminate of a running instance: exited (by its stop signal), then
 * stopped, each once.
 */
static void
test_events_terminate(void **state)
{
	struct fixture		*f = *state;
	struct runner_event	 ev;
	pid_t			 pid;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	pid = expect_started(f, "cat");
	assert_int_equal(runner_terminate(f->r, "cat"), 0);
	t_expect_event(f, RUNNER_EVENT_EXITED, "cat", &ev);
	assert_int_equal(ev.pid, pid);
	assert_int_equal(ev.exit_signal, SIGTERM);
	t_expect_event(f, RUNNER_EVENT_STOPPED, "cat", &ev);
	expect_none(f);
}

/* A socket app: started and ready once its socket accepts. */
static void
test_events_socket_ready(void **state)
{
	struct fixture		*f = *state;
	struct runner_status	 st;

	t_config(f, "apps = { echo = { command = \"socat "
	    "UNIX-LISTEN:echo.sock,fork EXEC:cat\"; type = \"socket\";"
	    " socket = \"echo.sock\"; cwd = \"%s\"; }; };", f->dir);
	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "echo", NULL), 0);
	expect_started(f, "echo");
	t_status(f, "echo", &st);
	assert_int_equal(st.state, RUNNER_STATE_RUNNING);
	assert_int_equal(st.ready, 1);
}

/*
 * A crash loop under runnerd's policy: each exit is followed by
 * restarting (with its delay and the restarts so far), then started and
 * ready again, until max_restarts: failed.  In-process nothing restarts.
 */
static void
test_events_restarting(void **state)
{
	struct fixture		*f = *state;
	struct runner_event	 ev;
	struct runner_status	 st;
	int			 k;

	if (!t_daemon())
		skip();
	t_config(f, "apps = { crash = { command = [\"sh\", \"-c\", "
	    "\"read x; exit 1\"]; restart = \"on-failure\"; "
	    "backoff_initial = 0.05; max_restarts = 2; restart_window = 60.0;"
	    " }; };");
	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "crash", NULL), 0);
	for (k = 0; k <= 2; k++) {
		expect_started(f, "crash");
		/* It waits for our line: the count cannot move meanwhile. */
		t_status(f, "crash", &st);
		assert_int_equal(st.restarts, k);
		t_say(f, "crash", "x\n");
		t_expect_event(f, RUNNER_EVENT_EXITED, "crash", &ev);
		assert_int_equal(ev.exit_code, 1);
		if (k == 2)
			break;
		t_expect_event(f, RUNNER_EVENT_RESTARTING, "crash", &ev);
		/* The first restart after a run is at once, then backoff. */
		assert_true(k == 0 ? ev.delay < 0.02 : ev.delay > 0.02);
	}
	t_expect_event(f, RUNNER_EVENT_FAILED, "crash", &ev);
	t_status(f, "crash", &st);
	assert_int_equal(st.state, RUNNER_STATE_FAILED);
	assert_int_equal(st.restarts, 2);
	assert_int_equal(st.exited, 1);
	assert_int_equal(st.exit_code, 1);
	assert_int_equal(st.pid, 0);
}

/*
 * An exit that another call notices first (runner_status, runner_signal
 * reap lazily in-process) still comes as exited, once; and one child
 * ending while the program was elsewhere does not hide another's.
 */
static void
test_events_exit_between_calls(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*a, *b;
	struct runner_event	 ev;
	struct runner_status	 st;
	long long		 end;
	int			 seen_a = 0, seen_b = 0;

	t_config(f, EXIT3);
	assert_true(runner_events_fd(f->r) >= 0);
	assert_int_equal(runner_start(f->r, "e3",
	    &(struct runner_start){ .alias = "a" }), 0);
	assert_int_equal(runner_start(f->r, "e3",
	    &(struct runner_start){ .alias = "b" }), 0);
	expect_started(f, "a");
	expect_started(f, "b");
	assert_non_null(a = runner_get_channel(f->r, "a"));
	assert_non_null(b = runner_get_channel(f->r, "b"));
	t_write_all(a, "go\n", 3);
	t_write_all(b, "go\n", 3);
	t_expect_closed(a);
	t_expect_closed(b);
	/* Until both are known to have exited, ask around (bounded). */
	end = t_ms() + T_WAIT_MS;
	do {
		t_status(f, "a", &st);
		if (st.state == RUNNER_STATE_EXITED)
			assert_int_equal(runner_signal(f->r, "b", SIGCONT) == 0 ||
			    runner_errcode(f->r) == RUNNER_ECLOSED, 1);
		poll(NULL, 0, 1);
		t_status(f, "b", &st);
		if (t_ms() > end)
			fail_msg("'b' not exited after %d ms", T_WAIT_MS);
	} while (st.state != RUNNER_STATE_EXITED);
	do {
		t_status(f, "a", &st);
		poll(NULL, 0, 1);
		if (t_ms() > end)
			fail_msg("'a' not exited after %d ms", T_WAIT_MS);
	} while (st.state != RUNNER_STATE_EXITED);
	while (seen_a + seen_b < 2) {
		t_next_event(f, &ev);
		assert_int_equal(ev.kind, RUNNER_EVENT_EXITED);
		assert_int_equal(ev.exit_code, 3);
		if (strcmp(ev.alias, "a") == 0)
			seen_a++;
		else
			seen_b++;
	}
	assert_int_equal(seen_a, 1);
	assert_int_equal(seen_b, 1);
	expect_none(f);
	runner_channel_close(a);
	runner_channel_close(b);
}

/*
 * A program that does not read its events: the queue stops at its bound,
 * and once read, what was kept comes in order, then lagged with the
 * count of what was dropped, then what came after.  In-process only:
 * runnerd's own bound is test_bounds'.
 */
static void
test_events_lagged(void **state)
{
	struct fixture		*f = *state;
	struct runner_event	 ev;
	unsigned long long	 got = 0, missed = 0, n;
	int			 k, lagged = 0, after = 0;

	if (t_daemon())
		skip();
	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_true(runner_events_fd(f->r) >= 0);
	/* Four events each: started, ready, exited, stopped. */
	n = 4 * 100;
	for (k = 0; k < 100; k++) {
		assert_int_equal(runner_start(f->r, "cat", NULL), 0);
		assert_int_equal(runner_terminate(f->r, "cat"), 0);
	}
	assert_true(n > EVQ_MAX);
	for (;;) {
		memset(&ev, 0, sizeof(ev));
		ev.version = RUNNER_EVENT_VERSION;
		if (runner_next_event(f->r, &ev) == 0)
			break;
		if (ev.kind == RUNNER_EVENT_LAGGED) {
			assert_int_equal(lagged, 0);
			lagged = 1;
			missed = ev.missed;
			assert_string_equal(ev.alias, "");
			/* One more start after the gap comes after it. */
			assert_int_equal(runner_start(f->r, "cat", NULL), 0);
			continue;
		}
		if (lagged) {
			after++;
			assert_int_equal(ev.kind, after == 1 ?
			    RUNNER_EVENT_STARTED : RUNNER_EVENT_READY);
		} else
			got++;
	}
	assert_true(lagged);
	assert_int_equal(after, 2);
	assert_int_equal(got, EVQ_MAX);
	assert_int_equal(got + missed, n);
}

/* Bad arguments: no runner, no struct, a version below 1. */
static void
test_events_bad_args(void **state)
{
	struct fixture		*f = *state;
	struct runner_event	 ev;

	memset(&ev, 0, sizeof(ev));
	assert_int_equal(runner_events_fd(NULL), RUNNER_EINVAL);
	assert_int_equal(runner_next_event(NULL, &ev), RUNNER_EINVAL);
	assert_int_equal(runner_next_event(f->r, NULL), RUNNER_EINVAL);
	assert_int_equal(runner_next_event(f->r, &ev), RUNNER_EINVAL);
	assert_string_equal(runner_errmsg(f->r), "no event version given: "
	    "set version to RUNNER_EVENT_VERSION");
	/* A later header's version gets this library's back. */
	ev.version = RUNNER_EVENT_VERSION + 5;
	assert_int_equal(runner_next_event(f->r, &ev), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_exit_code,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_events_signal,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_events_terminate,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_events_socket_ready,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_events_restarting,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_events_exit_between_calls,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_events_lagged,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_events_bad_args,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
