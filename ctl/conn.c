/*
 * conn.c: runnerctl's connection to runnerd, over lib/rpc.c.  It
 * connects on the first request (so a bad command line never touches
 * the daemon), starts runnerd when `start` finds none, and turns the
 * requests' outcomes into runnerctl's exit statuses: 1 with "runnerctl:
 * CODE: message" when the daemon refused, 3 when there is no daemon or
 * it went away.  ctl->socket may be ssh://...: lib/ssh.c runs the ssh,
 * whose own messages (host unreachable, key refused) go to our stderr;
 * then nothing is started here.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runnerctl.h"


/*
 * Connect to runnerd, starting it first when nobody listens and the
 * command allows it.  0, or the exit status after saying why not.
 */
int
conn_open(struct ctl *ctl)
{
	int	 fd, rc;
	pid_t	 ssh;

	if (ctl->h != NULL)
		return (0);
	fd = rpc_dial(ctl->socket, &ssh);
	if (fd == -1 && ctl->autostart && !ssh_url(ctl->socket) &&
	    (errno == ENOENT || errno == ECONNREFUSED)) {
		rc = autostart_runnerd(ctl->socket);
		/*
		 * Even when runnerd -d failed, another runnerctl may have
		 * won the race to start one on the same socket: try anyway.
		 */
		fd = rpc_dial(ctl->socket, &ssh);
		if (fd != -1 && rc == 0)
			autostart_started(ctl->socket);
		else if (fd == -1 && rc != 0)
			return (CTL_EXIT_NODAEMON);
	}
	if (fd == -1) {
		fprintf(stderr, "runnerctl: no runnerd at %s: %s\n",
		    ctl->socket, strerror(errno));
		return (CTL_EXIT_NODAEMON);
	}
	ctl->h = out_oom(rpc_handle(fd, ssh));
	return (0);
}

/* Hang up, if connected. */
void
conn_close(struct ctl *ctl)
{
	runner_channel_close(ctl->h);
	ctl->h = NULL;
}

/*
 * Did the last failure come from a reply ("CODE: message") rather
 * than from the connection itself ("the other side is gone", "recv:
 * ...")?  Both can carry the same code (ECLOSED is also a reply to a
 * write to an instance that has ended): rpc_refusal tells them apart.
 */
int
conn_replied(struct ctl *ctl)
{
	return (rpc_refusal(ctl->h, NULL, 0) != NULL);
}

/*
 * Send cmd with ext (a JSON object, or NULL for none) and wait for its
 * reply.  0 with *reply the reply's ext parsed (never NULL: {} when the
 * reply had none), else a RUNNER_E* code that conn_fail turns into
 * words and an exit status (only a failed connect is already said).
 */
int
conn_request(struct ctl *ctl, const char *cmd, struct buf *ext,
    struct json **reply)
{
	*reply = NULL;
	if (conn_open(ctl) != 0)
		return (RUNNER_ECLOSED);	/* conn_fail knows: no h */
	if (ext != NULL && (ext->failed || buf_cstr(ext) == NULL))
		out_oom(NULL);
	return (rpc_call(ctl->h, cmd, ext, ctl->timeout_ms, reply));
}

/*
 * Say why a request failed and return the exit status: the daemon's
 * refusal as "runnerctl: CODE: message" (and as {"error", "message"} on
 * stdout with --json) is 1; a connection that failed or closed is 3.
 */
int
conn_fail(struct ctl *ctl, int rc)
{
	const char	*why;
	char		 code[64];

	tick_stop();		/* progress erased before, not after, why */
	if (ctl->h == NULL)	/* conn_open has said why */
		return (CTL_EXIT_NODAEMON);
	if ((why = rpc_refusal(ctl->h, code, sizeof(code))) != NULL)
		return (conn_refuse(ctl, code, why));
	/* ssh has said why, if it was ssh (its exit status is 255). */
	if (rc == RUNNER_ECLOSED && ssh_url(ctl->socket))
		fprintf(stderr, "runnerctl: the connection to %s closed\n",
		    ctl->socket);
	else if (rc == RUNNER_ECLOSED)
		fprintf(stderr, "runnerctl: runnerd closed the connection\n");
	else
		fprintf(stderr, "runnerctl: %s\n",
		    runner_channel_errmsg(ctl->h));
	return (CTL_EXIT_NODAEMON);
}

/*
 * Report a refusal (the daemon's, or runnerctl's own on its behalf)
 * and return exit status 1.  The message may echo the user's words (an
 * alias, an app's name): its control bytes are escaped.
 */
int
conn_refuse(struct ctl *ctl, const char *code, const char *msg)
{
	struct buf	 b;

	fprintf(stderr, "runnerctl: %s: ", code);
	out_escaped(stderr, msg);
	fprintf(stderr, "\n");
	if (ctl->json) {
		buf_init(&b);
		jw_open(&b, '{');
		jw_key(&b, "error");
		jw_str(&b, code);
		jw_key(&b, "message");
		jw_str(&b, msg);
		jw_close(&b, '}');
		if (b.failed)
			out_oom(NULL);
		printf("%s\n", buf_cstr(&b));
		buf_free(&b);
	}
	return (CTL_EXIT_REFUSED);
}

/* conn_request, saying why when it fails: 0, or the exit status. */
int
conn_ask(struct ctl *ctl, const char *cmd, struct buf *ext,
    struct json **reply)
{
	int	 rc;

	if ((rc = conn_request(ctl, cmd, ext, reply)) != 0)
		return (conn_fail(ctl, rc));
	return (0);
}

/* Ask cmd about one alias: ext is {"alias": alias}. */
int
conn_ask_alias(struct ctl *ctl, const char *cmd, const char *alias,
    struct json **reply)
{
	struct buf	 ext;
	int		 rc;

	buf_init(&ext);
	jw_object1(&ext, "alias", alias);
	rc = conn_ask(ctl, cmd, &ext, reply);
	buf_free(&ext);
	return (rc);
}
