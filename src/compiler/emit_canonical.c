/* SPDX-License-Identifier: MIT */
/* The canonical kernel text of a policy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>

#include "util/internal.h"
#include "util/sbuf.h"

static void sb_prop(struct ipe_sbuf *b, const struct ipe_policy *p, const struct ipe_prop *pr)
{
	if (!ipe_prop_is_digest(pr->type)) {
		ipe_sbuf_str(b, ipe_prop_token(pr->type));
		return;
	}
	ipe_sbuf_str(b, ipe_prop_key(pr->type));
	ipe_sbuf_put(b, "=", 1);
	ipe_sbuf_str(b, ipe_prop_alg(p, pr));
	ipe_sbuf_put(b, ":", 1);
	{
		const uint8_t *d = ipe_prop_digest(p, pr);
		char *o = ipe_sbuf_reserve(b, 2 * (size_t)pr->digest_len);

		if (!o)
			return;
		ipe_hex_encode(o, d, pr->digest_len);
		b->len += 2 * (size_t)pr->digest_len;
	}
}

static void sb_rule(struct ipe_sbuf *b, const struct ipe_policy *p, const struct ipe_rule *r)
{
	const struct ipe_prop *pr = ipe_rule_props(p, r);

	ipe_sbuf_str(b, "op=");
	ipe_sbuf_str(b, ipe_op_name(r->op));
	for (uint32_t i = 0; i < r->nprops; i++) {
		ipe_sbuf_put(b, " ", 1);
		sb_prop(b, p, &pr[i]);
	}
	ipe_sbuf_str(b, " action=");
	ipe_sbuf_str(b, ipe_action_name(r->action));
}

int ipe_rule_format(const struct ipe_policy *p, const struct ipe_rule *r, char **ret_text)
{
	struct ipe_sbuf b = { 0 };

	if (!p || !r || !ret_text)
		return -EINVAL;
	sb_rule(&b, p, r);
	*ret_text = ipe_sbuf_take(&b, NULL);
	return *ret_text ? 0 : -ENOMEM;
}

int ipe_policy_emit_canonical(const struct ipe_policy *p, char **ret_text, size_t *ret_len)
{
	struct ipe_sbuf b = { 0 };

	if (!p || !ret_text)
		return -EINVAL;
	if (p->verdict.err || !p->has_header)
		return -EINVAL;
	ipe_sbuf_str(&b, "policy_name=");
	ipe_sbuf_put(&b, p->name, p->name_len);
	ipe_sbuf_printf(&b, " policy_version=%u.%u.%u\n", p->version[0], p->version[1], p->version[2]);
	if (p->global_default != IPE_ACTION_NONE) {
		ipe_sbuf_str(&b, "DEFAULT action=");
		ipe_sbuf_str(&b, ipe_action_name(p->global_default));
		ipe_sbuf_put(&b, "\n", 1);
	}
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *t = &p->ops[op];

		if (t->default_action != IPE_ACTION_NONE) {
			ipe_sbuf_str(&b, "DEFAULT op=");
			ipe_sbuf_str(&b, ipe_op_name(op));
			ipe_sbuf_str(&b, " action=");
			ipe_sbuf_str(&b, ipe_action_name(t->default_action));
			ipe_sbuf_put(&b, "\n", 1);
		}
		for (size_t i = 0; i < t->nrules; i++) {
			sb_rule(&b, p, &t->rules[i]);
			ipe_sbuf_put(&b, "\n", 1);
		}
	}
	*ret_text = ipe_sbuf_take(&b, ret_len);
	return *ret_text ? 0 : -ENOMEM;
}
