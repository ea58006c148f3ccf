/*
 * dialstdio.c: `runnerctl dial-stdio`, what `runnerctl -H ssh://host`
 * (lib/ssh.c) runs on the remote host, as docker's `system dial-stdio`.
 * It connects to the local control socket and relays bytes both ways,
 * unchanged, until runnerd closes: stdin to the socket on a thread of
 * its own, the socket to stdout here, so that neither direction waits
 * for the other (an attach carries a stream each way at once).
 * runnerd sees this process's credentials, the ssh user's.
 *
 * ssh carries an end of input but not whether it was a half-close or a
 * close (lib/ssh.c).  With --escaped (the library's channels) stdin
 * says: its bytes are escaped (ssh_unescape), and a mark before its end
 * makes that end a half-close (the socket's sending side is shut once
 * every byte before it is passed on, and the replies still come); any
 * other end is a close.  Stdin is read ahead of runnerd into a queue
 * (DIAL_QUEUE_MAX), so that sshd, which drops what it holds when the
 * ssh connection ends, is emptied at once; at an escaped close the
 * bytes still queued are passed on by a copy of this process, and this
 * one ends, and with it the ssh connection (dial_detach).  Without
 * --escaped (runnerctl's own connections), a close ends the ssh
 * connection too, and with it sshd's reading of our stdout.  So when
 * stdin ends, we wait a moment (DIAL_HUP_MS) for stdout's reader to go:
 * gone, it was a close, and so is ours (the instance of an attach runs
 * on); still there, a half-close: `printf 'q\n' | runnerctl -H ...
 * attach` sees its answer.  A reader that goes at any time ends us as
 * soon as what came on stdin before it has been passed on (bounded),
 * not at the next byte to write: a `logs -f` of a quiet instance would
 * hold runnerd's connection for nothing.
 */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

#define DIAL_CHUNK	65536
#define DIAL_HUP_MS	250	/* after stdin's end, for stdout's reader
				   to go with it: a close, not a half */
#define DIAL_QUEUE_MAX	(8 * 1024 * 1024) /* stdin read ahead of runnerd */
#define DIAL_JOIN_MS	10000	/* at a close, for stdin's last bytes (a
				   loaded machine may not run us for
				   seconds) */

enum { DIAL_ESCAPED };

const struct ctl_opt dial_opts[] = {
	[DIAL_ESCAPED] = { "--escaped", 0, "stdin is escaped by the library "
	    "(lib/ssh.c): its end is a close unless marked a half-close" },
	{ NULL, 0, NULL }
};

/* The thread's: the socket, the mode, how it tells the loop it is done. */
struct dial {
	int		 fd;		/* to runnerd */
	int		 escaped;	/* --escaped */
	int		 over;		/* write end, closed once stdin is all
					   passed on */
	int		 closing;	/* set before: it was a close */
	int		 bad;		/* stdin broke its escaping */
};

static ssize_t	 dial_read(int, char *, size_t);
static void	 dial_detach(int, struct buf *, int);
static void	 dial_bad(struct dial *, const struct ssh_unesc *);
static void	*dial_up(void *);

/*
 * read(2), waiting when fd is non-blocking and empty (sshd may hand us
 * such a stdin): bytes, 0 at the end, -1 on an error.
 */
static ssize_t
dial_read(int fd, char *b, size_t len)
{
	struct pollfd	 pfd;
	ssize_t		 n;

	for (;;) {
		if ((n = read(fd, b, len)) >= 0)
			return (n);
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				return (-1);
		} else if (errno != EINTR)
			return (-1);
	}
}

/*
 * An escaped close's last bytes (q) to runnerd, by a process of our
 * own: the one sshd waits for ends now, and with it the ssh connection,
 * now that sshd holds nothing more for us (the library's close waits
 * for that, bounded).  The copy passes q on, dropping what runnerd
 * sends meanwhile, until q is empty or runnerd goes, then closes.  In
 * the forked copy of a threaded process: system calls only.  Returns
 * when fork fails: the caller passes q on itself.  This one exits rc.
 */
static void
dial_detach(int fd, struct buf *q, int rc)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	char		 b[DIAL_CHUNK];
	ssize_t		 n;
	pid_t		 pid;
	int		 nul;

	if ((pid = fork()) == -1)
		return;
	if (pid > 0)
		_exit(rc);
	if ((nul = open("/dev/null", O_RDWR)) != -1) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
		dup2(nul, STDERR_FILENO);
	}
	while (buf_used(q) > 0) {
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((pfd.revents & POLLIN) &&
		    recv(fd, b, sizeof(b), MSG_DONTWAIT) == 0)
			break;
		if (pfd.revents & (POLLERR | POLLNVAL))
			break;
		if (!(pfd.revents & POLLOUT))
			continue;
		n = send(fd, buf_head(q), buf_used(q),
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			buf_drop(q, (size_t)n);
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			break;
	}
	_exit(CTL_EXIT_OK);
}

/*
 * Stdin, --escaped, holds what the library never writes (ssh_unescape):
 * said on stderr (ssh carries it to the user), and taken as a close.
 */
static void
dial_bad(struct dial *d, const struct ssh_unesc *u)
{
	if (u->bad == -1)
		fprintf(stderr, "runnerctl: dial-stdio: standard input goes "
		    "on after its half-close mark; closing\n");
	else
		fprintf(stderr, "runnerctl: dial-stdio: standard input is "
		    "not escaped as --escaped says (0xff then 0x%02x); "
		    "closing\n", u->bad & 0xff);
	d->bad = 1;
}

/*
 * The thread: stdin to the socket, through a queue (DIAL_QUEUE_MAX), so
 * that stdin is read, and sshd's buffer emptied, even while runnerd
 * takes its time.  At stdin's end, a close or a half-close: escaped, a
 * close unless marked; not, a close when stdout's reader went with it.
 * A half-close shuts the socket's sending side once the queue is
 * passed on; an escaped close with bytes still queued detaches
 * (dial_detach).  Either way the loop is told when the thread is done.
 */
static void *
dial_up(void *arg)
{
	struct pollfd	 pfd[2], out = { .fd = STDOUT_FILENO, .events = 0 };
	struct ssh_unesc u = { 0, 0, 0 };
	struct dial	*d = arg;
	struct buf	 q;
	char		 b[DIAL_CHUNK];
	ssize_t		 n;
	size_t		 len;
	int		 eof = 0;

	buf_init(&q);
	pfd[0].events = POLLIN;
	pfd[1].events = POLLOUT;
	for (;;) {
		pfd[0].fd = !eof && buf_used(&q) < DIAL_QUEUE_MAX ?
		    STDIN_FILENO : -1;
		pfd[1].fd = buf_used(&q) > 0 ? d->fd : -1;
		if (eof && pfd[1].fd == -1)
			break;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents != 0) {
			if ((n = read(STDIN_FILENO, b, sizeof(b))) > 0) {
				len = d->escaped ? ssh_unescape(&u, b,
				    (size_t)n) : (size_t)n;
				if (buf_add(&q, b, len) == -1)
					break;
				if (u.bad != 0) {
					/* What came before goes; a close. */
					dial_bad(d, &u);
					eof = 1;
					d->closing = 1;
					dial_detach(d->fd, &q,
					    CTL_EXIT_REFUSED);
				}
			} else if (n == 0) {
				eof = 1;
				d->closing = d->escaped ? !u.half :
				    poll(&out, 1, DIAL_HUP_MS) == 1;
				if (d->escaped && d->closing)
					dial_detach(d->fd, &q, CTL_EXIT_OK);
			} else if (errno != EAGAIN && errno != EINTR)
				eof = 1;
		}
		if (pfd[1].revents != 0) {
			n = send(d->fd, buf_head(&q), buf_used(&q),
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				buf_drop(&q, (size_t)n);
			else if (n == -1 && errno != EAGAIN && errno != EINTR)
				break;	/* runnerd takes no more */
		}
	}
	if (!d->closing)
		shutdown(d->fd, SHUT_WR);
	buf_free(&q);
	close(d->over);
	return (NULL);
}

/*
 * dial-stdio: 0 once runnerd closed the connection, 3 when there is no
 * runnerd (said on stderr, which ssh carries to the user), 1 when
 * stdout failed (ssh went) or stdin broke its escaping.
 */
int
ctl_dial_stdio(struct ctl *ctl, struct ctl_args *a)
{
	struct pollfd	 pfd[3];
	struct dial	 d = { .closing = 0 };
	pthread_t	 up;
	char		 b[DIAL_CHUNK];
	ssize_t		 n;
	pid_t		 none;
	double		 deadline = -1;	/* once stdout's reader went */
	int		 over[2], rc = CTL_EXIT_OK;

	/* One hop: a relay to another host would hide whose it is. */
	if (ssh_url(ctl->socket))
		return (ctl_usage_error(ctl->cmd, "relays to a local socket, "
		    "not to %s", ctl->socket));
	if ((d.fd = rpc_dial(ctl->socket, &none)) == -1) {
		fprintf(stderr, "runnerctl: no runnerd at %s: %s\n",
		    ctl->socket, strerror(errno));
		return (CTL_EXIT_NODAEMON);
	}
	d.escaped = a->val[DIAL_ESCAPED] != NULL;
	if (pipe2(over, O_CLOEXEC) == -1 || fcntl(d.fd, F_SETFL, 0) == -1 ||
	    (d.over = over[1], pthread_create(&up, NULL, dial_up, &d)) != 0) {
		fprintf(stderr, "runnerctl: dial-stdio: %s\n",
		    strerror(errno));
		close(d.fd);
		return (CTL_EXIT_REFUSED);
	}
	pfd[0].fd = d.fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = STDOUT_FILENO;
	pfd[1].events = 0;	/* only POLLERR, POLLHUP: its reader left */
	pfd[2].fd = over[0];
	pfd[2].events = POLLIN;	/* POLLHUP: the thread is done */
	for (;;) {
		if (poll(pfd, 3, deadline < 0 ? -1 :
		    clock_ms_left(deadline)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].revents != 0) {
			/* Stdin all passed on: a close ends us. */
			if (d.closing || deadline >= 0)
				break;
			pfd[2].fd = -1;
		}
		if (pfd[1].revents != 0 && deadline < 0) {
			/*
			 * A close: what came on stdin just before it (sshd
			 * hands it over, then hangs up) must reach runnerd
			 * first.  Until the thread has passed it on
			 * (bounded, should sshd keep stdin open), runnerd's
			 * output is read and dropped: runnerd, not read,
			 * could stop taking our input.
			 */
			rc = CTL_EXIT_REFUSED;
			deadline = clock_deadline(DIAL_JOIN_MS);
			pfd[1].fd = -1;
			if (pfd[2].fd == -1)
				break;
		}
		if (deadline >= 0 && clock_ms_left(deadline) == 0)
			break;
		if (pfd[0].revents == 0)
			continue;
		if ((n = dial_read(d.fd, b, sizeof(b))) <= 0)
			break;
		if (deadline < 0 && out_write(STDOUT_FILENO, b, (size_t)n) ==
		    -1) {
			rc = CTL_EXIT_REFUSED;
			deadline = clock_deadline(DIAL_JOIN_MS);
			pfd[1].fd = -1;
		}
	}
	/*
	 * runnerd is done (or ssh is gone, or stdin ended in a close): so
	 * are we, and a thread still waiting for stdin ends with the
	 * process.  The socket stays open for it meanwhile.
	 */
	return (d.bad ? CTL_EXIT_REFUSED : rc);
}
