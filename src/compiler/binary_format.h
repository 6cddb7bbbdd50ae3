/* SPDX-License-Identifier: MIT */
/* The binary form (ipe-binary(5)): layout constants and helpers shared by the
 * encoder and the decoder (internal). */
#ifndef IPE_BINARY_FORMAT_H
#define IPE_BINARY_FORMAT_H

#include <stdint.h>
#include <string.h>

#include <ipe/binary.h>
#include <ipe/policy.h>

#define IPEB_MAGIC_LEN 8u
#define IPEB_HDR_LEN 32u      /* fixed part of the header */
#define IPEB_SECT_LEN 24u     /* one section table entry */
#define IPEB_TRAILER_LEN 32u  /* SHA-256 of everything before it */
#define IPEB_ALIGN 8u

enum ipeb_section {
	IPEB_SEC_META = 1,
	IPEB_SEC_STRINGS = 2,
	IPEB_SEC_ALGS = 3,
	IPEB_SEC_DIGESTS = 4,
	IPEB_SEC_PROPS = 5,
	IPEB_SEC_RULES = 6,
	IPEB_SEC_INDEX = 7,
	IPEB_NSECTIONS = 7,
};

#define IPEB_META_LEN (40u + 8u * IPE_OP_COUNT)
#define IPEB_PROP_LEN 16u
#define IPEB_RULE_LEN 16u
#define IPEB_ALG_LEN 8u
#define IPEB_INDEX_HDR_LEN 16u
#define IPEB_NO_ACTION 0xffu
#define IPEB_MAX_ITEMS 0xfffffffeull /* rules, properties, index keys, index refs */

static inline void ipeb_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static inline void ipeb_put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static inline void ipeb_put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t ipeb_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t ipeb_get32(const uint8_t *b)
{
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint64_t ipeb_get64(const uint8_t *b)
{
	return (uint64_t)ipeb_get32(b) | ((uint64_t)ipeb_get32(b + 4) << 32);
}

static inline size_t ipeb_pad(size_t n)
{
	return (n + (IPEB_ALIGN - 1)) & ~(size_t)(IPEB_ALIGN - 1);
}

/* FNV-1a 64 over: type (1 byte), algorithm index (u16 LE), digest length
 * (u32 LE), digest bytes.  Documented in ipe-binary(5). */
uint64_t ipe_binary_key_hash(uint8_t type, uint16_t alg, const uint8_t *digest, uint32_t len);

/* Build the INDEX section for a policy whose properties are numbered in
 * canonical order (op by op, rule by rule, property by property).  alg_map
 * maps p->algs indices to file indices (NULL = identity).  *ret_buf is
 * malloc'd. */
int ipe_binary_build_index(const struct ipe_policy *p, const uint16_t *alg_map, uint8_t **ret_buf,
			   size_t *ret_len);

#endif
