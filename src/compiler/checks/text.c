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

/* A byte the scan stops at: a line end ('\n', '\r'), '#', a control
 * character other than the tab, or a byte >= 0x80.  Everything else only
 * moves the column. */
static inline bool stop_byte(unsigned char c)
{
	return c == '#' || c >= 0x80 || (c < 0x20 && c != '\t');
}

/* 8 bytes that are all printable ASCII or space (0x20-0x7e) and no '#':
 * none is a stop byte. */
static inline bool plain8(const unsigned char *d)
{
	uint64_t x, h;

	memcpy(&x, d, sizeof(x));
	h = x ^ (ONES * '#');
	return !((((x - ONES * 0x20) & ~x) | ((x + ONES * (0x7f - 0x7e)) | x) | ((h - ONES) & ~h)) & HIGHS);
}

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The first stop byte at or after i, or len.  SSE2 (every x86-64): 16
 * bytes at a time, signed compares (the bytes >= 0x80 are below 0x20). */
static inline size_t next_stop(const unsigned char *d, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(0x20), tab = _mm_set1_epi8('\t'), hash = _mm_set1_epi8('#');

	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		__m128i s = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, tab), _mm_cmplt_epi8(x, sp)),
					 _mm_cmpeq_epi8(x, hash));
		unsigned m = (unsigned)_mm_movemask_epi8(s);

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (;;) {
		while (i + 8 <= len && plain8(d + i))
			i += 8;
		if (i >= len || stop_byte(d[i]))
			return i < len ? i : len;
		i++;
	}
}

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
	uint32_t line = 1;
	size_t line_start = 0; /* the column of byte i is i - line_start + 1 */
	bool in_comment = false, bom = len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF;

	if (bom) {
		struct ipe_loc l = { .src = run->p->src, .line = 1, .col = 1, .len = 3, .offset = 0 };

		lint_report(run, LC_BOM, &l, "save the file without a byte order mark",
			    "UTF-8 byte order mark: the kernel reads these 3 bytes as part of the first token");
	}
	/* only the stop bytes (one or two a line in the usual policy) are
	 * looked at one by one */
	for (size_t i = next_stop(d, 0, len); i < len && !run->err; i = next_stop(d, i + 1, len)) {
		unsigned char c = d[i];
		struct ipe_loc l = { .src = run->p->src, .line = line, .col = (uint32_t)(i - line_start + 1), .len = 1,
				     .offset = (uint32_t)i };

		if (c == '\n') {
			line++;
			line_start = i + 1;
			in_comment = false;
			continue;
		}
		if (c == '\r') {
			in_comment = false;
			if (i + 1 < len && d[i + 1] == '\n')
				note(&crlf, &l, c);
			else
				note(&lone_cr, &l, c);
			continue;
		}
		if (c == '#') {
			/* glued: the byte before it (on its line, outside a
			 * comment) belongs to a token */
			if (!in_comment && i > 0 && d[i - 1] != ' ' && d[i - 1] != '\t' && d[i - 1] != '\n' &&
			    d[i - 1] != '\r')
				lint_report(run, LC_GLUED_HASH, &l, "put a space before the '#' if a comment is meant",
					    "'#' inside a token: the kernel ends the line here and ignores the rest");
			in_comment = true;
			continue;
		}
		/* \v \f, other control characters, non-ASCII (not the BOM's) */
		if (!(bom && i < 3))
			note(&odd, &l, c);
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
