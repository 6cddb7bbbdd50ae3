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

#include <ipe/export.h>

#include <stdbool.h>
#include <stdio.h>

#include <ipe/eval.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A result: the library zeroes the whole struct, reserved included (fields
 * added later take that space). */
struct ipe_equiv_result {
	bool equivalent;
	/* When not equivalent: a witness event and what each policy decides. */
	int op;                 /* enum ipe_op, or IPE_OP_INVALID: an op the kernel cannot classify */
	struct ipe_event event; /* digests point into this result (or the policies) */
	bool dmv_listed;        /* the root hash is one a policy names (else: any other value) */
	bool fsv_listed;        /* the same for the fs-verity digest */
	struct ipe_decision decision[2];
	uint8_t *priv;          /* internal: owned bytes of "other" digests */
	uint64_t reserved[4];        /* zeroed by the library */
};

/* Decide whether a and b are equivalent on a kernel with properties k (NULL:
 * every property compiled in).  Both policies must be ones the kernel accepts
 * (verdict 0), else -EINVAL.  ret is filled (free it with
 * ipe_equiv_result_clear()).  Returns 0, -EINVAL, -ENOMEM, or -EPROTO if the
 * witness found does not reproduce under ipe_eval() (an internal error). */
IPE_EXPORT int ipe_policy_equivalent(const struct ipe_policy *a, const struct ipe_policy *b, const struct ipe_eval_kernel *k,
			  struct ipe_equiv_result *ret);

/* Free what r holds (the witness's digest bytes). */
IPE_EXPORT void ipe_equiv_result_clear(struct ipe_equiv_result *r);

/* The witness event in policy words, e.g. "op=EXECUTE file: boot_verified=TRUE
 * dmverity_signature=FALSE dmverity_roothash=(any other) ...". malloc'd. */
IPE_EXPORT int ipe_equiv_event_format(const struct ipe_equiv_result *r, char **ret_text);

/* One line on how policy p decided (decision d of op): "ALLOW by the rule at
 * line 7: op=... action=ALLOW", "DENY by the DEFAULT of op EXECUTE at line 3",
 * "DENY by the global DEFAULT at line 2", "ALLOW: no DEFAULT applies". malloc'd. */
IPE_EXPORT int ipe_decision_format(const struct ipe_policy *p, int op, const struct ipe_decision *d, char **ret_text);

/* ---- every decision that changes between two policies ---- */

/* One pair of deciders (a rule or a DEFAULT in OLD, one in NEW) that give
 * some event different actions.  Lines are 1-based in each policy's source;
 * 0 when no DEFAULT applies (the kernel's implicit ALLOW). */
struct ipe_diff_change {
	int op;                       /* enum ipe_op, or IPE_OP_INVALID: events the kernel cannot classify */
	struct ipe_decision old_dec;  /* action and decider in OLD */
	struct ipe_decision new_dec;  /* the same in NEW */
	unsigned old_line, new_line;
	struct ipe_loc old_loc, new_loc; /* the deciders' tokens; src IPE_SRC_NONE when no DEFAULT applies */
	/* A witness: ipe_eval() gives it old_dec under OLD and new_dec under NEW
	 * (replayed before ipe_policy_diff() returns, for the first nreplayed
	 * changes).  Digests point into the policies or into the ipe_diff. */
	struct ipe_event event;
	bool dmv_listed, fsv_listed;  /* the witness's digest is one a policy names */
	/* The events concerned: the boolean combinations under which this pair
	 * decides some event (exact; bit b: b&1 boot_verified, b&2
	 * dmverity_signature, b&4 fsverity_signature), the digests the deciders
	 * require (NULL: any; among those events, the ones no earlier rule
	 * takes first), and whether events with no file are among them. */
	uint8_t mask;
	const struct ipe_prop *dmv, *fsv;
	const struct ipe_policy *dmv_pol, *fsv_pol; /* the policies holding dmv, fsv */
	bool nofile;
};

struct ipe_diff {
	bool equivalent;              /* no decision changed (nchanges == 0) */
	/* The header: may NEW replace OLD through policies/NAME/update?  0 yes,
	 * -EINVAL the names differ, -ESTALE the version is not greater. */
	int update_err;
	bool name_changed;
	int version_cmp;              /* NEW's version against OLD's: -1, 0, 1 */
	size_t nchanges;
	/* Most consequential first: the ops with a widening change (to ALLOW)
	 * first, each group in kernel op order (unclassifiable events last);
	 * in an op, widening changes first, then by NEW's line, OLD's line. */
	struct ipe_diff_change *changes;
	/* Changes whose witness was replayed through ipe_eval()'s decision
	 * procedure (ipe_eval_indexed()), in order: all of them unless that
	 * would cost more than 2 x the rules of both policies + 2^20 rule
	 * evaluations (each replay walks the op's rules without a digest: tens
	 * of thousands of changes in policies with thousands of such rules
	 * would make the diff quadratic).  The others are exact all the same
	 * (the test suite replays every witness of thousands of random pairs). */
	size_t nreplayed;
	uint8_t *priv;                /* internal */
};

/* Every change of decision from old to new on a kernel with properties k
 * (NULL: every property compiled in): for each op, every pair of deciders
 * with a witness, sound (each witness reproduces under ipe_eval()) and
 * complete (every event whose action changes is decided by a listed pair).
 * Both policies must be ones the kernel accepts, else -EINVAL.  *ret is
 * malloc'd (free with ipe_diff_free()).  Cost: O((rules + digests + changes)
 * log) plus the replays (see nreplayed).  Returns 0, -EINVAL, -ENOMEM, or
 * -EPROTO if a replayed witness does not reproduce (an internal error). */
IPE_EXPORT int ipe_policy_diff(const struct ipe_policy *old_p, const struct ipe_policy *new_p, const struct ipe_eval_kernel *k,
		    struct ipe_diff **ret);
IPE_EXPORT void ipe_diff_free(struct ipe_diff *d);

/* The events of change c in words, e.g. "files with
 * fsverity_digest=sha256:ab12cd34... that are not boot-verified".
 * malloc'd. */
IPE_EXPORT int ipe_diff_change_describe(const struct ipe_diff_change *c, char **ret_text);

/* The witness of change c as ipe_equiv_event_format() writes it. */
IPE_EXPORT int ipe_diff_event_format(const struct ipe_diff_change *c, char **ret_text);

/* One line for change c: "op=EXECUTE: DENY -> ALLOW (widened) for <events>;
 * before: <how OLD decided>".  malloc'd. */
IPE_EXPORT int ipe_diff_change_message(const struct ipe_policy *old_p, const struct ipe_diff_change *c, char **ret_text);

/* Renderers.  Locations and source lines come from ctx (the context both
 * policies were parsed in).
 * Text: the header verdict, then the changes grouped by op, widening first,
 * each with both deciders (file:line: source line), the events concerned
 * and the witness; "no decision changed" when there is none.
 * JSON: {"diff": {"equivalent", "changes": [{"op", "old_action",
 * "new_action", "old_line", "new_line", "witness"}], "old", "new",
 * "update"}} (see ipe-check(1)).
 * GitHub: one workflow annotation per change on NEW's deciding line
 * (IPE-W190 widening as a warning, IPE-I209 narrowing as a notice) and the
 * header's update errors (IPE-E042, IPE-E043). */
IPE_EXPORT int ipe_diff_render_text(const struct ipe_ctx *ctx, const struct ipe_policy *old_p, const struct ipe_policy *new_p,
			 const struct ipe_diff *d, FILE *out);
IPE_EXPORT int ipe_diff_render_json(const struct ipe_ctx *ctx, const struct ipe_policy *old_p, const struct ipe_policy *new_p,
			 const struct ipe_diff *d, FILE *out);
IPE_EXPORT int ipe_diff_render_github(const struct ipe_ctx *ctx, const struct ipe_policy *old_p,
			   const struct ipe_policy *new_p, const struct ipe_diff *d, FILE *out);

/* The properties a kernel was built with, from its .config (text or gzip,
 * e.g. /proc/config.gz).  Returns 0, -EBADMSG (not a kernel config) or an
 * I/O errno. */
IPE_EXPORT int ipe_eval_kernel_from_kconfig(const char *path, struct ipe_eval_kernel *ret_kernel);

#ifdef __cplusplus
}
#endif
#endif
