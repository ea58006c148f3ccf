/*
 * test_json.c: cmocka tests for json.c, the one JSON module: every type
 * read back, nested access, every escape, a table of invalid inputs with
 * their exact messages, integer range edges.  The writer's tests are in
 * test_json_write.c.  One function per behaviour.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

#include "json_check.h"


struct bad {
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	const char	*msg;
};

static void	 check_bad(const char *, size_t, const char *);
static char	*nested(int, char, char);

/* text[0..len) must be refused with exactly msg, by both entry points. */
static void
check_bad(const char *text, size_t len, const char *msg)
{
	struct json	*doc;
	char		 err[256] = "", err2[256] = "";

	if ((doc = json_parse(text, len, err, sizeof(err))) != NULL) {
		json_free(doc);
		fail_msg("json_parse(%.*s) succeeded", (int)len, text);
	}
	if (strcmp(err, msg) != 0)
		fail_msg("json_parse(%.*s): got \"%s\", want \"%s\"",
		    (int)len, text, err, msg);
	assert_int_equal(json_valid(text, len, err2, sizeof(err2)), -1);
	assert_string_equal(err2, msg);
	/* Without a message buffer, too. */
	assert_null(json_parse(text, len, NULL, 0));
}

/* depth containers opened with o and closed with c: "[[[]]]". */
static char *
nested(int depth, char o, char c)
{
	char	*s;
	int	 i;

	s = malloc((size_t)depth * 2 + 1);
	assert_non_null(s);
	for (i = 0; i < depth; i++) {
		s[i] = o;
		s[depth * 2 - 1 - i] = c;
	}
	s[depth * 2] = '\0';
	return (s);
}

static void
test_types(void **state)
{
	struct json	*doc;
	long long	 ll;
	double		 d;
	int		 b;

	(void)state;
	doc = parse(" {\"o\":{}, \"a\":[], \"s\":\"x\", \"n\":-12.5e1, "
	    "\"t\":true, \"f\":false, \"z\":null, \"i\":42}\r\n");
	assert_int_equal(json_type(doc, 0), JSON_OBJECT);
	assert_int_equal(json_len(doc, 0), 8);
	assert_int_equal(json_type(doc, json_get(doc, 0, "o")), JSON_OBJECT);
	assert_int_equal(json_len(doc, json_get(doc, 0, "o")), 0);
	assert_int_equal(json_type(doc, json_get(doc, 0, "a")), JSON_ARRAY);
	assert_int_equal(json_len(doc, json_get(doc, 0, "a")), 0);
	check_str(doc, json_get(doc, 0, "s"), "x", 1);
	assert_int_equal(json_type(doc, json_get(doc, 0, "n")), JSON_NUMBER);
	assert_int_equal(json_double(doc, json_get(doc, 0, "n"), &d), 0);
	assert_true(d == -125.0);
	assert_int_equal(json_int(doc, json_get(doc, 0, "n"), &ll), -1);
	assert_int_equal(json_type(doc, json_get(doc, 0, "t")), JSON_BOOL);
	assert_int_equal(json_bool(doc, json_get(doc, 0, "t"), &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(json_bool(doc, json_get(doc, 0, "f"), &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(json_type(doc, json_get(doc, 0, "z")), JSON_NULL);
	assert_int_equal(json_bool(doc, json_get(doc, 0, "z"), &b), -1);
	assert_int_equal(json_int(doc, json_get(doc, 0, "i"), &ll), 0);
	assert_int_equal(ll, 42);
	assert_int_equal(json_double(doc, json_get(doc, 0, "i"), &d), 0);
	assert_true(d == 42.0);
	json_free(doc);
}

static void
test_root_scalars(void **state)
{
	struct json	*doc;
	long long	 ll;
	int		 b;

	(void)state;
	doc = parse("7");
	assert_int_equal(json_int(doc, 0, &ll), 0);
	assert_int_equal(ll, 7);
	json_free(doc);
	doc = parse(" \"s\" ");
	check_str(doc, 0, "s", 1);
	json_free(doc);
	doc = parse("false");
	assert_int_equal(json_bool(doc, 0, &b), 0);
	assert_int_equal(b, 0);
	json_free(doc);
	doc = parse("null");
	assert_int_equal(json_type(doc, 0), JSON_NULL);
	assert_int_equal(json_type(doc, 1), JSON_NONE);
	json_free(doc);
	doc = parse("[]");
	assert_int_equal(json_len(doc, 0), 0);
	assert_int_equal(json_at(doc, 0, 0), -1);
	json_free(doc);
}

static void
test_nested_access(void **state)
{
	struct json	*doc;
	long long	 ll;
	int		 a, o, v;

	(void)state;
	doc = parse("{\"a\":[1,{\"x\":[10,[20,21],{}],\"y\":\"why\"},3],"
	    "\"b\":{\"c\":{\"d\":4}},\"e\":[[],[[]],5]}");
	a = json_get(doc, 0, "a");
	assert_int_equal(json_len(doc, a), 3);
	assert_int_equal(json_int(doc, json_at(doc, a, 0), &ll), 0);
	assert_int_equal(ll, 1);
	o = json_at(doc, a, 1);
	assert_int_equal(json_type(doc, o), JSON_OBJECT);
	assert_true(json_streq(doc, json_key_at(doc, o, 0), "x"));
	assert_true(json_streq(doc, json_key_at(doc, o, 1), "y"));
	assert_int_equal(json_key_at(doc, o, 2), -1);
	assert_true(json_streq(doc, json_at(doc, o, 1), "why"));
	v = json_at(doc, json_at(doc, json_get(doc, o, "x"), 1), 1);
	assert_int_equal(json_int(doc, v, &ll), 0);
	assert_int_equal(ll, 21);
	assert_int_equal(json_len(doc, json_at(doc, json_get(doc, o, "x"),
	    2)), 0);
	assert_int_equal(json_int(doc, json_at(doc, a, 2), &ll), 0);
	assert_int_equal(ll, 3);
	v = json_get(doc, json_get(doc, json_get(doc, 0, "b"), "c"), "d");
	assert_int_equal(json_int(doc, v, &ll), 0);
	assert_int_equal(ll, 4);
	assert_int_equal(json_int(doc, json_at(doc, json_get(doc, 0, "e"),
	    2), &ll), 0);
	assert_int_equal(ll, 5);
	assert_true(json_streq(doc, json_key_at(doc, 0, 2), "e"));
	assert_int_equal(json_at(doc, 0, 2), json_get(doc, 0, "e"));
	/* Missing members chain through as -1. */
	assert_int_equal(json_get(doc, json_get(doc, 0, "nope"), "d"), -1);
	assert_int_equal(json_get(doc, a, "x"), -1);
	assert_int_equal(json_at(doc, a, 3), -1);
	assert_int_equal(json_at(doc, a, -1), -1);
	assert_int_equal(json_key_at(doc, a, 0), -1);
	assert_int_equal(json_len(doc, json_at(doc, a, 0)), -1);
	assert_int_equal(json_at(doc, json_at(doc, a, 0), 0), -1);
	json_free(doc);
}

static void
test_absent(void **state)
{
	struct json	*doc;
	long long	 ll = 5;
	double		 d = 5;
	size_t		 len = 5;
	int		 b = 5;

	(void)state;
	doc = parse("{\"a\":1}");
	assert_int_equal(json_type(doc, -1), JSON_NONE);
	assert_int_equal(json_type(doc, 99), JSON_NONE);
	assert_int_equal(json_type(NULL, 0), JSON_NONE);
	assert_int_equal(json_get(doc, -1, "a"), -1);
	assert_int_equal(json_get(doc, 0, NULL), -1);
	assert_int_equal(json_len(doc, -1), -1);
	assert_int_equal(json_at(doc, -1, 0), -1);
	assert_int_equal(json_key_at(doc, -1, 0), -1);
	assert_int_equal(json_int(doc, -1, &ll), -1);
	assert_int_equal(json_double(doc, -1, &d), -1);
	assert_int_equal(json_bool(doc, -1, &b), -1);
	assert_true(ll == 5 && d == 5 && b == 5);
	assert_null(json_str(doc, -1, &len));
	assert_int_equal(len, 0);
	assert_null(json_str(doc, 99, NULL));
	assert_int_equal(json_streq(doc, -1, "a"), 0);
	assert_null(json_raw(doc, -1, &len));
	assert_null(json_b64(doc, -1, &len));
	assert_null(json_str(doc, 0, NULL));	/* not a string */
	assert_null(json_str(doc, 2, NULL));
	assert_int_equal(json_streq(doc, 1, NULL), 0);
	json_free(doc);
	json_free(NULL);
}

static void
test_copy(void **state)
{
	struct json	*doc;
	char		*text;

	(void)state;
	text = strdup("{\"k\":\"v\"}xyz");
	assert_non_null(text);
	/* Only len bytes count, and the caller's copy can go at once. */
	doc = json_parse(text, 9, NULL, 0);
	assert_non_null(doc);
	memset(text, 'x', strlen(text));
	free(text);
	assert_true(json_streq(doc, json_get(doc, 0, "k"), "v"));
	json_free(doc);
	doc = json_parse("[1]garbage", 3, NULL, 0);
	assert_non_null(doc);
	json_free(doc);
}

static void
test_escapes(void **state)
{
	struct json	*doc;

	(void)state;
	doc = parse("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\", \"\\u00E9\","
	    "\"\\ud83d\\ude00\", \"a\\u0000b\", \"\\u20AC\", \"\\u0041\","
	    "\"\xc3\xa9\xf0\x9f\x98\x80\x7f\"]");
	check_str(doc, json_at(doc, 0, 0), "\"\\/\b\f\n\r\t", 8);
	check_str(doc, json_at(doc, 0, 1), "\xc3\xa9", 2);
	check_str(doc, json_at(doc, 0, 2), "\xc3\xa9", 2);
	check_str(doc, json_at(doc, 0, 3), "\xf0\x9f\x98\x80", 4);
	check_str(doc, json_at(doc, 0, 4), "a\0b", 3);
	check_str(doc, json_at(doc, 0, 5), "\xe2\x82\xac", 3);
	check_str(doc, json_at(doc, 0, 6), "A", 1);
	check_str(doc, json_at(doc, 0, 7), "\xc3\xa9\xf0\x9f\x98\x80\x7f", 7);
	assert_true(json_streq(doc, json_at(doc, 0, 1), "\xc3\xa9"));
	assert_false(json_streq(doc, json_at(doc, 0, 1), "\xc3"));
	assert_false(json_streq(doc, json_at(doc, 0, 1), "\xc3\xa9x"));
	/* A C string cannot hold what follows a \u0000. */
	assert_false(json_streq(doc, json_at(doc, 0, 4), "a"));
	json_free(doc);
}

static void
test_escaped_keys(void **state)
{
	struct json	*doc;

	(void)state;
	doc = parse("{\"\\u0061\":1,\"b\\nc\":2,\"\":3,\"a\\u0000\":4}");
	assert_int_equal(json_get(doc, 0, "a"), json_at(doc, 0, 0));
	assert_int_equal(json_get(doc, 0, "b\nc"), json_at(doc, 0, 1));
	assert_int_equal(json_get(doc, 0, ""), json_at(doc, 0, 2));
	assert_int_equal(json_get(doc, 0, "b"), -1);
	check_str(doc, json_key_at(doc, 0, 3), "a\0", 2);
	json_free(doc);
}

static void
test_raw(void **state)
{
	struct json	*doc;
	const char	*r;
	size_t		 len;

	(void)state;
	doc = parse(" {\"a\":[1, 2],\"b\":\"x\\\"y\",\"c\":-0.5,\"d\":{}} ");
	r = json_raw(doc, json_get(doc, 0, "a"), &len);
	assert_int_equal(len, 6);
	assert_memory_equal(r, "[1, 2]", 6);
	r = json_raw(doc, json_get(doc, 0, "b"), &len);
	assert_int_equal(len, 6);
	assert_memory_equal(r, "\"x\\\"y\"", 6);
	r = json_raw(doc, json_get(doc, 0, "c"), &len);
	assert_int_equal(len, 4);
	assert_memory_equal(r, "-0.5", 4);
	r = json_raw(doc, json_key_at(doc, 0, 3), &len);
	assert_int_equal(len, 3);
	assert_memory_equal(r, "\"d\"", 3);
	r = json_raw(doc, 0, &len);
	assert_int_equal(len, 39);
	assert_memory_equal(r, "{\"a\"", 4);
	assert_int_equal(r[len - 1], '}');
	assert_non_null(json_raw(doc, 0, NULL));
	json_free(doc);
}

static const struct bad bad_inputs[] = {
	{ "", 0, "empty input" },
	{ " \t\r\n ", 0, "empty input" },
	{ "{\"a\":1", 0, "unexpected end of input at byte 6" },
	{ "[1,2", 0, "unexpected end of input at byte 4" },
	{ "[", 0, "unexpected end of input at byte 1" },
	{ "{\"a\":", 0, "unexpected end of input at byte 5" },
	{ "{\"a\"", 0, "unexpected end of input at byte 4" },
	{ "[1, ", 0, "unexpected end of input at byte 4" },
	{ "\"abc", 0, "unterminated string at byte 0" },
	{ "\"\\", 0, "invalid escape at byte 1" },
	{ "{\"a\":}", 0, "invalid JSON at byte 5" },
	{ "{\"a\" 1}", 0, "invalid JSON at byte 5" },
	{ "{\"a\"}", 0, "invalid JSON at byte 4" },
	{ "{\"a\":1 \"b\":2}", 0, "invalid JSON at byte 7" },
	{ "[1 2]", 0, "invalid JSON at byte 3" },
	{ "[1,]", 0, "invalid JSON at byte 3" },
	{ "[,1]", 0, "invalid JSON at byte 1" },
	{ "[1,,2]", 0, "invalid JSON at byte 3" },
	{ "{\"a\":1,}", 0, "invalid JSON at byte 7" },
	{ "{,}", 0, "invalid JSON at byte 1" },
	{ "{1:2}", 0, "invalid JSON at byte 1" },
	{ "{[]:2}", 0, "invalid JSON at byte 1" },
	{ "{\"a\"::1}", 0, "invalid JSON at byte 5" },
	{ "[}", 0, "invalid JSON at byte 1" },
	{ "{\"a\":1]", 0, "invalid JSON at byte 6" },
	{ "]", 0, "invalid JSON at byte 0" },
	{ "'a'", 0, "invalid JSON at byte 0" },
	{ "\v1", 0, "invalid JSON at byte 0" },
	{ "01", 0, "invalid number at byte 0" },
	{ "[-01]", 0, "invalid number at byte 1" },
	{ "+1", 0, "invalid number at byte 0" },
	{ "1.", 0, "invalid number at byte 0" },
	{ ".5", 0, "invalid number at byte 0" },
	{ "-", 0, "invalid number at byte 0" },
	{ "--1", 0, "invalid number at byte 0" },
	{ "1e", 0, "invalid number at byte 0" },
	{ "1e+", 0, "invalid number at byte 0" },
	{ "1.5e", 0, "invalid number at byte 0" },
	{ "0x10", 0, "invalid number at byte 0" },
	{ "-Infinity", 0, "invalid number at byte 0" },
	{ "tru", 0, "invalid literal at byte 0" },
	{ "nul", 0, "invalid literal at byte 0" },
	{ "True", 0, "invalid literal at byte 0" },
	{ "truefalse", 0, "invalid literal at byte 0" },
	{ "[NaN]", 0, "invalid literal at byte 1" },
	{ "Infinity", 0, "invalid literal at byte 0" },
	{ "\"\\x\"", 0, "invalid escape at byte 1" },
	{ "\"\\U0041\"", 0, "invalid escape at byte 1" },
	{ "\"\\u12\"", 0, "invalid escape at byte 1" },
	{ "\"\\u12G4\"", 0, "invalid escape at byte 1" },
	{ "\"ab\\ud800\"", 0, "invalid escape at byte 3" },
	{ "\"\\udc00\"", 0, "invalid escape at byte 1" },
	{ "\"\\ud800\\u0041\"", 0, "invalid escape at byte 1" },
	{ "\"\\ud800\\ud800\"", 0, "invalid escape at byte 1" },
	{ "\"\\udc00\\ud800\"", 0, "invalid escape at byte 1" },
	{ "\"a\tb\"", 0, "control character in string at byte 2" },
	{ "\"a\nb\"", 0, "control character in string at byte 2" },
	{ "\"\x1f\"", 0, "control character in string at byte 1" },
	{ "\"\xc0\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xc1\xbf\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xe0\x80\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xed\xa0\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xf0\x80\x80\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xf4\x90\x80\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xf5\x80\x80\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xff\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "\"a\xe2\x82\"", 0, "invalid UTF-8 at byte 2" },
	{ "\"\xe2\x82", 0, "invalid UTF-8 at byte 1" },
	{ "\xef\xbb\xbf{}", 0, "invalid JSON at byte 0" },
	{ "{\"a\":1,\"a\":2}", 0, "duplicate key 'a'" },
	{ "{\"a\":1,\"\\u0061\":2}", 0, "duplicate key '\\u0061'" },
	{ "[{\"k\":1},{\"b\":{\"c\":2,\"d\":[],\"c\":3}}]", 0,
	    "duplicate key 'c'" },
	/* Small objects are checked pair by pair: escapes on either side. */
	{ "{\"\\u0061\":1,\"\\u0061\":2}", 0, "duplicate key '\\u0061'" },
	{ "{\"a\\u0062\":1,\"x\":0,\"ab\":2}", 0, "duplicate key 'ab'" },
	{ "{\"x\":{\"b\":1,\"b\":2},\"y\":{\"c\":1,\"\\u0063\":2}}", 0,
	    "duplicate key 'b'" },
	{ "{} x", 0, "trailing characters after the JSON value" },
	{ "{} {}", 0, "trailing characters after the JSON value" },
	{ "1 2", 0, "trailing characters after the JSON value" },
	{ "[1]]", 0, "trailing characters after the JSON value" },
	{ "\"a\"\"b\"", 0, "trailing characters after the JSON value" },
	{ "[1,\0 2]", 6, "NUL byte at byte 3" },
	{ "1\0", 2, "NUL byte at byte 1" },
	{ "\"a\0\"", 4, "NUL byte at byte 2" },
};

static void
test_invalid(void **state)
{
	const struct bad	*b;
	size_t			 i;

	(void)state;
	for (i = 0; i < NITEMS(bad_inputs); i++) {
		b = &bad_inputs[i];
		check_bad(b->text, b->len != 0 ? b->len : strlen(b->text),
		    b->msg);
	}
}

static void
test_depth(void **state)
{
	struct json	*doc;
	char		*s;
	size_t		 i, depth;

	(void)state;
	s = nested(128, '[', ']');
	doc = parse(s);
	assert_int_equal(json_len(doc, 0), 1);
	assert_int_equal(json_len(doc, 127), 0);
	json_free(doc);
	free(s);
	s = nested(129, '[', ']');
	check_bad(s, strlen(s), "nested deeper than 128 levels");
	free(s);
	s = nested(100000, '[', ']');
	check_bad(s, strlen(s), "nested deeper than 128 levels");
	free(s);

	/* {"a":{"a":...{}...}} 128 and 129 deep. */
	for (depth = 128; depth <= 129; depth++) {
		s = malloc(depth * 6 + 1);
		assert_non_null(s);
		strcpy(s, "{");
		for (i = 1; i < depth; i++)
			strcat(s, "\"a\":{");
		for (i = 0; i < depth; i++)
			strcat(s, "}");
		if (depth == 128)
			json_free(parse(s));
		else
			check_bad(s, strlen(s), "nested deeper than 128 levels");
		free(s);
	}
}

static void
test_duplicates(void **state)
{
	struct json	*doc;
	struct buf	 b;
	int		 i;

	(void)state;
	/* The same key in different objects is fine. */
	doc = parse("{\"a\":{\"a\":1,\"b\":2},\"b\":[{\"a\":1},{\"a\":2}]}");
	json_free(doc);
	doc = parse("{\"\\u0062\":1,\"a\":2,\"a\\u0062\":3,\"\\u0061\\u0061\":4}");
	json_free(doc);
	/* Many keys: still fine, and a late repeat is found. */
	buf_init(&b);
	jw_open(&b, '{');
	for (i = 0; i < 20000; i++) {
		char	 key[16];

		snprintf(key, sizeof(key), "k%d", i);
		jw_key(&b, key);
		jw_int(&b, i);
	}
	jw_close(&b, '}');
	doc = parse(written(&b));
	assert_int_equal(json_len(doc, 0), 20000);
	assert_true(json_streq(doc, json_key_at(doc, 0, 19999), "k19999"));
	assert_int_equal(json_get(doc, 0, "k12345"), json_at(doc, 0, 12345));
	json_free(doc);
	b.len--;
	jw_key(&b, "k7");
	jw_int(&b, 1);
	jw_key(&b, "k8");
	jw_int(&b, 1);
	jw_close(&b, '}');
	check_bad(written(&b), buf_used(&b), "duplicate key 'k7'");
	buf_free(&b);
}

static void
test_int_range(void **state)
{
	static const struct {
		const char	*text;
		int		 rc;
		long long	 want;
	} t[] = {
		{ "9223372036854775807", 0, LLONG_MAX },
		{ "9223372036854775808", -1, 0 },
		{ "-9223372036854775808", 0, LLONG_MIN },
		{ "-9223372036854775809", -1, 0 },
		{ "99999999999999999999999", -1, 0 },
		{ "-0", 0, 0 },
		{ "0", 0, 0 },
		{ "-1", 0, -1 },
		{ "1.0", -1, 0 },
		{ "1e2", -1, 0 },
		{ "1E2", -1, 0 },
		{ "\"1\"", -1, 0 },
		{ "true", -1, 0 },
	};
	struct json	*doc;
	long long	 ll;
	size_t		 i;

	(void)state;
	for (i = 0; i < NITEMS(t); i++) {
		doc = parse(t[i].text);
		ll = 12345;
		assert_int_equal(json_int(doc, 0, &ll), t[i].rc);
		if (t[i].rc == 0)
			assert_true(ll == t[i].want);
		else
			assert_true(ll == 12345);
		json_free(doc);
	}
}

static void
test_double(void **state)
{
	struct json	*doc;
	double		 d;

	(void)state;
	doc = parse("[0.1, -2.5E-3, 1e308, 123456789012345678901234567890,"
	    "\"1\", null, 1e999]");
	assert_int_equal(json_double(doc, json_at(doc, 0, 0), &d), 0);
	assert_true(d == 0.1);
	assert_int_equal(json_double(doc, json_at(doc, 0, 1), &d), 0);
	assert_true(d == -2.5e-3);
	assert_int_equal(json_double(doc, json_at(doc, 0, 2), &d), 0);
	assert_true(d == 1e308);
	assert_int_equal(json_double(doc, json_at(doc, 0, 3), &d), 0);
	assert_true(d == 123456789012345678901234567890.0);
	assert_int_equal(json_double(doc, json_at(doc, 0, 4), &d), -1);
	assert_int_equal(json_double(doc, json_at(doc, 0, 5), &d), -1);
	assert_int_equal(json_double(doc, json_at(doc, 0, 6), &d), 0);
	assert_true(isinf(d));
	json_free(doc);
}

static void
test_large(void **state)
{
	struct json	*doc;
	struct buf	 b;
	long long	 ll;
	int		 i;

	(void)state;
	buf_init(&b);
	jw_open(&b, '[');
	for (i = 0; i < 200000; i++)
		jw_int(&b, i);
	jw_close(&b, ']');
	doc = parse(written(&b));
	assert_int_equal(json_len(doc, 0), 200000);
	assert_int_equal(json_int(doc, json_at(doc, 0, 199999), &ll), 0);
	assert_int_equal(ll, 199999);
	json_free(doc);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_root_scalars),
		cmocka_unit_test(test_nested_access),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_escaped_keys),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_large),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
