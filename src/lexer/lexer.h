/* SPDX-License-Identifier: MIT */
/*
 * The scanner: bytes -> kernel lines of tokens, with locations.
 *
 * It applies the kernel's text rules (IPE-KERNEL.md section 1): the first NUL
 * ends the text, every '\n' and every '\r' ends a line, '#' cuts the line
 * anywhere, trailing isspace() bytes (space, \t, \v, \f, \r, 0xA0) are
 * trimmed, tokens are split on space and TAB only, empty lines are skipped.
 * It knows nothing about the grammar.
 */
#ifndef IPE_LEXER_H
#define IPE_LEXER_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/diag.h>

/* raw scanner results (flex) */
enum ipe_raw {
	IPE_RAW_EOF = 0,
	IPE_RAW_WORD,
	IPE_RAW_EOL,
};

/* Keyword classification of one token (case-sensitive, exact, as the kernel). */
enum ipe_kw_kind {
	IPE_KW_WORD = 0,     /* nothing the kernel knows */
	IPE_KW_DEFAULT,
	IPE_KW_OP,           /* value = enum ipe_op */
	IPE_KW_ACTION,       /* value = enum ipe_action */
	IPE_KW_PROP,         /* value = enum ipe_prop_type (TRUE/FALSE forms) */
	IPE_KW_DIGEST,       /* value = enum ipe_prop_type; vstart = offset of the value */
	IPE_KW_HDR_NAME,     /* vstart = offset of the value */
	IPE_KW_HDR_VERSION,  /* vstart = offset of the value */
	IPE_KW_EMPTY_VALUE,  /* "fsverity_digest=" etc. with nothing after '='; value = which */
};

enum ipe_kw_empty {
	IPE_KW_EMPTY_NAME,
	IPE_KW_EMPTY_VERSION,
	IPE_KW_EMPTY_FSV_DIGEST,
	IPE_KW_EMPTY_DMV_ROOTHASH,
};

struct ipe_kw {
	uint8_t kind;    /* enum ipe_kw_kind */
	uint8_t value;
	uint16_t vstart;
};

/* A token with its text and location: built on demand from a compact token
 * (ipe_cline_tok) or by the source extensions for a synthesized line. */
struct ipe_tok {
	const char *text; /* not NUL-terminated */
	uint32_t len;
	struct ipe_loc loc;
	struct ipe_kw kw;
};

/* A token as the lexer keeps it: 12 bytes (a line of a million 2-byte
 * tokens is 12 MB, not 48).  Its text and location follow from its line. */
struct ipe_ctok {
	uint32_t off;     /* of its first byte in the source */
	uint32_t len;
	struct ipe_kw kw;
};

/* A kernel line of compact tokens: every token is on one editor line (a
 * '\n' ends the kernel line too), so its column is its offset from the
 * editor line's first byte. */
struct ipe_cline {
	const struct ipe_ctok *toks;
	size_t ntoks;
	uint32_t number;  /* 1-based kernel line number (every \n and \r counts) */
	uint32_t src;     /* context source */
	uint32_t eline;   /* the editor line of the tokens (struct ipe_loc line) */
	uint32_t lstart;  /* offset of that editor line's first byte */
	const char *base; /* the source bytes: a token's text is base + off */
};

/* Token i of a compact line, as a full token. */
static inline void ipe_cline_tok(const struct ipe_cline *l, size_t i, struct ipe_tok *ret)
{
	const struct ipe_ctok *c = &l->toks[i];

	ret->text = l->base + c->off;
	ret->len = c->len;
	ret->loc.src = l->src;
	ret->loc.line = l->eline;
	ret->loc.col = c->off - l->lstart + 1;
	ret->loc.len = c->len;
	ret->loc.offset = c->off;
	ret->kw = c->kw;
}

/* A comment the tools care about (suppressions: "ipe-check:"). */
struct ipe_comment {
	struct ipe_loc loc;
	char *text;        /* without the '#', NUL-terminated */
	bool line_has_token; /* a token precedes it on the same kernel line */
};

struct ipe_lexer {
	struct ipe_ctx *ctx;
	uint32_t src;
	const unsigned char *data;
	size_t len;       /* bytes scanned: up to the first NUL */
	size_t fed;       /* bytes handed to flex so far (YY_INPUT) */
	/* location of the next byte */
	uint32_t off, line, col;
	uint32_t kline;   /* kernel line counter */
	/* location of the current flex match (set by YY_USER_ACTION) */
	struct ipe_loc m;
	struct ipe_kw kw; /* classification of the current word (scanner.l) */
	void *scanner;
	bool eof;
	/* current line */
	struct ipe_ctok *ctoks;
	size_t ntoks, ctokcap;
	uint32_t eline, lstart; /* of the line's first token */
	struct ipe_comment *comments;
	size_t ncomments, comments_cap;
	int err;          /* sticky allocation failure */
	jmp_buf fatal;    /* flex internal failures land here */
};

int ipe_lexer_init(struct ipe_lexer *lx, struct ipe_ctx *ctx, uint32_t src, const unsigned char *data,
		   size_t len);
void ipe_lexer_fini(struct ipe_lexer *lx);
/* 1: *ret_line holds the next non-empty line (its tokens valid until the
 * next call); 0: end of text; <0: -errno. */
int ipe_lexer_next_cline(struct ipe_lexer *lx, struct ipe_cline *ret_line);
/* Location just past the last byte scanned (for "end of file"). */
struct ipe_loc ipe_lexer_end_loc(const struct ipe_lexer *lx);

/* called from the flex actions */
void ipe_lexer_comment(struct ipe_lexer *lx, const char *text, size_t len);

void ipe_kw_classify(const char *t, size_t len, struct ipe_kw *ret_kw);

#endif
