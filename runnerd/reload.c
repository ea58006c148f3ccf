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
 * other, each against the configuration the one before left.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

static void	 reload_scale(const struct app *, int, struct buf *,
		    struct buf *, struct buf *);
static int	 reload_done(struct config *, const char *, const char *,
		    struct buf *, char *, size_t);
static int	 reload_apply(struct config *, const char *, const char *,
		    struct buf *);

/*
 * An autostart app runs as NAME (or NAME-1..NAME-N): start what is
 * missing; stop NAME-k past N of any app (scaled down).  An instance
 * that has ended (stopped by hand, failed to start: listed until
 * removed) is started again only when its app is new or changed (fresh):
 * a reload that leaves an app as it was leaves its instances as they
 * were, stopped ones stopped, and does not retry a failure it would
 * only repeat.
 */
static void
reload_scale(const struct app *app, int fresh, struct buf *started,
    struct buf *stopped, struct buf *failed)
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
		jw_str(stopped, i->alias);
		inst_stop(i);
	}
	if (!app->autostart)
		return;
	for (j = 1; j <= app->instances; j++) {
		inst_alias(app, j, alias, sizeof(alias));
		if ((i = inst_find(alias)) != NULL && (!inst_ended(i) ||
		    !fresh))
			continue;
		if (inst_launch(alias, app, &(struct runner_start){ 0 }, 0, &rc,
		    err, sizeof(err)) == NULL) {
			jw_open(failed, '{');
			jw_key(failed, "alias");
			jw_str(failed, alias);
			jw_key(failed, "error");
			jw_str(failed, err);
			jw_close(failed, '}');
		} else
			jw_str(started, alias);
	}
}

/*
 * Load the file at path (NULL: the one runnerd was started with) or the
 * configuration text, and put it in force.  0 with what was done as JSON
 * members in report (may be NULL), or a RUNNER_E* code with err.  Under
 * systemd, RELOADING=1 before and READY=1 after, whatever the outcome
 * (a refused configuration leaves the old one running: ready still).
 */
int
reload_config(const char *path, const char *text, struct buf *report,
    char *err, size_t errlen)
{
	struct config	*cfg;

	notify_reloading();
	if (path == NULL && text == NULL && (path = server.config_path) ==
	    NULL) {
		errf(err, errlen, "no configuration file to reload");
		notify_ready();
		return (RUNNER_EINVAL);
	}
	cfg = text != NULL ? config_load_text(text, err, errlen) :
	    config_load_file(path, err, errlen);
	return (reload_done(cfg, path, "reloaded", report, err, errlen));
}

/*
 * Merge the apps that the file at path or the text names into the
 * configuration in force (config_merge.c) and put the result in force,
 * as reload_config.  SIGHUP still reloads runnerd's own file, without
 * what updates added.
 */
int
update_config(const char *path, const char *text, struct buf *report,
    char *err, size_t errlen)
{
	struct config	*cfg;

	if ((path == NULL) == (text == NULL)) {
		errf(err, errlen, "an update needs a path or text");
		return (RUNNER_EINVAL);
	}
	notify_reloading();
	cfg = text != NULL ? config_update_text(server.conf->cfg, text, err,
	    errlen) : config_update_file(server.conf->cfg, path, err, errlen);
	return (reload_done(cfg, NULL, "updated", report, err, errlen));
}

/*
 * The end of a reload or an update: cfg (NULL: refused, err says why)
 * put in force, and systemd told that runnerd is ready again.
 */
static int
reload_done(struct config *cfg, const char *path, const char *verb,
    struct buf *report, char *err, size_t errlen)
{
	int	 rc;

	rc = cfg == NULL ? RUNNER_ECONFIG : reload_apply(cfg, path, verb,
	    report);
	if (rc == RUNNER_ENOMEM)
		errf(err, errlen, "out of memory");
	notify_ready();
	return (rc);
}

/*
 * Put cfg (consumed) in force; path, when not NULL, becomes the file
 * SIGHUP reloads; verb says which for the log.  0, or RUNNER_ENOMEM with
 * nothing changed.
 */
static int
reload_apply(struct config *cfg, const char *path, const char *verb,
    struct buf *report)
{
	struct conf		*old = server.conf, *c;
	const struct app	*o, *n;
	struct buf		 added, removed, changed, restarted;
	struct buf		 started, stopped, failed, rolling;
	struct inst		*i;
	enum app_reload		 d;
	size_t			 k;
	char			*fresh = NULL;	/* per app: added or changed */
	char			*roll = NULL;	/* per app: to roll */

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (fresh = calloc(cfg->napps + 1, 1)) == NULL ||
	    (roll = calloc(cfg->napps + 1, 1)) == NULL) {
		free(fresh);
		free(c);
		config_free(cfg);
		return (RUNNER_ENOMEM);
	}
	c->cfg = cfg;
	c->refs = 1;
	server.conf = c;

	buf_init(&added);
	buf_init(&removed);
	buf_init(&changed);
	buf_init(&restarted);
	buf_init(&started);
	buf_init(&stopped);
	buf_init(&failed);
	buf_init(&rolling);
	jw_open(&added, '[');
	jw_open(&removed, '[');
	jw_open(&changed, '[');
	jw_open(&restarted, '[');
	jw_open(&started, '[');
	jw_open(&stopped, '[');
	jw_open(&failed, '[');
	jw_open(&rolling, '[');
	for (k = 0; k < old->cfg->napps; k++)
		if (config_app(cfg, old->cfg->apps[k].name) == NULL)
			jw_str(&removed, old->cfg->apps[k].name);
	for (k = 0; k < cfg->napps; k++) {
		n = &cfg->apps[k];
		if ((o = config_app(old->cfg, n->name)) == NULL) {
			jw_str(&added, n->name);
			fresh[k] = 1;
		} else if (app_reload(o, n) != RELOAD_SAME) {
			jw_str(&changed, n->name);
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
				jw_str(&stopped, i->alias);
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
				jw_str(&restarted, i->alias);
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
			jw_str(&rolling, cfg->apps[k].name);
	}
	free(roll);
	listen_perms();	/* allow_group may have changed */
	access_recheck();	/* ... and its old members with it */
	metrics_http_config(cfg);	/* metrics_listen may have changed */
	for (k = 0; k < cfg->napps; k++)
		reload_scale(&cfg->apps[k], fresh[k], &started, &stopped,
		    &failed);
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

	jw_close(&added, ']');
	jw_close(&removed, ']');
	jw_close(&changed, ']');
	jw_close(&restarted, ']');
	jw_close(&started, ']');
	jw_close(&stopped, ']');
	jw_close(&failed, ']');
	jw_close(&rolling, ']');
	log_info("%s %s: %zu app%s; added %s, removed %s, changed %s, "
	    "restarted %s, rolling %s; instances started %s, stopped %s, "
	    "failed %s", verb, cfg->source, cfg->napps, cfg->napps == 1 ?
	    "" : "s", buf_cstr(&added), buf_cstr(&removed),
	    buf_cstr(&changed), buf_cstr(&restarted), buf_cstr(&rolling),
	    buf_cstr(&started), buf_cstr(&stopped), buf_cstr(&failed));
	if (report != NULL) {
		jw_key(report, "config");
		jw_str(report, cfg->source);
		jw_key(report, "apps");
		jw_int(report, (long long)cfg->napps);
		jw_key(report, "added");
		jw_raw(report, buf_head(&added), buf_used(&added));
		jw_key(report, "removed");
		jw_raw(report, buf_head(&removed), buf_used(&removed));
		jw_key(report, "changed");
		jw_raw(report, buf_head(&changed), buf_used(&changed));
		jw_key(report, "restarted");
		jw_raw(report, buf_head(&restarted), buf_used(&restarted));
		jw_key(report, "started");
		jw_raw(report, buf_head(&started), buf_used(&started));
		jw_key(report, "stopped");
		jw_raw(report, buf_head(&stopped), buf_used(&stopped));
		jw_key(report, "failed");
		jw_raw(report, buf_head(&failed), buf_used(&failed));
		jw_key(report, "rolling");
		jw_raw(report, buf_head(&rolling), buf_used(&rolling));
	}
	buf_free(&added);
	buf_free(&removed);
	buf_free(&changed);
	buf_free(&restarted);
	buf_free(&started);
	buf_free(&stopped);
	buf_free(&failed);
	buf_free(&rolling);
	return (0);
}
