/*
 * roll.c: rolling restarts.  A roll restarts an app's instances (or the
 * aliases a client named) max_unavailable at a time, so that the others
 * go on serving: a batch is restarted by hand (inst_restart, as
 * `restart` does), and the next batch begins only once every member of
 * this one runs its new process, ready (its `ready` met) and, where the
 * app has a probe, healthy.  A member that does not get there (its
 * spawn fails, it exits before it is ready, its ready timeout, its probe
 * says unhealthy) stops the roll once its batch is over: the members not
 * yet begun keep their old processes, untouched.
 *
 * Nothing is polled: instance.c tells roll_inst_event of every event of
 * every instance (health's included), ended.c of every ending (not all
 * are events), and instance.c roll_inst_gone of a removal; a member's
 * fate is settled there from the instance's state, and
 * the next batch begins from a zero-second timer, outside the caller
 * that reported the change (which may be reaping, or walking the list).
 *
 * Instances that are not running when the roll begins (stopped, exited,
 * failed) are left alone and listed: a roll replaces processes, it does
 * not start what someone stopped.  One stopped or removed during the
 * roll is skipped, and said.  A roll belongs to nobody: the client that
 * asked may leave (the roll goes on, its end is logged), and a reload
 * starts rolls that nobody waits for.  Members are held by instance id.
 */

#include <sys/queue.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

#define ROLL_LIST_MAX	8	/* aliases named per list in a message */

/* What became of one member. */
enum roll_fate {
	ROLL_QUEUED,		/* not begun: keeps its old process */
	ROLL_BUSY,		/* restarting: waiting for its new process */
	ROLL_DONE,		/* its new process is ready (and healthy) */
	ROLL_FAILED,		/* its new process did not get ready */
	ROLL_SKIPPED,		/* stopped or removed meanwhile, not by us */
	ROLL_IDLE		/* not running when the roll began */
};

struct roll_member {
	uint64_t	 inst;		/* its instance's id */
	char		*alias;
	enum roll_fate	 fate;
	pid_t		 old_pid;	/* when its batch began */
	pid_t		 new_pid;	/* ROLL_DONE */
	int		 restarts;	/* restart_count when its batch began:
					   more means a new process */
	int		 code;		/* ROLL_FAILED: a RUNNER_E* code */
	char		*why;		/* failed, skipped, idle: in words */
};

struct roll {
	LIST_ENTRY(roll) entry;
	char		*what;		/* "'web'", or "'web-1', 'web-3'" */
	char		*app;		/* the app's name, or NULL (a list) */
	uint64_t	 client;	/* who waits for the reply; 0: none */
	int		 has_tag;
	long long	 tag;
	int		 max;		/* max_unavailable */
	struct roll_member *m;
	size_t		 n;
	size_t		 busy;		/* members ROLL_BUSY */
	int		 batch;		/* batches begun */
	int		 nbatches;	/* as planned at the start */
	double		 t0;		/* ev_now at the roll's start */
	double		 batch_t0;	/* ... and at its batch's */
	ev_timer	 kick;		/* the next batch, from the loop */
};

static LIST_HEAD(, roll) rolls = LIST_HEAD_INITIALIZER(rolls);

static struct roll *roll_new(const char *, struct req *, int);
static void	 roll_free(struct roll *);
static int	 roll_add(struct roll *, struct inst *);
static int	 roll_add_app(struct roll *, const struct app *);
static struct roll_member *roll_member_of(uint64_t, struct roll **);
static void	 roll_begin(struct roll *);
static void	 roll_batch(struct roll *);
static void	 roll_check(struct roll *, struct roll_member *,
		    struct inst *);
static void	 roll_settle(struct roll *, struct roll_member *,
		    enum roll_fate, int, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static void	 roll_kick_cb(struct ev_loop *, ev_timer *, int);
static void	 roll_end(struct roll *, int, const char *);
static void	 roll_report(struct roll *, struct buf *);
static void	 roll_words(struct roll *, int, const char *,
		    char *, size_t);
static int	 roll_targets(struct req *, struct roll *);
static int	 roll_name(struct roll *);

/* A roll of app's instances (NULL: of a list), answering rq (or nobody). */
static struct roll *
roll_new(const char *app, struct req *rq, int max)
{
	struct roll	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	if (app != NULL && (r->app = strdup(app)) == NULL) {
		free(r);
		return (NULL);
	}
	if (rq != NULL) {
		r->client = rq->c->id;
		r->has_tag = rq->has_tag;
		r->tag = rq->tag;
	}
	r->max = max;
	r->t0 = ev_now(server.loop);
	ev_timer_init(&r->kick, roll_kick_cb, 0, 0);
	r->kick.data = r;
	return (r);
}

static void
roll_free(struct roll *r)
{
	size_t	 k;

	for (k = 0; k < r->n; k++) {
		free(r->m[k].alias);
		free(r->m[k].why);
	}
	free(r->m);
	free(r->what);
	free(r->app);
	free(r);
}

/*
 * Add i to the roll: queued when it runs (or waits to restart), idle
 * when it has ended.  -1 when out of memory.
 */
static int
roll_add(struct roll *r, struct inst *i)
{
	struct roll_member	*m;

	if ((m = reallocarray(r->m, r->n + 1, sizeof(*m))) == NULL)
		return (-1);
	r->m = m;
	m = &r->m[r->n];
	memset(m, 0, sizeof(*m));
	if ((m->alias = strdup(i->alias)) == NULL)
		return (-1);
	r->n++;
	m->inst = i->id;
	m->fate = ROLL_QUEUED;
	/*
	 * No process to replace: ended, being stopped, or waiting for its
	 * dependencies (a roll must not start it past them).
	 */
	if (inst_ended(i) || i->state == INST_WAITING ||
	    (i->state == INST_STOPPING && !restart_pending(i))) {
		m->fate = ROLL_IDLE;
		m->why = strdup(i->state == INST_STOPPING ? "being stopped" :
		    inst_state_name(i->state));
	}
	return (0);
}

/* Add every instance of app (listed, running or not). */
static int
roll_add_app(struct roll *r, const struct app *app)
{
	size_t	 k;

	for (k = 0; k < server.ninsts; k++)
		if (server.insts[k]->app == app &&
		    roll_add(r, server.insts[k]) == -1)
			return (-1);
	return (0);
}

/* The member of a roll under way that instance id is, or NULL. */
static struct roll_member *
roll_member_of(uint64_t id, struct roll **rp)
{
	struct roll	*r;
	size_t		 k;

	LIST_FOREACH(r, &rolls, entry)
		for (k = 0; k < r->n; k++)
			if (r->m[k].inst == id && (r->m[k].fate ==
			    ROLL_QUEUED || r->m[k].fate == ROLL_BUSY)) {
				*rp = r;
				return (&r->m[k]);
			}
	return (NULL);
}

/*
 * Settle a member's fate (why: in words, for failed and skipped), and
 * once its batch has no member left busy, let the loop begin the next.
 */
static void
roll_settle(struct roll *r, struct roll_member *m, enum roll_fate fate,
    int code, const char *fmt, ...)
{
	char	 why[RUNNER_ERRMSG_MAX];
	va_list	 ap;

	if (m->fate == ROLL_BUSY)
		r->busy--;
	m->fate = fate;
	m->code = code;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		free(m->why);
		m->why = strdup(why);
	}
	if (fate == ROLL_FAILED)
		log_warnx("%s: rolling restart of %s: %s", m->alias, r->what,
		    m->why != NULL ? m->why : "failed");
	else if (fate == ROLL_SKIPPED)
		log_info("%s: rolling restart of %s skips it: %s", m->alias,
		    r->what, m->why != NULL ? m->why : "?");
	if (r->busy == 0 && !ev_is_active(&r->kick)) {
		ev_timer_set(&r->kick, 0, 0);
		ev_timer_start(server.loop, &r->kick);
	}
}

/*
 * Has member m (busy) got where the roll waits for, or failed?  Decided
 * from i's state now; called on every change of i.
 */
static void
roll_check(struct roll *r, struct roll_member *m, struct inst *i)
{
	char			 how[64];
	enum health_state	 h;

	if (i->state == INST_STOPPED) {
		roll_settle(r, m, ROLL_SKIPPED, 0, "stopped during the roll");
		return;
	}
	if (restart_count(i) == m->restarts) {
		/* Its old process is still stopping, or queued to restart. */
		if (inst_ended(i))
			roll_settle(r, m, ROLL_SKIPPED, 0, "%s during the roll",
			    inst_state_name(i->state));
		return;
	}
	if (i->state == INST_RUNNING) {
		if ((h = health_state(i)) == HEALTH_STARTING)
			return;
		if (h == HEALTH_UNHEALTHY) {
			roll_settle(r, m, ROLL_FAILED, RUNNER_ESPAWN, "'%s' "
			    "runs (pid %ld) but its health probe fails",
			    i->alias, (long)i->pid);
			return;
		}
		m->new_pid = i->pid;
		roll_settle(r, m, ROLL_DONE, 0, NULL);
		return;
	}
	/*
	 * No process, after the new one's start: it failed (and its policy
	 * may try again; the roll does not wait for that).  Right at its
	 * exit the reason is not yet set: the next change brings it.
	 */
	if (i->pid != 0 || (!inst_ended(i) && i->state != INST_BACKOFF &&
	    i->end.start_code == 0))
		return;
	if (i->end.start_msg != NULL)
		roll_settle(r, m, ROLL_FAILED, i->end.start_code != 0 ?
		    i->end.start_code : RUNNER_ESPAWN, "%s", i->end.start_msg);
	else
		roll_settle(r, m, ROLL_FAILED, RUNNER_ESPAWN, "'%s' %s before "
		    "it was ready", i->alias, i->end.exited ?
		    status_words(i->end.last_status, how, sizeof(how)) :
		    "ended");
}

/*
 * Something happened to i (an event, its end, a change of health): see
 * whether the roll it is in can move on.
 */
void
roll_inst_event(struct inst *i)
{
	struct roll_member	*m;
	struct roll		*r;

	if (server.shutting_down) {
		while ((r = LIST_FIRST(&rolls)) != NULL)
			roll_end(r, RUNNER_EPERM, "runnerd is shutting "
			    "down");
		return;
	}
	if ((m = roll_member_of(i->id, &r)) != NULL && m->fate == ROLL_BUSY)
		roll_check(r, m, i);
}

/* i is being removed: a member of a roll is skipped. */
void
roll_inst_gone(struct inst *i)
{
	struct roll_member	*m;
	struct roll		*r;

	roll_inst_event(i);
	if ((m = roll_member_of(i->id, &r)) != NULL)
		roll_settle(r, m, ROLL_SKIPPED, 0, "removed during the roll");
}

/* Begin the roll: its first batch, or its end if there is nothing. */
static void
roll_begin(struct roll *r)
{
	size_t	 k, queued = 0;

	for (k = 0; k < r->n; k++)
		queued += r->m[k].fate == ROLL_QUEUED;
	r->nbatches = (int)((queued + (size_t)r->max - 1) / (size_t)r->max);
	LIST_INSERT_HEAD(&rolls, r, entry);
	log_info("rolling restart of %s: %zu instance%s, %d at a time",
	    r->what, queued, queued == 1 ? "" : "s", r->max);
	roll_batch(r);
}

/*
 * The next batch: up to max queued members that still run, restarted.
 * Or, when the last batch failed or none is left, the end.
 */
static void
roll_batch(struct roll *r)
{
	struct buf	 names;
	struct inst	*i;
	size_t		 k, n = 0;
	char		 words[RUNNER_ERRMSG_MAX];

	if (r->batch > 0)
		log_info("rolling restart of %s: batch %d of %d over in %.3f s",
		    r->what, r->batch, r->nbatches, ev_now(server.loop) -
		    r->batch_t0);
	for (k = 0; k < r->n; k++)
		if (r->m[k].fate == ROLL_FAILED) {
			roll_words(r, ROLL_FAILED, "failed: ", words,
			    sizeof(words));
			roll_end(r, 0, words);
			return;
		}
	buf_init(&names);
	r->batch++;
	r->batch_t0 = ev_now(server.loop);
	for (k = 0; k < r->n && n < (size_t)r->max; k++) {
		struct roll_member	*m = &r->m[k];

		if (m->fate != ROLL_QUEUED)
			continue;
		if ((i = inst_by_id(m->inst)) == NULL || inst_ended(i) ||
		    (i->state == INST_STOPPING && !restart_pending(i))) {
			m->fate = ROLL_SKIPPED;
			free(m->why);
			m->why = strdup(i == NULL ? "removed before its turn" :
			    i->state == INST_STOPPING ? "being stopped at its "
			    "turn" : "stopped before its turn");
			continue;
		}
		m->fate = ROLL_BUSY;
		m->old_pid = i->pid;
		m->restarts = restart_count(i);
		r->busy++;
		n++;
		buf_adds(&names, " ");
		buf_adds(&names, m->alias);
		/* One already stopping to restart (by hand) is adopted. */
		if (i->state != INST_STOPPING)
			inst_restart(i);
	}
	if (n == 0) {
		r->batch--;		/* none begun: the last was the last */
		buf_free(&names);
		roll_end(r, 0, NULL);
		return;
	}
	log_info("rolling restart of %s: batch %d of %d:%s", r->what,
	    r->batch, r->nbatches, buf_cstr(&names) != NULL ?
	    buf_cstr(&names) : "");
	buf_free(&names);
}

/* The batch has no member left busy: the next one, from the loop. */
static void
roll_kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct roll	*r = w->data;

	(void)loop;
	(void)revents;
	if (r->busy == 0)
		roll_batch(r);
}

/*
 * The aliases of the members whose fate is fate (-1: all), into buf: "'web-1',
 * 'web-2'", at most ROLL_LIST_MAX named then "and N more"; prefix
 * before them when there are any.
 */
static void
roll_words(struct roll *r, int fate, const char *prefix, char *buf,
    size_t len)
{
	size_t	 k, n = 0, used;

	buf[0] = '\0';
	for (k = 0; k < r->n; k++) {
		if (fate != -1 && (int)r->m[k].fate != fate)
			continue;
		used = strlen(buf);
		if (n == ROLL_LIST_MAX)
			snprintf(buf + used, len - used, " and more");
		else if (n < ROLL_LIST_MAX)
			snprintf(buf + used, len - used, "%s'%s'",
			    n == 0 ? prefix : ", ", r->m[k].alias);
		n++;
	}
	if (fate == (int)ROLL_FAILED) {
		/* The first failure's reason is the roll's. */
		for (k = 0; k < r->n && r->m[k].fate != ROLL_FAILED; k++)
			;
		if (k < r->n) {
			used = strlen(buf);
			snprintf(buf + used, len - used, " (%s)",
			    r->m[k].why != NULL ? r->m[k].why : "failed");
		}
	}
}

/* The reply's ext: the members by fate. */
static void
roll_report(struct roll *r, struct buf *b)
{
	static const struct {
		enum roll_fate	 fate;
		const char	*key;
	} lists[] = {
		{ ROLL_FAILED,	"failed" },
		{ ROLL_SKIPPED,	"skipped" },
		{ ROLL_IDLE,	"not_running" },
	};
	size_t	 k, l;

	jw_open(b, '{');
	jw_key(b, "app");
	if (r->app != NULL)
		jw_str(b, r->app);
	else
		jw_null(b);
	jw_key(b, "rolling");
	jw_bool(b, 1);
	jw_key(b, "max_unavailable");
	jw_int(b, r->max);
	jw_key(b, "batches");
	jw_int(b, r->batch);
	jw_key(b, "seconds");
	jw_double(b, ev_now(server.loop) - r->t0);
	jw_key(b, "restarted");
	jw_open(b, '[');
	for (k = 0; k < r->n; k++) {
		if (r->m[k].fate != ROLL_DONE)
			continue;
		jw_open(b, '{');
		jw_key(b, "alias");
		jw_str(b, r->m[k].alias);
		jw_key(b, "pid");
		jw_int(b, r->m[k].new_pid);
		jw_key(b, "old_pid");
		jw_int(b, r->m[k].old_pid);
		jw_close(b, '}');
	}
	jw_close(b, ']');
	for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		jw_key(b, lists[l].key);
		jw_open(b, '[');
		for (k = 0; k < r->n; k++) {
			if (r->m[k].fate != lists[l].fate)
				continue;
			jw_open(b, '{');
			jw_key(b, "alias");
			jw_str(b, r->m[k].alias);
			jw_key(b, "error");
			jw_str(b, r->m[k].why != NULL ? r->m[k].why : "?");
			jw_close(b, '}');
		}
		jw_close(b, ']');
	}
	jw_key(b, "untouched");
	jw_open(b, '[');
	for (k = 0; k < r->n; k++)
		if (r->m[k].fate == ROLL_QUEUED)
			jw_str(b, r->m[k].alias);
	jw_close(b, ']');
	jw_close(b, '}');
}

/*
 * The roll is over: stopped (code, why: in words; code 0: the first
 * failed member's) or done (why NULL).  Answer its client, if it is
 * still there, log the end, and free it.
 */
static void
roll_end(struct roll *r, int code, const char *why)
{
	struct client	*c;
	struct buf	 b;
	char		 done[RUNNER_ERRMSG_MAX], left[RUNNER_ERRMSG_MAX];
	char		 skip[RUNNER_ERRMSG_MAX];
	size_t		 k, ndone = 0;
	const char	*prev;

	ev_timer_stop(server.loop, &r->kick);
	LIST_REMOVE(r, entry);
	for (k = 0; k < r->n; k++) {
		ndone += r->m[k].fate == ROLL_DONE;
		if (r->m[k].fate == ROLL_BUSY) {	/* interrupted */
			r->m[k].fate = ROLL_SKIPPED;
			free(r->m[k].why);
			r->m[k].why = strdup("being restarted when the roll "
			    "ended");
		}
	}
	for (k = 0; code == 0 && k < r->n; k++)
		if (r->m[k].fate == ROLL_FAILED)
			code = r->m[k].code;
	if (code == 0)
		code = RUNNER_ESPAWN;
	/* The answer of a restart request (rolling), for requests_total. */
	prev = metrics_enter("restart");
	if (why == NULL) {
		log_info("rolling restart of %s: done, %zu restarted in %.3f s",
		    r->what, ndone, ev_now(server.loop) - r->t0);
		buf_init(&b);
		roll_report(r, &b);
		if (r->client != 0)
			reply_ok(r->client, r->has_tag, r->tag, &b);
		buf_free(&b);
	} else {
		roll_words(r, ROLL_DONE, "; restarted: ", done, sizeof(done));
		roll_words(r, ROLL_SKIPPED, "; skipped: ", skip, sizeof(skip));
		roll_words(r, ROLL_QUEUED, "; left untouched (their old "
		    "processes run on): ", left, sizeof(left));
		log_warnx("rolling restart of %s stopped at batch %d of %d: "
		    "%s%s%s%s", r->what, r->batch, r->nbatches, why, done,
		    skip, left);
		if (r->client != 0)
			reply_err(r->client, r->has_tag, r->tag, code,
			    "rolling restart of %s stopped at batch %d of %d: "
			    "%s%s%s%s", r->what, r->batch, r->nbatches, why,
			    done, skip, left);
	}
	metrics_leave(prev);
	if ((c = client_find(r->client)) != NULL) {
		c->pending--;
		client_check(c);
	}
	roll_free(r);
}

/* r's name for messages: "'web'", or its members' "'web-1', 'web-3'". */
static int
roll_name(struct roll *r)
{
	free(r->what);
	if ((r->what = calloc(1, RUNNER_ERRMSG_MAX)) == NULL)
		return (-1);
	if (r->app != NULL)
		snprintf(r->what, RUNNER_ERRMSG_MAX, "'%s'", r->app);
	else
		roll_words(r, -1, "", r->what, RUNNER_ERRMSG_MAX);
	return (0);
}

/*
 * The members a rolling restart names into r: "app" (its instances), or
 * "alias" or "aliases" (each checked first).  0, or -1 after answering.
 */
static int
roll_targets(struct req *rq, struct roll *r)
{
	const struct app	*app;
	struct roll		*o;
	struct inst		*i;
	char			*one = NULL, **list = NULL;
	size_t			 k, j;
	int			 rc = -1;

	if (req_str(rq, "alias", 0, &one) == -1 ||
	    req_strings(rq, "aliases", &list) == -1)
		goto out;
	if ((r->app != NULL) + (one != NULL) + (list[0] != NULL) != 1) {
		REQ_ERR(rq, RUNNER_EINVAL, "a rolling restart names an 'app', "
		    "an 'alias' or 'aliases' (one of them)");
		goto out;
	}
	if (r->app != NULL) {
		if ((app = config_app(server.conf->cfg, r->app)) == NULL) {
			REQ_ERR(rq, RUNNER_ENOAPP, "no app named '%s' (in %s)",
			    r->app, server.conf->cfg->source);
			goto out;
		}
		if (roll_add_app(r, app) == -1)
			goto oom;
		if (r->n == 0) {
			REQ_ERR(rq, RUNNER_ENOALIAS, "app '%s' has no "
			    "instances to restart (start it first)", r->app);
			goto out;
		}
	} else {
		for (k = 0; one != NULL ? k < 1 : list[k] != NULL; k++) {
			const char *a = one != NULL ? one : list[k];

			if ((i = inst_find(a)) == NULL) {
				REQ_ERR(rq, RUNNER_ENOALIAS, "no instance "
				    "named '%s' (nothing was restarted)", a);
				goto out;
			}
			for (j = 0; j < r->n && r->m[j].inst != i->id; j++)
				;
			if (j == r->n && roll_add(r, i) == -1)
				goto oom;
		}
	}
	for (k = 0; k < r->n; k++)
		if (r->m[k].fate == ROLL_QUEUED &&
		    roll_member_of(r->m[k].inst, &o) != NULL) {
			if (r->app != NULL && o->app != NULL &&
			    strcmp(r->app, o->app) == 0)
				REQ_ERR(rq, RUNNER_EEXIST, "'%s' is already "
				    "rolling (batch %d of %d): wait for its "
				    "end", r->app, o->batch, o->nbatches);
			else
				REQ_ERR(rq, RUNNER_EEXIST, "'%s' is already "
				    "in a rolling restart (of %s, batch %d "
				    "of %d): wait for its end", r->m[k].alias,
				    o->what, o->batch, o->nbatches);
			goto out;
		}
	rc = 0;
	goto out;
oom:
	REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
out:
	free(one);
	argv_free(list);
	return (rc);
}

/*
 * restart {"rolling": true}: parse, check, and begin; answered when the
 * roll is over (roll_end).
 */
void
roll_request(struct req *rq)
{
	struct roll	*r;
	char		*app;
	double		 max = 1;
	int		 v;

	if (req_str(rq, "app", 0, &app) == -1)
		return;
	if ((r = roll_new(app, rq, 1)) == NULL) {
		free(app);
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return;
	}
	free(app);
	if (roll_targets(rq, r) == -1) {
		roll_free(r);
		return;
	}
	if (roll_name(r) == -1) {
		roll_free(r);
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return;
	}
	if ((v = json_get(rq->j, rq->ext, "max_unavailable")) != -1 &&
	    (json_double(rq->j, v, &max) == -1 || max != floor(max) ||
	    max < 1 || max > (double)r->n)) {
		REQ_ERR(rq, RUNNER_EINVAL, "max_unavailable must be a whole "
		    "number from 1 to %zu (the instances of %s)", r->n,
		    r->what);
		roll_free(r);
		return;
	}
	r->max = (int)max;
	rq->c->pending++;
	roll_begin(r);
}

/*
 * Roll app's instances (a reload that changed it, reload_strategy =
 * "rolling"), max at a time (at most its instances), answering nobody.
 * A roll of it under way is ended first, its client told: this one
 * restarts them all again, with the new configuration.  0, or -1 out of
 * memory.
 */
int
roll_app(const struct app *app, int max)
{
	struct roll	*r, *next;

	for (r = LIST_FIRST(&rolls); r != NULL; r = next) {
		next = LIST_NEXT(r, entry);
		if (r->app != NULL && strcmp(r->app, app->name) == 0)
			roll_end(r, RUNNER_EEXIST, "a reload changed the "
			    "app, and rolls it again");
	}
	if ((r = roll_new(app->name, NULL, max)) == NULL)
		return (-1);
	if (roll_add_app(r, app) == -1 || roll_name(r) == -1) {
		roll_free(r);
		return (-1);
	}
	if (r->max > (int)r->n)
		r->max = r->n > 0 ? (int)r->n : 1;
	roll_begin(r);
	return (0);
}

/* Is a rolling restart under way (an upgrade waits for it)? */
int
roll_busy(void)
{
	return (!LIST_EMPTY(&rolls));
}
