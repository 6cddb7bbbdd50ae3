/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/internal.h"
#include "util/sbuf.h"

char *ipe_sbuf_reserve(struct ipe_sbuf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (ipe_vec_reserve((void **)&b->s, &b->cap, b->len + n + 1, 1)) {
		b->err = -ENOMEM;
		return NULL;
	}
	return b->s + b->len;
}

void ipe_sbuf_put(struct ipe_sbuf *b, const void *data, size_t n)
{
	char *p = ipe_sbuf_reserve(b, n);

	if (!p)
		return;
	if (n)
		memcpy(p, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void ipe_sbuf_str(struct ipe_sbuf *b, const char *s)
{
	ipe_sbuf_put(b, s, strlen(s));
}

void ipe_sbuf_printf(struct ipe_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	p = ipe_sbuf_reserve(b, (size_t)n);
	if (!p)
		return;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *ipe_sbuf_take(struct ipe_sbuf *b, size_t *ret_len)
{
	char *s;

	if (!b->err && !b->s)
		ipe_sbuf_put(b, "", 0);
	if (b->err) {
		free(b->s);
		b->s = NULL;
		b->len = b->cap = 0;
		return NULL;
	}
	s = b->s;
	if (ret_len)
		*ret_len = b->len;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}
