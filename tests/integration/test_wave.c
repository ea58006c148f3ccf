/*
 * test_wave.c: a start of many instances is a wave of launches that
 * never stalls runnerd (launchq.c).  Through the real runnerd on a
 * private socket, with RUNNERD_LAUNCH_BATCH=1 (one launch per turn of
 * its loop), so that the wave spans hundreds of turns and what another
 * client sends meanwhile lands in the middle of it, whatever the
 * machine's speed: a status is answered mid-wave (its not yet launched
 * instances "waiting" for "its turn to start"), and the start answered
 * after; a crash of them all is a wave of restarts; a stop of everything, a second start, a reload removing the
 * app, a shutdown and an upgrade arriving mid-wave; a client that
 * vanishes (the wave goes on); a launch failing in the middle (the
 * answer says how many were started, the rest are not); the N
 * instances of a dependency a dependent's start starts are a wave too
 * (a status answered among them, the dependent waiting; one that cannot
 * be executed fails the dependent; a stop of everything among them).
 * Each waits for what it needs to see (a reply, a state), never for
 * time.
 */

/*
 * Hundreds of forks and execs, one per turn, took seconds on a loaded
 * 2-core machine: the bound on each wait is raised for this file alone,
 * so a slow machine is not a failure and a hang still is.
 */
#define T_WAIT_MS	60000

#include "daemon.h"
#include "client.h"

#define N	200		/* instances of many */

/* The configuration, with extra apps (a reload's). */
static const char *
wave_conf(struct daemon *d, const char *extra)
{
	return (d_fmt(d, "apps = {\n"
	    "  many = { command = \"cat\"; instances = %d; restart = \"no\"; };\n"
	    "  here = { command = \"cat\"; instances = %d; restart = \"no\"; "
	    "cwd = \"%s/sub\"; };\n"
	    "  crashy = { command = \"cat\"; instances = %d; "
	    "restart = \"always\"; backoff_reset = 0.001; };\n"
	    "%s};\n", N, N, d->dir, N, extra));
}

/* What a reload adds: N instances, and one that cannot be executed. */
static const char *
wave_grown(struct daemon *d)
{
	return (wave_conf(d, d_fmt(d,
	    "  grown = { command = \"cat\"; instances = %d; autostart = true; "
	    "restart = \"no\"; };\n"
	    "  broken = { command = \"%s/no-such-program\"; autostart = true; "
	    "restart = \"no\"; };\n", N, d->dir)));
}

static int
wave_setup(void **state)
{
	struct daemon	*d;

	/* Read by runnerd at its first launch: one launch per turn. */
	setenv("RUNNERD_LAUNCH_BATCH", "1", 1);
	t_setup_bare(state);
	d = *state;
	assert_int_equal(mkdir(d_fmt(d, "%s/sub", d->dir), 0700), 0);
	d_start(d, wave_conf(d, ""));
	return (0);
}

/*
 * With apps that depend on others: upper on the N instances of lower,
 * usenox on one that cannot be executed.
 */
static int
dep_wave_setup(void **state)
{
	struct daemon	*d;

	setenv("RUNNERD_LAUNCH_BATCH", "1", 1);
	t_setup_bare(state);
	d = *state;
	assert_int_equal(mkdir(d_fmt(d, "%s/sub", d->dir), 0700), 0);
	d_start(d, wave_conf(d, d_fmt(d,
	    "  lower = { command = \"cat\"; instances = %d; "
	    "restart = \"no\"; };\n"
	    "  upper = { command = \"cat\"; restart = \"no\"; "
	    "depends_on = { lower = \"ready\"; }; };\n"
	    "  nox = { command = \"%s/no-such-program\"; restart = \"no\"; "
	    "};\n"
	    "  usenox = { command = \"cat\"; depends_on = { nox = "
	    "\"started\"; }; };\n", N, d->dir)));
	return (0);
}

/* How many of app's instances status lists in state (NULL: any). */
static int
count_state(struct client *c, const char *app, const char *st)
{
	struct json	*j;
	int		 a, k, e, n = 0;

	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	for (k = 0; k < json_len(j, a); k++) {
		e = json_at(j, a, k);
		if (json_streq(j, json_get(j, e, "app"), app) &&
		    (st == NULL || json_streq(j, json_get(j, e, "state"), st)))
			n++;
	}
	return (n);
}

/* Every instance of app runs (launched once each); then all stop. */
static void
all_running(struct client *c, const char *app)
{
	assert_int_equal(count_state(c, app, "running"), N);
	assert_int_equal(count_state(c, app, NULL), N);
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
}

/* Wait (bounded, as cl_wait_state) until status lists none of app's. */
static void
wait_gone(struct client *c, const char *app)
{
	long long	 end = t_ms() + T_WAIT_MS;

	while (count_state(c, app, NULL) > 0) {
		if (t_ms() > end)
			fail_msg("instances of '%s' still listed after %d ms",
			    app, T_WAIT_MS);
		usleep(10000);
	}
}

/*
 * Wait until the wave of app is under way: some launched, some still
 * waiting their turn (each status request is a turn of the loop, so
 * the wave moves on between them).  Fails if the wave ended first,
 * which with N launches one per turn it cannot.
 */
static void
mid_wave(struct client *c, const char *app)
{
	int	 k;

	for (k = 0; k < N; k++) {
		if (count_state(c, app, "running") > 0) {
			assert_true(count_state(c, app, "waiting") > 0);
			return;
		}
	}
	fail_msg("no instance of %s launched in %d turns", app, N);
}

/*
 * A status from another client is answered in the middle of the wave:
 * the instances not launched yet are listed waiting for their turn;
 * then the start answers with every alias, in order.
 */
static void
test_status_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;
	int		 arr, k, e, ext, turns, listed = 0, waiting = 0;
	char		 alias[32];

	tag = cl_req(a, "start", "{\"app\": \"many\"}");
	/*
	 * b's status may be read in the same turn as a's start, and before
	 * it (a loaded machine): ask again until many is listed.  A start
	 * launches one per turn, so most still wait when it first is.
	 */
	for (turns = 0; listed == 0; turns++) {
		if (turns == N)
			fail_msg("many not listed after %d statuses", N);
		j = cl_call(b, "status", NULL);
		arr = j_type(j, j_ok(j), "instances", JSON_ARRAY);
		for (k = 0; k < json_len(j, arr); k++) {
			e = json_at(j, arr, k);
			if (!json_streq(j, json_get(j, e, "app"), "many"))
				continue;
			listed++;
			if (!json_streq(j, json_get(j, e, "state"),
			    "waiting"))
				continue;
			waiting++;
			assert_string_equal(j_str(j, e, "waiting_for"),
			    "its turn to start");
			assert_int_equal(j_int(j, e, "pid"), 0);
		}
	}
	assert_true(waiting > 0);
	j = cl_reply_tag(a, tag);
	ext = j_ok(j);
	arr = j_type(j, ext, "started", JSON_ARRAY);
	assert_int_equal(json_len(j, arr), N);
	for (k = 0; k < N; k++) {
		snprintf(alias, sizeof(alias), "many-%d", k + 1);
		assert_true(json_streq(j, json_at(j, arr, k), alias));
	}
	all_running(b, "many");
}

/*
 * stop --all mid-wave: what was launched stops, what was queued never
 * launches (stopped at once); the start answers that it was stopped.
 */
static void
test_stop_all_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;

	tag = cl_req(a, "start", "{\"app\": \"many\"}");
	mid_wave(b, "many");
	j_ok(cl_call(b, "stop", "{\"all\": true}"));
	j = cl_reply_tag(a, tag);
	j_err(j, "ESPAWN");
	assert_non_null(strstr(j_str(j, 0, "message"),
	    "was stopped before it ran (not every one of the 200 instances "
	    "of 'many' was started)"));
	/* Every one stopped, none launched after the stop. */
	assert_int_equal(count_state(b, "many", "stopped"), N);
	assert_int_equal(count_state(b, "many", NULL), N);
	assert_int_equal(count_state(a, "many", "stopped"), N);
}

/*
 * A second start of the same app mid-wave launches nothing twice: it
 * waits for the first's instances and both are answered.
 */
static void
test_second_start_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 ta, tb;
	int		 k;
	const char	*p;

	ta = cl_req(a, "start", "{\"app\": \"many\"}");
	mid_wave(b, "many");
	tb = cl_req(b, "start", "{\"app\": \"many\"}");
	j = cl_reply_tag(b, tb);
	/* Launched by the first: none by this one. */
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), 0);
	j = cl_reply_tag(a, ta);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), N);
	assert_int_equal(count_state(b, "many", "running"), N);
	/* One launch each: one "started" line per instance in the log. */
	d_wait_log(d, "runnerd: many-200: started many (pid ");
	pthread_mutex_lock(&d->mu);
	for (k = 0, p = d->log; (p = memmem(p, d->loglen - (size_t)(p -
	    d->log), ": started many (pid ", 19)) != NULL; p++)
		k++;
	pthread_mutex_unlock(&d->mu);
	assert_int_equal(k, N);
	j_ok(cl_call(b, "stop", "{\"all\": true}"));
}

/* The starting client vanishes: the wave goes on to the end. */
static void
test_client_vanishes(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;

	cl_req(a, "start", "{\"app\": \"many\"}");
	mid_wave(b, "many");
	cl_close(a);
	(void)cl_wait_state(b, "many-200", "running", &j);
	all_running(b, "many");
}

/*
 * A launch fails in the middle (the app's cwd removed mid-wave): the
 * start answers with the error and how many it started; the failed one
 * is listed failed, and the rest of the wave was never launched.
 */
static void
test_failure_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	const char	*msg, *p;
	long long	 tag;
	int		 n;

	tag = cl_req(a, "start", "{\"app\": \"here\"}");
	mid_wave(b, "here");
	assert_int_equal(rmdir(d_fmt(d, "%s/sub", d->dir)), 0);
	j = cl_reply_tag(a, tag);
	j_err(j, "ESPAWN");
	msg = j_str(j, 0, "message");
	assert_non_null(p = strstr(msg, " of 200 instances of 'here' were "
	    "started)"));
	while (p > msg && p[-1] >= '0' && p[-1] <= '9')
		p--;
	n = atoi(p);
	assert_true(n > 0 && n < N);
	assert_int_equal(count_state(b, "here", "running"), n);
	assert_int_equal(count_state(b, "here", "failed"), 1);
	assert_int_equal(count_state(b, "here", NULL), n + 1);
	assert_int_equal(mkdir(d_fmt(d, "%s/sub", d->dir), 0700), 0);
	j_ok(cl_call(b, "stop", "{\"all\": true}"));
}

/*
 * A reload that removes the app mid-wave: its instances go, launched or
 * not, and the start answers that they were stopped.
 */
static void
test_reload_removes_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;

	tag = cl_req(a, "start", "{\"app\": \"many\"}");
	mid_wave(b, "many");
	j_ok(cl_call(b, "reload", "{\"config\": %s}", t_jstr("apps = { "
	    "other = { command = \"cat\"; }; };\n")));
	j = cl_reply_tag(a, tag);
	j_err(j, "ESPAWN");
	assert_non_null(strstr(j_str(j, 0, "message"), "(not every one of "
	    "the 200 instances of 'many' was started)"));
	wait_gone(b, "many");
}

/*
 * A shutdown mid-wave: nothing more is launched, everything stops and
 * runnerd exits cleanly (teardown: no process of it left).
 */
static void
test_shutdown_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);

	cl_req(a, "start", "{\"app\": \"many\"}");
	mid_wave(b, "many");
	j_ok(cl_call(b, "shutdown", NULL));
	(void)d_wait_exit(d);
	d_assert_clean_exit(d);
}

/*
 * Every instance killed at once: the restarts are a wave too, a status
 * is answered while some still wait in backoff with no process, and
 * each instance is restarted once.
 */
static void
test_crash_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*b = cl_open(d);
	struct json	*j;
	pid_t		 pids[N];
	int		 arr, k, e, n = 0;

	j = cl_call(b, "start", "{\"app\": \"crashy\"}");
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), N);
	j = cl_call(b, "status", NULL);
	arr = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	for (k = 0; k < json_len(j, arr); k++) {
		e = json_at(j, arr, k);
		if (json_streq(j, json_get(j, e, "app"), "crashy"))
			pids[n++] = (pid_t)j_int(j, e, "pid");
	}
	assert_int_equal(n, N);
	for (k = 0; k < N; k++)
		assert_int_equal(kill(pids[k], SIGKILL), 0);
	/* Restarted one per turn: some wait while others run again. */
	while (count_state(b, "crashy", "backoff") == 0)
		;
	assert_true(count_state(b, "crashy", "running") < N);
	for (k = 1; k <= N; k++) {
		e = cl_wait_state(b, d_fmt(d, "crashy-%d", k), "running", &j);
		assert_int_equal(j_int(j, e, "restarts"), 1);
		assert_true(j_int(j, e, "pid") != pids[k - 1]);
	}
	j_ok(cl_call(b, "stop", "{\"all\": true}"));
}

/*
 * A reload that adds 200 instances is a wave too: a status from another
 * client is answered in the middle of it, with those not launched yet
 * waiting their turn, and the reload answers once all had it: every
 * alias started, in order, and the one that cannot be executed failed
 * with why.  Its client half-closed after asking: it is answered all
 * the same.
 */
static void
test_reload_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;
	int		 arr, ext, e, k;
	char		 alias[32];

	tag = cl_req(a, "reload", "{\"config\": %s}", t_jstr(wave_grown(d)));
	assert_int_equal(shutdown(a->fd, SHUT_WR), 0);
	mid_wave(b, "grown");
	j = cl_reply_tag(a, tag);
	ext = j_ok(j);
	arr = j_type(j, ext, "started", JSON_ARRAY);
	assert_int_equal(json_len(j, arr), N);
	for (k = 0; k < N; k++) {
		snprintf(alias, sizeof(alias), "grown-%d", k + 1);
		assert_true(json_streq(j, json_at(j, arr, k), alias));
	}
	arr = j_type(j, ext, "failed", JSON_ARRAY);
	assert_int_equal(json_len(j, arr), 1);
	e = json_at(j, arr, 0);
	assert_string_equal(j_str(j, e, "alias"), "broken");
	assert_non_null(strstr(j_str(j, e, "error"), "no-such-program"));
	all_running(b, "grown");
}

/*
 * stop --all in the middle of a reload's wave: the reload answers with
 * what it started, and each one stopped before its turn as failed, for
 * that reason; none is launched after the stop.
 */
static void
test_reload_stopped_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;
	int		 started, failed, ext, arr, k;

	tag = cl_req(a, "reload", "{\"config\": %s}", t_jstr(wave_grown(d)));
	mid_wave(b, "grown");
	j_ok(cl_call(b, "stop", "{\"all\": true}"));
	j = cl_reply_tag(a, tag);
	ext = j_ok(j);
	started = json_len(j, j_type(j, ext, "started", JSON_ARRAY));
	arr = j_type(j, ext, "failed", JSON_ARRAY);
	failed = 0;
	for (k = 0; k < json_len(j, arr); k++) {
		if (strcmp(j_str(j, json_at(j, arr, k), "error"),
		    "stopped before its turn to start came") == 0)
			failed++;
	}
	/* broken, queued last, is one of those stopped before their turn. */
	assert_true(started > 0 && failed > 1);
	assert_int_equal(json_len(j, arr), failed);
	assert_int_equal(started + failed, N + 1);
	assert_int_equal(count_state(b, "grown", "stopped"), N);
	assert_int_equal(count_state(b, "grown", NULL), N);
}

/*
 * The reloading client vanishes mid-wave: the reload is in force and
 * its wave goes on to the end; a second reload that removes the app in
 * the middle of another's wave stops it all, and both are answered.
 */
static void
test_reload_client_vanishes(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;

	cl_req(a, "reload", "{\"config\": %s}", t_jstr(wave_grown(d)));
	mid_wave(b, "grown");
	cl_close(a);
	(void)cl_wait_state(b, "grown-200", "running", &j);
	all_running(b, "grown");
	j_ok(cl_call(b, "reload", "{\"config\": %s}", t_jstr(wave_conf(d,
	    ""))));
	wait_gone(b, "grown");

	a = cl_open(d);
	tag = cl_req(a, "reload", "{\"config\": %s}", t_jstr(wave_grown(d)));
	mid_wave(b, "grown");
	j = cl_call(b, "reload", "{\"config\": %s}", t_jstr(wave_conf(d,
	    "")));
	assert_true(json_streq(j, json_at(j, j_type(j, j_ok(j), "removed",
	    JSON_ARRAY), 0), "grown"));
	j = cl_reply_tag(a, tag);
	assert_true(json_len(j, j_type(j, j_ok(j), "failed", JSON_ARRAY)) >
	    0);
	wait_gone(b, "grown");
}

/*
 * An upgrade asked while tag (on a: a start or a reload) launches app's
 * N instances: the request is answered in full, all N started, by this
 * runnerd, then the upgrade by the next, with every instance running
 * under it.
 */
static void
upgrade_mid(struct daemon *d, long long tag, struct client *a,
    const char *app)
{
	struct client	*b = cl_open(d);
	struct json	*j;
	long long	 tb;

	mid_wave(b, app);
	tb = cl_req(b, "upgrade", NULL);
	j = cl_reply_tag(a, tag);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), N);
	j = cl_reply_tag(b, tb);
	assert_int_equal(j_int(j, j_ok(j), "upgrades"), 1);
	all_running(b, app);
}

/*
 * An upgrade mid-wave waits for the wave (the handover carries none):
 * the start is answered in full by this runnerd, then the upgrade by
 * the next, with every instance running under it.
 */
static void
test_upgrade_mid_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d);

	upgrade_mid(d, cl_req(a, "start", "{\"app\": \"many\"}"), a,
	    "many");
}

/*
 * A reload asked while a shutdown waits for an instance that ignores its
 * stop signal: refused, as a start is then, with nothing queued (its
 * starts would run on after the last stop, and runnerd never exit);
 * once that instance is killed, runnerd exits cleanly.
 */
static void
test_reload_during_shutdown(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	const char	*stubborn;
	pid_t		 pid;

	stubborn = "  stubborn = { command = [\"sh\", \"-c\", \"trap '' TERM; "
	    "echo up; exec cat\"]; stop_timeout = 600; restart = \"no\"; };\n";
	j_ok(cl_call(a, "reload", "{\"config\": %s}", t_jstr(wave_conf(d,
	    stubborn))));
	pid = cl_start(a, "stubborn", "stubborn");
	cl_read_expect(a, "stubborn", "up\n", 3);
	j_ok(cl_call(b, "shutdown", NULL));
	(void)cl_wait_state(a, "stubborn", "stopping", &j);
	j = cl_call(a, "reload", "{\"config\": %s}", t_jstr(wave_conf(d,
	    d_fmt(d, "%s  grown = { command = \"cat\"; instances = %d; "
	    "autostart = true; restart = \"no\"; };\n", stubborn, N))));
	j_err(j, "EPERM");
	assert_int_equal(count_state(a, "grown", NULL), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	(void)d_wait_exit(d);
	d_assert_clean_exit(d);
}

/*
 * An upgrade asked in the middle of a reload's wave waits for it: the
 * reload is answered in full by this runnerd, every start had its turn,
 * then the upgrade by the next, with every instance running under it.
 */
static void
test_upgrade_mid_reload(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d);

	upgrade_mid(d, cl_req(a, "reload", "{\"config\": %s}",
	    t_jstr(wave_grown(d))), a, "grown");
}

/*
 * A reload adds an app and, after it in the same wave, the app it
 * depends on: the dependent's turn finds its dependency queued (waiting
 * its turn, not failed), waits for it, and both run; the reload lists
 * both started and none failed.
 */
static void
test_reload_dependency_in_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d);
	struct json	*j;
	int		 ext, e;

	j = cl_call(a, "reload", "{\"config\": %s}", t_jstr(wave_conf(d,
	    "  front = { command = \"cat\"; instances = 3; autostart = true; "
	    "restart = \"no\"; depends_on = { back = \"started\"; }; };\n"
	    "  back = { command = \"cat\"; instances = 3; autostart = true; "
	    "restart = \"no\"; };\n")));
	ext = j_ok(j);
	assert_int_equal(json_len(j, j_type(j, ext, "started", JSON_ARRAY)),
	    6);
	assert_int_equal(json_len(j, j_type(j, ext, "failed", JSON_ARRAY)),
	    0);
	e = cl_wait_state(a, "front-3", "running", &j);
	assert_true(j_int(j, e, "pid") > 0);
	assert_int_equal(count_state(a, "back", "running"), 3);
	assert_int_equal(count_state(a, "front", "running"), 3);
}

/*
 * A start of upper starts the N instances of lower it depends on as a
 * wave: a status from another client is answered while some still wait
 * their turn (upper waiting for them), and upper runs, answered, once
 * all N run.
 */
static void
test_dependency_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;
	int		 arr, k, e, waiting = 0;

	tag = cl_req(a, "start", "{\"app\": \"upper\"}");
	mid_wave(b, "lower");
	j = cl_call(b, "status", NULL);
	arr = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	for (k = 0; k < json_len(j, arr); k++) {
		e = json_at(j, arr, k);
		if (json_streq(j, json_get(j, e, "alias"), "upper")) {
			assert_string_equal(j_str(j, e, "state"), "waiting");
			assert_string_equal(j_str(j, e, "waiting_for"),
			    "lower (ready)");
			continue;
		}
		if (!json_streq(j, json_get(j, e, "app"), "lower") ||
		    !json_streq(j, json_get(j, e, "state"), "waiting"))
			continue;
		waiting++;
		assert_string_equal(j_str(j, e, "waiting_for"),
		    "its turn to start");
		assert_int_equal(j_int(j, e, "pid"), 0);
	}
	assert_true(waiting > 0);
	j = cl_reply_tag(a, tag);
	e = j_ok(j);
	assert_string_equal(j_str(j, e, "state"), "running");
	assert_true(j_int(j, e, "pid") > 0);
	assert_int_equal(count_state(b, "lower", "running"), N);
	d_wait_log(d, " s for lower (ready)\n");
	all_running(b, "lower");
}

/*
 * A dependency queued by its dependent that cannot be executed fails in
 * its turn, and the dependent's start with it: EDEPEND, naming the
 * dependency and why, in the answer and in status.
 */
static void
test_dependency_wave_fails(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d);
	struct json	*j;
	const char	*why;
	int		 e;

	why = d_fmt(d, "dependency 'nox' failed: cannot execute "
	    "'%s/no-such-program': No such file or directory", d->dir);
	j = cl_call(a, "start", "{\"app\": \"usenox\"}");
	j_err(j, "EDEPEND");
	assert_string_equal(j_str(j, 0, "message"), why);
	e = cl_status_of(a, "usenox", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
	assert_string_equal(j_str(j, e, "reason"), why);
	e = cl_status_of(a, "nox", &j);
	assert_string_equal(j_str(j, e, "state"), "failed");
}

/*
 * stop --all while the dependencies are being launched: nothing is left
 * running, none is launched after, and the dependent's start answers
 * that it was stopped before it ran.
 */
static void
test_dependency_wave_stopped(void **state)
{
	struct daemon	*d = *state;
	struct client	*a = cl_open(d), *b = cl_open(d);
	struct json	*j;
	long long	 tag;
	int		 e;

	tag = cl_req(a, "start", "{\"app\": \"upper\"}");
	mid_wave(b, "lower");
	j_ok(cl_call(b, "stop", "{\"all\": true}"));
	j = cl_reply_tag(a, tag);
	j_err(j, "ESPAWN");
	assert_non_null(strstr(j_str(j, 0, "message"), "'upper' stopped "
	    "before it was ready"));
	assert_int_equal(count_state(b, "lower", "stopped"), N);
	assert_int_equal(count_state(b, "lower", NULL), N);
	e = cl_status_of(b, "upper", &j);
	assert_string_equal(j_str(j, e, "state"), "stopped");
	assert_int_equal(j_int(j, e, "pid"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_stop_all_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_second_start_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_client_vanishes,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_failure_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reload_removes_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_crash_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reload_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reload_stopped_mid_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reload_client_vanishes,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reload_during_shutdown,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_mid_reload,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reload_dependency_in_wave,
		    wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dependency_wave,
		    dep_wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dependency_wave_fails,
		    dep_wave_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dependency_wave_stopped,
		    dep_wave_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
