/*
 * probe_http.c: an http health probe, through libcurl's multi interface
 * driven by runnerd's own loop: one multi handle for runnerd, whose
 * sockets libcurl hands over through CURLMOPT_SOCKETFUNCTION (an ev_io
 * each) and whose timeouts through CURLMOPT_TIMERFUNCTION (one
 * ev_timer), both fed back with curl_multi_socket_action.  Nothing here
 * blocks, and libcurl never sees a signal (CURLOPT_NOSIGNAL: its
 * resolver runs in a thread of its own).  A GET of the app's URL, no
 * redirect followed, no proxy from the environment, a fresh connection
 * each time (a probe checks that the server accepts), the body read and
 * dropped, the whole bounded by the probe's timeout: a status 2xx or 3xx
 * passes.  Only runnerd uses libcurl, loaded at the first http probe
 * (dynlib.c).
 */

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "runnerd.h"

struct probe_http {
	struct health	*h;
	CURL		*easy;
	double		 timeout;
	char		 errbuf[CURL_ERROR_SIZE];
};

/* A socket libcurl asked us to watch. */
struct http_sock {
	ev_io			 io;
	LIST_ENTRY(http_sock)	 entry;
};

static CURLM		*multi;		/* runnerd's one multi handle */
static ev_timer		 multi_timer;	/* libcurl's timeout */
static LIST_HEAD(, http_sock) socks = LIST_HEAD_INITIALIZER(socks);

static int	 http_init(char *, size_t);
static int	 http_socket_cb(CURL *, curl_socket_t, int, void *, void *);
static int	 http_timer_cb(CURLM *, long, void *);
static void	 http_io_cb(struct ev_loop *, ev_io *, int);
static void	 http_timeout_cb(struct ev_loop *, ev_timer *, int);
static void	 http_done(void);
static size_t	 http_discard(char *, size_t, size_t, void *);

/* The multi handle, made at the first http probe. */
static int
http_init(char *err, size_t errlen)
{
	if (multi != NULL)
		return (0);
	if (dynlib_curl(err, errlen) == -1)
		return (-1);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (multi = curl_multi_init()) == NULL) {
		errf(err, errlen, "cannot initialize libcurl");
		return (-1);
	}
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	ev_timer_init(&multi_timer, http_timeout_cb, 0, 0);
	return (0);
}

/* Start h's instance's http probe; NULL with err when it cannot. */
struct probe_http *
probe_http_start(struct health *h, char *err, size_t errlen)
{
	const struct app	*app = health_inst(h)->app;
	struct probe_http	*p;
	CURLMcode		 mc;

	if (http_init(err, errlen) == -1)
		return (NULL);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->easy = curl_easy_init()) == NULL) {
		free(p);
		errf(err, errlen, "out of memory");
		return (NULL);
	}
	p->h = h;
	p->timeout = app->health.timeout;
	curl_easy_setopt(p->easy, CURLOPT_URL, app->health.http);
	curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS,
	    (long)(app->health.timeout * 1000));
	curl_easy_setopt(p->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(p->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(p->easy, CURLOPT_USERAGENT, "runnerd-health");
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, http_discard);
	curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
	if ((mc = curl_multi_add_handle(multi, p->easy)) != CURLM_OK) {
		errf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		curl_easy_cleanup(p->easy);
		free(p);
		return (NULL);
	}
	return (p);
}

/* Its instance no longer wants it (or its time ran out). */
void
probe_http_drop(struct probe_http *p)
{
	if (p == NULL)
		return;
	curl_multi_remove_handle(multi, p->easy);
	curl_easy_cleanup(p->easy);
	free(p);
}

/* runnerd exits: the multi handle and what it still watched. */
void
probe_http_shutdown(void)
{
	struct http_sock	*s;

	if (multi == NULL)
		return;
	curl_multi_cleanup(multi);
	multi = NULL;
	ev_timer_stop(server.loop, &multi_timer);
	while ((s = LIST_FIRST(&socks)) != NULL) {
		LIST_REMOVE(s, entry);
		ev_io_stop(server.loop, &s->io);
		free(s);
	}
	curl_global_cleanup();
}

/* libcurl: watch socket fd for what (or no longer: CURL_POLL_REMOVE). */
static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *sockp)
{
	struct http_sock	*s = sockp;
	int			 ev = 0;

	(void)easy;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			ev_io_stop(server.loop, &s->io);
			LIST_REMOVE(s, entry);
			free(s);
		}
		return (0);
	}
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			log_warn("%s", __func__);
			return (-1);	/* libcurl fails the transfer */
		}
		LIST_INSERT_HEAD(&socks, s, entry);
		curl_multi_assign(multi, fd, s);
	} else
		ev_io_stop(server.loop, &s->io);
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	ev_io_init(&s->io, http_io_cb, fd, ev);
	ev_io_start(server.loop, &s->io);
	return (0);
}

/* libcurl: call back after ms (-1: no timeout wanted). */
static int
http_timer_cb(CURLM *m, long ms, void *userp)
{
	(void)m;
	(void)userp;
	ev_timer_stop(server.loop, &multi_timer);
	if (ms >= 0) {
		ev_timer_set(&multi_timer, ms / 1000.0, 0);
		ev_timer_start(server.loop, &multi_timer);
	}
	return (0);
}

static void
http_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	int	 running, action = 0;

	(void)loop;
	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(multi, w->fd, action, &running);
	http_done();
}

static void
http_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	int	 running;

	(void)loop;
	(void)w;
	(void)revents;
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_done();
}

/* The transfers that finished: each probe's verdict. */
static void
http_done(void)
{
	struct probe_http	*p;
	struct health		*h;
	CURLMsg			*msg;
	CURLcode		 res;
	long			 code = 0;
	double			 timeout;
	char			 why[CURL_ERROR_SIZE + 32];
	int			 left;

	while (multi != NULL && (msg = curl_multi_info_read(multi, &left))
	    != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		res = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
		    &code);
		h = p->h;
		timeout = p->timeout;
		if (res == CURLE_OPERATION_TIMEDOUT)
			snprintf(why, sizeof(why), "timed out after %g s",
			    timeout);
		else if (res == CURLE_OUT_OF_MEMORY && p->errbuf[0] == '\0')
			/* What libcurl 7.88 says of a header past its limit. */
			snprintf(why, sizeof(why), "libcurl: out of memory (a "
			    "response header too long for it, or memory "
			    "short)");
		else if (res != CURLE_OK)
			snprintf(why, sizeof(why), "%s", p->errbuf[0] != '\0' ?
			    p->errbuf : curl_easy_strerror(res));
		else
			snprintf(why, sizeof(why), "HTTP %ld", code);
		probe_http_drop(p);
		health_result(h, res == CURLE_OK && code >= 200 && code < 400,
		    "%s", why);
	}
}

/* The body: read and dropped (the timeout bounds how much). */
static size_t
http_discard(char *ptr, size_t size, size_t n, void *userp)
{
	(void)ptr;
	(void)userp;
	return (size * n);
}
