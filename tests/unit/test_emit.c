/* SPDX-License-Identifier: MIT */
/* Unit tests: the canonical text emitter (exact golden strings). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ipe/policy.h>

static struct ipe_policy *parse(struct ipe_ctx **ctx, const char *text, size_t len)
{
	struct ipe_policy *p = NULL;
	uint32_t src;

	assert_int_equal(ipe_ctx_new(ctx), 0);
	assert_int_equal(ipe_source_from_memory(*ctx, "t.pol", text, len, true, &src), 0);
	assert_int_equal(ipe_policy_parse(*ctx, src, &p), 0);
	return p;
}

/* canonical text of text; NULL when the emitter refuses (rc stored) */
static char *canon(const char *text, size_t len, int *ret_rc)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = parse(&ctx, text, len);
	char *out = NULL;
	size_t olen = 0;
	int rc = ipe_policy_emit_canonical(p, &out, &olen);

	if (rc == 0) {
		assert_non_null(out);
		assert_int_equal(strlen(out), olen);
		assert_int_equal(ipe_policy_canonical_length(p), olen);
	}
	*ret_rc = rc;
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	return out;
}

#define GOLDEN(in, want)                                                         \
	do {                                                                     \
		int rc_;                                                         \
		char *got_ = canon(in, sizeof(in) - 1, &rc_);                    \
		assert_int_equal(rc_, 0);                                        \
		if (strcmp(got_, want) != 0)                                     \
			fail_msg("canonical of %s:\n%s\nwant:\n%s", #in, got_, want); \
		/* fixed point */                                                \
		{                                                                \
			int rc2_;                                                \
			char *again_ = canon(got_, strlen(got_), &rc2_);         \
			assert_int_equal(rc2_, 0);                               \
			assert_string_equal(again_, got_);                       \
			free(again_);                                            \
		}                                                                \
		free(got_);                                                      \
	} while (0)

static void test_golden_basic(void **state)
{
	(void)state;
	GOLDEN("policy_name=p policy_version=1.0.0\nDEFAULT action=ALLOW\n",
	       "policy_name=p policy_version=1.0.0\nDEFAULT action=ALLOW\n");
	/* no trailing newline, CRLF, tabs, comments, version normalised */
	GOLDEN("# head\r\n\tpolicy_name=p \t policy_version=+01.002.0003 # c\r\nDEFAULT  action=DENY",
	       "policy_name=p policy_version=1.2.3\nDEFAULT action=DENY\n");
}

static void test_golden_order(void **state)
{
	(void)state;
	GOLDEN("# c\n"
	       "policy_name=p policy_version=+01.002.3\n"
	       "op=KMODULE action=DENY\n"
	       "DEFAULT op=KMODULE action=ALLOW\n"
	       "op=EXECUTE fsverity_digest=SHA256:ABCD  boot_verified=TRUE action=ALLOW # x\n"
	       "DEFAULT action=DENY\n"
	       "op=EXECUTE\taction=DENY\v\n"
	       "op=X509_CERT dmverity_roothash=:  action=ALLOW\n"
	       "op=POLICY dmverity_signature=FALSE fsverity_signature=TRUE action=DENY\r"
	       "DEFAULT op=X509_CERT action=DENY\n"
	       "op=FIRMWARE boot_verified=FALSE dmverity_signature=TRUE fsverity_signature=FALSE action=ALLOW\n"
	       "op=KEXEC_INITRAMFS dmverity_roothash=sha256:0aFF action=DENY\n"
	       "op=KEXEC_IMAGE boot_verified=TRUE boot_verified=TRUE action=DENY\n"
	       "DEFAULT op=EXECUTE action=ALLOW\n"
	       "op=EXECUTE fsverity_digest=sha256: action=ALLOW\n",
	       "policy_name=p policy_version=1.2.3\n"
	       "DEFAULT action=DENY\n"
	       "DEFAULT op=EXECUTE action=ALLOW\n"
	       "op=EXECUTE fsverity_digest=SHA256:abcd boot_verified=TRUE action=ALLOW\n"
	       "op=EXECUTE action=DENY\n"
	       "op=EXECUTE fsverity_digest=sha256: action=ALLOW\n"
	       "op=FIRMWARE boot_verified=FALSE dmverity_signature=TRUE fsverity_signature=FALSE action=ALLOW\n"
	       "DEFAULT op=KMODULE action=ALLOW\n"
	       "op=KMODULE action=DENY\n"
	       "op=KEXEC_IMAGE boot_verified=TRUE boot_verified=TRUE action=DENY\n"
	       "op=KEXEC_INITRAMFS dmverity_roothash=sha256:0aff action=DENY\n"
	       "op=POLICY dmverity_signature=FALSE fsverity_signature=TRUE action=DENY\n"
	       "DEFAULT op=X509_CERT action=DENY\n"
	       "op=X509_CERT dmverity_roothash=: action=ALLOW\n");
}

static void test_golden_per_op_defaults(void **state)
{
	(void)state;
	GOLDEN("policy_name=all policy_version=0.0.0\n"
	       "DEFAULT op=X509_CERT action=DENY\nDEFAULT op=POLICY action=DENY\n"
	       "DEFAULT op=KEXEC_INITRAMFS action=DENY\nDEFAULT op=KEXEC_IMAGE action=DENY\n"
	       "DEFAULT op=KMODULE action=ALLOW\nDEFAULT op=FIRMWARE action=ALLOW\n"
	       "DEFAULT op=EXECUTE action=ALLOW\n",
	       "policy_name=all policy_version=0.0.0\n"
	       "DEFAULT op=EXECUTE action=ALLOW\nDEFAULT op=FIRMWARE action=ALLOW\n"
	       "DEFAULT op=KMODULE action=ALLOW\nDEFAULT op=KEXEC_IMAGE action=DENY\n"
	       "DEFAULT op=KEXEC_INITRAMFS action=DENY\nDEFAULT op=POLICY action=DENY\n"
	       "DEFAULT op=X509_CERT action=DENY\n");
}

static void test_golden_odd_bytes(void **state)
{
	static const char in[] = "policy_name==\x01\xff\"' policy_version=1.0.0\nDEFAULT action=ALLOW\n"
				 "op=EXECUTE fsverity_digest=\x80\v:00 action=ALLOW\n\0ignored";
	int rc;
	char *got = canon(in, sizeof(in) - 1, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(got, "policy_name==\x01\xff\"' policy_version=1.0.0\nDEFAULT action=ALLOW\n"
				 "op=EXECUTE fsverity_digest=\x80\v:00 action=ALLOW\n");
	free(got);
}

static void test_refuses_rejected(void **state)
{
	static const char *bad[] = {
		"",
		"policy_name=p policy_version=1.0.0\n",
		"policy_name=p policy_version=1.0.0\nDEFAULT action=ALLOW\nop=X action=ALLOW\n",
		"policy_name=.. policy_version=1.0.0\nDEFAULT action=ALLOW\n",
		"policy_name=p policy_version=1.0.99999\nDEFAULT action=ALLOW\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		char *got = canon(bad[i], strlen(bad[i]), &rc);

		assert_int_equal(rc, -EINVAL);
		assert_null(got);
	}
	{
		char *t = NULL;

		assert_int_equal(ipe_policy_emit_canonical(NULL, &t, NULL), -EINVAL);
	}
}

static void test_rule_format(void **state)
{
	static const char in[] = "policy_name=p policy_version=1.0.0\nDEFAULT action=ALLOW\n"
				 "op=KMODULE  dmverity_roothash=sha256:AB\tdmverity_signature=TRUE action=DENY\n";
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = parse(&ctx, in, sizeof(in) - 1);
	char *s = NULL;

	(void)state;
	assert_int_equal(ipe_rule_format(p, ipe_policy_rule(p, IPE_OP_KMODULE, 0), &s), 0);
	assert_string_equal(s, "op=KMODULE dmverity_roothash=sha256:ab dmverity_signature=TRUE action=DENY");
	free(s);
	assert_int_equal(ipe_rule_format(p, NULL, &s), -EINVAL);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
}

static void test_keyword_tables(void **state)
{
	(void)state;
	assert_string_equal(ipe_op_name(IPE_OP_EXECUTE), "EXECUTE");
	assert_string_equal(ipe_op_name(IPE_OP_X509_CERT), "X509_CERT");
	assert_null(ipe_op_name(IPE_OP_COUNT));
	assert_null(ipe_op_name(IPE_OP_INVALID));
	assert_string_equal(ipe_action_name(IPE_ACTION_ALLOW), "ALLOW");
	assert_string_equal(ipe_action_name(IPE_ACTION_DENY), "DENY");
	assert_null(ipe_action_name(IPE_ACTION_NONE));
	assert_string_equal(ipe_prop_key(IPE_PROP_FSV_DIGEST), "fsverity_digest");
	assert_null(ipe_prop_token(IPE_PROP_FSV_DIGEST));
	assert_string_equal(ipe_prop_token(IPE_PROP_DMV_SIG_FALSE), "dmverity_signature=FALSE");
	assert_true(ipe_prop_is_digest(IPE_PROP_DMV_ROOTHASH));
	assert_false(ipe_prop_is_digest(IPE_PROP_BOOT_VERIFIED_TRUE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_basic),	   cmocka_unit_test(test_golden_order),
		cmocka_unit_test(test_golden_per_op_defaults), cmocka_unit_test(test_golden_odd_bytes),
		cmocka_unit_test(test_refuses_rejected),   cmocka_unit_test(test_rule_format),
		cmocka_unit_test(test_keyword_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
