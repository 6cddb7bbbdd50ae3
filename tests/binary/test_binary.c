/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of the binary form: round trip, determinism, canonical
 * encoding (decode(x) succeeds => encode(decode(x)) == x), and hostile input:
 * every truncation, every single-bit flip with and without a fixed checksum,
 * huge counts and out-of-range offsets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <ipe/binary.h>
#include <ipe/policy.h>

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha512:" "22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"

static const char small_text[] =
	"policy_name=t policy_version=1.2.3\n"
	"DEFAULT action=DENY\n"
	"op=EXECUTE fsverity_digest=" D1 " action=ALLOW\n"
	"op=KMODULE boot_verified=TRUE action=ALLOW\n";

static const char rich_text[] =
	"policy_name=rich$=\x80name policy_version=65535.0.7\n"
	"DEFAULT op=EXECUTE action=ALLOW\n"
	"op=EXECUTE fsverity_digest=" D1 " dmverity_roothash=" D1 " action=DENY\n"
	"op=EXECUTE fsverity_digest=" D1 " fsverity_digest=" D1 " action=DENY\n"
	"op=FIRMWARE dmverity_roothash=" D2 " dmverity_signature=FALSE action=ALLOW\n"
	"DEFAULT op=FIRMWARE action=DENY\n"
	"DEFAULT op=KMODULE action=DENY\n"
	"op=KMODULE fsverity_digest=SHA256:00ff action=ALLOW\n"
	"op=KMODULE fsverity_digest=: action=ALLOW\n"
	"op=KMODULE fsverity_digest=x=y\v:AB action=ALLOW\n"
	"DEFAULT op=KEXEC_IMAGE action=DENY\n"
	"DEFAULT op=KEXEC_INITRAMFS action=DENY\n"
	"DEFAULT op=POLICY action=ALLOW\n"
	"DEFAULT op=X509_CERT action=DENY\n"
	"op=X509_CERT action=ALLOW\n"
	"op=POLICY boot_verified=FALSE boot_verified=TRUE dmverity_signature=TRUE fsverity_signature=TRUE fsverity_signature=FALSE action=DENY\n"
	"op=EXECUTE fsverity_digest=" D1 " action=ALLOW\n";

struct fixture {
	struct ipe_ctx *ctx;
	struct ipe_policy *p;
	char *text;
	size_t text_len;
	uint8_t *bin;
	size_t bin_len;
};

static void parse_text(struct fixture *f, const char *text)
{
	uint32_t src;

	assert_int_equal(ipe_ctx_new(&f->ctx), 0);
	assert_int_equal(ipe_source_from_memory(f->ctx, "t.pol", text, strlen(text), true, &src), 0);
	assert_int_equal(ipe_policy_parse(f->ctx, src, &f->p), 0);
	assert_int_equal(ipe_policy_verdict(f->p)->err, 0);
	assert_int_equal(ipe_policy_emit_canonical(f->p, &f->text, &f->text_len), 0);
	assert_int_equal(ipe_policy_emit_binary(f->p, &f->bin, &f->bin_len), 0);
}

static void fixture_free(struct fixture *f)
{
	free(f->text);
	free(f->bin);
	ipe_policy_free(f->p);
	ipe_ctx_free(f->ctx);
}

static void fix_checksum(uint8_t *b, size_t len)
{
	assert_true(EVP_Digest(b, len - 32, b + len - 32, NULL, EVP_sha256(), NULL));
}

/* Decoding must fail with a diagnostic, or succeed on a canonical encoding
 * that decompiles to a text the kernel accepts. */
static int check_decode(struct ipe_ctx *ctx, const uint8_t *b, size_t len)
{
	struct ipe_policy *q = NULL, *r = NULL;
	size_t ndiag = ipe_ctx_diag_count(ctx);
	uint8_t *again = NULL;
	char *text = NULL;
	size_t alen = 0, tlen = 0;
	uint32_t src;
	int rc = ipe_policy_load_binary(ctx, b, len, &q);

	if (rc) {
		assert_true(rc == -EBADMSG || rc == -EPROTONOSUPPORT);
		assert_null(q);
		assert_true(ipe_ctx_diag_count(ctx) > ndiag);
		ipe_ctx_diag_clear(ctx);
		return rc;
	}
	assert_int_equal(ipe_ctx_diag_count(ctx), ndiag);
	assert_int_equal(ipe_policy_emit_binary(q, &again, &alen), 0);
	if (b[10] == 0 && b[11] == 0) { /* format 1.0: the encoding is canonical */
		assert_int_equal(alen, len);
		assert_memory_equal(again, b, len);
	}
	assert_int_equal(ipe_policy_emit_canonical(q, &text, &tlen), 0);
	assert_int_equal(tlen, ipe_policy_text_len(q));
	assert_int_equal(ipe_source_from_memory(ctx, "dec.pol", text, tlen, true, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &r), 0);
	assert_int_equal(ipe_policy_verdict(r)->err, 0);
	ipe_ctx_diag_clear(ctx);
	free(again);
	free(text);
	ipe_policy_free(q);
	ipe_policy_free(r);
	return 0;
}

static void roundtrip(const char *src_text)
{
	struct fixture f = { 0 };
	struct ipe_policy *q = NULL;
	uint8_t *b2 = NULL;
	char *t2 = NULL;
	size_t l2 = 0, tl2 = 0;

	parse_text(&f, src_text);
	assert_int_equal(ipe_policy_load_binary(f.ctx, f.bin, f.bin_len, &q), 0);
	assert_int_equal(ipe_policy_emit_canonical(q, &t2, &tl2), 0);
	assert_int_equal(tl2, f.text_len);
	assert_memory_equal(t2, f.text, f.text_len);
	assert_int_equal(ipe_policy_text_len(q), f.text_len);
	assert_int_equal(ipe_policy_nrules(q), ipe_policy_nrules(f.p));
	/* deterministic: encoding the decoded model gives the same bytes */
	assert_int_equal(ipe_policy_emit_binary(q, &b2, &l2), 0);
	assert_int_equal(l2, f.bin_len);
	assert_memory_equal(b2, f.bin, l2);
	assert_int_equal(check_decode(f.ctx, f.bin, f.bin_len), 0);
	free(b2);
	free(t2);
	ipe_policy_free(q);
	fixture_free(&f);
}

static void test_roundtrip_small(void **state)
{
	(void)state;
	roundtrip(small_text);
}

static void test_roundtrip_rich(void **state)
{
	(void)state;
	roundtrip(rich_text);
}

/* The same canonical text from a differently ordered source: same bytes. */
static void test_deterministic_from_canonical(void **state)
{
	struct fixture a = { 0 }, b = { 0 };

	(void)state;
	parse_text(&a, rich_text);
	parse_text(&b, a.text);
	assert_int_equal(a.bin_len, b.bin_len);
	assert_memory_equal(a.bin, b.bin, a.bin_len);
	fixture_free(&a);
	fixture_free(&b);
}

/* Canonical line numbers: header 1, then one line per DEFAULT / rule. */
static void test_lines(void **state)
{
	struct fixture f = { 0 };
	struct ipe_policy *q = NULL;
	struct ipe_loc dl;

	(void)state;
	parse_text(&f, small_text);
	assert_int_equal(ipe_policy_load_binary(f.ctx, f.bin, f.bin_len, &q), 0);
	assert_int_equal(ipe_policy_default(q, &dl), IPE_ACTION_DENY);
	assert_int_equal(dl.line, 2);
	assert_int_equal(ipe_rule_loc(ipe_policy_rule(q, IPE_OP_EXECUTE, 0)).line, 3);
	assert_int_equal(ipe_rule_loc(ipe_policy_rule(q, IPE_OP_KMODULE, 0)).line, 4);
	assert_int_equal(ipe_rule_loc(ipe_policy_rule(q, IPE_OP_KMODULE, 0)).src, IPE_SRC_NONE);
	ipe_policy_free(q);
	fixture_free(&f);
}

static void test_refuses_rejected(void **state)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = NULL;
	uint8_t *b = NULL;
	size_t len = 0;
	uint32_t src;
	static const char bad[] = "policy_name=x policy_version=1.0.0\nop=EXECUTE action=ALLOW\n";

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "b.pol", bad, strlen(bad), true, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &p), 0);
	assert_int_not_equal(ipe_policy_verdict(p)->err, 0);
	assert_int_equal(ipe_policy_emit_binary(p, &b, &len), -EINVAL);
	assert_null(b);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
}

static void test_truncations(void **state)
{
	struct fixture f = { 0 };

	(void)state;
	parse_text(&f, small_text);
	for (size_t n = 0; n < f.bin_len; n++) {
		uint8_t *c = malloc(n ? n : 1);

		memcpy(c, f.bin, n);
		assert_int_equal(check_decode(f.ctx, c, n), -EBADMSG);
		free(c);
	}
	/* NULL data with length 0 */
	assert_int_equal(check_decode(f.ctx, NULL, 0), -EBADMSG);
	fixture_free(&f);
}

static void flips(const char *text)
{
	struct fixture f = { 0 };
	uint8_t *c;
	size_t accepted = 0;

	parse_text(&f, text);
	c = malloc(f.bin_len);
	for (size_t bit = 0; bit < 8 * f.bin_len; bit++) {
		memcpy(c, f.bin, f.bin_len);
		c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		/* without fixing the checksum: always refused */
		assert_int_not_equal(check_decode(f.ctx, c, f.bin_len), 0);
		/* with it: refused, or a valid canonical encoding of another policy */
		if (bit / 8 < f.bin_len - 32) {
			fix_checksum(c, f.bin_len);
			accepted += check_decode(f.ctx, c, f.bin_len) == 0;
		}
	}
	/* some flips make another valid policy (version, actions, digest bytes
	 * with... ), most do not */
	assert_true(accepted > 0);
	assert_true(accepted < 8 * f.bin_len / 4);
	free(c);
	fixture_free(&f);
}

static void test_bitflips_small(void **state)
{
	(void)state;
	flips(small_text);
}

static void test_bitflips_rich(void **state)
{
	(void)state;
	flips(rich_text);
}

static void put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

/* Huge counts, offsets and lengths in every field that holds one, with a
 * valid checksum: refused with a diagnostic, no crash, no huge allocation. */
static void test_huge_values(void **state)
{
	static const uint64_t vals[] = { 0xffffffffffffffffull, 0x8000000000000000ull, 0xffffffffull, 0xfffffffeull,
					 0x100000000ull, 0x7fffffffull, 1u << 20 };
	struct fixture f = { 0 };
	uint8_t *c;
	size_t tried = 0;

	(void)state;
	parse_text(&f, rich_text);
	c = malloc(f.bin_len);
	/* every 4- and 8-byte aligned field of the file */
	for (size_t off = 0; off + 8 <= f.bin_len - 32; off += 4) {
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			memcpy(c, f.bin, f.bin_len);
			if (off % 8 == 0)
				put64(c + off, vals[v]);
			else
				put32(c + off, (uint32_t)vals[v]);
			fix_checksum(c, f.bin_len);
			check_decode(f.ctx, c, f.bin_len);
			tried++;
		}
	}
	/* specifically: the META counts and the section lengths */
	{
		size_t meta = (size_t)get64(f.bin + 32 + 8);

		memcpy(c, f.bin, f.bin_len);
		put64(c + meta + 24, 0xfffffffeull); /* nrules */
		fix_checksum(c, f.bin_len);
		assert_int_equal(check_decode(f.ctx, c, f.bin_len), -EBADMSG);
		memcpy(c, f.bin, f.bin_len);
		put64(c + meta + 32, 0xfffffffeull); /* nprops */
		fix_checksum(c, f.bin_len);
		assert_int_equal(check_decode(f.ctx, c, f.bin_len), -EBADMSG);
		memcpy(c, f.bin, f.bin_len);
		put64(c + 16, 0xffffffffffffffffull); /* file size */
		fix_checksum(c, f.bin_len);
		assert_int_equal(check_decode(f.ctx, c, f.bin_len), -EBADMSG);
	}
	assert_true(tried > 100);
	free(c);
	fixture_free(&f);
}

static void test_version_and_magic(void **state)
{
	struct fixture f = { 0 };
	uint8_t *c;

	(void)state;
	parse_text(&f, small_text);
	c = malloc(f.bin_len);
	memcpy(c, f.bin, f.bin_len);
	c[8] = 2; /* major 2 */
	fix_checksum(c, f.bin_len);
	assert_int_equal(check_decode(f.ctx, c, f.bin_len), -EPROTONOSUPPORT);
	assert_int_equal(ipe_binary_probe(c, f.bin_len), 1);
	memcpy(c, f.bin, f.bin_len);
	c[0] = 'X';
	assert_int_equal(ipe_binary_probe(c, f.bin_len), 0);
	assert_int_equal(check_decode(f.ctx, c, f.bin_len), -EBADMSG);
	/* a policy text is not a binary */
	assert_int_equal(check_decode(f.ctx, (const uint8_t *)f.text, f.text_len), -EBADMSG);
	/* trailing bytes */
	{
		uint8_t *t = calloc(1, f.bin_len + 1);

		memcpy(t, f.bin, f.bin_len);
		assert_int_equal(check_decode(f.ctx, t, f.bin_len + 1), -EBADMSG);
		free(t);
	}
	free(c);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_small),
		cmocka_unit_test(test_roundtrip_rich),
		cmocka_unit_test(test_deterministic_from_canonical),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_refuses_rejected),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bitflips_small),
		cmocka_unit_test(test_bitflips_rich),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_version_and_magic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
