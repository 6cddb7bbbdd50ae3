/* SPDX-License-Identifier: MIT */
/* libipe internals shared between modules (not installed). */
#ifndef IPE_UTIL_INTERNAL_H
#define IPE_UTIL_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/diag.h>

struct ipe_source *ipe_ctx_source_mut(struct ipe_ctx *ctx, uint32_t src);

struct ipe_diag *ipe_diag_addv(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev,
			       const struct ipe_loc *loc, const char *hint, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void ipe_hex_encode(char *out, const void *data, size_t n);
/* The one hex decoder of libipe (policy digests, audit records, key ids,
 * salts).  Decode 2n hex digits (either case) into n bytes: 0, or -EINVAL
 * when one is not a hex digit (out is then partly written). */
int ipe_hex_decode(uint8_t *out, const char *hex, size_t n);
/* The same; *ret_upper (on success, when not NULL): one digit was A-F. */
int ipe_hex_decode_case(uint8_t *out, const char *hex, size_t n, bool *ret_upper);
/* How many of the len bytes at s, from the start, are hex digits. */
size_t ipe_hex_span(const char *s, size_t len);

/* A JSON string of arbitrary bytes (json-c): valid UTF-8 kept, any other
 * byte as \xNN, so the document stays valid UTF-8 (src/compiler/emit_json.c). */
struct json_object;
struct json_object *ipe_json_text(const char *t);
/* Bytes (a policy name, ...) as a JSON string with non-printable bytes escaped as \xNN. */
struct json_object *ipe_json_escaped(const char *t, size_t len);

#define IPE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Grow a vector of elements of size elsz so that it can hold need elements.
 * Returns 0 or -ENOMEM / -EOVERFLOW. */
int ipe_vec_reserve(void **vec, size_t *cap, size_t need, size_t elsz);

#endif
