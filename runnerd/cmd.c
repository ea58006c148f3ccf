/*
 * cmd.c: the control commands' table, and what every handler shares: the
 * dispatch of a request line to its handler and the decoding of the
 * request's fields.  A handler reads its fields from the request's ext,
 * acts, and answers with reply_ok or reply_err (control.c), or leaves a
 * waiter (waiter.c) with the callback that answers it later.  The
 * handlers live by family, each family in its own file:
 *
 *	cmd_start.c	start, restart: launch, answer once ready
 *	cmd_stop.c	stop: answer once every instance named is gone
 *	cmd_remove.c	remove: forget ended instances (ended.c keeps them)
 *	cmd_signal.c	signal: kill(2) to an instance's main process
 *	cmd_io.c	write, read, attach, direct, close_input: the
 *			instance's channel
 *	cmd_query.c	hello, apps, status, logs: looking, not changing
 *	cmd_admin.c	subscribe, reload, update, shutdown: runnerd itself
 *	cmd_deps.c	deps: the dependency graph of the configuration
 *	metrics.c	metrics: the Prometheus text format
 *
 * The request shapes are in lib/proto.h.
 *
 * The table also says who may send each command (access.c): commands
 * that change what runnerd runs or end it (reload, update, shutdown) are
 * for root and runnerd's own uid only; the rest operate the configured
 * apps and are open to allow_group members too, except the start
 * overrides that choose where a configured program runs (cwd, socket),
 * which cmd_start (cmd_start.c) checks.
 *
 * The walk of `runnerctl start cat --alias c1`: control.c reads the line
 * (access.c checked the peer at accept) -> cmd.c dispatches and decodes
 * -> cmd_start.c, the handler -> instance.c launches -> capture.c (the
 * log pipe) -> relay.c (the channel) -> ready.c: ready at once (a stdio
 * app with ready = none) or later, when waiter.c calls cmd_start.c's
 * start_done -> control.c puts the answer in its envelope.
 */

#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

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
	{ "remove",	cmd_remove,	NULL },
	{ "restart",	cmd_restart,	NULL },
	{ "signal",	cmd_signal,	NULL },
	{ "status",	cmd_status,	NULL },
	{ "write",	cmd_write,	NULL },
	{ "read",	cmd_read,	NULL },
	{ "attach",	cmd_attach,	NULL },
	{ "close_input", cmd_close_input, NULL },
	{ "direct",	cmd_direct,	NULL },
	{ "logs",	cmd_logs,	NULL },
	{ "subscribe",	cmd_subscribe,	NULL },
	{ "reload",	cmd_reload,	"reload the configuration" },
	{ "update",	cmd_update,	"update the configuration" },
	{ "shutdown",	cmd_shutdown,	"shut runnerd down" },
	{ "deps",	cmd_deps,	NULL },
	{ "metrics",	cmd_metrics,	NULL },
	{ "upgrade",	cmd_upgrade,	"upgrade runnerd" },
};

/*
 * The command table's own copy of the name (metrics.c counts requests by
 * it), or NULL: a waiter handed over by an upgrade (waiter.c).
 */
const char *
cmd_name(const char *name)
{
	size_t	 k;

	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(cmds[k].name, name) == 0)
			return (cmds[k].name);
	return (NULL);
}

/*
 * The string field key of ext: 0 with *out malloc'd (NULL when absent
 * and optional), or -1 after answering EINVAL.
 */
int
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
int
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
int
req_bool(struct req *rq, const char *key, int *out)
{
	return (req_bool_or(rq, key, 0, out));
}

/* The optional boolean field key; dflt when absent. */
int
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
int
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
struct inst *
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

/* Answer rq with ext, or ENOMEM if ext ran out of memory; frees ext. */
void
req_reply(struct req *rq, struct buf *ext)
{
	if (ext->failed)
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
	else
		reply_ok(rq->c->id, rq->has_tag, rq->tag, ext);
	buf_free(ext);
}

/*
 * A waiter for rq about i, answered later by done; NULL after answering
 * ENOMEM.
 */
struct waiter *
req_waiter(struct req *rq, struct inst *i,
    int (*done)(struct waiter *, struct inst *, enum wait_why))
{
	struct waiter	*w;

	if ((w = waiter_new(rq->c, rq->has_tag, rq->tag, i, done)) == NULL)
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
	return (w);
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
	const char	*prev;
	size_t		 k;
	int		 v, cmd;

	/* requests_total: "invalid" until the command is known. */
	prev = metrics_enter("invalid");
	memset(&rq, 0, sizeof(rq));
	rq.c = c;
	rq.ext = -1;
	while (len > 0 && line[len - 1] == '\r')
		len--;
	if ((rq.j = json_parse(line, len, why, sizeof(why))) == NULL) {
		REQ_ERR(&rq, RUNNER_EPROTO, "invalid JSON: %s", why);
		metrics_leave(prev);
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
		metrics_enter(cmds[k].name);
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

		metrics_enter("unknown");	/* not the name: bounded labels */
		REQ_ERR(&rq, RUNNER_ENOCMD, "unknown command '%.64s'",
		    name != NULL ? name : "?");
		free(name);
	}
out:
	json_free(rq.j);
	metrics_leave(prev);
}
