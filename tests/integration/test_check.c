/*
 * test_check.c: `runnerctl status --check [-q] [ALIAS|APP...]`, the
 * probe command of Docker's HEALTHCHECK, Kubernetes and Nomad: each exit
 * path with the real runnerd and runnerctl.  3 without a runnerd (and
 * none started), 1 with no instances, 0 when all named are running,
 * ready and healthy, 1 naming the first that is not (starting, waiting
 * for a dependency, not yet healthy, failed by its probe as one of
 * three, stopped, exited, unknown), -q silent on every path, a task that
 * completed passed over unless named.
 */

#include "daemon.h"
#include "ctl.h"

/*
 * pool: three, each probed (DIR/sick-ALIAS makes its probe fail); gate
 * never passes its probe (so web, which needs it healthy, waits); deaf
 * never listens (so stays starting); task completes; fail exits 4.
 */
static int
check_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, d_fmt(d,
	    "apps = {\n"
	    "  pool = { command = \"sleep 1000\"; instances = 3; "
	    "restart = \"no\"; health = { exec = [\"sh\", \"-c\", "
	    "\"! test -e %s/sick-$RUNNER_ALIAS\"]; interval = 0.1; "
	    "retries = 1; }; };\n"
	    "  db = { command = \"sleep 1000\"; restart = \"no\"; };\n"
	    "  gate = { command = \"sleep 1000\"; restart = \"no\"; "
	    "health = { exec = \"false\"; interval = 0.1; "
	    "retries = 1000; }; };\n"
	    "  web = { command = \"sleep 1000\"; restart = \"no\"; "
	    "depends_on = { gate = \"healthy\"; }; };\n"
	    "  deaf = { command = \"sleep 1000\"; type = \"socket\"; "
	    "socket = \"deaf.sock\"; cwd = \"%s\"; ready_timeout = 60; "
	    "restart = \"no\"; };\n"
	    "  task = { command = \"true\"; restart = \"no\"; };\n"
	    "  fail = { command = [\"sh\", \"-c\", \"exit 4\"]; "
	    "restart = \"no\"; };\n"
	    "};\n", d->dir, d->dir));
	return (0);
}

/* status --check ARGS: exit status want, stderr holding err (NULL: -). */
static struct run *
check(struct daemon *d, int want, const char *err, const char *a1,
    const char *a2)
{
	struct run	*r;

	r = CTL(d, "status", "--check", a1, a2);
	r_status(r, want);
	if (err != NULL && strstr(r->err, err) == NULL)
		fail_msg("stderr '%s' lacks '%s'", r->err, err);
	return (r);
}

/* The same -q: the same exit status, and not a byte on either stream. */
static void
check_quiet(struct daemon *d, int want, const char *a1)
{
	struct run	*r;

	r = CTL(d, "status", "--check", "-q", a1);
	r_status(r, want);
	assert_int_equal(r->outlen, 0);
	if (r->errlen != 0)
		fail_msg("-q printed '%s'", r->err);
}

/*
 * Poll (bounded) until status --check ARG exits want: health verdicts
 * come from probes on their own timers.
 */
static void
check_until(struct daemon *d, int want, const char *a1, const char *a2)
{
	long long	 end = t_ms() + T_WAIT_MS;
	struct run	*r;

	for (;;) {
		r = CTL(d, "status", "--check", "-q", a1, a2);
		if (r->status == want)
			return;
		if (t_ms() > end)
			fail_msg("status --check %s %s still exits %d",
			    a1 ? a1 : "", a2 ? a2 : "", r->status);
		usleep(20000);
	}
}

/* No runnerd: 3, said (or not, -q), and none started for the probe. */
static void
test_no_daemon(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	const char	*sock = d_fmt(d, "%s/none.sock", d->dir);
	struct stat	 st;

	r = ctl_sock(d, sock, "status", "--check", (char *)NULL);
	r_status(r, 3);
	assert_non_null(strstr(r->err, "no runnerd at"));
	assert_int_equal(r->outlen, 0);
	r = ctl_sock(d, sock, "status", "--check", "-q", "web", (char *)NULL);
	r_status(r, 3);
	assert_int_equal(r->outlen + r->errlen, 0);
	assert_int_equal(lstat(sock, &st), -1);
	/* Usage errors are 2, as ever. */
	r_status(CTL(d, "status", "-q"), 2);
	r_status(CTL(d, "status", "--check", "-w"), 2);
}

/*
 * No instances: 1; one running: 0; a task that completed is passed over
 * unless named; an exit with a failing status, a stop, an unknown name.
 */
static void
test_exit_paths(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;

	check(d, 1, "runnerctl: no instances\n", NULL, NULL);
	check_quiet(d, 1, NULL);
	r_status(CTL(d, "start", "task"), 0);
	cl_wait_state(c, "task", "exited", &j);
	check(d, 1, "runnerctl: no instances running (1 completed)\n", NULL,
	    NULL);
	d_saw(d, cl_start(c, "db", "db"));
	r = check(d, 0, NULL, NULL, NULL);
	assert_string_equal(r->out, "1 instance running and ready\n");
	assert_int_equal(r->errlen, 0);
	check_quiet(d, 0, NULL);
	check_quiet(d, 0, "db");
	check(d, 1, "runnerctl: task is exited: exited with status 0\n",
	    "task", NULL);
	check(d, 1, "runnerctl: no instance named nosuch\n", "db", "nosuch");
	check_quiet(d, 1, "nosuch");
	r_status(CTL(d, "start", "fail"), 0);
	cl_wait_state(c, "fail", "exited", &j);
	check(d, 1, "runnerctl: fail is exited: exited with status 4\n",
	    NULL, NULL);
	r_status(CTL(d, "rm", "fail"), 0);
	check(d, 0, NULL, NULL, NULL);
	r_status(CTL(d, "stop", "db"), 0);
	check(d, 1, "runnerctl: db is stopped: stopped\n", NULL, NULL);
	/* A name with control bytes comes back escaped. */
	r = check(d, 1, "no instance named a\\033[2Jb", "a\033[2Jb", NULL);
	assert_null(strchr(r->err, '\033'));
}

/*
 * A runnerd that answers nothing (stopped) fails the check within its
 * bound (5 s), with exit 3 and why, quietly with -q: a probe must end.
 */
static void
test_stuck_daemon(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	long long	 t0;

	d_saw(d, cl_start(c, "db", "db"));
	assert_int_equal(kill(d->pid, SIGSTOP), 0);
	t0 = t_ms();
	r = CTL(d, "status", "--check");
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	r_status(r, 3);
	assert_non_null(strstr(r->err, "runnerctl: no reply to 'status' "
	    "within 5000 ms"));
	assert_true(t_ms() - t0 >= 4900);
	assert_int_equal(kill(d->pid, SIGSTOP), 0);
	r = CTL(d, "status", "--check", "-q");
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	r_status(r, 3);
	assert_int_equal(r->errlen, 0);
	check(d, 0, NULL, NULL, NULL);		/* and once it answers again */
}

/*
 * Not ready: a socket app that never listens is starting; one that
 * waits for a dependency says for what; a dependency whose probe has
 * not passed is running but not healthy.
 */
static void
test_not_ready(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *w = cl_open(d);
	struct json	*j;

	r_status(CTL(d, "start", "deaf", "--no-wait"), 0);
	check(d, 1, "runnerctl: deaf is starting (not ready yet)\n", "deaf",
	    NULL);
	check_quiet(d, 1, "deaf");
	(void)cl_req(w, "start", "{\"app\": \"web\"}");
	cl_wait_state(c, "web", "waiting", &j);
	check(d, 1, "runnerctl: web is starting (waiting for gate "
	    "(healthy))\n", "web", NULL);
	cl_wait_state(c, "gate", "running", &j);
	check(d, 1, "runnerctl: gate is running but not healthy yet "
	    "(health starting: no probe has passed)\n", "gate", NULL);
	/* In the words' order: the first that fails is named. */
	check(d, 1, "runnerctl: gate is", "gate", "deaf");
	check(d, 1, "runnerctl: deaf is", "deaf", "gate");
}

/*
 * An app with one bad instance of three: its probe fails, the instance
 * is stopped (restart "no": failed), and the app fails the check naming
 * it, while the other two pass by name.
 */
static void
test_one_bad_of_three(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;

	d_file(d, "sick-pool-2", "");
	r_status(CTL(d, "start", "pool"), 0);
	check_until(d, 0, "pool-1", "pool-3");
	cl_wait_state(c, "pool-2", "failed", &j);
	r = check(d, 1, "runnerctl: pool-2 is failed: unhealthy", "pool", NULL);
	assert_int_equal(r->outlen, 0);
	assert_null(strstr(r->err, "pool-1"));
	check_quiet(d, 1, "pool");
	check(d, 1, "runnerctl: pool-2 is failed", NULL, NULL);
	/* Started again without the marker: all three pass. */
	unlink(d_fmt(d, "%s/sick-pool-2", d->dir));
	r_status(CTL(d, "start", "pool"), 0);
	check_until(d, 0, "pool", NULL);
	r = check(d, 0, NULL, NULL, NULL);
	assert_string_equal(r->out, "3 instances running and ready\n");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, check_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_daemon),
		T(test_exit_paths), T(test_stuck_daemon),
		T(test_not_ready),
		T(test_one_bad_of_three),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
