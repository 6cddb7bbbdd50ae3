/* SPDX-License-Identifier: MIT */
/*
 * gzip decompression for /proc/config.gz, through zlib: one member, bounded
 * output (a kernel .config is ~300 KiB; larger output is refused as a bomb),
 * every error (truncation, bad CRC/size trailer, trailing bytes) -EBADMSG.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <ipe/io.h>

#include "compiler/target.h"

#define OUT_MAX IPE_READ_MAX_KCONFIG /* only a kernel .config is gunzipped */

int ipe_gunzip(const unsigned char *in, size_t inlen, unsigned char **ret_out, size_t *ret_len)
{
	z_stream zs;
	unsigned char *out = NULL, *n;
	size_t cap = 0;
	int zrc, rc = 0;

	if (!in || !ret_out || !ret_len)
		return -EINVAL;
	if (inlen < 18 || inlen > UINT_MAX || in[0] != 0x1f || in[1] != 0x8b)
		return -EBADMSG;
	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: a gzip wrapper only (header, CRC-32 and ISIZE checked) */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	do {
		if (zs.total_out == cap) {
			size_t ncap = cap ? cap * 2 : 64 * 1024;

			if (cap >= OUT_MAX) {
				rc = -EFBIG;
				goto out;
			}
			if (ncap > OUT_MAX)
				ncap = OUT_MAX;
			n = realloc(out, ncap);
			if (!n) {
				rc = -ENOMEM;
				goto out;
			}
			out = n;
			cap = ncap;
		}
		zs.next_out = out + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		zrc = inflate(&zs, Z_NO_FLUSH);
		if (zrc == Z_MEM_ERROR) {
			rc = -ENOMEM;
			goto out;
		}
		if (zrc != Z_OK && zrc != Z_STREAM_END) {
			rc = -EBADMSG; /* Z_DATA_ERROR, Z_BUF_ERROR (truncated), Z_NEED_DICT */
			goto out;
		}
		if (zrc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
			rc = -EBADMSG; /* input ended before the stream did */
			goto out;
		}
	} while (zrc != Z_STREAM_END);
	if (zs.avail_in != 0) {
		rc = -EBADMSG; /* bytes after the member */
		goto out;
	}
	*ret_len = zs.total_out;
	if (zs.total_out == 0) {
		free(out);
		out = calloc(1, 1);
		if (!out) {
			rc = -ENOMEM;
			goto out;
		}
	}
	*ret_out = out;
	out = NULL;
out:
	inflateEnd(&zs);
	free(out);
	return rc;
}
