/*
 * depends.c: dependencies between apps, as runnerd lives them.  Starting
 * an instance of an app with depends_on queues the instances of each
 * dependency that are not running, to start in their turn in the launch
 * queue (launchq.c: a dependency of a thousand instances does not stall
 * the loop), and holds the instance `waiting' until every condition
 * holds; then its process starts, in its turn in the queue too (a
 * thousand dependents let go at once do not stall the loop either).  A
 * stop goes the other way: an instance is held until every instance that
 * depends on it and is stopping too has ended.  And with
 * on_dependency_restart, a dependency that restarted restarts its
 * dependents once it meets their condition again.
 *
 * Nothing here polls.  inst_event (instance.c) tells depends_event of
 * every change of every instance; that marks the graph dirty, and an
 * ev_prepare watcher, run once the loop's callbacks of this iteration are
 * done (so that an instance's state has settled after its event), looks
 * again at what waits, what is held and what is due to restart.  What it
 * does (a start, a stop, a failure) may change more; it looks again
 * until nothing did.  The configuration refuses cycles (config_deps.c),
 * so every wait ends: in a start, or in a failure that travels up.
 *
 * A dependency names an app: all of its default instances (NAME, or
 * NAME-1..NAME-N) must meet the condition (runner.conf(5) says why).
 */

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

enum verdict {
	V_MET,
	V_PENDING,
	V_FAILED
};

/*
 * An app's verdict on a condition, kept for the rest of a walk of
 * deps_settle while nothing changes: a thousand dependents waiting for
 * an app of a thousand instances cost a thousand lookups per walk, not a
 * million (the walk comes each turn of the loop while the dependency's
 * launches are under way).
 */
struct memo {
	const struct app	*app;
	enum dep_cond		 cond;
	enum verdict		 v;
	char			 why[RUNNER_ERRMSG_MAX];
};

static ev_prepare	 deps_prepare;
static int		 deps_dirty;	/* something changed: look again */
static int		 deps_settling;	/* in deps_settle */
static struct memo	*memo;		/* deps_settle's verdicts, or NULL */
static size_t		 nmemo, memo_cap;

static void	 deps_prepare_cb(struct ev_loop *, ev_prepare *, int);
static void	 deps_settle(void);
static enum verdict inst_meets(const struct inst *, enum dep_cond, char *,
		    size_t);
static enum verdict app_meets(const struct app *, enum dep_cond, char *,
		    size_t);
static enum verdict app_verdict(const struct app *, enum dep_cond, char *,
		    size_t);
static enum verdict deps_meet(struct inst *, char *, size_t);
static void	 deps_what(const struct inst *, int, char *, size_t);
static void	 deps_say(struct inst *);
static int	 deps_go(struct inst *, char *, size_t);
static void	 deps_fail(struct inst *, int, const char *);
static enum verdict wait_check(struct inst *, int);
static void	 hold_check(struct inst *);
static void	 restart_check(struct inst *);
static int	 depends_on(const struct app *, const char *);
static int	 needed(const struct inst *);

/* Does app a depend on the app called name? */
static int
depends_on(const struct app *a, const char *name)
{
	size_t	 k;

	for (k = 0; k < a->deps.n; k++)
		if (strcmp(a->deps.v[k].app, name) == 0)
			return (1);
	return (0);
}

/*
 * Does any app depend on i's, in the configuration i started from (for
 * an app a reload removes, the one its dependents, removed with it,
 * started from too)?
 */
static int
needed(const struct inst *i)
{
	const struct config	*cfg = i->conf->cfg;
	size_t			 k;

	for (k = 0; k < cfg->napps; k++)
		if (depends_on(&cfg->apps[k], i->app->name))
			return (1);
	return (0);
}

/*
 * Something changed: look again before the loop next blocks.  Also
 * instance.c's, for a start that failed in its turn (no event says so).
 */
void
depends_changed(void)
{
	deps_dirty = 1;
	if (deps_settling)
		return;		/* the walk under way looks again */
	if (!ev_is_active(&deps_prepare)) {
		ev_prepare_init(&deps_prepare, deps_prepare_cb);
		ev_prepare_start(server.loop, &deps_prepare);
	}
}

static void
deps_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)revents;
	ev_prepare_stop(loop, w);
	deps_settle();
}

/*
 * Look at every instance that waits, is held or is due to restart, until
 * nothing changes.  By id: what is done may remove instances.
 */
static void
deps_settle(void)
{
	struct inst	**list;
	uint64_t	*ids;
	struct inst	*i;
	size_t		 k, n;
	int		 acted;

	if (deps_settling)
		return;
	deps_settling = 1;
	while (deps_dirty) {
		deps_dirty = 0;
		if ((ids = calloc(server.ninsts + 1, sizeof(*ids))) == NULL ||
		    (list = calloc(server.ninsts + 1, sizeof(*list))) == NULL) {
			free(ids);
			log_warnx("dependencies: out of memory; looking "
			    "again at the next event");
			break;
		}
		for (k = n = 0; k < server.ninsts; k++) {
			i = server.insts[k];
			/* One queued to launch is looked at in its turn. */
			if ((i->state == INST_WAITING &&
			    launchq_kind(i) == LAUNCH_NONE) || i->dep.held ||
			    i->dep.restart_due) {
				list[n] = i;
				ids[n++] = i->id;
			}
		}
		/*
		 * Until something is done the list holds: by id only after
		 * (what is done may remove instances), not a walk of every
		 * instance for each of a thousand that only wait.
		 */
		for (k = 0, acted = 0; k < n; k++) {
			if (acted && (list[k] = inst_by_id(ids[k])) == NULL)
				continue;
			i = list[k];
			/*
			 * A hold first: a waiting instance held by a stop
			 * of several (shutdown) is stopped, not left waiting
			 * for what the stop holds back for it.
			 */
			if (i->dep.held)
				hold_check(i);
			else if (i->state == INST_WAITING) {
				if (wait_check(i, 0) != V_FAILED)
					continue;	/* nothing changed */
			} else if (i->dep.restart_due)
				restart_check(i);
			acted = 1;
			nmemo = 0;	/* what changed may change verdicts */
		}
		free(list);
		free(ids);
		nmemo = 0;
	}
	free(memo);
	memo = NULL;
	nmemo = memo_cap = 0;
	deps_settling = 0;
}

/*
 * Does instance x meet cond: met, pending (it may yet), or failed (it
 * cannot any more, why says why).
 */
static enum verdict
inst_meets(const struct inst *x, enum dep_cond cond, char *why, size_t len)
{
	char		 how[64];
	int		 st = x->end.last_status, ok;

	ok = x->end.exited && st != -1 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
	switch (x->state) {
	case INST_WAITING:
		return (V_PENDING);
	case INST_STARTING:
		return (cond == DEP_STARTED ? V_MET : V_PENDING);
	case INST_RUNNING:
		if (cond == DEP_STARTED || cond == DEP_READY)
			return (V_MET);
		if (cond != DEP_HEALTHY)
			return (V_PENDING);
		switch (health_state(x)) {
		case HEALTH_STARTING:
			return (V_PENDING);
		case HEALTH_UNHEALTHY:
			snprintf(why, len, "'%s' is unhealthy", x->alias);
			return (V_FAILED);
		default:
			/* No probe: the configuration let it through. */
			return (V_MET);
		}
	case INST_BACKOFF:
		/* It ran and ended; its policy brings it back. */
		if (cond == DEP_COMPLETED_OK && !ok)
			break;
		return (cond == DEP_STARTED || cond == DEP_COMPLETED ||
		    cond == DEP_COMPLETED_OK ? V_MET : V_PENDING);
	case INST_STOPPING:
		if (restart_pending(x) || cond == DEP_COMPLETED)
			return (V_PENDING);
		/* Its probe stopped it: say that, not only the stop. */
		if (health_reason(x) != NULL)
			snprintf(why, len, "%s", health_reason(x));
		else
			snprintf(why, len, "'%s' is being stopped", x->alias);
		return (V_FAILED);
	case INST_EXITED:
		if (cond == DEP_STARTED || cond == DEP_COMPLETED ||
		    (cond == DEP_COMPLETED_OK && ok))
			return (V_MET);
		break;
	case INST_FAILED:
		if (cond == DEP_COMPLETED && x->end.start_code == 0 &&
		    x->end.exited)
			return (V_MET);
		break;
	case INST_STOPPED:
		break;
	}
	if (x->state == INST_STOPPED)
		snprintf(why, len, "'%s' was stopped", x->alias);
	else if (x->end.start_msg != NULL)
		snprintf(why, len, "%s", x->end.start_msg);
	else if (x->end.exited)
		snprintf(why, len, "'%s' %s", x->alias, status_words(st, how,
		    sizeof(how)));
	else
		snprintf(why, len, "'%s' %s", x->alias,
		    inst_state_name(x->state));
	return (V_FAILED);
}

/* Do all the default instances of app a meet cond? */
static enum verdict
app_meets(const struct app *a, enum dep_cond cond, char *why, size_t len)
{
	struct inst	*x;
	char		 alias[RUNNER_ALIAS_MAX + 16];
	enum verdict	 v, all = V_MET;
	int		 k;

	for (k = 1; k <= a->instances; k++) {
		inst_alias(a, k, alias, sizeof(alias));
		if ((x = inst_find(alias)) == NULL) {
			snprintf(why, len, "'%s' is not running", alias);
			return (V_FAILED);
		}
		/* Another app's instance under the name: not this one. */
		if (strcmp(x->app->name, a->name) != 0) {
			snprintf(why, len, "'%s' is an instance of app '%s'",
			    alias, x->app->name);
			return (V_FAILED);
		}
		if ((v = inst_meets(x, cond, why, len)) == V_FAILED)
			return (V_FAILED);
		if (v == V_PENDING)
			all = V_PENDING;
	}
	return (all);
}

/* app_meets, from the memo while deps_settle walks. */
static enum verdict
app_verdict(const struct app *a, enum dep_cond cond, char *why, size_t len)
{
	struct memo	*m;
	enum verdict	 v;
	size_t		 k;

	if (!deps_settling)
		return (app_meets(a, cond, why, len));
	for (k = 0; k < nmemo; k++) {
		m = &memo[k];
		if (m->app == a && m->cond == cond) {
			if (m->v == V_FAILED)
				snprintf(why, len, "%s", m->why);
			return (m->v);
		}
	}
	v = app_meets(a, cond, why, len);
	if (nmemo == memo_cap) {
		/* Out of memory: not kept, only computed again. */
		if ((m = reallocarray(memo, memo_cap + 8, sizeof(*m))) == NULL)
			return (v);
		memo = m;
		memo_cap += 8;
	}
	m = &memo[nmemo++];
	m->app = a;
	m->cond = cond;
	m->v = v;
	snprintf(m->why, sizeof(m->why), "%s", v == V_FAILED ? why : "");
	return (v);
}

/* Do i's dependencies all meet their conditions?  why: the first not. */
static enum verdict
deps_meet(struct inst *i, char *why, size_t len)
{
	const struct app_dep	*d;
	const struct app	*a;
	char			 r[RUNNER_ERRMSG_MAX];
	enum verdict		 v, all = V_MET;
	size_t			 k;

	for (k = 0; k < i->app->deps.n; k++) {
		d = &i->app->deps.v[k];
		if ((a = config_app(i->conf->cfg, d->app)) == NULL) {
			errf(why, len, "dependency '%s' failed: no such "
			    "app", d->app);
			return (V_FAILED);
		}
		if ((v = app_verdict(a, d->cond, r, sizeof(r))) == V_FAILED) {
			errf(why, len, "dependency '%s' failed: %s",
			    d->app, r);
			return (V_FAILED);
		}
		if (v == V_PENDING)
			all = V_PENDING;
	}
	return (all);
}

/*
 * "db (healthy), cache (started)": i's dependencies, only those it still
 * waits for when pending.
 */
static void
deps_what(const struct inst *i, int pending, char *buf, size_t len)
{
	const struct app_dep	*d;
	const struct app	*a;
	char			 why[RUNNER_ERRMSG_MAX];
	size_t			 k, used;

	buf[0] = '\0';
	for (k = 0; k < i->app->deps.n; k++) {
		d = &i->app->deps.v[k];
		if (pending && ((a = config_app(i->conf->cfg, d->app)) ==
		    NULL || app_verdict(a, d->cond, why, sizeof(why)) !=
		    V_PENDING))
			continue;
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s (%s)", used ? ", " : "",
		    d->app, dep_cond_names[d->cond]);
	}
}

/* Say what a waiting instance waits for, when that changed. */
static void
deps_say(struct inst *i)
{
	struct buf	 b;
	char		 what[sizeof(i->dep.what)];

	deps_what(i, 1, what, sizeof(what));
	if (strcmp(what, i->dep.what) == 0)
		return;
	memcpy(i->dep.what, what, sizeof(what));
	log_info("%s: waiting for %s", i->alias, what);
	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, 0);
	jw_key(&b, "waiting_for");
	jw_str(&b, what);
	jw_close(&b, '}');
	if (!b.failed)
		event_emit("waiting", &b);
	buf_free(&b);
}

/*
 * Start an instance: at once when its app has no dependencies; else
 * queue the dependencies not running (launchq.c) and wait for them (0,
 * the instance waiting or started), or RUNNER_EDEPEND when one cannot be
 * queued or already cannot meet its condition, or inst_start's code.
 */
int
depends_start(struct inst *i, char *err, size_t errlen)
{
	const struct app_dep	*d;
	const struct app	*a;
	struct inst		*x;
	char			 alias[RUNNER_ALIAS_MAX + 16];
	char			 why[RUNNER_ERRMSG_MAX];
	size_t			 k;
	int			 n, rc;

	if (i->app->deps.n == 0)
		return (inst_start(i, err, errlen));
	i->dep.since = ev_time();
	i->dep.what[0] = '\0';
	i->state = INST_WAITING;
	for (k = 0; k < i->app->deps.n; k++) {
		d = &i->app->deps.v[k];
		if ((a = config_app(i->conf->cfg, d->app)) == NULL)
			continue;	/* deps_meet says so */
		for (n = 1; n <= a->instances; n++) {
			inst_alias(a, n, alias, sizeof(alias));
			if ((x = inst_find(alias)) != NULL && !inst_ended(x))
				continue;	/* deps_meet judges it */
			log_info("%s: starting %s, which it depends on",
			    i->alias, alias);
			/*
			 * Queued, as any start of many: a dependency of a
			 * thousand instances is no stall.  Its failure in
			 * its turn fails i through deps_meet.
			 */
			if (inst_queue(alias, a, &(struct runner_start){ 0 },
			    0, NULL, &rc, why, sizeof(why)) == NULL) {
				errf(err, errlen, "dependency '%s' failed: %s",
				    d->app, why);
				return (RUNNER_EDEPEND);
			}
		}
	}
	switch (deps_meet(i, why, sizeof(why))) {
	case V_FAILED:
		errf(err, errlen, "%s", why);
		return (RUNNER_EDEPEND);
	case V_MET:
		return (deps_go(i, err, errlen));
	case V_PENDING:
		break;
	}
	deps_say(i);
	return (0);
}

/* The wait is over: say how long it took, and start the process. */
static int
deps_go(struct inst *i, char *err, size_t errlen)
{
	char	 what[RUNNER_ERRMSG_MAX];
	int	 rc;

	deps_what(i, 0, what, sizeof(what));
	log_info("%s: waited %.3f s for %s", i->alias,
	    ev_time() - i->dep.since, what);
	i->dep.what[0] = '\0';
	if ((rc = inst_start(i, err, errlen)) == 0)
		waiters_inst_event(i);	/* a start not waiting for ready */
	return (rc);
}

/*
 * The instance's start failed while it waited: it ends failed with why
 * (and code), as a failed first start does; one started to be forgotten
 * goes, its start answered.
 */
static void
deps_fail(struct inst *i, int code, const char *why)
{
	log_warnx("%s: not started: %s", i->alias, why);
	i->end.start_code = code;
	free(i->end.start_msg);
	i->end.start_msg = strdup(why);
	i->dep.what[0] = '\0';
	depends_changed();	/* what waits on it fails in turn */
	/* Shutting down, nothing stays listed: the last one gone ends it. */
	if (i->req.forget || i->end.start_msg == NULL ||
	    server.shutting_down) {
		i->state = INST_FAILED;
		if (server.shutting_down)
			inst_event("stopped", i, 0);
		inst_remove(i);
		return;
	}
	inst_ended_now(i, INST_FAILED);
	inst_trim_ended();
}

/*
 * A waiting instance's dependencies changed: it fails, or waits on, or,
 * met, starts in its turn in the launch queue (now: go, its turn).  The
 * verdict: only a failure changed anything (but for go).
 */
static enum verdict
wait_check(struct inst *i, int go)
{
	char		 why[RUNNER_ERRMSG_MAX];
	enum verdict	 v;
	int		 rc;

	switch ((v = deps_meet(i, why, sizeof(why)))) {
	case V_FAILED:
		deps_fail(i, RUNNER_EDEPEND, why);
		break;
	case V_MET:
		if (!go)
			launchq_add(i, LAUNCH_DEPS, NULL);
		else if ((rc = deps_go(i, why, sizeof(why))) != 0)
			deps_fail(i, rc, why);
		break;
	case V_PENDING:
		deps_say(i);
		break;
	}
	return (v);
}

/*
 * Its turn in the launch queue: start it if its dependencies still meet
 * their conditions (they may have changed while it was queued).
 */
void
depends_turn(struct inst *i)
{
	if (i->state == INST_WAITING)
		wait_check(i, 1);
}

/* Held for a stop: stopped once no dependent on its way down is left. */
static void
hold_check(struct inst *x)
{
	struct inst	*w;
	size_t		 k;

	if (inst_ended(x) || x->state == INST_STOPPING) {
		x->dep.held = 0;	/* stopped meanwhile */
		return;
	}
	for (k = 0; k < server.ninsts; k++) {
		w = server.insts[k];
		if (w != x && !inst_ended(w) && (w->dep.held ||
		    w->state == INST_STOPPING) &&
		    depends_on(w->app, x->app->name))
			return;
	}
	x->dep.held = 0;
	inst_stop(x);
}

/* on_dependency_restart: restart once the dependencies meet again. */
static void
restart_check(struct inst *i)
{
	char	 why[RUNNER_ERRMSG_MAX];

	if (i->state != INST_RUNNING && i->state != INST_STARTING) {
		i->dep.restart_due = 0;
		return;
	}
	switch (deps_meet(i, why, sizeof(why))) {
	case V_PENDING:
		return;
	case V_FAILED:
		log_warnx("%s: not restarted after its dependency: %s",
		    i->alias, why);
		break;
	case V_MET:
		log_info("%s: restarting: a dependency restarted", i->alias);
		inst_restart(i);
		break;
	}
	i->dep.restart_due = 0;
}

/*
 * inst_event's hook: every change of an instance may end a wait or a
 * hold.  A dependency back from a restart makes its dependents that ask
 * for it due to restart.
 */
void
depends_event(const char *name, struct inst *i)
{
	struct inst	*w;
	size_t		 k;

	if (strcmp(name, "restarted") == 0)
		for (k = 0; k < server.ninsts; k++) {
			w = server.insts[k];
			if (w->app->on_dep_restart == DEP_RESTART_RESTART &&
			    (w->state == INST_RUNNING ||
			    w->state == INST_STARTING) &&
			    depends_on(w->app, i->app->name))
				w->dep.restart_due = 1;
		}
	depends_changed();
}

/* status: what a waiting instance waits for. */
void
depends_json(struct buf *b, const struct inst *i)
{
	char	 what[RUNNER_ERRMSG_MAX];

	if (i->state != INST_WAITING)
		return;
	/* Queued in a wave, or let go by its dependencies: its turn. */
	if (launchq_kind(i) != LAUNCH_NONE)
		snprintf(what, sizeof(what), "its turn to start");
	else
		deps_what(i, 1, what, sizeof(what));
	jw_key(b, "waiting_for");
	jw_str(b, what);
}

/*
 * A stop of the n instances in list: each instance not ended that
 * depends on one of them is added (with) or refuses the stop (0 added,
 * -1 with err naming them).  list has room for every instance.
 */
int
depends_stop_set(struct inst **list, size_t *n, int with, char *err,
    size_t errlen)
{
	struct inst	*x, *w;
	size_t		 k, j, m, used;

	err[0] = '\0';
	for (k = 0; k < *n; k++) {
		x = list[k];
		if (!needed(x))
			continue;
		for (j = 0; j < server.ninsts; j++) {
			w = server.insts[j];
			if (inst_ended(w) || w->state == INST_STOPPING ||
			    !depends_on(w->app, x->app->name))
				continue;
			for (m = 0; m < *n && list[m] != w; m++)
				;
			if (m < *n)
				continue;
			if (with) {
				list[(*n)++] = w;
				continue;
			}
			used = strlen(err);
			if (used == 0)
				snprintf(err, errlen, "'%s' is needed by '%s'",
				    x->alias, w->alias);
			else
				snprintf(err + used, errlen - used, ", '%s'",
				    w->alias);
		}
		if (err[0] != '\0') {
			used = strlen(err);
			snprintf(err + used, errlen - used, " (with_dependents, "
			    "runnerctl's --with-dependents, stops them first)");
			return (-1);
		}
	}
	return (0);
}

/*
 * Stop an instance as part of a stop of several: at once, unless an app
 * depends on its own, when it is held until depends_release (and then
 * until its dependents have ended).
 */
void
depends_stop(struct inst *i)
{
	if (inst_ended(i) || !needed(i)) {
		inst_stop(i);
		return;
	}
	i->dep.held = 1;
}

/* The holds are all set: stop what no dependent holds back. */
void
depends_release(void)
{
	deps_dirty = 1;
	deps_settle();
}
