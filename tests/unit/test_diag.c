/* SPDX-License-Identifier: MIT */
/* Unit tests: diagnostics rendering (caret with tabs and \xNN bytes) and the
 * JSON report (parsed back with json-c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include <ipe/policy.h>
#include <ipe/report.h>

#define HDR "policy_name=p policy_version=1.0.0\n"
#define DEF "DEFAULT action=ALLOW\n"

struct fx {
	struct ipe_ctx *ctx;
	struct ipe_policy *p;
	uint32_t src;
};

static void fx_parse(struct fx *f, const char *name, const char *text, size_t len)
{
	assert_int_equal(ipe_ctx_new(&f->ctx), 0);
	assert_int_equal(ipe_source_from_memory(f->ctx, name, text, len, true, &f->src), 0);
	assert_int_equal(ipe_policy_parse(f->ctx, f->src, &f->p), 0);
}

static void fx_done(struct fx *f)
{
	ipe_policy_free(f->p);
	ipe_ctx_free(f->ctx);
}

static char *render(const struct ipe_ctx *ctx, const struct ipe_diag *d, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ipe_diag_render_text(ctx, d, f, flags), 0);
	fclose(f);
	return buf;
}

#define RENDER_EQ(text, want)                                                   \
	do {                                                                    \
		struct fx f_;                                                   \
		char *got_;                                                     \
		fx_parse(&f_, "t.pol", text, sizeof(text) - 1);                 \
		assert_true(ipe_ctx_diag_count(f_.ctx) >= 1);                   \
		got_ = render(f_.ctx, ipe_ctx_diag(f_.ctx, 0), 0);              \
		if (strcmp(got_, want) != 0)                                    \
			fail_msg("got:\n%s\nwant:\n%s", got_, want);            \
		free(got_);                                                     \
		fx_done(&f_);                                                   \
	} while (0)

static void test_render_basic(void **state)
{
	(void)state;
	RENDER_EQ(HDR DEF "op=EXEC action=ALLOW\n",
		  "t.pol:3:1: error: unknown operation 'op=EXEC' [IPE-E010]\n"
		  "    op=EXEC action=ALLOW\n"
		  "    ^~~~~~~\n"
		  "    hint: did you mean 'op=EXECUTE'?\n");
}

static void test_render_tabs(void **state)
{
	(void)state;
	RENDER_EQ(HDR DEF "op=EXECUTE\t\tboot_verified=true action=ALLOW\r\n",
		  "t.pol:3:13: error: unknown property 'boot_verified=true' [IPE-E011]\n"
		  "    op=EXECUTE  boot_verified=true action=ALLOW\n"
		  "                ^~~~~~~~~~~~~~~~~~\n"
		  "    hint: keywords are case-sensitive: write 'boot_verified=TRUE'\n");
}

static void test_render_hex_bytes(void **state)
{
	(void)state;
	RENDER_EQ(HDR DEF "op=\x01X action=ALLOW\n",
		  "t.pol:3:1: error: unknown operation 'op=\\x01X' [IPE-E010]\n"
		  "    op=\\x01X action=ALLOW\n"
		  "    ^~~~~~~~\n"
		  "    hint: operations: op=EXECUTE op=FIRMWARE op=KMODULE op=KEXEC_IMAGE op=KEXEC_INITRAMFS op=POLICY op=X509_CERT\n");
	/* a \xNN byte before the token moves the caret by four columns */
	RENDER_EQ(HDR DEF "\xff op=EXECUTE action=ALLOW\n",
		  "t.pol:3:1: error: expected an operation (op=...), found '\\xff' [IPE-E010]\n"
		  "    \\xff op=EXECUTE action=ALLOW\n"
		  "    ^~~~\n"
		  "    hint: operations: op=EXECUTE op=FIRMWARE op=KMODULE op=KEXEC_IMAGE op=KEXEC_INITRAMFS op=POLICY op=X509_CERT\n");
	RENDER_EQ(HDR DEF "op=EXECUTE\xa0 \xc3\xa9=1 action=ALLOW\n",
		  "t.pol:3:1: error: unknown operation 'op=EXECUTE\\xa0' [IPE-E010]\n"
		  "    op=EXECUTE\\xa0 \\xc3\\xa9=1 action=ALLOW\n"
		  "    ^~~~~~~~~~~~~~\n"
		  "    hint: did you mean 'op=EXECUTE'?\n");
}

static void test_render_lone_cr(void **state)
{
	(void)state;
	/* a lone CR ends the kernel line but not the editor line: the whole
	 * editor line is quoted (CR as \x0d) and the caret still lines up */
	RENDER_EQ(HDR DEF "op=EXECUTE action=ALLOW\rop=EXECUTE action=DENI\n",
		  "t.pol:3:36: error: expected action=ALLOW or action=DENY at the end of the line, found 'action=DENI' [IPE-E012]\n"
		  "    op=EXECUTE action=ALLOW\\x0dop=EXECUTE action=DENI\n"
		  "                                          ^~~~~~~~~~~\n"
		  "    hint: did you mean 'action=DENY'?\n");
}

static void test_render_flags_related(void **state)
{
	struct fx f;
	char *s;

	(void)state;
	fx_parse(&f, "t.pol", HDR DEF "DEFAULT action=DENY\n", strlen(HDR DEF "DEFAULT action=DENY\n"));
	assert_int_equal(ipe_ctx_diag_count(f.ctx), 1);
	s = render(f.ctx, ipe_ctx_diag(f.ctx, 0), IPE_RENDER_NO_SOURCE);
	assert_string_equal(s, "t.pol:3:1: error: second global DEFAULT [IPE-E016]\n"
			       "    hint: remove one of them; the kernel refuses a policy with two\n"
			       "t.pol:2:1: note: the first global DEFAULT is here\n");
	free(s);
	s = render(f.ctx, ipe_ctx_diag(f.ctx, 0), 0);
	assert_non_null(strstr(s, "note: the first global DEFAULT is here\n    DEFAULT action=ALLOW\n    ^~~~~~~\n"));
	free(s);
	s = render(f.ctx, ipe_ctx_diag(f.ctx, 0), IPE_RENDER_COLOR);
	assert_non_null(strstr(s, "\033["));
	free(s);
	assert_int_equal(ipe_diag_render_text(NULL, ipe_ctx_diag(f.ctx, 0), stderr, 0), -EINVAL);
	fx_done(&f);
}

static void test_render_eof_and_long(void **state)
{
	struct fx f;
	char *s, *text;
	size_t n = 1000;

	(void)state;
	/* empty policy: a point location at 1:1 */
	fx_parse(&f, "e.pol", "", 0);
	s = render(f.ctx, ipe_ctx_diag(f.ctx, 0), 0);
	assert_true(strncmp(s, "e.pol:1:1: error: policy is empty [IPE-E001]\n", 45) == 0);
	free(s);
	fx_done(&f);

	/* very long line: the excerpt is cut around the location */
	text = malloc(3 * n + 200);
	assert_non_null(text);
	strcpy(text, HDR DEF "op=EXECUTE fsverity_digest=sha256:");
	for (size_t i = 0; i < n; i++)
		strcat(text, "00");
	strcat(text, " bogus action=ALLOW");
	for (size_t i = 0; i < n / 4; i++)
		strcat(text, " ");
	strcat(text, "#\n");
	fx_parse(&f, "l.pol", text, strlen(text));
	s = render(f.ctx, ipe_ctx_diag(f.ctx, 0), 0);
	assert_non_null(strstr(s, "\n  ...000"));
	assert_non_null(strstr(s, "0 bogus action=ALLOW"));
	assert_non_null(strstr(s, "...\n"));
	assert_true(strlen(s) < 800);
	free(s);
	fx_done(&f);

	/* a very long token: the quoted line and its underline are cut too */
	strcpy(text, HDR DEF "op=EXECUTE fsverity_digest=sha256:");
	for (size_t i = 0; i < n; i++)
		strcat(text, "zz");
	strcat(text, " action=ALLOW\n");
	fx_parse(&f, "t.pol", text, strlen(text));
	s = render(f.ctx, ipe_ctx_diag(f.ctx, 0), 0);
	assert_non_null(strstr(s, "    op=EXECUTE fsverity_digest=sha256:zzz"));
	assert_non_null(strstr(s, "zz...\n"));
	assert_non_null(strstr(s, "\n               ^~~~"));
	assert_null(strstr(s, "action=ALLOW"));
	assert_true(strlen(s) < 600);
	free(s);
	fx_done(&f);
	free(text);
}

static void test_excerpt_and_errno(void **state)
{
	struct fx f;
	char buf[64];
	size_t n;

	(void)state;
	fx_parse(&f, "t.pol", HDR DEF "op=\tX\x02 action=ALLOW\n", strlen(HDR DEF "op=\tX\x02 action=ALLOW\n"));
	n = ipe_source_line_excerpt(f.ctx, &ipe_ctx_diag(f.ctx, 0)->loc, buf, sizeof(buf));
	assert_string_equal(buf, "op= X\\x02 action=ALLOW");
	assert_int_equal(n, strlen(buf));
	n = ipe_source_line_excerpt(f.ctx, &ipe_ctx_diag(f.ctx, 0)->loc, buf, 8);
	assert_true(n < 8);
	assert_int_equal(strlen(buf), n);
	fx_done(&f);

	assert_string_equal(ipe_errno_name(EBADMSG), "EBADMSG");
	assert_string_equal(ipe_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
	assert_int_equal(ipe_errno_from_name("ERANGE"), ERANGE);
	assert_int_equal(ipe_errno_from_name("EACCES"), EACCES);
	assert_int_equal(ipe_errno_from_name("EINVAL"), EINVAL);
	assert_int_equal(ipe_errno_from_name("ENOTANERRNO"), 0);
	assert_string_equal(ipe_severity_name(IPE_SEV_ERROR), "error");
	assert_string_equal(ipe_severity_name(IPE_SEV_WARNING), "warning");
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("missing key '%s'", key);
	return v;
}

static void test_json_report(void **state)
{
	static const char bad[] = HDR DEF "op=EXECUTE action=ALLOW\nop=EXEC action=ALLOW\nop=KMODULE bogus action=DENY\n";
	static const char good[] = "policy_name=\xff\"q policy_version=01.2.3\n" DEF;
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p1 = NULL, *p2 = NULL;
	struct ipe_report_file files[3];
	uint32_t s1, s2;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	json_object *root, *arr, *f0, *f1, *f2, *v, *diags, *d0, *loc;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "bad.pol", bad, sizeof(bad) - 1, false, &s1), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "good.pol", good, sizeof(good) - 1, false, &s2), 0);
	assert_int_equal(ipe_policy_parse(ctx, s1, &p1), 0);
	assert_int_equal(ipe_policy_parse(ctx, s2, &p2), 0);
	files[0] = (struct ipe_report_file){ .path = "bad.pol", .src = s1, .policy = p1 };
	files[1] = (struct ipe_report_file){ .path = "good.pol", .src = s2, .policy = p2 };
	files[2] = (struct ipe_report_file){ .path = "missing.pol", .src = IPE_SRC_NONE, .read_error = -ENOENT };
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(ipe_report_render_json(ctx, files, 3, out), 0);
	fclose(out);

	root = json_tokener_parse(buf);
	if (!root)
		fail_msg("report is not JSON:\n%s", buf);
	assert_string_equal(json_object_get_string(get(root, "schema")), IPE_REPORT_SCHEMA);
	arr = get(root, "files");
	assert_int_equal(json_object_array_length(arr), 3);
	f0 = json_object_array_get_idx(arr, 0);
	f1 = json_object_array_get_idx(arr, 1);
	f2 = json_object_array_get_idx(arr, 2);

	assert_string_equal(json_object_get_string(get(f0, "file")), "bad.pol");
	assert_true(json_object_get_boolean(get(f0, "readable")));
	v = get(f0, "kernel_verdict");
	assert_false(json_object_get_boolean(get(v, "accepted")));
	assert_string_equal(json_object_get_string(get(v, "errno")), "EBADMSG");
	assert_string_equal(json_object_get_string(get(v, "code")), "IPE-E010");
	loc = get(v, "location");
	assert_int_equal(json_object_get_int(get(loc, "line")), 4);
	assert_int_equal(json_object_get_int(get(loc, "column")), 1);
	assert_int_equal(json_object_get_int(get(loc, "length")), 7);
	assert_int_equal(json_object_get_int(get(loc, "offset")), (int)(strstr(bad, "op=EXEC ") - bad));
	diags = get(f0, "diagnostics");
	assert_int_equal(json_object_array_length(diags), 2);
	d0 = json_object_array_get_idx(diags, 0);
	assert_string_equal(json_object_get_string(get(d0, "code")), "IPE-E010");
	assert_string_equal(json_object_get_string(get(d0, "severity")), "error");
	assert_string_equal(json_object_get_string(get(d0, "kernel_errno")), "EBADMSG");
	assert_string_equal(json_object_get_string(get(d0, "hint")), "did you mean 'op=EXECUTE'?");
	assert_non_null(strstr(json_object_get_string(get(d0, "message")), "op=EXEC"));
	assert_string_equal(json_object_get_string(get(get(d0, "location"), "file")), "bad.pol");
	assert_int_equal(json_object_get_int(get(get(json_object_array_get_idx(diags, 1), "location"), "line")), 5);

	v = get(f1, "kernel_verdict");
	assert_true(json_object_get_boolean(get(v, "accepted")));
	assert_null(get(v, "errno"));
	assert_null(get(v, "location"));
	assert_int_equal(json_object_array_length(get(f1, "diagnostics")), 0);
	assert_string_equal(json_object_get_string(get(get(f1, "policy"), "version")), "1.2.3");
	assert_string_equal(json_object_get_string(get(get(f1, "policy"), "name_hex")), "ff2271");
	assert_string_equal(json_object_get_string(get(get(f1, "policy"), "name")), "\\xff\"q");
	assert_int_equal(json_object_get_int(get(get(f1, "policy"), "rules")), 0);

	assert_false(json_object_get_boolean(get(f2, "readable")));
	assert_string_equal(json_object_get_string(get(f2, "error")), "ENOENT");
	assert_null(get(f2, "kernel_verdict"));

	json_object_put(root);
	free(buf);
	ipe_policy_free(p1);
	ipe_policy_free(p2);
	ipe_ctx_free(ctx);
}

/* ipe_ctx_diag_sort: stable, by (source, line, column, code), whatever the
 * runs the findings arrive in; checked against a stable insertion sort. */
static void test_diag_sort_stable(void **state)
{
	static const char *const codes[] = { "IPE-W102", "IPE-E010", "IPE-W105" };
	struct ipe_ctx *ctx;
	struct key {
		uint32_t line, col;
		const char *code;
		unsigned seq;
	} ref[3000];
	unsigned seed = 7;
	size_t n = 0;

	(void)state;
	for (int shape = 0; shape < 4; shape++) {
		assert_int_equal(ipe_ctx_new(&ctx), 0);
		n = shape == 0 ? 1 : shape == 1 ? 2 : 3000;
		for (size_t i = 0; i < n; i++) {
			struct ipe_loc loc = { .src = 0, .col = 1 };

			seed = seed * 1103515245u + 12345u;
			/* shape 2: random; shape 3: runs of ascending lines */
			loc.line = shape == 3 ? (uint32_t)(i % 97) + 1 : (seed >> 16) % 50 + 1;
			loc.col = (seed >> 8) % 3 + 1;
			ref[i] = (struct key){ loc.line, loc.col, codes[(seed >> 4) % 3], (unsigned)i };
			assert_non_null(ipe_diag_add(ctx, ref[i].code, IPE_SEV_WARNING, &loc, NULL, "%u", ref[i].seq));
		}
		for (size_t i = 1; i < n; i++) {
			struct key k = ref[i];
			size_t j = i;

			while (j > 0 && (ref[j - 1].line > k.line ||
					 (ref[j - 1].line == k.line &&
					  (ref[j - 1].col > k.col ||
					   (ref[j - 1].col == k.col && strcmp(ref[j - 1].code, k.code) > 0))))) {
				ref[j] = ref[j - 1];
				j--;
			}
			ref[j] = k;
		}
		ipe_ctx_diag_sort(ctx);
		assert_int_equal(ipe_ctx_diag_count(ctx), n);
		for (size_t i = 0; i < n; i++) {
			char want[16];

			snprintf(want, sizeof(want), "%u", ref[i].seq);
			assert_string_equal(ipe_ctx_diag(ctx, i)->message, want);
		}
		/* the list stays usable after the sort */
		assert_non_null(ipe_diag_add(ctx, "IPE-W102", IPE_SEV_WARNING, &(struct ipe_loc){ .line = 1 }, NULL, "x"));
		ipe_ctx_free(ctx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_basic),	     cmocka_unit_test(test_render_tabs),
		cmocka_unit_test(test_render_hex_bytes),     cmocka_unit_test(test_render_lone_cr),
		cmocka_unit_test(test_render_flags_related), cmocka_unit_test(test_render_eof_and_long),
		cmocka_unit_test(test_excerpt_and_errno),    cmocka_unit_test(test_json_report),
		cmocka_unit_test(test_diag_sort_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
