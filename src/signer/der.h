/* SPDX-License-Identifier: MIT */
/* A small BER/DER reader on top of OpenSSL's ASN1_get_object(). */
#ifndef IPE_SIGNER_DER_H
#define IPE_SIGNER_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ipe_tlv {
	const uint8_t *start; /* first byte of the tag */
	const uint8_t *val;   /* contents */
	size_t len;           /* contents length (indefinite: up to the end-of-contents) */
	size_t total;         /* whole element, end-of-contents included */
	int tag;              /* tag number */
	int cls;              /* V_ASN1_UNIVERSAL, V_ASN1_CONTEXT_SPECIFIC, ... */
	bool cons;            /* constructed */
	bool indef;           /* indefinite length (here or inside) */
};

struct ipe_cur {
	const uint8_t *p, *end;
};

/* Read the next element; 0 or -EBADMSG. */
int ipe_der_next(struct ipe_cur *c, struct ipe_tlv *t);
/* Peek: is there a next element with this class/tag? */
bool ipe_der_peek(const struct ipe_cur *c, int cls, int tag);
static inline struct ipe_cur ipe_der_inside(const struct ipe_tlv *t)
{
	struct ipe_cur c = { t->val, t->val + t->len };
	return c;
}
/* Dotted text of an OID's contents.  An encoding no OID registry can hold
 * (a component cut short or non-minimal, one too large, or too long for buf)
 * ends in ".?", so it never equals a known OID, as in the kernel. */
void ipe_der_oid_text(const uint8_t *v, size_t len, char *buf, size_t bufsz);

#endif
