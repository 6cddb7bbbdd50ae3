/* SPDX-License-Identifier: MIT */
/* Rule analyses (rules.c): the findings on one rule -- never matches,
 * repeated properties, dead, overlapping the other action, =FALSE with no
 * file -- with the related locations that explain them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "compiler/model.h"
#include "rules.h"
#include "util/internal.h"

static uint64_t prop_key(const struct rstate *st, const struct ipe_prop *pr)
{
	size_t idx = (size_t)(pr - st->p->props);

	if (!ipe_prop_is_digest((enum ipe_prop_type)pr->type))
		return (uint64_t)pr->type + 1;
	return ((uint64_t)(pr->type + 1) << 32) | ((uint64_t)rules_digest_id(st, idx) + 16);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static const char *other_name(int a)
{
	return ipe_action_name(a == IPE_ACTION_ALLOW ? IPE_ACTION_DENY : IPE_ACTION_ALLOW);
}

void rules_report_never(struct rstate *st, uint32_t i, const struct ipe_rule_constraint *c)
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

/* Report properties repeated in rule i (sorted keys: n log n), once per
 * property. */
void rules_dup_props(struct rstate *st, uint32_t i)
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

/* "line 12", or "common.inc line 12" when the rule is in another source
 * file than the finding (ipe-compile includes). */
const char *rules_at(const struct rstate *st, const struct ipe_loc *from, const struct ipe_loc *to, char *buf,
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
void rules_note_expansion(struct rstate *st, struct ipe_diag *d, const struct ipe_rule *r)
{
	const struct ipe_prop *props = ipe_rule_props(st->p, r);

	if (!d)
		return;
	for (uint32_t x = 0; x < r->nprops; x++)
		if (ipe_prop_is_digest((enum ipe_prop_type)props[x].type) &&
		    (props[x].loc.src != r->loc.src || props[x].loc.line != r->loc.line))
			lint_related(st->run, d, &props[x].loc, "this copy of the rule is expanded from this set member");
}

/* Which finding a dead rule gets: W105 (the same class as the one earlier
 * rule deciding its events), W102 (decided by a catch-all, or by several
 * earlier rules) or W101 (one more general earlier rule). */
static enum lint_check dead_kind(const struct rstate *st, uint32_t i)
{
	const struct rinfo *ri = &st->ri[i];
	const uint32_t *by = rules_by(st, ri);
	const struct rinfo *rr;

	if (by[1] != NONE)
		return LC_UNREACHABLE;
	rr = &st->ri[by[0]];
	if (rr->mask == ri->mask && rr->d == ri->d && rr->f == ri->f)
		return LC_DUPLICATE;
	if (rr->mask == ALLB && !rr->d && !rr->f)
		return LC_UNREACHABLE;
	return LC_SHADOWED;
}

/* The finding on dead rule i; with more > 0 it also stands for the more
 * rules after it, up to rule last, that are dead for the same reason. */
static void report_dead_one(struct rstate *st, uint32_t i, uint32_t more, uint32_t last)
{
	struct lint_run *run = st->run;
	const struct ipe_rule *r = &st->t->rules[i];
	const struct rinfo *ri = &st->ri[i];
	const char *opn = ipe_op_name(st->op);
	enum lint_check kind = dead_kind(st, i);
	const uint32_t *by = rules_by(st, ri);
	struct ipe_diag *d;
	char lb[160], also[240] = "", lastb[160];

	if (more) {
		snprintf(also, sizeof(also), "; so %s the %u rule%s after it with the same cause, up to %s, not reported one by one",
			 more == 1 ? "is" : "are", more, more == 1 ? "" : "s",
			 rules_at(st, &r->loc, &st->t->rules[last].loc, lastb, sizeof(lastb)));
	}
	if (by[1] == NONE) {
		uint32_t j = by[0];
		const struct ipe_rule *rj = &st->t->rules[j];

		if (kind == LC_DUPLICATE) {
			char conflict[64] = "";

			if (r->action != rj->action)
				snprintf(conflict, sizeof(conflict), ", and action=%s there wins",
					 ipe_action_name((enum ipe_action)rj->action));
			d = lint_report(run, LC_DUPLICATE, &r->loc,
					r->action == rj->action ? "delete this copy"
								: "decide which action is meant and delete the other rule",
					"rule %s the rule at %s: it matches the same events%s%s",
					r->action == rj->action ? "duplicates" : "conflicts with",
					rules_at(st, &r->loc, &rj->loc, lb, sizeof(lb)), conflict, also);
			lint_related(run, d, &rj->loc, "the earlier rule");
		} else if (kind == LC_UNREACHABLE) {
			d = lint_report(run, LC_UNREACHABLE, &r->loc, "move this rule above the catch-all, or delete it",
					"rule is unreachable: the rule at %s matches every op=%s event first%s",
					rules_at(st, &r->loc, &rj->loc, lb, sizeof(lb)), opn, also);
			lint_related(run, d, &rj->loc, "catch-all rule");
		} else {
			d = lint_report(run, LC_SHADOWED, &r->loc,
					"move this more specific rule above the general one, or delete it",
					"rule is dead: the rule at %s (action=%s) matches every event this one matches%s",
					rules_at(st, &r->loc, &rj->loc, lb, sizeof(lb)), ipe_action_name((enum ipe_action)rj->action),
					also);
			lint_related(run, d, &rj->loc, "shadowed by this rule");
		}
	} else {
		char lines[600];
		size_t n = 0, k;

		for (k = 0; k < 8 && by[k] != NONE && n < sizeof(lines); k++)
			n += (size_t)snprintf(lines + n, sizeof(lines) - n, "%s%s",
					      k == 0 ? "" : (k + 1 < 8 && by[k + 1] != NONE) ? ", " : " and ",
					      rules_at(st, &r->loc, &st->t->rules[by[k]].loc, lb, sizeof(lb)));
		d = lint_report(run, LC_UNREACHABLE, &r->loc, "move this rule above them, or delete it",
				"rule is unreachable: every event it matches also matches one of the earlier rules at %s%s",
				lines, also);
		for (k = 0; k < 8 && by[k] != NONE; k++)
			lint_related(run, d, &st->t->rules[by[k]].loc, "decided here first");
	}
	if (more)
		lint_related(run, d, &st->t->rules[last].loc, "the last rule dead for the same cause");
	rules_note_expansion(st, d, r);
}

/* The fold of dead rule i's cause (its finding and deciding rules), or NULL
 * (out of memory: run->err set). */
static struct fold *fold_of(struct rstate *st, uint32_t i, enum lint_check kind)
{
	const uint32_t *rby = rules_by(st, &st->ri[i]);
	uint32_t by[8];
	uint64_t h;
	size_t pos = SIZE_MAX, k;
	uint32_t v;
	struct fold *f;

	for (k = 0; k < 8 && rby[k] != NONE; k++)
		by[k] = rby[k];
	for (; k < 8; k++)
		by[k] = NONE;
	/* dead rules with one cause usually follow each other */
	if (st->last_fold < st->nfolds && st->folds[st->last_fold].kind == kind &&
	    memcmp(st->folds[st->last_fold].by, by, sizeof(by)) == 0)
		return &st->folds[st->last_fold];
	h = ipe_hash_bytes((uint64_t)kind, by, sizeof(by));
	while (ipe_hmap_next(&st->fidx, h, &pos, &v))
		if (st->folds[v].kind == kind && memcmp(st->folds[v].by, by, sizeof(by)) == 0) {
			st->last_fold = v;
			return &st->folds[v];
		}
	if (ipe_vec_reserve((void **)&st->folds, &st->fcap, st->nfolds + 1, sizeof(*st->folds)) ||
	    ipe_hmap_insert(&st->fidx, h, (uint32_t)st->nfolds)) {
		st->run->err = -ENOMEM;
		return NULL;
	}
	st->last_fold = (uint32_t)st->nfolds;
	f = &st->folds[st->nfolds++];
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	memcpy(f->by, by, sizeof(by));
	return f;
}

void rules_report_dead(struct rstate *st, uint32_t i)
{
	struct lint_run *run = st->run;
	size_t cap = run->cfg ? run->cfg->fold_after : LINT_FOLD_AFTER_DEFAULT;
	enum lint_check kind = dead_kind(st, i);
	struct fold *f;

	if (!cap) {
		report_dead_one(st, i, 0, NONE);
		return;
	}
	/* a rule whose finding is suppressed (or a check turned off) is
	 * neither reported nor counted in a fold */
	if (lint_filtered(run, kind, &st->t->rules[i].loc))
		return;
	f = fold_of(st, i, kind);
	if (!f)
		return;
	if (f->shown < cap) {
		f->shown++;
		report_dead_one(st, i, 0, NONE);
		return;
	}
	if (!f->nfolded)
		f->first = i;
	f->last = i;
	f->nfolded++;
}

void rules_report_folded(struct rstate *st)
{
	for (size_t x = 0; x < st->nfolds && !st->run->err; x++) {
		const struct fold *f = &st->folds[x];

		if (f->nfolded)
			report_dead_one(st, f->first, f->nfolded - 1, f->last);
	}
}

void rules_report_overlap(struct rstate *st, uint32_t i)
{
	struct lint_run *run = st->run;
	const struct ipe_rule *r = &st->t->rules[i];
	const struct rinfo *ri = &st->ri[i];
	const uint32_t *ev = st->xtra + ri->x + 1; /* boolean combination, d, f */
	const struct ipe_rule *rj = &st->t->rules[ev[-1]];
	char wb[512], hint[200], lb[160];
	struct ipe_diag *d;

	rules_event_text(st, ev[0], ev[1], ev[2], wb, sizeof(wb));
	snprintf(hint, sizeof(hint), "%s%s",
		 r->action == IPE_ACTION_DENY ? "put revocations (DENY) before the ALLOW rules they carve out of"
					      : "put this ALLOW above the DENY if those events should be allowed",
		 ri->redundant ? "; as written the rule changes no decision, so deleting it is equivalent" : "");
	d = lint_report(run, LC_OVERLAP, &r->loc, hint,
			"%s rule is partly ineffective: the earlier rule at %s (action=%s) decides events that match both, e.g. %s",
			ipe_action_name((enum ipe_action)r->action), rules_at(st, &r->loc, &rj->loc, lb, sizeof(lb)),
			other_name(r->action), wb);
	lint_related(run, d, &rj->loc, "this rule is reached first");
	rules_note_expansion(st, d, r);
}

/* Rule i decides the events with no file (b = 0, no digest) and has only
 * =FALSE properties (a property-less rule is a deliberate catch-all). */
void rules_report_nofile(struct rstate *st, uint32_t i, bool decides)
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
