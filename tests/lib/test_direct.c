/*
 * test_direct.c: runner_get_channel_direct.  In-process it is the plain
 * channel; through runnerd it is the instance's own descriptor, handed
 * over with what runnerd had buffered and handed back when the handle
 * closes or its process dies.  While held, runnerd leaves the channel
 * alone: a second direct request, write and read requests are refused,
 * attached clients wait.
 */

#include "common.h"

#include <sys/epoll.h>

#include <signal.h>

#define CAT	"apps = { cat = { command = \"cat\"; restart = \"no\"; }; };"

/* Round trip text through ch: write it, read it back. */
static void
roundtrip(struct runner_channel *ch, const char *text)
{
	t_write_all(ch, text, strlen(text));
	t_expect(ch, text);
}

/* 8 MiB of every byte value through cat, byte-exact, from a poll loop. */
static void
test_direct_8mib(void **state)
{
	struct fixture		*f = *state;

	t_config(f, CAT);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	t_roundtrip(runner_get_channel_direct(f->r, "cat"), 8 << 20, 13);
}

/*
 * runner_channel_fd works in epoll (as libev uses it), for a plain and
 * a direct channel, on both backends.
 */
static void
test_direct_epoll(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	struct epoll_event	 ev;
	char			 buf[16];
	int			 ep, k;

	t_config(f, CAT);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	for (k = 0; k < 2; k++) {
		ch = k == 0 ? runner_get_channel(f->r, "cat") :
		    runner_get_channel_direct(f->r, "cat");
		assert_non_null(ch);
		assert_true((ep = epoll_create1(EPOLL_CLOEXEC)) >= 0);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD,
		    runner_channel_fd(ch), &ev), 0);
		assert_int_equal(epoll_wait(ep, &ev, 1, 0), 0);
		t_write_all(ch, "ping\n", 5);
		assert_int_equal(epoll_wait(ep, &ev, 1, T_WAIT_MS), 1);
		assert_true(ev.events & EPOLLIN);
		assert_int_equal(runner_channel_read(ch, buf, sizeof(buf)), 5);
		assert_memory_equal(buf, "ping\n", 5);
		close(ep);
		runner_channel_close(ch);
	}
}

/*
 * Output runnerd buffered before the handoff is read first, then what
 * was still in the socket, in order: output_buffer is 64K, so runnerd
 * holds 64K and the rest of seq's 108894 bytes waits behind it.
 */
static void
test_direct_buffered_first(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			*want, *got;
	size_t			 wlen = 0, n;
	int			 i, closed;

	if (!t_daemon())
		skip();		/* in-process nothing is buffered */
	t_config(f, "apps = { seq = { command = [\"sh\", \"-c\", "
	    "\"seq 1 20000; exec cat\"]; output_buffer = \"64K\";"
	    " restart = \"no\"; }; };");
	assert_int_equal(runner_start(f->r, "seq", NULL), 0);
	t_daemon_wait_buffered(f, "seq", 65536);
	assert_non_null(ch = runner_get_channel_direct(f->r, "seq"));
	assert_int_equal(t_daemon_status(f, "seq", "buffered"), 0);
	want = malloc(200000);
	got = malloc(200000);
	for (i = 1; i <= 20000; i++)
		wlen += (size_t)sprintf(want + wlen, "%d\n", i);
	n = t_read_upto(ch, got, wlen, &closed);
	assert_false(closed);
	assert_int_equal(n, wlen);
	assert_memory_equal(got, want, wlen);
	roundtrip(ch, "after\n");
	free(want);
	free(got);
	runner_channel_close(ch);
}

/* A second direct holder is refused; runnerd refuses to read or write. */
static void
test_direct_held(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch, *att;
	struct runner		*r2;
	char			 msg[RUNNER_ERRMSG_MAX], c;

	if (!t_daemon())
		skip();		/* in-process it is the plain channel */
	t_config(f, CAT);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "cat"));
	assert_null(runner_get_channel_direct(f->r, "cat"));
	assert_int_equal(runner_errcode(f->r), RUNNER_EEXIST);
	assert_non_null(strstr(runner_errmsg(f->r),
	    "'cat' is already held by a direct channel"));
	assert_non_null(r2 = runner_connect(f->sock));
	assert_null(runner_get_channel_direct(r2, "cat"));
	assert_int_equal(runner_errcode(r2), RUNNER_EEXIST);
	runner_free(r2);

	assert_int_equal(t_daemon_ask(f, "write", "{\"alias\": \"cat\", "
	    "\"text\": \"x\"}", NULL, msg, sizeof(msg)), RUNNER_EPERM);
	assert_non_null(strstr(msg, "held by a direct channel"));
	assert_int_equal(t_daemon_ask(f, "read", "{\"alias\": \"cat\"}",
	    NULL, msg, sizeof(msg)), RUNNER_EPERM);

	/* An attached channel gets nothing while it is held ... */
	assert_non_null(att = runner_get_channel(f->r, "cat"));
	roundtrip(ch, "direct\n");
	assert_int_equal(runner_channel_read(att, &c, 1), RUNNER_EAGAIN);
	/* ... and its input waits for the hand-back, then goes through. */
	t_write_all(att, "queued\n", 7);
	runner_channel_close(ch);
	t_expect(att, "queued\n");
	runner_channel_close(att);
}

/* Closing the handle hands the channel back; runnerd relays again. */
static void
test_direct_handback_close(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;

	if (!t_daemon())
		skip();		/* nothing to hand back in-process */
	t_config(f, CAT);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "cat"));
	roundtrip(ch, "one\n");
	runner_channel_close(ch);
	/* Attached: works whether or not runnerd has seen the close yet. */
	assert_non_null(ch = runner_get_channel(f->r, "cat"));
	roundtrip(ch, "two\n");
	runner_channel_close(ch);
	/* That echo needed runnerd to relay: the lease is over. */
	assert_int_equal(t_daemon_ask(f, "write", "{\"alias\": \"cat\", "
	    "\"text\": \"three\\n\"}", NULL, NULL, 0), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "cat"));
	t_expect(ch, "three\n");	/* runnerd's buffer comes first */
	roundtrip(ch, "four\n");
	runner_channel_close(ch);
}

/* A process that dies holding a direct channel gives it back too. */
static void
test_direct_handback_exit(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	int			 status;
	pid_t			 pid;

	if (!t_daemon())
		skip();		/* nothing to hand back in-process */
	t_config(f, CAT);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	if ((pid = fork()) == 0) {
		/* Static: still reachable when it dies holding them. */
		static struct runner		*volatile r;
		static struct runner_channel	*volatile h;
		char				 buf[6];
		int				 closed;

		if ((r = runner_connect(t_sock)) == NULL ||
		    (h = runner_get_channel_direct(r, "cat")) == NULL)
			_exit(10);
		t_write_all(h, "child\n", 6);
		if (t_read_upto(h, buf, 6, &closed) != 6 ||
		    memcmp(buf, "child\n", 6) != 0)
			_exit(11);
		_exit(0);		/* no close, no free: it just dies */
	}
	assert_true(pid > 0);
	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(ch = runner_get_channel(f->r, "cat"));
	roundtrip(ch, "parent\n");
	runner_channel_close(ch);
	assert_non_null(ch = runner_get_channel_direct(f->r, "cat"));
	roundtrip(ch, "again\n");
	runner_channel_close(ch);
}

/* The instance's end: all its output, then RUNNER_ECLOSED both ways. */
static void
test_direct_eclosed(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;

	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE would kill the test */
	t_config(f, "apps = { once = { command = [\"sh\", \"-c\", "
	    "\"read x; echo \\\"got $x\\\"\"]; restart = \"no\"; }; };");
	assert_int_equal(runner_start(f->r, "once", NULL), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "once"));
	t_write_all(ch, "hi\n", 3);
	t_expect(ch, "got hi\n");
	t_expect_closed(ch);
	assert_int_equal(runner_channel_write(ch, "x", 1), RUNNER_ECLOSED);
	assert_int_equal(runner_channel_wait(ch, 0), 0);
	runner_channel_close(ch);
}

/*
 * A grandchild that keeps the socket open does not keep the channel
 * open: runnerd closes the lease when the instance's process ends (and,
 * as a subreaper, kills such orphans; either ends the channel).
 */
static void
test_direct_stray_grandchild(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[32];
	pid_t			 stray;

	if (!t_daemon())
		skip();		/* in-process the next runner call reaps */
	t_config(f, "apps = { tree = { command = [\"sh\", \"-c\", "
	    "\"sleep 60 & echo $!; read x; echo \\\"got $x\\\"\"];"
	    " restart = \"no\"; }; };");
	assert_int_equal(runner_start(f->r, "tree", NULL), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "tree"));
	t_read_line(ch, line, sizeof(line));
	stray = atoi(line);
	assert_true(stray > 0 && t_alive(stray));
	t_write_all(ch, "hi\n", 3);
	t_expect(ch, "got hi\n");
	t_expect_closed(ch);
	if (t_alive(stray))
		kill(stray, SIGKILL);
	runner_channel_close(ch);
}

/* terminate: the direct channel reports the end at once. */
static void
test_direct_terminate(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 c;

	t_config(f, CAT);
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "cat"));
	roundtrip(ch, "bye\n");
	assert_int_equal(runner_terminate(f->r, "cat"), 0);
	assert_int_equal(runner_channel_read(ch, &c, 1), RUNNER_ECLOSED);
	assert_int_equal(runner_channel_write(ch, "x", 1), RUNNER_ECLOSED);
	runner_channel_close(ch);
	assert_null(runner_get_channel_direct(f->r, "cat"));
	assert_int_equal(runner_errcode(f->r), RUNNER_ENOALIAS);
}

/* runner_ask works on a direct channel as on any other. */
static void
test_direct_ask(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			*ext;

	t_config(f, "apps = { asker = { command = \"%s/asker\"; }; };",
	    f->helpers);
	assert_int_equal(runner_start(f->r, "asker", NULL), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "asker"));
	assert_int_equal(runner_ask(ch, "noise", "{\"x\": 1}", T_WAIT_MS,
	    &ext), 0);
	assert_string_equal(ext, "{\"x\": 1}");
	free(ext);
	runner_channel_close(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_direct_8mib,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_epoll,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_buffered_first,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_held,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_handback_close,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_handback_exit,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_eclosed,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_stray_grandchild,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_terminate,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_direct_ask,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
