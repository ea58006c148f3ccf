/*
 * proc.h: process and descriptor facts for the tests, read from /proc
 * (state, parent, session, open descriptors), bounded waits for
 * processes to end, small system helpers, and the signal dispositions
 * every test binary starts from.  Shared by the library
 * tests (tests/lib/common.h) and the integration tests (daemon.h); the
 * includer brings cmocka and runner-int.h.
 */

#ifndef T_PROC_H
#define T_PROC_H

#ifndef T_WAIT_MS			/* a test of much work may give more */
#define T_WAIT_MS	10000		/* bound on any wait: fail, don't hang */
#endif

/* Built with ASan (gcc or clang): its allocator keeps freed memory. */
#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN	1
#endif
#endif
#ifndef T_ASAN
#define T_ASAN	0
#endif

/*
 * Before main: undo what our parent may have handed down.  A job started
 * in the background by a shell without job control (`bash -c 'make
 * check &'`) runs with SIGINT and SIGQUIT ignored, and an ignored
 * disposition survives exec into every runnerd, runnerctl and child the
 * tests start: a test that stops runnerctl with SIGINT would wait in
 * vain.  So whatever is ignored goes back to its default (handlers
 * cmocka installs later are not touched), and nothing stays blocked.
 * The tests that want a signal ignored (SIGPIPE) say so themselves.
 */
static void __attribute__((constructor))
t_signals_reset(void)
{
	struct sigaction	 sa;
	sigset_t		 none;
	int			 sig;

	for (sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			signal(sig, SIG_DFL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Wait (bounded) for our child pid to end; 1 with *status, 0 if not. */
static inline int
t_wait_child(pid_t pid, int *status, int ms)
{
	if (spawn_wait_exit(pid, clock_now() + ms / 1000.0) == -1)
		return (0);
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return (0);
	return (1);
}

/* The state letter of pid (R, S, Z...), or 0 when there is no such process. */
static inline char
t_state(pid_t pid, long *ppid, long *sid)
{
	char	 path[64], buf[1024], *p;
	FILE	*fp;
	char	 st = 0;
	long	 pp = 0, pg = 0, se = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL &&
	    sscanf(p + 2, "%c %ld %ld %ld", &st, &pp, &pg, &se) != 4)
		st = 0;
	fclose(fp);
	if (ppid != NULL)
		*ppid = pp;
	if (sid != NULL)
		*sid = se;
	return (st);
}

/* 1 when pid exists and is not a zombie. */
static inline int
t_alive(pid_t pid)
{
	char	 st = t_state(pid, NULL, NULL);

	return (st != 0 && st != 'Z' && st != 'X');
}

/* Wait (bounded) until pid is gone or a zombie; 1 when it is. */
static inline int
t_wait_gone(pid_t pid)
{
	static int	 nopidfd;	/* ENOSYS (old kernel, valgrind) */
	struct pollfd	 pfd;
	int		 fd = -1, i, r;

	if (!nopidfd && (fd = pidfd_open(pid, 0)) == -1 && errno == ENOSYS)
		nopidfd = 1;
	if (fd != -1) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, T_WAIT_MS);
		close(fd);
		return (r == 1 || !t_alive(pid));
	}
	for (i = 0; i < T_WAIT_MS / 5 && t_alive(pid); i++)
		usleep(5000);
	return (!t_alive(pid));
}

/*
 * Processes matching: ppid (children of it; 0 any) in state (0: any
 * state but Z), or with session sid (0: any).  Their pids go to out.
 */
static inline int
t_procs(long ppid, char state, long sid, pid_t *out, int max)
{
	DIR		*dp;
	struct dirent	*e;
	long		 pp, se;
	char		 st;
	int		 n = 0;
	pid_t		 pid;

	assert_non_null(dp = opendir("/proc"));
	while ((e = readdir(dp)) != NULL) {
		if ((pid = (pid_t)atol(e->d_name)) <= 0)
			continue;
		if ((st = t_state(pid, &pp, &se)) == 0)
			continue;
		if ((ppid != 0 && pp != ppid) || (sid != 0 && se != sid))
			continue;
		if (state != 0 ? st != state : st == 'Z' || st == 'X')
			continue;
		if (n < max && out != NULL)
			out[n] = pid;
		n++;
	}
	closedir(dp);
	return (n);
}

/*
 * Wait (bounded) until no live process is left in session sid: a group
 * SIGKILL reaches grandchildren at once, but they die when scheduled.
 * The number left (0: empty); *one gets one of them.
 */
static inline int
t_session_empty(long sid, pid_t *one)
{
	pid_t	 left[1] = { 0 };
	int	 i, n = 0;

	for (i = 0; i < T_WAIT_MS / 5; i++) {
		if ((n = t_procs(0, 0, sid, left, 1)) == 0)
			break;
		usleep(5000);
	}
	if (one != NULL)
		*one = left[0];
	return (n);
}

/* pid's argv, its words joined by spaces, into b ("" when gone). */
static inline void
t_cmdline(pid_t pid, char *b, size_t len)
{
	char	 path[64];
	ssize_t	 n, i;
	int	 fd;

	b[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, b, len - 1);
	close(fd);
	if (n <= 0)
		return;
	for (i = 0; i < n - 1; i++)
		if (b[i] == '\0')
			b[i] = ' ';
	b[n] = '\0';
}

/* The number of open descriptors of pid (-1 when it cannot be seen). */
static inline int
t_fd_count(pid_t pid)
{
	char		 path[64];
	DIR		*dp;
	struct dirent	*e;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((dp = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return (n);
}

/*
 * The CPU time pid has used, user and system, in milliseconds (-1 when it
 * cannot be seen): a daemon that spins shows here, one that waits not.
 */
static inline long long
t_cpu_ms(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	FILE			*fp;
	int			 ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	/* After "(comm) ": state is field 3, utime 14 and stime 15. */
	ok = fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) == 2;
	fclose(fp);
	if (!ok)
		return (-1);
	return ((long long)(ut + st) * 1000 / sysconf(_SC_CLK_TCK));
}

/*
 * A line "Key: N kB" of /proc/PID/status, in kB (-1 when missing):
 * VmRSS is all that is resident, RssAnon the part that is not file
 * pages (the heap and anonymous maps, where a leak would show).
 */
static inline long
t_status_kb(pid_t pid, const char *key)
{
	char	 path[64], line[256];
	size_t	 n = strlen(key);
	long	 kb = -1;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(fp);
	return (kb);
}

static inline int
t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

/* A stale socket file at path: bound, then closed with nobody listening. */
static inline void
t_stale_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	close(fd);
}

/* Milliseconds on the monotonic clock. */
static inline long long
t_ms(void)
{
	return ((long long)(clock_now() * 1000));
}

#endif /* T_PROC_H */
