/*
 * logfile.c: the apps' log files.  One open file per path (and user),
 * shared by every instance that logs there (the instances of one app, or
 * apps that name the same file) and counted by references.  Callers hand in whole
 * lines and a batch is written with as few writes as possible, each of
 * whole lines, so instances never interleave within a line.
 *
 * runnerd often runs as root and writes where an app's user may write
 * too, so the path is never handed to the kernel whole: it is resolved
 * one component at a time from a directory descriptor (O_PATH,
 * O_NOFOLLOW), a symbolic link is followed only when it sits in a
 * directory nobody but root and runnerd's user can write, and the file
 * is then created, opened and rotated relative to its directory's
 * descriptor.  That directory must be writable by nobody but root and
 * runnerd's user, or, when runnerd is root and the app has a `user', by
 * nobody but them and that user and group: then every operation in it
 * runs with the user's file system identity (setfsuid), so the app's
 * user can make runnerd do there nothing it could not do itself, and the
 * file must belong to the user and have no other (hard) link.  Anything
 * else is refused, and said why.
 * A file on /proc (/dev/stdout is /proc/self/fd/1) is opened by the
 * kernel: its links are the kernel's, planted by nobody.
 *
 * The daemon keeps the size itself (fstat at open, then what it wrote)
 * and never asks lseek or ftell: a target that is not a regular file (a
 * FIFO, /dev/stdout, a tty) has no size and no position, works all the
 * same, and is simply never rotated.  A regular file that would pass
 * log_max_size is rotated, LOG.(keep-1) -> LOG.keep, ..., LOG -> LOG.1
 * (renameat, which replaces a link planted as LOG.N and never follows
 * it), and LOG is opened anew; log_keep = 0 truncates it instead.  A
 * regular file deleted or renamed under the daemon is opened anew (so
 * its space is freed): looked for at most once a second, before a
 * rotation and after a failed write.  A write that fails halfway through
 * a line (ENOSPC, EFBIG) has the piece cut off again (ftruncate), so the
 * file holds whole lines only; if even that fails, the next write starts
 * with a newline, so that the piece stands alone.
 *
 * A target that is not a regular file is written without blocking: a
 * FIFO nobody reads must never stop the daemon, so what it does not take
 * is dropped and counted (status shows it as log_dropped).  A file that
 * cannot be opened is tried again, at most once a second, as lines come.
 * Every failure is logged once, and its end once more.
 */

#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/magic.h>

#include "runnerd.h"

#define LOGFILE_RENAMES	64	/* renames one write may cost, at most */
#define LOGFILE_RETRY	1.0	/* seconds between tries to open again */
#define LOGFILE_CHECK	1.0	/* seconds between looks for a lost file */
#define LOGFILE_LINKS	40	/* symbolic links followed, as the kernel */
#define LOGFILE_NOUSER	((uid_t)-1)

/* Who may write a directory, as far as the log in it is concerned. */
enum logfile_trust {
	TRUST_NONE,		/* someone else: refused */
	TRUST_USER,		/* the app's user: act as that user */
	TRUST_SAFE		/* root and runnerd's user only */
};

struct logfile {
	char		*path;
	int		 refs;
	int		 fd;		/* -1 while it cannot be opened */
	int		 dirfd;		/* its directory (O_PATH), with fd */
	char		 name[NAME_MAX + 1]; /* its name in dirfd */
	int		 as_user;	/* work in dirfd as uid/gid */
	uid_t		 uid;		/* the app's user, or LOGFILE_NOUSER */
	gid_t		 gid;		/* ... and group */
	int		 regular;	/* a regular file: sized, rotated */
	size_t		 size;		/* bytes in it, by our count */
	size_t		 max;		/* rotate past this; 0: never */
	size_t		 limit;		/* try to rotate past this */
	int		 keep;		/* rotated files kept */
	double		 retry_at;	/* fd -1: next try to open */
	double		 check_at;	/* next look for a lost file */
	int		 torn;		/* it ends in a piece of a line */
	int		 failing;	/* a failure was logged, no end yet */
	uint64_t	 dropped;	/* since the failure was logged */
	struct logfile	*next;
};

static struct logfile	*logfiles;	/* every open one */

static enum logfile_trust logfile_trust(const struct logfile *,
		    const struct stat *, char *, size_t);
static int	 logfile_as(const struct logfile *, int, uid_t *, gid_t *);
static int	 logfile_walk(struct logfile *, enum logfile_trust *, int *,
		    char *, size_t);
static int	 logfile_reopen(struct logfile *);
static int	 logfile_gone(struct logfile *);
static int	 logfile_rotate(struct logfile *);
static size_t	 logfile_put(struct logfile *, const char *, size_t);
static void	 logfile_cut(struct logfile *, size_t);
static void	 logfile_fail(struct logfile *, const char *);
static void	 logfile_failx(struct logfile *, const char *);
static void	 logfile_ok(struct logfile *);
static void	 logfile_why(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 logfile_shut(struct logfile *);

/*
 * A reference to the log file of app (its log, log_max_size, log_keep
 * and user), opened when nobody holds it yet; max and keep are the
 * latest opener's.  Apps that run as different users get a logfile each
 * for one path, since what may be opened, and as whom, depends on the
 * user (each rotates by its own count, and each finds the other's
 * rotation by the name check of logfile_gone).  An open that fails is
 * logged and tried again later: the reference is good all the same.
 * NULL only when out of memory.
 */
struct logfile *
logfile_open(const struct app *app)
{
	struct logfile	*lf;
	uid_t		 uid;
	gid_t		 gid;

	uid = app->user != NULL ? app->uid : LOGFILE_NOUSER;
	gid = app->user != NULL ? app->gid : (gid_t)-1;
	for (lf = logfiles; lf != NULL; lf = lf->next) {
		if (strcmp(lf->path, app->log) == 0 && lf->uid == uid &&
		    lf->gid == gid)
			break;
	}
	if (lf == NULL) {
		if ((lf = calloc(1, sizeof(*lf))) == NULL ||
		    (lf->path = strdup(app->log)) == NULL) {
			log_warn("%s", __func__);
			free(lf);
			return (NULL);
		}
		lf->fd = lf->dirfd = -1;
		lf->uid = uid;
		lf->gid = gid;
		lf->next = logfiles;
		logfiles = lf;
		(void)logfile_reopen(lf);
	}
	lf->refs++;
	lf->max = lf->limit = app->log_max_size;
	lf->keep = app->log_keep;
	return (lf);
}

/* Drop a reference; the last one closes the file. */
void
logfile_close(struct logfile *lf)
{
	struct logfile	**p;

	if (lf == NULL || --lf->refs > 0)
		return;
	for (p = &logfiles; *p != NULL; p = &(*p)->next) {
		if (*p == lf) {
			*p = lf->next;
			break;
		}
	}
	logfile_shut(lf);
	free(lf->path);
	free(lf);
}

/* The path the file was opened as. */
const char *
logfile_path(const struct logfile *lf)
{
	return (lf->path);
}

/* Close the file and its directory. */
static void
logfile_shut(struct logfile *lf)
{
	if (lf->fd != -1)
		close(lf->fd);
	if (lf->dirfd != -1)
		close(lf->dirfd);
	lf->fd = lf->dirfd = -1;
}

/*
 * Who, besides root and runnerd's user, may write the directory st: its
 * owner (who can always make it writable), its group when it is
 * group-writable (unless that is root's group, 0), everyone when it is
 * world-writable, sticky or not.  TRUST_USER when that is only the app's
 * user and group; otherwise the one found is described in who.
 */
static enum logfile_trust
logfile_trust(const struct logfile *lf, const struct stat *st, char *who,
    size_t wholen)
{
	uid_t	 me = geteuid();
	int	 user = 0;

	if (st->st_mode & S_IWOTH) {
		snprintf(who, wholen, "everyone");
		return (TRUST_NONE);
	}
	if (st->st_uid != 0 && st->st_uid != me) {
		if (lf->uid == LOGFILE_NOUSER || st->st_uid != lf->uid) {
			snprintf(who, wholen, "uid %lu",
			    (unsigned long)st->st_uid);
			return (TRUST_NONE);
		}
		user = 1;
	}
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0) {
		if (lf->uid == LOGFILE_NOUSER || st->st_gid != lf->gid) {
			snprintf(who, wholen, "group %lu",
			    (unsigned long)st->st_gid);
			return (TRUST_NONE);
		}
		user = 1;
	}
	if (user)
		snprintf(who, wholen, "uid %lu", (unsigned long)lf->uid);
	return (user ? TRUST_USER : TRUST_SAFE);
}

/*
 * Take on the app's user and group for the file system (on 1, keeping
 * the previous ones in uid and gid), or go back to them (on 0).  Linux
 * drops the file capabilities (DAC override, fowner) with a nonzero fsuid
 * and gives them back with 0.  Taking them on fails (-1, errno EPERM)
 * when runnerd may not.
 */
static int
logfile_as(const struct logfile *lf, int on, uid_t *uid, gid_t *gid)
{
	if (!on) {
		(void)setfsuid(*uid);
		(void)setfsgid(*gid);
		return (0);
	}
	*gid = (gid_t)setfsgid(lf->gid);
	*uid = (uid_t)setfsuid(lf->uid);
	/* Both answer the previous identity: ask again to know. */
	if ((uid_t)setfsuid(lf->uid) != lf->uid ||
	    (gid_t)setfsgid(lf->gid) != lf->gid) {
		logfile_as(lf, 0, uid, gid);
		errno = EPERM;
		return (-1);
	}
	return (0);
}

/*
 * Say why in why: a message, cut short if it must be (a path can be
 * PATH_MAX long, and so can what it says of it).
 */
static void
logfile_why(char *why, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/*
 * Resolve lf->path to its directory, one component at a time, from "/"
 * (or runnerd's working directory for a relative path).  No component is
 * opened through a symbolic link (O_NOFOLLOW); a link is read and
 * followed by hand, and only when the directory holding it is
 * TRUST_SAFE, since a link in a directory someone else may write is
 * theirs to point anywhere.  A link as the last component is followed
 * the same way.  Returns the directory (an O_PATH descriptor) with the
 * file's name in lf->name, its trust in *trust and in *proc whether it
 * is on /proc; or -1 with the reason in why.
 */
static int
logfile_walk(struct logfile *lf, enum logfile_trust *trust, int *proc,
    char *why, size_t whylen)
{
	char		 todo[PATH_MAX], next[PATH_MAX], link[PATH_MAX];
	char		 at[PATH_MAX], who[64], comp[NAME_MAX + 1];
	struct stat	 st;
	struct statfs	 sf;
	const char	*p, *e;
	size_t		 len;
	ssize_t		 ll;
	int		 dfd, nfd, links = 0;

	if ((size_t)snprintf(todo, sizeof(todo), "%s", lf->path) >=
	    sizeof(todo)) {
		logfile_why(why, whylen, "path too long");
		return (-1);
	}
	dfd = -1;
	p = todo;
 restart:
	if (dfd != -1)
		close(dfd);
	snprintf(at, sizeof(at), "%s", *p == '/' ? "/" : ".");
	if ((dfd = open(at, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		logfile_why(why, whylen, "cannot open %s: %s", at,
		    strerror(errno));
		return (-1);
	}
	for (;;) {
		if (fstat(dfd, &st) == -1) {
			logfile_why(why, whylen, "fstat %s: %s", at,
			    strerror(errno));
			goto fail;
		}
		*trust = logfile_trust(lf, &st, who, sizeof(who));
		while (*p == '/')
			p++;
		if (*p == '\0') {
			logfile_why(why, whylen, "%s is a directory", at);
			goto fail;
		}
		e = p + strcspn(p, "/");
		if ((len = (size_t)(e - p)) > NAME_MAX) {
			logfile_why(why, whylen, "a name in it is too long");
			goto fail;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p = e + strspn(e, "/");
		if (strcmp(comp, ".") == 0 && *p != '\0')
			continue;
		if (*p == '\0' && *trust == TRUST_NONE)
			break;			/* refused below */
		if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT && *p == '\0')
				break;		/* the file, to be made */
			logfile_why(why, whylen, "%s%s%s: %s", at,
			    strcmp(at, "/") == 0 ? "" : "/", comp,
			    strerror(errno));
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			if (fstatfs(dfd, &sf) == 0 &&
			    sf.f_type == PROC_SUPER_MAGIC && *p == '\0') {
				*proc = 1;	/* the kernel's own links */
				break;
			}
			if (*trust != TRUST_SAFE) {
				logfile_why(why, whylen, "refused: %s%s%s is a "
				    "symbolic link in directory %s, which is "
				    "writable by %s", at,
				    strcmp(at, "/") == 0 ? "" : "/", comp, at,
				    who);
				goto fail;
			}
			ll = readlinkat(dfd, comp, link, sizeof(link));
			if (ll <= 0 || (size_t)ll >= sizeof(link) ||
			    ++links > LOGFILE_LINKS) {
				logfile_why(why, whylen, "%s/%s: %s", at, comp,
				    ll <= 0 ? strerror(errno) :
				    strerror(ELOOP));
				goto fail;
			}
			link[ll] = '\0';
			if ((size_t)snprintf(next, sizeof(next), "%s%s%s", link,
			    *p != '\0' ? "/" : "", p) >= sizeof(next)) {
				logfile_why(why, whylen, "path too long");
				goto fail;
			}
			memcpy(todo, next, sizeof(todo));
			p = todo;
			if (*p == '/')
				goto restart;
			continue;
		}
		if (*p == '\0')
			break;			/* the file */
		nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd == -1) {
			logfile_why(why, whylen, "%s%s%s: %s", at,
			    strcmp(at, "/") == 0 ? "" : "/", comp,
			    strerror(errno));
			goto fail;
		}
		close(dfd);
		dfd = nfd;
		len = strlen(at);
		snprintf(at + len, sizeof(at) - len, "%s%s",
		    strcmp(at, "/") == 0 ? "" : "/", comp);
	}
	if (*trust == TRUST_NONE) {
		logfile_why(why, whylen, "refused: directory %s is writable by "
		    "%s", at, who);
		goto fail;
	}
	memcpy(lf->name, comp, sizeof(lf->name));
	return (dfd);
 fail:
	close(dfd);
	return (-1);
}

/*
 * Open (again) for appending, through logfile_walk.  O_NONBLOCK from the
 * start, because opening a FIFO for writing would otherwise wait for a
 * reader; O_NOCTTY, because a detached runnerd leads its session and a
 * tty would become its controlling terminal.  A regular file is then
 * written blocking, as files are.  0, or -1 (logged once).
 */
static int
logfile_reopen(struct logfile *lf)
{
	enum logfile_trust	 trust;
	struct stat		 st;
	char			 why[PATH_MAX + 256];
	uid_t			 ouid;
	gid_t			 ogid;
	int			 dfd, fd, proc = 0, flags, saved;

	logfile_shut(lf);
	lf->retry_at = ev_now(server.loop) + LOGFILE_RETRY;
	lf->check_at = ev_now(server.loop) + LOGFILE_CHECK;
	if ((dfd = logfile_walk(lf, &trust, &proc, why, sizeof(why))) == -1) {
		logfile_failx(lf, why);
		return (-1);
	}
	lf->as_user = trust == TRUST_USER;
	flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (!proc)
		flags |= O_CREAT | O_NOFOLLOW;
	if (lf->as_user && logfile_as(lf, 1, &ouid, &ogid) == -1) {
		snprintf(why, sizeof(why), "refused: cannot act as uid %lu "
		    "in its directory: %s", (unsigned long)lf->uid,
		    strerror(errno));
		logfile_failx(lf, why);
		close(dfd);
		return (-1);
	}
	fd = openat(dfd, lf->name, flags, 0644);
	saved = errno;
	if (lf->as_user)
		logfile_as(lf, 0, &ouid, &ogid);
	if (fd == -1) {
		/* As the user, say so when the file is someone else's. */
		if (lf->as_user && fstatat(dfd, lf->name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode) &&
		    st.st_uid != lf->uid)
			goto theirs;
		/* ELOOP: only a link planted since logfile_walk looked. */
		snprintf(why, sizeof(why), "%s: %s", saved == ELOOP ?
		    "refused: it is a symbolic link" : "cannot open",
		    strerror(saved));
		logfile_failx(lf, why);
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		logfile_fail(lf, "fstat");
		goto fail;
	}
	if (lf->as_user && st.st_uid != lf->uid)
		goto theirs;
	/* A hard link: its other name is anywhere the linker chose. */
	if (lf->as_user && S_ISREG(st.st_mode) && st.st_nlink > 1) {
		snprintf(why, sizeof(why), "refused: the file has %lu hard "
		    "links", (unsigned long)st.st_nlink);
		logfile_failx(lf, why);
		goto fail;
	}
	lf->regular = S_ISREG(st.st_mode);
	if (lf->regular && fcntl(fd, F_SETFL, O_APPEND) == -1) {
		logfile_fail(lf, "fcntl");
		goto fail;
	}
	lf->size = lf->regular ? (size_t)st.st_size : 0;
	lf->torn = 0;
	lf->fd = fd;
	lf->dirfd = dfd;
	return (0);
 theirs:
	snprintf(why, sizeof(why), "refused: the file belongs to uid %lu, "
	    "not to the app's user (uid %lu) who may write its directory",
	    (unsigned long)st.st_uid, (unsigned long)lf->uid);
	logfile_failx(lf, why);
 fail:
	if (fd != -1)
		close(fd);
	close(dfd);
	return (-1);
}

/*
 * Whether the open regular file is lost: deleted (no link left) or its
 * name taken away (renamed, replaced).  Writing on would only keep the
 * space of a file nobody can see.
 */
static int
logfile_gone(struct logfile *lf)
{
	struct stat	 st, nst;

	lf->check_at = ev_now(server.loop) + LOGFILE_CHECK;
	if (lf->fd == -1 || !lf->regular || fstat(lf->fd, &st) == -1)
		return (0);
	if (st.st_nlink == 0)
		return (1);
	if (fstatat(lf->dirfd, lf->name, &nst, AT_SYMLINK_NOFOLLOW) == -1)
		return (errno == ENOENT);
	return (nst.st_dev != st.st_dev || nst.st_ino != st.st_ino);
}

/* Say once that the file fails, with errno in words. */
static void
logfile_fail(struct logfile *lf, const char *what)
{
	if (lf->failing)
		return;
	lf->failing = 1;
	lf->dropped = 0;
	if (errno == EAGAIN)
		log_warnx("log %s is not being read: dropping what it "
		    "cannot take", lf->path);
	else
		log_warn("log %s: %s", lf->path, what);
}

/* Say once that the file fails, for the reason why. */
static void
logfile_failx(struct logfile *lf, const char *why)
{
	if (lf->failing)
		return;
	lf->failing = 1;
	lf->dropped = 0;
	log_warnx("log %s: %s", lf->path, why);
}

/* A write went through: end a failure that was logged. */
static void
logfile_ok(struct logfile *lf)
{
	if (!lf->failing)
		return;
	lf->failing = 0;
	log_info("log %s: writing again (%llu bytes dropped meanwhile)",
	    lf->path, (unsigned long long)lf->dropped);
}

/*
 * Rotate: LOG.(keep-1) -> LOG.keep ... LOG.1 -> LOG.2, LOG -> LOG.1, and
 * a new LOG; or, with keep 0, truncate LOG.  Every rename is in the
 * directory the file was opened in, as whoever opened it.  A lost file
 * is not rotated (its name may be someone else's now) but opened anew.
 * A rotation that fails is logged and the file goes on growing (rather
 * than losing lines); it is tried again after another max bytes.  0, or
 * -1 when the new file cannot be opened.
 */
static int
logfile_rotate(struct logfile *lf)
{
	char	 from[NAME_MAX + 16], to[NAME_MAX + 16];
	uid_t	 ouid;
	gid_t	 ogid;
	int	 k, r;

	if (logfile_gone(lf)) {
		lf->limit = lf->max;
		return (logfile_reopen(lf));
	}
	if (lf->keep == 0) {
		if (ftruncate(lf->fd, 0) == -1) {
			log_warn("log %s: cannot truncate", lf->path);
			lf->limit = lf->size + lf->max;
			return (0);
		}
		lf->size = 0;
		lf->limit = lf->max;
		return (0);
	}
	if (lf->as_user && logfile_as(lf, 1, &ouid, &ogid) == -1) {
		log_warn("log %s: cannot rotate as uid %lu", lf->path,
		    (unsigned long)lf->uid);
		lf->limit = lf->size + lf->max;
		return (0);
	}
	for (k = lf->keep - 1; k >= 1; k--) {
		snprintf(from, sizeof(from), "%s.%d", lf->name, k);
		snprintf(to, sizeof(to), "%s.%d", lf->name, k + 1);
		if (renameat(lf->dirfd, from, lf->dirfd, to) == -1 &&
		    errno != ENOENT)
			log_warn("log %s: cannot rename %s", lf->path, from);
	}
	snprintf(to, sizeof(to), "%s.1", lf->name);
	r = renameat(lf->dirfd, lf->name, lf->dirfd, to);
	if (r == -1)
		log_warn("log %s: cannot rotate to %s", lf->path, to);
	if (lf->as_user)
		logfile_as(lf, 0, &ouid, &ogid);
	if (r == -1) {
		lf->limit = lf->size + lf->max;
		return (0);
	}
	lf->limit = lf->max;
	return (logfile_reopen(lf));
}

/*
 * A write to a regular file stopped after done bytes of p, part way
 * through a line: cut that piece off the end of the file again (O_APPEND
 * put it there), or, when that fails, remember that the next write must
 * first end it.
 */
static void
logfile_cut(struct logfile *lf, size_t piece)
{
	struct stat	 st;

	if (piece == 0)
		return;
	if (fstat(lf->fd, &st) == -1 || (size_t)st.st_size < piece ||
	    ftruncate(lf->fd, st.st_size - (off_t)piece) == -1) {
		lf->torn = 1;
		lf->size += piece;
		return;
	}
	lf->size = (size_t)st.st_size - piece;
}

/*
 * Write p whole, or as much as the target takes: the bytes written.  A
 * regular file is written until done or an error, and keeps only the
 * whole lines of what got through (logfile_cut); anything else gets one
 * non-blocking write per line, so that what it does not take is whole
 * lines (a line longer than a pipe's atomic size may still break).
 */
static size_t
logfile_put(struct logfile *lf, const char *p, size_t n)
{
	const char	*nl;
	size_t		 done = 0, len;
	ssize_t		 w;
	int		 saved;

	while (lf->torn) {
		if ((w = write(lf->fd, "\n", 1)) == 1) {
			lf->torn = 0;
			lf->size++;
		} else if (w == -1 && errno == EINTR)
			continue;
		else {
			logfile_fail(lf, "write");
			return (0);
		}
	}
	while (done < n) {
		len = n - done;
		if (!lf->regular && (nl = memchr(p + done, '\n', len)) != NULL)
			len = (size_t)(nl - (p + done)) + 1;
		w = write(lf->fd, p + done, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			saved = errno;
			logfile_fail(lf, "write");
			errno = saved;
			break;
		}
		done += (size_t)w;
		if (!lf->regular && (size_t)w < len)
			break;		/* full now: the rest would wait */
	}
	if (lf->regular && done < n) {
		saved = errno;
		nl = done > 0 ? memrchr(p, '\n', done) : NULL;
		len = nl != NULL ? (size_t)(nl - p) + 1 : 0;
		lf->size += len;
		logfile_cut(lf, done - len);
		errno = saved;
		return (len);
	}
	lf->size += done;
	if (done == n)
		logfile_ok(lf);
	return (done);
}

/*
 * Append n bytes of whole lines, rotating between lines when the file
 * would pass its maximum (a single line longer than that still goes
 * into a file of its own).  A rotation renames up to log_keep files,
 * so a flood into a tiny log_max_size with a large log_keep could rename
 * hundreds of thousands of files for one read of output and stall the
 * loop: one call stops rotating once it has renamed LOGFILE_RENAMES
 * files (it always rotates once), and what is left of the batch then
 * goes into the current file, past the maximum (by one read, 64 KiB, at
 * most).  A lost file is opened anew: looked for at
 * most once a second, and when a write fails (then the write is tried
 * once more in the new file).  Returns the bytes dropped: what could not
 * be written, and everything while the file cannot be opened.
 */
size_t
logfile_write(struct logfile *lf, const char *p, size_t n)
{
	const char	*nl;
	size_t		 chunk, fit, put, dropped = 0;
	int		 again = 1, renames = 0;

	if (lf->fd != -1 && lf->regular &&
	    ev_now(server.loop) >= lf->check_at && logfile_gone(lf)) {
		log_info("log %s: the file is gone; opening it anew",
		    lf->path);
		(void)logfile_reopen(lf);
	}
	if (lf->fd == -1 && (ev_now(server.loop) < lf->retry_at ||
	    logfile_reopen(lf) == -1)) {
		lf->dropped += n;
		return (n);
	}
	while (n > 0) {
		chunk = n;
		if (lf->regular && lf->max > 0 && lf->size + n > lf->limit &&
		    renames < LOGFILE_RENAMES) {
			/* The whole lines that still fit ... */
			fit = lf->size < lf->limit ? lf->limit - lf->size : 0;
			nl = fit > 0 ? memrchr(p, '\n', fit) : NULL;
			chunk = nl != NULL ? (size_t)(nl - p) + 1 : 0;
			/* ... none: a new file (or, failing that, on). */
			if (chunk == 0 && lf->size > 0) {
				if (logfile_rotate(lf) == -1) {
					dropped += n;
					break;
				}
				renames += lf->keep > 0 ? lf->keep : 1;
				continue;
			}
			/* An empty file takes a line of any length. */
			if (chunk == 0) {
				nl = memchr(p, '\n', n);
				chunk = nl != NULL ? (size_t)(nl - p) + 1 : n;
			}
		}
		if ((put = logfile_put(lf, p, chunk)) < chunk) {
			p += put;
			n -= put;
			if (again-- > 0 && lf->regular && logfile_gone(lf)) {
				log_info("log %s: the file is gone; opening "
				    "it anew", lf->path);
				if (logfile_reopen(lf) == 0)
					continue;
			}
			dropped += n;
			break;
		}
		p += chunk;
		n -= chunk;
	}
	lf->dropped += dropped;
	return (dropped);
}
