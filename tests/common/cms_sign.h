/* SPDX-License-Identifier: MIT */
/* Signing policy text in the C tests (tests/ctl/): one self-signed test
 * certificate maker and one CMS signer, as `openssl cms -sign -binary
 * -nosmimecap -noattr -nodetach -outform DER`.  Include after <cmocka.h>. */
#ifndef IPE_TESTS_CMS_SIGN_H
#define IPE_TESTS_CMS_SIGN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdbool.h>

#include <openssl/buffer.h>
#include <openssl/cms.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* A self-signed X.509 v3 certificate for key, valid for an hour, subject and
 * issuer CN=cn, signed with md; with skid also subject and authority key
 * identifiers (what the kernel names an asymmetric key by). */
static inline X509 *test_self_signed(EVP_PKEY *key, const char *cn, bool skid, const EVP_MD *md)
{
	X509 *c = X509_new();
	X509_NAME *n;
	X509V3_CTX v3;

	assert_non_null(c);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 7);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_set_pubkey(c, key);
	n = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, n);
	if (skid) {
		X509_EXTENSION *e;

		X509V3_set_ctx(&v3, c, c, NULL, NULL, 0);
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_key_identifier, "hash");
		assert_non_null(e);
		assert_true(X509_add_ext(c, e, -1));
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier, "keyid");
		assert_non_null(e);
		assert_true(X509_add_ext(c, e, -1));
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(c, key, md) > 0);
	return c;
}

/* The DER blob (malloc'd) of text signed by cert/key.  flags add to
 * CMS_BINARY | CMS_NOATTR | CMS_NOSMIMECAP: CMS_DETACHED, CMS_USE_KEYID
 * (-keyid), CMS_NOCERTS (-nocerts), CMS_STREAM (-stream: indefinite-length
 * encoding). */
static inline uint8_t *test_cms_sign(X509 *cert, EVP_PKEY *key, const char *text, unsigned flags, size_t *ret_len)
{
	BIO *in = BIO_new_mem_buf(text, (int)strlen(text)), *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms;
	BUF_MEM *bm;
	uint8_t *blob;

	flags |= CMS_BINARY | CMS_NOATTR | CMS_NOSMIMECAP;
	assert_non_null(in);
	assert_non_null(out);
	cms = CMS_sign(cert, key, NULL, in, flags);
	assert_non_null(cms);
	if (flags & CMS_STREAM)
		assert_true(i2d_CMS_bio_stream(out, cms, in, (int)flags) > 0);
	else
		assert_true(i2d_CMS_bio(out, cms) > 0);
	BIO_get_mem_ptr(out, &bm);
	blob = malloc(bm->length);
	assert_non_null(blob);
	memcpy(blob, bm->data, bm->length);
	*ret_len = bm->length;
	BIO_free(out);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return blob;
}

#endif
