/* SPDX-License-Identifier: MIT */
/* Text hazards: bytes the kernel reads differently from editors and people
 * (lone CR, CRLF, \v \f 0xA0 and non-ASCII, '#' glued to a token, BOM).
 * The NUL byte is reported by the front end (IPE-W160). */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "compiler/model.h"

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* 8 bytes that are all printable ASCII or space (0x20-0x7e) and no '#':
 * nothing to report, only the column moves. */
static inline bool plain8(const unsigned char *d)
{
	uint64_t x, h;

	memcpy(&x, d, sizeof(x));
	h = x ^ (ONES * '#');
	return !((((x - ONES * 0x20) & ~x) | ((x + ONES * (0x7f - 0x7e)) | x) | ((h - ONES) & ~h)) & HIGHS);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* The same for 16 bytes (SSE2, every x86-64): signed compares, so the
 * bytes >= 0x80 fail the first. */
static inline bool plain16(const unsigned char *d)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)d);
	__m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x1f)), _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)));

	ok = _mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('#')), ok);
	return _mm_movemask_epi8(ok) == 0xffff;
}
#endif

struct first {
	struct ipe_loc loc;
	size_t count;
	unsigned char byte;
};

static void note(struct first *f, const struct ipe_loc *loc, unsigned char b)
{
	if (f->count++ == 0) {
		f->loc = *loc;
		f->byte = b;
	}
}

void lint_check_text(struct lint_run *run)
{
	const unsigned char *d = run->data;
	size_t len = run->p->text_len < run->len ? run->p->text_len : run->len;
	struct first lone_cr = { 0 }, crlf = { 0 }, odd = { 0 };
	uint32_t line = 1, col = 1;
	bool in_comment = false, prev_token = false;

	if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
		struct ipe_loc l = { .src = run->p->src, .line = 1, .col = 1, .len = 3, .offset = 0 };

		lint_report(run, LC_BOM, &l, "save the file without a byte order mark",
			    "UTF-8 byte order mark: the kernel reads these 3 bytes as part of the first token");
	}
	for (size_t i = 0; i < len && !run->err; i++) {
		unsigned char c;
		struct ipe_loc l;

		/* the common case, 8 bytes at a time */
		if (i + 8 <= len && plain8(d + i)) {
			do {
				i += 8;
				col += 8;
#ifdef __SSE2__
				while (i + 16 <= len && plain16(d + i)) {
					i += 16;
					col += 16;
				}
#endif
			} while (i + 8 <= len && plain8(d + i));
			prev_token = !in_comment && d[i - 1] != ' ';
			if (i >= len)
				break;
		}
		c = d[i];

		if (c > 0x20 && c < 0x7f && c != '#') { /* the common case */
			col++;
			prev_token = !in_comment;
			continue;
		}
		l = (struct ipe_loc){ .src = run->p->src, .line = line, .col = col, .len = 1, .offset = (uint32_t)i };
		if (c == '\n') {
			line++;
			col = 1;
			in_comment = false;
			prev_token = false;
			continue;
		}
		col++;
		if (c == '\r') {
			in_comment = false;
			prev_token = false;
			if (i + 1 < len && d[i + 1] == '\n')
				note(&crlf, &l, c);
			else
				note(&lone_cr, &l, c);
			continue;
		}
		if (c == '#' && !in_comment) {
			in_comment = true;
			if (prev_token)
				lint_report(run, LC_GLUED_HASH, &l, "put a space before the '#' if a comment is meant",
					    "'#' inside a token: the kernel ends the line here and ignores the rest");
			continue;
		}
		if (c == '\v' || c == '\f' || c >= 0x80 || (c < 0x20 && c != '\t')) {
			if (!(i < 3 && d[0] == 0xEF && len >= 3 && d[1] == 0xBB && d[2] == 0xBF))
				note(&odd, &l, c);
		}
		prev_token = !in_comment && c != ' ' && c != '\t';
	}
	if (lone_cr.count)
		lint_report(run, LC_LONE_CR, &lone_cr.loc, "use '\\n' line ends only",
			    "carriage return without a line feed: the kernel starts a new line here, most editors do not "
			    "(%zu in the file)", lone_cr.count);
	if (crlf.count)
		lint_report(run, LC_CRLF, &crlf.loc, "convert to LF line ends (e.g. dos2unix)",
			    "CRLF line ends (%zu in the file): the kernel reads each CR as an extra empty line",
			    crlf.count);
	if (odd.count)
		lint_report(run, LC_ODD_BYTES, &odd.loc, "replace it with a plain space or ASCII text",
			    "byte 0x%02X is %s (%zu such byte%s in the file)", odd.byte,
			    odd.byte == '\v' ? "a vertical tab: not a separator for the kernel"
			    : odd.byte == '\f' ? "a form feed: not a separator for the kernel"
			    : odd.byte == 0xA0 ? "a non-breaking space: not a separator for the kernel"
			    : odd.byte >= 0x80 ? "not ASCII: no keyword contains it"
					      : "a control character",
			    odd.count, odd.count == 1 ? "" : "s");
}
