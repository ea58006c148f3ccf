/*
 * notify.c: the sd_notify protocol, spoken without libsystemd.  Under
 * systemd (Type=notify) NOTIFY_SOCKET names a datagram socket, a path or
 * an abstract name ('@' for the leading NUL); runnerd sends READY=1 with
 * its MAINPID once the control socket listens and the autostart apps are
 * started, RELOADING=1 and READY=1 around a reload, STOPPING=1 when it
 * shuts down.  NOTIFY_SOCKET is taken out of the environment at start-up,
 * so that the instances do not inherit it and talk to systemd in
 * runnerd's name.  Each message is one non-blocking datagram: runnerd
 * never waits for systemd, and a failure is logged once, not per message.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runnerd.h"

static struct sockaddr_un	notify_addr;
static socklen_t		notify_len;	/* 0: no NOTIFY_SOCKET */
static int			notify_fd = -1;
static int			notify_warned;	/* an error was logged */
static int			notify_stopped;	/* STOPPING=1 was sent */

static void	notify_send(const char *);

/*
 * Take NOTIFY_SOCKET from the environment (before anything is spawned)
 * and open the socket to send on.  Without it, every notify_* does
 * nothing.
 */
void
notify_init(void)
{
	const char	*v = getenv("NOTIFY_SOCKET");
	size_t		 len;

	if (v == NULL || *v == '\0') {
		unsetenv("NOTIFY_SOCKET");
		return;
	}
	len = strlen(v);
	if ((*v != '/' && *v != '@') || len >= sizeof(notify_addr.sun_path)) {
		log_warnx("NOTIFY_SOCKET=%s: not a path or an @abstract name "
		    "that fits a UNIX socket address; not notifying", v);
		unsetenv("NOTIFY_SOCKET");
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, v, len);
	if (*v == '@') {
		/* Abstract: a leading NUL, and the length counts, not a NUL. */
		notify_addr.sun_path[0] = '\0';
		notify_len = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len);
	} else
		notify_len = (socklen_t)sizeof(notify_addr);
	unsetenv("NOTIFY_SOCKET");
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		log_warn("%s: socket", __func__);
		notify_warned = 1;
		notify_len = 0;
	}
}

/* Send one message to the notify socket; a failure is logged once. */
static void
notify_send(const char *msg)
{
	if (notify_len == 0)
		return;
	if (sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len) != -1)
		return;
	if (!notify_warned) {
		notify_warned = 1;
		log_warn("%s: sendto NOTIFY_SOCKET %s%s", __func__,
		    notify_addr.sun_path[0] == '\0' ? "@" : "",
		    notify_addr.sun_path[0] == '\0' ? notify_addr.sun_path + 1 :
		    notify_addr.sun_path);
	}
}

/*
 * READY=1 with runnerd's pid: the socket listens, autostart has run.
 * Not after STOPPING=1: a reload whose wave a shutdown cut ends then,
 * and systemd would take the stopping service for running again.
 */
void
notify_ready(void)
{
	char	 msg[64];

	if (notify_stopped)
		return;
	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld", (long)getpid());
	notify_send(msg);
}

/*
 * RELOADING=1 as a reload begins; notify_ready says it is over.
 * MONOTONIC_USEC tells systemd (Type=notify-reload) which reload this is.
 */
void
notify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

/* STOPPING=1, once, however many ways the shutdown was asked for. */
void
notify_stopping(void)
{
	if (notify_stopped)
		return;
	notify_stopped = 1;
	notify_send("STOPPING=1");
}
