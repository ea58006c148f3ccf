/*
 * logs.c: `runnerctl logs ALIAS [-f] [-n LINES]`, an instance's recent
 * log (what runnerd keeps of it: the last 64 KiB), and with -f the log as
 * it comes, until the instance is stopped or ends for good, or we are
 * interrupted.  After the reply to a follow, the connection carries the
 * log raw, as it does the output after an attach.
 */

#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

#define LOGS_BUF	65536		/* bytes copied per read with -f */

enum { LOGS_FOLLOW, LOGS_LINES };
const struct ctl_opt logs_opts[] = {
	[LOGS_FOLLOW] =	{ "-f", 0, "then follow: print new lines as "
	    "they come, until interrupted" },
	[LOGS_LINES] =	{ "-n", 1, "LINES: the last LINES lines "
	    "(default: all that is kept)" },
	{ NULL, 0, NULL }
};

static int	logs_follow(struct ctl *);

/*
 * Copy the connection to stdout until runnerd closes it: 0, or the exit
 * status when stdout or the connection fails.  Whatever runner_ask read
 * past the reply is already log, so it goes first.
 */
static int
logs_follow(struct ctl *ctl)
{
	struct pollfd	 pfd;
	struct buf	*ahead = &ctl->h->chan->in;
	char		 b[LOGS_BUF];
	ssize_t		 n;
	int		 fd = ctl->h->chan->fd;

	if (out_write(1, buf_head(ahead), buf_used(ahead)) == -1)
		goto bad;
	buf_reset(ahead);
	for (;;) {
		n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n > 0) {
			if (out_write(1, b, (size_t)n) == -1)
				goto bad;
			continue;
		}
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return (CTL_EXIT_OK);
		if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "runnerctl: recv: %s\n",
			    strerror(errno));
			return (CTL_EXIT_NODAEMON);
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR) {
			fprintf(stderr, "runnerctl: poll: %s\n",
			    strerror(errno));
			return (CTL_EXIT_NODAEMON);
		}
	}
bad:
	if (errno != EPIPE)
		fprintf(stderr, "runnerctl: stdout: %s\n", strerror(errno));
	return (CTL_EXIT_REFUSED);
}

/*
 * logs ALIAS [-f] [-n LINES]: the recent log as runnerd keeps it (with
 * --json, the reply's {"alias", "data"}), then with -f what comes.
 */
int
ctl_logs(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext;
	const char	*nv = a->val[LOGS_LINES];
	char		*end;
	void		*data;
	long long	 lines = -1;
	size_t		 n;
	int		 follow = a->val[LOGS_FOLLOW] != NULL, rc;

	if (nv != NULL) {
		errno = 0;
		lines = strtoll(nv, &end, 10);
		if (*nv < '0' || *nv > '9' || *end != '\0' || errno != 0 ||
		    lines > INT_MAX)
			return (ctl_usage_error(ctl->cmd, "bad -n '%s': "
			    "expected a number of lines", nv));
	}
	buf_init(&ext);
	jw_open(&ext, '{');
	jw_key(&ext, "alias");
	jw_str(&ext, a->argv[0]);
	if (follow) {
		jw_key(&ext, "follow");
		jw_bool(&ext, 1);
	}
	if (lines >= 0) {
		jw_key(&ext, "lines");
		jw_int(&ext, lines);
	}
	jw_close(&ext, '}');
	rc = conn_ask(ctl, "logs", &ext, &r);
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	if (ctl->json)
		out_json(r, 0);
	else if ((data = json_b64(r, json_get(r, 0, "data"), &n)) != NULL) {
		fwrite(data, 1, n, stdout);
		free(data);
	}
	json_free(r);
	if (!follow)
		return (CTL_EXIT_OK);
	if (fflush(stdout) == EOF)
		return (CTL_EXIT_REFUSED);	/* main says why */
	return (logs_follow(ctl));
}
