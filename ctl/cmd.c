/*
 * cmd.c: the commands that manage instances: start, stop, restart, kill
 * and status.  Their words are aliases or apps' names (targets.c); each
 * builds the request's ext with the JSON writer, asks, and prints either
 * human text (an app of many instances as a count) or, with --json, the
 * reply's ext.  The byte-moving commands are in io.c, those about
 * runnerd itself and its configuration in daemon.c.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

enum { START_ALIAS, START_SOCKET, START_CWD, START_STRICT, START_NOAUTO,
    START_WAIT, START_VERBOSE, START_NOWAIT };
const struct ctl_opt start_opts[] = {
	[START_ALIAS] =		{ "--alias", 1, "A: name the instance A "
	    "(default: APP's name)" },
	[START_SOCKET] =	{ "--socket", 1, "PATH: a socket app's socket "
	    "is PATH (relative to its cwd)" },
	[START_CWD] =		{ "--cwd", 1, "DIR: run the instance in DIR" },
	[START_STRICT] =	{ "--strict", 0, "refuse (EEXIST) when it, or "
	    "any of an app's instances, already runs" },
	[START_NOAUTO] =	{ "--no-autostart", 0, "do not start runnerd "
	    "when none answers" },
	[START_WAIT] =		{ "--wait", 0, "return once the instance is "
	    "ready (the default)" },
	[START_VERBOSE] =	{ "-v", 0, "an app of many instances: a line "
	    "for each, not only the count" },
	[START_NOWAIT] =	{ "--no-wait", 0, "return once exec succeeded, "
	    "not waiting for the app's ready check" },
	{ NULL, 0, NULL }
};

enum { STATUS_WATCH, STATUS_CHECK, STATUS_QUIET };
const struct ctl_opt status_opts[] = {
	[STATUS_WATCH] =	{ "-w", 0, "print the table again every second, "
	    "until interrupted" },
	[STATUS_CHECK] =	{ "--check", 0, "no table: exit 0 when each is "
	    "running, ready and healthy, else 1 naming the first that is "
	    "not (a probe for Docker, Kubernetes, Nomad)" },
	[STATUS_QUIET] =	{ "-q", 0, "with --check: print nothing, the "
	    "exit status says" },
	{ NULL, 0, NULL }
};

#define STATUS_WATCH_INTERVAL	1	/* seconds between -w refreshes */

enum { STOP_ALL, STOP_WITH_DEPENDENTS };
const struct ctl_opt stop_opts[] = {
	[STOP_ALL] =		{ "--all", 0, "every instance" },
	[STOP_WITH_DEPENDENTS] = { "--with-dependents", 0, "and the "
	    "instances that depend on them (first); without it, stopping "
	    "what a running instance depends on is refused (EDEPEND)" },
	{ NULL, 0, NULL }
};
enum { RESTART_ALL, RESTART_ROLLING, RESTART_MAX, RESTART_VERBOSE };
const struct ctl_opt restart_opts[] = {
	[RESTART_ALL] =		{ "--all", 0, "every instance" },
	[RESTART_ROLLING] =	{ "--rolling", 0, "a batch at a time, each "
	    "once the one before is ready" },
	[RESTART_MAX] =		{ "--max-unavailable", 1, "N: with --rolling, "
	    "N instances at a time (default 1)" },
	[RESTART_VERBOSE] =	{ "-v", 0, "with --rolling: a line for each "
	    "instance restarted" },
	{ NULL, 0, NULL }
};

enum { KILL_SIGNAL, KILL_ALL };
const struct ctl_opt kill_opts[] = {
	[KILL_SIGNAL] =		{ "-s", 1, "SIGNAL: the signal, by name (HUP, "
	    "SIGHUP) or number; default TERM" },
	[KILL_ALL] =		{ "--all", 0, "every instance" },
	{ NULL, 0, NULL }
};

static int	 ctl_started(struct ctl *, struct json *, const char *, int);
static void	 ctl_started_many(struct ctl *, struct json *, int, int);
static int	 ctl_each(struct ctl *, struct ctl_args *, int,
		    enum targets_which,
		    int (*)(struct ctl *, const char *, void *), void *);
static int	 restart_one(struct ctl *, const char *, void *);
static int	 kill_one(struct ctl *, const char *, void *);
static const char *status_colour(const char *);
static int	 status_once(struct ctl *, struct ctl_args *);
static void	 ctl_status_rows(struct json *, const int *, int);
static int	 status_pick(struct json *, struct ctl_args *, int **);

/*
 * Print a start or restart reply: "c1 started (pid 1234)", "c1 starting
 * (pid 1234)" when not yet ready; for an app of several instances, see
 * ctl_started_many.
 */
static int
ctl_started(struct ctl *ctl, struct json *r, const char *verb, int verbose)
{
	char	 alias[256], pid[32];
	int	 started = 1, v;

	if (json_type(r, v = json_get(r, 0, "started")) == JSON_ARRAY)
		ctl_started_many(ctl, r, v, verbose);
	else if (ctl->json)
		out_json(r, 0);
	else {
		json_bool(r, v, &started);
		/* Between crashes there is nothing running, nor ready. */
		if (!started && json_streq(r, json_get(r, 0, "state"),
		    "backoff")) {
			fprintf(stderr, "runnerctl: '%s' is not running: it "
			    "waits to restart after its process ended (see "
			    "status)\n", out_value(r, json_get(r, 0, "alias"),
			    alias, sizeof(alias)));
			json_free(r);
			return (CTL_EXIT_REFUSED);
		}
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
 * An app of many instances started: "lots: 1000 started" (-v: and a line
 * for each first); with --json, one {"alias", "app", "started"} a line,
 * never one line of thousands of aliases.
 */
static void
ctl_started_many(struct ctl *ctl, struct json *r, int v, int verbose)
{
	struct buf	 b;
	char		 alias[256], app[256];
	char		*a, *name;
	int		 k, n = json_len(r, v);

	out_value(r, json_get(r, 0, "app"), app, sizeof(app));
	for (k = 0; k < n && (ctl->json || verbose); k++) {
		if (!ctl->json) {
			printf("%s started\n", out_value(r, json_at(r, v, k),
			    alias, sizeof(alias)));
			continue;
		}
		a = out_oom(json_str(r, json_at(r, v, k), NULL));
		name = json_str(r, json_get(r, 0, "app"), NULL);
		buf_init(&b);
		jw_open(&b, '{');
		jw_key(&b, "alias");
		jw_str(&b, a);
		jw_key(&b, "app");
		jw_str(&b, name != NULL ? name : "");
		jw_key(&b, "started");
		jw_bool(&b, 1);
		jw_close(&b, '}');
		if (b.failed || buf_cstr(&b) == NULL)
			out_oom(NULL);
		printf("%s\n", buf_cstr(&b));
		buf_free(&b);
		free(a);
		free(name);
	}
	if (ctl->json)
		return;
	if (n > 0)
		printf("%s: %d started\n", app, n);
	else
		printf("%s: all already running\n", app);
}

/*
 * start APP [--alias A] [--socket P] [--cwd D] [--strict] [--no-wait]
 * [-v] [-- ARGS]: answered once the instance is ready by its `ready`
 * setting, as librunner's starts are; --no-wait, once exec succeeded.
 * At a terminal, a start that takes over a second says so.
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
	tick_start(TICK_PROGRESS, "starting '%s'...", req.alias != NULL ?
	    req.alias : req.app);
	/* Connected first (or runnerd started): then its waiting events. */
	if ((rc = conn_open(ctl)) == 0) {
		deps_watch(ctl, req.alias != NULL ? req.alias : req.app);
		rc = conn_ask(ctl, "start", &ext, &r);
		deps_unwatch();
	}
	tick_stop();
	buf_free(&ext);
	free(cwd);
	return (rc != 0 ? rc : ctl_started(ctl, r, "started",
	    a->val[START_VERBOSE] != NULL));
}

/*
 * The aliases that a command's words (or --all, not both) name, into
 * *list (targets_free) and *n (which: see targets_expand): 0, else the
 * exit status, said.
 */
int
ctl_targets(struct ctl *ctl, struct ctl_args *a, int all,
    enum targets_which which, char ***list, int *n)
{
	int	 rc;

	if (all && a->argc > 0)
		return (ctl_usage_error(ctl->cmd, "aliases or --all, not both"));
	if (!all && a->argc == 0)
		return (ctl_usage_error(ctl->cmd, "no alias (or --all)"));
	*list = targets_expand(ctl, a->argv, a->argc, all, which, n, &rc);
	return (*list == NULL ? rc : 0);
}

/*
 * The words of a command that takes ALIAS|APP... or --all (restart,
 * kill): the aliases they name (targets.c; which says what an app's name
 * and --all stand for), each passed to fn in turn.  As
 * kill(1), a refusal does not stop the others: each is said, and the
 * exit status is 1; only losing runnerd ends it early.
 */
static int
ctl_each(struct ctl *ctl, struct ctl_args *a, int all,
    enum targets_which which, int (*fn)(struct ctl *, const char *, void *), void *arg)
{
	char	**list;
	int	 n, i, rc, worst = CTL_EXIT_OK;

	if ((rc = ctl_targets(ctl, a, all, which, &list, &n)) != 0)
		return (rc);
	if (n == 0)
		fprintf(stderr, "runnerctl: %s --all: no instances\n",
		    ctl->cmd->name);
	for (i = 0; i < n; i++) {
		if ((rc = fn(ctl, list[i], arg)) == CTL_EXIT_NODAEMON) {
			worst = rc;
			break;
		}
		if (rc != 0)
			worst = rc;
	}
	targets_free(list);
	return (worst);
}

/*
 * stop ALIAS|APP... | --all: one request, so the daemon checks all
 * before it stops any; printed in the order of the words.
 */
int
ctl_stop(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext;
	char		**list;
	int		 i, k, n, v, rc, all = a->val[STOP_ALL] != NULL;

	if ((rc = ctl_targets(ctl, a, all, TARGETS_LIVE, &list, &n)) != 0)
		return (rc);
	buf_init(&ext);
	jw_open(&ext, '{');
	if (all) {
		jw_key(&ext, "all");
		jw_bool(&ext, 1);
	} else {
		jw_key(&ext, "aliases");
		jw_strings(&ext, list, n);
		if (a->val[STOP_WITH_DEPENDENTS] != NULL) {
			jw_key(&ext, "with_dependents");
			jw_bool(&ext, 1);
		}
	}
	jw_close(&ext, '}');
	tick_start(TICK_PROGRESS, "stopping %d instance%s...", n,
	    n == 1 ? "" : "s");
	rc = conn_ask(ctl, "stop", &ext, &r);
	tick_stop();
	buf_free(&ext);
	if (rc != 0) {
		targets_free(list);
		return (rc);
	}
	v = json_get(r, 0, "stopped");
	if (ctl->json)
		out_json(r, 0);
	else if (json_len(r, v) == 0)
		fprintf(stderr, "runnerctl: stop --all: no instances\n");
	else {
		/* Ours in our order; any other (--all raced) after them. */
		for (i = 0; i < n; i++)
			for (k = 0; k < json_len(r, v); k++)
				if (json_streq(r, json_at(r, v, k), list[i])) {
					printf("%s stopped\n", list[i]);
					break;
				}
		for (k = 0; k < json_len(r, v); k++) {
			char	 alias[256];

			for (i = 0; i < n && !json_streq(r, json_at(r, v, k),
			    list[i]); i++)
				;
			if (i == n)
				printf("%s stopped\n", out_value(r,
				    json_at(r, v, k), alias, sizeof(alias)));
		}
	}
	json_free(r);
	targets_free(list);
	return (CTL_EXIT_OK);
}

/* restart one alias for ctl_each: the exit status. */
static int
restart_one(struct ctl *ctl, const char *alias, void *arg)
{
	struct json	*r;
	int		 rc;

	(void)arg;
	tick_start(TICK_PROGRESS, "restarting '%s'...", alias);
	rc = conn_ask_alias(ctl, "restart", alias, &r);
	tick_stop();
	return (rc != 0 ? rc : ctl_started(ctl, r, "restarted", 1));
}

/* restart ALIAS|APP... | --all: one after another, or --rolling. */
int
ctl_restart(struct ctl *ctl, struct ctl_args *a)
{
	if (a->val[RESTART_ROLLING] != NULL)
		return (ctl_restart_rolling(ctl, a, a->val[RESTART_ALL] !=
		    NULL, a->val[RESTART_MAX], a->val[RESTART_VERBOSE] !=
		    NULL));
	if (a->val[RESTART_MAX] != NULL)
		return (ctl_usage_error(ctl->cmd, "--max-unavailable is for "
		    "--rolling"));
	return (ctl_each(ctl, a, a->val[RESTART_ALL] != NULL, TARGETS_ANY,
	    restart_one, NULL));
}

/* signal one alias for ctl_each (arg: the signal number). */
static int
kill_one(struct ctl *ctl, const char *alias, void *arg)
{
	struct json	*r;
	struct buf	 ext;
	char		 name[256], pid[32], sig[32];
	int		 v, rc;

	buf_init(&ext);
	rpc_signal_req(&ext, alias, *(int *)arg);
	rc = conn_ask(ctl, "signal", &ext, &r);
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	v = json_get(r, 0, "signal");
	if (ctl->json)
		out_json(r, 0);
	else
		printf("%s%s sent to %s (pid %s)\n",
		    json_type(r, v) == JSON_NUMBER ? "signal " : "",
		    out_value(r, v, sig, sizeof(sig)),
		    out_value(r, json_get(r, 0, "alias"), name, sizeof(name)),
		    out_value(r, json_get(r, 0, "pid"), pid, sizeof(pid)));
	json_free(r);
	return (CTL_EXIT_OK);
}

/*
 * kill [-s SIGNAL] ALIAS|APP... | --all: as kill(1), the signal (TERM by
 * default) goes to each in turn.  The name is checked here, so that a
 * typo is a usage error before anything is sent; runnerd gets the number.
 */
int
ctl_kill(struct ctl *ctl, struct ctl_args *a)
{
	const char	*name = a->val[KILL_SIGNAL];
	int		 signo;

	if (name == NULL)
		name = "TERM";
	if ((signo = signal_from_name(name)) == -1 || signo >= NSIG)
		return (ctl_usage_error(ctl->cmd, "unknown signal '%s'", name));
	return (ctl_each(ctl, a, a->val[KILL_ALL] != NULL, TARGETS_LIVE,
	    kill_one, &signo));
}

/*
 * The status table of the n instance nodes idx of reply r.  HEALTH only
 * when some instance has a probe (protocol 8), REASON only when some
 * failed or was stopped by its probe: a table of plain apps stays as it
 * was.
 */
static void
ctl_status_rows(struct json *r, const int *idx, int n_in)
{
	enum { C_HEALTH = 4, C_REASON = 8, C_ALL = 9 };
	static const char *const cols[C_ALL] = { "ALIAS", "APP", "PID",
	    "STATE", "HEALTH", "UPTIME", "RESTARTS", "LAST-EXIT", "REASON" };
	struct table	*t;
	const char	*head[C_ALL + 1], *full[C_ALL], *row[C_ALL];
	char		 alias[256], app[256], pid[32], state[32], up[32];
	char		 restarts[32], last[64], reason[512], waits[400];
	char		 health[32];
	long long	 n;
	double		 due;
	int		 in, i, k, nc, failed = 0, probed = 0;

	/*
	 * Why a failed one is not running, in a column of its own (16);
	 * what a waiting one waits for in the same (17).
	 */
	for (i = 0; i < n_in; i++) {
		in = idx[i];
		failed |= json_streq(r, json_get(r, in, "state"), "failed") ||
		    json_streq(r, json_get(r, in, "state"), "waiting") ||
		    (json_streq(r, json_get(r, in, "state"), "backoff") &&
		    json_type(r, json_get(r, in, "reason")) == JSON_STRING);
		probed |= json_type(r, json_get(r, in, "health")) ==
		    JSON_OBJECT;
	}
	for (k = nc = 0; k < C_ALL; k++)
		if ((k != C_HEALTH || probed) && (k != C_REASON || failed))
			head[nc++] = cols[k];
	head[nc] = NULL;
	t = table_new(head);
	for (i = 0; i < n_in; i++) {
		in = idx[i];
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
		if (json_streq(r, json_get(r, in, "state"), "failed") ||
		    json_streq(r, json_get(r, in, "state"), "backoff"))
			row[7] = out_value(r, json_get(r, in, "reason"), reason,
			    sizeof(reason));
		else if (json_streq(r, json_get(r, in, "state"), "waiting")) {
			out_value(r, json_get(r, in, "waiting_for"), waits,
			    sizeof(waits));
			snprintf(reason, sizeof(reason), "waits for %s", waits);
			row[7] = reason;
		}
		/*
		 * The probe's verdict; "-" for an app without one, and for
		 * an instance with no process to probe (stopped, ended).
		 */
		k = json_get(r, json_get(r, in, "health"), "state");
		if (json_type(r, k) == JSON_STRING && strcmp(row[2], "-") != 0)
			out_value(r, k, health, sizeof(health));
		else
			snprintf(health, sizeof(health), "-");
		for (k = 0; k < C_HEALTH; k++)
			full[k] = row[k];
		full[C_HEALTH] = health;
		for (k = C_HEALTH; k < 8; k++)
			full[k + 1] = row[k];
		for (k = nc = 0; k < C_ALL; k++)
			if ((k != C_HEALTH || probed) &&
			    (k != C_REASON || failed))
				row[nc++] = full[k];
		table_add(t, row);
		table_colour(t, 3, status_colour(state));
		if (probed)
			table_colour(t, C_HEALTH, status_colour(
			    strcmp(health, "healthy") == 0 ? "running" :
			    strcmp(health, "unhealthy") == 0 ? "failed" :
			    strcmp(health, "-") == 0 ? "exited" : health));
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

	if (a->val[STATUS_CHECK] != NULL && a->val[STATUS_WATCH] != NULL)
		return (ctl_usage_error(ctl->cmd, "--check or -w, not both"));
	if (a->val[STATUS_QUIET] != NULL && a->val[STATUS_CHECK] == NULL)
		return (ctl_usage_error(ctl->cmd, "-q is for --check"));
	if (a->val[STATUS_CHECK] != NULL)
		return (ctl_status_check(ctl, a, a->val[STATUS_QUIET] != NULL));
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
 * status [ALIAS|APP...]: one request for all instances, those the words
 * name picked out (an app's name: all of its instances) in natural
 * order, gathered into one {"instances": [...]} so the output has one
 * shape either way.  A word that names nothing there is asked of the
 * daemon by itself, whose ENOALIAS then names it.
 */
static int
status_once(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r, *one, *all;
	struct buf	 list;
	const char	*raw;
	size_t		 n;
	int		*idx, *pick, i, j, m, v, rc;

	if ((rc = targets_list(ctl, &r)) != 0)
		return (rc);
	/* The table straight from the reply, when it holds them all. */
	if (!ctl->json && (m = status_pick(r, a, &pick)) != -1) {
		ctl_status_rows(r, pick, m);
		free(pick);
		json_free(r);
		return (0);
	}
	v = json_get(r, 0, "instances");
	idx = out_oom(calloc((size_t)json_len(r, v) + 1, sizeof(*idx)));
	buf_init(&list);
	jw_open(&list, '{');
	jw_key(&list, "instances");
	jw_open(&list, '[');
	for (i = 0; rc == 0 && (i == 0 || i < a->argc); i++) {
		m = targets_match(r, a->argc > 0 ? a->argv[i] : NULL, idx);
		for (j = 0; j < m; j++) {
			raw = json_raw(r, idx[j], &n);
			jw_raw(&list, raw, n);
		}
		if (m > 0 || a->argc == 0)
			continue;
		if ((rc = conn_ask_alias(ctl, "status", a->argv[i], &one)) != 0)
			break;
		m = json_get(one, 0, "instances");
		for (j = 0; j < json_len(one, m); j++) {
			raw = json_raw(one, json_at(one, m, j), &n);
			jw_raw(&list, raw, n);
		}
		json_free(one);
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
		else {
			v = json_get(all, 0, "instances");
			pick = out_oom(calloc((size_t)json_len(all, v) + 1,
			    sizeof(*pick)));
			for (j = 0; j < json_len(all, v); j++)
				pick[j] = json_at(all, v, j);
			ctl_status_rows(all, pick, j);
			free(pick);
		}
		json_free(all);
	}
	buf_free(&list);
	free(idx);
	json_free(r);
	return (rc);
}

/*
 * The instance nodes of status reply r that a's words name, in the
 * words' order, each word's in natural order (status_once's order), into
 * *pick (free it): their count; -1 when some word names nothing there,
 * to be asked of runnerd by itself.  The table is then made from r as
 * it is: a status of 1000 instances was copied into a second document
 * and parsed again (fast20).
 */
static int
status_pick(struct json *r, struct ctl_args *a, int **pick)
{
	int	 v = json_get(r, 0, "instances"), ninst, i, m, n = 0;

	ninst = json_len(r, v);
	*pick = out_oom(calloc((size_t)ninst * (size_t)(a->argc > 0 ?
	    a->argc : 1) + 1, sizeof(**pick)));
	for (i = 0; i == 0 || i < a->argc; i++) {
		m = targets_match(r, a->argc > 0 ? a->argv[i] : NULL,
		    *pick + n);
		if (m == 0 && a->argc > 0) {
			free(*pick);
			*pick = NULL;
			return (-1);
		}
		n += m;
	}
	return (n);
}
