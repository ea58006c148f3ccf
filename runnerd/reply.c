/*
 * reply.c: the reply lines to clients' requests, {"tag":T,"ok":true,
 * "ext":{...}} or {"tag":T,"ok":false,"error":CODE,"message":...},
 * by client id, so that an answer made later (a waiter's, a job's) to a
 * client that has gone is dropped here.  Each is written to the socket
 * at once when nothing is queued before it, else queued on the client's
 * output (control.c), whose bounds it counts against; one that ran out
 * of memory is answered ENOMEM without allocating.  reply_ok_fd sends a
 * descriptor on the reply's first byte (direct.c).
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "runnerd.h"

#define REPLY_FRAME	64	/* an ok reply's bytes around its ext */

static struct client	*reply_begin(uint64_t, int, long long, struct buf *);
static void		 reply_write(struct client *, struct buf *);
static void		 reply_end(struct client *, struct buf *, int,
			    long long);
static struct client	*reply_ok_begin(uint64_t, int, long long,
			    struct buf *, struct buf *);
static ssize_t		 reply_sendmsg(int, const char *, size_t, int);

/* Start a reply line to client: {"tag":T,"ok":... */
static struct client *
reply_begin(uint64_t id, int has_tag, long long tag, struct buf *b)
{
	struct client	*c;

	if ((c = client_find(id)) == NULL)
		return (NULL);
	buf_init(b);
	jw_open(b, '{');
	if (has_tag) {
		jw_key(b, "tag");
		jw_int(b, tag);
	}
	return (c);
}

/*
 * Write a reply line to c now, when nothing is queued before it: queued,
 * it would go out at the next iteration's poll, after the launch queue's
 * next batch (launchq.c), so a status asked during a start of many would
 * wait for two batches instead of the rest of one.  What the socket does
 * not take, and any error, is left to the write watcher, as before.  An
 * attached client's replies are not: they are ordered with its stream.
 */
static void
reply_write(struct client *c, struct buf *b)
{
	ssize_t	 n;

	if (buf_used(&c->out) > 0 || c->mode == CLIENT_ATTACHED)
		return;
	do
		n = send(c->fd, buf_head(b), buf_used(b), MSG_NOSIGNAL |
		    MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		buf_drop(b, (size_t)n);
}

/*
 * Send the reply; one that ran out of memory as it was built becomes an
 * ENOMEM error made without allocating, so the client is never left
 * waiting for an answer that was dropped.
 */
static void
reply_end(struct client *c, struct buf *b, int has_tag, long long tag)
{
	char	 line[160];
	int	 len;

	jw_close(b, '}');
	buf_addc(b, '\n');
	if (b->failed) {
		log_warnx("client %llu: out of memory for a reply",
		    (unsigned long long)c->id);
		if (has_tag)
			len = snprintf(line, sizeof(line), "{\"tag\":%lld,",
			    tag);
		else
			len = snprintf(line, sizeof(line), "{");
		len += snprintf(line + len, sizeof(line) - (size_t)len,
		    "\"ok\":false,\"error\":\"ENOMEM\",\"message\":"
		    "\"out of memory for the reply\"}\n");
		client_send(c, line, (size_t)len);
	} else {
		/*
		 * Queued even when sent whole: the write watcher then does
		 * what follows a reply (a close, a resume), as before.
		 */
		reply_write(c, b);
		client_send_buf(c, b);
	}
	buf_free(b);
}

/*
 * Start an ok reply line with its ext: {"tag":T,"ok":true,"ext":{...};
 * NULL when the client is gone, or ext ran out of memory (answered).
 */
static struct client *
reply_ok_begin(uint64_t id, int has_tag, long long tag, struct buf *ext,
    struct buf *b)
{
	struct client	*c;

	if (ext != NULL && ext->failed) {
		reply_err(id, has_tag, tag, RUNNER_ENOMEM, "out of memory");
		return (NULL);
	}
	metrics_answered(0);
	if ((c = reply_begin(id, has_tag, tag, b)) == NULL)
		return (NULL);
	/* ext and the line around it, in one allocation. */
	if (ext != NULL)
		buf_reserve(b, buf_used(ext) + REPLY_FRAME);
	jw_key(b, "ok");
	jw_bool(b, 1);
	jw_key(b, "ext");
	if (ext != NULL && buf_used(ext) > 0)
		jw_raw(b, buf_head(ext), buf_used(ext));
	else
		jw_raw(b, "{}", 2);
	return (c);
}

/*
 * Begin an ok reply in b whose ext the caller then writes straight into
 * b, room for about hint bytes of it made at once, and ends with
 * reply_ok_close: a large ext (a status of 1000 instances) is neither
 * grown by copies nor copied into the line after (fast20).  NULL when
 * the client is gone (b untouched).
 */
struct client *
reply_ok_open(uint64_t id, int has_tag, long long tag, struct buf *b,
    size_t hint)
{
	struct client	*c;

	metrics_answered(0);
	if ((c = reply_begin(id, has_tag, tag, b)) == NULL)
		return (NULL);
	buf_reserve(b, hint + REPLY_FRAME);
	jw_key(b, "ok");
	jw_bool(b, 1);
	jw_key(b, "ext");
	return (c);
}

/* Send the reply reply_ok_open began (ENOMEM if b ran out of memory). */
void
reply_ok_close(struct client *c, struct buf *b, int has_tag, long long tag)
{
	reply_end(c, b, has_tag, tag);
}

/* Answer a request: ok, with ext (JSON object text in a buf, or NULL). */
void
reply_ok(uint64_t id, int has_tag, long long tag, struct buf *ext)
{
	struct client	*c;
	struct buf	 b;

	if ((c = reply_ok_begin(id, has_tag, tag, ext, &b)) != NULL)
		reply_end(c, &b, has_tag, tag);
}

/* Send p with fd attached (SCM_RIGHTS): the count sent, or -1. */
static ssize_t
reply_sendmsg(int sock, const char *p, size_t len, int fd)
{
	union {
		struct cmsghdr	 align;
		char		 space[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.space;
	msg.msg_controllen = sizeof(cbuf.space);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	return (n);
}

/*
 * Answer c's request ok, with ext and fd, which rides on the reply's
 * first byte (SCM_RIGHTS; direct.c): the caller sees to it that no
 * earlier reply is still queued.  0 when sent (what the socket did not
 * take is queued); -1 when not: answered with an error instead, or the
 * client is going.
 */
int
reply_ok_fd(struct client *c, int has_tag, long long tag, struct buf *ext,
    int fd)
{
	struct buf	 b;
	size_t		 len;
	ssize_t		 n;

	if (reply_ok_begin(c->id, has_tag, tag, ext, &b) == NULL)
		return (-1);
	jw_close(&b, '}');
	buf_addc(&b, '\n');
	if (b.failed) {
		buf_free(&b);
		reply_err(c->id, has_tag, tag, RUNNER_ENOMEM, "out of memory");
		return (-1);
	}
	len = buf_used(&b);
	if ((n = reply_sendmsg(c->fd, buf_head(&b), len, fd)) == -1) {
		buf_free(&b);
		/* Gone (its hang-up is handled by the read side), or full. */
		if (errno == EAGAIN)
			reply_err(c->id, has_tag, tag, RUNNER_EINVAL, "this "
			    "connection does not read its replies");
		else
			log_debug("client %llu: sendmsg: %s",
			    (unsigned long long)c->id, strerror(errno));
		return (-1);
	}
	if ((size_t)n < len)
		client_send(c, buf_head(&b) + n, len - (size_t)n);
	buf_free(&b);
	return (0);
}

/* Answer a request with an error code and its message. */
void
reply_err(uint64_t id, int has_tag, long long tag, int code,
    const char *fmt, ...)
{
	struct client	*c;
	struct buf	 b;
	char		 msg[RUNNER_ERRMSG_MAX];
	va_list		 ap;

	metrics_answered(code);
	if ((c = reply_begin(id, has_tag, tag, &b)) == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jw_key(&b, "ok");
	jw_bool(&b, 0);
	jw_key(&b, "error");
	jw_str(&b, runner_code_name(code));
	jw_key(&b, "message");
	jw_str(&b, msg);
	reply_end(c, &b, has_tag, tag);
}
