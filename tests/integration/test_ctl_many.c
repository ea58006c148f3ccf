/*
 * test_ctl_many.c: many instances read like one, through the real
 * runnerctl and runnerd.  `start APP` of 1000 instances prints a count
 * (a line each with -v, a JSON object each with --json); status sorts
 * naturally and takes apps' names; stop, restart and kill take several
 * aliases, apps' names and --all, stop printing in the words' order;
 * --strict holds for an app of many instances; an alias that is another
 * app's instance name is refused; at a terminal a stop that takes over a
 * second (stop, start) shows progress, erased at the end, and nothing of
 * it in a pipe; replies longer than a request line may be (status and
 * stop of instances with 500 KB of arguments each).
 */

/*
 * 1000 forks and execs took 9 s on a loaded 2-core machine: the bound on
 * each runnerctl is raised for this file alone, so a slow machine is not
 * a failure and a hang still is.
 */
#define T_WAIT_MS	60000

#include "daemon.h"
#include "ctl.h"
#include "pty.h"

#define MANY	1000
#define WIDE_ARG	100000	/* bytes in each of a wide instance's args */

/*
 * lots (12), many (1000), cat, stubs: 2 that ignore SIGTERM, and deaf: a
 * socket app that never listens (ready_timeout 1.5 s).
 */
static int
many_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, d_fmt(d, "apps = {\n"
	    "  lots = { command = \"cat\"; instances = 12; restart = \"no\"; };\n"
	    "  many = { command = \"cat\"; instances = %d; restart = \"no\"; };\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  wide = { command = [\"sh\", \"-c\", \"exec sleep 1000\", "
	    "\"sh\"]; restart = \"no\"; };\n"
	    "  stubs = { command = [\"sh\", \"-c\", \"trap '' TERM; echo up; "
	    "while :; do sleep 1; done\"]; instances = 2; restart = \"no\"; "
	    "stop_timeout = 1.5; };\n"
	    "  deaf = { command = \"sleep 300\"; type = \"socket\"; "
	    "socket = \"deaf.sock\"; cwd = \"%s\"; ready_timeout = 1.5; "
	    "restart = \"no\"; };\n"
	    "};\n", MANY, d->dir));
	return (0);
}

/* How many times s holds what. */
static int
count(const char *s, const char *what)
{
	int	 n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return (n);
}

/*
 * 1000 instances: one summary line, in bounded time; status lists them
 * many-1..many-1000 in that order; a second start says all run; --strict
 * refuses; stop takes the app's name.
 */
static void
test_many_summary(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	const char	*p;
	char		 want[64];
	long long	 t0 = t_ms();
	int		 k;

	r = CTL(d, "start", "many");
	r_status(r, 0);
	assert_string_equal(r->out, "many: 1000 started\n");
	print_message("start of %d instances: %lld ms\n", MANY, t_ms() - t0);
	r = CTL(d, "status", "many");
	r_status(r, 0);
	assert_int_equal(count(r->out, "\n"), MANY + 1);
	p = r->out;
	for (k = 1; k <= MANY; k++) {
		snprintf(want, sizeof(want), "\nmany-%d ", k);
		if ((p = strstr(p, want)) == NULL)
			fail_msg("many-%d is not after many-%d", k, k - 1);
	}
	r = CTL(d, "start", "many");
	r_status(r, 0);
	assert_string_equal(r->out, "many: all already running\n");
	r = CTL(d, "start", "many", "--strict");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EEXIST: 'many-1' is already running"));
	assert_non_null(strstr(r->err, "--strict"));
	t0 = t_ms();
	r = CTL(d, "stop", "many");
	r_status(r, 0);
	assert_int_equal(count(r->out, " stopped\n"), MANY);
	assert_true(strncmp(r->out, "many-1 stopped\nmany-2 stopped\n", 30)
	    == 0);
	print_message("stop of %d instances: %lld ms\n", MANY, t_ms() - t0);
}

/* -v: a line for each, then the count; --json: an object a line. */
static void
test_many_verbose_json(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "lots", "-v");
	r_status(r, 0);
	assert_int_equal(count(r->out, "\n"), 13);
	assert_true(strncmp(r->out, "lots-1 started\nlots-2 started\n", 30)
	    == 0);
	assert_non_null(strstr(r->out, "lots-12 started\nlots: 12 started\n"));
	r_status(CTL(d, "stop", "lots"), 0);
	r = CTL(d, "start", "--json", "lots");
	r_status(r, 0);
	assert_int_equal(count(r->out, "\n"), 12);
	assert_true(strncmp(r->out, "{\"alias\":\"lots-1\",\"app\":\"lots\","
	    "\"started\":true}\n", 44) == 0);
	/* Nothing started: no line to parse as an instance. */
	r = CTL(d, "start", "lots", "--json");
	r_status(r, 0);
	assert_string_equal(r->out, "");
}

/*
 * Several aliases, apps' names and --all; stop prints in the words'
 * order; an unknown word is the daemon's ENOALIAS; --all and names
 * together is a usage error; --all with nothing running is no error.
 */
static void
test_many_targets(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(CTL(d, "start", "lots"), 0);
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	r = CTL(d, "status", "lots-10", "c1", "lots-2");
	r_status(r, 0);
	assert_true(strstr(r->out, "lots-10") < strstr(r->out, "c1 ") &&
	    strstr(r->out, "c1 ") < strstr(r->out, "lots-2 "));
	r = CTL(d, "status", "lots", "nosuch");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: ENOALIAS: no instance named "
	    "'nosuch'\n");
	r = CTL(d, "stop", "lots-10", "c1", "lots-2");
	r_status(r, 0);
	assert_string_equal(r->out, "lots-10 stopped\nc1 stopped\n"
	    "lots-2 stopped\n");
	r = CTL(d, "stop", "nosuch", "lots-1");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "'nosuch'"));
	r = CTL(d, "restart", "lots-1", "lots-3");
	r_status(r, 0);
	assert_int_equal(count(r->out, " restarted (pid "), 2);
	assert_true(strstr(r->out, "lots-1 ") < strstr(r->out, "lots-3 "));
	r = CTL(d, "kill", "-s", "HUP", "lots");
	r_status(r, 0);
	assert_int_equal(count(r->out, "SIGHUP sent to lots-"), 10);
	r_status(CTL(d, "stop", "--all", "lots-1"), 2);
	r_status(CTL(d, "kill"), 2);
	r_status(CTL(d, "restart"), 2);
	r = CTL(d, "stop", "--all");
	r_status(r, 0);
	r = CTL(d, "stop", "--all");
	r_status(r, 0);
	r = CTL(d, "kill", "--all");
	r_status(r, 0);
	assert_string_equal(r->out, "");
	assert_non_null(strstr(r->err, "no instances"));
}

/*
 * An alias that is NAME-k of an app with instances = N (1 <= k <= N),
 * or a running instance of another app, is refused; the same app's own
 * name is not.
 */
static void
test_many_collision(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "cat", "--alias", "lots-3");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: EEXIST: alias 'lots-3' is "
	    "the name of an instance of app 'lots' (instances = 12)\n");
	r = CTL(d, "start", "cat", "--alias", "lots");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: EEXIST: alias 'lots' is "
	    "the name of app 'lots'\n");
	r_status(CTL(d, "start", "cat", "--alias", "lots-13"), 0);
	r_status(CTL(d, "start", "cat", "--alias", "lots-0"), 0);
	r = CTL(d, "start", "lots", "--alias", "lots-13");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EEXIST: alias 'lots-13' is taken "
	    "by an instance of app 'cat'"));
	r_status(CTL(d, "start", "lots", "--alias", "lots-4"), 0);
	r = CTL(d, "start", "lots");
	r_status(r, 0);
	assert_string_equal(r->out, "lots: 11 started\n");
}

/*
 * At a terminal, a stop of instances that ignore SIGTERM (1.5 s each,
 * together) shows "stopping 2 instances... 1s", erased before the
 * answer; in a pipe, stderr stays empty.
 */
static void
test_many_progress(void **state)
{
	struct daemon	*d = *state;
	struct ptyrun	*p;
	struct run	*r;
	char		*erase;

	r_status(CTL(d, "start", "stubs"), 0);
	p = pty_spawn(d, NULL, "stop", "stubs", NULL);
	assert_true(pty_wait_for(p, "runnerctl: stopping 2 instances... 1s"));
	assert_int_equal(pty_finish(p), 0);
	erase = strstr(p->text, "\r\033[K");
	assert_non_null(erase);
	assert_non_null(strstr(erase, "stubs-1 stopped"));
	r_status(CTL(d, "start", "stubs"), 0);
	r = CTL(d, "stop", "stubs");
	r_status(r, 0);
	assert_string_equal(r->err, "");
	assert_string_equal(r->out, "stubs-1 stopped\nstubs-2 stopped\n");
	/* A start that fails after a while: progress, erased, then why. */
	p = pty_spawn(d, NULL, "start", "deaf", "--wait", NULL);
	assert_true(pty_wait_for(p, "runnerctl: starting 'deaf'... 1s"));
	assert_int_equal(pty_finish(p), 1);
	erase = strstr(p->text, "\r\033[K");
	assert_non_null(erase);
	/* Erased before the refusal is said, never after. */
	if (strncmp(erase + 4, "runnerctl: E", 12) != 0)
		fail_msg("no refusal after the progress: %s", p->text);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, many_setup, t_teardown)

/*
 * Replies past the 1 MiB bound on a request line: three instances whose
 * status carries 500 KB of arguments each.  runnerctl takes reply lines
 * up to PROTO_REPLY_MAX (64 MiB); status and stop --all of 5000
 * instances failed, the stop exiting 3 as if no runnerd were there.
 */
static void
test_many_wide_replies(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*arg;
	int		 k;

	arg = d_keep(d, malloc(WIDE_ARG + 1));
	assert_non_null(arg);
	memset(arg, 'a', WIDE_ARG);
	arg[WIDE_ARG] = '\0';
	for (k = 1; k <= 3; k++)
		r_status(CTL(d, "start", "wide", "--alias", d_fmt(d, "w%d", k),
		    "--", arg, arg, arg, arg, arg), 0);
	r = CTL(d, "status", "--json");
	r_status(r, 0);
	assert_true(r->outlen > 1024 * 1024);
	assert_int_equal(count(r->out, "\"alias\":\"w"), 3);
	r_status(CTL(d, "status"), 0);
	r = CTL(d, "stop", "--all");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "w3"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_many_summary),
		T(test_many_verbose_json),
		T(test_many_targets),
		T(test_many_collision),
		T(test_many_progress),
		T(test_many_wide_replies),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
