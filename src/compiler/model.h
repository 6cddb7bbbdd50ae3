/* SPDX-License-Identifier: MIT */
/* The policy model (internal): the fields behind the opaque types of
 * <ipe/policy.h>, and building them. */
#ifndef IPE_MODEL_H
#define IPE_MODEL_H

#include <ipe/policy.h>

struct ipe_hmap;

/* The model behind the opaque types of <ipe/policy.h>.  Only the library
 * sees these fields; callers use the accessors (src/compiler/access.c). */
/* 32 bytes, as struct ipe_rule: a 600k-rule policy holds 600k of each
 * (every byte of them is a page the parse touches).  The digest pool and the
 * property count stay below 4 GiB (ipe_policy_push_prop() refuses more). */
struct ipe_prop {
	struct ipe_loc loc;   /* the whole token */
	uint8_t type;         /* enum ipe_prop_type */
	uint8_t flags;        /* IPE_PROPF_* */
	uint16_t alg;         /* digests: index into policy->algs */
	uint32_t digest_len;  /* digests: bytes */
	uint32_t digest_off;  /* digests: offset into policy->digest_pool */
};

/* The action token's location is not kept (nothing reported on it; it is
 * the last token of the rule's line). */
struct ipe_rule {
	struct ipe_loc loc;   /* the first token of the rule (op=...) */
	uint8_t op;           /* enum ipe_op */
	uint8_t action;       /* enum ipe_action */
	uint16_t pad;
	uint32_t nprops;
	uint32_t first_prop;  /* index into policy->props */
};

struct ipe_op_table {
	int8_t default_action;          /* enum ipe_action, IPE_ACTION_NONE if unset */
	struct ipe_loc default_loc;     /* the DEFAULT token */
	size_t nrules, rules_cap;
	struct ipe_rule *rules;         /* file order */
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
	size_t nprops, props_cap;
	uint8_t *digest_pool;
	size_t digest_pool_len, digest_pool_cap;
	char **algs;                    /* interned algorithm names */
	size_t nalgs, algs_cap;
	struct ipe_hmap *alg_index;     /* algorithm name hash -> index into algs */
	uint64_t (*alg_seed)[2];        /* per alg: the hash of (root hash | fs-verity digest
					 * type, name) that ipe_prop_digest_hash() goes on from */
	size_t alg_seed_cap;
	size_t nrules;                  /* all ops */
	size_t text_len;                /* bytes the kernel parses (before the first NUL) */
	bool has_nul;                   /* a NUL byte truncated the input */
	bool big;                       /* from an input of IPE_MEM_BIG_INPUT bytes or more: its
					 * arrays and lint's go to huge pages early (util/mem.c) */
	struct ipe_verdict verdict;     /* what Linux would answer on new_policy */
};

/* A rule's properties (r->nprops of them), NULL when it has none (inline:
 * the rule walks of lint and the emitters call it per rule). */
static inline const struct ipe_prop *ipe_rule_props(const struct ipe_policy *p, const struct ipe_rule *r)
{
	if (!p || !r || r->nprops == 0)
		return NULL;
	return p->props + r->first_prop;
}


/* The first kernel release (IPE_REL(major, minor), util/kwtable.h) that
 * has an op or a property; 0 for a value out of range. */
unsigned ipe_op_since(enum ipe_op op);
unsigned ipe_prop_since(enum ipe_prop_type t);

int ipe_policy_new(uint32_t src, struct ipe_policy **ret_policy);
/* Intern an algorithm name; returns its index or a negative errno. */
int ipe_policy_intern_alg(struct ipe_policy *p, const char *alg, size_t len);
/* Append a property; digest bytes are copied into the pool. */
int ipe_policy_push_prop(struct ipe_policy *p, const struct ipe_prop *tmpl, const uint8_t *digest,
			 size_t digest_len);
int ipe_policy_push_rule(struct ipe_policy *p, const struct ipe_rule *r);
/* Drop properties (and their digest bytes) appended since a mark. */
void ipe_policy_truncate_props(struct ipe_policy *p, size_t nprops, size_t pool_len);

/* ---- digest identity (src/compiler/model.c): every table of digests
 * (lint, equivalence, diff, optimiser, evaluator index) hashes and compares
 * with these ---- */

/* The hash of a digest value: property type, algorithm name, bytes. */
uint64_t ipe_digest_hash(int type, const char *alg, const uint8_t *digest, size_t len);
uint64_t ipe_prop_digest_hash(const struct ipe_policy *p, const struct ipe_prop *prop);
/* The kernel's comparison of a digest property with a file's digest:
 * same algorithm name, same length, same bytes. */
bool ipe_prop_digest_is(const struct ipe_policy *p, const struct ipe_prop *prop, const char *alg,
			const uint8_t *digest, size_t len);
/* Two digest properties name the same value (also of two policies). */
bool ipe_prop_digest_same(const struct ipe_policy *pa, const struct ipe_prop *a, const struct ipe_policy *pb,
			  const struct ipe_prop *b);

/* Every report file's reserved words are zero (emit_json.c; the renderers
 * of include/ipe/report.h and lint.h reject others with -EINVAL). */
struct ipe_report_file;
bool ipe_report_files_ok(const struct ipe_report_file *files, size_t nfiles);

#endif
