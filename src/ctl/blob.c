/* SPDX-License-Identifier: MIT */
/* ipectl: inspect a signed policy blob the way the kernel will see it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/io.h>
#include <ipe/sign.h>

#include "compiler/model.h"
#include "ctl-internal.h"

#define BLOB_READ_MAX (16u << 20)

static int set_cms_err(struct ipe_ctl_blob *b, int err, const char *why)
{
	if (b->cms_err)
		return 0;
	b->cms_err = err;
	b->cms_why = strdup(why);
	return b->cms_why ? 0 : -ENOMEM;
}

/*
 * The structure of the blob, judged by the signer's kernel-faithful verifier
 * with nothing trusted: every refusal before the trust stage (size, DER,
 * PKCS#7 form, detached or streamed content, S/MIME capabilities, algorithms)
 * is the kernel's answer whatever keys it holds.  The embedded policy comes
 * from the same library.  Its diagnostics stay in a private context.
 */
static int inspect_cms(struct ipe_ctl_blob *b)
{
	struct ipe_verify_result r = { 0 };
	struct ipe_trust *none = NULL;
	struct ipe_ctx *priv = NULL;
	int rc;

	rc = ipe_ctx_new(&priv);
	if (!rc)
		rc = ipe_trust_new(&none);
	if (!rc)
		rc = ipe_verify_blob(priv, none, b->data, b->len, &r);
	if (rc)
		goto out;
	if (r.err && r.stage && strcmp(r.stage, "trust") != 0 && strcmp(r.stage, "policy") != 0) {
		rc = set_cms_err(b, r.err, r.reason && r.reason[0] ? r.reason : "not a valid signed policy");
		if (rc)
			goto out;
	}
	if (ipe_blob_extract(priv, b->data, b->len, &b->content, &b->content_len) < 0) {
		b->content = NULL;
		b->content_len = 0;
	}
out:
	ipe_verify_result_clear(&r);
	ipe_trust_free(none);
	ipe_ctx_free(priv);
	return rc == -ENOMEM ? rc : 0;
}

int ipe_ctl_blob_new(struct ipe_ctx *ctx, const char *path, const void *data, size_t len,
		     struct ipe_ctl_blob **ret_blob)
{
	struct ipe_ctl_blob *b;
	char *srcname = NULL;
	int rc;

	if (!ctx || !ret_blob || (!data && len))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->src = IPE_SRC_NONE;
	b->path = strdup(path ? path : "<blob>");
	b->data = malloc(len ? len : 1);
	if (!b->path || !b->data) {
		rc = -ENOMEM;
		goto err;
	}
	if (len)
		memcpy(b->data, data, len);
	b->len = len;
	rc = ctl_sha256(b->data, len, b->digest);
	if (rc)
		goto err;
	rc = inspect_cms(b);
	if (rc)
		goto err;
	if (b->content) {
		srcname = ctl_strdup_printf("%s (signed policy)", b->path);
		if (!srcname) {
			rc = -ENOMEM;
			goto err;
		}
		rc = ipe_source_from_memory(ctx, srcname, b->content, b->content_len, true, &b->src);
		if (rc)
			goto err;
		rc = ipe_policy_parse(ctx, b->src, &b->policy);
		if (rc)
			goto err;
	}
	free(srcname);
	*ret_blob = b;
	return 0;
err:
	free(srcname);
	ipe_ctl_blob_free(b);
	return rc;
}

int ipe_ctl_blob_from_file(struct ipe_ctx *ctx, const char *path, struct ipe_ctl_blob **ret_blob)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	rc = ipe_read_file(path, BLOB_READ_MAX, &data, &len);
	if (rc)
		return rc;
	rc = ipe_ctl_blob_new(ctx, path, data, len, ret_blob);
	free(data);
	return rc;
}

void ipe_ctl_blob_free(struct ipe_ctl_blob *b)
{
	if (!b)
		return;
	ipe_policy_free(b->policy);
	free(b->content);
	free(b->cms_why);
	free(b->data);
	free(b->path);
	free(b);
}

bool ipe_ctl_blob_header(const struct ipe_ctl_blob *b, const char **ret_name, const uint16_t **ret_ver)
{
	if (!b || !b->policy || !b->policy->has_header || !b->policy->name)
		return false;
	if (ret_name)
		*ret_name = b->policy->name;
	if (ret_ver)
		*ret_ver = b->policy->version;
	return true;
}
