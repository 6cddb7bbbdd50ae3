/* SPDX-License-Identifier: MIT */
/* Explain events: the model, explicit specs (parsed by the policy parser) and
 * their property lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/explain.h>

#include "../util/internal.h"
#include "../util/sbuf.h"
#include "compiler/model.h"
#include "util/kwtable.h"
#include "explain-internal.h"

void ipe_explain_event_init(struct ipe_explain_event *e, int op)
{
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->has_file = true;
}

void ipe_explain_event_clear(struct ipe_explain_event *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->unknown);
	ipe_explain_event_init(e, e->op);
}

void ipe_explain_event_view(const struct ipe_explain_event *e, struct ipe_event *ret_event)
{
	struct ipe_event ev = { 0 };

	ev.has_file = e->has_file;
	if (e->has_file) {
		ev.boot_verified = e->boot_verified;
		ev.dmverity = e->dmverity;
		ev.dmverity_signed = e->dmverity && e->dmverity_signed;
		ev.dmv_alg = e->dmv_alg[0] || e->dmv_roothash_len ? e->dmv_alg : NULL;
		ev.dmv_roothash = e->dmv_roothash;
		ev.dmv_roothash_len = e->dmv_roothash_len;
		ev.fsverity = e->fsverity;
		ev.fsverity_signed = e->fsverity && e->fsverity_signed;
		ev.fsv_alg = e->fsv_alg[0] || e->fsv_digest_len ? e->fsv_alg : NULL;
		ev.fsv_digest = e->fsv_digest;
		ev.fsv_digest_len = e->fsv_digest_len;
	}
	*ret_event = ev;
}

static int set_digest(char *alg_out, uint8_t *out, size_t *out_len, const char *alg, const uint8_t *d, size_t len)
{
	size_t alen = alg ? strlen(alg) : 0;

	if (alen >= IPE_EXPLAIN_ALG_MAX || len > IPE_EXPLAIN_DIGEST_MAX || (len && !d))
		return -EINVAL;
	memcpy(alg_out, alg ? alg : "", alen + 1);
	if (len)
		memcpy(out, d, len);
	*out_len = len;
	return 0;
}

int ipe_explain_event_set_fsverity(struct ipe_explain_event *e, const char *alg, const uint8_t *digest, size_t len)
{
	int rc = set_digest(e->fsv_alg, e->fsv_digest, &e->fsv_digest_len, alg, digest, len);

	if (rc == 0)
		e->fsverity = true;
	return rc;
}

int ipe_explain_event_set_dmverity(struct ipe_explain_event *e, const char *alg, const uint8_t *roothash, size_t len)
{
	int rc = set_digest(e->dmv_alg, e->dmv_roothash, &e->dmv_roothash_len, alg, roothash, len);

	if (rc == 0)
		e->dmverity = true;
	return rc;
}

int ipe_explain_op_from_name(const char *name, size_t len)
{
	for (int op = 0; op < IPE_OP_COUNT; op++) {
		const char *n = ipe_op_name((enum ipe_op)op);

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return op;
	}
	return IPE_OP_INVALID;
}

static int spec_error(struct ipe_ctx *ctx, const char *spec, const char *what, const char *detail)
{
	char esc[512];

	ipe_escape_bytes(esc, sizeof(esc), spec, strlen(spec));
	ipe_diag_add(ctx, "IPE-X001", IPE_SEV_ERROR, NULL,
		     "write properties as in a policy rule, e.g. --event 'op=EXECUTE fsverity_digest=sha256:HEX'",
		     "invalid event '%s': %s%s", esc, what, detail ? detail : "");
	return -EINVAL;
}

/* Apply the properties of the one rule of the scratch policy to e. */
static int apply_props(struct ipe_ctx *ctx, const char *spec, const struct ipe_policy *sp, const struct ipe_rule *r,
		       struct ipe_explain_event *e)
{
	const struct ipe_prop *props = ipe_rule_props(sp, r);
	int8_t bv = -1, dsig = -1, fsig = -1;
	bool dmv = false, fsv = false;

	for (uint32_t i = 0; i < r->nprops; i++) {
		const struct ipe_prop *pr = &props[i];
		int8_t *slot = NULL;
		int8_t v = 0;

		switch (pr->type) {
		case IPE_PROP_BOOT_VERIFIED_TRUE:
			v = 1;
			/* fall through */
		case IPE_PROP_BOOT_VERIFIED_FALSE:
			slot = &bv;
			break;
		case IPE_PROP_DMV_SIG_TRUE:
			v = 1;
			/* fall through */
		case IPE_PROP_DMV_SIG_FALSE:
			slot = &dsig;
			break;
		case IPE_PROP_FSV_SIG_TRUE:
			v = 1;
			/* fall through */
		case IPE_PROP_FSV_SIG_FALSE:
			slot = &fsig;
			break;
		case IPE_PROP_DMV_ROOTHASH:
		case IPE_PROP_FSV_DIGEST: {
			bool is_dmv = pr->type == IPE_PROP_DMV_ROOTHASH;
			int rc;

			if (is_dmv ? dmv : fsv)
				return spec_error(ctx, spec, ipe_prop_key(pr->type), " given twice");
			rc = is_dmv ? ipe_explain_event_set_dmverity(e, ipe_prop_alg(sp, pr), ipe_prop_digest(sp, pr),
								     pr->digest_len)
				    : ipe_explain_event_set_fsverity(e, ipe_prop_alg(sp, pr), ipe_prop_digest(sp, pr),
								     pr->digest_len);
			if (rc < 0)
				return spec_error(ctx, spec, ipe_prop_key(pr->type),
						  " is longer than any kernel digest");
			if (is_dmv)
				dmv = true;
			else
				fsv = true;
			break;
		}
		default:
			break;
		}
		if (slot) {
			if (*slot != -1)
				return spec_error(ctx, spec, ipe_prop_key(pr->type), " given twice");
			*slot = v;
		}
	}
	e->boot_verified = bv == 1;
	if (dsig == 1) {
		e->dmverity = true;
		e->dmverity_signed = true;
	}
	if (fsig == 1) {
		e->fsverity = true;
		e->fsverity_signed = true;
	}
	return 0;
}

int ipe_explain_event_parse(struct ipe_ctx *ctx, const char *spec, int default_op,
			    struct ipe_explain_event *ret_event)
{
	struct ipe_explain_event e;
	struct ipe_ctx *scratch = NULL;
	struct ipe_policy *sp = NULL;
	struct ipe_sbuf props = { 0 }, text = { 0 };
	const char *s = spec;
	bool nofile = false;
	int op = default_op;
	uint32_t src;
	int rc;

	ipe_explain_event_init(&e, default_op);
	if (!spec || !ret_event)
		return -EINVAL;
	for (const char *c = spec; *c; c++)
		if (*c == '#' || *c == '\n' || *c == '\r') {
			rc = spec_error(ctx, spec, "",
					"'#', CR and LF cannot appear in an event");
			goto out;
		}
	while (*s) {
		const char *t;
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		t = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len = (size_t)(s - t);
		if (len > 3 && memcmp(t, "op=", 3) == 0) {
			op = ipe_explain_op_from_name(t + 3, len - 3);
			if (op == IPE_OP_INVALID) {
				char known[160];
				size_t n = 0;

				for (int k = 0; k < IPE_OP_COUNT; k++)
					n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", k ? ", " : " (",
							      ipe_op_name((enum ipe_op)k));
				snprintf(known + n, sizeof(known) - n, ")");
				rc = spec_error(ctx, spec, "unknown op", known);
				goto out;
			}
		} else if (len >= 5 && memcmp(t, "path=", 5) == 0) {
			free(e.path);
			e.path = strndup(t + 5, len - 5);
			if (!e.path) {
				rc = -ENOMEM;
				goto out;
			}
		} else if (len == 6 && memcmp(t, "nofile", 6) == 0) {
			nofile = true;
		} else if (len >= 7 && memcmp(t, "action=", 7) == 0) {
			rc = spec_error(ctx, spec, "", "an event has no action");
			goto out;
		} else {
			ipe_sbuf_put(&props, " ", 1);
			ipe_sbuf_put(&props, t, len);
			if (props.err) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
	if (op < 0 || op >= IPE_OP_COUNT) {
		rc = spec_error(ctx, spec, "", "no op=OP given");
		goto out;
	}
	e.op = op;
	if (nofile) {
		if (props.len) {
			rc = spec_error(ctx, spec, "",
					"a file-less event ('nofile') has no properties");
			goto out;
		}
		e.has_file = false;
		goto done;
	}
	if (!props.len)
		goto done;
	/* the policy parser spells the properties and parses the digests */
	ipe_sbuf_printf(&text,
			"%sevent %s0.0.0\n" IPE_KW_DEFAULT_WORD " " IPE_KW_ACTION_KEY "%s\n" IPE_KW_OP_KEY
			"%s%s " IPE_KW_ACTION_KEY "%s\n",
			ipe_kw_header_token(IPE_KW_HEADER_NAME), ipe_kw_header_token(IPE_KW_HEADER_VERSION),
			ipe_action_name(IPE_ACTION_ALLOW), ipe_op_name((enum ipe_op)op), props.s,
			ipe_action_name(IPE_ACTION_ALLOW));
	if (text.err) {
		rc = -ENOMEM;
		goto out;
	}
	rc = ipe_ctx_new(&scratch);
	if (rc < 0)
		goto out;
	rc = ipe_source_from_memory(scratch, "event", text.s, text.len, true, &src);
	if (rc < 0)
		goto out;
	rc = ipe_policy_parse(scratch, src, &sp);
	if (rc < 0)
		goto out;
	if (sp->verdict.err || sp->ops[op].nrules != 1) {
		const char *msg = "not a property list";

		for (size_t i = 0; i < ipe_ctx_diag_count(scratch); i++)
			if (ipe_ctx_diag(scratch, i)->severity == IPE_SEV_ERROR) {
				msg = ipe_ctx_diag(scratch, i)->message;
				break;
			}
		rc = spec_error(ctx, spec, "", msg);
		goto out;
	}
	rc = apply_props(ctx, spec, sp, &sp->ops[op].rules[0], &e);
	if (rc < 0)
		goto out;
done:
	*ret_event = e;
	memset(&e, 0, sizeof(e));
	rc = 0;
out:
	ipe_explain_event_clear(&e);
	ipe_policy_free(sp);
	ipe_ctx_free(scratch);
	free(props.s);
	free(text.s);
	return rc;
}

static void append_digest(struct ipe_sbuf *b, const char *key, const char *alg, const uint8_t *d, size_t len)
{
	char hex[2 * IPE_EXPLAIN_DIGEST_MAX + 1];

	ipe_hex_encode(hex, d, len);
	ipe_sbuf_printf(b, " %s=%s:%s", key, alg, hex);
}

int ipe_explain_event_props_format(const struct ipe_explain_event *e, char **ret_text)
{
	struct ipe_sbuf b = { 0 };
	char *s;

	if (!e->has_file) {
		ipe_sbuf_str(&b, " nofile");
	} else {
		/* the tokens of the keyword table (ipe_prop_token) */
		ipe_sbuf_printf(&b, " %s", ipe_prop_token(e->boot_verified ? IPE_PROP_BOOT_VERIFIED_TRUE
									 : IPE_PROP_BOOT_VERIFIED_FALSE));
		if (e->dmverity && (e->dmv_alg[0] || e->dmv_roothash_len))
			append_digest(&b, ipe_prop_key(IPE_PROP_DMV_ROOTHASH), e->dmv_alg, e->dmv_roothash,
				      e->dmv_roothash_len);
		ipe_sbuf_printf(&b, " %s", ipe_prop_token(e->dmverity && e->dmverity_signed ? IPE_PROP_DMV_SIG_TRUE
										      : IPE_PROP_DMV_SIG_FALSE));
		if (e->fsverity && (e->fsv_alg[0] || e->fsv_digest_len))
			append_digest(&b, ipe_prop_key(IPE_PROP_FSV_DIGEST), e->fsv_alg, e->fsv_digest, e->fsv_digest_len);
		ipe_sbuf_printf(&b, " %s", ipe_prop_token(e->fsverity && e->fsverity_signed ? IPE_PROP_FSV_SIG_TRUE
										      : IPE_PROP_FSV_SIG_FALSE));
	}
	s = ipe_sbuf_take(&b, NULL);
	if (!s)
		return -ENOMEM;
	memmove(s, s + 1, strlen(s));
	*ret_text = s;
	return 0;
}
