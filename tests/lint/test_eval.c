/* SPDX-License-Identifier: MIT */
/* The semantic model (src/compiler/eval.c): decisions for events with and
 * without a file, compiled-out properties, first match, op and global
 * defaults, ops the kernel cannot classify, and the static rule view. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ipe/diag.h>
#include <ipe/eval.h>
#include <ipe/policy.h>

#define D32A "abababababababababababababababababababababababababababababababab"
#define D32B "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

struct fx {
	struct ipe_ctx *ctx;
	struct ipe_policy *p;
};

static struct ipe_policy *parse(struct fx *f, const char *text)
{
	uint32_t src;

	assert_int_equal(ipe_ctx_new(&f->ctx), 0);
	assert_int_equal(ipe_source_from_memory(f->ctx, "t.pol", text, strlen(text), true, &src), 0);
	assert_int_equal(ipe_policy_parse(f->ctx, src, &f->p), 0);
	assert_non_null(f->p);
	assert_int_equal(ipe_policy_verdict(f->p)->err, 0); /* the kernel accepts it */
	return f->p;
}

static void done(struct fx *f)
{
	ipe_policy_free(f->p);
	ipe_ctx_free(f->ctx);
}

static uint8_t dA[32], dB[32]; /* filled in main() */

static struct ipe_event file_ev(void)
{
	return (struct ipe_event){ .has_file = true };
}

static void decide(const struct ipe_policy *p, int op, const struct ipe_event *ev, const struct ipe_eval_kernel *k,
		   enum ipe_action want_action, enum ipe_decided_by want_by, size_t want_rule)
{
	struct ipe_decision d;

	assert_int_equal(ipe_eval(p, op, ev, k, &d), 0);
	assert_int_equal(d.action, want_action);
	assert_int_equal(d.by, want_by);
	if (want_by == IPE_DECIDED_BY_RULE)
		assert_int_equal(d.rule, want_rule);
}

static void test_no_file_event(void **state)
{
	struct fx f = { 0 };
	const struct ipe_policy *p = parse(&f, "policy_name=t policy_version=0.0.1\n"
					       "DEFAULT action=ALLOW\n"
					       "op=EXECUTE boot_verified=TRUE action=ALLOW\n"
					       "op=EXECUTE dmverity_signature=FALSE fsverity_signature=FALSE action=DENY\n");
	struct ipe_event none = { .has_file = false, .boot_verified = true /* ignored */ };
	struct ipe_event fsv = file_ev();

	(void)state;
	/* no file: =TRUE never holds, =FALSE always does */
	decide(p, IPE_OP_EXECUTE, &none, NULL, IPE_ACTION_DENY, IPE_DECIDED_BY_RULE, 1);
	/* a plain file: not boot verified, not signed -> rule 1 as well */
	fsv.fsverity = true;
	fsv.fsverity_signed = true;
	decide(p, IPE_OP_EXECUTE, &fsv, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	assert_false(ipe_eval_rule(p, ipe_policy_rule(p, IPE_OP_EXECUTE, 0), &none, NULL));
	done(&f);
}

static void test_compiled_out(void **state)
{
	struct fx f = { 0 };
	const struct ipe_policy *p = parse(&f, "policy_name=t policy_version=0.0.1\n"
					       "DEFAULT action=ALLOW\n"
					       "op=EXECUTE dmverity_signature=TRUE action=DENY\n"
					       "op=EXECUTE dmverity_signature=FALSE action=DENY\n"
					       "op=EXECUTE fsverity_digest=sha256:" D32A " action=DENY\n");
	struct ipe_eval_kernel k;
	struct ipe_event ev = file_ev();
	struct ipe_event none = { .has_file = false };

	(void)state;
	ipe_eval_kernel_all(&k);
	assert_true(k.prop_dmverity && k.prop_dmverity_signature && k.prop_fsverity && k.prop_fsverity_signature);
	decide(p, IPE_OP_EXECUTE, &ev, &k, IPE_ACTION_DENY, IPE_DECIDED_BY_RULE, 1);
	k.prop_dmverity_signature = false;
	/* both forms are false now: the event falls through to the default */
	decide(p, IPE_OP_EXECUTE, &ev, &k, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	decide(p, IPE_OP_EXECUTE, &none, &k, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	ev.dmverity = true;
	ev.dmverity_signed = true;
	decide(p, IPE_OP_EXECUTE, &ev, &k, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	/* fs-verity digest compiled out */
	ev = file_ev();
	ev.fsverity = true;
	ev.fsv_alg = "sha256";
	ev.fsv_digest = dA;
	ev.fsv_digest_len = 32;
	ev.fsverity_signed = false;
	ipe_eval_kernel_all(&k);
	k.prop_dmverity_signature = false;
	decide(p, IPE_OP_EXECUTE, &ev, &k, IPE_ACTION_DENY, IPE_DECIDED_BY_RULE, 2);
	k.prop_fsverity = false;
	decide(p, IPE_OP_EXECUTE, &ev, &k, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	assert_false(ipe_eval_prop_enabled(&k, IPE_PROP_FSV_DIGEST));
	assert_true(ipe_eval_prop_enabled(&k, IPE_PROP_BOOT_VERIFIED_TRUE));
	assert_true(ipe_eval_prop_enabled(NULL, IPE_PROP_FSV_DIGEST));
	assert_string_equal(ipe_prop_kconfig(IPE_PROP_FSV_DIGEST), "CONFIG_IPE_PROP_FS_VERITY");
	assert_null(ipe_prop_kconfig(IPE_PROP_BOOT_VERIFIED_FALSE));
	done(&f);
}

static void test_first_match(void **state)
{
	struct fx f = { 0 };
	const struct ipe_policy *p = parse(&f, "policy_name=t policy_version=0.0.1\n"
					       "DEFAULT action=DENY\n"
					       "op=EXECUTE fsverity_digest=sha256:" D32A " action=DENY\n"
					       "op=EXECUTE fsverity_signature=TRUE action=ALLOW\n"
					       "op=EXECUTE fsverity_digest=sha256:" D32A " action=ALLOW\n");
	struct ipe_event ev = file_ev();

	(void)state;
	ev.fsverity = true;
	ev.fsverity_signed = true;
	ev.fsv_alg = "sha256";
	ev.fsv_digest = dA;
	ev.fsv_digest_len = 32;
	decide(p, IPE_OP_EXECUTE, &ev, NULL, IPE_ACTION_DENY, IPE_DECIDED_BY_RULE, 0);
	ev.fsv_digest = dB; /* other file: the signature rule */
	decide(p, IPE_OP_EXECUTE, &ev, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_RULE, 1);
	ev.fsv_digest = dA;
	ev.fsv_digest_len = 31; /* same bytes, other length: no match */
	decide(p, IPE_OP_EXECUTE, &ev, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_RULE, 1);
	ev.fsverity_signed = false;
	decide(p, IPE_OP_EXECUTE, &ev, NULL, IPE_ACTION_DENY, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	ev.fsv_digest_len = 32;
	ev.fsv_alg = "sha512"; /* the kernel compares the algorithm name too */
	decide(p, IPE_OP_EXECUTE, &ev, NULL, IPE_ACTION_DENY, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	done(&f);
}

static void test_defaults(void **state)
{
	struct fx f = { 0 };
	const struct ipe_policy *p = parse(&f, "policy_name=t policy_version=0.0.1\n"
					       "DEFAULT action=ALLOW\n"
					       "DEFAULT op=KMODULE action=DENY\n"
					       "op=KMODULE boot_verified=TRUE action=ALLOW\n");
	struct ipe_event ev = file_ev();
	struct ipe_decision d;

	(void)state;
	decide(p, IPE_OP_KMODULE, &ev, NULL, IPE_ACTION_DENY, IPE_DECIDED_BY_OP_DEFAULT, 0);
	ev.boot_verified = true;
	decide(p, IPE_OP_KMODULE, &ev, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_RULE, 0);
	decide(p, IPE_OP_FIRMWARE, &ev, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	/* unknown op: the global DEFAULT */
	decide(p, IPE_OP_INVALID, &ev, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	decide(p, IPE_OP_COUNT + 5, &ev, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	/* no policy at all */
	decide(NULL, IPE_OP_EXECUTE, &ev, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_NOTHING, 0);
	assert_int_equal(ipe_eval(p, IPE_OP_EXECUTE, &ev, NULL, NULL), -EINVAL);
	(void)d;
	done(&f);
}

static void test_global_deny_unknown_op(void **state)
{
	struct fx f = { 0 };
	const struct ipe_policy *p = parse(&f, "policy_name=t policy_version=0.0.1\n"
					       "DEFAULT action=DENY\n"
					       "DEFAULT op=EXECUTE action=ALLOW\n");
	struct ipe_event none = { .has_file = false };

	(void)state;
	decide(p, IPE_OP_EXECUTE, &none, NULL, IPE_ACTION_ALLOW, IPE_DECIDED_BY_OP_DEFAULT, 0);
	decide(p, IPE_OP_INVALID, &none, NULL, IPE_ACTION_DENY, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	decide(p, IPE_OP_POLICY, &none, NULL, IPE_ACTION_DENY, IPE_DECIDED_BY_GLOBAL_DEFAULT, 0);
	done(&f);
}

static void constraint(const struct ipe_policy *p, size_t rule, const struct ipe_eval_kernel *k,
		       struct ipe_rule_constraint *c)
{
	ipe_rule_constraint(p, ipe_policy_rule(p, IPE_OP_EXECUTE, rule), k, c);
}

static void test_constraints(void **state)
{
	struct fx f = { 0 };
	const struct ipe_policy *p = parse(&f, "policy_name=t policy_version=0.0.1\n"
					       "DEFAULT action=DENY\n"
					       "op=EXECUTE boot_verified=TRUE boot_verified=FALSE action=ALLOW\n"
					       "op=EXECUTE fsverity_digest=sha256:" D32A " fsverity_digest=sha256:" D32B " action=ALLOW\n"
					       "op=EXECUTE boot_verified=TRUE dmverity_signature=TRUE action=ALLOW\n"
					       "op=EXECUTE fsverity_digest=sha384:" D32A " action=ALLOW\n"
					       "op=EXECUTE fsverity_digest=sha256:" D32A " fsverity_digest=sha256:" D32A " action=ALLOW\n"
					       "op=EXECUTE dmverity_signature=FALSE action=ALLOW\n");
	struct ipe_rule_constraint c;
	struct ipe_eval_kernel k;

	(void)state;
	constraint(p, 0, NULL, &c);
	assert_int_equal(c.never, IPE_NEVER_CONTRADICTION);
	constraint(p, 1, NULL, &c);
	assert_int_equal(c.never, IPE_NEVER_TWO_DIGESTS);
	assert_non_null(c.never_prop);
	assert_non_null(c.never_other);
	constraint(p, 2, NULL, &c);
	assert_int_equal(c.never, IPE_NEVER_BOOT_VERITY);
	constraint(p, 3, NULL, &c);
	assert_int_equal(c.never, IPE_NEVER_BAD_DIGEST);
	constraint(p, 4, NULL, &c); /* the same digest twice is fine */
	assert_int_equal(c.never, IPE_NEVER_NOT);
	assert_non_null(c.fsv);
	constraint(p, 5, NULL, &c);
	assert_int_equal(c.never, IPE_NEVER_NOT);
	assert_int_equal(c.dmv_sig, 0);
	assert_int_equal(c.boot_verified, -1);
	ipe_eval_kernel_all(&k);
	k.prop_dmverity_signature = false;
	constraint(p, 5, &k, &c);
	assert_int_equal(c.never, IPE_NEVER_COMPILED_OUT);
	done(&f);
}

static void test_digests(void **state)
{
	(void)state;
	assert_int_equal(ipe_hash_alg_size("sha256"), 32);
	assert_int_equal(ipe_hash_alg_size("sha384"), 48);
	assert_int_equal(ipe_hash_alg_size("sha512"), 64);
	assert_int_equal(ipe_hash_alg_size("sha1"), 20);
	assert_int_equal(ipe_hash_alg_size("SHA256"), 0);
	assert_int_equal(ipe_hash_alg_size("sha-256"), 0);
	assert_int_equal(ipe_hash_alg_size(NULL), 0);
	assert_true(ipe_fsverity_alg_supported("sha256"));
	assert_true(ipe_fsverity_alg_supported("sha512"));
	assert_false(ipe_fsverity_alg_supported("sha384"));
	assert_false(ipe_fsverity_alg_supported(NULL));
}

static void test_digest_possible(void **state)
{
	struct fx f = { 0 };
	const struct ipe_policy *p = parse(&f, "policy_name=t policy_version=0.0.1\n"
					       "DEFAULT action=DENY\n"
					       "op=EXECUTE fsverity_digest=sha256:" D32A " action=ALLOW\n"
					       "op=EXECUTE fsverity_digest=SHA256:" D32A " action=ALLOW\n"
					       "op=EXECUTE fsverity_digest=sha512:" D32A " action=ALLOW\n"
					       "op=EXECUTE dmverity_roothash=sha-256:" D32A " action=ALLOW\n"
					       "op=EXECUTE dmverity_roothash=sha256: action=ALLOW\n"
					       "op=EXECUTE dmverity_roothash=sm3:" D32A " action=ALLOW\n"
					       "op=EXECUTE fsverity_digest=sha256:" D32A " action=ALLOW\n");
#define RULE_PROP(i) ipe_rule_prop(p, ipe_policy_rule(p, IPE_OP_EXECUTE, (i)), 0)
	const bool want[] = { true, false, false, false, false, true, true };

	(void)state;
	assert_int_equal(ipe_policy_op_nrules(p, IPE_OP_EXECUTE), 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(ipe_prop_digest_possible(p, RULE_PROP(i)), want[i]);
	assert_true(ipe_prop_digest_equal(p, RULE_PROP(0), RULE_PROP(6)));
	assert_false(ipe_prop_digest_equal(p, RULE_PROP(0), RULE_PROP(2)));
#undef RULE_PROP
	done(&f);
}

/* Every event a kernel can produce for the exhaustive check below: no file;
 * a file on the initramfs rootfs (no verity); a file on dm-verity and/or
 * fs-verity, signed or not, with digest A or B. */
static size_t physical_events(struct ipe_event *ev)
{
	size_t n = 0;

	ev[n++] = (struct ipe_event){ .has_file = false };
	ev[n++] = (struct ipe_event){ .has_file = true, .boot_verified = true };
	for (int dm = 0; dm < 3; dm++)     /* none, unsigned, signed */
		for (int fs = 0; fs < 5; fs++) /* none, A unsigned, A signed, B unsigned, B signed */
			ev[n++] = (struct ipe_event){
				.has_file = true,
				.dmverity = dm > 0,
				.dmverity_signed = dm == 2,
				.dmv_alg = "sha256",
				.dmv_roothash = dA,
				.dmv_roothash_len = dm ? 32 : 0,
				.fsverity = fs > 0,
				.fsverity_signed = fs == 2 || fs == 4,
				.fsv_alg = "sha256",
				.fsv_digest = fs > 2 ? dB : dA,
				.fsv_digest_len = fs ? 32 : 0,
			};
	return n;
}

/* The static view derives from the one model of which events a rule
 * matches: for every rule of up to three properties, "never matches" holds
 * exactly when no event a kernel can produce matches it (the evaluator),
 * with every property compiled in and with dm-verity signatures out. */
static void test_constraint_is_the_event_class(void **state)
{
	static const char *const toks[] = {
		"boot_verified=TRUE",	   "boot_verified=FALSE",      "dmverity_signature=TRUE",
		"dmverity_signature=FALSE", "fsverity_signature=TRUE",   "fsverity_signature=FALSE",
		"fsverity_digest=sha256:" D32A, "fsverity_digest=sha256:" D32B, "dmverity_roothash=sha256:" D32A,
		"fsverity_digest=sha384:" D32A,
	};
	const size_t nt = sizeof(toks) / sizeof(toks[0]);
	struct ipe_event ev[32];
	size_t nev = physical_events(ev), nrules = 0, nnever[2] = { 0, 0 };
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	struct fx f = { 0 };
	const struct ipe_policy *p;
	struct ipe_eval_kernel kk[2];

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "policy_name=t policy_version=0.0.1\nDEFAULT action=DENY\n");
	for (size_t a = 0; a < nt; a++)
		for (size_t b = 0; b <= nt; b++)
			for (size_t c = 0; c <= (b < nt ? nt : 0); c++) {
				len += (size_t)snprintf(text + len, cap - len, "op=EXECUTE %s%s%s%s%s action=ALLOW\n", toks[a],
							b < nt ? " " : "", b < nt ? toks[b] : "", c < nt && b < nt ? " " : "",
							c < nt && b < nt ? toks[c] : "");
				nrules++;
			}
	p = parse(&f, text);
	assert_int_equal(ipe_policy_op_nrules(p, IPE_OP_EXECUTE), nrules);
	ipe_eval_kernel_all(&kk[0]);
	ipe_eval_kernel_all(&kk[1]);
	kk[1].prop_dmverity_signature = false;
	for (int ki = 0; ki < 2; ki++) {
		for (size_t i = 0; i < nrules; i++) {
			const struct ipe_rule *r = ipe_policy_rule(p, IPE_OP_EXECUTE, i);
			struct ipe_rule_constraint c;
			bool any = false;

			ipe_rule_constraint(p, r, &kk[ki], &c);
			for (size_t e = 0; e < nev && !any; e++)
				any = ipe_eval_rule(p, r, &ev[e], &kk[ki]);
			if ((c.never != IPE_NEVER_NOT) == any)
				fail_msg("rule %zu (line %u), kernel %d: never=%d but %s event matches", i, ipe_rule_loc(r).line, ki,
					 c.never, any ? "an" : "no");
			if (c.never != IPE_NEVER_NOT)
				assert_non_null(c.never_prop);
			nnever[ki] += c.never != IPE_NEVER_NOT;
		}
	}
	/* both outcomes occur, so the check can fail either way */
	assert_true(nnever[0] > 0 && nnever[0] < nrules);
	assert_true(nnever[1] > nnever[0]);
	done(&f);
	free(text);
}

int main(void)
{
	memset(dA, 0xab, sizeof(dA));
	memset(dB, 0xcd, sizeof(dB));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_file_event),
		cmocka_unit_test(test_compiled_out),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_global_deny_unknown_op),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_constraint_is_the_event_class),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_digest_possible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
