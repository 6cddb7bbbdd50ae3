/* SPDX-License-Identifier: MIT */
/* Kernel keyrings through libkeyutils. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/x509.h>

#include "signer.h"
#include "util/internal.h"

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

/* ---- finding keys in a keyring the way the kernel's find_asymmetric_key()
 * would, from userspace ----
 *
 * Keys the kernel created itself (the builtin keys, keys added by root) are
 * not searchable by root: keyctl_search() answers EACCES when the matching
 * key lacks the search permission, and KEYCTL_PKEY_* answer EACCES too.  The
 * key list of the keyring (keyctl_read) and each key's description
 * (keyctl_describe) stay readable.  An X.509 key's description is
 * "<subject name>: <hex>", the hex being its subject key identifier, or its
 * serial number when it has none. */

/* "type;uid;gid;perm;description" -> type and the hex id after the last ": " */
static int kr_add_desc(struct ipe_kr *kr, int32_t serial, const char *d)
{
	const char *p = d, *desc, *h;
	struct ipe_kr_key *nk;
	size_t n;

	for (int f = 0; f < 4; f++) {
		p = strchr(p, ';');
		if (!p)
			return 0;
		p++;
	}
	desc = p;
	h = NULL;
	for (const char *q = strstr(desc, ": "); q; q = strstr(q + 1, ": "))
		h = q + 2;
	if (!h)
		return 0;
	n = strlen(h);
	if (!n || n % 2 || n > 2 * 1024)
		return 0;
	if (kr->n == kr->cap) {
		size_t cap = kr->cap ? 2 * kr->cap : 16;

		nk = realloc(kr->keys, cap * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		kr->keys = nk;
		kr->cap = cap;
	}
	nk = &kr->keys[kr->n];
	nk->id = malloc(n / 2);
	if (!nk->id)
		return -ENOMEM;
	if (ipe_hex_decode(nk->id, h, n / 2)) {
		free(nk->id);
		return 0;
	}
	nk->id_len = n / 2;
	nk->serial = serial;
	kr->n++;
	return 0;
}

static bool kr_seen(const int32_t *seen, size_t nseen, int32_t id)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == id)
			return true;
	return false;
}

/* Walk a keyring and the keyrings linked into it (the kernel's search
 * recurses the same way; .secondary_trusted_keys links .builtin_trusted_keys). */
static int kr_walk(struct ipe_kr *kr, int32_t ring, int depth, int32_t *seen, size_t *nseen)
{
	void *buf = NULL;
	long len;
	int rc = 0;

	if (depth > 6 || *nseen >= 64 || kr_seen(seen, *nseen, ring))
		return 0;
	seen[(*nseen)++] = ring;
	len = keyctl_read_alloc(ring, &buf);
	if (len < 0) {
		rc = errno == ENOMEM ? -ENOMEM : 0;
		if (!kr->list_err && errno != ENOMEM)
			kr->list_err = -errno;
		return rc;
	}
	for (size_t i = 0; !rc && i < (size_t)len / sizeof(key_serial_t); i++) {
		key_serial_t k;
		char *d = NULL;

		memcpy(&k, (const char *)buf + i * sizeof(k), sizeof(k));
		if (keyctl_describe_alloc(k, &d) < 0) {
			if (errno == ENOMEM)
				rc = -ENOMEM;
			continue;
		}
		if (!strncmp(d, "keyring;", 8))
			rc = kr_walk(kr, k, depth + 1, seen, nseen);
		else if (!strncmp(d, "asymmetric;", 11))
			rc = kr_add_desc(kr, k, d);
		free(d);
	}
	free(buf);
	return rc;
}

int ipe_kr_open(int32_t ring, struct ipe_kr **ret)
{
	struct ipe_kr *kr = calloc(1, sizeof(*kr));
	int32_t seen[64];
	size_t nseen = 0;
	int rc;

	if (!kr)
		return -ENOMEM;
	kr->ring = ring;
	rc = kr_walk(kr, ring, 0, seen, &nseen);
	if (rc) {
		ipe_kr_free(kr);
		return rc;
	}
	*ret = kr;
	return 0;
}

void ipe_kr_free(struct ipe_kr *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n; i++)
		free(kr->keys[i].id);
	free(kr->keys);
	free(kr);
}

/* keyctl_search for "ex:<hex id>": the key, -errno. */
static long kr_search(int32_t ring, const uint8_t *id, size_t len)
{
	char *desc = malloc(3 + 2 * len + 1);
	long k;

	if (!desc)
		return -ENOMEM;
	memcpy(desc, "ex:", 3);
	ipe_hex_encode(desc + 3, id, len);
	k = keyctl_search(ring, "asymmetric", desc, 0);
	if (k < 0)
		k = -errno;
	free(desc);
	return k;
}

/* Does the kernel's search tell "no such key" (ENOKEY) apart from "a key
 * matches but may not be searched" (EACCES)?  Ask for an id nobody has. */
static int kr_search_informative(struct ipe_kr *kr)
{
	static const uint8_t nobody[] = "ipe-tools: no key has this id";

	if (!kr->search) {
		long k = kr_search(kr->ring, nobody, sizeof(nobody) - 1);

		kr->search = k == -ENOKEY ? 1 : -1;
	}
	return kr->search > 0;
}

int ipe_kr_find_desc(const struct ipe_kr *kr, const uint8_t *id, size_t len, int32_t *ret_key)
{
	for (size_t i = 0; id && len && i < kr->n; i++) {
		if (kr->keys[i].id_len == len && !memcmp(kr->keys[i].id, id, len)) {
			*ret_key = kr->keys[i].serial;
			return 0;
		}
	}
	return -ENOKEY;
}

int ipe_kr_find(struct ipe_kr *kr, const uint8_t *id, size_t len, int32_t *ret_key)
{
	long k;

	*ret_key = 0;
	if (!id || !len || len > 2048)
		return -ENOKEY;
	if (!ipe_kr_find_desc(kr, id, len, ret_key))
		return 0;
	k = kr_search(kr->ring, id, len);
	if (k > 0) {
		*ret_key = (int32_t)k;
		return 0;
	}
	if (k == -ENOMEM)
		return -ENOMEM;
	if (k == -EACCES || k == -EPERM) {
		/* a key with this id exists but root may not search it */
		if (kr_search_informative(kr))
			return 0;
		return (int)k;
	}
	if (k == -ENOKEY && kr->list_err && kr->n == 0)
		return kr->list_err;
	return -ENOKEY;
}

int ipe_keyring_verify(int32_t key, const char *hash, bool ecdsa, const uint8_t *digest, size_t dlen,
		       const uint8_t *sig, size_t slen)
{
	char info[96];
	char h[32];
	size_t i;

	if (key <= 0)
		return 2;
	for (i = 0; hash[i] && i < sizeof(h) - 1; i++)
		h[i] = (char)((hash[i] >= 'A' && hash[i] <= 'Z') ? hash[i] + 32 : hash[i]);
	h[i] = '\0';
	snprintf(info, sizeof(info), "enc=%s hash=%s", ecdsa ? "x962" : "pkcs1", h);
	if (keyctl_pkey_verify(key, info, digest, dlen, sig, slen) < 0) {
		/* root may read the kernel's own keys but not use them */
		if (errno == EACCES || errno == EPERM || errno == ENOKEY)
			return 2;
		/* Kernels before 6.x only do pkcs1/raw through keyctl: the key
		 * matched by id, but this signature cannot be re-checked here. */
		if (errno == EINVAL || errno == EOPNOTSUPP || errno == ENOPKG || errno == 524 /* ENOTSUPP */)
			return 1;
		/* The signature does not verify with this key (or the running
		 * kernel cannot verify it at all: it would refuse the same way). */
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
