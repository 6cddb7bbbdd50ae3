/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>

#include "der.h"

#define DER_MAX_DEPTH 48

static int next_depth(struct ipe_cur *c, struct ipe_tlv *t, int depth)
{
	const unsigned char *q = c->p;
	long len = 0;
	int tag = 0, cls = 0, r;

	if (depth > DER_MAX_DEPTH || c->p >= c->end)
		return -EBADMSG;
	ERR_set_mark();
	r = ASN1_get_object(&q, &len, &tag, &cls, (long)(c->end - c->p));
	ERR_pop_to_mark();
	if (r & 0x80)
		return -EBADMSG;
	memset(t, 0, sizeof(*t));
	t->start = c->p;
	t->val = q;
	t->tag = tag;
	t->cls = cls;
	t->cons = (r & V_ASN1_CONSTRUCTED) != 0;
	if (r & 1) { /* indefinite: contents run up to the end-of-contents */
		struct ipe_cur in = { q, c->end };

		t->indef = true;
		for (;;) {
			struct ipe_tlv ch;

			if (in.end - in.p >= 2 && in.p[0] == 0 && in.p[1] == 0)
				break;
			if (next_depth(&in, &ch, depth + 1))
				return -EBADMSG;
		}
		t->len = (size_t)(in.p - q);
		t->total = (size_t)(in.p + 2 - c->p);
	} else {
		t->len = (size_t)len;
		t->total = (size_t)(q - c->p) + (size_t)len;
	}
	if (t->total > (size_t)(c->end - c->p))
		return -EBADMSG;
	c->p += t->total;
	return 0;
}

int ipe_der_next(struct ipe_cur *c, struct ipe_tlv *t)
{
	return next_depth(c, t, 0);
}

bool ipe_der_peek(const struct ipe_cur *c, int cls, int tag)
{
	struct ipe_cur tmp = *c;
	struct ipe_tlv t;

	if (tmp.p >= tmp.end || ipe_der_next(&tmp, &t))
		return false;
	return t.cls == cls && t.tag == tag;
}

void ipe_der_oid_text(const uint8_t *v, size_t len, char *buf, size_t bufsz)
{
	size_t o = 0, i = 0;
	unsigned long long acc = 0;
	bool first = true, bad = false, start = true;

	if (!bufsz)
		return;
	buf[0] = '\0';
	for (i = 0; i < len; i++) {
		if (o + 24 >= bufsz || (start && v[i] == 0x80) || acc > (1ull << 56)) {
			bad = true;   /* too long to show, non-minimal, or too large */
			break;
		}
		acc = (acc << 7) | (v[i] & 0x7f);
		start = !(v[i] & 0x80);
		if (!start)
			continue;
		if (first) {
			unsigned long long a = acc < 40 ? 0 : acc < 80 ? 1 : 2;

			o += (size_t)snprintf(buf + o, bufsz - o, "%llu.%llu", a, acc - a * 40);
			first = false;
		} else {
			o += (size_t)snprintf(buf + o, bufsz - o, ".%llu", acc);
		}
		acc = 0;
	}
	if (!start)
		bad = true;           /* the last component is cut short */
	if (bad && bufsz >= 3) {
		/* The kernel looks an OID up by its bytes (look_up_OID): these
		 * match nothing it knows, so the text must not match either. */
		if (o > bufsz - 3)
			o = bufsz - 3;
		snprintf(buf + o, bufsz - o, ".?");
	}
}
