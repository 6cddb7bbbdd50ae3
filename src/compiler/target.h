/* SPDX-License-Identifier: MIT */
/* Target kernels: per-release facts, and Kconfig reading.  Which ops and
 * properties a release has derives from the one keyword table
 * (util/kwtable.h, the "since" column); this table lists the releases and
 * the facts that are not about the policy language. */
#ifndef IPE_TARGET_H
#define IPE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/diag.h>
#include <ipe/eval.h>
#include <ipe/policy.h>

struct ipe_target {
	const char *release;        /* "6.12" */
	uint16_t major, minor;
	bool audit_load_failures;   /* AUDIT_IPE_POLICY_LOAD also on failures (errno=) */
	const char *note;           /* one line about this release */
};

/* The table entry of a release "6.12", "6.12.3" or a uname -r string
 * ("6.18.0-1-amd64"); releases before 6.12 map to the first (no IPE) entry.
 * NULL when unknown or malformed. */
const struct ipe_target *ipe_target_find(const char *release);
/* What a release has, from the keyword table's "since" column: an op, a
 * property, IPE at all (its grammar: IPE_KW_FIRST_RELEASE). */
bool ipe_target_has_op(const struct ipe_target *t, enum ipe_op op);
bool ipe_target_has_prop(const struct ipe_target *t, enum ipe_prop_type prop);
bool ipe_target_has_ipe(const struct ipe_target *t);
/* The same, but a release newer than the table gives the newest entry with
 * *ret_newer set (the facts of the newest known release are assumed). */
const struct ipe_target *ipe_target_lookup(const char *release, bool *ret_newer);
const struct ipe_target *ipe_target_newest(void);
const struct ipe_target *ipe_target_at(size_t i);
size_t ipe_target_table_size(void);

/* Kconfig values we care about: 'y', 'm', 'n' (or not set) per symbol. */
enum ipe_ksym {
	IPE_K_SECURITY_IPE = 0,
	IPE_K_IPE_PROP_DM_VERITY,
	IPE_K_IPE_PROP_DM_VERITY_SIGNATURE,
	IPE_K_IPE_PROP_FS_VERITY,
	IPE_K_IPE_PROP_FS_VERITY_BUILTIN_SIG,
	IPE_K_IPE_POLICY_SIG_SECONDARY_KEYRING,
	IPE_K_IPE_POLICY_SIG_PLATFORM_KEYRING,
	IPE_K_SECURITYFS,
	IPE_K_COUNT,
};

struct ipe_kconfig {
	char val[IPE_K_COUNT];     /* 'y', 'm', or 'n' */
	bool lsm_set;              /* CONFIG_LSM= present */
	bool lsm_has_ipe;          /* CONFIG_LSM lists "ipe" */
	bool boot_policy;          /* CONFIG_IPE_BOOT_POLICY non-empty */
	size_t nsyms;              /* CONFIG_ lines seen (sanity) */
};

const char *ipe_ksym_name(enum ipe_ksym s);  /* "CONFIG_SECURITY_IPE" */
bool ipe_kconfig_on(const struct ipe_kconfig *kc, enum ipe_ksym s);
/* The symbol named "CONFIG_..." (a property's ipe_prop_kconfig()), or -1
 * when this reader does not track it. */
int ipe_ksym_find(const char *name);
/* The property families a configuration compiles in: each property's option
 * from the keyword table (compiler/eval.c). */
void ipe_eval_kernel_from_kc(const struct ipe_kconfig *kc, struct ipe_eval_kernel *ret_kernel);

/* Parse a .config text (plain, or gzip-compressed as /proc/config.gz).
 * Returns 0, -EBADMSG when it does not look like a kernel config, -ENOTSUP
 * for compressed data this build cannot inflate, or -ENOMEM. */
int ipe_kconfig_parse(const unsigned char *data, size_t len, struct ipe_kconfig *ret);

/* gunzip.c: decompress one gzip member (zlib); 0, -EBADMSG, -EFBIG (over
 * 64 MiB of output) or -ENOMEM.  *ret_out is malloc'd. */
int ipe_gunzip(const unsigned char *in, size_t inlen, unsigned char **ret_out, size_t *ret_len);

#endif
