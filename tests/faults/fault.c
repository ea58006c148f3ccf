/*
 * fault.c: the fault injector linked into tests/faults/runnerd-faults,
 * a build of runnerd for make faults.  runnerd's and librunner's objects
 * are first joined into one relocatable object with ld -r --wrap=NAME
 * for every site below (see the Makefile), so that their own calls to
 * NAME go to __wrap_NAME here, and this file's calls to NAME (outside
 * that object) go to libc.  Calls libc makes internally are not seen:
 * fopen's open, opendir's open, the write(2) under runnerd's own log
 * (log.c prints with fprintf, so a stalled stderr is not a "write"
 * fault here), syslog, getpwnam's, getgrouplist's and realpath's
 * allocations, and everything libconfig and libev do (libev's waitpid,
 * epoll, signalfd); those are reached through their caller (fopen,
 * opendir, ...) only.  Children are made by clone (lib/spawn.c: its
 * CLONE_VM | CLONE_VFORK child, on a stack of its own); fork is runnerd's
 * own (-d, upgrade).
 *
 * Each wrapper counts its call and, when it is the one the environment
 * names, fails it the way the system call or allocator would:
 *
 *   RUNNER_FAULT=SITE:N[:ERRNO]    fail the Nth call of SITE, once
 *   RUNNER_FAULT=SITE:N+[:ERRNO]   fail the Nth call and every later one
 *   RUNNER_FAULT_COUNT=FILE        at exit, write "SITE COUNT" per site
 *                                  and "fired SITE N PID" for each
 *                                  failure injected, to FILE; and at
 *                                  once, append the "fired" lines to
 *                                  FILE.fired (the driver learns what
 *                                  fired even if runnerd never exits)
 *   RUNNER_FAULT_TRACE=1           print the stack of each failure runnerd
 *                                  itself (not a forked child) injects,
 *                                  to find the line that met it (ASan
 *                                  builds only)
 *   RUNNER_FAULT_OFF=FILE          once FILE exists, a persistent fault
 *                                  stops failing (so that the driver
 *                                  can check that runnerd recovers)
 *
 * ERRNO is a name (EAGAIN) or a number; each site has a default that
 * the real call can give (fork: EAGAIN, pipe2: EMFILE, malloc: ENOMEM).
 *
 * The counters live in a shared anonymous mapping made before main, so
 * the calls a child makes between its clone and exec (setsid, chdir,
 * dup2, close_range, prctl, execvpe) are counted, and can fail, like the
 * parent's, also where the clone is a fork (valgrind's).  The child's
 * setgroups, setgid and setuid, open, write and close are raw system
 * calls (glibc's would touch the parent's threads and cancel state), so
 * those sites are never reached from it.  These wrappers run in that
 * child, so everything here past the constructor is async-signal-safe:
 * an atomic add, a compare, errno, the real call.
 */

#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

/* X(site, default errno) */
#define FAULT_SITES \
	X(malloc, ENOMEM) X(calloc, ENOMEM) X(realloc, ENOMEM) \
	X(reallocarray, ENOMEM) X(strdup, ENOMEM) X(strndup, ENOMEM) \
	X(asprintf, ENOMEM) \
	X(fork, EAGAIN) X(clone, EAGAIN) X(pipe2, EMFILE) X(socketpair, EMFILE) \
	X(accept4, EMFILE) X(socket, EMFILE) X(bind, EADDRINUSE) \
	X(listen, EADDRINUSE) X(connect, ECONNREFUSED) \
	X(open, EMFILE) X(fopen, EMFILE) X(opendir, EMFILE) \
	X(read, EIO) X(recv, ECONNRESET) X(recvmsg, ECONNRESET) \
	X(write, EIO) X(send, EPIPE) X(sendmsg, EPIPE) X(sendto, EAGAIN) \
	X(splice, EIO) X(fcntl, EINVAL) X(dup2, EMFILE) \
	X(execvpe, ENOENT) X(kill, EPERM) X(setuid, EPERM) \
	X(setgid, EPERM) X(setgroups, EPERM) X(prctl, EINVAL) \
	X(chdir, EACCES) X(setsid, EPERM) X(close_range, EINVAL) \
	X(pidfd_open, EMFILE) X(mkdir, EACCES) X(rename, EIO) \
	X(unlink, EACCES) X(ftruncate, EIO) X(fstat, EIO)

enum site {
#define X(s, e) SITE_##s,
	FAULT_SITES
#undef X
	NSITES
};

static const char *const site_name[NSITES] = {
#define X(s, e) #s,
	FAULT_SITES
#undef X
};

static const int site_errno[NSITES] = {
#define X(s, e) e,
	FAULT_SITES
#undef X
};

#define MAXFIRED	64

struct shared {
	unsigned long	 count[NSITES];	/* calls so far, all processes */
	unsigned long	 nfired;
	struct {
		int		 site;
		unsigned long	 n;
		pid_t		 pid;
	}		 fired[MAXFIRED];
};

static struct shared	*sh;		/* NULL: no injection, no counting */
static int		 fault_site = -1;	/* the site to fail */
static unsigned long	 fault_n;	/* on its Nth call */
static int		 fault_persist;	/* and every later one */
static int		 fault_errno;
static pid_t		 main_pid;
static const char	*count_path;
static char		 fired_path[4096];
static const char	*off_path;
static int		 trace;

static const struct {
	const char	*name;
	int		 value;
} errnames[] = {
	{ "ENOMEM", ENOMEM }, { "EAGAIN", EAGAIN }, { "EMFILE", EMFILE },
	{ "ENFILE", ENFILE }, { "EIO", EIO }, { "EPERM", EPERM },
	{ "EACCES", EACCES }, { "EINVAL", EINVAL }, { "EINTR", EINTR },
	{ "ENOENT", ENOENT }, { "ENOSPC", ENOSPC }, { "EPIPE", EPIPE },
	{ "ECONNRESET", ECONNRESET }, { "EADDRINUSE", EADDRINUSE },
	{ "ECONNREFUSED", ECONNREFUSED }, { "EBADF", EBADF },
	{ "ESRCH", ESRCH }, { "ENOBUFS", ENOBUFS },
};

static void	fault_init(void) __attribute__((constructor));
static void	fault_report(void);
static int	fault_hit(enum site);
static char	*fault_fmt(char *, unsigned long);

static void
fault_init(void)
{
	const char	*spec = getenv("RUNNER_FAULT");
	char		 name[64], *p, *end;
	size_t		 k, len;
	int		 i;

	count_path = getenv("RUNNER_FAULT_COUNT");
	if ((spec == NULL || *spec == '\0') && count_path == NULL)
		return;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		fprintf(stderr, "runnerd-faults: mmap: %s\n", strerror(errno));
		_exit(2);
	}
	main_pid = getpid();
	off_path = getenv("RUNNER_FAULT_OFF");
	trace = getenv("RUNNER_FAULT_TRACE") != NULL;
	if (count_path != NULL) {
		snprintf(fired_path, sizeof(fired_path), "%s.fired",
		    count_path);
		atexit(fault_report);
	}
	if (spec == NULL || *spec == '\0')
		return;
	len = strcspn(spec, ":");
	if (len >= sizeof(name) || spec[len] != ':')
		goto bad;
	memcpy(name, spec, len);
	name[len] = '\0';
	for (i = 0; i < NSITES; i++)
		if (strcmp(name, site_name[i]) == 0)
			fault_site = i;
	if (fault_site == -1)
		goto bad;
	fault_n = strtoul(spec + len + 1, &end, 10);
	if (fault_n == 0 || end == spec + len + 1)
		goto bad;
	if (*end == '+') {
		fault_persist = 1;
		end++;
	}
	fault_errno = site_errno[fault_site];
	if (*end == ':') {
		p = end + 1;
		fault_errno = 0;
		for (k = 0; k < sizeof(errnames) / sizeof(errnames[0]); k++)
			if (strcmp(p, errnames[k].name) == 0)
				fault_errno = errnames[k].value;
		if (fault_errno == 0 &&
		    ((fault_errno = (int)strtol(p, &end, 10)) <= 0 || *end))
			goto bad;
	} else if (*end != '\0')
		goto bad;
	return;
bad:
	fprintf(stderr, "runnerd-faults: RUNNER_FAULT=%s: want SITE:N[+]"
	    "[:ERRNO], SITE one of:", spec);
	for (i = 0; i < NSITES; i++)
		fprintf(stderr, " %s", site_name[i]);
	fprintf(stderr, "\n");
	_exit(2);
}

/* Written by the process that started, at its exit: the counts. */
static void
fault_report(void)
{
	FILE		*fp;
	unsigned long	 k;
	int		 i, save = errno;

	if (getpid() != main_pid || (fp = fopen(count_path, "w")) == NULL)
		return;
	for (i = 0; i < NSITES; i++)
		fprintf(fp, "%s %lu\n", site_name[i],
		    __atomic_load_n(&sh->count[i], __ATOMIC_SEQ_CST));
	for (k = 0; k < sh->nfired && k < MAXFIRED; k++)
		fprintf(fp, "fired %s %lu %ld\n", site_name[sh->fired[k].site],
		    sh->fired[k].n, (long)sh->fired[k].pid);
	fclose(fp);
	errno = save;
}

/* n in decimal before end (async-signal-safe); returns the start. */
static char *
fault_fmt(char *end, unsigned long n)
{
	do {
		*--end = '0' + n % 10;
		n /= 10;
	} while (n != 0);
	return (end);
}

/* Count a call of site; 1 if it is to fail (errno is then set). */
static int
fault_hit(enum site s)
{
	unsigned long	 n, k;
	char		 line[128], num[24], *p;
	size_t		 len;
	int		 fd, save = errno;

	if (sh == NULL)
		return (0);
	n = __atomic_add_fetch(&sh->count[s], 1, __ATOMIC_SEQ_CST);
	if ((int)s != fault_site || n < fault_n ||
	    (n > fault_n && !fault_persist))
		return (0);
	if (n > fault_n && off_path != NULL && access(off_path, F_OK) == 0) {
		errno = save;
		return (0);
	}
	k = __atomic_fetch_add(&sh->nfired, 1, __ATOMIC_SEQ_CST);
	if (k < MAXFIRED) {
		sh->fired[k].site = s;
		sh->fired[k].n = n;
		sh->fired[k].pid = getpid();
	}
	if (k < MAXFIRED && fired_path[0] != '\0' && (fd = open(fired_path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) != -1) {
		/* "fired SITE N PID\n", without stdio. */
		len = strlen(site_name[s]);
		memcpy(line, "fired ", 6);
		memcpy(line + 6, site_name[s], len);
		len += 6;
		line[len++] = ' ';
		p = fault_fmt(num + sizeof(num), n);
		memcpy(line + len, p, num + sizeof(num) - p);
		len += num + sizeof(num) - p;
		line[len++] = ' ';
		p = fault_fmt(num + sizeof(num), (unsigned long)getpid());
		memcpy(line + len, p, num + sizeof(num) - p);
		len += num + sizeof(num) - p;
		line[len++] = '\n';
		(void)!write(fd, line, len);
		close(fd);
	}
#if defined(__SANITIZE_ADDRESS__)
	if (trace && getpid() == main_pid)
		__sanitizer_print_stack_trace();
#endif
	errno = fault_errno;
	return (1);
}

#define FAULT(s, rv) do {			\
	if (fault_hit(SITE_##s))		\
		return (rv);			\
} while (0)

/* The wrappers: the prototypes first (-Wmissing-prototypes). */
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);
void	*__wrap_reallocarray(void *, size_t, size_t);
char	*__wrap_strdup(const char *);
char	*__wrap_strndup(const char *, size_t);
int	 __wrap_asprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
pid_t	 __wrap_fork(void);
int	 __wrap_clone(int (*)(void *), void *, int, void *, ...);
int	 __wrap_pipe2(int [2], int);
int	 __wrap_socketpair(int, int, int, int [2]);
int	 __wrap_accept4(int, struct sockaddr *, socklen_t *, int);
int	 __wrap_socket(int, int, int);
int	 __wrap_bind(int, const struct sockaddr *, socklen_t);
int	 __wrap_listen(int, int);
int	 __wrap_connect(int, const struct sockaddr *, socklen_t);
int	 __wrap_open(const char *, int, ...);
FILE	*__wrap_fopen(const char *, const char *);
DIR	*__wrap_opendir(const char *);
ssize_t	 __wrap_read(int, void *, size_t);
ssize_t	 __wrap_recv(int, void *, size_t, int);
ssize_t	 __wrap_recvmsg(int, struct msghdr *, int);
ssize_t	 __wrap_write(int, const void *, size_t);
ssize_t	 __wrap_send(int, const void *, size_t, int);
ssize_t	 __wrap_sendmsg(int, const struct msghdr *, int);
ssize_t	 __wrap_sendto(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t);
ssize_t	 __wrap_splice(int, loff_t *, int, loff_t *, size_t, unsigned int);
int	 __wrap_fcntl(int, int, ...);
int	 __wrap_dup2(int, int);
int	 __wrap_execvpe(const char *, char *const [], char *const []);
int	 __wrap_kill(pid_t, int);
int	 __wrap_setuid(uid_t);
int	 __wrap_setgid(gid_t);
int	 __wrap_setgroups(size_t, const gid_t *);
int	 __wrap_prctl(int, ...);
int	 __wrap_chdir(const char *);
pid_t	 __wrap_setsid(void);
int	 __wrap_close_range(unsigned int, unsigned int, int);
int	 __wrap_pidfd_open(pid_t, unsigned int);
int	 __wrap_mkdir(const char *, mode_t);
int	 __wrap_rename(const char *, const char *);
int	 __wrap_unlink(const char *);
int	 __wrap_ftruncate(int, off_t);
int	 __wrap_fstat(int, struct stat *);

void *
__wrap_malloc(size_t n)
{
	FAULT(malloc, NULL);
	return (malloc(n));
}

void *
__wrap_calloc(size_t n, size_t size)
{
	FAULT(calloc, NULL);
	return (calloc(n, size));
}

void *
__wrap_realloc(void *p, size_t n)
{
	FAULT(realloc, NULL);
	return (realloc(p, n));
}

void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	FAULT(reallocarray, NULL);
	return (reallocarray(p, n, size));
}

char *
__wrap_strdup(const char *s)
{
	FAULT(strdup, NULL);
	return (strdup(s));
}

char *
__wrap_strndup(const char *s, size_t n)
{
	FAULT(strndup, NULL);
	return (strndup(s, n));
}

int
__wrap_asprintf(char **sp, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	FAULT(asprintf, -1);
	va_start(ap, fmt);
	n = vasprintf(sp, fmt, ap);
	va_end(ap);
	return (n);
}

pid_t
__wrap_fork(void)
{
	FAULT(fork, -1);
	return (fork());
}

/* lib/spawn.c's clone passes no tid or TLS argument: none is forwarded. */
int
__wrap_clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	FAULT(clone, -1);
	return (clone(fn, stack, flags, arg));
}

int
__wrap_pipe2(int fd[2], int flags)
{
	FAULT(pipe2, -1);
	return (pipe2(fd, flags));
}

int
__wrap_socketpair(int dom, int type, int proto, int fd[2])
{
	FAULT(socketpair, -1);
	return (socketpair(dom, type, proto, fd));
}

int
__wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	FAULT(accept4, -1);
	return (accept4(fd, sa, len, flags));
}

int
__wrap_socket(int dom, int type, int proto)
{
	FAULT(socket, -1);
	return (socket(dom, type, proto));
}

int
__wrap_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	FAULT(bind, -1);
	return (bind(fd, sa, len));
}

int
__wrap_listen(int fd, int backlog)
{
	FAULT(listen, -1);
	return (listen(fd, backlog));
}

int
__wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	FAULT(connect, -1);
	return (connect(fd, sa, len));
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
	FAULT(open, -1);
	return (open(path, flags, mode));
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	FAULT(fopen, NULL);
	return (fopen(path, mode));
}

DIR *
__wrap_opendir(const char *path)
{
	FAULT(opendir, NULL);
	return (opendir(path));
}

ssize_t
__wrap_read(int fd, void *p, size_t n)
{
	FAULT(read, -1);
	return (read(fd, p, n));
}

ssize_t
__wrap_recv(int fd, void *p, size_t n, int flags)
{
	FAULT(recv, -1);
	return (recv(fd, p, n, flags));
}

ssize_t
__wrap_recvmsg(int fd, struct msghdr *m, int flags)
{
	FAULT(recvmsg, -1);
	return (recvmsg(fd, m, flags));
}

ssize_t
__wrap_write(int fd, const void *p, size_t n)
{
	FAULT(write, -1);
	return (write(fd, p, n));
}

ssize_t
__wrap_send(int fd, const void *p, size_t n, int flags)
{
	FAULT(send, -1);
	return (send(fd, p, n, flags));
}

ssize_t
__wrap_sendmsg(int fd, const struct msghdr *m, int flags)
{
	FAULT(sendmsg, -1);
	return (sendmsg(fd, m, flags));
}

ssize_t
__wrap_sendto(int fd, const void *p, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	FAULT(sendto, -1);
	return (sendto(fd, p, n, flags, sa, len));
}

ssize_t
__wrap_splice(int in, loff_t *inoff, int out, loff_t *outoff, size_t n,
    unsigned int flags)
{
	FAULT(splice, -1);
	return (splice(in, inoff, out, outoff, n, flags));
}

int
__wrap_fcntl(int fd, int cmd, ...)
{
	va_list		 ap;
	unsigned long	 arg;

	/* Every fcntl command takes an int, a pointer or nothing. */
	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	FAULT(fcntl, -1);
	return (fcntl(fd, cmd, arg));
}

int
__wrap_dup2(int from, int to)
{
	FAULT(dup2, -1);
	return (dup2(from, to));
}

int
__wrap_execvpe(const char *file, char *const argv[], char *const envp[])
{
	FAULT(execvpe, -1);
	return (execvpe(file, argv, envp));
}

int
__wrap_kill(pid_t pid, int sig)
{
	FAULT(kill, -1);
	return (kill(pid, sig));
}

int
__wrap_setuid(uid_t uid)
{
	FAULT(setuid, -1);
	return (setuid(uid));
}

int
__wrap_setgid(gid_t gid)
{
	FAULT(setgid, -1);
	return (setgid(gid));
}

int
__wrap_setgroups(size_t n, const gid_t *groups)
{
	FAULT(setgroups, -1);
	return (setgroups(n, groups));
}

int
__wrap_prctl(int option, ...)
{
	va_list		 ap;
	unsigned long	 a[4];
	int		 i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	FAULT(prctl, -1);
	return (prctl(option, a[0], a[1], a[2], a[3]));
}

int
__wrap_chdir(const char *path)
{
	FAULT(chdir, -1);
	return (chdir(path));
}

pid_t
__wrap_setsid(void)
{
	FAULT(setsid, -1);
	return (setsid());
}

int
__wrap_close_range(unsigned int first, unsigned int last, int flags)
{
	FAULT(close_range, -1);
	return (close_range(first, last, flags));
}

int
__wrap_pidfd_open(pid_t pid, unsigned int flags)
{
	FAULT(pidfd_open, -1);
	return (pidfd_open(pid, flags));
}

int
__wrap_mkdir(const char *path, mode_t mode)
{
	FAULT(mkdir, -1);
	return (mkdir(path, mode));
}

int
__wrap_rename(const char *from, const char *to)
{
	FAULT(rename, -1);
	return (rename(from, to));
}

int
__wrap_unlink(const char *path)
{
	FAULT(unlink, -1);
	return (unlink(path));
}

int
__wrap_ftruncate(int fd, off_t len)
{
	FAULT(ftruncate, -1);
	return (ftruncate(fd, len));
}

int
__wrap_fstat(int fd, struct stat *st)
{
	FAULT(fstat, -1);
	return (fstat(fd, st));
}
