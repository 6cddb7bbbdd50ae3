/* SPDX-License-Identifier: MIT */
/* The ceiling of libfsverity_compute_digest on this machine: the fs-verity
 * digest (sha256, 4096-byte blocks) of a file already in memory, hashed
 * through a read callback that only copies, as `fsverity digest` and
 * ipe-digest both do.  No file I/O: what is left is libfsverity and the
 * libcrypto calls it makes per block, plus reading the data from memory
 * once.  Prints two figures in bytes per CPU second (best of N runs): the
 * callback copying from a 32 KiB buffer that stays in the CPU cache (what
 * libfsverity costs by itself), and copying the whole file from memory (the
 * least any read of a file that is not in the CPU cache adds).
 * Usage: ceiling FILE [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfsverity.h>

struct mem {
	const unsigned char *p;
	size_t off, mask;
};

static int mem_read(void *f, void *buf, size_t n)
{
	struct mem *m = f;

	memcpy(buf, m->p + (m->off & m->mask), n);
	m->off += n;
	return 0;
}

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct libfsverity_merkle_tree_params mp = { .version = 1, .hash_algorithm = 1, .block_size = 4096 };
	unsigned char *p;
	int runs = argc > 2 ? atoi(argv[2]) : 10;
	size_t sz, got;
	FILE *f;

	if (argc < 2 || !(f = fopen(argv[1], "rb")))
		return 2;
	fseek(f, 0, SEEK_END);
	sz = (size_t)ftell(f);
	rewind(f);
	p = malloc(sz ? sz : 1);
	got = p ? fread(p, 1, sz, f) : 0;
	fclose(f);
	if (got != sz)
		return 2;
	mp.file_size = sz;
	for (int cached = 1; cached >= 0; cached--) {
		double best = 1e9;

		for (int k = 0; k < runs; k++) {
			struct mem m = { p, 0, cached ? 32767 : ~(size_t)0 };
			struct libfsverity_digest *d = NULL;
			double t0 = cpu_now(), t;

			if (libfsverity_compute_digest(&m, mem_read, &mp, &d) < 0)
				return 1;
			t = cpu_now() - t0;
			if (t < best)
				best = t;
			free(d);
		}
		printf("%.0f\n", (double)sz / best);
	}
	free(p);
	return 0;
}
