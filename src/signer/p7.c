/* SPDX-License-Identifier: MIT */
/*
 * The kernel's view of a PKCS#7/CMS blob: walk the encoding in the order of
 * the kernel's PKCS#7 grammar (crypto/asymmetric_keys/pkcs7.asn1) and report
 * the errno its parser returns, at the first problem in document order:
 * structural ones are -EBADMSG (the ASN.1 decoder), the others come from the
 * checks the parser makes on each element as it meets it (versions, OIDs,
 * signed attributes, and each embedded certificate, parsed and, when
 * self-signed, verified right where it appears; see kx509.c).  Written from
 * the grammar, RFC 5652 and observed behaviour (IPE-KERNEL.md section 3).
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

#define SEQ(t) ipe_kd_cons((t), V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE)
#define SETorSEQ(t) (SEQ(t) || ipe_kd_cons((t), V_ASN1_UNIVERSAL, V_ASN1_SET))
#define PRIM(t, tag) ipe_kd_prim((t), V_ASN1_UNIVERSAL, (tag))

/* pkcs7_sig_note_authenticated_attr() for one value of one attribute */
static int authattr_value(struct ipe_p7 *p7, struct ipe_p7_signer *s, const char *oid, const struct ipe_tlv *v,
			  unsigned *seen, const char **why, char *whybuf, size_t whylen)
{
	enum { CT = 1, ST = 2, MD = 4, CAPS = 8, OPUS = 16, STMT = 32 };
	unsigned bit = !strcmp(oid, OID_CONTENT_TYPE) ? CT : !strcmp(oid, OID_SIGNING_TIME) ? ST :
		       !strcmp(oid, OID_MESSAGE_DIGEST) ? MD : !strcmp(oid, OID_SMIME_CAPS) ? CAPS :
		       !strcmp(oid, OID_MS_OPUS) ? OPUS : !strcmp(oid, OID_MS_STMT) ? STMT : 0;
	char vo[80];
	int64_t tm;

	if (!bit)
		return 0;
	if (*seen & bit)
		FAIL(EKEYREJECTED, "a signed attribute is repeated or has several values (the kernel allows one)");
	*seen |= bit;
	switch (bit) {
	case CT:
		ipe_der_oid_text(v->val, v->len, vo, sizeof(vo));
		if (strcmp(vo, p7->content_oid))
			FAIL(EBADMSG, "the contentType attribute (%s) differs from the content type %s", vo,
			     p7->content_oid);
		return 0;
	case ST:
		if (ipe_kd_time(v, &tm))
			FAIL(EBADMSG, "the signingTime attribute is not a time the kernel accepts");
		s->signing_time = (time_t)tm;
		s->has_signing_time = true;
		return 0;
	case MD:
		if (v->start[0] != 0x04)
			FAIL(EBADMSG, "the messageDigest attribute is not an OCTET STRING");
		s->msgdigest = v->val;
		s->msgdigest_len = v->len;
		return 0;
	case CAPS:
		if (!p7->indirect)
			FAIL(EKEYREJECTED,
			     "signed attributes include S/MIME capabilities (the kernel allows them only for Authenticode); sign with -noattr or -nosmimecap");
		return 0;
	default:
		if (!p7->indirect)
			FAIL(EKEYREJECTED, "Authenticode attribute %s outside Authenticode", oid);
		return 0;
	}
}

/* SET OF / SEQUENCE OF AuthenticatedAttribute (none empty) */
static int authattrs(struct ipe_p7 *p7, struct ipe_p7_signer *s, struct ipe_cur *c, unsigned *seen,
		     const char **why, char *whybuf, size_t whylen)
{
	do {
		struct ipe_tlv attr, o, vals;
		struct ipe_cur a, vc;
		char oid[80];
		const char *nm;
		int rc;

		if (ipe_kd_next(c, &attr) || !SEQ(&attr))
			FAIL(EBADMSG, "malformed signed attribute");
		a = ipe_der_inside(&attr);
		if (ipe_kd_next(&a, &o) || !PRIM(&o, V_ASN1_OBJECT))
			FAIL(EBADMSG, "malformed signed attribute");
		ipe_der_oid_text(o.val, o.len, oid, sizeof(oid));
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
		if (ipe_kd_next(&a, &vals) || !ipe_kd_cons(&vals, V_ASN1_UNIVERSAL, V_ASN1_SET))
			FAIL(EBADMSG, "malformed signed attribute values");
		vc = ipe_der_inside(&vals);
		do {
			struct ipe_tlv v;

			if (ipe_kd_next(&vc, &v))
				FAIL(EBADMSG, "malformed signed attribute value");
			rc = authattr_value(p7, s, oid, &v, seen, why, whybuf, whylen);
			if (rc)
				return rc;
		} while (vc.p < vc.end);
		if (a.p != a.end)
			FAIL(EBADMSG, "malformed signed attribute");
	} while (c->p < c->end);
	return 0;
}

/* unauthenticatedAttributes: SEQUENCE { OID, SET OF ANY } elements */
static int unauthattrs(struct ipe_cur *c)
{
	do {
		struct ipe_tlv attr, o, vals, v;
		struct ipe_cur a, vc;

		if (ipe_kd_next(c, &attr) || !SEQ(&attr))
			return -EBADMSG;
		a = ipe_der_inside(&attr);
		if (ipe_kd_next(&a, &o) || !PRIM(&o, V_ASN1_OBJECT) || ipe_kd_next(&a, &vals) ||
		    !ipe_kd_cons(&vals, V_ASN1_UNIVERSAL, V_ASN1_SET) || a.p != a.end)
			return -EBADMSG;
		vc = ipe_der_inside(&vals);
		do {
			if (ipe_kd_next(&vc, &v))
				return -EBADMSG;
		} while (vc.p < vc.end);
	} while (c->p < c->end);
	return 0;
}

static int parse_signer(struct ipe_p7 *p7, const struct ipe_tlv *si, struct ipe_p7_signer *s,
			const char **why, char *whybuf, size_t whylen)
{
	struct ipe_cur c = ipe_der_inside(si);
	struct ipe_tlv t, params;
	unsigned seen = 0;
	int rc, b;

	/* version */
	if (ipe_kd_next(&c, &t) || !PRIM(&t, V_ASN1_INTEGER))
		FAIL(EBADMSG, "SignerInfo: no version");
	if (t.len != 1 || (t.val[0] != 1 && t.val[0] != 3))
		FAIL(EINVAL, "unsupported SignerInfo version");
	s->version = t.val[0];
	if ((s->version == 1 && p7->version != 1) || (s->version == 3 && p7->version == 1))
		FAIL(EBADMSG, "SignedData/SignerInfo version mismatch");
	s->by_skid = s->version == 3;
	/* sid: issuerAndSerialNumber SEQUENCE, or [0] IMPLICIT OCTET STRING */
	b = ipe_kd_peek(&c);
	if (ipe_kd_next(&c, &t))
		FAIL(EBADMSG, "SignerInfo: no signer identifier");
	if ((b & ~0x20) == 0x10) {
		struct ipe_cur in = ipe_der_inside(&t);
		struct ipe_tlv nm, sn;

		if (ipe_kd_name(&in, &nm) || ipe_kd_next(&in, &sn) || !PRIM(&sn, V_ASN1_INTEGER) || in.p != in.end)
			FAIL(EBADMSG, "SignerInfo: malformed issuerAndSerialNumber");
		s->issuer = nm.val;
		s->issuer_len = nm.len;
		s->serial = sn.val;
		s->serial_len = sn.len;
	} else if (b == 0x80) {
		s->skid = t.val;
		s->skid_len = t.len;
	} else {
		FAIL(EBADMSG, "SignerInfo: malformed signer identifier");
	}
	/* digestAlgorithm */
	if (ipe_kd_algid(&c, s->digest_oid, sizeof(s->digest_oid), &params))
		FAIL(EBADMSG, "SignerInfo: malformed digestAlgorithm");
	for (size_t i = 0; i < sizeof(digest_oids) / sizeof(digest_oids[0]); i++)
		if (!strcmp(s->digest_oid, digest_oids[i].oid))
			s->digest_name = digest_oids[i].name;
	if (!s->digest_name)
		FAIL(ENOPKG, "digest algorithm %s is not supported by the kernel", s->digest_oid);
	/* authenticatedAttributes: [0] IMPLICIT SET OF, or [2] EXPLICIT SEQUENCE OF */
	b = ipe_kd_peek(&c);
	if (b >= 0 && ((b & ~0x20) == 0x80 || (b & ~0x20) == 0x82)) {
		struct ipe_cur ac;

		if (ipe_kd_next(&c, &t))
			FAIL(EBADMSG, "SignerInfo: malformed signed attributes");
		ac = ipe_der_inside(&t);
		if ((b & ~0x20) == 0x80) {
			rc = authattrs(p7, s, &ac, &seen, why, whybuf, whylen);
			if (rc)
				return rc;
			/* pkcs7_sig_note_set_of_authattrs() */
			if (!(seen & 1) || !(seen & 4))
				FAIL(EBADMSG, "signed attributes lack %s", !(seen & 1) ? "contentType" : "messageDigest");
			if (!p7->indirect && (seen & 16))
				FAIL(EBADMSG, "unexpected Authenticode attribute");
			s->authattrs = true;
			s->aa_hdr = t.start;
			s->aa_hdrlen = (size_t)(t.val - t.start);
			s->aa = t.val;
			s->aa_len = t.len;
		} else {
			/* [2] EXPLICIT: the attributes are checked but not digested */
			struct ipe_tlv sq;
			struct ipe_cur sc;

			if (ipe_kd_next(&ac, &sq) || !SEQ(&sq))
				FAIL(EBADMSG, "SignerInfo: malformed signed attributes");
			sc = ipe_der_inside(&sq);
			rc = authattrs(p7, s, &sc, &seen, why, whybuf, whylen);
			if (rc)
				return rc;
			if (ac.p != ac.end)
				FAIL(EBADMSG, "SignerInfo: malformed signed attributes");
		}
	}
	/* digestEncryptionAlgorithm */
	if (ipe_kd_algid(&c, s->sig_oid, sizeof(s->sig_oid), &params))
		FAIL(EBADMSG, "SignerInfo: malformed signatureAlgorithm");
	/* pkcs7_sig_note_pkey_algo(): rsaEncryption, ecdsa-with-*, GOST */
	for (size_t i = 0; i < sizeof(pkey_oids) / sizeof(pkey_oids[0]) && !s->pkey; i++)
		if (!strcmp(s->sig_oid, pkey_oids[i]))
			s->pkey = i == 0 ? "rsa" : "ecdsa";
	if (!s->pkey && (!strcmp(s->sig_oid, "1.2.643.7.1.1.1.1") || !strcmp(s->sig_oid, "1.2.643.7.1.1.1.2")))
		s->pkey = "ecrdsa";
	if (!s->pkey)
		FAIL(ENOPKG, "signature algorithm %s is not supported by the kernel (%s)", s->sig_oid,
		     !strcmp(s->sig_oid, "1.2.840.113549.1.1.10") ? "RSA-PSS" : "only RSA PKCS#1 v1.5 and ECDSA");
	/* encryptedDigest */
	if (ipe_kd_next(&c, &t) || !PRIM(&t, V_ASN1_OCTET_STRING))
		FAIL(EBADMSG, "SignerInfo: malformed signature");
	s->sig = t.val;
	s->sig_len = t.len;
	/* unauthenticatedAttributes: [1] IMPLICIT SET OF, or [3] EXPLICIT SEQUENCE OF */
	b = ipe_kd_peek(&c);
	if (b >= 0 && ((b & ~0x20) == 0x81 || (b & ~0x20) == 0x83)) {
		struct ipe_cur uc;

		if (ipe_kd_next(&c, &t))
			FAIL(EBADMSG, "SignerInfo: malformed unsigned attributes");
		uc = ipe_der_inside(&t);
		if ((b & ~0x20) == 0x83) {
			struct ipe_tlv sq;

			if (ipe_kd_next(&uc, &sq) || !SEQ(&sq) || uc.p != uc.end)
				FAIL(EBADMSG, "SignerInfo: malformed unsigned attributes");
			uc = ipe_der_inside(&sq);
		}
		if (unauthattrs(&uc))
			FAIL(EBADMSG, "SignerInfo: malformed unsigned attributes");
	}
	if (c.p != c.end)
		FAIL(EBADMSG, "SignerInfo: unexpected data after the signature");
	/* pkcs7_note_signed_info() */
	if (p7->indirect && !s->authattrs)
		FAIL(EBADMSG, "Authenticode requires signed attributes");
	return 0;
}

void ipe_p7_release(struct ipe_p7 *p7)
{
	if (!p7)
		return;
	for (size_t i = 0; i < p7->ncerts; i++) {
		X509_free(p7->certs[i].x509);
		ipe_kx509_release(&p7->certs[i].k);
	}
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

/* pkcs7_extract_cert(): one element of the certificate list.  keep: add it
 * to p7->certs (certificates), or only check it (the CRL lists, whose
 * entries the grammar also hands to the certificate parser). */
static int extract_cert(struct ipe_p7 *p7, struct ipe_cur *cc, bool keep, const char **why, char *whybuf,
			size_t whylen)
{
	struct ipe_tlv ct;
	struct ipe_p7_cert *n;
	struct ipe_kx509 k;
	const unsigned char *q;
	int rc;

	if (ipe_kd_next(cc, &ct))
		FAIL(EBADMSG, "malformed certificate list");
	if (ct.start[0] != 0x30)
		FAIL(EBADMSG, "embedded certificate %zu is not an X.509 SEQUENCE", p7->ncerts + 1);
	rc = ipe_kx509_parse(ct.start, ct.total, &k);
	if (rc) {
		if (rc > 0)
			snprintf(whybuf, whylen, "embedded certificate %zu: %s", p7->ncerts + 1, k.why);
		*why = whybuf;
		ipe_kx509_release(&k);
		return rc;
	}
	if (!keep) {
		ipe_kx509_release(&k);
		return 0;
	}
	n = realloc(p7->certs, (p7->ncerts + 1) * sizeof(*n));
	if (!n) {
		ipe_kx509_release(&k);
		return -ENOMEM;
	}
	p7->certs = n;
	n += p7->ncerts;
	memset(n, 0, sizeof(*n));
	n->k = k;
	n->der = ct.start;
	n->der_len = ct.total;
	q = ct.start;
	n->x509 = d2i_X509(NULL, &q, (long)ct.total);
	p7->ncerts++;
	return 0;
}

static int parse(const uint8_t *blob, size_t len, struct ipe_p7 *p7, const char **why, char *whybuf,
		 size_t whylen)
{
	struct ipe_cur top = { blob, blob + len }, ci, sd, c;
	struct ipe_tlv t, x, params;
	char oid[80];
	int rc, b;

	memset(p7, 0, sizeof(*p7));
	if (len > IPE_SIGN_MAX_BLOB)
		FAIL(EMSGSIZE, "the blob is %zu bytes, %zu over the kernel ASN.1 decoder's 65,535-byte limit", len,
		     len - IPE_SIGN_MAX_BLOB);
	if (len >= 5 && !memcmp(blob, "-----", 5))
		FAIL(EBADMSG, "the blob is PEM text; the kernel wants DER (openssl cms ... -outform DER)");
	if (ipe_kd_next(&top, &t) || !SEQ(&t))
		FAIL(EBADMSG, "not a DER/BER encoded PKCS#7 ContentInfo");
	p7->total_len = t.total;
	p7->indefinite = t.indef || any_indef(t.val, t.val + t.len, 0);
	ci = ipe_der_inside(&t);
	if (ipe_kd_next(&ci, &t) || !PRIM(&t, V_ASN1_OBJECT))
		FAIL(EBADMSG, "ContentInfo: no content type");
	ipe_der_oid_text(t.val, t.len, oid, sizeof(oid));
	if (strcmp(oid, OID_SIGNED_DATA))
		FAIL(EINVAL, "content type %s is not signedData", oid);
	if (ci.p == ci.end)
		FAIL(EINVAL, "ContentInfo without SignedData (no signers)");
	if (ipe_kd_next(&ci, &x) || !ipe_kd_cons(&x, V_ASN1_CONTEXT_SPECIFIC, 0))
		FAIL(EBADMSG, "ContentInfo: malformed content");
	sd = ipe_der_inside(&x);
	if (ipe_kd_next(&sd, &t) || !SEQ(&t))
		FAIL(EBADMSG, "malformed SignedData");
	c = ipe_der_inside(&t);
	/* version */
	if (ipe_kd_next(&c, &t) || !PRIM(&t, V_ASN1_INTEGER))
		FAIL(EBADMSG, "SignedData: no version");
	if (t.len != 1 || (t.val[0] != 1 && t.val[0] != 3))
		FAIL(EINVAL, "unsupported SignedData version");
	p7->version = t.val[0];
	/* digestAlgorithms: SET OF or SEQUENCE OF, not empty */
	if (ipe_kd_next(&c, &t) || !SETorSEQ(&t))
		FAIL(EBADMSG, "SignedData: malformed digestAlgorithms");
	{
		struct ipe_cur d = ipe_der_inside(&t);

		do {
			if (ipe_kd_algid(&d, oid, sizeof(oid), &params))
				FAIL(EBADMSG, "SignedData: malformed digestAlgorithms");
		} while (d.p < d.end);
	}
	/* contentInfo ::= SEQUENCE { OID, [0] EXPLICIT ANY OPTIONAL } */
	if (ipe_kd_next(&c, &t) || !SEQ(&t))
		FAIL(EBADMSG, "SignedData: malformed content info");
	{
		struct ipe_cur e = ipe_der_inside(&t);
		struct ipe_tlv ex, d;

		if (ipe_kd_next(&e, &ex) || !PRIM(&ex, V_ASN1_OBJECT))
			FAIL(EBADMSG, "SignedData: no content type");
		ipe_der_oid_text(ex.val, ex.len, p7->content_oid, sizeof(p7->content_oid));
		if (ipe_kd_peek_is(&e, 0xa0, true)) {
			struct ipe_cur xi;

			if (ipe_kd_next(&e, &ex))
				FAIL(EBADMSG, "SignedData: malformed content");
			xi = ipe_der_inside(&ex);
			if (ipe_kd_next(&xi, &d))
				FAIL(EBADMSG, "SignedData: malformed content");
			p7->has_data = true;
			p7->data = d.val;
			p7->data_len = d.len;
			p7->data_clean = d.start[0] == 0x04 && !d.indef && !ex.indef && !t.indef;
			if (xi.p != xi.end)
				FAIL(EBADMSG, "SignedData: malformed content");
		}
		if (e.p != e.end)
			FAIL(EBADMSG, "SignedData: malformed content info");
		/* pkcs7_note_content() */
		if (strcmp(p7->content_oid, OID_DATA) && strcmp(p7->content_oid, OID_MS_INDIRECT))
			FAIL(EINVAL, "unsupported content type %s (the kernel wants id-data)", p7->content_oid);
		p7->indirect = !strcmp(p7->content_oid, OID_MS_INDIRECT);
	}
	/* certificates: [0] IMPLICIT SET OF, or [2] IMPLICIT SEQUENCE OF; each parsed here */
	b = ipe_kd_peek(&c);
	if (b >= 0 && ((b & ~0x20) == 0x80 || (b & ~0x20) == 0x82)) {
		struct ipe_cur cc;

		if (ipe_kd_next(&c, &t))
			FAIL(EBADMSG, "malformed certificate list");
		cc = ipe_der_inside(&t);
		do {
			rc = extract_cert(p7, &cc, true, why, whybuf, whylen);
			if (rc)
				return rc;
		} while (cc.p < cc.end);
	}
	/* crls: [1] IMPLICIT SET OF, or [3] IMPLICIT SEQUENCE OF, of SEQUENCE OF certificates */
	b = ipe_kd_peek(&c);
	if (b >= 0 && ((b & ~0x20) == 0x81 || (b & ~0x20) == 0x83)) {
		struct ipe_cur rc_ = { NULL, NULL };

		if (ipe_kd_next(&c, &t))
			FAIL(EBADMSG, "malformed CRL list");
		rc_ = ipe_der_inside(&t);
		do {
			struct ipe_tlv l;
			struct ipe_cur lc;

			if (ipe_kd_next(&rc_, &l) || !SEQ(&l))
				FAIL(EBADMSG, "malformed CRL list");
			lc = ipe_der_inside(&l);
			do {
				rc = extract_cert(p7, &lc, false, why, whybuf, whylen);
				if (rc)
					return rc;
			} while (lc.p < lc.end);
		} while (rc_.p < rc_.end);
	}
	/* signerInfos: SET OF or SEQUENCE OF, not empty */
	if (ipe_kd_next(&c, &t) || !SETorSEQ(&t))
		FAIL(EBADMSG, "SignedData: malformed signerInfos");
	{
		struct ipe_cur sc = ipe_der_inside(&t);

		do {
			struct ipe_tlv st;
			struct ipe_p7_signer *n;

			if (ipe_kd_next(&sc, &st) || !SEQ(&st))
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
		} while (sc.p < sc.end);
	}
	if (c.p != c.end)
		FAIL(EBADMSG, "SignedData: unexpected data after the signer infos");
	if (sd.p != sd.end)
		FAIL(EBADMSG, "ContentInfo: unexpected data after SignedData");
	if (ci.p != ci.end)
		FAIL(EBADMSG, "ContentInfo: unexpected data after the content");
	/* pkcs7_check_authattrs() */
	for (size_t i = 1; i < p7->nsigners; i++)
		if (p7->signers[i].authattrs != p7->signers[0].authattrs)
			FAIL(EINVAL, "signed attributes present for some signers only");
	return 0;
}

int ipe_p7_parse(const uint8_t *blob, size_t len, struct ipe_p7 *p7, const char **why, char *whybuf,
		 size_t whylen)
{
	int rc;

	ERR_set_mark();
	rc = parse(blob, len, p7, why, whybuf, whylen);
	ERR_pop_to_mark();
	return rc;
}
