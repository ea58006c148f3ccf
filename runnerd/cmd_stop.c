/*
 * cmd_stop.c: the stop command.  One request may stop several instances
 * (aliases, or all); it answers once the last of them has no process,
 * with their aliases.  They stay listed as stopped (instance.c).  A stop
 * job gathers them: each instance's waiter counts its alias in as it
 * goes, and the last answers.  Dependents go first (depends.c): a stop
 * of what a running instance depends on adds it (with_dependents) or is
 * refused, and what they depend on is held until they have ended.
 */

#include <stdlib.h>

#include "runnerd.h"

/* Several instances stopped by one request answer together. */
struct stopjob {
	uint64_t	 client;
	long long	 tag;
	int		 has_tag;
	int		 remaining;	/* instances not gone yet */
	struct buf	 names;		/* the aliases, a JSON array */
};

static struct stopjob *stopjob_new(struct client *, int, long long, int);
static void	 stopjob_abort(struct stopjob *);
static void	 stopjob_done(struct stopjob *, const char *);


/*
 * A stop request for n instances, answered with their aliases once the
 * last is gone; NULL when out of memory.
 */
static struct stopjob *
stopjob_new(struct client *c, int has_tag, long long tag, int n)
{
	struct stopjob	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return (NULL);
	job->client = c->id;
	job->has_tag = has_tag;
	job->tag = tag;
	job->remaining = n;
	buf_init(&job->names);
	jw_key(&job->names, "stopped");
	jw_open(&job->names, '[');
	return (job);
}

/*
 * Give up a job before anything was stopped (out of memory while its
 * waiters were made): its waiters go, and the job; the caller answers.
 */
static void
stopjob_abort(struct stopjob *job)
{
	waiters_drop(job);
	buf_free(&job->names);
	free(job);
}

/* Count an alias in; answer and free the job with the last one. */
static void
stopjob_done(struct stopjob *job, const char *alias)
{
	jw_str(&job->names, alias);
	if (--job->remaining > 0)
		return;
	jw_close(&job->names, ']');
	/* names holds "stopped":[...]; make it an object. */
	{
		struct buf	 ext;

		buf_init(&ext);
		buf_addc(&ext, '{');
		buf_add(&ext, buf_head(&job->names), buf_used(&job->names));
		buf_addc(&ext, '}');
		reply_ok(job->client, job->has_tag, job->tag, &ext);
		buf_free(&ext);
	}
	buf_free(&job->names);
	free(job);
}

/*
 * A stopped instance's waiter: it counts in when the instance has ended
 * (stopped, or it had ended already) or is gone.  It outlives its
 * client, since the job is shared by the other waiters.
 */
int
stop_done(struct waiter *w, struct inst *i, enum wait_why why)
{
	if (why != WAIT_GONE && !(why == WAIT_EVENT && inst_ended(i)))
		return (0);		/* it has no timer */
	stopjob_done(w->arg, i->alias);
	return (1);
}

/* Stop instances by alias, aliases or all; answered once all have ended. */
void
cmd_stop(struct req *rq)
{
	struct stopjob	*job;
	struct waiter	*w;
	struct inst	**list = NULL;
	char		**aliases = NULL, *one = NULL;
	char		 err[RUNNER_ERRMSG_MAX];
	size_t		 n = 0, k;
	int		 all, with;

	if (req_bool(rq, "all", &all) == -1 ||
	    req_bool(rq, "with_dependents", &with) == -1 ||
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
	/* What depends on them: stopped first, or the stop refused. */
	if (!all && depends_stop_set(list, &n, with, err, sizeof(err)) ==
	    -1) {
		REQ_ERR(rq, RUNNER_EDEPEND, "%s", err);
		goto out;
	}
	if (n == 0) {
		struct buf	 b;

		buf_init(&b);
		buf_adds(&b, "{\"stopped\":[]}");
		req_reply(rq, &b);
		goto out;
	}
	if ((job = stopjob_new(rq->c, rq->has_tag, rq->tag, (int)n)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++) {
		if ((w = waiter_new(rq->c, rq->has_tag, rq->tag, list[k],
		    stop_done)) == NULL) {
			stopjob_abort(job);	/* nothing stopped yet */
			REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
			goto out;
		}
		w->arg = job;
	}
	/* By id: stopping one may remove it before the next is reached. */
	for (k = 0; k < n; k++)
		list[k] = (struct inst *)(uintptr_t)list[k]->id;
	for (k = 0; k < n; k++) {
		struct inst *i = inst_by_id((uint64_t)(uintptr_t)list[k]);

		if (i != NULL)
			depends_stop(i);
	}
	depends_release();
out:
	free(list);
	free(one);
	argv_free(aliases);
}

/*
 * An upgrade (waiter.c): a stop's job, in each of its waiters' records;
 * "job" tells the records of one job apart.
 */
void
stopjob_save(struct hand *h, const void *arg)
{
	const struct stopjob	*job = arg;

	hand_int(h, "job", (long long)(uintptr_t)job);
	hand_int(h, "job_client", (long long)job->client);
	hand_int(h, "job_has_tag", job->has_tag);
	hand_int(h, "job_tag", job->tag);
	hand_int(h, "job_remaining", job->remaining);
	hand_bytes(h, "job_names", buf_head(&job->names),
	    buf_used(&job->names));
}

void *
stopjob_load(struct hand *h)
{
	struct stopjob	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL) {
		hand_fail(h, "out of memory");
		return (NULL);
	}
	buf_init(&job->names);
	job->client = (uint64_t)hand_get_int(h, "job_client");
	job->has_tag = (int)hand_get_int(h, "job_has_tag");
	job->tag = hand_get_int(h, "job_tag");
	job->remaining = (int)hand_get_int(h, "job_remaining");
	if (hand_get_bytes(h, "job_names", &job->names) == -1 ||
	    hand_failed(h)) {
		buf_free(&job->names);
		free(job);
		return (NULL);
	}
	return (job);
}
