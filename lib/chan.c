/*
 * chan.c: channels.  The instance and every handle share one struct chan
 * holding the non-blocking stream socket (a socketpair end for stdio apps,
 * a connection for socket apps), so a handle stays valid after its
 * instance, or its whole runner, is gone: it then drains what the
 * instance wrote and reports RUNNER_ECLOSED.  The last holder closes the
 * socket.
 *
 * Writes use send(MSG_NOSIGNAL), so writing to a dead child gives EPIPE,
 * not SIGPIPE, without touching the program's signal handling.  EPIPE
 * also means the child takes no more input while it may still write:
 * it closed its end, or (through runnerd, which then shuts the read side
 * of the attach connection) its input was closed; in every case the
 * bytes not written are not delivered, and a write says RUNNER_ECLOSED.
 *
 * End of input is a half-close, shutdown(SHUT_WR), the same in both
 * backends: in-process on the child's own socket; through runnerd on the
 * attach connection, which runnerd passes on once the input queued
 * before it is written; on a direct channel on the instance's socket.
 * Through ssh, what is written is escaped and a half-close marked first,
 * and a close is ended as ssh.c says (ssh_send, ssh_close).
 *
 * Through runnerd the socket is a connection to runnerd (attach), or for
 * a direct channel the instance's own socket, passed by runnerd, plus
 * the lease: the connection whose closing hands the channel back, and
 * which runnerd closes when the instance's process ends.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

static ssize_t	chan_recv(struct runner_channel *, void *, size_t);

/* A channel over fd (taken over; made non-blocking), held once. */
struct chan *
chan_new(int fd)
{
	struct chan	*c;

	if (fd_nonblock(fd) == -1 || (c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->refs = 1;
	c->fd = fd;
	c->lease = -1;
	buf_init(&c->in);
	return (c);
}

/*
 * The instance has ended: whatever it wrote is already queued on the
 * socket, so once that is read the channel is closed, even if a stray
 * grandchild still holds the other end.
 */
void
chan_gone(struct chan *c)
{
	c->gone = 1;
}

/* Name the channel after its alias, for messages. */
void
chan_name(struct chan *c, const char *alias)
{
	snprintf(c->alias, sizeof(c->alias), "%s", alias);
}

/* Drop one hold; the last closes the socket. */
void
chan_unref(struct chan *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	if (c->owner != NULL)
		*c->owner = NULL;
	if (c->esc)		/* through ssh: ssh.c says how */
		ssh_close(c->fd, c->ssh);
	else
		ssh_hangup(c->fd, c->ssh);
	/* After the channel: runnerd takes it back once this closes. */
	if (c->lease != -1)
		close(c->lease);
	buf_free(&c->in);
	free(c);
}

/* A new handle on c for the caller; NULL when out of memory. */
struct runner_channel *
chan_handle(struct chan *c)
{
	struct runner_channel	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->chan = c;
	c->refs++;
	return (h);
}

/* Keep a message on the handle and return code. */
int
chan_seterr(struct runner_channel *h, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return (code);
}

/*
 * Read up to max bytes from the socket into the read-ahead buffer:
 * the count, or RUNNER_EAGAIN / RUNNER_ECLOSED / RUNNER_ENOMEM /
 * RUNNER_ESYS.
 */
ssize_t
chan_fill(struct runner_channel *h, size_t max)
{
	char		 tmp[65536];
	ssize_t		 n;

	if (max > sizeof(tmp))
		max = sizeof(tmp);
	n = chan_recv(h, tmp, max);
	if (n > 0 && buf_add(&h->chan->in, tmp, (size_t)n) == -1)
		return (chan_seterr(h, RUNNER_ENOMEM, "out of memory"));
	return (n);
}

/* One read from the socket itself, past the read-ahead buffer. */
static ssize_t
chan_recv(struct runner_channel *h, void *p, size_t len)
{
	struct chan	*c = h->chan;
	ssize_t		 n;

	for (;;) {
		n = recv(c->fd, p, len, MSG_DONTWAIT);
		if (n > 0)
			return (n);
		if (n == 0)
			return (chan_seterr(h, RUNNER_ECLOSED,
			    "the other side is gone"));
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (c->gone)
				return (chan_seterr(h, RUNNER_ECLOSED,
				    "the instance is gone"));
			/* Read again: it may have written before it ended. */
			if (c->lease != -1 && chan_lease_over(c))
				continue;
			return (RUNNER_EAGAIN);
		}
		if (errno == ECONNRESET)
			return (chan_seterr(h, RUNNER_ECLOSED,
			    "the other side is gone"));
		return (chan_seterr(h, RUNNER_ESYS, "recv: %s",
		    strerror(errno)));
	}
}

/*
 * Has runnerd closed a direct channel's lease?  It does so when the
 * instance's process ends, so the channel is then over once what the
 * process wrote has been read, even if a stray grandchild still holds
 * the other end of the socket.  Only asked when a read found nothing.
 */
int
chan_lease_over(struct chan *c)
{
	char	 tmp[512];
	ssize_t	 n;

	for (;;) {
		n = recv(c->lease, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n > 0)
			continue;	/* nothing is said on a lease yet */
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (0);
		close(c->lease);
		c->lease = -1;
		c->gone = 1;
		return (1);
	}
}

/* Read what is there: bytes, RUNNER_EAGAIN, or RUNNER_ECLOSED at the end. */
ssize_t
runner_channel_read(struct runner_channel *h, void *p, size_t len)
{
	struct chan	*c;
	size_t		 held;

	if (h == NULL || (p == NULL && len > 0))
		return (RUNNER_EINVAL);
	c = h->chan;
	if (len == 0)
		return (0);
	if ((held = buf_used(&c->in)) > 0) {
		if (held > len)
			held = len;
		memcpy(p, buf_head(&c->in), held);
		buf_drop(&c->in, held);
		return ((ssize_t)held);
	}
	return (chan_recv(h, p, len));
}

/*
 * Write what fits without blocking, like write(2): the count taken (maybe
 * short), RUNNER_EAGAIN when nothing fits, RUNNER_ECLOSED once the other
 * side is gone.
 */
ssize_t
runner_channel_write(struct runner_channel *h, const void *p, size_t len)
{
	struct chan	*c;
	ssize_t		 n;

	if (h == NULL || (p == NULL && len > 0))
		return (RUNNER_EINVAL);
	c = h->chan;
	if (c->gone)
		return (chan_seterr(h, RUNNER_ECLOSED, "the instance is gone"));
	if (len == 0)
		return (0);
	for (;;) {
		n = c->esc ? ssh_send(c, p, len) : send(c->fd, p, len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0)
			return (n);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (RUNNER_EAGAIN);
		if (errno == EPIPE && c->shut)
			return (chan_seterr(h, RUNNER_ECLOSED, "'%s': its "
			    "input was ended (runner_channel_shutdown)",
			    c->alias));
		if (errno == EPIPE || errno == ECONNRESET)
			return (chan_seterr(h, RUNNER_ECLOSED, "'%s' stopped "
			    "reading its input (%s); bytes not written were "
			    "not delivered (through runnerd: counted in its "
			    "status, input_lost)", c->alias,
			    strerror(errno)));
		return (chan_seterr(h, RUNNER_ESYS, "'%s': send: %s",
		    c->alias, strerror(errno)));
	}
}

/*
 * End of input: shut the write side (see the top).  Idempotent; a gone
 * instance (known, or its side closed: POLLHUP) is RUNNER_ECLOSED.
 */
int
runner_channel_shutdown(struct runner_channel *h)
{
	struct chan	*c;
	struct pollfd	 pfd;

	if (h == NULL)
		return (RUNNER_EINVAL);
	c = h->chan;
	if (c->shut)
		return (0);
	pfd.fd = c->fd;
	pfd.events = 0;
	pfd.revents = 0;
	if (c->gone || (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP)))
		return (chan_seterr(h, RUNNER_ECLOSED, "'%s' is gone: no "
		    "input to end", c->alias));
	if ((c->esc && ssh_send_half(c) == -1) ||
	    shutdown(c->fd, SHUT_WR) == -1) {
		if (errno == ENOTCONN || errno == EPIPE)
			return (chan_seterr(h, RUNNER_ECLOSED, "'%s' is gone: "
			    "no input to end", c->alias));
		return (chan_seterr(h, RUNNER_ESYS, "'%s': shutdown: %s",
		    c->alias, strerror(errno)));
	}
	c->shut = 1;
	return (0);
}

/* The descriptor to poll: readable when a read will not say EAGAIN. */
int
runner_channel_fd(const struct runner_channel *h)
{
	return (h == NULL ? -1 : h->chan->fd);
}

/*
 * Wait up to timeout_ms (negative: forever) until a read will not say
 * RUNNER_EAGAIN: 0, or RUNNER_ETIMEDOUT.
 */
int
runner_channel_wait(struct runner_channel *h, int timeout_ms)
{
	struct chan	*c;
	struct pollfd	 pfd[2];
	double		 deadline = clock_deadline(timeout_ms);
	int		 n;

	if (h == NULL)
		return (RUNNER_EINVAL);
	c = h->chan;
	/* A direct channel's lease is watched too (poll skips fd -1). */
	for (;;) {
		if (buf_used(&c->in) > 0 || c->gone)
			return (0);
		pfd[0].fd = c->fd;
		pfd[1].fd = c->lease;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, 2, clock_ms_left(deadline));
		if (n > 0 && pfd[0].revents != 0)
			return (0);
		if (n > 0)
			chan_lease_over(c);
		else if (n == 0 && clock_ms_left(deadline) == 0)
			return (chan_seterr(h, RUNNER_ETIMEDOUT,
			    "nothing to read after %d ms", timeout_ms));
		else if (n == -1 && errno != EINTR)
			return (chan_seterr(h, RUNNER_ESYS, "poll: %s",
			    strerror(errno)));
	}
}

/* Give the handle back; the socket closes with its last holder. */
void
runner_channel_close(struct runner_channel *h)
{
	if (h == NULL)
		return;
	chan_unref(h->chan);
	free(h);
}

/* The last error on this handle, in words. */
const char *
runner_channel_errmsg(const struct runner_channel *h)
{
	return (h == NULL ? "no channel" : h->errmsg);
}
