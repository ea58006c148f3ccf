/*
 * runnerd_main.c: runnerd.c for the fuzz targets, its main renamed so
 * that libFuzzer's main runs instead; the rest (the server, its signal
 * handlers) is linked as the daemon has it.
 */

int	runnerd_main(int, char **);

#define main runnerd_main
#include "../../runnerd/runnerd.c"
