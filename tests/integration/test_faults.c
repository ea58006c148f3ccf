/*
 * test_faults.c: runnerd when things go wrong around it.  Out of
 * descriptors (RLIMIT_NOFILE 64): it pauses accepting instead of
 * spinning, and serves again once descriptors free up.  Children that
 * misbehave: one closes its stdout and stays, one floods stderr, one
 * exits while runnerd waits for it to be ready, one cannot be executed.
 * A kill -9 storm: 1000 SIGKILLs across instances with restart =
 * "always", each restarted before the next kill, and then no zombie, no
 * descriptor and no memory more.  SIGTERM in a busy moment: runnerd
 * exits 0 and nothing it started is left.
 *
 * runnerd runs with malloc's mmap threshold at 0 (a glibc tunable, set
 * in main), so that its RssAnon counts what it holds, a page or more
 * per live allocation, with none of the free space a heap keeps (see
 * test_hostile.c); under ASan the figures are printed, not checked.
 */

#include "daemon.h"

#define CPU_IDLE_MS	100	/* runnerd's CPU time over a second, idle */
#define REPLY_MS	1000	/* a reply to a live client, at most */
#define STORM_APPS	5	/* instances killed in turn ... */
#define STORM_KILLS	1000	/* ... this many times in all */
#define STORM_WARM	100	/* kills before memory is measured */
#define RSS_STORM_KB	256	/* growth allowed over the storm */
#define RSS_FLOOD_KB	(4 * 1024)	/* growth allowed during a flood */
#define RSS_SPAWN_KB	256	/* growth allowed over failed starts */
#define NOFILE		64	/* runnerd's RLIMIT_NOFILE when short */

/*
 * The apps.  Every one carries FAULTS_MARK in its environment, which its
 * descendants inherit: after runnerd has gone, no process may carry it.
 */
static char *
f_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; "
	    "env = { FAULTS_MARK = \"%s\"; }; };\n"
	    "  closeout = { command = [\"sh\", \"-c\", \"exec >&-; "
	    "exec sleep 300\"]; restart = \"no\"; };\n"
	    "  closeall = { command = [\"sh\", \"-c\", \"exec <&- >&- 2>&-; "
	    "exec sleep 300\"]; restart = \"no\"; };\n"
	    "  flood = { command = [\"sh\", \"-c\", \"exec yes 'a line of "
	    "stderr, again and again and again' >&2\"]; log = \"%s/flood.log\"; "
	    "log_max_size = 1048576; log_keep = 1; restart = \"no\"; };\n"
	    "  dies = { command = [\"sh\", \"-c\", \"sleep 0.1; exit 2\"]; "
	    "type = \"socket\"; socket = \"dies.sock\"; cwd = \"%s\"; "
	    "restart = \"always\"; };\n"
	    "  shot = { command = [\"sh\", \"-c\", \"sleep 0.1; kill -9 $$\"]; "
	    "ready = \"notify\"; restart = \"always\"; };\n"
	    "  noent = { command = \"%s/no-such-program\"; restart = \"no\"; };\n"
	    "  noperm = { command = \"%s/plain.txt\"; restart = \"no\"; };\n"
	    "  isdir = { command = \"%s\"; restart = \"no\"; };\n"
	    "  nocwd = { command = \"cat\"; cwd = \"%s/no-such-dir\"; "
	    "restart = \"no\"; };\n"
	    "  sockperm = { command = \"%s/plain.txt\"; type = \"socket\"; "
	    "socket = \"x.sock\"; cwd = \"%s\"; restart = \"no\"; };\n"
	    "  phoenix = { command = \"cat\"; restart = \"always\"; "
	    "backoff_initial = 0.01; backoff_max = 0.02; backoff_reset = 0; };\n"
	    "  stream = { command = [\"yes\", \"busy\"]; restart = \"no\"; "
	    "env = { FAULTS_MARK = \"%s\"; }; };\n"
	    "  forker = { command = [\"sh\", \"-c\", \"setsid sleep 300 & "
	    "echo $!; sleep 300 & echo $!; wait\"]; restart = \"no\"; "
	    "env = { FAULTS_MARK = \"%s\"; }; };\n"
	    "  unready = { command = \"sleep 300\"; ready = \"notify\"; "
	    "ready_timeout = 60; restart = \"no\"; "
	    "env = { FAULTS_MARK = \"%s\"; }; };\n"
	    "  stubborn = { command = [\"sh\", \"-c\", \"trap '' TERM; "
	    "echo ready; while :; do sleep 1; done\"]; stop_timeout = 0.5; "
	    "restart = \"no\"; env = { FAULTS_MARK = \"%s\"; }; };\n"
	    "};\n", d->dir, d->dir, d->dir, d->dir, d->dir, d->dir, d->dir,
	    d->dir, d->dir, d->dir, d->dir, d->dir, d->dir));
}

static int
f_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, f_conf(d));
	return (0);
}

/* runnerd with RLIMIT_NOFILE at NOFILE. */
static int
f_setup_nofile(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d->nofile = NOFILE;
	d_start(d, f_conf(d));
	return (0);
}

/* runnerd's CPU time, user and system, over the next ms milliseconds. */
static long long
f_cpu_over(struct daemon *d, int ms)
{
	long long	 t0 = t_cpu_ms(d->pid), t1;
	struct pollfd	 none = { -1, 0, 0 };

	assert_true(t0 >= 0);
	(void)poll(&none, 1, ms);	/* the measure is a span of time */
	assert_true((t1 = t_cpu_ms(d->pid)) >= 0);
	return (t1 - t0);
}

/* runnerd's RssAnon in kB. */
static long
f_rss(struct daemon *d)
{
	long	 kb = t_status_kb(d->pid, "RssAnon");

	assert_true(kb > 0);
	return (kb);
}

/*
 * Out of descriptors.  Clients beyond what runnerd can hold wait in the
 * listen backlog; runnerd pauses accepting (and says so) rather than
 * spin on a listening socket that stays readable.  When clients leave,
 * it takes the waiting ones and answers them, then anyone new.
 */
static void
test_emfile_pauses_accept(void **state)
{
	struct daemon	*d = *state;
	struct client	*c[100];
	long long	 tag[100], cpu;
	size_t		 mark;
	int		 base, held, k, i, n = 100;
	char		 tmp[1];

	base = d_fds_probe(d);
	mark = d_log_mark(d);
	for (i = 0; i < n; i++) {
		c[i] = cl_open_wait(d);
		tag[i] = cl_req(c[i], "hello", NULL);
	}
	d_wait_log_from(d, mark, "accept: pausing: Too many open files");
	/*
	 * It holds all it can: the first k clients, in the order they came.
	 * (Not NOFILE less its own: it may have inherited descriptors.)
	 */
	held = t_fd_count(d->pid);
	k = held - (base - 1);
	if (k < NOFILE / 2 || k >= n)
		fail_msg("runnerd paused with %d clients, at %d descriptors",
		    k, held);
	for (i = 0; i < k; i++)
		j_ok(cl_reply_tag(c[i], tag[i]));
	for (i = k; i < n; i++)
		assert_int_equal(recv(c[i]->fd, tmp, 1, MSG_DONTWAIT), -1);

	/* Paused, not spinning, while the others wait. */
	cpu = f_cpu_over(d, 1000);
	print_message("runnerd at %d descriptors, %d clients waiting: %lld ms "
	    "of CPU in 1 s\n", held, n - k, cpu);
	if (cpu > CPU_IDLE_MS)
		fail_msg("runnerd used %lld ms of CPU in 1 s while out of "
		    "descriptors (bound %d ms): spinning", cpu, CPU_IDLE_MS);

	/*
	 * The first leave: the waiting ones are taken and answered, each
	 * leaving once answered, as more may wait than runnerd can hold (k:
	 * NOFILE less runnerd's own descriptors, those it parks for its
	 * spawns among them).
	 */
	for (i = 0; i < k; i++)
		cl_close(c[i]);
	for (i = k; i < n; i++) {
		j_ok(cl_reply_tag(c[i], tag[i]));
		cl_close(c[i]);
	}
	d_fds_settle(d, base);
	/* And all is as before: a new client, a new instance. */
	c[0] = cl_open(d);
	j_ok(cl_call(c[0], "hello", NULL));
	assert_true(cl_start(c[0], "cat", "c1") > 0);
	j_ok(cl_call(c[0], "stop", "{\"alias\": \"c1\"}"));
	d_no_zombies(d);
}

/*
 * Write nothing to alias until runnerd says ECLOSED: it has seen the
 * channel end.  (An empty write is answered at once either way.)
 */
static void
f_wait_eclosed(struct client *c, const char *alias)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;

	for (;;) {
		j = cl_call(c, "write", "{\"alias\": \"%s\", \"text\": \"\"}",
		    alias);
		if (json_get(j, 0, "error") != -1) {
			j_err(j, "ECLOSED");
			return;
		}
		j_ok(j);
		if (t_ms() > end)
			fail_msg("runnerd did not see '%s' close its channel",
			    alias);
		usleep(10000);
	}
}

/*
 * A child that closes its stdout and lives on: with its stdin still
 * open nothing shows; with both closed (and stderr) the channel ends.
 * Either way it is running, runnerd does not spin, and stop stops it.
 */
static void
test_child_closes_stdout(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	long long	 cpu;
	pid_t		 p1, p2;
	int		 e, base = d_fds_probe(d);

	c = cl_open(d);
	p1 = cl_start(c, "closeout", "co");
	p2 = cl_start(c, "closeall", "ca");
	f_wait_eclosed(c, "ca");
	cpu = f_cpu_over(d, 1000);
	print_message("children without stdout: runnerd used %lld ms of CPU "
	    "in 1 s\n", cpu);
	if (cpu > CPU_IDLE_MS)
		fail_msg("runnerd used %lld ms of CPU in 1 s beside children "
		    "that closed their stdout (bound %d ms)", cpu, CPU_IDLE_MS);
	e = cl_status_of(c, "co", &j);
	assert_string_equal(j_str(j, e, "state"), "running");
	assert_int_equal(j_int(j, e, "pid"), p1);
	e = cl_status_of(c, "ca", &j);
	assert_string_equal(j_str(j, e, "state"), "running");
	assert_int_equal(j_int(j, e, "pid"), p2);
	assert_true(t_alive(p1) && t_alive(p2));
	/* Nothing to read from either, and no end of it while they run. */
	j = cl_call(c, "read", "{\"alias\": \"ca\", \"wait\": 0.2}");
	assert_int_equal(j_ok_int(j, "bytes"), 0);
	j = cl_call(c, "read", "{\"alias\": \"co\"}");
	assert_int_equal(j_ok_int(j, "bytes"), 0);
	j = cl_call(c, "stop", "{\"aliases\": [\"co\", \"ca\"]}");
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "stopped",
	    JSON_ARRAY)), 2);
	assert_false(t_alive(p1) || t_alive(p2));
	cl_close(c);
	d_no_zombies(d);
	d_fds_settle(d, base);
}

/* The size of a file of the test directory, or -1 when there is none. */
static long long
f_size(struct daemon *d, const char *name)
{
	struct stat	 st;

	if (stat(d_fmt(d, "%s/%s", d->dir, name), &st) == -1)
		return (-1);
	return ((long long)st.st_size);
}

/*
 * A child that floods stderr: runnerd answers status within REPLY_MS
 * all along, its memory stays bounded, the log file rotates at its
 * size with log_keep files, and logs returns whole lines of the ring.
 */
static void
test_child_floods_stderr(void **state)
{
	static const char line[] = "a line of stderr, again and again and "
	    "again";
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	char		*data, *p, *nl;
	size_t		 n;
	long long	 t0, dt, worst = 0, end;
	long		 rss0, rss, top = 0;
	pid_t		 pid;
	int		 i, e, base = d_fds_probe(d);

	c = cl_open(d);
	rss0 = f_rss(d);
	pid = cl_start(c, "flood", "fl");
	for (end = t_ms() + T_WAIT_MS; f_size(d, "flood.log.1") == -1; ) {
		if (t_ms() > end)
			fail_msg("flood.log was not rotated within %d ms",
			    T_WAIT_MS);
		usleep(10000);
	}
	for (i = 0; i < 100; i++) {
		t0 = t_ms();
		e = cl_status_of(c, "fl", &j);
		if ((dt = t_ms() - t0) > worst)
			worst = dt;
		assert_string_equal(j_str(j, e, "state"), "running");
		if (dt > REPLY_MS)
			fail_msg("status took %lld ms during a flood", dt);
		if ((rss = f_rss(d)) > top)
			top = rss;
	}
	print_message("flooded: slowest of 100 status %lld ms; RssAnon %ld kB "
	    "before, at most %ld during\n", worst, rss0, top);
	if (!T_ASAN && top - rss0 > RSS_FLOOD_KB)
		fail_msg("runnerd grew by %ld kB during a flood (bound %d kB)",
		    top - rss0, RSS_FLOOD_KB);
	/* The file rotates at its size; log_keep = 1 keeps one more. */
	assert_true(f_size(d, "flood.log") <= 1048576);
	assert_true(f_size(d, "flood.log.1") > 1048576 - 128 * 1024);
	assert_true(f_size(d, "flood.log.1") <= 1048576);
	assert_int_equal(f_size(d, "flood.log.2"), -1);
	/* logs: at most the ring's 64 KiB, whole lines, the child's. */
	j = cl_call(c, "logs", "{\"alias\": \"fl\"}");
	data = j_b64(j, j_ok(j), "data", &n);
	assert_true(n > 0 && n <= 65536);
	for (p = data; p < data + n; p = nl + 1) {
		assert_non_null(nl = memchr(p, '\n', n - (size_t)(p - data)));
		if ((size_t)(nl - p) != strlen(line) ||
		    memcmp(p, line, strlen(line)) != 0)
			fail_msg("logs gave a line that is not the child's: "
			    "%.*s", (int)(nl - p), p);
	}
	j_ok(cl_call(c, "stop", "{\"alias\": \"fl\"}"));
	assert_false(t_alive(pid));
	cl_close(c);
	d_no_zombies(d);
	d_fds_settle(d, base);
}

/*
 * Children that end while runnerd waits for them to be ready: a socket
 * app that exits before it listens, a notify app killed before it
 * says so.  start answers ESPAWN saying how it ended; the instance is
 * listed as failed with that reason (protocol 7), not restarted
 * (restart = "always" is for instances that ran), and nothing is left:
 * no zombie, no descriptor.
 */
static void
test_exit_during_ready_wait(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	int		 k, e, base = d_fds_probe(d);

	c = cl_open(d);
	for (k = 0; k < 10; k++) {
		j = cl_call(c, "start", "{\"app\": \"dies\"}");
		assert_string_equal(j_err(j, "ESPAWN"), "'dies' exited with "
		    "status 2 before it was ready");
		j = cl_call(c, "start", "{\"app\": \"shot\"}");
		assert_string_equal(j_err(j, "ESPAWN"), "'shot' killed by "
		    "SIGKILL before it was ready");
		/* At once: failed, with why; no child of runnerd's left. */
		e = cl_status_of(c, "dies", &j);
		assert_string_equal(j_str(j, e, "state"), "failed");
		assert_string_equal(j_str(j, e, "reason"), "'dies' exited "
		    "with status 2 before it was ready");
		e = cl_status_of(c, "shot", &j);
		assert_string_equal(j_str(j, e, "state"), "failed");
		assert_int_equal(j_int(j, e, "pid"), 0);
		assert_int_equal(t_procs(d->pid, 0, 0, NULL, 0), 0);
	}
	cl_close(c);
	d_no_zombies(d);
	d_fds_settle(d, base);
}

/*
 * Commands that cannot be executed: ESPAWN at start, with the errno in
 * words, again and again, and nothing left behind once their failed
 * records are removed: no zombie, no descriptor, no memory.
 */
static void
test_exec_fails(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	long		 rss0, rss;
	int		 k, i, base;
	const struct {
		const char	*app;
		const char	*msg;
	} bad[] = {
		{ "noent", d_fmt(d, "cannot execute '%s/no-such-program': No "
		    "such file or directory", d->dir) },
		{ "noperm", d_fmt(d, "cannot execute '%s/plain.txt': "
		    "Permission denied", d->dir) },
		{ "isdir", d_fmt(d, "cannot execute '%s': Permission denied",
		    d->dir) },
		{ "nocwd", d_fmt(d, "cannot change directory to "
		    "'%s/no-such-dir': No such file or directory", d->dir) },
		{ "sockperm", d_fmt(d, "cannot execute '%s/plain.txt': "
		    "Permission denied", d->dir) },
	};

	d_file(d, "plain.txt", "echo not executable\n");
	for (i = 0; i < 5; i++) {		/* what malloc keeps, taken */
		j = cl_call(c, "start", "{\"app\": \"%s\"}", bad[i].app);
		assert_string_equal(j_err(j, "ESPAWN"), bad[i].msg);
	}
	base = d_fds_probe(d);
	rss0 = f_rss(d);
	for (k = 0; k < 40; k++) {
		for (i = 0; i < 5; i++) {
			j = cl_call(c, "start", "{\"app\": \"%s\", \"alias\": "
			    "\"b%d\"}", bad[i].app, k);
			assert_string_equal(j_err(j, "ESPAWN"), bad[i].msg);
		}
	}
	/* Each stays listed as failed (protocol 7) until removed. */
	j = cl_call(c, "status", NULL);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "instances",
	    JSON_ARRAY)), 5 + 40);
	for (k = 0; k < 40; k++)
		j_ok(cl_call(c, "remove", "{\"alias\": \"b%d\"}", k));
	d_no_zombies(d);
	assert_int_equal(t_procs(d->pid, 0, 0, NULL, 0), 0);
	d_fds_settle(d, base);
	rss = f_rss(d);
	print_message("200 failed starts: RssAnon %ld kB, then %ld\n", rss0,
	    rss);
	if (!T_ASAN && rss - rss0 > RSS_SPAWN_KB)
		fail_msg("runnerd grew by %ld kB over 200 failed starts "
		    "(bound %d kB)", rss - rss0, RSS_SPAWN_KB);
}

/* The next event on s, parsed (the caller frees it); its name in *name. */
static struct json *
f_event(struct client *s, const char **name)
{
	static char	 ev[32];
	struct json	*j;
	char		*line, *e;

	if ((line = cl_take(s, T_WAIT_MS)) == NULL)
		fail_msg("runnerd closed the subscriber");
	if ((j = json_parse(line, strlen(line), NULL, 0)) == NULL ||
	    (e = json_str(j, json_get(j, 0, "event"), NULL)) == NULL)
		fail_msg("not an event: %.300s", line);
	snprintf(ev, sizeof(ev), "%s", e);
	free(e);
	free(line);
	*name = ev;
	return (j);
}

/*
 * The kill -9 storm: STORM_KILLS SIGKILLs over STORM_APPS instances of
 * restart = "always" (backoff_reset = 0: every restart is immediate),
 * each instance's new pid awaited (its "restarted" event) before it is
 * killed again.  Then: no zombie at once, status counts every restart,
 * the descriptors are back and memory is flat (RSS_STORM_KB).
 */
static void
test_kill9_storm(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	const char	*name;
	char		 alias[16];
	pid_t		 pid[STORM_APPS], z[4];
	long long	 t0, p;
	long		 rss0 = 0, rss;
	int		 i, e, got, base = 0, kills = 0;

	j_ok(cl_call(s, "subscribe", NULL));
	for (i = 0; i < STORM_APPS; i++) {
		snprintf(alias, sizeof(alias), "p%d", i);
		pid[i] = cl_start(c, "phoenix", alias);
	}
	t0 = t_ms();
	while (kills < STORM_KILLS) {
		if (kills == STORM_WARM) {
			base = d_fds_probe(d);
			rss0 = f_rss(d);
		}
		for (i = 0; i < STORM_APPS; i++)
			assert_int_equal(kill(pid[i], SIGKILL), 0);
		kills += STORM_APPS;
		for (got = 0; got < STORM_APPS; ) {
			j = f_event(s, &name);
			if (strcmp(name, "restarted") == 0) {
				e = json_get(j, 0, "ext");
				if (sscanf(json_raw(j, json_get(j, e, "alias"),
				    NULL), "\"p%d\"", &i) != 1 || i < 0 ||
				    i >= STORM_APPS)
					fail_msg("restarted what? %s",
					    json_raw(j, 0, NULL));
				assert_int_equal(json_int(j, json_get(j, e,
				    "pid"), &p), 0);
				assert_true(p > 0 && p != pid[i]);
				pid[i] = (pid_t)p;
				got++;
			} else if (strcmp(name, "exited") != 0 &&
			    strcmp(name, "started") != 0 &&
			    strcmp(name, "ready") != 0 &&
			    strcmp(name, "restarting") != 0)
				fail_msg("unexpected event %s",
				    json_raw(j, 0, NULL));
			json_free(j);
		}
	}
	print_message("%d kills, each restarted, in %lld ms\n", kills,
	    t_ms() - t0);
	/* No zombie, not even for a moment: each was reaped to restart. */
	if (t_procs(d->pid, 'Z', 0, z, 4) != 0)
		fail_msg("runnerd has a zombie child, e.g. %ld", (long)z[0]);
	assert_int_equal(t_procs(d->pid, 0, 0, NULL, 0), STORM_APPS);
	for (i = 0; i < STORM_APPS; i++) {
		snprintf(alias, sizeof(alias), "p%d", i);
		e = cl_status_of(c, alias, &j);
		assert_int_equal(j_int(j, e, "pid"), pid[i]);
		assert_int_equal(j_int(j, e, "restarts"), STORM_KILLS /
		    STORM_APPS);
		assert_string_equal(j_str(j, json_get(j, e, "last_exit"),
		    "signal"), "SIGKILL");
		assert_true(t_alive(pid[i]));
	}
	d_fds_settle(d, base);
	rss = f_rss(d);
	print_message("RssAnon %ld kB after %d kills, %ld after %d more\n",
	    rss0, STORM_WARM, rss, STORM_KILLS - STORM_WARM);
	if (!T_ASAN && rss - rss0 > RSS_STORM_KB)
		fail_msg("runnerd grew by %ld kB over %d kills (bound %d kB)",
		    rss - rss0, STORM_KILLS - STORM_WARM, RSS_STORM_KB);
	for (i = 0; i < STORM_APPS; i++)
		d_saw(d, pid[i]);
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
	for (i = 0; i < STORM_APPS; i++)
		assert_true(t_wait_gone(pid[i]));
	d_no_zombies(d);
}

/* Processes whose environment holds mark; one of them in *one. */
static int
f_marked(const char *mark, pid_t *one)
{
	DIR		*dp;
	struct dirent	*e;
	char		 path[64], buf[65536];
	size_t		 len = strlen(mark);
	ssize_t		 n, k;
	int		 fd, count = 0;
	pid_t		 pid;

	assert_non_null(dp = opendir("/proc"));
	while ((e = readdir(dp)) != NULL) {
		if ((pid = (pid_t)atol(e->d_name)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n > 0)
			buf[n - 1] = '\0';
		for (k = 0; n > 0 && k < n; k += (ssize_t)strlen(buf + k) + 1) {
			if ((size_t)(n - k) > len && memcmp(buf + k, mark,
			    len) == 0 && buf[k + (ssize_t)len] == '\0') {
				if (one != NULL)
					*one = pid;
				count++;
				break;
			}
		}
	}
	closedir(dp);
	return (count);
}

/* The two pids forker prints (its escaped and its own sleep). */
static void
f_forker_pids(struct client *c, const char *alias, pid_t out[2])
{
	struct buf	 got;
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	size_t		 n;
	void		*p;

	buf_init(&got);
	while (memchr(buf_cstr(&got), '\n', buf_used(&got)) == NULL ||
	    strchr(strchr(buf_cstr(&got), '\n') + 1, '\n') == NULL) {
		if (t_ms() > end)
			fail_msg("forker %s printed %s", alias, buf_cstr(&got));
		j = cl_call(c, "read", "{\"alias\": \"%s\", \"wait\": 1}",
		    alias);
		p = j_b64(j, j_ok(j), "data", &n);
		assert_int_equal(buf_add(&got, p, n), 0);
	}
	assert_int_equal(sscanf(buf_cstr(&got), "%d\n%d", &out[0], &out[1]),
	    2);
	buf_free(&got);
}

/*
 * SIGTERM in a busy moment: instances running, streaming to attached
 * clients, starting (waiting to be ready, a start waiting on one), one
 * that ignores SIGTERM, grandchildren in and out of their session;
 * clients mid-line, waiting on reads, with replies unread, and starts
 * just sent.  runnerd exits 0 and removes its socket, every client sees
 * the end, and no process it started, nor any of theirs, is left.
 */
static void
test_sigterm_busy(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *x, *att[6];
	struct buf	 b;
	char		*mark = d_fmt(d, "FAULTS_MARK=%s", d->dir), tmp[4096];
	pid_t		 kids[3][2], one = 0;
	int		 i, k, before;

	for (i = 0; i < 20; i++)
		cl_start(c, "cat", d_fmt(d, "c%d", i));
	for (i = 0; i < 3; i++) {
		cl_start(c, "stream", d_fmt(d, "s%d", i));
		for (k = 0; k < 2; k++) {
			att[i * 2 + k] = cl_open(d);
			j_ok(cl_call(att[i * 2 + k], "attach", "{\"alias\": "
			    "\"s%d\"}", i));
		}
	}
	for (i = 0; i < 3; i++) {
		cl_start(c, "forker", d_fmt(d, "f%d", i));
		f_forker_pids(c, d_fmt(d, "f%d", i), kids[i]);
	}
	j_ok(cl_call(c, "start", "{\"app\": \"unready\", \"alias\": \"u0\", "
	    "\"wait\": false}"));
	x = cl_open(d);
	cl_req(x, "start", "{\"app\": \"unready\", \"alias\": \"u1\"}");
	cl_start(c, "stubborn", "st");
	cl_read_expect(c, "st", "ready\n", 6);	/* its trap is set */
	for (i = 0; i < 5; i++)
		cl_sendf(cl_open(d), "{\"tag\": 1, \"cmd\": \"sta");
	for (i = 0; i < 3; i++)
		cl_req(cl_open(d), "read", "{\"alias\": \"c%d\", \"wait\": 60}",
		    i);
	buf_init(&b);
	for (i = 0; i < 50; i++)
		buf_printf(&b, "{\"tag\": %d, \"cmd\": \"status\"}\n", i);
	x = cl_open(d);
	cl_send(x, buf_head(&b), buf_used(&b));
	buf_reset(&b);
	for (i = 0; i < 20; i++)
		buf_printf(&b, "{\"tag\": %d, \"cmd\": \"start\", \"ext\": "
		    "{\"app\": \"cat\", \"alias\": \"late%d\"}}\n", i, i);
	x = cl_open(d);
	cl_send(x, buf_head(&b), buf_used(&b));
	buf_free(&b);
	/* Streams flowing to their attached clients as it happens. */
	for (i = 0; i < 6; i++)
		assert_true(recv(att[i]->fd, tmp, sizeof(tmp), 0) > 0);
	before = f_marked(mark, NULL);
	assert_true(before >= 20 + 3 + 3 * 3 + 2 + 1);

	assert_int_equal(kill(d->pid, SIGTERM), 0);
	assert_int_equal(d_wait_exit(d), 0);
	d_assert_clean_exit(d);
	/* Every client hears the end. */
	for (x = d->clients; x != NULL; x = x->next) {
		while (!x->eof) {
			if (cl_fill(x, T_WAIT_MS) == -1)
				fail_msg("a client still connected after "
				    "runnerd exited");
			buf_reset(&x->in);
		}
	}
	for (i = 0; i < 3; i++)
		assert_true(t_wait_gone(kids[i][0]) && t_wait_gone(kids[i][1]));
	for (k = 0; k < T_WAIT_MS / 10 && f_marked(mark, &one) > 0; k++)
		usleep(10000);
	if ((i = f_marked(mark, &one)) > 0)
		fail_msg("%d process(es) runnerd started are left (of %d), "
		    "e.g. pid %ld", i, before, (long)one);
	print_message("SIGTERM with %d processes of runnerd's: all gone, "
	    "exit 0\n", before);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, f_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_emfile_pauses_accept,
		    f_setup_nofile, t_teardown),
		T(test_child_closes_stdout),
		T(test_child_floods_stderr),
		T(test_exit_during_ready_wait),
		T(test_exec_fails),
		T(test_kill9_storm),
		T(test_sigterm_busy),
	};

	/* runnerd's memory, counted by the page (see the top). */
	setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=0", 1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
