/*
 * config_deps.c: dependencies between apps in the configuration.  The
 * depends_on group (APP = "CONDITION"; ...) and on_dependency_restart
 * are parsed per app, like any option (config_opt.c's table names the
 * parsers here); what involves the whole graph, which only the whole
 * configuration can say (an unknown app, a condition the app cannot
 * meet, an app on itself, a cycle), is checked once every app is read:
 * at load, at reload, and on an update's merged result (config_merge.c),
 * each an error with file:line of the depends_on member at fault.
 * Because a cycle is refused here, runnerd's depends.c can wait for
 * dependencies without ever deadlocking.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "config.h"

#define CYCLE_SHOWN	600	/* bytes of a cycle named whole ... */
#define CYCLE_HEAD	300	/* ... else its head, "...", its end */

/* In enum dep_cond's order, as the file and status write them. */
const char *const dep_cond_names[] = { "started", "ready", "healthy",
    "completed", "completed_successfully", NULL };
const char *const dep_restart_names[] = { "none", "restart", NULL };

/* A walk over the graph: the apps by name, and each one's colour. */
struct graph {
	const struct config	*cfg;
	size_t			*byname;	/* app indexes, sorted */
	int			*colour;	/* 0 new, 1 on the path, 2 done */
	size_t			*path;		/* the walk's current path */
	size_t			 depth;
};

static int	 dep_err(const struct app *, const struct app_dep *, char *,
		    size_t, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static const char *dep_suggest(const struct config *, const char *);
static int	 graph_cmp(const void *, const void *);
static long	 graph_find(const struct graph *, const char *);
static int	 graph_walk(struct graph *, size_t, char *, size_t);
static void	 cycle_words(const struct graph *, size_t, char *, size_t);

static const struct config *sort_cfg;	/* qsort has no context */

/* depends_on = { APP = "CONDITION"; ... }, in file order. */
int
opt_depends_on(struct load *ld, const config_setting_t *s, void *out)
{
	struct app_deps		*d = out, nd;
	const config_setting_t	*e;
	int			 i, n, c;

	if (!config_setting_is_group(s))
		return (load_err(ld, s, s, "expected a group { APP = "
		    "\"CONDITION\"; }"));
	n = config_setting_length(s);
	memset(&nd, 0, sizeof(nd));
	nd.line = config_setting_source_line(s);
	if ((nd.v = calloc(n > 0 ? (size_t)n : 1, sizeof(*nd.v))) == NULL)
		return (load_nomem(ld));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (conf_choice(ld, e, dep_cond_names, &c) == -1)
			goto fail;
		nd.v[i].cond = c;
		nd.v[i].line = config_setting_source_line(e);
		if ((nd.v[i].app = strdup(config_setting_name(e))) == NULL) {
			load_nomem(ld);
			goto fail;
		}
		nd.n = i + 1;
	}
	deps_clear(d);
	*d = nd;
	return (0);
fail:
	deps_clear(&nd);
	return (-1);
}

/* on_dependency_restart = "none" | "restart". */
int
opt_dep_restart(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, dep_restart_names, out));
}

void
deps_clear(struct app_deps *d)
{
	size_t	 k;

	for (k = 0; k < d->n; k++)
		free(d->v[k].app);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* dst a deep copy of src: 0, or -1 with dst empty. */
int
deps_dup(struct app_deps *dst, const struct app_deps *src)
{
	size_t	 k;

	memset(dst, 0, sizeof(*dst));
	if (src->v == NULL)
		return (0);
	if ((dst->v = calloc(src->n > 0 ? src->n : 1, sizeof(*dst->v))) ==
	    NULL)
		return (-1);
	dst->line = src->line;
	for (k = 0; k < src->n; k++) {
		dst->v[k] = src->v[k];
		if ((dst->v[k].app = strdup(src->v[k].app)) == NULL) {
			deps_clear(dst);
			return (-1);
		}
		dst->n = k + 1;
	}
	return (0);
}

/* Do two apps' dependencies differ (lines aside)? */
int
deps_differ(const struct app_deps *a, const struct app_deps *b)
{
	size_t	 k;

	if (a->n != b->n)
		return (1);
	for (k = 0; k < a->n; k++)
		if (a->v[k].cond != b->v[k].cond ||
		    strcmp(a->v[k].app, b->v[k].app) != 0)
			return (1);
	return (0);
}

/* "FILE:LINE: apps.APP.depends_on.DEP: message" into err; -1. */
static int
dep_err(const struct app *a, const struct app_dep *d, char *err,
    size_t errlen, const char *fmt, ...)
{
	char	 msg[RUNNER_ERRMSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%d: apps.%s.depends_on.%s: %s", a->file,
	    d->line, a->name, d->app, msg);
	return (-1);
}

/* The app whose name is closest to name, if close enough to be a typo. */
static const char *
dep_suggest(const struct config *cfg, const char *name)
{
	const char	*best = NULL;
	size_t		 k;
	int		 d, bestd = 3;

	for (k = 0; k < cfg->napps; k++)
		if ((d = conf_distance(name, cfg->apps[k].name)) < bestd) {
			best = cfg->apps[k].name;
			bestd = d;
		}
	return (best);
}

static int
graph_cmp(const void *a, const void *b)
{
	return (strcmp(sort_cfg->apps[*(const size_t *)a].name,
	    sort_cfg->apps[*(const size_t *)b].name));
}

/* The index of the app called name, or -1. */
static long
graph_find(const struct graph *g, const char *name)
{
	size_t	 lo = 0, hi = g->cfg->napps, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(name, g->cfg->apps[g->byname[mid]].name);
		if (c == 0)
			return ((long)g->byname[mid]);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (-1);
}

/*
 * The cycle that closes at path[from] as "a -> b -> c -> a": whole when
 * it is short enough to read, else its head, how many were left out, and
 * its last member (which names the way back), so that a 100-app cycle
 * still fits a message and says how long it is.
 */
static void
cycle_words(const struct graph *g, size_t from, char *buf, size_t len)
{
	const struct app	*apps = g->cfg->apps;
	size_t			 k, total = 0, used;

	for (k = from; k < g->depth; k++)
		total += strlen(apps[g->path[k]].name) + 4;
	buf[0] = '\0';
	for (k = from; k < g->depth; k++) {
		used = strlen(buf);
		if (total > CYCLE_SHOWN && used > CYCLE_HEAD &&
		    k + 1 < g->depth) {
			snprintf(buf + used, len - used, "... (%zu more) -> %s "
			    "-> ", g->depth - 1 - k,
			    apps[g->path[g->depth - 1]].name);
			break;
		}
		snprintf(buf + used, len - used, "%s -> ",
		    apps[g->path[k]].name);
	}
	used = strlen(buf);
	snprintf(buf + used, len - used, "%s", apps[g->path[from]].name);
	if (total > CYCLE_SHOWN) {
		used = strlen(buf);
		snprintf(buf + used, len - used, " (%zu apps)",
		    g->depth - from);
	}
}

/*
 * Depth first from app k: a dependency met again while on the path
 * closes a cycle, named from where it closes, at the line of that app's
 * depends_on member on the next one.  Recursion is as deep as the
 * longest chain, which the apps of one file bound.
 */
static int
graph_walk(struct graph *g, size_t k, char *err, size_t errlen)
{
	const struct app	*a = &g->cfg->apps[k];
	char			 words[RUNNER_ERRMSG_MAX];
	size_t			 j, from;
	long			 t;

	g->colour[k] = 1;
	g->path[g->depth++] = k;
	for (j = 0; j < a->deps.n; j++) {
		t = graph_find(g, a->deps.v[j].app);
		if (g->colour[t] == 2)
			continue;
		if (g->colour[t] == 1) {
			for (from = 0; g->path[from] != (size_t)t; from++)
				;
			cycle_words(g, from, words, sizeof(words));
			/* Not t itself: config_check_deps refused that. */
			a = &g->cfg->apps[t];
			for (j = 0; strcmp(a->deps.v[j].app,
			    g->cfg->apps[g->path[from + 1]].name) != 0; j++)
				;
			return (dep_err(a, &a->deps.v[j], err, errlen,
			    "dependency cycle: %s", words));
		}
		if (graph_walk(g, (size_t)t, err, errlen) == -1)
			return (-1);
	}
	g->colour[k] = 2;
	g->depth--;
	return (0);
}

/*
 * The checks of the whole graph: each dependency names another app that
 * exists and can meet its condition, and no app depends on itself
 * through others.  0, or -1 with err naming file:line.
 */
int
config_check_deps(const struct config *cfg, char *err, size_t errlen)
{
	const struct app	*a, *t;
	const struct app_dep	*d;
	const char		*best;
	struct graph		 g;
	size_t			 k, j;
	int			 rc = 0;

	for (k = 0; k < cfg->napps; k++) {
		a = &cfg->apps[k];
		for (j = 0; j < a->deps.n; j++) {
			d = &a->deps.v[j];
			if (strcmp(d->app, a->name) == 0)
				return (dep_err(a, d, err, errlen, "an app "
				    "cannot depend on itself"));
			if ((t = config_app(cfg, d->app)) == NULL &&
			    (best = dep_suggest(cfg, d->app)) != NULL)
				return (dep_err(a, d, err, errlen, "no app "
				    "named '%s' (did you mean '%s'?)", d->app,
				    best));
			if (t == NULL)
				return (dep_err(a, d, err, errlen, "no app "
				    "named '%s'", d->app));
			if (d->cond == DEP_HEALTHY && !APP_HAS_HEALTH(t))
				return (dep_err(a, d, err, errlen, "'%s' has "
				    "no health probe, so it is never "
				    "\"healthy\" (give it health = { ... }, or "
				    "wait for \"ready\")", d->app));
		}
	}
	if (cfg->napps == 0)
		return (0);
	memset(&g, 0, sizeof(g));
	g.cfg = cfg;
	if ((g.byname = calloc(cfg->napps, sizeof(*g.byname))) == NULL ||
	    (g.colour = calloc(cfg->napps, sizeof(*g.colour))) == NULL ||
	    (g.path = calloc(cfg->napps, sizeof(*g.path))) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	for (k = 0; k < cfg->napps; k++)
		g.byname[k] = k;
	sort_cfg = cfg;
	qsort(g.byname, cfg->napps, sizeof(*g.byname), graph_cmp);
	for (k = 0; k < cfg->napps && rc == 0; k++)
		if (g.colour[k] == 0)
			rc = graph_walk(&g, k, err, errlen);
out:
	free(g.byname);
	free(g.colour);
	free(g.path);
	return (rc);
}
