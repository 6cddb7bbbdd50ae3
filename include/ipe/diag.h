/* SPDX-License-Identifier: MIT */
/*
 * libipe: context, sources and diagnostics.
 *
 * Every libipe call that can report problems takes a struct ipe_ctx.  The
 * context owns the input sources (so diagnostics can quote them) and the
 * diagnostics list.  Nothing in libipe prints or exits: errors travel as data.
 */
#ifndef IPE_DIAG_H
#define IPE_DIAG_H

#include <ipe/export.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A source location.  All fields are 1-based except offset (0-based byte
 * offset into the source) and src (index of the source in the context).
 * line counts '\n' only (what editors show); col is a byte column.
 * len is the length in bytes of the span (0 = a point). */
struct ipe_loc {
	uint32_t src;
	uint32_t line;
	uint32_t col;
	uint32_t len;
	uint32_t offset;
};

#define IPE_SRC_NONE UINT32_MAX

enum ipe_severity {
	IPE_SEV_NOTE = 0,
	IPE_SEV_INFO,
	IPE_SEV_WARNING,
	IPE_SEV_ERROR,
};

struct ipe_related {
	struct ipe_loc loc;
	char *message;
};

struct ipe_diag {
	const char *code;            /* stable code, e.g. "IPE-E010" */
	enum ipe_severity severity;
	struct ipe_loc loc;
	char *message;               /* one line, no trailing newline */
	char *hint;                  /* NULL or one line ("did you mean ...?") */
	struct ipe_related *related; /* e.g. "shadowed by rule at line 12" */
	size_t nrelated;
	int kernel_errno;            /* >0: the errno the kernel returns for this, else 0 */
};

/* A source: bytes with a display name, owned by the context (opaque: read it
 * with ipe_source_name() and ipe_source_data()). */
struct ipe_source;

struct ipe_ctx;

/* A context: the sources and diagnostics of one run (no global state).
 * 0 or -ENOMEM; free it (and everything registered in it) with
 * ipe_ctx_free(), which accepts NULL. */
IPE_EXPORT int ipe_ctx_new(struct ipe_ctx **ret_ctx);
IPE_EXPORT void ipe_ctx_free(struct ipe_ctx *ctx);

/* Read a whole file ("-" = stdin) into a new source, at most
 * IPE_READ_MAX_DEFAULT (64 MiB, <ipe/io.h>) bytes.  Returns 0 or a negative
 * errno (the file could not be read; -EFBIG: over the cap). */
IPE_EXPORT int ipe_source_from_file(struct ipe_ctx *ctx, const char *path, uint32_t *ret_src);
/* The same with the cap max_len (0 = IPE_READ_MAX_DEFAULT). */
IPE_EXPORT int ipe_source_from_file_max(struct ipe_ctx *ctx, const char *path, size_t max_len, uint32_t *ret_src);
/* Register memory as a source; with copy=false the caller keeps data alive
 * for the context's lifetime. */
IPE_EXPORT int ipe_source_from_memory(struct ipe_ctx *ctx, const char *name, const void *data, size_t len,
			   bool copy, uint32_t *ret_src);
/* Source src of the context (NULL when src is out of range or IPE_SRC_NONE),
 * valid until the context is freed; the number of sources (indexes 0..n-1). */
IPE_EXPORT const struct ipe_source *ipe_ctx_source(const struct ipe_ctx *ctx, uint32_t src);
IPE_EXPORT size_t ipe_ctx_source_count(const struct ipe_ctx *ctx);
/* A source's display name (the path, or the name it was registered under;
 * NUL-terminated) and its bytes (*ret_len of them; ret_len may be NULL). */
IPE_EXPORT const char *ipe_source_name(const struct ipe_source *s);
IPE_EXPORT const unsigned char *ipe_source_data(const struct ipe_source *s, size_t *ret_len);

/* Diagnostics list */
IPE_EXPORT size_t ipe_ctx_diag_count(const struct ipe_ctx *ctx);
IPE_EXPORT const struct ipe_diag *ipe_ctx_diag(const struct ipe_ctx *ctx, size_t i);
IPE_EXPORT void ipe_ctx_diag_clear(struct ipe_ctx *ctx);
/* Sort by (source, line, column, code); stable. */
IPE_EXPORT void ipe_ctx_diag_sort(struct ipe_ctx *ctx);
IPE_EXPORT size_t ipe_ctx_diag_count_severity(const struct ipe_ctx *ctx, enum ipe_severity sev);

/* Add a diagnostic; returns a pointer to it (valid until the next add) or
 * NULL on ENOMEM.  hint may be NULL.  message is printf-style. */
IPE_EXPORT struct ipe_diag *ipe_diag_add(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev,
			      const struct ipe_loc *loc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Attach a related location with a printf-style note to d (e.g. "the first
 * definition is here"); renderers print it under d.  0 or -ENOMEM. */
IPE_EXPORT int ipe_diag_add_related(struct ipe_ctx *ctx, struct ipe_diag *d, const struct ipe_loc *loc,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Replace d's hint (printf-style).  0 or -ENOMEM (d keeps its old hint). */
IPE_EXPORT int ipe_diag_set_hint(struct ipe_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

IPE_EXPORT const char *ipe_severity_name(enum ipe_severity sev); /* "error", "warning", ... */

/* Rendering */
enum ipe_render_flags {
	IPE_RENDER_COLOR = 1u << 0,  /* ANSI colours */
	IPE_RENDER_NO_SOURCE = 1u << 1, /* no quoted source line / caret */
};
/* gcc/clang style text: "file:line:col: error: message [CODE]", the source
 * line, a caret/underline, then "note:"/"hint:" lines. */
IPE_EXPORT int ipe_diag_render_text(const struct ipe_ctx *ctx, const struct ipe_diag *d, FILE *out,
			 unsigned flags);

/* Quote the source line containing loc into buf (non-printable bytes shown
 * as \xNN); returns the number of bytes written. */
IPE_EXPORT size_t ipe_source_line_excerpt(const struct ipe_ctx *ctx, const struct ipe_loc *loc, char *buf,
			       size_t bufsz);

/* Printable copy of bytes: printable ASCII as is, anything else (TAB, '\\',
 * bytes >= 0x80, control bytes) as \xNN; cut with "..." when buf is too
 * small.  Returns the length written (buf is always NUL-terminated). */
IPE_EXPORT size_t ipe_escape_bytes(char *buf, size_t bufsz, const void *data, size_t len);
/* Write len bytes to out escaped as ipe_escape_bytes does, never cut (any
 * length).  With IPE_ESCAPE_KEEP_BACKSLASH a '\\' is written as is (for
 * messages, whose own text may show escapes; no terminal control byte
 * passes either way).  Returns 0 or -EIO (the stream's error flag). */
enum { IPE_ESCAPE_KEEP_BACKSLASH = 1u << 0 };
IPE_EXPORT int ipe_fput_escaped(FILE *out, const void *data, size_t len, unsigned flags);
/* Lowercase hex of len bytes into buf, NUL-terminated (libipe's one hex
 * encoder: digests in policies, audit records, key ids).  Returns 2 * len,
 * or -ENOSPC when bufsz < 2 * len + 1 (buf is then left alone) or -EINVAL
 * for a NULL buf or data with len > 0. */
IPE_EXPORT int ipe_hex_format(char *buf, size_t bufsz, const void *data, size_t len);

/* errno helpers: "EBADMSG" for EBADMSG (positive errno), NULL if unknown. */
IPE_EXPORT const char *ipe_errno_name(int err);
/* Parse "EBADMSG" -> EBADMSG; 0 if unknown. */
IPE_EXPORT int ipe_errno_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
