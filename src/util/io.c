/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ipe/io.h>

#include "util/internal.h"

#define IPE_READ_HARD_MAX ((size_t)UINT32_MAX - 16)

int ipe_input_open(const char *path, int *ret_fd)
{
	struct stat st;
	int fd, fl;

	if (!path || !ret_fd)
		return -EINVAL;
	if (strcmp(path, "-") == 0) {
		*ret_fd = STDIN_FILENO;
		return 0;
	}
	/* O_NONBLOCK: opening a FIFO nobody writes to must not hang (it
	 * then reads as empty); cleared again for the reads */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISBLK(st.st_mode)) {
		/* block devices and sockets are never a policy, a list or a
		 * config: refuse rather than read gigabytes or wait */
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	*ret_fd = fd;
	return 0;
}

int ipe_read_fd(int fd, size_t max_len, uint8_t **ret_data, size_t *ret_len)
{
	int rc = 0;
	uint8_t *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	struct stat st;

	if (fd < 0 || !ret_data || !ret_len)
		return -EINVAL;
	if (max_len == 0)
		max_len = IPE_READ_MAX_DEFAULT;
	if (max_len > IPE_READ_HARD_MAX)
		max_len = IPE_READ_HARD_MAX;
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (S_ISREG(st.st_mode) && st.st_size > 0) {
			off_t pos = lseek(fd, 0, SEEK_CUR);
			uint64_t left = (uint64_t)st.st_size - (pos > 0 && pos <= st.st_size ? (uint64_t)pos : 0);

			/* refused before reading a byte */
			if (left > max_len)
				return -EFBIG;
			/* + 2: the NUL, and room for the read that finds
			 * the end (no realloc for a file of known size) */
			cap = (size_t)left + 2;
		}
	}
	if (cap < 4096)
		cap = 4096;
	if (cap > max_len + 2)
		cap = max_len + 2;
	/* a big input's text in whole huge pages; a smaller one's exactly */
	buf = cap >= IPE_MEM_BIG_INPUT ? ipe_mem_alloc_big(cap, false) : ipe_mem_alloc_exact(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			/* a pipe or a device: grow, but never past the cap
			 * (one byte over it is how we learn it is too big) */
			size_t ncap = cap * 2;

			if (ncap > max_len + 2)
				ncap = max_len + 2;
			if (ncap <= len + 1) {
				rc = -EFBIG;
				goto out;
			}
			nbuf = ipe_mem_realloc(buf, cap, ncap, NULL);
			if (!nbuf) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max_len) {
			rc = -EFBIG;
			goto out;
		}
	}
	buf[len] = '\0';
	*ret_data = buf;
	*ret_len = len;
	buf = NULL;
out:
	free(buf);
	return rc;
}

int ipe_read_file(const char *path, size_t max_len, uint8_t **ret_data, size_t *ret_len)
{
	int fd, rc;

	if (!path || !ret_data || !ret_len)
		return -EINVAL;
	rc = ipe_input_open(path, &fd);
	if (rc)
		return rc;
	rc = ipe_read_fd(fd, max_len, ret_data, ret_len);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}
