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
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <ipe/compile.h>
#include <ipe/policy.h>

#include "lexer/lexer.h"
#include "parser/extensions.h"
#include "parser/hints.h"
#include "source/loader.h"
#include "util/internal.h"

struct ext_set {
	char *name;
	char **members;          /* "ALG:HEX", validated */
	struct ipe_loc *locs;
	size_t n, cap, locs_cap;
	struct ipe_loc loc;      /* the NAME token of the definition */
};

struct ext_frame {
	struct ipe_lexer lx;
	uint32_t src;
	char *real;              /* the file's identity (loader), for cycle detection */
};

struct ext_parent {
	uint32_t src;
	struct ipe_loc from;     /* the directive that brought this source in */
	bool imported;           /* set NAME from "file" (else include) */
};

enum slot_kind { SLOT_FIXED, SLOT_OPS, SLOT_SET };

struct slot {
	enum slot_kind kind;
	uint32_t tok;            /* FIXED/OPS: source token index */
	struct ipe_loc loc;      /* SET: span of "KEY in @NAME" */
	int prop;                /* SET: IPE_PROP_FSV_DIGEST / IPE_PROP_DMV_ROOTHASH */
	size_t set;              /* SET: index into sets */
	int ops[IPE_OP_COUNT];   /* OPS */
	size_t nops;
	size_t n, cur;           /* alternatives, odometer */
};

struct ipe_ext {
	struct ipe_loader *ld;    /* reads the included and imported files */
	struct ipe_source_opts opts; /* the loader's, defaults filled in */
	bool limit_hit;           /* max_rules: stop expanding, one error */
	struct ext_frame **stack; /* included files being read; the root is ps->lx */
	size_t depth, stack_cap;
	struct ext_set *sets;
	size_t nsets, sets_cap;
	struct ext_parent *parents;
	size_t nparents, parents_cap;

	/* the source line being expanded */
	bool in_group;
	bool group_first;
	struct ipe_tok *src_toks; /* copies of the source line's tokens */
	size_t nsrc, src_cap;
	char *src_text;
	size_t src_text_cap;
	uint32_t number;
	struct slot *slots;
	size_t nslots, slots_cap;
	/* the synthetic line handed out */
	struct ipe_tok *out_toks;
	size_t out_cap;
	char *out_text;
	size_t out_len, out_text_cap;
};

/* ---- helpers ---- */

__attribute__((format(printf, 5, 6))) static struct ipe_diag *
ext_error(struct ipe_parser *ps, const char *code, const struct ipe_loc *loc, const char *hint, const char *fmt,
	  ...)
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

static bool tok_is(const struct ipe_tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->len == n && memcmp(t->text, s, n) == 0;
}

static bool valid_set_name(const char *s, size_t n)
{
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (i > 0 && ((c >= '0' && c <= '9') || c == '-' || c == '.'));

		if (!ok)
			return false;
	}
	return true;
}

/* Check one set member as the kernel checks a digest value. */
/* Why t is not ALGORITHM:HEX, or NULL.  *ret_pos: the offending position
 * after ':' (non-hex character). */
static const char *member_problem(const char *t, size_t len, size_t *ret_pos)
{
	const char *colon = memchr(t, ':', len);
	size_t hlen, span;

	*ret_pos = 0;
	if (!colon)
		return "has no algorithm (no ':')";
	hlen = len - (size_t)(colon + 1 - t);
	span = ipe_hex_span(colon + 1, hlen);
	if (span < hlen) {
		*ret_pos = span + 1;
		return "has a non-hex character after ':'";
	}
	if (hlen % 2)
		return "has an odd number of hex digits";
	return NULL;
}

static const char *member_hint(const char *why)
{
	if (why[4] == 'n' && why[5] == 'o') /* "has no algorithm" */
		return "write each member as ALGORITHM:HEX, e.g. sha256:0123... (what `fsverity digest` prints)";
	if (strstr(why, "non-hex"))
		return "the digest after ':' must be hexadecimal digits 0-9, a-f";
	return "a digest is whole bytes: each byte is two hex digits";
}

/* A member written in the policy source itself: quoted in the message. */
static bool check_member(struct ipe_parser *ps, const char *t, size_t len, const struct ipe_loc *loc,
			 const char *setname)
{
	char showbuf[128];
	size_t pos;
	const char *why = member_problem(t, len, &pos);

	if (!why)
		return true;
	if (pos)
		ext_error(ps, "IPE-E111", loc, member_hint(why), "member '%s' of set '%s' %s (position %zu)",
			  ipe_hint_show(showbuf, sizeof(showbuf), t, len), setname, why, pos);
	else
		ext_error(ps, "IPE-E111", loc, member_hint(why), "member '%s' of set '%s' %s",
			  ipe_hint_show(showbuf, sizeof(showbuf), t, len), setname, why);
	return false;
}

static int set_push(struct ext_set *s, const char *t, size_t len, const struct ipe_loc *loc)
{
	if (ipe_vec_reserve((void **)&s->members, &s->cap, s->n + 1, sizeof(*s->members)) ||
	    ipe_vec_reserve((void **)&s->locs, &s->locs_cap, s->n + 1, sizeof(*s->locs)))
		return -ENOMEM;
	s->members[s->n] = strndup(t, len);
	if (!s->members[s->n])
		return -ENOMEM;
	s->locs[s->n] = *loc;
	s->n++;
	return 0;
}

static void set_clear(struct ext_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->members[i]);
	free(s->members);
	free(s->locs);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

static ssize_t find_set(const struct ipe_ext *x, const char *name, size_t len)
{
	for (size_t i = 0; i < x->nsets; i++)
		if (strlen(x->sets[i].name) == len && memcmp(x->sets[i].name, name, len) == 0)
			return (ssize_t)i;
	return -1;
}

static struct ipe_lexer *cur_lexer(struct ipe_parser *ps)
{
	struct ipe_ext *x = ps->ext;

	return x->depth ? &x->stack[x->depth - 1]->lx : &ps->lx;
}

static uint32_t cur_src(struct ipe_parser *ps)
{
	return cur_lexer(ps)->src;
}

/* A quoted path starting at token t: read the raw source bytes (a path may
 * hold spaces or '#').  Returns a malloc'd string or NULL (error reported). */
static char *quoted_arg(struct ipe_parser *ps, const struct ipe_tok *t, const char *what)
{
	const struct ipe_source *s = ipe_ctx_source(ps->ctx, t->loc.src);
	const unsigned char *p, *end, *q;
	char *r;

	if (!s || t->text[0] != '"') {
		ext_error(ps, "IPE-E100", &t->loc, "put the path in double quotes, e.g. include \"common.pol\"",
			  "%s needs a path in double quotes", what);
		return NULL;
	}
	p = s->data + t->loc.offset + 1;
	end = s->data + s->len;
	for (q = p; q < end && *q != '"' && *q != '\n' && *q != '\r' && *q != '\0'; q++)
		;
	if (q >= end || *q != '"') {
		ext_error(ps, "IPE-E100", &t->loc, "close the path with '\"' on the same line",
			  "unterminated path in %s", what);
		return NULL;
	}
	if (q == p) {
		ext_error(ps, "IPE-E100", &t->loc, "give a file name between the quotes", "empty path in %s", what);
		return NULL;
	}
	/* nothing but blanks or a comment after the closing quote */
	for (const unsigned char *a = q + 1; a < end && *a != '\n' && *a != '\r' && *a != '#'; a++) {
		if (*a != ' ' && *a != '\t' && *a != '\v' && *a != '\f' && *a != 0xA0) {
			struct ipe_loc l = t->loc;

			l.offset = (uint32_t)(a - s->data);
			l.col += (uint32_t)(a - (s->data + t->loc.offset));
			l.len = 1;
			ext_error(ps, "IPE-E100", &l, "one path per directive; start a new line for the next one",
				  "unexpected text after the path of %s", what);
			return NULL;
		}
	}
	r = strndup((const char *)p, (size_t)(q - p));
	if (!r)
		ps->err = -ENOMEM;
	return r;
}

static int add_parent(struct ipe_ext *x, uint32_t src, const struct ipe_loc *from, bool imported)
{
	if (ipe_vec_reserve((void **)&x->parents, &x->parents_cap, x->nparents + 1, sizeof(*x->parents)))
		return -ENOMEM;
	x->parents[x->nparents++] = (struct ext_parent){ .src = src, .from = *from, .imported = imported };
	return 0;
}

/* Read a file through the loader into a new source of ctx.  Reports
 * errors (the loader's diagnostic sets the verdict); returns 0 or -1. */
static int load_file(struct ipe_parser *ps, const char *path, const struct ipe_loc *at, const char *what,
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
static char *resolve_path(struct ipe_parser *ps, const char *path)
{
	char *r = NULL;

	if (ipe_loader_resolve(ps->ext->ld, cur_src(ps), path, &r))
		ps->err = -ENOMEM;
	return r;
}

/* ---- include ---- */

static void do_include(struct ipe_parser *ps, const struct ipe_line *l)
{
	struct ipe_ext *x = ps->ext;
	struct ext_frame *f = NULL;
	const struct ipe_source *s;
	char *path = NULL, *resolved = NULL, *real = NULL;
	const unsigned char *nul;
	uint32_t src;

	if (l->ntoks < 2) {
		ext_error(ps, "IPE-E100", &l->toks[0].loc, "write: include \"path/to/file.pol\"",
			  "include needs a path");
		return;
	}
	path = quoted_arg(ps, &l->toks[1], "include");
	if (!path)
		return;
	resolved = resolve_path(ps, path);
	if (!resolved)
		goto out;
	if (x->depth + 1 > x->opts.max_include_depth) {
		ext_error(ps, "IPE-E102", &l->toks[1].loc, "flatten the include chain",
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
			ext_error(ps, "IPE-E101", &l->toks[1].loc,
				  "a file cannot include itself, directly or through other files",
				  "include cycle: '%s' is already being read", resolved);
			goto out;
		}
	}
	if (load_file(ps, resolved, &l->toks[1].loc, "included file", &src))
		goto out;
	if (add_parent(x, src, &l->toks[0].loc, false) ||
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

		ext_error(ps, "IPE-E100", &nl, "remove the NUL byte; policy source is text",
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

/* ---- sets ---- */

static struct ext_set *new_set(struct ipe_parser *ps, const struct ipe_tok *name)
{
	struct ipe_ext *x = ps->ext;
	char showbuf[128];
	ssize_t prev;
	struct ext_set *s;

	if (!valid_set_name(name->text, name->len)) {
		ext_error(ps, "IPE-E110", &name->loc,
			  "a set name starts with a letter or '_' and holds letters, digits, '_', '-' and '.'",
			  "invalid set name '%s'", ipe_hint_show(showbuf, sizeof(showbuf), name->text, name->len));
		return NULL;
	}
	prev = find_set(x, name->text, name->len);
	if (prev >= 0) {
		struct ipe_diag *d = ext_error(ps, "IPE-E112", &name->loc, "give each set its own name",
					       "set '%s' is already defined", x->sets[prev].name);

		if (d && ipe_diag_add_related(ps->ctx, d, &x->sets[prev].loc, "the first definition is here"))
			ps->err = -ENOMEM;
		return NULL;
	}
	if (ipe_vec_reserve((void **)&x->sets, &x->sets_cap, x->nsets + 1, sizeof(*x->sets))) {
		ps->err = -ENOMEM;
		return NULL;
	}
	s = &x->sets[x->nsets];
	memset(s, 0, sizeof(*s));
	s->name = strndup(name->text, name->len);
	if (!s->name) {
		ps->err = -ENOMEM;
		return NULL;
	}
	s->loc = name->loc;
	return s;
}

/* set NAME from "file": one digest per line, the first field; the rest of
 * the line (fsverity digest/measure print the path) is ignored. */
#define DIGEST_LIST_HINT                                                                              \
	"a digest list holds one ALGORITHM:HEX per line (what `fsverity digest` prints); the file's content " \
	"is not shown (it may be a secret, e.g. a key given by mistake)"

static void import_set(struct ipe_parser *ps, struct ext_set *s, const struct ipe_tok *from,
		       const struct ipe_tok *pathtok)
{
	char *path = quoted_arg(ps, pathtok, "set ... from");
	char *resolved = NULL;
	const struct ipe_source *src;
	uint32_t sidx;
	bool ok = true;

	(void)from;
	if (!path)
		goto fail;
	resolved = resolve_path(ps, path);
	if (!resolved)
		goto fail;
	if (load_file(ps, resolved, &pathtok->loc, "digest list", &sidx))
		goto fail;
	if (add_parent(ps->ext, sidx, &pathtok->loc, true)) {
		ps->err = -ENOMEM;
		goto fail;
	}
	src = ipe_ctx_source(ps->ctx, sidx);
	{
		const char *d = (const char *)src->data;
		size_t n = src->len, i = 0;
		uint32_t line = 1, nbad = 0, bad_line = 0;
		const char *bad_why = NULL;

		while (i < n && !ps->err) {
			size_t ls = i, le, ts, te;

			while (i < n && d[i] != '\n' && d[i] != '\r')
				i++;
			le = i;
			if (i < n && d[i] == '\r' && i + 1 < n && d[i + 1] == '\n')
				i++;
			if (i < n)
				i++;
			for (size_t k = ls; k < le; k++)
				if (d[k] == '#') {
					le = k;
					break;
				}
			ts = ls;
			while (ts < le && (d[ts] == ' ' || d[ts] == '\t'))
				ts++;
			te = ts;
			while (te < le && d[te] != ' ' && d[te] != '\t')
				te++;
			if (te > ts) {
				struct ipe_loc l = { .src = sidx, .line = line, .col = (uint32_t)(ts - ls + 1),
						     .len = (uint32_t)(te - ts), .offset = (uint32_t)ts };
				size_t pos;
				const char *why = memchr(d + ts, '\0', te - ts) ? "holds a NUL byte"
										: member_problem(d + ts, te - ts, &pos);

				/* A file that is not a digest list may be anything (a
				 * private key given by mistake): its bytes are never
				 * shown, and the report points at the directive, so no
				 * renderer quotes the file's line either. */
				if (why) {
					if (!nbad++) {
						bad_line = line;
						bad_why = why;
					}
					ok = false;
				} else if (ok && set_push(s, d + ts, te - ts, &l)) {
					ps->err = -ENOMEM;
				}
			}
			line++;
		}
		if (nbad == 1)
			ext_error(ps, "IPE-E111", &pathtok->loc, DIGEST_LIST_HINT,
				  "digest list '%s' for set '%s': line %u is not a digest (its first word %s)", path,
				  s->name, bad_line, bad_why);
		else if (nbad > 1)
			ext_error(ps, "IPE-E111", &pathtok->loc, DIGEST_LIST_HINT,
				  "digest list '%s' for set '%s': line %u is not a digest (its first word %s), nor are %u more lines",
				  path, s->name, bad_line, bad_why, nbad - 1);
	}
	if (!ok)
		goto fail;
	free(resolved);
	free(path);
	ps->ext->nsets++;
	return;
fail:
	free(resolved);
	free(path);
	set_clear(s);
}

static void do_set(struct ipe_parser *ps, const struct ipe_line *l)
{
	struct ipe_ext *x = ps->ext;
	struct ipe_lexer *lx = cur_lexer(ps);
	struct ipe_line cur = *l;
	struct ipe_loc set_loc = l->toks[0].loc;
	struct ext_set *s, scratch;
	size_t i;
	bool ok = true, closed = false, discard = false;

	if (l->ntoks < 3) {
		ext_error(ps, "IPE-E110", &l->toks[0].loc,
			  "write: set NAME { sha256:HEX ... }  or  set NAME from \"digests.txt\"",
			  "incomplete set definition");
		return;
	}
	s = new_set(ps, &l->toks[1]);
	if (!s) {
		if (ps->err)
			return;
		/* bad name: still consume a "{ ... }" block so its members are
		 * not read as rules */
		memset(&scratch, 0, sizeof(scratch));
		scratch.name = strdup("?");
		if (!scratch.name) {
			ps->err = -ENOMEM;
			return;
		}
		s = &scratch;
		discard = true;
	}
	if (tok_is(&l->toks[2], "from")) {
		if (discard) {
			set_clear(s);
			return;
		}
		if (l->ntoks != 4) {
			ext_error(ps, "IPE-E110", &l->toks[2].loc, "write: set NAME from \"digests.txt\"",
				  "set ... from takes exactly one quoted path");
			set_clear(s);
			return;
		}
		import_set(ps, s, &l->toks[2], &l->toks[3]);
		return;
	}
	if (!tok_is(&l->toks[2], "{")) {
		ext_error(ps, "IPE-E110", &l->toks[2].loc,
			  "write: set NAME { sha256:HEX ... }  or  set NAME from \"digests.txt\" ('{' is a separate word)",
			  "expected '{' or 'from' after the set name");
		set_clear(s);
		return;
	}
	i = 3;
	for (;;) {
		for (; i < cur.ntoks; i++) {
			const struct ipe_tok *t = &cur.toks[i];

			if (tok_is(t, "}")) {
				if (i + 1 != cur.ntoks) {
					ext_error(ps, "IPE-E110", &cur.toks[i + 1].loc,
						  "nothing may follow the '}' that closes a set",
						  "unexpected text after the end of set '%s'", s->name);
					ok = false;
				}
				closed = true;
				break;
			}
			if (!check_member(ps, t->text, t->len, &t->loc, s->name))
				ok = false;
			else if (set_push(s, t->text, t->len, &t->loc)) {
				ps->err = -ENOMEM;
				ok = false;
			}
		}
		if (closed || ps->err)
			break;
		{
			int rc = ipe_lexer_next_line(lx, &cur);

			if (rc < 0) {
				ps->err = rc;
				break;
			}
			if (rc == 0) {
				ext_error(ps, "IPE-E110", &set_loc, "close the set with '}' on a line of its own",
					  "set '%s' is not closed before the end of the file", s->name);
				ok = false;
				break;
			}
		}
		i = 0;
	}
	if (!ok || ps->err || discard) {
		set_clear(s);
		return;
	}
	x->nsets++;
}

/* ---- rule expansion ---- */

static int copy_line(struct ipe_ext *x, const struct ipe_line *l)
{
	size_t total = 0, off = 0;

	for (size_t i = 0; i < l->ntoks; i++)
		total += l->toks[i].len;
	if (ipe_vec_reserve((void **)&x->src_toks, &x->src_cap, l->ntoks, sizeof(*x->src_toks)) ||
	    ipe_vec_reserve((void **)&x->src_text, &x->src_text_cap, total + 1, 1))
		return -ENOMEM;
	for (size_t i = 0; i < l->ntoks; i++) {
		x->src_toks[i] = l->toks[i];
		memcpy(x->src_text + off, l->toks[i].text, l->toks[i].len);
		x->src_toks[i].text = (const char *)(uintptr_t)off;
		off += l->toks[i].len;
	}
	for (size_t i = 0; i < l->ntoks; i++)
		x->src_toks[i].text = x->src_text + (uintptr_t)x->src_toks[i].text;
	x->nsrc = l->ntoks;
	x->number = l->number;
	return 0;
}

static int push_slot(struct ipe_ext *x, const struct slot *s)
{
	if (ipe_vec_reserve((void **)&x->slots, &x->slots_cap, x->nslots + 1, sizeof(*x->slots)))
		return -ENOMEM;
	x->slots[x->nslots++] = *s;
	return 0;
}

static bool is_digest_key(const struct ipe_tok *t, int *ret_prop)
{
	if (tok_is(t, "fsverity_digest")) {
		*ret_prop = IPE_PROP_FSV_DIGEST;
		return true;
	}
	if (tok_is(t, "dmverity_roothash")) {
		*ret_prop = IPE_PROP_DMV_ROOTHASH;
		return true;
	}
	return false;
}

static bool parse_ops(struct ipe_parser *ps, const struct ipe_tok *t, struct slot *s)
{
	const char *p = t->text + 3, *end = t->text + t->len;
	char showbuf[128], hint[256], tmp[160];

	s->nops = 0;
	while (p <= end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		int op = -1;

		for (int k = 0; k < IPE_OP_COUNT; k++) {
			const char *n = ipe_op_name(k);

			if (strlen(n) == (size_t)(e - p) && memcmp(n, p, (size_t)(e - p)) == 0)
				op = k;
		}
		if (op < 0) {
			snprintf(tmp, sizeof(tmp), "op=%.*s", (int)((e - p) > 150 ? 150 : (e - p)), p);
			if (e == p)
				snprintf(hint, sizeof(hint), "separate operations with single commas: op=EXECUTE,KMODULE");
			else if (ipe_hint_suggest(tmp, strlen(tmp), IPE_HINT_OP, hint, sizeof(hint)) <= 0)
				snprintf(hint, sizeof(hint),
					 "operations: EXECUTE FIRMWARE KMODULE KEXEC_IMAGE KEXEC_INITRAMFS POLICY X509_CERT");
			ext_error(ps, "IPE-E120", &t->loc, hint,
				  e == p ? "empty operation in the list '%s'" : "unknown operation '%s' in the list",
				  e == p ? ipe_hint_show(showbuf, sizeof(showbuf), t->text, t->len)
					 : ipe_hint_show(showbuf, sizeof(showbuf), p, (size_t)(e - p)));
			return false;
		}
		for (size_t k = 0; k < s->nops; k++) {
			if (s->ops[k] == op) {
				ext_error(ps, "IPE-E120", &t->loc, "name each operation once",
					  "operation %s appears twice in '%s'", ipe_op_name(op),
					  ipe_hint_show(showbuf, sizeof(showbuf), t->text, t->len));
				return false;
			}
		}
		s->ops[s->nops++] = op;
		if (!c)
			break;
		p = c + 1;
	}
	s->n = s->nops;
	return true;
}

/* Plan the expansion of a line: 1 = it uses extensions (slots ready),
 * 0 = a plain kernel line, -1 = an error was reported (drop the line). */
static int plan_line(struct ipe_parser *ps, const struct ipe_line *l)
{
	struct ipe_ext *x = ps->ext;
	bool ext = false;
	char showbuf[128];

	for (size_t i = 0; i < l->ntoks; i++) {
		const struct ipe_tok *t = &l->toks[i];

		if (t->len > 3 && memcmp(t->text, "op=", 3) == 0 && memchr(t->text, ',', t->len))
			ext = true;
		if (i + 2 < l->ntoks && tok_is(&l->toks[i + 1], "in") && l->toks[i + 2].len > 0 &&
		    l->toks[i + 2].text[0] == '@')
			ext = true;
	}
	if (!ext)
		return 0;
	if (copy_line(x, l)) {
		ps->err = -ENOMEM;
		return -1;
	}
	x->nslots = 0;
	for (size_t i = 0; i < x->nsrc; i++) {
		const struct ipe_tok *t = &x->src_toks[i];
		struct slot s = { .kind = SLOT_FIXED, .tok = (uint32_t)i, .n = 1 };
		int prop = 0;

		if (t->len > 3 && memcmp(t->text, "op=", 3) == 0 && memchr(t->text, ',', t->len)) {
			s.kind = SLOT_OPS;
			if (!parse_ops(ps, t, &s))
				return -1;
		} else if (i + 2 < x->nsrc && tok_is(&x->src_toks[i + 1], "in") && x->src_toks[i + 2].len > 0 &&
			   x->src_toks[i + 2].text[0] == '@') {
			const struct ipe_tok *nt = &x->src_toks[i + 2];
			ssize_t si;

			s.loc = t->loc;
			s.loc.len = nt->loc.offset + nt->loc.len - t->loc.offset;
			if (!is_digest_key(t, &prop)) {
				ext_error(ps, "IPE-E121", &s.loc,
					  "only fsverity_digest and dmverity_roothash take a set: fsverity_digest in @NAME",
					  "'%s' cannot take 'in @SET'",
					  ipe_hint_show(showbuf, sizeof(showbuf), t->text, t->len));
				return -1;
			}
			si = find_set(x, nt->text + 1, nt->len - 1);
			if (si < 0) {
				ext_error(ps, "IPE-E113", &nt->loc,
					  "define the set before the rules that use it: set NAME { ... }",
					  "unknown set '%s'", ipe_hint_show(showbuf, sizeof(showbuf), nt->text, nt->len));
				return -1;
			}
			s.kind = SLOT_SET;
			s.prop = prop;
			s.set = (size_t)si;
			s.n = x->sets[si].n;
			if (s.n == 0) {
				if (!ipe_diag_add(ps->ctx, "IPE-W120", IPE_SEV_WARNING, &s.loc,
						  "add digests to the set, or remove the rule",
						  "set '%s' is empty: this line produces no rule", x->sets[si].name))
					ps->err = -ENOMEM;
				return -1;
			}
			i += 2;
		}
		if (push_slot(x, &s)) {
			ps->err = -ENOMEM;
			return -1;
		}
	}
	/* the product of the alternatives, checked before any rule is made */
	{
		size_t prod = 1;

		for (size_t i = 0; i < x->nslots; i++)
			prod = x->slots[i].n > SIZE_MAX / prod ? SIZE_MAX : prod * x->slots[i].n;
		if (prod > x->opts.max_line_rules) {
			struct ipe_loc loc = l->toks[0].loc;
			const struct ipe_tok *last = &l->toks[l->ntoks - 1];

			if (last->loc.src == loc.src && last->loc.offset >= loc.offset)
				loc.len = last->loc.offset + last->loc.len - loc.offset;
			if (prod == SIZE_MAX)
				ext_error(ps, "IPE-E122", &loc,
					  "split the sets or the operations over several lines; or raise the limit "
					  "(ipe-compile --max-line-rules=N)",
					  "this line expands to too many rules (over %zu)", x->opts.max_line_rules);
			else
				ext_error(ps, "IPE-E122", &loc,
					  "split the sets or the operations over several lines; or raise the limit "
					  "(ipe-compile --max-line-rules=N)",
					  "this line expands to %zu rules, over the limit of %zu", prod,
					  x->opts.max_line_rules);
			return -1;
		}
	}
	return 1;
}

static int out_put(struct ipe_ext *x, const char *s, size_t n)
{
	if (ipe_vec_reserve((void **)&x->out_text, &x->out_text_cap, x->out_len + n + 1, 1))
		return -ENOMEM;
	memcpy(x->out_text + x->out_len, s, n);
	x->out_len += n;
	return 0;
}

/* Build the synthetic line for the current odometer position. */
static int emit_combination(struct ipe_ext *x, struct ipe_line *ret)
{
	if (ipe_vec_reserve((void **)&x->out_toks, &x->out_cap, x->nslots, sizeof(*x->out_toks)))
		return -ENOMEM;
	x->out_len = 0;
	for (size_t i = 0; i < x->nslots; i++) {
		const struct slot *s = &x->slots[i];
		struct ipe_tok *o = &x->out_toks[i];
		size_t start = x->out_len;
		int rc = 0;

		switch (s->kind) {
		case SLOT_FIXED:
			*o = x->src_toks[s->tok];
			rc = out_put(x, o->text, o->len);
			break;
		case SLOT_OPS: {
			const char *n = ipe_op_name(s->ops[s->cur]);

			*o = x->src_toks[s->tok];
			rc = out_put(x, "op=", 3);
			if (!rc)
				rc = out_put(x, n, strlen(n));
			break;
		}
		case SLOT_SET: {
			const char *k = ipe_prop_key(s->prop);
			const char *m = x->sets[s->set].members[s->cur];

			/* the member's own location (its line in the set or the
			 * imported list), so findings on this copy point there */
			o->loc = x->sets[s->set].locs[s->cur];
			rc = out_put(x, k, strlen(k));
			if (!rc)
				rc = out_put(x, "=", 1);
			if (!rc)
				rc = out_put(x, m, strlen(m));
			break;
		}
		}
		if (rc)
			return rc;
		o->text = (const char *)(uintptr_t)start;
		o->len = (uint32_t)(x->out_len - start);
	}
	for (size_t i = 0; i < x->nslots; i++)
		x->out_toks[i].text = x->out_text + (uintptr_t)x->out_toks[i].text;
	ret->toks = x->out_toks;
	ret->ntoks = x->nslots;
	ret->number = x->number;
	return 0;
}

/* Advance the odometer (last slot fastest); false when done. */
static bool advance(struct ipe_ext *x)
{
	for (size_t i = x->nslots; i-- > 0;) {
		struct slot *s = &x->slots[i];

		if (++s->cur < s->n)
			return true;
		s->cur = 0;
	}
	return false;
}

/* ---- the line source ---- */

/* max_rules: true (one error, the rest not read) when a rule line comes
 * and the policy is full. */
static bool rules_full(struct ipe_parser *ps, const struct ipe_tok *first)
{
	struct ipe_ext *x = ps->ext;

	if (ps->policy->nrules < x->opts.max_rules)
		return false;
	x->limit_hit = true;
	ext_error(ps, "IPE-E123", &first->loc, "split the policy, or raise the limit (ipe-compile --max-rules=N)",
		  "this rule would be number %zu, over the limit of %zu rules: the rest of the input is not read",
		  x->opts.max_rules + 1, x->opts.max_rules);
	return true;
}

int ipe_ext_next_line(struct ipe_parser *ps, struct ipe_line *ret_line)
{
	struct ipe_ext *x = ps->ext;
	int rc;

	for (;;) {
		struct ipe_line l;

		if (ps->err)
			return ps->err;
		if (x->limit_hit)
			return 0;
		if (x->in_group) {
			/* one error per source line: stop expanding after a failure */
			if ((!x->group_first && ps->line_failed) || (!x->group_first && !advance(x))) {
				x->in_group = false;
				continue;
			}
			x->group_first = false;
			if (rules_full(ps, &x->src_toks[0]))
				return 0;
			rc = emit_combination(x, ret_line);
			if (rc)
				return rc;
			return 1;
		}
		rc = ipe_lexer_next_line(cur_lexer(ps), &l);
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
		if (tok_is(&l.toks[0], "include")) {
			do_include(ps, &l);
			continue;
		}
		if (tok_is(&l.toks[0], "set")) {
			do_set(ps, &l);
			continue;
		}
		rc = plan_line(ps, &l);
		if (rc < 0)
			continue;
		if (rc == 0) {
			if (l.toks[0].kw.kind != IPE_KW_DEFAULT && l.toks[0].kw.kind != IPE_KW_HDR_NAME &&
			    l.toks[0].kw.kind != IPE_KW_HDR_VERSION && rules_full(ps, &l.toks[0]))
				return 0;
			*ret_line = l;
			return 1;
		}
		x->in_group = true;
		x->group_first = true;
	}
}

int ipe_ext_add_include_notes(struct ipe_parser *ps, size_t first)
{
	struct ipe_ext *x = ps->ext;
	size_t n = ipe_ctx_diag_count(ps->ctx);

	for (size_t i = first; i < n; i++) {
		struct ipe_diag *d = (struct ipe_diag *)ipe_ctx_diag(ps->ctx, i);
		uint32_t src = d->loc.src;

		for (unsigned guard = 0; guard <= IPE_INCLUDE_MAX_DEPTH + 2; guard++) {
			const struct ext_parent *p = NULL;
			const struct ipe_source *s;

			for (size_t k = 0; k < x->nparents; k++)
				if (x->parents[k].src == src)
					p = &x->parents[k];
			if (!p)
				break;
			s = ipe_ctx_source(ps->ctx, p->from.src);
			if (ipe_diag_add_related(ps->ctx, d, &p->from, "in file %s from %s:%u",
						 p->imported ? "imported" : "included", s ? s->name : "?",
						 p->from.line))
				return -ENOMEM;
			src = p->from.src;
		}
	}
	return 0;
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
		set_clear(&x->sets[i]);
	free(x->sets);
	free(x->parents);
	free(x->src_toks);
	free(x->src_text);
	free(x->slots);
	free(x->out_toks);
	free(x->out_text);
	free(x);
}
