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

/* An identity: the kernel's key ids, as bytes. */
struct kid {
	uint8_t *id;     /* serial contents || issuer contents */
	size_t id_len;
	size_t serial_len; /* the serial's part of id */
	uint8_t *skid;
	size_t skid_len;
};

struct kcert {
	X509 *x;                  /* not owned */
	struct kid k;
	uint8_t *aid0; size_t aid0_len;  /* AKID issuer+serial */
	size_t aid0_serial_len;
	uint8_t *aid1; size_t aid1_len;  /* AKID keyid */
	bool self_signed;
	int signer;               /* index of the issuer among the embedded certs, -1 */
	bool seen, verified;
	const uint8_t *tbs; size_t tbs_len;
	const uint8_t *sig; size_t sig_len;
	const char *sig_md;       /* hash of the cert's signature */
	bool sig_ecdsa;
};

struct ipe_trust {
	X509 **certs;
	struct kcert *kc;
	size_t n;
	int32_t keyring;          /* 0: none */
	char *keyring_name;
};

/* ---- identities ---- */

static uint8_t *cat2(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, size_t *ret_len)
{
	uint8_t *r = malloc(al + bl + 1);

	if (!r)
		return NULL;
	if (al)
		memcpy(r, a, al);
	if (bl)
		memcpy(r + al, b, bl);
	*ret_len = al + bl;
	return r;
}

static void kcert_release(struct kcert *c)
{
	free(c->k.id);
	free(c->k.skid);
	free(c->aid0);
	free(c->aid1);
	memset(c, 0, sizeof(*c));
}

/* Contents of a DER TLV produced by i2d. */
static int der_contents(const uint8_t *der, size_t len, const uint8_t **v, size_t *vl)
{
	struct ipe_cur c = { der, der + len };
	struct ipe_tlv t;

	if (ipe_der_next(&c, &t))
		return -EBADMSG;
	*v = t.val;
	*vl = t.len;
	return 0;
}

static bool same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return a && b && al == bl && memcmp(a, b, al) == 0;
}

static int kcert_init(struct kcert *c, X509 *x, const uint8_t *der, size_t der_len)
{
	struct ipe_cur top = { der, der + der_len }, in, tbs;
	struct ipe_tlv t, f, serial, issuer, subject, sigalg, sig;
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);
	const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
	const GENERAL_NAMES *aiss = X509_get0_authority_issuer(x);
	const ASN1_INTEGER *aser = X509_get0_authority_serial(x);
	int mdnid = 0, pknid = 0;

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->signer = -1;
	if (ipe_der_next(&top, &t) || !t.cons)
		return -EBADMSG;
	in = ipe_der_inside(&t);
	if (ipe_der_next(&in, &f) || ipe_der_next(&in, &sigalg) || ipe_der_next(&in, &sig) ||
	    sig.tag != V_ASN1_BIT_STRING || sig.len < 1)
		return -EBADMSG;
	c->tbs = f.start;
	c->tbs_len = f.total;
	c->sig = sig.val + 1;
	c->sig_len = sig.len - 1;
	tbs = ipe_der_inside(&f);
	if (ipe_der_peek(&tbs, V_ASN1_CONTEXT_SPECIFIC, 0))
		ipe_der_next(&tbs, &t);
	if (ipe_der_next(&tbs, &serial) || ipe_der_next(&tbs, &t) || ipe_der_next(&tbs, &issuer) ||
	    ipe_der_next(&tbs, &t) || ipe_der_next(&tbs, &subject))
		return -EBADMSG;
	c->k.id = cat2(serial.val, serial.len, issuer.val, issuer.len, &c->k.id_len);
	c->k.serial_len = serial.len;
	if (!c->k.id)
		return -ENOMEM;
	if (skid) {
		c->k.skid = cat2(skid->data, (size_t)skid->length, NULL, 0, &c->k.skid_len);
		if (!c->k.skid)
			return -ENOMEM;
	}
	if (akid) {
		c->aid1 = cat2(akid->data, (size_t)akid->length, NULL, 0, &c->aid1_len);
		if (!c->aid1)
			return -ENOMEM;
	}
	if (aiss && aser) {
		for (int i = 0; i < sk_GENERAL_NAME_num(aiss); i++) {
			const GENERAL_NAME *gn = sk_GENERAL_NAME_value(aiss, i);
			unsigned char *nd = NULL, *sd = NULL;
			const uint8_t *nv, *sv;
			size_t nl, sl;
			int nlen, slen, rc = 0;

			if (gn->type != GEN_DIRNAME)
				continue;
			/* Out of memory here must not quietly drop the authority
			 * issuer+serial: that would change which key is trusted. */
			nlen = i2d_X509_NAME(gn->d.directoryName, &nd);
			slen = i2d_ASN1_INTEGER(aser, &sd);
			if (nlen <= 0 || slen <= 0)
				rc = -ENOMEM;
			else if (der_contents(nd, (size_t)nlen, &nv, &nl) || der_contents(sd, (size_t)slen, &sv, &sl))
				rc = -EBADMSG;
			if (!rc) {
				c->aid0 = cat2(sv, sl, nv, nl, &c->aid0_len);
				c->aid0_serial_len = sl;
				if (!c->aid0)
					rc = -ENOMEM;
			}
			OPENSSL_free(nd);
			OPENSSL_free(sd);
			if (rc)
				return rc;
			break;
		}
	}
	if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &mdnid, &pknid) && mdnid != NID_undef) {
		c->sig_md = OBJ_nid2sn(mdnid);
		c->sig_ecdsa = pknid == NID_X9_62_id_ecPublicKey;
	}
	/* Self-signed as the kernel decides it. */
	if (same(issuer.val, issuer.len, subject.val, subject.len)) {
		bool ok = true;

		if (c->aid0 || c->aid1) {
			bool a = same(c->k.skid, c->k.skid_len, c->aid1, c->aid1_len);
			bool b = same(c->k.id, c->k.id_len, c->aid0, c->aid0_len);

			ok = a || b;
		}
		if (ok) {
			EVP_PKEY *pk = X509_get0_pubkey(x);

			c->self_signed = pk && X509_verify(x, pk) == 1;
		}
	}
	return 0;
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
		kcert_release(&t->kc[i]);
		X509_free(t->certs[i]);
	}
	free(t->kc);
	free(t->certs);
	free(t->keyring_name);
	free(t);
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
	while (sk_X509_num(sk) > 0) {
		X509 *x = sk_X509_shift(sk);
		unsigned char *der = NULL;
		int dl = i2d_X509(x, &der);
		X509 **nc = realloc(t->certs, (t->n + 1) * sizeof(*nc));
		struct kcert *nk;

		if (nc)
			t->certs = nc;
		nk = nc ? realloc(t->kc, (t->n + 1) * sizeof(*nk)) : NULL;
		if (nk)
			t->kc = nk;
		if (!nc || !nk || dl <= 0) {
			X509_free(x);
			OPENSSL_free(der);
			rc = -ENOMEM;
			break;
		}
		/* kcert keeps pointers into the DER: re-parse from a stable copy */
		{
			const unsigned char *q = der;
			X509 *y = d2i_X509(NULL, &q, dl);

			X509_free(x);
			if (!y) {
				OPENSSL_free(der);
				rc = -EBADMSG;
				break;
			}
			t->certs[t->n] = y;
			/* tbs/sig pointers are only used for embedded certs; ids are copied */
			rc = kcert_init(&t->kc[t->n], y, der, (size_t)dl);
			t->kc[t->n].tbs = NULL;
			t->kc[t->n].sig = NULL;
			OPENSSL_free(der);
			t->n++;
			if (rc)
				break;
		}
	}
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
	return same(c->k.id, c->k.id_len, id, len) || same(c->k.skid, c->k.skid_len, id, len);
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
		const struct kcert *c = &t->kc[i];

		if (id0) {
			if (!kc_has_id(c, id0, l0))
				continue;
			if (id1 && !same(c->k.skid, c->k.skid_len, id1, l1))
				return -EKEYREJECTED;
		} else if (!same(c->k.skid, c->k.skid_len, id1, l1)) {
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

static int pk_verify(EVP_PKEY *pk, const char *md, const uint8_t *dig, size_t dlen, const uint8_t *sig,
		     size_t slen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
	const EVP_MD *m = EVP_get_digestbyname(md);
	int ok = 0;

	if (pc && m && EVP_PKEY_verify_init(pc) == 1) {
		if (EVP_PKEY_is_a(pk, "RSA"))
			EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
		if (EVP_PKEY_CTX_set_signature_md(pc, m) == 1)
			ok = EVP_PKEY_verify(pc, sig, slen, dig, dlen) == 1;
	}
	EVP_PKEY_CTX_free(pc);
	return ok ? 0 : -EKEYREJECTED;
}

static const char UNCHECKED_ALG[] =
	"key trusted by id and policy accepted (this kernel's keyctl cannot re-check an ECDSA signature)";
static const char UNCHECKED_ACCESS[] =
	"trusted by key id; the signature itself can only be checked by the kernel (the trusted key may not be used from userspace); policy accepted";

static int tverify(const struct tkey *k, const char *md, bool ecdsa, const uint8_t *dig, size_t dlen,
		   const uint8_t *sig, size_t slen, const char **unchecked)
{
	int rc;

	if (k->c)
		return pk_verify(X509_get0_pubkey(k->c->x), md, dig, dlen, sig, slen);
	rc = ipe_keyring_verify(k->serial, md, ecdsa, dig, dlen, sig, slen);
	if (rc == 2) {
		/* the key is there but may not be used: check the math with the
		 * embedded copy of its certificate when the blob has one */
		if (k->emb)
			return pk_verify(X509_get0_pubkey(k->emb->x), md, dig, dlen, sig, slen);
		*unchecked = UNCHECKED_ACCESS;
		return 0;
	}
	if (rc == 1) {
		if (k->emb)
			return pk_verify(X509_get0_pubkey(k->emb->x), md, dig, dlen, sig, slen);
		if (!*unchecked)
			*unchecked = UNCHECKED_ALG;
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
	uint8_t (*digest)[EVP_MAX_MD_SIZE];
	size_t *dlen;
	char why[512];
	const char *reason;
	const char *unchecked; /* why a keyring signature could not be re-checked, or NULL */
	struct ipe_kr *kr;     /* keyring trust: the keyring's keys */
	int kr_denied;         /* -EACCES/-EPERM: some lookup could not be answered */
};

static const char *hash_for_md(const char *kname)
{
	/* The kernel's names are OpenSSL's, except for a few */
	if (!strcmp(kname, "sha3-256"))
		return "SHA3-256";
	if (!strcmp(kname, "sha3-384"))
		return "SHA3-384";
	if (!strcmp(kname, "sha3-512"))
		return "SHA3-512";
	return kname;
}

static bool sig_is_ecdsa(const struct ipe_p7_signer *s)
{
	return strncmp(s->sig_oid, "1.2.840.10045.", 14) == 0 || strncmp(s->sig_oid, "2.16.840.1.101.3.4.3.", 21) == 0;
}

static void signer_kid(const struct ipe_p7_signer *s, uint8_t **ret, size_t *len)
{
	if (s->by_skid)
		*ret = cat2(s->skid, s->skid ? s->skid_len : 0, NULL, 0, len);
	else
		*ret = cat2(s->serial, s->serial_len, s->issuer, s->issuer_len, len);
}

#define VFAIL(e, ...)                                                                              \
	do {                                                                                       \
		snprintf(v->why, sizeof(v->why), __VA_ARGS__);                                     \
		v->reason = v->why;                                                                \
		return -(e);                                                                       \
	} while (0)

static int verify_chain(struct vstate *v, int start)
{
	int x = start;

	for (size_t i = 0; i < v->p7.ncerts; i++)
		v->kc[i].seen = false;
	for (;;) {
		struct kcert *c = &v->kc[x];
		int p = -1;

		c->seen = true;
		if (c->self_signed) {
			c->signer = x;
			return 0;
		}
		for (size_t i = 0; i < v->p7.ncerts && p < 0; i++) {
			if (c->aid0 ? kc_has_id(&v->kc[i], c->aid0, c->aid0_len) :
			    (c->aid1 && same(v->kc[i].k.skid, v->kc[i].k.skid_len, c->aid1, c->aid1_len)))
				p = (int)i;
		}
		if (p < 0)
			return 0;
		if (c->aid0 && c->aid1 && !same(v->kc[p].k.skid, v->kc[p].k.skid_len, c->aid1, c->aid1_len))
			VFAIL(EKEYREJECTED, "embedded certificate chain: authority key id mismatch");
		if (v->kc[p].seen)
			return 0;
		if (X509_verify(c->x, X509_get0_pubkey(v->kc[p].x)) != 1) {
			VFAIL(EKEYREJECTED, "embedded certificate %d is not signed by embedded certificate %d", x + 1,
			      p + 1);
		}
		c->signer = p;
		if (p == x)
			return 0;
		x = p;
	}
}

static int verify_one(struct vstate *v, size_t i)
{
	struct ipe_p7_signer *s = &v->p7.signers[i];
	const EVP_MD *md;
	unsigned int dl = 0;
	uint8_t *kid = NULL;
	size_t kid_len = 0;
	int found = -1;

	if (!strcmp(s->digest_name, "sha1") || !strcmp(s->digest_name, "sm3") ||
	    !strncmp(s->digest_name, "streebog", 8))
		VFAIL(ENOPKG, "signer %zu: digest %s is not available in the kernel (use sha256/sha384/sha512)", i + 1,
		      s->digest_name);
	md = EVP_get_digestbyname(hash_for_md(s->digest_name));
	if (!md)
		VFAIL(ENOPKG, "signer %zu: digest %s is not available", i + 1, s->digest_name);
	if (!EVP_Digest(v->p7.data ? v->p7.data : (const uint8_t *)"", v->p7.data ? v->p7.data_len : 0,
			v->digest[i], &dl, md, NULL))
		return -ENOMEM;
	v->dlen[i] = dl;
	if (s->authattrs) {
		EVP_MD_CTX *mc;
		uint8_t tag = 0x31;

		if (!s->msgdigest)
			VFAIL(EKEYREJECTED, "signer %zu: no messageDigest", i + 1);
		if (s->msgdigest_len != dl)
			VFAIL(EBADMSG, "signer %zu: messageDigest has the wrong size", i + 1);
		if (memcmp(s->msgdigest, v->digest[i], dl))
			VFAIL(EKEYREJECTED, "signer %zu: the content does not match the signed messageDigest (content changed after signing%s)",
			      i + 1, v->p7.data_clean ? "" : ", or indefinite-length/streamed encoding");
		mc = EVP_MD_CTX_new();
		if (!mc || !EVP_DigestInit_ex(mc, md, NULL) || !EVP_DigestUpdate(mc, &tag, 1) ||
		    !EVP_DigestUpdate(mc, s->aa_hdr + 1, s->aa_hdrlen - 1 + s->aa_len) ||
		    !EVP_DigestFinal_ex(mc, v->digest[i], &dl)) {
			EVP_MD_CTX_free(mc);
			return -ENOMEM;
		}
		EVP_MD_CTX_free(mc);
	}
	signer_kid(s, &kid, &kid_len);
	if (!kid)
		return -ENOMEM;
	/* pkcs7_find_key(): the kernel matches a signer to an embedded
	 * certificate only by issuer + serial number.  A signer identified by
	 * subject key identifier is never matched: no chain is built from it,
	 * and its own key must be in the trusted keyring. */
	for (size_t c = 0; !s->by_skid && c < v->p7.ncerts && found < 0; c++)
		if (same(v->kc[c].k.id, v->kc[c].k.id_len, kid, kid_len))
			found = (int)c;
	free(kid);
	v->signer_cert[i] = found;
	if (found < 0)
		return 0;
	if (s->has_signing_time) {
		struct tm a, b;

		if (ASN1_TIME_to_tm(X509_get0_notBefore(v->kc[found].x), &a) &&
		    ASN1_TIME_to_tm(X509_get0_notAfter(v->kc[found].x), &b) &&
		    (s->signing_time < timegm(&a) || s->signing_time > timegm(&b)))
			VFAIL(EKEYREJECTED, "signer %zu: signingTime is outside the signer certificate's validity", i + 1);
	}
	if (pk_verify(X509_get0_pubkey(v->kc[found].x), hash_for_md(s->digest_name), v->digest[i], dl, s->sig,
		      s->sig_len))
		VFAIL(EKEYREJECTED,
		      "signer %zu: the signature does not verify with the embedded signer certificate (content changed after signing, detached or streamed encoding?)",
		      i + 1);
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
	int x, last = -1, rc;
	struct tkey k;
	uint8_t *kid = NULL;
	size_t kid_len = 0;
	const struct kcert *emb = NULL;
	bool cms_sig = true;

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
		rc = denied(v, tfind(t, v->kr, c->k.id, c->k.id_len, c->k.serial_len, c->k.skid, c->k.skid_len, c,
				     &k));
		if (rc == 0)
			goto matched;
		if (rc != -ENOKEY)
			return rc;
		if (c->signer == x)
			return -ENOKEY;
		last = x;
		cms_sig = false;
	}
	if (last >= 0 && (v->kc[last].aid0 || v->kc[last].aid1)) {
		rc = denied(v, tfind(t, v->kr, v->kc[last].aid0, v->kc[last].aid0_len, v->kc[last].aid0_serial_len,
				     v->kc[last].aid1, v->kc[last].aid1_len, NULL, &k));
		if (rc == 0) {
			x = last;
			goto matched;
		}
		if (rc != -ENOKEY)
			return rc;
	}
	/* Last resort: a trusted key matching the signer's id directly.  The
	 * embedded certificate with that id (if any) stands for the key when
	 * the keyring key cannot be used from userspace. */
	signer_kid(s, &kid, &kid_len);
	if (!kid)
		return -ENOMEM;
	for (size_t c = 0; c < v->p7.ncerts && !emb; c++)
		if (s->by_skid ? same(v->kc[c].k.skid, v->kc[c].k.skid_len, kid, kid_len) :
				 same(v->kc[c].k.id, v->kc[c].k.id_len, kid, kid_len))
			emb = &v->kc[c];
	rc = denied(v, tfind(t, v->kr, kid, kid_len, s->by_skid ? 0 : s->serial_len, NULL, 0, emb, &k));
	free(kid);
	if (rc)
		return rc;
	x = -1;
	cms_sig = true;
matched:
	if (cms_sig) {
		rc = tverify(&k, hash_for_md(s->digest_name), sig_is_ecdsa(s), v->digest[i], v->dlen[i], s->sig,
			     s->sig_len, &v->unchecked);
	} else {
		struct kcert *c = &v->kc[last];
		uint8_t d[EVP_MAX_MD_SIZE];
		unsigned int dl = 0;
		const EVP_MD *md = c->sig_md ? EVP_get_digestbyname(c->sig_md) : NULL;

		if (!md || !EVP_Digest(c->tbs, c->tbs_len, d, &dl, md, NULL))
			return -ENOPKG;
		rc = tverify(&k, c->sig_md, c->sig_ecdsa, d, dl, c->sig, c->sig_len, &v->unchecked);
	}
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
	for (size_t i = 0; v->kc && i < v->p7.ncerts; i++)
		kcert_release(&v->kc[i]);
	free(v->kc);
	free(v->signer_cert);
	free(v->unsupported);
	free(v->digest);
	free(v->dlen);
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
	v.digest = calloc(n, sizeof(*v.digest));
	v.dlen = calloc(n, sizeof(size_t));
	if (!v.kc || !v.signer_cert || !v.unsupported || !v.digest || !v.dlen) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < v.p7.ncerts; i++) {
		rc = kcert_init(&v.kc[i], v.p7.certs[i].x509, v.p7.certs[i].der, v.p7.certs[i].der_len);
		if (rc == -ENOMEM)
			goto out;
		if (rc) {
			set_result(r, EBADMSG, "pkcs7", "an embedded certificate cannot be parsed");
			rc = 0;
			goto out;
		}
	}
	/* pkcs7_verify() */
	if (strcmp(v.p7.content_oid, "1.2.840.113549.1.7.1")) {
		set_result(r, EKEYREJECTED, "verify", "the content type is not id-data");
		goto out;
	}
	actual = -ENOPKG;
	v.reason = NULL;
	for (size_t i = 0; i < n; i++) {
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
