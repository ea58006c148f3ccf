/*
 * probe_spawn.c: exec probes are spawned by threads of their own, and
 * their exits routed back to them.
 *
 * Why threads: a spawn holds the thread that makes it until the child
 * has exec'd (spawn.c's clone with CLONE_VFORK, which copies no page
 * table: a fork of runnerd measured 3 ms, 11 ms at p90, on a loaded
 * two-core VM, and left the loop a copy-on-write fault per page it
 * wrote after; 300 probes a second under fork slowed a status reply to
 * 95 ms at the median, 0.8 ms without), and a thousand instances probed
 * every second would hold the loop for their execs.  PROBE_THREADS of
 * them spawn side by side.  The loop prepares each spawn whole
 * (launch.c's launch_probe_job: argv, environment and ids copied,
 * nothing left to allocate), hands it to a spawner thread, and goes
 * on; the thread spawns it (spawn_child without waiting for the exec's
 * outcome) and hands the pid back through an ev_async.  The threads
 * block every signal, so they stay the loop's, and run at nice
 * PROBE_NICE, so that on a busy machine the loop gets the CPU first
 * (the probes they start inherit it).
 *
 * The one reaper stays libev's: its SIGCHLD handler reaps every child of
 * runnerd.  A probe may exit before its pid is back on the loop, so one
 * ev_child for any pid hears every exit: a probe's goes to it (by pid,
 * in a table); one not yet known, heard while a spawn is in flight, is
 * kept, matched when the pid comes back (kept PROBE_EARLY_TTL seconds:
 * pids are not reused that soon).  Kept unbounded but for that time: a
 * fixed ring lost a probe's exit under a stop of hundreds of instances,
 * and with it the probe's descriptors and its instance's next probe.
 * The instances' own watchers hear theirs as before.
 */

#include <sys/queue.h>
#include <sys/resource.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define PROBE_THREADS	4	/* spawner threads: a spawn holds its
				   thread until the child execs */
#define PROBE_NICE	10	/* the threads' (and so the probes') */
#define PROBE_BUCKETS	1024	/* the table of probes by pid */
#define PROBE_EARLY_TTL	5.0	/* seconds an early exit is kept */

struct spawn_req {
	struct spawn_job	*job;
	void			*arg;		/* the probe (probe_exec.c) */
	pid_t			 pid;		/* out: 0 when it failed */
	char			 err[RUNNER_ERRMSG_MAX]; /* ... why */
	STAILQ_ENTRY(spawn_req)	 entry;
};
STAILQ_HEAD(spawn_list, spawn_req);

/* A probe's pid, waited for. */
struct watched {
	pid_t			 pid;
	void			*arg;
	LIST_ENTRY(watched)	 entry;
};

static pthread_t		 threads[PROBE_THREADS];
static int			 inited;	/* the watchers run */
static int			 started;	/* threads that run */
static int			 quit;
static pthread_mutex_t		 mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 cv = PTHREAD_COND_INITIALIZER;
static struct spawn_list	 todo = STAILQ_HEAD_INITIALIZER(todo);
static struct spawn_list	 done = STAILQ_HEAD_INITIALIZER(done);
static ev_async			 wake;		/* done has some */
static ev_child			 any;		/* every exit */
/* An exit heard before its pid came back from a spawner thread. */
struct early {
	pid_t			 pid;
	int			 status;
	double			 at;		/* ev_now when heard */
	LIST_ENTRY(early)	 bucket;
	TAILQ_ENTRY(early)	 age;
};

static LIST_HEAD(, watched)	 table[PROBE_BUCKETS];
static LIST_HEAD(, early)	 early[PROBE_BUCKETS];
static TAILQ_HEAD(, early)	 early_age = TAILQ_HEAD_INITIALIZER(early_age);
static size_t			 inflight;	/* spawns not back yet */

static void	*probe_spawn_main(void *);
static void	 probe_spawn_wake_cb(struct ev_loop *, ev_async *, int);
static void	 probe_spawn_any_cb(struct ev_loop *, ev_child *, int);
static void	 probe_spawn_init(void);
static int	 probe_spawn_early(pid_t, int *);
static void	 probe_spawn_note(pid_t, int);
static void	 probe_spawn_forget(struct early *);

/*
 * The watchers and the thread, at the first probe.  Without a thread
 * (pthread_create failed, said once) spawns are made on the loop.
 */
static void
probe_spawn_init(void)
{
	sigset_t	 all, old;
	int		 rc;

	if (inited)
		return;
	inited = 1;
	ev_async_init(&wake, probe_spawn_wake_cb);
	ev_async_start(server.loop, &wake);
	ev_child_init(&any, probe_spawn_any_cb, 0, 0);
	ev_child_start(server.loop, &any);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (rc = 0; started < PROBE_THREADS && rc == 0; started++)
		if ((rc = pthread_create(&threads[started], NULL,
		    probe_spawn_main, NULL)) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		errno = rc;
		log_warn("%s: pthread_create; probes are spawned on the loop",
		    __func__);
	}
}

/*
 * Spawn job (consumed) for probe arg: later, on the loop,
 * probe_exec_spawned(arg, pid, job, err) (pid 0: it failed, err says
 * why), then probe_exec_exited(arg, status).  -1 out of memory.
 */
int
probe_spawn(struct spawn_job *job, void *arg)
{
	struct spawn_req	*r;

	probe_spawn_init();
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (-1);
	r->job = job;
	r->arg = arg;
	inflight++;
	if (!started) {
		if (spawn_child(&job->sp, &r->pid, r->err,
		    sizeof(r->err)) == -1)
			r->pid = 0;
		STAILQ_INSERT_TAIL(&done, r, entry);
		ev_async_send(server.loop, &wake);
		return (0);
	}
	pthread_mutex_lock(&mu);
	STAILQ_INSERT_TAIL(&todo, r, entry);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return (0);
}

/* The spawner thread: spawn what comes, hand the pids back. */
static void *
probe_spawn_main(void *unused)
{
	struct spawn_req	*r;

	(void)unused;
	/* The loop first: on a busy machine probes wait, not replies. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), PROBE_NICE) == -1)
		log_warn("%s: setpriority", __func__);
	pthread_mutex_lock(&mu);
	for (;;) {
		while (STAILQ_EMPTY(&todo) && !quit)
			pthread_cond_wait(&cv, &mu);
		if (quit)
			break;
		r = STAILQ_FIRST(&todo);
		STAILQ_REMOVE_HEAD(&todo, entry);
		pthread_mutex_unlock(&mu);
		if (spawn_child(&r->job->sp, &r->pid, r->err,
		    sizeof(r->err)) == -1)
			r->pid = 0;
		pthread_mutex_lock(&mu);
		STAILQ_INSERT_TAIL(&done, r, entry);
		ev_async_send(server.loop, &wake);
	}
	pthread_mutex_unlock(&mu);
	return (NULL);
}

/* Spawns are back: each to its probe, and its pid watched. */
static void
probe_spawn_wake_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct spawn_list	 got = STAILQ_HEAD_INITIALIZER(got);
	struct spawn_req	*r;
	struct watched		*wt;
	int			 status;

	(void)loop;
	(void)w;
	(void)revents;
	pthread_mutex_lock(&mu);
	STAILQ_CONCAT(&got, &done);
	pthread_mutex_unlock(&mu);
	while ((r = STAILQ_FIRST(&got)) != NULL) {
		STAILQ_REMOVE_HEAD(&got, entry);
		inflight--;
		probe_exec_spawned(r->arg, r->pid, r->job, r->err);
		if (r->pid > 0) {
			if (probe_spawn_early(r->pid, &status))
				probe_exec_exited(r->arg, status);
			else if ((wt = calloc(1, sizeof(*wt))) == NULL) {
				/* Its exit would go unheard: kill it now. */
				log_warn("%s", __func__);
				kill(-r->pid, SIGKILL);
				probe_exec_exited(r->arg, -1);
			} else {
				wt->pid = r->pid;
				wt->arg = r->arg;
				LIST_INSERT_HEAD(&table[r->pid % PROBE_BUCKETS],
				    wt, entry);
			}
		}
		spawn_job_free(r->job);
		free(r);
	}
}

/* Is pid a probe in flight (spawned, its exit not heard yet)? */
int
probe_spawn_watching(pid_t pid)
{
	struct watched	*wt;

	if (pid <= 0)
		return (0);
	LIST_FOREACH(wt, &table[pid % PROBE_BUCKETS], entry)
		if (wt->pid == pid)
			return (1);
	return (0);
}

/* An exit of a pid that was not known yet (1 with its status). */
static int
probe_spawn_early(pid_t pid, int *status)
{
	struct early	*e;

	LIST_FOREACH(e, &early[pid % PROBE_BUCKETS], bucket)
		if (e->pid == pid) {
			*status = e->status;
			probe_spawn_forget(e);
			return (1);
		}
	return (0);
}

/*
 * Keep an exit not known yet, which may be a probe's whose pid is on its
 * way back (an instance's too: told apart only then), and let go of
 * those heard more than PROBE_EARLY_TTL ago.
 */
static void
probe_spawn_note(pid_t pid, int status)
{
	struct early	*e;
	double		 now = ev_now(server.loop);

	while ((e = TAILQ_FIRST(&early_age)) != NULL &&
	    now - e->at > PROBE_EARLY_TTL)
		probe_spawn_forget(e);
	if (inflight == 0)
		return;		/* no probe's pid is on its way */
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_warn("%s: pid %ld's exit", __func__, (long)pid);
		return;
	}
	e->pid = pid;
	e->status = status;
	e->at = now;
	LIST_INSERT_HEAD(&early[pid % PROBE_BUCKETS], e, bucket);
	TAILQ_INSERT_TAIL(&early_age, e, age);
}

static void
probe_spawn_forget(struct early *e)
{
	LIST_REMOVE(e, bucket);
	TAILQ_REMOVE(&early_age, e, age);
	free(e);
}

/* Some child of runnerd exited: a probe's goes to it. */
static void
probe_spawn_any_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct watched	*wt;

	(void)loop;
	(void)revents;
	LIST_FOREACH(wt, &table[w->rpid % PROBE_BUCKETS], entry)
		if (wt->pid == w->rpid)
			break;
	if (wt == NULL) {
		/* An instance's, or a probe's not back yet. */
		probe_spawn_note(w->rpid, w->rstatus);
		return;
	}
	LIST_REMOVE(wt, entry);
	probe_exec_exited(wt->arg, w->rstatus);
	free(wt);
}

/* runnerd exits: the thread joined, what it still held freed. */
void
probe_spawn_shutdown(void)
{
	struct spawn_req	*r;
	struct watched		*wt;
	struct early		*e;
	size_t			 k;

	if (!inited)
		return;
	if (started > 0) {
		pthread_mutex_lock(&mu);
		quit = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		while (started > 0)
			pthread_join(threads[--started], NULL);
	}
	STAILQ_CONCAT(&done, &todo);
	while ((r = STAILQ_FIRST(&done)) != NULL) {
		STAILQ_REMOVE_HEAD(&done, entry);
		if (r->pid > 0)
			kill(-r->pid, SIGKILL);
		if (r->job->errfd != -1)
			close(r->job->errfd);
		close(r->job->sp.fd[1]);
		spawn_job_free(r->job);
		free(r);
	}
	for (k = 0; k < PROBE_BUCKETS; k++)
		while ((wt = LIST_FIRST(&table[k])) != NULL) {
			LIST_REMOVE(wt, entry);
			free(wt);
		}
	while ((e = TAILQ_FIRST(&early_age)) != NULL)
		probe_spawn_forget(e);
	inflight = 0;
	ev_async_stop(server.loop, &wake);
	ev_child_stop(server.loop, &any);
	inited = 0;
}
