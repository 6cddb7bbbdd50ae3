/* SPDX-License-Identifier: MIT */
/* Review defects of issue 11 that only a library call shows. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <ipe/compile.h>
#include <ipe/ctl.h>
#include <ipe/io.h>
#include <ipe/ipe.h>

static const char clean[] = "policy_name=a policy_version=1.0.0\nDEFAULT action=ALLOW\n";
static const char dirty[] = "policy_name=b policy_version=1.0.0\r\nDEFAULT action=ALLOW\n\0op=EXECUTE action=DENY\n";

static size_t boot_errors(struct ipe_ctx *ctx, size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < ipe_ctx_diag_count(ctx); i++)
		if (strcmp(ipe_ctx_diag(ctx, i)->code, "IPE-E130") == 0)
			n++;
	return n;
}

/* ipe_policy_check_boot looked at every source registered after the
 * policy's own: a CR or NUL in another file of the context was reported. */
static void check_boot_ignores_unrelated_sources(void **state)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *a = NULL, *b = NULL;
	uint32_t sa, sb;
	size_t from;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "a.pol", clean, sizeof(clean) - 1, true, &sa), 0);
	assert_int_equal(ipe_policy_parse(ctx, sa, &a), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "b.pol", dirty, sizeof(dirty) - 1, true, &sb), 0);
	assert_int_equal(ipe_policy_parse(ctx, sb, &b), 0);

	from = ipe_ctx_diag_count(ctx);
	assert_int_equal(ipe_policy_check_boot(ctx, a), 0);
	assert_int_equal(boot_errors(ctx, from), 0);

	/* the policy that has them still gets both */
	from = ipe_ctx_diag_count(ctx);
	assert_true(ipe_policy_check_boot(ctx, b) >= 2);
	assert_int_equal(boot_errors(ctx, from), 2);
	for (size_t i = from; i < ipe_ctx_diag_count(ctx); i++)
		if (strcmp(ipe_ctx_diag(ctx, i)->code, "IPE-E130") == 0)
			assert_int_equal(ipe_ctx_diag(ctx, i)->loc.src, sb);

	ipe_policy_free(a);
	ipe_policy_free(b);
	ipe_ctx_free(ctx);
}

static void put(const char *dir, const char *rel, const char *data)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

/* The library used strtok: reading the status in the middle of a
 * caller's strtok loop lost the caller's place. */
static void status_read_keeps_callers_strtok(void **state)
{
	char root[] = "/tmp/ipe-hostile-XXXXXX", path[512];
	char list[] = "one,two,three";
	struct ipe_ctl_status *st = NULL;
	char *tok;

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "lsm", "capability,selinux,ipe,bpf");
	snprintf(path, sizeof(path), "%s/ipe", root);
	assert_int_equal(mkdir(path, 0755), 0);

	tok = strtok(list, ",");
	assert_string_equal(tok, "one");
	assert_int_equal(ipe_ctl_status_read(root, &st), 0);
	assert_true(st->lsm_listed);
	tok = strtok(NULL, ",");
	assert_non_null(tok);
	assert_string_equal(tok, "two");
	ipe_ctl_status_free(st);

	snprintf(path, sizeof(path), "%s/lsm", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ipe", root);
	rmdir(path);
	rmdir(root);
}

/* A final name of NAME_MAX bytes: the temporary name must still fit. */
static void output_name_max(void **state)
{
	char dir[] = "/tmp/ipe-hostile-XXXXXX", path[600], name[256];
	const char *in[] = { path };
	struct ipe_output_opts o = { .inputs = in, .ninputs = 1 };
	long which = 7;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(ipe_output_write(path, "x\n", 2, NULL, &which), 0);
	assert_int_equal(which, -1);
	/* now it exists and is an input: refused, with the input's index */
	assert_int_equal(ipe_output_write(path, "y\n", 2, &o, &which), -EEXIST);
	assert_int_equal(which, 0);
	assert_int_equal(ipe_output_check(path, &o, NULL), -EEXIST);
	unlink(path);
	assert_int_equal(ipe_output_write(dir, "x", 1, NULL, NULL), -EISDIR);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_boot_ignores_unrelated_sources),
		cmocka_unit_test(status_read_keeps_callers_strtok),
		cmocka_unit_test(output_name_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
