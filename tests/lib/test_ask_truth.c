/*
 * test_ask_truth.c: runner_ask keeps replies apart when children and
 * clients misbehave, against tests/helpers/tagged.py, a real python3
 * child speaking the tagged protocol: junk and untagged {"ok": false}
 * lines of its own, over-long lines, replies in pieces, replies that
 * come after their ask timed out, exits in the middle of an ask (with a
 * restart policy too), and two processes asking one instance at once.
 * Codes are asserted, never timings: asks that must not time out get
 * ASK_LONG_MS, so a wrong wait shows as ETIMEDOUT, not as a slow test.
 */

#include "common.h"

#define ASK_LONG_MS	30000	/* generous: a timeout here is the bug */
#define ASK_SHORT_MS	300	/* for the asks meant to time out */
#define ASK_ROUNDS	300	/* asks by each of the two processes */

/*
 * Start tagged.py as alias with restart policy restart; a second crash
 * in a row waits backoff seconds.
 */
static void
tagged_start_backoff(struct fixture *f, const char *alias,
    const char *restart, int backoff)
{
	struct runner_start	 st = { .alias = alias };

	t_config(f, "apps = { tagged = { command = [\"python3\", "
	    "\"%s/tagged.py\"]; restart = \"%s\"; backoff_initial = %d;"
	    " backoff_max = %d; }; };", f->helpers, restart, backoff,
	    backoff);
	assert_int_equal(runner_start(f->r, "tagged", &st), 0);
}

/* Start tagged.py as alias with restart policy restart, no backoff. */
static void
tagged_start(struct fixture *f, const char *alias, const char *restart)
{
	tagged_start_backoff(f, alias, restart, 0);
}

/*
 * Wait (bounded) until runnerd has restarted alias: a pid other than
 * pid.  No event says so: its status is asked every 5 ms.
 */
static long long
wait_restarted(struct fixture *f, const char *alias, long long pid)
{
	long long	 now, end = t_ms() + T_WAIT_MS;

	while ((now = t_daemon_status(f, alias, "pid")) <= 0 || now == pid) {
		if (t_ms() > end)
			fail_msg("'%s' was not restarted", alias);
		usleep(5000);
	}
	return (now);
}

/* tagged_start, and a channel to it. */
static struct runner_channel *
tagged(struct fixture *f, const char *alias, const char *restart)
{
	struct runner_channel	*ch;

	tagged_start(f, alias, restart);
	assert_non_null(ch = runner_get_channel(f->r, alias));
	return (ch);
}

/* ask cmd with ext; expect rc, and with 0 the reply's ext want. */
static void
ask_expect(struct runner_channel *ch, const char *cmd, const char *ext,
    int ms, int rc, const char *want)
{
	char	*got = NULL;
	int	 r;

	r = runner_ask(ch, cmd, ext, ms, &got);
	if (r != rc)
		fail_msg("ask '%s': %s (%s), not %s", cmd, runner_strerror(r),
		    runner_channel_errmsg(ch), runner_strerror(rc));
	if (rc == 0)
		assert_string_equal(got, want);
	else
		assert_null(got);
	free(got);
}

/*
 * The child's own lines are skipped, whatever they are: junk, someone
 * else's tag, and its untagged {"ok": false} errors, which once aborted
 * the ask as if runnerd had refused.
 */
static void
test_truth_junk(void **state)
{
	struct runner_channel	*ch = tagged(*state, "t1", "no");
	char			 ext[32];
	int			 i;

	for (i = 0; i < 20; i++) {
		snprintf(ext, sizeof(ext), "%d", i);
		ask_expect(ch, "junk", ext, ASK_LONG_MS, 0, ext);
	}
	/* Its tagged errors are still its answer. */
	ask_expect(ch, "fail", NULL, ASK_LONG_MS, RUNNER_EINVAL, NULL);
	assert_string_equal(runner_channel_errmsg(ch),
	    "EINVAL: you asked for it");
	runner_channel_close(ch);
}

/*
 * A reply that comes after its ask timed out (whole, or half then the
 * rest) answers nothing: the next ask gets its own.  A reply in pieces
 * is put together; a line too long to be a reply is skipped.
 */
static void
test_truth_late_reply(void **state)
{
	struct runner_channel	*ch = tagged(*state, "t1", "no");

	ask_expect(ch, "hold", NULL, ASK_SHORT_MS, RUNNER_ETIMEDOUT, NULL);
	ask_expect(ch, "echo", "1", ASK_LONG_MS, 0, "1");
	ask_expect(ch, "half", NULL, ASK_SHORT_MS, RUNNER_ETIMEDOUT, NULL);
	ask_expect(ch, "echo", "2", ASK_LONG_MS, 0, "2");
	ask_expect(ch, "hold", NULL, ASK_SHORT_MS, RUNNER_ETIMEDOUT, NULL);
	ask_expect(ch, "half", NULL, ASK_SHORT_MS, RUNNER_ETIMEDOUT, NULL);
	ask_expect(ch, "pieces", "[3, 4]", ASK_LONG_MS, 0, "[3, 4]");
	ask_expect(ch, "long", "{\"bytes\": 2500000}", ASK_LONG_MS, 0,
	    "{\"bytes\": 2500000}");
	ask_expect(ch, "echo", "5", ASK_LONG_MS, 0, "5");
	/* Nothing is left over to confuse a reader either. */
	assert_int_equal(runner_channel_wait(ch, 0), RUNNER_ETIMEDOUT);
	runner_channel_close(ch);
}

/*
 * Tags: below 2^53 (a double holds them exactly), counting up on a
 * handle, never repeated by another handle on the same instance.
 */
static void
test_truth_tags(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch = tagged(f, "t1", "no"), *ch2;
	char			*got;
	long long		 t, t2;

	assert_int_equal(runner_ask(ch, "tag", NULL, ASK_LONG_MS, &got), 0);
	t = strtoll(got, NULL, 10);
	free(got);
	assert_true(t > 0 && t < (1LL << 53) - 1000000);
	assert_int_equal(runner_ask(ch, "tag", NULL, ASK_LONG_MS, &got), 0);
	assert_int_equal(strtoll(got, NULL, 10), t + 1);
	free(got);
	assert_non_null(ch2 = runner_get_channel(f->r, "t1"));
	assert_int_equal(runner_ask(ch2, "tag", NULL, ASK_LONG_MS, &got), 0);
	t2 = strtoll(got, NULL, 10);
	free(got);
	assert_true(t2 > 0 && t2 < (1LL << 53) && t2 != t && t2 != t + 1);
	runner_channel_close(ch2);
	runner_channel_close(ch);
}

/*
 * A request given up on half sent (the child stopped reading) would
 * swallow the next one: that one ends the broken line first.
 */
static void
test_truth_cut_request(void **state)
{
	struct runner_channel	*ch = tagged(*state, "t1", "no");
	size_t			 n = 8 * 1024 * 1024;
	char			*big;

	assert_non_null(big = malloc(n + 3));
	big[0] = '"';
	memset(big + 1, 'y', n);
	strcpy(big + n + 1, "\"");
	ask_expect(ch, "stall", "2", ASK_LONG_MS, 0, "2");
	ask_expect(ch, "echo", big, ASK_SHORT_MS, RUNNER_ETIMEDOUT, NULL);
	assert_non_null(strstr(runner_channel_errmsg(ch), "no room"));
	free(big);
	ask_expect(ch, "echo", "\"whole\"", ASK_LONG_MS, 0, "\"whole\"");
	runner_channel_close(ch);
}

/* A child that exits in the middle of an ask: ECLOSED, at once. */
static void
test_truth_exit_mid_ask(void **state)
{
	struct runner_channel	*ch = tagged(*state, "t1", "no");

	ask_expect(ch, "echo", "1", ASK_LONG_MS, 0, "1");
	ask_expect(ch, "exit", NULL, ASK_LONG_MS, RUNNER_ECLOSED, NULL);
	assert_non_null(strstr(runner_channel_errmsg(ch), "ended before it "
	    "answered 'exit'"));
	ask_expect(ch, "echo", NULL, ASK_LONG_MS, RUNNER_ECLOSED, NULL);
	runner_channel_close(ch);
}

/*
 * The same with a restart policy: the handle was to the process that
 * exited, so it says ECLOSED (through runnerd the instance comes back,
 * and a new channel reaches the new process).
 */
static void
test_truth_exit_restarted(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch, *ch2;
	long long		 pid = 0, end = t_ms() + T_WAIT_MS;

	/* A second crash in a row waits an hour: that is the gap below. */
	tagged_start_backoff(f, "t1", "always", 3600);
	assert_non_null(ch = runner_get_channel(f->r, "t1"));
	if (t_daemon())
		pid = t_daemon_status(f, "t1", "pid");
	ask_expect(ch, "exit", NULL, ASK_LONG_MS, RUNNER_ECLOSED, NULL);
	ask_expect(ch, "echo", "1", ASK_LONG_MS, RUNNER_ECLOSED, NULL);
	runner_channel_close(ch);
	if (!t_daemon())
		return;		/* in-process nobody restarts it */
	wait_restarted(f, "t1", pid);
	assert_non_null(ch2 = runner_get_channel(f->r, "t1"));
	ask_expect(ch2, "echo", "2", ASK_LONG_MS, 0, "2");
	ask_expect(ch2, "exit", NULL, ASK_LONG_MS, RUNNER_ECLOSED, NULL);
	runner_channel_close(ch2);
	/* No process now (an hour's backoff): a new handle is to none. */
	while (t_daemon_status(f, "t1", "pid") != 0) {
		if (t_ms() > end)
			fail_msg("'t1' still has a process");
		usleep(5000);
	}
	assert_non_null(ch = runner_get_channel(f->r, "t1"));
	ask_expect(ch, "echo", "3", ASK_LONG_MS, RUNNER_ECLOSED, NULL);
	runner_channel_close(ch);
}

/*
 * A child that leaves a process behind holding its stdout: through
 * runnerd the group goes with it, so the ask ends, ECLOSED.  In-process
 * nothing notices the exit while the grandchild holds the socket (the
 * library has no loop; librunner.3 says so).
 */
static void
test_truth_orphan(void **state)
{
	struct runner_channel	*ch;

	if (!t_daemon())
		skip();
	ch = tagged(*state, "t1", "no");
	ask_expect(ch, "orphan", NULL, ASK_LONG_MS, RUNNER_ECLOSED, NULL);
	runner_channel_close(ch);
}

/*
 * One of two processes asking the same instance: its own runner and
 * handle, ASK_ROUNDS asks whose replies must be its own, with junk,
 * pieces, and asks given up on (whose late replies both then see).
 * Exits 0 when all were right; else 1 after saying what went wrong.
 */
static void
asker_process(int who)
{
	/* Static: still reachable if it fails and exits holding them. */
	static struct runner		*volatile r;
	static struct runner_channel	*volatile ch;
	static const char *const cmds[] = { "echo", "junk", "pieces" };
	char			 ext[64], *got;
	int			 i, rc;

	if ((r = runner_connect(t_sock)) == NULL ||
	    (ch = runner_get_channel(r, "t1")) == NULL)
		_exit(1);
	for (i = 0; i < ASK_ROUNDS; i++) {
		snprintf(ext, sizeof(ext), "[%d, %d]", who, i);
		if (i % 25 == 24) {
			/* Answered late, or by the time it is given up. */
			rc = runner_ask(ch, "hold", NULL, 20, &got);
			if (rc == 0 ? strcmp(got, "\"late\"") != 0 :
			    rc != RUNNER_ETIMEDOUT) {
				fprintf(stderr, "%d: hold: %d %s\n", who, rc,
				    got ? got : runner_channel_errmsg(ch));
				_exit(1);
			}
			free(got);
			continue;
		}
		rc = runner_ask(ch, cmds[i % 3], ext, ASK_LONG_MS, &got);
		if (rc != 0 || strcmp(got, ext) != 0) {
			fprintf(stderr, "%d: ask %d: %s, got %s\n", who, i,
			    runner_strerror(rc), got ? got :
			    runner_channel_errmsg(ch));
			_exit(1);
		}
		free(got);
	}
	runner_channel_close(ch);
	runner_free(r);
	_exit(0);
}

/*
 * A client that asks and vanishes without waiting: the reply it leaves
 * behind answers nobody else.
 */
static void
test_truth_client_vanishes(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	pid_t			 pid;
	int			 status;

	if (!t_daemon())
		skip();		/* in-process an instance is one runner's */
	tagged_start(f, "t1", "no");
	/* Forked before our handle, so that it holds none of ours. */
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		/* Static: still reachable when it dies holding them. */
		static struct runner		*volatile r;
		static struct runner_channel	*volatile h;

		if ((r = runner_connect(t_sock)) == NULL ||
		    (h = runner_get_channel(r, "t1")) == NULL)
			_exit(1);
		runner_ask(h, "hold", NULL, 0, NULL);
		_exit(0);	/* nothing closed, nothing freed */
	}
	assert_true(t_wait_child(pid, &status, ASK_LONG_MS));
	assert_int_equal(status, 0);
	assert_non_null(ch = runner_get_channel(f->r, "t1"));
	ask_expect(ch, "junk", "1", ASK_LONG_MS, 0, "1");
	ask_expect(ch, "echo", "2", ASK_LONG_MS, 0, "2");
	runner_channel_close(ch);
}

/* Two processes, one instance, at once: each gets its own replies. */
static void
test_truth_two_processes(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	pid_t			 pid[2];
	int			 k, status;

	if (!t_daemon())
		skip();		/* in-process an instance is one runner's */
	tagged_start(f, "t1", "no");
	/* Forked before our handle, so that they hold none of ours. */
	for (k = 0; k < 2; k++) {
		assert_true((pid[k] = fork()) != -1);
		if (pid[k] == 0)
			asker_process(k);
	}
	for (k = 0; k < 2; k++) {
		assert_true(t_wait_child(pid[k], &status, 2 * ASK_LONG_MS));
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	/* A third client, whose attach got what was buffered, its own. */
	assert_non_null(ch = runner_get_channel(f->r, "t1"));
	ask_expect(ch, "junk", "7", ASK_LONG_MS, 0, "7");
	runner_channel_close(ch);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_truth_junk),
		T(test_truth_late_reply),
		T(test_truth_tags),
		T(test_truth_cut_request),
		T(test_truth_exit_mid_ask),
		T(test_truth_exit_restarted),
		T(test_truth_orphan),
		T(test_truth_client_vanishes),
		T(test_truth_two_processes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
