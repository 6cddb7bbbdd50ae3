/* SPDX-License-Identifier: MIT */
/* fs-verity file digests: from content with libfsverity, or measured by the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfsverity.h>
#include <linux/fsverity.h>

#include <ipe/digest.h>

#include "digest/digest-internal.h"
#include "util/internal.h"

int ipe_digest_format(const struct ipe_digest *d, char *buf, size_t bufsz)
{
	size_t alen;

	if (!d || !buf || d->size == 0 || d->size > IPE_DIGEST_MAX_SIZE)
		return -EINVAL;
	alen = strnlen(d->alg, sizeof(d->alg));
	if (alen == 0 || alen == sizeof(d->alg))
		return -EINVAL;
	if (bufsz < alen + 1 + 2 * (size_t)d->size + 1)
		return -ENOSPC;
	memcpy(buf, d->alg, alen);
	buf[alen] = ':';
	ipe_hex_encode(buf + alen + 1, d->bytes, d->size);
	return (int)(alen + 1 + 2 * d->size);
}

int ipe_fsverity_alg_parse(const char *name, uint32_t *ret_alg)
{
	if (!name || !ret_alg)
		return -EINVAL;
	if (strcmp(name, "sha256") == 0)
		*ret_alg = IPE_FSVERITY_SHA256;
	else if (strcmp(name, "sha512") == 0)
		*ret_alg = IPE_FSVERITY_SHA512;
	else
		return -EINVAL;
	return 0;
}

int ipe_fsverity_salt_parse(const char *hex, uint8_t *buf, uint32_t *ret_len)
{
	size_t n;

	if (!hex || !buf || !ret_len)
		return -EINVAL;
	n = strlen(hex);
	if (n % 2 || n / 2 > IPE_FSVERITY_MAX_SALT || ipe_hex_decode(buf, hex, n / 2) < 0)
		return -EINVAL;
	*ret_len = (uint32_t)(n / 2);
	return 0;
}

int ipe_fsverity_params_check(const struct ipe_fsverity_params *p)
{
	if (!p)
		return 0;
	if (p->version != IPE_FSVERITY_PARAMS_V1)
		return -EINVAL;
	if (p->hash_alg != 0 && p->hash_alg != IPE_FSVERITY_SHA256 && p->hash_alg != IPE_FSVERITY_SHA512)
		return -EINVAL;
	if (p->block_size != 0 &&
	    (p->block_size < 1024 || p->block_size > 65536 || (p->block_size & (p->block_size - 1))))
		return -EINVAL;
	if (p->salt_size > IPE_FSVERITY_MAX_SALT || (p->salt_size && !p->salt))
		return -EINVAL;
	for (size_t i = 0; i < IPE_ARRAY_SIZE(p->reserved); i++)
		if (p->reserved[i])
			return -EINVAL;
	return 0;
}

static const char *fsverity_alg_name(uint32_t alg)
{
	return alg == IPE_FSVERITY_SHA512 ? "sha512" : "sha256";
}

struct reader {
	int fd;
	uint64_t off;   /* file offset of buf[0] */
	uint64_t size;  /* what fstat said */
	uint8_t *mem;         /* cap + 1 + IPE_FSVERITY_READ_ALIGN bytes */
	uint8_t *buf;         /* the current chunk, inside mem */
	size_t len, pos, cap; /* buf holds cap + 1 bytes */
	bool eof_seen;        /* a read at the end returned exactly up to size */
};

/* Read the next chunk, placed so that its start has the same offset modulo
 * IPE_FSVERITY_READ_ALIGN as dst, where it will be copied to. */
static int reader_fill(struct reader *r, const uint8_t *dst)
{
	uint64_t next = r->off + r->len;
	size_t want = r->cap, ask;
	ssize_t n;

	if (r->size - next < want)
		want = (size_t)(r->size - next);
	if (want == 0)
		return -ESTALE;
	r->buf = r->mem + (((uintptr_t)dst - (uintptr_t)r->mem) & (IPE_FSVERITY_READ_ALIGN - 1));
	/* the last chunk asks for one byte more: getting it means the file grew */
	ask = next + want == r->size ? want + 1 : want;
	do
		n = pread(r->fd, r->buf, ask, (off_t)next);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ESTALE; /* the file shrank */
	if ((size_t)n > want)
		return -ESTALE; /* the file grew */
	if (ask > want)
		r->eof_seen = (size_t)n == want;
	r->off = next;
	r->len = (size_t)n;
	r->pos = 0;
	return 0;
}

static int read_cb(void *fd, void *buf, size_t count)
{
	struct reader *r = fd;
	uint8_t *out = buf;

	while (count) {
		size_t k;

		if (r->pos == r->len) {
			int rc = reader_fill(r, out);

			if (rc < 0)
				return rc;
		}
		k = r->len - r->pos;
		if (k > count)
			k = count;
		memcpy(out, r->buf + r->pos, k);
		r->pos += k;
		out += k;
		count -= k;
	}
	return 0;
}

int ipe_fsverity_digest_stat(int fd, const struct stat *st, const struct ipe_fsverity_params *p, uint8_t *buf,
			     struct ipe_digest *ret_digest)
{
	struct libfsverity_merkle_tree_params mp;
	struct libfsverity_digest *d = NULL;
	struct reader r = { .fd = fd, .mem = buf };
	uint8_t probe;
	ssize_t n;
	int rc;

	memset(&mp, 0, sizeof(mp));
	mp.version = 1;
	mp.hash_algorithm = p && p->hash_alg ? p->hash_alg : IPE_FSVERITY_SHA256;
	mp.block_size = p && p->block_size ? p->block_size : 4096;
	mp.salt_size = p ? p->salt_size : 0;
	mp.salt = p && p->salt_size ? p->salt : NULL;
	mp.file_size = (uint64_t)st->st_size;

	r.size = (uint64_t)st->st_size;
	r.cap = r.size < IPE_FSVERITY_READ_CHUNK ? (size_t)r.size : IPE_FSVERITY_READ_CHUNK;
	if (r.cap && !buf) {
		r.mem = malloc(r.cap + 1 + IPE_FSVERITY_READ_ALIGN);
		if (!r.mem)
			return -ENOMEM;
	}
	rc = libfsverity_compute_digest(&r, read_cb, &mp, &d);
	if (rc < 0)
		goto out;
	/* grown since fstat: the digest would describe a prefix (the last
	 * chunk's read already checked this, unless nothing was read) */
	while (!r.eof_seen) {
		n = pread(fd, &probe, 1, (off_t)r.size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 0) {
			rc = n < 0 ? -errno : -ESTALE;
			goto out;
		}
		break;
	}
	if (d->digest_size > IPE_DIGEST_MAX_SIZE) {
		rc = -EOVERFLOW;
		goto out;
	}
	memset(ret_digest, 0, sizeof(*ret_digest));
	strcpy(ret_digest->alg, fsverity_alg_name(mp.hash_algorithm));
	ret_digest->size = d->digest_size;
	memcpy(ret_digest->bytes, d->digest, d->digest_size);
	rc = 0;
out:
	free(d);
	if (r.mem != buf)
		free(r.mem);
	return rc;
}

int ipe_fsverity_digest_fd(int fd, const struct ipe_fsverity_params *p, struct ipe_digest *ret_digest)
{
	struct stat st;
	int rc;

	if (fd < 0 || !ret_digest)
		return -EINVAL;
	rc = ipe_fsverity_params_check(p);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return ipe_fsverity_digest_stat(fd, &st, p, NULL, ret_digest);
}

int ipe_fsverity_digest_path(int dirfd, const char *path, const struct ipe_fsverity_params *p,
			     struct ipe_digest *ret_digest)
{
	struct stat st;
	int fd, rc;

	if (!path || !ret_digest)
		return -EINVAL;
	/* O_NONBLOCK: a FIFO must not block the open; it is refused below */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else
		rc = ipe_fsverity_digest_fd(fd, p, ret_digest);
	close(fd);
	return rc;
}

int ipe_fsverity_measure_fd(int fd, struct ipe_digest *ret_digest)
{
	/* struct fsverity_digest ends in a flexible array: room for the largest digest */
	uint64_t raw[(sizeof(struct fsverity_digest) + IPE_DIGEST_MAX_SIZE + 7) / 8];
	struct fsverity_digest *m = (struct fsverity_digest *)raw;

	if (fd < 0 || !ret_digest)
		return -EINVAL;
	memset(raw, 0, sizeof(raw));
	m->digest_size = IPE_DIGEST_MAX_SIZE;
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, m) < 0) {
		int e = errno;

		/* ENODATA: not enabled; ENOTTY/EOPNOTSUPP: no fs-verity on this file system */
		if (e == ENODATA || e == ENOTTY || e == EOPNOTSUPP)
			return -ENODATA;
		return -e;
	}
	if (m->digest_size == 0 || m->digest_size > IPE_DIGEST_MAX_SIZE)
		return -EOVERFLOW;
	if (m->digest_algorithm != IPE_FSVERITY_SHA256 && m->digest_algorithm != IPE_FSVERITY_SHA512)
		return -EOPNOTSUPP;
	memset(ret_digest, 0, sizeof(*ret_digest));
	strcpy(ret_digest->alg, fsverity_alg_name(m->digest_algorithm));
	ret_digest->size = m->digest_size;
	memcpy(ret_digest->bytes, m->digest, m->digest_size);
	return 0;
}
