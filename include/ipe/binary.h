/* SPDX-License-Identifier: MIT */
/*
 * libipe: the binary form of a policy (ipe-binary(5)).
 *
 * A compact, versioned, little-endian encoding of an accepted policy for fast
 * loading by our own tools (the kernel loads text only).  The encoding is a
 * function of the canonical text: two policies with the same canonical text
 * encode to the same bytes.  Loading checks the SHA-256 trailer first, then
 * every offset, length, count and value, and validates the stored digest
 * index (an open-addressing hash table, ipe-binary(5) section 7) in place:
 * it must be exactly the table the encoder writes for these rules; anything
 * wrong is a diagnostic (codes IPE-B0xx) and -EBADMSG, never a crash.
 */
#ifndef IPE_BINARY_H
#define IPE_BINARY_H

#include <ipe/export.h>

#include <stddef.h>
#include <stdint.h>

#include <ipe/diag.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPE_BINARY_MAGIC "IPEB\r\n\x1a\n" /* 8 bytes */
#define IPE_BINARY_MAJOR 1u
#define IPE_BINARY_MINOR 0u

/* Encode an accepted policy (-EINVAL when ipe_policy_verdict() says the
 * kernel would reject it or it has no header; -E2BIG beyond 2^32-2 rules or properties).
 * *ret_buf is malloc'd. */
IPE_EXPORT int ipe_policy_emit_binary(const struct ipe_policy *p, uint8_t **ret_buf, size_t *ret_len);

/* Decode a binary policy into a new model.  The model is accepted
 * (ipe_policy_verdict()->err == 0), so ipe_policy_emit_canonical() and the evaluator work
 * on it.  Its locations have src = IPE_SRC_NONE and line = the line of the
 * rule (or DEFAULT / header) in the canonical text; ipe_policy_text_len()
 * is the length of the canonical text.  Returns 0, -EBADMSG (invalid input, with
 * diagnostics in ctx), -EPROTONOSUPPORT (another major format version) or
 * -ENOMEM.  The data is not referenced after the call. */
IPE_EXPORT int ipe_policy_load_binary(struct ipe_ctx *ctx, const void *data, size_t len, struct ipe_policy **ret_policy);

/* Read a binary policy file ("-" = stdin) without trusting its size: the
 * 32-byte header is read first and the file size it declares (at most
 * IPE_READ_MAX_BINARY) bounds the rest, so a huge file or a device is
 * refused after at most declared size + 1 bytes.  Returns 0 (the bytes, to
 * be decoded by ipe_policy_load_binary(), which checks them all), -EBADMSG
 * with a diagnostic in ctx (the header's size is impossible or the input is
 * longer), or another negative errno (the file cannot be read). */
IPE_EXPORT int ipe_binary_read_file(struct ipe_ctx *ctx, const char *path, uint8_t **ret_data, size_t *ret_len);

/* Does this look like the binary form (magic only)? */
IPE_EXPORT int ipe_binary_probe(const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
