/*
 * runnerctl.c: the command line for runnerd.  `runnerctl [-s SOCKET |
 * -H HOST] [--json] COMMAND ...` looks COMMAND up in one table (its
 * operand counts, options, handler, help and example), parses the rest
 * against it (-s, -H and --json may come after COMMAND too), settles
 * where runnerd is (ctl_where) and runs the handler, which talks to
 * runnerd through conn.c.  `help [COMMAND]` and
 * `COMMAND --help` print from the same table.  Exit status:
 * 0 done, 1 refused, 2 usage, 3 no runnerd (see runnerctl(1)).
 */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "runnerctl.h"

static const struct ctl_cmd	*ctl_lookup(const char *);
static void			 ctl_synopsis(const struct ctl_cmd *, FILE *);
static void			 ctl_opt_help(const struct ctl_opt *, FILE *);
static void			 ctl_cmd_help(const struct ctl_cmd *, FILE *);
static void			 ctl_usage(FILE *, int);
static int			 ctl_run(struct ctl *, const struct ctl_cmd *,
				    int, char **);
static int			 ctl_finish(int);
static int			 ctl_where(struct ctl *, const char *,
				    const char *);

static char	*ctl_default;	/* the default socket's path, malloc'd */

/* The commands, in the order the usage lists them. */
static const struct ctl_cmd ctl_cmds[] = {
	{ "start", 1, 1, CMD_EXTRA, start_opts, ctl_start,
	    "APP [--alias A] [--socket PATH] [--cwd DIR] [--strict] "
	    "[--no-wait] [-v] [--no-autostart] [-- ARGS...]",
	    "start an instance of APP, or all of an app's instances, and "
	    "wait until ready (and start runnerd, if none answers)",
	    "runnerctl start web --alias web2 -- --port 8081\n"
	    "runnerctl start lots -v\n"
	    "runnerctl start api --socket /run/api.sock --cwd /srv/api\n"
	    "runnerctl start db --strict --no-wait --no-autostart\n" },
	{ "stop", 0, -1, 0, stop_opts, ctl_stop,
	    "ALIAS|APP... [--with-dependents] | --all",
	    "stop instances (an app's name: all of its instances), those "
	    "that depend on them first",
	    "runnerctl stop web2 lots\nrunnerctl stop db --with-dependents\n"
	    "runnerctl stop --all\n" },
	{ "rm", 0, -1, 0, rm_opts, ctl_rm, "ALIAS|APP... | --all",
	    "forget ended instances (stopped, exited, failed) and their logs "
	    "(an app's name: its ended ones)",
	    "runnerctl rm web2 lots\nrunnerctl rm --all\n" },
	{ "restart", 0, -1, 0, restart_opts, ctl_restart,
	    "ALIAS|APP... | --all [--rolling [--max-unavailable N] [-v]]",
	    "stop instances and start them again (--rolling: N at a time, "
	    "each batch once the one before is ready)",
	    "runnerctl restart web lots-3\nrunnerctl restart --all\n"
	    "runnerctl restart lots --rolling --max-unavailable 2\n" },
	{ "kill", 0, -1, 0, kill_opts, ctl_kill,
	    "[-s SIGNAL] ALIAS|APP... | --all",
	    "send SIGNAL (default TERM) to instances' main processes",
	    "runnerctl kill -s HUP web\nrunnerctl kill -s KILL --all\n" },
	{ "status", 0, -1, 0, status_opts, ctl_status,
	    "[ALIAS|APP...] [-w | --check [-q]]",
	    "show instances, in natural order (lots-2 before lots-10)",
	    "runnerctl status lots\nrunnerctl status --json web\n"
	    "runnerctl status -w\nrunnerctl status --check -q web db\n" },
	{ "deps", 0, 1, 0, NULL, ctl_deps, "[APP]",
	    "show what apps depend on, as a tree (APP's, or every app's)",
	    "runnerctl deps web\n" },
	{ "metrics", 0, 0, 0, NULL, ctl_metrics, "",
	    "print runnerd's metrics in the Prometheus text format",
	    "runnerctl metrics > runner.prom.$$ && mv runner.prom.$$ "
	    "runner.prom\n" },
	{ "apps", 0, 0, 0, NULL, ctl_apps, "",
	    "list the configured apps, commands quoted as sh(1) would read "
	    "them",
	    "runnerctl apps\n" },
	{ "send", 1, -1, CMD_OPTSFIRST, send_opts, ctl_send,
	    "[-n] [--eof] ALIAS [--] [TEXT...]",
	    "write TEXT and a newline (-n: none), or stdin, to an instance "
	    "(--eof: then end its input)",
	    "runnerctl send calc '1 + 2'\nrunnerctl send calc -- --help\n"
	    "runnerctl send -n calc 'no newline after this'\n"
	    "runnerctl send --eof sorter < words.txt\n" },
	{ "read", 1, 1, 0, read_opts, ctl_read, "ALIAS [--wait SECONDS]",
	    "print what an instance wrote",
	    "runnerctl read calc --wait 2\n" },
	{ "attach", 1, 1, 0, NULL, ctl_attach, "ALIAS",
	    "connect stdin and stdout to an instance",
	    "runnerctl attach calc\n" },
	{ "ask", 2, 3, 0, ask_opts, ctl_ask,
	    "ALIAS CMD [JSON] [--timeout SECONDS]",
	    "send a tagged request to an instance, print its reply's ext",
	    "runnerctl ask api sum '{\"a\":1,\"b\":2}' --timeout 5\n" },
	{ "logs", 1, 1, 0, logs_opts, ctl_logs, "ALIAS [-f] [-n LINES]",
	    "print an instance's recent log (-f: and follow it)",
	    "runnerctl logs web -n 20 -f\n" },
	{ "reload", 0, 1, 0, NULL, ctl_reload, "[PATH]",
	    "load the configuration again, or the one at PATH",
	    "runnerctl reload ~/.config/runner/runner.conf\n" },
	{ "update", 1, 1, 0, NULL, ctl_update, "FILE | -",
	    "add or replace the apps FILE (or stdin) names, keep the others",
	    "runnerctl update web.conf\n" },
	{ "shutdown", 0, 0, 0, NULL, ctl_shutdown, "",
	    "stop every instance and runnerd",
	    "runnerctl shutdown\n" },
	{ "upgrade", 0, 0, 0, upgrade_opts, ctl_upgrade, "[--binary PATH]",
	    "execute a new runnerd in place: same pid, every instance, "
	    "channel and client kept",
	    "runnerctl upgrade --binary /usr/local/sbin/runnerd\n" },
	{ "ping", 0, 0, 0, NULL, ctl_ping, "",
	    "check that runnerd answers",
	    "runnerctl -s /tmp/r/runnerd.sock ping\n" },
	{ "dial-stdio", 0, 0, 0, dial_opts, ctl_dial_stdio, "[--escaped]",
	    "relay stdin and stdout to runnerd's socket (what -H ssh:// "
	    "runs on the remote host)",
	    "ssh host runnerctl dial-stdio -s /run/runner/runnerd.sock\n" },
	{ "version", 0, 0, 0, NULL, ctl_version, "",
	    "print runnerctl's version",
	    "runnerctl version\n" },
	{ "help", 0, 1, 0, NULL, ctl_help, "[COMMAND]",
	    "show the commands, or one command's options and an example",
	    "runnerctl help stop\n" },
};
#define NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

/*
 * runnerctl's own options, before the command; -s, -H and --json are
 * also taken after it (globals: the same slots), unless the command has
 * an option of that name.
 */
enum { OPT_SOCKET, OPT_HOST, OPT_JSON, OPT_VERSION };
static const struct ctl_opt ctl_opts[] = {
	[OPT_SOCKET] =	{ "-s", 1, "SOCKET: talk to the runnerd on SOCKET "
	    "(default: $RUNNER_SOCKET, ...)" },
	[OPT_HOST] =	{ "-H", 1, "HOST: talk to the runnerd at HOST, "
	    "ssh://[USER@]HOST[:PORT][/SOCKET] or unix://SOCKET (default: "
	    "$RUNNER_HOST)" },
	[OPT_JSON] =	{ "--json", 0, "print replies (and refusals) as JSON, "
	    "one object a line" },
	[OPT_VERSION] =	{ "--version", 0, "print runnerctl's version" },
	{ NULL, 0, NULL }
};
static const struct ctl_opt ctl_globals[] = {
	[OPT_SOCKET] =	{ "-s", 1, NULL },
	[OPT_HOST] =	{ "-H", 1, NULL },
	[OPT_JSON] =	{ "--json", 0, NULL },
	{ NULL, 0, NULL }
};

/* The command called name, or NULL. */
static const struct ctl_cmd *
ctl_lookup(const char *name)
{
	size_t	 i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return (&ctl_cmds[i]);
	}
	return (NULL);
}

/* "usage: runnerctl [-s SOCKET | -H HOST] [--json] start APP ..." */
static void
ctl_synopsis(const struct ctl_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: runnerctl [-s SOCKET | -H HOST] [--json] %s%s%s\n",
	    cmd->name, cmd->synopsis[0] != '\0' ? " " : "", cmd->synopsis);
}

/* "  --alias A     name the instance A": an option and what it does. */
static void
ctl_opt_help(const struct ctl_opt *o, FILE *f)
{
	const char	*what = o->help, *colon;
	int		 n;

	n = fprintf(f, "  %s", o->name);
	if (o->arg && (colon = strchr(what, ':')) != NULL) {
		n += fprintf(f, " %.*s", (int)(colon - what), what);
		what = colon + 2;
	}
	/* A long one gets its words on the next line, still in column. */
	if (n >= 18)
		fprintf(f, "\n%18s%s\n", "", what);
	else
		fprintf(f, "%*s%s\n", 18 - n, "", what);
}

/* COMMAND --help, help COMMAND: what it does, every option, examples. */
static void
ctl_cmd_help(const struct ctl_cmd *cmd, FILE *f)
{
	const char	*ex, *nl;
	size_t		 i;

	ctl_synopsis(cmd, f);
	fprintf(f, "%s.\n", cmd->help);
	if (cmd->opts != NULL && cmd->opts[0].name != NULL) {
		fprintf(f, "Options:\n");
		for (i = 0; cmd->opts[i].name != NULL; i++)
			ctl_opt_help(&cmd->opts[i], f);
	}
	fprintf(f, "runnerctl's own options may come after the command too"
	    "%s:\n", cmd->opts != NULL && cmd->opts[0].name != NULL ?
	    " (unless it has one of the name)" : "");
	for (i = 0; ctl_globals[i].name != NULL; i++)
		ctl_opt_help(&ctl_opts[i], f);
	fprintf(f, "  --%14s\"--\" ends the options; what follows is %s\n", "",
	    cmd->flags & CMD_EXTRA ? "the app's extra arguments" :
	    "operands, even if it starts with '-'");
	fprintf(f, "Example%s:\n", strchr(cmd->example, '\n') + 1 ==
	    cmd->example + strlen(cmd->example) ? "" : "s");
	for (ex = cmd->example; (nl = strchr(ex, '\n')) != NULL; ex = nl + 1)
		fprintf(f, "  %.*s\n", (int)(nl - ex), ex);
}

/* The whole usage; with all, every command and what it does. */
static void
ctl_usage(FILE *f, int all)
{
	size_t	 i;

	fprintf(f, "usage: runnerctl [-s SOCKET | -H HOST] [--json] "
	    "COMMAND ...\n");
	if (!all) {
		fprintf(f, "       runnerctl help [COMMAND] for the commands\n");
		return;
	}
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s%s%s\n        %s\n", ctl_cmds[i].name,
		    ctl_cmds[i].synopsis[0] != '\0' ? " " : "",
		    ctl_cmds[i].synopsis, ctl_cmds[i].help);
	fprintf(f, "Options (before or after COMMAND):\n");
	for (i = 0; ctl_opts[i].name != NULL; i++)
		ctl_opt_help(&ctl_opts[i], f);
	ctl_opt_help(&(const struct ctl_opt){ "--help", 0, "print this help "
	    "(after COMMAND: that command's)" }, f);
	fprintf(f, "runnerctl help COMMAND (or COMMAND --help) shows one "
	    "command's options and an example.\n");
}

/* help [COMMAND]: to stdout, 0; an unknown command is a usage error. */
int
ctl_help(struct ctl *ctl, struct ctl_args *a)
{
	const struct ctl_cmd	*cmd;

	if (a->argc == 0) {
		ctl_usage(stdout, 1);
		return (CTL_EXIT_OK);
	}
	if ((cmd = ctl_lookup(a->argv[0])) == NULL)
		return (ctl_usage_error(ctl->cmd, "unknown command '%s'",
		    a->argv[0]));
	ctl_cmd_help(cmd, stdout);
	return (CTL_EXIT_OK);
}

/*
 * Say what is wrong with the command line and return exit status 2.  The
 * message may hold the user's words: control bytes in them are escaped.
 */
int
ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	out_warnv(cmd != NULL ? cmd->name : NULL, fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		ctl_synopsis(cmd, stderr);
	else
		ctl_usage(stderr, 0);
	return (CTL_EXIT_USAGE);
}

/*
 * Where runnerd is: -s SOCKET, or -H HOST (given before or after the
 * command, not both), else $RUNNER_HOST, else the default socket.  A
 * host is ssh://... (checked here, so a bad one is a usage error, not a
 * failed ssh) or unix://PATH, the same as -s PATH.  0, or exit status 2.
 */
static int
ctl_where(struct ctl *ctl, const char *sock, const char *host)
{
	struct ssh_target	 t;
	const char		*what = "-H";
	char			 err[256];

	if (sock != NULL && host != NULL)
		return (ctl_usage_error(ctl->cmd, "-s and -H both say where "
		    "runnerd is: give one"));
	if (sock == NULL && host == NULL) {
		if ((host = getenv("RUNNER_HOST")) != NULL && *host == '\0')
			host = NULL;
		what = "RUNNER_HOST";
	}
	if (host == NULL)
		ctl->socket = sock != NULL ? sock : ctl_default;
	else if (ssh_url(host)) {
		if (ssh_parse(host, &t, err, sizeof(err)) == -1)
			return (ctl_usage_error(ctl->cmd, "%s: %s", what, err));
		ctl->socket = host;
	} else if (strncmp(host, "unix://", 7) == 0 && host[7] != '\0')
		ctl->socket = rpc_local(host);
	else
		return (ctl_usage_error(ctl->cmd, "%s '%s': use ssh://[USER@]"
		    "HOST[:PORT][/SOCKET] or unix://SOCKET", what, host));
	return (0);
}

/* Parse a command's words against its table entry and run it. */
static int
ctl_run(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_args	 a;
	char		 err[256];
	int		 rc;

	ctl->cmd = cmd;
	if (parse_args(argc, argv, cmd->opts, ctl_globals, cmd->flags, &a,
	    err, sizeof(err)) == -1)
		rc = ctl_usage_error(cmd, "%s", err);
	else if (a.help) {
		ctl_cmd_help(cmd, stdout);
		rc = CTL_EXIT_OK;
	} else if (a.argc < cmd->min)
		rc = ctl_usage_error(cmd, "too few arguments");
	else if (cmd->max != -1 && a.argc > cmd->max)
		rc = ctl_usage_error(cmd, "too many arguments");
	else {
		if (a.gval[OPT_JSON] != NULL)
			ctl->json = 1;
		if (a.gval[OPT_SOCKET] != NULL)
			ctl->socket = a.gval[OPT_SOCKET];
		if (a.gval[OPT_HOST] != NULL)
			ctl->host = a.gval[OPT_HOST];
		if ((rc = ctl_where(ctl, ctl->socket, ctl->host)) == 0)
			rc = cmd->fn(ctl, &a);
	}
	parse_args_free(&a);
	return (rc);
}

/*
 * Flush stdout and make a failure to write it count: output that did not
 * arrive is not "done".  A reader that left (EPIPE) needs no message.
 */
static int
ctl_finish(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "runnerctl: stdout: %s\n",
			    strerror(errno));
		if (rc == CTL_EXIT_OK)
			rc = CTL_EXIT_REFUSED;
	}
	return (rc);
}

int
main(int argc, char **argv)
{
	const struct ctl_cmd	*cmd;
	struct ctl_args		 a;
	struct ctl		 ctl;
	char			 err[256];
	int			 rc;

	/* A daemon that goes away must be an error we report, not death. */
	signal(SIGPIPE, SIG_IGN);
	/* Our -H ssh goes with us, even when killed (lib/ssh.c). */
	ssh_parent_death(SIGTERM);
	memset(&ctl, 0, sizeof(ctl));
	ctl.timeout_ms = -1;

	if (parse_args(argc - 1, argv + 1, ctl_opts, NULL, CMD_OPTSFIRST |
	    CMD_LINE, &a, err, sizeof(err)) == -1) {
		rc = ctl_usage_error(NULL, "%s", err);
		goto out;
	}
	if (a.help || a.val[OPT_VERSION] != NULL) {
		if (a.help)
			ctl_usage(stdout, 1);
		else
			printf("runnerctl %s\n", RUNNER_VERSION);
		rc = CTL_EXIT_OK;
		goto out;
	}
	if (a.argc == 0) {
		rc = ctl_usage_error(NULL, "no command");
		goto out;
	}
	if ((cmd = ctl_lookup(a.argv[0])) == NULL) {
		rc = ctl_usage_error(NULL, "unknown command '%s'", a.argv[0]);
		goto out;
	}
	ctl.json = a.val[OPT_JSON] != NULL;
	ctl.socket = a.val[OPT_SOCKET];		/* ctl_where settles it */
	ctl.host = a.val[OPT_HOST];
	ctl_default = out_oom(paths_socket());
	rc = ctl_run(&ctl, cmd, a.argc - 1, a.argv + 1);
	conn_close(&ctl);
out:
	parse_args_free(&a);
	free(ctl_default);
	return (ctl_finish(rc));
}
