/* SPDX-License-Identifier: MIT */
/*
 * Internal: a rule as a finite class of events -- the one model of "which
 * events a rule matches": the equivalence checker, diff, the optimizer and
 * lint use it, and the public ipe_rule_constraint() is derived from it.
 *
 * Under the evaluation model (eval.h, IPE-KERNEL.md section 2) an event is
 * decided by three booleans -- boot_verified, "on a dm-verity volume whose
 * signature verified", "fs-verity with a verified builtin signature" -- and
 * two digest values (the volume's root hash, the file's fs-verity digest;
 * "none" behaves like any value no rule names).  A no-file event is exactly
 * the file event with all three booleans false and no digests.
 *
 * A rule is then: a mask over the 8 boolean combinations it accepts (bit b:
 * b&1 boot_verified, b&2 dmverity_signature, b&4 fsverity_signature) and at
 * most one required digest of each kind.  ipe_rc_of_rule() uses NO physical
 * assumption (boot_verified with verity, impossible digest lengths or
 * algorithm names): only what ipe_eval() computes, so an equivalence proved
 * here holds for every event ipe_eval() can be asked about;
 * ipe_rc_physical() then keeps the events a kernel can produce.
 */
#ifndef IPE_RULECLASS_H
#define IPE_RULECLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/eval.h>
#include <ipe/policy.h>

#include "util/internal.h"

#define IPE_RC_ALL 0xffu
/* bit index of each boolean dimension in a mask */
enum { IPE_RC_DIM_BV = 0, IPE_RC_DIM_DS = 1, IPE_RC_DIM_FS = 2 };

struct ipe_rc {
	uint8_t mask;               /* boolean combinations accepted; 0 = never matches */
	const struct ipe_prop *dmv; /* required root hash or NULL */
	const struct ipe_prop *fsv; /* required fs-verity digest or NULL */
};

void ipe_rc_of_rule(const struct ipe_policy *p, const struct ipe_rule *r, const struct ipe_eval_kernel *k,
		    struct ipe_rc *ret);
/* The same over many rules of one policy and kernel: what the class
 * depends on besides the rule (which property types are compiled in, which
 * digests ipe_prop_digest_possible() accepts) asked once, not per property.
 * ipe_rc_walk_rule() gives r's class (ipe_rc_of_rule) and, when
 * ret_physical is not NULL, the mask ipe_rc_physical() leaves of it. */
struct ipe_rc_walk {
	const struct ipe_policy *p;
	const struct ipe_eval_kernel *k;
	uint16_t known, enabled; /* bit t: ipe_eval_prop_enabled(k, t) asked; its answer */
	bool last_set, last_possible; /* ipe_prop_digest_possible() of the last digest asked */
	uint8_t last_type;
	uint16_t last_alg;
	uint32_t last_len;
};

void ipe_rc_walk_init(struct ipe_rc_walk *w, const struct ipe_policy *p, const struct ipe_eval_kernel *k);
void ipe_rc_walk_rule(struct ipe_rc_walk *w, const struct ipe_rule *r, struct ipe_rc *ret, uint8_t *ret_physical);
/* Restrict a class (computed by ipe_rc_of_rule for r) to the events a kernel
 * can produce: no file or volume has a digest ipe_prop_digest_possible()
 * refuses, and a boot_verified file (initramfs rootfs) is on neither
 * dm-verity nor fs-verity (so has no verity signature and no digest). */
void ipe_rc_physical(const struct ipe_policy *p, const struct ipe_rule *r, struct ipe_rc *c);
/* The boolean combinations (a mask) a kernel can produce for a file or
 * volume with a digest (has_digest) or without: boot_verified never goes
 * with a verity signature, nor with a digest. */
uint8_t ipe_rc_physical_mask(bool has_digest);
/* One dimension of a mask as a tri-state: 1 or 0 when only that value is
 * accepted, -1 when both are (or neither: an empty mask). */
int8_t ipe_rc_tri(uint8_t mask, int dim);

/* Digest interning over one or two policies: key = (kind, algorithm name,
 * bytes), the kernel's equality. */
struct ipe_dtab {
	struct ipe_dent {
		const struct ipe_policy *p;
		const struct ipe_prop *prop;
		uint32_t id; /* dense per kind */
	} *ents;
	struct ipe_hmap index; /* digest hash -> index into ents */
	size_t n, cap;
	uint32_t nkind[2]; /* ids handed out: [0] dm-verity, [1] fs-verity */
};

void ipe_dtab_init(struct ipe_dtab *t);
void ipe_dtab_free(struct ipe_dtab *t);
/* The id of a digest property (its kind's dense id); -ENOMEM on failure. */
int64_t ipe_dtab_intern(struct ipe_dtab *t, const struct ipe_policy *p, const struct ipe_prop *prop);
/* The same with h = ipe_prop_digest_hash(p, prop) computed by the caller
 * (who may prefetch its slot, ipe_hmap_slot(&t->index, h)). */
int64_t ipe_dtab_intern_hashed(struct ipe_dtab *t, const struct ipe_policy *p, const struct ipe_prop *prop,
			       uint64_t h);

#endif
