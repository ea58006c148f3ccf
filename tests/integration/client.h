/*
 * client.h: raw protocol clients for the integration tests, written from
 * proto.h alone (a second client, independent of runnerctl): a socket, a
 * line reader over it, requests built by hand, replies parsed with
 * json_parse and checked field by field.  d_ask is the convenience path
 * through runner_ask.  Included by daemon.h.  And t_tcp_port, a free
 * port for the servers a test runs.
 */

#ifndef T_CLIENT_H
#define T_CLIENT_H

#include <sys/ioctl.h>
#include <netinet/in.h>
#include <linux/sockios.h>

struct client {
	struct daemon	*d;
	int		 fd;		/* non-blocking; -1 once closed */
	struct buf	 in;		/* read, not yet consumed */
	int		 eof;		/* runnerd closed (or reset) it */
	long long	 tag;		/* last tag cl_call used */
	struct json	*ev[256];	/* events seen while awaiting replies */
	int		 nev;
	struct client	*next;
};

/* A client on fd, a non-blocking connection to runnerd. */
static inline struct client *
cl_adopt(struct daemon *d, int fd)
{
	struct client	*c;

	assert_non_null(c = calloc(1, sizeof(*c)));
	c->d = d;
	c->fd = fd;
	buf_init(&c->in);
	c->tag = 1000;
	c->next = d->clients;
	d->clients = c;
	return (c);
}

/* A new connection to runnerd's socket. */
static inline struct client *
cl_open(struct daemon *d)
{
	int	 fd;

	if ((fd = sock_connect(d->sock)) == -1)
		fail_msg("connect %s: %s", d->sock, strerror(errno));
	return (cl_adopt(d, fd));
}

/*
 * A new connection that waits (bounded) for room in runnerd's listen
 * backlog, where cl_open fails at once (EAGAIN): for opening hundreds of
 * connections faster than runnerd accepts them.  A blocking UNIX connect
 * waits for the backlog, bounded by SO_SNDTIMEO.
 */
static inline struct client *
cl_open_wait(struct daemon *d)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { T_WAIT_MS / 1000, 0 };
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(d->sock) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, d->sock);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fail_msg("connect %s: %s", d->sock, strerror(errno));
	assert_int_equal(fd_nonblock(fd), 0);
	return (cl_adopt(d, fd));
}

/* Close and forget c. */
static inline void
cl_close(struct client *c)
{
	struct client	**p;

	for (p = &c->d->clients; *p != NULL; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	if (c->fd != -1)
		close(c->fd);
	buf_free(&c->in);
	free(c);
}

static void
cl_close_all(struct daemon *d)
{
	while (d->clients != NULL)
		cl_close(d->clients);
	if (d->ch != NULL) {
		runner_channel_close(d->ch);
		d->ch = NULL;
	}
}

/*
 * Send all of p; 0, or -1 when runnerd closed the connection (EPIPE,
 * ECONNRESET).  Fails the test when no room comes within the bound.
 */
static inline int
cl_send_try(struct client *c, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		n = send(c->fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			s += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return (-1);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			fail_msg("send: %s", strerror(errno));
		if (fd_wait(c->fd, POLLOUT, clock_now() + T_WAIT_MS / 1000.0)
		    != 1)
			fail_msg("runnerd took nothing for %d ms", T_WAIT_MS);
	}
	return (0);
}

static inline void
cl_send(struct client *c, const void *p, size_t len)
{
	if (cl_send_try(c, p, len) == -1)
		fail_msg("runnerd closed the connection");
}

static inline void __attribute__((format(printf, 2, 3)))
cl_sendf(struct client *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	cl_send(c, s, (size_t)n);
	free(s);
}

/*
 * Wait (bounded) until runnerd has read every byte sent on c (SIOCOUTQ
 * counts what the peer has not taken).  It handles the lines it reads
 * in the same callback, so the requests sent are then handled (unless a
 * write in flight on c holds them), before any sent afterwards on any
 * connection: an event to wait for, where a reply is not.
 */
static inline void
cl_wait_taken(struct client *c)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 queued;

	for (;;) {
		assert_int_equal(ioctl(c->fd, SIOCOUTQ, &queued), 0);
		if (queued == 0)
			return;
		if (t_ms() > end)
			fail_msg("runnerd left %d bytes unread for %d ms",
			    queued, T_WAIT_MS);
		usleep(1000);
	}
}

/*
 * Read what is there into c->in, waiting up to ms for something: the
 * count, 0 at EOF (c->eof), -1 when nothing came in time.
 */
static inline ssize_t
cl_fill(struct client *c, int ms)
{
	char	 tmp[65536];
	ssize_t	 n;

	if (c->eof)
		return (0);
	for (;;) {
		n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n > 0) {
			assert_int_equal(buf_add(&c->in, tmp, (size_t)n), 0);
			return (n);
		}
		if (n == 0 || errno == ECONNRESET) {
			c->eof = 1;
			return (0);
		}
		if (errno != EAGAIN && errno != EINTR)
			fail_msg("recv: %s", strerror(errno));
		if (fd_wait(c->fd, POLLIN, clock_now() + ms / 1000.0) != 1)
			return (-1);
	}
}

/*
 * The next line without its newline, malloc'd for the caller, or NULL
 * at EOF; fails when none comes within ms.  (cl_line keeps its lines
 * until teardown; where thousands pass, this does not.)
 */
static inline char *
cl_take(struct client *c, int ms)
{
	char	*nl, *s;
	size_t	 len;
	ssize_t	 n;

	for (;;) {
		if (buf_used(&c->in) > 0 && (nl = memchr(buf_head(&c->in),
		    '\n', buf_used(&c->in))) != NULL) {
			len = (size_t)(nl - buf_head(&c->in));
			assert_non_null(s = malloc(len + 1));
			memcpy(s, buf_head(&c->in), len);
			s[len] = '\0';
			buf_drop(&c->in, len + 1);
			return (s);
		}
		n = cl_fill(c, ms);
		if (n == 0)
			return (NULL);
		if (n == -1)
			fail_msg("no line from runnerd within %d ms (%zu "
			    "bytes held)", ms, buf_used(&c->in));
		if (buf_used(&c->in) > 2 * PROTO_LINE_MAX)
			fail_msg("runnerd sent a line over 2 MiB");
	}
}

/* The next line without its newline (kept), or NULL at EOF. */
static inline char *
cl_line(struct client *c)
{
	char	*s = cl_take(c, T_WAIT_MS);

	return (s != NULL ? d_keep(c->d, s) : NULL);
}

/* Note the pids of instances in a reply or event (start, status...). */
static inline void
cl_note_pids(struct daemon *d, struct json *j)
{
	long long	 pid;
	int		 ext = json_get(j, 0, "ext"), a, i;

	if (json_get(j, ext, "protocol") != -1)
		return;		/* hello: runnerd's own pid */
	if (json_int(j, json_get(j, ext, "pid"), &pid) == 0)
		d_saw(d, pid);
	a = json_get(j, ext, "instances");
	for (i = 0; i < json_len(j, a); i++)
		if (json_int(j, json_get(j, json_at(j, a, i), "pid"),
		    &pid) == 0)
			d_saw(d, pid);
}

/* The next line parsed (kept); fails the test at EOF or on bad JSON. */
static inline struct json *
cl_json(struct client *c)
{
	struct json	*j;
	char		 why[256];
	char		*line;

	if ((line = cl_line(c)) == NULL)
		fail_msg("runnerd closed the connection instead of replying");
	if ((j = json_parse(line, strlen(line), why, sizeof(why))) == NULL)
		fail_msg("runnerd sent invalid JSON (%s): %.300s", why, line);
	d_keepj(c->d, j);
	if (json_type(j, 0) != JSON_OBJECT)
		fail_msg("runnerd sent a line that is not an object: %.300s",
		    line);
	cl_note_pids(c->d, j);
	return (j);
}

/* Is j an event line? */
static inline int
j_is_event(struct json *j)
{
	return (json_get(j, 0, "event") != -1);
}

/*
 * The reply carrying tag; events that come first are kept in c->ev.
 * A reply with another tag fails the test: nothing else was asked.
 */
static inline struct json *
cl_reply_tag(struct client *c, long long tag)
{
	struct json	*j;
	long long	 t;

	for (;;) {
		j = cl_json(c);
		if (j_is_event(j)) {
			if (c->nev < 256)
				c->ev[c->nev++] = j;
			continue;
		}
		if (json_int(j, json_get(j, 0, "tag"), &t) == -1)
			fail_msg("reply without an integer tag (want %lld): "
			    "%.300s", tag, json_raw(j, 0, NULL));
		if (t != tag)
			fail_msg("reply with tag %lld, want %lld: %.300s", t,
			    tag, json_raw(j, 0, NULL));
		return (j);
	}
}

/* Send {"tag", "cmd", "ext"} (ext: JSON text, printf-style, or NULL). */
static inline long long __attribute__((format(printf, 3, 4)))
cl_req(struct client *c, const char *cmd, const char *extfmt, ...)
{
	va_list	 ap;
	char	*ext = NULL;
	int	 n;

	if (extfmt != NULL) {
		va_start(ap, extfmt);
		n = vasprintf(&ext, extfmt, ap);
		va_end(ap);
		assert_true(n >= 0);
	}
	c->tag++;
	if (ext != NULL)
		cl_sendf(c, "{\"tag\": %lld, \"cmd\": \"%s\", \"ext\": %s}\n",
		    c->tag, cmd, ext);
	else
		cl_sendf(c, "{\"tag\": %lld, \"cmd\": \"%s\"}\n", c->tag, cmd);
	free(ext);
	return (c->tag);
}

/* One request, its reply (any outcome). */
#define cl_call(c, cmd, ...) cl_reply_tag((c), cl_req((c), (cmd), __VA_ARGS__))

/* The reply must be ok; its ext (an object) index. */
static inline int
j_ok(struct json *j)
{
	int	 ok, ext;

	if (json_bool(j, json_get(j, 0, "ok"), &ok) == -1 || !ok)
		fail_msg("expected ok: %.500s", json_raw(j, 0, NULL));
	ext = json_get(j, 0, "ext");
	if (json_type(j, ext) != JSON_OBJECT)
		fail_msg("ok reply without an ext object: %.500s",
		    json_raw(j, 0, NULL));
	return (ext);
}

/* The reply must be an error with code; its message (kept). */
static inline char *
j_err(struct json *j, const char *code)
{
	char	*msg;
	int	 ok;

	if (json_bool(j, json_get(j, 0, "ok"), &ok) == -1 || ok ||
	    !json_streq(j, json_get(j, 0, "error"), code))
		fail_msg("expected error %s: %.500s", code,
		    json_raw(j, 0, NULL));
	if ((msg = json_str(j, json_get(j, 0, "message"), NULL)) == NULL)
		fail_msg("error reply without a message string: %.500s",
		    json_raw(j, 0, NULL));
	if (*msg == '\0')
		fail_msg("empty error message: %.500s", json_raw(j, 0, NULL));
	return (d_keep(t_d, msg));
}

/* Member key of v, which must be a string; the string (kept). */
static inline char *
j_str(struct json *j, int v, const char *key)
{
	char	*s;

	if ((s = json_str(j, json_get(j, v, key), NULL)) == NULL)
		fail_msg("\"%s\" is not a string in %.500s", key,
		    json_raw(j, v, NULL));
	return (d_keep(t_d, s));
}

/* Member key of v, which must be an integer. */
static inline long long
j_int(struct json *j, int v, const char *key)
{
	long long	 n;

	if (json_int(j, json_get(j, v, key), &n) == -1)
		fail_msg("\"%s\" is not an integer in %.500s", key,
		    json_raw(j, v, NULL));
	return (n);
}

/* Member key of v, which must be a number. */
static inline double
j_num(struct json *j, int v, const char *key)
{
	double	 x;

	if (json_double(j, json_get(j, v, key), &x) == -1)
		fail_msg("\"%s\" is not a number in %.500s", key,
		    json_raw(j, v, NULL));
	return (x);
}

/* Member key of v, which must be a boolean. */
static inline int
j_bool(struct json *j, int v, const char *key)
{
	int	 b;

	if (json_bool(j, json_get(j, v, key), &b) == -1)
		fail_msg("\"%s\" is not a boolean in %.500s", key,
		    json_raw(j, v, NULL));
	return (b);
}

/* Member key of v must be of type t; its index. */
static inline int
j_type(struct json *j, int v, const char *key, enum json_type t)
{
	int	 k = json_get(j, v, key);

	if (json_type(j, k) != t)
		fail_msg("\"%s\" has the wrong type (%d, want %d) in %.500s",
		    key, json_type(j, k), t, json_raw(j, v, NULL));
	return (k);
}

/* Base64 member key of v, decoded (kept); *len its length. */
static inline void *
j_b64(struct json *j, int v, const char *key, size_t *len)
{
	void	*p;

	if ((p = json_b64(j, json_get(j, v, key), len)) == NULL) {
		if (json_streq(j, json_get(j, v, key), "")) {
			*len = 0;
			return (d_keep(t_d, strdup("")));
		}
		fail_msg("\"%s\" is not base64 in %.500s", key,
		    json_raw(j, v, NULL));
	}
	return (d_keep(t_d, p));
}

/* The reply is ok: the integer value at ext.key. */
#define j_ok_int(j, key) j_int((j), j_ok(j), (key))

/* Bytes as a base64 JSON string (kept, with quotes). */
static inline char *
t_b64(const void *p, size_t len)
{
	struct buf	 b;

	buf_init(&b);
	jw_b64(&b, p, len);
	return (d_keep(t_d, buf_take(&b)));
}

/* A string as a JSON string (kept, with quotes). */
static inline char *
t_jstr(const char *s)
{
	struct buf	 b;

	buf_init(&b);
	jw_str(&b, s);
	return (d_keep(t_d, buf_take(&b)));
}

/* Start app under alias (ensure); the pid. */
static inline pid_t
cl_start(struct client *c, const char *app, const char *alias)
{
	struct json	*j;
	int		 ext;

	j = cl_call(c, "start", "{\"app\": \"%s\", \"alias\": \"%s\"}", app,
	    alias);
	ext = j_ok(j);
	return ((pid_t)j_int(j, ext, "pid"));
}

/* Start app under its own name on a connection of its own (pid noted). */
static inline void
cl_start_app(struct daemon *d, const char *app)
{
	struct client	*c = cl_open(d);

	d_saw(d, cl_start(c, app, app));
	cl_close(c);
}

/*
 * The status entry of alias; *jp gets the reply.  -1 when status does
 * not list it.
 */
static inline int
cl_status_of(struct client *c, const char *alias, struct json **jp)
{
	struct json	*j;
	int		 a, i, e;

	j = cl_call(c, "status", NULL);
	a = j_type(j, j_ok(j), "instances", JSON_ARRAY);
	*jp = j;
	for (i = 0; i < json_len(j, a); i++) {
		e = json_at(j, a, i);
		if (json_streq(j, json_get(j, e, "alias"), alias))
			return (e);
	}
	return (-1);
}

/* The pid of alias in status, or 0 when it is not listed. */
static inline pid_t
cl_pid_of(struct client *c, const char *alias)
{
	struct json	*j;
	int		 e;

	if ((e = cl_status_of(c, alias, &j)) == -1)
		return (0);
	return ((pid_t)j_int(j, e, "pid"));
}

/* Wait (bounded) until alias's status says state; its entry. */
static inline int
cl_wait_state(struct client *c, const char *alias, const char *state,
    struct json **jp)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 e;

	for (;;) {
		e = cl_status_of(c, alias, jp);
		if (e != -1 && json_streq(*jp, json_get(*jp, e, "state"),
		    state))
			return (e);
		if (t_ms() > end)
			fail_msg("'%s' is not %s after %d ms: %.500s", alias,
			    state, T_WAIT_MS, json_raw(*jp, 0, NULL));
		usleep(10000);
	}
}

/*
 * Read from alias (read with wait) until want bytes came: they are
 * compared with want.  ECLOSED before that fails the test.
 */
static inline void
cl_read_expect(struct client *c, const char *alias, const void *want,
    size_t len)
{
	struct buf	 got;
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	size_t		 n;
	void		*p;
	int		 ext;

	buf_init(&got);
	while (buf_used(&got) < len) {
		j = cl_call(c, "read", "{\"alias\": \"%s\", \"wait\": 2}",
		    alias);
		ext = j_ok(j);
		p = j_b64(j, ext, "data", &n);
		assert_int_equal(j_int(j, ext, "bytes"), (long long)n);
		assert_int_equal(buf_add(&got, p, n), 0);
		if (t_ms() > end)
			fail_msg("read %zu of %zu bytes in %d ms",
			    buf_used(&got), len, T_WAIT_MS);
	}
	assert_int_equal(buf_used(&got), len);
	assert_memory_equal(buf_head(&got), want, len);
	buf_free(&got);
}

/*
 * The next event on a subscribed client, from c->ev first: its ext index
 * and *name (kept).  Replies are not expected there.
 */
static inline struct json *
cl_event(struct client *c, char **name)
{
	struct json	*j;

	if (c->nev > 0) {
		j = c->ev[0];
		memmove(c->ev, c->ev + 1, --c->nev * sizeof(c->ev[0]));
	} else {
		j = cl_json(c);
		if (!j_is_event(j))
			fail_msg("expected an event: %.500s",
			    json_raw(j, 0, NULL));
	}
	*name = j_str(j, 0, "event");
	j_type(j, 0, "ext", JSON_OBJECT);
	return (j);
}

/*
 * The next event called want about alias, saying health state unless
 * state is NULL (others are skipped): its ext index, and in *jp (unless
 * NULL) the event.
 */
static inline int
cl_event_about(struct client *s, const char *alias, const char *want,
    const char *state, struct json **jp)
{
	struct json	*j;
	char		*name;
	int		 e;

	for (;;) {
		j = cl_event(s, &name);
		e = json_get(j, 0, "ext");
		if (strcmp(name, want) == 0 &&
		    json_streq(j, json_get(j, e, "alias"), alias) &&
		    (state == NULL ||
		    json_streq(j, json_get(j, e, "health"), state))) {
			if (jp != NULL)
				*jp = j;
			return (e);
		}
	}
}

/*
 * runner_ask on d's own connection (opened on first use): the code, and
 * the reply's ext as JSON text (kept) in *ext.
 */
static inline int
d_ask(struct daemon *d, const char *cmd, const char *ext, char **out)
{
	struct chan	*ch;
	struct json	*j;
	char		*reply = NULL, *wrap;
	int		 fd, rc;

	if (d->ch == NULL) {
		if ((fd = sock_connect(d->sock)) == -1)
			fail_msg("connect %s: %s", d->sock, strerror(errno));
		assert_non_null(ch = chan_new(fd));
		ch->daemon = 1;		/* its untagged errors answer */
		assert_non_null(d->ch = chan_handle(ch));
		chan_unref(ch);
	}
	rc = runner_ask(d->ch, cmd, ext, T_WAIT_MS, &reply);
	if (out != NULL)
		*out = reply != NULL ? d_keep(d, reply) : NULL;
	else
		free(reply);
	if (rc == 0 && reply != NULL) {
		wrap = d_fmt(d, "{\"ext\": %s}", reply);
		if ((j = json_parse(wrap, strlen(wrap), NULL, 0)) != NULL)
			cl_note_pids(d, d_keepj(d, j));
	}
	return (rc);
}

/* d_ask that must succeed. */
static inline char *
d_ask_ok(struct daemon *d, const char *cmd, const char *ext)
{
	char	*out;
	int	 rc;

	if ((rc = d_ask(d, cmd, ext, &out)) != 0)
		fail_msg("%s %s: %s (%s)", cmd, ext ? ext : "",
		    runner_strerror(rc), runner_channel_errmsg(d->ch));
	return (out);
}

/*
 * runnerd's descriptors while exactly one client (a fresh probe that
 * has had a reply) is connected.
 */
static inline int
d_fds_probe(struct daemon *d)
{
	struct client	*c = cl_open(d);
	int		 n;

	j_ok(cl_call(c, "hello", NULL));
	n = t_fd_count(d->pid);
	cl_close(c);
	return (n);
}

/* Wait (bounded) until d_fds_probe gives want again. */
static inline void
d_fds_settle(struct daemon *d, int want)
{
	long long	 end = t_ms() + T_WAIT_MS;
	int		 n;

	while ((n = d_fds_probe(d)) != want) {
		if (t_ms() > end)
			fail_msg("runnerd has %d descriptors with one client, "
			    "%d before:\n%s", n, want, t_fd_list(d, d->pid));
		usleep(20000);
	}
}

/*
 * A TCP port on 127.0.0.1 free a moment ago, to give a server
 * (test_health, test_metrics, test_ssh).
 */
static inline int
t_tcp_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, port;

	assert_true((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) !=
	    -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

#endif /* T_CLIENT_H */
