/*
 * daemon.c: the commands about runnerd itself and its configuration:
 * apps, reload, update, shutdown, ping and version.  Like cmd.c, each asks once
 * and prints human text or, with --json, the reply's ext.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

static int	 reload_report(struct ctl *, const char *, struct buf *);
static void	 reload_list(struct json *, const char *);
static void	 reload_failed(struct json *);
static int	 read_stdin(struct buf *);
static void	 ping_metrics(struct json *);

/* apps: NAME TYPE COMMAND, the command's words quoted to paste back. */
int
ctl_apps(struct ctl *ctl, struct ctl_args *a)
{
	static const char *const head[] = { "NAME", "TYPE", "COMMAND", NULL };
	struct table	*t;
	struct json	*r;
	struct buf	 cmd;
	const char	*row[3];
	char		 name[256], type[32], *w;
	int		 v, app, words, i, j, rc;

	(void)a;
	if ((rc = conn_ask(ctl, "apps", NULL, &r)) != 0)
		return (rc);
	if (ctl->json) {
		out_json(r, 0);
		json_free(r);
		return (CTL_EXIT_OK);
	}
	t = table_new(head);
	v = json_get(r, 0, "apps");
	for (i = 0; i < json_len(r, v); i++) {
		app = json_at(r, v, i);
		words = json_get(r, app, "command");
		buf_init(&cmd);
		for (j = 0; j < json_len(r, words); j++) {
			w = out_oom(json_str(r, json_at(r, words, j), NULL));
			if (j > 0)
				buf_addc(&cmd, ' ');
			out_shquote(&cmd, w);
			free(w);
		}
		row[0] = out_value(r, json_get(r, app, "name"), name,
		    sizeof(name));
		row[1] = out_value(r, json_get(r, app, "type"), type,
		    sizeof(type));
		if ((row[2] = buf_cstr(&cmd)) == NULL || cmd.failed)
			out_oom(NULL);
		table_add(t, row);
		buf_free(&cmd);
	}
	table_print(t, stdout);
	table_free(t);
	json_free(r);
	return (CTL_EXIT_OK);
}

/* reload [PATH]: the daemon's own file, or PATH made absolute. */
int
ctl_reload(struct ctl *ctl, struct ctl_args *a)
{
	struct buf	 ext;
	char		*path = NULL;
	int		 rc;

	buf_init(&ext);
	jw_open(&ext, '{');
	if (a->argc > 0) {
		path = parse_path(a->argv[0], 1);
		jw_key(&ext, "path");
		jw_str(&ext, path);
	}
	jw_close(&ext, '}');
	rc = reload_report(ctl, "reload", &ext);
	buf_free(&ext);
	free(path);
	return (rc);
}

/*
 * update FILE|-: add or replace the apps FILE (made absolute, read by
 * runnerd, so that messages name it) or stdin names; the others stay.
 */
int
ctl_update(struct ctl *ctl, struct ctl_args *a)
{
	struct buf	 ext, text;
	char		*path = NULL;
	int		 rc;

	buf_init(&ext);
	buf_init(&text);
	jw_open(&ext, '{');
	if (strcmp(a->argv[0], "-") == 0) {
		if (read_stdin(&text) == -1) {
			buf_free(&ext);
			buf_free(&text);
			return (CTL_EXIT_REFUSED);
		}
		if (buf_cstr(&text) == NULL)
			out_oom(NULL);
		jw_key(&ext, "config");
		jw_str(&ext, buf_cstr(&text));
	} else {
		path = parse_path(a->argv[0], 1);
		jw_key(&ext, "path");
		jw_str(&ext, path);
	}
	jw_close(&ext, '}');
	rc = reload_report(ctl, "update", &ext);
	buf_free(&ext);
	buf_free(&text);
	free(path);
	return (rc);
}

/*
 * All of stdin into b, at most a protocol line: 0, or -1 having said
 * why.  A longer configuration belongs in a file, which runnerd reads.
 */
static int
read_stdin(struct buf *b)
{
	char	 tmp[65536];
	ssize_t	 n;

	while ((n = read(STDIN_FILENO, tmp, sizeof(tmp))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "runnerctl: stdin: %s\n",
			    strerror(errno));
			return (-1);
		}
		if (buf_used(b) + (size_t)n > RUNNER_CONFIG_TEXT_MAX) {
			fprintf(stderr, "runnerctl: stdin: more than %d KiB "
			    "of configuration; give a file\n",
			    RUNNER_CONFIG_TEXT_MAX / 1024);
			return (-1);
		}
		if (buf_add(b, tmp, (size_t)n) == -1)
			out_oom(NULL);
	}
	return (0);
}

/*
 * Send cmd (reload or update) with ext and print what runnerd did: the
 * reply's lists, or with --json the reply.  Exit status 1 when a start
 * it made failed (protocol 7: "failed"), though the configuration is in
 * force: a script must not take a broken app for a clean reload.
 */
static int
reload_report(struct ctl *ctl, const char *cmd, struct buf *ext)
{
	static const char *const lists[] = { "added", "removed", "changed",
	    "restarted", "rolling", "started", "stopped" };
	struct json	*r;
	char		 src[PATH_MAX + 16];
	long long	 n = 0;
	int		 rc, k, failed;

	if ((rc = conn_ask(ctl, cmd, ext, &r)) != 0)
		return (rc);
	failed = json_len(r, json_get(r, 0, "failed")) > 0;
	if (ctl->json)
		out_json(r, 0);
	else {
		json_int(r, json_get(r, 0, "apps"), &n);
		out_value(r, json_get(r, 0, "config"), src, sizeof(src));
		if (strcmp(cmd, "update") == 0)
			printf("updated %s: %lld app%s now\n", src, n,
			    n == 1 ? "" : "s");
		else
			printf("reloaded %lld app%s from %s\n", n,
			    n == 1 ? "" : "s", src);
		for (k = 0; k < (int)(sizeof(lists) / sizeof(lists[0])); k++)
			reload_list(r, lists[k]);
		reload_failed(r);
	}
	json_free(r);
	return (failed ? CTL_EXIT_REFUSED : CTL_EXIT_OK);
}

/* "  restarted: web-1 web-2", for a non-empty list of a reload reply. */
static void
reload_list(struct json *r, const char *key)
{
	char	 word[256];
	int	 v = json_get(r, 0, key), k;

	if (json_len(r, v) <= 0)
		return;
	printf("  %s:", key);
	for (k = 0; k < json_len(r, v); k++)
		printf(" %s", out_value(r, json_at(r, v, k), word,
		    sizeof(word)));
	printf("\n");
}

/* shutdown: runnerd stops every instance and exits. */
int
ctl_shutdown(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	int		 rc;

	(void)a;
	if ((rc = conn_ask(ctl, "shutdown", NULL, &r)) != 0)
		return (rc);
	if (ctl->json)
		out_json(r, 0);
	else
		printf("runnerd stopped\n");
	json_free(r);
	return (CTL_EXIT_OK);
}

/* ping: the daemon's hello, with a word when protocols differ. */
int
ctl_ping(struct ctl *ctl, struct ctl_args *a)
{
	struct json	*r;
	char		 version[64], pid[32];
	long long	 proto = -1;
	int		 rc;

	(void)a;
	if ((rc = conn_ask(ctl, "hello", NULL, &r)) != 0)
		return (rc);
	json_int(r, json_get(r, 0, "protocol"), &proto);
	if (ctl->json)
		out_json(r, 0);
	else
		printf("runnerd %s (pid %s) on %s, protocol %lld\n",
		    out_value(r, json_get(r, 0, "version"), version,
		    sizeof(version)),
		    out_value(r, json_get(r, 0, "pid"), pid, sizeof(pid)),
		    ctl->socket, proto);
	if (!ctl->json)
		ping_metrics(r);
	if (proto != PROTO_VERSION)
		fprintf(stderr, "runnerctl: runnerd speaks protocol %lld, "
		    "this runnerctl %d\n", proto, PROTO_VERSION);
	json_free(r);
	return (CTL_EXIT_OK);
}

/*
 * ping's second line, with metrics_listen configured (protocol 9): where
 * the metrics are served, or why they are not.
 */
static void
ping_metrics(struct json *r)
{
	char	 v[RUNNER_ERRMSG_MAX];
	int	 m;

	if ((m = json_get(r, 0, "metrics")) != -1)
		printf("metrics on http://%s/metrics\n", out_value(r, m, v,
		    sizeof(v)));
	else if ((m = json_get(r, 0, "metrics_error")) != -1)
		printf("metrics not served: %s\n", out_value(r, m, v,
		    sizeof(v)));
}

/* version: ours; needs no daemon. */
int
ctl_version(struct ctl *ctl, struct ctl_args *a)
{
	(void)a;
	if (ctl->json)
		printf("{\"version\":\"%s\"}\n", RUNNER_VERSION);
	else
		printf("runnerctl %s\n", RUNNER_VERSION);
	return (CTL_EXIT_OK);
}

/* "  failed: web-1: cannot run ...", one line for each start that failed. */
static void
reload_failed(struct json *r)
{
	char	 alias[256], err[RUNNER_ERRMSG_MAX];
	int	 v = json_get(r, 0, "failed"), in, k;

	for (k = 0; k < json_len(r, v); k++) {
		in = json_at(r, v, k);
		printf("  failed: %s: %s\n", out_value(r, json_get(r, in,
		    "alias"), alias, sizeof(alias)), out_value(r, json_get(r,
		    in, "error"), err, sizeof(err)));
	}
}
