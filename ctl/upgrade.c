/*
 * upgrade.c: `runnerctl upgrade [--binary PATH]`: runnerd executes a new
 * binary (or its own again) in place, keeping its pid, instances,
 * channels and clients (runnerd/upgrade.c).  The answer comes from the
 * new runnerd; a refusal (EUPGRADE) means the old one runs on unchanged.
 */

#include <stdio.h>
#include <stdlib.h>

#include "runnerctl.h"

enum { UPGRADE_BINARY };

const struct ctl_opt upgrade_opts[] = {
	[UPGRADE_BINARY] = { "--binary", 1, "PATH: the runnerd to execute "
	    "(default: runnerd's own binary, as it was started)" },
	{ NULL, 0, NULL }
};

int
ctl_upgrade(struct ctl *ctl, struct ctl_args *a)
{
	struct buf	 ext;
	struct json	*r;
	char		*path = NULL, version[64], from[64];
	long long	 pid = 0, n = 0, ninsts = 0, nclients = 0, bytes = 0;
	int		 rc;

	buf_init(&ext);
	jw_open(&ext, '{');
	if (a->val[UPGRADE_BINARY] != NULL) {
		/* Absolute, for runnerd, whose cwd is not ours. */
		path = parse_path(a->val[UPGRADE_BINARY], 1);
		jw_key(&ext, "binary");
		jw_str(&ext, path);
	}
	jw_close(&ext, '}');
	rc = conn_ask(ctl, "upgrade", &ext, &r);
	buf_free(&ext);
	free(path);
	if (rc != 0)
		return (rc);
	if (ctl->json) {
		out_json(r, 0);
		json_free(r);
		return (CTL_EXIT_OK);
	}
	json_int(r, json_get(r, 0, "pid"), &pid);
	json_int(r, json_get(r, 0, "upgrades"), &n);
	json_int(r, json_get(r, 0, "instances"), &ninsts);
	json_int(r, json_get(r, 0, "clients"), &nclients);
	json_int(r, json_get(r, 0, "bytes"), &bytes);
	printf("runnerd upgraded in place: pid %lld, version %s (from %s, "
	    "upgrade %lld); handed over %lld instance%s, %lld client%s, "
	    "%lld bytes\n", pid, out_value(r, json_get(r, 0, "version"),
	    version, sizeof(version)), out_value(r, json_get(r, 0, "from"),
	    from, sizeof(from)), n, ninsts, ninsts == 1 ? "" : "s",
	    nclients, nclients == 1 ? "" : "s", bytes);
	json_free(r);
	return (CTL_EXIT_OK);
}
