/*
 * cmd_remove.c: the remove command, which forgets ended instances
 * (stopped, exited, failed) with their output and log.  Ended instances
 * otherwise stay listed (instance.c) until started again.  One that
 * still has a process, or will (backoff), is refused: stop it first, so
 * that remove never kills anything.
 */

#include <stdlib.h>

#include "runnerd.h"

/* Remove instances by alias or aliases; all are checked first. */
void
cmd_remove(struct req *rq)
{
	struct buf	 b;
	struct inst	*i;
	char		**aliases = NULL, *one = NULL;
	size_t		 k, n;

	if (req_str(rq, "alias", 0, &one) == -1 ||
	    req_strings(rq, "aliases", &aliases) == -1)
		goto out;
	if (one == NULL && aliases[0] == NULL) {
		REQ_ERR(rq, RUNNER_EINVAL, "say which: 'alias' or 'aliases'");
		goto out;
	}
	n = one != NULL ? 1 : argv_len(aliases);
	/* Every alias is checked before anything is removed. */
	for (k = 0; k < n; k++) {
		const char *a = one != NULL ? one : aliases[k];

		if ((i = inst_find(a)) == NULL) {
			REQ_ERR(rq, RUNNER_ENOALIAS, "no instance named '%s'",
			    a);
			goto out;
		}
		if (!inst_ended(i)) {
			REQ_ERR(rq, RUNNER_EEXIST, "'%s' is %s%s: stop it "
			    "first", a, i->state == INST_BACKOFF ? "waiting "
			    "to restart" : inst_state_name(i->state),
			    i->pid > 0 ? " (it has a process)" : "");
			goto out;
		}
	}
	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "removed");
	jw_open(&b, '[');
	for (k = 0; k < n; k++) {
		const char *a = one != NULL ? one : aliases[k];

		/* An alias named twice is gone the second time. */
		if ((i = inst_find(a)) == NULL)
			continue;
		jw_str(&b, a);
		inst_forget(i);
	}
	jw_close(&b, ']');
	jw_close(&b, '}');
	req_reply(rq, &b);
out:
	free(one);
	argv_free(aliases);
}
