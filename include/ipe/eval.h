/* SPDX-License-Identifier: MIT */
/*
 * libipe: the semantic model of how the kernel evaluates a policy
 * (IPE-KERNEL.md section 2).
 *
 * An event is one access the kernel classifies under an operation: a file
 * (with its integrity properties) or no file at all (anonymous executable
 * memory, buffer-based module/firmware/kexec/policy/cert loads).  The
 * decision is the first matching rule of the op in file order, else the op's
 * DEFAULT, else the global DEFAULT, else ALLOW.
 *
 * The kernel's build configuration matters: a property whose
 * CONFIG_IPE_PROP_* option is off evaluates false in BOTH its TRUE and FALSE
 * forms (struct ipe_eval_kernel).
 */
#ifndef IPE_EVAL_H
#define IPE_EVAL_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which property families the kernel was built with.  Zero-initialise (or
 * fill with ipe_eval_kernel_all() / ipe_eval_kernel_from_kconfig(), which
 * zero the whole struct); reserved must be zero: fields added later take
 * that space.  Functions returning int reject non-zero reserved space with
 * -EINVAL. */
struct ipe_eval_kernel {
	bool prop_dmverity;           /* CONFIG_IPE_PROP_DM_VERITY: dmverity_roothash */
	bool prop_dmverity_signature; /* CONFIG_IPE_PROP_DM_VERITY_SIGNATURE: dmverity_signature */
	bool prop_fsverity;           /* CONFIG_IPE_PROP_FS_VERITY: fsverity_digest */
	bool prop_fsverity_signature; /* CONFIG_IPE_PROP_FS_VERITY_BUILTIN_SIG: fsverity_signature */
	uint64_t reserved[4];        /* must be zero */
};

/* Every property compiled in (what a NULL kernel means everywhere below). */
IPE_EXPORT void ipe_eval_kernel_all(struct ipe_eval_kernel *ret_kernel);
/* Is the family of property type t compiled in?  boot_verified always is. */
IPE_EXPORT bool ipe_eval_prop_enabled(const struct ipe_eval_kernel *k, enum ipe_prop_type t);
/* "CONFIG_IPE_PROP_FS_VERITY" etc.; NULL for boot_verified. */
IPE_EXPORT const char *ipe_prop_kconfig(enum ipe_prop_type t);

/* One event.  Digests are compared as the kernel does: same length, strcmp of
 * the algorithm name, equal bytes.  Zero-initialise; reserved must be zero
 * (fields added later take that space): ipe_eval() and ipe_eval_indexed()
 * reject non-zero reserved space with -EINVAL. */
struct ipe_event {
	bool has_file;            /* false: no file; every other field is ignored */
	bool boot_verified;       /* on the rootfs the initramfs populated */
	bool dmverity;            /* on a dm-verity volume (dmv_* valid) */
	bool dmverity_signed;     /* that volume's root hash signature verified */
	const char *dmv_alg;      /* e.g. "sha256" */
	const uint8_t *dmv_roothash;
	size_t dmv_roothash_len;
	bool fsverity;            /* fs-verity enabled on the file (fsv_* valid) */
	bool fsverity_signed;     /* fs-verity builtin signature verified */
	const char *fsv_alg;      /* "sha256" or "sha512" */
	const uint8_t *fsv_digest;
	size_t fsv_digest_len;
	uint64_t reserved[4];        /* must be zero */
};

/* Does one property hold for ev?  k NULL = every property compiled in. */
IPE_EXPORT bool ipe_eval_prop(const struct ipe_policy *p, const struct ipe_prop *prop, const struct ipe_event *ev,
		   const struct ipe_eval_kernel *k);
/* Does a rule match ev (all its properties hold; none = always)? */
IPE_EXPORT bool ipe_eval_rule(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_event *ev,
		   const struct ipe_eval_kernel *k);

enum ipe_decided_by {
	IPE_DECIDED_BY_RULE = 0,        /* rule: ipe_policy_rule(p, op, rule) */
	IPE_DECIDED_BY_OP_DEFAULT,
	IPE_DECIDED_BY_GLOBAL_DEFAULT,
	IPE_DECIDED_BY_NOTHING,         /* no default applies: ALLOW (also: no policy) */
};

/* A result: the library zeroes the whole struct, reserved included (fields
 * added later take that space). */
struct ipe_decision {
	enum ipe_action action;
	enum ipe_decided_by by;
	size_t rule;                    /* valid when by == IPE_DECIDED_BY_RULE */
	uint64_t reserved[4];        /* zeroed by the library */
};

/* The kernel's decision for ev under op.  p NULL = no active policy (ALLOW);
 * op IPE_OP_INVALID (or any value >= IPE_OP_COUNT) = an event the kernel cannot
 * classify: the global DEFAULT applies.  Returns 0 or -EINVAL. */
IPE_EXPORT int ipe_eval(const struct ipe_policy *p, int op, const struct ipe_event *ev, const struct ipe_eval_kernel *k,
	     struct ipe_decision *ret_decision);

/* ---- an index for many events under one policy ---- */

/* Rules that name an fs-verity digest or a dm-verity root hash can only
 * match events carrying that digest: the index groups them by it, so that
 * ipe_eval_indexed() looks only at the rules without a digest and at those
 * naming the event's digests (in file order, each checked with
 * ipe_eval_rule(), the first match deciding, then the DEFAULTs exactly as
 * ipe_eval()).  Same decision as ipe_eval() for every event; cost per event
 * O(rules without digests + rules naming its digests + log rules). */
struct ipe_eval_index;

/* Build the index of p for kernel k (NULL = all properties; kept by
 * reference, as is p: both must outlive the index).  Returns 0, -EINVAL or
 * -ENOMEM. */
IPE_EXPORT int ipe_eval_index_new(const struct ipe_policy *p, const struct ipe_eval_kernel *k,
		       struct ipe_eval_index **ret_index);
IPE_EXPORT void ipe_eval_index_free(struct ipe_eval_index *x);
/* ipe_eval(p, op, ev, k) through the index.  Returns 0 or -EINVAL. */
IPE_EXPORT int ipe_eval_indexed(const struct ipe_eval_index *x, int op, const struct ipe_event *ev,
		     struct ipe_decision *ret_decision);

/* ---- static view of a rule (for analyses: linter, optimizer) ---- */

/* Why a rule can never match anything. */
enum ipe_never_reason {
	IPE_NEVER_NOT = 0,           /* it can match */
	IPE_NEVER_CONTRADICTION,     /* X=TRUE and X=FALSE */
	IPE_NEVER_TWO_DIGESTS,       /* two different digests of the same kind */
	IPE_NEVER_BOOT_VERITY,       /* boot_verified=TRUE with a verity property */
	IPE_NEVER_COMPILED_OUT,      /* a property the kernel was built without */
	IPE_NEVER_BAD_DIGEST,        /* a digest no kernel file/volume can have */
};

/* A rule as a constraint on events.  tri-states: -1 any, 0 FALSE, 1 TRUE.
 * A result: the library zeroes the whole struct, reserved included. */
struct ipe_rule_constraint {
	int8_t boot_verified, dmv_sig, fsv_sig;
	const struct ipe_prop *dmv;  /* required dm-verity root hash, NULL = any */
	const struct ipe_prop *fsv;  /* required fs-verity digest, NULL = any */
	enum ipe_never_reason never; /* != NOT: the rule never matches */
	const struct ipe_prop *never_prop; /* the property responsible (NULL if none) */
	const struct ipe_prop *never_other; /* the property it conflicts with, if any */
	uint64_t reserved[4];        /* zeroed by the library */
};

/* Compute the constraint of a rule.  Every event matching r satisfies it and
 * vice versa (given the kernel's properties k; NULL = all).  It is derived
 * from the one model of the events a rule matches (the one the equivalence
 * checker, the optimiser, diff and lint use); never is set when no event a
 * kernel can produce matches, and then the tri-states and digests say
 * nothing. */
IPE_EXPORT void ipe_rule_constraint(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_eval_kernel *k,
			 struct ipe_rule_constraint *ret);

/* Kernel digest equality: same length, same algorithm name, same bytes. */
IPE_EXPORT bool ipe_prop_digest_equal(const struct ipe_policy *p, const struct ipe_prop *a, const struct ipe_prop *b);

/* Could some file or volume on a kernel ever carry this digest?  False for an
 * empty algorithm or hex, an algorithm name the kernel never uses (uppercase,
 * "sha-256"), a length that does not fit the algorithm, and for
 * fsverity_digest an algorithm fs-verity does not support. */
IPE_EXPORT bool ipe_prop_digest_possible(const struct ipe_policy *p, const struct ipe_prop *prop);

/* Digest size in bytes of a kernel hash algorithm name; 0 if unknown. */
IPE_EXPORT size_t ipe_hash_alg_size(const char *alg);
/* Is alg one fs-verity supports (sha256, sha512)? */
IPE_EXPORT bool ipe_fsverity_alg_supported(const char *alg);

#ifdef __cplusplus
}
#endif
#endif
