/*
 * cmd_query.c: the commands that look without changing anything: hello
 * (who runnerd is), apps (the configuration), status (the instances) and
 * logs (an instance's recent log, and with follow the log as it comes,
 * capture.c).
 */

#include <unistd.h>

#include "runnerd.h"

#define STATUS_ONE_EST	384	/* bytes of a plain instance's status */

static void	 jw_strs(struct buf *, char *const *);
static const char *restart_name(enum app_restart);
static void	 status_one(struct buf *, struct inst *);

/* Who runnerd is: protocol, version, pid, configuration, socket. */
void
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
	metrics_http_json(&b);	/* protocol 9 */
	upgrade_json(&b);	/* protocol 10: "started", "upgrades" */
	jw_close(&b, '}');
	req_reply(rq, &b);
}

/* A list of strings as a JSON array; NULL as []. */
static void
jw_strs(struct buf *b, char *const *list)
{
	jw_open(b, '[');
	while (list != NULL && *list != NULL)
		jw_str(b, *list++);
	jw_close(b, ']');
}

/* An app's restart policy in the configuration's words. */
static const char *
restart_name(enum app_restart r)
{
	return (r == RESTART_NO ? "no" : r == RESTART_ALWAYS ? "always" :
	    "on-failure");
}

/* The configured apps, as the configuration says them. */
void
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
	req_reply(rq, &b);
}

/* One instance's status object. */
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
	depends_json(b, i);
	jw_key(b, "args");
	jw_strs(b, i->req.args);
	jw_key(b, "type");
	jw_str(b, i->app->type == APP_SOCKET ? "socket" : "stdio");
	jw_key(b, "socket");
	jw_str(b, i->req.socket_path);
	restart_json(b, i);
	jw_key(b, "left_behind");
	jw_int(b, i->end.left_behind);
	/* Why it is not running: a failed start, or giving up. */
	if (i->end.start_msg != NULL && i->pid == 0 &&
	    i->state != INST_STOPPING) {
		jw_key(b, "error");
		jw_str(b, i->end.start_msg);
	}
	/* Why an ended one is not running, whatever ended it (16). */
	jw_key(b, "reason");
	inst_reason(b, i);
	relay_json(b, i);
	jw_key(b, "log_dropped");
	jw_int(b, (long long)capture_log_dropped(i));
	/* Its probe's verdict and last result, or null (protocol 8). */
	jw_key(b, "health");
	health_json(b, i);
	jw_close(b, '}');
}

/*
 * Every instance's status, or the one named by alias: written straight
 * into the reply line, sized ahead (1000 instances grew a buffer ten
 * times, then were copied into the line).
 */
void
cmd_status(struct req *rq)
{
	struct buf	 b;
	struct client	*c;
	struct inst	*one = NULL;
	size_t		 k;

	if (json_get(rq->j, rq->ext, "alias") != -1 &&
	    (one = req_inst(rq)) == NULL)
		return;
	if ((c = reply_ok_open(rq->c->id, rq->has_tag, rq->tag, &b,
	    (one != NULL ? 1 : server.ninsts) * STATUS_ONE_EST)) == NULL)
		return;
	jw_open(&b, '{');
	jw_key(&b, "instances");
	jw_open(&b, '[');
	for (k = 0; k < server.ninsts; k++) {
		if (one == NULL || one == server.insts[k])
			status_one(&b, server.insts[k]);
	}
	jw_close(&b, ']');
	jw_close(&b, '}');
	reply_ok_close(c, &b, rq->has_tag, rq->tag);
}

/* The recent log, and with follow the log as it comes (capture.c). */
void
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
