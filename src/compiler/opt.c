/* SPDX-License-Identifier: MIT */
/*
 * The optimizer.  Each pass works on one op's rule list (rules of different
 * ops never interact) and is sound on its own under the evaluation model,
 * with rules seen as event classes (ruleclass.h: no physical assumption):
 *
 *  contradictions  a rule whose class is empty never decides anything.
 *  dup-props       a conjunction with a repeated property is the same
 *                  conjunction without the repetition.
 *  duplicates      a rule with the same class as an earlier one never
 *                  decides (the earlier one always matches first).
 *  dead            a rule whose class is covered by the union of earlier
 *                  rules' classes never decides.  Coverage is tracked per
 *                  digest class: rules naming no digest cover every value,
 *                  rules naming a digest cover only that value.
 *  redundant       (backwards) rule r with action A is removed when the
 *                  op's effective DEFAULT is A and no later kept rule with
 *                  the other action can match an event r matches: then the
 *                  events r decided fall to a later rule with action A or
 *                  to the DEFAULT.
 *  defaults        a per-op DEFAULT equal to the global DEFAULT changes
 *                  nothing (the kernel still accepts: the global one is set).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/opt.h>

#include "compiler/model.h"
#include "compiler/ruleclass.h"
#include "util/opts.h"
#include "util/internal.h"

static const char *const pass_names[IPE_OPT_PASS_COUNT] = {
	"contradictions", "dup-props", "duplicates", "dead", "redundant", "defaults",
};

const char *ipe_opt_pass_name(enum ipe_opt_pass pass)
{
	return (unsigned)pass < IPE_OPT_PASS_COUNT ? pass_names[pass] : NULL;
}

int ipe_opt_passes_parse(const char *list, unsigned *ret_mask, const char **ret_bad)
{
	unsigned mask = 0;
	const char *s = list;

	if (!list || !ret_mask)
		return -EINVAL;
	while (*s) {
		size_t n = strcspn(s, ",");
		bool ok = false;

		if (n == 3 && strncmp(s, "all", 3) == 0) {
			mask |= IPE_OPT_ALL;
			ok = true;
		}
		for (int i = 0; !ok && i < IPE_OPT_PASS_COUNT; i++)
			if (strlen(pass_names[i]) == n && strncmp(s, pass_names[i], n) == 0) {
				mask |= 1u << i;
				ok = true;
			}
		if (!ok) {
			if (ret_bad)
				*ret_bad = s;
			return -ENOENT;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	*ret_mask = mask;
	return 0;
}

/* ---- per-op state ---- */

struct cls {
	struct ipe_rc rc;
	int64_t d, f; /* digest ids, -1 none */
};

/* u64 key -> OR of masks */
struct mm {
	struct ipe_hmap m;
	uint8_t *v;
	size_t n, cap;
};

static void mm_free(struct mm *m)
{
	ipe_hmap_free(&m->m);
	free(m->v);
}

static uint8_t mm_get(const struct mm *m, uint64_t key)
{
	uint32_t i;

	return ipe_hmap_get(&m->m, key, &i) ? m->v[i] : 0;
}

static int mm_or(struct mm *m, uint64_t key, uint8_t mask)
{
	uint32_t i;
	int rc;

	rc = ipe_vec_reserve((void **)&m->v, &m->cap, m->n + 1, 1);
	if (rc)
		return rc;
	rc = ipe_hmap_put(&m->m, key, (uint32_t)m->n, &i);
	if (rc < 0)
		return rc;
	if (rc == 0)
		m->v[m->n++] = 0;
	m->v[i] |= mask;
	return 0;
}

static uint64_t pkey(int64_t d, int64_t f)
{
	return (uint64_t)(d + 1) << 32 | (uint64_t)(f + 1);
}

static int classify(const struct ipe_policy *p, const struct ipe_op_table *t, const struct ipe_eval_kernel *k,
		    struct ipe_dtab *dt, struct cls *c)
{
	for (size_t i = 0; i < t->nrules; i++) {
		ipe_rc_of_rule(p, &t->rules[i], k, &c[i].rc);
		c[i].d = c[i].f = -1;
		if (c[i].rc.dmv) {
			c[i].d = ipe_dtab_intern(dt, p, c[i].rc.dmv);
			if (c[i].d < 0)
				return (int)c[i].d;
		}
		if (c[i].rc.fsv) {
			c[i].f = ipe_dtab_intern(dt, p, c[i].rc.fsv);
			if (c[i].f < 0)
				return (int)c[i].f;
		}
	}
	return 0;
}

static void compact(struct ipe_policy *p, struct ipe_op_table *t, const bool *drop)
{
	size_t j = 0;

	for (size_t i = 0; i < t->nrules; i++)
		if (!drop[i])
			t->rules[j++] = t->rules[i];
	p->nrules -= t->nrules - j;
	t->nrules = j;
}

static size_t pass_simple(const struct cls *c, size_t n, int pass, bool *drop, struct mm *seen, int *err)
{
	size_t removed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct cls *r = &c[i];

		if (pass == IPE_OPT_CONTRADICTIONS) {
			drop[i] = !r->rc.mask;
		} else if (pass == IPE_OPT_DUPLICATES) {
			/* key: digest ids and mask, packed without overlap */
			uint64_t key;
			uint8_t bit;

			if (!r->rc.mask || r->d >= (1 << 23) || r->f >= INT64_C(1) << 31)
				continue; /* (too many digests to pack: keep the rule) */
			key = (uint64_t)(r->d + 1) << 40 | (uint64_t)(r->f + 1) << 8 | r->rc.mask;
			bit = mm_get(seen, key);
			if (bit) {
				drop[i] = true;
			} else if (mm_or(seen, key, 1)) {
				*err = -ENOMEM;
				return 0;
			}
		} else { /* dead */
			uint8_t cov;

			if (!r->rc.mask)
				continue;
			cov = mm_get(seen, pkey(-1, -1));
			if (r->d >= 0)
				cov |= mm_get(seen, pkey(r->d, -1));
			if (r->f >= 0)
				cov |= mm_get(seen, pkey(-1, r->f));
			if (r->d >= 0 && r->f >= 0)
				cov |= mm_get(seen, pkey(r->d, r->f));
			if (!(r->rc.mask & ~cov))
				drop[i] = true;
			if (mm_or(seen, pkey(r->d, r->f), r->rc.mask)) {
				*err = -ENOMEM;
				return 0;
			}
		}
		removed += drop[i];
	}
	return removed;
}

/* structures of later kept rules with one action */
struct later {
	uint8_t generic, any_d, any_f, any_pair;
	struct mm d, f, pair, pair_by_d, pair_by_f;
};

static uint8_t later_hits(const struct later *L, const struct cls *r)
{
	if (r->d < 0 && r->f < 0)
		return L->generic | L->any_d | L->any_f | L->any_pair;
	if (r->f < 0)
		return L->generic | mm_get(&L->d, (uint64_t)r->d) | L->any_f | mm_get(&L->pair_by_d, (uint64_t)r->d);
	if (r->d < 0)
		return L->generic | mm_get(&L->f, (uint64_t)r->f) | L->any_d | mm_get(&L->pair_by_f, (uint64_t)r->f);
	return L->generic | mm_get(&L->d, (uint64_t)r->d) | mm_get(&L->f, (uint64_t)r->f) |
	       mm_get(&L->pair, pkey(r->d, r->f));
}

static int later_add(struct later *L, const struct cls *r)
{
	uint8_t m = r->rc.mask;
	int rc = 0;

	if (r->d < 0 && r->f < 0) {
		L->generic |= m;
	} else if (r->f < 0) {
		L->any_d |= m;
		rc = mm_or(&L->d, (uint64_t)r->d, m);
	} else if (r->d < 0) {
		L->any_f |= m;
		rc = mm_or(&L->f, (uint64_t)r->f, m);
	} else {
		L->any_pair |= m;
		rc = mm_or(&L->pair, pkey(r->d, r->f), m);
		if (!rc)
			rc = mm_or(&L->pair_by_d, (uint64_t)r->d, m);
		if (!rc)
			rc = mm_or(&L->pair_by_f, (uint64_t)r->f, m);
	}
	return rc;
}

static void later_free(struct later *L)
{
	mm_free(&L->d);
	mm_free(&L->f);
	mm_free(&L->pair);
	mm_free(&L->pair_by_d);
	mm_free(&L->pair_by_f);
}

static size_t pass_redundant(const struct ipe_policy *p, const struct ipe_op_table *t, const struct cls *c,
			     bool *drop, int *err)
{
	struct later L[2];
	int def = t->default_action != IPE_ACTION_NONE ? t->default_action
		  : p->global_default != IPE_ACTION_NONE ? p->global_default
							 : IPE_ACTION_ALLOW;
	size_t removed = 0;

	memset(L, 0, sizeof(L));
	for (size_t i = t->nrules; i-- > 0;) {
		const struct cls *r = &c[i];
		int a = t->rules[i].action;

		if (!r->rc.mask || (a != IPE_ACTION_ALLOW && a != IPE_ACTION_DENY))
			continue;
		if (a == def && !(r->rc.mask & later_hits(&L[!a], r))) {
			drop[i] = true;
			removed++;
			continue;
		}
		if (later_add(&L[a], r)) {
			*err = -ENOMEM;
			break;
		}
	}
	later_free(&L[0]);
	later_free(&L[1]);
	return removed;
}

/* dup-props: rewrite rules with repeated properties into fresh prop slots */
static int pass_dup_props(struct ipe_policy *p, struct ipe_op_table *t, size_t *removed)
{
	for (size_t i = 0; i < t->nrules; i++) {
		struct ipe_rule *r = &t->rules[i];
		size_t first, kept = 0;
		unsigned seen = 0;
		int rc;

		if (r->nprops < 2)
			continue;
		/* count what stays; non-digests: one per type; digests: drop
		 * exact repeats of the first of their kind */
		{
			const struct ipe_prop *pr = ipe_rule_props(p, r);
			const struct ipe_prop *firstd[2] = { NULL, NULL };
			bool any = false;

			for (uint32_t j = 0; j < r->nprops; j++) {
				if (ipe_prop_is_digest(pr[j].type)) {
					int kd = pr[j].type == IPE_PROP_FSV_DIGEST;

					if (firstd[kd] && ipe_prop_digest_equal(p, firstd[kd], &pr[j])) {
						any = true;
						continue;
					}
					if (!firstd[kd])
						firstd[kd] = &pr[j];
				} else if (seen & (1u << pr[j].type)) {
					any = true;
					continue;
				} else {
					seen |= 1u << pr[j].type;
				}
			}
			if (!any)
				continue;
		}
		rc = ipe_vec_reserve((void **)&p->props, &p->props_cap, p->nprops + r->nprops, sizeof(*p->props));
		if (rc)
			return rc;
		first = p->nprops;
		{
			const struct ipe_prop *pr = ipe_rule_props(p, r);
			const struct ipe_prop *firstd[2] = { NULL, NULL };

			seen = 0;
			for (uint32_t j = 0; j < r->nprops; j++) {
				if (ipe_prop_is_digest(pr[j].type)) {
					int kd = pr[j].type == IPE_PROP_FSV_DIGEST;

					if (firstd[kd] && ipe_prop_digest_equal(p, firstd[kd], &pr[j]))
						continue;
					if (!firstd[kd])
						firstd[kd] = &pr[j];
				} else if (seen & (1u << pr[j].type)) {
					continue;
				} else {
					seen |= 1u << pr[j].type;
				}
				p->props[first + kept++] = pr[j];
			}
		}
		*removed += r->nprops - kept;
		p->nprops += kept;
		r->first_prop = (uint32_t)first; /* <= nprops < UINT32_MAX */
		r->nprops = (uint32_t)kept;
	}
	return 0;
}

int ipe_policy_optimize(struct ipe_policy *p, const struct ipe_eval_kernel *k, unsigned mask,
			struct ipe_opt_stats *ret_stats)
{
	struct ipe_opt_stats st;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	if (ret_stats)
		memset(ret_stats, 0, sizeof(*ret_stats));
	if (!p || p->verdict.err || IPE_RESERVED_CHECK(k))
		return -EINVAL;
	for (int op = 0; op < IPE_OP_COUNT && !rc; op++) {
		struct ipe_op_table *t = &p->ops[op];

		for (int pass = 0; pass < IPE_OPT_DEFAULTS && !rc; pass++) {
			struct ipe_dtab dt;
			struct cls *c = NULL;
			bool *drop = NULL;
			struct mm seen;
			size_t n = 0;

			if (!(mask & (1u << pass)) || !t->nrules)
				continue;
			if (pass == IPE_OPT_DUP_PROPS) {
				rc = pass_dup_props(p, t, &st.removed[pass]);
				continue;
			}
			memset(&seen, 0, sizeof(seen));
			ipe_dtab_init(&dt);
			c = calloc(t->nrules, sizeof(*c));
			drop = calloc(t->nrules, sizeof(*drop));
			if (!c || !drop)
				rc = -ENOMEM;
			if (!rc)
				rc = classify(p, t, k, &dt, c);
			if (!rc) {
				if (pass == IPE_OPT_REDUNDANT)
					n = pass_redundant(p, t, c, drop, &rc);
				else
					n = pass_simple(c, t->nrules, pass, drop, &seen, &rc);
			}
			if (!rc) {
				compact(p, t, drop);
				st.removed[pass] += n;
			}
			mm_free(&seen);
			ipe_dtab_free(&dt);
			free(c);
			free(drop);
		}
		if (!rc && (mask & (1u << IPE_OPT_DEFAULTS)) && p->global_default != IPE_ACTION_NONE &&
		    t->default_action == p->global_default) {
			t->default_action = IPE_ACTION_NONE;
			st.removed[IPE_OPT_DEFAULTS]++;
		}
	}
	if (ret_stats)
		*ret_stats = st;
	return rc;
}
