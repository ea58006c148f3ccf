/*
 * rpc.c: the client side of runnerd's control protocol (lib/proto.h),
 * one for the library's daemon backend (remote.c) and for runnerctl
 * (ctl/conn.c): dial the socket, call (a tagged request and its reply,
 * the reply's ext parsed once), tell a refusal from a failed connection,
 * and build the requests both send.  What each does with a failure
 * (the runner's error, or a message and an exit status) stays theirs.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rpc.h"

#define RPC_BUSY_TRIES	50		/* connects while the backlog is full */
#define RPC_BUSY_NSEC	20000000L	/* ... this far apart (1 s in all) */

/*
 * Connect to runnerd at target: a socket's path (or unix://PATH), riding
 * out a full listen backlog (a UNIX socket says EAGAIN then, rather
 * than make us wait, and runnerd drains it quickly); or ssh://..., a
 * socketpair to an ssh running `runnerctl dial-stdio` there (ssh.c),
 * with *ssh its pid for rpc_handle (else 0).  A close-on-exec fd, or
 * -1 with errno.
 */
int
rpc_dial(const char *target, pid_t *ssh)
{
	struct timespec	 ts = { 0, RPC_BUSY_NSEC };
	char		 err[RUNNER_ERRMSG_MAX];
	int		 fd, i;

	*ssh = 0;
	if (ssh_url(target))
		return (ssh_dial(target, ssh, err, sizeof(err)));
	target = rpc_local(target);
	for (i = 0; i < RPC_BUSY_TRIES; i++) {
		if ((fd = sock_connect(target)) != -1 || errno != EAGAIN)
			return (fd);
		nanosleep(&ts, NULL);
	}
	return (-1);
}

/* A local target's socket path: unix:///p is /p. */
const char *
rpc_local(const char *target)
{
	return (strncmp(target, "unix://", 7) == 0 ? target + 7 : target);
}

/*
 * A handle on connection fd to runnerd, which it owns, with ssh the
 * pid rpc_dial gave (0: none) to reap when it closes: NULL (fd closed,
 * ssh reaped) if no memory.  Marked as runnerd's (c->daemon): its untagged errors
 * are about the connection (ask.c); one that attaches hands the stream
 * to the instance with rpc_attached.
 */
struct runner_channel *
rpc_handle(int fd, pid_t ssh)
{
	struct runner_channel	*h;
	struct chan		*c;

	if ((c = chan_new(fd)) == NULL) {
		ssh_hangup(fd, ssh);
		errno = ENOMEM;
		return (NULL);
	}
	c->ssh = ssh;
	c->daemon = 1;
	h = chan_handle(c);
	chan_unref(c);		/* the handle holds it now */
	if (h == NULL)
		errno = ENOMEM;
	return (h);
}

/*
 * The attach request on h was answered: from here on the connection is
 * the instance's stream, whose lines (untagged errors included) are the
 * child's, not runnerd's.
 */
void
rpc_attached(struct runner_channel *h)
{
	h->chan->daemon = 0;
}

/*
 * Ask cmd with ext (a JSON object, or NULL) on h and wait up to
 * timeout_ms (-1: runnerd bounds its own waits, ready_timeout and
 * stop_timeout) for the reply.  0 with *reply (when wanted) the reply's
 * ext parsed, never NULL ({} when the reply had none); else a RUNNER_E*
 * code with h's message set, which rpc_refusal classifies.
 */
int
rpc_call(struct runner_channel *h, const char *cmd, struct buf *ext,
    int timeout_ms, struct json **reply)
{
	const char	*req = NULL;
	int		 rc;

	if (reply != NULL)
		*reply = NULL;
	if (ext != NULL && (ext->failed || (req = buf_cstr(ext)) == NULL))
		return (chan_seterr(h, RUNNER_ENOMEM, "out of memory"));
	if ((rc = ask_json(h, cmd, req, timeout_ms, reply)) != 0)
		return (rc);
	if (reply != NULL && json_type(*reply, 0) != JSON_OBJECT) {
		json_free(*reply);
		*reply = NULL;
		return (chan_seterr(h, RUNNER_EPROTO,
		    "a reply to '%s' that is not an object", cmd));
	}
	return (0);
}

/*
 * When the last request on h failed because of the reply, rather than
 * the connection (both can carry the same code: ECLOSED is also
 * runnerd's answer about an ended instance), the reply's message, with
 * its code in code (when given); else NULL.  ask.c writes a reply's
 * error as "CODE: message", or "error: ..." when it named no code, and
 * no connection failure looks like that.
 */
const char *
rpc_refusal(const struct runner_channel *h, char *code, size_t codelen)
{
	const char	*msg = h->errmsg, *why;
	size_t		 n;

	if (strncmp(msg, "error: ", 7) == 0)
		why = msg + 7;
	else {
		n = strspn(msg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (n <= 1 || msg[0] != 'E' || msg[n] != ':' ||
		    msg[n + 1] != ' ')
			return (NULL);
		why = msg + n + 2;
	}
	if (code != NULL && codelen > 0) {
		n = (size_t)(why - 2 - msg);
		if (n >= codelen)
			n = codelen - 1;
		memcpy(code, msg, n);
		code[n] = '\0';
	}
	return (why);
}

/*
 * path as runnerd must see it: runnerd runs in a directory of its own
 * (runnerd -d may change to /), so a relative path is made absolute
 * against our cwd; with resolve, through realpath when it exists (else
 * left for runnerd to report as missing).  Malloc'd, or NULL with errno.
 */
char *
rpc_abspath(const char *path, int resolve)
{
	char	*cwd, *abs;

	if (resolve && (abs = realpath(path, NULL)) != NULL)
		return (abs);
	if (path[0] == '/')
		return (strdup(path));
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return (NULL);
	if (asprintf(&abs, "%s/%s", cwd, path) == -1)
		abs = NULL;
	free(cwd);
	return (abs);
}

/* The ext of a start request, appended to b. */
void
rpc_start_req(struct buf *b, const struct rpc_start *s)
{
	const char *const	*a;

	jw_open(b, '{');
	jw_key(b, "app");
	jw_str(b, s->app);
	if (s->alias != NULL) {
		jw_key(b, "alias");
		jw_str(b, s->alias);
	}
	if (s->args != NULL) {
		jw_key(b, "args");
		jw_open(b, '[');
		for (a = s->args; *a != NULL; a++)
			jw_str(b, *a);
		jw_close(b, ']');
	}
	if (s->socket != NULL) {
		jw_key(b, "socket");
		jw_str(b, s->socket);
	}
	if (s->cwd != NULL) {
		jw_key(b, "cwd");
		jw_str(b, s->cwd);
	}
	if (s->strict != -1) {
		jw_key(b, "strict");
		jw_bool(b, s->strict);
	}
	/* Without wait: answered once exec succeeded, ready or not. */
	if (s->wait != -1) {
		jw_key(b, "wait");
		jw_bool(b, s->wait);
	}
	if (s->forget) {
		jw_key(b, "forget");
		jw_bool(b, 1);
	}
	jw_close(b, '}');
}

/* The ext of a signal request, {"alias", "signal": N}, appended to b. */
void
rpc_signal_req(struct buf *b, const char *alias, int signo)
{
	jw_open(b, '{');
	jw_key(b, "alias");
	jw_str(b, alias);
	jw_key(b, "signal");
	jw_int(b, signo);
	jw_close(b, '}');
}
