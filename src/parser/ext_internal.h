/* SPDX-License-Identifier: MIT */
/* State and helpers shared by the files of the source extensions
 * (extensions.c, ext_include.c, ext_sets.c, ext_expand.c). */
#ifndef IPE_PARSER_EXT_INTERNAL_H
#define IPE_PARSER_EXT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ipe/compile.h>

#include "lexer/lexer.h"
#include "parser_internal.h"

struct ext_set {
	char *name;
	char *text;              /* the members, "ALG:HEX\0" each, validated */
	size_t text_len, text_cap;
	size_t *off;             /* member i is text + off[i] */
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

enum slot_kind { SLOT_OPS, SLOT_SET };

/* A token of the source line that varies from one synthesized line to the
 * next; every other token is copied as it is. */
struct slot {
	enum slot_kind kind;
	uint32_t tok;            /* its (first) source token */
	uint32_t out;            /* its index in the synthesized lines */
	uint32_t skipped;        /* source tokens dropped up to here: 2 per SET ("in @NAME") */
	struct ipe_loc loc;      /* SET: span of "KEY in @NAME" */
	int prop;                /* SET: IPE_PROP_FSV_DIGEST / IPE_PROP_DMV_ROOTHASH */
	size_t set;              /* SET: index into sets */
	int ops[IPE_OP_COUNT];   /* OPS */
	size_t nops;
	size_t n, cur;           /* alternatives, odometer */
	/* the current alternative: its text (in out_text) and classification */
	size_t text_off;
	uint32_t text_len;
	struct ipe_kw kw;
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

	/* the source line being expanded: the lexer's compact tokens, which
	 * stay valid because no line is read until its expansion is done */
	bool in_group;
	bool group_first;
	struct ipe_cline src;
	struct slot *slots;       /* its varying tokens, in line order */
	size_t nslots, slots_cap;
	size_t nout;              /* tokens of each synthesized line */
	/* the text of the varying tokens of the synthesized line handed out */
	char *out_text;
	size_t out_len, out_text_cap;
};

/* extensions.c */
/* An extension error: a diagnostic, and the verdict EBADMSG at the first
 * one (an extension is a kernel syntax error). */
__attribute__((format(printf, 5, 6))) struct ipe_diag *ipe_ext_error(struct ipe_parser *ps, const char *code,
								     const struct ipe_loc *loc, const char *hint,
								     const char *fmt, ...);
bool ipe_ext_tok_is(const struct ipe_tok *t, const char *s);
/* The same for token i of a compact line. */
bool ipe_ext_ctok_is(const struct ipe_cline *l, size_t i, const char *s);
/* The lexer of the file being read (the innermost include). */
struct ipe_lexer *ipe_ext_cur_lexer(struct ipe_parser *ps);
uint32_t ipe_ext_cur_src(struct ipe_parser *ps);

/* ext_include.c */
/* The quoted path of a directive at token t (malloc'd), or NULL (reported). */
char *ipe_ext_quoted_arg(struct ipe_parser *ps, const struct ipe_tok *t, const char *what);
/* A path named in the current source, resolved by the loader (NULL: -ENOMEM in ps->err). */
char *ipe_ext_resolve_path(struct ipe_parser *ps, const char *path);
/* Read a file through the loader into a source; 0 or -1 (reported). */
int ipe_ext_load_file(struct ipe_parser *ps, const char *path, const struct ipe_loc *at, const char *what,
		      uint32_t *ret_src);
/* Remember which directive brought source src in (for the include notes). */
int ipe_ext_add_parent(struct ipe_ext *x, uint32_t src, const struct ipe_loc *from, bool imported);
/* An include line: push the file on the stack of lexers. */
void ipe_ext_do_include(struct ipe_parser *ps, const struct ipe_cline *l);

/* ext_sets.c */
/* A set line (reads following lines up to the closing '}'). */
void ipe_ext_do_set(struct ipe_parser *ps, const struct ipe_cline *l);
ssize_t ipe_ext_find_set(const struct ipe_ext *x, const char *name, size_t len);
void ipe_ext_set_clear(struct ext_set *s);

/* ext_expand.c */
/* Plan the expansion of a line: 1 = it uses extensions (slots ready),
 * 0 = a plain kernel line, -1 = an error was reported (drop the line). */
int ipe_ext_plan_line(struct ipe_parser *ps, const struct ipe_cline *l);
/* The synthetic line for the current odometer position (the text and
 * class of its varying tokens). */
int ipe_ext_emit_combination(struct ipe_ext *x);
/* Advance the odometer (last slot fastest); false when done. */
bool ipe_ext_advance(struct ipe_ext *x);

#endif
