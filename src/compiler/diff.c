/* SPDX-License-Identifier: MIT */
/*
 * Every decision that changes between two policies (see include/ipe/equiv.h).
 *
 * Built on the equivalence checker's event classes (equiv_core.h): per op
 * and boolean combination b, an event is a class (b, d, f) and each policy
 * decides it by min(x[d], y[f], z[d,f]).  The pairs of deciders are
 * collected from:
 *  - the classes with an unnamed value, (d, other), (other, f),
 *    (other, other), and the named pairs (d, f): enumerated directly;
 *  - any other (d, f) where both policies decide by the same side (d or f)
 *    gives the pair of (d, other) or (other, f), already collected;
 *  - the cross case, OLD by its d side and NEW by its f side (or the
 *    reverse): pairs (u, v) = (x_P[d], y_Q[f]) with x_P[d] < y_P[f] and
 *    y_Q[f] < x_Q[d].  Sweeping u downwards activates the f with
 *    y_P[f] > u in a Fenwick tree ordered by y_Q, and each distinct v below
 *    max x_Q[d] is listed once per u, with a witness (d, f) that is not a
 *    named pair.  Cost: O((rules + digests + pairs listed) log digests).
 * Witnesses are then replayed through ipe_eval()'s decision procedure (on its
 * digest index), most consequential first, while that stays linear in the
 * policies (replay_all()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/equiv.h>

#include "compiler/equiv_core.h"
#include "compiler/equiv_internal.h"
#include "compiler/eval_internal.h"
#include "compiler/model.h"
#include "util/opts.h"

#define NONE EQC_NONE

/* Digests for "a value no policy names": sha256, 32 bytes of one repeated
 * byte no named digest of that kind uses (or, if all are taken, one byte
 * longer than every named digest). */
struct other {
	const char *alg;
	const uint8_t *bytes;
	size_t len;
};

struct dent;

struct run {
	const struct ipe_policy *p[2];
	const struct ipe_eval_kernel *k;
	struct ipe_diff *out;
	size_t cap;
	struct other oth[2]; /* [0] dm-verity, [1] fs-verity */
	struct eqc_op *o;    /* the op being compared */
	int op;
	struct ipe_hmap seen; /* (old << 32 | new) -> change index, this op */
	/* sort scratch (cross()) */
	uint64_t *dkey, *tmp;
	uint32_t *dval, *tmpv;
	size_t *count;
	struct dent *dsorted;
	/* per side s: every f sorted by (y_s[f][b], f), the rank of f in that
	 * order (UINT32_MAX past the rules: y_s[f][b] = NONE), how many have a
	 * rule; built for the combination ycur[s] and reused by every b whose
	 * y column is the same (yrep[b], b_classes()) */
	uint64_t *ys[2];
	uint32_t *yrank[2], ny[2];
	int ycur[2];
	uint8_t yrep[8];
	size_t nfree[2][IPE_OP_COUNT]; /* rules without a digest, per policy and op */
	uint64_t *ph[2];               /* ipe_prop_hashes() of each policy: every digest hashed once */
};

static int add_change(struct run *r, int b, int64_t d, int64_t f, uint32_t ia, uint32_t ib, bool nofile)
{
	struct eqc_op *o = r->o;
	struct ipe_diff *out = r->out;
	struct ipe_diff_change *c;
	uint64_t key = (uint64_t)ia << 32 | ib;
	uint32_t idx;
	int rc;

	if (eqc_act(&o->s[0], ia) == eqc_act(&o->s[1], ib))
		return 0;
	rc = ipe_hmap_put(&r->seen, key, (uint32_t)out->nchanges, &idx);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		out->changes[idx].nofile |= nofile;
		out->changes[idx].mask |= (uint8_t)(1u << b);
		return 0;
	}
	if (out->nchanges == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		struct ipe_diff_change *n = realloc(out->changes, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		out->changes = n;
		r->cap = nc;
	}
	c = &out->changes[out->nchanges++];
	memset(c, 0, sizeof(*c));
	c->op = r->op;
	c->nofile = nofile;
	/* which deciders the witness's decisions must name (replay() checks) */
	c->old_dec.rule = ia;
	c->new_dec.rule = ib;
	c->mask = (uint8_t)(1u << b); /* completed by every class the pair decides (finish_masks()) */
	/* the digests both deciders require */
	for (int i = 0; i < 2; i++) {
		uint32_t ri = i ? ib : ia;
		const struct ipe_rc *rc_ = ri == NONE ? NULL : &o->s[i].rc[ri];

		if (!rc_)
			continue;
		if (rc_->dmv && !c->dmv) {
			c->dmv = rc_->dmv;
			c->dmv_pol = o->s[i].p;
		}
		if (rc_->fsv && !c->fsv) {
			c->fsv = rc_->fsv;
			c->fsv_pol = o->s[i].p;
		}
	}
	/* the witness (a no-file event decides like the file event with
	 * nothing: b = 0 and no digests; replay() checks it) */
	if (nofile)
		return 0;
	c->event.has_file = true;
	c->event.boot_verified = b & 1;
	c->event.dmverity_signed = (b >> 1) & 1;
	c->event.fsverity_signed = (b >> 2) & 1;
	c->event.dmverity = d >= 0 || c->event.dmverity_signed;
	c->event.fsverity = f >= 0 || c->event.fsverity_signed;
	c->dmv_listed = d >= 0;
	c->fsv_listed = f >= 0;
	if (d >= 0) {
		c->event.dmv_alg = ipe_prop_alg(o->dpol[d], o->dprop[d]);
		c->event.dmv_roothash = ipe_prop_digest(o->dpol[d], o->dprop[d]);
		c->event.dmv_roothash_len = o->dprop[d]->digest_len;
	} else if (c->event.dmverity) {
		c->event.dmv_alg = r->oth[0].alg;
		c->event.dmv_roothash = r->oth[0].bytes;
		c->event.dmv_roothash_len = r->oth[0].len;
	}
	if (f >= 0) {
		c->event.fsv_alg = ipe_prop_alg(o->fpol[f], o->fprop[f]);
		c->event.fsv_digest = ipe_prop_digest(o->fpol[f], o->fprop[f]);
		c->event.fsv_digest_len = o->fprop[f]->digest_len;
	} else if (c->event.fsverity) {
		c->event.fsv_alg = r->oth[1].alg;
		c->event.fsv_digest = r->oth[1].bytes;
		c->event.fsv_digest_len = r->oth[1].len;
	}
	return 0;
}

static int direct(struct run *r, int b, int64_t d, int64_t f)
{
	struct eqc_op *o = r->o;

	return add_change(r, b, d, f, eqc_decide(o, &o->s[0], b, d, f), eqc_decide(o, &o->s[1], b, d, f),
			  b == 0 && d < 0 && f < 0);
}

struct dent {
	uint32_t xp, xq, d;
};

/* LSD radix sort of 64-bit keys (16-bit digits, 8-bit ones for fewer than
 * 2^14 keys so that clearing the counters does not cost more than the keys;
 * digits equal in every key are skipped), carrying an optional 32-bit
 * payload.  tmp: n keys, tmpv: n payloads (when vals), count: 2^16 counters. */
#define RADIX_DIGITS (1u << 16)
static void radix_sort(uint64_t *keys, uint32_t *vals, size_t n, uint64_t *tmp, uint32_t *tmpv, size_t *count)
{
	unsigned width = n < (1u << 14) ? 8 : 16;
	uint64_t diff = 0, mask = (1u << width) - 1;

	for (size_t i = 1; i < n; i++)
		diff |= keys[i] ^ keys[0];
	for (unsigned shift = 0; shift < 64 && n > 1; shift += width) {
		size_t sum = 0;

		if (!((diff >> shift) & mask))
			continue;
		memset(count, 0, (mask + 1) * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(keys[i] >> shift) & mask]++;
		for (unsigned dg = 0; dg <= mask; dg++) {
			size_t c = count[dg];

			count[dg] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t at = count[(keys[i] >> shift) & mask]++;

			tmp[at] = keys[i];
			if (vals)
				tmpv[at] = vals[i];
		}
		memcpy(keys, tmp, n * sizeof(*keys));
		if (vals)
			memcpy(vals, tmpv, n * sizeof(*vals));
	}
}

/* first index of sorted a[0..n) with a[i] > key */
static uint32_t upper(const uint64_t *a, uint32_t n, uint64_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (a[mid] <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Side s's f sorted by its y column of b (cached per y column). */
static void y_order(struct run *r, int s, int b)
{
	struct eqc_op *o = r->o;
	const struct eqc_side *sd = &o->s[s];
	uint32_t nf = o->dt.nkind[1], nn = 0;
	uint64_t *a = r->ys[s];

	if (r->ycur[s] == r->yrep[b])
		return;
	for (uint32_t f = 0; f < nf; f++) {
		uint32_t y = sd->y[(size_t)f * 8 + b];

		a[f] = (uint64_t)y << 32 | f;
		nn += y != NONE;
	}
	radix_sort(a, NULL, nf, r->tmp, NULL, r->count);
	for (uint32_t i = 0; i < nf; i++)
		r->yrank[s][(uint32_t)a[i]] = i < nn ? i : UINT32_MAX;
	r->ny[s] = nn;
	r->ycur[s] = r->yrep[b];
}

/* The cross case for one b: side P decides by its d side, side Q by its f side. */
static int cross(struct run *r, int b, int P, struct dent *D)
{
	struct eqc_op *o = r->o;
	const struct eqc_side *sp = &o->s[P], *sq = &o->s[1 - P];
	uint32_t nd = o->dt.nkind[0], nf = o->dt.nkind[1], nq, n = 0;
	const uint64_t *sf, *sqk;
	const uint32_t *rank;
	size_t fi = nf;
	int rc;

	y_order(r, 1 - P, b);
	nq = r->ny[1 - P];
	if (!nq)
		return 0;
	y_order(r, P, b);
	sf = r->ys[P];    /* every f by y_P */
	sqk = r->ys[1 - P]; /* the first nq: the f with a Q rule, by y_Q */
	rank = r->yrank[1 - P];
	for (uint32_t d = 0; d < nd; d++) {
		uint32_t xp = sp->x[(size_t)d * 8 + b];

		if (xp != NONE) /* "no rule" on the d side is never below an f side */
			D[n++] = (struct dent){ xp, sq->x[(size_t)d * 8 + b], d };
	}
	/* D by u = x_P descending, then x_Q descending (keys: complements) */
	for (uint32_t i = 0; i < n; i++) {
		r->dkey[i] = (uint64_t)(NONE - D[i].xp) << 32 | (NONE - D[i].xq);
		r->dval[i] = i;
	}
	radix_sort(r->dkey, r->dval, n, r->tmp, r->tmpv, r->count);
	for (uint32_t i = 0; i < n; i++)
		r->dsorted[i] = D[r->dval[i]];
	memcpy(D, r->dsorted, n * sizeof(*D));
	memset(o->fen[0], 0, ((size_t)nq + 1) * sizeof(uint32_t));
	memset(o->fen[1], 0, ((size_t)nq + 1) * sizeof(uint32_t));
	for (uint32_t gi = 0; gi < n;) {
		uint32_t u = D[gi].xp, ge = gi, M = D[gi].xq, kth = 1;
		const uint32_t *fen;

		while (ge < n && D[ge].xp == u)
			ge++;
		/* activate the f whose P-side rule comes after u */
		while (fi > 0 && (uint32_t)(sf[fi - 1] >> 32) > u) {
			uint32_t f = (uint32_t)sf[--fi];

			if (rank[f] != UINT32_MAX)
				eqc_fen_add(o->fen[eqc_act(sq, sq->y[(size_t)f * 8 + b])], nq, rank[f], 1);
		}
		fen = o->fen[!eqc_act(sp, u)];
		for (;;) {
			uint32_t pos = eqc_fen_kth(fen, nq, kth), f, v, lo, hi, k0, k1;
			int64_t wd = -1, wf = -1;

			if (pos >= nq)
				break;
			f = (uint32_t)sqk[pos];
			v = sq->y[(size_t)f * 8 + b];
			if (v >= M)
				break;
			lo = pos;
			hi = upper(sqk, nq, (uint64_t)v << 32 | 0xffffffffu);
			/* a witness (d, f): d in the group with x_Q[d] > v, f active
			 * with y_Q[f] = v, not a pair some rule names */
			k0 = eqc_fen_prefix(fen, lo);
			k1 = eqc_fen_prefix(fen, hi);
			for (uint32_t di = gi; di < ge && D[di].xq > v && wd < 0; di++) {
				for (uint32_t kk = k0 + 1; kk <= k1; kk++) {
					uint32_t ff = (uint32_t)sqk[eqc_fen_kth(fen, nq, kk)];

					if (!eqc_named_pair(o, D[di].d, ff)) {
						wd = D[di].d;
						wf = ff;
						break;
					}
				}
			}
			if (wd >= 0) {
				rc = P == 0 ? add_change(r, b, wd, wf, u, v, false) : add_change(r, b, wd, wf, v, u, false);
				if (rc)
					return rc;
			}
			kth = eqc_fen_prefix(fen, hi) + 1;
		}
		gi = ge;
	}
	return 0;
}

/* Two combinations b, b' decide alike when both policies' first digest-free
 * rules g[b] = g[b'] and every rule naming a digest accepts both or neither:
 * then the tables x, y, z are the same for b and b'.  rep[b] is the smallest
 * such b' (at most 8 classes; the dimensions no rule uses always merge);
 * yrep[b] the smallest b' under the second condition alone (the y columns
 * are the same). */
static void b_classes(const struct eqc_op *o, uint8_t rep[8], uint8_t yrep[8])
{
	uint8_t seen[32] = { 0 }; /* masks of the rules naming a digest */

	for (int i = 0; i < 2; i++)
		for (size_t r = 0; r < o->s[i].t->nrules; r++)
			if (o->s[i].did[r] >= 0 || o->s[i].fid[r] >= 0)
				seen[o->s[i].rc[r].mask / 8] |= (uint8_t)(1u << (o->s[i].rc[r].mask % 8));
	for (unsigned b = 0; b < 8; b++) {
		rep[b] = yrep[b] = (uint8_t)b;
		for (unsigned c = 0; c < b; c++) {
			bool same = true;

			for (unsigned m = 0; m < 256 && same; m++)
				if ((seen[m / 8] >> (m % 8)) & 1u)
					same = ((m >> b) & 1u) == ((m >> c) & 1u);
			if (same && yrep[b] == b)
				yrep[b] = (uint8_t)c;
			if (same && o->s[0].g[b] == o->s[0].g[c] && o->s[1].g[b] == o->s[1].g[c]) {
				rep[b] = (uint8_t)c;
				break;
			}
		}
	}
}

/* Each change's mask holds the representatives b under which its pair
 * decides some class: spread it over the combinations they stand for. */
static void finish_masks(struct run *r, size_t first, const uint8_t rep[8])
{
	for (size_t i = first; i < r->out->nchanges; i++) {
		struct ipe_diff_change *c = &r->out->changes[i];
		uint8_t m = 0;

		for (unsigned b = 0; b < 8; b++)
			if ((c->mask >> rep[b]) & 1u)
				m |= (uint8_t)(1u << b);
		c->mask = m;
	}
}

static int diff_op(struct run *r)
{
	struct eqc_op *o = r->o;
	uint32_t nd = o->dt.nkind[0], nf = o->dt.nkind[1];
	struct dent *D = NULL;
	size_t first = r->out->nchanges;
	uint8_t rep[8];
	int rc = 0;

	b_classes(o, rep, r->yrep);
	r->ycur[0] = r->ycur[1] = -1;
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < o->s[i].t->nrules; k++)
			r->nfree[i][r->op] += o->s[i].did[k] < 0 && o->s[i].fid[k] < 0;
	if (nd && nf) {
		size_t m = nd > nf ? nd : nf;

		D = malloc(nd * sizeof(*D));
		r->dsorted = malloc(nd * sizeof(*D));
		r->dkey = malloc(m * sizeof(*r->dkey));
		r->tmp = malloc(m * sizeof(*r->tmp));
		r->dval = malloc(m * sizeof(*r->dval));
		r->tmpv = malloc(m * sizeof(*r->tmpv));
		r->count = malloc(RADIX_DIGITS * sizeof(*r->count));
		for (int i = 0; i < 2; i++) {
			r->ys[i] = malloc(nf * sizeof(*r->ys[i]));
			r->yrank[i] = malloc(nf * sizeof(*r->yrank[i]));
			if (!r->ys[i] || !r->yrank[i])
				rc = -ENOMEM;
		}
		if (!D || !r->dsorted || !r->dkey || !r->tmp || !r->dval || !r->tmpv || !r->count)
			rc = -ENOMEM;
	}
	for (int b = 0; b < 8 && !rc; b++) {
		if (rep[b] != b)
			continue; /* decides like rep[b] */
		rc = direct(r, b, -1, -1);
		for (uint32_t d = 0; d < nd && !rc; d++)
			rc = direct(r, b, d, -1);
		for (uint32_t f = 0; f < nf && !rc; f++)
			rc = direct(r, b, -1, f);
		for (uint32_t pi = 0; pi < o->npairs && !rc; pi++)
			rc = direct(r, b, (int64_t)(o->pairkeys[pi] >> 32), (int64_t)(o->pairkeys[pi] & 0xffffffffu));
		for (int P = 0; P < 2 && nd && nf && !rc; P++)
			rc = cross(r, b, P, D);
	}
	if (!rc)
		finish_masks(r, first, rep);
	free(D);
	free(r->dsorted);
	free(r->dkey);
	free(r->tmp);
	free(r->dval);
	free(r->tmpv);
	free(r->count);
	r->count = NULL;
	for (int i = 0; i < 2; i++) {
		free(r->ys[i]);
		free(r->yrank[i]);
		r->ys[i] = NULL;
		r->yrank[i] = NULL;
	}
	r->dsorted = NULL;
	r->dkey = r->tmp = NULL;
	r->dval = r->tmpv = NULL;
	return rc;
}

/* Pick the "unnamed" digest of each kind. */
static int pick_others(struct run *r)
{
	uint8_t taken[2][32] = { { 0 } }; /* bitmaps of repeated-byte sha256 values in use */
	size_t maxlen[2] = { 0, 0 };
	uint8_t *buf;

	for (int i = 0; i < 2; i++) {
		const struct ipe_policy *p = r->p[i];

		for (size_t j = 0; j < p->nprops; j++) {
			const struct ipe_prop *pr = &p->props[j];
			const uint8_t *dg;
			const char *alg;
			int kind;
			bool same = true;

			if (pr->type != IPE_PROP_DMV_ROOTHASH && pr->type != IPE_PROP_FSV_DIGEST)
				continue;
			kind = pr->type == IPE_PROP_FSV_DIGEST;
			if (pr->digest_len > maxlen[kind])
				maxlen[kind] = pr->digest_len;
			alg = ipe_prop_alg(p, pr);
			if (pr->digest_len != 32 || !alg || strcmp(alg, "sha256") != 0)
				continue;
			dg = ipe_prop_digest(p, pr);
			for (size_t x = 1; x < 32 && same; x++)
				same = dg[x] == dg[0];
			if (same)
				taken[kind][dg[0] / 8] |= (uint8_t)(1u << (dg[0] % 8));
		}
	}
	buf = calloc(2 * 32 + maxlen[0] + maxlen[1] + 2, 1);
	if (!buf)
		return -ENOMEM;
	r->out->priv = buf;
	for (int kind = 0; kind < 2; kind++) {
		int c;

		for (c = 0; c < 256; c++)
			if (!(taken[kind][c / 8] & (1u << (c % 8))))
				break;
		r->oth[kind].alg = "sha256";
		if (c < 256) {
			memset(buf + kind * 32, c, 32);
			r->oth[kind].bytes = buf + kind * 32;
			r->oth[kind].len = 32;
		} else {
			r->oth[kind].bytes = buf + 64 + (kind ? maxlen[0] + 1 : 0);
			r->oth[kind].len = maxlen[kind] + 1;
		}
	}
	return 0;
}

static struct ipe_loc decider_loc(const struct ipe_policy *p, int op, const struct ipe_decision *d)
{
	static const struct ipe_loc none = { .src = IPE_SRC_NONE };

	switch (d->by) {
	case IPE_DECIDED_BY_RULE:
		return op >= 0 ? p->ops[op].rules[d->rule].loc : none;
	case IPE_DECIDED_BY_OP_DEFAULT:
		return op >= 0 ? p->ops[op].default_loc : none;
	case IPE_DECIDED_BY_GLOBAL_DEFAULT:
		return p->global_default_loc;
	default:
		return none;
	}
}

/* The decision the symbolic engine claims: rule index i (or NONE: the DEFAULTs). */
static struct ipe_decision claimed(const struct ipe_policy *p, int op, uint32_t i)
{
	struct ipe_decision d = { .action = IPE_ACTION_ALLOW, .by = IPE_DECIDED_BY_NOTHING };

	if (op >= 0 && i != NONE) {
		d.action = (enum ipe_action)p->ops[op].rules[i].action;
		d.by = IPE_DECIDED_BY_RULE;
		d.rule = i;
	} else if (op >= 0 && p->ops[op].default_action != IPE_ACTION_NONE) {
		d.action = (enum ipe_action)p->ops[op].default_action;
		d.by = IPE_DECIDED_BY_OP_DEFAULT;
	} else if (p->global_default != IPE_ACTION_NONE) {
		d.action = (enum ipe_action)p->global_default;
		d.by = IPE_DECIDED_BY_GLOBAL_DEFAULT;
	}
	return d;
}

/* Fill a change's decisions and lines from the pair found. */
static void settle(struct run *r, struct ipe_diff_change *c)
{
	uint32_t want[2] = { (uint32_t)c->old_dec.rule, (uint32_t)c->new_dec.rule };
	struct ipe_decision *dec[2] = { &c->old_dec, &c->new_dec };
	unsigned *line[2] = { &c->old_line, &c->new_line };
	struct ipe_loc *loc[2] = { &c->old_loc, &c->new_loc };

	for (int i = 0; i < 2; i++) {
		*dec[i] = claimed(r->p[i], c->op, c->op == IPE_OP_INVALID ? NONE : want[i]);
		*loc[i] = decider_loc(r->p[i], c->op, dec[i]);
		*line[i] = dec[i]->by == IPE_DECIDED_BY_NOTHING ? 0 : loc[i]->line;
	}
}

/* Replay a witness through the evaluator (ipe_eval()'s decision procedure
 * over its digest index, ipe_eval_indexed()): it must get exactly the
 * claimed decisions, and they must differ.  Returns 0 or -EPROTO. */
static int replay(struct run *r, struct ipe_eval_index *const ix[2], const struct ipe_diff_change *c)
{
	const struct ipe_decision *want[2] = { &c->old_dec, &c->new_dec };

	for (int i = 0; i < 2; i++) {
		struct ipe_decision got;
		int rc = ipe_eval_indexed(ix[i], c->op, &c->event, &got);

		if (rc)
			return rc;
		if (got.action != want[i]->action || got.by != want[i]->by ||
		    (got.by == IPE_DECIDED_BY_RULE && got.rule != want[i]->rule))
			return -EPROTO;
	}
	return c->old_dec.action == c->new_dec.action ? -EPROTO : 0;
}

/* Replay witnesses in report order (most consequential first) while the
 * evaluator's work stays linear in the policies: each replay walks the op's
 * rules without a digest (nfree) and those naming the witness's digests;
 * budget 2 x the rules of both policies + 2^20. */
static int replay_all(struct run *r)
{
	uint64_t budget = 2 * ((uint64_t)r->p[0]->nrules + r->p[1]->nrules) + (1u << 20), spent = 0;
	struct ipe_eval_index *ix[2] = { NULL, NULL };
	struct ipe_diff *d = r->out;
	size_t n = 0;
	uint32_t ops = 0; /* the ops indexed: those with a witness to replay */
	struct ipe_hmap only = { 0 }; /* the witnesses' digests, by ipe_digest_hash() */
	int rc = 0;

	for (; n < d->nchanges; n++) {
		const struct ipe_diff_change *c = &d->changes[n];
		uint64_t cost = 2 + (c->op >= 0 ? r->nfree[0][c->op] + r->nfree[1][c->op] : 0);

		if (spent + cost > budget)
			break;
		spent += cost;
		if (c->op >= 0)
			ops |= 1u << c->op;
	}
	/* index only the rules that may match a witness: those without a
	 * digest and those whose first digest some witness has */
	rc = ipe_hmap_init(&only, 2 * n);
	for (size_t i = 0; i < n && !rc; i++) {
		const struct ipe_event *ev = &d->changes[i].event;

		if (ev->has_file && ev->fsverity && ev->fsv_alg)
			rc = ipe_hmap_put(&only, ipe_digest_hash(IPE_PROP_FSV_DIGEST, ev->fsv_alg, ev->fsv_digest,
								ev->fsv_digest_len), 0, NULL);
		if (rc >= 0 && ev->has_file && ev->dmverity && ev->dmv_alg)
			rc = ipe_hmap_put(&only, ipe_digest_hash(IPE_PROP_DMV_ROOTHASH, ev->dmv_alg, ev->dmv_roothash,
								ev->dmv_roothash_len), 0, NULL);
		rc = rc < 0 ? rc : 0;
	}
	for (int i = 0; i < 2 && !rc; i++)
		rc = ipe_eval_index_build(r->p[i], r->k, r->ph[i], ops, &only, &ix[i]);
	for (size_t i = 0; i < n && !rc; i++) {
		rc = replay(r, ix, &d->changes[i]);
		if (!rc)
			d->nreplayed++;
	}
	ipe_eval_index_free(ix[0]);
	ipe_eval_index_free(ix[1]);
	ipe_hmap_free(&only);
	return rc;
}

/* sort key: ops with a widening change first, then kernel op order
 * (unclassifiable last); in an op, widening (to ALLOW) first, then lines */
struct skey {
	uint32_t group;
	struct ipe_diff_change c;
};

static unsigned op_rank(int op)
{
	return op < 0 ? IPE_OP_COUNT : (unsigned)op;
}

static int cmp_change(const void *a, const void *b)
{
	const struct skey *kx = a, *ky = b;
	const struct ipe_diff_change *x = &kx->c, *y = &ky->c;
	int wx = x->new_dec.action == IPE_ACTION_ALLOW, wy = y->new_dec.action == IPE_ACTION_ALLOW;

	if (kx->group != ky->group)
		return kx->group < ky->group ? -1 : 1;
	if (wx != wy)
		return wx ? -1 : 1;
	if (x->new_line != y->new_line)
		return x->new_line < y->new_line ? -1 : 1;
	if (x->old_line != y->old_line)
		return x->old_line < y->old_line ? -1 : 1;
	return 0;
}

static int sort_changes(struct ipe_diff *d)
{
	bool wide[IPE_OP_COUNT + 1] = { false };
	struct skey *k;

	if (d->nchanges < 2)
		return 0;
	k = malloc(d->nchanges * sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < d->nchanges; i++)
		if (d->changes[i].new_dec.action == IPE_ACTION_ALLOW)
			wide[op_rank(d->changes[i].op)] = true;
	for (size_t i = 0; i < d->nchanges; i++) {
		unsigned r = op_rank(d->changes[i].op);

		k[i].group = (wide[r] ? 0 : IPE_OP_COUNT + 1) + r;
		k[i].c = d->changes[i];
	}
	qsort(k, d->nchanges, sizeof(*k), cmp_change);
	for (size_t i = 0; i < d->nchanges; i++)
		d->changes[i] = k[i].c;
	free(k);
	return 0;
}

void ipe_diff_free(struct ipe_diff *d)
{
	if (!d)
		return;
	free(d->changes);
	free(d->priv);
	free(d);
}

int ipe_policy_diff(const struct ipe_policy *old_p, const struct ipe_policy *new_p, const struct ipe_eval_kernel *k,
		    struct ipe_diff **ret)
{
	struct run r = { .p = { old_p, new_p }, .k = k };
	int rc;

	if (!ret)
		return -EINVAL;
	*ret = NULL;
	if (!old_p || !new_p || old_p->verdict.err || new_p->verdict.err || !old_p->has_header || !new_p->has_header ||
	    IPE_RESERVED_CHECK(k))
		return -EINVAL;
	r.out = calloc(1, sizeof(*r.out));
	if (!r.out)
		return -ENOMEM;
	/* the header, by the one update rule (util/header.c) */
	r.out->update_err = ipe_update_rule(old_p->name, old_p->version, new_p->name, new_p->version);
	r.out->name_changed = strcmp(old_p->name, new_p->name) != 0;
	r.out->version_cmp = ipe_version_order(new_p->version, old_p->version);
	rc = pick_others(&r);
	for (int i = 0; i < 2 && !rc; i++)
		rc = ipe_prop_hashes(r.p[i], &r.ph[i]);
	for (int op = 0; op < IPE_OP_COUNT && !rc; op++) {
		struct eqc_op o = { .k = k, .ph = { r.ph[0], r.ph[1] } };

		r.o = &o;
		r.op = op;
		size_t first = r.out->nchanges;

		rc = eqc_open(&o, old_p, new_p, op);
		if (!rc)
			rc = diff_op(&r);
		for (size_t i = first; i < r.out->nchanges && !rc; i++)
			settle(&r, &r.out->changes[i]);
		eqc_close(&o);
		ipe_hmap_free(&r.seen);
		memset(&r.seen, 0, sizeof(r.seen));
		r.o = NULL;
	}
	/* events of an op the kernel cannot classify: the global DEFAULT */
	if (!rc && eqc_global_def(old_p) != eqc_global_def(new_p)) {
		struct ipe_diff_change *c;

		if (r.out->nchanges == r.cap) {
			struct ipe_diff_change *n = realloc(r.out->changes, (r.cap + 1) * sizeof(*n));

			if (!n)
				rc = -ENOMEM;
			else
				r.out->changes = n;
		}
		if (!rc) {
			c = &r.out->changes[r.out->nchanges++];
			memset(c, 0, sizeof(*c));
			c->op = IPE_OP_INVALID;
			c->mask = IPE_RC_ALL;
			c->nofile = true;
			c->old_dec.rule = c->new_dec.rule = NONE;
			settle(&r, c);
		}
	}
	if (!rc)
		rc = sort_changes(r.out);
	if (!rc)
		rc = replay_all(&r);
	free(r.ph[0]);
	free(r.ph[1]);
	if (rc) {
		ipe_diff_free(r.out);
		return rc;
	}
	r.out->equivalent = r.out->nchanges == 0;
	*ret = r.out;
	return 0;
}

/* ---- text ---- */

static void put_hex_short(FILE *f, const struct ipe_policy *p, const struct ipe_prop *pr)
{
	const uint8_t *d = ipe_prop_digest(p, pr);
	size_t n = pr->digest_len > 8 ? 8 : pr->digest_len;
	const char *alg = ipe_prop_alg(p, pr);

	fputs(alg ? alg : "(null)", f);
	fputc(':', f);
	ipe_fput_hex(f, d, n);
	if (n < pr->digest_len)
		fputs("...", f);
}

/* One boolean cube: for each dimension 0 FALSE, 1 TRUE, 2 any (the
 * combinations b with bit dim of b equal to v[dim], for each fixed dim). */
static uint8_t cube_mask(const int v[3])
{
	static const uint8_t ones[3] = { 0xaa, 0xcc, 0xf0 }; /* b with bit dim set */
	uint8_t m = IPE_RC_ALL;

	for (int dim = 0; dim < 3; dim++)
		if (v[dim] != 2)
			m &= v[dim] ? ones[dim] : (uint8_t)~ones[dim];
	return m;
}

static const char *const dim_words[3][2] = {
	{ "not boot-verified", "boot-verified" },
	{ "without a verified dm-verity signature", "on a dm-verity volume with a verified signature" },
	{ "without a verified fs-verity builtin signature", "with a verified fs-verity builtin signature" },
};

/* mask as a short sum of cubes (greedy over the largest cubes inside it) */
static void put_mask(FILE *f, uint8_t mask)
{
	uint8_t left = mask, cubes[27];
	bool first = true;

	for (int c = 0; c < 27; c++) {
		int v[3] = { c % 3, c / 3 % 3, c / 9 };

		cubes[c] = cube_mask(v);
	}

	while (left) {
		int best[3] = { 0, 0, 0 }, bestn = -1;

		for (int c = 0; c < 27; c++) {
			int v[3] = { c % 3, c / 3 % 3, c / 9 }, n = 0;
			uint8_t m = cubes[c];

			if ((m & mask) != m || !(m & left))
				continue;
			for (int dim = 0; dim < 3; dim++)
				n += v[dim] == 2;
			if (n > bestn) {
				bestn = n;
				memcpy(best, v, sizeof(best));
			}
		}
		fputs(first ? "" : "; or ", f);
		first = false;
		for (int dim = 0, k = 0; dim < 3; dim++)
			if (best[dim] != 2)
				fprintf(f, "%s%s", k++ ? " and " : "", dim_words[dim][best[dim]]);
		left &= (uint8_t)~cube_mask(best);
	}
}

void ipe_diff_change_describe_to(FILE *f, const struct ipe_diff_change *c)
{
	if (c->op == IPE_OP_INVALID) {
		fputs("events of an operation the kernel cannot classify (the global DEFAULT decides)", f);
	} else if (c->mask == IPE_RC_ALL && !c->dmv && !c->fsv) {
		fputs("every event", f);
	} else {
		fputs("files", f);
		if (c->dmv) {
			fputs(" on the dm-verity volume with dmverity_roothash=", f);
			put_hex_short(f, c->dmv_pol, c->dmv);
		}
		if (c->fsv) {
			fputs(c->dmv ? " and" : "", f);
			fputs(" with fsverity_digest=", f);
			put_hex_short(f, c->fsv_pol, c->fsv);
		}
		if (c->mask != IPE_RC_ALL) {
			fputs(" that are ", f);
			put_mask(f, c->mask);
		}
		if (c->nofile)
			fputs(", and events with no file", f);
	}
	if (c->op != IPE_OP_INVALID)
		fputs(" (those no earlier rule decides first)", f);
}

int ipe_diff_change_describe(const struct ipe_diff_change *c, char **ret_text)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if (!c || !ret_text)
		return -EINVAL;
	f = open_memstream(&s, &len);
	if (!f)
		return -ENOMEM;
	ipe_diff_change_describe_to(f, c);
	if (fclose(f) != 0) {
		free(s);
		return -ENOMEM;
	}
	*ret_text = s;
	return 0;
}

static void event_result(const struct ipe_diff_change *c, struct ipe_equiv_result *r)
{
	memset(r, 0, sizeof(*r));
	r->op = c->op;
	r->event = c->event;
	r->dmv_listed = c->dmv_listed;
	r->fsv_listed = c->fsv_listed;
}

void ipe_diff_event_write(FILE *f, const struct ipe_diff_change *c)
{
	struct ipe_equiv_result r;

	event_result(c, &r);
	ipe_equiv_event_write(f, &r);
}

int ipe_diff_event_format(const struct ipe_diff_change *c, char **ret_text)
{
	struct ipe_equiv_result r;

	if (!c || !ret_text)
		return -EINVAL;
	event_result(c, &r);
	return ipe_equiv_event_format(&r, ret_text);
}
