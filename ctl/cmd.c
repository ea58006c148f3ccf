/*
 * cmd.c: the commands that manage instances: start, stop, restart, kill
 * and status.  Each builds the request's ext with the JSON writer, asks once
 * (status once per alias), and prints either human text or, with --json,
 * the reply's ext.  The byte-moving commands are in io.c, those about
 * runnerd itself and its configuration in daemon.c.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

enum { START_ALIAS, START_SOCKET, START_CWD, START_STRICT, START_NOAUTO,
    START_WAIT, START_NOWAIT };
const struct ctl_opt start_opts[] = {
	[START_ALIAS] =		{ "--alias", 1 },
	[START_SOCKET] =	{ "--socket", 1 },
	[START_CWD] =		{ "--cwd", 1 },
	[START_STRICT] =	{ "--strict", 0 },
	[START_NOAUTO] =	{ "--no-autostart", 0 },
	[START_WAIT] =		{ "--wait", 0 },	/* the default now */
	[START_NOWAIT] =	{ "--no-wait", 0 },
	{ NULL, 0 }
};

enum { STATUS_WATCH };
const struct ctl_opt status_opts[] = {
	[STATUS_WATCH] =	{ "-w", 0 },
	{ NULL, 0 }
};

#define STATUS_WATCH_INTERVAL	1	/* seconds between -w refreshes */

enum { STOP_ALL };
const struct ctl_opt stop_opts[] = {
	[STOP_ALL] =		{ "--all", 0 },
	{ NULL, 0 }
};

enum { KILL_SIGNAL };
const struct ctl_opt kill_opts[] = {
	[KILL_SIGNAL] =		{ "-s", 1 },
	{ NULL, 0 }
};

static int	 ctl_started(struct ctl *, struct json *, const char *);
static const char *status_colour(const char *);
static int	 status_once(struct ctl *, struct ctl_args *);
static void	 ctl_status_rows(struct json *);

/*
 * Print a start or restart reply: "c1 started (pid 1234)", "c1 starting
 * (pid 1234)" when not yet ready, "started web-1 web-2" for an app of
 * several instances.
 */
static int
ctl_started(struct ctl *ctl, struct json *r, const char *verb)
{
	char	 alias[256], pid[32];
	int	 started = 1, v, k;

	if (ctl->json)
		out_json(r, 0);
	else if (json_type(r, v = json_get(r, 0, "started")) == JSON_ARRAY) {
		printf("%s", json_len(r, v) > 0 ? "started" :
		    "all already running");
		for (k = 0; k < json_len(r, v); k++)
			printf(" %s", out_value(r, json_at(r, v, k), alias,
			    sizeof(alias)));
		printf("\n");
	} else {
		json_bool(r, v, &started);
		if (started && json_streq(r, json_get(r, 0, "state"),
		    "starting"))
			verb = "starting";
		printf("%s %s (pid %s)\n",
		    out_value(r, json_get(r, 0, "alias"), alias, sizeof(alias)),
		    started ? verb : "already running",
		    out_value(r, json_get(r, 0, "pid"), pid, sizeof(pid)));
	}
	json_free(r);
	return (CTL_EXIT_OK);
}

/*
 * start APP [--alias A] [--socket P] [--cwd D] [--strict] [--no-wait]
 * [-- ARGS]: answered once the instance is ready by its `ready` setting,
 * as librunner's starts are; --no-wait, once exec succeeded.
 */
int
ctl_start(struct ctl *ctl, struct ctl_args *a)
{
	struct rpc_start req = { .app = a->argv[0] };
	struct json	*r;
	struct buf	 ext;
	char		*cwd = NULL;
	int		 rc;

	ctl->autostart = a->val[START_NOAUTO] == NULL;
	req.alias = a->val[START_ALIAS];
	/* extra runs to the end of the operands, which end with NULL. */
	req.args = a->nextra > 0 ? (const char *const *)a->extra : NULL;
	/* A socket path stays relative to the app's cwd, as in the file. */
	req.socket = a->val[START_SOCKET];
	if (a->val[START_CWD] != NULL)
		req.cwd = cwd = parse_path(a->val[START_CWD], 1);
	req.strict = a->val[START_STRICT] != NULL ? 1 : -1;
	req.wait = a->val[START_NOWAIT] != NULL ? 0 : 1;
	buf_init(&ext);
	rpc_start_req(&ext, &req);
	rc = conn_ask(ctl, "start", &ext, &r);
	buf_free(&ext);
	free(cwd);
	return (rc != 0 ? rc : ctl_started(ctl, r, "started"));
}

/* stop ALIAS... | --all: one request, so the daemon checks all first. */
int
ctl_stop(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext;
	char		 alias[256];
	int		 i, v, rc;

	if (a->val[STOP_ALL] != NULL && a->argc > 0)
		return (ctl_usage_error(ctl->cmd, "aliases or --all, not both"));
	if (a->val[STOP_ALL] == NULL && a->argc == 0)
		return (ctl_usage_error(ctl->cmd, "no alias (or --all)"));
	buf_init(&ext);
	jw_open(&ext, '{');
	if (a->val[STOP_ALL] != NULL) {
		jw_key(&ext, "all");
		jw_bool(&ext, 1);
	} else {
		jw_key(&ext, "aliases");
		jw_open(&ext, '[');
		for (i = 0; i < a->argc; i++)
			jw_str(&ext, a->argv[i]);
		jw_close(&ext, ']');
	}
	jw_close(&ext, '}');
	rc = conn_ask(ctl, "stop", &ext, &r);
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	if (ctl->json)
		out_json(r, 0);
	else {
		v = json_get(r, 0, "stopped");
		for (i = 0; i < json_len(r, v); i++)
			printf("%s stopped\n", out_value(r, json_at(r, v, i),
			    alias, sizeof(alias)));
	}
	json_free(r);
	return (CTL_EXIT_OK);
}

/* restart ALIAS */
int
ctl_restart(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	int		 rc;

	rc = conn_ask_alias(ctl, "restart", a->argv[0], &r);
	return (rc != 0 ? rc : ctl_started(ctl, r, "restarted"));
}

/*
 * kill [-s SIGNAL] ALIAS...: as kill(1), the signal (TERM by default)
 * goes to each alias in turn, and a refusal does not stop the others:
 * each is said, and the exit status is 1.  Only losing runnerd ends it
 * early.  The name is checked here, so that a typo is a usage error
 * before anything is sent; runnerd gets the number.
 */
int
ctl_kill(struct ctl *ctl, struct ctl_args *a)
{
	const char	*name = a->val[KILL_SIGNAL];
	struct json	*r;
	struct buf	 ext;
	char		 alias[256], pid[32], sig[32];
	int		 signo, i, v, rc, worst = CTL_EXIT_OK;

	if (name == NULL)
		name = "TERM";
	if ((signo = signal_from_name(name)) == -1 || signo >= NSIG)
		return (ctl_usage_error(ctl->cmd, "unknown signal '%s'", name));
	for (i = 0; i < a->argc; i++) {
		buf_init(&ext);
		rpc_signal_req(&ext, a->argv[i], signo);
		rc = conn_ask(ctl, "signal", &ext, &r);
		buf_free(&ext);
		if (rc == CTL_EXIT_NODAEMON)
			return (rc);
		if (rc != 0) {
			worst = rc;
			continue;
		}
		v = json_get(r, 0, "signal");
		if (ctl->json)
			out_json(r, 0);
		else
			printf("%s%s sent to %s (pid %s)\n",
			    json_type(r, v) == JSON_NUMBER ? "signal " : "",
			    out_value(r, v, sig, sizeof(sig)),
			    out_value(r, json_get(r, 0, "alias"), alias,
			    sizeof(alias)),
			    out_value(r, json_get(r, 0, "pid"), pid,
			    sizeof(pid)));
		json_free(r);
	}
	return (worst);
}

/* The status table, from {"instances": [...]}. */
static void
ctl_status_rows(struct json *r)
{
	static const char *const head[] = { "ALIAS", "APP", "PID", "STATE",
	    "UPTIME", "RESTARTS", "LAST-EXIT", "REASON", NULL };
	static const char *const head_ok[] = { "ALIAS", "APP", "PID",
	    "STATE", "UPTIME", "RESTARTS", "LAST-EXIT", NULL };
	struct table	*t;
	const char	*row[8];
	char		 alias[256], app[256], pid[32], state[32], up[32];
	char		 restarts[32], last[64], reason[512];
	long long	 n;
	double		 due;
	int		 v, in, i, failed = 0;

	/* Why a failed one is not running, in a column of its own (16). */
	v = json_get(r, 0, "instances");
	for (i = 0; i < json_len(r, v); i++)
		failed |= json_streq(r, json_get(r, json_at(r, v, i), "state"),
		    "failed");
	t = table_new(failed ? head : head_ok);
	for (i = 0; i < json_len(r, v); i++) {
		in = json_at(r, v, i);
		row[0] = out_value(r, json_get(r, in, "alias"), alias,
		    sizeof(alias));
		row[1] = out_value(r, json_get(r, in, "app"), app, sizeof(app));
		row[2] = out_value(r, json_get(r, in, "pid"), pid, sizeof(pid));
		row[3] = out_value(r, json_get(r, in, "state"), state,
		    sizeof(state));
		/* backoff: say when, "backoff 1.5s". */
		if (json_double(r, json_get(r, in, "next_restart"), &due) == 0)
			snprintf(state, sizeof(state), "backoff %.1fs", due);
		/* pid 0: not running, so no pid and no uptime to show. */
		if (json_int(r, json_get(r, in, "pid"), &n) == 0 && n == 0)
			row[2] = row[4] = "-";
		else
			row[4] = out_uptime(r, json_get(r, in, "uptime"), up,
			    sizeof(up));
		row[5] = out_value(r, json_get(r, in, "restarts"), restarts,
		    sizeof(restarts));
		row[6] = out_exit(r, json_get(r, in, "last_exit"), last,
		    sizeof(last));
		/* What its exit left running, killed then (protocol 6). */
		if (json_int(r, json_get(r, in, "left_behind"), &n) == 0 &&
		    n > 0)
			snprintf(last + strlen(last), sizeof(last) -
			    strlen(last), " (left %lld, killed)", n);
		row[7] = "";
		if (json_streq(r, json_get(r, in, "state"), "failed"))
			row[7] = out_value(r, json_get(r, in, "reason"), reason,
			    sizeof(reason));
		table_add(t, row);
		table_colour(t, 3, status_colour(state));
	}
	table_print(t, stdout);
	table_free(t);
}

/*
 * The colour of a state: green runs, yellow changes, red failed, dim
 * ended (exited, stopped).
 */
static const char *
status_colour(const char *state)
{
	if (strcmp(state, "running") == 0)
		return ("32");
	if (strcmp(state, "failed") == 0)
		return ("1;31");
	if (strcmp(state, "exited") == 0 || strcmp(state, "stopped") == 0)
		return ("2");
	return ("33");
}

/*
 * status [ALIAS...] -w: the table again every second, in place on a
 * terminal (the screen cleared first), one after another elsewhere;
 * until interrupted, or until runnerd goes away.
 */
int
ctl_status(struct ctl *ctl, struct ctl_args *a)
{
	int	 tty = isatty(STDOUT_FILENO), rc;

	if (a->val[STATUS_WATCH] == NULL)
		return (status_once(ctl, a));
	for (;;) {
		if (tty)
			printf("\033[H\033[2J");
		if ((rc = status_once(ctl, a)) != 0)
			return (rc);
		if (!tty)
			printf("\n");
		if (fflush(stdout) == EOF)
			return (CTL_EXIT_REFUSED);
		sleep(STATUS_WATCH_INTERVAL);
	}
}

/*
 * status [ALIAS...]: all instances, or one request per alias gathered
 * into one {"instances": [...]}, so the output has one shape either way
 * and an unknown alias is the daemon's ENOALIAS.
 */
static int
status_once(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r, *all;
	struct buf	 ext, list;
	const char	*raw;
	size_t		 n;
	int		 i, j, v, rc = 0;

	buf_init(&list);
	jw_open(&list, '{');
	jw_key(&list, "instances");
	jw_open(&list, '[');
	for (i = 0; i == 0 || i < a->argc; i++) {
		buf_init(&ext);
		jw_open(&ext, '{');
		if (a->argc > 0) {
			jw_key(&ext, "alias");
			jw_str(&ext, a->argv[i]);
		}
		jw_close(&ext, '}');
		rc = conn_ask(ctl, "status", &ext, &r);
		buf_free(&ext);
		if (rc != 0)
			break;
		v = json_get(r, 0, "instances");
		for (j = 0; j < json_len(r, v); j++) {
			raw = json_raw(r, json_at(r, v, j), &n);
			jw_raw(&list, raw, n);
		}
		json_free(r);
	}
	jw_close(&list, ']');
	jw_close(&list, '}');
	if (rc == 0) {
		if (list.failed || buf_cstr(&list) == NULL)
			out_oom(NULL);
		all = out_oom(json_parse(buf_cstr(&list), buf_used(&list),
		    NULL, 0));
		if (ctl->json)
			out_json(all, 0);
		else
			ctl_status_rows(all);
		json_free(all);
	}
	buf_free(&list);
	return (rc);
}
