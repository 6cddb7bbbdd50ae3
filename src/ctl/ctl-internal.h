/* SPDX-License-Identifier: MIT */
/* ipectl internals shared by the files of src/ctl (not installed). */
#ifndef IPE_CTL_INTERNAL_H
#define IPE_CTL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <ipe/ctl.h>

/* Read a whole node (regular or securityfs file); at most max bytes
 * (-EFBIG beyond).  *ret_data is NUL-terminated.  Returns 0 or -errno. */
int ctl_read_all(const char *path, size_t max, uint8_t **ret_data, size_t *ret_len);
/* Exactly one write() of len bytes.  On failure *ret_stage tells whether
 * open or write failed; a short write is -EIO with *ret_written set. */
int ctl_write_once(const char *path, const void *data, size_t len, enum ipe_ctl_stage *ret_stage,
		   size_t *ret_written);
/* Join root "/ipe/" rel (rel may be NULL).  malloc'd or NULL. */
char *ctl_path(const char *root, const char *rel1, const char *rel2, const char *rel3);
/* SHA-256 with OpenSSL EVP. */
int ctl_sha256(const void *data, size_t len, uint8_t out[IPE_CTL_DIGEST_LEN]);
char *ctl_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ipe_escape_bytes of a whole string, malloc'd (NULL: out of memory). */
char *ctl_escape(const char *s);

#endif
