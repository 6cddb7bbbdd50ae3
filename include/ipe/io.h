/* SPDX-License-Identifier: MIT */
/* libipe: file helpers shared by the tools (no partial output files). */
#ifndef IPE_IO_H
#define IPE_IO_H

#include <ipe/export.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Caps on what each kind of input can be (documented in the man pages,
 * LIMITS).  A signed policy is at most 64 KiB for the kernel; the source
 * language can be larger before expansion. */
#define IPE_READ_MAX_DEFAULT (64u << 20)  /* policy text, included and imported files, baseline */
#define IPE_READ_MAX_KCONFIG (16u << 20)  /* a kernel .config (also once gunzipped) */
#define IPE_READ_MAX_BINARY (256u << 20)  /* a binary policy (ipe-binary(5)), checked against its header */

/* Open an input for ipe_read_fd(): "-" = standard input (returned as
 * STDIN_FILENO, not to be closed); a FIFO is opened without waiting for a
 * writer (none = empty input); directories (-EISDIR), block devices and
 * sockets (-EINVAL) are refused.  Character devices and FIFOs are read up
 * to the caller's cap like any file. */
IPE_EXPORT int ipe_input_open(const char *path, int *ret_fd);

/* Read fd to its end into a malloc'd buffer with one extra NUL byte after
 * the data.  More than max_len bytes is -EFBIG: a regular file is refused
 * from its size before any read, anything else after max_len + 1 bytes.
 * max_len 0 = IPE_READ_MAX_DEFAULT.  Returns 0 or a negative errno. */
IPE_EXPORT int ipe_read_fd(int fd, size_t max_len, uint8_t **ret_data, size_t *ret_len);

/* ipe_input_open() + ipe_read_fd() + close. */
IPE_EXPORT int ipe_read_file(const char *path, size_t max_len, uint8_t **ret_data, size_t *ret_len);

#define IPE_OUTPUT_OPTS_V1 1u
/* Options of ipe_output_write().  Zero-initialise (version 0 means
 * IPE_OUTPUT_OPTS_V1; reserved must stay zero: fields added later take that
 * space, their 0 meaning what this version does). */
struct ipe_output_opts {
	uint32_t version;     /* IPE_OUTPUT_OPTS_V1 or 0 */
	/* Files the output must never replace: the tool's inputs (sources,
	 * includes, keys...).  Compared by device and inode, so another
	 * spelling, a hard link or a symlink of an input is caught too.
	 * NULL and "-" entries are skipped. */
	const char *const *inputs;
	size_t ninputs;
	/* Permission bits of a new file, before the umask (0 = 0644).  A
	 * file that exists keeps its mode (and owner, when allowed). */
	mode_t mode;
	uint64_t reserved[4]; /* must be zero */
};

/* The one output routine of every tool.  What path is decides how it is
 * written (symlinks are followed):
 *   "-"                        standard output, written through;
 *   character device, FIFO     opened without O_CREAT/O_TRUNC and written
 *                              through (/dev/null stays /dev/null; a FIFO
 *                              blocks until a reader opens it);
 *   regular file or new name   atomically: a temporary file in the same
 *                              directory (its name always fits NAME_MAX),
 *                              written, fsync'ed, renamed over path, then
 *                              the directory fsync'ed.  A symlink to a
 *                              regular file replaces the target, not the
 *                              link.  On failure path is untouched and no
 *                              temporary file is left;
 *   anything else              refused.
 * Returns 0 or a negative errno; these mean a refusal (nothing written):
 *   -EEXIST       path is one of o->inputs (*ret_input = its index)
 *   -EISDIR       a directory (or a name ending in '/')
 *   -ENOTSUP      a block device, socket or other special file
 *   -ENOLINK      a symlink whose target does not exist
 *   -ENAMETOOLONG the final name is longer than the file system allows
 *   -EAGAIN       the file changed type between the check and the open
 *   -EINVAL       o has an unknown version or non-zero reserved space
 * any other errno is the system's (ENOENT: no such directory, ENOSPC...).
 * ret_input may be NULL; it is -1 unless -EEXIST. */
IPE_EXPORT int ipe_output_write(const char *path, const void *data, size_t len, const struct ipe_output_opts *o,
		     long *ret_input);
/* The same checks without writing: call it before expensive work (or
 * before asking for a passphrase) to refuse early.  Same return values. */
IPE_EXPORT int ipe_output_check(const char *path, const struct ipe_output_opts *o, long *ret_input);
/* A message for an error of ipe_output_write/check: the refusals above in
 * words, else strerror. */
IPE_EXPORT const char *ipe_output_strerror(int err);

/* ipe_output_write(path, data, len, {.mode = mode}, NULL): no input
 * protection.  Prefer ipe_output_write. */
IPE_EXPORT int ipe_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#ifdef __cplusplus
}
#endif
#endif
