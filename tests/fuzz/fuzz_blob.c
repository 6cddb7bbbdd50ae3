/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the signed-blob reader: the verifier (the kernel's
 * verdict against an empty trust store: every blob is refused, with a
 * positive errno, a stage and a reason), the inspector (text and JSON)
 * and the extractor.  Invariants: no crash, leak or sanitizer report; a
 * refusal carries a reason; the JSON inspection is one NUL-free document;
 * whatever is extracted is what verify parsed (policy_parsed implies the
 * extractor succeeds).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/sign.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ipe_trust *trust;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_verify_result r;
	char *text = NULL, *json = NULL;
	uint8_t *inner = NULL;
	size_t ilen = 0;
	int rc, xrc;

	memset(&r, 0, sizeof(r));
	if (!trust && ipe_trust_new(&trust))
		return 0;
	if (ipe_ctx_new(&ctx))
		return 0;
	rc = ipe_verify_blob(ctx, trust, data, size, &r);
	if (rc == 0) {
		/* nothing is trusted: never accepted */
		if (r.err <= 0 || !r.stage || !r.reason || !r.reason[0])
			abort();
	} else if (rc != -ENOMEM && rc != -EINVAL && rc != -EBADMSG) {
		abort();
	}
	xrc = ipe_blob_extract(ctx, data, size, &inner, &ilen);
	if (rc == 0 && r.policy_parsed && xrc != 0)
		abort();
	if (ipe_blob_inspect_text(ctx, data, size, &text) == 0 && (!text || strlen(text) == 0))
		abort();
	if (ipe_blob_inspect_json(ctx, data, size, &json) == 0 && (!json || json[0] != '{'))
		abort();
	free(text);
	free(json);
	free(inner);
	ipe_verify_result_clear(&r);
	ipe_ctx_free(ctx);
	return 0;
}
