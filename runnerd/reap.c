/*
 * reap.c: an instance's end, from its reaping to its handling.
 *
 * libev reaps one exited child at a time and runs that child's ev_child
 * callback at once, before it reaps the next (both at EV_MAXPRI).  Were
 * each end handled there, the ends of one moment (a stop of 1000) would
 * be handled one by one, each before the next is reaped; and proctree.c's
 * sweep, which must see what each ended instance left (reparented to
 * runnerd at its exit), would read runnerd's children again at each: O(n)
 * each, O(n^2) in all, most of such a stop's time.  So the callback only
 * queues the end, and the ends are handled together from a watcher fed at
 * the priority below libev's reaping: by then every child that had exited
 * is reaped and queued, and one read of the children serves them all.
 * Only what hears the other exits of the pass runs in between: an exec
 * probe's, whose verdict on an instance with its end queued is dropped
 * (health.c); clients, timers and the other probes run at lower
 * priorities still.  While its end is queued an instance keeps its pid,
 * as if it still ran, but nothing signals it (reap_pending): the pid may
 * be reused already.
 */

#include "runnerd.h"

static TAILQ_HEAD(, inst) queued = TAILQ_HEAD_INITIALIZER(queued);
static ev_check	 ends_w;	/* never started: fed, once per batch */

static void	 reap_child_cb(struct ev_loop *, ev_child *, int);
static void	 reap_ends_cb(struct ev_loop *, ev_check *, int);

/* Watch i's new main process (i->pid) for its end. */
void
reap_watch(struct inst *i)
{
	static int	 ready;

	if (!ready) {
		ev_check_init(&ends_w, reap_ends_cb);
		ev_set_priority(&ends_w, EV_MAXPRI - 1);
		ready = 1;
	}
	ev_child_init(&i->proc.child, reap_child_cb, i->pid, 0);
	i->proc.child.data = i;
	ev_child_start(server.loop, &i->proc.child);
}

/* i's main process was reaped, and its end is not handled yet. */
int
reap_pending(const struct inst *i)
{
	return (i->proc.reaped);
}

/*
 * i goes while its end is queued (nothing does that: an instance with a
 * pid is not removed): its end is dropped, and counted out.
 */
void
reap_forget(struct inst *i)
{
	if (!i->proc.reaped)
		return;
	TAILQ_REMOVE(&queued, i, proc.reap_entry);
	i->proc.reaped = 0;
	server.nprocs--;
}

static void
reap_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct inst	*i = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	i->proc.reaped = 1;
	i->proc.status = w->rstatus;
	TAILQ_INSERT_TAIL(&queued, i, proc.reap_entry);
	if (!ev_is_pending(&ends_w))
		ev_feed_event(loop, &ends_w, EV_CUSTOM);
}

/* Every end queued, in the order reaped, on one read of the children. */
static void
reap_ends_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct inst	*i;

	(void)loop;
	(void)w;
	(void)revents;
	proctree_strays_forget();
	while ((i = TAILQ_FIRST(&queued)) != NULL) {
		TAILQ_REMOVE(&queued, i, proc.reap_entry);
		i->proc.reaped = 0;
		inst_exited(i, i->proc.status);
	}
	proctree_strays_forget();
}
