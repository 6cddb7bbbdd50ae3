/* SPDX-License-Identifier: MIT */
/* Source mode: named digest sets, "set NAME { ALG:HEX ... }" and
 * "set NAME from \"file\"". */
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
#include "parser/ext_internal.h"
#include "parser/extensions.h"
#include "parser/hints.h"
#include "util/internal.h"

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

/* Bad members of one set reported one by one; the others are counted in
 * one finding (the number ipe-check's --fold-after defaults to, so one line
 * of a million bad members is not a million findings). */
#define SET_BAD_SHOWN 10

/* A member written in the policy source itself: quoted in the message.
 * Past the first SET_BAD_SHOWN bad members of the set (*nbad counts them),
 * only counted: *fold_first and *fold_last are where the uncounted run
 * starts and ends. */
static bool check_member(struct ipe_parser *ps, const char *t, size_t len, const struct ipe_loc *loc,
			 const char *setname, uint32_t *nbad, struct ipe_loc *fold_first, struct ipe_loc *fold_last)
{
	char showbuf[128];
	size_t pos;
	const char *why = member_problem(t, len, &pos);

	if (!why)
		return true;
	if (*nbad < UINT32_MAX)
		(*nbad)++;
	if (*nbad > SET_BAD_SHOWN) {
		if (*nbad == SET_BAD_SHOWN + 1)
			*fold_first = *loc;
		*fold_last = *loc;
		return false;
	}
	if (pos)
		ipe_ext_error(ps, "IPE-E111", loc, member_hint(why), "member '%s' of set '%s' %s (position %zu)",
			      ipe_hint_show(showbuf, sizeof(showbuf), t, len), setname, why, pos);
	else
		ipe_ext_error(ps, "IPE-E111", loc, member_hint(why), "member '%s' of set '%s' %s",
			      ipe_hint_show(showbuf, sizeof(showbuf), t, len), setname, why);
	return false;
}

static int set_push(struct ext_set *s, const char *t, size_t len, const struct ipe_loc *loc)
{
	/* one buffer for every member's text, not a heap block each: a short
	 * member cost a 32-byte chunk and a pointer (issue 11) */
	if (len >= SIZE_MAX - s->text_len - 1 ||
	    ipe_vec_reserve((void **)&s->off, &s->cap, s->n + 1, sizeof(*s->off)) ||
	    ipe_vec_reserve((void **)&s->locs, &s->locs_cap, s->n + 1, sizeof(*s->locs)) ||
	    ipe_vec_reserve((void **)&s->text, &s->text_cap, s->text_len + len + 1, 1))
		return -ENOMEM;
	memcpy(s->text + s->text_len, t, len);
	s->text[s->text_len + len] = '\0';
	s->off[s->n] = s->text_len;
	s->text_len += len + 1;
	s->locs[s->n] = *loc;
	s->n++;
	return 0;
}

void ipe_ext_set_clear(struct ext_set *s)
{
	free(s->text);
	free(s->off);
	free(s->locs);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

ssize_t ipe_ext_find_set(const struct ipe_ext *x, const char *name, size_t len)
{
	for (size_t i = 0; i < x->nsets; i++)
		if (strlen(x->sets[i].name) == len && memcmp(x->sets[i].name, name, len) == 0)
			return (ssize_t)i;
	return -1;
}

static struct ext_set *new_set(struct ipe_parser *ps, const struct ipe_tok *name)
{
	struct ipe_ext *x = ps->ext;
	char showbuf[128];
	ssize_t prev;
	struct ext_set *s;

	if (!valid_set_name(name->text, name->len)) {
		ipe_ext_error(ps, "IPE-E110", &name->loc,
			      "a set name starts with a letter or '_' and holds letters, digits, '_', '-' and '.'",
			      "invalid set name '%s'", ipe_hint_show(showbuf, sizeof(showbuf), name->text, name->len));
		return NULL;
	}
	prev = ipe_ext_find_set(x, name->text, name->len);
	if (prev >= 0) {
		struct ipe_diag *d = ipe_ext_error(ps, "IPE-E112", &name->loc, "give each set its own name",
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
	char *path = ipe_ext_quoted_arg(ps, pathtok, "set ... from");
	char *resolved = NULL;
	const struct ipe_source *src;
	uint32_t sidx;
	bool ok = true;

	(void)from;
	if (!path)
		goto fail;
	resolved = ipe_ext_resolve_path(ps, path);
	if (!resolved)
		goto fail;
	if (ipe_ext_load_file(ps, resolved, &pathtok->loc, "digest list", &sidx))
		goto fail;
	if (ipe_ext_add_parent(ps->ext, sidx, &pathtok->loc, true)) {
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
			ipe_ext_error(ps, "IPE-E111", &pathtok->loc, DIGEST_LIST_HINT,
				      "digest list '%s' for set '%s': line %u is not a digest (its first word %s)", path,
				      s->name, bad_line, bad_why);
		else if (nbad > 1)
			ipe_ext_error(ps, "IPE-E111", &pathtok->loc, DIGEST_LIST_HINT,
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
	ipe_ext_set_clear(s);
}

void ipe_ext_do_set(struct ipe_parser *ps, const struct ipe_cline *l)
{
	struct ipe_ext *x = ps->ext;
	struct ipe_lexer *lx = ipe_ext_cur_lexer(ps);
	struct ipe_cline cur = *l;
	struct ipe_tok t0, t1, t2, t;
	struct ext_set *s, scratch;
	struct ipe_loc fold_first = { 0 }, fold_last = { 0 };
	uint32_t nbad = 0;
	size_t i;
	bool ok = true, closed = false, discard = false;

	ipe_cline_tok(l, 0, &t0);
	if (l->ntoks < 3) {
		ipe_ext_error(ps, "IPE-E110", &t0.loc,
			      "write: set NAME { sha256:HEX ... }  or  set NAME from \"digests.txt\"",
			      "incomplete set definition");
		return;
	}
	ipe_cline_tok(l, 1, &t1);
	ipe_cline_tok(l, 2, &t2);
	s = new_set(ps, &t1);
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
	if (ipe_ext_tok_is(&t2, "from")) {
		if (discard) {
			ipe_ext_set_clear(s);
			return;
		}
		if (l->ntoks != 4) {
			ipe_ext_error(ps, "IPE-E110", &t2.loc, "write: set NAME from \"digests.txt\"",
				      "set ... from takes exactly one quoted path");
			ipe_ext_set_clear(s);
			return;
		}
		ipe_cline_tok(l, 3, &t);
		import_set(ps, s, &t2, &t);
		return;
	}
	if (!ipe_ext_tok_is(&t2, "{")) {
		ipe_ext_error(ps, "IPE-E110", &t2.loc,
			      "write: set NAME { sha256:HEX ... }  or  set NAME from \"digests.txt\" ('{' is a separate word)",
			      "expected '{' or 'from' after the set name");
		ipe_ext_set_clear(s);
		return;
	}
	i = 3;
	for (;;) {
		for (; i < cur.ntoks; i++) {
			if (ipe_ext_ctok_is(&cur, i, "}")) {
				if (i + 1 != cur.ntoks) {
					ipe_cline_tok(&cur, i + 1, &t);
					ipe_ext_error(ps, "IPE-E110", &t.loc,
						      "nothing may follow the '}' that closes a set",
						      "unexpected text after the end of set '%s'", s->name);
					ok = false;
				}
				closed = true;
				break;
			}
			ipe_cline_tok(&cur, i, &t);
			if (!check_member(ps, t.text, t.len, &t.loc, s->name, &nbad, &fold_first, &fold_last))
				ok = false;
			else if (set_push(s, t.text, t.len, &t.loc)) {
				ps->err = -ENOMEM;
				ok = false;
			}
		}
		if (closed || ps->err)
			break;
		{
			int rc = ipe_lexer_next_cline(lx, &cur);

			if (rc < 0) {
				ps->err = rc;
				break;
			}
			if (rc == 0) {
				ipe_ext_error(ps, "IPE-E110", &t0.loc, "close the set with '}' on a line of its own",
					      "set '%s' is not closed before the end of the file", s->name);
				ok = false;
				break;
			}
		}
		i = 0;
	}
	if (nbad > SET_BAD_SHOWN && !ps->err) {
		uint32_t more = nbad - SET_BAD_SHOWN;

		ipe_ext_error(ps, "IPE-E111", &fold_first,
			      "write each member as ALGORITHM:HEX, e.g. sha256:0123... (what `fsverity digest` prints)",
			      "%u more member%s of set '%s' %s not ALGORITHM:HEX, from here up to line %u column %u "
			      "(not reported one by one; the first %u are reported above)",
			      more, more == 1 ? "" : "s", s->name, more == 1 ? "is" : "are", fold_last.line,
			      fold_last.col, SET_BAD_SHOWN);
	}
	if (!ok || ps->err || discard) {
		ipe_ext_set_clear(s);
		return;
	}
	x->nsets++;
}
