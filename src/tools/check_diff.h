/* SPDX-License-Identifier: MIT */
/* ipe-check --diff OLD NEW: argument checking, loading and printing only. */
#ifndef IPE_CHECK_DIFF_H
#define IPE_CHECK_DIFF_H

#include <stdbool.h>
#include <stddef.h>

enum check_diff_format { CHECK_DIFF_TEXT, CHECK_DIFF_JSON, CHECK_DIFF_GITHUB };

/* Exit status: 0 no decision changed, 1 some changed, 2 an input cannot be
 * read or is not a policy the kernel accepts, or the report cannot be
 * written (or would replace an input), 3 usage. */
int check_diff_run(char **paths, size_t n, const char *kconfig, enum check_diff_format fmt, const char *output,
		   bool quiet);

#endif
