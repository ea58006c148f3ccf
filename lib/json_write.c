/*
 * json_write.c: the writing half of the JSON module.  It appends to a
 * struct buf and puts commas in by looking at the last byte written, so
 * callers just emit keys and values in order and test b->failed once.
 * Whatever bytes it is given, it writes valid JSON: invalid UTF-8 becomes
 * U+FFFD and numbers are written in the C locale.
 */

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

static void	 jw_sep(struct buf *);
static void	 jw_quote(struct buf *, const char *, size_t);

/*
 * The writer's one piece of state is the buffer itself: a key or value
 * needs a comma before it unless it starts the buffer, a container, a
 * member's value (after "key":) or a line.
 */
static void
jw_sep(struct buf *b)
{
	char	 c;

	if (buf_used(b) == 0)
		return;
	c = b->data[b->len - 1];
	if (c != '{' && c != '[' && c != ':' && c != '\n')
		buf_addc(b, ',');
}

/*
 * Append s[0..n) as a JSON string.  Valid UTF-8 and DEL go through as
 * they are; each byte that is not part of a valid sequence becomes
 * \ufffd, so what we write always parses, whatever bytes the caller (or
 * a child's output) handed us.
 */
static void
jw_quote(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	const char		*e;
	char			 esc[2] = { '\\', 0 };
	size_t			 i = 0, run = 0, k;

	buf_addc(b, '"');
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' &&
		    u[i] != '\\') {
			i++;
			continue;
		}
		if (u[i] >= 0x80 && (k = utf8_len(u + i, n - i)) > 0) {
			i += k;
			continue;
		}
		buf_add(b, s + run, i - run);
		if (u[i] != 0 && (e = memchr(json_esc_out, u[i], 7)) != NULL) {
			esc[1] = json_esc_in[e - json_esc_out];
			buf_add(b, esc, 2);
		} else if (u[i] < 0x20)
			buf_printf(b, "\\u%04x", u[i]);
		else
			buf_adds(b, "\\ufffd");
		run = ++i;
	}
	if (n > 0)
		buf_add(b, s + run, i - run);
	buf_addc(b, '"');
}

/* Open an object ('{') or array ('['). */
void
jw_open(struct buf *b, char c)
{
	jw_sep(b);
	buf_addc(b, c);
}

/* Close an object ('}') or array (']'). */
void
jw_close(struct buf *b, char c)
{
	buf_addc(b, c);
}

/* A member's key, "k":, which its value follows without a comma. */
void
jw_key(struct buf *b, const char *k)
{
	jw_sep(b);
	jw_quote(b, k, strlen(k));
	buf_addc(b, ':');
}

/* A string value; NULL is written as null. */
void
jw_str(struct buf *b, const char *s)
{
	jw_strn(b, s, s == NULL ? 0 : strlen(s));
}

/* A string value of n bytes, which may hold NULs; NULL is written as null. */
void
jw_strn(struct buf *b, const char *s, size_t n)
{
	if (s == NULL) {
		jw_null(b);
		return;
	}
	jw_sep(b);
	jw_quote(b, s, n);
}

/* An integer value. */
void
jw_int(struct buf *b, long long v)
{
	jw_sep(b);
	buf_printf(b, "%lld", v);
}

/*
 * A number value in the fewest of 15, 16 or 17 digits that read back as
 * the same double; NaN and infinities, which JSON lacks, as null.  As in
 * json_double, the C locale keeps a decimal comma out.
 */
void
jw_double(struct buf *b, double d)
{
	locale_t	 c, old;
	char		 s[64];
	int		 prec;

	if (!isfinite(d)) {
		jw_null(b);
		return;
	}
	if ((c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0)) ==
	    (locale_t)0) {
		b->failed = 1;		/* out of memory, as buf_add would be */
		return;
	}
	old = uselocale(c);
	for (prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	uselocale(old);
	freelocale(c);
	jw_sep(b);
	buf_adds(b, s);
}

/* A boolean value. */
void
jw_bool(struct buf *b, int v)
{
	jw_sep(b);
	buf_adds(b, v ? "true" : "false");
}

/* A null value. */
void
jw_null(struct buf *b)
{
	jw_sep(b);
	buf_adds(b, "null");
}

/* Text that is already valid JSON, appended as one value. */
void
jw_raw(struct buf *b, const char *text, size_t n)
{
	jw_sep(b);
	buf_add(b, text, n);
}

/* A whole object of one string member: {"key":"value"}. */
void
jw_object1(struct buf *b, const char *key, const char *value)
{
	jw_open(b, '{');
	jw_key(b, key);
	jw_str(b, value);
	jw_close(b, '}');
}

/* An array of the n strings of list: ["a","b"]. */
void
jw_strings(struct buf *b, char *const *list, int n)
{
	int	 i;

	jw_open(b, '[');
	for (i = 0; i < n; i++)
		jw_str(b, list[i]);
	jw_close(b, ']');
}

/* Bytes as a string value of padded standard base64. */
void
jw_b64(struct buf *b, const void *data, size_t n)
{
	const char		*b64 = json_b64_chars;
	const unsigned char	*p = data;
	char			 out[256];	/* a multiple of 4 */
	unsigned long		 v;
	size_t			 i, k = 0;

	jw_sep(b);
	buf_addc(b, '"');
	for (i = 0; i < n; i += 3) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[k++] = b64[v >> 18 & 63];
		out[k++] = b64[v >> 12 & 63];
		out[k++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[k++] = i + 2 < n ? b64[v & 63] : '=';
		if (k == sizeof(out)) {
			buf_add(b, out, k);
			k = 0;
		}
	}
	buf_add(b, out, k);
	buf_addc(b, '"');
}
