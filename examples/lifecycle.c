/*
 * lifecycle.c: a child's whole life through librunner, written from
 * librunner(3) alone.  Starts a filter (sort by default), streams it a
 * file, ends its input, copies its output to stdout, learns of its exit
 * from the events descriptor and prints how it ended; one poll(2) loop
 * watches the channel and the events.  Exits with the child's status.
 *
 *	lifecycle [-s SOCKET] [-c COMMAND] FILE
 *
 * In-process by default; with -s, through the runnerd at SOCKET (the
 * app is added to its configuration with runner_update_config, which
 * leaves its other apps alone).  Build: cc lifecycle.c -lrunner.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

#define ALIAS	"lifecycle-filter"

struct run {
	struct runner		*r;
	struct runner_channel	*ch;
	int			 in;		/* the file; -1 once sent */
	char			 pending[65536];/* read from it, not yet sent */
	size_t			 off, len;
	int			 output_done;	/* ECLOSED: all output read */
	int			 exited;	/* its EXITED event came */
	struct runner_event	 end;		/* ... this one */
};

static void
die(const char *what, const char *msg)
{
	fprintf(stderr, "lifecycle: %s: %s\n", what, msg);
	exit(125);
}

/* The app's configuration: COMMAND as a libconfig string. */
static char *
app_text(const char *command)
{
	static char	 text[4096];
	char		 quoted[2048];
	size_t		 n = 0;
	const char	*p;

	for (p = command; *p != '\0' && n + 2 < sizeof(quoted); p++) {
		if (*p == '"' || *p == '\\')
			quoted[n++] = '\\';
		quoted[n++] = *p;
	}
	quoted[n] = '\0';
	if (*p != '\0')
		die("command", "too long");
	/* restart = "no": its exit is the end we wait for, not a crash. */
	snprintf(text, sizeof(text), "apps = { %s = { command = \"%s\"; "
	    "restart = \"no\"; }; };", "lifecycle_filter", quoted);
	return (text);
}

/* Send what the channel takes; at the file's end, end the input. */
static void
feed(struct run *run)
{
	ssize_t	 n;

	while (run->in != -1) {
		if (run->off == run->len) {
			n = read(run->in, run->pending, sizeof(run->pending));
			if (n == -1)
				die("read", strerror(errno));
			if (n == 0) {
				close(run->in);
				run->in = -1;
				if (runner_channel_shutdown(run->ch) < 0)
					die("shutdown",
					    runner_channel_errmsg(run->ch));
				return;
			}
			run->off = 0;
			run->len = (size_t)n;
		}
		n = runner_channel_write(run->ch, run->pending + run->off,
		    run->len - run->off);
		if (n == RUNNER_EAGAIN)
			return;		/* poll says when there is room */
		if (n < 0) {
			/* It stopped reading: what is left cannot go. */
			fprintf(stderr, "lifecycle: write: %s\n",
			    runner_channel_errmsg(run->ch));
			close(run->in);
			run->in = -1;
			return;
		}
		run->off += (size_t)n;
	}
}

/* Copy what output there is to stdout. */
static void
drain(struct run *run)
{
	char	 buf[65536];
	ssize_t	 n;

	while ((n = runner_channel_read(run->ch, buf, sizeof(buf))) > 0) {
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			die("stdout", strerror(errno));
	}
	if (n == RUNNER_ECLOSED)
		run->output_done = 1;
	else if (n != RUNNER_EAGAIN)
		die("read", runner_channel_errmsg(run->ch));
}

/* Take every pending event; note our instance's exit. */
static void
events(struct run *run)
{
	struct runner_event	 ev;
	int			 rc;

	for (;;) {
		ev.version = RUNNER_EVENT_VERSION;
		if ((rc = runner_next_event(run->r, &ev)) == 0)
			return;
		if (rc < 0)
			die("events", runner_errmsg(run->r));
		if (ev.kind == RUNNER_EVENT_EXITED &&
		    strcmp(ev.alias, ALIAS) == 0) {
			run->exited = 1;
			run->end = ev;
		}
	}
}

int
main(int argc, char **argv)
{
	struct run			 run = { .in = -1 };
	struct pollfd			 pfd[2];
	const char			*socket = NULL, *command = "sort";
	int				 ch;

	while ((ch = getopt(argc, argv, "s:c:")) != -1) {
		switch (ch) {
		case 's':
			socket = optarg;
			break;
		case 'c':
			command = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if ((run.in = open(argv[optind], O_RDONLY | O_CLOEXEC)) == -1)
		die(argv[optind], strerror(errno));

	run.r = socket != NULL ? runner_connect(socket) : runner_new();
	if (run.r == NULL)
		die(socket != NULL ? socket : "runner_new", strerror(errno));
	/* Events are kept from the first call on: before the start. */
	pfd[1].fd = runner_events_fd(run.r);
	if (pfd[1].fd < 0 ||
	    runner_update_config(run.r, app_text(command)) < 0 ||
	    runner_start(run.r, "lifecycle_filter",
	    &(struct runner_start){ .alias = ALIAS }) < 0 ||
	    (run.ch = runner_get_channel(run.r, ALIAS)) == NULL)
		die("start", runner_errmsg(run.r));
	pfd[0].fd = runner_channel_fd(run.ch);
	pfd[1].events = POLLIN;

	/* Until all its output is read and its exit is known. */
	while (!run.output_done || !run.exited) {
		pfd[0].events = run.output_done ? 0 :
		    POLLIN | (run.in != -1 ? POLLOUT : 0);
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			die("poll", strerror(errno));
		if (!run.output_done) {
			feed(&run);
			drain(&run);
		}
		if (pfd[1].revents != 0)
			events(&run);
	}

	fflush(stdout);
	if (run.end.exit_signal != 0)
		fprintf(stderr, "lifecycle: %s (pid %ld) was killed by signal "
		    "%d\n", command, (long)run.end.pid, run.end.exit_signal);
	else
		fprintf(stderr, "lifecycle: %s (pid %ld) exited with status "
		    "%d\n", command, (long)run.end.pid, run.end.exit_code);
	runner_channel_close(run.ch);
	runner_terminate(run.r, ALIAS);	/* the alias is free again */
	runner_free(run.r);
	return (run.end.exit_signal != 0 ? 128 + run.end.exit_signal :
	    run.end.exit_code);
usage:
	fprintf(stderr, "usage: lifecycle [-s socket] [-c command] file\n");
	return (2);
}
