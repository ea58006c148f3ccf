/*
 * splice.c: the relay without copies, for its common case: one client
 * attached to an instance, nothing buffered, no log copy of the output.
 * Bytes then go channel -> pipe -> client and client -> pipe -> channel
 * with splice(2), and never through runnerd's memory: the copy in and
 * out of user space was most of the relay's time (make bench: relay).
 *
 * Bytes in a pipe are in flight and keep their order: output in the pipe
 * belongs to the client it was meant for and goes before anything newer
 * (the channel is not read until the pipe is empty); input in the pipe
 * goes to the child before the input buffer (relay_write_cb).  Whenever
 * the case stops holding (a second attacher, a direct lease, the end of
 * the channel), splice_unsplice puts the output back on the ordinary
 * path, in the owner's queue.  The pipes are made on first use and
 * closed when the instance has no attacher left and nothing in flight.
 */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define SPLICE_MAX	(1024 * 1024)	/* pipe size asked for, and a move */
#define SPLICE_ROUNDS	16		/* moves per event, then others' turn */
#define SPLICE_FLAGS	(SPLICE_F_NONBLOCK | SPLICE_F_MOVE)

struct splice {
	int		 out[2];	/* channel -> client */
	size_t		 outn;		/* bytes in it */
	uint64_t	 owner;		/* the client they are for */
	int		 in[2];		/* client -> channel */
	size_t		 inn;
	size_t		 incap;		/* its capacity */
	int		 off;		/* splice refused: copy from now on */
};

static int	 splice_pipes(struct inst *);
static struct client *splice_client(struct inst *);
static void	 splice_discard(int, size_t);

/* The instance's pipes, made now if need be: 0, or -1 (copy instead). */
static int
splice_pipes(struct inst *i)
{
	struct splice	*sp = i->relay.sp;
	int		 n;

	if (sp != NULL)
		return (sp->off ? -1 : 0);
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return (-1);
	if (pipe2(sp->out, O_NONBLOCK | O_CLOEXEC) == -1) {
		free(sp);
		return (-1);
	}
	if (pipe2(sp->in, O_NONBLOCK | O_CLOEXEC) == -1) {
		close(sp->out[0]);
		close(sp->out[1]);
		free(sp);
		return (-1);
	}
	/* A bigger pipe: fewer moves.  The default (64 KiB) still works. */
	(void)fcntl(sp->out[1], F_SETPIPE_SZ, SPLICE_MAX);
	(void)fcntl(sp->in[1], F_SETPIPE_SZ, SPLICE_MAX);
	n = fcntl(sp->in[1], F_GETPIPE_SZ);
	sp->incap = n > 0 ? (size_t)n : 65536;
	i->relay.sp = sp;
	return (0);
}

/* Close the pipes; what is in them is dropped. */
void
splice_close(struct inst *i)
{
	struct splice	*sp = i->relay.sp;

	if (sp == NULL)
		return;
	close(sp->out[0]);
	close(sp->out[1]);
	close(sp->in[0]);
	close(sp->in[1]);
	free(sp);
	i->relay.sp = NULL;
}

/* Close the pipes once nobody is attached and nothing is in them. */
void
splice_idle(struct inst *i)
{
	if (i->relay.sp != NULL && !i->relay.sp->off && i->relay.nattach == 0 &&
	    i->relay.sp->outn == 0 && i->relay.sp->inn == 0)
		splice_close(i);
}

/* Read and forget n bytes of a pipe. */
static void
splice_discard(int fd, size_t n)
{
	char	 tmp[16384];
	ssize_t	 r;

	while (n > 0 && (r = read(fd, tmp, n < sizeof(tmp) ? n :
	    sizeof(tmp))) > 0)
		n -= (size_t)r;
}

/* The one client splicing may serve, or NULL when the case does not hold. */
static struct client *
splice_client(struct inst *i)
{
	struct client	*c = NULL;
	size_t		 k;

	if (i->relay.fd == -1 || i->relay.direct != 0 ||
	    i->relay.nattach != 1 || buf_used(&i->relay.out) > 0 ||
	    capture_tees(i) || (i->relay.sp != NULL && i->relay.sp->off))
		return (NULL);
	for (k = 0; k < server.nclients && c == NULL; k++)
		if (server.clients[k]->attached == i->id)
			c = server.clients[k];
	if (c == NULL || c->closing || buf_used(&c->out) > 0)
		return (NULL);
	return (c);
}

/*
 * The channel is readable: move its output to the attached client.  1
 * when done here, 0 when the ordinary path must do it (the case does not
 * hold), -1 when the channel has ended.
 */
int
splice_output(struct inst *i)
{
	struct client	*c;
	struct splice	*sp;
	ssize_t		 n;
	int		 k;

	if ((c = splice_client(i)) == NULL || splice_pipes(i) == -1)
		return (0);
	sp = i->relay.sp;
	sp->owner = c->id;
	for (k = 0; k < SPLICE_ROUNDS; k++) {
		if (sp->outn == 0) {
			n = splice(i->relay.fd, NULL, sp->out[1], NULL,
			    SPLICE_MAX, SPLICE_FLAGS);
			if (n == 0 || (n == -1 && errno == ECONNRESET))
				return (-1);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				return (1);
			if (n == -1) {
				/* Not for these descriptors: copy instead. */
				log_debug("%s: splice: %s", i->alias,
				    strerror(errno));
				sp->off = 1;
				return (0);
			}
			sp->outn = (size_t)n;
		}
		if (splice_flush(i, c) != 0)
			return (1);
	}
	return (1);
}

/*
 * Move the output in the pipe to client c, whose queue is empty: 0 once
 * the pipe is empty, 1 while c cannot take more (its write watcher is on
 * and the channel is not read meanwhile), -1 when c is gone (closed).
 */
int
splice_flush(struct inst *i, struct client *c)
{
	struct splice	*sp = i->relay.sp;
	ssize_t		 n;

	while (sp != NULL && sp->outn > 0 && sp->owner == c->id) {
		n = splice(sp->out[0], NULL, c->fd, NULL, sp->outn,
		    SPLICE_FLAGS);
		if (n > 0) {
			sp->outn -= (size_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			ev_io_stop(server.loop, &i->relay.rio);
			ev_io_start(server.loop, &c->wio);
			return (1);
		}
		/* EPIPE, ECONNRESET: the client is gone, and its bytes. */
		splice_discard(sp->out[0], sp->outn);
		sp->outn = 0;
		client_close(c);
		return (-1);
	}
	return (0);
}

/*
 * Back to the ordinary path: output in flight goes to its client's
 * queue (ahead of anything newer), or away if that client is gone.
 */
void
splice_unsplice(struct inst *i)
{
	struct splice	*sp = i->relay.sp;
	struct client	*c;
	char		 tmp[65536];
	ssize_t		 n;

	if (sp == NULL || sp->outn == 0)
		return;
	c = client_find(sp->owner);
	while (sp->outn > 0 && (n = read(sp->out[0], tmp, sp->outn <
	    sizeof(tmp) ? sp->outn : sizeof(tmp))) > 0) {
		if (c != NULL)
			client_send(c, tmp, (size_t)n);
		sp->outn -= (size_t)n;
	}
	sp->outn = 0;
}

/*
 * Client c leaves, the last attacher: its output in flight goes to the
 * end of b (relay_giveback), not away.  The count moved.
 */
size_t
splice_take(struct inst *i, struct client *c, struct buf *b)
{
	struct splice	*sp = i->relay.sp;
	char		 tmp[65536];
	size_t		 moved = 0;
	ssize_t		 n;

	if (sp == NULL || sp->outn == 0 || sp->owner != c->id)
		return (0);
	while (sp->outn > 0 && (n = read(sp->out[0], tmp, sp->outn <
	    sizeof(tmp) ? sp->outn : sizeof(tmp))) > 0) {
		buf_add(b, tmp, (size_t)n);
		sp->outn -= (size_t)n;
		moved += (size_t)n;
	}
	sp->outn = 0;
	return (moved);
}

/* The input in flight will never be written: gone, counted lost. */
void
splice_lose_input(struct inst *i)
{
	struct splice	*sp = i->relay.sp;

	if (sp == NULL || sp->inn == 0)
		return;
	splice_discard(sp->in[0], sp->inn);
	i->relay.in_lost += sp->inn;
	sp->inn = 0;
}

/* Bytes of output in flight (the channel is not read meanwhile). */
size_t
splice_out_pending(const struct inst *i)
{
	return (i->relay.sp != NULL ? i->relay.sp->outn : 0);
}

/* Bytes of input in flight, not yet written to the channel. */
size_t
splice_in_pending(const struct inst *i)
{
	return (i->relay.sp != NULL ? i->relay.sp->inn : 0);
}

/*
 * Attached client c is readable: move its input to the channel.  1 when
 * done here, 0 when the ordinary path must read it (the case does not
 * hold, or the client ended: recv sees that).
 */
int
splice_input(struct inst *i, struct client *c)
{
	struct splice	*sp;
	ssize_t		 n;

	/*
	 * Only into a channel: input for one still to come (a socket app
	 * that has not accepted) queues in the ordinary path, where it
	 * waits for relay_open.
	 */
	if (i->relay.fd == -1 || !relay_takes_input(i) ||
	    i->relay.direct != 0 || buf_used(&i->relay.in) > 0 ||
	    buf_used(&c->in) > 0 || splice_pipes(i) == -1)
		return (0);
	sp = i->relay.sp;
	/*
	 * Fill the pipe, up to its capacity (the input runnerd holds, as
	 * INPUT_MAX bounds the queue); full, the client waits until the
	 * child reads (relay_write_cb resumes it).  EAGAIN with bytes in the
	 * pipe may mean it is full too: wait as well, never spin.
	 */
	if (sp->inn >= sp->incap) {
		ev_io_stop(server.loop, &c->rio);
		return (1);
	}
	n = splice(c->fd, NULL, sp->in[1], NULL, sp->incap - sp->inn,
	    SPLICE_FLAGS);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		if (sp->inn > 0)
			ev_io_stop(server.loop, &c->rio);
		return (1);
	}
	if (n <= 0) {
		if (n == -1 && errno != ECONNRESET && errno != EPIPE)
			sp->off = 1;	/* not for these: copy instead */
		return (0);
	}
	sp->inn += (size_t)n;
	i->relay.in_queued += (uint64_t)n;
	splice_write(i);
	return (1);
}

/*
 * Move the input in the pipe to the channel: 0 once it is empty, 1
 * while the channel cannot take more (its write watcher is on).  Called
 * first by relay_write_cb: these bytes came before the input buffer's.
 */
int
splice_write(struct inst *i)
{
	struct splice	*sp = i->relay.sp;
	ssize_t		 n;

	if (sp == NULL || sp->inn == 0)
		return (0);
	while (sp->inn > 0) {
		n = splice(sp->in[0], NULL, i->relay.fd, NULL, sp->inn,
		    SPLICE_FLAGS);
		if (n > 0) {
			sp->inn -= (size_t)n;
			i->relay.in_written += (uint64_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			ev_io_start(server.loop, &i->relay.wio);
			relay_stuck(i);
			return (1);
		}
		/* The child closed its input: what is in flight is lost. */
		if (n == -1 && errno != EPIPE && errno != ECONNRESET)
			log_warn("%s: splice", i->alias);
		relay_input_over(i);
	}
	waiters_inst_event(i);
	splice_idle(i);
	return (0);
}

/*
 * An upgrade: what is in the pipes goes back to the ordinary path (the
 * output to its client's queue, the input to the front of the input
 * queue: it came first), and the pipes go; the new runnerd makes its
 * own when it splices again.
 */
void
splice_park(struct inst *i)
{
	struct splice	*sp = i->relay.sp;
	struct buf	 in;
	char		 tmp[65536];
	ssize_t		 n;

	if (sp == NULL)
		return;
	splice_unsplice(i);
	if (sp->inn > 0) {
		buf_init(&in);
		while (sp->inn > 0 && (n = read(sp->in[0], tmp, sp->inn <
		    sizeof(tmp) ? sp->inn : sizeof(tmp))) > 0) {
			buf_add(&in, tmp, (size_t)n);
			sp->inn -= (size_t)n;
		}
		sp->inn = 0;
		buf_add(&in, buf_head(&i->relay.in), buf_used(&i->relay.in));
		buf_free(&i->relay.in);
		i->relay.in = in;
	}
	splice_close(i);
}
