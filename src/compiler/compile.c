/* SPDX-License-Identifier: MIT */
/* The compiler's header overrides and boot checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/compile.h>
#include <ipe/policy.h>

#include "compiler/model.h"
#include "util/internal.h"

int ipe_version_parse(const char *s, uint16_t ret_version[3])
{
	struct ipe_version_fault f;

	if (!s || !ret_version)
		return -EINVAL;
	return ipe_version_scan(s, strlen(s), ret_version, &f);
}

int ipe_version_next(const uint16_t v[3], uint16_t ret_next[3])
{
	uint16_t n[3] = { v[0], v[1], v[2] };

	for (int i = 2; i >= 0; i--) {
		if (n[i] < UINT16_MAX) {
			n[i]++;
			memcpy(ret_next, n, sizeof(n));
			return 0;
		}
		n[i] = 0;
	}
	return -ERANGE;
}

const char *ipe_policy_name_problem(const char *name, size_t len)
{
	const char *why;

	ipe_name_fault_errno(ipe_name_faults(name, len), &why);
	return why;
}

int ipe_policy_set_name(struct ipe_policy *p, const char *name, size_t len)
{
	char *n;

	if (!p || ipe_policy_name_problem(name, len))
		return -EINVAL;
	n = strndup(name, len);
	if (!n)
		return -ENOMEM;
	free(p->name);
	p->name = n;
	p->name_len = len;
	return 0;
}

void ipe_policy_set_version(struct ipe_policy *p, const uint16_t version[3])
{
	if (p && version)
		memcpy(p->version, version, sizeof(p->version));
}

/* ---- boot policy ---- */

static struct ipe_loc loc_of(const struct ipe_source *s, uint32_t src, size_t off)
{
	struct ipe_loc l = { .src = src, .line = 1, .col = 1, .len = 1, .offset = (uint32_t)off };
	size_t ls = 0;

	for (size_t i = 0; i < off; i++)
		if (s->data[i] == '\n') {
			l.line++;
			ls = i + 1;
		}
	l.col = (uint32_t)(off - ls + 1);
	return l;
}

static void mark_source(bool *mine, size_t nsrc, uint32_t src)
{
	if (src < nsrc)
		mine[src] = true;
}

int ipe_policy_check_boot(struct ipe_ctx *ctx, const struct ipe_policy *p)
{
	int n = 0;

	size_t nsrc;
	bool *mine;

	if (!ctx || !p)
		return -EINVAL;
	/* Only the sources this policy is made of: its own and the ones its
	 * header, defaults, rules and properties come from (includes, digest
	 * files); never other files of the same context. */
	nsrc = ipe_ctx_source_count(ctx);
	mine = calloc(nsrc ? nsrc : 1, sizeof(*mine));
	if (!mine)
		return -ENOMEM;
	mark_source(mine, nsrc, p->src);
	mark_source(mine, nsrc, p->header_loc.src);
	mark_source(mine, nsrc, p->global_default_loc.src);
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		mark_source(mine, nsrc, p->ops[op].default_loc.src);
		for (size_t r = 0; r < p->ops[op].nrules; r++)
			mark_source(mine, nsrc, p->ops[op].rules[r].loc.src);
	}
	for (size_t i = 0; i < p->nprops; i++)
		mark_source(mine, nsrc, p->props[i].loc.src);
	for (size_t si = 0; si < nsrc; si++) {
		const struct ipe_source *s = ipe_ctx_source(ctx, (uint32_t)si);
		const void *cr, *nul;

		if (!s || !mine[si])
			continue;
		cr = memchr(s->data, '\r', s->len);
		nul = memchr(s->data, '\0', s->len);
		if (cr) {
			struct ipe_loc l = loc_of(s, (uint32_t)si, (size_t)((const unsigned char *)cr - s->data));

			if (!ipe_diag_add(ctx, "IPE-E130", IPE_SEV_ERROR, &l,
					  "convert the file to LF line ends (e.g. dos2unix); every CR is a line break to the kernel",
					  "carriage return in a boot policy source"))
				goto oom;
			n++;
		}
		if (nul) {
			struct ipe_loc l = loc_of(s, (uint32_t)si, (size_t)((const unsigned char *)nul - s->data));

			if (!ipe_diag_add(ctx, "IPE-E130", IPE_SEV_ERROR, &l,
					  "remove the NUL byte: the kernel silently ignores everything after it",
					  "NUL byte in a boot policy source"))
				goto oom;
			n++;
		}
	}
	free(mine);
	mine = NULL;
	if (p->verdict.err) {
		if (!ipe_diag_add(ctx, "IPE-E131", IPE_SEV_ERROR, &p->verdict.loc,
				  "a boot policy that fails to parse is only warned about: the kernel then enforces nothing",
				  "the kernel would reject this boot policy (%s)", ipe_errno_name(p->verdict.err)))
			return -ENOMEM;
		n++;
	}
	return n;
oom:
	free(mine);
	return -ENOMEM;
}
