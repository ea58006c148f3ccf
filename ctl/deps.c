/*
 * deps.c: `runnerctl deps [APP]`, the dependency graph of the
 * configuration as a tree: each app, and under it what it depends on
 * with the condition, indented, down to apps that depend on nothing.
 * Without APP, a tree for each app that nothing depends on (every app is
 * in one of them: the configuration has no cycles); --json prints the
 * deps reply as it is.
 *
 * Also what `runnerctl start` shows at a terminal while its start waits
 * for dependencies: a second connection subscribes to runnerd's events,
 * and a thread turns each waiting event for the instance into the
 * progress line (tick.c), "starting 'web': waits for db (healthy)".
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

static int	 deps_find(const struct json *, int, const char *);
static int	 deps_needed(const struct json *, int, const char *);
static void	 deps_tree(const struct json *, int, int, int);
static void	*watch_run(void *);
static void	 watch_line(const char *, size_t);

#define WATCH_REPLY_MS	2000	/* the subscribe reply, at most */

/* The start being watched: its events' connection and thread. */
static struct {
	int		 fd;		/* subscribed; -1: not watching */
	pthread_t	 thread;
	char		 name[256];	/* the alias (or app) started */
} watch = { -1, 0, "" };

/* The index of the app called name in the reply's list, or -1. */
static int
deps_find(const struct json *r, int apps, const char *name)
{
	int	 k;

	for (k = 0; k < json_len(r, apps); k++)
		if (json_streq(r, json_get(r, json_at(r, apps, k), "app"),
		    name))
			return (json_at(r, apps, k));
	return (-1);
}

/* Does any app of the list depend on name? */
static int
deps_needed(const struct json *r, int apps, const char *name)
{
	int	 k, j, on;

	for (k = 0; k < json_len(r, apps); k++) {
		on = json_get(r, json_at(r, apps, k), "depends_on");
		for (j = 0; j < json_len(r, on); j++)
			if (json_streq(r, json_get(r, json_at(r, on, j), "app"),
			    name))
				return (1);
	}
	return (0);
}

/*
 * app's dependencies under it, depth levels in; app itself is printed by
 * the caller.  Depth is bounded by the number of apps (no cycles), and
 * checked so that a reply that had one could not loop.
 */
static void
deps_tree(const struct json *r, int apps, int app, int depth)
{
	char	*dep, *cond;
	int	 on, k, d;

	if (app == -1 || depth > json_len(r, apps))
		return;
	on = json_get(r, app, "depends_on");
	for (k = 0; k < json_len(r, on); k++) {
		dep = out_oom(json_str(r, json_get(r, json_at(r, on, k), "app"),
		    NULL));
		cond = out_oom(json_str(r, json_get(r, json_at(r, on, k),
		    "condition"), NULL));
		printf("%*s%s (%s)\n", 2 * depth, "", dep, cond);
		d = deps_find(r, apps, dep);
		deps_tree(r, apps, d, depth + 1);
		free(dep);
		free(cond);
	}
}

/* deps [APP]: the tree of APP, or of every app nothing depends on. */
int
ctl_deps(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext;
	char		*name;
	int		 apps, app, k, rc;

	buf_init(&ext);
	jw_open(&ext, '{');
	if (a->argc > 0) {
		jw_key(&ext, "app");
		jw_str(&ext, a->argv[0]);
	}
	jw_close(&ext, '}');
	rc = conn_ask(ctl, "deps", &ext, &r);
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	if (ctl->json) {
		out_json(r, 0);
		json_free(r);
		return (CTL_EXIT_OK);
	}
	apps = json_get(r, 0, "apps");
	for (k = 0; k < json_len(r, apps); k++) {
		app = json_at(r, apps, k);
		name = out_oom(json_str(r, json_get(r, app, "app"), NULL));
		if (a->argc > 0 ? strcmp(name, a->argv[0]) == 0 :
		    !deps_needed(r, apps, name)) {
			printf("%s\n", name);
			deps_tree(r, apps, app, 1);
		}
		free(name);
	}
	json_free(r);
	return (CTL_EXIT_OK);
}

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

	if (!isatty(STDERR_FILENO) || watch.fd != -1 ||
	    (fd = sock_connect(ctl->socket)) == -1)
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
	if (pthread_create(&watch.thread, NULL, watch_run, NULL) == 0)
		return;
	watch.fd = -1;
fail:
	close(fd);
}

/* The start was answered: no more events. */
void
deps_unwatch(void)
{
	if (watch.fd == -1)
		return;
	shutdown(watch.fd, SHUT_RDWR);
	pthread_join(watch.thread, NULL);
	close(watch.fd);
	watch.fd = -1;
}
