/* SPDX-License-Identifier: MIT */
/* ipectl: inspect a signed policy blob the way the kernel will see it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <ipe/io.h>

#include "ctl-internal.h"

#define BLOB_READ_MAX (16u << 20)

static int set_cms_err(struct ipe_ctl_blob *b, int err, const char *why)
{
	if (b->cms_err)
		return 0;
	b->cms_err = err;
	b->cms_why = strdup(why);
	return b->cms_why ? 0 : -ENOMEM;
}

/* Signed attributes including S/MIME capabilities are refused by the
 * kernel (EKEYREJECTED); sha1 and RSA-PSS are not supported (ENOPKG). */
static int inspect_signers(struct ipe_ctl_blob *b, CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	int rc = 0, n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	bool any_ok = false, any_nopkg = false, any_smime = false;

	b->nsigners = n > 0 ? (size_t)n : 0;
	for (int i = 0; i < n; i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
		X509_ALGOR *dig = NULL, *sig = NULL;
		EVP_PKEY *pk = NULL;
		X509 *signer = NULL;
		bool bad = false;

		CMS_SignerInfo_get0_algs(si, &pk, &signer, &dig, &sig);
		if (dig) {
			int nid = OBJ_obj2nid(dig->algorithm);

			if (nid == NID_sha1 || nid == NID_md5) {
				any_nopkg = true;
				bad = true;
			}
		}
		if (sig && OBJ_obj2nid(sig->algorithm) == NID_rsassaPss) {
			any_nopkg = true;
			bad = true;
		}
		if (CMS_signed_get_attr_by_NID(si, NID_SMIMECapabilities, -1) >= 0) {
			any_smime = true;
			bad = true;
		}
		if (!bad)
			any_ok = true;
	}
	if (n == 0)
		rc = set_cms_err(b, EBADMSG, "the PKCS#7 message has no signer");
	else if (!any_ok && any_smime)
		rc = set_cms_err(b, EKEYREJECTED,
				 "the signed attributes include S/MIME capabilities, which the kernel "
				 "rejects (sign with -noattr or -nosmimecap)");
	else if (!any_ok && any_nopkg)
		rc = set_cms_err(b, ENOPKG,
				 "the signature uses sha1/md5 or RSA-PSS, which the kernel does not "
				 "support (use sha256 with RSA PKCS#1 v1.5 or ECDSA)");
	return rc;
}

static int inspect_cms(struct ipe_ctl_blob *b)
{
	BIO *bio = NULL;
	CMS_ContentInfo *cms = NULL;
	ASN1_OCTET_STRING **pos;
	int rc = 0;

	if (b->len >= 5 && memcmp(b->data, "-----", 5) == 0)
		return set_cms_err(b, EBADMSG,
				   "the blob is PEM; the kernel expects DER (re-sign with -outform DER "
				   "or convert with openssl cms -cmsout -inform PEM -outform DER)");
	if (b->len < 2 || b->data[0] != 0x30)
		return set_cms_err(b, EBADMSG, "the blob is not a DER PKCS#7/CMS message");
	if (b->data[1] == 0x80)
		return set_cms_err(b, EKEYREJECTED,
				   "the blob uses indefinite-length (streamed) encoding; the kernel "
				   "needs definite-length DER (do not sign with -stream)");
	bio = BIO_new_mem_buf(b->data, (int)(b->len > INT32_MAX ? INT32_MAX : b->len));
	if (!bio)
		return -ENOMEM;
	cms = d2i_CMS_bio(bio, NULL);
	ERR_clear_error();
	if (!cms) {
		rc = set_cms_err(b, EBADMSG, "the blob is not a valid DER PKCS#7/CMS message");
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		rc = set_cms_err(b, EBADMSG, "the PKCS#7 message is not SignedData");
		goto out;
	}
	pos = CMS_get0_content(cms);
	if (!pos || !*pos) {
		rc = set_cms_err(b, EKEYREJECTED,
				 "the signature is detached: the policy is not embedded (sign with "
				 "-nodetach)");
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		rc = set_cms_err(b, EBADMSG, "the signed content type is not id-data");
		goto out;
	}
	if ((*pos)->length <= 0) {
		rc = set_cms_err(b, EBADMSG, "the signed content (the policy) is empty");
		goto out;
	}
	b->content = malloc((size_t)(*pos)->length + 1);
	if (!b->content) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(b->content, (*pos)->data, (size_t)(*pos)->length);
	b->content[(*pos)->length] = '\0';
	b->content_len = (size_t)(*pos)->length;
	rc = inspect_signers(b, cms);
out:
	CMS_ContentInfo_free(cms);
	BIO_free(bio);
	return rc;
}

int ipe_ctl_blob_new(struct ipe_ctx *ctx, const char *path, const void *data, size_t len,
		     struct ipe_ctl_blob **ret_blob)
{
	struct ipe_ctl_blob *b;
	char *srcname = NULL;
	int rc;

	if (!ctx || !ret_blob || (!data && len))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->src = IPE_SRC_NONE;
	b->path = strdup(path ? path : "<blob>");
	b->data = malloc(len ? len : 1);
	if (!b->path || !b->data) {
		rc = -ENOMEM;
		goto err;
	}
	if (len)
		memcpy(b->data, data, len);
	b->len = len;
	rc = ctl_sha256(b->data, len, b->digest);
	if (rc)
		goto err;
	rc = inspect_cms(b);
	if (rc)
		goto err;
	if (b->content) {
		srcname = ctl_strdup_printf("%s (signed policy)", b->path);
		if (!srcname) {
			rc = -ENOMEM;
			goto err;
		}
		rc = ipe_source_from_memory(ctx, srcname, b->content, b->content_len, true, &b->src);
		if (rc)
			goto err;
		rc = ipe_policy_parse(ctx, b->src, &b->policy);
		if (rc)
			goto err;
	}
	free(srcname);
	*ret_blob = b;
	return 0;
err:
	free(srcname);
	ipe_ctl_blob_free(b);
	return rc;
}

int ipe_ctl_blob_from_file(struct ipe_ctx *ctx, const char *path, struct ipe_ctl_blob **ret_blob)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	rc = ipe_read_file(path, BLOB_READ_MAX, &data, &len);
	if (rc)
		return rc;
	rc = ipe_ctl_blob_new(ctx, path, data, len, ret_blob);
	free(data);
	return rc;
}

void ipe_ctl_blob_free(struct ipe_ctl_blob *b)
{
	if (!b)
		return;
	ipe_policy_free(b->policy);
	free(b->content);
	free(b->cms_why);
	free(b->data);
	free(b->path);
	free(b);
}

bool ipe_ctl_blob_header(const struct ipe_ctl_blob *b, const char **ret_name, const uint16_t **ret_ver)
{
	if (!b || !b->policy || !b->policy->has_header || !b->policy->name)
		return false;
	if (ret_name)
		*ret_name = b->policy->name;
	if (ret_ver)
		*ret_ver = b->policy->version;
	return true;
}
