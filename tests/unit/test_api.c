/* SPDX-License-Identifier: MIT */
/* Unit tests for public functions no tool calls directly (issue #16 item 3):
 * ipe_eval_prop() against the kernel's rules, the explain event setters and
 * view, the diff change renderers, the ipectl name functions, the
 * CAP_MAC_ADMIN probe (checked against capget(2)), the keyring errno
 * explanations and ipe_lint_config_enabled(); the accessors of the opaque
 * model (<ipe/policy.h>) against a policy whose every field is known, and
 * of the opaque source (<ipe/diag.h>); the reserved space of the structs
 * the caller allocates (results zeroed whole, non-zero input reserved space
 * refused with -EINVAL). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <cmocka.h>

#include <ipe/ctl.h>
#include <ipe/equiv.h>
#include <ipe/eval.h>
#include <ipe/explain.h>
#include <ipe/lint.h>
#include <ipe/opt.h>
#include <ipe/policy.h>
#include <ipe/report.h>
#include <ipe/sign.h>

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const uint8_t d32[32] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static struct ipe_policy *parse(struct ipe_ctx *ctx, const char *name, const char *text)
{
	struct ipe_policy *p = NULL;
	uint32_t src;

	assert_int_equal(ipe_source_from_memory(ctx, name, text, strlen(text), false, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &p), 0);
	assert_int_equal(ipe_policy_verdict(p)->err, 0);
	return p;
}

/* ---- the accessors of the opaque model ---- */

static const char access_pol[] = "policy_name=Acc-1 policy_version=2.10.3\n"       /* line 1 */
				 "op=KMODULE boot_verified=TRUE action=ALLOW\n"   /* 2 */
				 "DEFAULT op=EXECUTE action=DENY\n"                /* 3 */
				 "DEFAULT action=ALLOW\n"                          /* 4 */
				 "op=EXECUTE fsverity_digest=SHA256:aBcD01 dmverity_signature=FALSE action=DENY\n"
				 "op=EXECUTE action=ALLOW\n";                      /* 6 */

static void test_model_accessors(void **state)
{
	struct ipe_ctx *ctx;
	struct ipe_policy *p, *bad = NULL;
	const struct ipe_rule *r;
	const struct ipe_prop *pr;
	struct ipe_loc l;
	uint16_t v[3];
	size_t len;
	uint32_t src;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	p = parse(ctx, "acc.pol", access_pol);
	assert_null(ipe_policy_verdict(p)->code);
	assert_true(ipe_policy_has_header(p));
	assert_string_equal(ipe_policy_name(p, &len), "Acc-1");
	assert_int_equal(len, 5);
	ipe_policy_version(p, v);
	assert_int_equal(v[0], 2);
	assert_int_equal(v[1], 10);
	assert_int_equal(v[2], 3);
	l = ipe_policy_loc(p, IPE_POLICY_PART_NAME);
	assert_int_equal(l.line, 1);
	assert_int_equal(l.col, 1);
	l = ipe_policy_loc(p, IPE_POLICY_PART_VERSION);
	assert_int_equal(l.col, 19);
	assert_int_equal(ipe_policy_default(p, &l), IPE_ACTION_ALLOW);
	assert_int_equal(l.line, 4);
	assert_int_equal(ipe_policy_op_default(p, IPE_OP_EXECUTE, &l), IPE_ACTION_DENY);
	assert_int_equal(l.line, 3);
	assert_int_equal(ipe_policy_op_default(p, IPE_OP_KMODULE, &l), IPE_ACTION_NONE);
	assert_int_equal(l.src, IPE_SRC_NONE);
	assert_int_equal(ipe_policy_op_default(p, IPE_OP_COUNT, NULL), IPE_ACTION_NONE);
	assert_int_equal(ipe_policy_nrules(p), 3);
	assert_int_equal(ipe_policy_op_nrules(p, IPE_OP_EXECUTE), 2);
	assert_int_equal(ipe_policy_op_nrules(p, IPE_OP_KMODULE), 1);
	assert_int_equal(ipe_policy_op_nrules(p, IPE_OP_FIRMWARE), 0);
	assert_int_equal(ipe_policy_op_nrules(p, IPE_OP_INVALID), 0);
	assert_null(ipe_policy_rule(p, IPE_OP_EXECUTE, 2));
	assert_null(ipe_policy_rule(p, IPE_OP_COUNT, 0));
	assert_int_equal(ipe_policy_text_len(p), strlen(access_pol));
	assert_false(ipe_policy_has_nul(p));

	/* rules in file order per op, with their properties in written order */
	r = ipe_policy_rule(p, IPE_OP_EXECUTE, 0);
	assert_int_equal(ipe_rule_op(r), IPE_OP_EXECUTE);
	assert_int_equal(ipe_rule_action(r), IPE_ACTION_DENY);
	assert_int_equal(ipe_rule_loc(r).line, 5);
	assert_int_equal(ipe_rule_nprops(r), 2);
	assert_null(ipe_rule_prop(p, r, 2));
	pr = ipe_rule_prop(p, r, 0);
	assert_int_equal(ipe_prop_get_type(pr), IPE_PROP_FSV_DIGEST);
	assert_true(ipe_prop_flags(pr) & IPE_PROPF_UPPER_HEX);
	assert_int_equal(ipe_prop_loc(pr).col, 12);
	assert_int_equal(ipe_prop_loc(pr).len, strlen("fsverity_digest=SHA256:aBcD01"));
	assert_string_equal(ipe_prop_alg(p, pr), "SHA256");
	assert_int_equal(ipe_prop_digest_len(pr), 3);
	assert_memory_equal(ipe_prop_digest(p, pr), "\xab\xcd\x01", 3);
	pr = ipe_rule_prop(p, r, 1);
	assert_int_equal(ipe_prop_get_type(pr), IPE_PROP_DMV_SIG_FALSE);
	assert_int_equal(ipe_prop_flags(pr), 0);
	assert_int_equal(ipe_prop_digest_len(pr), 0);
	assert_null(ipe_prop_digest(p, pr));
	assert_null(ipe_prop_alg(p, pr));
	r = ipe_policy_rule(p, IPE_OP_EXECUTE, 1);
	assert_int_equal(ipe_rule_action(r), IPE_ACTION_ALLOW);
	assert_int_equal(ipe_rule_nprops(r), 0);
	assert_null(ipe_rule_prop(p, r, 0));
	r = ipe_policy_rule(p, IPE_OP_KMODULE, 0);
	assert_int_equal(ipe_rule_op(r), IPE_OP_KMODULE);
	assert_int_equal(ipe_rule_loc(r).line, 2);
	assert_int_equal(ipe_prop_get_type(ipe_rule_prop(p, r, 0)), IPE_PROP_BOOT_VERIFIED_TRUE);

	/* relabelling the source moves the policy and its verdict, not rules */
	src = ipe_policy_source(p);
	assert_int_not_equal(src, IPE_SRC_NONE);
	/* the opaque source it names */
	assert_string_equal(ipe_source_name(ipe_ctx_source(ctx, src)), "acc.pol");
	assert_ptr_equal(ipe_source_data(ipe_ctx_source(ctx, src), &len), access_pol); /* copy=false */
	assert_int_equal(len, strlen(access_pol));
	assert_null(ipe_ctx_source(ctx, IPE_SRC_NONE));
	assert_null(ipe_source_name(NULL));
	assert_null(ipe_source_data(NULL, &len));
	assert_int_equal(len, 0);
	ipe_policy_set_source(p, IPE_SRC_NONE);
	assert_int_equal(ipe_policy_source(p), IPE_SRC_NONE);
	assert_int_equal(ipe_policy_verdict(p)->loc.src, IPE_SRC_NONE);
	assert_int_equal(ipe_rule_loc(r).src, src);

	/* a rejected text: a verdict with its code and location; a NUL cuts it */
	assert_int_equal(ipe_source_from_memory(ctx, "nul.pol", "policy_name=a policy_version=1.0.0\nDEFAULT action=ALLOW\n\0x", 58,
					    false, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &bad), 0);
	assert_true(ipe_policy_has_nul(bad));
	assert_int_equal(ipe_policy_text_len(bad), 56);
	ipe_policy_free(bad);
	bad = NULL;
	assert_int_equal(ipe_source_from_memory(ctx, "bad.pol", "DEFAULT action=ALLOW\n", 21, false, &src), 0);
	assert_int_equal(ipe_policy_parse(ctx, src, &bad), 0);
	assert_int_not_equal(ipe_policy_verdict(bad)->err, 0);
	assert_non_null(ipe_policy_verdict(bad)->code);
	assert_int_equal(ipe_policy_verdict(bad)->loc.line, 1);
	assert_false(ipe_policy_has_header(bad));
	assert_string_equal(ipe_policy_name(bad, &len), "");
	assert_int_equal(len, 0);
	assert_int_equal(ipe_policy_loc(bad, IPE_POLICY_PART_HEADER).src, IPE_SRC_NONE);

	/* NULL reads as nothing */
	assert_null(ipe_policy_verdict(NULL));
	assert_int_equal(ipe_policy_nrules(NULL), 0);
	assert_null(ipe_policy_rule(NULL, IPE_OP_EXECUTE, 0));
	assert_int_equal(ipe_rule_op(NULL), IPE_OP_INVALID);
	assert_int_equal(ipe_prop_get_type(NULL), IPE_PROP_COUNT);
	ipe_policy_free(bad);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
}

/* ---- ipe_eval_prop and the explain event helpers ---- */

static const char props_pol[] = "policy_name=p policy_version=1.0.0\n"
				"DEFAULT action=DENY\n"
				"op=EXECUTE boot_verified=FALSE action=ALLOW\n"
				"op=EXECUTE boot_verified=TRUE action=ALLOW\n"
				"op=EXECUTE dmverity_roothash=sha256:" H64 " action=ALLOW\n"
				"op=EXECUTE dmverity_signature=FALSE action=ALLOW\n"
				"op=EXECUTE dmverity_signature=TRUE action=ALLOW\n"
				"op=EXECUTE fsverity_digest=sha256:" H64 " action=ALLOW\n"
				"op=EXECUTE fsverity_signature=FALSE action=ALLOW\n"
				"op=EXECUTE fsverity_signature=TRUE action=ALLOW\n";

/* The props of rule i (one each, rule i holds property type i). */
static const struct ipe_prop *prop_at(const struct ipe_policy *p, enum ipe_prop_type t)
{
	const struct ipe_rule *r = ipe_policy_rule(p, IPE_OP_EXECUTE, t);
	const struct ipe_prop *pr = ipe_rule_prop(p, r, 0);

	assert_int_equal(ipe_rule_nprops(r), 1);
	assert_int_equal(ipe_prop_get_type(pr), t);
	return pr;
}

/* Bit t set: property type t holds for ev under k. */
static unsigned holds(const struct ipe_policy *p, const struct ipe_event *ev, const struct ipe_eval_kernel *k)
{
	unsigned m = 0;

	for (int t = 0; t < IPE_PROP_COUNT; t++)
		if (ipe_eval_prop(p, prop_at(p, (enum ipe_prop_type)t), ev, k))
			m |= 1u << t;
	return m;
}

#define B(t) (1u << (t))

static void test_eval_prop(void **state)
{
	struct ipe_ctx *ctx;
	struct ipe_policy *p;
	struct ipe_explain_event e;
	struct ipe_event ev;
	struct ipe_eval_kernel k;
	uint8_t other[32];
	unsigned base_false = B(IPE_PROP_BOOT_VERIFIED_FALSE) | B(IPE_PROP_DMV_SIG_FALSE) | B(IPE_PROP_FSV_SIG_FALSE);

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	p = parse(ctx, "props.pol", props_pol);
	assert_int_equal(ipe_policy_op_nrules(p, IPE_OP_EXECUTE), IPE_PROP_COUNT);

	/* no file: only the =FALSE forms hold (NULL event too) */
	ev = (struct ipe_event){ .has_file = false, .boot_verified = true, .fsverity = true };
	assert_int_equal(holds(p, &ev, NULL), base_false);
	assert_int_equal(holds(p, NULL, NULL), base_false);

	/* a plain file: the same */
	ipe_explain_event_init(&e, IPE_OP_EXECUTE);
	ipe_explain_event_view(&e, &ev);
	assert_true(ev.has_file);
	assert_int_equal(holds(p, &ev, NULL), base_false);

	/* boot_verified */
	e.boot_verified = true;
	ipe_explain_event_view(&e, &ev);
	assert_int_equal(holds(p, &ev, NULL),
			 B(IPE_PROP_BOOT_VERIFIED_TRUE) | B(IPE_PROP_DMV_SIG_FALSE) | B(IPE_PROP_FSV_SIG_FALSE));
	e.boot_verified = false;

	/* fs-verity with the policy's digest, then signed */
	assert_int_equal(ipe_explain_event_set_fsverity(&e, "sha256", d32, sizeof(d32)), 0);
	assert_true(e.fsverity);
	assert_string_equal(e.fsv_alg, "sha256");
	assert_int_equal(e.fsv_digest_len, 32);
	assert_memory_equal(e.fsv_digest, d32, 32);
	ipe_explain_event_view(&e, &ev);
	assert_true(ev.fsverity);
	assert_ptr_equal(ev.fsv_digest, e.fsv_digest);
	assert_int_equal(ev.fsv_digest_len, 32);
	assert_string_equal(ev.fsv_alg, "sha256");
	assert_int_equal(holds(p, &ev, NULL), base_false | B(IPE_PROP_FSV_DIGEST));
	e.fsverity_signed = true;
	ipe_explain_event_view(&e, &ev);
	assert_int_equal(holds(p, &ev, NULL), (base_false & ~B(IPE_PROP_FSV_SIG_FALSE)) | B(IPE_PROP_FSV_DIGEST) |
						      B(IPE_PROP_FSV_SIG_TRUE));
	/* compiled out: both forms of the family are false */
	ipe_eval_kernel_all(&k);
	k.prop_fsverity = false;
	k.prop_fsverity_signature = false;
	assert_int_equal(holds(p, &ev, &k), B(IPE_PROP_BOOT_VERIFIED_FALSE) | B(IPE_PROP_DMV_SIG_FALSE));
	/* a signature without fs-verity on is not one (view normalises it) */
	e.fsverity = false;
	ipe_explain_event_view(&e, &ev);
	assert_false(ev.fsverity_signed);
	assert_int_equal(holds(p, &ev, NULL), base_false);
	e.fsverity_signed = false;

	/* digests compare like the kernel: one byte, the algorithm, the length */
	memcpy(other, d32, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(ipe_explain_event_set_fsverity(&e, "sha256", other, sizeof(other)), 0);
	ipe_explain_event_view(&e, &ev);
	assert_int_equal(holds(p, &ev, NULL), base_false);
	assert_int_equal(ipe_explain_event_set_fsverity(&e, "sha512", d32, sizeof(d32)), 0);
	ipe_explain_event_view(&e, &ev);
	assert_int_equal(holds(p, &ev, NULL), base_false);
	assert_int_equal(ipe_explain_event_set_fsverity(&e, "sha256", d32, 31), 0);
	ipe_explain_event_view(&e, &ev);
	assert_int_equal(holds(p, &ev, NULL), base_false);
	/* too long: -EINVAL, e unchanged */
	assert_int_equal(ipe_explain_event_set_fsverity(&e, "sha256", d32, IPE_EXPLAIN_DIGEST_MAX + 1), -EINVAL);
	assert_int_equal(e.fsv_digest_len, 31);
	{
		char longalg[IPE_EXPLAIN_ALG_MAX + 1];

		memset(longalg, 'a', sizeof(longalg) - 1);
		longalg[sizeof(longalg) - 1] = '\0';
		assert_int_equal(ipe_explain_event_set_fsverity(&e, longalg, d32, 32), -EINVAL);
		assert_int_equal(ipe_explain_event_set_dmverity(&e, longalg, d32, 32), -EINVAL);
		assert_false(e.dmverity);
	}
	ipe_explain_event_clear(&e);

	/* dm-verity */
	ipe_explain_event_init(&e, IPE_OP_EXECUTE);
	assert_int_equal(ipe_explain_event_set_dmverity(&e, "sha256", d32, sizeof(d32)), 0);
	assert_true(e.dmverity);
	assert_false(e.fsverity);
	ipe_explain_event_view(&e, &ev);
	assert_true(ev.dmverity);
	assert_ptr_equal(ev.dmv_roothash, e.dmv_roothash);
	assert_int_equal(ev.dmv_roothash_len, 32);
	assert_int_equal(holds(p, &ev, NULL), base_false | B(IPE_PROP_DMV_ROOTHASH));
	e.dmverity_signed = true;
	ipe_explain_event_view(&e, &ev);
	assert_int_equal(holds(p, &ev, NULL), (base_false & ~B(IPE_PROP_DMV_SIG_FALSE)) | B(IPE_PROP_DMV_ROOTHASH) |
						      B(IPE_PROP_DMV_SIG_TRUE));
	ipe_eval_kernel_all(&k);
	k.prop_dmverity = false;
	assert_int_equal(holds(p, &ev, &k), (base_false & ~B(IPE_PROP_DMV_SIG_FALSE)) | B(IPE_PROP_DMV_SIG_TRUE));
	/* the fs-verity digest bytes do not make a dm-verity match */
	ipe_explain_event_clear(&e);
	assert_int_equal(ipe_explain_event_set_fsverity(&e, "sha256", d32, sizeof(d32)), 0);
	ipe_explain_event_view(&e, &ev);
	assert_false(ipe_eval_prop(p, prop_at(p, IPE_PROP_DMV_ROOTHASH), &ev, NULL));

	/* a file-less explain event views as no file */
	e.has_file = false;
	e.boot_verified = true;
	ipe_explain_event_view(&e, &ev);
	assert_false(ev.has_file);
	assert_false(ev.boot_verified);
	assert_false(ev.fsverity);
	assert_null(ev.fsv_digest);
	assert_int_equal(holds(p, &ev, NULL), base_false);
	ipe_explain_event_clear(&e);

	ipe_policy_free(p);
	ipe_ctx_free(ctx);
}

/* ---- diff change renderers ---- */

static const char old_pol[] = "policy_name=p policy_version=1.0.0\n"
			      "DEFAULT action=DENY\n"
			      "op=EXECUTE boot_verified=TRUE action=ALLOW\n";
static const char new_pol[] = "policy_name=p policy_version=1.0.1\n"
			      "DEFAULT action=DENY\n"
			      "op=EXECUTE boot_verified=TRUE action=ALLOW\n"
			      "op=EXECUTE fsverity_digest=sha256:" H64 " action=ALLOW\n";

static void test_diff_change(void **state)
{
	struct ipe_ctx *ctx;
	struct ipe_policy *o, *n;
	struct ipe_diff *d;
	const struct ipe_diff_change *c;
	char *desc, *wit, *msg;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	o = parse(ctx, "old.pol", old_pol);
	n = parse(ctx, "new.pol", new_pol);

	/* widened: the new rule allows files with that digest, not boot-verified */
	assert_int_equal(ipe_policy_diff(o, n, NULL, &d), 0);
	assert_int_equal(d->nchanges, 1);
	c = &d->changes[0];
	assert_int_equal(c->op, IPE_OP_EXECUTE);
	assert_int_equal(ipe_diff_change_describe(c, &desc), 0);
	assert_non_null(strstr(desc, "files with fsverity_digest=sha256:0011"));
	assert_non_null(strstr(desc, "not boot-verified"));
	assert_null(strstr(desc, "every event"));
	assert_int_equal(ipe_diff_event_format(c, &wit), 0);
	assert_non_null(strstr(wit, "op=EXECUTE"));
	assert_non_null(strstr(wit, "boot_verified=FALSE"));
	assert_non_null(strstr(wit, "fsverity_digest=sha256:" H64));
	assert_int_equal(ipe_diff_change_message(o, c, &msg), 0);
	assert_true(strncmp(msg, "op=EXECUTE: DENY -> ALLOW (widened) for ", 40) == 0);
	assert_non_null(strstr(msg, desc));
	assert_non_null(strstr(msg, "; before: DENY by the global DEFAULT at line 2"));
	assert_int_equal(ipe_diff_change_describe(NULL, &desc), -EINVAL);
	assert_int_equal(ipe_diff_change_message(NULL, c, &msg), -EINVAL);
	free(desc);
	free(wit);
	free(msg);
	ipe_diff_free(d);

	/* the other way: narrowed, before decided by the rule at line 4 */
	assert_int_equal(ipe_policy_diff(n, o, NULL, &d), 0);
	assert_int_equal(d->nchanges, 1);
	c = &d->changes[0];
	assert_int_equal(ipe_diff_change_message(n, c, &msg), 0);
	assert_true(strncmp(msg, "op=EXECUTE: ALLOW -> DENY (narrowed) for files with fsverity_digest=", 68) == 0);
	assert_non_null(strstr(msg, "; before: ALLOW by the rule at line 4"));
	free(msg);
	ipe_diff_free(d);

	/* a change of the global DEFAULT for an unconditional op: every event */
	ipe_policy_free(o);
	ipe_policy_free(n);
	o = parse(ctx, "a.pol", "policy_name=p policy_version=1.0.0\nDEFAULT action=ALLOW\n");
	n = parse(ctx, "b.pol", "policy_name=p policy_version=1.0.0\nDEFAULT action=ALLOW\n"
				"DEFAULT op=KMODULE action=DENY\n");
	assert_int_equal(ipe_policy_diff(o, n, NULL, &d), 0);
	assert_int_equal(d->nchanges, 1);
	c = &d->changes[0];
	assert_int_equal(c->op, IPE_OP_KMODULE);
	assert_int_equal(ipe_diff_change_describe(c, &desc), 0);
	assert_true(strncmp(desc, "every event", 11) == 0);
	assert_int_equal(ipe_diff_event_format(c, &wit), 0);
	assert_non_null(strstr(wit, "op=KMODULE"));
	assert_int_equal(ipe_diff_change_message(o, c, &msg), 0);
	assert_true(strncmp(msg, "op=KMODULE: ALLOW -> DENY (narrowed) for every event", 52) == 0);
	free(desc);
	free(wit);
	free(msg);
	ipe_diff_free(d);

	ipe_policy_free(o);
	ipe_policy_free(n);
	ipe_ctx_free(ctx);
}

/* ---- ipectl names and the capability probe ---- */

static void test_ctl_names(void **state)
{
	static const char *const ops[IPE_CTL_OP_COUNT] = {
		[IPE_CTL_OP_STATUS] = "status",     [IPE_CTL_OP_LOAD] = "load",       [IPE_CTL_OP_UPDATE] = "update",
		[IPE_CTL_OP_ACTIVATE] = "activate", [IPE_CTL_OP_DELETE] = "delete",   [IPE_CTL_OP_ENFORCE] = "enforce",
		[IPE_CTL_OP_AUDIT] = "audit",       [IPE_CTL_OP_SHOW] = "show",       [IPE_CTL_OP_INSTALL] = "install",
	};
	static const struct {
		enum ipe_ctl_outcome o;
		const char *name;
	} outs[] = {
		{ IPE_CTL_OK, "ok" },
		{ IPE_CTL_FAIL_KERNEL, "kernel" },
		{ IPE_CTL_FAIL_IO, "io" },
		{ IPE_CTL_FAIL_USAGE, "usage" },
		{ IPE_CTL_FAIL_PREFLIGHT, "preflight" },
		{ IPE_CTL_FAIL_UNAVAILABLE, "unavailable" },
		{ IPE_CTL_FAIL_VERIFY, "verify" },
	};

	(void)state;
	for (int i = 0; i < IPE_CTL_OP_COUNT; i++)
		assert_string_equal(ipe_ctl_op_name((enum ipe_ctl_op)i), ops[i]);
	assert_string_equal(ipe_ctl_op_name(IPE_CTL_OP_COUNT), "?");
	assert_string_equal(ipe_ctl_op_name((enum ipe_ctl_op)-1), "?");
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		struct ipe_ctl_result r = { .outcome = outs[i].o };

		assert_string_equal(ipe_ctl_outcome_name(outs[i].o), outs[i].name);
		/* the names follow the exit codes 0..6 in order */
		assert_int_equal(ipe_ctl_result_exit_code(&r), (int)i);
	}
	assert_string_equal(ipe_ctl_outcome_name((enum ipe_ctl_outcome)99), "?");
}

static int capget_mac_admin(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -1;
	return (data[CAP_TO_INDEX(CAP_MAC_ADMIN)].effective & CAP_TO_MASK(CAP_MAC_ADMIN)) != 0;
}

static void test_have_mac_admin(void **state)
{
	struct __user_cap_data_struct data[2] = { 0 };
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	int want = capget_mac_admin(data);

	(void)state;
	assert_true(want >= 0);
	assert_int_equal(ipe_ctl_have_mac_admin(), want);
	if (want == 1) {
		/* drop it from the effective set (it stays permitted), then restore */
		data[CAP_TO_INDEX(CAP_MAC_ADMIN)].effective &= ~CAP_TO_MASK(CAP_MAC_ADMIN);
		assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
		assert_int_equal(ipe_ctl_have_mac_admin(), 0);
		data[CAP_TO_INDEX(CAP_MAC_ADMIN)].effective |= CAP_TO_MASK(CAP_MAC_ADMIN);
		assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
		assert_int_equal(ipe_ctl_have_mac_admin(), 1);
	} else if (data[CAP_TO_INDEX(CAP_MAC_ADMIN)].permitted & CAP_TO_MASK(CAP_MAC_ADMIN)) {
		/* permitted but not effective: raise it, then drop it again */
		data[CAP_TO_INDEX(CAP_MAC_ADMIN)].effective |= CAP_TO_MASK(CAP_MAC_ADMIN);
		assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
		assert_int_equal(ipe_ctl_have_mac_admin(), 1);
		data[CAP_TO_INDEX(CAP_MAC_ADMIN)].effective &= ~CAP_TO_MASK(CAP_MAC_ADMIN);
		assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
		assert_int_equal(ipe_ctl_have_mac_admin(), 0);
	}
	print_message("CAP_MAC_ADMIN effective: %d\n", want);
}

/* ---- keyring errno explanations ---- */

static void test_keyring_explain(void **state)
{
	static const struct {
		int err;
		const char *word;
	} cases[] = {
		{ ENOKEY, "trusts" },   { EKEYREJECTED, "signature does not verify" },
		{ EBADMSG, "cannot parse" }, { ENOPKG, "CONFIG_CRYPTO_" },
		{ EACCES, "permission" }, { EPERM, "permission" },
		{ ENODEV, "CONFIG_ASYMMETRIC_KEY_TYPE" }, { EEXIST, "already" },
		{ EDQUOT, "quota" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *a = ipe_keyring_add_explain(cases[i].err);
		const char *b = ipe_keyring_add_explain(-cases[i].err);

		assert_non_null(a);
		assert_string_equal(a, b); /* the sign does not matter */
		if (!strstr(a, cases[i].word))
			fail_msg("errno %d: '%s' lacks '%s'", cases[i].err, a, cases[i].word);
		assert_string_not_equal(a, ipe_keyring_add_explain(-EIO));
		for (size_t j = 0; j < i; j++)
			if (cases[j].err != EACCES)
				assert_string_not_equal(a, ipe_keyring_add_explain(cases[j].err));
	}
	assert_string_equal(ipe_keyring_add_explain(-EIO), "see add_key(2)");
}

/* ---- ipe_lint_config_enabled ---- */

static void test_lint_enabled(void **state)
{
	struct ipe_lint_config *cfg;
	const struct ipe_check_info *a = NULL, *b = NULL;
	struct ipe_check_info foreign;

	(void)state;
	for (size_t i = 0; i < ipe_check_count(); i++) {
		const struct ipe_check_info *ci = ipe_check_at(i);

		if (ci->frontend)
			continue;
		if (!a)
			a = ci;
		else if (!b)
			b = ci;
	}
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ipe_lint_config_new(&cfg), 0);
	/* defaults: every check on, with or without a configuration */
	for (size_t i = 0; i < ipe_check_count(); i++) {
		assert_true(ipe_lint_config_enabled(cfg, ipe_check_at(i)));
		assert_true(ipe_lint_config_enabled(NULL, ipe_check_at(i)));
	}
	/* --disable CODE turns that one off, by code or by name */
	assert_int_equal(ipe_lint_config_enable(cfg, a->code, false), 0);
	assert_false(ipe_lint_config_enabled(cfg, a));
	assert_true(ipe_lint_config_enabled(cfg, b));
	assert_int_equal(ipe_lint_config_enable(cfg, b->name, false), 0);
	assert_false(ipe_lint_config_enabled(cfg, b));
	assert_int_equal(ipe_lint_config_enable(cfg, a->code, true), 0);
	assert_true(ipe_lint_config_enabled(cfg, a));
	assert_false(ipe_lint_config_enabled(cfg, b));
	/* "all" */
	assert_int_equal(ipe_lint_config_enable(cfg, "all", false), 0);
	for (size_t i = 0; i < ipe_check_count(); i++)
		if (!ipe_check_at(i)->frontend)
			assert_false(ipe_lint_config_enabled(cfg, ipe_check_at(i)));
	/* ... and only the linter's: the front end's diagnostics stay on, also
	 * when named (lint.h) */
	for (size_t i = 0; i < ipe_check_count(); i++) {
		const struct ipe_check_info *ci = ipe_check_at(i);

		if (!ci->frontend)
			continue;
		assert_true(ipe_lint_config_enabled(cfg, ci));
		assert_int_equal(ipe_lint_config_enable(cfg, ci->code, false), 0);
		assert_true(ipe_lint_config_enabled(cfg, ci));
	}
	assert_true(ipe_lint_config_enabled(cfg, ipe_check_find("IPE-W160")));
	assert_true(ipe_lint_config_enabled(cfg, ipe_check_find("IPE-E016")));
	assert_int_equal(ipe_lint_config_enable(cfg, "all", true), 0);
	assert_true(ipe_lint_config_enabled(cfg, a));
	assert_true(ipe_lint_config_enabled(cfg, b));
	/* a check that is not the catalogue's is not enabled */
	foreign = *a;
	assert_false(ipe_lint_config_enabled(cfg, &foreign));
	assert_false(ipe_lint_config_enabled(NULL, &foreign));
	ipe_lint_config_free(cfg);
}

/* ---- reserved space of caller-allocated structs ---- */

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_reserved(void **state)
{
	static const char pol[] = "policy_name=R policy_version=0.0.1\n"
				  "DEFAULT action=DENY\n"
				  "op=EXECUTE boot_verified=TRUE action=ALLOW\n"
				  "op=EXECUTE boot_verified=TRUE action=ALLOW\n";
	struct ipe_ctx *ctx;
	struct ipe_policy *p;
	struct ipe_event ev = { .has_file = true, .boot_verified = true };
	struct ipe_eval_kernel k;
	struct ipe_decision d;
	struct ipe_rule_constraint c;
	struct ipe_equiv_result er;
	struct ipe_explain_event e;
	struct ipe_explanation x;
	struct ipe_opt_stats st;
	struct ipe_eval_index *idx = NULL;
	struct ipe_ctl_errctx ec = { .op = IPE_CTL_OP_DELETE, .stage = IPE_CTL_STAGE_WRITE, .err = EPERM,
				     .target_active = -1, .blob_verdict = -1, .have_cap = -1, .cms_err = -1 };
	struct ipe_report_file rf = { .path = "r.pol" };
	const char *code = NULL;
	char *what = NULL, *todo = NULL;
	FILE *out;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	p = parse(ctx, "r.pol", pol);

	/* results: pre-filled with 0xff, every byte of reserved comes back 0 */
	memset(&k, 0xff, sizeof(k));
	ipe_eval_kernel_all(&k);
	assert_true(all_zero(k.reserved, sizeof(k.reserved)));
	memset(&d, 0xff, sizeof(d));
	assert_int_equal(ipe_eval(p, IPE_OP_EXECUTE, &ev, &k, &d), 0);
	assert_int_equal(d.action, IPE_ACTION_ALLOW);
	assert_int_equal(d.by, IPE_DECIDED_BY_RULE);
	assert_int_equal(d.rule, 0);
	assert_true(all_zero(d.reserved, sizeof(d.reserved)));
	memset(&c, 0xff, sizeof(c));
	ipe_rule_constraint(p, ipe_policy_rule(p, IPE_OP_EXECUTE, 0), NULL, &c);
	assert_int_equal(c.boot_verified, 1);
	assert_true(all_zero(c.reserved, sizeof(c.reserved)));
	memset(&er, 0xff, sizeof(er));
	assert_int_equal(ipe_policy_equivalent(p, p, NULL, &er), 0);
	assert_true(er.equivalent);
	assert_true(all_zero(er.reserved, sizeof(er.reserved)));
	ipe_equiv_result_clear(&er);
	ipe_explain_event_init(&e, IPE_OP_EXECUTE);
	assert_true(all_zero(e.reserved, sizeof(e.reserved)));
	memset(&x, 0xff, sizeof(x));
	assert_int_equal(ipe_explain(p, NULL, &e, NULL, &x), 0);
	assert_int_equal(x.decision.action, IPE_ACTION_DENY);
	assert_true(all_zero(x.reserved, sizeof(x.reserved)));
	assert_true(all_zero(x.decision.reserved, sizeof(x.decision.reserved)));
	ipe_explanation_clear(&x);
	{
		struct ipe_verdict v;
		struct ipe_proposal pr;

		memset(&v, 0xff, sizeof(v));
		assert_int_equal(ipe_policy_verdict_text(ctx, "v.pol", pol, strlen(pol), &v), 0);
		assert_int_equal(v.err, 0);
		assert_true(all_zero(v.reserved, sizeof(v.reserved)));
		assert_true(all_zero(ipe_policy_verdict(p)->reserved, sizeof(ipe_policy_verdict(p)->reserved)));
		memset(&pr, 0xff, sizeof(pr));
		assert_int_equal(ipe_explain_propose(ctx, p, &e, 1, IPE_PROPOSE_FSVERITY, NULL, &pr), 0);
		assert_true(all_zero(pr.reserved, sizeof(pr.reserved)));
		ipe_proposal_clear(&pr);
		/* also on failure */
		memset(&pr, 0xff, sizeof(pr));
		assert_int_equal(ipe_explain_propose(ctx, NULL, &e, 1, IPE_PROPOSE_FSVERITY, NULL, &pr), -EINVAL);
		assert_true(all_zero(&pr, sizeof(pr)));
	}

	/* inputs: non-zero reserved space is refused with -EINVAL, and the
	 * result is still zeroed */
	ev.reserved[3] = 1;
	memset(&d, 0xff, sizeof(d));
	assert_int_equal(ipe_eval(p, IPE_OP_EXECUTE, &ev, NULL, &d), -EINVAL);
	assert_true(all_zero(&d, sizeof(d)));
	assert_int_equal(ipe_eval_index_new(p, NULL, &idx), 0);
	assert_int_equal(ipe_eval_indexed(idx, IPE_OP_EXECUTE, &ev, &d), -EINVAL);
	ev.reserved[3] = 0;
	assert_int_equal(ipe_eval_indexed(idx, IPE_OP_EXECUTE, &ev, &d), 0);
	assert_int_equal(d.action, IPE_ACTION_ALLOW);
	ipe_eval_index_free(idx);
	idx = NULL;
	k.reserved[0] = 1;
	assert_int_equal(ipe_eval(p, IPE_OP_EXECUTE, &ev, &k, &d), -EINVAL);
	assert_int_equal(ipe_eval_index_new(p, &k, &idx), -EINVAL);
	assert_null(idx);
	assert_int_equal(ipe_policy_equivalent(p, p, &k, &er), -EINVAL);
	ipe_equiv_result_clear(&er);
	assert_int_equal(ipe_explain(p, NULL, &e, &k, &x), -EINVAL);
	k.reserved[0] = 0;
	e.reserved[1] = 1;
	memset(&x, 0xff, sizeof(x));
	assert_int_equal(ipe_explain(p, NULL, &e, &k, &x), -EINVAL);
	assert_true(all_zero(&x, sizeof(x)));
	e.reserved[1] = 0;
	assert_int_equal(ipe_ctl_explain(&ec, &code, &what, &todo), 0);
	free(what);
	free(todo);
	ec.reserved[2] = 1;
	assert_int_equal(ipe_ctl_explain(&ec, &code, &what, &todo), -EINVAL);
	out = fopen("/dev/null", "w");
	assert_non_null(out);
	rf.policy = p;
	rf.reserved[0] = 1;
	assert_int_equal(ipe_report_render_json(ctx, &rf, 1, out), -EINVAL);
	assert_int_equal(ipe_report_render_sarif(ctx, &rf, 1, out), -EINVAL);
	rf.reserved[0] = 0;
	assert_int_equal(ipe_report_render_json(ctx, &rf, 1, out), 0);
	fclose(out);

	/* the optimizer's stats last: it changes p (the duplicate goes) */
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(ipe_policy_optimize(p, NULL, IPE_OPT_ALL, &st), 0);
	assert_int_equal(st.removed[IPE_OPT_DUPLICATES], 1);
	assert_true(all_zero(st.reserved, sizeof(st.reserved)));
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_accessors), cmocka_unit_test(test_eval_prop), cmocka_unit_test(test_diff_change),
		cmocka_unit_test(test_ctl_names),     cmocka_unit_test(test_have_mac_admin),
		cmocka_unit_test(test_keyring_explain), cmocka_unit_test(test_lint_enabled),
		cmocka_unit_test(test_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
