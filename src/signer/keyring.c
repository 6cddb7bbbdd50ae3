/* SPDX-License-Identifier: MIT */
/* Kernel keyrings through libkeyutils. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/x509.h>

#include "signer.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = h[d[i] >> 4];
		out[2 * i + 1] = h[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int ipe_keyring_name_to_id(const char *name, int32_t *ret)
{
	FILE *f = fopen("/proc/keys", "re");
	char line[512];
	size_t nl = strlen(name);
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int id;
		char type[64];
		int off = 0;
		const char *desc;

		/* ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION: SUMMARY */
		if (sscanf(line, "%x %*s %*s %*s %*s %*s %*s %63s %n", &id, type, &off) < 2 || !off)
			continue;
		if (strcmp(type, "keyring"))
			continue;
		desc = line + off;
		if (!strncmp(desc, name, nl) && desc[nl] == ':') {
			*ret = (int32_t)id;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

int ipe_keyring_resolve(const char *spec, int32_t *ret)
{
	static const struct {
		const char *n;
		int32_t id;
	} special[] = {
		{ "@t", KEY_SPEC_THREAD_KEYRING }, { "@p", KEY_SPEC_PROCESS_KEYRING },
		{ "@s", KEY_SPEC_SESSION_KEYRING }, { "@u", KEY_SPEC_USER_KEYRING },
		{ "@us", KEY_SPEC_USER_SESSION_KEYRING }, { "@g", KEY_SPEC_GROUP_KEYRING },
	};
	char *end;
	long v;

	if (!spec || !*spec)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		if (!strcmp(spec, special[i].n)) {
			long id = keyctl_get_keyring_ID(special[i].id, 0);

			if (id < 0)
				return -errno;
			*ret = (int32_t)id;
			return 0;
		}
	}
	errno = 0;
	v = strtol(spec, &end, 0);
	if (!errno && !*end && v > 0 && v <= INT32_MAX) {
		*ret = (int32_t)v;
		return 0;
	}
	return ipe_keyring_name_to_id(spec, ret);
}

int32_t ipe_keyring_find(int32_t keyring, const uint8_t *id, size_t len)
{
	char *desc;
	long k;

	if (!id || !len || len > 2048)
		return -ENOKEY;
	desc = malloc(3 + 2 * len + 1);
	if (!desc)
		return -ENOMEM;
	memcpy(desc, "ex:", 3);
	hex(id, len, desc + 3);
	k = keyctl_search(keyring, "asymmetric", desc, 0);
	free(desc);
	if (k < 0)
		return -ENOKEY;
	return (int32_t)k;
}

int ipe_keyring_verify(int32_t key, const char *hash, bool ecdsa, const uint8_t *digest, size_t dlen,
		       const uint8_t *sig, size_t slen)
{
	char info[96];
	char h[32];
	size_t i;

	for (i = 0; hash[i] && i < sizeof(h) - 1; i++)
		h[i] = (char)((hash[i] >= 'A' && hash[i] <= 'Z') ? hash[i] + 32 : hash[i]);
	h[i] = '\0';
	snprintf(info, sizeof(info), "enc=%s hash=%s", ecdsa ? "x962" : "pkcs1", h);
	if (keyctl_pkey_verify(key, info, digest, dlen, sig, slen) < 0) {
		/* Kernels before 6.x only do pkcs1/raw through keyctl: the key
		 * matched by id, but this signature cannot be re-checked here. */
		if (errno == EINVAL || errno == EOPNOTSUPP || errno == ENOPKG || errno == 524 /* ENOTSUPP */)
			return 1;
		return -EKEYREJECTED;
	}
	return 0;
}

int ipe_keyring_add_cert(struct ipe_ctx *ctx, const char *keyring, const void *cert, size_t len,
			 int32_t *ret_key)
{
	STACK_OF(X509) *sk = NULL;
	unsigned char *der = NULL;
	int32_t ring;
	int rc, dl;
	long k;

	rc = ipe_keyring_resolve(keyring, &ring);
	if (rc) {
		ipe_sign_diag(ctx, "IPE-S013", IPE_SEV_ERROR,
			      "name a keyring from /proc/keys, a number, or @s/@u/@us/@p/@t",
			      "keyring '%s' not found: %s", keyring, strerror(-rc));
		return rc;
	}
	rc = ipe_sign_load_certs(cert, len, &sk);
	if (rc < 0) {
		ipe_sign_diag(ctx, "IPE-S002", IPE_SEV_ERROR, "give an X.509 certificate in PEM or DER form",
			      "not a certificate");
		return rc;
	}
	dl = i2d_X509(sk_X509_value(sk, 0), &der);
	sk_X509_pop_free(sk, X509_free);
	if (dl <= 0)
		return -ENOMEM;
	k = add_key("asymmetric", NULL, der, (size_t)dl, ring);
	rc = k < 0 ? -errno : 0;
	OPENSSL_free(der);
	if (rc) {
		ipe_sign_diag(ctx, "IPE-S014", IPE_SEV_ERROR, NULL, "the kernel refused the certificate for %s: %s (%s)",
			      keyring, strerror(-rc), ipe_keyring_add_explain(-rc));
		return rc;
	}
	*ret_key = (int32_t)k;
	return 0;
}

const char *ipe_keyring_add_explain(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case ENOKEY:
		return "the keyring only takes certificates signed by a key it already trusts "
		       "(.secondary_trusted_keys: signed by a key in .builtin_trusted_keys or .secondary_trusted_keys)";
	case EKEYREJECTED:
		return "the certificate's signature does not verify with the trusted key that should have signed it";
	case EBADMSG:
		return "the kernel cannot parse the certificate (not DER X.509, or an extension it rejects)";
	case ENOPKG:
		return "the kernel lacks the certificate's algorithms (CONFIG_CRYPTO_* for its key or hash)";
	case EACCES:
	case EPERM:
		return "no write permission on the keyring (root / CAP_SYS_ADMIN may be needed)";
	case ENODEV:
		return "the kernel has no 'asymmetric' key type (CONFIG_ASYMMETRIC_KEY_TYPE)";
	case EEXIST:
		return "the key is already there";
	case EDQUOT:
		return "the key quota is exhausted";
	default:
		return "see add_key(2)";
	}
}
