/* SPDX-License-Identifier: MIT */
/* Header checks (version form, name characters, version ceiling, what
 * systemd's boot loader reads), the
 * signed size estimate, and update safety against a baseline (name,
 * version, and every decision that changes, by the policy diff). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/systemd.h>
#include <ipe/equiv.h>

#include "checks.h"
#include "compiler/model.h"
#include "util/internal.h"

#define KERNEL_BLOB_MAX 65535u
/* DER SignedData with one embedded certificate (~1.3 KiB) and an RSA-3072 or
 * ECDSA signature, plus the SET/SEQUENCE framing: a conservative estimate. */
#define SIGNATURE_OVERHEAD 2048u

static bool name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

static void check_version_form(struct lint_run *run)
{
	const struct ipe_policy *p = run->p;
	const struct ipe_loc *l = &p->version_loc;
	const char *t, *v, *end;
	bool plus = false, zeros = false;

	if (l->offset + l->len > run->len)
		return;
	t = (const char *)run->data + l->offset;
	end = t + l->len;
	v = memchr(t, '=', l->len);
	if (!v)
		return;
	v++;
	for (const char *q = v; q < end;) {
		const char *dot = memchr(q, '.', (size_t)(end - q));
		const char *pe = dot ? dot : end;

		if (q < pe && *q == '+') {
			plus = true;
			q++;
		}
		if (pe - q > 1 && *q == '0')
			zeros = true;
		q = dot ? dot + 1 : end;
	}
	if (plus || zeros) {
		char shown[96];

		ipe_escape_bytes(shown, sizeof(shown), v, (size_t)(end - v));
		lint_report(run, LC_VERSION_FORM, l, NULL,
			    "policy version '%s' is not canonical (%s%s%s); the kernel reads it as %u.%u.%u", shown, plus ? "leading '+'" : "", plus && zeros ? ", " : "",
			    zeros ? "leading zeros" : "", p->version[0], p->version[1], p->version[2]);
	}
}

/* Length of ipe_policy_emit_canonical()'s text, counted without writing it
 * (the policies that matter here are far over the limit: writing 100 MB of
 * text only to measure it cost a tenth of the lint time at 1M rules).
 * Below CANONICAL_EMIT_MAX the emitter runs and gives the exact length. */
#define CANONICAL_EMIT_MAX (4u << 20)

static void check_size(struct lint_run *run)
{
	const struct ipe_policy *p = run->p;
	char *text = NULL;
	size_t len = 0, est;
	struct ipe_loc at = p->header_loc;

	if (p->verdict.err || !p->has_header)
		return;
	if (run->cfg && run->cfg->blob_size) {
		/* the policy came from a signed blob: its real size (the
		 * caller reports a blob over the limit as the kernel's EMSGSIZE) */
		if (run->cfg->blob_size <= KERNEL_BLOB_MAX && run->cfg->blob_size > KERNEL_BLOB_MAX - KERNEL_BLOB_MAX / 10)
			lint_report(run, LC_SIZE_NEAR, &at, "leave room for growth and larger certificates",
				    "the signed blob is %zu bytes, within 10%% of the kernel's %u-byte limit",
				    run->cfg->blob_size, KERNEL_BLOB_MAX);
		return;
	}
	len = ipe_policy_canonical_length(p);
	if (len < CANONICAL_EMIT_MAX) {
		/* small: the emitter's own text, exactly */
		if (ipe_policy_emit_canonical(p, &text, &len))
			return;
		free(text);
	}
	est = len + SIGNATURE_OVERHEAD;
	if (est > KERNEL_BLOB_MAX)
		lint_report(run, LC_SIZE_OVER, &at,
			    "allow a dm-verity root hash instead of per-file digests, or split the policy "
			    "(a boot policy built into the kernel has no such limit)",
			    "signed policy estimated at %zu bytes (%zu bytes of canonical text + ~%u of signature): "
			    "over the kernel's %u-byte limit (EMSGSIZE)",
			    est, len, SIGNATURE_OVERHEAD, KERNEL_BLOB_MAX);
	else if (est > KERNEL_BLOB_MAX - KERNEL_BLOB_MAX / 10)
		lint_report(run, LC_SIZE_NEAR, &at, "leave room for growth and larger certificates",
			    "signed policy estimated at %zu bytes, within 10%% of the kernel's %u-byte limit", est,
			    KERNEL_BLOB_MAX);
}

static int vcmp(const uint16_t *a, const uint16_t *b)
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Every decision that changes from the baseline, by the policy diff. */
static void check_baseline_decisions(struct lint_run *run, const struct ipe_policy *b)
{
	struct ipe_diff *d = NULL;
	int rc;

	if (b->verdict.err || run->p->verdict.err ||
	    (!lint_wants(run, LC_BASE_WIDENED) && !lint_wants(run, LC_BASE_NARROWED)))
		return;
	rc = ipe_policy_diff(b, run->p, &run->k, &d);
	if (rc) {
		run->err = rc;
		return;
	}
	for (size_t i = 0; i < d->nchanges && !run->err; i++) {
		const struct ipe_diff_change *c = &d->changes[i];
		bool wide = c->new_dec.action == IPE_ACTION_ALLOW;
		const struct ipe_loc *loc = c->new_loc.src != IPE_SRC_NONE ? &c->new_loc : &run->p->header_loc;
		struct ipe_diag *dg;
		char *msg = NULL;

		rc = ipe_diff_change_message(b, c, &msg);
		if (rc) {
			run->err = rc;
			break;
		}
		dg = lint_report(run, wide ? LC_BASE_WIDENED : LC_BASE_NARROWED, loc,
				 wide ? "make sure the newly allowed events are meant to run" : NULL, "%s", msg);
		free(msg);
		/* the baseline's lines only when it was parsed in this context */
		if (dg && b->src != IPE_SRC_NONE && c->old_loc.src != IPE_SRC_NONE && ipe_ctx_source(run->ctx, b->src))
			lint_related(run, dg, &c->old_loc, "the baseline's decider");
	}
	ipe_diff_free(d);
}

static void check_baseline(struct lint_run *run)
{
	const struct ipe_policy *p = run->p, *b = run->cfg ? run->cfg->baseline : NULL;
	struct ipe_diag *d;

	if (!b || !b->has_header)
		return;
	if (b->name_len != p->name_len || memcmp(b->name, p->name, p->name_len) != 0) {
		char pn[200], bn[200];

		ipe_escape_bytes(pn, sizeof(pn), p->name, p->name_len);
		ipe_escape_bytes(bn, sizeof(bn), b->name, b->name_len);
		d = lint_report(run, LC_BASE_NAME, &p->name_loc, "keep the baseline's policy_name for an update",
				"policy name '%s' differs from the baseline's '%s': an update fails with EINVAL", pn, bn);
		if (d && ipe_ctx_source(run->ctx, b->src))
			lint_related(run, d, &b->name_loc, "the baseline's name");
	}
	check_baseline_decisions(run, b);
	if (vcmp(p->version, b->version) <= 0) {
		d = lint_report(run, LC_BASE_VERSION, &p->version_loc, "bump the version",
				"policy version %u.%u.%u is not greater than the baseline's %u.%u.%u: an update fails with ESTALE",
				p->version[0], p->version[1], p->version[2], b->version[0], b->version[1], b->version[2]);
		if (d && ipe_ctx_source(run->ctx, b->src))
			lint_related(run, d, &b->version_loc, "the baseline's version");
	}
}

/* What systemd's boot loader reads from this text (the signed blob embeds it
 * verbatim) against the kernel's header: src/util/systemd.c is the model. */
static void check_systemd(struct lint_run *run)
{
	const struct ipe_policy *p = run->p;
	char *sn = NULL, *sv = NULL, canon[IPE_VERSION_STRLEN], shown[200];

	if (p->verdict.err || (!lint_wants(run, LC_SD_NAME) && !lint_wants(run, LC_SD_VERSION)))
		return;
	if (ipe_systemd_header(run->data, run->len, &sn, &sv)) {
		run->err = -ENOMEM;
		return;
	}
	if (!sn || strlen(sn) != p->name_len || memcmp(sn, p->name, p->name_len) != 0) {
		ipe_escape_bytes(shown, sizeof(shown), sn ? sn : "", sn ? strlen(sn) : 0);
		lint_report(run, LC_SD_NAME, &p->name_loc,
			    "separate the header tokens by one space; mention no 'policy_name=' above the header",
			    "systemd's boot loader would read the policy name as '%s' (the first 'policy_name=' in any "
			    "line, up to a space): installed as /etc/ipe/ipe-policy.p7b it would fail to activate",
			    shown);
	}
	ipe_version_format(p->version, canon);
	if (!sv || ipe_systemd_verscmp(sv, canon) != 0) {
		ipe_escape_bytes(shown, sizeof(shown), sv ? sv : "", sv ? strlen(sv) : 0);
		lint_report(run, LC_SD_VERSION, &p->version_loc,
			    "write plain decimal M.m.r followed by a newline; mention no 'policy_version=' above the header",
			    "systemd's boot loader would read the policy version as '%s', which its version order does not "
			    "rank like the kernel's %s: its update decisions at boot would differ from the kernel's",
			    shown, canon);
	}
	free(sn);
	free(sv);
}

void lint_check_header(struct lint_run *run)
{
	const struct ipe_policy *p = run->p;

	if (!p->has_header)
		return;
	check_version_form(run);
	for (size_t i = 0; i < p->name_len; i++) {
		if (!name_char_ok((unsigned char)p->name[i])) {
			lint_report(run, LC_NAME_CHARS, &p->name_loc,
				    "use letters, digits, '.', '_' and '-' only",
				    "policy name has byte 0x%02X at position %zu, outside [A-Za-z0-9._-]: unsafe in audit "
				    "records, shells and file names",
				    (unsigned char)p->name[i], i + 1);
			break;
		}
	}
	if (p->version[0] == 65535 || p->version[1] == 65535 || p->version[2] == 65535) {
		bool all = p->version[0] == 65535 && p->version[1] == 65535 && p->version[2] == 65535;

		lint_report(run, LC_VERSION_CEILING, &p->version_loc,
			    all ? "start a new policy name; this one can never be updated"
				: "bump a higher part and reset this one",
			    "policy version %u.%u.%u has a part at the 16-bit ceiling (65535)%s", p->version[0],
			    p->version[1], p->version[2], all ? ": no greater version exists" : "");
	}
	if (p->global_default == IPE_ACTION_NONE && !p->verdict.err)
		lint_report(run, LC_NO_GLOBAL_DEFAULT, &p->header_loc,
			    "add 'DEFAULT action=DENY' (or ALLOW) after the header",
			    "no global DEFAULT: a kernel that adds an operation (op=BPF_PROG_LOAD is queued "
			    "upstream) will reject this policy with EBADMSG");
	check_size(run);
	check_baseline(run);
	check_systemd(run);
}
