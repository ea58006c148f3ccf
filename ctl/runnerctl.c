/*
 * runnerctl.c: the command line for runnerd.  `runnerctl [-s SOCKET]
 * [--json] COMMAND ...` looks COMMAND up in one table (its operand
 * counts, options, handler and help), parses the rest against it and
 * runs the handler, which talks to runnerd through conn.c.  Exit status:
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
static void			 ctl_usage(FILE *, int);
static int			 ctl_run(struct ctl *, const struct ctl_cmd *,
				    int, char **);
static int			 ctl_finish(int);

/* The commands, in the order the usage lists them. */
static const struct ctl_cmd ctl_cmds[] = {
	{ "start", 1, 1, CMD_EXTRA, start_opts, ctl_start,
	    "APP [--alias A] [--socket PATH] [--cwd DIR] [--strict] "
	    "[--no-wait] [--no-autostart] [-- ARGS...]",
	    "start an instance of APP and wait until it is ready (and "
	    "runnerd, if none answers)" },
	{ "stop", 0, -1, 0, stop_opts, ctl_stop, "ALIAS... | --all",
	    "stop instances" },
	{ "rm", 1, -1, 0, NULL, ctl_rm, "ALIAS...",
	    "forget ended instances (stopped, exited, failed) and their logs" },
	{ "restart", 1, 1, 0, NULL, ctl_restart, "ALIAS",
	    "stop an instance and start it again" },
	{ "kill", 1, -1, 0, kill_opts, ctl_kill, "[-s SIGNAL] ALIAS...",
	    "send SIGNAL (default TERM) to instances' main processes" },
	{ "status", 0, -1, 0, status_opts, ctl_status, "[ALIAS...] [-w]",
	    "show instances (-w: again every second, until interrupted)" },
	{ "apps", 0, 0, 0, NULL, ctl_apps, "",
	    "list the configured apps" },
	{ "send", 1, -1, CMD_OPTSFIRST, send_opts, ctl_send,
	    "[-n] [--eof] ALIAS [TEXT...]",
	    "write TEXT and a newline (-n: none), or stdin, to an instance "
	    "(--eof: then end its input)" },
	{ "read", 1, 1, 0, read_opts, ctl_read, "ALIAS [--wait SECONDS]",
	    "print what an instance wrote" },
	{ "attach", 1, 1, 0, NULL, ctl_attach, "ALIAS",
	    "connect stdin and stdout to an instance" },
	{ "ask", 2, 3, 0, ask_opts, ctl_ask,
	    "ALIAS CMD [JSON] [--timeout SECONDS]",
	    "send a tagged request to an instance, print its reply's ext" },
	{ "logs", 1, 1, 0, logs_opts, ctl_logs, "ALIAS [-f] [-n LINES]",
	    "print an instance's recent log (-f: and follow it)" },
	{ "reload", 0, 1, 0, NULL, ctl_reload, "[PATH]",
	    "load the configuration again, or the one at PATH" },
	{ "update", 1, 1, 0, NULL, ctl_update, "FILE | -",
	    "add or replace the apps FILE (or stdin) names, keep the others" },
	{ "shutdown", 0, 0, 0, NULL, ctl_shutdown, "",
	    "stop every instance and runnerd" },
	{ "ping", 0, 0, 0, NULL, ctl_ping, "",
	    "check that runnerd answers" },
	{ "version", 0, 0, 0, NULL, ctl_version, "",
	    "print runnerctl's version" },
};
#define NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

/* runnerctl's own options, before the command. */
enum { OPT_SOCKET, OPT_JSON, OPT_VERSION };
static const struct ctl_opt ctl_opts[] = {
	[OPT_SOCKET] =	{ "-s", 1 },
	[OPT_JSON] =	{ "--json", 0 },
	[OPT_VERSION] =	{ "--version", 0 },
	{ NULL, 0 }
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

/* "usage: runnerctl [-s SOCKET] [--json] start APP ..." */
static void
ctl_synopsis(const struct ctl_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: runnerctl [-s SOCKET] [--json] %s%s%s\n",
	    cmd->name, cmd->synopsis[0] != '\0' ? " " : "", cmd->synopsis);
}

/* The whole usage; with all, every command and what it does. */
static void
ctl_usage(FILE *f, int all)
{
	size_t	 i;

	fprintf(f, "usage: runnerctl [-s SOCKET] [--json] COMMAND ...\n");
	if (!all) {
		fprintf(f, "       runnerctl --help for the commands\n");
		return;
	}
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s%s%s\n        %s\n", ctl_cmds[i].name,
		    ctl_cmds[i].synopsis[0] != '\0' ? " " : "",
		    ctl_cmds[i].synopsis, ctl_cmds[i].help);
	fprintf(f, "Options: -s SOCKET (default $RUNNER_SOCKET, "
	    "$XDG_RUNTIME_DIR/runner/runnerd.sock, ...),\n"
	    "  --json (print replies as JSON).  "
	    "COMMAND --help shows one command.\n");
}

/* Say what is wrong with the command line and return exit status 2. */
int
ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "runnerctl: ");
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (cmd != NULL)
		ctl_synopsis(cmd, stderr);
	else
		ctl_usage(stderr, 0);
	return (CTL_EXIT_USAGE);
}

/* Parse a command's words against its table entry and run it. */
static int
ctl_run(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_args	 a;
	char		 err[256];
	int		 rc;

	ctl->cmd = cmd;
	if (parse_args(argc, argv, cmd->opts, cmd->flags, &a, err,
	    sizeof(err)) == -1)
		rc = ctl_usage_error(cmd, "%s", err);
	else if (a.help) {
		ctl_synopsis(cmd, stdout);
		printf("%s\n", cmd->help);
		rc = CTL_EXIT_OK;
	} else if (a.argc < cmd->min)
		rc = ctl_usage_error(cmd, "too few arguments");
	else if (cmd->max != -1 && a.argc > cmd->max)
		rc = ctl_usage_error(cmd, "too many arguments");
	else
		rc = cmd->fn(ctl, &a);
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
	char			 err[256], *path = NULL;
	int			 rc;

	/* A daemon that goes away must be an error we report, not death. */
	signal(SIGPIPE, SIG_IGN);
	memset(&ctl, 0, sizeof(ctl));

	if (parse_args(argc - 1, argv + 1, ctl_opts, CMD_OPTSFIRST, &a, err,
	    sizeof(err)) == -1) {
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
	if (a.val[OPT_SOCKET] != NULL)
		ctl.socket = a.val[OPT_SOCKET];
	else
		ctl.socket = path = out_oom(paths_socket());
	rc = ctl_run(&ctl, cmd, a.argc - 1, a.argv + 1);
	conn_close(&ctl);
out:
	parse_args_free(&a);
	free(path);
	return (ctl_finish(rc));
}
