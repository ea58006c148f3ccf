/*
 * evq.c: the in-process backend's events.  The library may neither
 * install a SIGCHLD handler nor call waitpid(-1), so an exit is learnt
 * from a pidfd per child (pidfd_open(2): readable once the child has
 * exited, reaped or not).  runner_events_fd is an epoll set holding those
 * pidfds and an eventfd: the eventfd counts while events the library
 * made (started, ready, stopped, and exited once the child is reaped)
 * wait in the queue, so the set polls readable while anything waits,
 * and the program needs one descriptor whatever its instances.  local.c
 * reaps, by pid, the children whose pidfd fired and queues their exits.
 *
 * Where pidfd_open is missing (kernels before 5.3, valgrind), a timerfd
 * in the set ticks every EVQ_TICK_MS while such a child is watched: the
 * descriptor then also wakes to find nothing, which runner_next_event's
 * contract (0: nothing pending) already allows.
 *
 * The queue is bounded: a program that never reads its events must not
 * grow memory without bound.  Past EVQ_MAX queued, events are missed,
 * counted, until the queue is back to half; then a LAGGED event with the
 * count takes its place in the queue (the events around the gap come in
 * order, as runnerd's subscribers are told).
 */

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner-int.h"

#define EVQ_TICK_MS	20	/* the check without pidfds */

struct evq {
	int			 epfd;		/* the program's descriptor */
	int			 efd;		/* counts while events wait */
	int			 tfd;		/* the tick, or -1 */
	size_t			 polled;	/* children watched by tick */
	struct runner_event	 q[EVQ_MAX];	/* a ring */
	size_t			 head, n;
	unsigned long long	 missed;	/* dropped since the last LAGGED */
};

static int	 evq_add(struct evq *, int);
static void	 evq_tick(struct evq *, int);
static void	 evq_drain(int);
static void	 evq_append(struct evq *, const struct runner_event *);
static void	 evq_event(struct runner_event *, int, const char *, pid_t);

/* Put fd in the set, for POLLIN; 0 or -1 with errno. */
static int
evq_add(struct evq *e, int fd)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	return (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev));
}

/* A new, empty queue and its descriptor; NULL with the reason in err. */
struct evq *
evq_new(char *err, size_t errlen)
{
	struct evq	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		errf(err, errlen, "out of memory");
		return (NULL);
	}
	e->tfd = -1;
	if ((e->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    evq_add(e, e->efd) == -1) {
		errf(err, errlen, "cannot make the events descriptor: %s",
		    strerror(errno));
		if (e->epfd != -1)
			close(e->epfd);
		free(e);
		return (NULL);
	}
	return (e);
}

/* Close it all: the set, the eventfd, the tick (pidfds are the caller's). */
void
evq_free(struct evq *e)
{
	if (e == NULL)
		return;
	close(e->epfd);
	close(e->efd);
	if (e->tfd != -1)
		close(e->tfd);
	free(e);
}

int
evq_fd(const struct evq *e)
{
	return (e->epfd);
}

/* Start (on) or stop the tick that stands in for pidfds. */
static void
evq_tick(struct evq *e, int on)
{
	struct itimerspec	 its;

	memset(&its, 0, sizeof(its));
	if (on) {
		its.it_value.tv_nsec = EVQ_TICK_MS * 1000000L;
		its.it_interval = its.it_value;
	}
	if (e->tfd == -1 && on) {
		if ((e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
		    TFD_CLOEXEC)) == -1)
			return;
		if (evq_add(e, e->tfd) == -1) {
			close(e->tfd);
			e->tfd = -1;
			return;
		}
	}
	if (e->tfd != -1)
		timerfd_settime(e->tfd, 0, &its, NULL);
}

/*
 * Watch pid (our unreaped child, so the pid is still its own): the
 * descriptor wakes when it exits.  Its pidfd, to pass to evq_unwatch
 * once it is reaped; or -1 when the tick watches it instead.
 */
int
evq_watch(struct evq *e, pid_t pid)
{
	int	 pfd;

	if ((pfd = pidfd_open(pid, 0)) != -1) {
		if (evq_add(e, pfd) == 0)
			return (pfd);
		close(pfd);
	}
	if (e->polled++ == 0)
		evq_tick(e, 1);
	return (-1);
}

/* Stop watching a child (reaped): its pidfd, or -1 for the tick. */
void
evq_unwatch(struct evq *e, int pfd)
{
	if (pfd != -1) {
		close(pfd);	/* which takes it out of the set */
		return;
	}
	if (e->polled > 0 && --e->polled == 0)
		evq_tick(e, 0);
}

/* Read a counter (eventfd, timerfd) to zero. */
static void
evq_drain(int fd)
{
	uint64_t	 v;

	while (read(fd, &v, sizeof(v)) == -1 && errno == EINTR)
		;
}

/* Queue ev, or count it missed while the queue is full or recovering. */
static void
evq_append(struct evq *e, const struct runner_event *ev)
{
	uint64_t	 one = 1;

	if (e->n == EVQ_MAX || (e->missed > 0 &&
	    ev->kind != RUNNER_EVENT_LAGGED)) {
		e->missed++;
		return;
	}
	e->q[(e->head + e->n) % EVQ_MAX] = *ev;
	if (e->n++ == 0)
		(void)!write(e->efd, &one, sizeof(one));
}

/* A new event of kind about alias (pid: 0 if none), into *ev. */
static void
evq_event(struct runner_event *ev, int kind, const char *alias, pid_t pid)
{
	memset(ev, 0, sizeof(*ev));
	ev->version = RUNNER_EVENT_VERSION;
	ev->kind = kind;
	snprintf(ev->alias, sizeof(ev->alias), "%s", alias);
	ev->pid = pid;
}

/* Queue an event of kind about alias (pid: 0 if none). */
void
evq_push(struct evq *e, int kind, const char *alias, pid_t pid)
{
	struct runner_event	 ev;

	evq_event(&ev, kind, alias, pid);
	evq_append(e, &ev);
}

/* Queue alias's exit: pid, its wait status, what it left behind. */
void
evq_push_exit(struct evq *e, const char *alias, pid_t pid, int status,
    int left)
{
	struct runner_event	 ev;

	evq_event(&ev, RUNNER_EVENT_EXITED, alias, pid);
	ev_exit_status(status, &ev.exit_code, &ev.exit_signal);
	ev.left_behind = left;
	evq_append(e, &ev);
}

/*
 * The oldest event into *ev: 1, or 0 when none waits.  The tick (if any)
 * is read here: the caller has reaped what there was to reap.  Once the
 * queue is back to half after missing events, LAGGED goes to its end.
 */
int
evq_pop(struct evq *e, struct runner_event *ev)
{
	struct runner_event	 lag;

	if (e->tfd != -1)
		evq_drain(e->tfd);
	if (e->n == 0)
		return (0);
	*ev = e->q[e->head];
	e->head = (e->head + 1) % EVQ_MAX;
	if (--e->n == 0)
		evq_drain(e->efd);
	if (e->missed > 0 && e->n <= EVQ_MAX / 2) {
		evq_event(&lag, RUNNER_EVENT_LAGGED, "", 0);
		lag.missed = e->missed;
		e->missed = 0;
		evq_append(e, &lag);
	}
	return (1);
}

/* A wait status as the public structs say it: code, or -1 and signal. */
void
ev_exit_status(int status, int *code, int *sig)
{
	*code = -1;
	*sig = 0;
	if (status != -1 && WIFSIGNALED(status))
		*sig = WTERMSIG(status);
	else if (status != -1 && WIFEXITED(status))
		*code = WEXITSTATUS(status);
}
