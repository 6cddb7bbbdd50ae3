/* SPDX-License-Identifier: MIT */
/* Rules as finite event classes; digest interning (internal). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/model.h"
#include "compiler/ruleclass.h"

/* the combinations b with bit dim of b equal to value (b&1 boot_verified,
 * b&2 dmverity_signature, b&4 fsverity_signature) */
static uint8_t dim_mask(int dim, bool value)
{
	static const uint8_t ones[3] = { 0xaa, 0xcc, 0xf0 };

	return value ? ones[dim] : (uint8_t)~ones[dim];
}

/* The combinations of class c a kernel can produce, possible telling
 * whether every digest the rule names is one ipe_prop_digest_possible()
 * accepts: a named digest is on a verity file, never boot_verified; an
 * impossible digest matches no event. */
static inline uint8_t physical(const struct ipe_rc *c, bool possible)
{
	return c->mask && possible ? c->mask & ipe_rc_physical_mask(c->dmv || c->fsv) : 0;
}

/* Is property type t compiled in (ipe_eval_prop_enabled), asked once per
 * type and walker. */
static inline bool walk_enabled(struct ipe_rc_walk *w, enum ipe_prop_type t)
{
	uint16_t bit = (uint16_t)(1u << t);

	if (!(w->known & bit)) {
		w->known |= bit;
		if (ipe_eval_prop_enabled(w->k, t))
			w->enabled |= bit;
	}
	return w->enabled & bit;
}

/* ipe_prop_digest_possible(), the answer kept for the last (kind,
 * algorithm, length) asked: what it depends on, and most digests of a
 * policy share them. */
static inline bool walk_possible(struct ipe_rc_walk *w, const struct ipe_prop *pr)
{
	if (!w->last_set || w->last_type != pr->type || w->last_alg != pr->alg || w->last_len != pr->digest_len) {
		w->last_set = true;
		w->last_type = pr->type;
		w->last_alg = pr->alg;
		w->last_len = pr->digest_len;
		w->last_possible = ipe_prop_digest_possible(w->p, pr);
	}
	return w->last_possible;
}

void ipe_rc_walk_init(struct ipe_rc_walk *w, const struct ipe_policy *p, const struct ipe_eval_kernel *k)
{
	_Static_assert(IPE_PROP_COUNT <= 16, "walk_enabled keeps one bit per property type");
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->k = k;
}

void ipe_rc_walk_rule(struct ipe_rc_walk *w, const struct ipe_rule *r, struct ipe_rc *ret, uint8_t *ret_physical)
{
	const struct ipe_policy *p = w->p;
	const struct ipe_prop *props = ipe_rule_props(p, r);
	struct ipe_rc c = { .mask = IPE_RC_ALL };
	bool possible = true; /* no digest ipe_prop_digest_possible() refuses */

	for (uint32_t i = 0; i < r->nprops; i++) {
		const struct ipe_prop *pr = &props[i];

		if (!walk_enabled(w, (enum ipe_prop_type)pr->type)) {
			c.mask = 0; /* compiled out: both forms are false */
			continue;
		}
		switch (pr->type) {
		case IPE_PROP_BOOT_VERIFIED_FALSE:
		case IPE_PROP_BOOT_VERIFIED_TRUE:
			c.mask &= dim_mask(IPE_RC_DIM_BV, pr->type == IPE_PROP_BOOT_VERIFIED_TRUE);
			break;
		case IPE_PROP_DMV_SIG_FALSE:
		case IPE_PROP_DMV_SIG_TRUE:
			c.mask &= dim_mask(IPE_RC_DIM_DS, pr->type == IPE_PROP_DMV_SIG_TRUE);
			break;
		case IPE_PROP_FSV_SIG_FALSE:
		case IPE_PROP_FSV_SIG_TRUE:
			c.mask &= dim_mask(IPE_RC_DIM_FS, pr->type == IPE_PROP_FSV_SIG_TRUE);
			break;
		case IPE_PROP_DMV_ROOTHASH:
		case IPE_PROP_FSV_DIGEST: {
			const struct ipe_prop **slot = pr->type == IPE_PROP_DMV_ROOTHASH ? &c.dmv : &c.fsv;

			if (!*slot)
				*slot = pr;
			else if (!ipe_prop_digest_equal(p, *slot, pr))
				c.mask = 0; /* one event has one digest of each kind */
			if (ret_physical && c.mask && possible)
				possible = walk_possible(w, pr);
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
	/* ipe_rc_physical() of c (a digest property of a compiled-out type,
	 * not judged above, leaves the mask 0 anyway) */
	if (ret_physical)
		*ret_physical = physical(&c, possible);
}

void ipe_rc_of_rule(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_eval_kernel *k,
		    struct ipe_rc *ret)
{
	struct ipe_rc_walk w;

	ipe_rc_walk_init(&w, p, k);
	ipe_rc_walk_rule(&w, r, ret, NULL);
}

void ipe_rc_physical(const struct ipe_policy *p, const struct ipe_rule *r, struct ipe_rc *c)
{
	const struct ipe_prop *props = ipe_rule_props(p, r);
	bool possible = true;

	for (uint32_t i = 0; i < r->nprops; i++)
		if (ipe_prop_is_digest((enum ipe_prop_type)props[i].type) && !ipe_prop_digest_possible(p, &props[i]))
			possible = false;
	c->mask = physical(c, possible);
	if (!c->mask)
		c->dmv = c->fsv = NULL;
}

uint8_t ipe_rc_physical_mask(bool has_digest)
{
	uint8_t bv = dim_mask(IPE_RC_DIM_BV, true);

	/* boot_verified with a verity signature: not an event; with a digest
	 * neither */
	return (uint8_t)~(has_digest ? bv : bv & (dim_mask(IPE_RC_DIM_DS, true) | dim_mask(IPE_RC_DIM_FS, true)));
}

int8_t ipe_rc_tri(uint8_t mask, int dim)
{
	bool t = mask & dim_mask(dim, true), f = mask & dim_mask(dim, false);

	return t == f ? -1 : t;
}

/* ---- digest interning ---- */

void ipe_dtab_init(struct ipe_dtab *t)
{
	memset(t, 0, sizeof(*t));
}

void ipe_dtab_free(struct ipe_dtab *t)
{
	if (!t)
		return;
	free(t->ents);
	ipe_hmap_free(&t->index);
	memset(t, 0, sizeof(*t));
}

int64_t ipe_dtab_intern(struct ipe_dtab *t, const struct ipe_policy *p, const struct ipe_prop *prop)
{
	return ipe_dtab_intern_hashed(t, p, prop, ipe_prop_digest_hash(p, prop));
}

static bool dent_same(const void *entry, const void *key)
{
	const struct ipe_dent *a = entry, *b = key;

	return ipe_prop_digest_same(a->p, a->prop, b->p, b->prop);
}

int64_t ipe_dtab_intern_hashed(struct ipe_dtab *t, const struct ipe_policy *p, const struct ipe_prop *prop,
			       uint64_t h)
{
	int kind = prop->type == IPE_PROP_FSV_DIGEST;
	struct ipe_dent key = { .p = p, .prop = prop };
	size_t at = 0;
	int rc = ipe_hmap_intern(&t->index, h, (void **)&t->ents, &t->n, &t->cap, sizeof(*t->ents), SIZE_MAX,
				 dent_same, &key, &at);

	if (rc < 0)
		return rc;
	if (rc == 1) {
		key.id = t->nkind[kind]++;
		t->ents[at] = key;
	}
	return t->ents[at].id;
}
