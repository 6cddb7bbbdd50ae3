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
 *  - when it is a vector growing past the threshold (it jumps there from a
 *    quarter of it), it moves to a fresh block (a copy of less than
 *    IPE_MEM_HUGE_MIN / 4) instead of carrying its small pages along,
 *    which no huge page could then replace.
 * Where any of this does not hold (another libc, an older kernel, THP off)
 * the blocks are ordinary malloc() blocks: only the speed differs.
 *
 * The price is memory: the last huge page of a block is resident as a
 * whole, so a block in use costs up to 2 MiB more than it holds (two
 * 100k-rule policies parsed side by side: +10 MiB, +22%; a 600k-rule
 * policy: under 1%).  Hence the threshold of 4 MiB, and a vector jumps to
 * a huge block only from a quarter of it.
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
 * whole number of 2 MiB pages; len itself when small. */
static size_t big_size(size_t len)
{
	if (len < IPE_MEM_HUGE_MIN || len > SIZE_MAX - 2 * HUGE_PAGE)
		return len;
	return ((len + GLIBC_MMAP_OVERHEAD + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)) - GLIBC_MMAP_OVERHEAD;
}

/* Advise the 2 MiB pages of a block (mapped, not yet written). */
static void advise(void *buf, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t b = (uintptr_t)buf, e = b + len, m;
	long pg = sysconf(_SC_PAGESIZE);
	size_t usable;

	if (!buf || len < IPE_MEM_HUGE_MIN || pg <= 0)
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
#endif
}

void *ipe_mem_alloc(size_t len, bool zero, size_t *ret_size)
{
	size_t sz = big_size(len ? len : 1);
	void *b = zero ? calloc(1, sz) : malloc(sz); /* calloc: a fresh mapping is not cleared twice */

	if (!b)
		return NULL;
	advise(b, sz);
	if (ret_size)
		*ret_size = sz;
	return b;
}

void *ipe_mem_realloc(void *buf, size_t old_len, size_t len, size_t *ret_size)
{
	size_t sz = big_size(len ? len : 1);
	void *b;

	if (buf && old_len < IPE_MEM_HUGE_MIN && sz != len) {
		/* crossing the threshold: a fresh block, huge pages from
		 * its start (old_len < len here: growing) */
		b = ipe_mem_alloc(len, false, &sz);
		if (!b)
			return NULL;
		memcpy(b, buf, old_len < len ? old_len : len);
		free(buf);
	} else {
		b = realloc(buf, sz);
		if (!b)
			return NULL;
		advise(b, sz);
	}
	if (ret_size)
		*ret_size = sz;
	return b;
}

int ipe_vec_reserve(void **vec, size_t *cap, size_t need, size_t elsz)
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
	/* a vector this big is on its way to huge pages: go now, before
	 * hundreds of small pages are touched */
	if (ncap * elsz >= IPE_MEM_HUGE_MIN / 4 && ncap * elsz < IPE_MEM_HUGE_MIN)
		ncap = IPE_MEM_HUGE_MIN / elsz + 1;
	n = ipe_mem_realloc(*vec, *cap * elsz, ncap * elsz, &sz);
	if (!n)
		return -ENOMEM;
	*vec = n;
	*cap = sz / elsz; /* the block's whole size: the next growth is later */
	return 0;
}
