/*
 * ssh.c: reach a runnerd on another machine through ssh(1), as docker's
 * -H ssh:// does.  ssh://[user@]host[:port][/socket] runs
 *
 *	ssh -o BatchMode=yes -T [-p PORT] [-l USER] -- HOST \
 *	    'runnerctl' 'dial-stdio' ['-s' 'SOCKET']
 *
 * on one end of a socketpair and hands back the other: the remote
 * runnerctl relays it to the remote control socket, so runnerd checks
 * the remote user's own credentials (SO_PEERCRED) and nothing listens on
 * the network.  ssh joins the words after the host with spaces and gives
 * them to the remote user's shell, so each is single-quoted here: a
 * socket path with a space or a quote stays one word, never a command.
 * $RUNNER_SSH replaces "ssh" (split into words as a command is, so it
 * may carry -F, -i, -o) and $RUNNER_REMOTE_RUNNERCTL the remote
 * "runnerctl".  The ssh is reaped by its pid only, when the connection
 * closes: no SIGCHLD handler, no waitpid(-1).
 *
 * ssh carries one end of input (EOF), not the difference between a
 * half-close (runner_channel_shutdown: the instance's input ends) and a
 * close (the handle goes; the instance runs on), which runnerd tells
 * apart on a local socket.  Nor can the end of the ssh connection carry
 * a close: sshd drops what it still holds for dial-stdio's stdin when
 * the connection ends (ssh, asked to go, sends a disconnect; sshd exits
 * at once), so bytes written just before would be lost.  So the
 * library's channels run `dial-stdio --escaped`, and what they write is
 * escaped (ssh_send): 0xff is 0xff 0x00, and 0xff 0x01, written by
 * runner_channel_shutdown before its end of input, marks a half-close.
 * Any other end of input is a close: dial-stdio, which reads its stdin
 * ahead of runnerd, has by then every byte before it, and ends, leaving
 * a copy of itself to pass them on and close; so ssh ends by itself
 * (ssh_close waits for that, bounded) once sshd holds nothing of ours.
 * Both come after the data in ssh's one ordered stream: nothing is lost
 * and nothing is guessed from timing.  runnerctl's own connections stay
 * raw (its attach relays a user's bytes both ways): there a close is
 * still the end of the ssh connection once ssh has taken what was
 * written (ssh_hangup), and dial-stdio, seeing its stdout's reader go
 * with its stdin, closes rather than half-closes.  An ssh whose local
 * peer died unannounced notices only when it next has bytes to write,
 * so runnerctl, which has one thread, also asks for a parent-death
 * signal (ssh_parent_death); the library does not: the thread that
 * connects may end before the connection does.
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/sockios.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner-int.h"

#define SSH_EXIT_WAIT	5.0	/* s for ssh to end once its socket closed */
#define SSH_TERM_WAIT	1.0	/* s after SIGTERM before SIGKILL */
#define SSH_DRAIN_MS	5000	/* for ssh to take what we wrote (a
				   loaded machine may not run it for
				   a second); for room for the mark */
#define SSH_ESC		0xff	/* --escaped: the escape byte, then */
#define SSH_ESC_BYTE	0x00	/*   a data byte 0xff */
#define SSH_ESC_HALF	0x01	/*   the half-close mark */
#define SSH_ESC_NONE	0x02	/*   nothing: a first byte left alone */
#define SSH_SEND_MAX	16384	/* bytes escaped per ssh_send */

extern char	**environ;

static int	 ssh_pdeathsig;		/* for the ssh when we die; 0 none */

static int	 ssh_stderr(void);
static void	 ssh_drain(int, pid_t);
static int	 ssh_reap(pid_t);
static int	 ssh_word_ok(const char *);
static void	 ssh_quote(struct buf *, const char *);
static char	**ssh_argv(const struct ssh_target *, int, char *, size_t);
static int	 ssh_dial_as(const char *, int, pid_t *, char *, size_t);

/* Send sig to each ssh started from now on when its parent dies. */
void
ssh_parent_death(int sig)
{
	ssh_pdeathsig = sig;
}

/* Is target an ssh:// URL (rather than a local socket's path)? */
int
ssh_url(const char *target)
{
	return (target != NULL && strncmp(target, "ssh://", 6) == 0);
}

/* A user or host: not empty, no option, no blank or control byte. */
static int
ssh_word_ok(const char *w)
{
	const unsigned char	*p;

	if (*w == '\0' || *w == '-')
		return (0);
	for (p = (const unsigned char *)w; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return (0);
	return (1);
}

/*
 * Take url (ssh://[user@]host[:port][/socket], the socket's path byte
 * for byte, "[::1]" for an IPv6 address) apart into t, whose strings
 * point into t->buf: 0, or -1 with err saying what is wrong.
 */
int
ssh_parse(const char *url, struct ssh_target *t, char *err, size_t errlen)
{
	char	*a, *p, *end;
	size_t	 n;
	long	 port;

	memset(t, 0, sizeof(*t));
	if (!ssh_url(url) || strlen(url) + 2 > sizeof(t->buf)) {
		snprintf(err, errlen, "'%.80s' is not ssh://[user@]host[:port]"
		    "[/socket]", url);
		return (-1);
	}
	/* t->buf: the authority, a NUL, the path with its '/'. */
	url += 6;
	n = strcspn(url, "/");
	memcpy(t->buf, url, n);
	t->buf[n] = '\0';
	if (url[n] == '/' && url[n + 1] != '\0') {
		t->path = t->buf + n + 1;
		memcpy(t->path, url + n, strlen(url + n) + 1);
	}
	url -= 6;
	a = t->buf;
	if ((p = strrchr(a, '@')) != NULL) {
		*p = '\0';
		t->user = a;
		a = p + 1;
	}
	if (*a == '[' && (end = strchr(a, ']')) != NULL) {
		*end = '\0';
		t->host = a + 1;
		p = end[1] == ':' ? end + 1 : (end[1] == '\0' ? NULL : end);
	} else {
		t->host = a;
		p = strchr(a, ':');
	}
	if (p != NULL) {
		if (*p != ':') {
			snprintf(err, errlen, "'%.80s': a host in brackets ends "
			    "there", url);
			return (-1);
		}
		*p++ = '\0';
		port = strtol(p, &end, 10);
		if (*p < '0' || *p > '9' || *end != '\0' || port < 1 ||
		    port > 65535) {
			snprintf(err, errlen, "'%.80s': invalid port '%.16s': "
			    "use 1 to 65535", url, p);
			return (-1);
		}
		t->port = p;
	}
	if (!ssh_word_ok(t->host) || (t->user != NULL &&
	    !ssh_word_ok(t->user))) {
		snprintf(err, errlen, "'%.80s': no valid %s (not empty, no "
		    "blank, not starting with '-')", url,
		    ssh_word_ok(t->host) ? "user" : "host");
		return (-1);
	}
	return (0);
}

/* Append w to b in single quotes, for the remote user's POSIX shell. */
static void
ssh_quote(struct buf *b, const char *w)
{
	buf_addc(b, '\'');
	for (; *w != '\0'; w++) {
		if (*w == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *w);
	}
	buf_addc(b, '\'');
}

/*
 * The ssh command line for t (esc: dial-stdio --escaped); NULL with err
 * when it cannot be made.
 */
static char **
ssh_argv(const struct ssh_target *t, int esc, char *err, size_t errlen)
{
	const char	*ssh, *ctl, *opt[11];	/* 10 at most, and NULL */
	char		**base, **argv;
	struct buf	 cmd;
	int		 n = 0;

	if ((ssh = getenv("RUNNER_SSH")) == NULL || *ssh == '\0')
		ssh = "ssh";
	if ((ctl = getenv("RUNNER_REMOTE_RUNNERCTL")) == NULL || *ctl == '\0')
		ctl = "runnerctl";
	if ((base = words_split(ssh, err, errlen)) == NULL)
		return (NULL);
	if (base[0] == NULL) {
		argv_free(base);
		snprintf(err, errlen, "RUNNER_SSH names no program");
		return (NULL);
	}
	buf_init(&cmd);
	ssh_quote(&cmd, ctl);
	buf_adds(&cmd, " 'dial-stdio'");
	if (esc)
		buf_adds(&cmd, " '--escaped'");
	if (t->path != NULL) {
		buf_adds(&cmd, " '-s' ");
		ssh_quote(&cmd, t->path);
	}
	/* Never a password prompt: no terminal is ours to ask on. */
	opt[n++] = "-o";
	opt[n++] = "BatchMode=yes";
	opt[n++] = "-T";
	if (t->port != NULL) {
		opt[n++] = "-p";
		opt[n++] = t->port;
	}
	if (t->user != NULL) {
		opt[n++] = "-l";
		opt[n++] = t->user;
	}
	opt[n++] = "--";
	opt[n++] = t->host;
	opt[n++] = buf_cstr(&cmd);
	opt[n] = NULL;
	argv = cmd.failed ? NULL : argv_concat(base, opt);
	buf_free(&cmd);
	argv_free(base);
	if (argv == NULL)
		snprintf(err, errlen, "out of memory");
	return (argv);
}

/*
 * The standard error to give ssh: ours, but a pipe (the usual one under
 * a shell or a supervisor) opened anew.  ssh sets O_NONBLOCK on its
 * stderr when it is no terminal, and the flag belongs to the open file,
 * which we would share: the program's own writes to stderr would start
 * failing with EAGAIN.  A terminal ssh leaves alone; a file ignores the
 * flag.  A descriptor to close after the spawn, or SPAWN_INHERIT.
 */
static int
ssh_stderr(void)
{
	struct stat	 st;
	int		 fd;

	if (fstat(STDERR_FILENO, &st) == -1 || !S_ISFIFO(st.st_mode) ||
	    (fd = open("/proc/self/fd/2", O_WRONLY | O_CLOEXEC)) == -1)
		return (SPAWN_INHERIT);
	return (fd);
}

/*
 * Run ssh to url on a socketpair: the other end (close-on-exec,
 * blocking), with *pid ssh's, to close with ssh_hangup.  -1 with errno
 * (EINVAL: not a valid URL; ssh's own failure to exec) and err saying
 * why.  ssh's standard error is the caller's: its messages (an unknown
 * host, a refused key) reach the user as ssh says them.
 */
int
ssh_dial(const char *url, pid_t *pid, char *err, size_t errlen)
{
	return (ssh_dial_as(url, 0, pid, err, errlen));
}

/*
 * The same to `dial-stdio --escaped`, for a channel: what is written
 * goes through ssh_send and ssh_send_half, and it ends with ssh_close.
 */
int
ssh_dial_escaped(const char *url, pid_t *pid, char *err, size_t errlen)
{
	return (ssh_dial_as(url, 1, pid, err, errlen));
}

static int
ssh_dial_as(const char *url, int esc, pid_t *pid, char *err, size_t errlen)
{
	struct ssh_target	 t;
	struct spawn		 sp;
	char			**argv;
	int			 sv[2], epipe = -1, msg[2], status, saved;
	ssize_t			 n;

	*pid = 0;
	if (ssh_parse(url, &t, err, errlen) == -1) {
		errno = EINVAL;
		return (-1);
	}
	if ((argv = ssh_argv(&t, esc, err, errlen)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	if (sock_pair(sv) == -1) {
		saved = errno;
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		argv_free(argv);
		errno = saved;
		return (-1);
	}
	memset(&sp, 0, sizeof(sp));
	sp.argv = argv;
	sp.env = environ;
	sp.fd[0] = sp.fd[1] = sv[1];
	sp.fd[2] = ssh_stderr();
	sp.extra_fd = -1;
	sp.errpipe = &epipe;	/* its errno, not only words */
	sp.pdeathsig = ssh_pdeathsig;
	n = spawn_child(&sp, pid, err, errlen);
	if (sp.fd[2] >= 0)
		close(sp.fd[2]);
	if (n == -1) {
		saved = ENOMEM;
		goto fail;
	}
	do
		n = read(epipe, msg, sizeof(msg));
	while (n == -1 && errno == EINTR);
	close(epipe);
	if (n == sizeof(msg)) {
		while (waitpid(*pid, &status, 0) == -1 && errno == EINTR)
			;
		*pid = 0;
		spawn_errf(&sp, msg, err, errlen);
		saved = msg[1];
		goto fail;
	}
	argv_free(argv);
	close(sv[1]);
	return (sv[0]);
fail:
	argv_free(argv);
	close(sv[0]);
	close(sv[1]);
	errno = saved;
	return (-1);
}

/*
 * Reap the ssh of a connection whose socket was just closed: it ends
 * once it sees that (or the remote end goes).  One that does not, on a
 * network that hangs, is asked to go, then killed: the pid alone, never
 * its group, in which a ControlPersist master may live on.  Its wait
 * status, or -1 when it was not ours to reap.
 */
static int
ssh_reap(pid_t pid)
{
	int	 status;
	pid_t	 r;

	if (pid <= 0)
		return (-1);
	if (spawn_wait_exit(pid, clock_deadline(SSH_EXIT_WAIT * 1000)) == -1) {
		kill(pid, SIGTERM);
		if (spawn_wait_exit(pid,
		    clock_deadline(SSH_TERM_WAIT * 1000)) == -1)
			kill(pid, SIGKILL);
	}
	do
		r = waitpid(pid, &status, 0);
	while (r == -1 && errno == EINTR);
	return (r == pid ? status : -1);
}

/*
 * Wait (at most SSH_DRAIN_MS) until ssh has read every byte written on
 * fd and sleeps, its loop done: it has passed them on.  Nothing says
 * so as an event; a short backoff asks the socket and /proc.
 */
static void
ssh_drain(int fd, pid_t pid)
{
	struct procstat	 ps;
	struct timespec	 ts = { 0, 100000 };	/* 0.1 ms, doubling */
	double		 deadline = clock_deadline(SSH_DRAIN_MS);
	int		 queued;

	while (clock_ms_left(deadline) > 0) {
		if (ioctl(fd, SIOCOUTQ, &queued) == -1 ||
		    proc_stat(pid, &ps) == -1 ||
		    (queued == 0 && ps.state != 'R'))
			return;
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 10000000)
			ts.tv_nsec *= 2;
	}
}

/*
 * Close fd, a connection through the ssh pid (0: a local one), for
 * good: ssh passes on what was written, then is ended, so that the far
 * end sees a close, not a half-close; then it is reaped.
 */
void
ssh_hangup(int fd, pid_t pid)
{
	if (pid > 0) {
		ssh_drain(fd, pid);
		kill(pid, SIGTERM);
	}
	close(fd);
	ssh_reap(pid);
}

/*
 * Close fd, an escaped channel's connection through the ssh pid: its
 * end of input after every byte written is the close (dial-stdio passes
 * them on, then closes, and ssh ends by itself).  Bounded by ssh_reap:
 * SSH_EXIT_WAIT, then SIGTERM, SSH_TERM_WAIT, then SIGKILL.
 */
void
ssh_close(int fd, pid_t pid)
{
	close(fd);
	ssh_reap(pid);
}

/*
 * send(2) on an escaped channel (dial-stdio --escaped): up to
 * SSH_SEND_MAX of p's bytes, 0xff doubled as 0xff 0x00, in one send.
 * The count of p's bytes taken, or -1 with errno (EAGAIN when none
 * were).  A send cut between an escape's two bytes owes the second:
 * that byte of p was not taken, and the next send starts with what
 * completes the pair (0x00 if p's next byte is 0xff again, else 0x02,
 * nothing).
 */
ssize_t
ssh_send(struct chan *c, const void *p, size_t len)
{
	const unsigned char	*in = p, *esc;
	unsigned char		 enc[2 * SSH_SEND_MAX + 1];
	size_t			 e = 0, i = 0, k, took, run;
	ssize_t			 n;

	if (len > SSH_SEND_MAX)
		len = SSH_SEND_MAX;
	if (c->esc_lead) {
		enc[e++] = in[0] == SSH_ESC ? SSH_ESC_BYTE : SSH_ESC_NONE;
		i = in[0] == SSH_ESC;
	}
	while (i < len) {
		esc = memchr(in + i, SSH_ESC, len - i);
		run = (esc != NULL ? (size_t)(esc - in) : len) - i;
		memcpy(enc + e, in + i, run);
		e += run;
		i += run;
		if (esc != NULL) {
			enc[e++] = SSH_ESC;
			enc[e++] = SSH_ESC_BYTE;
			i++;
		}
	}
	do
		n = send(c->fd, enc, e, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);
	if ((size_t)n == e) {
		c->esc_lead = 0;
		return ((ssize_t)len);
	}
	/* Cut short: how many of p's bytes went whole. */
	k = took = i = 0;
	if (c->esc_lead) {
		c->esc_lead = 0;
		k = 1;
		took = i = in[0] == SSH_ESC;
	}
	for (; i < len && k < (size_t)n; i++, took++) {
		if (in[i] != SSH_ESC)
			k++;
		else if (k + 2 <= (size_t)n)
			k += 2;
		else {
			c->esc_lead = 1;
			break;
		}
	}
	if (took == 0) {
		errno = EAGAIN;
		return (-1);
	}
	return ((ssize_t)took);
}

/*
 * Mark a half-close on an escaped channel, before its end of input: 0,
 * or -1 with errno (ETIMEDOUT: ssh took nothing for SSH_DRAIN_MS).
 */
int
ssh_send_half(struct chan *c)
{
	unsigned char	 mark[2] = { SSH_ESC, SSH_ESC_HALF };
	size_t		 at = c->esc_lead ? 1 : 0;
	double		 deadline = clock_deadline(SSH_DRAIN_MS);
	ssize_t		 n;

	while (at < sizeof(mark)) {
		n = send(c->fd, mark + at, sizeof(mark) - at,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			at += (size_t)n;
			c->esc_lead = at == 1;
		} else if (n == -1 && errno != EINTR && errno != EAGAIN)
			return (-1);
		else if (n == -1 && errno == EAGAIN &&
		    fd_wait(c->fd, POLLOUT, deadline) == 0) {
			errno = ETIMEDOUT;
			return (-1);
		}
	}
	return (0);
}

/*
 * dial-stdio --escaped: undo ssh_send's escapes in b's n bytes, in
 * place, across calls (u): the data's length.  A mark sets u->half.
 * What ssh_send never writes (an escape's second byte it does not know,
 * a byte after the mark) sets u->bad and ends the data there: a stream
 * that lies about its escaping is not guessed at, nor a byte of it
 * dropped unsaid.
 */
size_t
ssh_unescape(struct ssh_unesc *u, char *b, size_t n)
{
	unsigned char	*p = (unsigned char *)b;
	size_t		 i, o = 0;

	if (u->bad != 0)
		return (0);
	if (!u->lead && !u->half && memchr(b, SSH_ESC, n) == NULL)
		return (n);
	for (i = 0; i < n; i++) {
		if (u->half) {
			u->bad = -1;
			break;
		}
		if (u->lead) {
			u->lead = 0;
			if (p[i] == SSH_ESC_BYTE)
				p[o++] = SSH_ESC;
			else if (p[i] == SSH_ESC_HALF)
				u->half = 1;
			else if (p[i] != SSH_ESC_NONE) {
				u->bad = 0x100 | p[i];
				break;
			}
		} else if (p[i] == SSH_ESC)
			u->lead = 1;
		else
			p[o++] = p[i];
	}
	return (o);
}
