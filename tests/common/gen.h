/* SPDX-License-Identifier: MIT */
/* What the seeded property tests (tests/props/test_props.c,
 * tests/lint/test_lint_sound.c, tests/opt/test_opt.c) generate with: one
 * deterministic random generator, and the boolean properties of a rule from
 * the one keyword table (src/util/kwtable.h). */
#ifndef IPE_TESTS_GEN_H
#define IPE_TESTS_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "../../src/util/kwtable.h"

/* xorshift64*; seed it with a non-zero value */
static uint64_t rng_state;

static inline uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

/* uniform enough in [0, n) for n far below 2^32 */
static inline unsigned rn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static inline bool chance(unsigned pct)
{
	return rn(100) < pct;
}

/* "boot_verified=TRUE", "boot_verified=FALSE", ... in table order */
#define GEN_BOOL_TOKENS_(key, e, since, kconfig) #key "=TRUE", #key "=FALSE",
static const char *const gen_bools[] = { IPE_KW_BOOL_PROPS(GEN_BOOL_TOKENS_) };
#undef GEN_BOOL_TOKENS_
#define GEN_NBOOLS (sizeof(gen_bools) / sizeof(gen_bools[0]))

#endif
