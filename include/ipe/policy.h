/* SPDX-License-Identifier: MIT */
/*
 * libipe: the IPE policy model, the parser front end, the kernel verdict and
 * the canonical text emitter.
 *
 * The model is read-only for users of the library: build it with
 * ipe_policy_parse() (or ipe_policy_parse_source(), ipe_policy_load_binary(),
 * ipe_compile()), read it through the accessors below, free it with
 * ipe_policy_free().  struct ipe_policy, struct ipe_rule and struct ipe_prop
 * are opaque: their layout is private to the library and may change without
 * an ABI break; callers hold pointers handed out by the library, which stay
 * valid until the policy is freed (or changed by ipe_policy_optimize(),
 * ipe_policy_set_name()...).  struct ipe_verdict is plain data and stable.
 */
#ifndef IPE_POLICY_H
#define IPE_POLICY_H

#include <ipe/export.h>

#include <ipe/diag.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Operations, in the kernel's order (enum ipe_op_type in 6.12). */
enum ipe_op {
	IPE_OP_EXECUTE = 0,
	IPE_OP_FIRMWARE,
	IPE_OP_KMODULE,
	IPE_OP_KEXEC_IMAGE,
	IPE_OP_KEXEC_INITRAMFS,
	IPE_OP_POLICY,
	IPE_OP_X509_CERT,
	IPE_OP_COUNT,
	IPE_OP_INVALID = -1,
};

enum ipe_action {
	IPE_ACTION_NONE = -1, /* not set */
	IPE_ACTION_ALLOW = 0,
	IPE_ACTION_DENY = 1,
};

/* Properties, in the kernel's order. */
enum ipe_prop_type {
	IPE_PROP_BOOT_VERIFIED_FALSE = 0,
	IPE_PROP_BOOT_VERIFIED_TRUE,
	IPE_PROP_DMV_ROOTHASH,
	IPE_PROP_DMV_SIG_FALSE,
	IPE_PROP_DMV_SIG_TRUE,
	IPE_PROP_FSV_DIGEST,
	IPE_PROP_FSV_SIG_FALSE,
	IPE_PROP_FSV_SIG_TRUE,
	IPE_PROP_COUNT,
};

/* Property flags (ipe_prop_flags()) */
#define IPE_PROPF_UPPER_HEX 0x01u /* the digest was written with uppercase hex */

/* Opaque: a parsed policy, one of its rules, one property of a rule. */
struct ipe_policy;
struct ipe_rule;
struct ipe_prop;

/* What the kernel answers to a policy on new_policy: plain data, stable
 * (fields are only ever added at the end, and only in a new soname). */
struct ipe_verdict {
	int err;             /* 0 = the kernel accepts; else a positive errno */
	struct ipe_loc loc;  /* the token the kernel failed on */
	const char *code;    /* the diagnostic code of the failure, NULL when accepted */
	uint64_t reserved[4]; /* zeroed by the library */
};

/* Keyword tables */
IPE_EXPORT const char *ipe_op_name(enum ipe_op op);           /* "EXECUTE" */
IPE_EXPORT const char *ipe_action_name(enum ipe_action a);    /* "ALLOW" */
IPE_EXPORT const char *ipe_prop_key(enum ipe_prop_type t);    /* "boot_verified" */
IPE_EXPORT const char *ipe_prop_token(enum ipe_prop_type t);  /* "boot_verified=TRUE"; NULL for digests */
IPE_EXPORT bool ipe_prop_is_digest(enum ipe_prop_type t);

/* Parse one source already registered in ctx.  Always produces a model
 * (best effort when the text is invalid) in *ret_policy, records every
 * syntax error as a diagnostic and sets its verdict (ipe_policy_verdict())
 * to what the kernel would answer.  Returns 0, or a negative errno when parsing could not run
 * (-ENOMEM, -EFBIG for inputs over 4 GiB). */
IPE_EXPORT int ipe_policy_parse(struct ipe_ctx *ctx, uint32_t src, struct ipe_policy **ret_policy);

/* Convenience: the kernel verdict of a text.  The text is copied into a new
 * source of ctx under the given name; its diagnostics are added to ctx (print
 * them with ipe_diag_render_text()); ret_verdict->loc refers to that source. */
IPE_EXPORT int ipe_policy_verdict_text(struct ipe_ctx *ctx, const char *name, const void *text, size_t len,
			    struct ipe_verdict *ret_verdict);

/* Free a model (NULL is fine). */
IPE_EXPORT void ipe_policy_free(struct ipe_policy *p);

/* ---- reading a policy ----
 * Every accessor takes a policy (or rule, property) the library made and
 * returns what the kernel would see; none allocates.  op is an enum ipe_op
 * below IPE_OP_COUNT; an op out of range reads as an empty, unset op. */

/* What Linux would answer on new_policy (never NULL for a valid p). */
IPE_EXPORT const struct ipe_verdict *ipe_policy_verdict(const struct ipe_policy *p);
/* The index in its context of the source the policy was parsed from
 * (IPE_SRC_NONE for a decoded binary form or after ipe_policy_set_source()). */
IPE_EXPORT uint32_t ipe_policy_source(const struct ipe_policy *p);
/* Relabel the model as parsed from source src (of another context, or
 * IPE_SRC_NONE when its context is gone): the policy's source, used by lint
 * for whole-file findings, and its verdict's location.  Rule and property
 * locations keep their source index. */
IPE_EXPORT void ipe_policy_set_source(struct ipe_policy *p, uint32_t src);
/* Did the text have a policy_name=... header line? */
IPE_EXPORT bool ipe_policy_has_header(const struct ipe_policy *p);
/* The policy name, NUL-terminated ("" without a header); its length in bytes
 * in *ret_len when ret_len is not NULL (kernel names never hold a NUL). */
IPE_EXPORT const char *ipe_policy_name(const struct ipe_policy *p, size_t *ret_len);
/* policy_version=MAJOR.MINOR.REV (0.0.0 without a header). */
IPE_EXPORT void ipe_policy_version(const struct ipe_policy *p, uint16_t ret_version[3]);

/* Locations of the header's tokens (a zero location with src IPE_SRC_NONE
 * without a header). */
enum ipe_policy_part {
	IPE_POLICY_PART_HEADER = 0,    /* the header line (its first token) */
	IPE_POLICY_PART_NAME,          /* policy_name=... */
	IPE_POLICY_PART_VERSION,       /* policy_version=... */
};
IPE_EXPORT struct ipe_loc ipe_policy_loc(const struct ipe_policy *p, enum ipe_policy_part part);

/* The global DEFAULT action (IPE_ACTION_NONE if unset) and, when ret_loc is
 * not NULL, the location of its DEFAULT token. */
IPE_EXPORT enum ipe_action ipe_policy_default(const struct ipe_policy *p, struct ipe_loc *ret_loc);
/* The DEFAULT of op (IPE_ACTION_NONE if unset), its location likewise. */
IPE_EXPORT enum ipe_action ipe_policy_op_default(const struct ipe_policy *p, enum ipe_op op, struct ipe_loc *ret_loc);
/* Rules of all ops; of one op. */
IPE_EXPORT size_t ipe_policy_nrules(const struct ipe_policy *p);
IPE_EXPORT size_t ipe_policy_op_nrules(const struct ipe_policy *p, enum ipe_op op);
/* Rule i (file order, 0-based) of op; NULL when i >= ipe_policy_op_nrules().
 * ipe_decision.rule indexes these.  The pointer is a handle for the rule
 * accessors below and the functions taking a rule (ipe_eval_rule(),
 * ipe_rule_format(), ipe_rule_constraint()). */
IPE_EXPORT const struct ipe_rule *ipe_policy_rule(const struct ipe_policy *p, enum ipe_op op, size_t i);
/* Bytes of the text the kernel parses (before the first NUL), and whether a
 * NUL byte cut the input there. */
IPE_EXPORT size_t ipe_policy_text_len(const struct ipe_policy *p);
IPE_EXPORT bool ipe_policy_has_nul(const struct ipe_policy *p);

/* A rule: its op, action, location (its first token, op=...), and
 * properties in the order written (property i, NULL when i >= nprops). */
IPE_EXPORT enum ipe_op ipe_rule_op(const struct ipe_rule *r);
IPE_EXPORT enum ipe_action ipe_rule_action(const struct ipe_rule *r);
IPE_EXPORT struct ipe_loc ipe_rule_loc(const struct ipe_rule *r);
IPE_EXPORT size_t ipe_rule_nprops(const struct ipe_rule *r);
IPE_EXPORT const struct ipe_prop *ipe_rule_prop(const struct ipe_policy *p, const struct ipe_rule *r, size_t i);

/* A property: its type (named _get_ because enum ipe_prop_type is taken),
 * IPE_PROPF_* flags, location (the whole token).  For a digest property its
 * bytes (ipe_prop_digest_len() of them) and algorithm name; for any other
 * property NULL and 0. */
IPE_EXPORT enum ipe_prop_type ipe_prop_get_type(const struct ipe_prop *prop);
IPE_EXPORT unsigned ipe_prop_flags(const struct ipe_prop *prop);
IPE_EXPORT struct ipe_loc ipe_prop_loc(const struct ipe_prop *prop);
IPE_EXPORT size_t ipe_prop_digest_len(const struct ipe_prop *prop);
IPE_EXPORT const uint8_t *ipe_prop_digest(const struct ipe_policy *p, const struct ipe_prop *prop);
IPE_EXPORT const char *ipe_prop_alg(const struct ipe_policy *p, const struct ipe_prop *prop);

/* Canonical kernel text: LF line ends, single spaces, header first (version
 * printed canonically), the global DEFAULT, then for each op in kernel order
 * its DEFAULT and its rules in file order; lowercase hex; no comments.
 * Fails with -EINVAL when the policy's verdict is not "accepted".
 * *ret_text is malloc'd and NUL-terminated; *ret_len excludes the NUL. */
IPE_EXPORT int ipe_policy_emit_canonical(const struct ipe_policy *p, char **ret_text, size_t *ret_len);

/* The length in bytes of the canonical text of a policy with a header,
 * computed without writing it (size estimates of huge policies). */
IPE_EXPORT size_t ipe_policy_canonical_length(const struct ipe_policy *p);

/* Write one rule (or the rule-like DEFAULT lines) in canonical form into a
 * malloc'd string.  Used by the emitter and by diagnostics. */
IPE_EXPORT int ipe_rule_format(const struct ipe_policy *p, const struct ipe_rule *r, char **ret_text);

#ifdef __cplusplus
}
#endif
#endif
