/* SPDX-License-Identifier: MIT */
/*
 * A small gzip reader (RFC 1952 / RFC 1951) so ipe-check can read
 * /proc/config.gz without a zlib dependency or spawning a process.  Only what
 * a kernel config needs: one member, bounded output, every error detected.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (64u << 20) /* a kernel .config is ~300 KiB; refuse bombs */

struct inf {
	const unsigned char *in;
	size_t inlen, pos;
	uint32_t bitbuf;
	int bitcnt;
	unsigned char *out;
	size_t outlen, outcap;
	int err;
};

struct huff {
	short count[16];
	short symbol[288];
};

int ipe_gunzip(const unsigned char *in, size_t inlen, unsigned char **ret_out, size_t *ret_len);

static unsigned bits(struct inf *s, int n)
{
	uint32_t v;

	while (s->bitcnt < n) {
		if (s->pos >= s->inlen) {
			s->err = -EBADMSG;
			return 0;
		}
		s->bitbuf |= (uint32_t)s->in[s->pos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	v = s->bitbuf & ((1u << n) - 1);
	s->bitbuf >>= n;
	s->bitcnt -= n;
	return v;
}

static int put(struct inf *s, unsigned char c)
{
	if (s->outlen == s->outcap) {
		size_t nc = s->outcap ? s->outcap * 2 : 65536;
		unsigned char *n;

		if (nc > OUT_MAX)
			return s->err = -EFBIG;
		n = realloc(s->out, nc);
		if (!n)
			return s->err = -ENOMEM;
		s->out = n;
		s->outcap = nc;
	}
	s->out[s->outlen++] = c;
	return 0;
}

static int construct(struct huff *h, const short *length, int n)
{
	short offs[16];
	int left = 1;

	memset(h->count, 0, sizeof(h->count));
	for (int i = 0; i < n; i++)
		h->count[length[i]]++;
	if (h->count[0] == n)
		return 0;
	for (int len = 1; len < 16; len++) {
		left <<= 1;
		left -= h->count[len];
		if (left < 0)
			return -1; /* over-subscribed */
	}
	offs[1] = 0;
	for (int len = 1; len < 15; len++)
		offs[len + 1] = (short)(offs[len] + h->count[len]);
	for (int i = 0; i < n; i++)
		if (length[i])
			h->symbol[offs[length[i]]++] = (short)i;
	return left;
}

static int decode(struct inf *s, const struct huff *h)
{
	int code = 0, first = 0, index = 0;

	for (int len = 1; len < 16; len++) {
		int count;

		code |= (int)bits(s, 1);
		if (s->err)
			return -1;
		count = h->count[len];
		if (code - count < first)
			return h->symbol[index + (code - first)];
		index += count;
		first += count;
		first <<= 1;
		code <<= 1;
	}
	s->err = -EBADMSG;
	return -1;
}

static const short lbase[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27,
				 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const short lext[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const short dbase[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129,
				 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const short dext[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static int codes(struct inf *s, const struct huff *lc, const struct huff *dc)
{
	for (;;) {
		int sym = decode(s, lc);

		if (s->err)
			return s->err;
		if (sym < 256) {
			if (put(s, (unsigned char)sym))
				return s->err;
		} else if (sym == 256) {
			return 0;
		} else {
			size_t len, dist;

			sym -= 257;
			if (sym >= 29)
				return s->err = -EBADMSG;
			len = (size_t)lbase[sym] + bits(s, lext[sym]);
			sym = decode(s, dc);
			if (s->err)
				return s->err;
			if (sym < 0 || sym >= 30)
				return s->err = -EBADMSG;
			dist = (size_t)dbase[sym] + bits(s, dext[sym]);
			if (s->err)
				return s->err;
			if (dist > s->outlen)
				return s->err = -EBADMSG;
			while (len--)
				if (put(s, s->out[s->outlen - dist]))
					return s->err;
		}
	}
}

static int fixed(struct inf *s)
{
	struct huff lc, dc;
	short len[288];

	for (int i = 0; i < 288; i++)
		len[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
	construct(&lc, len, 288);
	for (int i = 0; i < 30; i++)
		len[i] = 5;
	construct(&dc, len, 30);
	return codes(s, &lc, &dc);
}

static int dynamic(struct inf *s)
{
	static const short order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
	struct huff lc, dc;
	short len[320];
	int nlen, ndist, ncode, index;

	nlen = (int)bits(s, 5) + 257;
	ndist = (int)bits(s, 5) + 1;
	ncode = (int)bits(s, 4) + 4;
	if (s->err || nlen > 286 || ndist > 30)
		return s->err ? s->err : (s->err = -EBADMSG);
	for (index = 0; index < ncode; index++)
		len[order[index]] = (short)bits(s, 3);
	for (; index < 19; index++)
		len[order[index]] = 0;
	if (s->err || construct(&lc, len, 19) != 0)
		return s->err ? s->err : (s->err = -EBADMSG);
	index = 0;
	while (index < nlen + ndist) {
		int sym = decode(s, &lc), rep;
		short v = 0;

		if (s->err)
			return s->err;
		if (sym < 16) {
			len[index++] = (short)sym;
			continue;
		}
		if (sym == 16) {
			if (index == 0)
				return s->err = -EBADMSG;
			v = len[index - 1];
			rep = 3 + (int)bits(s, 2);
		} else if (sym == 17) {
			rep = 3 + (int)bits(s, 3);
		} else {
			rep = 11 + (int)bits(s, 7);
		}
		if (s->err || index + rep > nlen + ndist)
			return s->err ? s->err : (s->err = -EBADMSG);
		while (rep--)
			len[index++] = v;
	}
	if (len[256] == 0)
		return s->err = -EBADMSG;
	{
		int e = construct(&lc, len, nlen);

		if (e < 0 || (e > 0 && nlen - lc.count[0] != 1))
			return s->err = -EBADMSG;
		e = construct(&dc, len + nlen, ndist);
		if (e < 0 || (e > 0 && ndist - dc.count[0] != 1))
			return s->err = -EBADMSG;
	}
	return codes(s, &lc, &dc);
}

static int stored(struct inf *s)
{
	unsigned len;

	s->bitbuf = 0;
	s->bitcnt = 0;
	if (s->pos + 4 > s->inlen)
		return s->err = -EBADMSG;
	len = s->in[s->pos] | (unsigned)s->in[s->pos + 1] << 8;
	if (s->in[s->pos + 2] != (~len & 0xff) || s->in[s->pos + 3] != ((~len >> 8) & 0xff))
		return s->err = -EBADMSG;
	s->pos += 4;
	if (s->pos + len > s->inlen)
		return s->err = -EBADMSG;
	for (unsigned i = 0; i < len; i++)
		if (put(s, s->in[s->pos++]))
			return s->err;
	return 0;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

int ipe_gunzip(const unsigned char *in, size_t inlen, unsigned char **ret_out, size_t *ret_len)
{
	struct inf s = { .in = in, .inlen = inlen };
	unsigned flags;
	int last;

	if (inlen < 18 || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8)
		return -EBADMSG;
	flags = in[3];
	if (flags & 0xe0) /* reserved FLG bits must be zero (RFC 1952) */
		return -EBADMSG;
	s.pos = 10;
	if (flags & 4) {
		if (s.pos + 2 > inlen)
			return -EBADMSG;
		s.pos += 2 + (in[s.pos] | (size_t)in[s.pos + 1] << 8);
	}
	for (unsigned f = 8; f <= 16; f <<= 1) {
		if (!(flags & f))
			continue;
		while (s.pos < inlen && in[s.pos])
			s.pos++;
		s.pos++;
	}
	if (flags & 2)
		s.pos += 2;
	if (s.pos >= inlen)
		return -EBADMSG;
	do {
		unsigned type;

		last = (int)bits(&s, 1);
		type = bits(&s, 2);
		if (s.err)
			break;
		if (type == 0)
			stored(&s);
		else if (type == 1)
			fixed(&s);
		else if (type == 2)
			dynamic(&s);
		else
			s.err = -EBADMSG;
	} while (!last && !s.err);
	/* the trailer: CRC-32 and size of the data (mod 2^32); the bit reader
	 * never holds a whole unread byte, so pos is where the trailer starts */
	if (!s.err && (s.pos + 8 > inlen || rd32(in + s.pos) != crc32(s.out, s.outlen) ||
		       rd32(in + s.pos + 4) != (uint32_t)s.outlen))
		s.err = -EBADMSG;
	if (s.err) {
		free(s.out);
		return s.err;
	}
	*ret_out = s.out ? s.out : calloc(1, 1);
	*ret_len = s.outlen;
	return *ret_out ? 0 : -ENOMEM;
}
