/* SPDX-License-Identifier: MIT */
/* The lint engine's internals: check ids, the run state, the families. */
#ifndef IPE_CHECKS_H
#define IPE_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include <ipe/eval.h>
#include <ipe/lint.h>

#include "compiler/target.h"

/* Linter checks, in catalogue order (catalogue.c keeps the table). */
enum lint_check {
	LC_SIZE_OVER = 0,     /* E040 */
	LC_NO_IPE,            /* E041 */
	LC_BASE_NAME,         /* E042 */
	LC_BASE_VERSION,      /* E043 */
	LC_SHADOWED,          /* W101 */
	LC_UNREACHABLE,       /* W102 */
	LC_DEFAULT_UNUSED,    /* W103 */
	LC_OVERLAP,           /* W104 */
	LC_DUPLICATE,         /* W105 */
	LC_DUP_PROP,          /* W106 */
	LC_CONTRADICTION,     /* W107 */
	LC_ALG_NAME,          /* W110 */
	LC_DIGEST_LEN,        /* W111 */
	LC_DIGEST_EMPTY,      /* W112 */
	LC_FSV_ALG,           /* W113 */
	LC_FALSE_NOFILE,      /* W125 */
	LC_BOOT_VERITY,       /* W126 */
	LC_FSV_BUILTIN_SIG,   /* W127 */
	LC_NO_GLOBAL_DEFAULT, /* W130 */
	LC_BOOT_RISK,         /* W131 */
	LC_ALLOWS_ALL,        /* W132 */
	LC_MANY_RULES,        /* W133 */
	LC_SIZE_NEAR,         /* W134 */
	LC_LONE_CR,           /* W140 */
	LC_ODD_BYTES,         /* W141 */
	LC_GLUED_HASH,        /* W142 */
	LC_BOM,               /* W143 */
	LC_VERSION_FORM,      /* W150 */
	LC_NAME_CHARS,        /* W151 */
	LC_VERSION_CEILING,   /* W152 */
	LC_SD_NAME,           /* W153 */
	LC_SD_VERSION,        /* W154 */
	LC_COMPILED_OUT,      /* W170 */
	LC_UNUSED_SUPPRESS,   /* W180 */
	LC_BAD_SUPPRESS,      /* W181 */
	LC_UPPER_HEX,         /* I201 */
	LC_REDUNDANT,         /* I202 */
	LC_FALSE_NOFILE_DENY, /* I203 */
	LC_CRLF,              /* I204 */
	LC_KEYRINGS,          /* I205 */
	LC_BASE_WIDENED,      /* W190 */
	LC_BASE_NARROWED,     /* I209 */
	LC_COUNT,
};

/* Catalogue (catalogue.c): the linter checks first (by enum lint_check),
 * then the front end's codes. */
const struct ipe_check_info *lint_check_info(enum lint_check id);

/* What a finding of a check claims about the policy, which the tests prove
 * on the policy itself (tests/lint/test_lint_sound.c on random policies,
 * tests/fuzz/fuzz_lint.c on fuzzed ones): the one list of those checks. */
enum lint_claim {
	LINT_CLAIM_NONE = 0,
	LINT_CLAIM_DELETE,        /* deleting the line is equivalent */
	LINT_CLAIM_DELETE_PHYS,   /* deleting the line is equivalent on every
				   * event a kernel can produce (ipe_rc physical) */
	LINT_CLAIM_DEFAULT_FLIP,  /* flipping the DEFAULT line's action is equivalent */
};
/* The claim of the finding code ("IPE-W101"); NONE for an unknown code. */
enum lint_claim lint_check_claim(const char *code);
/* index of a catalogue entry, or -1 */
int lint_check_index(const struct ipe_check_info *ci);

#define LINT_MAX_CHECKS 96
/* Dead rules with one cause reported one by one before the rest are folded
 * into one finding (ipe_lint_config_set_fold_after). */
#define LINT_FOLD_AFTER_DEFAULT 10

struct ipe_lint_config {
	uint8_t disabled[LINT_MAX_CHECKS];
	int8_t severity[LINT_MAX_CHECKS];   /* -1 = default */
	const struct ipe_target *target;
	struct ipe_kconfig kconfig;
	bool have_kconfig;
	const struct ipe_policy *baseline;
	size_t rule_threshold;
	size_t fold_after;     /* dead rules reported one by one per cause (0 = all) */
	size_t blob_size;      /* > 0: the policy is the content of a signed blob this big */
};

struct lint_suppress {
	uint32_t line;        /* editor line it applies to; 0 = whole file */
	struct ipe_loc loc;   /* the comment */
	char code[16];        /* "IPE-W101" or "all" */
	bool used;
};

struct lint_run {
	struct ipe_ctx *ctx;
	const struct ipe_lint_config *cfg;
	const struct ipe_policy *p;
	const unsigned char *data; /* the source bytes */
	size_t len;
	struct ipe_eval_kernel k;
	struct lint_suppress *sup;
	size_t nsup, supcap;
	int err;
};

/* Report a finding (honours enable/disable, severity and suppressions).
 * Returns the diagnostic (to add related locations) or NULL when it was
 * filtered out or memory ran out (run->err set). */
struct ipe_diag *lint_report(struct lint_run *run, enum lint_check id, const struct ipe_loc *loc, const char *hint,
			     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void lint_related(struct lint_run *run, struct ipe_diag *d, const struct ipe_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Would a finding of check id at loc be dropped (check turned off, or a
 * suppression applies: it is then marked used)? */
bool lint_filtered(struct lint_run *run, enum lint_check id, const struct ipe_loc *loc);
/* Is a check wanted at all (cheap pre-test before expensive work)? */
bool lint_wants(const struct lint_run *run, enum lint_check id);

/* Families */
void lint_check_rules(struct lint_run *run);    /* rules.c */
void lint_check_digests(struct lint_run *run);  /* digests.c */
void lint_check_text(struct lint_run *run);     /* text.c */
void lint_check_header(struct lint_run *run);   /* header.c */
void lint_check_target(struct lint_run *run);   /* target_checks.c */

/* A digest for messages: "sha256:0123456789ab..." (shortened). */
void lint_show_digest(const struct ipe_policy *p, const struct ipe_prop *prop, char *buf, size_t bufsz);
/* A property token for messages. */
void lint_show_prop(const struct ipe_policy *p, const struct ipe_prop *prop, char *buf, size_t bufsz);
/* Effective DEFAULT of an op (op default, global default, else ALLOW) and its location (NULL if none). */
enum ipe_action lint_effective_default(const struct ipe_policy *p, int op, const struct ipe_loc **ret_loc);

#endif
