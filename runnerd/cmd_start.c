/*
 * cmd_start.c: the start and restart commands, from the request to the
 * answer.  Launching is instance.c's; a start answers once the instance
 * is ready (ready.c), which for a socket or notify app comes later: the
 * request then waits (waiter.c) with start_done as its answer.  A start
 * of all of an app's instances (a startjob) makes them all at once,
 * waiting, and launches them in their turn in the launch queue (a wave,
 * launchq.c), so that clients are served meanwhile; it answers once each
 * has left waiting (launched, or also waited for its dependencies), as a
 * stop waits for each.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

static void	start_reply(uint64_t, int, long long, int, struct inst *);

static void	cmd_start_answer(struct req *, struct inst *, int, int);
static void	cmd_start_all(struct req *, const struct app *,
		    const struct runner_start *, int, int);
static int	start_collides(const struct app *, const char *, char *,
		    size_t);

/* A start of all of an app's instances. */
struct startjob {
	struct wave	 wave;		/* its launches (launchq.c) */
	uint64_t	 client;
	long long	 tag;
	int		 has_tag;
	int		 remaining;	/* instances still waiting */
	int		 total;		/* the app's instances */
	int		 launched;	/* launched in their turn */
	int		 cut;		/* one's launch failed: the rest were
					   dropped, and the answer counts */
	int		 holding;	/* not to be answered yet (the
					   handler, a drop, under way) */
	int		 code;		/* the first failure's, or 0 */
	char		*msg;		/* ... in words */
	char		*app;		/* the app's name */
	struct buf	 reply;		/* {"app":...,"started":[... */
};

static void	startjob_done(struct startjob *, struct inst *, int);
static void	startjob_settle(struct startjob *);
static void	startjob_turn(struct wave *, struct inst *, const char *, int,
		    const char *);
static int	startjob_wait(struct waiter *, struct inst *, enum wait_why);
static void	startjob_free(struct startjob *);

/* Answer a start (or restart) whose instance now runs. */
static void
start_reply(uint64_t client, int has_tag, long long tag, int started,
    struct inst *i)
{
	struct buf	 b;

	buf_init(&b);
	jw_open(&b, '{');
	inst_json_head(&b, i, i->pid);
	jw_key(&b, "started");
	jw_bool(&b, started);
	jw_key(&b, "state");
	jw_str(&b, inst_state_name(i->state));
	jw_close(&b, '}');
	reply_ok(client, has_tag, tag, &b);	/* ENOMEM if failed */
	buf_free(&b);
}

/*
 * A start's wait: answered once the instance runs or its start failed;
 * one that ended (stopped meanwhile) or was removed before it was ready
 * fails with why.
 */
int
start_done(struct waiter *w, struct inst *i, enum wait_why why)
{
	if (why == WAIT_GONE) {
		reply_err(w->client, w->has_tag, w->tag,
		    i->end.start_code != 0 ? i->end.start_code : RUNNER_ESPAWN,
		    "%s", i->end.start_msg != NULL ? i->end.start_msg :
		    "stopped before it was ready");
		return (1);
	}
	if (why != WAIT_EVENT)
		return (1);		/* its client left */
	if (i->state == INST_RUNNING || (w->exec_only &&
	    (i->state == INST_STARTING || i->state == INST_BACKOFF)))
		start_reply(w->client, w->has_tag, w->tag, w->started, i);
	else if (i->end.start_code != 0)
		reply_err(w->client, w->has_tag, w->tag, i->end.start_code, "%s",
		    i->end.start_msg ? i->end.start_msg : "cannot start");
	else if (inst_ended(i))		/* stopped (a reload) meanwhile */
		reply_err(w->client, w->has_tag, w->tag, RUNNER_ESPAWN,
		    "'%s' %s before it was ready", i->alias,
		    inst_state_name(i->state));
	else
		return (0);
	return (1);
}

/*
 * Answer now (the instance is ready, or the client did not ask to wait:
 * exec has succeeded, which is all `runnerctl start` confirms), or leave
 * a waiter until it is ready (or, not asked to wait, until its exec once
 * its dependencies let it start).
 */
static void
cmd_start_answer(struct req *rq, struct inst *i, int started, int wait)
{
	struct waiter	*w;

	if ((!wait && i->state != INST_WAITING) ||
	    i->state == INST_RUNNING || i->state == INST_BACKOFF) {
		start_reply(rq->c->id, rq->has_tag, rq->tag, started, i);
		return;
	}
	/* One waiting for dependencies has not run yet: wait for that. */
	if ((w = req_waiter(rq, i, start_done)) == NULL)
		return;
	w->started = started;
	w->exec_only = !wait;
}

/*
 * Would alias, for an instance of app, take a name that belongs to
 * another app: one of its instances now, or one the configuration gives
 * it (config_alias_taken)?  1 with err saying why, else 0.
 */
static int
start_collides(const struct app *app, const char *alias, char *err,
    size_t errlen)
{
	struct inst	*i;

	/* An ended one's record is replaced, as a start after stop is. */
	if ((i = inst_find(alias)) != NULL && i->app != NULL &&
	    !inst_ended(i) && strcmp(i->app->name, app->name) != 0) {
		snprintf(err, errlen, "alias '%s' is taken by an instance of "
		    "app '%s'", alias, i->app->name);
		return (1);
	}
	return (config_alias_taken(server.conf->cfg, app, alias, err,
	    errlen));
}

/* Count in an instance that left waiting (failed: it did not start). */
static void
startjob_done(struct startjob *job, struct inst *i, int failed)
{
	if (failed && job->code == 0) {
		job->code = i->end.start_code != 0 ? i->end.start_code :
		    RUNNER_ESPAWN;
		if (i->end.start_msg != NULL)
			job->msg = strdup(i->end.start_msg);
		else if (asprintf(&job->msg, "'%s' was stopped before it "
		    "ran", i->alias) == -1)
			job->msg = NULL;
	}
	job->remaining--;
	startjob_settle(job);
}

/*
 * Answer and free the job once no instance of it waits or is queued: the
 * aliases it started, or the first failure, with how many were started
 * when a launch failed in the middle (the rest were not launched).
 */
static void
startjob_settle(struct startjob *job)
{
	if (job->remaining > 0 || job->wave.queued > 0 || job->holding)
		return;
	if (job->code != 0 && job->cut)
		reply_err(job->client, job->has_tag, job->tag, job->code,
		    "%s (%d of %d instances of '%s' were started)",
		    job->msg != NULL ? job->msg : "out of memory",
		    job->launched, job->total, job->app);
	else if (job->code != 0)
		reply_err(job->client, job->has_tag, job->tag, job->code,
		    "%s (not every one of the %d instances of '%s' was "
		    "started)", job->msg != NULL ? job->msg : "out of memory",
		    job->total, job->app);
	else {
		jw_close(&job->reply, ']');
		jw_close(&job->reply, '}');
		reply_ok(job->client, job->has_tag, job->tag, &job->reply);
	}
	startjob_free(job);
}

/*
 * An instance of the job had its turn in the launch queue.  One whose
 * launch failed ends the wave, as a start that stops at the first
 * failure: what is still queued of it is dropped (never started).
 */
static void
startjob_turn(struct wave *wave, struct inst *i, const char *alias, int rc,
    const char *err)
{
	struct startjob	*job = (struct startjob *)wave;

	(void)i;
	(void)alias;
	if (rc == 0)
		job->launched++;
	else if (rc != -1 && !job->cut) {
		job->cut = 1;
		job->code = rc;
		free(job->msg);
		job->msg = strdup(err);
		job->holding++;
		launchq_drop(wave);
		job->holding--;
	}
	startjob_settle(job);
}

/*
 * Free a job: answered (its waiters are done), or given up (the caller
 * dropped them).
 */
static void
startjob_free(struct startjob *job)
{
	buf_free(&job->reply);
	free(job->msg);
	free(job->app);
	free(job);
}

/*
 * A waiting instance's waiter in a startjob: it counts in once the
 * instance has run (or failed, or gone).  It outlives its client, since
 * the job is shared, and the launches go on.
 */
static int
startjob_wait(struct waiter *w, struct inst *i, enum wait_why why)
{
	if (why == WAIT_GONE) {
		startjob_done(w->arg, i, 1);
		return (1);
	}
	if (why != WAIT_EVENT || i->state == INST_WAITING)
		return (0);
	startjob_done(w->arg, i, i->end.start_code != 0 || inst_ended(i));
	return (1);
}

/*
 * Start every instance of an app with instances = N (NAME-1..NAME-N) that
 * is not running, in their turn, in alias order; answered once all are
 * spawned (those waiting for their dependencies, by this start or
 * another, once they ran, or failed), with the aliases it started.
 * With strict, one already running refuses the whole start first.
 */
static void
cmd_start_all(struct req *rq, const struct app *app,
    const struct runner_start *opts, int strict, int forget)
{
	struct startjob	*job;
	struct waiter	*w;
	struct inst	*i = NULL;
	char		 alias[RUNNER_ALIAS_MAX + 16], err[RUNNER_ERRMSG_MAX];
	int		 k, rc;

	for (k = 1; strict && k <= app->instances; k++) {
		inst_alias(app, k, alias, sizeof(alias));
		if ((i = inst_find(alias)) != NULL && i->state ==
		    INST_WAITING) {
			REQ_ERR(rq, RUNNER_EEXIST, "'%s' is already starting "
			    "(it waits for %s; --strict: none of the %d "
			    "instances of '%s' was started)", i->alias,
			    launchq_kind(i) != LAUNCH_NONE ? "its turn" :
			    "its dependencies", app->instances, app->name);
			return;
		}
		if (i != NULL && !inst_ended(i)) {
			REQ_ERR(rq, RUNNER_EEXIST, "'%s' is already running "
			    "(pid %ld; --strict: none of the %d instances of "
			    "'%s' was started)", i->alias, (long)i->pid,
			    app->instances, app->name);
			return;
		}
	}
	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->app = strdup(app->name)) == NULL) {
		free(job);
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return;
	}
	job->wave.turn = startjob_turn;
	job->client = rq->c->id;
	job->has_tag = rq->has_tag;
	job->tag = rq->tag;
	job->total = app->instances;
	job->holding = 1;		/* until every one is queued */
	buf_init(&job->reply);
	jw_open(&job->reply, '{');
	jw_key(&job->reply, "app");
	jw_str(&job->reply, app->name);
	jw_key(&job->reply, "started");
	jw_open(&job->reply, '[');
	/*
	 * Queued first, then waited for, in two passes: an ended record
	 * replaced goes with a look through every waiter (inst_remove), which
	 * would otherwise see this job's, a thousand by the end.
	 */
	for (k = 1; k <= app->instances; k++) {
		inst_alias(app, k, alias, sizeof(alias));
		/*
		 * One running is left alone; one waiting (another start's,
		 * queued or held by its dependencies) is waited for too: it
		 * has not run yet.
		 */
		if ((i = inst_find(alias)) != NULL && (i->state ==
		    INST_WAITING || !inst_ended(i)))
			continue;
		if ((i = inst_queue(alias, app, opts, forget, &job->wave, &rc,
		    err, sizeof(err))) == NULL) {
			launchq_drop(&job->wave);
			startjob_free(job);
			REQ_ERR(rq, rc, "%s (0 of %d instances of '%s' were "
			    "started)", err, app->instances, app->name);
			return;
		}
		jw_str(&job->reply, alias);
	}
	/* Nothing ran meanwhile: each waiting one is this job's to wait for. */
	for (k = 1; k <= app->instances; k++) {
		inst_alias(app, k, alias, sizeof(alias));
		if ((i = inst_find(alias)) == NULL || i->state != INST_WAITING)
			continue;
		if ((w = waiter_new(rq->c, rq->has_tag, rq->tag, i,
		    startjob_wait)) == NULL) {
			waiters_drop(job);
			launchq_drop(&job->wave);
			startjob_free(job);
			REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
			return;
		}
		w->arg = job;
		job->remaining++;
	}
	job->holding = 0;
	startjob_settle(job);		/* none to wait for: answered now */
}

/* Start an instance of a configured app (or all of an app's). */
void
cmd_start(struct req *rq)
{
	struct runner_start	 opts;
	const struct app	*app;
	struct inst		*i;
	char			*name = NULL, *alias = NULL, *cwd = NULL;
	char			*sock = NULL, **args = NULL;
	char			 err[RUNNER_ERRMSG_MAX];
	int			 strict, wait, forget, rc;

	if (req_str(rq, "app", 1, &name) == -1 ||
	    req_str(rq, "alias", 0, &alias) == -1 ||
	    req_str(rq, "cwd", 0, &cwd) == -1 ||
	    req_str(rq, "socket", 0, &sock) == -1 ||
	    req_strings(rq, "args", &args) == -1 ||
	    req_bool(rq, "strict", &strict) == -1 ||
	    req_bool(rq, "forget", &forget) == -1 ||
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
	if ((rc = launch_check(app, &opts, err, sizeof(err))) != 0) {
		REQ_ERR(rq, rc, "%s", err);
		goto out;
	}
	if (alias == NULL && app->instances > 1) {
		cmd_start_all(rq, app, &opts, strict, forget);
		goto out;
	}
	if (start_collides(app, alias != NULL ? alias : name, err,
	    sizeof(err))) {
		REQ_ERR(rq, RUNNER_EEXIST, "%s", err);
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
	if ((i = inst_launch(alias != NULL ? alias : name, app, &opts,
	    forget, &rc, err, sizeof(err))) == NULL) {
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

/*
 * Stop the instance and start it again; answered once it is ready.  With
 * "rolling", an app's instances (or a list), a batch at a time: roll.c.
 */
void
cmd_restart(struct req *rq)
{
	struct inst	*i;
	struct waiter	*w;
	int		 rolling;

	if (req_bool(rq, "rolling", &rolling) == -1)
		return;
	if (rolling) {
		roll_request(rq);
		return;
	}
	if ((i = req_inst(rq)) == NULL)
		return;
	if (i->state == INST_STOPPING) {
		REQ_ERR(rq, RUNNER_EEXIST, "'%s' is being stopped", i->alias);
		return;
	}
	if ((w = req_waiter(rq, i, start_done)) == NULL)
		return;
	w->started = 1;
	/* Not started yet: it starts when its dependencies let it. */
	if (i->state != INST_WAITING)
		inst_restart(i);
}
