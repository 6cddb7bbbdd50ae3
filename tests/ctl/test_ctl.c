/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of ipectl's decision logic: the kernel's rules, the load plan,
 * the errno translation table, status parsing against a fake securityfs
 * tree (honest for reading only), blob inspection and the preflight.
 * Blobs are signed in-process with a throw-away key generated per run.
 */
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

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <ipe/ctl.h>
#include <ipe/io.h>
#include <ipe/ipe.h>

#include "../common/cms_sign.h"

/* ---- helpers ----------------------------------------------------------- */

static void put(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void puts_(const char *dir, const char *rel, const char *s)
{
	put(dir, rel, s, strlen(s));
}

static void mkdir_(const char *dir, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void rm_rf(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static EVP_PKEY *test_key;
static X509 *test_cert;

static void make_key(void)
{
	if (test_key)
		return;
	test_key = EVP_RSA_gen(2048);
	assert_non_null(test_key);
	test_cert = test_self_signed(test_key, "ipectl test", false, EVP_sha256());
}

/* Sign text like `openssl cms -sign -binary -nosmimecap -noattr -outform DER
 * -nodetach`; extra_flags may add CMS_DETACHED etc. */
static uint8_t *sign_text(const char *text, unsigned extra_flags, size_t *ret_len)
{
	make_key();
	return test_cms_sign(test_cert, test_key, text, extra_flags, ret_len);
}

/* The same, streamed: indefinite-length encoding (openssl cms -stream). */
static uint8_t *sign_text_streamed(const char *text, size_t *ret_len)
{
	uint8_t *blob = sign_text(text, CMS_STREAM, ret_len);

	assert_true(*ret_len > 2 && blob[1] == 0x80);
	return blob;
}

static const char *P1 = "policy_name=p1 policy_version=1.0.0\nDEFAULT action=ALLOW\n";

/* A fake tree:  boot 0.0.1 (unsigned, active), old 2.0.0 (signed, inactive). */
static char *fake_tree(const uint8_t *old_blob, size_t old_len)
{
	char tmpl[] = "/tmp/ipectl-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	dir = strdup(dir);
	assert_non_null(dir);
	puts_(dir, "lsm", "lockdown,capability,ipe");
	mkdir_(dir, "ipe");
	mkdir_(dir, "ipe/policies");
	puts_(dir, "ipe/enforce", "1");
	puts_(dir, "ipe/success_audit", "0\n");
	puts_(dir, "ipe/new_policy", "");
	mkdir_(dir, "ipe/policies/boot");
	puts_(dir, "ipe/policies/boot/version", "0.0.1");
	puts_(dir, "ipe/policies/boot/active", "1");
	puts_(dir, "ipe/policies/boot/name", "boot");
	mkdir_(dir, "ipe/policies/old");
	puts_(dir, "ipe/policies/old/version", "2.0.0");
	puts_(dir, "ipe/policies/old/active", "0");
	puts_(dir, "ipe/policies/old/name", "old");
	put(dir, "ipe/policies/old/pkcs7", old_blob, old_len);
	puts_(dir, "ipe/policies/old/update", "");
	puts_(dir, "ipe/policies/old/delete", "");
	puts_(dir, "ipe/policies/boot/update", "");
	puts_(dir, "ipe/policies/boot/delete", "");
	return dir;
}

/* ---- rules ------------------------------------------------------------- */

static void test_version(void **state)
{
	uint16_t v[3], a[3] = { 1, 2, 3 }, b[3] = { 1, 3, 0 }, c[3] = { 0, 65535, 65535 };
	char buf[IPE_CTL_VERSION_STRLEN];

	(void)state;
	assert_int_equal(ipe_ctl_version_parse("1.2.3", 5, v), 0);
	assert_int_equal(ipe_ctl_version_cmp(v, a), 0);
	assert_int_equal(ipe_ctl_version_parse("65535.0.7\n", 10, v), 0);
	assert_int_equal(v[0], 65535);
	assert_int_equal(v[2], 7);
	assert_int_equal(ipe_ctl_version_parse("65536.0.0", 9, v), -ERANGE);
	assert_int_equal(ipe_ctl_version_parse("1.2", 3, v), -EINVAL);
	assert_int_equal(ipe_ctl_version_parse("1.2.3.4", 7, v), -EINVAL);
	assert_int_equal(ipe_ctl_version_parse("1..3", 4, v), -EINVAL);
	assert_int_equal(ipe_ctl_version_parse("", 0, v), -EINVAL);
	/* lexicographic on (major, minor, rev) as one number */
	assert_true(ipe_ctl_version_cmp(a, b) < 0);
	assert_true(ipe_ctl_version_cmp(b, a) > 0);
	assert_true(ipe_ctl_version_cmp(c, a) < 0);
	assert_string_equal(ipe_ctl_version_str(c, buf), "0.65535.65535");
}

static void test_rule_update(void **state)
{
	uint16_t v1[3] = { 1, 0, 0 }, v2[3] = { 1, 0, 1 }, v0[3] = { 0, 9, 9 };

	(void)state;
	assert_int_equal(ipe_ctl_rule_update("a", v1, "a", v2), 0);
	assert_int_equal(ipe_ctl_rule_update("a", v1, "a", v1), -ESTALE); /* strictly greater */
	assert_int_equal(ipe_ctl_rule_update("a", v1, "a", v0), -ESTALE);
	assert_int_equal(ipe_ctl_rule_update("a", v1, "b", v2), -EINVAL); /* name first */
	assert_int_equal(ipe_ctl_rule_update("a", v1, "A", v2), -EINVAL); /* case-sensitive */
}

static void test_rule_activate(void **state)
{
	uint16_t v1[3] = { 1, 0, 0 }, v2[3] = { 2, 0, 0 };

	(void)state;
	assert_int_equal(ipe_ctl_rule_activate(NULL, v1, false), 0);   /* nothing active */
	assert_int_equal(ipe_ctl_rule_activate(v1, v1, false), 0);     /* equal is fine */
	assert_int_equal(ipe_ctl_rule_activate(v1, v2, false), 0);
	assert_int_equal(ipe_ctl_rule_activate(v2, v1, false), -EINVAL);
	assert_int_equal(ipe_ctl_rule_activate(v2, v1, true), 0);      /* already active */
}

static void test_rule_name(void **state)
{
	char longname[300];

	(void)state;
	assert_int_equal(ipe_ctl_rule_name("ok_name=$x"), 0);
	assert_int_equal(ipe_ctl_rule_name("."), -EACCES);
	assert_int_equal(ipe_ctl_rule_name(".."), -EACCES);
	assert_int_equal(ipe_ctl_rule_name("a/b"), -EACCES);
	memset(longname, 'x', 255);
	longname[255] = '\0';
	assert_int_equal(ipe_ctl_rule_name(longname), 0);
	longname[255] = 'x';
	longname[256] = '\0';
	assert_int_equal(ipe_ctl_rule_name(longname), -ENAMETOOLONG);
}

/* ---- errno translation ------------------------------------------------- */

static const char *explain(const struct ipe_ctl_errctx *c, char **what, char **todo)
{
	const char *code = NULL;

	assert_int_equal(ipe_ctl_explain(c, &code, what, todo), 0);
	assert_non_null(code);
	assert_non_null(*what);
	assert_non_null(*todo);
	return code;
}

#define EXPECT(ctxp, want_code, needle)                                           \
	do {                                                                      \
		char *w_ = NULL, *t_ = NULL;                                      \
		const char *c_ = explain(ctxp, &w_, &t_);                         \
		assert_string_equal(c_, want_code);                               \
		if (!strstr(w_, needle) && !strstr(t_, needle))                   \
			fail_msg("'%s' not in: %s / %s", needle, w_, t_);         \
		free(w_);                                                         \
		free(t_);                                                         \
	} while (0)

static void test_explain_eperm(void **state)
{
	uint16_t cur[3] = { 3, 1, 4 };
	struct ipe_ctl_errctx c = { .op = IPE_CTL_OP_DELETE, .stage = IPE_CTL_STAGE_WRITE, .err = EPERM,
				    .name = "pol", .cur_version = cur, .target_active = 1, .have_cap = 1,
				    .blob_verdict = -1, .cms_err = -1 };

	(void)state;
	EXPECT(&c, "IPECTL-K-EPERM-ACTIVE", "\"pol\" 3.1.4 is the active policy");
	c.target_active = 0;
	c.have_cap = 0;
	EXPECT(&c, "IPECTL-K-EPERM-CAP", "CAP_MAC_ADMIN");
	c.have_cap = -1;
	EXPECT(&c, "IPECTL-K-EPERM-DELETE", "it is the active policy, or CAP_MAC_ADMIN");
	c.op = IPE_CTL_OP_LOAD;
	EXPECT(&c, "IPECTL-K-EPERM", "CAP_MAC_ADMIN is required");
	c.op = IPE_CTL_OP_ENFORCE;
	c.have_cap = 0;
	EXPECT(&c, "IPECTL-K-EPERM-CAP", "change enforcement");
}

static void test_explain_einval(void **state)
{
	uint16_t bv[3] = { 1, 0, 0 }, cv[3] = { 1, 0, 0 }, av[3] = { 5, 0, 0 };
	struct ipe_ctl_errctx c = { .op = IPE_CTL_OP_UPDATE, .stage = IPE_CTL_STAGE_WRITE, .err = EINVAL,
				    .name = "target", .blob_name = "other", .blob_version = bv,
				    .have_cap = 1, .target_active = 0, .blob_verdict = 0, .cms_err = 0 };

	(void)state;
	/* update: another name */
	EXPECT(&c, "IPECTL-K-EINVAL-NAME", "holds policy \"other\" but the update targets \"target\"");
	/* update: the text itself has an invalid value (parser verdict wins) */
	c.blob_verdict = EINVAL;
	EXPECT(&c, "IPECTL-K-EINVAL-POLICY", "invalid value");
	/* activate: lower version than the active one, naming both */
	memset(&c, 0, sizeof(c));
	c.op = IPE_CTL_OP_ACTIVATE;
	c.stage = IPE_CTL_STAGE_WRITE;
	c.err = EINVAL;
	c.name = "newpol";
	c.cur_version = cv;
	c.active_name = "prod";
	c.active_version = av;
	c.blob_verdict = c.cms_err = c.have_cap = c.target_active = -1;
	EXPECT(&c, "IPECTL-K-EINVAL-ACTIVATE", "\"newpol\" 1.0.0 was refused: the active policy \"prod\" has the higher version 5.0.0");
	/* enforce: bad value */
	c.op = IPE_CTL_OP_ENFORCE;
	c.value = "maybe";
	c.node = "/x/ipe/enforce";
	EXPECT(&c, "IPECTL-K-EINVAL-VALUE", "\"maybe\" written to /x/ipe/enforce");
}

static void test_explain_blob_errors(void **state)
{
	uint16_t bv[3] = { 1, 2, 3 }, cv[3] = { 1, 2, 3 };
	struct ipe_ctl_errctx c = { .op = IPE_CTL_OP_LOAD, .stage = IPE_CTL_STAGE_WRITE,
				    .blob_name = "p", .blob_version = bv, .cur_version = cv,
				    .blob_verdict = 0, .cms_err = 0, .have_cap = 1, .target_active = -1 };

	(void)state;
	c.err = EEXIST;
	EXPECT(&c, "IPECTL-K-EEXIST", "\"p\" is already loaded (version 1.2.3)");
	c.err = ENOKEY;
	EXPECT(&c, "IPECTL-K-ENOKEY", "\"p\" 1.2.3");
	c.err = EKEYREJECTED;
	EXPECT(&c, "IPECTL-K-EKEYREJECTED", "S/MIME capabilities");
	c.cms_err = EKEYREJECTED;
	c.detail = "the signature is detached";
	EXPECT(&c, "IPECTL-K-EKEYREJECTED", "rejected the signature: the signature is detached");
	c.detail = NULL;
	c.cms_err = 0;
	c.err = ENOPKG;
	EXPECT(&c, "IPECTL-K-ENOPKG", "RSA-PSS");
	c.err = EBADMSG;
	EXPECT(&c, "IPECTL-K-EBADMSG", "PEM");
	c.blob_verdict = EBADMSG;
	EXPECT(&c, "IPECTL-K-EBADMSG-POLICY", "malformed");
	c.err = EMSGSIZE;
	c.blob_len = 70000;
	EXPECT(&c, "IPECTL-K-EMSGSIZE", "70000 bytes");
	c.err = ENAMETOOLONG;
	EXPECT(&c, "IPECTL-K-ENAMETOOLONG", "255");
	c.err = EACCES;
	EXPECT(&c, "IPECTL-K-EACCES-NAME", "\"..\"");
	c.stage = IPE_CTL_STAGE_OPEN;
	c.node = "/s/ipe/new_policy";
	EXPECT(&c, "IPECTL-K-EACCES-OPEN", "permission denied opening /s/ipe/new_policy");
	c.err = ENOENT;
	EXPECT(&c, "IPECTL-K-NOIPE", "IPE is not enabled");
	/* update ESTALE names both versions */
	c.op = IPE_CTL_OP_UPDATE;
	c.stage = IPE_CTL_STAGE_WRITE;
	c.name = "p";
	c.err = ESTALE;
	EXPECT(&c, "IPECTL-K-ESTALE", "its version 1.2.3 is not greater than the loaded 1.2.3");
	/* ENOENT on a named policy */
	c.op = IPE_CTL_OP_ACTIVATE;
	c.stage = IPE_CTL_STAGE_OPEN;
	c.err = ENOENT;
	EXPECT(&c, "IPECTL-K-NOPOLICY", "no policy named \"p\"");
	/* anything unknown still explains itself with the errno name */
	c.stage = IPE_CTL_STAGE_WRITE;
	c.err = EXDEV;
	EXPECT(&c, "IPECTL-K-OTHER", strerror(EXDEV));
	EXPECT(&c, "IPECTL-K-OTHER", "/s/ipe/new_policy");
}

static void test_explain_escapes_names(void **state)
{
	struct ipe_ctl_errctx c = { .op = IPE_CTL_OP_ACTIVATE, .stage = IPE_CTL_STAGE_OPEN, .err = ENOENT,
				    .name = "a\nb\x01", .blob_verdict = -1, .cms_err = -1, .have_cap = -1,
				    .target_active = -1 };

	(void)state;
	EXPECT(&c, "IPECTL-K-NOPOLICY", "\"a\\x0ab\\x01\"");
}

static void test_table_well_formed(void **state)
{
	size_t n, i;
	const struct ipe_ctl_errno_entry *t = ipe_ctl_errno_table(&n);

	(void)state;
	assert_true(n > 20);
	for (i = 0; i < n; i++) {
		assert_non_null(t[i].code);
		assert_true(strncmp(t[i].code, "IPECTL-", 7) == 0);
		assert_non_null(t[i].what);
		assert_non_null(t[i].todo);
		assert_true(t[i].todo[0] != '\0');
	}
	/* the last row is the catch-all */
	assert_int_equal(t[n - 1].err, 0);
	assert_int_equal(t[n - 1].ops, 0);
}

/* ---- status against a fake tree --------------------------------------- */

static void test_status_fake_tree(void **state)
{
	size_t blen;
	uint8_t *blob = sign_text(P1, 0, &blen), dg[32];
	char *dir = fake_tree(blob, blen);
	struct ipe_ctl_status *st = NULL;
	const struct ipe_ctl_policy *p;
	unsigned int dlen;

	(void)state;
	assert_int_equal(ipe_ctl_status_read(dir, &st), 0);
	assert_true(st->lsm_known);
	assert_true(st->lsm_listed);
	assert_true(st->tree_present);
	assert_int_equal(st->enforce, 1);
	assert_int_equal(st->success_audit, 0);
	assert_int_equal(st->npolicies, 2);
	assert_string_equal(st->policies[0].name, "boot"); /* sorted */
	p = ipe_ctl_status_active(st);
	assert_non_null(p);
	assert_string_equal(p->name, "boot");
	assert_false(p->is_signed);
	assert_int_equal(p->version[2], 1);
	p = ipe_ctl_status_find(st, "old");
	assert_non_null(p);
	assert_true(p->is_signed);
	assert_int_equal(p->active, 0);
	assert_int_equal(p->version[0], 2);
	assert_int_equal(p->pkcs7_len, blen);
	assert_true(EVP_Digest(blob, blen, dg, &dlen, EVP_sha256(), NULL));
	assert_memory_equal(p->digest, dg, 32);
	ipe_ctl_status_free(st);

	/* unreadable nodes and a garbage version are recorded, not fatal */
	puts_(dir, "ipe/policies/old/version", "2.x.0");
	puts_(dir, "lsm", "capability,selinux\n");
	assert_int_equal(ipe_ctl_status_read(dir, &st), 0);
	assert_false(st->lsm_listed);
	p = ipe_ctl_status_find(st, "old");
	assert_false(p->version_known);
	assert_int_equal(p->read_err, EBADMSG);
	ipe_ctl_status_free(st);

	/* no ipe/ at all */
	rm_rf(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(ipe_ctl_status_read(dir, &st), 0);
	assert_false(st->tree_present);
	assert_false(st->lsm_known);
	assert_null(ipe_ctl_status_active(st));
	ipe_ctl_status_free(st);
	rm_rf(dir);
	free(dir);
	free(blob);
}

static void test_plan_load(void **state)
{
	size_t blen;
	uint8_t *blob = sign_text(P1, 0, &blen), dg[32], other[32];
	char *dir = fake_tree(blob, blen);
	struct ipe_ctl_status *st = NULL;
	uint16_t v1[3] = { 1, 0, 0 }, v2[3] = { 2, 0, 0 }, v3[3] = { 2, 0, 1 };
	unsigned int dlen;

	(void)state;
	assert_true(EVP_Digest(blob, blen, dg, &dlen, EVP_sha256(), NULL));
	memset(other, 0x55, sizeof(other));
	assert_int_equal(ipe_ctl_status_read(dir, &st), 0);
	assert_int_equal(ipe_ctl_plan_load(st, "new", v1, other), IPE_CTL_PLAN_LOAD);
	assert_int_equal(ipe_ctl_plan_load(st, "old", v2, dg), IPE_CTL_PLAN_UNCHANGED);
	assert_int_equal(ipe_ctl_plan_load(st, "old", v3, other), IPE_CTL_PLAN_UPDATE);
	assert_int_equal(ipe_ctl_plan_load(st, "old", v2, other), IPE_CTL_PLAN_REFUSE);
	assert_int_equal(ipe_ctl_plan_load(st, "old", v1, other), IPE_CTL_PLAN_REFUSE);
	/* the unsigned boot policy can be updated by a higher version */
	assert_int_equal(ipe_ctl_plan_load(st, "boot", v1, other), IPE_CTL_PLAN_UPDATE);
	ipe_ctl_status_free(st);
	rm_rf(dir);
	free(dir);
	free(blob);
}

/* ---- blob inspection ---------------------------------------------------- */

static struct ipe_ctl_blob *blob_of(struct ipe_ctx *ctx, const void *d, size_t n)
{
	struct ipe_ctl_blob *b = NULL;

	assert_int_equal(ipe_ctl_blob_new(ctx, "t.p7b", d, n, &b), 0);
	assert_non_null(b);
	return b;
}

static void test_blob_inspect(void **state)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_ctl_blob *b;
	const char *name;
	const uint16_t *ver;
	size_t n;
	uint8_t *d;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	d = sign_text(P1, 0, &n);
	b = blob_of(ctx, d, n);
	assert_int_equal(b->cms_err, 0);
	assert_int_equal(b->content_len, strlen(P1));
	assert_memory_equal(b->content, P1, strlen(P1));
	assert_true(ipe_ctl_blob_header(b, &name, &ver));
	assert_string_equal(name, "p1");
	assert_int_equal(ver[0], 1);
	assert_int_equal(ipe_policy_verdict(b->policy)->err, 0);
	ipe_ctl_blob_free(b);
	free(d);

	/* detached: EKEYREJECTED */
	d = sign_text(P1, CMS_DETACHED, &n);
	b = blob_of(ctx, d, n);
	assert_int_equal(b->cms_err, EKEYREJECTED);
	assert_non_null(strstr(b->cms_why, "detached"));
	ipe_ctl_blob_free(b);
	free(d);

	/* a policy the kernel refuses: verdict carried */
	d = sign_text("policy_name=x policy_version=1.0.0\nop=EXECUTE action=ALLOW\n", 0, &n);
	b = blob_of(ctx, d, n);
	assert_int_equal(b->cms_err, 0);
	assert_int_equal(ipe_policy_verdict(b->policy)->err, EBADMSG);
	ipe_ctl_blob_free(b);
	free(d);

	/* PEM, garbage, empty, indefinite length */
	b = blob_of(ctx, "-----BEGIN PKCS7-----\n", 22);
	assert_int_equal(b->cms_err, EBADMSG);
	assert_non_null(strstr(b->cms_why, "PEM"));
	ipe_ctl_blob_free(b);
	b = blob_of(ctx, "hello", 5);
	assert_int_equal(b->cms_err, EBADMSG);
	assert_null(b->policy);
	ipe_ctl_blob_free(b);
	b = blob_of(ctx, "", 0);
	assert_int_equal(b->cms_err, EBADMSG);
	ipe_ctl_blob_free(b);
	/* a cut-off streamed header: the kernel's ASN.1 decoder runs out of data */
	b = blob_of(ctx, "\x30\x80\x06\x09", 4);
	assert_int_equal(b->cms_err, EBADMSG);
	ipe_ctl_blob_free(b);
	/* a whole streamed blob: EKEYREJECTED (IPE-KERNEL.md section 3) */
	d = sign_text_streamed(P1, &n);
	b = blob_of(ctx, d, n);
	assert_int_equal(b->cms_err, EKEYREJECTED);
	ipe_ctl_blob_free(b);
	free(d);
	/* truncated DER */
	d = sign_text(P1, 0, &n);
	b = blob_of(ctx, d, n / 2);
	assert_int_equal(b->cms_err, EBADMSG);
	ipe_ctl_blob_free(b);
	free(d);
	ipe_ctx_free(ctx);
}

/* ---- preflight ---------------------------------------------------------- */

/* codes: one code or several separated by '|' */
static bool has_diag(struct ipe_ctx *ctx, const char *codes, int err)
{
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);
		size_t n = strlen(d->code);

		for (const char *c = codes; c; c = strchr(c, '|') ? strchr(c, '|') + 1 : NULL)
			if (strncmp(c, d->code, n) == 0 && (c[n] == '|' || c[n] == '\0') &&
			    d->kernel_errno == err)
				return true;
	}
	return false;
}

static int preflight(const char *dir, enum ipe_ctl_op op, const char *target, const char *text,
		     unsigned flags, const char *want_code, int want_err)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_ctl_status *st = NULL;
	struct ipe_ctl_blob *b = NULL;
	uint8_t *d = NULL;
	size_t n = 0;
	int rc;

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_ctl_status_read(dir, &st), 0);
	if (text) {
		d = sign_text(text, 0, &n);
		b = blob_of(ctx, d, n);
	}
	rc = ipe_ctl_preflight(ctx, op, st, target, b,
			       flags | IPE_CTL_PF_NO_KEYRING | IPE_CTL_PF_NO_CAPS);
	if (want_code) {
		if (!has_diag(ctx, want_code, want_err))
			fail_msg("no %s diagnostic with errno %d (rc %d)", want_code, want_err, rc);
		assert_int_equal(rc, -want_err);
	} else {
		for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
			if (ipe_ctx_diag(ctx, i)->severity == IPE_SEV_ERROR)
				fail_msg("unexpected %s: %s", ipe_ctx_diag(ctx, i)->code,
					 ipe_ctx_diag(ctx, i)->message);
		assert_int_equal(rc, 0);
	}
	ipe_ctl_blob_free(b);
	ipe_ctl_status_free(st);
	ipe_ctx_free(ctx);
	free(d);
	return rc;
}

static void test_preflight(void **state)
{
	size_t blen;
	uint8_t *blob = sign_text(P1, 0, &blen);
	char *dir = fake_tree(blob, blen);
	const char *old_same = "policy_name=old policy_version=2.0.0\nDEFAULT action=DENY\n";
	const char *old_up = "policy_name=old policy_version=2.0.1\nDEFAULT action=DENY\n";

	(void)state;
	preflight(dir, IPE_CTL_OP_LOAD, NULL, P1, 0, NULL, 0);
	preflight(dir, IPE_CTL_OP_LOAD, NULL, old_up, 0, "IPECTL-P005", EEXIST);
	preflight(dir, IPE_CTL_OP_LOAD, NULL, "policy_name=.. policy_version=1.0.0\nDEFAULT action=ALLOW\n",
		  0, "IPECTL-P003|IPECTL-P004", EACCES); /* the front end may already judge the name */
	preflight(dir, IPE_CTL_OP_LOAD, NULL, "policy_name=x policy_version=1.0.0\n", 0, "IPECTL-P003",
		  EBADMSG);
	preflight(dir, IPE_CTL_OP_UPDATE, "old", old_up, 0, NULL, 0);
	preflight(dir, IPE_CTL_OP_UPDATE, "old", old_same, 0, "IPECTL-P007", ESTALE);
	preflight(dir, IPE_CTL_OP_UPDATE, "old", P1, 0, "IPECTL-P006", EINVAL);
	preflight(dir, IPE_CTL_OP_UPDATE, "nope", P1, 0, "IPECTL-P010", ENOENT);
	preflight(dir, IPE_CTL_OP_DELETE, "boot", NULL, 0, "IPECTL-P009", EPERM);
	preflight(dir, IPE_CTL_OP_DELETE, "old", NULL, 0, NULL, 0);
	preflight(dir, IPE_CTL_OP_ACTIVATE, "old", NULL, 0, NULL, 0);
	/* make old active (2.0.0): boot 0.0.1 can no longer be activated */
	puts_(dir, "ipe/policies/boot/active", "0");
	puts_(dir, "ipe/policies/old/active", "1");
	preflight(dir, IPE_CTL_OP_ACTIVATE, "boot", NULL, 0, "IPECTL-P008", EINVAL);
	/* load --activate of a lower version is refused before loading */
	preflight(dir, IPE_CTL_OP_LOAD, NULL, P1, IPE_CTL_PF_ACTIVATE, "IPECTL-P008", EINVAL);
	preflight(dir, IPE_CTL_OP_LOAD, NULL, P1, 0, NULL, 0);
	/* the keyring check: a throw-away self-signed key is never trusted, so
	 * either the kernel's keyrings are visible and the preflight predicts
	 * ENOKEY, or they are not and it warns that it could not check */
	{
		struct ipe_ctx *ctx = NULL;
		struct ipe_ctl_status *st = NULL;
		struct ipe_ctl_blob *b;
		int rc;

		assert_int_equal(ipe_ctx_new(&ctx), 0);
		assert_int_equal(ipe_ctl_status_read(dir, &st), 0);
		b = blob_of(ctx, blob, blen);
		rc = ipe_ctl_preflight(ctx, IPE_CTL_OP_LOAD, st, NULL, b, IPE_CTL_PF_NO_CAPS);
		if (rc == 0) {
			bool warned = false;

			for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
				if (strcmp(ipe_ctx_diag(ctx, i)->code, "IPECTL-P014") == 0 &&
				    ipe_ctx_diag(ctx, i)->severity == IPE_SEV_WARNING)
					warned = true;
			assert_true(warned);
		} else {
			assert_true(rc == -ENOKEY || rc == -EKEYREJECTED);
			assert_true(has_diag(ctx, "IPECTL-P012", -rc));
		}
		ipe_ctl_blob_free(b);
		ipe_ctl_status_free(st);
		ipe_ctx_free(ctx);
	}
	/* no tree */
	rm_rf(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	preflight(dir, IPE_CTL_OP_LOAD, NULL, P1, 0, "IPECTL-P000", ENOENT);
	rm_rf(dir);
	free(dir);
	free(blob);
}

/* ---- operations on a fake tree (mechanics only, no kernel errnos) ------ */

static void test_ops_fake_tree(void **state)
{
	size_t blen;
	uint8_t *blob = sign_text(P1, 0, &blen);
	char *dir = fake_tree(blob, blen);
	struct ipe_ctx *ctx = NULL;
	struct ipe_ctl_opts o = { .pf_flags = IPE_CTL_PF_NO_KEYRING | IPE_CTL_PF_NO_CAPS };
	struct ipe_ctl_result r = { 0 };
	struct ipe_ctl_blob *b = NULL;
	char path[4096];
	uint8_t *d = NULL;
	size_t n = 0;

	(void)state;
	o.root = dir;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	/* the same blob as "old"... is named p1 inside: load plans a new load;
	 * the fake tree takes the write but shows no new directory: verify fails */
	b = blob_of(ctx, blob, blen);
	assert_int_not_equal(ipe_ctl_load(ctx, &o, b, &r), 0);
	assert_int_equal(r.outcome, IPE_CTL_FAIL_VERIFY);
	assert_int_equal(ipe_ctl_result_exit_code(&r), 6);
	/* exactly the blob went into new_policy, in one piece */
	snprintf(path, sizeof(path), "%s/ipe/new_policy", dir);
	assert_int_equal(ipe_read_file(path, 0, &d, &n), 0);
	assert_int_equal(n, blen);
	assert_memory_equal(d, blob, blen);
	free(d);
	ipe_ctl_result_clear(&r);
	ipe_ctl_blob_free(b);

	/* activate writes "1" and confirms by reading back */
	assert_int_equal(ipe_ctl_activate(ctx, &o, "old", &r), 0);
	assert_int_equal(r.outcome, IPE_CTL_OK);
	assert_string_equal(r.action, "activated");
	ipe_ctl_result_clear(&r);
	/* delete of the active policy: refused by the preflight, nothing written */
	assert_int_equal(ipe_ctl_delete(ctx, &o, "old", &r), -EPERM);
	assert_int_equal(r.outcome, IPE_CTL_FAIL_PREFLIGHT);
	assert_int_equal(ipe_ctl_result_exit_code(&r), 4);
	assert_string_equal(r.code, "IPECTL-P009");
	snprintf(path, sizeof(path), "%s/ipe/policies/old/delete", dir);
	assert_int_equal(ipe_read_file(path, 0, &d, &n), 0);
	assert_int_equal(n, 0);
	free(d);
	ipe_ctl_result_clear(&r);
	/* switches */
	assert_int_equal(ipe_ctl_set_switch(ctx, &o, IPE_CTL_OP_AUDIT, true, &r), 0);
	ipe_ctl_result_clear(&r);
	snprintf(path, sizeof(path), "%s/ipe/success_audit", dir);
	assert_int_equal(ipe_read_file(path, 0, &d, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(d[0], '1');
	free(d);
	/* a missing node: ENOENT at open, explained */
	snprintf(path, sizeof(path), "%s/ipe/enforce", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_not_equal(ipe_ctl_set_switch(ctx, &o, IPE_CTL_OP_ENFORCE, false, &r), 0);
	assert_int_equal(r.err, ENOENT);
	assert_int_equal(r.outcome, IPE_CTL_FAIL_UNAVAILABLE);
	assert_non_null(strstr(r.what, "enforce"));
	ipe_ctl_result_clear(&r);
	ipe_ctx_free(ctx);
	rm_rf(dir);
	free(dir);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_rule_update),
		cmocka_unit_test(test_rule_activate),
		cmocka_unit_test(test_rule_name),
		cmocka_unit_test(test_explain_eperm),
		cmocka_unit_test(test_explain_einval),
		cmocka_unit_test(test_explain_blob_errors),
		cmocka_unit_test(test_explain_escapes_names),
		cmocka_unit_test(test_table_well_formed),
		cmocka_unit_test(test_status_fake_tree),
		cmocka_unit_test(test_plan_load),
		cmocka_unit_test(test_blob_inspect),
		cmocka_unit_test(test_preflight),
		cmocka_unit_test(test_ops_fake_tree),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	EVP_PKEY_free(test_key);
	X509_free(test_cert);
	return rc;
}
