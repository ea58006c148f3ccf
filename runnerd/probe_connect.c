/*
 * probe_connect.c: a connect health probe: a non-blocking connect to
 * the instance's socket (a socket app's), passing when it is accepted;
 * the connection is closed at once.  A UNIX socket answers a
 * non-blocking connect at once (accepted, refused, or EAGAIN with its
 * backlog full); the verdict is still given from the loop, on the next
 * turn (or once a connect in progress is writable), never from inside
 * health.c's call.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

struct probe_connect {
	struct health	*h;
	int		 fd;		/* a connect in progress, or -1 */
	int		 err;		/* its errno; 0: accepted */
	ev_io		 io;		/* the connect in progress */
	ev_timer	 now;		/* the verdict, on the next turn */
};

static void	 probe_connect_io_cb(struct ev_loop *, ev_io *, int);
static void	 probe_connect_now_cb(struct ev_loop *, ev_timer *, int);
static void	 probe_connect_done(struct probe_connect *);

/* Start h's instance's connect probe; NULL with err when it cannot. */
struct probe_connect *
probe_connect_start(struct health *h, char *err, size_t errlen)
{
	const struct inst	*i = health_inst(h);
	struct probe_connect	*p;
	struct sockaddr_un	 sun;
	const char		*path = i->req.socket_path;

	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		errf(err, errlen, "no socket path to connect to");
		return (NULL);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		errf(err, errlen, "out of memory");
		return (NULL);
	}
	p->h = h;
	ev_timer_init(&p->now, probe_connect_now_cb, 0, 0);
	p->now.data = p;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (p->fd == -1) {
		errf(err, errlen, "socket: %s", strerror(errno));
		free(p);
		return (NULL);
	}
	if (connect(p->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		p->err = 0;
	else if (errno != EINPROGRESS)
		p->err = errno;
	else
		p->err = -1;
	if (p->err != -1) {
		close(p->fd);
		p->fd = -1;
		ev_timer_start(server.loop, &p->now);
		return (p);
	}
	ev_io_init(&p->io, probe_connect_io_cb, p->fd, EV_WRITE);
	p->io.data = p;
	ev_io_start(server.loop, &p->io);
	return (p);
}

/* Its instance no longer wants it (or its time ran out). */
void
probe_connect_drop(struct probe_connect *p)
{
	if (p == NULL)
		return;
	ev_timer_stop(server.loop, &p->now);
	if (p->fd != -1) {
		ev_io_stop(server.loop, &p->io);
		close(p->fd);
	}
	free(p);
}

static void
probe_connect_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_connect	*p = w->data;
	socklen_t		 len = sizeof(p->err);

	(void)loop;
	(void)revents;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &p->err, &len) == -1)
		p->err = errno;
	probe_connect_done(p);
}

static void
probe_connect_now_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	probe_connect_done(w->data);
}

/* The verdict, the probe freed first. */
static void
probe_connect_done(struct probe_connect *p)
{
	struct health	*h = p->h;
	int		 e = p->err;

	p->h = NULL;
	probe_connect_drop(p);
	if (e == 0)
		health_result(h, 1, "accepted");
	else
		health_result(h, 0, "connect to '%s': %s",
		    health_inst(h)->req.socket_path, strerror(e));
}
