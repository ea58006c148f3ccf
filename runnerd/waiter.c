/*
 * waiter.c: requests that answer later.  A start waits for readiness, a
 * stop for every instance it stops, a write for its bytes to reach the
 * child, a read with a wait for output.  The handler that leaves a waiter
 * gives it the callback that answers it (cmd_*.c); this file keeps only
 * the list, in request order, the waiters' timers, and tells the
 * callbacks when an instance changes, goes, or a client leaves.  Waiters
 * hold the ids of their client and instance, not pointers: either may go
 * first.
 */

#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

static int	waiter_done(struct waiter *, struct inst *, enum wait_why);
static void	waiter_timer_cb(struct ev_loop *, ev_timer *, int);

/* A waiter for client's request about inst, appended to the list. */
struct waiter *
waiter_new(struct client *c, int has_tag, long long tag, struct inst *i,
    int (*done)(struct waiter *, struct inst *, enum wait_why))
{
	struct waiter	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warn("%s", __func__);
		return (NULL);
	}
	w->done = done;
	w->cmd = metrics_current();
	w->client = c != NULL ? c->id : 0;
	w->has_tag = has_tag;
	w->tag = tag;
	w->inst = i->id;
	if (c != NULL)
		c->pending++;
	ev_timer_init(&w->timer, waiter_timer_cb, 0, 0);
	w->timer.data = w;
	/*
	 * Appended: waiters on one instance answer in request order.  Each
	 * instance has its list too, so that an event walks its own (a
	 * stop of 1000 makes 1000 waiters, and 1000 instances' events).
	 */
	TAILQ_INSERT_TAIL(&server.waiters, w, entry);
	TAILQ_INSERT_TAIL(&i->waiters, w, ientry);
	w->on = i;
	return (w);
}

/* Unlink and free a waiter. */
void
waiter_free(struct waiter *w)
{
	struct client	*c;

	TAILQ_REMOVE(&server.waiters, w, entry);
	if (w->on != NULL)
		TAILQ_REMOVE(&w->on->waiters, w, ientry);
	ev_timer_stop(server.loop, &w->timer);
	if ((c = client_find(w->client)) != NULL) {
		c->pending--;
		client_check(c);
	}
	free(w);
}

/* Give w a deadline: after seconds its callback hears WAIT_TIMEOUT. */
void
waiter_timeout(struct waiter *w, double seconds)
{
	ev_timer_set(&w->timer, seconds, 0);
	ev_timer_start(server.loop, &w->timer);
}

/*
 * Free, unanswered, every waiter whose arg is arg: a handler giving up a
 * request it made several waiters for, before any could answer.
 */
void
waiters_drop(const void *arg)
{
	struct waiter	*w, *next;

	for (w = TAILQ_FIRST(&server.waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->arg == arg)
			waiter_free(w);
	}
}

/*
 * The waiter's callback, in its request's context, so that its answer
 * is counted under its command (metrics.c).
 */
static int
waiter_done(struct waiter *w, struct inst *i, enum wait_why why)
{
	const char	*prev = metrics_enter(w->cmd);
	int		 rc;

	rc = w->done(w, i, why);
	metrics_leave(prev);
	return (rc);
}

/* The waiter's wait is over: its callback gives the last answer. */
static void
waiter_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct waiter	*w = t->data;

	(void)loop;
	(void)revents;
	if (waiter_done(w, inst_by_id(w->inst), WAIT_TIMEOUT))
		waiter_free(w);
}

/* Something happened to i: answer the waiters that can be answered. */
void
waiters_inst_event(struct inst *i)
{
	struct waiter	*w, *next;

	for (w = TAILQ_FIRST(&i->waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, ientry);
		if (waiter_done(w, i, WAIT_EVENT))
			waiter_free(w);
	}
}

/* i is being removed: every waiter on it gets its last answer. */
void
waiters_inst_gone(struct inst *i)
{
	struct waiter	*w, *next;

	for (w = TAILQ_FIRST(&i->waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, ientry);
		if (waiter_done(w, i, WAIT_GONE))
			waiter_free(w);
	}
	/* done must end them all (runnerd.h); were one kept, i goes. */
	while ((w = TAILQ_FIRST(&i->waiters)) != NULL) {
		TAILQ_REMOVE(&i->waiters, w, ientry);
		w->on = NULL;
	}
}

/*
 * The client left: its waiters go, except those whose callback keeps
 * them (a stop finishes on its own: its job is shared by its instances'
 * waiters).
 */
void
waiters_client_gone(uint64_t id)
{
	struct waiter	*w, *next;

	for (w = TAILQ_FIRST(&server.waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->client == id && waiter_done(w, NULL, WAIT_CLIENT_GONE))
			waiter_free(w);
	}
}

/*
 * What is under way that an upgrade cannot carry and must let finish, in
 * words, or NULL: a rolling restart, starts queued to launch (a start of
 * many, the autostart), a start waiting for dependencies, a stop waiting
 * for dependents (the waiting requests of other kinds, and the queued
 * restarts, are carried).
 */
const char *
upgrade_busy(void)
{
	size_t	 k;

	if (launchq_starting())
		return ("a wave of starts");
	if (roll_busy())
		return ("a rolling restart");
	if (!waiters_carried())
		return ("a start of several instances");
	for (k = 0; k < server.ninsts; k++)
		if (server.insts[k]->state == INST_WAITING ||
		    server.insts[k]->dep.held)
			return ("a start or stop waiting on dependencies");
	return (NULL);
}

/*
 * The waiters an upgrade carries (carry.c): each kind by its name, and
 * the job some share (a stop of several instances answers once).
 */
static const struct {
	const char	*name;
	int		(*done)(struct waiter *, struct inst *, enum wait_why);
	void		(*save_job)(struct hand *, const void *);
	void		*(*load_job)(struct hand *);
} waiter_kinds[] = {
	{ "start",	start_done,	NULL,		NULL },
	{ "write",	write_done,	NULL,		NULL },
	{ "read",	read_done,	NULL,		NULL },
	{ "close",	close_done,	NULL,		NULL },
	{ "stop",	stop_done,	stopjob_save,	stopjob_load },
};
#define NKINDS	(sizeof(waiter_kinds) / sizeof(waiter_kinds[0]))

/* The jobs loaded so far: their id in the state, and the new one. */
static struct {
	long long	 id;
	void		*job;
}		*loaded;
static size_t	 nloaded;

/* w's kind in waiter_kinds, or NKINDS: an upgrade cannot carry it. */
static size_t
waiter_kind(const struct waiter *w)
{
	size_t	 k;

	for (k = 0; k < NKINDS; k++)
		if (w->done == waiter_kinds[k].done)
			break;
	return (k);
}

/* Can every waiter cross an upgrade (its kind is carried)? */
int
waiters_carried(void)
{
	const struct waiter	*w;

	TAILQ_FOREACH(w, &server.waiters, entry)
		if (waiter_kind(w) == NKINDS || w->client == 0)
			return (0);
	return (1);
}

void
waiters_save(struct hand *h)
{
	const struct waiter	*w;
	size_t			 k;

	TAILQ_FOREACH(w, &server.waiters, entry) {
		if ((k = waiter_kind(w)) == NKINDS) {
			hand_fail(h, "a request of a kind an upgrade cannot "
			    "carry is waiting");
			return;
		}
		hand_rec(h, "waiter");
		hand_str(h, "kind", waiter_kinds[k].name);
		hand_int(h, "client", (long long)w->client);
		hand_int(h, "has_tag", w->has_tag);
		hand_int(h, "tag", w->tag);
		hand_int(h, "inst", (long long)w->inst);
		hand_int(h, "until", (long long)w->until);
		hand_int(h, "count", (long long)w->count);
		hand_int(h, "started", w->started);
		hand_int(h, "exec_only", w->exec_only);
		hand_str(h, "cmd", w->cmd);
		hand_double(h, "timer_in", ev_is_active(&w->timer) ?
		    ev_timer_remaining(server.loop, (ev_timer *)&w->timer) :
		    -1);
		if (waiter_kinds[k].save_job != NULL)
			waiter_kinds[k].save_job(h, w->arg);
		hand_end(h);
	}
}

void
waiter_load(struct hand *h)
{
	struct waiter	*w;
	struct client	*c;
	struct inst	*i;
	char		*kind, *cmd;
	void		*job = NULL;
	double		 in;
	long long	 id;
	size_t		 k, j;

	kind = hand_get_str(h, "kind");
	cmd = hand_get_str(h, "cmd");
	for (k = 0; kind != NULL && k < NKINDS; k++)
		if (strcmp(kind, waiter_kinds[k].name) == 0)
			break;
	c = client_find((uint64_t)hand_get_int(h, "client"));
	i = inst_by_id((uint64_t)hand_get_int(h, "inst"));
	in = hand_get_double(h, "timer_in");
	if (!hand_failed(h) && (kind == NULL || k == NKINDS))
		hand_fail(h, "a waiting request of an unknown kind '%s'",
		    kind != NULL ? kind : "?");
	free(kind);
	/*
	 * Its client gone (a stop's waiters outlive it), or its instance:
	 * nobody to answer, nothing to wait for.  What it waited for goes
	 * on without it (a stop, a start).
	 */
	if (hand_failed(h) || c == NULL || i == NULL) {
		free(cmd);
		return;
	}
	if (waiter_kinds[k].load_job != NULL) {
		id = hand_get_int(h, "job");
		for (j = 0; j < nloaded; j++)
			if (loaded[j].id == id)
				job = loaded[j].job;
		if (job == NULL && (job = waiter_kinds[k].load_job(h)) != NULL) {
			void	*grown;

			if ((grown = reallocarray(loaded, nloaded + 1,
			    sizeof(*loaded))) == NULL) {
				hand_fail(h, "out of memory");
				free(cmd);
				return;
			}
			loaded = grown;
			loaded[nloaded].id = id;
			loaded[nloaded++].job = job;
		}
		if (job == NULL) {
			free(cmd);
			return;
		}
	}
	if ((w = waiter_new(c, (int)hand_get_int(h, "has_tag"),
	    hand_get_int(h, "tag"), i, waiter_kinds[k].done)) == NULL) {
		hand_fail(h, "out of memory");
		free(cmd);
		return;
	}
	w->until = (uint64_t)hand_get_int(h, "until");
	w->count = (size_t)hand_get_int(h, "count");
	w->started = (int)hand_get_int(h, "started");
	w->exec_only = (int)hand_get_int(h, "exec_only");
	w->cmd = cmd != NULL ? cmd_name(cmd) : NULL;
	w->arg = job;
	free(cmd);
	if (in >= 0)
		waiter_timeout(w, in);
}

/* Every waiter is back: the table of jobs goes. */
void
waiters_loaded(void)
{
	free(loaded);
	loaded = NULL;
	nloaded = 0;
}
