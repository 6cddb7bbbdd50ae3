/* SPDX-License-Identifier: MIT */
/*
 * A model of systemd's boot-time IPE loader (pid 1, src/core/ipe-setup.c):
 * how it finds the policy name and version in /etc/ipe/ipe-policy.p7b and how
 * it orders versions (its strverscmp_improved()).  Written from the
 * behaviour; shared by ipectl install/status and ipe-check's lint.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/systemd.h>

#include "util/kwtable.h"

static bool sd_eol(unsigned char c)
{
	/* systemd's read_line() ends a line at LF, CR and NUL */
	return c == '\n' || c == '\r' || c == '\0';
}

/* In [line, end): the bytes after the first occurrence of key, up to the
 * first space (or the end of the line). */
static char *sd_value(const unsigned char *line, const unsigned char *end, const char *key)
{
	size_t klen = strlen(key), n;
	const unsigned char *p;
	char *v;

	if ((size_t)(end - line) < klen)
		return NULL;
	p = memmem(line, (size_t)(end - line), key, klen);
	if (!p)
		return NULL;
	p += klen;
	for (n = 0; p + n < end && p[n] != ' '; n++)
		;
	v = malloc(n + 1);
	if (!v)
		return (char *)-1;
	memcpy(v, p, n);
	v[n] = '\0';
	return v;
}

int ipe_systemd_header(const void *data, size_t len, char **ret_name, char **ret_version)
{
	const unsigned char *s = data, *end = s + len, *line = s;
	char *name = NULL, *version = NULL;

	if (!ret_name || !ret_version || (!data && len))
		return -EINVAL;
	while (line < end && !(name && version)) {
		const unsigned char *le = line;

		while (le < end && !sd_eol(*le))
			le++;
		/* each key: the first line that holds it wins */
		if (!name) {
			name = sd_value(line, le, ipe_kw_header_token(IPE_KW_HEADER_NAME));
			if (name == (char *)-1)
				goto oom;
		}
		if (!version) {
			version = sd_value(line, le, ipe_kw_header_token(IPE_KW_HEADER_VERSION));
			if (version == (char *)-1)
				goto oom;
		}
		line = le + 1;
	}
	*ret_name = name;
	*ret_version = version;
	return 0;
oom:
	if (name != (char *)-1)
		free(name);
	if (version != (char *)-1)
		free(version);
	return -ENOMEM;
}

static bool sd_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool sd_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool sd_valid(char c)
{
	return sd_digit(c) || sd_alpha(c) || c == '~' || c == '-' || c == '^' || c == '.';
}

static int sd_cmp(long a, long b)
{
	return (a > b) - (a < b);
}

/* A prefix character that both strings must carry at this point, or the one
 * without it is newer (inverse for '~'/'-' handled by the caller's sign). */
static int sd_prefix(const char **a, const char **b, char c)
{
	if (**a != c && **b != c)
		return 0;
	if ((**a != c) != (**b != c))
		return sd_cmp(**a != c, **b != c);
	(*a)++;
	(*b)++;
	return 0;
}

int ipe_systemd_verscmp(const char *a, const char *b)
{
	a = a ? a : "";
	b = b ? b : "";
	for (;;) {
		const char *a0, *b0, *aa, *bb;
		int r;

		while (*a && !sd_valid(*a))
			a++;
		while (*b && !sd_valid(*b))
			b++;
		a0 = a;
		b0 = b;
		/* '~' (a pre-release) makes a segment older than anything */
		r = sd_prefix(&a, &b, '~');
		if (r)
			return r;
		/* more segments is newer (checked after '~') */
		if (!*a || !*b)
			return sd_cmp(*a != '\0', *b != '\0');
		/* '-' (release separator) older than '^' (patch) older than '.' */
		r = sd_prefix(&a, &b, '-');
		if (r)
			return r;
		r = sd_prefix(&a, &b, '^');
		if (r)
			return r;
		r = sd_prefix(&a, &b, '.');
		if (r)
			return r;
		if (sd_digit(*a) || sd_digit(*b)) {
			for (aa = a; sd_digit(*aa); aa++)
				;
			for (bb = b; sd_digit(*bb); bb++)
				;
			/* a numeric segment is newer than a missing one */
			r = sd_cmp(a != aa, b != bb);
			if (r)
				return r;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			r = sd_cmp(aa - a, bb - b);
			if (r)
				return r;
			r = strncmp(a, b, (size_t)(aa - a));
			if (r)
				return r < 0 ? -1 : 1;
		} else {
			size_t n;

			for (aa = a; sd_alpha(*aa); aa++)
				;
			for (bb = b; sd_alpha(*bb); bb++)
				;
			n = (size_t)((aa - a) < (bb - b) ? aa - a : bb - b);
			r = strncmp(a, b, n);
			if (r)
				return r < 0 ? -1 : 1;
			r = sd_cmp(aa - a, bb - b);
			if (r)
				return r;
		}
		a = aa;
		b = bb;
		if (a == a0 && b == b0) /* no progress: cannot happen; never loop */
			return 0;
	}
}
