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

#define IPE_READ_HARD_MAX ((size_t)UINT32_MAX - 16)

int ipe_read_file(const char *path, size_t max_len, uint8_t **ret_data, size_t *ret_len)
{
	int fd = -1, rc = 0;
	uint8_t *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	struct stat st;

	if (!path || !ret_data || !ret_len)
		return -EINVAL;
	if (max_len == 0 || max_len > IPE_READ_HARD_MAX)
		max_len = IPE_READ_HARD_MAX;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			rc = -EISDIR;
			goto out;
		}
		if (S_ISREG(st.st_mode) && st.st_size > 0) {
			if ((uint64_t)st.st_size > max_len) {
				rc = -EFBIG;
				goto out;
			}
			cap = (size_t)st.st_size + 1;
		}
	}
	if (cap < 4096)
		cap = 4096;
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			size_t ncap = cap * 2;

			if (ncap > max_len + 2)
				ncap = max_len + 2;
			if (ncap <= len + 1) {
				rc = -EFBIG;
				goto out;
			}
			nbuf = realloc(buf, ncap);
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
	if (fd >= 0 && fd != STDIN_FILENO)
		close(fd);
	return rc;
}
