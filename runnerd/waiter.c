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

#include "runnerd.h"

static int	waiter_done(struct waiter *, struct inst *, enum wait_why);
static void	waiter_timer_cb(struct ev_loop *, ev_timer *, int);

/* A waiter for client's request about inst, appended to the list. */
struct waiter *
waiter_new(struct client *c, int has_tag, long long tag, struct inst *i,
    int (*done)(struct waiter *, struct inst *, enum wait_why))
{
	struct waiter	*w, **wp;

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
	/* Appended: waiters on one instance answer in request order. */
	for (wp = &server.waiters; *wp != NULL; wp = &(*wp)->next)
		;
	*wp = w;
	return (w);
}

/* Unlink and free a waiter. */
void
waiter_free(struct waiter *w)
{
	struct waiter	**wp;
	struct client	*c;

	for (wp = &server.waiters; *wp != NULL; wp = &(*wp)->next) {
		if (*wp == w) {
			*wp = w->next;
			break;
		}
	}
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

	for (w = server.waiters; w != NULL; w = next) {
		next = w->next;
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

	for (w = server.waiters; w != NULL; w = next) {
		next = w->next;
		if (w->inst == i->id && waiter_done(w, i, WAIT_EVENT))
			waiter_free(w);
	}
}

/* i is being removed: every waiter on it gets its last answer. */
void
waiters_inst_gone(struct inst *i)
{
	struct waiter	*w, *next;

	for (w = server.waiters; w != NULL; w = next) {
		next = w->next;
		if (w->inst == i->id && waiter_done(w, i, WAIT_GONE))
			waiter_free(w);
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

	for (w = server.waiters; w != NULL; w = next) {
		next = w->next;
		if (w->client == id && waiter_done(w, NULL, WAIT_CLIENT_GONE))
			waiter_free(w);
	}
}

/* Requests that wait for an answer, for an upgrade's drain. */
size_t
waiters_count(void)
{
	const struct waiter	*w;
	size_t			 n = 0;

	for (w = server.waiters; w != NULL; w = w->next)
		n++;
	return (n);
}

/*
 * Is something under way that an upgrade cannot carry and must let
 * finish: a rolling restart, a start waiting for its dependencies, a
 * stop waiting for its dependents?
 */
int
upgrade_busy(void)
{
	size_t	 k;

	if (roll_busy())
		return (1);
	for (k = 0; k < server.ninsts; k++)
		if (server.insts[k]->state == INST_WAITING ||
		    server.insts[k]->dep.held)
			return (1);
	return (0);
}
