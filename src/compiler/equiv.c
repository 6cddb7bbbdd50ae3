/* SPDX-License-Identifier: MIT */
/*
 * Exact policy equivalence (see include/ipe/equiv.h).
 *
 * Per op, with the rules seen as event classes (ruleclass.h): for one
 * boolean combination b, let d range over the root hashes either policy
 * names and f over the fs-verity digests, and let (in one policy)
 *   g      = first rule without digests accepting b,
 *   x[d]   = first rule accepting b among those without digests or naming
 *            only the root hash d,
 *   y[f]   = first rule accepting b naming only the fs-verity digest f,
 *   z[d,f] = first rule accepting b naming both.
 * The event (b, d, f) is decided by min(x[d], y[f], z[d,f]) (missing
 * entries are "no rule": the DEFAULTs).  With "other" for an unnamed value
 * (x[other] = g, y[other] = none) the event space is finite, and:
 *  - (d, other), (other, f), (other, other) and the named pairs (d, f) are
 *    compared directly;
 *  - any other (d, f) where both policies pick the same side (the d side in
 *    both, or the f side in both) decides like (d, other) or (other, f);
 *  - what remains is the cross case: policy A decides by its d side and
 *    policy B by its f side (or the reverse): x_A[d] < y_A[f] and
 *    y_B[f] < x_B[d] with different actions.  That is a 2-D dominance query,
 *    answered by a sweep over x_A with a Fenwick tree ordered by y_B (named
 *    pairs are skipped, they were compared directly).
 * Cost per op: O((rules + digests) log digests) for each of the at most 8
 * boolean combinations that some rule distinguishes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/equiv.h>
#include <ipe/io.h>

#include "compiler/equiv_core.h"
#include "compiler/equiv_internal.h"
#include "compiler/model.h"
#include "compiler/ruleclass.h"
#include "compiler/target.h"
#include "util/kwtable.h"
#include "util/opts.h"

#define INF EQC_NONE

int eqc_global_def(const struct ipe_policy *p)
{
	return p->global_default != IPE_ACTION_NONE ? p->global_default : IPE_ACTION_ALLOW;
}

int eqc_act(const struct eqc_side *s, uint32_t i)
{
	return i == INF ? s->def : s->t->rules[i].action;
}

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a < b ? a : b;

	return m < c ? m : c;
}

static void side_free(struct eqc_side *s)
{
	free(s->rc);
	free(s->did);
	free(s->fid);
	free(s->x);
	free(s->y);
	free(s->z);
	memset(s, 0, sizeof(*s));
}

static void opctx_free(struct eqc_op *o)
{
	side_free(&o->s[0]);
	side_free(&o->s[1]);
	ipe_dtab_free(&o->dt);
	ipe_hmap_free(&o->pairs);
	free(o->pairkeys);
	free(o->dprop);
	free(o->fprop);
	free(o->dpol);
	free(o->fpol);
	free(o->sd);
	free(o->sf);
	free(o->sq);
	free(o->rank);
	free(o->byrank);
	free(o->fen[0]);
	free(o->fen[1]);
}

static uint8_t used_dims(uint8_t mask)
{
	uint8_t u = 0;

	for (int dim = 0; dim < 3; dim++)
		for (unsigned b = 0; b < 8; b++)
			if (((mask >> b) & 1u) != ((mask >> (b ^ (1u << dim))) & 1u))
				u |= (uint8_t)(1u << dim);
	return u;
}

/* Classify the rules of both sides and intern their digests. */
static int prepare(struct eqc_op *o, int op)
{
	uint64_t *h = NULL; /* per rule: hashes of its dm-verity and fs-verity digests */
	uint8_t masks[32] = { 0 }; /* the masks of the rules: their dimensions are used */
	int rc = 0;

	for (int i = 0; i < 2; i++) {
		struct eqc_side *s = &o->s[i];
		size_t n = s->t->nrules;

		s->def = s->t->default_action != IPE_ACTION_NONE ? s->t->default_action : eqc_global_def(s->p);
		s->rc = calloc(n ? n : 1, sizeof(*s->rc));
		s->did = calloc(n ? n : 1, sizeof(*s->did));
		s->fid = calloc(n ? n : 1, sizeof(*s->fid));
		if (!s->rc || !s->did || !s->fid) {
			free(h);
			return -ENOMEM;
		}
		/* classify, and hash the digests, first: the interning below
		 * then prefetches the table slot of the rule 8 ahead (one cache
		 * miss per digest otherwise, a third of a --diff's engine) */
		{
			uint64_t *nh = realloc(h, (n ? n : 1) * 2 * sizeof(*h));

			if (!nh) {
				free(h);
				return -ENOMEM;
			}
			h = nh;
		}
		for (size_t r = 0; r < n; r++) {
			struct ipe_rc *c = &s->rc[r];

			ipe_rc_of_rule(s->p, &s->t->rules[r], o->k, c);
			if (o->physical)
				ipe_rc_physical(s->p, &s->t->rules[r], c);
			s->did[r] = s->fid[r] = -1;
			h[2 * r] = !c->mask || !c->dmv ? 0
				   : o->ph[i]  ? o->ph[i][c->dmv - s->p->props]
					       : ipe_prop_digest_hash(s->p, c->dmv);
			h[2 * r + 1] = !c->mask || !c->fsv ? 0
				       : o->ph[i]  ? o->ph[i][c->fsv - s->p->props]
						   : ipe_prop_digest_hash(s->p, c->fsv);
		}
		for (size_t r = 0; r < n; r++) {
			struct ipe_rc *c = &s->rc[r];

			if (r + 8 < n && o->dt.index.cap) {
				const struct ipe_rc *a = &s->rc[r + 8];

				if (a->mask && a->dmv)
					__builtin_prefetch(&o->dt.index.slots[ipe_hmap_slot(&o->dt.index, h[2 * r + 16])]);
				if (a->mask && a->fsv)
					__builtin_prefetch(&o->dt.index.slots[ipe_hmap_slot(&o->dt.index, h[2 * r + 17])]);
			}
			if (!c->mask)
				continue;
			masks[c->mask / 8] |= (uint8_t)(1u << (c->mask % 8));
			if (c->dmv) {
				s->did[r] = ipe_dtab_intern_hashed(&o->dt, s->p, c->dmv, h[2 * r]);
				if (s->did[r] < 0) {
					free(h);
					return (int)s->did[r];
				}
			}
			if (c->fsv) {
				s->fid[r] = ipe_dtab_intern_hashed(&o->dt, s->p, c->fsv, h[2 * r + 1]);
				if (s->fid[r] < 0) {
					free(h);
					return (int)s->fid[r];
				}
			}
			if (c->dmv && c->fsv) {
				uint64_t key = (uint64_t)s->did[r] << 32 | (uint64_t)s->fid[r];
				uint32_t id;

				rc = ipe_hmap_put(&o->pairs, key, o->npairs, &id);
				if (rc < 0) {
					free(h);
					return rc;
				}
				if (rc == 0) {
					if (o->npairs == o->pairkeys_cap) {
						size_t nc = o->pairkeys_cap ? o->pairkeys_cap * 2 : 64;
						uint64_t *nk = realloc(o->pairkeys, nc * sizeof(*nk));

						if (!nk) {
							free(h);
							return -ENOMEM;
						}
						o->pairkeys = nk;
						o->pairkeys_cap = nc;
					}
					o->pairkeys[o->npairs++] = key;
				}
				rc = 0;
			}
		}
	}
	free(h);
	for (unsigned m = 1; m < 256; m++)
		if ((masks[m / 8] >> (m % 8)) & 1u)
			o->used |= used_dims((uint8_t)m);
	(void)op;
	return 0;
}

static int fill(struct eqc_op *o)
{
	uint32_t nd = o->dt.nkind[0], nf = o->dt.nkind[1];

	o->dprop = calloc(nd ? nd : 1, sizeof(*o->dprop));
	o->fprop = calloc(nf ? nf : 1, sizeof(*o->fprop));
	o->dpol = calloc(nd ? nd : 1, sizeof(*o->dpol));
	o->fpol = calloc(nf ? nf : 1, sizeof(*o->fpol));
	if (!o->dprop || !o->fprop || !o->dpol || !o->fpol)
		return -ENOMEM;
	for (size_t i = 0; i < o->dt.n; i++) {
		const struct ipe_dent *e = &o->dt.ents[i];

		if (e->prop->type == IPE_PROP_FSV_DIGEST) {
			o->fprop[e->id] = e->prop;
			o->fpol[e->id] = e->p;
		} else {
			o->dprop[e->id] = e->prop;
			o->dpol[e->id] = e->p;
		}
	}
	for (int i = 0; i < 2; i++) {
		struct eqc_side *s = &o->s[i];

		s->x = malloc(((size_t)nd * 8 + 1) * sizeof(uint32_t));
		s->y = malloc(((size_t)nf * 8 + 1) * sizeof(uint32_t));
		s->z = malloc(((size_t)o->npairs * 8 + 1) * sizeof(uint32_t));
		if (!s->x || !s->y || !s->z)
			return -ENOMEM;
		memset(s->x, 0xff, ((size_t)nd * 8 + 1) * sizeof(uint32_t));
		memset(s->y, 0xff, ((size_t)nf * 8 + 1) * sizeof(uint32_t));
		memset(s->z, 0xff, ((size_t)o->npairs * 8 + 1) * sizeof(uint32_t));
		memset(s->g, 0xff, sizeof(s->g));
		for (size_t r = 0; r < s->t->nrules; r++) {
			const struct ipe_rc *c = &s->rc[r];
			uint32_t *slot8;

			if (!c->mask)
				continue;
			if (s->did[r] < 0 && s->fid[r] < 0) {
				slot8 = s->g;
			} else if (s->fid[r] < 0) {
				slot8 = &s->x[s->did[r] * 8];
			} else if (s->did[r] < 0) {
				slot8 = &s->y[s->fid[r] * 8];
			} else {
				uint32_t pid = 0;

				ipe_hmap_get(&o->pairs, (uint64_t)s->did[r] << 32 | (uint64_t)s->fid[r], &pid);
				slot8 = &s->z[(size_t)pid * 8];
			}
			for (unsigned b = 0; b < 8; b++)
				if (((c->mask >> b) & 1u) && slot8[b] == INF)
					slot8[b] = (uint32_t)r;
		}
		for (size_t d = 0; d < nd; d++)
			for (unsigned b = 0; b < 8; b++)
				if (s->g[b] < s->x[d * 8 + b])
					s->x[d * 8 + b] = s->g[b];
	}
	return 0;
}

/* decision index of side s for (b, d, f); -1 = other */
uint32_t eqc_decide(const struct eqc_op *o, const struct eqc_side *s, int b, int64_t d, int64_t f)
{
	uint32_t x = d < 0 ? s->g[b] : s->x[d * 8 + b];
	uint32_t y = f < 0 ? INF : s->y[f * 8 + b];
	uint32_t z = INF, pid;

	if (d >= 0 && f >= 0 && ipe_hmap_get(&o->pairs, (uint64_t)d << 32 | (uint64_t)f, &pid))
		z = s->z[(size_t)pid * 8 + b];
	return min3(x, y, z);
}

static bool differ(const struct eqc_op *o, int b, int64_t d, int64_t f)
{
	return eqc_act(&o->s[0], eqc_decide(o, &o->s[0], b, d, f)) != eqc_act(&o->s[1], eqc_decide(o, &o->s[1], b, d, f));
}

static void found(struct eqc_op *o, int b, int64_t d, int64_t f)
{
	o->w = (struct eqc_wit){ .found = true, .b = b, .d = d, .f = f };
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void eqc_fen_add(uint32_t *fen, uint32_t n, uint32_t i, int v)
{
	for (i++; i <= n; i += i & (~i + 1))
		fen[i] = (uint32_t)((int)fen[i] + v);
}

/* position (0-based) of the k-th (1-based) element, or n if fewer */
uint32_t eqc_fen_kth(const uint32_t *fen, uint32_t n, uint32_t k)
{
	uint32_t pos = 0, step = 1;

	while (step * 2 <= n)
		step *= 2;
	for (; step; step /= 2)
		if (pos + step <= n && fen[pos + step] < k) {
			pos += step;
			k -= fen[pos];
		}
	return pos; /* 1-based pos+1 -> 0-based pos */
}

uint32_t eqc_fen_prefix(const uint32_t *fen, uint32_t i)
{
	uint32_t sum = 0;

	for (; i > 0; i -= i & (~i + 1))
		sum += fen[i];
	return sum;
}

bool eqc_named_pair(const struct eqc_op *o, int64_t d, int64_t f)
{
	return d >= 0 && f >= 0 && ipe_hmap_get(&o->pairs, (uint64_t)d << 32 | (uint64_t)f, NULL);
}

/* Cross case for one b: side P decides by its d side, side Q by its f side. */
static int sweep(struct eqc_op *o, int b, int P)
{
	const struct eqc_side *sp = &o->s[P], *sq = &o->s[1 - P];
	uint32_t nd = o->dt.nkind[0], nf = o->dt.nkind[1], nq = 0;
	size_t fi;

	for (uint32_t d = 0; d < nd; d++)
		o->sd[d] = (uint64_t)sp->x[(size_t)d * 8 + b] << 32 | d;
	for (uint32_t f = 0; f < nf; f++) {
		o->sf[f] = (uint64_t)sp->y[(size_t)f * 8 + b] << 32 | f;
		if (sq->y[(size_t)f * 8 + b] != INF)
			o->sq[nq++] = (uint64_t)sq->y[(size_t)f * 8 + b] << 32 | f;
	}
	if (!nq)
		return 0;
	qsort(o->sd, nd, sizeof(*o->sd), cmp_u64);
	qsort(o->sf, nf, sizeof(*o->sf), cmp_u64);
	qsort(o->sq, nq, sizeof(*o->sq), cmp_u64);
	for (uint32_t r = 0; r < nf; r++)
		o->rank[r] = UINT32_MAX;
	for (uint32_t r = 0; r < nq; r++) {
		o->rank[(uint32_t)o->sq[r]] = r;
		o->byrank[r] = (uint32_t)o->sq[r];
	}
	memset(o->fen[0], 0, ((size_t)nq + 1) * sizeof(uint32_t));
	memset(o->fen[1], 0, ((size_t)nq + 1) * sizeof(uint32_t));
	fi = nf;
	for (size_t di = nd; di-- > 0;) {
		uint32_t d = (uint32_t)o->sd[di], xp = (uint32_t)(o->sd[di] >> 32);
		uint32_t xq = sq->x[(size_t)d * 8 + b];
		int a, c;

		if (xp == INF)
			continue; /* no f side can be below "no rule" */
		while (fi > 0 && (uint32_t)(o->sf[fi - 1] >> 32) > xp) {
			uint32_t f = (uint32_t)o->sf[--fi];

			if (o->rank[f] != UINT32_MAX)
				eqc_fen_add(o->fen[eqc_act(sq, sq->y[(size_t)f * 8 + b])], nq, o->rank[f], 1);
		}
		a = eqc_act(sp, xp);
		c = !a; /* the other action */
		for (uint32_t kth = 1;; kth++) {
			uint32_t pos = eqc_fen_kth(o->fen[c], nq, kth), f;

			if (pos >= nq)
				break;
			f = o->byrank[pos];
			if (sq->y[(size_t)f * 8 + b] >= xq)
				break;
			if (ipe_hmap_get(&o->pairs, (uint64_t)d << 32 | f, NULL))
				continue; /* a named pair: compared directly */
			found(o, b, d, f);
			return 0;
		}
	}
	return 0;
}

static int check_op(struct eqc_op *o)
{
	uint32_t nd = o->dt.nkind[0], nf = o->dt.nkind[1];
	int rc;

	for (int b = 0; b < 8; b++) {
		if (b & ~o->used)
			continue;
		if (differ(o, b, -1, -1)) {
			found(o, b, -1, -1);
			return 0;
		}
		for (uint32_t d = 0; d < nd; d++)
			if (differ(o, b, d, -1)) {
				found(o, b, d, -1);
				return 0;
			}
		for (uint32_t f = 0; f < nf; f++)
			if (differ(o, b, -1, f)) {
				found(o, b, -1, f);
				return 0;
			}
		for (uint32_t pi = 0; pi < o->npairs; pi++) {
			int64_t d = (int64_t)(o->pairkeys[pi] >> 32), f = (int64_t)(o->pairkeys[pi] & 0xffffffffu);

			if (differ(o, b, d, f)) {
				found(o, b, d, f);
				return 0;
			}
		}
		if (nd && nf) {
			for (int P = 0; P < 2; P++) {
				rc = sweep(o, b, P);
				if (rc || o->w.found)
					return rc;
			}
		}
	}
	return 0;
}

static int sweep_alloc(struct eqc_op *o)
{
	uint32_t nd = o->dt.nkind[0], nf = o->dt.nkind[1];

	if (!nd || !nf)
		return 0;
	o->sd = malloc(nd * sizeof(*o->sd));
	o->sf = malloc(nf * sizeof(*o->sf));
	o->sq = malloc(nf * sizeof(*o->sq));
	o->rank = malloc(nf * sizeof(*o->rank));
	o->byrank = malloc(nf * sizeof(*o->byrank));
	o->fen[0] = malloc(((size_t)nf + 1) * sizeof(uint32_t));
	o->fen[1] = malloc(((size_t)nf + 1) * sizeof(uint32_t));
	if (!o->sd || !o->sf || !o->sq || !o->rank || !o->byrank || !o->fen[0] || !o->fen[1])
		return -ENOMEM;
	return 0;
}

int eqc_open(struct eqc_op *o, const struct ipe_policy *a, const struct ipe_policy *b, int op)
{
	const struct ipe_policy *pol[2] = { a, b };
	int rc;

	for (int i = 0; i < 2; i++) {
		o->s[i].p = pol[i];
		o->s[i].t = &pol[i]->ops[op];
	}
	ipe_dtab_init(&o->dt);
	/* about one digest a rule, most of them in both policies: sized once
	 * for the larger side instead of rehashed while growing (a failure
	 * here only means growing as usual) */
	(void)ipe_hmap_init(&o->dt.index, o->s[0].t->nrules > o->s[1].t->nrules ? o->s[0].t->nrules
										: o->s[1].t->nrules);
	rc = prepare(o, op);
	if (!rc)
		rc = fill(o);
	if (!rc)
		rc = sweep_alloc(o);
	return rc;
}

void eqc_close(struct eqc_op *o)
{
	opctx_free(o);
}

void ipe_equiv_result_clear(struct ipe_equiv_result *r)
{
	if (!r)
		return;
	free(r->priv);
	memset(r, 0, sizeof(*r));
}

/* Turn the abstract witness into a concrete event. */
static int make_event(struct eqc_op *o, int op, struct ipe_equiv_result *ret)
{
	const struct eqc_wit *w = &o->w;
	struct ipe_event *ev = &ret->event;
	size_t maxlen[2] = { 0, 0 };

	ret->op = op;
	memset(ev, 0, sizeof(*ev));
	if (w->nofile)
		return 0;
	for (size_t i = 0; i < o->dt.n; i++) {
		int kind = o->dt.ents[i].prop->type == IPE_PROP_FSV_DIGEST;

		if (o->dt.ents[i].prop->digest_len > maxlen[kind])
			maxlen[kind] = o->dt.ents[i].prop->digest_len;
	}
	/* an unnamed value: longer than every named one */
	ret->priv = calloc(maxlen[0] + maxlen[1] + 2, 1);
	if (!ret->priv)
		return -ENOMEM;
	ev->has_file = true;
	ev->boot_verified = w->b & 1;
	ev->dmverity_signed = (w->b >> 1) & 1;
	ev->fsverity_signed = (w->b >> 2) & 1;
	ev->dmverity = w->d >= 0 || ev->dmverity_signed;
	ev->fsverity = w->f >= 0 || ev->fsverity_signed;
	ret->dmv_listed = w->d >= 0;
	ret->fsv_listed = w->f >= 0;
	if (w->d >= 0) {
		const struct ipe_prop *pr = o->dprop[w->d];
		const struct ipe_policy *p = o->dpol[w->d]; /* the property may come from either policy */
		ev->dmv_alg = ipe_prop_alg(p, pr);
		ev->dmv_roothash = ipe_prop_digest(p, pr);
		ev->dmv_roothash_len = pr->digest_len;
	} else if (ev->dmverity) {
		ev->dmv_alg = "sha256";
		ev->dmv_roothash = ret->priv;
		ev->dmv_roothash_len = maxlen[0] + 1;
	}
	if (w->f >= 0) {
		const struct ipe_prop *pr = o->fprop[w->f];
		const struct ipe_policy *p = o->fpol[w->f];
		ev->fsv_alg = ipe_prop_alg(p, pr);
		ev->fsv_digest = ipe_prop_digest(p, pr);
		ev->fsv_digest_len = pr->digest_len;
	} else if (ev->fsverity) {
		ev->fsv_alg = "sha256";
		ev->fsv_digest = ret->priv + maxlen[0] + 1;
		ev->fsv_digest_len = maxlen[1] + 1;
	}
	return 0;
}

int ipe_policy_equivalent(const struct ipe_policy *a, const struct ipe_policy *b, const struct ipe_eval_kernel *k,
			  struct ipe_equiv_result *ret)
{
	return ipe_policy_equivalent_model(a, b, k, false, ret);
}

int ipe_policy_equivalent_model(const struct ipe_policy *a, const struct ipe_policy *b,
				const struct ipe_eval_kernel *k, bool physical, struct ipe_equiv_result *ret)
{
	const struct ipe_policy *pol[2] = { a, b };
	int rc = 0;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if (!a || !b || a->verdict.err || b->verdict.err || IPE_RESERVED_CHECK(k))
		return -EINVAL;
	ret->equivalent = true;
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		struct eqc_op o = { .k = k, .physical = physical };

		rc = eqc_open(&o, pol[0], pol[1], op);
		if (!rc)
			rc = check_op(&o);
		if (!rc && o.w.found) {
			ret->equivalent = false;
			rc = make_event(&o, op, ret);
		}
		opctx_free(&o);
		if (rc || !ret->equivalent)
			goto out;
	}
	/* events of an op the kernel cannot classify: the global DEFAULT */
	if (eqc_global_def(a) != eqc_global_def(b)) {
		ret->equivalent = false;
		ret->op = IPE_OP_INVALID;
	}
out:
	if (!rc && !ret->equivalent) {
		/* the witness must reproduce under the reference evaluator */
		rc = ipe_eval(a, ret->op, &ret->event, k, &ret->decision[0]);
		if (!rc)
			rc = ipe_eval(b, ret->op, &ret->event, k, &ret->decision[1]);
		if (!rc && ret->decision[0].action == ret->decision[1].action)
			rc = -EPROTO;
	}
	if (rc) {
		ipe_equiv_result_clear(ret);
		ret->equivalent = false;
	}
	return rc;
}

/* ---- text ---- */

struct tbuf {
	char *s;
	size_t len;
	FILE *f;
};

/* " key=TRUE" or " key=FALSE" of a boolean property */
static void put_bool(FILE *f, enum ipe_prop_type t_true, enum ipe_prop_type t_false, bool v)
{
	fputc(' ', f);
	fputs(ipe_prop_token(v ? t_true : t_false), f);
}

static void put_digest(FILE *f, enum ipe_prop_type t, bool present, bool listed, const char *alg, const uint8_t *d,
		       size_t len)
{
	fputc(' ', f);
	fputs(ipe_prop_key(t), f);
	fputc('=', f);
	if (!present) {
		fputs("(none)", f);
		return;
	}
	if (!listed) {
		fputs("(a value neither policy names)", f);
		return;
	}
	fputs(alg ? alg : "", f);
	fputc(':', f);
	ipe_fput_hex(f, d, len);
}

void ipe_equiv_event_write(FILE *f, const struct ipe_equiv_result *r)
{
	const struct ipe_event *ev = &r->event;

	if (r->op == IPE_OP_INVALID)
		fputs("an event of an operation the kernel cannot classify", f);
	else {
		const char *on = ipe_op_name((enum ipe_op)r->op);

		fputs(IPE_KW_OP_KEY, f);
		fputs(on ? on : "(null)", f);
		fputc(' ', f);
	}
	if (r->op != IPE_OP_INVALID && !ev->has_file)
		fputs("with no file (anonymous executable memory or a buffer load)", f);
	else if (r->op != IPE_OP_INVALID) {
		fputs("file:", f);
		put_bool(f, IPE_PROP_BOOT_VERIFIED_TRUE, IPE_PROP_BOOT_VERIFIED_FALSE, ev->boot_verified);
		put_bool(f, IPE_PROP_DMV_SIG_TRUE, IPE_PROP_DMV_SIG_FALSE, ev->dmverity && ev->dmverity_signed);
		put_digest(f, IPE_PROP_DMV_ROOTHASH, ev->dmverity, r->dmv_listed, ev->dmv_alg, ev->dmv_roothash,
			   ev->dmv_roothash_len);
		put_bool(f, IPE_PROP_FSV_SIG_TRUE, IPE_PROP_FSV_SIG_FALSE, ev->fsverity && ev->fsverity_signed);
		put_digest(f, IPE_PROP_FSV_DIGEST, ev->fsverity, r->fsv_listed, ev->fsv_alg, ev->fsv_digest,
			   ev->fsv_digest_len);
	}
}

int ipe_equiv_event_format(const struct ipe_equiv_result *r, char **ret_text)
{
	struct tbuf t = { 0 };

	if (!r || !ret_text)
		return -EINVAL;
	t.f = open_memstream(&t.s, &t.len);
	if (!t.f)
		return -ENOMEM;
	ipe_equiv_event_write(t.f, r);
	if (fclose(t.f) != 0) {
		free(t.s);
		return -ENOMEM;
	}
	*ret_text = t.s;
	return 0;
}

int ipe_decision_format(const struct ipe_policy *p, int op, const struct ipe_decision *d, char **ret_text)
{
	char *rule = NULL, *s = NULL;
	const char *an;
	int n = -1, rc;

	if (!p || !d || !ret_text)
		return -EINVAL;
	an = ipe_action_name(d->action);
	switch (d->by) {
	case IPE_DECIDED_BY_RULE:
		if (op < 0 || op >= IPE_OP_COUNT || d->rule >= p->ops[op].nrules)
			return -EINVAL;
		rc = ipe_rule_format(p, &p->ops[op].rules[d->rule], &rule);
		if (rc)
			return rc;
		n = asprintf(&s, "%s by the rule at line %u: %s", an, p->ops[op].rules[d->rule].loc.line, rule);
		free(rule);
		break;
	case IPE_DECIDED_BY_OP_DEFAULT:
		n = asprintf(&s, "%s by the DEFAULT of op=%s at line %u", an, ipe_op_name((enum ipe_op)op),
			     p->ops[op].default_loc.line);
		break;
	case IPE_DECIDED_BY_GLOBAL_DEFAULT:
		n = asprintf(&s, "%s by the global DEFAULT at line %u", an, p->global_default_loc.line);
		break;
	default:
		n = asprintf(&s, "%s: no rule matches and no DEFAULT applies", an);
		break;
	}
	if (n < 0)
		return -ENOMEM;
	*ret_text = s;
	return 0;
}

int ipe_eval_kernel_from_kconfig(const char *path, struct ipe_eval_kernel *ret_kernel)
{
	struct ipe_kconfig kc;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	if (!path || !ret_kernel)
		return -EINVAL;
	rc = ipe_read_file(path, IPE_READ_MAX_KCONFIG, &data, &len);
	if (rc)
		return rc;
	rc = ipe_kconfig_parse(data, len, &kc);
	free(data);
	if (rc)
		return rc;
	ipe_eval_kernel_from_kc(&kc, ret_kernel);
	return 0;
}
