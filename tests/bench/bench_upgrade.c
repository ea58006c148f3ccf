/*
 * bench_upgrade.c: how long a client of runnerd waits while runnerd
 * upgrades in place (issue 19's bench figure), measured from the client.
 *
 *	bench_upgrade SOCKET WARM -- COMMAND [ARG ...]
 *
 * One connection to SOCKET says hello back to back, one request
 * outstanding, each round trip timed from its send to its reply.  After
 * WARM round trips COMMAND runs (posix_spawnp, its output to ours:
 * `runnerctl upgrade`); once it has exited 0 and WARM more round trips
 * came, prints "gap MS" (the longest round trip of the whole run: the
 * time this client was not served), "command MS" (COMMAND's wall time)
 * and "hellos N".  The connection is the same all along: it crosses the
 * exec, as every client's does.  Exit 1 when COMMAND fails, the
 * connection ends or a reply takes over 30 s.  Uses librunner's
 * sock_connect and clock_now.
 */

#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

extern char	**environ;

static double
now_ms(void)
{
	return (clock_now() * 1e3);
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "bench_upgrade: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One hello and its reply line; the round trip in ms. */
static double
hello(int fd)
{
	static const char	 req[] = "{\"tag\":1,\"cmd\":\"hello\"}\n";
	struct pollfd		 pfd = { fd, POLLIN, 0 };
	char			 buf[4096];
	double			 t0 = now_ms();
	ssize_t			 n;

	/* Nothing else is written: the socket has room for it. */
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		die("write");
	for (;;) {
		if (poll(&pfd, 1, 30000) != 1)
			die("no reply within 30 s");
		if ((n = read(fd, buf, sizeof(buf))) == -1 &&
		    (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			die(n == 0 ? "runnerd closed the connection" : "read");
		/* One reply outstanding: its line ends what came. */
		if (buf[n - 1] == '\n')
			return (now_ms() - t0);
	}
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t	 fa;
	double				 gap = 0, rt, t0 = 0, cmd_ms = 0;
	long				 warm, n = 0, after = -1;
	pid_t				 pid = -1;
	int				 fd, status;

	if (argc < 5 || strcmp(argv[3], "--") != 0 ||
	    (warm = strtol(argv[2], NULL, 10)) < 1) {
		fprintf(stderr, "usage: bench_upgrade SOCKET WARM -- COMMAND "
		    "[ARG ...]\n");
		return (2);
	}
	if ((fd = sock_connect(argv[1])) == -1)
		die(argv[1]);
	posix_spawn_file_actions_init(&fa);
	for (;;) {
		rt = hello(fd);
		n++;
		if (rt > gap)
			gap = rt;
		if (pid == -1 && n == warm) {
			t0 = now_ms();
			errno = posix_spawnp(&pid, argv[4], &fa, NULL,
			    argv + 4, environ);
			if (errno != 0)
				die(argv[4]);
		} else if (pid > 0 && after == -1 &&
		    waitpid(pid, &status, WNOHANG) == pid) {
			cmd_ms = now_ms() - t0;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "bench_upgrade: %s failed "
				    "(status 0x%x)\n", argv[4], status);
				return (1);
			}
			after = n;
		} else if (after != -1 && n >= after + warm)
			break;
	}
	printf("gap %.3f\ncommand %.3f\nhellos %ld\n", gap, cmd_ms, n);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	return (0);
}
