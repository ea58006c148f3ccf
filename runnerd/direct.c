/*
 * direct.c: direct channels.  On a "direct" request runnerd hands the
 * instance's channel descriptor to the client (SCM_RIGHTS, on the
 * reply's first byte), with the output it had buffered in the reply,
 * and steps aside: the client then talks to the instance without a copy
 * through runnerd.  The request's connection is the lease: while it is
 * open runnerd neither reads nor writes the channel, and when it closes
 * (the client closed the channel, or died) runnerd takes it back and
 * relays again.  When the process ends runnerd closes the lease itself,
 * which tells the client that the channel is over once drained.
 *
 * The trade-off, for speed: while the lease is held nothing of the
 * instance's output is buffered, attached clients get nothing and their
 * input waits (bounded, as always), write and read requests are refused
 * with EPERM, and only one client holds it.  Input already queued in
 * runnerd when direct is asked for makes runnerd refuse (EPERM) rather
 * than hand over: those bytes could no longer be written, or would
 * reach the child after what the direct client writes first.
 */

#include "runnerd.h"

/*
 * Hand i's channel to client c, answering its direct request; c's
 * connection becomes the lease.  Refusals are answered like any other.
 */
void
direct_take(struct client *c, struct inst *i, int has_tag, long long tag)
{
	struct buf	 b;
	const char	*data;
	size_t		 len;
	int		 rc;

	if (relay_holder(i) != 0) {
		reply_err(c->id, has_tag, tag, RUNNER_EEXIST, "'%s' is already "
		    "held by a direct channel (client %llu)", i->alias,
		    (unsigned long long)relay_holder(i));
		return;
	}
	if (c->direct != 0) {
		reply_err(c->id, has_tag, tag, RUNNER_EINVAL, "this "
		    "connection already holds a direct channel");
		return;
	}
	if (relay_fd(i) == -1 || i->state != INST_RUNNING) {
		reply_err(c->id, has_tag, tag, RUNNER_ECLOSED, "'%s' has no "
		    "live channel to hand over (it is %s)", i->alias,
		    inst_state_name(i->state));
		return;
	}
	if (relay_input_pending(i) > 0) {
		reply_err(c->id, has_tag, tag, RUNNER_EPERM, "'%s' has %zu "
		    "bytes of input queued that it has not read yet; ask "
		    "again once it has", i->alias, relay_input_pending(i));
		return;
	}
	/* The descriptor rides on the reply: earlier replies go first. */
	client_flush(c);
	if (buf_used(&c->out) > 0) {
		reply_err(c->id, has_tag, tag, RUNNER_EINVAL, "earlier "
		    "replies on this connection are still unsent; read them "
		    "before asking for a direct channel");
		return;
	}

	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, i->pid);
	len = relay_peek(i, &data);
	jw_key(&b, "data");
	jw_b64(&b, data, len);
	jw_key(&b, "bytes");
	jw_int(&b, (long long)len);
	jw_close(&b, '}');
	rc = reply_ok_fd(c, has_tag, tag, &b, relay_fd(i));
	buf_free(&b);
	if (rc == -1)
		return;

	relay_lease(i, c->id);
	c->direct = i->id;
	log_info("%s: channel handed to client %llu (direct)", i->alias,
	    (unsigned long long)c->id);
}

/* The lease's connection is closing: take the channel back. */
void
direct_client_gone(struct client *c)
{
	struct inst	*i;

	if (c->direct == 0)
		return;
	if ((i = inst_by_id(c->direct)) != NULL && relay_holder(i) == c->id) {
		log_info("%s: channel handed back by client %llu", i->alias,
		    (unsigned long long)c->id);
		relay_unlease(i);
	}
	c->direct = 0;
}

/*
 * The channel client id holds is closing (its process ended): end the
 * lease by closing its connection, once the replies on it are sent, so
 * that the client knows the channel is over once it has read what the
 * process wrote.
 */
void
direct_end(uint64_t id)
{
	struct client	*c;

	if ((c = client_find(id)) != NULL) {
		c->direct = 0;
		c->closing = 1;
		ev_io_stop(server.loop, &c->rio);
		ev_io_start(server.loop, &c->wio);
	}
}

/*
 * A request that would read or write i's channel: refused (EPERM) while
 * a direct channel holds it.  1 when refused (answered), else 0.
 */
int
direct_refuse(struct client *c, struct inst *i, int has_tag, long long tag)
{
	if (relay_holder(i) == 0)
		return (0);
	reply_err(c->id, has_tag, tag, RUNNER_EPERM, "'%s' is held by a "
	    "direct channel (client %llu): runnerd neither reads nor writes "
	    "it until that is closed", i->alias,
	    (unsigned long long)relay_holder(i));
	return (1);
}
