/*
 * metrics.c: `runnerctl metrics`, runnerd's metrics in the Prometheus
 * text format (runnerd/metrics.c makes them), printed as they come: a
 * complete exposition, for node_exporter's textfile collector
 *
 *	runnerctl metrics > DIR/runner.prom.$$ && mv DIR/runner.prom.$$ \
 *	    DIR/runner.prom
 *
 * (the rename, so the collector never reads half a file).  Nothing is
 * printed unless the whole reply came: a runnerd that left mid-way is
 * exit 3 with an empty output, not a truncated file.  --json prints the
 * reply's ext.
 */

#include <stdio.h>
#include <stdlib.h>

#include "runnerctl.h"

/* metrics: the exposition on stdout. */
int
ctl_metrics(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	char		*text;
	size_t		 len;
	int		 rc;

	(void)a;
	if ((rc = conn_ask(ctl, "metrics", NULL, &r)) != 0)
		return (rc);
	if (ctl->json) {
		out_json(r, 0);
		json_free(r);
		return (CTL_EXIT_OK);
	}
	if ((text = json_str(r, json_get(r, 0, "text"), &len)) == NULL) {
		json_free(r);
		fprintf(stderr, "runnerctl: runnerd sent no metrics (is it "
		    "older than protocol 9?)\n");
		return (CTL_EXIT_REFUSED);
	}
	rc = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ?
	    CTL_EXIT_OK : CTL_EXIT_REFUSED;
	if (rc != CTL_EXIT_OK)
		perror("runnerctl: stdout");
	free(text);
	json_free(r);
	return (rc);
}
