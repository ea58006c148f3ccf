/*
 * handoff.c: the client's side of a direct channel.  On a connection of
 * its own, the client sends {"tag": 1, "cmd": "direct", "ext": {"alias"}}
 * and runnerd answers with one line that carries, on its first byte, the
 * instance's channel descriptor (SCM_RIGHTS); the line's ext holds the
 * output runnerd had buffered (base64 "data").  The connection then stays
 * open as the lease: closing it hands the channel back.
 *
 * recv(2) would drop a passed descriptor (the kernel closes it), so the
 * line is read here with recvmsg, never through runner_ask.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"
#include "proto.h"

#define HANDOFF_FDS	4	/* room for more than the one we expect */

static int	handoff_send(int, const char *, char *, size_t);
static void	handoff_fds(struct msghdr *, int *);
static int	handoff_reply(const char *, size_t, int *, struct buf *,
		    char *, size_t);

/* Send the direct request for alias, waiting for room as needed. */
static int
handoff_send(int fd, const char *alias, char *err, size_t errlen)
{
	struct buf	 req;
	ssize_t		 n;
	int		 rc = 0;

	buf_init(&req);
	buf_adds(&req, "{\"tag\":1,\"cmd\":\"direct\",\"ext\":{\"alias\":");
	jw_str(&req, alias);
	buf_adds(&req, "}}\n");
	if (req.failed) {
		errf(err, errlen, "out of memory");
		rc = RUNNER_ENOMEM;
	}
	while (rc == 0 && buf_used(&req) > 0) {
		n = send(fd, buf_head(&req), buf_used(&req),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			buf_drop(&req, (size_t)n);
		else if (n == -1 && errno == EAGAIN)
			fd_wait(fd, POLLOUT, -1);
		else if (n == -1 && errno != EINTR) {
			errf(err, errlen, "runnerd closed the connection: %s",
			    strerror(errno));
			rc = RUNNER_ECLOSED;
		}
	}
	buf_free(&req);
	return (rc);
}

/* Keep the first descriptor passed in msg (in *chfd); close any other. */
static void
handoff_fds(struct msghdr *msg, int *chfd)
{
	struct cmsghdr	*cm;
	int		 fds[HANDOFF_FDS];
	size_t		 n, k;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (n > HANDOFF_FDS)
			n = HANDOFF_FDS;
		memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
		for (k = 0; k < n; k++) {
			if (*chfd == -1)
				*chfd = fds[k];
			else
				close(fds[k]);
		}
	}
}

/*
 * The reply line: 0 with the buffered output in data (and *chfd kept),
 * or runnerd's refusal (its code, its message in err).
 */
static int
handoff_reply(const char *line, size_t len, int *chfd, struct buf *data,
    char *err, size_t errlen)
{
	struct json	*j;
	char		*code, *msg, *bytes;
	size_t		 n;
	int		 ok = 0, rc = 0, v;

	if ((j = json_parse(line, len, NULL, 0)) == NULL ||
	    json_bool(j, json_get(j, 0, "ok"), &ok) == -1) {
		json_free(j);
		errf(err, errlen, "runnerd's answer to 'direct' is not a "
		    "reply");
		return (RUNNER_EPROTO);
	}
	if (!ok) {
		code = json_str(j, json_get(j, 0, "error"), NULL);
		msg = json_str(j, json_get(j, 0, "message"), NULL);
		rc = code != NULL ? runner_code_from_name(code) : RUNNER_EPROTO;
		errf(err, errlen, "%s", msg != NULL ? msg : "refused");
		free(code);
		free(msg);
	} else if (*chfd == -1) {
		errf(err, errlen, "runnerd sent no descriptor with its reply "
		    "to 'direct'");
		rc = RUNNER_EPROTO;
	} else if ((v = json_get(j, json_get(j, 0, "ext"), "data")) != -1) {
		if ((bytes = json_b64(j, v, &n)) == NULL) {
			errf(err, errlen, "runnerd's buffered output is not "
			    "base64");
			rc = RUNNER_EPROTO;
		} else if (buf_add(data, bytes, n) == -1) {
			errf(err, errlen, "out of memory");
			rc = RUNNER_ENOMEM;
		}
		free(bytes);
	}
	json_free(j);
	return (rc);
}

/*
 * Ask runnerd, over fd (a fresh connection), for alias's channel.  0
 * with *chfd the channel's descriptor (close-on-exec) and data what
 * runnerd had buffered, or a RUNNER_E* code with the reason in err.
 */
int
handoff_take(int fd, const char *alias, int *chfd, struct buf *data,
    char *err, size_t errlen)
{
	union {
		struct cmsghdr	 align;
		char		 space[CMSG_SPACE(HANDOFF_FDS * sizeof(int))];
	} cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct buf	 line;
	char		 tmp[65536], *nl = NULL;
	ssize_t		 n;
	int		 rc;

	*chfd = -1;
	if ((rc = handoff_send(fd, alias, err, errlen)) != 0)
		return (rc);
	buf_init(&line);
	while (nl == NULL) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = tmp;
		iov.iov_len = sizeof(tmp);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.space;
		msg.msg_controllen = sizeof(cbuf.space);
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (errno == EAGAIN && fd_wait(fd, POLLIN, -1) == -1)
				break;
			continue;
		}
		if (n <= 0)
			break;
		handoff_fds(&msg, chfd);
		if (buf_add(&line, tmp, (size_t)n) == -1 ||
		    buf_used(&line) > PROTO_DIRECT_LINE_MAX)
			break;
		nl = memchr(buf_head(&line) + buf_used(&line) - n, '\n',
		    (size_t)n);
	}
	if (nl != NULL)
		rc = handoff_reply(buf_head(&line), (size_t)(nl -
		    buf_head(&line)), chfd, data, err, errlen);
	else if (line.failed) {
		errf(err, errlen, "out of memory");
		rc = RUNNER_ENOMEM;
	} else if (buf_used(&line) > PROTO_DIRECT_LINE_MAX) {
		errf(err, errlen, "runnerd's reply to 'direct' is longer "
		    "than %zu bytes", (size_t)PROTO_DIRECT_LINE_MAX);
		rc = RUNNER_EPROTO;
	} else {
		errf(err, errlen, "runnerd closed the connection%s%s",
		    n == -1 ? ": " : "", n == -1 ? strerror(errno) : "");
		rc = RUNNER_ECLOSED;
	}
	buf_free(&line);
	if (rc != 0 && *chfd != -1) {
		close(*chfd);
		*chfd = -1;
	}
	return (rc);
}
