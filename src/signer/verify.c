/* SPDX-License-Identifier: MIT */
/*
 * Verification as the kernel does it (IPE-KERNEL.md section 3): check each
 * signer against the certificates embedded in the blob, build the chain
 * from the embedded leaf, then look for a trusted key (a certificate given
 * with --trust, or a key in a kernel keyring) by its identifiers: issuer +
 * serial or subject key identifier.  No purpose, EKU or validity checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ipe/io.h>
#include <ipe/policy.h>
#include <ipe/sign.h>

#include "der.h"
#include "signer.h"

/* An embedded or trusted certificate as the kernel holds it. */
struct kcert {
	struct ipe_kx509 *kx;     /* not owned */
	int signer;               /* index of the issuer among the embedded certs, -1 */
	bool seen, verified;
};

struct tcert {                    /* a --trust certificate */
	uint8_t *der;
	size_t der_len;
	struct ipe_kx509 kx;
	struct kcert kc;
};

struct ipe_trust {
	struct tcert *tc;
	size_t n;
	int32_t keyring;          /* 0: none */
	char *keyring_name;
};

static bool same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return a && b && al == bl && memcmp(a, b, al) == 0;
}

/* ---- trust stores ---- */

int ipe_trust_new(struct ipe_trust **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void ipe_trust_free(struct ipe_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		ipe_kx509_release(&t->tc[i].kx);
		free(t->tc[i].der);
	}
	free(t->tc);
	free(t->keyring_name);
	free(t);
}

static int trust_add(struct ipe_ctx *ctx, struct ipe_trust *t, const char *path, X509 *x)
{
	unsigned char *der = NULL;
	int dl = i2d_X509(x, &der), rc;
	struct tcert *nt, *c;

	if (dl <= 0)
		return -ENOMEM;
	nt = realloc(t->tc, (t->n + 1) * sizeof(*nt));
	if (!nt) {
		OPENSSL_free(der);
		return -ENOMEM;
	}
	t->tc = nt;
	for (size_t i = 0; i < t->n; i++)   /* the array moved */
		t->tc[i].kc.kx = &t->tc[i].kx;
	c = &t->tc[t->n];
	memset(c, 0, sizeof(*c));
	c->der = malloc((size_t)dl);
	if (!c->der) {
		OPENSSL_free(der);
		return -ENOMEM;
	}
	memcpy(c->der, der, (size_t)dl);
	c->der_len = (size_t)dl;
	OPENSSL_free(der);
	t->n++;
	/* the kernel parses a certificate before it may become a key */
	rc = ipe_kx509_parse(c->der, c->der_len, &c->kx);
	c->kc.kx = &c->kx;
	c->kc.signer = -1;
	if (rc > 0) {
		ipe_sign_diag(ctx, "IPE-S002", IPE_SEV_ERROR, "give certificates the kernel accepts as keys",
			      "%s: the kernel would refuse this certificate: %s (-%s)", path, c->kx.why,
			      ipe_errno_name(rc) ? ipe_errno_name(rc) : "?");
		rc = -rc;
	}
	return rc;
}

int ipe_trust_add_cert_file(struct ipe_ctx *ctx, struct ipe_trust *t, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	rc = ipe_read_file(path, 1u << 24, &data, &len);
	if (rc) {
		ipe_sign_diag(ctx, "IPE-S002", IPE_SEV_ERROR, NULL, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	ERR_set_mark();
	rc = ipe_sign_load_certs(data, len, &sk);
	free(data);
	if (rc < 0) {
		ipe_sign_diag(ctx, "IPE-S002", IPE_SEV_ERROR, "give X.509 certificates in PEM or DER form",
			      "%s: no certificate found", path);
		ERR_pop_to_mark();
		return rc;
	}
	rc = 0;
	for (int i = 0; i < sk_X509_num(sk) && !rc; i++)
		rc = trust_add(ctx, t, path, sk_X509_value(sk, i));
	sk_X509_pop_free(sk, X509_free);
	ERR_pop_to_mark();
	return rc;
}

int ipe_trust_add_keyring(struct ipe_ctx *ctx, struct ipe_trust *t, const char *keyring)
{
	int32_t id;
	int rc = ipe_keyring_resolve(keyring, &id);

	if (rc) {
		ipe_sign_diag(ctx, "IPE-S013", IPE_SEV_ERROR,
			      "name a keyring from /proc/keys, a number, or @s/@u/@us/@p/@t",
			      "keyring '%s' not found: %s", keyring, strerror(-rc));
		return rc;
	}
	free(t->keyring_name);
	t->keyring_name = strdup(keyring);
	t->keyring = id;
	return t->keyring_name ? 0 : -ENOMEM;
}

/* A trusted key found by its ids. */
struct tkey {
	const struct kcert *c;   /* file trust */
	bool in_keyring;         /* keyring trust */
	int32_t serial;          /* the keyring key, 0 if it exists but cannot be seen */
	const struct kcert *emb; /* the embedded certificate standing for the keyring key, or NULL */
};

static bool kc_has_id(const struct kcert *c, const uint8_t *id, size_t len)
{
	return same(c->kx->id, c->kx->id_len, id, len) || same(c->kx->skid, c->kx->skid_len, id, len);
}

/* find_asymmetric_key() in a kernel keyring.  The keys the kernel made
 * itself cannot be searched by root, so a key is also recognised by the id
 * its description shows (subject key identifier, else serial number). */
static int kr_lookup(struct ipe_kr *kr, const uint8_t *id0, size_t l0, size_t serial_len, const uint8_t *id1,
		     size_t l1, int32_t *key)
{
	int32_t k0 = 0, k1 = 0;
	int r0, r1;

	if (!id0) {
		r1 = ipe_kr_find(kr, id1, l1, &k1);
		*key = k1;
		return r1;
	}
	r0 = ipe_kr_find(kr, id0, l0, &k0);
	if (r0 == -EACCES || r0 == -EPERM) {
		/* the search cannot be reproduced: go by the descriptions */
		if (id1 && !ipe_kr_find_desc(kr, id1, l1, &k1)) {
			*key = k1;
			return 0;
		}
		if (serial_len && !ipe_kr_find_desc(kr, id0, serial_len, &k0)) {
			*key = k0;
			return id1 ? -EKEYREJECTED : 0;
		}
		/* a subject key id alone (a signer named by --keyid) is the
		 * description's id itself */
		if (!serial_len && !id1 && !ipe_kr_find_desc(kr, id0, l0, &k0)) {
			*key = k0;
			return 0;
		}
		return r0;
	}
	if (r0)
		return r0;
	if (!id1) {
		*key = k0;
		return 0;
	}
	r1 = ipe_kr_find(kr, id1, l1, &k1);
	if (r1 == -ENOKEY || (!r1 && k0 && k1 && k0 != k1))
		return -EKEYREJECTED;
	if (r1)
		return r1;
	*key = k0 ? k0 : k1;
	return 0;
}

/* find_asymmetric_key(): by id0 (then id1 must equal the key's SKID), or by
 * id1 alone.  0, -ENOKEY or -EKEYREJECTED (id0 matched, id1 did not);
 * -EACCES/-EPERM: the keyring cannot tell. */
static int tfind(const struct ipe_trust *t, struct ipe_kr *kr, const uint8_t *id0, size_t l0, size_t serial_len,
		 const uint8_t *id1, size_t l1, const struct kcert *emb, struct tkey *k)
{
	memset(k, 0, sizeof(*k));
	if (!id0 && !id1)
		return -ENOKEY;
	for (size_t i = 0; i < t->n; i++) {
		const struct kcert *c = &t->tc[i].kc;

		if (id0) {
			if (!kc_has_id(c, id0, l0))
				continue;
			if (id1 && !same(c->kx->skid, c->kx->skid_len, id1, l1))
				return -EKEYREJECTED;
		} else if (!same(c->kx->skid, c->kx->skid_len, id1, l1)) {
			continue;
		}
		k->c = c;
		return 0;
	}
	if (kr) {
		int32_t key = 0;
		int rc = kr_lookup(kr, id0, l0, serial_len, id1, l1, &key);

		if (rc)
			return rc;
		k->in_keyring = true;
		k->serial = key;
		k->emb = emb;
		return 0;
	}
	return -ENOKEY;
}

static const char UNCHECKED_ALG[] =
	"key trusted by id and policy accepted (this kernel's keyctl cannot re-check an ECDSA signature)";
static const char UNCHECKED_ACCESS[] =
	"trusted by key id; the signature itself can only be checked by the kernel (the trusted key may not be used from userspace); policy accepted";

/* verify_signature() with a trusted key: 0, or nonzero (the kernel then
 * answers -EKEYREJECTED); -ENOMEM. */
static int tverify(const struct tkey *k, const struct ipe_ksig *sig, const char **unchecked)
{
	int rc;

	if (k->c)
		return ipe_kpk_verify(&k->c->kx->pub, sig);
	rc = ipe_keyring_verify(k->serial, sig->hash, !strcmp(sig->pkey, "ecdsa"), sig->digest, sig->digest_len,
				sig->s, sig->s_len);
	if (rc == 2 || rc == 1) {
		/* the key cannot be used from here (2) or keyctl lacks the
		 * algorithm (1): the embedded copy of its certificate stands in */
		if (k->emb)
			return ipe_kpk_verify(&k->emb->kx->pub, sig);
		if (!*unchecked)
			*unchecked = rc == 2 ? UNCHECKED_ACCESS : UNCHECKED_ALG;
		return 0;
	}
	return rc;
}

/* ---- the kernel's checks ---- */

struct vstate {
	struct ipe_p7 p7;
	struct kcert *kc;      /* per embedded cert */
	int *signer_cert;      /* per signer: embedded cert index or -1 */
	bool *unsupported;     /* per signer */
	struct ipe_ksig *sig;  /* per signer: its signature, as the kernel holds it */
	char why[512];
	const char *reason;
	const char *unchecked; /* why a keyring signature could not be re-checked, or NULL */
	struct ipe_kr *kr;     /* keyring trust: the keyring's keys */
	int kr_denied;         /* -EACCES/-EPERM: some lookup could not be answered */
};

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

/* pkcs7_verify_one() */
static int verify_one(struct vstate *v, size_t i)
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

/* pkcs7_validate_trust_one() */
static int trust_one(struct vstate *v, const struct ipe_trust *t, size_t i)
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
		rc = denied(v, tfind(t, v->kr, c->kx->id, c->kx->id_len, c->kx->serial_len, c->kx->skid, c->kx->skid_len,
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
		rc = denied(v, tfind(t, v->kr, last->kx->aid0, last->kx->aid0_len, last->kx->aid0_serial_len,
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
	rc = denied(v, tfind(t, v->kr, kid, kid_len, s->by_skid ? 0 : s->serial_len, NULL, 0, emb, &k));
	free(kid);
	if (rc)
		return rc;
	x = -1;
	sig = &v->sig[i];
matched:
	rc = tverify(&k, sig, &v->unchecked);
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

	if (!t || !r || (!blob && len))
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	memset(r, 0, sizeof(*r));
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
		rc = verify_one(&v, i);
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
		int tr = trust_one(&v, t, i);

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
