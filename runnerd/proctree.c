/*
 * proctree.c: the processes an instance started, found through /proc.
 *
 * A stop signals the instance's process group, but a grandchild may have
 * left the group (setsid, setpgid: daemons do).  So a stop also signals
 * every descendant, found by walking /proc/PID/task/TID/children from the
 * instance's main process (lib/proc.c, shared with the library).  Reading
 * the children files costs one read per process in the tree, so a leaf
 * instance (the usual case) costs one read.
 *
 * runnerd is a child subreaper: what outlives its parent is reparented to
 * runnerd, the helpers of running instances (a double-forked agent) as
 * much as what an ended instance left behind.  When an instance ends, the
 * sweep (proctree_kill_orphans) kills what was *its*, and only that.  The
 * owner of a reparented process is found this way:
 *
 *  1. By its session.  Each instance's main process leads a session of
 *     its own (spawn.c), so the session id is the main pid, and the kernel
 *     never hands out a pid that is still some living process's session
 *     id.  A session that is a running instance's main pid is that
 *     instance's: left alone.  The ended instance's session: killed, with
 *     everything under it, and the log names the instance.
 *  2. What left the session (setsid: a daemon) has a session of its own.
 *     When a stop walks an instance's tree, its descendants are recorded
 *     (pid and start time): once reparented, they are known to be that
 *     run's, also one that leaves the session after the walk (a helper
 *     that calls setsid when the stop signal comes, which the group's
 *     kill then misses).
 *  3. An orphan still without an owner cannot be placed for sure.  A
 *     process is started after the instance it comes from, so it can only
 *     belong to a running instance that started before it: if there is
 *     none, its owner has ended and it is killed; if there is one, it is
 *     left running, and killed by the first sweep after the last such
 *     instance has ended (at shutdown, the last instance's exit).  Killing
 *     a running instance's helper would break that instance, silently;
 *     an ended instance's daemon living on a while is visible (it is
 *     runnerd's child) and bounded by the instances older than it.
 *
 * A sweep costs the read of runnerd's own children file, plus one read per
 * process reparented to runnerd since the last sweep: an orphan's session
 * and start time are kept from the first sweep that saw it until it is
 * reaped (a pid 0 ev_child sees every reaping).  Orphans are runnerd's
 * children: their pids cannot be reused before libev's SIGCHLD handler
 * reaps them, so the cache is exact and killing them by pid is safe;
 * they never linger as zombies either.  The session kept is the one the
 * orphan had when first seen, so one that calls setsid later is still
 * placed by where it came from.
 *
 * Health probes (probe_exec.c) are runnerd's children too, and what one
 * leaves running is reparented to runnerd.  Such a process carries
 * RUNNER_PROBE=TOKEN.N in its environment (inherited from the probe, N
 * the run's serial, TOKEN this runnerd's): a probe that left a daemon
 * each run would otherwise fill the machine with them, kept alive by
 * rule 3 until the instance ends.  So a probe's end asks for a sweep (at most one a second,
 * PROBE_SWEEP), which kills the orphans whose run is over
 * (probe_exec_live): never a probe being spawned or running, nor what
 * it started while it runs.
 */

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define KNOWN_MAX	16384	/* descendants remembered at most */
#define PROBE_SWEEP	1.0	/* seconds from a probe's end to a sweep */

/* A descendant seen under its instance by a stop's walk. */
struct known {
	pid_t			 pid;
	unsigned long long	 start;		/* its start time, in ticks */
	pid_t			 owner;		/* the instance's main pid */
	char			 alias[RUNNER_ALIAS_MAX + 16];
};

/* A running instance's main process: its pid, and when it started. */
struct leader {
	pid_t		 pid;
	struct inst	*inst;
};

/* A process reparented to runnerd, as first seen. */
struct orphan {
	pid_t			 pid;
	pid_t			 sid;
	unsigned long long	 start;
	long long		 run;		/* RUNNER_PROBE's serial, 0 none,
						   -1 not read yet */
};

static struct orphan	*orph;		/* sorted by pid */
static size_t		 norph, orphcap;
static ev_child		 reap_w;	/* pid 0: every reaping */
static ev_timer		 sweep_w;	/* probes' leftovers, soon */

/*
 * runnerd's children that were no instance's main process nor a probe
 * (strays: orphans, mostly), read once for the ends reap.c hands over
 * together.  Each end sweeps, and reading runnerd's children costs O(its
 * children): read at each end of a stop of 1000, it was most of that
 * stop's time.  One read serves every end of the batch, since each of
 * those instances had exited before it; a pid read stays valid until the
 * batch is over, since nothing is reaped in a batch.
 */
static struct pids	 strays;
static struct leader	*strays_lead;	/* the running instances then */
static size_t		 strays_nlead;	/* ... less those ended since */
static int		 strays_valid;

/*
 * Grown as needed (a stop of a thousand instances walks thousands of
 * descendants at once, each needed until its instance's exit), and
 * emptied as their use ends: an instance's at its exit's sweep, an
 * orphan's at its reaping.
 */
static struct known	*known;
static size_t		 nknown, knowncap;
static size_t		 known_next;	/* next slot to reuse when full */

static void	 known_add(pid_t, const struct procstat *,
		    const struct inst *);
static void	 known_set(struct known *, pid_t, unsigned long long, pid_t,
		    const char *);
static const struct known *known_find(pid_t, unsigned long long);
static struct known *known_new(void);
static void	 known_drop(pid_t, pid_t);
static int	 orphans_kill(const struct inst *, pid_t);
static int	 known_unplaced(pid_t, unsigned long long);
static int	 leader_cmp(const void *, const void *);
static struct leader *leaders_get(size_t *);
static const struct leader *leader_find(struct leader *, size_t, pid_t);
static void	 orphan_kill(pid_t, const struct procstat *);
static int	 orphan_cmp(const void *, const void *);
static void	 reap_cb(struct ev_loop *, ev_child *, int);
static void	 sweep_cb(struct ev_loop *, ev_timer *, int);
static long long orphan_run(pid_t);
static const struct pids *strays_get(int);

/* Remember pid (found under i's main process) as i's. */
static void
known_add(pid_t pid, const struct procstat *ps, const struct inst *i)
{
	struct known	*k = NULL;
	size_t		 j;

	for (j = 0; j < nknown; j++)
		if (known[j].pid == pid) {
			k = &known[j];
			break;
		}
	known_set(k, pid, ps->start, i->pid, i->alias);
}

/*
 * Fill record k (NULL: a new one) with what is known of pid.  When the
 * table is full, the oldest record goes (they die with their owner).
 */
static void
known_set(struct known *k, pid_t pid, unsigned long long start, pid_t owner,
    const char *alias)
{
	if (k == NULL && (k = known_new()) == NULL)
		return;		/* out of memory: placed by age */
	k->pid = pid;
	k->start = start;
	k->owner = owner;
	snprintf(k->alias, sizeof(k->alias), "%s", alias);
}

static const struct known *
known_find(pid_t pid, unsigned long long start)
{
	size_t	 j;

	for (j = 0; j < nknown; j++)
		if (known[j].pid == pid && known[j].start == start)
			return (&known[j]);
	return (NULL);
}

/*
 * A record to fill: a new one, the table grown if need be, or when it
 * holds KNOWN_MAX (or cannot grow), the oldest one.  NULL only when
 * there is none at all.
 */
static struct known *
known_new(void)
{
	struct known	*v, *k;
	size_t		 cap;

	if (nknown == knowncap && knowncap < KNOWN_MAX) {
		cap = knowncap == 0 ? 64 : knowncap * 2;
		if (cap > KNOWN_MAX)
			cap = KNOWN_MAX;
		if ((v = reallocarray(known, cap, sizeof(*v))) != NULL) {
			known = v;
			knowncap = cap;
		}
	}
	if (nknown < knowncap)
		return (&known[nknown++]);
	if (nknown == 0)
		return (NULL);
	if (known_next >= nknown)
		known_next = 0;
	k = &known[known_next];
	known_next = (known_next + 1) % nknown;
	return (k);
}

/*
 * Forget the records of pid (reaped: runnerd's child, its pid unused
 * until now) or, with pid 0, those owner's stop made (its exit's sweep
 * is done: what was its and reparented has been killed, marked so).
 */
static void
known_drop(pid_t pid, pid_t owner)
{
	size_t	 j, n = 0;

	for (j = 0; j < nknown; j++) {
		if (pid != 0 ? known[j].pid == pid : known[j].owner == owner)
			continue;
		if (n != j)
			known[n] = known[j];
		n++;
	}
	nknown = n;
}

/*
 * Has this orphan without an owner been seen (and logged) already?  It is
 * remembered, with no owner, so that it is logged once.
 */
static int
known_unplaced(pid_t pid, unsigned long long start)
{
	struct known	*k;

	if (known_find(pid, start) != NULL)
		return (1);
	if ((k = known_new()) == NULL)
		return (0);
	k->pid = pid;
	k->start = start;
	k->owner = 0;
	k->alias[0] = '\0';
	return (0);
}

/*
 * Send sig to every descendant of pid (not pid itself, whose group the
 * caller signals).  Returns how many there were.  With owner, the
 * instance whose main process pid is, each is remembered as its (see 2.
 * above), before a signal makes their parents exit or them leave.
 */
int
proctree_signal(pid_t pid, int sig, const struct inst *owner)
{
	struct pids	 all = { NULL, 0, 0 };
	struct procstat	 ps;
	size_t		 k;
	int		 n;

	proc_tree(pid, &all);
	for (k = 0; k < all.n; k++) {
		if (owner != NULL && proc_stat(all.v[k], &ps) == 0)
			known_add(all.v[k], &ps, owner);
		kill(all.v[k], sig);
	}
	n = (int)all.n;
	free(all.v);
	return (n);
}

static int
leader_cmp(const void *a, const void *b)
{
	const struct leader	*x = a, *y = b;

	return (x->pid < y->pid ? -1 : x->pid > y->pid);
}

/* The running instances' main processes, sorted by pid. */
static struct leader *
leaders_get(size_t *n)
{
	struct leader	*v;
	size_t		 k;

	*n = 0;
	if ((v = calloc(server.ninsts + 1, sizeof(*v))) == NULL)
		return (NULL);
	for (k = 0; k < server.ninsts; k++) {
		if (server.insts[k]->pid <= 0)
			continue;
		v[*n].pid = server.insts[k]->pid;
		v[*n].inst = server.insts[k];
		(*n)++;
	}
	qsort(v, *n, sizeof(*v), leader_cmp);
	return (v);
}

static const struct leader *
leader_find(struct leader *v, size_t n, pid_t pid)
{
	struct leader	 key = { .pid = pid };

	if (n == 0)
		return (NULL);
	return (bsearch(&key, v, n, sizeof(*v), leader_cmp));
}

/*
 * Kill an orphan and everything under it, and remember that it was
 * killed (owner -1), so that a sweep before its reaping skips it.
 */
static void
orphan_kill(pid_t pid, const struct procstat *ps)
{
	proctree_signal(pid, SIGKILL, NULL);
	kill(pid, SIGKILL);
	known_set((struct known *)known_find(pid, ps->start), pid, ps->start,
	    -1, "");
}

/*
 * runnerd is exiting: kill what is left, and reap it (bounded by
 * timeout), so that no zombie of ours is left to init.
 */
void
proctree_reap_orphans(double timeout)
{
	pid_t	*v;
	size_t	 k, n;
	double	 deadline = clock_now() + timeout;
	int	 status;

	proctree_kill_orphans(NULL, 0);
	n = proctree_orphans(&v);
	for (k = 0; k < n; k++) {
		spawn_wait_exit(v[k], deadline);
		waitpid(v[k], &status, WNOHANG);
	}
	free(v);
}

static int
orphan_cmp(const void *a, const void *b)
{
	const struct orphan	*x = a, *y = b;

	return (x->pid < y->pid ? -1 : x->pid > y->pid);
}

/*
 * The session and start time of pid, one of runnerd's children that is
 * no instance's: from the cache, else read (and kept, unless it is a
 * zombie already).  0, or -1 when it is gone.
 */
int
proctree_orphan_info(pid_t pid, struct procstat *ps)
{
	struct orphan	 key = { .pid = pid }, *o, *v;
	size_t		 k;

	if (norph > 0 && (o = bsearch(&key, orph, norph, sizeof(*orph),
	    orphan_cmp)) != NULL) {
		memset(ps, 0, sizeof(*ps));
		ps->sid = o->sid;
		ps->start = o->start;
		ps->state = 'S';
		return (0);
	}
	if (proc_stat(pid, ps) == -1)
		return (-1);
	if (ps->state == 'Z')
		return (0);
	if (norph == orphcap) {
		if ((v = reallocarray(orph, orphcap ? orphcap * 2 : 16,
		    sizeof(*v))) == NULL)
			return (0);	/* not kept: read again next time */
		orph = v;
		orphcap = orphcap ? orphcap * 2 : 16;
	}
	for (k = norph; k > 0 && orph[k - 1].pid > pid; k--)
		orph[k] = orph[k - 1];
	orph[k].pid = pid;
	orph[k].sid = ps->sid;
	orph[k].start = ps->start;
	orph[k].run = -1;
	norph++;
	return (0);
}

/*
 * The probe run orphan pid comes from (RUNNER_PROBE's serial), or 0 when
 * none: read once, kept in the cache.
 */
static long long
orphan_run(pid_t pid)
{
	struct orphan	 key = { .pid = pid }, *o = NULL;
	char		 v[64];
	long long	 run = 0;

	if (norph > 0 &&
	    (o = bsearch(&key, orph, norph, sizeof(*orph), orphan_cmp)) !=
	    NULL && o->run != -1)
		return (o->run);
	/* Not ours (another runnerd's, an instance's own): 0. */
	if (proc_environ_value(pid, PROBE_ENV, v, sizeof(v)))
		run = (long long)probe_exec_run(v);
	if (o != NULL)
		o->run = run;
	return (run);
}

/* A probe ended: its leftovers are looked for soon (one sweep a second). */
void
proctree_probe_ended(void)
{
	if (ev_is_active(&sweep_w))
		return;
	ev_timer_set(&sweep_w, PROBE_SWEEP, 0);
	ev_timer_start(server.loop, &sweep_w);
}

/*
 * Kill what probes left running: orphans that come from a probe run
 * that is over.
 */
static void
sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pids		 mine = { NULL, 0, 0 };
	struct procstat		 ps;
	struct leader		*lead;
	const struct known	*kn;
	long long		 run;
	size_t			 k, nlead;
	int			 n = 0;

	(void)loop;
	(void)w;
	(void)revents;
	proc_children(getpid(), &mine);
	if (mine.n <= (size_t)server.nprocs ||
	    (lead = leaders_get(&nlead)) == NULL) {
		free(mine.v);
		return;
	}
	for (k = 0; k < mine.n; k++) {
		if (leader_find(lead, nlead, mine.v[k]) != NULL ||
		    probe_spawn_watching(mine.v[k]))
			continue;
		if (proctree_orphan_info(mine.v[k], &ps) == -1 ||
		    ps.state == 'Z')
			continue;
		if ((run = orphan_run(mine.v[k])) == 0 ||
		    probe_exec_live((unsigned long long)run))
			continue;
		kn = known_find(mine.v[k], ps.start);
		if (kn != NULL && kn->owner == -1)
			continue;	/* killed already */
		orphan_kill(mine.v[k], &ps);
		n++;
	}
	if (n > 0)
		log_info("killed %d process%s left running by health probes",
		    n, n == 1 ? "" : "es");
	free(lead);
	free(mine.v);
}

/* A child of runnerd was reaped: its pid may be reused from now on. */
static void
reap_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct orphan	 key = { .pid = w->rpid }, *o;

	(void)loop;
	(void)revents;
	if (w->rpid > 0)
		known_drop(w->rpid, 0);
	if (norph == 0 || (o = bsearch(&key, orph, norph, sizeof(*orph),
	    orphan_cmp)) == NULL)
		return;
	memmove(o, o + 1, (size_t)(orph + norph - o - 1) * sizeof(*o));
	norph--;
}

/* Watch every reaping, to keep the orphans' cache exact. */
void
proctree_init(void)
{
	ev_child_init(&reap_w, reap_cb, 0, 0);
	ev_child_start(server.loop, &reap_w);
	ev_timer_init(&sweep_w, sweep_cb, PROBE_SWEEP, 0);
}

/*
 * The strays (above): read once until forgotten, unless fresh.  NULL
 * when there is no memory for them.
 */
static const struct pids *
strays_get(int fresh)
{
	struct pids	 mine = { NULL, 0, 0 };
	struct leader	*lead = NULL;
	size_t		 k, nlead = 0;

	if (strays_valid && !fresh)
		return (&strays);
	strays_valid = 0;
	strays.n = 0;
	free(strays_lead);
	strays_lead = NULL;
	strays_nlead = 0;
	proc_children(getpid(), &mine);
	if (mine.n > 0 && (lead = leaders_get(&nlead)) == NULL) {
		free(mine.v);
		return (NULL);
	}
	for (k = 0; k < mine.n; k++) {
		if (leader_find(lead, nlead, mine.v[k]) != NULL ||
		    probe_spawn_watching(mine.v[k]))
			continue;
		if (pids_add(&strays, mine.v[k]) == -1) {
			free(lead);
			free(mine.v);
			return (NULL);
		}
	}
	free(mine.v);
	strays_lead = lead;
	strays_nlead = nlead;
	strays_valid = 1;
	return (&strays);
}

/*
 * The running instances' main processes, for a sweep in a batch: the
 * strays' list, less pid, whose end is being handled (as each end of the
 * batch is, in turn: what leaders_get would find now, without a sort of
 * them all at each end).
 */
static struct leader *
strays_leaders(pid_t pid, size_t *n)
{
	struct leader	*l;

	if ((l = (struct leader *)leader_find(strays_lead, strays_nlead,
	    pid)) != NULL) {
		memmove(l, l + 1, (size_t)(strays_lead + strays_nlead - l -
		    1) * sizeof(*l));
		strays_nlead--;
	}
	*n = strays_nlead;
	return (strays_lead);
}

/* A batch of ends begins or is over: the strays are read again. */
void
proctree_strays_forget(void)
{
	strays_valid = 0;
	free(strays_lead);
	strays_lead = NULL;
	strays_nlead = 0;
}

/*
 * Kill what was reparented to runnerd and belonged to the instance that
 * ended (ended, whose main process was pid), or to no running instance
 * at all; leave what belongs to a running one.  ended may be NULL (no
 * instance just ended: runnerd is exiting).  Returns how many of the
 * ended instance's were killed (each with what was under it), for its
 * status's left_behind.
 */
int
proctree_kill_orphans(const struct inst *ended, pid_t pid)
{
	int	 left;

	left = orphans_kill(ended, pid);
	if (ended != NULL && pid > 0)
		known_drop(0, pid);	/* their use is over */
	return (left);
}

/* proctree_kill_orphans, but for the records it leaves. */
static int
orphans_kill(const struct inst *ended, pid_t pid)
{
	const struct pids	*stray;
	struct procstat		 ps;
	struct leader		*lead;
	const struct known	*kn;
	unsigned long long	 start;
	size_t			 k, j, nlead;
	int			 older, left = 0;
	pid_t			 p;

	statefile_dirty();
	/* Not an end in the loop (runnerd exits): what is there now. */
	if ((stray = strays_get(ended == NULL)) == NULL) {
		log_warn("%s", __func__);
		return (0);
	}
	if (stray->n == 0)
		return (0);
	if (ended != NULL)
		lead = strays_leaders(pid, &nlead);
	else if ((lead = leaders_get(&nlead)) == NULL) {
		log_warn("%s", __func__);
		return (0);
	}
	for (k = 0; k < stray->n; k++) {
		p = stray->v[k];
		/* A health probe in flight is runnerd's own child. */
		if (leader_find(lead, nlead, p) != NULL ||
		    probe_spawn_watching(p))
			continue;
		if (proctree_orphan_info(p, &ps) == -1)
			continue;	/* gone */
		if (ps.state == 'Z' || (pid > 0 && p == pid))
			continue;	/* to be reaped, no more */
		kn = known_find(p, ps.start);
		if (kn != NULL && kn->owner == -1)
			continue;	/* killed already */
		/* 1. Its session says whose it is. */
		if (ended != NULL && ps.sid == pid) {
			log_info("%s: killing pid %ld, left behind by this "
			    "instance, which ended", ended->alias,
			    (long)p);
			orphan_kill(p, &ps);
			left++;
			continue;
		}
		if (leader_find(lead, nlead, ps.sid) != NULL)
			continue;
		/* 2. Seen under an instance before it left the session. */
		if (kn != NULL && kn->owner > 0) {
			if (leader_find(lead, nlead, kn->owner) != NULL)
				continue;
			log_info("%s: killing pid %ld, left behind by this "
			    "instance, which ended", kn->alias,
			    (long)p);
			if (pid > 0 && kn->owner == pid)
				left++;
			orphan_kill(p, &ps);
			continue;
		}
		/* 3. A running instance older than it may own it. */
		older = 0;
		for (j = 0; j < nlead && !older; j++) {
			start = proctree_start_of(lead[j].inst);
			older = start == 0 || start <= ps.start;
		}
		if (older) {
			if (!known_unplaced(p, ps.start))
				log_info("pid %ld was reparented to runnerd "
				    "and left its instance's session: left "
				    "alone while an instance older than it "
				    "runs", (long)p);
			continue;
		}
		log_info("killing pid %ld, left behind by an instance that "
		    "ended (it had left that instance's session)",
		    (long)p);
		/* Killed at this exit: counted as its (no running one owns it). */
		if (ended != NULL)
			left++;
		orphan_kill(p, &ps);
	}
	if (ended == NULL)
		free(lead);
	return (left);
}

/*
 * The children of runnerd that are no running instance's main process:
 * what was reparented to it.  Their number, with *out to free.
 */
size_t
proctree_orphans(pid_t **out)
{
	struct pids	 mine = { NULL, 0, 0 };
	struct leader	*lead;
	size_t		 k, n = 0, nlead;

	*out = NULL;
	proc_children(getpid(), &mine);
	if (mine.n <= (size_t)server.nprocs ||
	    (lead = leaders_get(&nlead)) == NULL) {
		free(mine.v);
		return (0);
	}
	for (k = 0; k < mine.n; k++)
		if (leader_find(lead, nlead, mine.v[k]) == NULL)
			mine.v[n++] = mine.v[k];
	free(lead);
	*out = mine.v;
	return (n);
}

/*
 * When i's main process started, in clock ticks since boot (0: unknown).
 * Read once per process and kept in the instance.
 */
unsigned long long
proctree_start_of(struct inst *i)
{
	struct procstat	 ps;

	if (i->pid <= 0)
		return (0);
	if (i->tick.pid != i->pid) {
		if (proc_stat(i->pid, &ps) == -1)
			return (0);
		i->tick.pid = i->pid;
		i->tick.start = ps.start;
	}
	return (i->tick.start);
}
