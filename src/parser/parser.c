/* SPDX-License-Identifier: MIT */
/*
 * The parser driver: token source for the bison grammar, the actions that
 * build the model, the kernel's value checks and the verdict.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>

#include "compiler/model.h"
#include "grammar.h"
#include "parser/extensions.h"
#include "parser/hints.h"
#include "parser_internal.h"
#include "util/internal.h"
#include "util/kwtable.h"

/* ---- diagnostics and the verdict ---- */

static void set_verdict(struct ipe_parser *ps, int kerr, const struct ipe_loc *loc, const char *code)
{
	struct ipe_verdict *v = &ps->policy->verdict;

	if (v->err || !kerr)
		return;
	v->err = kerr;
	v->loc = *loc;
	v->code = code;
}

__attribute__((format(printf, 6, 7))) static struct ipe_diag *
ps_error(struct ipe_parser *ps, const char *code, int kerr, const struct ipe_loc *loc, const char *hint,
	 const char *fmt, ...)
{
	struct ipe_diag *d;
	va_list ap;

	set_verdict(ps, kerr, loc, code);
	va_start(ap, fmt);
	d = ipe_diag_addv(ps->ctx, code, IPE_SEV_ERROR, loc, hint, fmt, ap);
	va_end(ap);
	if (!d)
		ps->err = -ENOMEM;
	else
		d->kernel_errno = kerr;
	return d;
}

/* Token idx of the current line, built from the compact token (or by the
 * extensions) into a ring of 4: valid until the fourth call after. */
static const struct ipe_tok *tok(struct ipe_parser *ps, uint32_t idx)
{
	struct ipe_tok *t = &ps->tokbuf[ps->tokring++ & 3];

	if (ps->synth)
		ipe_ext_tok(ps->ext, idx, t);
	else
		ipe_cline_tok(&ps->cline, idx, t);
	return t;
}

/* The keyword classification of token idx of the current line. */
static const struct ipe_kw *kw_at(const struct ipe_parser *ps, size_t idx)
{
	return ps->synth ? ipe_ext_kw(ps->ext, idx) : &ps->cline.toks[idx].kw;
}

/* Printable form of a token for messages: \xNN for odd bytes, long tokens cut. */
static const char *show(char *buf, size_t bufsz, const char *t, size_t len)
{
	return ipe_hint_show(buf, bufsz, t, len);
}

#define SHOW(t) show(showbuf, sizeof(showbuf), (t)->text, (t)->len)

/* ---- token source ---- */

static int token_kind(const struct ipe_parser *ps, size_t i)
{
	const struct ipe_kw *kw = kw_at(ps, i);
	bool last = i + 1 == ps->cline.ntoks;

	if (ps->header_mode) {
		if (kw->kind == IPE_KW_HDR_NAME)
			return T_HNAME;
		if (kw->kind == IPE_KW_HDR_VERSION)
			return T_HVERSION;
		return T_WORD;
	}
	if (last)
		return kw->kind == IPE_KW_ACTION ? T_ACTION : T_WORD;
	switch (kw->kind) {
	case IPE_KW_DEFAULT:
		return T_DEFAULT;
	case IPE_KW_OP:
		return T_OP;
	case IPE_KW_ACTION:
		return T_ACTION_MID;
	case IPE_KW_PROP:
		return T_PROP;
	case IPE_KW_DIGEST:
		return T_DIGEST;
	default:
		return T_WORD;
	}
}

int ipe_yylex(IPE_YYSTYPE *lval, struct ipe_parser *ps)
{
	int rc;

	if (ps->err)
		return IPE_YYEOF;
	if (!ps->have_line) {
		if (ps->ext)
			rc = ipe_ext_next_line(ps, &ps->cline, &ps->synth);
		else
			rc = ipe_lexer_next_cline(&ps->lx, &ps->cline);
		if (rc < 0) {
			ps->err = rc;
			return IPE_YYEOF;
		}
		if (rc == 0)
			return IPE_YYEOF;
		ps->have_line = true;
		ps->next = 0;
		ps->header_mode = !ps->seen_first_line;
		if (!ps->seen_first_line) {
			ps->seen_first_line = true;
			ps->first_tok_loc = tok(ps, 0)->loc;
		}
		ps->line_failed = false;
		ps->line_props_start = ps->policy->nprops;
		ps->line_pool_start = ps->policy->digest_pool_len;
		ps->cur_op = IPE_OP_INVALID;
		ps->cur_default = false;
	}
	if (ps->next < ps->cline.ntoks) {
		size_t i = ps->next++;

		lval->idx = (uint32_t)i;
		ps->lookahead_idx = (uint32_t)i;
		return token_kind(ps, i);
	}
	/* end of the line: a point just after its last token */
	{
		const struct ipe_tok *t = tok(ps, (uint32_t)ps->cline.ntoks - 1);

		ps->eol_loc = t->loc;
		ps->eol_loc.offset += t->len;
		ps->eol_loc.col += t->len;
		ps->eol_loc.len = 0;
	}
	lval->idx = (uint32_t)ps->cline.ntoks;
	ps->lookahead_idx = (uint32_t)ps->cline.ntoks;
	ps->have_line = false;
	return T_EOL;
}

/* ---- header ---- */

int ipe_ps_version(struct ipe_parser *ps, uint32_t idx)
{
	const struct ipe_tok *t = tok(ps, idx);
	const char *v = t->text + kw_at(ps, idx)->vstart;
	const size_t vlen = t->len - kw_at(ps, idx)->vstart;
	struct ipe_version_fault f;
	char showbuf[128];
	int rc = ipe_version_scan(v, vlen, ps->policy->version, &f);

	if (rc == 0)
		return 0;
	if (rc == -EBADMSG && f.part >= 3)
		ps_error(ps, "IPE-E005", EBADMSG, &t->loc,
			 "write the version as MAJOR.MINOR.REVISION, e.g. policy_version=1.0.0",
			 "policy version '%s' has more than three parts", show(showbuf, sizeof(showbuf), v, vlen));
	else if (rc == -EBADMSG)
		ps_error(ps, "IPE-E005", EBADMSG, &t->loc,
			 "write the version as MAJOR.MINOR.REVISION, e.g. policy_version=1.0.0",
			 "policy version '%s' has %zu part%s; the kernel needs exactly three",
			 show(showbuf, sizeof(showbuf), v, vlen), f.part, f.part == 1 ? "" : "s");
	else if (rc == -ERANGE)
		ps_error(ps, "IPE-E004", ERANGE, &t->loc, "each version part is an unsigned 16-bit number: 0 to 65535",
			 "policy version part %zu ('%s') is out of range", f.part + 1,
			 show(showbuf, sizeof(showbuf), f.text, f.len));
	else
		ps_error(ps, "IPE-E003", EINVAL, &t->loc,
			 "each version part is a decimal number 0-65535 (an optional leading '+' is allowed)",
			 f.len == 0 ? "policy version part %zu is empty%s"
				    : "policy version part %zu ('%s') is not a decimal number",
			 f.part + 1, f.len == 0 ? "" : show(showbuf, sizeof(showbuf), f.text, f.len));
	ps->line_failed = true;
	return -1;
}

void ipe_ps_header(struct ipe_parser *ps, uint32_t name_idx, uint32_t version_idx)
{
	const struct ipe_tok *nt = tok(ps, name_idx);
	struct ipe_policy *p = ps->policy;
	size_t vs = kw_at(ps, name_idx)->vstart;

	p->name = strndup(nt->text + vs, nt->len - vs);
	if (!p->name) {
		ps->err = -ENOMEM;
		return;
	}
	p->name_len = nt->len - vs;
	p->has_header = true;
	p->name_loc = nt->loc;
	p->version_loc = tok(ps, version_idx)->loc;
	p->header_loc = nt->loc;
}

/* ---- rules ---- */

void ipe_ps_line_error(struct ipe_parser *ps)
{
	ipe_policy_truncate_props(ps->policy, ps->line_props_start, ps->line_pool_start);
	ps->cur_op = IPE_OP_INVALID;
	ps->cur_default = false;
}


static int digest_error(struct ipe_parser *ps, const struct ipe_tok *t, int type, const char *hex, size_t hlen)
{
	size_t i = ipe_hex_span(hex, hlen);

	if (i < hlen) {
		char c[8];

		show(c, sizeof(c), hex + i, 1);
		ps_error(ps, "IPE-E021", EINVAL, &t->loc,
			 hex[i] == ':' ? "only the first ':' separates the algorithm from the hex digest"
				       : "the digest after ':' must be hexadecimal digits 0-9, a-f",
			 "invalid character '%s' in the hex digest of %s (position %zu after ':')", c,
			 ipe_prop_key(type), i + 1);
		ps->line_failed = true;
		return -1;
	}
	ps_error(ps, "IPE-E021", EINVAL, &t->loc, "a digest is whole bytes: each byte is two hex digits",
		 "odd number of hex digits (%zu) in the digest of %s", hlen, ipe_prop_key(type));
	ps->line_failed = true;
	return -1;
}

/* The algorithm index, with a one-entry cache: policies use one or two. */
static int intern_alg(struct ipe_parser *ps, const char *alg, size_t len)
{
	int idx;

	if (ps->last_alg >= 0 && ps->last_alg_len == len &&
	    memcmp(ps->policy->algs[ps->last_alg], alg, len) == 0)
		return ps->last_alg;
	idx = ipe_policy_intern_alg(ps->policy, alg, len);
	if (idx >= 0) {
		ps->last_alg = idx;
		ps->last_alg_len = len;
	}
	return idx;
}

int ipe_ps_prop(struct ipe_parser *ps, uint32_t idx)
{
	const struct ipe_tok *t = tok(ps, idx);
	const struct ipe_kw *kw = kw_at(ps, idx);
	struct ipe_prop prop = { .loc = t->loc, .type = (uint8_t)kw->value };
	char showbuf[128];
	uint8_t stackbuf[128], *bytes = stackbuf;
	int rc = 0;

	if (kw->kind == IPE_KW_DIGEST) {
		const char *v = t->text + kw->vstart;
		size_t vlen = t->len - kw->vstart;
		const char *colon = NULL;
		const char *hex;
		size_t hlen, nbytes;
		int alg;

		/* the algorithm is a few bytes: a plain loop beats a memchr call */
		for (size_t k = 0; k < vlen; k++) {
			if (v[k] == ':') {
				colon = v + k;
				break;
			}
		}
		if (!colon) {
			ps_error(ps, "IPE-E020", EBADMSG, &t->loc,
				 "write the digest as ALGORITHM:HEX, e.g. sha256:0123...; the old raw-hex form is not accepted",
				 "digest '%s' has no algorithm (no ':')", show(showbuf, sizeof(showbuf), v, vlen));
			ps->line_failed = true;
			return -1;
		}
		hex = colon + 1;
		hlen = vlen - (size_t)(hex - v);
		nbytes = hlen / 2;
		if (nbytes > sizeof(stackbuf)) {
			bytes = malloc(nbytes);
			if (!bytes) {
				ps->err = -ENOMEM;
				return -1;
			}
		}
		{
			bool upper = false;

			if (hlen % 2 || ipe_hex_decode_case(bytes, hex, nbytes, &upper) < 0) {
				rc = digest_error(ps, t, prop.type, hex, hlen);
				if (bytes != stackbuf)
					free(bytes);
				return rc;
			}
			if (upper)
				prop.flags |= IPE_PROPF_UPPER_HEX;
		}
		alg = intern_alg(ps, v, (size_t)(colon - v));
		if (alg < 0) {
			rc = alg;
			goto out;
		}
		prop.alg = (uint16_t)alg;
		rc = ipe_policy_push_prop(ps->policy, &prop, bytes, nbytes);
	} else {
		rc = ipe_policy_push_prop(ps->policy, &prop, NULL, 0);
	}
out:
	if (bytes != stackbuf)
		free(bytes);
	if (rc) {
		ps->err = rc;
		return -1;
	}
	return 0;
}

static void dup_default(struct ipe_parser *ps, const struct ipe_loc *first, const char *what)
{
	struct ipe_diag *d;

	d = ps_error(ps, "IPE-E016", EBADMSG, &ps->cur_default_loc,
		     "remove one of them; the kernel refuses a policy with two", "second %s", what);
	if (d && ipe_diag_add_related(ps->ctx, d, first, "the first %s is here", what))
		ps->err = -ENOMEM;
}

static void end_rule(struct ipe_parser *ps, uint32_t action_idx)
{
	struct ipe_policy *p = ps->policy;
	int action = kw_at(ps, action_idx)->value;

	if (ps->cur_default) {
		char what[64];

		if (p->nprops > ps->line_props_start) {
			ps_error(ps, "IPE-E015", EBADMSG, &p->props[ps->line_props_start].loc,
				 "a DEFAULT applies when no rule matches; put properties in an op= rule instead",
				 "DEFAULT takes no properties");
			ipe_ps_line_error(ps);
			return;
		}
		if (ps->cur_op == IPE_OP_INVALID) {
			if (p->global_default != IPE_ACTION_NONE) {
				dup_default(ps, &p->global_default_loc, "global DEFAULT");
				return;
			}
			p->global_default = (int8_t)action;
			p->global_default_loc = ps->cur_default_loc;
		} else {
			struct ipe_op_table *t = &p->ops[ps->cur_op];

			if (t->default_action != IPE_ACTION_NONE) {
				snprintf(what, sizeof(what), "DEFAULT for op=%s", ipe_op_name(ps->cur_op));
				dup_default(ps, &t->default_loc, what);
				return;
			}
			t->default_action = (int8_t)action;
			t->default_loc = ps->cur_default_loc;
		}
	} else {
		struct ipe_rule r = {
			.loc = ps->cur_op_loc,
			.op = (uint8_t)ps->cur_op,
			.action = (uint8_t)action,
			.nprops = (uint32_t)(p->nprops - ps->cur_props_start),
			.first_prop = (uint32_t)ps->cur_props_start, /* < UINT32_MAX: ipe_policy_push_prop */
		};
		int rc = ipe_policy_push_rule(p, &r);

		if (rc)
			ps->err = rc;
	}
	ps->cur_default = false;
	ps->cur_op = IPE_OP_INVALID;
}

void ipe_ps_rule(struct ipe_parser *ps, uint32_t default_idx, uint32_t op_idx, uint32_t action_idx)
{
	if (default_idx != IPE_PS_NONE) {
		ps->cur_default = true;
		ps->cur_default_loc = tok(ps, default_idx)->loc;
	}
	if (op_idx != IPE_PS_NONE) {
		ps->cur_op = kw_at(ps, op_idx)->value;
		ps->cur_op_loc = tok(ps, op_idx)->loc;
		/* only a DEFAULT can precede the operation: its properties
		 * start with the line's */
		ps->cur_props_start = ps->line_props_start;
	}
	end_rule(ps, action_idx);
}

/* ---- syntax errors: say what the kernel would stumble on, and why ---- */

static void header_error(struct ipe_parser *ps, uint32_t idx)
{
	const struct ipe_cline *l = &ps->cline;
	const struct ipe_kw *kw;
	const struct ipe_tok *t;
	char showbuf[128], hint[256];
	const char *example = "the header is: policy_name=NAME policy_version=MAJOR.MINOR.REVISION";

	if (idx >= l->ntoks) {
		/* the line ended early: only a name */
		t = tok(ps, 0);
		ps_error(ps, "IPE-E002", EBADMSG, &t->loc, example,
			 "policy header has no policy_version=");
		return;
	}
	t = tok(ps, idx);
	kw = kw_at(ps, idx);
	if (idx == 0) {
		if (kw->kind == IPE_KW_EMPTY_VALUE && kw->value == IPE_KW_EMPTY_NAME) {
			ps_error(ps, "IPE-E002", EBADMSG, &t->loc, "give the policy a name, e.g. policy_name=my_policy",
				 "policy name is empty");
		} else if (kw->kind == IPE_KW_HDR_VERSION || (kw->kind == IPE_KW_EMPTY_VALUE && kw->value ==
											 IPE_KW_EMPTY_VERSION)) {
			ps_error(ps, "IPE-E002", EBADMSG, &t->loc, example,
				 "policy_name= must come before policy_version= in the header");
		} else {
			struct ipe_kw k2;

			ipe_kw_classify(t->text, t->len, &k2);
			if (k2.kind == IPE_KW_DEFAULT || k2.kind == IPE_KW_OP || k2.kind == IPE_KW_ACTION)
				snprintf(hint, sizeof(hint),
					 "the first non-empty line must be the header; add 'policy_name=NAME policy_version=1.0.0' above this rule");
			else if (ipe_hint_suggest(t->text, t->len, IPE_HINT_HEADER, hint, sizeof(hint)) <= 0)
				snprintf(hint, sizeof(hint), "%s", example);
			ps_error(ps, "IPE-E002", EBADMSG, &t->loc, hint,
				 "expected 'policy_name=NAME' at the start of the policy header, found '%s'", SHOW(t));
		}
		return;
	}
	if (idx == 1) {
		if (kw->kind == IPE_KW_EMPTY_VALUE && kw->value == IPE_KW_EMPTY_VERSION) {
			ps_error(ps, "IPE-E002", EBADMSG, &t->loc, "e.g. policy_version=1.0.0", "policy version is empty");
			return;
		}
		if (ipe_hint_suggest(t->text, t->len, IPE_HINT_HEADER, hint, sizeof(hint)) <= 0)
			snprintf(hint, sizeof(hint), "%s", example);
		ps_error(ps, "IPE-E002", EBADMSG, &t->loc, hint,
			 "expected 'policy_version=X.Y.Z' after the policy name, found '%s'", SHOW(t));
		return;
	}
	ps_error(ps, "IPE-E002", EBADMSG, &t->loc,
		 "the header has exactly two tokens; rules go on the following lines",
		 "unexpected '%s' after the policy version", SHOW(t));
}

static void rule_error(struct ipe_parser *ps, uint32_t idx)
{
	const struct ipe_cline *l = &ps->cline;
	const struct ipe_tok *t;
	const struct ipe_kw *kw;
	char showbuf[128], hint[256];
	bool first_is_default = l->ntoks > 0 && kw_at(ps, 0)->kind == IPE_KW_DEFAULT;
	bool op_slot;

	if (idx >= l->ntoks)
		idx = (uint32_t)l->ntoks - 1;
	t = tok(ps, idx);
	kw = kw_at(ps, idx);
	op_slot = idx == 0 || (idx == 1 && first_is_default);

	if (idx + 1 == l->ntoks) {
		/* the action slot */
		if (kw->kind == IPE_KW_ACTION) {
			ps_error(ps, "IPE-E017", EBADMSG, &t->loc,
				 "add the operation before the action (e.g. op=EXECUTE), or write 'DEFAULT action=...' for a default",
				 "rule has no operation");
			return;
		}
		if (ipe_hint_suggest(t->text, t->len, IPE_HINT_ACTION, hint, sizeof(hint)) <= 0) {
			if (kw->kind == IPE_KW_DEFAULT)
				snprintf(hint, sizeof(hint), "write 'DEFAULT action=ALLOW' or 'DEFAULT action=DENY'");
			else
				snprintf(hint, sizeof(hint),
					 "every rule ends with action=ALLOW or action=DENY (the kernel reads the last token as the action)");
		}
		ps_error(ps, "IPE-E012", EBADMSG, &t->loc, hint,
			 "expected action=ALLOW or action=DENY at the end of the line, found '%s'", SHOW(t));
		return;
	}
	if (kw->kind == IPE_KW_ACTION) {
		ps_error(ps, "IPE-E013", EBADMSG, &t->loc,
			 "the action must be the last token of the line; move it to the end",
			 "'%s' is not the last token of the line", SHOW(t));
		return;
	}
	if (kw->kind == IPE_KW_DEFAULT) {
		ps_error(ps, "IPE-E014", EBADMSG, &t->loc,
			 "DEFAULT may only be the first token: 'DEFAULT action=A' or 'DEFAULT op=OP action=A'",
			 "DEFAULT is only valid as the first token of a line");
		return;
	}
	if (op_slot) {
		if (kw->kind == IPE_KW_PROP || kw->kind == IPE_KW_DIGEST)
			snprintf(hint, sizeof(hint), first_is_default
					     ? "a DEFAULT takes an operation or nothing before the action, never properties"
					     : "a rule starts with its operation, e.g. 'op=EXECUTE %s action=ALLOW'",
				 SHOW(t));
		else if (ipe_hint_suggest(t->text, t->len, IPE_HINT_OP, hint, sizeof(hint)) <= 0)
			snprintf(hint, sizeof(hint),
				 "operations:" IPE_KW_OP_TOKENS);
		if (t->len > 3 && memcmp(t->text, "op=", 3) == 0)
			ps_error(ps, "IPE-E010", EBADMSG, &t->loc, hint, "unknown operation '%s'", SHOW(t));
		else
			ps_error(ps, "IPE-E010", EBADMSG, &t->loc, hint, "expected an operation (op=...), found '%s'",
				 SHOW(t));
		return;
	}
	/* property slot */
	if (kw->kind == IPE_KW_OP) {
		ps_error(ps, "IPE-E018", EBADMSG, &t->loc,
			 "a rule has exactly one operation; write one rule per operation",
			 "second operation '%s' in one rule", SHOW(t));
		return;
	}
	if (kw->kind == IPE_KW_EMPTY_VALUE &&
	    (kw->value == IPE_KW_EMPTY_FSV_DIGEST || kw->value == IPE_KW_EMPTY_DMV_ROOTHASH)) {
		ps_error(ps, "IPE-E022", EBADMSG, &t->loc, "write ALGORITHM:HEX after '=', e.g. sha256:0123...",
			 "'%s' has no value", SHOW(t));
		return;
	}
	if (ipe_hint_suggest(t->text, t->len, IPE_HINT_PROP, hint, sizeof(hint)) <= 0)
		snprintf(hint, sizeof(hint),
			 "properties: boot_verified= dmverity_signature= fsverity_signature= (TRUE|FALSE), dmverity_roothash= fsverity_digest= (ALG:HEX)");
	ps_error(ps, "IPE-E011", EBADMSG, &t->loc, hint, "unknown property '%s'", SHOW(t));
}

void ipe_ps_syntax_error(struct ipe_parser *ps, int lookahead_kind)
{
	/* the lookahead's location: a token of the line, else the last end
	 * of line handed out (also what an end of file points at) */
	const struct ipe_loc *loc = lookahead_kind != IPE_PS_EOF && ps->lookahead_idx < ps->cline.ntoks
					    ? &tok(ps, ps->lookahead_idx)->loc
					    : &ps->eol_loc;

	if (ps->line_failed || ps->err)
		return;
	ps->line_failed = true;
	if (lookahead_kind == IPE_PS_EOF || ps->cline.ntoks == 0) {
		ps_error(ps, "IPE-E001", EBADMSG, loc, NULL, "unexpected end of the policy");
		return;
	}
	if (ps->header_mode)
		header_error(ps, ps->lookahead_idx);
	else
		rule_error(ps, ps->lookahead_idx);
}

/* ---- whole-policy checks ---- */

static void check_complete(struct ipe_parser *ps)
{
	struct ipe_policy *p = ps->policy;
	char missing[256] = "";
	size_t n = 0, nmissing = 0;

	if (p->global_default != IPE_ACTION_NONE)
		return;
	for (int i = 0; i < IPE_OP_COUNT; i++) {
		if (p->ops[i].default_action != IPE_ACTION_NONE)
			continue;
		nmissing++;
		n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%sop=%s", n ? ", " : "", ipe_op_name(i));
		if (n >= sizeof(missing))
			n = sizeof(missing) - 1;
	}
	if (!nmissing)
		return;
	ps_error(ps, "IPE-E030", EBADMSG, &ps->first_tok_loc,
		 "add 'DEFAULT action=DENY' (or ALLOW) after the header; a global DEFAULT also keeps the policy loadable on kernels that add operations",
		 "policy has no global DEFAULT and no DEFAULT for %s", missing);
}

static void check_name(struct ipe_parser *ps)
{
	struct ipe_policy *p = ps->policy;
	char showbuf[128];
	unsigned faults;

	if (!p->has_header)
		return;
	/* the header's own token rules were the lexer's: only securityfs's remain */
	faults = ipe_name_faults(p->name, p->name_len);
	if (faults & IPE_NAME_DIR_FAULTS) {
		ps_error(ps, "IPE-E031", EACCES, &p->name_loc,
			 "the name becomes a directory under securityfs; use letters, digits, '.', '_' and '-' only",
			 "policy name '%s' cannot be a directory name", show(showbuf, sizeof(showbuf), p->name, p->name_len));
	}
	if (faults & IPE_NAME_LONG)
		ps_error(ps, "IPE-E032", ENAMETOOLONG, &p->name_loc,
			 "the name becomes a directory under securityfs, limited to 255 bytes",
			 "policy name is %zu bytes long (at most 255)", p->name_len);
}

static int parse(struct ipe_ctx *ctx, uint32_t src, bool source_mode, const struct ipe_source_opts *opts,
		 struct ipe_policy **ret_policy)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, src);
	struct ipe_parser ps;
	const unsigned char *nul;
	size_t text_len, first_diag = 0;
	int rc;

	if (!s || !ret_policy)
		return -EINVAL;
	if (s->len > UINT32_MAX - 2)
		return -EFBIG;
	nul = s->len ? memchr(s->data, '\0', s->len) : NULL;
	text_len = nul ? (size_t)(nul - s->data) : s->len;

	memset(&ps, 0, sizeof(ps));
	ps.ctx = ctx;
	ps.last_alg = -1;
	ps.cur_op = IPE_OP_INVALID;
	rc = ipe_policy_new(src, &ps.policy);
	if (rc)
		return rc;
	ps.policy->text_len = text_len;
	ps.policy->has_nul = nul != NULL;
	ps.policy->big = text_len >= IPE_MEM_BIG_INPUT;
	rc = ipe_lexer_init(&ps.lx, ctx, src, s->data, text_len);
	if (rc)
		goto out;
	if (source_mode) {
		rc = ipe_ext_new(ctx, src, opts, &ps.ext);
		if (rc)
			goto out;
		first_diag = ipe_ctx_diag_count(ctx);
	}

	rc = ipe_yyparse(&ps);
	if (ps.err) {
		rc = ps.err;
		goto out;
	}
	if (rc) {
		rc = -ENOMEM;
		goto out;
	}
	if (!ps.seen_first_line) {
		struct ipe_loc l = { .src = src, .line = 1, .col = 1, .len = 0, .offset = 0 };

		ps_error(&ps, "IPE-E001", EBADMSG, &l,
			 "start the policy with 'policy_name=NAME policy_version=1.0.0' and a DEFAULT line",
			 nul ? "policy is empty: nothing before the NUL byte" : "policy is empty");
	} else {
		check_complete(&ps);
		check_name(&ps);
	}
	if (nul) {
		struct ipe_loc l = { .src = src, .offset = (uint32_t)text_len, .line = ps.lx.line,
				     .col = ps.lx.col, .len = 1 };

		/* includes added sources: the table may have moved */
		s = ipe_ctx_source(ctx, src);

		if (!ipe_diag_add(ctx, "IPE-W160", IPE_SEV_WARNING, &l,
				  "remove the NUL byte; if the rest is meant to be policy, it is silently dropped",
				  "NUL byte: the kernel ignores everything after it (%zu byte%s)", s->len - text_len - 1,
				  s->len - text_len - 1 == 1 ? "" : "s"))
			rc = -ENOMEM;
	}
	if (ps.ext && !rc && !ps.err)
		rc = ipe_ext_add_include_notes(&ps, first_diag);
	if (ps.err)
		rc = ps.err;
out:
	ipe_ext_free(ps.ext);
	ipe_lexer_fini(&ps.lx);
	if (rc) {
		ipe_policy_free(ps.policy);
		return rc;
	}
	*ret_policy = ps.policy;
	return 0;
}

int ipe_policy_parse(struct ipe_ctx *ctx, uint32_t src, struct ipe_policy **ret_policy)
{
	return parse(ctx, src, false, NULL, ret_policy);
}

int ipe_policy_parse_source(struct ipe_ctx *ctx, uint32_t src, const struct ipe_source_opts *opts,
			    struct ipe_policy **ret_policy)
{
	return parse(ctx, src, true, opts, ret_policy);
}

int ipe_policy_verdict_text(struct ipe_ctx *ctx, const char *name, const void *text, size_t len,
			    struct ipe_verdict *ret_verdict)
{
	struct ipe_policy *p = NULL;
	uint32_t src;
	int rc;

	if (ret_verdict)
		memset(ret_verdict, 0, sizeof(*ret_verdict));
	if (!ctx || !ret_verdict)
		return -EINVAL;
	rc = ipe_source_from_memory(ctx, name, text, len, true, &src);
	if (rc)
		return rc;
	rc = ipe_policy_parse(ctx, src, &p);
	if (rc)
		return rc;
	*ret_verdict = p->verdict;
	ipe_policy_free(p);
	return 0;
}
