/* SPDX-License-Identifier: MIT */
/* src/explain internals. */
#ifndef IPE_EXPLAIN_INTERNAL_H
#define IPE_EXPLAIN_INTERNAL_H

#include <stddef.h>

#include <ipe/explain.h>

#include "../util/sbuf.h"

/* The op named name[0..len) from the keyword table; IPE_OP_INVALID if none. */
int ipe_explain_op_from_name(const char *name, size_t len);

/* Append a string as the kernel's audit_log_untrustedstring() prints it:
 * quoted when every byte is 0x21..0x7e and not '"', else uppercase hex. */
void ipe_audit_untrusted_put(struct ipe_sbuf *b, const char *s, size_t len);

/* The rule="..." contents the kernel prints for rule r of p. */
void ipe_audit_rule_put(struct ipe_sbuf *b, const struct ipe_policy *p, const struct ipe_rule *r);

#endif
