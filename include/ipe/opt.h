/* SPDX-License-Identifier: MIT */
/*
 * libipe: the policy optimizer (ipe-compile -O).
 *
 * Every pass keeps the decision of every event under the evaluation model
 * (eval.h) on the given kernel; ipe-compile proves the result equivalent
 * with ipe_policy_equivalent() before writing it.
 */
#ifndef IPE_OPT_H
#define IPE_OPT_H

#include <ipe/export.h>

#include <stddef.h>

#include <ipe/eval.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ipe_opt_pass {
	IPE_OPT_CONTRADICTIONS = 0, /* rules that can never match */
	IPE_OPT_DUP_PROPS,          /* a property repeated inside one rule */
	IPE_OPT_DUPLICATES,         /* a rule matching exactly what an earlier one matches */
	IPE_OPT_DEAD,               /* every event it matches is matched by earlier rules */
	IPE_OPT_REDUNDANT,          /* removing it leaves the same action for its events */
	IPE_OPT_DEFAULTS,           /* a per-op DEFAULT equal to the global DEFAULT */
	IPE_OPT_PASS_COUNT,
};
#define IPE_OPT_ALL ((1u << IPE_OPT_PASS_COUNT) - 1)

/* A result: the library zeroes the whole struct, reserved included (fields
 * added later take that space). */
struct ipe_opt_stats {
	size_t removed[IPE_OPT_PASS_COUNT]; /* rules (props for DUP_PROPS, DEFAULT lines for DEFAULTS) */
	uint64_t reserved[4];        /* zeroed by the library */
};

/* "contradictions", "dup-props", "duplicates", "dead", "redundant", "defaults" */
IPE_EXPORT const char *ipe_opt_pass_name(enum ipe_opt_pass pass);
/* A comma-separated list of pass names ("all" = every pass) into a bit mask
 * (bit = 1 << pass).  -ENOENT for an unknown name (*ret_bad points at it). */
IPE_EXPORT int ipe_opt_passes_parse(const char *list, unsigned *ret_mask, const char **ret_bad);

/* Optimize p in place with the passes in mask, in the order of the enum.
 * k NULL = every property compiled in.  p must be accepted by the kernel
 * (-EINVAL otherwise).  ret_stats may be NULL.  Returns 0 or -ENOMEM. */
IPE_EXPORT int ipe_policy_optimize(struct ipe_policy *p, const struct ipe_eval_kernel *k, unsigned mask,
			struct ipe_opt_stats *ret_stats);

#ifdef __cplusplus
}
#endif
#endif
