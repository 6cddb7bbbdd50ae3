/* SPDX-License-Identifier: MIT */
/*
 * ipectl: the preflight.  Predict, without writing anything, what the kernel
 * will answer, and explain it as diagnostics (codes IPECTL-Pnnn).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/model.h"
#include "ctl-internal.h"

#include <ipe/sign.h>

static const struct ipe_loc noloc = { .src = IPE_SRC_NONE };

static int pf_error(struct ipe_ctx *ctx, int *first, int err, const char *code,
		    const struct ipe_loc *loc, const char *hint, const char *msg)
{
	struct ipe_diag *d = ipe_diag_add(ctx, code, IPE_SEV_ERROR, loc ? loc : &noloc, hint, "%s", msg);

	if (!d)
		return -ENOMEM;
	d->kernel_errno = err;
	if (!*first)
		*first = err;
	return 0;
}

#define ERR(err, code, hint, ...)                                                       \
	do {                                                                            \
		char *m_ = ctl_strdup_printf(__VA_ARGS__);                              \
		int r_ = m_ ? pf_error(ctx, &first, err, code, NULL, hint, m_) : -ENOMEM; \
		free(m_);                                                               \
		if (r_)                                                                 \
			goto oom;                                                       \
	} while (0)

static void esc_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/*
 * The diagnostics come in the kernel's order of checks, so the first error
 * is the kernel's answer (ipectl reports the first one): the blob's size and
 * PKCS#7 structure (check_blob_form), then the signature and the signer's
 * trust (check_keyring), then the policy text and its name (check_blob_text).
 */
static int check_blob_form(struct ipe_ctx *ctx, const struct ipe_ctl_blob *blob, int *pfirst)
{
	int first = 0;

	if (blob->len > IPE_CTL_MAX_BLOB)
		ERR(EMSGSIZE, "IPECTL-P001", "shrink the policy or sign without embedding extra certificates",
		    "%s is %zu bytes; the kernel accepts at most %u", blob->path, blob->len,
		    IPE_CTL_MAX_BLOB);
	if (blob->cms_err)
		ERR(blob->cms_err, "IPECTL-P002",
		    "sign with: openssl cms -sign -binary -nosmimecap -noattr -outform DER -nodetach (or ipe-sign)",
		    "%s: %s", blob->path, blob->cms_why ? blob->cms_why : "not a valid signed policy");
	*pfirst = first;
	return 0;
oom:
	return -ENOMEM;
}

/* refused: an earlier check already refuses the blob (the kernel then
 * never parses the text, but the text must be fixed as well) */
static int check_blob_text(struct ipe_ctx *ctx, const struct ipe_ctl_blob *blob, bool refused, int *pfirst)
{
	int first = 0;
	const struct ipe_policy *p = blob->policy;

	if (p && p->verdict.err) {
		struct ipe_diag *d = ipe_diag_add(ctx, "IPECTL-P003", IPE_SEV_ERROR, &p->verdict.loc,
						  "fix the policy text (ipe-check explains each error), re-sign",
						  "%s signed policy with %s%s%s",
						  refused ? "past that, the kernel's policy parser would also refuse the" :
							    "the kernel would refuse the",
						  ipe_errno_name(p->verdict.err) ? ipe_errno_name(p->verdict.err) : "an error",
						  p->verdict.code ? " " : "", p->verdict.code ? p->verdict.code : "");
		if (!d)
			goto oom;
		d->kernel_errno = p->verdict.err;
		if (!first)
			first = p->verdict.err;
	}
	if (p && !p->verdict.err && p->name) {
		int rc = ipe_ctl_rule_name(p->name);

		if (rc)
			ERR(-rc, "IPECTL-P004", "choose another policy_name, re-sign",
			    "the policy name \"%s\" cannot be a securityfs directory (%s)", p->name,
			    rc == -EACCES ? "\"/\", \".\" and \"..\" are refused" : "longer than 255 bytes");
	}
	*pfirst = first;
	return 0;
oom:
	return -ENOMEM;
}

static int check_keyring(struct ipe_ctx *ctx, const struct ipe_ctl_blob *blob, int *pfirst)
{
	struct ipe_verify_result res;
	struct ipe_ctx *priv = NULL;
	int first = 0, rc;

	int32_t id;

	memset(&res, 0, sizeof(res));
	/* Without a visible trusted keyring (not root, a container, /proc/keys
	 * hidden) nothing can be predicted: say so instead of refusing. */
	if (ipe_keyring_resolve(".secondary_trusted_keys", &id) != 0 &&
	    ipe_keyring_resolve(".builtin_trusted_keys", &id) != 0) {
		if (!ipe_diag_add(ctx, "IPECTL-P014", IPE_SEV_WARNING, &noloc,
				  "run as root on the target system, or skip with --no-keyring-check",
				  "the kernel's trusted keyrings are not visible in /proc/keys; the signer's key was not checked"))
			return -ENOMEM;
		return 0;
	}
	/* The verifier's own diagnostics stay private: the policy text's are
	 * reported once, by check_blob_text(), after the trust check. */
	rc = ipe_ctx_new(&priv);
	if (!rc)
		rc = ipe_verify_blob_kernel(priv, blob->data, blob->len, &res);
	if (rc == -ENOMEM)
		goto out;
	if (rc < 0) {
		size_t nd = ipe_ctx_diag_count(priv);

		if (!ipe_diag_add(ctx, "IPECTL-P014", IPE_SEV_WARNING, &noloc,
				  "run as root, or skip with --no-keyring-check",
				  "could not read the kernel's trusted keyrings (%s%s%s); the signer's key was not checked",
				  ipe_errno_name(-rc) ? ipe_errno_name(-rc) : "error", nd ? ": " : "",
				  nd ? ipe_ctx_diag(priv, nd - 1)->message : ""))
			rc = -ENOMEM;
		else
			rc = 0;
		goto out;
	}
	rc = 0;
	/* a refusal of the policy text is reported by check_blob_text() */
	if (res.err && !(res.stage && !strcmp(res.stage, "policy")))
		ERR(res.err, "IPECTL-P012",
		    "sign with a key trusted by the builtin or secondary keyring, or add the signer's certificate "
		    "to .secondary_trusted_keys (it must be signed by a trusted key); skip with --no-keyring-check",
		    "the kernel would refuse %s with %s at the %s check: %s", blob->path,
		    ipe_errno_name(res.err) ? ipe_errno_name(res.err) : "an error",
		    res.stage ? res.stage : "signature", res.reason ? res.reason : "no trusted key");
	if (res.sig_unchecked &&
	    !ipe_diag_add(ctx, "IPECTL-P015", IPE_SEV_WARNING, &noloc,
			  "to check it before loading, run 'ipe-sign verify --trust CERT' with the signer's certificate",
			  "%s: the signer's key is trusted, but the kernel's copy of it cannot be used from userspace and the "
			  "blob embeds no certificate with the signer's key id: only the kernel can check the signature itself", blob->path))
		goto oom;
	*pfirst = first;
	goto out;
oom:
	rc = -ENOMEM;
out:
	ipe_verify_result_clear(&res);
	ipe_ctx_free(priv);
	return rc;
}

/* The blob, check by check in the kernel's order; *pfirst: the first
 * refusal, which is the kernel's answer. */
static int check_blob(struct ipe_ctx *ctx, const struct ipe_ctl_blob *blob, bool keyring, int *pfirst)
{
	int first = 0, f = 0, rc;

	rc = check_blob_form(ctx, blob, &first);
	/* a malformed blob (cms_err) is refused before any key is looked at */
	if (!rc && keyring && !blob->cms_err) {
		rc = check_keyring(ctx, blob, &f);
		if (!first)
			first = f;
	}
	if (!rc) {
		f = 0;
		rc = check_blob_text(ctx, blob, first != 0, &f);
		if (!first)
			first = f;
	}
	*pfirst = first;
	return rc;
}

int ipe_ctl_preflight(struct ipe_ctx *ctx, enum ipe_ctl_op op, const struct ipe_ctl_status *st,
		      const char *target, const struct ipe_ctl_blob *blob, unsigned flags)
{
	const struct ipe_ctl_policy *tp = NULL, *ap = ipe_ctl_status_active(st);
	const char *bname = NULL;
	const uint16_t *bver = NULL;
	char vb[3][IPE_CTL_VERSION_STRLEN];
	char *esc[3] = { NULL, NULL, NULL };
	int first = 0, rc;

	if (!ctx || !st)
		return -EINVAL;
	if (!st->tree_present && (flags & IPE_CTL_PF_INSTALL) && op == IPE_CTL_OP_LOAD && blob) {
		/* installing for another boot: judge the blob alone */
		rc = check_blob(ctx, blob, false, &first);
		return rc ? rc : -first;
	}
	if (!st->tree_present) {
		char *node = ctl_path(st->root, NULL, NULL, NULL);

		ERR(ENOENT, "IPECTL-P000",
		    "IPE needs CONFIG_SECURITY_IPE and \"ipe\" in lsm=; mount securityfs on /sys/kernel/security",
		    "%s does not exist: IPE is not enabled or securityfs is not mounted%s", node ? node : st->root,
		    st->lsm_known ? (st->lsm_listed ? "" : " (\"ipe\" is not in the lsm list)") : "");
		free(node);
		return -first;
	}
	if (op == IPE_CTL_OP_LOAD || op == IPE_CTL_OP_UPDATE) {
		if (!blob)
			return -EINVAL;
		/* The kernel checks the signer's key before it parses the
		 * policy text or looks at the name: a trust refusal comes
		 * first, also in the diagnostics. */
		rc = check_blob(ctx, blob, !(flags & IPE_CTL_PF_NO_KEYRING), &first);
		if (rc)
			return rc;
		if (ipe_ctl_blob_header(blob, &bname, &bver) && blob->policy->verdict.err == 0) {
			esc[0] = ctl_escape(bname);
			if (!esc[0])
				goto oom;
		} else {
			bname = NULL;
			bver = NULL;
		}
	}
	if (target) {
		esc[1] = ctl_escape(target);
		if (!esc[1])
			goto oom;
		tp = ipe_ctl_status_find(st, target);
		if (!tp)
			ERR(ENOENT, "IPECTL-P010", "list the loaded policies with 'ipectl status'",
			    "no policy named \"%s\" is loaded", esc[1]);
	}
	if (ap) {
		esc[2] = ctl_escape(ap->name);
		if (!esc[2])
			goto oom;
	}

	switch (op) {
	case IPE_CTL_OP_LOAD:
		if (bname && ipe_ctl_status_find(st, bname) && !(flags & IPE_CTL_PF_INSTALL)) {
			const struct ipe_ctl_policy *lp = ipe_ctl_status_find(st, bname);

			ERR(EEXIST, "IPECTL-P005", "use 'ipectl update NAME BLOB' with a higher version",
			    "a policy named \"%s\" is already loaded (version %s)", esc[0],
			    lp->version_known ? ipe_ctl_version_str(lp->version, vb[0]) : "unknown");
		}
		break;
	case IPE_CTL_OP_UPDATE:
		if (tp && bname) {
			if (strcmp(bname, tp->name) != 0)
				ERR(EINVAL, "IPECTL-P006",
				    "an update must keep the name: use 'ipectl load BLOB' to load it under its own name",
				    "the blob holds policy \"%s\" but the update targets \"%s\"", esc[0], esc[1]);
			else if (tp->version_known && ipe_ctl_version_cmp(bver, tp->version) <= 0)
				ERR(ESTALE, "IPECTL-P007", "raise policy_version above the loaded one, re-sign",
				    "\"%s\" %s is not newer than the loaded version %s; an update needs a strictly greater version",
				    esc[1], ipe_ctl_version_str(bver, vb[0]),
				    ipe_ctl_version_str(tp->version, vb[1]));
		}
		break;
	case IPE_CTL_OP_ACTIVATE:
		if (tp && tp->version_known && ap && ap->version_known &&
		    ipe_ctl_rule_activate(ap->version, tp->version, tp == ap))
			ERR(EINVAL, "IPECTL-P008",
			    "the kernel never activates a lower version than the active one, whatever the name: "
			    "raise the version, re-sign, 'ipectl update' it, then activate",
			    "\"%s\" %s is older than the active policy \"%s\" %s", esc[1],
			    ipe_ctl_version_str(tp->version, vb[0]), esc[2],
			    ipe_ctl_version_str(ap->version, vb[1]));
		break;
	case IPE_CTL_OP_DELETE:
		if (tp && tp->active == 1)
			ERR(EPERM, "IPECTL-P009",
			    "activate another policy first (with a version at least as high); IPE cannot be deactivated",
			    "\"%s\" is the active policy; the kernel never deletes the active policy", esc[1]);
		break;
	default:
		break;
	}

	/* load/update followed by activation: refuse before writing anything
	 * if the activation would fail. */
	if ((flags & IPE_CTL_PF_ACTIVATE) && bver && ap && ap->version_known &&
	    !(bname && strcmp(bname, ap->name) == 0) &&
	    ipe_ctl_rule_activate(ap->version, bver, false))
		ERR(EINVAL, "IPECTL-P008",
		    "raise policy_version to at least the active policy's, re-sign; or load without --activate",
		    "\"%s\" %s could not be activated: the active policy \"%s\" has the higher version %s",
		    esc[0], ipe_ctl_version_str(bver, vb[0]), esc[2], ipe_ctl_version_str(ap->version, vb[1]));

	if (!(flags & IPE_CTL_PF_NO_CAPS) && op != IPE_CTL_OP_STATUS && op != IPE_CTL_OP_SHOW &&
	    ipe_ctl_have_mac_admin() == 0)
		ERR(EPERM, "IPECTL-P011", "run as root with CAP_MAC_ADMIN",
		    "this process lacks CAP_MAC_ADMIN, which every IPE write needs");

	esc_free(esc, 3);
	return -first;
oom:
	esc_free(esc, 3);
	return -ENOMEM;
}
