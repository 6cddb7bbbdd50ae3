/* SPDX-License-Identifier: MIT */
/*
 * The kernel's view of an X.509 certificate and of a public-key signature
 * check (crypto/asymmetric_keys: x509_cert_parse, x509_check_for_self_signed,
 * public_key_verify_signature; crypto/rsa*.c, crypto/ecdsa.c), written from
 * their documented behaviour.  Every answer is the errno the kernel gives,
 * in the order it checks: its ASN.1 decoder walks the certificate front to
 * back and stops at the first problem, structural (-EBADMSG) or semantic.
 *
 * Bytes are read with the DER walker (OpenSSL's ASN1_get_object) plus the
 * few rules where the kernel's decoder is stricter or looser than DER:
 * no high tag numbers, at most two length bytes, an expected constructed
 * tag also matches its primitive form, and an empty SET OF / SEQUENCE OF is
 * refused.  The arithmetic is OpenSSL's (BIGNUM, EC points).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "der.h"
#include "signer.h"

/* ---- the kernel decoder's rules on top of the DER walker ---- */

int ipe_kd_next(struct ipe_cur *c, struct ipe_tlv *t)
{
	if (c->end - c->p < 2)
		return -EBADMSG;
	if ((c->p[0] & 0x1f) == 0x1f)   /* high tag numbers are not supported */
		return -EBADMSG;
	if (c->p[1] > 0x82)             /* at most two length bytes */
		return -EBADMSG;
	return ipe_der_next(c, t);
}

/* The next tag byte, -1 at the end. */
int ipe_kd_peek(const struct ipe_cur *c)
{
	return c->p < c->end ? c->p[0] : -1;
}

/* An expected constructed tag matches with or without the constructed bit. */
bool ipe_kd_cons(const struct ipe_tlv *t, int cls, int tag)
{
	return t->cls == cls && t->tag == tag;
}

bool ipe_kd_prim(const struct ipe_tlv *t, int cls, int tag)
{
	return t->cls == cls && t->tag == tag && !t->cons;
}

bool ipe_kd_peek_is(const struct ipe_cur *c, int byte, bool cons)
{
	int b = ipe_kd_peek(c);

	if (b < 0)
		return false;
	return cons ? (b & ~0x20) == (byte & ~0x20) : b == byte;
}

#define KD_SEQ(t) ipe_kd_cons((t), V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE)
#define KD_SET(t) ipe_kd_cons((t), V_ASN1_UNIVERSAL, V_ASN1_SET)

/* AlgorithmIdentifier ::= SEQUENCE { OID, ANY OPTIONAL } */
int ipe_kd_algid(struct ipe_cur *c, char *oid, size_t oidsz, struct ipe_tlv *params)
{
	struct ipe_tlv t, o;
	struct ipe_cur in;

	memset(params, 0, sizeof(*params));
	if (ipe_kd_next(c, &t) || !KD_SEQ(&t))
		return -EBADMSG;
	in = ipe_der_inside(&t);
	if (ipe_kd_next(&in, &o) || !ipe_kd_prim(&o, V_ASN1_UNIVERSAL, V_ASN1_OBJECT))
		return -EBADMSG;
	ipe_der_oid_text(o.val, o.len, oid, oidsz);
	if (in.p < in.end && ipe_kd_next(&in, params))
		return -EBADMSG;
	return in.p == in.end ? 0 : -EBADMSG;
}

/* Name ::= SEQUENCE OF SET OF SEQUENCE { OID, ANY }, none of them empty. */
int ipe_kd_name(struct ipe_cur *c, struct ipe_tlv *name)
{
	struct ipe_cur n;

	if (ipe_kd_next(c, name) || !KD_SEQ(name))
		return -EBADMSG;
	n = ipe_der_inside(name);
	do {
		struct ipe_tlv rdn;
		struct ipe_cur r;

		if (ipe_kd_next(&n, &rdn) || !KD_SET(&rdn))
			return -EBADMSG;
		r = ipe_der_inside(&rdn);
		do {
			struct ipe_tlv ava, o, v;
			struct ipe_cur a;

			if (ipe_kd_next(&r, &ava) || !KD_SEQ(&ava))
				return -EBADMSG;
			a = ipe_der_inside(&ava);
			if (ipe_kd_next(&a, &o) || !ipe_kd_prim(&o, V_ASN1_UNIVERSAL, V_ASN1_OBJECT) ||
			    ipe_kd_next(&a, &v) || a.p != a.end)
				return -EBADMSG;
		} while (r.p < r.end);
	} while (n.p < n.end);
	return 0;
}

/* ---- time, as x509_decode_time() ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int ipe_kd_time(const struct ipe_tlv *t, int64_t *ret)
{
	static const unsigned char mlen[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const uint8_t *p = t->val;
	unsigned v[7], year, ml;
	size_t n = 0;

	if (t->cls != V_ASN1_UNIVERSAL || t->cons)
		return EBADMSG;
	if (t->tag == V_ASN1_UTCTIME) {
		if (t->len != 13)
			return EBADMSG;
		n = 6;
	} else if (t->tag == V_ASN1_GENERALIZEDTIME) {
		if (t->len != 15)
			return EBADMSG;
		n = 7;
	} else {
		return EBADMSG;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
			return EBADMSG;
		v[i] = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
		p += 2;
	}
	if (n == 6) {
		year = v[0] + (v[0] >= 50 ? 1900 : 2000);
		memmove(v + 1, v, 6 * sizeof(v[0]));
	} else {
		year = v[0] * 100 + v[1];
		if (year >= 1950 && year <= 2049)
			return EBADMSG;
	}
	if (*p != 'Z')
		return EBADMSG;
	/* v[2..6] = month, day, hour, minute, second */
	if (year < 1970 || v[2] < 1 || v[2] > 12)
		return EBADMSG;
	ml = mlen[v[2] - 1];
	if (v[2] == 2 && year % 4 == 0)
		ml = (year % 100 == 0 && year % 400 != 0) ? 28 : 29;
	if (v[3] < 1 || v[3] > ml || v[4] > 24 || v[5] > 59 || v[6] > 60)
		return EBADMSG;
	*ret = days_from_civil(year, v[2], v[3]) * 86400 + (int64_t)v[4] * 3600 + v[5] * 60 + v[6];
	return 0;
}

/* ---- algorithms ---- */

static const struct {
	const char *oid, *hash, *pkey;
} sig_oids[] = {
	{ "1.2.840.113549.1.1.5", "sha1", "rsa" },
	{ "1.2.840.113549.1.1.11", "sha256", "rsa" },
	{ "1.2.840.113549.1.1.12", "sha384", "rsa" },
	{ "1.2.840.113549.1.1.13", "sha512", "rsa" },
	{ "1.2.840.113549.1.1.14", "sha224", "rsa" },
	{ "1.2.840.10045.4.1", "sha1", "ecdsa" },
	{ "2.16.840.1.101.3.4.3.14", "sha3-256", "rsa" },
	{ "2.16.840.1.101.3.4.3.15", "sha3-384", "rsa" },
	{ "2.16.840.1.101.3.4.3.16", "sha3-512", "rsa" },
	{ "1.2.840.10045.4.3.1", "sha224", "ecdsa" },
	{ "1.2.840.10045.4.3.2", "sha256", "ecdsa" },
	{ "1.2.840.10045.4.3.3", "sha384", "ecdsa" },
	{ "1.2.840.10045.4.3.4", "sha512", "ecdsa" },
	{ "2.16.840.1.101.3.4.3.10", "sha3-256", "ecdsa" },
	{ "2.16.840.1.101.3.4.3.11", "sha3-384", "ecdsa" },
	{ "2.16.840.1.101.3.4.3.12", "sha3-512", "ecdsa" },
	{ "1.2.643.7.1.1.3.2", "streebog256", "ecrdsa" },
	{ "1.2.643.7.1.1.3.3", "streebog512", "ecrdsa" },
};

static const char *encoding_of(const char *pkey)
{
	return !strcmp(pkey, "rsa") ? "pkcs1" : !strcmp(pkey, "ecdsa") ? "x962" : "raw";
}

/* The hashes the test kernel (and a usual distribution kernel for policy
 * signing) provides; others are -ENOPKG (PKCS#7) or an unsupported
 * certificate signature (X.509). */
const char *ipe_k_hash_md(const char *kname)
{
	static const char *const ok[][2] = {
		{ "sha224", "SHA224" }, { "sha256", "SHA256" }, { "sha384", "SHA384" }, { "sha512", "SHA512" },
		{ "sha3-256", "SHA3-256" }, { "sha3-384", "SHA3-384" }, { "sha3-512", "SHA3-512" },
	};

	for (size_t i = 0; kname && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(kname, ok[i][0]))
			return ok[i][1];
	return NULL;
}

int ipe_k_digest(const char *kname, const uint8_t *a, size_t al, const uint8_t *b, size_t bl, uint8_t *out,
		 size_t *outlen)
{
	const char *mdn = ipe_k_hash_md(kname);
	EVP_MD *md = mdn ? EVP_MD_fetch(NULL, mdn, NULL) : NULL;
	EVP_MD_CTX *mc = md ? EVP_MD_CTX_new() : NULL;
	unsigned int n = 0;
	int rc = 0;

	if (!mdn)
		return ENOPKG;
	if (!mc || !EVP_DigestInit_ex(mc, md, NULL) || (al && !EVP_DigestUpdate(mc, a, al)) ||
	    (bl && !EVP_DigestUpdate(mc, b, bl)) || !EVP_DigestFinal_ex(mc, out, &n))
		rc = -ENOMEM;
	*outlen = n;
	EVP_MD_CTX_free(mc);
	EVP_MD_free(md);
	return rc;
}

/* ---- public_key_verify_signature() ---- */

static int rsa_key(const uint8_t *key, size_t len, BIGNUM **n, BIGNUM **e)
{
	struct ipe_cur c = { key, key + len }, in;
	struct ipe_tlv seq, tn, te;

	if (ipe_kd_next(&c, &seq) || !KD_SEQ(&seq))
		return EBADMSG;
	in = ipe_der_inside(&seq);
	if (ipe_kd_next(&in, &tn) || !ipe_kd_prim(&tn, V_ASN1_UNIVERSAL, V_ASN1_INTEGER))
		return EBADMSG;
	if (!tn.len)
		return EINVAL;
	if (ipe_kd_next(&in, &te) || !ipe_kd_prim(&te, V_ASN1_UNIVERSAL, V_ASN1_INTEGER))
		return EBADMSG;
	if (!te.len || te.len > tn.len)
		return EINVAL;
	if (in.p != in.end)
		return EBADMSG;
	*n = BN_bin2bn(tn.val, (int)tn.len, NULL);
	*e = BN_bin2bn(te.val, (int)te.len, NULL);
	return *n && *e ? 0 : -ENOMEM;
}

static int digest_info(const char *hash, uint8_t *out, size_t *len)
{
	static const char *const oids[][2] = {
		{ "sha1", "1.3.14.3.2.26" }, { "sha224", "2.16.840.1.101.3.4.2.4" },
		{ "sha256", "2.16.840.1.101.3.4.2.1" }, { "sha384", "2.16.840.1.101.3.4.2.2" },
		{ "sha512", "2.16.840.1.101.3.4.2.3" }, { "sha3-256", "2.16.840.1.101.3.4.2.8" },
		{ "sha3-384", "2.16.840.1.101.3.4.2.9" }, { "sha3-512", "2.16.840.1.101.3.4.2.10" },
	};
	static const size_t dlen[] = { 20, 28, 32, 48, 64, 32, 48, 64 };

	for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]); i++) {
		ASN1_OBJECT *o;
		unsigned char *p = out + 4;
		int ol;

		if (strcmp(hash, oids[i][0]))
			continue;
		o = OBJ_txt2obj(oids[i][1], 1);
		if (!o)
			return -ENOMEM;
		ol = i2d_ASN1_OBJECT(o, &p);   /* 06 len oid */
		ASN1_OBJECT_free(o);
		if (ol <= 0 || ol > 20)
			return -ENOMEM;
		/* SEQ { SEQ { OID, NULL }, OCTET STRING (digest) } without the digest */
		out[0] = 0x30;
		out[1] = (uint8_t)(2 + ol + 2 + 2 + dlen[i]);
		out[2] = 0x30;
		out[3] = (uint8_t)(ol + 2);
		p[0] = 0x05;
		p[1] = 0x00;
		p[2] = 0x04;
		p[3] = (uint8_t)dlen[i];
		*len = 4 + (size_t)ol + 4;
		return 0;
	}
	return ENOENT;
}

static int rsa_verify(const struct ipe_kpub *pub, const struct ipe_ksig *sig)
{
	BIGNUM *n = NULL, *e = NULL, *s = NULL, *m = NULL, *lim = NULL;
	BN_CTX *bc = NULL;
	uint8_t *out = NULL, di[40];
	size_t ksz, dil = 0, pos, dst;
	const uint8_t *b;
	int rc, bits;

	rc = digest_info(sig->hash, di, &dil);
	if (rc)
		return rc;
	rc = rsa_key(pub->key, pub->key_len, &n, &e);
	if (rc)
		goto out;
	ksz = (size_t)BN_num_bytes(n);
	bits = (int)ksz * 8;
	if (bits != 512 && bits != 1024 && bits != 1536 && bits != 2048 && bits != 3072 && bits != 4096) {
		rc = EINVAL;
		goto out;
	}
	if (!sig->digest_len || sig->s_len != ksz) {
		rc = EINVAL;
		goto out;
	}
	s = BN_bin2bn(sig->s, (int)sig->s_len, NULL);
	m = BN_new();
	lim = BN_dup(n);
	bc = BN_CTX_new();
	out = malloc(ksz);
	if (!s || !m || !lim || !bc || !out || !BN_sub_word(lim, 1)) {
		rc = -ENOMEM;
		goto out;
	}
	/* 1 < s < n - 1 */
	if (BN_cmp(s, BN_value_one()) <= 0 || BN_cmp(s, lim) >= 0) {
		rc = EINVAL;
		goto out;
	}
	if (!BN_mod_exp(m, s, e, n, bc) || BN_bn2binpad(m, out, (int)ksz) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	/* EMSA-PKCS1-v1_5 as the kernel unpads it */
	rc = EINVAL;
	if (out[0] != 0x00)
		goto out;
	b = out + 1;
	dst = ksz - 1;
	rc = EBADMSG;
	if (b[0] != 0x01)
		goto out;
	for (pos = 1; pos < dst && b[pos] == 0xff; pos++)
		;
	if (pos < 9 || pos == dst || b[pos] != 0x00)
		goto out;
	pos++;
	if (dil > dst - pos || memcmp(b + pos, di, dil))
		goto out;
	pos += dil;
	rc = EKEYREJECTED;
	if (sig->digest_len != dst - pos || memcmp(b + pos, sig->digest, sig->digest_len))
		goto out;
	rc = 0;
out:
	BN_free(n);
	BN_free(e);
	BN_free(s);
	BN_free(m);
	BN_free(lim);
	BN_CTX_free(bc);
	free(out);
	return rc;
}

static int ecdsa_verify(const struct ipe_kpub *pub, const struct ipe_ksig *sig)
{
	static const char *const hashes[] = { "sha1",   "sha224",   "sha256",   "sha384",
					      "sha512", "sha3-256", "sha3-384", "sha3-512" };
	const char *group;
	size_t ndig, bufsz, i;
	bool hash_ok = false;
	struct ipe_cur c = { sig->s, sig->s + sig->s_len }, in;
	struct ipe_tlv seq, tr, ts;
	BIGNUM *r = NULL, *s = NULL, *order = NULL;
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *pc = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	ECDSA_SIG *es = NULL;
	unsigned char *der = NULL;
	int rc, dl;

	if (strcmp(sig->encoding, "x962"))
		return EINVAL;
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		hash_ok |= !strcmp(sig->hash, hashes[i]);
	if (!hash_ok)
		return EINVAL;
	if (!strcmp(pub->algo, "ecdsa-nist-p192")) {
		group = "P-192";
		ndig = 3;
	} else if (!strcmp(pub->algo, "ecdsa-nist-p256")) {
		group = "P-256";
		ndig = 4;
	} else if (!strcmp(pub->algo, "ecdsa-nist-p384")) {
		group = "P-384";
		ndig = 6;
	} else {
		group = "P-521";
		ndig = 9;
	}
	/* crypto_sig_set_pubkey(): uncompressed point of the curve's size, on the curve */
	if (pub->key_len < 1 || ((pub->key_len - 1) & 1) || pub->key[0] != 4 ||
	    ((pub->key_len - 1) / 2 + 7) / 8 != ndig)
		return EINVAL;
	bld = OSSL_PARAM_BLD_new();
	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub->key, pub->key_len) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld))) {
		rc = -ENOMEM;
		goto out;
	}
	pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!pc || EVP_PKEY_fromdata_init(pc) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	if (EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1 || !pk) {
		rc = EINVAL;   /* not a point of the curve */
		goto out;
	}
	EVP_PKEY_CTX_free(pc);
	pc = NULL;
	/* ECDSASignature ::= SEQUENCE { r INTEGER, s INTEGER } */
	bufsz = ndig * 8;
	if (ipe_kd_next(&c, &seq) || !KD_SEQ(&seq)) {
		rc = EBADMSG;
		goto out;
	}
	in = ipe_der_inside(&seq);
	if (ipe_kd_next(&in, &tr) || !ipe_kd_prim(&tr, V_ASN1_UNIVERSAL, V_ASN1_INTEGER)) {
		rc = EBADMSG;
		goto out;
	}
	if (!tr.len || tr.len > bufsz + 1 || (tr.len == bufsz + 1 && tr.val[0] != 0)) {
		rc = EINVAL;
		goto out;
	}
	if (ipe_kd_next(&in, &ts) || !ipe_kd_prim(&ts, V_ASN1_UNIVERSAL, V_ASN1_INTEGER)) {
		rc = EBADMSG;
		goto out;
	}
	if (!ts.len || ts.len > bufsz + 1 || (ts.len == bufsz + 1 && ts.val[0] != 0)) {
		rc = EINVAL;
		goto out;
	}
	if (in.p != in.end) {
		rc = EBADMSG;
		goto out;
	}
	r = BN_bin2bn(tr.val, (int)tr.len, NULL);
	s = BN_bin2bn(ts.val, (int)ts.len, NULL);
	order = BN_new();
	if (!r || !s || !order || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_ORDER, &order)) {
		rc = -ENOMEM;
		goto out;
	}
	if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, order) >= 0 || BN_cmp(s, order) >= 0) {
		rc = EBADMSG;
		goto out;
	}
	es = ECDSA_SIG_new();
	if (!es || !ECDSA_SIG_set0(es, r, s)) {
		rc = -ENOMEM;
		goto out;
	}
	r = s = NULL;
	dl = i2d_ECDSA_SIG(es, &der);
	pc = EVP_PKEY_CTX_new(pk, NULL);
	if (dl <= 0 || !pc || EVP_PKEY_verify_init(pc) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	/* the kernel takes the digest's first bufsz bytes as the number */
	rc = EVP_PKEY_verify(pc, der, (size_t)dl, sig->digest, sig->digest_len < bufsz ? sig->digest_len : bufsz) == 1 ?
		     0 : EKEYREJECTED;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	BN_free(order);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(pk);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int ipe_kpk_verify(const struct ipe_kpub *pub, const struct ipe_ksig *sig)
{
	int rc;

	if (sig->pkey && strcmp(pub->algo, sig->pkey) != 0 &&
	    (strncmp(pub->algo, "ecdsa-", 6) != 0 || strcmp(sig->pkey, "ecdsa") != 0))
		return EKEYREJECTED;
	ERR_set_mark();
	if (!strcmp(pub->algo, "rsa"))
		rc = strcmp(sig->encoding, "pkcs1") ? EINVAL : rsa_verify(pub, sig);
	else if (!strncmp(pub->algo, "ecdsa-", 6))
		rc = ecdsa_verify(pub, sig);
	else if (!strcmp(pub->algo, "ecrdsa"))
		rc = ENOENT;   /* no EC-RDSA in the kernel configurations we model */
	else
		rc = ENOPKG;
	ERR_pop_to_mark();
	return rc;
}

/* ---- x509_cert_parse() ---- */

uint8_t *ipe_signer_concat(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, size_t *len)
{
	uint8_t *r = malloc(al + bl + 1);

	if (!r)
		return NULL;
	if (al)
		memcpy(r, a, al);
	if (bl)
		memcpy(r + al, b, bl);
	*len = al + bl;
	return r;
}

void ipe_kx509_release(struct ipe_kx509 *x)
{
	if (!x)
		return;
	free(x->id);
	free(x->skid);
	free(x->aid0);
	free(x->aid1);
	memset(x, 0, sizeof(*x));
}

#define XFAIL(e, ...)                                                                              \
	do {                                                                                       \
		snprintf(x->why, sizeof(x->why), __VA_ARGS__);                                     \
		return (e);                                                                        \
	} while (0)

static int key_data(struct ipe_kx509 *x, const char *oid, const struct ipe_tlv *params, const struct ipe_tlv *bits)
{
	if (!strcmp(oid, "1.2.840.113549.1.1.1")) {
		snprintf(x->pub.algo, sizeof(x->pub.algo), "rsa");
	} else if (!strcmp(oid, "1.2.643.7.1.1.1.1") || !strcmp(oid, "1.2.643.7.1.1.1.2")) {
		snprintf(x->pub.algo, sizeof(x->pub.algo), "ecrdsa");
	} else if (!strcmp(oid, "1.2.840.10045.2.1")) {
		char curve[80];

		/* parse_OID(): the parameters must be exactly one OID */
		if (!params->start || params->start[0] != 0x06 || params->total < 2 ||
		    params->start[1] != params->total - 2)
			XFAIL(EBADMSG, "certificate key: the EC parameters are not a curve OID");
		ipe_der_oid_text(params->start + 2, params->total - 2, curve, sizeof(curve));
		if (!strcmp(curve, "1.2.840.10045.3.1.1"))
			snprintf(x->pub.algo, sizeof(x->pub.algo), "ecdsa-nist-p192");
		else if (!strcmp(curve, "1.2.840.10045.3.1.7"))
			snprintf(x->pub.algo, sizeof(x->pub.algo), "ecdsa-nist-p256");
		else if (!strcmp(curve, "1.3.132.0.34"))
			snprintf(x->pub.algo, sizeof(x->pub.algo), "ecdsa-nist-p384");
		else if (!strcmp(curve, "1.3.132.0.35"))
			snprintf(x->pub.algo, sizeof(x->pub.algo), "ecdsa-nist-p521");
		else
			XFAIL(ENOPKG, "certificate key: curve %s is not supported by the kernel", curve);
	} else {
		XFAIL(ENOPKG, "certificate key: algorithm %s is not supported by the kernel", oid);
	}
	if (bits->len < 1 || bits->val[0] != 0)
		XFAIL(EBADMSG, "certificate key: malformed BIT STRING");
	x->pub.key = bits->val + 1;
	x->pub.key_len = bits->len - 1;
	return 0;
}

static int extension(struct ipe_kx509 *x, const char *oid, const struct ipe_tlv *val, const uint8_t **akid,
		     size_t *akid_len)
{
	const uint8_t *v = val->val;
	size_t vl = val->len;

	if (!strcmp(oid, "2.5.29.14")) {   /* subjectKeyIdentifier */
		if (x->skid || vl < 3 || v[0] != 0x04 || v[1] != vl - 2)
			XFAIL(EBADMSG, "certificate: malformed subject key identifier");
		x->skid = ipe_signer_concat(v + 2, vl - 2, NULL, 0, &x->skid_len);
		return x->skid ? 0 : -ENOMEM;
	}
	if (!strcmp(oid, "2.5.29.15")) {   /* keyUsage */
		if (vl < 4 || v[0] != 0x03 || v[2] >= 8)
			XFAIL(EBADMSG, "certificate: malformed key usage");
		return 0;
	}
	if (!strcmp(oid, "2.5.29.35")) {   /* authorityKeyIdentifier */
		*akid = v;
		*akid_len = vl;
		return 0;
	}
	if (!strcmp(oid, "2.5.29.19")) {   /* basicConstraints */
		if (vl < 2 || v[0] != 0x30 || v[1] != vl - 2)
			XFAIL(EBADMSG, "certificate: malformed basic constraints");
		if (v[1] == 0)
			return 0;
		if (vl >= 5 && v[2] == 0x01 && v[3] == 1 && v[4] == 0xff)
			return 0;
		XFAIL(EBADMSG, "certificate: basic constraints other than CA:TRUE are refused by the kernel");
	}
	return 0;
}

/* The AuthorityKeyIdentifier, decoded on its own after the certificate. */
static int akid_decode(struct ipe_kx509 *x, const uint8_t *akid, size_t len)
{
	struct ipe_cur c = { akid, akid + len }, in;
	struct ipe_tlv seq, t;
	const uint8_t *iss = NULL;
	size_t iss_len = 0;

	if (ipe_kd_next(&c, &seq) || !KD_SEQ(&seq))
		goto bad;
	in = ipe_der_inside(&seq);
	if (ipe_kd_peek(&in) == 0x80) {
		if (ipe_kd_next(&in, &t))
			goto bad;
		x->aid1 = ipe_signer_concat(t.val, t.len, NULL, 0, &x->aid1_len);
		if (!x->aid1)
			return -ENOMEM;
	}
	if (ipe_kd_peek_is(&in, 0xa1, true)) {
		struct ipe_cur g;

		if (ipe_kd_next(&in, &t))
			goto bad;
		g = ipe_der_inside(&t);
		do {
			struct ipe_tlv gn;
			int b = ipe_kd_peek(&g);

			if (ipe_kd_next(&g, &gn))
				goto bad;
			if ((b & ~0x20) == 0x84) {   /* directoryName [4] Name */
				struct ipe_cur nc = ipe_der_inside(&gn);
				struct ipe_tlv nm;

				if (ipe_kd_name(&nc, &nm) || nc.p != nc.end)
					goto bad;
				iss = nm.val;
				iss_len = nm.len;
			} else if ((b & ~0x20) != 0x80 && b != 0x81 && b != 0x82 && (b & ~0x20) != 0x83 &&
				   (b & ~0x20) != 0x85 && b != 0x86 && b != 0x87 && b != 0x88) {
				goto bad;
			}
		} while (g.p < g.end);
	}
	if (ipe_kd_peek(&in) == 0x82) {
		if (ipe_kd_next(&in, &t))
			goto bad;
		if (iss && !x->aid0) {
			x->aid0 = ipe_signer_concat(t.val, t.len, iss, iss_len, &x->aid0_len);
			if (!x->aid0)
				return -ENOMEM;
			x->aid0_serial_len = t.len;
		}
	}
	if (in.p != in.end)
		goto bad;
	return 0;
bad:
	XFAIL(EBADMSG, "certificate: malformed authority key identifier");
}

/* x509_check_for_self_signed() */
static int self_signed(struct ipe_kx509 *x)
{
	int rc;

	if (x->raw_subject_len != x->raw_issuer_len || memcmp(x->raw_subject, x->raw_issuer, x->raw_issuer_len))
		return 0;
	if (x->aid0 || x->aid1) {
		bool a = x->skid && x->aid1 && x->skid_len == x->aid1_len && !memcmp(x->skid, x->aid1, x->aid1_len);
		bool b = x->aid0 && x->id_len == x->aid0_len && !memcmp(x->id, x->aid0, x->aid0_len);

		if (!a && !b)
			return 0;
		if (a != b && x->aid0 && x->aid1)
			XFAIL(EKEYREJECTED, "self-issued certificate whose authority key id matches only in part");
	}
	if (x->unsupported_sig)
		return 0;
	rc = ipe_kpk_verify(&x->pub, &x->sig);
	if (rc == ENOPKG) {
		x->unsupported_sig = true;
		return 0;
	}
	if (rc)
		XFAIL(rc, "the self-signature of certificate \"%s\" does not verify (-%s)", x->subject_cn,
		      rc == EKEYREJECTED ? "EKEYREJECTED" : rc == EBADMSG ? "EBADMSG" : rc == EINVAL ? "EINVAL" : "error");
	x->self_signed = true;
	return 0;
}

static void note_cn(struct ipe_kx509 *x, const struct ipe_tlv *name)
{
	/* the CN for messages (the kernel builds "O: CN" names; the CN is enough here) */
	struct ipe_cur n = ipe_der_inside(name);

	while (n.p < n.end) {
		struct ipe_tlv rdn, ava, o, v;
		struct ipe_cur r, a;
		char oid[32];

		if (ipe_der_next(&n, &rdn))
			return;
		r = ipe_der_inside(&rdn);
		if (ipe_der_next(&r, &ava))
			return;
		a = ipe_der_inside(&ava);
		if (ipe_der_next(&a, &o) || ipe_der_next(&a, &v))
			return;
		ipe_der_oid_text(o.val, o.len, oid, sizeof(oid));
		if (!strcmp(oid, "2.5.4.3")) {
			size_t l = v.len < sizeof(x->subject_cn) - 1 ? v.len : sizeof(x->subject_cn) - 1;

			for (size_t i = 0; i < l; i++)
				x->subject_cn[i] = (v.val[i] >= 0x20 && v.val[i] < 0x7f) ? (char)v.val[i] : '?';
			x->subject_cn[l] = '\0';
		}
	}
}

int ipe_kx509_parse(const uint8_t *der, size_t len, struct ipe_kx509 *x)
{
	struct ipe_cur top = { der, der + len }, c, tb;
	struct ipe_tlv cert, tbs, t, params, name, bits;
	char oid[80], sig_oid[80], key_oid[80];
	const uint8_t *akid = NULL;
	size_t akid_len = 0, dl = 0;
	int rc;

	memset(x, 0, sizeof(*x));
	x->der = der;
	x->der_len = len;
	if (ipe_kd_next(&top, &cert) || !KD_SEQ(&cert))
		XFAIL(EBADMSG, "certificate: not a SEQUENCE");
	c = ipe_der_inside(&cert);
	if (ipe_kd_next(&c, &tbs) || !KD_SEQ(&tbs))
		XFAIL(EBADMSG, "certificate: malformed tbsCertificate");
	tb = ipe_der_inside(&tbs);
	if (ipe_kd_peek_is(&tb, 0xa0, true)) {   /* version [0] EXPLICIT INTEGER */
		struct ipe_cur vc;

		if (ipe_kd_next(&tb, &t))
			XFAIL(EBADMSG, "certificate: malformed version");
		vc = ipe_der_inside(&t);
		if (ipe_kd_next(&vc, &t) || !ipe_kd_prim(&t, V_ASN1_UNIVERSAL, V_ASN1_INTEGER) || vc.p != vc.end)
			XFAIL(EBADMSG, "certificate: malformed version");
	}
	if (ipe_kd_next(&tb, &t) || !ipe_kd_prim(&t, V_ASN1_UNIVERSAL, V_ASN1_INTEGER))
		XFAIL(EBADMSG, "certificate: malformed serial number");
	x->raw_serial = t.val;
	x->raw_serial_len = t.len;
	if (ipe_kd_algid(&tb, sig_oid, sizeof(sig_oid), &params))
		XFAIL(EBADMSG, "certificate: malformed signature algorithm");
	for (size_t i = 0; i < sizeof(sig_oids) / sizeof(sig_oids[0]) && !x->sig.hash; i++)
		if (!strcmp(sig_oid, sig_oids[i].oid)) {
			x->sig.hash = sig_oids[i].hash;
			x->sig.pkey = sig_oids[i].pkey;
			x->sig.encoding = encoding_of(sig_oids[i].pkey);
		}
	if (!x->sig.hash)
		XFAIL(ENOPKG, "certificate signature algorithm %s is not supported by the kernel", sig_oid);
	if (ipe_kd_name(&tb, &name))
		XFAIL(EBADMSG, "certificate: malformed issuer name");
	x->raw_issuer = name.val;
	x->raw_issuer_len = name.len;
	if (ipe_kd_next(&tb, &t) || !KD_SEQ(&t))
		XFAIL(EBADMSG, "certificate: malformed validity");
	{
		struct ipe_cur vc = ipe_der_inside(&t);
		struct ipe_tlv tm;

		if (ipe_kd_next(&vc, &tm))
			XFAIL(EBADMSG, "certificate: malformed validity");
		if (ipe_kd_time(&tm, &x->valid_from))
			XFAIL(EBADMSG, "certificate: notBefore is not a time the kernel accepts");
		if (ipe_kd_next(&vc, &tm))
			XFAIL(EBADMSG, "certificate: malformed validity");
		if (ipe_kd_time(&tm, &x->valid_to))
			XFAIL(EBADMSG, "certificate: notAfter is not a time the kernel accepts");
		if (vc.p != vc.end)
			XFAIL(EBADMSG, "certificate: malformed validity");
	}
	if (ipe_kd_name(&tb, &name))
		XFAIL(EBADMSG, "certificate: malformed subject name");
	x->raw_subject = name.val;
	x->raw_subject_len = name.len;
	note_cn(x, &name);
	if (ipe_kd_next(&tb, &t) || !KD_SEQ(&t))
		XFAIL(EBADMSG, "certificate: malformed subjectPublicKeyInfo");
	{
		struct ipe_cur kc = ipe_der_inside(&t);

		if (ipe_kd_algid(&kc, key_oid, sizeof(key_oid), &params))
			XFAIL(EBADMSG, "certificate: malformed key algorithm");
		if (ipe_kd_next(&kc, &bits) || !ipe_kd_prim(&bits, V_ASN1_UNIVERSAL, V_ASN1_BIT_STRING))
			XFAIL(EBADMSG, "certificate: malformed public key");
		rc = key_data(x, key_oid, &params, &bits);
		if (rc)
			return rc;
		if (kc.p != kc.end)
			XFAIL(EBADMSG, "certificate: malformed subjectPublicKeyInfo");
	}
	if (ipe_kd_peek(&tb) == 0x81 && ipe_kd_next(&tb, &t))
		XFAIL(EBADMSG, "certificate: malformed issuerUniqueID");
	if (ipe_kd_peek(&tb) == 0x82 && ipe_kd_next(&tb, &t))
		XFAIL(EBADMSG, "certificate: malformed subjectUniqueID");
	if (ipe_kd_peek_is(&tb, 0xa3, true)) {
		struct ipe_cur ec;
		struct ipe_tlv exts;

		if (ipe_kd_next(&tb, &t))
			XFAIL(EBADMSG, "certificate: malformed extensions");
		ec = ipe_der_inside(&t);
		if (ipe_kd_next(&ec, &exts) || !KD_SEQ(&exts) || ec.p != ec.end)
			XFAIL(EBADMSG, "certificate: malformed extensions");
		ec = ipe_der_inside(&exts);
		do {
			struct ipe_tlv ext, eo, ev;
			struct ipe_cur e;

			if (ipe_kd_next(&ec, &ext) || !KD_SEQ(&ext))
				XFAIL(EBADMSG, "certificate: malformed extension");
			e = ipe_der_inside(&ext);
			if (ipe_kd_next(&e, &eo) || !ipe_kd_prim(&eo, V_ASN1_UNIVERSAL, V_ASN1_OBJECT))
				XFAIL(EBADMSG, "certificate: malformed extension");
			ipe_der_oid_text(eo.val, eo.len, oid, sizeof(oid));
			if (ipe_kd_peek(&e) == 0x01 && ipe_kd_next(&e, &t))
				XFAIL(EBADMSG, "certificate: malformed extension");
			if (ipe_kd_next(&e, &ev) || !ipe_kd_prim(&ev, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING))
				XFAIL(EBADMSG, "certificate: malformed extension");
			rc = extension(x, oid, &ev, &akid, &akid_len);
			if (rc)
				return rc;
			if (e.p != e.end)
				XFAIL(EBADMSG, "certificate: malformed extension");
		} while (ec.p < ec.end);
	}
	if (tb.p != tb.end)
		XFAIL(EBADMSG, "certificate: unexpected data in tbsCertificate");
	x->tbs = tbs.start;
	x->tbs_len = tbs.total;
	if (ipe_kd_algid(&c, oid, sizeof(oid), &params))
		XFAIL(EBADMSG, "certificate: malformed signatureAlgorithm");
	if (ipe_kd_next(&c, &t) || !ipe_kd_prim(&t, V_ASN1_UNIVERSAL, V_ASN1_BIT_STRING))
		XFAIL(EBADMSG, "certificate: malformed signature");
	if (strcmp(oid, sig_oid))
		XFAIL(EINVAL, "certificate: signatureAlgorithm %s differs from the signed algorithm %s", oid, sig_oid);
	if (t.len < 1 || t.val[0] != 0)
		XFAIL(EBADMSG, "certificate: malformed signature BIT STRING");
	x->sig.s = t.val + 1;
	x->sig.s_len = t.len - 1;
	if (c.p != c.end)
		XFAIL(EBADMSG, "certificate: unexpected data after the signature");
	if (akid) {
		rc = akid_decode(x, akid, akid_len);
		if (rc)
			return rc;
	}
	/* x509_get_sig_params(): a hash the kernel lacks leaves the signature unchecked */
	rc = ipe_k_digest(x->sig.hash, x->tbs, x->tbs_len, NULL, 0, x->sig.digest, &dl);
	if (rc < 0)
		return rc;
	if (rc == ENOPKG)
		x->unsupported_sig = true;
	x->sig.digest_len = dl;
	x->id = ipe_signer_concat(x->raw_serial, x->raw_serial_len, x->raw_issuer, x->raw_issuer_len, &x->id_len);
	if (!x->id)
		return -ENOMEM;
	x->serial_len = x->raw_serial_len;
	return self_signed(x);
}
