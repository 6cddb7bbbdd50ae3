/* SPDX-License-Identifier: MIT */
/* The public accessors of the policy model (include/ipe/policy.h): the only
 * way a caller outside the library reads a policy, a rule or a property. */
#include <ipe/policy.h>

#include "compiler/model.h"

static const struct ipe_loc no_loc = { .src = IPE_SRC_NONE };

static bool op_ok(enum ipe_op op)
{
	return (int)op >= 0 && op < IPE_OP_COUNT;
}

const struct ipe_verdict *ipe_policy_verdict(const struct ipe_policy *p)
{
	return p ? &p->verdict : NULL;
}

uint32_t ipe_policy_source(const struct ipe_policy *p)
{
	return p ? p->src : IPE_SRC_NONE;
}

void ipe_policy_set_source(struct ipe_policy *p, uint32_t src)
{
	if (!p)
		return;
	p->src = src;
	p->verdict.loc.src = src;
}

bool ipe_policy_has_header(const struct ipe_policy *p)
{
	return p && p->has_header;
}

const char *ipe_policy_name(const struct ipe_policy *p, size_t *ret_len)
{
	const char *name = p && p->name ? p->name : "";

	if (ret_len)
		*ret_len = p && p->name ? p->name_len : 0;
	return name;
}

void ipe_policy_version(const struct ipe_policy *p, uint16_t ret_version[3])
{
	for (int i = 0; i < 3; i++)
		ret_version[i] = p ? p->version[i] : 0;
}

struct ipe_loc ipe_policy_loc(const struct ipe_policy *p, enum ipe_policy_part part)
{
	if (!p || !p->has_header)
		return no_loc;
	switch (part) {
	case IPE_POLICY_PART_HEADER:
		return p->header_loc;
	case IPE_POLICY_PART_NAME:
		return p->name_loc;
	case IPE_POLICY_PART_VERSION:
		return p->version_loc;
	}
	return no_loc;
}

enum ipe_action ipe_policy_default(const struct ipe_policy *p, struct ipe_loc *ret_loc)
{
	if (ret_loc)
		*ret_loc = p && p->global_default != IPE_ACTION_NONE ? p->global_default_loc : no_loc;
	return p ? (enum ipe_action)p->global_default : IPE_ACTION_NONE;
}

enum ipe_action ipe_policy_op_default(const struct ipe_policy *p, enum ipe_op op, struct ipe_loc *ret_loc)
{
	const struct ipe_op_table *t = p && op_ok(op) ? &p->ops[op] : NULL;

	if (ret_loc)
		*ret_loc = t && t->default_action != IPE_ACTION_NONE ? t->default_loc : no_loc;
	return t ? (enum ipe_action)t->default_action : IPE_ACTION_NONE;
}

size_t ipe_policy_nrules(const struct ipe_policy *p)
{
	return p ? p->nrules : 0;
}

size_t ipe_policy_op_nrules(const struct ipe_policy *p, enum ipe_op op)
{
	return p && op_ok(op) ? p->ops[op].nrules : 0;
}

const struct ipe_rule *ipe_policy_rule(const struct ipe_policy *p, enum ipe_op op, size_t i)
{
	if (!p || !op_ok(op) || i >= p->ops[op].nrules)
		return NULL;
	return &p->ops[op].rules[i];
}

size_t ipe_policy_text_len(const struct ipe_policy *p)
{
	return p ? p->text_len : 0;
}

bool ipe_policy_has_nul(const struct ipe_policy *p)
{
	return p && p->has_nul;
}

enum ipe_op ipe_rule_op(const struct ipe_rule *r)
{
	return r ? (enum ipe_op)r->op : IPE_OP_INVALID;
}

enum ipe_action ipe_rule_action(const struct ipe_rule *r)
{
	return r && r->action <= IPE_ACTION_DENY ? (enum ipe_action)r->action : IPE_ACTION_NONE;
}

struct ipe_loc ipe_rule_loc(const struct ipe_rule *r)
{
	return r ? r->loc : no_loc;
}

size_t ipe_rule_nprops(const struct ipe_rule *r)
{
	return r ? r->nprops : 0;
}

const struct ipe_prop *ipe_rule_prop(const struct ipe_policy *p, const struct ipe_rule *r, size_t i)
{
	if (!p || !r || i >= r->nprops)
		return NULL;
	return &p->props[r->first_prop + i];
}

enum ipe_prop_type ipe_prop_get_type(const struct ipe_prop *prop)
{
	return prop ? (enum ipe_prop_type)prop->type : IPE_PROP_COUNT;
}

unsigned ipe_prop_flags(const struct ipe_prop *prop)
{
	return prop ? prop->flags : 0;
}

struct ipe_loc ipe_prop_loc(const struct ipe_prop *prop)
{
	return prop ? prop->loc : no_loc;
}

size_t ipe_prop_digest_len(const struct ipe_prop *prop)
{
	return prop && ipe_prop_is_digest(prop->type) ? prop->digest_len : 0;
}
