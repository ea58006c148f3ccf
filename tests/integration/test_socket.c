/*
 * test_socket.c: socket apps.  echo is socat listening on DIR/echo.sock
 * (cwd = DIR) and running cat per connection; deaf never listens.
 * start answers once the socket accepts; a stale file there is removed
 * first; an app that never listens times out and is not left running;
 * input from a client attached before the accept waits for it.
 */

#include "daemon.h"

/* start answers once connected; status shows the socket; bytes round-trip. */
static void
test_socket_app(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct stat	 st;
	char		*sock;
	int		 e;
	pid_t		 pid;

	pid = cl_start(c, "echo", "e1");
	assert_true(t_alive(pid));
	assert_int_equal(lstat(d_fmt(d, "%s/echo.sock", d->dir), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	e = cl_status_of(c, "e1", &j);
	assert_string_equal(j_str(j, e, "type"), "socket");
	assert_string_equal(j_str(j, e, "state"), "running");
	sock = j_str(j, e, "socket");
	assert_true(strlen(sock) >= 9 &&
	    strcmp(sock + strlen(sock) - 9, "echo.sock") == 0);
	j = cl_call(c, "write", "{\"alias\": \"e1\", \"text\": \"hello\\n\"}");
	assert_int_equal(j_ok_int(j, "written"), 6);
	cl_read_expect(c, "e1", "hello\n", 6);
}

/* Binary data through the socket channel. */
static void
test_socket_app_binary(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	unsigned char	 b[4096];
	size_t		 i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 7 + i / 256);
	cl_start(c, "echo", "e1");
	j_ok(cl_call(c, "write", "{\"alias\": \"e1\", \"data\": %s}",
	    t_b64(b, sizeof(b))));
	cl_read_expect(c, "e1", b, sizeof(b));
}

/* attach to a socket app. */
static void
test_socket_app_attach(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);
	ssize_t		 n;

	cl_start(c, "echo", "e1");
	j_ok(cl_call(a, "attach", "{\"alias\": \"e1\"}"));
	cl_send(a, "over the socket\n", 16);
	while (buf_used(&a->in) < 16)
		if ((n = cl_fill(a, T_WAIT_MS)) <= 0)
			fail_msg("attach: %s", n == 0 ? "closed" : "timeout");
	assert_int_equal(buf_used(&a->in), 16);
	assert_memory_equal(buf_head(&a->in), "over the socket\n", 16);
}

/* A stale socket file where the app will listen is removed first. */
static void
test_socket_app_stale(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);

	t_stale_socket(d_fmt(d, "%s/echo.sock", d->dir));
	cl_start(c, "echo", "e1");
	j_ok(cl_call(c, "write", "{\"alias\": \"e1\", \"text\": \"x\"}"));
	cl_read_expect(c, "e1", "x", 1);
}

/* stop: socat and what it forked are gone. */
static void
test_socket_app_stop(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	pid_t		 pid;

	pid = cl_start(c, "echo", "e1");
	j_ok(cl_call(c, "write", "{\"alias\": \"e1\", \"text\": \"x\"}"));
	cl_read_expect(c, "e1", "x", 1);
	assert_true(t_procs(0, 0, pid, NULL, 0) >= 2);	/* socat forked */
	j_ok(cl_call(c, "stop", "{\"alias\": \"e1\"}"));
	assert_false(t_alive(pid));
	assert_int_equal(t_session_empty(pid, NULL), 0);
	/* And it starts again on the same path. */
	cl_start(c, "echo", "e1");
}

/* Wait (bounded) until runnerd has no child at all. */
static void
no_children(struct daemon *d)
{
	pid_t	 left[4];
	int	 i, n = 0;

	for (i = 0; i < T_WAIT_MS / 10; i++) {
		if ((n = t_procs(d->pid, 0, 0, left, 4)) == 0)
			return;
		usleep(10000);
	}
	fail_msg("runnerd still has %d child(ren), e.g. pid %ld", n,
	    (long)left[0]);
}

/* An app that never listens: ETIMEDOUT after ready_timeout, nothing left. */
static void
test_socket_app_timeout(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	long long	 t0 = t_ms();
	int		 e;

	j = cl_call(c, "start", "{\"app\": \"deaf\", \"alias\": \"x1\"}");
	assert_non_null(strstr(j_err(j, "ETIMEDOUT"), "x1"));
	assert_true(t_ms() - t0 >= 400);
	no_children(d);
	d_no_zombies(d);
	e = cl_status_of(c, "x1", &j);
	if (e != -1)
		assert_false(json_streq(j, json_get(j, e, "state"), "running"));
}

/* An app that exits before it listens: ESPAWN, at once. */
static void
test_socket_app_dies(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	long long	 t0;

	j = cl_call(c, "reload", "{\"config\": %s}", t_jstr(d_fmt(d,
	    "apps = {\n  quits = { command = [\"sh\", \"-c\", \"exit 2\"]; "
	    "type = \"socket\"; socket = \"q.sock\"; cwd = \"%s\"; "
	    "ready_timeout = 8.0; restart = \"no\"; };\n};\n", d->dir)));
	j_ok(j);
	t0 = t_ms();
	j = cl_call(c, "start", "{\"app\": \"quits\"}");
	assert_non_null(strstr(j_err(j, "ESPAWN"), "quits"));
	assert_true(t_ms() - t0 < 7000);	/* not at ready_timeout (8 s) */
	no_children(d);
	d_no_zombies(d);
}

/* The socket option of start overrides the app's path. */
static void
test_socket_override(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	j_ok(cl_call(c, "reload", "{\"config\": %s}", t_jstr(d_fmt(d,
	    "apps = {\n  any = { command = [\"sh\", \"-c\", \"exec socat "
	    "UNIX-LISTEN:$0,fork EXEC:cat\"]; type = \"socket\"; "
	    "socket = \"default.sock\"; cwd = \"%s\"; restart = \"no\"; };\n"
	    "};\n", d->dir))));
	j = cl_call(c, "start", "{\"app\": \"any\", \"alias\": \"a1\", "
	    "\"socket\": \"mine.sock\", \"args\": [\"mine.sock\"]}");
	j_ok(j);
	j_ok(cl_call(c, "write", "{\"alias\": \"a1\", \"text\": \"y\"}"));
	cl_read_expect(c, "a1", "y", 1);
	assert_int_equal(access(d_fmt(d, "%s/mine.sock", d->dir), F_OK), 0);
}

/*
 * Input from a client attached while the app has not accepted yet (it
 * is still starting) waits for the channel and is written once it
 * opens.  It went to the splice path, which needs a channel: spliced
 * into no descriptor ("splice: Bad file descriptor"), the input was
 * lost, the input closed, and the pipes made for it leaked (the soak).
 * late waits for a line on the fifo go before it listens.
 */
static void
test_socket_input_before_accept(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *a;
	struct json	*j;
	char		*fifo = d_fmt(d, "%s/go", d->dir);
	long long	 tag;
	size_t		 mark;
	ssize_t		 n;
	int		 fds, fd, said;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	fds = d_fds_probe(d);
	c = cl_open(d);
	a = cl_open(d);
	j_ok(cl_call(c, "reload", "{\"config\": %s}", t_jstr(d_fmt(d,
	    "apps = {\n  late = { command = [\"sh\", \"-c\", \"read x < go "
	    "&& exec socat UNIX-LISTEN:late.sock,fork EXEC:cat\"]; "
	    "type = \"socket\"; socket = \"late.sock\"; cwd = \"%s\"; "
	    "ready_timeout = 60.0; restart = \"no\"; };\n};\n", d->dir))));
	mark = d_log_mark(d);
	tag = cl_req(c, "start", "{\"app\": \"late\", \"alias\": \"l1\"}");
	cl_wait_state(a, "l1", "starting", &j);
	j_ok(cl_call(a, "attach", "{\"alias\": \"l1\"}"));
	cl_send(a, "early\n", 6);
	cl_wait_taken(a);		/* runnerd has it, and no channel yet */
	assert_true((fd = open(fifo, O_WRONLY | O_CLOEXEC)) != -1);
	assert_int_equal(write(fd, "go\n", 3), 3);
	close(fd);
	j_ok(cl_reply_tag(c, tag));
	while (buf_used(&a->in) < 6)
		if ((n = cl_fill(a, T_WAIT_MS)) <= 0)
			fail_msg("input written before the accept: %s (%zu "
			    "bytes came)", n == 0 ? "closed" : "timeout",
			    buf_used(&a->in));
	assert_int_equal(buf_used(&a->in), 6);
	assert_memory_equal(buf_head(&a->in), "early\n", 6);
	j_ok(cl_call(c, "stop", "{\"alias\": \"l1\"}"));
	pthread_mutex_lock(&d->mu);
	d->log[d->loglen] = '\0';	/* the drainer leaves it open */
	said = strstr(d->log + mark, "splice") != NULL;
	pthread_mutex_unlock(&d->mu);
	if (said)
		fail_msg("runnerd said:\n%s", d->log + mark);
	cl_close(a);
	cl_close(c);
	d_fds_settle(d, fds);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_socket_app),
		T(test_socket_app_binary),
		T(test_socket_app_attach),
		T(test_socket_app_stale),
		T(test_socket_app_stop),
		T(test_socket_app_timeout),
		T(test_socket_app_dies),
		T(test_socket_override),
		T(test_socket_input_before_accept),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
