/* SPDX-License-Identifier: MIT */
/* The canonical kernel text of a policy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>

#include "util/internal.h"

struct sbuf {
	char *s;
	size_t len, cap;
	int err;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (ipe_vec_reserve((void **)&b->s, &b->cap, b->len + n + 1, 1)) {
		b->err = -ENOMEM;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_u16(struct sbuf *b, unsigned v)
{
	char tmp[8];
	int n = snprintf(tmp, sizeof(tmp), "%u", v);

	sb_put(b, tmp, (size_t)n);
}

static void sb_prop(struct sbuf *b, const struct ipe_policy *p, const struct ipe_prop *pr)
{
	static const char hex[] = "0123456789abcdef";

	if (!ipe_prop_is_digest(pr->type)) {
		sb_str(b, ipe_prop_token(pr->type));
		return;
	}
	sb_str(b, ipe_prop_key(pr->type));
	sb_put(b, "=", 1);
	sb_str(b, ipe_prop_alg(p, pr));
	sb_put(b, ":", 1);
	{
		const uint8_t *d = ipe_prop_digest(p, pr);

		if (ipe_vec_reserve((void **)&b->s, &b->cap, b->len + 2 * (size_t)pr->digest_len + 1, 1)) {
			b->err = -ENOMEM;
			return;
		}
		for (uint32_t i = 0; i < pr->digest_len; i++) {
			b->s[b->len++] = hex[d[i] >> 4];
			b->s[b->len++] = hex[d[i] & 15];
		}
		b->s[b->len] = '\0';
	}
}

static void sb_rule(struct sbuf *b, const struct ipe_policy *p, const struct ipe_rule *r)
{
	const struct ipe_prop *pr = ipe_rule_props(p, r);

	sb_str(b, "op=");
	sb_str(b, ipe_op_name(r->op));
	for (uint32_t i = 0; i < r->nprops; i++) {
		sb_put(b, " ", 1);
		sb_prop(b, p, &pr[i]);
	}
	sb_str(b, " action=");
	sb_str(b, ipe_action_name(r->action));
}

int ipe_rule_format(const struct ipe_policy *p, const struct ipe_rule *r, char **ret_text)
{
	struct sbuf b = { 0 };

	if (!p || !r || !ret_text)
		return -EINVAL;
	sb_rule(&b, p, r);
	if (b.err) {
		free(b.s);
		return b.err;
	}
	*ret_text = b.s;
	return 0;
}

int ipe_policy_emit_canonical(const struct ipe_policy *p, char **ret_text, size_t *ret_len)
{
	struct sbuf b = { 0 };

	if (!p || !ret_text)
		return -EINVAL;
	if (p->verdict.err || !p->has_header)
		return -EINVAL;
	sb_str(&b, "policy_name=");
	sb_put(&b, p->name, p->name_len);
	sb_str(&b, " policy_version=");
	sb_u16(&b, p->version[0]);
	sb_put(&b, ".", 1);
	sb_u16(&b, p->version[1]);
	sb_put(&b, ".", 1);
	sb_u16(&b, p->version[2]);
	sb_put(&b, "\n", 1);
	if (p->global_default != IPE_ACTION_NONE) {
		sb_str(&b, "DEFAULT action=");
		sb_str(&b, ipe_action_name(p->global_default));
		sb_put(&b, "\n", 1);
	}
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *t = &p->ops[op];

		if (t->default_action != IPE_ACTION_NONE) {
			sb_str(&b, "DEFAULT op=");
			sb_str(&b, ipe_op_name(op));
			sb_str(&b, " action=");
			sb_str(&b, ipe_action_name(t->default_action));
			sb_put(&b, "\n", 1);
		}
		for (size_t i = 0; i < t->nrules; i++) {
			sb_rule(&b, p, &t->rules[i]);
			sb_put(&b, "\n", 1);
		}
	}
	if (b.err) {
		free(b.s);
		return b.err;
	}
	*ret_text = b.s;
	if (ret_len)
		*ret_len = b.len;
	return 0;
}
