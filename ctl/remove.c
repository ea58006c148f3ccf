/*
 * remove.c: `runnerctl rm ALIAS...`, which makes runnerd forget ended
 * instances (stopped, exited, failed): their record, output and log.
 * One request for all, so that runnerd checks every alias before it
 * removes any; it refuses an instance that still runs.
 */

#include <stdio.h>

#include "runnerctl.h"

/* rm ALIAS...: "c1 removed" for each, or with --json the reply. */
int
ctl_rm(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext;
	char		 alias[256];
	int		 i, v, rc;

	buf_init(&ext);
	jw_open(&ext, '{');
	jw_key(&ext, "aliases");
	jw_open(&ext, '[');
	for (i = 0; i < a->argc; i++)
		jw_str(&ext, a->argv[i]);
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
