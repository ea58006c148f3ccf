/*
 * attach.c: the attached clients' side of an instance's relay (relay.c).
 * An attached client's connection is a raw stream: what it sends is the
 * instance's input, and it gets a copy of the output from its attach on
 * (relay_fanout).  Its half-close ends the instance's input, once what
 * it sent is written; when the instance takes no more input the read
 * side of its connection is shut, so its writes fail (EPIPE) instead of
 * vanishing.  The last attacher to leave gives back what runnerd held
 * for it unsent, to the front of the buffer (nothing runnerd holds is
 * lost).  control.c hands attached connections' events to the
 * relay_client_* functions.
 */

#include <sys/socket.h>

#include <string.h>

#include "runnerd.h"

#define RELAY_SNDBUF	(1024 * 1024)	/* an attached client's socket */
#define RELAY_CLIENT_READ (256 * 1024)	/* bytes read from one at once */

static void	 relay_client_close(struct client *);
static void	 relay_client_shut(struct client *);
static void	 relay_giveback(struct inst *, struct client *);

/*
 * Input closed, not just between processes: an attacher's writes must
 * fail from its first.  Before the attach's reply is sent, as the client
 * may write as soon as it has it.
 */
void
relay_attach_input(struct inst *i, struct client *c)
{
	if ((i->relay.fd != -1 && !relay_takes_input(i)) ||
	    i->relay.closed_by_app) {
		(void)shutdown(c->fd, SHUT_RD);
		c->input_done = 1;
	}
}

/*
 * Attach a client, once relay_attach_input has refused its input or not,
 * and its reply is queued: it gets what is buffered, then the live output.
 */
void
relay_attach(struct inst *i, struct client *c)
{
	int	 n = RELAY_SNDBUF;

	splice_unsplice(i);	/* a second attacher: copy to each */
	c->mode = CLIENT_ATTACHED;
	c->attached = i->id;
	c->head = buf_used(&c->out);	/* its replies, the attach's last */
	/* Bigger bursts, fewer wake-ups: a stream now, not replies. */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &n, sizeof(n));
	i->relay.nattach++;
	relay_fanout(i);
	relay_resume(i);
	if (i->relay.closed_by_app)
		relay_clients_close(i);	/* what is buffered, then the end */
}

/*
 * The instance has ended for good: attached clients get what is still
 * queued for them, then their connection is closed, and so do those
 * following its log.
 */
void
relay_detach_all(struct inst *i)
{
	relay_detach_exited(i);
	capture_ended(i);
}

/* An attached client gets what is queued for it, then is closed. */
static void
relay_client_close(struct client *c)
{
	c->closing = 1;
	ev_io_stop(server.loop, &c->rio);
	ev_io_start(server.loop, &c->wio);
}

/* Closing, and no longer the instance's: a next process is not its. */
static void
relay_client_exited(struct client *c)
{
	relay_client_close(c);
	c->attached = 0;
}

/*
 * The instance's process has exited (restarted or not): an attach is to
 * one process, so its attached clients get what is still queued for
 * them, then their connection is closed, and they are no longer the
 * instance's (a next process's output is not theirs).  A client that
 * asked (runner_ask) learns at once that no answer will come.  Log
 * followers stay: they follow the instance (relay_detach_all ends them).
 */
void
relay_detach_exited(struct inst *i)
{
	relay_each(i, relay_client_exited);
	i->relay.nattach = 0;
	relay_resume(i);
}

/* fn on each client attached to i. */
void
relay_each(struct inst *i, void (*fn)(struct client *))
{
	size_t	 k;

	for (k = 0; k < server.nclients; k++) {
		if (server.clients[k]->attached == i->id)
			fn(server.clients[k]);
	}
}

void
relay_clients_close(struct inst *i)
{
	relay_each(i, relay_client_close);
}

/*
 * Attached clients' writes must fail, not vanish: shut the read side of
 * their connections (on a UNIX stream socket the peer's sends then fail
 * with EPIPE).  What they sent before is still read, and counted lost.
 */
static void
relay_client_shut(struct client *c)
{
	(void)shutdown(c->fd, SHUT_RD);
	c->input_done = 1;	/* its EOF is ours, not its */
	client_resume(c);	/* read what came before: lost */
}

void
relay_clients_shut(struct inst *i)
{
	relay_each(i, relay_client_shut);
}

/* Attached client c is readable: what it sends is its instance's input. */
void
relay_client_read(struct client *c)
{
	struct inst	*i;
	char		*p;
	ssize_t		 n;

	if ((i = inst_by_id(c->attached)) != NULL && splice_input(i, c) == 1)
		return;
	/* Straight into the buffer, not through a copy. */
	if ((p = buf_reserve(&c->in, RELAY_CLIENT_READ)) == NULL) {
		log_warnx("client %llu: out of memory; closing",
		    (unsigned long long)c->id);
		client_close(c);
		return;
	}
	if ((n = client_recv(c, p, RELAY_CLIENT_READ)) == -1)
		return;
	buf_commit(&c->in, (size_t)n);
	if (relay_client_input(c) == -1)
		return;			/* closed: c is gone */
	client_received(c, n > 0);
}

/*
 * Attached client c has taken all that was queued for it: the spliced
 * output in flight for it comes next, then its instance is read again.
 * 1 while c still has output coming (or is gone), else 0.
 */
int
relay_client_sent(struct client *c)
{
	struct inst	*i;

	if ((i = inst_by_id(c->attached)) == NULL)
		return (0);
	if (splice_flush(i, c) != 0)
		return (1);
	relay_resume(i);
	return (0);
}

/*
 * Attached client c: what it sent (in c->in) is the instance's input.
 * -1 when c was closed (and freed): the caller must not touch it again.
 */
int
relay_client_input(struct client *c)
{
	struct inst	*i;

	if ((i = inst_by_id(c->attached)) == NULL) {
		buf_reset(&c->in);
		return (0);
	}
	if (buf_used(&c->in) > 0) {
		/* A stream that lost bytes must end, not go on without them. */
		if (relay_input(i, buf_head(&c->in), buf_used(&c->in)) == -1) {
			client_close(c);
			return (-1);
		}
		buf_reset(&c->in);
	}
	/* It half-closed: end of input, after all it sent (once). */
	if (c->eof && !c->input_done) {
		c->input_done = 1;
		(void)relay_close_input(i);
	}
	if (relay_client_waits(c))
		ev_io_stop(server.loop, &c->rio);
	return (0);
}

/*
 * Must attached client c wait before it is read again: its instance is
 * gone, or has a full input queue (relay_write_cb resumes it)?
 */
int
relay_client_waits(const struct client *c)
{
	struct inst	*i;

	return ((i = inst_by_id(c->attached)) == NULL ||
	    (!i->relay.input_closed && !i->relay.in_eof &&
	    buf_used(&i->relay.in) > INPUT_MAX));
}

/* Attached client c is closing: the instance goes on without it. */
void
relay_client_gone(struct client *c)
{
	struct inst	*i;

	if ((i = inst_by_id(c->attached)) == NULL)
		return;
	if (--i->relay.nattach == 0)
		relay_giveback(i, c);
	splice_unsplice(i);	/* its bytes in flight: gone with it */
	splice_idle(i);
	relay_trim(i);
	relay_resume(i);
	waiters_inst_event(i);	/* read requests may have output now */
}

/*
 * The last attacher, c, leaves: the output queued for it and not sent
 * (in its queue, then in flight in the splice pipe) goes back to the
 * front of the buffer, for read requests and the next attacher.  Its
 * replies (the front c->head bytes) are not output.
 */
static void
relay_giveback(struct inst *i, struct client *c)
{
	struct buf	 b;
	size_t		 n = buf_used(&c->out) - c->head;

	buf_init(&b);
	if (n > 0)		/* an empty queue may have no memory at all */
		buf_add(&b, buf_head(&c->out) + c->head, n);
	n += splice_take(i, c, &b);
	if (buf_used(&b) == 0) {
		buf_free(&b);	/* buf_add may hold room for nothing */
		return;
	}
	buf_add(&b, buf_head(&i->relay.out), buf_used(&i->relay.out));
	if (b.failed) {
		log_warnx("%s: out of memory; %zu bytes of output dropped",
		    i->alias, n);
		i->relay.dropped += n;
		buf_free(&b);
		return;
	}
	buf_free(&i->relay.out);
	i->relay.out = b;
}
