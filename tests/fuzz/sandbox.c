/*
 * sandbox.c: the fence around the code under fuzzing.  The protocol
 * target drives the daemon's real handlers, and a request can name any
 * path (a log file, a socket, a configuration to reload) and any
 * command (reload with configuration text).  The fuzzer runs as whoever
 * runs make, often root, so the calls that could touch the world are
 * wrapped at link time (--wrap=NAME rebinds the daemon's own calls, not
 * libc's internal ones):
 *
 *   execvpe   only "cat", "true" and "false" run, as /bin/cat etc. with
 *             no arguments (the request's args stay in the daemon's
 *             state, where they are parsed, but never reach a program);
 *             anything else fails with ENOENT, as a missing program does;
 *   open, fopen, rename, unlink
 *             writing, creating or removing only inside the private
 *             directory (or /dev/null); reading only regular files and
 *             directories, so a configuration naming a FIFO or a device
 *             cannot block or poke it;
 *   connect   UNIX sockets only inside the private directory, so a
 *             socket app pointed at another daemon's socket never talks
 *             to it;
 *   kill      nothing in the fuzzer's own session (libFuzzer, make, the
 *             shell; instances run in sessions of their own), nor every
 *             process (-1) nor our own group (0).
 *
 * And config_read, config_read_string: libconfig before 1.7.3 (Debian 12
 * has 1.5) leaks the string tokens its parser drops while recovering
 * from a syntax error (hyperrealm/libconfig#142, fixed by #155), with
 * stacks too short to suppress (libconfig has no frame pointers).  What
 * libconfig allocates while it parses is not leak-checked; our walk
 * over the parsed tree, and everything after, is.
 *
 * The wrapping is done on the code under test and the harness only, in
 * one relocatable object (ld -r, see the Makefile): libFuzzer's own
 * calls (writing the corpus and crash files) are its own business.
 * Each target has a fresh directory under $TMPDIR, removed at exit; its
 * cwd stays where it was started (libFuzzer reads the corpus and writes
 * crash files there).  The wrappers also run in a forked child before
 * exec, so they only compare strings and make system calls.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>

#include "fuzz.h"

int	 __real_execvpe(const char *, char *const [], char *const []);
int	 __real_open(const char *, int, ...);
FILE	*__real_fopen(const char *, const char *);
int	 __real_rename(const char *, const char *);
int	 __real_unlink(const char *);
int	 __real_connect(int, const struct sockaddr *, socklen_t);
int	 __real_kill(pid_t, int);
int	 __real_config_read(config_t *, FILE *);
int	 __real_config_read_string(config_t *, const char *);

int	 __wrap_execvpe(const char *, char *const [], char *const []);
int	 __wrap_open(const char *, int, ...);
FILE	*__wrap_fopen(const char *, const char *);
int	 __wrap_rename(const char *, const char *);
int	 __wrap_unlink(const char *);
int	 __wrap_connect(int, const struct sockaddr *, socklen_t);
int	 __wrap_kill(pid_t, int);
int	 __wrap_config_read(config_t *, FILE *);
int	 __wrap_config_read_string(config_t *, const char *);

static int	 inside(const char *);
static int	 readable(const char *);
static int	 rm_entry(const char *, const struct stat *, int, struct FTW *);
static void	 cleanup(void);

static char	 dir[PATH_MAX];		/* the private directory, resolved */
static size_t	 dirlen;
static int	 say_fd = 2;		/* stderr as it was at the start */

/* The programs that may run, and what runs in their place. */
static const struct {
	const char	*name;
	const char	*path;
} progs[] = {
	{ "cat",	"/bin/cat" },
	{ "true",	"/bin/true" },
	{ "false",	"/bin/false" },
};

/*
 * Is path inside the private directory?  Lexically: under it, with no
 * ".." component.  A relative path is not: it would be relative to the
 * fuzzer's cwd, the user's.  Nothing the fuzzer reaches makes symlinks,
 * so lexical is enough.
 */
static int
inside(const char *path)
{
	const char	*p = path;

	if (path == NULL || dirlen == 0 || strncmp(p, dir, dirlen) != 0 ||
	    p[dirlen] != '/')
		return (0);
	for (p += dirlen + 1; p != NULL; ) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return (0);
		if ((p = strchr(p, '/')) != NULL)
			p++;
	}
	return (1);
}

/* A regular file or a directory: safe to open for reading. */
static int
readable(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return (-1);	/* errno says why, as open would */
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		errno = EACCES;
		return (-1);
	}
	return (0);
}

int
__wrap_execvpe(const char *file, char *const argv[], char *const envp[])
{
	size_t	 k;

	(void)argv;
	for (k = 0; k < sizeof(progs) / sizeof(progs[0]); k++) {
		if (strcmp(file, progs[k].name) == 0) {
			char *const v[] = { (char *)progs[k].name, NULL };

			return (execve(progs[k].path, v, envp));
		}
	}
	errno = ENOENT;
	return (-1);
}

int
__wrap_open(const char *path, int flags, ...)
{
	va_list	 ap;
	mode_t	 mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (strcmp(path, "/dev/null") != 0) {
		if ((flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC |
		    O_APPEND)) != 0) {
			if (!inside(path)) {
				errno = EACCES;
				return (-1);
			}
		} else if (strncmp(path, "/proc/", 6) != 0 &&
		    readable(path) == -1)
			return (-1);
	}
	return (__real_open(path, flags, mode));
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	if (strpbrk(mode, "wa+") != NULL) {
		if (!inside(path)) {
			errno = EACCES;
			return (NULL);
		}
	} else if (readable(path) == -1)
		return (NULL);
	return (__real_fopen(path, mode));
}

int
__wrap_rename(const char *from, const char *to)
{
	if (!inside(from) || !inside(to)) {
		errno = EACCES;
		return (-1);
	}
	return (__real_rename(from, to));
}

int
__wrap_unlink(const char *path)
{
	if (!inside(path)) {
		errno = EACCES;
		return (-1);
	}
	return (__real_unlink(path));
}

int
__wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	char		 path[sizeof(sun->sun_path) + 1];
	size_t		 n;

	if (sa->sa_family != AF_UNIX) {
		errno = EACCES;
		return (-1);
	}
	n = len > offsetof(struct sockaddr_un, sun_path) ?
	    len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (n > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path);
	memcpy(path, sun->sun_path, n);
	path[n] = '\0';
	if (!inside(path)) {	/* abstract names ("\0...") too */
		errno = EACCES;
		return (-1);
	}
	return (__real_connect(fd, sa, len));
}

int
__wrap_kill(pid_t pid, int sig)
{
	pid_t	 sid;

	if (pid == 0 || pid == -1) {
		errno = EPERM;
		return (-1);
	}
	/*
	 * A group whose leader is gone (ESRCH) is an instance's: kill(-pid)
	 * after the leader was reaped, and its pgid cannot be reused while
	 * members remain.
	 */
	sid = getsid(pid < 0 ? -pid : pid);
	if (sid != -1 && sid == getsid(0)) {
		errno = EPERM;
		return (-1);
	}
	return (__real_kill(pid, sig));
}

int
__wrap_config_read(config_t *c, FILE *fp)
{
	int	 ok;

	__lsan_disable();
	ok = __real_config_read(c, fp);
	__lsan_enable();
	return (ok);
}

int
__wrap_config_read_string(config_t *c, const char *s)
{
	int	 ok;

	__lsan_disable();
	ok = __real_config_read_string(c, s);
	__lsan_enable();
	return (ok);
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	remove(path);
	return (0);
}

static void
cleanup(void)
{
	if (dirlen > 0)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Make the private directory ($TMPDIR/NAME.XXXXXX), to be removed at
 * exit.  Returns its path; exits if it cannot be made.
 */
const char *
sandbox_init(const char *name)
{
	const char	*tmp = getenv("TMPDIR");
	char		 templ[PATH_MAX];

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(templ, sizeof(templ), "%s/%s.XXXXXX", tmp, name);
	if (mkdtemp(templ) == NULL || realpath(templ, dir) == NULL) {
		fprintf(stderr, "%s: cannot make a directory in %s: %s\n",
		    name, tmp, strerror(errno));
		exit(1);
	}
	dirlen = strlen(dir);
	atexit(cleanup);
	/*
	 * libFuzzer's -close_fd_mask=2 silences the code under test (the
	 * daemon logs every start and exit); what the target itself has to
	 * say before it aborts still shows.
	 */
	if ((say_fd = fcntl(2, F_DUPFD_CLOEXEC, 3)) == -1)
		say_fd = 2;
	/* Nothing here may talk to a service manager. */
	unsetenv("NOTIFY_SOCKET");
	return (dir);
}

/*
 * Start the sanitizers' llvm-symbolizer now, if there is one.  It is a
 * child process with two pipes, started the first time a PC is named
 * (libFuzzer names new functions it reaches): started later, it would
 * look like a leaked process and leaked descriptors.
 */
void
sandbox_symbolizer(void)
{
	char	 out[256];

	__sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L",
	    out, sizeof(out));
}

/* How many descriptors the process has open now. */
int
sandbox_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return (n - 1);		/* not the one reading the directory */
}

/* Say why, where it shows even with -close_fd_mask=2, and abort. */
void
sandbox_fail(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vdprintf(say_fd, fmt, ap);
	va_end(ap);
	dprintf(say_fd, "\n");
	abort();
}

/* Abort (a finding for libFuzzer) if the count is not want any more. */
void
sandbox_fds_check(int want, const char *when)
{
	char	 path[64], target[PATH_MAX];
	ssize_t	 len;
	int	 n, fd;

	if ((n = sandbox_fds()) == want)
		return;
	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((len = readlink(path, target, sizeof(target) - 1)) == -1)
			continue;
		target[len] = '\0';
		dprintf(say_fd, "  %d -> %s\n", fd, target);
	}
	sandbox_fail("descriptor leak %s: %d open, %d expected", when, n,
	    want);
}

/* The input as a C string (malloc'd; the input may hold NULs). */
char *
sandbox_cstr(const unsigned char *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}
