/* SPDX-License-Identifier: MIT */
/*
 * The IPE policy grammar (Linux 6.12), one kernel line at a time.
 *
 * The scanner hands over kernel lines (comments cut, trailing whitespace
 * trimmed, empty lines skipped); the token source in parser.c classifies
 * each token with its position: the first line is the header, and the last
 * token of a rule line is the action slot, which the kernel checks only
 * after every other token.  So an action anywhere else, and anything but an
 * action in the last slot, are distinct token kinds here, and the grammar
 * states exactly the kernel's accepted line shapes.  Value checks (version
 * numbers, digests) run in the actions, left to right as the kernel does;
 * a failing check aborts the line with YYERROR.  Every line recovers on its
 * own ("error EOL"), so all errors are reported in one run.
 */
%define api.pure full
%define api.prefix {ipe_yy}
%define parse.error custom
%define api.value.type {struct ipe_yytok}
%param {struct ipe_parser *ps}

%code requires {
#include "parser_internal.h"
}

%code provides {
int ipe_yylex(IPE_YYSTYPE *lval, struct ipe_parser *ps);
int ipe_yyparse(struct ipe_parser *ps);
}

%code {
#include <errno.h>

/* No bison locations: every token's value is its index in the current
 * line, which holds the locations (parser.c); a location stack would only
 * copy 20 bytes per symbol around. */

static void ipe_yyerror(struct ipe_parser *ps, const char *msg)
{
	/* Only reached for internal failures (memory exhausted). */
	(void)msg;
	if (!ps->err)
		ps->err = -ENOMEM;
}
}

%token T_EOL        "end of line"
%token T_HNAME      "policy_name=NAME"
%token T_HVERSION   "policy_version=X.Y.Z"
%token T_DEFAULT    "DEFAULT"
%token T_OP         "op=OPERATION"
%token T_PROP       "property"
%token T_DIGEST     "digest property"
%token T_ACTION     "action=ALLOW|DENY"
%token T_ACTION_MID "action not at the end of the line"
%token T_WORD       "unknown token"

%%

policy
	: %empty
	| header body
	;

header
	: T_HNAME version T_EOL         { ipe_ps_header(ps, $1.idx, $2.idx); }
	| error T_EOL                   { yyerrok; ipe_ps_line_error(ps); }
	;

version
	: T_HVERSION                    { $$ = $1; if (ipe_ps_version(ps, $1.idx)) YYERROR; }
	;

body
	: %empty
	| body rule T_EOL
	| body error T_EOL              { yyerrok; ipe_ps_line_error(ps); }
	;

/* Flat on purpose: every nonterminal costs a reduction per line.  The
 * operation and DEFAULT tokens are taken by index when the rule is
 * complete (nothing needs them earlier). */
rule
	: T_DEFAULT T_ACTION            { ipe_ps_rule(ps, $1.idx, IPE_PS_NONE, $2.idx); }
	| T_DEFAULT T_OP props T_ACTION { ipe_ps_rule(ps, $1.idx, $2.idx, $4.idx); }
	| T_OP props T_ACTION           { ipe_ps_rule(ps, IPE_PS_NONE, $1.idx, $3.idx); }
	;

props
	: %empty
	| props T_PROP                  { if (ipe_ps_prop(ps, $2.idx)) YYERROR; }
	| props T_DIGEST                { if (ipe_ps_prop(ps, $2.idx)) YYERROR; }
	;

%%

static int yyreport_syntax_error(const yypcontext_t *yyctx, struct ipe_parser *ps)
{
	yysymbol_kind_t k = yypcontext_token(yyctx);
	int kind = k == YYSYMBOL_YYEOF ? IPE_PS_EOF : k == YYSYMBOL_T_EOL ? IPE_PS_EOL : IPE_PS_OTHER;

	ipe_ps_syntax_error(ps, kind);
	return 0;
}
