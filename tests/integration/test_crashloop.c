/*
 * test_crashloop.c: restarts may never cost runnerd its loop, and
 * supervision may never end by accident.
 *
 * A crash loop at backoff 0 (command = "false", four instances, a
 * hundred subscribers): runnerd answers hello within REPLY_MS all along,
 * its memory stays flat, and SIGTERM ends it at once (exit 0, nothing
 * left).  A wave of WAVE instances killed together: every one comes back
 * while a client's requests are answered, the slowest (printed) within
 * WAVE_MS and within a WAVE_SPREAD-th of the time the wave takes: a
 * runnerd that restarts them all in one go answers only at the end of
 * it, however fast the machine.  The aim, 50 ms, is printed, not
 * checked: what remains is the reaping of the WAVE exits, which libev
 * does in one go, and on a loaded machine (two of these tests side by
 * side beside other suites) that alone took a second.  A restart whose spawn fails, exec (the program is gone) or
 * fork (RLIMIT_NPROC; as root runnerd runs under an unused uid for it,
 * since root is exempt): the instance waits in backoff with the error in
 * status and the log, and runs again by itself once the spawn works.
 * Ended instances: at most ENDED_MAX are kept, the oldest forgotten
 * first, running ones never, and memory does not grow with history.
 * A restart by hand under way (the old process ignores SIGTERM) when a
 * reload removes the app: the restart ends with the stop, nothing of the
 * app runs again (the soak found it started again, out of reach of any
 * later reload).
 * A log rotated at every line (log_max_size = 1) into log_keep = 1000
 * files, under a flood: each rotation renames 1000 files, and
 * runnerd still answers within REPLY_MS (the soak found it stalling for
 * seconds) and never keeps more than log_keep files.
 *
 * runnerd runs with malloc's mmap threshold at 0 (see test_faults.c), so
 * its RssAnon counts what it holds; under ASan the figures are printed,
 * not checked.
 */

#include <sys/resource.h>

#include "daemon.h"

#define REPLY_MS	1000	/* a reply during a crash loop, at most */
#define LOOP_MS		3000	/* how long the crash loop is watched */
#define LOOP_SUBS	100	/* subscribers during the crash loop */
#define LOOP_RSS_KB	512	/* growth allowed over the crash loop */
#define WAVE		200	/* instances crashing together */
#define WAVE_MS		2000	/* a reply during the wave, at most (CI) */
#define WAVE_SPREAD	4	/* ... and that times over the whole wave */
#define ENDED_MAX	1000	/* runnerd's cap on ended instances */
#define ENDED_RSS_KB	256	/* growth allowed over 500 more ended */
#define ROT_KEEP	1000	/* log_keep of the log rotated at each line */
#define ROT_MS		2000	/* how long its flood is watched */
#define ROT_MIN		10	/* ... and rotations it must see, at least */

static char *
c_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  crash = { command = \"false\"; restart = \"always\"; "
	    "backoff_initial = 0; backoff_max = 0; instances = 4; };\n"
	    "  wave = { command = \"sleep 1000\"; restart = \"always\"; "
	    "instances = %d; };\n"
	    "  gone = { command = \"%s/prog\"; cwd = \"%s\"; "
	    "restart = \"always\"; backoff_initial = 0.05; "
	    "backoff_max = 0.2; };\n"
	    "  nproc = { command = \"sleep 1000\"; cwd = \"%s\"; "
	    "restart = \"always\"; backoff_initial = 0.05; "
	    "backoff_max = 0.2; };\n"
	    "  brief = { command = \"true\"; restart = \"no\"; };\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  stubborn = { command = [\"sh\", \"-c\", \"trap '' TERM; "
	    "echo ready; exec sleep 1000\"]; stop_timeout = 0.3; "
	    "restart = \"always\"; };\n"
	    "  rot = { command = [\"sh\", \"-c\", \"yes 0123456789 >&2\"]; "
	    "log = \"%s/rot.log\"; log_max_size = 1; log_keep = %d; "
	    "restart = \"no\"; };\n"
	    "};\n", WAVE, d->dir, d->dir, d->dir, d->dir, ROT_KEEP));
}

static int
c_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_file(d, "prog", "#!/bin/sh\nexec sleep 1000\n");
	assert_int_equal(chmod(d_fmt(d, "%s/prog", d->dir), 0755), 0);
	d_start(d, c_conf(d));
	return (0);
}

/* runnerd's RssAnon in kB. */
static long
c_rss(struct daemon *d)
{
	long	 kb = t_status_kb(d->pid, "RssAnon");

	assert_true(kb > 0);
	return (kb);
}

/*
 * Send cmd (ext: JSON text or NULL) and wait up to ms for its reply,
 * skipping events: the reply (json_free it), or NULL when none came in
 * time.  *lat gets the milliseconds from sending to the whole reply.
 */
static struct json *
c_timed(struct client *c, const char *cmd, const char *ext, int ms,
    long long *lat)
{
	struct json	*j;
	long long	 t0 = t_ms(), tag, t, left;
	char		 why[256], *nl;
	size_t		 len;

	tag = ext != NULL ? cl_req(c, cmd, "%s", ext) : cl_req(c, cmd, NULL);
	for (;;) {
		while (buf_used(&c->in) > 0 && (nl = memchr(buf_head(&c->in),
		    '\n', buf_used(&c->in))) != NULL) {
			len = (size_t)(nl - buf_head(&c->in));
			j = json_parse(buf_head(&c->in), len, why, sizeof(why));
			if (j == NULL)
				fail_msg("runnerd sent invalid JSON (%s)", why);
			buf_drop(&c->in, len + 1);
			if (json_get(j, 0, "event") == -1 && json_int(j,
			    json_get(j, 0, "tag"), &t) == 0 && t == tag) {
				*lat = t_ms() - t0;
				return (j);
			}
			json_free(j);
		}
		if ((left = t0 + ms - t_ms()) <= 0 ||
		    cl_fill(c, (int)left) <= 0) {
			*lat = t_ms() - t0;
			return (NULL);
		}
	}
}

/* Throw away what subscribers were sent, so that nothing piles up. */
static void
c_drain(struct client **s, int n)
{
	char	 tmp[65536];
	int	 k;

	for (k = 0; k < n; k++)
		while (recv(s[k]->fd, tmp, sizeof(tmp), MSG_DONTWAIT) > 0)
			;
}

/* The restarts of alias, from a status reply. */
static long long
c_restarts(struct json *j, const char *alias)
{
	int	 a, e, k;

	a = json_get(j, json_get(j, 0, "ext"), "instances");
	for (k = 0; k < json_len(j, a); k++) {
		e = json_at(j, a, k);
		if (json_streq(j, json_get(j, e, "alias"), alias))
			return (j_int(j, e, "restarts"));
	}
	return (-1);
}

/*
 * The crash loop of issue 13: four instances of "false" at backoff 0
 * with subscribers to tell.  runnerd keeps answering, keeps its memory
 * and obeys SIGTERM.
 */
static void
test_crash_loop(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s[LOOP_SUBS];
	struct json	*j;
	long long	 lat, worst = 0, end, n = 0, r;
	long		 rss0 = 0, rss;
	int		 k, status;

	for (k = 0; k < LOOP_SUBS; k++) {
		s[k] = cl_open(d);
		j_ok(cl_call(s[k], "subscribe", NULL));
	}
	if ((j = c_timed(c, "start", "{\"app\": \"crash\"}", REPLY_MS,
	    &lat)) == NULL)
		fail_msg("start crash: no reply within %d ms", REPLY_MS);
	json_free(j);
	end = t_ms() + LOOP_MS;
	while (t_ms() < end) {
		if ((j = c_timed(c, "hello", NULL, REPLY_MS, &lat)) == NULL)
			fail_msg("no reply to hello within %d ms during a "
			    "crash loop (%lld answered before)", REPLY_MS, n);
		json_free(j);
		n++;
		if (lat > worst)
			worst = lat;
		if (rss0 == 0 && t_ms() > end - LOOP_MS / 2)
			rss0 = c_rss(d);
		c_drain(s, LOOP_SUBS);
		usleep(20000);
	}
	rss = c_rss(d);
	if ((j = c_timed(c, "status", NULL, REPLY_MS, &lat)) == NULL)
		fail_msg("no status within %d ms", REPLY_MS);
	r = c_restarts(j, "crash-1");
	json_free(j);
	print_message("crash loop: %lld hellos in %d ms, slowest %lld ms; "
	    "crash-1 restarted %lld times; RssAnon %ld kB, then %ld\n", n,
	    LOOP_MS, worst, r, rss0, rss);
	assert_true(r >= 3);	/* the loop did go round */
	if (!T_ASAN && rss - rss0 > LOOP_RSS_KB)
		fail_msg("runnerd grew by %ld kB in %d ms of crash loop "
		    "(bound %d kB)", rss - rss0, LOOP_MS / 2, LOOP_RSS_KB);

	/* SIGTERM in the middle of it: obeyed at once, nothing left. */
	c_drain(s, LOOP_SUBS);
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	if (!t_wait_child(d->pid, &status, 5000))
		fail_msg("runnerd ignored SIGTERM for 5 s in a crash loop");
	d->pid = 0;
	d->status = status;
	d_assert_clean_exit(d);
}

/* The pids of the WAVE instances, from a status reply. */
static void
c_wave_pids(struct json *j, pid_t *pid, int *running, int *restarted)
{
	long long	 p, rs;
	char		 alias[32];
	int		 a, e, k, w;

	*running = *restarted = 0;
	a = json_get(j, json_get(j, 0, "ext"), "instances");
	for (k = 0; k < json_len(j, a); k++) {
		e = json_at(j, a, k);
		for (w = 0; w < WAVE; w++) {
			snprintf(alias, sizeof(alias), "wave-%d", w + 1);
			if (json_streq(j, json_get(j, e, "alias"), alias))
				break;
		}
		if (w == WAVE)
			continue;
		if (json_int(j, json_get(j, e, "pid"), &p) == -1 ||
		    json_int(j, json_get(j, e, "restarts"), &rs) == -1)
			fail_msg("status without pid or restarts");
		if (p > 0 && json_streq(j, json_get(j, e, "state"),
		    "running")) {
			(*running)++;
			if (rs > 0)
				(*restarted)++;
		}
		if (pid != NULL)
			pid[w] = (pid_t)p;
	}
}

/*
 * WAVE instances killed together: each is restarted, and a client's
 * hello and status are answered within WAVE_MS all the while.
 */
static void
test_wave(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 pid[WAVE];
	long long	 lat, worst = 0, worst_st = 0, t0, end, took;
	int		 k, running, restarted = 0, n = 0;

	j = cl_call(c, "start", "{\"app\": \"wave\"}");
	j_ok(j);
	j = cl_call(c, "status", NULL);
	c_wave_pids(j, pid, &running, &restarted);
	assert_int_equal(running, WAVE);
	for (k = 0; k < WAVE; k++)
		assert_true(pid[k] > 0);
	t0 = t_ms();
	for (k = 0; k < WAVE; k++)
		assert_int_equal(kill(pid[k], SIGKILL), 0);
	end = t0 + 30000;
	while (restarted < WAVE && t_ms() < end) {
		if ((j = c_timed(c, "hello", NULL, T_WAIT_MS, &lat)) == NULL)
			fail_msg("no hello within %d ms in a wave", T_WAIT_MS);
		json_free(j);
		if (lat > worst)
			worst = lat;
		if ((j = c_timed(c, "status", NULL, T_WAIT_MS, &lat)) == NULL)
			fail_msg("no status within %d ms in a wave", T_WAIT_MS);
		if (lat > worst_st)
			worst_st = lat;
		c_wave_pids(j, NULL, &running, &restarted);
		json_free(j);
		n++;
	}
	took = t_ms() - t0;
	print_message("%d instances killed together: all back in %lld ms; "
	    "%d rounds of hello+status, slowest hello %lld ms, slowest "
	    "status %lld ms\n", WAVE, took, n, worst, worst_st);
	if (restarted < WAVE)
		fail_msg("%d of %d instances restarted within 30 s", restarted,
		    WAVE);
	j = cl_call(c, "status", NULL);	/* notes the new pids */
	if (worst_st > worst)
		worst = worst_st;
	if (worst > WAVE_MS || worst * WAVE_SPREAD > took)
		fail_msg("a reply took %lld ms during a wave of %d restarts "
		    "that took %lld ms (bound: %d ms, and a %dth of the wave)",
		    worst, WAVE, took, WAVE_MS, WAVE_SPREAD);
	j_ok(cl_call(c, "stop", "{\"all\": true}"));
}

/*
 * Wait (bounded) until alias is in backoff with an error holding want;
 * the status reply.
 */
static struct json *
c_wait_error(struct client *c, const char *alias, const char *want)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 e;

	for (;;) {
		e = cl_status_of(c, alias, &j);
		if (e != -1 && json_streq(j, json_get(j, e, "state"),
		    "backoff") && json_get(j, e, "error") != -1 &&
		    strstr(j_str(j, e, "error"), want) != NULL)
			return (j);
		if (t_ms() > end)
			fail_msg("'%s' is not in backoff with an error saying "
			    "\"%s\" after %d ms: %.600s", alias, want,
			    T_WAIT_MS, json_raw(j, 0, NULL));
		usleep(10000);
	}
}

/* Wait (bounded) until alias runs again under a pid other than old. */
static pid_t
c_wait_back(struct client *c, const char *alias, pid_t old)
{
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	pid_t		 pid;
	int		 e;

	for (;;) {
		e = cl_status_of(c, alias, &j);
		if (e != -1 && json_streq(j, json_get(j, e, "state"),
		    "running") && (pid = (pid_t)j_int(j, e, "pid")) > 0 &&
		    pid != old) {
			assert_int_equal(json_get(j, e, "error"), -1);
			return (pid);
		}
		if (t_ms() > end)
			fail_msg("'%s' did not come back within %d ms: %.600s",
			    alias, T_WAIT_MS, json_raw(j, 0, NULL));
		usleep(10000);
	}
}

/*
 * The program is gone when the instance is restarted: its exec fails,
 * the instance waits in backoff with the error and tries again; the
 * program back, it runs again by itself.
 */
static void
test_exec_fails_then_back(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*prog = d_fmt(d, "%s/prog", d->dir);
	char		*off = d_fmt(d, "%s/prog.off", d->dir);
	size_t		 mark;
	pid_t		 pid;

	pid = cl_start(c, "gone", "g");
	assert_int_equal(rename(prog, off), 0);
	mark = d_log_mark(d);
	assert_int_equal(kill(pid, SIGKILL), 0);
	c_wait_error(c, "g", "cannot execute");
	d_wait_log_from(d, mark, "g: cannot restart: cannot execute");
	/* It keeps trying: a second failure, after a backoff. */
	d_wait_log_from(d, mark, "g: restarting in");
	assert_int_equal(rename(off, prog), 0);
	pid = c_wait_back(c, "g", pid);
	print_message("exec failed, then back by itself as pid %ld\n",
	    (long)pid);
}

static uid_t	 c_uid;		/* runnerd's uid when not ours, or 0 */

/*
 * Set runnerd's RLIMIT_NPROC.  Changing another process's limits takes
 * its uid (or CAP_SYS_RESOURCE, which root in a container may lack): as
 * root, a child that has become runnerd's uid does it.
 */
static void
c_prlimit(struct daemon *d, const struct rlimit *rl)
{
	pid_t	 pid;
	int	 status;

	if (c_uid == 0) {
		assert_int_equal(prlimit(d->pid, RLIMIT_NPROC, rl, NULL), 0);
		return;
	}
	if ((pid = fork()) == 0) {
		if (setresgid(c_uid, c_uid, c_uid) == -1 ||
		    setresuid(c_uid, c_uid, c_uid) == -1 ||
		    prlimit(d->pid, RLIMIT_NPROC, rl, NULL) == -1)
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("cannot set runnerd's RLIMIT_NPROC as uid %lu",
		    (unsigned long)c_uid);
}

/* A uid that no process has; 0 when none found. */
static uid_t
c_free_uid(void)
{
	char	 path[300], line[256];
	uid_t	 uid;
	FILE	*fp;
	DIR	*dp;
	struct dirent *e;
	int	 used, tries;

	for (tries = 0, uid = 61000 + (uid_t)(getpid() % 3000); tries < 50;
	    tries++, uid++) {
		used = 0;
		assert_non_null(dp = opendir("/proc"));
		while (!used && (e = readdir(dp)) != NULL) {
			if (atol(e->d_name) <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/status",
			    e->d_name);
			if ((fp = fopen(path, "r")) == NULL)
				continue;
			while (fgets(line, sizeof(line), fp) != NULL) {
				if (strncmp(line, "Uid:", 4) == 0) {
					used = strtoul(line + 4, NULL, 10) ==
					    uid;
					break;
				}
			}
			fclose(fp);
		}
		closedir(dp);
		if (!used)
			return (uid);
	}
	return (0);
}

/*
 * runnerd where its forks can be made to fail with RLIMIT_NPROC.  Root
 * is exempt from that limit: as root, runnerd runs (through setpriv)
 * under a uid no process has, so that the limit counts only its own.
 */
static int
c_setup_nproc(void **state)
{
	struct daemon	*d;
	char		*wrap, real[PATH_MAX];
	uid_t		 uid;

	t_setup_bare(state);
	d = *state;
	c_uid = 0;
	if (geteuid() == 0) {
		if (access("/usr/bin/setpriv", X_OK) != 0 ||
		    (uid = c_free_uid()) == 0) {
			print_message("no setpriv or no free uid: the fork "
			    "failure cannot be made as root\n");
			return (0);
		}
		strcpy(real, d->runnerd);
		wrap = d_file(d, "runnerd-as", d_fmt(d, "#!/bin/sh\nexec "
		    "/usr/bin/setpriv --reuid=%lu --regid=%lu --clear-groups "
		    "-- %s \"$@\"\n", (unsigned long)uid, (unsigned long)uid,
		    real));
		assert_int_equal(chmod(wrap, 0755), 0);
		assert_int_equal(chown(d->dir, uid, uid), 0);
		assert_true(strlen(wrap) < sizeof(d->runnerd));
		strcpy(d->runnerd, wrap);
		c_uid = uid;
	}
	d_file(d, "prog", "#!/bin/sh\nexec sleep 1000\n");
	assert_int_equal(chmod(d_fmt(d, "%s/prog", d->dir), 0755), 0);
	d_start(d, c_conf(d));
	return (0);
}

/*
 * A restart's fork fails (RLIMIT_NPROC at 1: EAGAIN): the instance
 * waits in backoff with the errno in status and the log, and runs again
 * by itself once the limit is lifted.
 */
static void
test_fork_fails_then_back(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct rlimit	 old, one;
	size_t		 mark;
	pid_t		 pid;

	if (d->pid == 0) {
		print_message("skipped: see above\n");
		skip();
	}
	c = cl_open(d);
	pid = cl_start(c, "nproc", "np");
	/* runnerd's limit is ours: inherited, and setpriv keeps it. */
	assert_int_equal(getrlimit(RLIMIT_NPROC, &old), 0);
	one.rlim_cur = 1;
	one.rlim_max = old.rlim_max;
	c_prlimit(d, &one);
	mark = d_log_mark(d);
	assert_int_equal(kill(pid, SIGKILL), 0);
	c_wait_error(c, "np", strerror(EAGAIN));
	d_wait_log_from(d, mark, d_fmt(d, "np: cannot restart: cannot start "
	    "'sleep': %s", strerror(EAGAIN)));
	d_wait_log_from(d, mark, "np: restarting in");
	c_prlimit(d, &old);
	pid = c_wait_back(c, "np", pid);
	print_message("fork failed (EAGAIN), then back by itself as pid "
	    "%ld\n", (long)pid);
}

/* Start brief as alias and wait for its exit event on the subscriber. */
static void
c_brief(struct client *c, struct client *s, const char *alias)
{
	struct json	*j;
	char		*name;
	int		 e;

	j_ok(cl_call(c, "start", "{\"app\": \"brief\", \"alias\": \"%s\"}",
	    alias));
	for (;;) {
		j = cl_event(s, &name);
		e = json_get(j, 0, "ext");
		if (strcmp(name, "exited") == 0 && json_streq(j,
		    json_get(j, e, "alias"), alias))
			return;
	}
}

/* Check status lists the running cats and exactly e<from>..e<to>. */
static void
c_check_ended(struct client *c, int from, int to)
{
	struct json	*j;
	char		*alias;
	int		 a, e, k, n, cats = 0, ended = 0;

	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	for (k = 0; k < json_len(j, a); k++) {
		e = json_at(j, a, k);
		alias = j_str(j, e, "alias");
		if (strncmp(alias, "cat", 3) == 0) {
			assert_string_equal(j_str(j, e, "state"), "running");
			cats++;
			continue;
		}
		if (sscanf(alias, "e%d", &n) != 1 || n < from || n > to)
			fail_msg("status lists %s; only e%d..e%d should be "
			    "left", alias, from, to);
		assert_string_equal(j_str(j, e, "state"), "exited");
		ended++;
	}
	assert_int_equal(cats, 3);
	assert_int_equal(ended, to - from + 1);
}

/*
 * Ended instances are kept up to ENDED_MAX, the oldest forgotten first;
 * running ones (three cats started before them all) stay; memory does
 * not grow with 500 more.
 */
static void
test_ended_capped(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	long		 rss0, rss;
	int		 k;

	j_ok(cl_call(s, "subscribe", NULL));
	for (k = 0; k < 3; k++)
		cl_start(c, "cat", d_fmt(d, "cat%d", k));
	for (k = 1; k <= ENDED_MAX + 50; k++)
		c_brief(c, s, d_fmt(d, "e%d", k));
	c_check_ended(c, 51, ENDED_MAX + 50);
	d_wait_log(d, "e50: forgotten");
	/*
	 * runnerd frees a reply's buffer once it is sent, just after the
	 * send that the client may read first: status's 300 KB, read before
	 * that free, made a swing of 75 pages.  A round trip after it.
	 */
	j_ok(cl_call(c, "hello", NULL));
	rss0 = c_rss(d);
	for (; k <= ENDED_MAX + 550; k++)
		c_brief(c, s, d_fmt(d, "e%d", k));
	c_check_ended(c, 551, ENDED_MAX + 550);
	j_ok(cl_call(c, "hello", NULL));
	rss = c_rss(d);
	print_message("%d ended instances: RssAnon %ld kB with %d kept, %ld "
	    "after 500 more\n", ENDED_MAX + 550, rss0, ENDED_MAX, rss);
	if (!T_ASAN && rss - rss0 > ENDED_RSS_KB)
		fail_msg("runnerd grew by %ld kB over 500 ended instances "
		    "(bound %d kB)", rss - rss0, ENDED_RSS_KB);
	/* An ended alias may be started again: it is free. */
	c_brief(c, s, "e600");
	c_check_ended(c, 551, ENDED_MAX + 550);
}

/*
 * restart stubborn (its process ignores SIGTERM: the stop takes
 * stop_timeout), and a reload without it meanwhile: the restart's
 * client is answered, stubborn is stopped and gone for good.
 */
static void
test_restart_then_removed(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *r = cl_open(d);
	struct json	*j;
	long long	 tag;
	size_t		 mark;
	pid_t		 pid;
	int		 e, again;

	pid = cl_start(c, "stubborn", "stubborn");
	cl_read_expect(c, "stubborn", "ready\n", 6);	/* TERM ignored */
	tag = cl_req(r, "restart", "{\"alias\": \"stubborn\"}");
	d_wait_log(d, "stubborn: stopping pid");
	mark = d_log_mark(d);
	j_ok(cl_call(c, "reload", "{\"config\": %s}", t_jstr("apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "};\n")));
	(void)cl_reply_tag(r, tag);	/* answered, however */
	if (!t_wait_gone(pid))
		fail_msg("stubborn's pid %ld outlived its stop", (long)pid);
	/* A restart would have been queued at once: give it its turn. */
	(void)cl_call(c, "hello", NULL);
	usleep(200000);
	if ((e = cl_status_of(c, "stubborn", &j)) != -1)
		fail_msg("stubborn is still listed after its app was removed: "
		    "%.300s", json_raw(j, e, NULL));
	pthread_mutex_lock(&d->mu);
	d->log[d->loglen] = '\0';
	again = strstr(d->log + mark, "stubborn: started") != NULL;
	pthread_mutex_unlock(&d->mu);
	if (again)
		fail_msg("stubborn was started again after its app was "
		    "removed:\n%s", d->log + mark);
	cl_close(r);
	cl_close(c);
}

/* How many files DIR holds whose name starts with prefix. */
static int
c_count_files(struct daemon *d, const char *prefix)
{
	struct dirent	*de;
	DIR		*dir;
	int		 n = 0;

	assert_non_null(dir = opendir(d->dir));
	while ((de = readdir(dir)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(dir);
	return (n);
}

/*
 * How many times rot.log was rotated since c_seed: the seed that
 * rot.log.ROT_KEEP holds moved there from ROT_KEEP - rotations (at
 * least ROT_KEEP once every seed is gone).
 */
static int
c_rotations(struct daemon *d)
{
	FILE	*f;
	int	 k;

	if ((f = fopen(d_fmt(d, "%s/rot.log.%d", d->dir, ROT_KEEP),
	    "r")) == NULL) {
		assert_int_equal(errno, ENOENT);	/* none yet */
		return (0);
	}
	if (fscanf(f, "seed %d\n", &k) != 1)
		k = 0;
	fclose(f);
	return (ROT_KEEP - k);
}

/*
 * rot.log.1 ... rot.log.(ROT_KEEP - 1), as earlier rotations would
 * have left them: every rotation from the first renames ROT_KEEP files,
 * the most one can.  (Growing them by rotation instead costs half a
 * million renames, over three minutes on a slow disk under ASan.)
 */
static void
c_seed(struct daemon *d)
{
	FILE	*f;
	int	 k;

	for (k = 1; k < ROT_KEEP; k++) {
		assert_non_null(f = fopen(d_fmt(d, "%s/rot.log.%d", d->dir,
		    k), "w"));
		fprintf(f, "seed %d\n", k);
		assert_int_equal(fclose(f), 0);
	}
}

/*
 * A flood into a log rotated at every line with a thousand files kept:
 * runnerd answers all along, while each rotation renames a thousand
 * files, and keeps log_keep files and the log.
 */
static void
test_rotation_flood(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct json	*j;
	long long	 lat, worst = 0, end, n = 0;

	c_seed(d);
	c = cl_open(d);
	if ((j = c_timed(c, "start", "{\"app\": \"rot\"}", REPLY_MS,
	    &lat)) == NULL)
		fail_msg("start rot: no reply within %d ms", REPLY_MS);
	json_free(j);
	end = t_ms() + ROT_MS;
	while (t_ms() < end || c_rotations(d) < ROT_MIN) {
		if ((j = c_timed(c, "hello", NULL, REPLY_MS, &lat)) == NULL)
			fail_msg("no reply to hello within %d ms while a log "
			    "rotates at every line (%lld answered before)",
			    REPLY_MS, n);
		json_free(j);
		n++;
		if (lat > worst)
			worst = lat;
		if (t_ms() > end + 180000)
			fail_msg("%d rotations in three minutes (%d wanted)",
			    c_rotations(d), ROT_MIN);
		usleep(20000);
	}
	print_message("rotation flood: %lld hellos, slowest %lld ms, %d "
	    "rotations of %d files\n", n, worst, c_rotations(d), ROT_KEEP);
	j_ok(cl_call(c, "stop", "{\"alias\": \"rot\"}"));
	assert_int_equal(c_count_files(d, "rot.log"), ROT_KEEP + 1);
	assert_int_equal(access(d_fmt(d, "%s/rot.log.%d", d->dir,
	    ROT_KEEP + 1), F_OK), -1);
	cl_close(c);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, c_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_crash_loop),
		T(test_wave),
		T(test_exec_fails_then_back),
		cmocka_unit_test_setup_teardown(test_fork_fails_then_back,
		    c_setup_nproc, t_teardown),
		T(test_ended_capped),
		T(test_restart_then_removed),
		T(test_rotation_flood),
	};

	/* runnerd's memory, counted by the page (see test_faults.c). */
	setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=0", 1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
