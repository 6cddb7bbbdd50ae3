/* SPDX-License-Identifier: MIT */
/*
 * The kernel's view of a PKCS#7/CMS blob: walk the encoding the way the
 * kernel's PKCS#7 grammar does and report the errno it would return while
 * parsing.  Written from the grammar (RFC 5652) and the observed behaviour;
 * see IPE-KERNEL.md section 3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "der.h"
#include "signer.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_DATA "1.2.840.113549.1.7.1"
#define OID_MS_INDIRECT "1.3.6.1.4.1.311.2.1.4"
#define OID_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_SIGNING_TIME "1.2.840.113549.1.9.5"
#define OID_SMIME_CAPS "1.2.840.113549.1.9.15"
#define OID_MS_OPUS "1.3.6.1.4.1.311.2.1.12"
#define OID_MS_STMT "1.3.6.1.4.1.311.2.1.11"

static const struct {
	const char *oid, *name;
} digest_oids[] = {
	{ "1.3.14.3.2.26", "sha1" },
	{ "2.16.840.1.101.3.4.2.1", "sha256" },
	{ "2.16.840.1.101.3.4.2.2", "sha384" },
	{ "2.16.840.1.101.3.4.2.3", "sha512" },
	{ "2.16.840.1.101.3.4.2.4", "sha224" },
	{ "1.2.156.10197.1.401", "sm3" },
	{ "1.2.643.7.1.1.2.2", "streebog256" },
	{ "1.2.643.7.1.1.2.3", "streebog512" },
	{ "2.16.840.1.101.3.4.2.8", "sha3-256" },
	{ "2.16.840.1.101.3.4.2.9", "sha3-384" },
	{ "2.16.840.1.101.3.4.2.10", "sha3-512" },
};

static const char *const pkey_oids[] = {
	"1.2.840.113549.1.1.1",                                   /* rsaEncryption */
	"1.2.840.10045.4.1", "1.2.840.10045.4.3.1", "1.2.840.10045.4.3.2", /* ecdsa-with-* */
	"1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",
	"2.16.840.1.101.3.4.3.10", "2.16.840.1.101.3.4.3.11", "2.16.840.1.101.3.4.3.12",
};

#define FAIL(e, ...)                                                                               \
	do {                                                                                       \
		snprintf(whybuf, whylen, __VA_ARGS__);                                             \
		*why = whybuf;                                                                     \
		return (e);                                                                        \
	} while (0)

static bool is(const struct ipe_tlv *t, int cls, int tag, bool cons)
{
	return t->cls == cls && t->tag == tag && t->cons == cons;
}

static int read_oid(struct ipe_cur *c, char *buf, size_t bufsz)
{
	struct ipe_tlv t;

	if (ipe_der_next(c, &t) || !is(&t, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false))
		return -EBADMSG;
	ipe_der_oid_text(t.val, t.len, buf, bufsz);
	return 0;
}

/* AlgorithmIdentifier ::= SEQUENCE { OID, ANY OPTIONAL } */
static int read_algid(struct ipe_cur *c, char *oid, size_t oidsz)
{
	struct ipe_tlv t, any;
	struct ipe_cur in;

	if (ipe_der_next(c, &t) || !is(&t, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true))
		return -EBADMSG;
	in = ipe_der_inside(&t);
	if (read_oid(&in, oid, oidsz))
		return -EBADMSG;
	if (in.p < in.end && ipe_der_next(&in, &any))
		return -EBADMSG;
	return in.p == in.end ? 0 : -EBADMSG;
}

static bool time_decode(const struct ipe_tlv *t, time_t *ret)
{
	ASN1_TIME *at = NULL;
	const unsigned char *p = t->start;
	struct tm tm;

	if (t->cls != V_ASN1_UNIVERSAL || (t->tag != V_ASN1_UTCTIME && t->tag != V_ASN1_GENERALIZEDTIME))
		return false;
	at = d2i_ASN1_TIME(NULL, &p, (long)t->total);
	if (!at || !ASN1_TIME_to_tm(at, &tm)) {
		ASN1_TIME_free(at);
		return false;
	}
	ASN1_TIME_free(at);
	*ret = timegm(&tm);
	return true;
}

static int parse_authattrs(struct ipe_p7 *p7, struct ipe_p7_signer *s, const struct ipe_tlv *set,
			   const char **why, char *whybuf, size_t whylen)
{
	struct ipe_cur c = ipe_der_inside(set);
	bool ct = false, md = false, stime = false, caps = false, opus = false, stmt = false;
	bool indirect = strcmp(p7->content_oid, OID_MS_INDIRECT) == 0;

	while (c.p < c.end) {
		struct ipe_tlv attr, vals, v;
		struct ipe_cur a, vc;
		char oid[80];
		const char *nm;

		if (ipe_der_next(&c, &attr) || !is(&attr, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true))
			FAIL(EBADMSG, "malformed signed attribute");
		a = ipe_der_inside(&attr);
		if (read_oid(&a, oid, sizeof(oid)) || ipe_der_next(&a, &vals) ||
		    !is(&vals, V_ASN1_UNIVERSAL, V_ASN1_SET, true) || a.p != a.end)
			FAIL(EBADMSG, "malformed signed attribute");
		s->nattrs++;
		nm = !strcmp(oid, OID_CONTENT_TYPE) ? "contentType" :
		     !strcmp(oid, OID_MESSAGE_DIGEST) ? "messageDigest" :
		     !strcmp(oid, OID_SIGNING_TIME) ? "signingTime" :
		     !strcmp(oid, OID_SMIME_CAPS) ? "smimeCapabilities" : oid;
		if (strlen(s->attr_names) + strlen(nm) + 3 < sizeof(s->attr_names)) {
			if (s->attr_names[0])
				strcat(s->attr_names, ", ");
			strcat(s->attr_names, nm);
		}
		vc = ipe_der_inside(&vals);
		while (vc.p < vc.end) {
			if (ipe_der_next(&vc, &v))
				FAIL(EBADMSG, "malformed signed attribute value");
			if (!strcmp(oid, OID_CONTENT_TYPE)) {
				char vo[80];

				if (ct)
					goto repeated;
				ct = true;
				if (!is(&v, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false))
					FAIL(EBADMSG, "contentType attribute is not an OID");
				ipe_der_oid_text(v.val, v.len, vo, sizeof(vo));
				if (strcmp(vo, p7->content_oid))
					FAIL(EBADMSG, "contentType attribute %s differs from the content type %s", vo,
					     p7->content_oid);
			} else if (!strcmp(oid, OID_SIGNING_TIME)) {
				if (stime)
					goto repeated;
				stime = true;
				if (!time_decode(&v, &s->signing_time))
					FAIL(EBADMSG, "signingTime attribute is not a valid time");
				s->has_signing_time = true;
			} else if (!strcmp(oid, OID_MESSAGE_DIGEST)) {
				if (md)
					goto repeated;
				md = true;
				if (!is(&v, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false))
					FAIL(EBADMSG, "messageDigest attribute is not an OCTET STRING");
				s->msgdigest = v.val;
				s->msgdigest_len = v.len;
			} else if (!strcmp(oid, OID_SMIME_CAPS)) {
				if (caps)
					goto repeated;
				caps = true;
				if (!indirect)
					FAIL(EKEYREJECTED,
					     "signed attributes include S/MIME capabilities (the kernel allows them only for Authenticode); sign with -noattr or -nosmimecap");
			} else if (!strcmp(oid, OID_MS_OPUS) || !strcmp(oid, OID_MS_STMT)) {
				bool *seen = !strcmp(oid, OID_MS_OPUS) ? &opus : &stmt;

				if (*seen)
					goto repeated;
				*seen = true;
				if (!indirect)
					FAIL(EKEYREJECTED, "Authenticode attribute %s outside Authenticode", oid);
			}
		}
	}
	if (!ct || !md)
		FAIL(EBADMSG, "signed attributes lack %s", !ct ? "contentType" : "messageDigest");
	if (!indirect && opus)
		FAIL(EBADMSG, "unexpected Authenticode attribute");
	s->authattrs = true;
	s->aa_hdr = set->start;
	s->aa_hdrlen = (size_t)(set->val - set->start);
	s->aa = set->val;
	s->aa_len = set->len;
	return 0;
repeated:
	FAIL(EKEYREJECTED, "a signed attribute is repeated or has several values");
}

static int parse_signer(struct ipe_p7 *p7, const struct ipe_tlv *si, struct ipe_p7_signer *s,
			const char **why, char *whybuf, size_t whylen)
{
	struct ipe_cur c = ipe_der_inside(si);
	struct ipe_tlv t;
	int rc;

	if (ipe_der_next(&c, &t) || !is(&t, V_ASN1_UNIVERSAL, V_ASN1_INTEGER, false))
		FAIL(EBADMSG, "SignerInfo: no version");
	if (t.len != 1 || (t.val[0] != 1 && t.val[0] != 3))
		FAIL(EINVAL, "unsupported SignerInfo version");
	s->version = t.val[0];
	if (s->version == 1 && p7->version != 1)
		FAIL(EBADMSG, "SignedData/SignerInfo version mismatch");
	if (s->version == 3 && p7->version == 1)
		FAIL(EBADMSG, "SignedData/SignerInfo version mismatch");
	s->by_skid = s->version == 3;
	/* sid */
	if (ipe_der_next(&c, &t))
		FAIL(EBADMSG, "SignerInfo: no signer identifier");
	if (is(&t, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true)) {
		struct ipe_cur in = ipe_der_inside(&t);
		struct ipe_tlv nm, sn;

		if (ipe_der_next(&in, &nm) || !is(&nm, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true) ||
		    ipe_der_next(&in, &sn) || !is(&sn, V_ASN1_UNIVERSAL, V_ASN1_INTEGER, false) ||
		    in.p != in.end)
			FAIL(EBADMSG, "SignerInfo: malformed issuerAndSerialNumber");
		s->issuer = nm.val;
		s->issuer_len = nm.len;
		s->serial = sn.val;
		s->serial_len = sn.len;
	} else if (t.cls == V_ASN1_CONTEXT_SPECIFIC && t.tag == 0 && !t.cons) {
		s->skid = t.val;
		s->skid_len = t.len;
	} else {
		FAIL(EBADMSG, "SignerInfo: malformed signer identifier");
	}
	/* digestAlgorithm */
	if (read_algid(&c, s->digest_oid, sizeof(s->digest_oid)))
		FAIL(EBADMSG, "SignerInfo: malformed digestAlgorithm");
	for (size_t i = 0; i < sizeof(digest_oids) / sizeof(digest_oids[0]); i++)
		if (!strcmp(s->digest_oid, digest_oids[i].oid))
			s->digest_name = digest_oids[i].name;
	if (!s->digest_name)
		FAIL(ENOPKG, "digest algorithm %s is not supported by the kernel", s->digest_oid);
	/* authenticatedAttributes */
	if (ipe_der_peek(&c, V_ASN1_CONTEXT_SPECIFIC, 0)) {
		ipe_der_next(&c, &t);
		if (!t.cons)
			FAIL(EBADMSG, "SignerInfo: malformed signed attributes");
		rc = parse_authattrs(p7, s, &t, why, whybuf, whylen);
		if (rc)
			return rc;
	} else if (ipe_der_peek(&c, V_ASN1_CONTEXT_SPECIFIC, 2)) {
		ipe_der_next(&c, &t);
	}
	/* digestEncryptionAlgorithm */
	if (read_algid(&c, s->sig_oid, sizeof(s->sig_oid)))
		FAIL(EBADMSG, "SignerInfo: malformed signatureAlgorithm");
	rc = ENOPKG;
	for (size_t i = 0; i < sizeof(pkey_oids) / sizeof(pkey_oids[0]); i++)
		if (!strcmp(s->sig_oid, pkey_oids[i]))
			rc = 0;
	if (rc)
		FAIL(ENOPKG, "signature algorithm %s is not supported by the kernel (%s)", s->sig_oid,
		     !strcmp(s->sig_oid, "1.2.840.113549.1.1.10") ? "RSA-PSS" : "only RSA PKCS#1 v1.5 and ECDSA");
	if (ipe_der_next(&c, &t) || !is(&t, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false))
		FAIL(EBADMSG, "SignerInfo: malformed signature");
	s->sig = t.val;
	s->sig_len = t.len;
	if (c.p < c.end) {
		if (ipe_der_next(&c, &t) || t.cls != V_ASN1_CONTEXT_SPECIFIC || (t.tag != 1 && t.tag != 3))
			FAIL(EBADMSG, "SignerInfo: unexpected data after the signature");
	}
	if (c.p != c.end)
		FAIL(EBADMSG, "SignerInfo: unexpected trailing data");
	if (!strcmp(p7->content_oid, OID_MS_INDIRECT) && !s->authattrs)
		FAIL(EBADMSG, "Authenticode requires signed attributes");
	return 0;
}

void ipe_p7_release(struct ipe_p7 *p7)
{
	if (!p7)
		return;
	for (size_t i = 0; i < p7->ncerts; i++)
		X509_free(p7->certs[i].x509);
	free(p7->certs);
	free(p7->signers);
	memset(p7, 0, sizeof(*p7));
}

static bool any_indef(const uint8_t *p, const uint8_t *end, int depth)
{
	struct ipe_cur c = { p, end };
	struct ipe_tlv t;

	if (depth > 40)
		return false;
	while (c.p < c.end) {
		if (ipe_der_next(&c, &t))
			return false;
		if (t.indef)
			return true;
		if (t.cons && any_indef(t.val, t.val + t.len, depth + 1))
			return true;
	}
	return false;
}

int ipe_p7_parse(const uint8_t *blob, size_t len, struct ipe_p7 *p7, const char **why,
		 char *whybuf, size_t whylen)
{
	struct ipe_cur top = { blob, blob + len }, c, sd;
	struct ipe_tlv t, sdt;
	char oid[80];
	int rc;

	memset(p7, 0, sizeof(*p7));
	if (len > IPE_SIGN_MAX_BLOB)
		FAIL(EMSGSIZE, "the blob is %zu bytes, %zu over the kernel ASN.1 decoder's 65,535-byte limit", len,
		     len - IPE_SIGN_MAX_BLOB);
	if (len >= 5 && !memcmp(blob, "-----", 5))
		FAIL(EBADMSG, "the blob is PEM text; the kernel wants DER (openssl cms ... -outform DER)");
	if (ipe_der_next(&top, &t) || !is(&t, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true))
		FAIL(EBADMSG, "not a DER/BER encoded PKCS#7 ContentInfo");
	p7->total_len = t.total;
	p7->indefinite = t.indef || any_indef(t.val, t.val + t.len, 0);
	c = ipe_der_inside(&t);
	if (read_oid(&c, oid, sizeof(oid)))
		FAIL(EBADMSG, "ContentInfo: no content type");
	if (strcmp(oid, OID_SIGNED_DATA))
		FAIL(EINVAL, "content type %s is not signedData", oid);
	if (c.p == c.end)
		FAIL(EINVAL, "ContentInfo without SignedData (no signers)");
	if (ipe_der_next(&c, &t) || t.cls != V_ASN1_CONTEXT_SPECIFIC || t.tag != 0 || !t.cons || c.p != c.end)
		FAIL(EBADMSG, "ContentInfo: malformed content");
	sd = ipe_der_inside(&t);
	if (ipe_der_next(&sd, &sdt) || !is(&sdt, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true) || sd.p != sd.end)
		FAIL(EBADMSG, "malformed SignedData");
	c = ipe_der_inside(&sdt);
	/* version */
	if (ipe_der_next(&c, &t) || !is(&t, V_ASN1_UNIVERSAL, V_ASN1_INTEGER, false))
		FAIL(EBADMSG, "SignedData: no version");
	if (t.len != 1 || (t.val[0] != 1 && t.val[0] != 3))
		FAIL(EINVAL, "unsupported SignedData version");
	p7->version = t.val[0];
	/* digestAlgorithms */
	if (ipe_der_next(&c, &t) || t.cls != V_ASN1_UNIVERSAL || !t.cons ||
	    (t.tag != V_ASN1_SET && t.tag != V_ASN1_SEQUENCE))
		FAIL(EBADMSG, "SignedData: malformed digestAlgorithms");
	{
		struct ipe_cur d = ipe_der_inside(&t);

		while (d.p < d.end)
			if (read_algid(&d, oid, sizeof(oid)))
				FAIL(EBADMSG, "SignedData: malformed digestAlgorithms");
	}
	/* encapContentInfo */
	if (ipe_der_next(&c, &t) || !is(&t, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true))
		FAIL(EBADMSG, "SignedData: malformed content info");
	{
		struct ipe_cur e = ipe_der_inside(&t);
		struct ipe_tlv x, d;

		if (read_oid(&e, p7->content_oid, sizeof(p7->content_oid)))
			FAIL(EBADMSG, "SignedData: no content type");
		if (e.p < e.end) {
			struct ipe_cur xi;

			if (ipe_der_next(&e, &x) || x.cls != V_ASN1_CONTEXT_SPECIFIC || x.tag != 0 || !x.cons ||
			    e.p != e.end)
				FAIL(EBADMSG, "SignedData: malformed content");
			xi = ipe_der_inside(&x);
			if (ipe_der_next(&xi, &d) || xi.p != xi.end)
				FAIL(EBADMSG, "SignedData: malformed content");
			p7->has_data = true;
			p7->data = d.val;
			p7->data_len = d.len;
			p7->data_clean = is(&d, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false) && !d.indef &&
					 !x.indef && !t.indef;
		}
		if (strcmp(p7->content_oid, OID_DATA) && strcmp(p7->content_oid, OID_MS_INDIRECT))
			FAIL(EINVAL, "unsupported content type %s (the kernel wants id-data)", p7->content_oid);
	}
	/* certificates */
	if (ipe_der_peek(&c, V_ASN1_CONTEXT_SPECIFIC, 0) || ipe_der_peek(&c, V_ASN1_CONTEXT_SPECIFIC, 2)) {
		struct ipe_cur cc;

		ipe_der_next(&c, &t);
		cc = ipe_der_inside(&t);
		while (cc.p < cc.end) {
			struct ipe_tlv ct;
			const unsigned char *q;
			struct ipe_p7_cert *n;
			X509 *x;

			if (ipe_der_next(&cc, &ct))
				FAIL(EBADMSG, "malformed certificate list");
			if (!is(&ct, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true))
				FAIL(EBADMSG, "an embedded certificate is not an X.509 SEQUENCE");
			q = ct.start;
			x = d2i_X509(NULL, &q, (long)ct.total);
			if (!x) {
				FAIL(EBADMSG, "embedded certificate %zu cannot be parsed", p7->ncerts + 1);
			}
			n = realloc(p7->certs, (p7->ncerts + 1) * sizeof(*n));
			if (!n) {
				X509_free(x);
				return -ENOMEM;
			}
			p7->certs = n;
			n[p7->ncerts].x509 = x;
			n[p7->ncerts].der = ct.start;
			n[p7->ncerts].der_len = ct.total;
			p7->ncerts++;
		}
	}
	/* crls */
	if (ipe_der_peek(&c, V_ASN1_CONTEXT_SPECIFIC, 1) || ipe_der_peek(&c, V_ASN1_CONTEXT_SPECIFIC, 3))
		ipe_der_next(&c, &t);
	/* signerInfos */
	if (ipe_der_next(&c, &t) || t.cls != V_ASN1_UNIVERSAL || !t.cons ||
	    (t.tag != V_ASN1_SET && t.tag != V_ASN1_SEQUENCE) || c.p != c.end)
		FAIL(EBADMSG, "SignedData: malformed signerInfos");
	{
		struct ipe_cur sc = ipe_der_inside(&t);

		while (sc.p < sc.end) {
			struct ipe_tlv st;
			struct ipe_p7_signer *n;

			if (ipe_der_next(&sc, &st) || !is(&st, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true))
				FAIL(EBADMSG, "malformed SignerInfo");
			n = realloc(p7->signers, (p7->nsigners + 1) * sizeof(*n));
			if (!n)
				return -ENOMEM;
			p7->signers = n;
			memset(&n[p7->nsigners], 0, sizeof(*n));
			p7->nsigners++;
			rc = parse_signer(p7, &st, &n[p7->nsigners - 1], why, whybuf, whylen);
			if (rc)
				return rc;
		}
	}
	if (p7->nsigners == 0)
		FAIL(EINVAL, "no signers");
	for (size_t i = 1; i < p7->nsigners; i++)
		if (p7->signers[i].authattrs != p7->signers[0].authattrs)
			FAIL(EINVAL, "signed attributes present for some signers only");
	return 0;
}
