/* SPDX-License-Identifier: MIT */
/* ipe_explain(): the decision for one event and what decided it, by THE
 * evaluator (ipe_eval), with the rule as the policy and the audit log show it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/explain.h>

#include "compiler/model.h"
#include "explain-internal.h"
#include "util/internal.h"
#include "util/kwtable.h"
#include "util/opts.h"

/* n bytes as upper-case hex, as the kernel's audit records write them */
static void put_hex_upper(struct ipe_sbuf *b, const void *data, size_t n)
{
	char *o = ipe_sbuf_reserve(b, 2 * n);

	if (!o)
		return;
	ipe_hex_encode_case(o, data, n, true);
	b->len += 2 * n;
}

void ipe_audit_untrusted_put(struct ipe_sbuf *b, const char *s, size_t len)
{
	bool plain = true;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c < 0x21 || c > 0x7e) {
			plain = false;
			break;
		}
	}
	if (plain) {
		ipe_sbuf_put(b, "\"", 1);
		ipe_sbuf_put(b, s, len);
		ipe_sbuf_put(b, "\"", 1);
		return;
	}
	put_hex_upper(b, s, len);
}

void ipe_audit_rule_put(struct ipe_sbuf *b, const struct ipe_policy *p, const struct ipe_rule *r)
{
	const struct ipe_prop *props = ipe_rule_props(p, r);

	ipe_sbuf_printf(b, IPE_KW_OP_KEY "%s ", ipe_op_name((enum ipe_op)r->op));
	for (uint32_t i = 0; i < r->nprops; i++) {
		const struct ipe_prop *pr = &props[i];

		if (ipe_prop_is_digest((enum ipe_prop_type)pr->type)) {
			const char *alg = ipe_prop_alg(p, pr);
			const uint8_t *d = ipe_prop_digest(p, pr);

			ipe_sbuf_printf(b, "%s=", ipe_prop_key((enum ipe_prop_type)pr->type));
			ipe_audit_untrusted_put(b, alg, strlen(alg));
			ipe_sbuf_put(b, ":", 1);
			put_hex_upper(b, d, pr->digest_len);
		} else {
			ipe_sbuf_str(b, ipe_prop_token((enum ipe_prop_type)pr->type));
		}
		ipe_sbuf_put(b, " ", 1);
	}
	ipe_sbuf_printf(b, IPE_KW_ACTION_KEY "%s", ipe_action_name((enum ipe_action)r->action));
}

void ipe_explanation_clear(struct ipe_explanation *x)
{
	if (!x)
		return;
	free(x->rule);
	free(x->audit_rule);
	memset(x, 0, sizeof(*x));
}

int ipe_explain(const struct ipe_policy *p, const struct ipe_eval_index *idx, const struct ipe_explain_event *e,
		const struct ipe_eval_kernel *k, struct ipe_explanation *ret)
{
	struct ipe_explanation x = { 0 };
	struct ipe_sbuf canon = { 0 }, audit = { 0 };
	struct ipe_event ev;
	const char *act;
	int rc;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if (!e || (p && p->verdict.err) || IPE_RESERVED_CHECK(e) || IPE_RESERVED_CHECK(k))
		return -EINVAL;
	ipe_explain_event_view(e, &ev);
	x.op = e->op;
	rc = p && idx ? ipe_eval_indexed(idx, e->op, &ev, &x.decision) : ipe_eval(p, e->op, &ev, k, &x.decision);
	if (rc < 0)
		return rc;
	act = ipe_action_name(x.decision.action);
	switch (x.decision.by) {
	case IPE_DECIDED_BY_RULE: {
		const struct ipe_rule *r = &p->ops[e->op].rules[x.decision.rule];
		char *t = NULL;

		x.line = r->loc.line;
		rc = ipe_rule_format(p, r, &t);
		if (rc < 0)
			goto out;
		ipe_sbuf_str(&canon, t);
		free(t);
		ipe_audit_rule_put(&audit, p, r);
		break;
	}
	case IPE_DECIDED_BY_OP_DEFAULT:
		x.line = p->ops[e->op].default_loc.line;
		ipe_sbuf_printf(&canon, IPE_KW_DEFAULT_WORD " " IPE_KW_OP_KEY "%s " IPE_KW_ACTION_KEY "%s", ipe_op_name((enum ipe_op)e->op), act);
		ipe_sbuf_printf(&audit, IPE_KW_DEFAULT_WORD " " IPE_KW_OP_KEY "%s " IPE_KW_ACTION_KEY "%s", ipe_op_name((enum ipe_op)e->op), act);
		break;
	case IPE_DECIDED_BY_GLOBAL_DEFAULT:
		x.line = p->global_default_loc.line;
		ipe_sbuf_printf(&canon, IPE_KW_DEFAULT_WORD " " IPE_KW_ACTION_KEY "%s", act);
		ipe_sbuf_printf(&audit, IPE_KW_DEFAULT_WORD " " IPE_KW_ACTION_KEY "%s", act);
		break;
	default:
		/* no DEFAULT applies (an op the kernel cannot classify and no
		 * global DEFAULT): the kernel allows and audits the global match */
		ipe_sbuf_str(&canon, "");
		ipe_sbuf_printf(&audit, IPE_KW_DEFAULT_WORD " " IPE_KW_ACTION_KEY "%s", act);
		break;
	}
	x.rule = ipe_sbuf_take(&canon, NULL);
	x.audit_rule = ipe_sbuf_take(&audit, NULL);
	if (!x.rule || !x.audit_rule) {
		rc = -ENOMEM;
		goto out;
	}
	*ret = x;
	memset(&x, 0, sizeof(x));
	rc = 0;
out:
	free(canon.s);
	free(audit.s);
	ipe_explanation_clear(&x);
	return rc;
}
