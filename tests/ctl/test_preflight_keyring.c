/* SPDX-License-Identifier: MIT */
/*
 * ipectl's preflight against a fake kernel keyring that behaves like the
 * real one in a guest (tests/kernel, scenario corrupt): .secondary_trusted_keys
 * links .builtin_trusted_keys, whose keys root may list and describe but
 * neither search nor use (perm 0x1f030000: keyctl_search and
 * KEYCTL_PKEY_VERIFY answer EACCES).  The keyring layer is replaced at link
 * time (-Wl,--wrap: ipe_keyring_resolve and the libkeyutils calls of
 * src/signer/keyring.c); everything above it is the real code.
 *
 * The kernel checks the signature and the signer's trust before it parses
 * the policy text, so a blob refused at the trust check must be predicted
 * with the trust check's errno even when its text is also wrong.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <keyutils.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ipe/ctl.h>
#include <ipe/ipe.h>
#include <ipe/sign.h>

#include "../common/cms_sign.h"

/* ---- the fake keyring ----------------------------------------------------- */

enum { SECONDARY = 1001, BUILTIN = 1000, KEY = 2001 };

static char key_desc[512];          /* "asymmetric;0;0;1f030000;NAME: SKIDHEX" */
static char key_search[256];        /* "ex:SKIDHEX": the only search that finds a key */
static int n_pkey_verify;

int __wrap_ipe_keyring_resolve(const char *spec, int32_t *ret);
long __wrap_keyctl_read_alloc(key_serial_t id, void **buf);
long __wrap_keyctl_describe_alloc(key_serial_t id, char **d);
long __wrap_keyctl_search(key_serial_t ring, const char *type, const char *desc, key_serial_t dest);
long __wrap_keyctl_pkey_verify(key_serial_t key, const char *info, const void *data, size_t dlen,
			       const void *sig, size_t slen);

int __wrap_ipe_keyring_resolve(const char *spec, int32_t *ret)
{
	if (spec && !strcmp(spec, ".secondary_trusted_keys")) {
		*ret = SECONDARY;
		return 0;
	}
	if (spec && !strcmp(spec, ".builtin_trusted_keys")) {
		*ret = BUILTIN;
		return 0;
	}
	return -ENOENT;
}

long __wrap_keyctl_read_alloc(key_serial_t id, void **buf)
{
	key_serial_t *k = malloc(sizeof(*k));

	if (!k) {
		errno = ENOMEM;
		return -1;
	}
	if (id == SECONDARY) {
		*k = BUILTIN;
	} else if (id == BUILTIN) {
		*k = KEY;
	} else {
		free(k);
		errno = ENOKEY;
		return -1;
	}
	*buf = k;
	return sizeof(*k);
}

long __wrap_keyctl_describe_alloc(key_serial_t id, char **d)
{
	const char *s = id == SECONDARY ? "keyring;0;0;1f0f0000;.secondary_trusted_keys" :
			id == BUILTIN ? "keyring;0;0;1f0b0000;.builtin_trusted_keys" :
			id == KEY ? key_desc : NULL;

	if (!s) {
		errno = ENOKEY;
		return -1;
	}
	*d = strdup(s);
	if (!*d) {
		errno = ENOMEM;
		return -1;
	}
	return (long)strlen(s) + 1;
}

long __wrap_keyctl_search(key_serial_t ring, const char *type, const char *desc, key_serial_t dest)
{
	(void)ring;
	(void)type;
	(void)dest;
	/* the kernel's own keys match but may not be searched by root */
	errno = strcmp(desc, key_search) == 0 ? EACCES : ENOKEY;
	return -1;
}

long __wrap_keyctl_pkey_verify(key_serial_t key, const char *info, const void *data, size_t dlen,
			       const void *sig, size_t slen)
{
	(void)key;
	(void)info;
	(void)data;
	(void)dlen;
	(void)sig;
	(void)slen;
	n_pkey_verify++;
	errno = EACCES;
	return -1;
}

/* ---- keys and blobs ------------------------------------------------------- */

static EVP_PKEY *p384_key, *other_key;
static X509 *p384_cert, *other_cert;

static int setup(void **state)
{
	const ASN1_OCTET_STRING *skid;
	char hex[2 * 64 + 1];

	(void)state;
	p384_key = EVP_EC_gen("P-384");
	other_key = EVP_EC_gen("P-256");
	assert_non_null(p384_key);
	assert_non_null(other_key);
	p384_cert = test_self_signed(p384_key, "ipe-tools test p384", true, EVP_sha384());
	other_cert = test_self_signed(other_key, "untrusted", false, EVP_sha384());
	/* the kernel describes an X.509 key as "<CN>: <subject key id in hex>" */
	skid = X509_get0_subject_key_id(p384_cert);
	assert_non_null(skid);
	assert_true(ASN1_STRING_length(skid) <= 64);
	assert_true(ipe_hex_format(hex, sizeof(hex), ASN1_STRING_get0_data(skid), (size_t)ASN1_STRING_length(skid)) >= 0);
	snprintf(key_desc, sizeof(key_desc), "asymmetric;0;0;1f030000;ipe-tools test p384: %s", hex);
	snprintf(key_search, sizeof(key_search), "ex:%s", hex);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(p384_key);
	EVP_PKEY_free(other_key);
	X509_free(p384_cert);
	X509_free(other_cert);
	return 0;
}

/* Change the signed content in place (same length): the signature no longer
 * covers it. */
static void change(uint8_t *blob, size_t len, const char *from, const char *to)
{
	size_t fl = strlen(from);

	assert_int_equal(fl, strlen(to));
	for (size_t i = 0; i + fl <= len; i++) {
		if (!memcmp(blob + i, from, fl)) {
			memcpy(blob + i, to, fl);
			return;
		}
	}
	fail_msg("'%s' not in the blob", from);
}

static char *fake_tree(void)
{
	char tmpl[] = "/tmp/ipectl-kr-test-XXXXXX";
	char *dir = mkdtemp(tmpl), path[4200];
	static const char *const dirs[] = { "ipe", "ipe/policies" };
	static const char *const files[] = { "lsm", "ipe/enforce", "ipe/success_audit", "ipe/new_policy" };

	assert_non_null(dir);
	dir = strdup(dir);
	assert_non_null(dir);
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	for (size_t i = 0; i < 4; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(i == 0 ? "capability,ipe" : i == 3 ? "" : "1", f);
		assert_int_equal(fclose(f), 0);
	}
	return dir;
}

static void rm_tree(char *dir)
{
	char cmd[4300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static const char POL[] = "policy_name=corrupt policy_version=1.0.0\nDEFAULT action=ALLOW\n"
			  "op=EXECUTE boot_verified=TRUE action=ALLOW\n";

/* What ipectl load reports (the preflight's first error: errno and code),
 * with the preflight's own return value cross-checked. */
static void expect_load(const uint8_t *blob, size_t len, int want_err, const char *want_code, bool want_p015)
{
	struct ipe_ctx *ctx = NULL, *ctx2 = NULL;
	struct ipe_ctl_blob *b = NULL;
	struct ipe_ctl_status *st = NULL;
	struct ipe_ctl_result r = { 0 };
	struct ipe_ctl_opts o = { .pf_flags = IPE_CTL_PF_NO_CAPS };
	char *dir = fake_tree();
	bool p015 = false;
	int rc;

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_ctl_blob_new(ctx, "t.p7b", blob, len, &b), 0);
	assert_int_equal(ipe_ctl_status_read(dir, &st), 0);
	rc = ipe_ctl_preflight(ctx, IPE_CTL_OP_LOAD, st, NULL, b, IPE_CTL_PF_NO_CAPS);
	assert_int_equal(rc, -want_err);
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
		p015 |= !strcmp(ipe_ctx_diag(ctx, i)->code, "IPECTL-P015");
	assert_int_equal(p015, want_p015);
	/* the operation: the failure it reports is the kernel's answer */
	assert_int_equal(ipe_ctx_new(&ctx2), 0);
	o.root = dir;
	rc = ipe_ctl_load(ctx2, &o, b, &r);
	if (want_err) {
		assert_int_equal(rc, -want_err);
		assert_int_equal(r.outcome, IPE_CTL_FAIL_PREFLIGHT);
		if (r.err != want_err || strcmp(r.code, want_code))
			fail_msg("ipectl load reports %s (%s), the kernel answers %s (%s): %s",
				 ipe_errno_name(r.err) ? ipe_errno_name(r.err) : "?", r.code,
				 ipe_errno_name(want_err), want_code, r.what ? r.what : "");
	}
	ipe_ctl_result_clear(&r);
	ipe_ctl_status_free(st);
	ipe_ctl_blob_free(b);
	ipe_ctx_free(ctx2);
	ipe_ctx_free(ctx);
	rm_tree(dir);
}

static void expect_verify(const uint8_t *blob, size_t len, int want_err, const char *want_stage)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_verify_result r;

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_verify_blob_kernel(ctx, blob, len, &r), 0);
	assert_int_equal(r.err, want_err);
	assert_string_equal(r.stage, want_stage);
	ipe_verify_result_clear(&r);
	ipe_ctx_free(ctx);
}

/* scenario corrupt, base p384-emb-skid: ECDSA P-384, signer by subject key
 * id, its certificate embedded, no signed attributes.  The kernel never
 * matches the SKID signer to the embedded certificate; it finds the builtin
 * key by that id and verifies the signature over the content with it. */
static void test_skid_embedded(void **state)
{
	size_t len;
	uint8_t *blob = test_cms_sign(p384_cert, p384_key, POL, CMS_USE_KEYID, &len);
	int calls;

	(void)state;
	/* as signed: accepted; the embedded certificate stood in for the
	 * unusable builtin key, so the signature was really checked */
	calls = n_pkey_verify;
	expect_verify(blob, len, 0, "policy");
	assert_true(n_pkey_verify > calls);
	expect_load(blob, len, 0, NULL, false);
	/* content changed, text still valid: the signature check refuses */
	change(blob, len, "DEFAULT action=ALLOW", "DEFAULT action=DENY ");
	expect_verify(blob, len, EKEYREJECTED, "trust");
	expect_load(blob, len, EKEYREJECTED, "IPECTL-P012", false);
	/* content changed into a text the parser refuses: still the signature
	 * check's EKEYREJECTED (it comes first), not the parser's EBADMSG */
	change(blob, len, "policy_name=", "pol)cy_name=");
	expect_verify(blob, len, EKEYREJECTED, "trust");
	expect_load(blob, len, EKEYREJECTED, "IPECTL-P012", false);
	free(blob);
}

/* An untrusted signer and a bad text: ENOKEY, not the text's EBADMSG. */
static void test_untrusted_bad_text(void **state)
{
	size_t len;
	uint8_t *blob = test_cms_sign(other_cert, other_key, "policy_name=x policy_version=1.0.0\nop=BOGUS action=DENY\n",
				  0, &len);

	(void)state;
	expect_verify(blob, len, ENOKEY, "trust");
	expect_load(blob, len, ENOKEY, "IPECTL-P012", false);
	free(blob);
}

/* The SKID signer without its certificate: the builtin key cannot be used
 * from userspace, so the signature is unchecked and the preflight says so
 * (IPECTL-P015); the text's error is the only prediction left. */
static void test_skid_not_embedded(void **state)
{
	size_t len;
	uint8_t *blob = test_cms_sign(p384_cert, p384_key, POL, CMS_USE_KEYID | CMS_NOCERTS, &len);

	(void)state;
	expect_load(blob, len, 0, NULL, true);
	change(blob, len, "policy_name=", "pol)cy_name=");
	expect_load(blob, len, EBADMSG, "IPECTL-P003", true);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skid_embedded),
		cmocka_unit_test(test_untrusted_bad_text),
		cmocka_unit_test(test_skid_not_embedded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
