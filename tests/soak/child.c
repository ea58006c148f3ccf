/*
 * child.c: the misbehaving app of the soak (tests/soak/soak.py).  One
 * small program, so that a crash loop costs an exec and not a shell or an
 * interpreter; its arguments are a script of operations run in order:
 *
 *   child TAG OP...
 *
 * TAG is the soak run's mark: it stays in /proc/PID/cmdline of the child
 * and of every helper it forks (they never exec), so the soak finds
 * whatever runnerd left behind even when the environment is replaced
 * (user = apps).  The operations:
 *
 *   life:S        exit after S seconds whatever happens (alarm(2)); the
 *                 helpers get the same bound, so that nothing outlives a
 *                 run that was itself killed
 *   seed:N        seed the random numbers (rsleep)
 *   sleep:MS      sleep MS milliseconds; rsleep:MS up to MS
 *   ignterm       ignore SIGTERM (and SIGINT, SIGHUP)
 *   close:FD      close descriptor FD (0, 1, 2: the channel, the log)
 *   flood:FD:N    write N bytes of lines to FD as fast as it takes them
 *   trickle:FD:N:MS  N lines to FD, MS milliseconds apart
 *   echo          copy stdin to stdout line by line until EOF
 *   fork:K:MS     K helpers in the process group, each sleeping MS ms
 *   dfork:MS      a double-forked helper (reparented to the subreaper)
 *   dforks:MS     the same, in a session of its own (setsid)
 *   reg:DIR       register each helper as DIR/PID holding "OWNER START":
 *                 the pid and start time of the instance that made it,
 *                 so that the soak can tell a helper of a live instance
 *   notify:FD     write a newline to FD (ready = "notify")
 *   listen:PATH   serve an echo on a UNIX socket at PATH until killed
 *   exit:N        exit with status N; abort; kill:SIG raise SIG
 *   forever       pause until killed (or life: ends it)
 *
 * With no exit among the operations the child exits 0 at the end.
 * Counts are bounded by the soak (never more than a few helpers each).
 */

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_MAX	16	/* connections one listen: serves at once */

static unsigned int	 life;		/* seconds, 0: none */
static const char	*regdir;	/* reg:, or NULL */
static pid_t		 owner;		/* the instance: the first process */
static unsigned int	 rnd = 1;

static unsigned int
next(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return (rnd >> 8);
}

static void
msleep(long ms)
{
	struct timespec	 ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Write all of buf; 0 when the reader is gone or fd is closed. */
static int
put(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (0);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (1);
}

/* Field 22 of /proc/PID/stat: the start time, which tells a reused pid. */
static unsigned long long
starttime(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 t = 0;
	FILE			*fp;
	int			 i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL) {
		for (i = 0; i < 20 && p != NULL; i++)
			p = strchr(p + 1, ' ');
		if (p != NULL)
			t = strtoull(p + 1, NULL, 10);
	}
	fclose(fp);
	return (t);
}

/* A helper: register, sleep ms, then end; bounded by life as its parent. */
static void
helper(long ms)
{
	char	 path[4096], tmp[sizeof(path) + 8];
	FILE	*fp;

	if (life > 0)
		alarm(life);
	if (regdir != NULL) {
		snprintf(path, sizeof(path), "%s/%ld", regdir, (long)getpid());
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		if ((fp = fopen(tmp, "w")) != NULL) {
			fprintf(fp, "%ld %llu\n", (long)owner, starttime(owner));
			if (fclose(fp) == 0)
				(void)rename(tmp, path);
		}
	}
	msleep(ms);
	_exit(0);
}

static void
dfork(long ms, int newsession)
{
	pid_t	 pid;

	if ((pid = fork()) == -1)
		return;
	if (pid == 0) {
		if (newsession)
			(void)setsid();
		if (fork() == 0)
			helper(ms);
		_exit(0);
	}
	(void)waitpid(pid, NULL, 0);
}

static void
flood(int fd, long bytes)
{
	char	 line[128];
	long	 done = 0, k = 0;
	int	 n;

	while (done < bytes) {
		n = snprintf(line, sizeof(line), "flood %ld "
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", k++);
		if (!put(fd, line, (size_t)n))
			return;
		done += n;
	}
}

static void
echo(void)
{
	char	 buf[4096];
	ssize_t	 n;

	for (;;) {
		if ((n = read(0, buf, sizeof(buf))) == -1 && errno == EINTR)
			continue;
		if (n <= 0 || !put(1, buf, (size_t)n))
			return;
	}
}

/* An echo server on a UNIX socket, until killed. */
static void
serve(const char *path)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd[1 + LISTEN_MAX];
	char			 buf[4096];
	ssize_t			 n;
	int			 s, i, c, nfd = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		_exit(2);
	strcpy(sun.sun_path, path);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 16) == -1)
		_exit(2);
	pfd[0].fd = s;
	pfd[0].events = POLLIN;
	for (;;) {
		if (poll(pfd, (nfds_t)nfd, -1) == -1)
			continue;
		if ((pfd[0].revents & POLLIN) &&
		    (c = accept(s, NULL, NULL)) != -1) {
			if (nfd == 1 + LISTEN_MAX)
				close(c);
			else {
				pfd[nfd].fd = c;
				pfd[nfd++].events = POLLIN;
			}
		}
		for (i = 1; i < nfd; i++) {
			if (pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n > 0 && put(pfd[i].fd, buf, (size_t)n))
				continue;
			close(pfd[i].fd);
			pfd[i--] = pfd[--nfd];
		}
	}
}

int
main(int argc, char *argv[])
{
	const char	*op, *a;
	long		 x, y, z;
	int		 i, k;

	signal(SIGPIPE, SIG_DFL);
	owner = getpid();
	for (i = 2; i < argc; i++) {
		op = argv[i];
		a = strchr(op, ':');
		a = a != NULL ? a + 1 : "";
		x = y = z = 0;
		(void)sscanf(a, "%ld:%ld:%ld", &x, &y, &z);
		if (strncmp(op, "life:", 5) == 0) {
			life = (unsigned int)x;
			alarm(life);
		} else if (strncmp(op, "reg:", 4) == 0)
			regdir = a;
		else if (strncmp(op, "seed:", 5) == 0)
			rnd = (unsigned int)x;
		else if (strncmp(op, "sleep:", 6) == 0)
			msleep(x);
		else if (strncmp(op, "rsleep:", 7) == 0)
			msleep(x > 0 ? (long)(next() % (unsigned int)x) : 0);
		else if (strcmp(op, "ignterm") == 0) {
			signal(SIGTERM, SIG_IGN);
			signal(SIGINT, SIG_IGN);
			signal(SIGHUP, SIG_IGN);
		} else if (strncmp(op, "close:", 6) == 0)
			close((int)x);
		else if (strncmp(op, "flood:", 6) == 0)
			flood((int)x, y);
		else if (strncmp(op, "trickle:", 8) == 0) {
			for (k = 0; k < y; k++) {
				char	 line[64];
				int	 n = snprintf(line, sizeof(line),
				    "trickle %d\n", k);

				if (!put((int)x, line, (size_t)n))
					break;
				msleep(z);
			}
		} else if (strcmp(op, "echo") == 0)
			echo();
		else if (strncmp(op, "fork:", 5) == 0) {
			for (k = 0; k < x && k < 8; k++)
				if (fork() == 0)
					helper(y);
		} else if (strncmp(op, "dfork:", 6) == 0)
			dfork(x, 0);
		else if (strncmp(op, "dforks:", 7) == 0)
			dfork(x, 1);
		else if (strncmp(op, "notify:", 7) == 0)
			(void)put((int)x, "\n", 1);
		else if (strncmp(op, "listen:", 7) == 0)
			serve(a);
		else if (strncmp(op, "exit:", 5) == 0)
			exit((int)x);
		else if (strcmp(op, "abort") == 0) {
			signal(SIGABRT, SIG_DFL);
			abort();
		} else if (strncmp(op, "kill:", 5) == 0)
			raise((int)x);
		else if (strcmp(op, "forever") == 0)
			for (;;)
				pause();
		else {
			fprintf(stderr, "child: unknown operation %s\n", op);
			exit(2);
		}
	}
	return (0);
}
