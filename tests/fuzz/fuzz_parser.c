/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the front end: parse + verdict, render every
 * diagnostic and the JSON report, and for accepted inputs check the
 * canonical fixed point: parse(canonical(x)) is accepted, has the same model,
 * and canonical(canonical(x)) == canonical(x).  Rejected inputs must carry a
 * kernel errno and the emitter must refuse them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>
#include <ipe/report.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void same_model(const struct ipe_policy *a, const struct ipe_policy *b)
{
	if (a->name_len != b->name_len || memcmp(a->name, b->name, a->name_len) ||
	    memcmp(a->version, b->version, sizeof(a->version)) || a->global_default != b->global_default ||
	    a->nrules != b->nrules || a->nprops != b->nprops)
		abort();
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *ta = &a->ops[op], *tb = &b->ops[op];

		if (ta->default_action != tb->default_action || ta->nrules != tb->nrules)
			abort();
		for (size_t i = 0; i < ta->nrules; i++) {
			const struct ipe_rule *ra = &ta->rules[i], *rb = &tb->rules[i];
			const struct ipe_prop *pa = ipe_rule_props(a, ra), *pb = ipe_rule_props(b, rb);

			if (ra->action != rb->action || ra->nprops != rb->nprops)
				abort();
			for (uint32_t k = 0; k < ra->nprops; k++) {
				if (pa[k].type != pb[k].type)
					abort();
				if (ipe_prop_is_digest(pa[k].type) &&
				    (pa[k].digest_len != pb[k].digest_len ||
				     strcmp(ipe_prop_alg(a, &pa[k]), ipe_prop_alg(b, &pb[k])) ||
				     memcmp(ipe_prop_digest(a, &pa[k]), ipe_prop_digest(b, &pb[k]), pa[k].digest_len)))
					abort();
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = NULL, *q = NULL;
	char *c1 = NULL, *c2 = NULL;
	size_t l1 = 0, l2 = 0;
	uint32_t src, src2;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (ipe_ctx_new(&ctx))
		return 0;
	if (ipe_source_from_memory(ctx, "fuzz.pol", data, size, true, &src) || ipe_policy_parse(ctx, src, &p))
		goto out;

	if (p->verdict.err) {
		int e = p->verdict.err;

		if (e != EBADMSG && e != EINVAL && e != ERANGE && e != EACCES && e != ENAMETOOLONG)
			abort();
		if (!p->verdict.code || p->verdict.loc.offset > p->text_len)
			abort();
		if (ipe_policy_emit_canonical(p, &c1, &l1) != -EINVAL)
			abort();
	} else {
		if (ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR))
			abort();
		if (ipe_policy_emit_canonical(p, &c1, &l1))
			goto out;
		if (memchr(c1, '\0', l1) || memchr(c1, '\r', l1) || memchr(c1, '#', l1))
			abort();
		if (ipe_source_from_memory(ctx, "canon", c1, l1, false, &src2) || ipe_policy_parse(ctx, src2, &q))
			goto out;
		if (q->verdict.err)
			abort();
		same_model(p, q);
		if (ipe_policy_emit_canonical(q, &c2, &l2))
			goto out;
		if (l1 != l2 || memcmp(c1, c2, l1))
			abort();
		/* the verdict helper agrees */
		{
			struct ipe_verdict v;

			if (ipe_policy_verdict_text(ctx, "again", data, size, &v) == 0 && v.err)
				abort();
		}
	}
	if (devnull) {
		struct ipe_report_file f = { .path = "fuzz.pol", .src = src, .policy = p };

		for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
			ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), devnull, 0);
			ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), devnull, IPE_RENDER_COLOR);
		}
		ipe_report_render_json(ctx, &f, 1, devnull);
	}
out:
	free(c1);
	free(c2);
	ipe_policy_free(p);
	ipe_policy_free(q);
	ipe_ctx_free(ctx);
	return 0;
}
