/* SPDX-License-Identifier: MIT */
/* The state of the rule analyses (rules.c) shared with the digest
 * interning and rule groups (rule_groups.c) and the findings
 * (rule_reports.c); internal to src/compiler/checks/. */
#ifndef IPE_CHECKS_RULES_H
#define IPE_CHECKS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks.h"
#include "compiler/ruleclass.h"
#include "util/internal.h"

#define NONE UINT32_MAX
#define ALLB 0xffu

/* rules seen so far that name the same digests: per action and boolean
 * combination, the first of them accepting it (NONE: none yet); seen[a]:
 * the combinations whose first[a] is set */
struct grp {
	uint32_t first[2][8];
	uint8_t seen[2];
};

enum gkind { G_ALL = 0, G_DN, G_FN, G_NN, G_D, G_F, G_DO, G_FO, G_Z, G_FIXED = G_D };

/* Per rule of the op being checked: 16 bytes (a 600k-rule policy holds
 * 600k of these); what only dead rules and W104 need is in st->xtra. */
struct rinfo {
	uint8_t mask;          /* boolean combinations accepted (ipe_rc), 0 = never matches */
	uint8_t never;         /* enum ipe_never_reason (physical view, ipe_rule_constraint) */
	bool dead : 1, redundant : 1;
	bool multi : 1;        /* two properties or more */
	bool ov : 1;           /* W104: an earlier rule of the other action decides one of its events */
	uint32_t d, f;         /* digest ids + 1 of the class (0 = any) */
	uint32_t x;            /* index into st->xtra: dead: the earlier rules deciding its
				* events (NONE-terminated, at most 8); ov: that earlier rule, then
				* the event's boolean combination and digests (id + 1, 0 = any
				* other value) */
};

/* Dead rules of one op with the same finding and the same deciding rules:
 * the first fold_after are reported one by one, the others in one finding. */
struct fold {
	uint8_t kind;          /* enum lint_check */
	uint32_t by[8];        /* rinfo.by of its rules */
	uint32_t shown;        /* reported one by one */
	uint32_t nfolded;      /* the others */
	uint32_t first, last;  /* the first and last of the others */
};

struct rstate {
	struct lint_run *run;
	const struct ipe_policy *p;
	struct ipe_rc_walk walk;    /* rule classes (ruleclass.h) */
	/* digest interning (whole policy); a digest's id is the index of the
	 * first property naming it */
	uint32_t *digest_id;        /* per prop (digests only): 0 for the first naming its
				     * digest, else that first's index + 1 (rules_digest_id) */
	uint8_t *digest_multi;      /* per digest id: named by more than one property */
	/* per op */
	const struct ipe_op_table *t;
	int op;
	struct rinfo *ri;
	uint32_t *xtra;             /* see struct rinfo */
	size_t nxtra, xcap;
	size_t xlast_n;             /* words of the last entry put (shared when repeated) */
	struct grp fixed[G_FIXED];  /* G_ALL, G_DN, G_FN, G_NN */
	struct ipe_hmap gidx;       /* group key -> index into grps */
	struct grp *grps;
	size_t ngrps, gcap;
	/* dead rules folded by cause (rules_report_dead) */
	struct ipe_hmap fidx;       /* cause hash -> index into folds */
	struct fold *folds;
	size_t nfolds, fcap;
	uint32_t last_fold;         /* the fold found last (checked first), if < nfolds */
};

/* The earlier rules deciding the events of dead rule ri (NONE-terminated
 * unless 8 long). */
static inline const uint32_t *rules_by(const struct rstate *st, const struct rinfo *ri)
{
	return st->xtra + ri->x;
}

/* The id of the digest that property idx names: the index of the first
 * property naming it. */
static inline uint32_t rules_digest_id(const struct rstate *st, size_t idx)
{
	uint32_t v = st->digest_id[idx];

	return v ? v - 1 : (uint32_t)idx;
}

/* ---- rule_groups.c: digest ids, groups, first matches ---- */

/* Number the policy's digests (st->digest_id, digest_multi). */
int rules_intern_digests(struct rstate *st);
void rules_groups_reset(struct rstate *st);
/* Add rule i (its class in st->ri[i]) to its groups.  0 or -ENOMEM. */
int rules_groups_add(struct rstate *st, uint32_t i);
/* The groups whose rules match the events with digests d and f (ids + 1,
 * 0 = any other value): at most 4, into out. */
size_t rules_groups_matching(const struct rstate *st, uint32_t d, uint32_t f, const struct grp **out);
/* The first rule seen (of action a, -1 any) matching event (b, d, f), or NONE. */
uint32_t rules_first_match(const struct rstate *st, int a, unsigned b, uint32_t d, uint32_t f);
/* The same over the groups rules_groups_matching() gave for (d, f). */
static inline uint32_t rules_first_in(const struct grp *const *g, size_t n, int a, unsigned b)
{
	uint32_t best = NONE;

	for (size_t x = 0; x < n; x++)
		for (int act = 0; act < 2; act++)
			if ((a < 0 || a == act) && g[x]->first[act][b] < best)
				best = g[x]->first[act][b];
	return best;
}
/* The boolean combinations for which a rule seen of action a shares an
 * event with a rule naming d and f. */
uint8_t rules_overlap_mask(const struct rstate *st, int a, uint32_t d, uint32_t f);
/* The first rule seen of action a sharing an event with rule i, or NONE. */
uint32_t rules_first_overlap(const struct rstate *st, int a, uint32_t i);
/* Can a kernel produce event (b, d, f)? */
bool rules_event_physical(unsigned b, uint32_t d, uint32_t f);
/* The event (b, d, f) as properties, for messages. */
void rules_event_text(const struct rstate *st, unsigned b, uint32_t d, uint32_t f, char *buf, size_t bufsz);

/* ---- rule_reports.c: the findings on one rule ---- */

void rules_report_never(struct rstate *st, uint32_t i, const struct ipe_rule_constraint *c);
void rules_dup_props(struct rstate *st, uint32_t i);
/* Rule i is dead: report it, or fold it into the finding of its cause
 * (rules_report_folded() reports those once the op's rules are done). */
void rules_report_dead(struct rstate *st, uint32_t i);
void rules_report_folded(struct rstate *st);
void rules_report_overlap(struct rstate *st, uint32_t i);
void rules_report_nofile(struct rstate *st, uint32_t i, bool decides);
void rules_note_expansion(struct rstate *st, struct ipe_diag *d, const struct ipe_rule *r);
/* "line 12", or "common.inc line 12" when in another source than from */
const char *rules_at(const struct rstate *st, const struct ipe_loc *from, const struct ipe_loc *to, char *buf,
		     size_t n);

#endif
