/* SPDX-License-Identifier: MIT */
/* ipectl: the operations (load, update, activate, delete, switches, show). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ipe/compile.h>
#include <ipe/diag.h>

#include "compiler/model.h"
#include "ctl-internal.h"
#include "util/opts.h"

#include <ipe/io.h>

void ipe_ctl_result_clear(struct ipe_ctl_result *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->what);
	free(r->todo);
	free(r->node);
	memset(r, 0, sizeof(*r));
}

int ipe_ctl_result_exit_code(const struct ipe_ctl_result *r)
{
	switch (r->outcome) {
	case IPE_CTL_OK: return 0;
	case IPE_CTL_FAIL_KERNEL: return 1;
	case IPE_CTL_FAIL_IO: return 2;
	case IPE_CTL_FAIL_USAGE: return 3;
	case IPE_CTL_FAIL_PREFLIGHT: return 4;
	case IPE_CTL_FAIL_UNAVAILABLE: return 5;
	case IPE_CTL_FAIL_VERIFY: return 6;
	}
	return 1;
}

const char *ipe_ctl_op_name(enum ipe_ctl_op op)
{
	static const char *const names[IPE_CTL_OP_COUNT] = {
		"status", "load", "update", "activate", "delete", "enforce", "audit", "show", "install",
	};

	return (unsigned)op < IPE_CTL_OP_COUNT ? names[op] : "?";
}

const char *ipe_ctl_outcome_name(enum ipe_ctl_outcome o)
{
	switch (o) {
	case IPE_CTL_OK: return "ok";
	case IPE_CTL_FAIL_KERNEL: return "kernel";
	case IPE_CTL_FAIL_IO: return "io";
	case IPE_CTL_FAIL_USAGE: return "usage";
	case IPE_CTL_FAIL_PREFLIGHT: return "preflight";
	case IPE_CTL_FAIL_UNAVAILABLE: return "unavailable";
	case IPE_CTL_FAIL_VERIFY: return "verify";
	}
	return "?";
}

static void set_name(struct ipe_ctl_result *r, const char *name, const uint16_t *ver)
{
	if (name && (!r->name || strcmp(r->name, name) != 0)) {
		free(r->name);
		r->name = strdup(name);
	}
	if (ver) {
		memcpy(r->version, ver, sizeof(r->version));
		r->has_version = true;
	}
}

/* Fill r from a failed call, through the errno table. */
static int fail_errno(struct ipe_ctl_result *r, const struct ipe_ctl_errctx *c, enum ipe_ctl_outcome o)
{
	int rc;

	r->outcome = o;
	r->err = c->err;
	free(r->what);
	free(r->todo);
	r->what = r->todo = NULL;
	free(r->node);
	r->node = c->node ? strdup(c->node) : NULL;
	rc = ipe_ctl_explain(c, &r->code, &r->what, &r->todo);
	return rc ? rc : -c->err;
}

/* Fill r with a free-form failure. */
static int fail_msg(struct ipe_ctl_result *r, enum ipe_ctl_outcome o, int err, const char *code,
		    char *what, char *todo)
{
	r->outcome = o;
	r->err = err;
	r->code = code;
	free(r->what);
	free(r->todo);
	r->what = what;
	r->todo = todo;
	if (!what)
		return -ENOMEM;
	return err ? -err : -EIO;
}

/* A name given by the caller becomes a path under policies/: it must be a
 * name the kernel could have created (the one name rule of the compiler),
 * so "../x", "a/b", "NAME/" or "." never reach the file system. */
static int check_name(struct ipe_ctl_result *r, const char *name)
{
	const char *why = ipe_policy_name_problem(name, strlen(name));
	char shown[1100], *what = NULL, *todo = NULL;

	if (!why)
		return 0;
	ipe_escape_bytes(shown, sizeof(shown), name, strlen(name));
	if (asprintf(&what, "'%s' is not a policy name: %s", shown, why) < 0)
		what = NULL;
	todo = strdup("give the name exactly as `ipectl status` lists it");
	return fail_msg(r, IPE_CTL_FAIL_USAGE, EINVAL, "IPECTL-NAME", what, todo);
}

/* The first preflight error becomes the result. */
static int fail_preflight(struct ipe_ctx *ctx, struct ipe_ctl_result *r, size_t diag_from, int pf)
{
	for (size_t i = diag_from; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

		if (d->severity != IPE_SEV_ERROR)
			continue;
		/* "not loaded" / "no IPE" are unavailability, whoever finds them */
		return fail_msg(r, d->kernel_errno == ENOENT ? IPE_CTL_FAIL_UNAVAILABLE : IPE_CTL_FAIL_PREFLIGHT,
				d->kernel_errno ? d->kernel_errno : -pf, d->code,
				strdup(d->message), d->hint ? strdup(d->hint) : NULL);
	}
	return fail_msg(r, IPE_CTL_FAIL_PREFLIGHT, -pf, "IPECTL-P999",
			strdup("the preflight refused the operation"), NULL);
}

static void ctx_from_status(struct ipe_ctl_errctx *c, const struct ipe_ctl_status *st, const char *target)
{
	const struct ipe_ctl_policy *ap = ipe_ctl_status_active(st);
	const struct ipe_ctl_policy *tp = ipe_ctl_status_find(st, target);

	c->target_active = -1;
	c->blob_verdict = -1;
	c->cms_err = -1;
	c->have_cap = ipe_ctl_have_mac_admin();
	if (ap) {
		c->active_name = ap->name;
		c->active_version = ap->version_known ? ap->version : NULL;
	}
	if (tp) {
		c->target_active = tp->active;
		c->cur_version = tp->version_known ? tp->version : NULL;
	}
}

static void ctx_from_blob(struct ipe_ctl_errctx *c, const struct ipe_ctl_blob *b)
{
	const char *n;
	const uint16_t *v;

	c->blob_len = b->len;
	c->cms_err = b->cms_err;
	if (b->cms_err)
		c->detail = b->cms_why;
	c->blob_verdict = b->policy ? b->policy->verdict.err : -1;
	if (ipe_ctl_blob_header(b, &n, &v)) {
		c->blob_name = n;
		c->blob_version = v;
	}
}

static unsigned pf_flags(const struct ipe_ctl_opts *o)
{
	return o->pf_flags | (o->activate ? IPE_CTL_PF_ACTIVATE : 0);
}

static int need_tree(const struct ipe_ctl_status *st, enum ipe_ctl_op op, struct ipe_ctl_result *r)
{
	struct ipe_ctl_errctx c = { .op = op, .stage = IPE_CTL_STAGE_OPEN, .err = ENOENT };
	char *node;
	int rc;

	if (st->tree_present)
		return 0;
	node = ctl_path(st->root, NULL, NULL, NULL);
	c.node = node;
	rc = fail_errno(r, &c, IPE_CTL_FAIL_UNAVAILABLE);
	free(node);
	return rc;
}

/* The status of the tree an operation works on, which must be there (else
 * r says it is unavailable).  0 with *ret_st, or a negative errno. */
static int read_tree(const struct ipe_ctl_opts *o, enum ipe_ctl_op op, struct ipe_ctl_result *r,
		     struct ipe_ctl_status **ret_st)
{
	struct ipe_ctl_status *st = NULL;
	int rc = ipe_ctl_status_read(o->root, &st);

	if (rc)
		return rc;
	rc = need_tree(st, op, r);
	if (rc) {
		ipe_ctl_status_free(st);
		return rc;
	}
	*ret_st = st;
	return 0;
}

/* Write one node; on failure fill r through the errno table. */
static int write_node(struct ipe_ctl_errctx *c, const char *path, const void *data, size_t len,
		      struct ipe_ctl_result *r)
{
	enum ipe_ctl_stage stage;
	size_t written;
	char detail[96];
	int rc;

	rc = ctl_write_once(path, data, len, &stage, &written);
	if (rc == 0)
		return 0;
	c->node = path;
	c->stage = stage;
	c->err = -rc;
	if (rc == -EIO && stage == IPE_CTL_STAGE_WRITE && written != len) {
		snprintf(detail, sizeof(detail), "%zu of %zu bytes", written, len);
		c->detail = detail;
		return fail_errno(r, c, IPE_CTL_FAIL_IO);
	}
	if (stage == IPE_CTL_STAGE_OPEN && rc == -ENOENT)
		return fail_errno(r, c, IPE_CTL_FAIL_UNAVAILABLE);
	return fail_errno(r, c, IPE_CTL_FAIL_KERNEL);
}

/* After a write: re-read the tree and check name/version/digest/active. */
static int confirm(const struct ipe_ctl_opts *o, struct ipe_ctl_result *r, const char *name,
		   const uint16_t *ver, const uint8_t *digest, bool want_active)
{
	struct ipe_ctl_status *st = NULL;
	const struct ipe_ctl_policy *p;
	char *esc = ctl_escape(name), *what = NULL;
	char vb[2][IPE_CTL_VERSION_STRLEN];
	int rc;

	if (!esc)
		return -ENOMEM;
	rc = ipe_ctl_status_read(o->root, &st);
	if (rc)
		goto out;
	p = ipe_ctl_status_find(st, name);
	if (!p)
		what = ctl_strdup_printf("the kernel accepted the write but policy \"%s\" is not listed under %s/ipe/policies",
					 esc, st->root);
	else if (ver && (!p->version_known || ipe_ctl_version_cmp(p->version, ver) != 0))
		what = ctl_strdup_printf("policy \"%s\" reads back as version %s, expected %s", esc,
					 p->version_known ? ipe_ctl_version_str(p->version, vb[0]) : "(unreadable)",
					 ipe_ctl_version_str(ver, vb[1]));
	else if (digest && (!p->is_signed || memcmp(p->digest, digest, IPE_CTL_DIGEST_LEN) != 0))
		what = ctl_strdup_printf("policy \"%s\" reads back with another pkcs7 blob than the one written",
					 esc);
	else if (want_active && p->active != 1)
		what = ctl_strdup_printf("policy \"%s\" does not read back as active (active=%s)", esc,
					 p->active == 0 ? "0" : "unreadable");
	else
		goto out;
	rc = fail_msg(r, IPE_CTL_FAIL_VERIFY, EIO, "IPECTL-V001", what,
		      strdup("check 'ipectl status' and the kernel log; another process may have changed the policies"));
out:
	ipe_ctl_status_free(st);
	free(esc);
	return rc;
}

static int do_activate(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const struct ipe_ctl_status *st,
		       const char *name, bool preflight, struct ipe_ctl_result *r)
{
	struct ipe_ctl_errctx c = { .op = IPE_CTL_OP_ACTIVATE };
	const struct ipe_ctl_policy *tp = ipe_ctl_status_find(st, name);
	char *path = NULL;
	size_t from = ipe_ctx_diag_count(ctx);
	int rc;

	r->op = IPE_CTL_OP_ACTIVATE;
	if (preflight) {
		rc = ipe_ctl_preflight(ctx, IPE_CTL_OP_ACTIVATE, st, name, NULL, o->pf_flags);
		if (rc == -ENOMEM)
			return rc;
		if (rc)
			return fail_preflight(ctx, r, from, rc);
	}
	set_name(r, name, tp && tp->version_known ? tp->version : NULL);
	if (tp && tp->active == 1) {
		r->action = "already-active";
		r->activated = true;
		return 0;
	}
	path = ctl_path(st->root, "policies", name, "active");
	if (!path)
		return -ENOMEM;
	ctx_from_status(&c, st, name);
	c.name = name;
	c.value = "1";
	rc = write_node(&c, path, "1", 1, r);
	free(path);
	if (rc)
		return rc;
	rc = confirm(o, r, name, tp && tp->version_known ? tp->version : NULL, NULL, true);
	if (rc)
		return rc;
	r->action = "activated";
	r->activated = true;
	return 0;
}

static int write_blob(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const struct ipe_ctl_status *st,
		      enum ipe_ctl_op op, const char *target, const struct ipe_ctl_blob *blob,
		      struct ipe_ctl_result *r)
{
	struct ipe_ctl_errctx c = { .op = op };
	const char *bname = NULL;
	const uint16_t *bver = NULL;
	char *path;
	int rc;

	ipe_ctl_blob_header(blob, &bname, &bver);
	path = op == IPE_CTL_OP_LOAD ? ctl_path(st->root, "new_policy", NULL, NULL)
				     : ctl_path(st->root, "policies", target, "update");
	if (!path)
		return -ENOMEM;
	ctx_from_status(&c, st, op == IPE_CTL_OP_LOAD ? bname : target);
	ctx_from_blob(&c, blob);
	c.name = op == IPE_CTL_OP_LOAD ? bname : target;
	rc = write_node(&c, path, blob->data, blob->len, r);
	free(path);
	if (rc)
		return rc;
	(void)ctx;
	if (bname) {
		rc = confirm(o, r, op == IPE_CTL_OP_LOAD ? bname : target, bver, blob->digest, false);
		if (rc)
			return rc;
	}
	r->action = op == IPE_CTL_OP_LOAD ? "loaded" : "updated";
	return 0;
}

static int load_or_update(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, enum ipe_ctl_op op,
			  const char *target, const struct ipe_ctl_blob *blob, struct ipe_ctl_result *r)
{
	struct ipe_ctl_status *st = NULL, *st2 = NULL;
	const char *bname = NULL;
	const uint16_t *bver = NULL;
	size_t from = ipe_ctx_diag_count(ctx);
	enum ipe_ctl_load_plan plan = IPE_CTL_PLAN_LOAD;
	char vb[2][IPE_CTL_VERSION_STRLEN];
	int rc;

	ipe_ctl_result_clear(r);
	r->op = op;
	if (!o || IPE_OPTS_CHECK(o, IPE_CTL_OPTS_V1) || !blob)
		return -EINVAL;
	rc = read_tree(o, op, r, &st);
	if (rc)
		return rc;
	ipe_ctl_blob_header(blob, &bname, &bver);
	set_name(r, op == IPE_CTL_OP_UPDATE ? target : bname, bver);
	if (op == IPE_CTL_OP_LOAD && bname) {
		const struct ipe_ctl_policy *lp = ipe_ctl_status_find(st, bname);
		char *esc;

		plan = ipe_ctl_plan_load(st, bname, bver, blob->digest);
		if (plan == IPE_CTL_PLAN_UNCHANGED) {
			r->action = "unchanged";
			goto activate;
		}
		if (plan == IPE_CTL_PLAN_REFUSE && !o->no_preflight) {
			esc = ctl_escape(bname);
			rc = fail_msg(r, IPE_CTL_FAIL_PREFLIGHT, ESTALE, "IPECTL-P007",
				      esc ? ctl_strdup_printf("policy \"%s\" %s is already loaded with different content; the blob's version %s is not newer",
							      esc, ipe_ctl_version_str(lp->version, vb[0]),
							      ipe_ctl_version_str(bver, vb[1])) : NULL,
				      strdup("raise policy_version above the loaded one and re-sign; or delete the loaded policy first if it is not active"));
			free(esc);
			goto out;
		}
		if (plan == IPE_CTL_PLAN_UPDATE) {
			op = IPE_CTL_OP_UPDATE;
			target = bname;
		}
	}
	if (!o->no_preflight) {
		rc = ipe_ctl_preflight(ctx, op, st, op == IPE_CTL_OP_UPDATE ? target : NULL, blob, pf_flags(o));
		if (rc == -ENOMEM)
			goto out;
		if (rc) {
			rc = fail_preflight(ctx, r, from, rc);
			goto out;
		}
	}
	rc = write_blob(ctx, o, st, op, target, blob, r);
	if (rc)
		goto out;
activate:
	if (o->activate && bname) {
		const char *action = r->action;

		rc = ipe_ctl_status_read(o->root, &st2);
		if (rc)
			goto out;
		rc = do_activate(ctx, o, st2, bname, !o->no_preflight, r);
		r->op = op;
		r->action = action; /* on failure: what was done before activation */
		if (rc)
			goto out;
	}
	r->outcome = IPE_CTL_OK;
out:
	if (r->action == NULL && rc == 0)
		r->action = "done";
	ipe_ctl_status_free(st);
	ipe_ctl_status_free(st2);
	return rc;
}

int ipe_ctl_load(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const struct ipe_ctl_blob *blob,
		 struct ipe_ctl_result *r)
{
	return load_or_update(ctx, o, IPE_CTL_OP_LOAD, NULL, blob, r);
}

int ipe_ctl_update(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *name,
		   const struct ipe_ctl_blob *blob, struct ipe_ctl_result *r)
{
	int rc;

	ipe_ctl_result_clear(r);
	r->op = IPE_CTL_OP_UPDATE;
	if (!name)
		return -EINVAL;
	rc = check_name(r, name);
	if (rc)
		return rc;
	return load_or_update(ctx, o, IPE_CTL_OP_UPDATE, name, blob, r);
}

/* The start of an operation on the policy called name (activate, delete):
 * the result cleared, the arguments, the name and the tree read. */
static int named_op_begin(const struct ipe_ctl_opts *o, enum ipe_ctl_op op, const char *name,
			  struct ipe_ctl_result *r, struct ipe_ctl_status **ret_st)
{
	int rc;

	ipe_ctl_result_clear(r);
	r->op = op;
	if (!o || IPE_OPTS_CHECK(o, IPE_CTL_OPTS_V1) || !name)
		return -EINVAL;
	rc = check_name(r, name);
	if (rc)
		return rc;
	return read_tree(o, op, r, ret_st);
}

int ipe_ctl_activate(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *name,
		     struct ipe_ctl_result *r)
{
	struct ipe_ctl_status *st = NULL;
	int rc = named_op_begin(o, IPE_CTL_OP_ACTIVATE, name, r, &st);

	if (rc)
		return rc;
	rc = do_activate(ctx, o, st, name, !o->no_preflight, r);
	ipe_ctl_status_free(st);
	return rc;
}

int ipe_ctl_delete(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *name,
		   struct ipe_ctl_result *r)
{
	struct ipe_ctl_status *st = NULL, *st2 = NULL;
	struct ipe_ctl_errctx c = { .op = IPE_CTL_OP_DELETE };
	const struct ipe_ctl_policy *tp;
	size_t from = ipe_ctx_diag_count(ctx);
	char *path = NULL, *esc = NULL;
	int rc;

	rc = named_op_begin(o, IPE_CTL_OP_DELETE, name, r, &st);
	if (rc)
		return rc;
	tp = ipe_ctl_status_find(st, name);
	set_name(r, name, tp && tp->version_known ? tp->version : NULL);
	if (!o->no_preflight) {
		rc = ipe_ctl_preflight(ctx, IPE_CTL_OP_DELETE, st, name, NULL, o->pf_flags);
		if (rc == -ENOMEM)
			goto out;
		if (rc) {
			rc = fail_preflight(ctx, r, from, rc);
			goto out;
		}
	}
	path = ctl_path(st->root, "policies", name, "delete");
	if (!path) {
		rc = -ENOMEM;
		goto out;
	}
	ctx_from_status(&c, st, name);
	c.name = name;
	c.value = "1";
	rc = write_node(&c, path, "1", 1, r);
	if (rc)
		goto out;
	rc = ipe_ctl_status_read(o->root, &st2);
	if (rc)
		goto out;
	if (ipe_ctl_status_find(st2, name)) {
		esc = ctl_escape(name);
		rc = fail_msg(r, IPE_CTL_FAIL_VERIFY, EIO, "IPECTL-V001",
			      esc ? ctl_strdup_printf("the kernel accepted the delete but policy \"%s\" is still listed", esc) : NULL,
			      strdup("check 'ipectl status' and the kernel log"));
		goto out;
	}
	r->action = "deleted";
	r->outcome = IPE_CTL_OK;
out:
	free(esc);
	free(path);
	ipe_ctl_status_free(st);
	ipe_ctl_status_free(st2);
	return rc;
}

int ipe_ctl_set_switch(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, enum ipe_ctl_op which,
		       bool on, struct ipe_ctl_result *r)
{
	struct ipe_ctl_status *st = NULL, *st2 = NULL;
	struct ipe_ctl_errctx c = { .op = which };
	const char *node = which == IPE_CTL_OP_ENFORCE ? "enforce" : "success_audit";
	char *path = NULL;
	int rc, now;

	(void)ctx;
	ipe_ctl_result_clear(r);
	r->op = which;
	if (!o || IPE_OPTS_CHECK(o, IPE_CTL_OPTS_V1) || (which != IPE_CTL_OP_ENFORCE && which != IPE_CTL_OP_AUDIT))
		return -EINVAL;
	rc = read_tree(o, which, r, &st);
	if (rc)
		return rc;
	path = ctl_path(st->root, node, NULL, NULL);
	if (!path) {
		rc = -ENOMEM;
		goto out;
	}
	if (!o->no_preflight && !(o->pf_flags & IPE_CTL_PF_NO_CAPS) && ipe_ctl_have_mac_admin() == 0) {
		rc = fail_msg(r, IPE_CTL_FAIL_PREFLIGHT, EPERM, "IPECTL-P011",
			      strdup("this process lacks CAP_MAC_ADMIN, which every IPE write needs"),
			      strdup("run as root with CAP_MAC_ADMIN"));
		goto out;
	}
	ctx_from_status(&c, st, NULL);
	c.value = on ? "1" : "0";
	rc = write_node(&c, path, on ? "1" : "0", 1, r);
	if (rc)
		goto out;
	rc = ipe_ctl_status_read(o->root, &st2);
	if (rc)
		goto out;
	now = which == IPE_CTL_OP_ENFORCE ? st2->enforce : st2->success_audit;
	if (now != (on ? 1 : 0)) {
		rc = fail_msg(r, IPE_CTL_FAIL_VERIFY, EIO, "IPECTL-V001",
			      ctl_strdup_printf("%s reads back as %s after writing %s", path,
						now < 0 ? "unreadable" : now ? "1" : "0", on ? "1" : "0"),
			      strdup("check the kernel log; another process may have changed it"));
		goto out;
	}
	r->action = on ? "on" : "off";
	r->outcome = IPE_CTL_OK;
out:
	free(path);
	ipe_ctl_status_free(st);
	ipe_ctl_status_free(st2);
	return rc;
}

int ipe_ctl_read_node(const struct ipe_ctl_opts *o, const char *name, const char *file,
		      uint8_t **ret_data, size_t *ret_len, struct ipe_ctl_result *r)
{
	struct ipe_ctl_errctx c = { .op = IPE_CTL_OP_SHOW, .stage = IPE_CTL_STAGE_READ };
	char *path, *dir;
	int rc;

	ipe_ctl_result_clear(r);
	r->op = IPE_CTL_OP_SHOW;
	if (!o || IPE_OPTS_CHECK(o, IPE_CTL_OPTS_V1) || !name || !file || !ret_data || !ret_len)
		return -EINVAL;
	set_name(r, name, NULL);
	rc = check_name(r, name);
	if (rc)
		return rc;
	dir = ctl_path(o->root, "policies", name, NULL);
	path = ctl_path(o->root, "policies", name, file);
	if (!dir || !path) {
		rc = -ENOMEM;
		goto out;
	}
	c.name = name;
	if (access(dir, F_OK) != 0) {
		c.stage = IPE_CTL_STAGE_OPEN;
		c.err = ENOENT;
		c.node = dir;
		rc = fail_errno(r, &c, IPE_CTL_FAIL_UNAVAILABLE);
		goto out;
	}
	rc = ctl_read_all(path, 1u << 24, ret_data, ret_len);
	if (rc) {
		c.err = -rc;
		c.node = path;
		rc = fail_errno(r, &c, IPE_CTL_FAIL_IO);
		goto out;
	}
	r->action = "read";
	r->outcome = IPE_CTL_OK;
out:
	free(dir);
	free(path);
	return rc;
}

/* ---- install for systemd ---------------------------------------------- */

static int copy_file(const char *from, const char *to)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = ipe_read_file(from, 1u << 24, &data, &len);

	if (rc)
		return rc;
	rc = ipe_write_file_atomic(to, data, len, 0644);
	free(data);
	return rc;
}

int ipe_ctl_install(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *sysroot,
		    const struct ipe_ctl_blob *blob, struct ipe_ctl_result *r)
{
	struct ipe_ctl_status *st = NULL;
	struct ipe_ctl_boot_plan plan = { .size = sizeof(plan) };
	const char *bname = NULL;
	const uint16_t *bver = NULL;
	size_t from = ipe_ctx_diag_count(ctx);
	char *dir = NULL, *path = NULL, *old = NULL;
	uint8_t *cur = NULL;
	size_t curlen = 0;
	int rc;

	ipe_ctl_result_clear(r);
	r->op = IPE_CTL_OP_INSTALL;
	if (!ctx || !o || !blob)
		return -EINVAL;
	if (!sysroot || !*sysroot)
		sysroot = "/";
	{
		size_t n = strlen(sysroot);

		while (n > 1 && sysroot[n - 1] == '/')
			n--;
		dir = ctl_strdup_printf("%.*s/etc/ipe", strcmp(sysroot, "/") == 0 ? 0 : (int)n, sysroot);
	}
	path = dir ? ctl_strdup_printf("%s/ipe-policy.p7b", dir) : NULL;
	old = path ? ctl_strdup_printf("%s.old", path) : NULL;
	if (!old) {
		rc = -ENOMEM;
		goto out;
	}
	r->node = strdup(path);
	rc = ipe_ctl_status_read(o->root, &st);
	if (rc)
		goto out;
	ipe_ctl_blob_header(blob, &bname, &bver);
	set_name(r, bname, bver);
	if (!o->no_preflight) {
		rc = ipe_ctl_preflight(ctx, IPE_CTL_OP_LOAD, st, NULL, blob,
				       o->pf_flags | IPE_CTL_PF_INSTALL | IPE_CTL_PF_NO_CAPS);
		if (rc == -ENOMEM)
			goto out;
		if (rc) {
			rc = fail_preflight(ctx, r, from, rc);
			goto out;
		}
	}
	rc = ipe_ctl_boot_plan(ctx, st, blob, false, &plan);
	if (rc)
		goto out;
	if (!plan.agrees || plan.action == IPE_CTL_BOOT_FAIL) {
		rc = fail_preflight(ctx, r, from, -EINVAL);
		goto out;
	}
	/* same bytes already installed: nothing to do */
	rc = ipe_read_file(path, 1u << 24, &cur, &curlen);
	if (rc == 0 && curlen == blob->len && memcmp(cur, blob->data, curlen) == 0) {
		r->action = "unchanged";
		r->outcome = IPE_CTL_OK;
		goto out;
	}
	if (rc && rc != -ENOENT) {
		rc = fail_msg(r, IPE_CTL_FAIL_IO, -rc, "IPECTL-INSTALL",
			      ctl_strdup_printf("cannot read the installed %s: %s", path, strerror(-rc)), NULL);
		goto out;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = -errno;
		rc = fail_msg(r, IPE_CTL_FAIL_IO, -rc, "IPECTL-INSTALL",
			      ctl_strdup_printf("cannot create %s: %s", dir, strerror(-rc)),
			      strdup("run as root, or give --root a system image's root directory"));
		goto out;
	}
	if (cur) {
		rc = copy_file(path, old);
		if (rc) {
			rc = fail_msg(r, IPE_CTL_FAIL_IO, -rc, "IPECTL-INSTALL",
				      ctl_strdup_printf("cannot keep the previous policy as %s: %s", old, strerror(-rc)),
				      NULL);
			goto out;
		}
	}
	rc = ipe_write_file_atomic(path, blob->data, blob->len, 0644);
	if (rc) {
		rc = fail_msg(r, IPE_CTL_FAIL_IO, -rc, "IPECTL-INSTALL",
			      ctl_strdup_printf("cannot write %s: %s", path, strerror(-rc)),
			      strdup("run as root, or give --root a system image's root directory"));
		goto out;
	}
	r->action = "installed";
	r->outcome = IPE_CTL_OK;
out:
	free(cur);
	free(dir);
	free(path);
	free(old);
	ipe_ctl_boot_plan_clear(&plan);
	ipe_ctl_status_free(st);
	return rc;
}
