/*
 * prom.c: the Prometheus text exposition format (version 0.0.4), the
 * writing side only: a family's HELP and TYPE lines, and a sample with
 * its labels, escaped as the format says.  runnerd's metrics
 * (runnerd/metrics.c) gather the values; this file owns the syntax, so
 * the escaping is tested alone (tests/unit/test_prom.c) and cannot
 * differ between the metrics command and the HTTP endpoint.
 *
 * Escaping, from the format's definition: in a label value a backslash,
 * a double quote and a newline are written \\, \" and \n; in HELP text
 * a backslash and a newline are.  Nothing else is: the format is UTF-8
 * and takes any other byte as it is.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "runner-int.h"

static void	 prom_escape(struct buf *, const char *, int);

/* s into b, escaped (quote: a label value, which escapes '"' too). */
static void
prom_escape(struct buf *b, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_adds(b, "\\\\");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if (*s == '"' && quote)
			buf_adds(b, "\\\"");
		else
			buf_addc(b, *s);
	}
}

/* A family's head: "# HELP name help" and "# TYPE name type". */
void
prom_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s ", name);
	prom_escape(b, help, 0);
	buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/*
 * A sample: name{k="v",...} value.  labels holds key, value pairs and
 * ends with NULL (NULL itself: none).  The value is written as the
 * shortest of %.15g and %.17g that reads back the same, so counters
 * and byte counts stay whole numbers, and NaN and the infinities as the
 * format spells them.
 */
void
prom_sample(struct buf *b, const char *name, const char *const *labels,
    double v)
{
	char	 num[64];
	int	 k;

	buf_adds(b, name);
	if (labels != NULL && labels[0] != NULL) {
		buf_addc(b, '{');
		for (k = 0; labels[k] != NULL && labels[k + 1] != NULL;
		    k += 2) {
			buf_printf(b, "%s%s=\"", k > 0 ? "," : "", labels[k]);
			prom_escape(b, labels[k + 1], 1);
			buf_addc(b, '"');
		}
		buf_addc(b, '}');
	}
	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), "%s", v > 0 ? "+Inf" : "-Inf");
	else {
		snprintf(num, sizeof(num), "%.15g", v);
		if (strtod(num, NULL) != v)
			snprintf(num, sizeof(num), "%.17g", v);
	}
	buf_printf(b, " %s\n", num);
}
