/* SPDX-License-Identifier: MIT */
/* ipe_compile() (src/pipeline/) and the source loader (src/source/): the
 * library pipeline ipe-compile is built on, and the options contract. */
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

#include <ipe/binary.h>
#include <ipe/compile.h>
#include <ipe/io.h>
#include <ipe/lint.h>
#include <ipe/opt.h>
#include <ipe/pipeline.h>
#include <ipe/policy.h>
#include <ipe/sign.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* An in-memory file table for ipe_source_opts.read_file. */
struct file {
	const char *path, *text;
};

static const struct file files[] = {
	{ "dir/common.pol", "DEFAULT action=DENY\n" },
	{ "dir/digests.txt", "sha256:00112233 a\nsha256:44556677 b\n" },
	{ "dir/self.pol", "include \"self.pol\"\n" },
};

static int table_read(void *arg, const char *path, uint8_t **ret_data, size_t *ret_len)
{
	int *nreads = arg;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(files[i].path, path) == 0) {
			*ret_data = (uint8_t *)strdup(files[i].text);
			*ret_len = strlen(files[i].text);
			(*nreads)++;
			return *ret_data ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static const char source[] = "policy_name=demo policy_version=1.2.3\n"
			     "include \"common.pol\"\n"
			     "set S from \"digests.txt\"\n"
			     "op=EXECUTE,KMODULE fsverity_digest in @S action=ALLOW\n";

static const char expected[] = "policy_name=demo policy_version=1.2.3\n"
			       "DEFAULT action=DENY\n"
			       "op=EXECUTE fsverity_digest=sha256:00112233 action=ALLOW\n"
			       "op=EXECUTE fsverity_digest=sha256:44556677 action=ALLOW\n"
			       "op=KMODULE fsverity_digest=sha256:00112233 action=ALLOW\n"
			       "op=KMODULE fsverity_digest=sha256:44556677 action=ALLOW\n";

struct events {
	int checked, emitting;
	int order; /* 1 = CHECKED came before EMITTING */
};

static int on_progress(void *arg, struct ipe_ctx *ctx, enum ipe_compile_event ev, const struct ipe_compile_result *r)
{
	struct events *e = arg;

	(void)ctx;
	assert_non_null(r->policy);
	if (ev == IPE_COMPILE_EVENT_CHECKED) {
		e->checked++;
	} else {
		e->emitting++;
		e->order = e->checked == 1;
	}
	return 0;
}

static int run(const char *text, const struct ipe_compile_opts *o, struct ipe_ctx **ret_ctx,
	       struct ipe_compile_result **ret)
{
	uint32_t src;

	assert_int_equal(ipe_ctx_new(ret_ctx), 0);
	assert_int_equal(ipe_source_from_memory(*ret_ctx, "dir/main.pol", text, strlen(text), true, &src), 0);
	return ipe_compile(*ret_ctx, src, o, ret);
}

static void test_text(void **state)
{
	int nreads = 0;
	struct ipe_source_opts so = { .read_file = table_read, .read_file_arg = &nreads };
	struct events ev = { 0 };
	struct ipe_compile_opts o = { .version = IPE_COMPILE_OPTS_V1, .source = &so, .fail_on = IPE_SEV_ERROR,
				      .progress = on_progress, .progress_arg = &ev };
	struct ipe_compile_result *r = NULL;
	struct ipe_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(run(source, &o, &ctx, &r), 0);
	assert_int_equal(r->stage, IPE_COMPILE_STAGE_DONE);
	assert_int_equal(nreads, 2); /* the loader read each file once */
	assert_int_equal(r->output_len, strlen(expected));
	assert_memory_equal(r->output, expected, r->output_len);
	assert_int_equal(ev.checked, 1);
	assert_int_equal(ev.emitting, 1);
	assert_int_equal(ev.order, 1);
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
}

static void test_binary_and_overrides(void **state)
{
	int nreads = 0;
	struct ipe_source_opts so = { .read_file = table_read, .read_file_arg = &nreads };
	const uint16_t v[3] = { 7, 0, 1 };
	struct ipe_compile_opts o = { .source = &so, .fail_on = IPE_SEV_ERROR, .format = IPE_COMPILE_BINARY,
				      .name = "renamed", .policy_version = v };
	struct ipe_compile_result *r = NULL, *r2 = NULL;
	struct ipe_ctx *ctx = NULL;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(run(source, &o, &ctx, &r), 0);
	/* decompile it again (ipe-compile --decompile) */
	o.format = IPE_COMPILE_TEXT;
	o.name = NULL;
	o.policy_version = NULL;
	assert_int_equal(ipe_compile_binary(ctx, r->output, r->output_len, &o, &r2), 0);
	assert_int_equal(ipe_policy_emit_canonical(r2->policy, &text, &len), 0);
	assert_int_equal(r2->output_len, len);
	assert_memory_equal(r2->output, text, len);
	assert_non_null(strstr(text, "policy_name=renamed policy_version=7.0.1\n"));
	free(text);
	ipe_compile_result_free(r2);
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
}

static void test_findings_stop(void **state)
{
	struct ipe_compile_opts o = { .fail_on = IPE_SEV_ERROR };
	struct ipe_compile_result *r = NULL;
	struct ipe_ctx *ctx = NULL;

	(void)state;
	/* no DEFAULT: the kernel rejects it */
	assert_int_equal(run("policy_name=a policy_version=1.0.0\nop=EXECUTE action=ALLOW\n", &o, &ctx, &r), -EBADMSG);
	assert_int_equal(r->stage, IPE_COMPILE_STAGE_FINDINGS);
	assert_true(r->nfindings >= 1);
	assert_null(r->output);
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
	/* an include cycle, through the file table */
	{
		int nreads = 0;
		struct ipe_source_opts so = { .read_file = table_read, .read_file_arg = &nreads };

		o.source = &so;
		assert_int_equal(run("policy_name=a policy_version=1.0.0\nDEFAULT action=DENY\ninclude \"self.pol\"\n", &o,
				     &ctx, &r),
				 -EBADMSG);
		assert_int_equal(r->stage, IPE_COMPILE_STAGE_FINDINGS);
		assert_int_equal(ipe_policy_verdict(r->policy)->err, EBADMSG);
		assert_string_equal(ipe_policy_verdict(r->policy)->code, "IPE-E101");
		ipe_compile_result_free(r);
		ipe_ctx_free(ctx);
	}
}

static void test_optimize(void **state)
{
	struct ipe_compile_opts o = { .fail_on = IPE_SEV_ERROR, .no_lint = true, .optimize = IPE_OPT_ALL };
	struct ipe_compile_result *r = NULL;
	struct ipe_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(run("policy_name=a policy_version=1.0.0\nDEFAULT action=DENY\n"
			     "op=EXECUTE boot_verified=TRUE action=ALLOW\nop=EXECUTE boot_verified=TRUE action=ALLOW\n",
			     &o, &ctx, &r),
			 0);
	assert_int_equal(r->opt_removed[IPE_OPT_DUPLICATES], 1);
	assert_true(r->opt_len_after < r->opt_len_before);
	assert_int_equal(r->output_len, r->opt_len_after);
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
}

/* version 0 or V1, reserved zero: everything else is refused. */
static void test_opts_contract(void **state)
{
	struct ipe_source_opts so = { 0 };
	struct ipe_compile_opts o = { .fail_on = IPE_SEV_ERROR };
	struct ipe_output_opts oo = { .version = 2 };
	struct ipe_compile_result *r = NULL;
	struct ipe_policy *p = NULL;
	struct ipe_ctx *ctx = NULL;
	const char *ok = "policy_name=a policy_version=1.0.0\nDEFAULT action=DENY\n";
	uint32_t src;

	(void)state;
	o.version = 2;
	assert_int_equal(run(ok, &o, &ctx, &r), -EINVAL);
	assert_int_equal(r->stage, IPE_COMPILE_STAGE_PARSE);
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
	o.version = 0;
	o.reserved[3] = 1;
	assert_int_equal(run(ok, &o, &ctx, &r), -EINVAL);
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
	o.reserved[3] = 0;
	o.format = IPE_COMPILE_SIGNED; /* without sign options */
	assert_int_equal(run(ok, &o, &ctx, &r), -EINVAL);
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "x", ok, strlen(ok), true, &src), 0);
	so.reserved[0] = 1;
	assert_int_equal(ipe_policy_parse_source(ctx, src, &so, &p), -EINVAL);
	so.reserved[0] = 0;
	so.version = IPE_SOURCE_OPTS_V1 + 1;
	assert_int_equal(ipe_policy_parse_source(ctx, src, &so, &p), -EINVAL);
	so.version = IPE_SOURCE_OPTS_V1;
	assert_int_equal(ipe_policy_parse_source(ctx, src, &so, &p), 0);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);

	assert_int_equal(ipe_output_check("-", &oo, NULL), -EINVAL);
	oo.version = IPE_OUTPUT_OPTS_V1;
	assert_int_equal(ipe_output_check("-", &oo, NULL), 0);
}

/* The header helpers ipe_compile() is made of, as a library user calls them. */
static void test_header_helpers(void **state)
{
	const char *old = "policy_name=prod policy_version=1.2.65535\nDEFAULT action=DENY\n";
	const uint16_t top[3] = { 65535, 65535, 65535 }, v[3] = { 3, 0, 0 };
	uint16_t got[3], next[3];
	struct ipe_ctx *ctx = NULL;
	struct ipe_compile_opts o = { .fail_on = IPE_SEV_ERROR, .no_lint = true };
	struct ipe_compile_result *r = NULL;
	char *name = NULL;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_policy_header_from_blob(ctx, "old.pol", old, strlen(old), &name, got), 0);
	assert_string_equal(name, "prod");
	assert_int_equal(got[2], 65535);
	assert_int_equal(ipe_version_next(got, next), 0);
	assert_int_equal(next[0], 1);
	assert_int_equal(next[1], 3);
	assert_int_equal(next[2], 0);
	assert_int_equal(ipe_version_next(top, next), -ERANGE);
	free(name);
	name = NULL;
	/* no header: one IPE-E140 diagnostic */
	assert_int_equal(ipe_policy_header_from_blob(ctx, "junk", "x y\n", 4, &name, got), -EBADMSG);
	assert_null(name);
	assert_int_equal(ipe_ctx_diag_count(ctx), 1);
	assert_string_equal(ipe_ctx_diag(ctx, 0)->code, "IPE-E140");
	ipe_ctx_free(ctx);

	assert_int_equal(run("policy_name=a policy_version=1.0.0\nDEFAULT action=DENY\n", &o, &ctx, &r), 0);
	assert_int_equal(ipe_policy_set_name(r->policy, "a/b", 3), -EINVAL);
	assert_string_equal(ipe_policy_name(r->policy, NULL), "a");
	assert_int_equal(ipe_policy_set_name(r->policy, "renamed", 7), 0);
	ipe_policy_set_version(r->policy, v);
	{
		char *text = NULL;
		size_t len = 0;

		assert_int_equal(ipe_policy_emit_canonical(r->policy, &text, &len), 0);
		assert_string_equal(text, "policy_name=renamed policy_version=3.0.0\nDEFAULT action=DENY\n");
		free(text);
	}
	ipe_compile_result_free(r);
	ipe_ctx_free(ctx);
}

/* Reading inputs and building diagnostics, as a library user does. */
static void test_io_and_diag(void **state)
{
	char path[] = "/tmp/ipe-test-pipeline-XXXXXX";
	const char *text = "policy_name=a policy_version=1.0.0\n";
	struct ipe_loc loc = { .line = 1, .col = 1, .len = 3 };
	struct ipe_ctx *ctx = NULL;
	struct ipe_diag *d;
	uint8_t *data = NULL;
	size_t len = 0;
	uint32_t src;
	int fd = mkstemp(path), in = -1;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(ipe_input_open(path, &in), 0);
	assert_int_equal(ipe_read_fd(in, 0, &data, &len), 0);
	close(in);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(data, text, len);
	assert_int_equal(data[len], 0); /* one NUL after the data */
	free(data);
	assert_int_equal(ipe_input_open("/", &in), -EISDIR);

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_file_max(ctx, path, 8, &src), -EFBIG);
	assert_int_equal(ipe_source_from_file_max(ctx, path, 0, &src), 0);
	loc.src = src;
	d = ipe_diag_add(ctx, "IPE-X999", IPE_SEV_WARNING, &loc, "old hint", "a note");
	assert_non_null(d);
	assert_int_equal(ipe_diag_set_hint(d, "new hint %d", 2), 0);
	assert_int_equal(ipe_diag_add_related(ctx, d, &loc, "related %s", "here"), 0);
	d = (struct ipe_diag *)ipe_ctx_diag(ctx, 0);
	assert_string_equal(d->hint, "new hint 2");
	assert_int_equal(d->nrelated, 1);
	assert_string_equal(d->related[0].message, "related here");
	ipe_ctx_free(ctx);
	unlink(path);
}

/* ---- ipe_policy_load_file(): ipe-check's input step ---- */

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A throwaway RSA key and self-signed certificate, PEM, in dir. */
static void make_key(const char *dir)
{
	char path[512];
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *f;

	assert_non_null(key);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	n = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"loadtest", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, n), 1);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(key);
}

static bool has_diag(const struct ipe_ctx *ctx, const char *code, enum ipe_severity sev)
{
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
		if (strcmp(ipe_ctx_diag(ctx, i)->code, code) == 0 && ipe_ctx_diag(ctx, i)->severity == sev)
			return true;
	return false;
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/ipe-test-load-XXXXXX", path[512], keyp[512], certp[512];
	static const char text[] = "policy_name=t policy_version=0.0.1\nDEFAULT action=ALLOW\n";
	static const char src[] = "policy_name=s policy_version=1.2.3\n"
				  "include \"common.pol\"\n"
				  "set S from \"digests.txt\"\n"
				  "op=EXECUTE,KMODULE fsverity_digest in @S action=ALLOW\n";
	static const unsigned char garbage[] = "\x30\x82\x00\x10garbagegarbage!!";
	struct ipe_load_opts as_source = { .flags = IPE_LOAD_AS_SOURCE };
	struct ipe_load_opts bad = { .reserved = { [3] = 1 } };
	struct ipe_sign_opts so = { 0 };
	struct ipe_load_result r;
	struct ipe_ctx *ctx = NULL;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	size_t name_len;
	char *signer = NULL;
	const char *name;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "text.pol", text, strlen(text));
	write_file(dir, "src.pol", src, strlen(src));
	write_file(dir, "common.pol", "DEFAULT action=DENY\n", 20);
	write_file(dir, "digests.txt", "sha256:00112233 a\n", 18);
	write_file(dir, "garbage.der", garbage, sizeof(garbage) - 1);
	make_key(dir);
	snprintf(keyp, sizeof(keyp), "%s/key.pem", dir);
	snprintf(certp, sizeof(certp), "%s/cert.pem", dir);
	so.key = keyp;
	so.cert = certp;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_sign_policy(ctx, &so, text, strlen(text), &blob, &blob_len), 0);
	write_file(dir, "text.p7b", blob, blob_len);
	assert_int_equal(ipe_blob_signer_text(ctx, blob, blob_len, &signer), 0); /* what the note names */
	assert_non_null(strstr(signer, "loadtest"));
	free(blob);
	ipe_ctx_free(ctx);

	/* kernel text */
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	snprintf(path, sizeof(path), "%s/text.pol", dir);
	assert_int_equal(ipe_policy_load_file(ctx, path, NULL, &r), 0);
	assert_int_equal(r.kind, IPE_LOAD_TEXT);
	assert_int_equal(r.failed, IPE_LOAD_FAILED_NONE);
	assert_non_null(r.policy);
	assert_null(r.compiled);
	assert_int_equal(r.blob_len, 0);
	assert_int_equal(ipe_policy_verdict(r.policy)->err, 0);
	assert_string_equal(ipe_source_name(ipe_ctx_source(ctx, r.src)), path);
	ipe_load_result_clear(&r);
	assert_null(r.policy);
	assert_int_equal(r.src, IPE_SRC_NONE);
	ipe_ctx_free(ctx);

	/* a signed blob: its signed content, with the size note */
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	snprintf(path, sizeof(path), "%s/text.p7b", dir);
	assert_int_equal(ipe_policy_load_file(ctx, path, NULL, &r), 0);
	assert_int_equal(r.kind, IPE_LOAD_BLOB);
	assert_int_equal(r.blob_len, blob_len);
	assert_int_equal(ipe_policy_verdict(r.policy)->err, 0);
	name = ipe_policy_name(r.policy, &name_len);
	assert_int_equal(name_len, 1);
	assert_memory_equal(name, "t", 1);
	assert_true(has_diag(ctx, "IPE-S030", IPE_SEV_NOTE));
	assert_false(has_diag(ctx, "IPE-S030", IPE_SEV_ERROR));
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
		if (strcmp(ipe_ctx_diag(ctx, i)->code, "IPE-S030") == 0)
			assert_non_null(strstr(ipe_ctx_diag(ctx, i)->message, signer));
	free(signer);
	assert_non_null(strstr(ipe_source_name(ipe_ctx_source(ctx, r.src)), "text.p7b (signed content)"));
	ipe_load_result_clear(&r);
	ipe_ctx_free(ctx);

	/* a source, as asked */
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	snprintf(path, sizeof(path), "%s/src.pol", dir);
	assert_int_equal(ipe_policy_load_file(ctx, path, &as_source, &r), 0);
	assert_int_equal(r.kind, IPE_LOAD_SOURCE);
	assert_int_equal(ipe_policy_verdict(r.policy)->err, 0);
	assert_int_equal(ipe_policy_nrules(r.policy), 2);
	assert_null(r.compiled);
	assert_false(has_diag(ctx, "IPE-N001", IPE_SEV_NOTE));
	ipe_load_result_clear(&r);
	ipe_ctx_free(ctx);

	/* the same source given as kernel text: detected */
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_policy_load_file(ctx, path, NULL, &r), 0);
	assert_int_equal(r.kind, IPE_LOAD_DETECTED);
	assert_int_equal(ipe_policy_verdict(r.policy)->err, EBADMSG); /* what the kernel answers */
	assert_int_equal(ipe_policy_verdict(r.policy)->loc.line, 2);
	assert_non_null(r.compiled);
	assert_int_equal(ipe_policy_verdict(r.compiled)->err, 0);
	assert_int_equal(ipe_policy_nrules(r.compiled), 2);
	assert_true(has_diag(ctx, "IPE-N001", IPE_SEV_NOTE));
	assert_int_equal(ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR), 1); /* the kernel's error only */
	ipe_load_result_clear(&r);
	assert_null(r.compiled);
	ipe_ctx_free(ctx);

	/* failures: no policy in a blob, an unreadable file, bad options */
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	snprintf(path, sizeof(path), "%s/garbage.der", dir);
	assert_int_equal(ipe_policy_load_file(ctx, path, NULL, &r), -EBADMSG);
	assert_int_equal(r.failed, IPE_LOAD_FAILED_BLOB);
	assert_null(r.policy);
	assert_int_not_equal(r.src, IPE_SRC_NONE);
	assert_true(has_diag(ctx, "IPE-S030", IPE_SEV_ERROR));
	snprintf(path, sizeof(path), "%s/missing.pol", dir);
	assert_int_equal(ipe_policy_load_file(ctx, path, NULL, &r), -ENOENT);
	assert_int_equal(r.failed, IPE_LOAD_FAILED_READ);
	assert_null(r.policy);
	assert_int_equal(ipe_policy_load_file(ctx, path, &bad, &r), -EINVAL);
	assert_int_equal(r.failed, IPE_LOAD_FAILED_NONE);
	bad.reserved[3] = 0;
	bad.flags = 2;
	assert_int_equal(ipe_policy_load_file(ctx, path, &bad, &r), -EINVAL);
	bad.flags = 0;
	bad.version = 7;
	assert_int_equal(ipe_policy_load_file(ctx, path, &bad, &r), -EINVAL);
	assert_int_equal(ipe_policy_load_file(NULL, path, NULL, &r), -EINVAL);
	assert_int_equal(ipe_policy_load_file(ctx, path, NULL, NULL), -EINVAL);
	ipe_load_result_clear(NULL);
	ipe_ctx_free(ctx);

	for (const char *const *f = (const char *const[]){ "text.pol", "src.pol", "common.pol", "digests.txt",
							    "garbage.der", "key.pem", "cert.pem", "text.p7b", NULL };
	     *f; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_binary_and_overrides),
		cmocka_unit_test(test_findings_stop),
		cmocka_unit_test(test_optimize),
		cmocka_unit_test(test_opts_contract),
		cmocka_unit_test(test_header_helpers),
		cmocka_unit_test(test_io_and_diag),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
