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
 *
 * This file: the passes over an op's rules and the op-level findings;
 * rule_groups.c: digest ids and the groups; rule_reports.c: the findings
 * on one rule; rules.h: the state they share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "compiler/model.h"
#include "rules.h"
#include "util/internal.h"

_Static_assert(sizeof(struct rinfo) == 16, "struct rinfo: 16 bytes per rule");

static int op_prepare(struct rstate *st)
{
	const struct ipe_op_table *t = st->t;

	free(st->ri);
	st->ri = st->p->big ? ipe_mem_alloc_big((t->nrules + 1) * sizeof(*st->ri), true)
			    : ipe_mem_alloc((t->nrules + 1) * sizeof(*st->ri), true, NULL);
	if (!st->ri)
		return -ENOMEM;
	st->nxtra = 0;
	st->xlast_n = 0;
	rules_groups_reset(st);
	ipe_hmap_clear(&st->fidx);
	st->nfolds = 0;
	st->last_fold = NONE;
	return 0;
}

/* Keep n words for rule ri in st->xtra (ri->x); the same words as the
 * last rule's are shared (the rules an early catch-all makes dead all name
 * it).  0, or -ENOMEM (run->err set). */
static int xtra_put(struct rstate *st, struct rinfo *ri, const uint32_t *w, size_t n)
{
	if (st->nxtra >= n && st->xlast_n == n && !memcmp(st->xtra + st->nxtra - n, w, n * sizeof(*w))) {
		ri->x = (uint32_t)(st->nxtra - n);
		return 0;
	}
	st->xlast_n = n;
	if (ipe_vec_reserve((void **)&st->xtra, &st->xcap, st->nxtra + n, sizeof(*st->xtra))) {
		st->run->err = -ENOMEM;
		return -ENOMEM;
	}
	ri->x = (uint32_t)st->nxtra;
	memcpy(st->xtra + st->nxtra, w, n * sizeof(*w));
	st->nxtra += n;
	return 0;
}

/* What the op's rules add up to, for the op-level findings. */
struct op_summary {
	uint32_t nofile;      /* the first rule matching an event with no file, or NONE */
	uint32_t dead_allow;  /* the first ALLOW rule that matches but is never reached, or NONE */
	uint32_t never_allow; /* the first ALLOW rule that never matches, or NONE */
	bool live_allow, live_deny; /* a reachable rule of that action */
	uint8_t cover;        /* combinations the rules naming no digest accept */
	enum ipe_action def;  /* the default that applies to the op */
	const struct ipe_loc *defloc;
};

/* What rule i adds to the op's summary, once classify() has decided it. */
static inline void sum_rule(struct op_summary *s, const struct rinfo *ri, bool allow, uint32_t i)
{
	if (ri->mask && !ri->dead)
		*(allow ? &s->live_allow : &s->live_deny) = true;
	else if (allow && ri->mask && s->dead_allow == NONE)
		s->dead_allow = i;
	else if (allow && !ri->mask && s->never_allow == NONE)
		s->never_allow = i;
}

/* Pass 1 (forward): classes, dead rules with the rules deciding their
 * events, W104 witnesses; the per-rule part of the summary. */
static void classify(struct rstate *st, struct op_summary *s)
{
	const struct ipe_op_table *t = st->t;

	s->dead_allow = s->never_allow = NONE;
	s->live_allow = s->live_deny = false;
	for (uint32_t i = 0; i < t->nrules && !st->run->err; i++) {
		const struct ipe_rule *r = &t->rules[i];
		struct rinfo *ri = &st->ri[i];
		struct ipe_rc rc;
		uint8_t phys, cover = 0;
		const struct grp *g[4];
		size_t ng;

		/* the rule's class, and the events a kernel can produce of it:
		 * none is why ipe_rule_constraint() gives a reason (it derives
		 * both the same way) */
		ipe_rc_walk_rule(&st->walk, r, &rc, &phys);
		ri->never = IPE_NEVER_NOT;
		if (!phys) {
			struct ipe_rule_constraint c;

			ipe_rule_constraint(st->p, r, &st->run->k, &c);
			ri->never = (uint8_t)c.never;
		}
		ri->mask = rc.mask;
		ri->d = rc.dmv ? rules_digest_id(st, (size_t)(rc.dmv - st->p->props)) + 1 : 0;
		ri->f = rc.fsv ? rules_digest_id(st, (size_t)(rc.fsv - st->p->props)) + 1 : 0;
		ri->ov = false;
		ri->multi = r->nprops >= 2;
		if (!ri->mask) {
			sum_rule(s, ri, r->action == IPE_ACTION_ALLOW, i);
			continue;
		}
		ng = rules_groups_matching(st, ri->d, ri->f, g);
		for (size_t x = 0; x < ng; x++)
			cover |= g[x]->seen[0] | g[x]->seen[1];
		ri->dead = (ri->mask & ~cover) == 0;
		if (ri->dead) {
			uint32_t by[8];
			size_t n = 0;

			for (unsigned b = 0; b < 8; b++) {
				uint32_t j;
				bool seen = false;

				if (!((ri->mask >> b) & 1u))
					continue;
				j = rules_first_in(g, ng, -1, b);
				for (size_t x = 0; x < n; x++)
					seen |= by[x] == j;
				if (!seen)
					by[n++] = j;
			}
			for (size_t x = 1; x < n; x++) /* in file order */
				for (size_t y = x; y > 0 && by[y - 1] > by[y]; y--) {
					uint32_t tmp = by[y];

					by[y] = by[y - 1];
					by[y - 1] = tmp;
				}
			if (n < 8)
				by[n++] = NONE;
			if (xtra_put(st, ri, by, n))
				return;
		} else if (ri->never == IPE_NEVER_NOT && r->nprops > 0) {
			/* an event of this rule that an earlier rule of the other
			 * action decides; with no digest here, only earlier rules
			 * without digests count (a specific exception before the
			 * general rule is the usual pattern) */
			int o = r->action == IPE_ACTION_ALLOW ? 0 : 1;
			uint32_t j = (ri->d || ri->f) ? rules_first_overlap(st, o, i) : NONE;
			uint32_t ev[4] = { NONE }; /* the rule deciding first, the event */

			for (int cand = 0; cand < 2; cand++) {
				uint32_t d = ri->d, f = ri->f;
				uint8_t m = ri->mask, any = 0;
				const struct grp *jg[4], **cg = g;
				size_t ncg = ng;

				if (cand == 1) {
					if (j == NONE || st->ri[j].never != IPE_NEVER_NOT)
						break;
					d = d ? d : st->ri[j].d;
					f = f ? f : st->ri[j].f;
					m &= st->ri[j].mask;
					ncg = rules_groups_matching(st, d, f, jg);
					cg = jg;
				}
				/* only a rule of the other action can be k */
				for (size_t x = 0; x < ncg; x++)
					any |= cg[x]->seen[o];
				if (!(m & any))
					continue;
				for (unsigned b = 0; b < 8; b++) {
					uint32_t k;

					if (!((m >> b) & 1u) || !rules_event_physical(b, d, f))
						continue;
					k = rules_first_in(cg, ncg, -1, b);
					if (k != NONE && (t->rules[k].action == IPE_ACTION_ALLOW) == o && k < ev[0]) {
						ev[0] = k;
						ev[1] = b;
						ev[2] = d;
						ev[3] = f;
					}
				}
			}
			ri->ov = ev[0] != NONE;
			if (ri->ov && xtra_put(st, ri, ev, 4))
				return;
		}
		sum_rule(s, ri, r->action == IPE_ACTION_ALLOW, i);
		if (rules_groups_add(st, i))
			st->run->err = -ENOMEM;
	}
}

/* Pass 2 (reverse): redundant rules. */
static void find_redundant(struct rstate *st, enum ipe_action def)
{
	const struct ipe_op_table *t = st->t;
	int o = def == IPE_ACTION_ALLOW ? 0 : 1;

	rules_groups_reset(st);
	for (uint32_t i = (uint32_t)t->nrules; i-- > 0 && !st->run->err;) {
		struct rinfo *ri = &st->ri[i];

		if (!ri->mask)
			continue;
		if (!ri->dead && ri->never == IPE_NEVER_NOT && (enum ipe_action)t->rules[i].action == def &&
		    !(rules_overlap_mask(st, o, ri->d, ri->f) & ri->mask))
			ri->redundant = true;
		if (rules_groups_add(st, i))
			st->run->err = -ENOMEM;
	}
}

/* The rest of the summary, from the groups classify() filled. */
static void summarize(const struct rstate *st, struct op_summary *s)
{
	const struct grp *nn = &st->fixed[G_NN];

	s->nofile = NONE;
	s->cover = 0;
	s->def = lint_effective_default(st->p, st->op, &s->defloc);
	/* the first rule matching an event with no file (= b 0, no digest) */
	if (nn->first[0][0] != NONE || nn->first[1][0] != NONE)
		s->nofile = nn->first[0][0] < nn->first[1][0] ? nn->first[0][0] : nn->first[1][0];
	s->cover = nn->seen[0] | nn->seen[1];
}

/* The findings on rule i, the most telling first. */
static void report_rule(struct rstate *st, uint32_t i, const struct op_summary *s)
{
	struct lint_run *run = st->run;
	const struct ipe_rule *r = &st->t->rules[i];
	const struct rinfo *ri = &st->ri[i];
	struct ipe_rule_constraint c;

	if (ri->multi) /* (the usual rule has one property: nothing repeats) */
		rules_dup_props(st, i);
	if (ri->never) {
		ipe_rule_constraint(st->p, r, &run->k, &c);
		rules_report_never(st, i, &c);
		return;
	}
	if (ri->dead) {
		rules_report_dead(st, i);
		return;
	}
	if (ri->ov)
		rules_report_overlap(st, i);
	if (i == s->nofile)
		rules_report_nofile(st, i, true);
	if (ri->redundant && !ri->ov) {
		struct ipe_diag *d = lint_report(run, LC_REDUNDANT, &r->loc, "delete it",
						 "rule is redundant: without it the same action (%s) applies to every event it matches",
						 ipe_action_name((enum ipe_action)r->action));

		if (s->defloc)
			lint_related(run, d, s->defloc, "the default that applies");
		rules_note_expansion(st, d, r);
	}
}

/* The op's DEFAULT never applies: the rules naming no digest accept every
 * combination (a rule naming a digest misses the other values). */
static void report_default_unused(struct rstate *st, const struct op_summary *s)
{
	struct lint_run *run = st->run;
	const struct ipe_op_table *t = st->t;
	struct ipe_diag *d;
	uint32_t seen[8];
	size_t ns = 0;

	if (s->cover != ALLB || t->default_action == IPE_ACTION_NONE)
		return;
	d = lint_report(run, LC_DEFAULT_UNUSED, &t->default_loc,
			"remove the catch-all rule(s) and let the DEFAULT decide, or drop the DEFAULT",
			"DEFAULT for op=%s never applies: the rules before it match every event", ipe_op_name(st->op));
	for (unsigned b = 0; b < 8; b++) {
		uint32_t j = rules_first_match(st, -1, b, 0, 0);
		bool dup = false;

		for (size_t x = 0; x < ns; x++)
			dup |= seen[x] == j;
		if (!dup) {
			seen[ns++] = j;
			lint_related(run, d, &t->rules[j].loc, "events are decided here first");
		}
	}
}

/* Everything allowed: no DENY rule decides anything, and the default is
 * ALLOW or never applies. */
static void report_allows_all(struct rstate *st, const struct op_summary *s)
{
	const struct ipe_op_table *t = st->t;

	if (!t->nrules || !lint_wants(st->run, LC_ALLOWS_ALL) || s->live_deny ||
	    (s->def != IPE_ACTION_ALLOW && s->cover != ALLB))
		return;
	lint_report(st->run, LC_ALLOWS_ALL, &t->rules[0].loc,
		    s->def == IPE_ACTION_ALLOW && t->default_action == IPE_ACTION_NONE
			    ? "if these rules are an allowlist, add 'DEFAULT op=... action=DENY'"
			    : "add DENY rules or a DENY default if something should be refused",
		    "the %zu rule%s for op=%s allow every event: no DENY can apply%s", t->nrules, t->nrules == 1 ? "" : "s",
		    ipe_op_name(st->op), s->def == IPE_ACTION_ALLOW && s->cover != ALLB ? " and the default is ALLOW" : "");
}

/* Boot risk: every module / firmware load is denied. */
static void report_boot_risk(struct rstate *st, const struct op_summary *s)
{
	const struct ipe_policy *p = st->p;
	const struct ipe_op_table *t = st->t;
	const char *opn = ipe_op_name(st->op);
	char why[256] = "", lb[160], hint[160];
	struct ipe_diag *d;

	if ((st->op != IPE_OP_KMODULE && st->op != IPE_OP_FIRMWARE) || t->default_action != IPE_ACTION_NONE ||
	    p->global_default != IPE_ACTION_DENY || s->live_allow)
		return;
	if (s->dead_allow != NONE)
		snprintf(why, sizeof(why), " (the ALLOW rule at %s is unreachable)",
			 rules_at(st, &p->global_default_loc, &t->rules[s->dead_allow].loc, lb, sizeof(lb)));
	else if (s->never_allow != NONE)
		snprintf(why, sizeof(why), " (the ALLOW rule at %s never matches)",
			 rules_at(st, &p->global_default_loc, &t->rules[s->never_allow].loc, lb, sizeof(lb)));
	if (s->dead_allow != NONE)
		snprintf(hint, sizeof(hint),
			 "move the ALLOW rule above the rules that decide its events first, or write 'DEFAULT op=%s action=DENY' if intended",
			 opn);
	else
		snprintf(hint, sizeof(hint),
			 "add e.g. 'op=%s boot_verified=TRUE action=ALLOW', or 'DEFAULT op=%s action=DENY' if intended", opn,
			 opn);
	d = lint_report(st->run, LC_BOOT_RISK, &p->global_default_loc, hint,
			"global DEFAULT DENY and no reachable rule allows op=%s%s: every %s load is denied, which can stop the machine from booting",
			opn, why, st->op == IPE_OP_KMODULE ? "kernel module" : "firmware");
	if (s->dead_allow != NONE || s->never_allow != NONE)
		lint_related(st->run, d, &t->rules[s->dead_allow != NONE ? s->dead_allow : s->never_allow].loc,
			     s->dead_allow != NONE ? "this ALLOW rule is never reached" : "this ALLOW rule never matches");
}

/* Evaluation cost: the kernel walks the rules one by one. */
static void report_many_rules(struct rstate *st)
{
	struct lint_run *run = st->run;
	const struct ipe_op_table *t = st->t;
	size_t th = run->cfg ? run->cfg->rule_threshold : 1000;

	if (!th || t->nrules <= th)
		return;
	lint_report(run, LC_MANY_RULES, &t->rules[th].loc,
		    "allow a dm-verity root hash (or dmverity_signature=TRUE) instead of thousands of per-file digests",
		    "op=%s has %zu rules (more than %zu): the kernel walks them one by one on every access",
		    ipe_op_name(st->op), t->nrules, th);
}

static void check_op(struct rstate *st)
{
	struct lint_run *run = st->run;
	struct op_summary s;

	classify(st, &s);
	if (run->err)
		return;
	summarize(st, &s);
	if (lint_wants(run, LC_REDUNDANT) || lint_wants(run, LC_OVERLAP))
		find_redundant(st, s.def);
	for (uint32_t i = 0; i < st->t->nrules && !run->err; i++)
		report_rule(st, i, &s);
	rules_report_folded(st);
	if (run->err)
		return;
	report_default_unused(st, &s);
	report_allows_all(st, &s);
	report_boot_risk(st, &s);
	report_many_rules(st);
}

void lint_check_rules(struct lint_run *run)
{
	struct rstate st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.run = run;
	st.p = run->p;
	ipe_rc_walk_init(&st.walk, run->p, &run->k);
	if (run->p->nprops >= (1u << 30)) {
		run->err = -E2BIG;
		return;
	}
	rc = rules_intern_digests(&st);
	if (!rc)
		rc = ipe_hmap_init(&st.gidx, 64);
	if (!rc)
		rc = ipe_hmap_init(&st.fidx, 16);
	for (int op = 0; op < IPE_OP_COUNT && !rc && !run->err; op++) {
		st.op = op;
		st.t = &run->p->ops[op];
		rc = op_prepare(&st);
		if (!rc)
			check_op(&st);
	}
	if (rc)
		run->err = rc;
	ipe_hmap_free(&st.gidx);
	ipe_hmap_free(&st.fidx);
	free(st.folds);
	free(st.digest_id);
	free(st.digest_multi);
	free(st.ri);
	free(st.xtra);
	free(st.grps);
}
