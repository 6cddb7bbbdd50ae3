/* SPDX-License-Identifier: MIT */
/* The canonical kernel text of a policy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>

#include "compiler/model.h"
#include "util/internal.h"
#include "util/kwtable.h"
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

	ipe_sbuf_str(b, IPE_KW_OP_KEY);
	ipe_sbuf_str(b, ipe_op_name(r->op));
	for (uint32_t i = 0; i < r->nprops; i++) {
		ipe_sbuf_put(b, " ", 1);
		sb_prop(b, p, &pr[i]);
	}
	ipe_sbuf_str(b, " " IPE_KW_ACTION_KEY);
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

/* Kept next to the emitter: the same layout, counted instead of written
 * (the test suite checks both agree). */
static size_t ndigits(unsigned v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

size_t ipe_policy_canonical_length(const struct ipe_policy *p)
{
	static const size_t action_len[2] = { 5, 4 }; /* ALLOW, DENY */
	size_t n, alg_len[64], prop_len[IPE_PROP_COUNT];
	bool digest[IPE_PROP_COUNT];
	size_t nalgs = p->nalgs < 64 ? p->nalgs : 64;

	for (size_t a = 0; a < nalgs; a++)
		alg_len[a] = strlen(p->algs[a]);
	/* " TOKEN", or " KEY=" and the ':' of "ALG:HEX" (once per type, not per property) */
	for (int t = 0; t < IPE_PROP_COUNT; t++) {
		digest[t] = ipe_prop_is_digest((enum ipe_prop_type)t);
		prop_len[t] = digest[t] ? 1 + strlen(ipe_prop_key((enum ipe_prop_type)t)) + 1 + 1
					: 1 + strlen(ipe_prop_token((enum ipe_prop_type)t));
	}
	/* policy_name=N policy_version=A.B.C\n */
	n = 12 + p->name_len + 16 + ndigits(p->version[0]) + 1 + ndigits(p->version[1]) + 1 +
	    ndigits(p->version[2]) + 1;
	if (p->global_default != IPE_ACTION_NONE)
		n += 15 + action_len[p->global_default == IPE_ACTION_DENY] + 1; /* DEFAULT action=X\n */
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *t = &p->ops[op];
		size_t opn = strlen(ipe_op_name(op));

		if (t->default_action != IPE_ACTION_NONE) /* DEFAULT op=O action=X\n */
			n += 11 + opn + 8 + action_len[t->default_action == IPE_ACTION_DENY] + 1;
		for (size_t i = 0; i < t->nrules; i++) {
			const struct ipe_rule *r = &t->rules[i];
			const struct ipe_prop *pr = ipe_rule_props(p, r);

			/* op=O[ PROP]... action=X\n */
			n += 3 + opn + 8 + action_len[r->action == IPE_ACTION_DENY] + 1;
			for (uint32_t k = 0; k < r->nprops; k++) {
				n += prop_len[pr[k].type];
				if (digest[pr[k].type])
					n += (pr[k].alg < nalgs ? alg_len[pr[k].alg] : strlen(p->algs[pr[k].alg])) +
					     2 * (size_t)pr[k].digest_len;
			}
		}
	}
	return n;
}

int ipe_policy_emit_canonical(const struct ipe_policy *p, char **ret_text, size_t *ret_len)
{
	struct ipe_sbuf b = { 0 };

	if (!p || !ret_text)
		return -EINVAL;
	if (p->verdict.err || !p->has_header)
		return -EINVAL;
	ipe_sbuf_str(&b, ipe_kw_header_token(IPE_KW_HEADER_NAME));
	ipe_sbuf_put(&b, p->name, p->name_len);
	ipe_sbuf_printf(&b, " %s%u.%u.%u\n", ipe_kw_header_token(IPE_KW_HEADER_VERSION), p->version[0], p->version[1],
			p->version[2]);
	if (p->global_default != IPE_ACTION_NONE) {
		ipe_sbuf_str(&b, IPE_KW_DEFAULT_WORD " " IPE_KW_ACTION_KEY);
		ipe_sbuf_str(&b, ipe_action_name(p->global_default));
		ipe_sbuf_put(&b, "\n", 1);
	}
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *t = &p->ops[op];

		if (t->default_action != IPE_ACTION_NONE) {
			ipe_sbuf_str(&b, IPE_KW_DEFAULT_WORD " " IPE_KW_OP_KEY);
			ipe_sbuf_str(&b, ipe_op_name(op));
			ipe_sbuf_str(&b, " " IPE_KW_ACTION_KEY);
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
