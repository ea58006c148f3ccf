/*
 * fuzz_words.c: libFuzzer target for words.c, the sh-like splitting of a
 * command string: any bytes in, an argv or a message out.  What comes
 * out is checked, not only survived: every word quoted back the way sh
 * quotes ('...', with ' as '\'') and split again must give the same
 * argv; and the argv goes through the helpers the daemon uses on it
 * (dup, concat with a start's extra args, len, free).
 */

#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static char	*requote(char *const *);
static void	 same(char *const *, char *const *);

/* The words of v, each single-quoted, joined by blanks. */
static char *
requote(char *const *v)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b);
	for (; *v != NULL; v++) {
		buf_addc(&b, '\'');
		for (p = *v; *p != '\0'; p++) {
			if (*p == '\'')
				buf_adds(&b, "'\\''");
			else
				buf_addc(&b, *p);
		}
		buf_adds(&b, "' ");
	}
	if (b.failed)
		abort();
	return (buf_take(&b));
}

static void
same(char *const *a, char *const *b)
{
	size_t	 k;

	for (k = 0; a[k] != NULL && b[k] != NULL; k++)
		if (strcmp(a[k], b[k]) != 0)
			abort();
	if (a[k] != NULL || b[k] != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const extra[] = { "--", "x y", NULL };
	char		 err[256], *s, *q, **v, **again, **d, **cat;
	size_t		 n;

	s = sandbox_cstr(data, size);
	err[0] = '\0';
	if ((v = words_split(s, err, sizeof(err))) == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();	/* refused, but without saying why */
		free(s);
		return (0);
	}
	n = argv_len(v);
	q = requote(v);
	if ((again = words_split(q, err, sizeof(err))) == NULL)
		abort();
	same(v, again);
	if ((d = argv_dup(v)) == NULL)
		abort();
	same(v, d);
	if ((cat = argv_concat(v, extra)) == NULL || argv_len(cat) != n + 2 ||
	    strcmp(cat[n + 1], "x y") != 0)
		abort();
	argv_free(cat);
	argv_free(d);
	argv_free(again);
	argv_free(v);
	free(q);
	free(s);
	return (0);
}
