/* SPDX-License-Identifier: MIT */
/*
 * Bench-only stand-ins for the few kernel APIs that the kernel's IPE policy
 * parser (security/ipe/policy_parser.c and digest.c of linux-source-6.12)
 * uses, so that it can be compiled as an ordinary userspace program.  No
 * kernel code lives in this repository: bench/check/run.py extracts those
 * two files from the installed Debian package at bench time into /tmp and
 * points every <linux/...> header they include at this file.
 *
 * Allocation is glibc malloc (what "the kernel's parser built in userspace"
 * means); lists are the usual intrusive doubly-linked lists.
 */
#ifndef IPE_BENCH_KSHIM_H
#define IPE_BENCH_KSHIM_H

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#define fallthrough __attribute__((__fallthrough__))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GFP_KERNEL 0

struct dentry;
struct inode;
struct mutex;
struct audit_buffer;

/* errors carried in pointers */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p) { return (uintptr_t)p >= (uintptr_t)-MAX_ERRNO; }
static inline bool IS_ERR_OR_NULL(const void *p) { return !p || IS_ERR(p); }

/* allocation */
static inline void *kzalloc(size_t n, int gfp) { (void)gfp; return calloc(1, n); }
static inline void kfree(const void *p) { free((void *)p); }
static inline char *kstrndup(const char *s, size_t n, int gfp) { (void)gfp; return strndup(s, n); }
static inline void *kmemdup_nul(const char *s, size_t n, int gfp)
{
	char *p = malloc(n + 1);

	(void)gfp;
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* intrusive lists */
struct list_head {
	struct list_head *next, *prev;
};
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
static inline void INIT_LIST_HEAD(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}
static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}
#define list_for_each_entry_safe(pos, n, head, member)                                     \
	for (pos = container_of((head)->next, __typeof__(*pos), member),                   \
	    n = container_of(pos->member.next, __typeof__(*pos), member);                   \
	     &pos->member != (head);                                                        \
	     pos = n, n = container_of(n->member.next, __typeof__(*n), member))

/* lib/parser.c's matcher, for the patterns IPE uses: literal text and "%s" */
#define MAX_OPT_ARGS 3
typedef struct {
	char *from;
	char *to;
} substring_t;
struct match_token {
	int token;
	const char *pattern;
};
typedef struct match_token match_table_t[];
int match_token(char *s, const match_table_t table, substring_t args[]);
char *match_strdup(const substring_t *s);

/* lib/kstrtox.c, lib/hexdump.c */
int kstrtou16(const char *s, unsigned int base, u16 *res);
int hex2bin(u8 *dst, const char *src, size_t count);

/* audit: not exercised by parsing */
static inline void audit_log_format(struct audit_buffer *ab, const char *fmt, ...) { (void)ab; (void)fmt; }
static inline void audit_log_untrustedstring(struct audit_buffer *ab, const char *s) { (void)ab; (void)s; }
static inline void audit_log_n_hex(struct audit_buffer *ab, const void *p, size_t n) { (void)ab; (void)p; (void)n; }

#endif
