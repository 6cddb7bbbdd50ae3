/* SPDX-License-Identifier: MIT */
/* A deterministic walk of files and directory trees. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ipe/digest.h>

#include "digest/digest-internal.h"
#include "util/internal.h"

/* at most this many directories stay open between the walk and the hashing */
#define MAX_KEPT_DIRS 4096u

/* (dev, ino) of inodes with more than one link already listed */
struct inode_set {
	struct inode_key { dev_t dev; ino_t ino; } *keys;
	size_t n, cap;
	struct ipe_hmap index; /* hash of (dev, ino) -> index into keys */
};

struct walk {
	const struct ipe_walk_params *wp;
	struct ipe_digest_list *l;
	struct inode_set links;
	struct inode_key *stack; /* directories being walked (symlink loops) */
	size_t depth, stack_cap;
};

static void inode_set_free(struct inode_set *s)
{
	free(s->keys);
	ipe_hmap_free(&s->index);
}

static bool inode_key_eq(const void *entry, const void *key)
{
	const struct inode_key *a = entry, *b = key;

	return a->dev == b->dev && a->ino == b->ino;
}

/* 1: inserted, 0: already present, <0: error */
static int inode_set_add(struct inode_set *s, dev_t dev, ino_t ino)
{
	struct inode_key k = { .dev = dev, .ino = ino };
	size_t at = 0;
	int rc = ipe_hmap_intern(&s->index, ipe_hash_mix((uint64_t)ino ^ ipe_hash_mix((uint64_t)dev)),
				 (void **)&s->keys, &s->n, &s->cap, sizeof(*s->keys), SIZE_MAX, inode_key_eq, &k, &at);

	if (rc == 1)
		s->keys[at] = k;
	return rc;
}

/* Append an entry (loc: where a PENDING file is, NULL for the others).  When
 * the hashing runs during the walk, the list grows under its lock, and
 * waiting hashing threads are woken for each file. */
static int add_entry_at(struct walk *w, const char *path, enum ipe_digest_status status, int err,
			const char *reason, const struct stat *st, const struct ipe_digest_loc *loc)
{
	struct ipe_digest_list *l = w->l;
	struct ipe_digest_entry *e;
	char *copy;
	int rc;

	if (status == IPE_DIGEST_SKIPPED && (w->wp->flags & IPE_WALK_NO_SKIPPED))
		return 0;
	if (w->wp->max_entries && l->n >= w->wp->max_entries)
		return -E2BIG;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (l->sync)
		pthread_mutex_lock(&l->sync->mu);
	rc = ipe_vec_reserve((void **)&l->e, &l->cap, l->n + 1, sizeof(*l->e));
	if (rc == 0)
		rc = ipe_vec_reserve((void **)&l->loc, &l->loc_cap, l->n + 1, sizeof(*l->loc));
	if (rc == 0) {
		e = &l->e[l->n];
		memset(e, 0, sizeof(*e));
		e->path = copy;
		e->status = status;
		e->err = err;
		e->reason = reason;
		if (st) {
			e->dev = st->st_dev;
			e->ino = st->st_ino;
			e->mode = st->st_mode;
			e->size = (uint64_t)st->st_size;
		}
		l->loc[l->n] = loc ? *loc : (struct ipe_digest_loc){ .dir = -1 };
		l->n++;
	}
	if (l->sync) {
		if (rc == 0 && status == IPE_DIGEST_PENDING)
			pthread_cond_signal(&l->sync->cv);
		pthread_mutex_unlock(&l->sync->mu);
	}
	if (rc < 0)
		free(copy);
	return rc;
}

static int add_entry(struct walk *w, const char *path, enum ipe_digest_status status, int err,
		     const char *reason, const struct stat *st)
{
	return add_entry_at(w, path, status, err, reason, st, NULL);
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
static int is_executable(int dirfd, const char *name, const struct stat *st, bool follow)
{
	unsigned char m[4];
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));

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

static int cmp_names(const void *a, const void *b, void *pool)
{
	return strcmp((const char *)pool + *(const size_t *)a, (const char *)pool + *(const size_t *)b);
}

/* A directory's entry names, sorted: one buffer of NUL-terminated names,
 * each after a byte with its d_type. */
struct names {
	char *pool;
	size_t *off;
	size_t n, pool_len, pool_cap, off_cap, max_len;
};

static int read_names(int fd, struct names *nm)
{
	struct dirent *de;
	DIR *d;
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* closedir closes its own copy */

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		int e = errno;

		close(dfd);
		return -e;
	}
	for (;;) {
		size_t len;
		int rc;

		errno = 0;
		de = readdir(d);
		if (!de) {
			rc = -errno;
			closedir(d);
			if (rc < 0)
				return rc;
			break;
		}
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		len = strlen(de->d_name);
		rc = ipe_vec_reserve((void **)&nm->pool, &nm->pool_cap, nm->pool_len + len + 2, 1);
		if (rc == 0)
			rc = ipe_vec_reserve((void **)&nm->off, &nm->off_cap, nm->n + 1, sizeof(*nm->off));
		if (rc < 0) {
			closedir(d);
			return rc;
		}
		nm->pool[nm->pool_len++] = (char)de->d_type; /* the byte before the name */
		memcpy(nm->pool + nm->pool_len, de->d_name, len + 1);
		nm->off[nm->n++] = nm->pool_len;
		nm->pool_len += len + 1;
		if (len > nm->max_len)
			nm->max_len = len;
	}
	qsort_r(nm->off, nm->n, sizeof(*nm->off), cmp_names, nm->pool);
	return 0;
}

static int walk_path(struct walk *w, int dirfd, int32_t dir, const char *name, const char *path, bool top,
		     unsigned char dtype);

static int walk_dir(struct walk *w, int parent, const char *name, const char *path, const struct stat *st,
		    bool follow)
{
	struct names nm = { 0 };
	struct stat dst;
	char *child = NULL;
	size_t plen = strlen(path), off;
	int32_t keep = -1;
	int fd, rc = 0;

	for (size_t i = 0; i < w->depth; i++)
		if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
			return add_entry(w, path, IPE_DIGEST_FAILED, -ELOOP,
					 "symlink loop: this directory contains itself", st);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return add_entry(w, path, IPE_DIGEST_FAILED, -errno, "cannot open directory", st);
	if (fstat(fd, &dst) < 0 || dst.st_dev != st->st_dev || dst.st_ino != st->st_ino) {
		close(fd);
		return add_entry(w, path, IPE_DIGEST_FAILED, -ESTALE, "directory replaced during the walk", st);
	}
	rc = read_names(fd, &nm);
	if (rc < 0 && rc != -ENOMEM) {
		rc = add_entry(w, path, IPE_DIGEST_FAILED, rc, "cannot read directory", st);
		goto out;
	}
	if (rc < 0)
		goto out;

	rc = ipe_vec_reserve((void **)&w->stack, &w->stack_cap, w->depth + 1, sizeof(*w->stack));
	if (rc < 0)
		goto out;
	/* keep the directory open for hashing its files by name (bounded:
	 * beyond max_dirs they are opened by path) */
	if (nm.n && w->l->ndirs < w->l->max_dirs) {
		/* the hashing threads may be reading dirfds */
		if (w->l->sync)
			pthread_mutex_lock(&w->l->sync->mu);
		if (ipe_vec_reserve((void **)&w->l->dirfds, &w->l->dirs_cap, w->l->ndirs + 1, sizeof(int)) == 0)
			keep = (int32_t)w->l->ndirs;
		if (w->l->sync)
			pthread_mutex_unlock(&w->l->sync->mu);
	}
	child = malloc(plen + 1 + nm.max_len + 1);
	if (!child) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(child, path, plen);
	off = plen;
	if (plen == 0 || path[plen - 1] != '/')
		child[off++] = '/';
	if (keep >= 0) {
		if (w->l->sync)
			pthread_mutex_lock(&w->l->sync->mu);
		w->l->dirfds[w->l->ndirs++] = fd;
		if (w->l->sync)
			pthread_mutex_unlock(&w->l->sync->mu);
		fd = -1;
	}
	w->stack[w->depth].dev = st->st_dev;
	w->stack[w->depth].ino = st->st_ino;
	w->depth++;
	for (size_t i = 0; i < nm.n && rc == 0; i++) {
		const char *cn = nm.pool + nm.off[i];

		size_t clen = strlen(cn);

		memcpy(child + off, cn, clen + 1);
		/* as if looked up by path: the depth (and the recursion) stays
		 * bounded, and every path printed can be opened by other tools */
		if (off + clen >= PATH_MAX) {
			rc = add_entry(w, child, IPE_DIGEST_FAILED, -ENAMETOOLONG, NULL, NULL);
			continue;
		}
		rc = walk_path(w, keep >= 0 ? w->l->dirfds[keep] : fd, keep, child + off, child, false,
			       (unsigned char)cn[-1]);
	}
	w->depth--;
out:
	if (fd >= 0)
		close(fd);
	free(nm.pool);
	free(nm.off);
	free(child);
	return rc;
}

static int add_pending(struct walk *w, const char *path, const struct stat *st, int32_t dir, const char *name,
		       bool follow)
{
	struct ipe_digest_loc loc = {
		.dir = dir,
		.name = (uint32_t)(name - path),
		.nofollow = !follow,
		.deferred = !st,
		.nlink = st ? st->st_nlink : 0,
	};

	return add_entry_at(w, path, IPE_DIGEST_PENDING, 0, NULL, st, &loc);
}

/* name: the entry relative to dirfd (the whole path for a path given);
 * dir: the index of dirfd in the list's kept directories, or -1;
 * dtype: what readdir said (DT_UNKNOWN for a path given) */
static int walk_path(struct walk *w, int dirfd, int32_t dir, const char *name, const char *path, bool top,
		     unsigned char dtype)
{
	bool follow = top || (w->wp->flags & IPE_WALK_FOLLOW);
	struct stat st;
	int rc;

	/* a regular file in a directory: the hashing opens it and fstat()s the
	 * descriptor; a stat here would look its name up a second time */
	if (dtype == DT_REG && !follow && !(w->wp->flags & IPE_WALK_EXEC_ONLY))
		return add_pending(w, path, NULL, dir, name, false);

	if (fstatat(dirfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0) {
		int e = errno;

		return add_entry(w, path, IPE_DIGEST_FAILED, -e, follow && e == ELOOP ? "symlink loop" : NULL,
				 NULL);
	}
	if (S_ISLNK(st.st_mode))
		return add_entry(w, path, IPE_DIGEST_SKIPPED, 0, "symbolic link not followed (use --follow)", &st);
	if (S_ISDIR(st.st_mode)) {
		if (!(w->wp->flags & IPE_WALK_RECURSIVE))
			return add_entry(w, path, IPE_DIGEST_FAILED, -EISDIR,
					 "is a directory (use --recursive)", &st);
		return walk_dir(w, dirfd, name, path, &st, follow);
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
		rc = is_executable(dirfd, name, &st, follow);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return add_entry(w, path, IPE_DIGEST_FAILED, rc, NULL, &st);
	}
	return add_pending(w, path, &st, dir, name, follow);
}

int ipe_walk_check(const char *const *paths, size_t npaths, const struct ipe_walk_params *wp)
{
	const uint32_t known = IPE_WALK_RECURSIVE | IPE_WALK_FOLLOW | IPE_WALK_EXEC_ONLY | IPE_WALK_NO_SKIPPED;

	if ((!paths && npaths) || !wp || wp->version != IPE_WALK_PARAMS_V1 || (wp->flags & ~known))
		return -EINVAL;
	for (size_t i = 0; i < IPE_ARRAY_SIZE(wp->reserved); i++)
		if (wp->reserved[i])
			return -EINVAL;
	return 0;
}

struct ipe_digest_list *ipe_digest_list_new(void)
{
	struct ipe_digest_list *l = calloc(1, sizeof(*l));
	struct rlimit rl;

	/* directories kept open for hashing: a quarter of the descriptors */
	if (l && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		l->max_dirs = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur / 4 > MAX_KEPT_DIRS ? MAX_KEPT_DIRS
											: (size_t)(rl.rlim_cur / 4);
	return l;
}

int ipe_walk_into(struct ipe_digest_list *l, const char *const *paths, size_t npaths,
		  const struct ipe_walk_params *wp)
{
	struct walk w = { .wp = wp, .l = l };
	int rc = 0;

	for (size_t i = 0; i < npaths && rc == 0; i++) {
		if (!paths[i] || !paths[i][0])
			rc = add_entry(&w, paths[i] ? paths[i] : "", IPE_DIGEST_FAILED, -ENOENT,
				       "empty path", NULL);
		else
			rc = walk_path(&w, AT_FDCWD, -1, paths[i], paths[i], true, DT_UNKNOWN);
	}
	inode_set_free(&w.links);
	free(w.stack);
	return rc;
}

int ipe_walk(const char *const *paths, size_t npaths, const struct ipe_walk_params *wp,
	     struct ipe_digest_list **ret_list)
{
	struct ipe_digest_list *l;
	int rc = ipe_walk_check(paths, npaths, wp);

	if (rc < 0 || !ret_list)
		return rc < 0 ? rc : -EINVAL;
	l = ipe_digest_list_new();
	if (!l)
		return -ENOMEM;
	rc = ipe_walk_into(l, paths, npaths, wp);
	if (rc < 0) {
		ipe_digest_list_free(l);
		return rc;
	}
	*ret_list = l;
	return 0;
}

int ipe_digest_list_drop_links(struct ipe_digest_list *l)
{
	struct inode_set set = { 0 };
	size_t k = 0;
	bool any = false;
	int rc = 0;

	for (size_t i = 0; i < l->n && !any; i++)
		any = l->loc[i].deferred && l->loc[i].nlink > 1;
	if (!any)
		return 0; /* the walk saw every link count */
	for (size_t i = 0; i < l->n; i++) {
		if (rc == 0 && l->loc[i].nlink > 1) {
			rc = inode_set_add(&set, l->e[i].dev, l->e[i].ino);
			if (rc == 0) {
				free(l->e[i].path); /* another link to this inode is listed */
				continue;
			}
			rc = rc < 0 ? rc : 0;
		}
		l->e[k] = l->e[i];
		l->loc[k++] = l->loc[i];
	}
	l->n = k;
	inode_set_free(&set);
	return rc;
}

void ipe_digest_list_close_dirs(struct ipe_digest_list *l)
{
	for (size_t i = 0; i < l->ndirs; i++)
		close(l->dirfds[i]);
	free(l->dirfds);
	l->dirfds = NULL;
	l->ndirs = l->dirs_cap = 0;
}

void ipe_digest_list_free(struct ipe_digest_list *l)
{
	if (!l)
		return;
	ipe_digest_list_close_dirs(l);
	free(l->loc);
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
