/* SPDX-License-Identifier: MIT */
/* Source mode: expansion of rules with "KEY in @SET" and "op=A,B" into
 * synthetic kernel lines (cartesian product, last slot fastest). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <ipe/compile.h>
#include <ipe/policy.h>

#include "util/kwtable.h"
#include "lexer/lexer.h"
#include "parser/ext_internal.h"
#include "parser/extensions.h"
#include "parser/hints.h"
#include "util/internal.h"

static int push_slot(struct ipe_ext *x, const struct slot *s)
{
	if (ipe_vec_reserve((void **)&x->slots, &x->slots_cap, x->nslots + 1, sizeof(*x->slots)))
		return -ENOMEM;
	x->slots[x->nslots++] = *s;
	return 0;
}

/* A digest property's key (the keyword table's digest properties). */
static bool is_digest_key(const struct ipe_tok *t, int *ret_prop)
{
#define DIGESTP(key, e, since, kconfig) { #key, IPE_PROP_##e },
	static const struct {
		const char *key;
		int prop;
	} keys[] = { IPE_KW_DIGEST_PROPS(DIGESTP) };
#undef DIGESTP

	for (size_t i = 0; i < IPE_ARRAY_SIZE(keys); i++) {
		if (ipe_ext_tok_is(t, keys[i].key)) {
			*ret_prop = keys[i].prop;
			return true;
		}
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
					 "operations:" IPE_KW_OP_WORDS);
			ipe_ext_error(ps, "IPE-E120", &t->loc, hint,
				      e == p ? "empty operation in the list '%s'" : "unknown operation '%s' in the list",
				      e == p ? ipe_hint_show(showbuf, sizeof(showbuf), t->text, t->len)
					     : ipe_hint_show(showbuf, sizeof(showbuf), p, (size_t)(e - p)));
			return false;
		}
		for (size_t k = 0; k < s->nops; k++) {
			if (s->ops[k] == op) {
				ipe_ext_error(ps, "IPE-E120", &t->loc, "name each operation once",
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

/* Does token i of the line use an extension: "op=A,B", or "KEY in @SET"
 * (tokens i to i + 2)? */
static bool ctok_is_ops(const struct ipe_cline *l, size_t i)
{
	const char *t = l->base + l->toks[i].off;
	uint32_t len = l->toks[i].len;

	return len > 3 && memcmp(t, "op=", 3) == 0 && memchr(t, ',', len);
}

static bool ctok_is_in_set(const struct ipe_cline *l, size_t i)
{
	return i + 2 < l->ntoks && ipe_ext_ctok_is(l, i + 1, "in") && l->toks[i + 2].len > 0 &&
	       l->base[l->toks[i + 2].off] == '@';
}

/* Plan the expansion of a line: 1 = it uses extensions (slots ready),
 * 0 = a plain kernel line, -1 = an error was reported (drop the line). */
int ipe_ext_plan_line(struct ipe_parser *ps, const struct ipe_cline *l)
{
	struct ipe_ext *x = ps->ext;
	bool ext = false;
	uint32_t skipped = 0;
	char showbuf[128];

	for (size_t i = 0; i < l->ntoks && !ext; i++)
		ext = ctok_is_ops(l, i) || ctok_is_in_set(l, i);
	if (!ext)
		return 0;
	x->src = *l;
	x->nslots = 0;
	for (size_t i = 0; i < l->ntoks; i++) {
		struct slot s = { .tok = (uint32_t)i, .out = (uint32_t)(i - skipped) };
		struct ipe_tok t;
		int prop = 0;

		if (ctok_is_ops(l, i)) {
			ipe_cline_tok(l, i, &t);
			s.kind = SLOT_OPS;
			if (!parse_ops(ps, &t, &s))
				return -1;
		} else if (ctok_is_in_set(l, i)) {
			struct ipe_tok nt;
			ssize_t si;

			ipe_cline_tok(l, i, &t);
			ipe_cline_tok(l, i + 2, &nt);
			s.loc = t.loc;
			s.loc.len = nt.loc.offset + nt.loc.len - t.loc.offset;
			if (!is_digest_key(&t, &prop)) {
				ipe_ext_error(ps, "IPE-E121", &s.loc,
					      "only fsverity_digest and dmverity_roothash take a set: fsverity_digest in @NAME",
					      "'%s' cannot take 'in @SET'",
					      ipe_hint_show(showbuf, sizeof(showbuf), t.text, t.len));
				return -1;
			}
			si = ipe_ext_find_set(x, nt.text + 1, nt.len - 1);
			if (si < 0) {
				ipe_ext_error(ps, "IPE-E113", &nt.loc,
					      "define the set before the rules that use it: set NAME { ... }",
					      "unknown set '%s'", ipe_hint_show(showbuf, sizeof(showbuf), nt.text, nt.len));
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
			skipped += 2;
		} else {
			continue; /* copied as it is */
		}
		s.skipped = skipped;
		if (push_slot(x, &s)) {
			ps->err = -ENOMEM;
			return -1;
		}
	}
	x->nout = l->ntoks - skipped;
	/* the product of the alternatives, checked before any rule is made */
	{
		size_t prod = 1;

		for (size_t i = 0; i < x->nslots; i++)
			prod = x->slots[i].n > SIZE_MAX / prod ? SIZE_MAX : prod * x->slots[i].n;
		if (prod > x->opts.max_line_rules) {
			struct ipe_loc loc;
			struct ipe_tok first, last;

			ipe_cline_tok(l, 0, &first);
			ipe_cline_tok(l, l->ntoks - 1, &last);
			loc = first.loc;
			if (last.loc.src == loc.src && last.loc.offset >= loc.offset)
				loc.len = last.loc.offset + last.loc.len - loc.offset;
			if (prod == SIZE_MAX)
				ipe_ext_error(ps, "IPE-E122", &loc,
					      "split the sets or the operations over several lines; or raise the limit "
					      "(ipe-compile --max-line-rules=N)",
					      "this line expands to too many rules (over %zu)", x->opts.max_line_rules);
			else
				ipe_ext_error(ps, "IPE-E122", &loc,
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

/* The text and class of the varying tokens for the current odometer
 * position; the other tokens are the source line's. */
int ipe_ext_emit_combination(struct ipe_ext *x)
{
	x->out_len = 0;
	for (size_t i = 0; i < x->nslots; i++) {
		struct slot *s = &x->slots[i];
		size_t start = x->out_len;
		int rc = 0;

		switch (s->kind) {
		case SLOT_OPS: {
			const char *n = ipe_op_name(s->ops[s->cur]);

			rc = out_put(x, "op=", 3);
			if (!rc)
				rc = out_put(x, n, strlen(n));
			break;
		}
		case SLOT_SET: {
			const char *k = ipe_prop_key(s->prop);
			const struct ext_set *es = &x->sets[s->set];
			const char *m = es->text + es->off[s->cur];

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
		s->text_off = start;
		s->text_len = (uint32_t)(x->out_len - start);
		ipe_kw_classify(x->out_text + start, s->text_len, &s->kw);
	}
	return 0;
}

/* The last slot at or before index idx of the synthesized line, or NULL. */
static const struct slot *slot_before(const struct ipe_ext *x, size_t idx)
{
	size_t lo = 0, hi = x->nslots;

	/* slots are in line order: find the first with out > idx */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->slots[mid].out <= idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &x->slots[lo - 1] : NULL;
}

void ipe_ext_tok(const struct ipe_ext *x, size_t idx, struct ipe_tok *ret)
{
	const struct slot *s = slot_before(x, idx);

	if (!s || s->out != idx) {
		/* a token copied from the source line */
		ipe_cline_tok(&x->src, idx + (s ? s->skipped : 0), ret);
		return;
	}
	if (s->kind == SLOT_OPS)
		ipe_cline_tok(&x->src, s->tok, ret); /* the location of "op=A,B" */
	else
		/* the member's own location (its line in the set or the imported
		 * list), so findings on this copy point there */
		ret->loc = x->sets[s->set].locs[s->cur];
	ret->text = x->out_text + s->text_off;
	ret->len = s->text_len;
	ret->kw = s->kw;
}

const struct ipe_kw *ipe_ext_kw(const struct ipe_ext *x, size_t idx)
{
	const struct slot *s = slot_before(x, idx);

	if (!s || s->out != idx)
		return &x->src.toks[idx + (s ? s->skipped : 0)].kw;
	return &s->kw;
}

/* Advance the odometer (last slot fastest); false when done. */
bool ipe_ext_advance(struct ipe_ext *x)
{
	for (size_t i = x->nslots; i-- > 0;) {
		struct slot *s = &x->slots[i];

		if (++s->cur < s->n)
			return true;
		s->cur = 0;
	}
	return false;
}
