/* SPDX-License-Identifier: MIT */
/*
 * Optimizer soundness, equivalence checker exactness and policy diff
 * soundness + completeness on seeded random policies, against brute-force
 * evaluation with ipe_eval() over the whole finite event space (every op, no
 * file, every boolean, every named digest plus unnamed ones).
 * Usage: test_opt [ITERATIONS [SEED]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/diag.h>
#include <ipe/equiv.h>
#include <ipe/eval.h>
#include <ipe/opt.h>
#include <ipe/policy.h>

#include "../common/gen.h"

/* small pools so that shadowing and duplicates are common */
static const char *const dmv[] = { "sha256:" "aa", "sha256:" "bb", "sha1:" "aa", "SHA256:" "aa" };
static const char *const fsv[] = { "sha256:" "01", "sha256:" "02", "sha512:" "01" };
static const char *const opn[] = { "EXECUTE", "KMODULE", "FIRMWARE" };

static void gen(char *buf, size_t cap, unsigned nrules)
{
	size_t n = 0;
	bool gdef = rn(5) != 0;
	unsigned bool_w = rn(2) ? 6 : 1; /* half of the policies are mostly digests */

	n += (size_t)snprintf(buf + n, cap - n, "policy_name=r policy_version=0.0.1\n");
	if (gdef)
		n += (size_t)snprintf(buf + n, cap - n, "DEFAULT action=%s\n", rn(2) ? "ALLOW" : "DENY");
	for (int op = 0; op < IPE_OP_COUNT; op++)
		if (!gdef || rn(4) == 0)
			n += (size_t)snprintf(buf + n, cap - n, "DEFAULT op=%s action=%s\n", ipe_op_name(op),
					      rn(2) ? "ALLOW" : "DENY");
	for (unsigned i = 0; i < nrules; i++) {
		unsigned np = bool_w == 6 ? rn(5) : 1 + rn(2);

		n += (size_t)snprintf(buf + n, cap - n, "op=%s", opn[rn(3)]);
		for (unsigned j = 0; j < np; j++) {
			unsigned w = rn(10);

			if (w < bool_w)
				n += (size_t)snprintf(buf + n, cap - n, " %s", gen_bools[rn(GEN_NBOOLS)]);
			else if (w < 8)
				n += (size_t)snprintf(buf + n, cap - n, " dmverity_roothash=%s", dmv[rn(4)]);
			else
				n += (size_t)snprintf(buf + n, cap - n, " fsverity_digest=%s", fsv[rn(3)]);
		}
		n += (size_t)snprintf(buf + n, cap - n, " action=%s\n", rn(2) ? "ALLOW" : "DENY");
	}
}

static struct ipe_policy *parse(struct ipe_ctx *ctx, const char *text)
{
	struct ipe_policy *p = NULL;
	uint32_t src;

	if (ipe_source_from_memory(ctx, "<rand>", text, strlen(text), true, &src) || ipe_policy_parse(ctx, src, &p))
		return NULL;
	if (ipe_policy_verdict(p)->err) {
		ipe_policy_free(p);
		return NULL;
	}
	return p;
}

/* brute force: 1 = equivalent */
static const uint8_t bytes_aa[1] = { 0xaa }, bytes_bb[1] = { 0xbb }, bytes_01[1] = { 0x01 }, bytes_02[1] = { 0x02 },
		     bytes_other[3] = { 9, 9, 9 };
struct dv {
	const char *alg;
	const uint8_t *b;
	size_t len;
};
static const struct dv dvals[] = { { NULL, NULL, 0 },          { "sha256", bytes_aa, 1 }, { "sha256", bytes_bb, 1 },
				   { "sha1", bytes_aa, 1 },    { "SHA256", bytes_aa, 1 }, { "sha256", bytes_other, 3 } };
static const struct dv fvals[] = { { NULL, NULL, 0 },
				   { "sha256", bytes_01, 1 },
				   { "sha256", bytes_02, 1 },
				   { "sha512", bytes_01, 1 },
				   { "sha256", bytes_other, 3 } };

/* The pairs of deciders (op, rule in A or NONE, rule in B or NONE) under
 * which some event gets different actions: a small set. */
#define NONE_RULE 0xffffu
struct pairset {
	uint64_t v[4096];
	uint8_t mask[4096]; /* boolean combinations (file events) under which the pair decides */
	bool nofile[4096];  /* ... and whether a no-file event gets it */
	size_t n;
	bool overflow;
};

static uint64_t pair_key(int op, const struct ipe_decision *da, const struct ipe_decision *db)
{
	uint64_t ra = da->by == IPE_DECIDED_BY_RULE ? da->rule : NONE_RULE;
	uint64_t rb = db->by == IPE_DECIDED_BY_RULE ? db->rule : NONE_RULE;

	return (uint64_t)(op + 1) << 32 | ra << 16 | rb;
}

static size_t pair_add(struct pairset *s, uint64_t key)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == key)
			return i;
	if (s->n == sizeof(s->v) / sizeof(s->v[0])) {
		s->overflow = true;
		return 0;
	}
	s->mask[s->n] = 0;
	s->nofile[s->n] = false;
	s->v[s->n++] = key;
	return s->n - 1;
}

static long pair_find(const struct pairset *s, uint64_t key)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == key)
			return (long)i;
	return -1;
}

static bool pair_has(const struct pairset *s, uint64_t key)
{
	return pair_find(s, key) >= 0;
}

static struct pairset *brute_set; /* when set, brute() collects every differing pair */

static void note(int op, const struct ipe_event *ev, const struct ipe_decision *da, const struct ipe_decision *db)
{
	size_t i;

	if (!brute_set || da->action == db->action)
		return;
	i = pair_add(brute_set, pair_key(op, da, db));
	if (brute_set->overflow)
		return;
	if (!ev->has_file)
		brute_set->nofile[i] = true;
	else
		brute_set->mask[i] |= (uint8_t)(1u << (ev->boot_verified | (ev->dmverity_signed << 1) |
							     (ev->fsverity_signed << 2)));
}

static int brute(const struct ipe_policy *a, const struct ipe_policy *b, const struct ipe_eval_kernel *k)
{
	int eq = 1;

	for (int op = -1; op < IPE_OP_COUNT; op++) {
		struct ipe_event ev = { 0 };
		struct ipe_decision da, db;

		ipe_eval(a, op, &ev, k, &da);
		ipe_eval(b, op, &ev, k, &db);
		note(op, &ev, &da, &db);
		if (da.action != db.action) {
			eq = 0;
			if (!brute_set)
				return 0;
		}
		if (op < 0)
			continue; /* the event does not matter: the global DEFAULT decides */
		for (unsigned bits = 0; bits < 8; bits++)
			for (size_t di = 0; di < sizeof(dvals) / sizeof(dvals[0]); di++)
				for (size_t fi = 0; fi < sizeof(fvals) / sizeof(fvals[0]); fi++) {
					ev = (struct ipe_event){ .has_file = true, .boot_verified = bits & 1 };
					ev.dmverity_signed = (bits >> 1) & 1;
					ev.dmverity = di > 0 || ev.dmverity_signed;
					if (di) {
						ev.dmv_alg = dvals[di].alg;
						ev.dmv_roothash = dvals[di].b;
						ev.dmv_roothash_len = dvals[di].len;
					}
					ev.fsverity_signed = (bits >> 2) & 1;
					ev.fsverity = fi > 0 || ev.fsverity_signed;
					if (fi) {
						ev.fsv_alg = fvals[fi].alg;
						ev.fsv_digest = fvals[fi].b;
						ev.fsv_digest_len = fvals[fi].len;
					}
					ipe_eval(a, op, &ev, k, &da);
					ipe_eval(b, op, &ev, k, &db);
					note(op, &ev, &da, &db);
					if (da.action != db.action) {
						eq = 0;
						if (!brute_set)
							return 0;
					}
				}
	}
	return eq;
}

/* ipe_policy_diff() against brute force: the same equivalence answer, every
 * listed pair's witness separates A and B under ipe_eval() with exactly the
 * listed deciders, no pair listed twice, and every pair brute force finds is
 * listed.  Returns the number of failures. */
static unsigned check_diff(const struct ipe_policy *a, const struct ipe_policy *b, const struct ipe_eval_kernel *k,
			   const char *ta, const char *tb, unsigned long *ret_changes)
{
	static struct pairset bs, ds;
	struct ipe_diff *d = NULL;
	unsigned fails = 0;
	int bf, rc;

	bs.n = ds.n = 0;
	bs.overflow = ds.overflow = false;
	brute_set = &bs;
	bf = brute(a, b, k);
	brute_set = NULL;
	rc = ipe_policy_diff(a, b, k, &d);
	if (rc || bs.overflow) {
		fprintf(stderr, "FAIL diff rc %d (overflow %d)\n", rc, bs.overflow);
		return 1;
	}
	if (d->nreplayed != d->nchanges) /* small policies: every witness replayed in the library too */
		fails++, fprintf(stderr, "FAIL diff: %zu of %zu witnesses replayed\n", d->nreplayed, d->nchanges);
	if (d->equivalent != (bf == 1) || d->equivalent != (d->nchanges == 0))
		fails++, fprintf(stderr, "FAIL diff: equivalent %d, brute %d\n", d->equivalent, bf);
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct ipe_diff_change *c = &d->changes[i];
		struct ipe_decision da, db;
		uint64_t key;

		ipe_eval(a, c->op, &c->event, k, &da);
		ipe_eval(b, c->op, &c->event, k, &db);
		key = pair_key(c->op, &c->old_dec, &c->new_dec);
		if (da.action == db.action || pair_key(c->op, &da, &db) != key || da.action != c->old_dec.action ||
		    db.action != c->new_dec.action)
			fails++, fprintf(stderr, "FAIL diff: change %zu's witness does not reproduce\n", i);
		if (!pair_has(&bs, key))
			fails++, fprintf(stderr, "FAIL diff: change %zu (op %d) not found by brute force\n", i, c->op);
		else if (c->op >= 0 && (c->mask != bs.mask[pair_find(&bs, key)] ||
					c->nofile != bs.nofile[pair_find(&bs, key)]))
			fails++, fprintf(stderr, "FAIL diff: change %zu: events mask %#x nofile %d, brute force %#x %d\n",
					 i, c->mask, c->nofile, bs.mask[pair_find(&bs, key)],
					 bs.nofile[pair_find(&bs, key)]);
		if (pair_has(&ds, key))
			fails++, fprintf(stderr, "FAIL diff: change %zu listed twice\n", i);
		pair_add(&ds, key);
	}
	for (size_t i = 0; i < bs.n; i++)
		if (!pair_has(&ds, bs.v[i]))
			fails++, fprintf(stderr, "FAIL diff: incomplete, op %d rules %u/%u (0xffff = DEFAULT) not listed\n",
					 (int)(bs.v[i] >> 32) - 1, (unsigned)(bs.v[i] >> 16) & 0xffffu,
					 (unsigned)bs.v[i] & 0xffffu);
	if (fails)
		fprintf(stderr, "--- A\n%s--- B\n%s", ta, tb);
	*ret_changes += d->nchanges;
	ipe_diff_free(d);
	return fails;
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3000;
	static char ta[1 << 16], tb[1 << 16];
	unsigned n_eq = 0, n_neq = 0, n_opt = 0, n_diff = 0, fails = 0;
	unsigned long n_changes = 0;
	size_t removed[IPE_OPT_PASS_COUNT] = { 0 };

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 0x1234567;
	if (!rng_state)
		rng_state = 1;
	for (unsigned it = 0; it < iters; it++) {
		struct ipe_ctx *ctx = NULL;
		struct ipe_policy *a, *b, *o;
		struct ipe_eval_kernel kk = { 0 }, *k = NULL;
		struct ipe_equiv_result r;
		struct ipe_opt_stats st;
		unsigned mask = rn(4) ? IPE_OPT_ALL : rn(IPE_OPT_ALL + 1);
		int bf, rc;

		if (ipe_ctx_new(&ctx))
			return 2;
		if (rn(4) == 0) { /* a kernel with some properties compiled out */
			k = &kk;
			kk.prop_dmverity = rn(2);
			kk.prop_dmverity_signature = rn(2);
			kk.prop_fsverity = rn(2);
			kk.prop_fsverity_signature = rn(2);
		}
		gen(ta, sizeof(ta), 1 + rn(12));
		if (rn(2)) {
			gen(tb, sizeof(tb), 1 + rn(12));
		} else if (rn(2)) { /* a near copy: two adjacent lines swapped */
			char *lines[64];
			unsigned nl = 0;
			char *save = NULL, *copy = strdup(ta);

			for (char *l = strtok_r(copy, "\n", &save); l && nl < 64; l = strtok_r(NULL, "\n", &save))
				lines[nl++] = l;
			if (nl > 2) {
				unsigned i = 1 + rn(nl - 2);
				char *t = lines[i];

				lines[i] = lines[i + 1 < nl ? i + 1 : i];
				lines[i + 1 < nl ? i + 1 : i] = t;
			}
			tb[0] = '\0';
			for (unsigned i = 0; i < nl; i++) {
				strcat(tb, lines[i]);
				strcat(tb, "\n");
			}
			free(copy);
		} else { /* a near copy: drop the last line */
			char *nl;

			strcpy(tb, ta);
			nl = strrchr(tb, '\n');
			if (nl && rn(2)) {
				*nl = '\0';
				nl = strrchr(tb, '\n');
				if (nl)
					nl[1] = '\0';
			}
		}
		a = parse(ctx, ta);
		b = parse(ctx, tb);
		o = parse(ctx, ta);
		if (!a || !b || !o)
			goto next;
		/* 1. the checker against brute force */
		bf = brute(a, b, k);
		rc = ipe_policy_equivalent(a, b, k, &r);
		if (rc || r.equivalent != (bf == 1)) {
			fprintf(stderr, "FAIL checker (rc %d, says %d, brute %d) on\n--- A\n%s--- B\n%s", rc,
				r.equivalent, bf, ta, tb);
			fails++;
		}
		if (!rc && !r.equivalent) {
			/* the witness must separate them under ipe_eval */
			struct ipe_decision da, db;

			ipe_eval(a, r.op, &r.event, k, &da);
			ipe_eval(b, r.op, &r.event, k, &db);
			if (da.action == db.action) {
				fprintf(stderr, "FAIL witness\n");
				fails++;
			}
		}
		bf ? n_eq++ : n_neq++;
		ipe_equiv_result_clear(&r);
		/* 1b. the diff against brute force, both ways */
		fails += check_diff(a, b, k, ta, tb, &n_changes);
		fails += check_diff(b, a, k, tb, ta, &n_changes);
		n_diff += 2;
		/* 2. the optimizer is sound */
		rc = ipe_policy_optimize(o, k, mask, &st);
		if (rc) {
			fprintf(stderr, "FAIL optimize rc %d\n", rc);
			fails++;
			goto next;
		}
		for (int i = 0; i < IPE_OPT_PASS_COUNT; i++)
			removed[i] += st.removed[i];
		bf = brute(a, o, k);
		rc = ipe_policy_equivalent(a, o, k, &r);
		if (!bf || rc || !r.equivalent) {
			char *txt = NULL;

			ipe_policy_emit_canonical(o, &txt, NULL);
			fprintf(stderr, "FAIL optimizer (mask %#x brute %d checker %d rc %d) on\n%s--- optimized\n%s",
				mask, bf, r.equivalent, rc, ta, txt ? txt : "?");
			free(txt);
			fails++;
		}
		ipe_equiv_result_clear(&r);
		n_opt++;
next:
		ipe_policy_free(a);
		ipe_policy_free(b);
		ipe_policy_free(o);
		ipe_ctx_free(ctx);
		if (fails > 5)
			break;
	}
	printf("checker vs brute force: %u equivalent + %u non-equivalent pairs; optimizer: %u policies proven\n", n_eq,
	       n_neq, n_opt);
	printf("diff vs brute force: %u pairs of policies, %lu changes listed and replayed\n", n_diff, n_changes);
	printf("removed:");
	for (int i = 0; i < IPE_OPT_PASS_COUNT; i++)
		printf(" %s=%zu", ipe_opt_pass_name(i), removed[i]);
	printf("\n");
	/* the test must exercise both outcomes and every pass */
	if (n_eq < iters / 20 || n_neq < iters / 20)
		fails++, fprintf(stderr, "FAIL: too few pairs of one kind\n");
	for (int i = 0; i < IPE_OPT_PASS_COUNT; i++)
		if (!removed[i])
			fails++, fprintf(stderr, "FAIL: pass %s never fired\n", ipe_opt_pass_name(i));
	return fails ? 1 : 0;
}
