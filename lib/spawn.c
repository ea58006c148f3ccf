/*
 * spawn.c: start and stop children.
 *
 * A child runs in its own session (so a Ctrl-C aimed at the caller's
 * process group never reaches it), with default signal dispositions and an
 * empty mask (ignored signals would otherwise survive exec), descriptors 0-2
 * as asked and every other descriptor closed.  A failed chdir or exec is
 * reported synchronously through a close-on-exec pipe: the parent reads
 * nothing when exec succeeded, or the stage and errno when it did not.
 * (glibc's posix_spawn passes that errno through memory shared by
 * CLONE_VM instead, which valgrind and some sandboxes turn into a plain
 * fork, losing it; the pipe works everywhere.)
 *
 * The child is made by clone(CLONE_VM | CLONE_VFORK), as posix_spawn
 * does: it borrows the caller's address space until its exec, so no page
 * table is copied and the caller takes no copy-on-write fault after (a
 * fork of runnerd with a thousand instances spent half its time there).
 * It runs on a stack of its own, mapped with a guard page below (and
 * kept for the next spawn), never the caller's (a thread's may be
 * small).  Sharing memory with a suspended parent, the child makes
 * system calls only: no allocation, no lock, and raw ones where glibc
 * would touch its own state -- setgroups, setgid and setuid, whose
 * wrappers signal every thread of the parent to change theirs too, and
 * open, write and close, cancellation points that read the parent
 * thread's cancel state.  Every
 * signal is blocked around the clone and stays so in the child until
 * just before exec, once its dispositions are back to the default: no
 * handler of the caller ever runs on the shared memory.
 *
 * A daemon with thousands of descriptors open may park a few low ones
 * (spawn_park): the child then starts sharing the caller's descriptor
 * table (CLONE_FILES) and takes a copy of its low end only, where the
 * caller put what the child needs (close_range with CLOSE_RANGE_UNSHARE).
 * Without, clone copies the whole table, a reference taken on every open
 * file, and the exec drops them all again, one close each: with 2000
 * open, more than the rest of a spawn of runnerd's and its child's
 * together (issue 20).  The parked numbers hold /dev/null between
 * spawns, so that nothing else is ever opened on them.
 *
 * Waiting uses a pidfd where the kernel has one, so no SIGCHLD handler is
 * needed: the library must not touch the program's signals.
 *
 * A daemon may ask (spawn_parent_death) that its children be sent a
 * signal when it dies: set in the child after the change of user (which
 * clears it), then the parent is checked to be still there.  Not by
 * default: in a program with threads the kernel sends it when the thread
 * that forked exits, not the process.
 */

#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/close_range.h>

#include "runner-int.h"

/* The 32-bit ABIs' calls for 32-bit ids (the plain ones take 16 bits). */
#ifdef SYS_setgroups32
#define SPAWN_SYS_SETGROUPS	SYS_setgroups32
#define SPAWN_SYS_SETGID	SYS_setgid32
#define SPAWN_SYS_SETUID	SYS_setuid32
#else
#define SPAWN_SYS_SETGROUPS	SYS_setgroups
#define SPAWN_SYS_SETGID	SYS_setgid
#define SPAWN_SYS_SETUID	SYS_setuid
#endif
#define SPAWN_SIGSET_SIZE	(_NSIG / 8)	/* the kernel's sigset_t */

/*
 * The child's stack, over what its own frames need: glibc's execvpe
 * copies the PATH entry and the name onto it, and for a script without
 * #! argv's pointers too (to run it with /bin/sh).  glibc's posix_spawn
 * gives 32 KiB besides, for what a compiler's stack checking may take.
 */
#define SPAWN_STACK_SLACK	(32 * 1024)

static int	  have_pidfd = 1;	/* cleared if the kernel has none */
static struct rlimit spawn_nofile;	/* the children's, when set */
static int	  spawn_nofile_set;
static int	  spawn_pdeathsig;	/* sent to children when we die */

/*
 * The parked descriptors (spawn_park): the child's 0-2 sources, its extra
 * descriptor and the error pipe go there for the clone, /dev/null
 * (spawn_null) the rest of the time.  One spawn at a time uses them (a
 * daemon's threads may spawn too: the others copy the whole table, as
 * without).  spawn_park_end: one past the highest, or 0: none parked.
 */
#define SPAWN_NPARK	5
static int	  spawn_slot[SPAWN_NPARK];
static int	  spawn_null = -1;
static atomic_int spawn_park_end;
static atomic_int spawn_files = CLONE_FILES;	/* 0 once clone refused it */
static atomic_flag spawn_park_busy = ATOMIC_FLAG_INIT;

/*
 * A child's stack kept for the next spawn (spawn_stack), or NULL; by a
 * daemon that parked descriptors only (spawn_park), which spawns a lot.
 */
static atomic_int spawn_keep;
static char	 *spawn_spare;
static size_t	  spawn_spare_len;
static atomic_flag spawn_spare_busy = ATOMIC_FLAG_INIT;

/* What failed in the child, as reported through the error pipe. */
#define SPAWN_STAGE_CHDIR	1
#define SPAWN_STAGE_FD		2
#define SPAWN_STAGE_EXEC	3
#define SPAWN_STAGE_IDS		4

/* What the child reads, in the parent's frame (the parent waits). */
struct spawn_arg {
	const struct spawn	*sp;
	const int		*fd;		/* 0-2's sources, none below 3 */
	char			**env;
	int			 errfd;		/* the error pipe's write end */
	pid_t			 parent;
	int			 pdeathsig;
	int			 unshare_at;	/* > 0: the table is shared;
						   keep only what is below */
};

/*
 * ASan poisons the redzones of a frame's arrays in the shadow memory,
 * which the child shares with the parent, and clears them when the
 * function returns, which the child's never do: a later stack mapped at
 * the same address was then reported as overflowed (test_spawn_child
 * under SANITIZE=1).  The child's code is left uninstrumented.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_CHILD	__attribute__((noreturn, no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_CHILD	__attribute__((noreturn, no_sanitize_address))
#endif
#endif
#ifndef SPAWN_CHILD
#define SPAWN_CHILD	__attribute__((noreturn))
#endif

static void	 spawn_fail(int, int) SPAWN_CHILD;
static int	 spawn_exec(void *) SPAWN_CHILD;
static void	*spawn_stack(char *const *, size_t *);
static void	 spawn_unstack(char *, size_t);
static int	 spawn_park_fds(int *, int *, int *, int);
static void	 spawn_unpark(int);

/*
 * Why a child failed before its program ran, in words, from the two ints
 * it wrote (spawn_fail): the stage and its errno.
 */
void
spawn_errf(const struct spawn *sp, const int msg[2], char *err,
    size_t errlen)
{
	if (msg[0] == SPAWN_STAGE_CHDIR)
		snprintf(err, errlen, "cannot change directory to '%s': %s",
		    sp->cwd, strerror(msg[1]));
	else if (msg[0] == SPAWN_STAGE_IDS)
		snprintf(err, errlen, "cannot switch to uid %ld, gid %ld for "
		    "'%s': %s", (long)sp->uid, (long)sp->gid, sp->argv[0],
		    strerror(msg[1]));
	else if (msg[0] == SPAWN_STAGE_FD)
		snprintf(err, errlen, "cannot set up descriptors for '%s': %s",
		    sp->argv[0], strerror(msg[1]));
	else
		snprintf(err, errlen, "cannot execute '%s': %s", sp->argv[0],
		    strerror(msg[1]));
}

/* Tell the parent why we failed, and go. */
static void
spawn_fail(int errfd, int stage)
{
	int	 msg[2] = { stage, errno };

	(void)syscall(SYS_write, errfd, msg, sizeof(msg));
	_exit(127);
}

/*
 * The child's side, between clone and exec, on its own stack.  System
 * calls only, in the parent's memory: errno is the parent thread's (it
 * is suspended until we exec or exit), nothing else of it is written.
 */
static int
spawn_exec(void *arg)
{
	const struct spawn_arg	*a = arg;
	const struct spawn	*sp = a->sp;
	struct sigaction	 sa;
	sigset_t		 none;
	int			 i, nul;

	/*
	 * A table of our own before anything changes in it: the low end the
	 * caller parked our descriptors in (see the top); a kernel without
	 * close_range's unshare (before 5.9) copies it whole.  Until then
	 * the only descriptor touched is errfd, written.
	 */
	if (a->unshare_at > 0 && close_range((unsigned)a->unshare_at, ~0U,
	    CLOSE_RANGE_UNSHARE) == -1 && unshare(CLONE_FILES) == -1)
		spawn_fail(a->errfd, SPAWN_STAGE_FD);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		sigaction(i, &sa, NULL);	/* fails harmlessly for some */
	setsid();
	if (spawn_nofile_set)
		setrlimit(RLIMIT_NOFILE, &spawn_nofile);
	/* Groups before the uid: after setuid we may no longer change them. */
	if (sp->set_ids && (syscall(SPAWN_SYS_SETGROUPS, sp->ngroups,
	    sp->groups) == -1 || syscall(SPAWN_SYS_SETGID, sp->gid) == -1 ||
	    syscall(SPAWN_SYS_SETUID, sp->uid) == -1))
		spawn_fail(a->errfd, SPAWN_STAGE_IDS);
	/*
	 * After the credential change, which clears the parent-death
	 * signal.  The parent may have died between clone and here: then
	 * nobody would send it, and nobody supervises us, so go.
	 */
	if (a->pdeathsig != 0 && (prctl(PR_SET_PDEATHSIG, a->pdeathsig) == -1 ||
	    getppid() != a->parent))
		_exit(127);
	if (sp->cwd != NULL && chdir(sp->cwd) == -1)
		spawn_fail(a->errfd, SPAWN_STAGE_CHDIR);
	for (i = 0; i < 3; i++) {
		if (a->fd[i] >= 0) {
			if (dup2(a->fd[i], i) == -1)
				spawn_fail(a->errfd, SPAWN_STAGE_FD);
		} else if (a->fd[i] == SPAWN_NULL) {
			nul = syscall(SYS_openat, AT_FDCWD, "/dev/null",
			    i == 0 ? O_RDONLY : O_WRONLY);
			if (nul == -1 || (nul != i && (dup2(nul, i) == -1 ||
			    syscall(SYS_close, nul) == -1)))
				spawn_fail(a->errfd, SPAWN_STAGE_FD);
		}
	}
	/*
	 * Everything else closes at exec, the caller's careless descriptors
	 * too; marking rather than closing keeps errfd open until exec.  The
	 * extra descriptor (a notify pipe) is placed after that marking,
	 * and dup2 leaves it open across exec.
	 */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1) {
		for (i = 3; i < 65536; i++) {
			if (i != a->errfd)
				fcntl(i, F_SETFD, FD_CLOEXEC);
		}
	}
	if (sp->extra_fd >= 0) {
		if (sp->extra_fd == sp->extra_as) {
			if (fcntl(sp->extra_as, F_SETFD, 0) == -1)
				spawn_fail(a->errfd, SPAWN_STAGE_FD);
		} else if (dup2(sp->extra_fd, sp->extra_as) == -1)
			spawn_fail(a->errfd, SPAWN_STAGE_FD);
	}
	sigemptyset(&none);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL,
	    SPAWN_SIGSET_SIZE);
	execvpe(sp->argv[0], sp->argv, a->env);
	spawn_fail(a->errfd, SPAWN_STAGE_EXEC);
}

/*
 * A stack for the child: what execvpe may put on it for argv (see
 * SPAWN_STACK_SLACK), in whole pages, over a guard page that turns an
 * overflow into a crash of the child rather than a write into whatever
 * the caller has mapped below.  *len is the whole mapping's.  After
 * spawn_park, the last one given back (spawn_unstack) is taken again
 * when large enough: a mapping, its guard and its unmapping per spawn
 * were a tenth of runnerd's time in a start of 1000.
 */
static void *
spawn_stack(char *const *argv, size_t *len)
{
	const char	*path = getenv("PATH");
	size_t		 pg = (size_t)sysconf(_SC_PAGESIZE), need;
	char		*p;

	need = SPAWN_STACK_SLACK + (argv_len(argv) + 3) * sizeof(char *) +
	    strlen(argv[0]) + (path != NULL ? strlen(path) : 0);
	need = (need + pg - 1) / pg * pg;
	*len = need + pg;
	if (!atomic_flag_test_and_set(&spawn_spare_busy)) {
		p = spawn_spare;
		if (p != NULL && spawn_spare_len >= *len) {
			*len = spawn_spare_len;
			spawn_spare = NULL;
			atomic_flag_clear(&spawn_spare_busy);
			return (p);
		}
		atomic_flag_clear(&spawn_spare_busy);
	}
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return (NULL);
	if (mprotect(p, pg, PROT_NONE) == -1) {
		munmap(p, *len);
		return (NULL);
	}
	return (p);
}

/* A child's stack, done with: kept for the next spawn, or unmapped. */
static void
spawn_unstack(char *p, size_t len)
{
	char	*old = NULL;
	size_t	 oldlen = 0;

	if (!spawn_keep || atomic_flag_test_and_set(&spawn_spare_busy)) {
		munmap(p, len);
		return;
	}
	if (spawn_spare == NULL || spawn_spare_len <= len) {
		old = spawn_spare;
		oldlen = spawn_spare_len;
		spawn_spare = p;
		spawn_spare_len = len;
	} else {
		old = p;
		oldlen = len;
	}
	atomic_flag_clear(&spawn_spare_busy);
	if (old != NULL)
		munmap(old, oldlen);
}

/*
 * Unmap the stack kept for the next spawn: a daemon done launching for
 * now gives its pages back.
 */
void
spawn_trim(void)
{
	char	*p;
	size_t	 len;

	if (atomic_flag_test_and_set(&spawn_spare_busy))
		return;
	p = spawn_spare;
	len = spawn_spare_len;
	spawn_spare = NULL;
	atomic_flag_clear(&spawn_spare_busy);
	if (p != NULL)
		munmap(p, len);
}

/*
 * Park SPAWN_NPARK descriptors, the lowest free, for every spawn after
 * (see the top), and keep a child's stack from one spawn to the next
 * (spawn_trim unmaps it): for a daemon that will have many descriptors
 * open and spawns a lot, called while it has few open.  0, or -1 (then
 * spawns copy the whole table, as before).
 */
int
spawn_park(void)
{
	const char	*pre;
	int		 k, fd, end = 0;

	if (spawn_park_end > 0)
		return (0);
	/*
	 * valgrind ends the program at a clone with CLONE_FILES rather than
	 * fail it (its preload says it is there): the child copies the whole
	 * table then, and keeps the low end, as a kernel without
	 * close_range's unshare has it do.
	 */
	if ((pre = getenv("LD_PRELOAD")) != NULL &&
	    strstr(pre, "vgpreload") != NULL)
		spawn_files = 0;
	if ((spawn_null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return (-1);
	for (k = 0; k < SPAWN_NPARK; k++) {
		if ((fd = fcntl(spawn_null, F_DUPFD_CLOEXEC, 3)) == -1) {
			while (k-- > 0)
				close(spawn_slot[k]);
			close(spawn_null);
			spawn_null = -1;
			return (-1);
		}
		spawn_slot[k] = fd;
		if (fd >= end)
			end = fd + 1;
	}
	spawn_park_end = end;
	spawn_keep = 1;
	return (0);
}

/*
 * Put the child's descriptors into the parked ones, for the clone: its
 * 0-2 sources (fd[], those not below 0), *extra (or -1) and *errfd, each
 * replaced by the parked number.  Never the error pipe where the extra
 * one is to go, which the child would write over.  How many were parked
 * (then spawn_unpark(that) once the clone returned), or 0 (busy, or a
 * dup3 failed: the caller's numbers stand).
 */
static int
spawn_park_fds(int *fd, int *extra, int *errfd, int extra_as)
{
	int	*what[SPAWN_NPARK], slot[SPAWN_NPARK], n = 0, k, t;

	if (spawn_park_end == 0 || atomic_flag_test_and_set(&spawn_park_busy))
		return (0);
	for (k = 0; k < 3; k++)
		if (fd[k] >= 0)
			what[n++] = &fd[k];
	if (*extra >= 0)
		what[n++] = extra;
	what[n++] = errfd;
	for (k = 0; k < n; k++)
		slot[k] = spawn_slot[k];
	/* The error pipe last: where the extra one goes, swap the two. */
	if (*extra >= 0 && slot[n - 1] == extra_as) {
		t = slot[n - 1];
		slot[n - 1] = slot[n - 2];
		slot[n - 2] = t;
	}
	for (k = 0; k < n; k++) {
		if (dup3(*what[k], slot[k], O_CLOEXEC) == -1) {
			spawn_unpark(n);
			return (0);
		}
	}
	for (k = 0; k < n; k++)
		*what[k] = slot[k];
	return (n);
}

/*
 * The clone returned: the parked numbers hold /dev/null again, so that
 * the caller's copies of the child's pipes close when the caller closes
 * its own.  One that cannot is closed, and parking given up.
 */
static void
spawn_unpark(int n)
{
	int	 k;

	for (k = 0; k < n; k++) {
		if (dup3(spawn_null, spawn_slot[k], O_CLOEXEC) == -1) {
			close(spawn_slot[k]);
			spawn_park_end = 0;
		}
	}
	atomic_flag_clear(&spawn_park_busy);
}

/*
 * Give children this descriptor limit rather than ours: a daemon that
 * raised its own for many instances hands them the usual one back, as
 * programs using select(2) expect.
 */
void
spawn_child_nofile(const struct rlimit *rl)
{
	spawn_nofile = *rl;
	spawn_nofile_set = 1;
}

/* The children's limit set above: 1 and *rl, or 0 (theirs is ours). */
int
spawn_child_nofile_of(struct rlimit *rl)
{
	if (spawn_nofile_set)
		*rl = spawn_nofile;
	return (spawn_nofile_set);
}

/*
 * Have every child receive sig when this process dies (0: never, the
 * default).  For a single-threaded program only: the kernel sends it
 * when the *thread* that spawned the child exits.  runnerd sets SIGKILL,
 * so that nothing it started runs on unsupervised after its death; the
 * library's in-process backend, which runs in programs with threads,
 * does not.  A set-user-ID program the child executes loses it.
 */
void
spawn_parent_death(int sig)
{
	spawn_pdeathsig = sig;
}

/*
 * Start argv[0] (searched in PATH) as sp says.  Returns 0 with *pid set,
 * or -1 with the reason in err, e.g. "cannot execute '/x/y': No such
 * file or directory".
 */
int
spawn_child(const struct spawn *sp, pid_t *pid, char *err, size_t errlen)
{
	sigset_t	 all, old;
	struct spawn_arg a;
	int		 fd[3], moved[3] = { -1, -1, -1 }, pfd[2] = { -1, -1 };
	int		 msg[2], i, rc = -1, status, extra = -1, saved;
	int		 parked, files;
	ssize_t		 n;
	pid_t		 child;
	struct spawn	 cp = *sp;
	char		*stack = NULL;
	size_t		 stacklen = 0;

	if (sp->argv == NULL || sp->argv[0] == NULL) {
		snprintf(err, errlen, "empty command");
		return (-1);
	}
	/*
	 * The child dup2s onto 0-2, so no descriptor it still needs may sit
	 * there: move low sources, and the error pipe, to 3 and up.
	 */
	for (i = 0; i < 3; i++) {
		fd[i] = sp->fd[i];
		if (fd[i] == i)
			fd[i] = SPAWN_INHERIT;
		else if (fd[i] >= 0 && fd[i] < 3) {
			if ((moved[i] = fcntl(fd[i], F_DUPFD_CLOEXEC, 3)) == -1)
				goto syserr;
			fd[i] = moved[i];
		}
	}
	if (sp->extra_fd >= 0 && sp->extra_fd < 3) {
		if ((extra = fcntl(sp->extra_fd, F_DUPFD_CLOEXEC, 3)) == -1)
			goto syserr;
		cp.extra_fd = extra;
	}
	if (pipe2(pfd, O_CLOEXEC) == -1)
		goto syserr;
	/* ... nor may the error pipe sit where the extra one goes. */
	for (i = 0; i < 2; i++) {
		if (pfd[i] < 3 || (cp.extra_fd >= 0 && pfd[i] == cp.extra_as)) {
			int high = fcntl(pfd[i], F_DUPFD_CLOEXEC,
			    cp.extra_as + 1 > 3 ? cp.extra_as + 1 : 3);

			if (high == -1)
				goto syserr;
			close(pfd[i]);
			pfd[i] = high;
		}
	}
	if ((stack = spawn_stack(sp->argv, &stacklen)) == NULL)
		goto syserr;
	a.sp = &cp;
	a.fd = fd;
	a.env = (char **)sp->env;	/* launch.c's, whole */
	a.errfd = pfd[1];
	a.parent = getpid();
	a.pdeathsig = sp->pdeathsig != 0 ? sp->pdeathsig : spawn_pdeathsig;
	a.unshare_at = 0;
	if ((parked = spawn_park_fds(fd, &cp.extra_fd, &a.errfd,
	    cp.extra_as)) > 0)
		a.unshare_at = spawn_park_end;

	/*
	 * No handler of the program may run in the child before exec:
	 * every signal blocked, glibc's own two included, which
	 * pthread_sigmask leaves open.  The clone returns once the child
	 * has exec'd or exited, done with the stack.
	 */
	sigfillset(&all);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old,
	    SPAWN_SIGSET_SIZE);
	files = parked > 0 ? spawn_files : 0;
	child = clone(spawn_exec, stack + stacklen,
	    CLONE_VM | CLONE_VFORK | files | SIGCHLD, &a);
	if (child == -1 && errno == EINVAL && files != 0) {
		/* A sandbox's clone may refuse CLONE_FILES: copy, as without. */
		spawn_files = 0;
		child = clone(spawn_exec, stack + stacklen,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	}
	saved = errno;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL,
	    SPAWN_SIGSET_SIZE);
	if (parked > 0)
		spawn_unpark(parked);
	errno = saved;
	if (child == -1)
		goto syserr;
	close(pfd[1]);
	pfd[1] = -1;
	if (sp->errpipe != NULL) {
		/* The caller reads why, if it failed, once it exits (127). */
		*sp->errpipe = pfd[0];
		pfd[0] = -1;
		*pid = child;
		rc = 0;
		goto out;
	}

	do
		n = read(pfd[0], msg, sizeof(msg));
	while (n == -1 && errno == EINTR);
	if (n == sizeof(msg)) {
		while (waitpid(child, &status, 0) == -1 && errno == EINTR)
			;
		spawn_errf(sp, msg, err, errlen);
		goto out;
	}
	*pid = child;
	rc = 0;
	goto out;
syserr:
	snprintf(err, errlen, "cannot start '%s': %s", sp->argv[0],
	    strerror(errno));
out:
	if (stack != NULL)
		spawn_unstack(stack, stacklen);
	for (i = 0; i < 3; i++) {
		if (moved[i] != -1)
			close(moved[i]);
	}
	for (i = 0; i < 2; i++) {
		if (pfd[i] != -1)
			close(pfd[i]);
	}
	if (extra != -1)
		close(extra);
	return (rc);
}

/*
 * Reap pid if it has exited: 1 with *status set, 0 while it runs.  A
 * child someone else reaped (SIGCHLD set to SIG_IGN, or the program's
 * own waitpid(-1)) counts as exited with an unknown status (-1).
 */
int
spawn_reap(pid_t pid, int *status)
{
	pid_t	 r;

	do
		r = waitpid(pid, status, WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		return (0);
	if (r == -1)
		*status = -1;
	return (1);
}

/*
 * Has pid exited?  1 when it has and is not reaped yet, so that its pid,
 * group and session are still its own while what it left is found and
 * killed; 0 while it runs; -1 when it is not ours to wait for (someone
 * else reaped it: its pid may name another process by now).
 */
int
spawn_exited(pid_t pid)
{
	siginfo_t	 si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0)
			return (si.si_pid == pid);
		if (errno != EINTR)
			return (-1);
	}
}

/*
 * Wait until pid has exited, without reaping it (the zombie keeps its
 * process group alive, so the group can still be signalled safely).  0
 * once it has exited, -1 at the deadline.  A pidfd wakes us the moment
 * it exits; kernels without one get a short backoff.
 */
int
spawn_wait_exit(pid_t pid, double deadline)
{
	siginfo_t	 si;
	struct timespec	 ts;
	long		 nap = 1000000;	/* 1 ms, doubling to 32 ms */
	int		 pfd, ms;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			return (0);	/* not ours to wait for: gone */
		}
		if (si.si_pid == pid)
			return (0);
		if ((ms = clock_ms_left(deadline)) == 0)
			return (-1);
		if (have_pidfd && (pfd = pidfd_open(pid, 0)) != -1) {
			fd_wait(pfd, POLLIN, deadline);
			close(pfd);
			continue;
		}
		if (errno == ENOSYS)
			have_pidfd = 0;	/* a kernel fact: ask once */
		if (ms > 0 && ms < nap / 1000000)
			nap = ms * 1000000L;
		ts.tv_sec = 0;
		ts.tv_nsec = nap;
		nanosleep(&ts, NULL);
		if (nap < 32000000)
			nap *= 2;
	}
}

/*
 * Stop pid's process group the way a supervisor should: sig (and SIGCONT,
 * so a stopped process can act on it) to the group, SIGKILL to the group
 * after timeout seconds (or at once once the leader is gone, so nothing of
 * the instance outlives it), then reap the leader.  Returns 0 and its wait
 * status, or -1 when it was not ours to reap.
 */
int
spawn_stop(pid_t pid, int sig, double timeout, int *status)
{
	pid_t	 r;

	if (pid <= 0) {			/* never signal our own group */
		*status = -1;
		return (-1);
	}
	if (kill(-pid, sig) == -1)
		kill(pid, sig);
	if (sig != SIGKILL && sig != SIGCONT)
		kill(-pid, SIGCONT);
	spawn_wait_exit(pid, clock_now() + timeout);
	kill(-pid, SIGKILL);
	do
		r = waitpid(pid, status, 0);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		*status = -1;
		return (-1);
	}
	return (0);
}

/* A wait status in words: "exited with status 1", "killed by SIGKILL". */
const char *
status_words(int status, char *s, size_t len)
{
	const char	*name;

	if (status == -1)
		snprintf(s, len, "exited (status unknown)");
	else if (WIFEXITED(status))
		snprintf(s, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		name = signal_name(WTERMSIG(status));
		if (name != NULL)
			snprintf(s, len, "killed by %s%s", name,
			    WCOREDUMP(status) ? " (core dumped)" : "");
		else
			snprintf(s, len, "killed by signal %d%s",
			    WTERMSIG(status),
			    WCOREDUMP(status) ? " (core dumped)" : "");
	} else
		snprintf(s, len, "stopped");
	return (s);
}
