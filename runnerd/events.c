/*
 * events.c: subscriptions.  A client that sent subscribe is told of
 * every change to an instance as it happens, {"event": name, "ext": ...}
 * on its connection among its replies, and still sends requests.
 *
 * Bounds: a subscriber with more than EVENT_QUEUE_MAX bytes unsent, or
 * with any while all clients together have more than control.c's bound
 * for them (clients_crowded), misses events, counted; once it has caught
 * up it gets a "lagged" event with the count before the next one (as a
 * log follower is told how many bytes it skipped).  Its replies are never
 * dropped.
 */

#include <stdio.h>

#include "runnerd.h"

#define EVENT_QUEUE_MAX	(256 * 1024)	/* unsent bytes: events are missed */

static void	 event_lagged(struct client *);

/* Client c is told of events from now on. */
void
event_subscribe(struct client *c)
{
	c->mode = CLIENT_SUBSCRIBED;
}

/*
 * Some of c's output was sent: caught up, it learns what it missed.  Only
 * while it takes events: once attached or following, its connection is
 * a raw stream, and the count goes with the events it no longer gets.
 */
void
event_sent(struct client *c)
{
	/* First thing, before the events that come next. */
	if (c->mode == CLIENT_SUBSCRIBED && c->missed > 0 &&
	    buf_used(&c->out) <= EVENT_QUEUE_MAX / 2)
		event_lagged(c);
}

/*
 * A subscriber that missed events has caught up: tell it how many,
 * {"event": "lagged", "ext": {"missed": N}}, before anything else.
 */
static void
event_lagged(struct client *c)
{
	char	 line[128];
	int	 len;

	len = snprintf(line, sizeof(line), "{\"event\":\"lagged\",\"ext\":"
	    "{\"missed\":%llu}}\n", (unsigned long long)c->missed);
	c->missed = 0;
	client_send(c, line, (size_t)len);
}

/*
 * Tell every subscriber: {"event": name, "ext": ext}.  One that has not
 * read EVENT_QUEUE_MAX bytes of what it was sent misses it, counted, and
 * goes on missing events until it is back under half that (event_lagged).
 */
void
event_emit(const char *name, struct buf *ext)
{
	struct client	*c;
	struct buf	 b;
	size_t		 k, used;

	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "event");
	jw_str(&b, name);
	jw_key(&b, "ext");
	jw_raw(&b, buf_head(ext), buf_used(ext));
	jw_close(&b, '}');
	buf_addc(&b, '\n');
	for (k = 0; k < server.nclients && !b.failed; k++) {
		c = server.clients[k];
		if (c->mode != CLIENT_SUBSCRIBED || c->closing)
			continue;
		used = buf_used(&c->out);
		/*
		 * Its own bound; and past the bound for all clients, any
		 * backlog at all: thousands of subscribers that never
		 * read hold REPLY_HELD_MAX together, not each its own.
		 */
		if (used > EVENT_QUEUE_MAX || (c->missed > 0 &&
		    used > EVENT_QUEUE_MAX / 2) ||
		    (clients_crowded() && used > 0)) {
			c->missed++;
			continue;
		}
		if (c->missed > 0)
			event_lagged(c);
		client_send(c, buf_head(&b), buf_used(&b));
	}
	buf_free(&b);
}
