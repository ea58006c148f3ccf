/*
 * output.c: how runnerctl shows things.  Aligned tables (status, apps),
 * durations and exit statuses in the short forms ps and systemctl users
 * read at a glance, reply values as text (control bytes escaped, so a
 * name cannot move the cursor or forge a line), words quoted as sh(1)
 * reads them, JSON lines for --json, and raw writes that finish even on
 * a non-blocking stdout.
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runnerctl.h"

#define TABLE_GAP	2	/* spaces between columns */

/* Rows of cells, the first the header; printed with columns aligned. */
struct table {
	size_t	 ncols;
	char	**cells;	/* nrows * ncols strings, row by row */
	const char **sgr;	/* per cell: an SGR colour, or NULL */
	size_t	 nrows;
	size_t	 cap;		/* rows allocated */
};

/* A table with a header of NULL-terminated column names. */
struct table *
table_new(const char *const *header)
{
	struct table	*t;

	t = out_oom(calloc(1, sizeof(*t)));
	while (header[t->ncols] != NULL)
		t->ncols++;
	table_add(t, header);
	return (t);
}

/* Append a row of exactly ncols cells (copied; NULL shows as "-"). */
void
table_add(struct table *t, const char *const *row)
{
	size_t	 i;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 8 : t->cap * 2;
		t->cells = out_oom(reallocarray(t->cells, t->cap * t->ncols,
		    sizeof(*t->cells)));
		t->sgr = out_oom(reallocarray(t->sgr, t->cap * t->ncols,
		    sizeof(*t->sgr)));
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] =
		    out_oom(strdup(row[i] != NULL ? row[i] : "-"));
		t->sgr[t->nrows * t->ncols + i] = NULL;
	}
	t->nrows++;
}

/* Colour cell col of the last row with an SGR code ("32": green). */
void
table_colour(struct table *t, size_t col, const char *sgr)
{
	t->sgr[(t->nrows - 1) * t->ncols + col] = sgr;
}

/*
 * Colour only for a person at a terminal who has not asked for none
 * (https://no-color.org: NO_COLOR set and not empty), never in a pipe.
 */
int
out_colour(FILE *f)
{
	const char	*nc = getenv("NO_COLOR"), *term = getenv("TERM");

	return (isatty(fileno(f)) && (nc == NULL || nc[0] == '\0') &&
	    (term == NULL || strcmp(term, "dumb") != 0));
}

/*
 * Print the table, each column as wide as its widest cell plus a gap;
 * the last column (and empty ones ending a row) is not padded, so lines
 * carry no trailing blanks.  Built whole in memory and written at once:
 * a status of 1000 instances spent more in fprintf's padding than in
 * anything else it printed (fast20).
 */
void
table_print(struct table *t, FILE *f)
{
	static const char spaces[64] = "                                "
	    "                                ";
	struct buf	 out;
	size_t		*width, *len, r, c, n, pad, last;
	const char	*sgr, *cell;
	int		 colour = out_colour(f);

	width = out_oom(calloc(t->ncols, sizeof(*width)));
	len = out_oom(calloc(t->nrows * t->ncols, sizeof(*len)));
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			n = len[r * t->ncols + c] =
			    strlen(t->cells[r * t->ncols + c]);
			if (n > width[c])
				width[c] = n;
		}
	}
	buf_init(&out);
	for (r = 0; r < t->nrows; r++) {
		/* Empty cells at the end of a row: no padding before them. */
		for (last = t->ncols; last > 1 &&
		    t->cells[r * t->ncols + last - 1][0] == '\0'; last--)
			;
		for (c = 0; c < last; c++) {
			cell = t->cells[r * t->ncols + c];
			n = len[r * t->ncols + c];
			sgr = colour ? t->sgr[r * t->ncols + c] : NULL;
			/* The codes go around the text, the padding after. */
			if (sgr != NULL) {
				buf_adds(&out, "\033[");
				buf_adds(&out, sgr);
				buf_addc(&out, 'm');
			}
			buf_add(&out, cell, n);
			if (sgr != NULL)
				buf_adds(&out, "\033[0m");
			if (c + 1 == last)
				continue;
			for (pad = width[c] + TABLE_GAP - n; pad > 0;
			    pad -= n) {
				n = pad < sizeof(spaces) ? pad : sizeof(spaces);
				buf_add(&out, spaces, n);
			}
		}
		buf_addc(&out, '\n');
	}
	if (out.failed)
		out_oom(NULL);
	fwrite(buf_head(&out), 1, buf_used(&out), f);
	buf_free(&out);
	free(len);
	free(width);
}

/* Free a table and its cells. */
void
table_free(struct table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->sgr);
	free(t);
}

/*
 * A number of seconds in two units at most, the larger first: 45s,
 * 12m03s, 3h07m, 2d04h; "-" when v is not a number.
 */
char *
out_uptime(const struct json *doc, int v, char *s, size_t len)
{
	double		 d;
	long long	 t;

	if (json_double(doc, v, &d) == -1 || d < 0) {
		snprintf(s, len, "-");
		return (s);
	}
	t = (long long)d;
	if (t < 60)
		snprintf(s, len, "%llds", t);
	else if (t < 3600)
		snprintf(s, len, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(s, len, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else
		snprintf(s, len, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
	return (s);
}

/*
 * A last exit status, {"code": N} or {"signal": "SIGKILL"} (a number is
 * named when we know it), as "N" or the signal's name; "-" for none.
 */
char *
out_exit(const struct json *doc, int v, char *s, size_t len)
{
	const char	*name;
	long long	 n;
	int		 sig;

	if (json_type(doc, (sig = json_get(doc, v, "signal"))) == JSON_NUMBER &&
	    json_int(doc, sig, &n) == 0 &&
	    (name = signal_name((int)n)) != NULL)
		snprintf(s, len, "%s", name);
	else if (sig != -1)
		out_value(doc, sig, s, len);
	else
		out_value(doc, json_get(doc, v, "code"), s, len);
	return (s);
}

/*
 * A scalar value as text: a string as it is, a number or boolean as
 * written, "-" for null or absent; containers show as "?".
 */
char *
out_value(const struct json *doc, int v, char *s, size_t len)
{
	const char	*raw;
	char		*str;
	size_t		 n;

	switch (json_type(doc, v)) {
	case JSON_STRING:
		str = out_oom(json_str(doc, v, NULL));
		escape_ctrl(str, s, len);
		free(str);
		break;
	case JSON_NUMBER:
	case JSON_BOOL:
		raw = json_raw(doc, v, &n);
		snprintf(s, len, "%.*s", (int)n, raw);
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		snprintf(s, len, "?");
		break;
	default:
		snprintf(s, len, "-");
	}
	return (s);
}

/*
 * "runnerctl: [what: ]message" and a newline on stderr; the message may
 * echo the user's words, so its control bytes are escaped.
 */
void
out_warnv(const char *what, const char *fmt, va_list ap)
{
	char	 msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "runnerctl: ");
	if (what != NULL)
		fprintf(stderr, "%s: ", what);
	out_escaped(stderr, msg);
	fprintf(stderr, "\n");
}

/* str to f, escaped as escape_ctrl does, however long. */
void
out_escaped(FILE *f, const char *str)
{
	char	 tmp[4 * 64 + 1];
	size_t	 n;

	/* In pieces of 64 bytes: each escapes to at most 4 a byte. */
	while (*str != '\0') {
		char	 piece[65];

		n = strlen(str) < 64 ? strlen(str) : 64;
		memcpy(piece, str, n);
		piece[n] = '\0';
		fputs(escape_ctrl(piece, tmp, sizeof(tmp)), f);
		str += n;
	}
}

/*
 * Append word to b as sh(1) reads it back as one word: as it is when it
 * holds only safe characters, else in single quotes (a quote as '\'');
 * a control byte makes it bash's $'...' with octal escapes instead, so
 * what is pasted back is the same bytes and the terminal shows no raw
 * control byte.
 */
void
out_shquote(struct buf *b, const char *word)
{
	const unsigned char	*p;
	char			 e[8];
	int			 ctrl = 0;

	if (word[0] != '\0' && strspn(word, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") ==
	    strlen(word)) {
		buf_adds(b, word);
		return;
	}
	for (p = (const unsigned char *)word; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			ctrl = 1;
	buf_adds(b, ctrl ? "$'" : "'");
	for (p = (const unsigned char *)word; *p != '\0'; p++) {
		if (*p == '\'')
			buf_adds(b, ctrl ? "\\'" : "'\\''");
		else if (ctrl && (*p == '\\' || *p < 0x20 || *p == 0x7f)) {
			snprintf(e, sizeof(e), "\\%03o", *p);
			buf_adds(b, e);
		} else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '\'');
}

/* Value v of doc as one line of JSON on stdout (--json). */
void
out_json(const struct json *doc, int v)
{
	const char	*raw;
	size_t		 n;

	if ((raw = json_raw(doc, v, &n)) == NULL)
		printf("{}\n");
	else
		printf("%.*s\n", (int)n, raw);
}

/*
 * Write all of p to fd, waiting when fd is non-blocking and full (a
 * stdout we share with others may be).  0, or -1 with errno.
 */
int
out_write(int fd, const void *p, size_t len)
{
	struct pollfd	 pfd;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n > 0) {
			p = (const char *)p + n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				return (-1);
			continue;
		}
		return (-1);
	}
	return (0);
}

/*
 * p, unless an allocation failed: a command-line tool has nothing to
 * fall back on, so it says so and exits.
 */
void *
out_oom(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "runnerctl: out of memory\n");
		exit(CTL_EXIT_REFUSED);
	}
	return (p);
}
