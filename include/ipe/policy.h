/* SPDX-License-Identifier: MIT */
/*
 * libipe: the IPE policy model, the parser front end, the kernel verdict and
 * the canonical text emitter.
 *
 * The model is read-only for users of the library: build it with
 * ipe_policy_parse() (or ipe_policy_parse_source(), ipe_policy_load_binary(),
 * ipe_compile()), inspect the public fields, free it with ipe_policy_free().
 * Only the library allocates a struct ipe_policy (its allocator state is
 * private, after the public fields): never allocate, copy or embed one.
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

/* Property flags */
#define IPE_PROPF_UPPER_HEX 0x01u /* the digest was written with uppercase hex */

struct ipe_prop {
	struct ipe_loc loc;   /* the whole token */
	uint8_t type;         /* enum ipe_prop_type */
	uint8_t flags;        /* IPE_PROPF_* */
	uint16_t alg;         /* digests: index into policy->algs */
	uint32_t digest_len;  /* digests: bytes */
	uint64_t digest_off;  /* digests: offset into policy->digest_pool */
};

/* 40 bytes: a 1M-rule policy holds a million of these.  The action token's
 * location is not kept (nothing reported on it; it is the last token of the
 * rule's line). */
struct ipe_rule {
	struct ipe_loc loc;   /* the first token of the rule (op=...) */
	uint8_t op;           /* enum ipe_op */
	uint8_t action;       /* enum ipe_action */
	uint16_t pad;
	uint32_t nprops;
	uint64_t first_prop;  /* index into policy->props */
};

struct ipe_op_table {
	int8_t default_action;          /* enum ipe_action, IPE_ACTION_NONE if unset */
	struct ipe_loc default_loc;     /* the DEFAULT token */
	size_t nrules;
	struct ipe_rule *rules;         /* file order */
};

struct ipe_verdict {
	int err;             /* 0 = the kernel accepts; else a positive errno */
	struct ipe_loc loc;  /* the token the kernel failed on */
	const char *code;    /* the diagnostic code of the failure, NULL when accepted */
};

struct ipe_policy {
	uint32_t src;                   /* source index in the context */
	bool has_header;
	char *name;                     /* NUL-terminated; kernel names cannot hold NUL */
	size_t name_len;
	uint16_t version[3];
	struct ipe_loc header_loc, name_loc, version_loc;
	int8_t global_default;          /* enum ipe_action or IPE_ACTION_NONE */
	struct ipe_loc global_default_loc;
	struct ipe_op_table ops[IPE_OP_COUNT];
	struct ipe_prop *props;
	size_t nprops;
	uint8_t *digest_pool;
	size_t digest_pool_len;
	char **algs;                    /* interned algorithm names */
	size_t nalgs;
	size_t nrules;                  /* all ops */
	size_t text_len;                /* bytes the kernel parses (before the first NUL) */
	bool has_nul;                   /* a NUL byte truncated the input */
	struct ipe_verdict verdict;     /* what Linux would answer on new_policy */
};

/* Keyword tables */
IPE_EXPORT const char *ipe_op_name(enum ipe_op op);           /* "EXECUTE" */
IPE_EXPORT const char *ipe_action_name(enum ipe_action a);    /* "ALLOW" */
IPE_EXPORT const char *ipe_prop_key(enum ipe_prop_type t);    /* "boot_verified" */
IPE_EXPORT const char *ipe_prop_token(enum ipe_prop_type t);  /* "boot_verified=TRUE"; NULL for digests */
IPE_EXPORT bool ipe_prop_is_digest(enum ipe_prop_type t);

/* Parse one source already registered in ctx.  Always produces a model
 * (best effort when the text is invalid) in *ret_policy, records every
 * syntax error as a diagnostic and sets policy->verdict to what the kernel
 * would answer.  Returns 0, or a negative errno when parsing could not run
 * (-ENOMEM, -EFBIG for inputs over 4 GiB). */
IPE_EXPORT int ipe_policy_parse(struct ipe_ctx *ctx, uint32_t src, struct ipe_policy **ret_policy);

/* Convenience: the kernel verdict of a text.  The text is copied into a new
 * source of ctx under the given name; its diagnostics are added to ctx (print
 * them with ipe_diag_render_text()); ret_verdict->loc refers to that source. */
IPE_EXPORT int ipe_policy_verdict_text(struct ipe_ctx *ctx, const char *name, const void *text, size_t len,
			    struct ipe_verdict *ret_verdict);

/* Free a model (NULL is fine). */
IPE_EXPORT void ipe_policy_free(struct ipe_policy *p);

/* A digest property's bytes (prop->digest_len of them) and algorithm name
 * (NULL for a property that is no digest); a rule's properties (r->nprops
 * of them). */
IPE_EXPORT const uint8_t *ipe_prop_digest(const struct ipe_policy *p, const struct ipe_prop *prop);
IPE_EXPORT const char *ipe_prop_alg(const struct ipe_policy *p, const struct ipe_prop *prop);
IPE_EXPORT const struct ipe_prop *ipe_rule_props(const struct ipe_policy *p, const struct ipe_rule *r);

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
