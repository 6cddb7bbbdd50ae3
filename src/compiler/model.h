/* SPDX-License-Identifier: MIT */
/* Building the policy model (internal). */
#ifndef IPE_MODEL_H
#define IPE_MODEL_H

#include <ipe/policy.h>

struct ipe_hmap;

/* What ipe_policy_new() allocates: the public model, then its allocator
 * state (not in the public header, so it can change without an ABI break). */
struct ipe_policy_store {
	struct ipe_policy pub;          /* first: every struct ipe_policy is one */
	size_t props_cap, digest_pool_cap, algs_cap;
	size_t rules_cap[IPE_OP_COUNT];
	struct ipe_hmap *alg_index;     /* algorithm name hash -> index into algs */
};

static inline struct ipe_policy_store *ipe_policy_store(struct ipe_policy *p)
{
	return (struct ipe_policy_store *)p;
}

/* The first kernel release (IPE_REL(major, minor), lexer/kwtable.h) that
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

#endif
