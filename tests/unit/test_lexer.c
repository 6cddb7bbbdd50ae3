/* SPDX-License-Identifier: MIT */
/* Unit tests: the flex scanner, kernel line assembly and keyword classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ipe/policy.h>

#include "util/kwtable.h"
#include "lexer.h"

/* A kernel line as full tokens (the tests read few tokens per line). */
struct tline {
	uint32_t number;
	size_t ntoks;
	struct ipe_tok toks[16];
};

static int next_line(struct ipe_lexer *lx, struct tline *ret)
{
	struct ipe_cline cl;
	int rc = ipe_lexer_next_cline(lx, &cl);

	if (rc != 1)
		return rc;
	assert_true(cl.ntoks <= 16);
	ret->number = cl.number;
	ret->ntoks = cl.ntoks;
	for (size_t i = 0; i < cl.ntoks; i++)
		ipe_cline_tok(&cl, i, &ret->toks[i]);
	return 1;
}

/* Lex data (len bytes, NUL-free as the parser guarantees) and render the
 * lines as "K:tok|tok;" where K is the kernel line number; odd bytes as \xNN. */
static char *lex_dump(const char *data, size_t len)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_lexer lx;
	struct ipe_cline line;
	uint32_t src;
	size_t cap = 4 * len + 64, n = 0;
	char *out = malloc(cap);
	int rc;

	assert_non_null(out);
	out[0] = '\0';
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "t", data, len, true, &src), 0);
	assert_int_equal(ipe_lexer_init(&lx, ctx, src, ipe_source_data(ipe_ctx_source(ctx, src), NULL), len), 0);
	while ((rc = ipe_lexer_next_cline(&lx, &line)) == 1) {
		n += (size_t)snprintf(out + n, cap - n, "%u:", line.number);
		for (size_t i = 0; i < line.ntoks; i++) {
			for (size_t k = 0; k < line.toks[i].len; k++) {
				unsigned char c = (unsigned char)line.base[line.toks[i].off + k];

				if (c >= 0x21 && c < 0x7f)
					n += (size_t)snprintf(out + n, cap - n, "%c", c);
				else
					n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
			}
			if (i + 1 < line.ntoks)
				n += (size_t)snprintf(out + n, cap - n, "|");
		}
		n += (size_t)snprintf(out + n, cap - n, ";");
	}
	assert_int_equal(rc, 0);
	ipe_lexer_fini(&lx);
	ipe_ctx_free(ctx);
	return out;
}

#define LEX_EQ(lit, expect)                                           \
	do {                                                          \
		char *got_ = lex_dump(lit, sizeof(lit) - 1);          \
		if (strcmp(got_, expect) != 0)                        \
			fail_msg("input %s: got '%s', want '%s'", #lit, got_, expect); \
		free(got_);                                           \
	} while (0)

static void test_basic_split(void **state)
{
	(void)state;
	LEX_EQ("", "");
	LEX_EQ("a b c", "1:a|b|c;");
	LEX_EQ("a\tb \t  c\n", "1:a|b|c;");
	LEX_EQ("  \t lead", "1:lead;");
	LEX_EQ("a\nb\n\n\nc", "1:a;2:b;5:c;");
}

static void test_line_breaks(void **state)
{
	(void)state;
	/* every \r and every \n ends a line: CRLF makes an empty (skipped) line */
	LEX_EQ("a\r\nb", "1:a;3:b;");
	LEX_EQ("a\rb\rc", "1:a;2:b;3:c;");
	LEX_EQ("a\n\rb", "1:a;3:b;");
	LEX_EQ("\r\r\r\nx\r", "5:x;");
}

static void test_comments(void **state)
{
	(void)state;
	LEX_EQ("# whole line\na", "2:a;");
	LEX_EQ("action=ALLOW#x", "1:action=ALLOW;");
	LEX_EQ("ab#cd ef\ngh", "1:ab;2:gh;");
	LEX_EQ("a #", "1:a;");
	LEX_EQ("#\r#\rz", "3:z;");
	/* a comment ends at \r too */
	LEX_EQ("a # c\rb", "1:a;2:b;");
	/* '#' right after a word that ends in \v: the cut happens first, then the trim */
	LEX_EQ("a\v#c", "1:a;");
}

static void test_trailing_trim(void **state)
{
	(void)state;
	LEX_EQ("a \v", "1:a;");
	LEX_EQ("a\v", "1:a;");
	LEX_EQ("a\f", "1:a;");
	LEX_EQ("a\xa0", "1:a;");
	LEX_EQ("a\v \xa0\t\f \t", "1:a;");
	LEX_EQ("a\v\f\xa0\v", "1:a;");
	/* words made only of trim bytes at the end vanish, whole lines too */
	LEX_EQ("a \v\v \f", "1:a;");
	LEX_EQ("\v\n\f\n\xa0\nb", "4:b;");
	LEX_EQ("\v \xa0 \f", "");
	/* only trailing bytes are trimmed: \v inside or before a token stays */
	LEX_EQ("a\vb", "1:a\\x0bb;");
	LEX_EQ("\va", "1:\\x0ba;");
	LEX_EQ("a \v b", "1:a|\\x0b|b;");
	LEX_EQ("a\xa0 b", "1:a\\xa0|b;");
	LEX_EQ("x\fy\f", "1:x\\x0cy;");
	/* other bytes are ordinary token bytes */
	LEX_EQ("a\x01", "1:a\\x01;");
	LEX_EQ("\xff\xfe", "1:\\xff\\xfe;");
	LEX_EQ("a\xc2\xa0", "1:a\\xc2;");
}

static void test_locations(void **state)
{
	const char text[] = "hdr  x\r\n\tab\v  cd\xa0\n# c\n  zz";
	struct ipe_ctx *ctx = NULL;
	struct ipe_lexer lx;
	struct tline line;
	uint32_t src;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "t", text, sizeof(text) - 1, false, &src), 0);
	assert_int_equal(ipe_lexer_init(&lx, ctx, src, (const unsigned char *)text, sizeof(text) - 1), 0);

	assert_int_equal(next_line(&lx, &line), 1);
	assert_int_equal(line.number, 1);
	assert_int_equal(line.ntoks, 2);
	assert_int_equal(line.toks[0].loc.line, 1);
	assert_int_equal(line.toks[0].loc.col, 1);
	assert_int_equal(line.toks[0].loc.offset, 0);
	assert_int_equal(line.toks[0].loc.len, 3);
	assert_int_equal(line.toks[1].loc.col, 6);
	assert_int_equal(line.toks[1].loc.offset, 5);
	assert_int_equal(line.toks[1].loc.len, 1);
	assert_int_equal(line.toks[1].loc.src, src);

	/* after CRLF: editor line 2 (\n only counts), kernel line 3 */
	assert_int_equal(next_line(&lx, &line), 1);
	assert_int_equal(line.number, 3);
	assert_int_equal(line.ntoks, 2);
	assert_int_equal(line.toks[0].len, 3); /* "ab\v" inside: \v is not last */
	assert_memory_equal(line.toks[0].text, "ab\v", 3);
	assert_int_equal(line.toks[0].loc.line, 2);
	assert_int_equal(line.toks[0].loc.col, 2);
	assert_int_equal(line.toks[0].loc.offset, 9);
	assert_int_equal(line.toks[0].loc.len, 3);
	/* trailing 0xA0 trimmed: the length and location shrink */
	assert_int_equal(line.toks[1].len, 2);
	assert_int_equal(line.toks[1].loc.len, 2);
	assert_int_equal(line.toks[1].loc.col, 7);
	assert_int_equal(line.toks[1].loc.offset, 14);

	assert_int_equal(next_line(&lx, &line), 1);
	assert_int_equal(line.number, 5);
	assert_int_equal(line.ntoks, 1);
	assert_int_equal(line.toks[0].loc.line, 4);
	assert_int_equal(line.toks[0].loc.col, 3);
	assert_int_equal(line.toks[0].loc.offset, 24);
	assert_int_equal(line.toks[0].loc.len, 2);

	assert_int_equal(next_line(&lx, &line), 0);
	assert_int_equal(next_line(&lx, &line), 0);
	{
		struct ipe_loc e = ipe_lexer_end_loc(&lx);

		assert_int_equal(e.offset, sizeof(text) - 1);
		assert_int_equal(e.line, 4);
		assert_int_equal(e.col, 5);
	}
	ipe_lexer_fini(&lx);
	ipe_ctx_free(ctx);
}

static void test_lone_cr_columns(void **state)
{
	/* a lone CR is a kernel line break, but editors do not break there:
	 * the column keeps counting on the same editor line */
	const char text[] = "aa\rbb";
	struct ipe_ctx *ctx = NULL;
	struct ipe_lexer lx;
	struct tline line;
	uint32_t src;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "t", text, sizeof(text) - 1, false, &src), 0);
	assert_int_equal(ipe_lexer_init(&lx, ctx, src, (const unsigned char *)text, sizeof(text) - 1), 0);
	assert_int_equal(next_line(&lx, &line), 1);
	assert_int_equal(next_line(&lx, &line), 1);
	assert_int_equal(line.number, 2);
	assert_int_equal(line.toks[0].loc.line, 1);
	assert_int_equal(line.toks[0].loc.col, 4);
	assert_int_equal(line.toks[0].loc.offset, 3);
	ipe_lexer_fini(&lx);
	ipe_ctx_free(ctx);
}

static void test_long_input(void **state)
{
	/* tokens and lines larger than the flex buffer */
	size_t n = 600000;
	char *big = malloc(n + 8);
	char *dump;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big + n, " y\nz", 4);
	dump = lex_dump(big, n + 4);
	assert_int_equal(strlen(dump), 2 + n + 3 + 4);
	assert_string_equal(dump + 2 + n, "|y;2:z;");
	free(dump);
	free(big);
}

static void test_comment_capture(void **state)
{
	const char text[] = "a # ipe-check: ignore W1\n# plain\n# ipe-check: x\nb";
	struct ipe_ctx *ctx = NULL;
	struct ipe_lexer lx;
	struct tline line;
	uint32_t src;

	(void)state;
	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "t", text, sizeof(text) - 1, false, &src), 0);
	assert_int_equal(ipe_lexer_init(&lx, ctx, src, (const unsigned char *)text, sizeof(text) - 1), 0);
	while (next_line(&lx, &line) == 1)
		;
	assert_int_equal(lx.ncomments, 2);
	assert_string_equal(lx.comments[0].text, " ipe-check: ignore W1");
	assert_true(lx.comments[0].line_has_token);
	assert_int_equal(lx.comments[0].loc.col, 3);
	assert_false(lx.comments[1].line_has_token);
	assert_int_equal(lx.comments[1].loc.line, 3);
	ipe_lexer_fini(&lx);
	ipe_ctx_free(ctx);
}

/* ---- keywords ---- */

static void kw(const char *s, enum ipe_kw_kind kind, int value, uint32_t vstart)
{
	struct ipe_kw k;

	ipe_kw_classify(s, strlen(s), &k);
	if (k.kind != kind || (kind != IPE_KW_WORD && k.value != value) || k.vstart != vstart)
		fail_msg("'%s': kind %d value %d vstart %u, want %d %d %u", s, k.kind, k.value, k.vstart, kind,
			 value, vstart);
}

static void test_keywords(void **state)
{
	struct ipe_kw k;

	(void)state;
	kw("DEFAULT", IPE_KW_DEFAULT, 0, 0);
	kw("default", IPE_KW_WORD, 0, 0);
	kw("DEFAULTS", IPE_KW_WORD, 0, 0);
	kw("action=ALLOW", IPE_KW_ACTION, IPE_ACTION_ALLOW, 0);
	kw("action=DENY", IPE_KW_ACTION, IPE_ACTION_DENY, 0);
	kw("action=allow", IPE_KW_WORD, 0, 0);
	kw("action=ALLOWx", IPE_KW_WORD, 0, 0);
	kw("action=", IPE_KW_WORD, 0, 0);
	kw("op=EXECUTE", IPE_KW_OP, IPE_OP_EXECUTE, 0);
	kw("op=FIRMWARE", IPE_KW_OP, IPE_OP_FIRMWARE, 0);
	kw("op=KMODULE", IPE_KW_OP, IPE_OP_KMODULE, 0);
	kw("op=KEXEC_IMAGE", IPE_KW_OP, IPE_OP_KEXEC_IMAGE, 0);
	kw("op=KEXEC_INITRAMFS", IPE_KW_OP, IPE_OP_KEXEC_INITRAMFS, 0);
	kw("op=POLICY", IPE_KW_OP, IPE_OP_POLICY, 0);
	kw("op=X509_CERT", IPE_KW_OP, IPE_OP_X509_CERT, 0);
	kw("op=EXEC", IPE_KW_WORD, 0, 0);
	kw("op=execute", IPE_KW_WORD, 0, 0);
	kw("op=BPF_PROG_LOAD", IPE_KW_WORD, 0, 0);
	kw("boot_verified=TRUE", IPE_KW_PROP, IPE_PROP_BOOT_VERIFIED_TRUE, 0);
	kw("boot_verified=FALSE", IPE_KW_PROP, IPE_PROP_BOOT_VERIFIED_FALSE, 0);
	kw("boot_verified=true", IPE_KW_WORD, 0, 0);
	kw("dmverity_signature=TRUE", IPE_KW_PROP, IPE_PROP_DMV_SIG_TRUE, 0);
	kw("dmverity_signature=FALSE", IPE_KW_PROP, IPE_PROP_DMV_SIG_FALSE, 0);
	kw("fsverity_signature=TRUE", IPE_KW_PROP, IPE_PROP_FSV_SIG_TRUE, 0);
	kw("fsverity_signature=FALSE", IPE_KW_PROP, IPE_PROP_FSV_SIG_FALSE, 0);
	kw("fsverity_digest=sha256:00", IPE_KW_DIGEST, IPE_PROP_FSV_DIGEST, 16);
	kw("dmverity_roothash=x", IPE_KW_DIGEST, IPE_PROP_DMV_ROOTHASH, 18);
	kw("fsverity_digest=", IPE_KW_EMPTY_VALUE, IPE_KW_EMPTY_FSV_DIGEST, 0);
	kw("dmverity_roothash=", IPE_KW_EMPTY_VALUE, IPE_KW_EMPTY_DMV_ROOTHASH, 0);
	kw("FSVERITY_DIGEST=sha256:00", IPE_KW_WORD, 0, 0);
	kw("policy_name=a", IPE_KW_HDR_NAME, 0, 12);
	kw("policy_name==", IPE_KW_HDR_NAME, 0, 12);
	kw("policy_name=", IPE_KW_EMPTY_VALUE, IPE_KW_EMPTY_NAME, 0);
	kw("policy_version=1.0.0", IPE_KW_HDR_VERSION, 0, 15);
	kw("policy_version=", IPE_KW_EMPTY_VALUE, IPE_KW_EMPTY_VERSION, 0);
	kw("policy_name", IPE_KW_WORD, 0, 0);
	kw("x", IPE_KW_WORD, 0, 0);
	/* length-bounded: bytes after len are not looked at */
	ipe_kw_classify("DEFAULTXYZ", 7, &k);
	assert_int_equal(k.kind, IPE_KW_DEFAULT);
	ipe_kw_classify("op=EXECUTE", 9, &k);
	assert_int_equal(k.kind, IPE_KW_WORD);
	ipe_kw_classify("", 0, &k);
	assert_int_equal(k.kind, IPE_KW_WORD);
}

/* ---- the scanner's keywords are the one table's (util/kwtable.h) ---- */

#define T_OP(n, since) "op=" #n,
#define T_ACTION(n) "action=" #n,
#define T_BOOLP(key, e, since, kconfig) #key "=TRUE", #key "=FALSE",
#define T_PREFIX(key, e) #key "=",
#define T_DPREFIX(key, e, since, kconfig) #key "=",
static const char *const table_exact[] = { IPE_KW_DEFAULT_WORD, IPE_KW_OPS(T_OP) IPE_KW_ACTIONS(T_ACTION)
						   IPE_KW_BOOL_PROPS(T_BOOLP) };
static const char *const table_prefix[] = { IPE_KW_DIGEST_PROPS(T_DPREFIX) IPE_KW_HEADER(T_PREFIX) };

/* scanner.l holds no copy of the keyword table: no keyword is a pattern
 * or a quoted string there (its words are classified by ipe_kw_classify(),
 * the table's own classifier; the next test checks the result). */
static void test_scanner_has_no_keyword_copy(void **state)
{
	const char *root = getenv("IPE_SOURCE_ROOT");
	char path[4096], line[512];
	size_t nex = sizeof(table_exact) / sizeof(table_exact[0]);
	size_t npre = sizeof(table_prefix) / sizeof(table_prefix[0]);
	size_t nlines = 0;
	FILE *f;

	(void)state;
	if (!root)
		fail_msg("IPE_SOURCE_ROOT is not set (run through meson test)");
	snprintf(path, sizeof(path), "%s/src/lexer/scanner.l", root);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		nlines++;
		if (line[0] == '"' && strncmp(line, "\"#\"", 3) != 0)
			fail_msg("scanner.l line %zu is a literal pattern: %s", nlines, line);
		for (size_t i = 0; i < nex + npre; i++) {
			const char *kw = i < nex ? table_exact[i] : table_prefix[i - nex];
			char q[128];

			snprintf(q, sizeof(q), "\"%s", kw);
			if (strstr(line, q))
				fail_msg("scanner.l line %zu copies the keyword \"%s\": %s", nlines, kw, line);
		}
	}
	fclose(f);
	assert_true(nlines > 100);
}

/* ...and the scanner classifies each word as the table's classifier does. */
static void test_scanner_classifies_as_table(void **state)
{
	size_t nex = sizeof(table_exact) / sizeof(table_exact[0]);
	size_t npre = sizeof(table_prefix) / sizeof(table_prefix[0]);

	(void)state;
	for (size_t i = 0; i < nex + 2 * npre; i++) {
		char word[128];
		struct ipe_ctx *ctx = NULL;
		struct ipe_lexer lx;
		struct tline ln;
		struct ipe_kw want;
		uint32_t src;
		size_t len;

		if (i < nex)
			len = (size_t)snprintf(word, sizeof(word), "%s", table_exact[i]);
		else
			len = (size_t)snprintf(word, sizeof(word), "%s%s", table_prefix[(i - nex) / 2],
					       (i - nex) % 2 ? "v" : "");
		ipe_kw_classify(word, len, &want);
		assert_int_not_equal(want.kind, IPE_KW_WORD);
		assert_int_equal(ipe_ctx_new(&ctx), 0);
		assert_int_equal(ipe_source_from_memory(ctx, "t", word, len, true, &src), 0);
		assert_int_equal(ipe_lexer_init(&lx, ctx, src, ipe_source_data(ipe_ctx_source(ctx, src), NULL), len), 0);
		assert_int_equal(next_line(&lx, &ln), 1);
		assert_int_equal(ln.ntoks, 1);
		if (ln.toks[0].kw.kind != want.kind || ln.toks[0].kw.value != want.value ||
		    ln.toks[0].kw.vstart != want.vstart)
			fail_msg("'%s': the scanner says kind %d value %d vstart %u, the table %d %d %u", word,
				 ln.toks[0].kw.kind, ln.toks[0].kw.value, ln.toks[0].kw.vstart, want.kind, want.value,
				 want.vstart);
		ipe_lexer_fini(&lx);
		ipe_ctx_free(ctx);
	}
}

/* ---- the fast path of the scanner (scanner.l: WORD_REST) against a
 * plain reference, with words across the refills of flex's buffer ---- */

/* Tokens of NUL-, CR-, VT-, FF- and 0xA0-free text: lines end at '\n',
 * '#' cuts to the line end, words are split on space and TAB. */
static void check_against_reference(const char *data, size_t len)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_lexer lx;
	struct ipe_cline cl;
	uint32_t src;
	size_t i = 0, ntok = 0;
	int rc;

	assert_int_equal(ipe_ctx_new(&ctx), 0);
	assert_int_equal(ipe_source_from_memory(ctx, "t", data, len, true, &src), 0);
	assert_int_equal(ipe_lexer_init(&lx, ctx, src, ipe_source_data(ipe_ctx_source(ctx, src), NULL), len), 0);
	while ((rc = ipe_lexer_next_cline(&lx, &cl)) == 1) {
		for (size_t t = 0; t < cl.ntoks; t++, ntok++) {
			size_t b, e;
			struct ipe_kw want;
			const struct ipe_ctok *c = &cl.toks[t];

			/* the reference's next word */
			for (;;) {
				assert_true(i < len);
				if (data[i] == '#')
					while (i < len && data[i] != '\n')
						i++;
				else if (data[i] == ' ' || data[i] == '\t' || data[i] == '\n')
					i++;
				else
					break;
			}
			b = i;
			while (i < len && data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '#')
				i++;
			e = i;
			ipe_kw_classify(data + b, e - b, &want);
			if (c->off != b || c->len != e - b || c->kw.kind != want.kind || c->kw.value != want.value ||
			    c->kw.vstart != want.vstart)
				fail_msg("token %zu: the scanner has offset %u length %u kind %d value %d vstart %u, the "
					 "reference %zu %zu %d %d %u ('%.*s')", ntok, c->off, c->len, c->kw.kind,
					 c->kw.value, c->kw.vstart, b, e - b, want.kind, want.value, want.vstart,
					 (int)(e - b > 60 ? 60 : e - b), data + b);
		}
	}
	assert_int_equal(rc, 0);
	/* no word left over */
	for (; i < len; i++) {
		if (data[i] == '#')
			while (i < len && data[i] != '\n')
				i++;
		else if (i < len && data[i] != ' ' && data[i] != '\t' && data[i] != '\n')
			fail_msg("the scanner missed the word at offset %zu", i);
	}
	ipe_lexer_fini(&lx);
	ipe_ctx_free(ctx);
}

static void test_words_across_refills(void **state)
{
	static const char *const words[] = {
		"fsverity_digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"fsverity_digest=", "dmverity_roothash=sha256:00ff", "op=EXECUTE", "op=EXECUTEX", "op=EXEC",
		"action=ALLOW", "action=ALLOWED", "DEFAULT", "DEFAULTS", "fsverity_signature=TRU",
		"policy_version=1.0.0", "x", "#op=EXECUTE",
	};
	const size_t buf = 256 * 1024; /* lexer.c's first flex buffer */
	size_t cap = buf + 256;
	char *t = malloc(cap);

	(void)state;
	assert_non_null(t);
	/* each word starting, and ending, at every offset around the first
	 * refill (it comes a byte or two before buf), after short lines */
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t wl = strlen(words[w]);

		for (size_t k = 0; k < 16; k++) {
			size_t at = k < 8 ? buf - 5 + k : buf - 5 + (k - 8) - wl, n = 0;

			for (; n + 2 <= at; n++)
				t[n] = n % 64 ? 'y' : '\n';
			while (n < at)
				t[n++] = ' ';
			memcpy(t + n, words[w], wl);
			n += wl;
			memcpy(t + n, " z\n", 3);
			check_against_reference(t, n + 3);
		}
	}
	free(t);
}

/* Random text made of keyword pieces: a few MB, so words cross many refills. */
static void test_random_words(void **state)
{
	static const char *const pieces[] = {
		"op=", "EXECUTE", "KMODULE", "fsverity_digest=", "dmverity_roothash=", "sha256:", "0af1", "DEFAULT",
		"action=", "ALLOW", "DENY", "boot_verified=", "TRUE", "FALSE", "policy_name=", "policy_version=",
		"x", "=", " ", " ", "\t", "\n", "\n", "#", "op=EXECUTE", "action=ALLOW",
	};
	const size_t len = 3 * 1024 * 1024;
	char *t = malloc(len + 32);
	uint64_t r = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_non_null(t);
	for (int seed = 0; seed < 3; seed++) {
		size_t n = 0;

		while (n < len) {
			const char *p;

			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			p = pieces[r % (sizeof(pieces) / sizeof(pieces[0]))];
			memcpy(t + n, p, strlen(p));
			n += strlen(p);
		}
		check_against_reference(t, n);
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_split),	 cmocka_unit_test(test_line_breaks),
		cmocka_unit_test(test_comments),	 cmocka_unit_test(test_trailing_trim),
		cmocka_unit_test(test_locations),	 cmocka_unit_test(test_lone_cr_columns),
		cmocka_unit_test(test_long_input),	 cmocka_unit_test(test_comment_capture),
		cmocka_unit_test(test_keywords),	 cmocka_unit_test(test_scanner_has_no_keyword_copy),
		cmocka_unit_test(test_scanner_classifies_as_table),
		cmocka_unit_test(test_words_across_refills), cmocka_unit_test(test_random_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
