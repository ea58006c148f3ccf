/*
 * ask.c: runner_ask, the tagged request/reply over a channel.  A request
 * is one JSON line {"tag": N, "cmd": "...", "ext": ...}; the reply is the
 * line that carries the same tag.  Lines before it are someone else's
 * (log output, events, replies to older requests) and are skipped; bytes
 * after it stay in the channel's read-ahead buffer for the next read.
 * runnerd speaks the same shape, so this is also its client's core.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

static int	ask_send(struct runner_channel *, struct buf *, double);
static int	ask_reply(struct runner_channel *, const char *, size_t,
		    long long, char **);

/* Send the whole request, waiting for room until the deadline. */
static int
ask_send(struct runner_channel *h, struct buf *req, double deadline)
{
	ssize_t	 n;
	int	 r;

	while (buf_used(req) > 0) {
		n = runner_channel_write(h, buf_head(req), buf_used(req));
		if (n > 0) {
			buf_drop(req, (size_t)n);
			continue;
		}
		if (n != RUNNER_EAGAIN)
			return ((int)n);
		r = fd_wait(h->chan->fd, POLLOUT, deadline);
		if (r == 0)
			return (chan_seterr(h, RUNNER_ETIMEDOUT,
			    "no room to send the request in time"));
		if (r == -1)
			return (chan_seterr(h, RUNNER_ESYS, "poll: %s",
			    strerror(errno)));
	}
	return (0);
}

/*
 * Look at one line: 1 when it is not the reply (skip it), else the
 * reply's outcome: 0 with *ext set, or the error it carries.
 */
static int
ask_reply(struct runner_channel *h, const char *line, size_t len,
    long long tag, char **ext)
{
	struct json	*j;
	long long	 t;
	const char	*raw;
	char		*code, *msg;
	size_t		 n;
	int		 ok, rc = 0;

	if ((j = json_parse(line, len, NULL, 0)) == NULL)
		return (1);
	/*
	 * An error without a tag is about the connection (a peer runnerd
	 * refuses, a line too long): it answers whatever is pending.
	 */
	if (json_type(j, 0) != JSON_OBJECT || (json_get(j, 0, "tag") == -1 ?
	    json_bool(j, json_get(j, 0, "ok"), &ok) == -1 || ok :
	    json_int(j, json_get(j, 0, "tag"), &t) == -1 || t != tag)) {
		json_free(j);
		return (1);
	}
	if (json_bool(j, json_get(j, 0, "ok"), &ok) == 0 && !ok) {
		code = json_str(j, json_get(j, 0, "error"), NULL);
		msg = json_str(j, json_get(j, 0, "message"), NULL);
		rc = code != NULL ? runner_code_from_name(code) : 0;
		if (rc >= 0)
			rc = RUNNER_EPROTO;
		chan_seterr(h, rc, "%s: %s", code ? code : "error",
		    msg ? msg : "no message");
		free(code);
		free(msg);
	}
	if (ext != NULL && (raw = json_raw(j, json_get(j, 0, "ext"), &n))) {
		if ((*ext = strndup(raw, n)) == NULL)
			rc = chan_seterr(h, RUNNER_ENOMEM, "out of memory");
	}
	json_free(j);
	return (rc);
}

/*
 * Send cmd with ext (JSON text, or NULL for none) and wait up to
 * timeout_ms for the reply with the same tag.  0 with *reply_ext (the
 * reply's ext as JSON text, malloc'd, NULL when it had none), or
 * RUNNER_ETIMEDOUT, RUNNER_ECLOSED when the other side goes away, the
 * code of an {"ok": false, "error": "E..."} reply, or RUNNER_EPROTO.
 */
int
runner_ask(struct runner_channel *h, const char *cmd, const char *ext_json,
    int timeout_ms, char **reply_ext)
{
	struct chan	*c;
	struct buf	 req;
	char		 why[128], *nl;
	double		 deadline = clock_deadline(timeout_ms);
	size_t		 len;
	ssize_t		 n;
	int		 rc, r;

	if (reply_ext != NULL)
		*reply_ext = NULL;
	if (h == NULL || cmd == NULL)
		return (RUNNER_EINVAL);
	c = h->chan;
	if (ext_json != NULL &&
	    json_valid(ext_json, strlen(ext_json), why, sizeof(why)) == -1)
		return (chan_seterr(h, RUNNER_EINVAL, "ext is not JSON: %s",
		    why));

	buf_init(&req);
	jw_open(&req, '{');
	jw_key(&req, "tag");
	jw_int(&req, ++c->tag);
	jw_key(&req, "cmd");
	jw_str(&req, cmd);
	if (ext_json != NULL) {
		jw_key(&req, "ext");
		jw_raw(&req, ext_json, strlen(ext_json));
	}
	jw_close(&req, '}');
	buf_addc(&req, '\n');
	if (req.failed)
		rc = chan_seterr(h, RUNNER_ENOMEM, "out of memory");
	else
		rc = ask_send(h, &req, deadline);
	buf_free(&req);
	/*
	 * A peer that hung up may have said why first (runnerd refusing a
	 * connection): read on, its error is better than ours.
	 */
	if (rc != 0 && rc != RUNNER_ECLOSED)
		return (rc);

	for (;;) {
		while (buf_used(&c->in) > 0 && (nl = memchr(buf_head(&c->in),
		    '\n', buf_used(&c->in))) != NULL) {
			len = (size_t)(nl - buf_head(&c->in));
			r = ask_reply(h, buf_head(&c->in), len, c->tag,
			    reply_ext);
			buf_drop(&c->in, len + 1);
			if (r != 1)
				return (r);
		}
		if (buf_used(&c->in) > RUNNER_LINE_MAX) {
			buf_reset(&c->in);
			return (chan_seterr(h, RUNNER_EPROTO,
			    "a line longer than %d bytes", RUNNER_LINE_MAX));
		}
		n = chan_fill(h, 65536);
		if (n > 0)
			continue;
		if (n != RUNNER_EAGAIN)
			return ((int)n);
		r = fd_wait(c->fd, POLLIN, deadline);
		if (r == 0)
			return (chan_seterr(h, RUNNER_ETIMEDOUT,
			    "no reply to '%s' within %d ms", cmd, timeout_ms));
		if (r == -1)
			return (chan_seterr(h, RUNNER_ESYS, "poll: %s",
			    strerror(errno)));
	}
}

/*
 * When the last runner_ask on h failed because of the reply, rather than
 * the connection (both can carry the same code: ECLOSED is also runnerd's
 * answer about an ended instance), the reply's message; else NULL.
 * ask_reply writes a reply's error as "CODE: message", or "error: ..."
 * when it named no code, and no connection failure looks like that.
 */
const char *
ask_refusal(const struct runner_channel *h)
{
	const char	*msg = h->errmsg;
	size_t		 n;

	if (strncmp(msg, "error: ", 7) == 0)
		return (msg + 7);
	n = strspn(msg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	if (n > 1 && msg[0] == 'E' && msg[n] == ':' && msg[n + 1] == ' ')
		return (msg + n + 2);
	return (NULL);
}
