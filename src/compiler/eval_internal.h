/* SPDX-License-Identifier: MIT */
/* Internal: the evaluator's digest index built from digest hashes a caller
 * already has (the diff engine hashes every digest once). */
#ifndef IPE_EVAL_INTERNAL_H
#define IPE_EVAL_INTERNAL_H

#include <stdint.h>

#include <ipe/eval.h>

struct ipe_hmap;

/* ph[i] = ipe_prop_digest_hash(p, &p->props[i]) for every digest property
 * (0 for the others): one hash per property, computed once.  *ret is
 * malloc'd; 0 or -ENOMEM. */
int ipe_prop_hashes(const struct ipe_policy *p, uint64_t **ret);

/* ipe_eval_index_new() with the digest hashes of ph (ipe_prop_hashes(), or
 * NULL: hashed here) and only the ops in ops_mask (bit op) indexed; an op
 * left out is evaluated by ipe_eval_indexed() linearly (the same decision).
 * With only (a set of ipe_digest_hash() keys), the rules whose first digest
 * is not in it are left out: the index then decides exactly the events whose
 * digests all hash into only (the diff's witnesses), and no others. */
int ipe_eval_index_build(const struct ipe_policy *p, const struct ipe_eval_kernel *k, const uint64_t *ph,
			 uint32_t ops_mask, const struct ipe_hmap *only, struct ipe_eval_index **ret_index);

#endif
