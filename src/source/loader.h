/* SPDX-License-Identifier: MIT */
/*
 * The source loader: everything the source language reads besides the root
 * source.  It resolves the paths of include and "set ... from" directives
 * (relative to the directory of the naming source), gives each file an
 * identity for cycle detection, reads each file once (by device and inode,
 * or through the caller's ipe_source_opts.read_file table), registers it as
 * a source of the context and enforces the limits of ipe_source_opts
 * (max_file_size, max_includes, max_include_bytes).
 *
 * The parser never touches the file system: it asks the loader for a source
 * index and lexes that source's bytes.
 */
#ifndef IPE_SOURCE_LOADER_H
#define IPE_SOURCE_LOADER_H

#include <stdint.h>

#include <ipe/compile.h>
#include <ipe/diag.h>

struct ipe_loader;

/* root: the source the directives start from (its name is the path relative
 * includes are resolved against).  opts may be NULL (all defaults). */
int ipe_loader_new(struct ipe_ctx *ctx, uint32_t root, const struct ipe_source_opts *opts,
		   struct ipe_loader **ret_loader);
void ipe_loader_free(struct ipe_loader *ld);

/* The options in force, every 0 replaced by its default. */
const struct ipe_source_opts *ipe_loader_opts(const struct ipe_loader *ld);

/* path as named in source from: absolute paths as they are, others
 * relative to the directory of from's name (standard input: as they are).
 * *ret_resolved is malloc'd.  0 or -ENOMEM. */
int ipe_loader_resolve(const struct ipe_loader *ld, uint32_t from, const char *path, char **ret_resolved);

/* What a resolved path is, for include cycle detection: its realpath (NULL
 * when it cannot be resolved), or the path itself with a read_file table.
 * The root's identity is ipe_loader_root_identity() (NULL for stdin).
 * Returns malloc'd text or NULL. */
char *ipe_loader_identity(const struct ipe_loader *ld, const char *resolved);
const char *ipe_loader_root_identity(const struct ipe_loader *ld);

/* Read a resolved path into a source of the context (a file read before is
 * not read again), counting it in max_includes and max_include_bytes.
 * what ("included file", "digest list") and at (the path token) are for the
 * messages.  Returns 0 with *ret_src; -EBADMSG when the file cannot be used:
 * an error diagnostic (IPE-E100 cannot read, IPE-E103 too many directives,
 * IPE-E104 too many bytes) was added and is in *ret_diag -- or, once a
 * limit has been reported, nothing more is read or reported and *ret_diag
 * is NULL; any other negative errno is a failure of the run (-ENOMEM). */
int ipe_loader_load(struct ipe_loader *ld, const char *resolved, const struct ipe_loc *at, const char *what,
		    uint32_t *ret_src, struct ipe_diag **ret_diag);

#endif
