/*
 * remove.c: `runnerctl rm ALIAS|APP... | --all`, which makes runnerd
 * forget ended instances (stopped, exited, failed): their record, output
 * and log.  An app's name and --all stand for its ended instances (the
 * running ones are not for rm); an alias named is sent as it is.  One
 * request for all, so that runnerd checks every alias before it removes
 * any; it refuses an instance that still runs.
 */

#include <stdio.h>

#include "runnerctl.h"

enum { RM_ALL };
const struct ctl_opt rm_opts[] = {
	[RM_ALL] =	{ "--all", 0, "every ended instance" },
	{ NULL, 0, NULL }
};

/* rm ALIAS|APP... | --all: "c1 removed" for each, or --json the reply. */
int
ctl_rm(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext;
	char		 alias[256], **list;
	int		 i, n, v, rc;

	if ((rc = ctl_targets(ctl, a, a->val[RM_ALL] != NULL, TARGETS_ENDED,
	    &list, &n)) != 0)
		return (rc);
	if (n == 0) {
		targets_free(list);
		if (ctl->json)
			printf("{\"removed\":[]}\n");
		else
			fprintf(stderr, "runnerctl: rm: no ended instances\n");
		return (CTL_EXIT_OK);
	}
	buf_init(&ext);
	jw_open(&ext, '{');
	jw_key(&ext, "aliases");
	jw_open(&ext, '[');
	for (i = 0; i < n; i++)
		jw_str(&ext, list[i]);
	targets_free(list);
	jw_close(&ext, ']');
	jw_close(&ext, '}');
	rc = conn_ask(ctl, "remove", &ext, &r);
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	if (ctl->json)
		out_json(r, 0);
	else {
		v = json_get(r, 0, "removed");
		for (i = 0; i < json_len(r, v); i++)
			printf("%s removed\n", out_value(r, json_at(r, v, i),
			    alias, sizeof(alias)));
	}
	json_free(r);
	return (CTL_EXIT_OK);
}
