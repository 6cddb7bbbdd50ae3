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

/* Same contract as ipe_lexer_next_line(): 1 = a kernel line in *ret_line,
 * 0 = end of all input, < 0 = -errno. */
int ipe_ext_next_line(struct ipe_parser *ps, struct ipe_line *ret_line);

/* Add "in file included from F:L" notes to every diagnostic (from index
 * first on) located in an included or imported file. */
int ipe_ext_add_include_notes(struct ipe_parser *ps, size_t first);

#endif
