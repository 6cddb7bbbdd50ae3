/* SPDX-License-Identifier: MIT */
/* Unit tests of the digest module: ALG:HEX formatting, parameter checks,
 * digests from content (against libfsverity called directly, independent of
 * our buffered reader), size changes while reading, kernel measurement of a
 * file without fs-verity, walk and list API errors, hashing while walking
 * (ipe_digest_walk) against walking then hashing, dm-verity argument
 * errors.  End-to-end comparisons with fsverity-utils and veritysetup are in
 * test_digest_cli.py. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfsverity.h>

#include <ipe/digest.h>

static void test_format(void **state)
{
	struct ipe_digest d = { .alg = "sha256", .size = 4, .bytes = { 0x00, 0xab, 0x7f, 0xff } };
	char buf[IPE_DIGEST_STRLEN];

	(void)state;
	assert_int_equal(ipe_digest_format(&d, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "sha256:00ab7fff");
	assert_int_equal(ipe_digest_format(&d, buf, 16), 15);
	assert_int_equal(ipe_digest_format(&d, buf, 15), -ENOSPC);
	d.size = 0;
	assert_int_equal(ipe_digest_format(&d, buf, sizeof(buf)), -EINVAL);
	d.size = IPE_DIGEST_MAX_SIZE + 1;
	assert_int_equal(ipe_digest_format(&d, buf, sizeof(buf)), -EINVAL);
	d.size = 1;
	d.alg[0] = '\0';
	assert_int_equal(ipe_digest_format(&d, buf, sizeof(buf)), -EINVAL);
	memset(d.alg, 'a', sizeof(d.alg)); /* not terminated */
	assert_int_equal(ipe_digest_format(&d, buf, sizeof(buf)), -EINVAL);
	/* the largest digest fits IPE_DIGEST_STRLEN */
	memset(d.alg, 0, sizeof(d.alg));
	memset(d.alg, 'a', sizeof(d.alg) - 1);
	d.size = IPE_DIGEST_MAX_SIZE;
	assert_int_equal(ipe_digest_format(&d, buf, sizeof(buf)), (int)sizeof(buf) - 1);
}

static void test_params(void **state)
{
	static const uint8_t salt[40];
	static const struct {
		uint32_t alg, bs, salt_size;
		int want;
	} rows[] = {
		{ 0, 0, 0, 0 },
		{ IPE_FSVERITY_SHA256, 1024, 0, 0 },
		{ IPE_FSVERITY_SHA512, 65536, 32, 0 },
		{ 3, 0, 0, -EINVAL },
		{ 0, 512, 0, -EINVAL },
		{ 0, 3072, 0, -EINVAL },
		{ 0, 131072, 0, -EINVAL },
		{ 0, 0, 33, -EINVAL },
	};
	struct ipe_fsverity_params p;
	uint32_t alg = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.version = IPE_FSVERITY_PARAMS_V1;
		p.hash_alg = rows[i].alg;
		p.block_size = rows[i].bs;
		p.salt_size = rows[i].salt_size;
		p.salt = salt;
		assert_int_equal(ipe_fsverity_params_check(&p), rows[i].want);
	}
	memset(&p, 0, sizeof(p));
	assert_int_equal(ipe_fsverity_params_check(&p), -EINVAL); /* version 0 */
	p.version = IPE_FSVERITY_PARAMS_V1;
	p.reserved[5] = 1;
	assert_int_equal(ipe_fsverity_params_check(&p), -EINVAL);
	p.reserved[5] = 0;
	p.salt_size = 4; /* salt_size without a salt */
	assert_int_equal(ipe_fsverity_params_check(&p), -EINVAL);
	assert_int_equal(ipe_fsverity_params_check(NULL), 0);

	assert_int_equal(ipe_fsverity_alg_parse("sha256", &alg), 0);
	assert_int_equal(alg, IPE_FSVERITY_SHA256);
	assert_int_equal(ipe_fsverity_alg_parse("sha512", &alg), 0);
	assert_int_equal(alg, IPE_FSVERITY_SHA512);
	assert_int_equal(ipe_fsverity_alg_parse("SHA256", &alg), -EINVAL);
	assert_int_equal(ipe_fsverity_alg_parse("sha1", &alg), -EINVAL);
}

/* libfsverity on a memory buffer, one call: the reference for our reader */
struct mem {
	const uint8_t *p;
	size_t left;
};

static int mem_read(void *fd, void *buf, size_t count)
{
	struct mem *m = fd;

	if (count > m->left)
		return -EIO;
	memcpy(buf, m->p, count);
	m->p += count;
	m->left -= count;
	return 0;
}

static void reference(const uint8_t *data, size_t len, uint32_t alg, uint32_t bs, const uint8_t *salt,
		      uint32_t salt_size, struct libfsverity_digest **ret)
{
	struct libfsverity_merkle_tree_params mp = { 0 };
	struct mem m = { data, len };

	mp.version = 1;
	mp.hash_algorithm = alg;
	mp.block_size = bs;
	mp.file_size = len;
	mp.salt = salt;
	mp.salt_size = salt_size;
	assert_int_equal(libfsverity_compute_digest(&m, mem_read, &mp, ret), 0);
}

static int tmpfile_with(const uint8_t *data, size_t len)
{
	char path[] = "/tmp/ipe-digest-test-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void test_digest_fd(void **state)
{
	/* sizes around our 256 KiB read chunk and the block sizes */
	static const size_t sizes[] = { 0, 1, 1023, 1024, 4097, 262143, 262144, 262145, 700001 };
	static const uint8_t salt[] = { 1, 2, 3, 4, 5 };
	uint8_t *data = malloc(700001);
	struct ipe_fsverity_params p = { .version = IPE_FSVERITY_PARAMS_V1 };

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < 700001; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (uint32_t alg = 1; alg <= 2; alg++) {
			struct libfsverity_digest *ref = NULL;
			struct ipe_digest d;
			int fd = tmpfile_with(data, sizes[i]);

			p.hash_alg = alg;
			p.block_size = alg == 1 ? 1024 : 4096;
			p.salt = alg == 1 ? NULL : salt;
			p.salt_size = alg == 1 ? 0 : sizeof(salt);
			reference(data, sizes[i], alg, p.block_size, p.salt, p.salt_size, &ref);
			assert_int_equal(ipe_fsverity_digest_fd(fd, &p, &d), 0);
			assert_string_equal(d.alg, alg == 1 ? "sha256" : "sha512");
			assert_int_equal(d.size, ref->digest_size);
			assert_memory_equal(d.bytes, ref->digest, d.size);
			/* the file offset is neither used nor moved */
			assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)sizes[i]);
			free(ref);
			close(fd);
		}
	}
	free(data);
}

static void test_digest_errors(void **state)
{
	struct ipe_fsverity_params bad = { .version = 2 };
	struct ipe_digest d;
	int pfd[2];
	int fd;

	(void)state;
	assert_int_equal(ipe_fsverity_digest_fd(-1, NULL, &d), -EINVAL);
	fd = tmpfile_with((const uint8_t *)"x", 1);
	assert_int_equal(ipe_fsverity_digest_fd(fd, &bad, &d), -EINVAL);
	/* no fs-verity on a temporary file: the kernel's measurement is absent */
	assert_int_equal(ipe_fsverity_measure_fd(fd, &d), -ENODATA);
	close(fd);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(ipe_fsverity_digest_fd(pfd[0], NULL, &d), -EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	assert_int_equal(ipe_fsverity_digest_path(AT_FDCWD, "/", NULL, &d), -EISDIR);
	assert_int_equal(ipe_fsverity_digest_path(AT_FDCWD, "/nonexistent/x", NULL, &d), -ENOENT);
	/* procfs says size 0 and then reads more: the file grew */
	assert_int_equal(ipe_fsverity_digest_path(AT_FDCWD, "/proc/self/status", NULL, &d), -ESTALE);
	/* sysfs says 4096 and reads a few bytes: the file shrank */
	assert_int_equal(ipe_fsverity_digest_path(AT_FDCWD, "/sys/devices/system/cpu/online", NULL, &d),
			 -ESTALE);
}

static void test_walk_api(void **state)
{
	struct ipe_walk_params wp = { .version = IPE_WALK_PARAMS_V1 };
	const char *paths[] = { "/proc/self/status", "", "/nonexistent" };
	struct ipe_digest_list *l = NULL;
	const struct ipe_digest_entry *e;
	char *text = NULL;
	size_t len;

	(void)state;
	assert_int_equal(ipe_walk(paths, 3, NULL, &l), -EINVAL);
	wp.version = 0;
	assert_int_equal(ipe_walk(paths, 3, &wp, &l), -EINVAL);
	wp.version = IPE_WALK_PARAMS_V1;
	wp.flags = 1u << 20;
	assert_int_equal(ipe_walk(paths, 3, &wp, &l), -EINVAL);
	wp.flags = 0;
	wp.reserved[0] = 1;
	assert_int_equal(ipe_walk(paths, 3, &wp, &l), -EINVAL);
	wp.reserved[0] = 0;
	wp.max_entries = 2;
	assert_int_equal(ipe_walk(paths, 3, &wp, &l), -E2BIG);
	assert_null(l);
	wp.max_entries = 0;
	assert_int_equal(ipe_walk(paths, 3, &wp, &l), 0);
	assert_int_equal(ipe_digest_list_count(l), 3);
	assert_int_equal(ipe_digest_list_entry(l, 0)->status, IPE_DIGEST_PENDING);
	e = ipe_digest_list_entry(l, 1);
	assert_int_equal(e->status, IPE_DIGEST_FAILED);
	assert_string_equal(e->reason, "empty path");
	assert_int_equal(ipe_digest_list_entry(l, 2)->err, -ENOENT);
	assert_null(ipe_digest_list_entry(l, 3));
	assert_int_equal(ipe_digest_list_compute(l, NULL, 1u << 7, 0), -EINVAL);
	assert_int_equal(ipe_digest_list_compute(l, NULL, 0, 4), 0);
	/* the procfs file changed size: FAILED with the reason */
	e = ipe_digest_list_entry(l, 0);
	assert_int_equal(e->status, IPE_DIGEST_FAILED);
	assert_int_equal(e->err, -ESTALE);
	assert_string_equal(e->reason, "file changed size while being read");
	assert_int_equal(ipe_digest_list_count_status(l, IPE_DIGEST_FAILED), 3);
	assert_int_equal(ipe_digest_list_render(l, (enum ipe_digest_format)7, IPE_OP_EXECUTE, &text, &len),
			 -EINVAL);
	assert_int_equal(ipe_digest_list_render(l, IPE_DIGEST_FMT_RULES, IPE_OP_COUNT, &text, &len), -EINVAL);
	assert_int_equal(ipe_digest_list_render(l, IPE_DIGEST_FMT_LINES, IPE_OP_EXECUTE, &text, &len), 0);
	assert_int_equal(len, 0); /* nothing OK, nothing printed */
	assert_string_equal(text, "");
	free(text);
	ipe_digest_list_free(l);
	ipe_digest_list_free(NULL);
	assert_int_equal(ipe_digest_list_count(NULL), 0);
}

/* A tree of n files in d directories (some empty, some hard links) under a
 * fresh temporary directory; returns its path (static buffer). */
static const char *make_tree(unsigned n, unsigned d)
{
	static char root[64];
	char p[256];

	strcpy(root, "/tmp/ipe-digest-walk-XXXXXX");
	assert_non_null(mkdtemp(root));
	for (unsigned k = 0; k < d; k++) {
		snprintf(p, sizeof(p), "%s/d%02u", root, k);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		FILE *f;

		snprintf(p, sizeof(p), "%s/d%02u/f%04u", root, i % d, i);
		f = fopen(p, "wb");
		assert_non_null(f);
		for (unsigned k = 0; k < (i * 977u) % 9000u; k++)
			fputc((int)(k * i % 251u), f);
		fclose(f);
		if (i % 17 == 3) { /* a second link, listed before or after the first */
			char q[256];

			snprintf(q, sizeof(q), "%s/d%02u/%c-link%04u", root, (i + 1) % d, i % 2 ? 'a' : 'z', i);
			assert_int_equal(link(p, q), 0);
		}
	}
	return root;
}

static void same_lists(const struct ipe_digest_list *a, const struct ipe_digest_list *b)
{
	assert_int_equal(ipe_digest_list_count(a), ipe_digest_list_count(b));
	for (size_t i = 0; i < ipe_digest_list_count(a); i++) {
		const struct ipe_digest_entry *x = ipe_digest_list_entry(a, i), *y = ipe_digest_list_entry(b, i);

		assert_string_equal(x->path, y->path);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->err, y->err);
		assert_int_equal(x->ino, y->ino);
		assert_int_equal(x->size, y->size);
		assert_int_equal(x->digest.size, y->digest.size);
		assert_memory_equal(x->digest.bytes, y->digest.bytes, x->digest.size);
	}
}

/* ipe_digest_walk (hashing while walking) gives the list of ipe_walk +
 * ipe_digest_list_compute, for any number of threads; errors of the walk
 * leave no list. */
static void test_digest_walk(void **state)
{
	struct ipe_walk_params wp = { .version = IPE_WALK_PARAMS_V1, .flags = IPE_WALK_RECURSIVE };
	struct ipe_digest_list *ref = NULL, *l = NULL;
	const char *root = make_tree(700, 7);
	const char *paths[] = { root, "/nonexistent" };
	char cmd[128];

	(void)state;
	assert_int_equal(ipe_walk(paths, 2, &wp, &ref), 0);
	assert_int_equal(ipe_digest_list_compute(ref, NULL, 0, 1), 0);
	assert_int_equal(ipe_digest_list_count_status(ref, IPE_DIGEST_OK), 700);
	assert_int_equal(ipe_digest_list_count_status(ref, IPE_DIGEST_FAILED), 1);
	for (unsigned jobs = 0; jobs <= 5; jobs++) {
		assert_int_equal(ipe_digest_walk(paths, 2, &wp, NULL, 0, jobs, &l), 0);
		same_lists(ref, l);
		ipe_digest_list_free(l);
		l = NULL;
	}
	wp.max_entries = 300;
	assert_int_equal(ipe_digest_walk(paths, 2, &wp, NULL, 0, 3, &l), -E2BIG);
	assert_null(l);
	wp.max_entries = 0;
	assert_int_equal(ipe_digest_walk(paths, 2, &wp, NULL, 1u << 5, 2, &l), -EINVAL);
	assert_int_equal(ipe_digest_walk(paths, 2, NULL, NULL, 0, 2, &l), -EINVAL);
	assert_int_equal(ipe_digest_walk(paths, 2, &wp, NULL, 0, 2, NULL), -EINVAL);
	assert_null(l);
	ipe_digest_list_free(ref);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_dmverity_args(void **state)
{
	struct ipe_dmverity_info info;
	struct stat st;
	int fd = tmpfile_with((const uint8_t *)"x", 1);

	(void)state;
	assert_int_equal(ipe_dmverity_image(NULL, "h", 0, 0, &info), -EINVAL);
	assert_int_equal(ipe_dmverity_image("d", "h", 0, 1u << 5, &info), -EINVAL);
	assert_int_equal(ipe_dmverity_image("/nonexistent", "/nonexistent", 0, 0, &info), -ENOENT);
	assert_int_equal(ipe_dmverity_image("/", "/", 0, 0, &info), -EISDIR);
	assert_int_equal(ipe_dmverity_active("", &info), -EINVAL);
	assert_int_equal(ipe_dmverity_active("/proc/self/status", &info), -ENOTBLK);
	/* a result: zeroed whole, reserved included, also on failure */
	{
		static const struct ipe_dmverity_info zero;

		memset(&info, 0xff, sizeof(info));
		assert_int_equal(ipe_dmverity_image("/", "/", 0, 0, &info), -EISDIR);
		assert_memory_equal(&info, &zero, sizeof(info));
		memset(&info, 0xff, sizeof(info));
		assert_int_equal(ipe_dmverity_active("/proc/self/status", &info), -ENOTBLK);
		assert_memory_equal(&info, &zero, sizeof(info));
		memset(&info, 0xff, sizeof(info));
		assert_true(ipe_dmverity_for_dev(makedev(1, 3), &info) < 0); /* /dev/null: no dm device */
		assert_memory_equal(&info, &zero, sizeof(info));
	}
	assert_int_equal(ipe_dmverity_active("/nonexistent/dev", &info), -ENODEV);
	/* a temporary file does not live on device-mapper */
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ipe_dmverity_for_dev(st.st_dev, &info), -ENODEV);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_digest_fd),
		cmocka_unit_test(test_digest_errors),
		cmocka_unit_test(test_walk_api),
		cmocka_unit_test(test_digest_walk),
		cmocka_unit_test(test_dmverity_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
