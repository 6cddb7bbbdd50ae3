/* SPDX-License-Identifier: MIT */
/* Digest checks: algorithm names, lengths, empty parts, fs-verity support,
 * uppercase hex, fs-verity builtin signatures. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "compiler/model.h"

/* "SHA256" -> "sha256", "sha-256" -> "sha256", "SHA3-256" -> "sha3-256":
 * the kernel name a spelling most likely means, or NULL. */
static const char *suggest_alg(const char *alg, char *buf, size_t bufsz)
{
	size_t n = 0;

	for (const char *c = alg; *c && n + 1 < bufsz; c++)
		buf[n++] = (char)tolower((unsigned char)*c);
	buf[n] = 0;
	if (ipe_hash_alg_size(buf))
		return buf;
	/* drop a '-' after "sha" ("sha-256", "sha-512") */
	if (strncmp(buf, "sha-", 4) == 0) {
		memmove(buf + 3, buf + 4, strlen(buf + 4) + 1);
		if (ipe_hash_alg_size(buf))
			return buf;
	}
	return NULL;
}

void lint_check_digests(struct lint_run *run)
{
	const struct ipe_policy *p = run->p;
	/* per interned algorithm: its digest size (0 unknown) and whether
	 * fs-verity supports it: computed once, not per digest */
	size_t *alg_size = calloc(p->nalgs ? p->nalgs : 1, sizeof(*alg_size));
	bool *alg_fsv = calloc(p->nalgs ? p->nalgs : 1, sizeof(*alg_fsv));

	if (!alg_size || !alg_fsv) {
		run->err = -ENOMEM;
		goto out;
	}
	for (size_t a = 0; a < p->nalgs; a++) {
		alg_size[a] = ipe_hash_alg_size(p->algs[a]);
		alg_fsv[a] = ipe_fsverity_alg_supported(p->algs[a]);
	}
	for (int op = 0; op < IPE_OP_COUNT && !run->err; op++) {
		const struct ipe_op_table *t = &p->ops[op];

		for (size_t i = 0; i < t->nrules && !run->err; i++) {
			const struct ipe_prop *props = ipe_rule_props(p, &t->rules[i]);

			for (uint32_t k = 0; k < t->rules[i].nprops; k++) {
				const struct ipe_prop *pr = &props[k];
				const char *alg, *key;
				char sbuf[64], shown[96];
				const char *sugg;
				size_t want;

				/* the common case: a known algorithm, its length, lowercase
				 * (what the checks below find nothing to say about) */
				if (ipe_prop_is_digest((enum ipe_prop_type)pr->type) && pr->alg < p->nalgs && pr->digest_len &&
				    alg_size[pr->alg] == pr->digest_len && !(pr->flags & IPE_PROPF_UPPER_HEX) &&
				    (pr->type != IPE_PROP_FSV_DIGEST || alg_fsv[pr->alg]))
					continue;
				key = ipe_prop_key((enum ipe_prop_type)pr->type);
				if (pr->type == IPE_PROP_FSV_SIG_TRUE)
					lint_report(run, LC_FSV_BUILTIN_SIG, &pr->loc,
						    "allow fsverity_digest values or signed dm-verity volumes instead",
						    "fsverity_signature=TRUE relies on fs-verity builtin signatures "
						    "(CONFIG_FS_VERITY_BUILTIN_SIGNATURES and the .fs-verity keyring)");
				if (!ipe_prop_is_digest((enum ipe_prop_type)pr->type))
					continue;
				alg = ipe_prop_alg(p, pr);
				if (!alg || !*alg || pr->digest_len == 0) {
					lint_report(run, LC_DIGEST_EMPTY, &pr->loc, "write ALGORITHM:HEX, e.g. sha256:0123...",
						    "%s has an empty %s: the kernel accepts it, but it never matches", key,
						    (!alg || !*alg) ? (pr->digest_len ? "algorithm" : "algorithm and digest")
								    : "digest");
					continue;
				}
				if (pr->flags & IPE_PROPF_UPPER_HEX)
					lint_report(run, LC_UPPER_HEX, &pr->loc, "the canonical text writes lowercase",
						    "%s is written in uppercase hex", key);
				want = alg_size[pr->alg];
				if (want == pr->digest_len && (pr->type != IPE_PROP_FSV_DIGEST || alg_fsv[pr->alg]))
					continue; /* the common case: nothing to say */
				/* policy bytes: never print them raw */
				ipe_escape_bytes(shown, sizeof(shown), alg, strlen(alg));
				if (!want) {
					sugg = suggest_alg(alg, sbuf, sizeof(sbuf));
					if (sugg && strcmp(sugg, alg) != 0) {
						lint_report(run, LC_ALG_NAME, &pr->loc, NULL,
							    "algorithm '%s' is not the kernel's name: the kernel compares names exactly, so this %s never matches; write '%s'",
							    shown, key, sugg);
						continue;
					}
				}
				if (pr->type == IPE_PROP_FSV_DIGEST && !alg_fsv[pr->alg]) {
					lint_report(run, LC_FSV_ALG, &pr->loc,
							    "fs-verity digests are sha256 or sha512 ('fsverity digest --hash-alg=...')",
							    "fs-verity does not support algorithm '%s': this fsverity_digest never matches",
							    shown);
					continue;
				}
				if (!want) {
					/* Not in our table.  A lowercase name may still be a
					 * crypto API hash we do not know (dm-verity accepts any),
					 * so the semantic model keeps it possible; say so. */
					if (!ipe_prop_digest_possible(p, pr))
						lint_report(run, LC_ALG_NAME, &pr->loc,
							    "kernel hash names are lowercase: sha256, sha384, sha512, ...",
							    "algorithm '%s' is not a kernel hash name: this %s never matches", shown,
							    key);
					else
						lint_report(run, LC_ALG_NAME, &pr->loc,
							    "kernel hash names: sha256, sha384, sha512, sha3-256, sm3, ...; if the "
							    "target kernel provides this hash, suppress with '# ipe-check: disable=IPE-W110'",
							    "algorithm '%s' is not a hash algorithm known to the kernel: unless the target "
							    "kernel provides it, this %s never matches", shown, key);
					continue;
				}
				if (want != pr->digest_len)
					lint_report(run, LC_DIGEST_LEN, &pr->loc,
						    "check that the whole digest was copied and that the algorithm is right",
						    "%s digest is %u bytes (%u hex digits); %s digests are %zu bytes (%zu hex digits): it never matches",
						    key, pr->digest_len, pr->digest_len * 2, alg, want, want * 2);
			}
		}
	}
out:
	free(alg_size);
	free(alg_fsv);
}
