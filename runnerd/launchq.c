/*
 * launchq.c: the launch queue, which paces every launch of a process.
 *
 * A spawn costs a fork and an exec, a millisecond or more.  A start of
 * an app with instances = 1000, the autostart, a dependent whose
 * dependency has a thousand instances, a thousand dependents whose
 * dependency became ready, or hundreds of instances crashing at once
 * would, launched in one callback, keep the loop from answering anyone
 * for seconds.  So they all wait here, in one queue, in the order they
 * came: first starts (LAUNCH_START: an instance made waiting by
 * inst_queue, its turn is inst_go: a start of many, the autostart, a
 * reload's starts, the dependencies a dependent starts, in no wave),
 * dependents whose dependencies are met (LAUNCH_DEPS: depends_turn) and
 * restarts (LAUNCH_RESTART: restart.c's policy, restart_turn).  An
 * instance is on it at most once.
 *
 * The queue is worked once per loop iteration, for what is left of
 * LAUNCH_BUDGET seconds since the loop woke (one launch at least;
 * RUNNERD_LAUNCH_BATCH=N, read once, also caps the count, so that tests
 * can see a wave under way without timing it): an iteration that had
 * other work already (the request that made a thousand instances, a
 * state file written) launches less, so that no iteration keeps clients
 * waiting much longer than the budget.  While work remains an ev_idle
 * watcher keeps the loop from sleeping in its poll, so between two
 * batches every client that sent something is served, and however much
 * clients send, each iteration works a batch: neither side starves the
 * other.
 *
 * The work is done from an ev_prepare watcher, after the iteration's
 * callbacks and before the poll, at the highest priority: a crash reaped
 * in this iteration is restarted in this iteration (a timer would wait
 * for the next one), and before statefile.c's own ev_prepare writes the
 * processes down, so that the write neither delays the restart nor
 * misses the new process.
 *
 * A wave (struct wave: a start of many instances) hears each of its
 * members' turn: launched, failed, or cancelled before it came (stopped,
 * removed); its queued count says when none is left.
 */

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>

#include "runnerd.h"

#define LAUNCH_BUDGET	0.005	/* seconds of launching per iteration */

static TAILQ_HEAD(, inst) launch_queue = TAILQ_HEAD_INITIALIZER(launch_queue);
static ev_prepare	 launch_prepare;	/* works a batch */
static ev_idle		 launch_idle;	/* no sleep while work remains */
static int		 launch_init_done;
static long		 launch_batch;	/* launches per batch at most; 0: any */
static int		 launch_nstart;	/* LAUNCH_START entries queued */

static void	 launch_init(void);
static void	 launch_prepare_cb(struct ev_loop *, ev_prepare *, int);
static void	 launch_idle_cb(struct ev_loop *, ev_idle *, int);
static void	 launch_turn(struct inst *);
static void	 launch_unlink(struct inst *);

static void
launch_init(void)
{
	const char	*v;
	char		*end;

	if (launch_init_done)
		return;
	launch_init_done = 1;
	if ((v = getenv("RUNNERD_LAUNCH_BATCH")) != NULL) {
		launch_batch = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || launch_batch < 0)
			launch_batch = 0;
	}
	ev_prepare_init(&launch_prepare, launch_prepare_cb);
	ev_set_priority(&launch_prepare, EV_MAXPRI);
	ev_idle_init(&launch_idle, launch_idle_cb);
}

/*
 * Queue i to launch in its turn, as kind; a first start's wave (or NULL)
 * hears of it.  One queued already keeps its place.
 */
void
launchq_add(struct inst *i, enum launch_kind kind, struct wave *wave)
{
	launch_init();
	if (i->launch.kind != LAUNCH_NONE)
		return;
	TAILQ_INSERT_TAIL(&launch_queue, i, launch.entry);
	i->launch.kind = kind;
	i->launch.wave = wave;
	if (wave != NULL)
		wave->queued++;
	if (kind == LAUNCH_START)
		launch_nstart++;
	if (!ev_is_active(&launch_prepare))
		ev_prepare_start(server.loop, &launch_prepare);
	/* Queued from a prepare (depends.c's) that ran after ours: poll. */
	ev_idle_start(server.loop, &launch_idle);
}

/* Take i off the queue; not by its wave. */
static void
launch_unlink(struct inst *i)
{
	TAILQ_REMOVE(&launch_queue, i, launch.entry);
	if (i->launch.kind == LAUNCH_START)
		launch_nstart--;
	i->launch.kind = LAUNCH_NONE;
}

/*
 * Take i off the queue, if it is on it: it is stopped or removed before
 * its turn, and its wave hears that (code -1).
 */
void
launchq_remove(struct inst *i)
{
	struct wave	*wave = i->launch.wave;

	if (i->launch.kind == LAUNCH_NONE)
		return;
	launch_unlink(i);
	i->launch.wave = NULL;
	if (wave != NULL) {
		wave->queued--;
		wave->turn(wave, i, i->alias, -1, "");
	}
}

/* i's place on the queue: LAUNCH_NONE when not on it. */
enum launch_kind
launchq_kind(const struct inst *i)
{
	return (i->launch.kind);
}

/* 1 while first starts are queued (an upgrade waits for them). */
int
launchq_starting(void)
{
	return (launch_nstart > 0);
}

/*
 * Cancel what is still queued of wave: those instances, made for it and
 * never started, go (inst_remove tells the wave of each).
 */
void
launchq_drop(struct wave *wave)
{
	struct inst	*i;

	/* From the head each time: a removal may answer, and more. */
	for (;;) {
		TAILQ_FOREACH(i, &launch_queue, launch.entry)
			if (i->launch.wave == wave)
				break;
		if (i == NULL)
			return;
		inst_remove(i);
	}
}

/* i's turn, off the queue: launch it as its kind says. */
static void
launch_turn(struct inst *i)
{
	struct wave	*wave = i->launch.wave;
	enum launch_kind kind = i->launch.kind;
	char		 err[RUNNER_ERRMSG_MAX];
	char		 alias[RUNNER_ALIAS_MAX + 16];
	uint64_t	 id = i->id;
	int		 rc;

	launch_unlink(i);
	i->launch.wave = NULL;
	switch (kind) {
	case LAUNCH_RESTART:
		restart_turn(i);
		return;
	case LAUNCH_DEPS:
		depends_turn(i);
		return;
	case LAUNCH_START:
		break;
	case LAUNCH_NONE:
		return;
	}
	/* Counted in its wave until the wave has heard how it went. */
	if (wave != NULL)
		snprintf(alias, sizeof(alias), "%s", i->alias);
	rc = inst_go(i, err, sizeof(err));
	if (rc != 0)
		i = inst_by_id(id);	/* a failure may have removed it */
	if (wave != NULL) {
		wave->queued--;
		wave->turn(wave, i, alias, rc, err);
	}
	/* A start not waiting for ready: its waiters count it in. */
	if (rc == 0 && i->state != INST_WAITING)
		waiters_inst_event(i);
}

/*
 * A batch: the queue's head, in order, until the budget is spent.  The
 * idle watcher stays for one more iteration after work: what a launch
 * started meanwhile (depends.c's prepare) runs before the loop sleeps.
 */
static void
launch_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct inst	*i;
	double		 t0, budget;
	long		 n = 0;

	(void)revents;
	if (TAILQ_EMPTY(&launch_queue)) {
		ev_prepare_stop(loop, w);
		return;
	}
	/* ev_now is when the loop woke, on ev_time's clock. */
	t0 = ev_time();
	budget = LAUNCH_BUDGET - (t0 - ev_now(loop));
	if (budget > LAUNCH_BUDGET)
		budget = LAUNCH_BUDGET;	/* the clock went back */
	while ((i = TAILQ_FIRST(&launch_queue)) != NULL) {
		launch_turn(i);
		if (++n == launch_batch || ev_time() - t0 >= budget)
			break;
	}
	ev_idle_start(loop, &launch_idle);
}

/* Work done: the child's stack kept for the next spawn goes too. */
static void
launch_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)revents;
	if (TAILQ_EMPTY(&launch_queue)) {
		ev_idle_stop(loop, w);
		spawn_trim();
	}
}
