/* SPDX-License-Identifier: MIT */
/* ipectl: reading the IPE securityfs tree, and the one-write primitive. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <ipe/diag.h>
#include <ipe/io.h>

#include "ctl-internal.h"

char *ctl_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

char *ctl_escape(const char *s)
{
	size_t n;
	char *out;

	if (!s)
		return NULL;
	n = strlen(s);
	out = malloc(4 * n + 1);
	if (out)
		ipe_escape_bytes(out, 4 * n + 1, s, n);
	return out;
}

char *ctl_path(const char *root, const char *rel1, const char *rel2, const char *rel3)
{
	return ctl_strdup_printf("%s/ipe%s%s%s%s%s%s", root ? root : IPE_CTL_DEFAULT_SECURITYFS,
				 rel1 ? "/" : "", rel1 ? rel1 : "", rel2 ? "/" : "", rel2 ? rel2 : "",
				 rel3 ? "/" : "", rel3 ? rel3 : "");
}

int ctl_sha256(const void *data, size_t len, uint8_t out[IPE_CTL_DIGEST_LEN])
{
	unsigned int olen = 0;

	if (!EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL) || olen != IPE_CTL_DIGEST_LEN)
		return -EIO;
	return 0;
}

/* Open a securityfs node without ever blocking: a FIFO (or a device) put in
 * the tree would otherwise hang every command at open().  Only regular files
 * (what securityfs creates) are accepted: -ENOTSUP for anything else. */
static int open_node(const char *path, int flags)
{
	struct stat st;
	int fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int rc = S_ISDIR(st.st_mode) ? -EISDIR : -ENOTSUP;

		close(fd);
		return rc;
	}
	/* securityfs ignores O_NONBLOCK; drop it anyway so a write is whole */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

int ctl_read_all(const char *path, size_t max, uint8_t **ret_data, size_t *ret_len)
{
	/* securityfs nodes report no useful size: ipe_read_fd() reads to EOF, at most max */
	int fd, rc;

	fd = open_node(path, O_RDONLY);
	if (fd < 0)
		return fd;
	rc = ipe_read_fd(fd, max, ret_data, ret_len);
	close(fd);
	return rc;
}

int ctl_write_once(const char *path, const void *data, size_t len, enum ipe_ctl_stage *ret_stage,
		   size_t *ret_written)
{
	int fd, rc = 0;
	ssize_t n;

	*ret_stage = IPE_CTL_STAGE_OPEN;
	*ret_written = 0;
	/* No O_CREAT: a missing node is an error, never a new regular file;
	 * never blocking on a FIFO. */
	fd = open_node(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return fd;
	*ret_stage = IPE_CTL_STAGE_WRITE;
	/* The kernel parses each write() on its own: the whole blob must go
	 * in one call.  EINTR before anything was accepted is safe to retry. */
	do {
		n = write(fd, data, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*ret_written = (size_t)n;
	if ((size_t)n != len)
		rc = -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* A small node: "1"/"0" (with optional newline). */
static int read_bool_node(const char *path, int *ret_val)
{
	uint8_t *d = NULL;
	size_t n = 0;
	int rc = ctl_read_all(path, 64, &d, &n);

	if (rc)
		return rc;
	if (n > 0 && d[n - 1] == '\n')
		n--;
	if (n == 1 && (d[0] == '0' || d[0] == '1'))
		*ret_val = d[0] == '1';
	else
		rc = -EBADMSG;
	free(d);
	return rc;
}

static int cmp_policy(const void *a, const void *b)
{
	const struct ipe_ctl_policy *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void note_err(struct ipe_ctl_policy *p, int rc)
{
	if (rc < 0 && !p->read_err)
		p->read_err = -rc;
}

static int read_policy_entry(const char *root, struct ipe_ctl_policy *p)
{
	char *path = NULL;
	uint8_t *d = NULL;
	size_t n = 0;
	int rc;

	p->active = -1;
	path = ctl_path(root, "policies", p->name, "version");
	if (!path)
		return -ENOMEM;
	rc = ctl_read_all(path, 64, &d, &n);
	if (rc == 0) {
		rc = ipe_ctl_version_parse((const char *)d, n, p->version);
		p->version_known = rc == 0;
		if (rc)
			rc = -EBADMSG;
	}
	note_err(p, rc);
	free(d);
	d = NULL;
	free(path);

	path = ctl_path(root, "policies", p->name, "active");
	if (!path)
		return -ENOMEM;
	rc = read_bool_node(path, &p->active);
	if (rc)
		p->active = -1;
	if (rc && rc != -EACCES) /* 0600: unreadable without root, not an error */
		note_err(p, rc);
	free(path);

	path = ctl_path(root, "policies", p->name, "pkcs7");
	if (!path)
		return -ENOMEM;
	rc = ctl_read_all(path, 1u << 24, &d, &n);
	if (rc == 0) {
		p->is_signed = true;
		p->pkcs7_len = n;
		rc = ctl_sha256(d, n, p->digest);
	} else if (rc == -ENOENT) {
		rc = 0; /* the boot policy has no pkcs7 */
	}
	note_err(p, rc);
	free(d);
	free(path);
	return rc == -ENOMEM ? rc : 0;
}

static int read_lsm(struct ipe_ctl_status *st)
{
	char *path = ctl_strdup_printf("%s/lsm", st->root);
	uint8_t *d = NULL;
	char *save = NULL;
	size_t n = 0;
	int rc;

	if (!path)
		return -ENOMEM;
	rc = ctl_read_all(path, 4096, &d, &n);
	free(path);
	if (rc)
		return rc == -ENOMEM ? rc : 0;
	st->lsm_known = true;
	for (char *tok = strtok_r((char *)d, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (strcmp(tok, "ipe") == 0)
			st->lsm_listed = true;
	free(d);
	return 0;
}

int ipe_ctl_status_read(const char *root, struct ipe_ctl_status **ret_status)
{
	struct ipe_ctl_status *st;
	char *path = NULL;
	DIR *dir = NULL;
	struct dirent *de;
	struct stat sb;
	size_t cap = 0;
	int rc = 0;

	if (!ret_status)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->enforce = st->success_audit = -1;
	st->active = -1;
	st->root = strdup(root ? root : IPE_CTL_DEFAULT_SECURITYFS);
	if (!st->root) {
		rc = -ENOMEM;
		goto out;
	}
	rc = read_lsm(st);
	if (rc)
		goto out;
	path = ctl_path(st->root, NULL, NULL, NULL);
	if (!path) {
		rc = -ENOMEM;
		goto out;
	}
	st->tree_present = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
	free(path);
	path = NULL;
	if (!st->tree_present)
		goto done;

	path = ctl_path(st->root, "enforce", NULL, NULL);
	if (!path) {
		rc = -ENOMEM;
		goto out;
	}
	rc = read_bool_node(path, &st->enforce);
	if (rc) {
		st->enforce = -1;
		st->enforce_err = -rc;
	}
	free(path);
	path = ctl_path(st->root, "success_audit", NULL, NULL);
	if (!path) {
		rc = -ENOMEM;
		goto out;
	}
	rc = read_bool_node(path, &st->success_audit);
	if (rc) {
		st->success_audit = -1;
		st->audit_err = -rc;
	}
	free(path);
	rc = 0;

	path = ctl_path(st->root, "policies", NULL, NULL);
	if (!path) {
		rc = -ENOMEM;
		goto out;
	}
	dir = opendir(path);
	if (!dir)
		goto done;
	while ((de = readdir(dir))) {
		struct ipe_ctl_policy *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (st->npolicies == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct ipe_ctl_policy *np = realloc(st->policies, ncap * sizeof(*np));

			if (!np) {
				rc = -ENOMEM;
				goto out;
			}
			st->policies = np;
			cap = ncap;
		}
		p = &st->policies[st->npolicies];
		memset(p, 0, sizeof(*p));
		p->name = strdup(de->d_name);
		if (!p->name) {
			rc = -ENOMEM;
			goto out;
		}
		st->npolicies++;
		rc = read_policy_entry(st->root, p);
		if (rc)
			goto out;
	}
	if (st->npolicies > 1)
		qsort(st->policies, st->npolicies, sizeof(*st->policies), cmp_policy);
done:
	st->active_known = st->tree_present;
	for (size_t i = 0; i < st->npolicies; i++) {
		if (st->policies[i].active < 0)
			st->active_known = false;
		else if (st->policies[i].active == 1)
			st->active = (long)i;
	}
out:
	if (dir)
		closedir(dir);
	free(path);
	if (rc) {
		ipe_ctl_status_free(st);
		return rc;
	}
	*ret_status = st;
	return 0;
}

void ipe_ctl_status_free(struct ipe_ctl_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->npolicies; i++)
		free(st->policies[i].name);
	free(st->policies);
	free(st->root);
	free(st);
}

const struct ipe_ctl_policy *ipe_ctl_status_find(const struct ipe_ctl_status *st, const char *name)
{
	if (!st || !name)
		return NULL;
	for (size_t i = 0; i < st->npolicies; i++)
		if (strcmp(st->policies[i].name, name) == 0)
			return &st->policies[i];
	return NULL;
}

const struct ipe_ctl_policy *ipe_ctl_status_active(const struct ipe_ctl_status *st)
{
	if (!st || st->active < 0 || (size_t)st->active >= st->npolicies)
		return NULL;
	return &st->policies[st->active];
}
