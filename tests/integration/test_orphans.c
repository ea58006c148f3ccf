/*
 * test_orphans.c: the orphan sweep kills only what the instance that
 * ended left behind (runnerd(8), "Orphans").  runnerd is a child
 * subreaper, so the double-forked helper of a running instance (gpg-agent
 * style) becomes runnerd's child: an unrelated instance's exit must not
 * kill it, while the helper of the instance that ended is killed, with a
 * log line naming that instance.  Helpers that left their session
 * (setsid) are placed by age: one of a running instance older than it
 * is left alone, one nobody running can own is killed.  One seen under
 * its instance at a stop is that instance's, by name (runnerd once
 * recorded another instance's alias for it, and read past the end of
 * its list when that was short: the soak's SIGSEGV).
 */

#include "daemon.h"

#define NBURST	12	/* instances ended at once */
#define NFLEE	6	/* instances whose helper flees at the stop */
#define NCROWD	800	/* more children than a page of /proc lists */

/*
 * flee's helper: up.MAIN holds its pid; at the stop signal it leaves its
 * session and process group (setsid), after runnerd's walk of the
 * instance's processes, then says so (fled.MAIN) for its main process to
 * exit, and lives on.
 */
static const char flee_py[] =
    "import os, signal, sys, time\n"
    "main = sys.argv[1]\n"
    "def fled(sig, frame):\n"
    "    os.setsid()\n"
    "    open('fled.' + main, 'w').close()\n"
    "signal.signal(signal.SIGTERM, fled)\n"
    "with open('up.' + main + '.tmp', 'w') as f:\n"
    "    f.write(str(os.getpid()))\n"
    "os.rename('up.' + main + '.tmp', 'up.' + main)\n"
    "while True:\n"
    "    time.sleep(1)\n";

static char *
o_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  x = { command = [\"sh\", \"-c\", \"(sleep 301 &); "
	    "exec sleep 300\"]; restart = \"no\"; };\n"
	    "  quick = { command = [\"sh\", \"-c\", \"exit 0\"]; "
	    "restart = \"no\"; };\n"
	    "  ender = { command = [\"bash\", \"-c\", \"set -m; "
	    "(sleep 304 &); "
	    "while [ ! -e go ]; do sleep 0.01; done\"]; cwd = \"%s\"; "
	    "restart = \"no\"; };\n"
	    "  daemon = { command = [\"sh\", \"-c\", \"(setsid sleep 306 &); "
	    "exec sleep 300\"]; restart = \"no\"; };\n"
	    "  sdender = { command = [\"sh\", \"-c\", \"(setsid sleep 307 &); "
	    "while [ ! -e go2 ]; do sleep 0.01; done\"]; cwd = \"%s\"; "
	    "restart = \"no\"; };\n"
	    "  anchor = { command = \"sleep 300\"; restart = \"no\"; };\n"
	    "  helped = { command = [\"bash\", \"-c\", \"set -m; "
	    "(sleep 309 &); exec sleep 300\"]; restart = \"no\"; };\n"
	    "  zstub = { command = [\"sh\", \"-c\", \"setsid sh -c "
	    "'trap \\\"\\\" TERM; echo up >up; exec sleep 308' & "
	    "exec sleep 300\"]; cwd = \"%s\"; restart = \"no\"; };\n"
	    "  crowd = { command = \"sleep 300\"; instances = %d; "
	    "restart = \"no\"; };\n"
	    /* Its helper flees (flee.py) at the stop; it waits for that. */
	    "  flee = { command = [\"sh\", \"-c\", \"python3 flee.py $$ & "
	    "trap 'while [ ! -e fled.$$ ]; do sleep 0.01; done; exit 0' TERM; "
	    "wait\"]; instances = %d; cwd = \"%s\"; restart = \"no\"; };\n"
	    "};\n", d->dir, d->dir, d->dir, NCROWD, NFLEE, d->dir));
}

static int
o_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_file(d, "flee.py", flee_py);
	d_start(d, o_conf(d));
	return (0);
}

/*
 * Wait (bounded) for the helper of the instance whose main process is
 * main: a child of runnerd (reparented) in main's session; or, with
 * own_session, one in a session of its own.  Its pid.
 */
static pid_t
o_helper(struct daemon *d, pid_t main, int own_session)
{
	pid_t	 v[16];
	long	 sid;
	int	 n, i, k;

	for (k = 0; k < T_WAIT_MS / 5; k++) {
		n = t_procs(d->pid, 0, own_session ? 0 : main, v, 16);
		for (i = 0; i < n && i < 16; i++) {
			if (v[i] == main)
				continue;
			t_state(v[i], NULL, &sid);
			if (!own_session || sid == v[i]) {
				d_saw(d, v[i]);
				return (v[i]);
			}
		}
		usleep(5000);
	}
	fail_msg("no helper of pid %ld was reparented to runnerd",
	    (long)main);
	return (0);
}

/*
 * ender runs and leaves a helper out of its group, in its session; told
 * to end, it ends, and the sweep kills the helper, naming ender.
 */
static void
o_ender_helper_killed(struct daemon *d, struct client *c)
{
	pid_t	 e, eh;

	e = cl_start(c, "ender", "ender");
	d_saw(d, e);
	eh = o_helper(d, e, 0);
	d_file(d, "go", "");
	d_wait_log(d, d_fmt(d, "ender: killing pid %ld, left behind by this "
	    "instance, which ended", (long)eh));
	assert_true(t_wait_gone(eh));
}

/* The log says nothing about killing pid. */
static void
o_assert_not_killed_log(struct daemon *d, pid_t pid)
{
	char	*want = d_fmt(d, "killing pid %ld,", (long)pid);

	pthread_mutex_lock(&d->mu);
	d->log[d->loglen] = '\0';
	if (strstr(d->log, want) != NULL) {
		pthread_mutex_unlock(&d->mu);
		fail_msg("runnerd killed a running instance's helper:\n%s",
		    d->log);
	}
	pthread_mutex_unlock(&d->mu);
}

/*
 * The reproduction: x's double-forked helper survives an unrelated
 * instance's exit.
 */
static void
test_live_helper_survives(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 x, helper, q;
	size_t		 mark;

	x = cl_start(c, "x", "x");
	d_saw(d, x);
	helper = o_helper(d, x, 0);
	mark = d_log_mark(d);
	q = cl_start(c, "quick", "quick");
	d_wait_log_from(d, mark, d_fmt(d, "quick: pid %ld exited with "
	    "status 0", (long)q));
	/* The exit's callback has run once runnerd answers again. */
	cl_status_of(c, "quick", &j);
	o_assert_not_killed_log(d, helper);
	d_lives(helper);
	assert_true(t_alive(x));
	/* x's own end takes its helper with it. */
	j_ok(cl_call(c, "stop", "{\"alias\": \"x\"}"));
	assert_true(t_wait_gone(helper));
	d_no_zombies(d);
}

/*
 * The helper of the instance that ended is killed, and the log names the
 * instance; a running instance's helper is not.  The helper has left the
 * process group (bash's job control puts it in one of its own), or the
 * group's SIGKILL could take it before the sweep looks.
 */
static void
test_ended_helper_killed(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	pid_t		 x, xh;

	x = cl_start(c, "x", "x");
	d_saw(d, x);
	xh = o_helper(d, x, 0);
	o_ender_helper_killed(d, c);
	o_assert_not_killed_log(d, xh);
	d_lives(xh);
	d_no_zombies(d);
}

/*
 * runnerd with more children than one read of its /proc children file
 * gives (a page: about 680 pids), the helper of an ended instance last
 * among them, since what is reparented goes to the end of the list: it
 * is killed all the same.  runnerd read the file once, and an orphan
 * past the first page was never seen, nor killed.
 */
static void
test_crowd_helper_killed(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 k;

	j = cl_call(c, "start", "{\"app\": \"crowd\"}");
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), NCROWD);
	o_ender_helper_killed(d, c);
	k = cl_wait_state(c, "ender", "exited", &j);
	assert_int_equal(j_int(j, k, "left_behind"), 1);
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
	d_no_zombies(d);
}

/*
 * What an exit left behind is counted: the log says how many after
 * naming each, status's left_behind and runnerctl status say so.
 */
static void
test_left_behind_counted(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct run	*r;
	pid_t		 e, eh;
	int		 in;

	e = cl_start(c, "ender", "ender");
	d_saw(d, e);
	eh = o_helper(d, e, 0);
	d_file(d, "go", "");
	d_wait_log(d, d_fmt(d, "ender: pid %ld left 1 process behind, "
	    "killed; an app that daemonizes must be run in the foreground",
	    (long)e));
	assert_true(t_wait_gone(eh));
	in = cl_status_of(c, "ender", &j);
	assert_int_equal(j_int(j, in, "left_behind"), 1);
	r = CTL(d, "status", "ender");
	r_status(r, 0);
	if (strstr(r->out, "(left 1, killed)") == NULL)
		fail_msg("runnerctl status does not say what was left: %s",
		    r->out);
}

/*
 * A helper that left its session: a running instance's (older than it)
 * is not killed when another instance exits; one that no running
 * instance can own (all of them are younger) is killed.
 */
static void
test_setsid_helper(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 dm, dh, s, sh, q;
	size_t		 mark;

	dm = cl_start(c, "daemon", "daemon");
	d_saw(d, dm);
	dh = o_helper(d, dm, 1);
	mark = d_log_mark(d);
	q = cl_start(c, "quick", "quick");
	d_wait_log_from(d, mark, d_fmt(d, "quick: pid %ld exited with "
	    "status 0", (long)q));
	cl_status_of(c, "quick", &j);
	o_assert_not_killed_log(d, dh);
	d_lives(dh);

	/* Once daemon is stopped, sdender runs alone and ends. */
	j_ok(cl_call(c, "stop", "{\"alias\": \"daemon\"}"));
	assert_true(t_wait_gone(dh));
	s = cl_start(c, "sdender", "sdender");
	d_saw(d, s);
	sh = o_helper(d, s, 1);
	d_file(d, "go2", "");
	/*
	 * "left behind by an instance that ended", or, if runnerd saw it
	 * reparented before its setsid, "sdender: ... by this instance".
	 */
	d_wait_log(d, d_fmt(d, "killing pid %ld, left behind by", (long)sh));
	assert_true(t_wait_gone(sh));
	d_no_zombies(d);
}

/* The child of main in a session of its own (bounded wait); its pid. */
static pid_t
o_helper_of(struct daemon *d, pid_t main)
{
	pid_t	 v[16];
	long	 sid;
	int	 n, i, k;

	for (k = 0; k < T_WAIT_MS / 5; k++) {
		n = t_procs(main, 0, 0, v, 16);
		for (i = 0; i < n && i < 16; i++) {
			t_state(v[i], NULL, &sid);
			if (sid == v[i]) {
				d_saw(d, v[i]);
				return (v[i]);
			}
		}
		usleep(5000);
	}
	fail_msg("no child of pid %ld in a session of its own", (long)main);
	return (0);
}

/*
 * A helper in a session of its own that ignores the stop signal: the
 * stop sees it under zstub, and once zstub's main process is gone the
 * sweep kills it as zstub's, named so (not anchor's, first in the list).
 */
static void
test_seen_helper_named(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	pid_t		 a, z, h;
	long long	 end = t_ms() + T_WAIT_MS;

	a = cl_start(c, "anchor", "anchor");
	d_saw(d, a);
	z = cl_start(c, "zstub", "zstub");
	d_saw(d, z);
	/* The helper is up (its trap set) once it wrote DIR/up. */
	while (access(d_fmt(d, "%s/up", d->dir), F_OK) == -1) {
		if (t_ms() > end)
			fail_msg("zstub's helper did not start");
		usleep(5000);
	}
	h = o_helper_of(d, z);
	j_ok(cl_call(c, "stop", "{\"alias\": \"zstub\"}"));
	d_wait_log(d, d_fmt(d, "zstub: killing pid %ld, left behind by this "
	    "instance", (long)h));
	assert_true(t_wait_gone(h));
	d_lives(a);
}

/*
 * Instances that end at once are each charged with what they left: a
 * stop of many ends them in one loop iteration, where runnerd reads its
 * children once for all of them (proctree.c).  runnerd is stopped while
 * every main process is killed, so that one pass reaps them all; the
 * helped ones left a helper each (outside the group, so only the sweep
 * can take it), and are processed among plain ones.  Each helper is
 * killed and counted to its own instance, none to a plain one (runnerd
 * once charged a helper to the last instance handled in the pass).
 */
static void
test_burst_charged_each(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	char		 alias[32];
	pid_t		 main[NBURST], helper[NBURST];
	int		 k, e;

	/* An end before: what it read of runnerd's children is old news. */
	d_saw(d, cl_start(c, "quick", "quick"));
	cl_wait_state(c, "quick", "exited", &j);
	for (k = 0; k < NBURST; k++) {
		snprintf(alias, sizeof(alias), "b%d", k);
		main[k] = cl_start(c, k % 3 == 1 ? "helped" : "anchor", alias);
		d_saw(d, main[k]);
		helper[k] = k % 3 == 1 ? o_helper(d, main[k], 0) : 0;
	}
	assert_int_equal(kill(d->pid, SIGSTOP), 0);
	while (t_state(d->pid, NULL, NULL) != 'T')
		usleep(1000);		/* stopped: it reaps nothing */
	for (k = 0; k < NBURST; k++)
		assert_int_equal(kill(main[k], SIGKILL), 0);
	/* Dead, not yet reaped: runnerd's zombies until it runs again. */
	for (k = 0; k < NBURST; k++) {
		assert_true(t_wait_gone(main[k]));
		assert_int_equal(t_state(main[k], NULL, NULL), 'Z');
	}
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	for (k = 0; k < NBURST; k++) {
		snprintf(alias, sizeof(alias), "b%d", k);
		e = cl_wait_state(c, alias, "exited", &j);
		if (j_int(j, e, "left_behind") != (helper[k] != 0))
			fail_msg("%s left %lld, not %d: %.2000s", alias,
			    j_int(j, e, "left_behind"), helper[k] != 0,
			    d->log);
		if (helper[k] != 0) {
			d_wait_log(d, d_fmt(d, "%s: killing pid %ld, left "
			    "behind by this instance", alias,
			    (long)helper[k]));
			assert_true(t_wait_gone(helper[k]));
		}
	}
	d_no_zombies(d);
}

/*
 * Helpers that leave their instance's session and group after the stop
 * has walked the instance's processes and before its main process exits,
 * several instances stopped together: the group's kill misses them, and
 * the orphan sweep at each exit (the exits handled together reading
 * runnerd's children once) must kill each, named for its own instance,
 * while an older instance runs on.  runnerd once recorded at the walk
 * only what had left the session already: these were then placed by age
 * alone, and left running for as long as the older instance ran.
 */
static void
test_flee_at_stop(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 a, main[NFLEE], helper[NFLEE];
	char		*up;
	FILE		*fp;
	long		 pid;
	long long	 end;
	int		 arr, k, e;

	a = cl_start(c, "anchor", "anchor");
	d_saw(d, a);
	j = cl_call(c, "start", "{\"app\": \"flee\"}");
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "started",
	    JSON_ARRAY)), NFLEE);
	for (k = 0; k < NFLEE; k++) {
		e = cl_wait_state(c, d_fmt(d, "flee-%d", k + 1), "running",
		    &j);
		main[k] = (pid_t)j_int(j, e, "pid");
		d_saw(d, main[k]);
		/* Its helper's trap is set once up.MAIN is there. */
		up = d_fmt(d, "%s/up.%ld", d->dir, (long)main[k]);
		end = t_ms() + T_WAIT_MS;
		while ((fp = fopen(up, "r")) == NULL) {
			if (t_ms() > end)
				fail_msg("flee-%d's helper did not start",
				    k + 1);
			usleep(5000);
		}
		assert_int_equal(fscanf(fp, "%ld", &pid), 1);
		fclose(fp);
		helper[k] = (pid_t)pid;
		d_saw(d, helper[k]);
	}
	j = cl_call(c, "stop", "{\"aliases\": [\"flee-1\", \"flee-2\", "
	    "\"flee-3\", \"flee-4\", \"flee-5\", \"flee-6\"]}");
	arr = j_type(j, j_ok(j), "stopped", JSON_ARRAY);
	assert_int_equal(json_len(j, arr), NFLEE);
	for (k = 0; k < NFLEE; k++) {
		/* It fled: its own session, before its main process ended. */
		assert_int_equal(access(d_fmt(d, "%s/fled.%ld", d->dir,
		    (long)main[k]), F_OK), 0);
		d_wait_log(d, d_fmt(d, "flee-%d: killing pid %ld, left behind "
		    "by this instance", k + 1, (long)helper[k]));
		assert_true(t_wait_gone(helper[k]));
	}
	d_lives(a);
	d_no_zombies(d);
}

#define NHORDE	1100	/* children of horde and late, each */

/*
 * Apps with NHORDE children and a helper that flees at the stop: horde's
 * walked first of them all, late's their parent's NHORDE+1-th child.
 */
static const char *
horde_conf(struct daemon *d)
{
	return (d_fmt(d, "apps = {\n"
	    "  horde = { command = [\"sh\", \"-c\", \"python3 flee.py $$ & "
	    "i=0; while [ $i -lt %d ]; do sleep 300 & i=$((i+1)); done; "
	    "trap 'while [ ! -e fled.$$ ]; do sleep 0.01; done; exit 0' TERM; "
	    ": > horde.$$; wait\"]; cwd = \"%s\"; restart = \"no\"; };\n"
	    "  late = { command = [\"sh\", \"-c\", \"i=0; while [ $i -lt %d ]; "
	    "do sleep 300 & i=$((i+1)); done; python3 flee.py $$ & "
	    "trap 'while [ ! -e fled.$$ ]; do sleep 0.01; done; exit 0' TERM; "
	    ": > horde.$$; wait\"]; cwd = \"%s\"; restart = \"no\"; };\n"
	    "};\n", NHORDE, d->dir, NHORDE, d->dir));
}

/*
 * Start app (horde or late, added by an update) beside an older anchor;
 * stop it, and the helper must be killed at its exit, named for it, the
 * anchor left alone.
 */
static void
flee_crowd(struct daemon *d, const char *app)
{
	struct client	*c = cl_open(d);
	pid_t		 a, main, helper;
	long		 pid;
	long long	 end;
	FILE		*fp = NULL;

	j_ok(cl_call(c, "update", "{\"config\": %s}", t_jstr(horde_conf(d))));
	a = cl_start(c, "anchor", "anchor");
	d_saw(d, a);
	main = cl_start(c, app, app);
	d_saw(d, main);
	end = t_ms() + T_WAIT_MS;
	while (access(d_fmt(d, "%s/horde.%ld", d->dir, (long)main), F_OK) ==
	    -1 || (fp = fopen(d_fmt(d, "%s/up.%ld", d->dir, (long)main),
	    "r")) == NULL) {
		if (t_ms() > end)
			fail_msg("%s's children did not all start", app);
		usleep(10000);
	}
	assert_int_equal(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	helper = (pid_t)pid;
	d_saw(d, helper);
	j_ok(cl_call(c, "stop", "{\"alias\": \"%s\"}", app));
	assert_int_equal(access(d_fmt(d, "%s/fled.%ld", d->dir, (long)main),
	    F_OK), 0);
	d_wait_log(d, d_fmt(d, "%s: killing pid %ld, left behind by this "
	    "instance", app, (long)helper));
	assert_true(t_wait_gone(helper));
	d_lives(a);
	d_no_zombies(d);
}

/*
 * A helper that flees at the stop, its main process's NHORDE+1-th
 * child: the stop's walk must find it.  A children file gives about a
 * page per read, some 680 pids, and runnerd read one: the helper was
 * never walked nor recorded, and was left running beside the anchor.
 */
static void
test_flee_past_a_page(void **state)
{
	flee_crowd(*state, "late");
}

/*
 * A stop walks more descendants than runnerd once kept records of
 * (1024): the helper that flees at the stop, walked first, is still
 * known as its instance's at that instance's exit.  With a table of
 * 1024 records reused oldest first, the NHORDE children walked after it
 * pushed its record out, and it was left running as the anchor ran.
 */
static void
test_flee_in_crowd(void **state)
{
	flee_crowd(*state, "horde");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, o_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flee_past_a_page),
		T(test_flee_in_crowd),
		T(test_live_helper_survives),
		T(test_ended_helper_killed),
		T(test_left_behind_counted),
		T(test_setsid_helper),
		T(test_seen_helper_named),
		T(test_burst_charged_each),
		T(test_flee_at_stop),
		T(test_crowd_helper_killed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
