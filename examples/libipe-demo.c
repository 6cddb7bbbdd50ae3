/* SPDX-License-Identifier: MIT */
/*
 * Using libipe from C: parse a policy, print the kernel's verdict, walk the
 * model through its accessors (the types are opaque) and print the
 * canonical text; or, with --compile, run the whole ipe-compile pipeline
 * (source language, lint, self-check) with ipe_compile() and print its
 * output.  Build against an installed libipe with
 *   cc libipe-demo.c $(pkg-config --cflags --libs libipe)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/ipe.h>

/* The model, read through the accessors of <ipe/policy.h>. */
static void walk(const struct ipe_policy *p)
{
	uint16_t v[3];

	ipe_policy_version(p, v);
	printf("# policy '%s' version %u.%u.%u, global DEFAULT %s, %zu rules\n", ipe_policy_name(p, NULL), v[0], v[1],
	       v[2], ipe_action_name(ipe_policy_default(p, NULL)) ? ipe_action_name(ipe_policy_default(p, NULL)) : "unset",
	       ipe_policy_nrules(p));
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		for (size_t i = 0; i < ipe_policy_op_nrules(p, op); i++) {
			const struct ipe_rule *r = ipe_policy_rule(p, op, i);

			printf("# line %u: %s %s", ipe_rule_loc(r).line, ipe_op_name(ipe_rule_op(r)),
			       ipe_action_name(ipe_rule_action(r)));
			for (size_t k = 0; k < ipe_rule_nprops(r); k++) {
				const struct ipe_prop *pr = ipe_rule_prop(p, r, k);
				enum ipe_prop_type t = ipe_prop_get_type(pr);

				if (ipe_prop_is_digest(t))
					printf(" %s=%s:<%zu bytes>", ipe_prop_key(t), ipe_prop_alg(p, pr), ipe_prop_digest_len(pr));
				else
					printf(" %s", ipe_prop_token(t));
			}
			putchar('\n');
		}
	}
}

/* ipe-compile SOURCE -o -, as one library call. */
static int compile(const char *path)
{
	struct ipe_compile_opts o = { .version = IPE_COMPILE_OPTS_V1, .fail_on = IPE_SEV_ERROR };
	struct ipe_compile_result *r = NULL;
	struct ipe_ctx *ctx = NULL;
	uint32_t src;
	int rc, ret = 1;

	if (ipe_ctx_new(&ctx) < 0)
		return 1;
	rc = ipe_source_from_file(ctx, path, &src);
	if (rc == 0)
		rc = ipe_compile(ctx, src, &o, &r);
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
		ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), stderr, 0);
	if (rc == 0 && fwrite(r->output, 1, r->output_len, stdout) == r->output_len)
		ret = 0;
	else if (rc)
		fprintf(stderr, "%s: not compiled: %s\n", path, ipe_errno_name(rc) ? ipe_errno_name(rc) : "?");
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
	return ret;
}

int main(int argc, char **argv)
{
	struct ipe_policy *p = NULL;
	const struct ipe_verdict *v;
	struct ipe_ctx *ctx = NULL;
	char *text = NULL;
	uint32_t src;
	int rc, ret = 1;

	if (argc == 3 && strcmp(argv[1], "--compile") == 0)
		return compile(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: %s POLICY | --compile SOURCE\n", argv[0]);
		return 2;
	}
	if (ipe_ctx_new(&ctx) < 0)
		return 1;
	rc = ipe_source_from_file(ctx, argv[1], &src);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", argv[1], ipe_errno_name(rc) ? ipe_errno_name(rc) : "?");
		goto out;
	}
	rc = ipe_policy_parse(ctx, src, &p);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
		ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), stderr, 0);
	v = ipe_policy_verdict(p);
	if (v->err) {
		printf("rejected: %s at %u:%u\n", ipe_errno_name(v->err), v->loc.line, v->loc.col);
		goto out;
	}
	rc = ipe_policy_emit_canonical(p, &text, NULL);
	if (rc < 0)
		goto out;
	printf("accepted (libipe %s)\n", ipe_version());
	walk(p);
	printf("%s", text);
	ret = 0;
out:
	free(text);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	return ret;
}
