/*
 * test_death.c: after runnerd dies, nothing it started runs on
 * unsupervised (runnerd(8), "When runnerd dies").  kill -9 of runnerd
 * with a stdio cat, a sleeper, a socat socket app and an instance with a
 * double-forked helper: the main processes die at once (their parent-
 * death signal), and a runnerd started on the same socket kills what is
 * left (the helpers) from the dead one's state file before its
 * autostart, logs each, autostarts the socket app (its socket is free),
 * and leaves nothing at its own shutdown.  A state file that is garbage,
 * not runnerd's, or names a process of ours with the wrong start time
 * kills nothing.
 */

#include "daemon.h"

static char *
dth_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  sleeper = { command = \"sleep 300\"; restart = \"no\"; };\n"
	    "  echo = { command = [\"socat\", \"UNIX-LISTEN:echo.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"echo.sock\"; "
	    "cwd = \"%s\"; ready_timeout = 5.0; restart = \"no\"; "
	    "autostart = true; };\n"
	    "  x = { command = [\"sh\", \"-c\", \"(sleep 301 &); "
	    "exec sleep 300\"]; restart = \"no\"; };\n"
	    "  grand = { command = [\"sh\", \"-c\", \"sleep 302; :\"]; "
	    "restart = \"no\"; };\n"
	    "};\n", d->dir));
}

/*
 * The test is a child subreaper while it runs: what runnerd leaves when
 * it dies is reparented to the test (not to init, which may not reap),
 * and reaped by dth_reap.
 */
static int
dth_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	d->subreaper = 1;
	d_start(d, dth_conf(d));
	return (0);
}

/* Reap the zombies reparented to us (runnerd is reaped by pid). */
static void
dth_reap(struct daemon *d)
{
	pid_t	 z[16];
	int	 n, k, status;

	n = t_procs(getpid(), 'Z', 0, z, 16);
	for (k = 0; k < n && k < 16; k++)
		if (z[k] != d->pid)
			waitpid(z[k], &status, WNOHANG);
}

static void	dth_reap(struct daemon *);

/* Restart runnerd on the same socket, with a fresh log. */
static void
dth_restart(struct daemon *d)
{
	dth_reap(d);
	d_drain_stop(d);
	free(d->log);
	d->log = NULL;
	d_start(d, dth_conf(d));
}

/* kill -9 runnerd and reap it. */
static void
dth_kill9(struct daemon *d)
{
	cl_close_all(d);
	assert_int_equal(kill(d->pid, SIGKILL), 0);
	assert_true(t_wait_child(d->pid, &d->status, T_WAIT_MS));
	d->pid = 0;
}

/* Wait (bounded) until the state file names every pid of v. */
static void
dth_wait_state(struct daemon *d, const pid_t *v, int n)
{
	char	*path = d_fmt(d, "%s.state", d->sock), buf[65536], key[64];
	FILE	*fp;
	size_t	 len;
	int	 k, i;

	for (k = 0; k < T_WAIT_MS / 5; k++) {
		len = 0;
		if ((fp = fopen(path, "r")) != NULL) {
			len = fread(buf, 1, sizeof(buf) - 1, fp);
			fclose(fp);
		}
		buf[len] = '\0';
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), " %ld ", (long)v[i]);
			if (strstr(buf, key) == NULL)
				break;
		}
		if (i == n)
			return;
		usleep(5000);
	}
	fail_msg("the state file %s does not name pid %ld: %s", path,
	    (long)v[i], buf);
}

static pid_t	dth_by;		/* the bystander, ended at teardown */

/* A process of ours, in a session of its own, that runnerd never saw. */
static pid_t
dth_bystander(void)
{
	pid_t	 pid;

	if ((pid = fork()) == 0) {
		setsid();
		execlp("sleep", "sleep", "300", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	dth_by = pid;
	return (pid);
}

static void
dth_bystander_end(pid_t pid)
{
	int	 status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	dth_by = 0;
}

/* The fixture's teardown, and the bystander ended even after a failure. */
static int
dth_teardown(void **state)
{
	if (dth_by > 0)
		dth_bystander_end(dth_by);
	return (t_teardown(state));
}

/* The start time of pid (field 22 of /proc/PID/stat). */
static unsigned long long
dth_start_time(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 v = 0;
	FILE			*fp;
	int			 k;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_non_null(p = strrchr(buf, ')'));
	for (k = 2; k < 22; k++) {
		assert_non_null(p = strchr(p + 1, ' '));
	}
	v = strtoull(p + 1, NULL, 10);
	assert_true(v > 0);
	return (v);
}

static void
test_kill9_leaves_nothing(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	pid_t		 v[8], helper, deep[4], echo2;
	long		 sid;
	int		 e, n, k;

	e = cl_wait_state(c, "echo", "running", &j);
	v[0] = (pid_t)j_int(j, e, "pid");
	v[1] = cl_start(c, "cat", "cat");
	v[2] = cl_start(c, "sleeper", "sleeper");
	v[3] = cl_start(c, "x", "x");
	v[4] = cl_start(c, "grand", "grand");
	for (k = 0; k < 5; k++)
		d_saw(d, v[k]);
	/* x's helper, reparented to runnerd; grand's child sleep 302. */
	for (k = 0; k < T_WAIT_MS / 5; k++) {
		if (t_procs(d->pid, 0, v[3], deep, 4) >= 2)
			break;
		usleep(5000);
	}
	n = t_procs(d->pid, 0, v[3], deep, 4);
	assert_int_equal(n, 2);
	helper = deep[0] == v[3] ? deep[1] : deep[0];
	d_saw(d, helper);
	for (k = 0; k < T_WAIT_MS / 5; k++) {
		if (t_procs(v[4], 0, v[4], deep, 4) == 1)
			break;
		usleep(5000);
	}
	assert_int_equal(t_procs(v[4], 0, v[4], deep, 4), 1);
	d_saw(d, deep[0]);
	v[5] = helper;
	v[6] = deep[0];
	/* Recorded: the main processes (the helpers are in their sessions). */
	dth_wait_state(d, v, 5);

	dth_kill9(d);
	/* The main processes go at once: their parent died. */
	for (k = 0; k < 5; k++)
		if (!t_wait_gone(v[k]))
			fail_msg("instance pid %ld survived runnerd's death",
			    (long)v[k]);
	dth_reap(d);
	/* What they started is still there, and not runnerd's any more. */
	assert_true(t_alive(helper));
	assert_true(t_alive(v[6]));
	t_state(helper, NULL, &sid);
	assert_int_equal(sid, v[3]);

	/* The next runnerd kills it before its autostart. */
	dth_restart(d);
	d_wait_log(d, d_fmt(d, "pid %ld (alias x) left by a runnerd that "
	    "died: killed", (long)helper));
	d_wait_log(d, d_fmt(d, "pid %ld (alias grand) left by a runnerd "
	    "that died: killed", (long)v[6]));
	assert_true(t_wait_gone(helper));
	assert_true(t_wait_gone(v[6]));
	dth_reap(d);
	/* The socket app is autostarted: its socket was free. */
	c = cl_open(d);
	e = cl_wait_state(c, "echo", "running", &j);
	echo2 = (pid_t)j_int(j, e, "pid");
	d_saw(d, echo2);
	assert_true(echo2 != v[0]);
	/* Teardown: the new runnerd's shutdown leaves nothing. */
}

/* A state file runnerd must not trust kills nothing. */
static void
test_hostile_state_file(void **state)
{
	struct daemon	*d = *state;
	char		*st = d_fmt(d, "%s.state", d->sock), *text;
	pid_t		 by;
	unsigned long long start;

	by = dth_bystander();
	start = dth_start_time(by);

	/* Garbage. */
	dth_kill9(d);
	text = d_fmt(d, "runnerd-state 1\nP %ld %llu x\nP 12x 5 y\n",
	    (long)by, start);
	d_file(d, "runnerd.sock.state", text);
	chmod(st, 0600);
	dth_restart(d);
	d_wait_log(d, "is corrupt: ignored, nothing killed");
	d_lives(by);

	/* Its pid with the wrong start time, as a process and a session. */
	dth_kill9(d);
	text = d_fmt(d, "runnerd-state 1\nP %ld %llu x\nO %ld %llu y\n",
	    (long)by, start + 1, (long)by, start + 7);
	d_file(d, "runnerd.sock.state", text);
	chmod(st, 0600);
	dth_restart(d);
	d_wait_log(d, "killing what is left of them");
	d_lives(by);

	/* Right start time, but not a file of runnerd's (group-writable). */
	dth_kill9(d);
	text = d_fmt(d, "runnerd-state 1\nP %ld %llu x\n", (long)by, start);
	d_file(d, "runnerd.sock.state", text);
	chmod(st, 0620);
	dth_restart(d);
	d_wait_log(d, "is not a file of ours");
	d_lives(by);

	/* A symbolic link to a file that would do: not followed. */
	dth_kill9(d);
	unlink(st);
	d_file(d, "elsewhere", text);
	chmod(d_fmt(d, "%s/elsewhere", d->dir), 0600);
	assert_int_equal(symlink(d_fmt(d, "%s/elsewhere", d->dir), st), 0);
	dth_restart(d);
	d_wait_log(d, "runnerd.sock.state: ignored");
	d_lives(by);
	dth_bystander_end(by);
	dth_reap(d);
}

/*
 * A FIFO where runnerd once wrote its state file first (SOCKET.state.tmp,
 * a fixed name: anyone may put one there in a sticky directory): an open
 * of it for writing would wait for a reader, for ever, in the loop.
 */
static int
dth_setup_fifo(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	d->subreaper = 1;
	assert_int_equal(mkfifo(d_fmt(d, "%s.state.tmp", d->sock), 0666), 0);
	d_start(d, dth_conf(d));
	return (0);
}

/* The state file is written beside the FIFO, which is left alone. */
static void
test_state_tmp_fifo(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct stat	 st;
	long long	 end = t_ms() + T_WAIT_MS;

	d_saw(d, cl_start(c, "sleeper", "sleeper"));
	j_ok(cl_call(c, "hello", NULL));
	while (stat(d_fmt(d, "%s.state", d->sock), &st) == -1 ||
	    st.st_size == 0) {
		if (t_ms() > end)
			fail_msg("no state file after %d ms", T_WAIT_MS);
		j_ok(cl_call(c, "hello", NULL));
		usleep(10000);
	}
	assert_true(S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    (st.st_mode & 0777) == 0600);
	assert_int_equal(lstat(d_fmt(d, "%s.state.tmp", d->sock), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	j_ok(cl_call(c, "stop", "{\"alias\": \"sleeper\"}"));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, dth_setup, dth_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kill9_leaves_nothing),
		T(test_hostile_state_file),
		cmocka_unit_test_setup_teardown(test_state_tmp_fifo,
		    dth_setup_fifo, dth_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
