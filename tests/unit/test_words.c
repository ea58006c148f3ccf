/*
 * test_words.c: cmocka tests for words.c, the sh-like splitter of command
 * strings (quotes and backslashes, no expansion, shell operators refused)
 * and the argv helpers.  One function per behaviour; every error message
 * is compared exactly because users read them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

#define SHELL_HINT "commands never run through a shell; quote it, " \
	"or write [\"sh\", \"-c\", \"...\"]"

static void	 check_split(const char *, const char *const *);
static void	 check_error(const char *, const char *);

/* Split s and compare with the NULL-terminated want. */
static void
check_split(const char *s, const char *const *want)
{
	char	  err[256] = "";
	char	**v;
	size_t	  i;

	v = words_split(s, err, sizeof(err));
	if (v == NULL)
		fail_msg("words_split(\"%s\") failed: %s", s, err);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], want[i]);
	}
	assert_null(v[i]);
	assert_int_equal(argv_len(v), i);
	argv_free(v);
}

/* Splitting s must fail with exactly msg. */
static void
check_error(const char *s, const char *msg)
{
	char	  err[256] = "";
	char	**v;

	v = words_split(s, err, sizeof(err));
	if (v != NULL) {
		argv_free(v);
		fail_msg("words_split(\"%s\") succeeded", s);
	}
	assert_string_equal(err, msg);
}

static void
test_plain_words(void **state)
{
	(void)state;
	check_split("cat", (const char *[]){ "cat", NULL });
	check_split("cat -u file", (const char *[]){ "cat", "-u", "file",
	    NULL });
}

static void
test_blanks_separate(void **state)
{
	(void)state;
	check_split("  a \t b\n\nc  \t\n", (const char *[]){ "a", "b", "c",
	    NULL });
}

static void
test_single_quotes_literal(void **state)
{
	(void)state;
	check_split("'a  b' '\\n $x \"y\" | ; #'", (const char *[]){ "a  b",
	    "\\n $x \"y\" | ; #", NULL });
}

static void
test_double_quotes_escapes(void **state)
{
	(void)state;
	check_split("\"a\\$b\\`c\\\"d\\\\e\"", (const char *[]){
	    "a$b`c\"d\\e", NULL });
}

static void
test_double_quotes_other_backslash_kept(void **state)
{
	(void)state;
	check_split("\"a\\nb\\'c\\ d\"", (const char *[]){ "a\\nb\\'c\\ d",
	    NULL });
}

static void
test_double_quotes_backslash_newline(void **state)
{
	(void)state;
	check_split("\"ab\\\ncd\"", (const char *[]){ "abcd", NULL });
}

static void
test_double_quotes_keep_operators(void **state)
{
	(void)state;
	check_split("\"a | b; c & d > e $HOME `x` (y) #z\"", (const char *[]){
	    "a | b; c & d > e $HOME `x` (y) #z", NULL });
}

static void
test_backslash_escapes(void **state)
{
	(void)state;
	check_split("a\\ b \\| \\$x \\# \\\\ \\'q\\\"", (const char *[]){
	    "a b", "|", "$x", "#", "\\", "'q\"", NULL });
}

static void
test_backslash_newline_vanishes(void **state)
{
	(void)state;
	check_split("ab\\\ncd", (const char *[]){ "abcd", NULL });
	check_split("a \\\n b", (const char *[]){ "a", "b", NULL });
}

static void
test_adjacent_parts_join(void **state)
{
	(void)state;
	check_split("a\"b\"'c'd", (const char *[]){ "abcd", NULL });
	check_split("--opt='x y'", (const char *[]){ "--opt=x y", NULL });
}

static void
test_empty_quotes_make_words(void **state)
{
	(void)state;
	check_split("\"\" ''", (const char *[]){ "", "", NULL });
	check_split("x '' y", (const char *[]){ "x", "", "y", NULL });
}

static void
test_hash_inside_word_literal(void **state)
{
	(void)state;
	check_split("a#b ''#c", (const char *[]){ "a#b", "#c", NULL });
}

static void
test_glob_chars_literal(void **state)
{
	(void)state;
	check_split("* ? [a] ~ {x,y} a=b", (const char *[]){ "*", "?", "[a]",
	    "~", "{x,y}", "a=b", NULL });
}

static void
test_operator_message(void **state)
{
	(void)state;
	check_error("echo hi | cat", "unquoted '|' at column 9: " SHELL_HINT);
}

static void
test_every_operator_refused(void **state)
{
	const char	*ops = "|&;<>()$`";
	char		 s[16], msg[256];

	(void)state;
	for (; *ops != '\0'; ops++) {
		snprintf(s, sizeof(s), "ab c%cd", *ops);
		snprintf(msg, sizeof(msg), "unquoted '%c' at column 5: "
		    SHELL_HINT, *ops);
		check_error(s, msg);
	}
}

static void
test_hash_starting_word_refused(void **state)
{
	(void)state;
	check_error("#x", "unquoted '#' at column 1: " SHELL_HINT);
	check_error("cat #comment", "unquoted '#' at column 5: " SHELL_HINT);
}

static void
test_unterminated_single_quote(void **state)
{
	(void)state;
	check_error("echo 'abc", "unterminated single quote");
}

static void
test_unterminated_double_quote(void **state)
{
	(void)state;
	check_error("echo \"abc", "unterminated double quote");
	check_error("echo \"abc\\\"", "unterminated double quote");
	check_error("echo \"abc\\", "unterminated double quote");
}

static void
test_trailing_backslash(void **state)
{
	(void)state;
	check_error("echo abc\\", "trailing backslash");
}

static void
test_empty_command(void **state)
{
	(void)state;
	check_error("", "empty command");
	check_error(" \t\n ", "empty command");
	check_error(" \\\n ", "empty command");
}

static void
test_null_err_tolerated(void **state)
{
	(void)state;
	assert_null(words_split("a |", NULL, 0));
	assert_null(words_split("", NULL, 0));
}

static void
test_argv_dup(void **state)
{
	char	**v, **d;

	(void)state;
	v = words_split("a 'b c' \"\"", NULL, 0);
	assert_non_null(v);
	d = argv_dup(v);
	assert_non_null(d);
	assert_int_equal(argv_len(d), 3);
	assert_ptr_not_equal(d[0], v[0]);
	assert_string_equal(d[0], "a");
	assert_string_equal(d[1], "b c");
	assert_string_equal(d[2], "");
	assert_null(d[3]);
	argv_free(v);
	argv_free(d);
}

static void
test_argv_dup_null_is_empty(void **state)
{
	char	**d;

	(void)state;
	d = argv_dup(NULL);
	assert_non_null(d);
	assert_null(d[0]);
	argv_free(d);
}

static void
test_argv_concat(void **state)
{
	const char	*extra[] = { "-x", "y z", NULL };
	char		**v, **c;

	(void)state;
	v = words_split("cmd arg", NULL, 0);
	assert_non_null(v);
	c = argv_concat(v, extra);
	assert_non_null(c);
	assert_int_equal(argv_len(c), 4);
	assert_string_equal(c[0], "cmd");
	assert_string_equal(c[1], "arg");
	assert_string_equal(c[2], "-x");
	assert_string_equal(c[3], "y z");
	assert_null(c[4]);
	assert_ptr_not_equal(c[2], extra[0]);
	argv_free(v);
	argv_free(c);
}

static void
test_argv_concat_null_extra(void **state)
{
	char	**v, **c;

	(void)state;
	v = words_split("cmd", NULL, 0);
	assert_non_null(v);
	c = argv_concat(v, NULL);
	assert_non_null(c);
	assert_int_equal(argv_len(c), 1);
	assert_string_equal(c[0], "cmd");
	argv_free(v);
	argv_free(c);
}

static void
test_argv_len_and_free_null(void **state)
{
	(void)state;
	assert_int_equal(argv_len(NULL), 0);
	argv_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words),
		cmocka_unit_test(test_blanks_separate),
		cmocka_unit_test(test_single_quotes_literal),
		cmocka_unit_test(test_double_quotes_escapes),
		cmocka_unit_test(test_double_quotes_other_backslash_kept),
		cmocka_unit_test(test_double_quotes_backslash_newline),
		cmocka_unit_test(test_double_quotes_keep_operators),
		cmocka_unit_test(test_backslash_escapes),
		cmocka_unit_test(test_backslash_newline_vanishes),
		cmocka_unit_test(test_adjacent_parts_join),
		cmocka_unit_test(test_empty_quotes_make_words),
		cmocka_unit_test(test_hash_inside_word_literal),
		cmocka_unit_test(test_glob_chars_literal),
		cmocka_unit_test(test_operator_message),
		cmocka_unit_test(test_every_operator_refused),
		cmocka_unit_test(test_hash_starting_word_refused),
		cmocka_unit_test(test_unterminated_single_quote),
		cmocka_unit_test(test_unterminated_double_quote),
		cmocka_unit_test(test_trailing_backslash),
		cmocka_unit_test(test_empty_command),
		cmocka_unit_test(test_null_err_tolerated),
		cmocka_unit_test(test_argv_dup),
		cmocka_unit_test(test_argv_dup_null_is_empty),
		cmocka_unit_test(test_argv_concat),
		cmocka_unit_test(test_argv_concat_null_extra),
		cmocka_unit_test(test_argv_len_and_free_null),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
