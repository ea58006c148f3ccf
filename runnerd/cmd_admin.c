/*
 * cmd_admin.c: the commands about runnerd itself rather than an
 * instance: subscribe (the connection receives events), reload and
 * update (the configuration, reload.c) and shutdown.  reload, update
 * and shutdown are the owner's only (cmd.c's table).
 */

#include <stdlib.h>

#include "runnerd.h"

static void	 cmd_config(struct req *,
		    int (*)(const char *, const char *, struct req *, char *,
		    size_t));

/* The connection receives events from now on (control.c's event_emit). */
void
cmd_subscribe(struct req *rq)
{
	event_subscribe(rq->c);
	reply_ok(rq->c->id, rq->has_tag, rq->tag, NULL);
}

/* Read the configuration again (reload.c); answered with the changes. */
void
cmd_reload(struct req *rq)
{
	cmd_config(rq, reload_config);
}

/*
 * Add or replace the apps named by "config" text or the file at "path"
 * (reload.c's update_config); answered with the changes, as reload.
 */
void
cmd_update(struct req *rq)
{
	cmd_config(rq, update_config);
}

/*
 * reload or update (fn): "path" or "config", at most one, then fn, which
 * answers once the starts it queued have had their turn.
 */
static void
cmd_config(struct req *rq, int (*fn)(const char *, const char *,
    struct req *, char *, size_t))
{
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
	if ((rc = fn(path, text, rq, err, sizeof(err))) != 0)
		REQ_ERR(rq, rc, "%s", err);
out:
	free(path);
	free(text);
}

/* Answer, then stop every instance; runnerd exits once all are gone. */
void
cmd_shutdown(struct req *rq)
{
	reply_ok(rq->c->id, rq->has_tag, rq->tag, NULL);
	log_info("shutdown requested");
	inst_stop_all();
}
