/* SPDX-License-Identifier: MIT */
/*
 * libipe: exact equivalence of two policies.
 *
 * Two policies are equivalent when ipe_eval() gives the same action for
 * every operation (and for events of an operation the kernel cannot
 * classify), every event with or without a file, and every value of the
 * properties: boot_verified, dmverity_signature and fsverity_signature TRUE
 * or FALSE, any dm-verity root hash and any fs-verity digest (algorithm and
 * bytes).  Properties compiled out of the target kernel are false in both
 * forms.  No physical assumption is made (e.g. that the initramfs is never
 * on dm-verity), so "equivalent" holds for every event the evaluation model
 * can describe.
 *
 * The decision is symbolic: only the digests that either policy names (plus
 * "any other value") can tell events apart, and rules naming a digest are
 * only looked at for that digest, so the cost is near-linear in the rules.
 */
#ifndef IPE_EQUIV_H
#define IPE_EQUIV_H

#include <stdbool.h>
#include <stdio.h>

#include <ipe/eval.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ipe_equiv_result {
	bool equivalent;
	/* When not equivalent: a witness event and what each policy decides. */
	int op;                 /* enum ipe_op, or IPE_OP_INVALID: an op the kernel cannot classify */
	struct ipe_event event; /* digests point into this result (or the policies) */
	bool dmv_listed;        /* the root hash is one a policy names (else: any other value) */
	bool fsv_listed;        /* the same for the fs-verity digest */
	struct ipe_decision decision[2];
	uint8_t *priv;          /* internal: owned bytes of "other" digests */
};

/* Decide whether a and b are equivalent on a kernel with properties k (NULL:
 * every property compiled in).  Both policies must be ones the kernel accepts
 * (verdict 0), else -EINVAL.  ret is filled (free it with
 * ipe_equiv_result_clear()).  Returns 0, -EINVAL, -ENOMEM, or -EPROTO if the
 * witness found does not reproduce under ipe_eval() (an internal error). */
int ipe_policy_equivalent(const struct ipe_policy *a, const struct ipe_policy *b, const struct ipe_eval_kernel *k,
			  struct ipe_equiv_result *ret);

void ipe_equiv_result_clear(struct ipe_equiv_result *r);

/* The witness event in policy words, e.g. "op=EXECUTE file: boot_verified=TRUE
 * dmverity_signature=FALSE dmverity_roothash=(any other) ...". malloc'd. */
int ipe_equiv_event_format(const struct ipe_equiv_result *r, char **ret_text);

/* One line on how policy p decided (decision d of op): "ALLOW by the rule at
 * line 7: op=... action=ALLOW", "DENY by the DEFAULT of op EXECUTE at line 3",
 * "DENY by the global DEFAULT at line 2", "ALLOW: no DEFAULT applies". malloc'd. */
int ipe_decision_format(const struct ipe_policy *p, int op, const struct ipe_decision *d, char **ret_text);

/* The properties a kernel was built with, from its .config (text or gzip,
 * e.g. /proc/config.gz).  Returns 0, -EBADMSG (not a kernel config) or an
 * I/O errno. */
int ipe_eval_kernel_from_kconfig(const char *path, struct ipe_eval_kernel *ret_kernel);

#ifdef __cplusplus
}
#endif
#endif
