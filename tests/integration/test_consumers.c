/*
 * test_consumers.c: who gets an instance's output when several consume
 * it.  Attached clients take it, each a copy from its attach on; read
 * gets nothing meanwhile; with nobody attached it is buffered for read
 * and the next attacher, who gets it first.  An attacher that leaves
 * without reading loses only what was already in its own socket: what
 * runnerd still held for it goes back to the buffer, so read then gets
 * the rest, in order, with nothing missing in between.
 */

#include <sys/ioctl.h>

#include "daemon.h"

#define GEN_LINES	350000		/* 9 bytes each: about 3 MiB */

static int
consumers_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	/* gen: on a line, numbered lines and END, then it lingers. */
	d_start(d, d_fmt(d, "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  gen = { command = [\"python3\", \"-c\", \"import sys,time\\n"
	    "sys.stdin.readline()\\nw = sys.stdout.write\\n"
	    "for k in range(%d): w('%%08d\\\\n' %% k)\\n"
	    "w('END\\\\n'); sys.stdout.flush(); time.sleep(60)\"]; "
	    "restart = \"no\"; };\n"
	    "  genlog = { command = [\"python3\", \"-c\", \"import sys,time\\n"
	    "sys.stdin.readline()\\nw = sys.stdout.write\\n"
	    "for k in range(%d): w('%%08d\\\\n' %% k)\\n"
	    "w('END\\\\n'); sys.stdout.flush(); time.sleep(60)\"]; "
	    "log = \"%s/genlog.log\"; restart = \"no\"; };\n"
	    "};\n", GEN_LINES, GEN_LINES, d->dir));
	return (0);
}

/* Attach c to alias. */
static void
attach(struct client *c, const char *alias)
{
	j_ok(cl_call(c, "attach", "{\"alias\": \"%s\"}", alias));
}

/* Write text to alias through a write request on c. */
static void
put(struct client *c, const char *alias, const char *text)
{
	j_ok(cl_call(c, "write", "{\"alias\": \"%s\", \"text\": \"%s\"}",
	    alias, text));
}

/* What a read request returns (waiting up to 5 s for some), kept. */
static char *
read_now(struct client *c, const char *alias, const char *wait)
{
	struct json	*j;
	size_t		 n;
	char		*p, *s;

	j = cl_call(c, "read", "{\"alias\": \"%s\", \"wait\": %s}", alias,
	    wait);
	p = j_b64(j, j_ok(j), "data", &n);
	assert_non_null(s = malloc(n + 1));
	memcpy(s, p, n);
	s[n] = '\0';
	return (d_keep(c->d, s));
}

/* Wait (bounded) until runnerd counts n attachers of alias. */
static void
wait_attached(struct client *c, const char *alias, long long n)
{
	long long	 end = t_ms() + T_WAIT_MS;
	struct json	*j;
	int		 e;

	for (;;) {
		e = cl_status_of(c, alias, &j);
		if (j_int(j, e, "attached") == n)
			return;
		if (t_ms() > end)
			fail_msg("'%s' has not %lld attachers", alias, n);
		usleep(2000);
	}
}

/* read vs attach vs a second attacher, and the next attacher. */
static void
test_read_attach_second(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d), *b = cl_open(d);
	struct client	*n;
	struct json	*j;
	int		 e;

	d_saw(d, cl_start(c, "cat", "cat"));
	attach(a, "cat");
	put(c, "cat", "one\\n");
	assert_string_equal(cl_line(a), "one");
	assert_string_equal(read_now(c, "cat", "0.2"), "");	/* a took it */
	attach(b, "cat");
	put(c, "cat", "two\\n");
	assert_string_equal(cl_line(a), "two");		/* each a copy */
	assert_string_equal(cl_line(b), "two");
	cl_close(b);
	wait_attached(c, "cat", 1);
	put(c, "cat", "three\\n");
	assert_string_equal(cl_line(a), "three");
	cl_close(a);
	wait_attached(c, "cat", 0);
	/* Nobody attached: buffered, for read ... */
	put(c, "cat", "four\\n");
	assert_string_equal(read_now(c, "cat", "5"), "four\n");
	/* ... and for the next attacher, first. */
	put(c, "cat", "five\\n");
	n = cl_open(d);
	attach(n, "cat");
	assert_string_equal(cl_line(n), "five");
	put(c, "cat", "six\\n");
	assert_string_equal(cl_line(n), "six");
	e = cl_status_of(c, "cat", &j);
	assert_int_equal(j_int(j, e, "dropped"), 0);
}

/*
 * Bytes queued to c's socket and not read by it, once that stops
 * growing: the same thrice while runnerd and pid (the writer) both
 * sleep.  On a loaded machine either may merely wait for a CPU (state
 * R) for that long, and runnerd would then send more.
 */
static int
socket_full(struct daemon *d, struct client *c, pid_t pid)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 inq, last = -1, same = 0, asleep;

	for (;;) {
		assert_int_equal(ioctl(c->fd, FIONREAD, &inq), 0);
		asleep = t_state(d->pid, NULL, NULL) == 'S' &&
		    t_state(pid, NULL, NULL) == 'S';
		/* Still growing: runnerd sends; stable thrice: it cannot. */
		if (inq > 4096 && inq == last && asleep && ++same == 3)
			return (inq);
		if (inq != last || !asleep)
			same = 0;
		last = inq;
		if (t_ms() > end)
			fail_msg("the attacher's socket holds %d bytes", inq);
		usleep(50000);
	}
}

/*
 * An attacher that leaves without reading: it loses exactly what was in
 * its socket; what runnerd held for it (its queue, the splice pipe) goes
 * back to the buffer, and read gets all the rest in order, to END.
 */
static void
leaves(struct daemon *d, const char *app)
{
	struct client	*c = cl_open(d), *a = cl_open(d);
	struct buf	 all;
	struct json	*j;
	struct run	*r;
	const char	*p;
	long long	 k, first;
	int		 inq, e;
	pid_t		 pid;

	d_saw(d, pid = cl_start(c, app, app));
	attach(a, app);
	put(c, app, "go\\n");
	inq = socket_full(d, a, pid);
	cl_close(a);
	wait_attached(c, app, 0);
	buf_init(&all);
	while (buf_used(&all) < 4 || memcmp(buf_head(&all) + buf_used(&all) -
	    4, "END\n", 4) != 0) {
		r = CTL(d, "read", app, "--wait", "10");
		r_status(r, 0);
		assert_true(r->outlen > 0);
		buf_add(&all, r->out, r->outlen);
	}
	/* A suffix of the stream, in order: first..GEN_LINES-1, END. */
	p = buf_head(&all);
	assert_int_equal((buf_used(&all) - 4) % 9, 0);
	first = GEN_LINES - (long long)(buf_used(&all) - 4) / 9;
	for (k = first; k < GEN_LINES; k++, p += 9) {
		if (strtoll(p, NULL, 10) != k)
			fail_msg("line %lld is %.8s", k, p);
	}
	/* What is missing is exactly what the attacher's socket held. */
	assert_int_equal(first * 9, inq);
	e = cl_status_of(c, app, &j);
	assert_int_equal(j_int(j, e, "dropped"), 0);
	buf_free(&all);
}

/* Spliced: what runnerd holds for it is in the splice pipe. */
static void
test_attacher_leaves(void **state)
{
	leaves(*state, "gen");
}

/* With a log copy (no splice): in its queue, up to 4 MiB. */
static void
test_attacher_leaves_queued(void **state)
{
	leaves(*state, "genlog");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, consumers_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_read_attach_second),
		T(test_attacher_leaves),
		T(test_attacher_leaves_queued),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
