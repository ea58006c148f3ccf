/*
 * floor_spawn.c: the least starting a process can cost here, the floor
 * under every CLI and every start in `make bench`.
 *
 *	floor_spawn wait N	posix_spawn of /bin/true and waitpid for it:
 *				the whole life of a program doing nothing
 *	floor_spawn exec N PROG	posix_spawn of PROG (in a session of its
 *				own, as supervisors do): glibc returns once
 *				the child has exec'd, so this is the time
 *				until a started program runs; it is then
 *				killed and reaped, untimed
 *
 * Prints each time in milliseconds, one per line.
 */

#include <sys/wait.h>

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char	**environ;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

int
main(int argc, char **argv)
{
	static char		 truepath[] = "/bin/true";
	posix_spawnattr_t	 attr;
	char			*av[2];
	double			 t0;
	pid_t			 pid;
	long			 n, k;
	int			 exec, status;

	if (argc < 3 || (strcmp(argv[1], "wait") != 0 &&
	    (strcmp(argv[1], "exec") != 0 || argc < 4))) {
		fprintf(stderr, "usage: floor_spawn wait N | exec N PROG\n");
		return (2);
	}
	exec = argv[1][0] == 'e';
	n = strtol(argv[2], NULL, 10);
	av[0] = exec ? argv[3] : truepath;
	av[1] = NULL;
	posix_spawnattr_init(&attr);
	if (exec)
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
	for (k = 0; k < n; k++) {
		t0 = now_ms();
		if (posix_spawn(&pid, av[0], NULL, &attr, av, environ) != 0) {
			perror("floor_spawn: posix_spawn");
			return (1);
		}
		if (!exec)
			waitpid(pid, &status, 0);
		printf("%.4f\n", now_ms() - t0);
		if (exec) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	return (0);
}
