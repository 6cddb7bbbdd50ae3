/* SPDX-License-Identifier: MIT */
/*
 * Bench-only driver for the kernel's IPE policy parser built in userspace
 * (see kshim.h; bench/check/run.py builds it from linux-source-6.12 at bench
 * time).  Reads FILE whole, as the kernel gets it from a securityfs write,
 * runs ipe_parse_policy() once, frees the result and prints
 * "accepted RULES" or "rejected -ERRNO"; the parse's own wall time goes to
 * stderr.  Only the kernel's own files are compiled with this one: nothing
 * here is taken from the kernel.
 */
#include "kshim.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "policy_parser.h"

/* literal text, then at most one "%s" that takes the (non-empty) rest */
static int match_one(char *s, const char *p, substring_t *args)
{
	const char *meta = strchr(p, '%');

	if (!meta)
		return strcmp(p, s) == 0;
	if (strncmp(p, s, (size_t)(meta - p)) != 0 || meta[1] != 's' || meta[2] != '\0')
		return 0;
	s += meta - p;
	if (*s == '\0')
		return 0;
	args[0].from = s;
	args[0].to = s + strlen(s);
	return 1;
}

int match_token(char *s, const match_table_t table, substring_t args[])
{
	const struct match_token *t;

	for (t = table; t->pattern; t++)
		if (match_one(s, t->pattern, args))
			break;
	return t->token;
}

char *match_strdup(const substring_t *s)
{
	return strndup(s->from, (size_t)(s->to - s->from));
}

int kstrtou16(const char *s, unsigned int base, u16 *res)
{
	unsigned long v = 0;
	const char *q;

	if (base != 10)
		return -EINVAL;
	if (*s == '+')
		s++;
	for (q = s; *q >= '0' && *q <= '9'; q++) {
		v = v * 10 + (unsigned long)(*q - '0');
		if (v > 0xffff)
			return -ERANGE;
	}
	if (q == s || (*q && !(q[0] == '\n' && q[1] == '\0')))
		return -EINVAL;
	*res = (u16)v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex2bin(u8 *dst, const char *src, size_t count)
{
	while (count--) {
		int hi = hexval(*src++), lo;

		if (hi < 0)
			return -EINVAL;
		lo = hexval(*src++);
		if (lo < 0)
			return -EINVAL;
		*dst++ = (u8)(hi << 4 | lo);
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct ipe_policy pol = { 0 };
	struct stat st;
	size_t got = 0, rules = 0;
	char *text;
	double t0;
	int fd, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s POLICY\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(argv[1]);
		return 2;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return 2;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n <= 0) {
			perror(argv[1]);
			return 2;
		}
		got += (size_t)n;
	}
	close(fd);
	pol.text = text;
	pol.textlen = got;
	t0 = now();
	rc = ipe_parse_policy(&pol);
	fprintf(stderr, "kernel parser: %.3f s in ipe_parse_policy\n", now() - t0);
	if (rc) {
		printf("rejected %d\n", rc);
		return 1;
	}
	for (size_t op = 0; op < __IPE_OP_MAX; op++) {
		struct ipe_rule *r, *n;

		list_for_each_entry_safe(r, n, &pol.parsed->rules[op].rules, next)
			rules++;
	}
	ipe_free_parsed_policy(pol.parsed);
	free(text);
	printf("accepted %zu\n", rules);
	return 0;
}
