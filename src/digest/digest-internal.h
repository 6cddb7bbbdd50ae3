/* SPDX-License-Identifier: MIT */
/* src/digest internals (not installed). */
#ifndef IPE_DIGEST_INTERNAL_H
#define IPE_DIGEST_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <ipe/digest.h>

/* Reads are batched (libfsverity asks for one block at a time) into a buffer
 * small enough to stay in the CPU cache until it is hashed: on the benchmark
 * machine 32 KiB took ~15% less CPU than 256 KiB or 1 MiB (bench/digest/README.md). */
#define IPE_FSVERITY_READ_CHUNK (32u * 1024u)
/* Each chunk is placed in the buffer at the same offset modulo 4 KiB as the
 * block buffer libfsverity copies it into: on AMD Zen, `rep movsb` (glibc's
 * memcpy for 4 KiB) is ~10x slower when the destination is 16 bytes past the
 * source modulo 4 KiB, which two malloc'd buffers can happen to be
 * (bench/digest/README.md). Hence up to 4095 bytes of slack. */
#define IPE_FSVERITY_READ_ALIGN 4096u
#define IPE_FSVERITY_READ_BUF (IPE_FSVERITY_READ_CHUNK + 1u + IPE_FSVERITY_READ_ALIGN)

/* Where the walk found an entry: its name relative to an open directory, so
 * that hashing opens it with a one-component lookup (openat) instead of
 * resolving the whole path again. */
struct ipe_digest_loc {
	int32_t dir;   /* index in ipe_digest_list.dirfds, or -1: open by path */
	uint32_t name; /* offset in the entry's path of its name in that directory */
	bool nofollow; /* found by lstat: open with O_NOFOLLOW */
	bool deferred; /* readdir said "regular file": not stat'ed by the walk;
			* dev/ino/mode/size (and the hard-link check) come from
			* the fstat of the hashing's open */
	nlink_t nlink;
};

/* While the walk and the hashing run at once (ipe_digest_walk): the walk
 * appends under mu and signals cv; the hashing threads take entries and
 * store results under mu. */
struct ipe_digest_sync {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool walking; /* more entries may come */
	bool stop;    /* the walk failed: the threads leave */
};

struct ipe_digest_list {
	struct ipe_digest_entry *e;
	struct ipe_digest_loc *loc; /* parallel to e */
	size_t n, cap, loc_cap;
	int *dirfds;                /* directories kept open for hashing; closed by compute */
	size_t ndirs, dirs_cap, max_dirs;
	struct ipe_digest_sync *sync; /* NULL: no hashing during the walk */
};

/* ipe_walk in pieces: argument check, an empty list, the walk into it. */
int ipe_walk_check(const char *const *paths, size_t npaths, const struct ipe_walk_params *wp);
struct ipe_digest_list *ipe_digest_list_new(void);
int ipe_walk_into(struct ipe_digest_list *l, const char *const *paths, size_t npaths,
		  const struct ipe_walk_params *wp);

/* ipe_fsverity_digest_fd for a regular file whose fstat is st (checked
 * parameters), reading through buf (IPE_FSVERITY_READ_BUF bytes, or NULL to
 * allocate one). */
int ipe_fsverity_digest_stat(int fd, const struct stat *st, const struct ipe_fsverity_params *p, uint8_t *buf,
			     struct ipe_digest *ret_digest);

/* After the hashing: of entries that are links to the same inode, keep the
 * first (the walk cannot tell for deferred entries). */
int ipe_digest_list_drop_links(struct ipe_digest_list *l);

/* Close the directories the walk kept open (entries are then opened by path). */
void ipe_digest_list_close_dirs(struct ipe_digest_list *l);

#endif
