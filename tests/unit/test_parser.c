/* SPDX-License-Identifier: MIT */
/* Unit tests: the parser, the model it builds, the kernel verdict and the
 * diagnostics (codes, locations, hints, error recovery). */
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

#include "compiler/model.h" /* white-box: the model's fields (interning, pool), not only the accessors */

#define HDR "policy_name=p policy_version=1.0.0\n"
#define DEF "DEFAULT action=ALLOW\n"

struct parsed {
	struct ipe_ctx *ctx;
	struct ipe_policy *p;
	const char *text;
	size_t len;
};

static void parse_n(struct parsed *r, const char *text, size_t len)
{
	uint32_t src;

	r->text = text;
	r->len = len;
	assert_int_equal(ipe_ctx_new(&r->ctx), 0);
	assert_int_equal(ipe_source_from_memory(r->ctx, "t.pol", text, len, false, &src), 0);
	assert_int_equal(ipe_policy_parse(r->ctx, src, &r->p), 0);
	assert_non_null(r->p);
}

static void parse_s(struct parsed *r, const char *text)
{
	parse_n(r, text, strlen(text));
}

static void done(struct parsed *r)
{
	ipe_policy_free(r->p);
	ipe_ctx_free(r->ctx);
}

/* line/col of a byte offset, as the library counts them (\n only) */
static void line_col(const char *text, uint32_t off, uint32_t *line, uint32_t *col)
{
	*line = 1;
	*col = 1;
	for (uint32_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* the whole token starting at 'at' (a point for an empty pattern) */
static size_t tok_len(const char *at, const char *pattern)
{
	if (!*pattern)
		return 0;
	return strcspn(at, " \t\n\r#");
}

struct vcase {
	const char *text;
	int err;          /* expected errno, 0 = accepted */
	const char *at;   /* the token the verdict points at (first occurrence after 'after') */
	const char *code; /* diagnostic code of the verdict */
	const char *after; /* optional: search 'at' after this substring */
};

static void check_case(const struct vcase *c)
{
	struct parsed r;
	const struct ipe_verdict *v;

	parse_s(&r, c->text);
	v = &r.p->verdict;
	if (v->err != c->err)
		fail_msg("%s\n--> errno %d (%s), want %d (%s)", c->text, v->err, ipe_errno_name(v->err), c->err,
			 ipe_errno_name(c->err));
	if (c->err) {
		const char *base = c->after ? strstr(c->text, c->after) : c->text;
		const char *at;
		uint32_t line, col;

		assert_non_null(base);
		at = strstr(base, c->at);
		assert_non_null(at);
		if (v->loc.offset != (uint32_t)(at - c->text) || v->loc.len != tok_len(at, c->at))
			fail_msg("%s\n--> verdict at offset %u len %u, want %td len %zu ('%s')", c->text, v->loc.offset,
				 v->loc.len, at - c->text, tok_len(at, c->at), c->at);
		line_col(c->text, v->loc.offset, &line, &col);
		assert_int_equal(v->loc.line, line);
		assert_int_equal(v->loc.col, col);
		assert_non_null(v->code);
		if (c->code && strcmp(v->code, c->code) != 0)
			fail_msg("%s\n--> code %s, want %s", c->text, v->code, c->code);
		/* the verdict is also the first error-level diagnostic with an errno */
		{
			bool found = false;

			for (size_t i = 0; i < ipe_ctx_diag_count(r.ctx); i++) {
				const struct ipe_diag *d = ipe_ctx_diag(r.ctx, i);

				if (d->severity == IPE_SEV_ERROR && d->kernel_errno) {
					assert_int_equal(d->kernel_errno, c->err);
					assert_string_equal(d->code, v->code);
					assert_int_equal(d->loc.offset, v->loc.offset);
					found = true;
					break;
				}
			}
			assert_true(found);
		}
	} else {
		assert_null(v->code);
		assert_int_equal(ipe_ctx_diag_count_severity(r.ctx, IPE_SEV_ERROR), 0);
	}
	done(&r);
}

static void run_cases(const struct vcase *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_case(&cs[i]);
}

static void test_version(void **state)
{
	static const struct vcase cs[] = {
		{ "policy_name=p policy_version=+1.+2.+3\n" DEF, 0, NULL, NULL, NULL },
		{ "policy_name=p policy_version=0001.002.03\n" DEF, 0, NULL, NULL, NULL },
		{ "policy_name=p policy_version=65535.65535.65535\n" DEF, 0, NULL, NULL, NULL },
		{ "policy_name=p policy_version=1.0.0\v\n" DEF, 0, NULL, NULL, NULL },
		{ "policy_name=p policy_version=1..0\n" DEF, EINVAL, "policy_version=1..0", "IPE-E003", NULL },
		{ "policy_name=p policy_version=1.0.\n" DEF, EINVAL, "policy_version=1.0.", "IPE-E003", NULL },
		{ "policy_name=p policy_version=.1.0\n" DEF, EINVAL, "policy_version=.1.0", "IPE-E003", NULL },
		{ "policy_name=p policy_version=0.0.0.\n" DEF, EBADMSG, "policy_version=0.0.0.", "IPE-E005", NULL },
		{ "policy_name=p policy_version=1.2.3.4\n" DEF, EBADMSG, "policy_version=1.2.3.4", "IPE-E005", NULL },
		/* more than three parts is checked before the 4th part is parsed */
		{ "policy_name=p policy_version=1.2.3.x\n" DEF, EBADMSG, "policy_version=1.2.3.x", "IPE-E005", NULL },
		{ "policy_name=p policy_version=1.2\n" DEF, EBADMSG, "policy_version=1.2", "IPE-E005", NULL },
		{ "policy_name=p policy_version=1\n" DEF, EBADMSG, "policy_version=1", "IPE-E005", NULL },
		{ "policy_name=p policy_version=65536.0.0\n" DEF, ERANGE, "policy_version=65536.0.0", "IPE-E004", NULL },
		{ "policy_name=p policy_version=0.0.99999999\n" DEF, ERANGE, "policy_version=", "IPE-E004", NULL },
		{ "policy_name=p policy_version=-1.0.0\n" DEF, EINVAL, "policy_version=", "IPE-E003", NULL },
		{ "policy_name=p policy_version=0x1.0.0\n" DEF, EINVAL, "policy_version=", "IPE-E003", NULL },
		{ "policy_name=p policy_version=++1.0.0\n" DEF, EINVAL, "policy_version=", "IPE-E003", NULL },
		{ "policy_name=p policy_version=+.0.0\n" DEF, EINVAL, "policy_version=", "IPE-E003", NULL },
		{ "policy_name=p policy_version= 1.0.0\n" DEF, EBADMSG, "policy_version=", "IPE-E002", NULL },
		{ "policy_name=p policy_version=1.0\v.0\n" DEF, EINVAL, "policy_version=", "IPE-E003", NULL },
		/* first failing part wins, left to right */
		{ "policy_name=p policy_version=1.65536.x\n" DEF, ERANGE, "policy_version=", "IPE-E004", NULL },
		{ "policy_name=p policy_version=x.65536.0\n" DEF, EINVAL, "policy_version=", "IPE-E003", NULL },
		/* trailing garbage is checked before the u16 range ... */
		{ "policy_name=p policy_version=65536x.0.0\n" DEF, EINVAL, "policy_version=", "IPE-E003", NULL },
		/* ... but a 64-bit overflow is reported before trailing garbage */
		{ "policy_name=p policy_version=99999999999999999999x.0.0\n" DEF, ERANGE, "policy_version=",
		  "IPE-E004", NULL },
		{ "policy_name=p policy_version=18446744073709551615.0.0\n" DEF, ERANGE, "policy_version=",
		  "IPE-E004", NULL },
		{ "policy_name=p policy_version=18446744073709551616.0.0\n" DEF, ERANGE, "policy_version=",
		  "IPE-E004", NULL },
		/* a version error beats an extra header token after it */
		{ "policy_name=p policy_version=65536.0.0 extra\n" DEF, ERANGE, "policy_version=", "IPE-E004", NULL },
		/* the version error beats later rule errors and completeness */
		{ "policy_name=p policy_version=1.x.0\nbogus\n", EINVAL, "policy_version=", "IPE-E003", NULL },
	};
	struct parsed r;

	(void)state;
	run_cases(cs, sizeof(cs) / sizeof(cs[0]));
	parse_s(&r, "policy_name=p policy_version=+1.0002.65535\n" DEF);
	assert_int_equal(r.p->version[0], 1);
	assert_int_equal(r.p->version[1], 2);
	assert_int_equal(r.p->version[2], 65535);
	done(&r);
}

static void test_header(void **state)
{
	static const struct vcase cs[] = {
		{ "", EBADMSG, "", "IPE-E001", NULL },
		{ "\n\r\n  \t# only comments\n\v", EBADMSG, "", "IPE-E001", NULL },
		{ "policy_version=1.0.0 policy_name=p\n" DEF, EBADMSG, "policy_version=1.0.0", "IPE-E002", NULL },
		{ "policy_name=p\n" DEF, EBADMSG, "policy_name=p", "IPE-E002", NULL },
		{ "policy_name=p policy_version=1.0.0 x\n" DEF, EBADMSG, "x", "IPE-E002", NULL },
		{ "policy_name= policy_version=1.0.0\n" DEF, EBADMSG, "policy_name=", "IPE-E002", NULL },
		{ "policy_name=p policy_version=\n" DEF, EBADMSG, "policy_version=", "IPE-E002", NULL },
		{ "policy_name=a policy_name=b\n" DEF, EBADMSG, "policy_name=b", "IPE-E002", NULL },
		{ "Policy_name=p policy_version=1.0.0\n" DEF, EBADMSG, "Policy_name=p", "IPE-E002", NULL },
		{ DEF HDR, EBADMSG, "DEFAULT", "IPE-E002", NULL },
		/* header is the first non-empty line, after comments and blanks */
		{ "# c\n\n  \r\n" HDR DEF, 0, NULL, NULL, NULL },
		{ "policy_name=p policy_version=1.0.0\r\nDEFAULT action=ALLOW\r\n", 0, NULL, NULL, NULL },
		{ "\tpolicy_name=p\t\tpolicy_version=1.0.0  # c\n" DEF, 0, NULL, NULL, NULL },
		/* a second header is a rule line: bad operation */
		{ HDR DEF HDR, EBADMSG, "policy_name=p", "IPE-E010", "DEFAULT" },
	};

	(void)state;
	run_cases(cs, sizeof(cs) / sizeof(cs[0]));
}

static void test_names(void **state)
{
	char big[512], big2[512], big3[512];
	struct vcase cs[] = {
		{ "policy_name=. policy_version=1.0.0\n" DEF, EACCES, "policy_name=.", "IPE-E031", NULL },
		{ "policy_name=.. policy_version=1.0.0\n" DEF, EACCES, "policy_name=..", "IPE-E031", NULL },
		{ "policy_name=... policy_version=1.0.0\n" DEF, 0, NULL, NULL, NULL },
		{ "policy_name=.a policy_version=1.0.0\n" DEF, 0, NULL, NULL, NULL },
		{ "policy_name=/ policy_version=1.0.0\n" DEF, EACCES, "policy_name=/", "IPE-E031", NULL },
		{ "policy_name=a/b policy_version=1.0.0\n" DEF, EACCES, "policy_name=a/b", "IPE-E031", NULL },
		{ "policy_name==$'\"\xff policy_version=1.0.0\n" DEF, 0, NULL, NULL, NULL },
		/* parse errors come before the name checks */
		{ "policy_name=.. policy_version=1.0.0\nbogus action=ALLOW\n" DEF, EBADMSG, "bogus", "IPE-E010", NULL },
		{ "policy_name=/ policy_version=1.x.0\n" DEF, EINVAL, "policy_version", "IPE-E003", NULL },
		/* ... and so does completeness */
		{ "policy_name=/ policy_version=1.0.0\n", EBADMSG, "policy_name=/", "IPE-E030", NULL },
		{ big, 0, NULL, NULL, NULL },
		{ big2, ENAMETOOLONG, NULL, "IPE-E032", NULL },
		{ big3, EACCES, NULL, "IPE-E031", NULL },
	};

	(void)state;
	/* 255 bytes ok, 256 ENAMETOOLONG, long with '/' EACCES */
	snprintf(big, sizeof(big), "policy_name=%0255d policy_version=1.0.0\n" DEF, 0);
	snprintf(big2, sizeof(big2), "policy_name=%0256d policy_version=1.0.0\n" DEF, 0);
	snprintf(big3, sizeof(big3), "policy_name=/%0299d policy_version=1.0.0\n" DEF, 0);
	*strchr(big2 + 12, ' ') = '\0';
	cs[11].at = strdup(big2);
	big2[strlen(big2)] = ' ';
	*strchr(big3 + 12, ' ') = '\0';
	cs[12].at = strdup(big3);
	big3[strlen(big3)] = ' ';
	run_cases(cs, sizeof(cs) / sizeof(cs[0]));
	free((void *)cs[11].at);
	free((void *)cs[12].at);
}

static void test_rules(void **state)
{
	static const struct vcase cs[] = {
		{ HDR DEF "op=EXECUTE action=ALLOW\n", 0, NULL, NULL, NULL },
		{ HDR DEF "op=EXECUTE action=ALLOW#comment\n", 0, NULL, NULL, NULL },
		{ HDR DEF "op=EXECUTE action=DENY\v\f\xa0 \n", 0, NULL, NULL, NULL },
		{ HDR DEF "op=EXECUTE action=ALOW\n", EBADMSG, "action=ALOW", "IPE-E012", NULL },
		{ HDR DEF "op=EXECUTE action=allow\n", EBADMSG, "action=allow", "IPE-E012", NULL },
		{ HDR DEF "op=EXECUTE\n", EBADMSG, "op=EXECUTE", "IPE-E012", "DEFAULT" },
		{ HDR DEF "action=ALLOW\n", EBADMSG, "action=ALLOW", "IPE-E017", "ALLOW\n" },
		{ HDR DEF "op=EXECUTE action=ALLOW action=ALLOW\n", EBADMSG, "action=ALLOW", "IPE-E013", "op=" },
		{ HDR DEF "op=EXECUTE action=ALLOW x\n", EBADMSG, "action=ALLOW", "IPE-E013", "op=" },
		{ HDR DEF "op=EXEC action=ALLOW\n", EBADMSG, "op=EXEC", "IPE-E010", NULL },
		{ HDR DEF "op=execute action=ALLOW\n", EBADMSG, "op=execute", "IPE-E010", NULL },
		{ HDR DEF "op=BPF_PROG_LOAD action=ALLOW\n", EBADMSG, "op=BPF_PROG_LOAD", "IPE-E010", NULL },
		{ HDR DEF "boot_verified=TRUE op=EXECUTE action=ALLOW\n", EBADMSG, "boot_verified", "IPE-E010", NULL },
		{ HDR DEF "op=EXECUTE op=KMODULE action=ALLOW\n", EBADMSG, "op=KMODULE", "IPE-E018", NULL },
		{ HDR DEF "op=EXECUTE DEFAULT action=ALLOW\n", EBADMSG, "DEFAULT", "IPE-E014", "op=" },
		{ HDR DEF "op=EXECUTE boot_verified=true action=ALLOW\n", EBADMSG, "boot_verified=true", "IPE-E011", NULL },
		{ HDR DEF "op=EXECUTE bogus=1 action=ALLOW\n", EBADMSG, "bogus=1", "IPE-E011", NULL },
		/* an earlier token's error wins over a bad action */
		{ HDR DEF "op=EXECUTE fsverity_digest=sha256:0 action=DENX\n", EINVAL, "fsverity_digest", "IPE-E021", NULL },
		{ HDR DEF "op=EXECU fsverity_digest=sha256:0 action=DENX\n", EBADMSG, "op=EXECU", "IPE-E010", NULL },
		/* an \v inside a token makes it unknown */
		{ HDR DEF "op=EXECUTE\v action=ALLOW\n", EBADMSG, "op=EXECUTE\v", "IPE-E010", NULL },
		/* \f as separator does not split */
		{ HDR DEF "op=EXECUTE\faction=ALLOW\n", EBADMSG, "op=EXECUTE\faction=ALLOW", "IPE-E012", NULL },
		/* digests */
		{ HDR DEF "op=EXECUTE fsverity_digest=abcd action=ALLOW\n", EBADMSG, "fsverity_digest=abcd", "IPE-E020", NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest= action=ALLOW\n", EBADMSG, "fsverity_digest=", "IPE-E022", NULL },
		{ HDR DEF "op=EXECUTE dmverity_roothash= action=ALLOW\n", EBADMSG, "dmverity_roothash=", "IPE-E022", NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=sha256:abc action=ALLOW\n", EINVAL, "fsverity_digest", "IPE-E021", NULL },
		{ HDR DEF "op=EXECUTE dmverity_roothash=sha256:0g action=ALLOW\n", EINVAL, "dmverity_roothash", "IPE-E021", NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=sha256:00:00 action=ALLOW\n", EINVAL, "fsverity_digest", "IPE-E021", NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=sha256:: action=ALLOW\n", EINVAL, "fsverity_digest", "IPE-E021", NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=sha256: action=ALLOW\n", 0, NULL, NULL, NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=:00 action=ALLOW\n", 0, NULL, NULL, NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=: action=ALLOW\n", 0, NULL, NULL, NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=SHA256:ABcd action=ALLOW\n", 0, NULL, NULL, NULL },
		/* left to right: the first bad digest wins */
		{ HDR DEF "op=EXECUTE fsverity_digest=a:zz fsverity_digest=abc action=ALLOW\n", EINVAL, "fsverity_digest=a:zz", "IPE-E021", NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=abc fsverity_digest=a:zz action=ALLOW\n", EBADMSG, "fsverity_digest=abc", "IPE-E020", NULL },
		/* DEFAULT rules */
		{ HDR DEF "DEFAULT op=EXECUTE action=DENY\n", 0, NULL, NULL, NULL },
		{ HDR DEF "DEFAULT action=DENY\n", EBADMSG, "DEFAULT", "IPE-E016", "ALLOW" },
		{ HDR DEF "DEFAULT op=EXECUTE action=DENY\nDEFAULT op=EXECUTE action=ALLOW\n", EBADMSG, "DEFAULT", "IPE-E016", "DENY" },
		{ HDR DEF "DEFAULT op=EXECUTE boot_verified=TRUE action=DENY\n", EBADMSG, "boot_verified", "IPE-E015", NULL },
		/* a digest error inside a DEFAULT line is found before the "no properties" rule */
		{ HDR DEF "DEFAULT op=EXECUTE fsverity_digest=a:z action=DENY\n", EINVAL, "fsverity_digest", "IPE-E021", NULL },
		{ HDR DEF "DEFAULT boot_verified=TRUE action=DENY\n", EBADMSG, "boot_verified", "IPE-E010", NULL },
		{ HDR DEF "DEFAULT action=DENY op=EXECUTE\n", EBADMSG, "action=DENY", "IPE-E013", NULL },
		{ HDR DEF "DEFAULT\n", EBADMSG, "DEFAULT", "IPE-E012", "ALLOW" },
		{ HDR DEF "DEFAULT DEFAULT action=DENY\n", EBADMSG, "DEFAULT", "IPE-E014", " DEFAULT action=DENY" },
		{ HDR "default action=ALLOW\n", EBADMSG, "default", "IPE-E010", NULL },
		/* completeness */
		{ HDR, EBADMSG, "policy_name=p", "IPE-E030", NULL },
		{ HDR "op=EXECUTE action=ALLOW\n", EBADMSG, "policy_name=p", "IPE-E030", NULL },
		{ "#x\n  " HDR "DEFAULT op=EXECUTE action=ALLOW\n", EBADMSG, "policy_name=p", "IPE-E030", NULL },
		{ HDR "DEFAULT op=EXECUTE action=ALLOW\nDEFAULT op=FIRMWARE action=ALLOW\n"
		      "DEFAULT op=KMODULE action=ALLOW\nDEFAULT op=KEXEC_IMAGE action=ALLOW\n"
		      "DEFAULT op=KEXEC_INITRAMFS action=ALLOW\nDEFAULT op=POLICY action=ALLOW\n"
		      "DEFAULT op=X509_CERT action=ALLOW\n", 0, NULL, NULL, NULL },
		{ HDR "DEFAULT op=EXECUTE action=ALLOW\nDEFAULT op=FIRMWARE action=ALLOW\n"
		      "DEFAULT op=KMODULE action=ALLOW\nDEFAULT op=KEXEC_IMAGE action=ALLOW\n"
		      "DEFAULT op=KEXEC_INITRAMFS action=ALLOW\nDEFAULT op=POLICY action=ALLOW\n",
		  EBADMSG, "policy_name=p", "IPE-E030", NULL },
		/* defaults after rules, interleaved ops */
		{ HDR "op=KMODULE action=DENY\nop=EXECUTE action=ALLOW\nDEFAULT action=DENY\n", 0, NULL, NULL, NULL },
		/* a parse error beats completeness */
		{ HDR "op=EXECUTE action=ALLOX\n", EBADMSG, "action=ALLOX", "IPE-E012", NULL },
		/* the first error in the file is the verdict */
		{ HDR DEF "op=X action=ALLOW\nop=EXECUTE fsverity_digest=a:z action=ALLOW\n", EBADMSG, "op=X", "IPE-E010", NULL },
		{ HDR DEF "op=EXECUTE fsverity_digest=a:z action=ALLOW\nop=X action=ALLOW\n", EINVAL, "fsverity_digest", "IPE-E021", NULL },
	};

	(void)state;
	run_cases(cs, sizeof(cs) / sizeof(cs[0]));
}

static void test_nul(void **state)
{
	static const char t1[] = HDR DEF "\0garbage\nop=X action=Y\n";
	static const char t2[] = "\0" HDR DEF;
	static const char t3[] = HDR "\0" DEF;
	static const char t4[] = HDR DEF "op=EXECUTE action=ALLOW\0x\n";
	static const char t5[] = HDR DEF "op=EXECUTE action=ALLOW\0\n";
	struct parsed r;

	(void)state;
	parse_n(&r, t1, sizeof(t1) - 1);
	assert_int_equal(r.p->verdict.err, 0);
	assert_true(r.p->has_nul);
	assert_int_equal(r.p->text_len, strlen(HDR DEF));
	assert_int_equal(ipe_ctx_diag_count_severity(r.ctx, IPE_SEV_WARNING), 1);
	assert_string_equal(ipe_ctx_diag(r.ctx, 0)->code, "IPE-W160");
	done(&r);

	parse_n(&r, t2, sizeof(t2) - 1);
	assert_int_equal(r.p->verdict.err, EBADMSG);
	assert_true(r.p->has_nul);
	assert_int_equal(r.p->text_len, 0);
	done(&r);

	parse_n(&r, t3, sizeof(t3) - 1);
	assert_int_equal(r.p->verdict.err, EBADMSG);
	assert_string_equal(r.p->verdict.code, "IPE-E030");
	done(&r);

	/* NUL inside the action token: "action=ALLOW" then cut */
	parse_n(&r, t4, sizeof(t4) - 1);
	assert_int_equal(r.p->verdict.err, 0);
	assert_int_equal(r.p->ops[IPE_OP_EXECUTE].nrules, 1);
	done(&r);
	parse_n(&r, t5, sizeof(t5) - 1);
	assert_int_equal(r.p->verdict.err, 0);
	done(&r);
}

static void test_model(void **state)
{
	struct parsed r;
	const struct ipe_op_table *t;
	const struct ipe_prop *pr;

	(void)state;
	parse_s(&r, "# leading comment\n"
		    "policy_name=My-Policy_1 policy_version=2.0010.+3\n"
		    "op=KMODULE boot_verified=TRUE action=ALLOW\n"
		    "op=EXECUTE fsverity_digest=sha256:ABcd01 fsverity_signature=FALSE action=DENY\n"
		    "DEFAULT op=EXECUTE action=DENY\n"
		    "op=EXECUTE action=ALLOW # catch all\n"
		    "op=EXECUTE dmverity_roothash=SHA512: dmverity_signature=TRUE boot_verified=FALSE "
		    "fsverity_signature=TRUE dmverity_signature=FALSE action=ALLOW\n"
		    "op=KMODULE fsverity_digest=:ff action=DENY\n"
		    "DEFAULT action=ALLOW\n"
		    "op=X509_CERT fsverity_digest=sha256:00 action=DENY\n");
	assert_int_equal(r.p->verdict.err, 0);
	assert_true(r.p->has_header);
	assert_string_equal(r.p->name, "My-Policy_1");
	assert_int_equal(r.p->name_len, 11);
	assert_int_equal(r.p->version[0], 2);
	assert_int_equal(r.p->version[1], 10);
	assert_int_equal(r.p->version[2], 3);
	assert_int_equal(r.p->name_loc.line, 2);
	assert_int_equal(r.p->name_loc.col, 1);
	assert_int_equal(r.p->version_loc.col, 25);
	assert_int_equal(r.p->global_default, IPE_ACTION_ALLOW);
	assert_int_equal(r.p->global_default_loc.line, 9);
	assert_int_equal(r.p->nrules, 6);

	t = &r.p->ops[IPE_OP_EXECUTE];
	assert_int_equal(t->default_action, IPE_ACTION_DENY);
	assert_int_equal(t->default_loc.line, 5);
	assert_int_equal(t->nrules, 3);
	assert_int_equal(t->rules[0].action, IPE_ACTION_DENY);
	assert_int_equal(t->rules[0].nprops, 2);
	assert_int_equal(t->rules[0].loc.line, 4);
	assert_int_equal(t->rules[0].loc.col, 1);
	pr = ipe_rule_props(r.p, &t->rules[0]);
	assert_int_equal(pr[0].type, IPE_PROP_FSV_DIGEST);
	assert_true(pr[0].flags & IPE_PROPF_UPPER_HEX);
	assert_string_equal(ipe_prop_alg(r.p, &pr[0]), "sha256");
	assert_int_equal(pr[0].digest_len, 3);
	assert_memory_equal(ipe_prop_digest(r.p, &pr[0]), "\xab\xcd\x01", 3);
	assert_int_equal(pr[0].loc.col, 12);
	assert_int_equal(pr[0].loc.len, strlen("fsverity_digest=sha256:ABcd01"));
	assert_int_equal(pr[1].type, IPE_PROP_FSV_SIG_FALSE);
	assert_int_equal(t->rules[1].nprops, 0);
	assert_null(ipe_rule_props(r.p, &t->rules[1]));
	assert_int_equal(t->rules[1].action, IPE_ACTION_ALLOW);
	assert_int_equal(t->rules[2].nprops, 5);
	pr = ipe_rule_props(r.p, &t->rules[2]);
	assert_int_equal(pr[0].type, IPE_PROP_DMV_ROOTHASH);
	assert_string_equal(ipe_prop_alg(r.p, &pr[0]), "SHA512");
	assert_int_equal(pr[0].digest_len, 0);
	assert_false(pr[0].flags & IPE_PROPF_UPPER_HEX);
	assert_int_equal(pr[1].type, IPE_PROP_DMV_SIG_TRUE);
	assert_int_equal(pr[2].type, IPE_PROP_BOOT_VERIFIED_FALSE);
	assert_int_equal(pr[3].type, IPE_PROP_FSV_SIG_TRUE);
	assert_int_equal(pr[4].type, IPE_PROP_DMV_SIG_FALSE);

	t = &r.p->ops[IPE_OP_KMODULE];
	assert_int_equal(t->default_action, IPE_ACTION_NONE);
	assert_int_equal(t->nrules, 2);
	assert_int_equal(t->rules[0].loc.line, 3);
	assert_int_equal(ipe_rule_props(r.p, &t->rules[0])[0].type, IPE_PROP_BOOT_VERIFIED_TRUE);
	pr = ipe_rule_props(r.p, &t->rules[1]);
	assert_string_equal(ipe_prop_alg(r.p, pr), "");
	assert_int_equal(pr->digest_len, 1);
	assert_int_equal(ipe_prop_digest(r.p, pr)[0], 0xff);
	assert_int_equal(r.p->ops[IPE_OP_X509_CERT].nrules, 1);
	pr = ipe_rule_props(r.p, &r.p->ops[IPE_OP_X509_CERT].rules[0]);
	/* algorithm names are interned */
	assert_int_equal(pr->alg, ipe_rule_props(r.p, &r.p->ops[IPE_OP_EXECUTE].rules[0])->alg);
	assert_int_equal(r.p->nalgs, 3);
	assert_int_equal(r.p->ops[IPE_OP_FIRMWARE].nrules, 0);
	assert_int_equal(r.p->ops[IPE_OP_FIRMWARE].default_action, IPE_ACTION_NONE);
	done(&r);
}

static void test_model_error_lines_dropped(void **state)
{
	struct parsed r;

	(void)state;
	/* a failing line contributes no rule and no property */
	parse_s(&r, HDR DEF "op=EXECUTE boot_verified=TRUE fsverity_digest=a:0 action=ALLOW\n"
			    "op=EXECUTE fsverity_digest=a:00 fsverity_digest=b:00 boot_verified=X action=ALLOW\n"
			    "op=EXECUTE fsverity_digest=c:0102 action=DENY\n");
	assert_int_equal(r.p->verdict.err, EINVAL);
	assert_int_equal(r.p->ops[IPE_OP_EXECUTE].nrules, 1);
	assert_int_equal(r.p->nprops, 1);
	assert_int_equal(r.p->digest_pool_len, 2);
	{
		const struct ipe_prop *pr = ipe_rule_props(r.p, &r.p->ops[IPE_OP_EXECUTE].rules[0]);

		assert_string_equal(ipe_prop_alg(r.p, pr), "c");
		assert_memory_equal(ipe_prop_digest(r.p, pr), "\x01\x02", 2);
	}
	done(&r);
}

/* all lines are reported, one error per line, with codes and hints */
static void test_recovery_and_hints(void **state)
{
	struct parsed r;
	static const struct {
		const char *code;
		uint32_t line;
		const char *hint_part;
	} want[] = {
		{ "IPE-E010", 3, "did you mean 'op=EXECUTE'?" },
		{ "IPE-E011", 4, "keywords are case-sensitive: write 'boot_verified=TRUE'" },
		{ "IPE-E012", 5, "did you mean 'action=ALLOW'?" },
		{ "IPE-E013", 6, "last token" },
		{ "IPE-E021", 7, "whole bytes" },
		{ "IPE-E020", 8, "ALGORITHM:HEX" },
		{ "IPE-E016", 10, "remove one" },
		{ "IPE-E010", 11, "keywords are case-sensitive: write 'op=KMODULE'" },
	};

	(void)state;
	parse_s(&r, HDR DEF
		    "op=EXECUTEE action=ALLOW\n"
		    "op=EXECUTE boot_verified=true action=ALLOW\n"
		    "op=EXECUTE action=ALLOWW\n"
		    "op=EXECUTE action=ALLOW action=DENY\n"
		    "op=EXECUTE fsverity_digest=sha256:abc action=DENY\n"
		    "op=EXECUTE fsverity_digest=abcd action=DENY\n"
		    "op=EXECUTE action=DENY\n"
		    "DEFAULT action=DENY\n"
		    "op=kmodule action=DENY\n");
	assert_int_equal(ipe_ctx_diag_count(r.ctx), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(r.ctx, i);

		assert_string_equal(d->code, want[i].code);
		assert_int_equal(d->severity, IPE_SEV_ERROR);
		assert_int_equal(d->loc.line, want[i].line);
		assert_non_null(d->hint);
		if (!strstr(d->hint, want[i].hint_part))
			fail_msg("line %u: hint '%s' lacks '%s'", want[i].line, d->hint, want[i].hint_part);
		assert_non_null(d->message);
		assert_null(strchr(d->message, '\n'));
		/* never raw bison token names */
		assert_null(strstr(d->message, "T_"));
		assert_null(strstr(d->message, "YY"));
		assert_true(d->kernel_errno > 0);
	}
	/* the duplicate DEFAULT points back to the first one */
	assert_int_equal(ipe_ctx_diag(r.ctx, 6)->nrelated, 1);
	assert_int_equal(ipe_ctx_diag(r.ctx, 6)->related[0].loc.line, 2);
	assert_string_equal(r.p->verdict.code, "IPE-E010");
	assert_int_equal(r.p->verdict.loc.line, 3);
	assert_non_null(strstr(ipe_ctx_diag(r.ctx, 0)->message, "op=EXECUTEE"));
	/* the valid line in between still made it into the model */
	assert_int_equal(r.p->ops[IPE_OP_EXECUTE].nrules, 1);
	done(&r);
}

static void test_header_hints(void **state)
{
	struct parsed r;

	(void)state;
	parse_s(&r, "policy_nme=x policy_version=1.0.0\n" DEF);
	assert_int_equal(ipe_ctx_diag_count(r.ctx), 1);
	assert_non_null(strstr(ipe_ctx_diag(r.ctx, 0)->hint, "policy_name="));
	done(&r);
	parse_s(&r, "op=EXECUTE action=ALLOW\n");
	assert_true(ipe_ctx_diag_count(r.ctx) >= 1);
	assert_string_equal(ipe_ctx_diag(r.ctx, 0)->code, "IPE-E002");
	assert_non_null(strstr(ipe_ctx_diag(r.ctx, 0)->hint, "header"));
	done(&r);
	/* odd bytes are shown escaped in messages */
	parse_s(&r, HDR DEF "op=\x01\xff action=ALLOW\n");
	assert_non_null(strstr(ipe_ctx_diag(r.ctx, 0)->message, "op=\\x01\\xff"));
	done(&r);
}

static void test_verdict_text(void **state)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_verdict v;
	static const char bad[] = HDR "op=EXECUTE action=ALLOW\n";

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_policy_verdict_text(ctx, "a", HDR DEF, strlen(HDR DEF), &v), 0);
	assert_int_equal(v.err, 0);
	assert_int_equal(ipe_policy_verdict_text(ctx, "b", bad, strlen(bad), &v), 0);
	assert_int_equal(v.err, EBADMSG);
	assert_int_equal(v.loc.src, 1);
	assert_int_equal(ipe_ctx_source_count(ctx), 2);
	assert_int_equal(ipe_policy_verdict_text(ctx, "c", "", 0, &v), 0);
	assert_int_equal(v.err, EBADMSG);
	assert_int_equal(ipe_policy_verdict_text(NULL, "c", "", 0, &v), -EINVAL);
	ipe_ctx_free(ctx);
	ipe_policy_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),		cmocka_unit_test(test_header),
		cmocka_unit_test(test_names),		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_nul),		cmocka_unit_test(test_model),
		cmocka_unit_test(test_model_error_lines_dropped), cmocka_unit_test(test_recovery_and_hints),
		cmocka_unit_test(test_header_hints),	cmocka_unit_test(test_verdict_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
