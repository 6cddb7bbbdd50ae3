/* SPDX-License-Identifier: MIT */
/* "Did you mean" and printable token text for diagnostics. */
#ifndef IPE_HINTS_H
#define IPE_HINTS_H

#include <stddef.h>

enum ipe_hint_set {
	IPE_HINT_HEADER,
	IPE_HINT_OP,
	IPE_HINT_PROP,
	IPE_HINT_ACTION,
};

/* Write a hint for a token that is not a keyword of the set; returns the
 * hint length, 0 when there is nothing useful to say. */
int ipe_hint_suggest(const char *t, size_t len, enum ipe_hint_set set, char *buf, size_t bufsz);

/* Printable copy of t (\xNN for bytes outside printable ASCII, cut with
 * "..." past ~60 bytes); returns buf. */
const char *ipe_hint_show(char *buf, size_t bufsz, const char *t, size_t len);

#endif
