/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the audit-record reader (ipe_audit_parse: raw
 * audit.log, ausearch --raw, dmesg and journal lines).  Invariants: no
 * crash, leak or sanitizer report; every record points inside the input's
 * lines, merged counts add up to at most the records found, and reading the same
 * bytes twice gives the same records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/explain.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_audit_log *a = NULL, *b = NULL;
	size_t total = 0;

	if (ipe_ctx_new(&ctx))
		return 0;
	if (ipe_audit_parse(ctx, "fuzz.log", data, size, &a) || !a)
		goto out;
	if (a->nrecords > a->nipe || a->nipe > a->nlines)
		abort();
	for (size_t i = 0; i < a->nrecords; i++) {
		const struct ipe_audit_record *r = &a->records[i];

		if (r->line == 0 || r->line > a->nlines || r->count == 0)
			abort();
		if (!r->has_file && r->path)
			abort();
		total += r->count;
	}
	if (total > a->nipe) /* malformed records are found but not kept */
		abort();
	if (ipe_audit_parse(ctx, "again", data, size, &b) || !b)
		goto out;
	if (b->nrecords != a->nrecords || b->nipe != a->nipe)
		abort();
	for (size_t i = 0; i < a->nrecords; i++) {
		const struct ipe_audit_record *x = &a->records[i], *y = &b->records[i];

		if (x->line != y->line || x->op != y->op || x->count != y->count || x->ino != y->ino ||
		    !str_eq(x->path, y->path) || !str_eq(x->dev, y->dev) || !str_eq(x->rule, y->rule) ||
		    !str_eq(x->hook, y->hook))
			abort();
	}
out:
	ipe_audit_log_free(a);
	ipe_audit_log_free(b);
	ipe_ctx_free(ctx);
	return 0;
}
