/*
 * fuzz_state.c: libFuzzer target for the configuration state an upgrade
 * carries across runnerd's exec (config_state.c): text in, a
 * configuration or a message out.  A state that reads must write back
 * as a text that reads to the same text again (write after read is a
 * fixed point): the reader accepted nothing the writer cannot say.
 */

#include <stdlib.h>
#include <string.h>

#include "runner-int.h"
#include "fuzz.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sandbox_init("fuzz_state");
	return (0);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct config	*cfg, *again;
	struct buf	 one, two;
	char		 err[RUNNER_ERRMSG_MAX];

	err[0] = '\0';
	if ((cfg = config_state_read((const char *)data, size, err,
	    sizeof(err))) == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();	/* refused, but without saying why */
		return (0);
	}
	buf_init(&one);
	buf_init(&two);
	if (config_state_write(cfg, &one) == -1 ||
	    (again = config_state_read(buf_head(&one), buf_used(&one), err,
	    sizeof(err))) == NULL)
		sandbox_fail("a state read does not read back: %s", err);
	if (config_state_write(again, &two) == -1 ||
	    buf_used(&one) != buf_used(&two) ||
	    memcmp(buf_head(&one), buf_head(&two), buf_used(&one)) != 0)
		sandbox_fail("write after read is not a fixed point");
	config_free(again);
	config_free(cfg);
	buf_free(&one);
	buf_free(&two);
	return (0);
}
