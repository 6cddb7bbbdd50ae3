/* SPDX-License-Identifier: MIT */
/* The ceiling of libfsverity_compute_digest on this machine: the fs-verity
 * digest (sha256, 4096-byte blocks) of a file already in memory, hashed
 * through a read callback that only copies, as `fsverity digest` and
 * ipe-digest both do.  No file I/O: what is left is libfsverity and the
 * libcrypto calls it makes per block, plus reading the data from memory
 * once.  Prints three figures (best of N runs): in bytes per CPU second, the
 * callback copying from a 32 KiB buffer that stays in the CPU cache (what
 * libfsverity costs by itself) and copying the whole file from memory (the
 * least any read of a file that is not in the CPU cache adds); then in bytes
 * per wall-clock second, THREADS threads (default: online CPUs) each hashing
 * its own in-memory copy of the file at once, each with its own OpenSSL
 * library context as ipe-digest's threads (what all the cores can do through
 * libfsverity, to compare with the SHA-256 bound x cores); last, the same
 * threads hashing their copies with plain SHA-256 (one EVP context, 16 KiB
 * updates, as `openssl speed -evp sha256 -bytes 16384`): the bound x cores
 * measured in the same conditions, wall-clock.
 * Usage: ceiling FILE [N] [THREADS] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libfsverity.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

struct mem {
	const unsigned char *p; /* the data, with 4096 bytes of slack */
	size_t off, mask;
};

/* The source is taken at the destination's offset modulo 4 KiB (the data
 * shifted by up to 4095 bytes: the timing does not depend on the bytes), as
 * ipe-digest places its read chunks: glibc's memcpy (rep movsb) of 4 KiB is
 * ~10x slower on this AMD CPU when the destination is 16 bytes past the
 * source modulo 4 KiB, which would make the ceiling depend on where malloc
 * put libfsverity's block buffer. */
static int mem_read(void *f, void *buf, size_t n)
{
	struct mem *m = f;
	const unsigned char *src = m->p + (m->off & m->mask);

	src += ((uintptr_t)buf - (uintptr_t)src) & 4095;
	memcpy(buf, src, n);
	m->off += n;
	return 0;
}

static double now(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t sz;

static int digest(const unsigned char *p, size_t mask)
{
	struct libfsverity_merkle_tree_params mp = { .version = 1, .hash_algorithm = 1, .block_size = 4096,
						     .file_size = sz };
	struct mem m = { p, 0, mask };
	struct libfsverity_digest *d = NULL;

	if (libfsverity_compute_digest(&m, mem_read, &mp, &d) < 0)
		return -1;
	free(d);
	return 0;
}

struct job {
	unsigned char *p;
	pthread_barrier_t *go;
	int plain; /* plain SHA-256 instead of libfsverity */
	int rc;
};

static int plain_sha256(const unsigned char *p)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	unsigned char out[EVP_MAX_MD_SIZE];
	int ok = c && md && EVP_DigestInit_ex(c, md, NULL);

	for (size_t off = 0; ok && off < sz; off += 16384)
		ok = EVP_DigestUpdate(c, p + off, sz - off < 16384 ? sz - off : 16384);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_free(md);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

static void *thread(void *arg)
{
	struct job *j = arg;
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new(), *prev = ctx ? OSSL_LIB_CTX_set0_default(ctx) : NULL;

	pthread_barrier_wait(j->go);
	j->rc = j->plain ? plain_sha256(j->p) : digest(j->p, ~(size_t)0);
	if (prev)
		OSSL_LIB_CTX_set0_default(prev);
	OSSL_LIB_CTX_free(ctx);
	return NULL;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 10;
	long nt = argc > 3 ? atol(argv[3]) : sysconf(_SC_NPROCESSORS_ONLN);
	unsigned char *p;
	double best;
	size_t got;
	FILE *f;

	if (argc < 2 || !(f = fopen(argv[1], "rb")) || nt < 1 || nt > 64)
		return 2;
	fseek(f, 0, SEEK_END);
	sz = (size_t)ftell(f);
	rewind(f);
	p = malloc(sz + 4096);
	got = p ? fread(p, 1, sz, f) : 0;
	fclose(f);
	if (got != sz)
		return 2;
	for (int cached = 1; cached >= 0; cached--) {
		best = 1e9;
		for (int k = 0; k < runs; k++) {
			double t0 = now(CLOCK_PROCESS_CPUTIME_ID), t;

			if (digest(p, cached ? 32767 : ~(size_t)0) < 0)
				return 1;
			t = now(CLOCK_PROCESS_CPUTIME_ID) - t0;
			if (t < best)
				best = t;
		}
		printf("%.0f\n", (double)sz / best);
	}

	/* all cores at once, each thread on its own copy */
	pthread_barrier_t go;
	pthread_t t[64];
	struct job j[64];

	for (long i = 0; i < nt; i++) {
		j[i].p = malloc(sz + 4096);
		if (!j[i].p)
			return 2;
		memcpy(j[i].p, p, sz + 4096);
	}
	for (int plain = 0; plain <= 1; plain++) {
		best = 1e9;
		for (int k = 0; k < runs; k++) {
			double t0, dt;

			pthread_barrier_init(&go, NULL, (unsigned)nt + 1);
			for (long i = 0; i < nt; i++) {
				j[i].go = &go;
				j[i].plain = plain;
				if (pthread_create(&t[i], NULL, thread, &j[i]) != 0)
					return 2;
			}
			pthread_barrier_wait(&go);
			t0 = now(CLOCK_MONOTONIC);
			for (long i = 0; i < nt; i++) {
				pthread_join(t[i], NULL);
				if (j[i].rc < 0)
					return 1;
			}
			dt = now(CLOCK_MONOTONIC) - t0;
			pthread_barrier_destroy(&go);
			if (dt < best)
				best = dt;
		}
		printf("%.0f\n", (double)sz * (double)nt / best);
	}
	for (long i = 0; i < nt; i++)
		free(j[i].p);
	free(p);
	return 0;
}
