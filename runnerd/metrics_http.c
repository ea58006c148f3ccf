/*
 * metrics_http.c: metrics_listen, the Prometheus endpoint.  It serves
 * GET (and HEAD) /metrics, built at request time by metrics.c as the
 * metrics command's, and nothing else: 404 for another path, 405 for
 * another method.  No request changes anything: control stays on the
 * UNIX socket, where SO_PEERCRED says who asks (supervisord's HTTP
 * control became CVE-2017-11610).
 *
 * HTTP is libmicrohttpd's, not a parser of our own: it is maintained,
 * fuzzed and handles the slow, the partial and the malformed.  It runs
 * in runnerd's loop, without a thread of its own (runnerd's state is
 * single-threaded): MHD_USE_EPOLL without an internal thread gives one
 * epoll descriptor for all its sockets, watched here by one ev_io, and
 * MHD_get_timeout's deadline by one ev_timer; both call MHD_run, which
 * does not block.  Bounds, so a slow or hostile scraper can neither
 * pile up descriptors nor hold memory for long: METRICS_CONN_MAX
 * connections (more wait in the listening socket's backlog of
 * METRICS_BACKLOG; past it the kernel drops their connects, which the
 * clients retry), each closed after METRICS_IDLE seconds without
 * progress, a request that never ends and a reader that stops reading
 * alike.  So at most METRICS_CONN_MAX responses (about 1 MiB each for
 * 1000 instances) are held at once, each for a bounded time.
 *
 * A scrape within METRICS_REUSE seconds of the last one gets the same
 * text (one MHD response, reference-counted): a thousand instances take
 * about 12 ms to render, and a scraper in a loop (any local user, on
 * loopback) would otherwise spend the loop on it.  Prometheus scrapes
 * every 15 s or so.
 *
 * runnerd binds the socket itself and hands it to MHD: a bind that
 * fails (the port in use, EACCES) is then logged with the errno in
 * words, and runnerd serves on without the endpoint; hello says so
 * (metrics_error).  A reload that changes metrics_listen, or finds the
 * last bind failed, binds again.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "runnerd.h"

#define METRICS_CONN_MAX	16	/* connections at once */
#define METRICS_IDLE		10	/* seconds without progress */
#define METRICS_BACKLOG		16
#define HTTP_RUNS		4	/* MHD_run at most, per wakeup */
#define METRICS_REUSE		1.0	/* seconds a rendering is served */

static struct {
	struct MHD_Daemon *d;		/* serving, or NULL */
	ev_io		 io;		/* its epoll descriptor */
	ev_timer	 timer;		/* its next deadline */
	char		*addr;		/* metrics_listen in force, or NULL */
	char		*error;		/* why it does not serve, or NULL */
	struct MHD_Response *last;	/* the last /metrics rendered ... */
	double		 last_at;	/* ... at this ev_now */
} h;

static void	 http_log(void *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
static int	 http_reply(struct MHD_Connection *, unsigned int,
		    const char *, size_t, enum MHD_ResponseMemoryMode,
		    const char *, const char *);
static void	 http_forget(void);
static enum MHD_Result http_answer(void *, struct MHD_Connection *,
		    const char *, const char *, const char *, const char *,
		    size_t *, void **);
static unsigned int http_conns(void);
static void	 http_run(void);
static void	 http_io_cb(struct ev_loop *, ev_io *, int);
static void	 http_timer_cb(struct ev_loop *, ev_timer *, int);
static int	 http_bind(const char *, char *, size_t);
static int	 http_start(const char *, char *, size_t);

/* MHD's own messages, into runnerd's log. */
static void
http_log(void *arg, const char *fmt, va_list ap)
{
	char	 msg[512];
	size_t	 n;

	(void)arg;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warnx("metrics: %s", msg);
}

/* Queue a response: status, body, its type, an Allow header or NULL. */
static int
http_reply(struct MHD_Connection *conn, unsigned int status, const char *body,
    size_t len, enum MHD_ResponseMemoryMode mode, const char *type,
    const char *allow)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;

	if ((r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free((void *)(uintptr_t)body);
		return (MHD_NO);	/* MHD closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return (rc);
}

/*
 * A request, whole or not: answered at once (a body, if any, is not
 * read: nothing here takes one).
 */
static enum MHD_Result
http_answer(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	static const char	 text[] = "text/plain; charset=utf-8";
	static const char	 nomethod[] = "only GET and HEAD\n";
	static const char	 nopath[] = "not found: the metrics are at "
				    "/metrics\n";
	static const char	 nomem[] = "out of memory\n";
	struct buf		 b;
	size_t			 len;
	char			*body;

	(void)arg;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return (http_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, nomethod,
		    sizeof(nomethod) - 1, MHD_RESPMEM_PERSISTENT, text,
		    "GET, HEAD"));
	if (strcmp(url, "/metrics") != 0)
		return (http_reply(conn, MHD_HTTP_NOT_FOUND, nopath,
		    sizeof(nopath) - 1, MHD_RESPMEM_PERSISTENT, text, NULL));
	if (h.last != NULL && ev_now(server.loop) - h.last_at <
	    METRICS_REUSE)
		return (MHD_queue_response(conn, MHD_HTTP_OK, h.last));
	buf_init(&b);
	metrics_text(&b);
	len = buf_used(&b);
	if (b.failed) {
		buf_free(&b);
		return (http_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, nomem,
		    sizeof(nomem) - 1, MHD_RESPMEM_PERSISTENT, text, NULL));
	}
	http_forget();
	body = buf_take(&b);
	if ((h.last = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(body);
		return (MHD_NO);	/* MHD closes the connection */
	}
	MHD_add_response_header(h.last, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; version=0.0.4; charset=utf-8");
	h.last_at = ev_now(server.loop);
	return (MHD_queue_response(conn, MHD_HTTP_OK, h.last));
}

/* Let go of the last rendering (connections sending it keep theirs). */
static void
http_forget(void)
{
	if (h.last != NULL)
		MHD_destroy_response(h.last);
	h.last = NULL;
}

/* Connections MHD holds now. */
static unsigned int
http_conns(void)
{
	const union MHD_DaemonInfo	*info;

	info = MHD_get_daemon_info(h.d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return (info != NULL ? info->num_connections : 0);
}

/*
 * Let MHD work, then wait for its next deadline.  Again while the
 * connections it holds change, at most HTTP_RUNS times: a connection a
 * run closed is only cleaned up (its descriptor closed) by the next,
 * and a listening socket MHD set aside at METRICS_CONN_MAX is only
 * watched again by the run after that, so connections waiting in the
 * backlog would wait for a new one to come; MHD_get_timeout asks for
 * neither.
 */
static void
http_run(void)
{
	MHD_UNSIGNED_LONG_LONG	 ms;
	unsigned int		 n;
	int			 k;

	for (k = 0; k < HTTP_RUNS; k++) {
		n = http_conns();
		MHD_run(h.d);
		if (k > 0 && http_conns() == n)
			break;
	}
	ev_timer_stop(server.loop, &h.timer);
	if (MHD_get_timeout(h.d, &ms) == MHD_YES) {
		ev_timer_set(&h.timer, (double)ms / 1000, 0);
		ev_timer_start(server.loop, &h.timer);
	}
}

static void
http_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	http_run();
}

static void
http_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	http_run();
}

/* A listening socket on addr: the descriptor, or -1 with err set. */
static int
http_bind(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, on = 1;

	if (metrics_addr(addr, &ss, &len, err, errlen) == -1)
		return (-1);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		errf(err, errlen, "socket: %s", strerror(errno));
		return (-1);
	}
	/* A restart must not wait out TIME_WAIT; v6 means v6 alone. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)) {
		errf(err, errlen, "setsockopt: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		errf(err, errlen, "bind: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (listen(fd, METRICS_BACKLOG) == -1) {
		errf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Serve on addr: 0, or -1 with err set and nothing left open. */
static int
http_start(const char *addr, char *err, size_t errlen)
{
	const union MHD_DaemonInfo	*info;
	int				 fd;

	if (dynlib_mhd(err, errlen) == -1 ||
	    (fd = http_bind(addr, err, errlen)) == -1)
		return (-1);
	/* The logger first: MHD logs from the start. */
	h.d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, http_answer, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONN_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_IDLE,
	    MHD_OPTION_END);
	if (h.d == NULL) {
		errf(err, errlen, "libmicrohttpd would not start");
		close(fd);
		return (-1);
	}
	if ((info = MHD_get_daemon_info(h.d, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL) {
		errf(err, errlen, "libmicrohttpd has no epoll descriptor");
		MHD_stop_daemon(h.d);	/* closes fd */
		h.d = NULL;
		return (-1);
	}
	ev_io_init(&h.io, http_io_cb, info->epoll_fd, EV_READ);
	ev_io_start(server.loop, &h.io);
	ev_timer_init(&h.timer, http_timer_cb, 0, 0);
	http_run();
	return (0);
}

/*
 * Put cfg's metrics_listen in force: at start and after each reload.
 * Unchanged and serving: nothing to do.  Changed, removed, or not
 * serving (the last bind failed: the port may be free now): the old
 * endpoint closes, the new one is bound.
 */
void
metrics_http_config(const struct config *cfg)
{
	const char	*want = cfg->metrics_listen;
	char		 err[RUNNER_ERRMSG_MAX];

	if (want != NULL && h.d != NULL && h.addr != NULL &&
	    strcmp(want, h.addr) == 0)
		return;
	if (want == NULL && h.d != NULL)
		log_info("metrics_listen removed: no metrics on %s any more",
		    h.addr);
	metrics_http_close();
	if (want == NULL)
		return;
	if ((h.addr = strdup(want)) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	if (http_start(want, err, sizeof(err)) == -1) {
		log_warnx("metrics_listen %s: %s; runnerd goes on without "
		    "its metrics endpoint", want, err);
		if ((h.error = strdup(err)) == NULL)
			log_warn("%s", __func__);
		return;
	}
	log_info("metrics on http://%s/metrics", want);
}

/* hello's word on it: "metrics": ADDR, or "metrics_error": WHY. */
void
metrics_http_json(struct buf *b)
{
	char	 msg[RUNNER_ERRMSG_MAX];

	if (h.d != NULL) {
		jw_key(b, "metrics");
		jw_str(b, h.addr);
	} else if (h.addr != NULL) {
		snprintf(msg, sizeof(msg), "%s: %s", h.addr,
		    h.error != NULL ? h.error : "out of memory");
		jw_key(b, "metrics_error");
		jw_str(b, msg);
	}
}

/* Close the endpoint, and its connections with it. */
void
metrics_http_close(void)
{
	MHD_socket	 fd;

	if (h.d != NULL) {
		ev_io_stop(server.loop, &h.io);
		ev_timer_stop(server.loop, &h.timer);
		/*
		 * The listening socket is ours (http_bind): taken back and
		 * closed here, so that who closes it never depends on what
		 * MHD_stop_daemon does with a socket it did not open.
		 */
		fd = MHD_quiesce_daemon(h.d);
		MHD_stop_daemon(h.d);
		http_forget();
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		h.d = NULL;
	}
	free(h.addr);
	free(h.error);
	h.addr = h.error = NULL;
}
