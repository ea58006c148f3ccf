/*
 * roll.c: `runnerctl restart APP --rolling [--max-unavailable N] [-v]`,
 * a rolling restart: one request (runnerd's roll.c restarts the
 * instances a batch at a time and answers at the end), progress on a
 * terminal meanwhile, then a summary ("many: 5 restarted, 2 at a time"),
 * with -v a line per instance first, with --json the reply.  A roll that
 * stopped is runnerd's refusal: its message names the instances that
 * failed, those restarted and those left untouched; exit status 1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerctl.h"

static void	roll_print(struct ctl *, struct json *, int);

/*
 * The reply's lines: -v, each instance restarted (pid, old pid); always
 * those skipped or not running, and the summary.
 */
static void
roll_print(struct ctl *ctl, struct json *r, int verbose)
{
	static const struct {
		const char	*key;
		const char	*words;
	} left[] = {
		{ "not_running", "not running, left alone" },
		{ "skipped", "skipped" },
	};
	char		 alias[256], pid[32], old[32], why[512], app[256];
	long long	 max;
	int		 v, k, e, n;
	size_t		 l;

	if (ctl->json) {
		out_json(r, 0);
		return;
	}
	v = json_get(r, 0, "restarted");
	n = json_len(r, v);
	for (k = 0; verbose && k < n; k++) {
		e = json_at(r, v, k);
		printf("%s restarted (pid %s, was %s)\n",
		    out_value(r, json_get(r, e, "alias"), alias, sizeof(alias)),
		    out_value(r, json_get(r, e, "pid"), pid, sizeof(pid)),
		    out_value(r, json_get(r, e, "old_pid"), old, sizeof(old)));
	}
	for (l = 0; l < sizeof(left) / sizeof(left[0]); l++) {
		v = json_get(r, 0, left[l].key);
		for (k = 0; k < json_len(r, v); k++) {
			e = json_at(r, v, k);
			printf("%s: %s (%s)\n", out_value(r, json_get(r, e,
			    "alias"), alias, sizeof(alias)), left[l].words,
			    out_value(r, json_get(r, e, "error"), why,
			    sizeof(why)));
		}
	}
	if (json_int(r, json_get(r, 0, "max_unavailable"), &max) == -1)
		max = 1;
	if (json_type(r, json_get(r, 0, "app")) == JSON_STRING)
		printf("%s: ", out_value(r, json_get(r, 0, "app"), app,
		    sizeof(app)));
	printf("%d restarted, %lld at a time\n", n, max);
}

/*
 * restart WORD... --rolling: one word that names an app (not one of its
 * instances) rolls the app; otherwise the instances the words name.
 */
int
ctl_restart_rolling(struct ctl *ctl, struct ctl_args *a, int all,
    const char *maxword, int verbose)
{
	struct json	*r;
	struct buf	 ext;
	char		**list, *end;
	long		 max = 1;
	int		 n, rc, app;

	if (maxword != NULL) {
		max = strtol(maxword, &end, 10);
		if (*maxword == '\0' || *end != '\0')
			return (ctl_usage_error(ctl->cmd, "--max-unavailable: "
			    "'%s' is not a whole number", maxword));
	}
	if ((rc = ctl_targets(ctl, a, all, TARGETS_ANY, &list, &n)) != 0)
		return (rc);
	/* An app's name is a word that is not an alias itself. */
	app = !all && a->argc == 1 && !(n == 1 &&
	    strcmp(list[0], a->argv[0]) == 0);
	buf_init(&ext);
	jw_open(&ext, '{');
	jw_key(&ext, "rolling");
	jw_bool(&ext, 1);
	if (maxword != NULL) {
		jw_key(&ext, "max_unavailable");
		jw_int(&ext, max);
	}
	if (app) {
		jw_key(&ext, "app");
		jw_str(&ext, a->argv[0]);
	} else {
		jw_key(&ext, "aliases");
		jw_strings(&ext, list, n);
	}
	jw_close(&ext, '}');
	targets_free(list);
	if (app)
		tick_start(TICK_PROGRESS, "restarting '%s', %ld at a time...",
		    a->argv[0], max);
	else
		tick_start(TICK_PROGRESS, "restarting %d instance%s, %ld at a "
		    "time...", n, n == 1 ? "" : "s", max);
	rc = conn_ask(ctl, "restart", &ext, &r);
	tick_stop();
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	roll_print(ctl, r, verbose);
	json_free(r);
	return (CTL_EXIT_OK);
}
