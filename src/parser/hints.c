/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ipe/diag.h>

#include "hints.h"
#include "util/kwtable.h"
#include "util/internal.h"

/* the word lists derive from the one keyword table (util/kwtable.h); each
 * word with its length, so that most are ruled out without a look */
struct word {
	const char *s;
	size_t len;
};
#define W(lit) { lit, sizeof(lit) - 1 },
#define HEADER(key, e) W(#key "=")
#define OP(n, since) W(IPE_KW_OP_KEY #n)
#define BOOLP(key, e, since, kconfig) W(#key "=TRUE") W(#key "=FALSE")
#define DIGESTP(key, e, since, kconfig) W(#key "=")
#define KEY(key, e, since, kconfig) W(#key)
#define ACTION(n) W(IPE_KW_ACTION_KEY #n)
static const struct word header_words[] = { IPE_KW_HEADER(HEADER) };
static const struct word op_words[] = { IPE_KW_OPS(OP) };
static const struct word prop_words[] = { IPE_KW_BOOL_PROPS(BOOLP) IPE_KW_DIGEST_PROPS(DIGESTP) };
static const struct word bool_keys[] = { IPE_KW_BOOL_PROPS(KEY) };
static const struct word digest_keys[] = { IPE_KW_DIGEST_PROPS(KEY) };
static const struct word action_words[] = { IPE_KW_ACTIONS(ACTION) };
#undef W
#undef HEADER
#undef OP
#undef BOOLP
#undef DIGESTP
#undef KEY
#undef ACTION

const char *ipe_hint_show(char *buf, size_t bufsz, const char *t, size_t len)
{
	/* messages quote at most ~60 bytes of a token */
	ipe_escape_bytes(buf, bufsz < 68 ? bufsz : 68, t, len);
	return buf;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool equal_nocase(const char *a, size_t alen, const struct word *b)
{
	if (alen != b->len)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b->s[i]))
			return false;
	return true;
}

/*
 * Levenshtein distance, case-insensitive, for short strings.  Every caller
 * accepts a distance of at most 3: anything further, or a word longer than
 * 64 bytes, is just "far" (1000), which keeps a line of many bad tokens
 * cheap.  Myers' bit-parallel algorithm (Hyyro's form for the whole-word
 * distance): the keyword's column of the table is one 64-bit word per
 * byte of the token, no table walk.
 */
static size_t distance(const char *a, size_t alen, const struct word *w)
{
	const char *b = w->s;
	size_t blen = w->len, score = blen;
	uint64_t peq[256], pv, mv = 0, last;

	if (alen > 64 || blen > 64 || (alen > blen ? alen - blen : blen - alen) > 3)
		return 1000;
	if (blen == 0)
		return alen <= 3 ? alen : 1000;
	/* clear only the entries this pair reads (clearing all 2 KiB for
	 * every keyword was most of the cost of a hint) */
	for (size_t i = 0; i < alen; i++)
		peq[(unsigned char)lower(a[i])] = 0;
	for (size_t j = 0; j < blen; j++)
		peq[(unsigned char)lower(b[j])] = 0;
	for (size_t j = 0; j < blen; j++)
		peq[(unsigned char)lower(b[j])] |= (uint64_t)1 << j;
	pv = blen == 64 ? ~(uint64_t)0 : ((uint64_t)1 << blen) - 1;
	last = (uint64_t)1 << (blen - 1);
	for (size_t i = 0; i < alen; i++) {
		uint64_t eq = peq[(unsigned char)lower(a[i])];
		uint64_t xv = eq | mv, xh = (((eq & pv) + pv) ^ pv) | eq;
		uint64_t ph = mv | ~(xh | pv), mh = pv & xh;

		score += (ph & last) ? 1 : 0;
		score -= (mh & last) ? 1 : 0;
		ph = ph << 1 | 1; /* the top row counts up: whole words, not a search */
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
	}
	return score <= 3 ? score : 1000;
}

static int nearest(const char *t, size_t len, const struct word *words, size_t n, char *buf, size_t bufsz)
{
	size_t best = (size_t)-1, bestd = 1000;

	for (size_t i = 0; i < n; i++) {
		if (equal_nocase(t, len, &words[i]))
			return snprintf(buf, bufsz, "keywords are case-sensitive: write '%s'", words[i].s);
	}
	for (size_t i = 0; i < n; i++) {
		size_t wl = words[i].len, d;
		bool prefix = len >= 4 && len < wl;

		/* too far in length for a distance of 3, and no prefix: skip */
		if (!prefix && (len > wl ? len - wl : wl - len) > 3)
			continue;
		d = distance(t, len, &words[i]);
		/* a prefix of a keyword (op=EXEC) counts as close */
		if (prefix && strncmp(words[i].s, t, len) == 0 && words[i].s[wl - 1] != '=')
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	if (best != (size_t)-1 && bestd <= 3 && bestd * 4 <= words[best].len)
		return snprintf(buf, bufsz, "did you mean '%s'?", words[best].s);
	return 0;
}

int ipe_hint_suggest(const char *t, size_t len, enum ipe_hint_set set, char *buf, size_t bufsz)
{
	const char *eq = memchr(t, '=', len);

	switch (set) {
	case IPE_HINT_HEADER:
		if (eq)
			return nearest(t, (size_t)(eq - t) + 1, header_words, IPE_ARRAY_SIZE(header_words), buf,
				       bufsz);
		return 0;
	case IPE_HINT_OP:
		return nearest(t, len, op_words, IPE_ARRAY_SIZE(op_words), buf, bufsz);
	case IPE_HINT_ACTION:
		if (eq && (size_t)(eq - t) == 6 && strncmp(t, "action", 6) == 0 &&
		    !nearest(t, len, action_words, IPE_ARRAY_SIZE(action_words), buf, bufsz))
			return snprintf(buf, bufsz, "the action is action=ALLOW or action=DENY");
		return nearest(t, len, action_words, IPE_ARRAY_SIZE(action_words), buf, bufsz);
	case IPE_HINT_PROP:
		if (eq) {
			size_t klen = (size_t)(eq - t);

			for (size_t i = 0; i < IPE_ARRAY_SIZE(bool_keys); i++) {
				if (klen == bool_keys[i].len && strncmp(t, bool_keys[i].s, klen) == 0) {
					int n = nearest(t, len, prop_words, IPE_ARRAY_SIZE(prop_words), buf, bufsz);

					if (n > 0)
						return n;
					return snprintf(buf, bufsz, "%s takes TRUE or FALSE (uppercase)", bool_keys[i].s);
				}
			}
			for (size_t i = 0; i < IPE_ARRAY_SIZE(bool_keys); i++) {
				if (distance(t, klen, &bool_keys[i]) <= 2)
					return snprintf(buf, bufsz, "did you mean '%s=%s'?", bool_keys[i].s,
							len > klen + 1 && lower(eq[1]) == 'f' ? "FALSE" : "TRUE");
			}
			for (size_t i = 0; i < IPE_ARRAY_SIZE(digest_keys); i++) {
				if (distance(t, klen, &digest_keys[i]) <= 3)
					return snprintf(buf, bufsz,
							"did you mean '%s='? (property names are case-sensitive)",
							digest_keys[i].s);
			}
		}
		return nearest(t, len, prop_words, IPE_ARRAY_SIZE(prop_words), buf, bufsz);
	}
	return 0;
}
