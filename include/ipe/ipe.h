/* SPDX-License-Identifier: MIT */
/* libipe umbrella header. */
#ifndef IPE_IPE_H
#define IPE_IPE_H

#include <ipe/export.h>

#include <ipe/diag.h>
#include <ipe/io.h>
#include <ipe/policy.h>
#include <ipe/report.h>
#include <ipe/eval.h>
#include <ipe/lint.h>
#include <ipe/compile.h>
#include <ipe/pipeline.h>
#include <ipe/equiv.h>
#include <ipe/opt.h>
#include <ipe/binary.h>
#include <ipe/sign.h>
#include <ipe/ctl.h>
#include <ipe/digest.h>

#ifdef __cplusplus
extern "C" {
#endif
/* The libipe version, "MAJOR.MINOR.PATCH". */
IPE_EXPORT const char *ipe_version(void);
#ifdef __cplusplus
}
#endif
#endif
