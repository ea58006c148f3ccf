/*
 * fuzz_config.c: libFuzzer target for the configuration parser: text in,
 * a configuration or a file:line message out, through config_load_text,
 * the entry point of runner_update_config and of reload with "config".
 * A configuration that loads is also looked up app by app and its
 * signal names turned back into numbers, as runnerd and runnerctl do.
 * A file it names (env_file) is only read, and only if it is a
 * regular file (sandbox.c); @include is libconfig's own and unfenced,
 * as for any configuration.
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
	sandbox_init("fuzz_config");
	return (0);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct config	*cfg;
	char		 err[RUNNER_ERRMSG_MAX], *text;
	size_t		 k;

	text = sandbox_cstr(data, size);
	err[0] = '\0';
	if ((cfg = config_load_text(text, err, sizeof(err))) != NULL) {
		for (k = 0; k < cfg->napps; k++) {
			if (config_app(cfg, cfg->apps[k].name) == NULL)
				abort();
			if (signal_name(cfg->apps[k].stop_signal) != NULL &&
			    signal_from_name(signal_name(
			    cfg->apps[k].stop_signal)) !=
			    cfg->apps[k].stop_signal)
				abort();
		}
		config_free(cfg);
	} else if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
		abort();	/* refused, but without saying why */
	free(text);
	return (0);
}
