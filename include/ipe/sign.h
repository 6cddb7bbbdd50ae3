/* SPDX-License-Identifier: MIT */
/*
 * libipe: signing IPE policies (CMS/PKCS#7 SignedData the kernel accepts),
 * verifying blobs the way the kernel does, inspecting blobs and talking to
 * kernel keyrings.
 *
 * Errors are reported as diagnostics in the context (codes IPE-S0xx) and as
 * a negative errno return value.  Nothing here prints or exits.
 */
#ifndef IPE_SIGN_H
#define IPE_SIGN_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/diag.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest blob the kernel's ASN.1 decoder takes (bigger: -EMSGSIZE). */
#define IPE_SIGN_MAX_BLOB 65535u
/* The longest passphrase or PIN read from env:/file:/fd: (longer: refused). */
#define IPE_SIGN_PASS_MAX 65536u

enum ipe_sign_flags {
	IPE_SIGN_NO_CERT = 1u << 0,      /* do not embed the signer certificate */
	IPE_SIGN_KEYID = 1u << 1,        /* identify the signer by subject key identifier */
	IPE_SIGN_SIGNED_ATTRS = 1u << 2, /* contentType, messageDigest, signingTime; never S/MIME caps */
	IPE_SIGN_FORCE = 1u << 3,        /* sign a policy the kernel would reject */
};

#define IPE_SIGN_OPTS_V1 1u
/* Zero-initialise (version 0 means IPE_SIGN_OPTS_V1; reserved must stay
 * zero: fields added later take that space, their 0 meaning what this
 * version does). */
struct ipe_sign_opts {
	uint32_t version;          /* IPE_SIGN_OPTS_V1 or 0 */
	const char *key;           /* key file (PEM, DER, encrypted PEM/PKCS#8) or a pkcs11: URI */
	const char *cert;          /* signer certificate file (PEM or DER) */
	const char *pass;          /* NULL or "env:VAR", "file:PATH", "fd:N": key passphrase / token PIN */
	const char *hash;          /* NULL = "sha256"; "sha256", "sha384" or "sha512" */
	const char *pkcs11_module; /* NULL = $PKCS11_MODULE_PATH, else the engine's default */
	const char *const *extra_certs; /* more certificates to embed (intermediates) */
	size_t nextra_certs;
	unsigned flags;            /* enum ipe_sign_flags */
	const char *name;          /* display name of the policy in diagnostics (NULL: "<policy>") */
	uint64_t reserved[4];      /* must be zero */
};

struct ipe_signer;

/* Load and check the key and certificate once (key/cert match, key type and
 * size, key file permissions).  Returns 0 or a negative errno with
 * diagnostics in ctx. */
IPE_EXPORT int ipe_signer_new(struct ipe_ctx *ctx, const struct ipe_sign_opts *opts,
		   struct ipe_signer **ret_signer);
IPE_EXPORT void ipe_signer_free(struct ipe_signer *signer);

/* Run the policy front end (refuse what the kernel would reject unless
 * IPE_SIGN_FORCE), sign, check the size.  *ret_blob is malloc'd DER. */
IPE_EXPORT int ipe_signer_sign(struct ipe_ctx *ctx, struct ipe_signer *signer, const void *policy,
		    size_t len, uint8_t **ret_blob, size_t *ret_len);

/* One-shot: ipe_signer_new + ipe_signer_sign + ipe_signer_free. */
IPE_EXPORT int ipe_sign_policy(struct ipe_ctx *ctx, const struct ipe_sign_opts *opts, const void *policy,
		    size_t len, uint8_t **ret_blob, size_t *ret_len);

/* Read a passphrase from "env:VAR", "file:PATH" or "fd:N" (first line, no
 * newline).  *ret_pass is malloc'd; free it with ipe_sign_pass_free(). */
IPE_EXPORT int ipe_sign_read_pass(struct ipe_ctx *ctx, const char *spec, char **ret_pass);
IPE_EXPORT void ipe_sign_pass_free(char *pass);

/* ---- Verification as the kernel does it ---- */

struct ipe_trust; /* the keys the "kernel" trusts: certificates or a kernel keyring */

/* An empty trust store; 0 or -ENOMEM.  _free accepts NULL. */
IPE_EXPORT int ipe_trust_new(struct ipe_trust **ret_trust);
IPE_EXPORT void ipe_trust_free(struct ipe_trust *trust);
/* Add every certificate of a PEM (one or more) or DER file. */
IPE_EXPORT int ipe_trust_add_cert_file(struct ipe_ctx *ctx, struct ipe_trust *trust, const char *path);
/* Use a kernel keyring ("@s", "@u", "@us", "@p", "@t", a name such as
 * ".builtin_trusted_keys", or a numeric id); keys are found by their
 * identifiers, as the kernel does. */
IPE_EXPORT int ipe_trust_add_keyring(struct ipe_ctx *ctx, struct ipe_trust *trust, const char *keyring);

/* A result: the library zeroes the whole struct, reserved included (fields
 * added later take that space). */
struct ipe_verify_result {
	int err;              /* predicted errno of a write to new_policy: 0 = accepted */
	const char *stage;    /* "size", "asn1", "pkcs7", "verify", "trust", "policy" */
	char *reason;         /* one line */
	unsigned signer;      /* 1-based index of the accepted signer, 0 if none */
	const char *keyring;  /* kernel keyring mode: the keyring that accepts, else NULL */
	bool policy_parsed;   /* the embedded policy was parsed */
	char *policy_name;    /* NULL unless parsed and it has a header */
	uint16_t policy_version[3];
	int policy_err;       /* the kernel verdict on the embedded text (0 = accepted) */
	bool sig_unchecked;   /* accepted by key id only: the trusted key cannot be used from
	                       * userspace and no copy of it is at hand, so the signature
	                       * itself was not checked (the kernel may still refuse it) */
	uint64_t reserved[4];        /* zeroed by the library */
};

/* Predict what the kernel answers for this blob with this trust.  Returns 0
 * when a prediction was made (see ret->err), else a negative errno. */
IPE_EXPORT int ipe_verify_blob(struct ipe_ctx *ctx, const struct ipe_trust *trust, const void *blob,
		    size_t len, struct ipe_verify_result *ret);

/* The running kernel's keyrings, as IPE uses them: .secondary_trusted_keys
 * (or .builtin_trusted_keys), then .platform on ENOKEY/EKEYREJECTED.
 * ret->keyring names the keyring that accepts. */
IPE_EXPORT int ipe_verify_blob_kernel(struct ipe_ctx *ctx, const void *blob, size_t len,
			   struct ipe_verify_result *ret);
IPE_EXPORT void ipe_verify_result_clear(struct ipe_verify_result *r);

/* ---- Inspection ---- */

/* A description of the blob (signers, certificates, attributes, sizes,
 * SHA-256 of the blob, embedded policy name/version) as JSON text or as
 * human-readable text.  *ret_out is malloc'd and NUL-terminated. */
IPE_EXPORT int ipe_blob_inspect_json(struct ipe_ctx *ctx, const void *blob, size_t len, char **ret_out);
IPE_EXPORT int ipe_blob_inspect_text(struct ipe_ctx *ctx, const void *blob, size_t len, char **ret_out);

/* One line naming the signer(s) for reports, e.g. "issuer CN=Policy Signer,
 * serial 3b1f...; certificate embedded (subject CN=Policy Signer)", from the
 * same parse as ipe_blob_inspect_text().  *ret_out is malloc'd. */
IPE_EXPORT int ipe_blob_signer_text(struct ipe_ctx *ctx, const void *blob, size_t len, char **ret_out);

/* The embedded (signed) content, exactly as signed.  *ret_data is malloc'd. */
IPE_EXPORT int ipe_blob_extract(struct ipe_ctx *ctx, const void *blob, size_t len, uint8_t **ret_data,
		     size_t *ret_len);

/* ---- Kernel keyrings ---- */

/* Resolve "@s", "@u", "@us", "@p", "@t", "@g", a numeric id or a keyring
 * description from /proc/keys to a keyring serial number. */
IPE_EXPORT int ipe_keyring_resolve(const char *spec, int32_t *ret_serial);

/* Add a certificate (PEM or DER file contents) to a keyring as an
 * "asymmetric" key.  Returns the new key's serial in *ret_key or a negative
 * errno; ipe_keyring_add_explain() says why the kernel refused. */
IPE_EXPORT int ipe_keyring_add_cert(struct ipe_ctx *ctx, const char *keyring, const void *cert, size_t len,
			 int32_t *ret_key);
IPE_EXPORT const char *ipe_keyring_add_explain(int err);

#ifdef __cplusplus
}
#endif
#endif
