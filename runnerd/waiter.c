/*
 * waiter.c: requests that answer later.  A start waits for its socket, a
 * stop for every instance it stops, a write for its bytes to reach the
 * child, a read with a wait for output.  Waiters hold the ids of their
 * client and instance, not pointers: either may go first.  Whenever an
 * instance changes (output, input written, a state), its waiters look
 * whether they can answer now.
 */

#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

/* Several instances stopped by one request answer together. */
struct stopjob {
	uint64_t	 client;
	long long	 tag;
	int		 has_tag;
	int		 remaining;	/* instances not gone yet */
	struct buf	 names;		/* the aliases, a JSON array */
};

static void	waiter_read_timeout(struct ev_loop *, ev_timer *, int);
static void	waiter_unblock(struct waiter *);

/* A waiter for client's request about inst, appended to the list. */
struct waiter *
waiter_new(enum wait_kind kind, struct client *c, int has_tag, long long tag,
    struct inst *i)
{
	struct waiter	*w, **wp;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warn("%s", __func__);
		return (NULL);
	}
	w->kind = kind;
	w->client = c != NULL ? c->id : 0;
	w->has_tag = has_tag;
	w->tag = tag;
	w->inst = i->id;
	if (c != NULL)
		c->pending++;
	ev_timer_init(&w->timer, waiter_read_timeout, 0, 0);
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

/*
 * A stop request for n instances, answered with their aliases once the
 * last is gone; NULL when out of memory.
 */
struct stopjob *
stopjob_new(struct client *c, int has_tag, long long tag, int n)
{
	struct stopjob	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return (NULL);
	job->client = c->id;
	job->has_tag = has_tag;
	job->tag = tag;
	job->remaining = n;
	buf_init(&job->names);
	jw_key(&job->names, "stopped");
	jw_open(&job->names, '[');
	return (job);
}

/*
 * Give up a job before anything was stopped (out of memory while its
 * waiters were made): its waiters go, and the job; the caller answers.
 */
void
stopjob_abort(struct stopjob *job)
{
	struct waiter	*w, *next;

	for (w = server.waiters; w != NULL; w = next) {
		next = w->next;
		if (w->job == job)
			waiter_free(w);
	}
	buf_free(&job->names);
	free(job);
}

/* Count an alias in; answer and free the job with the last one. */
static void
stopjob_done(struct stopjob *job, const char *alias)
{
	jw_str(&job->names, alias);
	if (--job->remaining > 0)
		return;
	jw_close(&job->names, ']');
	/* names holds "stopped":[...]; make it an object. */
	{
		struct buf	 ext;

		buf_init(&ext);
		buf_addc(&ext, '{');
		buf_add(&ext, buf_head(&job->names), buf_used(&job->names));
		buf_addc(&ext, '}');
		reply_ok(job->client, job->has_tag, job->tag, &ext);
		buf_free(&ext);
	}
	buf_free(&job->names);
	free(job);
}

/* A write is done (or failed): its client may send requests again. */
static void
waiter_unblock(struct waiter *w)
{
	struct client	*c;

	if ((c = client_find(w->client)) != NULL) {
		c->waiting = 0;
		client_resume(c);
	}
}

/* Answer a read with up to w->count buffered bytes. */
static void
waiter_read_reply(struct waiter *w, struct inst *i)
{
	struct buf	 ext;
	char		*data;
	size_t		 n = 0;

	buf_init(&ext);
	if ((data = malloc(w->count > 0 ? w->count : 1)) == NULL) {
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ENOMEM,
		    "out of memory");
		return;
	}
	if (i != NULL)
		n = relay_take(i, data, w->count);
	jw_open(&ext, '{');
	jw_key(&ext, "data");
	jw_b64(&ext, data, n);
	jw_key(&ext, "bytes");
	jw_int(&ext, (long long)n);
	jw_close(&ext, '}');
	if (ext.failed)
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ENOMEM,
		    "out of memory");
	else
		reply_ok(w->client, w->has_tag, w->tag, &ext);
	buf_free(&ext);
	free(data);
}

/* Answer a read request now: data, or ECLOSED at the end. */
void
waiter_read_now(struct waiter *w, struct inst *i)
{
	if (relay_buffered(i) == 0 && inst_ended(i))
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ECLOSED,
		    "'%s' has ended and all its output was read", i->alias);
	else
		waiter_read_reply(w, i);
}

/* The read's wait is over with nothing to read: an empty answer. */
static void
waiter_read_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct waiter	*w = t->data;

	(void)loop;
	(void)revents;
	waiter_read_reply(w, inst_by_id(w->inst));
	waiter_free(w);
}

/* Something happened to i: answer the waiters that can be answered. */
void
waiters_inst_event(struct inst *i)
{
	struct waiter	*w, *next;

	for (w = server.waiters; w != NULL; w = next) {
		next = w->next;
		if (w->inst != i->id)
			continue;
		switch (w->kind) {
		case WAIT_START:
			if (i->state == INST_RUNNING)
				cmd_reply_start(w, i);
			else if (i->start_code != 0)
				reply_err(w->client, w->has_tag, w->tag,
				    i->start_code, "%s", i->start_msg ?
				    i->start_msg : "cannot start");
			else
				continue;
			break;
		case WAIT_WRITE:
			if (relay_written(i) >= w->until) {
				struct buf	 ext;

				buf_init(&ext);
				buf_printf(&ext, "{\"written\":%zu}", w->count);
				reply_ok(w->client, w->has_tag, w->tag, &ext);
				buf_free(&ext);
			} else if (!relay_takes_input(i))
				reply_err(w->client, w->has_tag, w->tag,
				    RUNNER_ECLOSED, "'%s' stopped reading its "
				    "input; %llu bytes were not delivered",
				    i->alias, (unsigned long long)(w->until -
				    relay_written(i)));
			else
				continue;
			waiter_unblock(w);
			break;
		case WAIT_READ:
			if ((relay_buffered(i) == 0 || relay_attached(i) > 0) &&
			    !inst_ended(i))
				continue;
			waiter_read_now(w, i);
			break;
		case WAIT_STOP:
			continue;
		}
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
		if (w->inst != i->id)
			continue;
		switch (w->kind) {
		case WAIT_START:
			reply_err(w->client, w->has_tag, w->tag,
			    i->start_code != 0 ? i->start_code : RUNNER_ESPAWN,
			    "%s", i->start_msg != NULL ? i->start_msg :
			    "stopped before it was ready");
			break;
		case WAIT_WRITE:
			reply_err(w->client, w->has_tag, w->tag,
			    RUNNER_ECLOSED, "'%s' is gone", i->alias);
			waiter_unblock(w);
			break;
		case WAIT_READ:
			reply_err(w->client, w->has_tag, w->tag,
			    RUNNER_ECLOSED, "'%s' is gone", i->alias);
			break;
		case WAIT_STOP:
			stopjob_done(w->job, i->alias);
			break;
		}
		waiter_free(w);
	}
}

/*
 * The client left: forget its waiters, except stops, which finish on
 * their own (a stop job is shared by its instances' waiters).
 */
void
waiters_client_gone(uint64_t id)
{
	struct waiter	*w, *next;

	for (w = server.waiters; w != NULL; w = next) {
		next = w->next;
		if (w->client == id && w->kind != WAIT_STOP)
			waiter_free(w);
	}
}
