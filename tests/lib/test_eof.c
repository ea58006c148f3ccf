/*
 * test_eof.c: runner_channel_shutdown, end of input, in both backends:
 * sort sorts and ends, MiBs written before it all arrive (wc -c), twice
 * is fine, writes after it and on a gone instance fail with ECLOSED; a
 * child that shuts its input and lingers, and a socket app that closes
 * its connection, make writes fail at once (ECLOSED), never EAGAIN
 * forever; a direct channel ends input the same way.
 */

#include "common.h"

#define BIG	(5 * 1024 * 1024)

/* The apps every test uses. */
static void
eof_config(struct fixture *f)
{
	t_config(f, "apps = {\n"
	    "  sort = { command = \"sort\"; restart = \"no\"; };\n"
	    "  wc = { command = [\"wc\", \"-c\"]; restart = \"no\"; };\n"
	    "  bye = { command = [\"sh\", \"-c\", \"read x; echo bye\"]; "
	    "restart = \"no\"; };\n"
	    "  shutin = { command = [\"python3\", \"-c\", \"import socket,"
	    "time; s = socket.socket(fileno=0); s.shutdown(socket.SHUT_RD);"
	    " print('closed', flush=True); time.sleep(60)\"]; "
	    "restart = \"no\"; };\n"
	    "  closer = { command = [\"python3\", \"-c\", \"import socket;"
	    " l = socket.socket(socket.AF_UNIX); l.bind('closer.sock'); "
	    "l.listen(8)\\nwhile True: c, _ = l.accept(); c.close()\"]; "
	    "type = \"socket\"; socket = \"closer.sock\"; cwd = \"%s\"; "
	    "restart = \"no\"; };\n"
	    "};", f->dir);
}

/* Start app and take a channel on it. */
static struct runner_channel *
start_channel(struct fixture *f, const char *app)
{
	struct runner_channel	*ch;

	eof_config(f);
	assert_int_equal(runner_start(f->r, app, NULL), 0);
	assert_non_null(ch = runner_get_channel(f->r, app));
	return (ch);
}

/*
 * Write until the channel refuses: it must say ECLOSED, having taken
 * at most max bytes, and never wait for room in vain.  The message.
 */
static const char *
write_until_closed(struct runner_channel *ch, size_t max)
{
	static char	 chunk[65536];
	struct pollfd	 pfd;
	size_t		 sent = 0;
	ssize_t		 n;

	memset(chunk, 'x', sizeof(chunk));
	while (sent < max) {
		n = runner_channel_write(ch, chunk, sizeof(chunk));
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n == RUNNER_ECLOSED)
			return (runner_channel_errmsg(ch));
		assert_int_equal(n, RUNNER_EAGAIN);
		pfd.fd = runner_channel_fd(ch);
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, T_WAIT_MS) != 1)
			fail_msg("writes stall (EAGAIN) after %zu bytes", sent);
	}
	fail_msg("%zu bytes taken, no ECLOSED: into the void", sent);
	return (NULL);
}

/* sort reads to its end of input, then sorts. */
static void
test_shutdown_sort(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch = start_channel(f, "sort");

	t_write_all(ch, "b\nc\na\n", 6);
	assert_int_equal(runner_channel_shutdown(ch), 0);
	t_expect(ch, "a\nb\nc\n");
	t_expect_closed(ch);
	runner_channel_close(ch);
}

/* Twice is no error; a write after it is ECLOSED, naming the alias. */
static void
test_shutdown_twice(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch = start_channel(f, "sort");

	t_write_all(ch, "z\n", 2);
	assert_int_equal(runner_channel_shutdown(ch), 0);
	assert_int_equal(runner_channel_shutdown(ch), 0);
	assert_int_equal(runner_channel_write(ch, "y\n", 2), RUNNER_ECLOSED);
	assert_non_null(strstr(runner_channel_errmsg(ch), "'sort'"));
	t_expect(ch, "z\n");
	t_expect_closed(ch);
	runner_channel_close(ch);
	assert_int_equal(runner_channel_shutdown(NULL), RUNNER_EINVAL);
}

/* Once the instance is gone there is no input to end: ECLOSED. */
static void
test_shutdown_gone(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch = start_channel(f, "bye");

	t_write_all(ch, "x\n", 2);
	t_expect(ch, "bye\n");
	t_expect_closed(ch);
	assert_int_equal(runner_channel_shutdown(ch), RUNNER_ECLOSED);
	assert_non_null(strstr(runner_channel_errmsg(ch), "'bye' is gone"));
	runner_channel_close(ch);
}

/* Every byte written before the end of input arrives before it. */
static void
test_shutdown_big(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch = start_channel(f, "wc");
	char			*data, want[32];
	size_t			 k;

	assert_non_null(data = malloc(BIG));
	for (k = 0; k < BIG; k++)
		data[k] = k % 61 == 60 ? '\n' : 'a' + k % 26;
	t_write_all(ch, data, BIG);
	free(data);
	assert_int_equal(runner_channel_shutdown(ch), 0);
	snprintf(want, sizeof(want), "%d\n", BIG);
	t_expect(ch, want);
	t_expect_closed(ch);
	runner_channel_close(ch);
}

/* A child that shuts its input and lingers: writes fail at once. */
static void
test_child_shuts_input(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch = start_channel(f, "shutin");
	const char		*msg;

	t_expect(ch, "closed\n");
	msg = write_until_closed(ch, 64 * 1024 * 1024);
	assert_non_null(strstr(msg, "'shutin' stopped reading its input"));
	/* And stays so. */
	assert_int_equal(runner_channel_write(ch, "x", 1), RUNNER_ECLOSED);
	if (t_daemon())
		assert_true(t_daemon_status(f, "shutin", "input_lost") > 0);
	runner_channel_close(ch);
}

/* A socket app that closes its connection: writes fail, reads end. */
static void
test_socket_app_closes(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch = start_channel(f, "closer");

	write_until_closed(ch, 64 * 1024 * 1024);
	t_expect_closed(ch);
	runner_channel_close(ch);
}

/* A direct channel ends the instance's own input. */
static void
test_shutdown_direct(void **state)
{
	struct fixture		*f = *state;
	struct runner_channel	*ch;

	eof_config(f);
	assert_int_equal(runner_start(f->r, "sort", NULL), 0);
	assert_non_null(ch = runner_get_channel_direct(f->r, "sort"));
	t_write_all(ch, "2\n1\n", 4);
	assert_int_equal(runner_channel_shutdown(ch), 0);
	t_expect(ch, "1\n2\n");
	t_expect_closed(ch);
	runner_channel_close(ch);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_shutdown_sort),
		T(test_shutdown_twice),
		T(test_shutdown_gone),
		T(test_shutdown_big),
		T(test_child_shuts_input),
		T(test_socket_app_closes),
		T(test_shutdown_direct),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
