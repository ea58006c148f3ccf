/*
 * depwait.c: what `runnerctl start` shows at a terminal while its start
 * waits for dependencies.  A second connection subscribes to runnerd's
 * events, and a thread turns each waiting event for the instance into
 * the progress line (tick.c), "starting 'web': waits for db (healthy)".
 * Events, not polling: the line changes when runnerd says the wait did.
 */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

static void	*watch_run(void *);
static void	 watch_line(const char *, size_t);

#define WATCH_REPLY_MS	2000	/* the subscribe reply, at most */

/* The start being watched: its events' connection and thread. */
static struct {
	int		 fd;		/* subscribed; -1: not watching */
	pid_t		 ssh;		/* carrying fd (-H ssh://), or 0 */
	pthread_t	 thread;
	char		 name[256];	/* the alias (or app) started */
} watch = { -1, 0, 0, "" };

/* One event line: a waiting event for the watched start changes the line. */
static void
watch_line(const char *line, size_t len)
{
	struct json	*j;
	char		 err[64], *what;
	int		 ext;

	if ((j = json_parse(line, len, err, sizeof(err))) == NULL)
		return;
	ext = json_get(j, 0, "ext");
	if (json_streq(j, json_get(j, 0, "event"), "waiting") &&
	    (json_streq(j, json_get(j, ext, "alias"), watch.name) ||
	    json_streq(j, json_get(j, ext, "app"), watch.name)) &&
	    (what = json_str(j, json_get(j, ext, "waiting_for"), NULL)) !=
	    NULL) {
		tick_say("starting '%s': waits for %s...", watch.name, what);
		free(what);
	}
	json_free(j);
}

/* The thread: read events until deps_unwatch shuts the connection. */
static void *
watch_run(void *arg)
{
	struct buf	 in;
	char		 b[4096], *nl;
	ssize_t		 n;

	(void)arg;
	buf_init(&in);
	while ((n = read(watch.fd, b, sizeof(b))) > 0 ||
	    (n == -1 && errno == EINTR)) {
		if (n <= 0 || buf_add(&in, b, (size_t)n) == -1)
			continue;
		while ((nl = memchr(buf_head(&in), '\n', buf_used(&in))) !=
		    NULL) {
			watch_line(buf_head(&in), (size_t)(nl - buf_head(&in)));
			buf_drop(&in, (size_t)(nl - buf_head(&in)) + 1);
		}
	}
	buf_free(&in);
	return (NULL);
}

/*
 * At a terminal, hear the waiting events of a start of name.  Best
 * effort: without it the start is the same, its progress line plainer.
 * The subscribe reply is read first, so no event of the start is missed.
 */
void
deps_watch(struct ctl *ctl, const char *name)
{
	static const char	 req[] = "{\"cmd\": \"subscribe\"}\n";
	struct pollfd		 pfd;
	char			 c;
	int			 fd;
	pid_t			 ssh;

	if (!isatty(STDERR_FILENO) || watch.fd != -1 ||
	    (fd = rpc_dial(ctl->socket, &ssh)) == -1)
		return;
	if (fcntl(fd, F_SETFL, 0) == -1 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(req) - 1)
		goto fail;
	/* The reply: one line. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	do {
		if (poll(&pfd, 1, WATCH_REPLY_MS) != 1 || read(fd, &c, 1) != 1)
			goto fail;
	} while (c != '\n');
	snprintf(watch.name, sizeof(watch.name), "%s", name);
	watch.fd = fd;
	watch.ssh = ssh;
	if (pthread_create(&watch.thread, NULL, watch_run, NULL) == 0)
		return;
	watch.fd = -1;
fail:
	ssh_hangup(fd, ssh);
}

/* The start was answered: no more events. */
void
deps_unwatch(void)
{
	if (watch.fd == -1)
		return;
	shutdown(watch.fd, SHUT_RDWR);
	pthread_join(watch.thread, NULL);
	ssh_hangup(watch.fd, watch.ssh);
	watch.fd = -1;
}
