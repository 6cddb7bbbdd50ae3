/* SPDX-License-Identifier: MIT */
/* The semantic model of IPE evaluation (IPE-KERNEL.md section 2). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/eval.h>

#include "compiler/eval_internal.h"
#include "compiler/model.h"
#include "compiler/ruleclass.h"
#include "compiler/target.h"
#include "util/opts.h"

void ipe_eval_kernel_all(struct ipe_eval_kernel *ret_kernel)
{
	if (!ret_kernel)
		return;
	memset(ret_kernel, 0, sizeof(*ret_kernel));
	ret_kernel->prop_dmverity = true;
	ret_kernel->prop_dmverity_signature = true;
	ret_kernel->prop_fsverity = true;
	ret_kernel->prop_fsverity_signature = true;
}

/* The field of struct ipe_eval_kernel that says whether property type t is
 * compiled in, or NULL when nothing can compile it out (boot_verified). */
static const bool *kernel_field(const struct ipe_eval_kernel *k, enum ipe_prop_type t)
{
	switch (t) {
	case IPE_PROP_DMV_ROOTHASH:
		return &k->prop_dmverity;
	case IPE_PROP_DMV_SIG_FALSE:
	case IPE_PROP_DMV_SIG_TRUE:
		return &k->prop_dmverity_signature;
	case IPE_PROP_FSV_DIGEST:
		return &k->prop_fsverity;
	case IPE_PROP_FSV_SIG_FALSE:
	case IPE_PROP_FSV_SIG_TRUE:
		return &k->prop_fsverity_signature;
	default:
		return NULL;
	}
}

bool ipe_eval_prop_enabled(const struct ipe_eval_kernel *k, enum ipe_prop_type t)
{
	const bool *f = k ? kernel_field(k, t) : NULL;

	return !f || *f;
}

void ipe_eval_kernel_from_kc(const struct ipe_kconfig *kc, struct ipe_eval_kernel *ret_kernel)
{
	ipe_eval_kernel_all(ret_kernel);
	for (int t = 0; t < IPE_PROP_COUNT; t++) {
		/* ret_kernel is not const: writing through the field is fine */
		bool *f = (bool *)kernel_field(ret_kernel, (enum ipe_prop_type)t);

		/* the option from the keyword table; tests/lint/test_kconfig.c
		 * checks that the reader tracks every one */
		if (f)
			*f = ipe_kconfig_on(kc, (enum ipe_ksym)ipe_ksym_find(ipe_prop_kconfig((enum ipe_prop_type)t)));
	}
}

bool ipe_eval_prop(const struct ipe_policy *p, const struct ipe_prop *prop, const struct ipe_event *ev,
		   const struct ipe_eval_kernel *k)
{
	enum ipe_prop_type t = (enum ipe_prop_type)prop->type;

	/* compiled out: both forms are false */
	if (!ipe_eval_prop_enabled(k, t))
		return false;
	if (!ev || !ev->has_file) {
		/* no file: the =FALSE forms hold, TRUE forms and digests do not */
		return t == IPE_PROP_BOOT_VERIFIED_FALSE || t == IPE_PROP_DMV_SIG_FALSE ||
		       t == IPE_PROP_FSV_SIG_FALSE;
	}
	switch (t) {
	case IPE_PROP_BOOT_VERIFIED_FALSE:
		return !ev->boot_verified;
	case IPE_PROP_BOOT_VERIFIED_TRUE:
		return ev->boot_verified;
	case IPE_PROP_DMV_ROOTHASH:
		return ev->dmverity && ipe_prop_digest_is(p, prop, ev->dmv_alg, ev->dmv_roothash, ev->dmv_roothash_len);
	case IPE_PROP_DMV_SIG_FALSE:
		return !(ev->dmverity && ev->dmverity_signed);
	case IPE_PROP_DMV_SIG_TRUE:
		return ev->dmverity && ev->dmverity_signed;
	case IPE_PROP_FSV_DIGEST:
		return ev->fsverity && ipe_prop_digest_is(p, prop, ev->fsv_alg, ev->fsv_digest, ev->fsv_digest_len);
	case IPE_PROP_FSV_SIG_FALSE:
		return !(ev->fsverity && ev->fsverity_signed);
	case IPE_PROP_FSV_SIG_TRUE:
		return ev->fsverity && ev->fsverity_signed;
	default:
		return false;
	}
}

bool ipe_eval_rule(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_event *ev,
		   const struct ipe_eval_kernel *k)
{
	const struct ipe_prop *props = ipe_rule_props(p, r);

	for (uint32_t i = 0; i < r->nprops; i++)
		if (!ipe_eval_prop(p, &props[i], ev, k))
			return false;
	return true;
}

/* The rules of op that may match ev, in file order: all of them, or the
 * candidates an index gives (struct cand_iter below). */
struct cand_iter;
static bool cand_next(struct cand_iter *it, size_t *ret_rule);

/* The one decision procedure: first matching rule of the op (among the
 * candidates when it != NULL), else the op's DEFAULT, else the global
 * DEFAULT, else ALLOW. */
static void decide(const struct ipe_policy *p, int op, const struct ipe_event *ev, const struct ipe_eval_kernel *k,
		   struct cand_iter *it, struct ipe_decision *ret_decision)
{
	struct ipe_decision d = { .action = IPE_ACTION_ALLOW, .by = IPE_DECIDED_BY_NOTHING, .rule = 0 };

	if (p && op >= 0 && op < IPE_OP_COUNT) {
		const struct ipe_op_table *t = &p->ops[op];
		size_t i = 0;

		for (;;) {
			if (it) {
				if (!cand_next(it, &i))
					break;
			} else if (i >= t->nrules) {
				break;
			}
			if (ipe_eval_rule(p, &t->rules[i], ev, k)) {
				d.action = (enum ipe_action)t->rules[i].action;
				d.by = IPE_DECIDED_BY_RULE;
				d.rule = i;
				goto out;
			}
			if (!it)
				i++;
		}
		if (t->default_action != IPE_ACTION_NONE) {
			d.action = (enum ipe_action)t->default_action;
			d.by = IPE_DECIDED_BY_OP_DEFAULT;
			goto out;
		}
	}
	if (p && p->global_default != IPE_ACTION_NONE) {
		d.action = (enum ipe_action)p->global_default;
		d.by = IPE_DECIDED_BY_GLOBAL_DEFAULT;
	}
out:
	*ret_decision = d;
}

int ipe_eval(const struct ipe_policy *p, int op, const struct ipe_event *ev, const struct ipe_eval_kernel *k,
	     struct ipe_decision *ret_decision)
{
	if (!ret_decision)
		return -EINVAL;
	memset(ret_decision, 0, sizeof(*ret_decision));
	if (IPE_RESERVED_CHECK(ev) || IPE_RESERVED_CHECK(k))
		return -EINVAL;
	decide(p, op, ev, k, NULL, ret_decision);
	return 0;
}

/* ---- the digest index ---- */

struct keyed {
	uint64_t hash;   /* of (digest type, algorithm, bytes) */
	size_t rule;
};

struct op_index {
	bool built;      /* false: this op is evaluated linearly */
	size_t *plain;   /* rules without a digest, file order */
	size_t nplain;
	struct keyed *keyed; /* rules keyed by their first digest, sorted by (hash, rule) */
	size_t nkeyed;
};

struct ipe_eval_index {
	const struct ipe_policy *p;
	const struct ipe_eval_kernel *k;
	struct ipe_eval_kernel kcopy;
	struct op_index ops[IPE_OP_COUNT];
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

/* Sort by (hash, rule), keys appended in rule order: a stable counting sort
 * on the top bits of the hash (about one key per bucket), then an insertion
 * sort that only has the few keys of one bucket to order.  Hashes crafted
 * to share their top bits would make that quadratic: past 8 moves per key
 * it hands over to qsort. */
static int sort_keyed(struct keyed *a, size_t n)
{
	unsigned bits = 8;
	uint32_t *count;
	struct keyed *tmp;
	size_t moves = 0;

	if (n < 64) {
		qsort(a, n, sizeof(*a), cmp_keyed);
		return 0;
	}
	while (bits < 20 && ((size_t)1 << bits) < n)
		bits++;
	count = calloc(((size_t)1 << bits) + 1, sizeof(*count));
	tmp = malloc(n * sizeof(*tmp));
	if (!count || !tmp) {
		free(count);
		free(tmp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		count[(a[i].hash >> (64 - bits)) + 1]++;
	for (size_t b = 0; b < ((size_t)1 << bits); b++)
		count[b + 1] += count[b];
	for (size_t i = 0; i < n; i++)
		tmp[count[a[i].hash >> (64 - bits)]++] = a[i];
	for (size_t i = 1; i < n && moves <= 8 * n; i++) {
		struct keyed k = tmp[i];
		size_t j = i;

		while (j > 0 && cmp_keyed(&tmp[j - 1], &k) > 0) {
			tmp[j] = tmp[j - 1];
			j--;
			moves++;
		}
		tmp[j] = k;
	}
	if (moves > 8 * n)
		qsort(tmp, n, sizeof(*tmp), cmp_keyed);
	memcpy(a, tmp, n * sizeof(*a));
	free(tmp);
	free(count);
	return 0;
}

void ipe_eval_index_free(struct ipe_eval_index *x)
{
	if (!x)
		return;
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		free(x->ops[op].plain);
		free(x->ops[op].keyed);
	}
	free(x);
}

int ipe_prop_hashes(const struct ipe_policy *p, uint64_t **ret)
{
	uint64_t *h = malloc((p->nprops ? p->nprops : 1) * sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < p->nprops; i++)
		h[i] = ipe_prop_is_digest((enum ipe_prop_type)p->props[i].type) ? ipe_prop_digest_hash(p, &p->props[i])
										  : 0;
	*ret = h;
	return 0;
}

int ipe_eval_index_build(const struct ipe_policy *p, const struct ipe_eval_kernel *k, const uint64_t *ph,
			 uint32_t ops_mask, const struct ipe_hmap *only, struct ipe_eval_index **ret_index)
{
	struct ipe_eval_index *x;

	if (!p || !ret_index)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->p = p;
	if (k) {
		x->kcopy = *k;
		x->k = &x->kcopy;
	}
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *t = &p->ops[op];
		struct op_index *oi = &x->ops[op];

		if (!((ops_mask >> op) & 1u))
			continue;
		oi->built = true;
		oi->plain = malloc((t->nrules ? t->nrules : 1) * sizeof(*oi->plain));
		oi->keyed = malloc((t->nrules ? t->nrules : 1) * sizeof(*oi->keyed));
		if (!oi->plain || !oi->keyed) {
			ipe_eval_index_free(x);
			return -ENOMEM;
		}
		for (size_t i = 0; i < t->nrules; i++) {
			const struct ipe_prop *props = ipe_rule_props(p, &t->rules[i]);
			const struct ipe_prop *key = NULL;

			for (uint32_t j = 0; j < t->rules[i].nprops && !key; j++)
				if (props[j].type == IPE_PROP_DMV_ROOTHASH || props[j].type == IPE_PROP_FSV_DIGEST)
					key = &props[j];
			if (key) {
				uint64_t h = ph ? ph[key - p->props] : ipe_prop_digest_hash(p, key);

				/* a rule whose first digest no event of only has
				 * matches none of them */
				if (!only || ipe_hmap_get(only, h, NULL))
					oi->keyed[oi->nkeyed++] = (struct keyed){ h, i };
			} else
				oi->plain[oi->nplain++] = i;
		}
		if (sort_keyed(oi->keyed, oi->nkeyed)) {
			ipe_eval_index_free(x);
			return -ENOMEM;
		}
	}
	*ret_index = x;
	return 0;
}

int ipe_eval_index_new(const struct ipe_policy *p, const struct ipe_eval_kernel *k,
		       struct ipe_eval_index **ret_index)
{
	if (IPE_RESERVED_CHECK(k))
		return -EINVAL;
	return ipe_eval_index_build(p, k, NULL, (1u << IPE_OP_COUNT) - 1, NULL, ret_index);
}

/* Merge of up to three ascending lists of rule indexes: the plain rules and
 * the rules keyed by the event's fs-verity digest and dm-verity root hash. */
struct cand_iter {
	const size_t *plain;
	size_t nplain, ip;
	const struct keyed *b[2];
	size_t nb[2], ib[2];
};

static bool cand_next(struct cand_iter *it, size_t *ret_rule)
{
	size_t best = SIZE_MAX;
	int from = -1;

	if (it->ip < it->nplain) {
		best = it->plain[it->ip];
		from = 2;
	}
	for (int j = 0; j < 2; j++)
		if (it->ib[j] < it->nb[j] && it->b[j][it->ib[j]].rule < best) {
			best = it->b[j][it->ib[j]].rule;
			from = j;
		}
	if (from < 0)
		return false;
	if (from == 2)
		it->ip++;
	else
		it->ib[from]++;
	*ret_rule = best;
	return true;
}

static void bucket(const struct op_index *oi, uint64_t h, const struct keyed **ret, size_t *ret_n)
{
	size_t lo = 0, hi = oi->nkeyed, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (oi->keyed[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < oi->nkeyed && oi->keyed[end].hash == h; end++)
		;
	*ret = oi->keyed + lo;
	*ret_n = end - lo;
}

int ipe_eval_indexed(const struct ipe_eval_index *x, int op, const struct ipe_event *ev,
		     struct ipe_decision *ret_decision)
{
	struct cand_iter it = { 0 };

	if (!ret_decision)
		return -EINVAL;
	memset(ret_decision, 0, sizeof(*ret_decision));
	if (!x || IPE_RESERVED_CHECK(ev))
		return -EINVAL;
	if (op < 0 || op >= IPE_OP_COUNT || !x->ops[op].built) {
		decide(x->p, op, ev, x->k, NULL, ret_decision);
		return 0;
	}
	it.plain = x->ops[op].plain;
	it.nplain = x->ops[op].nplain;
	if (ev && ev->has_file && ev->fsverity && ev->fsv_alg && (ev->fsv_digest || !ev->fsv_digest_len))
		bucket(&x->ops[op], ipe_digest_hash(IPE_PROP_FSV_DIGEST, ev->fsv_alg, ev->fsv_digest, ev->fsv_digest_len),
		       &it.b[0], &it.nb[0]);
	if (ev && ev->has_file && ev->dmverity && ev->dmv_alg && (ev->dmv_roothash || !ev->dmv_roothash_len))
		bucket(&x->ops[op], ipe_digest_hash(IPE_PROP_DMV_ROOTHASH, ev->dmv_alg, ev->dmv_roothash, ev->dmv_roothash_len),
		       &it.b[1], &it.nb[1]);
	decide(x->p, op, ev, x->k, &it, ret_decision);
	return 0;
}

/* ---- algorithms ---- */

static const struct {
	const char *name;
	size_t size;
} hash_algs[] = {
	{ "md5", 16 },          { "sha1", 20 },         { "sha224", 28 },       { "sha256", 32 },
	{ "sha384", 48 },       { "sha512", 64 },       { "sha3-224", 28 },     { "sha3-256", 32 },
	{ "sha3-384", 48 },     { "sha3-512", 64 },     { "sm3", 32 },          { "blake2b-160", 20 },
	{ "blake2b-256", 32 },  { "blake2b-384", 48 },  { "blake2b-512", 64 },  { "streebog256", 32 },
	{ "streebog512", 64 },  { "wp256", 32 },        { "wp384", 48 },        { "wp512", 64 },
	{ "rmd160", 20 },
};

size_t ipe_hash_alg_size(const char *alg)
{
	if (!alg)
		return 0;
	for (size_t i = 0; i < sizeof(hash_algs) / sizeof(hash_algs[0]); i++)
		if (strcmp(hash_algs[i].name, alg) == 0)
			return hash_algs[i].size;
	return 0;
}

bool ipe_fsverity_alg_supported(const char *alg)
{
	return alg && (strcmp(alg, "sha256") == 0 || strcmp(alg, "sha512") == 0);
}

static bool kernel_alg_name_chars(const char *alg)
{
	for (const char *c = alg; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return false;
	return true;
}

bool ipe_prop_digest_possible(const struct ipe_policy *p, const struct ipe_prop *prop)
{
	const char *alg = ipe_prop_alg(p, prop);
	size_t want;

	/* the usual algorithm first (what the rest finds for it: both
	 * kinds take sha256, 32 bytes), without scanning the tables */
	if (alg && strcmp(alg, "sha256") == 0)
		return prop->digest_len == 32;
	if (!alg || !*alg || prop->digest_len == 0 || !kernel_alg_name_chars(alg))
		return false;
	want = ipe_hash_alg_size(alg);
	if (prop->type == IPE_PROP_FSV_DIGEST)
		return ipe_fsverity_alg_supported(alg) && want == prop->digest_len;
	if (want)
		return want == prop->digest_len;
	/* an unknown lowercase name: a crypto API hash we do not know; only
	 * reject the spellings of known ones ("sha-256") */
	if (strncmp(alg, "sha-", 4) == 0)
		return false;
	return true;
}

/* ---- static view ---- */

static void never(struct ipe_rule_constraint *c, enum ipe_never_reason why, const struct ipe_prop *prop,
		  const struct ipe_prop *other)
{
	if (c->never != IPE_NEVER_NOT)
		return;
	c->never = why;
	c->never_prop = prop;
	c->never_other = other;
}

/* Why a rule that matches no event never matches: the first reason in
 * the order of its properties (the verity one last).  Attribution only:
 * whether it matches comes from its event class (ruleclass.c). */
static void never_reason(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_eval_kernel *k,
			 struct ipe_rule_constraint *c)
{
	const struct ipe_prop *props = ipe_rule_props(p, r);
	const struct ipe_prop *first[3] = { NULL, NULL, NULL }, *verity = NULL, *bv_true = NULL;
	const struct ipe_prop *digest[2] = { NULL, NULL };

	for (uint32_t i = 0; i < r->nprops; i++) {
		const struct ipe_prop *pr = &props[i];
		int dim = -1;

		if (!ipe_eval_prop_enabled(k, (enum ipe_prop_type)pr->type))
			never(c, IPE_NEVER_COMPILED_OUT, pr, NULL);
		switch (pr->type) {
		case IPE_PROP_BOOT_VERIFIED_FALSE:
		case IPE_PROP_BOOT_VERIFIED_TRUE:
			dim = IPE_RC_DIM_BV;
			break;
		case IPE_PROP_DMV_SIG_FALSE:
		case IPE_PROP_DMV_SIG_TRUE:
			dim = IPE_RC_DIM_DS;
			break;
		case IPE_PROP_FSV_SIG_FALSE:
		case IPE_PROP_FSV_SIG_TRUE:
			dim = IPE_RC_DIM_FS;
			break;
		case IPE_PROP_DMV_ROOTHASH:
		case IPE_PROP_FSV_DIGEST: {
			const struct ipe_prop **slot = &digest[pr->type == IPE_PROP_FSV_DIGEST];

			if (!ipe_prop_digest_possible(p, pr))
				never(c, IPE_NEVER_BAD_DIGEST, pr, NULL);
			if (!*slot)
				*slot = pr;
			else if (!ipe_prop_digest_equal(p, *slot, pr))
				never(c, IPE_NEVER_TWO_DIGESTS, pr, *slot);
			if (!verity)
				verity = pr;
			break;
		}
		default:
			break;
		}
		if (dim >= 0) {
			bool value = pr->type == IPE_PROP_BOOT_VERIFIED_TRUE || pr->type == IPE_PROP_DMV_SIG_TRUE ||
				     pr->type == IPE_PROP_FSV_SIG_TRUE;

			if (!first[dim])
				first[dim] = pr;
			else if (first[dim]->type != pr->type)
				never(c, IPE_NEVER_CONTRADICTION, pr, first[dim]);
			if (value && dim != IPE_RC_DIM_BV && !verity)
				verity = pr;
			if (value && dim == IPE_RC_DIM_BV && !bv_true)
				bv_true = pr;
		}
	}
	/* the initramfs rootfs is neither dm-verity nor fs-verity */
	if (bv_true && verity)
		never(c, IPE_NEVER_BOOT_VERITY, verity, first[IPE_RC_DIM_BV]);
}

void ipe_rule_constraint(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_eval_kernel *k,
			 struct ipe_rule_constraint *ret)
{
	struct ipe_rule_constraint c = { .never = IPE_NEVER_NOT };
	struct ipe_rc rc, phys;

	/* the events: the rule's class (the one model of the equivalence
	 * checker, the optimiser, diff and lint), then what a kernel can
	 * produce */
	ipe_rc_of_rule(p, r, k, &rc);
	phys = rc;
	ipe_rc_physical(p, r, &phys);
	c.boot_verified = ipe_rc_tri(rc.mask, IPE_RC_DIM_BV);
	c.dmv_sig = ipe_rc_tri(rc.mask, IPE_RC_DIM_DS);
	c.fsv_sig = ipe_rc_tri(rc.mask, IPE_RC_DIM_FS);
	c.dmv = rc.dmv;
	c.fsv = rc.fsv;
	if (!phys.mask)
		never_reason(p, r, k, &c);
	*ret = c;
}
