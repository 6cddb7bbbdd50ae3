/* SPDX-License-Identifier: MIT */
/* ipe-check --diff OLD NEW (see check_diff.h and ipe-check(1)). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/ipe.h>

#include "check_diff.h"
#include "cli.h"

static const char prog[] = "ipe-check";

/* A policy from its text or its signed blob (DER PKCS#7 starts with a
 * SEQUENCE, 0x30: the policy it embeds, its lines numbered as in that text). */
static int load(struct ipe_ctx *ctx, const char *path, struct ipe_policy **ret)
{
	const unsigned char *data;
	size_t len;
	uint32_t src;
	int rc = ipe_source_from_file(ctx, path, &src);

	if (rc) {
		cli_error(prog, "cannot read %s: %s", path, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	data = ipe_source_data(ipe_ctx_source(ctx, src), &len);
	if (len && data[0] == 0x30) {
		uint8_t *inner = NULL;
		size_t inner_len = 0;

		if (ipe_blob_extract(ctx, data, len, &inner, &inner_len) == 0) {
			rc = ipe_source_from_memory(ctx, path, inner, inner_len, true, &src);
			free(inner);
			if (rc) {
				cli_error(prog, "cannot read %s: %s", path, cli_strerror(rc));
				return CLI_EXIT_INPUT;
			}
		}
	}
	rc = ipe_policy_parse(ctx, src, ret);
	if (rc) {
		cli_error(prog, "cannot parse %s: %s", path, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	if (ipe_policy_verdict(*ret)->err) {
		cli_print_diags(ctx, stderr, IPE_RENDER_NO_SOURCE);
		cli_error(prog, "%s: the kernel would reject this policy (%s); --diff compares policies the kernel "
			  "accepts", path, ipe_errno_name(ipe_policy_verdict(*ret)->err));
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

int check_diff_run(char **paths, size_t n, const char *kconfig, enum check_diff_format fmt, const char *output,
		   bool quiet)
{
	struct ipe_eval_kernel k, *kp = NULL;
	struct ipe_policy *po = NULL, *pn = NULL;
	struct ipe_diff *d = NULL;
	struct ipe_ctx *ctx = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = NULL;
	bool direct;
	int rc, ret;

	if (n != 2) {
		cli_error(prog, "--diff takes exactly two policies (OLD NEW), not %zu", n);
		return CLI_EXIT_USAGE;
	}
	/* refuse early an output that is one of the inputs (any spelling) */
	if (output && cli_check_output(prog, output, (const char *const *)paths, n) != CLI_EXIT_OK)
		return CLI_EXIT_INPUT;
	if (kconfig) {
		if (cli_read_kconfig(prog, kconfig, &k) != CLI_EXIT_OK)
			return CLI_EXIT_INPUT;
		kp = &k;
	}
	if (ipe_ctx_new(&ctx)) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	ret = load(ctx, paths[0], &po);
	if (ret == CLI_EXIT_OK)
		ret = load(ctx, paths[1], &pn);
	if (ret != CLI_EXIT_OK)
		goto out;
	rc = ipe_policy_diff(po, pn, kp, &d);
	if (rc) {
		cli_error(prog, "cannot compare %s and %s: %s", paths[0], paths[1], cli_strerror(rc));
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	/* to a file, the report goes to memory first so -o is written
	 * atomically; to standard output it is written as it is made (a
	 * report of thousands of changes grows a buffer by copies otherwise) */
	direct = !output || strcmp(output, "-") == 0;
	out = direct ? stdout : open_memstream(&buf, &len);
	if (!out) {
		rc = -ENOMEM;
	} else if (fmt == CHECK_DIFF_JSON) {
		rc = ipe_diff_render_json(ctx, po, pn, d, out);
	} else if (fmt == CHECK_DIFF_GITHUB) {
		rc = ipe_diff_render_github(ctx, po, pn, d, out);
	} else if (quiet) {
		rc = 0; /* the exit status says it */
	} else {
		rc = ipe_diff_render_text(ctx, po, pn, d, out);
	}
	if (out && !direct && fclose(out) != 0 && !rc)
		rc = -ENOMEM;
	if (direct && (fflush(stdout) != 0 || ferror(stdout))) {
		ret = CLI_EXIT_INPUT; /* cli_close_stdout() says why, once */
		goto out;
	}
	if (rc) {
		cli_error(prog, "cannot write the report: %s", cli_strerror(rc));
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	ret = direct ? CLI_EXIT_OK : cli_write_output(prog, output, buf, len, (const char *const *)paths, n);
	if (ret == CLI_EXIT_OK)
		ret = d->equivalent ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
out:
	free(buf);
	ipe_diff_free(d);
	ipe_policy_free(po);
	ipe_policy_free(pn);
	ipe_ctx_free(ctx);
	return ret;
}
