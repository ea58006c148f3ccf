/*
 * io.c: the commands that move an instance's bytes.  send writes text
 * or all of stdin (binary-safe, in bounded chunks, each acknowledged
 * before the next so runnerd never holds more than one), and with --eof
 * then ends the instance's input (close_input); read prints
 * what the instance wrote, raw; attach turns the connection into a
 * two-way byte stream between our stdin/stdout and the instance.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

#define SEND_CHUNK	(256 * 1024)	/* most bytes one write request holds */
/*
 * Longest text sent as "text": JSON may escape a byte as six ("\u0001"),
 * and the request line must stay under PROTO_LINE_MAX.
 */
#define SEND_TEXT_MAX	(64 * 1024)
#define RELAY_BUF	65536		/* bytes moved per read in attach */

enum { SEND_NONL, SEND_EOF };
const struct ctl_opt send_opts[] = {
	[SEND_NONL] =	{ "-n", 0, "no newline after TEXT" },
	[SEND_EOF] =	{ "--eof", 0, "then end the instance's "
	    "input (as closing its stdin)" },
	{ NULL, 0, NULL }
};

enum { READ_WAIT };
const struct ctl_opt read_opts[] = {
	[READ_WAIT] =	{ "--wait", 1, "SECONDS: wait up to SECONDS "
	    "for output when there is none yet" },
	{ NULL, 0, NULL }
};

static int	io_utf8(const char *, size_t);
static int	io_write(struct ctl *, const char *, const char *, size_t,
		    int, long long *);
static ssize_t	io_fill(char *, size_t, int *);
static int	io_relay(struct ctl *, const char *);
static int	io_drain(int);
static int	io_close_input(struct ctl *, const char *);

/* Is p[0..len) valid UTF-8 (so it can go as "text")? */
static int
io_utf8(const char *p, size_t len)
{
	size_t	 i, k;

	for (i = 0; i < len; i += k) {
		if ((k = utf8_len((const unsigned char *)p + i, len - i)) == 0)
			return (0);
	}
	return (1);
}

/*
 * One write request (as "text" or base64 "data"); adds to *written.  Its
 * reply comes once the bytes are written to the instance, so one that
 * does not read its input keeps us waiting: at a terminal we say so.
 */
static int
io_write(struct ctl *ctl, const char *alias, const char *p, size_t len,
    int text, long long *written)
{
	struct json	*r;
	struct buf	 ext;
	long long	 n;
	int		 rc;

	buf_init(&ext);
	jw_open(&ext, '{');
	jw_key(&ext, "alias");
	jw_str(&ext, alias);
	jw_key(&ext, text ? "text" : "data");
	if (text)
		jw_strn(&ext, p, len);
	else
		jw_b64(&ext, p, len);
	jw_close(&ext, '}');
	tick_start(TICK_ONCE, "'%s' is not reading its input (%zu bytes "
	    "queued); still waiting (Ctrl-C gives up)", alias, len);
	rc = conn_ask(ctl, "write", &ext, &r);
	tick_stop();
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	if (json_int(r, json_get(r, 0, "written"), &n) == 0)
		*written += n;
	json_free(r);
	return (0);
}

/* Read stdin until p is full or it ends (*eof): the count, or -1. */
static ssize_t
io_fill(char *p, size_t len, int *eof)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		n = read(0, p + got, len - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0) {
			*eof = 1;
			break;
		} else if (errno != EINTR) {
			fprintf(stderr, "runnerctl: stdin: %s\n",
			    strerror(errno));
			return (-1);
		}
	}
	return ((ssize_t)got);
}

/* End alias's input once what was sent is written: 0, or the exit status. */
static int
io_close_input(struct ctl *ctl, const char *alias)
{
	struct json	*r;
	int		 rc;

	if ((rc = conn_ask_alias(ctl, "close_input", alias, &r)) == 0)
		json_free(r);
	return (rc);
}

/*
 * send [-n] [--eof] ALIAS [TEXT...]: the words joined like echo joins
 * them, or all of stdin.  An empty stdin still sends one empty write, so
 * a wrong alias is reported.  Only --eof ends the instance's input: the
 * end of our stdin is not the end of its.
 */
int
ctl_send(struct ctl *ctl, struct ctl_args *a)
{
	struct buf	 text;
	const char	*alias = a->argv[0];
	char		*chunk;
	long long	 written = 0;
	size_t		 len, off;
	ssize_t		 got;
	int		 i, eof = 0, refused = 0, rc = 0;

	if (a->argc > 1) {
		buf_init(&text);
		for (i = 1; i < a->argc; i++) {
			if (i > 1)
				buf_addc(&text, ' ');
			buf_adds(&text, a->argv[i]);
		}
		if (a->val[SEND_NONL] == NULL)
			buf_addc(&text, '\n');
		if (text.failed)
			out_oom(NULL);
		len = buf_used(&text);
		if (len <= SEND_TEXT_MAX && io_utf8(buf_head(&text), len))
			rc = io_write(ctl, alias, buf_head(&text), len, 1,
			    &written);
		else {
			for (off = 0; rc == 0 && off < len; off += SEND_CHUNK)
				rc = io_write(ctl, alias, buf_head(&text) + off,
				    len - off < SEND_CHUNK ? len - off :
				    SEND_CHUNK, 0, &written);
		}
		buf_free(&text);
	} else {
		chunk = out_oom(malloc(SEND_CHUNK));
		for (off = 0; rc == 0 && !eof; off++) {
			if ((got = io_fill(chunk, SEND_CHUNK, &eof)) == -1)
				rc = CTL_EXIT_REFUSED;
			else if ((got > 0 || off == 0) &&
			    (rc = io_write(ctl, alias, chunk, (size_t)got, 0,
			    &written)) != 0)
				refused = 1;
		}
		free(chunk);
		/* runnerd's count is of the refused chunk: say the rest. */
		if (refused && !eof)
			fprintf(stderr, "runnerctl: %lld bytes were delivered; "
			    "the rest of the standard input was not sent\n",
			    written);
	}
	if (rc == 0 && a->val[SEND_EOF] != NULL)
		rc = io_close_input(ctl, alias);
	if (rc == 0 && ctl->json)
		printf("{\"written\":%lld}\n", written);
	return (rc);
}

/*
 * read ALIAS [--wait S]: everything buffered, raw.  A reply holds at
 * most PROTO_READ_MAX bytes, so a full one means there may be more.
 * With --json, one {"data", "bytes"} for all of it.
 */
int
ctl_read(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext, all;
	double		 wait = 0;
	void		*data;
	size_t		 n, total = 0;
	int		 rc;

	if (a->val[READ_WAIT] != NULL &&
	    parse_seconds(a->val[READ_WAIT], &wait) == -1)
		return (ctl_usage_error(ctl->cmd, "bad --wait '%s': expected "
		    "seconds", a->val[READ_WAIT]));
	buf_init(&all);
	do {
		buf_init(&ext);
		jw_open(&ext, '{');
		jw_key(&ext, "alias");
		jw_str(&ext, a->argv[0]);
		if (wait > 0 && total == 0) {
			jw_key(&ext, "wait");
			jw_double(&ext, wait);
		}
		jw_close(&ext, '}');
		rc = conn_request(ctl, "read", &ext, &r);
		buf_free(&ext);
		/* Output that ends exactly at a full reply is no error. */
		if (rc == RUNNER_ECLOSED && total > 0 && conn_replied(ctl)) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = conn_fail(ctl, rc);
			break;
		}
		data = json_b64(r, json_get(r, 0, "data"), &n);
		json_free(r);
		if (ctl->json)
			buf_add(&all, data, n);
		else
			fwrite(data, 1, n, stdout);
		free(data);
		total += n;
		if (ferror(stdout))	/* the reader left; main says so */
			break;
	} while (n == PROTO_READ_MAX);
	if (rc == 0 && ctl->json) {
		buf_init(&ext);
		jw_open(&ext, '{');
		jw_key(&ext, "data");
		jw_b64(&ext, buf_head(&all), buf_used(&all));
		jw_key(&ext, "bytes");
		jw_int(&ext, (long long)total);
		jw_close(&ext, '}');
		if (all.failed || ext.failed || buf_cstr(&ext) == NULL)
			out_oom(NULL);
		printf("%s\n", buf_cstr(&ext));
		buf_free(&ext);
	}
	buf_free(&all);
	return (rc);
}

/*
 * attach ALIAS: after the ok reply the connection carries raw bytes.
 * Whatever runner_ask read past the reply is already the instance's
 * output, so it goes out first.
 */
int
ctl_attach(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	*ahead;
	char		 alias[256], pid[32];
	int		 rc;

	rc = conn_ask_alias(ctl, "attach", a->argv[0], &r);
	if (rc != 0)
		return (rc);
	if (ctl->json)
		out_json(r, 0);
	else if (isatty(0))
		fprintf(stderr, "runnerctl: attached to %s (pid %s); "
		    "Ctrl-D detaches\n",
		    out_value(r, json_get(r, 0, "alias"), alias, sizeof(alias)),
		    out_value(r, json_get(r, 0, "pid"), pid, sizeof(pid)));
	json_free(r);
	fflush(stdout);
	ahead = &ctl->h->chan->in;
	if (out_write(1, buf_head(ahead), buf_used(ahead)) == -1)
		goto bad;
	buf_reset(ahead);
	return (io_relay(ctl, a->argv[0]));
bad:
	if (errno != EPIPE)
		fprintf(stderr, "runnerctl: stdout: %s\n", strerror(errno));
	return (CTL_EXIT_REFUSED);
}

/*
 * Copy what the socket holds right now to stdout, without waiting: the
 * last output before we leave.  0, or -1 when stdout failed.
 */
static int
io_drain(int fd)
{
	char	 b[RELAY_BUF];
	ssize_t	 n;

	while ((n = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0) {
		if (out_write(1, b, (size_t)n) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The relay.  Input is taken from stdin only when the previous read has
 * all gone out, and the socket is read all the while: an instance that
 * blocks writing its output while we block writing its input would
 * otherwise stall both for good.  Ends (0) when runnerd closes the
 * connection, or at a terminal when stdin ends.  When the instance takes
 * no more input, runnerd shuts our sending (EPIPE): we say so, read no
 * more stdin, and go on printing the output.
 */
static int
io_relay(struct ctl *ctl, const char *alias)
{
	struct pollfd	 pfd[2];
	char		 in[RELAY_BUF], out[RELAY_BUF];
	size_t		 off = 0, len = 0;
	ssize_t		 n;
	int		 fd = ctl->h->chan->fd, eof = 0, half = 0;
	int		 tty = isatty(0);

	for (;;) {
		/*
		 * stdin ended.  At a terminal that is Ctrl-D: detach now.
		 * From a pipe or file, half-close instead, so that runnerd
		 * knows no more input comes but goes on sending the output
		 * until the instance ends (`printf 'q\n' | runnerctl attach`
		 * prints the answer, as `... | ssh host cmd` would).
		 */
		if (eof && off == len && !half) {
			if (tty)
				return (io_drain(fd) == 0 ? CTL_EXIT_OK :
				    CTL_EXIT_REFUSED);
			shutdown(fd, SHUT_WR);
			half = 1;
		}
		pfd[0].fd = eof || off < len ? -1 : 0;
		pfd[0].events = POLLIN;
		pfd[1].fd = fd;
		pfd[1].events = POLLIN | (off < len ? POLLOUT : 0);
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "runnerctl: poll: %s\n",
			    strerror(errno));
			return (CTL_EXIT_NODAEMON);
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, out, sizeof(out), MSG_DONTWAIT);
			if (n == 0 || (n == -1 && errno == ECONNRESET))
				return (CTL_EXIT_OK);
			if (n > 0 && out_write(1, out, (size_t)n) == -1)
				goto bad;
			if (n == -1 && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "runnerctl: recv: %s\n",
				    strerror(errno));
				return (CTL_EXIT_NODAEMON);
			}
		}
		if (pfd[1].revents & POLLOUT) {
			n = send(fd, in + off, len - off,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno == EPIPE) {
				fprintf(stderr, "runnerctl: '%s' stopped "
				    "reading its input; %zu bytes were not "
				    "delivered (and what runnerd held: "
				    "status --json, input_lost)\n", alias,
				    len - off);
				off = len;
				eof = half = 1;
			} else if (n == -1 && errno == ECONNRESET)
				return (io_drain(fd) == 0 ? CTL_EXIT_OK :
				    CTL_EXIT_REFUSED);
		}
		if (pfd[0].revents & POLLNVAL)
			eof = 1;
		else if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(0, in, sizeof(in));
			if (n > 0) {
				off = 0;
				len = (size_t)n;
			} else if (n == 0 ||
			    (errno != EINTR && errno != EAGAIN))
				eof = 1;
		}
	}
bad:
	if (errno != EPIPE)
		fprintf(stderr, "runnerctl: stdout: %s\n", strerror(errno));
	return (CTL_EXIT_REFUSED);
}
