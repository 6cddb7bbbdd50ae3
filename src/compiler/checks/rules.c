/* SPDX-License-Identifier: MIT */
/*
 * Rule analyses: dead (shadowed, unreachable, duplicate), contradictory,
 * overlapping with the opposite action (ineffective revocation), redundant,
 * defaults that never apply, ops that allow everything, boot risk, rule
 * counts, =FALSE properties and events with no file.
 *
 * Every statement about which events a rule decides comes from the one
 * model of a rule as a class of events (compiler/ruleclass.h, the model the
 * equivalence checker proves with): a rule accepts a set of the 8 boolean
 * combinations and names at most one root hash d and one fs-verity digest f.
 * An event (b, d, f) is matched by exactly the rules accepting b whose named
 * digests are d and f (or none).  The rules seen so far are kept in groups
 * keyed by the digests they name -- every rule, the ones naming no root hash
 * (any fs-verity), no digest at all, root hash d (any fs-verity), d and no
 * fs-verity digest, and the same for f, and the pair (d, f) -- with, per
 * action and boolean combination, the first rule of the group accepting it.
 * Then, exactly and in constant time per rule:
 *  - the first rule matching an event (b, d, f) (d, f named or "any other
 *    value") is the earliest over the groups {none, (d, none), (none, f),
 *    (d, f)};
 *  - a rule is dead iff every combination it accepts is accepted by an
 *    earlier rule of those groups for its own (d, f): deleting it is then
 *    equivalent;
 *  - a rule is redundant (deleting it is equivalent) when its action is the
 *    default's and no later rule with the other action shares an event with
 *    it (a sufficient condition: nothing is claimed otherwise).
 * tests/lint/test_lint_sound.c checks every such claim by deleting the line
 * and asking the equivalence checker, over thousands of random policies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "compiler/model.h"
#include "compiler/ruleclass.h"
#include "util/internal.h"

/* ---- state ---- */

#define NONE UINT32_MAX
#define ALLB 0xffu

/* rules seen so far that name the same digests: per action and boolean
 * combination, the first of them accepting it */
struct grp {
	uint32_t first[2][8];
};

enum gkind { G_ALL = 0, G_DN, G_FN, G_NN, G_D, G_F, G_DO, G_FO, G_Z, G_FIXED = G_D };

struct rinfo {
	struct ipe_rc rc;
	uint32_t d, f;         /* digest ids + 1 of the class (0 = any) */
	uint8_t never;         /* enum ipe_never_reason (physical view, ipe_rule_constraint) */
	bool dead, redundant;
	uint32_t by[8];        /* dead: the earlier rules deciding its events (NONE-terminated) */
	uint32_t ov;           /* W104: the earlier rule of the other action deciding one of its events */
	uint8_t ov_b;          /* that event: boolean combination ... */
	uint32_t ov_d, ov_f;   /* ... and digests (id + 1, 0 = any other value) */
};

struct rstate {
	struct lint_run *run;
	const struct ipe_policy *p;
	/* digest interning (whole policy) */
	struct ipe_hmap digests;    /* hash -> prop index of the representative */
	uint32_t *digest_id;        /* per prop (digests only) */
	const struct ipe_prop **id_prop; /* digest id -> a property naming it */
	uint8_t *digest_multi;      /* per digest id: named by more than one property */
	/* per op */
	const struct ipe_op_table *t;
	int op;
	struct rinfo *ri;
	struct grp fixed[G_FIXED];  /* G_ALL, G_DN, G_FN, G_NN */
	struct ipe_hmap gidx;       /* group key -> index into grps */
	struct grp *grps;
	size_t ngrps, gcap;
};

/* ---- digests ---- */

static int intern_digests(struct rstate *st)
{
	const struct ipe_policy *p = st->p;
	size_t ndig = 0, nd = 0;
	uint64_t *hs = NULL;
	uint32_t *at = NULL;
	int rc = -ENOMEM;

	st->digest_id = calloc(p->nprops ? p->nprops : 1, sizeof(*st->digest_id));
	st->id_prop = calloc(p->nprops ? p->nprops : 1, sizeof(*st->id_prop));
	st->digest_multi = calloc(p->nprops ? p->nprops : 1, 1);
	if (!st->digest_id || !st->id_prop || !st->digest_multi)
		return -ENOMEM;
	for (size_t i = 0; i < p->nprops; i++)
		ndig += ipe_prop_is_digest((enum ipe_prop_type)p->props[i].type);
	if (ipe_hmap_init(&st->digests, ndig + 1))
		return -ENOMEM;
	/* hash every digest first (a sequential pass), then probe the table
	 * with the slots of the next few digests prefetched: on a big policy
	 * every probe is a cache miss, and this lets them overlap */
	hs = malloc((ndig + 1) * sizeof(*hs));
	at = malloc((ndig + 1) * sizeof(*at));
	if (!hs || !at)
		goto out;
	for (size_t i = 0; i < p->nprops; i++) {
		if (!ipe_prop_is_digest((enum ipe_prop_type)p->props[i].type))
			continue;
		hs[nd] = ipe_prop_digest_hash(p, &p->props[i]);
		at[nd++] = (uint32_t)i;
	}
	for (size_t x = 0; x < nd; x++) {
		const struct ipe_prop *pr;
		uint64_t h = hs[x];
		size_t pos = SIZE_MAX;
		uint32_t v, i = at[x];
		bool found = false;

		if (x + 8 < nd)
			__builtin_prefetch(&st->digests.slots[ipe_hmap_slot(&st->digests, hs[x + 8])]);
		pr = &p->props[i];
		while (ipe_hmap_next(&st->digests, h, &pos, &v)) {
			if (ipe_prop_digest_equal(p, &p->props[v], pr)) {
				st->digest_id[i] = st->digest_id[v];
				st->digest_multi[st->digest_id[v]] = 1;
				found = true;
				break;
			}
		}
		if (!found) {
			st->digest_id[i] = i; /* id = index of the first occurrence */
			st->id_prop[i] = pr;
			if (ipe_hmap_insert(&st->digests, h, i))
				goto out;
		}
	}
	rc = 0;
out:
	free(hs);
	free(at);
	return rc;
}


static uint64_t prop_key(const struct rstate *st, const struct ipe_prop *pr)
{
	size_t idx = (size_t)(pr - st->p->props);

	if (!ipe_prop_is_digest((enum ipe_prop_type)pr->type))
		return (uint64_t)pr->type + 1;
	return ((uint64_t)(pr->type + 1) << 32) | ((uint64_t)st->digest_id[idx] + 16);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- groups ---- */

static uint64_t gkey(enum gkind k, uint32_t d, uint32_t f)
{
	return ((uint64_t)k << 60) | ((uint64_t)d << 30) | f;
}

/* A digest (id + 1) that one property of the whole policy names: a group
 * keyed by it holds at most the rule naming it, which never queries a group
 * after adding itself -- such groups are neither stored nor looked up (most
 * rules of a per-file digest allowlist). */
static bool dig_unique(const struct rstate *st, uint32_t id1)
{
	return id1 && !st->digest_multi[id1 - 1];
}

static struct grp *grp_find(const struct rstate *st, enum gkind k, uint32_t d, uint32_t f)
{
	size_t pos = SIZE_MAX;
	uint32_t v;

	if (k < G_FIXED)
		return (struct grp *)&st->fixed[k];
	if (dig_unique(st, d) || dig_unique(st, f))
		return NULL;
	if (!ipe_hmap_next(&st->gidx, gkey(k, d, f), &pos, &v))
		return NULL;
	return &st->grps[v];
}

static struct grp *grp_get(struct rstate *st, enum gkind k, uint32_t d, uint32_t f)
{
	struct grp *g = grp_find(st, k, d, f);

	if (g)
		return g;
	if (ipe_vec_reserve((void **)&st->grps, &st->gcap, st->ngrps + 1, sizeof(*st->grps)))
		return NULL;
	g = &st->grps[st->ngrps];
	memset(g, 0xff, sizeof(*g));
	if (ipe_hmap_insert(&st->gidx, gkey(k, d, f), (uint32_t)st->ngrps))
		return NULL;
	st->ngrps++;
	return g;
}

static void groups_reset(struct rstate *st)
{
	memset(st->fixed, 0xff, sizeof(st->fixed));
	ipe_hmap_clear(&st->gidx);
	st->ngrps = 0;
}

static int grp_put(struct rstate *st, enum gkind k, uint32_t d, uint32_t f, int a, uint8_t mask, uint32_t i)
{
	struct grp *g;

	if (k >= G_FIXED && (dig_unique(st, d) || dig_unique(st, f)))
		return 0;
	g = grp_get(st, k, d, f);

	if (!g)
		return -ENOMEM;
	for (unsigned b = 0; b < 8; b++)
		if (((mask >> b) & 1u) && g->first[a][b] == NONE)
			g->first[a][b] = i;
	return 0;
}

/* Add rule i (a class that matches something) to its groups. */
static int groups_add(struct rstate *st, uint32_t i)
{
	const struct rinfo *r = &st->ri[i];
	int a = st->t->rules[i].action == IPE_ACTION_ALLOW;
	uint8_t m = r->rc.mask;
	int rc = grp_put(st, G_ALL, 0, 0, a, m, i);

	if (!r->d)
		rc |= grp_put(st, G_DN, 0, 0, a, m, i);
	if (!r->f)
		rc |= grp_put(st, G_FN, 0, 0, a, m, i);
	if (!r->d && !r->f)
		rc |= grp_put(st, G_NN, 0, 0, a, m, i);
	if (r->d)
		rc |= grp_put(st, G_D, r->d, 0, a, m, i);
	if (r->f)
		rc |= grp_put(st, G_F, 0, r->f, a, m, i);
	if (r->d && !r->f)
		rc |= grp_put(st, G_DO, r->d, 0, a, m, i);
	if (r->f && !r->d)
		rc |= grp_put(st, G_FO, 0, r->f, a, m, i);
	if (r->d && r->f)
		rc |= grp_put(st, G_Z, r->d, r->f, a, m, i);
	return rc ? -ENOMEM : 0;
}

/* The groups whose rules match every event (b, d, f) they accept b of:
 * those naming no digest, or only d, or only f, or both (0 = any other
 * value, which no rule names). */
static size_t groups_matching(const struct rstate *st, uint32_t d, uint32_t f, const struct grp **out)
{
	size_t n = 0;

	out[n++] = &st->fixed[G_NN];
	if (d && (out[n] = grp_find(st, G_DO, d, 0)))
		n++;
	if (f && (out[n] = grp_find(st, G_FO, 0, f)))
		n++;
	if (d && f && (out[n] = grp_find(st, G_Z, d, f)))
		n++;
	return n;
}

/* The groups of rules sharing at least one event with a class naming d, f. */
static size_t groups_overlapping(const struct rstate *st, uint32_t d, uint32_t f, const struct grp **out)
{
	if (!d && !f) {
		out[0] = &st->fixed[G_ALL];
		return 1;
	}
	if (d && !f) {
		size_t n = 0;

		out[n++] = &st->fixed[G_DN];
		if ((out[n] = grp_find(st, G_D, d, 0)))
			n++;
		return n;
	}
	if (!d) {
		size_t n = 0;

		out[n++] = &st->fixed[G_FN];
		if ((out[n] = grp_find(st, G_F, 0, f)))
			n++;
		return n;
	}
	return groups_matching(st, d, f, out);
}

/* First rule so far (of action a, or either for a < 0) matching event (b, d, f). */
static uint32_t first_match(const struct rstate *st, int a, unsigned b, uint32_t d, uint32_t f)
{
	const struct grp *g[4];
	size_t n = groups_matching(st, d, f, g);
	uint32_t best = NONE;

	for (size_t x = 0; x < n; x++)
		for (int act = 0; act < 2; act++)
			if ((a < 0 || a == act) && g[x]->first[act][b] < best)
				best = g[x]->first[act][b];
	return best;
}

/* Combinations of a class some rule so far (of action a) shares an event with. */
static uint8_t overlap_mask(const struct rstate *st, int a, uint32_t d, uint32_t f)
{
	const struct grp *g[4];
	size_t n = groups_overlapping(st, d, f, g);
	uint8_t m = 0;

	for (size_t x = 0; x < n; x++)
		for (unsigned b = 0; b < 8; b++)
			if (g[x]->first[a][b] != NONE)
				m |= (uint8_t)(1u << b);
	return m;
}

/* Earliest rule so far of action a sharing an event with the class of rule i. */
static uint32_t first_overlap(const struct rstate *st, int a, uint32_t i)
{
	const struct rinfo *r = &st->ri[i];
	const struct grp *g[4];
	size_t n = groups_overlapping(st, r->d, r->f, g);
	uint32_t best = NONE;

	for (size_t x = 0; x < n; x++)
		for (unsigned b = 0; b < 8; b++)
			if (((r->rc.mask >> b) & 1u) && g[x]->first[a][b] < best)
				best = g[x]->first[a][b];
	return best;
}

/* Can a kernel produce event (b, d, f), its digests being possible ones?
 * A boot_verified file is on no verity volume. */
static bool event_physical(unsigned b, uint32_t d, uint32_t f)
{
	return !((b & 1u) && (b & 6u || d || f));
}

static void event_text(const struct rstate *st, unsigned b, uint32_t d, uint32_t f, char *buf, size_t bufsz)
{
	size_t n = (size_t)snprintf(buf, bufsz, "boot_verified=%s dmverity_signature=%s fsverity_signature=%s",
				    b & 1u ? "TRUE" : "FALSE", b & 2u ? "TRUE" : "FALSE", b & 4u ? "TRUE" : "FALSE");
	char tb[160];

	for (int k = 0; k < 2 && n < bufsz; k++) {
		uint32_t id = k ? f : d;

		if (!id)
			continue;
		lint_show_prop(st->p, st->id_prop[id - 1], tb, sizeof(tb));
		n += (size_t)snprintf(buf + n, bufsz - n, " %s", tb);
	}
	if (!b && !d && !f && n < bufsz)
		snprintf(buf + n, bufsz - n, " (or an event with no file)");
}

/* ---- messages ---- */

static void report_never(struct rstate *st, uint32_t i, const struct ipe_rule_constraint *c)
{
	struct lint_run *run = st->run;
	const struct ipe_rule *r = &st->t->rules[i];
	char a[160], b[160];
	struct ipe_diag *d;

	switch (c->never) {
	case IPE_NEVER_CONTRADICTION:
	case IPE_NEVER_TWO_DIGESTS:
		lint_show_prop(st->p, c->never_prop, a, sizeof(a));
		lint_show_prop(st->p, c->never_other, b, sizeof(b));
		d = lint_report(run, LC_CONTRADICTION, &c->never_prop->loc,
				c->never == IPE_NEVER_TWO_DIGESTS
					? "properties are AND-ed: write one rule per digest"
					: "remove one of the two properties",
				"rule can never match: '%s' contradicts '%s'", a, b);
		lint_related(run, d, &c->never_other->loc, "'%s' is here", b);
		break;
	case IPE_NEVER_BOOT_VERITY:
		lint_show_prop(st->p, c->never_prop, a, sizeof(a));
		d = lint_report(run, LC_BOOT_VERITY, &r->loc, "split it into two rules (rules are OR-ed)",
				"rule can never match: boot_verified=TRUE files are never on dm-verity or fs-verity, "
				"but the rule also requires %s", a);
		lint_related(run, d, &c->never_other->loc, "boot_verified=TRUE is here");
		break;
	default:
		break; /* compiled out / bad digests: reported per property */
	}
}

/* ---- per op ---- */

/* ---- per op ---- */

static int op_prepare(struct rstate *st)
{
	const struct ipe_op_table *t = st->t;

	free(st->ri);
	st->ri = calloc(t->nrules + 1, sizeof(*st->ri));
	if (!st->ri)
		return -ENOMEM;
	groups_reset(st);
	return 0;
}

/* Report properties repeated in rule i (sorted keys: n log n), once per
 * property. */
static void dup_props(struct rstate *st, uint32_t i)
{
	const struct ipe_rule *r = &st->t->rules[i];
	const struct ipe_prop *props = ipe_rule_props(st->p, r);
	uint64_t *k;

	if (r->nprops < 2 || !lint_wants(st->run, LC_DUP_PROP))
		return;
	k = malloc(r->nprops * sizeof(*k));
	if (!k) {
		st->run->err = -ENOMEM;
		return;
	}
	/* key in the high bits, position in the low 24: stable order */
	for (uint32_t j = 0; j < r->nprops; j++)
		k[j] = (prop_key(st, &props[j]) << 24) | (j & 0xffffffu);
	qsort(k, r->nprops, sizeof(*k), cmp_u64);
	/* one finding per repeated property, at its second occurrence: the
	 * findings (and their memory) stay bounded by the distinct keys */
	for (uint32_t b = 0, e; b < r->nprops; b = e) {
		uint32_t a;
		char tb[160];
		struct ipe_diag *d;

		for (e = b + 1; e < r->nprops && (k[e] >> 24) == (k[b] >> 24);)
			e++;
		if (e - b < 2)
			continue;
		a = (uint32_t)(k[b + 1] & 0xffffffu);
		lint_show_prop(st->p, &props[a], tb, sizeof(tb));
		if (e - b == 2)
			d = lint_report(st->run, LC_DUP_PROP, &props[a].loc, "remove the repeated property",
					"'%s' appears twice in this rule", tb);
		else
			d = lint_report(st->run, LC_DUP_PROP, &props[a].loc, "remove the repeated properties",
					"'%s' appears %u times in this rule", tb, e - b);
		lint_related(st->run, d, &props[k[b] & 0xffffffu].loc, "first occurrence");
	}
	free(k);
}

static const char *other_name(int a)
{
	return ipe_action_name(a == IPE_ACTION_ALLOW ? IPE_ACTION_DENY : IPE_ACTION_ALLOW);
}

/* Pass 1 (forward): classes, dead rules with the rules deciding their
 * events, W104 witnesses. */
static void classify(struct rstate *st)
{
	const struct ipe_op_table *t = st->t;

	for (uint32_t i = 0; i < t->nrules && !st->run->err; i++) {
		const struct ipe_rule *r = &t->rules[i];
		struct rinfo *ri = &st->ri[i];
		struct ipe_rule_constraint c;
		uint8_t cover = 0;
		const struct grp *g[4];
		size_t ng;

		ipe_rule_constraint(st->p, r, &st->run->k, &c);
		ipe_rc_of_rule(st->p, r, &st->run->k, &ri->rc);
		ri->never = (uint8_t)c.never;
		ri->d = ri->rc.dmv ? st->digest_id[ri->rc.dmv - st->p->props] + 1 : 0;
		ri->f = ri->rc.fsv ? st->digest_id[ri->rc.fsv - st->p->props] + 1 : 0;
		ri->ov = NONE;
		ri->by[0] = NONE;
		if (!ri->rc.mask)
			continue;
		ng = groups_matching(st, ri->d, ri->f, g);
		for (size_t x = 0; x < ng; x++)
			for (unsigned b = 0; b < 8; b++)
				if (g[x]->first[0][b] != NONE || g[x]->first[1][b] != NONE)
					cover |= (uint8_t)(1u << b);
		ri->dead = (ri->rc.mask & ~cover) == 0;
		if (ri->dead) {
			size_t n = 0;

			for (unsigned b = 0; b < 8; b++) {
				uint32_t j;
				bool seen = false;

				if (!((ri->rc.mask >> b) & 1u))
					continue;
				j = first_match(st, -1, b, ri->d, ri->f);
				for (size_t x = 0; x < n; x++)
					seen |= ri->by[x] == j;
				if (!seen)
					ri->by[n++] = j;
			}
			if (n < 8)
				ri->by[n] = NONE;
			for (size_t x = 1; x < n; x++) /* in file order */
				for (size_t y = x; y > 0 && ri->by[y - 1] > ri->by[y]; y--) {
					uint32_t tmp = ri->by[y];

					ri->by[y] = ri->by[y - 1];
					ri->by[y - 1] = tmp;
				}
		} else if (c.never == IPE_NEVER_NOT && r->nprops > 0) {
			/* an event of this rule that an earlier rule of the other
			 * action decides; with no digest here, only earlier rules
			 * without digests count (a specific exception before the
			 * general rule is the usual pattern) */
			int o = r->action == IPE_ACTION_ALLOW ? 0 : 1;
			uint32_t j = (ri->d || ri->f) ? first_overlap(st, o, i) : NONE;

			for (int cand = 0; cand < 2; cand++) {
				uint32_t d = ri->d, f = ri->f;
				uint8_t m = ri->rc.mask;

				if (cand == 1) {
					if (j == NONE || st->ri[j].never != IPE_NEVER_NOT)
						break;
					d = d ? d : st->ri[j].d;
					f = f ? f : st->ri[j].f;
					m &= st->ri[j].rc.mask;
				}
				for (unsigned b = 0; b < 8; b++) {
					uint32_t k;

					if (!((m >> b) & 1u) || !event_physical(b, d, f))
						continue;
					k = first_match(st, -1, b, d, f);
					if (k != NONE && (t->rules[k].action == IPE_ACTION_ALLOW) == o && k < ri->ov) {
						ri->ov = k;
						ri->ov_b = (uint8_t)b;
						ri->ov_d = d;
						ri->ov_f = f;
					}
				}
			}
		}
		if (groups_add(st, i))
			st->run->err = -ENOMEM;
	}
}

/* Pass 2 (reverse): redundant rules. */
static void find_redundant(struct rstate *st, enum ipe_action def)
{
	const struct ipe_op_table *t = st->t;
	int o = def == IPE_ACTION_ALLOW ? 0 : 1;

	groups_reset(st);
	for (uint32_t i = (uint32_t)t->nrules; i-- > 0 && !st->run->err;) {
		struct rinfo *ri = &st->ri[i];

		if (!ri->rc.mask)
			continue;
		if (!ri->dead && ri->never == IPE_NEVER_NOT && (enum ipe_action)t->rules[i].action == def &&
		    !(overlap_mask(st, o, ri->d, ri->f) & ri->rc.mask))
			ri->redundant = true;
		if (groups_add(st, i))
			st->run->err = -ENOMEM;
	}
}

/* "line 12", or "common.inc line 12" when the rule is in another source
 * file than the finding (ipe-compile includes). */
static const char *at(const struct rstate *st, const struct ipe_loc *from, const struct ipe_loc *to, char *buf,
		      size_t n)
{
	const struct ipe_source *s = to->src != from->src ? ipe_ctx_source(st->run->ctx, to->src) : NULL;
	const char *name = s && s->name ? strrchr(s->name, '/') : NULL;

	name = name ? name + 1 : s ? s->name : NULL;
	if (name)
		snprintf(buf, n, "%s line %u", name, to->line);
	else
		snprintf(buf, n, "line %u", to->line);
	return buf;
}

/* A rule expanded from a digest set (ipe-compile sources): point at the
 * member its digest came from, so findings on the expanded copies can be
 * told apart and traced to the source line. */
static void note_expansion(struct rstate *st, struct ipe_diag *d, const struct ipe_rule *r)
{
	const struct ipe_prop *props = ipe_rule_props(st->p, r);

	if (!d)
		return;
	for (uint32_t x = 0; x < r->nprops; x++)
		if (ipe_prop_is_digest((enum ipe_prop_type)props[x].type) &&
		    (props[x].loc.src != r->loc.src || props[x].loc.line != r->loc.line))
			lint_related(st->run, d, &props[x].loc, "this copy of the rule is expanded from this set member");
}

static void report_dead(struct rstate *st, uint32_t i)
{
	struct lint_run *run = st->run;
	const struct ipe_rule *r = &st->t->rules[i];
	const struct rinfo *ri = &st->ri[i];
	const char *opn = ipe_op_name(st->op);
	struct ipe_diag *d;
	char lb[160];

	if (ri->by[1] == NONE) {
		uint32_t j = ri->by[0];
		const struct ipe_rule *rj = &st->t->rules[j];
		const struct rinfo *rr = &st->ri[j];

		if (rr->rc.mask == ri->rc.mask && rr->d == ri->d && rr->f == ri->f) {
			d = lint_report(run, LC_DUPLICATE, &r->loc,
					r->action == rj->action ? "delete this copy"
								: "decide which action is meant and delete the other rule",
					r->action == rj->action
						? "rule duplicates the rule at %s: it matches the same events"
						: "rule conflicts with the rule at %s: it matches the same events, and action=%s there wins",
					at(st, &r->loc, &rj->loc, lb, sizeof(lb)), ipe_action_name((enum ipe_action)rj->action));
			lint_related(run, d, &rj->loc, "the earlier rule");
			note_expansion(st, d, r);
		} else if (rr->rc.mask == ALLB && !rr->d && !rr->f) {
			d = lint_report(run, LC_UNREACHABLE, &r->loc, "move this rule above the catch-all, or delete it",
					"rule is unreachable: the rule at %s matches every op=%s event first",
					at(st, &r->loc, &rj->loc, lb, sizeof(lb)), opn);
			lint_related(run, d, &rj->loc, "catch-all rule");
			note_expansion(st, d, r);
		} else {
			d = lint_report(run, LC_SHADOWED, &r->loc,
					"move this more specific rule above the general one, or delete it",
					"rule is dead: the rule at %s (action=%s) matches every event this one matches",
					at(st, &r->loc, &rj->loc, lb, sizeof(lb)), ipe_action_name((enum ipe_action)rj->action));
			lint_related(run, d, &rj->loc, "shadowed by this rule");
			note_expansion(st, d, r);
		}
		return;
	}
	{
		char lines[600];
		size_t n = 0, k;

		for (k = 0; k < 8 && ri->by[k] != NONE && n < sizeof(lines); k++)
			n += (size_t)snprintf(lines + n, sizeof(lines) - n, "%s%s",
					      k == 0 ? "" : (k + 1 < 8 && ri->by[k + 1] != NONE) ? ", " : " and ",
					      at(st, &r->loc, &st->t->rules[ri->by[k]].loc, lb, sizeof(lb)));
		d = lint_report(run, LC_UNREACHABLE, &r->loc, "move this rule above them, or delete it",
				"rule is unreachable: every event it matches also matches one of the earlier rules at %s",
				lines);
		for (k = 0; k < 8 && ri->by[k] != NONE; k++)
			lint_related(run, d, &st->t->rules[ri->by[k]].loc, "decided here first");
		note_expansion(st, d, r);
	}
}

static void report_overlap(struct rstate *st, uint32_t i)
{
	struct lint_run *run = st->run;
	const struct ipe_rule *r = &st->t->rules[i];
	const struct rinfo *ri = &st->ri[i];
	const struct ipe_rule *rj = &st->t->rules[ri->ov];
	char wb[512], hint[200], lb[160];
	struct ipe_diag *d;

	event_text(st, ri->ov_b, ri->ov_d, ri->ov_f, wb, sizeof(wb));
	snprintf(hint, sizeof(hint), "%s%s",
		 r->action == IPE_ACTION_DENY ? "put revocations (DENY) before the ALLOW rules they carve out of"
					      : "put this ALLOW above the DENY if those events should be allowed",
		 ri->redundant ? "; as written the rule changes no decision, so deleting it is equivalent" : "");
	d = lint_report(run, LC_OVERLAP, &r->loc, hint,
			"%s rule is partly ineffective: the earlier rule at %s (action=%s) decides events that match both, e.g. %s",
			ipe_action_name((enum ipe_action)r->action), at(st, &r->loc, &rj->loc, lb, sizeof(lb)),
			other_name(r->action), wb);
	lint_related(run, d, &rj->loc, "this rule is reached first");
	note_expansion(st, d, r);
}

/* Rule i decides the events with no file (b = 0, no digest) and has only
 * =FALSE properties (a property-less rule is a deliberate catch-all). */
static void report_nofile(struct rstate *st, uint32_t i, bool decides)
{
	struct lint_run *run = st->run;
	const struct ipe_rule *r = &st->t->rules[i];
	const struct ipe_prop *props = ipe_rule_props(st->p, r);
	const char *opn = ipe_op_name(st->op);
	const char *what = st->op == IPE_OP_EXECUTE ? "anonymous executable memory" : "loads from a memory buffer";
	char tb[64];

	if (!decides || !r->nprops || (!lint_wants(run, LC_FALSE_NOFILE) && !lint_wants(run, LC_FALSE_NOFILE_DENY)))
		return;
	lint_show_prop(st->p, &props[0], tb, sizeof(tb));
	if (r->action == IPE_ACTION_ALLOW)
		lint_report(run, LC_FALSE_NOFILE, &props[0].loc, "add a positive property if only files are meant",
			    "'%s' is also true for op=%s events with no file (%s): this rule allows them", tb, opn,
			    what);
	else
		lint_report(run, LC_FALSE_NOFILE_DENY, &props[0].loc, NULL,
			    "'%s' is also true for op=%s events with no file (%s): this rule denies them", tb, opn,
			    what);
}

static void check_op(struct rstate *st)
{
	struct lint_run *run = st->run;
	const struct ipe_policy *p = st->p;
	const struct ipe_op_table *t = st->t;
	const char *opn = ipe_op_name(st->op);
	const struct ipe_loc *defloc;
	enum ipe_action def = lint_effective_default(p, st->op, &defloc);
	uint32_t nofile = NONE, dead_allow = NONE, never_allow = NONE;
	bool live_allow = false, live_deny = false;
	uint8_t cover = 0;

	classify(st);
	if (run->err)
		return;
	/* the first rule matching an event with no file (= b 0, no digest) */
	if (st->fixed[G_NN].first[0][0] != NONE || st->fixed[G_NN].first[1][0] != NONE)
		nofile = st->fixed[G_NN].first[0][0] < st->fixed[G_NN].first[1][0] ? st->fixed[G_NN].first[0][0]
										    : st->fixed[G_NN].first[1][0];
	for (unsigned b = 0; b < 8; b++)
		if (st->fixed[G_NN].first[0][b] != NONE || st->fixed[G_NN].first[1][b] != NONE)
			cover |= (uint8_t)(1u << b);
	for (uint32_t i = 0; i < t->nrules; i++) {
		const struct rinfo *ri = &st->ri[i];
		bool allow = t->rules[i].action == IPE_ACTION_ALLOW;

		if (ri->rc.mask && !ri->dead)
			*(allow ? &live_allow : &live_deny) = true;
		else if (allow && ri->rc.mask && dead_allow == NONE)
			dead_allow = i;
		else if (allow && !ri->rc.mask && never_allow == NONE)
			never_allow = i;
	}
	if (lint_wants(run, LC_REDUNDANT) || lint_wants(run, LC_OVERLAP))
		find_redundant(st, def);
	if (run->err)
		return;

	for (uint32_t i = 0; i < t->nrules && !run->err; i++) {
		const struct rinfo *ri = &st->ri[i];
		struct ipe_rule_constraint c;

		dup_props(st, i);
		if (ri->never) {
			ipe_rule_constraint(p, &t->rules[i], &run->k, &c);
			report_never(st, i, &c);
			continue;
		}
		if (ri->dead) {
			report_dead(st, i);
			continue;
		}
		if (ri->ov != NONE)
			report_overlap(st, i);
		report_nofile(st, i, i == nofile);
		if (ri->redundant && ri->ov == NONE) {
			struct ipe_diag *d = lint_report(run, LC_REDUNDANT, &t->rules[i].loc, "delete it",
							 "rule is redundant: without it the same action (%s) applies to every event it matches",
							 ipe_action_name((enum ipe_action)t->rules[i].action));

			if (defloc)
				lint_related(run, d, defloc, "the default that applies");
			note_expansion(st, d, &t->rules[i]);
		}
	}
	if (run->err)
		return;

	/* the op's DEFAULT never applies: the rules naming no digest accept
	 * every combination (a rule naming a digest misses the other values) */
	if (cover == ALLB && t->default_action != IPE_ACTION_NONE) {
		struct ipe_diag *d = lint_report(run, LC_DEFAULT_UNUSED, &t->default_loc,
						 "remove the catch-all rule(s) and let the DEFAULT decide, or drop the DEFAULT",
						 "DEFAULT for op=%s never applies: the rules before it match every event",
						 opn);
		uint32_t seen[8];
		size_t ns = 0;

		for (unsigned b = 0; b < 8; b++) {
			uint32_t j = first_match(st, -1, b, 0, 0);
			bool dup = false;

			for (size_t x = 0; x < ns; x++)
				dup |= seen[x] == j;
			if (!dup) {
				seen[ns++] = j;
				lint_related(run, d, &t->rules[j].loc, "events are decided here first");
			}
		}
	}
	/* everything allowed: no DENY rule decides anything, and the default
	 * is ALLOW or never applies */
	if (t->nrules && lint_wants(run, LC_ALLOWS_ALL) && !live_deny && (def == IPE_ACTION_ALLOW || cover == ALLB))
		lint_report(run, LC_ALLOWS_ALL, &t->rules[0].loc,
			    def == IPE_ACTION_ALLOW && t->default_action == IPE_ACTION_NONE
				    ? "if these rules are an allowlist, add 'DEFAULT op=... action=DENY'"
				    : "add DENY rules or a DENY default if something should be refused",
			    "the %zu rule%s for op=%s allow every event: no DENY can apply%s", t->nrules,
			    t->nrules == 1 ? "" : "s", opn,
			    def == IPE_ACTION_ALLOW && cover != ALLB ? " and the default is ALLOW" : "");
	/* boot risk: every module / firmware load is denied */
	if ((st->op == IPE_OP_KMODULE || st->op == IPE_OP_FIRMWARE) && t->default_action == IPE_ACTION_NONE &&
	    p->global_default == IPE_ACTION_DENY && !live_allow) {
		char why[256] = "", lb[160];

		if (dead_allow != NONE)
			snprintf(why, sizeof(why), " (the ALLOW rule at %s is unreachable)",
				 at(st, &p->global_default_loc, &t->rules[dead_allow].loc, lb, sizeof(lb)));
		else if (never_allow != NONE)
			snprintf(why, sizeof(why), " (the ALLOW rule at %s never matches)",
				 at(st, &p->global_default_loc, &t->rules[never_allow].loc, lb, sizeof(lb)));
		char hint[160];
		struct ipe_diag *d;

		if (dead_allow != NONE)
			snprintf(hint, sizeof(hint),
				 "move the ALLOW rule above the rules that decide its events first, or write 'DEFAULT op=%s action=DENY' if intended",
				 opn);
		else
			snprintf(hint, sizeof(hint),
				 "add e.g. 'op=%s boot_verified=TRUE action=ALLOW', or 'DEFAULT op=%s action=DENY' if intended",
				 opn, opn);
		d = lint_report(run, LC_BOOT_RISK, &p->global_default_loc, hint,
				"global DEFAULT DENY and no reachable rule allows op=%s%s: every %s load is denied, which can stop the machine from booting",
				opn, why, st->op == IPE_OP_KMODULE ? "kernel module" : "firmware");
		if (dead_allow != NONE || never_allow != NONE)
			lint_related(run, d, &t->rules[dead_allow != NONE ? dead_allow : never_allow].loc,
				     dead_allow != NONE ? "this ALLOW rule is never reached" : "this ALLOW rule never matches");
	}
	/* evaluation cost */
	if (run->cfg ? run->cfg->rule_threshold && t->nrules > run->cfg->rule_threshold : t->nrules > 1000) {
		size_t th = run->cfg ? run->cfg->rule_threshold : 1000;

		lint_report(run, LC_MANY_RULES, &t->rules[th].loc,
			    "allow a dm-verity root hash (or dmverity_signature=TRUE) instead of thousands of per-file digests",
			    "op=%s has %zu rules (more than %zu): the kernel walks them one by one on every access",
			    opn, t->nrules, th);
	}
}

void lint_check_rules(struct lint_run *run)
{
	struct rstate st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.run = run;
	st.p = run->p;
	if (run->p->nprops >= (1u << 30)) {
		run->err = -E2BIG;
		return;
	}
	rc = intern_digests(&st);
	if (!rc)
		rc = ipe_hmap_init(&st.gidx, 64);
	for (int op = 0; op < IPE_OP_COUNT && !rc && !run->err; op++) {
		st.op = op;
		st.t = &run->p->ops[op];
		rc = op_prepare(&st);
		if (!rc)
			check_op(&st);
	}
	if (rc)
		run->err = rc;
	ipe_hmap_free(&st.digests);
	ipe_hmap_free(&st.gidx);
	free(st.digest_id);
	free(st.id_prop);
	free(st.digest_multi);
	free(st.ri);
	free(st.grps);
}
