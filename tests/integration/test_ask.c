/*
 * test_ask.c: runnerctl ask ALIAS CMD [JSON] against tests/helpers/asker,
 * a child that answers tagged JSON lines: the reply's ext on stdout, and
 * the exit statuses (0 done, 1 refused, timed out or ended, 2 usage,
 * 3 no daemon).  Against tests/helpers/tagged.py (a python3 child that
 * misbehaves): its own untagged errors skipped, a late reply that
 * answers no later runnerctl, an exit under a restart policy that ends
 * the ask at once, two runnerctl loops asking at once.  Also the raw
 * "direct" request: its reply and its lease.
 */

#include "daemon.h"

/* runnerd with the asker (plain, and after a line of noise) and cat. */
static int
ask_setup(void **state)
{
	struct daemon	*d;
	char		 asker[PATH_MAX], tagged[PATH_MAX];

	t_setup_bare(state);
	d = *state;
	if (realpath("tests/helpers/asker", asker) == NULL)
		fail_msg("tests/helpers/asker: %s", strerror(errno));
	if (realpath("tests/helpers/tagged.py", tagged) == NULL)
		fail_msg("tests/helpers/tagged.py: %s", strerror(errno));
	d_start(d, d_fmt(d, "apps = {\n"
	    "  asker = { command = \"%s\"; restart = \"no\"; };\n"
	    "  noisy = { command = [\"sh\", \"-c\", \"echo not a reply; "
	    "exec %s\"]; restart = \"no\"; };\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  tagged = { command = [\"python3\", \"%s\"]; "
	    "restart = \"no\"; };\n"
	    "  again = { command = [\"python3\", \"%s\"]; "
	    "restart = \"always\"; backoff_initial = 3600; "
	    "backoff_max = 3600; };\n"
	    "};\n", asker, asker, tagged, tagged));
	return (0);
}

/* Start app under alias (its pid is checked at teardown). */
static void
start(struct daemon *d, const char *app)
{
	struct client	*c = cl_open(d);

	d_saw(d, cl_start(c, app, app));
	cl_close(c);
}

/* r exited 0 printing want, or 1 with an error that starts with want. */
static void
r_says(const struct run *r, int status, const char *want)
{
	r_status(r, status);
	if (status == 0)
		assert_string_equal(r->out, want);
	else if (strncmp(r->err, want, strlen(want)) != 0)
		fail_msg("stderr '%s' does not start with '%s'", r->err, want);
}

/* The reply's ext, as JSON, on stdout; other lines are skipped. */
static void
test_ask_reply(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	start(d, "asker");
	r = CTL(d, "ask", "asker", "echo", "{\"a\": [1, 2, \"\\u00e9\"]}");
	r_status(r, 0);
	assert_string_equal(r->out, "{\"a\": [1, 2, \"\\u00e9\"]}\n");
	assert_int_equal(r->errlen, 0);
	r = CTL(d, "ask", "asker", "noise", "7");
	r_status(r, 0);
	assert_string_equal(r->out, "7\n");
	/* No ext either way: {} */
	r = CTL(d, "ask", "asker", "echo");
	r_status(r, 0);
	assert_string_equal(r->out, "{}\n");
	/* What the instance wrote before (buffered by runnerd) is skipped. */
	start(d, "noisy");
	r = CTL(d, "ask", "noisy", "echo", "{}");
	r_status(r, 0);
	assert_string_equal(r->out, "{}\n");
}

/* The instance's refusal: exit 1, its code and message. */
static void
test_ask_refused(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	start(d, "asker");
	r = CTL(d, "ask", "asker", "fail");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: EINVAL: you asked for it\n");
	assert_int_equal(r->outlen, 0);
	r = CTL(d, "--json", "ask", "asker", "what");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: ENOCMD: unknown command\n");
	assert_string_equal(r->out, "{\"error\":\"ENOCMD\",\"message\":"
	    "\"unknown command\"}\n");
	r = CTL(d, "ask", "nobody", "echo");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: ENOALIAS: no instance named "
	    "'nobody'\n");
}

/* No answer in time, or an instance that ends first: exit 1. */
static void
test_ask_timeout_and_end(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	long long	 t0;

	start(d, "asker");
	t0 = t_ms();
	r = CTL(d, "ask", "asker", "silent", "--timeout", "0.3");
	r_status(r, 1);
	assert_true(t_ms() - t0 >= 300);
	assert_string_equal(r->err, "runnerctl: ETIMEDOUT: 'asker' did not "
	    "answer 'silent' within 0.3 s\n");
	/* The instance is still there and answers. */
	r_status(CTL(d, "ask", "asker", "echo", "1"), 0);
	r = CTL(d, "ask", "asker", "exit");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: ECLOSED: 'asker' ended "
	    "before it answered 'exit'\n");
	r = CTL(d, "ask", "asker", "echo");
	r_status(r, 1);
	assert_true(strncmp(r->err, "runnerctl: ECLOSED: ", 20) == 0);
}

/*
 * The child's junk and untagged {"ok": false} lines are skipped; a reply
 * that comes after its runnerctl gave up answers no later one (each
 * connection has its own tags, and every attacher sees every reply).
 */
static void
test_ask_truth(void **state)
{
	struct daemon	*d = *state;

	start(d, "tagged");
	r_says(CTL(d, "ask", "tagged", "junk", "[1, 2]"), 0, "[1, 2]\n");
	r_says(CTL(d, "ask", "tagged", "hold", "--timeout", "0.3"), 1,
	    "runnerctl: ETIMEDOUT: ");
	r_says(CTL(d, "ask", "tagged", "echo", "3", "--timeout", "30"), 0,
	    "3\n");
	r_says(CTL(d, "ask", "tagged", "half", "--timeout", "0.3"), 1,
	    "runnerctl: ETIMEDOUT: ");
	r_says(CTL(d, "ask", "tagged", "pieces", "4", "--timeout", "30"), 0,
	    "4\n");
}

/*
 * An instance whose process exits mid-ask and is restarted: ECLOSED at
 * once (not the timeout, which once ran out against the new process);
 * the new process answers the next runnerctl; while it waits to restart
 * there is nobody to ask: ECLOSED at once too.
 */
static void
test_ask_restarted(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	long long	 pid;
	char		*name;
	int		 e;

	d_saw(d, pid = cl_start(c, "again", "again"));
	j_ok(cl_call(s, "subscribe", NULL));
	r_says(CTL(d, "ask", "again", "exit", "--timeout", "30"), 1,
	    "runnerctl: ECLOSED: 'again' ");
	/* The new process is ready: its event says so. */
	do {
		j = cl_event(s, &name);
		e = json_get(j, 0, "ext");
	} while (strcmp(name, "ready") != 0 ||
	    j_int(j, e, "pid") == pid);
	d_saw(d, j_int(j, e, "pid"));
	cl_close(s);
	r_says(CTL(d, "ask", "again", "echo", "5", "--timeout", "30"), 0,
	    "5\n");
	/* Its leftover process holding stdout is killed with it. */
	r_says(CTL(d, "ask", "again", "orphan", "--timeout", "30"), 1,
	    "runnerctl: ECLOSED: 'again' ");
	/* A second crash in a row waits an hour: no process to ask. */
	cl_wait_state(c, "again", "backoff", &j);
	r_says(CTL(d, "ask", "again", "echo", "--timeout", "30"), 1,
	    "runnerctl: ECLOSED: 'again' has no process to answer 'echo' "
	    "(it ended, or waits to restart)\n");
	cl_close(c);
}

/* Two runnerctl loops asking one instance at once: each its own replies. */
static void
test_ask_two_at_once(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char *const	 argv[] = { (char *)"/bin/sh", (char *)"-c",
	    (char *)"one() { i=0; while [ $i -lt 25 ]; do "
	    "got=$(\"$0\" -s \"$1\" ask tagged junk \"[$2, $i]\" "
	    "--timeout 30) || echo \"failed $2 $i\"; "
	    "[ \"$got\" = \"[$2, $i]\" ] || echo \"$2 $i got $got\"; "
	    "i=$((i + 1)); done; }; one \"$@\" 0 & one \"$@\" 1 & wait",
	    d->runnerctl, d->sock, NULL };

	start(d, "tagged");
	r = t_run(d, argv, NULL, 0);
	r_status(r, 0);
	assert_string_equal(r->out, "");
	assert_string_equal(r->err, "");
}

/* Usage errors (bad JSON included) are 2, before any daemon; none is 3. */
static void
test_ask_usage_and_no_daemon(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	const char	*none = d_fmt(d, "%s/none.sock", d->dir);

	r_status(CTL(d, "ask"), 2);
	r_status(CTL(d, "ask", "asker"), 2);
	r_status(CTL(d, "ask", "asker", "echo", "{}", "extra"), 2);
	r_status(CTL(d, "ask", "asker", "echo", "--timeout", "soon"), 2);
	r = ctl_sock(d, none, "ask", "asker", "echo", "{oops", (char *)NULL);
	r_status(r, 2);
	assert_non_null(strstr(r->err, "is not JSON"));
	r = ctl_sock(d, none, "ask", "asker", "echo", "{}", (char *)NULL);
	r_status(r, 3);
	assert_true(strncmp(r->err, "runnerctl: no runnerd at ", 25) == 0);
}

/*
 * The raw direct request: an ok reply with the buffered output, and the
 * lease: while its connection is open another direct is EEXIST, write
 * and read are EPERM; once it closes runnerd relays again.
 */
static void
test_direct_lease(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *lease = cl_open(d);
	struct json	*j;
	size_t		 mark;
	int		 ext;

	d_saw(d, cl_start(c, "cat", "c1"));
	/* (recv drops the passed descriptor: the lease is what counts.) */
	j = cl_call(lease, "direct", "{\"alias\": \"c1\"}");
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "alias"), "c1");
	assert_true(j_int(j, ext, "pid") > 0);
	assert_string_equal(j_str(j, ext, "data"), "");
	assert_int_equal(j_int(j, ext, "bytes"), 0);
	assert_non_null(strstr(j_err(cl_call(c, "direct",
	    "{\"alias\": \"c1\"}"), "EEXIST"), "already held"));
	assert_non_null(strstr(j_err(cl_call(c, "write",
	    "{\"alias\": \"c1\", \"text\": \"x\"}"), "EPERM"),
	    "held by a direct channel"));
	j_err(cl_call(c, "read", "{\"alias\": \"c1\"}"), "EPERM");
	j_err(cl_call(c, "direct", "{\"alias\": \"nobody\"}"), "ENOALIAS");
	j_err(cl_call(c, "direct", "{}"), "EINVAL");
	mark = d_log_mark(d);
	cl_close(lease);
	d_wait_log_from(d, mark, "c1: channel handed back");
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"back\\n\"}"));
	cl_read_expect(c, "c1", "back\n", 5);
}

/* An instance without a live channel cannot be handed over. */
static void
test_direct_no_channel(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	d_saw(d, cl_start(c, "asker", "a1"));
	j_ok(cl_call(c, "write", "{\"alias\": \"a1\", \"text\": "
	    "\"{\\\"tag\\\": 1, \\\"cmd\\\": \\\"exit\\\"}\\n\"}"));
	cl_wait_state(c, "a1", "exited", &j);
	j = cl_call(c, "direct", "{\"alias\": \"a1\"}");
	assert_non_null(strstr(j_err(j, "ECLOSED"), "no live channel"));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, ask_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ask_reply),
		T(test_ask_refused),
		T(test_ask_timeout_and_end),
		T(test_ask_usage_and_no_daemon),
		T(test_ask_truth),
		T(test_ask_restarted),
		T(test_ask_two_at_once),
		T(test_direct_lease),
		T(test_direct_no_channel),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
