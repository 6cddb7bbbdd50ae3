/* SPDX-License-Identifier: MIT */
/* The one output routine of every tool: atomic regular files, streams
 * written through, everything else refused, inputs never replaced. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ipe/io.h>

#include "util/internal.h"
#include "util/opts.h"

#define TMP_PREFIX ".ipe-"
#define TMP_RANDOM 8 /* ".XXXXXXXX" after the kept part of the name */

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Is st the same file as one of the inputs?  Index of the input or -1. */
static long same_as_input(const struct stat *st, const struct ipe_output_opts *o)
{
	for (size_t i = 0; o && i < o->ninputs; i++) {
		struct stat in;

		if (!o->inputs[i] || strcmp(o->inputs[i], "-") == 0)
			continue;
		if (stat(o->inputs[i], &in) == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino)
			return (long)i;
	}
	return -1;
}

/* What to do with path: 0 and *kind set, or a negative errno.  *ret_st is
 * the existing target (followed through symlinks) when *ret_exists. */
enum out_kind { OUT_STDOUT, OUT_STREAM, OUT_FILE };

static int classify(const char *path, const struct ipe_output_opts *o, enum out_kind *ret_kind, struct stat *ret_st,
		    bool *ret_exists, long *ret_input)
{
	struct stat lst, st;
	size_t len;

	*ret_exists = false;
	*ret_input = -1;
	if (strcmp(path, "-") == 0) {
		*ret_kind = OUT_STDOUT;
		return 0;
	}
	len = strlen(path);
	if (len == 0)
		return -ENOENT;
	if (path[len - 1] == '/')
		return -EISDIR; /* a directory name, existing or not */
	if (lstat(path, &lst) < 0) {
		if (errno != ENOENT)
			return -errno;
		*ret_kind = OUT_FILE; /* a new file */
		return 0;
	}
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ENOLINK : -errno; /* a symlink to nothing */
	*ret_exists = true;
	*ret_st = st;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		*ret_kind = OUT_STREAM;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return -ENOTSUP; /* block device, socket, ... */
	*ret_input = same_as_input(&st, o);
	if (*ret_input >= 0)
		return -EEXIST;
	*ret_kind = OUT_FILE;
	return 0;
}

int ipe_output_check(const char *path, const struct ipe_output_opts *o, long *ret_input)
{
	enum out_kind kind;
	struct stat st;
	bool exists;
	long input = -1;
	int rc;

	if (!path || IPE_OPTS_CHECK(o, IPE_OUTPUT_OPTS_V1))
		return -EINVAL;
	rc = classify(path, o, &kind, &st, &exists, &input);
	if (ret_input)
		*ret_input = input;
	return rc;
}

static int write_stream(const char *path, const void *data, size_t len)
{
	struct stat st;
	int fd, rc;

	/* No O_CREAT and no O_TRUNC: this only reaches an existing device or
	 * FIFO (a FIFO blocks here until a reader opens it, as with `cat`). */
	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		rc = -EAGAIN; /* replaced between the check and the open */
		goto out;
	}
	rc = write_all(fd, data, len);
out:
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Split path into a directory (opened) and a final component. */
static int open_parent(const char *path, int *ret_dirfd, const char **ret_base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (!slash) {
		*ret_base = path;
		dir = strdup(".");
	} else {
		*ret_base = slash + 1;
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	}
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	*ret_dirfd = fd;
	return 0;
}

static void random_suffix(char *out, size_t n, unsigned attempt)
{
	uint8_t r[TMP_RANDOM];
	char hex[2 * TMP_RANDOM + 1];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL) ^ attempt;

		for (size_t i = 0; i < sizeof(r); i++, x >>= 8)
			r[i] = (uint8_t)(x ^ attempt);
	}
	ipe_hex_encode(hex, r, sizeof(r));
	memcpy(out, hex, n < sizeof(r) ? n : sizeof(r)); /* n hex digits of random bytes */
}

static int write_file(const char *path, const void *data, size_t len, const struct ipe_output_opts *o,
		      const struct stat *old)
{
	char *real = NULL, *tmp = NULL;
	const char *base;
	int dirfd = -1, fd = -1, rc;
	long name_max;
	size_t blen, keep;
	unsigned attempt;

	/* Writing through a symlink replaces its target, never the link. */
	if (old) {
		struct stat lst;

		if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			real = realpath(path, NULL);
			if (!real)
				return errno == ENOENT ? -ENOLINK : -errno;
			path = real;
		}
	}
	rc = open_parent(path, &dirfd, &base);
	if (rc)
		goto out;
	blen = strlen(base);
	name_max = fpathconf(dirfd, _PC_NAME_MAX);
	if (name_max <= 0)
		name_max = NAME_MAX;
	if (blen > (size_t)name_max) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	/* The temporary name keeps as much of the final name as fits, so a
	 * name near the limit still works (the suffix never overflows it). */
	keep = (size_t)name_max - (sizeof(TMP_PREFIX) - 1) - 1 - TMP_RANDOM;
	if (keep > blen)
		keep = blen;
	tmp = malloc(sizeof(TMP_PREFIX) + keep + 1 + TMP_RANDOM + 1);
	if (!tmp) {
		rc = -ENOMEM;
		goto out;
	}
	for (attempt = 0; attempt < 100; attempt++) {
		char *p = tmp;

		memcpy(p, TMP_PREFIX, sizeof(TMP_PREFIX) - 1);
		p += sizeof(TMP_PREFIX) - 1;
		memcpy(p, base, keep);
		p += keep;
		*p++ = '.';
		random_suffix(p, TMP_RANDOM, attempt);
		p[TMP_RANDOM] = '\0';
		/* A new file gets mode minus the umask; an existing one its own
		 * mode (set below, before anything is visible under its name). */
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    old ? 0600 : (o && o->mode ? o->mode : 0644));
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(fd, data, len);
	if (rc)
		goto out_unlink;
	if (old) {
		if (fchown(fd, old->st_uid, old->st_gid) < 0 && errno != EPERM) {
			rc = -errno;
			goto out_unlink;
		}
		if (fchmod(fd, old->st_mode & 0777) < 0) {
			rc = -errno;
			goto out_unlink;
		}
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		rc = -errno;
		goto out_unlink;
	}
	if (renameat(dirfd, tmp, dirfd, base) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	/* The rename is durable only once the directory is on disk too;
	 * file systems that cannot sync a directory say EINVAL. */
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != EROFS)
		rc = -errno;
	goto out;
out_unlink:
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlinkat(dirfd, tmp, 0);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(tmp);
	free(real);
	return rc;
}

int ipe_output_write(const char *path, const void *data, size_t len, const struct ipe_output_opts *o,
		     long *ret_input)
{
	enum out_kind kind = OUT_STDOUT; /* set by classify(); gcc -O3 cannot see it */
	struct stat st;
	bool exists;
	long input = -1;
	int rc;

	if (ret_input)
		*ret_input = -1;
	if (!path || (!data && len) || IPE_OPTS_CHECK(o, IPE_OUTPUT_OPTS_V1))
		return -EINVAL;
	rc = classify(path, o, &kind, &st, &exists, &input);
	if (ret_input)
		*ret_input = input;
	if (rc)
		return rc;
	switch (kind) {
	case OUT_STDOUT:
		return write_all(STDOUT_FILENO, data, len);
	case OUT_STREAM:
		return write_stream(path, data, len);
	case OUT_FILE:
		break;
	}
	return write_file(path, data, len, o, exists ? &st : NULL);
}

int ipe_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct ipe_output_opts o = { .mode = mode };

	return ipe_output_write(path, data, len, &o, NULL);
}

const char *ipe_output_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case EEXIST:
		return "it is one of the inputs (the same file); refusing to replace an input, choose another output";
	case EISDIR:
		return "is a directory; give a file name";
	case ENOTSUP:
		return "not a regular file, character device or FIFO; refused";
	case ENOLINK:
		return "a symbolic link to nothing; refused (remove it or point it at a file)";
	case EAGAIN:
		return "the file changed type while being opened; nothing written";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
