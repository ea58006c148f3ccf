/*
 * ended.c: instances that have ended, kept listed.  Nothing vanishes by
 * itself (issue 16): an instance that ended (exited, failed, stopped)
 * stays listed with its reason, its output, its last exit and its log,
 * so that a start that failed or an instance someone stopped can be
 * looked into, until a start of its alias replaces the record
 * (instance.c's inst_launch) or a client removes it (cmd_remove.c).
 *
 * At most ENDED_MAX are kept: beyond that the one that ended first is
 * forgotten, so that a crash-looping script cannot grow runnerd.  The
 * trim is the caller's to call, never while it walks the list.  During a
 * shutdown, and for an app a reload removed, a stopped instance goes
 * instead (inst_leaving).  Ended records are runnerd's memory only: the
 * state file (statefile.c) names processes, so a runnerd started after
 * one that died lists none of them.
 */

#include <stdint.h>

#include "runnerd.h"

#define ENDED_MAX	1000	/* ended instances kept listed */

/* Ended for good: no process now, none to come. */
int
inst_ended(const struct inst *i)
{
	return (i->state == INST_EXITED || i->state == INST_FAILED ||
	    i->state == INST_STOPPED);
}

/*
 * Why an ended instance is not running, in words (nothing for one that
 * runs or will, unless its health probe stopped it to restart it): why
 * its start failed or the policy gave up, how it exited, or that it was
 * stopped.
 */
void
inst_reason(struct buf *b, const struct inst *i)
{
	char	 how[64];

	if (!inst_ended(i) && health_reason(i) != NULL)
		jw_str(b, health_reason(i));	/* liveness: restarting */
	else if (!inst_ended(i))
		jw_null(b);
	else if (i->state == INST_STOPPED)
		jw_str(b, "stopped");
	else if (i->end.start_msg != NULL)
		jw_str(b, i->end.start_msg);
	else if (i->end.exited)
		jw_str(b, status_words(i->end.last_status, how, sizeof(how)));
	else
		jw_str(b, inst_state_name(i->state));
}

/*
 * Stopped, the instance goes rather than stay listed: runnerd is shutting
 * down, or a reload removed its app (it kept the configuration it came
 * from; nothing could start it again).
 */
int
inst_leaving(const struct inst *i)
{
	return (server.shutting_down || i->conf != server.conf);
}

/*
 * A client's remove: forget an ended instance, its output and log with
 * it; its alias is then unknown.
 */
void
inst_forget(struct inst *i)
{
	log_info("%s: removed (%s)", i->alias, inst_state_name(i->state));
	inst_remove(i);
}

/*
 * The instance has no process now and none to come: mark it, and answer
 * its waiters (a start's, a stop's) and attachers.  Kept listed; the
 * caller trims the ended ones when it may (not while it walks the list).
 */
static uint64_t	 seq;		/* endings so far */

void
inst_ended_now(struct inst *i, enum inst_state state)
{
	i->state = state;
	i->end.ended_seq = ++seq;
	waiters_inst_event(i);
	roll_inst_event(i);	/* not all endings are events */
	relay_detach_all(i);
}

/*
 * Keep at most ENDED_MAX ended instances: forget the ones that ended
 * first.  Those with a process, or about to have one, are never counted.
 */
void
inst_trim_ended(void)
{
	struct inst	*old;
	size_t		 k, n;

	/* Too few to need a look (each end calls this: keep it O(1)). */
	if (server.ninsts <= ENDED_MAX)
		return;
	for (;;) {
		old = NULL;
		for (k = n = 0; k < server.ninsts; k++) {
			if (!inst_ended(server.insts[k]) ||
			    server.insts[k]->end.ended_seq == 0)
				continue;
			n++;
			if (old == NULL ||
			    server.insts[k]->end.ended_seq < old->end.ended_seq)
				old = server.insts[k];
		}
		if (n <= ENDED_MAX)
			return;
		log_info("%s: forgotten (ended; only the last %d instances "
		    "that ended are kept)", old->alias, ENDED_MAX);
		inst_remove(old);
	}
}

/* An instance handed over by an upgrade ended n-th: later ones count on. */
void
inst_ended_seq(uint64_t n)
{
	if (n > seq)
		seq = n;
}
