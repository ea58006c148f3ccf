/*
 * subscribe.c: the daemon backend's events.  runner_events_fd is a
 * connection of its own to runnerd that sent subscribe (lib/proto.h);
 * runner_next_event reads its lines without blocking and turns each
 * event into a struct runner_event.  runnerd bounds what it holds for
 * a subscriber that does not read, and says "lagged" with the count
 * (runnerd/events.c), so nothing here grows but the line being read.
 *
 * runnerd says started or restarted once an instance runs (ready), and
 * from protocol 6 on, ready right after, restarting when a restart is
 * scheduled and how many processes an exit left behind; an older one
 * just never sends those.  Events this library does not know (a later
 * runnerd's) are skipped.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

#define SUB_HELLO_MS	10000	/* runnerd answers subscribe at once */
#define SUB_FILL	65536	/* bytes read at a time */

struct sub {
	struct runner_channel	*h;
};

static int	 sub_event(struct json *, struct runner_event *);

/*
 * Connect to runnerd at socket and subscribe: events from now on.  NULL
 * with *rc and err saying why.
 */
struct sub *
sub_open(const char *socket, char *err, size_t errlen, int *rc)
{
	struct sub	*s;
	int		 fd;
	pid_t		 ssh;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		*rc = RUNNER_ENOMEM;
		errf(err, errlen, "out of memory");
		return (NULL);
	}
	if ((fd = rpc_dial(socket, &ssh)) == -1 ||
	    (s->h = rpc_handle(fd, ssh)) == NULL) {
		*rc = RUNNER_ECLOSED;
		errf(err, errlen, "cannot reach runnerd at %s: %s", socket,
		    strerror(errno));
		free(s);
		return (NULL);
	}
	if ((*rc = rpc_call(s->h, "subscribe", NULL, SUB_HELLO_MS,
	    NULL)) != 0) {
		errf(err, errlen, "runnerd at %s: subscribe: %s", socket,
		    runner_channel_errmsg(s->h));
		sub_free(s);
		return (NULL);
	}
	return (s);
}

void
sub_free(struct sub *s)
{
	if (s == NULL)
		return;
	runner_channel_close(s->h);
	free(s);
}

int
sub_fd(const struct sub *s)
{
	return (s->h->chan->fd);
}

/*
 * A last exit as runnerd says it (proto.h), {"code": N} or {"signal":
 * "SIGKILL" | N}, as the public structs do: *code, or -1 and *sig.  For
 * status's last_exit too (remote.c).
 */
void
sub_exit(const struct json *j, int v, int *code, int *sig)
{
	long long	 n;
	char		*name;
	int		 s;

	*code = -1;
	*sig = 0;
	if (json_int(j, json_get(j, v, "code"), &n) == 0) {
		*code = (int)n;
		return;
	}
	s = json_get(j, v, "signal");
	if (json_int(j, s, &n) == 0)
		*sig = (int)n;
	else if ((name = json_str(j, s, NULL)) != NULL) {
		*sig = signal_from_name(name) > 0 ? signal_from_name(name) : 0;
		free(name);
	}
}

/* runnerd's word for a probe's verdict (health.c's) as RUNNER_HEALTH_*. */
int
sub_health(const struct json *j, int v)
{
	static const char *const names[] = { "none", "starting", "healthy",
	    "unhealthy" };
	int	 k;

	for (k = 0; k < (int)(sizeof(names) / sizeof(names[0])); k++)
		if (json_streq(j, v, names[k]))
			return (RUNNER_HEALTH_NONE + k);
	return (RUNNER_HEALTH_NONE);
}

/* One event line, parsed, into ev: 1, or 0 when it is none we know. */
static int
sub_event(struct json *j, struct runner_event *ev)
{
	static const struct {
		const char	*name;
		int		 kind;
	} kinds[] = {
		{ "started", RUNNER_EVENT_STARTED },
		{ "restarted", RUNNER_EVENT_STARTED },
		{ "ready", RUNNER_EVENT_READY },
		{ "exited", RUNNER_EVENT_EXITED },
		{ "restarting", RUNNER_EVENT_RESTARTING },
		{ "failed", RUNNER_EVENT_FAILED },
		{ "stopped", RUNNER_EVENT_STOPPED },
		{ "lagged", RUNNER_EVENT_LAGGED },
		{ "health", RUNNER_EVENT_HEALTH },
	};
	long long	 n;
	size_t		 k;
	char		*alias;
	int		 x, st;

	if (json_type(j, 0) != JSON_OBJECT ||
	    (x = json_get(j, 0, "ext")) == -1)
		return (0);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (json_streq(j, json_get(j, 0, "event"), kinds[k].name))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return (0);
	memset(ev, 0, sizeof(*ev));
	ev->kind = kinds[k].kind;
	if ((alias = json_str(j, json_get(j, x, "alias"), NULL)) != NULL) {
		snprintf(ev->alias, sizeof(ev->alias), "%s", alias);
		free(alias);
	}
	/* As in-process: a pid only where a process is the news. */
	if ((ev->kind == RUNNER_EVENT_STARTED || ev->kind ==
	    RUNNER_EVENT_READY || ev->kind == RUNNER_EVENT_EXITED) &&
	    json_int(j, json_get(j, x, "pid"), &n) == 0)
		ev->pid = (pid_t)n;
	if (json_int(j, json_get(j, x, "left_behind"), &n) == 0)
		ev->left_behind = (int)n;
	if (json_int(j, json_get(j, x, "missed"), &n) == 0 && n > 0)
		ev->missed = (unsigned long long)n;
	json_double(j, json_get(j, x, "delay"), &ev->delay);
	if (ev->kind == RUNNER_EVENT_EXITED) {
		st = json_get(j, x, "status");
		sub_exit(j, st, &ev->exit_code, &ev->exit_signal);
	}
	if (ev->kind == RUNNER_EVENT_HEALTH)
		ev->health = sub_health(j, json_get(j, x, "health"));
	return (1);
}

/*
 * The next event runnerd sent, into ev: 1, 0 when none has come (nothing
 * blocks), or an error code with err (runnerd closed the connection:
 * RUNNER_ECLOSED, for good).
 */
int
sub_next(struct sub *s, struct runner_event *ev, char *err, size_t errlen)
{
	struct buf	*in = &s->h->chan->in;
	struct json	*j;
	char		*nl;
	ssize_t		 n;
	int		 got;

	for (;;) {
		if ((nl = memchr(buf_head(in), '\n', buf_used(in))) != NULL) {
			j = json_parse(buf_head(in), (size_t)(nl -
			    buf_head(in)), NULL, 0);
			buf_drop(in, (size_t)(nl - buf_head(in)) + 1);
			got = j != NULL && sub_event(j, ev);
			json_free(j);
			if (got)
				return (1);
			continue;	/* a reply, or what we do not know */
		}
		if (buf_used(in) > RUNNER_LINE_MAX) {
			errf(err, errlen, "an event line longer than %d bytes",
			    RUNNER_LINE_MAX);
			return (RUNNER_EPROTO);
		}
		if ((n = chan_fill(s->h, SUB_FILL)) > 0)
			continue;
		if (n == RUNNER_EAGAIN)
			return (0);
		if (n == RUNNER_ECLOSED)
			errf(err, errlen, "runnerd closed the events "
			    "connection");
		else
			errf(err, errlen, "events: %s",
			    runner_channel_errmsg(s->h));
		return ((int)n);
	}
}
