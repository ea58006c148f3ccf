/*
 * buf.c: a growable byte buffer that is filled at the back and consumed
 * from the front.  An allocation failure is sticky (b->failed) so that a
 * writer can append a whole message and check once at the end, as the JSON
 * writer does.  Bounds are the caller's business: readers cap what they
 * keep (RUNNER_LINE_MAX) and stop reading past it.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

/* Make room for n more bytes plus a NUL, compacting before growing. */
static int
buf_room(struct buf *b, size_t n)
{
	size_t	 need, cap;
	char	*p;

	if (b->failed)
		return (-1);
	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n + 1 <= b->cap)
		return (0);
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->len + n + 1 <= b->cap)
			return (0);
	}
	need = b->len + n + 1;
	if (need < b->len) {
		b->failed = 1;
		return (-1);
	}
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return (-1);
	}
	b->data = p;
	b->cap = cap;
	return (0);
}

/* An empty buffer; allocates nothing until the first add. */
void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

/* Release the storage; the buffer is empty and usable again. */
void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Append n bytes; -1 (and b->failed) when memory runs out. */
int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_room(b, n) == -1)
		return (-1);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return (0);
}

/*
 * Room for n more bytes at the back, to be filled in place (by a read)
 * and then counted with buf_commit: no copy.  NULL when memory runs out.
 */
char *
buf_reserve(struct buf *b, size_t n)
{
	if (buf_room(b, n) == -1)
		return (NULL);
	return (b->data + b->len);
}

/* Count n bytes written in place after buf_reserve. */
void
buf_commit(struct buf *b, size_t n)
{
	b->len += n;
}

/* Append one byte. */
int
buf_addc(struct buf *b, char c)
{
	return (buf_add(b, &c, 1));
}

/* Append a string without its NUL. */
int
buf_adds(struct buf *b, const char *s)
{
	return (buf_add(b, s, strlen(s)));
}

/* Append printf-formatted text. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_room(b, (size_t)n) == -1) {
		b->failed = 1;
		return (-1);
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return (0);
}

/* Bytes held and not yet consumed. */
size_t
buf_used(const struct buf *b)
{
	return (b->len - b->off);
}

/* The first unconsumed byte (valid until the next add). */
char *
buf_head(const struct buf *b)
{
	return (b->data == NULL ? NULL : b->data + b->off);
}

/* Consume n bytes from the front. */
void
buf_drop(struct buf *b, size_t n)
{
	if (n >= buf_used(b))
		b->off = b->len = 0;
	else
		b->off += n;
}

/* Forget the contents (and a failure) but keep the storage. */
void
buf_reset(struct buf *b)
{
	b->off = b->len = 0;
	b->failed = 0;
}

/* The unconsumed bytes as a NUL-terminated string ("" when empty). */
const char *
buf_cstr(struct buf *b)
{
	if (buf_room(b, 0) == -1)
		return (NULL);
	b->data[b->len] = '\0';
	return (b->data + b->off);
}

/* Hand the contents to the caller as a malloc'd string; b is emptied. */
char *
buf_take(struct buf *b)
{
	char	*s;

	if (buf_cstr(b) == NULL) {
		buf_free(b);
		return (NULL);
	}
	if (b->off > 0)
		memmove(b->data, b->data + b->off, b->len - b->off + 1);
	s = b->data;
	buf_init(b);
	return (s);
}
