/* SPDX-License-Identifier: MIT */
/* The binary form of a policy: encoder and the digest index (ipe-binary(5)). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ipe/binary.h>
#include <ipe/policy.h>

#include "binary_format.h"
#include "compiler/model.h"
#include "util/internal.h"

uint64_t ipe_binary_key_hash(uint8_t type, uint16_t alg, const uint8_t *digest, uint32_t len)
{
	uint8_t head[7];
	uint64_t h = 14695981039346656037ull; /* FNV-1a 64 offset basis */

	head[0] = type;
	ipeb_put16(head + 1, alg);
	ipeb_put32(head + 3, len);
	for (size_t i = 0; i < sizeof(head); i++) {
		h ^= head[i];
		h *= 1099511628211ull;
	}
	for (uint32_t i = 0; i < len; i++) {
		h ^= digest[i];
		h *= 1099511628211ull;
	}
	return h;
}

struct ix_key {
	uint64_t hash;
	const struct ipe_prop *pr; /* the first property with this key */
	uint32_t prop;      /* its file index */
	uint32_t nrefs;
	uint32_t next_ref;  /* fill cursor */
	uint32_t last_rule; /* +1; dedupes a rule holding the same key twice */
};

static size_t pow2_at_least(size_t n)
{
	size_t c = 1;

	while (c < n)
		c <<= 1;
	return c;
}

/* The key of k's digest among those the map (the one hash map, keyed by
 * the file's key hash) indexes, or NULL.  The file's algorithm numbers
 * (alg_map) are one-to-one with the policy's: the one digest equality of
 * the model decides. */
static struct ix_key *ix_find(const struct ipe_policy *p, const struct ipe_hmap *map, struct ix_key *keys,
			      const struct ix_key *k)
{
	size_t pos = SIZE_MAX;
	uint32_t v;

	while (ipe_hmap_next(map, k->hash, &pos, &v))
		if (ipe_prop_digest_same(p, keys[v].pr, p, k->pr))
			return &keys[v];
	return NULL;
}

int ipe_binary_build_index(const struct ipe_policy *p, const uint16_t *alg_map, uint8_t **ret_buf,
			   size_t *ret_len)
{
	struct ix_key *keys = NULL;
	struct ipe_hmap map = { 0 };
	uint8_t *buf = NULL, *b = NULL;
	size_t ndig = 0, nkeys = 0, nb = 0, len = 0;
	uint64_t nrefs = 0;
	int rc = 0;

	for (size_t i = 0; i < p->nprops; i++)
		ndig += ipe_prop_is_digest(p->props[i].type);
	if (ndig > IPEB_MAX_ITEMS)
		return -E2BIG;
	keys = malloc((ndig ? ndig : 1) * sizeof(*keys));
	if (!keys || ipe_hmap_init(&map, ndig)) {
		rc = -ENOMEM;
		goto out;
	}
	/* pass 1: keys in order of first use, reference counts */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t rule = 0, prop = 0;

		for (int op = 0; op < IPE_OP_COUNT; op++) {
			const struct ipe_op_table *t = &p->ops[op];

			for (size_t r = 0; r < t->nrules; r++, rule++) {
				const struct ipe_prop *pr = ipe_rule_props(p, &t->rules[r]);

				for (uint32_t k = 0; k < t->rules[r].nprops; k++, prop++) {
					struct ix_key q, *e;

					if (!ipe_prop_is_digest(pr[k].type))
						continue;
					q.pr = &pr[k];
					q.hash = ipe_binary_key_hash(pr[k].type, alg_map ? alg_map[pr[k].alg] : pr[k].alg,
								     ipe_prop_digest(p, &pr[k]), pr[k].digest_len);
					e = ix_find(p, &map, keys, &q);
					if (!e) {
						if (pass) { /* cannot happen: pass 0 saw every key */
							rc = -EPROTO;
							goto out;
						}
						q.prop = prop;
						q.nrefs = 0;
						q.last_rule = 0;
						keys[nkeys] = q;
						rc = ipe_hmap_insert(&map, q.hash, (uint32_t)nkeys);
						if (rc)
							goto out;
						e = &keys[nkeys++];
					}
					if (e->last_rule == rule + 1)
						continue;
					e->last_rule = rule + 1;
					if (pass == 0) {
						e->nrefs++;
						nrefs++;
					} else {
						ipeb_put32(b + 4 * (size_t)e->next_ref++, rule);
					}
				}
			}
		}
		if (pass == 0) {
			uint32_t first = 0;

			if (nrefs > IPEB_MAX_ITEMS) {
				rc = -E2BIG;
				goto out;
			}
			nb = nkeys ? pow2_at_least(2 * nkeys) : 0;
			len = IPEB_INDEX_HDR_LEN + 4 * nb + 8 * (nkeys + 1) + 4 * (size_t)nrefs;
			buf = calloc(1, len);
			if (!buf) {
				rc = -ENOMEM;
				goto out;
			}
			ipeb_put32(buf, (uint32_t)nb);
			ipeb_put32(buf + 4, (uint32_t)nkeys);
			ipeb_put32(buf + 8, (uint32_t)nrefs);
			/* buckets: keys inserted in key order, linear probing */
			b = buf + IPEB_INDEX_HDR_LEN;
			for (size_t i = 0; i < nkeys; i++) {
				size_t h = (size_t)keys[i].hash & (nb - 1);

				while (ipeb_get32(b + 4 * h))
					h = (h + 1) & (nb - 1);
				ipeb_put32(b + 4 * h, (uint32_t)i + 1);
			}
			b += 4 * nb;
			for (size_t i = 0; i < nkeys; i++) {
				ipeb_put32(b + 8 * i, keys[i].prop);
				ipeb_put32(b + 8 * i + 4, first);
				keys[i].next_ref = first;
				keys[i].last_rule = 0;
				first += keys[i].nrefs;
			}
			ipeb_put32(b + 8 * nkeys, UINT32_MAX);
			ipeb_put32(b + 8 * nkeys + 4, first);
			b += 8 * (nkeys + 1);
		}
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
out:
	free(buf);
	free(keys);
	ipe_hmap_free(&map);
	return rc;
}

struct section {
	uint32_t id;
	size_t off, len;
};

int ipe_policy_emit_binary(const struct ipe_policy *p, uint8_t **ret_buf, size_t *ret_len)
{
	struct section sec[IPEB_NSECTIONS];
	uint16_t *alg_map = NULL, *file_algs = NULL;
	uint8_t *buf = NULL, *index = NULL, *b;
	size_t nalgs = 0, strings_len, digests_len = 0, index_len = 0, off, total;
	uint64_t nprops = 0;
	int rc = 0;

	if (!p || !ret_buf || !ret_len)
		return -EINVAL;
	if (p->verdict.err || !p->has_header || !p->name)
		return -EINVAL;
	if (p->nrules > IPEB_MAX_ITEMS)
		return -E2BIG;
	/* algorithm names in order of first use in the canonical text */
	alg_map = malloc((p->nalgs ? p->nalgs : 1) * sizeof(*alg_map));
	file_algs = malloc((p->nalgs ? p->nalgs : 1) * sizeof(*file_algs));
	if (!alg_map || !file_algs) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->nalgs; i++)
		alg_map[i] = UINT16_MAX;
	strings_len = p->name_len;
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *t = &p->ops[op];

		for (size_t r = 0; r < t->nrules; r++) {
			const struct ipe_prop *pr = ipe_rule_props(p, &t->rules[r]);

			nprops += t->rules[r].nprops;
			for (uint32_t k = 0; k < t->rules[r].nprops; k++) {
				if (!ipe_prop_is_digest(pr[k].type))
					continue;
				if (pr[k].alg >= p->nalgs) {
					rc = -EINVAL;
					goto out;
				}
				digests_len += pr[k].digest_len;
				if (alg_map[pr[k].alg] == UINT16_MAX) {
					alg_map[pr[k].alg] = (uint16_t)nalgs;
					file_algs[nalgs++] = pr[k].alg;
					strings_len += strlen(p->algs[pr[k].alg]);
				}
			}
		}
	}
	if (nprops > IPEB_MAX_ITEMS || strings_len > UINT32_MAX) {
		rc = -E2BIG;
		goto out;
	}
	rc = ipe_binary_build_index(p, alg_map, &index, &index_len);
	if (rc)
		goto out;

	/* layout */
	off = IPEB_HDR_LEN + IPEB_NSECTIONS * IPEB_SECT_LEN;
	{
		const size_t lens[IPEB_NSECTIONS] = {
			IPEB_META_LEN,
			strings_len,
			IPEB_ALG_LEN + IPEB_ALG_LEN * nalgs,
			digests_len,
			IPEB_PROP_LEN * (size_t)nprops,
			IPEB_RULE_LEN * p->nrules,
			index_len,
		};

		for (int i = 0; i < IPEB_NSECTIONS; i++) {
			off = ipeb_pad(off);
			sec[i].id = (uint32_t)i + 1;
			sec[i].off = off;
			sec[i].len = lens[i];
			off += lens[i];
		}
	}
	off = ipeb_pad(off);
	total = off + IPEB_TRAILER_LEN;
	buf = calloc(1, total);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(buf, IPE_BINARY_MAGIC, IPEB_MAGIC_LEN);
	ipeb_put16(buf + 8, IPE_BINARY_MAJOR);
	ipeb_put16(buf + 10, IPE_BINARY_MINOR);
	ipeb_put64(buf + 16, total);
	ipeb_put32(buf + 24, IPEB_NSECTIONS);
	for (int i = 0; i < IPEB_NSECTIONS; i++) {
		b = buf + IPEB_HDR_LEN + (size_t)i * IPEB_SECT_LEN;
		ipeb_put32(b, sec[i].id);
		ipeb_put64(b + 8, sec[i].off);
		ipeb_put64(b + 16, sec[i].len);
	}

	/* META */
	b = buf + sec[IPEB_SEC_META - 1].off;
	ipeb_put32(b, 0);
	ipeb_put32(b + 4, (uint32_t)p->name_len);
	for (int i = 0; i < 3; i++)
		ipeb_put16(b + 8 + 2 * i, p->version[i]);
	b[14] = p->global_default == IPE_ACTION_NONE ? IPEB_NO_ACTION : (uint8_t)p->global_default;
	b[15] = IPE_OP_COUNT;
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		int8_t d = p->ops[op].default_action;

		b[16 + op] = d == IPE_ACTION_NONE ? IPEB_NO_ACTION : (uint8_t)d;
		ipeb_put64(b + 40 + 8 * op, p->ops[op].nrules);
	}
	ipeb_put64(b + 24, p->nrules);
	ipeb_put64(b + 32, nprops);

	/* STRINGS and ALGS */
	b = buf + sec[IPEB_SEC_STRINGS - 1].off;
	memcpy(b, p->name, p->name_len);
	{
		uint8_t *a = buf + sec[IPEB_SEC_ALGS - 1].off;
		size_t so = p->name_len;

		ipeb_put32(a, (uint32_t)nalgs);
		for (size_t i = 0; i < nalgs; i++) {
			const char *name = p->algs[file_algs[i]];
			size_t n = strlen(name);

			memcpy(b + so, name, n);
			ipeb_put32(a + IPEB_ALG_LEN * (i + 1), (uint32_t)so);
			ipeb_put32(a + IPEB_ALG_LEN * (i + 1) + 4, (uint32_t)n);
			so += n;
		}
	}

	/* DIGESTS, PROPS, RULES in canonical order */
	{
		uint8_t *dg = buf + sec[IPEB_SEC_DIGESTS - 1].off;
		uint8_t *pp = buf + sec[IPEB_SEC_PROPS - 1].off;
		uint8_t *rr = buf + sec[IPEB_SEC_RULES - 1].off;
		uint64_t doff = 0, prop = 0;

		for (int op = 0; op < IPE_OP_COUNT; op++) {
			const struct ipe_op_table *t = &p->ops[op];

			for (size_t r = 0; r < t->nrules; r++) {
				const struct ipe_rule *ru = &t->rules[r];
				const struct ipe_prop *pr = ipe_rule_props(p, ru);

				rr[0] = (uint8_t)op;
				rr[1] = ru->action;
				ipeb_put32(rr + 4, ru->nprops);
				ipeb_put64(rr + 8, prop);
				rr += IPEB_RULE_LEN;
				for (uint32_t k = 0; k < ru->nprops; k++, prop++) {
					pp[0] = pr[k].type;
					if (ipe_prop_is_digest(pr[k].type)) {
						ipeb_put16(pp + 2, alg_map[pr[k].alg]);
						ipeb_put32(pp + 4, pr[k].digest_len);
						ipeb_put64(pp + 8, doff);
						if (pr[k].digest_len)
							memcpy(dg + doff, ipe_prop_digest(p, &pr[k]), pr[k].digest_len);
						doff += pr[k].digest_len;
					}
					pp += IPEB_PROP_LEN;
				}
			}
		}
	}
	memcpy(buf + sec[IPEB_SEC_INDEX - 1].off, index, index_len);

	if (!EVP_Digest(buf, total - IPEB_TRAILER_LEN, buf + total - IPEB_TRAILER_LEN, NULL, EVP_sha256(), NULL)) {
		rc = -EIO;
		goto out;
	}
	*ret_buf = buf;
	*ret_len = total;
	buf = NULL;
out:
	free(buf);
	free(index);
	free(alg_map);
	free(file_algs);
	return rc;
}
