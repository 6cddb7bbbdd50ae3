/* SPDX-License-Identifier: MIT */
/* The systemd boot-path model: systemd's header scan and version order
 * (pinned by the order systemd documents for strverscmp_improved and by the
 * hazards of issue #15), and what ipectl predicts for the next boot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ipe/ctl.h>

static void sd_order_documented(void **state)
{
	/* oldest to newest, as systemd's own comment lists them */
	static const char *const v[] = {
		"122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1",
		"123^post1", "123.a-1", "123.1-1", "123a-1", "124-1",
	};
	const size_t n = sizeof(v) / sizeof(v[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j ? 1 : 0;

			if (ipe_systemd_verscmp(v[i], v[j]) != want)
				fail_msg("verscmp(%s, %s) = %d, want %d", v[i], v[j], ipe_systemd_verscmp(v[i], v[j]), want);
		}
}

static void sd_order_vs_kernel(void **state)
{
	(void)state;
	/* canonical versions: the same order as the kernel's 48-bit number */
	assert_int_equal(ipe_systemd_verscmp("1.10.0", "1.9.0"), 1);
	assert_int_equal(ipe_systemd_verscmp("2.0.0", "1.65535.65535"), 1);
	assert_int_equal(ipe_systemd_verscmp("1.2.3", "1.2.3"), 0);
	/* leading zeros and a leading '+' of the first part: equivalent */
	assert_int_equal(ipe_systemd_verscmp("01.002.3", "1.2.3"), 0);
	assert_int_equal(ipe_systemd_verscmp("+1.2.3", "1.2.3"), 0);
	/* '+' after a dot: the kernel reads 1.4.0 (> 1.3.0), systemd an empty
	 * numeric segment (< 1.3.0) */
	assert_int_equal(ipe_systemd_verscmp("1.+4.0", "1.3.0"), -1);
	/* the rest of a line after a tab: more segments, newer for systemd */
	assert_int_equal(ipe_systemd_verscmp("1.0.0\t#v2", "1.0.0"), 1);
	assert_int_equal(ipe_systemd_verscmp("", ""), 0);
	assert_int_equal(ipe_systemd_verscmp(NULL, "1"), -1);
}

static void sd_header(void **state)
{
	static const struct {
		const char *text;
		const char *name, *version;
	} cases[] = {
		{ "policy_name=prod policy_version=1.2.3\nDEFAULT action=DENY\n", "prod", "1.2.3" },
		/* a tab between the tokens: systemd cuts at spaces only */
		{ "policy_name=prod\tpolicy_version=1.2.3\n", "prod\tpolicy_version=1.2.3", "1.2.3" },
		/* a comment above the header mentioning the keys wins */
		{ "# bump policy_version=9.9.9 on release\npolicy_name=prod policy_version=1.2.3\n", "prod", "9.9.9" },
		{ "#policy_name=x\npolicy_name=prod policy_version=1.2.3\n", "x", "1.2.3" },
		/* CR and NUL end lines too */
		{ "policy_name=prod\rpolicy_version=1.0.0 x\n", "prod", "1.0.0" },
		{ "DEFAULT action=DENY\n", NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = NULL, *v = NULL;

		assert_int_equal(ipe_systemd_header(cases[i].text, strlen(cases[i].text), &n, &v), 0);
		if (cases[i].name)
			assert_string_equal(n, cases[i].name);
		else
			assert_null(n);
		if (cases[i].version)
			assert_string_equal(v, cases[i].version);
		else
			assert_null(v);
		free(n);
		free(v);
	}
	{
		static const char nul[] = "xx\0policy_name=a\0policy_version=2.0.0";
		char *n = NULL, *v = NULL;

		assert_int_equal(ipe_systemd_header(nul, sizeof(nul) - 1, &n, &v), 0);
		assert_string_equal(n, "a");
		assert_string_equal(v, "2.0.0");
		free(n);
		free(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sd_order_documented),
		cmocka_unit_test(sd_order_vs_kernel),
		cmocka_unit_test(sd_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
