/* SPDX-License-Identifier: MIT */
/*
 * The kernel's PKCS#7 checks for one signer (crypto/asymmetric_keys:
 * pkcs7_verify_one, pkcs7_find_key, pkcs7_verify_sig_chain,
 * pkcs7_validate_trust_one), written from their documented behaviour: the
 * signature over the content and signed attributes with the embedded
 * certificate named by issuer + serial, the chain of embedded certificates,
 * then the walk up that chain to a trusted key (trust.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/io.h>
#include <ipe/sign.h>

#include "signer.h"
#include "verify.h"

static const char *errname(int e)
{
	return ipe_errno_name(e) ? ipe_errno_name(e) : "error";
}

/* The signer's key id (auth_ids[0]): subject key id for version 3, else
 * serial number || issuer. */
static int signer_kid(const struct ipe_p7_signer *s, uint8_t **ret, size_t *len)
{
	if (s->by_skid)
		*ret = ipe_signer_concat(s->skid, s->skid ? s->skid_len : 0, NULL, 0, len);
	else
		*ret = ipe_signer_concat(s->serial, s->serial ? s->serial_len : 0, s->issuer, s->issuer ? s->issuer_len : 0, len);
	return *ret ? 0 : -ENOMEM;
}

#define VFAIL(e, ...)                                                                              \
	do {                                                                                       \
		snprintf(v->why, sizeof(v->why), __VA_ARGS__);                                     \
		v->reason = v->why;                                                                \
		return -(e);                                                                       \
	} while (0)

/* pkcs7_verify_sig_chain() */
static int verify_chain(struct vstate *v, int start)
{
	int x = start;

	for (size_t i = 0; i < v->p7.ncerts; i++)
		v->kc[i].seen = false;
	for (;;) {
		struct kcert *c = &v->kc[x];
		const struct ipe_kx509 *cx = c->kx;
		int p = -1, rc;

		c->seen = true;
		if (cx->self_signed) {
			c->signer = x;
			return 0;
		}
		if (cx->aid0) {
			for (size_t i = 0; i < v->p7.ncerts && p < 0; i++)
				if (same(v->kc[i].kx->id, v->kc[i].kx->id_len, cx->aid0, cx->aid0_len))
					p = (int)i;
			if (p >= 0 && cx->aid1 && !same(v->kc[p].kx->skid, v->kc[p].kx->skid_len, cx->aid1, cx->aid1_len))
				VFAIL(EKEYREJECTED, "embedded certificate chain: authority key id mismatch");
		} else if (cx->aid1) {
			for (size_t i = 0; i < v->p7.ncerts && p < 0; i++)
				if (same(v->kc[i].kx->skid, v->kc[i].kx->skid_len, cx->aid1, cx->aid1_len))
					p = (int)i;
		}
		if (p < 0 || v->kc[p].seen)
			return 0;
		rc = ipe_kpk_verify(&v->kc[p].kx->pub, &cx->sig);
		if (rc < 0)
			return rc;
		if (rc)
			VFAIL(rc, "embedded certificate %d is not signed by embedded certificate %d (-%s)", x + 1, p + 1,
			      errname(rc));
		c->signer = p;
		if (p == x)
			return 0;
		x = p;
	}
}

/* pkcs7_verify_one() (verify.h) */
int ipe_kp7_verify_one(struct vstate *v, size_t i)
{
	struct ipe_p7_signer *s = &v->p7.signers[i];
	struct ipe_ksig *sig = &v->sig[i];
	uint8_t *kid = NULL;
	size_t kid_len = 0, dl = 0;
	int found = -1, rc;

	memset(sig, 0, sizeof(*sig));
	sig->hash = s->digest_name;
	sig->pkey = s->pkey;
	sig->encoding = !strcmp(s->pkey, "rsa") ? "pkcs1" : !strcmp(s->pkey, "ecdsa") ? "x962" : "raw";
	sig->s = s->sig;
	sig->s_len = s->sig_len;
	/* pkcs7_digest() */
	rc = ipe_k_digest(s->digest_name, v->p7.data, v->p7.data ? v->p7.data_len : 0, NULL, 0, sig->digest, &dl);
	if (rc < 0)
		return rc;
	if (rc)
		VFAIL(ENOPKG, "signer %zu: digest %s is not available in the kernel (use sha256/sha384/sha512)", i + 1,
		      s->digest_name);
	sig->digest_len = dl;
	if (s->authattrs) {
		uint8_t tag = 0x31;

		if (!s->msgdigest)
			VFAIL(EKEYREJECTED, "signer %zu: no messageDigest", i + 1);
		if (s->msgdigest_len != dl)
			VFAIL(EBADMSG, "signer %zu: messageDigest has the wrong size", i + 1);
		if (memcmp(s->msgdigest, sig->digest, dl))
			VFAIL(EKEYREJECTED, "signer %zu: the content does not match the signed messageDigest (content changed after signing%s)",
			      i + 1, v->p7.data_clean ? "" : ", or indefinite-length/streamed encoding");
		/* the [0] tag is digested as a SET tag */
		rc = ipe_k_digest(s->digest_name, &tag, 1, s->aa_hdr + 1, s->aa_hdrlen - 1 + s->aa_len, sig->digest, &dl);
		if (rc)
			return rc < 0 ? rc : -rc;
	}
	/* pkcs7_find_key(): the signer's id against each embedded
	 * certificate's issuer+serial id (a subject key id never matches) */
	rc = signer_kid(s, &kid, &kid_len);
	if (rc)
		return rc;
	for (size_t c = 0; c < v->p7.ncerts && found < 0; c++)
		if (same(v->kc[c].kx->id, v->kc[c].kx->id_len, kid, kid_len))
			found = (int)c;
	free(kid);
	v->signer_cert[i] = found;
	if (found < 0)
		return 0;
	if (s->has_signing_time && ((int64_t)s->signing_time < v->kc[found].kx->valid_from ||
				    (int64_t)s->signing_time > v->kc[found].kx->valid_to))
		VFAIL(EKEYREJECTED, "signer %zu: signingTime is outside the signer certificate's validity", i + 1);
	rc = ipe_kpk_verify(&v->kc[found].kx->pub, sig);
	if (rc < 0)
		return rc;
	if (rc)
		VFAIL(rc,
		      "signer %zu: the signature does not verify with the embedded signer certificate (-%s: content changed after signing, corrupted signature or key, detached or streamed encoding?)",
		      i + 1, errname(rc));
	return verify_chain(v, found);
}

/* A keyring lookup that cannot be answered counts as "not found"; it is
 * reported only if no signer is trusted in the end. */
static int denied(struct vstate *v, int rc)
{
	if (rc == -EACCES || rc == -EPERM) {
		if (!v->kr_denied)
			v->kr_denied = rc;
		return -ENOKEY;
	}
	return rc;
}

/* pkcs7_validate_trust_one() (verify.h) */
int ipe_kp7_trust_one(struct vstate *v, const struct ipe_trust *t, size_t i)
{
	struct ipe_p7_signer *s = &v->p7.signers[i];
	const struct ipe_ksig *sig = &v->sig[i];
	int x, rc;
	struct kcert *last = NULL;
	struct tkey k;
	uint8_t *kid = NULL;
	size_t kid_len = 0;
	const struct kcert *emb = NULL;

	if (v->unsupported[i])
		return -ENOPKG;
	for (x = v->signer_cert[i]; x >= 0; x = v->kc[x].signer) {
		struct kcert *c = &v->kc[x];

		if (c->seen) {
			if (c->verified)
				return 0;
			return -ENOKEY;
		}
		c->seen = true;
		rc = denied(v, ipe_trust_find(t, v->kr, c->kx->id, c->kx->id_len, c->kx->serial_len, c->kx->skid, c->kx->skid_len,
				     c, &k));
		if (rc == 0)
			goto matched;
		if (rc != -ENOKEY)
			return rc;
		if (c->signer == x)
			return -ENOKEY;
		last = c;
		sig = &c->kx->sig;
	}
	if (last && (last->kx->aid0 || last->kx->aid1)) {
		rc = denied(v, ipe_trust_find(t, v->kr, last->kx->aid0, last->kx->aid0_len, last->kx->aid0_serial_len,
				     last->kx->aid1, last->kx->aid1_len, NULL, &k));
		if (rc == 0) {
			x = (int)(last - v->kc);
			goto matched;
		}
		if (rc != -ENOKEY)
			return rc;
	}
	/* Last resort: a trusted key matching the signer's id directly.  The
	 * embedded certificate with that id (if any) stands for the key when
	 * the keyring key cannot be used from userspace. */
	rc = signer_kid(s, &kid, &kid_len);
	if (rc)
		return rc;
	for (size_t c = 0; c < v->p7.ncerts && !emb; c++)
		if (s->by_skid ? same(v->kc[c].kx->skid, v->kc[c].kx->skid_len, kid, kid_len) :
				 same(v->kc[c].kx->id, v->kc[c].kx->id_len, kid, kid_len))
			emb = &v->kc[c];
	rc = denied(v, ipe_trust_find(t, v->kr, kid, kid_len, s->by_skid ? 0 : s->serial_len, NULL, 0, emb, &k));
	free(kid);
	if (rc)
		return rc;
	x = -1;
	sig = &v->sig[i];
matched:
	rc = ipe_trust_verify(&k, sig, &v->unchecked);
	if (rc < 0)
		return rc;
	if (rc)
		return -EKEYREJECTED;
	if (x >= 0) {
		v->kc[x].verified = true;
		for (int p = v->signer_cert[i]; p >= 0 && p != x; p = v->kc[p].signer)
			v->kc[p].verified = true;
	}
	return 0;
}
