/*
 * reload.c: put a new configuration in force, app by app.  The new one is
 * checked whole first; if it is bad nothing changes.  Then each app is
 * compared with its old self by app_reload, which walks the option table
 * of config_opt.c, where each option has its class:
 *
 *   unchanged         its instances are not touched;
 *   removed           its instances are stopped;
 *   policy changed    (RELOAD_LIVE, RELOAD_AT_START) its instances follow
 *                     the new settings without a restart: at once, or
 *                     from their next start;
 *   process changed   (RELOAD_RESTART: what the process is) its running
 *                     instances are restarted with the new settings: all
 *                     at once, or for an app of several instances with
 *                     reload_strategy = "rolling", by a rolling restart
 *                     (roll.c) that the reply does not wait for;
 *   added             started if autostart.
 *
 * An autostart app is scaled to its `instances`: missing NAME-k started,
 * NAME-k past the count stopped; an ended one (stopped, failed, exited)
 * is started again.  The reply lists what was done, and which starts
 * failed and why (exec errors: a later failure, a socket that never
 * appears, shows in status), which
 * supervisord's reload (restart everything) and update (restart whole
 * groups) do not tell.
 *
 * An update (update_config) is the same walk over a configuration made
 * of the current one and the apps the update names (config_merge.c), so
 * nothing is removed.  Both are applied whole within one turn of the
 * loop: two clients' reloads and updates take effect one after the
 * other, each against the configuration the one before left.  Only the
 * starts wait: they are a wave in the launch queue (launchq.c), as a
 * start of many is, so that a reload that adds a thousand instances does
 * not keep every client waiting while they are spawned.  The reply, the
 * log line and systemd's READY=1 come once each has had its turn (a
 * reloadjob); one stopped or removed before its turn is listed failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

/* A reload or update whose starts are under way, and its answer. */
struct reloadjob {
	struct wave	 wave;		/* its starts (launchq.c) */
	int		 queuing;	/* not to be answered yet: still
					   queuing them */
	uint64_t	 client;	/* to answer, or 0 (SIGHUP) */
	long long	 tag;
	int		 has_tag;
	const char	*verb;		/* "reloaded", "updated" */
	char		*source;	/* the configuration's, for the log */
	size_t		 napps;
	struct buf	 added, removed, changed, restarted;
	struct buf	 started, stopped, failed, rolling;
};

static int	 reload_jobs;	/* under way: READY=1 once none is */

static int	 reload_refused(char *, size_t);
static void	 reload_scale(struct reloadjob *, const struct app *, int);
static void	 reload_failed(struct reloadjob *, const char *,
		    const char *);
static void	 reload_turn(struct wave *, struct inst *, const char *,
		    int, const char *);
static void	 reload_settle(struct reloadjob *);
static void	 reload_free(struct reloadjob *);
static int	 reload_done(struct config *, const char *, const char *,
		    struct req *, char *, size_t);
static int	 reload_apply(struct config *, const char *, const char *,
		    struct req *);

/*
 * An autostart app runs as NAME (or NAME-1..NAME-N): start what is
 * missing; stop NAME-k past N of any app (scaled down).  An instance
 * that has ended (stopped by hand, failed to start: listed until
 * removed) is started again only when its app is new or changed (fresh):
 * a reload that leaves an app as it was leaves its instances as they
 * were, stopped ones stopped, and does not retry a failure it would
 * only repeat.  The starts are queued in job's wave.
 */
static void
reload_scale(struct reloadjob *job, const struct app *app, int fresh)
{
	char	 alias[RUNNER_ALIAS_MAX + 16], err[RUNNER_ERRMSG_MAX], *end;
	size_t	 k, len = strlen(app->name);
	struct inst *i;
	long	 n;
	int	 rc, j;

	for (k = server.ninsts; k > 0; k--) {
		i = server.insts[k - 1];
		if (i->app != app || strncmp(i->alias, app->name, len) != 0 ||
		    i->alias[len] != '-')
			continue;
		n = strtol(i->alias + len + 1, &end, 10);
		if (*end != '\0' || n <= app->instances ||
		    i->state == INST_STOPPING)
			continue;
		jw_str(&job->stopped, i->alias);
		inst_stop(i);
	}
	if (!app->autostart)
		return;
	for (j = 1; j <= app->instances; j++) {
		inst_alias(app, j, alias, sizeof(alias));
		if ((i = inst_find(alias)) != NULL && (!inst_ended(i) ||
		    !fresh))
			continue;
		if (inst_queue(alias, app, &(struct runner_start){ 0 }, 0,
		    &job->wave, &rc, err, sizeof(err)) == NULL)
			reload_failed(job, alias, err);
	}
}

/* List alias as a start of job that failed, with why. */
static void
reload_failed(struct reloadjob *job, const char *alias, const char *why)
{
	jw_open(&job->failed, '{');
	jw_key(&job->failed, "alias");
	jw_str(&job->failed, alias);
	jw_key(&job->failed, "error");
	jw_str(&job->failed, why);
	jw_close(&job->failed, '}');
}

/*
 * One of the job's starts had its turn (code rc, err; -1: it was stopped
 * or removed before it came).
 */
static void
reload_turn(struct wave *wave, struct inst *i, const char *alias, int rc,
    const char *err)
{
	struct reloadjob *job = (struct reloadjob *)wave;

	(void)i;
	if (rc == 0)
		jw_str(&job->started, alias);
	else
		reload_failed(job, alias, rc == -1 ? "stopped before its "
		    "turn to start came" : err);
	reload_settle(job);
}

/*
 * No reload or update once a shutdown has begun: the instances it would
 * start, queued after the shutdown's stops, would run on, and runnerd,
 * which exits once none is left, with them.  1 with err, else 0.
 */
static int
reload_refused(char *err, size_t errlen)
{
	if (!server.shutting_down)
		return (0);
	errf(err, errlen, "runnerd is shutting down");
	return (1);
}

/*
 * Load the file at path (NULL: the one runnerd was started with) or the
 * configuration text, and put it in force.  0 once it is (rq, when not
 * NULL, is answered with what was done once the starts have had their
 * turn), or a RUNNER_E* code with err (rq is the caller's to answer).
 * Under systemd, RELOADING=1 before and READY=1 after, whatever the
 * outcome (a refused configuration leaves the old one running: ready
 * still).
 */
int
reload_config(const char *path, const char *text, struct req *rq,
    char *err, size_t errlen)
{
	struct config	*cfg;

	if (reload_refused(err, errlen))
		return (RUNNER_EPERM);
	notify_reloading();
	if (path == NULL && text == NULL && (path = server.config_path) ==
	    NULL) {
		errf(err, errlen, "no configuration file to reload");
		if (reload_jobs == 0)
			notify_ready();
		return (RUNNER_EINVAL);
	}
	cfg = text != NULL ? config_load_text(text, err, errlen) :
	    config_load_file(path, err, errlen);
	return (reload_done(cfg, path, "reloaded", rq, err, errlen));
}

/*
 * Merge the apps that the file at path or the text names into the
 * configuration in force (config_merge.c) and put the result in force,
 * as reload_config.  SIGHUP still reloads runnerd's own file, without
 * what updates added.
 */
int
update_config(const char *path, const char *text, struct req *rq,
    char *err, size_t errlen)
{
	struct config	*cfg;

	if ((path == NULL) == (text == NULL)) {
		errf(err, errlen, "an update needs a path or text");
		return (RUNNER_EINVAL);
	}
	if (reload_refused(err, errlen))
		return (RUNNER_EPERM);
	notify_reloading();
	cfg = text != NULL ? config_update_text(server.conf->cfg, text, err,
	    errlen) : config_update_file(server.conf->cfg, path, err, errlen);
	return (reload_done(cfg, NULL, "updated", rq, err, errlen));
}

/*
 * cfg (NULL: refused, err says why) put in force; a refused one leaves
 * runnerd as ready as it was.
 */
static int
reload_done(struct config *cfg, const char *path, const char *verb,
    struct req *rq, char *err, size_t errlen)
{
	int	 rc;

	rc = cfg == NULL ? RUNNER_ECONFIG : reload_apply(cfg, path, verb, rq);
	if (rc == RUNNER_ENOMEM)
		errf(err, errlen, "out of memory");
	if (rc != 0 && reload_jobs == 0)
		notify_ready();
	return (rc);
}

/*
 * Put cfg (consumed) in force; path, when not NULL, becomes the file
 * SIGHUP reloads; verb says which for the log.  0 (the job answers rq
 * once its starts have had their turn), or RUNNER_ENOMEM with nothing
 * changed.
 */
static int
reload_apply(struct config *cfg, const char *path, const char *verb,
    struct req *rq)
{
	struct reloadjob	*job;
	struct conf		*old = server.conf, *c = NULL;
	const struct app	*o, *n;
	struct inst		*i;
	enum app_reload		 d;
	size_t			 k;
	char			*fresh = NULL;	/* per app: added or changed */
	char			*roll = NULL;	/* per app: to roll */

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->source = strdup(cfg->source)) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL ||
	    (fresh = calloc(cfg->napps + 1, 1)) == NULL ||
	    (roll = calloc(cfg->napps + 1, 1)) == NULL) {
		free(fresh);
		free(c);
		if (job != NULL)
			free(job->source);
		free(job);
		config_free(cfg);
		return (RUNNER_ENOMEM);
	}
	job->wave.turn = reload_turn;
	job->queuing = 1;
	job->verb = verb;
	job->napps = cfg->napps;
	if (rq != NULL) {
		job->client = rq->c->id;
		job->has_tag = rq->has_tag;
		job->tag = rq->tag;
		rq->c->pending++;	/* kept open, at EOF too, until then */
	}
	reload_jobs++;
	c->cfg = cfg;
	c->refs = 1;
	server.conf = c;

	buf_init(&job->added);
	buf_init(&job->removed);
	buf_init(&job->changed);
	buf_init(&job->restarted);
	buf_init(&job->started);
	buf_init(&job->stopped);
	buf_init(&job->failed);
	buf_init(&job->rolling);
	jw_open(&job->added, '[');
	jw_open(&job->removed, '[');
	jw_open(&job->changed, '[');
	jw_open(&job->restarted, '[');
	jw_open(&job->started, '[');
	jw_open(&job->stopped, '[');
	jw_open(&job->failed, '[');
	jw_open(&job->rolling, '[');
	for (k = 0; k < old->cfg->napps; k++)
		if (config_app(cfg, old->cfg->apps[k].name) == NULL)
			jw_str(&job->removed, old->cfg->apps[k].name);
	for (k = 0; k < cfg->napps; k++) {
		n = &cfg->apps[k];
		if ((o = config_app(old->cfg, n->name)) == NULL) {
			jw_str(&job->added, n->name);
			fresh[k] = 1;
		} else if (app_reload(o, n) != RELOAD_SAME) {
			jw_str(&job->changed, n->name);
			fresh[k] = 1;
		}
	}

	/* Backwards: stopping one may remove it, never those before it. */
	for (k = server.ninsts; k > 0; k--) {
		i = server.insts[k - 1];
		if (i->conf != old)
			continue;	/* already leaving, from an older one */
		if ((n = config_app(cfg, i->app->name)) == NULL) {
			/*
			 * A restart under way (stopping to start again)
			 * ends with its stop: started again, it would run
			 * an app that no longer exists, from a
			 * configuration no later reload looks at.
			 */
			if (i->state != INST_STOPPING || restart_pending(i)) {
				jw_str(&job->stopped, i->alias);
				restart_cancel(i);
				depends_stop(i);	/* dependents first */
			}
			continue;
		}
		d = app_reload(i->app, n);
		i->app = n;
		health_follow(i);
		i->conf = c;
		c->refs++;
		conf_unref(old);
		if (d == RELOAD_RESTART && i->pid > 0 &&
		    i->state != INST_STOPPING) {
			/*
			 * Rolled after this walk, by roll.c, which finds
			 * the app's instances itself.
			 */
			if (n->reload_strategy == RELOAD_ROLLING &&
			    n->instances > 1)
				roll[n - cfg->apps] = 1;
			else {
				jw_str(&job->restarted, i->alias);
				inst_restart(i);
			}
		}
	}
	depends_release();
	conf_unref(old);
	for (k = 0; k < cfg->napps; k++) {
		if (!roll[k])
			continue;
		if (roll_app(&cfg->apps[k],
		    cfg->apps[k].reload_max_unavailable) == -1)
			log_warnx("%s: cannot roll it (out of memory): its "
			    "instances run the old configuration",
			    cfg->apps[k].name);
		else
			jw_str(&job->rolling, cfg->apps[k].name);
	}
	free(roll);
	listen_perms();	/* allow_group may have changed */
	access_recheck();	/* ... and its old members with it */
	metrics_http_config(cfg);	/* metrics_listen may have changed */
	for (k = 0; k < cfg->napps; k++)
		reload_scale(job, &cfg->apps[k], fresh[k]);
	free(fresh);
	if (path != NULL && path != server.config_path) {
		char	*copy;

		/* Out of memory: SIGHUP goes on reading the old file. */
		if ((copy = strdup(path)) == NULL)
			log_warn("%s: keeping %s for SIGHUP", __func__,
			    server.config_path != NULL ? server.config_path :
			    "no file");
		else {
			free(server.config_path);
			server.config_path = copy;
		}
	}
	job->queuing = 0;
	reload_settle(job);
	return (0);
}

/*
 * Once the job's starts have all had their turn: log what was done,
 * answer its client with it, and tell systemd runnerd is ready again
 * (when no other reload is under way).
 */
static void
reload_settle(struct reloadjob *job)
{
	struct client	*c;
	struct buf	 b;

	if (job->queuing || job->wave.queued > 0)
		return;
	jw_close(&job->added, ']');
	jw_close(&job->removed, ']');
	jw_close(&job->changed, ']');
	jw_close(&job->restarted, ']');
	jw_close(&job->started, ']');
	jw_close(&job->stopped, ']');
	jw_close(&job->failed, ']');
	jw_close(&job->rolling, ']');
	log_info("%s %s: %zu app%s; added %s, removed %s, changed %s, "
	    "restarted %s, rolling %s; instances started %s, stopped %s, "
	    "failed %s", job->verb, job->source, job->napps, job->napps == 1 ?
	    "" : "s", buf_cstr(&job->added), buf_cstr(&job->removed),
	    buf_cstr(&job->changed), buf_cstr(&job->restarted),
	    buf_cstr(&job->rolling), buf_cstr(&job->started),
	    buf_cstr(&job->stopped), buf_cstr(&job->failed));
	if (job->client != 0) {
		buf_init(&b);
		jw_open(&b, '{');
		jw_key(&b, "config");
		jw_str(&b, job->source);
		jw_key(&b, "apps");
		jw_int(&b, (long long)job->napps);
		jw_key(&b, "added");
		jw_raw(&b, buf_head(&job->added), buf_used(&job->added));
		jw_key(&b, "removed");
		jw_raw(&b, buf_head(&job->removed), buf_used(&job->removed));
		jw_key(&b, "changed");
		jw_raw(&b, buf_head(&job->changed), buf_used(&job->changed));
		jw_key(&b, "restarted");
		jw_raw(&b, buf_head(&job->restarted),
		    buf_used(&job->restarted));
		jw_key(&b, "started");
		jw_raw(&b, buf_head(&job->started), buf_used(&job->started));
		jw_key(&b, "stopped");
		jw_raw(&b, buf_head(&job->stopped), buf_used(&job->stopped));
		jw_key(&b, "failed");
		jw_raw(&b, buf_head(&job->failed), buf_used(&job->failed));
		jw_key(&b, "rolling");
		jw_raw(&b, buf_head(&job->rolling), buf_used(&job->rolling));
		jw_close(&b, '}');
		/* A list out of memory makes it an ENOMEM (control.c). */
		b.failed |= job->added.failed | job->removed.failed |
		    job->changed.failed | job->restarted.failed |
		    job->started.failed | job->stopped.failed |
		    job->failed.failed | job->rolling.failed;
		reply_ok(job->client, job->has_tag, job->tag, &b);
		buf_free(&b);
		if ((c = client_find(job->client)) != NULL) {
			c->pending--;
			client_check(c);
		}
	}
	if (--reload_jobs == 0)
		notify_ready();
	reload_free(job);
}

static void
reload_free(struct reloadjob *job)
{
	buf_free(&job->added);
	buf_free(&job->removed);
	buf_free(&job->changed);
	buf_free(&job->restarted);
	buf_free(&job->started);
	buf_free(&job->stopped);
	buf_free(&job->failed);
	buf_free(&job->rolling);
	free(job->source);
	free(job);
}
