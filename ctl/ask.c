/*
 * ask.c: runnerctl ask ALIAS CMD [JSON], runner_ask from the shell.  The
 * connection attaches to the instance (as runnerctl attach does), the
 * tagged request {"tag", "cmd": CMD, "ext": JSON} goes to the instance,
 * and the ext of the reply with the same tag is printed as JSON.  Other
 * lines the instance writes meanwhile, what runnerd had buffered for it
 * included, are skipped, as runner_ask skips them.  The attach is to
 * one process: runnerd closes it when that process exits, so an ask
 * whose instance ends (restarted or not) fails at once, ECLOSED.
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "runnerctl.h"

#define ASK_TIMEOUT	10.0	/* seconds, unless --timeout says */

enum { ASK_TIMEOUT_OPT };
const struct ctl_opt ask_opts[] = {
	[ASK_TIMEOUT_OPT] =	{ "--timeout", 1, "SECONDS: give up "
	    "after SECONDS without a reply (exit 1, ETIMEDOUT)" },
	{ NULL, 0, NULL }
};

/*
 * ask ALIAS CMD [JSON] [--timeout SECONDS]: 0 with the reply's ext on
 * stdout ({} when it had none); 1 when the instance refused ("runnerctl:
 * CODE: message", the code its reply named), did not answer in time
 * (ETIMEDOUT) or ended first (ECLOSED); 2 for a bad command line (JSON
 * included); 3 without runnerd.
 */
int
ctl_ask(struct ctl *ctl, struct ctl_args *a)
{
	const char	*alias = a->argv[0], *cmd = a->argv[1];
	const char	*ext = a->argc > 2 ? a->argv[2] : NULL;
	struct json	*r;
	char		 why[256], msg[512], *reply = NULL;
	double		 secs = ASK_TIMEOUT;
	long long	 pid;
	int		 rc;

	if (a->val[ASK_TIMEOUT_OPT] != NULL &&
	    parse_seconds(a->val[ASK_TIMEOUT_OPT], &secs) == -1)
		return (ctl_usage_error(ctl->cmd, "bad --timeout '%s': "
		    "expected seconds", a->val[ASK_TIMEOUT_OPT]));
	if (ext != NULL && json_valid(ext, strlen(ext), why,
	    sizeof(why)) == -1)
		return (ctl_usage_error(ctl->cmd, "'%s' is not JSON: %s", ext,
		    why));
	if ((rc = conn_ask_alias(ctl, "attach", alias, &r)) != 0)
		return (rc);
	/*
	 * No process (it ended, or waits to restart): nothing would read
	 * the request, and runnerd ends such an attach once it has sent
	 * what it buffered.  Said at once, and in words.
	 */
	if (json_int(r, json_get(r, 0, "pid"), &pid) == 0 && pid == 0) {
		json_free(r);
		snprintf(msg, sizeof(msg), "'%s' has no process to answer "
		    "'%s' (it ended, or waits to restart)", alias, cmd);
		return (conn_refuse(ctl, "ECLOSED", msg));
	}
	json_free(r);
	/* From here on the connection is the instance's stream. */
	rpc_attached(ctl->h);
	rc = runner_ask(ctl->h, cmd, ext, secs * 1000 < INT_MAX ?
	    (int)(secs * 1000) : INT_MAX, &reply);
	if (rc == 0) {
		printf("%s\n", reply != NULL ? reply : "{}");
		free(reply);
		return (CTL_EXIT_OK);
	}
	if (conn_replied(ctl))
		return (conn_fail(ctl, rc));
	if (rc == RUNNER_ETIMEDOUT)
		snprintf(msg, sizeof(msg), "'%s' did not answer '%s' within "
		    "%g s", alias, cmd, secs);
	else if (rc == RUNNER_ECLOSED)
		snprintf(msg, sizeof(msg), "'%s' ended before it answered "
		    "'%s'", alias, cmd);
	else
		return (conn_fail(ctl, rc));
	return (conn_refuse(ctl, runner_code_name(rc), msg));
}
