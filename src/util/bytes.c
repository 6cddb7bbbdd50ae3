/* SPDX-License-Identifier: MIT */
/* Showing bytes: escaped for messages, hex for digests and keys. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ipe/diag.h>

#include "util/internal.h"

static const char hexdigits[] = "0123456789abcdef";

void ipe_hex_encode(char *out, const void *data, size_t n)
{
	const unsigned char *d = data;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[d[i] >> 4];
		out[2 * i + 1] = hexdigits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_nibble(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int ipe_hex_decode(uint8_t *out, const char *hex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble((unsigned char)hex[2 * i]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = hex_nibble((unsigned char)hex[2 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
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
		bool plain = d[i] >= 0x20 && d[i] < 0x7f && d[i] != '\\';
		size_t k = plain ? 1 : 4;

		/* keep room for "..." when more bytes follow */
		if (n + k + (i + 1 < len ? 3 : 0) + 1 > bufsz) {
			if (n + 4 <= bufsz) {
				memcpy(buf + n, "...", 3);
				n += 3;
			}
			break;
		}
		if (plain) {
			buf[n++] = (char)d[i];
		} else {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hexdigits[d[i] >> 4];
			buf[n++] = hexdigits[d[i] & 15];
		}
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
