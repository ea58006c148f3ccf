/*
 * test_splice.c: the relay's zero-copy path (runnerd/splice.c), which
 * serves a lone attacher, at the moments it has bytes in flight in its
 * pipes: the instance exits, or is stopped while blocked on a full relay
 * (all it wrote arrives, in order, then the end); a second attacher joins mid-stream
 * (the first sees every byte in order, the second a suffix of the same
 * stream); the attacher leaves with bytes in flight (runnerd goes on,
 * its pipes are closed, a new attacher gets live output); input that
 * waits in the pipe while the child is slow comes out whole and in order.
 */

#include "daemon.h"

#define LINES	200000		/* seq 1 LINES: about 1.3 MB */
#define MANY	1000000		/* seq 1 MANY: 6.9 MB, more than fits */

static const char splice_conf[] =
    "apps = {\n"
    "  burst = { command = [\"sh\", \"-c\", \"read x; seq 1 200000\"]; "
    "restart = \"no\"; };\n"
    "  flood = { command = [\"sh\", \"-c\", \"read x; exec seq 1 1000000\"]; "
    "restart = \"no\"; };\n"
    "  yes = { command = \"yes\"; restart = \"no\"; };\n"
    "  slowcat = { command = [\"sh\", \"-c\", \"sleep 0.3; exec cat\"]; "
    "restart = \"no\"; };\n"
    "};\n";

/* What `seq 1 lines` prints; *len its length (kept). */
static char *
seq_text(struct daemon *d, int lines, size_t *len)
{
	struct buf	 b;
	int		 k;

	buf_init(&b);
	for (k = 1; k <= lines; k++)
		buf_printf(&b, "%d\n", k);
	*len = buf_used(&b);
	return (d_keep(d, buf_take(&b)));
}

/* Bytes pid has written, from /proc/PID/io. */
static long long
s_wchar(pid_t pid)
{
	char		 path[64], line[128];
	long long	 n = -1;
	FILE		*fp;

	snprintf(path, sizeof(path), "/proc/%ld/io", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "wchar: %lld", &n) == 1)
			break;
	fclose(fp);
	return (n);
}

/*
 * Wait (bounded) until pid is blocked writing: its output fills every
 * buffer on the way, the client's socket and runnerd's pipe included.
 * Seen as its write count standing still across 100 ms while it and
 * runnerd both sleep: on a loaded machine a process that merely waits
 * for a CPU (state R) stands still that long too.
 */
static void
s_wait_stalled(struct daemon *d, pid_t pid)
{
	long long	 end = t_ms() + T_WAIT_MS, last = -1, now;
	int		 asleep, was = 0;

	for (;;) {
		now = s_wchar(pid);
		asleep = t_state(pid, NULL, NULL) == 'S' &&
		    t_state(d->pid, NULL, NULL) == 'S';
		if (now > 0 && now == last && asleep && was)
			return;
		if (t_ms() > end)
			fail_msg("pid %ld still writes after %d ms", (long)pid,
			    T_WAIT_MS);
		last = now;
		was = asleep;
		usleep(100000);
	}
}

static void
s_attach(struct client *c, const char *alias)
{
	struct json	*j;

	j = cl_call(c, "attach", "{\"alias\": \"%s\"}", alias);
	j_ok(j);
}

/* Read c until the connection ends; fails after T_WAIT_MS of silence. */
static void
s_read_to_end(struct client *c)
{
	ssize_t	 n;

	while ((n = cl_fill(c, T_WAIT_MS)) > 0)
		;
	if (n == -1)
		fail_msg("no end after %zu bytes", buf_used(&c->in));
}

/* The instance exits while its last output is still in flight. */
static void
test_exit_with_bytes_in_flight(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *a;
	struct json	*j;
	size_t		 len;
	char		*want;

	d_start(d, splice_conf);
	c = cl_open(d);
	a = cl_open(d);
	want = seq_text(d, LINES, &len);
	d_saw(d, cl_start(c, "burst", "b1"));
	s_attach(a, "b1");
	cl_send(a, "go\n", 3);
	/* Not reading yet: the output waits in sockets and the pipe. */
	cl_wait_state(c, "b1", "exited", &j);
	s_read_to_end(a);
	assert_int_equal(buf_used(&a->in), len);
	assert_memory_equal(buf_head(&a->in), want, len);
}

/*
 * Start flood as f1 with a attached and going; *want is its whole
 * output (kept), *len its length.  The pid.
 */
static pid_t
s_flood(struct daemon *d, struct client *c, struct client *a, char **want,
    size_t *len)
{
	pid_t	 pid;

	*want = seq_text(d, MANY, len);
	d_saw(d, pid = cl_start(c, "flood", "f1"));
	s_attach(a, "f1");
	cl_send(a, "go\n", 3);
	return (pid);
}

/*
 * Stopped while blocked on a full relay: the client gets every byte the
 * instance wrote, the ones in runnerd's pipe included, in order.
 */
static void
test_stop_with_bytes_in_flight(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *a;
	size_t		 len, n;
	char		*want;
	pid_t		 pid;

	d_start(d, splice_conf);
	c = cl_open(d);
	a = cl_open(d);
	pid = s_flood(d, c, a, &want, &len);
	s_wait_stalled(d, pid);
	j_ok(cl_call(c, "stop", "{\"alias\": \"f1\"}"));
	s_read_to_end(a);
	n = buf_used(&a->in);
	if (n < 1000000 || n >= len)
		fail_msg("%zu bytes of %zu came", n, len);
	assert_memory_equal(buf_head(&a->in), want, n);
}

/* A second attacher mid-stream: both streams stay whole and in order. */
static void
test_second_attacher_midstream(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *a, *b;
	size_t		 len, n;
	char		*want;
	pid_t		 pid;

	d_start(d, splice_conf);
	c = cl_open(d);
	a = cl_open(d);
	b = cl_open(d);
	pid = s_flood(d, c, a, &want, &len);
	while (buf_used(&a->in) < 100000)
		if (cl_fill(a, T_WAIT_MS) <= 0)
			fail_msg("only %zu bytes came", buf_used(&a->in));
	/* a stops reading: bytes for it wait in the pipe as b comes. */
	s_wait_stalled(d, pid);
	s_attach(b, "f1");
	s_read_to_end(a);
	s_read_to_end(b);
	assert_int_equal(buf_used(&a->in), len);
	assert_memory_equal(buf_head(&a->in), want, len);
	n = buf_used(&b->in);
	if (n == 0 || n >= len)
		fail_msg("the second attacher got %zu of %zu bytes", n, len);
	assert_memory_equal(buf_head(&b->in), want + len - n, n);
}

/* The attacher leaves mid-stream: nothing leaks, a new one gets output. */
static void
test_attacher_leaves_in_flight(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *a;
	int		 fds, k;

	d_start(d, splice_conf);
	c = cl_open(d);
	d_saw(d, cl_start(c, "yes", "y1"));
	fds = d_fds_probe(d);
	for (k = 0; k < 5; k++) {
		a = cl_open(d);
		s_attach(a, "y1");
		while (buf_used(&a->in) < 1000000)
			if (cl_fill(a, T_WAIT_MS) <= 0)
				fail_msg("yes stopped after %zu bytes",
				    buf_used(&a->in));
		assert_memory_equal(buf_head(&a->in), "y\ny\ny\n", 6);
		cl_close(a);
	}
	/* runnerd answers at once, and its pipes went with the attacher. */
	j_ok(cl_call(c, "status", NULL));
	d_fds_settle(d, fds);
	a = cl_open(d);
	s_attach(a, "y1");
	if (cl_fill(a, T_WAIT_MS) <= 0)
		fail_msg("no output after re-attaching");
}

/* Input waits in the pipe while the child is slow: all of it, in order. */
static void
test_input_waits_in_flight(void **state)
{
	struct daemon	*d = *state;
	struct client	*c, *a;
	size_t		 len, sent = 0, n;
	char		*want;

	d_start(d, splice_conf);
	c = cl_open(d);
	a = cl_open(d);
	want = seq_text(d, LINES, &len);
	d_saw(d, cl_start(c, "slowcat", "s1"));
	s_attach(a, "s1");
	/* Send and read in turns so neither side's buffers fill for good. */
	while (sent < len) {
		n = len - sent < 65536 ? len - sent : 65536;
		cl_send(a, want + sent, n);
		sent += n;
		while (cl_fill(a, 0) > 0)
			;
	}
	while (buf_used(&a->in) < len)
		if (cl_fill(a, T_WAIT_MS) <= 0)
			fail_msg("%zu of %zu bytes came back",
			    buf_used(&a->in), len);
	assert_int_equal(buf_used(&a->in), len);
	assert_memory_equal(buf_head(&a->in), want, len);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_exit_with_bytes_in_flight),
		T(test_stop_with_bytes_in_flight),
		T(test_second_attacher_midstream),
		T(test_attacher_leaves_in_flight),
		T(test_input_waits_in_flight),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
