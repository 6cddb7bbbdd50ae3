/* SPDX-License-Identifier: MIT */
/* gcc/clang-style text rendering of diagnostics. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/diag.h>

#include "util/internal.h"

int ipe_vec_reserve(void **vec, size_t *cap, size_t need, size_t elsz)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elsz)
			return -EOVERFLOW;
		ncap *= 2;
	}
	n = realloc(*vec, ncap * elsz);
	if (!n)
		return -ENOMEM;
	*vec = n;
	*cap = ncap;
	return 0;
}

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

/* Messages quote input (tokens, paths, names): no byte of it reaches the
 * terminal raw. */
static void put_text(FILE *out, const char *s)
{
	if (s)
		ipe_fput_escaped(out, s, strlen(s), IPE_ESCAPE_KEEP_BACKSLASH);
}

static void print_where(const struct ipe_ctx *ctx, const struct ipe_loc *loc, FILE *out, bool color)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, loc->src);

	if (color)
		fputs(C_BOLD, out);
	if (s)
		ipe_fput_escaped(out, s->name, strlen(s->name), 0);
	if (s && loc->line)
		fprintf(out, ":%u:%u: ", loc->line, loc->col);
	else if (s)
		fputs(": ", out);
	if (color)
		fputs(C_RESET, out);
}

/* Bytes for one stream write, flushed when full: an excerpt costs a few
 * fwrite calls, not one per byte. */
struct linebuf {
	FILE *out;
	size_t n;
	char b[512];
};

static void lb_put(struct linebuf *lb, const char *s, size_t n)
{
	if (lb->n + n > sizeof(lb->b)) {
		fwrite(lb->b, 1, lb->n, lb->out);
		lb->n = 0;
		if (n > sizeof(lb->b)) {
			fwrite(s, 1, n, lb->out);
			return;
		}
	}
	memcpy(lb->b + lb->n, s, n);
	lb->n += n;
}

static void lb_fill(struct linebuf *lb, char c, size_t n)
{
	while (n > 0) {
		size_t k = n < 64 ? n : 64;

		if (lb->n + k > sizeof(lb->b)) {
			fwrite(lb->b, 1, lb->n, lb->out);
			lb->n = 0;
		}
		memset(lb->b + lb->n, c, k);
		lb->n += k;
		n -= k;
	}
}

static void print_excerpt(const struct ipe_ctx *ctx, const struct ipe_loc *loc, FILE *out, bool color)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, loc->src);
	struct linebuf lb = { .out = out };
	struct excerpt ex;
	char tmp[4];

	if (!s || !compute_excerpt(s, loc, &ex))
		return;
	lb_put(&lb, ex.cut_left ? "  ..." : "    ", ex.cut_left ? 5 : 4);
	for (size_t i = ex.start; i < ex.end;) {
		size_t j = i;

		/* a run of bytes shown as themselves, in one copy */
		while (j < ex.end && excerpt_width[s->data[j]] == 1 && s->data[j] != '\t')
			j++;
		if (j > i) {
			lb_put(&lb, (const char *)s->data + i, j - i);
			i = j;
		} else {
			lb_put(&lb, tmp, put_byte(s->data[i++], tmp));
		}
	}
	if (ex.cut_right)
		lb_put(&lb, "...", 3);
	lb_put(&lb, "\n    ", 5);
	lb_fill(&lb, ' ', ex.caret_col);
	if (color)
		lb_put(&lb, C_GREEN, strlen(C_GREEN));
	lb_put(&lb, "^", 1);
	lb_fill(&lb, '~', ex.caret_width > 1 ? ex.caret_width - 1 : 0);
	if (color)
		lb_put(&lb, C_RESET, strlen(C_RESET));
	lb_put(&lb, "\n", 1);
	fwrite(lb.b, 1, lb.n, out);
}

static void render_text(const struct ipe_ctx *ctx, const struct ipe_diag *d, FILE *out, unsigned flags)
{
	bool color = flags & IPE_RENDER_COLOR;

	print_where(ctx, &d->loc, out, color);
	if (color)
		fputs(sev_color(d->severity), out);
	fputs(ipe_severity_name(d->severity), out);
	if (color)
		fputs(C_RESET C_BOLD, out);
	fputs(": ", out);
	put_text(out, d->message);
	if (color)
		fputs(C_RESET, out);
	fprintf(out, " [%s]\n", d->code);
	if (!(flags & IPE_RENDER_NO_SOURCE))
		print_excerpt(ctx, &d->loc, out, color);
	if (d->hint) {
		if (color)
			fputs(C_CYAN, out);
		fputs("    hint: ", out);
		if (color)
			fputs(C_RESET, out);
		put_text(out, d->hint);
		fputc('\n', out);
	}
	for (size_t i = 0; i < d->nrelated; i++) {
		print_where(ctx, &d->related[i].loc, out, color);
		if (color)
			fputs(C_CYAN, out);
		fputs("note", out);
		if (color)
			fputs(C_RESET, out);
		fputs(": ", out);
		put_text(out, d->related[i].message);
		fputc('\n', out);
		if (!(flags & IPE_RENDER_NO_SOURCE))
			print_excerpt(ctx, &d->related[i].loc, out, color);
	}
}

/* The diagnostic is composed in memory and written with one fwrite: on an
 * unbuffered stream (stderr) a dozen small writes per diagnostic made a
 * million findings cost seconds of system time. */
int ipe_diag_render_text(const struct ipe_ctx *ctx, const struct ipe_diag *d, FILE *out,
			 unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!ctx || !d || !out)
		return -EINVAL;
	m = open_memstream(&buf, &len);
	if (!m) {
		render_text(ctx, d, out, flags); /* no memory: unbuffered, still right */
	} else {
		render_text(ctx, d, m, flags);
		if (fclose(m) == 0)
			fwrite(buf, 1, len, out);
		else
			render_text(ctx, d, out, flags);
		free(buf);
	}
	return ferror(out) ? -EIO : 0;
}
