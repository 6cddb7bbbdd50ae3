/* SPDX-License-Identifier: MIT */
/* Building the policy model (internal). */
#ifndef IPE_MODEL_H
#define IPE_MODEL_H

#include <ipe/policy.h>

int ipe_policy_new(uint32_t src, struct ipe_policy **ret_policy);
/* Intern an algorithm name; returns its index or a negative errno. */
int ipe_policy_intern_alg(struct ipe_policy *p, const char *alg, size_t len);
/* Append a property; digest bytes are copied into the pool. */
int ipe_policy_push_prop(struct ipe_policy *p, const struct ipe_prop *tmpl, const uint8_t *digest,
			 size_t digest_len);
int ipe_policy_push_rule(struct ipe_policy *p, const struct ipe_rule *r);
/* Drop properties (and their digest bytes) appended since a mark. */
void ipe_policy_truncate_props(struct ipe_policy *p, size_t nprops, size_t pool_len);

#endif
