/*
 * escape.c: control bytes written as C writes them, for whatever echoes
 * words that came from a user or a child: runnerctl's messages and
 * runnerd's log.  One line stays one line, and no byte can drive the
 * terminal or the journal that shows it.
 */

#include <stdio.h>
#include <string.h>

#include "runner-int.h"

/*
 * str into s (of len bytes, truncated), each control byte as C writes it
 * (a newline as backslash-n, ESC as backslash-033): a user's words echoed
 * back stay on one line and cannot drive the terminal.
 */
char *
escape_ctrl(const char *str, char *s, size_t len)
{
	const unsigned char	*p;
	char			 e[8];
	size_t			 n = 0, k;

	if (len == 0)
		return (s);
	for (p = (const unsigned char *)str; *p != '\0'; p++) {
		if (*p == '\n')
			snprintf(e, sizeof(e), "\\n");
		else if (*p == '\t')
			snprintf(e, sizeof(e), "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(e, sizeof(e), "\\%03o", *p);
		else {
			e[0] = (char)*p;
			e[1] = '\0';
		}
		k = strlen(e);
		if (n + k >= len)
			break;
		memcpy(s + n, e, k);
		n += k;
	}
	s[n] = '\0';
	return (s);
}
