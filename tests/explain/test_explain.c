/* SPDX-License-Identifier: MIT */
/* src/explain: the event spec parser, ipe_explain() and the audit reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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
	assert_int_equal(ipe_policy_verdict(p)->err, 0);
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
	assert_int_equal(ipe_explain(p, NULL, &e, NULL, &x), 0);
	assert_int_equal(x.decision.action, IPE_ACTION_ALLOW);
	assert_int_equal(x.line, 4);
	assert_string_equal(x.rule, "op=EXECUTE fsverity_digest=sha256:00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff action=ALLOW");
	assert_string_equal(x.audit_rule,
			    "op=EXECUTE fsverity_digest=\"sha256\":00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF action=ALLOW");
	ipe_explanation_clear(&x);
	e.op = IPE_OP_KMODULE;
	assert_int_equal(ipe_explain(p, NULL, &e, NULL, &x), 0);
	assert_int_equal(x.decision.by, IPE_DECIDED_BY_OP_DEFAULT);
	assert_int_equal(x.line, 5);
	assert_string_equal(x.audit_rule, "DEFAULT op=KMODULE action=ALLOW");
	ipe_explanation_clear(&x);
	e.op = IPE_OP_INVALID;
	assert_int_equal(ipe_explain(p, NULL, &e, NULL, &x), 0);
	assert_int_equal(x.decision.by, IPE_DECIDED_BY_GLOBAL_DEFAULT);
	assert_string_equal(x.rule, "DEFAULT action=DENY");
	assert_int_equal(x.line, 2);
	ipe_explanation_clear(&x);
	assert_int_equal(ipe_explain(NULL, NULL, &e, NULL, &x), 0);
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

/* The digest index decides every event as the linear ipe_eval(): random
 * policies over a few digests, random events, every op. */
static void test_index_equals_eval(void **state)
{
	static const char *const digs[] = { "sha256:aa", "sha256:bb", "sha512:aa", "SHA256:aa", "sha256:", "sha256:aabb" };
	static const char *const flags[] = { "boot_verified=TRUE", "boot_verified=FALSE", "dmverity_signature=TRUE",
					     "dmverity_signature=FALSE", "fsverity_signature=TRUE",
					     "fsverity_signature=FALSE" };
	static const uint8_t bytes[][2] = { { 0xaa, 0 }, { 0xbb, 0 }, { 0xaa, 0xbb } };
	static const char *const algs[] = { "sha256", "sha512", "SHA256" };
	unsigned seed = 7;
	(void)state;

	for (int round = 0; round < 200; round++) {
		char text[8192];
		size_t n = 0;
		struct ipe_ctx *ctx = NULL;
		struct ipe_policy *p;
		struct ipe_eval_index *idx = NULL;
		struct ipe_eval_kernel k;
		int nrules = 1 + (int)(rand_r(&seed) % 12);

		n += (size_t)snprintf(text + n, sizeof(text) - n, "policy_name=r policy_version=1.0.0\n");
		if (rand_r(&seed) % 2)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "DEFAULT action=%s\n", rand_r(&seed) % 2 ? "ALLOW" : "DENY");
		else
			for (int op = 0; op < IPE_OP_COUNT; op++)
				n += (size_t)snprintf(text + n, sizeof(text) - n, "DEFAULT op=%s action=DENY\n",
						      ipe_op_name((enum ipe_op)op));
		for (int i = 0; i < nrules; i++) {
			int np = (int)(rand_r(&seed) % 4);

			n += (size_t)snprintf(text + n, sizeof(text) - n, "op=%s", rand_r(&seed) % 4 ? "EXECUTE" : "KMODULE");
			for (int j = 0; j < np; j++) {
				unsigned c = rand_r(&seed) % 10;

				if (c < 3)
					n += (size_t)snprintf(text + n, sizeof(text) - n, " fsverity_digest=%s", digs[rand_r(&seed) % 6]);
				else if (c < 5)
					n += (size_t)snprintf(text + n, sizeof(text) - n, " dmverity_roothash=%s", digs[rand_r(&seed) % 6]);
				else
					n += (size_t)snprintf(text + n, sizeof(text) - n, " %s", flags[rand_r(&seed) % 6]);
			}
			n += (size_t)snprintf(text + n, sizeof(text) - n, " action=%s\n", rand_r(&seed) % 2 ? "ALLOW" : "DENY");
		}
		assert_int_equal(ipe_ctx_new(&ctx), 0);
		p = parse(ctx, text);
		ipe_eval_kernel_all(&k);
		k.prop_dmverity_signature = round % 3 != 0;
		assert_int_equal(ipe_eval_index_new(p, &k, &idx), 0);
		for (int e = 0; e < 300; e++) {
			struct ipe_event ev = { 0 };
			struct ipe_decision a, b;
			int op = (int)(rand_r(&seed) % (IPE_OP_COUNT + 1)) - 1;

			ev.has_file = rand_r(&seed) % 8;
			ev.boot_verified = rand_r(&seed) % 2;
			ev.dmverity = rand_r(&seed) % 2;
			ev.dmverity_signed = rand_r(&seed) % 2;
			ev.fsverity = rand_r(&seed) % 2;
			ev.fsverity_signed = rand_r(&seed) % 2;
			ev.fsv_alg = rand_r(&seed) % 5 ? algs[rand_r(&seed) % 3] : NULL;
			ev.fsv_digest = bytes[rand_r(&seed) % 3];
			ev.fsv_digest_len = rand_r(&seed) % 3;
			ev.dmv_alg = algs[rand_r(&seed) % 3];
			ev.dmv_roothash = bytes[rand_r(&seed) % 3];
			ev.dmv_roothash_len = rand_r(&seed) % 3;
			assert_int_equal(ipe_eval(p, op, &ev, &k, &a), 0);
			assert_int_equal(ipe_eval_indexed(idx, op, &ev, &b), 0);
			assert_int_equal(a.action, b.action);
			assert_int_equal(a.by, b.by);
			if (a.by == IPE_DECIDED_BY_RULE)
				assert_int_equal(a.rule, b.rule);
		}
		ipe_eval_index_free(idx);
		ipe_policy_free(p);
		ipe_ctx_free(ctx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_spec),
		cmocka_unit_test(test_explain_rules),
		cmocka_unit_test(test_audit_reader),
		cmocka_unit_test(test_index_equals_eval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
