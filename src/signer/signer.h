/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the files of src/signer/. */
#ifndef IPE_SIGNER_INTERNAL_H
#define IPE_SIGNER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ipe/diag.h>
#include <ipe/sign.h>

/* Diagnostics without a source location. */
void ipe_sign_diag(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev, const char *hint,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The last OpenSSL error as text; leaves the error queue alone (every
 * entry point brackets its OpenSSL calls with ERR_set_mark/ERR_pop_to_mark). */
const char *ipe_sign_ossl_err(char *buf, size_t len);
/* A key argument as messages may show it: pkcs11: URIs without their query
 * and PIN attributes (buf holds the result), file paths as they are. */
const char *ipe_sign_key_display(const char *key, char *buf, size_t len);

/* Certificates from PEM (several) or DER bytes.  Returns the count (>0) or a
 * negative errno. */
int ipe_sign_load_certs(const uint8_t *data, size_t len, STACK_OF(X509) **ret_certs);

/* PKCS#11 (engine) key loading; pkcs11.c */
int ipe_sign_load_pkcs11_key(struct ipe_ctx *ctx, const char *uri, const char *module,
			     const char *pin, EVP_PKEY **ret_key, void **ret_engine);
void ipe_sign_release_engine(void *engine);

/* ---- the kernel's X.509 and public-key view (kx509.c) ---- */
struct ipe_cur;
struct ipe_tlv;

/* struct public_key */
struct ipe_kpub {
	char algo[24];                        /* "rsa", "ecdsa-nist-p256", ... */
	const uint8_t *key; size_t key_len;   /* subjectPublicKey without the unused-bits byte */
};

/* struct public_key_signature */
struct ipe_ksig {
	const char *hash;                     /* kernel hash name */
	const char *pkey;                     /* "rsa", "ecdsa", "ecrdsa" */
	const char *encoding;                 /* "pkcs1", "x962", "raw" */
	const uint8_t *s; size_t s_len;
	uint8_t digest[64]; size_t digest_len;
};

struct ipe_kx509 {
	const uint8_t *der; size_t der_len;
	const uint8_t *tbs; size_t tbs_len;
	const uint8_t *raw_serial; size_t raw_serial_len;
	const uint8_t *raw_issuer; size_t raw_issuer_len;   /* Name contents */
	const uint8_t *raw_subject; size_t raw_subject_len;
	uint8_t *id; size_t id_len; size_t serial_len;      /* serial || issuer */
	uint8_t *skid; size_t skid_len;
	uint8_t *aid0; size_t aid0_len; size_t aid0_serial_len; /* AKID serial || issuer */
	uint8_t *aid1; size_t aid1_len;                      /* AKID keyid */
	int64_t valid_from, valid_to;
	struct ipe_kpub pub;
	struct ipe_ksig sig;
	bool unsupported_sig, self_signed;
	char subject_cn[64];
	char why[256];
};

/* The kernel decoder's reading rules (see kx509.c). */
int ipe_kd_next(struct ipe_cur *c, struct ipe_tlv *t);
int ipe_kd_peek(const struct ipe_cur *c);
bool ipe_kd_peek_is(const struct ipe_cur *c, int byte, bool cons);
bool ipe_kd_cons(const struct ipe_tlv *t, int cls, int tag);
bool ipe_kd_prim(const struct ipe_tlv *t, int cls, int tag);
int ipe_kd_algid(struct ipe_cur *c, char *oid, size_t oidsz, struct ipe_tlv *params);
int ipe_kd_name(struct ipe_cur *c, struct ipe_tlv *name);
/* x509_decode_time(): 0 or EBADMSG. */
int ipe_kd_time(const struct ipe_tlv *t, int64_t *ret);
/* OpenSSL's name of a kernel hash the kernel has, else NULL. */
const char *ipe_k_hash_md(const char *kname);
/* H(a || b) with a kernel hash: 0, ENOPKG (hash missing) or -ENOMEM. */
int ipe_k_digest(const char *kname, const uint8_t *a, size_t al, const uint8_t *b, size_t bl, uint8_t *out,
		 size_t *outlen);
/* public_key_verify_signature(): 0 or the kernel's positive errno; -ENOMEM. */
int ipe_kpk_verify(const struct ipe_kpub *pub, const struct ipe_ksig *sig);
/* x509_cert_parse(): 0, a positive errno with x->why, or -ENOMEM.  Points
 * into der; release with ipe_kx509_release() whatever the result. */
int ipe_kx509_parse(const uint8_t *der, size_t len, struct ipe_kx509 *x);
void ipe_kx509_release(struct ipe_kx509 *x);

/* Parsed blob, kernel view (p7.c). */
struct ipe_p7_signer {
	int version;
	bool by_skid;
	const uint8_t *issuer; size_t issuer_len;   /* DER Name incl. header */
	const uint8_t *serial; size_t serial_len;   /* INTEGER content bytes */
	const uint8_t *skid; size_t skid_len;
	char digest_oid[80], sig_oid[80];
	const char *digest_name;   /* kernel name, NULL if unsupported */
	const char *pkey;          /* "rsa", "ecdsa", "ecrdsa" */
	bool authattrs;
	const uint8_t *aa; size_t aa_len;            /* [0] contents (to hash with a SET tag) */
	const uint8_t *aa_hdr; size_t aa_hdrlen;
	const uint8_t *msgdigest; size_t msgdigest_len;
	bool has_signing_time;
	time_t signing_time;
	unsigned nattrs;
	char attr_names[256];
	const uint8_t *sig; size_t sig_len;
};

struct ipe_p7_cert {
	X509 *x509;             /* OpenSSL's view, for display; NULL if it cannot parse it */
	struct ipe_kx509 k;     /* the kernel's view */
	const uint8_t *der; size_t der_len;
};

struct ipe_p7 {
	int version;
	char content_oid[80];
	bool has_data;
	bool data_clean;        /* eContent is a definite-length primitive OCTET STRING */
	const uint8_t *data; size_t data_len;   /* what the kernel hashes */
	bool indirect;          /* content type is Authenticode's SpcIndirectData */
	bool indefinite;        /* some indefinite-length encoding */
	struct ipe_p7_cert *certs; size_t ncerts;
	struct ipe_p7_signer *signers; size_t nsigners;
	size_t total_len;       /* bytes used by the ContentInfo */
};

/* Parse like the kernel's PKCS#7 parser.  Returns 0, or a positive errno
 * the kernel would return with *why set; or a negative errno (ENOMEM). */
int ipe_p7_parse(const uint8_t *blob, size_t len, struct ipe_p7 *p7, const char **why,
		 char *whybuf, size_t whylen);
void ipe_p7_release(struct ipe_p7 *p7);

/* Keyring lookups (keyring.c).  A snapshot of a keyring (nested keyrings
 * included): each asymmetric key's serial and the hex id of its description
 * (subject key identifier, or serial number when the cert has none). */
struct ipe_kr_key {
	int32_t serial;
	uint8_t *id;
	size_t id_len;
};

struct ipe_kr {
	int32_t ring;
	struct ipe_kr_key *keys;
	size_t n, cap;
	int list_err;  /* -errno of the first keyring that could not be read, 0 */
	int search;    /* keyctl_search tells ENOKEY from EACCES: 1 yes, -1 no, 0 unknown */
};

int ipe_kr_open(int32_t ring, struct ipe_kr **ret_kr);
void ipe_kr_free(struct ipe_kr *kr);
/* A key whose description id is exactly id: 0 (*ret_key), -ENOKEY. */
int ipe_kr_find_desc(const struct ipe_kr *kr, const uint8_t *id, size_t len, int32_t *ret_key);
/* A key with this id (find_asymmetric_key's "ex:" match): 0 with *ret_key
 * (0 when the key exists but may not be searched), -ENOKEY, or -EACCES /
 * -EPERM when the keyring cannot tell. */
int ipe_kr_find(struct ipe_kr *kr, const uint8_t *id, size_t len, int32_t *ret_key);
/* KEYCTL_PKEY_VERIFY: 0 good, -EKEYREJECTED bad, 1 this kernel's keyctl
 * cannot check this algorithm, 2 the key may not be used (EACCES) or is
 * unknown (key 0). */
int ipe_keyring_verify(int32_t key, const char *hash, bool ecdsa, const uint8_t *digest,
		       size_t dlen, const uint8_t *sig, size_t slen);
int ipe_keyring_name_to_id(const char *name, int32_t *ret);

/* a || b in a new buffer (one spare byte; NULL on ENOMEM); *len = al + bl. */
uint8_t *ipe_signer_concat(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, size_t *len);

#endif
