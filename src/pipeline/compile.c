/* SPDX-License-Identifier: MIT */
/*
 * The compile pipeline (ipe_compile(), include/ipe/pipeline.h): parse, check,
 * override, lint, optimize-then-prove, emit, self-check, sign.  This layer
 * sits above the compiler and the signer; nothing below calls it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/binary.h>
#include <ipe/compile.h>
#include <ipe/equiv.h>
#include <ipe/io.h>
#include <ipe/lint.h>
#include <ipe/opt.h>
#include <ipe/pipeline.h>
#include <ipe/policy.h>
#include <ipe/sign.h>

#include "compiler/model.h"
#include "util/internal.h"
#include "util/opts.h"

_Static_assert(IPE_OPT_PASS_COUNT <= IPE_ARRAY_SIZE(((struct ipe_compile_result *)0)->opt_removed),
	       "ipe_compile_result.opt_removed holds every pass");

/* The largest previous policy --bump-from reads (text or signed blob). */
#define BUMP_READ_MAX (1u << 24)

/* ---- the header of a previous policy ---- */

int ipe_policy_header_from_blob(struct ipe_ctx *ctx, const char *display, const void *data, size_t len,
				char **ret_name, uint16_t ret_version[3])
{
	struct ipe_ctx *priv = NULL;
	struct ipe_policy *p = NULL;
	const uint8_t *text = data;
	uint8_t *inner = NULL;
	size_t tlen = len;
	struct ipe_loc l = { .src = IPE_SRC_NONE, .line = 0, .col = 0 };
	uint32_t src;
	int rc;

	if (!ctx || (!data && len) || !ret_name || !ret_version)
		return -EINVAL;
	/* parse in a private context: the old policy's findings are not ours */
	rc = ipe_ctx_new(&priv);
	if (rc)
		return rc;
	if (len > 0 && text[0] == 0x30) {
		/* a signed blob (DER SEQUENCE): the signer library extracts its content */
		if (ipe_blob_extract(priv, data, len, &inner, &tlen) < 0) {
			ipe_diag_add(ctx, "IPE-E140", IPE_SEV_ERROR, &l,
				     "give the previous policy as its text or as the signed .p7b (DER, attached content)",
				     "%s: looks like DER but holds no embedded policy text", display);
			rc = -EBADMSG;
			goto out;
		}
		text = inner;
	}
	rc = ipe_source_from_memory(priv, display, text, tlen, true, &src);
	if (!rc)
		rc = ipe_policy_parse(priv, src, &p);
	if (rc)
		goto out;
	if (!p->has_header || ipe_ctx_diag_count_severity(priv, IPE_SEV_ERROR) > 0) {
		const struct ipe_verdict *v = &p->verdict;

		if (!p->has_header || (v->code && (strcmp(v->code, "IPE-E002") == 0 || strcmp(v->code, "IPE-E003") == 0 ||
						   strcmp(v->code, "IPE-E004") == 0 || strcmp(v->code, "IPE-E005") == 0))) {
			ipe_diag_add(ctx, "IPE-E140", IPE_SEV_ERROR, &l,
				     "give the previous policy as its text or as the signed .p7b",
				     "%s: no valid policy header (policy_name=NAME policy_version=X.Y.Z) found", display);
			rc = -EBADMSG;
			goto out;
		}
	}
	*ret_name = strdup(p->name);
	if (!*ret_name) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(ret_version, p->version, sizeof(p->version));
out:
	free(inner);
	ipe_policy_free(p);
	ipe_ctx_free(priv);
	return rc;
}

/* ---- the pipeline ---- */

/* The caller's options (include/ipe/compile.h: version and reserved). */
static int copy_opts(const struct ipe_compile_opts *in, struct ipe_compile_opts *out)
{
	if (!in || IPE_OPTS_CHECK(in, IPE_COMPILE_OPTS_V1))
		return -EINVAL;
	*out = *in;
	if (out->format == IPE_COMPILE_SIGNED && !out->sign)
		return -EINVAL;
	return 0;
}

static int stop(struct ipe_compile_result *r, enum ipe_compile_stage stage, int rc)
{
	r->stage = stage;
	return rc;
}

/* Re-read the output as the kernel would: it must be accepted and emit
 * itself byte for byte.  A failure is a compiler bug. */
static int self_check(const char *text, size_t len)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = NULL;
	char *again = NULL;
	size_t alen = 0;
	uint32_t src;
	int rc;

	rc = ipe_ctx_new(&ctx);
	if (!rc)
		rc = ipe_source_from_memory(ctx, "<output>", text, len, false, &src);
	if (!rc)
		rc = ipe_policy_parse(ctx, src, &p);
	if (!rc && p->verdict.err)
		rc = -EPROTO;
	if (!rc)
		rc = ipe_policy_emit_canonical(p, &again, &alen);
	if (!rc && (alen != len || memcmp(again, text, len) != 0))
		rc = -EPROTO;
	free(again);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	return rc;
}

/* A binary read back must decode to the same canonical text. */
static int self_check_binary(const uint8_t *bin, size_t blen, const char *text, size_t len)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = NULL;
	char *again = NULL;
	size_t alen = 0;
	int rc;

	rc = ipe_ctx_new(&ctx);
	if (!rc)
		rc = ipe_policy_load_binary(ctx, bin, blen, &p);
	if (!rc)
		rc = ipe_policy_emit_canonical(p, &again, &alen);
	if (!rc && (alen != len || memcmp(again, text, len) != 0 || p->text_len != len))
		rc = -EPROTO;
	free(again);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	return rc;
}

/* bump_from, then version, then name. */
static int apply_overrides(struct ipe_ctx *ctx, const struct ipe_compile_opts *o, struct ipe_compile_result *r)
{
	struct ipe_policy *p = r->policy;
	uint16_t v[3];
	int rc;

	if (o->bump_from) {
		uint8_t *data = NULL;
		size_t len = 0;
		char *oldname = NULL;
		uint16_t oldv[3];

		rc = ipe_read_file(o->bump_from, BUMP_READ_MAX, &data, &len);
		if (rc)
			return stop(r, IPE_COMPILE_STAGE_BUMP_READ, rc);
		rc = ipe_policy_header_from_blob(ctx, o->bump_from, data, len, &oldname, oldv);
		free(data);
		if (rc)
			return stop(r, IPE_COMPILE_STAGE_BUMP_HEADER, rc);
		r->bump_name = oldname;
		if (ipe_version_next(oldv, v))
			return stop(r, IPE_COMPILE_STAGE_BUMP_VERSION, -ERANGE);
		/* the kernel updates a policy only under the same name */
		if (strcmp(oldname, o->name ? o->name : p->name) != 0)
			return stop(r, IPE_COMPILE_STAGE_BUMP_NAME, -EINVAL);
		ipe_policy_set_version(p, v);
	}
	if (o->policy_version)
		ipe_policy_set_version(p, o->policy_version);
	if (o->name) {
		rc = ipe_policy_set_name(p, o->name, strlen(o->name));
		if (rc)
			return stop(r, IPE_COMPILE_STAGE_OVERRIDE, rc);
	}
	return 0;
}

/* Optimize in place, then prove the result equivalent to the input. */
static int optimize(const struct ipe_compile_opts *o, struct ipe_compile_result *r)
{
	struct ipe_policy *p = r->policy, *p0 = NULL;
	struct ipe_ctx *c0 = NULL;
	struct ipe_opt_stats st = { 0 };
	struct ipe_equiv_result eq = { 0 };
	char *t0 = NULL, *t1 = NULL;
	size_t l0 = 0, l1 = 0;
	uint32_t src;
	int rc;

	rc = ipe_policy_emit_canonical(p, &t0, &l0);
	if (!rc)
		rc = ipe_ctx_new(&c0);
	if (!rc)
		rc = ipe_source_from_memory(c0, "<before -O>", t0, l0, false, &src);
	if (!rc)
		rc = ipe_policy_parse(c0, src, &p0);
	if (!rc)
		rc = ipe_policy_optimize(p, NULL, o->optimize, &st);
	if (!rc)
		rc = ipe_policy_emit_canonical(p, &t1, &l1);
	if (!rc)
		rc = ipe_policy_equivalent(p0, p, NULL, &eq);
	if (rc) {
		rc = stop(r, IPE_COMPILE_STAGE_OPTIMIZE, rc);
	} else if (!eq.equivalent) {
		rc = stop(r, IPE_COMPILE_STAGE_NOT_EQUIVALENT, -EPROTO);
	} else {
		r->opt_len_before = l0;
		r->opt_len_after = l1;
		for (int i = 0; i < IPE_OPT_PASS_COUNT; i++)
			r->opt_removed[i] = st.removed[i];
	}
	ipe_equiv_result_clear(&eq);
	free(t0);
	free(t1);
	ipe_policy_free(p0);
	ipe_ctx_free(c0);
	return rc;
}

/* Emit, self-check, sign: result.output. */
static int emit(struct ipe_ctx *ctx, const struct ipe_compile_opts *o, struct ipe_compile_result *r)
{
	const struct ipe_policy *p = r->policy;
	char *text = NULL;
	uint8_t *out = NULL;
	size_t len = 0, olen = 0;
	int rc;

	if (o->progress) {
		rc = o->progress(o->progress_arg, ctx, IPE_COMPILE_EVENT_EMITTING, r);
		if (rc)
			return rc;
	}
	rc = ipe_policy_emit_canonical(p, &text, &len);
	if (rc)
		return stop(r, IPE_COMPILE_STAGE_EMIT, rc);
	rc = self_check(text, len);
	if (rc) {
		rc = stop(r, IPE_COMPILE_STAGE_SELF_CHECK, rc);
		goto out;
	}
	if (o->format == IPE_COMPILE_BINARY) {
		rc = ipe_policy_emit_binary(p, &out, &olen);
		if (rc) {
			rc = stop(r, IPE_COMPILE_STAGE_BINARY, rc);
			goto out;
		}
		rc = self_check_binary(out, olen, text, len);
		if (rc) {
			rc = stop(r, IPE_COMPILE_STAGE_BINARY_CHECK, rc);
			goto out;
		}
	} else if (o->format == IPE_COMPILE_SIGNED) {
		struct ipe_signer *signer = NULL;

		rc = ipe_signer_new(ctx, o->sign, &signer);
		if (rc) {
			rc = stop(r, IPE_COMPILE_STAGE_SIGNER, rc);
			goto out;
		}
		rc = ipe_signer_sign(ctx, signer, text, len, &out, &olen);
		ipe_signer_free(signer);
		if (rc) {
			rc = stop(r, IPE_COMPILE_STAGE_SIGN, rc);
			goto out;
		}
	} else {
		out = (uint8_t *)text;
		olen = len;
		text = NULL;
	}
	r->output = out;
	r->output_len = olen;
	out = NULL;
	r->stage = IPE_COMPILE_STAGE_DONE;
out:
	free(text);
	free(out);
	return rc;
}

static int result_new(struct ipe_compile_result **ret_result)
{
	struct ipe_compile_result *r;

	if (!ret_result)
		return -EINVAL;
	*ret_result = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->src = IPE_SRC_NONE;
	*ret_result = r;
	return 0;
}

static size_t count_from(const struct ipe_ctx *ctx, enum ipe_severity sev)
{
	size_t n = 0;

	for (int s = sev; s <= IPE_SEV_ERROR; s++)
		n += ipe_ctx_diag_count_severity(ctx, (enum ipe_severity)s);
	return n;
}

int ipe_compile(struct ipe_ctx *ctx, uint32_t src, const struct ipe_compile_opts *opts,
		struct ipe_compile_result **ret_result)
{
	struct ipe_compile_opts o;
	struct ipe_compile_result *r;
	bool errors;
	int rc;

	rc = result_new(ret_result);
	if (rc)
		return rc;
	r = *ret_result;
	r->src = src;
	if (!ctx || copy_opts(opts, &o))
		return stop(r, IPE_COMPILE_STAGE_PARSE, -EINVAL);
	rc = ipe_policy_parse_source(ctx, src, o.source, &r->policy);
	if (rc)
		return stop(r, IPE_COMPILE_STAGE_PARSE, rc);
	if (o.boot) {
		rc = ipe_policy_check_boot(ctx, r->policy);
		if (rc < 0)
			return stop(r, IPE_COMPILE_STAGE_BOOT, rc);
	}
	errors = ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR) > 0 || r->policy->verdict.err;
	if (!errors) {
		rc = apply_overrides(ctx, &o, r);
		if (rc)
			return rc;
		if (!o.no_lint) {
			rc = ipe_lint(ctx, o.lint, r->policy);
			if (rc)
				return stop(r, IPE_COMPILE_STAGE_LINT, rc);
		}
	}
	ipe_ctx_diag_sort(ctx);
	r->nfindings = count_from(ctx, o.fail_on);
	/* a policy with errors stops at errors, whatever fail_on says */
	errors = errors || r->nfindings > 0 || r->policy->verdict.err;
	if (errors)
		r->stage = IPE_COMPILE_STAGE_FINDINGS;
	if (o.progress) {
		rc = o.progress(o.progress_arg, ctx, IPE_COMPILE_EVENT_CHECKED, r);
		if (rc)
			return rc;
	}
	if (errors)
		return -EBADMSG;
	if (o.optimize) {
		rc = optimize(&o, r);
		if (rc)
			return rc;
	}
	return emit(ctx, &o, r);
}

int ipe_compile_binary(struct ipe_ctx *ctx, const void *data, size_t len, const struct ipe_compile_opts *opts,
		       struct ipe_compile_result **ret_result)
{
	struct ipe_compile_opts o;
	struct ipe_compile_result *r;
	int rc;

	rc = result_new(ret_result);
	if (rc)
		return rc;
	r = *ret_result;
	if (!ctx || (!data && len) || copy_opts(opts, &o))
		return stop(r, IPE_COMPILE_STAGE_PARSE, -EINVAL);
	rc = ipe_policy_load_binary(ctx, data, len, &r->policy);
	if (rc)
		return stop(r, IPE_COMPILE_STAGE_PARSE, rc);
	rc = apply_overrides(ctx, &o, r);
	if (rc)
		return rc;
	return emit(ctx, &o, r);
}

void ipe_compile_result_free(struct ipe_compile_result *r)
{
	if (!r)
		return;
	ipe_policy_free(r->policy);
	free(r->output);
	free(r->bump_name);
	free(r);
}
