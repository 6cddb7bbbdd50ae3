/* SPDX-License-Identifier: MIT */
/* libipe umbrella header. */
#ifndef IPE_IPE_H
#define IPE_IPE_H

#include <ipe/diag.h>
#include <ipe/policy.h>
#include <ipe/report.h>
#include <ipe/io.h>


#ifdef __cplusplus
extern "C" {
#endif
/* The libipe version, "MAJOR.MINOR.PATCH". */
const char *ipe_version(void);
#ifdef __cplusplus
}
#endif
#endif
