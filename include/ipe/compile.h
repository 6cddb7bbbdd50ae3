/* SPDX-License-Identifier: MIT */
/*
 * libipe: the policy compiler.
 *
 * Source language = kernel policy syntax + authoring extensions.  Each
 * extension is a kernel syntax error, so a text the kernel accepts means the
 * same in both languages:
 *
 *   include "path"                  splice another source file (relative to
 *                                   the including file; depth <= 32, no cycles)
 *   set NAME { ALG:HEX ... }        a named digest set (members may span lines)
 *   set NAME from "file"            import `fsverity digest` / `fsverity
 *                                   measure` output ("ALG:HEX path") or a list
 *   fsverity_digest in @NAME        one rule per member, in order
 *   dmverity_roothash in @NAME      (same)
 *   op=EXECUTE,KMODULE              one rule per operation
 *
 * Everything is reported as diagnostics in the context (codes IPE-E1xx for
 * the extensions); nothing prints or exits.
 */
#ifndef IPE_COMPILE_H
#define IPE_COMPILE_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/diag.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPE_INCLUDE_MAX_DEPTH 32
/* Defaults of the expansion limits (ipe-compile(1), LIMITS). */
#define IPE_DEFAULT_MAX_LINE_RULES 100000u     /* rules one source line may expand to */
#define IPE_DEFAULT_MAX_RULES 1000000u         /* rules in the whole policy */
#define IPE_DEFAULT_MAX_INCLUDES 1000u         /* include and "set ... from" directives read */
#define IPE_DEFAULT_MAX_INCLUDE_BYTES (256u << 20) /* read through include / set ... from, in total */

#define IPE_SOURCE_OPTS_V1 1u
/* Limits of the source language; 0 = the default.  Zero-initialise (version
 * 0 means IPE_SOURCE_OPTS_V1; reserved must stay zero: fields added later
 * take that space, their 0 meaning what this version does).  A file named again
 * (same device and inode) is read and kept in memory once, but every
 * directive counts in max_includes and adds the file's size to
 * max_include_bytes (the bytes the parser goes through). */
struct ipe_source_opts {
	uint32_t version;           /* IPE_SOURCE_OPTS_V1 or 0 */
	unsigned max_include_depth; /* 0 = IPE_INCLUDE_MAX_DEPTH */
	size_t max_file_size;       /* per included/imported file; 0 = 64 MiB */
	size_t max_line_rules;      /* 0 = IPE_DEFAULT_MAX_LINE_RULES */
	size_t max_rules;           /* 0 = IPE_DEFAULT_MAX_RULES */
	size_t max_includes;        /* 0 = IPE_DEFAULT_MAX_INCLUDES */
	size_t max_include_bytes;   /* 0 = IPE_DEFAULT_MAX_INCLUDE_BYTES */
	/* Optional: read included and imported files through this instead of
	 * the file system (an in-memory file table for tests and fuzzing).
	 * path is resolved against the including file's name as usual;
	 * cycles are detected on that path.  Returns 0 with a malloc'd
	 * *ret_data (the caller frees it) or a negative errno. */
	int (*read_file)(void *arg, const char *path, uint8_t **ret_data, size_t *ret_len);
	void *read_file_arg;
	uint64_t reserved[8];       /* must be zero */
};

/* Parse a source-language policy (the source must already be registered in
 * ctx; its name is the path includes are resolved against).  Included and
 * imported files become new sources of ctx, so diagnostics quote them; each
 * diagnostic in an included file carries "in file included from F:L" notes.
 * Same contract as ipe_policy_parse(): always a model (best effort), every
 * problem as a diagnostic; ipe_policy_verdict() is EBADMSG at the first
 * extension error.  opts may be NULL; -EINVAL for an unknown
 * opts->version or non-zero reserved space. */
IPE_EXPORT int ipe_policy_parse_source(struct ipe_ctx *ctx, uint32_t src, const struct ipe_source_opts *opts,
			    struct ipe_policy **ret_policy);

/* Parse a version given on a command line, "X.Y.Z", by the kernel's own
 * rules for policy_version= (the parser uses the same code): each part
 * decimal 0-65535 after one optional '+'.  Returns 0, -EBADMSG (not three
 * parts), -EINVAL (a part that is not a number, so "65536x.0.0" is -EINVAL
 * as in the kernel) or -ERANGE (a part over 65535). */
IPE_EXPORT int ipe_version_parse(const char *s, uint16_t ret_version[3]);

/* Why a policy name cannot be used (NULL if it can), by the kernel's rules
 * (the parser and the binary loader use the same code): empty, bytes that
 * end a token or line in the kernel's text (space, TAB, '\n', '\r', '#',
 * NUL), "." or "..", '/', or longer than 255 bytes (securityfs). */
IPE_EXPORT const char *ipe_policy_name_problem(const char *name, size_t len);

/* Header overrides: they replace the name or version and leave the verdict
 * as it is (so a source whose own name the kernel refuses stays refused).
 * ipe_policy_set_name() refuses names ipe_policy_name_problem() rejects
 * with -EINVAL; 0 or -ENOMEM otherwise. */
IPE_EXPORT int ipe_policy_set_name(struct ipe_policy *p, const char *name, size_t len);
IPE_EXPORT void ipe_policy_set_version(struct ipe_policy *p, const uint16_t version[3]);

/* The header of a previous policy: its text, or a signed blob (DER CMS with
 * the text embedded; implemented above the signer, in src/pipeline/).  Returns 0; -EBADMSG (no valid header, or DER without
 * embedded text) with a diagnostic in ctx under the given display name; or
 * -EINVAL (bad arguments) or -ENOMEM.  *ret_name is malloc'd. */
IPE_EXPORT int ipe_policy_header_from_blob(struct ipe_ctx *ctx, const char *display, const void *data, size_t len,
				char **ret_name, uint16_t ret_version[3]);

/* The next version after v: revision + 1, carrying into minor and major.
 * -ERANGE when v is 65535.65535.65535. */
IPE_EXPORT int ipe_version_next(const uint16_t v[3], uint16_t ret_next[3]);

/* Boot policy checks (CONFIG_IPE_BOOT_POLICY: the kernel only warns when
 * the text fails to parse and then enforces nothing).  Adds an error for
 * every CR or NUL byte in any source of ctx that the policy came from and
 * for a policy the kernel would reject.  Returns the number of errors added
 * (0 = fine) or a negative errno. */
IPE_EXPORT int ipe_policy_check_boot(struct ipe_ctx *ctx, const struct ipe_policy *p);

#ifdef __cplusplus
}
#endif
#endif
