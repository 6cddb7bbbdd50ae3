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

/* Read a whole file ("-" = standard input) into a malloc'd buffer with one
 * extra NUL byte after the data.  Refuses more than max_len bytes with
 * -EFBIG (max_len 0 = no limit but 4 GiB).  Returns 0 or a negative errno. */
IPE_EXPORT int ipe_read_file(const char *path, size_t max_len, uint8_t **ret_data, size_t *ret_len);

/* Write data to path atomically: a temporary file in the same directory,
 * fsync, chmod to mode, rename over path.  On any failure nothing is left
 * behind and path is untouched.  path "-" writes to standard output. */
IPE_EXPORT int ipe_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#ifdef __cplusplus
}
#endif
#endif
