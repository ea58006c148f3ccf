/*
 * ready.c: when a started instance counts as running.  ready = "none": at
 * once (exec succeeded); "socket": once its socket accepts a connection,
 * which becomes the channel; "notify": once it writes a newline to its
 * notify_fd (the s6 convention), then, for a socket app, once the socket
 * accepts; "healthy": at its first passing health probe (health.c calls
 * ready_healthy), then, for a socket app, once the socket accepts.
 * Nothing here blocks: the notify pipe is watched on the loop,
 * and connect is retried on a timer with naps of 1 ms doubling to 32 ms.
 * Every wait is bounded by ready_timeout from the start.  The checks
 * themselves and their words are lib/ready.c's, shared with the local
 * backend.  The state of the wait is i->ready, touched only here.
 */

#include <errno.h>
#include <unistd.h>

#include "runnerd.h"

#define NOTIFY_EOF_GRACE 0.1	/* for an exit to explain a closed fd */

static void	 ready_notify_cb(struct ev_loop *, ev_io *, int);
static void	 ready_timer_cb(struct ev_loop *, ev_timer *, int);
static void	 ready_timeout(struct inst *);
static void	 ready_try_connect(struct inst *);
static void	 ready_arm(struct inst *, double);
static void	 ready_close_notify(struct inst *);
static void	 ready_failed(struct inst *, enum ready_fail, int);

/* A new instance: not waiting. */
void
ready_init(struct inst *i)
{
	i->ready.notify_fd = -1;
	ev_timer_init(&i->ready.timer, ready_timer_cb, 0, 0);
	i->ready.timer.data = i;
}

/*
 * The instance's process was spawned: notify is the read end of its
 * notify pipe (ready = notify) or -1.  1: it is ready now (the caller
 * says so: no call back up from here); 0: the wait has begun, and ends in
 * inst_ready or inst_start_failed from this file's callbacks.
 */
int
ready_begin(struct inst *i, int notify)
{
	i->ready.deadline = ev_now(server.loop) + i->app->ready_timeout;
	i->ready.delay = READY_NAP_FIRST;
	i->ready.notify_eof = 0;
	i->ready.healthy = 0;
	if (notify != -1) {
		i->state = INST_STARTING;
		i->ready.notify_fd = notify;
		if (fd_nonblock(notify) == -1)
			log_warn("%s: fcntl", i->alias);
		ev_io_init(&i->ready.notify_io, ready_notify_cb, notify,
		    EV_READ);
		i->ready.notify_io.data = i;
		ev_io_start(server.loop, &i->ready.notify_io);
		ready_arm(i, i->app->ready_timeout);
		return (0);
	}
	if (i->app->ready == READY_HEALTHY) {
		i->state = INST_STARTING;
		ready_arm(i, i->app->ready_timeout);
		return (0);
	}
	if (i->app->type == APP_SOCKET) {
		i->state = INST_STARTING;
		ready_try_connect(i);
		return (0);
	}
	return (1);
}

/*
 * ready = "healthy": its first probe passed (health.c).  A socket app
 * then waits for its socket, within the same deadline.
 */
void
ready_healthy(struct inst *i)
{
	if (i->state != INST_STARTING || i->ready.notify_fd != -1)
		return;
	i->ready.healthy = 1;
	if (i->app->type == APP_SOCKET) {
		ev_timer_stop(server.loop, &i->ready.timer);
		ready_try_connect(i);
		return;
	}
	ready_cancel(i);
	inst_ready(i);
}

/*
 * Stop waiting: the instance exited, is stopped, is ready, or failed to
 * become ready.
 */
void
ready_cancel(struct inst *i)
{
	ev_timer_stop(server.loop, &i->ready.timer);
	ready_close_notify(i);
}

static void
ready_close_notify(struct inst *i)
{
	if (i->ready.notify_fd == -1)
		return;
	ev_io_stop(server.loop, &i->ready.notify_io);
	close(i->ready.notify_fd);
	i->ready.notify_fd = -1;
}

static void
ready_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct inst	*i = w->data;

	(void)loop;
	(void)revents;
	if (i->state == INST_STARTING)
		ready_timeout(i);
}

/* The readiness timer fired while it was starting. */
static void
ready_timeout(struct inst *i)
{
	if (i->ready.notify_eof) {
		ready_failed(i, READY_ECLOSED, 0);
		return;
	}
	if (i->ready.notify_fd != -1) {
		ready_failed(i, READY_ENOLINE, 0);
		return;
	}
	if (i->app->ready == READY_HEALTHY && !i->ready.healthy) {
		inst_start_failed(i, RUNNER_ETIMEDOUT, "'%s' did not pass its "
		    "health probe within %g s (last: %s)", i->alias,
		    i->app->ready_timeout, health_last(i) != NULL ?
		    health_last(i) : "no probe finished");
		return;
	}
	ready_try_connect(i);
}

static void
ready_arm(struct inst *i, double after)
{
	ev_timer_stop(server.loop, &i->ready.timer);
	ev_timer_set(&i->ready.timer, after, 0);
	ev_timer_start(server.loop, &i->ready.timer);
}

static void
ready_notify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct inst	*i = w->data;
	enum ready_read	 r;
	int		 saved;

	(void)loop;
	(void)revents;
	while ((r = ready_notify_read(i->ready.notify_fd)) == READY_MORE)
		continue;
	if (r == READY_LINE) {
		ready_cancel(i);
		if (i->app->type == APP_SOCKET)
			ready_try_connect(i);
		else
			inst_ready(i);
		return;
	}
	if (r == READY_WAIT)
		return;
	/*
	 * EOF: it exited, or closed the fd without a word.  An exit closes
	 * the fd a moment before the child watcher can hear of it, so give
	 * the exit a short grace to speak first (it says how it ended).
	 */
	saved = errno;			/* the read's: close may change it */
	ready_close_notify(i);
	if (r == READY_FAIL) {
		ready_failed(i, READY_EREAD, saved);
		return;
	}
	i->ready.notify_eof = 1;
	ready_arm(i, i->ready.deadline - ev_now(server.loop) <
	    NOTIFY_EOF_GRACE ? i->ready.deadline - ev_now(server.loop) :
	    NOTIFY_EOF_GRACE);
}

/* Try the socket once; if it does not accept yet, try again soon. */
static void
ready_try_connect(struct inst *i)
{
	double	 now = ev_now(server.loop);
	int	 fd, r;

	if ((r = ready_connect(i->req.socket_path, &fd)) == 1) {
		ev_timer_stop(server.loop, &i->ready.timer);
		relay_open(i, fd);
		inst_ready(i);
		return;
	}
	if (r == -1) {
		ready_failed(i, READY_ECONNECT, errno);
		return;
	}
	if (now >= i->ready.deadline) {
		ready_failed(i, READY_ENOACCEPT, 0);
		return;
	}
	ready_arm(i, ready_nap(&i->ready.delay, i->ready.deadline - now));
}

/* It will not be ready (why, errnum: as ready_errf's): a failed start. */
static void
ready_failed(struct inst *i, enum ready_fail why, int errnum)
{
	char	 msg[RUNNER_ERRMSG_MAX];
	int	 code;

	code = ready_errf(why, i->app, i->alias, i->req.socket_path, errnum,
	    msg, sizeof(msg));
	inst_start_failed(i, code, "%s", msg);
}

/* An upgrade (carry.c): the wait for readiness, where it stands. */
void
ready_save(struct hand *h, const struct inst *i)
{
	hand_double(h, "rd_deadline", i->ready.deadline);
	hand_double(h, "rd_delay", i->ready.delay);
	hand_fd(h, "rd_notify_fd", i->ready.notify_fd);
	hand_int(h, "rd_notify_eof", i->ready.notify_eof);
	hand_int(h, "rd_healthy", i->ready.healthy);
	hand_double(h, "rd_timer_in", ev_is_active(&i->ready.timer) ?
	    ev_timer_remaining(server.loop, (ev_timer *)&i->ready.timer) :
	    -1);
}

void
ready_load(struct hand *h, struct inst *i)
{
	double	 in;

	i->ready.deadline = hand_get_double(h, "rd_deadline");
	i->ready.delay = hand_get_double(h, "rd_delay");
	i->ready.notify_fd = hand_get_fd(h, "rd_notify_fd");
	i->ready.notify_eof = (int)hand_get_int(h, "rd_notify_eof");
	i->ready.healthy = (int)hand_get_int(h, "rd_healthy");
	in = hand_get_double(h, "rd_timer_in");
	if (hand_failed(h))
		return;
	if (i->ready.notify_fd != -1) {
		ev_io_init(&i->ready.notify_io, ready_notify_cb,
		    i->ready.notify_fd, EV_READ);
		i->ready.notify_io.data = i;
		ev_io_start(server.loop, &i->ready.notify_io);
	}
	if (in >= 0)
		ready_arm(i, in);
}
