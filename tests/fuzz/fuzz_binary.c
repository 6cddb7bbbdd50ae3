/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the binary form decoder (ipe-binary(5)).
 *
 * The first input byte selects the mode: bit 0 set = fix the SHA-256
 * trailer before decoding (so mutations reach the field checks behind the
 * checksum), clear = decode the bytes as they are.  For every input the
 * decoder must fail with -EBADMSG/-EPROTONOSUPPORT and a diagnostic, or
 * succeed on a canonical encoding: encode(decode(x)) == x for format 1.0,
 * and the decompiled text is accepted by the kernel verdict and encodes to
 * the same bytes again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ipe/binary.h>
#include <ipe/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A loaded policy's emit and re-parse may fail only for memory: any other
 * error is an invariant broken. */
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
	uint8_t *buf = NULL, *again = NULL, *again2 = NULL;
	char *text = NULL;
	size_t len, alen = 0, alen2 = 0, tlen = 0;
	uint32_t src;
	int rc;

	if (size < 1)
		return 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= 32 && !EVP_Digest(buf, len - 32, buf + len - 32, NULL, EVP_sha256(), NULL))
		abort();
	if (ipe_ctx_new(&ctx))
		goto out;
	rc = ipe_policy_load_binary(ctx, buf, len, &p);
	if (rc) {
		if (rc == -ENOMEM)
			goto out;
		if ((rc != -EBADMSG && rc != -EPROTONOSUPPORT) || p || ipe_ctx_diag_count(ctx) == 0)
			abort();
		goto out;
	}
	if (!p || ipe_policy_verdict(p)->err || ipe_ctx_diag_count(ctx) != 0)
		abort();
	if (failed(ipe_policy_emit_binary(p, &again, &alen)))
		goto out;
	if (buf[10] == 0 && buf[11] == 0 && (alen != len || memcmp(again, buf, len) != 0))
		abort();
	if (ipe_policy_emit_canonical(p, &text, &tlen))
		abort();
	if (tlen != ipe_policy_text_len(p))
		abort();
	if (failed(ipe_source_from_memory(ctx, "dec.pol", text, tlen, false, &src)) ||
	    failed(ipe_policy_parse(ctx, src, &q)))
		goto out;
	if (ipe_policy_verdict(q)->err)
		abort();
	if (failed(ipe_policy_emit_binary(q, &again2, &alen2)))
		goto out;
	if (alen2 != alen || memcmp(again, again2, alen) != 0)
		abort();
out:
	free(buf);
	free(again);
	free(again2);
	free(text);
	ipe_policy_free(p);
	ipe_policy_free(q);
	ipe_ctx_free(ctx);
	return 0;
}
