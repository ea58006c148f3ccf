/*
 * hang.c: a program that never answers, whatever its arguments
 * (test_upgrade_fail's new binary that hangs at --version).  It forks
 * first, and both processes wait for a signal: a runnerd that gives up
 * on it has to kill its whole process group, not the pid it started.
 */

#include <unistd.h>

int
main(void)
{
	(void)fork();
	for (;;)
		pause();
}
