/* SPDX-License-Identifier: MIT */
/* Unit tests of the signer library (cmocka). Keys are generated at run time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ipe/diag.h>
#include <ipe/sign.h>

static char dir[] = "/tmp/ipe-signer-unit.XXXXXX";
static char keyp[256], certp[256];
static const char policy[] = "policy_name=unit policy_version=0.0.1\nDEFAULT action=ALLOW\n";

static int write_key_cert(const char *kp, const char *cp)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *n;
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	FILE *f;

	if (!k || !x)
		return -1;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_key_identifier, "hash");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, k, EVP_sha256());
	f = fopen(kp, "w");
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	f = fopen(cp, "w");
	PEM_write_X509(f, x);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
	return 0;
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(keyp, sizeof(keyp), "%s/k.pem", dir);
	snprintf(certp, sizeof(certp), "%s/c.pem", dir);
	return write_key_cert(keyp, certp);
}

static int teardown(void **state)
{
	unlink(keyp);
	unlink(certp);
	rmdir(dir);
	return 0;
}

static int sign(unsigned flags, const void *pol, size_t len, uint8_t **blob, size_t *blen)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_sign_opts o = { .key = keyp, .cert = certp, .flags = flags };
	int rc;

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	rc = ipe_sign_policy(ctx, &o, pol, len, blob, blen);
	ipe_ctx_free(ctx);
	return rc;
}

/* Walk every TLV with OpenSSL's ASN1_get_object: DER must be definite. */
static int count_indefinite(const unsigned char *p, long len, int depth)
{
	const unsigned char *end = p + len;
	int n = 0;

	while (p < end) {
		const unsigned char *q = p;
		long l;
		int tag, cls, r = ASN1_get_object(&q, &l, &tag, &cls, end - p);

		assert_false(r & 0x80);
		if (r & 1)
			n++;
		if ((r & V_ASN1_CONSTRUCTED) && depth < 30)
			n += count_indefinite(q, l, depth + 1);
		p = q + l;
	}
	return n;
}

static int verify(const uint8_t *blob, size_t len, struct ipe_verify_result *r)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_trust *t = NULL;
	int rc;

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_trust_new(&t), 0);
	assert_int_equal(ipe_trust_add_cert_file(ctx, t, certp), 0);
	rc = ipe_verify_blob(ctx, t, blob, len, r);
	ipe_trust_free(t);
	ipe_ctx_free(ctx);
	return rc;
}

static void test_sign_definite_and_verifies(void **state)
{
	static const unsigned flags[] = { 0, IPE_SIGN_KEYID, IPE_SIGN_NO_CERT, IPE_SIGN_SIGNED_ATTRS,
					  IPE_SIGN_KEYID | IPE_SIGN_NO_CERT };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		uint8_t *blob = NULL, *b2 = NULL;
		size_t len = 0, l2 = 0;
		struct ipe_verify_result r;

		assert_int_equal(sign(flags[i], policy, strlen(policy), &blob, &len), 0);
		assert_true(len > 100 && len <= IPE_SIGN_MAX_BLOB);
		assert_int_equal(count_indefinite(blob, (long)len, 0), 0);
		assert_non_null(memmem(blob, len, policy, strlen(policy)));
		assert_int_equal(verify(blob, len, &r), 0);
		assert_int_equal(r.err, 0);
		assert_string_equal(r.policy_name, "unit");
		ipe_verify_result_clear(&r);
		if (!(flags[i] & IPE_SIGN_SIGNED_ATTRS)) { /* deterministic */
			assert_int_equal(sign(flags[i], policy, strlen(policy), &b2, &l2), 0);
			assert_int_equal(l2, len);
			assert_memory_equal(b2, blob, len);
			free(b2);
		}
		/* tamper with the content: the kernel would say EKEYREJECTED */
		((uint8_t *)memmem(blob, len, "unit", 4))[0] = 'X';
		assert_int_equal(verify(blob, len, &r), 0);
		assert_int_equal(r.err, EKEYREJECTED);
		ipe_verify_result_clear(&r);
		free(blob);
	}
}

static void test_every_truncation(void **state)
{
	uint8_t *blob = NULL;
	size_t len = 0, extracted = 0;
	int rc;

	assert_int_equal(sign(0, policy, strlen(policy), &blob, &len), 0);
	for (size_t l = 0; l < len; l++) {
		struct ipe_verify_result r;
		struct ipe_ctx *ctx = NULL;
		uint8_t *d = NULL;
		size_t dl = 0;
		char *s = NULL;

		assert_int_equal(verify(blob, l, &r), 0);
		assert_int_not_equal(r.err, 0);
		ipe_verify_result_clear(&r);
		assert_int_equal(ipe_ctx_new(&ctx), 0);
		/* inspect: an error with a diagnostic, or a JSON description of
		 * exactly these l bytes that says what is wrong with them */
		rc = ipe_blob_inspect_json(ctx, blob, l, &s);
		if (rc == 0) {
			json_object *o = json_tokener_parse(s), *v = NULL;

			assert_non_null(o);
			assert_true(json_object_object_get_ex(o, "size", &v));
			assert_int_equal(json_object_get_int64(v), (int64_t)l);
			assert_true(json_object_object_get_ex(o, "error", &v) || json_object_object_get_ex(o, "errors", &v) ||
				    ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR) > 0);
			json_object_put(o);
			free(s);
		} else {
			assert_true(rc < 0);
			assert_true(ipe_ctx_diag_count(ctx) > 0);
		}
		/* extract: the exact policy (its content precedes the cut) or an
		 * error with nothing returned */
		rc = ipe_blob_extract(ctx, blob, l, &d, &dl);
		if (rc == 0) {
			assert_int_equal(dl, strlen(policy));
			assert_memory_equal(d, policy, dl);
			free(d);
			extracted++;
		} else {
			assert_true(rc < 0);
			assert_null(d);
		}
		ipe_ctx_free(ctx);
	}
	/* a cut before the end of the content can never yield it */
	assert_true(extracted < len / 2);
	free(blob);
}

static void test_refusals(void **state)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	size_t big = 70000;
	char *p = malloc(big + 64);

	assert_int_equal(sign(0, "policy_name=x policy_version=1\n", 31, &blob, &len), -EBADMSG);
	assert_int_equal(sign(IPE_SIGN_FORCE, "policy_name=x policy_version=1\n", 31, &blob, &len), 0);
	free(blob);
	blob = NULL;
	assert_non_null(p);
	strcpy(p, policy);
	memset(p + strlen(policy), '#', big);
	p[strlen(policy) + big - 1] = '\n';
	assert_int_equal(sign(0, p, strlen(policy) + big, &blob, &len), -EMSGSIZE);
	assert_null(blob);
	free(p);
}

static void test_pass_sources(void **state)
{
	struct ipe_ctx *ctx = NULL;
	char *pw = NULL, path[300];
	FILE *f;

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	setenv("IPE_UNIT_PW", "abc", 1);
	assert_int_equal(ipe_sign_read_pass(ctx, "env:IPE_UNIT_PW", &pw), 0);
	assert_string_equal(pw, "abc");
	ipe_sign_pass_free(pw);
	snprintf(path, sizeof(path), "file:%s/pw", dir);
	f = fopen(path + 5, "w");
	fputs("line one\r\nline two\n", f);
	fclose(f);
	assert_int_equal(ipe_sign_read_pass(ctx, path, &pw), 0);
	assert_string_equal(pw, "line one");
	ipe_sign_pass_free(pw);
	unlink(path + 5);
	assert_int_equal(ipe_sign_read_pass(ctx, "pass:abc", &pw), -EINVAL);
	assert_int_equal(ipe_sign_read_pass(ctx, "env:IPE_UNIT_NOPE_X", &pw), -ENOENT);
	assert_int_equal(ipe_sign_read_pass(ctx, "fd:x", &pw), -EINVAL);
	assert_true(ipe_ctx_diag_count(ctx) >= 3);
	ipe_ctx_free(ctx);
}

static void test_hostile(void **state)
{
	static const uint8_t cases[][8] = {
		{ 0x30, 0x80, 0x30, 0x80, 0, 0, 0, 0 }, { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0, 0 },
		{ 0x30, 0x03, 0x06, 0x01, 0x00, 0, 0, 0 }, { 0x04, 0x00, 0, 0, 0, 0, 0, 0 },
	};
	struct ipe_verify_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(verify(cases[i], sizeof(cases[i]), &r), 0);
		assert_true(r.err == EBADMSG || r.err == EINVAL);
		ipe_verify_result_clear(&r);
	}
	{
		uint8_t *big = calloc(1, 70000);

		assert_int_equal(verify(big, 70000, &r), 0);
		assert_int_equal(r.err, EMSGSIZE);
		ipe_verify_result_clear(&r);
		free(big);
	}
}

/* The kernel looks OIDs up by their bytes (look_up_OID): an encoding that is
 * not the canonical one of a known OID is unknown.  tests/kernel corrupt,
 * seed 4242, leaf-emb-is-f00005b1: the content type's length 9 -> 11 swallows
 * the [0] tag into the OID, whose last component is then cut short; the
 * kernel answers EINVAL ("Only support pkcs7_signedData type"), before it
 * reads any further. */
static void test_oid_bytes(void **state)
{
	uint8_t *blob = NULL, *nm;
	size_t len = 0;
	struct ipe_verify_result r;

	(void)state;
	assert_int_equal(sign(0, policy, strlen(policy), &blob, &len), 0);
	/* 30 82 LL LL 06 09 2a 86 48 86 f7 0d 01 07 02 a0 82 ... */
	assert_true(len > 17 && blob[0] == 0x30 && blob[1] == 0x82 && blob[4] == 0x06 && blob[5] == 0x09 &&
		    blob[15] == 0xa0);
	blob[5] = 0x0b;
	assert_int_equal(verify(blob, len, &r), 0);
	assert_int_equal(r.err, EINVAL);
	assert_non_null(strstr(r.reason, "not signedData"));
	ipe_verify_result_clear(&r);
	/* signedData with a non-minimal last component (80 02 for 02) */
	blob[5] = 0x09;
	nm = malloc(len + 1);
	assert_non_null(nm);
	memcpy(nm, blob, 14);
	nm[14] = 0x80;
	memcpy(nm + 15, blob + 14, len - 14);
	nm[5] = 0x0a;
	{
		unsigned outer = ((unsigned)nm[2] << 8 | nm[3]) + 1;

		assert_true(outer <= 0xffff);
		nm[2] = (uint8_t)(outer >> 8);
		nm[3] = (uint8_t)outer;
	}
	assert_int_equal(verify(nm, len + 1, &r), 0);
	assert_int_equal(r.err, EINVAL);
	ipe_verify_result_clear(&r);
	/* the blob as signed still verifies */
	assert_int_equal(verify(blob, len, &r), 0);
	assert_int_equal(r.err, 0);
	ipe_verify_result_clear(&r);
	free(nm);
	free(blob);
}

/* The library never wipes the caller's OpenSSL error queue, and leaves none
 * of its own errors behind. */
#define expect_only_mine(mine)                                                                     \
	do {                                                                                       \
		assert_int_equal(ERR_peek_error(), (mine));                                        \
		assert_int_equal(ERR_peek_last_error(), (mine));                                   \
	} while (0)

static void test_err_queue_kept(void **state)
{
	static const uint8_t junk[] = { 0x30, 0x06, 0x06, 0x01, 0x00, 0x04, 0x01, 0x00 };
	struct ipe_verify_result r;
	struct ipe_ctx *ctx = NULL;
	struct ipe_sign_opts o = { .key = certp, .cert = certp };
	uint8_t *blob = NULL;
	size_t len = 0;
	char *out = NULL;
	unsigned long mine;

	ERR_clear_error();
	ERR_raise_data(ERR_LIB_USER, 4711, "caller's own error");
	mine = ERR_peek_error();
	assert_int_not_equal(mine, 0);
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	/* a certificate given as the key: decoding fails inside OpenSSL */
	assert_int_not_equal(ipe_sign_policy(ctx, &o, policy, strlen(policy), &blob, &len), 0);
	expect_only_mine(mine);
	assert_int_equal(sign(0, policy, strlen(policy), &blob, &len), 0);
	expect_only_mine(mine);
	blob[len / 2] ^= 0x40;
	assert_int_equal(verify(blob, len, &r), 0);
	ipe_verify_result_clear(&r);
	expect_only_mine(mine);
	assert_int_equal(verify(junk, sizeof(junk), &r), 0);
	ipe_verify_result_clear(&r);
	expect_only_mine(mine);
	(void)ipe_blob_inspect_json(ctx, junk, sizeof(junk), &out);
	free(out);
	out = NULL;
	(void)ipe_blob_inspect_text(ctx, blob, len, &out);
	free(out);
	expect_only_mine(mine);
	free(blob);
	ipe_ctx_free(ctx);
	ERR_clear_error();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_definite_and_verifies),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_pass_sources),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_oid_bytes),
		cmocka_unit_test(test_err_queue_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
