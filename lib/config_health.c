/*
 * config_health.c: an app's health probe, the `health` group of
 * runner.conf, into struct app_health (runnerd/health.c runs it):
 *
 *   health = { exec = ["pg_isready", "-q"]; interval = 5; timeout = 1;
 *              retries = 3; start_period = 10; };
 *
 * with exactly one of exec (a command, run as the app runs), connect =
 * true (a socket app's socket accepts) and http (a URL answering 2xx or
 * 3xx).  The bounds and defaults are the ones runner.conf(5) documents;
 * every error is file:line.  Also the checks that need the whole app
 * (connect needs a socket; ready = "healthy" needs a probe), and the
 * comparison a reload makes of two probes.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runner-int.h"
#include "config.h"

/* The defaults: runner.conf(5) lists the same. */
#define HEALTH_INTERVAL		5.0
#define HEALTH_TIMEOUT		1.0
#define HEALTH_RETRIES		3
#define HEALTH_START_PERIOD	0.0
#define HEALTH_RETRIES_MAX	1000
#define HEALTH_URL_MAX		2048	/* an http probe's URL */
#define HEALTH_SECONDS_MIN	0.01	/* interval and timeout: 100 probes
					   a second per instance at most */

static int	 health_http(struct load *, const config_setting_t *,
		    struct app_health *);
static int	 health_member(struct load *, const config_setting_t *,
		    struct app_health *);
static int	 health_seconds(struct load *, const config_setting_t *,
		    double *);

/*
 * The health group into the struct app_health at out.  What the probe is
 * (exactly one kind) and timeout against interval are checked here, once
 * every member is read; connect against the app's type in health_check.
 */
int
opt_health(struct load *ld, const config_setting_t *s, void *out)
{
	struct app_health	*h = out;
	const config_setting_t	*m;
	int			 k, n, kinds;

	if (!config_setting_is_group(s))
		return (load_err(ld, s, s, "expected a group { exec = [...]; "
		    "interval = 5; ... }"));
	argv_free(h->exec);
	free(h->http);
	memset(h, 0, sizeof(*h));
	h->interval = HEALTH_INTERVAL;
	h->timeout = HEALTH_TIMEOUT;
	h->retries = HEALTH_RETRIES;
	h->start_period = HEALTH_START_PERIOD;
	n = config_setting_length(s);
	for (k = 0; k < n; k++)
		if (health_member(ld, config_setting_get_elem(s, k), h) == -1)
			return (-1);
	kinds = (h->exec != NULL) + (h->connect != 0) + (h->http != NULL);
	if (kinds == 0)
		return (load_err(ld, s, s, "a probe needs one of exec, "
		    "connect = true and http"));
	if (kinds > 1)
		return (load_err(ld, s, s, "a probe is one of exec, connect "
		    "and http, not %d of them", kinds));
	m = config_setting_get_member(s, "timeout");
	/* The default timeout fits a shorter interval: no error for it. */
	if (m == NULL && h->timeout > h->interval)
		h->timeout = h->interval;
	if (h->timeout > h->interval) {
		return (load_err(ld, m != NULL ? m : s, m != NULL ? m : s,
		    "timeout (%g s) is more than interval (%g s): probes "
		    "would overlap", h->timeout, h->interval));
	}
	return (0);
}

/* One member of the health group. */
static int
health_member(struct load *ld, const config_setting_t *m,
    struct app_health *h)
{
	const char	*name = config_setting_name(m);

	if (strcmp(name, "exec") == 0)
		return (opt_command(ld, m, &h->exec));
	if (strcmp(name, "connect") == 0)
		return (opt_bool(ld, m, &h->connect));
	if (strcmp(name, "http") == 0)
		return (health_http(ld, m, h));
	if (strcmp(name, "interval") == 0)
		return (health_seconds(ld, m, &h->interval));
	if (strcmp(name, "timeout") == 0)
		return (health_seconds(ld, m, &h->timeout));
	if (strcmp(name, "start_period") == 0)
		return (opt_grace(ld, m, &h->start_period));
	if (strcmp(name, "retries") == 0)
		return (opt_int(ld, m, 1, HEALTH_RETRIES_MAX, &h->retries));
	return (load_err(ld, m, m, "unknown health setting '%s' (exec, "
	    "connect, http, interval, timeout, retries, start_period)",
	    name));
}

/*
 * interval or timeout: a timeout's bounds, and at least
 * HEALTH_SECONDS_MIN, since a probe every microsecond would spend the
 * machine on probing (and a timeout that short fails every probe).
 */
static int
health_seconds(struct load *ld, const config_setting_t *m, double *out)
{
	double	 v;

	if (opt_timeout(ld, m, &v) == -1)
		return (-1);
	if (v < HEALTH_SECONDS_MIN)
		return (load_err(ld, m, m, "must be at least %g and at most "
		    "%.0f seconds", HEALTH_SECONDS_MIN, TIMEOUT_MAX));
	*out = v;
	return (0);
}

/*
 * An http probe's URL: http:// or https:// and a host, nothing else
 * (libcurl would also speak file://, ftp:// and more, which are no
 * health check of a server), without spaces or control characters.
 */
static int
health_http(struct load *ld, const config_setting_t *m, struct app_health *h)
{
	const char	*v, *host;
	size_t		 k;

	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return (load_err(ld, m, m, "expected a URL string"));
	v = config_setting_get_string(m);
	if (strncasecmp(v, "http://", 7) == 0)
		host = v + 7;
	else if (strncasecmp(v, "https://", 8) == 0)
		host = v + 8;
	else
		return (load_err(ld, m, m, "expected an http:// or https:// "
		    "URL, not \"%s\"", v));
	if (*host == '\0' || *host == '/')
		return (load_err(ld, m, m, "no host in \"%s\"", v));
	if (strlen(v) > HEALTH_URL_MAX)
		return (load_err(ld, m, m, "URL longer than %d bytes",
		    HEALTH_URL_MAX));
	for (k = 0; v[k] != '\0'; k++)
		if ((unsigned char)v[k] <= ' ' || v[k] == 0x7f)
			return (load_err(ld, m, m, "a space or control "
			    "character in the URL"));
	free(h->http);
	if ((h->http = strdup(v)) == NULL)
		return (load_nomem(ld));
	return (0);
}

/*
 * The checks that need the rest of the app (g is its group): connect
 * needs a socket to connect to, and ready = "healthy" a probe to pass.
 */
int
health_check(struct load *ld, const struct app *app,
    const config_setting_t *g)
{
	const config_setting_t	*m;

	if (app->health.connect && app->type != APP_SOCKET) {
		m = config_setting_get_member(g, "health");
		return (load_err(ld, m, m, "connect = true needs a socket app "
		    "(type = \"socket\"): a stdio app has no socket"));
	}
	if (app->ready == READY_HEALTHY && !APP_HAS_HEALTH(app)) {
		m = config_setting_get_member(g, "ready");
		return (load_err(ld, m, m, "ready = \"healthy\" needs a health "
		    "probe (health = { exec = [...]; })"));
	}
	return (0);
}

/* Do two probes differ (a reload's comparison)? */
int
health_differ(const struct app_health *a, const struct app_health *b)
{
	size_t	 k;

	if ((a->exec == NULL) != (b->exec == NULL) ||
	    (a->http == NULL) != (b->http == NULL))
		return (1);
	if (a->http != NULL && strcmp(a->http, b->http) != 0)
		return (1);
	for (k = 0; a->exec != NULL && a->exec[k] != NULL; k++)
		if (b->exec[k] == NULL || strcmp(a->exec[k], b->exec[k]) != 0)
			return (1);
	if (a->exec != NULL && b->exec[k] != NULL)
		return (1);
	return (a->connect != b->connect || a->interval != b->interval ||
	    a->timeout != b->timeout || a->start_period != b->start_period ||
	    a->retries != b->retries);
}
