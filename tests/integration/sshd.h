/*
 * sshd.h: test_ssh's fixture, one private OpenSSH server for all its
 * tests: tests/sh/sshd.sh (host and user keys made for it, 127.0.0.1 on
 * a free port) started by the group setup, its stderr drained by a
 * thread (sshd -e logs every connection; a full pipe would stop it),
 * ready once it says "Server listening".  The clients get RUNNER_SSH
 * (its ssh_config) and RUNNER_REMOTE_RUNNERCTL (the build's
 * runnerctl).  A test calls s_need_sshd first: skipped, with the
 * reason, where sshd could not run.  Also what test_ssh.c and
 * test_ssh_close.c both use: random bytes, our children, pgrep.
 */

#ifndef T_SSHD_H
#define T_SSHD_H

/* The one sshd, for all the tests. */
static struct {
	char		 dir[64];
	int		 port;
	pid_t		 pid;
	int		 errfd;		/* its stderr, drained by a thread */
	pthread_t	 drainer;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct buf	 log;
	int		 eof;
	int		 nobody;	/* it lets nobody (65534) log in */
	char		 why[256];	/* why not, when it does not run */
} sshd = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

/* sshd's stderr into sshd.log, so that it never blocks on a full pipe. */
static void *
s_drain(void *arg)
{
	char	 b[4096];
	ssize_t	 n;

	(void)arg;
	for (;;) {
		n = read(sshd.errfd, b, sizeof(b));
		if (n == -1 && errno == EINTR)
			continue;
		pthread_mutex_lock(&sshd.mu);
		if (n > 0)
			buf_add(&sshd.log, b, (size_t)n);
		else
			sshd.eof = 1;
		pthread_cond_broadcast(&sshd.cv);
		pthread_mutex_unlock(&sshd.mu);
		if (n <= 0)
			return (NULL);
	}
}

/* Start sshd (tests/sh/sshd.sh) and wait until it says it listens. */
static int
s_group_setup(void **state)
{
	struct timespec	 ts;
	char		 ctl[PATH_MAX], *cfg;
	int		 ep[2], ok, status;
	char		 path[PATH_MAX];

	(void)state;
	buf_init(&sshd.log);
	strcpy(sshd.dir, "/tmp/runner-sshd.XXXXXX");
	assert_non_null(mkdtemp(sshd.dir));
	sshd.port = t_tcp_port();
	assert_int_equal(pipe2(ep, O_CLOEXEC), 0);
	if ((sshd.pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(ep[1], 2);
		dup2(open("/dev/null", O_RDWR), 0);
		dup2(2, 1);
		snprintf(path, sizeof(path), "%d", sshd.port);
		execl("/bin/sh", "sh", "tests/sh/sshd.sh", sshd.dir, path,
		    (char *)NULL);
		_exit(127);
	}
	assert_true(sshd.pid > 0);
	close(ep[1]);
	sshd.errfd = ep[0];
	assert_int_equal(pthread_create(&sshd.drainer, NULL, s_drain, NULL),
	    0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += T_WAIT_MS / 1000;
	pthread_mutex_lock(&sshd.mu);
	while (!sshd.eof && (buf_cstr(&sshd.log) == NULL ||
	    strstr(buf_cstr(&sshd.log), "Server listening") == NULL))
		if (pthread_cond_timedwait(&sshd.cv, &sshd.mu, &ts) != 0)
			break;
	ok = buf_cstr(&sshd.log) != NULL &&
	    strstr(buf_cstr(&sshd.log), "Server listening") != NULL;
	if (!ok)
		snprintf(sshd.why, sizeof(sshd.why), "sshd cannot run here: "
		    "%.200s", buf_cstr(&sshd.log));
	pthread_mutex_unlock(&sshd.mu);
	if (!ok) {
		kill(sshd.pid, SIGTERM);
		waitpid(sshd.pid, &status, 0);
		sshd.pid = 0;
		return (0);
	}
	snprintf(path, sizeof(path), "%s/nobody-ok", sshd.dir);
	sshd.nobody = access(path, F_OK) == 0;
	assert_non_null(realpath("ctl/runnerctl", ctl));
	assert_true(asprintf(&cfg, "ssh -F %s/ssh_config", sshd.dir) > 0);
	setenv("RUNNER_SSH", cfg, 1);
	setenv("RUNNER_REMOTE_RUNNERCTL", ctl, 1);
	unsetenv("RUNNER_HOST");
	free(cfg);
	return (0);
}

static int
s_group_teardown(void **state)
{
	int	 status;

	(void)state;
	if (sshd.pid > 0) {
		kill(sshd.pid, SIGTERM);
		waitpid(sshd.pid, &status, 0);
	}
	if (sshd.errfd > 0) {
		pthread_join(sshd.drainer, NULL);
		close(sshd.errfd);
	}
	if (getenv("T_LOG") != NULL && buf_cstr(&sshd.log) != NULL)
		fprintf(stderr, "sshd:\n%s", buf_cstr(&sshd.log));
	buf_free(&sshd.log);
	nftw(sshd.dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
	return (0);
}

/* Skip the test where sshd does not run; else the fixture, and runnerd. */
static int
s_setup(void **state)
{
	t_setup_bare(state);
	return (0);
}

static void
s_need_sshd(void)
{
	if (sshd.pid <= 0) {
		print_message("skipped: %s\n", sshd.why);
		skip();
	}
}

/* ssh://USER@127.0.0.1:PORT/SOCK */
static char *
s_url(struct daemon *d, const char *user, const char *sock)
{
	return (d_fmt(d, "ssh://%s@127.0.0.1:%d%s", user, sshd.port, sock));
}

/* n bytes of xorshift, every byte value (0xff too: ssh.c escapes it). */
static unsigned char *
s_random(struct daemon *d, size_t n)
{
	unsigned char	*p;
	size_t		 i;
	uint32_t	 x = 2463534242u;

	assert_non_null(p = malloc(n));
	d_keep(d, p);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return (p);
}

/* Children of ours still there, zombies included. */
static int
s_children(void)
{
	return (t_procs(getpid(), 0, 0, NULL, 0) +
	    t_procs(getpid(), 'Z', 0, NULL, 0));
}

/*
 * The pids (up to max) of processes whose command line holds what, and
 * also (NULL: anything).  /proc itself, however many processes there
 * are (other tests on the machine may run thousands).
 */
static int
s_pgrep(const char *what, const char *also, pid_t *out, int max)
{
	DIR		*dp;
	struct dirent	*e;
	char		 cl[4096];
	pid_t		 pid;
	int		 k = 0;

	assert_non_null(dp = opendir("/proc"));
	while ((e = readdir(dp)) != NULL && k < max) {
		if ((pid = (pid_t)atol(e->d_name)) <= 0 || !t_alive(pid))
			continue;
		t_cmdline(pid, cl, sizeof(cl));
		if (strstr(cl, what) != NULL &&
		    (also == NULL || strstr(cl, also) != NULL))
			out[k++] = pid;
	}
	closedir(dp);
	return (k);
}

#endif /* T_SSHD_H */
