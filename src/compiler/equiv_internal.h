/* SPDX-License-Identifier: MIT */
/* Internal: equivalence over the model's event space or the physical one. */
#ifndef IPE_EQUIV_INTERNAL_H
#define IPE_EQUIV_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include <ipe/equiv.h>

/* ipe_policy_equivalent(); with physical, only over the events a kernel can
 * produce (ipe_rc_physical(): no impossible digest, a boot_verified file is
 * on neither dm-verity nor fs-verity).  Used to check the linter's claims
 * that rest on those facts.  A witness found under physical may still be
 * reported as -EPROTO if ipe_eval() disagrees on a non-physical event. */
int ipe_policy_equivalent_model(const struct ipe_policy *a, const struct ipe_policy *b,
				const struct ipe_eval_kernel *k, bool physical, struct ipe_equiv_result *ret);

/* The text of ipe_equiv_event_format(), ipe_diff_change_describe() and
 * ipe_diff_event_format() written to f (the diff's text report writes
 * thousands of them); errors show in ferror(f). */
void ipe_equiv_event_write(FILE *f, const struct ipe_equiv_result *r);
void ipe_diff_change_describe_to(FILE *f, const struct ipe_diff_change *c);
void ipe_diff_event_write(FILE *f, const struct ipe_diff_change *c);

#endif
