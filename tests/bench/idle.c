/*
 * idle.c: the service every supervisor runs in `make bench`.  It waits
 * for a signal and dies of it (SIGTERM's default action), ignoring any
 * arguments, so s6 and runit can run it as ./run (a symlink) and
 * runnerd and supervisord as a command: the same binary everywhere, with
 * no shell in front of it for anyone.
 */

#include <unistd.h>

int
main(void)
{
	for (;;)
		pause();
}
