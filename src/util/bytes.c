/* SPDX-License-Identifier: MIT */
/* Showing bytes: the one hex codec, and the one escape of a byte for
 * terminal text (messages, excerpts, JSON strings of odd bytes, GitHub
 * workflow commands). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ipe/diag.h>

#include "util/internal.h"

static const char hexdigits[] = "0123456789abcdef";
static const char hexdigits_upper[] = "0123456789ABCDEF";

void ipe_hex_encode_case(char *out, const void *data, size_t n, bool upper)
{
	const char *digits = upper ? hexdigits_upper : hexdigits;
	const unsigned char *d = data;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void ipe_hex_encode(char *out, const void *data, size_t n)
{
	ipe_hex_encode_case(out, data, n, false);
}

int ipe_hex_format(char *buf, size_t bufsz, const void *data, size_t len)
{
	if (!buf || (!data && len))
		return -EINVAL;
	if (len > (INT_MAX - 1) / 2 || bufsz < 2 * len + 1)
		return -ENOSPC;
	ipe_hex_encode(buf, data, len);
	return (int)(2 * len);
}

/* The one hex table of libipe: HEX_OK|value for 0-9 a-f, HEX_OK|HEX_UPPER|value
 * for A-F, 0 for any other byte. */
#define HEX_UPPER 0x10
#define HEX_OK 0x20
#define H(v) (HEX_OK | (v))
#define HU(v) (HEX_OK | HEX_UPPER | (v))
static const uint8_t hexdec[256] = {
	['0'] = H(0),	['1'] = H(1),	['2'] = H(2),	['3'] = H(3),	['4'] = H(4),	['5'] = H(5),
	['6'] = H(6),	['7'] = H(7),	['8'] = H(8),	['9'] = H(9),	['a'] = H(10),	['b'] = H(11),
	['c'] = H(12),	['d'] = H(13),	['e'] = H(14),	['f'] = H(15),	['A'] = HU(10), ['B'] = HU(11),
	['C'] = HU(12), ['D'] = HU(13), ['E'] = HU(14), ['F'] = HU(15),
};
#undef H
#undef HU

size_t ipe_hex_span(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (hexdec[(unsigned char)s[i]] & HEX_OK))
		i++;
	return i;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define B8(c) (0x0101010101010101ull * (uint64_t)(c))
/* SWAR: decode 8 hex digits (little-endian load) into 4 bytes.  false when
 * one of them is not a hex digit.  *ret_upper: one of them is A-F. */
static inline bool hex8(const unsigned char *s, uint32_t *ret, bool *ret_upper)
{
	const uint64_t hi = B8(0x80);
	uint64_t x, y, digit, alpha, nib, w;

	memcpy(&x, s, sizeof(x));
	if (x & hi)
		return false;
	/* per byte, all < 0x80 so no carry crosses bytes: high bit = in range */
	digit = (x + B8(0x80 - '0')) & ~(x + B8(0x7f - '9')) & hi;
	y = x | B8(0x20); /* fold case; digits already have 0x20 */
	alpha = (y + B8(0x80 - 'a')) & ~(y + B8(0x7f - 'f')) & hi;
	if ((digit | alpha) != hi)
		return false;
	*ret_upper = (alpha & ~(x << 2)) != 0; /* bit 5 clear: A-F */
	nib = (x & B8(0x0f)) + (alpha >> 7) * 9;
	w = ((nib << 4) | (nib >> 8)) & 0x00ff00ff00ff00ffull;
	w = (w | (w >> 8)) & 0x0000ffff0000ffffull;
	w = (w | (w >> 16)) & 0xffffffffull;
	*ret = (uint32_t)w;
	return true;
}
#undef B8
#endif

#ifdef __SSE2__
#include <emmintrin.h>

/* 16 digits into 8 bytes (SSE2, every x86-64): false, writing nothing,
 * when one of them is not a hex digit.  *upper |= any is 'A'-'F'. */
static inline bool hex16(const unsigned char *h, uint8_t *out, bool *upper)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)h);
	__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20)); /* 'A'-'F' -> 'a'-'f'; digits keep */
	/* signed compares: the bytes >= 0x80 are below every range */
	__m128i isd = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
	__m128i isa = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(l, _mm_set1_epi8('f' + 1)));
	__m128i v, w;

	if (_mm_movemask_epi8(_mm_or_si128(isd, isa)) != 0xffff)
		return false;
	/* a letter without the 0x20 bit is uppercase */
	if (_mm_movemask_epi8(_mm_and_si128(isa, _mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8(0x20)), _mm_setzero_si128()))))
		*upper = true;
	v = _mm_or_si128(_mm_and_si128(isd, _mm_sub_epi8(x, _mm_set1_epi8('0'))),
			 _mm_and_si128(isa, _mm_sub_epi8(l, _mm_set1_epi8('a' - 10))));
	/* per 16-bit lane: the first digit (low byte) is the high nibble */
	w = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0xff)), 4), _mm_srli_epi16(v, 8));
	_mm_storel_epi64((__m128i *)(void *)out, _mm_packus_epi16(w, w));
	return true;
}
#endif

int ipe_hex_decode_case(uint8_t *out, const char *hex, size_t n, bool *ret_upper)
{
	const size_t hlen = 2 * n;
	uint8_t seen = 0, ok = HEX_OK;
	size_t i = 0;

#ifdef __SSE2__
	/* 16 digits at a time: a 64-digit sha256 in four steps; a bad digit
	 * leaves the rest to the loops below, which find it */
	for (; i + 16 <= hlen; i += 16) {
		bool upper = false;

		if (!hex16((const unsigned char *)hex + i, out + i / 2, &upper))
			break;
		if (upper)
			seen |= HEX_UPPER;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* 8 digits at a time (the hot loop of large digest policies); a bad
	 * digit leaves the rest to the byte loop below, which finds it */
	for (; i + 8 <= hlen; i += 8) {
		uint32_t w;
		bool upper;

		if (!hex8((const unsigned char *)hex + i, &w, &upper))
			break;
		if (upper)
			seen |= HEX_UPPER;
		memcpy(out + i / 2, &w, sizeof(w));
	}
#endif
	for (; i < hlen; i += 2) {
		uint8_t a = hexdec[(unsigned char)hex[i]], b = hexdec[(unsigned char)hex[i + 1]];

		seen |= a | b;
		ok &= a & b;
		out[i / 2] = (uint8_t)((a & 15) << 4 | (b & 15));
	}
	if (!ok)
		return -EINVAL;
	if (ret_upper)
		*ret_upper = (seen & HEX_UPPER) != 0;
	return 0;
}

int ipe_hex_decode(uint8_t *out, const char *hex, size_t n)
{
	return ipe_hex_decode_case(out, hex, n, NULL);
}

size_t ipe_escape_byte(char out[4], unsigned char c, bool keep_backslash)
{
	if (c >= 0x20 && c < 0x7f && (c != '\\' || keep_backslash)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hexdigits[c >> 4];
	out[3] = hexdigits[c & 15];
	return 4;
}

int ipe_fput_hex(FILE *out, const void *data, size_t n)
{
	const unsigned char *d = data;
	char buf[2 * 64 + 1];

	while (n > 0) {
		size_t k = n < 64 ? n : 64;

		ipe_hex_encode(buf, d, k);
		if (fputs(buf, out) < 0)
			return -EIO;
		d += k;
		n -= k;
	}
	return 0;
}

size_t ipe_escape_bytes(char *buf, size_t bufsz, const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t n = 0;

	if (!buf || bufsz == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char e[4];
		size_t k = ipe_escape_byte(e, d[i], false);

		/* keep room for "..." when more bytes follow */
		if (n + k + (i + 1 < len ? 3 : 0) + 1 > bufsz) {
			if (n + 4 <= bufsz) {
				memcpy(buf + n, "...", 3);
				n += 3;
			}
			break;
		}
		memcpy(buf + n, e, k);
		n += k;
	}
	buf[n] = '\0';
	return n;
}

int ipe_fput_escaped(FILE *out, const void *data, size_t len, unsigned flags)
{
	const unsigned char *d = data;
	char buf[4 * 256 + 1];

	if (!out || (!data && len))
		return -EINVAL;
	/* the common case, nothing to escape: one write */
	for (size_t i = 0;; i++) {
		if (i == len) {
			fwrite(d, 1, len, out);
			return ferror(out) ? -EIO : 0;
		}
		if (d[i] < 0x20 || d[i] >= 0x7f || (d[i] == '\\' && !(flags & IPE_ESCAPE_KEEP_BACKSLASH)))
			break;
	}
	while (len > 0) {
		size_t n = len < 256 ? len : 256;

		if (flags & IPE_ESCAPE_KEEP_BACKSLASH) {
			const unsigned char *bs = memchr(d, '\\', n);

			if (bs == d) {
				fputc('\\', out);
				d++;
				len--;
				continue;
			}
			if (bs)
				n = (size_t)(bs - d);
		}
		ipe_escape_bytes(buf, sizeof(buf), d, n);
		fputs(buf, out);
		d += n;
		len -= n;
	}
	return ferror(out) ? -EIO : 0;
}
