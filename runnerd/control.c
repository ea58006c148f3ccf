/*
 * control.c: the control socket's clients (listen.c makes the socket).
 * Each client is a non-blocking connection with an input buffer cut into
 * request lines and an output buffer of replies.  A client is in one mode
 * at a time (enum client_mode), and the file that owns a mode handles its
 * connection's events in it: request lines here; subscribed, the same
 * plus events (events.c); attached, a raw byte stream to an instance
 * instead (attach.c); following a log (logs with follow), a one-way stream
 * of that log whose input is ignored (capture.c).  Every buffer is
 * bounded: a line longer than PROTO_LINE_MAX is refused and the client
 * closed, and a client that does not read its replies is not read from
 * until it does.  A client that goes away costs nothing but its own state.
 *
 * Bounds across clients, so that many clients cannot do together what
 * none may alone:
 *   - Request bytes held (an unfinished line, requests not yet handled)
 *     count against one budget, REQUEST_HELD_MAX for all clients: past
 *     it, the client holding the most is answered ENOMEM and closed,
 *     until the total is back under.  An idle client holds no buffer.
 *   - A line left unfinished for REQUEST_IDLE seconds while runnerd
 *     waits for the rest gets ETIMEDOUT and the connection is closed.
 *     A client idle between requests (no partial line), attached,
 *     following a log, or whose requests wait on runnerd is never timed.
 *   - Replies unsent: a client's requests wait (are not read) while it
 *     has more than CLIENT_OUT_MAX unsent, or more than REPLY_SHARE while
 *     all clients together have more than REPLY_HELD_MAX: so clients
 *     that ask and never read cannot add up to more than about that.
 *   - A subscriber that falls behind misses events, counted (events.c).
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define CLIENT_READ	65536	/* bytes read from a client at a time */
#define REQUEST_HELD_MAX (16 * 1024 * 1024)	/* request bytes, all clients */
#define REQUEST_IDLE	20.0		/* seconds a line may stay unfinished */
#define REPLY_HELD_MAX	(16 * 1024 * 1024)	/* unsent bytes, all clients */
#define REPLY_SHARE	(64 * 1024)	/* ... past which, one's own wait */

static size_t	 held_total;	/* request bytes held by all clients */
static size_t	 out_total;	/* bytes queued for all clients, unsent */

static void	 accept_cb(struct ev_loop *, ev_io *, int);
static void	 accept_pause_cb(struct ev_loop *, ev_timer *, int);
static void	 client_read_cb(struct ev_loop *, ev_io *, int);
static void	 client_write_cb(struct ev_loop *, ev_io *, int);
static int	 client_input(struct client *);
static int	 client_asks(const struct client *);
static int	 client_lines(struct client *);
static int	 client_cmp(const void *, const void *);
static int	 client_done(const struct client *);
static void	 client_refuse(struct client *);
static void	 client_held(struct client *, int);
static void	 client_idle_cb(struct ev_loop *, ev_timer *, int);
static void	 client_drop(struct client *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 client_backlogged(const struct client *);
static void	 client_sent(struct client *, size_t);

/* Listen on path (listen.c) and accept its clients from the loop. */
int
control_listen(const char *path, int own_dir)
{
	if (listen_socket(path, own_dir) == -1)
		return (-1);
	ev_io_init(&server.accept_io, accept_cb, server.lfd, EV_READ);
	ev_timer_init(&server.accept_pause, accept_pause_cb, 0.1, 0);
	return (0);
}

/* The socket an upgrade handed over (server.lfd): accept from the loop. */
void
control_adopt(void)
{
	ev_io_init(&server.accept_io, accept_cb, server.lfd, EV_READ);
	ev_timer_init(&server.accept_pause, accept_pause_cb, 0.1, 0);
}

/* Close every client and the socket, and remove it. */
void
control_close(void)
{
	while (server.nclients > 0) {
		client_flush(server.clients[0]);
		client_close(server.clients[0]);
	}
	free(server.clients);
	hangup_close();
	if (server.socket_path != NULL) {
		ev_io_stop(server.loop, &server.accept_io);
		ev_timer_stop(server.loop, &server.accept_pause);
		close(server.lfd);
		unlink(server.socket_path);
		free(server.socket_path);
		server.socket_path = NULL;
	}
	if (server.sock_dirfd != -1) {
		close(server.sock_dirfd);
		server.sock_dirfd = -1;
		free(server.sock_base);
		server.sock_base = NULL;
	}
}

/*
 * Out of descriptors: stop accepting for a moment rather than spin on a
 * listening socket that stays readable.
 */
static void
accept_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	if (!server.shutting_down)
		ev_io_start(loop, &server.accept_io);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client	*c, **cl;
	int		 fd;

	(void)revents;
	if ((fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("accept: pausing");
			ev_io_stop(loop, &server.accept_io);
			/* Set anew: a fired timer restarted as is fires at once. */
			ev_timer_set(&server.accept_pause, 0.1, 0);
			ev_timer_start(loop, &server.accept_pause);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (cl = reallocarray(server.clients, server.nclients + 1,
	    sizeof(*cl))) == NULL) {
		log_warn("accept");
		free(c);
		close(fd);
		return;
	}
	server.clients = cl;
	c->id = ++server.next_id;
	c->fd = fd;
	buf_init(&c->in);
	buf_init(&c->out);
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	ev_timer_init(&c->idle, client_idle_cb, REQUEST_IDLE, REQUEST_IDLE);
	c->rio.data = c->wio.data = c->idle.data = c;
	/* Ids only grow, so appending keeps the array sorted. */
	server.clients[server.nclients++] = c;
	log_debug("client %llu connected", (unsigned long long)c->id);
	client_refuse(c);
	if (!c->closing)
		ev_io_start(loop, &c->rio);
}

/*
 * Check the new client's credentials (access.c).  One who may not use
 * runnerd is answered EPERM, untagged (it is about the connection), as
 * soon as it sends anything, and closed once that is sent.  Waiting for
 * its request means the request was written whole: closing at once could
 * make that write fail and the reply would never be read.
 */
static void
client_refuse(struct client *c)
{
	char	 why[256];
	int	 rc;

	if ((rc = access_peer(c, why, sizeof(why))) == 1)
		return;
	if (rc == -1)
		snprintf(why, sizeof(why), "cannot read the peer's "
		    "credentials: %s", strerror(errno));
	log_warnx("client %llu refused: %s", (unsigned long long)c->id, why);
	if ((c->refused = strdup(why)) == NULL) {
		log_warn("strdup");
		c->closing = 1;
		client_check(c);
	}
}

static int
client_cmp(const void *key, const void *elem)
{
	uint64_t		 id = *(const uint64_t *)key;
	const struct client	*c = *(struct client *const *)elem;

	return (id < c->id ? -1 : id > c->id);
}

/* The client with that id, or NULL if it has gone. */
struct client *
client_find(uint64_t id)
{
	struct client	**c;

	c = bsearch(&id, server.clients, server.nclients,
	    sizeof(*server.clients), client_cmp);
	return (c == NULL ? NULL : *c);
}

/* Forget a client: its waiters go, its instance (if attached) goes on. */
void
client_close(struct client *c)
{
	struct client	**slot;
	size_t		 k;

	slot = bsearch(&c->id, server.clients, server.nclients,
	    sizeof(*server.clients), client_cmp);
	k = (size_t)(slot - server.clients);
	memmove(slot, slot + 1, (server.nclients - k - 1) * sizeof(*slot));
	server.nclients--;
	waiters_client_gone(c->id);
	direct_client_gone(c);		/* a lease ends with its connection */
	ev_io_stop(server.loop, &c->rio);
	ev_io_stop(server.loop, &c->wio);
	ev_timer_stop(server.loop, &c->idle);
	held_total -= c->held;
	close(c->fd);
	if (c->mode == CLIENT_ATTACHED)
		relay_client_gone(c);
	out_total -= buf_used(&c->out);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c->refused);
	log_debug("client %llu gone", (unsigned long long)c->id);
	free(c);
}

/* Queue bytes for the client; they go out as it can take them. */
void
client_send(struct client *c, const char *p, size_t n)
{
	out_total -= buf_used(&c->out);
	if (buf_add(&c->out, p, n) == -1) {
		log_warnx("client %llu: out of memory; closing",
		    (unsigned long long)c->id);
		buf_reset(&c->out);
		c->closing = 1;
	}
	out_total += buf_used(&c->out);
	ev_io_start(server.loop, &c->wio);
}

/*
 * Queue b's bytes for the client as client_send does, but when nothing
 * else is queued take b's memory instead of copying it (a status of 1000
 * instances is 300 KiB); b is left holding c's old, empty buffer.
 */
void
client_send_buf(struct client *c, struct buf *b)
{
	struct buf	 old;

	if (buf_used(&c->out) > 0) {
		client_send(c, buf_head(b), buf_used(b));
		return;
	}
	old = c->out;
	c->out = *b;
	*b = old;
	out_total += buf_used(&c->out);
	ev_io_start(server.loop, &c->wio);
}

/*
 * Has c so many replies unsent that its requests wait?  Its own bound,
 * or past the bound for all clients, a share (see the top).
 */
static int
client_backlogged(const struct client *c)
{
	size_t	 used = buf_used(&c->out);

	/* An attached client's input is a stream: only its own bound. */
	return (used > CLIENT_OUT_MAX || (c->mode != CLIENT_ATTACHED &&
	    clients_crowded() && used > REPLY_SHARE));
}

/* Have all clients together more than REPLY_HELD_MAX unsent? */
int
clients_crowded(void)
{
	return (out_total > REPLY_HELD_MAX);
}

/* Write what the client takes now (at exit: one last try). */
void
client_flush(struct client *c)
{
	ssize_t	 n;

	while (buf_used(&c->out) > 0) {
		n = send(c->fd, buf_head(&c->out), buf_used(&c->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		client_sent(c, (size_t)n);
	}
}

/* n bytes of c's queue went out; an attacher's replies go first. */
static void
client_sent(struct client *c, size_t n)
{
	buf_drop(&c->out, n);
	out_total -= n;
	c->head -= n < c->head ? n : c->head;
}

/* Read from the client again, if nothing holds it back any more. */
void
client_resume(struct client *c)
{
	if (c->closing || c->waiting || client_backlogged(c))
		return;
	if (c->eof) {
		ev_feed_event(server.loop, &c->rio, EV_READ);
		return;
	}
	if (c->mode == CLIENT_ATTACHED && relay_client_waits(c))
		return;
	ev_io_start(server.loop, &c->rio);
	/*
	 * Requests may already be buffered.  Handle them from the loop, not
	 * here: the caller may be walking a list those requests change.
	 */
	ev_feed_event(server.loop, &c->rio, EV_READ);
}

static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client	*c = w->data;
	ssize_t		 n;

	(void)revents;
	n = 0;
	if (buf_used(&c->out) > 0)
		n = send(c->fd, buf_head(&c->out), buf_used(&c->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		client_close(c);	/* EPIPE, ECONNRESET: gone */
		return;
	}
	client_sent(c, (size_t)n);
	event_sent(c);		/* a subscriber that missed events hears it */
	if (buf_used(&c->out) > 0)
		return;
	buf_free(&c->out);	/* an idle client holds no buffer */
	/* Attached: the relay's turn (spliced output, its instance's). */
	if (c->mode == CLIENT_ATTACHED && relay_client_sent(c) != 0)
		return;
	ev_io_stop(loop, &c->wio);
	if (client_done(c)) {
		client_close(c);
		return;
	}
	if (!ev_is_active(&c->rio))
		client_resume(c);
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client	*c = w->data;
	static char	 scratch[CLIENT_READ];
	ssize_t		 n;

	(void)loop;
	(void)revents;
	if (c->mode == CLIENT_ATTACHED) {
		relay_client_read(c);	/* a stream, read its own way */
		return;
	}
	/*
	 * Into scratch, and only what is left unhandled into the client's
	 * buffer, sized to it, so that an idle client holds none.
	 */
	if ((n = client_recv(c, scratch, sizeof(scratch))) == -1)
		return;
	if (n > 0 && buf_add(&c->in, scratch, (size_t)n) == -1) {
		log_warnx("client %llu: out of memory; closing",
		    (unsigned long long)c->id);
		client_close(c);
		return;
	}
	if (c->refused != NULL) {
		reply_err(c->id, 0, 0, RUNNER_EPERM, "%s", c->refused);
		buf_reset(&c->in);
		c->closing = 1;
		ev_io_stop(server.loop, &c->rio);
	} else if (client_input(c) == -1)
		return;
	client_received(c, n > 0);
}

/*
 * Read up to max bytes from c into p: how many, 0 when there are none
 * (or it sends no more), -1 when c is gone (it was closed here).
 */
ssize_t
client_recv(struct client *c, char *p, size_t max)
{
	ssize_t	 n;

	n = recv(c->fd, p, max, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		n = 0;		/* fed by client_resume: buffered requests */
	else if (n == 0) {
		/*
		 * The client sends no more.  Closed outright (POLLHUP), it is
		 * gone.  Half-closed, it still reads: it is closed once every
		 * request is answered (attached: once its instance ends).
		 */
		struct pollfd	 pfd = { c->fd, 0, 0 };

		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP)) {
			client_close(c);
			return (-1);
		}
		c->eof = 1;
		ev_io_stop(server.loop, &c->rio);
		hangup_watch(c);	/* its hang-up, later */
	} else if (n < 0) {
		client_close(c);
		return (-1);
	}
	return (n);
}

/* After a read (progress: bytes came): the bounds, and maybe the end. */
void
client_received(struct client *c, int progress)
{
	client_held(c, progress);
	client_check(c);
}

/* What c sent, handled in its mode.  -1 when c was closed (freed). */
static int
client_input(struct client *c)
{
	switch (c->mode) {
	case CLIENT_REQUESTS:
	case CLIENT_SUBSCRIBED:
		return (client_lines(c));
	case CLIENT_ATTACHED:
		return (relay_client_input(c));
	case CLIENT_FOLLOWING:
		capture_follower_input(c);
		break;
	}
	return (0);
}

/* Does c send request lines (rather than a stream)? */
static int
client_asks(const struct client *c)
{
	return (c->mode == CLIENT_REQUESTS || c->mode == CLIENT_SUBSCRIBED);
}

/*
 * Count what c holds of request bytes against the budget (after its
 * buffer changed; progress: it sent more), and time its unfinished line.
 * Over the budget, the clients holding the most are let go, the largest
 * first (the oldest of equals), until it is kept.
 */
static void
client_held(struct client *c, int progress)
{
	struct client	*big;
	size_t		 n = 0, k;

	/* Attached, reads go straight into the buffer: it is kept. */
	if (c->mode != CLIENT_ATTACHED && buf_used(&c->in) == 0)
		buf_free(&c->in);
	if (client_asks(c) && !c->closing)
		n = c->in.cap;
	held_total += n;
	held_total -= c->held;
	c->held = n;
	/*
	 * Timed only while runnerd waits on the client for the rest of a
	 * line: not while its requests wait on runnerd (a write in flight,
	 * replies it has not read).
	 */
	if (n > 0 && !c->waiting && ev_is_active(&c->rio) &&
	    !client_backlogged(c)) {
		if (progress || !ev_is_active(&c->idle))
			ev_timer_again(server.loop, &c->idle);
	} else
		ev_timer_stop(server.loop, &c->idle);

	while (held_total > REQUEST_HELD_MAX) {
		big = NULL;
		for (k = 0; k < server.nclients; k++) {
			if (big == NULL || server.clients[k]->held > big->held)
				big = server.clients[k];
		}
		if (big == NULL || big->held == 0)
			break;
		log_warnx("client %llu: %zu bytes of unfinished requests, the "
		    "most while clients hold more than %d in all; closing",
		    (unsigned long long)big->id, big->held, REQUEST_HELD_MAX);
		client_drop(big, RUNNER_ENOMEM, "runnerd holds more than %d "
		    "bytes of unfinished requests, and this connection the "
		    "most (%zu): closing it", REQUEST_HELD_MAX, big->held);
	}
}

/* A line left unfinished REQUEST_IDLE seconds: the client is let go. */
static void
client_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client	*c = w->data;

	(void)loop;
	(void)revents;
	log_warnx("client %llu: request line unfinished for %.0f s; closing",
	    (unsigned long long)c->id, REQUEST_IDLE);
	client_drop(c, RUNNER_ETIMEDOUT, "request line unfinished for %.0f "
	    "s: closing", REQUEST_IDLE);
}

/*
 * Refuse what c has sent with an untagged error (about the connection)
 * and close it once that is sent; its requests still pending are
 * forgotten with it.
 */
static void
client_drop(struct client *c, int code, const char *fmt, ...)
{
	char	 msg[RUNNER_ERRMSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_err(c->id, 0, 0, code, "%s", msg);
	c->closing = 1;
	buf_free(&c->in);
	ev_io_stop(server.loop, &c->rio);
	client_held(c, 0);
	client_check(c);
}

/*
 * Close a client that has sent all it will, once it has had every answer
 * (from the loop: callers may be walking lists that closing changes).
 */
void
client_check(struct client *c)
{
	if (client_done(c))
		ev_io_start(server.loop, &c->wio);
}

/* Nothing more to do for this client once its replies are sent. */
static int
client_done(const struct client *c)
{
	return (c->closing || (c->eof && client_asks(c) && c->pending == 0 &&
	    buf_used(&c->in) == 0));
}

/*
 * Handle every complete request line, in order, until one of them makes
 * the client wait (a write in flight), attaches it, or its replies pile
 * up; then stop reading until that clears.  -1 when c was closed (freed).
 */
static int
client_lines(struct client *c)
{
	char	*nl;
	size_t	 len;

	/* While an upgrade drains, requests wait for the new runnerd. */
	while (!c->closing && !c->waiting && client_asks(c) &&
	    !client_backlogged(c) && !upgrade_draining() &&
	    buf_used(&c->in) > 0) {
		nl = memchr(buf_head(&c->in), '\n', buf_used(&c->in));
		len = nl != NULL ? (size_t)(nl - buf_head(&c->in)) :
		    buf_used(&c->in);
		if (len > PROTO_LINE_MAX) {
			reply_err(c->id, 0, 0, RUNNER_EPROTO, "request line "
			    "longer than %d bytes", PROTO_LINE_MAX);
			c->closing = 1;
			buf_reset(&c->in);
			break;
		}
		if (nl == NULL)
			break;
		cmd_dispatch(c, buf_head(&c->in), len);
		buf_drop(&c->in, len + 1);
	}
	/* A request made it a stream: what follows is that stream's. */
	if (!client_asks(c))
		return (client_input(c));
	/* After EOF a line without its newline will never be complete. */
	if (c->eof && !c->waiting && buf_used(&c->in) > 0 &&
	    memchr(buf_head(&c->in), '\n', buf_used(&c->in)) == NULL)
		buf_reset(&c->in);
	/*
	 * While a write is in flight, requests wait, but reading goes on (up
	 * to a line's worth) so that a client that hangs up is noticed.
	 */
	if (c->closing || client_backlogged(c) ||
	    (c->waiting && buf_used(&c->in) > PROTO_LINE_MAX))
		ev_io_stop(server.loop, &c->rio);
	return (0);
}

/*
 * An upgrade (carry.c): the connection and what is in flight on it both
 * ways.  No request waits at an upgrade (upgrade.c answers them first),
 * so pending and waiting are not carried.
 */
void
client_save(struct hand *h, const struct client *c)
{
	hand_rec(h, "client");
	hand_int(h, "id", (long long)c->id);
	hand_fd(h, "fd", c->fd);
	hand_bytes(h, "in", buf_head(&c->in), buf_used(&c->in));
	hand_bytes(h, "out", buf_head(&c->out), buf_used(&c->out));
	hand_int(h, "mode", c->mode);
	hand_int(h, "attached", (long long)c->attached);
	hand_int(h, "direct", (long long)c->direct);
	hand_int(h, "head", (long long)c->head);
	hand_int(h, "input_done", c->input_done);
	hand_int(h, "closing", c->closing);
	hand_int(h, "eof", c->eof);
	hand_str(h, "refused", c->refused);
	hand_int(h, "uid", c->uid);
	hand_int(h, "owner", c->owner);
	hand_int(h, "missed", (long long)c->missed);
	hand_end(h);
}

void
client_load(struct hand *h)
{
	struct client	*c, **cl;
	struct inst	*i;
	long long	 mode;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		hand_fail(h, "out of memory");
		return;
	}
	buf_init(&c->in);
	buf_init(&c->out);
	c->id = (uint64_t)hand_get_int(h, "id");
	c->fd = hand_get_fd(h, "fd");
	mode = hand_get_int(h, "mode");
	c->attached = (uint64_t)hand_get_int(h, "attached");
	c->direct = (uint64_t)hand_get_int(h, "direct");
	c->head = (size_t)hand_get_int(h, "head");
	c->input_done = (int)hand_get_int(h, "input_done");
	c->closing = (int)hand_get_int(h, "closing");
	c->eof = (int)hand_get_int(h, "eof");
	c->refused = hand_get_str(h, "refused");
	c->uid = (uid_t)hand_get_int(h, "uid");
	c->owner = (int)hand_get_int(h, "owner");
	c->missed = (uint64_t)hand_get_int(h, "missed");
	if (hand_get_bytes(h, "in", &c->in) == -1 ||
	    hand_get_bytes(h, "out", &c->out) == -1 || hand_failed(h) ||
	    c->fd == -1 || mode < CLIENT_REQUESTS ||
	    mode > CLIENT_FOLLOWING || (server.nclients > 0 &&
	    server.clients[server.nclients - 1]->id >= c->id) ||
	    (cl = reallocarray(server.clients, server.nclients + 1,
	    sizeof(*cl))) == NULL) {
		hand_fail(h, "client %llu: a bad record",
		    (unsigned long long)c->id);
		buf_free(&c->in);
		buf_free(&c->out);
		free(c->refused);
		free(c);
		return;
	}
	c->mode = (enum client_mode)mode;
	server.clients = cl;
	server.clients[server.nclients++] = c;
	ev_io_init(&c->rio, client_read_cb, c->fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, c->fd, EV_WRITE);
	ev_timer_init(&c->idle, client_idle_cb, REQUEST_IDLE, REQUEST_IDLE);
	c->rio.data = c->wio.data = c->idle.data = c;
	out_total += buf_used(&c->out);
	if (c->mode == CLIENT_ATTACHED && (i = inst_by_id(c->attached)) !=
	    NULL)
		i->relay.nattach++;
}

/*
 * Once every client and instance is back: each client is served as it
 * was, its buffered requests handled from the loop.
 */
void
clients_resume_all(void)
{
	struct client	*c;
	size_t		 k;

	for (k = 0; k < server.nclients; k++) {
		c = server.clients[k];
		if (buf_used(&c->out) > 0 || c->closing)
			ev_io_start(server.loop, &c->wio);
		if (c->eof)
			hangup_watch(c);
		client_held(c, 0);
		client_resume(c);
	}
}
