/*
 * test_clients.c: clients that vanish at awkward moments (mid-line, with
 * replies pending, in the middle of a waiting request, mid-attach) and
 * many clients at once.  After each, runnerd must still serve a new
 * client, hold as many descriptors as before (counted in /proc) and have
 * no zombie child.
 */

#include "daemon.h"

/* Send what fits without waiting, then close: a client that gives up. */
static void
send_and_vanish(struct client *c, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		n = send(c->fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		s += n;
		len -= (size_t)n;
	}
	cl_close(c);
}

/* A new client is served, the descriptors are back to base, no zombie. */
static void
still_fine(struct daemon *d, int base)
{
	struct client	*c = cl_open(d);

	j_ok(cl_call(c, "hello", NULL));
	cl_close(c);
	d_fds_settle(d, base);
	d_no_zombies(d);
}

/* Half a request, then gone. */
static void
test_vanish_mid_line(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	int		 base = d_fds_probe(d), i;

	for (i = 0; i < 5; i++) {
		c = cl_open(d);
		cl_sendf(c, "{\"tag\": 1, \"cmd\": \"sta");
		cl_close(c);
	}
	still_fine(d, base);
}

/* 50 status requests sent, no reply read. */
static void
test_vanish_replies_pending(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct buf	 b;
	int		 base, i;

	cl_start(c, "cat", "c1");
	cl_start(c, "silent", "s1");
	cl_close(c);
	base = d_fds_probe(d);
	buf_init(&b);
	for (i = 0; i < 50; i++)
		buf_printf(&b, "{\"tag\": %d, \"cmd\": \"status\"}\n", i);
	c = cl_open(d);
	cl_send(c, buf_head(&b), buf_used(&b));
	cl_close(c);
	buf_free(&b);
	still_fine(d, base);
}

/* So many replies pending that runnerd cannot write them all, then gone. */
static void
test_vanish_output_full(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct buf	 b;
	int		 base = d_fds_probe(d), i;

	buf_init(&b);
	for (i = 0; i < 2000; i++)
		buf_printf(&b, "{\"tag\": %d, \"cmd\": \"apps\"}\n", i);
	c = cl_open(d);
	send_and_vanish(c, buf_head(&b), buf_used(&b));
	buf_free(&b);
	still_fine(d, base);
}

/* A read that waits, and a write that cannot finish, then gone. */
static void
test_vanish_mid_request(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	unsigned char	*big;
	char		*req;
	int		 base;
	pid_t		 pid;

	cl_start(c, "cat", "c1");
	pid = cl_start(c, "silent", "s1");
	cl_close(c);
	base = d_fds_probe(d);

	/* Each request taken (so handled: waiting) before its client goes. */
	c = cl_open(d);
	cl_sendf(c, "{\"tag\": 1, \"cmd\": \"read\", \"ext\": {\"alias\": "
	    "\"c1\", \"wait\": 0.3}}\n");
	cl_wait_taken(c);
	cl_close(c);

	/* silent never reads its input: this write cannot finish. */
	assert_non_null(big = d_keep(d, calloc(1, 512 * 1024)));
	req = d_fmt(d, "{\"tag\": 2, \"cmd\": \"write\", \"ext\": {\"alias\": "
	    "\"s1\", \"data\": %s}}\n", t_b64(big, 512 * 1024));
	c = cl_open(d);
	cl_send(c, req, strlen(req));
	cl_wait_taken(c);
	cl_close(c);
	/* Past the read's wait, counted from after it was surely taken. */
	usleep(400000);
	still_fine(d, base);

	/* Both instances still answer. */
	c = cl_open(d);
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"x\"}"));
	cl_read_expect(c, "c1", "x", 1);
	j_ok(cl_call(c, "stop", "{\"alias\": \"s1\"}"));
	assert_false(t_alive(pid));
}

/* Read from alias until what came ends with tail. */
static void
read_until(struct client *c, const char *alias, const char *tail)
{
	struct buf	 got;
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	size_t		 n, k = strlen(tail);
	void		*p;

	buf_init(&got);
	while (buf_used(&got) < k || memcmp(buf_head(&got) + buf_used(&got) -
	    k, tail, k) != 0) {
		if (t_ms() > end)
			fail_msg("'%s' never gave \"%s\"", alias, tail);
		j = cl_call(c, "read", "{\"alias\": \"%s\", \"wait\": 1}", alias);
		p = j_b64(j, j_ok(j), "data", &n);
		assert_int_equal(buf_add(&got, p, n), 0);
	}
	buf_free(&got);
}

/* An attached client that leaves: the instance goes on. */
static void
test_vanish_mid_attach(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a;
	struct json	*j;
	int		 base, e;
	pid_t		 pid;

	pid = cl_start(c, "cat", "c1");
	cl_close(c);
	base = d_fds_probe(d);
	a = cl_open(d);
	j_ok(cl_call(a, "attach", "{\"alias\": \"c1\"}"));
	cl_send(a, "abc", 3);
	cl_close(a);

	c = cl_open(d);
	e = cl_status_of(c, "c1", &j);
	assert_int_equal(j_int(j, e, "pid"), pid);
	assert_string_equal(j_str(j, e, "state"), "running");
	assert_true(t_alive(pid));
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"x\\n\"}"));
	read_until(c, "c1", "x\n");
	cl_close(c);
	still_fine(d, base);
}

/* An attached client that floods the instance and never reads, then goes. */
static void
test_vanish_attach_unread(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *a;
	char		*chunk;
	int		 base = d_fds_probe(d), i;
	pid_t		 pid;

	c = cl_open(d);
	pid = cl_start(c, "cat", "c1");
	a = cl_open(d);
	j_ok(cl_call(a, "attach", "{\"alias\": \"c1\"}"));
	assert_non_null(chunk = d_keep(d, malloc(65536)));
	memset(chunk, 'z', 65536);
	for (i = 0; i < 64; i++) {
		if (send(a->fd, chunk, 65536, MSG_NOSIGNAL | MSG_DONTWAIT) <= 0 &&
		    fd_wait(a->fd, POLLOUT, clock_now() + 0.2) != 1)
			break;
	}
	cl_close(a);
	/* runnerd is not stuck on the output nobody reads. */
	j_ok(cl_call(c, "hello", NULL));
	j_ok(cl_call(c, "stop", "{\"alias\": \"c1\"}"));
	assert_false(t_alive(pid));
	cl_close(c);
	still_fine(d, base);
}

/* A subscriber that leaves before the events come. */
static void
test_vanish_subscriber(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *s;
	int		 base = d_fds_probe(d), i;

	for (i = 0; i < 3; i++) {
		s = cl_open(d);
		j_ok(cl_call(s, "subscribe", NULL));
		cl_close(s);
	}
	c = cl_open(d);
	cl_start(c, "cat", "c1");
	j_ok(cl_call(c, "stop", "{\"alias\": \"c1\"}"));
	cl_close(c);
	still_fine(d, base);
}

/* 100 clients at once, each served; then all gone. */
static void
test_many_clients(void **state)
{
	struct daemon	*d = *state;
	struct client	*c[100];
	long long	 tags[100];
	int		 base = d_fds_probe(d), i;

	for (i = 0; i < 100; i++)
		c[i] = cl_open(d);
	for (i = 0; i < 100; i++)
		tags[i] = cl_req(c[i], i % 2 ? "status" : "hello", NULL);
	for (i = 99; i >= 0; i--)
		j_ok(cl_reply_tag(c[i], tags[i]));
	for (i = 0; i < 100; i++)
		cl_close(c[i]);
	still_fine(d, base);
}

/* Connections come and go: no descriptor is left behind by any of them. */
static void
test_connections_do_not_leak(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	int		 base = d_fds_probe(d), i;

	for (i = 0; i < 100; i++) {
		c = cl_open(d);
		if (i % 3 == 0)
			j_ok(cl_call(c, "hello", NULL));
		else if (i % 3 == 1)
			cl_sendf(c, "{\"tag\": 1, \"cmd\": \"status\"}\n");
		cl_close(c);
	}
	still_fine(d, base);
}

/* Read alias until ECLOSED: all its output taken, the instance over. */
static void
drain_closed(struct client *c, const char *alias)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;

	for (;;) {
		j = cl_call(c, "read", "{\"alias\": \"%s\", \"wait\": 1}",
		    alias);
		if (json_streq(j, json_get(j, 0, "error"), "ECLOSED"))
			return;
		j_ok(j);
		if (t_ms() > end)
			fail_msg("'%s' never reached ECLOSED", alias);
	}
}

/* Instances that come and go leave no descriptor and no zombie either. */
static void
test_instances_do_not_leak(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	int		 base = d_fds_probe(d), i;

	c = cl_open(d);
	for (i = 0; i < 10; i++) {
		cl_start(c, "cat", "c1");
		cl_start(c, "bye", "b1");
		j_ok(cl_call(c, "stop", "{\"alias\": \"c1\"}"));
		j_err(cl_call(c, "start", "{\"app\": \"noexec\"}"), "ESPAWN");
		drain_closed(c, "b1");
	}
	cl_close(c);
	still_fine(d, base);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vanish_mid_line),
		T(test_vanish_replies_pending),
		T(test_vanish_output_full),
		T(test_vanish_mid_request),
		T(test_vanish_mid_attach),
		T(test_vanish_attach_unread),
		T(test_vanish_subscriber),
		T(test_many_clients),
		T(test_connections_do_not_leak),
		T(test_instances_do_not_leak),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
