/*
 * bench_channel.c: bytes per second through `cat`, four ways, in one
 * run: a raw pipe to a cat we fork ourselves (the floor: no library at
 * all), an in-process runner channel (runner_new), a channel relayed by
 * runnerd (runner_connect + runner_get_channel: attach), and a direct
 * channel (runner_get_channel_direct).  Each moves BENCH_MB (256) MiB
 * there and back from one poll loop, three times, interleaved; the
 * median counts, with its ratio to the raw pipe.  With -s it prints
 * each run instead, "MODE MB_PER_SECOND" (MODE as in BENCH_ONLY), for
 * tests/bench/bench.sh to gather.  Not a test: `make bench` runs it,
 * from the repository root (it starts runnerd/runnerd on a private
 * socket and stops it by its pid).  To look closer:
 * BENCH_ONLY="raw relay" runs only those, BENCH_SOCKET=PATH uses a
 * runnerd already there (one with a "cat" app), e.g. under strace -c.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

#define CHUNK		(128 * 1024)	/* bytes per read or write, as cat */
#define PERIOD		65521		/* the pattern's period (a prime) */
#define RUNS		3

enum mode { RAW, LOCAL, RELAY, DIRECT, NMODES };
static const char *const mode_names[NMODES] = {
	"raw pipe", "in-process", "runnerd relay", "direct"
};
static const char *const mode_keys[NMODES] = {	/* for BENCH_ONLY */
	"raw", "local", "relay", "direct"
};

/* Both ends of a transfer: two fds (raw pipe) or a channel. */
struct io {
	int			 rfd, wfd;
	struct runner_channel	*ch;
	pid_t			 pid;		/* raw: our cat */
};

static char	 dir[64], sock[PATH_MAX], logpath[PATH_MAX];
static pid_t	 runnerd;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_channel: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (runnerd > 0) {
		kill(runnerd, SIGTERM);
		fprintf(stderr, "bench_channel: runnerd's log: %s\n", logpath);
	}
	exit(1);
}

/* runnerd on DIR/runnerd.sock with a cat app; wait until it answers. */
static void
runnerd_start(void)
{
	char	 conf[PATH_MAX], prog[PATH_MAX];
	FILE	*fp;
	int	 fd, i;

	strcpy(dir, "/tmp/runner-bench.XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	snprintf(conf, sizeof(conf), "%s/runner.conf", dir);
	snprintf(sock, sizeof(sock), "%s/runnerd.sock", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		die("%s: %s", conf, strerror(errno));
	fputs("apps = { cat = { command = \"cat\"; restart = \"no\"; }; };\n",
	    fp);
	fclose(fp);
	if (realpath("runnerd/runnerd", prog) == NULL)
		die("runnerd/runnerd: %s (run from the repository root)",
		    strerror(errno));
	snprintf(logpath, sizeof(logpath), "%s/runnerd.log", dir);
	if ((runnerd = fork()) == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1)
			dup2(fd, 0);
		if ((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC,
		    0600)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(prog, "runnerd", "-c", conf, "-s", sock, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 5000; i++) {		/* 10 s */
		if ((fd = sock_connect(sock)) != -1) {
			close(fd);
			return;
		}
		if (waitpid(runnerd, NULL, WNOHANG) == runnerd) {
			runnerd = 0;
			die("runnerd exited");
		}
		poll(NULL, 0, 2);
	}
	die("runnerd does not listen on %s", sock);
}

static void
runnerd_stop(void)
{
	char	 path[PATH_MAX];

	kill(runnerd, SIGTERM);
	waitpid(runnerd, NULL, 0);
	snprintf(path, sizeof(path), "%s/runner.conf", dir);
	unlink(path);
	unlink(logpath);
	rmdir(dir);
}

/* The floor: cat with a pipe for stdin and one for stdout. */
static void
raw_open(struct io *io)
{
	int	 in[2], out[2];

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
		die("pipe: %s", strerror(errno));
	if ((io->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execlp("cat", "cat", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	io->wfd = in[1];
	io->rfd = out[0];
	fd_nonblock(io->wfd);
	fd_nonblock(io->rfd);
	io->ch = NULL;
}

static ssize_t
io_write(struct io *io, const void *p, size_t n)
{
	ssize_t	 r;

	if (io->ch != NULL)
		return (runner_channel_write(io->ch, p, n));
	r = write(io->wfd, p, n);
	return (r == -1 && errno == EAGAIN ? RUNNER_EAGAIN : r);
}

static ssize_t
io_read(struct io *io, void *p, size_t n)
{
	ssize_t	 r;

	if (io->ch != NULL)
		return (runner_channel_read(io->ch, p, n));
	r = read(io->rfd, p, n);
	return (r == -1 && errno == EAGAIN ? RUNNER_EAGAIN : r);
}

/*
 * Move total bytes through and back, checking them: the seconds taken.
 * One poll loop: write what fits, read what came.
 */
static double
pump(struct io *io, const char *pattern, size_t total)
{
	static char	 in[CHUNK];
	struct pollfd	 pfd[2];
	size_t		 sent = 0, got = 0, n;
	ssize_t		 r;
	double		 t0 = clock_now();

	while (got < total) {
		pfd[0].fd = io->rfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = sent < total ? io->wfd : -1;
		pfd[1].events = POLLOUT;
		if (poll(pfd, 2, 10000) <= 0)
			die("stalled at %zu of %zu bytes", got, total);
		if (pfd[1].revents != 0 || (pfd[0].fd == pfd[1].fd &&
		    pfd[0].revents & POLLOUT)) {
			n = total - sent < CHUNK ? total - sent : CHUNK;
			r = io_write(io, pattern + sent % PERIOD, n);
			if (r > 0)
				sent += (size_t)r;
			else if (r != RUNNER_EAGAIN)
				die("write: %s", runner_strerror((int)r));
		}
		if (pfd[0].revents != 0) {
			r = io_read(io, in, sizeof(in));
			if (r > 0) {
				if (memcmp(in, pattern + got % PERIOD,
				    (size_t)r) != 0)
					die("wrong bytes at %zu", got);
				got += (size_t)r;
			} else if (r != RUNNER_EAGAIN)
				die("read: %s", runner_strerror((int)r));
		}
	}
	return (clock_now() - t0);
}

/* One transfer in mode m: bytes per second. */
static double
bench_one(enum mode m, int run, const char *pattern, size_t total)
{
	struct runner	*r = NULL;
	struct io	 io;
	char		 alias[32];
	double		 secs;
	int		 status;

	memset(&io, 0, sizeof(io));
	snprintf(alias, sizeof(alias), "cat%d-%d", m, run);
	if (m == RAW)
		raw_open(&io);
	else {
		r = m == LOCAL ? runner_new() : runner_connect(sock);
		if (r == NULL)
			die("no runner: %s", strerror(errno));
		if (m == LOCAL && runner_update_config(r, "apps = { cat = "
		    "{ command = \"cat\"; }; };") != 0)
			die("config: %s", runner_errmsg(r));
		if (runner_start(r, "cat",
		    &(struct runner_start){ .alias = alias }) != 0)
			die("start: %s", runner_errmsg(r));
		io.ch = m == DIRECT ? runner_get_channel_direct(r, alias) :
		    runner_get_channel(r, alias);
		if (io.ch == NULL)
			die("channel: %s", runner_errmsg(r));
		io.rfd = io.wfd = runner_channel_fd(io.ch);
	}
	secs = pump(&io, pattern, total);
	if (m == RAW) {
		close(io.wfd);
		close(io.rfd);
		waitpid(io.pid, &status, 0);
	} else {
		runner_channel_close(io.ch);
		if (m != LOCAL && runner_terminate(r, alias) != 0)
			die("terminate: %s", runner_errmsg(r));
		runner_free(r);
	}
	return ((double)total / secs);
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	double		 rate[NMODES][RUNS], med[NMODES] = { 0 };
	const char	*mb = getenv("BENCH_MB"), *only, *s;
	char		*pattern;
	size_t		 total, i;
	int		 m, k, samples;

	samples = argc == 2 && strcmp(argv[1], "-s") == 0;
	if (argc > 1 && !samples) {
		fprintf(stderr, "usage: bench_channel [-s]\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	total = (size_t)(mb != NULL ? atoi(mb) : 256) << 20;
	if (total == 0)
		die("BENCH_MB must be a positive number of MiB");
	if ((pattern = malloc(PERIOD + CHUNK)) == NULL)
		die("out of memory");
	for (i = 0; i < PERIOD + CHUNK; i++)
		pattern[i] = (char)((i % PERIOD) * 31 + (i % PERIOD) / 251);
	if ((only = getenv("BENCH_ONLY")) != NULL && *only == '\0')
		only = NULL;
	if ((s = getenv("BENCH_SOCKET")) != NULL && *s != '\0')
		snprintf(sock, sizeof(sock), "%s", s);
	else
		runnerd_start();
	for (k = 0; k < RUNS; k++)
		for (m = 0; m < NMODES; m++)
			rate[m][k] = only != NULL && strstr(only,
			    mode_keys[m]) == NULL ? 0 : bench_one(m, k,
			    pattern, total);
	if (runnerd > 0)
		runnerd_stop();
	if (samples) {
		for (m = 0; m < NMODES; m++)
			for (k = 0; k < RUNS && rate[m][0] != 0; k++)
				printf("%s %.1f\n", mode_keys[m],
				    rate[m][k] / 1e6);
		free(pattern);
		return (0);
	}
	printf("bench_channel: %zu MiB through cat and back, median of %d\n",
	    total >> 20, RUNS);
	for (m = 0; m < NMODES; m++) {
		if (rate[m][0] == 0)
			continue;
		qsort(rate[m], RUNS, sizeof(double), cmp_double);
		med[m] = rate[m][RUNS / 2];
		printf("  %-14s %8.1f MB/s  %5.2fx raw pipe   (runs:",
		    mode_names[m], med[m] / 1e6, med[RAW] > 0 ?
		    med[m] / med[RAW] : 0);
		for (k = 0; k < RUNS; k++)
			printf(" %.1f", rate[m][k] / 1e6);
		printf(")\n");
	}
	free(pattern);
	return (0);
}
