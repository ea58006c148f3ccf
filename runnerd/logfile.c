/*
 * logfile.c: the apps' log files.  One open file per path, shared by
 * every instance that logs there (the instances of one app, or apps that
 * name the same file) and counted by references.  Callers hand in whole
 * lines and a batch is written with as few writes as possible, each of
 * whole lines, so instances never interleave within a line.
 *
 * The daemon keeps the size itself (fstat at open, then what it wrote)
 * and never asks lseek or ftell: a target that is not a regular file (a
 * FIFO, /dev/stdout, a tty) has no size and no position, works all the
 * same, and is simply never rotated.  A regular file that would pass
 * log_max_size is rotated, LOG.(keep-1) -> LOG.keep, ..., LOG -> LOG.1,
 * and LOG is opened anew; log_keep = 0 truncates it instead.
 *
 * A target that is not a regular file is written without blocking: a
 * FIFO nobody reads must never stop the daemon, so what it does not take
 * is dropped and counted (status shows it as log_dropped).  A file that
 * cannot be opened is tried again, at most once a second, as lines come.
 * Every failure is logged once, and its end once more.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define LOGFILE_RETRY	1.0	/* seconds between tries to open again */

struct logfile {
	char		*path;
	int		 refs;
	int		 fd;		/* -1 while it cannot be opened */
	int		 regular;	/* a regular file: sized, rotated */
	size_t		 size;		/* bytes in it, by our count */
	size_t		 max;		/* rotate past this; 0: never */
	size_t		 limit;		/* try to rotate past this */
	int		 keep;		/* rotated files kept */
	double		 retry_at;	/* fd -1: next try to open */
	int		 failing;	/* a failure was logged, no end yet */
	uint64_t	 dropped;	/* since the failure was logged */
	struct logfile	*next;
};

static struct logfile	*logfiles;	/* every open one */

static int	 logfile_reopen(struct logfile *);
static int	 logfile_rotate(struct logfile *);
static size_t	 logfile_put(struct logfile *, const char *, size_t);
static void	 logfile_fail(struct logfile *, const char *);
static void	 logfile_ok(struct logfile *);

/*
 * A reference to the log file at path, opened when nobody holds it yet;
 * max and keep (log_max_size, log_keep) are the latest opener's.  An
 * open that fails is logged and tried again later: the reference is
 * good all the same.  NULL only when out of memory.
 */
struct logfile *
logfile_open(const char *path, size_t max, int keep)
{
	struct logfile	*lf;

	for (lf = logfiles; lf != NULL; lf = lf->next) {
		if (strcmp(lf->path, path) == 0)
			break;
	}
	if (lf == NULL) {
		if ((lf = calloc(1, sizeof(*lf))) == NULL ||
		    (lf->path = strdup(path)) == NULL) {
			log_warn("%s", __func__);
			free(lf);
			return (NULL);
		}
		lf->fd = -1;
		lf->next = logfiles;
		logfiles = lf;
		(void)logfile_reopen(lf);
	}
	lf->refs++;
	lf->max = lf->limit = max;
	lf->keep = keep;
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
	if (lf->fd != -1)
		close(lf->fd);
	free(lf->path);
	free(lf);
}

/* The path the file was opened as. */
const char *
logfile_path(const struct logfile *lf)
{
	return (lf->path);
}

/*
 * Open (again) for appending.  O_NONBLOCK from the start, because opening
 * a FIFO for writing would otherwise wait for a reader; O_NOCTTY, because
 * a detached runnerd leads its session and a tty would become its
 * controlling terminal.  A regular file is then written blocking, as
 * files are.  0, or -1 (logged once).
 */
static int
logfile_reopen(struct logfile *lf)
{
	struct stat	 st;
	int		 fd;

	if (lf->fd != -1) {
		close(lf->fd);
		lf->fd = -1;
	}
	lf->retry_at = ev_now(server.loop) + LOGFILE_RETRY;
	fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK, 0644);
	if (fd == -1) {
		logfile_fail(lf, "cannot open");
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		logfile_fail(lf, "fstat");
		close(fd);
		return (-1);
	}
	lf->regular = S_ISREG(st.st_mode);
	if (lf->regular && fcntl(fd, F_SETFL, O_APPEND) == -1) {
		logfile_fail(lf, "fcntl");
		close(fd);
		return (-1);
	}
	lf->size = lf->regular ? (size_t)st.st_size : 0;
	lf->fd = fd;
	return (0);
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
 * a new LOG; or, with keep 0, truncate LOG.  A rotation that fails is
 * logged and the file goes on growing (rather than losing lines); it is
 * tried again after another max bytes.  0, or -1 when the new file
 * cannot be opened.
 */
static int
logfile_rotate(struct logfile *lf)
{
	char	 from[PATH_MAX + 16], to[PATH_MAX + 16];
	int	 k;

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
	for (k = lf->keep - 1; k >= 1; k--) {
		snprintf(from, sizeof(from), "%s.%d", lf->path, k);
		snprintf(to, sizeof(to), "%s.%d", lf->path, k + 1);
		if (rename(from, to) == -1 && errno != ENOENT)
			log_warn("log %s: cannot rename %s", lf->path, from);
	}
	snprintf(to, sizeof(to), "%s.1", lf->path);
	if (rename(lf->path, to) == -1 && errno != ENOENT) {
		log_warn("log %s: cannot rotate to %s", lf->path, to);
		lf->limit = lf->size + lf->max;
		return (0);
	}
	lf->limit = lf->max;
	return (logfile_reopen(lf));
}

/*
 * Write p whole, or as much as the target takes: the bytes written.  A
 * regular file is written until done or an error; anything else gets one
 * non-blocking write per line, so that what it does not take is whole
 * lines (a line longer than a pipe's atomic size may still break).
 */
static size_t
logfile_put(struct logfile *lf, const char *p, size_t n)
{
	const char	*nl;
	size_t		 done = 0, len;
	ssize_t		 w;

	while (done < n) {
		len = n - done;
		if (!lf->regular && (nl = memchr(p + done, '\n', len)) != NULL)
			len = (size_t)(nl - (p + done)) + 1;
		w = write(lf->fd, p + done, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			logfile_fail(lf, "write");
			break;
		}
		done += (size_t)w;
		if (!lf->regular && (size_t)w < len)
			break;		/* full now: the rest would wait */
	}
	lf->size += done;
	if (done == n)
		logfile_ok(lf);
	return (done);
}

/*
 * Append n bytes of whole lines, rotating between lines when the file
 * would pass its maximum (a single line longer than that still goes
 * into a file of its own).  Returns the bytes dropped: what could not
 * be written, and everything while the file cannot be opened.
 */
size_t
logfile_write(struct logfile *lf, const char *p, size_t n)
{
	const char	*nl;
	size_t		 chunk, fit, put, dropped = 0;

	if (lf->fd == -1 && (ev_now(server.loop) < lf->retry_at ||
	    logfile_reopen(lf) == -1)) {
		lf->dropped += n;
		return (n);
	}
	while (n > 0) {
		chunk = n;
		if (lf->regular && lf->max > 0 && lf->size + n > lf->limit) {
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
				continue;
			}
			/* An empty file takes a line of any length. */
			if (chunk == 0) {
				nl = memchr(p, '\n', n);
				chunk = nl != NULL ? (size_t)(nl - p) + 1 : n;
			}
		}
		if ((put = logfile_put(lf, p, chunk)) < chunk) {
			dropped += n - put;
			break;
		}
		p += chunk;
		n -= chunk;
	}
	lf->dropped += dropped;
	return (dropped);
}
