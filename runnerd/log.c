/*
 * log.c: the daemon's one logger, after the OpenBSD daemons.  In the
 * foreground (as systemd and s6 run it) lines go to stderr as
 * "runnerd: message"; detached, to syslog.  log_warn appends errno in
 * words, so the place where a system call failed logs it once and callers
 * only pass the failure up.
 *
 * Logging never blocks the loop: a reader of stderr that stalls (a pipe
 * nobody reads, a terminal on ^S) must not stop runnerd from answering.
 * So stderr is written without blocking, through a private open file
 * description (O_NONBLOCK set on the inherited one would change it for
 * the shell or terminal that shares it): /proc/self/fd/2 opened anew for
 * a pipe, FIFO or terminal; send with MSG_DONTWAIT for a socket (the
 * journal's stream); a regular file is written as is, since it never
 * stalls.  What stderr does not take at once waits in a queue of
 * LOG_QUEUE bytes, flushed by an ev_io when stderr is writable; a line
 * that does not fit is dropped and counted, and once the queue has
 * drained runnerd says how many were lost.  Lines are never torn: a line
 * is queued whole or dropped whole.
 *
 * syslog(3) would block too (glibc sends to /dev/log with a blocking
 * send, and a datagram socket blocks when the logger's queue is full), so
 * detached runnerd speaks the syslog protocol itself on a non-blocking
 * datagram socket, with the same queue: there it holds whole datagrams,
 * each after its length, sent when the socket is writable again.
 *
 * At exit (fatal included) what is still queued gets at most
 * LOG_EXIT_WAIT seconds to go out.
 *
 * Where no syslog answers (a container, a minimal system), a detached
 * runnerd would log nowhere: it writes RUNNERD_LOGFILE in its socket's
 * directory instead, lines stamped with time and pid, kept under
 * LOG_FILE_MAX bytes by moving it to RUNNERD_LOGFILE.old once past;
 * runnerctl names that file when a runnerd it started fails.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "runnerd.h"

#define LOG_QUEUE	(64 * 1024)	/* bytes waiting for stderr */
#define LOG_LINE	2400		/* one line: message, errno, prefix */
#define LOG_EXIT_WAIT	1000		/* ms the queue gets at exit */
#define LOG_DEVLOG	"/dev/log"
#define LOG_FILE_MAX	(1024 * 1024)	/* bytes before the file is moved */

enum log_to {
	LOG_TO_FILE,		/* a regular file: written as is */
	LOG_TO_FD,		/* our own non-blocking description */
	LOG_TO_SOCK,		/* a socket: send with MSG_DONTWAIT */
	LOG_TO_POLL,		/* no private description: poll first */
	LOG_TO_SYSLOG		/* detached: datagrams to /dev/log */
};

static int	 log_foreground = 1;
static int	 log_verbose;
static enum log_to log_to = LOG_TO_FILE;
static int	 log_fd = STDERR_FILENO;	/* where stderr lines go */
static int	 log_own = -1;		/* our description of stderr, or -1 */
static int	 log_sysfd = -1;	/* the syslog socket, or -1 */
static char	 log_q[LOG_QUEUE];	/* bytes stderr has not taken yet */
static size_t	 log_qlen;
static uint64_t	 log_dropped;		/* lines lost since last said */
static ev_io	 log_io;		/* stderr writable: flush the queue */
static int	 log_atexit;
static int	 log_dirfd = -1;	/* detached: the log file's directory */
static off_t	 log_fbytes;		/* bytes in the log file */

static void	log_vwrite(int, const char *, va_list, int)
		    __attribute__((format(printf, 2, 0)));
static void	log_emit(const char *, size_t);
static ssize_t	log_put(const char *, size_t);
static int	log_flush(void);
static void	log_io_cb(struct ev_loop *, ev_io *, int);
static void	log_exit(void);
static void	log_stderr(void);
static void	log_syslog(int, const char *, size_t);
static int	log_sys_connect(void);
static int	log_sys_put(const char *, size_t);
static void	log_file_line(const char *, size_t);
static int	log_sys_flush(void);
static void	log_watch(void);

/* Where to log: stderr in the foreground, else syslog; verbose adds debug. */
void
log_init(int foreground, int verbose)
{
	if (!log_atexit && atexit(log_exit) == 0)
		log_atexit = 1;
	if (!foreground && log_foreground)
		log_exit();	/* what stderr still owes, before it goes */
	log_foreground = foreground;
	log_verbose = verbose;
	if (foreground)
		log_stderr();
	else {
		log_to = LOG_TO_SYSLOG;
		log_qlen = 0;	/* stderr's leftovers are not datagrams */
		log_dropped = 0;
		if (log_own != -1)
			close(log_own);
		log_own = -1;
	}
}

/*
 * Detach the log from the terminal: to syslog when /dev/log answers,
 * else to RUNNERD_LOGFILE in dirfd (the socket's directory, open for
 * runnerd's life), made our stderr so that nothing written to stderr
 * outside log.c goes astray; /dev/null when neither can be had.
 */
void
log_detach(int dirfd)
{
	struct stat	 st;
	int		 fd = -1;

	if (log_sys_connect() == 0) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		log_init(0, log_verbose);
	} else if (dirfd != -1 && (fd = openat(dirfd, RUNNERD_LOGFILE,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
	    0600)) != -1) {
		log_exit();	/* what the terminal is still owed */
		log_dirfd = dirfd;
		log_fbytes = fstat(fd, &st) == 0 ? st.st_size : 0;
	} else
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd != -1 && fd != STDERR_FILENO) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if (log_dirfd != -1)
		log_init(1, log_verbose);	/* stderr: now the file */
	else if (log_foreground)
		log_init(0, log_verbose);	/* nowhere: syslog, if it comes */
}

/* Choose how to write stderr without blocking (see the top). */
static void
log_stderr(void)
{
	struct stat	 st;
	int		 fd;

	if (log_own != -1) {
		close(log_own);
		log_own = -1;
	}
	log_fd = STDERR_FILENO;
	if (fstat(STDERR_FILENO, &st) == -1 || S_ISREG(st.st_mode)) {
		log_to = LOG_TO_FILE;
		return;
	}
	if (S_ISSOCK(st.st_mode)) {
		log_to = LOG_TO_SOCK;
		return;
	}
	/* O_NOCTTY: a terminal opened anew must not become ours. */
	fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd == -1) {
		log_to = LOG_TO_POLL;
		return;
	}
	log_own = log_fd = fd;
	log_to = LOG_TO_FD;
}

static void
log_vwrite(int pri, const char *fmt, va_list ap, int err)
{
	char	 raw[2048], msg[2048], line[LOG_LINE];
	int	 n;

	/*
	 * Aliases, arguments and a child's words reach the log; a newline
	 * or an escape sequence in them would forge a line or drive the
	 * terminal that shows it.
	 */
	vsnprintf(raw, sizeof(raw), fmt, ap);
	escape_ctrl(raw, msg, sizeof(msg));
	if (log_to == LOG_TO_SYSLOG) {
		if (err)
			n = snprintf(line, sizeof(line), "%s: %s", msg,
			    strerror(err));
		else
			n = snprintf(line, sizeof(line), "%s", msg);
		log_syslog(pri, line, n < 0 ? 0 : (size_t)n >= sizeof(line) ?
		    sizeof(line) - 1 : (size_t)n);
		return;
	}
	if (err)
		n = snprintf(line, sizeof(line), "runnerd: %s: %s\n", msg,
		    strerror(err));
	else
		n = snprintf(line, sizeof(line), "runnerd: %s\n", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (log_dirfd != -1)
		log_file_line(line, (size_t)n);
	else
		log_emit(line, (size_t)n);
}

/*
 * A line for the detached log file: stamped (a file, unlike the journal
 * or a terminal, says nothing of when), and the file moved to
 * RUNNERD_LOGFILE.old and begun again once past LOG_FILE_MAX.
 */
static void
log_file_line(const char *line, size_t n)
{
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 stamped[LOG_LINE + 64];
	int		 k, fd;

	if (localtime_r(&now, &tm) == NULL || strftime(stamped,
	    sizeof(stamped), "%Y-%m-%d %H:%M:%S ", &tm) == 0)
		stamped[0] = '\0';
	k = strlen(stamped);
	/* "runnerd: msg" becomes "STAMP runnerd[PID]: msg". */
	k += snprintf(stamped + k, sizeof(stamped) - k, "runnerd[%ld]%.*s",
	    (long)getpid(), (int)(n - 7), line + 7);
	if (k < 0 || (size_t)k >= sizeof(stamped)) {
		k = sizeof(stamped) - 1;
		stamped[k - 1] = '\n';
	}
	if (log_fbytes + k > LOG_FILE_MAX &&
	    renameat(log_dirfd, RUNNERD_LOGFILE, log_dirfd,
	    RUNNERD_LOGFILE ".old") == 0 && (fd = openat(log_dirfd,
	    RUNNERD_LOGFILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0600)) != -1) {
		dup2(fd, STDERR_FILENO);
		close(fd);
		log_fbytes = 0;
	}
	log_fbytes += k;
	log_emit(stamped, (size_t)k);
}

/*
 * One whole line for stderr: written now if nothing is queued and stderr
 * takes it, else queued (the rest of it, after a short write), else
 * dropped and counted.
 */
static void
log_emit(const char *line, size_t n)
{
	ssize_t	 w = 0;

	if (log_qlen > 0)
		(void)log_flush();
	if (log_qlen == 0) {
		if ((w = log_put(line, n)) == -1)
			return;		/* no reader at all: nowhere to go */
		line += w;
		n -= (size_t)w;
	}
	if (n == 0)
		return;
	if (w == 0 && log_qlen + n > sizeof(log_q)) {
		log_dropped++;
		return;
	}
	/* The rest of a line begun always fits: the queue was empty. */
	memcpy(log_q + log_qlen, line, n);
	log_qlen += n;
	log_watch();
}

/* Something is queued: flush it when its descriptor is writable. */
static void
log_watch(void)
{
	int	 fd = log_to == LOG_TO_SYSLOG ? log_sysfd : log_fd;

	if (server.loop == NULL || fd == -1)
		return;
	if (ev_is_active(&log_io) && log_io.fd != fd)
		ev_io_stop(server.loop, &log_io);	/* syslog reconnected */
	if (!ev_is_active(&log_io)) {
		ev_io_init(&log_io, log_io_cb, fd, EV_WRITE);
		ev_io_start(server.loop, &log_io);
	}
}

/*
 * Write what stderr takes now of p: the bytes taken (0: none, it is
 * full), or -1 when it has failed for good (EPIPE, EBADF).
 */
static ssize_t
log_put(const char *p, size_t n)
{
	struct pollfd	 pfd = { log_fd, POLLOUT, 0 };
	ssize_t		 w;

	switch (log_to) {
	case LOG_TO_SOCK:
		w = send(log_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	case LOG_TO_POLL:
		/* Writable: a line (under PIPE_BUF) goes in whole. */
		if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT))
			return ((pfd.revents & (POLLERR | POLLNVAL)) ? -1 : 0);
		w = write(log_fd, p, n);
		break;
	default:
		w = write(log_fd, p, n);
		break;
	}
	if (w >= 0)
		return (w);
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return (0);
	return (-1);
}

/*
 * Write out the queue as far as stderr takes it; once it is empty, say
 * how many lines were dropped meanwhile.  0 when empty, else 1.
 */
static int
log_flush(void)
{
	char	 note[128];
	ssize_t	 w;
	int	 n;

	if (log_to == LOG_TO_SYSLOG)
		return (log_sys_flush());
	while (log_qlen > 0) {
		if ((w = log_put(log_q, log_qlen)) == -1) {
			log_qlen = 0;	/* the reader has gone for good */
			break;
		}
		if (w == 0)
			return (1);
		memmove(log_q, log_q + w, log_qlen - (size_t)w);
		log_qlen -= (size_t)w;
	}
	if (log_dropped > 0) {
		n = snprintf(note, sizeof(note), "runnerd: %llu log lines "
		    "dropped while stderr was not being read\n",
		    (unsigned long long)log_dropped);
		log_dropped = 0;
		memcpy(log_q, note, (size_t)n);
		log_qlen = (size_t)n;
		return (log_flush());
	}
	return (0);
}

static void
log_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	if (log_flush() == 0)
		ev_io_stop(loop, w);
}

/* At exit and before detaching: the queue gets a last, bounded chance. */
static void
log_exit(void)
{
	struct pollfd	 pfd;
	struct timespec	 t0, t;
	long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (log_flush() != 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= LOG_EXIT_WAIT)
			break;
		pfd.fd = log_to == LOG_TO_SYSLOG ? log_sysfd : log_fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)(LOG_EXIT_WAIT - ms)) == -1 &&
		    errno != EINTR)
			break;
	}
	if (server.loop != NULL && ev_is_active(&log_io))
		ev_io_stop(server.loop, &log_io);
}

/*
 * Detached: one message to syslog, as "<PRI>Mmm dd hh:mm:ss
 * runnerd[PID]: msg", a datagram on a non-blocking socket to /dev/log:
 * sent now if nothing is queued and syslog takes it, else queued whole
 * (after its length), else dropped and counted.
 */
static void
log_syslog(int pri, const char *msg, size_t n)
{
	struct tm	 tm;
	char		 dg[LOG_LINE + 128], stamp[32];
	time_t		 now;
	uint16_t	 len;
	int		 k;

	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	k = snprintf(dg, sizeof(dg), "<%d>%s runnerd[%ld]: %.*s",
	    LOG_DAEMON | pri, stamp, (long)getpid(), (int)n, msg);
	if (k < 0)
		return;
	len = (size_t)k >= sizeof(dg) ? sizeof(dg) - 1 : (uint16_t)k;
	if (log_qlen > 0)
		(void)log_sys_flush();
	if (log_qlen == 0 && log_sys_put(dg, len) != 0)
		return;		/* sent, or no syslog: nowhere to go */
	if (log_qlen + sizeof(len) + len > sizeof(log_q)) {
		log_dropped++;
		return;
	}
	memcpy(log_q + log_qlen, &len, sizeof(len));
	memcpy(log_q + log_qlen + sizeof(len), dg, len);
	log_qlen += sizeof(len) + len;
	log_watch();
}

/*
 * Send one datagram to syslog, connecting on first use and again after
 * syslogd restarted: 1 sent, 0 not now (its queue is full), -1 there is
 * no syslog to send to.
 */
static int
log_sys_put(const char *dg, size_t len)
{
	int	 try;

	for (try = 0; try < 2; try++) {
		if (log_sys_connect() == -1)
			return (-1);
		if (send(log_sysfd, dg, len, MSG_DONTWAIT | MSG_NOSIGNAL) != -1)
			return (1);
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
		    errno == EINTR)
			return (0);
		/* syslogd went or restarted: connect again, once. */
		if (server.loop != NULL && ev_is_active(&log_io))
			ev_io_stop(server.loop, &log_io);
		close(log_sysfd);
		log_sysfd = -1;
	}
	return (-1);
}

/* Connect to syslog unless connected: 0, or -1 when nobody listens. */
static int
log_sys_connect(void)
{
	struct sockaddr_un	 sun;

	if (log_sysfd != -1)
		return (0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, LOG_DEVLOG, sizeof(LOG_DEVLOG));
	if ((log_sysfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(log_sysfd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(log_sysfd);
		log_sysfd = -1;
		return (-1);
	}
	return (0);
}

/*
 * Send the queued datagrams as far as syslog takes them; once none is
 * left, say how many were dropped meanwhile.  0 when empty, else 1.
 */
static int
log_sys_flush(void)
{
	char		 note[128];
	uint16_t	 len;
	size_t		 k;
	int		 r, n;

	while (log_qlen > 0) {
		memcpy(&len, log_q, sizeof(len));
		if ((r = log_sys_put(log_q + sizeof(len), len)) == 0)
			return (1);
		if (r == -1) {
			log_qlen = 0;	/* no syslog any more */
			break;
		}
		k = sizeof(len) + len;
		memmove(log_q, log_q + k, log_qlen - k);
		log_qlen -= k;
	}
	if (log_dropped > 0) {
		n = snprintf(note, sizeof(note), "%llu log lines dropped while "
		    "syslog was not taking them",
		    (unsigned long long)log_dropped);
		log_dropped = 0;
		log_syslog(LOG_WARNING, note, (size_t)n);
		return (log_qlen > 0);
	}
	return (0);
}

/* A warning with errno in words. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

/* A warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

/* Something an operator wants to know: starts, exits, reloads. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

/* Detail, only with -v. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

/*
 * Give up, with errno in words: start-up failures and broken invariants.
 * The line is queued like any other and log_exit (atexit) gives it its
 * bounded chance.
 */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

/* Give up, without errno. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
