/* SPDX-License-Identifier: MIT */
/* Target kernels: per-release facts (one table) and Kconfig reading. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/policy.h>

#include "compiler/model.h"
#include "compiler/target.h"
#include "util/kwtable.h"

/* The releases and their facts outside the policy language.  Which ops and
 * properties each has (and so whether it has IPE) comes from the "since"
 * column of the keyword table (util/kwtable.h): add a keyword there, with
 * its release, never here. */
static const struct ipe_target targets[] = {
	{ "6.11", 6, 11, false, "IPE is not in Linux 6.11 and older (merged in 6.12)" },
	{ "6.12", 6, 12, false, "first release with IPE" },
	{ "6.13", 6, 13, false, NULL },
	{ "6.14", 6, 14, false, NULL },
	{ "6.15", 6, 15, false, NULL },
	{ "6.16", 6, 16, true, "policy load failures are audited with errno=" },
	{ "6.17", 6, 17, true, NULL },
};

static unsigned target_rel(const struct ipe_target *t)
{
	return IPE_REL(t->major, t->minor);
}

bool ipe_target_has_op(const struct ipe_target *t, enum ipe_op op)
{
	unsigned since = ipe_op_since(op);

	return t && since && since <= target_rel(t);
}

bool ipe_target_has_prop(const struct ipe_target *t, enum ipe_prop_type prop)
{
	unsigned since = ipe_prop_since(prop);

	return t && since && since <= target_rel(t);
}

bool ipe_target_has_ipe(const struct ipe_target *t)
{
	return t && IPE_KW_FIRST_RELEASE <= target_rel(t);
}

size_t ipe_target_table_size(void)
{
	return sizeof(targets) / sizeof(targets[0]);
}

const struct ipe_target *ipe_target_at(size_t i)
{
	return i < ipe_target_table_size() ? &targets[i] : NULL;
}

const struct ipe_target *ipe_target_newest(void)
{
	return &targets[ipe_target_table_size() - 1];
}

static int parse_u16(const char **s, uint16_t *ret)
{
	unsigned long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return -EINVAL;
		p++;
	}
	*s = p;
	*ret = (uint16_t)v;
	return 0;
}

const struct ipe_target *ipe_target_lookup(const char *release, bool *ret_newer)
{
	uint16_t maj, min, rev;
	const char *s = release;
	const struct ipe_target *newest = ipe_target_newest();

	if (ret_newer)
		*ret_newer = false;
	if (!s || parse_u16(&s, &maj) || *s++ != '.' || parse_u16(&s, &min))
		return NULL;
	if (*s == '.') { /* 6.12.3: the stable revision does not matter */
		s++;
		if (parse_u16(&s, &rev))
			return NULL;
	}
	/* uname -r: a local version after '-' or '+' ("6.18.0-1-amd64", "6.17.0+") */
	if (*s && *s != '-' && *s != '+')
		return NULL;
	if (IPE_REL(maj, min) < IPE_KW_FIRST_RELEASE)
		return &targets[0];
	for (size_t i = 0; i < ipe_target_table_size(); i++)
		if (targets[i].major == maj && targets[i].minor == min)
			return &targets[i];
	if (maj > newest->major || (maj == newest->major && min > newest->minor)) {
		if (ret_newer)
			*ret_newer = true;
		return newest;
	}
	return NULL;
}

const struct ipe_target *ipe_target_find(const char *release)
{
	bool newer;
	const struct ipe_target *t = ipe_target_lookup(release, &newer);

	return newer ? NULL : t;
}

/* ---- Kconfig ---- */

static const char *const ksym_names[IPE_K_COUNT] = {
	[IPE_K_SECURITY_IPE] = "CONFIG_SECURITY_IPE",
	[IPE_K_IPE_PROP_DM_VERITY] = "CONFIG_IPE_PROP_DM_VERITY",
	[IPE_K_IPE_PROP_DM_VERITY_SIGNATURE] = "CONFIG_IPE_PROP_DM_VERITY_SIGNATURE",
	[IPE_K_IPE_PROP_FS_VERITY] = "CONFIG_IPE_PROP_FS_VERITY",
	[IPE_K_IPE_PROP_FS_VERITY_BUILTIN_SIG] = "CONFIG_IPE_PROP_FS_VERITY_BUILTIN_SIG",
	[IPE_K_IPE_POLICY_SIG_SECONDARY_KEYRING] = "CONFIG_IPE_POLICY_SIG_SECONDARY_KEYRING",
	[IPE_K_IPE_POLICY_SIG_PLATFORM_KEYRING] = "CONFIG_IPE_POLICY_SIG_PLATFORM_KEYRING",
	[IPE_K_SECURITYFS] = "CONFIG_SECURITYFS",
};

const char *ipe_ksym_name(enum ipe_ksym s)
{
	return (unsigned)s < IPE_K_COUNT ? ksym_names[s] : NULL;
}

bool ipe_kconfig_on(const struct ipe_kconfig *kc, enum ipe_ksym s)
{
	return kc && (unsigned)s < IPE_K_COUNT && (kc->val[s] == 'y' || kc->val[s] == 'm');
}

int ipe_ksym_find(const char *name)
{
	for (int s = 0; name && s < IPE_K_COUNT; s++)
		if (strcmp(ksym_names[s], name) == 0)
			return s;
	return -1;
}

static bool lsm_lists_ipe(const char *v, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && v[j] != ',')
			j++;
		if (j - i == 3 && memcmp(v + i, "ipe", 3) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

static void kconfig_line(const char *l, size_t len, struct ipe_kconfig *kc)
{
	static const char unset_pfx[] = "# CONFIG_";
	const char *eq;
	size_t nlen;

	if (len >= sizeof(unset_pfx) - 1 && memcmp(l, unset_pfx, sizeof(unset_pfx) - 1) == 0) {
		kc->nsyms++;
		return; /* "is not set": stays 'n' */
	}
	if (len < 8 || memcmp(l, "CONFIG_", 7) != 0)
		return;
	eq = memchr(l, '=', len);
	if (!eq)
		return;
	kc->nsyms++;
	nlen = (size_t)(eq - l);
	for (int s = 0; s < IPE_K_COUNT; s++) {
		if (strlen(ksym_names[s]) == nlen && memcmp(l, ksym_names[s], nlen) == 0) {
			if (eq + 1 < l + len)
				kc->val[s] = eq[1] == 'y' || eq[1] == 'm' ? eq[1] : 'n';
			return;
		}
	}
	if (nlen == 10 && memcmp(l, "CONFIG_LSM", 10) == 0) {
		const char *v = eq + 1;
		size_t vlen = (size_t)(l + len - v);

		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
			v++;
			vlen -= 2;
		}
		kc->lsm_set = true;
		kc->lsm_has_ipe = lsm_lists_ipe(v, vlen);
	} else if (nlen == 22 && memcmp(l, "CONFIG_IPE_BOOT_POLICY", 22) == 0) {
		kc->boot_policy = (size_t)(l + len - eq) > 3; /* more than ="" */
	}
}

int ipe_kconfig_parse(const unsigned char *data, size_t len, struct ipe_kconfig *ret)
{
	struct ipe_kconfig kc;
	unsigned char *plain = NULL;
	size_t i = 0;

	memset(&kc, 0, sizeof(kc));
	memset(kc.val, 'n', sizeof(kc.val));
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		size_t plen;
		int rc = ipe_gunzip(data, len, &plain, &plen);

		if (rc)
			return rc;
		data = plain;
		len = plen;
	}
	while (i < len) {
		const unsigned char *nl = memchr(data + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - data) : len;

		kconfig_line((const char *)data + i, e - i, &kc);
		i = e + 1;
	}
	free(plain);
	if (kc.nsyms == 0)
		return -EBADMSG;
	*ret = kc;
	return 0;
}
