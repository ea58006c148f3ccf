/*
 * test_batch.c: ends handled together (runnerd/reap.c).  libev reaps
 * every child that has exited before runnerd handles any of those ends,
 * so in one pass an end waits, queued, while other callbacks run: the
 * other ends, and a health probe's exit (reaped in the same pass, its
 * verdict given at once).  runnerd is stopped (SIGSTOP) while the
 * processes end, so that one pass reaps them all; instances come before
 * probes in that pass (the kernel lists the main thread's children, the
 * instances, before the probe threads').
 *
 * A probe that passes, or fails, in the pass that reaps its instance's
 * process judges a process that is gone: the start it passed is not
 * ready, and the crash it failed is a crash, not a liveness stop.  An
 * essential app's end stops instances whose ends are queued behind it:
 * each says exited, then stopped, and runnerd exits with the essential
 * one's status.  A stop of several whose ends come in one pass answers
 * once, with every alias, even when its client has gone.  SIGTERM while
 * ends wait to be reaped; a start and stops waiting on one instance
 * answer in request order.
 */

#include "daemon.h"

#define NQUEUED	6	/* instances ended with the essential one */

static char *
b_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  gated = { command = [\"sh\", \"-c\", \"echo $$ > gmain.fifo; "
	    "exec sleep 300\"]; cwd = \"%s\"; restart = \"no\"; "
	    "ready = \"healthy\"; ready_timeout = 60; "
	    "health = { exec = [\"sh\", \"-c\", \"echo $$ > gprobe.fifo; "
	    "while [ ! -e go ]; do sleep 0.01; done\"]; interval = 60; "
	    "timeout = 60; retries = 1; }; };\n"
	    "  live = { command = [\"sh\", \"-c\", \"echo $$ > lmain.fifo; "
	    "exec sleep 300\"]; cwd = \"%s\"; restart = \"no\"; "
	    "health = { exec = [\"sh\", \"-c\", \"echo $$ > lprobe.fifo; "
	    "while [ ! -e fail ]; do sleep 0.01; done; exit 1\"]; "
	    "interval = 60; timeout = 60; retries = 1; start_period = 0; "
	    "}; };\n"
	    "  ess = { command = \"sleep 300\"; restart = \"no\"; "
	    "on_exit = \"shutdown\"; };\n"
	    "  plain = { command = \"sleep 300\"; restart = \"no\"; };\n"
	    "  deaf = { command = [\"sh\", \"-c\", \"trap '' TERM; "
	    "while :; do sleep 0.01; done\"]; stop_timeout = 60; "
	    "restart = \"no\"; };\n"
	    "};\n", d->dir, d->dir));
}

static int
b_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, b_conf(d));
	return (0);
}

/* A FIFO at DIR/name, open for reading (non-blocking). */
static int
b_fifo(struct daemon *d, const char *name)
{
	int	 fd;

	assert_int_equal(mkfifo(d_fmt(d, "%s/%s", d->dir, name), 0600), 0);
	assert_true((fd = open(d_fmt(d, "%s/%s", d->dir, name),
	    O_RDONLY | O_NONBLOCK | O_CLOEXEC)) != -1);
	return (fd);
}

/* The pid written into the FIFO fd, waited for with poll (bounded). */
static pid_t
b_fifo_pid(int fd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		 buf[64];
	ssize_t		 n;

	if (poll(&pfd, 1, T_WAIT_MS) != 1)
		fail_msg("no pid came within %d ms", T_WAIT_MS);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	return ((pid_t)atol(buf));
}

/*
 * A probe wrote its pid (it has exec'd): once runnerd's spawner threads
 * all sleep, the one that spawned it has handed the pid back (an
 * ev_async), and a request answered after that is answered after the
 * loop took it (the async's watcher runs before clients'), so that
 * runnerd knows the probe's exit as a probe's when it comes.  Were the
 * pid heard late, the exit would be kept and judged after the pass:
 * the test would pass without testing anything, never fail.
 */
static void
b_probe_known(struct daemon *d, struct client *c)
{
	long long	 end = t_ms() + T_WAIT_MS;
	char		 path[64];
	struct dirent	*e;
	DIR		*dir;
	int		 busy;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)d->pid);
	do {
		if (t_ms() > end)
			fail_msg("runnerd's threads did not settle");
		busy = 0;
		assert_non_null(dir = opendir(path));
		while ((e = readdir(dir)) != NULL)
			if (atol(e->d_name) > 0 && atol(e->d_name) != d->pid &&
			    t_state((pid_t)atol(e->d_name), NULL, NULL) == 'R')
				busy = 1;
		closedir(dir);
		if (busy)
			usleep(1000);
	} while (busy);
	j_ok(cl_call(c, "status", NULL));
}

/* pid ignores SIGTERM (its trap is set): waited for, bounded. */
static void
b_ignores_term(pid_t pid)
{
	long long	 end = t_ms() + T_WAIT_MS;
	unsigned long long ign;
	char		 path[64], line[256];
	FILE		*fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	for (;;) {
		ign = 0;
		if ((fp = fopen(path, "r")) != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL)
				if (sscanf(line, "SigIgn: %llx", &ign) == 1)
					break;
			fclose(fp);
		}
		if (ign & (1ULL << (SIGTERM - 1)))
			return;
		if (t_ms() > end)
			fail_msg("pid %ld does not ignore SIGTERM", (long)pid);
		usleep(1000);
	}
}

/* Stop runnerd: from here it reaps nothing. */
static void
b_freeze(struct daemon *d)
{
	assert_int_equal(kill(d->pid, SIGSTOP), 0);
	while (t_state(d->pid, NULL, NULL) != 'T')
		usleep(1000);
}

/* pid has exited and waits, a zombie, for runnerd to reap it. */
static void
b_zombie(pid_t pid)
{
	assert_true(t_wait_gone(pid));
	assert_int_equal(t_state(pid, NULL, NULL), 'Z');
}

/*
 * The events about alias up to its "exited": none may be want (a
 * verdict on the process gone).
 */
static void
b_until_exited(struct client *s, const char *alias, const char *bad)
{
	struct json	*j;
	char		*name;
	int		 e;

	for (;;) {
		j = cl_event(s, &name);
		e = json_get(j, 0, "ext");
		if (!json_streq(j, json_get(j, e, "alias"), alias))
			continue;
		if (strcmp(name, bad) == 0)
			fail_msg("'%s' after its process ended: %.500s", bad,
			    json_raw(j, 0, NULL));
		if (strcmp(name, "exited") == 0)
			return;
	}
}

/*
 * ready = "healthy": the process dies and its probe passes, in one pass.
 * The start fails (it died before it was ready); no "ready" event.
 */
static void
test_pass_of_the_dead(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	int		 mfd = b_fifo(d, "gmain.fifo");
	int		 pfd = b_fifo(d, "gprobe.fifo");
	long long	 tag;
	pid_t		 main, probe;

	j_ok(cl_call(s, "subscribe", NULL));
	tag = cl_req(c, "start", "{\"app\": \"gated\"}");
	main = b_fifo_pid(mfd);
	probe = b_fifo_pid(pfd);
	d_saw(d, main);
	b_probe_known(d, s);
	b_freeze(d);
	assert_int_equal(kill(main, SIGKILL), 0);
	d_file(d, "go", "");
	b_zombie(main);
	b_zombie(probe);
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	j = cl_reply_tag(c, tag);
	if (json_get(j, 0, "error") == -1)
		fail_msg("a start answered for a process that died before "
		    "its probe's pass was heard: %.500s", json_raw(j, 0, NULL));
	j_err(j, "ESPAWN");
	b_until_exited(s, "gated", "ready");
	cl_wait_state(c, "gated", "failed", &j);
	d_no_zombies(d);
	close(mfd);
	close(pfd);
}

/*
 * A running instance crashes while its probe fails, in one pass: a
 * crash (restart = "no": exited), not a liveness stop (failed,
 * "unhealthy").
 */
static void
test_failure_of_the_dead(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	int		 mfd = b_fifo(d, "lmain.fifo");
	int		 pfd = b_fifo(d, "lprobe.fifo");
	int		 e;
	pid_t		 main, probe;

	j_ok(cl_call(s, "subscribe", NULL));
	main = cl_start(c, "live", "live");
	d_saw(d, main);
	assert_int_equal(b_fifo_pid(mfd), main);
	probe = b_fifo_pid(pfd);	/* the first probe: it waits */
	b_probe_known(d, c);
	b_freeze(d);
	assert_int_equal(kill(main, SIGKILL), 0);
	d_file(d, "fail", "");
	b_zombie(main);
	b_zombie(probe);
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	b_until_exited(s, "live", "health");
	e = cl_wait_state(c, "live", "exited", &j);
	if (strcmp(j_str(j, e, "reason"), "killed by SIGKILL") != 0)
		fail_msg("a crash told as a liveness stop: %.500s",
		    json_raw(j, e, NULL));
	d_no_zombies(d);
	close(mfd);
	close(pfd);
}

/*
 * An essential app ends in the pass that reaps others, started after it
 * (queued behind it): its end stops them, each exited then stopped, and
 * runnerd exits with its status (SIGKILL: 137), nothing left.
 */
static void
test_essential_with_queued(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *s = cl_open(d);
	struct json	*j;
	char		 alias[32], *name;
	pid_t		 ess, pid[NQUEUED];
	int		 k, e, seen[NQUEUED] = { 0 }, done = 0;

	ess = cl_start(c, "ess", "ess");
	d_saw(d, ess);
	for (k = 0; k < NQUEUED; k++) {
		snprintf(alias, sizeof(alias), "q%d", k);
		d_saw(d, pid[k] = cl_start(c, "plain", alias));
	}
	j_ok(cl_call(s, "subscribe", NULL));
	b_freeze(d);
	assert_int_equal(kill(ess, SIGKILL), 0);
	for (k = 0; k < NQUEUED; k++)
		assert_int_equal(kill(pid[k], SIGKILL), 0);
	b_zombie(ess);
	for (k = 0; k < NQUEUED; k++)
		b_zombie(pid[k]);
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	/* Per instance: exited (1), then stopped (2), nothing else. */
	while (done < NQUEUED) {
		j = cl_event(s, &name);
		e = json_get(j, 0, "ext");
		if (sscanf(j_str(j, e, "alias"), "q%d", &k) != 1)
			continue;
		assert_true(k >= 0 && k < NQUEUED);
		if (strcmp(name, "exited") == 0 && seen[k] == 0)
			seen[k] = 1;
		else if (strcmp(name, "stopped") == 0 && seen[k] == 1) {
			seen[k] = 2;
			done++;
		} else
			fail_msg("q%d: '%s' after %d: %.500s", k, name,
			    seen[k], json_raw(j, 0, NULL));
	}
	cl_close_all(d);
	d_wait_exit(d);
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 128 + SIGKILL)
		fail_msg("runnerd's wait status is 0x%x, not exit %d: %.2000s",
		    d->status, 128 + SIGKILL, d->log);
}

/*
 * A stop of several (they ignore SIGTERM) whose client has gone; their
 * ends come in one pass: each stopped, nothing left, and a stop of all
 * asked meanwhile on another connection answers once, with all of them.
 */
static void
test_stop_gone_client_batch(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *g = cl_open(d), *s = cl_open(d);
	struct json	*j;
	char		 alias[32], *name;
	long long	 tag;
	pid_t		 pid[NQUEUED];
	int		 k, e, a, stopped = 0;

	for (k = 0; k < NQUEUED; k++) {
		snprintf(alias, sizeof(alias), "f%d", k);
		d_saw(d, pid[k] = cl_start(c, "deaf", alias));
		b_ignores_term(pid[k]);
	}
	j_ok(cl_call(s, "subscribe", NULL));
	cl_req(g, "stop", "{\"all\": true}");
	tag = cl_req(c, "stop", "{\"all\": true}");
	/* Both stops are under way: every instance is stopping. */
	for (k = 0; k < NQUEUED; k++) {
		snprintf(alias, sizeof(alias), "f%d", k);
		cl_wait_state(c, alias, "stopping", &j);
	}
	cl_close(g);
	b_freeze(d);
	for (k = 0; k < NQUEUED; k++)
		assert_int_equal(kill(pid[k], SIGKILL), 0);
	for (k = 0; k < NQUEUED; k++)
		b_zombie(pid[k]);
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	j = cl_reply_tag(c, tag);
	a = j_type(j, j_ok(j), "stopped", JSON_ARRAY);
	assert_int_equal(json_len(j, a), NQUEUED);
	while (stopped < NQUEUED) {
		j = cl_event(s, &name);
		if (strcmp(name, "stopped") == 0)
			stopped++;
	}
	for (k = 0; k < NQUEUED; k++) {
		snprintf(alias, sizeof(alias), "f%d", k);
		e = cl_status_of(c, alias, &j);
		assert_string_equal(j_str(j, e, "state"), "stopped");
		assert_int_equal(j_int(j, e, "pid"), 0);
	}
	d_no_zombies(d);
}

/*
 * SIGTERM comes while ends wait to be reaped: they are handled first
 * (SIGCHLD's watchers before SIGTERM's), then the shutdown stops the
 * rest; runnerd exits 0 and leaves nothing.
 */
static void
test_term_with_ends_queued(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		 alias[32];
	pid_t		 pid[NQUEUED];
	int		 k;

	for (k = 0; k < NQUEUED; k++) {
		snprintf(alias, sizeof(alias), "t%d", k);
		d_saw(d, pid[k] = cl_start(c, "plain", alias));
	}
	cl_close(c);
	b_freeze(d);
	for (k = 0; k < NQUEUED; k += 2)
		assert_int_equal(kill(pid[k], SIGKILL), 0);
	for (k = 0; k < NQUEUED; k += 2)
		b_zombie(pid[k]);
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	assert_int_equal(kill(d->pid, SIGCONT), 0);
	d_wait_exit(d);
	d_assert_clean_exit(d);
}

/*
 * A start that waits for readiness and a stop of the same instance, on
 * one connection: both wait on it, and answer in request order (the
 * start first: stopped before it was ready).  Another connection's stop
 * is sent once the instance is listed (runnerd orders no requests
 * across connections): it answers too, whether it finds the instance
 * stopping or stopped.
 */
static void
test_waiters_in_order(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d), *o = cl_open(d);
	struct json	*j;
	long long	 start, stop, other, end;

	start = cl_req(c, "start", "{\"app\": \"gated\"}");
	stop = cl_req(c, "stop", "{\"alias\": \"gated\"}");
	end = t_ms() + T_WAIT_MS;
	while (cl_status_of(o, "gated", &j) == -1) {	/* listed: started */
		if (t_ms() > end)
			fail_msg("'gated' is not listed");
		usleep(1000);
	}
	other = cl_req(o, "stop", "{\"alias\": \"gated\"}");
	j = cl_reply_tag(c, start);
	assert_string_equal(j_err(j, "ESPAWN"),
	    "'gated' stopped before it was ready");
	j_ok(cl_reply_tag(c, stop));
	j_ok(cl_reply_tag(o, other));
	cl_wait_state(c, "gated", "stopped", &j);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, b_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pass_of_the_dead),
		T(test_failure_of_the_dead),
		T(test_essential_with_queued),
		T(test_stop_gone_client_batch),
		T(test_term_with_ends_queued),
		T(test_waiters_in_order),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
