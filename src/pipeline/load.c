/* SPDX-License-Identifier: MIT */
/*
 * ipe_policy_load_file() (include/ipe/pipeline.h): what ipe-check does with
 * one input file before the checks.  Kernel text, a signed blob (its signed
 * content, with the size note), an ipe-compile source (on request, or
 * detected on a file the kernel rejects).  In the pipeline layer because it
 * needs the signer (blob extraction) and the source front end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/compile.h>
#include <ipe/diag.h>
#include <ipe/pipeline.h>
#include <ipe/policy.h>
#include <ipe/sign.h>

#include "util/internal.h"
#include "util/opts.h"

/* The kernel's limit on a policy write (blob bytes). */
#define KERNEL_BLOB_MAX 65535

/* Is the first token of some line "include" or "set"?  One memchr per line. */
static bool any_line_starts_include_or_set(const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n;) {
		const unsigned char *nl = memchr(d + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - d) : n;
		size_t w;

		while (i < e && (d[i] == ' ' || d[i] == '\t'))
			i++;
		w = e - i >= 7 && memcmp(d + i, "include", 7) == 0 ? 7 : e - i >= 3 && memcmp(d + i, "set", 3) == 0 ? 3 : 0;
		if (w && (i + w == e || d[i + w] == ' ' || d[i + w] == '\t' || d[i + w] == '#'))
			return true;
		i = e + 1;
	}
	return false;
}

/* Does the text use ipe-compile's extensions (a line starting with include
 * or set, "KEY in @SET", op=A,B)?  Only decides whether to try the source
 * front end on a text the kernel would reject. */
static bool looks_like_source(const unsigned char *d, size_t n)
{
	size_t i = 0;

	/* "in @SET" needs an '@' and op=A,B a ',': without either, only the
	 * line starts matter (a policy's worth of bytes in a few ms) */
	if (!memchr(d, '@', n) && !memchr(d, ',', n))
		return any_line_starts_include_or_set(d, n);
	while (i < n) {
		size_t e = i, tok = 0;
		bool prev_in = false;

		while (e < n && d[e] != '\n')
			e++;
		for (size_t j = i; j < e;) {
			size_t k;

			while (j < e && (d[j] == ' ' || d[j] == '\t'))
				j++;
			if (j >= e || d[j] == '#')
				break;
			k = j;
			while (k < e && d[k] != ' ' && d[k] != '\t' && d[k] != '#')
				k++;
			if (tok == 0 && ((k - j == 7 && memcmp(d + j, "include", 7) == 0) ||
					 (k - j == 3 && memcmp(d + j, "set", 3) == 0)))
				return true;
			if (prev_in && d[j] == '@')
				return true;
			if (k - j > 3 && memcmp(d + j, "op=", 3) == 0 && memchr(d + j, ',', k - j))
				return true;
			prev_in = k - j == 2 && memcmp(d + j, "in", 2) == 0;
			tok++;
			j = k;
		}
		i = e + 1;
	}
	return false;
}

/* A signed blob: register its signed content as the source to check and
 * add the size note.  0, -EBADMSG (no policy text: IPE-S030 error) or a
 * negative errno (the content cannot be registered). */
static int load_blob(struct ipe_ctx *ctx, const char *path, const unsigned char *blob, size_t len,
		     struct ipe_load_result *r)
{
	struct ipe_loc at = { .src = r->src, .line = 1, .col = 1 };
	uint8_t *inner = NULL;
	size_t inner_len = 0;
	char *signer = NULL, *name = NULL;
	struct ipe_diag *d;
	int rc = ipe_blob_extract(ctx, blob, len, &inner, &inner_len);

	if (rc) {
		ipe_diag_add(ctx, "IPE-S030", IPE_SEV_ERROR, &at, "check the file with 'ipe-sign inspect'",
			     "this looks like a signed blob (DER PKCS#7), but no policy text can be read from it");
		r->failed = IPE_LOAD_FAILED_BLOB;
		return -EBADMSG;
	}
	if (asprintf(&name, "%s (signed content)", path) < 0)
		name = NULL;
	rc = name ? ipe_source_from_memory(ctx, name, inner, inner_len, true, &r->src) : -ENOMEM;
	free(name);
	free(inner);
	if (rc) {
		r->failed = IPE_LOAD_FAILED_READ;
		return rc;
	}
	if (ipe_blob_signer_text(ctx, blob, len, &signer) != 0)
		signer = NULL;
	at.src = r->src;
	d = ipe_diag_add(ctx, "IPE-S030", len > KERNEL_BLOB_MAX ? IPE_SEV_ERROR : IPE_SEV_NOTE, &at,
			 len > KERNEL_BLOB_MAX ? "allow a dm-verity root hash instead of per-file digests, or sign with --no-cert"
					       : NULL,
			 "signed blob of %zu bytes (the kernel takes at most 65,535%s): checked the policy text it signs (%zu bytes); signer: %s",
			 len, len > KERNEL_BLOB_MAX ? "; this one it refuses with EMSGSIZE" : "", inner_len,
			 signer ? signer : "unknown");
	if (d && len > KERNEL_BLOB_MAX)
		d->kernel_errno = EMSGSIZE;
	free(signer);
	r->blob_len = len;
	r->kind = IPE_LOAD_BLOB;
	return 0;
}

/* Kernel text that looks like a source: true when detected (r->policy is
 * the kernel's verdict on the file, r->compiled the compiled policy).  The
 * source front end runs on a scratch context first: its diagnostics only
 * count when it compiles. */
static bool try_detected(struct ipe_ctx *ctx, const struct ipe_source *s, const unsigned char *sdata, size_t slen,
			 const struct ipe_source_opts *sopts, struct ipe_load_result *r)
{
	struct ipe_loc at = { .line = 1, .col = 1 };
	struct ipe_ctx *sctx = NULL;
	struct ipe_policy *sp = NULL;
	uint32_t ssrc;
	bool compiles = !ipe_ctx_new(&sctx) && !ipe_source_from_memory(sctx, ipe_source_name(s), sdata, slen, false, &ssrc) &&
			!ipe_policy_parse_source(sctx, ssrc, sopts, &sp) && !ipe_policy_verdict(sp)->err;

	ipe_policy_free(sp);
	sp = NULL;
	/* the kernel's verdict on the file, with only the error it returns
	 * (every extension line is a kernel error: no flood) */
	ipe_ctx_diag_clear(sctx);
	if (compiles && !ipe_policy_parse(sctx, ssrc, &sp) && ipe_policy_verdict(sp)->err &&
	    ipe_policy_parse_source(ctx, r->src, sopts, &r->compiled) == 0) {
		const struct ipe_diag *first = NULL;
		struct ipe_loc vl = ipe_policy_verdict(sp)->loc;

		for (size_t i = 0; i < ipe_ctx_diag_count(sctx) && !first; i++) {
			const struct ipe_diag *d = ipe_ctx_diag(sctx, i);

			if (d->severity == IPE_SEV_ERROR && d->loc.line == vl.line && d->loc.col == vl.col)
				first = d;
		}
		vl.src = at.src = r->src;
		ipe_diag_add(ctx, "IPE-N001", IPE_SEV_NOTE, &at,
			     "load what 'ipe-compile FILE' writes; 'ipe-check --source FILE' checks the source alone",
			     "this file uses ipe-compile extensions (include, set, op=A,B): the kernel rejects it as written, and the checks ran on the policy ipe-compile makes of it");
		if (first) {
			struct ipe_diag *d = ipe_diag_add(ctx, first->code, IPE_SEV_ERROR, &vl, first->hint, "%s",
							  first->message);

			if (d)
				d->kernel_errno = first->kernel_errno;
		}
		ipe_policy_set_source(sp, r->src);
		r->policy = sp;
		r->kind = IPE_LOAD_DETECTED;
		ipe_ctx_free(sctx);
		return true;
	}
	ipe_policy_free(sp);
	ipe_ctx_free(sctx);
	return false;
}

int ipe_policy_load_file(struct ipe_ctx *ctx, const char *path, const struct ipe_load_opts *opts,
			 struct ipe_load_result *result)
{
	const struct ipe_source_opts *sopts = opts ? opts->source : NULL;
	bool source = opts && (opts->flags & IPE_LOAD_AS_SOURCE);
	const struct ipe_source *s;
	const unsigned char *sdata;
	size_t slen, ndiags;
	bool blob = false;
	int rc;

	if (!result)
		return -EINVAL;
	memset(result, 0, sizeof(*result));
	result->src = IPE_SRC_NONE;
	if (!ctx || !path || IPE_OPTS_CHECK(opts, IPE_LOAD_OPTS_V1) ||
	    (opts && (opts->flags & ~(uint32_t)IPE_LOAD_AS_SOURCE)))
		return -EINVAL;
	rc = ipe_source_from_file(ctx, path, &result->src);
	if (rc) {
		result->failed = IPE_LOAD_FAILED_READ;
		return rc;
	}
	s = ipe_ctx_source(ctx, result->src);
	sdata = ipe_source_data(s, &slen);
	/* DER: a SEQUENCE with a long-form (or BER indefinite) length; no
	 * policy text starts like that */
	if (slen >= 2 && sdata[0] == 0x30 && sdata[1] >= 0x80) {
		rc = load_blob(ctx, path, sdata, slen, result);
		if (rc)
			return rc;
		blob = true;
	}
	if (source)
		result->kind = IPE_LOAD_SOURCE;
	ndiags = ipe_ctx_diag_count(ctx);
	rc = source ? ipe_policy_parse_source(ctx, result->src, sopts, &result->policy)
		    : ipe_policy_parse(ctx, result->src, &result->policy);
	/* A file the kernel rejects may be an ipe-compile source.  Detection
	 * needs that rejection (try_detected), so a text the kernel accepts is
	 * never scanned for extensions.  Otherwise as if the detection ran
	 * first: this parse's findings and policy are dropped, and the file is
	 * parsed again when it is no source after all. */
	if (!rc && !source && !blob && ipe_policy_verdict(result->policy)->err && looks_like_source(sdata, slen)) {
		ipe_policy_free(result->policy);
		result->policy = NULL;
		ipe_ctx_diag_truncate(ctx, ndiags);
		s = ipe_ctx_source(ctx, result->src);
		if (try_detected(ctx, s, sdata, slen, sopts, result))
			return 0;
		rc = ipe_policy_parse(ctx, result->src, &result->policy);
	}
	if (rc) {
		ipe_policy_free(result->policy);
		result->policy = NULL;
		result->failed = IPE_LOAD_FAILED_PARSE;
	}
	return rc;
}

void ipe_load_result_clear(struct ipe_load_result *result)
{
	if (!result)
		return;
	ipe_policy_free(result->policy);
	ipe_policy_free(result->compiled);
	memset(result, 0, sizeof(*result));
	result->src = IPE_SRC_NONE;
}
