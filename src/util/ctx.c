/* SPDX-License-Identifier: MIT */
/* Context: sources and the diagnostics list. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/diag.h>
#include <ipe/io.h>

#include "util/internal.h"

struct ipe_ctx {
	struct ipe_source *srcs;
	size_t nsrcs, srcs_cap;
	struct ipe_diag *diags;
	size_t ndiags, diags_cap;
};

int ipe_ctx_new(struct ipe_ctx **ret_ctx)
{
	struct ipe_ctx *ctx;

	if (!ret_ctx)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	*ret_ctx = ctx;
	return 0;
}

static void diag_release(struct ipe_diag *d)
{
	free(d->message);
	free(d->hint);
	for (size_t i = 0; i < d->nrelated; i++)
		free(d->related[i].message);
	free(d->related);
}

void ipe_ctx_diag_clear(struct ipe_ctx *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->ndiags; i++)
		diag_release(&ctx->diags[i]);
	ctx->ndiags = 0;
}

void ipe_ctx_diag_truncate(struct ipe_ctx *ctx, size_t n)
{
	if (!ctx)
		return;
	for (size_t i = n; i < ctx->ndiags; i++)
		diag_release(&ctx->diags[i]);
	if (n < ctx->ndiags)
		ctx->ndiags = n;
}

void ipe_ctx_free(struct ipe_ctx *ctx)
{
	if (!ctx)
		return;
	ipe_ctx_diag_clear(ctx);
	free(ctx->diags);
	for (size_t i = 0; i < ctx->nsrcs; i++) {
		free(ctx->srcs[i].name);
		if (ctx->srcs[i].owned)
			free((void *)ctx->srcs[i].data);
	}
	free(ctx->srcs);
	free(ctx);
}

static int add_source(struct ipe_ctx *ctx, const char *name, const unsigned char *data, size_t len,
		      bool owned, uint32_t *ret_src)
{
	struct ipe_source *s;

	if (ctx->nsrcs >= UINT32_MAX - 1)
		return -EOVERFLOW;
	if (ctx->nsrcs == ctx->srcs_cap) {
		size_t ncap = ctx->srcs_cap ? ctx->srcs_cap * 2 : 4;
		struct ipe_source *n = realloc(ctx->srcs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ctx->srcs = n;
		ctx->srcs_cap = ncap;
	}
	s = &ctx->srcs[ctx->nsrcs];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name ? name : "<memory>");
	if (!s->name)
		return -ENOMEM;
	s->data = data;
	s->len = len;
	s->owned = owned;
	if (ret_src)
		*ret_src = (uint32_t)ctx->nsrcs;
	ctx->nsrcs++;
	return 0;
}

int ipe_source_from_file(struct ipe_ctx *ctx, const char *path, uint32_t *ret_src)
{
	return ipe_source_from_file_max(ctx, path, 0, ret_src);
}

int ipe_source_from_file_max(struct ipe_ctx *ctx, const char *path, size_t max_len, uint32_t *ret_src)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	if (!ctx || !path)
		return -EINVAL;
	rc = ipe_read_file(path, max_len, &data, &len);
	if (rc)
		return rc;
	rc = add_source(ctx, strcmp(path, "-") == 0 ? "<stdin>" : path, data, len, true, ret_src);
	if (rc)
		free(data);
	return rc;
}

int ipe_source_from_memory(struct ipe_ctx *ctx, const char *name, const void *data, size_t len,
			   bool copy, uint32_t *ret_src)
{
	unsigned char *buf = NULL;
	int rc;

	if (!ctx || (!data && len))
		return -EINVAL;
	if (copy) {
		buf = malloc(len + 1);
		if (!buf)
			return -ENOMEM;
		if (len)
			memcpy(buf, data, len);
		buf[len] = '\0';
		data = buf;
	}
	rc = add_source(ctx, name, data, len, copy, ret_src);
	if (rc)
		free(buf);
	return rc;
}

const struct ipe_source *ipe_ctx_source(const struct ipe_ctx *ctx, uint32_t src)
{
	if (!ctx || src >= ctx->nsrcs)
		return NULL;
	return &ctx->srcs[src];
}

const char *ipe_source_name(const struct ipe_source *s)
{
	return s ? s->name : NULL;
}

const unsigned char *ipe_source_data(const struct ipe_source *s, size_t *ret_len)
{
	if (ret_len)
		*ret_len = s ? s->len : 0;
	return s ? s->data : NULL;
}

struct ipe_source *ipe_ctx_source_mut(struct ipe_ctx *ctx, uint32_t src)
{
	if (!ctx || src >= ctx->nsrcs)
		return NULL;
	return &ctx->srcs[src];
}

size_t ipe_ctx_source_count(const struct ipe_ctx *ctx)
{
	return ctx ? ctx->nsrcs : 0;
}

size_t ipe_ctx_diag_count(const struct ipe_ctx *ctx)
{
	return ctx ? ctx->ndiags : 0;
}

const struct ipe_diag *ipe_ctx_diag(const struct ipe_ctx *ctx, size_t i)
{
	if (!ctx || i >= ctx->ndiags)
		return NULL;
	return &ctx->diags[i];
}

size_t ipe_ctx_diag_count_severity(const struct ipe_ctx *ctx, enum ipe_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; ctx && i < ctx->ndiags; i++)
		n += ctx->diags[i].severity == sev;
	return n;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct ipe_diag *x = a, *y = b;

	if (x->loc.src != y->loc.src)
		return x->loc.src < y->loc.src ? -1 : 1;
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	return strcmp(x->code, y->code);
}

/* End of the non-decreasing run of a[] that starts at lo. */
static size_t diag_run_end(const struct ipe_diag *a, size_t lo, size_t n)
{
	size_t i = lo + 1;

	while (i < n && diag_cmp(&a[i - 1], &a[i]) <= 0)
		i++;
	return i;
}

void ipe_ctx_diag_sort(struct ipe_ctx *ctx)
{
	/* qsort is not stable: a natural merge sort (the checks append their
	 * findings in runs already in order), merging runs pairwise between
	 * the list and a second buffer: O(n log runs), one pass when sorted. */
	struct ipe_diag *src, *dst, *tmp;
	size_t n;

	if (!ctx || ctx->ndiags < 2)
		return;
	n = ctx->ndiags;
	if (diag_run_end(ctx->diags, 0, n) == n)
		return;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		qsort(ctx->diags, n, sizeof(*ctx->diags), diag_cmp);
		return;
	}
	src = ctx->diags;
	dst = tmp;
	for (;;) {
		size_t lo = 0, runs = 0; /* runs written to dst */

		while (lo < n) {
			size_t mid = diag_run_end(src, lo, n), hi, i, j, k;

			if (mid == n) {
				memcpy(dst + lo, src + lo, (n - lo) * sizeof(*src));
				runs++;
				break;
			}
			hi = diag_run_end(src, mid, n);
			for (i = lo, j = mid, k = lo; i < mid && j < hi;)
				dst[k++] = diag_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
			memcpy(dst + k, src + i, (mid - i) * sizeof(*src));
			k += mid - i;
			memcpy(dst + k, src + j, (hi - j) * sizeof(*src));
			runs++;
			lo = hi;
		}
		tmp = src;
		src = dst;
		dst = tmp;
		if (runs <= 1)
			break;
	}
	/* src holds the sorted list; dst is the other buffer */
	if (src != ctx->diags) {
		free(ctx->diags);
		ctx->diags = src;
		ctx->diags_cap = n;
	} else {
		free(dst);
	}
}

/* A message in one allocation of its size: formatted on the stack first
 * (vasprintf grows a heap buffer and shrinks it, three allocations for a
 * long message). */
__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	char buf[256], *s;
	va_list again;
	int n;

	if (!strchr(fmt, '%'))
		return strdup(fmt);
	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0) {
		va_end(again);
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (s && (size_t)n < sizeof(buf))
		memcpy(s, buf, (size_t)n + 1);
	else if (s)
		vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

struct ipe_diag *ipe_diag_addv(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev,
			       const struct ipe_loc *loc, const char *hint, const char *fmt, va_list ap)
{
	struct ipe_diag *d;

	if (!ctx || !code || !fmt)
		return NULL;
	if (ctx->ndiags == ctx->diags_cap) {
		size_t ncap = ctx->diags_cap ? ctx->diags_cap * 2 : 16;
		struct ipe_diag *n = realloc(ctx->diags, ncap * sizeof(*n));

		if (!n)
			return NULL;
		ctx->diags = n;
		ctx->diags_cap = ncap;
	}
	d = &ctx->diags[ctx->ndiags];
	memset(d, 0, sizeof(*d));
	d->code = code;
	d->severity = sev;
	if (loc)
		d->loc = *loc;
	else
		d->loc.src = IPE_SRC_NONE;
	d->message = vformat(fmt, ap);
	if (!d->message)
		return NULL;
	if (hint) {
		d->hint = strdup(hint);
		if (!d->hint) {
			free(d->message);
			return NULL;
		}
	}
	ctx->ndiags++;
	return d;
}

struct ipe_diag *ipe_diag_add(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev,
			      const struct ipe_loc *loc, const char *hint, const char *fmt, ...)
{
	struct ipe_diag *d;
	va_list ap;

	va_start(ap, fmt);
	d = ipe_diag_addv(ctx, code, sev, loc, hint, fmt, ap);
	va_end(ap);
	return d;
}

int ipe_diag_set_hint(struct ipe_diag *d, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!d || !fmt)
		return -EINVAL;
	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	if (!s)
		return -ENOMEM;
	free(d->hint);
	d->hint = s;
	return 0;
}

int ipe_diag_add_related(struct ipe_ctx *ctx, struct ipe_diag *d, const struct ipe_loc *loc,
			 const char *fmt, ...)
{
	struct ipe_related *n;
	va_list ap;
	char *s;

	(void)ctx;
	if (!d || !loc || !fmt)
		return -EINVAL;
	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	if (!s)
		return -ENOMEM;
	n = realloc(d->related, (d->nrelated + 1) * sizeof(*n));
	if (!n) {
		free(s);
		return -ENOMEM;
	}
	d->related = n;
	n[d->nrelated].loc = *loc;
	n[d->nrelated].message = s;
	d->nrelated++;
	return 0;
}

int ipe_diag_add_related_texts(struct ipe_diag *d, size_t n, const struct ipe_loc *locs,
			       const char *const *texts)
{
	struct ipe_related *r;

	if (!n)
		return 0;
	r = realloc(d->related, (d->nrelated + n) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	d->related = r;
	r += d->nrelated;
	for (size_t k = 0; k < n; k++) {
		r[k].loc = locs[k];
		r[k].message = strdup(texts[k]);
		if (!r[k].message) {
			while (k--)
				free(r[k].message);
			return -ENOMEM;
		}
	}
	d->nrelated += n;
	return 0;
}

const char *ipe_severity_name(enum ipe_severity sev)
{
	switch (sev) {
	case IPE_SEV_NOTE:
		return "note";
	case IPE_SEV_INFO:
		return "info";
	case IPE_SEV_WARNING:
		return "warning";
	case IPE_SEV_ERROR:
		return "error";
	}
	return "unknown";
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },	      { ENOENT, "ENOENT" },	  { EIO, "EIO" },
	{ E2BIG, "E2BIG" },	      { ENOMEM, "ENOMEM" },	  { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" },	      { EBUSY, "EBUSY" },	  { EEXIST, "EEXIST" },
	{ ENOTDIR, "ENOTDIR" },	      { EISDIR, "EISDIR" },	  { EINVAL, "EINVAL" },
	{ EFBIG, "EFBIG" },	      { ENOSPC, "ENOSPC" },	  { EROFS, "EROFS" },
	{ ERANGE, "ERANGE" },	      { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSYS, "ENOSYS" },
	{ ENODATA, "ENODATA" },	      { EBADMSG, "EBADMSG" },	  { EOVERFLOW, "EOVERFLOW" },
	{ EMSGSIZE, "EMSGSIZE" },     { EOPNOTSUPP, "EOPNOTSUPP" }, { ESTALE, "ESTALE" },
	{ ENOKEY, "ENOKEY" },	      { EKEYREJECTED, "EKEYREJECTED" }, { EKEYEXPIRED, "EKEYEXPIRED" },
	{ EKEYREVOKED, "EKEYREVOKED" }, { ENOPKG, "ENOPKG" },	  { ENODEV, "ENODEV" },
	{ ENXIO, "ENXIO" },	      { EAGAIN, "EAGAIN" },	  { ENOTSUP, "ENOTSUP" },
};

const char *ipe_errno_name(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return NULL;
}

int ipe_errno_from_name(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].err;
	return 0;
}
