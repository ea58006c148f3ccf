/*
 * test_errors.c: what runnerd makes of bad requests (not JSON, not an
 * object, unknown commands, missing and mistyped fields, a line over
 * PROTO_LINE_MAX), tags, and pipelined requests.
 */

#include "daemon.h"

/* Send a raw line; its reply. */
static struct json *
raw(struct client *c, const char *line)
{
	cl_send(c, line, strlen(line));
	return (cl_json(c));
}

#define NO_TAG	LLONG_MIN

/* The reply has tag (or none: NO_TAG). */
static void
has_tag(struct json *j, long long tag)
{
	if (tag == NO_TAG)
		assert_int_equal(json_get(j, 0, "tag"), -1);
	else
		assert_int_equal(j_int(j, 0, "tag"), tag);
}

/* Not JSON: EPROTO, and the connection goes on. */
static void
test_bad_json(void **state)
{
	static const char *const bad[] = {
		"{\"tag\": 1, \"cmd\": \"hello\"\n",
		"{tag: 1}\n",
		"hello\n",
		"{\"tag\": 1, \"cmd\": \"hello\",}\n",
		"{\"tag\": 1, \"cmd\": \"hello\"}}\n",
		"{\"tag\": 01, \"cmd\": \"hello\"}\n",
		"{\"cmd\": \"hello\", \"cmd\": \"apps\"}\n",
		"{\"cmd\": \"\xff\xfe\"}\n",
		"{\"cmd\": \"hel\tlo\"}\n",
	};
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j_err(raw(c, bad[i]), "EPROTO");
		j_ok(cl_call(c, "hello", NULL));
	}
	/* A NUL byte inside the line. */
	cl_send(c, "{\"cmd\": \"he\0llo\"}\n", 18);
	j_err(cl_json(c), "EPROTO");
	j_ok(cl_call(c, "hello", NULL));
}

/* Valid JSON that is not an object: EPROTO, the connection goes on. */
static void
test_not_object(void **state)
{
	static const char *const bad[] = {
		"[1, 2]\n", "\"hello\"\n", "42\n", "null\n", "true\n",
		"[{\"tag\": 1, \"cmd\": \"hello\"}]\n",
	};
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j_err(raw(c, bad[i]), "EPROTO");
		j_ok(cl_call(c, "hello", NULL));
	}
}

/* An unknown command: ENOCMD with the tag echoed. */
static void
test_enocmd(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;

	j = raw(c, "{\"tag\": 77, \"cmd\": \"frobnicate\", \"ext\": {}}\n");
	assert_non_null(strstr(j_err(j, "ENOCMD"), "frobnicate"));
	has_tag(j, 77);
	j = raw(c, "{\"cmd\": \"HELLO\"}\n");
	j_err(j, "ENOCMD");
	has_tag(j, NO_TAG);
	j_ok(cl_call(c, "hello", NULL));
}

/* Missing or mistyped fields: EINVAL, tag echoed, the connection goes on. */
static void
test_einval(void **state)
{
	static const char *const bad[] = {
		"{\"tag\": 5}",
		"{\"tag\": 5, \"cmd\": 5}",
		"{\"tag\": 5, \"cmd\": null}",
		"{\"tag\": 5, \"cmd\": \"hello\", \"ext\": 5}",
		"{\"tag\": 5, \"cmd\": \"hello\", \"ext\": [1]}",
		"{\"tag\": 5, \"cmd\": \"start\"}",
		"{\"tag\": 5, \"cmd\": \"start\", \"ext\": {\"app\": 5}}",
		"{\"tag\": 5, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
		    "\"alias\": 5}}",
		"{\"tag\": 5, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
		    "\"alias\": \"a/b\"}}",
		"{\"tag\": 5, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
		    "\"alias\": \"\"}}",
		"{\"tag\": 5, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
		    "\"args\": \"-u\"}}",
		"{\"tag\": 5, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
		    "\"args\": [1]}}",
		"{\"tag\": 5, \"cmd\": \"start\", \"ext\": {\"app\": \"cat\", "
		    "\"strict\": \"yes\"}}",
		"{\"tag\": 5, \"cmd\": \"stop\"}",
		"{\"tag\": 5, \"cmd\": \"stop\", \"ext\": {\"alias\": 1}}",
		"{\"tag\": 5, \"cmd\": \"stop\", \"ext\": {\"aliases\": \"c1\"}}",
		"{\"tag\": 5, \"cmd\": \"restart\", \"ext\": {}}",
		"{\"tag\": 5, \"cmd\": \"status\", \"ext\": {\"alias\": 5}}",
		"{\"tag\": 5, \"cmd\": \"write\", \"ext\": {\"alias\": \"c1\"}}",
		"{\"tag\": 5, \"cmd\": \"write\", \"ext\": {\"alias\": \"c1\", "
		    "\"data\": \"!!!\"}}",
		"{\"tag\": 5, \"cmd\": \"write\", \"ext\": {\"alias\": \"c1\", "
		    "\"text\": 5}}",
		"{\"tag\": 5, \"cmd\": \"write\", \"ext\": {\"text\": \"x\"}}",
		"{\"tag\": 5, \"cmd\": \"read\", \"ext\": {}}",
		"{\"tag\": 5, \"cmd\": \"read\", \"ext\": {\"alias\": \"c1\", "
		    "\"wait\": \"x\"}}",
		"{\"tag\": 5, \"cmd\": \"read\", \"ext\": {\"alias\": \"c1\", "
		    "\"max\": \"x\"}}",
		"{\"tag\": 5, \"cmd\": \"reload\", \"ext\": {\"path\": 5}}",
		"{\"tag\": 5, \"cmd\": \"reload\", \"ext\": {\"config\": 5}}",
		"{\"tag\": 5, \"cmd\": \"attach\", \"ext\": {}}",
	};
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	struct buf	 wrong;
	size_t		 i;

	cl_start(c, "cat", "c1");
	buf_init(&wrong);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cl_sendf(c, "%s\n", bad[i]);
		j = cl_json(c);
		if (!json_streq(j, json_get(j, 0, "error"), "EINVAL") ||
		    json_get(j, 0, "tag") == -1)
			buf_printf(&wrong, "  %s\n    gets %s\n", bad[i],
			    json_raw(j, 0, NULL));
	}
	if (buf_used(&wrong) > 0)
		fail_msg("not EINVAL with tag 5:\n%s",
		    (char *)d_keep(d, buf_take(&wrong)));
	buf_free(&wrong);
	/* A tag that is not an integer is a mistyped field too. */
	j_err(raw(c, "{\"tag\": \"x\", \"cmd\": \"hello\"}\n"), "EINVAL");
	j_err(raw(c, "{\"tag\": 1.5, \"cmd\": \"hello\"}\n"), "EINVAL");
	/* Nothing was started or stopped by any of them. */
	j = cl_call(c, "status", NULL);
	assert_int_equal(json_len(j, j_type(j, j_ok(j), "instances",
	    JSON_ARRAY)), 1);
	j_ok(cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"x\"}"));
	cl_read_expect(c, "c1", "x", 1);
}

/* Tags come back unchanged; no tag, no tag; whitespace is JSON's. */
static void
test_tags(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	int		 i;

	j = raw(c, "{\"cmd\": \"hello\"}\n");
	j_ok(j);
	has_tag(j, NO_TAG);
	j = raw(c, "{\"tag\": 0, \"cmd\": \"hello\"}\n");
	j_ok(j);
	has_tag(j, 0);
	has_tag(raw(c, "{\"tag\": -7, \"cmd\": \"hello\"}\n"), -7);
	has_tag(raw(c, "{\"tag\": 1234567890123, \"cmd\": \"hello\"}\n"),
	    1234567890123LL);
	has_tag(raw(c, "{\"tag\": 9007199254740993, \"cmd\": \"hello\"}\n"),
	    9007199254740993LL);
	/* Members in any order, JSON whitespace around them and a CR. */
	j = raw(c, " \t{ \"ext\" : { } , \"cmd\":\"hello\",\"tag\":3 } \r\n");
	j_ok(j);
	has_tag(j, 3);
	/* The same tag twice is the client's business: two replies. */
	cl_sendf(c, "{\"tag\": 4, \"cmd\": \"hello\"}\n"
	    "{\"tag\": 4, \"cmd\": \"apps\"}\n");
	for (i = 0; i < 2; i++) {
		j = cl_json(c);
		j_ok(j);
		has_tag(j, 4);
	}
}

/* A line over PROTO_LINE_MAX: one EPROTO, the connection closed; others go on. */
static void
test_oversized_line(void **state)
{
	struct daemon	*d = *state;
	struct client	*big, *other = cl_open(d), *late;
	struct json	*j;
	char		*chunk, *line;
	size_t		 sent = 0, total = 2 * 1024 * 1024;
	int		 nreplies = 0;

	j_ok(cl_call(other, "hello", NULL));
	big = cl_open(d);
	assert_non_null(chunk = d_keep(d, malloc(65536)));
	memset(chunk, 'x', 65536);
	memcpy(chunk, "{\"tag\": 1, \"cmd\": \"", 19);
	/* Write 2 MiB with no newline, reading meanwhile. */
	while (sent < total && !big->eof) {
		if (cl_send_try(big, chunk, 65536) == -1)
			break;
		sent += 65536;
		memset(chunk, 'x', 32);
		cl_fill(big, 0);
	}
	/* The other client is served meanwhile. */
	j_ok(cl_call(other, "hello", NULL));
	while ((line = cl_line(big)) != NULL) {
		if ((j = json_parse(line, strlen(line), NULL, 0)) == NULL)
			fail_msg("not JSON: %.200s", line);
		d_keepj(d, j);
		j_err(j, "EPROTO");
		nreplies++;
	}
	assert_int_equal(nreplies, 1);
	assert_true(big->eof);
	cl_close(big);
	j_ok(cl_call(other, "hello", NULL));
	late = cl_open(d);
	j_ok(cl_call(late, "hello", NULL));
}

/* A line of exactly up to the limit is fine (a long but legal request). */
static void
test_long_line_ok(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct json	*j;
	char		*text;
	size_t		 n = 600 * 1024;

	cl_start(c, "cat", "c1");
	assert_non_null(text = d_keep(d, malloc(n + 1)));
	memset(text, 'a', n);
	text[n] = '\0';
	j = cl_call(c, "write", "{\"alias\": \"c1\", \"text\": \"%s\"}", text);
	assert_int_equal(j_ok_int(j, "written"), (long long)n);
}

/* 100 requests in one write: 100 replies, every tag exactly once. */
static void
test_pipelined(void **state)
{
	static const char *const cmds[] = { "hello", "status", "apps",
	    "frobnicate" };
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	struct buf	 b;
	struct json	*j;
	char		 seen[100] = { 0 };
	long long	 t;
	int		 i;

	cl_start(c, "cat", "c1");
	buf_init(&b);
	/* Tag 0 waits, so the others overtake it. */
	buf_printf(&b, "{\"tag\": 0, \"cmd\": \"read\", \"ext\": {\"alias\": "
	    "\"c1\", \"wait\": 0.5}}\n");
	for (i = 1; i < 100; i++)
		buf_printf(&b, "{\"tag\": %d, \"cmd\": \"%s\"}\n", i,
		    cmds[i % 4]);
	cl_send(c, buf_head(&b), buf_used(&b));
	buf_free(&b);
	for (i = 0; i < 100; i++) {
		j = cl_json(c);
		t = j_int(j, 0, "tag");
		assert_true(t >= 0 && t < 100);
		if (seen[t]++)
			fail_msg("tag %lld came twice", t);
		if (t % 4 == 3)
			j_err(j, "ENOCMD");
		else
			j_ok(j);
	}
	/* Nothing more. */
	j_ok(cl_call(c, "hello", NULL));
}

/* Requests split across writes at every byte are put back together. */
static void
test_split_request(void **state)
{
	struct daemon	*d = *state;
	struct client	*c = cl_open(d);
	const char	*req = "{\"tag\": 9, \"cmd\": \"hello\"}\n"
			    "{\"tag\": 10, \"cmd\": \"apps\"}\n";
	size_t		 i;

	for (i = 0; req[i] != '\0'; i++) {
		cl_send(c, req + i, 1);
		if (i % 8 == 0)
			usleep(2000);
	}
	has_tag(cl_json(c), 9);
	has_tag(cl_json(c), 10);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bad_json),
		T(test_not_object),
		T(test_enocmd),
		T(test_einval),
		T(test_tags),
		T(test_oversized_line),
		T(test_long_line_ok),
		T(test_pipelined),
		T(test_split_request),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
