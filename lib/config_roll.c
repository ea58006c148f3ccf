/*
 * config_roll.c: the parsers of the options that say how a reload
 * restarts an app's instances (reload_strategy, reload_max_unavailable):
 * all at once, or rolling, a batch at a time (runnerd/roll.c).  Their
 * rows are in config_opt.c's table.
 */

#include "runner-int.h"
#include "config.h"

const char *const app_reload_strategy_names[] = { "all", "rolling", NULL };

/* reload_strategy = "all" | "rolling" */
int
opt_reload_strategy(struct load *ld, const config_setting_t *s, void *out)
{
	return (conf_choice(ld, s, app_reload_strategy_names, out));
}

/*
 * reload_max_unavailable: instances restarted at a time; more than the
 * app's instances is all of them (instances may change by a reload).
 */
int
opt_reload_max_unavailable(struct load *ld, const config_setting_t *s,
    void *out)
{
	return (opt_int(ld, s, 1, INSTANCES_MAX, out));
}
