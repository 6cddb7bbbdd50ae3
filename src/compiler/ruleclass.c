/* SPDX-License-Identifier: MIT */
/* Rules as finite event classes; digest interning (internal). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ruleclass.h"

/* bit index of each boolean dimension */
enum { DIM_BV = 0, DIM_DS = 1, DIM_FS = 2 };

static uint8_t dim_mask(int dim, bool value)
{
	uint8_t m = 0;

	for (unsigned b = 0; b < 8; b++)
		if (((b >> dim) & 1u) == (unsigned)value)
			m |= (uint8_t)(1u << b);
	return m;
}

static bool same_digest(const struct ipe_policy *p, const struct ipe_prop *a, const struct ipe_prop *b)
{
	const char *aa = ipe_prop_alg(p, a), *ba = ipe_prop_alg(p, b);

	if (a->digest_len != b->digest_len || !aa || !ba || strcmp(aa, ba) != 0)
		return false;
	return a->digest_len == 0 || memcmp(ipe_prop_digest(p, a), ipe_prop_digest(p, b), a->digest_len) == 0;
}

void ipe_rc_of_rule(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_eval_kernel *k,
		    struct ipe_rc *ret)
{
	const struct ipe_prop *props = ipe_rule_props(p, r);
	struct ipe_rc c = { .mask = IPE_RC_ALL };

	for (uint32_t i = 0; i < r->nprops; i++) {
		const struct ipe_prop *pr = &props[i];

		if (!ipe_eval_prop_enabled(k, (enum ipe_prop_type)pr->type)) {
			c.mask = 0; /* compiled out: both forms are false */
			continue;
		}
		switch (pr->type) {
		case IPE_PROP_BOOT_VERIFIED_FALSE:
		case IPE_PROP_BOOT_VERIFIED_TRUE:
			c.mask &= dim_mask(DIM_BV, pr->type == IPE_PROP_BOOT_VERIFIED_TRUE);
			break;
		case IPE_PROP_DMV_SIG_FALSE:
		case IPE_PROP_DMV_SIG_TRUE:
			c.mask &= dim_mask(DIM_DS, pr->type == IPE_PROP_DMV_SIG_TRUE);
			break;
		case IPE_PROP_FSV_SIG_FALSE:
		case IPE_PROP_FSV_SIG_TRUE:
			c.mask &= dim_mask(DIM_FS, pr->type == IPE_PROP_FSV_SIG_TRUE);
			break;
		case IPE_PROP_DMV_ROOTHASH:
		case IPE_PROP_FSV_DIGEST: {
			const struct ipe_prop **slot = pr->type == IPE_PROP_DMV_ROOTHASH ? &c.dmv : &c.fsv;

			if (!*slot)
				*slot = pr;
			else if (!same_digest(p, *slot, pr))
				c.mask = 0; /* one event has one digest of each kind */
			break;
		}
		default:
			c.mask = 0;
			break;
		}
	}
	if (!c.mask)
		c.dmv = c.fsv = NULL;
	*ret = c;
}

void ipe_rc_physical(const struct ipe_policy *p, const struct ipe_rule *r, struct ipe_rc *c)
{
	const struct ipe_prop *props = ipe_rule_props(p, r);
	uint8_t bv = dim_mask(DIM_BV, true);

	/* boot_verified with a verity signature: not an event */
	c->mask &= (uint8_t)~(bv & (dim_mask(DIM_DS, true) | dim_mask(DIM_FS, true)));
	/* a named digest: a verity file, never boot_verified */
	if (c->dmv || c->fsv)
		c->mask &= (uint8_t)~bv;
	for (uint32_t i = 0; i < r->nprops; i++)
		if (ipe_prop_is_digest((enum ipe_prop_type)props[i].type) && !ipe_prop_digest_possible(p, &props[i]))
			c->mask = 0;
	if (!c->mask)
		c->dmv = c->fsv = NULL;
}

/* ---- digest interning ---- */

static uint64_t digest_hash(const struct ipe_policy *p, const struct ipe_prop *prop)
{
	const char *alg = ipe_prop_alg(p, prop);
	const uint8_t *d = ipe_prop_digest(p, prop);
	uint64_t h = 1469598103934665603ull ^ (prop->type == IPE_PROP_FSV_DIGEST);

	for (const char *c = alg ? alg : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	h = (h ^ 0xffu ^ ((uint64_t)prop->digest_len << 8)) * 1099511628211ull;
	/* the bytes 8 at a time (a digest is hundreds of thousands of times here) */
	for (uint32_t i = 0; i < prop->digest_len; i += 8) {
		uint64_t w = 0;
		uint32_t n = prop->digest_len - i < 8 ? prop->digest_len - i : 8;

		memcpy(&w, d + i, n);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	return h ^ (h >> 29);
}

static bool dent_eq(const struct ipe_dent *e, const struct ipe_policy *p, const struct ipe_prop *prop)
{
	const char *a = ipe_prop_alg(e->p, e->prop), *b = ipe_prop_alg(p, prop);

	return e->prop->type == prop->type && e->prop->digest_len == prop->digest_len && a && b &&
	       strcmp(a, b) == 0 &&
	       (prop->digest_len == 0 ||
		memcmp(ipe_prop_digest(e->p, e->prop), ipe_prop_digest(p, prop), prop->digest_len) == 0);
}

void ipe_dtab_init(struct ipe_dtab *t)
{
	memset(t, 0, sizeof(*t));
}

void ipe_dtab_free(struct ipe_dtab *t)
{
	if (!t)
		return;
	free(t->ents);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int dtab_rehash(struct ipe_dtab *t)
{
	size_t ns = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slots = calloc(ns, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = t->ents[i].hash & (ns - 1);

		while (slots[h])
			h = (h + 1) & (ns - 1);
		slots[h] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = ns;
	return 0;
}

int64_t ipe_dtab_intern(struct ipe_dtab *t, const struct ipe_policy *p, const struct ipe_prop *prop)
{
	uint64_t h = digest_hash(p, prop);
	int kind = prop->type == IPE_PROP_FSV_DIGEST;
	size_t s;

	if ((t->n + 1) * 2 > t->nslots && dtab_rehash(t))
		return -ENOMEM;
	s = h & (t->nslots - 1);
	while (t->slots[s]) {
		struct ipe_dent *e = &t->ents[t->slots[s] - 1];

		if (e->hash == h && dent_eq(e, p, prop))
			return e->id;
		s = (s + 1) & (t->nslots - 1);
	}
	if (t->n >= UINT32_MAX - 1)
		return -E2BIG;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct ipe_dent *ne = realloc(t->ents, nc * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		t->ents = ne;
		t->cap = nc;
	}
	t->ents[t->n] = (struct ipe_dent){ .p = p, .prop = prop, .hash = h, .id = t->nkind[kind]++ };
	t->slots[s] = (uint32_t)++t->n;
	return t->ents[t->n - 1].id;
}

/* ---- u64 map ---- */

static size_t u64_slot(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

void ipe_u64map_free(struct ipe_u64map *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

int ipe_u64map_put(struct ipe_u64map *m, uint64_t key, uint32_t val, uint32_t *ret_existing)
{
	size_t s;

	if ((m->n + 1) * 2 > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		uint64_t *nk = calloc(nc, sizeof(*nk));
		uint32_t *nv = calloc(nc, sizeof(*nv));

		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->vals[i])
				continue;
			s = u64_slot(m->keys[i], nc);
			while (nv[s])
				s = (s + 1) & (nc - 1);
			nk[s] = m->keys[i];
			nv[s] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = nk;
		m->vals = nv;
		m->cap = nc;
	}
	s = u64_slot(key, m->cap);
	while (m->vals[s]) {
		if (m->keys[s] == key) {
			if (ret_existing)
				*ret_existing = m->vals[s] - 1;
			return 1;
		}
		s = (s + 1) & (m->cap - 1);
	}
	m->keys[s] = key;
	m->vals[s] = val + 1;
	m->n++;
	if (ret_existing)
		*ret_existing = val;
	return 0;
}

bool ipe_u64map_get(const struct ipe_u64map *m, uint64_t key, uint32_t *ret_val)
{
	size_t s;

	if (!m->cap)
		return false;
	s = u64_slot(key, m->cap);
	while (m->vals[s]) {
		if (m->keys[s] == key) {
			if (ret_val)
				*ret_val = m->vals[s] - 1;
			return true;
		}
		s = (s + 1) & (m->cap - 1);
	}
	return false;
}
