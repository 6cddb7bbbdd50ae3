/* SPDX-License-Identifier: MIT */
/*
 * Benchmark driver: read a policy into memory, then time ipe_policy_parse()
 * (scanner + grammar + model + kernel verdict) over it.
 * usage: parse_bench FILE [REPEAT]
 * Prints one line: bytes, rules, verdict, best parse time, MB/s (wall clock
 * and process CPU time, the latter less sensitive to a loaded machine), and the
 * process peak RSS (getrusage ru_maxrss, includes the input buffer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <ipe/io.h>
#include <ipe/policy.h>

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int repeat = argc > 2 ? atoi(argv[2]) : 3;
	double best = 1e30, best_cpu = 1e30;
	size_t nrules = 0;
	int verdict = -1;
	struct rusage ru;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [REPEAT]\n", argv[0]);
		return 3;
	}
	rc = ipe_read_file(argv[1], 0, &data, &len);
	if (rc) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
		return 2;
	}
	for (int i = 0; i < repeat; i++) {
		struct ipe_ctx *ctx = NULL;
		struct ipe_policy *p = NULL;
		uint32_t src;
		double t0, t1, c0, c1;

		if (ipe_ctx_new(&ctx) || ipe_source_from_memory(ctx, argv[1], data, len, false, &src))
			return 1;
		t0 = clock_s(CLOCK_MONOTONIC);
		c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		rc = ipe_policy_parse(ctx, src, &p);
		c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		t1 = clock_s(CLOCK_MONOTONIC);
		if (rc) {
			fprintf(stderr, "parse: %s\n", strerror(-rc));
			return 1;
		}
		if (t1 - t0 < best)
			best = t1 - t0;
		if (c1 - c0 < best_cpu)
			best_cpu = c1 - c0;
		nrules = ipe_policy_nrules(p);
		verdict = ipe_policy_verdict(p)->err;
		ipe_policy_free(p);
		ipe_ctx_free(ctx);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("bytes=%zu rules=%zu verdict=%s time=%.4fs throughput=%.1fMB/s cpu_throughput=%.1fMB/s "
	       "peak_rss=%.1fMB rss/input=%.2f\n",
	       len, nrules, verdict ? ipe_errno_name(verdict) : "accepted", best, (double)len / best / 1e6,
	       (double)len / best_cpu / 1e6,
	       (double)ru.ru_maxrss / 1024.0, (double)ru.ru_maxrss * 1024.0 / (double)len);
	free(data);
	return verdict ? 1 : 0;
}
