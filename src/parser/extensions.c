/* SPDX-License-Identifier: MIT */
/*
 * Source mode: include, named digest sets, "KEY in @SET" and multi-op rules.
 *
 * Every extension is a kernel syntax error (an unknown first token, a token
 * without '=', an op= value with a ','), so kernel policies mean the same in
 * both languages.  Extension lines are consumed here; rules using sets or
 * several ops are expanded into synthetic kernel lines (cartesian product,
 * first slot slowest: op=A,B with @S={x,y} gives A x, A y, B x, B y) whose
 * tokens carry the location of the source tokens they come from.
 *
 * This file: the line source that drives the extensions, their shared
 * helpers and state.  ext_include.c reads include directives (files come
 * from the source loader, src/source/), ext_sets.c digest sets,
 * ext_expand.c the expansion of set and multi-op rules.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <ipe/compile.h>
#include <ipe/policy.h>

#include "compiler/model.h"
#include "lexer/lexer.h"
#include "parser/ext_internal.h"
#include "parser/extensions.h"
#include "parser/hints.h"
#include "source/loader.h"
#include "util/internal.h"

/* ---- helpers ---- */

struct ipe_diag *ipe_ext_error(struct ipe_parser *ps, const char *code, const struct ipe_loc *loc, const char *hint,
			       const char *fmt, ...)
{
	struct ipe_verdict *v = &ps->policy->verdict;
	struct ipe_diag *d;
	va_list ap;

	/* An extension is a kernel syntax error: as the kernel would see the
	 * source text, EBADMSG at the first one. */
	if (!v->err) {
		v->err = EBADMSG;
		v->loc = *loc;
		v->code = code;
	}
	va_start(ap, fmt);
	d = ipe_diag_addv(ps->ctx, code, IPE_SEV_ERROR, loc, hint, fmt, ap);
	va_end(ap);
	if (!d)
		ps->err = -ENOMEM;
	return d;
}

bool ipe_ext_tok_is(const struct ipe_tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->len == n && memcmp(t->text, s, n) == 0;
}

bool ipe_ext_ctok_is(const struct ipe_cline *l, size_t i, const char *s)
{
	size_t n = strlen(s);

	return l->toks[i].len == n && memcmp(l->base + l->toks[i].off, s, n) == 0;
}

struct ipe_lexer *ipe_ext_cur_lexer(struct ipe_parser *ps)
{
	struct ipe_ext *x = ps->ext;

	return x->depth ? &x->stack[x->depth - 1]->lx : &ps->lx;
}

uint32_t ipe_ext_cur_src(struct ipe_parser *ps)
{
	return ipe_ext_cur_lexer(ps)->src;
}

/* ---- the line source ---- */

/* max_rules: true (one error, the rest not read) when a rule line comes
 * and the policy is full.  l: the source line. */
static bool rules_full(struct ipe_parser *ps, const struct ipe_cline *l)
{
	struct ipe_ext *x = ps->ext;
	struct ipe_tok first;

	if (ps->policy->nrules < x->opts.max_rules)
		return false;
	x->limit_hit = true;
	ipe_cline_tok(l, 0, &first);
	ipe_ext_error(ps, "IPE-E123", &first.loc, "split the policy, or raise the limit (ipe-compile --max-rules=N)",
		      "this rule would be number %zu, over the limit of %zu rules: the rest of the input is not read",
		      x->opts.max_rules + 1, x->opts.max_rules);
	return true;
}

int ipe_ext_next_line(struct ipe_parser *ps, struct ipe_cline *ret_line, bool *ret_synth)
{
	struct ipe_ext *x = ps->ext;
	int rc;

	for (;;) {
		struct ipe_cline l;

		if (ps->err)
			return ps->err;
		if (x->limit_hit)
			return 0;
		if (x->in_group) {
			/* one error per source line: stop expanding after a failure */
			if ((!x->group_first && ps->line_failed) || (!x->group_first && !ipe_ext_advance(x))) {
				x->in_group = false;
				continue;
			}
			x->group_first = false;
			if (rules_full(ps, &x->src))
				return 0;
			rc = ipe_ext_emit_combination(x);
			if (rc)
				return rc;
			*ret_line = x->src;
			ret_line->toks = NULL;
			ret_line->ntoks = x->nout;
			*ret_synth = true;
			return 1;
		}
		rc = ipe_lexer_next_cline(ipe_ext_cur_lexer(ps), &l);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			struct ext_frame *f;

			if (!x->depth)
				return 0;
			f = x->stack[--x->depth];
			ipe_lexer_fini(&f->lx);
			free(f->real);
			free(f);
			continue;
		}
		if (ipe_ext_ctok_is(&l, 0, "include")) {
			ipe_ext_do_include(ps, &l);
			continue;
		}
		if (ipe_ext_ctok_is(&l, 0, "set")) {
			ipe_ext_do_set(ps, &l);
			continue;
		}
		rc = ipe_ext_plan_line(ps, &l);
		if (rc < 0)
			continue;
		if (rc == 0) {
			uint8_t k = l.toks[0].kw.kind;

			if (k != IPE_KW_DEFAULT && k != IPE_KW_HDR_NAME && k != IPE_KW_HDR_VERSION && rules_full(ps, &l))
				return 0;
			*ret_line = l;
			*ret_synth = false;
			return 1;
		}
		x->in_group = true;
		x->group_first = true;
	}
}

/* The note of include event k, "in file included from F:L", formatted
 * once per parse however many findings its file has. */
static const char *parent_note(struct ipe_parser *ps, char **notes, size_t k)
{
	const struct ext_parent *p = &ps->ext->parents[k];
	const struct ipe_source *s;
	int n;

	if (notes[k])
		return notes[k];
	s = ipe_ctx_source(ps->ctx, p->from.src);
	n = snprintf(NULL, 0, "in file %s from %s:%u", p->imported ? "imported" : "included", s ? s->name : "?",
		     p->from.line);
	if (n < 0 || !(notes[k] = malloc((size_t)n + 1)))
		return NULL;
	snprintf(notes[k], (size_t)n + 1, "in file %s from %s:%u", p->imported ? "imported" : "included",
		 s ? s->name : "?", p->from.line);
	return notes[k];
}

int ipe_ext_add_include_notes(struct ipe_parser *ps, size_t first)
{
	enum { MAX_CHAIN = IPE_INCLUDE_MAX_DEPTH + 3 };
	struct ipe_ext *x = ps->ext;
	size_t n = ipe_ctx_diag_count(ps->ctx), nsrcs = ipe_ctx_source_count(ps->ctx);
	size_t *parent; /* per source: its (last) include event, or SIZE_MAX */
	char **notes;   /* per include event: its note, once formatted */
	int rc = 0;

	if (first >= n || !x->nparents)
		return 0;
	/* one look-up table, so that a note costs O(1) and not a walk over
	 * every include event (hundreds of findings x dozens of includes) */
	parent = malloc(nsrcs * sizeof(*parent));
	notes = calloc(x->nparents, sizeof(*notes));
	if (!parent || !notes) {
		free(parent);
		free(notes);
		return -ENOMEM;
	}
	for (size_t k = 0; k < nsrcs; k++)
		parent[k] = SIZE_MAX;
	for (size_t k = 0; k < x->nparents; k++)
		if (x->parents[k].src < nsrcs)
			parent[x->parents[k].src] = k;
	for (size_t i = first; i < n && !rc; i++) {
		struct ipe_diag *d = (struct ipe_diag *)ipe_ctx_diag(ps->ctx, i);
		struct ipe_loc locs[MAX_CHAIN];
		const char *texts[MAX_CHAIN];
		uint32_t src = d->loc.src;
		size_t depth = 0;

		/* the chain of include events up to the root, added at once */
		while (depth < MAX_CHAIN && src < nsrcs && parent[src] != SIZE_MAX) {
			const struct ext_parent *p = &x->parents[parent[src]];

			locs[depth] = p->from;
			texts[depth] = parent_note(ps, notes, parent[src]);
			if (!texts[depth]) {
				rc = -ENOMEM;
				break;
			}
			depth++;
			src = p->from.src;
		}
		if (!rc && ipe_diag_add_related_texts(d, depth, locs, texts))
			rc = -ENOMEM;
	}
	for (size_t k = 0; k < x->nparents; k++)
		free(notes[k]);
	free(notes);
	free(parent);
	return rc;
}

int ipe_ext_new(struct ipe_ctx *ctx, uint32_t root, const struct ipe_source_opts *opts, struct ipe_ext **ret_ext)
{
	struct ipe_ext *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		return -ENOMEM;
	rc = ipe_loader_new(ctx, root, opts, &x->ld);
	if (rc) {
		free(x);
		return rc;
	}
	x->opts = *ipe_loader_opts(x->ld);
	*ret_ext = x;
	return 0;
}

void ipe_ext_free(struct ipe_ext *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->depth; i++) {
		ipe_lexer_fini(&x->stack[i]->lx);
		free(x->stack[i]->real);
		free(x->stack[i]);
	}
	free(x->stack);
	ipe_loader_free(x->ld);
	for (size_t i = 0; i < x->nsets; i++)
		ipe_ext_set_clear(&x->sets[i]);
	free(x->sets);
	free(x->parents);
	free(x->slots);
	free(x->out_text);
	free(x);
}
