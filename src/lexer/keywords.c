/* SPDX-License-Identifier: MIT */
/* Keyword classification: exact, case-sensitive matches, as the kernel's
 * match_token() tables (a "%s" argument must be non-empty). */
#include <string.h>

#include <ipe/policy.h>

#include "util/kwtable.h"
#include "lexer.h"
#include "util/internal.h"

struct kw_exact {
	const char *s;
	unsigned len;
	enum ipe_kw_kind kind;
	int value;
};

#define KW(str, kind, value) { str, sizeof(str) - 1, kind, value }

#define OP(n, since) KW(IPE_KW_OP_KEY #n, IPE_KW_OP, IPE_OP_##n),
#define ACTION(n) KW(IPE_KW_ACTION_KEY #n, IPE_KW_ACTION, IPE_ACTION_##n),
#define BOOLP(key, e, since, kconfig) KW(#key "=FALSE", IPE_KW_PROP, IPE_PROP_##e##_FALSE), KW(#key "=TRUE", IPE_KW_PROP, IPE_PROP_##e##_TRUE),
static const struct kw_exact exact[] = {
	KW(IPE_KW_DEFAULT_WORD, IPE_KW_DEFAULT, 0),
	IPE_KW_ACTIONS(ACTION)
	IPE_KW_OPS(OP)
	IPE_KW_BOOL_PROPS(BOOLP)
};
#undef OP
#undef ACTION
#undef BOOLP

struct kw_prefix {
	const char *s;
	unsigned len;
	enum ipe_kw_kind kind;
	int value;
	int empty; /* enum ipe_kw_empty */
};

#define DIGESTP(key, e, since, kconfig) { #key "=", sizeof(#key "=") - 1, IPE_KW_DIGEST, IPE_PROP_##e, IPE_KW_EMPTY_##e },
#define HEADER(key, e) { #key "=", sizeof(#key "=") - 1, IPE_KW_HDR_##e, 0, IPE_KW_EMPTY_##e },
static const struct kw_prefix prefixed[] = {
	IPE_KW_DIGEST_PROPS(DIGESTP)
	IPE_KW_HEADER(HEADER)
};
#undef DIGESTP
#undef HEADER

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
