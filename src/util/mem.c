/* SPDX-License-Identifier: MIT */
/* Big buffers: transparent huge pages where the system offers them. */
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/internal.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

void ipe_mem_huge(void *buf, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t b = (uintptr_t)buf, e = b + len;

	/* a 66 MB policy touches its input and model once, page by page: with
	 * THP set to "madvise" (Debian's default) each 4 KiB page is a fault,
	 * with this one 2 MiB page is.  The whole 2 MiB pages inside the
	 * buffer only: they are its own, the allocator's neighbours are not
	 * changed.  Advice only: an error (no THP in the kernel) is ignored. */
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t m;
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
		return;
	}
	b = (b + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	e &= ~(HUGE_PAGE - 1);
	if (e > b)
		(void)madvise((void *)b, e - b, MADV_HUGEPAGE);
#else
	(void)buf;
	(void)len;
#endif
}
