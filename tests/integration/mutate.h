/*
 * mutate.h: what a hostile client sends, for test_hostile.c.  Request
 * lines are made from a seeded PRNG (the same seed makes the same lines
 * on every machine, whatever runnerd answers), each with what its reply
 * must be: any valid reply, ok, or a given error code, with or without
 * the request's tag.  The kinds: valid requests, the same truncated, bit
 * flipped or with invalid bytes in them, random bytes, deep nesting,
 * huge numbers, escapes of NUL and lone surrogates, duplicate keys, long
 * lines, and (mut_wrong) every field of every command of proto.h given
 * each wrong type.  Included after daemon.h.
 */

#ifndef T_MUTATE_H
#define T_MUTATE_H

/* What the reply to a line must be. */
enum want {
	M_ANY,			/* any valid reply */
	M_OK,			/* ok */
	M_ERR			/* the error code */
};

struct mline {
	enum want	 want;
	const char	*code;		/* M_ERR */
	int		 tagged;	/* M_OK, M_ERR: the tag comes back */
	long long	 tag;
	size_t		 off, len;	/* the line in the batch, for messages */
};

/* Lines for one connection: the text and what each line must get. */
struct mbatch {
	struct buf	 text;		/* newline-terminated lines */
	struct mline	*ml;
	int		 n;
	int		 cap;
};

/* The documented error codes (proto.h): nothing else may come back. */
static const char *const mut_codes[] = { "EPROTO", "ENOCMD", "EINVAL",
    "ENOAPP", "ENOALIAS", "EEXIST", "ESPAWN", "ECLOSED", "ETIMEDOUT",
    "EPERM", "ECONFIG" };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* xorshift64*: small, and the same sequence everywhere for a seed. */
static uint64_t	 mut_state = 1;

static inline void
mut_seed(uint64_t seed)
{
	/* splitmix64 of the seed: any seed, 0 included, gives a good state. */
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	mut_state = (seed ^ (seed >> 31)) | 1;
}

static inline uint64_t
mut_rnd(void)
{
	mut_state ^= mut_state >> 12;
	mut_state ^= mut_state << 25;
	mut_state ^= mut_state >> 27;
	return (mut_state * 2685821657736338717ULL);
}

/* A number in [0, n). */
static inline unsigned
mut_n(unsigned n)
{
	return ((unsigned)(mut_rnd() % n));
}

static inline void
mb_init(struct mbatch *b)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->text);
}

static inline void
mb_free(struct mbatch *b)
{
	buf_free(&b->text);
	free(b->ml);
	memset(b, 0, sizeof(*b));
}

/*
 * Add p (without its newline) as a line that must get want.  Bytes with
 * newlines in them are several lines, each of which may get anything.
 */
static inline void
mb_add(struct mbatch *b, enum want want, const char *code, int tagged,
    long long tag, const char *p, size_t len)
{
	size_t	 k, start = 0;
	int	 split = len > 0 && memchr(p, '\n', len) != NULL;

	for (k = 0; k <= len; k++) {
		if (k < len && p[k] != '\n')
			continue;
		if (b->n == b->cap) {
			b->cap = b->cap * 2 + 64;
			assert_non_null(b->ml = realloc(b->ml, b->cap *
			    sizeof(*b->ml)));
		}
		b->ml[b->n].want = split ? M_ANY : want;
		b->ml[b->n].code = code;
		b->ml[b->n].tagged = tagged;
		b->ml[b->n].tag = tag;
		b->ml[b->n].off = buf_used(&b->text) + start;
		b->ml[b->n].len = k - start;
		b->n++;
		start = k + 1;
	}
	if (len > 0)
		assert_int_equal(buf_add(&b->text, p, len), 0);
	assert_int_equal(buf_addc(&b->text, '\n'), 0);
}

/* mb_add of a printf'd line. */
static inline void __attribute__((format(printf, 6, 7)))
mb_addf(struct mbatch *b, enum want want, const char *code, int tagged,
    long long tag, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	mb_add(b, want, code, tagged, tag, s, (size_t)n);
	free(s);
}

/*
 * Valid requests, the raw material of mutations.  None of them changes
 * anything but sink1's input (sink throws it away), none waits, and no
 * few byte changes turn one into a start, stop, attach or shutdown.
 */
static const struct {
	const char	*fmt;		/* @: the tag */
	enum want	 want;
	const char	*code;
} mut_bases[] = {
	{ "{\"tag\": @, \"cmd\": \"hello\"}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"apps\", \"ext\": {}}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"status\"}", M_OK, NULL },
	{ "{\"tag\":@,\"cmd\":\"status\",\"ext\":{\"alias\":\"sink1\"}}",
	    M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"read\", \"ext\": {\"alias\": "
	    "\"sink1\", \"max\": 16}}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"write\", \"ext\": {\"alias\": "
	    "\"sink1\", \"text\": \"hostile \\u00e9 \\\"q\\\" \\\\ \\n\"}}",
	    M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"write\", \"ext\": {\"alias\": "
	    "\"sink1\", \"data\": \"aG9zdGlsZQo=\"}}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"logs\", \"ext\": {\"alias\": "
	    "\"sink1\", \"lines\": 3}}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"start\", \"ext\": {\"app\": "
	    "\"no-such-app-zz\", \"alias\": \"zz1\", \"args\": [\"a\", "
	    "\"b\"]}}", M_ERR, "ENOAPP" },
	{ "{\"tag\": @, \"cmd\": \"frobnicate\", \"ext\": {\"x\": [1, "
	    "2.5e3, {\"y\": null}, true]}}", M_ERR, "ENOCMD" },
	{ "{\"tag\": @, \"cmd\": \"status\", \"ext\": {\"alias\": "
	    "\"no-such-alias-zz\"}}", M_ERR, "ENOALIAS" },
	{ "{\"tag\": @, \"cmd\": \"read\", \"ext\": {\"alias\": "
	    "\"no-such-alias-zz\"}}", M_ERR, "ENOALIAS" },
	{ " \t{ \"ext\" : { } , \"cmd\":\"hello\" ,\"tag\" :@ } \r",
	    M_OK, NULL },
};

/* Template tmpl with each @ replaced by the tag t, added to b. */
static inline void
mut_fill(struct buf *b, const char *tmpl, long long t)
{
	for (; *tmpl != '\0'; tmpl++) {
		if (*tmpl == '@')
			buf_printf(b, "%lld", t);
		else
			buf_addc(b, *tmpl);
	}
}

/* A base request with tag t, into b; returns its index. */
static inline int
mut_base(struct buf *b, long long t)
{
	int	 k = (int)mut_n(NELEM(mut_bases));

	buf_reset(b);
	mut_fill(b, mut_bases[k].fmt, t);
	return (k);
}

static inline long long
mut_tag(void)
{
	return ((long long)mut_n(1000000000));
}

/* Change b in 1 to 4 places: a bit, a byte, one gone, one more, a copy. */
static inline void
mut_flip(struct buf *b)
{
	size_t	 len = buf_used(b), at, k;
	char	*p;
	int	 ops = 1 + (int)mut_n(4), i;

	/* Room for what the operations add: at most 8 bytes each. */
	assert_non_null(p = malloc(len + 8 * 4 + 1));
	memcpy(p, buf_head(b), len);
	for (i = 0; i < ops; i++) {
		at = mut_n((unsigned)len + 1);	/* len: at the end */
		switch (mut_n(5)) {
		case 0:
			if (at < len)
				p[at] ^= (char)(1 << mut_n(8));
			break;
		case 1:
			if (at < len)
				p[at] = (char)mut_n(256);
			break;
		case 2:
			if (at < len) {
				memmove(p + at, p + at + 1, len - at - 1);
				len--;
			}
			break;
		case 3:
			memmove(p + at + 1, p + at, len - at);
			p[at] = (char)mut_n(256);
			len++;
			break;
		default:
			k = len - at < 8 ? len - at : 8;
			memmove(p + at + k, p + at, len - at);
			len += k;
			break;
		}
	}
	buf_reset(b);
	assert_int_equal(buf_add(b, p, len), 0);
	free(p);
}

/* Numbers at and past every limit a reader has. */
static const char *const mut_huge[] = {
	"1e400", "-1e400", "1e-400", "-0", "-0.0", "0e400", "1e309",
	"4.9e-324", "1E+2", "1e00000000000000000000001",
	"18446744073709551616", "18446744073709551615",
	"9223372036854775808", "9223372036854775807",
	"-9223372036854775808", "-9223372036854775809",
	"123456789012345678901234567890.123e-5",
	"DIGITS", "-DIGITS", "0.ZEROS1",
};

/* A huge number (kept in b): the DIGITS forms are 400 and 1000 digits. */
static inline const char *
mut_huge_num(struct buf *b)
{
	const char	*h = mut_huge[mut_n(NELEM(mut_huge))];
	int		 k, n = mut_n(2) ? 400 : 1000;

	buf_reset(b);
	if (strstr(h, "DIGITS") != NULL) {
		if (*h == '-')
			buf_addc(b, '-');
		buf_addc(b, '1' + (char)mut_n(9));
		for (k = 1; k < n; k++)
			buf_addc(b, '0' + (char)mut_n(10));
	} else if (strstr(h, "ZEROS") != NULL) {
		buf_adds(b, "0.");
		for (k = 0; k < n; k++)
			buf_addc(b, '0');
		buf_addc(b, '1');
	} else
		buf_adds(b, h);
	return (buf_cstr(b));
}

/* Is h an integer the tag takes (a long long)? */
static inline int
mut_is_tag(const char *h)
{
	if (strpbrk(h, ".eE") != NULL)
		return (0);
	errno = 0;
	(void)strtoll(h, NULL, 10);
	return (errno != ERANGE);
}

/* A huge number where a reader meets it. */
static inline void
mut_add_huge(struct mbatch *b)
{
	struct buf	 nb;
	const char	*h;
	long long	 t = mut_tag();
	double		 x;
	int		 cmd, key;

	buf_init(&nb);
	h = mut_huge_num(&nb);
	x = strtod(h, NULL);
	/* Drawn here: the order of arguments' evaluation is unspecified. */
	cmd = mut_n(2);
	key = mut_n(2);
	switch (mut_n(6)) {
	case 0:		/* the tag: an integer that fits, or EINVAL */
		if (mut_is_tag(h))
			mb_addf(b, M_OK, NULL, 1, strtoll(h, NULL, 10),
			    "{\"tag\": %s, \"cmd\": \"hello\"}", h);
		else
			mb_addf(b, M_ERR, "EINVAL", 0, 0,
			    "{\"tag\": %s, \"cmd\": \"hello\"}", h);
		break;
	case 1:		/* a count: anything >= 0 */
		mb_addf(b, x < 0 ? M_ERR : M_OK, "EINVAL", 1, t,
		    "{\"tag\": %lld, \"cmd\": \"%s\", \"ext\": {\"alias\": "
		    "\"sink1\", \"%s\": %s}}", t, cmd ? "read" : "logs",
		    cmd ? "max" : "lines", h);
		break;
	case 2:		/* where nobody reads it */
		mb_addf(b, M_OK, NULL, 1, t, "{\"tag\": %lld, \"cmd\": "
		    "\"status\", \"ext\": {\"zz\": [%s, {\"n\": %s}]}}", t, h,
		    h);
		break;
	case 3:		/* where a string belongs */
		mb_addf(b, M_ERR, "EINVAL", 1, t, "{\"tag\": %lld, \"cmd\": "
		    "\"status\", \"ext\": {\"alias\": %s}}", t, h);
		break;
	case 4:		/* where a boolean belongs: nothing starts */
		mb_addf(b, M_ERR, "EINVAL", 1, t, "{\"tag\": %lld, \"cmd\": "
		    "\"start\", \"ext\": {\"app\": \"cat\", \"alias\": "
		    "\"hz\", \"%s\": %s}}", t, key ? "wait" : "strict", h);
		break;
	default:	/* a wait: only those refused (a valid one would wait) */
		if (x < 0)
			mb_addf(b, M_ERR, "EINVAL", 1, t, "{\"tag\": %lld, "
			    "\"cmd\": \"read\", \"ext\": {\"alias\": \"sink1\", "
			    "\"wait\": %s}}", t, h);
		else
			mb_addf(b, M_OK, NULL, 1, t, "{\"tag\": %lld, \"cmd\": "
			    "\"read\", \"ext\": {\"alias\": \"sink1\"}, "
			    "\"zz\": %s}", t, h);
		break;
	}
	buf_free(&nb);
}

/* Nesting around the limit (128 levels) and far past it. */
static inline void
mut_add_nest(struct mbatch *b)
{
	static const int depths[] = { 1, 60, 125, 126, 127, 128, 1000,
	    100000 };
	struct buf	 t;
	long long	 tag = mut_tag();
	int		 n = depths[mut_n(NELEM(depths))], k, obj = mut_n(2);
	int		 closed = mut_n(4) != 0, top = mut_n(5) == 0;

	buf_init(&t);
	if (!top)
		buf_printf(&t, "{\"tag\": %lld, \"cmd\": \"hello\", \"ext\": "
		    "{\"x\": ", tag);
	for (k = 0; k < n; k++)
		buf_adds(&t, obj ? "{\"a\":" : "[");
	buf_adds(&t, "1");
	for (k = 0; closed && k < n; k++)
		buf_addc(&t, obj ? '}' : ']');
	if (!top && closed)
		buf_adds(&t, "}}");
	/*
	 * The request and its ext are two levels of the 128.  Alone, an
	 * object within the limit is a request without a cmd.
	 */
	if (!top && closed && n + 2 <= 128)
		mb_add(b, M_OK, NULL, 1, tag, buf_head(&t), buf_used(&t));
	else if (top && closed && obj && n <= 128)
		mb_add(b, M_ERR, "EINVAL", 0, 0, buf_head(&t), buf_used(&t));
	else
		mb_add(b, M_ERR, "EPROTO", 0, 0, buf_head(&t), buf_used(&t));
	buf_free(&t);
}

/* Bytes no JSON text may hold, anywhere. */
static const struct {
	const char	*s;
	size_t		 len;
} mut_bad[] = {
	{ "\0", 1 }, { "\xff", 1 }, { "\xc0\x80", 2 }, { "\xed\xa0\x80", 3 },
	{ "\xf4\x90\x80\x80", 4 }, { "\xe2\x82", 2 }, { "\x80", 1 },
	{ "\x01", 1 }, { "\x7f\xfe", 2 },
};

/* Escapes: NUL inside names, lone surrogates, and the harmless ones. */
static const struct {
	const char	*fmt;		/* @: the tag */
	enum want	 want;
	const char	*code;
} mut_escapes[] = {
	/* A NUL would cut the name short: "nul", "cat", "sink1". */
	{ "{\"tag\": @, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
	    "\"alias\": \"nul\\u0000x\"}}", M_ERR, "EINVAL" },
	{ "{\"tag\": @, \"cmd\": \"start\", \"ext\": {\"app\": "
	    "\"cat\\u0000zz\"}}", M_ERR, "EINVAL" },
	{ "{\"tag\": @, \"cmd\": \"status\", \"ext\": {\"alias\": "
	    "\"sink1\\u0000\"}}", M_ERR, "EINVAL" },
	{ "{\"tag\": @, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
	    "\"alias\": \"nul2\", \"cwd\": \"/\\u0000tmp\"}}", M_ERR,
	    "EINVAL" },
	{ "{\"tag\": @, \"cmd\": \"stop\", \"ext\": {\"aliases\": "
	    "[\"sink1\\u0000zz\"]}}", M_ERR, "EINVAL" },
	{ "{\"tag\": @, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
	    "\"alias\": \"nul3\", \"args\": [\"-\\u0000x\"]}}", M_ERR,
	    "EINVAL" },
	{ "{\"tag\": @, \"cmd\": \"hel\\u0000lo\"}", M_ERR, "ENOCMD" },
	{ "{\"tag\": @, \"cmd\": \"h\\u0065llo\"}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"ext\": {\"x\": "
	    "\"\\ud800\"}}", M_ERR, "EPROTO" },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"ext\": {\"x\": "
	    "\"\\udc00\\ud800\"}}", M_ERR, "EPROTO" },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"ext\": {\"x\": "
	    "\"\\ud83d\\ude00 \\u00e9\"}}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"write\", \"ext\": {\"alias\": "
	    "\"sink1\", \"text\": \"a\\u0000b\"}}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"status\", \"ext\": {\"al\\u0000ias\": "
	    "\"x\"}}", M_OK, NULL },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"ext\": {\"x\": "
	    "\"\\u12\"}}", M_ERR, "EPROTO" },
};

/* Keys twice in one object (after unescaping, too), and look-alikes. */
static const struct {
	const char	*fmt;		/* @: the tag */
	enum want	 want;		/* M_ERR: EPROTO */
} mut_dups[] = {
	{ "{\"tag\": @, \"cmd\": \"hello\", \"cmd\": \"hello\"}", M_ERR },
	{ "{\"tag\": @, \"tag\": 1, \"cmd\": \"hello\"}", M_ERR },
	{ "{\"tag\": @, \"cmd\": \"status\", \"ext\": {\"alias\": "
	    "\"sink1\", \"alias\": \"sink1\"}}", M_ERR },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"ext\": {\"x\": {\"a\": 1, "
	    "\"a\": 2}}}", M_ERR },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"c\\u006dd\": \"apps\"}",
	    M_ERR },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"ext\": {}, \"ext\": {}}",
	    M_ERR },
	{ "{\"tag\": @, \"cmd\": \"stop\", \"ext\": {\"all\": false, "
	    "\"all\": true}}", M_ERR },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"Cmd\": \"x\"}", M_OK },
	{ "{\"tag\": @, \"cmd\": \"hello\", \"ext\": {\"x\": [{\"a\": 1}, "
	    "{\"a\": 1}]}}", M_OK },
};

/*
 * One or more random lines of every kind but the wrong types (mut_wrong
 * sends all of those).  vstarted counts the valid starts made on
 * purpose: instances v1, v2...
 */
static inline void
mut_add(struct mbatch *b, int *vstarted)
{
	struct buf	 t;
	long long	 tag = mut_tag();
	const char	*p;
	size_t		 n, k, at;
	unsigned	 kind = mut_n(100);
	int		 i;

	buf_init(&t);
	if (kind < 12) {			/* valid */
		i = mut_base(&t, tag);
		mb_add(b, mut_bases[i].want, mut_bases[i].code, 1, tag,
		    buf_head(&t), buf_used(&t));
	} else if (kind < 22) {			/* truncated */
		mut_base(&t, tag);
		p = strrchr(buf_cstr(&t), '}');
		n = (size_t)(p - buf_head(&t));
		mb_add(b, M_ERR, "EPROTO", 0, 0, buf_head(&t), mut_n(
		    (unsigned)n));
	} else if (kind < 40) {			/* flipped */
		mut_base(&t, tag);
		mut_flip(&t);
		mb_add(b, M_ANY, NULL, 0, 0, buf_head(&t), buf_used(&t));
	} else if (kind < 50) {			/* random bytes */
		n = mut_n(300);
		for (k = 0; k < n; k++)
			buf_addc(&t, (char)mut_n(256));
		mb_add(b, M_ANY, NULL, 0, 0, buf_head(&t), buf_used(&t));
	} else if (kind < 55) {
		mut_add_nest(b);
	} else if (kind < 67) {
		mut_add_huge(b);
	} else if (kind < 77) {			/* invalid bytes anywhere */
		mut_base(&t, tag);
		i = (int)mut_n(NELEM(mut_bad));
		at = mut_n((unsigned)buf_used(&t) + 1);
		for (k = 0; k < mut_bad[i].len; k++)
			buf_addc(&t, 0);
		memmove(buf_head(&t) + at + mut_bad[i].len, buf_head(&t) + at,
		    buf_used(&t) - at - mut_bad[i].len);
		memcpy(buf_head(&t) + at, mut_bad[i].s, mut_bad[i].len);
		mb_add(b, M_ERR, "EPROTO", 0, 0, buf_head(&t), buf_used(&t));
	} else if (kind < 85) {			/* escapes */
		i = (int)mut_n(NELEM(mut_escapes));
		mut_fill(&t, mut_escapes[i].fmt, tag);
		mb_add(b, mut_escapes[i].want, mut_escapes[i].code,
		    strcmp(mut_escapes[i].code ? mut_escapes[i].code : "",
		    "EPROTO") != 0, tag, buf_head(&t), buf_used(&t));
	} else if (kind < 92) {			/* duplicate keys */
		i = (int)mut_n(NELEM(mut_dups));
		mut_fill(&t, mut_dups[i].fmt, tag);
		if (mut_dups[i].want == M_OK)
			mb_add(b, M_OK, NULL, 1, tag, buf_head(&t),
			    buf_used(&t));
		else
			mb_add(b, M_ERR, "EPROTO", 0, 0, buf_head(&t),
			    buf_used(&t));
	} else if (kind < 94) {			/* empty, and CRs only */
		mb_add(b, M_ERR, "EPROTO", 0, 0, "\r\r", mut_n(3));
	} else if (kind < 96) {			/* long, and legal */
		n = 1024 + mut_n(200 * 1024);
		buf_printf(&t, "{\"tag\": %lld, \"cmd\": \"write\", \"ext\": "
		    "{\"alias\": \"sink1\", \"text\": \"", tag);
		for (k = 0; k < n; k++)
			buf_addc(&t, 'a' + (char)mut_n(26));
		buf_adds(&t, "\"}}");
		mb_add(b, M_OK, NULL, 1, tag, buf_head(&t), buf_used(&t));
	} else if (kind < 98) {			/* long, and garbage */
		n = mut_n(200 * 1024);
		for (k = 0; k < n; k++)
			buf_addc(&t, (char)(' ' + mut_n(95)));
		mb_add(b, M_ANY, NULL, 0, 0, buf_head(&t), buf_used(&t));
	} else if (kind == 98) {		/* a start, on purpose */
		++*vstarted;
		mb_addf(b, M_OK, NULL, 1, tag, "{\"tag\": %lld, \"cmd\": "
		    "\"start\", \"ext\": {\"app\": \"cat\", \"alias\": "
		    "\"v%d\", \"strict\": true}}", tag, *vstarted);
	} else {				/* several lines in one */
		struct buf	 t2;

		buf_init(&t2);
		mut_base(&t, tag);
		mut_base(&t2, tag + 1);
		buf_addc(&t, '\n');
		buf_add(&t, buf_head(&t2), buf_used(&t2));
		buf_free(&t2);
		mb_add(b, M_ANY, NULL, 0, 0, buf_head(&t), buf_used(&t));
	}
	buf_free(&t);
}

/* The types a field may wrongly be given. */
enum ftype { F_STR, F_BOOL, F_NUM, F_STRS, F_B64, F_TAG, F_OBJ };

static const char *const *
mut_wrong_values(enum ftype t)
{
	static const char *const not_str[] = { "5", "-1", "1.5", "1e400",
	    "[]", "[\"x\"]", "{}", "{\"x\": \"y\"}", "true", "false", "null",
	    NULL };
	static const char *const not_bool[] = { "\"true\"", "\"false\"",
	    "0", "1", "[]", "[true]", "{}", "null", "\"yes\"", NULL };
	static const char *const not_num[] = { "\"1\"", "\"x\"", "[]",
	    "[1]", "{}", "{\"n\": 1}", "true", "null", "-1", "-1e400",
	    "-0.5", NULL };
	static const char *const not_strs[] = { "\"x\"", "5", "{}",
	    "{\"0\": \"a\"}", "true", "null", "[1]", "[\"a\", null]",
	    "[[\"a\"]]", "[{}]", "[\"a\", 5]", "[\"a\", false]", NULL };
	static const char *const not_b64[] = { "5", "[]", "[\"aGk=\"]",
	    "{}", "true", "null", "\"!!!\"", "\"\\u00e9\\u00e9\\u00e9\\u00e9\"",
	    NULL };
	static const char *const not_tag[] = { "\"1\"", "1.5", "1e2", "[]",
	    "[1]", "{}", "true", "null", "9223372036854775808",
	    "-9223372036854775809", "1e400", "18446744073709551616", NULL };
	static const char *const not_obj[] = { "5", "\"x\"", "[]", "[{}]",
	    "true", "false", "null", NULL };

	switch (t) {
	case F_STR:
		return (not_str);
	case F_BOOL:
		return (not_bool);
	case F_NUM:
		return (not_num);
	case F_STRS:
		return (not_strs);
	case F_B64:
		return (not_b64);
	case F_TAG:
		return (not_tag);
	default:
		return (not_obj);
	}
}

/*
 * Every field of every command in proto.h, with the others valid so that
 * its check is reached.  Had a check been skipped, most of these would
 * do something visible: start "wt1", stop or attach sink1, follow a log.
 */
static const struct {
	const char	*cmd;
	const char	*key;
	enum ftype	 type;
	const char	*rest;		/* the other members of ext */
} mut_fields[] = {
	{ "start", "app", F_STR, "\"alias\": \"wt1\"" },
	{ "start", "alias", F_STR, "\"app\": \"cat\"" },
	{ "start", "args", F_STRS, "\"app\": \"cat\", \"alias\": \"wt1\"" },
	{ "start", "socket", F_STR, "\"app\": \"cat\", \"alias\": \"wt1\"" },
	{ "start", "cwd", F_STR, "\"app\": \"cat\", \"alias\": \"wt1\"" },
	{ "start", "strict", F_BOOL, "\"app\": \"cat\", \"alias\": \"wt1\"" },
	{ "start", "wait", F_BOOL, "\"app\": \"cat\", \"alias\": \"wt1\"" },
	{ "stop", "alias", F_STR, "\"all\": false" },
	{ "stop", "aliases", F_STRS, "\"all\": false" },
	{ "stop", "all", F_BOOL, "\"alias\": \"sink1\"" },
	{ "restart", "alias", F_STR, "\"x\": 1" },
	{ "signal", "alias", F_STR, "\"signal\": \"CONT\"" },
	{ "status", "alias", F_STR, "\"x\": 1" },
	{ "write", "alias", F_STR, "\"text\": \"x\"" },
	{ "write", "data", F_B64, "\"alias\": \"sink1\"" },
	{ "write", "text", F_STR, "\"alias\": \"sink1\"" },
	{ "read", "alias", F_STR, "\"max\": 1" },
	{ "read", "wait", F_NUM, "\"alias\": \"sink1\"" },
	{ "read", "max", F_NUM, "\"alias\": \"sink1\"" },
	{ "attach", "alias", F_STR, "\"x\": 1" },
	{ "direct", "alias", F_STR, "\"x\": 1" },
	{ "logs", "alias", F_STR, "\"lines\": 1" },
	{ "logs", "lines", F_NUM, "\"alias\": \"sink1\"" },
	{ "logs", "follow", F_BOOL, "\"alias\": \"sink1\"" },
	{ "reload", "path", F_STR, "\"x\": 1" },
	{ "reload", "config", F_STR, "\"x\": 1" },
};

static const char *const mut_cmds[] = { "hello", "apps", "start", "stop",
    "restart", "signal", "status", "write", "read", "attach", "direct",
    "logs", "subscribe", "reload", "shutdown" };

/*
 * All the wrong types, each line EINVAL: tag (then without a tag in the
 * reply), cmd, ext of every command (shutdown included: it must not
 * happen), and every ext field of mut_fields.
 */
static inline void
mut_wrong(struct mbatch *b)
{
	const char *const	*v;
	long long		 t;
	size_t			 f, k;

	for (v = mut_wrong_values(F_TAG); *v != NULL; v++)
		mb_addf(b, M_ERR, "EINVAL", 0, 0, "{\"tag\": %s, \"cmd\": "
		    "\"hello\"}", *v);
	for (v = mut_wrong_values(F_STR); *v != NULL; v++) {
		t = mut_tag();
		mb_addf(b, M_ERR, "EINVAL", 1, t, "{\"tag\": %lld, \"cmd\": "
		    "%s}", t, *v);
	}
	for (k = 0; k < NELEM(mut_cmds); k++) {
		for (v = mut_wrong_values(F_OBJ); *v != NULL; v++) {
			t = mut_tag();
			mb_addf(b, M_ERR, "EINVAL", 1, t, "{\"tag\": %lld, "
			    "\"cmd\": \"%s\", \"ext\": %s}", t, mut_cmds[k],
			    *v);
		}
	}
	for (f = 0; f < NELEM(mut_fields); f++) {
		for (v = mut_wrong_values(mut_fields[f].type); *v != NULL;
		    v++) {
			t = mut_tag();
			mb_addf(b, M_ERR, "EINVAL", 1, t, "{\"tag\": %lld, "
			    "\"cmd\": \"%s\", \"ext\": {%s, \"%s\": %s}}", t,
			    mut_fields[f].cmd, mut_fields[f].rest,
			    mut_fields[f].key, *v);
		}
	}
}

#endif /* T_MUTATE_H */
