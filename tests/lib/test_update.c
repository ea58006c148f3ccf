/*
 * test_update.c: runner_update_config adds or replaces the apps it names
 * and leaves the others, in both backends, with real children (shells
 * that say their pid, then exec cat): five running instances, an update
 * naming one new and one changed app, and the other instances are the
 * same processes; a bad update (a typo, a syntax error, a top-level
 * setting, two apps on one socket) changes nothing.  Through runnerd
 * also: a replaced app's instance is restarted, an update naming an app
 * whose instance is stopping, a reload of the file dropping what updates
 * added, two clients updating at once (neither update is lost), and an
 * older runnerd (protocol 5) refused with ENOTSUP rather than sent a
 * reload that would replace its configuration.
 */

#include "common.h"

/* A shell that says "VERSION PID" and becomes cat (the same pid). */
#define SAYS(v) "command = [\"sh\", \"-c\", \"echo " v " $$; exec cat\"];"
#define FIVE \
	"apps = {\n" \
	" a = { " SAYS("v1") " };\n" \
	" b = { " SAYS("v1") " };\n" \
	" c = { " SAYS("v1") " };\n" \
	" d = { " SAYS("v1") " };\n" \
	" e = { " SAYS("v1") " };\n" \
	"};\n"
#define NFIVE	5

static const char *const five[NFIVE] = { "a", "b", "c", "d", "e" };

/* A running instance: its channel and the pid it said. */
struct live {
	struct runner_channel	*ch;
	pid_t			 pid;
};

/*
 * Start app as alias, take its channel and its first line: "VERSION
 * PID".  The version it said is checked against want.
 */
static void
start_says(struct fixture *f, const char *app, const char *alias,
    const char *want, struct live *l)
{
	char	 line[128], v[16];
	long	 pid;

	if (runner_start(f->r, app, &(struct runner_start){ .alias = alias })
	    != 0)
		fail_msg("start %s: %s", alias, runner_errmsg(f->r));
	assert_non_null(l->ch = runner_get_channel(f->r, alias));
	t_read_line(l->ch, line, sizeof(line));
	if (sscanf(line, "%15s %ld", v, &pid) != 2)
		fail_msg("%s said '%s'", alias, line);
	assert_string_equal(v, want);
	l->pid = (pid_t)pid;
}

/* The same process, still answering on its channel. */
static void
still_there(struct live *l, const char *alias)
{
	char	 line[128];

	if (!t_alive(l->pid))
		fail_msg("%s (pid %ld) is gone", alias, (long)l->pid);
	t_write_all(l->ch, "ping\n", 5);
	t_read_line(l->ch, line, sizeof(line));
	assert_string_equal(line, "ping");
}

static void
start_five(struct fixture *f, struct live *l)
{
	size_t	 k;

	t_config(f, FIVE);
	for (k = 0; k < NFIVE; k++)
		start_says(f, five[k], five[k], "v1", &l[k]);
}

static void
close_all(struct live *l, size_t n)
{
	size_t	 k;

	for (k = 0; k < n; k++)
		runner_channel_close(l[k].ch);
}

/* A raw control connection to the test's runnerd. */
static int
raw_open(struct fixture *f)
{
	int	 fd;

	assert_true((fd = sock_connect(f->sock)) >= 0);
	return (fd);
}

static void
raw_send(int fd, const char *line)
{
	size_t	 len = strlen(line);

	assert_int_equal(write(fd, line, len), (ssize_t)len);
}

/* One line from fd (without its newline), waiting at most T_WAIT_MS. */
static struct json *
raw_line(int fd, char *buf, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	size_t		 n = 0;
	ssize_t		 k;
	struct json	*j;

	while (n + 1 < len) {
		if (poll(&pfd, 1, T_WAIT_MS) != 1)
			fail_msg("no line from runnerd within %d ms", T_WAIT_MS);
		if ((k = read(fd, buf + n, 1)) != 1)
			fail_msg("runnerd closed the connection");
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	assert_non_null(j = json_parse(buf, n, NULL, 0));
	return (j);
}

/* The JSON array key of the object at v, as "x y z". */
static const char *
list(struct json *j, int v, const char *key, char *buf, size_t len)
{
	char	*s;
	int	 a = json_get(j, v, key), k;
	size_t	 n = 0;

	buf[0] = '\0';
	for (k = 0; k < json_len(j, a); k++) {
		assert_non_null(s = json_str(j, json_at(j, a, k), NULL));
		n += snprintf(buf + n, len - n, "%s%s", k ? " " : "", s);
		free(s);
	}
	return (buf);
}

/*
 * One new app, one changed: the three others' instances are the same
 * processes, and so are the changed one's in-process (it is not
 * touched: its new command runs from its next start), while runnerd
 * restarts it with the new command, as its reload does.
 */
static void
test_update_keeps_others(void **state)
{
	struct fixture	*f = *state;
	struct live	 l[NFIVE], n, c2;
	struct json	*j;
	char		 line[4096], *alias;
	long long	 pid;
	size_t		 k;
	int		 sub = -1, ext, got;

	start_five(f, l);
	if (t_daemon()) {
		sub = raw_open(f);
		raw_send(sub, "{\"cmd\": \"subscribe\"}\n");
		json_free(raw_line(sub, line, sizeof(line)));
	}
	if (runner_update_config(f->r, "apps = {\n new = { " SAYS("v2")
	    " };\n c = { " SAYS("v2") " };\n};\n") != 0)
		fail_msg("update: %s", runner_errmsg(f->r));
	for (k = 0; k < NFIVE; k++)
		if (k != 2)
			still_there(&l[k], five[k]);
	if (!t_daemon())
		still_there(&l[2], "c");
	else {
		/* Restarted: the old process goes, a new one says v2. */
		assert_true(t_wait_gone(l[2].pid));
		for (got = 0; !got; json_free(j)) {
			j = raw_line(sub, line, sizeof(line));
			ext = json_get(j, 0, "ext");
			alias = json_str(j, json_get(j, ext, "alias"), NULL);
			got = alias != NULL && strcmp(alias, "c") == 0 &&
			    json_int(j, json_get(j, ext, "pid"), &pid) == 0 &&
			    pid != l[2].pid;
			free(alias);
		}
		close(sub);
		assert_int_equal(t_daemon_status(f, "c", "pid"), pid);
	}
	for (k = 0; k < NFIVE; k++)
		assert_int_equal(runner_ensure_running(f->r, five[k], NULL),
		    RUNNER_RUNNING);
	start_says(f, "new", "new", "v2", &n);
	start_says(f, "c", "c2", "v2", &c2);
	close_all(l, NFIVE);
	close_all(&n, 1);
	close_all(&c2, 1);
}

/* Refused, with exactly msg. */
static void
refused(struct fixture *f, const char *text, const char *msg)
{
	assert_int_equal(runner_update_config(f->r, text), RUNNER_ECONFIG);
	assert_string_equal(runner_errmsg(f->r), msg);
}

/*
 * A bad update changes nothing: the same processes run, the new app is
 * unknown, the changed one starts as before.  An empty one changes
 * nothing and is no error.
 */
static void
test_update_refused(void **state)
{
	struct fixture	*f = *state;
	struct live	 l[NFIVE], c2;
	char		 text[1024], msg[1024];
	size_t		 k;

	start_five(f, l);
	t_config(f, "apps = { s = { command = \"socat\"; type = \"socket\"; "
	    "socket = \"%s/s.sock\"; }; };", f->dir);
	refused(f, "apps = {\n new = { " SAYS("v2") " };\n c = { comand = "
	    "\"cat\"; };\n};\n", "<text>:3: apps.c: unknown option 'comand' "
	    "(did you mean 'command'?)");
	refused(f, "apps = { new = { " SAYS("v2") " };", "<text>:1: syntax "
	    "error");
	refused(f, "apps = { new = { " SAYS("v2") " }; };\nallow_group = "
	    "\"root\";\n", "<text>:2: allow_group: an update adds or "
	    "replaces apps only; 'allow_group' changes with a reload of the "
	    "whole configuration");
	snprintf(text, sizeof(text), "apps = {\n c = { " SAYS("v2") " };\n"
	    " s2 = { command = \"socat\"; type = \"socket\"; socket = "
	    "\"%s/s.sock\"; };\n};\n", f->dir);
	snprintf(msg, sizeof(msg), "<text>:3: apps.s2: socket '%s/s.sock' is "
	    "also the socket of apps.s (<text>:1)", f->dir);
	refused(f, text, msg);
	assert_int_equal(runner_update_config(f->r, ""), 0);
	assert_int_equal(runner_update_config(f->r, "apps = {};"), 0);

	for (k = 0; k < NFIVE; k++)
		still_there(&l[k], five[k]);
	assert_int_equal(runner_start(f->r, "new", NULL), RUNNER_ENOAPP);
	assert_int_equal(runner_start(f->r, "s2", NULL), RUNNER_ENOAPP);
	start_says(f, "c", "c2", "v1", &c2);
	close_all(l, NFIVE);
	close_all(&c2, 1);
}

/*
 * Through runnerd, an update naming an app whose instance is stopping:
 * the update is answered at once (while the stop waits out the
 * instance's stop_timeout), its report names the app changed but
 * restarts nothing, and the stop ends the instance for good.  Both on
 * one connection, so runnerd reads them in this order.
 */
static void
test_update_while_stopping(void **state)
{
	struct fixture	*f = *state;
	struct live	 s, s2;
	struct json	*j;
	char		 line[4096], buf[256];
	long long	 tag = 0;
	char		*st;
	int		 fd, ext;

	if (!t_daemon())
		skip();
	/* TERM ignored (and so by cat): the stop takes its stop_timeout. */
	t_config(f, "apps = { slow = { command = [\"sh\", \"-c\", \"trap '' "
	    "TERM; echo v1 $$; exec cat\"]; stop_timeout = 0.5; }; };");
	start_says(f, "slow", "slow", "v1", &s);
	fd = raw_open(f);
	raw_send(fd, "{\"tag\": 1, \"cmd\": \"stop\", \"ext\": {\"alias\": "
	    "\"slow\"}}\n{\"tag\": 2, \"cmd\": \"update\", \"ext\": {\"config\":"
	    " \"apps = { slow = { command = \\\"cat\\\"; }; };\"}}\n");
	j = raw_line(fd, line, sizeof(line));
	assert_int_equal(json_int(j, json_get(j, 0, "tag"), &tag), 0);
	assert_int_equal(tag, 2);
	ext = json_get(j, 0, "ext");
	assert_string_equal(list(j, ext, "changed", buf, sizeof(buf)), "slow");
	assert_string_equal(list(j, ext, "restarted", buf, sizeof(buf)), "");
	assert_string_equal(list(j, ext, "removed", buf, sizeof(buf)), "");
	json_free(j);
	j = raw_line(fd, line, sizeof(line));
	assert_int_equal(json_int(j, json_get(j, 0, "tag"), &tag), 0);
	assert_int_equal(tag, 1);
	assert_string_equal(list(j, json_get(j, 0, "ext"), "stopped", buf,
	    sizeof(buf)), "slow");
	json_free(j);
	close(fd);
	assert_false(t_alive(s.pid));
	/* Stopped by a raw stop: listed as stopped (protocol 7). */
	assert_int_equal(t_daemon_ask(f, "status", "{\"alias\": \"slow\"}",
	    &st, NULL, 0), 0);
	assert_non_null(strstr(st, "\"state\":\"stopped\""));
	free(st);
	t_config(f, "apps = { slow = { " SAYS("v2") " }; };");
	start_says(f, "slow", "slow", "v2", &s2);
	close_all(&s, 1);
	close_all(&s2, 1);
}

/*
 * Updates are runnerd's own: a reload of its file brings back the
 * file's apps only, and the instances of the apps updates added stop.
 * The report of each says so.
 */
static void
test_update_then_reload(void **state)
{
	struct fixture	*f = *state;
	struct json	*j;
	char		*reply, buf[256];

	if (!t_daemon())
		skip();
	assert_int_equal(t_daemon_ask(f, "update", "{\"config\": \"apps = { "
	    "x = { command = \\\"cat\\\"; autostart = true; }; };\"}", &reply,
	    NULL, 0), 0);
	assert_non_null(j = json_parse(reply, strlen(reply), NULL, 0));
	assert_string_equal(list(j, 0, "added", buf, sizeof(buf)), "x");
	assert_string_equal(list(j, 0, "started", buf, sizeof(buf)), "x");
	json_free(j);
	free(reply);
	assert_int_equal(t_daemon_ask(f, "reload", NULL, &reply, NULL, 0), 0);
	assert_non_null(j = json_parse(reply, strlen(reply), NULL, 0));
	assert_string_equal(list(j, 0, "removed", buf, sizeof(buf)), "x");
	assert_string_equal(list(j, 0, "stopped", buf, sizeof(buf)), "x");
	json_free(j);
	free(reply);
	assert_int_equal(runner_start(f->r, "x", NULL), RUNNER_ENOAPP);
}

/*
 * Two clients update at once, each naming its own app: runnerd applies
 * them one after the other, each on what the other left, so neither is
 * lost, whichever came first.
 */
static void
test_update_two_clients(void **state)
{
	struct fixture	*f = *state;
	struct json	*j;
	char		 line[4096];
	int		 a, b, ok = 0;

	if (!t_daemon())
		skip();
	a = raw_open(f);
	b = raw_open(f);
	raw_send(a, "{\"tag\": 1, \"cmd\": \"update\", \"ext\": {\"config\": "
	    "\"apps = { x = { command = \\\"cat\\\"; }; };\"}}\n");
	raw_send(b, "{\"tag\": 1, \"cmd\": \"update\", \"ext\": {\"config\": "
	    "\"apps = { y = { command = \\\"cat\\\"; }; };\"}}\n");
	j = raw_line(a, line, sizeof(line));
	assert_int_equal(json_bool(j, json_get(j, 0, "ok"), &ok), 0);
	assert_true(ok);
	json_free(j);
	j = raw_line(b, line, sizeof(line));
	assert_int_equal(json_bool(j, json_get(j, 0, "ok"), &ok), 0);
	assert_true(ok);
	json_free(j);
	close(a);
	close(b);
	assert_int_equal(runner_start(f->r, "x", NULL), 0);
	assert_int_equal(runner_start(f->r, "y", NULL), 0);
}

/*
 * The text's bound is the same in both backends (runnerd takes it on
 * one line): past it EINVAL, and the runner works on (through runnerd a
 * line too long made runnerd close the connection: every later call
 * failed ECLOSED).
 */
static void
test_update_too_long(void **state)
{
	struct fixture	*f = *state;
	size_t		 n = RUNNER_CONFIG_TEXT_MAX + 1;
	char		*text;

	assert_non_null(text = malloc(n + 1));
	memset(text, ' ', n);
	text[n] = '\0';
	memcpy(text, "apps = { big = { command = \"cat\"; }; };", 39);
	assert_int_equal(runner_update_config(f->r, text), RUNNER_EINVAL);
	assert_non_null(strstr(runner_errmsg(f->r), "at most 512 KiB"));
	text[n - 1] = '\0';		/* at the bound: taken */
	assert_int_equal(runner_update_config(f->r, text), 0);
	free(text);
	assert_int_equal(runner_update_config(f->r, "apps = { b = { command "
	    "= \"cat\"; }; };"), 0);
	assert_int_equal(runner_start(f->r, "big", NULL), 0);
}

/*
 * A runnerd of protocol 5, played by a child that answers hello and
 * writes every other command it gets to the pipe: runner_update_config
 * is ENOTSUP with a message, and nothing reaches it.
 */
static void
test_update_old_runnerd(void **state)
{
	struct fixture		*f = *state;
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct runner		*r;
	char			 line[4096], got[256] = "";
	long long		 tag = 0;
	struct json		*j;
	int			 ls, fd, p[2], status;
	ssize_t			 n;
	pid_t			 pid;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/old.sock", f->dir);
	assert_true((ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >=
	    0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if ((fd = accept(ls, NULL, NULL)) == -1)
			_exit(1);
		/* raw_line fails the test by longjmp: not in a child. */
		for (;;) {
			size_t	 k = 0;

			while (k + 1 < sizeof(line) && read(fd, line + k, 1) ==
			    1 && line[k] != '\n')
				k++;
			if (k == 0)
				_exit(0);
			line[k] = '\0';
			if (strstr(line, "\"hello\"") == NULL) {
				(void)!write(p[1], line, k);
				_exit(0);
			}
			j = json_parse(line, k, NULL, 0);
			json_int(j, json_get(j, 0, "tag"), &tag);
			dprintf(fd, "{\"tag\": %lld, \"ok\": true, \"ext\": "
			    "{\"protocol\": 5}}\n", tag);
			json_free(j);
		}
	}
	assert_true(pid > 0);
	close(p[1]);
	close(ls);
	assert_non_null(r = runner_connect(sun.sun_path));
	assert_int_equal(runner_update_config(r, "apps = { x = { command = "
	    "\"cat\"; }; };"), RUNNER_ENOTSUP);
	snprintf(line, sizeof(line), "runnerd at %s speaks protocol 5; an "
	    "update that keeps the apps it does not name needs 6 "
	    "(runner_load_config replaces them all)", sun.sun_path);
	assert_string_equal(runner_errmsg(r), line);
	runner_free(r);
	/* It hung up: the child ends, having been sent nothing else. */
	assert_true(t_wait_child(pid, &status, T_WAIT_MS));
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	assert_int_equal(n, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_update_keeps_others,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_update_refused,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_update_while_stopping,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_update_then_reload,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_update_two_clients,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_update_too_long,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_update_old_runnerd,
		    t_setup, t_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
