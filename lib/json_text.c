/*
 * json_text.c: JSON as text, before any token: decoding one unit of a
 * string (escapes, surrogate pairs, UTF-8) and checking that a text is
 * exactly one valid JSON value (RFC 8259: strict numbers, valid UTF-8,
 * no NUL, nesting bounded) with the byte where it is not.  jsmn is
 * lenient, so json.c runs this first and tokenises only checked text.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

#define JSON_DEPTH_MAX	128	/* deepest nesting accepted */

static long	 json_hex4(const char *);
static size_t	 utf8_put(long, char *);
static size_t	 json_ws(const char *, size_t, size_t);
static size_t	 json_word(const char *, size_t, size_t);
static int	 json_number_ok(const char *, size_t);
static size_t	 json_check_string(const char *, size_t, size_t, char *,
		    size_t);

/* The four hex digits at p as a number, or -1. */
static long
json_hex4(const char *p)
{
	static const char	 hex[] = "0123456789abcdef0123456789ABCDEF";
	const char		*e;
	long			 v = 0;
	int			 i;

	for (i = 0; i < 4; i++) {
		if (p[i] == '\0' || (e = strchr(hex, p[i])) == NULL)
			return (-1);
		v = v << 4 | ((e - hex) & 0xf);
	}
	return (v);
}

/*
 * The length of the valid UTF-8 sequence at s (n bytes there), or 0:
 * overlong forms, UTF-16 surrogates, code points past U+10FFFF and
 * sequences cut short are all invalid.
 */
size_t
utf8_len(const unsigned char *s, size_t n)
{
	static const long	 min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			 need, i;
	long			 cp;

	if (s[0] < 0x80)
		return (1);
	need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (s[0] < 0xc2 || s[0] > 0xf4 || n < need)
		return (0);
	cp = s[0] & (0x7f >> need);
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (need);
}

/* Encode code point cp as UTF-8 into out; return the byte count. */
static size_t
utf8_put(long cp, char *out)
{
	size_t	 n, i;

	if (cp < 0x80) {
		out[0] = (char)cp;
		return (1);
	}
	n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	for (i = n - 1; i > 0; i--, cp >>= 6)
		out[i] = (char)(0x80 | (cp & 0x3f));
	out[0] = (char)((0xf00 >> n) | cp);	/* 0xc0, 0xe0 or 0xf0 */
	return (n);
}

/*
 * Decode one unit of string text at p (end bounds it): a byte, a UTF-8
 * sequence or an escape, a surrogate pair counting as one.  Puts the bytes
 * in out (4 at most) and their count in *n; returns how many bytes of text
 * it used, or 0 when the unit is invalid.  The check and every reader go
 * through here, so they cannot disagree about what a string holds.
 */
size_t
json_char(const char *p, const char *end, char *out, size_t *n)
{
	const unsigned char	*u = (const unsigned char *)p;
	const char		*e;
	size_t			 k = (size_t)(end - p);
	long			 cp, lo;

	*n = 1;
	if (u[0] < 0x20)
		return (0);
	if (u[0] >= 0x80) {
		if ((k = utf8_len(u, k)) > 0) {
			memcpy(out, p, k);
			*n = k;
		}
		return (k);
	}
	out[0] = p[0];
	if (p[0] != '\\')
		return (1);
	if (k >= 2 && p[1] != '\0' && (e = strchr(json_esc_in, p[1])) != NULL) {
		out[0] = json_esc_out[e - json_esc_in];
		return (2);
	}
	if (k < 6 || p[1] != 'u' || (cp = json_hex4(p + 2)) == -1 ||
	    (cp >= 0xdc00 && cp <= 0xdfff))
		return (0);
	if (cp < 0xd800 || cp > 0xdbff) {
		*n = utf8_put(cp, out);
		return (6);
	}
	/* A high surrogate must be followed by a low one. */
	if (k < 12 || p[6] != '\\' || p[7] != 'u' ||
	    (lo = json_hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
		return (0);
	*n = utf8_put(0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00), out);
	return (12);
}

/* Skip JSON whitespace from p. */
static size_t
json_ws(const char *s, size_t len, size_t p)
{
	while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' ||
	    s[p] == '\r'))
		p++;
	return (p);
}

/*
 * The end of the run of number and literal characters from p.  Taking the
 * whole run and matching it exactly is what rejects "01", "1.", "truex"
 * and "0x1f" rather than reading a valid prefix of them.
 */
static size_t
json_word(const char *s, size_t len, size_t p)
{
	while (p < len && ((s[p] >= '0' && s[p] <= '9') ||
	    ((s[p] | 0x20) >= 'a' && (s[p] | 0x20) <= 'z') ||
	    s[p] == '.' || s[p] == '+' || s[p] == '-'))
		p++;
	return (p);
}

/* Does s[0..n) match the JSON number grammar exactly? */
static int
json_number_ok(const char *s, size_t n)
{
	size_t	 i, d;

#define DIGITS(i, d) \
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) continue
	i = s[0] == '-';
	DIGITS(i, d);
	if (i == d || (s[d] == '0' && i > d + 1))	/* none, or leading 0 */
		return (0);
	if (i < n && s[i] == '.') {
		i++;
		DIGITS(i, d);
		if (i == d)
			return (0);
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		DIGITS(i, d);
		if (i == d)
			return (0);
	}
#undef DIGITS
	return (i == n);
}

/*
 * Check the string whose opening quote is at s[p].  Returns the offset
 * past its closing quote, or 0 with a message.
 */
static size_t
json_check_string(const char *s, size_t len, size_t p, char *err,
    size_t errlen)
{
	const char	*what;
	char		 u[4];
	size_t		 q, k, n;

	for (q = p + 1; q < len && s[q] != '"'; q += k) {
		/* Plain ASCII, most of any text: no decoding needed. */
		k = 1;
		if ((unsigned char)s[q] >= 0x20 && (unsigned char)s[q] < 0x80 &&
		    s[q] != '\\')
			continue;
		if ((k = json_char(s + q, s + len, u, &n)) > 0)
			continue;
		if ((unsigned char)s[q] < 0x20)
			what = "control character in string";
		else if ((unsigned char)s[q] >= 0x80)
			what = "invalid UTF-8";
		else
			what = "invalid escape";
		errf(err, errlen, "%s at byte %zu", what, q);
		return (0);
	}
	if (q == len) {
		errf(err, errlen, "unterminated string at byte %zu", p);
		return (0);
	}
	return (q + 1);
}

/*
 * The grammar check jsmn lacks: a loop over the text with an explicit
 * stack of open containers.  Each turn reads one value (after its key,
 * inside an object), then the commas and closing brackets after it.
 * Offsets in messages count bytes from 0.  The count of keys and values
 * it returns is the count of jsmn's tokens, so jsmn parses once, into
 * an array of the right size, instead of counting first (fast20).
 */
int
json_check(const char *s, size_t len, char *err, size_t errlen)
{
	char	 open[JSON_DEPTH_MAX];	/* '{' or '[' per level */
	size_t	 p, q, depth = 0;
	int	 key = 0;		/* a key comes first */
	int	 ntok = 0;		/* keys and values so far */

	if ((p = json_ws(s, len, 0)) == len) {
		errf(err, errlen, "empty input");
		return (-1);
	}
	for (;;) {
		if (ntok == INT_MAX - 1) {	/* jsmn counts in ints */
			errf(err, errlen, "too many values");
			return (-1);
		}
		ntok++;			/* the value read below */
		if (key) {
			if (s[p] != '"')
				goto bad;
			ntok++;
			if ((p = json_check_string(s, len, p, err, errlen)) == 0)
				return (-1);
			if ((p = json_ws(s, len, p)) == len)
				goto eof;
			if (s[p] != ':')
				goto bad;
			if ((p = json_ws(s, len, p + 1)) == len)
				goto eof;
		}
		if (s[p] == '{' || s[p] == '[') {
			if (depth == JSON_DEPTH_MAX) {
				errf(err, errlen,
				    "nested deeper than %d levels",
				    JSON_DEPTH_MAX);
				return (-1);
			}
			open[depth++] = s[p];
			if ((p = json_ws(s, len, p + 1)) == len)
				goto eof;
			key = open[depth - 1] == '{';
			if (s[p] != (key ? '}' : ']'))
				continue;
			depth--;	/* empty: on to what follows */
			p++;
		} else if (s[p] == '"') {
			if ((p = json_check_string(s, len, p, err, errlen)) == 0)
				return (-1);
		} else if ((q = json_word(s, len, p)) == p)
			goto bad;
		else if ((s[p] | 0x20) >= 'a' && (s[p] | 0x20) <= 'z') {
			if (!((q - p == 4 && (memcmp(s + p, "true", 4) == 0 ||
			    memcmp(s + p, "null", 4) == 0)) ||
			    (q - p == 5 && memcmp(s + p, "false", 5) == 0))) {
				errf(err, errlen,
				    "invalid literal at byte %zu", p);
				return (-1);
			}
			p = q;
		} else if (json_number_ok(s + p, q - p))
			p = q;
		else {
			errf(err, errlen, "invalid number at byte %zu", p);
			return (-1);
		}

		/* After a value: close containers until a comma or the end. */
		for (;;) {
			p = json_ws(s, len, p);
			if (depth == 0) {
				if (p == len)
					return (ntok);
				errf(err, errlen,
				    "trailing characters after the JSON value");
				return (-1);
			}
			if (p == len)
				goto eof;
			if (s[p] == ',')
				break;
			if (s[p] != (open[depth - 1] == '{' ? '}' : ']'))
				goto bad;
			depth--;
			p++;
		}
		key = open[depth - 1] == '{';
		if ((p = json_ws(s, len, p + 1)) == len)
			goto eof;
	}
eof:
	errf(err, errlen, "unexpected end of input at byte %zu", p);
	return (-1);
bad:
	errf(err, errlen, "invalid JSON at byte %zu", p);
	return (-1);
}
