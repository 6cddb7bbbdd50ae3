/* SPDX-License-Identifier: MIT */
/* The policy model: one structure shared by every pass. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/eval.h>
#include <ipe/policy.h>

#include "compiler/model.h"
#include "util/kwtable.h"
#include "util/internal.h"

/* names, releases and Kconfig options derived from the one keyword table
 * (util/kwtable.h) */
#define OP(n, since) [IPE_OP_##n] = { #n, since },
static const struct {
	const char *name;
	unsigned since;
} ops[IPE_OP_COUNT] = { IPE_KW_OPS(OP) };
#undef OP

#define ACTION(n) [IPE_ACTION_##n] = #n,
static const char *const action_names[] = { IPE_KW_ACTIONS(ACTION) };
#undef ACTION

#define BOOLP(key, e, since, kconfig)                                                                                 \
	[IPE_PROP_##e##_FALSE] = { #key, #key "=FALSE", since, kconfig },                                             \
	[IPE_PROP_##e##_TRUE] = { #key, #key "=TRUE", since, kconfig },
#define DIGESTP(key, e, since, kconfig) [IPE_PROP_##e] = { #key, NULL, since, kconfig },
static const struct {
	const char *key;
	const char *token;
	unsigned since;
	const char *kconfig;
} props[IPE_PROP_COUNT] = { IPE_KW_BOOL_PROPS(BOOLP) IPE_KW_DIGEST_PROPS(DIGESTP) };
#undef BOOLP
#undef DIGESTP

const char *ipe_op_name(enum ipe_op op)
{
	return (unsigned)op < IPE_OP_COUNT ? ops[op].name : NULL;
}

unsigned ipe_op_since(enum ipe_op op)
{
	return (unsigned)op < IPE_OP_COUNT ? ops[op].since : 0;
}

const char *ipe_action_name(enum ipe_action a)
{
	return (unsigned)a < IPE_ARRAY_SIZE(action_names) ? action_names[a] : NULL;
}

const char *ipe_prop_key(enum ipe_prop_type t)
{
	return (unsigned)t < IPE_PROP_COUNT ? props[t].key : NULL;
}

const char *ipe_prop_token(enum ipe_prop_type t)
{
	return (unsigned)t < IPE_PROP_COUNT ? props[t].token : NULL;
}

unsigned ipe_prop_since(enum ipe_prop_type t)
{
	return (unsigned)t < IPE_PROP_COUNT ? props[t].since : 0;
}

const char *ipe_prop_kconfig(enum ipe_prop_type t)
{
	return (unsigned)t < IPE_PROP_COUNT ? props[t].kconfig : NULL;
}

bool ipe_prop_is_digest(enum ipe_prop_type t)
{
	return t == IPE_PROP_DMV_ROOTHASH || t == IPE_PROP_FSV_DIGEST;
}

/* ---- digest identity: one hash, one equality ---- */

static uint64_t alg_hash(int type, const char *alg, size_t len)
{
	return ipe_hash_bytes(IPE_HASH_SEED ^ (uint64_t)type, alg, len);
}

uint64_t ipe_digest_hash(int type, const char *alg, const uint8_t *digest, size_t len)
{
	return ipe_hash_bytes(alg_hash(type, alg ? alg : "", alg ? strlen(alg) : 0), digest, len);
}

uint64_t ipe_prop_digest_hash(const struct ipe_policy *p, const struct ipe_prop *prop)
{
	/* the same value as ipe_digest_hash(), the name's part computed once
	 * per interned name (a big policy hashes each digest several times) */
	if (p && prop && prop->alg < p->nalgs && p->alg_seed &&
	    (prop->type == IPE_PROP_DMV_ROOTHASH || prop->type == IPE_PROP_FSV_DIGEST))
		return ipe_hash_bytes(p->alg_seed[prop->alg][prop->type == IPE_PROP_FSV_DIGEST], ipe_prop_digest(p, prop),
				      prop->digest_len);
	return ipe_digest_hash(prop->type, ipe_prop_alg(p, prop), ipe_prop_digest(p, prop), prop->digest_len);
}

bool ipe_prop_digest_is(const struct ipe_policy *p, const struct ipe_prop *prop, const char *alg,
			const uint8_t *digest, size_t len)
{
	const char *palg = ipe_prop_alg(p, prop);

	if (!alg || !palg || (len && !digest))
		return false;
	return prop->digest_len == len && strcmp(palg, alg) == 0 &&
	       (len == 0 || memcmp(ipe_prop_digest(p, prop), digest, len) == 0);
}

bool ipe_prop_digest_same(const struct ipe_policy *pa, const struct ipe_prop *a, const struct ipe_policy *pb,
			  const struct ipe_prop *b)
{
	if (a->type != b->type || a->digest_len != b->digest_len)
		return false;
	/* one policy interns its algorithm names: equal names, equal indices */
	if (pa == pb)
		return a->alg == b->alg &&
		       (a->digest_len == 0 || memcmp(ipe_prop_digest(pa, a), ipe_prop_digest(pb, b), a->digest_len) == 0);
	return ipe_prop_digest_is(pa, a, ipe_prop_alg(pb, b), ipe_prop_digest(pb, b), b->digest_len);
}

bool ipe_prop_digest_equal(const struct ipe_policy *p, const struct ipe_prop *a, const struct ipe_prop *b)
{
	return ipe_prop_digest_same(p, a, p, b);
}

int ipe_policy_new(uint32_t src, struct ipe_policy **ret_policy)
{
	struct ipe_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->src = src;
	p->global_default = IPE_ACTION_NONE;
	for (int i = 0; i < IPE_OP_COUNT; i++)
		p->ops[i].default_action = IPE_ACTION_NONE;
	*ret_policy = p;
	return 0;
}

void ipe_policy_free(struct ipe_policy *p)
{
	struct ipe_hmap *ix;

	if (!p)
		return;
	free(p->name);
	for (int i = 0; i < IPE_OP_COUNT; i++)
		free(p->ops[i].rules);
	free(p->props);
	free(p->digest_pool);
	for (size_t i = 0; i < p->nalgs; i++)
		free(p->algs[i]);
	free(p->algs);
	free(p->alg_seed);
	ix = p->alg_index;
	if (ix)
		ipe_hmap_free(ix);
	free(ix);
	free(p);
}

/* Algorithm interning: the hash of each name -> its index into p->algs. */
int ipe_policy_intern_alg(struct ipe_policy *p, const char *alg, size_t len)
{
	struct ipe_hmap *ix = p->alg_index;
	uint64_t h = ipe_hash_bytes(IPE_HASH_SEED, alg, len);
	size_t pos = SIZE_MAX;
	uint32_t v;
	int rc;

	if (!ix) {
		ix = calloc(1, sizeof(*ix));
		if (!ix)
			return -ENOMEM;
		p->alg_index = ix;
	}
	while (ipe_hmap_next(ix, h, &pos, &v)) {
		const char *a = p->algs[v];

		if (strlen(a) == len && memcmp(a, alg, len) == 0)
			return (int)v;
	}
	if (p->nalgs >= UINT16_MAX)
		return -E2BIG;
	rc = ipe_vec_reserve((void **)&p->algs, &p->algs_cap, p->nalgs + 1, sizeof(*p->algs));
	if (!rc)
		rc = ipe_vec_reserve((void **)&p->alg_seed, &p->alg_seed_cap, p->nalgs + 1, sizeof(*p->alg_seed));
	if (rc)
		return rc;
	p->algs[p->nalgs] = strndup(alg, len);
	if (!p->algs[p->nalgs])
		return -ENOMEM;
	/* of the name as kept (ipe_digest_hash() of ipe_prop_alg()) */
	p->alg_seed[p->nalgs][0] = alg_hash(IPE_PROP_DMV_ROOTHASH, p->algs[p->nalgs], strlen(p->algs[p->nalgs]));
	p->alg_seed[p->nalgs][1] = alg_hash(IPE_PROP_FSV_DIGEST, p->algs[p->nalgs], strlen(p->algs[p->nalgs]));
	rc = ipe_hmap_insert(ix, h, (uint32_t)p->nalgs);
	if (rc) {
		free(p->algs[p->nalgs]);
		return rc;
	}
	return (int)p->nalgs++;
}

int ipe_policy_push_prop(struct ipe_policy *p, const struct ipe_prop *tmpl, const uint8_t *digest,
			 size_t digest_len)
{
	struct ipe_prop *n;
	int rc;

	if (p->nprops >= UINT32_MAX || (ipe_prop_is_digest(tmpl->type) &&
					digest_len > UINT32_MAX - 1 - p->digest_pool_len))
		return -E2BIG; /* ipe_prop.digest_off, ipe_rule.first_prop */
	if (p->nprops + 1 > p->props_cap) {
		rc = (p->big ? ipe_vec_reserve_big : ipe_vec_reserve)((void **)&p->props, &p->props_cap, p->nprops + 1,
								       sizeof(*p->props));
		if (rc)
			return rc;
	}
	n = &p->props[p->nprops];
	*n = *tmpl;
	if (ipe_prop_is_digest(tmpl->type)) {
		if (p->digest_pool_len + digest_len + 1 > p->digest_pool_cap) {
			rc = (p->big ? ipe_vec_reserve_big : ipe_vec_reserve)((void **)&p->digest_pool, &p->digest_pool_cap,
					     p->digest_pool_len + digest_len + 1, 1);
			if (rc)
				return rc;
		}
		n->digest_off = (uint32_t)p->digest_pool_len;
		n->digest_len = (uint32_t)digest_len;
		if (digest_len)
			memcpy(p->digest_pool + p->digest_pool_len, digest, digest_len);
		p->digest_pool_len += digest_len;
	}
	p->nprops++;
	return 0;
}

void ipe_policy_truncate_props(struct ipe_policy *p, size_t nprops, size_t pool_len)
{
	if (nprops < p->nprops)
		p->nprops = nprops;
	if (pool_len < p->digest_pool_len)
		p->digest_pool_len = pool_len;
}

int ipe_policy_push_rule(struct ipe_policy *p, const struct ipe_rule *r)
{
	struct ipe_op_table *t = &p->ops[r->op];
	int rc;

	if (t->nrules + 1 > t->rules_cap) {
		rc = (p->big ? ipe_vec_reserve_big : ipe_vec_reserve)((void **)&t->rules, &t->rules_cap, t->nrules + 1,
								       sizeof(*t->rules));
		if (rc)
			return rc;
	}
	t->rules[t->nrules++] = *r;
	p->nrules++;
	return 0;
}

const uint8_t *ipe_prop_digest(const struct ipe_policy *p, const struct ipe_prop *prop)
{
	static const uint8_t empty[1];

	if (!p || !prop || !ipe_prop_is_digest(prop->type))
		return NULL;
	if (!p->digest_pool)
		return empty;
	return p->digest_pool + prop->digest_off;
}

const char *ipe_prop_alg(const struct ipe_policy *p, const struct ipe_prop *prop)
{
	if (!p || !prop || !ipe_prop_is_digest(prop->type) || prop->alg >= p->nalgs)
		return NULL;
	return p->algs[prop->alg];
}

