/* SPDX-License-Identifier: MIT */
/*
 * Property tests for the front end (seeded, deterministic):
 *  - a random policy model is written out as text with meaning-preserving
 *    noise (separator runs, TABs, comments, '#' glued to tokens, blank lines,
 *    CRLF / lone CR line ends, trailing \v \f 0xA0, '+' and leading zeros in
 *    the version, upper-case hex, a NUL followed by junk);
 *  - parse(text) must be accepted and equal the generated model;
 *  - canonical(text) must equal the canonical text written from the model;
 *  - canonical(canonical(x)) == canonical(x), parse(canonical(x)) == parse(x);
 *  - near-valid variants (one byte changed) must never crash; accepted ones keep
 *    the fixed point, rejected ones carry a kernel errno and the emitter refuses.
 * Usage: test_props [iterations] [seed]
 * With IPE_PROPS_DUMP=DIR the near-valid inputs and their verdicts are kept
 * (DIR/N.pol, DIR/verdicts.txt) for diff_kernel_model.py.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>

#include "../common/gen.h"
#include "compiler/model.h" /* white-box: the model's fields (interning, pool), not only the accessors */

struct buf {
	char *s;
	size_t len, cap;
};

static void put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(b, tmp, (size_t)n);
}

/* ---- the generated model ---- */

struct gprop {
	int type;
	char alg[16];
	uint8_t dig[64];
	unsigned dlen;
};

struct grule {
	int op, action;
	struct gprop props[6];
	unsigned nprops;
	bool is_default; /* op default (op >= 0) or global (op < 0) */
};

struct gpol {
	char name[300];
	size_t name_len;
	unsigned ver[3];
	struct grule rules[72];
	unsigned nrules;
};

static const char *const op_tok[] = { "op=EXECUTE",	    "op=FIRMWARE", "op=KMODULE",  "op=KEXEC_IMAGE",
				      "op=KEXEC_INITRAMFS", "op=POLICY",   "op=X509_CERT" };

static void gen_name(struct gpol *g)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-=$'\"";
	size_t n = chance(5) ? 200 + rn(56) : 1 + rn(20);

	for (size_t i = 0; i < n; i++) {
		unsigned char c;

		if (chance(5))
			c = (unsigned char)(0x80 + rn(128)); /* bytes >= 0x80, incl. 0xA0 (not last token) */
		else if (chance(2))
			c = (unsigned char)"\v\f\x01\x7f"[rn(4)];
		else
			c = (unsigned char)safe[rn(sizeof(safe) - 1)];
		g->name[i] = (char)c;
	}
	g->name[n] = '\0';
	g->name_len = n;
	if (strcmp(g->name, ".") == 0 || strcmp(g->name, "..") == 0)
		g->name[0] = 'x';
}

static void gen_prop(struct gprop *p)
{
	static const char *const algs[] = { "sha256", "sha512", "SHA256", "", "md5", "x\x80y" };

	memset(p, 0, sizeof(*p));
	p->type = (int)rn(IPE_PROP_COUNT);
	if (ipe_prop_is_digest(p->type)) {
		snprintf(p->alg, sizeof(p->alg), "%s", algs[rn(sizeof(algs) / sizeof(algs[0]))]);
		p->dlen = chance(10) ? 0 : chance(50) ? 32 : rn(64);
		for (unsigned i = 0; i < p->dlen; i++)
			p->dig[i] = (uint8_t)rnd();
	}
}

static void gen_policy(struct gpol *g)
{
	bool have_gdef = false, have_opdef[IPE_OP_COUNT] = { false };
	unsigned n = rn(40);

	memset(g, 0, sizeof(*g));
	gen_name(g);
	for (int i = 0; i < 3; i++)
		g->ver[i] = chance(20) ? 65535 - rn(3) : rn(chance(50) ? 10 : 65536);
	for (unsigned i = 0; i < n && g->nrules < 60; i++) {
		struct grule *r = &g->rules[g->nrules];

		memset(r, 0, sizeof(*r));
		r->action = (int)rn(2);
		if (chance(15)) {
			int op = chance(30) ? -1 : (int)rn(IPE_OP_COUNT);

			if (op < 0 ? have_gdef : have_opdef[op])
				continue;
			if (op < 0)
				have_gdef = true;
			else
				have_opdef[op] = true;
			r->is_default = true;
			r->op = op;
		} else {
			r->op = (int)rn(IPE_OP_COUNT);
			r->nprops = rn(5);
			for (unsigned k = 0; k < r->nprops; k++)
				gen_prop(&r->props[k]);
		}
		g->nrules++;
	}
	/* completeness: a global default, or a default for every op */
	if (!have_gdef) {
		bool all = chance(20);

		for (int op = all ? 0 : -1; op < (all ? IPE_OP_COUNT : 0); op++) {
			unsigned pos;

			if (op >= 0 && have_opdef[op])
				continue;
			pos = rn(g->nrules + 1);
			memmove(&g->rules[pos + 1], &g->rules[pos], (g->nrules - pos) * sizeof(g->rules[0]));
			memset(&g->rules[pos], 0, sizeof(g->rules[0]));
			g->rules[pos].is_default = true;
			g->rules[pos].op = op;
			g->rules[pos].action = (int)rn(2);
			g->nrules++;
		}
	}
}

/* ---- text writers ---- */

static void write_prop_canon(struct buf *b, const struct gprop *p, bool upper)
{
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	if (!ipe_prop_is_digest(p->type)) {
		puts_(b, ipe_prop_token(p->type));
		return;
	}
	puts_(b, ipe_prop_key(p->type));
	puts_(b, "=");
	puts_(b, p->alg);
	puts_(b, ":");
	for (unsigned i = 0; i < p->dlen; i++) {
		put(b, &hex[p->dig[i] >> 4], 1);
		put(b, &hex[p->dig[i] & 15], 1);
	}
}

static void canon_from_model(const struct gpol *g, struct buf *b)
{
	puts_(b, "policy_name=");
	put(b, g->name, g->name_len);
	putf(b, " policy_version=%u.%u.%u\n", g->ver[0], g->ver[1], g->ver[2]);
	for (unsigned i = 0; i < g->nrules; i++)
		if (g->rules[i].is_default && g->rules[i].op < 0)
			putf(b, "DEFAULT action=%s\n", ipe_action_name(g->rules[i].action));
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		for (unsigned i = 0; i < g->nrules; i++)
			if (g->rules[i].is_default && g->rules[i].op == op)
				putf(b, "DEFAULT %s action=%s\n", op_tok[op], ipe_action_name(g->rules[i].action));
		for (unsigned i = 0; i < g->nrules; i++) {
			const struct grule *r = &g->rules[i];

			if (r->is_default || r->op != op)
				continue;
			puts_(b, op_tok[op]);
			for (unsigned k = 0; k < r->nprops; k++) {
				puts_(b, " ");
				write_prop_canon(b, &r->props[k], false);
			}
			putf(b, " action=%s\n", ipe_action_name(r->action));
		}
	}
}

static void sep(struct buf *b)
{
	unsigned n = chance(70) ? 1 : 1 + rn(4);

	for (unsigned i = 0; i < n; i++)
		puts_(b, chance(70) ? " " : "\t");
}

static void maybe_blank_lines(struct buf *b)
{
	while (chance(10)) {
		switch (rn(5)) {
		case 0: puts_(b, "\n"); break;
		case 1: puts_(b, "# a comment line\n"); break;
		case 2: puts_(b, "   \t\v\f\xa0\n"); break;
		case 3: puts_(b, "\r"); break;
		default: puts_(b, "  # op=EXECUTE action=DENY\r\n"); break;
		}
	}
}

static void line_end(struct buf *b)
{
	/* trailing junk the kernel trims or cuts */
	if (chance(10)) {
		static const char *const junk[] = { "\v", "\f", "\xa0", " \v\xa0\f", "\t\t", " \v \xa0" };

		puts_(b, junk[rn(6)]);
	}
	if (chance(15))
		puts_(b, chance(50) ? "#glued comment" : " # comment op=X action=Y");
	switch (rn(6)) {
	case 0: puts_(b, "\r\n"); break;
	case 1: puts_(b, "\r"); break;
	default: puts_(b, "\n"); break;
	}
}

static void write_version_part(struct buf *b, unsigned v)
{
	if (chance(15))
		puts_(b, "+");
	if (chance(15)) {
		unsigned z = 1 + rn(4);

		for (unsigned i = 0; i < z; i++)
			puts_(b, "0");
	}
	putf(b, "%u", v);
}

static void noisy_from_model(const struct gpol *g, struct buf *b)
{
	maybe_blank_lines(b);
	if (chance(20))
		sep(b);
	puts_(b, "policy_name=");
	put(b, g->name, g->name_len);
	sep(b);
	puts_(b, "policy_version=");
	for (int i = 0; i < 3; i++) {
		if (i)
			puts_(b, ".");
		write_version_part(b, g->ver[i]);
	}
	line_end(b);
	for (unsigned i = 0; i < g->nrules; i++) {
		const struct grule *r = &g->rules[i];

		maybe_blank_lines(b);
		if (chance(10))
			sep(b);
		if (r->is_default) {
			puts_(b, "DEFAULT");
			sep(b);
			if (r->op >= 0) {
				puts_(b, op_tok[r->op]);
				sep(b);
			}
		} else {
			puts_(b, op_tok[r->op]);
			sep(b);
			for (unsigned k = 0; k < r->nprops; k++) {
				write_prop_canon(b, &r->props[k], chance(30));
				sep(b);
			}
		}
		putf(b, "action=%s", ipe_action_name(r->action));
		line_end(b);
	}
	maybe_blank_lines(b);
	if (chance(5)) {
		put(b, "\0", 1);
		puts_(b, "junk after NUL\nop=BOGUS action=MAYBE\n");
	}
}

/* ---- checks ---- */

static unsigned long failures;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			failures++;                                        \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			return false;                                      \
		}                                                          \
	} while (0)

static void dump_text(const char *what, const char *s, size_t len)
{
	fprintf(stderr, "---- %s (%zu bytes) ----\n", what, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || (c >= 0x20 && c < 0x7f))
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\n----\n");
}

static bool props_equal(const struct ipe_policy *a, const struct ipe_prop *pa, const struct ipe_policy *b,
			const struct ipe_prop *pb)
{
	if (pa->type != pb->type)
		return false;
	if (!ipe_prop_is_digest(pa->type))
		return true;
	return pa->digest_len == pb->digest_len && strcmp(ipe_prop_alg(a, pa), ipe_prop_alg(b, pb)) == 0 &&
	       memcmp(ipe_prop_digest(a, pa), ipe_prop_digest(b, pb), pa->digest_len) == 0;
}

static bool models_equal(const struct ipe_policy *a, const struct ipe_policy *b)
{
	CHECK(a->has_header == b->has_header, "header");
	CHECK(a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0, "name");
	CHECK(memcmp(a->version, b->version, sizeof(a->version)) == 0, "version");
	CHECK(a->global_default == b->global_default, "global default");
	CHECK(a->nrules == b->nrules, "nrules %zu vs %zu", a->nrules, b->nrules);
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const struct ipe_op_table *ta = &a->ops[op], *tb = &b->ops[op];

		CHECK(ta->default_action == tb->default_action, "op %d default", op);
		CHECK(ta->nrules == tb->nrules, "op %d nrules", op);
		for (size_t i = 0; i < ta->nrules; i++) {
			const struct ipe_rule *ra = &ta->rules[i], *rb = &tb->rules[i];

			CHECK(ra->op == rb->op && ra->action == rb->action && ra->nprops == rb->nprops,
			      "op %d rule %zu", op, i);
			for (uint32_t k = 0; k < ra->nprops; k++)
				CHECK(props_equal(a, ipe_rule_props(a, ra) + k, b, ipe_rule_props(b, rb) + k),
				      "op %d rule %zu prop %u", op, i, k);
		}
	}
	return true;
}

static bool model_matches_gen(const struct ipe_policy *p, const struct gpol *g)
{
	size_t idx[IPE_OP_COUNT] = { 0 };
	size_t total = 0;

	CHECK(p->name_len == g->name_len && memcmp(p->name, g->name, g->name_len) == 0, "name");
	for (int i = 0; i < 3; i++)
		CHECK(p->version[i] == g->ver[i], "version part %d: %u vs %u", i, p->version[i], g->ver[i]);
	CHECK(p->global_default == IPE_ACTION_NONE || p->global_default == IPE_ACTION_ALLOW ||
		      p->global_default == IPE_ACTION_DENY, "global default value");
	for (unsigned i = 0; i < g->nrules; i++) {
		const struct grule *r = &g->rules[i];

		if (r->is_default) {
			if (r->op < 0)
				CHECK(p->global_default == r->action, "global default");
			else
				CHECK(p->ops[r->op].default_action == r->action, "op %d default", r->op);
			continue;
		}
		{
			const struct ipe_rule *pr;

			CHECK(idx[r->op] < p->ops[r->op].nrules, "missing rule %u", i);
			pr = &p->ops[r->op].rules[idx[r->op]++];
			total++;
			CHECK(pr->action == r->action && pr->nprops == r->nprops, "rule %u", i);
			for (unsigned k = 0; k < r->nprops; k++) {
				const struct ipe_prop *pp = ipe_rule_props(p, pr) + k;
				const struct gprop *gp = &r->props[k];

				CHECK(pp->type == gp->type, "rule %u prop %u type", i, k);
				if (ipe_prop_is_digest(gp->type)) {
					CHECK(strcmp(ipe_prop_alg(p, pp), gp->alg) == 0, "rule %u prop %u alg", i, k);
					CHECK(pp->digest_len == gp->dlen &&
						      memcmp(ipe_prop_digest(p, pp), gp->dig, gp->dlen) == 0,
					      "rule %u prop %u digest", i, k);
				}
			}
		}
	}
	CHECK(total == p->nrules, "rule count %zu vs %zu", total, p->nrules);
	return true;
}

static struct ipe_policy *parse(struct ipe_ctx *ctx, const char *text, size_t len)
{
	struct ipe_policy *p = NULL;
	uint32_t src;

	if (ipe_source_from_memory(ctx, "prop", text, len, false, &src) || ipe_policy_parse(ctx, src, &p))
		abort();
	return p;
}

/* canonical fixed point and model equality for an accepted text */
static bool check_fixed_point(struct ipe_ctx *ctx, const struct ipe_policy *p, char **ret_canon, size_t *ret_len)
{
	char *c1 = NULL, *c2 = NULL;
	size_t l1 = 0, l2 = 0;
	struct ipe_policy *q;
	bool ok = true;

	CHECK(ipe_policy_emit_canonical(p, &c1, &l1) == 0, "emit");
	if (ipe_policy_canonical_length(p) != l1) {
		failures++;
		fprintf(stderr, "FAIL: canonical length %zu, emitted %zu bytes\n", ipe_policy_canonical_length(p), l1);
		dump_text("canonical", c1, l1);
	}
	q = parse(ctx, c1, l1);
	if (q->verdict.err) {
		failures++;
		fprintf(stderr, "FAIL: canonical text rejected with %s\n", ipe_errno_name(q->verdict.err));
		dump_text("canonical", c1, l1);
		ok = false;
	} else if (!models_equal(p, q)) {
		dump_text("canonical", c1, l1);
		ok = false;
	} else if (ipe_policy_emit_canonical(q, &c2, &l2) != 0 || l1 != l2 || memcmp(c1, c2, l1) != 0) {
		failures++;
		fprintf(stderr, "FAIL: canonical is not a fixed point\n");
		dump_text("c1", c1, l1);
		if (c2)
			dump_text("c2", c2, l2);
		ok = false;
	}
	ipe_policy_free(q);
	free(c2);
	if (ok && ret_canon) {
		*ret_canon = c1;
		*ret_len = l1;
	} else {
		free(c1);
	}
	return ok;
}

static bool one_valid(struct gpol *g)
{
	struct buf text = { 0 }, want = { 0 };
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p;
	char *canon = NULL;
	size_t clen = 0;
	bool ok = false;

	gen_policy(g);
	noisy_from_model(g, &text);
	canon_from_model(g, &want);
	if (ipe_ctx_new(&ctx))
		abort();
	p = parse(ctx, text.s, text.len);
	if (p->verdict.err) {
		failures++;
		fprintf(stderr, "FAIL: valid policy rejected: %s at %u:%u (%s)\n", ipe_errno_name(p->verdict.err),
			p->verdict.loc.line, p->verdict.loc.col, p->verdict.code);
		dump_text("input", text.s, text.len);
		goto out;
	}
	if (!model_matches_gen(p, g)) {
		dump_text("input", text.s, text.len);
		goto out;
	}
	if (!check_fixed_point(ctx, p, &canon, &clen)) {
		dump_text("input", text.s, text.len);
		goto out;
	}
	if (clen != want.len || memcmp(canon, want.s, clen) != 0) {
		failures++;
		fprintf(stderr, "FAIL: canonical text differs from the model's\n");
		dump_text("input", text.s, text.len);
		dump_text("got", canon, clen);
		dump_text("want", want.s, want.len);
		goto out;
	}
	ok = true;
out:
	free(canon);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	free(text.s);
	free(want.s);
	return ok;
}

static FILE *dump_list;     /* IPE_PROPS_DUMP=DIR: keep the near-valid inputs and verdicts */
static const char *dump_dir;
static unsigned long dump_n;

static void dump_case(const char *text, size_t len, const struct ipe_policy *p)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%lu.pol", dump_dir, dump_n);
	f = fopen(path, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f))
		abort();
	if (p->verdict.err)
		fprintf(dump_list, "%lu %s %u\n", dump_n, ipe_errno_name(p->verdict.err), p->verdict.loc.offset);
	else
		fprintf(dump_list, "%lu OK 0\n", dump_n);
	dump_n++;
}

static bool one_near_valid(struct gpol *g, unsigned long *accepted, unsigned long *rejected)
{
	static const char mutations[] = "=:.#\t \v\r\n\xa0\x00+-0aAgG/xyz";
	struct buf text = { 0 };
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p;
	bool ok = true;
	unsigned nmut = 1 + rn(2);

	gen_policy(g);
	noisy_from_model(g, &text);
	for (unsigned i = 0; i < nmut; i++) {
		size_t pos = rn((unsigned)text.len);

		switch (rn(3)) {
		case 0: /* replace */
			text.s[pos] = mutations[rn(sizeof(mutations) - 1)];
			break;
		case 1: /* delete */
			memmove(text.s + pos, text.s + pos + 1, text.len - pos - 1);
			text.len--;
			break;
		default: /* duplicate */
			put(&text, "", 1);
			memmove(text.s + pos + 1, text.s + pos, text.len - pos - 1);
			break;
		}
	}
	if (ipe_ctx_new(&ctx))
		abort();
	p = parse(ctx, text.s, text.len);
	if (dump_list)
		dump_case(text.s, text.len, p);
	if (p->verdict.err == 0) {
		(*accepted)++;
		if (!check_fixed_point(ctx, p, NULL, NULL)) {
			dump_text("input", text.s, text.len);
			ok = false;
		}
	} else {
		char *c = NULL;
		int e = p->verdict.err;

		(*rejected)++;
		if (!(e == EBADMSG || e == EINVAL || e == ERANGE || e == EACCES || e == ENAMETOOLONG) ||
		    p->verdict.loc.offset > p->text_len || !p->verdict.code ||
		    ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR) == 0 ||
		    ipe_policy_emit_canonical(p, &c, NULL) != -EINVAL) {
			failures++;
			fprintf(stderr, "FAIL: bad rejection (%d at offset %u)\n", e, p->verdict.loc.offset);
			dump_text("input", text.s, text.len);
			free(c);
			ok = false;
		}
	}
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	free(text.s);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 5000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x1be5eed;
	unsigned long acc = 0, rej = 0;
	struct gpol *g = malloc(sizeof(*g));

	if (!g)
		return 1;
	dump_dir = getenv("IPE_PROPS_DUMP");
	if (dump_dir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/verdicts.txt", dump_dir);
		dump_list = fopen(path, "w");
		if (!dump_list)
			return 1;
	}
	rng_state = seed ? seed : 1;
	for (unsigned long i = 0; i < iters && failures < 5; i++) {
		uint64_t s = rng_state;

		if (!one_valid(g))
			fprintf(stderr, "  (valid case %lu, rng state 0x%llx)\n", i, (unsigned long long)s);
	}
	for (unsigned long i = 0; i < iters && failures < 5; i++) {
		uint64_t s = rng_state;

		if (!one_near_valid(g, &acc, &rej))
			fprintf(stderr, "  (near-valid case %lu, rng state 0x%llx)\n", i, (unsigned long long)s);
	}
	free(g);
	if (dump_list)
		fclose(dump_list);
	printf("%lu valid policies, %lu near-valid (%lu accepted, %lu rejected), seed 0x%llx: %lu failure(s)\n",
	       iters, iters, acc, rej, (unsigned long long)seed, failures);
	/* the near-valid set must really exercise both outcomes */
	if (!failures && iters >= 1000 && (acc < iters / 50 || rej < iters / 50)) {
		fprintf(stderr, "FAIL: near-valid mix degenerate\n");
		return 1;
	}
	return failures ? 1 : 0;
}
