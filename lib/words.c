/*
 * words.c: split a command string into an argv the way POSIX sh splits
 * words, but with no expansion of any kind: quotes and backslashes are
 * honoured, nothing else is.  Commands are never run through a shell, so
 * the characters a shell would act on (| & ; < > ( ) $ ` and a # that
 * starts a word) are refused rather than passed on literally: a user who
 * writes "a | b" expects a pipeline, and silently handing "|" to the
 * program as an argument would hide the mistake.  Also the small argv
 * helpers (copy, append, length, free) the rest of the code shares.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

/* A growing NULL-terminated vector of malloc'd words. */
struct words {
	char	**v;
	size_t	  n;		/* words held, not counting the NULL */
	size_t	  cap;		/* slots allocated in v */
};

static int	 words_push(struct words *, const char *, size_t);
static size_t	 words_dquote(const char *, size_t, char *, size_t *);
static int	 words_is_blank(char);
static int	 words_is_operator(char);

/* Append a copy of the n bytes at p; -1 when memory runs out. */
static int
words_push(struct words *w, const char *p, size_t n)
{
	char	**nv, *s;
	size_t	  ncap;

	/* Keep a slot for the terminating NULL at all times. */
	if (w->n + 2 > w->cap) {
		ncap = w->cap ? w->cap * 2 : 8;
		if (ncap > SIZE_MAX / sizeof(*nv))
			return (-1);
		if ((nv = realloc(w->v, ncap * sizeof(*nv))) == NULL)
			return (-1);
		w->v = nv;
		w->cap = ncap;
		w->v[w->n] = NULL;	/* argv_free-able if malloc fails */
	}
	if ((s = malloc(n + 1)) == NULL)
		return (-1);
	memcpy(s, p, n);
	s[n] = '\0';
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
	return (0);
}

/*
 * Copy the double-quoted part whose opening quote is s[i] to word + *n.
 * Returns the index just past the closing quote, or 0 when there is none
 * (never a valid answer: the closing quote comes after the opening one).
 */
static size_t
words_dquote(const char *s, size_t i, char *word, size_t *n)
{
	for (i++; s[i] != '"'; i++) {
		if (s[i] == '\0')
			return (0);
		/*
		 * Inside double quotes sh gives a backslash meaning only
		 * before these characters (and backslash-newline vanishes);
		 * before any other it is an ordinary character.
		 */
		if (s[i] == '\\' && s[i + 1] != '\0' &&
		    strchr("$`\"\\\n", s[i + 1]) != NULL) {
			i++;
			if (s[i] != '\n')
				word[(*n)++] = s[i];
		} else
			word[(*n)++] = s[i];
	}
	return (i + 1);
}

/* The characters that separate words outside quotes. */
static int
words_is_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\n');
}

/*
 * The characters sh would treat as syntax (pipes, lists, redirections,
 * subshells, expansions).  '#' is handled apart: it only matters at the
 * start of a word.
 */
static int
words_is_operator(char c)
{
	return (c != '\0' && strchr("|&;<>()$`", c) != NULL);
}

/* Split s into a malloc'd NULL-terminated argv, or NULL with err set. */
char **
words_split(const char *s, char *err, size_t errlen)
{
	struct words	 w = { NULL, 0, 0 };
	char		*word;		/* the word being built */
	const char	*q;
	size_t		 i, len, n;
	int		 have;		/* the word exists, even if empty */
	char		 c;

	/* A word is never longer than the input, so one scratch suffices. */
	len = strlen(s);
	if ((word = malloc(len + 1)) == NULL)
		goto nomem;
	i = 0;
	for (;;) {
		while (words_is_blank(s[i]))
			i++;
		if (s[i] == '\0')
			break;
		n = 0;
		have = 0;
		while ((c = s[i]) != '\0' && !words_is_blank(c)) {
			if (c == '\'') {
				if ((q = strchr(s + i + 1, '\'')) == NULL) {
					errf(err, errlen,
					    "unterminated single quote");
					goto fail;
				}
				memcpy(word + n, s + i + 1, q - (s + i + 1));
				n += q - (s + i + 1);
				i = q - s + 1;
				have = 1;
			} else if (c == '"') {
				if ((i = words_dquote(s, i, word, &n)) == 0) {
					errf(err, errlen,
					    "unterminated double quote");
					goto fail;
				}
				have = 1;
			} else if (c == '\\') {
				if (s[i + 1] == '\0') {
					errf(err, errlen,
					    "trailing backslash");
					goto fail;
				}
				/*
				 * Backslash-newline is a line continuation:
				 * it vanishes and makes no word by itself.
				 */
				if (s[i + 1] != '\n') {
					word[n++] = s[i + 1];
					have = 1;
				}
				i += 2;
			} else if (words_is_operator(c) ||
			    (c == '#' && !have)) {
				errf(err, errlen, "unquoted '%c' at "
				    "column %zu: commands never run through a "
				    "shell; quote it, or write "
				    "[\"sh\", \"-c\", \"...\"]", c, i + 1);
				goto fail;
			} else {
				word[n++] = c;
				have = 1;
				i++;
			}
		}
		if (have && words_push(&w, word, n) == -1)
			goto nomem;
	}
	free(word);
	if (w.n == 0) {
		errf(err, errlen, "empty command");
		argv_free(w.v);
		return (NULL);
	}
	return (w.v);

nomem:
	errf(err, errlen, "out of memory");
fail:
	free(word);
	argv_free(w.v);
	return (NULL);
}

/* A deep copy of argv (NULL counts as empty); NULL when out of memory. */
char **
argv_dup(char *const *argv)
{
	return (argv_concat(argv, NULL));
}

/* A deep copy of argv followed by copies of extra (either may be NULL). */
char **
argv_concat(char *const *argv, const char *const *extra)
{
	char	**v;
	size_t	  na, ne, i;

	na = argv_len(argv);
	ne = 0;
	if (extra != NULL)
		while (extra[ne] != NULL)
			ne++;
	if (na + ne + 1 > SIZE_MAX / sizeof(*v))
		return (NULL);
	/* calloc: a partial copy is NULL-terminated for argv_free. */
	if ((v = calloc(na + ne + 1, sizeof(*v))) == NULL)
		return (NULL);
	for (i = 0; i < na + ne; i++) {
		v[i] = strdup(i < na ? argv[i] : extra[i - na]);
		if (v[i] == NULL) {
			argv_free(v);
			return (NULL);
		}
	}
	return (v);
}

/* The number of words before the NULL (0 for a NULL argv). */
size_t
argv_len(char *const *argv)
{
	size_t	 n;

	n = 0;
	if (argv != NULL)
		while (argv[n] != NULL)
			n++;
	return (n);
}

/* Free every word and the vector; NULL is fine. */
void
argv_free(char **argv)
{
	size_t	 i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
