/* SPDX-License-Identifier: MIT */
/* libipe internals shared between modules (not installed). */
#ifndef IPE_UTIL_INTERNAL_H
#define IPE_UTIL_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ipe/diag.h>

/* A source of a context (opaque in <ipe/diag.h>). */
struct ipe_source {
	char *name;
	const unsigned char *data;
	size_t len;
	bool owned;     /* data is freed with the context */
	void *priv;     /* line index */
};

struct ipe_source *ipe_ctx_source_mut(struct ipe_ctx *ctx, uint32_t src);

struct ipe_diag *ipe_diag_addv(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev,
			       const struct ipe_loc *loc, const char *hint, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void ipe_hex_encode(char *out, const void *data, size_t n);
/* The same in either case (upper: A-F, as the kernel's audit records and
 * URI percent-encoding write it). */
void ipe_hex_encode_case(char *out, const void *data, size_t n, bool upper);
/* Lowercase hex of n bytes to out.  0 or -EIO. */
int ipe_fput_hex(FILE *out, const void *data, size_t n);
/* One byte as terminal text: itself when printable ASCII, else \xNN (so is
 * a backslash unless keep_backslash).  Returns 1 or 4.  ipe_escape_bytes(),
 * source excerpts, JSON text and GitHub annotations all escape with it. */
size_t ipe_escape_byte(char out[4], unsigned char c, bool keep_backslash);
/* Display width of one byte in a source excerpt (1 or 4): a TAB shows as
 * one space, the rest as ipe_escape_byte(.., true) writes it. */
size_t ipe_excerpt_byte_width(unsigned char c);
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

/* ---- the kernel's header values (src/util/header.c) ---- */

/* kstrtou16(s, 10) over len bytes: one optional '+', decimal digits, one
 * optional trailing '\n'.  0, -EINVAL (no digits, other bytes) or -ERANGE
 * (over 65535; a 64-bit overflow is reported before trailing bytes, a u16
 * one after them, so "65536x" is -EINVAL). */
int ipe_kstrtou16(const char *s, size_t len, uint16_t *ret);

/* Which part of a version failed: its index (0-based; for a wrong number of
 * parts, the number of parts seen) and its text. */
struct ipe_version_fault {
	size_t part;
	const char *text;
	size_t len;
};
/* policy_version=MAJOR.MINOR.REVISION as the kernel parses it: split on '.',
 * each part ipe_kstrtou16() left to right, more than three parts -EBADMSG
 * (before the fourth is parsed), fewer -EBADMSG.  Returns 0, -EBADMSG,
 * -EINVAL or -ERANGE (the first failure; *ret_fault says where). */
int ipe_version_scan(const char *s, size_t len, uint16_t ret_v[3], struct ipe_version_fault *ret_fault);
/* The kernel's version order (major, then minor, then revision): -1, 0, 1. */
int ipe_version_order(const uint16_t a[3], const uint16_t b[3]);
/* "M.m.r" into buf (at least IPE_VERSION_STRLEN bytes); returns buf. */
#define IPE_VERSION_STRLEN 18u
const char *ipe_version_format(const uint16_t v[3], char *buf);
/* The kernel's update rule (policies/NAME/update): same name (else -EINVAL)
 * and a strictly higher version (else -ESTALE); 0 when allowed. */
int ipe_update_rule(const char *old_name, const uint16_t old_ver[3], const char *new_name,
		    const uint16_t new_ver[3]);

/* What is wrong with a policy name, as a set of faults: the header cannot
 * carry it (EBADMSG), securityfs refuses it as a directory (EACCES), or it
 * is too long for one (ENAMETOOLONG). */
#define IPE_NAME_MAX 255
enum {
	IPE_NAME_EMPTY = 1u << 0,     /* EBADMSG in a header, EACCES in securityfs */
	IPE_NAME_NUL = 1u << 1,	      /* EBADMSG */
	IPE_NAME_LINEBREAK = 1u << 2, /* '\n' or '\r': EBADMSG */
	IPE_NAME_HASH = 1u << 3,      /* '#' starts a comment: EBADMSG */
	IPE_NAME_BLANK = 1u << 4,     /* space or TAB ends the token: EBADMSG */
	IPE_NAME_DOTS = 1u << 5,      /* "." or "..": EACCES */
	IPE_NAME_SLASH = 1u << 6,     /* '/': EACCES */
	IPE_NAME_LONG = 1u << 7,      /* over IPE_NAME_MAX bytes: ENAMETOOLONG */
};
#define IPE_NAME_DIR_FAULTS (IPE_NAME_DOTS | IPE_NAME_SLASH)
unsigned ipe_name_faults(const char *name, size_t len);
/* The kernel's errno for the first of faults, in the kernel's order (0 for
 * none), and *ret_why (when not NULL) a sentence saying why. */
int ipe_name_fault_errno(unsigned faults, const char **ret_why);

/* ---- the one hash function and hash map (src/util/hash.c) ---- */

#define IPE_HASH_SEED 0xcbf29ce484222325ull
/* Hash len bytes into h (start from IPE_HASH_SEED); chain calls for
 * several fields. */
uint64_t ipe_hash_bytes(uint64_t h, const void *data, size_t len);
/* Spread a 64-bit value over all bits (a hash map slot from a key). */
uint64_t ipe_hash_mix(uint64_t x);

/* An open-addressing multimap uint64 key -> uint32 value (not
 * IPE_HMAP_EMPTY), keys and values side by side (one cache miss a probe).
 * Zero-initialised is empty; ipe_hmap_init() sizes it for want entries.
 * Keys are usually hashes: the caller compares what they stand for. */
#define IPE_HMAP_EMPTY UINT32_MAX
struct ipe_hmap {
	struct ipe_hmap_slot {
		uint64_t key;
		uint32_t val;
	} *slots;
	size_t cap, n; /* cap: 0 or a power of two */
};
int ipe_hmap_init(struct ipe_hmap *h, size_t want);
void ipe_hmap_free(struct ipe_hmap *h);
void ipe_hmap_clear(struct ipe_hmap *h);
/* Add (key, val), also when key is already there.  0 or -ENOMEM. */
int ipe_hmap_insert(struct ipe_hmap *h, uint64_t key, uint32_t val);
/* The values under key in turn: *pos starts at SIZE_MAX. */
bool ipe_hmap_next(const struct ipe_hmap *h, uint64_t key, size_t *pos, uint32_t *ret_val);
/* A map of unique keys: when key is there, 1 and *ret_existing its value;
 * else (key, val) is added: 0 and *ret_existing = val.  Or -ENOMEM. */
int ipe_hmap_put(struct ipe_hmap *h, uint64_t key, uint32_t val, uint32_t *ret_existing);
/* The first value under key. */
bool ipe_hmap_get(const struct ipe_hmap *h, uint64_t key, uint32_t *ret_val);
/* The slot where a probe for key starts (to prefetch it); cap > 0. */
static inline size_t ipe_hmap_slot(const struct ipe_hmap *h, uint64_t key)
{
	return (size_t)ipe_hash_mix(key) & (h->cap - 1);
}

/* Drop the diagnostics after the first n (ctx.c): undo a pass whose
 * findings are not kept. */
void ipe_ctx_diag_truncate(struct ipe_ctx *ctx, size_t n);

/* Add n related notes to d at once, messages already formatted (copied):
 * one allocation for the list and one per message (ctx.c).  Returns 0 or
 * -ENOMEM (then nothing is added). */
int ipe_diag_add_related_texts(struct ipe_diag *d, size_t n, const struct ipe_loc *locs,
			       const char *const *texts);

#define IPE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Grow a vector of elements of size elsz so that it can hold need elements.
 * Returns 0 or -ENOMEM / -EOVERFLOW. */
int ipe_vec_reserve(void **vec, size_t *cap, size_t need, size_t elsz);

/* Big blocks (mem.c): huge pages for the input text, the model's arrays
 * and lint's tables.  ipe_mem_alloc() returns a block of at least len bytes
 * (zeroed when zero; its whole size in *ret_size when not NULL) that free()
 * releases; ipe_mem_realloc() grows a block of which old_len bytes are kept
 * (NULL: the block is left as it was).  From IPE_MEM_HUGE_MIN bytes a block
 * is a whole number of 2 MiB pages advised for THP (up to 2 MiB more
 * resident than it holds); smaller ones are plain malloc() blocks.  The
 * _big variants (and ipe_vec_reserve_big) do so from IPE_MEM_HUGE_BIG_MIN:
 * for the arrays of an input of IPE_MEM_BIG_INPUT bytes or more, which
 * grow big enough for the last page not to matter. */
#define IPE_MEM_HUGE_MIN ((size_t)8 << 20)
#define IPE_MEM_HUGE_BIG_MIN ((size_t)1 << 20)
#define IPE_MEM_BIG_INPUT ((size_t)32 << 20)
void *ipe_mem_alloc(size_t len, bool zero, size_t *ret_size);
void *ipe_mem_alloc_big(size_t len, bool zero);
/* A block of exactly len bytes (a file's text, its size known): only the
 * 2 MiB pages inside it are advised, none is resident past its end. */
void *ipe_mem_alloc_exact(size_t len);
void *ipe_mem_realloc(void *buf, size_t old_len, size_t len, size_t *ret_size);
int ipe_vec_reserve_big(void **vec, size_t *cap, size_t need, size_t elsz);

/* A set of entries: a vector (*vec, *n used, *cap allocated, elsz bytes
 * each) and an ipe_hmap from each entry's hash to its index.  Look for an
 * entry under hash h that eq(entry, key) accepts: 0 and *ret_at its index.
 * Else one more entry is made (uninitialised, the caller fills it; *n grows
 * by one) and indexed under h: 1 and *ret_at its index.  -E2BIG when *n is
 * already max (at most UINT32_MAX - 1), -ENOMEM.  Inline so that eq is. */
static inline int ipe_hmap_intern(struct ipe_hmap *index, uint64_t h, void **vec, size_t *n, size_t *cap,
				  size_t elsz, size_t max, bool (*eq)(const void *entry, const void *key),
				  const void *key, size_t *ret_at)
{
	size_t pos = SIZE_MAX;
	uint32_t v;
	int rc;

	while (ipe_hmap_next(index, h, &pos, &v)) {
		if (eq((const char *)*vec + (size_t)v * elsz, key)) {
			*ret_at = v;
			return 0;
		}
	}
	if (*n >= max || *n >= UINT32_MAX - 1)
		return -E2BIG;
	rc = ipe_vec_reserve(vec, cap, *n + 1, elsz);
	if (rc)
		return rc;
	rc = ipe_hmap_insert(index, h, (uint32_t)*n);
	if (rc)
		return rc;
	*ret_at = (*n)++;
	return 1;
}

#endif
