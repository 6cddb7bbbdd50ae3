/* SPDX-License-Identifier: MIT */
/*
 * libipe: the lint engine behind ipe-check.  It finds what the kernel accepts
 * silently but can never do what the author meant (dead rules, digests that
 * never match, text hazards, size limits, target kernel configuration...).
 *
 * Every finding is a diagnostic in the context (include/ipe/diag.h) with a
 * stable code from the check catalogue below.
 */
#ifndef IPE_LINT_H
#define IPE_LINT_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>

#include <ipe/diag.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the catalogue ---- */

struct ipe_check_info {
	const char *code;             /* "IPE-W101" */
	enum ipe_severity severity;   /* default severity */
	const char *name;             /* short slug, e.g. "shadowed-rule" */
	const char *title;            /* one line */
	const char *explanation;      /* paragraphs: what, why, example, fix */
	bool frontend;                /* reported by the parser (kernel verdict), not the linter */
};

/* The catalogue of checks: how many, the i-th (0 <= i < count). */
IPE_EXPORT size_t ipe_check_count(void);
IPE_EXPORT const struct ipe_check_info *ipe_check_at(size_t i);
/* By code ("IPE-W101", case-insensitive, "W101" also accepted) or name. */
IPE_EXPORT const struct ipe_check_info *ipe_check_find(const char *code);

/* ---- configuration ---- */

struct ipe_lint_config;

/* A configuration with the defaults (every check at its own severity, the
 * newest target release); 0 or -ENOMEM.  _free accepts NULL. */
IPE_EXPORT int ipe_lint_config_new(struct ipe_lint_config **ret_cfg);
IPE_EXPORT void ipe_lint_config_free(struct ipe_lint_config *cfg);

/* Enable or disable a linter check by code or name; "all" for every linter
 * check (the catalogue entries whose frontend is false).  Front-end
 * diagnostics (frontend true: the kernel's rejections and IPE-W160) come from
 * the parser, which reports them whatever this configuration says: "all"
 * does not cover them, and naming one returns 0 and changes nothing
 * (ipe_lint_config_enabled() stays true for it).  -ENOENT for an unknown
 * code. */
IPE_EXPORT int ipe_lint_config_enable(struct ipe_lint_config *cfg, const char *code, bool enable);
/* Override the severity of a check.  -ENOENT for an unknown code. */
IPE_EXPORT int ipe_lint_config_set_severity(struct ipe_lint_config *cfg, const char *code, enum ipe_severity sev);
/* Target kernel release (default: the newest known): "6.12", "6.12.3", a
 * uname -r string ("6.18.0-1-amd64"), or "running" (uname(2) of this
 * machine).  Returns 0; 1 when the release is newer than every release the
 * table knows (the newest known is used: say so); -EINVAL when the text is
 * not a release. */
IPE_EXPORT int ipe_lint_config_set_target(struct ipe_lint_config *cfg, const char *release);
/* The policy being linted is the content of a signed blob of blob_len bytes
 * (0: it is not): the size checks use that size instead of an estimate. */
IPE_EXPORT void ipe_lint_config_set_blob_size(struct ipe_lint_config *cfg, size_t blob_len);
/* The table release in use ("6.17"). */
IPE_EXPORT const char *ipe_lint_config_target(const struct ipe_lint_config *cfg);
/* The releases the table knows, newest last ("6.12", ...). */
IPE_EXPORT size_t ipe_target_count(void);
IPE_EXPORT const char *ipe_target_release(size_t i);
/* Read a kernel configuration (.config text, or gzip as /proc/config.gz).
 * Problems reading it go to ctx as diagnostics; returns 0 or a negative errno. */
IPE_EXPORT int ipe_lint_config_load_kconfig(struct ipe_lint_config *cfg, struct ipe_ctx *ctx, const char *path);
/* The policy being replaced (for update safety); borrowed, must outlive the run. */
IPE_EXPORT void ipe_lint_config_set_baseline(struct ipe_lint_config *cfg, const struct ipe_policy *baseline);
/* Rules per op after which evaluation cost is reported (default 1000; 0 = never). */
IPE_EXPORT void ipe_lint_config_set_rule_threshold(struct ipe_lint_config *cfg, size_t n);
/* Rules dead for one cause (IPE-W101, W102, W105 with the same earlier
 * rules deciding their events) reported one by one before the others are
 * counted in one finding on the first of them (default 10; 0 = every rule). */
IPE_EXPORT void ipe_lint_config_set_fold_after(struct ipe_lint_config *cfg, size_t n);
/* Is a check enabled? */
IPE_EXPORT bool ipe_lint_config_enabled(const struct ipe_lint_config *cfg, const struct ipe_check_info *ci);

/* Lint one parsed policy; findings are added to ctx (not sorted).  cfg NULL =
 * defaults.  Suppression comments in the policy source are honoured.
 * Returns 0 or a negative errno (-ENOMEM). */
IPE_EXPORT int ipe_lint(struct ipe_ctx *ctx, const struct ipe_lint_config *cfg, const struct ipe_policy *p);

/* ---- machine formats ---- */

struct ipe_report_file;

/* SARIF 2.1.0 with the rules catalogue. */
IPE_EXPORT int ipe_report_render_sarif(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
			    FILE *out);
/* GitHub Actions workflow commands (::error file=...,line=...::message). */
IPE_EXPORT int ipe_report_render_github(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
			     FILE *out);

#ifdef __cplusplus
}
#endif
#endif
