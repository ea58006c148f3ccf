/*
 * test_eof.c: end of input through runnerd, and no byte into the void.
 * A filter (sort, wc -c) finishes when told its input ended: by
 * `runnerctl send --eof`, by close_input, by an attacher's half-close,
 * after all the input queued before it (MiBs, counted).  Only --eof ends
 * it; a restarted process starts with its input open.  A child that
 * closes its input, or a socket app that closes its connection, makes
 * attachers' writes fail at once (EPIPE), with the bytes not delivered
 * counted in status (input_lost).
 */

#include "daemon.h"

#define BIG	(4 * 1024 * 1024)

static int
eof_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, d_fmt(d, "apps = {\n"
	    "  sort = { command = \"sort\"; restart = \"no\"; };\n"
	    "  wc = { command = [\"wc\", \"-c\"]; restart = \"no\"; };\n"
	    /* sort, then lingers: its input ended, its process not. */
	    "  sortstay = { command = [\"sh\", \"-c\", \"sort; exec sleep "
	    "60\"]; restart = \"no\"; };\n"
	    "  cat = { command = \"cat\"; restart = \"always\"; };\n"
	    /* Echoes lines; a "die" line ends it, with 1: restarted. */
	    "  dier = { command = [\"python3\", \"-c\", \"import sys, os\\n"
	    "for l in sys.stdin:\\n if l.startswith('die'): os._exit(1)\\n"
	    " sys.stdout.write('got ' + l.strip()[:8] + '\\\\n')\\n"
	    " sys.stdout.flush()\"]; "
	    "restart = \"always\"; backoff_initial = 0.1; };\n"
	    /* Shuts its input (the socket's read side), lives on. */
	    "  shutin = { command = [\"python3\", \"-c\", \"import socket,"
	    "sys,time; s = socket.socket(fileno=0); "
	    "s.shutdown(socket.SHUT_RD); print('closed', flush=True); "
	    "time.sleep(60)\"]; restart = \"no\"; };\n"
	    /*
	     * Shuts its input once it holds unread input (its socket full:
	     * the writer is left waiting for room that never comes), and
	     * ends 2 s later.
	     */
	    "  shutin2 = { command = [\"python3\", \"-c\", \"import socket,"
	    "select,time; select.select([0], [], []); time.sleep(0.5); "
	    "s = socket.socket(fileno=0); s.shutdown(socket.SHUT_RD); "
	    "print('closed', flush=True); time.sleep(2)\"]; "
	    "restart = \"no\"; };\n"
	    /* A socket app that closes every connection at once. */
	    "  closer = { command = [\"python3\", \"-c\", \"import socket,"
	    "time; l = socket.socket(socket.AF_UNIX); l.bind('closer.sock');"
	    " l.listen(8)\\nwhile True: c, _ = l.accept(); c.close()\"]; "
	    "type = \"socket\"; socket = \"closer.sock\"; cwd = \"%s\"; "
	    "ready_timeout = 5.0; restart = \"no\"; };\n"
	    "};\n", d->dir));
	return (0);
}

/* Wait until alias has exited; it must have exited 0. */
static void
exited_ok(struct daemon *d, const char *alias)
{
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 e, le;

	e = cl_wait_state(c, alias, "exited", &j);
	le = j_type(j, e, "last_exit", JSON_OBJECT);
	assert_int_equal(j_int(j, le, "code"), 0);
	cl_close(c);
}

/* alias's status field key (an integer or a bool). */
static long long
status_int(struct daemon *d, const char *alias, const char *key)
{
	struct client	*c = cl_open(d);
	struct json	*j;
	long long	 v;
	int		 e;

	assert_true((e = cl_status_of(c, alias, &j)) != -1);
	if (json_type(j, json_get(j, e, key)) == JSON_BOOL)
		v = j_bool(j, e, key);
	else
		v = j_int(j, e, key);
	cl_close(c);
	return (v);
}

/* Everything alias writes until it ends (runnerctl read). */
static char *
read_all(struct daemon *d, const char *alias)
{
	struct buf	 all;
	struct run	*r;

	buf_init(&all);
	for (;;) {
		r = CTL(d, "read", alias, "--wait", "10");
		if (r->status != 0)
			break;
		buf_add(&all, r->out, r->outlen);
	}
	assert_non_null(strstr(r->err, "has ended"));
	buf_addc(&all, '\0');
	return (d_keep(d, buf_take(&all)));
}

/* printf ... | runnerctl send --eof sort: sorted, and sort exits 0. */
static void
test_send_eof_sort(void **state)
{
	struct daemon	*d = *state;
	const char	*in = "b\nc\na\n";

	cl_start_app(d, "sort");
	r_status(ctl_in(d, in, strlen(in), "send", "--eof", "sort", NULL), 0);
	assert_string_equal(read_all(d, "sort"), "a\nb\nc\n");
	exited_ok(d, "sort");
	/* Words and --eof: the words, then the end. */
	cl_start_app(d, "wc");
	r_status(CTL(d, "send", "--eof", "wc", "four"), 0);
	assert_string_equal(read_all(d, "wc"), "5\n");
}

/* Without --eof the end of runnerctl's stdin is not the end of sort's. */
static void
test_send_without_eof(void **state)
{
	struct daemon	*d = *state;
	const char	*in = "b\na\n";
	struct run	*r;

	cl_start_app(d, "sort");
	r_status(ctl_in(d, in, strlen(in), "send", "sort", NULL), 0);
	r_status(ctl_in(d, in, strlen(in), "send", "sort", NULL), 0);
	r = CTL(d, "read", "sort", "--wait", "0.3");
	r_status(r, 0);
	assert_int_equal(r->outlen, 0);
	assert_int_equal(status_int(d, "sort", "input_closed"), 0);
	r_status(CTL(d, "send", "--eof", "sort"), 0);
	assert_string_equal(read_all(d, "sort"), "a\na\nb\nb\n");
}

/* An attach's half-close is sort's end of input: the attach ends. */
static void
test_attach_half_close(void **state)
{
	struct daemon	*d = *state;
	const char	*in = "b\na\n";
	struct run	*r;

	cl_start_app(d, "sort");
	r = ctl_in(d, in, strlen(in), "attach", "sort", NULL);
	r_status(r, 0);
	assert_string_equal(r->out, "a\nb\n");
	exited_ok(d, "sort");
}

/* MiBs queued before the end of input all arrive before it: wc -c. */
static void
test_big_before_eof(void **state)
{
	struct daemon	*d = *state;
	char		*data, want[32];
	struct run	*r;
	size_t		 k;

	data = d_keep(d, malloc(BIG));
	for (k = 0; k < BIG; k++)
		data[k] = k % 61 == 60 ? '\n' : 'a' + k % 26;
	snprintf(want, sizeof(want), "%d\n", BIG);
	cl_start_app(d, "wc");
	r_status(ctl_in(d, data, BIG, "send", "--eof", "wc", NULL), 0);
	assert_string_equal(read_all(d, "wc"), want);
	exited_ok(d, "wc");
	/* Through an attach (spliced), half-closed at the end. */
	cl_start_app(d, "wc");
	r = ctl_in(d, data, BIG, "attach", "wc", NULL);
	r_status(r, 0);
	assert_string_equal(r->out, want);
	exited_ok(d, "wc");
}

/*
 * close_input: answered once the input before it is written, with the
 * counts; again: the same; a write after it: ECLOSED; attachers' writes
 * fail.  A restarted process (cat, restart always) has open input.
 */
static void
test_close_input(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d), *ev = cl_open(d);
	struct json	*j;
	int		 ext;
	char		*name;

	j_ok(cl_call(ev, "subscribe", NULL));
	cl_start_app(d, "cat");
	cl_line(ev);				/* started */
	j_ok(cl_call(a, "attach", "{\"alias\": \"cat\"}"));
	j_ok(cl_call(c, "write", "{\"alias\": \"cat\", \"text\": \"hi\\n\"}"));
	j = cl_call(c, "close_input", "{\"alias\": \"cat\"}");
	ext = j_ok(j);
	assert_int_equal(j_int(j, ext, "written"), 3);
	assert_int_equal(j_int(j, ext, "lost"), 0);
	/* The attacher sees the output, and its writes now fail. */
	assert_string_equal(cl_line(a), "hi");
	assert_int_equal(cl_send_try(a, "x", 1), -1);
	/* cat exits at the end of its input and is restarted. */
	for (;;) {
		j = cl_json(ev);
		assert_non_null(j);
		name = (char *)j_str(j, 0, "event");
		if (strcmp(name, "restarted") == 0 ||
		    strcmp(name, "started") == 0)
			break;
	}
	assert_int_equal(status_int(d, "cat", "input_closed"), 0);
	j_ok(cl_call(c, "write", "{\"alias\": \"cat\", \"text\": \"again\\n\"}"));
	r_status(CTL(d, "send", "--eof", "cat", "more"), 0);
	j_err(cl_call(c, "close_input", "{\"alias\": \"nope\"}"), "ENOALIAS");
	cl_close(a);
}

/* A second close_input, and a write after it; close_input when ended. */
static void
test_close_input_twice(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;

	cl_start_app(d, "sortstay");
	j_ok(cl_call(c, "write", "{\"alias\": \"sortstay\", \"text\": "
	    "\"z\\n\"}"));
	j_ok(cl_call(c, "close_input", "{\"alias\": \"sortstay\"}"));
	j_ok(cl_call(c, "close_input", "{\"alias\": \"sortstay\"}"));
	j = cl_call(c, "write", "{\"alias\": \"sortstay\", \"text\": "
	    "\"y\\n\"}");
	j_err(j, "ECLOSED");
	assert_non_null(strstr(j_str(j, 0, "message"), "not reading"));
	r = CTL(d, "read", "sortstay", "--wait", "10");
	r_status(r, 0);
	assert_string_equal(r->out, "z\n");
	/* Killed (not stopped: the alias stays), it has no input. */
	r_status(CTL(d, "kill", "sortstay"), 0);
	cl_wait_state(c, "sortstay", "exited", &j);
	j_err(cl_call(c, "close_input", "{\"alias\": \"sortstay\"}"),
	    "ECLOSED");
	r_status(CTL(d, "send", "--eof", "sortstay"), 1);
}

/*
 * Write to alias through attach a until the write fails: it must, with
 * at most max bytes taken, never stall for good.  The bytes taken.
 */
static size_t
write_until_refused(struct client *a, size_t max)
{
	static char	 chunk[65536];
	size_t		 sent = 0;
	ssize_t		 n;

	memset(chunk, 'x', sizeof(chunk));
	while (sent < max) {
		n = send(a->fd, chunk, sizeof(chunk), MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EPIPE)
			return (sent);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			fail_msg("send: %s", strerror(errno));
		if (fd_wait(a->fd, POLLOUT, clock_now() + T_WAIT_MS / 1000.0)
		    != 1)
			fail_msg("writes stall (EAGAIN) after %zu bytes", sent);
	}
	fail_msg("%zu bytes taken and no EPIPE: into the void", sent);
	return (0);
}

/* A child that closes its input and lingers: attachers' writes fail. */
static void
test_child_closes_input(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *c = cl_open(d);
	struct json	*j;
	struct run	*r;

	cl_start_app(d, "shutin");
	j_ok(cl_call(a, "attach", "{\"alias\": \"shutin\"}"));
	assert_string_equal(cl_line(a), "closed");
	write_until_refused(a, 64 * 1024 * 1024);
	assert_int_equal(status_int(d, "shutin", "input_closed"), 1);
	assert_true(status_int(d, "shutin", "input_lost") > 0);
	j = cl_call(c, "write", "{\"alias\": \"shutin\", \"text\": \"x\"}");
	j_err(j, "ECLOSED");
	r = CTL(d, "send", "shutin", "more");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "not reading its input"));
	/* A new attacher is refused input at once too. */
	cl_close(a);
	a = cl_open(d);
	j_ok(cl_call(a, "attach", "{\"alias\": \"shutin\"}"));
	assert_int_equal(write_until_refused(a, 1024 * 1024), 0);
}

/*
 * runnerctl attach says so, and goes on printing the output, also when
 * the child shut its input with runnerd's bytes unread in it (no event
 * says so: runnerd's probe finds it).
 */
static void
test_ctl_attach_refused(void **state)
{
	struct daemon	*d = *state;
	char		*data;
	struct run	*r;

	data = d_keep(d, calloc(1, BIG));
	cl_start_app(d, "shutin2");
	r = ctl_in(d, data, BIG, "attach", "shutin2", NULL);
	r_status(r, 0);
	assert_string_equal(r->out, "closed\n");
	assert_non_null(strstr(r->err, "'shutin2' stopped reading its "
	    "input"));
	assert_true(status_int(d, "shutin2", "input_lost") > 0);
}

/* A socket app that closes the connection: writes fail, the attach ends. */
static void
test_socket_app_closes(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *c = cl_open(d);

	cl_start_app(d, "closer");
	j_ok(cl_call(a, "attach", "{\"alias\": \"closer\"}"));
	write_until_refused(a, 64 * 1024 * 1024);
	while (cl_fill(a, T_WAIT_MS) > 0)
		;
	assert_true(a->eof);
	j_err(cl_call(c, "write", "{\"alias\": \"closer\", \"text\": \"x\"}"),
	    "ECLOSED");
}

/*
 * A client half-closes and vanishes once runnerd has its end of input:
 * sort still gets it, sorts, and exits 0.
 */
static void
test_half_close_vanish(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d);
	long long	 end = t_ms() + T_WAIT_MS;

	cl_start_app(d, "sort");
	j_ok(cl_call(a, "attach", "{\"alias\": \"sort\"}"));
	cl_send(a, "b\na\n", 4);
	assert_int_equal(shutdown(a->fd, SHUT_WR), 0);
	/* Its output may come to it, or its process may be gone: both end. */
	while (status_int(d, "sort", "input_closed") == 0 &&
	    status_int(d, "sort", "pid") != 0) {
		if (t_ms() > end)
			fail_msg("the half-close was not passed on");
		(void)cl_fill(a, 10);
	}
	cl_close(a);
	exited_ok(d, "sort");
}

/*
 * A process that dies with MiBs of input queued: that write is refused
 * (ECLOSED, its bytes counted not delivered), and once the policy has
 * restarted it, writes to the new process are answered again (they were
 * delivered and never answered: the dropped bytes never counted as
 * settled).
 */
static void
test_write_after_drop(void **state)
{
	struct daemon	*d = *state;
	struct client	*s = cl_open(d);
	struct buf	 in;
	struct run	*r;
	char		*name;
	struct json	*j;
	pid_t		 first;

	j_ok(cl_call(s, "subscribe", NULL));
	cl_start_app(d, "dier");
	first = cl_pid_of(s, "dier");
	buf_init(&in);
	buf_adds(&in, "die\n");
	while (buf_used(&in) < BIG)
		buf_adds(&in, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
	r = ctl_in(d, buf_head(&in), buf_used(&in), "send", "dier", NULL);
	buf_free(&in);
	r_status(r, 1);
	assert_non_null(strstr(r->err, "were not delivered"));
	assert_non_null(strstr(r->err, "the rest of the standard input "
	    "was not sent"));
	/*
	 * The next process's: the first's ready event may still be unread,
	 * and its pid still listed (its dying closed the channel, then it
	 * is reaped).
	 */
	do {
		j = cl_event(s, &name);
	} while (strcmp(name, "ready") != 0 ||
	    strcmp(j_str(j, json_get(j, 0, "ext"), "alias"), "dier") != 0 ||
	    j_int(j, json_get(j, 0, "ext"), "pid") == 0 ||
	    j_int(j, json_get(j, 0, "ext"), "pid") == first ||
	    cl_pid_of(s, "dier") != j_int(j, json_get(j, 0, "ext"), "pid"));
	r_status(CTL(d, "send", "dier", "hello"), 0);
	r = CTL(d, "read", "dier", "--wait", "10");
	r_status(r, 0);
	assert_string_equal(r->out, "got hello\n");
	assert_true(status_int(d, "dier", "input_lost") > 0);
}

/*
 * Clients that attach to a quiet instance whose input is closed, or
 * that half-close, and then leave, are gone from runnerd (hangup.c):
 * not kept, nor counted attached, until the instance writes again.
 */
static void
test_quiet_attachers_leave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 k;

	cl_start_app(d, "sortstay");
	r_status(CTL(d, "send", "--eof", "sortstay"), 0);
	for (k = 0; k < 40; k++) {
		a = cl_open(d);
		j_ok(cl_call(a, "attach", "{\"alias\": \"sortstay\"}"));
		if (k % 2 == 0)		/* half of them half-close first */
			assert_int_equal(shutdown(a->fd, SHUT_WR), 0);
		cl_close(a);
	}
	while (status_int(d, "sortstay", "attached") != 0) {
		if (t_ms() > end)
			fail_msg("%lld clients that left are still attached",
			    status_int(d, "sortstay", "attached"));
		(void)poll(NULL, 0, 10);
	}
}

#define T(f)	cmocka_unit_test_setup_teardown(f, eof_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_send_eof_sort),
		T(test_send_without_eof),
		T(test_attach_half_close),
		T(test_big_before_eof),
		T(test_close_input),
		T(test_close_input_twice),
		T(test_child_closes_input),
		T(test_ctl_attach_refused),
		T(test_socket_app_closes),
		T(test_half_close_vanish),
		T(test_write_after_drop),
		T(test_quiet_attachers_leave),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
