/*
 * test_privilege.c: what a user runnerd lets in may do, and what an app
 * that runs as another user gets from runnerd.
 *
 * allow_group members operate the configured apps but never change what
 * runnerd runs: reload with text, with a path or of the file, the
 * library's runner_update_config and runner_load_config through runnerd,
 * shutdown, and a start with its own cwd or socket are refused with
 * EPERM naming the rule (runnerctl exits 1), while start, stop and
 * restart of a configured app work; runnerd's own uid may reload.  A
 * reload that drops allow_group closes its members' open connections.
 *
 * An app with user = gets a clean environment: runnerd's SECRET_TOKEN,
 * HOME and SHELL do not reach it; it gets the HOME, USER, LOGNAME and
 * SHELL of its user (HOME=/, the number, and no SHELL for an id without
 * a passwd entry), the default PATH, and its env over those.
 * env_inherit = true brings runnerd's environment back, under the user's
 * identity; an app without user inherits as before, and env_inherit =
 * false gives it a clean one of runnerd's user.  The in-process backend
 * (runner_new) does the same.
 *
 * Peers and apps of another uid need root (setpriv(1) for peers); those
 * tests skip with a message without it.
 */

#include <sys/wait.h>

#include <grp.h>
#include <pwd.h>

#include "daemon.h"

#define NOBODY		"65534"
#define NO_ENTRY	"54321"		/* a uid without a passwd entry */
#define SECRET		"SECRET_TOKEN=hunter2"
#define PATH_USER	"/usr/local/bin:/usr/bin:/bin"
#define PATH_ROOT	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
			    "/sbin:/bin"
#define REFUSED		"uid 65534 may operate the configured apps but not "
#define ONLY_OWNER	": only root and runnerd's user (uid 0) may change " \
			    "what runnerd runs"

static int
p_root(void)
{
	if (geteuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0)
		return (1);
	print_message("skipped: needs root and setpriv(1)\n");
	return (0);
}

static gid_t
p_gid(const char *name)
{
	struct group	*gr;

	if ((gr = getgrnam(name)) == NULL)
		fail_msg("no group %s on this system", name);
	return (gr->gr_gid);
}

/* runnerctl -s SOCK ARGS... (NULL-terminated) as uid 65534, group gid. */
static struct run *
p_ctl_as(struct daemon *d, gid_t gid, ...)
{
	char		*argv[24];
	const char	*a;
	va_list		 ap;
	int		 n = 0;

	argv[n++] = (char *)"/usr/bin/setpriv";
	argv[n++] = (char *)"--reuid=" NOBODY;
	argv[n++] = d_fmt(d, "--regid=%lu", (unsigned long)gid);
	argv[n++] = (char *)"--clear-groups";
	argv[n++] = d->runnerctl;
	argv[n++] = (char *)"-s";
	argv[n++] = d->sock;
	va_start(ap, gid);
	while ((a = va_arg(ap, const char *)) != NULL && n < 23)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return (t_run(d, argv, NULL, 0));
}

/* The run exited 1 with runnerctl's EPERM line holding want. */
static void
p_refused(const struct run *r, const char *want)
{
	r_status(r, 1);
	if (strstr(r->err, "runnerctl: EPERM: ") == NULL ||
	    strstr(r->err, want) == NULL)
		fail_msg("want an EPERM saying '%s'; stderr: %s", want,
		    r->err);
}

/* uid 65534 of group gid: the library's calls through runnerd. */
enum {
	LIB_OK,
	LIB_CONNECT,		/* runner_connect failed */
	LIB_UPDATE,		/* runner_update_config was not EPERM */
	LIB_LOAD,		/* runner_load_config was not EPERM */
	LIB_CWD,		/* a start with cwd was not EPERM */
	LIB_SOCKET,		/* a start with socket was not EPERM */
	LIB_START,		/* a plain start failed */
	LIB_STOP,		/* runner_terminate failed */
	LIB_IDS			/* could not become uid 65534 */
};
static const char *const lib_what[] = {
	"ok", "runner_connect failed", "runner_update_config was not EPERM",
	"runner_load_config was not EPERM", "start with cwd was not EPERM",
	"start with socket was not EPERM", "a plain start failed",
	"runner_terminate failed", "could not become uid 65534"
};

static int
p_lib_child(struct daemon *d, gid_t gid, const char *text, const char *path)
{
	struct runner_start	 o;
	struct runner		*r;

	if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
	    setuid(65534) == -1)
		return (LIB_IDS);
	if ((r = runner_connect(d->sock)) == NULL)
		return (LIB_CONNECT);
	if (runner_update_config(r, text) != RUNNER_EPERM ||
	    strstr(runner_errmsg(r), REFUSED "update the configuration") ==
	    NULL)
		return (LIB_UPDATE);
	if (runner_load_config(r, path) != RUNNER_EPERM)
		return (LIB_LOAD);
	memset(&o, 0, sizeof(o));
	o.cwd = "/";
	if (runner_start(r, "cat", &o) != RUNNER_EPERM ||
	    strstr(runner_errmsg(r), "'cwd'") == NULL)
		return (LIB_CWD);
	memset(&o, 0, sizeof(o));
	o.socket = "/tmp/x.sock";
	if (runner_start(r, "cat", &o) != RUNNER_EPERM)
		return (LIB_SOCKET);
	memset(&o, 0, sizeof(o));
	o.alias = "lib";
	if (runner_start(r, "cat", &o) != 0)
		return (LIB_START);
	if (runner_terminate(r, "lib") != 0)
		return (LIB_STOP);
	runner_free(r);
	return (LIB_OK);
}

/*
 * A member of allow_group may run the configured apps, never change
 * them.  On the old code every one of these refusals was a success: the
 * reload with text defined "pwn", which ran `touch` as root.
 */
static void
test_group_may_not_configure(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct stat	 st;
	gid_t		 g;
	char		*pwned, *evil, *path;
	pid_t		 pid;
	int		 status;

	if (!p_root())
		skip();
	g = p_gid("daemon");
	pwned = d_fmt(d, "%s/pwned", d->dir);
	evil = d_fmt(d, "allow_group = \"daemon\";\napps = { pwn = { command "
	    "= [\"touch\", \"%s\"]; autostart = true; restart = \"no\"; }; "
	    "cat = { command = \"cat\"; restart = \"no\"; }; };\n", pwned);
	path = d_file(d, "evil.conf", evil);
	d_start(d, "allow_group = \"daemon\";\n"
	    "apps = { cat = { command = \"cat\"; restart = \"no\"; }; };\n");
	/* Let uid 65534 reach the socket (0660, group daemon). */
	assert_int_equal(chmod(d->dir, 0711), 0);

	/* The configuration: the file, another file, and text. */
	p_refused(p_ctl_as(d, g, "reload", NULL),
	    REFUSED "reload the configuration" ONLY_OWNER);
	d_wait_log(d, "reload refused: " REFUSED "reload the configuration");
	p_refused(p_ctl_as(d, g, "reload", path, NULL),
	    REFUSED "reload the configuration");
	if ((pid = fork()) == 0)
		_exit(p_lib_child(d, g, evil, path));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != LIB_OK)
		fail_msg("as uid 65534 through librunner: %s", WIFEXITED(status)
		    && WEXITSTATUS(status) <= LIB_IDS ?
		    lib_what[WEXITSTATUS(status)] : "crashed");

	/* Where a configured program runs: cwd and socket. */
	p_refused(p_ctl_as(d, g, "start", "cat", "--cwd", d->dir, NULL),
	    REFUSED "start an app in a directory of its choosing ('cwd')");
	p_refused(p_ctl_as(d, g, "start", "cat", "--socket", "x.sock", NULL),
	    REFUSED "start an app on a socket path of its choosing");

	/* runnerd itself. */
	p_refused(p_ctl_as(d, g, "shutdown", NULL),
	    REFUSED "shut runnerd down");

	/* Nothing of that took: no pwn app, nothing ran, runnerd serves. */
	r = CTL(d, "apps");
	r_status(r, 0);
	assert_null(strstr(r->out, "pwn"));
	assert_int_equal(stat(pwned, &st), -1);

	/* What a member may do: the configured apps, with extra args. */
	r = p_ctl_as(d, g, "start", "cat", "--alias", "c1", "--", "-u", NULL);
	r_status(r, 0);
	r_status(p_ctl_as(d, g, "restart", "c1", NULL), 0);
	r_status(p_ctl_as(d, g, "status", NULL), 0);
	r_status(p_ctl_as(d, g, "stop", "c1", NULL), 0);

	/* runnerd's own uid may reload, and the text is what it says. */
	r = CTL(d, "reload", path);
	r_status(r, 0);
	d_wait_log(d, "pwn: ");
	d_stop(d, SIGTERM);
}

/*
 * As uid 65534 of group gid: connect, be served once, then read until
 * runnerd closes the connection.  Exit 0 on that close, 1 if never
 * served, 2 if the connection could not be made.
 */
static int
p_member_child(struct daemon *d, gid_t gid, int ready)
{
	char	 b[4096];
	ssize_t	 n;
	int	 fd;

	if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
	    setuid(65534) == -1 || (fd = sock_connect(d->sock)) == -1)
		return (2);
	if (fcntl(fd, F_SETFL, 0) == -1)
		return (2);
	if (write(fd, "{\"tag\":1,\"cmd\":\"hello\"}\n", 25) != 25 ||
	    (n = read(fd, b, sizeof(b))) <= 0 || memmem(b, (size_t)n,
	    "\"ok\":true", 9) == NULL)
		return (1);
	(void)!write(ready, "x", 1);
	while ((n = read(fd, b, sizeof(b))) > 0)
		;
	return (n == 0 ? 0 : 1);
}

/*
 * A reload that drops allow_group closes its members' open connections;
 * the owner's stay.  On the old code the member kept its connection.
 */
static void
test_reload_drops_members(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	long long	 end;
	pid_t		 pid;
	char		 x;
	int		 p[2], status;

	if (!p_root())
		skip();
	d_start(d, "allow_group = \"daemon\";\n"
	    "apps = { cat = { command = \"cat\"; restart = \"no\"; }; };\n");
	assert_int_equal(chmod(d->dir, 0711), 0);
	c = cl_open(d);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		_exit(p_member_child(d, p_gid("daemon"), p[1]));
	}
	assert_true(pid > 0);
	close(p[1]);
	if (read(p[0], &x, 1) != 1) {
		waitpid(pid, &status, 0);
		fail_msg("the member was not served (exit %d)",
		    WEXITSTATUS(status));
	}
	close(p[0]);

	/* The same group again: the member stays (checked below). */
	j_ok(cl_call(c, "reload", NULL));

	d_file(d, "runner.conf",
	    "apps = { cat = { command = \"cat\"; restart = \"no\"; }; };\n");
	j_ok(cl_call(c, "reload", NULL));
	end = t_ms() + T_WAIT_MS;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (t_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the member's connection outlived the reload "
			    "that dropped allow_group");
		}
		usleep(10000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("member child: status 0x%x", status);
	d_wait_log(d, "uid 65534 is not in allow_group (none) any more; "
	    "closing");
	/* Logged before the one above, had the first reload closed it. */
	pthread_mutex_lock(&d->mu);
	d->log[d->loglen] = '\0';
	x = strstr(d->log, "allow_group daemon any more") != NULL;
	pthread_mutex_unlock(&d->mu);
	assert_false(x);
	j_ok(cl_call(c, "status", NULL));	/* the owner's stays */
	d_stop(d, SIGTERM);
}

/*
 * runnerd's environment for the env tests: a secret, and a HOME, SHELL
 * and PATH of its own that must not reach a user = app.
 */
static void
p_env(struct daemon *d)
{
	char	**env;
	size_t	  n, k = 0, i;

	n = argv_len(d->envp);
	assert_non_null(env = calloc(n + 5, sizeof(*env)));
	for (i = 0; i < n; i++)
		if (strncmp(d->envp[i], "HOME=", 5) != 0 &&
		    strncmp(d->envp[i], "SHELL=", 6) != 0 &&
		    strncmp(d->envp[i], "PATH=", 5) != 0)
			env[k++] = d->envp[i];
	env[k++] = (char *)SECRET;
	env[k++] = (char *)"HOME=/runnerd/home";
	env[k++] = (char *)"SHELL=/runnerd/shell";
	env[k++] = (char *)"PATH=/runnerd/bin:/usr/bin:/bin";
	free(d->envp);
	d->envp = env;
}

/*
 * An app that prints what it was given, one field each between |, then
 * stays: "${SECRET_TOKEN-unset}|$HOME|$USER|$LOGNAME|${SHELL-unset}|
 * $PATH|${APPVAR-unset}|count of HOME= entries|".
 */
#define SHOW(name, rest) \
	"  " name " = { command = [\"/bin/sh\", \"-c\", \"printf '%s|' " \
	"\\\"${SECRET_TOKEN-unset}\\\" \\\"$HOME\\\" \\\"$USER\\\" " \
	"\\\"$LOGNAME\\\" \\\"${SHELL-unset}\\\" \\\"$PATH\\\" " \
	"\\\"${APPVAR-unset}\\\" $(/usr/bin/env | /bin/grep -c ^HOME=); " \
	"echo; exec /bin/cat\"]; restart = \"no\"; " rest " };\n"

/* Start app (alias app); its first line of output must be want. */
static void
p_expect(struct client *c, const char *app, const char *want)
{
	struct buf	 got;
	struct json	*j;
	long long	 end = t_ms() + T_WAIT_MS;
	size_t		 n;
	void		*p;
	int		 ext;

	cl_start(c, app, app);
	buf_init(&got);
	while (buf_used(&got) == 0 ||
	    buf_head(&got)[buf_used(&got) - 1] != '\n') {
		if (t_ms() > end)
			fail_msg("%s: no line in %d ms", app, T_WAIT_MS);
		j = cl_call(c, "read", "{\"alias\": \"%s\", \"wait\": 1}",
		    app);
		ext = j_ok(j);
		p = j_b64(j, ext, "data", &n);
		assert_int_equal(buf_add(&got, p, n), 0);
	}
	assert_string_equal(d_fmt(c->d, "%.*s", (int)buf_used(&got) - 1,
	    buf_head(&got)), want);
	buf_free(&got);
}

/* user = apps: a clean environment by default; env_inherit brings it back. */
static void
test_user_env(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct passwd	*pw;
	char		*nb;

	if (geteuid() != 0) {
		print_message("skipped: only root may run apps as other "
		    "users\n");
		skip();
	}
	assert_non_null(pw = getpwnam("nobody"));
	nb = d_fmt(d, "%s|nobody|nobody|%s", pw->pw_dir, pw->pw_shell);
	p_env(d);
	d_start(d, "apps = {\n"
	    SHOW("clean", "user = \"nobody\"; env = { APPVAR = \"app\"; };")
	    SHOW("over", "user = \"nobody\"; env = { HOME = \"/srv/app\"; "
	    "PATH = \"/opt/bin:/usr/bin:/bin\"; SHELL = \"/bin/dash\"; };")
	    SHOW("plain", "env = { APPVAR = \"app\"; };")
	    "};\n");
	c = cl_open(d);

	p_expect(c, "clean", d_fmt(d, "unset|%s|" PATH_USER "|app|1|", nb));
	p_expect(c, "over", "unset|/srv/app|nobody|nobody|/bin/dash|"
	    "/opt/bin:/usr/bin:/bin|unset|1|");
	/* Without user: runnerd's environment, as always. */
	p_expect(c, "plain", d_fmt(d, "hunter2|/runnerd/home|%s|%s|"
	    "/runnerd/shell|/runnerd/bin:/usr/bin:/bin|app|1|",
	    getenv("USER") != NULL ? getenv("USER") : "",
	    getenv("LOGNAME") != NULL ? getenv("LOGNAME") : ""));
	d_stop(d, SIGTERM);
}

/*
 * A uid without a passwd entry: no home (HOME=/), its number as USER and
 * LOGNAME, no login shell (SHELL unset); env_file is read as usual.
 * The old code gave it runnerd's HOME (/root, under systemd).
 */
static void
test_user_env_no_entry(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;

	if (geteuid() != 0) {
		print_message("skipped: only root may run apps as other "
		    "users\n");
		skip();
	}
	assert_null(getpwuid((uid_t)atoi(NO_ENTRY)));
	d_file(d, "vars", "APPVAR=from-file\n");
	p_env(d);
	d_start(d, "apps = {\n"
	    SHOW("number", "user = \"" NO_ENTRY "\"; env_file = \"vars\";")
	    "};\n");
	c = cl_open(d);
	p_expect(c, "number", "unset|/|" NO_ENTRY "|" NO_ENTRY "|unset|"
	    PATH_USER "|from-file|1|");
	d_stop(d, SIGTERM);
}

/* env_inherit = true: runnerd's environment, under the user's identity. */
static void
test_user_env_inherit(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct passwd	*pw;

	if (geteuid() != 0) {
		print_message("skipped: only root may run apps as other "
		    "users\n");
		skip();
	}
	assert_non_null(pw = getpwnam("nobody"));
	p_env(d);
	d_start(d, "apps = {\n"
	    SHOW("inherit", "user = \"nobody\"; env_inherit = true; "
	    "env = { APPVAR = \"app\"; };")
	    "};\n");
	c = cl_open(d);
	p_expect(c, "inherit", d_fmt(d, "hunter2|%s|nobody|nobody|%s|"
	    "/runnerd/bin:/usr/bin:/bin|app|1|", pw->pw_dir, pw->pw_shell));
	d_stop(d, SIGTERM);
}

/*
 * env_inherit = false without user: a clean environment of runnerd's
 * own user (no root needed); and a bad value is a file:line error.
 */
static void
test_env_inherit_false(void **state)
{
	struct daemon	*d = *state;
	struct client	*c;
	struct passwd	*pw;
	struct run	*r;

	assert_non_null(pw = getpwuid(geteuid()));
	p_env(d);
	d_start(d, "apps = {\n"
	    SHOW("mine", "env_inherit = false; env = { APPVAR = \"app\"; };")
	    "};\n");
	c = cl_open(d);
	p_expect(c, "mine", d_fmt(d, "unset|%s|%s|%s|%s|%s|app|1|",
	    pw->pw_dir, pw->pw_name, pw->pw_name, pw->pw_shell[0] != '\0' ?
	    pw->pw_shell : "/bin/sh", geteuid() == 0 ? PATH_ROOT :
	    PATH_USER));

	/* Not a boolean: refused with file:line, the old one stays. */
	d_file(d, "runner.conf", "apps = {\n"
	    "  mine = { command = \"cat\"; env_inherit = \"yes\"; };\n};\n");
	r = CTL(d, "reload");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runner.conf:2: apps.mine.env_inherit: "
	    "expected a boolean"));
	d_stop(d, SIGTERM);
}

/* The in-process backend builds the same environment (launch.c). */
static void
test_local_env(void **state)
{
	struct daemon		*d = *state;
	struct runner		*r;
	struct runner_channel	*ch;
	struct passwd		*pw;
	char			 got[512], *want;
	size_t			 n = 0;
	ssize_t			 k;

	if (geteuid() != 0) {
		print_message("skipped: only root may run apps as other "
		    "users\n");
		skip();
	}
	assert_non_null(pw = getpwnam("nobody"));
	want = d_fmt(d, "unset|%s|nobody|nobody|%s|" PATH_USER "|app|1|\n",
	    pw->pw_dir, pw->pw_shell);
	assert_int_equal(setenv("SECRET_TOKEN", "hunter2", 1), 0);
	assert_non_null(r = runner_new());
	if (runner_update_config(r, "apps = {\n" SHOW("clean", "user = "
	    "\"nobody\"; env = { APPVAR = \"app\"; };") "};\n") != 0)
		fail_msg("config: %s", runner_errmsg(r));
	if (runner_start(r, "clean", NULL) != 0)
		fail_msg("start: %s", runner_errmsg(r));
	assert_non_null(ch = runner_get_channel(r, "clean"));
	while (n < sizeof(got) - 1 && (n == 0 || got[n - 1] != '\n')) {
		if ((k = runner_channel_read(ch, got + n, sizeof(got) - 1 -
		    n)) == RUNNER_EAGAIN) {
			assert_true(runner_channel_wait(ch, T_WAIT_MS) >= 0);
			continue;
		}
		if (k <= 0)
			fail_msg("read: %zd after '%.*s'", k, (int)n, got);
		n += (size_t)k;
	}
	got[n] = '\0';
	runner_channel_close(ch);
	runner_free(r);
	unsetenv("SECRET_TOKEN");
	assert_string_equal(got, want);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_group_may_not_configure),
		T(test_reload_drops_members),
		T(test_user_env),
		T(test_user_env_no_entry),
		T(test_user_env_inherit),
		T(test_env_inherit_false),
		T(test_local_env),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
