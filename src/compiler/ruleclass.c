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
	uint8_t bv = dim_mask(IPE_RC_DIM_BV, true);

	/* boot_verified with a verity signature: not an event */
	c->mask &= (uint8_t)~(bv & (dim_mask(IPE_RC_DIM_DS, true) | dim_mask(IPE_RC_DIM_FS, true)));
	/* a named digest: a verity file, never boot_verified */
	if (c->dmv || c->fsv)
		c->mask &= (uint8_t)~bv;
	for (uint32_t i = 0; i < r->nprops; i++)
		if (ipe_prop_is_digest((enum ipe_prop_type)props[i].type) && !ipe_prop_digest_possible(p, &props[i]))
			c->mask = 0;
	if (!c->mask)
		c->dmv = c->fsv = NULL;
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

int64_t ipe_dtab_intern_hashed(struct ipe_dtab *t, const struct ipe_policy *p, const struct ipe_prop *prop,
			       uint64_t h)
{
	int kind = prop->type == IPE_PROP_FSV_DIGEST;
	size_t pos = SIZE_MAX;
	uint32_t v;
	int rc;

	while (ipe_hmap_next(&t->index, h, &pos, &v)) {
		const struct ipe_dent *e = &t->ents[v];

		if (ipe_prop_digest_same(e->p, e->prop, p, prop))
			return e->id;
	}
	if (t->n >= UINT32_MAX - 1)
		return -E2BIG;
	rc = ipe_vec_reserve((void **)&t->ents, &t->cap, t->n + 1, sizeof(*t->ents));
	if (rc)
		return rc;
	rc = ipe_hmap_insert(&t->index, h, (uint32_t)t->n);
	if (rc)
		return rc;
	t->ents[t->n] = (struct ipe_dent){ .p = p, .prop = prop, .id = t->nkind[kind]++ };
	return t->ents[t->n++].id;
}
