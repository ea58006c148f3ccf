/*
 * cmd.c: the control commands, one handler each, found through a table.
 * A handler reads its fields from the request's ext, acts, and answers
 * with reply_ok or reply_err (or leaves a waiter to answer later).  The
 * request shapes are in lib/proto.h.
 *
 * The table also says who may send each command (access.c): commands
 * that change what runnerd runs or end it (reload, shutdown) are for
 * root and runnerd's own uid only; the rest operate the configured apps
 * and are open to allow_group members too, except the start overrides
 * that choose where a configured program runs (cwd, socket), which
 * cmd_start checks.
 */

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

struct req {
	struct client	*c;
	struct json	*j;
	int		 ext;		/* the ext object's index, or -1 */
	int		 has_tag;
	long long	 tag;
};

static void	cmd_hello(struct req *);
static void	cmd_apps(struct req *);
static void	cmd_start(struct req *);
static void	cmd_stop(struct req *);
static void	cmd_restart(struct req *);
static void	cmd_status(struct req *);
static void	cmd_write(struct req *);
static void	cmd_read(struct req *);
static void	cmd_attach(struct req *);
static void	cmd_direct(struct req *);
static void	cmd_logs(struct req *);
static void	cmd_subscribe(struct req *);
static void	cmd_reload(struct req *);
static void	cmd_shutdown(struct req *);

/*
 * owner: what an allow_group member may not do (NULL: it may), in the
 * words of its refusal.
 */
static const struct {
	const char	*name;
	void		(*fn)(struct req *);
	const char	*owner;
} cmds[] = {
	{ "hello",	cmd_hello,	NULL },
	{ "apps",	cmd_apps,	NULL },
	{ "start",	cmd_start,	NULL },
	{ "stop",	cmd_stop,	NULL },
	{ "restart",	cmd_restart,	NULL },
	{ "status",	cmd_status,	NULL },
	{ "write",	cmd_write,	NULL },
	{ "read",	cmd_read,	NULL },
	{ "attach",	cmd_attach,	NULL },
	{ "direct",	cmd_direct,	NULL },
	{ "logs",	cmd_logs,	NULL },
	{ "subscribe",	cmd_subscribe,	NULL },
	{ "reload",	cmd_reload,	"reload the configuration" },
	{ "shutdown",	cmd_shutdown,	"shut runnerd down" },
};

static int	req_bool_or(struct req *, const char *, int, int *);

#define REQ_ERR(rq, code, ...) \
	reply_err((rq)->c->id, (rq)->has_tag, (rq)->tag, (code), __VA_ARGS__)

/*
 * The string field key of ext: 0 with *out malloc'd (NULL when absent
 * and optional), or -1 after answering EINVAL.
 */
static int
req_str(struct req *rq, const char *key, int required, char **out)
{
	size_t	 len;
	int	 v = json_get(rq->j, rq->ext, key);

	*out = NULL;
	if (v == -1) {
		if (!required)
			return (0);
		REQ_ERR(rq, RUNNER_EINVAL, "missing '%s'", key);
		return (-1);
	}
	if (json_type(rq->j, v) != JSON_STRING) {
		REQ_ERR(rq, RUNNER_EINVAL, "'%s' must be a string", key);
		return (-1);
	}
	if ((*out = json_str(rq->j, v, &len)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return (-1);
	}
	/* Names and paths: a NUL ("\u0000") would cut them short. */
	if (strlen(*out) != len) {
		REQ_ERR(rq, RUNNER_EINVAL, "'%s' must not contain NUL", key);
		free(*out);
		*out = NULL;
		return (-1);
	}
	return (0);
}

/* The optional number field key: 0 (dflt when absent) or -1 (answered). */
static int
req_num(struct req *rq, const char *key, double dflt, double *out)
{
	int	 v = json_get(rq->j, rq->ext, key);

	*out = dflt;
	if (v == -1)
		return (0);
	if (json_double(rq->j, v, out) == -1 || *out < 0) {
		REQ_ERR(rq, RUNNER_EINVAL, "'%s' must be a number >= 0", key);
		return (-1);
	}
	return (0);
}

/* The optional boolean field key; false when absent. */
static int
req_bool(struct req *rq, const char *key, int *out)
{
	return (req_bool_or(rq, key, 0, out));
}

/* The optional boolean field key; dflt when absent. */
static int
req_bool_or(struct req *rq, const char *key, int dflt, int *out)
{
	int	 v = json_get(rq->j, rq->ext, key);

	*out = dflt;
	if (v == -1)
		return (0);
	if (json_bool(rq->j, v, out) == -1) {
		REQ_ERR(rq, RUNNER_EINVAL, "'%s' must be true or false", key);
		return (-1);
	}
	return (0);
}

/* The optional list of strings key, as a malloc'd argv (always set). */
static int
req_strings(struct req *rq, const char *key, char ***out)
{
	int	 v = json_get(rq->j, rq->ext, key), n, k;
	char	**list;
	size_t	 len;

	*out = NULL;
	n = v == -1 ? 0 : json_len(rq->j, v);
	if (v != -1 && json_type(rq->j, v) != JSON_ARRAY) {
		REQ_ERR(rq, RUNNER_EINVAL, "'%s' must be a list of strings",
		    key);
		return (-1);
	}
	if ((list = calloc((size_t)n + 1, sizeof(*list))) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return (-1);
	}
	for (k = 0; k < n; k++) {
		if (json_type(rq->j, json_at(rq->j, v, k)) != JSON_STRING) {
			argv_free(list);
			REQ_ERR(rq, RUNNER_EINVAL, "'%s' must be a list of "
			    "strings", key);
			return (-1);
		}
		if ((list[k] = json_str(rq->j, json_at(rq->j, v, k),
		    &len)) == NULL) {
			argv_free(list);
			REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
			return (-1);
		}
		if (strlen(list[k]) != len) {
			argv_free(list);
			REQ_ERR(rq, RUNNER_EINVAL, "'%s' must not contain NUL",
			    key);
			return (-1);
		}
	}
	*out = list;
	return (0);
}

/* The instance named by the alias field, or NULL after answering. */
static struct inst *
req_inst(struct req *rq)
{
	struct inst	*i;
	char		*alias;

	if (req_str(rq, "alias", 1, &alias) == -1)
		return (NULL);
	if ((i = inst_find(alias)) == NULL)
		REQ_ERR(rq, RUNNER_ENOALIAS, "no instance named '%s'", alias);
	free(alias);
	return (i);
}

static void
reply_buf(struct req *rq, struct buf *ext)
{
	if (ext->failed)
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
	else
		reply_ok(rq->c->id, rq->has_tag, rq->tag, ext);
	buf_free(ext);
}

/*
 * Handle one request line.  Malformed requests get EPROTO, an unknown
 * command ENOCMD, with the tag when one could be read.
 */
void
cmd_dispatch(struct client *c, const char *line, size_t len)
{
	struct req	 rq;
	char		 why[256];
	size_t		 k;
	int		 v, cmd;

	memset(&rq, 0, sizeof(rq));
	rq.c = c;
	rq.ext = -1;
	while (len > 0 && line[len - 1] == '\r')
		len--;
	if ((rq.j = json_parse(line, len, why, sizeof(why))) == NULL) {
		REQ_ERR(&rq, RUNNER_EPROTO, "invalid JSON: %s", why);
		return;
	}
	if (json_type(rq.j, 0) != JSON_OBJECT) {
		REQ_ERR(&rq, RUNNER_EPROTO, "a request is a JSON object");
		goto out;
	}
	if ((v = json_get(rq.j, 0, "tag")) != -1) {
		if (json_int(rq.j, v, &rq.tag) == -1) {
			REQ_ERR(&rq, RUNNER_EINVAL, "'tag' must be an integer");
			goto out;
		}
		rq.has_tag = 1;
	}
	if ((cmd = json_get(rq.j, 0, "cmd")) == -1 ||
	    json_type(rq.j, cmd) != JSON_STRING) {
		REQ_ERR(&rq, RUNNER_EINVAL, "'cmd' must be a string");
		goto out;
	}
	if ((rq.ext = json_get(rq.j, 0, "ext")) != -1 &&
	    json_type(rq.j, rq.ext) != JSON_OBJECT) {
		REQ_ERR(&rq, RUNNER_EINVAL, "'ext' must be an object");
		goto out;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (!json_streq(rq.j, cmd, cmds[k].name))
			continue;
		if (cmds[k].owner != NULL &&
		    !access_owner(c, cmds[k].owner, why, sizeof(why))) {
			log_warnx("client %llu: %s refused: %s",
			    (unsigned long long)c->id, cmds[k].name, why);
			REQ_ERR(&rq, RUNNER_EPERM, "%s", why);
		} else
			cmds[k].fn(&rq);
		goto out;
	}
	{
		char	*name = json_str(rq.j, cmd, NULL);

		REQ_ERR(&rq, RUNNER_ENOCMD, "unknown command '%.64s'",
		    name != NULL ? name : "?");
		free(name);
	}
out:
	json_free(rq.j);
}

static void
cmd_hello(struct req *rq)
{
	struct buf	 b;

	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "protocol");
	jw_int(&b, PROTO_VERSION);
	jw_key(&b, "version");
	jw_str(&b, RUNNER_VERSION);
	jw_key(&b, "pid");
	jw_int(&b, getpid());
	jw_key(&b, "config");
	jw_str(&b, server.conf->cfg->source);
	jw_key(&b, "socket");
	jw_str(&b, server.socket_path);
	jw_close(&b, '}');
	reply_buf(rq, &b);
}

static void
jw_strs(struct buf *b, char *const *list)
{
	jw_open(b, '[');
	while (list != NULL && *list != NULL)
		jw_str(b, *list++);
	jw_close(b, ']');
}

static const char *
restart_name(enum app_restart r)
{
	return (r == RESTART_NO ? "no" : r == RESTART_ALWAYS ? "always" :
	    "on-failure");
}

static void
cmd_apps(struct req *rq)
{
	const struct config	*cfg = server.conf->cfg;
	const struct app	*a;
	struct buf		 b;
	size_t			 k;

	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "config");
	jw_str(&b, cfg->source);
	jw_key(&b, "apps");
	jw_open(&b, '[');
	for (k = 0; k < cfg->napps; k++) {
		a = &cfg->apps[k];
		jw_open(&b, '{');
		jw_key(&b, "name");
		jw_str(&b, a->name);
		jw_key(&b, "type");
		jw_str(&b, a->type == APP_SOCKET ? "socket" : "stdio");
		jw_key(&b, "command");
		jw_strs(&b, a->argv);
		jw_key(&b, "cwd");
		jw_str(&b, a->cwd);
		jw_key(&b, "socket");
		jw_str(&b, a->socket);
		jw_key(&b, "restart");
		jw_str(&b, restart_name(a->restart));
		jw_key(&b, "autostart");
		jw_bool(&b, a->autostart);
		jw_close(&b, '}');
	}
	jw_close(&b, ']');
	jw_close(&b, '}');
	reply_buf(rq, &b);
}

/* Answer a start (or restart) whose instance now runs. */
void
cmd_reply_start(struct waiter *w, struct inst *i)
{
	struct buf	 b;

	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, i->pid);
	jw_key(&b, "started");
	jw_bool(&b, w->started);
	jw_key(&b, "state");
	jw_str(&b, inst_state_name(i->state));
	jw_close(&b, '}');
	reply_ok(w->client, w->has_tag, w->tag, &b);	/* ENOMEM if failed */
	buf_free(&b);
}

/*
 * Answer now (the instance is ready, or the client did not ask to wait:
 * exec has succeeded, which is all `runnerctl start` confirms), or leave
 * a waiter until it is ready.
 */
static void
cmd_start_answer(struct req *rq, struct inst *i, int started, int wait)
{
	struct waiter	*w, tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.client = rq->c->id;
	tmp.has_tag = rq->has_tag;
	tmp.tag = rq->tag;
	tmp.started = started;
	if (!wait || i->state == INST_RUNNING || i->state == INST_BACKOFF) {
		cmd_reply_start(&tmp, i);
		return;
	}
	if ((w = waiter_new(WAIT_START, rq->c, rq->has_tag, rq->tag,
	    i)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return;
	}
	w->started = started;
}

/*
 * Start every instance of an app with instances = N (NAME-1..NAME-N) that
 * is not running; answered once all are spawned, with their aliases.
 */
static void
cmd_start_all(struct req *rq, const struct app *app,
    const struct runner_start *opts)
{
	struct buf	 b;
	struct inst	*i;
	char		 alias[RUNNER_ALIAS_MAX + 16], err[RUNNER_ERRMSG_MAX];
	int		 k, rc, n = 0;

	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "app");
	jw_str(&b, app->name);
	jw_key(&b, "started");
	jw_open(&b, '[');
	for (k = 1; k <= app->instances; k++) {
		inst_alias(app, k, alias, sizeof(alias));
		if ((i = inst_find(alias)) != NULL && !inst_ended(i))
			continue;
		if (inst_launch(alias, app, opts, &rc, err, sizeof(err)) ==
		    NULL) {
			buf_free(&b);
			REQ_ERR(rq, rc, "%s (%d of %d instances of '%s' were "
			    "started)", err, n, app->instances, app->name);
			return;
		}
		jw_str(&b, alias);
		n++;
	}
	jw_close(&b, ']');
	jw_close(&b, '}');
	reply_buf(rq, &b);
}

static void
cmd_start(struct req *rq)
{
	struct runner_start	 opts;
	const struct app	*app;
	struct inst		*i;
	char			*name = NULL, *alias = NULL, *cwd = NULL;
	char			*sock = NULL, **args = NULL;
	char			 err[RUNNER_ERRMSG_MAX];
	int			 strict, wait, rc;

	if (req_str(rq, "app", 1, &name) == -1 ||
	    req_str(rq, "alias", 0, &alias) == -1 ||
	    req_str(rq, "cwd", 0, &cwd) == -1 ||
	    req_str(rq, "socket", 0, &sock) == -1 ||
	    req_strings(rq, "args", &args) == -1 ||
	    req_bool(rq, "strict", &strict) == -1 ||
	    req_bool_or(rq, "wait", 1, &wait) == -1)
		goto out;
	if (alias_check(alias != NULL ? alias : name, err, sizeof(err)) == -1) {
		REQ_ERR(rq, RUNNER_EINVAL, "%s", err);
		goto out;
	}
	/*
	 * Extra args go to the configured program, which root chose.  A cwd
	 * picks the directory it runs in (a relative command, script or
	 * socket path then names the caller's files), and a socket picks
	 * the path runnerd removes when stale and then connects to as its
	 * own user for every attacher: both are the owner's to choose.
	 */
	if ((cwd != NULL || sock != NULL) && !access_owner(rq->c,
	    cwd != NULL ? "start an app in a directory of its choosing "
	    "('cwd')" : "start an app on a socket path of its choosing "
	    "('socket')", err, sizeof(err))) {
		log_warnx("client %llu: start refused: %s",
		    (unsigned long long)rq->c->id, err);
		REQ_ERR(rq, RUNNER_EPERM, "%s", err);
		goto out;
	}
	if ((app = config_app(server.conf->cfg, name)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOAPP, "no app named '%s' (in %s)", name,
		    server.conf->cfg->source);
		goto out;
	}
	if (server.shutting_down) {
		REQ_ERR(rq, RUNNER_EPERM, "runnerd is shutting down");
		goto out;
	}
	memset(&opts, 0, sizeof(opts));
	opts.args = (const char *const *)args;
	opts.cwd = cwd;
	opts.socket = sock;
	if (alias == NULL && app->instances > 1) {
		cmd_start_all(rq, app, &opts);
		goto out;
	}
	if ((i = inst_find(alias != NULL ? alias : name)) != NULL) {
		if (i->state == INST_STOPPING) {
			REQ_ERR(rq, RUNNER_EEXIST, "'%s' is being stopped",
			    i->alias);
			goto out;
		}
		if (inst_running(i)) {
			if (strict)
				REQ_ERR(rq, RUNNER_EEXIST, "'%s' is already "
				    "running (pid %ld)", i->alias,
				    (long)i->pid);
			else
				cmd_start_answer(rq, i, 0, wait);
			goto out;
		}
	}
	if ((i = inst_launch(alias != NULL ? alias : name, app, &opts, &rc,
	    err, sizeof(err))) == NULL) {
		REQ_ERR(rq, rc, "%s", err);
		goto out;
	}
	cmd_start_answer(rq, i, 1, wait);
out:
	free(name);
	free(alias);
	free(cwd);
	free(sock);
	argv_free(args);
}

static void
cmd_stop(struct req *rq)
{
	struct stopjob	*job;
	struct waiter	*w;
	struct inst	**list = NULL;
	char		**aliases = NULL, *one = NULL;
	size_t		 n = 0, k;
	int		 all;

	if (req_bool(rq, "all", &all) == -1 ||
	    req_str(rq, "alias", 0, &one) == -1 ||
	    req_strings(rq, "aliases", &aliases) == -1)
		goto out;
	if (!all && one == NULL && aliases[0] == NULL) {
		REQ_ERR(rq, RUNNER_EINVAL, "say which: 'alias', 'aliases' "
		    "or 'all'");
		goto out;
	}
	if ((list = calloc(server.ninsts + argv_len(aliases) + 1,
	    sizeof(*list))) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		goto out;
	}
	if (all) {
		for (k = 0; k < server.ninsts; k++)
			list[n++] = server.insts[k];
	}
	/* Every alias is checked before anything is stopped. */
	for (k = 0; !all && (one != NULL || aliases[k] != NULL); k++) {
		const char *a = one != NULL ? one : aliases[k];

		if ((list[n] = inst_find(a)) == NULL) {
			REQ_ERR(rq, RUNNER_ENOALIAS, "no instance named '%s'",
			    a);
			goto out;
		}
		n++;
		if (one != NULL)
			break;
	}
	if (n == 0) {
		struct buf	 b;

		buf_init(&b);
		buf_adds(&b, "{\"stopped\":[]}");
		reply_buf(rq, &b);
		goto out;
	}
	if ((job = stopjob_new(rq->c, rq->has_tag, rq->tag, (int)n)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++) {
		if ((w = waiter_new(WAIT_STOP, rq->c, rq->has_tag, rq->tag,
		    list[k])) == NULL) {
			stopjob_abort(job);	/* nothing stopped yet */
			REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
			goto out;
		}
		w->job = job;
	}
	/* By id: stopping one may remove it before the next is reached. */
	for (k = 0; k < n; k++)
		list[k] = (struct inst *)(uintptr_t)list[k]->id;
	for (k = 0; k < n; k++) {
		struct inst *i = inst_by_id((uint64_t)(uintptr_t)list[k]);

		if (i != NULL)
			inst_stop(i);
	}
out:
	free(list);
	free(one);
	argv_free(aliases);
}

static void
cmd_restart(struct req *rq)
{
	struct inst	*i;
	struct waiter	*w;

	if ((i = req_inst(rq)) == NULL)
		return;
	if (i->state == INST_STOPPING) {
		REQ_ERR(rq, RUNNER_EEXIST, "'%s' is being stopped", i->alias);
		return;
	}
	if ((w = waiter_new(WAIT_START, rq->c, rq->has_tag, rq->tag,
	    i)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return;
	}
	w->started = 1;
	inst_restart(i);
}

static void
status_one(struct buf *b, struct inst *i)
{
	jw_open(b, '{');
	jw_key(b, "alias");
	jw_str(b, i->alias);
	jw_key(b, "app");
	jw_str(b, i->app->name);
	jw_key(b, "pid");
	jw_int(b, i->pid);
	jw_key(b, "state");
	jw_str(b, inst_state_name(i->state));
	jw_key(b, "args");
	jw_strs(b, i->args);
	jw_key(b, "type");
	jw_str(b, i->app->type == APP_SOCKET ? "socket" : "stdio");
	jw_key(b, "socket");
	jw_str(b, i->socket_path);
	jw_key(b, "uptime");
	jw_double(b, i->pid > 0 ? ev_now(server.loop) - i->started_at : 0);
	jw_key(b, "restarts");
	jw_int(b, i->restarts);
	jw_key(b, "last_exit");
	inst_json_exit(b, i);
	jw_key(b, "next_restart");
	if (i->state == INST_BACKOFF)
		jw_double(b, i->next_restart > ev_now(server.loop) ?
		    i->next_restart - ev_now(server.loop) : 0);
	else
		jw_null(b);
	/* Why it is not running: a failed start, or giving up. */
	if (i->start_msg != NULL && i->pid == 0 &&
	    i->state != INST_STOPPING) {
		jw_key(b, "error");
		jw_str(b, i->start_msg);
	}
	relay_json(b, i);
	jw_key(b, "log_dropped");
	jw_int(b, (long long)capture_log_dropped(i));
	jw_close(b, '}');
}

static void
cmd_status(struct req *rq)
{
	struct buf	 b;
	struct inst	*one = NULL;
	size_t		 k;

	if (json_get(rq->j, rq->ext, "alias") != -1 &&
	    (one = req_inst(rq)) == NULL)
		return;
	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "instances");
	jw_open(&b, '[');
	for (k = 0; k < server.ninsts; k++) {
		if (one == NULL || one == server.insts[k])
			status_one(&b, server.insts[k]);
	}
	jw_close(&b, ']');
	jw_close(&b, '}');
	reply_buf(rq, &b);
}

static void
cmd_write(struct req *rq)
{
	struct inst	*i;
	struct waiter	*w;
	char		*data = NULL;
	size_t		 n;
	int		 v;

	if ((i = req_inst(rq)) == NULL ||
	    direct_refuse(rq->c, i, rq->has_tag, rq->tag))
		return;
	if ((v = json_get(rq->j, rq->ext, "data")) != -1) {
		if ((data = json_b64(rq->j, v, &n)) == NULL) {
			REQ_ERR(rq, RUNNER_EINVAL, "'data' must be base64");
			return;
		}
	} else if ((v = json_get(rq->j, rq->ext, "text")) != -1) {
		if ((data = json_str(rq->j, v, &n)) == NULL) {
			REQ_ERR(rq, RUNNER_EINVAL, "'text' must be a string");
			return;
		}
	} else {
		REQ_ERR(rq, RUNNER_EINVAL, "missing 'data' or 'text'");
		return;
	}
	if (!relay_takes_input(i)) {
		REQ_ERR(rq, RUNNER_ECLOSED, "'%s' is %s", i->alias,
		    i->state == INST_RUNNING ? "not reading its input" :
		    "not running");
		free(data);
		return;
	}
	if ((w = waiter_new(WAIT_WRITE, rq->c, rq->has_tag, rq->tag,
	    i)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		free(data);
		return;
	}
	if (relay_input(i, data, n) == -1) {
		waiter_free(w);
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory for '%s''s input",
		    i->alias);
		free(data);
		return;
	}
	free(data);
	w->until = relay_queued(i);
	w->count = n;
	/* One write in flight per client: its later requests wait. */
	rq->c->waiting = 1;
	if (n == 0)
		waiters_inst_event(i);
}

static void
cmd_read(struct req *rq)
{
	struct inst	*i;
	struct waiter	*w, tmp;
	double		 wait, max;

	if ((i = req_inst(rq)) == NULL ||
	    direct_refuse(rq->c, i, rq->has_tag, rq->tag) ||
	    req_num(rq, "wait", 0, &wait) == -1 ||
	    req_num(rq, "max", PROTO_READ_MAX, &max) == -1)
		return;
	memset(&tmp, 0, sizeof(tmp));
	tmp.client = rq->c->id;
	tmp.has_tag = rq->has_tag;
	tmp.tag = rq->tag;
	tmp.count = max < PROTO_READ_MAX ? (size_t)max : PROTO_READ_MAX;
	if (relay_buffered(i) > 0 || inst_ended(i) || wait == 0) {
		waiter_read_now(&tmp, i);
		return;
	}
	if ((w = waiter_new(WAIT_READ, rq->c, rq->has_tag, rq->tag,
	    i)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return;
	}
	w->count = tmp.count;
	ev_timer_set(&w->timer, wait, 0);
	ev_timer_start(server.loop, &w->timer);
}

static void
cmd_attach(struct req *rq)
{
	struct inst	*i;
	struct buf	 b;

	if ((i = req_inst(rq)) == NULL)
		return;
	if (inst_ended(i) && relay_buffered(i) == 0) {
		REQ_ERR(rq, RUNNER_ECLOSED, "'%s' has ended and all its "
		    "output was read", i->alias);
		return;
	}
	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "alias");
	jw_str(&b, i->alias);
	jw_key(&b, "pid");
	jw_int(&b, i->pid);
	jw_close(&b, '}');
	reply_buf(rq, &b);
	relay_attach(i, rq->c);
	if (inst_ended(i))
		relay_detach_all(i);
}

/* Hand the instance's channel descriptor over (direct.c). */
static void
cmd_direct(struct req *rq)
{
	struct inst	*i;

	if ((i = req_inst(rq)) != NULL)
		direct_take(rq->c, i, rq->has_tag, rq->tag);
}

/* The recent log, and with follow the log as it comes (capture.c). */
static void
cmd_logs(struct req *rq)
{
	struct inst	*i;
	double		 lines;
	int		 follow;

	if ((i = req_inst(rq)) == NULL ||
	    req_bool(rq, "follow", &follow) == -1 ||
	    req_num(rq, "lines", -1, &lines) == -1)
		return;
	capture_logs(i, rq->c, rq->has_tag, rq->tag, follow,
	    lines < 0 ? -1 : lines > 1e9 ? 1000000000LL : (long long)lines);
}

static void
cmd_subscribe(struct req *rq)
{
	event_subscribe(rq->c);
	reply_ok(rq->c->id, rq->has_tag, rq->tag, NULL);
}

static void
cmd_reload(struct req *rq)
{
	struct buf	 b;
	char		*path = NULL, *text = NULL;
	char		 err[RUNNER_ERRMSG_MAX];
	int		 rc;

	if (req_str(rq, "path", 0, &path) == -1 ||
	    req_str(rq, "config", 0, &text) == -1)
		goto out;
	if (path != NULL && text != NULL) {
		REQ_ERR(rq, RUNNER_EINVAL, "give 'path' or 'config', not both");
		goto out;
	}
	buf_init(&b);
	jw_open(&b, '{');
	if ((rc = reload_config(path, text, &b, err, sizeof(err))) != 0) {
		buf_free(&b);
		REQ_ERR(rq, rc, "%s", err);
		goto out;
	}
	jw_close(&b, '}');
	reply_buf(rq, &b);
out:
	free(path);
	free(text);
}

static void
cmd_shutdown(struct req *rq)
{
	reply_ok(rq->c->id, rq->has_tag, rq->tag, NULL);
	log_info("shutdown requested");
	inst_stop_all();
}
