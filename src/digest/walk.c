/* SPDX-License-Identifier: MIT */
/* A deterministic walk of files and directory trees. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ipe/digest.h>

#include "digest/digest-internal.h"
#include "util/internal.h"

/* (dev, ino) of inodes with more than one link already listed */
struct inode_set {
	struct inode_key { dev_t dev; ino_t ino; } *slot;
	uint8_t *used;
	size_t n, cap; /* cap: power of two */
};

struct walk {
	const struct ipe_walk_params *wp;
	struct ipe_digest_list *l;
	struct inode_set links;
	struct inode_key *stack; /* directories being walked (symlink loops) */
	size_t depth, stack_cap;
};

static size_t inode_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h ^ (h >> 29));
}

/* 1: inserted, 0: already present, <0: error */
static int inode_set_add(struct inode_set *s, dev_t dev, ino_t ino)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct inode_key *ns = calloc(ncap, sizeof(*ns));
		uint8_t *nu = calloc(ncap, 1);

		if (!ns || !nu) {
			free(ns);
			free(nu);
			return -ENOMEM;
		}
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->used[k])
				continue;
			i = inode_hash(s->slot[k].dev, s->slot[k].ino) & (ncap - 1);
			while (nu[i])
				i = (i + 1) & (ncap - 1);
			nu[i] = 1;
			ns[i] = s->slot[k];
		}
		free(s->slot);
		free(s->used);
		s->slot = ns;
		s->used = nu;
		s->cap = ncap;
	}
	i = inode_hash(dev, ino) & (s->cap - 1);
	while (s->used[i]) {
		if (s->slot[i].dev == dev && s->slot[i].ino == ino)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->used[i] = 1;
	s->slot[i].dev = dev;
	s->slot[i].ino = ino;
	s->n++;
	return 1;
}

static int add_entry(struct walk *w, const char *path, enum ipe_digest_status status, int err,
		     const char *reason, const struct stat *st)
{
	struct ipe_digest_list *l = w->l;
	struct ipe_digest_entry *e;
	int rc;

	if (status == IPE_DIGEST_SKIPPED && (w->wp->flags & IPE_WALK_NO_SKIPPED))
		return 0;
	if (w->wp->max_entries && l->n >= w->wp->max_entries)
		return -E2BIG;
	rc = ipe_vec_reserve((void **)&l->e, &l->cap, l->n + 1, sizeof(*l->e));
	if (rc < 0)
		return rc;
	e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	e->status = status;
	e->err = err;
	e->reason = reason;
	if (st) {
		e->dev = st->st_dev;
		e->ino = st->st_ino;
		e->mode = st->st_mode;
		e->size = (uint64_t)st->st_size;
	}
	l->n++;
	return 0;
}

static const char *special_reason(mode_t m)
{
	if (S_ISFIFO(m))
		return "FIFO skipped (not a regular file)";
	if (S_ISSOCK(m))
		return "socket skipped (not a regular file)";
	if (S_ISCHR(m))
		return "character device skipped (not a regular file)";
	if (S_ISBLK(m))
		return "block device skipped (not a regular file)";
	return "special file skipped (not a regular file)";
}

/* ELF, or "#!" with an exec bit.  ELF needs no exec bit: shared libraries are
 * mapped executable (IPE's EXECUTE) without one. -1: could not read. */
static int is_executable(const char *path, const struct stat *st)
{
	unsigned char m[4];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	do
		n = pread(fd, m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	if (n == 4 && memcmp(m, "\x7f" "ELF", 4) == 0)
		return 1;
	if (n >= 2 && m[0] == '#' && m[1] == '!' && (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return 1;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_path(struct walk *w, const char *path, bool top);

static int walk_dir(struct walk *w, const char *path, const struct stat *st, bool follow)
{
	struct stat dst;
	char **names = NULL, *child = NULL;
	size_t n = 0, cap = 0, plen = strlen(path);
	struct dirent *de;
	DIR *d = NULL;
	int fd, rc = 0;

	for (size_t i = 0; i < w->depth; i++)
		if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
			return add_entry(w, path, IPE_DIGEST_FAILED, -ELOOP,
					 "symlink loop: this directory contains itself", st);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY |
			(follow ? 0 : O_NOFOLLOW));
	if (fd >= 0 && (fstat(fd, &dst) < 0 || dst.st_dev != st->st_dev || dst.st_ino != st->st_ino)) {
		close(fd);
		return add_entry(w, path, IPE_DIGEST_FAILED, -ESTALE, "directory replaced during the walk", st);
	}
	if (fd < 0 || !(d = fdopendir(fd))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return add_entry(w, path, IPE_DIGEST_FAILED, -e, "cannot open directory", st);
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				rc = add_entry(w, path, IPE_DIGEST_FAILED, -errno, "cannot read directory", st);
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = ipe_vec_reserve((void **)&names, &cap, n + 1, sizeof(*names));
		if (rc < 0)
			goto out;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = -ENOMEM;
			goto out;
		}
		n++;
	}
	closedir(d);
	d = NULL;
	qsort(names, n, sizeof(*names), cmp_names);

	rc = ipe_vec_reserve((void **)&w->stack, &w->stack_cap, w->depth + 1, sizeof(*w->stack));
	if (rc < 0)
		goto out;
	w->stack[w->depth].dev = st->st_dev;
	w->stack[w->depth].ino = st->st_ino;
	w->depth++;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t clen = strlen(names[i]);
		bool slash = plen > 0 && path[plen - 1] == '/';

		free(child);
		child = malloc(plen + 1 + clen + 1);
		if (!child) {
			rc = -ENOMEM;
			break;
		}
		memcpy(child, path, plen);
		if (!slash)
			child[plen] = '/';
		memcpy(child + plen + !slash, names[i], clen + 1);
		rc = walk_path(w, child, false);
	}
	w->depth--;
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(child);
	return rc;
}

static int walk_path(struct walk *w, const char *path, bool top)
{
	bool follow = top || (w->wp->flags & IPE_WALK_FOLLOW);
	struct stat st;
	int rc;

	if (!follow) {
		if (lstat(path, &st) < 0)
			return add_entry(w, path, IPE_DIGEST_FAILED, -errno, NULL, NULL);
		if (S_ISLNK(st.st_mode))
			return add_entry(w, path, IPE_DIGEST_SKIPPED, 0,
					 "symbolic link not followed (use --follow)", &st);
	} else if (stat(path, &st) < 0) {
		int e = errno;

		return add_entry(w, path, IPE_DIGEST_FAILED, -e,
				 e == ELOOP ? "symlink loop" : NULL, NULL);
	}
	if (S_ISDIR(st.st_mode)) {
		if (!(w->wp->flags & IPE_WALK_RECURSIVE))
			return add_entry(w, path, IPE_DIGEST_FAILED, -EISDIR,
					 "is a directory (use --recursive)", &st);
		return walk_dir(w, path, &st, follow);
	}
	if (!S_ISREG(st.st_mode))
		return add_entry(w, path, IPE_DIGEST_SKIPPED, 0, special_reason(st.st_mode), &st);
	/* with --follow a symlink can reach a file listed already */
	if (st.st_nlink > 1 || (w->wp->flags & IPE_WALK_FOLLOW)) {
		rc = inode_set_add(&w->links, st.st_dev, st.st_ino);
		if (rc <= 0)
			return rc; /* 0: another link to this inode is listed */
	}
	if (w->wp->flags & IPE_WALK_EXEC_ONLY) {
		rc = is_executable(path, &st);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return add_entry(w, path, IPE_DIGEST_FAILED, rc, NULL, &st);
	}
	return add_entry(w, path, IPE_DIGEST_PENDING, 0, NULL, &st);
}

int ipe_walk(const char *const *paths, size_t npaths, const struct ipe_walk_params *wp,
	     struct ipe_digest_list **ret_list)
{
	const uint32_t known = IPE_WALK_RECURSIVE | IPE_WALK_FOLLOW | IPE_WALK_EXEC_ONLY | IPE_WALK_NO_SKIPPED;
	struct walk w = { .wp = wp };
	int rc = 0;

	if ((!paths && npaths) || !wp || !ret_list || wp->version != IPE_WALK_PARAMS_V1 ||
	    (wp->flags & ~known))
		return -EINVAL;
	for (size_t i = 0; i < IPE_ARRAY_SIZE(wp->reserved); i++)
		if (wp->reserved[i])
			return -EINVAL;
	w.l = calloc(1, sizeof(*w.l));
	if (!w.l)
		return -ENOMEM;
	for (size_t i = 0; i < npaths && rc == 0; i++) {
		if (!paths[i] || !paths[i][0])
			rc = add_entry(&w, paths[i] ? paths[i] : "", IPE_DIGEST_FAILED, -ENOENT,
				       "empty path", NULL);
		else
			rc = walk_path(&w, paths[i], true);
	}
	free(w.links.slot);
	free(w.links.used);
	free(w.stack);
	if (rc < 0) {
		ipe_digest_list_free(w.l);
		return rc;
	}
	*ret_list = w.l;
	return 0;
}

void ipe_digest_list_free(struct ipe_digest_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
	free(l);
}

size_t ipe_digest_list_count(const struct ipe_digest_list *l)
{
	return l ? l->n : 0;
}

const struct ipe_digest_entry *ipe_digest_list_entry(const struct ipe_digest_list *l, size_t i)
{
	return l && i < l->n ? &l->e[i] : NULL;
}

size_t ipe_digest_list_count_status(const struct ipe_digest_list *l, enum ipe_digest_status s)
{
	size_t c = 0;

	for (size_t i = 0; l && i < l->n; i++)
		c += l->e[i].status == s;
	return c;
}
