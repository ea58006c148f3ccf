/*
 * bench_load.c: runnerd under load (issue 7's load figures): how many
 * requests it answers per second, and how long a status request waits
 * while other clients stream output.  Speaks the protocol directly.
 *
 *	bench_load rate SOCKET CMD CLIENTS MS
 *		CLIENTS connections, each sending CMD ("hello" or
 *		"status": status of the alias "one") back to back: the
 *		next request as soon as the reply line is in, one
 *		outstanding per client, all from one epoll loop.  After a
 *		warm-up of MS/10 the replies over MS milliseconds are
 *		counted: prints "rate REQUESTS_PER_SECOND".
 *	bench_load lat SOCKET N PREFIX SAMPLES
 *		N connections attach to PREFIX-1 .. PREFIX-N and read all
 *		they get (the output of `yes`, say), while a second
 *		thread sends SAMPLES status requests of "one", 1 ms
 *		apart, each on its own: prints "lat MS" for each, then
 *		"stream MB_PER_SECOND" the attachers received.
 *	bench_load during SOCKET ALIAS CMD [ARG ...]
 *		One connection asks the status of ALIAS back to back (the
 *		next request as soon as the reply line is in) for as long
 *		as CMD runs (`runnerctl start many`, say, started once the
 *		connection is up and warm): prints "lat MS" for each
 *		request, then "ok N", how many replies said ok (a reply
 *		of ENOALIAS, the alias not started yet, is an answer all
 *		the same: what is measured is how long the loop let the
 *		client wait).  Exit 1 when CMD fails.
 *
 * Not a test: `make bench` runs it (tests/bench/bench.sh) against a
 * runnerd of its own, and "rate" also against floor_sock's echo server,
 * the floor.
 */

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXCLIENTS	1000

extern char	**environ;

static const char	*sock;
static atomic_int	 probing_done;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "bench_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
dial(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die(sock);
	return (fd);
}

static void
send_all(int fd, const char *s, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		s += n;
		len -= (size_t)n;
	}
}

/* Read up to and including the reply's newline; 1 when it says ok. */
static int
read_line(int fd)
{
	char	 c, buf[256];
	size_t	 len = 0;

	for (;;) {
		if (read(fd, &c, 1) != 1)
			die("read");
		if (len < sizeof(buf) - 1)
			buf[len++] = c;
		if (c == '\n')
			break;
	}
	buf[len] = '\0';
	return (strstr(buf, "\"ok\":false") == NULL &&
	    strstr(buf, "\"ok\": false") == NULL);
}

static int
rate(const char *cmd, int clients, double ms)
{
	static char		 buf[65536];
	struct epoll_event	 ev, evs[128];
	char			 req[256];
	double			 t0, t_count = 0, end;
	long			 replies = 0;
	ssize_t			 n, i;
	size_t			 len;
	int			 ep, fd, k, j, counting = 0;

	if (strcmp(cmd, "status") == 0)
		len = (size_t)snprintf(req, sizeof(req), "{\"tag\": 1, "
		    "\"cmd\": \"status\", \"ext\": {\"alias\": \"one\"}}\n");
	else
		len = (size_t)snprintf(req, sizeof(req), "{\"tag\": 1, "
		    "\"cmd\": \"%s\"}\n", cmd);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	for (k = 0; k < clients; k++) {
		fd = dial();
		send_all(fd, req, len);		/* its first reply */
		if (!read_line(fd)) {
			fprintf(stderr, "bench_load: %s refused\n", cmd);
			return (1);
		}
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		send_all(fd, req, len);
	}
	t0 = now_ms();
	end = t0 + ms / 10 + ms;
	for (;;) {
		if (!counting && now_ms() >= t0 + ms / 10) {
			counting = 1;
			replies = 0;
			t_count = now_ms();
		}
		if (now_ms() >= end)
			break;
		if ((k = epoll_wait(ep, evs, 128, 100)) == -1)
			die("epoll_wait");
		for (j = 0; j < k; j++) {
			fd = evs[j].data.fd;
			if ((n = read(fd, buf, sizeof(buf))) <= 0)
				die("read");
			/* One outstanding: a newline ends its reply. */
			for (i = 0; i < n; i++)
				if (buf[i] == '\n') {
					replies++;
					send_all(fd, req, len);
				}
		}
	}
	printf("rate %.0f\n", replies / ((now_ms() - t_count) / 1e3));
	return (0);
}

struct probe {
	int	 samples;
	double	*lat;
};

static void *
prober(void *arg)
{
	static const char	 req[] = "{\"tag\": 1, \"cmd\": \"status\", "
	    "\"ext\": {\"alias\": \"one\"}}\n";
	struct timespec		 gap = { 0, 1000000 };
	struct probe		*p = arg;
	double			 t0;
	int			 fd = dial(), k;

	for (k = -10; k < p->samples; k++) {	/* 10 to warm up */
		t0 = now_ms();
		send_all(fd, req, sizeof(req) - 1);
		if (!read_line(fd)) {
			fprintf(stderr, "bench_load: status refused\n");
			exit(1);
		}
		if (k >= 0)
			p->lat[k] = now_ms() - t0;
		nanosleep(&gap, NULL);
	}
	close(fd);
	atomic_store(&probing_done, 1);
	return (NULL);
}

static int
lat(int attachers, const char *prefix, int samples)
{
	static char		 buf[262144];
	struct epoll_event	 ev, evs[128];
	struct probe		 p;
	pthread_t		 th;
	char			 req[256];
	double			 t0, bytes = 0;
	ssize_t			 n;
	int			 ep, fd, k, j, len;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	for (k = 1; k <= attachers; k++) {
		fd = dial();
		len = snprintf(req, sizeof(req), "{\"tag\": 1, \"cmd\": "
		    "\"attach\", \"ext\": {\"alias\": \"%s-%d\"}}\n", prefix,
		    k);
		send_all(fd, req, (size_t)len);
		if (!read_line(fd)) {
			fprintf(stderr, "bench_load: attach %s-%d refused\n",
			    prefix, k);
			return (1);
		}
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
	p.samples = samples;
	if ((p.lat = calloc((size_t)samples, sizeof(double))) == NULL)
		die("calloc");
	t0 = now_ms();
	if (pthread_create(&th, NULL, prober, &p) != 0)
		die("pthread_create");
	while (!atomic_load(&probing_done)) {
		if ((k = epoll_wait(ep, evs, 128, 50)) == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (j = 0; j < k; j++) {
			if ((n = read(evs[j].data.fd, buf, sizeof(buf))) <= 0)
				die("an attached instance ended");
			bytes += (double)n;
		}
	}
	pthread_join(th, NULL);
	for (k = 0; k < samples; k++)
		printf("lat %.4f\n", p.lat[k]);
	printf("stream %.1f\n", bytes / 1e6 / ((now_ms() - t0) / 1e3));
	free(p.lat);
	return (0);
}

static int
during(const char *alias, char **cmd)
{
	posix_spawn_file_actions_t	 quiet;
	char				 req[256];
	double				*lat = NULL, t0;
	size_t				 n = 0, cap = 0, k, ok = 0;
	pid_t				 pid;
	int				 fd = dial(), len, status, e, r;

	len = snprintf(req, sizeof(req), "{\"tag\": 1, \"cmd\": \"status\", "
	    "\"ext\": {\"alias\": \"%s\"}}\n", alias);
	for (k = 0; k < 10; k++) {		/* warm up */
		send_all(fd, req, (size_t)len);
		read_line(fd);
	}
	posix_spawn_file_actions_init(&quiet);
	posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
	if ((e = posix_spawnp(&pid, cmd[0], &quiet, NULL, cmd,
	    environ)) != 0) {
		errno = e;
		die(cmd[0]);
	}
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((lat = realloc(lat, cap * sizeof(*lat))) == NULL)
				die("realloc");
		}
		t0 = now_ms();
		send_all(fd, req, (size_t)len);
		ok += (size_t)read_line(fd);
		lat[n++] = now_ms() - t0;
	} while ((r = waitpid(pid, &status, WNOHANG)) == 0 ||
	    (r == -1 && errno == EINTR));
	close(fd);
	for (k = 0; k < n; k++)
		printf("lat %.4f\n", lat[k]);
	printf("ok %zu\n", ok);
	free(lat);
	posix_spawn_file_actions_destroy(&quiet);
	if (r == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_load: %s failed\n", cmd[0]);
		return (1);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "rate") == 0) {
		sock = argv[2];
		if (atoi(argv[4]) < 1 || atoi(argv[4]) > MAXCLIENTS)
			goto usage;
		return (rate(argv[3], atoi(argv[4]), atof(argv[5])));
	}
	if (argc == 6 && strcmp(argv[1], "lat") == 0) {
		sock = argv[2];
		if (atoi(argv[3]) < 0 || atoi(argv[3]) > MAXCLIENTS ||
		    atoi(argv[5]) < 1)
			goto usage;
		return (lat(atoi(argv[3]), argv[4], atoi(argv[5])));
	}
	if (argc >= 5 && strcmp(argv[1], "during") == 0) {
		sock = argv[2];
		return (during(argv[3], argv + 4));
	}
usage:
	fprintf(stderr, "usage: bench_load rate SOCKET CMD CLIENTS MS | "
	    "lat SOCKET N PREFIX SAMPLES | during SOCKET ALIAS CMD ...\n");
	return (2);
}
