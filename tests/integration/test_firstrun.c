/*
 * test_firstrun.c: a user's first minutes, through the real programs:
 * runnerctl autostarting a runnerd that has no configuration (it says
 * so and how to give it one), the log an autostarted runnerd writes
 * beside its socket when there is no syslog (named by runnerctl, kept
 * bounded, never followed through a symlink), and `make run` (mk/run.sh)
 * finding a runnerd already on its socket, or a stale socket file; the
 * sample configuration's socket app listening in its owner's directory.
 */

#include "daemon.h"

#define LOGFILE		"runnerd.log"	/* runnerd.h's RUNNERD_LOGFILE */

/* Is there a syslog for a detached runnerd?  Then it logs there. */
static int
have_syslog(void)
{
	return (access("/dev/log", F_OK) == 0);
}

/* DIR/name, kept until teardown. */
static char *
d_path(struct daemon *d, const char *name)
{
	return (d_fmt(d, "%s/%s", d->dir, name));
}

/* The whole of a file, kept; NULL when it cannot be read. */
static char *
d_slurp(struct daemon *d, const char *path)
{
	struct buf	 b;
	char		 tmp[4096];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	buf_init(&b);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		assert_int_equal(buf_add(&b, tmp, (size_t)n), 0);
	close(fd);
	return (d_keep(d, buf_take(&b)));
}

/* Point the children's $RUNNER_CONFIG at path ("": none, the default). */
static void
d_setconf(struct daemon *d, const char *path)
{
	size_t	 i;

	for (i = 0; d->envp[i] != NULL; i++) {
		if (strncmp(d->envp[i], "RUNNER_CONFIG=", 14) == 0) {
			d->envp[i] = d_fmt(d, "RUNNER_CONFIG=%s", path);
			return;
		}
	}
	fail_msg("no RUNNER_CONFIG in the fixture's environment");
}

/*
 * `runnerctl start` autostarted a runnerd: note its pid (reaped by us,
 * its subreaper, at teardown), from hello.
 */
static void
d_note_other(struct daemon *d)
{
	struct client	*c = cl_open(d);
	struct json	*j;

	j = cl_call(c, "hello", NULL);
	d->other = (pid_t)j_int(j, j_ok(j), "pid");
	assert_true(d->other > 0 && t_alive(d->other));
	cl_close(c);
}

/* Stop the autostarted runnerd and wait until it is gone. */
static void
d_shutdown_other(struct daemon *d)
{
	int	 status;

	r_status(CTL(d, "shutdown"), 0);
	assert_true(t_wait_child(d->other, &status, T_WAIT_MS));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	d->other = 0;
}

static void
d_subreaper(struct daemon *d)
{
	/* runnerd -d detaches; orphans come to us, so we can reap it. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	d->subreaper = 1;
}

/*
 * No configuration anywhere: runnerctl starts runnerd all the same, says
 * that it has none and how to give it one, and the way it says works.
 */
static void
test_autostart_without_config(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*log;
	pid_t		 pid;

	if (access("/etc/runner/runner.conf", F_OK) == 0)
		skip();		/* the default exists: nothing to say */
	d_subreaper(d);
	d_setconf(d, "");
	r = CTL(d, "start", "cat");
	r_status(r, 1);		/* no app named cat, yet */
	d_note_other(d);
	if (strstr(r->err, d_fmt(d, "started runnerd on %s", d->sock)) ==
	    NULL || strstr(r->err, "no configuration (/etc/runner/runner."
	    "conf does not exist)") == NULL || strstr(r->err,
	    "`runnerctl reload FILE`") == NULL || strstr(r->err,
	    "set RUNNER_CONFIG") == NULL || strstr(r->err, "ENOAPP") == NULL)
		fail_msg("runnerctl said: %s", r->err);
	if (!have_syslog() && strstr(r->err, d_fmt(d, "(its log: %s)",
	    d_path(d, LOGFILE))) == NULL)
		fail_msg("runnerctl does not name the log: %s", r->err);
	/* Given one as it says, the runnerd has apps. */
	d_file(d, "runner.conf", d_default_conf(d));
	r_status(CTL(d, "reload", d->conf), 0);
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	/* A runnerctl that finds it running says nothing of the kind. */
	r = CTL(d, "start", "cat", "--alias", "c2");
	r_status(r, 0);
	assert_null(strstr(r->err, "configuration"));
	assert_null(strstr(r->err, "started runnerd"));
	pid = d->other;
	d_shutdown_other(d);
	if (!have_syslog()) {
		log = d_slurp(d, d_path(d, LOGFILE));
		assert_non_null(log);
		if (strstr(log, d_fmt(d, " runnerd[%ld]: listening on %s\n",
		    (long)pid, d->sock)) == NULL)
			fail_msg("the log has no listening line: %s", log);
		if (strstr(log, ": c1: started cat") == NULL ||
		    strstr(log, ": stopped\n") == NULL)
			fail_msg("the log misses lines: %s", log);
	}
}

/*
 * runnerd cannot start (its configuration is broken): its error comes
 * through, and runnerctl names the log the last runnerd left.
 */
static void
test_autostart_failure_names_log(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	if (have_syslog())
		skip();		/* detached runnerd logs to syslog here */
	d_subreaper(d);
	d_file(d, "runner.conf", d_default_conf(d));
	r = CTL(d, "start", "cat", "--alias", "c1");
	r_status(r, 0);
	d_note_other(d);
	assert_null(strstr(r->err, "no configuration"));
	d_shutdown_other(d);
	d_file(d, "runner.conf", "apps = { cat = { command = ; }; };\n");
	r = CTL(d, "start", "cat");
	r_status(r, 3);
	if (strstr(r->err, "runner.conf:1") == NULL || strstr(r->err,
	    d_fmt(d, "could not start runnerd on %s", d->sock)) == NULL ||
	    strstr(r->err, d_fmt(d, "runnerd's log: %s", d_path(d, LOGFILE)))
	    == NULL)
		fail_msg("runnerctl said: %s", r->err);
}

/*
 * The log is bounded (moved to .old once past 1 MiB) and a symlink in
 * its place is not followed: runnerd runs all the same.
 */
static void
test_autostart_log_bounded_and_safe(void **state)
{
	struct daemon	*d = *state;
	struct stat	 st;
	char		*big, *old;
	size_t		 n = 1024 * 1024 - 10;
	int		 fd;

	if (have_syslog())
		skip();
	d_subreaper(d);
	d_file(d, "runner.conf", d_default_conf(d));
	/* Nearly full: the first line moves it aside whole. */
	assert_non_null(big = malloc(n));
	memset(big, 'x', n);
	big[n - 1] = '\n';
	assert_true((fd = open(d_path(d, LOGFILE), O_WRONLY | O_CREAT |
	    O_CLOEXEC, 0600)) >= 0);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	free(big);
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	d_note_other(d);
	d_shutdown_other(d);
	assert_int_equal(stat(d_path(d, LOGFILE ".old"), &st), 0);
	assert_int_equal(st.st_size, (off_t)n);
	assert_non_null(old = d_slurp(d, d_path(d, LOGFILE)));
	assert_non_null(strstr(old, ": listening on "));
	assert_true(strlen(old) < 4096);

	/* A symlink where the log goes: refused, the target untouched. */
	assert_int_equal(unlink(d_path(d, LOGFILE)), 0);
	d_file(d, "target", "");
	assert_int_equal(symlink(d_path(d, "target"), d_path(d, LOGFILE)), 0);
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	d_note_other(d);
	r_status(CTL(d, "send", "c1", "hi"), 0);
	d_shutdown_other(d);
	assert_int_equal(stat(d_path(d, "target"), &st), 0);
	assert_int_equal(st.st_size, 0);
}

/* sh mk/run.sh from the repository root, to its end. */
static struct run *
run_sh(struct daemon *d)
{
	char	*argv[] = { (char *)"/bin/sh", (char *)"mk/run.sh", NULL };

	return (t_run(d, argv, NULL, 0));
}

/*
 * make run with a runnerd already on its socket: it says how to use or
 * stop it (exit 0 when that runnerd runs the sample, 1 when another
 * configuration), and leaves it running.
 */
static void
test_make_run_finds_live_runnerd(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		 sample[PATH_MAX];

	r = run_sh(d);
	r_status(r, 1);
	if (strstr(r->err, d_fmt(d, "a runnerd already answers on %s (pid "
	    "%ld)", d->sock, (long)d->pid)) == NULL || strstr(r->err,
	    d_fmt(d, "its configuration is %s, not conf/runner.conf",
	    d->conf)) == NULL || strstr(r->err, "ctl/runnerctl shutdown") ==
	    NULL || strstr(r->err, "ctl/runnerctl reload conf/runner.conf") ==
	    NULL)
		fail_msg("mk/run.sh said: %s", r->err);
	assert_true(t_alive(d->pid));
	/* Doing as it says: the sample, and make run has nothing to do. */
	assert_non_null(realpath("conf/runner.conf", sample));
	r_status(CTL(d, "reload", sample), 0);
	r = run_sh(d);
	r_status(r, 0);
	if (strstr(r->out, d_fmt(d, "runnerd is already running on "
	    "conf/runner.conf (pid %ld, socket %s): use it.", (long)d->pid,
	    d->sock)) == NULL)
		fail_msg("mk/run.sh said: %s", r->out);
	assert_true(t_alive(d->pid));
	r_status(CTL(d, "status"), 0);
}

/*
 * A socket file nobody listens on (a runnerd that was killed): make
 * run is not fooled, and runs runnerd in the foreground on it.
 */
static void
test_make_run_stale_socket(void **state)
{
	struct daemon		*d = *state;
	struct sockaddr_un	 sun;
	int			 fd, p[2], null;
	pid_t			 pid;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(d->sock) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, d->sock, strlen(d->sock) + 1);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >=
	    0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	/* As d_spawn, but mk/run.sh, which ends by exec'ing runnerd. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_true((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0);
	if ((pid = fork()) == 0) {
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execle("/bin/sh", "sh", "mk/run.sh", (char *)NULL, d->envp);
		_exit(127);
	}
	assert_true(pid > 0);
	close(p[1]);
	close(null);
	d->pid = pid;		/* runnerd, once run.sh has exec'd it */
	d->errfd = p[0];
	d_drain_begin(d);
	d_wait_log(d, d_fmt(d, "runnerd on conf/runner.conf, socket %s; "
	    "Ctrl-C stops it.\n", d->sock));
	d_wait_log(d, d_fmt(d, "runnerd: listening on %s\n", d->sock));
	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	/* Ctrl-C stops it, as it says; teardown checks it went cleanly. */
	d_stop(d, SIGINT);
}

/*
 * The sample configuration's socket app listens beside the file, in its
 * owner's directory, wherever runnerd was started: not in /tmp.
 */
static void
test_sample_socket_beside_config(void **state)
{
	struct daemon	*d = *state;
	struct stat	 st;
	struct run	*r;
	char		*sample;

	assert_non_null(sample = d_slurp(d, "conf/runner.conf"));
	assert_null(strstr(sample, "\"/tmp"));
	d_start(d, sample);
	r_status(CTL(d, "start", "echo", "--wait"), 0);
	assert_int_equal(lstat(d_path(d, "echo.sock"), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	r_status(CTL(d, "send", "echo", "hi"), 0);
	r = CTL(d, "read", "echo", "--wait", "5");
	r_status(r, 0);
	assert_string_equal(r->out, "hi\n");
	r_status(CTL(d, "stop", "echo"), 0);
}

#define TB(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)
#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TB(test_autostart_without_config),
		TB(test_autostart_failure_names_log),
		TB(test_autostart_log_bounded_and_safe),
		T(test_make_run_finds_live_runnerd),
		TB(test_make_run_stale_socket),
		TB(test_sample_socket_beside_config),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
