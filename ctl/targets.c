/*
 * targets.c: which instances a command's words name.  A word is an
 * instance's alias, else an app's name (all of that app's instances:
 * `stop lots` is lots-1..lots-N), else left as it is for runnerd to
 * judge (its ENOALIAS names the word); --all is every instance.  For
 * commands about processes (stop, kill), an app's name and --all leave
 * out the instances that have ended (stopped, exited, failed: listed
 * until removed), which have none; for rm, which forgets ended ones,
 * they leave out those that have not.  An alias named is always kept.  Lists
 * are in natural order, digits compared as numbers (lots-2 before
 * lots-10), as a person counts them.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "runnerctl.h"

/* An instance node and its alias, sorted together (targets_match). */
struct targets_named {
	char	*alias;
	int	 in;
};

static int	targets_by_alias(const void *, const void *);
static char	*targets_alias(struct json *, int);
static void	 targets_sort(struct json *, int *, int);
static int	 targets_ended(struct json *, int);

/*
 * strcmp, except that runs of digits compare as numbers: "lots-2" <
 * "lots-10", "a01" = "a1" by value (then the shorter run first).
 */
int
targets_natcmp(const char *a, const char *b)
{
	size_t	 na, nb, za, zb;
	int	 c;

	while (*a != '\0' && *b != '\0') {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			za = strspn(a, "0");
			zb = strspn(b, "0");
			na = strspn(a + za, "0123456789");
			nb = strspn(b + zb, "0123456789");
			if (na != nb)
				return (na < nb ? -1 : 1);
			if ((c = strncmp(a + za, b + zb, na)) != 0)
				return (c);
			if (za != zb)
				return (za < zb ? -1 : 1);
			a += za + na;
			b += zb + nb;
			continue;
		}
		if (*a != *b)
			return ((unsigned char)*a < (unsigned char)*b ? -1 : 1);
		a++;
		b++;
	}
	return (*a == *b ? 0 : *a == '\0' ? -1 : 1);
}

/* qsort's order of instance nodes of a status reply: by alias. */
static int
targets_by_alias(const void *x, const void *y)
{
	return (targets_natcmp(((const struct targets_named *)x)->alias,
	    ((const struct targets_named *)y)->alias));
}

/* The alias of instance node in of a status reply, malloc'd. */
static char *
targets_alias(struct json *r, int in)
{
	char	*s;

	if ((s = json_str(r, json_get(r, in, "alias"), NULL)) == NULL)
		s = out_oom(strdup(""));
	return (s);
}

/* Has instance node in of a status reply ended (no process to come)? */
static int
targets_ended(struct json *r, int in)
{
	int	 st = json_get(r, in, "state");

	return (json_streq(r, st, "stopped") || json_streq(r, st,
	    "exited") || json_streq(r, st, "failed"));
}

/*
 * The status of every instance: 0 with *r the reply, else the exit
 * status (said).
 */
int
targets_list(struct ctl *ctl, struct json **r)
{
	struct buf	 ext;
	int		 rc;

	buf_init(&ext);
	buf_adds(&ext, "{}");
	rc = conn_ask(ctl, "status", &ext, r);
	buf_free(&ext);
	return (rc);
}

/*
 * The instance nodes of status reply r that word names (NULL: all), in
 * natural order, into idx (room for every instance): their count; 0
 * when word is neither an alias nor an app with instances.
 */
int
targets_match(struct json *r, const char *word, int *idx)
{
	int	 v = json_get(r, 0, "instances"), in, i, n = 0;

	for (i = 0; word != NULL && i < json_len(r, v); i++) {
		in = json_at(r, v, i);
		if (json_streq(r, json_get(r, in, "alias"), word)) {
			idx[0] = in;
			return (1);
		}
	}
	for (i = 0; i < json_len(r, v); i++) {
		in = json_at(r, v, i);
		if (word == NULL || json_streq(r, json_get(r, in, "app"), word))
			idx[n++] = in;
	}
	targets_sort(r, idx, n);
	return (n);
}

/*
 * Sort the n instance nodes idx of reply r by alias, each alias read
 * once rather than at each comparison, and not at all sorted when they
 * come in order already (runnerd lists an app's instances in order).
 */
static void
targets_sort(struct json *r, int *idx, int n)
{
	struct targets_named	*v;
	int			 i, sorted = 1;

	if (n < 2)
		return;
	v = out_oom(calloc((size_t)n, sizeof(*v)));
	for (i = 0; i < n; i++) {
		v[i].in = idx[i];
		v[i].alias = targets_alias(r, idx[i]);
		if (i > 0 && sorted && targets_natcmp(v[i - 1].alias,
		    v[i].alias) > 0)
			sorted = 0;
	}
	if (!sorted)
		qsort(v, (size_t)n, sizeof(*v), targets_by_alias);
	for (i = 0; i < n; i++) {
		idx[i] = v[i].in;
		free(v[i].alias);
	}
	free(v);
}

/*
 * The aliases words[0..nwords) name, or every instance's with all: a
 * NULL-terminated list (targets_free), each once, in the words' order;
 * *n their count.  An app's name and all stand for the instances that
 * which says.  NULL with *rc the exit status when runnerd could not be
 * asked.
 */
char **
targets_expand(struct ctl *ctl, char **words, int nwords, int all,
    enum targets_which which, int *n, int *rc)
{
	struct json	*r;
	char		**list;
	int		*idx, v, i, j, k, m;

	*n = 0;
	if ((*rc = targets_list(ctl, &r)) != 0)
		return (NULL);
	v = json_get(r, 0, "instances");
	idx = out_oom(calloc((size_t)json_len(r, v) + 1, sizeof(*idx)));
	list = out_oom(calloc((size_t)json_len(r, v) + (size_t)nwords + 1,
	    sizeof(*list)));
	for (i = 0; i < (all ? 1 : nwords); i++) {
		if ((m = targets_match(r, all ? NULL : words[i], idx)) == 0 &&
		    !all) {
			list[(*n)++] = out_oom(strdup(words[i]));
			continue;
		}
		for (k = 0; k < m; k++) {
			char *a;

			/* One node and the word is its alias: named. */
			if (which != TARGETS_ANY && (which == TARGETS_LIVE) ==
			    targets_ended(r, idx[k]) && (all || m > 1 ||
			    !json_streq(r, json_get(r, idx[k], "alias"),
			    words[i])))
				continue;
			a = targets_alias(r, idx[k]);

			for (j = 0; j < *n && strcmp(list[j], a) != 0; j++)
				;
			if (j < *n)
				free(a);
			else
				list[(*n)++] = a;
		}
	}
	free(idx);
	json_free(r);
	return (list);
}

/* Free a list from targets_expand. */
void
targets_free(char **list)
{
	size_t	 i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}
