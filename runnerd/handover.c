/*
 * handover.c: the state an upgrade carries across runnerd's exec
 * (upgrade.c), in a versioned, self-describing form.
 *
 * The state is a memfd: a line "runnerd-handover N", then records, each
 * a JSON object on one line with its kind in "k", each followed by the
 * raw bytes of its byte fields.  A byte field is written {"bytes": LEN}
 * in the line; the bytes of a record's byte fields follow its line in
 * the order the fields were written, so buffers of megabytes cross
 * without escaping.  A descriptor field is its number: the descriptor
 * itself crosses the exec open (hand_keep clears FD_CLOEXEC on each just
 * before the exec, hand_fd sets it again after).
 *
 * Each owner writes its own fields (instance.c the instance's, relay.c
 * the channel's, ...) and reads them back; the reader is strict: a field
 * that is missing or of the wrong type fails the whole state, and the
 * new runnerd hands it back to the old one (upgrade.c).  Fields it does
 * not know are ignored, so a newer writer may add some without a new
 * version; removing or changing one needs a new HANDOVER_VERSION.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerd.h"

#define HAND_HEADER	"runnerd-handover "

struct hblob {
	const void	*p;
	size_t		 n;
};

struct hfield {				/* a byte field of the record read */
	int		 key;		/* its value's token */
	const char	*p;
	size_t		 n;
};

struct hand {
	/* Writing. */
	int		 fd;		/* the memfd */
	struct buf	 line;		/* the record being written */
	struct hblob	*blobs;		/* ... and its byte fields */
	size_t		 nblobs;
	int		*keep;		/* descriptors to keep across exec */
	size_t		 nkeep;
	uint64_t	 bytes;		/* byte fields' bytes, for the log */
	/* Reading. */
	const char	*map;
	size_t		 maplen;
	size_t		 pos;		/* the next record */
	int		 version;	/* the state's */
	struct json	*rec;		/* the record read */
	struct hfield	*fields;
	size_t		 nfields;
	/* Both. */
	int		 failed;
	char		 err[RUNNER_ERRMSG_MAX];
};

static int	 hand_write(struct hand *, const void *, size_t);
static int	 hand_field(struct hand *, const char *, enum json_type);

/* Fail the state, saying why; the first reason is kept. */
void
hand_fail(struct hand *h, const char *fmt, ...)
{
	va_list	 ap;

	if (h->failed)
		return;
	h->failed = 1;
	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
}

int
hand_failed(const struct hand *h)
{
	return (h->failed);
}

const char *
hand_error(const struct hand *h)
{
	return (h->err);
}

/* A new state to write, in a new memfd: NULL and errno if none. */
struct hand *
hand_create(void)
{
	struct hand	*h;
	char		 head[64];
	int		 n;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	buf_init(&h->line);
	if ((h->fd = memfd_create("runnerd-handover", MFD_CLOEXEC)) == -1) {
		free(h);
		return (NULL);
	}
	n = snprintf(head, sizeof(head), HAND_HEADER "%d\n", HANDOVER_VERSION);
	if (hand_write(h, head, (size_t)n) == -1) {
		hand_free(h);
		return (NULL);
	}
	return (h);
}

/* The state's descriptor (the memfd). */
int
hand_fd_of(const struct hand *h)
{
	return (h->fd);
}

uint64_t
hand_bytes_total(const struct hand *h)
{
	return (h->bytes);
}

void
hand_free(struct hand *h)
{
	if (h == NULL)
		return;
	if (h->fd != -1)
		close(h->fd);
	buf_free(&h->line);
	free(h->blobs);
	free(h->keep);
	json_free(h->rec);
	free(h->fields);
	if (h->map != NULL)
		munmap((void *)h->map, h->maplen);
	free(h);
}

static int
hand_write(struct hand *h, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(h->fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			hand_fail(h, "writing the state: %s", strerror(errno));
			return (-1);
		}
		s += w;
		n -= (size_t)w;
	}
	return (0);
}

/* Begin a record of kind k. */
void
hand_rec(struct hand *h, const char *k)
{
	buf_reset(&h->line);
	h->nblobs = 0;
	jw_open(&h->line, '{');
	jw_key(&h->line, "k");
	jw_str(&h->line, k);
}

void
hand_int(struct hand *h, const char *key, long long v)
{
	jw_key(&h->line, key);
	jw_int(&h->line, v);
}

void
hand_double(struct hand *h, const char *key, double v)
{
	jw_key(&h->line, key);
	jw_double(&h->line, v);
}

/* A string; NULL is written as null and read back as NULL. */
void
hand_str(struct hand *h, const char *key, const char *v)
{
	jw_key(&h->line, key);
	if (v == NULL)
		jw_null(&h->line);
	else
		jw_str(&h->line, v);
}

/* A descriptor that crosses the exec open; -1 for none. */
void
hand_fd(struct hand *h, const char *key, int fd)
{
	int	*k;

	jw_key(&h->line, key);
	jw_int(&h->line, fd);
	if (fd < 0)
		return;
	if ((k = reallocarray(h->keep, h->nkeep + 1, sizeof(*k))) == NULL) {
		hand_fail(h, "out of memory");
		return;
	}
	h->keep = k;
	h->keep[h->nkeep++] = fd;
}

/* Bytes; p must stay valid until hand_end. */
void
hand_bytes(struct hand *h, const char *key, const void *p, size_t n)
{
	struct hblob	*b;

	jw_key(&h->line, key);
	jw_open(&h->line, '{');
	jw_key(&h->line, "bytes");
	jw_int(&h->line, (long long)n);
	jw_close(&h->line, '}');
	if ((b = reallocarray(h->blobs, h->nblobs + 1, sizeof(*b))) == NULL) {
		hand_fail(h, "out of memory");
		return;
	}
	h->blobs = b;
	h->blobs[h->nblobs].p = p;
	h->blobs[h->nblobs++].n = n;
	h->bytes += n;
}

/* End the record: its line, then its bytes, into the state. */
void
hand_end(struct hand *h)
{
	size_t	 k;

	jw_close(&h->line, '}');
	buf_addc(&h->line, '\n');
	if (h->line.failed) {
		hand_fail(h, "out of memory");
		return;
	}
	if (h->failed || hand_write(h, buf_head(&h->line),
	    buf_used(&h->line)) == -1)
		return;
	for (k = 0; k < h->nblobs; k++)
		if (hand_write(h, h->blobs[k].p, h->blobs[k].n) == -1)
			return;
}

/*
 * Keep (on != 0) every descriptor written open across the exec, or
 * close-on-exec again (on == 0: the exec failed).  The state's own too.
 */
void
hand_keep(struct hand *h, int on)
{
	size_t	 k;

	for (k = 0; k <= h->nkeep; k++)
		(void)fcntl(k < h->nkeep ? h->keep[k] : h->fd, F_SETFD,
		    on ? 0 : FD_CLOEXEC);
}

/*
 * The state handed over in fd: 0, or -1 and hand_error.  The state's
 * version must be the one this runnerd reads.
 */
struct hand *
hand_open(int fd, char *err, size_t errlen)
{
	struct hand	*h;
	struct stat	 st;
	const char	*nl;
	char		*end;
	long		 v;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	h->fd = -1;		/* the caller's: a way back needs it */
	buf_init(&h->line);
	if (fstat(fd, &st) == -1 || st.st_size <= 0) {
		snprintf(err, errlen, "the state (descriptor %d): %s", fd,
		    st.st_size == 0 ? "empty" : strerror(errno));
		hand_free(h);
		return (NULL);
	}
	h->maplen = (size_t)st.st_size;
	if ((h->map = mmap(NULL, h->maplen, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		h->map = NULL;
		snprintf(err, errlen, "mmap of the state: %s", strerror(errno));
		hand_free(h);
		return (NULL);
	}
	nl = memchr(h->map, '\n', h->maplen < 64 ? h->maplen : 64);
	if (nl == NULL || strncmp(h->map, HAND_HEADER,
	    sizeof(HAND_HEADER) - 1) != 0) {
		snprintf(err, errlen, "not a runnerd state");
		hand_free(h);
		return (NULL);
	}
	errno = 0;
	v = strtol(h->map + sizeof(HAND_HEADER) - 1, &end, 10);
	if (end != nl || errno != 0 || v != HANDOVER_ACCEPTS) {
		snprintf(err, errlen, "state version %.*s; this runnerd "
		    "reads version %d", (int)(nl - h->map -
		    (sizeof(HAND_HEADER) - 1)), h->map +
		    sizeof(HAND_HEADER) - 1, HANDOVER_ACCEPTS);
		hand_free(h);
		return (NULL);
	}
	h->version = (int)v;
	h->pos = (size_t)(nl - h->map) + 1;
	return (h);
}

/*
 * The next record: 1, 0 at the end, -1 if it is malformed (hand_error).
 * Its byte fields are found here, in the order of its keys.
 */
int
hand_next(struct hand *h)
{
	const char	*line, *nl;
	struct hfield	*f;
	size_t		 len, at;
	long long	 n;
	int		 k, nk, v, b;

	json_free(h->rec);
	h->rec = NULL;
	h->nfields = 0;
	if (h->failed)
		return (-1);
	if (h->pos == h->maplen)
		return (0);
	line = h->map + h->pos;
	if ((nl = memchr(line, '\n', h->maplen - h->pos)) == NULL) {
		hand_fail(h, "a record without its end at byte %zu", h->pos);
		return (-1);
	}
	len = (size_t)(nl - line);
	if ((h->rec = json_parse(line, len, h->err, sizeof(h->err))) ==
	    NULL || json_type(h->rec, 0) != JSON_OBJECT ||
	    json_type(h->rec, json_get(h->rec, 0, "k")) != JSON_STRING) {
		hand_fail(h, "a malformed record at byte %zu", h->pos);
		return (-1);
	}
	at = h->pos + len + 1;
	nk = json_len(h->rec, 0);
	for (k = 0; k < nk; k++) {
		v = json_at(h->rec, 0, k);
		if (json_type(h->rec, v) != JSON_OBJECT ||
		    (b = json_get(h->rec, v, "bytes")) == -1)
			continue;
		if (json_int(h->rec, b, &n) == -1 || n < 0 ||
		    (unsigned long long)n > h->maplen - at) {
			hand_fail(h, "a byte field past the state's end at "
			    "byte %zu", h->pos);
			return (-1);
		}
		if ((f = reallocarray(h->fields, h->nfields + 1,
		    sizeof(*f))) == NULL) {
			hand_fail(h, "out of memory");
			return (-1);
		}
		h->fields = f;
		f[h->nfields].key = v;
		f[h->nfields].p = h->map + at;
		f[h->nfields++].n = (size_t)n;
		at += (size_t)n;
	}
	h->pos = at;
	return (1);
}

/* Is the record read of kind k? */
int
hand_is(const struct hand *h, const char *k)
{
	return (h->rec != NULL && json_streq(h->rec, json_get(h->rec, 0, "k"),
	    k));
}

int
hand_has(const struct hand *h, const char *key)
{
	return (h->rec != NULL && json_get(h->rec, 0, key) != -1);
}

/* The field's value token if it is there with that type, else fail. */
static int
hand_field(struct hand *h, const char *key, enum json_type type)
{
	char	*k;
	int	 v;

	if (h->rec == NULL)
		return (-1);
	v = json_get(h->rec, 0, key);
	if (json_type(h->rec, v) == type)
		return (v);
	k = json_str(h->rec, json_get(h->rec, 0, "k"), NULL);
	hand_fail(h, "record '%s': field '%s' %s", k != NULL ? k : "?", key,
	    v == -1 ? "missing" : "of the wrong type");
	free(k);
	return (-1);
}

long long
hand_get_int(struct hand *h, const char *key)
{
	long long	 n;
	int		 v;

	if ((v = hand_field(h, key, JSON_NUMBER)) == -1)
		return (0);
	if (json_int(h->rec, v, &n) == -1) {
		hand_fail(h, "field '%s': not an integer", key);
		return (0);
	}
	return (n);
}

double
hand_get_double(struct hand *h, const char *key)
{
	double	 d;
	int	 v;

	/* A non-finite double was written null. */
	if (h->rec != NULL && json_type(h->rec, json_get(h->rec, 0, key)) ==
	    JSON_NULL)
		return (0);
	if ((v = hand_field(h, key, JSON_NUMBER)) == -1 ||
	    json_double(h->rec, v, &d) == -1)
		return (0);
	return (d);
}

/* A malloc'd string, or NULL (written NULL, or failed: hand_failed). */
char *
hand_get_str(struct hand *h, const char *key)
{
	char	*s;
	int	 v;

	if (h->rec != NULL && json_type(h->rec, json_get(h->rec, 0, key)) ==
	    JSON_NULL)
		return (NULL);
	if ((v = hand_field(h, key, JSON_STRING)) == -1)
		return (NULL);
	if ((s = json_str(h->rec, v, NULL)) == NULL)
		hand_fail(h, "out of memory");
	return (s);
}

/* A descriptor handed over (-1: none); it must be open. */
int
hand_get_fd(struct hand *h, const char *key)
{
	long long	 fd;

	int		*k;

	fd = hand_get_int(h, key);
	if (h->failed || fd < 0)
		return (-1);
	if (fd > INT32_MAX || fcntl((int)fd, F_GETFD) == -1) {
		hand_fail(h, "field '%s': descriptor %lld not open", key, fd);
		return (-1);
	}
	/* Close-on-exec again at hand_commit. */
	if ((k = reallocarray(h->keep, h->nkeep + 1, sizeof(*k))) == NULL) {
		hand_fail(h, "out of memory");
		return (-1);
	}
	h->keep = k;
	h->keep[h->nkeep++] = (int)fd;
	return ((int)fd);
}

/* A byte field, appended to b: 0, or -1 (failed). */
int
hand_get_bytes(struct hand *h, const char *key, struct buf *b)
{
	size_t	 k;
	int	 v;

	if ((v = hand_field(h, key, JSON_OBJECT)) == -1)
		return (-1);
	for (k = 0; k < h->nfields; k++)
		if (h->fields[k].key == v) {
			if (buf_add(b, h->fields[k].p, h->fields[k].n) == -1) {
				hand_fail(h, "out of memory");
				return (-1);
			}
			return (0);
		}
	hand_fail(h, "field '%s': not bytes", key);
	return (-1);
}

/* A NULL-terminated list of strings; NULL is written null. */
void
hand_strv(struct hand *h, const char *key, char *const *v)
{
	jw_key(&h->line, key);
	if (v == NULL) {
		jw_null(&h->line);
		return;
	}
	jw_open(&h->line, '[');
	while (*v != NULL)
		jw_str(&h->line, *v++);
	jw_close(&h->line, ']');
}

/* A list written by hand_strv, malloc'd (argv_free); NULL if null. */
char **
hand_get_strv(struct hand *h, const char *key)
{
	char	**v;
	int	  a, n, k;

	if (h->rec != NULL && json_type(h->rec, json_get(h->rec, 0, key)) ==
	    JSON_NULL)
		return (NULL);
	if ((a = hand_field(h, key, JSON_ARRAY)) == -1)
		return (NULL);
	n = json_len(h->rec, a);
	if ((v = calloc((size_t)n + 1, sizeof(*v))) == NULL) {
		hand_fail(h, "out of memory");
		return (NULL);
	}
	for (k = 0; k < n; k++)
		if (json_type(h->rec, json_at(h->rec, a, k)) != JSON_STRING ||
		    (v[k] = json_str(h->rec, json_at(h->rec, a, k), NULL)) ==
		    NULL) {
			hand_fail(h, "field '%s': not a list of strings", key);
			argv_free(v);
			return (NULL);
		}
	return (v);
}

/*
 * The restore went through: every descriptor read is close-on-exec again
 * (until then they stay open, for a way back to the old runnerd).
 */
void
hand_commit(struct hand *h)
{
	size_t	 k;

	for (k = 0; k < h->nkeep; k++)
		(void)fcntl(h->keep[k], F_SETFD, FD_CLOEXEC);
}
