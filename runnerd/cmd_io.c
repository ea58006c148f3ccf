/*
 * cmd_io.c: the commands on an instance's channel: write (answered once
 * the bytes reach the child), read (now, or once output comes or the
 * wait ends), attach (the connection becomes the stream, relay.c) and
 * direct (the channel's descriptor is handed over, direct.c), and
 * close_input (end of input, once what is queued is written).  A write,
 * a read or a close_input that waits leaves a waiter (waiter.c) with its
 * answer here.
 */

#include <stdlib.h>

#include "runnerd.h"

static void	write_unblock(struct waiter *);

static void	read_reply(uint64_t, int, long long, size_t, struct inst *);
static void	read_now(uint64_t, int, long long, size_t, struct inst *);



/* A write is done (or failed): its client may send requests again. */
static void
write_unblock(struct waiter *w)
{
	struct client	*c;

	if ((c = client_find(w->client)) != NULL) {
		c->waiting = 0;
		client_resume(c);
	}
}

/*
 * A write's wait: answered once its bytes are written, or the channel
 * takes no more of them.
 */
int
write_done(struct waiter *w, struct inst *i, enum wait_why why)
{
	uint64_t	 lost;

	if (why == WAIT_GONE)
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ECLOSED,
		    "'%s' is gone", i->alias);
	else if (why != WAIT_EVENT)
		return (1);		/* its client left */
	else if (relay_settled(i) < w->until)
		return (0);		/* not all written (or dropped) yet */
	else if ((lost = relay_dropped_of(i, w->until - w->count,
	    w->until)) == 0) {
		struct buf	 ext;

		buf_init(&ext);
		buf_printf(&ext, "{\"written\":%zu}", w->count);
		reply_ok(w->client, w->has_tag, w->tag, &ext);
		buf_free(&ext);
	} else
		/* Its input closed, or its process ended, first. */
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ECLOSED,
		    "'%s' stopped reading its input; %llu bytes were not "
		    "delivered", i->alias, (unsigned long long)lost);
	write_unblock(w);
	return (1);
}

/* Answer a read with up to count buffered bytes of i (NULL: none). */
static void
read_reply(uint64_t client, int has_tag, long long tag, size_t count,
    struct inst *i)
{
	struct buf	 ext;
	char		*data;
	size_t		 n = 0;

	buf_init(&ext);
	if ((data = malloc(count > 0 ? count : 1)) == NULL) {
		reply_err(client, has_tag, tag, RUNNER_ENOMEM,
		    "out of memory");
		return;
	}
	if (i != NULL)
		n = relay_take(i, data, count);
	jw_open(&ext, '{');
	jw_key(&ext, "data");
	jw_b64(&ext, data, n);
	jw_key(&ext, "bytes");
	jw_int(&ext, (long long)n);
	jw_close(&ext, '}');
	if (ext.failed)
		reply_err(client, has_tag, tag, RUNNER_ENOMEM,
		    "out of memory");
	else
		reply_ok(client, has_tag, tag, &ext);
	buf_free(&ext);
	free(data);
}

/* Answer a read request now: data, or ECLOSED at the end. */
static void
read_now(uint64_t client, int has_tag, long long tag, size_t count,
    struct inst *i)
{
	if (relay_buffered(i) == 0 && inst_ended(i))
		reply_err(client, has_tag, tag, RUNNER_ECLOSED,
		    "'%s' has ended and all its output was read", i->alias);
	else
		read_reply(client, has_tag, tag, count, i);
}

/*
 * A read's wait: answered once output comes (and no attached client
 * takes it) or the instance ends; when the wait runs out, empty.
 */
int
read_done(struct waiter *w, struct inst *i, enum wait_why why)
{
	if (why == WAIT_GONE)
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ECLOSED,
		    "'%s' is gone", i->alias);
	else if (why == WAIT_TIMEOUT)
		/* The wait is over with nothing to read: an empty answer. */
		read_reply(w->client, w->has_tag, w->tag, w->count, i);
	else if (why == WAIT_CLIENT_GONE)
		return (1);
	else if ((relay_buffered(i) == 0 || relay_attached(i) > 0) &&
	    !inst_ended(i))
		return (0);
	else
		read_now(w->client, w->has_tag, w->tag, w->count, i);
	return (1);
}

/* Queue input for the instance; answered once it is written. */
void
cmd_write(struct req *rq)
{
	struct inst	*i;
	struct waiter	*w;
	char		*data = NULL;
	size_t		 n;
	int		 v;

	if ((i = req_inst(rq)) == NULL ||
	    direct_refuse(rq->c, i, rq->has_tag, rq->tag))
		return;
	if ((v = json_get(rq->j, rq->ext, "data")) != -1) {
		if ((data = json_b64(rq->j, v, &n)) == NULL) {
			REQ_ERR(rq, RUNNER_EINVAL, "'data' must be base64");
			return;
		}
	} else if ((v = json_get(rq->j, rq->ext, "text")) != -1) {
		if ((data = json_str(rq->j, v, &n)) == NULL) {
			REQ_ERR(rq, RUNNER_EINVAL, "'text' must be a string");
			return;
		}
	} else {
		REQ_ERR(rq, RUNNER_EINVAL, "missing 'data' or 'text'");
		return;
	}
	if (!relay_takes_input(i)) {
		REQ_ERR(rq, RUNNER_ECLOSED, "'%s' is %s", i->alias,
		    relay_fd(i) != -1 ? "not reading its input (it was "
		    "closed)" : "not running");
		free(data);
		return;
	}
	if ((w = req_waiter(rq, i, write_done)) == NULL) {
		free(data);
		return;
	}
	if (relay_input(i, data, n) == -1) {
		waiter_free(w);
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory for '%s''s input",
		    i->alias);
		free(data);
		return;
	}
	free(data);
	w->until = relay_queued(i);
	w->count = n;
	/* One write in flight per client: its later requests wait. */
	rq->c->waiting = 1;
	if (n == 0)
		waiters_inst_event(i);
}

/* Output the instance wrote: now, or once some comes within the wait. */
void
cmd_read(struct req *rq)
{
	struct inst	*i;
	struct waiter	*w;
	double		 wait, max;
	size_t		 count;

	if ((i = req_inst(rq)) == NULL ||
	    direct_refuse(rq->c, i, rq->has_tag, rq->tag) ||
	    req_num(rq, "wait", 0, &wait) == -1 ||
	    req_num(rq, "max", PROTO_READ_MAX, &max) == -1)
		return;
	count = max < PROTO_READ_MAX ? (size_t)max : PROTO_READ_MAX;
	if (relay_buffered(i) > 0 || inst_ended(i) || wait == 0) {
		read_now(rq->c->id, rq->has_tag, rq->tag, count, i);
		return;
	}
	if ((w = req_waiter(rq, i, read_done)) == NULL)
		return;
	w->count = count;
	waiter_timeout(w, wait);
}

/* The connection becomes the instance's stream (attach.c). */
void
cmd_attach(struct req *rq)
{
	struct inst	*i;
	struct buf	 b;

	if ((i = req_inst(rq)) == NULL)
		return;
	if (inst_ended(i) && relay_buffered(i) == 0) {
		REQ_ERR(rq, RUNNER_ECLOSED, "'%s' has ended and all its "
		    "output was read", i->alias);
		return;
	}
	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "alias");
	jw_str(&b, i->alias);
	jw_key(&b, "pid");
	jw_int(&b, i->pid);
	jw_close(&b, '}');
	relay_attach_input(i, rq->c);
	req_reply(rq, &b);
	relay_attach(i, rq->c);
	if (inst_ended(i))
		relay_detach_all(i);
	else if (i->pid == 0)
		relay_detach_exited(i);	/* an attach is to one process */
}

/* Hand the instance's channel descriptor over (direct.c). */
void
cmd_direct(struct req *rq)
{
	struct inst	*i;

	if ((i = req_inst(rq)) != NULL)
		direct_take(rq->c, i, rq->has_tag, rq->tag);
}

/*
 * A close_input's wait: answered once the input queued before it is
 * written and the input is closed (or the channel went): what was
 * written, and what never reached the child.
 */
int
close_done(struct waiter *w, struct inst *i, enum wait_why why)
{
	struct buf	 ext;

	if (why == WAIT_GONE)
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ECLOSED,
		    "'%s' is gone", i->alias);
	else if (why != WAIT_EVENT)
		return (1);		/* its client left */
	else if (relay_closing_input(i))
		return (0);
	else {
		buf_init(&ext);
		buf_printf(&ext, "{\"written\":%llu,\"lost\":%llu}",
		    (unsigned long long)relay_written(i),
		    (unsigned long long)relay_lost(i));
		reply_ok(w->client, w->has_tag, w->tag, &ext);
		buf_free(&ext);
	}
	return (1);
}

/* End the instance's input once what is queued is written (relay.c). */
void
cmd_close_input(struct req *rq)
{
	struct inst	*i;

	if ((i = req_inst(rq)) == NULL ||
	    direct_refuse(rq->c, i, rq->has_tag, rq->tag))
		return;
	if (relay_close_input(i) == -1) {
		REQ_ERR(rq, RUNNER_ECLOSED, "'%s' is not running", i->alias);
		return;
	}
	if (req_waiter(rq, i, close_done) != NULL)
		waiters_inst_event(i);	/* maybe done already */
}
