/*
 * ready.c: when a started instance counts as running.  ready = "none": at
 * once (exec succeeded); "socket": once its socket accepts a connection,
 * which becomes the channel; "notify": once it writes a newline to its
 * notify_fd (the s6 convention), then, for a socket app, once the socket
 * accepts.  Nothing here blocks: the notify pipe is watched on the loop,
 * and connect is retried on a timer with naps of 1 ms doubling to 32 ms.
 * Every wait is bounded by ready_timeout from the start.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define READY_NAP_FIRST	0.001	/* first wait between connect tries ... */
#define READY_NAP_MAX	0.032	/* ... doubling up to this */
#define NOTIFY_EOF_GRACE 0.1	/* for an exit to explain a closed fd */

static void	 ready_notify_cb(struct ev_loop *, ev_io *, int);
static void	 ready_try_connect(struct inst *);
static void	 ready_arm(struct inst *, double);

/*
 * The instance's process was spawned: notify is the read end of its
 * notify pipe (ready = notify) or -1.  It runs now, or starts waiting.
 */
void
ready_begin(struct inst *i, int notify)
{
	i->deadline = ev_now(server.loop) + i->app->ready_timeout;
	i->ready_delay = READY_NAP_FIRST;
	i->notify_eof = 0;
	if (notify != -1) {
		i->state = INST_STARTING;
		i->notify_fd = notify;
		if (fd_nonblock(notify) == -1)
			log_warn("%s: fcntl", i->alias);
		ev_io_init(&i->notify_io, ready_notify_cb, notify, EV_READ);
		i->notify_io.data = i;
		ev_io_start(server.loop, &i->notify_io);
		ready_arm(i, i->app->ready_timeout);
		return;
	}
	if (i->app->type == APP_SOCKET) {
		i->state = INST_STARTING;
		ready_try_connect(i);
		return;
	}
	inst_ready(i);
}

/* Stop waiting: the instance exited, is stopped, or is ready. */
void
ready_cancel(struct inst *i)
{
	if (i->notify_fd == -1)
		return;
	ev_io_stop(server.loop, &i->notify_io);
	close(i->notify_fd);
	i->notify_fd = -1;
}

/* The instance's timer fired while it was starting. */
void
ready_timeout(struct inst *i)
{
	if (i->notify_eof) {
		inst_start_failed(i, RUNNER_ESPAWN, "'%s' closed fd %d without "
		    "writing the newline that says it is ready", i->alias,
		    i->app->notify_fd);
		return;
	}
	if (i->notify_fd != -1) {
		inst_start_failed(i, RUNNER_ETIMEDOUT, "'%s' did not write a "
		    "newline to fd %d within %g s", i->alias,
		    i->app->notify_fd, i->app->ready_timeout);
		return;
	}
	ready_try_connect(i);
}

static void
ready_arm(struct inst *i, double after)
{
	ev_timer_stop(server.loop, &i->timer);
	ev_timer_set(&i->timer, after, 0);
	ev_timer_start(server.loop, &i->timer);
}

static void
ready_notify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct inst	*i = w->data;
	char		 buf[256];
	ssize_t		 n;

	(void)loop;
	(void)revents;
	while ((n = read(i->notify_fd, buf, sizeof(buf))) > 0) {
		if (memchr(buf, '\n', (size_t)n) == NULL)
			continue;
		ready_cancel(i);
		ev_timer_stop(server.loop, &i->timer);
		if (i->app->type == APP_SOCKET)
			ready_try_connect(i);
		else
			inst_ready(i);
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/*
	 * EOF: it exited, or closed the fd without a word.  An exit closes
	 * the fd a moment before the child watcher can hear of it, so give
	 * the exit a short grace to speak first (it says how it ended).
	 */
	ready_cancel(i);
	if (n == -1) {
		inst_start_failed(i, RUNNER_ESYS, "read notify fd of '%s': %s",
		    i->alias, strerror(errno));
		return;
	}
	i->notify_eof = 1;
	ready_arm(i, i->deadline - ev_now(server.loop) < NOTIFY_EOF_GRACE ?
	    i->deadline - ev_now(server.loop) : NOTIFY_EOF_GRACE);
}

/* Try the socket once; if it does not accept yet, try again soon. */
static void
ready_try_connect(struct inst *i)
{
	double	 now = ev_now(server.loop), nap;
	int	 fd;

	if ((fd = sock_connect(i->socket_path)) != -1) {
		ev_timer_stop(server.loop, &i->timer);
		relay_open(i, fd);
		inst_ready(i);
		return;
	}
	if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN) {
		inst_start_failed(i, RUNNER_ESPAWN, "cannot connect to '%s' "
		    "of '%s': %s", i->socket_path, i->alias, strerror(errno));
		return;
	}
	if (now >= i->deadline) {
		inst_start_failed(i, RUNNER_ETIMEDOUT, "'%s' did not accept "
		    "connections on '%s' within %g s", i->alias,
		    i->socket_path, i->app->ready_timeout);
		return;
	}
	nap = i->ready_delay < i->deadline - now ? i->ready_delay :
	    i->deadline - now;
	if (i->ready_delay < READY_NAP_MAX)
		i->ready_delay *= 2;
	ready_arm(i, nap);
}
