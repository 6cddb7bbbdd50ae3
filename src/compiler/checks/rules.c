/* SPDX-License-Identifier: MIT */
/*
 * Rule analyses: dead (shadowed, unreachable, duplicate), contradictory,
 * overlapping with the opposite action (ineffective revocation), redundant,
 * defaults that never apply, ops that allow everything, boot risk, rule
 * counts, =FALSE properties and events with no file.
 *
 * Everything is near-linear in the number of rules: property sets are
 * hashed (a rule is shadowed when one of the subsets of its property set is
 * the set of an earlier rule), and overlaps are found through buckets keyed
 * by (digests, boolean pattern) instead of comparing pairs of rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util/internal.h"

/* ---- a small open-addressing multimap: uint64 key -> uint32 value ---- */

struct htab_slot {
	uint64_t key;
	uint32_t val; /* UINT32_MAX = empty */
};

/* key and value side by side: one cache miss per probe on big tables */
struct htab {
	struct htab_slot *slots;
	size_t cap, n;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static void ht_free(struct htab *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

static int ht_init(struct htab *h, size_t want)
{
	size_t cap = 16;

	while (cap < want * 2)
		cap <<= 1;
	h->slots = malloc(cap * sizeof(*h->slots));
	if (!h->slots) {
		ht_free(h);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		h->slots[i].val = UINT32_MAX;
	h->cap = cap;
	h->n = 0;
	return 0;
}

static void ht_clear(struct htab *h)
{
	if (h->n)
		for (size_t i = 0; i < h->cap; i++)
			h->slots[i].val = UINT32_MAX;
	h->n = 0;
}

static int ht_insert(struct htab *h, uint64_t key, uint32_t val);

static int ht_grow(struct htab *h)
{
	struct htab n;

	if (ht_init(&n, h->cap))
		return -ENOMEM;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slots[i].val != UINT32_MAX)
			ht_insert(&n, h->slots[i].key, h->slots[i].val);
	ht_free(h);
	*h = n;
	return 0;
}

static int ht_insert(struct htab *h, uint64_t key, uint32_t val)
{
	size_t i;

	if ((h->n + 1) * 2 > h->cap && ht_grow(h))
		return -ENOMEM;
	i = mix64(key) & (h->cap - 1);
	while (h->slots[i].val != UINT32_MAX)
		i = (i + 1) & (h->cap - 1);
	h->slots[i].key = key;
	h->slots[i].val = val;
	h->n++;
	return 0;
}

/* Iterate the values stored under key: *pos starts at SIZE_MAX. */
static bool ht_next(const struct htab *h, uint64_t key, size_t *pos, uint32_t *ret_val)
{
	size_t i = *pos == SIZE_MAX ? mix64(key) & (h->cap - 1) : (*pos + 1) & (h->cap - 1);

	while (h->slots[i].val != UINT32_MAX) {
		if (h->slots[i].key == key) {
			*pos = i;
			*ret_val = h->slots[i].val;
			return true;
		}
		i = (i + 1) & (h->cap - 1);
	}
	return false;
}

/* ---- state ---- */

enum { R_LIVE = 0, R_NEVER = 1, R_DEAD = 2 };

struct bucket {
	uint32_t mask;   /* boolean patterns present */
	uint32_t first;  /* first rule inserted */
	uint32_t ext;    /* UINT32_MAX or index into st->ext (27 first rules) */
	uint8_t first_pat;
};

struct rstate {
	struct lint_run *run;
	const struct ipe_policy *p;
	/* digest interning (whole policy) */
	struct htab digests;        /* hash -> prop index of the representative */
	uint32_t *digest_id;        /* per prop (digests only) */
	uint8_t *digest_multi;      /* per digest id: 1 when the digest occurs in more than one property */
	/* per op */
	const struct ipe_op_table *t;
	int op;
	uint8_t *flags;             /* R_* per rule */
	uint64_t *keys;             /* sorted unique property keys of every rule */
	size_t *koff;               /* per rule: offset into keys */
	uint32_t *kn;               /* per rule: number of keys */
	uint32_t *pat;              /* per rule: boolean pattern; bit 31: has digest */
	uint32_t *dd, *ff;          /* per rule: dm-verity / fs-verity digest id + 1 (0 = any) */
	struct htab sets;           /* set hash -> rule index */
	struct htab bidx;           /* bucket key -> bucket index */
	struct bucket *buckets;
	size_t nbuckets, bcap;
	uint32_t (*ext)[27];
	size_t next, extcap;
	uint32_t compat[27][2];     /* patterns compatible with a pattern (flag: a digest in the union) */
	bool has_both;              /* some rule of the op has both digest kinds */
	bool has_empty;             /* a live rule without properties was indexed */
	struct bucket single[2][4]; /* per action: BK_UU, BK_GD, BK_DU_F, BK_FU_D (mask 0 = empty) */
};

static int tri_code(int8_t v)
{
	return v < 0 ? 0 : v == 0 ? 1 : 2;
}

static void init_compat(struct rstate *st)
{
	for (int b2 = 0; b2 < 27; b2++) {
		for (int flag = 0; flag < 2; flag++) {
			uint32_t m = 0;

			for (int b1 = 0; b1 < 27; b1++) {
				int a[3] = { b1 % 3, b1 / 3 % 3, b1 / 9 }, b[3] = { b2 % 3, b2 / 3 % 3, b2 / 9 }, u[3];
				bool ok = true;

				for (int v = 0; v < 3; v++) {
					if (a[v] && b[v] && a[v] != b[v])
						ok = false;
					u[v] = a[v] ? a[v] : b[v];
				}
				/* boot_verified=TRUE excludes every verity property */
				if (u[0] == 2 && (u[1] == 2 || u[2] == 2 || flag))
					ok = false;
				if (ok)
					m |= 1u << b1;
			}
			st->compat[b2][flag] = m;
		}
	}
}

/* ---- digests ---- */

static uint64_t digest_hash(const struct ipe_policy *p, const struct ipe_prop *pr)
{
	const uint8_t *b = ipe_prop_digest(p, pr);
	uint64_t h = mix64(((uint64_t)pr->type << 32) ^ pr->alg ^ ((uint64_t)pr->digest_len << 40));

	for (uint32_t i = 0; i < pr->digest_len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static int intern_digests(struct rstate *st)
{
	const struct ipe_policy *p = st->p;
	size_t ndig = 0, nd = 0;
	uint64_t *hs = NULL;
	uint32_t *at = NULL;
	int rc = -ENOMEM;

	st->digest_id = calloc(p->nprops ? p->nprops : 1, sizeof(*st->digest_id));
	st->digest_multi = calloc(p->nprops ? p->nprops : 1, 1);
	if (!st->digest_id || !st->digest_multi)
		return -ENOMEM;
	for (size_t i = 0; i < p->nprops; i++)
		ndig += ipe_prop_is_digest((enum ipe_prop_type)p->props[i].type);
	if (ht_init(&st->digests, ndig + 1))
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
		hs[nd] = digest_hash(p, &p->props[i]);
		at[nd++] = (uint32_t)i;
	}
	for (size_t x = 0; x < nd; x++) {
		const struct ipe_prop *pr;
		uint64_t h = hs[x];
		size_t pos = SIZE_MAX;
		uint32_t v, i = at[x];
		bool found = false;

		if (x + 8 < nd)
			__builtin_prefetch(&st->digests.slots[mix64(hs[x + 8]) & (st->digests.cap - 1)]);
		pr = &p->props[i];
		while (ht_next(&st->digests, h, &pos, &v)) {
			if (ipe_prop_digest_equal(p, &p->props[v], pr)) {
				st->digest_id[i] = st->digest_id[v];
				st->digest_multi[st->digest_id[v]] = 1;
				found = true;
				break;
			}
		}
		if (!found) {
			st->digest_id[i] = i; /* id = index of the first occurrence */
			if (ht_insert(&st->digests, h, i))
				goto out;
		}
	}
	rc = 0;
out:
	free(hs);
	free(at);
	return rc;
}

/* A digest (id + 1; 0 = none) that only one property of the whole policy
 * holds: no other rule can share a bucket or a property set with it. */
static bool dig_unique(const struct rstate *st, uint32_t id1)
{
	return id1 && !st->digest_multi[id1 - 1];
}

static uint64_t prop_key(const struct rstate *st, const struct ipe_prop *pr)
{
	size_t idx = (size_t)(pr - st->p->props);

	if (!ipe_prop_is_digest((enum ipe_prop_type)pr->type))
		return (uint64_t)pr->type + 1;
	return ((uint64_t)(pr->type + 1) << 56) | ((uint64_t)st->digest_id[idx] + 16);
}

/* The key of a digest no other property holds (see dig_unique). */
static bool key_unique(const struct rstate *st, uint64_t key)
{
	return (key >> 56) != 0 && !st->digest_multi[(key & ((1ull << 56) - 1)) - 16];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t set_hash(const uint64_t *k, size_t n, uint32_t sel)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < n; i++)
		if (i >= 32 || (sel & (1u << i)))
			h = (h ^ mix64(k[i])) * 0x100000001b3ull;
	return h;
}

/* ---- the overlap index ---- */

enum bkind {
	BK_UU = 0, /* no digest */
	BK_GD,     /* any digest (aggregate) */
	BK_DU_F,   /* no dm-verity digest, some fs-verity digest */
	BK_FU_D,   /* no fs-verity digest, some dm-verity digest */
	BK_DANY,   /* dm-verity digest d, any fs-verity */
	BK_FANY,   /* fs-verity digest f, any dm-verity */
	BK_DF,     /* exactly d and f */
	BK_DFU,    /* d, no fs-verity digest */
	BK_DUF,    /* no dm-verity digest, f */
};

static uint64_t bkey(int action, enum bkind k, uint32_t d, uint32_t f)
{
	return ((uint64_t)action << 63) | ((uint64_t)k << 58) | ((uint64_t)(d & 0x1fffffff) << 29) |
	       (f & 0x1fffffff);
}

static struct bucket *single_slot(struct rstate *st, uint64_t key)
{
	unsigned kind = (unsigned)(key >> 58) & 31;

	return kind <= BK_FU_D ? &st->single[key >> 63][kind] : NULL;
}

static int bucket_add(struct rstate *st, uint64_t key, uint32_t pat, uint32_t rule)
{
	size_t pos = SIZE_MAX;
	uint32_t v;
	struct bucket *b = single_slot(st, key);

	if (b && !b->mask) {
		b->mask = 1u << pat;
		b->first = rule;
		b->first_pat = (uint8_t)pat;
		b->ext = UINT32_MAX;
		return 0;
	}
	if (b || ht_next(&st->bidx, key, &pos, &v)) {
		if (!b)
			b = &st->buckets[v];
		if (b->mask & (1u << pat))
			return 0;
		if (b->ext == UINT32_MAX) {
			if (ipe_vec_reserve((void **)&st->ext, &st->extcap, st->next + 1, sizeof(*st->ext)))
				return -ENOMEM;
			b->ext = (uint32_t)st->next++;
			memset(st->ext[b->ext], 0xff, sizeof(st->ext[0]));
			st->ext[b->ext][b->first_pat] = b->first;
		}
		st->ext[b->ext][pat] = rule;
		b->mask |= 1u << pat;
		return 0;
	}
	if (ipe_vec_reserve((void **)&st->buckets, &st->bcap, st->nbuckets + 1, sizeof(*st->buckets)))
		return -ENOMEM;
	b = &st->buckets[st->nbuckets];
	b->mask = 1u << pat;
	b->first = rule;
	b->first_pat = (uint8_t)pat;
	b->ext = UINT32_MAX;
	return ht_insert(&st->bidx, key, (uint32_t)st->nbuckets++);
}

/* Earliest-inserted compatible rule of a bucket, or UINT32_MAX. */
static uint32_t bucket_query(const struct rstate *st, uint64_t key, uint32_t compat)
{
	size_t pos = SIZE_MAX;
	uint32_t v, m;
	const struct bucket *b = single_slot((struct rstate *)st, key);

	if (b) {
		if (!b->mask)
			return UINT32_MAX;
	} else {
		if (!ht_next(&st->bidx, key, &pos, &v))
			return UINT32_MAX;
		b = &st->buckets[v];
	}
	m = b->mask & compat;
	if (!m)
		return UINT32_MAX;
	if (m & (1u << b->first_pat))
		return b->first;
	{
		uint32_t best = UINT32_MAX;

		for (int i = 0; i < 27; i++)
			if ((m & (1u << i)) && st->ext[b->ext][i] < best)
				best = st->ext[b->ext][i];
		return best;
	}
}

static void index_reset(struct rstate *st)
{
	ht_clear(&st->bidx);
	st->nbuckets = 0;
	st->next = 0;
	memset(st->single, 0, sizeof(st->single));
}

static int index_add(struct rstate *st, uint32_t i)
{
	int a = st->t->rules[i].action;
	uint32_t pat = st->pat[i] & 0xff, d = st->dd[i], f = st->ff[i];
	bool ud, uf;
	int rc = 0;

	if (!d && !f)
		return bucket_add(st, bkey(a, BK_UU, 0, 0), pat, i);
	/* buckets keyed by a digest only this rule holds are never queried
	 * by another rule (index_overlap skips them too): not stored */
	ud = dig_unique(st, d);
	uf = dig_unique(st, f);
	rc |= bucket_add(st, bkey(a, BK_GD, 0, 0), pat, i);
	if (d && !f) {
		if (!ud)
			rc |= bucket_add(st, bkey(a, BK_DANY, d, 0), pat, i);
		rc |= bucket_add(st, bkey(a, BK_FU_D, 0, 0), pat, i);
		if (st->has_both && !ud)
			rc |= bucket_add(st, bkey(a, BK_DFU, d, 0), pat, i);
	} else if (!d && f) {
		if (!uf)
			rc |= bucket_add(st, bkey(a, BK_FANY, 0, f), pat, i);
		rc |= bucket_add(st, bkey(a, BK_DU_F, 0, 0), pat, i);
		if (st->has_both && !uf)
			rc |= bucket_add(st, bkey(a, BK_DUF, 0, f), pat, i);
	} else {
		if (!ud)
			rc |= bucket_add(st, bkey(a, BK_DANY, d, 0), pat, i);
		if (!uf)
			rc |= bucket_add(st, bkey(a, BK_FANY, 0, f), pat, i);
		if (!ud && !uf)
			rc |= bucket_add(st, bkey(a, BK_DF, d, f), pat, i);
	}
	return rc ? -ENOMEM : 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The earliest indexed rule with action a that overlaps rule i (some event
 * matches both).  exceptions: skip indexed rules with a digest when rule i
 * has none (the "specific exception before the general rule" pattern). */
static uint32_t index_overlap(const struct rstate *st, uint32_t i, int a, bool skip_exceptions)
{
	uint32_t pat = st->pat[i] & 0xff, d = st->dd[i], f = st->ff[i], r = UINT32_MAX;
	bool ud, uf;

	if (!d && !f) {
		r = bucket_query(st, bkey(a, BK_UU, 0, 0), st->compat[pat][0]);
		if (!skip_exceptions)
			r = min_u32(r, bucket_query(st, bkey(a, BK_GD, 0, 0), st->compat[pat][1]));
		return r;
	}
	ud = dig_unique(st, d);
	uf = dig_unique(st, f);
	r = bucket_query(st, bkey(a, BK_UU, 0, 0), st->compat[pat][1]);
	if (d && !f) {
		r = min_u32(r, bucket_query(st, bkey(a, BK_DU_F, 0, 0), st->compat[pat][1]));
		if (!ud)
			r = min_u32(r, bucket_query(st, bkey(a, BK_DANY, d, 0), st->compat[pat][1]));
	} else if (!d && f) {
		r = min_u32(r, bucket_query(st, bkey(a, BK_FU_D, 0, 0), st->compat[pat][1]));
		if (!uf)
			r = min_u32(r, bucket_query(st, bkey(a, BK_FANY, 0, f), st->compat[pat][1]));
	} else {
		if (!ud)
			r = min_u32(r, bucket_query(st, bkey(a, BK_DFU, d, 0), st->compat[pat][1]));
		if (!uf)
			r = min_u32(r, bucket_query(st, bkey(a, BK_DUF, 0, f), st->compat[pat][1]));
		if (!ud && !uf)
			r = min_u32(r, bucket_query(st, bkey(a, BK_DF, d, f), st->compat[pat][1]));
	}
	return r;
}

/* ---- messages ---- */

static void witness(const struct rstate *st, uint32_t i, uint32_t j, char *buf, size_t bufsz)
{
	const struct ipe_rule *ri = &st->t->rules[i], *rj = &st->t->rules[j];
	const struct ipe_prop *pi = ipe_rule_props(st->p, ri), *pj = ipe_rule_props(st->p, rj);
	size_t n = 0;
	bool positive = false;
	uint64_t seen[16];
	size_t nseen = 0;

	for (int side = 0; side < 2; side++) {
		const struct ipe_prop *ps = side ? pj : pi;
		uint32_t np = side ? rj->nprops : ri->nprops;

		for (uint32_t k = 0; k < np && n + 8 < bufsz; k++) {
			uint64_t key = prop_key(st, &ps[k]);
			char tokb[128];
			bool dup = false;

			for (size_t s = 0; s < nseen; s++)
				dup |= seen[s] == key;
			if (dup)
				continue;
			if (nseen < 16)
				seen[nseen++] = key;
			if (ps[k].type != IPE_PROP_BOOT_VERIFIED_FALSE && ps[k].type != IPE_PROP_DMV_SIG_FALSE &&
			    ps[k].type != IPE_PROP_FSV_SIG_FALSE)
				positive = true;
			lint_show_prop(st->p, &ps[k], tokb, sizeof(tokb));
			n += (size_t)snprintf(buf + n, bufsz - n, "%s%s", n ? " " : "", tokb);
		}
	}
	if (n + 40 < bufsz && !positive)
		snprintf(buf + n, bufsz - n, "%s(or an event with no file)", n ? " " : "");
	if (!n && positive == false && bufsz)
		snprintf(buf, bufsz, "any event");
}

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

static int op_prepare(struct rstate *st)
{
	const struct ipe_op_table *t = st->t;
	size_t nk = 0;

	for (size_t i = 0; i < t->nrules; i++)
		nk += t->rules[i].nprops;
	free(st->flags);
	free(st->keys);
	free(st->koff);
	free(st->kn);
	free(st->pat);
	free(st->dd);
	free(st->ff);
	st->flags = calloc(t->nrules + 1, 1);
	st->keys = malloc((nk + 1) * sizeof(*st->keys));
	st->koff = malloc((t->nrules + 1) * sizeof(*st->koff));
	st->kn = malloc((t->nrules + 1) * sizeof(*st->kn));
	st->pat = malloc((t->nrules + 1) * sizeof(*st->pat));
	st->dd = malloc((t->nrules + 1) * sizeof(*st->dd));
	st->ff = malloc((t->nrules + 1) * sizeof(*st->ff));
	if (!st->flags || !st->keys || !st->koff || !st->kn || !st->pat || !st->dd || !st->ff)
		return -ENOMEM;
	if (st->sets.cap < t->nrules * 2) {
		ht_free(&st->sets);
		if (ht_init(&st->sets, t->nrules + 1))
			return -ENOMEM;
	}
	if (st->bidx.cap < t->nrules * 2) {
		ht_free(&st->bidx);
		if (ht_init(&st->bidx, t->nrules + 1))
			return -ENOMEM;
	}
	ht_clear(&st->sets);
	index_reset(st);
	st->has_both = false;
	st->has_empty = false;
	return 0;
}

/* Compute keys, pattern, digests of rule i; report duplicate properties. */
static void rule_keys(struct rstate *st, uint32_t i, size_t *kpos, const struct ipe_rule_constraint *c)
{
	const struct ipe_rule *r = &st->t->rules[i];
	const struct ipe_prop *props = ipe_rule_props(st->p, r);
	uint64_t *k = st->keys + *kpos;
	uint32_t n = 0;

	for (uint32_t j = 0; j < r->nprops; j++)
		k[j] = prop_key(st, &props[j]);
	if (r->nprops > 1)
		qsort(k, r->nprops, sizeof(*k), cmp_u64);
	for (uint32_t j = 0; j < r->nprops; j++)
		if (n == 0 || k[n - 1] != k[j])
			k[n++] = k[j];
	if (n != r->nprops && lint_wants(st->run, LC_DUP_PROP)) {
		/* find the repeated property (by its position in the rule) for the location */
		for (uint32_t a = 1; a < r->nprops; a++) {
			for (uint32_t b = 0; b < a; b++) {
				if (prop_key(st, &props[a]) == prop_key(st, &props[b])) {
					char tb[160];
					struct ipe_diag *d;

					lint_show_prop(st->p, &props[a], tb, sizeof(tb));
					d = lint_report(st->run, LC_DUP_PROP, &props[a].loc, "remove the repeated property",
							"'%s' appears twice in this rule", tb);
					lint_related(st->run, d, &props[b].loc, "first occurrence");
					b = a; /* next a */
				}
			}
		}
	}
	st->koff[i] = *kpos;
	st->kn[i] = n;
	*kpos += n;
	st->pat[i] = (uint32_t)(tri_code(c->boot_verified) + 3 * tri_code(c->dmv_sig) + 9 * tri_code(c->fsv_sig));
	st->dd[i] = c->dmv ? st->digest_id[c->dmv - st->p->props] + 1 : 0;
	st->ff[i] = c->fsv ? st->digest_id[c->fsv - st->p->props] + 1 : 0;
	if (st->dd[i] || st->ff[i])
		st->pat[i] |= 1u << 31;
}

static bool same_keys(const struct rstate *st, uint32_t j, const uint64_t *k, uint32_t n, uint32_t sel)
{
	const uint64_t *kj = st->keys + st->koff[j];
	uint32_t m = 0;

	for (uint32_t x = 0; x < n; x++) {
		if (x < 32 && !(sel & (1u << x)))
			continue;
		if (m >= st->kn[j] || kj[m] != k[x])
			return false;
		m++;
	}
	return m == st->kn[j];
}

/* Rule i holds a digest no other property has: no later rule's set is a
 * superset of its set, so the set need not be indexed. */
static bool set_has_unique(const struct rstate *st, uint32_t i)
{
	const uint64_t *k = st->keys + st->koff[i];

	for (uint32_t x = 0; x < st->kn[i]; x++)
		if (key_unique(st, k[x]))
			return true;
	return false;
}

/* Keep in *best the earliest indexed rule whose set is the subset sel of k. */
static void probe_subset(const struct rstate *st, const uint64_t *k, uint32_t n, uint32_t sel,
			 uint32_t *best, uint32_t *bestsel)
{
	uint64_t h = set_hash(k, n, sel);
	size_t pos = SIZE_MAX;
	uint32_t j;

	while (ht_next(&st->sets, h, &pos, &j))
		if (j < *best && same_keys(st, j, k, n, sel)) {
			*best = j;
			*bestsel = sel;
		}
}

/* Earliest earlier live rule whose property set is a subset of rule i's. */
static uint32_t find_subset(const struct rstate *st, uint32_t i, uint32_t *ret_sel)
{
	const uint64_t *k = st->keys + st->koff[i];
	uint32_t n = st->kn[i], best = UINT32_MAX, bestsel = 0;
	uint32_t nsub = n <= 10 ? 1u << n : 0, umask = 0;

	/* a subset holding a digest no other property has is no earlier
	 * rule's set */
	for (uint32_t x = 0; x < n && x < 32; x++)
		if (key_unique(st, k[x]))
			umask |= 1u << x;
	for (uint32_t sel = 0; sel < (nsub ? nsub : 1u); sel++) {
		if (sel == 0 && !st->has_empty && n > 0)
			continue;
		if (!(sel & umask))
			probe_subset(st, k, n, sel, &best, &bestsel);
	}
	if (!nsub) { /* huge rule: check the empty set, single properties and the whole set */
		for (uint32_t x = 0; x <= n; x++) {
			uint32_t sel = x < n && x < 32 ? 1u << x : (n < 32 ? (1u << n) - 1 : UINT32_MAX);

			if (!(sel & umask))
				probe_subset(st, k, n, sel, &best, &bestsel);
		}
	}
	*ret_sel = bestsel;
	return best;
}

static void check_op(struct rstate *st)
{
	struct lint_run *run = st->run;
	const struct ipe_policy *p = st->p;
	const struct ipe_op_table *t = st->t;
	const char *opn = ipe_op_name(st->op);
	uint32_t catch_all = UINT32_MAX, pair_t[3], pair_f[3], cover = UINT32_MAX, cover2 = UINT32_MAX;
	bool live_deny_before_cover = false, live_allow = false, cover_all_allow = true;
	size_t kpos = 0;
	const struct ipe_loc *defloc;
	enum ipe_action def = lint_effective_default(p, st->op, &defloc);
	char wb[512];

	for (int v = 0; v < 3; v++)
		pair_t[v] = pair_f[v] = UINT32_MAX;
	for (uint32_t i = 0; i < t->nrules && !st->has_both; i++) {
		const struct ipe_prop *props = ipe_rule_props(p, &t->rules[i]);
		bool hd = false, hf = false;

		for (uint32_t x = 0; x < t->rules[i].nprops; x++) {
			hd |= props[x].type == IPE_PROP_DMV_ROOTHASH;
			hf |= props[x].type == IPE_PROP_FSV_DIGEST;
		}
		st->has_both = hd && hf;
	}

	for (uint32_t i = 0; i < t->nrules && !run->err; i++) {
		const struct ipe_rule *r = &t->rules[i];
		struct ipe_rule_constraint c;
		uint32_t j, sel;
		struct ipe_diag *d;

		ipe_rule_constraint(p, r, &run->k, &c);
		rule_keys(st, i, &kpos, &c);
		if (c.never) {
			st->flags[i] = R_NEVER;
			report_never(st, i, &c);
			continue;
		}
		if (cover != UINT32_MAX && catch_all == UINT32_MAX) {
			/* covered by an X=TRUE / X=FALSE pair */
			st->flags[i] = R_DEAD;
			d = lint_report(run, LC_UNREACHABLE, &r->loc, "move this rule above them, or delete it",
					"rule is unreachable: the rules at lines %u and %u already decide every op=%s event",
					t->rules[cover].loc.line, t->rules[cover2].loc.line, opn);
			lint_related(run, d, &t->rules[cover].loc, "this rule and ...");
			lint_related(run, d, &t->rules[cover2].loc, "... this one match every event together");
			continue;
		}
		j = find_subset(st, i, &sel);
		if (j != UINT32_MAX) {
			const struct ipe_rule *rj = &t->rules[j];

			st->flags[i] = R_DEAD;
			if (st->kn[j] == 0) {
				d = lint_report(run, LC_UNREACHABLE, &r->loc,
						"move this rule above the catch-all, or delete it",
						"rule is unreachable: the rule at line %u has no properties and matches every op=%s event first",
						rj->loc.line, opn);
				lint_related(run, d, &rj->loc, "catch-all rule");
			} else if (st->kn[j] == st->kn[i]) {
				d = lint_report(run, LC_DUPLICATE, &r->loc,
						r->action == rj->action ? "delete this copy"
									: "decide which action is meant and delete the other rule",
						r->action == rj->action
							? "rule duplicates the rule at line %u"
							: "rule conflicts with the rule at line %u: same properties, action=%s there wins",
						rj->loc.line, ipe_action_name((enum ipe_action)rj->action));
				lint_related(run, d, &rj->loc, "the earlier rule");
			} else {
				d = lint_report(run, LC_SHADOWED, &r->loc,
						"move this more specific rule above the general one, or delete it",
						"rule is dead: the rule at line %u (action=%s) matches every event this one matches",
						rj->loc.line, ipe_action_name((enum ipe_action)rj->action));
				lint_related(run, d, &rj->loc, "shadowed by this rule");
			}
			continue;
		}
		/* live */
		if (r->action == IPE_ACTION_DENY && cover == UINT32_MAX && catch_all == UINT32_MAX)
			live_deny_before_cover = true;
		if (r->action == IPE_ACTION_ALLOW)
			live_allow = true;
		/* a property-less rule is a fallback ("everything else"), not a
		 * revocation: the earlier rules deciding first is its intent */
		if (lint_wants(run, LC_OVERLAP) && r->nprops > 0) {
			int other = r->action == IPE_ACTION_ALLOW ? IPE_ACTION_DENY : IPE_ACTION_ALLOW;

			j = index_overlap(st, i, other, true);
			if (j != UINT32_MAX) {
				const struct ipe_rule *rj = &t->rules[j];

				witness(st, i, j, wb, sizeof(wb));
				d = lint_report(run, LC_OVERLAP, &r->loc,
						r->action == IPE_ACTION_DENY
							? "put revocations (DENY) before the ALLOW rules they carve out of"
							: "put this ALLOW above the DENY if those events should be allowed",
						"%s rule is partly ineffective: the earlier rule at line %u (action=%s) decides events that match both, e.g. %s",
						ipe_action_name((enum ipe_action)r->action), rj->loc.line,
						ipe_action_name((enum ipe_action)rj->action), wb);
				lint_related(run, d, &rj->loc, "this rule is reached first");
			}
		}
		if (lint_wants(run, LC_FALSE_NOFILE) || lint_wants(run, LC_FALSE_NOFILE_DENY)) {
			/* only =FALSE properties: events with no file match */
			const struct ipe_prop *props = ipe_rule_props(p, r);
			const struct ipe_prop *first_false = NULL;
			bool positive = false;

			for (uint32_t x = 0; x < r->nprops; x++) {
				uint8_t ty = props[x].type;

				if (ty == IPE_PROP_BOOT_VERIFIED_FALSE || ty == IPE_PROP_DMV_SIG_FALSE ||
				    ty == IPE_PROP_FSV_SIG_FALSE) {
					if (!first_false)
						first_false = &props[x];
				} else {
					positive = true;
				}
			}
			if (first_false && !positive) {
				char tb[64];

				lint_show_prop(p, first_false, tb, sizeof(tb));
				if (r->action == IPE_ACTION_ALLOW)
					lint_report(run, LC_FALSE_NOFILE, &first_false->loc,
						    "add a positive property if only files are meant",
						    "'%s' is also true for op=%s events with no file (%s): this rule allows them too",
						    tb, opn,
						    st->op == IPE_OP_EXECUTE ? "anonymous executable memory"
									     : "loads from a memory buffer");
				else
					lint_report(run, LC_FALSE_NOFILE_DENY, &first_false->loc, NULL,
						    "'%s' is also true for op=%s events with no file (%s): this rule denies them too",
						    tb, opn,
						    st->op == IPE_OP_EXECUTE ? "anonymous executable memory"
									     : "loads from a memory buffer");
			}
		}
		if ((!set_has_unique(st, i) &&
		     ht_insert(&st->sets, set_hash(st->keys + st->koff[i], st->kn[i], st->kn[i] < 32 ? (1u << st->kn[i]) - 1 : UINT32_MAX), i)) ||
		    index_add(st, i)) {
			run->err = -ENOMEM;
			return;
		}
		/* coverage */
		if (st->kn[i] == 0)
			st->has_empty = true;
		if (st->kn[i] == 0 && catch_all == UINT32_MAX) {
			catch_all = i;
			cover_all_allow = r->action == IPE_ACTION_ALLOW;
		} else if (st->kn[i] == 1 && st->keys[st->koff[i]] <= IPE_PROP_COUNT && cover == UINT32_MAX) {
			int ty = (int)st->keys[st->koff[i]] - 1, v = -1, val = 0;

			switch (ty) {
			case IPE_PROP_BOOT_VERIFIED_FALSE: v = 0; val = 0; break;
			case IPE_PROP_BOOT_VERIFIED_TRUE: v = 0; val = 1; break;
			case IPE_PROP_DMV_SIG_FALSE: v = 1; val = 0; break;
			case IPE_PROP_DMV_SIG_TRUE: v = 1; val = 1; break;
			case IPE_PROP_FSV_SIG_FALSE: v = 2; val = 0; break;
			case IPE_PROP_FSV_SIG_TRUE: v = 2; val = 1; break;
			default: break;
			}
			if (v >= 0) {
				uint32_t *mine = val ? &pair_t[v] : &pair_f[v], other = val ? pair_f[v] : pair_t[v];

				if (*mine == UINT32_MAX)
					*mine = i;
				if (other != UINT32_MAX) {
					cover = other;
					cover2 = i;
					cover_all_allow = t->rules[other].action == IPE_ACTION_ALLOW &&
							  r->action == IPE_ACTION_ALLOW;
				}
			}
		}
	}
	if (run->err)
		return;

	/* the op's DEFAULT never applies */
	if ((catch_all != UINT32_MAX || cover != UINT32_MAX) && t->default_action != IPE_ACTION_NONE) {
		uint32_t c = catch_all != UINT32_MAX ? catch_all : cover2;
		struct ipe_diag *d = lint_report(run, LC_DEFAULT_UNUSED, &t->default_loc,
						 "remove the catch-all rule(s) and let the DEFAULT decide, or drop the DEFAULT",
						 "DEFAULT for op=%s never applies: the rules before it match every event",
						 opn);

		lint_related(run, d, &t->rules[c].loc, "every event is decided by the time this rule is evaluated");
	}
	/* everything allowed */
	if (t->nrules && lint_wants(run, LC_ALLOWS_ALL)) {
		bool all;

		if (catch_all != UINT32_MAX || cover != UINT32_MAX)
			all = cover_all_allow && !live_deny_before_cover;
		else
			all = def == IPE_ACTION_ALLOW && !live_deny_before_cover;
		if (all)
			lint_report(run, LC_ALLOWS_ALL, &t->rules[0].loc,
				    def == IPE_ACTION_ALLOW && t->default_action == IPE_ACTION_NONE
					    ? "if these rules are an allowlist, add 'DEFAULT op=... action=DENY'"
					    : "add DENY rules or a DENY default if something should be refused",
				    "the %zu rule%s for op=%s allow every event: no DENY can apply%s", t->nrules,
				    t->nrules == 1 ? "" : "s", opn,
				    def == IPE_ACTION_ALLOW ? " and the default is ALLOW" : "");
	}
	/* boot risk */
	if ((st->op == IPE_OP_KMODULE || st->op == IPE_OP_FIRMWARE) && t->default_action == IPE_ACTION_NONE &&
	    p->global_default == IPE_ACTION_DENY && !live_allow)
		lint_report(run, LC_BOOT_RISK, &p->global_default_loc,
			    st->op == IPE_OP_KMODULE ? "add e.g. 'op=KMODULE boot_verified=TRUE action=ALLOW', or 'DEFAULT op=KMODULE action=DENY' if intended"
						     : "add e.g. 'op=FIRMWARE boot_verified=TRUE action=ALLOW', or 'DEFAULT op=FIRMWARE action=DENY' if intended",
			    "global DEFAULT DENY and no rule allows op=%s: every %s load is denied, which can stop the machine from booting",
			    opn, st->op == IPE_OP_KMODULE ? "kernel module" : "firmware");
	/* evaluation cost */
	if (run->cfg ? run->cfg->rule_threshold && t->nrules > run->cfg->rule_threshold : t->nrules > 1000) {
		size_t th = run->cfg ? run->cfg->rule_threshold : 1000;

		lint_report(run, LC_MANY_RULES, &t->rules[th].loc,
			    "allow a dm-verity root hash (or dmverity_signature=TRUE) instead of thousands of per-file digests",
			    "op=%s has %zu rules (more than %zu): the kernel walks them one by one on every access",
			    opn, t->nrules, th);
	}
	/* redundant rules: a reverse pass over the live rules */
	bool any_def_action = false;

	for (uint32_t i = 0; i < t->nrules && !any_def_action; i++)
		any_def_action = st->flags[i] == R_LIVE && (enum ipe_action)t->rules[i].action == def;
	if (lint_wants(run, LC_REDUNDANT) && any_def_action) {
		index_reset(st);
		for (uint32_t i = (uint32_t)t->nrules; i-- > 0 && !run->err;) {
			const struct ipe_rule *r = &t->rules[i];

			if (st->flags[i] != R_LIVE)
				continue;
			if ((enum ipe_action)r->action == def &&
			    index_overlap(st, i, r->action == IPE_ACTION_ALLOW ? IPE_ACTION_DENY : IPE_ACTION_ALLOW,
					  false) == UINT32_MAX) {
				struct ipe_diag *d = lint_report(run, LC_REDUNDANT, &r->loc, "delete it",
								 "rule is redundant: without it the same action (%s) applies to every event it matches",
								 ipe_action_name((enum ipe_action)r->action));

				if (defloc)
					lint_related(run, d, defloc, "the default that applies");
			}
			if (index_add(st, i))
				run->err = -ENOMEM;
		}
	}
}

void lint_check_rules(struct lint_run *run)
{
	struct rstate st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.run = run;
	st.p = run->p;
	init_compat(&st);
	rc = intern_digests(&st);
	if (!rc)
		rc = ht_init(&st.sets, 64);
	if (!rc)
		rc = ht_init(&st.bidx, 64);
	for (int op = 0; op < IPE_OP_COUNT && !rc && !run->err; op++) {
		st.op = op;
		st.t = &run->p->ops[op];
		if (!st.t->nrules && st.t->default_action == IPE_ACTION_NONE) {
			/* boot risk still applies to an op without rules */
		}
		rc = op_prepare(&st);
		if (!rc)
			check_op(&st);
	}
	if (rc)
		run->err = rc;
	ht_free(&st.digests);
	ht_free(&st.sets);
	ht_free(&st.bidx);
	free(st.digest_id);
	free(st.digest_multi);
	free(st.flags);
	free(st.keys);
	free(st.koff);
	free(st.kn);
	free(st.pat);
	free(st.dd);
	free(st.ff);
	free(st.buckets);
	free(st.ext);
}
