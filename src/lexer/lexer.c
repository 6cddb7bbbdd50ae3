/* SPDX-License-Identifier: MIT */
/* Line assembly on top of the flex scanner: the kernel's trailing trim. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "scanner.h"
#include "util/internal.h"

int ipe_lexer_init(struct ipe_lexer *lx, struct ipe_ctx *ctx, uint32_t src, const unsigned char *data,
		   size_t len)
{
	yyscan_t sc;

	memset(lx, 0, sizeof(*lx));
	lx->ctx = ctx;
	lx->src = src;
	lx->data = data;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
	lx->kline = 1;
	if (len > (size_t)INT_MAX - 2) /* flex counts in int */
		return -EFBIG;
	/* flex reads the text through YY_INPUT (scanner.l); the tokens point
	 * into data (same offsets) */
	if (ipe_scan_lex_init_extra(lx, &sc))
		goto nomem;
	lx->scanner = sc;
	if (setjmp(lx->fatal)) /* flex's allocation failure (ipe_scan_fatal) */
		goto nomem;
	/* the text is in memory: a buffer of its size (one refill reads it
	 * all), up to 256 KiB for a longer text; flex adds 2 bytes */
	ipe_scan__switch_to_buffer(ipe_scan__create_buffer(NULL, len < 256 * 1024 ? (int)len + 2 : 256 * 1024, sc), sc);
	return 0;
nomem:
	ipe_lexer_fini(lx);
	return -ENOMEM;
}

void ipe_lexer_fini(struct ipe_lexer *lx)
{
	if (!lx)
		return;
	if (lx->scanner)
		ipe_scan_lex_destroy(lx->scanner); /* also the buffer state */
	free(lx->ctoks);
	for (size_t i = 0; i < lx->ncomments; i++)
		free(lx->comments[i].text);
	free(lx->comments);
	memset(lx, 0, sizeof(*lx));
}

struct ipe_loc ipe_lexer_end_loc(const struct ipe_lexer *lx)
{
	struct ipe_loc l = { .src = lx->src, .line = lx->line, .col = lx->col, .len = 0,
			     .offset = lx->off };
	return l;
}

static const char ipe_check_marker[] = "ipe-check:";

void ipe_lexer_comment(struct ipe_lexer *lx, const char *text, size_t len)
{
	struct ipe_comment *c;

	/* Only comments addressed to the tools are kept. */
	if (len < sizeof(ipe_check_marker) - 1 ||
	    !memmem(text, len, ipe_check_marker, sizeof(ipe_check_marker) - 1))
		return;
	if (ipe_vec_reserve((void **)&lx->comments, &lx->comments_cap, lx->ncomments + 1,
			    sizeof(*lx->comments))) {
		lx->err = -ENOMEM;
		return;
	}
	c = &lx->comments[lx->ncomments];
	c->text = strndup(text, len);
	if (!c->text) {
		lx->err = -ENOMEM;
		return;
	}
	c->loc = lx->m;
	c->line_has_token = lx->ntoks > 0;
	lx->ncomments++;
}

static int push_word(struct ipe_lexer *lx, size_t len)
{
	struct ipe_ctok *t;

	if (lx->ntoks >= lx->ctokcap &&
	    ipe_vec_reserve((void **)&lx->ctoks, &lx->ctokcap, lx->ntoks + 1, sizeof(*lx->ctoks)))
		return -ENOMEM;
	if (lx->ntoks == 0) {
		lx->eline = lx->m.line;
		lx->lstart = lx->m.offset - (lx->m.col - 1);
	}
	t = &lx->ctoks[lx->ntoks++];
	/* flex hands the bytes over unchanged (YY_INPUT copies them), so the
	 * token is an offset into the source: no per-line copy */
	t->off = lx->m.offset;
	t->len = (uint32_t)len;
	t->kw = lx->kw;
	return 0;
}

/* The kernel's isspace() minus the separators and line ends, which never
 * reach a word: \v, \f and 0xA0 (Latin-1 NBSP, _S|_SP in lib/ctype.c). */
static inline bool trim_byte(unsigned char c)
{
	return c == '\v' || c == '\f' || c == 0xA0;
}

static void trim_line(struct ipe_lexer *lx)
{
	while (lx->ntoks > 0) {
		struct ipe_ctok *t = &lx->ctoks[lx->ntoks - 1];
		const char *text = (const char *)lx->data + t->off;
		uint32_t len = t->len;

		while (t->len > 0 && trim_byte((unsigned char)text[t->len - 1]))
			t->len--;
		if (t->len > 0) {
			if (t->len != len) /* the scanner classified the untrimmed word */
				ipe_kw_classify(text, t->len, &t->kw);
			break;
		}
		lx->ntoks--;
	}
}

int ipe_lexer_next_cline(struct ipe_lexer *lx, struct ipe_cline *ret_line)
{
	int k;

	if (lx->err)
		return lx->err;
	if (setjmp(lx->fatal))
		return lx->err ? lx->err : -ENOMEM;
	for (;;) {
		uint32_t kline;

		if (lx->eof)
			return 0;
		lx->ntoks = 0;
		kline = lx->kline;
		for (;;) {
			k = ipe_scan_lex(lx->scanner);
			if (lx->err)
				return lx->err;
			if (k != IPE_RAW_WORD)
				break;
			/* lx->m.len = yyleng (YY_USER_ACTION) */
			if (push_word(lx, lx->m.len)) {
				lx->err = -ENOMEM;
				return lx->err;
			}
		}
		if (k == IPE_RAW_EOF)
			lx->eof = true;
		trim_line(lx);
		if (lx->ntoks == 0)
			continue;
		ret_line->toks = lx->ctoks;
		ret_line->ntoks = lx->ntoks;
		ret_line->number = kline;
		ret_line->src = lx->src;
		ret_line->eline = lx->eline;
		ret_line->lstart = lx->lstart;
		ret_line->base = (const char *)lx->data;
		return 1;
	}
}
