/* SPDX-License-Identifier: MIT */
/* The one hash function and the one hash map of libipe (digest interning,
 * algorithm names, lint's tables, equivalence and diff pairs, the digest
 * walker's inode set).  The binary format's key hash (FNV-1a, ipe-binary(5))
 * is a file-format definition and stays in src/compiler/emit_binary.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/internal.h"

uint64_t ipe_hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *d = data;

	size_t i = 0;
	uint64_t w;

	h ^= (uint64_t)len * 0x100000001b3ull;
	/* 8 bytes a step: digests are hashed millions of times on big policies */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, d + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	if (i < len) { /* the last 1-7 bytes, zero-padded */
		w = 0;
		memcpy(&w, d + i, len - i);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	return h;
}

uint64_t ipe_hash_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

void ipe_hmap_free(struct ipe_hmap *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

int ipe_hmap_init(struct ipe_hmap *h, size_t want)
{
	size_t cap = 16;

	while (cap < want * 2)
		cap <<= 1;
	h->slots = malloc(cap * sizeof(*h->slots));
	if (!h->slots) {
		memset(h, 0, sizeof(*h));
		return -ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		h->slots[i].val = IPE_HMAP_EMPTY;
	h->cap = cap;
	h->n = 0;
	return 0;
}

void ipe_hmap_clear(struct ipe_hmap *h)
{
	if (h->n)
		for (size_t i = 0; i < h->cap; i++)
			h->slots[i].val = IPE_HMAP_EMPTY;
	h->n = 0;
}

static void put(struct ipe_hmap *h, uint64_t key, uint32_t val)
{
	size_t i = ipe_hmap_slot(h, key);

	while (h->slots[i].val != IPE_HMAP_EMPTY)
		i = (i + 1) & (h->cap - 1);
	h->slots[i].key = key;
	h->slots[i].val = val;
	h->n++;
}

int ipe_hmap_insert(struct ipe_hmap *h, uint64_t key, uint32_t val)
{
	if ((h->n + 1) * 2 > h->cap) {
		struct ipe_hmap n;

		if (ipe_hmap_init(&n, h->cap ? h->cap : 8))
			return -ENOMEM;
		for (size_t i = 0; i < h->cap; i++)
			if (h->slots[i].val != IPE_HMAP_EMPTY)
				put(&n, h->slots[i].key, h->slots[i].val);
		ipe_hmap_free(h);
		*h = n;
	}
	put(h, key, val);
	return 0;
}

bool ipe_hmap_next(const struct ipe_hmap *h, uint64_t key, size_t *pos, uint32_t *ret_val)
{
	size_t i;

	if (!h->cap)
		return false;
	i = *pos == SIZE_MAX ? ipe_hmap_slot(h, key) : (*pos + 1) & (h->cap - 1);
	while (h->slots[i].val != IPE_HMAP_EMPTY) {
		if (h->slots[i].key == key) {
			*pos = i;
			*ret_val = h->slots[i].val;
			return true;
		}
		i = (i + 1) & (h->cap - 1);
	}
	return false;
}

bool ipe_hmap_get(const struct ipe_hmap *h, uint64_t key, uint32_t *ret_val)
{
	size_t pos = SIZE_MAX;
	uint32_t v;

	if (!ipe_hmap_next(h, key, &pos, &v))
		return false;
	if (ret_val)
		*ret_val = v;
	return true;
}

int ipe_hmap_put(struct ipe_hmap *h, uint64_t key, uint32_t val, uint32_t *ret_existing)
{
	uint32_t v;
	int rc;

	if (ipe_hmap_get(h, key, &v)) {
		if (ret_existing)
			*ret_existing = v;
		return 1;
	}
	rc = ipe_hmap_insert(h, key, val);
	if (rc)
		return rc;
	if (ret_existing)
		*ret_existing = val;
	return 0;
}
