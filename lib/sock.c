/*
 * sock.c: UNIX-domain socket and descriptor helpers shared by the library
 * and runnerd.  Every descriptor made here is close-on-exec, so none leaks
 * into a child.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

/* Fill a sockaddr_un; -1 with ENAMETOOLONG when the path does not fit. */
static int
sock_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return (0);
}

/*
 * Connect to the stream socket at path, without blocking: a UNIX socket
 * either accepts at once or says EAGAIN (backlog full), ECONNREFUSED
 * (nobody listens) or ENOENT.  Returns a non-blocking fd or -1.
 */
int
sock_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, saved;

	if (sock_addr(path, &sun) == -1)
		return (-1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/*
 * Make way for a server about to bind path: a socket nobody listens on
 * is stale and removed; one that accepts a connection belongs to a live
 * process and is left alone (RUNNER_EEXIST), and anything that is not a
 * socket is never deleted (RUNNER_ESPAWN).
 */
int
sock_remove_stale(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return (0);
		snprintf(err, errlen, "cannot check socket '%s': %s", path,
		    strerror(errno));
		return (RUNNER_ESPAWN);
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "'%s' exists and is not a socket; "
		    "not removing it", path);
		return (RUNNER_ESPAWN);
	}
	if ((fd = sock_connect(path)) != -1 || errno == EAGAIN) {
		if (fd != -1)
			close(fd);
		snprintf(err, errlen, "socket '%s' is in use by another "
		    "process", path);
		return (RUNNER_EEXIST);
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "cannot check socket '%s': %s", path,
		    strerror(errno));
		return (RUNNER_ESPAWN);
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket '%s': %s",
		    path, strerror(errno));
		return (RUNNER_ESPAWN);
	}
	return (0);
}

/* A connected pair of close-on-exec stream sockets (both blocking). */
int
sock_pair(int sv[2])
{
	return (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
}

/* Set O_NONBLOCK on fd. */
int
fd_nonblock(int fd)
{
	int	 flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	return (fcntl(fd, F_SETFL, flags | O_NONBLOCK));
}

/*
 * Wait until fd has any of events (or an error or hangup) or the deadline
 * passes; a signal does not cut the wait short.  1 ready, 0 timed out,
 * -1 error.
 */
int
fd_wait(int fd, short events, double deadline)
{
	return (fd_wait_either(fd, -1, events, deadline));
}

/* fd_wait on fd and also (-1: none), whichever is ready first. */
int
fd_wait_either(int fd, int also, short events, double deadline)
{
	struct pollfd	 pfd[2];
	int		 n;

	for (;;) {
		pfd[0].fd = fd;
		pfd[1].fd = also;	/* poll skips -1 */
		pfd[0].events = pfd[1].events = events;
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, 2, clock_ms_left(deadline));
		if (n > 0)
			return (1);
		if (n == 0 && clock_ms_left(deadline) == 0)
			return (0);
		if (n == -1 && errno != EINTR)
			return (-1);
	}
}
