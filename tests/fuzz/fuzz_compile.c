/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the extension compiler (source mode: include, digest
 * sets, "KEY in @SET", multi-op), with includes and digest lists served from
 * an in-memory file table (ipe_source_opts.read_file).
 *
 * The input is split at every "\n===\n": the first part is main.pol, the
 * next ones f1.pol ... f8.pol (as "include \"f1.pol\"" or "set S from
 * \"f2.pol\"" name them).  Small limits keep every input fast.  Invariants:
 * a rejected source carries a kernel errno and an error diagnostic (or was
 * only refused as empty of a header); an accepted one emits canonical text
 * that the kernel parser (kernel mode) accepts with the same model and
 * re-emits byte for byte, and that source mode reads the same (extensions
 * are kernel syntax errors, so kernel text means the same in both).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/compile.h>
#include <ipe/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFILES 9

struct table {
	const uint8_t *part[NFILES];
	size_t len[NFILES];
	size_t n;
};

static int table_read(void *arg, const char *path, uint8_t **ret_data, size_t *ret_len)
{
	const struct table *t = arg;

	/* "f1.pol" ... "f8.pol", with or without a directory part */
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (base[0] != 'f' || base[1] < '1' || base[1] > '8' || strcmp(base + 2, ".pol") != 0)
		return -ENOENT;
	size_t i = (size_t)(base[1] - '0');

	if (i >= t->n)
		return -ENOENT;
	*ret_data = malloc(t->len[i] + 1);
	if (!*ret_data)
		return -ENOMEM;
	memcpy(*ret_data, t->part[i], t->len[i]);
	(*ret_data)[t->len[i]] = 0;
	*ret_len = t->len[i];
	return 0;
}

static void split(struct table *t, const uint8_t *data, size_t size)
{
	static const char sep[] = "\n===\n";
	size_t start = 0;

	t->n = 0;
	for (size_t i = 0; i + 5 <= size && t->n < NFILES - 1; i++) {
		if (memcmp(data + i, sep, 5) == 0) {
			t->part[t->n] = data + start;
			t->len[t->n++] = i + 1 - start; /* keep the '\n' */
			start = i + 5;
			i += 4;
		}
	}
	t->part[t->n] = data + start;
	t->len[t->n++] = size - start;
}

static int parse(struct ipe_ctx *ctx, const char *name, const void *text, size_t len, bool source,
		 const struct ipe_source_opts *o, struct ipe_policy **ret)
{
	uint32_t src;

	*ret = NULL;
	if (ipe_source_from_memory(ctx, name, text, len, true, &src))
		return -ENOMEM;
	return source ? ipe_policy_parse_source(ctx, src, o, ret) : ipe_policy_parse(ctx, src, ret);
}

/* An accepted policy's emit and re-parse may fail only for memory: any
 * other error is an invariant broken. */
static bool failed(int rc)
{
	if (rc && rc != -ENOMEM)
		abort();
	return rc != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table t;
	/*
	 * Small limits, each reachable from a 4 KiB input: an input's cost is
	 * what its includes expand to (64 includes of a 1 KiB part full of
	 * errors made 3,000 findings: the slowest tenth of the corpus took
	 * two thirds of the time), and every limit path is hit more often.
	 */
	struct ipe_source_opts o = { .max_include_depth = 4, .max_file_size = 2048, .max_line_rules = 16,
				     .max_rules = 128, .max_includes = 12, .max_include_bytes = 1 << 14,
				     .read_file = table_read, .read_file_arg = &t };
	struct ipe_ctx *ctx = NULL, *kctx = NULL;
	struct ipe_policy *p = NULL, *q = NULL, *r = NULL;
	char *c1 = NULL, *c2 = NULL, *c3 = NULL;
	size_t l1 = 0, l2 = 0, l3 = 0;

	split(&t, data, size);
	if (ipe_ctx_new(&ctx) || ipe_ctx_new(&kctx))
		goto out;
	if (parse(ctx, "main.pol", t.part[0], t.len[0], true, &o, &p) || !p)
		goto out;
	if (ipe_policy_verdict(p)->err) {
		int e = ipe_policy_verdict(p)->err;

		if (e != EBADMSG && e != EINVAL && e != ERANGE && e != EACCES && e != ENAMETOOLONG)
			abort();
		if (!ipe_policy_verdict(p)->code)
			abort();
		if (ipe_policy_emit_canonical(p, &c1, &l1) != -EINVAL)
			abort();
		goto out;
	}
	if (ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR))
		abort();
	if (failed(ipe_policy_emit_canonical(p, &c1, &l1)))
		goto out;
	/* the kernel reads the output as it is, the same policy */
	if (failed(parse(kctx, "canon", c1, l1, false, NULL, &q)) || !q)
		goto out;
	if (ipe_policy_verdict(q)->err || ipe_policy_nrules(q) != ipe_policy_nrules(p))
		abort();
	if (failed(ipe_policy_emit_canonical(q, &c2, &l2)))
		goto out;
	if (l1 != l2 || memcmp(c1, c2, l1))
		abort();
	/* and source mode reads kernel text as the kernel does */
	if (failed(parse(kctx, "canon-src", c1, l1, true, &o, &r)) || !r)
		goto out;
	if (ipe_policy_verdict(r)->err)
		abort();
	if (failed(ipe_policy_emit_canonical(r, &c3, &l3)))
		goto out;
	if (l1 != l3 || memcmp(c1, c3, l1))
		abort();
out:
	free(c1);
	free(c2);
	free(c3);
	ipe_policy_free(p);
	ipe_policy_free(q);
	ipe_policy_free(r);
	ipe_ctx_free(ctx);
	ipe_ctx_free(kctx);
	return 0;
}
