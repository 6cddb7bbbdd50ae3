/* SPDX-License-Identifier: MIT */
/* JSON report of verdicts and diagnostics (json-c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <ipe/report.h>

#include "compiler/model.h"
#include "util/internal.h"
#include "util/opts.h"

/*
 * Add a member under a literal key, each key once per object: json-c then
 * neither copies the key nor looks for an earlier member of that name.
 */
static void obj_add(json_object *o, const char *literal_key, json_object *v)
{
	json_object_object_add_ex(o, literal_key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

/* Bytes outside printable ASCII as \xNN, so the JSON stays valid UTF-8. */
json_object *ipe_json_escaped(const char *t, size_t len)
{
	json_object *o;
	char *buf = malloc(len * 4 + 1);
	size_t n;

	if (!buf)
		return NULL;
	n = ipe_escape_bytes(buf, len * 4 + 1, t, len);
	o = json_object_new_string_len(buf, (int)n);
	free(buf);
	return o;
}

/* Length of the valid UTF-8 sequence at s (1-4), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t need;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* A message as a JSON string: valid UTF-8 kept, any other byte as \xNN. */
static json_object *text_string(const char *t)
{
	const unsigned char *s = (const unsigned char *)t;
	size_t len = strlen(t), n = 0;
	json_object *o;
	char *buf;

	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(s + i, len - i);

		if (!k)
			break;
		i += k;
		if (i == len)
			return json_object_new_string(t);
	}
	if (len == 0)
		return json_object_new_string(t);
	buf = malloc(len * 4 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(s + i, len - i);

		if (k) {
			memcpy(buf + n, s + i, k);
			n += k;
			i += k;
		} else {
			n += ipe_escape_byte(buf + n, s[i], false);
			i++;
		}
	}
	o = json_object_new_string_len(buf, (int)n);
	free(buf);
	return o;
}

static json_object *hex_string(const char *t, size_t len)
{
	json_object *o;
	char *buf = malloc(len * 2 + 1);

	if (!buf)
		return NULL;
	ipe_hex_encode(buf, t, len);
	o = json_object_new_string_len(buf, (int)(2 * len));
	free(buf);
	return o;
}

static json_object *loc_json(const struct ipe_ctx *ctx, const struct ipe_loc *loc, bool with_file)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, loc->src);
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (with_file)
		obj_add(o, "file", s ? text_string(s->name) : NULL);
	obj_add(o, "line", json_object_new_int64(loc->line));
	obj_add(o, "column", json_object_new_int64(loc->col));
	obj_add(o, "length", json_object_new_int64(loc->len));
	obj_add(o, "offset", json_object_new_int64(loc->offset));
	return o;
}

static json_object *diag_json(const struct ipe_ctx *ctx, const struct ipe_diag *d)
{
	json_object *o = json_object_new_object(), *rel;

	if (!o)
		return NULL;
	obj_add(o, "code", json_object_new_string(d->code));
	obj_add(o, "severity", json_object_new_string(ipe_severity_name(d->severity)));
	obj_add(o, "message", text_string(d->message));
	obj_add(o, "hint", d->hint ? text_string(d->hint) : NULL);
	obj_add(o, "kernel_errno",
			       d->kernel_errno ? json_object_new_string(ipe_errno_name(d->kernel_errno)) : NULL);
	obj_add(o, "location", d->loc.src == IPE_SRC_NONE ? NULL : loc_json(ctx, &d->loc, true));
	rel = json_object_new_array();
	for (size_t i = 0; rel && i < d->nrelated; i++) {
		json_object *r = json_object_new_object();

		obj_add(r, "message", text_string(d->related[i].message));
		obj_add(r, "location", loc_json(ctx, &d->related[i].loc, true));
		json_object_array_add(rel, r);
	}
	obj_add(o, "related", rel);
	return o;
}

bool ipe_report_files_ok(const struct ipe_report_file *files, size_t nfiles)
{
	for (size_t i = 0; i < nfiles; i++)
		if (IPE_RESERVED_CHECK(&files[i]))
			return false;
	return true;
}

int ipe_report_render_json(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
			   FILE *out)
{
	json_object *root, *arr;
	const char *s;
	int rc = 0;

	if (!ctx || (!files && nfiles) || !out || !ipe_report_files_ok(files, nfiles))
		return -EINVAL;
	root = json_object_new_object();
	arr = json_object_new_array();
	if (!root || !arr) {
		json_object_put(root);
		json_object_put(arr);
		return -ENOMEM;
	}
	obj_add(root, "schema", json_object_new_string(IPE_REPORT_SCHEMA));
	obj_add(root, "files", arr);
	for (size_t i = 0; i < nfiles; i++) {
		const struct ipe_report_file *f = &files[i];
		json_object *fo = json_object_new_object(), *diags = json_object_new_array();

		obj_add(fo, "file", text_string(f->path));
		obj_add(fo, "readable", json_object_new_boolean(f->read_error == 0));
		if (f->read_error) {
			char buf[128];

			snprintf(buf, sizeof(buf), "%s", ipe_errno_name(f->read_error) ? ipe_errno_name(f->read_error)
											: "EIO");
			obj_add(fo, "error", json_object_new_string(buf));
		}
		if (f->policy) {
			const struct ipe_verdict *v = &f->policy->verdict;
			json_object *vo = json_object_new_object();

			obj_add(vo, "accepted", json_object_new_boolean(v->err == 0));
			obj_add(vo, "errno", v->err ? json_object_new_string(ipe_errno_name(v->err)) : NULL);
			obj_add(vo, "code", v->code ? json_object_new_string(v->code) : NULL);
			obj_add(vo, "location", v->err ? loc_json(ctx, &v->loc, false) : NULL);
			obj_add(fo, "kernel_verdict", vo);
			if (f->policy->has_header) {
				json_object *po = json_object_new_object();
				char ver[32];

				snprintf(ver, sizeof(ver), "%u.%u.%u", f->policy->version[0], f->policy->version[1],
					 f->policy->version[2]);
				obj_add(po, "name", ipe_json_escaped(f->policy->name, f->policy->name_len));
				obj_add(po, "name_hex", hex_string(f->policy->name, f->policy->name_len));
				obj_add(po, "version", json_object_new_string(ver));
				obj_add(po, "rules", json_object_new_int64((int64_t)f->policy->nrules));
				obj_add(fo, "policy", po);
			}
		} else {
			obj_add(fo, "kernel_verdict", NULL);
		}
		/* the file's own source and the sources read for it (included
		 * files, digest lists): registered after it, before the next file */
		uint32_t end = IPE_SRC_NONE;

		for (size_t j = 0; j < nfiles; j++)
			if (files[j].src != IPE_SRC_NONE && files[j].src > f->src && files[j].src < end)
				end = files[j].src;
		for (size_t k = 0; k < ipe_ctx_diag_count(ctx); k++) {
			const struct ipe_diag *d = ipe_ctx_diag(ctx, k);

			if (f->src != IPE_SRC_NONE && d->loc.src != IPE_SRC_NONE && d->loc.src >= f->src && d->loc.src < end)
				json_object_array_add(diags, diag_json(ctx, d));
		}
		obj_add(fo, "diagnostics", diags);
		json_object_array_add(arr, fo);
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || fputs(s, out) < 0 || fputc('\n', out) < 0)
		rc = -EIO;
	json_object_put(root);
	return rc;
}

/* For other modules' JSON (util/internal.h): the same rule for every string. */
json_object *ipe_json_text(const char *t)
{
	return text_string(t);
}
