/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the linter (what `ipe-check` runs on every policy
 * the kernel would accept): lint with every check enabled, render the
 * findings (text, JSON, SARIF), and prove the behaviour claims of the first
 * findings on the input itself, as tests/lint/test_lint_sound.c does on
 * generated policies:
 *  - "dead", "unreachable", "duplicate", "redundant", "never matches"
 *    (lint_check_claim(), the catalogue's list): the policy without the
 *    flagged kernel line is accepted and equivalent (the physical event
 *    space for the claims that rest on what a kernel file can be);
 *  - W103 "the op's DEFAULT never applies": the policy with that DEFAULT's
 *    action flipped is equivalent.
 * W110's conditional form ("not a hash algorithm known to the kernel:
 * unless the target kernel provides it, ... never matches") claims nothing
 * unconditional: the model keeps such a name possible (a crypto API hash
 * this tool does not know), so it is not proven here.
 * A false claim, a finding outside the text, or two lint runs that differ
 * abort.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/diag.h>
#include <ipe/equiv.h>
#include <ipe/lint.h>
#include <ipe/policy.h>
#include <ipe/report.h>

#include "compiler/checks/checks.h"
#include "compiler/equiv_internal.h"
#include "util/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CLAIMS 8 /* equivalence proofs per input */

static FILE *devnull;

/* The kernel line holding byte off: every '\n' and every '\r' ends one. */
static void kline_at(const uint8_t *d, size_t n, size_t off, size_t *b, size_t *e)
{
	*b = off;
	while (*b > 0 && d[*b - 1] != '\n' && d[*b - 1] != '\r')
		(*b)--;
	*e = off;
	while (*e < n && d[*e] != '\n' && d[*e] != '\r')
		(*e)++;
}

/* data with [b, e) replaced by rep (rlen bytes); malloc'd. */
static uint8_t *splice(const uint8_t *d, size_t n, size_t b, size_t e, const char *rep, size_t rlen, size_t *ret)
{
	uint8_t *t = malloc(n - (e - b) + rlen + 1);

	if (!t)
		return NULL;
	memcpy(t, d, b);
	memcpy(t + b, rep, rlen);
	memcpy(t + b + rlen, d + e, n - e);
	*ret = n - (e - b) + rlen;
	return t;
}

/* W103: the same text with the action of the DEFAULT line [b, e) flipped;
 * NULL when no action token is found before a comment. */
static uint8_t *flip_action(const uint8_t *d, size_t n, size_t b, size_t e, size_t *ret)
{
	for (size_t i = b; i < e && d[i] != '#'; i++) {
		if (i > b && d[i - 1] != ' ' && d[i - 1] != '\t')
			continue;
		if (e - i >= 12 && memcmp(d + i, "action=ALLOW", 12) == 0)
			return splice(d, n, i, i + 12, "action=DENY", 11, ret);
		if (e - i >= 11 && memcmp(d + i, "action=DENY", 11) == 0)
			return splice(d, n, i, i + 11, "action=ALLOW", 12, ret);
	}
	return NULL;
}

/* Is the text t accepted and equivalent to p?  1 yes, 0 no, -1 no memory. */
static int equivalent_text(const struct ipe_policy *p, const uint8_t *t, size_t n, bool physical)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *q = NULL;
	struct ipe_equiv_result r;
	uint32_t src;
	int rc, ret = -1;

	if (ipe_ctx_new(&ctx))
		return -1;
	if (ipe_source_from_memory(ctx, "claim.pol", t, n, true, &src) || ipe_policy_parse(ctx, src, &q) == -ENOMEM)
		goto out;
	if (!q || ipe_policy_verdict(q)->err) {
		ret = 0;
		goto out;
	}
	rc = ipe_policy_equivalent_model(p, q, NULL, physical, &r);
	ret = rc == -ENOMEM ? -1 : !rc && r.equivalent;
	if (!rc)
		ipe_equiv_result_clear(&r);
	if (rc && rc != -ENOMEM)
		abort(); /* both policies are accepted ones */
out:
	ipe_policy_free(q);
	ipe_ctx_free(ctx);
	return ret;
}

static void prove(const struct ipe_policy *p, const uint8_t *data, size_t size, const struct ipe_diag *d)
{
	enum lint_claim claim = lint_check_claim(d->code);
	bool phys = claim == LINT_CLAIM_DELETE_PHYS, del = phys || claim == LINT_CLAIM_DELETE;
	uint8_t *t = NULL;
	size_t b, e, n;

	kline_at(data, size, d->loc.offset, &b, &e);
	if (del)
		t = splice(data, size, b, e, "", 0, &n);
	else
		t = flip_action(data, size, b, e, &n);
	if (!t) {
		if (del)
			return; /* no memory */
		abort();        /* a W103 line without its action */
	}
	if (equivalent_text(p, t, n, phys) == 0) {
		fprintf(stderr, "fuzz_lint: false claim %s at line %u: %s\n", d->code, d->loc.line, d->message);
		abort();
	}
	free(t);
}

static bool same_diag(const struct ipe_diag *a, const struct ipe_diag *b)
{
	return strcmp(a->code, b->code) == 0 && a->severity == b->severity && a->loc.offset == b->loc.offset &&
	       a->loc.line == b->loc.line && a->loc.col == b->loc.col && strcmp(a->message, b->message) == 0 &&
	       !a->hint == !b->hint && (!a->hint || strcmp(a->hint, b->hint) == 0) && a->nrelated == b->nrelated;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_lint_config *cfg = NULL;
	struct ipe_policy *p = NULL;
	size_t claims = 0, n0, n1, n2, plen = size;
	const uint8_t *nul = memchr(data, 0, size);
	uint32_t src;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (ipe_ctx_new(&ctx))
		return 0;
	if (ipe_source_from_memory(ctx, "fuzz.pol", data, size, true, &src) || ipe_policy_parse(ctx, src, &p) ||
	    !p || ipe_policy_verdict(p)->err)
		goto out;
	if (ipe_lint_config_new(&cfg))
		goto out;
	for (size_t i = 0; i < ipe_check_count(); i++)
		ipe_lint_config_enable(cfg, ipe_check_at(i)->code, true);
	/* the policy ends at the first NUL (the kernel's C string; the lexer
	 * stops there): the proofs edit that text, never what follows */
	if (nul)
		plen = (size_t)(nul - data);
	/* lint twice into the parse's context: the same findings both times */
	n0 = ipe_ctx_diag_count(ctx);
	if (ipe_lint(ctx, cfg, p))
		goto out;
	n1 = ipe_ctx_diag_count(ctx);
	if (ipe_lint(ctx, cfg, p))
		goto out;
	n2 = ipe_ctx_diag_count(ctx);
	if (n2 - n1 != n1 - n0)
		abort();
	for (size_t i = n0; i < n1; i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

		if (!same_diag(d, ipe_ctx_diag(ctx, i + (n1 - n0))))
			abort();
		if (!d->code || !d->message || (d->loc.src == src && d->loc.offset > plen))
			abort();
		if (d->loc.src != src)
			continue;
		if (lint_check_claim(d->code) != LINT_CLAIM_NONE &&
		    !strstr(d->message, "unless the target kernel provides it") && claims++ < MAX_CLAIMS)
			prove(p, data, plen, d);
	}
	ipe_ctx_diag_truncate(ctx, n1);
	if (devnull) {
		struct ipe_report_file f = { .path = "fuzz.pol", .src = src, .policy = p };

		for (size_t i = 0; i < n1; i++)
			ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), devnull, 0);
		/* the machine formats write every finding with the same code */
		ipe_ctx_diag_truncate(ctx, 16);
		ipe_report_render_json(ctx, &f, 1, devnull);
		ipe_report_render_sarif(ctx, &f, 1, devnull);
	}
out:
	ipe_lint_config_free(cfg);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	return 0;
}
