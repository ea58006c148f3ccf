/*
 * config_merge.c: what involves several apps at once.  An update
 * (runner_update_config, runnerd's update command) adds or replaces the
 * apps it names and leaves the others: the current configuration's apps,
 * in their order, an app of the update taking the place of the one of
 * its name, then the update's new apps in its order.  The update is
 * checked alone first (it must load, and may name apps only: a top-level
 * setting such as allow_group is the whole configuration's, changed by a
 * reload), then the result is checked across apps, as a whole file is:
 * a caller gets a whole, checked configuration or NULL and one message,
 * and the current one is never touched.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "config.h"

static void	 socket_key(const struct app *, char *, size_t);
static int	 socket_shared(const struct app *, const struct app *, char *,
		    size_t) __attribute__((noinline));
static struct config *config_merge(const struct config *, struct config *,
		    char *, size_t);

/*
 * Where a socket app's socket is, as far as the configuration says: its
 * path, under its cwd when relative (no cwd: the runner's own, the same
 * for every app).  Written paths are compared, not resolved ones: a
 * check that reads the file system would pass or fail by the moment.
 */
static void
socket_key(const struct app *a, char *buf, size_t len)
{
	if (a->socket[0] == '/' || a->cwd == NULL)
		snprintf(buf, len, "%s", a->socket);
	else
		snprintf(buf, len, "%s/%s", a->cwd, a->socket);
}

/*
 * 1 when socket apps a and b have one socket (err says so), else 0.
 * Apart and never inlined: its 16 KiB of keys are on the stack only
 * while two socket apps are compared, not under every load of a
 * configuration (runnerd's stack keeps every page it ever touched).
 */
static int
socket_shared(const struct app *a, const struct app *b, char *err,
    size_t errlen)
{
	char	 ka[2 * PATH_MAX], kb[2 * PATH_MAX];

	socket_key(a, ka, sizeof(ka));
	socket_key(b, kb, sizeof(kb));
	if (strcmp(ka, kb) != 0)
		return (0);
	snprintf(err, errlen, "%s:%d: apps.%s: socket '%s' is also the "
	    "socket of apps.%s (%s:%d)", a->file, a->line, a->name, ka,
	    b->name, b->file, b->line);
	return (1);
}

/*
 * The checks across the apps of cfg: two socket apps on one socket
 * would each reach the other's process.  named NULL: check every app
 * against those before it (a file: the later one is the mistake); else
 * only the apps named, against all others (an update: the update's app
 * is the mistake, wherever its place).  0, or -1 with err as "FILE:LINE:
 * apps.NAME: ...".
 */
int
config_check_apps(const struct config *cfg, const struct config *named,
    char *err, size_t errlen)
{
	const struct app	*a, *b;
	size_t			 i, j, upto;

	for (i = 0; i < cfg->napps; i++) {
		a = &cfg->apps[i];
		if (a->type != APP_SOCKET || (named != NULL &&
		    config_app(named, a->name) == NULL))
			continue;
		upto = named != NULL ? cfg->napps : i;
		for (j = 0; j < upto; j++) {
			b = &cfg->apps[j];
			if (j != i && b->type == APP_SOCKET &&
			    socket_shared(a, b, err, errlen))
				return (-1);
		}
	}
	return (0);
}

/*
 * cur's apps with upd's merged in (see above), checked across apps; upd
 * is consumed (NULL: it did not load, err says why, and neither does
 * the merge).  cur may be NULL (nothing loaded yet): then upd alone.
 * The result keeps cur's source and top-level settings.  Every app is
 * copied, so that upd still says which ones the update names.
 */
static struct config *
config_merge(const struct config *cur, struct config *upd, char *err,
    size_t errlen)
{
	struct config	*m;
	const struct app *a;
	size_t		 k, max;

	if (upd == NULL)
		return (NULL);
	max = (cur != NULL ? cur->napps : 0) + upd->napps;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->apps = calloc(max > 0 ? max : 1, sizeof(*m->apps))) == NULL ||
	    (m->source = strdup(cur != NULL ? cur->source : upd->source)) ==
	    NULL || (cur != NULL && cur->allow_group != NULL &&
	    (m->allow_group = strdup(cur->allow_group)) == NULL) ||
	    (cur != NULL && cur->metrics_listen != NULL &&
	    (m->metrics_listen = strdup(cur->metrics_listen)) == NULL))
		goto nomem;
	if (cur != NULL)
		m->allow_gid = cur->allow_gid;
	for (k = 0; cur != NULL && k < cur->napps; k++) {
		if ((a = config_app(upd, cur->apps[k].name)) == NULL)
			a = &cur->apps[k];
		/* Counted first, so config_free sees a partial copy. */
		if (app_dup(&m->apps[m->napps++], a) == -1)
			goto nomem;
	}
	for (k = 0; k < upd->napps; k++)
		if (config_app(cur, upd->apps[k].name) == NULL &&
		    app_dup(&m->apps[m->napps++], &upd->apps[k]) == -1)
			goto nomem;
	if (config_check_apps(m, upd, err, errlen) == -1 ||
	    config_check_deps(m, err, errlen) == -1) {
		config_free(m);
		m = NULL;
	}
	config_free(upd);
	return (m);

nomem:
	snprintf(err, errlen, "out of memory");
	config_free(upd);
	config_free(m);
	return (NULL);
}

/*
 * Merge the update in the file at path into cur (see above): the merged
 * configuration, or NULL with err; cur is not touched either way.
 */
struct config *
config_update_file(const struct config *cur, const char *path, char *err,
    size_t errlen)
{
	return (config_merge(cur, conf_load_file(path, LOAD_UPDATE, err,
	    errlen), err, errlen));
}

/* config_update_file for configuration text ("<text>"). */
struct config *
config_update_text(const struct config *cur, const char *text, char *err,
    size_t errlen)
{
	return (config_merge(cur, conf_load_text(text, LOAD_UPDATE, err,
	    errlen), err, errlen));
}
