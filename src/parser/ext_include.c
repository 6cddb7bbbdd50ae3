/* SPDX-License-Identifier: MIT */
/* Source mode: include "path" and the paths of "set ... from" (files are
 * read by the source loader, src/source/; this file sees their bytes). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
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

/* A quoted path starting at token t: read the raw source bytes (a path may
 * hold spaces or '#').  Returns a malloc'd string or NULL (error reported). */
char *ipe_ext_quoted_arg(struct ipe_parser *ps, const struct ipe_tok *t, const char *what)
{
	const struct ipe_source *s = ipe_ctx_source(ps->ctx, t->loc.src);
	const unsigned char *p, *end, *q;
	char *r;

	if (!s || t->text[0] != '"') {
		ipe_ext_error(ps, "IPE-E100", &t->loc, "put the path in double quotes, e.g. include \"common.pol\"",
			      "%s needs a path in double quotes", what);
		return NULL;
	}
	p = s->data + t->loc.offset + 1;
	end = s->data + s->len;
	for (q = p; q < end && *q != '"' && *q != '\n' && *q != '\r' && *q != '\0'; q++)
		;
	if (q >= end || *q != '"') {
		ipe_ext_error(ps, "IPE-E100", &t->loc, "close the path with '\"' on the same line",
			      "unterminated path in %s", what);
		return NULL;
	}
	if (q == p) {
		ipe_ext_error(ps, "IPE-E100", &t->loc, "give a file name between the quotes", "empty path in %s", what);
		return NULL;
	}
	/* nothing but blanks or a comment after the closing quote */
	for (const unsigned char *a = q + 1; a < end && *a != '\n' && *a != '\r' && *a != '#'; a++) {
		if (*a != ' ' && *a != '\t' && *a != '\v' && *a != '\f' && *a != 0xA0) {
			struct ipe_loc l = t->loc;

			l.offset = (uint32_t)(a - s->data);
			l.col += (uint32_t)(a - (s->data + t->loc.offset));
			l.len = 1;
			ipe_ext_error(ps, "IPE-E100", &l, "one path per directive; start a new line for the next one",
				      "unexpected text after the path of %s", what);
			return NULL;
		}
	}
	r = strndup((const char *)p, (size_t)(q - p));
	if (!r)
		ps->err = -ENOMEM;
	return r;
}

int ipe_ext_add_parent(struct ipe_ext *x, uint32_t src, const struct ipe_loc *from, bool imported)
{
	if (ipe_vec_reserve((void **)&x->parents, &x->parents_cap, x->nparents + 1, sizeof(*x->parents)))
		return -ENOMEM;
	x->parents[x->nparents++] = (struct ext_parent){ .src = src, .from = *from, .imported = imported };
	return 0;
}

/* Read a file through the loader into a new source of ctx.  Reports
 * errors (the loader's diagnostic sets the verdict); returns 0 or -1. */
int ipe_ext_load_file(struct ipe_parser *ps, const char *path, const struct ipe_loc *at, const char *what,
		      uint32_t *ret_src)
{
	struct ipe_verdict *v = &ps->policy->verdict;
	struct ipe_diag *d = NULL;
	int rc = ipe_loader_load(ps->ext->ld, path, at, what, ret_src, &d);

	if (!rc)
		return 0;
	if (rc != -EBADMSG) {
		ps->err = rc;
		return -1;
	}
	if (d && !v->err) {
		/* an extension is a kernel syntax error (see ext_error) */
		v->err = EBADMSG;
		v->loc = *at;
		v->code = d->code;
	}
	return -1;
}

/* A path named in the current source, resolved by the loader; NULL after
 * -ENOMEM (ps->err set). */
char *ipe_ext_resolve_path(struct ipe_parser *ps, const char *path)
{
	char *r = NULL;

	if (ipe_loader_resolve(ps->ext->ld, ipe_ext_cur_src(ps), path, &r))
		ps->err = -ENOMEM;
	return r;
}

/* ---- include ---- */

void ipe_ext_do_include(struct ipe_parser *ps, const struct ipe_cline *l)
{
	struct ipe_ext *x = ps->ext;
	struct ext_frame *f = NULL;
	const struct ipe_source *s;
	char *path = NULL, *resolved = NULL, *real = NULL;
	const unsigned char *nul;
	struct ipe_tok t0, t1;
	uint32_t src;

	ipe_cline_tok(l, 0, &t0);
	if (l->ntoks < 2) {
		ipe_ext_error(ps, "IPE-E100", &t0.loc, "write: include \"path/to/file.pol\"",
			      "include needs a path");
		return;
	}
	ipe_cline_tok(l, 1, &t1);
	path = ipe_ext_quoted_arg(ps, &t1, "include");
	if (!path)
		return;
	resolved = ipe_ext_resolve_path(ps, path);
	if (!resolved)
		goto out;
	if (x->depth + 1 > x->opts.max_include_depth) {
		ipe_ext_error(ps, "IPE-E102", &t1.loc, "flatten the include chain",
			      "includes nested more than %u deep", x->opts.max_include_depth);
		goto out;
	}
	real = ipe_loader_identity(x->ld, resolved);
	if (real) {
		const char *root = ipe_loader_root_identity(x->ld);
		bool cycle = root && strcmp(real, root) == 0;

		for (size_t i = 0; !cycle && i < x->depth; i++)
			cycle = strcmp(real, x->stack[i]->real) == 0;
		if (cycle) {
			ipe_ext_error(ps, "IPE-E101", &t1.loc,
				      "a file cannot include itself, directly or through other files",
				      "include cycle: '%s' is already being read", resolved);
			goto out;
		}
	}
	if (ipe_ext_load_file(ps, resolved, &t1.loc, "included file", &src))
		goto out;
	if (ipe_ext_add_parent(x, src, &t0.loc, false) ||
		    ipe_vec_reserve((void **)&x->stack, &x->stack_cap, x->depth + 1, sizeof(*x->stack))) {
		ps->err = -ENOMEM;
		goto out;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		ps->err = -ENOMEM;
		goto out;
	}
	f->src = src;
	f->real = real ? real : strdup(resolved);
	real = NULL;
	s = ipe_ctx_source(ps->ctx, src);
	nul = s->len ? memchr(s->data, '\0', s->len) : NULL;
	if (nul) {
		struct ipe_loc nl = { .src = src, .offset = (uint32_t)(nul - s->data), .line = 1, .col = 1, .len = 1 };

		ipe_ext_error(ps, "IPE-E100", &nl, "remove the NUL byte; policy source is text",
			      "NUL byte in included file '%s'", resolved);
	}
	if (!f->real || ipe_lexer_init(&f->lx, ps->ctx, src, s->data, nul ? (size_t)(nul - s->data) : s->len)) {
		free(f->real);
		free(f);
		ps->err = -ENOMEM;
		goto out;
	}
	x->stack[x->depth++] = f;
out:
	free(real);
	free(resolved);
	free(path);
}
