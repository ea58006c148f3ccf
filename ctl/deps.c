/*
 * deps.c: `runnerctl deps [APP]`, the dependency graph of the
 * configuration as a tree: each app, and under it what it depends on
 * with the condition, indented, down to apps that depend on nothing.
 * Without APP, a tree for each app that nothing depends on (every app is
 * in one of them: the configuration has no cycles); --json prints the
 * deps reply as it is.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runnerctl.h"

static int	 deps_find(const struct json *, int, const char *);
static int	 deps_needed(const struct json *, int, const char *);
static void	 deps_tree(const struct json *, int, int, int);

/* The index of the app called name in the reply's list, or -1. */
static int
deps_find(const struct json *r, int apps, const char *name)
{
	int	 k;

	for (k = 0; k < json_len(r, apps); k++)
		if (json_streq(r, json_get(r, json_at(r, apps, k), "app"),
		    name))
			return (json_at(r, apps, k));
	return (-1);
}

/* Does any app of the list depend on name? */
static int
deps_needed(const struct json *r, int apps, const char *name)
{
	int	 k, j, on;

	for (k = 0; k < json_len(r, apps); k++) {
		on = json_get(r, json_at(r, apps, k), "depends_on");
		for (j = 0; j < json_len(r, on); j++)
			if (json_streq(r, json_get(r, json_at(r, on, j), "app"),
			    name))
				return (1);
	}
	return (0);
}

/*
 * app's dependencies under it, depth levels in; app itself is printed by
 * the caller.  Depth is bounded by the number of apps (no cycles), and
 * checked so that a reply that had one could not loop.
 */
static void
deps_tree(const struct json *r, int apps, int app, int depth)
{
	char	*dep, *cond;
	int	 on, k, d;

	if (app == -1 || depth > json_len(r, apps))
		return;
	on = json_get(r, app, "depends_on");
	for (k = 0; k < json_len(r, on); k++) {
		dep = out_oom(json_str(r, json_get(r, json_at(r, on, k), "app"),
		    NULL));
		cond = out_oom(json_str(r, json_get(r, json_at(r, on, k),
		    "condition"), NULL));
		printf("%*s%s (%s)\n", 2 * depth, "", dep, cond);
		d = deps_find(r, apps, dep);
		deps_tree(r, apps, d, depth + 1);
		free(dep);
		free(cond);
	}
}

/* deps [APP]: the tree of APP, or of every app nothing depends on. */
int
ctl_deps(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	struct buf	 ext;
	char		*name;
	int		 apps, app, k, rc;

	buf_init(&ext);
	jw_open(&ext, '{');
	if (a->argc > 0) {
		jw_key(&ext, "app");
		jw_str(&ext, a->argv[0]);
	}
	jw_close(&ext, '}');
	rc = conn_ask(ctl, "deps", &ext, &r);
	buf_free(&ext);
	if (rc != 0)
		return (rc);
	if (ctl->json) {
		out_json(r, 0);
		json_free(r);
		return (CTL_EXIT_OK);
	}
	apps = json_get(r, 0, "apps");
	for (k = 0; k < json_len(r, apps); k++) {
		app = json_at(r, apps, k);
		name = out_oom(json_str(r, json_get(r, app, "app"), NULL));
		if (a->argc > 0 ? strcmp(name, a->argv[0]) == 0 :
		    !deps_needed(r, apps, name)) {
			printf("%s\n", name);
			deps_tree(r, apps, app, 1);
		}
		free(name);
	}
	json_free(r);
	return (CTL_EXIT_OK);
}

