/*
 * capture.c: an instance's log.  Whatever launch sends "to the log" (the
 * child's stderr, by app->err, and a socket app's stdout) reaches
 * runnerd on one pipe per instance, read here without blocking.  The
 * bytes are cut into lines, and each line goes
 *   - to the app's log file (logfile.c), or without one to runnerd's own
 *     log as "alias: line";
 *   - into a ring of recent log output, which `logs` returns;
 *   - to the clients following the log (`logs` with follow), live.
 * With timestamps, a line in the file, the ring and the stream starts with
 * the UTC time it was read, to the millisecond (runnerd's own log has
 * times of its own: syslog's, or the journal's).
 *
 * A stdio app's stdout is its channel, not its log.  But when the app has
 * a log file, what runnerd reads from the channel is copied there as well
 * (the tee, called by relay.c), so that the file is a record of all the
 * output.  The tee's lines are cut apart from the pipe's: stdout and
 * stderr never mix within a line.  An exec health probe's output
 * (probe_exec.c, which bounds it) is a third stream, its lines apart too.
 *
 * Bounds: a line longer than CAPTURE_LINE_MAX is cut there, and the rest
 * is the next line; the ring holds CAPTURE_RING bytes, allocated with the
 * first line and grown as lines come, so an idle instance costs a pipe
 * and a few words, and one that said a line or two a kilobyte;
 * a follower that falls CLIENT_OUT_MAX behind misses lines, and is told
 * how many bytes.  What one instance puts into runnerd's own log (no log
 * file) is rate-limited by a token bucket: CAPTURE_LOG_BURST lines at
 * once, then CAPTURE_LOG_RATE a second; the lines over it are counted and
 * the count is logged when its lines are logged again (at most once a
 * second, and when its pipe ends), so that a flooding app cannot drown runnerd's log or its
 * reader.  The ring and the followers still get every line.
 *
 * When the child exits, what the pipe holds is read at once, so that its
 * last words come before the exit in runnerd's log.  An ended instance,
 * listed until started again or removed, keeps its ring for `logs` but
 * no descriptor once its pipe has ended.  Something it started
 * may hold the pipe open still: the pipe stays watched until it ends or
 * the instance starts again or goes, and a line left unfinished then gets
 * its newline.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runnerd.h"

#define CAPTURE_READ		65536	/* bytes read from the pipe at once */
#define CAPTURE_LINE_MAX	16384	/* longer lines are cut */
#define CAPTURE_RING		65536	/* recent log output kept for logs */
#define CAPTURE_PIECE		1024	/* runnerd's log takes lines in pieces */
#define CAPTURE_DRAIN		16	/* reads at an exit, at most */
#define CAPTURE_LOG_BURST	200	/* runnerd's log: lines at once ... */
#define CAPTURE_LOG_RATE	50	/* ... then lines a second */

enum { CAP_PIPE, CAP_TEE, CAP_PROBE };	/* the streams of lines */
#define CAP_STREAMS	3

/* A client following the log. */
struct follower {
	uint64_t	 client;
	uint64_t	 skipped;	/* bytes it missed, being behind */
};

struct capture {
	int		 fd;		/* the pipe's read end, or -1 */
	int		 wfd;		/* its write end until the spawn */
	ev_io		 io;
	struct buf	 part[CAP_STREAMS]; /* per stream: a line not yet
					   ended */
	struct logfile	*lf;		/* the app's log file, or NULL */
	char		*ring;		/* recent log output, or NULL */
	size_t		 ring_cap;	/* its size: grows to CAPTURE_RING */
	size_t		 ring_end;	/* where the next byte goes */
	size_t		 ring_len;	/* bytes held */
	int		 ring_cut;	/* bytes were overwritten */
	struct follower	*fol;
	size_t		 nfol;
	uint64_t	 log_dropped;	/* bytes the log file did not take */
	double		 tokens;	/* runnerd's log: lines it may log */
	double		 tokens_at;	/* ev_now when last filled */
	uint64_t	 unlogged;	/* lines over the rate, not yet said */
	double		 noted_at;	/* ev_now when that was last said */
};

static struct capture	*capture_get(struct inst *);
static void		 capture_read_cb(struct ev_loop *, ev_io *, int);
static int		 capture_read(struct inst *);
static void		 capture_close(struct inst *);
static void		 capture_feed(struct inst *, int, const char *,
			    size_t, int);
static void		 capture_line(struct inst *, int, const char *,
			    size_t, const char *, struct buf *);
static void		 capture_stamp(char *, size_t);
static void		 capture_ring(struct capture *, const char *, size_t);
static void		 capture_ring_copy(const struct capture *, char *);
static char		*capture_recent(struct capture *, long long,
			    size_t *);
static void		 capture_send(struct capture *, const char *, size_t);
static void		 capture_unfollow(struct capture *);
static void		 capture_done(struct inst *);
static int		 capture_log_ok(struct inst *);
static void		 capture_log_unlogged(struct inst *);

/* The instance's capture state, made on first use; NULL out of memory. */
static struct capture *
capture_get(struct inst *i)
{
	struct capture	*cp;

	if (i->cap != NULL)
		return (i->cap);
	if ((cp = calloc(1, sizeof(*cp))) == NULL) {
		log_warn("%s", __func__);
		return (NULL);
	}
	cp->fd = cp->wfd = -1;
	cp->tokens = CAPTURE_LOG_BURST;
	cp->tokens_at = ev_now(server.loop);
	buf_init(&cp->part[CAP_PIPE]);
	buf_init(&cp->part[CAP_TEE]);
	buf_init(&cp->part[CAP_PROBE]);
	i->cap = cp;
	return (cp);
}

/*
 * Get ready to capture the log of the process about to start: the log
 * file (the app's, as it is now), and a pipe unless nothing would go to
 * it (a stdio app whose stderr is merged or discarded).  The previous
 * process's pipe, if still open, is read out and let go.  Returns the
 * pipe's write end for launch's errfd, SPAWN_NULL when there is no pipe,
 * or -1 with the reason in err.
 */
int
capture_start(struct inst *i, char *err, size_t errlen)
{
	const struct app	*app = i->app;
	struct capture		*cp;
	struct logfile		*lf = NULL;
	int			 p[2];

	if ((cp = capture_get(i)) == NULL) {
		errf(err, errlen, "out of memory");
		return (-1);
	}
	capture_exited(i);
	capture_close(i);
	capture_feed(i, CAP_TEE, NULL, 0, 1);
	if (app->log != NULL && (lf = logfile_open(app)) == NULL) {
		errf(err, errlen, "out of memory");
		return (-1);
	}
	if (cp->lf != NULL)		/* after the open: the same file stays */
		logfile_close(cp->lf);
	cp->lf = lf;
	if (app->type == APP_STDIO && app->err != STDERR_LOG)
		return (SPAWN_NULL);
	if (pipe2(p, O_CLOEXEC) == -1) {
		errf(err, errlen, "cannot make a pipe for the log: %s",
		    strerror(errno));
		return (-1);
	}
	/* Only our end: the child's stderr blocks as stderr does. */
	if (fd_nonblock(p[0]) == -1) {
		errf(err, errlen, "fcntl: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	cp->fd = p[0];
	cp->wfd = p[1];
	ev_io_init(&cp->io, capture_read_cb, cp->fd, EV_READ);
	cp->io.data = i;
	ev_io_start(server.loop, &cp->io);
	return (cp->wfd);
}

/*
 * The spawn is done (or failed): the child has its copy of the pipe's
 * write end, so ours goes, or the pipe would never end.
 */
void
capture_spawned(struct inst *i)
{
	if (i->cap != NULL && i->cap->wfd != -1) {
		close(i->cap->wfd);
		i->cap->wfd = -1;
	}
}

/*
 * The process has exited: take what it left in the pipe now (bounded:
 * what it started may go on writing), so that it is logged before the
 * exit is.
 */
void
capture_exited(struct inst *i)
{
	int	 k;

	for (k = 0; k < CAPTURE_DRAIN && i->cap != NULL &&
	    i->cap->fd != -1; k++) {
		if (capture_read(i) != 1)
			break;
	}
}

/*
 * The instance has ended for good.  Followers are let go once the log
 * has nothing more to say: now, or when the pipe ends.
 */
void
capture_ended(struct inst *i)
{
	if (i->cap != NULL && i->cap->fd == -1)
		capture_done(i);
}

/*
 * An ended instance's log has nothing more to say: its followers go, and
 * its hold on the log file (a descriptor and its directory's), since an
 * ended instance stays listed (instance.c) and only its ring is read.
 */
static void
capture_done(struct inst *i)
{
	capture_unfollow(i->cap);
	logfile_close(i->cap->lf);
	i->cap->lf = NULL;
}

/* The instance goes: its pipe, its log file and its followers too. */
void
capture_free(struct inst *i)
{
	struct capture	*cp = i->cap;

	if (cp == NULL)
		return;
	capture_spawned(i);
	capture_close(i);
	capture_feed(i, CAP_TEE, NULL, 0, 1);
	capture_unfollow(cp);
	logfile_close(cp->lf);
	buf_free(&cp->part[CAP_PIPE]);
	buf_free(&cp->part[CAP_TEE]);
	buf_free(&cp->part[CAP_PROBE]);
	free(cp->ring);
	free(cp);
	i->cap = NULL;
}

/* Bytes the log file could not take (a FIFO nobody reads, a full disk). */
uint64_t
capture_log_dropped(const struct inst *i)
{
	return (i->cap != NULL ? i->cap->log_dropped : 0);
}

/*
 * The tee: n bytes a stdio app wrote to its channel, copied to its log
 * file; n 0 means the channel has ended.
 */
void
capture_tee(struct inst *i, const char *p, size_t n)
{
	if (capture_tees(i))
		capture_feed(i, CAP_TEE, p, n, n == 0);
}

/*
 * What an exec health probe said (probe_exec.c, which bounds it): n
 * bytes into the log as lines of their own, apart from the app's; n 0
 * ends a line it left unfinished.
 */
void
capture_probe(struct inst *i, const char *p, size_t n)
{
	if (capture_get(i) != NULL)
		capture_feed(i, CAP_PROBE, p, n, n == 0);
}

/* Does the channel's output go to a log file too (so relay must copy)? */
int
capture_tees(const struct inst *i)
{
	return (i->cap != NULL && i->cap->lf != NULL &&
	    i->app->type == APP_STDIO);
}

static void
capture_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	(void)capture_read(w->data);
}

/* One read from the pipe: 1 bytes came, 0 none yet, -1 it ended. */
static int
capture_read(struct inst *i)
{
	char	 tmp[CAPTURE_READ];
	ssize_t	 n;

	n = read(i->cap->fd, tmp, sizeof(tmp));
	if (n > 0) {
		capture_feed(i, CAP_PIPE, tmp, (size_t)n, 0);
		return (1);
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n == -1)
		log_warn("%s: read from the log pipe", i->alias);
	capture_close(i);
	if (inst_ended(i))
		capture_done(i);
	return (-1);
}

/* Stop reading the pipe; its unfinished line is finished. */
static void
capture_close(struct inst *i)
{
	struct capture	*cp = i->cap;

	if (cp->fd == -1)
		return;
	ev_io_stop(server.loop, &cp->io);
	close(cp->fd);
	cp->fd = -1;
	capture_feed(i, CAP_PIPE, NULL, 0, 1);
	capture_log_unlogged(i);
}

/*
 * n bytes of stream s: cut into lines (a newline ends one, and so does
 * CAPTURE_LINE_MAX bytes without one), each passed on; the rest waits for
 * more, or at the end (end) is a line of its own.  The lines of one feed
 * go on together: one write to the file, one send to each follower.
 */
static void
capture_feed(struct inst *i, int s, const char *p, size_t n, int end)
{
	struct capture	*cp = i->cap;
	struct buf	*part = &cp->part[s];
	struct buf	 out;
	const char	*nl;
	char		 stamp[40] = "";
	size_t		 len, take, skip;

	if (n == 0 && buf_used(part) == 0)
		return;
	if (i->app->timestamps)
		capture_stamp(stamp, sizeof(stamp));
	buf_init(&out);
	while (n > 0) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) : n;
		if (buf_used(part) + len > CAPTURE_LINE_MAX) {
			take = skip = CAPTURE_LINE_MAX - buf_used(part);
		} else if (nl != NULL) {
			take = len;
			skip = len + 1;
		} else {
			if (buf_add(part, p, len) == -1)
				part->failed = 0;	/* the piece is lost */
			break;
		}
		if (buf_used(part) > 0) {
			if (buf_add(part, p, take) == -1)
				part->failed = 0;
			capture_line(i, s, buf_head(part), buf_used(part),
			    stamp, &out);
			buf_reset(part);
		} else
			capture_line(i, s, p, take, stamp, &out);
		p += skip;
		n -= skip;
	}
	if (end && buf_used(part) > 0)
		capture_line(i, s, buf_head(part), buf_used(part), stamp, &out);
	if (buf_used(part) == 0 || end)
		buf_free(part);		/* idle instances hold no buffer */

	if (out.failed)
		log_warnx("%s: out of memory; log lines lost", i->alias);
	else if (buf_used(&out) > 0) {
		if (cp->lf != NULL)
			cp->log_dropped += logfile_write(cp->lf, buf_head(&out),
			    buf_used(&out));
		capture_ring(cp, buf_head(&out), buf_used(&out));
		capture_send(cp, buf_head(&out), buf_used(&out));
	}
	buf_free(&out);
}

/*
 * One line of stream s (without its newline): into out, stamped, for the
 * file, the ring and the followers; and without a file, into runnerd's
 * log, whose lines are bounded, in pieces if need be.
 */
static void
capture_line(struct inst *i, int s, const char *p, size_t n,
    const char *stamp, struct buf *out)
{
	size_t	 k, piece;

	if (i->cap->lf == NULL && s != CAP_TEE) {
		k = 0;
		do {
			piece = n - k > CAPTURE_PIECE ? CAPTURE_PIECE : n - k;
			if (capture_log_ok(i))
				log_info("%s: %.*s", i->alias, (int)piece,
				    p + k);
			k += piece;
		} while (k < n);
	}
	buf_adds(out, stamp);
	buf_add(out, p, n);
	buf_addc(out, '\n');
}

/*
 * May the instance put one more line into runnerd's log now?  The
 * bucket fills at CAPTURE_LOG_RATE a second up to CAPTURE_LOG_BURST; a
 * line takes one.  Refused lines are counted, and said before a line
 * taken: during a flood at most once a second (not before every line
 * it lets through), and at once when the flood is over (the bucket holds
 * more than this line), so that no line is logged after a flood before
 * the count of what it dropped.
 */
static int
capture_log_ok(struct inst *i)
{
	struct capture	*cp = i->cap;
	double		 now = ev_now(server.loop);

	cp->tokens += (now - cp->tokens_at) * CAPTURE_LOG_RATE;
	if (cp->tokens > CAPTURE_LOG_BURST)
		cp->tokens = CAPTURE_LOG_BURST;
	cp->tokens_at = now;
	if (cp->tokens < 1) {
		cp->unlogged++;
		return (0);
	}
	if (now - cp->noted_at >= 1.0 || cp->tokens >= 2)
		capture_log_unlogged(i);
	cp->tokens--;
	return (1);
}

/* Say how many lines the rate limit kept out of runnerd's log, if any. */
static void
capture_log_unlogged(struct inst *i)
{
	if (i->cap->unlogged == 0)
		return;
	log_warnx("%s: %llu lines of output not logged (rate limit: %d a "
	    "second after %d)", i->alias, (unsigned long long)i->cap->unlogged,
	    CAPTURE_LOG_RATE, CAPTURE_LOG_BURST);
	i->cap->unlogged = 0;
	i->cap->noted_at = ev_now(server.loop);
}

/* "2026-11-21T10:00:00.123Z ": now, in UTC, to the millisecond. */
static void
capture_stamp(char *s, size_t len)
{
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(s, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		s[0] = '\0';
		return;
	}
	snprintf(s + n, len - n, ".%03ldZ ", ts.tv_nsec / 1000000);
}

/*
 * Keep the last CAPTURE_RING bytes of log output, in a ring that starts
 * small and doubles as it fills.
 */
static void
capture_ring(struct capture *cp, const char *p, size_t n)
{
	size_t	 need, cap, k;
	char	*r;

	if (n > CAPTURE_RING) {
		p += n - CAPTURE_RING;
		n = CAPTURE_RING;
		cp->ring_cut = 1;
	}
	need = cp->ring_len + n;
	if (need > cp->ring_cap && cp->ring_cap < CAPTURE_RING) {
		cap = cp->ring_cap > 0 ? cp->ring_cap : 1024;
		while (cap < need && cap < CAPTURE_RING)
			cap *= 2;
		if ((r = malloc(cap)) == NULL) {
			log_warn("%s", __func__);
			return;
		}
		capture_ring_copy(cp, r);
		free(cp->ring);
		cp->ring = r;
		cp->ring_cap = cap;
		cp->ring_end = cp->ring_len % cap;
	}
	cap = cp->ring_cap;
	if (need > cap)
		cp->ring_cut = 1;
	k = cap - cp->ring_end < n ? cap - cp->ring_end : n;
	memcpy(cp->ring + cp->ring_end, p, k);
	memcpy(cp->ring, p + k, n - k);
	cp->ring_end = (cp->ring_end + n) % cap;
	cp->ring_len = need < cap ? need : cap;
}

/* The ring's ring_len bytes, oldest first, into d. */
static void
capture_ring_copy(const struct capture *cp, char *d)
{
	size_t	 start, k;

	if (cp->ring_len == 0)
		return;
	start = (cp->ring_end + cp->ring_cap - cp->ring_len) % cp->ring_cap;
	k = cp->ring_cap - start < cp->ring_len ? cp->ring_cap - start :
	    cp->ring_len;
	memcpy(d, cp->ring + start, k);
	memcpy(d + k, cp->ring, cp->ring_len - k);
}

/*
 * The ring's content in order, from a line's start: all of it, or the
 * last lines lines (lines < 0: all).  Malloc'd, with *len; NULL when out
 * of memory.
 */
static char *
capture_recent(struct capture *cp, long long lines, size_t *len)
{
	const char	*nl;
	char		*d;
	size_t		 n = cp->ring_len, off = 0, p;

	*len = 0;
	if ((d = malloc(n + 1)) == NULL)
		return (NULL);
	capture_ring_copy(cp, d);
	/* Overwritten, it may have lost the start of its oldest line. */
	if (cp->ring_cut && (nl = memchr(d, '\n', n)) != NULL)
		off = (size_t)(nl - d) + 1;
	/* Every line ends with a newline: step back over lines lines. */
	if (lines >= 0) {
		for (p = n; lines > 0 && p > off; lines--) {
			p--;
			while (p > off && d[p - 1] != '\n')
				p--;
		}
		off = p;
	}
	memmove(d, d + off, n - off);
	*len = n - off;
	return (d);
}

/*
 * Send log output to the followers; those gone are forgotten, and those
 * behind miss it, to be told how much when they catch up.
 */
static void
capture_send(struct capture *cp, const char *p, size_t n)
{
	struct follower	*f;
	struct client	*c;
	char		 note[128];
	size_t		 k = 0;
	int		 len;

	while (k < cp->nfol) {
		f = &cp->fol[k];
		if ((c = client_find(f->client)) == NULL || c->closing) {
			*f = cp->fol[--cp->nfol];
			continue;
		}
		if (buf_used(&c->out) > CLIENT_OUT_MAX)
			f->skipped += n;
		else {
			if (f->skipped > 0) {
				len = snprintf(note, sizeof(note), "runnerd: "
				    "%llu bytes of log skipped: this client "
				    "fell behind\n",
				    (unsigned long long)f->skipped);
				client_send(c, note, (size_t)len);
				f->skipped = 0;
			}
			client_send(c, p, n);
		}
		k++;
	}
	if (cp->nfol == 0) {
		free(cp->fol);
		cp->fol = NULL;
	}
}

/* Let the followers go: each is closed once it has what was sent. */
static void
capture_unfollow(struct capture *cp)
{
	struct client	*c;
	size_t		 k;

	for (k = 0; k < cp->nfol; k++) {
		if ((c = client_find(cp->fol[k].client)) == NULL)
			continue;
		c->closing = 1;
		ev_io_stop(server.loop, &c->rio);
		ev_io_start(server.loop, &c->wio);
	}
	free(cp->fol);
	cp->fol = NULL;
	cp->nfol = 0;
}

/*
 * The logs command: answer with the recent log (the last lines lines;
 * all when lines < 0), then, with follow, make c a follower: from then on
 * its connection carries the log output raw, until the instance goes or
 * ends for good.  What c sends then is ignored.
 */
void
capture_logs(struct inst *i, struct client *c, int has_tag, long long tag,
    int follow, long long lines)
{
	struct capture	*cp;
	struct follower	*f = NULL;
	struct buf	 ext;
	char		*data;
	size_t		 n;

	if ((cp = capture_get(i)) == NULL ||
	    (data = capture_recent(cp, lines, &n)) == NULL) {
		reply_err(c->id, has_tag, tag, RUNNER_ENOMEM, "out of memory");
		return;
	}
	buf_init(&ext);
	jw_open(&ext, '{');
	jw_key(&ext, "alias");
	jw_str(&ext, i->alias);
	jw_key(&ext, "data");
	jw_b64(&ext, data, n);
	jw_close(&ext, '}');
	free(data);
	/* The old array is gone once the new one is made: keep it at once. */
	if (follow && (f = reallocarray(cp->fol, cp->nfol + 1,
	    sizeof(*f))) == NULL)
		ext.failed = 1;
	else if (follow)
		cp->fol = f;
	if (ext.failed) {
		reply_err(c->id, has_tag, tag, RUNNER_ENOMEM, "out of memory");
		buf_free(&ext);
		return;
	}
	reply_ok(c->id, has_tag, tag, &ext);
	buf_free(&ext);
	if (!follow)
		return;
	cp->fol = f;
	cp->fol[cp->nfol].client = c->id;
	cp->fol[cp->nfol].skipped = 0;
	cp->nfol++;
	c->mode = CLIENT_FOLLOWING;
	if (inst_ended(i) && cp->fd == -1)
		capture_unfollow(cp);
}

/* A follower only listens: what it sends is ignored. */
void
capture_follower_input(struct client *c)
{
	buf_reset(&c->in);
}

/*
 * An upgrade (carry.c): the log pipe, the lines not yet ended, the ring
 * as it lies, and the followers as "CLIENT:SKIPPED" words.  The log file
 * is opened again by its path (its checks are logfile_open's).
 */
void
capture_save(struct hand *h, const struct inst *i)
{
	const struct capture	*cp = i->cap;
	struct buf		 fol;
	size_t			 k;

	hand_int(h, "cap", cp != NULL);
	if (cp == NULL)
		return;
	hand_fd(h, "cap_fd", cp->fd);
	hand_bytes(h, "cap_pipe", buf_head(&cp->part[CAP_PIPE]),
	    buf_used(&cp->part[CAP_PIPE]));
	hand_bytes(h, "cap_tee", buf_head(&cp->part[CAP_TEE]),
	    buf_used(&cp->part[CAP_TEE]));
	hand_bytes(h, "cap_probe", buf_head(&cp->part[CAP_PROBE]),
	    buf_used(&cp->part[CAP_PROBE]));
	hand_int(h, "cap_log", cp->lf != NULL);
	hand_bytes(h, "cap_ring", cp->ring, cp->ring != NULL ? cp->ring_cap :
	    0);
	hand_int(h, "cap_ring_end", (long long)cp->ring_end);
	hand_int(h, "cap_ring_len", (long long)cp->ring_len);
	hand_int(h, "cap_ring_cut", cp->ring_cut);
	buf_init(&fol);
	for (k = 0; k < cp->nfol; k++)
		buf_printf(&fol, "%s%llu:%llu", k > 0 ? " " : "",
		    (unsigned long long)cp->fol[k].client,
		    (unsigned long long)cp->fol[k].skipped);
	if (fol.failed)
		hand_fail(h, "out of memory");
	hand_str(h, "cap_followers", buf_cstr(&fol));
	buf_free(&fol);
	hand_int(h, "cap_log_dropped", (long long)cp->log_dropped);
	hand_double(h, "cap_tokens", cp->tokens);
	hand_double(h, "cap_tokens_at", cp->tokens_at);
	hand_int(h, "cap_unlogged", (long long)cp->unlogged);
	hand_double(h, "cap_noted_at", cp->noted_at);
}

void
capture_load(struct hand *h, struct inst *i)
{
	struct capture	*cp;
	struct buf	 ring;
	struct follower	*f;
	char		*fol, *p, *end;
	unsigned long long id, skipped;

	if (hand_get_int(h, "cap") == 0 || hand_failed(h))
		return;
	if ((cp = capture_get(i)) == NULL) {
		hand_fail(h, "out of memory");
		return;
	}
	cp->fd = hand_get_fd(h, "cap_fd");
	buf_init(&ring);
	if (hand_get_bytes(h, "cap_pipe", &cp->part[CAP_PIPE]) == -1 ||
	    hand_get_bytes(h, "cap_tee", &cp->part[CAP_TEE]) == -1 ||
	    hand_get_bytes(h, "cap_probe", &cp->part[CAP_PROBE]) == -1 ||
	    hand_get_bytes(h, "cap_ring", &ring) == -1) {
		buf_free(&ring);
		return;
	}
	cp->ring_cap = buf_used(&ring);
	cp->ring = cp->ring_cap > 0 ? buf_take(&ring) : NULL;
	buf_free(&ring);
	cp->ring_end = (size_t)hand_get_int(h, "cap_ring_end");
	cp->ring_len = (size_t)hand_get_int(h, "cap_ring_len");
	cp->ring_cut = (int)hand_get_int(h, "cap_ring_cut");
	if (cp->ring_end > cp->ring_cap || cp->ring_len > cp->ring_cap) {
		hand_fail(h, "instance '%s': its log's ring does not add up",
		    i->alias);
		cp->ring_end = cp->ring_len = 0;
	}
	cp->log_dropped = (uint64_t)hand_get_int(h, "cap_log_dropped");
	cp->tokens = hand_get_double(h, "cap_tokens");
	cp->tokens_at = hand_get_double(h, "cap_tokens_at");
	cp->unlogged = (uint64_t)hand_get_int(h, "cap_unlogged");
	cp->noted_at = hand_get_double(h, "cap_noted_at");
	if (hand_get_int(h, "cap_log") && i->app->log != NULL &&
	    (cp->lf = logfile_open(i->app)) == NULL)
		hand_fail(h, "out of memory");
	fol = hand_get_str(h, "cap_followers");
	for (p = fol; p != NULL && *p != '\0' && !hand_failed(h); p = end) {
		id = strtoull(p, &end, 10);
		if (*end != ':') {
			hand_fail(h, "instance '%s': bad followers", i->alias);
			break;
		}
		skipped = strtoull(end + 1, &end, 10);
		while (*end == ' ')
			end++;
		if ((f = reallocarray(cp->fol, cp->nfol + 1,
		    sizeof(*f))) == NULL) {
			hand_fail(h, "out of memory");
			break;
		}
		cp->fol = f;
		cp->fol[cp->nfol].client = id;
		cp->fol[cp->nfol++].skipped = skipped;
	}
	free(fol);
	if (cp->fd != -1) {
		ev_io_init(&cp->io, capture_read_cb, cp->fd, EV_READ);
		cp->io.data = i;
		ev_io_start(server.loop, &cp->io);
	}
}
