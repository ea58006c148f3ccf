/*
 * asker.c: a child that answers runner_ask requests on stdin/stdout, for
 * the tests.  Each request line {"tag": N, "cmd": C, "ext": E} gets:
 *   echo    {"tag": N, "ok": true, "ext": E}
 *   noise   three lines that are not the reply, then the echo reply
 *   fail    {"tag": N, "ok": false, "error": "EINVAL", "message": ...}
 *   silent  nothing
 *   exit    nothing; the process exits with status 3
 *   other   an ENOCMD error reply
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner-int.h"

static void
reply(struct buf *out)
{
	buf_addc(out, '\n');
	fwrite(buf_head(out), 1, buf_used(out), stdout);
	fflush(stdout);
	buf_reset(out);
}

int
main(void)
{
	struct json	*j;
	struct buf	 out;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	long long	 tag;
	const char	*ext;
	size_t		 elen;

	buf_init(&out);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if ((j = json_parse(line, (size_t)n, NULL, 0)) == NULL ||
		    json_int(j, json_get(j, 0, "tag"), &tag) == -1) {
			json_free(j);
			continue;
		}
		ext = json_raw(j, json_get(j, 0, "ext"), &elen);
		if (json_streq(j, json_get(j, 0, "cmd"), "exit"))
			exit(3);
		if (json_streq(j, json_get(j, 0, "cmd"), "silent")) {
			json_free(j);
			continue;
		}
		if (json_streq(j, json_get(j, 0, "cmd"), "noise")) {
			printf("not json at all\n");
			printf("{\"tag\": %lld, \"ok\": true, \"ext\": "
			    "\"wrong\"}\n", tag + 1000);
			printf("{\"event\": \"tick\"}\n");
		}
		jw_open(&out, '{');
		jw_key(&out, "tag");
		jw_int(&out, tag);
		if (json_streq(j, json_get(j, 0, "cmd"), "echo") ||
		    json_streq(j, json_get(j, 0, "cmd"), "noise")) {
			jw_key(&out, "ok");
			jw_bool(&out, 1);
			if (ext != NULL) {
				jw_key(&out, "ext");
				jw_raw(&out, ext, elen);
			}
		} else if (json_streq(j, json_get(j, 0, "cmd"), "fail")) {
			jw_key(&out, "ok");
			jw_bool(&out, 0);
			jw_key(&out, "error");
			jw_str(&out, "EINVAL");
			jw_key(&out, "message");
			jw_str(&out, "you asked for it");
		} else {
			jw_key(&out, "ok");
			jw_bool(&out, 0);
			jw_key(&out, "error");
			jw_str(&out, "ENOCMD");
			jw_key(&out, "message");
			jw_str(&out, "unknown command");
		}
		jw_close(&out, '}');
		reply(&out);
		json_free(j);
	}
	free(line);
	buf_free(&out);
	return (0);
}
