/* SPDX-License-Identifier: MIT */
/*
 * libipe: a model of systemd's boot-time IPE loader (pid 1,
 * src/core/ipe-setup.c): how it reads a policy's name and version and how it
 * orders versions.  ipectl's install/status and ipe-check's lint both use it,
 * so it sits below both (src/util/systemd.c); <ipe/ctl.h> includes it.
 */
#ifndef IPE_SYSTEMD_H
#define IPE_SYSTEMD_H

#include <ipe/export.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The name and version systemd reads from a blob (or policy text): in the
 * first line holding "policy_name=" (resp. "policy_version="), lines ending
 * at LF, CR or NUL, the bytes after it up to the first space.  Each is a
 * malloc'd string or NULL when not found.  Returns 0, -EINVAL or -ENOMEM. */
IPE_EXPORT int ipe_systemd_header(const void *data, size_t len, char **ret_name, char **ret_version);
/* systemd's version order (strverscmp_improved): -1, 0 or 1.  It agrees with
 * the kernel's numeric order on canonical "M.m.r" strings only. */
IPE_EXPORT int ipe_systemd_verscmp(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
