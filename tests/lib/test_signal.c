/*
 * test_signal.c: runner_signal with real children, in both backends: a
 * shell that traps SIGHUP says so on its channel and goes on working; a
 * signal it does not trap ends it, and the next runner_signal says how
 * it ended; the signal reaches the main process only, not its group;
 * an unknown alias, a bad signal number, an instance not running.
 */

#include "common.h"

#include <signal.h>

/*
 * A shell that echoes its input and says "got HUP" on SIGHUP.  dash's
 * read fails when a trapped signal interrupts it, so the loop ends only
 * on a failed read that no trap explains (end of input).
 */
#define TRAPPER	"trap 'echo got HUP; hup=1' HUP; echo ready; " \
	"while :; do hup=; if read l; then echo \\\"echo $l\\\"; " \
	"elif [ -z \\\"$hup\\\" ]; then break; fi; done"

/*
 * Wait (bounded) until runner_signal on alias stops succeeding: once
 * the process has been reaped.  SIGCONT, harmless to a process that
 * still runs or is a zombie.  The code and message it then gave.  A
 * poll, because the library has no exit event to wait for yet (issue
 * 15's events descriptor will be one).
 */
static int
wait_not_running(struct fixture *f, const char *alias)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 rc;

	while ((rc = runner_signal(f->r, alias, SIGCONT)) == 0) {
		if (t_ms() > end)
			fail_msg("'%s' still takes signals after %d ms", alias,
			    T_WAIT_MS);
		usleep(2000);
	}
	return (rc);
}

/*
 * HUP reaches a child that traps it, which runs on; TERM then ends it,
 * and runner_signal says it is not running and how it ended.
 */
static void
test_signal_trapped_then_fatal(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[128];

	t_config(f, "apps = { trapper = { command = [\"sh\", \"-c\", \""
	    TRAPPER "\"]; restart = \"no\"; }; };");
	assert_int_equal(runner_start(f->r, "trapper",
	    &(struct runner_start){ .alias = "t1" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "t1"));
	t_read_line(ch, line, sizeof(line));
	assert_string_equal(line, "ready");

	assert_int_equal(runner_signal(f->r, "t1", SIGHUP), 0);
	assert_int_equal(runner_errcode(f->r), 0);
	assert_string_equal(runner_errmsg(f->r), "");
	t_read_line(ch, line, sizeof(line));
	assert_string_equal(line, "got HUP");
	/* Still there, still working, and it takes the next one too. */
	t_write_all(ch, "after\n", 6);
	t_expect(ch, "echo after\n");
	assert_int_equal(runner_signal(f->r, "t1", SIGHUP), 0);
	t_expect(ch, "got HUP\n");

	assert_int_equal(runner_signal(f->r, "t1", SIGTERM), 0);
	t_expect_closed(ch);
	assert_int_equal(wait_not_running(f, "t1"), RUNNER_ECLOSED);
	assert_int_equal(runner_errcode(f->r), RUNNER_ECLOSED);
	assert_string_equal(runner_errmsg(f->r),
	    "'t1' is not running (killed by SIGTERM)");
	/* Not running is not unknown: the alias is still listed. */
	assert_int_equal(runner_terminate(f->r, "t1"), 0);
	assert_int_equal(runner_signal(f->r, "t1", SIGHUP), RUNNER_ENOALIAS);
	runner_channel_close(ch);
}

/*
 * Only the main process gets it: a helper in its process group that
 * would die of SIGHUP lives on (runnerd's stop, which signals the
 * group, then takes it down at teardown).
 */
static void
test_signal_main_process_only(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[128];
	pid_t			 helper;

	t_config(f, "apps = { trapper = { command = [\"sh\", \"-c\", \""
	    "sleep 300 </dev/null >/dev/null 2>&1 & echo $!; " TRAPPER
	    "\"]; restart = \"no\"; }; };");
	assert_int_equal(runner_start(f->r, "trapper",
	    &(struct runner_start){ .alias = "t1" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "t1"));
	t_read_line(ch, line, sizeof(line));
	assert_true((helper = atoi(line)) > 1);
	t_expect(ch, "ready\n");
	assert_true(t_alive(helper));

	assert_int_equal(runner_signal(f->r, "t1", SIGHUP), 0);
	t_expect(ch, "got HUP\n");
	/* The trap ran after the signal came: the helper had it by then. */
	t_write_all(ch, "x\n", 2);
	t_expect(ch, "echo x\n");
	assert_true(t_alive(helper));
	runner_channel_close(ch);
}

/* An alias nobody started: RUNNER_ENOALIAS, as runner_terminate. */
static void
test_signal_unknown_alias(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(runner_signal(f->r, "nobody", SIGHUP),
	    RUNNER_ENOALIAS);
	assert_int_equal(runner_errcode(f->r), RUNNER_ENOALIAS);
	assert_string_equal(runner_errmsg(f->r), "no instance named 'nobody'");
	assert_int_equal(runner_signal(f->r, "", SIGHUP), RUNNER_EINVAL);
	assert_int_equal(runner_signal(f->r, NULL, SIGHUP), RUNNER_EINVAL);
	assert_int_equal(runner_signal(NULL, "nobody", SIGHUP), RUNNER_EINVAL);
}

/*
 * A number kill(2) would refuse, or 0 (a probe, not a signal), is
 * RUNNER_EINVAL naming it, before the alias is looked at, and nothing
 * is sent: the instance still answers.
 */
static void
test_signal_bad_number(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	const int		 bad[] = { 0, -1, -SIGKILL, NSIG, NSIG + 1,
				    1000 };
	char			 want[128];
	size_t			 k;

	t_config(f, "apps = { cat = { command = \"cat\"; restart = \"no\"; "
	    "}; };");
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "c1" }), 0);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		snprintf(want, sizeof(want), "invalid signal number %d: use 1 "
		    "to %d", bad[k], NSIG - 1);
		assert_int_equal(runner_signal(f->r, "c1", bad[k]),
		    RUNNER_EINVAL);
		assert_string_equal(runner_errmsg(f->r), want);
		assert_int_equal(runner_signal(f->r, "nobody", bad[k]),
		    RUNNER_EINVAL);
	}
	assert_non_null(ch = runner_get_channel(f->r, "c1"));
	t_write_all(ch, "alive\n", 6);
	t_expect(ch, "alive\n");
	/* A good one is sent: cat dies of it. */
	assert_int_equal(runner_signal(f->r, "c1", SIGUSR1), 0);
	t_expect_closed(ch);
	runner_channel_close(ch);
}

/* An instance that has ended: ECLOSED, "not running", how it ended. */
static void
test_signal_not_running(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;

	t_config(f, "apps = { fail3 = { command = [\"sh\", \"-c\", "
	    "\"read x; exit 3\"]; restart = \"no\"; }; };");
	assert_int_equal(runner_start(f->r, "fail3",
	    &(struct runner_start){ .alias = "f1" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "f1"));
	t_write_all(ch, "go\n", 3);
	t_expect_closed(ch);
	assert_int_equal(wait_not_running(f, "f1"), RUNNER_ECLOSED);
	assert_string_equal(runner_errmsg(f->r),
	    "'f1' is not running (exited with status 3)");
	assert_int_equal(runner_signal(f->r, "f1", SIGKILL), RUNNER_ECLOSED);
	runner_channel_close(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signal_trapped_then_fatal,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_signal_main_process_only,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_signal_unknown_alias,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_signal_bad_number,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_signal_not_running,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
