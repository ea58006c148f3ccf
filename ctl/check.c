/*
 * check.c: `runnerctl status --check [-q] [ALIAS|APP...]`, the probe
 * command of container engines (Docker's HEALTHCHECK, Kubernetes'
 * liveness and readiness probes, Nomad's script checks).  It asks
 * runnerd for every instance once and judges each one named (an app's
 * name: all of its instances; no word: every instance): exit 0 when all
 * are running and ready, and healthy where the app has a probe; else 1,
 * naming the first that is not and why.  3 when no runnerd answers: it
 * never starts one (a probe that started the daemon it checks would
 * hide the failure it is there to report).
 *
 * With no word, an instance that ended by itself with status 0 (a task
 * such as a migration that ran to completion) is passed over rather
 * than failed; named, it fails as any instance that is not running.
 * With no instance left to judge the answer is 1, "no instances": a
 * container running nothing is not healthy.
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

/*
 * A probe must end: runnerd stopped or stuck answers nothing, and an
 * unbounded check would pile up under a scheduler that sets no timeout
 * of its own (a Nomad script check, cron): exit 3 after this long.
 */
#define CHECK_TIMEOUT_MS	5000

static int	 check_completed(struct json *, int);
static int	 check_one(struct json *, int, char *, size_t);
static int	 check_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* "runnerctl: why", escaped (names come from the user); exit status 1. */
static int
check_fail(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	out_warnv(NULL, fmt, ap);
	va_end(ap);
	return (CTL_EXIT_REFUSED);
}

/* Did instance node in end by itself with status 0 (a finished task)? */
static int
check_completed(struct json *r, int in)
{
	long long	 code;

	return (json_streq(r, json_get(r, in, "state"), "exited") &&
	    json_int(r, json_get(r, json_get(r, in, "last_exit"), "code"),
	    &code) == 0 && code == 0);
}

/*
 * Is instance node in of a status reply running, ready and (with a
 * probe) healthy?  0, else -1 with why in words ("is starting (waiting
 * for db (healthy))").  A state runnerd may add later is not judged
 * ready: the check fails closed.
 */
static int
check_one(struct json *r, int in, char *why, size_t len)
{
	char	 state[32], what[512], h[32];
	int	 hv, last;

	out_value(r, json_get(r, in, "state"), state, sizeof(state));
	hv = json_get(r, in, "health");
	if (strcmp(state, "running") == 0) {
		/* No probe: running is ready (the app's `ready` was met). */
		if (json_type(r, hv) != JSON_OBJECT)
			return (0);
		out_value(r, json_get(r, hv, "state"), h, sizeof(h));
		if (strcmp(h, "healthy") == 0)
			return (0);
		last = json_get(r, json_get(r, hv, "last"), "error");
		if (strcmp(h, "unhealthy") == 0 && last != -1)
			snprintf(why, len, "is unhealthy: probe failed (%s)",
			    out_value(r, last, what, sizeof(what)));
		else if (strcmp(h, "unhealthy") == 0)
			snprintf(why, len, "is unhealthy");
		else
			snprintf(why, len, "is running but not healthy yet "
			    "(health %s: no probe has passed)", h);
		return (-1);
	}
	if (strcmp(state, "waiting") == 0)
		snprintf(why, len, "is starting (waiting for %s)",
		    out_value(r, json_get(r, in, "waiting_for"), what,
		    sizeof(what)));
	else if (strcmp(state, "starting") == 0)
		snprintf(why, len, "is starting (not ready yet)");
	else if (json_type(r, json_get(r, in, "reason")) == JSON_STRING)
		snprintf(why, len, "is %s: %s", state, out_value(r,
		    json_get(r, in, "reason"), what, sizeof(what)));
	else if (strcmp(state, "backoff") == 0)
		snprintf(why, len, "is not running: it waits to restart "
		    "(last exit %s)", out_exit(r, json_get(r, in,
		    "last_exit"), what, sizeof(what)));
	else
		snprintf(why, len, "is %s", state);
	return (-1);
}

/*
 * status --check [-q] [ALIAS|APP...]: the exit status says; stdout gets
 * one line on success, stderr the first failure.  With quiet, nothing at
 * all: stderr goes to /dev/null first, so that what conn.c says (no
 * runnerd at ..., a refusal) is silenced as well as our own words.
 */
int
ctl_status_check(struct ctl *ctl, struct ctl_args *a, int quiet)
{
	struct json	*r;
	char		 why[1024], alias[256];
	int		*idx, i, j, m, v, fd, n = 0, done = 0, rc;

	if (quiet && (fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	ctl->autostart = 0;
	/* A runnerd that does not answer (stopped, stuck) is not healthy. */
	ctl->timeout_ms = CHECK_TIMEOUT_MS;
	if ((rc = targets_list(ctl, &r)) != 0)
		return (rc);
	v = json_get(r, 0, "instances");
	idx = out_oom(calloc((size_t)json_len(r, v) + 1, sizeof(*idx)));
	for (i = 0; rc == 0 && (i == 0 || i < a->argc); i++) {
		m = targets_match(r, a->argc > 0 ? a->argv[i] : NULL, idx);
		if (m == 0 && a->argc > 0)
			rc = check_fail("no instance named %s", a->argv[i]);
		for (j = 0; rc == 0 && j < m; j++) {
			if (a->argc == 0 && check_completed(r, idx[j])) {
				done++;
				continue;
			}
			n++;
			if (check_one(r, idx[j], why, sizeof(why)) == -1)
				rc = check_fail("%s %s", out_value(r,
				    json_get(r, idx[j], "alias"), alias,
				    sizeof(alias)), why);
		}
	}
	if (rc == 0 && n == 0 && done > 0)
		rc = check_fail("no instances running (%d completed)", done);
	else if (rc == 0 && n == 0)
		rc = check_fail("no instances");
	if (rc == 0 && !quiet)
		printf("%d instance%s running and ready\n", n,
		    n == 1 ? "" : "s");
	free(idx);
	json_free(r);
	return (rc);
}
