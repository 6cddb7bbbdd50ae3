/* SPDX-License-Identifier: MIT */
/* LD_PRELOAD spy for the output tests: logs every fsync() of a directory
 * to $IPE_FSYNC_SPY ("dir DEV:INO"), then does the real fsync. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	const char *log = getenv("IPE_FSYNC_SPY");
	struct stat st;

	if (log && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "dir %llu:%llu\n", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
			fclose(f);
		}
	}
	return real ? real(fd) : 0;
}
