/* SPDX-License-Identifier: MIT */
/*
 * Internal: the symbolic event space of one op of two policies, shared by
 * the equivalence checker (equiv.c) and the policy diff (diff.c).
 *
 * After eqc_open() (which prepares both sides, fills the decision tables and
 * allocates the sweep's scratch), every event of the op is one of the
 * finite classes (b, d, f): b the boolean combination (ruleclass.h), d the
 * dense id of a root hash some rule names or -1 for any other value, f the
 * same for fs-verity digests.  eqc_decide() gives the rule index that
 * decides a class in one policy (EQC_NONE: no rule, the DEFAULTs).  See
 * equiv.c for the meaning of g, x, y, z.
 */
#ifndef IPE_EQUIV_CORE_H
#define IPE_EQUIV_CORE_H

#include <ipe/eval.h>
#include <ipe/policy.h>

#include "compiler/ruleclass.h"

#define EQC_NONE UINT32_MAX

struct eqc_side {
	const struct ipe_policy *p;
	const struct ipe_op_table *t;
	struct ipe_rc *rc;  /* per rule */
	int64_t *did, *fid; /* per rule: digest ids or -1 */
	uint32_t g[8];
	uint32_t *x, *y, *z; /* [id * 8 + b] */
	int def;             /* enum ipe_action when no rule matches */
};

struct eqc_wit {
	bool found;
	bool nofile;
	int b;
	int64_t d, f; /* -1 = other */
};

struct eqc_op {
	const struct ipe_eval_kernel *k;
	const uint64_t *ph[2]; /* per side, NULL or ipe_prop_hashes() of its policy (set by the caller) */
	bool physical; /* only events a kernel can produce (ipe_rc_physical) */
	struct eqc_side s[2];
	struct ipe_dtab dt;
	struct ipe_hmap pairs; /* (d << 32 | f) -> pair id */
	uint32_t npairs;
	uint64_t *pairkeys;
	size_t pairkeys_cap;
	const struct ipe_prop **dprop, **fprop;    /* id -> a property naming it */
	const struct ipe_policy **dpol, **fpol;    /* id -> the policy holding that property */
	uint8_t used;                              /* boolean dimensions some rule constrains */
	/* sweep scratch */
	uint64_t *sd, *sf, *sq;
	uint32_t *rank, *byrank, *fen[2];
	struct eqc_wit w;
};

/* Set up o for op of a and b (o zeroed by the caller, o->k set). */
int eqc_open(struct eqc_op *o, const struct ipe_policy *a, const struct ipe_policy *b, int op);
void eqc_close(struct eqc_op *o);
/* The global DEFAULT's action, or ALLOW when there is none. */
int eqc_global_def(const struct ipe_policy *p);
/* Action of decision index i on side s. */
int eqc_act(const struct eqc_side *s, uint32_t i);
/* Deciding rule index (or EQC_NONE) of side s for the class (b, d, f). */
uint32_t eqc_decide(const struct eqc_op *o, const struct eqc_side *s, int b, int64_t d, int64_t f);
/* Is (d, f) a pair some rule names both of? */
bool eqc_named_pair(const struct eqc_op *o, int64_t d, int64_t f);

/* Fenwick tree helpers over n positions (fen has n + 1 slots). */
void eqc_fen_add(uint32_t *fen, uint32_t n, uint32_t i, int v);
uint32_t eqc_fen_kth(const uint32_t *fen, uint32_t n, uint32_t k);
uint32_t eqc_fen_prefix(const uint32_t *fen, uint32_t i); /* elements at positions < i */

#endif
