/* SPDX-License-Identifier: MIT */
/* State shared between the bison grammar and the parser driver. */
#ifndef IPE_PARSER_INTERNAL_H
#define IPE_PARSER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <ipe/policy.h>

#include "lexer/lexer.h"

/* The semantic value of every token: its index in the current line. */
struct ipe_yytok {
	uint32_t idx;
};

struct ipe_parser {
	struct ipe_ctx *ctx;
	struct ipe_policy *policy;
	struct ipe_lexer lx;
	int err;                  /* internal failure (-ENOMEM), stops the parse */
	struct ipe_ext *ext;      /* source mode (extensions.c); NULL in kernel mode */

	/* current line: the lexer's compact tokens, or (synth) a line the
	 * source extensions made from one: its tokens come from ipe_ext_tok()
	 * and ipe_ext_kw(), cline.ntoks is their count, cline.toks NULL */
	struct ipe_cline cline;
	bool synth;
	struct ipe_tok tokbuf[4]; /* the tokens last asked for (tok(), parser.c) */
	unsigned tokring;
	size_t next;              /* next token to hand out; ntoks = EOL */
	bool have_line;
	bool header_mode;         /* the current line is the header line */
	bool seen_first_line;
	bool line_failed;
	uint32_t lookahead_idx;   /* index of the last token handed out */
	struct ipe_loc eol_loc;   /* the last end of line handed out: just after its last token */
	size_t line_props_start;
	size_t line_pool_start;
	struct ipe_loc first_tok_loc; /* first token of the first non-empty line */

	int last_alg;             /* intern cache: last algorithm index, -1 none */
	size_t last_alg_len;

	/* rule under construction */
	int cur_op;
	struct ipe_loc cur_op_loc;
	bool cur_default;
	struct ipe_loc cur_default_loc;
	size_t cur_props_start;
};

struct ipe_ext;

/* Actions (parser.c) */
void ipe_ps_header(struct ipe_parser *ps, uint32_t name_idx, uint32_t version_idx);
int ipe_ps_version(struct ipe_parser *ps, uint32_t idx);
void ipe_ps_line_error(struct ipe_parser *ps);
/* A complete rule line: DEFAULT and op= token indexes, IPE_PS_NONE when absent. */
#define IPE_PS_NONE UINT32_MAX
void ipe_ps_rule(struct ipe_parser *ps, uint32_t default_idx, uint32_t op_idx, uint32_t action_idx);
int ipe_ps_prop(struct ipe_parser *ps, uint32_t idx);
void ipe_ps_syntax_error(struct ipe_parser *ps, int lookahead_kind);

/* Token kinds for error messages: the bison token numbers are mapped in grammar.y. */
enum ipe_ps_tok {
	IPE_PS_EOF,
	IPE_PS_EOL,
	IPE_PS_OTHER,
};

#endif
