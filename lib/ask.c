/*
 * ask.c: runner_ask, the tagged request/reply over a channel.  A request
 * is one JSON line {"tag": N, "cmd": "...", "ext": ...}; the reply is the
 * line that carries the same tag.  Lines before it are someone else's
 * (log output, events, replies to older requests, to other clients
 * attached to the same instance) and are skipped; bytes after it stay in
 * the channel's read-ahead buffer for the next read.  runnerd speaks the
 * same shape, so this is also its client's core (rpc.c), through
 * ask_json, which hands over the reply's ext parsed.
 *
 * Tags are what keeps replies apart, so they must not repeat: not
 * within a channel (a reply that comes after its ask timed out must not
 * answer the next), nor across the clients that see one instance's
 * output (every attacher sees every reply).  Each channel starts at a
 * random number from getrandom(2) and counts up.  Random rather than a
 * per-connection prefix from runnerd: it needs nothing from the other
 * side, so both backends and every child work as before, and the tag
 * stays a plain number.  Below 2^53, so that a child whose JSON numbers
 * are doubles (JavaScript, jq) sends back the very same tag; 52 random
 * bits make two clients' runs of tags meet with odds of about one in
 * 2^52 / (asks made), never in practice.
 */

#include <sys/random.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner-int.h"
#include "proto.h"

#define ASK_TAG_BITS	52	/* random start; + asks stays below 2^53 */

static long long ask_tag_start(void);
static int	ask_send(struct runner_channel *, struct buf *, double);
static int	ask_reply(struct runner_channel *, const char *, size_t,
		    long long, struct json **);
static int	ask_exchange(struct runner_channel *, const char *,
		    const char *, int, struct json **);

/*
 * A channel's first tag: random, from 1 to 2^52.  Without getrandom
 * (ENOSYS, or no entropy yet at boot), the clock, pid and an address,
 * mixed: what two clients at once cannot share.
 */
static long long
ask_tag_start(void)
{
	struct timespec	 ts;
	uint64_t	 r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r = ((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^
		    (uint64_t)getpid() << 40 ^ (uint64_t)(uintptr_t)&ts) *
		    0x9e3779b97f4a7c15ULL;
		r ^= r >> 29;
	}
	return ((long long)(r & ((1ULL << ASK_TAG_BITS) - 1)) + 1);
}

/*
 * Send the whole request, waiting for room until the deadline.  One
 * given up in the middle leaves the child half a line, which would
 * swallow the next request: that one starts with a newline (c->cut).
 */
static int
ask_send(struct runner_channel *h, struct buf *req, double deadline)
{
	struct chan	*c = h->chan;
	size_t		 len = buf_used(req);
	ssize_t		 n;
	int		 r, rc = 0;

	while (buf_used(req) > 0) {
		n = runner_channel_write(h, buf_head(req), buf_used(req));
		if (n > 0) {
			buf_drop(req, (size_t)n);
			continue;
		}
		if (n != RUNNER_EAGAIN) {
			rc = (int)n;
			break;
		}
		r = fd_wait(c->fd, POLLOUT, deadline);
		if (r == 0) {
			rc = chan_seterr(h, RUNNER_ETIMEDOUT,
			    "no room to send the request in time");
			break;
		}
		if (r == -1) {
			rc = chan_seterr(h, RUNNER_ESYS, "poll: %s",
			    strerror(errno));
			break;
		}
	}
	if (buf_used(req) < len)
		c->cut = buf_used(req) > 0;
	return (rc);
}

/*
 * Look at one line: 1 when it is not the reply (skip it), else the
 * reply's outcome, 0 or the error it carries, with *line the line
 * parsed (the caller's to free; a refusal may carry an ext too).
 */
static int
ask_reply(struct runner_channel *h, const char *line, size_t len,
    long long tag, struct json **reply)
{
	struct json	*j;
	long long	 t;
	char		*code, *msg;
	int		 ok, rc = 0, v;

	if ((j = json_parse(line, len, NULL, 0)) == NULL)
		return (1);
	/*
	 * An error without a tag is about the connection when runnerd
	 * speaks (it refuses a peer, a line too long): it answers whatever
	 * is pending.  On a child's stream it is the child's own line,
	 * like any other that is not our reply.
	 */
	if (json_type(j, 0) != JSON_OBJECT ||
	    ((v = json_get(j, 0, "tag")) == -1 ? !h->chan->daemon ||
	    json_bool(j, json_get(j, 0, "ok"), &ok) == -1 || ok :
	    json_int(j, v, &t) == -1 || t != tag)) {
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
	*reply = j;
	return (rc);
}

/*
 * Send cmd with ext (JSON text, or NULL for none) and wait up to
 * timeout_ms for the reply with the same tag: its outcome (see
 * runner_ask), with *line the reply's line parsed whenever one came.
 */
static int
ask_exchange(struct runner_channel *h, const char *cmd, const char *ext_json,
    int timeout_ms, struct json **line)
{
	struct chan	*c;
	struct buf	 req;
	char		 why[128], *nl;
	double		 deadline = clock_deadline(timeout_ms);
	size_t		 len;
	ssize_t		 n;
	int		 rc, r, skip = 0;

	*line = NULL;
	if (h == NULL || cmd == NULL)
		return (RUNNER_EINVAL);
	c = h->chan;
	if (ext_json != NULL &&
	    json_valid(ext_json, strlen(ext_json), why, sizeof(why)) == -1)
		return (chan_seterr(h, RUNNER_EINVAL, "ext is not JSON: %s",
		    why));

	if (c->tag == 0)
		c->tag = ask_tag_start();
	buf_init(&req);
	if (c->cut)
		buf_addc(&req, '\n');
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
			r = skip ? 1 : ask_reply(h, buf_head(&c->in), len,
			    c->tag, line);
			skip = 0;
			buf_drop(&c->in, len + 1);
			if (r != 1)
				return (r);
		}
		/*
		 * A line this long is no reply.  runnerd's would be a broken
		 * connection; a child's is skipped to its end, unparsed (an
		 * ask that ends first leaves its tail: a line that is no
		 * reply either).
		 */
		if (buf_used(&c->in) > (c->daemon ? PROTO_REPLY_MAX :
		    RUNNER_LINE_MAX)) {
			buf_reset(&c->in);
			if (c->daemon)
				return (chan_seterr(h, RUNNER_EPROTO,
				    "a reply line longer than %zu bytes",
				    PROTO_REPLY_MAX));
			skip = 1;
		}
		n = chan_fill(h, 65536);
		if (n > 0)
			continue;
		if (n == RUNNER_ECLOSED && !c->daemon)
			return (chan_seterr(h, RUNNER_ECLOSED, "the instance "
			    "ended before it answered '%s'", cmd));
		if (n != RUNNER_EAGAIN)
			return ((int)n);
		/*
		 * A direct channel's lease too: its end means the process is
		 * gone (chan_recv then reads what is left and says so), even
		 * while a stray grandchild holds the socket open.
		 */
		r = fd_wait_either(c->fd, c->lease, POLLIN, deadline);
		if (r == 0)
			return (chan_seterr(h, RUNNER_ETIMEDOUT,
			    "no reply to '%s' within %d ms", cmd, timeout_ms));
		if (r == -1)
			return (chan_seterr(h, RUNNER_ESYS, "poll: %s",
			    strerror(errno)));
	}
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
	struct json	*j;
	const char	*raw;
	size_t		 n;
	int		 rc;

	if (reply_ext != NULL)
		*reply_ext = NULL;
	rc = ask_exchange(h, cmd, ext_json, timeout_ms, &j);
	if (reply_ext != NULL &&
	    (raw = json_raw(j, json_get(j, 0, "ext"), &n)) != NULL &&
	    (*reply_ext = strndup(raw, n)) == NULL)
		rc = chan_seterr(h, RUNNER_ENOMEM, "out of memory");
	json_free(j);
	return (rc);
}

/*
 * runner_ask with the reply's ext parsed: 0 with *reply (when wanted)
 * the ext as a document of its own, {} when the reply had none; the
 * line is parsed once (rpc.c, runnerctl: a status reply can be
 * large).  Else as runner_ask.
 */
int
ask_json(struct runner_channel *h, const char *cmd, const char *ext_json,
    int timeout_ms, struct json **reply)
{
	struct json	*j;
	int		 rc, v;

	if (reply != NULL)
		*reply = NULL;
	rc = ask_exchange(h, cmd, ext_json, timeout_ms, &j);
	if (rc == 0 && reply != NULL) {
		v = json_get(j, 0, "ext");
		*reply = v == -1 ? json_parse("{}", 2, NULL, 0) :
		    json_sub(j, v);
		if (*reply == NULL)
			rc = chan_seterr(h, RUNNER_ENOMEM, "out of memory");
	}
	json_free(j);
	return (rc);
}
