/* SPDX-License-Identifier: MIT */
/*
 * The systemd boot path: what systemd's pid 1 will do with a blob installed
 * as /etc/ipe/ipe-policy.p7b, and whether its reading of the blob agrees with
 * the kernel's (systemd model: src/util/systemd.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/model.h"
#include "ctl-internal.h"
#include "util/kwtable.h"

static const struct ipe_loc noloc = { .src = IPE_SRC_NONE };

const char *ipe_ctl_boot_action_name(enum ipe_ctl_boot_action a)
{
	switch (a) {
	case IPE_CTL_BOOT_LOAD:
		return "load";
	case IPE_CTL_BOOT_UPDATE:
		return "update";
	case IPE_CTL_BOOT_SKIP:
		return "skip";
	case IPE_CTL_BOOT_FAIL:
		return "fail";
	}
	return "unknown";
}

void ipe_ctl_boot_plan_clear(struct ipe_ctl_boot_plan *plan)
{
	if (!plan)
		return;
	free(plan->sd_name);
	free(plan->sd_version);
	plan->sd_name = NULL;
	plan->sd_version = NULL;
}

/* Adds a diagnostic with the malloc'd msg (taken over and freed). */
static int diag(struct ipe_ctx *ctx, const char *code, enum ipe_severity sev, int err, const char *hint,
		char *msg)
{
	struct ipe_diag *d;

	if (!msg)
		return -ENOMEM;
	d = ipe_diag_add(ctx, code, sev, &noloc, hint, "%s", msg);
	free(msg);
	if (!d)
		return -ENOMEM;
	d->kernel_errno = err;
	return 0;
}

/* The loaded policy systemd would meet: by name; at boot only the kernel's
 * built-in boot policy (no pkcs7 node) is loaded. */
static const struct ipe_ctl_policy *loaded(const struct ipe_ctl_status *st, const char *name, bool boot_only)
{
	const struct ipe_ctl_policy *p = name ? ipe_ctl_status_find(st, name) : NULL;

	if (p && boot_only && (p->is_signed || p->read_err))
		return NULL;
	return p;
}

static const struct ipe_ctl_policy *active_at(const struct ipe_ctl_status *st, bool boot_only)
{
	if (!boot_only)
		return ipe_ctl_status_active(st);
	/* at boot the built-in boot policy, when there is one, is the active one */
	for (size_t i = 0; i < st->npolicies; i++)
		if (!st->policies[i].is_signed && !st->policies[i].read_err && st->policies[i].version_known)
			return &st->policies[i];
	return NULL;
}

int ipe_ctl_boot_plan(struct ipe_ctx *ctx, const struct ipe_ctl_status *st, const struct ipe_ctl_blob *blob,
		      bool boot_only, struct ipe_ctl_boot_plan *plan)
{
	const char *kname = NULL;
	const uint16_t *kver = NULL;
	const struct ipe_ctl_policy *lp, *ap;
	char kv[IPE_CTL_VERSION_STRLEN], lv[IPE_CTL_VERSION_STRLEN], av[IPE_CTL_VERSION_STRLEN];
	char *esc = NULL, *esc2 = NULL;
	int rc;

	if (!ctx || !st || !blob || !plan || plan->size < sizeof(*plan))
		return -EINVAL;
	memset(plan, 0, sizeof(*plan));
	plan->size = sizeof(*plan);
	plan->agrees = true;
	rc = ipe_systemd_header(blob->data, blob->len, &plan->sd_name, &plan->sd_version);
	if (rc)
		return rc;
	if (!plan->sd_name || !plan->sd_version) {
		plan->action = IPE_CTL_BOOT_FAIL;
		plan->agrees = false;
		return diag(ctx, "IPECTL-S001", IPE_SEV_ERROR, 0, "sign a policy text with a header",
			    ctl_strdup_printf("%s: systemd finds no %s in it and logs \"Failed to find policy_name= and "
					      "policy_version=\"; nothing is loaded at boot", blob->path,
					      ipe_kw_header_token(plan->sd_name ? IPE_KW_HEADER_VERSION : IPE_KW_HEADER_NAME)));
	}
	if (!ipe_ctl_blob_header(blob, &kname, &kver) || !blob->policy || blob->policy->verdict.err) {
		/* the kernel rejects it anyway: the preflight says why */
		plan->action = IPE_CTL_BOOT_LOAD;
		plan->write_err = blob->policy && blob->policy->verdict.err ? blob->policy->verdict.err : EBADMSG;
		return 0;
	}
	ipe_ctl_version_str(kver, kv);
	if (strcmp(plan->sd_name, kname) != 0) {
		plan->agrees = false;
		esc = ctl_escape(plan->sd_name);
		esc2 = ctl_escape(kname);
		rc = diag(ctx, "IPECTL-S002", IPE_SEV_ERROR, 0,
			  "write the header as 'policy_name=NAME policy_version=X.Y.Z' separated by one space, "
			  "with no comment mentioning policy_name= above it; re-sign (ipe-check reports IPE-W153)",
			  esc && esc2 ? ctl_strdup_printf("systemd reads the policy name as \"%s\" but the kernel as \"%s\": at "
						  "boot it would look up and activate the wrong directory",
						  esc, esc2) : NULL);
		free(esc);
		free(esc2);
		if (rc)
			return rc;
	}
	if (ipe_systemd_verscmp(plan->sd_version, kv) != 0) {
		plan->agrees = false;
		esc = ctl_escape(plan->sd_version);
		rc = diag(ctx, "IPECTL-S003", IPE_SEV_ERROR, 0,
			  "write the version as plain decimal M.m.r in the header and mention no policy_version= in a "
			  "comment above it; re-sign (ipe-check reports IPE-W154)",
			  esc ? ctl_strdup_printf("systemd reads the policy version as \"%s\", which its version order does "
						  "not rank like the kernel's %s: its update decisions would differ from "
						  "the kernel's", esc, kv) : NULL);
		free(esc);
		if (rc)
			return rc;
	}

	lp = loaded(st, plan->sd_name, boot_only);
	if (lp && lp->version_known) {
		int sd = ipe_systemd_verscmp(plan->sd_version, ipe_ctl_version_str(lp->version, lv));
		int kr = ipe_ctl_rule_update(lp->name, lp->version, kname, kver);

		plan->against = lp->name;
		plan->action = sd > 0 ? IPE_CTL_BOOT_UPDATE : IPE_CTL_BOOT_SKIP;
		if (plan->action == IPE_CTL_BOOT_UPDATE)
			plan->write_err = -kr;
		if ((sd > 0) != (kr == 0)) {
			plan->agrees = false;
			esc = ctl_escape(lp->name);
			rc = diag(ctx, "IPECTL-S004", IPE_SEV_ERROR, -kr,
				  "make systemd's and the kernel's readings agree (see the errors above), re-sign",
				  esc ? ctl_strdup_printf("with \"%s\" %s loaded, systemd would %s but the kernel %s", esc, lv,
							  sd > 0 ? "write the update" : "skip the update",
							  kr == 0 ? "accepts it" : "refuses it") : NULL);
			free(esc);
			if (rc)
				return rc;
		}
	} else {
		plan->action = IPE_CTL_BOOT_LOAD;
		/* systemd writes new_policy; the kernel refuses a name that is
		 * loaded (under the kernel's reading of the name) */
		if (strcmp(plan->sd_name, kname) != 0 && loaded(st, kname, boot_only))
			plan->write_err = EEXIST;
	}
	if (plan->action == IPE_CTL_BOOT_SKIP)
		return 0;
	/* then it writes policies/<its name>/active */
	ap = active_at(st, boot_only);
	if (strcmp(plan->sd_name, kname) != 0) {
		plan->activate_err = ENOENT;
	} else if (ap && ap->version_known && ipe_ctl_rule_activate(ap->version, kver, ap == lp && lp)) {
		plan->activate_err = EINVAL;
		esc = ctl_escape(ap->name);
		rc = diag(ctx, "IPECTL-S005", IPE_SEV_WARNING, EINVAL,
			  "give the policy a version at least as high as the active one's, re-sign",
			  esc ? ctl_strdup_printf("systemd would load it but its activation fails with EINVAL: the active "
						  "policy \"%s\" has the higher version %s", esc,
						  ipe_ctl_version_str(ap->version, av)) : NULL);
		free(esc);
		if (rc)
			return rc;
	}
	return 0;
}
