/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the front end: parse + verdict, render every
 * diagnostic as text and the first 16 in the JSON report, and for accepted
 * inputs check the canonical fixed point: parse(canonical(x)) is accepted,
 * has the same model, and canonical(canonical(x)) == canonical(x).
 * Rejected inputs must carry a kernel errno and the emitter must refuse
 * them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>
#include <ipe/report.h>

#include "util/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

/* Same model, read through the public accessors (the types are opaque):
 * header, DEFAULTs, and every rule's action and properties. */
static void same_model(const struct ipe_policy *a, const struct ipe_policy *b)
{
	size_t na, nb;
	const char *name_a = ipe_policy_name(a, &na), *name_b = ipe_policy_name(b, &nb);
	uint16_t va[3], vb[3];

	ipe_policy_version(a, va);
	ipe_policy_version(b, vb);
	if (na != nb || memcmp(name_a, name_b, na) || memcmp(va, vb, sizeof(va)) ||
	    ipe_policy_default(a, NULL) != ipe_policy_default(b, NULL) || ipe_policy_nrules(a) != ipe_policy_nrules(b))
		abort();
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		if (ipe_policy_op_default(a, op, NULL) != ipe_policy_op_default(b, op, NULL) ||
		    ipe_policy_op_nrules(a, op) != ipe_policy_op_nrules(b, op))
			abort();
		for (size_t i = 0; i < ipe_policy_op_nrules(a, op); i++) {
			const struct ipe_rule *ra = ipe_policy_rule(a, op, i), *rb = ipe_policy_rule(b, op, i);

			if (!ra || !rb || ipe_rule_op(ra) != op || ipe_rule_op(rb) != op ||
			    ipe_rule_action(ra) != ipe_rule_action(rb) || ipe_rule_nprops(ra) != ipe_rule_nprops(rb))
				abort();
			for (size_t k = 0; k < ipe_rule_nprops(ra); k++) {
				const struct ipe_prop *pa = ipe_rule_prop(a, ra, k), *pb = ipe_rule_prop(b, rb, k);
				enum ipe_prop_type t = ipe_prop_get_type(pa);

				if (t != ipe_prop_get_type(pb))
					abort();
				if (ipe_prop_is_digest(t) &&
				    (ipe_prop_digest_len(pa) != ipe_prop_digest_len(pb) ||
				     strcmp(ipe_prop_alg(a, pa), ipe_prop_alg(b, pb)) ||
				     memcmp(ipe_prop_digest(a, pa), ipe_prop_digest(b, pb), ipe_prop_digest_len(pa))))
					abort();
			}
		}
	}
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
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = NULL, *q = NULL;
	const struct ipe_verdict *pv;
	char *c1 = NULL, *c2 = NULL;
	size_t l1 = 0, l2 = 0;
	uint32_t src, src2;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (ipe_ctx_new(&ctx))
		return 0;
	if (ipe_source_from_memory(ctx, "fuzz.pol", data, size, true, &src) || ipe_policy_parse(ctx, src, &p))
		goto out;

	pv = ipe_policy_verdict(p);
	if (pv->err) {
		int e = pv->err;

		if (e != EBADMSG && e != EINVAL && e != ERANGE && e != EACCES && e != ENAMETOOLONG)
			abort();
		if (!pv->code || pv->loc.offset > ipe_policy_text_len(p))
			abort();
		if (ipe_policy_emit_canonical(p, &c1, &l1) != -EINVAL)
			abort();
	} else {
		if (ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR))
			abort();
		if (failed(ipe_policy_emit_canonical(p, &c1, &l1)))
			goto out;
		if (memchr(c1, '\0', l1) || memchr(c1, '\r', l1) || memchr(c1, '#', l1))
			abort();
		if (failed(ipe_source_from_memory(ctx, "canon", c1, l1, false, &src2)) ||
		    failed(ipe_policy_parse(ctx, src2, &q)))
			goto out;
		if (ipe_policy_verdict(q)->err)
			abort();
		same_model(p, q);
		if (failed(ipe_policy_emit_canonical(q, &c2, &l2)))
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

		/*
		 * Every diagnostic plain; colour differs only in the escape codes
		 * around the same text, so the first two cover it (rendering all
		 * of them twice took a quarter of the run time).
		 */
		for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
			ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), devnull, 0);
			if (i < 2)
				ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), devnull, IPE_RENDER_COLOR);
		}
		/*
		 * The JSON report of the first 16 findings: the code that writes
		 * a finding is the same for each (the loop above rendered every
		 * one's text, excerpts and notes).  All of them cost half the run
		 * time: ~10 json-c objects each, 17 us under ASan, and a 4 KiB
		 * input can make hundreds.  Replaying the corpus covers the same
		 * edges either way (tests/fuzz/README.md).
		 */
		ipe_ctx_diag_truncate(ctx, 16);
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
