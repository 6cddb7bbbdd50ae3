/* SPDX-License-Identifier: MIT */
/* The lint engine: configuration, suppressions, running the check families. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include <ipe/io.h>
#include <ipe/lint.h>

#include "compiler/checks/checks.h"
#include "compiler/model.h"
#include "util/internal.h"

int ipe_lint_config_new(struct ipe_lint_config **ret_cfg)
{
	struct ipe_lint_config *c;

	if (!ret_cfg)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c->severity, -1, sizeof(c->severity));
	c->target = ipe_target_newest();
	c->rule_threshold = 1000;
	c->fold_after = LINT_FOLD_AFTER_DEFAULT;
	*ret_cfg = c;
	return 0;
}

void ipe_lint_config_free(struct ipe_lint_config *cfg)
{
	free(cfg);
}

int ipe_lint_config_enable(struct ipe_lint_config *cfg, const char *code, bool enable)
{
	const struct ipe_check_info *ci;

	if (!cfg || !code)
		return -EINVAL;
	if (strcasecmp(code, "all") == 0) {
		for (int i = 0; i < LC_COUNT; i++)
			cfg->disabled[i] = !enable;
		return 0;
	}
	ci = ipe_check_find(code);
	if (!ci)
		return -ENOENT;
	if (!ci->frontend) /* the parser reports those regardless (lint.h) */
		cfg->disabled[lint_check_index(ci)] = !enable;
	return 0;
}

int ipe_lint_config_set_severity(struct ipe_lint_config *cfg, const char *code, enum ipe_severity sev)
{
	const struct ipe_check_info *ci;

	if (!cfg || !code || sev > IPE_SEV_ERROR)
		return -EINVAL;
	ci = ipe_check_find(code);
	if (!ci)
		return -ENOENT;
	cfg->severity[lint_check_index(ci)] = (int8_t)sev;
	return 0;
}

int ipe_lint_config_set_target(struct ipe_lint_config *cfg, const char *release)
{
	const struct ipe_target *t;
	struct utsname u;
	bool newer = false;

	if (!cfg || !release)
		return -EINVAL;
	if (strcmp(release, "running") == 0) {
		if (uname(&u) < 0)
			return -errno;
		release = u.release;
	}
	t = ipe_target_lookup(release, &newer);
	if (!t)
		return -EINVAL;
	cfg->target = t;
	return newer ? 1 : 0;
}

void ipe_lint_config_set_blob_size(struct ipe_lint_config *cfg, size_t blob_len)
{
	if (cfg)
		cfg->blob_size = blob_len;
}

const char *ipe_lint_config_target(const struct ipe_lint_config *cfg)
{
	return cfg && cfg->target ? cfg->target->release : NULL;
}

size_t ipe_target_count(void)
{
	return ipe_target_table_size();
}

const char *ipe_target_release(size_t i)
{
	const struct ipe_target *t = ipe_target_at(i);

	return t ? t->release : NULL;
}

int ipe_lint_config_load_kconfig(struct ipe_lint_config *cfg, struct ipe_ctx *ctx, const char *path)
{
	const struct ipe_source *s;
	uint32_t src;
	int rc;

	if (!cfg || !ctx || !path)
		return -EINVAL;
	rc = ipe_source_from_file_max(ctx, path, IPE_READ_MAX_KCONFIG, &src);
	if (rc)
		return rc;
	s = ipe_ctx_source(ctx, src);
	rc = ipe_kconfig_parse(s->data, s->len, &cfg->kconfig);
	if (rc)
		return rc;
	cfg->have_kconfig = true;
	return 0;
}

void ipe_lint_config_set_baseline(struct ipe_lint_config *cfg, const struct ipe_policy *baseline)
{
	if (cfg)
		cfg->baseline = baseline;
}

void ipe_lint_config_set_rule_threshold(struct ipe_lint_config *cfg, size_t n)
{
	if (cfg)
		cfg->rule_threshold = n;
}

void ipe_lint_config_set_fold_after(struct ipe_lint_config *cfg, size_t n)
{
	if (cfg)
		cfg->fold_after = n;
}

bool ipe_lint_config_enabled(const struct ipe_lint_config *cfg, const struct ipe_check_info *ci)
{
	int i = lint_check_index(ci);

	return i >= 0 && (!cfg || !cfg->disabled[i]);
}

/* ---- reporting ---- */

bool lint_wants(const struct lint_run *run, enum lint_check id)
{
	return !run->cfg || !run->cfg->disabled[id];
}

static struct lint_suppress *find_suppression(struct lint_run *run, const char *code, uint32_t line)
{
	/* few suppressions per file: a linear walk is fine, but the list is
	 * sorted by line, so stop early */
	for (size_t i = 0; i < run->nsup; i++) {
		struct lint_suppress *s = &run->sup[i];

		if (s->line && s->line > line)
			continue;
		if ((s->line == 0 || s->line == line) &&
		    (strcasecmp(s->code, "all") == 0 || strcasecmp(s->code, code) == 0))
			return s;
	}
	return NULL;
}

bool lint_filtered(struct lint_run *run, enum lint_check id, const struct ipe_loc *loc)
{
	struct lint_suppress *s;

	if (!lint_wants(run, id))
		return true;
	if (!run->nsup || id == LC_UNUSED_SUPPRESS || id == LC_BAD_SUPPRESS)
		return false;
	s = find_suppression(run, lint_check_info(id)->code, loc->line);
	if (s)
		s->used = true;
	return s != NULL;
}

struct ipe_diag *lint_report(struct lint_run *run, enum lint_check id, const struct ipe_loc *loc, const char *hint,
			     const char *fmt, ...)
{
	const struct ipe_check_info *ci = lint_check_info(id);
	enum ipe_severity sev = ci->severity;
	struct ipe_diag *d;
	va_list ap;

	if (run->err || lint_filtered(run, id, loc))
		return NULL;
	if (run->cfg && run->cfg->severity[id] >= 0)
		sev = (enum ipe_severity)run->cfg->severity[id];
	va_start(ap, fmt);
	d = ipe_diag_addv(run->ctx, ci->code, sev, loc, hint, fmt, ap);
	va_end(ap);
	if (!d)
		run->err = -ENOMEM;
	return d;
}

void lint_related(struct lint_run *run, struct ipe_diag *d, const struct ipe_loc *loc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ipe_diag_add_related(run->ctx, d, loc, "%s", buf))
		run->err = -ENOMEM;
}

void lint_show_digest(const struct ipe_policy *p, const struct ipe_prop *prop, char *buf, size_t bufsz)
{
	const uint8_t *b = ipe_prop_digest(p, prop);
	const char *alg = ipe_prop_alg(p, prop);
	char hex[2 * 8 + 1];
	size_t n;

	if (!bufsz)
		return;
	/* policy bytes: escaped, never raw */
	n = ipe_escape_bytes(buf, bufsz > 40 ? 40 : bufsz, alg ? alg : "", alg ? strlen(alg) : 0);
	n += (size_t)snprintf(buf + n, bufsz - n, ":");

	/* at most 8 bytes; a longer digest as its first 6 and "..." */
	ipe_hex_encode(hex, b, prop->digest_len > 8 ? 6 : prop->digest_len);
	snprintf(buf + n, bufsz - n, "%s%s", hex, prop->digest_len > 8 ? "..." : "");
}

void lint_show_prop(const struct ipe_policy *p, const struct ipe_prop *prop, char *buf, size_t bufsz)
{
	const char *tok = ipe_prop_token((enum ipe_prop_type)prop->type);
	size_t n;

	if (tok) {
		snprintf(buf, bufsz, "%s", tok);
		return;
	}
	n = (size_t)snprintf(buf, bufsz, "%s=", ipe_prop_key((enum ipe_prop_type)prop->type));
	if (n < bufsz)
		lint_show_digest(p, prop, buf + n, bufsz - n);
}

enum ipe_action lint_effective_default(const struct ipe_policy *p, int op, const struct ipe_loc **ret_loc)
{
	if (op >= 0 && op < IPE_OP_COUNT && p->ops[op].default_action != IPE_ACTION_NONE) {
		if (ret_loc)
			*ret_loc = &p->ops[op].default_loc;
		return (enum ipe_action)p->ops[op].default_action;
	}
	if (p->global_default != IPE_ACTION_NONE) {
		if (ret_loc)
			*ret_loc = &p->global_default_loc;
		return (enum ipe_action)p->global_default;
	}
	if (ret_loc)
		*ret_loc = NULL;
	return IPE_ACTION_ALLOW;
}

/* ---- suppression comments ----
 * Scanned from the source bytes (the lexer's copies are freed with it):
 * "# ipe-check: disable=CODE[,CODE]" after a token = that line; alone on a
 * line before the header = the whole file; alone after the header = the
 * next line. */

static int add_sup(struct lint_run *run, uint32_t line, const struct ipe_loc *loc, const char *code, size_t len)
{
	struct lint_suppress *s;

	if (ipe_vec_reserve((void **)&run->sup, &run->supcap, run->nsup + 1, sizeof(*run->sup)))
		return -ENOMEM;
	s = &run->sup[run->nsup++];
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->loc = *loc;
	if (len >= sizeof(s->code))
		len = sizeof(s->code) - 1;
	memcpy(s->code, code, len);
	return 0;
}

static void parse_suppression(struct lint_run *run, const char *c, size_t len, uint32_t line, bool has_token,
			      bool before_header, const struct ipe_loc *loc)
{
	static const char marker[] = "ipe-check:";
	const char *m = memmem(c, len, marker, sizeof(marker) - 1);
	const char *p, *end = c + len;
	uint32_t applies = has_token ? line : before_header ? 0 : line + 1;

	p = m + sizeof(marker) - 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 8 || memcmp(p, "disable=", 8) != 0) {
		lint_report(run, LC_BAD_SUPPRESS, loc, "write '# ipe-check: disable=IPE-W101[,IPE-W105]'",
			    "malformed ipe-check comment (expected 'disable=CODE[,CODE...]')");
		return;
	}
	p += 8;
	while (p < end) {
		const char *q = p;
		char code[32];
		size_t n;

		while (q < end && *q != ',' && *q != ' ' && *q != '\t')
			q++;
		n = (size_t)(q - p);
		if (n == 0 || n >= sizeof(code)) {
			if (n)
				lint_report(run, LC_BAD_SUPPRESS, loc, NULL, "suppression code too long");
		} else {
			memcpy(code, p, n);
			code[n] = 0;
			if (strcasecmp(code, "all") != 0 && !ipe_check_find(code)) {
				char shown[64];

				ipe_escape_bytes(shown, sizeof(shown), code, n);
				lint_report(run, LC_BAD_SUPPRESS, loc, "see ipe-check --list-checks",
					    "unknown check '%s' in suppression", shown);
			} else {
				const struct ipe_check_info *ci = ipe_check_find(code);

				if (add_sup(run, applies, loc, ci ? ci->code : "all", ci ? strlen(ci->code) : 3))
					run->err = -ENOMEM;
			}
		}
		if (q < end && *q != ',')
			break; /* free text after the list */
		p = q + 1;
	}
}

/* Does a comment ('#' to the line's end, '\n' or '\r') contain "ipe-check:"? */
static bool comment_has_marker(const unsigned char *d, size_t len)
{
	const unsigned char *p = d, *end = d + len;

	while (p < end && (p = memchr(p, '#', (size_t)(end - p)))) {
		const unsigned char *e = p, *cr;

		e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		cr = memchr(p, '\r', (size_t)(e - p));
		if (cr)
			e = cr;
		if (memmem(p, (size_t)(e - p), "ipe-check:", 10))
			return true;
		p = e;
	}
	return false;
}

static void scan_suppressions(struct lint_run *run)
{
	const unsigned char *d = run->data;
	size_t len = run->p->text_len < run->len ? run->p->text_len : run->len;
	uint32_t header_off = run->p->has_header ? run->p->header_loc.offset : UINT32_MAX;
	uint32_t line = 1, col = 1;
	bool has_token = false, in_comment = false;
	size_t cstart = 0;
	struct ipe_loc cloc = { 0 };

	/* quick reject: no comment holds the marker.  Only the lines with a
	 * '#' are searched, from it to the line's end: memchr is several times
	 * faster than memmem over a big policy. */
	if (!comment_has_marker(d, len))
		return;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? d[i] : '\n';

		if (c == '\n' || c == '\r') {
			if (in_comment && memmem(d + cstart, i - cstart, "ipe-check:", 10))
				parse_suppression(run, (const char *)d + cstart, i - cstart, line, has_token,
						  cloc.offset < header_off && !has_token, &cloc);
			in_comment = false;
			has_token = false;
			if (c == '\n') {
				line++;
				col = 1;
				continue;
			}
		} else if (!in_comment) {
			if (c == '#') {
				in_comment = true;
				cstart = i + 1;
				cloc = (struct ipe_loc){ .src = run->p->src, .line = line, .col = col,
							 .offset = (uint32_t)i, .len = 1 };
			} else if (c != ' ' && c != '\t') {
				has_token = true;
			}
		}
		col++;
	}
}

static void report_unused_suppressions(struct lint_run *run)
{
	for (size_t i = 0; i < run->nsup; i++) {
		const struct lint_suppress *s = &run->sup[i];

		if (s->used)
			continue;
		lint_report(run, LC_UNUSED_SUPPRESS, &s->loc, "remove the suppression",
			    "suppression of %s %s is not used", s->code,
			    s->line ? "on this line" : "for the whole file");
	}
}

int ipe_lint(struct ipe_ctx *ctx, const struct ipe_lint_config *cfg, const struct ipe_policy *p)
{
	const struct ipe_source *s;
	struct lint_run run;

	if (!ctx || !p)
		return -EINVAL;
	s = ipe_ctx_source(ctx, p->src);
	if (!s)
		return -EINVAL;
	memset(&run, 0, sizeof(run));
	run.ctx = ctx;
	run.cfg = cfg;
	run.p = p;
	run.data = s->data;
	run.len = s->len;
	if (cfg && cfg->have_kconfig)
		ipe_eval_kernel_from_kc(&cfg->kconfig, &run.k);
	else
		ipe_eval_kernel_all(&run.k);
	scan_suppressions(&run);
	if (!run.err)
		lint_check_text(&run);
	if (!run.err)
		lint_check_header(&run);
	if (!run.err)
		lint_check_target(&run);
	if (!run.err)
		lint_check_digests(&run);
	/* The rule analyses reason about decisions (first match, the op and
	 * global defaults); a policy the kernel rejects decides nothing, and its
	 * model is partial (lines with errors are left out): fix the errors first. */
	if (!run.err && !p->verdict.err)
		lint_check_rules(&run);
	if (!run.err)
		report_unused_suppressions(&run);
	free(run.sup);
	return run.err;
}
