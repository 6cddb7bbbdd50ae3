/* SPDX-License-Identifier: MIT */
/* Keyword classification: exact, case-sensitive matches, as the kernel's
 * match_token() tables (a "%s" argument must be non-empty). */
#include <string.h>

#include <ipe/policy.h>

#include "lexer.h"
#include "util/internal.h"

struct kw_exact {
	const char *s;
	unsigned len;
	enum ipe_kw_kind kind;
	int value;
};

#define KW(str, kind, value) { str, sizeof(str) - 1, kind, value }

static const struct kw_exact exact[] = {
	KW("DEFAULT", IPE_KW_DEFAULT, 0),
	KW("action=ALLOW", IPE_KW_ACTION, IPE_ACTION_ALLOW),
	KW("action=DENY", IPE_KW_ACTION, IPE_ACTION_DENY),
	KW("op=EXECUTE", IPE_KW_OP, IPE_OP_EXECUTE),
	KW("op=FIRMWARE", IPE_KW_OP, IPE_OP_FIRMWARE),
	KW("op=KMODULE", IPE_KW_OP, IPE_OP_KMODULE),
	KW("op=KEXEC_IMAGE", IPE_KW_OP, IPE_OP_KEXEC_IMAGE),
	KW("op=KEXEC_INITRAMFS", IPE_KW_OP, IPE_OP_KEXEC_INITRAMFS),
	KW("op=POLICY", IPE_KW_OP, IPE_OP_POLICY),
	KW("op=X509_CERT", IPE_KW_OP, IPE_OP_X509_CERT),
	KW("boot_verified=FALSE", IPE_KW_PROP, IPE_PROP_BOOT_VERIFIED_FALSE),
	KW("boot_verified=TRUE", IPE_KW_PROP, IPE_PROP_BOOT_VERIFIED_TRUE),
	KW("dmverity_signature=FALSE", IPE_KW_PROP, IPE_PROP_DMV_SIG_FALSE),
	KW("dmverity_signature=TRUE", IPE_KW_PROP, IPE_PROP_DMV_SIG_TRUE),
	KW("fsverity_signature=FALSE", IPE_KW_PROP, IPE_PROP_FSV_SIG_FALSE),
	KW("fsverity_signature=TRUE", IPE_KW_PROP, IPE_PROP_FSV_SIG_TRUE),
};

struct kw_prefix {
	const char *s;
	unsigned len;
	enum ipe_kw_kind kind;
	int value;
	int empty; /* enum ipe_kw_empty */
};

static const struct kw_prefix prefixed[] = {
	{ "fsverity_digest=", 16, IPE_KW_DIGEST, IPE_PROP_FSV_DIGEST, IPE_KW_EMPTY_FSV_DIGEST },
	{ "dmverity_roothash=", 18, IPE_KW_DIGEST, IPE_PROP_DMV_ROOTHASH, IPE_KW_EMPTY_DMV_ROOTHASH },
	{ "policy_name=", 12, IPE_KW_HDR_NAME, 0, IPE_KW_EMPTY_NAME },
	{ "policy_version=", 15, IPE_KW_HDR_VERSION, 0, IPE_KW_EMPTY_VERSION },
};

void ipe_kw_classify(const char *t, size_t len, struct ipe_kw *ret_kw)
{
	ret_kw->kind = IPE_KW_WORD;
	ret_kw->value = 0;
	ret_kw->vstart = 0;
	if (len == 0)
		return;
	for (size_t i = 0; i < IPE_ARRAY_SIZE(prefixed); i++) {
		const struct kw_prefix *k = &prefixed[i];

		if (t[0] == k->s[0] && len >= k->len && memcmp(t, k->s, k->len) == 0) {
			if (len == k->len) {
				ret_kw->kind = IPE_KW_EMPTY_VALUE;
				ret_kw->value = k->empty;
			} else {
				ret_kw->kind = k->kind;
				ret_kw->value = k->value;
				ret_kw->vstart = k->len;
			}
			return;
		}
	}
	for (size_t i = 0; i < IPE_ARRAY_SIZE(exact); i++) {
		const struct kw_exact *k = &exact[i];

		if (len == k->len && t[0] == k->s[0] && memcmp(t, k->s, len) == 0) {
			ret_kw->kind = k->kind;
			ret_kw->value = k->value;
			return;
		}
	}
}
