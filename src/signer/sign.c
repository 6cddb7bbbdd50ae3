/* SPDX-License-Identifier: MIT */
/*
 * Signing: CMS SignedData, DER, attached id-data content, no signed
 * attributes by default, never S/MIME capabilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ipe/io.h>
#include <ipe/policy.h>
#include <ipe/sign.h>

#include "compiler/model.h"
#include "signer.h"
#include "util/internal.h"
#include "util/opts.h"

#define KEY_FILE_MAX (1u << 20)

struct ipe_signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *extra;
	const EVP_MD *md;
	unsigned flags;
	void *engine;
	char *name;
};

void ipe_sign_diag(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev, const char *hint,
		   const char *fmt, ...)
{
	struct ipe_loc loc = { .src = IPE_SRC_NONE };
	va_list ap;

	if (!ctx)
		return;
	va_start(ap, fmt);
	ipe_diag_addv(ctx, code, sev, &loc, hint, fmt, ap);
	va_end(ap);
}

const char *ipe_sign_ossl_err(char *buf, size_t len)
{
	unsigned long last = ERR_peek_last_error();

	/* Read, never drain: the caller's own errors stay on the queue; ours
	 * are removed by the ERR_pop_to_mark() of the function that set the
	 * mark. */
	if (!last) {
		snprintf(buf, len, "unknown OpenSSL error");
		return buf;
	}
	ERR_error_string_n(last, buf, len);
	return buf;
}

/* What a key argument may show in a message: a file path as given; a
 * pkcs11: URI only up to its query ('?...', where pin-value= lives) and
 * with any pin-value/pin-source path attribute hidden. */
const char *ipe_sign_key_display(const char *key, char *buf, size_t len)
{
	size_t o = 0;
	const char *p;

	if (!key)
		return "(none)";
	if (strncmp(key, "pkcs11:", 7) != 0 || len < 8)
		return key;
	memcpy(buf, key, 7);
	o = 7;
	for (p = key + 7; *p && *p != '?';) {
		size_t seg = strcspn(p, ";?");
		bool hide = !strncasecmp(p, "pin-", 4);
		const char *show = hide ? "pin-...(not shown)" : p;
		size_t sl = hide ? strlen(show) : seg;

		for (size_t i = 0; i < sl && o + 1 < len; i++)
			buf[o++] = show[i];
		p += seg;
		if (*p == ';') {
			if (o + 1 < len)
				buf[o++] = ';';
			p++;
		}
	}
	if (*p == '?') {
		const char *q = "?...(query not shown)";

		for (size_t i = 0; q[i] && o + 1 < len; i++)
			buf[o++] = q[i];
	}
	buf[o] = '\0';
	return buf;
}

void ipe_sign_pass_free(char *pass)
{
	if (pass) {
		OPENSSL_cleanse(pass, strlen(pass));
		free(pass);
	}
}

/* One line (the passphrase) from fd, up to IPE_SIGN_PASS_MAX bytes; every
 * buffer that held part of it is wiped.  Longer is refused, never cut. */
static int read_line_fd(int fd, char **ret)
{
	char *buf = NULL, *nbuf;
	size_t n = 0, cap = 0;
	int rc = 0;

	*ret = NULL;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (r == 0 || ch == '\n')
			break;
		if (n >= IPE_SIGN_PASS_MAX) {
			rc = -E2BIG;
			goto out;
		}
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 256;

			nbuf = malloc(ncap);
			if (!nbuf) {
				rc = -ENOMEM;
				goto out;
			}
			if (buf) {
				memcpy(nbuf, buf, n);
				OPENSSL_cleanse(buf, cap);
				free(buf);
			}
			buf = nbuf;
			cap = ncap;
		}
		buf[n++] = ch;
		ch = 0;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf) {
			rc = -ENOMEM;
			goto out;
		}
		cap = 1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*ret = buf;
	buf = NULL;
out:
	if (buf) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	return rc;
}

static void pass_too_long(struct ipe_ctx *ctx, const char *what)
{
	ipe_sign_diag(ctx, "IPE-S004", IPE_SEV_ERROR, "use a shorter passphrase (or a PKCS#11 token)",
		      "passphrase from %s is longer than %u bytes; refusing it rather than cutting it", what,
		      (unsigned)IPE_SIGN_PASS_MAX);
}

int ipe_sign_read_pass(struct ipe_ctx *ctx, const char *spec, char **ret_pass)
{
	int rc;

	if (!spec || !ret_pass)
		return -EINVAL;
	*ret_pass = NULL;
	if (strncmp(spec, "env:", 4) == 0) {
		const char *v = getenv(spec + 4);

		if (!v) {
			ipe_sign_diag(ctx, "IPE-S004", IPE_SEV_ERROR, "export the variable or use --pass file:PATH",
				      "passphrase: environment variable '%s' is not set", spec + 4);
			return -ENOENT;
		}
		if (strlen(v) > IPE_SIGN_PASS_MAX) {
			pass_too_long(ctx, "the environment");
			return -E2BIG;
		}
		*ret_pass = strdup(v);
		return *ret_pass ? 0 : -ENOMEM;
	}
	if (strncmp(spec, "file:", 5) == 0) {
		int fd = open(spec + 5, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			rc = -errno;
			ipe_sign_diag(ctx, "IPE-S004", IPE_SEV_ERROR, NULL, "passphrase: cannot open '%s': %s",
				      spec + 5, strerror(-rc));
			return rc;
		}
		rc = read_line_fd(fd, ret_pass);
		close(fd);
		if (rc == -E2BIG)
			pass_too_long(ctx, "the file");
		else if (rc)
			ipe_sign_diag(ctx, "IPE-S004", IPE_SEV_ERROR, NULL, "passphrase: cannot read '%s': %s",
				      spec + 5, strerror(-rc));
		return rc;
	}
	if (strncmp(spec, "fd:", 3) == 0) {
		char *end;
		long fd;

		errno = 0;
		fd = strtol(spec + 3, &end, 10);
		if (errno || end == spec + 3 || *end || fd < 0 || fd > INT_MAX) {
			ipe_sign_diag(ctx, "IPE-S004", IPE_SEV_ERROR, "write --pass fd:N with a file descriptor number",
				      "passphrase: '%s' is not a file descriptor", spec + 3);
			return -EINVAL;
		}
		rc = read_line_fd((int)fd, ret_pass);
		if (rc == -E2BIG)
			pass_too_long(ctx, "the file descriptor");
		else if (rc)
			ipe_sign_diag(ctx, "IPE-S004", IPE_SEV_ERROR, NULL,
				      "passphrase: cannot read file descriptor %ld: %s", fd, strerror(-rc));
		return rc;
	}
	/* Never show the value: "pass:SECRET" or a bare passphrase would be
	 * echoed to the terminal and to logs. */
	ipe_sign_diag(ctx, "IPE-S004", IPE_SEV_ERROR,
		      "passphrases never go on the command line: use env:VAR, file:PATH or fd:N",
		      "the --pass value (not shown) is not env:VAR, file:PATH or fd:N%s",
		      !strncmp(spec, "pass:", 5) ? " (pass:... is not supported: it would expose the passphrase)" : "");
	return -EINVAL;
}

int ipe_sign_load_certs(const uint8_t *data, size_t len, STACK_OF(X509) **ret_certs)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *bio = NULL;
	X509 *x;
	int rc = 0;

	if (!sk)
		return -ENOMEM;
	if (len > INT_MAX) {
		rc = -EFBIG;
		goto out;
	}
	bio = BIO_new_mem_buf(data, (int)len);
	if (!bio) {
		rc = -ENOMEM;
		goto out;
	}
	ERR_set_mark();
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			rc = -ENOMEM;
			goto out;
		}
	}
	if (sk_X509_num(sk) == 0) {
		const unsigned char *p = data;

		x = d2i_X509(NULL, &p, (long)len);
		if (!x || p != data + len) {
			X509_free(x);
			rc = -EBADMSG;
			goto out;
		}
		sk_X509_push(sk, x);
	}
	rc = sk_X509_num(sk);
	*ret_certs = sk;
	sk = NULL;
out:
	if (bio)
		ERR_pop_to_mark();
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static int load_cert_file(struct ipe_ctx *ctx, const char *path, X509 **ret)
{
	STACK_OF(X509) *sk = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	rc = ipe_read_file(path, KEY_FILE_MAX, &data, &len);
	if (rc) {
		ipe_sign_diag(ctx, "IPE-S002", IPE_SEV_ERROR, NULL, "%s: cannot read certificate: %s", path,
			      strerror(-rc));
		return rc;
	}
	rc = ipe_sign_load_certs(data, len, &sk);
	free(data);
	if (rc < 0) {
		ipe_sign_diag(ctx, "IPE-S002", IPE_SEV_ERROR, "give an X.509 certificate in PEM or DER form",
			      "%s: not a certificate (neither PEM nor DER X.509)", path);
		return rc;
	}
	*ret = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	return 0;
}

static bool looks_encrypted(const uint8_t *data, size_t len)
{
	const unsigned char *p = data;
	X509_SIG *sig;

	if (memmem(data, len, "ENCRYPTED", 9))
		return true;
	ERR_set_mark();
	sig = d2i_X509_SIG(NULL, &p, (long)len);
	ERR_pop_to_mark();
	if (sig) {
		X509_SIG_free(sig);
		return true;
	}
	return false;
}

static int load_key_file(struct ipe_ctx *ctx, const char *path, const char *pass, EVP_PKEY **ret)
{
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t *data = NULL;
	size_t len = 0, left, size = 0;
	const unsigned char *p;
	struct stat st;
	char eb[256];
	bool enc;
	int rc;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		ipe_sign_diag(ctx, "IPE-S010", IPE_SEV_WARNING, "chmod 600 the key file (or keep keys in an HSM)",
			      "%s: private key file is readable by %s (mode %04o)", path,
			      (st.st_mode & 007) ? "everyone" : "its group", (unsigned)(st.st_mode & 07777));
	rc = ipe_read_file(path, KEY_FILE_MAX, &data, &len);
	if (rc) {
		ipe_sign_diag(ctx, "IPE-S001", IPE_SEV_ERROR, NULL, "%s: cannot read key: %s", path,
			      strerror(-rc));
		return rc;
	}
	size = len;   /* the decoder counts len down: wipe what was read */
	enc = looks_encrypted(data, len);
	if (enc && !pass) {
		ipe_sign_diag(ctx, "IPE-S001", IPE_SEV_ERROR, "give the passphrase with --pass env:VAR|file:PATH|fd:N",
			      "%s: the private key is encrypted and no passphrase was given", path);
		rc = -ENOKEY;
		goto out;
	}
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	if (!dctx) {
		rc = -ENOMEM;
		goto out;
	}
	/* An empty passphrase for unencrypted keys: never prompt on a tty. */
	OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)(pass ? pass : ""),
					pass ? strlen(pass) : 0);
	p = data;
	left = len;
	if (!OSSL_DECODER_from_data(dctx, &p, &left) || !pkey) {
		ipe_sign_ossl_err(eb, sizeof(eb));
		if (enc)
			ipe_sign_diag(ctx, "IPE-S001", IPE_SEV_ERROR, "check the passphrase source given with --pass",
				      "%s: cannot decrypt the private key: wrong passphrase?", path);
		else
			ipe_sign_diag(ctx, "IPE-S001", IPE_SEV_ERROR,
				      "give a PEM or DER private key (PKCS#1, SEC1 or PKCS#8), or a pkcs11: URI",
				      "%s: not a private key", path);
		rc = enc ? -EKEYREJECTED : -EBADMSG;
		goto out;
	}
	*ret = pkey;
	pkey = NULL;
out:
	OSSL_DECODER_CTX_free(dctx);
	EVP_PKEY_free(pkey);
	if (data) {
		OPENSSL_cleanse(data, size);
		free(data);
	}
	return rc;
}

static int check_key(struct ipe_ctx *ctx, const char *what, EVP_PKEY *key)
{
	char group[64] = "";
	size_t glen = 0;
	int bits = EVP_PKEY_get_bits(key);

	if (EVP_PKEY_is_a(key, "RSA")) {
		if (bits < 2048 || bits > 4096) {
			ipe_sign_diag(ctx, "IPE-S005", IPE_SEV_ERROR, "use an RSA key of 2048 to 4096 bits",
				      "%s: RSA key of %d bits is not supported", what, bits);
			return -EINVAL;
		}
		return 0;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen))
			group[0] = '\0';
		if (strcmp(group, "prime256v1") && strcmp(group, "P-256") && strcmp(group, "secp384r1") &&
		    strcmp(group, "P-384")) {
			ipe_sign_diag(ctx, "IPE-S005", IPE_SEV_ERROR, "use ECDSA on P-256 or P-384, or RSA",
				      "%s: EC key on curve '%s' is not supported by the kernel", what,
				      group[0] ? group : "?");
			return -EINVAL;
		}
		return 0;
	}
	ipe_sign_diag(ctx, "IPE-S005", IPE_SEV_ERROR, "use RSA 2048-4096 or ECDSA P-256/P-384",
		      "%s: key type %s is not supported", what, EVP_PKEY_get0_type_name(key));
	return -EINVAL;
}

void ipe_signer_free(struct ipe_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	sk_X509_pop_free(s->extra, X509_free);
	ipe_sign_release_engine(s->engine);
	free(s->name);
	free(s);
}

int ipe_signer_new(struct ipe_ctx *ctx, const struct ipe_sign_opts *opts, struct ipe_signer **ret)
{
	struct ipe_signer *s = NULL;
	char *pass = NULL;
	const char *hash;
	char eb[256], kshow[512];
	int rc = 0;

	if (!opts || !ret || IPE_OPTS_CHECK(opts, IPE_SIGN_OPTS_V1))
		return -EINVAL;
	ERR_set_mark();
	if (!opts->key || !opts->cert) {
		ipe_sign_diag(ctx, "IPE-S001", IPE_SEV_ERROR, "give --key KEY and --cert CERT",
			      "signing needs a key and a certificate");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->flags = opts->flags;
	s->name = strdup(opts->name ? opts->name : "<policy>");
	if (!s->name) {
		rc = -ENOMEM;
		goto out;
	}
	hash = opts->hash ? opts->hash : "sha256";
	if (strcmp(hash, "sha256") && strcmp(hash, "sha384") && strcmp(hash, "sha512")) {
		ipe_sign_diag(ctx, "IPE-S011", IPE_SEV_ERROR, "use sha256, sha384 or sha512",
			      "hash '%s' is not supported", hash);
		rc = -EINVAL;
		goto out;
	}
	s->md = EVP_get_digestbyname(hash);
	if (!s->md) {
		rc = -ENOPKG;
		goto out;
	}
	if (opts->pass) {
		rc = ipe_sign_read_pass(ctx, opts->pass, &pass);
		if (rc)
			goto out;
	}
	if (strncmp(opts->key, "pkcs11:", 7) == 0)
		rc = ipe_sign_load_pkcs11_key(ctx, opts->key, opts->pkcs11_module, pass, &s->key, &s->engine);
	else
		rc = load_key_file(ctx, opts->key, pass, &s->key);
	if (rc)
		goto out;
	rc = check_key(ctx, ipe_sign_key_display(opts->key, kshow, sizeof(kshow)), s->key);
	if (rc)
		goto out;
	rc = load_cert_file(ctx, opts->cert, &s->cert);
	if (rc)
		goto out;
	if (X509_check_private_key(s->cert, s->key) != 1) {
		ipe_sign_ossl_err(eb, sizeof(eb));
		ipe_sign_diag(ctx, "IPE-S003", IPE_SEV_ERROR,
			      "give the certificate issued for this key (compare 'openssl x509 -pubkey' and 'openssl pkey -pubout')",
			      "the key %s does not match the certificate %s",
			      ipe_sign_key_display(opts->key, kshow, sizeof(kshow)), opts->cert);
		rc = -EKEYREJECTED;
		goto out;
	}
	if ((opts->flags & IPE_SIGN_KEYID) && !X509_get0_subject_key_id(s->cert)) {
		ipe_sign_diag(ctx, "IPE-S012", IPE_SEV_ERROR,
			      "drop --keyid or issue the certificate with subjectKeyIdentifier=hash",
			      "%s: --keyid needs a certificate with a subject key identifier", opts->cert);
		rc = -EINVAL;
		goto out;
	}
	if ((opts->flags & IPE_SIGN_KEYID) && !(opts->flags & IPE_SIGN_NO_CERT))
		ipe_sign_diag(ctx, "IPE-S016", IPE_SEV_WARNING,
			      "add the signer's own certificate to a kernel keyring (e.g. .secondary_trusted_keys), or drop --keyid",
			      "%s: with --keyid the kernel never matches the signer to the embedded certificate, so the blob "
			      "loads only if the signer's own key is in a kernel keyring (its CA alone is not enough)",
			      opts->cert);
	s->extra = sk_X509_new_null();
	if (!s->extra) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < opts->nextra_certs; i++) {
		X509 *x = NULL;

		rc = load_cert_file(ctx, opts->extra_certs[i], &x);
		if (rc)
			goto out;
		if (!sk_X509_push(s->extra, x)) {
			X509_free(x);
			rc = -ENOMEM;
			goto out;
		}
	}
	*ret = s;
	s = NULL;
out:
	ipe_sign_pass_free(pass);
	ipe_signer_free(s);
	ERR_pop_to_mark();
	return rc;
}

/* The kernel front end: refuse what new_policy would reject. */
static int check_policy(struct ipe_ctx *ctx, const struct ipe_signer *s, const void *policy,
			size_t len)
{
	struct ipe_policy *p = NULL;
	uint32_t src;
	int rc, err;

	rc = ipe_source_from_memory(ctx, s->name, policy, len, true, &src);
	if (rc)
		return rc;
	rc = ipe_policy_parse(ctx, src, &p);
	if (rc)
		return rc;
	err = p->verdict.err;
	ipe_policy_free(p);
	if (err == 0)
		return 0;
	if (s->flags & IPE_SIGN_FORCE) {
		ipe_sign_diag(ctx, "IPE-S006", IPE_SEV_WARNING, NULL,
			      "%s: the kernel would reject this policy (%s); signing anyway (--force)", s->name,
			      ipe_errno_name(err) ? ipe_errno_name(err) : "error");
		return 0;
	}
	ipe_sign_diag(ctx, "IPE-S006", IPE_SEV_ERROR, "fix the errors above, or sign anyway with --force",
		      "%s: the kernel would reject this policy with %s; not signing", s->name,
		      ipe_errno_name(err) ? ipe_errno_name(err) : "an error");
	return -EBADMSG;
}

static ASN1_TIME *signing_time(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);

	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);

		if (!*end && v >= 0)
			t = (time_t)v;
	}
	return ASN1_TIME_adj(NULL, t, 0, 0);
}

int ipe_signer_sign(struct ipe_ctx *ctx, struct ipe_signer *s, const void *policy, size_t len,
		    uint8_t **ret_blob, size_t *ret_len)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	BIO *in = NULL;
	ASN1_TIME *st = NULL;
	unsigned char *der = NULL;
	unsigned int flags;
	char eb[256];
	int rc = 0, n;

	if (!s || !ret_blob || !ret_len || (!policy && len))
		return -EINVAL;
	rc = check_policy(ctx, s, policy, len);
	if (rc)
		return rc;
	if (len > IPE_SIGN_MAX_BLOB) {
		ipe_sign_diag(ctx, "IPE-S007", IPE_SEV_ERROR,
			      "shrink the policy: drop comments and blank lines (ipe-check --canonical), merge rules",
			      "%s: the policy is %zu bytes, %zu over the kernel's %u-byte limit for the whole blob",
			      s->name, len, len - IPE_SIGN_MAX_BLOB, IPE_SIGN_MAX_BLOB);
		return -EMSGSIZE;
	}
	flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
	if (!(s->flags & IPE_SIGN_SIGNED_ATTRS))
		flags |= CMS_NOATTR;
	if (s->flags & IPE_SIGN_NO_CERT)
		flags |= CMS_NOCERTS;
	if (s->flags & IPE_SIGN_KEYID)
		flags |= CMS_USE_KEYID;

	ERR_set_mark();
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY | CMS_PARTIAL);
	if (!cms)
		goto ossl_fail;
	si = CMS_add1_signer(cms, s->cert, s->key, s->md, flags);
	if (!si)
		goto ossl_fail;
	if (s->flags & IPE_SIGN_SIGNED_ATTRS) {
		st = signing_time();
		if (!st || !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, st->type, st, -1))
			goto ossl_fail;
	}
	for (int i = 0; i < sk_X509_num(s->extra); i++)
		if (!CMS_add1_cert(cms, sk_X509_value(s->extra, i)))
			goto ossl_fail;
	in = BIO_new_mem_buf(policy ? policy : "", (int)len);
	if (!in)
		goto ossl_fail;
	if (!CMS_final(cms, in, NULL, CMS_BINARY))
		goto ossl_fail;
	n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0)
		goto ossl_fail;
	if ((size_t)n > IPE_SIGN_MAX_BLOB) {
		ipe_sign_diag(ctx, "IPE-S007", IPE_SEV_ERROR,
			      "shrink the policy (ipe-check --canonical drops comments), or use --no-cert/--keyid to save the certificate's bytes",
			      "%s: the signed blob would be %d bytes, %d over the kernel's %u-byte limit (-EMSGSIZE)",
			      s->name, n, n - (int)IPE_SIGN_MAX_BLOB, IPE_SIGN_MAX_BLOB);
		rc = -EMSGSIZE;
		goto out;
	}
	*ret_blob = malloc((size_t)n);
	if (!*ret_blob) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*ret_blob, der, (size_t)n);
	*ret_len = (size_t)n;
	goto out;
ossl_fail:
	ipe_sign_ossl_err(eb, sizeof(eb));
	ipe_sign_diag(ctx, "IPE-S008", IPE_SEV_ERROR, NULL, "%s: signing failed: %s", s->name, eb);
	rc = -EIO;
out:
	OPENSSL_free(der);
	ASN1_TIME_free(st);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	ERR_pop_to_mark();
	return rc;
}

int ipe_sign_policy(struct ipe_ctx *ctx, const struct ipe_sign_opts *opts, const void *policy,
		    size_t len, uint8_t **ret_blob, size_t *ret_len)
{
	struct ipe_signer *s = NULL;
	int rc;

	rc = ipe_signer_new(ctx, opts, &s);
	if (rc)
		return rc;
	rc = ipe_signer_sign(ctx, s, policy, len, ret_blob, ret_len);
	ipe_signer_free(s);
	return rc;
}
