/*
 * test_upgrade_fail.c: upgrades that fail leave runnerd serving with
 * everything intact, and the other ways in.  Refused at the checks,
 * before anything is touched: a binary that exits 1 (/bin/false), one
 * that prints another line (/bin/echo), a script, a file not executable
 * (0644), a missing path, a directory, tests/upgrade/v2/runnerd (a
 * handover version runnerd does not write), one that hangs at --version
 * and forks (tests/helpers/hang: the 5 s bound; both are killed and
 * reaped).  Refused after the exec: tests/upgrade/refuses/runnerd, whose
 * reader takes no state, so the old binary comes back and says EUPGRADE
 * "refused the state" (also when its file was removed meanwhile).  A
 * rolling restart still under way after 10 s (waiting requests cross
 * the exec; a roll does not); a second upgrade (request or SIGUSR2)
 * while one checks its binary; another user (EPERM).  After each: the
 * same pid, version and upgrade count, the same instances (pid, state,
 * restarts, uptime going on, last exit, health), an attached client and
 * a socket app still echoing, no zombie, exactly the descriptors runnerd
 * had.  Then the ways in: SIGUSR2 (the default binary: the file runnerd
 * was started from, replaced by another build the way a package manager
 * does it, and by one that fails), five SIGUSR2 in a row, upgrades in a
 * row and back, an upgrade whose client left at once (done all the
 * same), and the configuration in force kept across an upgrade even
 * when the file changed (a SIGHUP then loads the file), with what update
 * added, and an instance started after it with no descriptor more.
 */

#define T_WAIT_MS	20000		/* the 10 s bound on waiting requests */

#include <grp.h>

#include "upgrade_world.h"

/* Every binary refused at the checks: runnerd never left. */
static void
test_upgrade_refused_at_check(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct run	*r;
	char		*plain = d_file(d, "plain", "\177ELF, not executable\n");
	char		 hang[PATH_MAX];
	struct {
		const char	*binary, *why;
	} bad[] = {
		{ "/bin/false", "false --version' exited 1" },
		{ "/bin/echo", "echo' is not a runnerd that takes over "
		    "instances (its --version says 'echo (GNU coreutils)" },
		{ uw_script(d, "script", "#!/bin/sh\nexec runnerd \"$@\"\n"),
		    "is a script: name the runnerd binary itself" },
		{ plain, "Permission denied" },
		{ d_fmt(d, "%s/nosuch", d->dir),
		    "No such file or directory" },
		{ d->dir, "is not a regular file" },
		{ u_variant(d, "v2"), "reads handover state version 2" },
	};
	long long	 t0;
	size_t		 i;

	uw_private(d, "tests/helpers/hang", hang);
	uw_world(d, &w);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t0 = t_ms();
		r = u_upgrade(d, bad[i].binary);
		u_refused(r, bad[i].why);
		if (t_ms() - t0 > 4000)
			fail_msg("%s refused after %lld ms", bad[i].binary,
			    t_ms() - t0);
		uw_intact(&w);
	}

	/*
	 * Hangs at --version, and forked: given up after 5 s, both killed
	 * (its process group) and reaped.
	 */
	t0 = t_ms();
	u_refused(u_upgrade(d, hang), "did not answer within 5 s");
	if (t_ms() - t0 < 4500 || t_ms() - t0 > 9000)
		fail_msg("a --version that hangs was given up after %lld ms, "
		    "want 5 s", t_ms() - t0);
	uw_none(hang);
	uw_intact(&w);
}

/*
 * A new binary that refuses the state after the exec: the old one comes
 * back with it, and a good upgrade works afterwards.
 */
static void
test_upgrade_refused_after_exec(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct u_snap	 now;

	uw_world(d, &w);
	u_refused(u_upgrade(d, u_variant(d, "refuses")),
	    "the new runnerd refused the state");
	uw_intact(&w);
	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    w.hello.upgrades + 1);
	u_snap(w.c, &now);
	u_same(&w.snap, &now, NULL);
	uw_echo(&w, "after both\n");
}

/*
 * The same, with runnerd's own file removed since it started (an
 * uninstall, or a package that replaced it): the old binary comes back
 * through the descriptor runnerd keeps open to it.
 */
static void
test_upgrade_refused_old_file_gone(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	char		*own = d_fmt(d, "%s/runnerd", d->dir);

	strcpy(d->runnerd, uw_install(d, d->runnerd, own));
	d_start(d, uw_conf(d));
	uw_world(d, &w);
	assert_int_equal(unlink(own), 0);
	u_refused(u_upgrade(d, u_variant(d, "refuses")),
	    "the new runnerd refused the state");
	uw_intact(&w);
}

/*
 * A rolling restart under way (its first instance's new process not
 * ready yet) is the one thing an upgrade waits for rather than carries:
 * it waits 10 s, gives up, and the roll goes on to its end.
 */
static void
test_upgrade_waiting_bound(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct client	*q;
	struct json	*j;
	long long	 t0, tag;

	uw_world(d, &w);
	q = cl_open(d);
	tag = cl_req(q, "start", "{\"app\": \"notify\"}");
	cl_wait_state(w.c, "notify-1", "starting", &j);
	cl_wait_state(w.c, "notify-2", "starting", &j);
	uw_go(&w, "notify-1");
	uw_go(&w, "notify-2");
	j_ok(cl_reply_tag(q, tag));	/* once spawned, not ready */
	cl_wait_state(w.c, "notify-1", "running", &j);
	cl_wait_state(w.c, "notify-2", "running", &j);
	tag = cl_req(q, "restart", "{\"rolling\": true, \"app\": "
	    "\"notify\"}");
	cl_wait_state(w.c, "notify-1", "starting", &j);	/* its new one */
	u_snap(w.c, &w.snap);		/* notify-1 new, starting */
	w.fds = d_fds_probe(d);
	t0 = t_ms();
	u_refused(u_upgrade(d, u_variant(d, "next")), "a rolling restart "
	    "still under way after 10 s");
	if (t_ms() - t0 < 9500 || t_ms() - t0 > 15000)
		fail_msg("the upgrade gave up after %lld ms, want 10 s",
		    t_ms() - t0);
	uw_intact(&w);
	uw_go(&w, "notify-1");
	cl_wait_state(w.c, "notify-2", "starting", &j);
	uw_go(&w, "notify-2");
	j = cl_reply_tag(q, tag);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "restarted",
	    JSON_ARRAY)), 2);
	cl_close(q);
}

/*
 * One upgrade at a time: while one checks its binary (one that hangs),
 * another request and SIGUSR2 are refused, and the first fails alone.
 */
static void
test_upgrade_one_at_a_time(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct u_bg	 first;
	struct run	*r;
	char		 hang[PATH_MAX];
	char		*argv[] = { d->runnerctl, (char *)"-s", d->sock,
	    (char *)"upgrade", (char *)"--binary", hang, NULL };

	uw_private(d, "tests/helpers/hang", hang);
	uw_world(d, &w);
	u_bg_start(d, &first, argv);
	d_wait_log(d, d_fmt(d, "upgrade to %s: checking it", hang));
	/* Not a failed upgrade: the first goes on (no "runs on unchanged"). */
	r = u_upgrade(d, u_variant(d, "next"));
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: EUPGRADE: an upgrade is "
	    "already under way\n");
	assert_int_equal(kill(d->pid, SIGUSR2), 0);
	d_wait_log(d, "SIGUSR2: an upgrade is already under way");
	u_refused(u_bg_wait(d, &first), "did not answer within 5 s");
	uw_intact(&w);
}

/*
 * The client that asked for an upgrade leaves at once: the upgrade goes
 * on without anyone to answer, and runnerd serves on, upgraded.
 */
static void
test_upgrade_client_vanishes(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct client	*x;
	struct u_snap	 now;
	long long	 end = t_ms() + T_WAIT_MS;

	uw_world(d, &w);
	x = cl_open(d);
	cl_sendf(x, "{\"tag\": 1, \"cmd\": \"upgrade\", \"ext\": "
	    "{\"binary\": %s}}\n", t_jstr(u_variant(d, "next")));
	cl_close(x);
	d_wait_log(d, "upgraded from " RUNNER_VERSION " to 0.1.0-next");
	while (u_hello_new(d).upgrades != 1)
		if (t_ms() > end)
			fail_msg("hello never said upgrades 1");
	u_snap(w.c, &now);
	u_same(&w.snap, &now, NULL);
	uw_flow(&w, "after it left\n");
	d_fds_settle(d, w.fds);
}

/* Another user may not upgrade runnerd, even a member of allow_group. */
static void
test_upgrade_other_user(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*argv[10];
	int		 n = 0;

	if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
		print_message("skipped: needs root and setpriv(1)\n");
		skip();
	}
	d_start(d, d_fmt(d, "allow_group = \"daemon\";\n%s", uw_conf(d)));
	assert_int_equal(chmod(d->dir, 0711), 0);
	assert_int_equal(chmod(d->sock, 0666), 0);
	argv[n++] = (char *)"/usr/bin/setpriv";
	argv[n++] = (char *)"--reuid=65534";
	argv[n++] = (char *)"--regid=65534";
	argv[n++] = d_fmt(d, "--groups=%lu", (unsigned long)
	    getgrnam("daemon")->gr_gid);
	argv[n++] = d->runnerctl;
	argv[n++] = (char *)"-s";
	argv[n++] = d->sock;
	argv[n++] = (char *)"upgrade";
	argv[n] = NULL;
	r = t_run(d, argv, NULL, 0);
	r_status(r, 1);
	if (strncmp(r->err, "runnerctl: EPERM: ", 18) != 0)
		fail_msg("another user's upgrade: %s", r->err);
	assert_int_equal(u_hello_new(d).upgrades, 0);
}

/* Wait (bounded) until hello says n upgrades; that hello. */
static struct u_hello
uw_wait_upgrades(struct daemon *d, long long n)
{
	long long	 end = t_ms() + T_WAIT_MS;
	struct u_hello	 h;

	while ((h = u_hello_new(d)).upgrades != n) {
		if (t_ms() > end)
			fail_msg("hello says %lld upgrades after %d ms, want "
			    "%lld", h.upgrades, T_WAIT_MS, n);
		usleep(10000);
	}
	return (h);
}

/*
 * SIGUSR2 re-executes the file runnerd was started from: the same build
 * (upgrade 1), one that fails there (logged, nothing changes), another
 * build put in its place (upgrade 2, its version); then runnerctl
 * upgrade in a row, and back to the first build.  Through all of them
 * runnerd's argv[0] stays the path it was started as.
 */
static void
test_upgrade_sigusr2_and_again(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct u_snap	 now;
	char		*own = d_fmt(d, "%s/runnerd", d->dir);
	char		*orig = d_fmt(d, "%s", d->runnerd);
	char		 cmdline[PATH_MAX * 2];
	size_t		 mark;

	strcpy(d->runnerd, uw_install(d, orig, own));
	d_start(d, uw_conf(d));
	uw_world(d, &w);

	assert_int_equal(kill(d->pid, SIGUSR2), 0);
	assert_string_equal(uw_wait_upgrades(d, 1).version, RUNNER_VERSION);
	mark = d_log_mark(d);
	uw_install(d, "/bin/false", own);
	assert_int_equal(kill(d->pid, SIGUSR2), 0);
	d_wait_log_from(d, mark, "runs on unchanged");
	w.hello.upgrades = 1;
	uw_intact(&w);

	uw_install(d, u_variant(d, "next"), own);
	assert_int_equal(kill(d->pid, SIGUSR2), 0);
	assert_string_equal(uw_wait_upgrades(d, 2).version, "0.1.0-next");
	(void)u_upgraded(d, u_upgrade(d, NULL), "0.1.0-next", 3);
	(void)u_upgraded(d, u_upgrade(d, orig), RUNNER_VERSION, 4);
	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    5);
	u_snap(w.c, &now);
	u_same(&w.snap, &now, NULL);
	uw_echo(&w, "five times\n");
	/* ps and pgrep -f still see the program runnerd was started as. */
	t_cmdline(d->pid, cmdline, sizeof(cmdline));
	if (strncmp(cmdline, d_fmt(d, "%s --handover ", own),
	    strlen(own) + 12) != 0)
		fail_msg("after upgrades runnerd's command line is '%s'",
		    cmdline);
	d_fds_settle(d, w.fds);
}

/*
 * SIGUSR2 five times in a row: each starts an upgrade or is told one is
 * under way (one that comes across an exec waits, blocked, for the new
 * runnerd); then an upgrade asked for succeeds once they are over, and
 * runnerd is whole: hello counts what its log says was done.
 */
static void
test_upgrade_sigusr2_storm(void **state)
{
	struct daemon	*d = *state;
	struct uw_world	 w;
	struct u_snap	 now;
	struct run	*r;
	struct u_hello	 h;
	long long	 end;
	int		 k;

	uw_world(d, &w);
	for (k = 0; k < 5; k++)
		assert_int_equal(kill(d->pid, SIGUSR2), 0);
	end = t_ms() + T_WAIT_MS;
	while ((r = u_upgrade(d, NULL))->status != 0) {
		if (r->status != 1 || strcmp(r->err, "runnerctl: EUPGRADE: "
		    "an upgrade is already under way\n") != 0)
			fail_msg("runnerctl upgrade exited %d: %s", r->status,
			    r->err);
		if (t_ms() > end)
			fail_msg("an upgrade was under way for %d ms",
			    T_WAIT_MS);
		usleep(10000);
	}
	h = u_hello(w.c);
	assert_true(h.upgrades >= 2 && h.upgrades <= 6);
	assert_int_equal(log_count(d, "upgraded from "), h.upgrades);
	(void)u_upgraded(d, r, RUNNER_VERSION, h.upgrades);
	u_snap(w.c, &now);
	u_same(&w.snap, &now, NULL);
	uw_flow(&w, "after the storm\n");
	d_no_zombies(d);
	d_fds_settle(d, w.fds);
}

/* The apps apps lists, as "a b c " (kept). */
static char *
uw_apps(struct daemon *d)
{
	struct client	*c = cl_open(d);
	struct json	*j = cl_call(c, "apps", NULL);
	struct buf	 b;
	int		 a, i;

	a = j_type(j, j_ok(j), "apps", JSON_ARRAY);
	buf_init(&b);
	for (i = 0; i < json_len(j, a); i++)
		buf_printf(&b, "%s ", j_str(j, json_at(j, a, i), "name"));
	cl_close(c);
	return (d_keep(d, buf_take(&b)));
}

/*
 * The configuration in force crosses the upgrade, what update added
 * included, even though the file changed; SIGHUP then reads the file,
 * at the path runnerd was started with.
 */
static void
test_upgrade_keeps_config(void **state)
{
	struct daemon	*d = *state;
	static const char upd[] =
	    "apps = { added = { command = \"cat\"; restart = \"no\"; }; };\n";
	struct client	*c = cl_open(d);
	long long	 end;
	pid_t		 before, after;

	r_status(ctl_in(d, upd, sizeof(upd) - 1, "update", "-", NULL), 0);
	assert_string_equal(uw_apps(d), "cat echo notify gated added ");
	d_saw(d, before = cl_start(c, "cat", "cat-1"));
	d_file(d, "runner.conf", "apps = { fresh = { command = \"cat\"; "
	    "restart = \"no\"; }; };\n");
	(void)u_upgraded(d, u_upgrade(d, u_variant(d, "next")), "0.1.0-next",
	    1);
	assert_string_equal(uw_apps(d), "cat echo notify gated added ");
	/*
	 * An instance started now has the descriptors one had before:
	 * nothing of the handover leaks into it.  Each has echoed a line
	 * first (cat opens locale files as it starts).
	 */
	d_saw(d, after = cl_start(c, "added", "added"));
	j_ok(cl_call(c, "write", "{\"alias\": \"cat-1\", \"text\": "
	    "\"x\\n\"}"));
	cl_read_expect(c, "cat-1", "x\n", 2);
	j_ok(cl_call(c, "write", "{\"alias\": \"added\", \"text\": "
	    "\"x\\n\"}"));
	cl_read_expect(c, "added", "x\n", 2);
	if (t_fd_count(after) != t_fd_count(before))
		fail_msg("a cat started before the upgrade has:\n%sone "
		    "started after it:\n%s", t_fd_list(d, before),
		    t_fd_list(d, after));
	cl_close(c);

	assert_int_equal(kill(d->pid, SIGHUP), 0);
	end = t_ms() + T_WAIT_MS;
	while (strcmp(uw_apps(d), "fresh ") != 0) {
		if (t_ms() > end)
			fail_msg("after SIGHUP apps lists %s", uw_apps(d));
		usleep(10000);
	}
}

#define T(f)	cmocka_unit_test_setup_teardown(f, uw_setup, t_teardown)
/* Those that start runnerd themselves. */
#define T_BARE(f) cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upgrade_refused_at_check),
		T(test_upgrade_refused_after_exec),
		T_BARE(test_upgrade_refused_old_file_gone),
		T(test_upgrade_waiting_bound),
		T(test_upgrade_one_at_a_time),
		T(test_upgrade_client_vanishes),
		T_BARE(test_upgrade_other_user),
		T_BARE(test_upgrade_sigusr2_and_again),
		T(test_upgrade_sigusr2_storm),
		T(test_upgrade_keeps_config),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
