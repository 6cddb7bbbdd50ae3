/* SPDX-License-Identifier: MIT */
/* gcc/clang-style text rendering of diagnostics. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/diag.h>

#include "util/internal.h"

#define EXCERPT_MAX 160 /* display columns shown around the location */

/* One byte of an excerpt: a TAB as one space (columns stay countable),
 * the rest as terminal text with backslashes kept (ipe_escape_byte). */
static size_t put_byte(unsigned char c, char *out)
{
	if (c == '\t') {
		out[0] = ' ';
		return 1;
	}
	return ipe_escape_byte(out, c, true);
}

/*
 * Display width of each byte in an excerpt, as put_byte writes it: 1 for a
 * TAB and printable ASCII (0x20-0x7e, backslash included), 4 (\xNN) for the
 * rest.  A table, because an excerpt measures up to ~1,300 bytes around its
 * location, several times: one lookup instead of the comparisons of
 * ipe_escape_byte (tests/unit/test_diag.c checks the two agree).
 */
#define W4_16 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4
#define W1_16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char excerpt_width[256] = {
	4,     4,     4,     4,     4,     4,     4,     4,
	4,     1,     4,     4,     4,     4,     4,     4, /* 0x00-0x0f, TAB 1 */
	W4_16,						  /* 0x10 */
	W1_16, W1_16, W1_16, W1_16, W1_16,		  /* 0x20-0x6f */
	1,     1,     1,     1,     1,     1,     1,     1,
	1,     1,     1,     1,     1,     1,     1,     4, /* 0x70-0x7f, DEL 4 */
	W4_16, W4_16, W4_16, W4_16, W4_16, W4_16, W4_16, W4_16, /* 0x80-0xff */
};
#undef W4_16
#undef W1_16

size_t ipe_excerpt_byte_width(unsigned char c)
{
	return excerpt_width[c];
}

struct excerpt {
	size_t start, end;    /* byte range shown */
	size_t caret_col;     /* display column (0-based) of the location */
	size_t caret_width;   /* display width of the span */
	bool cut_left, cut_right;
};

static bool compute_excerpt(const struct ipe_source *s, const struct ipe_loc *loc, struct excerpt *ex)
{
	const unsigned char *d;
	size_t off, ls, le, span_end, lim, w, cw;
	bool more_right;
	const unsigned char *nl;

	if (!s || loc->line == 0 || loc->offset > s->len)
		return false;
	d = (const unsigned char *)s->data;
	off = loc->offset;
	/* Look back and ahead only as far as the window can reach (a byte is
	 * at most 4 columns wide): one excerpt costs O(EXCERPT_MAX), not
	 * O(line), so thousands of findings on one long line stay linear. */
	lim = off > 4 * EXCERPT_MAX ? off - 4 * EXCERPT_MAX : 0;
	nl = off > lim ? memrchr(d + lim, '\n', off - lim) : NULL;
	ls = nl ? (size_t)(nl - d) + 1 : lim;
	lim = s->len - off > 4 * EXCERPT_MAX + 2 ? off + 4 * EXCERPT_MAX + 2 : s->len;
	nl = lim > off ? memchr(d + off, '\n', lim - off) : NULL;
	le = nl ? (size_t)(nl - d) : lim;
	more_right = le < s->len && d[le] != '\n';
	/* a trailing CR of a CRLF is not shown */
	if (!more_right && le > ls && d[le - 1] == '\r' && le > off)
		le--;
	span_end = off + loc->len;
	if (span_end > le)
		span_end = le;

	/* keep the window within EXCERPT_MAX display columns: left of the
	 * location at most EXCERPT_MAX / 2 (else cut to EXCERPT_MAX / 4), then
	 * up to EXCERPT_MAX in all, even inside a long span (keep its start) */
	ex->cut_left = ex->cut_right = false;
	{
		/* measured from the location back, only as far as the cut needs:
		 * the window starts at the line start when that is within
		 * EXCERPT_MAX / 2 columns, else at the first byte from which the
		 * rest is within EXCERPT_MAX / 4 */
		size_t p = off, q4 = off;

		w = 0;
		while (p > ls && w <= EXCERPT_MAX / 2) {
			w += excerpt_width[d[--p]];
			if (w <= EXCERPT_MAX / 4)
				q4 = p;
		}
		if (w > EXCERPT_MAX / 2) {
			ls = q4;
			ex->cut_left = true;
			w = 0;
			for (size_t i = ls; i < off; i++)
				w += excerpt_width[d[i]];
		}
	}
	ex->caret_col = w;
	cw = 0;
	for (size_t i = off; i < le; i++) {
		w += excerpt_width[d[i]];
		if (w > EXCERPT_MAX && i > off) {
			le = i;
			ex->cut_right = true;
			break;
		}
		if (i < span_end)
			cw += excerpt_width[d[i]];
	}
	if (more_right)
		ex->cut_right = true;
	ex->start = ls;
	ex->end = le;
	ex->caret_width = cw;
	return true;
}

size_t ipe_source_line_excerpt(const struct ipe_ctx *ctx, const struct ipe_loc *loc, char *buf,
			       size_t bufsz)
{
	const struct ipe_source *s = loc ? ipe_ctx_source(ctx, loc->src) : NULL;
	struct excerpt ex;
	size_t n = 0;
	char tmp[4];

	if (!buf || bufsz == 0)
		return 0;
	buf[0] = '\0';
	if (!s || !compute_excerpt(s, loc, &ex))
		return 0;
	for (size_t i = ex.start; i < ex.end; i++) {
		size_t k = put_byte(s->data[i], tmp);

		if (n + k + 1 > bufsz)
			break;
		memcpy(buf + n, tmp, k);
		n += k;
	}
	buf[n] = '\0';
	return n;
}

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_MAGENTA "\033[1;35m"
#define C_CYAN "\033[1;36m"
#define C_GREEN "\033[1;32m"
#define C_BLUE "\033[1;34m"

static const char *sev_color(enum ipe_severity sev)
{
	switch (sev) {
	case IPE_SEV_ERROR:
		return C_RED;
	case IPE_SEV_WARNING:
		return C_MAGENTA;
	case IPE_SEV_INFO:
		return C_BLUE;
	case IPE_SEV_NOTE:
		return C_CYAN;
	}
	return "";
}

/*
 * A diagnostic is composed in memory and written with one fwrite: on an
 * unbuffered stream (stderr) a dozen small writes per diagnostic made a
 * million findings cost seconds of system time.  The buffer starts on the
 * stack and grows on the heap only for a long diagnostic (open_memstream
 * allocated and cleared 8 KiB per diagnostic: under ASan a fifth of a
 * fuzzing run).  Without memory, what is composed so far is written and
 * the piece that did not fit goes to the stream directly: still the same
 * bytes in the same order.
 */
struct rbuf {
	FILE *out;
	char *s;
	size_t len, cap;
	char stack[2048];
};

static void rb_flush(struct rbuf *rb)
{
	if (rb->len)
		fwrite(rb->s, 1, rb->len, rb->out);
	rb->len = 0;
}

static void rb_put(struct rbuf *rb, const void *p, size_t n)
{
	if (n > rb->cap - rb->len) {
		size_t ncap = rb->cap;
		char *ns = NULL;

		while (ncap - rb->len < n && ncap <= SIZE_MAX / 2)
			ncap *= 2;
		if (ncap - rb->len >= n)
			ns = rb->s == rb->stack ? malloc(ncap) : realloc(rb->s, ncap);
		if (!ns) {
			rb_flush(rb);
			fwrite(p, 1, n, rb->out);
			return;
		}
		if (rb->s == rb->stack)
			memcpy(ns, rb->stack, rb->len);
		rb->s = ns;
		rb->cap = ncap;
	}
	memcpy(rb->s + rb->len, p, n);
	rb->len += n;
}

static void rb_str(struct rbuf *rb, const char *s)
{
	rb_put(rb, s, strlen(s));
}

static void rb_fill(struct rbuf *rb, char c, size_t n)
{
	char chunk[64];

	memset(chunk, c, n < sizeof(chunk) ? n : sizeof(chunk));
	while (n > 0) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);

		rb_put(rb, chunk, k);
		n -= k;
	}
}

/* Bytes as ipe_fput_escaped() writes them: runs of printable ASCII in one
 * copy, every other byte (and '\\' unless keep_backslash) as \xNN. */
static void rb_escaped(struct rbuf *rb, const char *s, size_t len, bool keep_backslash)
{
	const unsigned char *d = (const unsigned char *)s;
	char e[4];

	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && d[j] >= 0x20 && d[j] < 0x7f && (d[j] != '\\' || keep_backslash))
			j++;
		if (j > i) {
			rb_put(rb, d + i, j - i);
			i = j;
		} else {
			rb_put(rb, e, ipe_escape_byte(e, d[i++], keep_backslash));
		}
	}
}

/* Messages quote input (tokens, paths, names): no byte of it reaches the
 * terminal raw. */
static void put_text(struct rbuf *rb, const char *s)
{
	if (s)
		rb_escaped(rb, s, strlen(s), true);
}

static void print_where(const struct ipe_ctx *ctx, const struct ipe_loc *loc, struct rbuf *rb, bool color)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, loc->src);

	if (color)
		rb_str(rb, C_BOLD);
	if (s)
		rb_escaped(rb, s->name, strlen(s->name), false);
	if (s && loc->line) {
		char num[32];
		int n = snprintf(num, sizeof(num), ":%u:%u: ", loc->line, loc->col);

		rb_put(rb, num, (size_t)n);
	} else if (s) {
		rb_str(rb, ": ");
	}
	if (color)
		rb_str(rb, C_RESET);
}

static void print_excerpt(const struct ipe_ctx *ctx, const struct ipe_loc *loc, struct rbuf *rb, bool color)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, loc->src);
	struct excerpt ex;
	char tmp[4];

	if (!s || !compute_excerpt(s, loc, &ex))
		return;
	rb_put(rb, ex.cut_left ? "  ..." : "    ", ex.cut_left ? 5 : 4);
	for (size_t i = ex.start; i < ex.end;) {
		size_t j = i;

		/* a run of bytes shown as themselves, in one copy */
		while (j < ex.end && excerpt_width[s->data[j]] == 1 && s->data[j] != '\t')
			j++;
		if (j > i) {
			rb_put(rb, s->data + i, j - i);
			i = j;
		} else {
			rb_put(rb, tmp, put_byte(s->data[i++], tmp));
		}
	}
	if (ex.cut_right)
		rb_put(rb, "...", 3);
	rb_put(rb, "\n    ", 5);
	rb_fill(rb, ' ', ex.caret_col);
	if (color)
		rb_str(rb, C_GREEN);
	rb_put(rb, "^", 1);
	rb_fill(rb, '~', ex.caret_width > 1 ? ex.caret_width - 1 : 0);
	if (color)
		rb_str(rb, C_RESET);
	rb_put(rb, "\n", 1);
}

static void render_text(const struct ipe_ctx *ctx, const struct ipe_diag *d, struct rbuf *rb, unsigned flags)
{
	bool color = flags & IPE_RENDER_COLOR;

	print_where(ctx, &d->loc, rb, color);
	if (color)
		rb_str(rb, sev_color(d->severity));
	rb_str(rb, ipe_severity_name(d->severity));
	if (color)
		rb_str(rb, C_RESET C_BOLD);
	rb_str(rb, ": ");
	put_text(rb, d->message);
	if (color)
		rb_str(rb, C_RESET);
	rb_str(rb, " [");
	rb_str(rb, d->code);
	rb_str(rb, "]\n");
	if (!(flags & IPE_RENDER_NO_SOURCE))
		print_excerpt(ctx, &d->loc, rb, color);
	if (d->hint) {
		if (color)
			rb_str(rb, C_CYAN);
		rb_str(rb, "    hint: ");
		if (color)
			rb_str(rb, C_RESET);
		put_text(rb, d->hint);
		rb_put(rb, "\n", 1);
	}
	for (size_t i = 0; i < d->nrelated; i++) {
		print_where(ctx, &d->related[i].loc, rb, color);
		if (color)
			rb_str(rb, C_CYAN);
		rb_str(rb, "note");
		if (color)
			rb_str(rb, C_RESET);
		rb_str(rb, ": ");
		put_text(rb, d->related[i].message);
		rb_put(rb, "\n", 1);
		if (!(flags & IPE_RENDER_NO_SOURCE))
			print_excerpt(ctx, &d->related[i].loc, rb, color);
	}
}

int ipe_diag_render_text(const struct ipe_ctx *ctx, const struct ipe_diag *d, FILE *out,
			 unsigned flags)
{
	struct rbuf rb;

	if (!ctx || !d || !out)
		return -EINVAL;
	rb.out = out;
	rb.s = rb.stack;
	rb.len = 0;
	rb.cap = sizeof(rb.stack);
	render_text(ctx, d, &rb, flags);
	rb_flush(&rb);
	if (rb.s != rb.stack)
		free(rb.s);
	return ferror(out) ? -EIO : 0;
}
