/* SPDX-License-Identifier: MIT */
/* SARIF 2.1.0 and GitHub Actions annotations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <ipe/lint.h>
#include <ipe/report.h>

#include "compiler/model.h"
#include "util/internal.h"

static const char *sarif_level(enum ipe_severity s)
{
	return s == IPE_SEV_ERROR ? "error" : s == IPE_SEV_WARNING ? "warning" : "note";
}

/* artifactLocation.uri is a URI reference (RFC 3986): a file name goes in
 * percent-encoded, every byte but the unreserved ones and '/'. */
static json_object *uri_string(const char *path)
{
	size_t n = strlen(path);
	char *u = malloc(3 * n + 1), *p = u;
	json_object *o;

	if (!u)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		    *c == '.' || *c == '_' || *c == '~' || *c == '/') {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			ipe_hex_encode_case(p, c, 1, true);
			p += 2;
		}
	}
	*p = '\0';
	o = json_object_new_string(u);
	free(u);
	return o;
}

static json_object *region(const struct ipe_loc *l)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "startLine", json_object_new_int64(l->line ? l->line : 1));
	json_object_object_add(r, "startColumn", json_object_new_int64(l->col ? l->col : 1));
	json_object_object_add(r, "endColumn", json_object_new_int64((l->col ? l->col : 1) + l->len));
	json_object_object_add(r, "byteOffset", json_object_new_int64(l->offset));
	json_object_object_add(r, "byteLength", json_object_new_int64(l->len));
	return r;
}

static json_object *location(const struct ipe_ctx *ctx, const struct ipe_loc *l, const char *msg)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, l->src);
	json_object *o = json_object_new_object(), *pl = json_object_new_object(), *al = json_object_new_object();

	json_object_object_add(al, "uri", uri_string(s ? s->name : ""));
	json_object_object_add(pl, "artifactLocation", al);
	json_object_object_add(pl, "region", region(l));
	json_object_object_add(o, "physicalLocation", pl);
	if (msg) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "text", json_object_new_string(msg));
		json_object_object_add(o, "message", m);
	}
	return o;
}

static json_object *text_obj(const char *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "text", json_object_new_string(t));
	return o;
}

int ipe_report_render_sarif(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
			    FILE *out)
{
	json_object *root, *runs, *run, *tool, *drv, *rules, *results, *arts;
	const char *s;
	int rc = 0;

	if (!ctx || !out || (!files && nfiles) || !ipe_report_files_ok(files, nfiles))
		return -EINVAL;
	root = json_object_new_object();
	json_object_object_add(root, "$schema", json_object_new_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_object_add(root, "version", json_object_new_string("2.1.0"));
	runs = json_object_new_array();
	run = json_object_new_object();
	tool = json_object_new_object();
	drv = json_object_new_object();
	json_object_object_add(drv, "name", json_object_new_string("ipe-check"));
	json_object_object_add(drv, "informationUri", json_object_new_string("https://github.com/ipe-tools/ipe-tools"));
	rules = json_object_new_array();
	for (size_t i = 0; i < ipe_check_count(); i++) {
		const struct ipe_check_info *ci = ipe_check_at(i);
		json_object *r = json_object_new_object(), *cfg = json_object_new_object();

		json_object_object_add(r, "id", json_object_new_string(ci->code));
		json_object_object_add(r, "name", json_object_new_string(ci->name));
		json_object_object_add(r, "shortDescription", text_obj(ci->title));
		json_object_object_add(r, "fullDescription", text_obj(ci->explanation));
		json_object_object_add(r, "help", text_obj(ci->explanation));
		json_object_object_add(cfg, "level", json_object_new_string(sarif_level(ci->severity)));
		json_object_object_add(r, "defaultConfiguration", cfg);
		json_object_array_add(rules, r);
	}
	json_object_object_add(drv, "rules", rules);
	json_object_object_add(tool, "driver", drv);
	json_object_object_add(run, "tool", tool);
	arts = json_object_new_array();
	for (size_t i = 0; i < nfiles; i++) {
		json_object *a = json_object_new_object(), *al = json_object_new_object();

		json_object_object_add(al, "uri", uri_string(files[i].path));
		json_object_object_add(a, "location", al);
		json_object_array_add(arts, a);
	}
	json_object_object_add(run, "artifacts", arts);
	results = json_object_new_array();
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);
		const struct ipe_check_info *ci = ipe_check_find(d->code);
		json_object *r = json_object_new_object(), *locs = json_object_new_array();
		char msg[2048];

		json_object_object_add(r, "ruleId", json_object_new_string(d->code));
		if (ci)
			json_object_object_add(r, "ruleIndex", json_object_new_int64((int64_t)(ci - ipe_check_at(0))));
		json_object_object_add(r, "level", json_object_new_string(sarif_level(d->severity)));
		snprintf(msg, sizeof(msg), "%s%s%s", d->message, d->hint ? " Hint: " : "", d->hint ? d->hint : "");
		json_object_object_add(r, "message", text_obj(msg));
		if (d->loc.src != IPE_SRC_NONE)
			json_object_array_add(locs, location(ctx, &d->loc, NULL));
		json_object_object_add(r, "locations", locs);
		if (d->nrelated) {
			json_object *rel = json_object_new_array();

			for (size_t k = 0; k < d->nrelated; k++) {
				json_object *lo = location(ctx, &d->related[k].loc, d->related[k].message);

				json_object_object_add(lo, "id", json_object_new_int64((int64_t)k));
				json_object_array_add(rel, lo);
			}
			json_object_object_add(r, "relatedLocations", rel);
		}
		json_object_array_add(results, r);
	}
	json_object_object_add(run, "results", results);
	json_object_array_add(runs, run);
	json_object_object_add(root, "runs", runs);
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || fputs(s, out) < 0 || fputc('\n', out) < 0)
		rc = -EIO;
	json_object_put(root);
	return rc;
}

/* Workflow command escaping: data %, CR, LF; properties also ':' and ','. */
static void gh_escape(FILE *out, const char *s, bool prop)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '%')
			fputs("%25", out);
		else if (c == '\r')
			fputs("%0D", out);
		else if (c == '\n')
			fputs("%0A", out);
		else if (prop && c == ':')
			fputs("%3A", out);
		else if (prop && c == ',')
			fputs("%2C", out);
		else { /* no raw control byte in the log */
			char e[4];

			fwrite(e, 1, ipe_escape_byte(e, c, true), out);
		}
	}
}

int ipe_report_render_github(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
			     FILE *out)
{
	if (!ctx || !out || (!files && nfiles) || !ipe_report_files_ok(files, nfiles))
		return -EINVAL;
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);
		const struct ipe_source *s = ipe_ctx_source(ctx, d->loc.src);
		const char *cmd = d->severity == IPE_SEV_ERROR ? "error" : d->severity == IPE_SEV_WARNING ? "warning" : "notice";

		fprintf(out, "::%s ", cmd);
		if (s) {
			fputs("file=", out);
			gh_escape(out, s->name, true);
			fprintf(out, ",line=%u,col=%u", d->loc.line, d->loc.col);
			if (d->loc.len)
				fprintf(out, ",endColumn=%u", d->loc.col + d->loc.len);
			fputc(',', out);
		}
		fputs("title=", out);
		gh_escape(out, d->code, true);
		fputs("::", out);
		gh_escape(out, d->message, false);
		if (d->hint) {
			fputs(" (hint: ", out);
			gh_escape(out, d->hint, false);
			fputc(')', out);
		}
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
