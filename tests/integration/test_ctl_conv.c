/*
 * test_ctl_conv.c: runnerctl's conventions, through the real runnerctl
 * and runnerd: `help [COMMAND]` and every command's --help (each option
 * explained, an example); runnerd --help and --version; -s and --json
 * after the command; "--" ending the options in each position; aliases
 * that start with '-' refused; control bytes escaped in every message
 * that echoes a user's word; `apps` quoting commands so that sh reads
 * them back as they were; and, at a terminal, `send` saying that the
 * instance is not reading its input.
 */

#include "daemon.h"
#include "ctl.h"
#include "pty.h"

static const char *const cmds[] = { "start", "stop", "restart", "kill",
    "status", "apps", "send", "read", "attach", "ask", "logs", "reload",
    "update", "shutdown", "ping", "version", "help", NULL };

/*
 * help lists every command; help COMMAND is COMMAND --help, which names
 * each option and gives an example; an unknown one is a usage error.
 */
static void
test_conv_help(void **state)
{
	struct daemon	*d = *state;
	struct run	*r, *h;
	static const char *const start_opts[] = { "--alias A", "--socket PATH",
	    "--cwd DIR", "--strict", "--wait", "-v ", "--no-autostart",
	    "-s SOCKET", "--json", NULL };
	int		 i;

	r = CTL(d, "help");
	r_status(r, 0);
	for (i = 0; cmds[i] != NULL; i++)
		assert_non_null(strstr(r->out, d_fmt(d, "\n  %s", cmds[i])));
	for (i = 0; cmds[i] != NULL; i++) {
		r = CTL(d, "help", cmds[i]);
		r_status(r, 0);
		h = CTL(d, cmds[i], "--help");
		r_status(h, 0);
		assert_string_equal(r->out, h->out);
		assert_non_null(strstr(r->out, "Example"));
		assert_non_null(strstr(r->out, d_fmt(d, "\n  runnerctl %s",
		    cmds[i])) ?: strstr(r->out, "\n  runnerctl -s"));
	}
	r = CTL(d, "help", "start");
	for (i = 0; start_opts[i] != NULL; i++)
		if (strstr(r->out, d_fmt(d, "\n  %s", start_opts[i])) == NULL)
			fail_msg("start --help does not explain %s: %s",
			    start_opts[i], r->out);
	r = CTL(d, "help", "nosuch");
	r_status(r, 2);
	assert_non_null(strstr(r->err, "unknown command 'nosuch'"));
	r_status(CTL(d, "help", "stop", "start"), 2);
}

/* runnerd --help and --version: 0 on stdout; anything else is usage. */
static void
test_conv_runnerd(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*argv[4] = { d->runnerd, NULL, NULL, NULL };

	argv[1] = (char *)"--version";
	r = t_run(d, argv, NULL, 0);
	r_status(r, 0);
	assert_string_equal(r->out, d_fmt(d, "runnerd %s (protocol %d, "
	    "handover 1)\n", RUNNER_VERSION, PROTO_VERSION));
	argv[1] = (char *)"--help";
	r = t_run(d, argv, NULL, 0);
	r_status(r, 0);
	assert_non_null(strstr(r->out, "usage: runnerd [-dnv]"));
	assert_non_null(strstr(r->out, "  -c config"));
	assert_non_null(strstr(r->out, "  -n "));
	assert_non_null(strstr(r->out, "example: runnerd"));
	assert_non_null(strstr(r->out, "runnerd.log beside the socket"));
	argv[1] = (char *)"--bogus";
	r = t_run(d, argv, NULL, 0);
	r_status(r, 2);
	assert_true(strncmp(r->err, "runnerd: unknown option '--bogus'\n"
	    "usage: runnerd", 48) == 0);
	/* With others, --help is no option: said so, not run. */
	argv[1] = (char *)"-n";
	argv[2] = (char *)"--help";
	r = t_run(d, argv, NULL, 0);
	r_status(r, 2);
	assert_true(strncmp(r->err, "runnerd: --help goes alone\n", 27) == 0);
	/* An option's value may start with "--": a file named so. */
	argv[1] = (char *)"-c";
	argv[2] = (char *)"--bogus.conf";
	r = t_run(d, argv, NULL, 0);
	r_status(r, 1);
	assert_non_null(strstr(r->err, "cannot read '--bogus.conf'"));
}

/*
 * -s and --json after the command; a command's own option of that name
 * (kill -s) stays its own.
 */
static void
test_conv_global_after(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	r = ctl_sock(d, NULL, "status", "--json", "-s", d->sock, NULL);
	r_status(r, 0);
	assert_true(strncmp(r->out, "{\"instances\":[{\"alias\":\"c1\"", 27)
	    == 0);
	r = ctl_sock(d, NULL, "status", "-s", d_fmt(d, "%s/none", d->dir),
	    NULL);
	r_status(r, 3);
	r = CTL(d, "kill", "-s", "HUP", "c1", "--json");
	r_status(r, 0);
	assert_non_null(strstr(r->out, "\"signal\":\"SIGHUP\""));
	r_status(CTL(d, "status", "--json=x"), 2);
}

/*
 * "--" ends the options: before the operands, after send's alias (a
 * later one is send's text), before start's extra arguments.
 */
static void
test_conv_dashdash(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct run	*r;
	struct json	*j;
	const char	*out;
	long long	 end = t_ms() + T_WAIT_MS;
	int		 e, args;

	r_status(CTL(d, "start", "cat", "--alias", "c1"), 0);
	r_status(CTL(d, "send", "c1", "--", "--help"), 0);
	r_status(CTL(d, "send", "-n", "--", "c1", "-n"), 0);
	r_status(CTL(d, "send", "c1", "x", "--", "y"), 0);
	/* cat echoes each send's text, in order: read until all are in. */
	out = "";
	while (strstr(out, "x -- y\n") == NULL) {
		if (t_ms() > end)
			fail_msg("c1 echoed only '%s'", out);
		r = CTL(d, "read", "--wait", "1", "--", "c1");
		r_status(r, 0);
		out = d_fmt(d, "%s%s", out, r->out);
	}
	assert_string_equal(out, "--help\n-nx -- y\n");
	r_status(CTL(d, "status", "--", "c1"), 0);
	r_status(CTL(d, "kill", "-s", "CONT", "--", "c1"), 0);
	r_status(CTL(d, "start", "once", "--alias", "o1", "--", "--help",
	    "-x"), 0);
	assert_true((e = cl_status_of(c, "o1", &j)) != -1);
	args = json_get(j, e, "args");
	assert_int_equal(json_len(j, args), 2);
	assert_true(json_streq(j, json_at(j, args, 0), "--help"));
	assert_true(json_streq(j, json_at(j, args, 1), "-x"));
	/* Right after the command too: what follows is an operand. */
	for (e = 0; e < 4; e++) {
		r = CTL(d, (const char *[]){ "stop", "status", "rm",
		    "logs" }[e], "--", "-x");
		r_status(r, 1);
		assert_non_null(strstr(r->err, "ENOALIAS"));
	}
	r_status(CTL(d, "stop", "--", "c1", "o1"), 0);
	r_status(CTL(d, "start", "--"), 2);
}

/* An alias may not start with '-', by --alias or --alias=. */
static void
test_conv_dash_alias(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;

	r = CTL(d, "start", "cat", "--alias=-x");
	r_status(r, 1);
	assert_string_equal(r->err, "runnerctl: EINVAL: invalid alias '-x': "
	    "it must not start with '-' (it would read as an option)\n");
	r = CTL(d, "start", "cat", "--alias", "--help-me");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "must not start with '-'"));
	r_status(CTL(d, "start", "cat", "--alias", "x-"), 0);
}

/*
 * A word with ESC and newline echoed in an error: on stderr as \033 and
 * \n, on one line, through the usage errors and each refusal.
 */
static void
test_conv_control_bytes(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	const char	*esc = "a\\033[2Jb\\nc";
	const char *const *argv;
	static const char *const tries[][5] = {
		{ "start", "cat", "--alias", "a\033[2Jb\nc", NULL },
		{ "start", "a\033[2Jb\nc", NULL },
		{ "stop", "a\033[2Jb\nc", NULL },
		{ "restart", "a\033[2Jb\nc", NULL },
		{ "kill", "a\033[2Jb\nc", NULL },
		{ "status", "a\033[2Jb\nc", NULL },
		{ "send", "a\033[2Jb\nc", "hi", NULL },
		{ "read", "a\033[2Jb\nc", NULL },
		{ "logs", "a\033[2Jb\nc", NULL },
		{ "attach", "a\033[2Jb\nc", NULL },
		{ "ask", "a\033[2Jb\nc", "x", NULL },
		{ "help", "a\033[2Jb\nc", NULL },
		{ "a\033[2Jb\nc", NULL },
		{ "status", "--a\033[2Jb\nc", NULL },
		{ "kill", "-s", "a\033[2Jb\nc", "x", NULL },
	};
	size_t		 k;

	for (k = 0; k < sizeof(tries) / sizeof(tries[0]); k++) {
		argv = tries[k];
		r = CTL(d, argv[0], argv[1], argv[2], argv[3]);
		if (r->status != 1 && r->status != 2)
			fail_msg("%s: exit %d", argv[0], r->status);
		if (strchr(r->err, '\033') != NULL ||
		    strstr(r->err, esc) == NULL)
			fail_msg("%s: stderr not escaped: %s", argv[0], r->err);
		/* One line of message (usage errors add the synopsis). */
		assert_true(strchr(r->err, '\n') == r->err + strlen(r->err) - 1 ||
		    strncmp(strchr(r->err, '\n') + 1, "usage: ", 7) == 0);
	}
}

/* apps: each command word as sh reads it back; control bytes as $'..'. */
static void
test_conv_apps_quoted(void **state)
{
	struct daemon	*d = *state;
	struct run	*r, *sh;
	char		*line, *argv[4];

	r_status(CTL(d, "update", d_file(d, "q.conf", "apps = {\n"
	    "  q = { command = [\"sh\", \"-c\", \"echo \\\"$1\\\"\", \"x y\", "
	    "\"it's\", \"a\\x1bb\", \"\"]; };\n};\n")), 0);
	r = CTL(d, "apps");
	r_status(r, 0);
	assert_null(strchr(r->out, '\033'));
	assert_non_null(line = strstr(r->out, "\nq "));
	assert_non_null(line = strstr(line, "sh -c "));
	*strchr(line, '\n') = '\0';
	assert_string_equal(line, "sh -c 'echo \"$1\"' 'x y' 'it'\\''s' "
	    "$'a\\033b' ''");
	/* Pasted back into bash: the same words. */
	argv[0] = (char *)"/bin/bash";
	argv[1] = (char *)"-c";
	argv[2] = d_fmt(d, "set -- %s; printf '<%%s>' \"$@\"", line);
	argv[3] = NULL;
	sh = t_run(d, argv, NULL, 0);
	r_status(sh, 0);
	assert_string_equal(sh->out, "<sh><-c><echo \"$1\"><x y><it's>"
	    "<a\033b><>");
}

/*
 * send at a terminal to an instance that never reads: after a second it
 * says so, with the bytes still queued; it ends when the instance does.
 */
static void
test_conv_send_not_reading(void **state)
{
	struct daemon	*d = *state;
	struct ptyrun	*p;
	char		*big, *path;
	int		 rc;

	r_status(CTL(d, "start", "silent", "--alias", "s1"), 0);
	assert_non_null(big = malloc(300 * 1024));
	memset(big, 'x', 300 * 1024);
	big[300 * 1024 - 1] = '\0';
	path = d_file(d, "big.txt", big);
	free(big);
	p = pty_spawn(d, path, "send", "s1", NULL);
	assert_true(pty_wait_for(p, "runnerctl: 's1' is not reading its "
	    "input ("));
	assert_true(pty_wait_for(p, " bytes queued); still waiting"));
	r_status(CTL(d, "stop", "s1"), 0);
	rc = pty_finish(p);
	assert_int_equal(rc, 1);
	/* Said once, not every second. */
	assert_true(strstr(strstr(p->text, "not reading") + 1,
	    "not reading") == NULL);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conv_help),
		T(test_conv_runnerd),
		T(test_conv_global_after),
		T(test_conv_dashdash),
		T(test_conv_dash_alias),
		T(test_conv_control_bytes),
		T(test_conv_apps_quoted),
		T(test_conv_send_not_reading),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
