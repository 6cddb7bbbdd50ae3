/* SPDX-License-Identifier: MIT */
/*
 * The contract of the options structs of the public API (ipe_source_opts,
 * ipe_compile_opts, ipe_output_opts, ipe_sign_opts, ipe_ctl_opts; the
 * digest and explain parameter structs follow the same rule with a
 * version that must be set): a version word first, reserved words last.
 * A new field takes reserved space and its zero value means what the
 * library did before, so a caller built against an older header keeps its
 * behaviour; a layout change bumps the version.
 */
#ifndef IPE_UTIL_OPTS_H
#define IPE_UTIL_OPTS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* version 0 or v1 (0 means v1), every reserved word zero: 0, else -EINVAL. */
static inline int ipe_opts_check(uint32_t version, uint32_t v1, const uint64_t *reserved, size_t nreserved)
{
	if (version != 0 && version != v1)
		return -EINVAL;
	for (size_t i = 0; i < nreserved; i++)
		if (reserved[i])
			return -EINVAL;
	return 0;
}

/* o may be NULL (the defaults). */
#define IPE_OPTS_CHECK(o, v1) \
	((o) ? ipe_opts_check((o)->version, (v1), (o)->reserved, sizeof((o)->reserved) / sizeof((o)->reserved[0])) : 0)

/* A caller-allocated input struct without a version word (ipe_event,
 * ipe_eval_kernel, ipe_explain_event, ipe_report_file, ipe_ctl_errctx):
 * reserved words last, every one zero, else -EINVAL.  s may be NULL.
 * Result structs have reserved words too: the library zeroes them. */
#define IPE_RESERVED_CHECK(s) \
	((s) ? ipe_opts_check(0, 0, (s)->reserved, sizeof((s)->reserved) / sizeof((s)->reserved[0])) : 0)

#endif
