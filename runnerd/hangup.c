/*
 * hangup.c: clients that hang up while runnerd is not reading them.
 * Once a client's reads return end-of-file (it half-closed, or runnerd
 * shut its read side because the instance it is attached to takes no
 * more input), runnerd stops reading it, and its closing would only be
 * seen by the next write to it: an attacher of a quiet instance would
 * stay, holding its descriptor and counted attached, and output would
 * go to a client that is gone.  Its hang-up still shows as POLLHUP (both
 * directions shut), so such clients sit in one epoll set of their own,
 * asking for nothing but that (epoll always reports EPOLLHUP), and the
 * set's descriptor is one watcher of the loop.
 */

#include <sys/epoll.h>

#include <errno.h>
#include <unistd.h>

#include "runnerd.h"

#define HANGUP_BATCH	64	/* hang-ups taken per wake-up */

static int	 hangup_fd = -1;
static ev_io	 hangup_io;

static void	 hangup_cb(struct ev_loop *, ev_io *, int);

/*
 * The set, made before the first client: a descriptor of runnerd's from
 * the start, not one that appears with the first client to need it.
 */
void
hangup_init(void)
{
	if ((hangup_fd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("epoll_create1");
		return;		/* clients' next writes will tell */
	}
	ev_io_init(&hangup_io, hangup_cb, hangup_fd, EV_READ);
	ev_io_start(server.loop, &hangup_io);
}

/* Close c when it hangs up; closing its descriptor ends the watch. */
void
hangup_watch(struct client *c)
{
	struct epoll_event	 ev = { .events = 0, .data.u64 = c->id };

	if (hangup_fd == -1)
		return;
	if (epoll_ctl(hangup_fd, EPOLL_CTL_ADD, c->fd, &ev) == -1 &&
	    errno != EEXIST)
		log_warn("client %llu: epoll_ctl", (unsigned long long)c->id);
}

static void
hangup_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct epoll_event	 ev[HANGUP_BATCH];
	struct client		*c;
	int			 n, k;

	(void)loop;
	(void)w;
	(void)revents;
	if ((n = epoll_wait(hangup_fd, ev, HANGUP_BATCH, 0)) == -1) {
		if (errno != EINTR)
			log_warn("epoll_wait");
		return;
	}
	for (k = 0; k < n; k++) {
		if ((c = client_find(ev[k].data.u64)) != NULL)
			client_close(c);
	}
}

/* runnerd exits: the set goes (its clients were closed first). */
void
hangup_close(void)
{
	if (hangup_fd == -1)
		return;
	ev_io_stop(server.loop, &hangup_io);
	close(hangup_fd);
	hangup_fd = -1;
}
