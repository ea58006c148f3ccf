/*
 * daemon.h: the fixture of the integration tests.  Each test gets a
 * private temporary directory, a configuration written there and the real
 * runnerd serving a private socket in it (DIR/runnerd.sock); client.h
 * drives it over raw sockets, ctl.h with the real runnerctl, and proc.h
 * reads /proc (descriptors, zombies, sessions).  Teardown
 * stops runnerd with SIGTERM and checks that it exited 0, removed its
 * socket and left no process behind; it kills only what the test started,
 * by pid.  Every wait is on an event or a bounded poll (T_WAIT_MS), so a
 * broken daemon fails a test instead of hanging it.
 *
 * runnerd's stderr goes to a pipe that a thread drains into d->log for
 * the whole run, so runnerd never blocks on a full pipe; T_LOG=1 prints
 * it at teardown.  T_RUNNERD and T_RUNNERCTL override the programs.
 */

#ifndef T_DAEMON_H
#define T_DAEMON_H

#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner-int.h"
#include "proto.h"

#include "../proc.h"

#define T_MAXPIDS	512		/* instance pids a test may see */
#define T_LOG_MAX	(1024 * 1024)	/* runnerd output kept */

struct client;
struct run;

struct daemon {
	char		 dir[64];	/* private temporary directory */
	char		 runnerd[PATH_MAX];	/* the programs, absolute */
	char		 runnerctl[PATH_MAX];
	char		 conf[PATH_MAX];	/* DIR/runner.conf */
	char		 sock[PATH_MAX];	/* DIR/runnerd.sock */
	char		**envp;		/* children's environment */
	pid_t		 pid;		/* runnerd; 0 when not running */
	int		 status;	/* its wait status, once reaped */
	unsigned long long nofile;	/* runnerd's ulimit -n; 0: ours */
	int		 errpipe;	/* its stderr pipe's size; 0: default */
	pid_t		 other;		/* a runnerd runnerctl started ... */
	int		 subreaper;	/* ... and reparented to us */

	int		 errfd;		/* runnerd's stderr, read end */
	int		 stopfd[2];	/* tells the drainer to finish */
	pthread_t	 drainer;
	int		 draining;
	pthread_mutex_t	 mu;		/* guards log, loglen, logeof */
	pthread_cond_t	 cv;		/* signalled on new output */
	char		*log;
	size_t		 loglen;
	int		 logeof;

	pid_t		 seen[T_MAXPIDS];	/* instance pids in replies */
	int		 nseen;
	struct client	*clients;	/* open raw clients */
	struct runner_channel *ch;	/* d_ask's connection */
	void		**keep;		/* freed at teardown */
	size_t		 nkeep;
	struct json	**jkeep;	/* json_free'd at teardown */
	size_t		 njkeep;
};

/* A program run to its end: exit status and what it printed. */
struct run {
	int		 status;	/* exit code, or 128 + signal */
	char		*out;		/* NUL-terminated (may hold NULs) */
	size_t		 outlen;
	char		*err;
	size_t		 errlen;
};

static struct daemon	*t_d;		/* the running test's fixture */

/* Keep p until teardown; returns p. */
static inline void *
d_keep(struct daemon *d, void *p)
{
	void	**k;

	assert_non_null(k = realloc(d->keep, (d->nkeep + 1) * sizeof(*k)));
	d->keep = k;
	k[d->nkeep++] = p;
	return (p);
}

static inline struct json *
d_keepj(struct daemon *d, struct json *j)
{
	struct json	**k;

	assert_non_null(k = realloc(d->jkeep, (d->njkeep + 1) * sizeof(*k)));
	d->jkeep = k;
	k[d->njkeep++] = j;
	return (j);
}

/* A printf'd string kept until teardown. */
static inline char * __attribute__((format(printf, 2, 3)))
d_fmt(struct daemon *d, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return (d_keep(d, s));
}

/* Remember an instance pid the test saw, to check it is gone at the end. */
static inline void
d_saw(struct daemon *d, long long pid)
{
	int	 i;

	if (pid <= 0 || pid == d->pid)
		return;
	for (i = 0; i < d->nseen; i++)
		if (d->seen[i] == pid)
			return;
	if (d->nseen < T_MAXPIDS)
		d->seen[d->nseen++] = (pid_t)pid;
}

/* Write a file under the temporary directory; returns its path. */
static inline char *
d_file(struct daemon *d, const char *name, const char *text)
{
	char	*path = d_fmt(d, "%s/%s", d->dir, name);
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return (path);
}

/* The drainer: runnerd's output into d->log until EOF or told to stop. */
static void *
d_drain(void *arg)
{
	struct daemon	*d = arg;
	struct pollfd	 pfd[2];
	char		 tmp[8192];
	ssize_t		 n;
	size_t		 k;

	for (;;) {
		pfd[0].fd = d->errfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = d->stopfd[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			break;
		if (pfd[0].revents != 0) {
			n = read(d->errfd, tmp, sizeof(tmp));
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			pthread_mutex_lock(&d->mu);
			if (n <= 0)
				d->logeof = 1;
			else {
				k = (size_t)n;
				if (d->loglen + k > T_LOG_MAX)
					k = T_LOG_MAX - d->loglen;
				memcpy(d->log + d->loglen, tmp, k);
				d->loglen += k;
			}
			pthread_cond_broadcast(&d->cv);
			pthread_mutex_unlock(&d->mu);
			if (n <= 0)
				break;
		} else if (pfd[1].revents != 0)
			break;
	}
	return (NULL);
}

/* The environment of children: ours, pointed at the private paths. */
static inline void
d_env(struct daemon *d)
{
	extern char	**environ;
	static const char *const ours[] = { "RUNNER_SOCKET=", "RUNNER_CONFIG=",
	    "XDG_RUNTIME_DIR=", "XDG_CONFIG_HOME=" };
	size_t		 n, i, j, k = 0;

	for (n = 0; environ[n] != NULL; n++)
		;
	assert_non_null(d->envp = calloc(n + 5, sizeof(*d->envp)));
	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++)
			if (strncmp(environ[i], ours[j], strlen(ours[j])) == 0)
				break;
		if (j == 4)
			d->envp[k++] = environ[i];
	}
	d->envp[k++] = d_fmt(d, "RUNNER_SOCKET=%s", d->sock);
	d->envp[k++] = d_fmt(d, "RUNNER_CONFIG=%s", d->conf);
	d->envp[k++] = d_fmt(d, "XDG_RUNTIME_DIR=%s", d->dir);
	d->envp[k++] = d_fmt(d, "XDG_CONFIG_HOME=%s", d->dir);
}

static inline void
d_program(char *out, const char *env, const char *rel)
{
	const char	*p = getenv(env);

	if (realpath(p != NULL && *p != '\0' ? p : rel, out) == NULL)
		fail_msg("%s: %s (run the tests from the repository root "
		    "after make)", p != NULL ? p : rel, strerror(errno));
}

/* The fixture without a daemon: directory, paths, environment. */
static inline int
t_setup_bare(void **state)
{
	struct daemon	*d;

	signal(SIGPIPE, SIG_IGN);	/* children get SIG_DFL back */
	assert_non_null(d = calloc(1, sizeof(*d)));
	t_d = d;
	*state = d;
	d->errfd = d->stopfd[0] = d->stopfd[1] = -1;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	strcpy(d->dir, "/tmp/runner-itest.XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	d_program(d->runnerd, "T_RUNNERD", "runnerd/runnerd");
	d_program(d->runnerctl, "T_RUNNERCTL", "ctl/runnerctl");
	snprintf(d->conf, sizeof(d->conf), "%s/runner.conf", d->dir);
	snprintf(d->sock, sizeof(d->sock), "%s/runnerd.sock", d->dir);
	d_env(d);
	return (0);
}

/*
 * The configuration most tests use.  cat echoes; bye prints a line and
 * exits; fail3 exits 3; noexec cannot be executed; once answers one line
 * and exits; silent never reads nor writes; stubborn ignores SIGTERM;
 * flaky fails on its first input and is restarted; echo is a socket app
 * (socat), deaf a socket app that never listens.
 */
static inline char *
d_default_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  cat = { command = \"cat\"; restart = \"no\"; };\n"
	    "  bye = { command = [\"printf\", \"bye\\\\n\"]; restart = \"no\"; };\n"
	    "  fail3 = { command = [\"sh\", \"-c\", \"read x; exit 3\"]; "
	    "restart = \"no\"; };\n"
	    "  noexec = { command = \"%s/no-such-program\"; restart = \"no\"; };\n"
	    "  once = { command = [\"sh\", \"-c\", \"read x; echo \\\"got $x\\\"\"]; "
	    "restart = \"no\"; };\n"
	    "  silent = { command = \"sleep 300\"; restart = \"no\"; };\n"
	    "  stubborn = { command = [\"sh\", \"-c\", "
	    "\"trap '' TERM; echo ready; while :; do sleep 1; done\"]; restart = \"no\"; "
	    "stop_timeout = 0.5; };\n"
	    "  flaky = { command = [\"sh\", \"-c\", \"read x; exit 1\"]; "
	    "restart = \"on-failure\"; };\n"
	    "  echo = { command = [\"socat\", \"UNIX-LISTEN:echo.sock,fork\", "
	    "\"EXEC:cat\"]; type = \"socket\"; socket = \"echo.sock\"; "
	    "cwd = \"%s\"; ready_timeout = 5.0; restart = \"no\"; };\n"
	    "  deaf = { command = \"sleep 300\"; type = \"socket\"; "
	    "socket = \"deaf.sock\"; cwd = \"%s\"; ready_timeout = 0.5; "
	    "restart = \"no\"; };\n"
	    "};\n", d->dir, d->dir, d->dir));
}

/*
 * Wait (bounded) until runnerd's output holds want, counting only what
 * came after offset from (so the same line can be awaited again).
 */
static inline void
d_wait_log_from(struct daemon *d, size_t from, const char *want)
{
	struct timespec	 ts;
	int		 found, status;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += T_WAIT_MS / 1000;
	pthread_mutex_lock(&d->mu);
	for (;;) {
		d->log[d->loglen] = '\0';
		found = from <= d->loglen && strstr(d->log + from, want) != NULL;
		if (found || d->logeof)
			break;
		if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) == ETIMEDOUT)
			break;
	}
	d->log[d->loglen] = '\0';
	pthread_mutex_unlock(&d->mu);
	if (!found) {
		if (spawn_reap(d->pid, &status))
			d->pid = 0;
		fail_msg("runnerd did not say \"%s\" within %d ms "
		    "(%s); its output:\n%s", want, T_WAIT_MS,
		    d->pid == 0 ? "it exited" : "still running", d->log);
	}
}

/* How much runnerd has said so far: a mark for d_wait_log_from. */
static inline size_t
d_log_mark(struct daemon *d)
{
	size_t	 n;

	pthread_mutex_lock(&d->mu);
	n = d->loglen;
	pthread_mutex_unlock(&d->mu);
	return (n);
}

static inline void
d_wait_log(struct daemon *d, const char *want)
{
	d_wait_log_from(d, 0, want);
}

/*
 * Start runnerd on conf (written to DIR/runner.conf), with wrap (a
 * command and its arguments, NULL-terminated, that then execs runnerd:
 * prlimit, say) in front unless NULL, and its stdout and stderr a pipe
 * of d->errpipe bytes (0: the default size) whose read end is d->errfd.
 * Nothing reads it yet: d_drain_begin does.
 */
static inline void
d_spawn(struct daemon *d, const char *conf, char *const *wrap)
{
	char		*argv[16], **a = argv;
	int		 p[2], null;
	pid_t		 pid;

	d_file(d, "runner.conf", conf);
	/*
	 * With a descriptor limit: `ulimit -n` in a shell that then execs
	 * runnerd (under valgrind, a setrlimit of the forked test would be
	 * valgrind's business and never reach runnerd).
	 */
	if (d->nofile != 0) {
		*a++ = (char *)"/bin/sh";
		*a++ = (char *)"-c";
		*a++ = d_fmt(d, "ulimit -n %llu && exec \"$0\" \"$@\"",
		    (unsigned long long)d->nofile);
	}
	while (wrap != NULL && *wrap != NULL && a < argv + 10)
		*a++ = *wrap++;
	*a++ = d->runnerd;
	*a++ = (char *)"-c";
	*a++ = d->conf;
	*a++ = (char *)"-s";
	*a++ = d->sock;
	*a = NULL;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if (d->errpipe != 0)
		(void)fcntl(p[1], F_SETPIPE_SZ, d->errpipe);
	assert_true((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0);
	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execve(argv[0], argv, d->envp);
		_exit(127);
	}
	assert_true(pid > 0);
	close(p[1]);
	close(null);
	d->pid = pid;
	d->errfd = p[0];
}

/* Read runnerd's stderr from now on, into d->log (a thread, d_drain). */
static inline void
d_drain_begin(struct daemon *d)
{
	assert_int_equal(pipe2(d->stopfd, O_CLOEXEC), 0);
	assert_non_null(d->log = malloc(T_LOG_MAX + 1));
	d->loglen = 0;
	d->logeof = 0;
	assert_int_equal(pthread_create(&d->drainer, NULL, d_drain, d), 0);
	d->draining = 1;
}

/*
 * Start runnerd on conf and wait for "runnerd: listening on SOCK" on its
 * stderr, which is read all along.
 */
static inline void
d_start(struct daemon *d, const char *conf)
{
	d_spawn(d, conf, NULL);
	d_drain_begin(d);
	d_wait_log(d, d_fmt(d, "runnerd: listening on %s\n", d->sock));
}

/* pid stays alive a while (100 ms): it was not killed. */
static inline void
d_lives(pid_t pid)
{
	int	 k;

	for (k = 0; k < 20; k++) {
		if (!t_alive(pid))
			fail_msg("pid %ld was killed", (long)pid);
		usleep(5000);
	}
}

/* The fixture with runnerd serving the default configuration. */
static inline int
t_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, d_default_conf(d));
	return (0);
}

/* What pid's descriptors point at, one per line (kept), for messages. */
static inline char *
t_fd_list(struct daemon *d, pid_t pid)
{
	char		 path[PATH_MAX], target[PATH_MAX];
	struct buf	 b;
	DIR		*dp;
	struct dirent	*e;
	ssize_t		 n;

	buf_init(&b);
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((dp = opendir(path)) != NULL) {
		while ((e = readdir(dp)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/fd/%s",
			    (long)pid, e->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			target[n < 0 ? 0 : n] = '\0';
			buf_printf(&b, "  %s -> %s\n", e->d_name, target);
		}
		closedir(dp);
	}
	return (d_keep(d, buf_take(&b)));
}

/* Wait (bounded) until runnerd has no zombie child. */
static inline void
d_no_zombies(struct daemon *d)
{
	pid_t	 z[8];
	int	 i, n = 0;

	for (i = 0; i < T_WAIT_MS / 5; i++) {
		if ((n = t_procs(d->pid, 'Z', 0, z, 8)) == 0)
			return;
		usleep(5000);
	}
	fail_msg("runnerd (pid %ld) leaves %d zombie child(ren), e.g. %ld",
	    (long)d->pid, n, (long)z[0]);
}

/*
 * Check that no instance the test saw is left: no pid of them exists any
 * more (not even as a zombie), and no process lives in their sessions.
 * Appends what is wrong to msg; returns the number of problems.
 */
static inline int
d_check_gone(struct daemon *d, struct buf *msg)
{
	pid_t	 left[8];
	int	 i, k, n, bad = 0;

	for (i = 0; i < d->nseen; i++) {
		for (k = 0; k < 200 && kill(d->seen[i], 0) == 0; k++)
			usleep(5000);	/* a zombie being reaped by init */
		if (kill(d->seen[i], 0) == 0) {
			buf_printf(msg, "instance pid %ld still exists "
			    "(state %c)\n", (long)d->seen[i],
			    t_state(d->seen[i], NULL, NULL));
			bad++;
		}
		if ((n = t_session_empty(d->seen[i], left)) > 0) {
			buf_printf(msg, "%d process(es) left in the session "
			    "of instance %ld, e.g. pid %ld\n", n,
			    (long)d->seen[i], (long)left[0]);
			bad++;
		}
	}
	return (bad);
}

/* Wait (bounded) for runnerd to exit by itself; its wait status. */
static inline int
d_wait_exit(struct daemon *d)
{
	if (!t_wait_child(d->pid, &d->status, T_WAIT_MS))
		fail_msg("runnerd (pid %ld) did not exit within %d ms",
		    (long)d->pid, T_WAIT_MS);
	d->pid = 0;
	return (d->status);
}

/* Assert that runnerd exited 0, removed its socket and left nothing. */
static inline void
d_assert_clean_exit(struct daemon *d)
{
	struct buf	 msg;
	struct stat	 st;

	buf_init(&msg);
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0)
		buf_printf(&msg, "runnerd's wait status is 0x%x, not exit 0\n",
		    d->status);
	if (lstat(d->sock, &st) == 0)
		buf_printf(&msg, "runnerd left its socket %s\n", d->sock);
	d_check_gone(d, &msg);
	if (buf_used(&msg) > 0)
		fail_msg("%s", d_keep(d, buf_take(&msg)));
	buf_free(&msg);
}

static void	cl_close_all(struct daemon *);

/* Stop runnerd with sig and check it went cleanly (test failure if not). */
static inline void
d_stop(struct daemon *d, int sig)
{
	cl_close_all(d);
	assert_true(d->pid > 0);
	assert_int_equal(kill(d->pid, sig), 0);
	d_wait_exit(d);
	d_assert_clean_exit(d);
}

/* Stop the drainer and close its pipe; the log stays. */
static inline void
d_drain_stop(struct daemon *d)
{
	if (d->draining) {
		(void)!write(d->stopfd[1], "", 1);
		pthread_join(d->drainer, NULL);
		d->draining = 0;
	}
	if (d->errfd != -1)
		close(d->errfd);
	if (d->stopfd[0] != -1)
		close(d->stopfd[0]);
	if (d->stopfd[1] != -1)
		close(d->stopfd[1]);
	d->errfd = d->stopfd[0] = d->stopfd[1] = -1;
}

/*
 * Teardown: close the clients, stop runnerd (SIGTERM, bounded; SIGKILL
 * if it hangs) and check it went cleanly, then free everything and
 * remove the directory.  Problems fail the test after the cleanup.
 */
static inline int
t_teardown(void **state)
{
	struct daemon	*d = *state;
	struct buf	 msg;
	struct stat	 st;
	pid_t		 z[4];
	size_t		 i;
	int		 status;

	buf_init(&msg);
	cl_close_all(d);
	if (d->pid > 0) {
		/*
		 * A child that just ended is reaped when runnerd next runs,
		 * which on a loaded machine may take a while: bounded.
		 */
		for (i = 0; i < T_WAIT_MS / 5 &&
		    t_procs(d->pid, 'Z', 0, z, 4) > 0; i++)
			usleep(5000);
		if (t_procs(d->pid, 'Z', 0, z, 4) > 0)
			buf_printf(&msg, "runnerd has a zombie child %ld\n",
			    (long)z[0]);
		kill(d->pid, SIGTERM);
		if (!t_wait_child(d->pid, &status, T_WAIT_MS)) {
			buf_printf(&msg, "runnerd did not exit within %d ms "
			    "of SIGTERM; killed\n", T_WAIT_MS);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
		}
		d->pid = 0;
		d->status = status;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			buf_printf(&msg, "runnerd's wait status after SIGTERM "
			    "is 0x%x, not exit 0\n", status);
		if (lstat(d->sock, &st) == 0)
			buf_printf(&msg, "runnerd left its socket\n");
		d_check_gone(d, &msg);
	}
	if (d->other > 0 && t_alive(d->other)) {
		kill(d->other, SIGTERM);
		if (!t_wait_gone(d->other)) {
			buf_printf(&msg, "the runnerd runnerctl started did "
			    "not exit within %d ms of SIGTERM; killed\n",
			    T_WAIT_MS);
			kill(d->other, SIGKILL);
		}
		d_check_gone(d, &msg);
	}
	if (d->subreaper) {
		if (d->other > 0)
			waitpid(d->other, &status, WNOHANG);
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	}
	d_drain_stop(d);
	if (buf_used(&msg) > 0 || getenv("T_LOG") != NULL)
		print_error("%s-- runnerd's output:\n%.*s--\n",
		    buf_cstr(&msg), (int)d->loglen, d->log ? d->log : "");
	nftw(d->dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
	for (i = 0; i < d->njkeep; i++)
		json_free(d->jkeep[i]);
	for (i = 0; i < d->nkeep; i++)
		free(d->keep[i]);
	free(d->jkeep);
	free(d->keep);
	free(d->envp);
	free(d->log);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	t_d = NULL;
	free(d);
	if (buf_used(&msg) > 0) {
		buf_free(&msg);
		fail_msg("teardown found problems (see above)");
	}
	buf_free(&msg);
	return (0);
}

#include "client.h"
#include "ctl.h"

#endif /* T_DAEMON_H */
