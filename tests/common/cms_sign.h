/* SPDX-License-Identifier: MIT */
/* Signing policy text in the C tests (tests/ctl/): one CMS signer, as
 * `openssl cms -sign -binary -nosmimecap -noattr -nodetach -outform DER`.
 * Include after <cmocka.h> and the OpenSSL CMS headers. */
#ifndef IPE_TESTS_CMS_SIGN_H
#define IPE_TESTS_CMS_SIGN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/buffer.h>
#include <openssl/cms.h>

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
