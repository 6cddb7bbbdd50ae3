/* SPDX-License-Identifier: MIT */
/*
 * Big buffers (the input text, the model's arrays, lint's tables) in
 * transparent huge pages where the system offers them, and the one growth
 * rule of every vector (ipe_vec_reserve).
 *
 * A 66 MB policy touches its input and model once, page by page, and each
 * 4 KiB page is a page fault: about a microsecond on bare metal, 7-12 us in
 * the virtual machines our CI runs on, where 10,000 of them were a fifth of
 * what `ipe-check` cost.  A 2 MiB page is one fault.  With THP set to
 * "madvise" (Debian's default) Linux backs a 2 MiB range with one huge page
 * only when the whole aligned range lies inside a mapping advised
 * MADV_HUGEPAGE and holds no small page yet.  So a big block:
 *  - is sized so that glibc maps exactly a multiple of 2 MiB: glibc serves a
 *    request this big with a mapping of its own, the request plus a 16-byte
 *    chunk header and 8 bytes of size field rounded up to a page, and Linux
 *    (since 6.7) puts an anonymous mapping whose length is a multiple of
 *    2 MiB on a 2 MiB boundary, where mremap() also puts it when realloc()
 *    grows it: the block is then huge pages from its first byte to its last;
 *  - is advised before its first byte is written;
 *  - when it is a vector growing past the 1 MiB threshold of a big input,
 *    it moves to a fresh block (a copy of less than 1 MiB) instead of
 *    carrying its small pages along, which no huge page could replace
 *    (past the 8 MiB one it keeps them: a copy would double the peak).
 * Where any of this does not hold (another libc, Linux before 6.7, THP
 * off) a block is at worst an ordinary malloc() block: only speed differs.
 *
 * The price is memory: the last huge page of a block is resident as a
 * whole, so a block in use costs up to 2 MiB more than it holds, which is
 * much on a mid-size input (+10 MiB, +22%, for two 100k-rule policies
 * with a 4 MiB threshold) and little on a big one.  Hence two thresholds:
 * IPE_MEM_HUGE_MIN for any block, and IPE_MEM_HUGE_BIG_MIN for the blocks
 * of a big input (the caller knows: ipe_policy.big), which thus go to
 * huge pages before hundreds of small pages are touched.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/internal.h"

#define HUGE_PAGE ((size_t)2 << 20)
#if defined(MADV_HUGEPAGE) && !defined(MADV_COLLAPSE)
#define MADV_COLLAPSE 25 /* Linux 6.1 (glibc 2.36's headers lack it); EINVAL before */
#endif
#define GLIBC_MMAP_OVERHEAD 24 /* chunk header (16) and size field (8) */

/* The size to ask malloc for so that a block of at least len bytes fills a
 * whole number of 2 MiB pages; len itself when smaller than min. */
static size_t big_size(size_t len, size_t min)
{
	if (len < min || len > SIZE_MAX - 2 * HUGE_PAGE)
		return len;
	return ((len + GLIBC_MMAP_OVERHEAD + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)) - GLIBC_MMAP_OVERHEAD;
}

/* Advise the 2 MiB pages of a block (mapped, not yet written). */
static void advise(void *buf, size_t len, size_t min)
{
#ifdef MADV_HUGEPAGE
	uintptr_t b = (uintptr_t)buf, e = b + len, m;
	long pg = sysconf(_SC_PAGESIZE);
	size_t usable;

	if (!buf || len < min || pg <= 0)
		return;
	/* A big block of glibc is a mapping of its own starting one 16-byte
	 * header before it.  Advising only part of a mapping splits it, and a
	 * later realloc() can then no longer grow it with mremap() (it copies
	 * instead): advise the whole mapping when the block is one. */
	m = b - 16;
	usable = malloc_usable_size(buf);
	if (m % (uintptr_t)pg == 0 && usable >= len && (usable + 16) % (size_t)pg == 0) {
		(void)madvise((void *)m, usable + 16, MADV_HUGEPAGE);
		/* malloc() wrote the block's header before this advice: its
		 * first 2 MiB are small pages, and their page table would
		 * stay behind when mremap() moves the block, denying a huge
		 * page to the next block mapped there.  One huge page now. */
		if (m % HUGE_PAGE == 0 && usable + 16 >= HUGE_PAGE)
			(void)madvise((void *)m, HUGE_PAGE, MADV_COLLAPSE);
		return;
	}
	/* else only the whole 2 MiB pages inside the block: they are its
	 * own, the allocator's neighbours are not changed */
	b = (b + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	e &= ~(HUGE_PAGE - 1);
	if (e > b)
		(void)madvise((void *)b, e - b, MADV_HUGEPAGE);
#else
	(void)buf;
	(void)len;
	(void)min;
#endif
}

static void *mem_alloc(size_t len, bool zero, size_t min, size_t *ret_size)
{
	size_t sz = big_size(len ? len : 1, min);
	void *b = zero ? calloc(1, sz) : malloc(sz); /* calloc: a fresh mapping is not cleared twice */

	if (!b)
		return NULL;
	advise(b, sz, min);
	if (ret_size)
		*ret_size = sz;
	return b;
}

static void *mem_realloc(void *buf, size_t old_len, size_t len, size_t min, size_t *ret_size)
{
	size_t sz = big_size(len ? len : 1, min);
	void *b;

	if (buf && old_len < min && sz != len && old_len <= IPE_MEM_HUGE_BIG_MIN) {
		/* crossing a threshold of at most 1 MiB: a fresh block,
		 * huge pages from its start (old_len < len here: growing).
		 * From a bigger one realloc() moves the small pages along
		 * instead: a copy would hold both blocks at once. */
		b = mem_alloc(len, false, min, &sz);
		if (!b)
			return NULL;
		memcpy(b, buf, old_len < len ? old_len : len);
		free(buf);
	} else {
		b = realloc(buf, sz);
		if (!b)
			return NULL;
		advise(b, sz, min);
	}
	if (ret_size)
		*ret_size = sz;
	return b;
}

static int vec_reserve(void **vec, size_t *cap, size_t need, size_t elsz, size_t min)
{
	size_t ncap, sz;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elsz)
			return -EOVERFLOW;
		ncap *= 2;
	}
	n = mem_realloc(*vec, *cap * elsz, ncap * elsz, min, &sz);
	if (!n)
		return -ENOMEM;
	*vec = n;
	*cap = sz / elsz; /* the block's whole size: the next growth is later */
	return 0;
}

void *ipe_mem_alloc(size_t len, bool zero, size_t *ret_size)
{
	return mem_alloc(len, zero, IPE_MEM_HUGE_MIN, ret_size);
}

void *ipe_mem_alloc_big(size_t len, bool zero)
{
	return mem_alloc(len, zero, IPE_MEM_HUGE_BIG_MIN, NULL);
}

void *ipe_mem_alloc_exact(size_t len)
{
	void *b = malloc(len ? len : 1);

	/* not rounded: only the whole 2 MiB pages inside it become huge
	 * (no last page resident as a whole) */
	advise(b, len, IPE_MEM_HUGE_MIN);
	return b;
}

void *ipe_mem_realloc(void *buf, size_t old_len, size_t len, size_t *ret_size)
{
	return mem_realloc(buf, old_len, len, IPE_MEM_HUGE_MIN, ret_size);
}

int ipe_vec_reserve(void **vec, size_t *cap, size_t need, size_t elsz)
{
	return vec_reserve(vec, cap, need, elsz, IPE_MEM_HUGE_MIN);
}

int ipe_vec_reserve_big(void **vec, size_t *cap, size_t need, size_t elsz)
{
	return vec_reserve(vec, cap, need, elsz, IPE_MEM_HUGE_BIG_MIN);
}
