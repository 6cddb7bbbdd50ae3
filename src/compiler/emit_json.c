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

/*
 * Values that repeat from one finding to the next (a code, a severity, an
 * errno, the file name, small numbers, an empty list of notes) are made
 * once per report and shared: json-c counts references and writes every
 * use out in full, so the text is the same with half the allocations (a
 * report of thousands of findings).  The cache holds one reference of each.
 */
struct json_cache {
	json_object *ints[256];
	json_object *severity[IPE_SEV_ERROR + 1];
	json_object *no_related;
	const char *code;       /* the last code (a literal) and its string */
	json_object *code_obj;
	int err;                /* the last kernel errno and its name */
	json_object *err_obj;
	uint32_t src;           /* the last source quoted and its file name */
	json_object *src_obj;
};

/* Another reference to a value (NULL stays NULL: a JSON null, as an
 * allocation failure always gave). */
static json_object *ref(json_object *o)
{
	return o ? json_object_get(o) : NULL;
}

static void cache_free(struct json_cache *c)
{
	for (size_t i = 0; i < IPE_ARRAY_SIZE(c->ints); i++)
		json_object_put(c->ints[i]);
	for (size_t i = 0; i < IPE_ARRAY_SIZE(c->severity); i++)
		json_object_put(c->severity[i]);
	json_object_put(c->no_related);
	json_object_put(c->code_obj);
	json_object_put(c->err_obj);
	json_object_put(c->src_obj);
}

static json_object *int_json(struct json_cache *c, uint64_t v)
{
	if (v >= IPE_ARRAY_SIZE(c->ints))
		return json_object_new_int64((int64_t)v);
	if (!c->ints[v])
		c->ints[v] = json_object_new_int64((int64_t)v);
	return ref(c->ints[v]);
}

/* The last code, errno or file name again, else a new one that the cache
 * keeps instead (the previous one lives on through its uses). */
static json_object *code_json(struct json_cache *c, const char *code)
{
	if (!c->code_obj || c->code != code) {
		json_object_put(c->code_obj);
		c->code = code;
		c->code_obj = json_object_new_string(code);
	}
	return ref(c->code_obj);
}

static json_object *errno_json(struct json_cache *c, int err)
{
	if (!c->err_obj || c->err != err) {
		json_object_put(c->err_obj);
		c->err = err;
		c->err_obj = json_object_new_string(ipe_errno_name(err));
	}
	return ref(c->err_obj);
}

static json_object *file_json(struct json_cache *c, uint32_t src, const char *name)
{
	if (!c->src_obj || c->src != src) {
		json_object_put(c->src_obj);
		c->src = src;
		c->src_obj = text_string(name);
	}
	return ref(c->src_obj);
}

static json_object *severity_json(struct json_cache *c, enum ipe_severity sev)
{
	if ((unsigned)sev >= IPE_ARRAY_SIZE(c->severity))
		return json_object_new_string(ipe_severity_name(sev));
	if (!c->severity[sev])
		c->severity[sev] = json_object_new_string(ipe_severity_name(sev));
	return ref(c->severity[sev]);
}

static json_object *loc_json(const struct ipe_ctx *ctx, struct json_cache *c, const struct ipe_loc *loc,
			     bool with_file)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, loc->src);
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (with_file)
		obj_add(o, "file", s ? file_json(c, loc->src, s->name) : NULL);
	obj_add(o, "line", int_json(c, loc->line));
	obj_add(o, "column", int_json(c, loc->col));
	obj_add(o, "length", int_json(c, loc->len));
	obj_add(o, "offset", int_json(c, loc->offset));
	return o;
}

static json_object *diag_json(const struct ipe_ctx *ctx, struct json_cache *c, const struct ipe_diag *d)
{
	json_object *o = json_object_new_object(), *rel;

	if (!o)
		return NULL;
	obj_add(o, "code", code_json(c, d->code));
	obj_add(o, "severity", severity_json(c, d->severity));
	obj_add(o, "message", text_string(d->message));
	obj_add(o, "hint", d->hint ? text_string(d->hint) : NULL);
	obj_add(o, "kernel_errno", d->kernel_errno ? errno_json(c, d->kernel_errno) : NULL);
	obj_add(o, "location", d->loc.src == IPE_SRC_NONE ? NULL : loc_json(ctx, c, &d->loc, true));
	if (!d->nrelated) {
		if (!c->no_related)
			c->no_related = json_object_new_array();
		obj_add(o, "related", ref(c->no_related));
		return o;
	}
	rel = json_object_new_array();
	for (size_t i = 0; rel && i < d->nrelated; i++) {
		json_object *r = json_object_new_object();

		obj_add(r, "message", text_string(d->related[i].message));
		obj_add(r, "location", loc_json(ctx, c, &d->related[i].loc, true));
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
	struct json_cache cache = { 0 };
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
			obj_add(vo, "location", v->err ? loc_json(ctx, &cache, &v->loc, false) : NULL);
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
				json_object_array_add(diags, diag_json(ctx, &cache, d));
		}
		obj_add(fo, "diagnostics", diags);
		json_object_array_add(arr, fo);
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || fputs(s, out) < 0 || fputc('\n', out) < 0)
		rc = -EIO;
	json_object_put(root);
	cache_free(&cache);
	return rc;
}

/* For other modules' JSON (util/internal.h): the same rule for every string. */
json_object *ipe_json_text(const char *t)
{
	return text_string(t);
}
