/*
 * json_check.h: checks shared by the JSON reader's and writer's tests.
 */

#ifndef JSON_CHECK_H
#define JSON_CHECK_H

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Parse s, failing the test with the message if it is refused. */
static inline struct json *
parse(const char *s)
{
	struct json	*doc;
	char		 err[256] = "";

	if ((doc = json_parse(s, strlen(s), err, sizeof(err))) == NULL)
		fail_msg("json_parse(%s) failed: %s", s, err);
	return (doc);
}

/* Value v must be a string of exactly want[0..wlen). */
static inline void
check_str(struct json *doc, int v, const char *want, size_t wlen)
{
	char	*s;
	size_t	 len = 12345;

	assert_int_equal(json_type(doc, v), JSON_STRING);
	s = json_str(doc, v, &len);
	assert_non_null(s);
	assert_int_equal(len, wlen);
	assert_memory_equal(s, want, wlen);
	assert_int_equal(s[len], '\0');
	free(s);
}

/* The buffer's text, checking that nothing failed. */
static inline const char *
written(struct buf *b)
{
	assert_false(b->failed);
	return (buf_cstr(b));
}

#endif /* JSON_CHECK_H */
