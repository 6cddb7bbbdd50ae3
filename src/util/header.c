/* SPDX-License-Identifier: MIT */
/* The kernel's rules for the values of a policy header, in one place: the
 * version parser (policy_version=), the version order and the update rule,
 * and the policy-name check (policy_name= and the securityfs directory it
 * becomes).  The parser, the compiler's
 * overrides, the binary loader and ipectl all derive from these. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/internal.h"

int ipe_kstrtou16(const char *s, size_t len, uint16_t *ret)
{
	const char *end = s + len;
	unsigned long long res = 0;
	bool overflow = false;
	size_t ndigits = 0;

	if (s < end && *s == '+')
		s++;
	while (s < end && *s >= '0' && *s <= '9') {
		unsigned val = (unsigned)(*s - '0');

		/* the kernel's 64-bit accumulator: its overflow is reported
		 * before trailing garbage, a u16 overflow after it */
		if (res & (~0ull << 60)) {
			if (res > (~0ull - val) / 10)
				overflow = true;
		}
		res = res * 10 + val;
		ndigits++;
		s++;
	}
	if (overflow)
		return -ERANGE;
	if (ndigits == 0)
		return -EINVAL;
	if (s < end && *s == '\n')
		s++;
	if (s < end)
		return -EINVAL;
	if (res > UINT16_MAX)
		return -ERANGE;
	*ret = (uint16_t)res;
	return 0;
}

int ipe_version_scan(const char *s, size_t len, uint16_t ret_v[3], struct ipe_version_fault *ret_fault)
{
	const char *end = s + len;
	uint16_t parts[3] = { 0, 0, 0 };
	size_t count = 0;

	for (const char *p = s;;) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *pe = dot ? dot : end;
		int rc;

		if (count >= 3) {
			/* checked before the fourth part is parsed */
			ret_fault->part = count;
			ret_fault->text = p;
			ret_fault->len = (size_t)(pe - p);
			return -EBADMSG;
		}
		rc = ipe_kstrtou16(p, (size_t)(pe - p), &parts[count]);
		if (rc) {
			ret_fault->part = count;
			ret_fault->text = p;
			ret_fault->len = (size_t)(pe - p);
			return rc;
		}
		count++;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (count != 3) {
		ret_fault->part = count;
		ret_fault->text = end;
		ret_fault->len = 0;
		return -EBADMSG;
	}
	memcpy(ret_v, parts, sizeof(parts));
	return 0;
}

unsigned ipe_name_faults(const char *name, size_t len)
{
	unsigned f = 0;

	if (!name || len == 0)
		return IPE_NAME_EMPTY;
	for (size_t i = 0; i < len; i++) {
		switch (name[i]) {
		case ' ':
		case '\t':
			f |= IPE_NAME_BLANK;
			break;
		case '\n':
		case '\r':
			f |= IPE_NAME_LINEBREAK;
			break;
		case '#':
			f |= IPE_NAME_HASH;
			break;
		case '\0':
			f |= IPE_NAME_NUL;
			break;
		case '/':
			f |= IPE_NAME_SLASH;
			break;
		default:
			break;
		}
	}
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		f |= IPE_NAME_DOTS;
	if (len > IPE_NAME_MAX)
		f |= IPE_NAME_LONG;
	return f;
}

/* in the kernel's order: the header's tokens first, then securityfs
 * (lookup_one_len() before the length) */
static const struct {
	unsigned fault;
	int err;
	const char *why;
} name_rules[] = {
	{ IPE_NAME_EMPTY, EBADMSG, "the policy name is empty" },
	{ IPE_NAME_NUL, EBADMSG, "the policy name contains a NUL byte" },
	{ IPE_NAME_LINEBREAK, EBADMSG, "the policy name contains a line break" },
	{ IPE_NAME_HASH, EBADMSG, "the policy name contains '#' (the kernel cuts comments anywhere)" },
	{ IPE_NAME_BLANK, EBADMSG, "the policy name contains a blank (the kernel splits tokens on space and TAB)" },
	{ IPE_NAME_DOTS, EACCES, "'.' and '..' cannot be directory names under securityfs" },
	{ IPE_NAME_SLASH, EACCES, "the policy name contains '/' (it becomes a securityfs directory name)" },
	{ IPE_NAME_LONG, ENAMETOOLONG,
	  "the policy name is longer than 255 bytes (it becomes a securityfs directory name)" },
};

int ipe_name_fault_errno(unsigned faults, const char **ret_why)
{
	for (size_t i = 0; i < IPE_ARRAY_SIZE(name_rules); i++) {
		if (faults & name_rules[i].fault) {
			if (ret_why)
				*ret_why = name_rules[i].why;
			return -name_rules[i].err;
		}
	}
	if (ret_why)
		*ret_why = NULL;
	return 0;
}

int ipe_version_order(const uint16_t a[3], const uint16_t b[3])
{
	for (int i = 0; i < 3; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

const char *ipe_version_format(const uint16_t v[3], char *buf)
{
	snprintf(buf, IPE_VERSION_STRLEN, "%u.%u.%u", (unsigned)v[0], (unsigned)v[1], (unsigned)v[2]);
	return buf;
}

int ipe_update_rule(const char *old_name, const uint16_t old_ver[3], const char *new_name,
		    const uint16_t new_ver[3])
{
	if (!old_name || !new_name || !old_ver || !new_ver)
		return -EINVAL;
	if (strcmp(old_name, new_name) != 0)
		return -EINVAL;
	if (ipe_version_order(new_ver, old_ver) <= 0)
		return -ESTALE;
	return 0;
}
