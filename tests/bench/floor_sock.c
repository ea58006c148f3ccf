/*
 * floor_sock.c: the least a request over a UNIX socket can cost here,
 * the floor under every CLI and under runnerd's request rates in `make
 * bench`.
 *
 *	floor_sock serve PATH	an echo server on PATH: one epoll loop,
 *				what each client sends comes back; until
 *				SIGTERM (then it removes PATH)
 *	floor_sock ask PATH	the smallest CLI: connect, send one request
 *				line, read the reply line, exit 0
 *	floor_sock rtt PATH N	one connection, N round trips of a request
 *				line back to back: each in milliseconds,
 *				one per line
 */

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ	"{\"tag\": 1, \"cmd\": \"hello\"}\n"

static volatile sig_atomic_t	 done;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		fprintf(stderr, "floor_sock: path too long\n");
		return (-1);
	}
	strcpy(sun->sun_path, path);
	return (0);
}

static int
dial(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	if (addr(path, &sun) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("floor_sock: connect");
		return (-1);
	}
	return (fd);
}

/* Send the request and read until the reply's newline. */
static int
roundtrip(int fd)
{
	char	 buf[4096];
	ssize_t	 n;

	if (write(fd, REQ, sizeof(REQ) - 1) != sizeof(REQ) - 1)
		return (-1);
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			return (-1);
		if (buf[n - 1] == '\n')
			return (0);
	}
}

static void
on_term(int sig)
{
	(void)sig;
	done = 1;
}

static int
serve(const char *path)
{
	struct sockaddr_un	 sun;
	struct epoll_event	 ev, evs[64];
	char			 buf[65536];
	ssize_t			 n;
	int			 lfd, ep, fd, i, k;

	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	if (addr(path, &sun) == -1)
		return (1);
	unlink(path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 1024) == -1 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("floor_sock: listen");
		return (1);
	}
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!done) {
		if ((k = epoll_wait(ep, evs, 64, -1)) == -1)
			continue;	/* EINTR: SIGTERM */
		for (i = 0; i < k; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				if ((fd = accept4(lfd, NULL, NULL,
				    SOCK_CLOEXEC)) == -1)
					continue;
				ev.events = EPOLLIN;
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			/* Echo what came; small writes to a reader. */
			if ((n = read(fd, buf, sizeof(buf))) <= 0 ||
			    write(fd, buf, (size_t)n) != n)
				close(fd);	/* leaves the epoll set */
		}
	}
	unlink(path);
	return (0);
}

int
main(int argc, char **argv)
{
	double	 t0;
	long	 n, k;
	int	 fd;

	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return (serve(argv[2]));
	if (argc == 3 && strcmp(argv[1], "ask") == 0) {
		if ((fd = dial(argv[2])) == -1 || roundtrip(fd) == -1)
			return (1);
		return (0);
	}
	if (argc == 4 && strcmp(argv[1], "rtt") == 0) {
		if ((fd = dial(argv[2])) == -1)
			return (1);
		n = strtol(argv[3], NULL, 10);
		for (k = 0; k < n; k++) {
			t0 = now_ms();
			if (roundtrip(fd) == -1) {
				fprintf(stderr, "floor_sock: server gone\n");
				return (1);
			}
			printf("%.4f\n", now_ms() - t0);
		}
		return (0);
	}
	fprintf(stderr, "usage: floor_sock serve PATH | ask PATH | "
	    "rtt PATH N\n");
	return (2);
}
