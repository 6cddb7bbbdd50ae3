/* SPDX-License-Identifier: MIT */
/*
 * The trusted keys of the verifier: certificates given with --trust, and the
 * keys of a kernel keyring.  A key is found by its ids the way the kernel's
 * find_asymmetric_key() finds it (issuer + serial or subject key
 * identifier), and checks a signature the way verify_signature() does; a
 * keyring key that cannot be used from userspace is stood in for by the
 * embedded copy of its certificate, when there is one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <ipe/io.h>
#include <ipe/sign.h>

#include "signer.h"
#include "verify.h"

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

/* find_asymmetric_key() (verify.h) */
int ipe_trust_find(const struct ipe_trust *t, struct ipe_kr *kr, const uint8_t *id0, size_t l0, size_t serial_len,
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

/* verify_signature() with a trusted key (verify.h) */
int ipe_trust_verify(const struct tkey *k, const struct ipe_ksig *sig, const char **unchecked)
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
