/* ipe-load: minimal static loader for the real-kernel test suite (runs inside the guest).
 *
 *   ipe-load BLOB [TARGET]        one write() of the whole BLOB to TARGET
 *                                 (default /sys/kernel/security/ipe/new_policy)
 *   ipe-load --split BLOB [TARGET] the same blob in two write() calls (must fail)
 *   ipe-load -s STRING TARGET     one write() of STRING (e.g. "1" to policies/N/active)
 *
 * Prints exactly one word on stdout: OK, or the errno name of the failure (EBADMSG,
 * ENOKEY, ...), or SHORT:<n> when the kernel accepted only part of the bytes.
 * Exit status: 0 when a result word was printed, 2 on a usage or local I/O error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NEW_POLICY "/sys/kernel/security/ipe/new_policy"

static void print_errno(int e)
{
	const char *n = strerrorname_np(e);
	if (n)
		printf("%s\n", n);
	else
		printf("ERRNO%d\n", e);
}

static int write_target(const char *target, const char *buf, size_t len, int split)
{
	int fd = open(target, O_WRONLY);
	if (fd < 0) {
		print_errno(errno);
		return 0;
	}
	size_t first = split ? len / 2 : len;
	ssize_t n = write(fd, buf, first);
	if (n < 0) {
		print_errno(errno);
		close(fd);
		return 0;
	}
	if (split) {
		ssize_t m = write(fd, buf + first, len - first);
		if (m < 0) {
			print_errno(errno);
			close(fd);
			return 0;
		}
		n += m;
	}
	if (close(fd) < 0) {
		print_errno(errno);
		return 0;
	}
	if ((size_t)n != len)
		printf("SHORT:%zd\n", n);
	else
		printf("OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	int split = 0;
	if (argc == 4 && strcmp(argv[1], "-s") == 0)
		return write_target(argv[3], argv[2], strlen(argv[2]), 0);
	if (argc >= 2 && strcmp(argv[1], "--split") == 0) {
		split = 1;
		argv++;
		argc--;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ipe-load [--split] BLOB [TARGET] | ipe-load -s STRING TARGET\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "ipe-load: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	char *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0) {
			fprintf(stderr, "ipe-load: %s: short read\n", argv[1]);
			return 2;
		}
		got += (size_t)r;
	}
	close(fd);
	if (!buf)
		return 2;
	int rc = write_target(argc == 3 ? argv[2] : NEW_POLICY, buf, got, split);
	free(buf);
	return rc;
}
