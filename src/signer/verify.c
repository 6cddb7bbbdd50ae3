/* SPDX-License-Identifier: MIT */
/*
 * Verification as the kernel does it (IPE-KERNEL.md section 3), in the
 * kernel's order: parse the blob (p7.c, kx509.c), check each signer against
 * the certificates embedded in the blob and build the chain from the
 * embedded leaf (kpkcs7.c), then look for a trusted key (a certificate given
 * with --trust, or a key in a kernel keyring) by its identifiers: issuer +
 * serial or subject key identifier (kpkcs7.c, trust.c); then the content and
 * IPE's policy parser.  No purpose, EKU or validity checks.
 * ipe_verify_blob_kernel() adds the order in which IPE asks the keyrings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include <ipe/io.h>
#include <ipe/policy.h>
#include <ipe/sign.h>

#include "compiler/model.h"
#include "signer.h"
#include "verify.h"

void ipe_verify_result_clear(struct ipe_verify_result *r)
{
	if (!r)
		return;
	free(r->reason);
	free(r->policy_name);
	memset(r, 0, sizeof(*r));
}

static void set_result(struct ipe_verify_result *r, int err, const char *stage, const char *reason)
{
	r->err = err;
	r->stage = stage;
	free(r->reason);
	r->reason = strdup(reason ? reason : "");
}

static void vstate_release(struct vstate *v)
{
	free(v->kc);
	free(v->signer_cert);
	free(v->unsupported);
	free(v->sig);
	ipe_kr_free(v->kr);
	ipe_p7_release(&v->p7);
}

static int verify_blob(struct ipe_ctx *ctx, const struct ipe_trust *t, const void *blob, size_t len,
		       struct ipe_verify_result *r);

/* OpenSSL errors raised while checking stay inside: the caller's queue is
 * left as it was. */
int ipe_verify_blob(struct ipe_ctx *ctx, const struct ipe_trust *t, const void *blob, size_t len,
		    struct ipe_verify_result *r)
{
	int rc;

	ERR_set_mark();
	rc = verify_blob(ctx, t, blob, len, r);
	ERR_pop_to_mark();
	return rc;
}

static int verify_blob(struct ipe_ctx *ctx, const struct ipe_trust *t, const void *blob, size_t len,
		       struct ipe_verify_result *r)
{
	struct vstate v;
	const char *why = NULL;
	int rc, actual;
	size_t n;

	if (!r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (!t || (!blob && len))
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	rc = ipe_p7_parse(blob, len, &v.p7, &why, v.why, sizeof(v.why));
	if (rc < 0)
		goto out;
	if (rc > 0) {
		set_result(r, rc, rc == EMSGSIZE ? "size" : "pkcs7", why);
		rc = 0;
		goto out;
	}
	n = v.p7.nsigners;
	v.kc = calloc(v.p7.ncerts + 1, sizeof(*v.kc));
	v.signer_cert = calloc(n, sizeof(int));
	v.unsupported = calloc(n, sizeof(bool));
	v.sig = calloc(n, sizeof(*v.sig));
	if (!v.kc || !v.signer_cert || !v.unsupported || !v.sig) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < v.p7.ncerts; i++) {
		v.kc[i].kx = &v.p7.certs[i].k;
		v.kc[i].signer = -1;
	}
	/* pkcs7_verify() */
	if (strcmp(v.p7.content_oid, "1.2.840.113549.1.7.1")) {
		set_result(r, EKEYREJECTED, "verify", "the content type is not id-data");
		goto out;
	}
	actual = -ENOPKG;
	v.reason = NULL;
	for (size_t i = 0; i < n; i++) {
		v.signer_cert[i] = -1;
		rc = ipe_kp7_verify_one(&v, i);
		if (rc == -ENOMEM)
			goto out;
		if (rc == -ENOPKG) {
			v.unsupported[i] = true;
			continue;
		}
		if (rc) {
			set_result(r, -rc, "verify", v.reason);
			rc = 0;
			goto out;
		}
		actual = 0;
	}
	rc = 0;
	if (actual) {
		set_result(r, ENOPKG, "verify", v.reason ? v.reason : "no signer uses algorithms the kernel supports");
		goto out;
	}
	/* pkcs7_validate_trust() */
	if (t->keyring) {
		rc = ipe_kr_open(t->keyring, &v.kr);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < v.p7.ncerts; i++)
		v.kc[i].seen = false;
	actual = -ENOKEY;
	for (size_t i = 0; i < n; i++) {
		int tr = ipe_kp7_trust_one(&v, t, i);

		if (tr == -ENOKEY)
			continue;
		if (tr == -ENOPKG) {
			if (actual == -ENOKEY)
				actual = -ENOPKG;
			continue;
		}
		if (tr == 0) {
			if (actual != 0)
				r->signer = (unsigned)i + 1;
			actual = 0;
			continue;
		}
		if (tr == -ENOMEM) {
			rc = tr;
			goto out;
		}
		snprintf(v.why, sizeof(v.why), "signer %zu: a trusted key was found but the signature does not verify with it",
			 i + 1);
		set_result(r, -tr, "trust", v.why);
		r->signer = 0;
		goto out;
	}
	if (actual == -ENOKEY && v.kr_denied) {
		/* not "not found": the keyring did not let us look */
		rc = v.kr_denied;
		ipe_sign_diag(ctx, "IPE-S017", IPE_SEV_ERROR, "run as root on the target system",
			      "keyring %s: cannot tell whether it holds the signer's key: %s (the key list or the key search "
			      "was refused)", t->keyring_name ? t->keyring_name : "(kernel)", strerror(-rc));
		goto out;
	}
	if (actual == -ENOKEY) {
		bool skid_embedded = false;

		for (size_t i = 0; i < n; i++)
			if (v.p7.signers[i].by_skid && v.p7.ncerts)
				skid_embedded = true;
		set_result(r, ENOKEY, "trust", skid_embedded ?
			   "no signer's key is trusted (a signer identified by subject key identifier (--keyid) is never "
			   "matched to an embedded certificate: its own certificate must be in the keyring, its CA is not enough)" :
			   v.p7.ncerts ? "no signer chains to a trusted key (the signer certificate or, with the leaf embedded, its issuer must be trusted)" :
			   "no signer's certificate is trusted (the signer certificate is not embedded, so it must itself be in the keyring)");
		r->signer = 0;
		goto out;
	}
	if (actual == -ENOPKG) {
		set_result(r, ENOPKG, "trust", "the trusted chain uses algorithms the kernel lacks");
		r->signer = 0;
		goto out;
	}
	/* the content, then IPE's parser */
	if (!v.p7.has_data) {
		set_result(r, ENODATA, "verify", "the blob has no embedded content (detached signature)");
		goto out;
	}
	{
		struct ipe_policy *p = NULL;
		uint32_t src;

		rc = ipe_source_from_memory(ctx, "<signed content>", v.p7.data, v.p7.data_len, true, &src);
		if (!rc)
			rc = ipe_policy_parse(ctx, src, &p);
		if (rc)
			goto out;
		r->policy_parsed = true;
		r->sig_unchecked = v.unchecked != NULL;
		r->policy_err = p->verdict.err;
		if (p->has_header && p->name) {
			r->policy_name = strdup(p->name);
			memcpy(r->policy_version, p->version, sizeof(r->policy_version));
		}
		if (p->verdict.err) {
			char b[256];

			snprintf(b, sizeof(b), "the signature is good but the kernel's IPE parser rejects the policy text (%s)",
				 ipe_errno_name(p->verdict.err) ? ipe_errno_name(p->verdict.err) : "?");
			set_result(r, p->verdict.err, "policy", b);
		} else {
			set_result(r, 0, "policy", v.unchecked ? v.unchecked : "signature trusted and policy accepted");
		}
		ipe_policy_free(p);
	}
out:
	vstate_release(&v);
	return rc;
}

/* The IPE order: .secondary_trusted_keys (it links .builtin_trusted_keys),
 * then .platform on ENOKEY/EKEYREJECTED. */
int ipe_verify_blob_kernel(struct ipe_ctx *ctx, const void *blob, size_t len, struct ipe_verify_result *r)
{
	static const char *const first[] = { ".secondary_trusted_keys", ".builtin_trusted_keys" };
	struct ipe_trust *t = NULL;
	int rc = 0;
	bool any = false;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < 2 && !any; i++) {
		int32_t id;

		if (ipe_keyring_resolve(first[i], &id))
			continue;
		any = true;
		rc = ipe_trust_new(&t);
		if (rc)
			return rc;
		t->keyring = id;
		t->keyring_name = strdup(first[i]);
		rc = t->keyring_name ? ipe_verify_blob(ctx, t, blob, len, r) : -ENOMEM;
		ipe_trust_free(t);
		t = NULL;
		if (rc)
			return rc;
		if (r->err != ENOKEY && r->err != EKEYREJECTED) {
			r->keyring = (r->stage && (!strcmp(r->stage, "policy"))) ? first[i] : NULL;
			return 0;
		}
	}
	if (!any)
		set_result(r, ENOKEY, "trust", "no trusted kernel keyring is visible in /proc/keys");
	{
		int32_t id;
		struct ipe_verify_result pr;

		if (ipe_keyring_resolve(".platform", &id))
			return 0;
		rc = ipe_trust_new(&t);
		if (rc)
			return rc;
		t->keyring = id;
		t->keyring_name = strdup(".platform");
		rc = t->keyring_name ? ipe_verify_blob(ctx, t, blob, len, &pr) : -ENOMEM;
		ipe_trust_free(t);
		if (rc)
			return rc;
		if (pr.err != ENOKEY && pr.err != EKEYREJECTED) {
			ipe_verify_result_clear(r);
			*r = pr;
			if (!strcmp(r->stage, "policy"))
				r->keyring = ".platform (needs CONFIG_IPE_POLICY_SIG_PLATFORM_KEYRING)";
		} else {
			ipe_verify_result_clear(&pr);
		}
	}
	return 0;
}
