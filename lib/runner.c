/*
 * runner.c: the public entry points.  Each checks its arguments, clears
 * the last error and hands over to the backend (local.c in-process, or
 * remote.c through runnerd), so both backends share one set of checks
 * and one error vocabulary.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

/* Keep code and its message on r; returns code. */
int
runner_seterr(struct runner *r, int code, const char *fmt, ...)
{
	va_list	 ap;

	r->errcode = code;
	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
	return (code);
}

/* Clear the last error before a call. */
static void
runner_clear(struct runner *r)
{
	r->errcode = 0;
	r->errmsg[0] = '\0';
}

/* A runner whose instances are this program's own children. */
struct runner *
runner_new(void)
{
	struct runner	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->ops = &local_ops;
	if ((r->backend = local_new()) == NULL) {
		free(r);
		return (NULL);
	}
	return (r);
}

/*
 * A runner backed by runnerd at socket (NULL: the default path).  NULL
 * with errno set when no runnerd answers there (ENOENT, ECONNREFUSED,
 * ...): the library never starts a daemon itself, since where it should
 * run, with what configuration and for how long is the program's call.
 */
struct runner *
runner_connect(const char *socket)
{
	struct runner	*r;
	int		 saved;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->ops = &remote_ops;
	if ((r->backend = remote_new(socket)) == NULL) {
		saved = errno;
		free(r);
		errno = saved;
		return (NULL);
	}
	return (r);
}

/* Stop what the runner started (in-process) and free it; handles live on. */
void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	r->ops->free(r);
	free(r);
}

/* The last error in words ("" when the last call succeeded). */
const char *
runner_errmsg(const struct runner *r)
{
	return (r == NULL ? "no runner" : r->errmsg);
}

/* The last error's code (0 when the last call succeeded). */
int
runner_errcode(const struct runner *r)
{
	return (r == NULL ? RUNNER_EINVAL : r->errcode);
}

/* Replace the configuration with the file at path, checked whole first. */
int
runner_load_config(struct runner *r, const char *path)
{
	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	if (path == NULL || *path == '\0')
		return (runner_seterr(r, RUNNER_EINVAL, "no configuration "
		    "file given"));
	return (r->ops->load_config(r, path));
}

/* Replace the configuration with libconfig text, checked whole first. */
int
runner_update_config(struct runner *r, const char *text)
{
	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	if (text == NULL)
		return (runner_seterr(r, RUNNER_EINVAL, "no configuration "
		    "text given"));
	/* One bound for both backends: runnerd takes it on one line. */
	if (strlen(text) > RUNNER_CONFIG_TEXT_MAX)
		return (runner_seterr(r, RUNNER_EINVAL, "configuration text of "
		    "%zu bytes: at most %d KiB (a bigger one goes in a file: "
		    "runner_load_config)", strlen(text),
		    RUNNER_CONFIG_TEXT_MAX / 1024));
	return (r->ops->update_config(r, text));
}

/*
 * Aliases appear in file names, command lines and the protocol, so keep
 * them to a safe alphabet: letters, digits and . _ - : @ +, at most 64.
 * Not a leading '-': on a command line it would read as an option.
 */
int
alias_check(const char *alias, char *err, size_t errlen)
{
	size_t	 n = strspn(alias, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@+");

	if (*alias == '\0' || alias[n] != '\0' || n > RUNNER_ALIAS_MAX) {
		snprintf(err, errlen, "invalid alias '%.80s': use 1 to 64 "
		    "letters, digits and . _ - : @ +", alias);
		return (-1);
	}
	if (*alias == '-') {
		snprintf(err, errlen, "invalid alias '%.80s': it must not "
		    "start with '-' (it would read as an option)", alias);
		return (-1);
	}
	return (0);
}

/* Check what start and ensure_running share, then start. */
static int
runner_start_common(struct runner *r, const char *app,
    const struct runner_start *opts, int strict)
{
	char	 err[RUNNER_ERRMSG_MAX];

	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	if (app == NULL || *app == '\0')
		return (runner_seterr(r, RUNNER_EINVAL, "no app name given"));
	if (alias_check(opts != NULL && opts->alias != NULL ? opts->alias :
	    app, err, sizeof(err)) == -1)
		return (runner_seterr(r, RUNNER_EINVAL, "%s", err));
	return (r->ops->start(r, app, opts, strict));
}

/* Start app unless its alias runs: 0 started, RUNNER_RUNNING, or error. */
int
runner_ensure_running(struct runner *r, const char *app,
    const struct runner_start *opts)
{
	return (runner_start_common(r, app, opts, 0));
}

/* Start app; RUNNER_EEXIST when the alias already runs. */
int
runner_start(struct runner *r, const char *app,
    const struct runner_start *opts)
{
	return (runner_start_common(r, app, opts, 1));
}

/* Stop the instance under alias and forget it. */
int
runner_terminate(struct runner *r, const char *alias)
{
	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	if (alias == NULL || *alias == '\0')
		return (runner_seterr(r, RUNNER_EINVAL, "no alias given"));
	return (r->ops->terminate(r, alias));
}

/*
 * Send signo to alias's main process.  The number is checked here, so
 * that both backends refuse the same ones: 0 would only probe, and
 * kill(2) takes nothing at or past NSIG.
 */
int
runner_signal(struct runner *r, const char *alias, int signo)
{
	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	if (alias == NULL || *alias == '\0')
		return (runner_seterr(r, RUNNER_EINVAL, "no alias given"));
	if (signo <= 0 || signo >= NSIG)
		return (runner_seterr(r, RUNNER_EINVAL, "invalid signal number "
		    "%d: use 1 to %d", signo, NSIG - 1));
	return (r->ops->signal(r, alias, signo));
}

/* A new handle on a channel to alias, through the backend's open. */
static struct runner_channel *
runner_channel_open(struct runner *r, const char *alias,
    struct chan *(*open)(struct runner *, const char *))
{
	struct runner_channel	*h;
	struct chan		*c;

	if (r == NULL)
		return (NULL);
	runner_clear(r);
	if (alias == NULL || *alias == '\0') {
		runner_seterr(r, RUNNER_EINVAL, "no alias given");
		return (NULL);
	}
	if ((c = open(r, alias)) == NULL)
		return (NULL);
	chan_name(c, alias);
	if ((h = chan_handle(c)) == NULL)
		runner_seterr(r, RUNNER_ENOMEM, "out of memory");
	chan_unref(c);		/* the backend's reference for us: h has it */
	return (h);
}

/* A new handle on alias's channel, or NULL (see runner_errcode). */
struct runner_channel *
runner_get_channel(struct runner *r, const char *alias)
{
	return (runner_channel_open(r, alias, r != NULL ? r->ops->channel :
	    NULL));
}

/* A channel on the instance's own descriptor, bypassing runnerd. */
struct runner_channel *
runner_get_channel_direct(struct runner *r, const char *alias)
{
	return (runner_channel_open(r, alias, r != NULL ?
	    r->ops->channel_direct : NULL));
}

/*
 * The bytes of a struct runner_status of version v that the library
 * fills: all of its own for v at or past RUNNER_STATUS_VERSION.  A later
 * version appends fields; its size table grows here.
 */
static size_t
status_size(int v)
{
	if (v < 2)
		return (offsetof(struct runner_status, health));
	return (sizeof(struct runner_status));
}

/* How alias is, into st (st->version set by the caller; see runner.h). */
int
runner_status(struct runner *r, const char *alias, struct runner_status *st)
{
	struct runner_status	 full;
	int			 rc, v;

	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	if (alias == NULL || *alias == '\0')
		return (runner_seterr(r, RUNNER_EINVAL, "no alias given"));
	if (st == NULL || st->version < 1)
		return (runner_seterr(r, RUNNER_EINVAL, "no status version "
		    "given: set version to RUNNER_STATUS_VERSION"));
	v = st->version < RUNNER_STATUS_VERSION ? st->version :
	    RUNNER_STATUS_VERSION;
	memset(&full, 0, sizeof(full));
	if ((rc = r->ops->status(r, alias, &full)) != 0)
		return (rc);
	full.version = v;
	memcpy(st, &full, status_size(v));
	return (0);
}

/* The descriptor that polls readable when events wait (the runner's). */
int
runner_events_fd(struct runner *r)
{
	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	return (r->ops->events_fd(r));
}

/* The bytes of a struct runner_event of version v: as status_size. */
static size_t
event_size(int v)
{
	if (v < 2)
		return (offsetof(struct runner_event, health));
	return (sizeof(struct runner_event));
}

/* The oldest event into ev: 1, 0 when none waits, or an error code. */
int
runner_next_event(struct runner *r, struct runner_event *ev)
{
	struct runner_event	 full;
	int			 rc, v;

	if (r == NULL)
		return (RUNNER_EINVAL);
	runner_clear(r);
	if (ev == NULL || ev->version < 1)
		return (runner_seterr(r, RUNNER_EINVAL, "no event version "
		    "given: set version to RUNNER_EVENT_VERSION"));
	v = ev->version < RUNNER_EVENT_VERSION ? ev->version :
	    RUNNER_EVENT_VERSION;
	/* A caller of version 1 does not know HEALTH: it never sees one. */
	do {
		memset(&full, 0, sizeof(full));
		if ((rc = r->ops->next_event(r, &full)) != 1)
			return (rc);
	} while (full.kind == RUNNER_EVENT_HEALTH && v < 2);
	full.version = v;
	memcpy(ev, &full, event_size(v));
	return (1);
}
