/*
 * json.c: the project's JSON reader.  Reading runs a strict RFC 8259
 * check of our own (json_text.c), then jsmn, which turns the text into
 * tokens pointing into a private copy.  jsmn alone is loose (it takes
 * missing or trailing commas, bad numbers and literals, raw control
 * bytes, invalid UTF-8), so it only ever sees text the check has passed.
 * Values are token indices, 0 the root and -1 absent, and every accessor
 * takes -1, so lookups chain without a test at each step.  The writer is
 * json_write.c.  Nothing here recurses: hostile input must not exhaust
 * the stack (nesting is capped as well).
 */

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "runner-int.h"

#define JSON_KEY_SHOW	64	/* bytes of a key quoted in a message */
#define JSON_KEYS_PAIRWISE 16	/* objects this small: compare key pairs */
#define JSON_KEYS_INSERT 32	/* ... this small: sort keys by insertion */

struct json {
	char		*text;		/* private copy, NUL-terminated */
	size_t		 len;		/* its length without the NUL */
	jsmntok_t	*tok;		/* tokens in document order */
	int		*next;		/* each token's next sibling (json_next) */
	int		 ntok;		/* number of tokens */
	struct json_cursor *cur;	/* json_at's last answer */
};

/*
 * Where json_at last looked: loops ask for element i, then i + 1, so the
 * next one starts from there instead of from the array's first.  Held by
 * pointer so lookups on a const document can update it; so a document,
 * like everything in the library, is used by one thread at a time.
 */
struct json_cursor {
	int		 v;		/* the array */
	int		 i;		/* the element asked for */
	int		 k;		/* its token */
};

/* One decoded object key, for finding duplicates by sorting. */
struct json_key {
	const char	*s;		/* unescaped bytes, not NUL-terminated */
	size_t		 len;
	int		 tok;		/* token of the key itself */
};

/*
 * Escapes: the character after the backslash and what it stands for.  '/'
 * comes last so that the writer, which leaves '/' alone, can search only
 * the first seven.
 */
const char json_esc_in[] = "\"\\bfnrt/";
const char json_esc_out[] = "\"\\\b\f\n\r\t/";
const char json_b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int	 json_key_cmp(const void *, const void *);
static void	 json_keys_sort(struct json_key *, size_t);
static int	 json_check_keys(struct json *, char *, size_t);
static int	 json_link(struct json *);
static const jsmntok_t *json_tok(const struct json *, int);
static int	 json_next(const struct json *, int);
static size_t	 json_unescape(const struct json *, const jsmntok_t *, char *);
static int	 json_eq(const struct json *, const jsmntok_t *, const char *,
		    size_t);

/* Order one object's keys by bytes, then position. */
static int
json_key_cmp(const void *pa, const void *pb)
{
	const struct json_key	*a = pa, *b = pb;
	size_t			 n = a->len < b->len ? a->len : b->len;
	int			 c;

	if (n > 0 && (c = memcmp(a->s, b->s, n)) != 0)
		return (c);
	if (a->len != b->len)
		return (a->len < b->len ? -1 : 1);
	return (a->tok < b->tok ? -1 : a->tok > b->tok);
}

/*
 * Sort one object's keys: by insertion when they are few (an instance's
 * status has 20; qsort's calls cost more than the moves), else qsort.
 */
static void
json_keys_sort(struct json_key *keys, size_t n)
{
	struct json_key	 k;
	size_t		 i, j;

	if (n > JSON_KEYS_INSERT) {
		qsort(keys, n, sizeof(*keys), json_key_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		k = keys[i];
		for (j = i; j > 0 && json_key_cmp(&keys[j - 1], &k) > 0; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
	}
}

/*
 * Are keys a and b the same bytes once unescaped?  json_eq unescapes
 * one side, so the other is given raw when it has no escape, and
 * unescaped into a copy only when both have one.
 */
static int
json_key_same(const struct json *doc, const jsmntok_t *a,
    const jsmntok_t *b)
{
	const char	*p = doc->text + b->start, *end = doc->text + b->end;
	char		*tmp;
	size_t		 len;
	int		 same;

	if (memchr(p, '\\', (size_t)(end - p)) == NULL)
		return (json_eq(doc, a, p, (size_t)(end - p)));
	if (memchr(doc->text + a->start, '\\', (size_t)(a->end -
	    a->start)) == NULL)
		return (json_key_same(doc, b, a));
	if ((tmp = malloc((size_t)(end - p) + 1)) == NULL)
		return (0);
	len = json_unescape(doc, b, tmp);
	same = json_eq(doc, a, tmp, len);
	free(tmp);
	return (same);
}

/*
 * The later of the first repeated pair of keys of object obj, or -1:
 * pair by pair, which for a few keys is cheaper than sorting them.
 */
static int
json_small_dup(const struct json *doc, int obj)
{
	int	 keys[JSON_KEYS_PAIRWISE], n, a, b, k, dup = -1;

	for (n = 0, k = obj + 1; n < doc->tok[obj].size; n++)
		k = json_next(doc, (keys[n] = k) + 1);
	for (b = 1; b < n; b++)
		for (a = 0; a < b; a++)
			if (json_key_same(doc, &doc->tok[keys[a]],
			    &doc->tok[keys[b]]) && (dup == -1 ||
			    keys[b] < dup))
				dup = keys[b];
	return (dup);
}

/*
 * Reject an object that names a key twice ("a" and "\u0061" count as the
 * same).  A large object's keys are decoded and sorted by bytes so that
 * duplicates end up side by side: comparing every pair would let one
 * hostile object with many keys take quadratic time.  Each object is
 * sorted by itself (a status of 1000 instances is 1000 sorts of 20 keys,
 * not one of 20000: fast20).
 */
static int
json_check_keys(struct json *doc, char *err, size_t errlen)
{
	struct json_key	*keys = NULL;
	const jsmntok_t	*t;
	char		*arena = NULL, *a;
	size_t		 most = 0, i, n;
	int		 j, k, dup = -1, rc = -1;

	for (j = 0; j < doc->ntok; j++) {
		t = &doc->tok[j];
		if (t->type != JSMN_OBJECT || t->size < 2)
			continue;
		if (t->size > JSON_KEYS_PAIRWISE) {
			if ((size_t)t->size > most)
				most = (size_t)t->size;
		} else if ((k = json_small_dup(doc, j)) != -1 &&
		    (dup == -1 || k < dup))
			dup = k;
	}
	if (most == 0)
		goto out;
	/* Unescaping never lengthens, so an object's keys fit in len bytes. */
	if ((keys = calloc(most, sizeof(*keys))) == NULL ||
	    (arena = malloc(doc->len)) == NULL) {
		errf(err, errlen, "out of memory");
		free(keys);
		return (-1);
	}
	for (j = 0; j < doc->ntok; j++) {
		t = &doc->tok[j];
		if (t->type != JSMN_OBJECT || t->size <= JSON_KEYS_PAIRWISE)
			continue;
		a = arena;
		for (n = 0, k = j + 1; n < (size_t)t->size; n++) {
			keys[n].s = a;
			keys[n].len = json_unescape(doc, &doc->tok[k], a);
			keys[n].tok = k;
			a += keys[n].len;
			k = json_next(doc, k + 1);	/* past its value */
		}
		json_keys_sort(keys, n);
		for (i = 1; i < n; i++) {
			/* Report the repeat that comes first in the text. */
			if (keys[i - 1].len == keys[i].len &&
			    memcmp(keys[i - 1].s, keys[i].s, keys[i].len) ==
			    0 && (dup == -1 || keys[i].tok < dup))
				dup = keys[i].tok;
		}
	}
out:
	if (dup == -1)
		rc = 0;
	else {
		t = &doc->tok[dup];
		errf(err, errlen, "duplicate key '%.*s'",
		    t->end - t->start < JSON_KEY_SHOW ? t->end - t->start :
		    JSON_KEY_SHOW, doc->text + t->start);
	}
	free(keys);
	free(arena);
	return (rc);
}

/* Parse text[0..len), exactly one JSON value, into a document of its own. */
struct json *
json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct json	*doc;
	jsmn_parser	 parser;
	const char	*nul;
	int		 n;

	if (len > INT_MAX - 2) {	/* jsmn keeps offsets in ints */
		errf(err, errlen, "input too large");
		return (NULL);
	}
	if (len > 0 && (nul = memchr(text, '\0', len)) != NULL) {
		errf(err, errlen, "NUL byte at byte %zu",
		    (size_t)(nul - text));
		return (NULL);
	}
	if ((n = json_check(text, len, err, errlen)) == -1)
		return (NULL);

	if ((doc = calloc(1, sizeof(*doc))) == NULL ||
	    (doc->text = malloc(len + 2)) == NULL)
		goto oom;
	memcpy(doc->text, text, len);
	doc->len = len;
	/*
	 * Strict jsmn wants a delimiter after a primitive even at the very
	 * end ("1" alone is "partial"), so it parses the copy plus a space.
	 */
	doc->text[len] = ' ';
	doc->text[len + 1] = '\0';
	/* json_check counted the tokens: one pass of jsmn, no count pass. */
	if ((doc->tok = calloc((size_t)n, sizeof(*doc->tok))) == NULL)
		goto oom;
	jsmn_init(&parser);
	doc->ntok = jsmn_parse(&parser, doc->text, len + 1, doc->tok,
	    (unsigned int)n);
	doc->text[len] = '\0';
	if (doc->ntok != n) {
		/* Cannot happen after json_check, but never trust tokens. */
		errf(err, errlen, "invalid JSON at byte %u", parser.pos);
		json_free(doc);
		return (NULL);
	}
	if (json_link(doc) == -1)
		goto oom;
	if (json_check_keys(doc, err, errlen) == -1) {
		json_free(doc);
		return (NULL);
	}
	return (doc);
oom:
	errf(err, errlen, "out of memory");
	json_free(doc);
	return (NULL);
}

/*
 * Value v of doc as a document of its own, v its root: copied, not
 * parsed again, since doc's parse has checked it (a reply's ext within
 * the reply's line).  NULL when v is absent or memory ran out.
 */
struct json *
json_sub(const struct json *doc, int v)
{
	struct json	*sub;
	const char	*raw;
	size_t		 len;
	int		 base, i, n;

	if ((raw = json_raw(doc, v, &len)) == NULL)
		return (NULL);
	base = (int)(raw - doc->text);
	n = json_next(doc, v) - v;	/* v and all it holds */
	if ((sub = calloc(1, sizeof(*sub))) == NULL ||
	    (sub->text = malloc(len + 1)) == NULL ||
	    (sub->tok = calloc((size_t)n, sizeof(*sub->tok))) == NULL)
		goto oom;
	memcpy(sub->text, raw, len);
	sub->text[len] = '\0';
	sub->len = len;
	sub->ntok = n;
	for (i = 0; i < n; i++) {
		sub->tok[i] = doc->tok[v + i];
		sub->tok[i].start -= base;
		sub->tok[i].end -= base;
		sub->tok[i].parent = i == 0 ? -1 : sub->tok[i].parent - v;
	}
	if (json_link(sub) == -1)
		goto oom;
	return (sub);
oom:
	json_free(sub);
	return (NULL);
}

/* 0 if text[0..len) is one valid JSON value, else -1 with a message. */
int
json_valid(const char *text, size_t len, char *err, size_t errlen)
{
	struct json	*doc;

	if ((doc = json_parse(text, len, err, errlen)) == NULL)
		return (-1);
	json_free(doc);
	return (0);
}

/* Free a document; NULL is fine. */
void
json_free(struct json *doc)
{
	if (doc == NULL)
		return;
	free(doc->text);
	free(doc->tok);
	free(doc->next);
	free(doc->cur);
	free(doc);
}

/*
 * Fill doc->next: what is inside token i starts before i ends, so from
 * the back each token hops over its children's already linked subtrees;
 * every token is hopped over once, by its parent.
 */
static int
json_link(struct json *doc)
{
	int	 i, j;

	if ((doc->next = calloc((size_t)doc->ntok, sizeof(*doc->next))) ==
	    NULL || (doc->cur = calloc(1, sizeof(*doc->cur))) == NULL)
		return (-1);
	doc->cur->v = -1;
	for (i = doc->ntok - 1; i >= 0; i--) {
		j = i + 1;
		while (j < doc->ntok && doc->tok[j].start < doc->tok[i].end)
			j = doc->next[j];
		doc->next[i] = j;
	}
	return (0);
}

/* The token of value v, or NULL when v is absent or out of range. */
static const jsmntok_t *
json_tok(const struct json *doc, int v)
{
	if (doc == NULL || v < 0 || v >= doc->ntok)
		return (NULL);
	return (&doc->tok[v]);
}

/*
 * The token after value i and all it holds, i.e. i's next sibling.  Not
 * for keys, whose value lies outside the key's own text.  Looked up, not
 * walked: walking made a loop over a 1000-element array quadratic.
 */
static int
json_next(const struct json *doc, int i)
{
	return (doc->next[i]);
}

/* Unescape string token t into dst (room for its raw length); the length. */
static size_t
json_unescape(const struct json *doc, const jsmntok_t *t, char *dst)
{
	const char	*p = doc->text + t->start, *end = doc->text + t->end;
	const char	*q;
	size_t		 n, len = 0;

	while (p < end) {
		/* Only an escape needs decoding: the text passed json_check. */
		if (*p != '\\') {
			if ((q = memchr(p, '\\', (size_t)(end - p))) == NULL)
				q = end;
			memcpy(dst + len, p, (size_t)(q - p));
			len += (size_t)(q - p);
			p = q;
			continue;
		}
		p += json_char(p, end, dst + len, &n);
		len += n;
	}
	return (len);
}

/* Is string token t, unescaped, the same bytes as s[0..slen)? */
static int
json_eq(const struct json *doc, const jsmntok_t *t, const char *s,
    size_t slen)
{
	const char	*p = doc->text + t->start, *end = doc->text + t->end;
	char		 u[4];
	size_t		 n, off = 0, raw = (size_t)(end - p);

	/*
	 * Unescaping never lengthens: a shorter token cannot match, and one
	 * without an escape only at the same length (most keys a lookup
	 * passes over are told apart here).
	 */
	if (raw < slen || (raw > slen && memchr(p, '\\', raw) == NULL))
		return (0);
	/* Plain bytes compare as they are; decode from the first escape. */
	while (p < end && *p != '\\') {
		if (off == slen || *p != s[off])
			return (0);
		p++;
		off++;
	}
	while (p < end) {
		p += json_char(p, end, u, &n);
		if (n > slen - off || memcmp(u, s + off, n) != 0)
			return (0);
		off += n;
	}
	return (off == slen);
}

/* The type of value v; JSON_NONE when v is absent. */
enum json_type
json_type(const struct json *doc, int v)
{
	const jsmntok_t	*t;

	if ((t = json_tok(doc, v)) == NULL)
		return (JSON_NONE);
	if (t->type == JSMN_OBJECT)
		return (JSON_OBJECT);
	if (t->type == JSMN_ARRAY)
		return (JSON_ARRAY);
	if (t->type == JSMN_STRING)
		return (JSON_STRING);
	if (doc->text[t->start] == 't' || doc->text[t->start] == 'f')
		return (JSON_BOOL);
	return (doc->text[t->start] == 'n' ? JSON_NULL : JSON_NUMBER);
}

/* The value of member key of object obj, or -1. */
int
json_get(const struct json *doc, int obj, const char *key)
{
	const jsmntok_t	*t;
	size_t		 klen;
	int		 i, k;

	if ((t = json_tok(doc, obj)) == NULL || t->type != JSMN_OBJECT ||
	    key == NULL)
		return (-1);
	klen = strlen(key);
	for (i = 0, k = obj + 1; i < t->size; i++, k = json_next(doc, k + 1))
		if (json_eq(doc, &doc->tok[k], key, klen))
			return (k + 1);
	return (-1);
}

/* Elements of an array or members of an object; -1 for anything else. */
int
json_len(const struct json *doc, int v)
{
	const jsmntok_t	*t;

	if ((t = json_tok(doc, v)) == NULL ||
	    (t->type != JSMN_OBJECT && t->type != JSMN_ARRAY))
		return (-1);
	return (t->size);
}

/* The i-th element of an array, or the i-th member's value of an object. */
int
json_at(const struct json *doc, int v, int i)
{
	const jsmntok_t	*t;
	int		 k, n;

	if ((t = json_tok(doc, v)) == NULL || i < 0 || i >= t->size)
		return (-1);
	if (t->type == JSMN_OBJECT)
		return (json_key_at(doc, v, i) + 1);
	if (t->type != JSMN_ARRAY)
		return (-1);
	if (doc->cur->v == v && doc->cur->i <= i) {
		k = doc->cur->k;
		n = doc->cur->i;
	} else {
		k = v + 1;
		n = 0;
	}
	for (; n < i; n++)
		k = json_next(doc, k);
	doc->cur->v = v;
	doc->cur->i = i;
	doc->cur->k = k;
	return (k);
}

/* The i-th member's key (a string) of object obj, or -1. */
int
json_key_at(const struct json *doc, int obj, int i)
{
	const jsmntok_t	*t;
	int		 k, n;

	if ((t = json_tok(doc, obj)) == NULL || t->type != JSMN_OBJECT ||
	    i < 0 || i >= t->size)
		return (-1);
	for (k = obj + 1, n = 0; n < i; n++)
		k = json_next(doc, k + 1);	/* past the member's value */
	return (k);
}

/* An integer written without fraction or exponent that fits: 0, else -1. */
int
json_int(const struct json *doc, int v, long long *ll)
{
	const char	*p, *end;
	long long	 n;

	if (json_type(doc, v) != JSON_NUMBER)
		return (-1);
	end = doc->text + doc->tok[v].end;
	for (p = doc->text + doc->tok[v].start; p < end; p++)
		if (*p == '.' || *p == 'e' || *p == 'E')
			return (-1);
	/* The token is checked digits followed by a delimiter. */
	errno = 0;
	n = strtoll(doc->text + doc->tok[v].start, NULL, 10);
	if (errno == ERANGE)
		return (-1);
	*ll = n;
	return (0);
}

/*
 * Any number as a double, as strtod rounds it (+-HUGE_VAL past the
 * range): 0, else -1.  strtod follows LC_NUMERIC, which the program may
 * have set to a decimal comma, so it runs under the C locale for this
 * thread; the token needs no copy since a delimiter always follows it.
 */
int
json_double(const struct json *doc, int v, double *d)
{
	locale_t	 c, old;
	char		*end;
	double		 x;

	if (json_type(doc, v) != JSON_NUMBER ||
	    (c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0)) == (locale_t)0)
		return (-1);
	old = uselocale(c);
	x = strtod(doc->text + doc->tok[v].start, &end);
	uselocale(old);
	freelocale(c);
	if (end != doc->text + doc->tok[v].end)
		return (-1);
	*d = x;
	return (0);
}

/* A boolean as 1 or 0: 0, else -1. */
int
json_bool(const struct json *doc, int v, int *b)
{
	if (json_type(doc, v) != JSON_BOOL)
		return (-1);
	*b = doc->text[doc->tok[v].start] == 't';
	return (0);
}

/*
 * A string, unescaped, as a malloc'd NUL-terminated copy; *len (if len is
 * not NULL) gets its length, which counts any NUL bytes from \u0000.
 */
char *
json_str(const struct json *doc, int v, size_t *len)
{
	const jsmntok_t	*t;
	char		*s = NULL;
	size_t		 n = 0;

	if ((t = json_tok(doc, v)) != NULL && t->type == JSMN_STRING &&
	    (s = malloc((size_t)(t->end - t->start) + 1)) != NULL) {
		n = json_unescape(doc, t, s);
		s[n] = '\0';
	}
	if (len != NULL)
		*len = n;
	return (s);
}

/* 1 when v is a string equal (unescaped) to s, else 0. */
int
json_streq(const struct json *doc, int v, const char *s)
{
	const jsmntok_t	*t;

	if ((t = json_tok(doc, v)) == NULL || t->type != JSMN_STRING ||
	    s == NULL)
		return (0);
	return (json_eq(doc, t, s, strlen(s)));
}

/* The text of value v in the document (strings with quotes), or NULL. */
const char *
json_raw(const struct json *doc, int v, size_t *len)
{
	const jsmntok_t	*t;
	int		 q;

	if ((t = json_tok(doc, v)) == NULL) {
		if (len != NULL)
			*len = 0;
		return (NULL);
	}
	q = t->type == JSMN_STRING;	/* jsmn leaves the quotes out */
	if (len != NULL)
		*len = (size_t)(t->end - t->start + 2 * q);
	return (doc->text + t->start - q);
}

/*
 * A string of standard base64 (padding optional, but complete if there),
 * decoded into malloc'd bytes; NULL when v is not such a string.  Unused
 * trailing bits must be zero so that each byte string has one encoding.
 */
void *
json_b64(const struct json *doc, int v, size_t *len)
{
	unsigned char	*out = NULL;
	unsigned long	 acc = 0;
	const char	*e;
	char		*s;
	size_t		 n, pad = 0, i, k = 0;

	if (len != NULL)
		*len = 0;
	if ((s = json_str(doc, v, &n)) == NULL)
		return (NULL);
	while (pad < n && s[n - pad - 1] == '=')
		pad++;
	if (pad > 2 || (pad > 0 && n % 4 != 0) || (n - pad) % 4 == 1)
		goto bad;
	n -= pad;
	if ((out = malloc(n / 4 * 3 + 3)) == NULL)
		goto bad;
	for (i = 0; i < n; i++) {
		if (s[i] == '\0' || (e = strchr(json_b64_chars, s[i])) == NULL)
			goto bad;
		acc = acc << 6 | (unsigned long)(e - json_b64_chars);
		if (i % 4 == 3) {
			out[k++] = (unsigned char)(acc >> 16);
			out[k++] = (unsigned char)(acc >> 8);
			out[k++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (n % 4 == 2) {		/* 12 bits: one byte, 4 spare */
		if (acc & 0xf)
			goto bad;
		out[k++] = (unsigned char)(acc >> 4);
	} else if (n % 4 == 3) {	/* 18 bits: two bytes, 2 spare */
		if (acc & 0x3)
			goto bad;
		out[k++] = (unsigned char)(acc >> 10);
		out[k++] = (unsigned char)(acc >> 2);
	}
	free(s);
	if (len != NULL)
		*len = k;
	return (out);
bad:
	free(s);
	free(out);
	return (NULL);
}
