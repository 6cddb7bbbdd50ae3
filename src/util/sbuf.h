/* SPDX-License-Identifier: MIT */
/* A growable string (internal).  Errors are sticky: check err once at the end. */
#ifndef IPE_UTIL_SBUF_H
#define IPE_UTIL_SBUF_H

#include <stddef.h>

struct ipe_sbuf {
	char *s;      /* always NUL-terminated once anything was added */
	size_t len, cap;
	int err;      /* 0 or -ENOMEM */
};

void ipe_sbuf_put(struct ipe_sbuf *b, const void *data, size_t n);
void ipe_sbuf_str(struct ipe_sbuf *b, const char *s);
void ipe_sbuf_printf(struct ipe_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes and return where they go (NULL on error); the
 * caller then adds n to b->len and re-terminates. */
char *ipe_sbuf_reserve(struct ipe_sbuf *b, size_t n);
/* Hand the string over (NULL and freed on error). */
char *ipe_sbuf_take(struct ipe_sbuf *b, size_t *ret_len);

#endif
