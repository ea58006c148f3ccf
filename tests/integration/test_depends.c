/*
 * test_depends.c: dependencies (issue 17) through the real runnerd and
 * runnerctl, with real programs: a socat socket app, sh scripts that
 * write the time (date +%s%N) to files as they start, end or take
 * SIGTERM, so that order is read from the processes themselves.
 *
 * Start: a chain db -> migrate -> web (web waits for migrate to exit 0,
 * migrate for db's socket), healthy (web after db's first passing probe;
 * a dependency unhealthy first fails it, the probe's verdict the
 * reason), a diamond whose base starts once, all the
 * instances of a multi-instance dependency, a 50-app chain started and
 * stopped.  Failures: a dependency that cannot exec, one that exits 1
 * under completed_successfully, one never ready in time: the dependent
 * ends failed with EDEPEND and the reason.  Stop: stop --all and
 * shutdown end dependents first (a dependent slow to die holds its
 * dependency back), `stop db` is refused while web runs and goes with
 * --with-dependents.  on_dependency_restart.  The attacks: a client
 * that leaves while its start waits (the start goes on), a waiting
 * instance stopped (its wait is cancelled, it never starts), a cycle at
 * load and at reload (refused with file:line, the old graph kept).  At
 * a terminal, runnerctl start says what it waits for.
 */

#include "daemon.h"
#include "pty.h"

#define CHAIN	50		/* apps in the long chain */

/*
 * A service that stamps NAME.term on SIGTERM, then lingers.  Its sleep
 * may die first (runnerd signals the descendants, then the group): the
 * loop waits again, so the shell always lives to take its own SIGTERM.
 */
#define SVC(name, linger, deps) \
	"  " name " = { command = [\"sh\", \"-c\", \"trap 'date +%%s%%N > " \
	name ".term; sleep " linger "; exit 0' TERM; echo >&3; " \
	"while :; do sleep 300 & wait; done\"]; ready = \"notify\"; restart = \"no\"; " \
	"cwd = \"%1$s\"; " deps " };\n"

static char *
dep_conf(struct daemon *d)
{
	struct buf	 b;
	int		 k;

	buf_init(&b);
	buf_adds(&b, d_fmt(d,
	    "apps = {\n"
	    "  db = { command = [\"socat\", \"UNIX-LISTEN:db.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"db.sock\"; "
	    "cwd = \"%1$s\"; restart = \"no\"; };\n"
	    "  migrate = { command = [\"sh\", \"-c\", \"date +%%s%%N > "
	    "migrate.end\"]; cwd = \"%1$s\"; restart = \"no\"; "
	    "depends_on = { db = \"ready\"; }; };\n"
	    "  web = { command = [\"sh\", \"-c\", \"date +%%s%%N > web.begin; "
	    "echo >&3; exec cat\"]; cwd = \"%1$s\"; restart = \"no\"; "
	    "ready = \"notify\";\n"
	    "    depends_on = { migrate = \"completed_successfully\"; "
	    "db = \"started\"; }; };\n"
	    "  base = { command = [\"sh\", \"-c\", \"echo started >> base.starts; "
	    "exec cat\"]; cwd = \"%1$s\"; restart = \"no\"; };\n"
	    "  left = { command = \"cat\"; depends_on = { base = \"started\"; };"
	    " };\n"
	    "  right = { command = \"cat\"; depends_on = { base = \"ready\"; };"
	    " };\n"
	    "  top = { command = \"cat\"; depends_on = { left = \"started\"; "
	    "right = \"ready\"; }; };\n"
	    "  pool = { command = \"cat\"; instances = 3; };\n"
	    "  usepool = { command = \"cat\"; depends_on = { pool = "
	    "\"started\"; }; };\n"
	    "  noexec = { command = \"%1$s/no-such-program\"; restart = \"no\";"
	    " };\n"
	    "  f_exec = { command = \"cat\"; depends_on = { noexec = "
	    "\"started\"; }; };\n"
	    "  bad = { command = [\"sh\", \"-c\", \"exit 1\"]; restart = \"no\";"
	    " };\n"
	    "  f_exit = { command = \"cat\"; depends_on = { bad = "
	    "\"completed_successfully\"; }; };\n"
	    "  f_up = { command = \"cat\"; depends_on = { f_exit = "
	    "\"started\"; }; };\n"
	    "  deaf = { command = \"sleep 300\"; type = \"socket\"; "
	    "socket = \"deaf.sock\"; cwd = \"%1$s\"; ready_timeout = 0.3; "
	    "restart = \"no\"; };\n"
	    "  f_deaf = { command = \"cat\"; depends_on = { deaf = \"ready\"; };"
	    " };\n"
	    "  gated = { command = [\"sh\", \"-c\", \"read x < gate.fifo; "
	    "exec socat UNIX-LISTEN:gated.sock,fork EXEC:cat\"]; "
	    "type = \"socket\"; socket = \"gated.sock\"; cwd = \"%1$s\"; "
	    "ready_timeout = 20.0; restart = \"no\"; };\n"
	    "  g_web = { command = [\"sh\", \"-c\", \"date +%%s%%N > "
	    "g_web.begin; exec cat\"]; cwd = \"%1$s\"; restart = \"no\"; "
	    "depends_on = { gated = \"ready\"; }; };\n"
	    SVC("s_db", "0", "")
	    SVC("s_mid", "0", "depends_on = { s_db = \"ready\"; };")
	    SVC("s_web", "0.3", "depends_on = { s_mid = \"ready\"; };")
	    "  h_db = { command = [\"sh\", \"-c\", \"sleep 0.3; date +%%s%%N > "
	    "h_db.ok; exec cat\"]; cwd = \"%1$s\"; restart = \"no\"; "
	    "health = { exec = [\"test\", \"-e\", \"h_db.ok\"]; "
	    "interval = 0.1; start_period = 30; }; };\n"
	    "  h_web = { command = [\"sh\", \"-c\", \"date +%%s%%N > "
	    "h_web.begin; echo >&3; exec cat\"]; cwd = \"%1$s\"; "
	    "restart = \"no\"; ready = \"notify\"; "
	    "depends_on = { h_db = \"healthy\"; }; };\n"
	    "  h_sick = { command = \"sleep 300\"; restart = \"no\"; "
	    "health = { exec = \"false\"; interval = 0.1; retries = 2; }; };\n"
	    "  h_need = { command = \"cat\"; depends_on = { h_sick = "
	    "\"healthy\"; }; };\n"
	    "  x_slow = { command = \"sleep 300\"; restart = \"no\"; "
	    "ready = \"healthy\"; ready_timeout = 60; health = { exec = "
	    "\"false\"; interval = 1; }; };\n"
	    "  x_mid = { command = \"cat\"; depends_on = { x_slow = \"ready\"; "
	    "}; };\n"
	    "  x_top = { command = \"cat\"; depends_on = { x_mid = "
	    "\"started\"; }; };\n"
	    "  x_pool = { command = \"cat\"; instances = 2; depends_on = { "
	    "x_slow = \"ready\"; }; };\n"
	    "  f_pool = { command = \"cat\"; instances = 2; depends_on = { "
	    "deaf = \"ready\"; }; };\n"
	    "  g_pool = { command = \"cat\"; instances = 2; depends_on = { "
	    "gated = \"ready\"; }; };\n"
	    "  h_pool = { command = \"cat\"; instances = 2; depends_on = { "
	    "h_db = \"healthy\"; }; };\n"
	    "  r_db = { command = \"cat\"; restart = \"no\"; };\n"
	    "  r_web = { command = \"cat\"; depends_on = { r_db = \"started\"; };"
	    " on_dependency_restart = \"restart\"; };\n"
	    "  r_keep = { command = \"cat\"; depends_on = { r_db = "
	    "\"started\"; }; };\n", d->dir));
	for (k = 0; k < CHAIN; k++)
		if (k + 1 < CHAIN)
			buf_adds(&b, d_fmt(d, "  c%d = { command = \"cat\"; "
			    "depends_on = { c%d = \"ready\"; }; };\n", k, k + 1));
		else
			buf_adds(&b, d_fmt(d, "  c%d = { command = \"cat\"; };\n",
			    k));
	buf_adds(&b, "};\n");
	assert_false(b.failed);
	return (d_keep(d, buf_take(&b)));
}

static int
dep_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	assert_int_equal(mkfifo(d_fmt(d, "%s/gate.fifo", d->dir), 0600), 0);
	d_start(d, dep_conf(d));
	return (0);
}

/* The number in DIR/name (a date +%s%N stamp, or a count). */
static long long
stamp(struct daemon *d, const char *name)
{
	FILE		*fp;
	long long	 n = -1;

	if ((fp = fopen(d_fmt(d, "%s/%s", d->dir, name), "r")) == NULL)
		fail_msg("%s: %s", name, strerror(errno));
	if (fscanf(fp, "%lld", &n) != 1)
		fail_msg("%s: no number", name);
	fclose(fp);
	return (n);
}

/* The status object of alias as runnerctl --json prints it. */
static struct json *
st_json(struct daemon *d, const char *alias, int *e)
{
	struct run	*r = CTL(d, "status", "--json", alias);
	struct json	*j;
	char		 err[256];

	r_status(r, 0);
	if ((j = json_parse(r->out, r->outlen, err, sizeof(err))) == NULL)
		fail_msg("status --json: %s: %s", err, r->out);
	d_keepj(d, j);
	*e = json_at(j, json_get(j, 0, "instances"), 0);
	return (j);
}

static void
assert_state(struct daemon *d, const char *alias, const char *state)
{
	struct json	*j;
	int		 e;

	j = st_json(d, alias, &e);
	if (!json_streq(j, json_get(j, e, "state"), state))
		fail_msg("%s: want %s: %s", alias, state, json_raw(j, 0, NULL));
}

/* Open gated's gate: its shell reads a line from the FIFO, then listens. */
static void
open_gate(struct daemon *d)
{
	int	 fd;

	assert_true((fd = open(d_fmt(d, "%s/gate.fifo", d->dir),
	    O_WRONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(write(fd, "go\n", 3), 3);
	close(fd);
}

/*
 * The s_ stack stopped from the top down, by the times its processes
 * took SIGTERM: s_web lingers 0.3 s after its own, which s_mid waited
 * out; then s_db.
 */
static void
top_down(struct daemon *d)
{
	assert_true(stamp(d, "s_mid.term") - stamp(d, "s_web.term") >=
	    300000000LL);
	assert_true(stamp(d, "s_db.term") > stamp(d, "s_mid.term"));
}

/* web waits for migrate to exit 0, which waits for db's socket. */
static void
test_chain(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "web");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "web started (pid "));
	assert_state(d, "db", "running");
	assert_state(d, "migrate", "exited");
	assert_state(d, "web", "running");
	assert_true(stamp(d, "web.begin") > stamp(d, "migrate.end"));
	d_wait_log(d, "runnerd: web: waiting for migrate "
	    "(completed_successfully)\n");
	d_wait_log(d, "runnerd: migrate: waited ");
	d_wait_log(d, " s for db (ready)\n");
	d_wait_log(d, " s for migrate (completed_successfully), db "
	    "(started)\n");
	/* Started again: db runs and is not started twice. */
	r_status(CTL(d, "stop", "web"), 0);
	r_status(CTL(d, "start", "web"), 0);
	r = CTL(d, "status", "db");
	assert_non_null(strstr(r->out, "running"));
}

/*
 * healthy: web starts only after db's probe passed (db writes the file
 * the probe tests 0.3 s after its exec; web is ready once it wrote its
 * own stamp, so the start's answer means both exist), and one that turns
 * unhealthy before it was ever healthy fails the dependent.
 */
static void
test_healthy(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "h_web");
	r_status(r, 0);
	assert_state(d, "h_db", "running");
	assert_state(d, "h_web", "running");
	assert_true(stamp(d, "h_web.begin") > stamp(d, "h_db.ok"));
	d_wait_log(d, " s for h_db (healthy)\n");
	r = CTL(d, "start", "h_need");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EDEPEND: dependency 'h_sick' "
	    "failed: "));
	/* Its probe stopped it: the reason says so, not only the stop. */
	if (strstr(r->err, "EDEPEND: dependency 'h_sick' failed: unhealthy "
	    "after 2 failed probes (last: exit 1)") == NULL)
		fail_msg("runnerctl said: %s", r->err);
	assert_state(d, "h_need", "failed");
}

/* A diamond: base is started once, though two paths lead to it. */
static void
test_diamond(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(CTL(d, "start", "top"), 0);
	assert_state(d, "left", "running");
	assert_state(d, "right", "running");
	assert_state(d, "base", "running");
	r_status(CTL(d, "stop", "--all"), 0);
	r = CTL(d, "status", "base");	/* still listed, stopped */
	r_status(r, 0);
	{
		FILE	*fp;
		char	 all[64];
		size_t	 n;

		assert_non_null(fp = fopen(d_fmt(d, "%s/base.starts", d->dir),
		    "r"));
		n = fread(all, 1, sizeof(all) - 1, fp);
		all[n] = '\0';
		fclose(fp);
		assert_string_equal(all, "started\n");
	}
}

/* Every instance of a multi-instance dependency is started. */
static void
test_pool(void **state)
{
	struct daemon	*d = *state;

	r_status(CTL(d, "start", "usepool"), 0);
	assert_state(d, "pool-1", "running");
	assert_state(d, "pool-2", "running");
	assert_state(d, "pool-3", "running");
}

/*
 * A start of all of a pool's instances waits out their dependencies, as
 * a start of one does: answered once each ran, after the dependency's
 * first passing probe (its stamp file exists by then).
 */
static void
test_pool_waits(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "h_pool");
	r_status(r, 0);
	assert_string_equal(r->out, "h_pool: 2 started\n");
	assert_true(stamp(d, "h_db.ok") > 0);
	assert_state(d, "h_pool-1", "running");
	assert_state(d, "h_pool-2", "running");
}

/*
 * ... and fails, naming the dependency, when the dependency does (here
 * later: never ready within its ready_timeout, both instances waiting).
 */
static void
test_pool_dep_fails(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "f_pool");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EDEPEND: dependency 'deaf' failed: "));
	assert_non_null(strstr(r->err, "instances of 'f_pool'"));
	assert_state(d, "f_pool-1", "failed");
	assert_state(d, "f_pool-2", "failed");
}

/*
 * A second start of a pool whose instances wait (for the first start)
 * waits with it: not "all already running" while none runs (an issue-18
 * attack finding); with --strict it is refused, the instance said to be
 * starting.  Its hello, sent after it, is answered first.
 */
static void
test_pool_twice(void **state)
{
	struct daemon	*d = *state;
	struct client	*c1 = cl_open(d), *c2 = cl_open(d);
	struct json	*j;
	struct run	*r;
	long long	 t1, t2;

	t1 = cl_req(c1, "start", "{\"app\": \"g_pool\"}");
	d_wait_log(d, "runnerd: g_pool-2: waiting for gated (ready)\n");
	r = CTL(d, "start", "g_pool", "--strict");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EEXIST: 'g_pool-1' is already "
	    "starting (it waits for its dependencies"));
	t2 = cl_req(c2, "start", "{\"app\": \"g_pool\"}");
	j_ok(cl_reply_tag(c2, cl_req(c2, "hello", NULL)));
	assert_state(d, "g_pool-1", "waiting");
	open_gate(d);
	j = cl_reply_tag(c1, t1);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), 2);
	j = cl_reply_tag(c2, t2);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), 0);
	assert_state(d, "g_pool-1", "running");
	assert_state(d, "g_pool-2", "running");
}

static void
test_fail_exec(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct json	*j;
	int		 e;

	r = CTL(d, "start", "f_exec");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EDEPEND: dependency 'noexec' failed: "));
	j = st_json(d, "f_exec", &e);
	assert_true(json_streq(j, json_get(j, e, "state"), "failed"));
	assert_non_null(strstr(j_str(j, e, "reason"),
	    "dependency 'noexec' failed: "));
}

/* Exit 1 under completed_successfully; and the failure travels up. */
static void
test_fail_exit(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "f_up");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EDEPEND: dependency 'f_exit' failed: "
	    "dependency 'bad' failed: 'bad' exited with status 1"));
	assert_state(d, "f_exit", "failed");
	assert_state(d, "f_up", "failed");
}

static void
test_fail_ready_timeout(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "f_deaf");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EDEPEND: dependency 'deaf' failed: "));
	assert_state(d, "f_deaf", "failed");
}

/* Dependents first, by the times the processes took SIGTERM. */
static void
test_stop_all_order(void **state)
{
	struct daemon	*d = *state;

	r_status(CTL(d, "start", "s_web"), 0);
	r_status(CTL(d, "stop", "--all"), 0);
	top_down(d);
}

static void
test_shutdown_order(void **state)
{
	struct daemon	*d = *state;

	r_status(CTL(d, "start", "s_web"), 0);
	r_status(CTL(d, "shutdown"), 0);
	d_wait_exit(d);
	top_down(d);
}

/*
 * Shutdown while a chain waits (x_top for x_mid, x_mid for x_slow, which
 * is not ready for a minute): runnerd exits at once, stopping x_slow
 * (found by the issue-17 attack: the waiting x_mid was held for the stop
 * and never stopped, runnerd waited out the minute, then never exited).
 */
static void
test_shutdown_waiting(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	struct run	*r;
	char		*name;

	j_ok(cl_call(s, "subscribe", NULL));
	(void)cl_req(c, "start", "{\"app\": \"x_top\"}");
	do {
		j = cl_event(s, &name);
	} while (strcmp(name, "waiting") != 0 ||
	    !json_streq(j, json_get(j, json_get(j, 0, "ext"), "alias"),
	    "x_top"));
	assert_state(d, "x_mid", "waiting");
	assert_state(d, "x_slow", "starting");
	/*
	 * A roll leaves waiting instances waiting (it started them).  The
	 * pool's start waits for them to run, --no-wait or not: unanswered.
	 */
	(void)cl_req(c, "start", "{\"app\": \"x_pool\", \"wait\": false}");
	do {
		j = cl_event(s, &name);
	} while (strcmp(name, "waiting") != 0 ||
	    !json_streq(j, json_get(j, json_get(j, 0, "ext"), "alias"),
	    "x_pool-2"));
	r = CTL(d, "restart", "x_pool", "--rolling", "-v");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "x_pool-1: not running, left alone "
	    "(waiting)\n"));
	assert_state(d, "x_pool-1", "waiting");
	assert_state(d, "x_pool-2", "waiting");
	r_status(CTL(d, "shutdown"), 0);
	d_wait_exit(d);		/* bounded: T_WAIT_MS, well under 60 s */
	d_wait_log(d, "runnerd: x_slow: stopping pid ");
}

static void
test_stop_refused(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(CTL(d, "start", "s_web"), 0);
	r = CTL(d, "stop", "s_db");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EDEPEND: 's_db' is needed by 's_mid'"));
	assert_state(d, "s_db", "running");
	r = CTL(d, "stop", "s_mid", "--with-dependents");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "s_mid stopped\n"));
	assert_non_null(strstr(r->out, "s_web stopped\n"));
	assert_state(d, "s_db", "running");
	assert_true(stamp(d, "s_mid.term") - stamp(d, "s_web.term") >=
	    300000000LL);
}

/* r_web restarts after r_db does; r_keep (the default) keeps running. */
static void
test_dependency_restart(void **state)
{
	struct daemon	*d = *state;
	struct json	*j;
	long long	 web, keep;
	size_t		 mark;
	int		 e;

	r_status(CTL(d, "start", "r_web"), 0);
	r_status(CTL(d, "start", "r_keep"), 0);
	j = st_json(d, "r_web", &e);
	web = j_int(j, e, "pid");
	j = st_json(d, "r_keep", &e);
	keep = j_int(j, e, "pid");
	/* Its first start's line is read: what follows the mark is newer. */
	d_wait_log(d, d_fmt(d, "runnerd: r_web: started r_web (pid %lld)",
	    web));
	mark = d_log_mark(d);
	r_status(CTL(d, "restart", "r_db"), 0);
	d_wait_log_from(d, mark, "runnerd: r_web: restarting: a dependency "
	    "restarted\n");
	d_wait_log_from(d, mark, "runnerd: r_web: started r_web (pid ");
	j = st_json(d, "r_web", &e);
	assert_true(j_int(j, e, "pid") != web);
	j = st_json(d, "r_keep", &e);
	assert_int_equal(j_int(j, e, "pid"), keep);
}

static void
test_deps_output(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "deps", "web");
	r_status(r, 0);
	assert_string_equal(r->out, "web\n  migrate (completed_successfully)\n"
	    "    db (ready)\n  db (started)\n");
	r = CTL(d, "deps", "--json", "migrate");
	r_status(r, 0);
	assert_string_equal(r->out, "{\"apps\":[{\"app\":\"db\",\"depends_on\":"
	    "[],\"on_dependency_restart\":\"none\"},{\"app\":\"migrate\","
	    "\"depends_on\":[{\"app\":\"db\",\"condition\":\"ready\"}],"
	    "\"on_dependency_restart\":\"none\"}]}\n");
	r = CTL(d, "deps");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "\ntop\n  left (started)\n    base "
	    "(started)\n  right (ready)\n    base (ready)\n"));
	assert_null(strstr(r->out, "\nbase\n"));	/* under others only */
	r = CTL(d, "deps", "nosuch");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "ENOAPP"));
}

static void
test_chain_50(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "c0");
	r_status(r, 0);
	assert_state(d, d_fmt(d, "c%d", CHAIN - 1), "running");
	r = CTL(d, "stop", "--all");
	r_status(r, 0);
	assert_state(d, d_fmt(d, "c%d", CHAIN - 1), "stopped");
	assert_state(d, "c0", "stopped");
}

/* The client leaves while its start waits: the start goes on. */
static void
test_client_leaves(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 e;

	cl_req(c, "start", "{\"app\": \"g_web\"}");
	d_wait_log(d, "runnerd: g_web: waiting for gated (ready)\n");
	j = st_json(d, "g_web", &e);
	assert_true(json_streq(j, json_get(j, e, "state"), "waiting"));
	assert_string_equal(j_str(j, e, "waiting_for"), "gated (ready)");
	cl_close(c);
	open_gate(d);
	d_wait_log(d, "runnerd: g_web: started g_web (pid ");
	assert_state(d, "g_web", "running");
}

/*
 * A dependency's name taken by another app's instance is not it.  A start
 * cannot take an app's name as its alias (refused, EEXIST), but an update
 * can add an app named as a running alias.
 */
static void
test_alias_taken(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	const char	*more = "apps = { late = { command = \"cat\"; }; "
	    "uselate = { command = \"cat\"; depends_on = { late = "
	    "\"started\"; }; }; };";

	r = CTL(d, "start", "base", "--alias", "db");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EEXIST: alias 'db' is the name of "
	    "app 'db'"));
	r_status(CTL(d, "start", "base", "--alias", "late"), 0);
	r_status(ctl_in(d, more, strlen(more), "update", "-", NULL), 0);
	r = CTL(d, "start", "uselate");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "EDEPEND: dependency 'late' failed: "
	    "'late' is an instance of app 'base'"));
	assert_state(d, "late", "running");	/* left alone */
}

/* One instance of a pool stopped by hand: what needs the pool fails. */
static void
test_pool_member_stopped(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(CTL(d, "start", "pool"), 0);
	r_status(CTL(d, "stop", "pool-2"), 0);
	/* Started again, as any dependency not running is. */
	r_status(CTL(d, "start", "usepool"), 0);
	assert_state(d, "pool-2", "running");
	r = CTL(d, "stop", "pool-2");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "'pool-2' is needed by 'usepool'"));
}

/* A waiting instance stopped: its wait ends, it never starts. */
static void
test_stop_waiting(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	long long	 tag;

	tag = cl_req(c, "start", "{\"app\": \"g_web\"}");
	d_wait_log(d, "runnerd: g_web: waiting for gated (ready)\n");
	r_status(CTL(d, "stop", "g_web"), 0);
	j = cl_reply_tag(c, tag);
	j_err(j, "ESPAWN");
	assert_state(d, "g_web", "stopped");
	open_gate(d);
	r_status(CTL(d, "start", "gated"), 0);	/* answers once ready */
	assert_state(d, "gated", "running");
	assert_state(d, "g_web", "stopped");
	assert_true(access(d_fmt(d, "%s/g_web.begin", d->dir), F_OK) == -1);
	cl_close(c);
}

/* At a terminal, runnerctl start says what it waits for, from events. */
static void
test_start_shows_wait(void **state)
{
	struct daemon	*d = *state;
	struct ptyrun	*p;

	p = pty_spawn(d, NULL, "start", "g_web", (char *)NULL);
	pty_wait_for(p, "runnerctl: starting 'g_web': waits for gated "
	    "(ready)... ");
	open_gate(d);
	assert_int_equal(pty_finish(p), 0);
	assert_non_null(strstr(p->text, "g_web started (pid "));
}

/* A reload that removes a stack stops it from the top down. */
static void
test_reload_removes(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(CTL(d, "start", "s_web"), 0);
	d_file(d, "runner.conf", "apps = { cat = { command = \"cat\"; }; };\n");
	r = CTL(d, "reload");
	r_status(r, 0);
	d_wait_log(d, "runnerd: s_db: pid ");
	top_down(d);
}

/*
 * An update that adds an autostart app with a dependency starts the
 * dependency first; a restart of an instance still waiting waits on.
 */
static void
test_update_autostart(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct client	*c = cl_open(d);
	long long	 tag, rtag;
	const char	*upd = "apps = { auto_web = { command = \"cat\"; "
	    "autostart = true; depends_on = { base = \"started\"; }; }; };";

	r = ctl_in(d, upd, strlen(upd), "update", "-", (char *)NULL);
	r_status(r, 0);
	d_wait_log(d, "runnerd: auto_web: starting base, which it depends "
	    "on\n");
	d_wait_log(d, "runnerd: auto_web: started auto_web (pid ");
	assert_state(d, "base", "running");
	/* g_web waits for the gate; a restart of it waits with it. */
	tag = cl_req(c, "start", "{\"app\": \"g_web\", \"wait\": false}");
	d_wait_log(d, "runnerd: g_web: waiting for gated (ready)\n");
	rtag = cl_req(c, "restart", "{\"alias\": \"g_web\"}");
	open_gate(d);
	j_ok(cl_reply_tag(c, tag));
	j_ok(cl_reply_tag(c, rtag));
	d_wait_log(d, "runnerd: g_web: started g_web (pid ");
	cl_close(c);
}

/*
 * Autostart follows the graph: web, first in the file, starts db and
 * waits for it; db's own autostart then finds it started, once.
 */
static int
auto_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, d_fmt(d, "apps = {\n"
	    "  web = { command = \"cat\"; autostart = true; "
	    "depends_on = { db = \"ready\"; }; };\n"
	    "  db = { command = [\"socat\", \"UNIX-LISTEN:db.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"db.sock\"; "
	    "cwd = \"%s\"; autostart = true; };\n"
	    "};\n", d->dir));
	return (0);
}

static void
test_autostart_order(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	d_wait_log(d, "runnerd: web: started web (pid ");
	assert_state(d, "db", "running");
	assert_state(d, "web", "running");
	r = CTL(d, "status");
	r_status(r, 0);
	assert_null(strstr(strstr(r->out, "\ndb ") + 1, "\ndb "));
	d_wait_log(d, " s for db (ready)\n");
}

#define CYCLE "apps = {\n a = { command = \"cat\"; };\n" \
	" x = { command = \"cat\"; depends_on = { y = \"started\"; }; };\n" \
	" y = { command = \"cat\"; depends_on = { x = \"ready\"; }; };\n};\n"

static void
test_cycle_load(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*argv[5];

	d_file(d, "cycle.conf", CYCLE);
	argv[0] = d->runnerd;
	argv[1] = (char *)"-n";
	argv[2] = (char *)"-c";
	argv[3] = d_fmt(d, "%s/cycle.conf", d->dir);
	argv[4] = NULL;
	r = t_run(d, argv, NULL, 0);
	r_status(r, 1);
	assert_non_null(strstr(r->err, d_fmt(d, "%s/cycle.conf:3: "
	    "apps.x.depends_on.y: dependency cycle: x -> y -> x", d->dir)));
}

static void
test_cycle_reload(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	d_file(d, "runner.conf", CYCLE);
	r = CTL(d, "reload");
	r_status(r, 1);
	assert_non_null(strstr(r->err, d_fmt(d, "%s:3: apps.x.depends_on.y: "
	    "dependency cycle: x -> y -> x", d->conf)));
	r = CTL(d, "deps", "web");		/* the old graph */
	r_status(r, 0);
	assert_non_null(strstr(r->out, "migrate (completed_successfully)"));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, dep_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_chain),
		T(test_healthy),
		T(test_diamond), T(test_pool), T(test_pool_waits),
		T(test_pool_dep_fails), T(test_pool_twice),
		T(test_fail_exec), T(test_fail_exit),
		T(test_fail_ready_timeout), T(test_stop_all_order),
		T(test_shutdown_order), T(test_shutdown_waiting),
		T(test_stop_refused),
		T(test_dependency_restart), T(test_deps_output),
		T(test_chain_50), T(test_client_leaves), T(test_stop_waiting), T(test_alias_taken),
		T(test_pool_member_stopped),
		T(test_start_shows_wait),
		T(test_reload_removes), T(test_update_autostart),
		T(test_cycle_load), T(test_cycle_reload),
		cmocka_unit_test_setup_teardown(test_autostart_order,
		    auto_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
