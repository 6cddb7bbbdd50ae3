/* SPDX-License-Identifier: MIT */
/*
 * Source mode of the parser: the authoring extensions (include, digest sets,
 * "KEY in @SET", multi-op).  They sit between the lexer and the grammar: the
 * grammar only ever sees kernel lines, some of them synthesized from one
 * source line.  Kernel mode (ps->ext == NULL) never reaches this code.
 */
#ifndef IPE_PARSER_EXTENSIONS_H
#define IPE_PARSER_EXTENSIONS_H

#include <ipe/compile.h>

#include "parser_internal.h"

struct ipe_ext;

/* root: the source being parsed (includes are resolved against its name;
 * files are read by the source loader, src/source/). */
int ipe_ext_new(struct ipe_ctx *ctx, uint32_t root, const struct ipe_source_opts *opts, struct ipe_ext **ret_ext);
void ipe_ext_free(struct ipe_ext *ext);

/* The next kernel line: 1 = a line in *ret_line, 0 = end of all input,
 * < 0 = -errno.  A source line comes as the lexer gives it (*ret_synth
 * false); a line synthesized from one (*ret_synth true) has
 * ret_line->ntoks tokens, read with ipe_ext_tok() and ipe_ext_kw(), and no
 * ret_line->toks.  Either is valid until the next call. */
int ipe_ext_next_line(struct ipe_parser *ps, struct ipe_cline *ret_line, bool *ret_synth);
/* Token idx of the synthesized line, and its keyword classification. */
void ipe_ext_tok(const struct ipe_ext *x, size_t idx, struct ipe_tok *ret);
const struct ipe_kw *ipe_ext_kw(const struct ipe_ext *x, size_t idx);

/* Add "in file included from F:L" notes to every diagnostic (from index
 * first on) located in an included or imported file. */
int ipe_ext_add_include_notes(struct ipe_parser *ps, size_t first);

#endif
