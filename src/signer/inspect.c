/* SPDX-License-Identifier: MIT */
/* Blob inspection (text and JSON via json-c) and content extraction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ipe/policy.h>
#include <ipe/sign.h>

#include "compiler/model.h"
#include "signer.h"
#include "util/internal.h"

static char *hexstr(const uint8_t *d, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s)
		ipe_hex_encode(s, d, n);
	return s;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void add_hex(json_object *o, const char *k, const uint8_t *d, size_t n)
{
	char *h = d ? hexstr(d, n) : NULL;

	add_str(o, k, h);
	free(h);
}

static char *name_text(const X509_NAME *nm)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long n;

	if (!b)
		return NULL;
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	out = malloc((size_t)n + 1);
	if (out) {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

static char *raw_name_text(const uint8_t *contents, size_t len)
{
	unsigned char *buf = malloc(len + 8), *q = buf;
	const unsigned char *p;
	X509_NAME *nm;
	char *out = NULL;

	if (!buf)
		return NULL;
	ASN1_put_object(&q, 1, (int)len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(q, contents, len);
	p = buf;
	nm = d2i_X509_NAME(NULL, &p, (long)(q - buf) + (long)len);
	if (nm)
		out = name_text(nm);
	X509_NAME_free(nm);
	free(buf);
	return out;
}

static const char *oid_name(const char *oid, char *buf, size_t n)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	int nid = o ? OBJ_obj2nid(o) : NID_undef;

	ASN1_OBJECT_free(o);
	snprintf(buf, n, "%s", nid != NID_undef ? OBJ_nid2ln(nid) : oid);
	return buf;
}

static char *time_text(const ASN1_TIME *t)
{
	struct tm tm;
	char *s = malloc(32);

	if (!s)
		return NULL;
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		snprintf(s, 32, "?");
	else
		strftime(s, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return s;
}

static json_object *cert_json(X509 *x)
{
	json_object *c = json_object_new_object();
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);
	const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
	const ASN1_INTEGER *ser = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(ser, NULL);
	char *s, key[80], gb[64] = "";
	size_t gl;

	s = name_text(X509_get_subject_name(x));
	add_str(c, "subject", s);
	free(s);
	s = name_text(X509_get_issuer_name(x));
	add_str(c, "issuer", s);
	free(s);
	s = bn ? BN_bn2hex(bn) : NULL;
	add_str(c, "serial", s);
	OPENSSL_free(s);
	BN_free(bn);
	add_hex(c, "subject_key_id", skid ? skid->data : NULL, skid ? (size_t)skid->length : 0);
	add_hex(c, "authority_key_id", akid ? akid->data : NULL, akid ? (size_t)akid->length : 0);
	s = time_text(X509_get0_notBefore(x));
	add_str(c, "not_before", s);
	free(s);
	s = time_text(X509_get0_notAfter(x));
	add_str(c, "not_after", s);
	free(s);
	if (pk && EVP_PKEY_is_a(pk, "EC") && EVP_PKEY_get_utf8_string_param(pk, "group", gb, sizeof(gb), &gl))
		snprintf(key, sizeof(key), "EC %s", gb);
	else
		snprintf(key, sizeof(key), "%s %d", pk ? EVP_PKEY_get0_type_name(pk) : "?",
			 pk ? EVP_PKEY_get_bits(pk) : 0);
	add_str(c, "key", key);
	add_str(c, "signature_algorithm", OBJ_nid2ln(X509_get_signature_nid(x)));
	return c;
}

static int build_json(struct ipe_ctx *ctx, const void *blob, size_t len, json_object **ret)
{
	struct ipe_p7 p7;
	const char *why = NULL;
	char whybuf[512], nb[128];
	uint8_t h[32];
	json_object *o, *arr;
	int rc;

	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "size", json_object_new_int64((int64_t)len));
	SHA256(blob, len, h);
	add_hex(o, "sha256", h, sizeof(h));
	rc = ipe_p7_parse(blob, len, &p7, &why, whybuf, sizeof(whybuf));
	if (rc < 0) {
		ipe_p7_release(&p7);
		json_object_put(o);
		return rc;
	}
	if (rc > 0 && !p7.nsigners && !p7.has_data) {
		ipe_sign_diag(ctx, "IPE-S015", IPE_SEV_ERROR, "give a DER PKCS#7/CMS blob made by ipe-sign sign",
			      "not a usable PKCS#7 blob: %s", why);
		ipe_p7_release(&p7);
		json_object_put(o);
		return -EBADMSG;
	}
	if (rc > 0) {
		json_object *e = json_object_new_object();

		add_str(e, "errno", ipe_errno_name(rc));
		add_str(e, "reason", why);
		json_object_object_add(o, "kernel_parse_error", e);
	}
	json_object_object_add(o, "encoding", json_object_new_string(p7.indefinite ? "BER (indefinite length)" : "DER"));
	json_object_object_add(o, "trailing_bytes", json_object_new_int64((int64_t)(len - p7.total_len)));
	json_object_object_add(o, "signed_data_version", json_object_new_int(p7.version));
	add_str(o, "content_type", oid_name(p7.content_oid, nb, sizeof(nb)));
	json_object_object_add(o, "content_attached", json_object_new_boolean(p7.has_data));
	json_object_object_add(o, "content_size", json_object_new_int64((int64_t)p7.data_len));
	if (p7.has_data) {
		struct ipe_policy *pol = NULL;
		struct ipe_ctx *pctx = NULL; /* its own: the caller's diagnostics stay */
		uint32_t src;
		json_object *pj = json_object_new_object();

		if (!ipe_ctx_new(&pctx) &&
		    !ipe_source_from_memory(pctx, "<signed content>", p7.data, p7.data_len, true, &src) &&
		    !ipe_policy_parse(pctx, src, &pol)) {
			char ver[32];

			add_str(pj, "name", pol->has_header ? pol->name : NULL);
			snprintf(ver, sizeof(ver), "%u.%u.%u", pol->version[0], pol->version[1], pol->version[2]);
			add_str(pj, "version", pol->has_header ? ver : NULL);
			add_str(pj, "kernel_verdict", pol->verdict.err ? ipe_errno_name(pol->verdict.err) : "OK");
		}
		ipe_policy_free(pol);
		ipe_ctx_free(pctx);
		json_object_object_add(o, "policy", pj);
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < p7.nsigners; i++) {
		struct ipe_p7_signer *s = &p7.signers[i];
		json_object *sj = json_object_new_object(), *aj;
		char *t;

		json_object_object_add(sj, "version", json_object_new_int(s->version));
		add_str(sj, "identified_by", s->by_skid ? "subject_key_id" : "issuer_and_serial");
		if (s->issuer) {
			t = raw_name_text(s->issuer, s->issuer_len);
			add_str(sj, "issuer", t);
			free(t);
			add_hex(sj, "serial", s->serial, s->serial_len);
		}
		if (s->skid)
			add_hex(sj, "subject_key_id", s->skid, s->skid_len);
		add_str(sj, "digest_algorithm", s->digest_name ? s->digest_name : oid_name(s->digest_oid, nb, sizeof(nb)));
		add_str(sj, "signature_algorithm", s->sig_oid[0] ? oid_name(s->sig_oid, nb, sizeof(nb)) : NULL);
		json_object_object_add(sj, "signature_size", json_object_new_int64((int64_t)s->sig_len));
		aj = json_object_new_array();
		if (s->attr_names[0]) {
			char buf[256], *save = NULL, *tok;

			snprintf(buf, sizeof(buf), "%s", s->attr_names);
			for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
				json_object_array_add(aj, json_object_new_string(tok));
		}
		json_object_object_add(sj, "signed_attributes", aj);
		json_object_array_add(arr, sj);
	}
	json_object_object_add(o, "signers", arr);
	arr = json_object_new_array();
	for (size_t i = 0; i < p7.ncerts; i++)
		if (p7.certs[i].x509)
			json_object_array_add(arr, cert_json(p7.certs[i].x509));
	json_object_object_add(o, "certificates", arr);
	ipe_p7_release(&p7);
	*ret = o;
	return 0;
}

/* OpenSSL errors raised while reading the blob are dropped, the caller's
 * own errors are kept. */
static int build(struct ipe_ctx *ctx, const void *blob, size_t len, json_object **ret)
{
	int rc;

	ERR_set_mark();
	rc = build_json(ctx, blob, len, ret);
	ERR_pop_to_mark();
	return rc;
}

int ipe_blob_inspect_json(struct ipe_ctx *ctx, const void *blob, size_t len, char **ret_out)
{
	json_object *o = NULL;
	int rc = build(ctx, blob, len, &o);

	if (rc)
		return rc;
	*ret_out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return *ret_out ? 0 : -ENOMEM;
}

static const char *js(json_object *o, const char *k)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

/* A blob's JSON description (build()) laid out as text. */
static int render_text(struct ipe_ctx *ctx, const void *blob, size_t len, void (*layout)(FILE *, json_object *),
		       char **ret_out)
{
	json_object *o = NULL;
	char *buf = NULL;
	size_t sz = 0;
	FILE *f;
	int rc = build(ctx, blob, len, &o);

	if (rc)
		return rc;
	f = open_memstream(&buf, &sz);
	if (!f) {
		json_object_put(o);
		return -ENOMEM;
	}
	layout(f, o);
	fclose(f);
	json_object_put(o);
	*ret_out = buf;
	return buf ? 0 : -ENOMEM;
}

static void inspect_layout(FILE *f, json_object *o)
{
	json_object *v = NULL;

	fprintf(f, "blob:         %s bytes, %s, sha256:%s\n", js(o, "size"), js(o, "encoding"), js(o, "sha256"));
	if (json_object_object_get_ex(o, "kernel_parse_error", &v))
		fprintf(f, "kernel parse: %s: %s\n", js(v, "errno"), js(v, "reason"));
	fprintf(f, "content:      %s, %s, %s bytes\n", js(o, "content_type"),
		json_object_get_boolean(json_object_object_get(o, "content_attached")) ? "attached" : "detached",
		js(o, "content_size"));
	if (json_object_object_get_ex(o, "policy", &v))
		fprintf(f, "policy:       name=%s version=%s (kernel verdict on the text: %s)\n",
			js(v, "name") ? js(v, "name") : "?", js(v, "version") ? js(v, "version") : "?",
			js(v, "kernel_verdict") ? js(v, "kernel_verdict") : "?");
	v = json_object_object_get(o, "signers");
	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		json_object *s = json_object_array_get_idx(v, i), *a;

		fprintf(f, "signer %zu:     v%s, by %s\n", i + 1, js(s, "version"), js(s, "identified_by"));
		if (js(s, "issuer"))
			fprintf(f, "  issuer:     %s\n  serial:     %s\n", js(s, "issuer"), js(s, "serial"));
		if (js(s, "subject_key_id"))
			fprintf(f, "  skid:       %s\n", js(s, "subject_key_id"));
		fprintf(f, "  digest:     %s\n  signature:  %s (%s bytes)\n", js(s, "digest_algorithm"),
			js(s, "signature_algorithm"), js(s, "signature_size"));
		a = json_object_object_get(s, "signed_attributes");
		fprintf(f, "  attributes:");
		if (!a || json_object_array_length(a) == 0)
			fprintf(f, " none");
		for (size_t j = 0; a && j < json_object_array_length(a); j++)
			fprintf(f, "%s %s", j ? "," : "", json_object_get_string(json_object_array_get_idx(a, j)));
		fprintf(f, "\n");
	}
	v = json_object_object_get(o, "certificates");
	if (!v || json_object_array_length(v) == 0)
		fprintf(f, "certificates: none embedded\n");
	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		json_object *c = json_object_array_get_idx(v, i);

		fprintf(f, "certificate %zu:\n  subject:    %s\n  issuer:     %s\n  serial:     %s\n", i + 1,
			js(c, "subject"), js(c, "issuer"), js(c, "serial"));
		fprintf(f, "  skid:       %s\n  akid:       %s\n  key:        %s\n  validity:   %s .. %s\n",
			js(c, "subject_key_id") ? js(c, "subject_key_id") : "none",
			js(c, "authority_key_id") ? js(c, "authority_key_id") : "none", js(c, "key"),
			js(c, "not_before"), js(c, "not_after"));
	}
}

static void signer_layout(FILE *f, json_object *o)
{
	json_object *v;
	size_t n;

	v = json_object_object_get(o, "signers");
	n = v ? json_object_array_length(v) : 0;
	if (!n)
		fprintf(f, "no signer");
	for (size_t i = 0; i < n; i++) {
		json_object *sj = json_object_array_get_idx(v, i);

		fprintf(f, "%s", i ? "; " : "");
		if (js(sj, "issuer"))
			fprintf(f, "issuer %s, serial %s", js(sj, "issuer"), js(sj, "serial"));
		else
			fprintf(f, "subject key id %s", js(sj, "subject_key_id") ? js(sj, "subject_key_id") : "?");
		fprintf(f, " (%s, %s)", js(sj, "digest_algorithm") ? js(sj, "digest_algorithm") : "?",
			js(sj, "signature_algorithm") ? js(sj, "signature_algorithm") : "?");
	}
	v = json_object_object_get(o, "certificates");
	n = v ? json_object_array_length(v) : 0;
	if (!n)
		fprintf(f, "; no certificate embedded");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "; embedded certificate subject ",
			js(json_object_array_get_idx(v, i), "subject"));
}

int ipe_blob_inspect_text(struct ipe_ctx *ctx, const void *blob, size_t len, char **ret_out)
{
	return render_text(ctx, blob, len, inspect_layout, ret_out);
}

int ipe_blob_signer_text(struct ipe_ctx *ctx, const void *blob, size_t len, char **ret_out)
{
	return render_text(ctx, blob, len, signer_layout, ret_out);
}

int ipe_blob_extract(struct ipe_ctx *ctx, const void *blob, size_t len, uint8_t **ret_data, size_t *ret_len)
{
	struct ipe_p7 p7;
	const char *why = NULL;
	char whybuf[512];
	int rc;

	ERR_set_mark();
	rc = ipe_p7_parse(blob, len, &p7, &why, whybuf, sizeof(whybuf));
	if (rc < 0)
		goto out;
	if (!p7.has_data && rc != EMSGSIZE) {
		ipe_sign_diag(ctx, "IPE-S015", IPE_SEV_ERROR, NULL, "the blob has no embedded content%s%s",
			      why ? ": " : "", why ? why : "");
		rc = -ENODATA;
		goto out;
	}
	if (!p7.data_clean || !p7.has_data) {
		/* BER, or bigger than the kernel's decoder takes (which stops
		 * there): let OpenSSL reassemble the content */
		const unsigned char *p = blob;
		CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
		ASN1_OCTET_STRING **pos = cms ? CMS_get0_content(cms) : NULL;

		if (!pos || !*pos) {
			CMS_ContentInfo_free(cms);
			ipe_sign_diag(ctx, "IPE-S015", IPE_SEV_ERROR, NULL, "cannot decode the embedded content");
			rc = -EBADMSG;
			goto out;
		}
		*ret_len = (size_t)(*pos)->length;
		*ret_data = malloc(*ret_len + 1);
		if (*ret_data)
			memcpy(*ret_data, (*pos)->data, *ret_len);
		CMS_ContentInfo_free(cms);
		rc = *ret_data ? 0 : -ENOMEM;
		goto out;
	}
	*ret_data = malloc(p7.data_len + 1);
	if (!*ret_data) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*ret_data, p7.data, p7.data_len);
	*ret_len = p7.data_len;
	rc = 0;
out:
	ipe_p7_release(&p7);
	ERR_pop_to_mark();
	return rc;
}
