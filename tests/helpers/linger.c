/*
 * linger.c: a new binary whose --version answers as a runnerd's does and
 * exits 0, but leaves a child holding its output open (test_upgrade_races:
 * the check is given up after 5 s, told apart from one that never
 * answered, and the child is killed with its process group).
 */

#include <stdio.h>
#include <unistd.h>

int
main(void)
{
	printf("runnerd linger (protocol 10, handover 1)\n");
	fflush(stdout);
	if (fork() == 0)
		for (;;)
			pause();
	return (0);
}
