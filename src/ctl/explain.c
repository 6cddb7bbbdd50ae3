/* SPDX-License-Identifier: MIT */
/*
 * ipectl: the errno translation table.  The kernel answers every securityfs
 * write with an errno only; the same errno means different things on
 * different nodes (EINVAL on update = another name, on active = a lower
 * version, on enforce = a bad value), so each row is keyed by operation,
 * stage and a condition on what is known about the situation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-internal.h"
#include "util/sbuf.h"
#include "util/opts.h"

enum cond {
	C_ANY = 0,
	C_NO_CAP,        /* have_cap == 0 */
	C_TARGET_ACTIVE, /* target_active == 1 */
	C_PARSE,         /* blob_verdict == err: the policy text itself fails */
	C_CMS,           /* cms_err == err: the blob's structure predicts it */
	C_NAME_MISMATCH, /* blob_name differs from name */
	C_VERSION_LOWER, /* cur_version < active_version */
	C_NAMED,         /* a policy name is targeted */
	C_SHORT,         /* detail set: a short write */
};

#define OP(x) (1u << IPE_CTL_OP_##x)
#define ST(x) (1u << IPE_CTL_STAGE_##x)
#define OPS_BLOB (OP(LOAD) | OP(UPDATE))
#define OPS_WRITE (OP(LOAD) | OP(UPDATE) | OP(ACTIVATE) | OP(DELETE) | OP(ENFORCE) | OP(AUDIT))
#define OPS_NAMED (OP(UPDATE) | OP(ACTIVATE) | OP(DELETE) | OP(SHOW))

#define HINT_SIGN "sign exactly like: openssl cms -sign -binary -nosmimecap -noattr -outform DER -nodetach -in POLICY -signer CERT -inkey KEY -out BLOB (or use ipe-sign)"

static const struct ipe_ctl_errno_entry table[] = {
	/* ---- open() ---- */
	{ OPS_NAMED, ST(OPEN), ENOENT, C_NAMED, "IPECTL-K-NOPOLICY",
	  "no policy named \"{name}\" is loaded ({node} does not exist)",
	  "list the loaded policies with 'ipectl status'; load one with 'ipectl load BLOB'" },
	{ 0, ST(OPEN), ENOENT, C_ANY, "IPECTL-K-NOIPE",
	  "{node} does not exist: IPE is not enabled in this kernel or securityfs is not mounted there",
	  "check 'ipectl status'; mount it with 'mount -t securityfs securityfs /sys/kernel/security'; "
	  "IPE needs CONFIG_SECURITY_IPE and \"ipe\" in the lsm= boot parameter (or CONFIG_LSM)" },
	{ 0, ST(OPEN), EACCES, C_ANY, "IPECTL-K-EACCES-OPEN",
	  "permission denied opening {node}",
	  "run as root: the IPE nodes are writable (and 'active'/'enforce' readable) by root only" },
	{ 0, ST(OPEN), EROFS, C_ANY, "IPECTL-K-EROFS",
	  "{node} is on a read-only file system",
	  "point --securityfs at the real securityfs mount" },
	/* ---- write(): permission ---- */
	{ OP(DELETE), ST(WRITE), EPERM, C_TARGET_ACTIVE, "IPECTL-K-EPERM-ACTIVE",
	  "policy \"{name}\" {cver} is the active policy; the kernel never deletes the active policy",
	  "activate another policy first (its version must be at least {cver}); IPE cannot be deactivated" },
	{ OPS_WRITE, ST(WRITE), EPERM, C_NO_CAP, "IPECTL-K-EPERM-CAP",
	  "the kernel refused to {op}: this process lacks CAP_MAC_ADMIN",
	  "run as root with CAP_MAC_ADMIN (the capability must be held in the initial user namespace)" },
	{ OP(DELETE), ST(WRITE), EPERM, C_ANY, "IPECTL-K-EPERM-DELETE",
	  "the kernel refused to delete \"{name}\": it is the active policy, or CAP_MAC_ADMIN is missing",
	  "check 'ipectl status'; activate another policy first, and run as root" },
	{ OPS_WRITE, ST(WRITE), EPERM, C_ANY, "IPECTL-K-EPERM",
	  "the kernel refused to {op} (EPERM): CAP_MAC_ADMIN is required",
	  "run as root with CAP_MAC_ADMIN in the initial user namespace" },
	/* ---- write(): names ---- */
	{ OP(LOAD), ST(WRITE), EEXIST, C_ANY, "IPECTL-K-EEXIST",
	  "a policy named \"{bname}\" is already loaded (version {cver}); the blob has version {bver}",
	  "to replace it use 'ipectl update {bname} BLOB' with a higher version ('ipectl load' does this "
	  "on its own), or delete the loaded one first if it is not active" },
	{ OP(LOAD), ST(WRITE), EACCES, C_ANY, "IPECTL-K-EACCES-NAME",
	  "the kernel cannot create a directory for the policy name \"{bname}\" (\"/\", \".\" and \"..\" are refused)",
	  "choose another policy_name in the policy header, re-sign and load again" },
	{ OP(LOAD), ST(WRITE), ENAMETOOLONG, C_ANY, "IPECTL-K-ENAMETOOLONG",
	  "the policy name is longer than 255 bytes, too long for a securityfs directory",
	  "shorten policy_name in the policy header, re-sign and load again" },
	/* ---- write(): update rules ---- */
	{ OP(UPDATE), ST(WRITE), ESTALE, C_ANY, "IPECTL-K-ESTALE",
	  "the update of \"{name}\" was refused: its version {bver} is not greater than the loaded {cver}",
	  "raise policy_version above {cver}, re-sign and update again" },
	{ OPS_BLOB, ST(WRITE), EINVAL, C_PARSE, "IPECTL-K-EINVAL-POLICY",
	  "the kernel refused the policy text in the blob: an invalid value (a policy_version part that is not a number, or a digest with bad hex)",
	  "see the preflight diagnostics above (or run 'ipe-check' on the policy text), fix it, re-sign" },
	{ OP(UPDATE), ST(WRITE), EINVAL, C_NAME_MISMATCH, "IPECTL-K-EINVAL-NAME",
	  "the blob holds policy \"{bname}\" but the update targets \"{name}\": an update must keep the name",
	  "use 'ipectl update {bname} BLOB', or 'ipectl load BLOB' to load it under its own name" },
	{ OP(UPDATE), ST(WRITE), EINVAL, C_ANY, "IPECTL-K-EINVAL-UPDATE",
	  "the kernel refused the update of \"{name}\" (EINVAL): the blob's policy name differs or its text holds an invalid value",
	  "compare the names with 'ipectl status' and check the policy with 'ipe-check'" },
	{ OP(LOAD), ST(WRITE), EINVAL, C_ANY, "IPECTL-K-EINVAL-LOAD",
	  "the kernel refused the policy (EINVAL): an invalid value in its text (version part, digest hex)",
	  "check the policy with 'ipe-check', fix it, re-sign" },
	{ OPS_BLOB, ST(WRITE), ERANGE, C_ANY, "IPECTL-K-ERANGE",
	  "the kernel refused the policy: a policy_version part is larger than 65535",
	  "use version parts between 0 and 65535, re-sign" },
	/* ---- write(): activation ---- */
	{ OP(ACTIVATE), ST(WRITE), EINVAL, C_VERSION_LOWER, "IPECTL-K-EINVAL-ACTIVATE",
	  "activation of \"{name}\" {cver} was refused: the active policy \"{aname}\" has the higher version {aver}",
	  "the kernel never activates a lower version than the active one, whatever the name: raise "
	  "policy_version of \"{name}\" to at least {aver}, re-sign, 'ipectl update {name} BLOB', then activate" },
	{ OP(ACTIVATE), ST(WRITE), EINVAL, C_ANY, "IPECTL-K-EINVAL-ACTIVATE",
	  "activation of \"{name}\" was refused (EINVAL): its version is lower than the active policy's",
	  "check versions with 'ipectl status'; raise the version of \"{name}\" and update it" },
	{ OP(ENFORCE) | OP(AUDIT) | OP(DELETE), ST(WRITE), EINVAL, C_ANY, "IPECTL-K-EINVAL-VALUE",
	  "the kernel refused the value \"{value}\" written to {node}",
	  "only 1 and 0 are accepted (ipectl writes these for on/off)" },
	{ OPS_NAMED | OP(LOAD), ST(WRITE), ENOENT, C_ANY, "IPECTL-K-ENOENT",
	  "policy \"{name}\" disappeared while {op} was running (deleted concurrently)",
	  "check 'ipectl status' and retry" },
	/* ---- write(): signature and blob ---- */
	{ OPS_BLOB, ST(WRITE), ENOKEY, C_ANY, "IPECTL-K-ENOKEY",
	  "no trusted key verifies the signature of \"{bname}\" {bver}",
	  "sign with a key whose certificate is in the builtin or secondary trusted keyring (see /proc/keys "
	  "and 'keyctl list %:.builtin_trusted_keys'); a leaf issued by a trusted CA must be embedded in the blob" },
	{ OPS_BLOB, ST(WRITE), EKEYREJECTED, C_CMS, "IPECTL-K-EKEYREJECTED",
	  "the kernel rejected the signature: {detail}",
	  HINT_SIGN },
	{ OPS_BLOB, ST(WRITE), EKEYREJECTED, C_ANY, "IPECTL-K-EKEYREJECTED",
	  "the kernel rejected the signature (EKEYREJECTED): detached signature, streamed encoding, content "
	  "changed after signing, or S/MIME capabilities among the signed attributes",
	  HINT_SIGN },
	{ OPS_BLOB, ST(WRITE), ENOPKG, C_ANY, "IPECTL-K-ENOPKG",
	  "the kernel cannot verify the signature's algorithm (sha1 and RSA-PSS are unsupported, or the hash is not built in)",
	  "sign with sha256 (or sha384/sha512) and RSA PKCS#1 v1.5 or ECDSA; check CONFIG_CRYPTO_* of the kernel" },
	{ OPS_BLOB, ST(WRITE), EBADMSG, C_CMS, "IPECTL-K-EBADMSG-BLOB",
	  "the kernel could not decode the blob: {detail}",
	  HINT_SIGN },
	{ OPS_BLOB, ST(WRITE), EBADMSG, C_PARSE, "IPECTL-K-EBADMSG-POLICY",
	  "the kernel refused the policy text in the blob as malformed (EBADMSG)",
	  "see the preflight diagnostics above (or run 'ipe-check' on the policy text), fix it, re-sign" },
	{ OPS_BLOB, ST(WRITE), EBADMSG, C_ANY, "IPECTL-K-EBADMSG",
	  "the kernel could not parse the blob or its policy (EBADMSG): not DER PKCS#7 with the policy embedded, "
	  "PEM, empty content, a malformed policy, or a blob split over several writes",
	  "check the policy with 'ipe-check'; " HINT_SIGN },
	{ OPS_BLOB, ST(WRITE), EMSGSIZE, C_ANY, "IPECTL-K-EMSGSIZE",
	  "the blob is too large for the kernel ({size} bytes; at most 65535)",
	  "shrink the policy (ipe-compile can merge rules) or sign without embedding extra certificates (-nocerts)" },
	{ OPS_WRITE, ST(WRITE), ENOMEM, C_ANY, "IPECTL-K-ENOMEM",
	  "the kernel ran out of memory while trying to {op}",
	  "retry later" },
	{ OPS_WRITE, ST(WRITE), EIO, C_SHORT, "IPECTL-K-SHORT",
	  "the write to {node} was not accepted whole: {detail}",
	  "the kernel needs the whole blob in one write(); retry" },
	/* ---- reading ---- */
	{ 0, ST(READ), EACCES, C_ANY, "IPECTL-K-EACCES-READ",
	  "permission denied reading {node}",
	  "run as root" },
	{ 0, ST(READ), ENOENT, C_ANY, "IPECTL-K-ENOENT-READ",
	  "{node} cannot be read: the policy is unsigned (the boot policy has no pkcs7) or was deleted",
	  "use 'ipectl show NAME --policy' for the boot policy's text" },
	/* ---- anything else ---- */
	{ 0, 0, 0, C_ANY, "IPECTL-K-OTHER",
	  "could not {op}: {node}: {strerror} ({errno})",
	  "see ipectl(8) and the kernel log (dmesg, audit log)" },
};

const struct ipe_ctl_errno_entry *ipe_ctl_errno_table(size_t *ret_count)
{
	if (ret_count)
		*ret_count = sizeof(table) / sizeof(table[0]);
	return table;
}

static bool cond_holds(const struct ipe_ctl_errno_entry *e, const struct ipe_ctl_errctx *c)
{
	switch ((enum cond)e->cond) {
	case C_ANY:
		return true;
	case C_NO_CAP:
		return c->have_cap == 0;
	case C_TARGET_ACTIVE:
		return c->target_active == 1;
	case C_PARSE:
		return c->blob_verdict > 0 && c->blob_verdict == c->err;
	case C_CMS:
		return c->cms_err > 0 && c->cms_err == c->err && c->detail;
	case C_NAME_MISMATCH:
		return c->blob_name && c->name && strcmp(c->blob_name, c->name) != 0;
	case C_VERSION_LOWER:
		return c->cur_version && c->active_version &&
		       ipe_ctl_version_cmp(c->cur_version, c->active_version) < 0;
	case C_NAMED:
		return c->name != NULL;
	case C_SHORT:
		return c->detail != NULL;
	}
	return false;
}

static const char *op_verb(enum ipe_ctl_op op)
{
	switch (op) {
	case IPE_CTL_OP_LOAD: return "load a policy";
	case IPE_CTL_OP_UPDATE: return "update a policy";
	case IPE_CTL_OP_ACTIVATE: return "activate a policy";
	case IPE_CTL_OP_DELETE: return "delete a policy";
	case IPE_CTL_OP_ENFORCE: return "change enforcement";
	case IPE_CTL_OP_AUDIT: return "change success auditing";
	case IPE_CTL_OP_SHOW: return "read a policy";
	default: return "read the IPE state";
	}
}

static void sb_name(struct ipe_sbuf *b, const char *s)
{
	char *e = ctl_escape(s ? s : "?");

	if (!e) {
		b->err = -ENOMEM;
		return;
	}
	ipe_sbuf_str(b, e);
	free(e);
}

static void sb_ver(struct ipe_sbuf *b, const uint16_t *v)
{
	char buf[IPE_CTL_VERSION_STRLEN];

	ipe_sbuf_str(b, v ? ipe_ctl_version_str(v, buf) : "(unknown)");
}

static char *expand(const char *tpl, const struct ipe_ctl_errctx *c)
{
	struct ipe_sbuf b = { 0 };

	for (const char *p = tpl; *p;) {
		const char *end;
		size_t n;
		char tmp[32];

		if (*p != '{' || !(end = strchr(p, '}'))) {
			ipe_sbuf_put(&b, p, 1);
			p++;
			continue;
		}
		n = (size_t)(end - p - 1);
#define IS(k) (n == strlen(k) && strncmp(p + 1, k, n) == 0)
		if (IS("name"))
			sb_name(&b, c->name ? c->name : c->blob_name);
		else if (IS("bname"))
			sb_name(&b, c->blob_name ? c->blob_name : c->name);
		else if (IS("aname"))
			sb_name(&b, c->active_name);
		else if (IS("bver"))
			sb_ver(&b, c->blob_version);
		else if (IS("cver"))
			sb_ver(&b, c->cur_version);
		else if (IS("aver"))
			sb_ver(&b, c->active_version);
		else if (IS("node"))
			ipe_sbuf_str(&b, c->node ? c->node : "(securityfs)");
		else if (IS("value"))
			sb_name(&b, c->value ? c->value : "?");
		else if (IS("errno")) {
			snprintf(tmp, sizeof(tmp), "errno %d", c->err);
			ipe_sbuf_str(&b, ipe_errno_name(c->err) ? ipe_errno_name(c->err) : tmp);
		}
		else if (IS("strerror"))
			ipe_sbuf_str(&b, strerror(c->err));
		else if (IS("detail"))
			ipe_sbuf_str(&b, c->detail ? c->detail : "");
		else if (IS("op"))
			ipe_sbuf_str(&b, op_verb(c->op));
		else if (IS("size")) {
			snprintf(tmp, sizeof(tmp), "%zu", c->blob_len);
			ipe_sbuf_str(&b, c->blob_len ? tmp : "more than 65535");
		} else
			ipe_sbuf_put(&b, p, n + 2);
#undef IS
		p = end + 1;
	}
	return ipe_sbuf_take(&b, NULL);
}

int ipe_ctl_explain(const struct ipe_ctl_errctx *c, const char **ret_code, char **ret_what,
		    char **ret_todo)
{
	size_t n;
	const struct ipe_ctl_errno_entry *t = ipe_ctl_errno_table(&n);
	char *what = NULL, *todo = NULL;

	if (!c || !ret_code || !ret_what || !ret_todo || IPE_RESERVED_CHECK(c))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct ipe_ctl_errno_entry *e = &t[i];

		if (e->ops && !(e->ops & (1u << c->op)))
			continue;
		if (e->stages && !(e->stages & (1u << c->stage)))
			continue;
		if (e->err && e->err != c->err)
			continue;
		if (!cond_holds(e, c))
			continue;
		what = expand(e->what, c);
		todo = expand(e->todo, c);
		if (!what || !todo) {
			free(what);
			free(todo);
			return -ENOMEM;
		}
		*ret_code = e->code;
		*ret_what = what;
		*ret_todo = todo;
		return 0;
	}
	return -ENOENT; /* unreachable: the last row matches everything */
}

int ipe_ctl_have_mac_admin(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long caps;

		if (strncmp(line, "CapEff:", 7) == 0 && sscanf(line + 7, "%llx", &caps) == 1) {
			rc = (caps >> 33) & 1; /* CAP_MAC_ADMIN */
			break;
		}
	}
	fclose(f);
	return rc;
}
