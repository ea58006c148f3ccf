/*
 * remote.c: the runnerd-backed backend.  A runner is a control
 * connection to runnerd that speaks lib/proto.h through rpc.c (the
 * tagged request/reply a channel speaks to children).  A channel is a
 * connection of its own: "attach" makes it a raw stream that runnerd
 * relays (several handles may share an instance; output waits in
 * runnerd's buffer while nobody reads), "direct" hands over the
 * instance's own descriptor (handoff.c).  Instances belong to runnerd,
 * so they outlive the runner, and so do the handles.
 *
 * Named remote, not client: runnerd links this library and has its own
 * client_* functions for its peers.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc.h"

#define REMOTE_HELLO_MS		10000	/* runnerd answers hello at once */
#define REMOTE_DRAIN_MS		5000	/* for runnerd to close a stopped
					   instance's channels */
#define REMOTE_SNDBUF		(1024 * 1024)	/* an attached channel's */

/* A channel handed out, so that terminate can close it at once. */
struct remote_chan {
	char			*alias;
	struct chan		*chan;	/* NULL once its last handle closed */
	struct remote_chan	*next;
};

struct remote {
	char			*socket;	/* runnerd's control socket */
	struct runner_channel	*ctl;		/* NULL after a failure */
	long long		 protocol;	/* runnerd's, from hello */
	struct remote_chan	*chans;
	struct sub		*sub;		/* events; NULL until asked */
};

static int	 remote_open(struct remote *);
static int	 remote_fail(struct runner *, struct runner_channel *, int);
static int	 remote_call(struct runner *, const char *, struct buf *,
		    struct json **);
static int	 remote_track(struct runner *, const char *, struct chan *);
static void	 remote_drain(struct chan *);
static void	 remote_forget(struct remote *, const char *);

/* Open the control connection and say hello: 0, or -1 with errno. */
static int
remote_open(struct remote *rm)
{
	struct runner_channel	*h;
	struct json		*j;
	int			 fd, rc;
	pid_t			 ssh;

	if ((fd = rpc_dial(rm->socket, &ssh)) == -1 ||
	    (h = rpc_handle(fd, ssh)) == NULL)
		return (-1);
	/* Something that answers hello like runnerd is runnerd. */
	rc = rpc_call(h, "hello", NULL, REMOTE_HELLO_MS, &j);
	if (rc == 0 && json_int(j, json_get(j, 0, "protocol"),
	    &rm->protocol) == -1)
		rc = RUNNER_EPROTO;
	json_free(j);
	if (rc != 0) {
		runner_channel_close(h);
		errno = rc == RUNNER_ETIMEDOUT ? ETIMEDOUT :
		    rc == RUNNER_ECLOSED ? ECONNRESET :
		    rc == RUNNER_ENOMEM ? ENOMEM :
		    rc == RUNNER_EPERM ? EACCES : EPROTO;
		return (-1);
	}
	rm->ctl = h;
	return (0);
}

/* The backend's state, connected to runnerd: NULL with errno if not. */
void *
remote_new(const char *socket)
{
	struct remote	*rm;
	const char	*host;
	int		 saved;

	if ((rm = calloc(1, sizeof(*rm))) == NULL)
		return (NULL);
	/* As runnerctl: $RUNNER_HOST (ssh://, unix://) before the default. */
	if (socket == NULL && (host = getenv("RUNNER_HOST")) != NULL &&
	    *host != '\0')
		socket = host;
	rm->socket = socket != NULL ? strdup(socket) : paths_socket();
	if (rm->socket == NULL || remote_open(rm) == -1) {
		saved = rm->socket != NULL ? errno : ENOMEM;
		free(rm->socket);
		free(rm);
		errno = saved;
		return (NULL);
	}
	return (rm);
}

/*
 * Turn a failed request on h into the runner's error: runnerd's
 * refusal keeps its code and message; a failed connection is reported
 * as such, and the control connection is dropped (it may be out of
 * step), to be opened again by the next call.
 */
static int
remote_fail(struct runner *r, struct runner_channel *h, int rc)
{
	struct remote	*rm = r->backend;
	const char	*why;

	if ((why = rpc_refusal(h, NULL, 0)) != NULL)
		return (runner_seterr(r, rc, "%s", why));
	if (rc == RUNNER_ECLOSED)
		runner_seterr(r, rc, "runnerd at %s closed the connection",
		    rm->socket);
	else
		runner_seterr(r, rc, "runnerd at %s: %s", rm->socket,
		    runner_channel_errmsg(h));
	if (h == rm->ctl) {
		runner_channel_close(rm->ctl);
		rm->ctl = NULL;
	}
	return (rc);
}

/*
 * Ask runnerd cmd with ext (a JSON object, or NULL) and wait for the
 * answer: runnerd bounds its own waits (ready_timeout, stop_timeout).
 * 0 with *reply (when wanted) the reply's ext, or an error code.
 */
static int
remote_call(struct runner *r, const char *cmd, struct buf *ext,
    struct json **reply)
{
	struct remote	*rm = r->backend;
	int		 rc;

	if (reply != NULL)
		*reply = NULL;
	if (ext != NULL && (ext->failed || buf_cstr(ext) == NULL))
		return (runner_seterr(r, RUNNER_ENOMEM, "out of memory"));
	if (rm->ctl == NULL && remote_open(rm) == -1)
		return (runner_seterr(r, RUNNER_ECLOSED, "cannot reach runnerd "
		    "at %s: %s", rm->socket, strerror(errno)));
	if ((rc = rpc_call(rm->ctl, cmd, ext, -1, reply)) != 0)
		return (remote_fail(r, rm->ctl, rc));
	return (0);
}

static int
remote_load_config(struct runner *r, const char *path)
{
	struct buf	 ext;
	char		*abs;
	int		 rc;

	if ((abs = rpc_abspath(path, 0)) == NULL)
		return (runner_seterr(r, RUNNER_ESYS, "cannot make '%s' "
		    "absolute: %s", path, strerror(errno)));
	buf_init(&ext);
	jw_object1(&ext, "path", abs);
	rc = remote_call(r, "reload", &ext, NULL);
	buf_free(&ext);
	free(abs);
	return (rc);
}

/*
 * runnerd's update command merges the apps text names (protocol 6).  An
 * older runnerd has only reload, which would replace its whole
 * configuration: never fall back to that.
 */
static int
remote_update_config(struct runner *r, const char *text)
{
	struct remote	*rm = r->backend;
	struct buf	 ext;
	int		 rc;

	if (rm->protocol < 6)
		return (runner_seterr(r, RUNNER_ENOTSUP, "runnerd at %s speaks "
		    "protocol %lld; an update that keeps the apps it does not "
		    "name needs 6 (runner_load_config replaces them all)",
		    rm->socket, rm->protocol));
	buf_init(&ext);
	jw_object1(&ext, "config", text);
	/* Control bytes escape to six: a line runnerd would refuse. */
	if (buf_used(&ext) + 64 > RUNNER_LINE_MAX) {
		buf_free(&ext);
		return (runner_seterr(r, RUNNER_EINVAL, "configuration text "
		    "too long once escaped for runnerd (%d KiB at most): give "
		    "a file (runner_load_config)", RUNNER_LINE_MAX / 1024));
	}
	rc = remote_call(r, "update", &ext, NULL);
	buf_free(&ext);
	return (rc);
}

static int
remote_start(struct runner *r, const char *app,
    const struct runner_start *opts, int strict)
{
	/*
	 * forget: a failed start leaves its alias unknown, as in-process;
	 * runnerd would keep it listed as failed, for runnerctl (7).
	 */
	struct rpc_start	 req = { .app = app, .strict = strict,
				    .wait = -1, .forget = 1 };
	struct json		*j;
	struct buf		 ext;
	char			*cwd = NULL;
	int			 rc, started = 1;

	if (opts != NULL && opts->cwd != NULL &&
	    (cwd = rpc_abspath(opts->cwd, 0)) == NULL)
		return (runner_seterr(r, RUNNER_ESYS, "cannot make '%s' "
		    "absolute: %s", opts->cwd, strerror(errno)));
	/* A socket path stays relative to the app's cwd, as in-process. */
	if (opts != NULL) {
		req.alias = opts->alias;
		req.args = opts->args;
		req.socket = opts->socket;
	}
	req.cwd = cwd;
	buf_init(&ext);
	rpc_start_req(&ext, &req);
	rc = remote_call(r, "start", &ext, &j);
	buf_free(&ext);
	free(cwd);
	if (rc != 0)
		return (rc);
	json_bool(j, json_get(j, 0, "started"), &started);
	json_free(j);
	return (started ? 0 : RUNNER_RUNNING);
}

/*
 * Read what runnerd still sends on an attach connection into the
 * channel's read-ahead buffer, until runnerd closes it (it does once
 * the instance is gone and its output sent), bounded in time.
 */
static void
remote_drain(struct chan *c)
{
	char	 tmp[65536];
	double	 deadline = clock_deadline(REMOTE_DRAIN_MS);
	ssize_t	 n;

	for (;;) {
		n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n > 0 && buf_add(&c->in, tmp, (size_t)n) == 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    fd_wait(c->fd, POLLIN, deadline) == 1)
			continue;
		return;
	}
}

/*
 * alias was stopped through this runner: its channels report the end
 * now, as in-process, not whenever runnerd gets round to closing them.
 * (alias NULL: only forget the channels whose handles are all closed.)
 * A direct channel ends when runnerd closes its lease (the process is
 * gone: what it wrote is in the socket); an attached one once runnerd
 * has sent the rest and closed.
 */
static void
remote_forget(struct remote *rm, const char *alias)
{
	struct remote_chan	**np, *n;
	struct chan		*c;

	for (np = &rm->chans; (n = *np) != NULL; ) {
		if ((c = n->chan) != NULL && alias != NULL &&
		    strcmp(n->alias, alias) == 0) {
			if (c->gone)
				;	/* it knows already */
			else if (c->lease != -1) {
				if (fd_wait(c->lease, POLLIN,
				    clock_deadline(REMOTE_DRAIN_MS)) == 1)
					chan_lease_over(c);
			} else
				remote_drain(c);
			chan_gone(c);
			c->owner = NULL;
			n->chan = NULL;
		}
		if (n->chan == NULL) {
			*np = n->next;
			free(n->alias);
			free(n);
		} else
			np = &n->next;
	}
}

static int
remote_terminate(struct runner *r, const char *alias)
{
	struct buf	 ext;
	int		 rc;

	buf_init(&ext);
	jw_object1(&ext, "alias", alias);
	if ((rc = remote_call(r, "stop", &ext, NULL)) == 0)
		remote_forget(r->backend, alias);
	/*
	 * runnerd 7 keeps a stopped instance listed, for runnerctl; here
	 * terminate means gone, as in-process, so its record goes too.  One
	 * started again meanwhile by another client is refused: left be.
	 */
	if (rc == 0 && ((struct remote *)r->backend)->protocol >= 7)
		(void)remote_call(r, "remove", &ext, NULL);
	buf_free(&ext);
	return (rc);
}

/* runnerd's signal command: its codes and messages are the backend's. */
static int
remote_signal(struct runner *r, const char *alias, int signo)
{
	struct remote	*rm = r->backend;
	struct buf	 ext;
	int		 rc;

	if (rm->protocol < 5)
		return (runner_seterr(r, RUNNER_ENOTSUP, "runnerd at %s speaks "
		    "protocol %lld; signal needs 5", rm->socket,
		    rm->protocol));
	buf_init(&ext);
	rpc_signal_req(&ext, alias, signo);
	rc = remote_call(r, "signal", &ext, NULL);
	buf_free(&ext);
	return (rc);
}

/* Remember c as alias's (weakly: c->owner is cleared when c goes). */
static int
remote_track(struct runner *r, const char *alias, struct chan *c)
{
	struct remote		*rm = r->backend;
	struct remote_chan	*n;

	remote_forget(rm, NULL);	/* prune the closed ones */
	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->alias = strdup(alias)) == NULL) {
		free(n);
		return (runner_seterr(r, RUNNER_ENOMEM, "out of memory"));
	}
	n->chan = c;
	c->owner = &n->chan;
	n->next = rm->chans;
	rm->chans = n;
	return (0);
}

/*
 * A channel through runnerd: a connection of its own, attached.  An
 * instance that has ended and whose output was all read still gives a
 * handle, one that reports RUNNER_ECLOSED, as in-process.
 */
static struct chan *
remote_channel(struct runner *r, const char *alias)
{
	struct remote		*rm = r->backend;
	struct runner_channel	*h = NULL;
	struct chan		*c;
	struct buf		 ext;
	char			 err[RUNNER_ERRMSG_MAX];
	int			 fd, rc, sndbuf = REMOTE_SNDBUF;
	pid_t			 ssh;

	/* Through ssh, escaped: a close and a half-close differ (ssh.c). */
	if ((fd = ssh_url(rm->socket) ? ssh_dial_escaped(rm->socket, &ssh,
	    err, sizeof(err)) : rpc_dial(rm->socket, &ssh)) == -1) {
		runner_seterr(r, RUNNER_ECLOSED, "cannot reach runnerd at %s: "
		    "%s", rm->socket, strerror(errno));
		return (NULL);
	}
	/* A stream: bigger bursts mean fewer wake-ups on both sides. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if ((c = chan_new(fd)) == NULL || (h = chan_handle(c)) == NULL) {
		if (c == NULL)
			ssh_hangup(fd, ssh);
		else
			c->ssh = ssh;
		chan_unref(c);
		runner_seterr(r, RUNNER_ENOMEM, "out of memory");
		return (NULL);
	}
	c->ssh = ssh;
	c->esc = ssh > 0;
	c->daemon = 1;		/* until the attach reply (rpc.c) */
	buf_init(&ext);
	jw_object1(&ext, "alias", alias);
	rc = rpc_call(h, "attach", &ext, -1, NULL);
	buf_free(&ext);
	if (rc == RUNNER_ECLOSED && rpc_refusal(h, NULL, 0) != NULL) {
		shutdown(fd, SHUT_RDWR);
		chan_gone(c);
		rc = 0;
	}
	if (rc == 0) {
		rpc_attached(h);	/* the child's stream from here */
		rc = remote_track(r, alias, c);
	} else
		remote_fail(r, h, rc);
	runner_channel_close(h);
	if (rc != 0) {
		chan_unref(c);
		return (NULL);
	}
	return (c);
}

/*
 * A direct channel: runnerd hands over the instance's descriptor on a
 * connection that stays open as the lease (see handoff.c).
 */
static struct chan *
remote_direct(struct runner *r, const char *alias)
{
	struct remote	*rm = r->backend;
	struct chan	*c;
	struct buf	 data;
	char		 err[RUNNER_ERRMSG_MAX];
	int		 fd, chfd = -1, rc;
	pid_t		 ssh;

	/* No descriptor crosses a machine. */
	if (ssh_url(rm->socket)) {
		runner_seterr(r, RUNNER_ENOTSUP, "runnerd at %s is reached "
		    "through ssh: a direct channel passes the instance's "
		    "descriptor, which works on the same machine only (use "
		    "runner_get_channel)", rm->socket);
		return (NULL);
	}
	if (rm->protocol < 2) {
		runner_seterr(r, RUNNER_ENOTSUP, "runnerd at %s speaks "
		    "protocol %lld; direct channels need 2", rm->socket,
		    rm->protocol);
		return (NULL);
	}
	if ((fd = rpc_dial(rm->socket, &ssh)) == -1) {
		runner_seterr(r, RUNNER_ECLOSED, "cannot reach runnerd at %s: "
		    "%s", rm->socket, strerror(errno));
		return (NULL);
	}
	buf_init(&data);
	if ((rc = handoff_take(fd, alias, &chfd, &data, err,
	    sizeof(err))) != 0) {
		runner_seterr(r, rc, "%s", err);
		buf_free(&data);
		close(fd);
		return (NULL);
	}
	if ((c = chan_new(chfd)) == NULL) {
		runner_seterr(r, RUNNER_ENOMEM, "out of memory");
		buf_free(&data);
		close(chfd);
		close(fd);
		return (NULL);
	}
	c->lease = fd;
	/* What runnerd had buffered comes first. */
	buf_free(&c->in);
	c->in = data;
	if (remote_track(r, alias, c) != 0) {
		chan_unref(c);
		return (NULL);
	}
	return (c);
}

/* Hang up; the instances run on in runnerd, the handles stay valid. */
static void
remote_free(struct runner *r)
{
	struct remote		*rm = r->backend;
	struct remote_chan	*n;

	while ((n = rm->chans) != NULL) {
		rm->chans = n->next;
		if (n->chan != NULL)
			n->chan->owner = NULL;
		free(n->alias);
		free(n);
	}
	runner_channel_close(rm->ctl);
	sub_free(rm->sub);
	free(rm->socket);
	free(rm);
}

/* runnerd's state names, in enum runner_state's order from 1. */
static int
remote_state(const char *name)
{
	static const char *const names[] = { "starting", "running",
	    "backoff", "stopping", "exited", "failed", "stopped", "waiting" };
	size_t	 k;

	for (k = 0; name != NULL && k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(name, names[k]) == 0)
			return ((int)k + RUNNER_STATE_STARTING);
	return (0);
}

/* runnerd's status command, for one alias (ENOALIAS is runnerd's). */
static int
remote_status(struct runner *r, const char *alias, struct runner_status *st)
{
	struct remote	*rm = r->backend;
	struct json	*j;
	struct buf	 ext;
	long long	 n;
	char		*state;
	int		 rc, in, le;

	buf_init(&ext);
	jw_object1(&ext, "alias", alias);
	rc = remote_call(r, "status", &ext, &j);
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	if ((in = json_at(j, json_get(j, 0, "instances"), 0)) == -1) {
		json_free(j);
		return (runner_seterr(r, RUNNER_EPROTO, "runnerd at %s: a "
		    "status reply without '%s'", rm->socket, alias));
	}
	if (json_int(j, json_get(j, in, "pid"), &n) == 0)
		st->pid = (pid_t)n;
	state = json_str(j, json_get(j, in, "state"), NULL);
	st->state = remote_state(state);
	free(state);
	st->ready = st->state == RUNNER_STATE_RUNNING;
	if (json_int(j, json_get(j, in, "restarts"), &n) == 0)
		st->restarts = (int)n;
	le = json_get(j, in, "last_exit");
	if ((st->exited = json_type(j, le) == JSON_OBJECT))
		sub_exit(j, le, &st->exit_code, &st->exit_signal);
	if (json_int(j, json_get(j, in, "left_behind"), &n) == 0)
		st->left_behind = (int)n;
	json_double(j, json_get(j, in, "uptime"), &st->uptime);
	st->health = sub_health(j, json_get(j, json_get(j, in, "health"),
	    "state"));
	json_free(j);
	return (0);
}

/* Subscribe on a connection of our own, on first use: events from then. */
static int
remote_sub(struct runner *r)
{
	struct remote	*rm = r->backend;
	char		 err[RUNNER_ERRMSG_MAX];
	int		 rc;

	if (rm->sub == NULL &&
	    (rm->sub = sub_open(rm->socket, err, sizeof(err), &rc)) == NULL)
		return (runner_seterr(r, rc, "%s", err));
	return (0);
}

static int
remote_events_fd(struct runner *r)
{
	struct remote	*rm = r->backend;
	int		 rc;

	if ((rc = remote_sub(r)) != 0)
		return (rc);
	return (sub_fd(rm->sub));
}

static int
remote_next_event(struct runner *r, struct runner_event *ev)
{
	struct remote	*rm = r->backend;
	char		 err[RUNNER_ERRMSG_MAX];
	int		 rc;

	if ((rc = remote_sub(r)) != 0)
		return (rc);
	if ((rc = sub_next(rm->sub, ev, err, sizeof(err))) < 0)
		runner_seterr(r, rc, "runnerd at %s: %s", rm->socket, err);
	return (rc);
}

const struct runner_ops remote_ops = {
	remote_load_config,
	remote_update_config,
	remote_start,
	remote_terminate,
	remote_channel,
	remote_free,
	remote_direct,
	remote_signal,
	remote_status,
	remote_events_fd,
	remote_next_event,
};
