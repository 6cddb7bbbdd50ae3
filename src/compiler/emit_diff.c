/* SPDX-License-Identifier: MIT */
/* Renderers of a policy diff (ipe_policy_diff()): text, JSON, GitHub annotations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <ipe/equiv.h>
#include <ipe/lint.h>
#include <ipe/report.h>

#include "compiler/equiv_internal.h"
#include "compiler/model.h"
#include "util/internal.h"

static const char *op_label(int op)
{
	return op == IPE_OP_INVALID ? "(an operation the kernel cannot classify)" : ipe_op_name((enum ipe_op)op);
}

static bool widening(const struct ipe_diff_change *c)
{
	return c->new_dec.action == IPE_ACTION_ALLOW;
}

int ipe_diff_change_message(const struct ipe_policy *old_p, const struct ipe_diff_change *c, char **ret_text)
{
	char *ev = NULL, *before = NULL, *s = NULL;
	int rc, n;

	if (!old_p || !c || !ret_text)
		return -EINVAL;
	rc = ipe_diff_change_describe(c, &ev);
	if (!rc)
		rc = ipe_decision_format(old_p, c->op, &c->old_dec, &before);
	if (!rc) {
		n = asprintf(&s, "%s%s: %s -> %s (%s) for %s; before: %s", c->op == IPE_OP_INVALID ? "" : "op=",
			     op_label(c->op), ipe_action_name(c->old_dec.action), ipe_action_name(c->new_dec.action),
			     widening(c) ? "widened" : "narrowed", ev, before);
		rc = n < 0 ? -ENOMEM : 0;
	}
	free(ev);
	free(before);
	if (!rc)
		*ret_text = s;
	return rc;
}

static void update_words(const struct ipe_diff *d, const struct ipe_policy *o, const struct ipe_policy *n, FILE *out)
{
	char on[300], nn[300];

	ipe_escape_bytes(on, sizeof(on), o->name, o->name_len);
	ipe_escape_bytes(nn, sizeof(nn), n->name, n->name_len);
	if (d->name_changed)
		fprintf(out, "policy_name '%s' -> '%s'", on, nn);
	else
		fprintf(out, "policy_name '%s'", nn);
	fprintf(out, ", policy_version %u.%u.%u -> %u.%u.%u: ", o->version[0], o->version[1], o->version[2],
		n->version[0], n->version[1], n->version[2]);
	if (!d->update_err)
		fputs("NEW is an allowed update of OLD", out);
	else if (d->update_err == -EINVAL)
		fputs("NEW cannot update OLD (EINVAL: the policy names differ)", out);
	else
		fputs("NEW cannot update OLD (ESTALE: the version is not greater)", out);
}

/* The last excerpt written for one side: consecutive changes often share a
 * decider (a rule inserted or deleted changes many pairs with it). */
struct excerpt_cache {
	struct ipe_loc loc;
	bool valid;
	char line[1024];
};

static void put_decider(const struct ipe_ctx *ctx, const struct ipe_decision *dec, const struct ipe_loc *loc,
			struct excerpt_cache *ec, FILE *out)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, loc->src);
	char num[24];

	if (dec->by == IPE_DECIDED_BY_NOTHING || !s) {
		fputs("(no rule matches and no DEFAULT applies: the kernel allows)", out);
		return;
	}
	if (!ec->valid || memcmp(&ec->loc, loc, sizeof(*loc)) != 0) {
		ipe_source_line_excerpt(ctx, loc, ec->line, sizeof(ec->line));
		ec->loc = *loc;
		ec->valid = true;
	}
	snprintf(num, sizeof(num), ":%u: ", loc->line);
	fputs(s->name, out);
	fputs(num, out);
	fputs(ec->line, out);
}

static const char *src_name(const struct ipe_ctx *ctx, const struct ipe_policy *p)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, p->src);

	return s ? s->name : "?";
}

int ipe_diff_render_text(const struct ipe_ctx *ctx, const struct ipe_policy *old_p, const struct ipe_policy *new_p,
			 const struct ipe_diff *d, FILE *out)
{
	int last_op = -2, rc = 0;
	size_t nwide = 0;
	struct excerpt_cache ec[2]; /* old, new */

	if (!ctx || !old_p || !new_p || !d || !out)
		return -EINVAL;
	for (size_t i = 0; i < d->nchanges; i++)
		nwide += widening(&d->changes[i]);
	ec[0].valid = ec[1].valid = false;
	fprintf(out, "%s -> %s\nheader: ", src_name(ctx, old_p), src_name(ctx, new_p));
	update_words(d, old_p, new_p, out);
	fputc('\n', out);
	if (d->equivalent) {
		fputs("no decision changed: both policies decide every event alike (reordered rules, comments and "
		      "formatting change nothing)\n",
		      out);
		return ferror(out) ? -EIO : 0;
	}
	fprintf(out, "%zu decision change%s (%zu widening to ALLOW, %zu narrowing to DENY)\n", d->nchanges,
		d->nchanges == 1 ? "" : "s", nwide, d->nchanges - nwide);
	if (d->nreplayed < d->nchanges)
		fprintf(out, "witnesses replayed through the evaluator: the first %zu (the rest would make the check "
			     "quadratic; they are exact all the same)\n",
			d->nreplayed);
	for (size_t i = 0; i < d->nchanges && !rc; i++) {
		const struct ipe_diff_change *c = &d->changes[i];

		if (c->op != last_op) {
			fprintf(out, "\n%s%s\n", c->op == IPE_OP_INVALID ? "" : "op=", op_label(c->op));
			last_op = c->op;
		}
		/* written piece by piece: thousands of changes */
		fputs("  ", out);
		fputs(ipe_action_name(c->old_dec.action), out);
		fputs(" -> ", out);
		fputs(ipe_action_name(c->new_dec.action), out);
		fputs(widening(c) ? " (widened)\n    old: " : " (narrowed)\n    old: ", out);
		put_decider(ctx, &c->old_dec, &c->old_loc, &ec[0], out);
		fputs("\n    new: ", out);
		put_decider(ctx, &c->new_dec, &c->new_loc, &ec[1], out);
		fputs("\n    events: ", out);
		ipe_diff_change_describe_to(out, c);
		fputs("\n    witness: ", out);
		ipe_diff_event_write(out, c);
		fputc('\n', out);
		if (ferror(out))
			rc = -EIO;
	}
	if (!rc && ferror(out))
		rc = -EIO;
	return rc;
}

/* ---- JSON ---- */

static json_object *digest_json(bool present, const char *alg, const uint8_t *b, size_t len)
{
	char *s;
	size_t al;
	json_object *o;

	if (!present)
		return NULL; /* JSON null */
	al = strlen(alg);
	s = malloc(al + 2 + len * 2);
	if (!s)
		return NULL;
	memcpy(s, alg, al);
	s[al] = ':';
	ipe_hex_encode(s + al + 1, b, len);
	o = json_object_new_string(s);
	free(s);
	return o;
}

static json_object *witness_json(const struct ipe_diff_change *c)
{
	const struct ipe_event *ev = &c->event;
	json_object *w = json_object_new_object();

	if (!w)
		return NULL;
	if (c->op == IPE_OP_INVALID || !ev->has_file) {
		json_object_object_add(w, "file", json_object_new_boolean(0));
		return w;
	}
	json_object_object_add(w, ipe_prop_key(IPE_PROP_BOOT_VERIFIED_TRUE), json_object_new_boolean(ev->boot_verified));
	json_object_object_add(w, ipe_prop_key(IPE_PROP_DMV_ROOTHASH),
			       digest_json(ev->dmverity, ev->dmv_alg, ev->dmv_roothash, ev->dmv_roothash_len));
	json_object_object_add(w, ipe_prop_key(IPE_PROP_DMV_SIG_TRUE), json_object_new_boolean(ev->dmverity && ev->dmverity_signed));
	json_object_object_add(w, ipe_prop_key(IPE_PROP_FSV_DIGEST),
			       digest_json(ev->fsverity, ev->fsv_alg, ev->fsv_digest, ev->fsv_digest_len));
	json_object_object_add(w, ipe_prop_key(IPE_PROP_FSV_SIG_TRUE), json_object_new_boolean(ev->fsverity && ev->fsverity_signed));
	return w;
}

static json_object *line_json(const struct ipe_decision *dec, unsigned line)
{
	return dec->by == IPE_DECIDED_BY_NOTHING ? NULL : json_object_new_int64(line);
}

static json_object *policy_json(const struct ipe_ctx *ctx, const struct ipe_policy *p)
{
	json_object *o = json_object_new_object();
	char v[32];

	if (!o)
		return NULL;
	snprintf(v, sizeof(v), "%u.%u.%u", p->version[0], p->version[1], p->version[2]);
	json_object_object_add(o, "file", json_object_new_string(src_name(ctx, p)));
	json_object_object_add(o, "name", ipe_json_escaped(p->name, p->name_len));
	json_object_object_add(o, "version", json_object_new_string(v));
	return o;
}

int ipe_diff_render_json(const struct ipe_ctx *ctx, const struct ipe_policy *old_p, const struct ipe_policy *new_p,
			 const struct ipe_diff *d, FILE *out)
{
	json_object *root, *diff, *changes, *upd;
	const char *s;
	int rc = 0;

	if (!ctx || !old_p || !new_p || !d || !out)
		return -EINVAL;
	root = json_object_new_object();
	diff = json_object_new_object();
	changes = json_object_new_array();
	upd = json_object_new_object();
	if (!root || !diff || !changes || !upd) {
		json_object_put(root);
		json_object_put(diff);
		json_object_put(changes);
		json_object_put(upd);
		return -ENOMEM;
	}
	json_object_object_add(root, "diff", diff);
	json_object_object_add(diff, "equivalent", json_object_new_boolean(d->equivalent));
	json_object_object_add(diff, "changes", changes);
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct ipe_diff_change *c = &d->changes[i];
		json_object *o = json_object_new_object();

		if (!o) {
			rc = -ENOMEM;
			break;
		}
		json_object_object_add(o, "op",
				       c->op == IPE_OP_INVALID ? NULL
							       : json_object_new_string(ipe_op_name((enum ipe_op)c->op)));
		json_object_object_add(o, "old_action", json_object_new_string(ipe_action_name(c->old_dec.action)));
		json_object_object_add(o, "new_action", json_object_new_string(ipe_action_name(c->new_dec.action)));
		json_object_object_add(o, "old_line", line_json(&c->old_dec, c->old_line));
		json_object_object_add(o, "new_line", line_json(&c->new_dec, c->new_line));
		json_object_object_add(o, "witness", witness_json(c));
		json_object_array_add(changes, o);
	}
	json_object_object_add(diff, "replayed", json_object_new_int64((int64_t)d->nreplayed));
	json_object_object_add(diff, "old", policy_json(ctx, old_p));
	json_object_object_add(diff, "new", policy_json(ctx, new_p));
	json_object_object_add(diff, "update", upd);
	json_object_object_add(upd, "allowed", json_object_new_boolean(d->update_err == 0));
	json_object_object_add(upd, "errno",
			       d->update_err ? json_object_new_string(ipe_errno_name(-d->update_err)) : NULL);
	if (!rc) {
		s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (!s || fputs(s, out) < 0 || fputc('\n', out) < 0)
			rc = -EIO;
	}
	json_object_put(root);
	return rc;
}

/* ---- GitHub: the change list as diagnostics on NEW, through the report renderer ---- */

int ipe_diff_render_github(const struct ipe_ctx *ctx, const struct ipe_policy *old_p,
			   const struct ipe_policy *new_p, const struct ipe_diff *d, FILE *out)
{
	struct ipe_ctx *gctx = NULL;
	int rc;

	if (!ctx || !old_p || !new_p || !d || !out)
		return -EINVAL;
	/* a context holding NEW's sources by the same index, and only these diagnostics */
	rc = ipe_ctx_new(&gctx);
	for (size_t i = 0; !rc && i < ipe_ctx_source_count(ctx); i++) {
		const struct ipe_source *s = ipe_ctx_source(ctx, (uint32_t)i);
		uint32_t idx;

		rc = ipe_source_from_memory(gctx, s->name, s->data, s->len, false, &idx);
	}
	if (!rc && d->update_err == -EINVAL &&
	    !ipe_diag_add(gctx, "IPE-E042", IPE_SEV_ERROR, &new_p->name_loc, "keep OLD's policy_name for an update",
			  "NEW cannot update OLD: the policy names differ (EINVAL)"))
		rc = -ENOMEM;
	if (!rc && d->update_err == -ESTALE &&
	    !ipe_diag_add(gctx, "IPE-E043", IPE_SEV_ERROR, &new_p->version_loc, "bump the version",
			  "NEW cannot update OLD: policy_version %u.%u.%u is not greater than OLD's %u.%u.%u (ESTALE)",
			  new_p->version[0], new_p->version[1], new_p->version[2], old_p->version[0],
			  old_p->version[1], old_p->version[2]))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < d->nchanges; i++) {
		const struct ipe_diff_change *c = &d->changes[i];
		const struct ipe_loc *loc = c->new_loc.src != IPE_SRC_NONE ? &c->new_loc : &new_p->header_loc;
		char *msg = NULL;

		rc = ipe_diff_change_message(old_p, c, &msg);
		if (!rc && !ipe_diag_add(gctx, widening(c) ? "IPE-W190" : "IPE-I209",
					 widening(c) ? IPE_SEV_WARNING : IPE_SEV_INFO, loc, NULL, "%s", msg))
			rc = -ENOMEM;
		free(msg);
	}
	if (!rc)
		rc = ipe_report_render_github(gctx, NULL, 0, out);
	ipe_ctx_free(gctx);
	return rc;
}
