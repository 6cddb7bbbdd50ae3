/* SPDX-License-Identifier: MIT */
/*
 * The source loader (see loader.h): path resolution, file identity, one read
 * per file, the include limits and their diagnostics.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ipe/compile.h>
#include <ipe/io.h>

#include "source/loader.h"
#include "util/internal.h"
#include "util/opts.h"

/* a file read once, by device and inode */
struct loaded_file {
	dev_t dev;
	ino_t ino;
	uint32_t src;
};

struct ipe_loader {
	struct ipe_ctx *ctx;
	struct ipe_source_opts opts;
	char *root_identity;
	struct loaded_file *files; /* every file read from the file system */
	size_t nfiles, files_cap;
	size_t nincludes;          /* directives read (include, set ... from) */
	size_t include_bytes;      /* bytes they brought in (a file again counts again) */
	bool limit_hit;            /* max_includes / max_include_bytes: reported once */
};

static bool is_stdin(const char *name)
{
	return strcmp(name, "<stdin>") == 0;
}

int ipe_loader_new(struct ipe_ctx *ctx, uint32_t root, const struct ipe_source_opts *opts,
		   struct ipe_loader **ret_loader)
{
	const struct ipe_source *s = ipe_ctx_source(ctx, root);
	struct ipe_loader *ld;

	if (!s || !ret_loader || IPE_OPTS_CHECK(opts, IPE_SOURCE_OPTS_V1))
		return -EINVAL;
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->ctx = ctx;
	if (opts)
		ld->opts = *opts;
	if (!ld->opts.max_include_depth)
		ld->opts.max_include_depth = IPE_INCLUDE_MAX_DEPTH;
	if (!ld->opts.max_file_size)
		ld->opts.max_file_size = IPE_READ_MAX_DEFAULT;
	if (!ld->opts.max_line_rules)
		ld->opts.max_line_rules = IPE_DEFAULT_MAX_LINE_RULES;
	if (!ld->opts.max_rules)
		ld->opts.max_rules = IPE_DEFAULT_MAX_RULES;
	if (!ld->opts.max_includes)
		ld->opts.max_includes = IPE_DEFAULT_MAX_INCLUDES;
	if (!ld->opts.max_include_bytes)
		ld->opts.max_include_bytes = IPE_DEFAULT_MAX_INCLUDE_BYTES;
	if (s->name && !is_stdin(s->name)) {
		/* may stay NULL: a root that is no file cannot be included */
		ld->root_identity = ld->opts.read_file ? strdup(s->name) : realpath(s->name, NULL);
	}
	*ret_loader = ld;
	return 0;
}

void ipe_loader_free(struct ipe_loader *ld)
{
	if (!ld)
		return;
	free(ld->root_identity);
	free(ld->files);
	free(ld);
}

const struct ipe_source_opts *ipe_loader_opts(const struct ipe_loader *ld)
{
	return &ld->opts;
}

int ipe_loader_resolve(const struct ipe_loader *ld, uint32_t from, const char *path, char **ret_resolved)
{
	const struct ipe_source *s = ipe_ctx_source(ld->ctx, from);
	const char *slash;
	char *r;

	if (path[0] == '/' || !s || is_stdin(s->name) || !(slash = strrchr(s->name, '/')))
		r = strdup(path);
	else if (asprintf(&r, "%.*s/%s", (int)(slash - s->name), s->name, path) < 0)
		r = NULL;
	if (!r)
		return -ENOMEM;
	*ret_resolved = r;
	return 0;
}

char *ipe_loader_identity(const struct ipe_loader *ld, const char *resolved)
{
	return ld->opts.read_file ? strdup(resolved) : realpath(resolved, NULL);
}

const char *ipe_loader_root_identity(const struct ipe_loader *ld)
{
	return ld->root_identity;
}

__attribute__((format(printf, 6, 7))) static int fail(struct ipe_loader *ld, const char *code,
						       const struct ipe_loc *at, const char *hint,
						       struct ipe_diag **ret_diag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*ret_diag = ipe_diag_addv(ld->ctx, code, IPE_SEV_ERROR, at, hint, fmt, ap);
	va_end(ap);
	return *ret_diag ? -EBADMSG : -ENOMEM;
}

static int cannot_read(struct ipe_loader *ld, const char *path, const struct ipe_loc *at, const char *what,
		       int err, struct ipe_diag **ret_diag)
{
	return fail(ld, "IPE-E100", at, "paths are relative to the directory of the file that names them", ret_diag,
		    "cannot read %s '%s': %s", what, path, err == -EFBIG ? "file too large" : strerror(-err));
}

static int too_many_bytes(struct ipe_loader *ld, const char *path, const struct ipe_loc *at, const char *what,
			  struct ipe_diag **ret_diag)
{
	ld->limit_hit = true;
	return fail(ld, "IPE-E104", at, "raise the limit with ipe-compile --max-include-bytes=N", ret_diag,
		    "%s '%s' would take the bytes read through include and 'set ... from' past %zu in total: "
		    "it and the ones after it not read",
		    what, path, ld->opts.max_include_bytes);
}

/* Through the caller's file table (ipe_source_opts.read_file). */
static int load_hooked(struct ipe_loader *ld, const char *path, const struct ipe_loc *at, const char *what,
		       uint32_t *ret_src, struct ipe_diag **ret_diag)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	rc = ld->opts.read_file(ld->opts.read_file_arg, path, &data, &len);
	if (!rc && len > ld->opts.max_file_size)
		rc = -EFBIG;
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		free(data);
		return cannot_read(ld, path, at, what, rc, ret_diag);
	}
	if (len > ld->opts.max_include_bytes - ld->include_bytes) {
		free(data);
		return too_many_bytes(ld, path, at, what, ret_diag);
	}
	ld->include_bytes += len;
	rc = ipe_source_from_memory(ld->ctx, path, data, len, true, ret_src);
	free(data);
	return rc;
}

int ipe_loader_load(struct ipe_loader *ld, const char *path, const struct ipe_loc *at, const char *what,
		    uint32_t *ret_src, struct ipe_diag **ret_diag)
{
	struct stat st = { 0 };
	size_t len;
	int rc;

	*ret_diag = NULL;
	if (ld->limit_hit)
		return -EBADMSG; /* reported once */
	if (++ld->nincludes > ld->opts.max_includes) {
		ld->limit_hit = true;
		return fail(ld, "IPE-E103", at,
			    "include common files once at the top; or raise the limit (ipe-compile --max-includes=N)",
			    ret_diag,
			    "more than %zu include and 'set ... from' directives: %s '%s' and the ones after it not read",
			    ld->opts.max_includes, what, path);
	}
	if (ld->opts.read_file)
		return load_hooked(ld, path, at, what, ret_src, ret_diag);
	/* the same file again (by inode): no second read, no second copy */
	if (stat(path, &st) < 0)
		st.st_mode = 0;
	if (S_ISREG(st.st_mode)) {
		for (size_t i = 0; i < ld->nfiles; i++)
			if (ld->files[i].dev == st.st_dev && ld->files[i].ino == st.st_ino) {
				len = ipe_ctx_source(ld->ctx, ld->files[i].src)->len;
				if (len > ld->opts.max_include_bytes - ld->include_bytes)
					return too_many_bytes(ld, path, at, what, ret_diag);
				ld->include_bytes += len;
				*ret_src = ld->files[i].src;
				return 0;
			}
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > ld->opts.max_include_bytes - ld->include_bytes)
		return too_many_bytes(ld, path, at, what, ret_diag);
	/* the source owns the buffer it was read into: one copy of each file */
	rc = ipe_source_from_file_max(ld->ctx, path, ld->opts.max_file_size, ret_src);
	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return cannot_read(ld, path, at, what, rc, ret_diag);
	len = ipe_ctx_source(ld->ctx, *ret_src)->len;
	if (len > ld->opts.max_include_bytes - ld->include_bytes)
		return too_many_bytes(ld, path, at, what, ret_diag);
	ld->include_bytes += len;
	if (S_ISREG(st.st_mode)) {
		if (ipe_vec_reserve((void **)&ld->files, &ld->files_cap, ld->nfiles + 1, sizeof(*ld->files)))
			return -ENOMEM;
		ld->files[ld->nfiles++] = (struct loaded_file){ .dev = st.st_dev, .ino = st.st_ino, .src = *ret_src };
	}
	return 0;
}
