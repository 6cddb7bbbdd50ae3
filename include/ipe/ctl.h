/* SPDX-License-Identifier: MIT */
/*
 * libipe: deploy and manage IPE policies through securityfs (what ipectl does).
 *
 * The kernel's interface (securityfs, <root>/ipe/) answers only with errnos
 * and has sharp edges: one write() per blob, strictly increasing versions, no
 * deactivation.  This module reads the tree, predicts the kernel's answer
 * before writing (the "preflight"), performs the writes and turns every errno
 * into what happened and what to do, naming the policies and versions
 * involved.
 *
 * Nothing here prints or exits; outcomes are data (struct ipe_ctl_result and
 * diagnostics in a struct ipe_ctx).  Renderers for text and JSON are provided
 * so every front end says the same thing.
 */
#ifndef IPE_CTL_H
#define IPE_CTL_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ipe/diag.h>
#include <ipe/policy.h>
#include <ipe/systemd.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPE_CTL_DEFAULT_SECURITYFS "/sys/kernel/security"
/* The kernel's ASN.1 decoder refuses larger blobs with EMSGSIZE. */
#define IPE_CTL_MAX_BLOB 65535u
#define IPE_CTL_DIGEST_LEN 32u /* SHA-256 */
/* "65535.65535.65535" + NUL */
#define IPE_CTL_VERSION_STRLEN 18u

/* What is being done.  Used by the errno table to pick the explanation. */
enum ipe_ctl_op {
	IPE_CTL_OP_STATUS = 0,
	IPE_CTL_OP_LOAD,     /* write to ipe/new_policy */
	IPE_CTL_OP_UPDATE,   /* write to ipe/policies/NAME/update */
	IPE_CTL_OP_ACTIVATE, /* write "1" to ipe/policies/NAME/active */
	IPE_CTL_OP_DELETE,   /* write "1" to ipe/policies/NAME/delete */
	IPE_CTL_OP_ENFORCE,  /* write "1"/"0" to ipe/enforce */
	IPE_CTL_OP_AUDIT,    /* write "1"/"0" to ipe/success_audit */
	IPE_CTL_OP_SHOW,     /* read ipe/policies/NAME/... */
	IPE_CTL_OP_INSTALL,  /* write IPE_CTL_BOOT_POLICY_PATH for systemd */
	IPE_CTL_OP_COUNT,
};

/* At which step a system call failed. */
enum ipe_ctl_stage {
	IPE_CTL_STAGE_OPEN = 0,
	IPE_CTL_STAGE_WRITE,
	IPE_CTL_STAGE_READ,
};

/* How an operation ended; each has a documented exit code (man ipectl(8)). */
enum ipe_ctl_outcome {
	IPE_CTL_OK = 0,          /* done (or nothing to do)                     exit 0 */
	IPE_CTL_FAIL_KERNEL,     /* the kernel refused a write (errno)          exit 1 */
	IPE_CTL_FAIL_IO,         /* reading the blob/tree failed, short write   exit 2 */
	IPE_CTL_FAIL_USAGE,      /* bad arguments (front end)                   exit 3 */
	IPE_CTL_FAIL_PREFLIGHT,  /* refused before touching the kernel          exit 4 */
	IPE_CTL_FAIL_UNAVAILABLE,/* no IPE securityfs tree / policy not loaded  exit 5 */
	IPE_CTL_FAIL_VERIFY,     /* write accepted but re-reading disagrees      exit 6 */
};

/* ---- versions ---------------------------------------------------------- */

/* Compare like the kernel (major, minor, revision as one 48-bit number). */
IPE_EXPORT int ipe_ctl_version_cmp(const uint16_t a[3], const uint16_t b[3]);
/* Parse a version file's "%hu.%hu.%hu" (one trailing newline tolerated)
 * by the kernel's policy_version= rules (see ipe_version_parse()), except
 * that a wrong number of parts is -EINVAL.  Returns 0 or -EINVAL/-ERANGE. */
IPE_EXPORT int ipe_ctl_version_parse(const char *s, size_t len, uint16_t ret_v[3]);
/* Writes "M.m.r" into buf (at least IPE_CTL_VERSION_STRLEN bytes). */
IPE_EXPORT const char *ipe_ctl_version_str(const uint16_t v[3], char *buf);

/* ---- the kernel's rules, as pure functions ----------------------------- */

/* policies/NAME/update: 0, -EINVAL (the blob's name differs from NAME), or
 * -ESTALE (the new version is not strictly greater). */
IPE_EXPORT int ipe_ctl_rule_update(const char *old_name, const uint16_t old_ver[3],
			const char *new_name, const uint16_t new_ver[3]);
/* policies/NAME/active: 0 or -EINVAL when the candidate's version is lower
 * than the active policy's (whatever its name).  active_ver NULL = no
 * active policy; is_active = the candidate is already the active one. */
IPE_EXPORT int ipe_ctl_rule_activate(const uint16_t *active_ver, const uint16_t cand_ver[3], bool is_active);
/* new_policy, name as a directory: 0, -EACCES ("", ".", "..", contains
 * '/'), -ENAMETOOLONG (> 255 bytes). */
IPE_EXPORT int ipe_ctl_rule_name(const char *name);

/* ---- the securityfs tree ----------------------------------------------- */

struct ipe_ctl_policy {
	char *name;                 /* the directory name */
	uint16_t version[3];
	bool version_known;
	int active;                 /* 1, 0, or -1 when unreadable (needs root) */
	bool is_signed;             /* pkcs7 readable; false for the boot policy */
	size_t pkcs7_len;
	uint8_t digest[IPE_CTL_DIGEST_LEN]; /* SHA-256 of pkcs7 = audit policy_digest */
	int read_err;               /* first error reading the entry (positive errno) */
};

struct ipe_ctl_status {
	char *root;                 /* the securityfs mount used */
	bool lsm_known;             /* <root>/lsm was readable */
	bool lsm_listed;            /* "ipe" is in <root>/lsm */
	bool tree_present;          /* <root>/ipe exists */
	int enforce;                /* 1, 0, -1 unknown (unreadable) */
	int success_audit;          /* 1, 0, -1 unknown */
	int enforce_err, audit_err; /* why unknown (positive errno) */
	size_t npolicies;
	struct ipe_ctl_policy *policies; /* sorted by name (bytewise) */
	long active;                /* index into policies, -1 = none known */
	bool active_known;          /* every policy's active flag was readable */
};

/* Read the tree under root (NULL = IPE_CTL_DEFAULT_SECURITYFS).  Missing
 * pieces are recorded, not fatal: returns 0, or -ENOMEM / -EINVAL. */
IPE_EXPORT int ipe_ctl_status_read(const char *root, struct ipe_ctl_status **ret_status);
IPE_EXPORT void ipe_ctl_status_free(struct ipe_ctl_status *st);
IPE_EXPORT const struct ipe_ctl_policy *ipe_ctl_status_find(const struct ipe_ctl_status *st, const char *name);
IPE_EXPORT const struct ipe_ctl_policy *ipe_ctl_status_active(const struct ipe_ctl_status *st);

/* ---- a signed policy blob ---------------------------------------------- */

struct ipe_ctl_blob {
	char *path;                 /* display name */
	uint8_t *data;
	size_t len;
	uint8_t digest[IPE_CTL_DIGEST_LEN];
	/* CMS inspection: 0 when the blob looks like what the kernel accepts,
	 * else the positive errno the kernel is expected to answer and why. */
	int cms_err;
	char *cms_why;
	uint8_t *content;           /* the embedded policy text (NULL if none) */
	size_t content_len;
	/* The embedded policy, parsed by libipe (NULL if no content). */
	struct ipe_policy *policy;
	uint32_t src;               /* source index of content in the ctx */
};

/* Inspect a blob in memory: hash, CMS structure, embedded policy (its
 * diagnostics go into ctx).  Returns 0 (even for a blob the kernel would
 * refuse: see cms_err and ipe_policy_verdict(policy)) or -ENOMEM. */
IPE_EXPORT int ipe_ctl_blob_new(struct ipe_ctx *ctx, const char *path, const void *data, size_t len,
		     struct ipe_ctl_blob **ret_blob);
/* Read a file (at most 16 MiB) and inspect it. -errno if unreadable. */
IPE_EXPORT int ipe_ctl_blob_from_file(struct ipe_ctx *ctx, const char *path, struct ipe_ctl_blob **ret_blob);
IPE_EXPORT void ipe_ctl_blob_free(struct ipe_ctl_blob *b);
/* Name and version of the embedded policy (false when it has no header). */
IPE_EXPORT bool ipe_ctl_blob_header(const struct ipe_ctl_blob *b, const char **ret_name, const uint16_t **ret_ver);

/* ---- decisions --------------------------------------------------------- */

enum ipe_ctl_load_plan {
	IPE_CTL_PLAN_LOAD = 0,   /* no policy of that name: write new_policy */
	IPE_CTL_PLAN_UNCHANGED,  /* the same blob is loaded: nothing to write */
	IPE_CTL_PLAN_UPDATE,     /* an older version is loaded: write its update node */
	IPE_CTL_PLAN_REFUSE,     /* same or higher version loaded with another blob */
};

/* What `load` should do given the tree and the blob's name/version/digest. */
IPE_EXPORT enum ipe_ctl_load_plan ipe_ctl_plan_load(const struct ipe_ctl_status *st, const char *name,
					 const uint16_t ver[3], const uint8_t digest[IPE_CTL_DIGEST_LEN]);

enum ipe_ctl_preflight_flags {
	IPE_CTL_PF_ACTIVATE = 1u << 0, /* load/update will be followed by activation */
	IPE_CTL_PF_NO_KEYRING = 1u << 1, /* skip the trusted-keyring lookup */
	IPE_CTL_PF_NO_CAPS = 1u << 2,    /* skip the CAP_MAC_ADMIN check of this process */
	/* ipectl install: the blob goes to IPE_CTL_BOOT_POLICY_PATH for systemd,
	 * not to the kernel now: a loaded policy of that name is no error, and
	 * without an IPE tree only the blob itself is checked. */
	IPE_CTL_PF_INSTALL = 1u << 3,
};
/* The checks that concern the running kernel (keyrings, capabilities) only
 * make sense for the real mount: front ends set both flags when another
 * --securityfs directory is used. */

/* Check, without writing anything, what the kernel would answer to op with
 * this blob (load/update) or on this policy (activate/delete).  target is
 * the policy directory (update/activate/delete; NULL for load).  Every
 * finding is a diagnostic in ctx (codes "IPECTL-P..."), errors carry the
 * predicted kernel errno.  Returns 0 when the write can proceed, the
 * negative predicted errno of the first error otherwise. */
IPE_EXPORT int ipe_ctl_preflight(struct ipe_ctx *ctx, enum ipe_ctl_op op, const struct ipe_ctl_status *st,
		      const char *target, const struct ipe_ctl_blob *blob, unsigned flags);

/* ---- errno translation ------------------------------------------------- */

/* Everything known when a call failed; NULL / -1 for unknown fields.
 * Zero-initialise; reserved must be zero (fields added later take that
 * space): ipe_ctl_explain() rejects non-zero reserved space with -EINVAL. */
struct ipe_ctl_errctx {
	enum ipe_ctl_op op;
	enum ipe_ctl_stage stage;
	int err;                     /* positive errno */
	const char *node;            /* the securityfs path */
	const char *name;            /* the policy directory targeted */
	const char *blob_name;       /* the name inside the blob */
	const uint16_t *blob_version;
	const uint16_t *cur_version; /* the loaded version of name */
	const char *active_name;
	const uint16_t *active_version;
	int target_active;           /* 1, 0, -1 unknown */
	int blob_verdict;            /* libipe's verdict on the text: 0, positive errno, -1 unknown */
	int have_cap;                /* CAP_MAC_ADMIN in effect: 1, 0, -1 unknown */
	int cms_err;                 /* blob inspection prediction: 0, errno, -1 unknown */
	const char *value;           /* the value written (enforce/audit) */
	const char *detail;          /* extra words (blob inspection, short write) */
	size_t blob_len;             /* bytes of the blob (load/update), 0 unknown */
	uint64_t reserved[4];        /* must be zero */
};

/* One row of the translation table: the first row matching (op, stage,
 * err, condition) explains the failure. */
struct ipe_ctl_errno_entry {
	unsigned ops;                /* bit mask of 1u << enum ipe_ctl_op; 0 = any */
	unsigned stages;             /* bit mask of 1u << enum ipe_ctl_stage; 0 = any */
	int err;
	int cond;                    /* internal discriminator (see explain.c) */
	const char *code;            /* "IPECTL-K-EPERM-CAP" ... stable */
	const char *what;            /* template: {name} {bname} {bver} {cver} {aname} {aver} {node}
				      * {value} {errno} {strerror} {detail} {size} {op} */
	const char *todo;            /* template */
};

/* The table of every errno a securityfs write can return, with its meaning
 * (*ret_count entries). */
IPE_EXPORT const struct ipe_ctl_errno_entry *ipe_ctl_errno_table(size_t *ret_count);

/* Explain a failure: malloc'd what/todo strings, the stable code. */
IPE_EXPORT int ipe_ctl_explain(const struct ipe_ctl_errctx *c, const char **ret_code, char **ret_what,
		    char **ret_todo);

/* Whether this process has CAP_MAC_ADMIN in its effective set: 1, 0, -1. */
IPE_EXPORT int ipe_ctl_have_mac_admin(void);

/* ---- operations -------------------------------------------------------- */

/* A result: the library zeroes the whole struct, reserved included (fields
 * added later take that space). */
struct ipe_ctl_result {
	enum ipe_ctl_op op;
	enum ipe_ctl_outcome outcome;
	int err;                     /* positive errno of the failure, 0 */
	const char *action;          /* "loaded", "updated", "unchanged", "activated",
				      * "already-active", "deleted", "on"/"off" (switches) */
	char *name;                  /* policy involved */
	uint16_t version[3];
	bool has_version;
	bool activated;              /* load --activate: activation confirmed */
	const char *code;            /* stable failure code or NULL */
	char *what;                  /* failure: what happened */
	char *todo;                  /* failure: what to do */
	char *node;                  /* securityfs node involved */
	uint64_t reserved[4];        /* zeroed by the library */
};

/* Free what r holds and reset it; the exit status a tool gives for r;
 * names of operations and boot actions. */
IPE_EXPORT void ipe_ctl_result_clear(struct ipe_ctl_result *r);
IPE_EXPORT int ipe_ctl_result_exit_code(const struct ipe_ctl_result *r);
IPE_EXPORT const char *ipe_ctl_op_name(enum ipe_ctl_op op);   /* "load" */
IPE_EXPORT const char *ipe_ctl_outcome_name(enum ipe_ctl_outcome o); /* "ok", "kernel", ... */

#define IPE_CTL_OPTS_V1 1u
/* Zero-initialise (version 0 means IPE_CTL_OPTS_V1; reserved must stay
 * zero: fields added later take that space, their 0 meaning what this
 * version does). */
struct ipe_ctl_opts {
	uint32_t version;            /* IPE_CTL_OPTS_V1 or 0 */
	const char *root;            /* securityfs mount, NULL = default */
	bool no_preflight;
	bool activate;               /* load/update: activate afterwards */
	unsigned pf_flags;           /* extra IPE_CTL_PF_* */
	uint64_t reserved[4];        /* must be zero */
};

/* Each fills *r (always, also on failure) and returns 0 when the operation
 * succeeded or a negative errno.  Diagnostics of the preflight go to ctx. */
IPE_EXPORT int ipe_ctl_load(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const struct ipe_ctl_blob *blob,
		 struct ipe_ctl_result *r);
IPE_EXPORT int ipe_ctl_update(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *name,
		   const struct ipe_ctl_blob *blob, struct ipe_ctl_result *r);
IPE_EXPORT int ipe_ctl_activate(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *name,
		     struct ipe_ctl_result *r);
IPE_EXPORT int ipe_ctl_delete(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *name,
		   struct ipe_ctl_result *r);
/* which: IPE_CTL_OP_ENFORCE or IPE_CTL_OP_AUDIT. */
IPE_EXPORT int ipe_ctl_set_switch(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, enum ipe_ctl_op which,
		       bool on, struct ipe_ctl_result *r);
/* Read policies/NAME/<file> ("policy" or "pkcs7") whole. */
IPE_EXPORT int ipe_ctl_read_node(const struct ipe_ctl_opts *o, const char *name, const char *file,
		      uint8_t **ret_data, size_t *ret_len, struct ipe_ctl_result *r);

/* ---- the systemd boot path ---------------------------------------------- */

/* systemd's pid 1 (src/core/ipe-setup.c) loads this file at boot when IPE is
 * enabled: new_policy, or policies/NAME/update when NAME is loaded with a
 * version it orders lower, then activates NAME. */
#define IPE_CTL_BOOT_POLICY_PATH "/etc/ipe/ipe-policy.p7b"

/* How systemd reads a blob's name and version and orders versions:
 * ipe_systemd_header() and ipe_systemd_verscmp() in <ipe/systemd.h>. */

enum ipe_ctl_boot_action {
	IPE_CTL_BOOT_LOAD = 0,   /* no policy of that name: new_policy, then activate */
	IPE_CTL_BOOT_UPDATE,     /* a lower version is loaded: its update node, then activate */
	IPE_CTL_BOOT_SKIP,       /* the loaded version is not lower (systemd's order): nothing */
	IPE_CTL_BOOT_FAIL,       /* systemd finds no policy_name=/policy_version=: journal error */
};

struct ipe_ctl_boot_plan {
	size_t size;                 /* sizeof(struct ipe_ctl_boot_plan): set by the caller */
	enum ipe_ctl_boot_action action;
	char *sd_name, *sd_version;  /* what systemd reads (NULL if not found) */
	bool agrees;                 /* systemd's name and version order = the kernel's */
	int write_err;               /* predicted errno of systemd's write (0 = accepted) */
	int activate_err;            /* predicted errno of its activation (0 = accepted) */
	const char *against;         /* the loaded policy of that name considered, or NULL */
};

/* What systemd will do with blob, given the loaded policies in st.
 * boot_only: consider only the kernel's built-in boot policy (what is loaded
 * when systemd runs at the next boot); else every loaded policy (as if it
 * ran now).  Disagreements between systemd's reading and the kernel's are
 * error diagnostics in ctx (IPECTL-S001..S004), a predicted activation
 * failure a warning (IPECTL-S005).  Returns 0, -EINVAL or -ENOMEM; plan is
 * filled in all cases (free with ipe_ctl_boot_plan_clear). */
IPE_EXPORT int ipe_ctl_boot_plan(struct ipe_ctx *ctx, const struct ipe_ctl_status *st,
				 const struct ipe_ctl_blob *blob, bool boot_only, struct ipe_ctl_boot_plan *plan);
IPE_EXPORT void ipe_ctl_boot_plan_clear(struct ipe_ctl_boot_plan *plan);
/* ipectl install: preflight blob as a load (IPE_CTL_PF_INSTALL), check that
 * systemd reads it as the kernel does (ipe_ctl_boot_plan against the loaded
 * policies), then write it atomically as sysroot + IPE_CTL_BOOT_POLICY_PATH
 * (mode 0644, fsync, rename; sysroot NULL = "/"), keeping the previous file
 * as ipe-policy.p7b.old.  r->action: "installed" or "unchanged" (same bytes);
 * r->node: the path.  o->no_preflight skips the kernel checks, never the
 * systemd ones. */
IPE_EXPORT int ipe_ctl_install(struct ipe_ctx *ctx, const struct ipe_ctl_opts *o, const char *sysroot,
			       const struct ipe_ctl_blob *blob, struct ipe_ctl_result *r);
IPE_EXPORT const char *ipe_ctl_boot_action_name(enum ipe_ctl_boot_action a); /* "load", ... */

/* ---- rendering --------------------------------------------------------- */

/* The status as human-readable text. */
IPE_EXPORT int ipe_ctl_status_render_text(const struct ipe_ctl_status *st, FILE *out);
/* JSON object; with only != NULL, just that policy.  pretty = indented. */
IPE_EXPORT int ipe_ctl_status_render_json(const struct ipe_ctl_status *st, const char *only, bool pretty,
			       FILE *out);
/* Human text: success line to out, failure "ipectl: OP: error: ..." and
 * "ipectl: OP: hint: ..." to err. */
IPE_EXPORT int ipe_ctl_result_render_text(const struct ipe_ctl_result *r, bool quiet, FILE *out, FILE *err);
/* One JSON object with the result and the diagnostics in ctx. */
IPE_EXPORT int ipe_ctl_result_render_json(const struct ipe_ctx *ctx, const struct ipe_ctl_result *r,
			       bool pretty, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
