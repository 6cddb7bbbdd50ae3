/* SPDX-License-Identifier: MIT */
/* Binary load time vs text parse time for one policy file (in process, best
 * of N, input already in memory).  Usage: bench_binary POLICY.pol [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include <ipe/binary.h>
#include <ipe/io.h>
#include <ipe/policy.h>

/* internal (src/compiler/binary_format.h): the digest index rebuild that the loader does */
int ipe_binary_build_index(const struct ipe_policy *p, const uint16_t *alg_map, uint8_t **ret_buf, size_t *ret_len);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double parse = 1e9, load = 1e9, enc = 1e9, sha = 1e9, emit = 1e9, ix = 1e9;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	uint8_t *text = NULL, *bin = NULL;
	size_t tlen = 0, blen = 0, nrules = 0;

	if (argc < 2 || ipe_read_file(argv[1], 0, &text, &tlen)) {
		fprintf(stderr, "usage: bench_binary POLICY.pol [RUNS]\n");
		return 2;
	}
	for (int r = 0; r < runs; r++) {
		struct ipe_ctx *ctx = NULL;
		struct ipe_policy *p = NULL, *q = NULL;
		uint32_t src;
		uint8_t *b = NULL, md[32];
		char *c = NULL;
		size_t bl = 0, cl = 0;
		double t0, t1;

		if (ipe_ctx_new(&ctx) || ipe_source_from_memory(ctx, "p", text, tlen, false, &src))
			return 1;
		t0 = now();
		if (ipe_policy_parse(ctx, src, &p) || ipe_policy_verdict(p)->err)
			return 1;
		t1 = now();
		parse = t1 - t0 < parse ? t1 - t0 : parse;
		t0 = now();
		if (ipe_policy_emit_binary(p, &b, &bl))
			return 1;
		t1 = now();
		enc = t1 - t0 < enc ? t1 - t0 : enc;
		t0 = now();
		if (ipe_policy_load_binary(ctx, b, bl, &q))
			return 1;
		t1 = now();
		load = t1 - t0 < load ? t1 - t0 : load;
		t0 = now();
		EVP_Digest(b, bl - 32, md, NULL, EVP_sha256(), NULL);
		t1 = now();
		sha = t1 - t0 < sha ? t1 - t0 : sha;
		{
			uint8_t *ib = NULL;
			size_t il = 0;

			t0 = now();
			if (ipe_binary_build_index(q, NULL, &ib, &il))
				return 1;
			t1 = now();
			ix = t1 - t0 < ix ? t1 - t0 : ix;
			free(ib);
		}
		t0 = now();
		if (ipe_policy_emit_canonical(q, &c, &cl))
			return 1;
		t1 = now();
		emit = t1 - t0 < emit ? t1 - t0 : emit;
		nrules = ipe_policy_nrules(p);
		free(c);
		free(bin);
		bin = b;
		blen = bl;
		ipe_policy_free(p);
		ipe_policy_free(q);
		ipe_ctx_free(ctx);
	}
	printf("%-9zu %11zu %11zu %9.4f %9.4f %7.1fx %9.4f %9.4f %9.4f %9.4f\n", nrules, tlen, blen, parse, load,
	       parse / load, sha, ix, enc, emit);
	free(bin);
	free(text);
	return 0;
}
