/* SPDX-License-Identifier: MIT */
/* ipectl: the kernel's version, update, activation and name rules (the
 * version order, update rule and name check themselves: src/util/header.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ipe/ctl.h>

#include "util/internal.h"

int ipe_ctl_version_cmp(const uint16_t a[3], const uint16_t b[3])
{
	return ipe_version_order(a, b);
}

int ipe_ctl_version_parse(const char *s, size_t len, uint16_t ret_v[3])
{
	struct ipe_version_fault f;
	int rc;

	if (!s || !ret_v)
		return -EINVAL;
	if (len > 0 && s[len - 1] == '\n')
		len--;
	rc = ipe_version_scan(s, len, ret_v, &f);
	return rc == -EBADMSG ? -EINVAL : rc;
}

const char *ipe_ctl_version_str(const uint16_t v[3], char *buf)
{
	_Static_assert(IPE_CTL_VERSION_STRLEN == IPE_VERSION_STRLEN, "one version length");
	return ipe_version_format(v, buf);
}

int ipe_ctl_rule_update(const char *old_name, const uint16_t old_ver[3], const char *new_name,
			const uint16_t new_ver[3])
{
	return ipe_update_rule(old_name, old_ver, new_name, new_ver);
}

int ipe_ctl_rule_activate(const uint16_t *active_ver, const uint16_t cand_ver[3], bool is_active)
{
	if (is_active || !active_ver)
		return 0;
	if (ipe_ctl_version_cmp(cand_ver, active_ver) < 0)
		return -EINVAL;
	return 0;
}

int ipe_ctl_rule_name(const char *name)
{
	unsigned f;

	if (!name)
		return -EACCES;
	/* securityfs only: an empty name is a lookup the VFS refuses */
	f = ipe_name_faults(name, strlen(name));
	if (f & (IPE_NAME_EMPTY | IPE_NAME_DIR_FAULTS))
		return -EACCES;
	return f & IPE_NAME_LONG ? -ENAMETOOLONG : 0;
}

enum ipe_ctl_load_plan ipe_ctl_plan_load(const struct ipe_ctl_status *st, const char *name,
					 const uint16_t ver[3], const uint8_t digest[IPE_CTL_DIGEST_LEN])
{
	const struct ipe_ctl_policy *p = ipe_ctl_status_find(st, name);

	if (!p)
		return IPE_CTL_PLAN_LOAD;
	if (p->is_signed && digest && memcmp(p->digest, digest, IPE_CTL_DIGEST_LEN) == 0)
		return IPE_CTL_PLAN_UNCHANGED;
	if (!p->version_known || ipe_ctl_version_cmp(ver, p->version) > 0)
		return IPE_CTL_PLAN_UPDATE;
	return IPE_CTL_PLAN_REFUSE;
}
