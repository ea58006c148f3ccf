/*
 * relay.c: an instance's bytes.  Output from its channel goes to the
 * attached clients if there are any, else into its output buffer, bounded
 * by the app's output_buffer: when the buffer is full, or an attached
 * client has too much unsent, the daemon stops reading the child, whose
 * writes then block.  That is backpressure: nothing is dropped and
 * nothing grows without bound.  With overflow = "drop-oldest" the child
 * is read on when the buffer is full and the oldest output goes, counted
 * in dropped (attached clients that fall behind still hold it back).
 * When the app has a log file, what is read is also copied there
 * (capture_tee).  With one attacher and nothing to copy, splice.c moves
 * the bytes instead, without copying them through runnerd.  Input (write
 * requests, attached clients) queues in a buffer the channel drains as
 * the child reads.
 *
 * End of input (close_input, an attacher's half-close) waits for the
 * input queued before it, then shuts the channel's write side: the child
 * reads EOF and may go on writing.  Once the child takes no more input
 * (that, or it closed its end), no byte is taken into the void: what was
 * queued and what comes later is counted in in_lost, and attached
 * clients' connections have their read side shut, so that their writes
 * fail (EPIPE) at once.
 *
 * Who gets the output: the attached clients, each a copy, from its
 * attach on; with nobody attached, the buffer, for read requests and the
 * next attacher (who gets it first).  When the last attacher leaves,
 * what was queued for it and not sent goes back to the buffer's front:
 * only what was already in its connection's socket is gone with it.
 *
 * The state is the instance's struct relay, touched only here, in
 * attach.c (the attached clients' side of the stream) and in splice.c;
 * the rest of runnerd asks their functions.
 */

#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define RELAY_READ	(256 * 1024)	/* bytes read from a channel at once */
#define RELAY_FIRST	4096		/* ... by a channel's first read */
#define RELAY_PROBE	0.25		/* seconds between probes of a stuck
					   channel's reader */

static void	 relay_read_cb(struct ev_loop *, ev_io *, int);
static void	 relay_write_cb(struct ev_loop *, ev_io *, int);
static void	 relay_probe_cb(struct ev_loop *, ev_timer *, int);
static int	 relay_read(struct inst *, size_t);
static void	 relay_pause(struct inst *);
static void	 relay_unpause(struct inst *);
static void	 relay_drop_input(struct inst *);
static void	 relay_shut_input(struct inst *);
static void	 relay_clients_end(struct inst *);

/* A new instance: no channel yet, nothing buffered. */
void
relay_init(struct inst *i)
{
	i->relay.fd = -1;
	buf_init(&i->relay.out);
	buf_init(&i->relay.in);
	ev_timer_init(&i->relay.probe, relay_probe_cb, RELAY_PROBE,
	    RELAY_PROBE);
	i->relay.probe.data = i;
}

/* The instance goes: what is still buffered goes with it. */
void
relay_free(struct inst *i)
{
	splice_close(i);
	ev_timer_stop(server.loop, &i->relay.probe);
	buf_free(&i->relay.out);
	buf_free(&i->relay.in);
}

/* Relay the instance's new channel, fd (a spawn's, or a socket's). */
void
relay_open(struct inst *i, int fd)
{
	i->relay.fd = fd;
	/* A new process (a restart): its input is open again. */
	i->relay.input_closed = 0;
	i->relay.in_eof = 0;
	i->relay.closed_by_app = 0;
	if (fd_nonblock(i->relay.fd) == -1)
		log_warn("%s: fcntl", i->alias);
	ev_io_init(&i->relay.rio, relay_read_cb, i->relay.fd, EV_READ);
	ev_io_init(&i->relay.wio, relay_write_cb, i->relay.fd, EV_WRITE);
	i->relay.rio.data = i->relay.wio.data = i;
	relay_resume(i);
	if (buf_used(&i->relay.in) > 0)
		ev_io_start(server.loop, &i->relay.wio);
}

/*
 * Input queued, or in flight in the splice pipe, that will never be
 * written: dropped, counted lost, and settled (in_dropped) for the
 * writes waiting on it, which are answered, not left waiting for bytes
 * no process will read.
 */
static void
relay_drop_input(struct inst *i)
{
	i->relay.drop_from = relay_settled(i);
	i->relay.in_dropped += splice_in_pending(i) + buf_used(&i->relay.in);
	i->relay.drop_to = relay_settled(i);
	splice_lose_input(i);
	i->relay.in_lost += buf_used(&i->relay.in);
	buf_reset(&i->relay.in);
}

/*
 * A new process whose channel comes later (a socket app until it
 * accepts): its input is open, and queues until relay_open.
 */
void
relay_await(struct inst *i)
{
	i->relay.input_closed = 0;
	i->relay.in_eof = 0;
	i->relay.closed_by_app = 0;
}

/*
 * Close the channel; buffered output stays for readers.  With no channel
 * (a socket app that never accepted), the input queued for one is lost.
 */
void
relay_stop(struct inst *i)
{
	if (i->relay.fd == -1) {
		if (i->relay.input_closed)
			return;
		relay_drop_input(i);
		i->relay.input_closed = 1;
		waiters_inst_event(i);
		return;
	}
	if (i->relay.direct != 0) {
		direct_end(i->relay.direct);	/* the lease ends with it */
		i->relay.direct = 0;
	}
	splice_unsplice(i);		/* to its client's queue */
	relay_drop_input(i);
	splice_close(i);
	ev_io_stop(server.loop, &i->relay.rio);
	ev_io_stop(server.loop, &i->relay.wio);
	ev_timer_stop(server.loop, &i->relay.probe);
	close(i->relay.fd);
	i->relay.fd = -1;
	capture_tee(i, NULL, 0);	/* its log's last line ends here */
	/*
	 * Input nobody will read: its writers hear ECLOSED, and until a new
	 * process opens a channel (relay_open) more is counted lost.  The
	 * attached clients are left as they are: the process's exit is what
	 * ends them (instance.c).
	 */
	buf_reset(&i->relay.in);
	i->relay.input_closed = 1;
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
	/* Closed, or leased: the direct client's bytes. */
	if (i->relay.fd == -1 || i->relay.direct != 0)
		return;
	splice_unsplice(i);		/* in flight: ahead of the rest */
	while (relay_read(i, RELAY_READ) > 0)
		;
	relay_fanout(i);
	relay_trim(i);
	waiters_inst_event(i);
}

/* drop-oldest: what is over the bound goes, oldest first, counted. */
void
relay_trim(struct inst *i)
{
	size_t	 used = buf_used(&i->relay.out);

	if (i->app->overflow != OVERFLOW_DROP_OLDEST ||
	    used <= i->app->output_buffer)
		return;
	buf_drop(&i->relay.out, used - i->app->output_buffer);
	i->relay.dropped += used - i->app->output_buffer;
}

/* Read up to max bytes into the output buffer: >0, 0 (nothing), -1 end. */
static int
relay_read(struct inst *i, size_t max)
{
	static char	 lost[RELAY_READ];	/* out of memory: read anyway */
	char		 first[RELAY_FIRST], *p;
	ssize_t		 n;

	/*
	 * RELAY_FIRST at first, doubled by each read that fills it: a busy
	 * channel reads RELAY_READ at a time after a few, and a quiet
	 * child, whose one read finds its end, costs no buffer of
	 * RELAY_READ (nor its mmap and munmap, nor a heap spread by the
	 * threshold malloc raises after them).
	 */
	if (i->relay.ask < RELAY_FIRST)
		i->relay.ask = RELAY_FIRST;
	if (max > i->relay.ask)
		max = i->relay.ask;
	if (max > RELAY_READ)
		max = RELAY_READ;
	/*
	 * Straight into the buffer, not through a copy, once it has one.
	 * Until then onto the stack: the read that finds a quiet child's
	 * end needs no buffer, and a stop of 1000 made one each (4 MB of
	 * heap touched, then given back).
	 */
	if (i->relay.out.cap == 0) {
		if (max > sizeof(first))
			max = sizeof(first);
		p = first;
	} else if ((p = buf_reserve(&i->relay.out, max)) == NULL) {
		i->relay.out.failed = 0;
		p = lost;
	}
	n = recv(i->relay.fd, p, max, MSG_DONTWAIT);
	if (n > 0 && (size_t)n == max && i->relay.ask < RELAY_READ)
		i->relay.ask *= 2;
	if (n > 0) {
		capture_tee(i, p, (size_t)n);
		if (p == first) {
			if (buf_add(&i->relay.out, first, (size_t)n) == -1) {
				i->relay.out.failed = 0;
				p = lost;
			}
		} else if (p != lost)
			buf_commit(&i->relay.out, (size_t)n);
		if (p == lost) {
			log_warnx("%s: out of memory; %zd bytes of output "
			    "dropped", i->alias, n);
			i->relay.dropped += (uint64_t)n;
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
	size_t		 room, used = buf_used(&i->relay.out);
	int		 r, drop;

	(void)loop;
	(void)revents;
	if ((r = splice_output(i)) != 0) {
		if (r == -1)
			relay_clients_end(i);	/* the other side closed */
		return;
	}
	drop = i->app->overflow == OVERFLOW_DROP_OLDEST;
	room = i->app->output_buffer > used ? i->app->output_buffer - used : 0;
	if (room == 0 && i->relay.nattach == 0 && !drop) {
		relay_resume(i);
		return;
	}
	r = relay_read(i, i->relay.nattach > 0 || drop ? RELAY_READ : room);
	if (r == -1) {
		/* The other side closed: no more output, no more input. */
		relay_clients_end(i);
		return;
	}
	relay_fanout(i);
	relay_trim(i);
	relay_resume(i);
	waiters_inst_event(i);
}

/* Hand buffered output to the attached clients. */
void
relay_fanout(struct inst *i)
{
	struct client	*c;
	size_t		 k;
	ssize_t		 n;

	if (i->relay.nattach == 0 || buf_used(&i->relay.out) == 0)
		return;
	for (k = 0; k < server.nclients; k++) {
		c = server.clients[k];
		if (c->attached != i->id)
			continue;
		/* Nothing queued before it: straight out, no copy. */
		n = 0;
		if (buf_used(&c->out) == 0 && !c->closing &&
		    (n = send(c->fd, buf_head(&i->relay.out),
		    buf_used(&i->relay.out), MSG_NOSIGNAL | MSG_DONTWAIT)) < 0)
			n = 0;		/* its write callback hears why */
		if ((size_t)n < buf_used(&i->relay.out))
			client_send(c, buf_head(&i->relay.out) + n,
			    buf_used(&i->relay.out) - (size_t)n);
	}
	buf_reset(&i->relay.out);
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

	if (i->relay.fd == -1 || i->relay.direct != 0)
		return;
	go = buf_used(&i->relay.out) < i->app->output_buffer ||
	    i->app->overflow == OVERFLOW_DROP_OLDEST;
	if (i->relay.nattach > 0) {
		go = 1;
		for (k = 0; k < server.nclients; k++) {
			if (server.clients[k]->attached == i->id &&
			    buf_used(&server.clients[k]->out) > CLIENT_OUT_MAX)
				go = 0;
		}
	}
	if (i->relay.sp != NULL && splice_out_pending(i) > 0)
		go = 0;		/* in flight to its client first */
	if (go)
		ev_io_start(server.loop, &i->relay.rio);
	else
		ev_io_stop(server.loop, &i->relay.rio);
}

/*
 * Queue input for the child.  -1 when out of memory: nothing was queued,
 * and the caller must say so to whoever sent it (never drop it quietly).
 */
int
relay_input(struct inst *i, const void *p, size_t n)
{
	if (n == 0)
		return (0);
	/*
	 * Nobody will read it: counted, never taken quietly.  Before the
	 * first channel (a socket app connecting) it waits for it.
	 */
	if (i->relay.input_closed || i->relay.in_eof) {
		i->relay.in_lost += n;
		return (0);
	}
	if (buf_add(&i->relay.in, p, n) == -1) {
		log_warnx("%s: out of memory for input", i->alias);
		i->relay.in.failed = 0;
		return (-1);
	}
	i->relay.in_queued += n;
	/* Leased, it waits for the hand-back; no channel, for one. */
	if (i->relay.direct == 0 && i->relay.fd != -1)
		ev_io_start(server.loop, &i->relay.wio);
	return (0);
}

static void
relay_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct inst	*i = w->data;
	ssize_t		 n;

	(void)revents;
	/* Spliced input came first. */
	if (splice_write(i) != 0)
		return;
	n = 0;
	if (buf_used(&i->relay.in) > 0)
		n = send(i->relay.fd, buf_head(&i->relay.in),
		    buf_used(&i->relay.in), MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR) {
			relay_stuck(i);
			return;
		}
		/* The child closed its input: what is queued cannot go. */
		if (errno != EPIPE && errno != ECONNRESET)
			log_warn("%s: send", i->alias);
		relay_input_over(i);
		return;
	}
	buf_drop(&i->relay.in, (size_t)n);
	i->relay.in_written += (uint64_t)n;
	if (buf_used(&i->relay.in) == 0) {
		ev_io_stop(loop, w);
		relay_shut_input(i);	/* an end of input that waited */
	}
	waiters_inst_event(i);
	/* Attached writers paused on a full queue may go on. */
	if (i->relay.nattach > 0 && buf_used(&i->relay.in) <= INPUT_MAX)
		relay_each(i, client_resume);
}

/* Take up to max bytes of buffered output (a read request). */
size_t
relay_take(struct inst *i, void *p, size_t max)
{
	size_t	 n = buf_used(&i->relay.out);

	if (n > max)
		n = max;
	if (n > 0) {
		memcpy(p, buf_head(&i->relay.out), n);
		buf_drop(&i->relay.out, n);
		relay_resume(i);
	}
	return (n);
}

/*
 * The channel's other side closed: no more output, no more input.  A
 * socket app that closed the connection may live on, and nothing will
 * come on this channel again: its attachers end, not wait forever.  (A
 * stdio app's channel ends with its process, which ends them anyway.)
 */
static void
relay_clients_end(struct inst *i)
{
	relay_stop(i);
	if (i->app->type == APP_SOCKET) {
		i->relay.closed_by_app = 1;
		relay_clients_shut(i);
		relay_clients_close(i);
	}
}

/* A direct channel holds the instance's descriptor: leave it alone. */
static void
relay_pause(struct inst *i)
{
	splice_unsplice(i);
	ev_io_stop(server.loop, &i->relay.rio);
	ev_io_stop(server.loop, &i->relay.wio);
}

/* The direct channel was handed back: relay again, input first. */
static void
relay_unpause(struct inst *i)
{
	if (i->relay.fd == -1)
		return;
	relay_resume(i);
	if (buf_used(&i->relay.in) > 0)
		ev_io_start(server.loop, &i->relay.wio);
	relay_shut_input(i);
}

/* The channel's descriptor, or -1 when there is none. */
int
relay_fd(const struct inst *i)
{
	return (i->relay.fd);
}

/* Does the channel take input (open, and its reader not gone)? */
int
relay_takes_input(const struct inst *i)
{
	/* A process still starting takes it: it queues for the channel. */
	return ((i->relay.fd != -1 || i->pid > 0) && !i->relay.input_closed &&
	    !i->relay.in_eof);
}

/*
 * End the child's input once what is queued before now is written
 * (close_input, an attacher's half-close): 0, or -1 when there is no
 * channel.  Input that comes after is not taken (in_lost).
 */
int
relay_close_input(struct inst *i)
{
	if (i->relay.fd == -1)
		return (-1);
	if (i->relay.input_closed || i->relay.in_eof)
		return (0);
	i->relay.in_eof = 1;
	relay_clients_shut(i);
	relay_shut_input(i);
	return (0);
}

/* Is an end of input still waiting for the input queued before it? */
int
relay_closing_input(const struct inst *i)
{
	return (i->relay.fd != -1 && i->relay.in_eof &&
	    !i->relay.input_closed);
}

/* The asked end of input, once the queue is out: shut the write side. */
static void
relay_shut_input(struct inst *i)
{
	if (!relay_closing_input(i) || i->relay.direct != 0 ||
	    relay_input_pending(i) > 0)
		return;
	if (shutdown(i->relay.fd, SHUT_WR) == -1 && errno != ENOTCONN)
		log_warn("%s: shutdown", i->alias);
	relay_input_over(i);
}

/*
 * The child takes no more input (it closed it, or its end was asked):
 * what is still queued is lost, counted, and attachers are told.
 */
void
relay_input_over(struct inst *i)
{
	i->relay.input_closed = 1;
	relay_drop_input(i);
	ev_io_stop(server.loop, &i->relay.wio);
	ev_timer_stop(server.loop, &i->relay.probe);
	relay_clients_shut(i);
	waiters_inst_event(i);
}

/*
 * The channel takes no input now (EAGAIN).  A reader that shuts its read
 * side with our bytes unread in its socket never makes the channel
 * writable again, and no event says so; only a send says EPIPE.  So
 * while input waits, a zero-byte send asks every RELAY_PROBE seconds.
 */
void
relay_stuck(struct inst *i)
{
	if (!ev_is_active(&i->relay.probe))
		ev_timer_again(server.loop, &i->relay.probe);
}

static void
relay_probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct inst	*i = w->data;

	(void)revents;
	if (i->relay.fd == -1 || i->relay.direct != 0 ||
	    relay_input_pending(i) == 0) {
		ev_timer_stop(loop, w);
		return;
	}
	if (send(i->relay.fd, "", 0, MSG_NOSIGNAL | MSG_DONTWAIT) == -1 &&
	    (errno == EPIPE || errno == ECONNRESET))
		relay_input_over(i);
}

/* Bytes of input that never reached the child. */
uint64_t
relay_lost(const struct inst *i)
{
	return (i->relay.in_lost);
}

/* Bytes ever queued as input: a write is done once this many are written. */
uint64_t
relay_queued(const struct inst *i)
{
	return (i->relay.in_queued);
}

/*
 * Bytes ever queued as input and settled: written, or dropped unwritten.
 * Queued bytes settle in order, so a write whose bytes were queued as
 * [from, until) of them is over once this reaches until.
 */
uint64_t
relay_settled(const struct inst *i)
{
	return (i->relay.in_written + i->relay.in_dropped);
}

/*
 * Of a settled write's bytes, [from, until), how many were dropped?  A
 * drop takes the whole queue and wakes the waiters at once, so only the
 * last one can have taken part of a write not answered yet.
 */
uint64_t
relay_dropped_of(const struct inst *i, uint64_t from, uint64_t until)
{
	uint64_t	 lo = from > i->relay.drop_from ? from :
			    i->relay.drop_from;
	uint64_t	 hi = until < i->relay.drop_to ? until :
			    i->relay.drop_to;

	return (hi > lo ? hi - lo : 0);
}

/* Bytes ever written to the channel. */
uint64_t
relay_written(const struct inst *i)
{
	return (i->relay.in_written);
}

/* Input queued, or in flight, that the child has not read yet. */
size_t
relay_input_pending(const struct inst *i)
{
	return (buf_used(&i->relay.in) + splice_in_pending(i));
}

/* Output buffered, not yet read or sent. */
size_t
relay_buffered(const struct inst *i)
{
	return (buf_used(&i->relay.out));
}

/* The buffered output, left where it is: its length, and *p. */
size_t
relay_peek(const struct inst *i, const char **p)
{
	*p = buf_head(&i->relay.out);
	return (buf_used(&i->relay.out));
}

/* How many clients are attached. */
int
relay_attached(const struct inst *i)
{
	return (i->relay.nattach);
}

/* The status counters: "buffered" and "dropped" keys, into b. */
void
relay_json(struct buf *b, const struct inst *i)
{
	jw_key(b, "buffered");
	jw_int(b, (long long)buf_used(&i->relay.out));
	jw_key(b, "dropped");
	jw_int(b, (long long)i->relay.dropped);
	jw_key(b, "attached");
	jw_int(b, i->relay.nattach);
	jw_key(b, "input_closed");
	jw_bool(b, i->relay.input_closed || i->relay.in_eof);
	jw_key(b, "input_lost");
	jw_int(b, (long long)i->relay.in_lost);
}

/* The client holding the channel (direct.c), or 0. */
uint64_t
relay_holder(const struct inst *i)
{
	return (i->relay.direct);
}

/*
 * Client id takes the channel (direct.c): the buffered output went with
 * its reply, and runnerd leaves the descriptor alone until it is back.
 */
void
relay_lease(struct inst *i, uint64_t id)
{
	buf_reset(&i->relay.out);	/* handed over */
	i->relay.direct = id;
	relay_pause(i);
}

/* The channel is handed back: relay again. */
void
relay_unlease(struct inst *i)
{
	i->relay.direct = 0;
	relay_unpause(i);
}

/* An upgrade (carry.c): the channel, and the bytes held both ways. */
void
relay_save(struct hand *h, const struct inst *i)
{
	const struct relay	*r = &i->relay;

	hand_fd(h, "relay_fd", r->fd);
	hand_int(h, "relay_input_closed", r->input_closed);
	hand_int(h, "relay_in_eof", r->in_eof);
	hand_int(h, "relay_closed_by_app", r->closed_by_app);
	hand_int(h, "relay_in_lost", (long long)r->in_lost);
	hand_int(h, "relay_in_queued", (long long)r->in_queued);
	hand_int(h, "relay_in_written", (long long)r->in_written);
	hand_int(h, "relay_in_dropped", (long long)r->in_dropped);
	hand_int(h, "relay_drop_from", (long long)r->drop_from);
	hand_int(h, "relay_drop_to", (long long)r->drop_to);
	hand_int(h, "relay_dropped", (long long)r->dropped);
	hand_int(h, "relay_direct", (long long)r->direct);
	hand_bytes(h, "relay_out", buf_head(&r->out), buf_used(&r->out));
	hand_bytes(h, "relay_in", buf_head(&r->in), buf_used(&r->in));
}

void
relay_load(struct hand *h, struct inst *i)
{
	struct relay	*r = &i->relay;
	uint64_t	 direct;
	int		 fd, closed, eof, by_app;

	fd = hand_get_fd(h, "relay_fd");
	closed = (int)hand_get_int(h, "relay_input_closed");
	eof = (int)hand_get_int(h, "relay_in_eof");
	by_app = (int)hand_get_int(h, "relay_closed_by_app");
	r->in_lost = (uint64_t)hand_get_int(h, "relay_in_lost");
	r->in_queued = (uint64_t)hand_get_int(h, "relay_in_queued");
	r->in_written = (uint64_t)hand_get_int(h, "relay_in_written");
	r->in_dropped = (uint64_t)hand_get_int(h, "relay_in_dropped");
	r->drop_from = (uint64_t)hand_get_int(h, "relay_drop_from");
	r->drop_to = (uint64_t)hand_get_int(h, "relay_drop_to");
	r->dropped = (uint64_t)hand_get_int(h, "relay_dropped");
	direct = (uint64_t)hand_get_int(h, "relay_direct");
	if (hand_get_bytes(h, "relay_out", &r->out) == -1 ||
	    hand_get_bytes(h, "relay_in", &r->in) == -1)
		return;
	if (fd != -1)
		relay_open(i, fd);
	r->input_closed = closed;
	r->in_eof = eof;
	r->closed_by_app = by_app;
	if (direct != 0)
		relay_lease(i, direct);
}
