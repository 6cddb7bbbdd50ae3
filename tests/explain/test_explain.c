/* SPDX-License-Identifier: MIT */
/* src/explain: the event spec parser, ipe_explain() and the audit reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ipe/explain.h>
#include <ipe/ipe.h>

static struct ipe_policy *parse(struct ipe_ctx *ctx, const char *text)
{
	struct ipe_policy *p = NULL;
	uint32_t src;

	assert_int_equal(ipe_source_from_memory(ctx, "t", text, strlen(text), true, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &p), 0);
	assert_int_equal(p->verdict.err, 0);
	return p;
}

static const char policy[] =
	"policy_name=t policy_version=1.0.0\n"
	"DEFAULT action=DENY\n"
	"op=EXECUTE boot_verified=TRUE action=ALLOW\n"
	"op=EXECUTE fsverity_digest=sha256:00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff action=ALLOW\n"
	"DEFAULT op=KMODULE action=ALLOW\n";

static void test_event_spec(void **state)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_explain_event e;
	char *s = NULL;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_explain_event_parse(ctx, "  op=KMODULE\tfsverity_digest=sha512:AB path=/x ", IPE_OP_EXECUTE, &e), 0);
	assert_int_equal(e.op, IPE_OP_KMODULE);
	assert_true(e.has_file && e.fsverity && !e.fsverity_signed);
	assert_string_equal(e.fsv_alg, "sha512");
	assert_int_equal(e.fsv_digest_len, 1);
	assert_int_equal(e.fsv_digest[0], 0xab);
	assert_string_equal(e.path, "/x");
	assert_int_equal(ipe_explain_event_props_format(&e, &s), 0);
	assert_string_equal(s, "boot_verified=FALSE dmverity_signature=FALSE fsverity_digest=sha512:ab fsverity_signature=FALSE");
	free(s);
	ipe_explain_event_clear(&e);
	assert_int_equal(ipe_explain_event_parse(ctx, "dmverity_signature=TRUE", IPE_OP_FIRMWARE, &e), 0);
	assert_true(e.dmverity && e.dmverity_signed && e.dmv_roothash_len == 0 && e.op == IPE_OP_FIRMWARE);
	ipe_explain_event_clear(&e);
	assert_int_equal(ipe_explain_event_parse(ctx, "nofile", IPE_OP_EXECUTE, &e), 0);
	assert_false(e.has_file);
	ipe_explain_event_clear(&e);
	assert_int_equal(ipe_ctx_diag_count(ctx), 0);
	assert_int_equal(ipe_explain_event_parse(ctx, "fsverity_digest=sha256", IPE_OP_EXECUTE, &e), -EINVAL);
	assert_int_equal(ipe_explain_event_parse(ctx, "DEFAULT", IPE_OP_EXECUTE, &e), -EINVAL);
	assert_int_equal(ipe_explain_event_parse(ctx, "fsverity_signature=TRUE fsverity_signature=TRUE", IPE_OP_EXECUTE, &e),
			 -EINVAL);
	assert_int_equal(ipe_ctx_diag_count(ctx), 3);
	ipe_ctx_free(ctx);
}

static void test_explain_rules(void **state)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p;
	struct ipe_explain_event e;
	struct ipe_explanation x;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	p = parse(ctx, policy);
	assert_int_equal(ipe_explain_event_parse(ctx, "fsverity_digest=sha256:00FF00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff",
						 IPE_OP_EXECUTE, &e), 0);
	assert_int_equal(ipe_explain(p, &e, NULL, &x), 0);
	assert_int_equal(x.decision.action, IPE_ACTION_ALLOW);
	assert_int_equal(x.line, 4);
	assert_string_equal(x.rule, "op=EXECUTE fsverity_digest=sha256:00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff action=ALLOW");
	assert_string_equal(x.audit_rule,
			    "op=EXECUTE fsverity_digest=\"sha256\":00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF action=ALLOW");
	ipe_explanation_clear(&x);
	e.op = IPE_OP_KMODULE;
	assert_int_equal(ipe_explain(p, &e, NULL, &x), 0);
	assert_int_equal(x.decision.by, IPE_DECIDED_BY_OP_DEFAULT);
	assert_int_equal(x.line, 5);
	assert_string_equal(x.audit_rule, "DEFAULT op=KMODULE action=ALLOW");
	ipe_explanation_clear(&x);
	e.op = IPE_OP_INVALID;
	assert_int_equal(ipe_explain(p, &e, NULL, &x), 0);
	assert_int_equal(x.decision.by, IPE_DECIDED_BY_GLOBAL_DEFAULT);
	assert_string_equal(x.rule, "DEFAULT action=DENY");
	assert_int_equal(x.line, 2);
	ipe_explanation_clear(&x);
	assert_int_equal(ipe_explain(NULL, &e, NULL, &x), 0);
	assert_int_equal(x.decision.action, IPE_ACTION_ALLOW);
	assert_int_equal(x.line, 0);
	ipe_explanation_clear(&x);
	ipe_explain_event_clear(&e);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
}

static void test_audit_reader(void **state)
{
	static const char log[] =
		"type=IPE_ACCESS msg=audit(1.1:1): ipe_op=EXECUTE ipe_hook=BPRM_CHECK enforcing=1 pid=5 comm=\"a\" "
		"path=\"/p\" dev=\"vda\" ino=18446744073709551615 rule=\"op=EXECUTE fsverity_digest=\"sha256\":AB action=DENY\"  \r\n"
		"[1.0] audit: type=1420 audit(1.1:2): ipe_op=X509_CERT ipe_hook=KERNEL_LOAD enforcing=0 pid=6 comm=\"b\" "
		"path=? dev=? ino=? rule=\"DEFAULT action=ALLOW\"\n"
		"type=1420 audit(1.1:3): ipe_op=EXECUTE ipe_hook=BPRM_CHECK enforcing=1 pid=7 comm=\"c\" "
		"path=\"/p\" dev=\"vda\" ino=18446744073709551615 rule=\"op=EXECUTE fsverity_digest=\"sha256\":AB action=DENY\"\n"
		"type=1420 audit(1.1:4): ipe_op=EXECUTE ipe_hook=BPRM_CHECK enforcing=2 pid=7 comm=\"c\" path=? dev=? ino=? rule=\"x\"\n"
		"type=1420 audit(1.1:5): ipe_op=EXECUTE ipe_hook=BPRM_CHECK enforcing=1 pid=7 comm=4 path=? dev=? ino=? rule=\"x\"\n"
		"type=1420 audit(1.1:6): ipe_op=EXECUTE ipe_hook=BPRM_CHECK enforcing=1 pid=99999999999 comm=\"c\" path=? dev=? ino=? rule=\"x\"\n"
		"type=1420 audit(1.1:7): ipe_op=EXECUTE ipe_hook=BPRM_CHECK enforcing=1 pid=1 comm=\"c\" path=\"/q\" dev=\"vda\" ino=18446744073709551616 rule=\"x\"\n"
		"type=1420 audit(1.1:8): ipe_op=EXECUTE ipe_hook=MMAP enforcing=1 pid=1 comm=\"c\" path=<too_long> dev=\"vda\" ino=? rule=\"x\"";
	struct ipe_ctx *ctx = NULL;
	struct ipe_audit_log *l = NULL;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_audit_parse(ctx, "log", log, strlen(log), &l), 0);
	assert_int_equal(l->nipe, 8);
	assert_int_equal(l->nlines, 8);
	assert_int_equal(l->nrecords, 3);
	assert_int_equal(ipe_ctx_diag_count(ctx), 4); /* enforcing=2, comm=4, pid, ino overflow */
	assert_int_equal(l->records[0].count, 2);
	assert_int_equal(l->records[0].line, 1);
	assert_int_equal(l->records[0].ino, UINT64_MAX);
	assert_string_equal(l->records[0].rule, "op=EXECUTE fsverity_digest=\"sha256\":AB action=DENY");
	assert_int_equal(l->records[1].op, IPE_OP_X509_CERT);
	assert_false(l->records[1].has_file);
	assert_null(l->records[1].path);
	assert_true(l->records[2].has_file);
	assert_null(l->records[2].path);
	assert_string_equal(l->records[2].hook, "MMAP");
	ipe_audit_log_free(l);
	/* empty and NUL-laden buffers */
	assert_int_equal(ipe_audit_parse(ctx, "log", "", 0, &l), 0);
	assert_int_equal(l->nrecords, 0);
	ipe_audit_log_free(l);
	assert_int_equal(ipe_audit_parse(ctx, "log", "type=1420 \0): ipe_op=", 21, &l), 0);
	ipe_audit_log_free(l);
	ipe_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_spec),
		cmocka_unit_test(test_explain_rules),
		cmocka_unit_test(test_audit_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
