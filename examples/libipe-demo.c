/* SPDX-License-Identifier: MIT */
/*
 * Using libipe from C: parse a policy, print the kernel's verdict and the
 * canonical text; or, with --compile, run the whole ipe-compile pipeline
 * (source language, lint, self-check) with ipe_compile() and print its
 * output.  Build against an installed libipe with
 *   cc libipe-demo.c $(pkg-config --cflags --libs libipe)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/ipe.h>

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
	if (p->verdict.err) {
		printf("rejected: %s at %u:%u\n", ipe_errno_name(p->verdict.err), p->verdict.loc.line,
		       p->verdict.loc.col);
		goto out;
	}
	rc = ipe_policy_emit_canonical(p, &text, NULL);
	if (rc < 0)
		goto out;
	printf("accepted (libipe %s)\n%s", ipe_version(), text);
	ret = 0;
out:
	free(text);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	return ret;
}
