/* SPDX-License-Identifier: MIT */
/* The kernel's AUDIT_IPE_ACCESS records (security/ipe/audit.c), read from a
 * raw audit.log, `ausearch --raw` output or a kernel log.
 *
 * The record body has a fixed field order:
 *   ipe_op=OP ipe_hook=HOOK enforcing=N pid=N comm=U path=U dev=U ino=N rule="..."
 * where U is an "untrusted string": "text" when every byte is 0x21..0x7e and
 * not a quote, else uppercase hex of the bytes; without a file the kernel
 * prints path=? dev=? ino=?.  The rule is the last field, to the end of the
 * record (it holds quotes itself: fsverity_digest="sha256":ABCD...). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/explain.h>

#include "../util/internal.h"
#include "explain-internal.h"

#define AUDIT_MAX_LINE (1u << 20)   /* longer lines are skipped with a warning */
#define AUDIT_MAX_WARNINGS 100

struct cursor {
	const char *p, *end;
};

static bool lit(struct cursor *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* A token up to the next space (or the end). */
static bool word(struct cursor *c, const char **ret, size_t *ret_len)
{
	const char *s = c->p;

	while (c->p < c->end && *c->p != ' ')
		c->p++;
	*ret = s;
	*ret_len = (size_t)(c->p - s);
	return *ret_len > 0;
}

static bool number(struct cursor *c, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	const char *s = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');

		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
		c->p++;
	}
	*ret = v;
	return c->p > s;
}

/* An untrusted string: "text" or HEX.  *ret is malloc'd and decoded; "?" gives
 * NULL with *ret_unknown.  Returns 0, -EINVAL (malformed) or -ENOMEM. */
static int untrusted(struct cursor *c, char **ret, bool *ret_unknown)
{
	const char *s;
	size_t n;

	*ret = NULL;
	*ret_unknown = false;
	if (c->p < c->end && *c->p == '"') {
		s = ++c->p;
		while (c->p < c->end && *c->p != '"')
			c->p++;
		if (c->p >= c->end)
			return -EINVAL;
		n = (size_t)(c->p - s);
		c->p++;
		*ret = strndup(s, n);
		return *ret ? 0 : -ENOMEM;
	}
	if (!word(c, &s, &n))
		return -EINVAL;
	if (n == 1 && s[0] == '?') {
		*ret_unknown = true;
		return 0;
	}
	if (s[0] == '<' || (n == 6 && memcmp(s, "(null)", 6) == 0)) {
		/* d_path failures (<no_memory>, <too_long>): a file, no path */
		*ret_unknown = true;
		return 0;
	}
	if (n % 2)
		return -EINVAL;
	*ret = malloc(n / 2 + 1);
	if (!*ret)
		return -ENOMEM;
	if (ipe_hex_decode((uint8_t *)*ret, s, n / 2) < 0) {
		free(*ret);
		*ret = NULL;
		return -EINVAL;
	}
	(*ret)[n / 2] = '\0';
	return 0;
}

static void record_clear(struct ipe_audit_record *r)
{
	free(r->op_name);
	free(r->hook);
	free(r->comm);
	free(r->path);
	free(r->dev);
	free(r->rule);
	memset(r, 0, sizeof(*r));
}

/* Parse a record body starting at "ipe_op=".  Returns 0, -EINVAL with *why
 * set, or -ENOMEM. */
static int parse_body(struct cursor *c, struct ipe_audit_record *r, const char **why)
{
	const char *s;
	size_t n;
	uint64_t v;
	bool unk;
	int rc;

	*why = "ipe_op= is not followed by the kernel's fields";
	if (!lit(c, "ipe_op=") || !word(c, &s, &n))
		return -EINVAL;
	r->op_name = strndup(s, n);
	if (!r->op_name)
		return -ENOMEM;
	r->op = ipe_explain_op_from_name(s, n);
	*why = "no ipe_hook= after ipe_op=";
	if (!lit(c, " ipe_hook=") || !word(c, &s, &n))
		return -EINVAL;
	r->hook = strndup(s, n);
	if (!r->hook)
		return -ENOMEM;
	*why = "no enforcing=0|1 after ipe_hook=";
	if (!lit(c, " enforcing=") || !number(c, 1, &v))
		return -EINVAL;
	r->enforcing = (int)v;
	*why = "no pid= after enforcing=";
	if (!lit(c, " pid=") || !number(c, INT_MAX, &v))
		return -EINVAL;
	r->pid = (long)v;
	*why = "no comm= after pid= (or a malformed one)";
	if (!lit(c, " comm="))
		return -EINVAL;
	rc = untrusted(c, &r->comm, &unk);
	if (rc < 0)
		return rc;
	*why = "no path= after comm= (or a malformed one)";
	if (!lit(c, " path="))
		return -EINVAL;
	if (lit(c, "? dev=? ino=?")) {
		r->has_file = false;
	} else {
		r->has_file = true;
		rc = untrusted(c, &r->path, &unk);
		if (rc < 0)
			return rc;
		*why = "no dev= after path= (or a malformed one)";
		if (!lit(c, " dev="))
			return -EINVAL;
		rc = untrusted(c, &r->dev, &unk);
		if (rc < 0)
			return rc;
		*why = "no ino= after dev=";
		if (!lit(c, " ino="))
			return -EINVAL;
		if (!lit(c, "?") && !number(c, UINT64_MAX, &r->ino))
			return -EINVAL;
	}
	*why = "no rule=\"...\" at the end of the record";
	if (!lit(c, " rule=\""))
		return -EINVAL;
	s = c->p;
	while (c->end > s && (c->end[-1] == ' ' || c->end[-1] == '\t' || c->end[-1] == '\r'))
		c->end--;
	if (c->end <= s || c->end[-1] != '"')
		return -EINVAL;
	r->rule = strndup(s, (size_t)(c->end - 1 - s));
	if (!r->rule)
		return -ENOMEM;
	return 0;
}

static const char *find_mem(const char *h, size_t hn, const char *n)
{
	size_t nn = strlen(n);

	if (hn < nn)
		return NULL;
	for (const char *p = h; (p = memchr(p, n[0], (size_t)(h + hn - p))) != NULL; p++) {
		if ((size_t)(h + hn - p) < nn)
			return NULL;
		if (memcmp(p, n, nn) == 0)
			return p;
	}
	return NULL;
}

/* Where the IPE access body starts in a line, or NULL.  The record type is
 * "type=1420" (kernel log), "type=IPE_ACCESS" (auditd) or
 * "type=UNKNOWN[1420]" (an auditd that does not know the name). */
static const char *ipe_body(const char *line, size_t len)
{
	static const char *const markers[] = { "type=1420 ", "type=IPE_ACCESS ", "type=UNKNOWN[1420] " };
	const char *t = NULL, *b;

	for (size_t i = 0; i < IPE_ARRAY_SIZE(markers) && !t; i++) {
		t = find_mem(line, len, markers[i]);
		if (t)
			t += strlen(markers[i]);
	}
	if (!t)
		return NULL;
	b = find_mem(t, (size_t)(line + len - t), "): ipe_op=");
	if (b)
		return b + 3;
	/* ausearch -i prints "msg=audit(date) : ipe_op=" */
	b = find_mem(t, (size_t)(line + len - t), ") : ipe_op=");
	return b ? b + 4 : NULL;
}

static bool streq0(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_rec(const void *pa, const void *pb)
{
	const struct ipe_audit_record *a = *(const struct ipe_audit_record *const *)pa;
	const struct ipe_audit_record *b = *(const struct ipe_audit_record *const *)pb;
	int c;

	if ((c = cmp_str(a->op_name, b->op_name)) || (c = cmp_str(a->hook, b->hook)) ||
	    (c = (int)a->has_file - (int)b->has_file) || (c = cmp_str(a->path, b->path)) ||
	    (c = cmp_str(a->dev, b->dev)) || (c = (a->ino > b->ino) - (a->ino < b->ino)) ||
	    (c = cmp_str(a->rule, b->rule)))
		return c;
	return (a > b) - (a < b); /* stable: first seen first */
}

static bool same_event(const struct ipe_audit_record *a, const struct ipe_audit_record *b)
{
	return streq0(a->op_name, b->op_name) && streq0(a->hook, b->hook) && a->has_file == b->has_file &&
	       streq0(a->path, b->path) && streq0(a->dev, b->dev) && a->ino == b->ino && streq0(a->rule, b->rule);
}

static int merge(struct ipe_audit_log *log)
{
	struct ipe_audit_record **idx;
	size_t w = 0;

	if (log->nrecords < 2)
		return 0;
	idx = calloc(log->nrecords, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < log->nrecords; i++)
		idx[i] = &log->records[i];
	qsort(idx, log->nrecords, sizeof(*idx), cmp_rec);
	/* sorted: equal events are adjacent, the first seen of each first */
	for (size_t i = 1, g = 0; i < log->nrecords; i++) {
		if (same_event(idx[g], idx[i])) {
			idx[g]->count += idx[i]->count;
			record_clear(idx[i]); /* count 0 marks it removed */
		} else {
			g = i;
		}
	}
	free(idx);
	for (size_t i = 0; i < log->nrecords; i++) {
		if (log->records[i].count == 0)
			continue;
		if (w != i)
			log->records[w] = log->records[i];
		w++;
	}
	log->nrecords = w;
	return 0;
}

void ipe_audit_log_free(struct ipe_audit_log *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->nrecords; i++)
		record_clear(&log->records[i]);
	free(log->records);
	free(log);
}

int ipe_audit_parse(struct ipe_ctx *ctx, const char *name, const void *buf, size_t len,
		    struct ipe_audit_log **ret_log)
{
	const char *p = buf, *end = p + len;
	struct ipe_audit_log *log;
	size_t cap = 0, warnings = 0, line = 0;
	int rc = 0;

	if (!ret_log || (!buf && len))
		return -EINVAL;
	if (!name)
		name = "audit log";
	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *body, *sep;
		struct ipe_audit_record r = { 0 };
		struct cursor c;
		const char *why = NULL;

		line++;
		if ((size_t)(le - p) > AUDIT_MAX_LINE) {
			if (warnings++ < AUDIT_MAX_WARNINGS)
				ipe_diag_add(ctx, "IPE-X010", IPE_SEV_WARNING, NULL, NULL,
					     "%s:%zu: line longer than %u bytes skipped", name, line, AUDIT_MAX_LINE);
			goto next;
		}
		/* auditd's enriched format appends interpreted fields after 0x1d */
		sep = memchr(p, 0x1d, (size_t)(le - p));
		body = ipe_body(p, (size_t)((sep ? sep : le) - p));
		if (!body)
			goto next;
		log->nipe++;
		c.p = body;
		c.end = sep ? sep : le;
		rc = parse_body(&c, &r, &why);
		if (rc == -ENOMEM)
			goto fail;
		if (rc < 0) {
			char esc[160];

			record_clear(&r);
			ipe_escape_bytes(esc, sizeof(esc), body, (size_t)(c.end - body));
			if (warnings++ < AUDIT_MAX_WARNINGS)
				ipe_diag_add(ctx, "IPE-X010", IPE_SEV_WARNING, NULL, NULL,
					     "%s:%zu: malformed IPE access record skipped: %s: %s", name, line, why,
					     esc);
			rc = 0;
			goto next;
		}
		r.line = (uint32_t)(line > UINT32_MAX ? UINT32_MAX : line);
		r.count = 1;
		if (log->nrecords == cap) {
			rc = ipe_vec_reserve((void **)&log->records, &cap, log->nrecords + 1, sizeof(*log->records));
			if (rc < 0) {
				record_clear(&r);
				goto fail;
			}
		}
		log->records[log->nrecords++] = r;
next:
		p = nl ? nl + 1 : end;
	}
	if (warnings > AUDIT_MAX_WARNINGS)
		ipe_diag_add(ctx, "IPE-X010", IPE_SEV_WARNING, NULL, NULL, "%s: %zu more malformed lines not shown", name,
			     warnings - AUDIT_MAX_WARNINGS);
	log->nlines = line;
	rc = merge(log);
	if (rc < 0)
		goto fail;
	*ret_log = log;
	return 0;
fail:
	ipe_audit_log_free(log);
	return rc;
}

int ipe_audit_dev_properties(const char *dev, struct ipe_explain_event *e)
{
	static const char *const plain[] = { "tmpfs", "ramfs", "devtmpfs" };

	if (!dev)
		return 0;
	if (strcmp(dev, "rootfs") == 0) {
		e->boot_verified = true;
		return 1;
	}
	for (size_t i = 0; i < IPE_ARRAY_SIZE(plain); i++)
		if (strcmp(dev, plain[i]) == 0)
			return 1;
	return 0;
}
