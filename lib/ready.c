/*
 * ready.c: the readiness checks that runnerd (runnerd/ready.c, on its
 * loop) and the in-process backend (local.c, blocking) both make, written
 * once so that they agree: one try at a socket app's socket, one read of
 * the notify pipe (ready = notify: a newline, the s6 convention), the
 * naps between connect tries (1 ms doubling to 32 ms), and the words for
 * each way a start fails to become ready.  Waiting is the caller's.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

#define READY_NAP_MAX	0.032	/* longest nap between connect tries */

/*
 * One try at a socket app's socket: 1 when it accepted (*fd is the
 * connection), 0 when it does not accept yet (not there, refused, its
 * backlog full), -1 when connect failed otherwise (errno says why).
 */
int
ready_connect(const char *path, int *fd)
{
	if ((*fd = sock_connect(path)) != -1)
		return (1);
	if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN)
		return (-1);
	return (0);
}

/*
 * The nap before the next connect try: *delay, or less if the deadline
 * (left seconds away) comes first.  *delay (READY_NAP_FIRST at first)
 * doubles for the next time, up to READY_NAP_MAX.
 */
double
ready_nap(double *delay, double left)
{
	double	 nap = *delay < left ? *delay : left;

	if (*delay < READY_NAP_MAX)
		*delay *= 2;
	return (nap);
}

/*
 * Read what the notify pipe holds now: READY_LINE once the newline came,
 * READY_MORE when bytes came without it (read again), READY_WAIT when
 * nothing is there yet (EAGAIN, EINTR), READY_EOF when the child closed
 * it, READY_FAIL when read failed (errno says why).
 */
enum ready_read
ready_notify_read(int fd)
{
	char	 buf[256];
	ssize_t	 n;

	if ((n = read(fd, buf, sizeof(buf))) > 0)
		return (memchr(buf, '\n', (size_t)n) != NULL ? READY_LINE :
		    READY_MORE);
	if (n == 0)
		return (READY_EOF);
	if (errno == EAGAIN || errno == EINTR)
		return (READY_WAIT);
	return (READY_FAIL);
}

/*
 * Say in err why app's instance alias did not become ready (path: its
 * socket; errnum: the errno of a failed connect or read).  Returns the
 * RUNNER_E* code that goes with it.
 */
int
ready_errf(enum ready_fail why, const struct app *app, const char *alias,
    const char *path, int errnum, char *err, size_t errlen)
{
	switch (why) {
	case READY_ECONNECT:
		errf(err, errlen, "cannot connect to '%s' of '%s': %s", path,
		    alias, strerror(errnum));
		return (RUNNER_ESPAWN);
	case READY_ENOACCEPT:
		errf(err, errlen, "'%s' did not accept connections on '%s' "
		    "within %g s", alias, path, app->ready_timeout);
		return (RUNNER_ETIMEDOUT);
	case READY_ENOLINE:
		errf(err, errlen, "'%s' did not write a newline to fd %d "
		    "within %g s", alias, app->notify_fd, app->ready_timeout);
		return (RUNNER_ETIMEDOUT);
	case READY_EREAD:
		errf(err, errlen, "read notify fd of '%s': %s", alias,
		    strerror(errnum));
		return (RUNNER_ESYS);
	case READY_ECLOSED:
	default:
		errf(err, errlen, "'%s' closed fd %d without writing the "
		    "newline that says it is ready", alias, app->notify_fd);
		return (RUNNER_ESPAWN);
	}
}
