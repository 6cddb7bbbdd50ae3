/* SPDX-License-Identifier: MIT */
/* ipectl: text and JSON renderings of the status and of results. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl-internal.h"

static void put_text(FILE *out, const char *s)
{
	ipe_fput_escaped(out, s, strlen(s), IPE_ESCAPE_KEEP_BACKSLASH);
}
#include "util/internal.h"

static const char *tri(int v, const char *on, const char *off, const char *unk)
{
	return v < 0 ? unk : v ? on : off;
}

int ipe_ctl_status_render_text(const struct ipe_ctl_status *st, FILE *out)
{
	const struct ipe_ctl_policy *ap = ipe_ctl_status_active(st);
	char vb[IPE_CTL_VERSION_STRLEN], dg[2 * IPE_CTL_DIGEST_LEN + 1];

	if (!st || !out)
		return -EINVAL;
	fputs("securityfs: ", out);
	ipe_fput_escaped(out, st->root, strlen(st->root), 0);
	fputc('\n', out);
	fprintf(out, "ipe: %s\n", st->tree_present ? "enabled" : "not enabled (no ipe/ directory)");
	fprintf(out, "lsm list: %s\n",
		!st->lsm_known ? "unreadable" : st->lsm_listed ? "includes ipe" : "does not include ipe");
	if (!st->tree_present)
		return ferror(out) ? -EIO : 0;
	fprintf(out, "enforce: %s\n", tri(st->enforce, "on", "off", "unknown (unreadable, needs root)"));
	fprintf(out, "success_audit: %s\n", tri(st->success_audit, "on", "off", "unknown (unreadable, needs root)"));
	if (ap) {
		char *e = ctl_escape(ap->name);

		if (!e)
			return -ENOMEM;
		fprintf(out, "active: \"%s\" %s\n", e,
			ap->version_known ? ipe_ctl_version_str(ap->version, vb) : "(version unreadable)");
		free(e);
	} else {
		fprintf(out, "active: %s\n", st->active_known ? "none" : "unknown (unreadable, needs root)");
	}
	fprintf(out, "policies: %zu\n", st->npolicies);
	for (size_t i = 0; i < st->npolicies; i++) {
		const struct ipe_ctl_policy *p = &st->policies[i];
		char *e = ctl_escape(p->name);

		if (!e)
			return -ENOMEM;
		fprintf(out, "  \"%s\" %s %s %s", e,
			p->version_known ? ipe_ctl_version_str(p->version, vb) : "?.?.?",
			tri(p->active, "active", "inactive", "active-unknown"),
			p->is_signed ? "signed" : "unsigned(boot)");
		if (p->is_signed) {
			ipe_hex_encode(dg, p->digest, IPE_CTL_DIGEST_LEN);
			fprintf(out, " %zu bytes policy_digest=sha256:%s", p->pkcs7_len, dg);
		}
		if (p->read_err)
			fprintf(out, " (read error: %s)",
				ipe_errno_name(p->read_err) ? ipe_errno_name(p->read_err) : strerror(p->read_err));
		fputc('\n', out);
		free(e);
	}
	return ferror(out) ? -EIO : 0;
}

static json_object *jver(const uint16_t *v)
{
	char vb[IPE_CTL_VERSION_STRLEN];

	return v ? json_object_new_string(ipe_ctl_version_str(v, vb)) : NULL;
}

static json_object *jtri(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

static json_object *policy_json(const struct ipe_ctl_policy *p)
{
	json_object *o = json_object_new_object();
	char dg[7 + 2 * IPE_CTL_DIGEST_LEN + 1];

	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "version", p->version_known ? jver(p->version) : NULL);
	json_object_object_add(o, "active", jtri(p->active));
	json_object_object_add(o, "signed", json_object_new_boolean(p->is_signed));
	if (p->is_signed) {
		memcpy(dg, "sha256:", 7);
		ipe_hex_encode(dg + 7, p->digest, IPE_CTL_DIGEST_LEN);
		json_object_object_add(o, "pkcs7_size", json_object_new_int64((int64_t)p->pkcs7_len));
		json_object_object_add(o, "policy_digest", json_object_new_string(dg));
	} else {
		json_object_object_add(o, "pkcs7_size", NULL);
		json_object_object_add(o, "policy_digest", NULL);
	}
	json_object_object_add(o, "read_error",
			       p->read_err ? json_object_new_string(ipe_errno_name(p->read_err) ?
								    ipe_errno_name(p->read_err) : "error")
					   : NULL);
	return o;
}

static int emit(json_object *o, bool pretty, FILE *out)
{
	const char *s;
	int rc = 0;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_ext(o, (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		rc = -ENOMEM;
	else if (fprintf(out, "%s\n", s) < 0)
		rc = -EIO;
	json_object_put(o);
	return rc;
}

int ipe_ctl_status_render_json(const struct ipe_ctl_status *st, const char *only, bool pretty, FILE *out)
{
	const struct ipe_ctl_policy *ap;
	json_object *o, *arr, *a;

	if (!st || !out)
		return -EINVAL;
	if (only) {
		const struct ipe_ctl_policy *p = ipe_ctl_status_find(st, only);

		if (!p)
			return -ENOENT;
		return emit(policy_json(p), pretty, out);
	}
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	ap = ipe_ctl_status_active(st);
	json_object_object_add(o, "securityfs", json_object_new_string(st->root));
	json_object_object_add(o, "ipe_enabled", json_object_new_boolean(st->tree_present));
	json_object_object_add(o, "lsm_listed", st->lsm_known ? json_object_new_boolean(st->lsm_listed) : NULL);
	json_object_object_add(o, "enforce", jtri(st->enforce));
	json_object_object_add(o, "success_audit", jtri(st->success_audit));
	if (ap) {
		a = json_object_new_object();
		if (a) {
			json_object_object_add(a, "name", json_object_new_string(ap->name));
			json_object_object_add(a, "version", ap->version_known ? jver(ap->version) : NULL);
		}
		json_object_object_add(o, "active", a);
	} else {
		json_object_object_add(o, "active", NULL);
	}
	json_object_object_add(o, "active_known", json_object_new_boolean(st->active_known));
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < st->npolicies; i++)
		json_object_array_add(arr, policy_json(&st->policies[i]));
	json_object_object_add(o, "policies", arr);
	return emit(o, pretty, out);
}

static const char *errname(int err)
{
	const char *n = err ? ipe_errno_name(err) : NULL;

	return n ? n : "EIO";
}

int ipe_ctl_result_render_text(const struct ipe_ctl_result *r, bool quiet, FILE *out, FILE *err)
{
	const char *op = ipe_ctl_op_name(r->op);
	char vb[IPE_CTL_VERSION_STRLEN];
	char *e = r->name ? ctl_escape(r->name) : NULL;
	const char *ver = r->has_version ? ipe_ctl_version_str(r->version, vb) : NULL;

	if (r->name && !e)
		return -ENOMEM;
	if (r->outcome != IPE_CTL_OK) {
		/* what and todo quote paths and names: escaped */
		fprintf(err, "ipectl: %s: error: ", op);
		put_text(err, r->what ? r->what : "failed");
		fprintf(err, " [errno=%s code=%s]\n", errname(r->err), r->code ? r->code : "IPECTL-K-OTHER");
		if (r->todo && *r->todo) {
			fprintf(err, "ipectl: %s: hint: ", op);
			put_text(err, r->todo);
			fputc('\n', err);
		}
		if (r->action && (strcmp(r->action, "loaded") == 0 || strcmp(r->action, "updated") == 0))
			fprintf(err, "ipectl: %s: note: policy \"%s\" was %s but not activated\n", op,
				e ? e : "?", r->action);
		free(e);
		return 0;
	}
	if (quiet || !r->action) {
		free(e);
		return 0;
	}
	if (r->op == IPE_CTL_OP_ENFORCE || r->op == IPE_CTL_OP_AUDIT)
		fprintf(out, "%s: %s\n", r->op == IPE_CTL_OP_ENFORCE ? "enforce" : "success_audit", r->action);
	else if (r->op == IPE_CTL_OP_INSTALL)
		fprintf(out, "policy \"%s\" %s %s as %s\n", e ? e : "?", ver ? ver : "",
			strcmp(r->action, "unchanged") == 0 ? "is already installed" : "installed",
			r->node ? r->node : IPE_CTL_BOOT_POLICY_PATH);
	else if (strcmp(r->action, "unchanged") == 0)
		fprintf(out, "policy \"%s\" %s is already loaded with the same blob; nothing to load%s\n",
			e ? e : "?", ver ? ver : "", r->activated ? " (active)" : "");
	else if (strcmp(r->action, "already-active") == 0)
		fprintf(out, "policy \"%s\" %s is already active\n", e ? e : "?", ver ? ver : "");
	else if (strcmp(r->action, "read") != 0)
		fprintf(out, "%s policy \"%s\"%s%s%s\n", r->action, e ? e : "?", ver ? " " : "", ver ? ver : "",
			r->activated && r->op != IPE_CTL_OP_ACTIVATE ? ", activated" : "");
	free(e);
	return ferror(out) ? -EIO : 0;
}

static json_object *diag_json(const struct ipe_ctx *ctx, const struct ipe_diag *d)
{
	json_object *o = json_object_new_object();
	const struct ipe_source *s = ipe_ctx_source(ctx, d->loc.src);

	if (!o)
		return NULL;
	json_object_object_add(o, "code", json_object_new_string(d->code ? d->code : ""));
	json_object_object_add(o, "severity", json_object_new_string(ipe_severity_name(d->severity)));
	json_object_object_add(o, "message", json_object_new_string(d->message ? d->message : ""));
	json_object_object_add(o, "hint", d->hint ? json_object_new_string(d->hint) : NULL);
	json_object_object_add(o, "file", s && s->name ? json_object_new_string(s->name) : NULL);
	json_object_object_add(o, "line", s && d->loc.line ? json_object_new_int64(d->loc.line) : NULL);
	json_object_object_add(o, "column", s && d->loc.line ? json_object_new_int64(d->loc.col) : NULL);
	json_object_object_add(o, "kernel_errno",
			       d->kernel_errno > 0 && ipe_errno_name(d->kernel_errno)
				       ? json_object_new_string(ipe_errno_name(d->kernel_errno)) : NULL);
	return o;
}

int ipe_ctl_result_render_json(const struct ipe_ctx *ctx, const struct ipe_ctl_result *r, bool pretty,
			       FILE *out)
{
	json_object *o = json_object_new_object(), *p = NULL, *e = NULL, *arr;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "command", json_object_new_string(ipe_ctl_op_name(r->op)));
	json_object_object_add(o, "ok", json_object_new_boolean(r->outcome == IPE_CTL_OK));
	json_object_object_add(o, "outcome", json_object_new_string(ipe_ctl_outcome_name(r->outcome)));
	json_object_object_add(o, "exit_code", json_object_new_int(ipe_ctl_result_exit_code(r)));
	json_object_object_add(o, "action", r->action ? json_object_new_string(r->action) : NULL);
	if (r->name) {
		p = json_object_new_object();
		if (p) {
			json_object_object_add(p, "name", json_object_new_string(r->name));
			json_object_object_add(p, "version", r->has_version ? jver(r->version) : NULL);
		}
	}
	json_object_object_add(o, "policy", p);
	json_object_object_add(o, "activated", json_object_new_boolean(r->activated));
	if (r->outcome != IPE_CTL_OK) {
		e = json_object_new_object();
		if (e) {
			json_object_object_add(e, "errno", json_object_new_string(errname(r->err)));
			json_object_object_add(e, "code", json_object_new_string(r->code ? r->code : "IPECTL-K-OTHER"));
			json_object_object_add(e, "message", json_object_new_string(r->what ? r->what : "failed"));
			json_object_object_add(e, "hint", r->todo ? json_object_new_string(r->todo) : NULL);
			json_object_object_add(e, "node", r->node ? json_object_new_string(r->node) : NULL);
		}
	}
	json_object_object_add(o, "error", e);
	arr = json_object_new_array();
	for (size_t i = 0; arr && ctx && i < ipe_ctx_diag_count(ctx); i++)
		json_object_array_add(arr, diag_json(ctx, ipe_ctx_diag(ctx, i)));
	json_object_object_add(o, "diagnostics", arr);
	return emit(o, pretty, out);
}
