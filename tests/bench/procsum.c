/*
 * procsum.c: what a supervisor costs the machine, summed over all its
 * processes, read from /proc.
 *
 *	procsum [-c comm] pid ...
 *
 * Prints one line: "procs rss_kib pss_kib switches": the number of
 * processes, their resident and proportional set sizes (smaps_rollup)
 * and their context switches so far (voluntary + involuntary, every
 * thread: how often they were scheduled).  The processes are the pids
 * given and, with -c, their children named comm: s6-svscan and every
 * s6-supervise, runsvdir and every runsv.  Exit 1 when a pid is gone.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sum {
	long	 procs, rss, pss, sw;
};

/* The value of the line "key: N" in file path, summed over matches. */
static long
field(const char *path, const char *key, long *out)
{
	char	 line[512];
	size_t	 len = strlen(key);
	FILE	*fp;
	long	 v = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, len) == 0 && line[len] == ':')
			v += strtol(line + len + 1, NULL, 10);
	fclose(fp);
	*out += v;
	return (0);
}

static int
add(long pid, struct sum *s)
{
	char		 path[300];
	struct dirent	*de;
	DIR		*d;

	snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
	if (field(path, "Rss", &s->rss) == -1 ||
	    field(path, "Pss", &s->pss) == -1)
		return (-1);
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/status", pid,
		    de->d_name);
		field(path, "voluntary_ctxt_switches", &s->sw);
		field(path, "nonvoluntary_ctxt_switches", &s->sw);
	}
	closedir(d);
	s->procs++;
	return (0);
}

/* 1 when pid's comm is comm. */
static int
named(long pid, const char *comm)
{
	char	 path[64], buf[64];
	FILE	*fp;
	int	 yes = 0;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return (0);
	if (fgets(buf, sizeof(buf), fp) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		yes = strcmp(buf, comm) == 0;
	}
	fclose(fp);
	return (yes);
}

/* Add pid's children named comm (from every thread's children file). */
static void
add_children(long pid, const char *comm, struct sum *s)
{
	char		 path[300], word[32];
	struct dirent	*de;
	DIR		*d;
	FILE		*fp;
	long		 c;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/children",
		    pid, de->d_name);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		while (fscanf(fp, "%31s", word) == 1) {
			c = strtol(word, NULL, 10);
			if (named(c, comm))
				add(c, s);	/* one that just died: skip */
		}
		fclose(fp);
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	struct sum	 s = { 0, 0, 0, 0 };
	const char	*comm = NULL;
	long		 pid;
	int		 i = 1;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		comm = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: procsum [-c comm] pid ...\n");
		return (2);
	}
	for (; i < argc; i++) {
		pid = strtol(argv[i], NULL, 10);
		if (add(pid, &s) == -1) {
			fprintf(stderr, "procsum: no process %ld\n", pid);
			return (1);
		}
		if (comm != NULL)
			add_children(pid, comm, &s);
	}
	printf("%ld %ld %ld %ld\n", s.procs, s.rss, s.pss, s.sw);
	return (0);
}
