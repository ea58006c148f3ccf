/*
 * test_kill.c: `runnerctl kill` and the signal command against the real
 * runnerd, with shell children that trap SIGHUP: -s HUP is said by the
 * child, which runs on; the default TERM ends it, and its restart
 * policy then does what it does after any crash; refusals (unknown
 * alias, not running) are exit 1 with the code and message, without
 * stopping the other aliases; a bad signal name is a usage error that
 * sends nothing; the protocol's own checks.
 */

#include "daemon.h"

/* As tests/lib/test_signal.c's: echoes, says "got HUP" on SIGHUP. */
#define TRAPPER	"trap 'echo got HUP; hup=1' HUP; echo ready; " \
	"while :; do hup=; if read l; then echo \\\"echo $l\\\"; " \
	"elif [ -z \\\"$hup\\\" ]; then break; fi; done"

/* trapper ends for good; phoenix is restarted after any exit. */
static int
kill_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, "apps = {\n"
	    "  trapper = { command = [\"sh\", \"-c\", \"" TRAPPER "\"]; "
	    "restart = \"no\"; };\n"
	    "  phoenix = { command = [\"sh\", \"-c\", \"" TRAPPER "\"]; "
	    "restart = \"always\"; };\n"
	    "};\n");
	return (0);
}

/* Start app as alias and read its "ready": its pid. */
static pid_t
start_ready(struct client *c, const char *app, const char *alias)
{
	pid_t	 pid = cl_start(c, app, alias);

	cl_read_expect(c, alias, "ready\n", 6);
	return (pid);
}

/* -s HUP: said by the child, which runs on under the same pid. */
static void
test_kill_hup(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	pid_t		 pid;

	pid = start_ready(c, "trapper", "t1");
	r = CTL(d, "kill", "-s", "HUP", "t1");
	r_status(r, 0);
	assert_string_equal(r->out, d_fmt(d, "SIGHUP sent to t1 (pid %ld)\n",
	    (long)pid));
	assert_string_equal(r->err, "");
	cl_read_expect(c, "t1", "got HUP\n", 8);
	/* SIGHUP, sighup and 1 are all HUP; the option may follow. */
	r_status(CTL(d, "kill", "t1", "-s", "sighup"), 0);
	cl_read_expect(c, "t1", "got HUP\n", 8);
	r_status(CTL(d, "kill", "-s", "1", "t1"), 0);
	cl_read_expect(c, "t1", "got HUP\n", 8);
	r_status(CTL(d, "send", "t1", "still"), 0);
	cl_read_expect(c, "t1", "echo still\n", 11);
	assert_int_equal(cl_pid_of(c, "t1"), pid);
	assert_true(t_alive(pid));
	/* --json: the reply's ext. */
	r = CTL(d, "--json", "kill", "-s", "HUP", "t1");
	r_status(r, 0);
	assert_string_equal(r->out, d_fmt(d, "{\"alias\":\"t1\",\"app\":"
	    "\"trapper\",\"pid\":%ld,\"signal\":\"SIGHUP\"}\n", (long)pid));
	cl_read_expect(c, "t1", "got HUP\n", 8);
}

/*
 * The default is TERM, which the child does not trap: it ends, and the
 * policy does the rest: restart = "no" leaves it exited, "always"
 * starts it again, counted as a restart, its last exit the signal.
 */
static void
test_kill_default_term(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *ev = cl_open(d);
	struct json	*j;
	struct run	*r;
	char		*name;
	pid_t		 t1, p1, p2;
	int		 e;

	t1 = start_ready(c, "trapper", "t1");
	p1 = start_ready(c, "phoenix", "p1");
	j_ok(cl_call(ev, "subscribe", NULL));
	r = CTL(d, "kill", "t1", "p1");
	r_status(r, 0);
	assert_string_equal(r->out, d_fmt(d, "SIGTERM sent to t1 (pid %ld)\n"
	    "SIGTERM sent to p1 (pid %ld)\n", (long)t1, (long)p1));

	e = cl_wait_state(c, "t1", "exited", &j);
	assert_string_equal(j_str(j, j_type(j, e, "last_exit", JSON_OBJECT),
	    "signal"), "SIGTERM");
	assert_int_equal(j_int(j, e, "restarts"), 0);
	assert_true(t_wait_gone(t1));

	/* Its restart is an event: wait for it (cl_json is bounded). */
	do
		j = cl_event(ev, &name);
	while (strcmp(name, "restarted") != 0 ||
	    !json_streq(j, json_get(j, json_get(j, 0, "ext"), "alias"),
	    "p1"));
	e = cl_status_of(c, "p1", &j);
	assert_true(e != -1);
	assert_int_equal(j_int(j, e, "restarts"), 1);
	assert_true(json_streq(j, json_get(j, e, "state"), "running"));
	assert_string_equal(j_str(j, j_type(j, e, "last_exit", JSON_OBJECT),
	    "signal"), "SIGTERM");
	p2 = (pid_t)j_int(j, e, "pid");
	d_saw(d, p2);
	assert_true(p2 > 0 && p2 != p1);
	assert_false(t_alive(p1));
	cl_read_expect(c, "p1", "ready\n", 6);
	/* The new process is signalled, as the old one was. */
	r = CTL(d, "kill", "-s", "HUP", "p1");
	r_status(r, 0);
	assert_string_equal(r->out, d_fmt(d, "SIGHUP sent to p1 (pid %ld)\n",
	    (long)p2));
	cl_read_expect(c, "p1", "got HUP\n", 8);
}

/*
 * Refusals: exit 1 and "runnerctl: CODE: message", each alias on its
 * own, the others still signalled.  A bad name is a usage error (2)
 * and nothing is sent.
 */
static void
test_kill_errors(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	pid_t		 pid;

	r = CTL(d, "kill", "nobody");
	r_status(r, 1);
	assert_string_equal(r->out, "");
	assert_string_equal(r->err,
	    "runnerctl: ENOALIAS: no instance named 'nobody'\n");

	pid = start_ready(c, "trapper", "t1");
	r = CTL(d, "kill", "-s", "HUP", "nobody", "t1", "nor-me");
	r_status(r, 1);
	assert_string_equal(r->out, d_fmt(d, "SIGHUP sent to t1 (pid %ld)\n",
	    (long)pid));
	assert_string_equal(r->err,
	    "runnerctl: ENOALIAS: no instance named 'nobody'\n"
	    "runnerctl: ENOALIAS: no instance named 'nor-me'\n");
	cl_read_expect(c, "t1", "got HUP\n", 8);

	r = CTL(d, "kill", "-s", "FOO", "t1");
	r_status(r, 2);
	assert_string_equal(r->out, "");
	assert_non_null(strstr(r->err,
	    "runnerctl: kill: unknown signal 'FOO'\n"));
	r_status(CTL(d, "kill", "-s", "0", "t1"), 2);
	r_status(CTL(d, "kill", "-s", "65", "t1"), 2);
	r_status(CTL(d, "kill", "-s"), 2);
	r_status(CTL(d, "kill"), 2);
	/* Nothing reached it: the next line is the echo, not "got HUP". */
	r_status(CTL(d, "send", "t1", "quiet"), 0);
	cl_read_expect(c, "t1", "echo quiet\n", 11);

	/* Not running: how it ended. */
	r_status(CTL(d, "kill", "-s", "KILL", "t1"), 0);
	cl_wait_state(c, "t1", "exited", &j);
	r = CTL(d, "kill", "-s", "HUP", "t1");
	r_status(r, 1);
	assert_string_equal(r->err,
	    "runnerctl: ECLOSED: 't1' is not running (killed by SIGKILL)\n");
	assert_false(t_alive(pid));
}

/* The protocol: names, numbers, and what is refused. */
static void
test_signal_protocol(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pid;
	int		 ext;

	pid = start_ready(c, "trapper", "t1");
	j = cl_call(c, "signal", "{\"alias\": \"t1\", \"signal\": \"SIGHUP\"}");
	ext = j_ok(j);
	assert_string_equal(j_str(j, ext, "alias"), "t1");
	assert_string_equal(j_str(j, ext, "app"), "trapper");
	assert_int_equal(j_int(j, ext, "pid"), pid);
	assert_string_equal(j_str(j, ext, "signal"), "SIGHUP");
	cl_read_expect(c, "t1", "got HUP\n", 8);
	j_ok(cl_call(c, "signal", "{\"alias\": \"t1\", \"signal\": 1}"));
	cl_read_expect(c, "t1", "got HUP\n", 8);
	j_ok(cl_call(c, "signal", "{\"alias\": \"t1\", \"signal\": \"hup\"}"));
	cl_read_expect(c, "t1", "got HUP\n", 8);

	assert_string_equal(j_err(cl_call(c, "signal", "{\"alias\": \"t1\", "
	    "\"signal\": \"FOO\"}"), "EINVAL"), "unknown signal 'FOO'");
	assert_string_equal(j_err(cl_call(c, "signal", "{\"alias\": \"t1\", "
	    "\"signal\": 0}"), "EINVAL"),
	    d_fmt(d, "invalid signal number 0: use 1 to %d", NSIG - 1));
	j_err(cl_call(c, "signal", "{\"alias\": \"t1\", \"signal\": %d}",
	    NSIG), "EINVAL");
	j_err(cl_call(c, "signal", "{\"alias\": \"t1\", \"signal\": -9}"),
	    "EINVAL");
	j_err(cl_call(c, "signal", "{\"alias\": \"t1\", \"signal\": 1.5}"),
	    "EINVAL");
	j_err(cl_call(c, "signal", "{\"alias\": \"t1\", \"signal\": true}"),
	    "EINVAL");
	assert_string_equal(j_err(cl_call(c, "signal", "{\"alias\": \"t1\"}"),
	    "EINVAL"), "missing 'signal'");
	assert_string_equal(j_err(cl_call(c, "signal", "{\"signal\": "
	    "\"HUP\"}"), "EINVAL"), "missing 'alias'");
	/* The signal is checked first: a bad one with no such alias. */
	j_err(cl_call(c, "signal", "{\"alias\": \"nobody\", \"signal\": 0}"),
	    "EINVAL");
	assert_string_equal(j_err(cl_call(c, "signal", "{\"alias\": "
	    "\"nobody\", \"signal\": \"HUP\"}"), "ENOALIAS"),
	    "no instance named 'nobody'");
	/* None of those reached it. */
	j_ok(cl_call(c, "write", "{\"alias\": \"t1\", \"text\": \"x\\n\"}"));
	cl_read_expect(c, "t1", "echo x\n", 7);
	assert_true(t_alive(pid));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, kill_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kill_hup),
		T(test_kill_default_term),
		T(test_kill_errors),
		T(test_signal_protocol),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
