/* SPDX-License-Identifier: MIT */
/* libipe: machine-readable reports of diagnostics and verdicts. */
#ifndef IPE_REPORT_H
#define IPE_REPORT_H

#include <ipe/export.h>

#include <stdio.h>

#include <ipe/diag.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One checked input.  Zero-initialise; reserved must be zero (fields added
 * later take that space): the renderers reject non-zero reserved space with
 * -EINVAL. */
struct ipe_report_file {
	const char *path;                 /* as given on the command line */
	uint32_t src;                     /* IPE_SRC_NONE when it could not be read */
	const struct ipe_policy *policy;  /* NULL when it could not be read/parsed */
	int read_error;                   /* negative errno when unreadable */
	uint64_t reserved[4];        /* must be zero */
};

#define IPE_REPORT_SCHEMA "ipe-check/1"

/* JSON: {"schema": "ipe-check/1", "files": [{"file", "readable", "error",
 * "kernel_verdict": {"accepted", "errno", "code", "location"}, "policy":
 * {"name", "version"}, "diagnostics": [...]}]}.  A diagnostic belongs to
 * the file whose source it points into. */
IPE_EXPORT int ipe_report_render_json(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
			   FILE *out);

#ifdef __cplusplus
}
#endif
#endif
