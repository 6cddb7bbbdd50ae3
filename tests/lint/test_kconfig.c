/* SPDX-License-Identifier: MIT */
/* Target kernels (src/compiler/target.c): the release table, .config text,
 * a gzip'd config made at test time with gzip(1) (as /proc/config.gz), and the
 * gzip reader (src/compiler/gunzip.c, zlib) on truncated and garbage input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <ipe/diag.h>
#include <ipe/eval.h>
#include <ipe/lint.h>
#include <ipe/policy.h>

#include "compiler/target.h"

/* libipe's gzip reader: src/compiler/target.h */


static const char config_text[] =
	"#\n# Automatically generated file; DO NOT EDIT.\n#\n"
	"CONFIG_SECURITYFS=y\n"
	"CONFIG_SECURITY_IPE=y\n"
	"CONFIG_IPE_BOOT_POLICY=\"\"\n"
	"CONFIG_IPE_POLICY_SIG_SECONDARY_KEYRING=y\n"
	"# CONFIG_IPE_POLICY_SIG_PLATFORM_KEYRING is not set\n"
	"CONFIG_IPE_PROP_DM_VERITY=y\n"
	"CONFIG_IPE_PROP_DM_VERITY_SIGNATURE=m\n"
	"# CONFIG_IPE_PROP_FS_VERITY is not set\n"
	"CONFIG_IPE_PROP_FS_VERITY_BUILTIN_SIG=n\n"
	"CONFIG_LSM=\"landlock,lockdown,ipe,bpf\"\n";

static char tmpdir[] = "/tmp/ipe-kconfig-XXXXXX";
static unsigned char *gz;
static size_t gzlen;

static unsigned char *read_all(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t n = fread(buf + len, 1, cap - len, f);

		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	*ret_len = len;
	return buf;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* gzip FILE into FILE.gz with gzip(1) (a test dependency: the tests that
 * need it fail without it) */
static unsigned char *gzip_file(const char *path, const char *level, size_t *ret_len)
{
	char cmd[2 * PATH_MAX + 64];
	int n;

	n = snprintf(cmd, sizeof(cmd), "gzip -c -n %s '%s' > '%s.gz' 2>/dev/null", level, path, path);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	if (system(cmd) != 0)
		return NULL;
	n = snprintf(cmd, sizeof(cmd), "%s.gz", path);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return read_all(cmd, ret_len);
}

static int setup(void **state)
{
	char path[256];

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/config", tmpdir);
	write_file(path, config_text, strlen(config_text));
	gz = gzip_file(path, "-9", &gzlen);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	free(gz);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void check_values(const struct ipe_kconfig *kc)
{
	assert_true(ipe_kconfig_on(kc, IPE_K_SECURITY_IPE));
	assert_true(ipe_kconfig_on(kc, IPE_K_SECURITYFS));
	assert_true(ipe_kconfig_on(kc, IPE_K_IPE_POLICY_SIG_SECONDARY_KEYRING));
	assert_false(ipe_kconfig_on(kc, IPE_K_IPE_POLICY_SIG_PLATFORM_KEYRING));
	assert_true(ipe_kconfig_on(kc, IPE_K_IPE_PROP_DM_VERITY));
	assert_true(ipe_kconfig_on(kc, IPE_K_IPE_PROP_DM_VERITY_SIGNATURE)); /* =m counts */
	assert_false(ipe_kconfig_on(kc, IPE_K_IPE_PROP_FS_VERITY));
	assert_false(ipe_kconfig_on(kc, IPE_K_IPE_PROP_FS_VERITY_BUILTIN_SIG));
	assert_true(kc->lsm_set);
	assert_true(kc->lsm_has_ipe);
	assert_false(kc->boot_policy);
}

static void test_targets(void **state)
{
	struct ipe_lint_config *cfg = NULL;

	(void)state;
	assert_true(ipe_target_count() >= 2);
	assert_string_equal(ipe_target_release(ipe_target_count() - 1), ipe_target_newest()->release);
	assert_null(ipe_target_release(ipe_target_count()));
	assert_non_null(ipe_target_find("6.12"));
	assert_true(ipe_target_has_ipe(ipe_target_find("6.12")));
	assert_false(ipe_target_has_ipe(ipe_target_find("6.11")));
	assert_int_equal(ipe_lint_config_new(&cfg), 0);
	assert_int_equal(ipe_lint_config_set_target(cfg, "6.12"), 0);
	assert_string_equal(ipe_lint_config_target(cfg), "6.12");
	/* newer than the table: the newest known, and 1 to say so */
	assert_int_equal(ipe_lint_config_set_target(cfg, "9.99"), 1);
	assert_string_equal(ipe_lint_config_target(cfg), ipe_target_newest()->release);
	assert_int_equal(ipe_lint_config_set_target(cfg, "6.13.2-1-amd64"), 0);
	assert_string_equal(ipe_lint_config_target(cfg), "6.13");
	assert_int_equal(ipe_lint_config_set_target(cfg, "6.13foo"), -EINVAL);
	assert_true(ipe_lint_config_set_target(cfg, "running") >= 0);
	assert_null(ipe_target_find("9.99")); /* the table itself has no such entry */
	assert_non_null(ipe_target_find("6.12.7+"));
	assert_int_equal(ipe_lint_config_set_target(cfg, "six"), -EINVAL);
	ipe_lint_config_free(cfg);
	ipe_lint_config_free(NULL);
}

/* The kernel's per-release availability (IPE-KERNEL.md: IPE and its whole
 * grammar arrive in 6.12, unchanged since), pinned for every release of the
 * table; what the target table says derives from the keyword table's "since"
 * column, so this fails when the two disagree or when either is edited
 * without the other. */
static void test_release_availability(void **state)
{
	const char *const releases[] = { "6.10", "6.11", "6.12", "6.12.1", "6.13", "6.14", "6.15", "6.16", "6.17" };

	(void)state;
	for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++) {
		const struct ipe_target *t = ipe_target_find(releases[i]);
		bool ipe = strcmp(releases[i], "6.12") >= 0; /* one digit after "6.1" here */
		bool any = false;

		assert_non_null(t);
		assert_int_equal(ipe_target_has_ipe(t), ipe);
		for (int op = 0; op < IPE_OP_COUNT; op++) {
			assert_int_equal(ipe_target_has_op(t, (enum ipe_op)op), ipe);
			any |= ipe_target_has_op(t, (enum ipe_op)op);
		}
		for (int pr = 0; pr < IPE_PROP_COUNT; pr++)
			assert_int_equal(ipe_target_has_prop(t, (enum ipe_prop_type)pr), ipe);
		/* "has IPE" is "has an op": the grammar's release is an op's */
		assert_int_equal(any, ipe_target_has_ipe(t));
	}
	for (size_t i = 0; i < ipe_target_count(); i++) {
		const struct ipe_target *t = ipe_target_at(i);

		/* the first entry is the one without IPE, every other has it */
		assert_int_equal(ipe_target_has_ipe(t), i > 0);
		assert_ptr_equal(ipe_target_find(ipe_target_release(i)), t);
	}
	assert_false(ipe_target_has_op(NULL, IPE_OP_EXECUTE));
	assert_false(ipe_target_has_op(ipe_target_newest(), IPE_OP_COUNT));
	assert_false(ipe_target_has_prop(ipe_target_newest(), IPE_PROP_COUNT));
}

/* Each property's Kconfig option (keyword table) is one the .config reader
 * tracks, and a .config with just that option off compiles out exactly the
 * properties that name it: the evaluator's per-family switches agree with
 * the table. */
static void test_prop_kconfig(void **state)
{
	(void)state;
	for (int t = 0; t < IPE_PROP_COUNT; t++) {
		const char *sym = ipe_prop_kconfig((enum ipe_prop_type)t);
		struct ipe_eval_kernel k;
		struct ipe_kconfig kc;
		char text[512];
		int n;

		if (!sym) {
			/* nothing compiles it out */
			memset(&k, 0, sizeof(k));
			assert_true(ipe_eval_prop_enabled(&k, (enum ipe_prop_type)t));
			continue;
		}
		assert_true(ipe_ksym_find(sym) >= 0);
		n = snprintf(text, sizeof(text),
			     "CONFIG_SECURITY_IPE=y\nCONFIG_IPE_PROP_DM_VERITY=y\nCONFIG_IPE_PROP_DM_VERITY_SIGNATURE=y\n"
			     "CONFIG_IPE_PROP_FS_VERITY=y\nCONFIG_IPE_PROP_FS_VERITY_BUILTIN_SIG=y\n%s=n\n",
			     sym);
		assert_true(n > 0 && (size_t)n < sizeof(text));
		assert_int_equal(ipe_kconfig_parse((const unsigned char *)text, (size_t)n, &kc), 0);
		ipe_eval_kernel_from_kc(&kc, &k);
		for (int u = 0; u < IPE_PROP_COUNT; u++) {
			const char *other = ipe_prop_kconfig((enum ipe_prop_type)u);
			bool off = other && strcmp(other, sym) == 0;

			assert_int_equal(ipe_eval_prop_enabled(&k, (enum ipe_prop_type)u), !off);
		}
	}
	/* the kernel's (security/ipe/Kconfig, eval.c) */
	assert_null(ipe_prop_kconfig(IPE_PROP_BOOT_VERIFIED_FALSE));
	assert_null(ipe_prop_kconfig(IPE_PROP_BOOT_VERIFIED_TRUE));
	assert_string_equal(ipe_prop_kconfig(IPE_PROP_DMV_ROOTHASH), "CONFIG_IPE_PROP_DM_VERITY");
	assert_string_equal(ipe_prop_kconfig(IPE_PROP_DMV_SIG_FALSE), "CONFIG_IPE_PROP_DM_VERITY_SIGNATURE");
	assert_string_equal(ipe_prop_kconfig(IPE_PROP_DMV_SIG_TRUE), "CONFIG_IPE_PROP_DM_VERITY_SIGNATURE");
	assert_string_equal(ipe_prop_kconfig(IPE_PROP_FSV_DIGEST), "CONFIG_IPE_PROP_FS_VERITY");
	assert_string_equal(ipe_prop_kconfig(IPE_PROP_FSV_SIG_FALSE), "CONFIG_IPE_PROP_FS_VERITY_BUILTIN_SIG");
	assert_string_equal(ipe_prop_kconfig(IPE_PROP_FSV_SIG_TRUE), "CONFIG_IPE_PROP_FS_VERITY_BUILTIN_SIG");
	assert_null(ipe_prop_kconfig(IPE_PROP_COUNT));
	assert_int_equal(ipe_ksym_find("CONFIG_NOT_TRACKED"), -1);
}

static void test_plain_config(void **state)
{
	struct ipe_kconfig kc;
	const char *lsm_no = "CONFIG_SECURITY_IPE=y\nCONFIG_LSM=\"lockdown,ipe2,yama\"\n";

	(void)state;
	assert_int_equal(ipe_kconfig_parse((const unsigned char *)config_text, strlen(config_text), &kc), 0);
	check_values(&kc);
	assert_int_equal(ipe_kconfig_parse((const unsigned char *)lsm_no, strlen(lsm_no), &kc), 0);
	assert_true(kc.lsm_set);
	assert_false(kc.lsm_has_ipe);
	/* not a config at all */
	assert_int_equal(ipe_kconfig_parse((const unsigned char *)"hello\nworld\n", 12, &kc), -EBADMSG);
	assert_int_equal(ipe_kconfig_parse((const unsigned char *)"", 0, &kc), -EBADMSG);
}

static void test_gzip_config(void **state)
{
	struct ipe_kconfig kc;
	unsigned char *out = NULL;
	size_t outlen = 0;

	(void)state;
	if (!gz)
		fail_msg("gzip(1) failed or is missing: it is a test dependency (apt-get install gzip)");
	assert_int_equal(ipe_gunzip(gz, gzlen, &out, &outlen), 0);
	assert_int_equal(outlen, strlen(config_text));
	assert_memory_equal(out, config_text, outlen);
	free(out);
	memset(&kc, 0, sizeof(kc));
	assert_int_equal(ipe_kconfig_parse(gz, gzlen, &kc), 0);
	check_values(&kc);
}

/* a larger config (dynamic Huffman blocks, back references) and a stored block */
static void test_gzip_sizes(void **state)
{
	char path[256];
	size_t n = 0, len;
	char *big = malloc(400000);
	unsigned char *g, *out = NULL;
	size_t glen, outlen;

	(void)state;
	assert_non_null(big);
	while (n < 390000)
		n += (size_t)sprintf(big + n, "CONFIG_OPTION_%zu=%c\n# CONFIG_X%zu is not set\n", n * 7919 % 100003,
				     "ynm"[n % 3], n);
	len = n;
	snprintf(path, sizeof(path), "%s/big", tmpdir);
	write_file(path, big, len);
	for (int lvl = 0; lvl < 2; lvl++) {
		g = gzip_file(path, lvl ? "-9" : "-1", &glen);
		if (!g) {
			free(big);
			fail_msg("gzip(1) failed or is missing: it is a test dependency (apt-get install gzip)");
		}
		assert_int_equal(ipe_gunzip(g, glen, &out, &outlen), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(out, big, len);
		free(out);
		free(g);
	}
	free(big);
	{
		/* hand-made member with one stored block: "hi\n" */
		static const unsigned char stored[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
							0x01, 0x03, 0x00, 0xfc, 0xff, 'h', 'i', '\n',
							0x7a, 0x7a, 0x6f, 0xed, 3, 0, 0, 0 };

		assert_int_equal(ipe_gunzip(stored, sizeof(stored), &out, &outlen), 0);
		assert_int_equal(outlen, 3);
		assert_memory_equal(out, "hi\n", 3);
		free(out);
	}
}

static void test_gzip_truncated(void **state)
{
	unsigned char *out = NULL;
	size_t outlen;

	(void)state;
	if (!gz)
		fail_msg("gzip(1) failed or is missing: it is a test dependency (apt-get install gzip)");
	/* every proper prefix, including one that ends right before the trailer */
	for (size_t n = 0; n < gzlen; n++) {
		out = NULL;
		assert_int_equal(ipe_gunzip(gz, n, &out, &outlen), -EBADMSG);
		assert_null(out);
	}
}

static void test_gzip_garbage(void **state)
{
	unsigned char *buf, *out;
	size_t outlen;
	uint32_t seed = 0x1234567;
	int ok = 0;

	(void)state;
	if (!gz)
		fail_msg("gzip(1) failed or is missing: it is a test dependency (apt-get install gzip)");
	buf = malloc(gzlen);
	assert_non_null(buf);
	/* single bit flips anywhere after the magic: detected (CRC or structure) */
	for (size_t i = 3; i < gzlen; i++) {
		for (int b = 0; b < 8; b += 3) {
			memcpy(buf, gz, gzlen);
			buf[i] ^= (unsigned char)(1u << b);
			out = NULL;
			if (ipe_gunzip(buf, gzlen, &out, &outlen) == 0) {
				/* only what carries no data may change: FTEXT, mtime,
				 * xfl, os, and the padding bits of the last deflate byte */
				if (!((i == 3 && b == 0) || (i >= 4 && i <= 9) || i == gzlen - 9))
					fail_msg("bit %d of byte %zu (of %zu) flipped and accepted", b, i, gzlen);
				assert_int_equal(outlen, strlen(config_text));
				free(out);
				ok++;
			}
		}
	}
	/* random bodies after a valid header: never crash, never succeed */
	for (int round = 0; round < 2000; round++) {
		size_t len = 18 + (seed % 200);

		memcpy(buf, gz, 10);
		for (size_t i = 10; i < len && i < gzlen; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)(seed >> 16);
		}
		out = NULL;
		if (ipe_gunzip(buf, len < gzlen ? len : gzlen, &out, &outlen) == 0) {
			free(out);
			fail_msg("random data accepted as gzip (round %d)", round);
		}
	}
	free(buf);
	/* not gzip */
	assert_int_equal(ipe_gunzip((const unsigned char *)"\x1f\x8b\x09", 3, &out, &outlen), -EBADMSG);
	(void)ok;
}

static void test_gzip_bomb(void **state)
{
	char cmd[512], path[300];
	unsigned char *g, *out = NULL;
	size_t glen, outlen;

	(void)state;
	snprintf(path, sizeof(path), "%s/zeros.gz", tmpdir);
	snprintf(cmd, sizeof(cmd), "head -c 80000000 /dev/zero | gzip -c -1 > '%s' 2>/dev/null", path);
	if (system(cmd) != 0)
		fail_msg("head(1) | gzip(1) failed: they are test dependencies");
	g = read_all(path, &glen);
	assert_non_null(g);
	assert_int_equal(ipe_gunzip(g, glen, &out, &outlen), -EFBIG);
	assert_null(out);
	free(g);
}

/* end to end through the lint API: a gzip'd config turns a property off */
static void test_lint_with_gzip_config(void **state)
{
	static const char pol[] = "policy_name=t policy_version=0.0.1\n"
				  "DEFAULT action=DENY\n"
				  "op=KMODULE boot_verified=TRUE action=ALLOW\n"
				  "op=FIRMWARE boot_verified=TRUE action=ALLOW\n"
				  "op=EXECUTE fsverity_digest=sha256:"
				  "abababababababababababababababababababababababababababababababab action=ALLOW\n";
	struct ipe_lint_config *cfg = NULL;
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = NULL;
	char path[300];
	uint32_t src;
	size_t w170 = 0;

	(void)state;
	if (!gz)
		fail_msg("gzip(1) failed or is missing: it is a test dependency (apt-get install gzip)");
	snprintf(path, sizeof(path), "%s/config.gz", tmpdir);
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_lint_config_new(&cfg), 0);
	assert_int_equal(ipe_lint_config_load_kconfig(cfg, ctx, path), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "t.pol", pol, strlen(pol), false, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &p), 0);
	assert_int_equal(ipe_lint(ctx, cfg, p), 0);
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

		if (strcmp(d->code, "IPE-W170") == 0) {
			w170++;
			assert_int_equal(d->loc.line, 5);
			assert_non_null(strstr(d->message, "CONFIG_IPE_PROP_FS_VERITY"));
		}
	}
	assert_int_equal(w170, 1);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	/* a missing file and a non-config */
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	snprintf(path, sizeof(path), "%s/nonexistent", tmpdir);
	assert_int_equal(ipe_lint_config_load_kconfig(cfg, ctx, path), -ENOENT);
	snprintf(path, sizeof(path), "%s/notconfig", tmpdir);
	write_file(path, "\x1f\x8bgarbage", 9);
	assert_int_equal(ipe_lint_config_load_kconfig(cfg, ctx, path), -EBADMSG);
	ipe_ctx_free(ctx);
	ipe_lint_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_release_availability),
		cmocka_unit_test(test_prop_kconfig),
		cmocka_unit_test(test_plain_config),
		cmocka_unit_test(test_gzip_config),
		cmocka_unit_test(test_gzip_sizes),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_gzip_garbage),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_lint_with_gzip_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
