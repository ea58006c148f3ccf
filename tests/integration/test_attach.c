/*
 * test_attach.c: attach turns a connection into a raw byte stream to an
 * instance: input one way, output (buffered, then live) the other; two
 * attachers; leaving; the instance ending; 10 MiB through it byte-exact.
 */

#include "daemon.h"

#define BIG	(10 * 1024 * 1024)

/* Expect exactly len raw bytes equal to want on c (after any reply). */
static void
raw_expect(struct client *c, const void *want, size_t len)
{
	ssize_t	 n;

	while (buf_used(&c->in) < len) {
		n = cl_fill(c, T_WAIT_MS);
		if (n == 0)
			fail_msg("connection closed after %zu of %zu bytes",
			    buf_used(&c->in), len);
		if (n == -1)
			fail_msg("%zu of %zu bytes after %d ms",
			    buf_used(&c->in), len, T_WAIT_MS);
	}
	assert_memory_equal(buf_head(&c->in), want, len);
	buf_drop(&c->in, len);
}

/* Expect the end of the stream, with nothing more before it. */
static void
raw_expect_eof(struct client *c)
{
	ssize_t	 n;

	while ((n = cl_fill(c, T_WAIT_MS)) > 0)
		;
	if (n == -1)
		fail_msg("the connection stays open");
	if (buf_used(&c->in) > 0)
		fail_msg("%zu unexpected bytes before the end: %.*s",
		    buf_used(&c->in), (int)buf_used(&c->in), buf_head(&c->in));
}

/* Attach to alias; the reply's pid. */
static pid_t
attach(struct client *c, const char *alias)
{
	struct json	*j;
	int		 ext;

	j = cl_call(c, "attach", "{\"alias\": \"%s\"}", alias);
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "alias"), alias);
	return ((pid_t)j_int(j, ext, "pid"));
}

/* Bytes both ways; what looks like a request is just input now. */
static void
test_attach_both_ways(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);
	const char	*req = "{\"tag\": 5, \"cmd\": \"hello\"}\n";
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	assert_int_equal(attach(a, "c1"), pid);
	cl_send(a, "ping\n", 5);
	raw_expect(a, "ping\n", 5);
	cl_send(a, "\0\377\n", 3);
	raw_expect(a, "\0\377\n", 3);
	cl_send(a, req, strlen(req));
	raw_expect(a, req, strlen(req));
}

/* Output buffered before the attach comes first, then live output. */
static void
test_attach_buffered_first(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 e;

	cl_start(c, "cat", "c1");
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"early\\n\"}"));
	while ((e = cl_status_of(c, "c1", &j)) != -1 &&
	    j_int(j, e, "buffered") < 6 && t_ms() < end)
		usleep(10000);
	attach(a, "c1");
	raw_expect(a, "early\n", 6);
	cl_send(a, "late\n", 5);
	raw_expect(a, "late\n", 5);
	/* What the attacher took is no longer buffered. */
	e = cl_status_of(c, "c1", &j);
	assert_int_equal(j_int(j, e, "buffered"), 0);
}

/* Bytes sent right after the attach line are already raw input. */
static void
test_attach_bytes_after_line(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);
	struct json	*j;

	cl_start(c, "cat", "c1");
	cl_sendf(a, "{\"tag\": 3, \"cmd\": \"attach\", \"ext\": {\"alias\": "
	    "\"c1\"}}\nhello\n");
	j = cl_reply_tag(a, 3);
	j_ok(j);
	raw_expect(a, "hello\n", 6);
}

/* Two attachers both see the output; either one's input goes in. */
static void
test_attach_two(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	int		 e;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	attach(a, "c1");
	attach(b, "c1");
	cl_send(a, "from a\n", 7);
	raw_expect(a, "from a\n", 7);
	raw_expect(b, "from a\n", 7);
	cl_send(b, "from b\n", 7);
	raw_expect(a, "from b\n", 7);
	raw_expect(b, "from b\n", 7);

	/* One leaves: the instance and the other attacher go on. */
	cl_close(a);
	cl_send(b, "still\n", 6);
	raw_expect(b, "still\n", 6);
	e = cl_status_of(c, "c1", &j);
	assert_int_equal(j_int(j, e, "pid"), pid);
	assert_string_equal(j_str(j, e, "state"), "running");
	cl_close(b);
	assert_true(t_alive(pid));
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"after\"}"));
	cl_read_expect(c, "c1", "after", 5);
}

/* Attach to an unknown alias: ENOALIAS, and the connection stays JSON. */
static void
test_attach_enoalias(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d);
	struct json	*j;

	j = cl_call(a, "attach", "{\"alias\": \"nope\"}");
	assert_non_null(strstr(j_err(j, "ENOALIAS"), "nope"));
	j_ok(cl_call(a, "hello", NULL));
}

/* When the instance ends, runnerd sends its last output and closes. */
static void
test_attach_instance_ends(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);
	pid_t		 pid;

	pid = cl_start(c, "once", "o1");
	attach(a, "o1");
	cl_send(a, "hi\n", 3);
	raw_expect(a, "got hi\n", 7);
	raw_expect_eof(a);
	assert_true(t_wait_gone(pid));
	d_no_zombies(d);
}

/* Stopping the instance closes its attachers. */
static void
test_attach_stop_closes(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);

	cl_start(c, "cat", "c1");
	attach(a, "c1");
	cl_send(a, "x", 1);
	raw_expect(a, "x", 1);
	j_ok(cl_call(c, "stop", "{\"alias\": \"c1\"}"));
	raw_expect_eof(a);
}

/* The big test's bytes: every value, not periodic. */
static unsigned char *
big_data(struct daemon *d)
{
	unsigned char	*p;
	uint32_t	 x = 2463534242u;
	size_t		 i;

	assert_non_null(p = d_keep(d, malloc(BIG)));
	for (i = 0; i < BIG; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = i < 256 ? (unsigned char)i : (unsigned char)(x >> 7);
	}
	return (p);
}

/* Push all of data through a and compare what comes back, concurrently. */
static void
pump(struct client *a, const unsigned char *data, size_t len)
{
	struct pollfd	 pfd;
	unsigned char	*in;
	size_t		 sent = 0, got = 0, k;
	long long	 idle = t_ms();
	ssize_t		 n;

	assert_non_null(in = malloc(65536));
	/* Raw bytes that came with the reply line. */
	k = buf_used(&a->in);
	if (k > 0) {
		assert_true(k <= len);
		assert_memory_equal(buf_head(&a->in), data, k);
		got = k;
		buf_reset(&a->in);
	}
	while (got < len) {
		pfd.fd = a->fd;
		pfd.events = POLLIN | (sent < len ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		if (t_ms() - idle > T_WAIT_MS) {
			free(in);
			fail_msg("no progress for %d ms: sent %zu, got %zu of "
			    "%zu", T_WAIT_MS, sent, got, len);
		}
		if ((pfd.revents & POLLOUT) && sent < len) {
			k = len - sent < 65536 ? len - sent : 65536;
			n = send(a->fd, data + sent, k, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
			if (n > 0) {
				sent += (size_t)n;
				idle = t_ms();
			} else if (n == -1 && errno != EAGAIN && errno != EINTR)
				fail_msg("send after %zu bytes: %s", sent,
				    strerror(errno));
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(a->fd, in, 65536, MSG_DONTWAIT);
			if (n == 0 || (n == -1 && errno == ECONNRESET)) {
				free(in);
				fail_msg("closed after %zu of %zu bytes", got,
				    len);
			}
			if (n > 0) {
				if (got + (size_t)n > len ||
				    memcmp(in, data + got, (size_t)n) != 0) {
					free(in);
					fail_msg("bytes differ in %zu..%zu",
					    got, got + (size_t)n);
				}
				got += (size_t)n;
				idle = t_ms();
			}
		}
	}
	free(in);
}

/* 10 MiB of binary data through attach and cat, byte-exact. */
static void
test_attach_10mib(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);
	unsigned char	*data = big_data(d);
	struct json	*j;
	int		 e;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	attach(a, "c1");
	pump(a, data, BIG);
	/* Nothing more comes, nothing was dropped, and it still works. */
	assert_int_equal(cl_fill(a, 200), -1);
	e = cl_status_of(c, "c1", &j);
	assert_int_equal(j_int(j, e, "dropped"), 0);
	assert_int_equal(j_int(j, e, "pid"), pid);
	cl_send(a, "end\n", 4);
	raw_expect(a, "end\n", 4);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_attach_both_ways),
		T(test_attach_buffered_first),
		T(test_attach_bytes_after_line),
		T(test_attach_two),
		T(test_attach_enoalias),
		T(test_attach_instance_ends),
		T(test_attach_stop_closes),
		T(test_attach_10mib),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
