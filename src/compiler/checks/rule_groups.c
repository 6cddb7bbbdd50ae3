/* SPDX-License-Identifier: MIT */
/* Rule analyses (rules.c): the policy's digests numbered once, and the
 * rules seen so far kept in groups keyed by the digests they name, which
 * answer "the first rule matching an event" in constant time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "compiler/model.h"
#include "rules.h"
#include "util/internal.h"

/* ---- digests ---- */

/* Digest ids (rules_digest_id()): the index of the first property naming
 * the same digest (the kernel's equality, ipe_prop_digest_equal).  Each digest's key holds 34
 * bits of its hash above its property index.  The keys are spread over 4096
 * buckets by the top 12 bits of the hash (one stable counting pass: index
 * order is kept within a bucket), then each bucket, a few hundred keys that
 * fit in the cache, is numbered with a small open-addressing table of its
 * first digests: 16 bytes per digest in all, where a hash map of the whole
 * policy needed 40, and three passes over the keys where a full sort took
 * five. */
#define DIG_BUCKET_BITS 12

/* A table of lint (util/mem.c: huge pages early for a big input). */
static void *big(const struct ipe_policy *p, size_t len, bool zero)
{
	return p->big ? ipe_mem_alloc_big(len, zero) : ipe_mem_alloc(len, zero, NULL);
}

int rules_intern_digests(struct rstate *st)
{
	const struct ipe_policy *p = st->p;
	const uint64_t hmask = ~((UINT64_C(1) << 30) - 1);
	size_t nd = 0, maxb = 0, tcap = 16;
	uint64_t *keys = NULL, *tmp = NULL;
	uint32_t *slots = NULL, *end = NULL; /* end[b]: where bucket b ends in tmp */
	int rc = -ENOMEM;

	/* nprops < 2^30 (lint_check_rules); huge pages: fewer page faults
	 * on a big policy (the arrays are touched once) */
	st->digest_id = big(p, p->nprops * sizeof(*st->digest_id), true);
	st->digest_multi = big(p, p->nprops, true);
	if (!st->digest_id || !st->digest_multi)
		return -ENOMEM;
	keys = big(p, (p->nprops + 1) * sizeof(*keys), false);
	tmp = big(p, (p->nprops + 1) * sizeof(*tmp), false);
	end = calloc((size_t)1 << DIG_BUCKET_BITS, sizeof(*end));
	if (!keys || !tmp || !end)
		goto out;
	for (size_t i = 0; i < p->nprops; i++)
		if (ipe_prop_is_digest((enum ipe_prop_type)p->props[i].type)) {
			uint64_t k = (ipe_prop_digest_hash(p, &p->props[i]) & hmask) | i;

			keys[nd++] = k;
			end[k >> (64 - DIG_BUCKET_BITS)]++;
		}
	for (size_t b = 0, sum = 0; b < (size_t)1 << DIG_BUCKET_BITS; b++) {
		size_t c = end[b];

		end[b] = (uint32_t)sum;
		sum += c;
		maxb = c > maxb ? c : maxb;
	}
	for (size_t x = 0; x < nd; x++) /* afterwards end[b] is where bucket b ends */
		tmp[end[keys[x] >> (64 - DIG_BUCKET_BITS)]++] = keys[x];
	while (tcap < 2 * maxb)
		tcap *= 2;
	slots = malloc(tcap * sizeof(*slots));
	if (!slots)
		goto out;
	for (size_t b = 0, s = 0; b < (size_t)1 << DIG_BUCKET_BITS; s = end[b++]) {
		size_t ts = 16;

		if (end[b] == s)
			continue;
		while (ts < 2 * (end[b] - s))
			ts *= 2;
		/* slots: positions in tmp of the bucket's first digests (one per
		 * value), probed from the hash bits below the bucket's */
		memset(slots, 0xff, ts * sizeof(*slots));
		for (size_t x = s; x < end[b]; x++) {
			uint32_t i = (uint32_t)(tmp[x] & ~hmask);
			size_t pos = (size_t)(tmp[x] >> 30) & (ts - 1);
			bool found = false;

			for (; slots[pos] != UINT32_MAX; pos = (pos + 1) & (ts - 1)) {
				uint64_t y = tmp[slots[pos]];
				uint32_t v = (uint32_t)(y & ~hmask);

				if ((y & hmask) == (tmp[x] & hmask) &&
				    ipe_prop_digest_equal(p, &p->props[v], &p->props[i])) {
					st->digest_id[i] = v + 1;
					st->digest_multi[v] = 1;
					found = true;
					break;
				}
			}
			if (!found) /* a first: digest_id[i] stays 0 (no write
				     * to a random place of the array) */
				slots[pos] = (uint32_t)x;
		}
	}
	rc = 0;
out:
	free(keys);
	free(tmp);
	free(end);
	free(slots);
	return rc;
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
	memset(g->first, 0xff, sizeof(g->first));
	g->seen[0] = g->seen[1] = 0;
	if (ipe_hmap_insert(&st->gidx, gkey(k, d, f), (uint32_t)st->ngrps))
		return NULL;
	st->ngrps++;
	return g;
}

void rules_groups_reset(struct rstate *st)
{
	for (int k = 0; k < G_FIXED; k++) {
		memset(st->fixed[k].first, 0xff, sizeof(st->fixed[k].first));
		st->fixed[k].seen[0] = st->fixed[k].seen[1] = 0;
	}
	ipe_hmap_clear(&st->gidx);
	st->ngrps = 0;
}

static void grp_set(struct grp *g, int a, uint8_t todo, uint32_t i)
{
	g->seen[a] |= todo;
	for (unsigned b = 0; b < 8; b++)
		if ((todo >> b) & 1u)
			g->first[a][b] = i;
}

static inline int grp_put(struct rstate *st, enum gkind k, uint32_t d, uint32_t f, int a, uint8_t mask, uint32_t i)
{
	struct grp *g;
	uint8_t todo;

	if (k < G_FIXED) {
		g = &st->fixed[k];
	} else {
		if (dig_unique(st, d) || dig_unique(st, f))
			return 0;
		g = grp_get(st, k, d, f);
		if (!g)
			return -ENOMEM;
	}
	todo = mask & (uint8_t)~g->seen[a];
	if (todo) /* not the usual case once a group has rules */
		grp_set(g, a, todo, i);
	return 0;
}

/* Add rule i (a class that matches something) to its groups. */
int rules_groups_add(struct rstate *st, uint32_t i)
{
	const struct rinfo *r = &st->ri[i];
	int a = st->t->rules[i].action == IPE_ACTION_ALLOW;
	uint8_t m = r->mask;
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
size_t rules_groups_matching(const struct rstate *st, uint32_t d, uint32_t f, const struct grp **out)
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
	return rules_groups_matching(st, d, f, out);
}

/* First rule so far (of action a, or either for a < 0) matching event (b, d, f). */
uint32_t rules_first_match(const struct rstate *st, int a, unsigned b, uint32_t d, uint32_t f)
{
	const struct grp *g[4];
	size_t n = rules_groups_matching(st, d, f, g);

	return rules_first_in(g, n, a, b);
}

/* Combinations of a class some rule so far (of action a) shares an event with. */
uint8_t rules_overlap_mask(const struct rstate *st, int a, uint32_t d, uint32_t f)
{
	const struct grp *g[4];
	size_t n = groups_overlapping(st, d, f, g);
	uint8_t m = 0;

	for (size_t x = 0; x < n; x++)
		m |= g[x]->seen[a];
	return m;
}

/* Earliest rule so far of action a sharing an event with the class of rule i. */
uint32_t rules_first_overlap(const struct rstate *st, int a, uint32_t i)
{
	const struct rinfo *r = &st->ri[i];
	const struct grp *g[4];
	size_t n = groups_overlapping(st, r->d, r->f, g);
	uint32_t best = NONE;

	/* first[a][b] is set exactly for the combinations b in seen[a] */
	for (size_t x = 0; x < n; x++)
		for (uint8_t m = r->mask & g[x]->seen[a]; m; m &= (uint8_t)(m - 1))
			if (g[x]->first[a][__builtin_ctz(m)] < best)
				best = g[x]->first[a][__builtin_ctz(m)];
	return best;
}

/* Can a kernel produce event (b, d, f), its digests being possible ones?
 * (ipe_rc_physical_mask: a boot_verified file is on no verity volume) */
bool rules_event_physical(unsigned b, uint32_t d, uint32_t f)
{
	return (ipe_rc_physical_mask(d || f) >> b) & 1u;
}

void rules_event_text(const struct rstate *st, unsigned b, uint32_t d, uint32_t f, char *buf, size_t bufsz)
{
	size_t n = (size_t)snprintf(
		buf, bufsz, "%s %s %s",
		ipe_prop_token((b >> IPE_RC_DIM_BV) & 1u ? IPE_PROP_BOOT_VERIFIED_TRUE : IPE_PROP_BOOT_VERIFIED_FALSE),
		ipe_prop_token((b >> IPE_RC_DIM_DS) & 1u ? IPE_PROP_DMV_SIG_TRUE : IPE_PROP_DMV_SIG_FALSE),
		ipe_prop_token((b >> IPE_RC_DIM_FS) & 1u ? IPE_PROP_FSV_SIG_TRUE : IPE_PROP_FSV_SIG_FALSE));
	char tb[160];

	for (int k = 0; k < 2 && n < bufsz; k++) {
		uint32_t id = k ? f : d;

		if (!id)
			continue;
		lint_show_prop(st->p, &st->p->props[id - 1], tb, sizeof(tb));
		n += (size_t)snprintf(buf + n, bufsz - n, " %s", tb);
	}
	if (!b && !d && !f && n < bufsz)
		snprintf(buf + n, bufsz - n, " (or an event with no file)");
}
