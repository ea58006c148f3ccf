/*
 * test_logsafe.c: the log file is opened the safe way, as an attacker
 * would try it.  A symbolic link planted as the log, as LOG.1 or as a
 * parent directory, in a directory that someone else may write, never
 * makes runnerd write, create or rename through it; a `user' app's own
 * directory is worked in as that user; /dev/stdout still works.  A log
 * deleted or renamed under runnerd is opened anew (and its space freed),
 * and a write that fails halfway through a line (EFBIG under
 * RLIMIT_FSIZE; ENOSPC on a 16 KiB tmpfs) leaves whole lines only, also
 * once space comes back.
 *
 * The attacks by another uid need root (CI runs as root): the test acts
 * as nobody (65534) for the attacker's steps.  The tmpfs needs root (a
 * mount namespace of the test's own).  Both skip with a message
 * otherwise.
 */

#include <sys/mount.h>

#include <pwd.h>
#include <sched.h>

#include "output.h"

#define NOBODY		65534
#define LINE		64		/* bytes per line of `full' */
#define FSIZE		10000		/* its RLIMIT_FSIZE: not whole lines */

/* The apps; DIR is the test's directory. */
static inline char *
safe_conf(struct daemon *d)
{
	return (d_fmt(d,
	    "apps = {\n"
	    "  pub = { command = [\"sh\", \"-c\", \"echo pub >&2\"]; "
	    "log = \"%s/pub/app.log\"; restart = \"no\"; };\n"
	    "  nob = { command = [\"sh\", \"-c\", \"echo nob >&2\"]; "
	    "user = \"nobody\"; log = \"%s/nob/app.log\"; restart = \"no\"; };\n"
	    "  nobrot = { command = [\"sh\", \"-c\", \"while read x; do "
	    "echo \\\"$x\\\" >&2; done\"]; user = \"nobody\"; "
	    "log = \"%s/nob/rot.log\"; log_max_size = 100; log_keep = 2; "
	    "restart = \"no\"; };\n"
	    "  home = { command = [\"sh\", \"-c\", \"while read x; do "
	    "echo \\\"$x\\\" >&2; done\"]; log = \"%s/home/logs/app.log\"; "
	    "log_max_size = 100; log_keep = 1; restart = \"no\"; };\n"
	    "  gone = { command = [\"sh\", \"-c\", \"while read x; do "
	    "echo \\\"$x\\\" >&2; done\"]; log = \"%s/gone.log\"; "
	    "restart = \"no\"; };\n"
	    "  sha = { command = [\"sh\", \"-c\", \"while read x; do "
	    "echo \\\"$x\\\" >&2; done\"]; user = \"nobody\"; "
	    "log = \"%s/nob/shared.log\"; restart = \"no\"; };\n"
	    "  shb = { command = [\"sh\", \"-c\", \"while read x; do "
	    "echo \\\"$x\\\" >&2; done\"]; "
	    "log = \"%s/nob/shared.log\"; restart = \"no\"; };\n"
	    "  lnk = { command = [\"sh\", \"-c\", \"echo lnk >&2\"]; "
	    "log = \"%s/lnk/app.log\"; restart = \"no\"; };\n"
	    "  out = { command = [\"sh\", \"-c\", \"echo to-stdout >&2\"]; "
	    "log = \"/dev/stdout\"; restart = \"no\"; };\n"
	    "  full = { command = [\"sh\", \"-c\", \"i=0; while [ $i -lt 400 ]; "
	    "do printf '%%063d\\\\n' $i >&2; i=$((i+1)); done; "
	    "while read x; do echo \\\"$x\\\" >&2; done\"]; "
	    "log = \"%s/full.log\"; log_max_size = 0; restart = \"no\"; };\n"
	    "  small = { command = [\"sh\", \"-c\", \"i=0; while [ $i -lt 400 ]; "
	    "do printf '%%049d\\\\n' $i >&2; i=$((i+1)); done; "
	    "while read x; do echo \\\"$x\\\" >&2; done\"]; "
	    "log = \"%s/small/app.log\"; log_max_size = 0; restart = \"no\"; };\n"
	    "};\n", d->dir, d->dir, d->dir, d->dir, d->dir, d->dir, d->dir,
	    d->dir, d->dir, d->dir));
}

static int
safe_setup(void **state)
{
	struct daemon	*d;

	t_setup_bare(state);
	d = *state;
	d_start(d, safe_conf(d));
	return (0);
}

/*
 * runnerd under RLIMIT_FSIZE = FSIZE with SIGXFSZ at its default (which
 * kills): runnerd must ignore it itself, so that a write past the limit
 * fails with EFBIG, part way, and nothing more.  d_start with a prlimit
 * in front.
 */
static int
full_setup(void **state)
{
	struct daemon	*d;
	char		*wrap[4];

	t_setup_bare(state);
	d = *state;
	wrap[0] = (char *)"/usr/bin/prlimit";
	wrap[1] = d_fmt(d, "--fsize=%d", FSIZE);
	wrap[2] = (char *)"--";
	wrap[3] = NULL;
	d_spawn(d, safe_conf(d), wrap);
	d_drain_begin(d);
	d_wait_log(d, d_fmt(d, "runnerd: listening on %s\n", d->sock));
	return (0);
}

static int
is_root(void)
{
	if (geteuid() == 0 && getpwnam("nobody") != NULL)
		return (1);
	print_message("test_logsafe: not root (or no user nobody): the "
	    "attack by another uid is not run\n");
	return (0);
}

/* DIR/name, made with mode and owner. */
static char *
mkdir_as(struct daemon *d, const char *name, mode_t mode, uid_t uid)
{
	char	*path = d_fmt(d, "%s/%s", d->dir, name);

	assert_int_equal(mkdir(path, mode), 0);
	assert_int_equal(chmod(path, mode), 0);
	assert_int_equal(chown(path, uid, uid), 0);
	return (path);
}

/*
 * The attacker: run sh -c script as nobody (setpriv), in DIR, which is
 * opened for nobody to pass through (0711) as a home would be.
 */
static void
as_nobody(struct daemon *d, const char *script)
{
	struct run	*r;
	char		*argv[12];

	assert_int_equal(chmod(d->dir, 0711), 0);
	argv[0] = (char *)"/usr/bin/setpriv";
	argv[1] = (char *)"--reuid=65534";
	argv[2] = (char *)"--regid=65534";
	argv[3] = (char *)"--clear-groups";
	argv[4] = (char *)"--";
	argv[5] = (char *)"/bin/sh";
	argv[6] = (char *)"-ec";
	argv[7] = d_fmt(d, "cd %s; %s", d->dir, script);
	argv[8] = NULL;
	r = t_run(d, argv, NULL, 0);
	if (r->status != 0)
		fail_msg("as nobody: %s: status %d: %s", script, r->status,
		    r->err);
}

/* Write text to alias's stdin. */
static void
say(struct client *c, const char *alias, const char *text)
{
	j_ok(cl_call(c, "write", "{\"alias\": \"%s\", \"text\": \"%s\"}",
	    alias, text));
}

/* Wait (bounded) until DIR/name exists and holds want. */
static void
file_wait(struct daemon *d, const char *name, const char *want)
{
	long long	 end = t_ms() + T_WAIT_MS;

	while (!exists(d, name) || strstr(slurp(d, name, NULL), want) == NULL) {
		if (t_ms() > end)
			fail_msg("%s does not hold \"%s\" after %d ms", name,
			    want, T_WAIT_MS);
		usleep(10000);
	}
}

static uid_t
owner(struct daemon *d, const char *name)
{
	struct stat	 st;

	assert_int_equal(lstat(d_fmt(d, "%s/%s", d->dir, name), &st), 0);
	return (st.st_uid);
}

static int
is_link(struct daemon *d, const char *name)
{
	struct stat	 st;

	return (lstat(d_fmt(d, "%s/%s", d->dir, name), &st) == 0 &&
	    S_ISLNK(st.st_mode));
}

/*
 * A world-writable log directory (anyone could plant a link there) is
 * refused, and a link planted as the log is not followed: the file it
 * points at is neither created nor written.  Needs no root.
 */
static void
test_open_directory_refused(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*pub;
	int		 base = d_fds_probe(d);

	pub = mkdir_as(d, "pub", 0777, geteuid());
	assert_int_equal(symlink(d_fmt(d, "%s/victim", d->dir),
	    d_fmt(d, "%s/app.log", pub)), 0);
	run_to_exit(d, c, "pub");
	assert_false(exists(d, "victim"));
	d_wait_log(d, d_fmt(d, "log %s/app.log: refused: directory %s is "
	    "writable by everyone", pub, pub));
	assert_false(exists(d, "victim"));
	assert_true(is_link(d, "pub/app.log"));
	/* Not sticky, not world-writable: the same directory will do. */
	assert_int_equal(chmod(pub, 0755), 0);
	assert_int_equal(unlink(d_fmt(d, "%s/app.log", pub)), 0);
	run_to_exit(d, c, "pub");
	assert_string_equal(slurp(d, "pub/app.log", NULL), "pub\n");
	out_clean(d, base);
}

/*
 * The attack of the issue: a `user = "nobody"' app whose log directory
 * nobody owns.  runnerd makes the log as nobody, nobody swaps it for a
 * link to a root-only place, and the next start writes nothing there:
 * neither a new file (cron.d style) nor an existing one.
 */
static void
test_user_log_link_swap(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*nob;
	uid_t		 made;
	int		 base = d_fds_probe(d);

	if (!is_root())
		skip();
	mkdir_as(d, "secure", 0755, 0);
	d_file(d, "secure/victim", "precious\n");
	nob = mkdir_as(d, "nob", 0755, NOBODY);
	run_to_exit(d, c, "nob");
	assert_string_equal(slurp(d, "nob/app.log", NULL), "nob\n");
	made = owner(d, "nob/app.log");

	as_nobody(d, "rm nob/app.log; ln -s ../secure/cron nob/app.log");
	run_to_exit(d, c, "nob");
	assert_false(exists(d, "secure/cron"));
	d_wait_log(d, d_fmt(d, "log %s/app.log: refused: %s/app.log is a "
	    "symbolic link in directory %s, which is writable by uid 65534",
	    nob, nob, nob));
	assert_false(exists(d, "secure/cron"));

	as_nobody(d, "rm nob/app.log; ln -s ../secure/victim nob/app.log");
	run_to_exit(d, c, "nob");
	assert_string_equal(slurp(d, "secure/victim", NULL), "precious\n");

	/* A hard link to a root file: not nobody's, refused. */
	assert_int_equal(unlink(d_fmt(d, "%s/app.log", nob)), 0);
	assert_int_equal(link(d_fmt(d, "%s/secure/victim", d->dir),
	    d_fmt(d, "%s/app.log", nob)), 0);
	run_to_exit(d, c, "nob");
	assert_string_equal(slurp(d, "secure/victim", NULL), "precious\n");
	d_wait_log(d, d_fmt(d, "log %s/app.log: refused: the file belongs to "
	    "uid 0, not to the app's user (uid 65534)", nob));

	/* A hard link to another of nobody's files (made by someone else
	 * where fs.protected_hardlinks is off): refused too. */
	assert_int_equal(unlink(d_fmt(d, "%s/app.log", nob)), 0);
	d_file(d, "other.txt", "mine\n");
	assert_int_equal(chown(d_fmt(d, "%s/other.txt", d->dir), NOBODY,
	    NOBODY), 0);
	assert_int_equal(link(d_fmt(d, "%s/other.txt", d->dir),
	    d_fmt(d, "%s/app.log", nob)), 0);
	run_to_exit(d, c, "nob");
	d_wait_log(d, d_fmt(d, "log %s/app.log: refused: the file has 2 hard "
	    "links", nob));
	assert_string_equal(slurp(d, "other.txt", NULL), "mine\n");

	/* The directory owned by anyone else: refused before anything. */
	assert_int_equal(unlink(d_fmt(d, "%s/app.log", nob)), 0);
	assert_int_equal(chown(nob, 1, 1), 0);
	run_to_exit(d, c, "nob");
	d_wait_log(d, d_fmt(d, "refused: directory %s is writable by uid 1",
	    nob));
	assert_false(exists(d, "nob/app.log"));
	assert_int_equal(made, NOBODY);		/* made as nobody */
	out_clean(d, base);
}

/*
 * Two apps name one log in nobody's directory: one runs as nobody, one
 * as root.  Each is judged as itself: the root one is refused, and the
 * nobody one writes on, whichever started last.
 */
static void
test_shared_log_per_user(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*nob;
	int		 base = d_fds_probe(d);

	if (!is_root())
		skip();
	nob = mkdir_as(d, "nob", 0755, NOBODY);
	cl_start(c, "sha", "sha");
	say(c, "sha", "a1\\n");
	file_wait(d, "nob/shared.log", "a1\n");
	cl_start(c, "shb", "shb");
	say(c, "shb", "b1\\n");
	d_wait_log(d, d_fmt(d, "log %s/shared.log: refused: directory %s is "
	    "writable by uid 65534", nob, nob));
	say(c, "sha", "a2\\n");
	file_wait(d, "nob/shared.log", "a2\n");
	assert_string_equal(slurp(d, "nob/shared.log", NULL), "a1\na2\n");
	out_clean(d, base);
}

/*
 * Rotation in nobody's directory: links planted as LOG.1 and LOG.2 are
 * replaced, never followed, and the new LOG is nobody's again.
 */
static void
test_user_rotation_links(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 base = d_fds_probe(d), i;

	if (!is_root())
		skip();
	mkdir_as(d, "secure", 0755, 0);
	d_file(d, "secure/victim", "precious\n");
	mkdir_as(d, "nob", 0755, NOBODY);
	cl_start(c, "nobrot", "nobrot");
	say(c, "nobrot", "first\\n");
	file_wait(d, "nob/rot.log", "first\n");
	as_nobody(d, "ln -s ../secure/victim nob/rot.log.1; "
	    "ln -s ../secure/new nob/rot.log.2");
	for (i = 0; i < 12; i++)
		say(c, "nobrot", "0123456789012345678\\n");	/* 20 bytes */
	say(c, "nobrot", "last\\n");
	file_wait(d, "nob/rot.log", "last\n");
	assert_string_equal(slurp(d, "secure/victim", NULL), "precious\n");
	assert_false(exists(d, "secure/new"));
	assert_false(is_link(d, "nob/rot.log.1"));
	assert_false(is_link(d, "nob/rot.log.2"));
	assert_int_equal(owner(d, "nob/rot.log"), NOBODY);
	assert_int_equal(owner(d, "nob/rot.log.1"), NOBODY);
	out_clean(d, base);
}

/*
 * A parent directory swapped for a link: /home/nobody/logs (root's,
 * where a root app logs) renamed away by nobody and replaced by a link
 * to a root directory.  Neither the rotation (rename LOG -> LOG.1) nor
 * the next open goes through the link.
 */
static void
test_parent_link_swap(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	char		*logs, *refused;
	long long	 end;
	int		 base = d_fds_probe(d), i;

	if (!is_root())
		skip();
	mkdir_as(d, "secure", 0755, 0);
	d_file(d, "secure/app.log", "precious\n");
	mkdir_as(d, "home", 0755, NOBODY);
	logs = mkdir_as(d, "home/logs", 0755, 0);
	cl_start(c, "home", "home");
	say(c, "home", "first\\n");
	file_wait(d, "home/logs/app.log", "first\n");
	assert_int_equal(owner(d, "home/logs/app.log"), 0);

	as_nobody(d, "mv home/logs home/old; ln -s ../secure home/logs");
	for (i = 0; i < 12; i++)
		say(c, "home", "0123456789012345678\\n");	/* rotates */
	say(c, "home", "last\\n");
	/* Until the last line is lost (here) or written (through it). */
	refused = d_fmt(d, "log %s/app.log: refused: %s is a symbolic "
	    "link in directory %s/home, which is writable by uid 65534",
	    logs, logs, d->dir);
	end = t_ms() + T_WAIT_MS;
	while (log_count(d, refused) == 0 &&
	    strstr(slurp(d, "secure/app.log", NULL), "last") == NULL) {
		if (t_ms() > end)
			fail_msg("neither refused nor written");
		usleep(10000);
	}
	assert_false(exists(d, "secure/app.log.1"));
	assert_string_equal(slurp(d, "secure/app.log", NULL), "precious\n");
	d_wait_log(d, refused);
	assert_string_equal(slurp(d, "secure/app.log", NULL), "precious\n");
	assert_false(exists(d, "secure/app.log.1"));
	/* The rotation happened where the file was. */
	assert_true(exists(d, "home/old/app.log.1"));
	out_clean(d, base);
}

/*
 * Links where only root and runnerd's user write are followed, as a
 * directory link (/var/run -> /run) and as the file's name.
 */
static void
test_trusted_links_followed(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 base = d_fds_probe(d);

	mkdir_as(d, "real", 0755, geteuid());
	assert_int_equal(symlink("real", d_fmt(d, "%s/lnk", d->dir)), 0);
	assert_int_equal(symlink("../real/target.log",
	    d_fmt(d, "%s/real/app.log", d->dir)), 0);
	run_to_exit(d, c, "lnk");
	assert_string_equal(slurp(d, "real/target.log", NULL), "lnk\n");
	assert_int_equal(log_count(d, "refused"), 0);
	out_clean(d, base);
}

/* /dev/stdout (a link to /proc/self/fd/1, the kernel's) still works. */
static void
test_dev_stdout(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	int		 base = d_fds_probe(d);

	run_to_exit(d, c, "out");
	d_wait_log(d, "to-stdout\n");
	assert_int_equal(log_count(d, "out: to-stdout"), 0);
	assert_int_equal(log_count(d, "refused"), 0);
	out_clean(d, base);
}

/* Whether runnerd holds a descriptor of a deleted DIR/name. */
static int
holds_deleted(struct daemon *d, const char *name)
{
	return (strstr(t_fd_list(d, d->pid), d_fmt(d, "%s/%s (deleted)",
	    d->dir, name)) != NULL);
}

/*
 * A log deleted under runnerd is opened anew (looked for at most once a
 * second), so its space is freed; one renamed away too.
 */
static void
test_deleted_log_reopened(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	long long	 end;
	int		 base = d_fds_probe(d), i;

	cl_start(c, "gone", "gone");
	say(c, "gone", "before\\n");
	file_wait(d, "gone.log", "before\n");
	assert_int_equal(unlink(d_fmt(d, "%s/gone.log", d->dir)), 0);
	assert_true(holds_deleted(d, "gone.log"));
	end = t_ms() + T_WAIT_MS;
	for (i = 0; !exists(d, "gone.log"); i++) {
		if (t_ms() > end)
			fail_msg("gone.log not made again after %d ms",
			    T_WAIT_MS);
		say(c, "gone", "after\\n");
		usleep(50000);
	}
	file_wait(d, "gone.log", "after\n");
	assert_false(holds_deleted(d, "gone.log"));	/* space freed */
	d_wait_log(d, "gone.log: the file is gone; opening it anew");

	/* Renamed away (a rotation by another program): the same. */
	assert_int_equal(rename(d_fmt(d, "%s/gone.log", d->dir),
	    d_fmt(d, "%s/gone.old", d->dir)), 0);
	end = t_ms() + T_WAIT_MS;
	while (!exists(d, "gone.log")) {
		if (t_ms() > end)
			fail_msg("gone.log not made again after a rename");
		say(c, "gone", "moved\\n");
		usleep(50000);
	}
	say(c, "gone", "new\\n");
	file_wait(d, "gone.log", "new\n");
	assert_null(strstr(slurp(d, "gone.old", NULL), "new\n"));
	out_clean(d, base);
}

/*
 * s is whole LINE-byte lines of `full', in order, then (after the flood)
 * only whole lines of what the test wrote (again).
 */
static void
whole_lines(const char *s, size_t len, const char *name)
{
	size_t	 i, at;
	char	 want[LINE + 1];

	if (len > 0 && s[len - 1] != '\n')
		fail_msg("%s: %zu bytes, ending in a piece of a line", name,
		    len);
	for (i = 0, at = 0; at + LINE <= len; i++, at += LINE) {
		snprintf(want, sizeof(want), "%063zu\n", i);
		if (memcmp(s + at, want, LINE) != 0)
			break;
	}
	for (; at < len; at += 6)
		if (len - at < 6 || memcmp(s + at, "again\n", 6) != 0)
			fail_msg("%s: a piece of a line at %zu: %.*s", name,
			    at, (int)(len - at), s + at);
}

/*
 * A write that fails part way (EFBIG past RLIMIT_FSIZE; ENOSPC is the
 * same to runnerd) leaves whole lines, and once the file is replaced
 * writing resumes with a whole line.
 */
static void
test_torn_line_cut(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	long long	 end;
	char		*s;
	size_t		 len;
	int		 base = d_fds_probe(d);

	cl_start(c, "full", "full");
	d_wait_log(d, d_fmt(d, "log %s/full.log: write: File too large",
	    d->dir));
	/* The flood is over once this much of it is lost (both ways). */
	end = t_ms() + T_WAIT_MS;
	while (status_int(c, "full", "log_dropped") < 400 * LINE - FSIZE) {
		if (t_ms() > end)
			fail_msg("log_dropped is not there after %d ms",
			    T_WAIT_MS);
		usleep(10000);
	}
	s = slurp(d, "full.log", &len);
	assert_true(len > FSIZE - LINE && len <= FSIZE);
	whole_lines(s, len, "full.log");

	assert_int_equal(rename(d_fmt(d, "%s/full.log", d->dir),
	    d_fmt(d, "%s/full.old", d->dir)), 0);
	end = t_ms() + T_WAIT_MS;
	while (!exists(d, "full.log")) {
		if (t_ms() > end)
			fail_msg("full.log not made again after a rename");
		say(c, "full", "again\\n");
		usleep(50000);
	}
	say(c, "full", "resumed\\n");
	file_wait(d, "full.log", "resumed\n");
	s = slurp(d, "full.log", NULL);
	assert_true(strncmp(s, "again\n", 6) == 0 ||
	    strncmp(s, "resumed\n", 8) == 0);
	s = slurp(d, "full.old", &len);
	whole_lines(s, len, "full.old");
	out_clean(d, base);
}

/*
 * A full disk for real: a 16 KiB tmpfs on DIR/small, in a mount
 * namespace of the test's own (which runnerd, started next, shares), half
 * of it taken by a ballast file.  Root only.
 */
static int
small_setup(void **state)
{
	struct daemon	*d;
	char		*small;

	t_setup_bare(state);
	d = *state;
	if (geteuid() != 0) {
		d_start(d, safe_conf(d));
		return (0);
	}
	small = d_fmt(d, "%s/small", d->dir);
	assert_int_equal(mkdir(small, 0755), 0);
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", small, "tmpfs", 0, "size=16k,mode=0755") == -1) {
		print_message("test_logsafe: cannot mount a tmpfs (%s)\n",
		    strerror(errno));
		assert_int_equal(rmdir(small), 0);
	} else
		pattern_file(d, "small/ballast", 8192);
	d_start(d, safe_conf(d));
	return (0);
}

static int
small_teardown(void **state)
{
	struct daemon	*d = *state;

	/* Detached even while runnerd still holds the log open. */
	if (exists(d, "small/app.log") || exists(d, "small/ballast"))
		(void)umount2(d_fmt(d, "%s/small", d->dir), MNT_DETACH);
	return (t_teardown(state));
}

/*
 * ENOSPC on a tmpfs: the write that fills it stops part way through a
 * line; the piece is cut off, and when space comes back (the ballast
 * goes) the file goes on with whole lines, not a torn one glued to the
 * next.
 */
static void
test_enospc_resumes_whole(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	long long	 end;
	char		*s, want[51];
	size_t		 len, i;
	int		 base = d_fds_probe(d);

	if (!exists(d, "small/ballast")) {
		print_message("test_logsafe: no tmpfs: ENOSPC not tried\n");
		skip();
	}
	cl_start(c, "small", "small");
	d_wait_log(d, d_fmt(d, "log %s/small/app.log: write: No space left "
	    "on device", d->dir));
	end = t_ms() + T_WAIT_MS;
	while (status_int(c, "small", "log_dropped") < 400 * 50 - 8192) {
		if (t_ms() > end)
			fail_msg("log_dropped is not there after %d ms",
			    T_WAIT_MS);
		usleep(10000);
	}
	assert_int_equal(unlink(d_fmt(d, "%s/small/ballast", d->dir)), 0);
	say(c, "small", "resumed\\n");
	d_wait_log(d, d_fmt(d, "log %s/small/app.log: writing again", d->dir));
	s = slurp(d, "small/app.log", &len);
	assert_true(len > 8 && strcmp(s + len - 8, "resumed\n") == 0);
	len -= 8;
	assert_int_equal(len % 50, 0);
	assert_true(len > 0 && len <= 8192);
	for (i = 0; i < len / 50; i++) {
		snprintf(want, sizeof(want), "%049zu\n", i);
		if (memcmp(s + i * 50, want, 50) != 0)
			fail_msg("line %zu is not %s", i, want);
	}
	out_clean(d, base);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, safe_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_directory_refused),
		T(test_user_log_link_swap),
		T(test_shared_log_per_user),
		T(test_user_rotation_links),
		T(test_parent_link_swap),
		T(test_trusted_links_followed),
		T(test_dev_stdout),
		T(test_deleted_log_reopened),
		cmocka_unit_test_setup_teardown(test_torn_line_cut, full_setup,
		    t_teardown),
		cmocka_unit_test_setup_teardown(test_enospc_resumes_whole,
		    small_setup, small_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
