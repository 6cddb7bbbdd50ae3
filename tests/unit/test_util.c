/* SPDX-License-Identifier: MIT */
/* The shared helpers every module derives from (src/util/): one hex codec,
 * one version parser, one name check, one hash map. */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ipe/compile.h>
#include <ipe/ctl.h>
#include <ipe/policy.h>

#include <ipe/eval.h>
#include <ipe/io.h>

#include "compiler/model.h"
#include "compiler/ruleclass.h"
#include "util/internal.h"

/* Every byte value round-trips, in either case, at every alignment the
 * 8-digit fast path and the byte loop can see. */
static void test_hex_roundtrip(void **state)
{
	uint8_t in[256], out[256];
	char hex[2 * 256 + 8], hexu[2 * 256 + 8];

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	for (size_t n = 0; n <= 256; n += (n < 20 ? 1 : 37)) {
		bool upper = true;

		ipe_hex_encode(hex, in + (256 - n), n);
		assert_int_equal(strlen(hex), 2 * n);
		memset(out, 0xAA, sizeof(out));
		assert_int_equal(ipe_hex_decode_case(out, hex, n, &upper), 0);
		assert_false(upper);
		assert_memory_equal(out, in + (256 - n), n);
		for (size_t k = 0; k < 2 * n; k++)
			if (hex[k] >= 'a')
				hex[k] = (char)(hex[k] - 'a' + 'A');
		/* the upper-case encoder (audit records, URIs) writes the same */
		ipe_hex_encode_case(hexu, in + (256 - n), n, true);
		assert_string_equal(hexu, hex);
		assert_int_equal(ipe_hex_decode_case(out, hex, n, &upper), 0);
		assert_true(upper == (strpbrk(hex, "ABCDEF") != NULL));
		assert_memory_equal(out, in + (256 - n), n);
	}
}

/* The public encoder is the internal one with a buffer size: the same text,
 * and nothing written when the buffer is short. */
static void test_hex_format(void **state)
{
	const uint8_t in[] = { 0x00, 0x9f, 0xa0, 0xff, 0x12 };
	char buf[16], ref[16];

	(void)state;
	ipe_hex_encode(ref, in, sizeof(in));
	assert_int_equal(ipe_hex_format(buf, sizeof(buf), in, sizeof(in)), 10);
	assert_string_equal(buf, "009fa0ff12");
	assert_string_equal(buf, ref);
	assert_int_equal(ipe_hex_format(buf, 11, in, sizeof(in)), 10);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ipe_hex_format(buf, 10, in, sizeof(in)), -ENOSPC);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(ipe_hex_format(buf, 1, NULL, 0), 0);
	assert_string_equal(buf, "");
	assert_int_equal(ipe_hex_format(NULL, 8, in, 1), -EINVAL);
	assert_int_equal(ipe_hex_format(buf, 8, NULL, 1), -EINVAL);
}

/* Exactly 0-9 a-f A-F are digits: every other byte, at every position of a
 * 64-digit string (fast path and tail), is refused and found by the span. */
static void test_hex_rejects(void **state)
{
	char hex[65];
	uint8_t out[32];
	bool upper = false;

	(void)state;
	for (int c = 0; c < 256; c++) {
		bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

		for (size_t pos = 0; pos < 64; pos += 7) {
			memset(hex, '0', 64);
			hex[64] = '\0';
			hex[pos] = (char)c;
			assert_int_equal(ipe_hex_decode(out, hex, 32), digit ? 0 : -EINVAL);
			assert_int_equal(ipe_hex_span(hex, 64), digit ? 64 : pos);
			if (digit) {
				assert_int_equal(ipe_hex_decode_case(out, hex, 32, &upper), 0);
				assert_true(upper == (c >= 'A' && c <= 'F'));
			}
		}
	}
	assert_int_equal(ipe_hex_span("", 0), 0);
	assert_int_equal(ipe_hex_span("0x1", 3), 1);
	assert_int_equal(ipe_hex_decode(out, "1g", 1), -EINVAL);
	assert_int_equal(ipe_hex_decode(out, "", 0), 0);
}

/* The kernel's verdict on "policy_name=NAME policy_version=VER" plus a
 * global default: 0 or a positive errno. */
static int header_verdict(const char *name, size_t nlen, const char *ver)
{
	char text[600];
	struct ipe_ctx *ctx = NULL;
	struct ipe_verdict v;
	int n;

	assert_true(nlen < 300);
	n = snprintf(text, sizeof(text), "policy_name=%.*s policy_version=%s\nDEFAULT action=ALLOW\n", (int)nlen, name,
		     ver);
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_policy_verdict_text(ctx, "t", text, (size_t)n, &v), 0);
	ipe_ctx_free(ctx);
	return v.err;
}

/* policy_version= as security/ipe/policy_parser.c parses it: strsep on '.',
 * kstrtou16() per part, more than three parts EBADMSG before the fourth is
 * parsed; the parser, ipe_version_parse() and ipectl all agree with it. */
static void test_version_kernel_rules(void **state)
{
	static const struct {
		const char *s;
		int err;
		uint16_t v[3];
	} cases[] = {
		{ "1.2.3", 0, { 1, 2, 3 } },
		{ "+1.+2.+3", 0, { 1, 2, 3 } },
		{ "0001.002.03", 0, { 1, 2, 3 } },
		{ "65535.65535.65535", 0, { 65535, 65535, 65535 } },
		{ "1..0", -EINVAL, { 0 } },
		{ "1.0.", -EINVAL, { 0 } },
		{ ".1.0", -EINVAL, { 0 } },
		{ "0.0.0.", -EBADMSG, { 0 } },
		{ "1.2.3.x", -EBADMSG, { 0 } },
		{ "1.2", -EBADMSG, { 0 } },
		{ "7", -EBADMSG, { 0 } },
		{ "65536.0.0", -ERANGE, { 0 } },
		{ "0.0.65536", -ERANGE, { 0 } },
		/* kstrtou16: trailing bytes before the u16 range check */
		{ "65536x.0.0", -EINVAL, { 0 } },
		/* ...but a 64-bit overflow before them */
		{ "99999999999999999999x.0.0", -ERANGE, { 0 } },
		{ "x.0.65536", -EINVAL, { 0 } },
		{ "65536.x.0", -ERANGE, { 0 } },
		{ "-1.0.0", -EINVAL, { 0 } },
		{ "0x1.0.0", -EINVAL, { 0 } },
		{ "++1.0.0", -EINVAL, { 0 } },
		{ "1.2.3.4", -EBADMSG, { 0 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t v[3] = { 9, 9, 9 };
		struct ipe_version_fault f;
		int rc = ipe_version_scan(cases[i].s, strlen(cases[i].s), v, &f);

		if (rc != cases[i].err)
			fail_msg("%s: %d, expected %d", cases[i].s, rc, cases[i].err);
		if (!rc)
			assert_memory_equal(v, cases[i].v, sizeof(v));
		assert_int_equal(ipe_version_parse(cases[i].s, v), cases[i].err);
		assert_int_equal(ipe_ctl_version_parse(cases[i].s, strlen(cases[i].s), v),
				 cases[i].err == -EBADMSG ? -EINVAL : cases[i].err);
		assert_int_equal(header_verdict("p", 1, cases[i].s), -cases[i].err);
	}
}

/* A policy name: the header's token rules (EBADMSG), then securityfs's
 * directory rules (EACCES before ENAMETOOLONG); bytes the kernel trims at
 * the end of a line are kept (the version follows the name). */
static void test_name_kernel_rules(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		int err;
	} cases[] = {
		{ "a", 1, 0 },	    { "...", 3, 0 },	    { "a\v", 2, 0 },	   { "a\f", 2, 0 },
		{ "a\xa0", 2, 0 },   { "a=b$\"", 5, 0 },   { "\x01\x7f", 2, 0 }, { "", 0, -EBADMSG },
		{ "a b", 3, -EBADMSG }, { "a\tb", 3, -EBADMSG }, { "a#", 2, -EBADMSG }, { "a\nb", 3, -EBADMSG },
		{ "a\rb", 3, -EBADMSG }, { "a\0b", 3, -EBADMSG }, { ".", 1, -EACCES },  { "..", 2, -EACCES },
		{ "a/b", 3, -EACCES },  { "/", 1, -EACCES },
	};
	char longname[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = "unset";
		int rc = ipe_name_fault_errno(ipe_name_faults(cases[i].s, cases[i].len), &why);

		if (rc != cases[i].err)
			fail_msg("name %zu: %d, expected %d", i, rc, cases[i].err);
		assert_true((why == NULL) == (rc == 0));
		assert_true((ipe_policy_name_problem(cases[i].s, cases[i].len) == NULL) == (rc == 0));
		/* the parser's verdict derives from the same rules (names a
		 * header line can carry) */
		if (rc != -EBADMSG || cases[i].len == 0)
			assert_int_equal(header_verdict(cases[i].s, cases[i].len, "1.0.0"), -rc);
	}
	memset(longname, 'n', sizeof(longname));
	assert_int_equal(ipe_name_fault_errno(ipe_name_faults(longname, 255), NULL), 0);
	assert_int_equal(header_verdict(longname, 255, "1.0.0"), 0);
	assert_int_equal(ipe_name_fault_errno(ipe_name_faults(longname, 256), NULL), -ENAMETOOLONG);
	assert_int_equal(header_verdict(longname, 256, "1.0.0"), ENAMETOOLONG);
	longname[3] = '/';
	assert_int_equal(ipe_name_fault_errno(ipe_name_faults(longname, 256), NULL), -EACCES);
	assert_int_equal(header_verdict(longname, 256, "1.0.0"), EACCES);
	assert_int_equal(ipe_ctl_rule_name(""), -EACCES);
	assert_int_equal(ipe_ctl_rule_name(".."), -EACCES);
	assert_int_equal(ipe_ctl_rule_name("a\v"), 0);
	longname[3] = 'n';
	longname[256] = '\0';
	assert_int_equal(ipe_ctl_rule_name(longname), -ENAMETOOLONG);
}

/* The one hash map: a multimap with iteration, unique puts, growth from
 * empty (zero-initialised) and clearing. */
static bool int_eq(const void *entry, const void *key)
{
	return *(const int *)entry == *(const int *)key;
}

/* The dedup-append of digest tables and the walker's inode set: each value
 * once, in first-seen order, also when hashes collide (h = value % 7), and
 * nothing added past max. */
static void test_hmap_intern(void **state)
{
	struct ipe_hmap ix = { 0 };
	int *vals = NULL;
	size_t n = 0, cap = 0, at = 0;

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (int x = 0; x < 100; x++) {
			int rc = ipe_hmap_intern(&ix, (uint64_t)(x % 7), (void **)&vals, &n, &cap, sizeof(*vals), 1000,
						 int_eq, &x, &at);

			assert_int_equal(rc, round == 0 ? 1 : 0);
			if (rc == 1)
				vals[at] = x;
			assert_int_equal(at, (size_t)x);
		}
	}
	assert_int_equal(n, 100);
	{
		int x = 100;

		assert_int_equal(ipe_hmap_intern(&ix, 2, (void **)&vals, &n, &cap, sizeof(*vals), 100, int_eq, &x, &at),
				 -E2BIG);
		x = 9; /* present: found whatever max says */
		assert_int_equal(ipe_hmap_intern(&ix, 2, (void **)&vals, &n, &cap, sizeof(*vals), 100, int_eq, &x, &at),
				 0);
		assert_int_equal(at, 9);
	}
	assert_int_equal(n, 100);
	free(vals);
	ipe_hmap_free(&ix);
}

static void test_hmap(void **state)
{
	struct ipe_hmap h = { 0 };
	uint32_t v, seen;
	size_t pos;

	(void)state;
	assert_false(ipe_hmap_get(&h, 1, &v));
	for (uint32_t i = 0; i < 5000; i++)
		assert_int_equal(ipe_hmap_insert(&h, i % 1000, i), 0);
	assert_int_equal(h.n, 5000);
	for (uint64_t k = 0; k < 1000; k++) {
		seen = 0;
		pos = SIZE_MAX;
		while (ipe_hmap_next(&h, k, &pos, &v)) {
			assert_int_equal(v % 1000, k);
			seen |= 1u << (v / 1000);
		}
		assert_int_equal(seen, 0x1f);
	}
	assert_false(ipe_hmap_get(&h, 1000, NULL));
	ipe_hmap_clear(&h);
	assert_false(ipe_hmap_get(&h, 7, NULL));
	assert_int_equal(ipe_hmap_put(&h, 7, 70, &v), 0);
	assert_int_equal(v, 70);
	assert_int_equal(ipe_hmap_put(&h, 7, 71, &v), 1);
	assert_int_equal(v, 70);
	assert_int_equal(h.n, 1);
	ipe_hmap_free(&h);
	assert_null(h.slots);
}

/* The one hash function: every byte and the length count; chaining is
 * deterministic. */
static void test_hash_bytes(void **state)
{
	uint8_t a[40] = { 0 }, b[40] = { 0 };

	(void)state;
	assert_true(ipe_hash_bytes(IPE_HASH_SEED, a, 40) == ipe_hash_bytes(IPE_HASH_SEED, b, 40));
	assert_true(ipe_hash_bytes(IPE_HASH_SEED, a, 39) != ipe_hash_bytes(IPE_HASH_SEED, a, 40));
	for (size_t i = 0; i < 40; i++) {
		b[i] = 1;
		assert_true(ipe_hash_bytes(IPE_HASH_SEED, a, 40) != ipe_hash_bytes(IPE_HASH_SEED, b, 40));
		b[i] = 0;
	}
	assert_true(ipe_hash_mix(1) != ipe_hash_mix(2));
}

static struct ipe_policy *parse_text(struct ipe_ctx *ctx, const char *text)
{
	struct ipe_policy *p = NULL;
	uint32_t src;

	assert_int_equal(ipe_source_from_memory(ctx, "t", text, strlen(text), true, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &p), 0);
	return p;
}

/* The events a kernel can produce, by boolean combination: a
 * boot_verified file (initramfs rootfs) is on no dm-verity volume and has
 * no fs-verity, so it has no verity signature and no digest; every other
 * combination happens. */
static void test_physical_mask(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 8; b++) {
		bool bv = b & (1u << IPE_RC_DIM_BV), ds = b & (1u << IPE_RC_DIM_DS), fs = b & (1u << IPE_RC_DIM_FS);

		assert_int_equal((ipe_rc_physical_mask(false) >> b) & 1u, !(bv && (ds || fs)));
		assert_int_equal((ipe_rc_physical_mask(true) >> b) & 1u, !bv);
	}
}

/* One digest identity: type, algorithm name and bytes, across policies
 * whose algorithm indices differ; the hash follows the identity. */
static void test_digest_identity(void **state)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *a, *b;
	const struct ipe_prop *a1, *b0, *b1;
	static const uint8_t ab[2] = { 0xab, 0xcd };

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	a = parse_text(ctx, "policy_name=a policy_version=1.0.0\nDEFAULT action=DENY\n"
			    "op=EXECUTE fsverity_digest=sha512:00 action=ALLOW\n"
			    "op=EXECUTE fsverity_digest=sha256:ABcd action=ALLOW\n");
	b = parse_text(ctx, "policy_name=b policy_version=1.0.0\nDEFAULT action=DENY\n"
			    "op=EXECUTE fsverity_digest=sha256:abcd action=ALLOW\n"
			    "op=EXECUTE dmverity_roothash=sha256:abcd action=ALLOW\n");
	a1 = ipe_rule_props(a, &a->ops[IPE_OP_EXECUTE].rules[1]);
	b0 = ipe_rule_props(b, &b->ops[IPE_OP_EXECUTE].rules[0]);
	b1 = ipe_rule_props(b, &b->ops[IPE_OP_EXECUTE].rules[1]);
	assert_int_not_equal(a1->alg, b0->alg);
	assert_true(ipe_prop_digest_same(a, a1, b, b0));
	assert_true(ipe_prop_digest_hash(a, a1) == ipe_prop_digest_hash(b, b0));
	assert_true(ipe_prop_digest_hash(a, a1) == ipe_digest_hash(IPE_PROP_FSV_DIGEST, "sha256", ab, 2));
	assert_true(ipe_prop_digest_is(a, a1, "sha256", ab, 2));
	assert_false(ipe_prop_digest_is(a, a1, "sha512", ab, 2));
	assert_false(ipe_prop_digest_is(a, a1, "sha256", ab, 1));
	/* same bytes and algorithm, other property: another value */
	assert_false(ipe_prop_digest_same(b, b0, b, b1));
	assert_false(ipe_prop_digest_equal(b, b0, b1));
	assert_true(ipe_prop_digest_hash(b, b0) != ipe_prop_digest_hash(b, b1));
	ipe_policy_free(a);
	ipe_policy_free(b);
	ipe_ctx_free(ctx);
}

/* The one byte escape: printable ASCII as itself, everything else (and a
 * backslash, unless kept) as \xNN; ipe_escape_bytes is built on it. */
static void test_escape_byte(void **state)
{
	char e[5], buf[64];
	FILE *f;
	char *mem = NULL;
	size_t memlen = 0;

	(void)state;
	for (int c = 0; c < 256; c++) {
		bool plain = c >= 0x20 && c < 0x7f;
		size_t k = ipe_escape_byte(e, (unsigned char)c, true);

		e[k] = '\0';
		if (plain) {
			assert_int_equal(k, 1);
			assert_int_equal((unsigned char)e[0], c);
		} else {
			char want[5];

			snprintf(want, sizeof(want), "\\x%02x", c);
			assert_string_equal(e, want);
		}
		assert_int_equal(ipe_escape_byte(e, (unsigned char)c, false), plain && c != '\\' ? 1 : 4);
		/* the excerpts' width table: what the excerpt writes (TAB as a space) */
		assert_int_equal(ipe_excerpt_byte_width((unsigned char)c), c == '\t' ? 1 : k);
	}
	assert_int_equal(ipe_escape_bytes(buf, sizeof(buf), "a\\b\x01\xff", 5), 14);
	assert_string_equal(buf, "a\\x5cb\\x01\\xff");
	f = open_memstream(&mem, &memlen);
	assert_non_null(f);
	{
		uint8_t d[200];

		for (size_t i = 0; i < sizeof(d); i++)
			d[i] = (uint8_t)i;
		assert_int_equal(ipe_fput_hex(f, d, sizeof(d)), 0);
		fclose(f);
		assert_int_equal(memlen, 400);
		assert_memory_equal(mem, "000102", 6);
		assert_memory_equal(mem + 394, "c5c6c7", 6);
	}
	free(mem);
}

/* Big blocks (util/mem.c): contents kept through every growth path (small
 * realloc, the crossing to a huge block with its copy, mremap growth), for
 * both thresholds; sizes at least what was asked and, from the threshold,
 * a whole number of 2 MiB pages with glibc's 24 bytes of chunk overhead. */
static void check_vec(int (*reserve)(void **, size_t *, size_t, size_t), uint32_t n)
{
	uint32_t *v = NULL;
	size_t cap = 0, prev = 0;

	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(reserve((void **)&v, &cap, (size_t)i + 1, sizeof(*v)), 0);
		assert_true(cap >= (size_t)i + 1 && cap >= prev);
		prev = cap;
		v[i] = i * 2654435761u;
	}
	for (uint32_t i = 0; i < n; i++)
		if (v[i] != i * 2654435761u)
			fail_msg("element %u of %u lost in a growth", i, n);
	assert_true((cap * sizeof(*v) + 24) % ((size_t)2 << 20) < sizeof(*v));
	assert_int_equal(reserve((void **)&v, &cap, SIZE_MAX / 2, sizeof(*v)), -EOVERFLOW);
	assert_int_equal(v[12345], 12345u * 2654435761u);
	free(v);
}

static void test_mem_blocks(void **state)
{
	const size_t min = IPE_MEM_HUGE_MIN, big_min = IPE_MEM_HUGE_BIG_MIN, huge = (size_t)2 << 20;
	size_t sz = 0;
	uint8_t *b;

	(void)state;
	check_vec(ipe_vec_reserve, (uint32_t)(min / 4 * 3 / 2)); /* 1.5x the threshold */
	check_vec(ipe_vec_reserve_big, (uint32_t)(big_min / 4 * 3)); /* past the big threshold */

	b = ipe_mem_alloc(min + 5, true, &sz);
	assert_non_null(b);
	assert_true(sz >= min + 5 && (sz + 24) % huge == 0);
	for (size_t i = 0; i < sz; i++)
		if (b[i])
			fail_msg("byte %zu of a zeroed block is %u", i, b[i]);
	free(b);
	b = ipe_mem_alloc_big(big_min + 5, true);
	assert_non_null(b);
	for (size_t i = 0; i < big_min + 5; i++)
		if (b[i])
			fail_msg("byte %zu of a zeroed big block is %u", i, b[i]);
	free(b);
	b = ipe_mem_alloc_exact(min + 5); /* exact: usable as asked, not rounded */
	assert_non_null(b);
	memset(b, 0x33, min + 5);
	assert_true(malloc_usable_size(b) < min + 5 + ((size_t)64 << 10));
	free(b);
	b = ipe_mem_alloc(0, false, &sz);
	assert_non_null(b);
	assert_true(sz >= 1);
	free(b);
	b = ipe_mem_alloc(min / 2, false, &sz);
	assert_non_null(b);
	assert_int_equal(sz, min / 2); /* small: as asked */
	for (size_t i = 0; i < min / 2; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	b = ipe_mem_realloc(b, min / 2, min + (min / 2), &sz);
	assert_non_null(b);
	assert_true(sz >= min + min / 2);
	for (size_t i = 0; i < min / 2; i++)
		if (b[i] != (uint8_t)(i * 7 + 3))
			fail_msg("byte %zu lost crossing to a huge block", i);
	memset(b + min / 2, 0x5a, min);
	b = ipe_mem_realloc(b, min + min / 2, 3 * min, &sz);
	assert_non_null(b);
	assert_int_equal(b[min + min / 2 - 1], 0x5a);
	assert_int_equal(b[77], (uint8_t)(77 * 7 + 3));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_hex_rejects),
		cmocka_unit_test(test_version_kernel_rules),
		cmocka_unit_test(test_name_kernel_rules),
		cmocka_unit_test(test_hmap),
		cmocka_unit_test(test_hmap_intern),
		cmocka_unit_test(test_hash_bytes),
		cmocka_unit_test(test_digest_identity),
		cmocka_unit_test(test_physical_mask),
		cmocka_unit_test(test_escape_byte),
		cmocka_unit_test(test_hex_format),
		cmocka_unit_test(test_mem_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
