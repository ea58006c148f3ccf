/*
 * test_ended.c: start means ready, and nothing vanishes (issue 16),
 * through the real runnerd and runnerctl.
 *
 * Start means ready: `runnerctl start` of a socket app that listens a
 * second late answers once it accepts, so that the next `send` goes
 * through; with --no-wait it answers at exec, and input sent while the
 * instance is starting (a write request, an attacher's bytes) is queued
 * and delivered once it accepts, never refused.  The attack: an
 * instance stopped while input waits for it; the writer is told how
 * many bytes were not delivered.
 *
 * Nothing vanishes: a start that cannot exec, one that dies before it is
 * ready, one never ready in time, a stopped instance, and an autostart
 * app a reload could not start stay listed with their state and reason,
 * their last exit and their log, until started again (the alias is
 * reused) or removed with `rm`.  The attacks: rm of a running instance
 * (refused, it runs on), of an unknown alias (nothing removed), 2000
 * failing starts (at most 1000 records kept, the oldest forgotten), and
 * a runnerd killed with SIGKILL, whose successor lists none of its
 * ended records (they are runnerd's memory, not the state file's).
 */

#include "daemon.h"

#define ENDED_MAX	1000	/* runnerd's cap on ended instances */
#define FLOOD		2000	/* failing starts in the bound test */

/* The apps: gated listens once the test writes its gate (a FIFO). */
static char *
e_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  noexec = { command = \"%s/no-such-program\"; restart = \"no\"; };\n"
	    "  noexecr = { command = \"%s/no-such-program\"; "
	    "restart = \"always\"; };\n"
	    "  slow = { command = [\"sh\", \"-c\", \"sleep 1; exec socat "
	    "UNIX-LISTEN:slow.sock,fork EXEC:cat\"]; type = \"socket\"; "
	    "socket = \"slow.sock\"; cwd = \"%s\"; ready_timeout = 20.0; "
	    "restart = \"no\"; };\n"
	    "  gated = { command = [\"sh\", \"-c\", \"read x < gate.fifo; "
	    "exec socat UNIX-LISTEN:gated.sock,fork EXEC:cat\"]; "
	    "type = \"socket\"; socket = \"gated.sock\"; cwd = \"%s\"; "
	    "ready_timeout = 20.0; restart = \"no\"; };\n"
	    "  deaf = { command = [\"sh\", \"-c\", \"echo deaf waits >&2; "
	    "exec sleep 300\"]; type = \"socket\"; socket = \"deaf.sock\"; "
	    "cwd = \"%s\"; ready_timeout = 0.3; restart = \"no\"; };\n"
	    "  dies = { command = [\"sh\", \"-c\", \"echo cannot open the "
	    "database >&2; exit 2\"]; type = \"socket\"; socket = \"dies.sock\"; "
	    "cwd = \"%s\"; restart = \"no\"; };\n"
	    "  diesr = { command = [\"sh\", \"-c\", \"exit 2\"]; "
	    "type = \"socket\"; socket = \"diesr.sock\"; cwd = \"%s\"; "
	    "restart = \"always\"; backoff_initial = 0.2; };\n"
	    "};\n", d->dir, d->dir, d->dir, d->dir, d->dir, d->dir,
	    d->dir));
}

static int
e_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, e_conf(d));
	return (0);
}

/* Open gated's gate: its shell reads a line from the FIFO, then listens. */
static void
e_open_gate(struct daemon *d)
{
	int	 fd;

	assert_true((fd = open(d_fmt(d, "%s/gate.fifo", d->dir),
	    O_WRONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(write(fd, "go\n", 3), 3);
	close(fd);
}

/* The status object of alias, by runnerctl --json (the test fails if none). */
static int
e_status(struct daemon *d, const char *alias, struct json **jp)
{
	struct run	*r = CTL(d, "--json", "status", alias);

	r_status(r, 0);
	assert_non_null(*jp = json_parse(r->out, r->outlen, NULL, 0));
	d_keepj(d, *jp);
	return (json_at(*jp, json_get(*jp, 0, "instances"), 0));
}

/*
 * start waits for readiness by default: the send that follows at once is
 * delivered; --no-wait answers while it is starting.
 */
static void
test_start_waits_for_ready(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct json	*j;
	int		 e;

	r = CTL(d, "start", "slow");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "slow started (pid "));
	e = e_status(d, "slow", &j);
	assert_string_equal(j_str(j, e, "state"), "running");
	r_status(CTL(d, "send", "slow", "hi"), 0);
	r = CTL(d, "read", "slow", "--wait", "10");
	r_status(r, 0);
	assert_string_equal(r->out, "hi\n");

	assert_int_equal(mkfifo(d_fmt(d, "%s/gate.fifo", d->dir), 0600), 0);
	r = CTL(d, "start", "gated", "--no-wait");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "gated starting (pid "));
	e = e_status(d, "gated", &j);
	assert_string_equal(j_str(j, e, "state"), "starting");
	e_open_gate(d);
	/* --wait, the old spelling, is the default: accepted. */
	r = CTL(d, "start", "gated", "--wait");
	r_status(r, 0);
	e = e_status(d, "gated", &j);
	assert_string_equal(j_str(j, e, "state"), "running");
}

/*
 * Input to an instance still starting is queued, from a write request
 * and from an attacher, and delivered once it accepts.  Stopped before
 * that, the writer hears how many bytes were lost.
 */
static void
test_input_while_starting(void **state)
{
	struct daemon	*d = *state;
	struct client	*w = cl_open(d), *a = cl_open(d);
	struct json	*j;
	long long	 tag;
	int		 e;

	assert_int_equal(mkfifo(d_fmt(d, "%s/gate.fifo", d->dir), 0600), 0);
	r_status(CTL(d, "start", "gated", "--no-wait"), 0);
	tag = cl_req(w, "write", "{\"alias\": \"gated\", \"text\": \"one\\n\"}");
	j_ok(cl_call(a, "attach", "{\"alias\": \"gated\"}"));
	cl_sendf(a, "two\n");
	/* Both wait for the channel: still starting, nothing refused. */
	e = cl_status_of(cl_open(d), "gated", &j);
	assert_string_equal(j_str(j, e, "state"), "starting");
	e_open_gate(d);
	j = cl_reply_tag(w, tag);
	assert_int_equal(j_int(j, j_ok(j), "written"), 4);
	/* The attacher gets the echo of both, in the order they came. */
	while (buf_used(&a->in) < 8)
		assert_true(cl_fill(a, T_WAIT_MS) > 0);
	assert_memory_equal(buf_head(&a->in), "one\ntwo\n", 8);
	cl_close(a);

	/* The attack: the instance is stopped while its input waits. */
	r_status(CTL(d, "stop", "gated"), 0);
	r_status(CTL(d, "start", "gated", "--no-wait"), 0);
	tag = cl_req(w, "write", "{\"alias\": \"gated\", \"text\": \"lost\\n\"}");
	r_status(CTL(d, "stop", "gated"), 0);
	j = cl_reply_tag(w, tag);
	assert_string_equal(j_err(j, "ECLOSED"), "'gated' stopped reading its "
	    "input; 5 bytes were not delivered");
	e = e_status(d, "gated", &j);
	assert_string_equal(j_str(j, e, "state"), "stopped");
	assert_int_equal(j_int(j, e, "input_lost"), 5);
}

/*
 * Starts that fail stay listed as failed with why, the table shows it,
 * logs reads what the instance said, rm forgets them; rm refuses a
 * running instance and an unknown alias, removing nothing.
 */
static void
test_failed_start_listed(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct json	*j;
	int		 e;

	r = CTL(d, "start", "noexec");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "cannot execute"));
	/* runnerd says it too, as it does for autostart and reload. */
	d_wait_log(d, d_fmt(d, "runnerd: noexec: cannot start: cannot "
	    "execute '%s/no-such-program': No such file or directory\n",
	    d->dir));
	r = CTL(d, "start", "dies");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "'dies' exited with status 2 before "
	    "it was ready"));
	r = CTL(d, "start", "deaf");
	r_status(r, 1);
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);

	e = e_status(d, "noexec", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_string_equal(j_str(j, e, "reason"), d_fmt(d, "cannot execute "
	    "'%s/no-such-program': No such file or directory", d->dir));
	e = e_status(d, "dies", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_int_equal(j_int(j, e, "pid"), 0);
	assert_int_equal(j_int(j, j_type(j, e, "last_exit", JSON_OBJECT),
	    "code"), 2);
	e = e_status(d, "deaf", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_non_null(strstr(j_str(j, e, "reason"), "0.3"));
	e = e_status(d, "c1", &j);
	assert_true(json_type(j, json_get(j, e, "reason")) == JSON_NULL);

	/* The table: a REASON column, the reason on the failed rows. */
	r = CTL(d, "status");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "REASON"));
	assert_non_null(strstr(r->out, "failed"));
	assert_non_null(strstr(r->out, "cannot execute"));
	assert_non_null(strstr(r->out, "before it was ready"));
	/* c1 runs: no reason, and no blanks padding the row to it. */
	assert_null(strstr(r->out, " \n"));

	/* Its log, though it never ran: what it said before it died. */
	r = CTL(d, "logs", "dies");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "cannot open the database"));
	r = CTL(d, "logs", "deaf");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "deaf waits"));

	/* rm: an unknown alias or a running one, and nothing is removed. */
	r = CTL(d, "rm", "noexec", "nosuch");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "no instance named 'nosuch'"));
	r = CTL(d, "rm", "dies", "c1");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "'c1' is running"));
	assert_true(t_alive(cl_pid_of(cl_open(d), "c1")));
	e_status(d, "noexec", &j);
	e_status(d, "dies", &j);
	r = CTL(d, "rm", "noexec", "dies", "deaf");
	r_status(r, 0);
	assert_string_equal(r->out, "noexec removed\ndies removed\n"
	    "deaf removed\n");
	r = CTL(d, "--json", "status");
	r_status(r, 0);
	assert_null(strstr(r->out, "\"noexec\""));
	assert_null(strstr(r->out, "\"deaf\""));
	r = CTL(d, "rm", "dies");
	r_status(r, 1);
	/* A failed alias is free again: a start replaces the record. */
	r_status(CTL(d, "start", "noexec"), 1);
	r_status(CTL(d, "rm", "noexec"), 0);
}

/*
 * rm APP forgets that app's ended instances and leaves its running ones
 * (as stop APP leaves its ended ones); rm --all forgets every ended one.
 */
static void
test_rm_app_all(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	r_status(CTL(d, "start", "cat", "--alias", "c2"), 0);
	r_status(CTL(d, "start", "cat", "--alias", "c10"), 0);
	r_status(CTL(d, "stop", "c10", "c2"), 0);
	r_status(CTL(d, "start", "noexec"), 1);
	r = CTL(d, "rm", "cat");
	r_status(r, 0);
	assert_string_equal(r->out, "c2 removed\nc10 removed\n");
	r = CTL(d, "status");
	assert_non_null(strstr(r->out, "\nc1 "));
	assert_null(strstr(r->out, "\nc2 "));
	assert_non_null(strstr(r->out, "\nnoexec "));
	/* Named by alias, a running one is still refused. */
	r = CTL(d, "rm", "c1");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "'c1' is running"));
	r_status(CTL(d, "rm", "--all", "c1"), 2);
	r_status(CTL(d, "stop", "c1"), 0);
	r = CTL(d, "rm", "--all");
	r_status(r, 0);
	assert_string_equal(r->out, "c1 removed\nnoexec removed\n");
	r = CTL(d, "rm", "--all");
	r_status(r, 0);
	assert_string_equal(r->err, "runnerctl: rm: no ended instances\n");
	r = CTL(d, "--json", "rm", "--all");
	r_status(r, 0);
	assert_string_equal(r->out, "{\"removed\":[]}\n");
	r_status(CTL(d, "rm"), 2);
}

/*
 * A stopped instance stays listed as stopped, with its last exit and its
 * log, and a start of its alias runs it again; a stop of it again is
 * answered at once.
 */
static void
test_stopped_listed(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	struct json	*j;
	pid_t		 pid, pid2;
	int		 e;

	pid = cl_start(c, "cat", "c1");
	r = CTL(d, "stop", "c1");
	r_status(r, 0);
	assert_string_equal(r->out, "c1 stopped\n");
	assert_true(t_wait_gone(pid));
	e = e_status(d, "c1", &j);
	assert_string_equal(j_str(j, e, "state"), "stopped");
	assert_string_equal(j_str(j, e, "reason"), "stopped");
	assert_int_equal(j_int(j, e, "pid"), 0);
	assert_string_equal(j_str(j, j_type(j, e, "last_exit", JSON_OBJECT),
	    "signal"), "SIGTERM");
	r_status(CTL(d, "logs", "c1"), 0);
	r = CTL(d, "stop", "c1");
	r_status(r, 0);
	assert_string_equal(r->out, "c1 stopped\n");
	r = CTL(d, "start", "cat", "--alias", "c1");
	r_status(r, 0);
	pid2 = cl_pid_of(c, "c1");
	assert_true(pid2 > 0 && pid2 != pid);
	e = e_status(d, "c1", &j);
	assert_string_equal(j_str(j, e, "state"), "running");
	/* restart of a stopped alias runs it too. */
	r_status(CTL(d, "stop", "c1"), 0);
	r_status(CTL(d, "restart", "c1"), 0);
	assert_true(cl_pid_of(c, "c1") > 0);
}

/* A reload whose autostart app cannot start: in the reply, exit 1. */
static void
test_reload_failed(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct json	*j;
	int		 e, f;

	d_file(d, "bad.conf", d_fmt(d, "apps = {\n"
	    "  cat = { command = \"cat\"; autostart = true; restart = \"no\"; };\n"
	    "  bad = { command = \"%s/gone\"; autostart = true; "
	    "restart = \"no\"; };\n"
	    "};\n", d->dir));
	r = CTL(d, "reload", d_fmt(d, "%s/bad.conf", d->dir));
	r_status(r, 1);
	assert_non_null(strstr(r->out, "  started: cat\n"));
	assert_non_null(strstr(r->out, d_fmt(d, "  failed: bad: cannot "
	    "execute '%s/gone': No such file or directory\n", d->dir)));
	/*
	 * Reloaded unchanged, an app's ended instances are left as they
	 * are: the failure is not retried (nor reported again), and a cat
	 * stopped by hand stays stopped.
	 */
	r_status(CTL(d, "stop", "cat"), 0);
	r = CTL(d, "--json", "reload");
	r_status(r, 0);
	assert_non_null(j = json_parse(r->out, r->outlen, NULL, 0));
	d_keepj(d, j);
	f = j_type(j, 0, "failed", JSON_ARRAY);
	assert_int_equal(json_len(j, f), 0);
	assert_int_equal(json_len(j, j_type(j, 0, "started", JSON_ARRAY)), 0);
	e = e_status(d, "bad", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	e = e_status(d, "cat", &j);
	assert_string_equal(j_str(j, e, "state"), "stopped");
	/* Fixed, the next reload starts it and exits 0. */
	d_file(d, "bad.conf", "apps = {\n"
	    "  cat = { command = \"cat\"; autostart = true; restart = \"no\"; };\n"
	    "  bad = { command = \"cat\"; autostart = true; restart = \"no\"; };\n"
	    "};\n");
	r = CTL(d, "reload");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "  started: bad\n"));
	assert_null(strstr(r->out, "started: cat"));
}

/* 2000 failing starts: at most ENDED_MAX kept, the oldest forgotten. */
static void
test_ended_bounded(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	char		*alias;
	int		 a, k, n, min = FLOOD;

	cl_start(c, "cat", "c1");
	for (k = 1; k <= FLOOD; k++)
		j_err(cl_call(c, "start", "{\"app\": \"noexec\", \"alias\": "
		    "\"f%d\"}", k), "ESPAWN");
	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	assert_int_equal(json_len(j, a), ENDED_MAX + 1);
	for (k = 0; k < json_len(j, a); k++) {
		alias = j_str(j, json_at(j, a, k), "alias");
		if (strcmp(alias, "c1") == 0)
			continue;
		assert_int_equal(sscanf(alias, "f%d", &n), 1);
		if (n < min)
			min = n;
	}
	assert_int_equal(min, FLOOD - ENDED_MAX + 1);
	d_wait_log(d, "f1: forgotten");
}

/*
 * Ended records are runnerd's memory: one killed with SIGKILL leaves
 * none to its successor (the state file names processes only), whose
 * status lists nothing of them.
 */
static void
test_not_resurrected(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pid, pid2;
	int		 st;

	/* What runnerd leaves when it dies is ours to reap. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	d->subreaper = 1;
	pid = cl_start(c, "cat", "c1");
	j_ok(cl_call(c, "stop", "{\"alias\": \"c1\"}"));
	j_err(cl_call(c, "start", "{\"app\": \"noexec\"}"), "ESPAWN");
	pid2 = cl_start(c, "cat", "c2");
	assert_true(t_wait_gone(pid));
	cl_close_all(d);
	assert_int_equal(kill(d->pid, SIGKILL), 0);
	assert_true(t_wait_child(d->pid, &d->status, T_WAIT_MS));
	d->pid = 0;
	/* c2 got SIGKILL with runnerd (its parent-death signal). */
	assert_true(t_wait_gone(pid2));
	assert_int_equal(waitpid(pid2, &st, 0), pid2);
	d_drain_stop(d);
	free(d->log);
	d->log = NULL;
	d_start(d, e_conf(d));
	c = cl_open(d);
	j = cl_call(c, "status", NULL);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "instances",
	    JSON_ARRAY)), 0);
}

/*
 * A restart by hand of an instance that exits before it is ready is
 * answered (ESPAWN), though its policy goes on restarting it: it waited
 * for ever for a readiness that never came.
 */
static void
test_restart_never_ready(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "diesr");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "before it was ready"));
	r = CTL(d, "restart", "diesr");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "ESPAWN"));
	assert_non_null(strstr(r->err, "before it was ready"));
	/*
	 * Its policy restarts it now: a start is no success while it is
	 * between crashes (it said "already running (pid 0)") nor while a
	 * restart of it fails to get ready.
	 */
	r = CTL(d, "start", "diesr");
	r_status(r, 1);
	assert_true(strstr(r->err, "waits to restart") != NULL ||
	    strstr(r->err, "before it was ready") != NULL);
}

/*
 * A restart by hand whose exec fails ends failed, as a start by hand
 * does, even under restart = "always": it used to go back to the policy
 * and retry, with backoff, for ever.
 */
static void
test_restart_noexec_fails(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct json	*j;
	int		 e;

	r_status(CTL(d, "start", "noexecr"), 1);
	r = CTL(d, "restart", "noexecr");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "ESPAWN: cannot execute"));
	d_wait_log(d, "runnerd: noexecr: cannot restart: cannot execute");
	e = e_status(d, "noexecr", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_non_null(strstr(j_str(j, e, "reason"), "cannot execute"));
	/* Again: the same, nothing queued behind it. */
	r_status(CTL(d, "restart", "noexecr"), 1);
	e = e_status(d, "noexecr", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, e_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_start_waits_for_ready),
		T(test_input_while_starting),
		T(test_failed_start_listed),
		T(test_stopped_listed),
		T(test_rm_app_all),
		T(test_reload_failed),
		T(test_ended_bounded),
		T(test_not_resurrected),
		T(test_restart_never_ready),
		T(test_restart_noexec_fails),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
