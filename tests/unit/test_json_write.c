/*
 * test_json_write.c: cmocka tests for json_write.c and base64: the
 * writer's commas and escaping (round trips through the parser), numbers
 * in any locale, and base64 both ways.  One function per behaviour.
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

/* jw_object1: a whole object of one member, escaped, after a comma too. */
static void
test_writer_object1(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	jw_object1(&b, "alias", "a\"b");
	assert_string_equal(written(&b), "{\"alias\":\"a\\\"b\"}");
	buf_reset(&b);
	jw_open(&b, '[');
	jw_object1(&b, "k", "v");
	jw_object1(&b, "k", "w");
	jw_close(&b, ']');
	assert_string_equal(written(&b), "[{\"k\":\"v\"},{\"k\":\"w\"}]");
	buf_free(&b);
}

static void
test_writer_commas(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	jw_open(&b, '{');
	jw_key(&b, "a");
	jw_int(&b, 1);
	jw_key(&b, "b");
	jw_open(&b, '[');
	jw_int(&b, 1);
	jw_int(&b, 2);
	jw_close(&b, ']');
	jw_close(&b, '}');
	assert_string_equal(written(&b), "{\"a\":1,\"b\":[1,2]}");

	buf_addc(&b, '\n');
	jw_open(&b, '[');
	jw_open(&b, '{');
	jw_close(&b, '}');
	jw_open(&b, '{');
	jw_key(&b, "s");
	jw_str(&b, "x");
	jw_key(&b, "n");
	jw_null(&b);
	jw_key(&b, "t");
	jw_bool(&b, 1);
	jw_key(&b, "f");
	jw_bool(&b, 0);
	jw_key(&b, "r");
	jw_raw(&b, "{\"z\":[]}", 8);
	jw_key(&b, "d");
	jw_double(&b, 0.5);
	jw_key(&b, "m");
	jw_str(&b, NULL);
	jw_close(&b, '}');
	jw_open(&b, '[');
	jw_close(&b, ']');
	jw_b64(&b, "hi", 2);
	jw_strn(&b, "", 0);
	jw_close(&b, ']');
	assert_string_equal(written(&b), "{\"a\":1,\"b\":[1,2]}\n"
	    "[{},{\"s\":\"x\",\"n\":null,\"t\":true,\"f\":false,"
	    "\"r\":{\"z\":[]},\"d\":0.5,\"m\":null},[],\"aGk=\",\"\"]");

	/* What follows a consumed line starts clean, too. */
	buf_drop(&b, buf_used(&b));
	jw_int(&b, LLONG_MIN);
	jw_int(&b, LLONG_MAX);
	assert_string_equal(written(&b),
	    "-9223372036854775808,9223372036854775807");
	buf_free(&b);
}

static void
test_writer_escapes(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	jw_str(&b, "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9");
	assert_string_equal(written(&b),
	    "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xc3\xa9\"");
	buf_reset(&b);
	jw_strn(&b, "a\0b", 3);
	assert_string_equal(written(&b), "\"a\\u0000b\"");
	buf_reset(&b);
	jw_key(&b, "k\"\n");
	assert_string_equal(written(&b), "\"k\\\"\\n\":");
	buf_reset(&b);
	/* Invalid UTF-8: each bad byte becomes one U+FFFD. */
	jw_str(&b, "a\xe2\x82" "b\xc0\x80" "c\xed\xa0\x80\xff");
	assert_string_equal(written(&b), "\"a\\ufffd\\ufffdb\\ufffd\\ufffdc"
	    "\\ufffd\\ufffd\\ufffd\\ufffd\"");
	buf_free(&b);
}

static void
test_writer_roundtrip(void **state)
{
	struct json	*doc;
	struct buf	 b;
	char		 in[4096], out[4096];
	size_t		 n = 0, m = 0, i;
	long		 cp;
	static const long more[] = { 0x800, 0xfff, 0x1000, 0xd7ff, 0xe000,
	    0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff };

	(void)state;
	/* Every byte 1..127, a NUL, then valid UTF-8 of every width. */
	for (i = 1; i < 128; i++)
		in[n++] = (char)i;
	in[n++] = '\0';
	for (cp = 0x80; cp < 0x800; cp += 7) {
		in[n++] = (char)(0xc0 | cp >> 6);
		in[n++] = (char)(0x80 | (cp & 0x3f));
	}
	for (i = 0; i < NITEMS(more); i++) {
		cp = more[i];
		if (cp < 0x10000) {
			in[n++] = (char)(0xe0 | cp >> 12);
		} else {
			in[n++] = (char)(0xf0 | cp >> 18);
			in[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
		}
		in[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
		in[n++] = (char)(0x80 | (cp & 0x3f));
	}
	buf_init(&b);
	jw_open(&b, '[');
	jw_strn(&b, in, n);
	jw_close(&b, ']');
	doc = parse(written(&b));
	check_str(doc, json_at(doc, 0, 0), in, n);
	json_free(doc);

	/* Bytes 1..255: 128..255 are invalid one by one, so U+FFFD each. */
	for (i = 1, n = 0; i < 256; i++) {
		in[n++] = (char)i;
		if (i < 128)
			out[m++] = (char)i;
		else {
			memcpy(out + m, "\xef\xbf\xbd", 3);
			m += 3;
		}
	}
	buf_reset(&b);
	jw_strn(&b, in, n);
	doc = parse(written(&b));
	check_str(doc, 0, out, m);
	json_free(doc);
	buf_free(&b);
}

static void
test_writer_double(void **state)
{
	static const double	 t[] = { 0.0, -0.0, 0.1, 1.0 / 3, 0.1 + 0.2,
	    1e300, -1e-300, 5e-324, 1.7976931348623157e308, 123456789.0,
	    2.5, 1e15, 1e16, 1e17, -7.0 };
	struct json		*doc;
	struct buf		 b;
	double			 d;
	size_t			 i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < NITEMS(t); i++) {
		buf_reset(&b);
		jw_double(&b, t[i]);
		doc = parse(written(&b));
		assert_int_equal(json_double(doc, 0, &d), 0);
		assert_true(d == t[i]);
		json_free(doc);
	}
	buf_reset(&b);
	jw_double(&b, 0.1);
	jw_double(&b, 1.0 / 3);
	jw_double(&b, 0.1 + 0.2);
	jw_double(&b, NAN);
	jw_double(&b, INFINITY);
	jw_double(&b, -INFINITY);
	assert_string_equal(written(&b), "0.1,0.3333333333333333,"
	    "0.30000000000000004,null,null,null");
	buf_free(&b);
}

static void
test_locale(void **state)
{
	struct json	*doc;
	struct buf	 b;
	double		 d;

	(void)state;
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL &&
	    setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL)
		skip();
	buf_init(&b);
	jw_double(&b, 2.5);
	doc = json_parse("[1.25]", 6, NULL, 0);
	setlocale(LC_NUMERIC, "C");
	assert_string_equal(written(&b), "2.5");
	assert_int_equal(json_double(doc, json_at(doc, 0, 0), &d), 0);
	assert_true(d == 1.25);
	json_free(doc);
	buf_free(&b);
}

static void
test_b64_roundtrip(void **state)
{
	static const char *const want[] = { "\"\"", "\"Zg==\"", "\"Zm8=\"",
	    "\"Zm9v\"", "\"Zm9vYg==\"", "\"Zm9vYmE=\"" };
	static const char *const unpadded[] = { "\"\"", "\"Zg\"", "\"Zm8\"",
	    "\"Zm9v\"", "\"Zm9vYg\"", "\"Zm9vYmE\"" };
	struct json		*doc;
	struct buf		 b;
	unsigned char		 all[256], *out;
	size_t			 i, len;

	(void)state;
	buf_init(&b);
	for (i = 0; i < NITEMS(want); i++) {
		buf_reset(&b);
		jw_b64(&b, "fooba", i);
		assert_string_equal(written(&b), want[i]);
		doc = parse(want[i]);
		out = json_b64(doc, 0, &len);
		assert_non_null(out);
		assert_int_equal(len, i);
		assert_memory_equal(out, "fooba", i);
		free(out);
		json_free(doc);
		doc = parse(unpadded[i]);
		out = json_b64(doc, 0, &len);
		assert_non_null(out);
		assert_int_equal(len, i);
		assert_memory_equal(out, "fooba", i);
		free(out);
		json_free(doc);
	}
	/* Every byte value, at every length across the writer's chunks. */
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	for (i = 0; i <= 256; i++) {
		buf_reset(&b);
		jw_b64(&b, all, i);
		doc = parse(written(&b));
		out = json_b64(doc, 0, &len);
		assert_non_null(out);
		assert_int_equal(len, i);
		assert_memory_equal(out, all, i);
		free(out);
		json_free(doc);
	}
	buf_free(&b);
	/* Escapes are undone first: "\/" is a plain '/'. */
	doc = parse("\"\\/w\\u003d=\"");
	out = json_b64(doc, 0, NULL);
	assert_non_null(out);
	assert_int_equal(out[0], 0xff);
	free(out);
	json_free(doc);
}

static void
test_b64_invalid(void **state)
{
	static const char *const bad[] = { "\"Zm9v=\"", "\"Zm9\"",
	    "\"Z===\"", "\"Zm9v\\n\"", "\"Zh==\"", "\"****\"", "\"Z\"",
	    "\"Zg=\"", "\"Zg===\"", "\"=\"", "\"==\"", "\"====\"",
	    "\"Zm 9v\"", "\"Zm9v-_\"", "\"Zg==Zg==\"", "\"Zm=v\"",
	    "\"Zm8\\u0000\"", "\"Zm9=\"", "1", "null", "[\"Zg==\"]" };
	struct json		*doc;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < NITEMS(bad); i++) {
		doc = parse(bad[i]);
		len = 99;
		if (json_b64(doc, 0, &len) != NULL)
			fail_msg("json_b64(%s) succeeded", bad[i]);
		assert_int_equal(len, 0);
		json_free(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_commas),
		cmocka_unit_test(test_writer_object1),
		cmocka_unit_test(test_writer_escapes),
		cmocka_unit_test(test_writer_roundtrip),
		cmocka_unit_test(test_writer_double),
		cmocka_unit_test(test_locale),
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_b64_invalid),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
