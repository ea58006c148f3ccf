/*
 * test_supervise.c: supervision by policy, through the real runnerd:
 * restart after kill -9, backoff of a crash loop, max_restarts and the
 * failed state, stop escalation, nothing left behind by grandchildren
 * (also those that left the session), notify readiness and start --wait,
 * instances = N, env_file, an essential app ending runnerd with its
 * status, and no zombie or descriptor growth afterwards.
 */

#include <pwd.h>

#include "daemon.h"
#include "ctl.h"

/* The apps of these tests. */
static char *
sup_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"always\"; };\n"
	    "  phoenix = { command = \"cat\"; restart = \"always\"; "
	    "backoff_initial = 0.01; backoff_max = 0.02; };\n"
	    "  crash = { command = [\"sh\", \"-c\", \"exit 3\"]; "
	    "restart = \"always\"; backoff_initial = 0.05; "
	    "backoff_max = 0.4; };\n"
	    "  doomed = { command = [\"sh\", \"-c\", \"exit 4\"]; "
	    "restart = \"on-failure\"; backoff_initial = 0.01; "
	    "max_restarts = 3; restart_window = 60; };\n"
	    "  stubborn = { command = [\"sh\", \"-c\", "
	    "\"trap '' TERM; echo ready; while :; do sleep 1; done\"]; "
	    "restart = \"no\"; stop_timeout = 0.3; };\n"
	    "  forker = { command = [\"sh\", \"-c\", "
	    "\"setsid sleep 300 & echo $!; sleep 300 & echo $!; wait\"]; "
	    "restart = \"no\"; };\n"
	    "  notify = { command = [\"sh\", \"-c\", "
	    "\"read go; echo >&3; exec cat\"]; ready = \"notify\"; "
	    "restart = \"no\"; };\n"
	    "  mute = { command = \"sleep 300\"; ready = \"notify\"; "
	    "ready_timeout = 0.3; restart = \"no\"; };\n"
	    "  quitter = { command = [\"sh\", \"-c\", \"exit 5\"]; "
	    "ready = \"notify\"; notify_fd = 7; restart = \"no\"; };\n"
	    "  pool = { command = \"cat\"; instances = 3; restart = \"no\"; };\n"
	    "  nobody = { command = [\"sh\", \"-c\", \"id -u; id -g; "
	    "echo $USER; exec cat\"]; user = \"nobody\"; restart = \"no\"; };\n"
	    "  envy = { command = [\"sh\", \"-c\", "
	    "\"echo \\\"$A $B $C\\\"; exec cat\"]; env_file = \"%s/vars\"; "
	    "env = { B = \"from-env\"; }; restart = \"no\"; };\n"
	    "};\n", d->dir));
}

static int
sup_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_file(d, "vars", "# comment\nA=one\nexport B=two\nC='three four'\n");
	d_start(d, sup_conf(d));
	return (0);
}

/* Wait for the next event called want on subscriber s; its reply. */
static struct json *
sup_event(struct client *s, const char *want, const char *alias)
{
	struct json	*j;
	char		*name;

	for (;;) {
		j = cl_event(s, &name);
		if (strcmp(name, want) == 0 && json_streq(j, json_get(j,
		    json_get(j, 0, "ext"), "alias"), alias))
			return (j);
	}
}

/* kill -9: the first restart is immediate, with a new pid. */
static void
test_kill9_restarts_at_once(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	long long	 t0, pid2;
	pid_t		 pid;
	int		 e;

	j_ok(cl_call(s, "subscribe", NULL));
	pid = cl_start(c, "cat", "k1");
	t0 = t_ms();
	assert_int_equal(kill(pid, SIGKILL), 0);
	j = sup_event(s, "restarted", "k1");
	pid2 = j_int(j, json_get(j, 0, "ext"), "pid");
	d_saw(d, pid2);
	assert_true(pid2 > 0 && pid2 != pid);
	print_message("restart after kill -9: %lld ms\n", t_ms() - t0);
	e = cl_wait_state(c, "k1", "running", &j);
	assert_int_equal(j_int(j, e, "restarts"), 1);
	assert_string_equal(j_str(j, json_get(j, e, "last_exit"), "signal"),
	    "SIGKILL");
	/* Immediate means no backoff: well under backoff_initial (0.1 s). */
	j_type(j, e, "next_restart", JSON_NULL);
}

/* A crash loop backs off: the gaps between restarts grow. */
static void
test_crash_loop_backs_off(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	long long	 at[6];
	int		 k, e;

	j_ok(cl_call(s, "subscribe", NULL));
	j_ok(cl_call(c, "start", "{\"app\": \"crash\", \"wait\": false}"));
	for (k = 0; k < 6; k++) {
		sup_event(s, "restarted", "crash");
		at[k] = t_ms();
	}
	/* Gaps: 0, 50, 100, 200, 400 ms (then 400): each at least the last. */
	print_message("gaps: %lld %lld %lld %lld %lld ms\n", at[1] - at[0],
	    at[2] - at[1], at[3] - at[2], at[4] - at[3], at[5] - at[4]);
	assert_true(at[2] - at[1] >= 90);
	assert_true(at[3] - at[2] >= 180);
	assert_true(at[4] - at[3] >= 360);
	assert_true(at[4] - at[3] > at[1] - at[0]);
	e = cl_wait_state(c, "crash", "backoff", &j);
	assert_true(j_int(j, e, "restarts") >= 6);
	assert_int_equal(j_int(j, json_get(j, e, "last_exit"), "code"), 3);
	assert_true(j_num(j, e, "next_restart") <= 0.4);
	j_ok(cl_call(c, "stop", "{\"alias\": \"crash\"}"));
	/* In backoff, it has no process: stopped at once, and listed. */
	e = cl_status_of(c, "crash", &j);
	assert_string_equal(j_str(j, e, "state"), "stopped");
	assert_int_equal(j_int(j, json_get(j, e, "last_exit"), "code"), 3);
}

/* More than max_restarts in the window: failed, and it says why. */
static void
test_max_restarts_fails(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	int		 e;

	j_ok(cl_call(c, "start", "{\"app\": \"doomed\", \"wait\": false}"));
	e = cl_wait_state(c, "doomed", "failed", &j);
	assert_int_equal(j_int(j, e, "restarts"), 3);
	assert_int_equal(j_int(j, e, "pid"), 0);
	assert_int_equal(j_int(j, json_get(j, e, "last_exit"), "code"), 4);
	assert_non_null(strstr(j_str(j, e, "error"), "restarted 3 times"));
	d_wait_log(d, "doomed: 3 restarts within 60 s; giving up (failed)");
	r = CTL(d, "status", "doomed");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "failed"));
	/* A restart by hand runs it again, with a fresh count. */
	j_ok(cl_call(c, "restart", "{\"alias\": \"doomed\"}"));
	e = cl_wait_state(c, "doomed", "failed", &j);
	assert_int_equal(j_int(j, e, "restarts"), 7);
}

/* A child that ignores SIGTERM is killed after stop_timeout. */
static void
test_stop_escalates(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	long long	 t0, took;
	pid_t		 pid;

	pid = cl_start(c, "stubborn", "st");
	cl_read_expect(c, "st", "ready\n", 6);
	t0 = t_ms();
	j = cl_call(c, "stop", "{\"alias\": \"st\"}");
	took = t_ms() - t0;
	j_ok(j);
	assert_true(took >= 250);
	assert_false(t_alive(pid));
	d_wait_log(d, "st: still there after 0.3 s; killing");
}

/* Read a line of output of alias (a pid the child printed). */
static long
sup_read_pid(struct client *c, const char *alias, struct buf *acc)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	size_t		 n;
	void		*p;
	char		*nl, line[32];
	long		 v;

	while (buf_used(acc) == 0 ||
	    (nl = memchr(buf_head(acc), '\n', buf_used(acc))) == NULL) {
		j = cl_call(c, "read", "{\"alias\": \"%s\", \"wait\": 2}",
		    alias);
		p = j_b64(j, j_ok(j), "data", &n);
		assert_int_equal(buf_add(acc, p, n), 0);
		if (t_ms() > end)
			fail_msg("no line from %s", alias);
	}
	n = (size_t)(nl - buf_head(acc));
	assert_true(n < sizeof(line));
	memcpy(line, buf_head(acc), n);
	line[n] = '\0';
	buf_drop(acc, n + 1);
	v = strtol(line, NULL, 10);
	assert_true(v > 0);
	return (v);
}

/*
 * Grandchildren, in the group and out of it (setsid), are gone after a
 * stop, and after the instance's main process is killed.
 */
static void
test_grandchildren_gone(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct buf	 acc;
	pid_t		 pid, escaped, member;

	buf_init(&acc);
	cl_start(c, "forker", "f1");
	escaped = sup_read_pid(c, "f1", &acc);
	member = sup_read_pid(c, "f1", &acc);
	assert_true(t_alive(escaped) && t_alive(member));
	j_ok(cl_call(c, "stop", "{\"alias\": \"f1\"}"));
	assert_true(t_wait_gone(escaped));
	assert_true(t_wait_gone(member));

	/* kill -9 of the main process: what it started goes too. */
	buf_reset(&acc);
	pid = cl_start(c, "forker", "f2");
	escaped = sup_read_pid(c, "f2", &acc);
	member = sup_read_pid(c, "f2", &acc);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_true(t_wait_gone(escaped));
	assert_true(t_wait_gone(member));
	d_wait_log(d, "left behind by");	/* this instance, or one that ended */
	buf_free(&acc);
	d_no_zombies(d);
}

/* ready = notify: start --wait returns once the newline came. */
static void
test_notify_ready(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *w = cl_open(d);
	struct json	*j;
	struct run	*r;
	long long	 tag;
	int		 e;

	/* --no-wait: answered at once, still starting. */
	r = CTL(d, "start", "notify", "--alias", "n1", "--no-wait");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "n1 starting (pid "));
	e = cl_status_of(c, "n1", &j);
	assert_string_equal(j_str(j, e, "state"), "starting");
	d_saw(d, j_int(j, e, "pid"));
	/* It becomes ready when told to: then it is a cat. */
	j_ok(cl_call(c, "write", "{\"alias\": \"n1\", \"text\": \"go\\n\"}"));
	cl_wait_state(c, "n1", "running", &j);
	j_ok(cl_call(c, "write", "{\"alias\": \"n1\", \"text\": \"hi\\n\"}"));
	cl_read_expect(c, "n1", "hi\n", 3);

	/* With wait (the protocol's default): the reply says running. */
	tag = cl_req(w, "start", "{\"app\": \"notify\", \"alias\": \"n2\"}");
	e = cl_wait_state(c, "n2", "starting", &j);
	d_saw(d, j_int(j, e, "pid"));
	j_ok(cl_call(c, "write", "{\"alias\": \"n2\", \"text\": \"go\\n\"}"));
	j = cl_reply_tag(w, tag);
	assert_string_equal(j_str(j, j_ok(j), "state"), "running");
}

/* Readiness that never comes, or a child that exits first. */
static void
test_notify_failures(void **state)
{
	struct daemon	*d = *state;
	struct json	*j;
	struct run	*r;
	struct client	*c = cl_open(d);
	int		 e;

	r = CTL(d, "start", "mute", "--wait");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: ETIMEDOUT: 'mute' did not "
	    "write a newline to fd 3 within 0.3 s"));
	r = CTL(d, "start", "quitter", "--wait");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: ESPAWN: 'quitter' exited "
	    "with status 5 before it was ready"));
	/* Both are listed as failed, with why (protocol 7). */
	e = cl_status_of(c, "mute", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_non_null(strstr(j_str(j, e, "reason"), "did not write a "
	    "newline to fd 3 within 0.3 s"));
	e = cl_status_of(c, "quitter", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_string_equal(j_str(j, e, "reason"), "'quitter' exited with "
	    "status 5 before it was ready");
}

/* instances = 3: start without an alias starts pool-1..pool-3. */
static void
test_instances(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	int		 k, e;
	char		 alias[16];

	r = CTL(d, "start", "pool");
	r_status(r, 0);
	assert_string_equal(r->out, "pool: 3 started\n");
	for (k = 1; k <= 3; k++) {
		snprintf(alias, sizeof(alias), "pool-%d", k);
		e = cl_status_of(c, alias, &j);
		assert_true(e != -1);
		assert_string_equal(j_str(j, e, "state"), "running");
		d_saw(d, j_int(j, e, "pid"));
	}
	r = CTL(d, "start", "pool");
	r_status(r, 0);
	assert_string_equal(r->out, "pool: all already running\n");
}

/* env_file's variables, under env's. */
static void
test_env_file(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);

	cl_start(c, "envy", "v1");
	cl_read_expect(c, "v1", "one from-env three four\n", 24);
}

/* user = "nobody": the child runs as nobody, with its name in USER. */
static void
test_user(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		 want[128];
	struct passwd	*pw;

	if (geteuid() != 0)
		skip();		/* only root may switch users */
	assert_non_null(pw = getpwnam("nobody"));
	snprintf(want, sizeof(want), "%ld\n%ld\nnobody\n", (long)pw->pw_uid,
	    (long)pw->pw_gid);
	cl_start(c, "nobody", "u1");
	cl_read_expect(c, "u1", want, strlen(want));
}

/* An essential app's end stops everything; runnerd exits with its code. */
static void
test_essential_app(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	pid_t		 other;
	int		 st;

	d_start(d, d_fmt(d, "apps = {\n"
	    "  main = { command = [\"sh\", \"-c\", \"read x; exit 7\"]; "
	    "autostart = true; on_exit = \"shutdown\"; restart = \"no\"; };\n"
	    "  side = { command = \"sleep 300\"; autostart = true; };\n"
	    "};\n"));
	c = cl_open(d);
	d_wait_log(d, "main: started main");
	other = cl_start(c, "side", "side");
	j_ok(cl_call(c, "write", "{\"alias\": \"main\", \"text\": \"x\\n\"}"));
	st = d_wait_exit(d);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	assert_false(t_alive(other));
	d_wait_log(d, "main: essential app main ended; shutting down with "
	    "status 7");
}

/* A list member of a reload reply, as "a b c". */
static char *
sup_list(struct daemon *d, struct json *j, const char *key)
{
	struct buf	 b;
	int		 v, k;

	buf_init(&b);
	v = j_type(j, j_ok(j), key, JSON_ARRAY);
	for (k = 0; k < json_len(j, v); k++)
		buf_printf(&b, "%s%s", k > 0 ? " " : "",
		    (char *)d_keep(d, json_str(j, json_at(j, v, k), NULL)));
	buf_addc(&b, '\0');
	return (d_keep(d, buf_take(&b)));
}

/*
 * Reload per app: an unchanged instance keeps its pid, a policy change
 * applies live, a changed command restarts, a removed app's instance
 * stops, an added autostart app starts; a broken reload changes nothing.
 */
static void
test_reload_per_app(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	struct run	*r;
	pid_t		 same, policy, changed, gone;
	int		 e;

	d_start(d, "apps = {\n"
	    "  same = { command = \"cat\"; };\n"
	    "  policy = { command = \"cat\"; stop_timeout = 5; };\n"
	    "  changed = { command = \"cat\"; };\n"
	    "  gone = { command = \"cat\"; };\n"
	    "};\n");
	c = cl_open(d);
	same = cl_start(c, "same", "s1");
	policy = cl_start(c, "policy", "p1");
	changed = cl_start(c, "changed", "c1");
	gone = cl_start(c, "gone", "g1");
	d_file(d, "runner.conf", "apps = {\n"
	    "  same = { command = \"cat\"; };\n"
	    "  policy = { command = \"cat\"; stop_timeout = 1; };\n"
	    "  changed = { command = [\"cat\", \"-u\"]; };\n"
	    "  fresh = { command = \"cat\"; autostart = true; };\n"
	    "};\n");
	j = cl_call(c, "reload", NULL);
	assert_string_equal(sup_list(d, j, "added"), "fresh");
	assert_string_equal(sup_list(d, j, "removed"), "gone");
	assert_string_equal(sup_list(d, j, "changed"), "policy changed");
	assert_string_equal(sup_list(d, j, "restarted"), "c1");
	assert_string_equal(sup_list(d, j, "started"), "fresh");
	assert_string_equal(sup_list(d, j, "stopped"), "g1");
	/* The log says what the reply says. */
	d_wait_log(d, "apps; added [\"fresh\"], removed [\"gone\"], "
	    "changed [\"policy\",\"changed\"], restarted [\"c1\"], "
	    "rolling []; instances started [\"fresh\"], stopped [\"g1\"], "
	    "failed []");
	assert_int_equal(cl_pid_of(c, "s1"), same);
	assert_int_equal(cl_pid_of(c, "p1"), policy);
	assert_true(t_wait_gone(gone));
	assert_true(t_wait_gone(changed));
	e = cl_wait_state(c, "c1", "running", &j);
	assert_true(j_int(j, e, "pid") != changed);
	d_saw(d, j_int(j, e, "pid"));
	cl_wait_state(c, "fresh", "running", &j);
	d_saw(d, cl_pid_of(c, "fresh"));
	assert_int_equal(cl_pid_of(c, "g1"), 0);
	/* The new command runs: cat -u. */
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"x\\n\"}"));
	cl_read_expect(c, "c1", "x\n", 2);

	/* A broken configuration: refused with file:line, nothing moves. */
	d_file(d, "runner.conf", "apps = {\n"
	    "  same = { command = \"cat\"; restart = \"sometimes\"; };\n"
	    "};\n");
	r = CTL(d, "reload");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: ECONFIG: "));
	assert_non_null(strstr(r->err, "runner.conf:2: apps.same.restart: "
	    "expected"));
	assert_int_equal(cl_pid_of(c, "s1"), same);
	assert_int_equal(cl_pid_of(c, "p1"), policy);
	assert_true(cl_pid_of(c, "fresh") > 0);
	/* SIGHUP is the same reload: still refused, still running. */
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	d_wait_log(d, "SIGHUP: ");
	assert_int_equal(cl_pid_of(c, "s1"), same);
}

/* After all of that: no zombie, and runnerd's descriptors are back. */
static void
test_no_leaks(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s;
	struct json	*j;
	int		 before, k;
	pid_t		 pid;

	j_ok(cl_call(c, "hello", NULL));	/* c is accepted */
	before = t_fd_count(d->pid);
	s = cl_open(d);
	j_ok(cl_call(s, "subscribe", NULL));
	pid = cl_start(c, "phoenix", "k1");
	for (k = 0; k < 20; k++) {
		assert_int_equal(kill(pid, SIGKILL), 0);
		j = sup_event(s, "restarted", "k1");
		pid = j_int(j, json_get(j, 0, "ext"), "pid");
		d_saw(d, pid);
	}
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
	d_no_zombies(d);
	cl_close(s);
	/* Only c's connection remains of what this test opened. */
	for (k = 0; k < T_WAIT_MS / 10 && t_fd_count(d->pid) != before; k++)
		usleep(10000);
	if (t_fd_count(d->pid) != before)
		fail_msg("runnerd had %d descriptors, now %d:\n%s", before,
		    t_fd_count(d->pid), t_fd_list(d, d->pid));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, sup_setup, t_teardown)
#define TB(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kill9_restarts_at_once),
		T(test_crash_loop_backs_off),
		T(test_max_restarts_fails),
		T(test_stop_escalates),
		T(test_grandchildren_gone),
		T(test_notify_ready),
		T(test_notify_failures),
		T(test_instances),
		T(test_env_file),
		T(test_user),
		TB(test_essential_app),
		TB(test_reload_per_app),
		T(test_no_leaks),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
