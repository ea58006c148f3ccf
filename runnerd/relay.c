/*
 * relay.c: an instance's bytes.  Output from its channel goes to the
 * attached clients if there are any, else into its output buffer, bounded
 * by the app's output_buffer: when the buffer is full, or an attached
 * client has too much unsent, the daemon stops reading the child, whose
 * writes then block.  That is backpressure: nothing is dropped and
 * nothing grows without bound.  With overflow = "drop-oldest" the child
 * is read on when the buffer is full and the oldest output goes, counted
 * in i->dropped (attached clients that fall behind still hold it back).
 * When the app has a log file, what is read is also copied there
 * (capture_tee).  With one attacher and nothing to copy, splice.c moves
 * the bytes instead, without copying them through runnerd.  Input (write requests, attached clients) queues in a
 * buffer the channel drains as the child reads.
 */

#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define RELAY_READ	(256 * 1024)	/* bytes read from a channel at once */
#define RELAY_SNDBUF	(1024 * 1024)	/* an attached client's socket */

static void	 relay_read_cb(struct ev_loop *, ev_io *, int);
static void	 relay_write_cb(struct ev_loop *, ev_io *, int);
static void	 relay_fanout(struct inst *);
static int	 relay_read(struct inst *, size_t);
static void	 relay_trim(struct inst *);

/* Watch the instance's new channel. */
void
relay_start(struct inst *i)
{
	if (fd_nonblock(i->fd) == -1)
		log_warn("%s: fcntl", i->alias);
	ev_io_init(&i->rio, relay_read_cb, i->fd, EV_READ);
	ev_io_init(&i->wio, relay_write_cb, i->fd, EV_WRITE);
	i->rio.data = i->wio.data = i;
	relay_resume(i);
	if (buf_used(&i->in) > 0)
		ev_io_start(server.loop, &i->wio);
}

/* Close the channel; buffered output stays for readers. */
void
relay_stop(struct inst *i)
{
	if (i->fd == -1)
		return;
	direct_end(i);
	splice_unsplice(i);		/* to its client's queue */
	splice_close(i);
	ev_io_stop(server.loop, &i->rio);
	ev_io_stop(server.loop, &i->wio);
	close(i->fd);
	i->fd = -1;
	i->chan_eof = 1;
	capture_tee(i, NULL, 0);	/* its log's last line ends here */
	/* Input nobody will read: its writers hear ECLOSED. */
	buf_reset(&i->in);
	waiters_inst_event(i);
}

/*
 * Read whatever the channel still holds once the child is gone, past the
 * buffer's bound if need be (by at most what the socket held), so that
 * output written before an exit is never lost.
 */
void
relay_drain(struct inst *i)
{
	if (i->fd == -1 || i->direct != 0)	/* the direct client's bytes */
		return;
	splice_unsplice(i);		/* in flight: ahead of the rest */
	while (relay_read(i, RELAY_READ) > 0)
		;
	relay_fanout(i);
	relay_trim(i);
	waiters_inst_event(i);
}

/* drop-oldest: what is over the bound goes, oldest first, counted. */
static void
relay_trim(struct inst *i)
{
	size_t	 used = buf_used(&i->out);

	if (i->app->overflow != OVERFLOW_DROP_OLDEST ||
	    used <= i->app->output_buffer)
		return;
	buf_drop(&i->out, used - i->app->output_buffer);
	i->dropped += used - i->app->output_buffer;
}

/* Read up to max bytes into the output buffer: >0, 0 (nothing), -1 end. */
static int
relay_read(struct inst *i, size_t max)
{
	static char	 lost[RELAY_READ];	/* out of memory: read anyway */
	char		*p;
	ssize_t		 n;

	if (max > RELAY_READ)
		max = RELAY_READ;
	/* Straight into the buffer, not through a copy. */
	if ((p = buf_reserve(&i->out, max)) == NULL) {
		i->out.failed = 0;
		p = lost;
	}
	n = recv(i->fd, p, max, MSG_DONTWAIT);
	if (n > 0) {
		capture_tee(i, p, (size_t)n);
		if (p != lost)
			buf_commit(&i->out, (size_t)n);
		else {
			log_warnx("%s: out of memory; %zd bytes of output "
			    "dropped", i->alias, n);
			i->dropped += (uint64_t)n;
		}
		return (1);
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n == -1 && errno != ECONNRESET)
		log_warn("%s: recv", i->alias);
	return (-1);
}

static void
relay_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct inst	*i = w->data;
	size_t		 room, used = buf_used(&i->out);
	int		 r, drop;

	(void)loop;
	(void)revents;
	if ((r = splice_output(i)) != 0) {
		if (r == -1)
			relay_stop(i);	/* the other side closed */
		return;
	}
	drop = i->app->overflow == OVERFLOW_DROP_OLDEST;
	room = i->app->output_buffer > used ? i->app->output_buffer - used : 0;
	if (room == 0 && i->nattach == 0 && !drop) {
		relay_resume(i);
		return;
	}
	r = relay_read(i, i->nattach > 0 || drop ? RELAY_READ : room);
	if (r == -1) {
		/* The other side closed: no more output, no more input. */
		relay_stop(i);
		return;
	}
	relay_fanout(i);
	relay_trim(i);
	relay_resume(i);
	waiters_inst_event(i);
}

/* Hand buffered output to the attached clients. */
static void
relay_fanout(struct inst *i)
{
	struct client	*c;
	size_t		 k;
	ssize_t		 n;

	if (i->nattach == 0 || buf_used(&i->out) == 0)
		return;
	for (k = 0; k < server.nclients; k++) {
		c = server.clients[k];
		if (c->attached != i->id)
			continue;
		/* Nothing queued before it: straight out, no copy. */
		n = 0;
		if (buf_used(&c->out) == 0 && !c->closing &&
		    (n = send(c->fd, buf_head(&i->out), buf_used(&i->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT)) < 0)
			n = 0;		/* its write callback hears why */
		if ((size_t)n < buf_used(&i->out))
			client_send(c, buf_head(&i->out) + n,
			    buf_used(&i->out) - (size_t)n);
	}
	buf_reset(&i->out);
}

/*
 * Read the child only while there is somewhere to put its output: room
 * in the buffer, or attached clients that keep up.
 */
void
relay_resume(struct inst *i)
{
	size_t	 k;
	int	 go;

	if (i->fd == -1 || i->direct != 0)
		return;
	go = buf_used(&i->out) < i->app->output_buffer ||
	    i->app->overflow == OVERFLOW_DROP_OLDEST;
	if (i->nattach > 0) {
		go = 1;
		for (k = 0; k < server.nclients; k++) {
			if (server.clients[k]->attached == i->id &&
			    buf_used(&server.clients[k]->out) > CLIENT_OUT_MAX)
				go = 0;
		}
	}
	if (splice_out_pending(i) > 0)
		go = 0;		/* in flight to its client first */
	if (go)
		ev_io_start(server.loop, &i->rio);
	else
		ev_io_stop(server.loop, &i->rio);
}

/*
 * Queue input for the child.  -1 when out of memory: nothing was queued,
 * and the caller must say so to whoever sent it (never drop it quietly).
 */
int
relay_input(struct inst *i, const void *p, size_t n)
{
	if (i->fd == -1 || i->input_closed || n == 0)
		return (0);
	if (buf_add(&i->in, p, n) == -1) {
		log_warnx("%s: out of memory for input", i->alias);
		i->in.failed = 0;
		return (-1);
	}
	i->in_queued += n;
	if (i->direct == 0)		/* else it waits for the hand-back */
		ev_io_start(server.loop, &i->wio);
	return (0);
}

static void
relay_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct inst	*i = w->data;
	ssize_t		 n;
	size_t		 k;

	(void)revents;
	/* Spliced input came first. */
	if (splice_write(i) != 0)
		return;
	n = 0;
	if (buf_used(&i->in) > 0)
		n = send(i->fd, buf_head(&i->in), buf_used(&i->in),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* The child closed its input: what is queued cannot go. */
		if (errno != EPIPE && errno != ECONNRESET)
			log_warn("%s: send", i->alias);
		i->input_closed = 1;
		buf_reset(&i->in);
		ev_io_stop(loop, w);
		waiters_inst_event(i);
		return;
	}
	buf_drop(&i->in, (size_t)n);
	i->in_written += (uint64_t)n;
	if (buf_used(&i->in) == 0)
		ev_io_stop(loop, w);
	waiters_inst_event(i);
	/* Attached writers paused on a full queue may go on. */
	if (i->nattach > 0 && buf_used(&i->in) <= INPUT_MAX) {
		for (k = 0; k < server.nclients; k++) {
			if (server.clients[k]->attached == i->id)
				client_resume(server.clients[k]);
		}
	}
}

/* Take up to max bytes of buffered output (a read request). */
size_t
relay_take(struct inst *i, void *p, size_t max)
{
	size_t	 n = buf_used(&i->out);

	if (n > max)
		n = max;
	if (n > 0) {
		memcpy(p, buf_head(&i->out), n);
		buf_drop(&i->out, n);
		relay_resume(i);
	}
	return (n);
}

/* Attach a client: it gets what is buffered, then the live output. */
void
relay_attach(struct inst *i, struct client *c)
{
	int	 n = RELAY_SNDBUF;

	splice_unsplice(i);	/* a second attacher: copy to each */
	c->attached = i->id;
	/* Bigger bursts, fewer wake-ups: a stream now, not replies. */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &n, sizeof(n));
	i->nattach++;
	relay_fanout(i);
	relay_resume(i);
}

/*
 * The instance has ended for good: attached clients get what is still
 * queued for them, then their connection is closed.
 */
void
relay_detach_all(struct inst *i)
{
	struct client	*c;
	size_t		 k;

	for (k = 0; k < server.nclients; k++) {
		c = server.clients[k];
		if (c->attached != i->id)
			continue;
		c->closing = 1;
		ev_io_stop(server.loop, &c->rio);
		ev_io_start(server.loop, &c->wio);
	}
	capture_ended(i);	/* and those following its log */
}

/* A direct channel holds the instance's descriptor: leave it alone. */
void
relay_pause(struct inst *i)
{
	splice_unsplice(i);
	ev_io_stop(server.loop, &i->rio);
	ev_io_stop(server.loop, &i->wio);
}

/* The direct channel was handed back: relay again, input first. */
void
relay_unpause(struct inst *i)
{
	if (i->fd == -1)
		return;
	relay_resume(i);
	if (buf_used(&i->in) > 0)
		ev_io_start(server.loop, &i->wio);
}
