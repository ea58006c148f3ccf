/*
 * floor_ev.c: the least a supervisor on libev can be: a bare loop with N
 * children, the floor under runnerd's start, restart, stop, memory and
 * idle figures in `make bench`.
 *
 *	floor_ev N PROG
 *
 * Starts N copies of PROG (posix_spawn, each in a session of its own,
 * one ev_child watcher each) and prints "start MS" once all have
 * exec'd; restarts any that dies, at once; on SIGTERM sends SIGTERM to
 * all, prints "stop MS" once all are reaped, and exits 0.  Nothing else:
 * no socket, no timer, no output capture.
 */

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <ev.h>

extern char	**environ;

struct kid {
	ev_child	 w;
	pid_t		 pid;
};

static struct kid		*kids;
static long			 nkids, left;
static char			*argv0[2];
static posix_spawnattr_t	 attr;
static int			 stopping;
static double			 t_stop;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static void	child_cb(struct ev_loop *, ev_child *, int);

static void
spawn(struct ev_loop *loop, struct kid *k)
{
	if (posix_spawn(&k->pid, argv0[0], NULL, &attr, argv0,
	    environ) != 0) {
		perror("floor_ev: posix_spawn");
		exit(1);
	}
	ev_child_init(&k->w, child_cb, k->pid, 0);
	ev_child_start(loop, &k->w);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct kid	*k = (struct kid *)w;

	(void)revents;
	ev_child_stop(loop, w);
	if (!stopping) {
		spawn(loop, k);
		return;
	}
	if (--left == 0) {
		printf("stop %.4f\n", now_ms() - t_stop);
		fflush(stdout);
		ev_break(loop, EVBREAK_ALL);
	}
}

static void
term_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	long	 i;

	(void)loop;
	(void)w;
	(void)revents;
	if (stopping)
		return;
	stopping = 1;
	left = nkids;
	t_stop = now_ms();
	for (i = 0; i < nkids; i++)
		kill(kids[i].pid, SIGTERM);
}

int
main(int argc, char **argv)
{
	struct ev_loop	*loop = ev_default_loop(0);
	ev_signal	 term;
	double		 t0;
	long		 i;

	if (argc != 3 || (nkids = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: floor_ev N PROG\n");
		return (2);
	}
	if ((kids = calloc((size_t)nkids, sizeof(*kids))) == NULL)
		return (1);
	argv0[0] = argv[2];
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
	ev_signal_init(&term, term_cb, SIGTERM);
	ev_signal_start(loop, &term);
	t0 = now_ms();
	for (i = 0; i < nkids; i++)
		spawn(loop, &kids[i]);
	printf("start %.4f\n", now_ms() - t0);
	fflush(stdout);
	ev_run(loop, 0);
	free(kids);
	return (0);
}
