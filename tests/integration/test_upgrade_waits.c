/*
 * test_upgrade_waits.c: requests still waiting when runnerd upgrades
 * cross the exec and are answered once, by the new runnerd: a write
 * into an instance that does not read (answered ECLOSED once the
 * instance is killed), a read with a wait (answered with the output
 * that comes after the upgrade), a stop of an instance that ignores
 * SIGTERM (answered once the deadline the old runnerd set has killed
 * it).  Each client then gets the reply to its next request, and only
 * that: nothing was answered twice.  And an attach its client had
 * half-closed crosses half-closed, and ends with its process.
 */

#include "upgrade.h"

#define BIG_WRITE	(600 * 1024)	/* more than the channel holds */

static char *
wt_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  deaf = { command = \"sleep 300\"; restart = \"no\"; };\n"
	    "  stubborn = { command = [\"sh\", \"-c\", "
	    "\"trap '' TERM; echo ready; while :; do sleep 1; done\"]; "
	    "restart = \"no\"; stop_timeout = 3; };\n"
	    "  tail = { command = [\"sh\", \"-c\", "
	    "\"cat; trap 'echo bye; kill $!; exit 0' TERM; echo end; "
	    "sleep 300 & wait\"]; restart = \"no\"; };\n"
	    "};\n"));
}

static int
wt_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, wt_conf(d));
	return (0);
}

/* Nothing more on q than the reply to a hello now. */
static void
wt_once(struct client *q)
{
	long long	 tag = cl_req(q, "hello", NULL);

	j_ok(cl_reply_tag(q, tag));
}

static void
test_upgrade_waiting_requests(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *qw = cl_open(d), *qr = cl_open(d);
	struct client	*qs = cl_open(d);
	struct json	*j;
	char		*data;
	void		*p;
	size_t		 n;
	long long	 tw, tr, ts;
	pid_t		 deaf, stubborn;

	d_saw(d, cl_start(c, "cat", "cat"));
	d_saw(d, deaf = cl_start(c, "deaf", "deaf"));
	d_saw(d, stubborn = cl_start(c, "stubborn", "stubborn"));
	cl_read_expect(c, "stubborn", "ready\n", 6);	/* SIGTERM ignored */

	assert_non_null(data = d_keep(d, malloc(BIG_WRITE)));
	memset(data, 'x', BIG_WRITE);
	tw = cl_req(qw, "write", "{\"alias\": \"deaf\", \"data\": %s}",
	    t_b64(data, BIG_WRITE));
	tr = cl_req(qr, "read", "{\"alias\": \"cat\", \"wait\": 15}");
	ts = cl_req(qs, "stop", "{\"alias\": \"stubborn\"}");
	cl_wait_state(c, "stubborn", "stopping", &j);
	/* The write and the read waiting too, not still being read. */
	cl_wait_taken(qw);
	cl_wait_taken(qr);

	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);

	/* The read: answered with what comes now. */
	j_ok(cl_call(c, "write", "{\"alias\": \"cat\", \"text\": "
	    "\"after\\n\"}"));
	j = cl_reply_tag(qr, tr);
	p = j_b64(j, j_ok(j), "data", &n);
	assert_int_equal(n, 6);
	assert_memory_equal(p, "after\n", 6);
	/* The stop: at the deadline the old runnerd set. */
	j = cl_reply_tag(qs, ts);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "stopped",
	    JSON_ARRAY)), 1);
	assert_true(t_wait_gone(stubborn));
	/* The write: ECLOSED once deaf is gone, naming what was lost. */
	assert_int_equal(kill(deaf, SIGKILL), 0);
	j_err(cl_reply_tag(qw, tw), "ECLOSED");
	wt_once(qw);
	wt_once(qr);
	wt_once(qs);
}

/*
 * An attach half-closed by its client (its input ended, the output
 * still coming) crosses the exec so: the instance's output after the
 * upgrade reaches it, and it ends when the process does.
 */
static void
test_upgrade_attach_half_closed(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *a = cl_open(d);
	struct json	*j;
	pid_t		 pid;
	int		 e;

	d_saw(d, pid = cl_start(c, "tail", "tail"));
	j_ok(cl_call(a, "attach", "{\"alias\": \"tail\"}"));
	cl_send(a, "abc\n", 4);
	assert_int_equal(shutdown(a->fd, SHUT_WR), 0);
	while (buf_used(&a->in) < 8)
		if (cl_fill(a, T_WAIT_MS) <= 0)
			fail_msg("the attach got %zu bytes", buf_used(&a->in));
	assert_memory_equal(buf_head(&a->in), "abc\nend\n", 8);
	buf_reset(&a->in);

	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);
	e = cl_status_of(c, "tail", &j);
	assert_true(j_bool(j, e, "input_closed"));
	assert_int_equal(j_int(j, e, "attached"), 1);
	assert_int_equal(kill(pid, SIGTERM), 0);
	while (cl_fill(a, T_WAIT_MS) > 0)
		;
	assert_true(a->eof);
	assert_int_equal(buf_used(&a->in), 4);
	assert_memory_equal(buf_head(&a->in), "bye\n", 4);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, wt_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upgrade_waiting_requests),
		T(test_upgrade_attach_half_closed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
