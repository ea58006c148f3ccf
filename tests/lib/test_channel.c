/*
 * test_channel.c: channels to real children: stdio through cat, socket
 * apps through socat, output that outlives its writer, a 16 MiB binary
 * round trip, and writes to a child that is gone.
 */

#include "common.h"

#include <signal.h>

/* Hello through cat and back. */
static void
test_echo_cat(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 c;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat",
	    &(struct runner_start){ .alias = "c1" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "c1"));
	assert_true(runner_channel_fd(ch) >= 0);
	assert_int_equal(runner_channel_read(ch, &c, 1), RUNNER_EAGAIN);
	assert_int_equal(runner_channel_wait(ch, 0), RUNNER_ETIMEDOUT);
	t_write_all(ch, "hello\n", 6);
	t_expect(ch, "hello\n");
	runner_channel_close(ch);
}

/* Each get_channel is a handle of its own, on the same stream. */
static void
test_handles_independent(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*a, *b;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_non_null(a = runner_get_channel(f->r, "cat"));
	assert_non_null(b = runner_get_channel(f->r, "cat"));
	assert_ptr_not_equal(a, b);
	runner_channel_close(a);
	t_write_all(b, "after close\n", 12);
	t_expect(b, "after close\n");
	runner_channel_close(b);
}

static void
socket_config(struct fixture *f, const char *extra)
{
	t_config(f, "apps = { echo = { command = \"socat "
	    "UNIX-LISTEN:echo.sock,fork EXEC:cat\"; type = \"socket\";"
	    " socket = \"echo.sock\"; cwd = \"%s\"; %s }; };", f->dir, extra);
}

/* A socket app: the channel is a connection to its socket. */
static void
test_socket_echo(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;

	socket_config(f, "");
	assert_int_equal(runner_start(f->r, "echo", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "echo"));
	t_write_all(ch, "over a socket\n", 14);
	t_expect(ch, "over a socket\n");
	runner_channel_close(ch);
	assert_int_equal(runner_terminate(f->r, "echo"), 0);
}

/* A socket that appears only after a while is still connected. */
static void
test_socket_created_late(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;

	t_config(f, "apps = { late = { command = [\"sh\", \"-c\", \"sleep "
	    "0.3; exec socat UNIX-LISTEN:late.sock EXEC:cat\"];"
	    " type = \"socket\"; socket = \"late.sock\"; cwd = \"%s\"; }; };",
	    f->dir);
	assert_int_equal(runner_start(f->r, "late", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "late"));
	t_write_all(ch, "late\n", 5);
	t_expect(ch, "late\n");
	runner_channel_close(ch);
}

/* A stale socket file is replaced; a live one or a plain file is not. */
static void
test_socket_stale_replaced(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 path[128];
	FILE			*fp;

	snprintf(path, sizeof(path), "%s/echo.sock", f->dir);
	t_stale_socket(path);
	socket_config(f, "");
	assert_int_equal(runner_start(f->r, "echo", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "echo"));
	t_write_all(ch, "fresh\n", 6);
	t_expect(ch, "fresh\n");
	runner_channel_close(ch);

	/* Live: another alias on the same path would steal it. */
	assert_int_equal(runner_start(f->r, "echo",
	    &(struct runner_start){ .alias = "thief" }), RUNNER_EEXIST);
	assert_non_null(strstr(runner_errmsg(f->r), "is in use"));
	assert_int_equal(runner_terminate(f->r, "echo"), 0);

	/* Not a socket: never deleted. */
	unlink(path);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	assert_int_equal(runner_start(f->r, "echo", NULL), RUNNER_ESPAWN);
	assert_non_null(strstr(runner_errmsg(f->r), "is not a socket"));
	assert_int_equal(access(path, F_OK), 0);
}

/* The per-start socket override, resolved against cwd. */
static void
test_socket_override(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	const char		*args[] = { "UNIX-LISTEN:other.sock", "EXEC:cat",
				    NULL };

	t_config(f, "apps = { s = { command = \"socat\"; type = \"socket\";"
	    " socket = \"unused.sock\"; cwd = \"%s\"; }; };", f->dir);
	assert_int_equal(runner_start(f->r, "s",
	    &(struct runner_start){ .args = args, .socket = "other.sock" }), 0);
	assert_non_null(ch = runner_get_channel(f->r, "s"));
	t_write_all(ch, "other\n", 6);
	t_expect(ch, "other\n");
	runner_channel_close(ch);
}

/* A socket app that dies or never listens is reported at start. */
static void
test_socket_never_ready(void **state)
{
	struct fixture	*f = *state;

	t_config(f, "apps = {"
	    " dies = { command = [\"sh\", \"-c\", \"exit 7\"];"
	    "  type = \"socket\"; socket = \"d.sock\"; cwd = \"%s\"; };"
	    " mute = { command = [\"sh\", \"-c\", \"exec sleep 100\"];"
	    "  type = \"socket\"; socket = \"m.sock\"; cwd = \"%s\";"
	    "  ready_timeout = 0.3; }; };", f->dir, f->dir);
	assert_int_equal(runner_start(f->r, "dies", NULL), RUNNER_ESPAWN);
	assert_non_null(strstr(runner_errmsg(f->r),
	    "'dies' exited with status 7 before"));
	assert_int_equal(runner_start(f->r, "mute", NULL), RUNNER_ETIMEDOUT);
	assert_non_null(strstr(runner_errmsg(f->r),
	    "did not accept connections"));
	assert_int_equal(runner_terminate(f->r, "mute"), RUNNER_ENOALIAS);
}

/*
 * Output written before the child exited is read in full, then
 * RUNNER_ECLOSED.  The child prints its pid first; the test waits for
 * that pid to exit (a pidfd; it may already be reaped) before reading
 * the rest.
 */
static void
test_output_after_exit(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 line[32], *got, *want;
	size_t			 n, wlen = 0;
	int			 closed, i;

	t_config(f, "apps = { seq = { command = [\"sh\", \"-c\", "
	    "\"echo $$; exec seq 1 10000\"]; }; };");
	assert_int_equal(runner_start(f->r, "seq", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "seq"));
	t_read_line(ch, line, sizeof(line));
	assert_true(t_wait_gone(atoi(line)));
	want = malloc(65536);
	got = malloc(65536);
	for (i = 1; i <= 10000; i++)
		wlen += (size_t)sprintf(want + wlen, "%d\n", i);
	n = t_read_upto(ch, got, 65536, &closed);
	assert_true(closed);
	assert_int_equal(n, wlen);
	assert_memory_equal(got, want, wlen);
	t_expect_closed(ch);
	free(want);
	free(got);
	runner_channel_close(ch);
	/* The alias of an ended instance starts again. */
	assert_int_equal(runner_start(f->r, "seq", NULL), 0);
}

/*
 * 16 MiB of every byte value through cat and back, non-blocking both
 * ways from one poll loop: neither side may deadlock the other.
 */
static void
test_16mib_roundtrip(void **state)
{
	struct fixture		*f = *state;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	t_roundtrip(runner_get_channel(f->r, "cat"), 16 << 20, 7);
}

/* Writing to a child that is gone: RUNNER_ECLOSED, never SIGPIPE. */
static void
test_write_to_gone_child(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	char			 buf[4096];
	ssize_t			 n;
	int			 i;

	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE would kill the test */
	t_config(f, "apps = { quit = { command = \"true\"; }; };");
	assert_int_equal(runner_start(f->r, "quit", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "quit"));
	t_expect_closed(ch);
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 4; i++) {
		n = runner_channel_write(ch, buf, sizeof(buf));
		assert_int_equal(n, RUNNER_ECLOSED);
	}
	runner_channel_close(ch);
}

/* Binary data with NULs passes unchanged; a read of 0 bytes is 0. */
static void
test_binary_and_zero_length(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;
	const char		 data[] = { 0, 1, 0, (char)255, '\n', 0 };
	char			 back[sizeof(data)];
	int			 closed;

	t_config(f, "apps = { cat = { command = \"cat\"; }; };");
	assert_int_equal(runner_start(f->r, "cat", NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, "cat"));
	assert_int_equal(runner_channel_read(ch, back, 0), 0);
	assert_int_equal(runner_channel_write(ch, data, 0), 0);
	t_write_all(ch, data, sizeof(data));
	assert_int_equal(t_read_upto(ch, back, sizeof(back), &closed),
	    sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	runner_channel_close(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_cat,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_handles_independent,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_socket_echo,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_socket_created_late,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_socket_stale_replaced,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_socket_override,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_socket_never_ready,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_output_after_exit,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_16mib_roundtrip,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_write_to_gone_child,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_binary_and_zero_length,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
