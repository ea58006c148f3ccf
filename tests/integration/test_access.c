/*
 * test_access.c: who may use runnerd's socket.  The directory runnerd
 * creates is 0700 and the socket 0600 (0750 and 0660, group allow_group,
 * with allow_group), and they follow a reload; a directory that is a
 * symbolic link, someone else's or writable by others is refused.  Peers
 * are checked by their credentials at accept: with the socket's mode
 * opened wide on purpose, uid 65534 gets one EPERM reply and the door,
 * runnerctl says so and exits 1, and a member of allow_group (by primary
 * or supplementary group) is served.  Extra arguments reach the program
 * as they are, never through a shell.  Peers of another uid are made
 * with setpriv(1); those tests need root and skip without it.
 */

#include <grp.h>

#include "daemon.h"

#define NOBODY	"65534"

static const char access_conf[] =
    "apps = { cat = { command = \"cat\"; restart = \"no\"; }; };\n";

/* runnerd on DIR/run/runnerd.sock: a directory it has to create. */
static void
a_start(struct daemon *d, const char *conf)
{
	snprintf(d->sock, sizeof(d->sock), "%s/run/runnerd.sock", d->dir);
	d_start(d, conf);
}

static void
a_mode(const char *path, mode_t mode, gid_t gid)
{
	struct stat	 st;

	assert_int_equal(lstat(path, &st), 0);
	if ((st.st_mode & 07777) != mode || st.st_gid != gid ||
	    st.st_uid != geteuid())
		fail_msg("%s: mode %04o uid %lu gid %lu, want %04o uid %lu "
		    "gid %lu", path, (unsigned)(st.st_mode & 07777),
		    (unsigned long)st.st_uid, (unsigned long)st.st_gid,
		    (unsigned)mode, (unsigned long)geteuid(),
		    (unsigned long)gid);
}

/* The gid of a group nobody is not in by default, for allow_group. */
static gid_t
a_gid(const char *name)
{
	struct group	*gr;

	if ((gr = getgrnam(name)) == NULL)
		fail_msg("no group %s on this system", name);
	return (gr->gr_gid);
}

static int
a_root(void)
{
	if (geteuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0)
		return (1);
	print_message("skipped: needs root and setpriv(1)\n");
	return (0);
}

/*
 * Let uid 65534 reach the socket's file: the test's directories
 * searchable, the socket 0666.  What stops it then is runnerd's check.
 */
static void
a_open_wide(struct daemon *d)
{
	char	*run = d_fmt(d, "%s/run", d->dir);

	assert_int_equal(chmod(d->dir, 0711), 0);
	assert_int_equal(chmod(run, 0711), 0);
	assert_int_equal(chmod(d->sock, 0666), 0);
}

/* runnerctl ARGS... as uid 65534 with primary group gid and groups. */
static struct run *
a_ctl_as(struct daemon *d, const char *gid, const char *groups,
    const char *cmd)
{
	char	*argv[12];
	int	 n = 0;

	argv[n++] = (char *)"/usr/bin/setpriv";
	argv[n++] = (char *)"--reuid=" NOBODY;
	argv[n++] = d_fmt(d, "--regid=%s", gid);
	if (groups != NULL)
		argv[n++] = d_fmt(d, "--groups=%s", groups);
	else
		argv[n++] = (char *)"--clear-groups";
	argv[n++] = d->runnerctl;
	argv[n++] = (char *)"-s";
	argv[n++] = d->sock;
	argv[n++] = (char *)cmd;
	argv[n] = NULL;
	return (t_run(d, argv, NULL, 0));
}

/* Created by runnerd: 0700 and 0600, ours. */
static void
test_private_by_default(void **state)
{
	struct daemon	*d = *state;

	a_start(d, access_conf);
	a_mode(d_fmt(d, "%s/run", d->dir), 0700, getegid());
	a_mode(d->sock, 0600, getegid());
	d_stop(d, SIGTERM);
}

/* allow_group opens both to the group, and a reload closes them again. */
static void
test_allow_group_modes(void **state)
{
	struct daemon	*d = *state;
	gid_t		 g = a_gid("nogroup");
	char		*run = d_fmt(d, "%s/run", d->dir);
	struct run	*r;

	a_start(d, "allow_group = \"nogroup\";\n"
	    "apps = { cat = { command = \"cat\"; }; };\n");
	a_mode(run, 0750, g);
	a_mode(d->sock, 0660, g);
	d_file(d, "runner.conf", access_conf);
	r = CTL(d, "reload");
	r_status(r, 0);
	a_mode(run, 0700, getegid());
	a_mode(d->sock, 0600, getegid());
	d_stop(d, SIGTERM);
}

/* Another uid: one EPERM line, then the connection closes. */
static void
test_other_uid_refused(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*argv[8];

	if (!a_root())
		skip();
	a_start(d, access_conf);
	a_open_wide(d);
	argv[0] = (char *)"/usr/bin/setpriv";
	argv[1] = (char *)"--reuid=" NOBODY;
	argv[2] = (char *)"--regid=" NOBODY;
	argv[3] = (char *)"--clear-groups";
	argv[4] = (char *)"socat";
	argv[5] = (char *)"-";
	argv[6] = d_fmt(d, "UNIX-CONNECT:%s", d->sock);
	argv[7] = NULL;
	r = t_run(d, argv, "{\"tag\":1,\"cmd\":\"status\"}\n", 26);
	if (r->status != 0 || strcmp(r->out, "{\"ok\":false,\"error\":\"EPERM\","
	    "\"message\":\"uid 65534 is not runnerd's user (uid 0); "
	    "allow_group in the configuration lets a group in\"}\n") != 0)
		fail_msg("socat exited %d; got '%s' (%s)", r->status, r->out,
		    r->err);
	d_wait_log(d, "refused: uid 65534 is not runnerd's user");

	/* runnerctl tells the user, exit 1 (a refusal, not "no daemon"). */
	r = a_ctl_as(d, NOBODY, NULL, "status");
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: EPERM: uid 65534 is not "
	    "runnerd's user"));

	/* ... and runnerd goes on serving its own user. */
	r = CTL(d, "status");
	r_status(r, 0);
	d_stop(d, SIGTERM);
}

/* allow_group lets members in, by primary or supplementary group only. */
static void
test_allow_group_members(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	char		*conf, *g;

	if (!a_root())
		skip();
	g = d_fmt(d, "%lu", (unsigned long)a_gid("daemon"));
	conf = d_fmt(d, "allow_group = \"daemon\";\n%s", access_conf);
	a_start(d, conf);
	a_open_wide(d);

	r = a_ctl_as(d, g, NULL, "apps");	/* primary group */
	r_status(r, 0);
	assert_non_null(strstr(r->out, "cat"));
	r = a_ctl_as(d, NOBODY, g, "apps");	/* supplementary */
	r_status(r, 0);
	r = a_ctl_as(d, NOBODY, NOBODY, "apps");	/* not a member */
	r_status(r, 1);
	assert_non_null(strstr(r->err, "runnerctl: EPERM: uid 65534 is "
	    "neither runnerd's user (uid 0) nor in group daemon"));
	d_stop(d, SIGTERM);
}

/* runnerd -s in DIR/name must refuse and say why. */
static void
a_refused(struct daemon *d, const char *name, const char *want)
{
	char		*argv[6];
	struct run	*r;

	d_file(d, "runner.conf", access_conf);
	argv[0] = d->runnerd;
	argv[1] = (char *)"-c";
	argv[2] = d->conf;
	argv[3] = (char *)"-s";
	argv[4] = d_fmt(d, "%s/%s/runnerd.sock", d->dir, name);
	argv[5] = NULL;
	r = t_run(d, argv, NULL, 0);
	if (r->status != 1 || strstr(r->err, want) == NULL)
		fail_msg("runnerd exited %d: '%s', want '%s'", r->status,
		    r->err, want);
}

/* No symbolic link followed, nobody else's directory, nothing shared. */
static void
test_unsafe_directories(void **state)
{
	struct daemon	*d = *state;
	char		*p;

	p = d_fmt(d, "%s/link", d->dir);
	assert_int_equal(symlink(d->dir, p), 0);
	a_refused(d, "link", "is a symbolic link; not following it");

	p = d_fmt(d, "%s/shared", d->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 0777), 0);
	a_refused(d, "shared", "is writable by others (mode 0777)");

	p = d_fmt(d, "%s/file", d->dir);
	d_file(d, "file", "");
	a_refused(d, "file", "is not a directory");

	if (geteuid() == 0) {
		p = d_fmt(d, "%s/theirs", d->dir);
		assert_int_equal(mkdir(p, 0700), 0);
		assert_int_equal(chown(p, 65534, 65534), 0);
		a_refused(d, "theirs", "belongs to uid 65534, not to us");
	}

	/* A sticky shared directory (like /tmp) is fine: a socket in it. */
	p = d_fmt(d, "%s/sticky", d->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 01777), 0);
	snprintf(d->sock, sizeof(d->sock), "%s/runnerd.sock", p);
	d_start(d, access_conf);
	r_status(CTL(d, "status"), 0);
	d_stop(d, SIGTERM);
}

/* Arguments are argv entries: no shell sees them. */
static void
test_args_not_a_shell(void **state)
{
	struct daemon	*d = *state;
	struct run	*r;
	struct json	*j;
	char		*conf, *out, *pwned;
	struct stat	 st;
	FILE		*fp;
	char		 got[512];
	size_t		 n;

	out = d_fmt(d, "%s/args", d->dir);
	pwned = d_fmt(d, "%s/pwned", d->dir);
	conf = d_fmt(d, "apps = { args = { command = [\"sh\", \"-c\", "
	    "\"printf '[%%s]' \\\"$@\\\" > %s\", \"sh\"]; restart = \"no\"; "
	    "}; };\n", out);
	d_start(d, conf);
	r = CTL(d, "start", "args", "--alias", "a1", "--",
	    d_fmt(d, "$(touch %s)", pwned), d_fmt(d, "; touch %s", pwned),
	    d_fmt(d, "`touch %s`", pwned), "a b", "*");
	r_status(r, 0);
	cl_wait_state(cl_open(d), "a1", "exited", &j);
	assert_non_null(fp = fopen(out, "r"));
	n = fread(got, 1, sizeof(got) - 1, fp);
	fclose(fp);
	got[n] = '\0';
	assert_string_equal(got, d_fmt(d, "[$(touch %s)][; touch %s]"
	    "[`touch %s`][a b][*]", pwned, pwned, pwned));
	assert_int_equal(stat(pwned, &st), -1);
	d_stop(d, SIGTERM);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup_bare, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_private_by_default),
		T(test_allow_group_modes),
		T(test_other_uid_refused),
		T(test_allow_group_members),
		T(test_unsafe_directories),
		T(test_args_not_a_shell),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
