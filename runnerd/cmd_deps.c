/*
 * cmd_deps.c: the deps command, the dependency graph of the
 * configuration in force as data: each app with what it depends on, in
 * file order, and on_dependency_restart.  With an app, that app and
 * every app it reaches through its dependencies, so a client can draw
 * its tree without asking again (runnerctl deps, ctl/deps.c).
 */

#include <stdlib.h>
#include <string.h>

#include "runnerd.h"

static void	 deps_app(struct buf *, const struct app *);
static void	 deps_reach(const struct config *, size_t, char *);

/* One app: {"app", "depends_on": [{"app", "condition"}...], ...}. */
static void
deps_app(struct buf *b, const struct app *a)
{
	size_t	 k;

	jw_open(b, '{');
	jw_key(b, "app");
	jw_str(b, a->name);
	jw_key(b, "depends_on");
	jw_open(b, '[');
	for (k = 0; k < a->deps.n; k++) {
		jw_open(b, '{');
		jw_key(b, "app");
		jw_str(b, a->deps.v[k].app);
		jw_key(b, "condition");
		jw_str(b, dep_cond_names[a->deps.v[k].cond]);
		jw_close(b, '}');
	}
	jw_close(b, ']');
	jw_key(b, "on_dependency_restart");
	jw_str(b, dep_restart_names[a->on_dep_restart]);
	jw_close(b, '}');
}

/* Mark app k and what it reaches (no cycles: the config refused them). */
static void
deps_reach(const struct config *cfg, size_t k, char *seen)
{
	const struct app	*t;
	size_t			 j;

	if (seen[k])
		return;
	seen[k] = 1;
	for (j = 0; j < cfg->apps[k].deps.n; j++)
		if ((t = config_app(cfg, cfg->apps[k].deps.v[j].app)) != NULL)
			deps_reach(cfg, (size_t)(t - cfg->apps), seen);
}

/* {"apps": [...]}: every app, or the one named and its dependencies. */
void
cmd_deps(struct req *rq)
{
	const struct config	*cfg = server.conf->cfg;
	const struct app	*a = NULL;
	struct buf		 b;
	char			*name = NULL, *seen;
	size_t			 k;

	if (req_str(rq, "app", 0, &name) == -1)
		return;
	if (name != NULL && (a = config_app(cfg, name)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOAPP, "no app named '%s' (in %s)", name,
		    cfg->source);
		free(name);
		return;
	}
	free(name);
	if ((seen = calloc(cfg->napps + 1, 1)) == NULL) {
		REQ_ERR(rq, RUNNER_ENOMEM, "out of memory");
		return;
	}
	if (a != NULL)
		deps_reach(cfg, (size_t)(a - cfg->apps), seen);
	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "apps");
	jw_open(&b, '[');
	for (k = 0; k < cfg->napps; k++)
		if (a == NULL || seen[k])
			deps_app(&b, &cfg->apps[k]);
	jw_close(&b, ']');
	jw_close(&b, '}');
	free(seen);
	req_reply(rq, &b);
}
