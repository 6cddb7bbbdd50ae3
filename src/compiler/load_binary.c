/* SPDX-License-Identifier: MIT */
/*
 * The binary form of a policy: decoder (ipe-binary(5)).
 *
 * Hostile input is the normal case here: the checksum is checked first,
 * then every offset, length, count and value before it is used, with 64-bit
 * arithmetic that cannot overflow (every count is first bounded by the bytes
 * that would hold it).  The stored digest index is validated in place
 * (check_index()): it must be exactly the canonical one, byte for byte,
 * without a second table being built to compare it with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <ipe/binary.h>
#include <ipe/compile.h>
#include <ipe/io.h>
#include <ipe/policy.h>

#include "binary_format.h"
#include "model.h"
#include "util/internal.h"

struct dec {
	struct ipe_ctx *ctx;
	const uint8_t *d;
	size_t len;
	struct {
		uint64_t off, len;
		bool seen;
	} sec[IPEB_NSECTIONS + 1];
};

__attribute__((format(printf, 5, 6))) static int fail(struct dec *x, const char *code, const char *hint, int err,
							const char *fmt, ...)
{
	static const struct ipe_loc noloc = { .src = IPE_SRC_NONE };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ipe_diag_add(x->ctx, code, IPE_SEV_ERROR, &noloc, hint, "binary policy: %s", msg))
		return -ENOMEM;
	return err;
}

#define CORRUPT_HINT "the file is damaged or was not written by ipe-compile --format=binary; recompile it from the source"

static int bad(struct dec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct dec *x, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(x, "IPE-B006", CORRUPT_HINT, -EBADMSG, "%s", msg);
}

static const uint8_t *sec_data(const struct dec *x, int id)
{
	return x->d + x->sec[id].off;
}

int ipe_binary_probe(const void *data, size_t len)
{
	return data && len >= IPEB_MAGIC_LEN && memcmp(data, IPE_BINARY_MAGIC, IPEB_MAGIC_LEN) == 0;
}

static int check_header(struct dec *x)
{
	const uint8_t *d = x->d;
	uint8_t sum[32];
	uint64_t size, nsec, table_end, body_end, prev_end;
	uint32_t prev_id = 0;
	uint16_t major, minor;

	if (!ipe_binary_probe(d, x->len))
		return fail(x, "IPE-B001", "compile a binary policy with ipe-compile --format=binary", -EBADMSG,
			    "not an IPE binary policy (the first 8 bytes are not the magic \"IPEB\\r\\n\\x1a\\n\")");
	if (x->len < IPEB_HDR_LEN + IPEB_TRAILER_LEN)
		return fail(x, "IPE-B002", CORRUPT_HINT, -EBADMSG, "truncated: %zu bytes, the header alone needs %u",
			    x->len, IPEB_HDR_LEN + IPEB_TRAILER_LEN);
	major = ipeb_get16(d + 8);
	minor = ipeb_get16(d + 10);
	if (major != IPE_BINARY_MAJOR)
		return fail(x, "IPE-B003", "use the ipe-tools version that wrote it, or recompile from the source",
			    -EPROTONOSUPPORT, "format version %u.%u is not supported (this reader knows %u.x)", major,
			    minor, IPE_BINARY_MAJOR);
	size = ipeb_get64(d + 16);
	if (size != x->len)
		return fail(x, "IPE-B002", CORRUPT_HINT, -EBADMSG,
			    "the header says %llu bytes but the input has %zu (%s)", (unsigned long long)size, x->len,
			    size > x->len ? "truncated" : "trailing bytes");
	if (!EVP_Digest(d, x->len - IPEB_TRAILER_LEN, sum, NULL, EVP_sha256(), NULL))
		return -EIO;
	if (memcmp(sum, d + x->len - IPEB_TRAILER_LEN, sizeof(sum)) != 0)
		return fail(x, "IPE-B005", CORRUPT_HINT, -EBADMSG,
			    "SHA-256 checksum mismatch (the last 32 bytes do not match the content)");
	if (ipeb_get32(d + 12) != 0 || ipeb_get32(d + 28) != 0)
		return bad(x, "reserved header fields are not zero");
	nsec = ipeb_get32(d + 24);
	body_end = x->len - IPEB_TRAILER_LEN;
	if (nsec > (body_end - IPEB_HDR_LEN) / IPEB_SECT_LEN)
		return bad(x, "the section table (%llu entries) does not fit in the file", (unsigned long long)nsec);
	if (minor == 0 && nsec != IPEB_NSECTIONS)
		return bad(x, "a version 1.0 file has %d sections, not %llu", IPEB_NSECTIONS, (unsigned long long)nsec);
	table_end = IPEB_HDR_LEN + nsec * IPEB_SECT_LEN;
	prev_end = table_end;
	/* sections: ascending ids, each at the next 8-byte boundary, zero padding */
	for (uint64_t i = 0; i < nsec; i++) {
		const uint8_t *e = d + IPEB_HDR_LEN + i * IPEB_SECT_LEN;
		uint32_t id = ipeb_get32(e);
		uint64_t off = ipeb_get64(e + 8), len = ipeb_get64(e + 16), want = ipeb_pad(prev_end);

		if (ipeb_get32(e + 4) != 0)
			return bad(x, "section table entry %llu: reserved field is not zero", (unsigned long long)i);
		if (id <= prev_id)
			return bad(x, "section table entry %llu: id %u after id %u (ids must ascend)",
				   (unsigned long long)i, id, prev_id);
		if (off != want || off > body_end || len > body_end - off)
			return bad(x, "section %u: offset %llu length %llu; expected offset %llu and at most %llu bytes", id,
				   (unsigned long long)off, (unsigned long long)len, (unsigned long long)want,
				   (unsigned long long)(want <= body_end ? body_end - want : 0));
		for (uint64_t k = prev_end; k < off; k++)
			if (d[k] != 0)
				return bad(x, "padding byte at offset %llu is not zero", (unsigned long long)k);
		prev_end = off + len;
		prev_id = id;
		if (id > IPEB_NSECTIONS) {
			if (minor == 0)
				return bad(x, "unknown section id %u in a version 1.0 file", id);
			continue; /* a later minor version's section: ignored */
		}
		x->sec[id].seen = true;
		x->sec[id].off = off;
		x->sec[id].len = len;
	}
	if (ipeb_pad(prev_end) != body_end)
		return bad(x, "the last section ends at %llu but the checksum starts at %llu",
			   (unsigned long long)prev_end, (unsigned long long)body_end);
	for (uint64_t k = prev_end; k < body_end; k++)
		if (d[k] != 0)
			return bad(x, "padding byte at offset %llu is not zero", (unsigned long long)k);
	for (int id = 1; id <= IPEB_NSECTIONS; id++)
		if (!x->sec[id].seen)
			return bad(x, "required section %d is missing", id);
	return 0;
}

static int action_ok(uint8_t a, bool none_ok)
{
	return a == IPE_ACTION_ALLOW || a == IPE_ACTION_DENY || (none_ok && a == IPEB_NO_ACTION);
}

static int8_t action_of(uint8_t a)
{
	return a == IPEB_NO_ACTION ? IPE_ACTION_NONE : (int8_t)a;
}

/* a (offset, length) pair inside STRINGS */
static int string_at(struct dec *x, uint32_t off, uint32_t len, const char *what, const uint8_t **ret)
{
	uint64_t slen = x->sec[IPEB_SEC_STRINGS].len;

	if (off > slen || len > slen - off)
		return bad(x, "%s: string %u+%u is outside the string pool (%llu bytes)", what, off, len,
			   (unsigned long long)slen);
	*ret = sec_data(x, IPEB_SEC_STRINGS) + off;
	return 0;
}

/* The name must be one the kernel accepts: in a header and as a securityfs
 * directory (the same rules the parser applies to a source's name). */
static int check_name(struct dec *x, const uint8_t *name, uint32_t len)
{
	const char *why;
	int err = ipe_name_fault_errno(ipe_name_faults((const char *)name, len), &why);

	if (err)
		return bad(x, "META: the kernel would refuse the policy name (%s): %s", ipe_errno_name(-err), why);
	return 0;
}

/*
 * The stored INDEX, validated in place: it must be exactly what
 * ipe_binary_build_index() would write for these rules (ipe-binary(5)),
 * checked without building a second table.
 *
 * - header: B is the smallest power of two >= 2K (0 when K = 0), reserved
 *   is zero, the section is exactly 16 + 4B + 8(K+1) + 4F bytes;
 * - buckets: every value is 0..K and exactly K are occupied;
 * - keys: the first properties are digest properties in strictly ascending
 *   order, the first references ascend from 0, the final entry is
 *   (0xFFFFFFFF, F);
 * - then one walk over the digest properties in canonical order looks each
 *   one up as a reader would (probe from its hash until an empty bucket).
 *   A property that is the first use of its key must find key number
 *   "next" (keys are numbered in order of first use), named by exactly that
 *   property, and every bucket passed on the way must hold a lower key
 *   number: with keys inserted in number order that is exactly where linear
 *   probing puts it.  A later use must find a key already seen, named by an
 *   earlier property.  At the end every key was met as a first use, so the
 *   K distinct keys fill the K occupied buckets, one each.
 * - references: a cursor per key; rule r holding key k must be the next
 *   reference of k (a rule holding a key twice counts once), and every
 *   cursor must end at the next key's first reference.
 */
static int check_index(struct dec *x, const struct ipe_policy *p)
{
	const uint64_t slen = x->sec[IPEB_SEC_INDEX].len;
	const uint8_t *ix = sec_data(x, IPEB_SEC_INDEX), *bk, *keys, *refs;
	uint64_t nb, nk, nf, want_nb = 0, occupied = 0, prev_prop = 0, next = 0;
	struct {
		uint32_t ref;     /* the next reference of the key */
		uint32_t hash_hi; /* high half of its hash, once met */
	} *cur = NULL;
	uint32_t rule = 0, prop = 0;
	uint64_t scan = 0, ahead = UINT64_MAX, ahead_hash = 0;
	int rc = 0;

#define IXBAD(...) bad(x, "the digest index does not match the rules: " __VA_ARGS__)
	if (slen < IPEB_INDEX_HDR_LEN + 8)
		return IXBAD("the section is %llu bytes, at least %u needed", (unsigned long long)slen,
			     IPEB_INDEX_HDR_LEN + 8);
	nb = ipeb_get32(ix);
	nk = ipeb_get32(ix + 4);
	nf = ipeb_get32(ix + 8);
	if (ipeb_get32(ix + 12) != 0)
		return IXBAD("reserved field is not zero");
	if (nk > IPEB_MAX_ITEMS || nf > IPEB_MAX_ITEMS)
		return IXBAD("%llu keys / %llu references is over the limit", (unsigned long long)nk,
			     (unsigned long long)nf);
	while (nk && want_nb < 2 * nk)
		want_nb = want_nb ? want_nb << 1 : 1;
	if (nb != want_nb)
		return IXBAD("%llu buckets for %llu keys, expected %llu", (unsigned long long)nb,
			     (unsigned long long)nk, (unsigned long long)want_nb);
	/* all three counts are < 2^33 here: no overflow */
	if (slen != IPEB_INDEX_HDR_LEN + 4 * nb + 8 * (nk + 1) + 4 * nf)
		return IXBAD("the section is %llu bytes, %llu buckets, %llu keys and %llu references need %llu",
			     (unsigned long long)slen, (unsigned long long)nb, (unsigned long long)nk,
			     (unsigned long long)nf,
			     (unsigned long long)(IPEB_INDEX_HDR_LEN + 4 * nb + 8 * (nk + 1) + 4 * nf));
	bk = ix + IPEB_INDEX_HDR_LEN;
	keys = bk + 4 * nb;
	refs = keys + 8 * (nk + 1);
	for (uint64_t i = 0; i < nb; i++) {
		uint32_t v = ipeb_get32(bk + 4 * i);

		if (v > nk)
			return IXBAD("bucket %llu names key %u of %llu", (unsigned long long)i, v,
				     (unsigned long long)nk);
		occupied += v != 0;
	}
	if (occupied != nk)
		return IXBAD("%llu buckets are occupied, expected %llu", (unsigned long long)occupied,
			     (unsigned long long)nk);
	for (uint64_t k = 0; k <= nk; k++) {
		uint64_t kp = ipeb_get32(keys + 8 * k), kf = ipeb_get32(keys + 8 * k + 4);
		uint64_t pf = k ? ipeb_get32(keys + 8 * k - 4) : 0;

		if (k == nk ? (kp != UINT32_MAX || kf != nf)
			    : (kp >= p->nprops || !ipe_prop_is_digest(p->props[kp].type) || (k && kp <= prev_prop)))
			return IXBAD("key %llu: first property %llu, first reference %llu", (unsigned long long)k,
				     (unsigned long long)kp, (unsigned long long)kf);
		if (kf < pf || (k == 0 && kf != 0))
			return IXBAD("key %llu: first reference %llu after %llu", (unsigned long long)k,
				     (unsigned long long)kf, (unsigned long long)pf);
		prev_prop = kp;
	}
	cur = malloc((nk ? nk : 1) * sizeof(*cur));
	if (!cur)
		return -ENOMEM;
	for (uint64_t k = 0; k < nk; k++)
		cur[k].ref = ipeb_get32(keys + 8 * k + 4);

	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *t = &p->ops[op];

		for (size_t r = 0; r < t->nrules; r++, rule++) {
			const struct ipe_prop *pr = ipe_rule_props(p, &t->rules[r]);

			for (uint32_t j = 0; j < t->rules[r].nprops; j++, prop++) {
				const struct ipe_prop *q = &pr[j];
				const uint8_t *dg;
				uint64_t hash, h, k = UINT64_MAX;
				uint32_t v, expect;

				if (!ipe_prop_is_digest(q->type))
					continue;
				if (nb == 0) {
					rc = IXBAD("property %u has no key", prop);
					goto out;
				}
				dg = ipe_prop_digest(p, q);
				hash = ahead == prop ? ahead_hash : ipe_binary_key_hash(q->type, q->alg, dg, q->digest_len);
				h = hash & (nb - 1);
				/* hash the next digest property now and fetch its bucket
				 * while this one is probed: a bucket is a cache miss */
				if (scan <= prop)
					scan = prop + 1;
				while (scan < p->nprops && !ipe_prop_is_digest(p->props[scan].type))
					scan++;
				if (scan < p->nprops && ahead != scan) {
					const struct ipe_prop *n = &p->props[scan];

					ahead = scan;
					ahead_hash = ipe_binary_key_hash(n->type, n->alg, ipe_prop_digest(p, n), n->digest_len);
					__builtin_prefetch(bk + 4 * (ahead_hash & (nb - 1)));
				}
				/* key "next" if it names this property as its first use: met
				 * in the probe, it matches without a comparison */
				expect = next < nk && ipeb_get32(keys + 8 * next) == prop ? (uint32_t)next + 1 : 0;
				/* probe until an empty bucket (at most K of the 2K+ are
				 * occupied).  Every key passed must be one already met (a
				 * lower number): in a canonical table a later key is never on
				 * the probe path of an earlier one, nor of a key met before. */
				while ((v = ipeb_get32(bk + 4 * h)) != 0) {
					const struct ipe_prop *o;

					if (v == expect) {
						k = v - 1;
						break;
					}
					if (v > next) {
						rc = IXBAD("bucket %llu (key %u) is on the probe path of property %u before its key",
							   (unsigned long long)h, v - 1, prop);
						goto out;
					}
					o = &p->props[ipeb_get32(keys + 8 * (uint64_t)(v - 1))];
					if (cur[v - 1].hash_hi == (uint32_t)(hash >> 32) && ipe_prop_digest_same(p, o, p, q)) {
						k = v - 1;
						break;
					}
					h = (h + 1) & (nb - 1);
				}
				if (k == UINT64_MAX) {
					rc = IXBAD("the key of property %u is not in the table", prop);
					goto out;
				}
				if (expect) {
					/* first use: key number "next", in its linear-probing bucket */
					if (k != next) {
						rc = IXBAD("property %u is the first use of key %llu, but key %llu holds it",
							   prop, (unsigned long long)next, (unsigned long long)k);
						goto out;
					}
					cur[k].hash_hi = (uint32_t)(hash >> 32);
					next++;
				}
				/* a key met before (k < next): its first property is an
				 * earlier one.  References: rule "rule" is the next of key
				 * k, once. */
				if (cur[k].ref > ipeb_get32(keys + 8 * k + 4) &&
				    ipeb_get32(refs + 4 * ((uint64_t)cur[k].ref - 1)) == rule)
					continue;
				if (cur[k].ref >= ipeb_get32(keys + 8 * k + 12) ||
				    ipeb_get32(refs + 4 * (uint64_t)cur[k].ref) != rule) {
					rc = IXBAD("key %llu: rule %u is missing from its references", (unsigned long long)k,
						   rule);
					goto out;
				}
				cur[k].ref++;
			}
		}
	}
	if (next != nk) {
		rc = IXBAD("%llu keys are used, %llu stored", (unsigned long long)next, (unsigned long long)nk);
		goto out;
	}
	for (uint64_t k = 0; k < nk; k++) {
		if (cur[k].ref != ipeb_get32(keys + 8 * k + 12)) {
			rc = IXBAD("key %llu has references to rules that do not hold it", (unsigned long long)k);
			goto out;
		}
	}
#undef IXBAD
out:
	free(cur);
	return rc;
}

int ipe_policy_load_binary(struct ipe_ctx *ctx, const void *data, size_t len, struct ipe_policy **ret_policy)
{
	struct dec x = { .ctx = ctx, .d = data, .len = len };
	struct ipe_policy *p = NULL;
	const uint8_t *m, *name = NULL, *a, *pp, *rr;
	uint64_t nrules, nprops, nalgs, sum = 0, prop = 0, rule_global = 0;
	size_t line = 1;
	int rc;

	if (!ctx || (!data && len) || !ret_policy)
		return -EINVAL;
	*ret_policy = NULL;
	rc = check_header(&x);
	if (rc)
		return rc;

	/* META */
	if (x.sec[IPEB_SEC_META].len != IPEB_META_LEN)
		return bad(&x, "META section is %llu bytes, expected %u", (unsigned long long)x.sec[IPEB_SEC_META].len,
			   IPEB_META_LEN);
	m = sec_data(&x, IPEB_SEC_META);
	if (m[15] != IPE_OP_COUNT)
		return bad(&x, "META: %u operations, this reader knows %d", m[15], IPE_OP_COUNT);
	if (m[23] != 0)
		return bad(&x, "META: reserved byte is not zero");
	if (ipeb_get32(m) != 0)
		return bad(&x, "META: the policy name must start the string pool (offset %u)", ipeb_get32(m));
	rc = string_at(&x, ipeb_get32(m), ipeb_get32(m + 4), "policy name", &name);
	if (rc)
		return rc;
	rc = check_name(&x, name, ipeb_get32(m + 4));
	if (rc)
		return rc;
	if (!action_ok(m[14], true))
		return bad(&x, "META: global default action %u is not 0 (ALLOW), 1 (DENY) or 255 (none)", m[14]);
	for (int op = 0; op < IPE_OP_COUNT; op++)
		if (!action_ok(m[16 + op], true))
			return bad(&x, "META: default action %u of op %s is not 0, 1 or 255", m[16 + op],
				   ipe_op_name(op));
	if (m[14] == IPEB_NO_ACTION)
		for (int op = 0; op < IPE_OP_COUNT; op++)
			if (m[16 + op] == IPEB_NO_ACTION)
				return bad(&x,
					   "META: no global DEFAULT and no DEFAULT for op=%s (the kernel would reject the policy)",
					   ipe_op_name(op));
	nrules = ipeb_get64(m + 24);
	nprops = ipeb_get64(m + 32);
	if (nrules > IPEB_MAX_ITEMS || x.sec[IPEB_SEC_RULES].len != nrules * IPEB_RULE_LEN)
		return bad(&x, "%llu rules do not fit the RULES section (%llu bytes, %u per rule)",
			   (unsigned long long)nrules, (unsigned long long)x.sec[IPEB_SEC_RULES].len, IPEB_RULE_LEN);
	if (nprops > IPEB_MAX_ITEMS || x.sec[IPEB_SEC_PROPS].len != nprops * IPEB_PROP_LEN)
		return bad(&x, "%llu properties do not fit the PROPS section (%llu bytes, %u per property)",
			   (unsigned long long)nprops, (unsigned long long)x.sec[IPEB_SEC_PROPS].len, IPEB_PROP_LEN);
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		uint64_t n = ipeb_get64(m + 40 + 8 * op);

		if (n > nrules - sum)
			return bad(&x, "META: the per-op rule counts add up to more than %llu rules",
				   (unsigned long long)nrules);
		sum += n;
	}
	if (sum != nrules)
		return bad(&x, "META: the per-op rule counts add up to %llu, not %llu", (unsigned long long)sum,
			   (unsigned long long)nrules);

	/* the model */
	rc = ipe_policy_new(IPE_SRC_NONE, &p);
	if (rc)
		return rc;
	p->name = malloc((size_t)ipeb_get32(m + 4) + 1);
	if (!p->name) {
		rc = -ENOMEM;
		goto out;
	}
	p->name_len = ipeb_get32(m + 4);
	memcpy(p->name, name, p->name_len);
	p->name[p->name_len] = '\0';
	p->has_header = true;
	for (int i = 0; i < 3; i++)
		p->version[i] = ipeb_get16(m + 8 + 2 * i);
	p->global_default = action_of(m[14]);
	for (int op = 0; op < IPE_OP_COUNT; op++)
		p->ops[op].default_action = action_of(m[16 + op]);

	/* ALGS */
	if (x.sec[IPEB_SEC_ALGS].len < IPEB_ALG_LEN) {
		rc = bad(&x, "ALGS section too short");
		goto out;
	}
	a = sec_data(&x, IPEB_SEC_ALGS);
	nalgs = ipeb_get32(a);
	if (ipeb_get32(a + 4) != 0 || nalgs > UINT16_MAX ||
	    x.sec[IPEB_SEC_ALGS].len != IPEB_ALG_LEN + nalgs * IPEB_ALG_LEN) {
		rc = bad(&x, "ALGS: %llu algorithm names do not match the section size (%llu bytes)",
			 (unsigned long long)nalgs, (unsigned long long)x.sec[IPEB_SEC_ALGS].len);
		goto out;
	}
	for (uint64_t i = 0, soff = p->name_len; i < nalgs; i++) {
		const uint8_t *e = a + IPEB_ALG_LEN * (i + 1), *s = NULL;
		uint32_t slen = ipeb_get32(e + 4);

		if (ipeb_get32(e) != soff) {
			rc = bad(&x, "ALGS: algorithm name %llu starts at %u, expected %llu (names follow each other)",
				 (unsigned long long)i, ipeb_get32(e), (unsigned long long)soff);
			goto out;
		}
		rc = string_at(&x, ipeb_get32(e), slen, "algorithm name", &s);
		if (rc)
			goto out;
		soff += slen;
		if (i + 1 == nalgs && soff != x.sec[IPEB_SEC_STRINGS].len) {
			rc = bad(&x, "STRINGS: %llu bytes, the names use %llu",
				 (unsigned long long)x.sec[IPEB_SEC_STRINGS].len, (unsigned long long)soff);
			goto out;
		}
		for (uint32_t k = 0; k < slen; k++) {
			if (s[k] == '\0' || s[k] == ':' || s[k] == ' ' || s[k] == '\t' || s[k] == '\n' ||
			    s[k] == '\r' || s[k] == '#') {
				rc = bad(&x, "ALGS: algorithm name %llu holds byte 0x%02x, which cannot appear in a digest",
					 (unsigned long long)i, s[k]);
				goto out;
			}
		}
		rc = ipe_policy_intern_alg(p, (const char *)s, slen);
		if (rc < 0)
			goto out;
		if ((uint64_t)rc != i) {
			rc = bad(&x, "ALGS: algorithm name %llu repeats name %d", (unsigned long long)i, rc);
			goto out;
		}
	}

	if (nalgs == 0 && x.sec[IPEB_SEC_STRINGS].len != p->name_len) {
		rc = bad(&x, "STRINGS: %llu bytes, the name uses %zu", (unsigned long long)x.sec[IPEB_SEC_STRINGS].len,
			 p->name_len);
		goto out;
	}

	/* DIGESTS */
	p->digest_pool_len = x.sec[IPEB_SEC_DIGESTS].len;
	p->digest_pool_cap = p->digest_pool_len + 1;
	p->digest_pool = malloc(p->digest_pool_len + 1);
	if (!p->digest_pool) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(p->digest_pool, sec_data(&x, IPEB_SEC_DIGESTS), p->digest_pool_len);

	/* PROPS */
	p->props = malloc((nprops ? nprops : 1) * sizeof(*p->props));
	if (!p->props) {
		rc = -ENOMEM;
		goto out;
	}
	p->props_cap = nprops ? nprops : 1;
	pp = sec_data(&x, IPEB_SEC_PROPS);
	for (uint64_t i = 0, next_alg = 0, next_off = 0; i <= nprops; i++, pp += IPEB_PROP_LEN) {
		if (i == nprops) {
			if (next_alg != nalgs || next_off != p->digest_pool_len) {
				rc = bad(&x, "PROPS use %llu of %llu algorithm names and %llu of %zu digest bytes",
					 (unsigned long long)next_alg, (unsigned long long)nalgs,
					 (unsigned long long)next_off, p->digest_pool_len);
				goto out;
			}
			break;
		}
		struct ipe_prop *q = &p->props[i];
		uint8_t type = pp[0];
		uint16_t alg = ipeb_get16(pp + 2);
		uint32_t dlen = ipeb_get32(pp + 4);
		uint64_t doff = ipeb_get64(pp + 8);

		memset(q, 0, sizeof(*q));
		q->loc.src = IPE_SRC_NONE;
		if (type >= IPE_PROP_COUNT || pp[1] != 0) {
			rc = bad(&x, "PROPS: property %llu has type %u / reserved byte %u", (unsigned long long)i, type,
				 pp[1]);
			goto out;
		}
		q->type = type;
		if (ipe_prop_is_digest(type)) {
			if (alg >= nalgs) {
				rc = bad(&x, "PROPS: property %llu names algorithm %u of %llu", (unsigned long long)i,
					 alg, (unsigned long long)nalgs);
				goto out;
			}
			if (doff > p->digest_pool_len || dlen > p->digest_pool_len - doff) {
				rc = bad(&x, "PROPS: digest of property %llu (%llu+%u) is outside the digest pool (%zu bytes)",
					 (unsigned long long)i, (unsigned long long)doff, dlen, p->digest_pool_len);
				goto out;
			}
			if (alg > next_alg || doff != next_off) {
				rc = bad(&x,
					 "PROPS: property %llu: algorithm %u at digest offset %llu, expected algorithm <= %llu at offset %llu (first-use order)",
					 (unsigned long long)i, alg, (unsigned long long)doff, (unsigned long long)next_alg,
					 (unsigned long long)next_off);
				goto out;
			}
			next_alg += alg == next_alg;
			next_off += dlen;
			q->alg = alg;
			q->digest_len = dlen;
			q->digest_off = (uint32_t)doff; /* < the pool, a section of a file under 4 GiB */
		} else if (alg || dlen || doff) {
			rc = bad(&x, "PROPS: property %llu (%s) has digest fields set", (unsigned long long)i,
				 ipe_prop_token(type));
			goto out;
		}
	}
	p->nprops = nprops;

	/* RULES, with their line numbers in the canonical text */
	if (p->global_default != IPE_ACTION_NONE)
		p->global_default_loc = (struct ipe_loc){ .src = IPE_SRC_NONE, .line = (uint32_t)++line, .col = 1 };
	p->header_loc = p->name_loc = p->version_loc = (struct ipe_loc){ .src = IPE_SRC_NONE, .line = 1, .col = 1 };
	rr = sec_data(&x, IPEB_SEC_RULES);
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		struct ipe_op_table *t = &p->ops[op];
		uint64_t n = ipeb_get64(m + 40 + 8 * op);

		if (t->default_action != IPE_ACTION_NONE)
			t->default_loc = (struct ipe_loc){ .src = IPE_SRC_NONE, .line = (uint32_t)++line, .col = 1 };
		if (!n)
			continue;
		t->rules = malloc(n * sizeof(*t->rules));
		if (!t->rules) {
			rc = -ENOMEM;
			goto out;
		}
		p->ops[op].rules_cap = n;
		for (uint64_t i = 0; i < n; i++, rr += IPEB_RULE_LEN, rule_global++) {
			struct ipe_rule *r = &t->rules[i];
			uint32_t np = ipeb_get32(rr + 4);

			if (rr[0] != op || !action_ok(rr[1], false) || ipeb_get16(rr + 2) != 0) {
				rc = bad(&x, "RULES: rule %llu: op %u (expected %u), action %u, reserved %u",
					 (unsigned long long)rule_global, rr[0], op, rr[1], ipeb_get16(rr + 2));
				goto out;
			}
			if (ipeb_get64(rr + 8) != prop || np > nprops - prop) {
				rc = bad(&x,
					 "RULES: rule %llu: properties %llu+%u, expected to start at %llu and end by %llu",
					 (unsigned long long)rule_global, (unsigned long long)ipeb_get64(rr + 8), np,
					 (unsigned long long)prop, (unsigned long long)nprops);
				goto out;
			}
			memset(r, 0, sizeof(*r));
			r->op = (uint8_t)op;
			r->action = rr[1];
			r->nprops = np;
			r->first_prop = (uint32_t)prop; /* < nprops <= IPEB_MAX_ITEMS */
			r->loc = (struct ipe_loc){ .src = IPE_SRC_NONE, .line = (uint32_t)++line, .col = 1 };
			prop += np;
		}
		t->nrules = n;
	}
	if (prop != nprops) {
		rc = bad(&x, "RULES use %llu of %llu properties", (unsigned long long)prop, (unsigned long long)nprops);
		goto out;
	}
	p->nrules = nrules;
	p->text_len = ipe_policy_canonical_length(p);

	/* INDEX: validated in place against the rules */
	rc = check_index(&x, p);
	if (rc)
		goto out;
	p->verdict.err = 0;
	*ret_policy = p;
	p = NULL;
	rc = 0;
out:
	ipe_policy_free(p);
	return rc;
}

/* Read up to want bytes (fewer only at end of input). */
static int read_upto(int fd, uint8_t *buf, size_t want, size_t *ret_got)
{
	size_t got = 0;

	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret_got = got;
	return 0;
}

int ipe_binary_read_file(struct ipe_ctx *ctx, const char *path, uint8_t **ret_data, size_t *ret_len)
{
	struct dec x = { .ctx = ctx };
	uint8_t hdr[IPEB_HDR_LEN], *rest = NULL, *all = NULL;
	size_t got = 0, rlen = 0;
	uint64_t size;
	int fd = -1, rc;

	if (!ctx || !path || !ret_data || !ret_len)
		return -EINVAL;
	rc = ipe_input_open(path, &fd);
	if (rc)
		return rc;
	rc = read_upto(fd, hdr, sizeof(hdr), &got);
	if (rc)
		goto out;
	size = got == sizeof(hdr) && ipe_binary_probe(hdr, got) ? ipeb_get64(hdr + 16) : got;
	if (size > IPE_READ_MAX_BINARY) {
		rc = fail(&x, "IPE-B002", CORRUPT_HINT, -EBADMSG,
			  "the header says %llu bytes, more than a binary policy can be (%u MiB)",
			  (unsigned long long)size, IPE_READ_MAX_BINARY >> 20);
		goto out;
	}
	if (size > got) {
		/* the declared rest, and one byte more to see trailing bytes */
		rc = ipe_read_fd(fd, (size_t)size - got, &rest, &rlen);
		if (rc == -EFBIG)
			rc = fail(&x, "IPE-B002", CORRUPT_HINT, -EBADMSG,
				  "the header says %llu bytes but the input is longer (trailing bytes)",
				  (unsigned long long)size);
		if (rc)
			goto out;
	}
	all = malloc(got + rlen + 1);
	if (!all) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(all, hdr, got);
	if (rlen)
		memcpy(all + got, rest, rlen);
	all[got + rlen] = 0;
	*ret_data = all;
	*ret_len = got + rlen;
out:
	free(rest);
	if (fd >= 0 && fd != STDIN_FILENO)
		close(fd);
	return rc;
}
