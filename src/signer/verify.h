/* SPDX-License-Identifier: MIT */
/*
 * Internal to the kernel-faithful verifier of src/signer/: what the kernel's
 * PKCS#7 verification holds while it works.
 *   verify.c  - the order of the checks (parse, signatures, trust, content,
 *               IPE's parser) and the kernel's keyring order;
 *   kpkcs7.c  - per signer: pkcs7_verify_one() and pkcs7_validate_trust_one();
 *   trust.c   - the trusted keys: --trust certificates and kernel keyrings,
 *               found by their ids and used to check a signature.
 */
#ifndef IPE_SIGNER_VERIFY_H
#define IPE_SIGNER_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

static inline bool same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return a && b && al == bl && memcmp(a, b, al) == 0;
}

/* A trusted key found by its ids. */
struct tkey {
	const struct kcert *c;   /* file trust */
	bool in_keyring;         /* keyring trust */
	int32_t serial;          /* the keyring key, 0 if it exists but cannot be seen */
	const struct kcert *emb; /* the embedded certificate standing for the keyring key, or NULL */
};

/* find_asymmetric_key(): by id0 (then id1 must equal the key's SKID), or by
 * id1 alone.  0, -ENOKEY or -EKEYREJECTED (id0 matched, id1 did not);
 * -EACCES/-EPERM: the keyring cannot tell.  serial_len: the length of the
 * serial number at the start of id0 (an issuer+serial id), else 0; emb: the
 * embedded certificate that stands for a keyring key found this way. */
int ipe_trust_find(const struct ipe_trust *t, struct ipe_kr *kr, const uint8_t *id0, size_t l0, size_t serial_len,
		   const uint8_t *id1, size_t l1, const struct kcert *emb, struct tkey *k);
/* verify_signature() with a trusted key: 0, or nonzero (the kernel then
 * answers -EKEYREJECTED); -ENOMEM.  *unchecked is set (if still NULL) when
 * only the kernel can check the signature. */
int ipe_trust_verify(const struct tkey *k, const struct ipe_ksig *sig, const char **unchecked);

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

/* pkcs7_verify_one(): the signature of signer i over the content (and its
 * signed attributes), with the embedded certificate it names, then the chain
 * of embedded certificates.  0, -errno the kernel answers (v->reason set),
 * -ENOPKG (an algorithm the kernel lacks), -ENOMEM. */
int ipe_kp7_verify_one(struct vstate *v, size_t i);
/* pkcs7_validate_trust_one(): 0 trusted, -ENOKEY, -ENOPKG, -EKEYREJECTED,
 * -ENOMEM.  A keyring lookup that cannot be answered counts as -ENOKEY and
 * sets v->kr_denied. */
int ipe_kp7_trust_one(struct vstate *v, const struct ipe_trust *t, size_t i);

#endif
