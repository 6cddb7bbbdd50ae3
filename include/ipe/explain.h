/* SPDX-License-Identifier: MIT */
/*
 * libipe: explain the kernel's decisions (audit2why / audit2allow for IPE).
 *
 * An explain event is one access the kernel evaluates: an op and either a
 * file with its integrity properties or no file at all.  ipe_explain() gives
 * the decision and what decided it (a rule, the op's DEFAULT, the global
 * DEFAULT or nothing) using THE evaluator, ipe_eval() (include/ipe/eval.h).
 *
 * Events come from explicit specs ("op=EXECUTE fsverity_digest=sha256:...",
 * parsed by the policy parser itself, so property spelling and digest rules
 * are the kernel's), from files (the tool fills the properties from the
 * digest code) and from the kernel's AUDIT_IPE_ACCESS records
 * (ipe_audit_parse()).
 *
 * Proposals (ipe_explain_propose()) add rules allowing denied events, pinned
 * to an fs-verity digest or a dm-verity root hash, and prove with the
 * equivalence engine that exactly those events change.
 */
#ifndef IPE_EXPLAIN_H
#define IPE_EXPLAIN_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/diag.h>
#include <ipe/eval.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPE_EXPLAIN_ALG_MAX 64     /* algorithm name bytes incl. NUL */
#define IPE_EXPLAIN_DIGEST_MAX 64  /* digest bytes (sha512) */

struct ipe_audit_record;

/* One event; owns its strings (ipe_explain_event_clear()).  Start it with
 * ipe_explain_event_init() (it zeroes the whole struct); reserved must be
 * zero (fields added later take that space): ipe_explain() rejects non-zero
 * reserved space with -EINVAL. */
struct ipe_explain_event {
	int op;                   /* enum ipe_op, or IPE_OP_INVALID (the kernel's "UNKNOWN") */
	char *path;               /* label: the file's path, NULL if none */
	bool has_file;
	bool boot_verified;
	bool dmverity, dmverity_signed;
	bool fsverity, fsverity_signed;
	char dmv_alg[IPE_EXPLAIN_ALG_MAX];
	uint8_t dmv_roothash[IPE_EXPLAIN_DIGEST_MAX];
	size_t dmv_roothash_len;
	char fsv_alg[IPE_EXPLAIN_ALG_MAX];
	uint8_t fsv_digest[IPE_EXPLAIN_DIGEST_MAX];
	size_t fsv_digest_len;
	/* Properties could not be fully determined (e.g. a logged file that
	 * is not present under the root): why, else NULL.  Such an event is
	 * still evaluated with what is known, and reported as uncertain. */
	char *unknown;
	/* The audit record it came from (NULL: not from a log); not owned. */
	const struct ipe_audit_record *audit;
	uint64_t reserved[4];        /* must be zero */
};

/* Start an event of op with nothing known; _clear frees what it holds. */
IPE_EXPORT void ipe_explain_event_init(struct ipe_explain_event *e, int op);
IPE_EXPORT void ipe_explain_event_clear(struct ipe_explain_event *e);
/* The evaluator's view of e (digests point into e). */
IPE_EXPORT void ipe_explain_event_view(const struct ipe_explain_event *e, struct ipe_event *ret_event);
/* Set the fs-verity / dm-verity digest of e from an algorithm name and bytes.
 * -EINVAL when the name or digest is too long. */
IPE_EXPORT int ipe_explain_event_set_fsverity(struct ipe_explain_event *e, const char *alg, const uint8_t *digest,
				   size_t len);
IPE_EXPORT int ipe_explain_event_set_dmverity(struct ipe_explain_event *e, const char *alg, const uint8_t *roothash,
				   size_t len);

/* Parse an explicit event: space-separated tokens, each a policy property
 * (boot_verified=TRUE|FALSE, dmverity_roothash=ALG:HEX,
 * dmverity_signature=TRUE|FALSE, fsverity_digest=ALG:HEX,
 * fsverity_signature=TRUE|FALSE), at most one op=OP (else default_op),
 * "path=LABEL" and "nofile" (a file-less event: no property may be given).
 * Properties not given are false.  A *_signature=TRUE implies that verity
 * is on.  Properties are spelt and digests parsed by the policy parser.
 * Errors are diagnostics in ctx (code IPE-X001) and -EINVAL. */
IPE_EXPORT int ipe_explain_event_parse(struct ipe_ctx *ctx, const char *spec, int default_op,
			    struct ipe_explain_event *ret_event);

/* "boot_verified=FALSE dmverity_roothash=sha256:ab.. ..." or "nofile":
 * every property of e (malloc'd). */
IPE_EXPORT int ipe_explain_event_props_format(const struct ipe_explain_event *e, char **ret_text);

/* A result: the library zeroes the whole struct, reserved included (fields
 * added later take that space). */
struct ipe_explanation {
	int op;
	struct ipe_decision decision;
	uint32_t line;     /* 1-based line of the deciding rule/DEFAULT in the policy source; 0 if none */
	char *rule;        /* the deciding rule or DEFAULT in canonical text; "" when nothing applies */
	char *audit_rule;  /* the same as the kernel's audit record prints it (rule="..." contents) */
	uint64_t reserved[4];        /* zeroed by the library */
};

/* The kernel's decision for e under p (NULL = no policy: ALLOW), k the
 * kernel's compiled-in properties (NULL = all).  idx: NULL, or an index of
 * p built for k (ipe_eval_index_new(), worth it for many events: digest
 * rules are then looked up, not scanned).  ret is filled (free with
 * ipe_explanation_clear()).  Returns 0, -EINVAL or -ENOMEM. */
IPE_EXPORT int ipe_explain(const struct ipe_policy *p, const struct ipe_eval_index *idx, const struct ipe_explain_event *e,
		const struct ipe_eval_kernel *k, struct ipe_explanation *ret);
IPE_EXPORT void ipe_explanation_clear(struct ipe_explanation *x);

/* ---- events from files ------------------------------------------------ */

#define IPE_EXPLAIN_FILES_V1 1u
#define IPE_EXPLAIN_RECURSIVE          (1u << 0) /* descend into directories (-r) */
#define IPE_EXPLAIN_ASSUME_FSVERITY    (1u << 1) /* digest from content as if fs-verity were on */
#define IPE_EXPLAIN_BOOT_VERIFIED      (1u << 2) /* every file is on the initramfs rootfs */
#define IPE_EXPLAIN_FSVERITY_SIGNATURE (1u << 3) /* every fs-verity file has a verified builtin signature */
#define IPE_EXPLAIN_DMVERITY_SIGNATURE (1u << 4) /* every dm-verity volume was opened with a verified signature */
#define IPE_EXPLAIN_FOLLOW             (1u << 5) /* follow symlinks found inside directories */

/* How file events get their properties.  Zero it, set version. */
struct ipe_explain_files_params {
	uint32_t version;     /* IPE_EXPLAIN_FILES_V1 */
	uint32_t flags;       /* IPE_EXPLAIN_* */
	/* The dm-verity root hash of every file (NULL: found through each
	 * file's device, include/ipe/digest.h ipe_dmverity_for_dev()). */
	const char *dmv_alg;
	const uint8_t *dmv_roothash;
	size_t dmv_roothash_len;
	unsigned jobs;        /* digest threads, 0 = online CPUs */
	uint64_t reserved[4]; /* must be zero */
};

/* Events of op for files and trees (walked and digested by the digest code:
 * the kernel's fs-verity measurement, or the digest computed from the
 * content with IPE_EXPLAIN_ASSUME_FSVERITY; the dm-verity volume of the
 * file's device).  Entries that are not files (directories without
 * IPE_EXPLAIN_RECURSIVE, devices, FIFOs, symlinks inside trees) are warnings
 * in ctx (IPE-X030); files that cannot be read are errors (IPE-X031) and
 * counted in *ret_failed.  *ret_events is an array of *ret_n events (free
 * each with ipe_explain_event_clear(), then the array).  Returns 0, -EINVAL,
 * -ENOMEM or -E2BIG. */
IPE_EXPORT int ipe_explain_files(struct ipe_ctx *ctx, const char *const *paths, size_t npaths, int op,
		      const struct ipe_explain_files_params *params, struct ipe_explain_event **ret_events,
		      size_t *ret_n, size_t *ret_failed);

/* ---- the kernel's audit records -------------------------------------- */

/* One AUDIT_IPE_ACCESS record (type 1420). Strings are decoded (the kernel
 * hex-encodes untrusted strings holding spaces, quotes or control bytes). */
struct ipe_audit_record {
	uint32_t line;        /* 1-based line in the log */
	int op;               /* enum ipe_op or IPE_OP_INVALID ("UNKNOWN") */
	char *op_name;        /* as logged */
	char *hook;           /* BPRM_CHECK, MMAP, MPROTECT, KERNEL_READ, KERNEL_LOAD, ... */
	int enforcing;        /* 0, 1 */
	long pid;
	char *comm;
	bool has_file;        /* path=? dev=? ino=? means no file */
	char *path;           /* NULL without a file */
	char *dev;            /* superblock id ("vda", "dm-0", "rootfs", "tmpfs"); NULL if "?" */
	uint64_t ino;
	char *rule;           /* the rule="..." contents */
	size_t count;         /* identical records merged into this one */
};

struct ipe_audit_log {
	size_t nrecords;
	struct ipe_audit_record *records; /* distinct events, first-seen order */
	size_t nlines;                    /* lines read */
	size_t nipe;                      /* IPE_ACCESS records found (before merging) */
};

/* Read AUDIT_IPE_ACCESS records from a buffer holding a raw audit.log,
 * `ausearch --raw` output, or a kernel log (dmesg, dmesg -x/-T,
 * journalctl -k, /dev/kmsg lines).  Other lines are skipped.  A line that
 * is an IPE access record but malformed is a warning diagnostic in ctx
 * (code IPE-X010, with its line) and skipped.  Identical events (same op,
 * hook, path, dev, ino, rule) are merged.  Time is linear in len plus
 * O(n log n) in the records; lines longer than 64 KiB are skipped with a
 * warning.  name labels the diagnostics.  Returns 0, -ENOMEM or -EINVAL. */
IPE_EXPORT int ipe_audit_parse(struct ipe_ctx *ctx, const char *name, const void *buf, size_t len,
		    struct ipe_audit_log **ret_log);
IPE_EXPORT void ipe_audit_log_free(struct ipe_audit_log *log);

/* Which superblocks cannot carry a verity property: files logged on "rootfs"
 * (the initramfs) are boot_verified=TRUE and nothing else; files on tmpfs,
 * ramfs or devtmpfs have no property at all.  Returns 1 and fills the
 * properties of e for such a dev, else 0 (the file must be examined). */
IPE_EXPORT int ipe_audit_dev_properties(const char *dev, struct ipe_explain_event *e);

/* ---- proposals (audit2allow) ------------------------------------------ */

enum ipe_propose_kind {
	IPE_PROPOSE_FSVERITY = 0, /* one rule per fs-verity file digest */
	IPE_PROPOSE_DMVERITY,     /* one rule per dm-verity root hash */
};

struct ipe_proposal_rule {
	int op;
	char *text;           /* the rule line as added */
	char *comment;        /* the comment line above it (starts with '#') */
	uint32_t before_line; /* placed before this line of the old policy; 0 = appended at the end */
	size_t nevents;       /* events it allows */
};

struct ipe_proposal_skip {
	size_t event;         /* index into the events given */
	char *why;            /* why it cannot be pinned and what to do */
};

struct ipe_proposal {
	char *text;                /* the new policy text (NULL when nothing to add) */
	size_t text_len;
	uint16_t version[3];       /* the new version */
	size_t nrules;
	struct ipe_proposal_rule *rules;
	size_t nskipped;
	struct ipe_proposal_skip *skipped;
	size_t nalready;           /* events given that the policy already allows */
	bool proven;               /* the equivalence proof passed */
	char *difference;          /* one line: a witness event that now differs (from the engine) */
	uint64_t reserved[4];      /* zeroed by the library */
};

/* Build a policy from p (which must be one the kernel accepts, its text in
 * ctx) that allows the denied events among events[0..n-1], with rules
 * pinned as kind says, each placed before the line that denied it (a
 * DEFAULT: at the end), comments naming the paths, the version's last part
 * bumped (carrying into the next part at 65535).  Then prove: the new text
 * is accepted; every such event is now allowed; and replacing the added
 * rules' action by DENY gives a policy equivalent to p (so the only events
 * that change are the ones the added rules match, all from DENY to ALLOW).
 * Events it cannot pin are listed in ret->skipped with the reason.
 * Returns 0 (see ret->proven), -EINVAL, -ENOMEM, or -EPROTO when the proof
 * fails (an internal error: nothing should be written). */
IPE_EXPORT int ipe_explain_propose(struct ipe_ctx *ctx, const struct ipe_policy *p, const struct ipe_explain_event *events,
			size_t n, enum ipe_propose_kind kind, const struct ipe_eval_kernel *k,
			struct ipe_proposal *ret);
IPE_EXPORT void ipe_proposal_clear(struct ipe_proposal *pr);

#ifdef __cplusplus
}
#endif
#endif
