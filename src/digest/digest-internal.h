/* SPDX-License-Identifier: MIT */
/* src/digest internals (not installed). */
#ifndef IPE_DIGEST_INTERNAL_H
#define IPE_DIGEST_INTERNAL_H

#include <ipe/digest.h>

struct ipe_digest_list {
	struct ipe_digest_entry *e;
	size_t n, cap;
};

#endif
