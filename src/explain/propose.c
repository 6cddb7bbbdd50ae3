/* SPDX-License-Identifier: MIT */
/* Proposals (audit2allow): rules allowing exactly the denied events, pinned
 * to a file's fs-verity digest or a volume's dm-verity root hash, proven by
 * the equivalence engine before anything is handed back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/equiv.h>
#include <ipe/explain.h>

#include "../util/internal.h"
#include "compiler/model.h"
#include "util/kwtable.h"
#include "explain-internal.h"

#define COMMENT_PATHS 3

struct insertion {
	size_t off;     /* byte offset in the old text */
	size_t order;   /* stable order among equal offsets */
	const char *text;
};

struct prule {
	int op;
	char *line;     /* rule text */
	size_t off;     /* insertion offset (line start of the denying rule, or end) */
	uint32_t before_line;
	size_t nevents;
	struct ipe_sbuf paths;
	size_t npaths;
	char *block;    /* comment + rule + "\n" */
};

static int cmp_ins(const void *pa, const void *pb)
{
	const struct insertion *a = pa, *b = pb;

	if (a->off != b->off)
		return (a->off > b->off) - (a->off < b->off);
	return (a->order > b->order) - (a->order < b->order);
}

/* old text with insertions applied (each insertion text placed at its offset). */
static char *splice(const char *old, size_t len, struct insertion *ins, size_t n, size_t *ret_len)
{
	struct ipe_sbuf b = { 0 };
	size_t at = 0;

	qsort(ins, n, sizeof(*ins), cmp_ins);
	for (size_t i = 0; i < n; i++) {
		ipe_sbuf_put(&b, old + at, ins[i].off - at);
		ipe_sbuf_str(&b, ins[i].text);
		at = ins[i].off;
	}
	ipe_sbuf_put(&b, old + at, len - at);
	return ipe_sbuf_take(&b, ret_len);
}

static size_t line_start(const char *text, size_t off)
{
	while (off > 0 && text[off - 1] != '\n' && text[off - 1] != '\r')
		off--;
	return off;
}

static size_t line_end(const char *text, size_t len, size_t off)
{
	while (off < len && text[off] != '\n' && text[off] != '\r')
		off++;
	return off;
}

static int bump_version(const uint16_t v[3], uint16_t out[3])
{
	out[0] = v[0];
	out[1] = v[1];
	out[2] = v[2];
	for (int i = 2; i >= 0; i--) {
		if (out[i] < UINT16_MAX) {
			out[i]++;
			return 0;
		}
		out[i] = 0;
	}
	return -ERANGE;
}

static int parse_text(struct ipe_ctx *ctx, const char *name, const char *text, size_t len, struct ipe_policy **ret)
{
	uint32_t src;
	int rc = ipe_source_from_memory(ctx, name, text, len, true, &src);

	if (rc < 0)
		return rc;
	return ipe_policy_parse(ctx, src, ret);
}

static void prule_clear(struct prule *r)
{
	free(r->line);
	free(r->paths.s);
	free(r->block);
}

void ipe_proposal_clear(struct ipe_proposal *pr)
{
	if (!pr)
		return;
	free(pr->text);
	for (size_t i = 0; i < pr->nrules; i++) {
		free(pr->rules[i].text);
		free(pr->rules[i].comment);
	}
	free(pr->rules);
	for (size_t i = 0; i < pr->nskipped; i++)
		free(pr->skipped[i].why);
	free(pr->skipped);
	free(pr->difference);
	memset(pr, 0, sizeof(*pr));
}

static int add_skip(struct ipe_proposal *pr, size_t *cap, size_t ev, struct ipe_sbuf *why)
{
	char *w = ipe_sbuf_take(why, NULL);

	if (!w)
		return -ENOMEM;
	if (ipe_vec_reserve((void **)&pr->skipped, cap, pr->nskipped + 1, sizeof(*pr->skipped)) < 0) {
		free(w);
		return -ENOMEM;
	}
	pr->skipped[pr->nskipped].event = ev;
	pr->skipped[pr->nskipped].why = w;
	pr->nskipped++;
	return 0;
}

static void put_path(struct ipe_sbuf *b, const struct ipe_explain_event *e)
{
	char esc[512];

	if (!e->path) {
		ipe_sbuf_str(b, "(no path)");
		return;
	}
	ipe_escape_bytes(esc, sizeof(esc), e->path, strlen(e->path));
	ipe_sbuf_str(b, esc);
}

/* Why e cannot be pinned (appended to why), or 0 when it can. */
static int unpinnable(const struct ipe_explain_event *e, enum ipe_propose_kind kind, const struct ipe_eval_kernel *k,
		      struct ipe_sbuf *why)
{
	bool fsv = kind == IPE_PROPOSE_FSVERITY;

	if (e->op < 0 || e->op >= IPE_OP_COUNT) {
		ipe_sbuf_str(why, "the kernel could not classify the operation (UNKNOWN): only the global DEFAULT "
				  "decides it; no rule can allow it");
		return 1;
	}
	if (!e->has_file) {
		ipe_sbuf_printf(why,
				"no file (anonymous executable memory or a %s loaded from a buffer): there is nothing "
				"to pin; a rule allowing it would need no property or only =FALSE ones and would "
				"allow other events too (not proposed); load it from a file instead",
				e->op == IPE_OP_EXECUTE ? "mapping" : "image");
		return 1;
	}
	if (e->unknown) {
		ipe_sbuf_printf(why, "its properties are unknown (%s)", e->unknown);
		return 1;
	}
	if (!ipe_eval_prop_enabled(k, fsv ? IPE_PROP_FSV_DIGEST : IPE_PROP_DMV_ROOTHASH)) {
		ipe_sbuf_printf(why, "the kernel was built without %s",
				ipe_prop_kconfig(fsv ? IPE_PROP_FSV_DIGEST : IPE_PROP_DMV_ROOTHASH));
		return 1;
	}
	if (fsv && !(e->fsverity && e->fsv_alg[0] && e->fsv_digest_len)) {
		ipe_sbuf_str(why, "the file has no fs-verity: enable it (`fsverity enable FILE`) and run again, "
				  "or use --propose=dmverity if it lives on a dm-verity volume");
		return 1;
	}
	if (!fsv && !(e->dmverity && e->dmv_alg[0] && e->dmv_roothash_len)) {
		ipe_sbuf_str(why, "the file is not on a dm-verity volume with a known root hash: use "
				  "--propose=fsverity (after `fsverity enable FILE`) or --dmverity-roothash=ALG:HEX");
		return 1;
	}
	return 0;
}

static char *rule_text(const struct ipe_explain_event *e, enum ipe_propose_kind kind)
{
	char hex[2 * IPE_EXPLAIN_DIGEST_MAX + 1];
	struct ipe_sbuf b = { 0 };

	bool fsv = kind == IPE_PROPOSE_FSVERITY;

	ipe_hex_encode(hex, fsv ? e->fsv_digest : e->dmv_roothash, fsv ? e->fsv_digest_len : e->dmv_roothash_len);
	ipe_sbuf_printf(&b, IPE_KW_OP_KEY "%s %s=%s:%s " IPE_KW_ACTION_KEY "%s", ipe_op_name((enum ipe_op)e->op),
			ipe_prop_key(fsv ? IPE_PROP_FSV_DIGEST : IPE_PROP_DMV_ROOTHASH), fsv ? e->fsv_alg : e->dmv_alg,
			hex, ipe_action_name(IPE_ACTION_ALLOW));
	return ipe_sbuf_take(&b, NULL);
}

static bool alg_is_token(const char *alg)
{
	for (const char *c = alg; *c; c++)
		if (*c == ' ' || *c == '\t' || *c == '#' || *c == ':' || (unsigned char)*c < 0x21 ||
		    (unsigned char)*c > 0x7e)
			return false;
	return true;
}

int ipe_explain_propose(struct ipe_ctx *ctx, const struct ipe_policy *p, const struct ipe_explain_event *events,
			size_t n, enum ipe_propose_kind kind, const struct ipe_eval_kernel *k,
			struct ipe_proposal *ret)
{
	const struct ipe_source *src;
	struct ipe_proposal pr = { 0 };
	struct prule *rules = NULL;
	size_t nrules = 0, rcap = 0, scap = 0;
	struct insertion *ins = NULL;
	struct ipe_policy *np = NULL, *ptop = NULL, *ntop = NULL;
	char *ptop_text = NULL, *ntop_text = NULL, *top_block = NULL, *ver_text = NULL;
	struct ipe_equiv_result eq = { 0 };
	size_t ptop_len, ntop_len;
	int rc = 0;

	if (ret)
		memset(ret, 0, sizeof(*ret));
	if (!ctx || !p || (!events && n) || !ret || p->verdict.err || !p->has_header)
		return -EINVAL;
	src = ipe_ctx_source(ctx, p->src);
	if (!src)
		return -EINVAL;
	if (p->has_nul) {
		ipe_diag_add(ctx, "IPE-X020", IPE_SEV_ERROR, NULL, "remove the NUL byte and what follows it",
			     "cannot propose for a policy holding a NUL byte (the kernel ignores everything after it)");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ipe_explain_event *e = &events[i];
		struct ipe_explanation x;
		struct ipe_sbuf why = { 0 };
		struct prule *r = NULL;
		char *line;
		size_t off;

		rc = ipe_explain(p, NULL, e, k, &x);
		if (rc < 0)
			goto out;
		if (x.decision.action != IPE_ACTION_DENY) {
			pr.nalready++;
			ipe_explanation_clear(&x);
			continue;
		}
		if (unpinnable(e, kind, k, &why) ||
		    !alg_is_token(kind == IPE_PROPOSE_FSVERITY ? e->fsv_alg : e->dmv_alg)) {
			if (!why.len && !why.err)
				ipe_sbuf_str(&why, "its digest algorithm name cannot be written in a policy");
			ipe_explanation_clear(&x);
			rc = add_skip(&pr, &scap, i, &why);
			if (rc < 0)
				goto out;
			continue;
		}
		if (x.decision.by == IPE_DECIDED_BY_RULE)
			off = line_start((const char *)src->data, p->ops[e->op].rules[x.decision.rule].loc.offset);
		else
			off = p->text_len;
		line = rule_text(e, kind);
		if (!line) {
			ipe_explanation_clear(&x);
			rc = -ENOMEM;
			goto out;
		}
		for (size_t j = 0; j < nrules; j++)
			if (strcmp(rules[j].line, line) == 0)
				r = &rules[j];
		if (!r) {
			rc = ipe_vec_reserve((void **)&rules, &rcap, nrules + 1, sizeof(*rules));
			if (rc < 0) {
				free(line);
				ipe_explanation_clear(&x);
				goto out;
			}
			r = &rules[nrules++];
			memset(r, 0, sizeof(*r));
			r->op = e->op;
			r->line = line;
			r->off = off;
			r->before_line = x.decision.by == IPE_DECIDED_BY_RULE ? x.line : 0;
		} else {
			free(line);
			if (off < r->off) {
				r->off = off;
				r->before_line = x.decision.by == IPE_DECIDED_BY_RULE ? x.line : 0;
			}
		}
		r->nevents++;
		if (r->npaths < COMMENT_PATHS) {
			ipe_sbuf_str(&r->paths, r->npaths ? ", " : "");
			put_path(&r->paths, e);
		}
		r->npaths++;
		ipe_explanation_clear(&x);
	}
	if (nrules == 0)
		goto done;

	/* the new text: each block before its denying line, the version bumped */
	rc = bump_version(p->version, pr.version);
	if (rc < 0) {
		ipe_diag_add(ctx, "IPE-X021", IPE_SEV_ERROR, &p->version_loc, "start a new policy name",
			     "the policy version 65535.65535.65535 cannot be increased");
		goto out;
	}
	ins = calloc(nrules + 3, sizeof(*ins));
	if (!ins) {
		rc = -ENOMEM;
		goto out;
	}
	{
		const char *d = (const char *)src->data;
		struct ipe_sbuf top = { 0 }, ver = { 0 };
		size_t vstart = p->version_loc.offset, vend = vstart + p->version_loc.len;
		size_t hdr_end = line_end(d, p->text_len, vend);
		bool need_nl = p->text_len > 0 && d[p->text_len - 1] != '\n' && d[p->text_len - 1] != '\r';
		size_t nins = 0, eq_pos;

		for (size_t i = 0; i < nrules; i++) {
			struct ipe_sbuf blk = { 0 };
			bool at_end = rules[i].off == p->text_len;

			if (at_end && need_nl)
				ipe_sbuf_str(&blk, "\n");
			ipe_sbuf_printf(&blk, "# ipe-explain: allows %s", rules[i].paths.s ? rules[i].paths.s : "");
			if (rules[i].npaths > COMMENT_PATHS)
				ipe_sbuf_printf(&blk, " and %zu more", rules[i].npaths - COMMENT_PATHS);
			ipe_sbuf_printf(&blk, "\n%s\n", rules[i].line);
			rules[i].block = ipe_sbuf_take(&blk, NULL);
			if (!rules[i].block) {
				rc = -ENOMEM;
				goto out;
			}
			if (at_end)
				need_nl = false;
			ins[nins++] = (struct insertion){ rules[i].off, i + 1, rules[i].block };
			/* the top rules pin the same events to DENY, for the proof */
			ipe_sbuf_str(&top, "\n");
			ipe_sbuf_put(&top, rules[i].line,
				     strlen(rules[i].line) - strlen(ipe_action_name(IPE_ACTION_ALLOW)));
			ipe_sbuf_str(&top, ipe_action_name(IPE_ACTION_DENY));
		}
		top_block = ipe_sbuf_take(&top, NULL);
		for (eq_pos = vstart; eq_pos < vend && d[eq_pos] != '='; eq_pos++)
			;
		ipe_sbuf_printf(&ver, "%u.%u.%u", pr.version[0], pr.version[1], pr.version[2]);
		ver_text = ipe_sbuf_take(&ver, NULL);
		if (!top_block || !ver_text || eq_pos >= vend) {
			rc = top_block && ver_text ? -EPROTO : -ENOMEM;
			goto out;
		}
		/* text = old[0..eq+1) ver old[vend..) with the blocks inserted */
		{
			struct ipe_sbuf b = { 0 };
			size_t at = 0;

			qsort(ins, nins, sizeof(*ins), cmp_ins);
			for (size_t i = 0; i <= nins; i++) {
				size_t o = i < nins ? ins[i].off : p->text_len;

				if (at <= eq_pos && o > eq_pos) {
					ipe_sbuf_put(&b, d + at, eq_pos + 1 - at);
					ipe_sbuf_str(&b, ver_text);
					at = vend;
				}
				if (o > at)
					ipe_sbuf_put(&b, d + at, o - at);
				at = o > at ? o : at;
				if (i < nins)
					ipe_sbuf_str(&b, ins[i].text);
			}
			pr.text = ipe_sbuf_take(&b, &pr.text_len);
			if (!pr.text) {
				rc = -ENOMEM;
				goto out;
			}
		}
		/* P and N with the DENY pins at the top of their ops (right after
		 * the header line): equivalent iff nothing outside the pinned
		 * events changed. */
		{
			struct insertion one = { hdr_end, 0, top_block };

			ptop_text = splice(d, p->text_len, &one, 1, &ptop_len);
		}
		if (!ptop_text) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = parse_text(ctx, "proposed policy", pr.text, pr.text_len, &np);
	if (rc < 0)
		goto out;
	if (np->verdict.err) {
		ipe_diag_add(ctx, "IPE-X022", IPE_SEV_ERROR, NULL, NULL,
			     "internal error: the proposed policy would be rejected by the kernel (%s)",
			     ipe_errno_name(np->verdict.err) ? ipe_errno_name(np->verdict.err) : "?");
		rc = -EPROTO;
		goto out;
	}
	{
		const struct ipe_source *ns = ipe_ctx_source(ctx, np->src);
		size_t hdr_end = line_end((const char *)ns->data, np->text_len,
					  np->version_loc.offset + np->version_loc.len);
		struct insertion one = { hdr_end, 0, top_block };

		ntop_text = splice((const char *)ns->data, np->text_len, &one, 1, &ntop_len);
		if (!ntop_text) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = parse_text(ctx, "old policy, pinned events denied", ptop_text, ptop_len, &ptop);
	if (rc < 0)
		goto out;
	rc = parse_text(ctx, "proposed policy, pinned events denied", ntop_text, ntop_len, &ntop);
	if (rc < 0)
		goto out;
	if (ptop->verdict.err || ntop->verdict.err) {
		rc = -EPROTO;
		goto out;
	}
	/* 1. every pinned denied event is now allowed */
	for (size_t i = 0; i < n; i++) {
		struct ipe_decision d0, d1;
		struct ipe_event ev;
		struct ipe_sbuf why = { 0 };
		bool skipped = unpinnable(&events[i], kind, k, &why);

		free(why.s);
		ipe_explain_event_view(&events[i], &ev);
		if (skipped || ipe_eval(p, events[i].op, &ev, k, &d0) < 0 || d0.action != IPE_ACTION_DENY)
			continue;
		if (ipe_eval(np, events[i].op, &ev, k, &d1) < 0 || d1.action != IPE_ACTION_ALLOW) {
			ipe_diag_add(ctx, "IPE-X022", IPE_SEV_ERROR, NULL, NULL,
				     "internal error: event %zu is still denied by the proposed policy", i + 1);
			rc = -EPROTO;
			goto out;
		}
	}
	/* 2. outside the pinned events nothing changed */
	rc = ipe_policy_equivalent(ptop, ntop, k, &eq);
	if (rc < 0)
		goto out;
	if (!eq.equivalent) {
		char *w = NULL;

		ipe_equiv_event_format(&eq, &w);
		ipe_diag_add(ctx, "IPE-X022", IPE_SEV_ERROR, NULL, NULL,
			     "internal error: the proposal changes an event it does not pin: %s", w ? w : "?");
		free(w);
		rc = -EPROTO;
		goto out;
	}
	ipe_equiv_result_clear(&eq);
	/* 3. the difference, as the engine finds it */
	rc = ipe_policy_equivalent(p, np, k, &eq);
	if (rc < 0)
		goto out;
	if (eq.equivalent) {
		rc = -EPROTO;
		goto out;
	}
	{
		char *w = NULL, *da = NULL, *db = NULL;
		struct ipe_sbuf b = { 0 };

		rc = ipe_equiv_event_format(&eq, &w);
		if (rc == 0)
			rc = ipe_decision_format(p, eq.op, &eq.decision[0], &da);
		if (rc == 0)
			rc = ipe_decision_format(np, eq.op, &eq.decision[1], &db);
		if (rc == 0) {
			ipe_sbuf_printf(&b, "%s: old: %s; new: %s", w, da, db);
			pr.difference = ipe_sbuf_take(&b, NULL);
			if (!pr.difference)
				rc = -ENOMEM;
		}
		free(w);
		free(da);
		free(db);
		if (rc < 0)
			goto out;
	}
	pr.proven = true;
done:
	pr.rules = calloc(nrules ? nrules : 1, sizeof(*pr.rules));
	if (!pr.rules) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nrules; i++) {
		struct ipe_proposal_rule *o = &pr.rules[pr.nrules++];
		char *nl = rules[i].block ? strchr(rules[i].block + (rules[i].block[0] == '\n'), '\n') : NULL;

		o->op = rules[i].op;
		o->before_line = rules[i].before_line;
		o->nevents = rules[i].nevents;
		o->text = rules[i].line;
		rules[i].line = NULL;
		o->comment = nl ? strndup(rules[i].block + (rules[i].block[0] == '\n'),
					  (size_t)(nl - rules[i].block - (rules[i].block[0] == '\n')))
				: NULL;
	}
	*ret = pr;
	memset(&pr, 0, sizeof(pr));
	rc = 0;
out:
	ipe_equiv_result_clear(&eq);
	for (size_t i = 0; i < nrules; i++)
		prule_clear(&rules[i]);
	free(rules);
	free(ins);
	free(top_block);
	free(ver_text);
	free(ptop_text);
	free(ntop_text);
	ipe_policy_free(np);
	ipe_policy_free(ptop);
	ipe_policy_free(ntop);
	ipe_proposal_clear(&pr);
	return rc;
}
