/*
 * floor_spawn.c: the least starting, restarting and stopping processes
 * can cost here, with nothing but posix_spawn, kill and waitpid: the
 * floors under every CLI, start, restart and stop in `make bench`.
 *
 *	floor_spawn wait N	posix_spawn of /bin/true and waitpid for it:
 *				the whole life of a program doing nothing
 *	floor_spawn exec N PROG	posix_spawn of PROG (in a session of its
 *				own, as supervisors do): glibc returns once
 *				the child has exec'd, so this is the time
 *				until a started program runs; it is then
 *				killed and reaped, untimed
 *	floor_spawn many N PROG	N copies of PROG started back to back (a
 *				bare posix_spawn loop): "start MS" once the
 *				last has exec'd; then SIGTERM to each and a
 *				waitpid for each (a bare kill and reap
 *				loop): "stop MS" once all are reaped
 *	floor_spawn keep PROG	one PROG, started again at once whenever it
 *				dies (a blocking waitpid, then posix_spawn):
 *				killwait measures it from outside as it
 *				measures every supervisor's restart
 *
 * wait and exec print each time in milliseconds, one per line.  SIGTERM
 * or SIGINT stops many and keep at once: what they started is killed and
 * reaped first (an interrupted make bench leaves no child behind), then
 * many exits 1 and keep 0.
 */

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char	**environ;

static volatile sig_atomic_t	 done;
static posix_spawnattr_t	 attr;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static void
on_term(int sig)
{
	(void)sig;
	done = 1;
}

/*
 * SIGTERM and SIGINT set done and interrupt a blocking waitpid (no
 * SA_RESTART).  The handlers are not inherited: exec resets them.
 */
static void
catch_term(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static pid_t
spawn(char **av)
{
	pid_t	 pid;
	int	 e;

	if ((e = posix_spawn(&pid, av[0], NULL, &attr, av, environ)) != 0) {
		fprintf(stderr, "floor_spawn: posix_spawn %s: %s\n", av[0],
		    strerror(e));
		return (-1);
	}
	return (pid);
}

/* waitpid for pid to its end, through any EINTR. */
static void
reap(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/* SIGTERM to each of n pids, then reap each. */
static void
kill_all(const pid_t *pids, long n)
{
	long	 k;

	for (k = 0; k < n; k++)
		kill(pids[k], SIGTERM);
	for (k = 0; k < n; k++)
		reap(pids[k]);
}

static int
many(long n, char **av)
{
	pid_t	*pids;
	double	 t0;
	long	 k;

	if ((pids = calloc((size_t)n, sizeof(*pids))) == NULL) {
		perror("floor_spawn: calloc");
		return (1);
	}
	t0 = now_ms();
	for (k = 0; k < n && !done; k++)
		if ((pids[k] = spawn(av)) == -1)
			break;
	if (k < n) {
		kill_all(pids, k);
		free(pids);
		return (1);
	}
	printf("start %.4f\n", now_ms() - t0);
	t0 = now_ms();
	kill_all(pids, n);
	printf("stop %.4f\n", now_ms() - t0);
	free(pids);
	return (0);
}

static int
keep(char **av)
{
	pid_t	 pid, got;
	int	 status;

	if ((pid = spawn(av)) == -1)
		return (1);
	while (!done) {
		got = waitpid(pid, &status, 0);
		if (got == -1 && errno != EINTR) {
			perror("floor_spawn: waitpid");
			return (1);
		}
		if (got == pid && !done && (pid = spawn(av)) == -1)
			return (1);
	}
	kill_all(&pid, 1);
	return (0);
}

int
main(int argc, char **argv)
{
	static char	 truepath[] = "/bin/true";
	char		*av[2];
	double		 t0;
	pid_t		 pid;
	long		 n = 0, k;
	int		 mode;

	mode = argc > 1 ? argv[1][0] : 0;
	if (argc > 2)
		n = strtol(argv[2], NULL, 10);
	if (argc == 3 && strcmp(argv[1], "wait") == 0)
		av[0] = truepath;
	else if (argc == 4 && (strcmp(argv[1], "exec") == 0 ||
	    strcmp(argv[1], "many") == 0) && n > 0)
		av[0] = argv[3];
	else if (argc == 3 && strcmp(argv[1], "keep") == 0)
		av[0] = argv[2];
	else {
		fprintf(stderr, "usage: floor_spawn wait N | exec N PROG | "
		    "many N PROG | keep PROG\n");
		return (2);
	}
	av[1] = NULL;
	posix_spawnattr_init(&attr);
	if (mode != 'w')
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
	catch_term();
	if (mode == 'm')
		return (many(n, av));
	if (mode == 'k')
		return (keep(av));
	for (k = 0; k < n && !done; k++) {
		t0 = now_ms();
		if ((pid = spawn(av)) == -1)
			return (1);
		if (mode == 'w')
			reap(pid);
		printf("%.4f\n", now_ms() - t0);
		if (mode == 'e')
			kill_all(&pid, 1);
	}
	return (0);
}
