/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_parse_color(const char *s)
{
	if (!s || strcmp(s, "auto") == 0)
		return CLI_COLOR_AUTO;
	if (strcmp(s, "always") == 0)
		return CLI_COLOR_ALWAYS;
	if (strcmp(s, "never") == 0)
		return CLI_COLOR_NEVER;
	return -1;
}

bool cli_use_color(enum cli_color mode, FILE *f)
{
	const char *term;

	if (mode == CLI_COLOR_ALWAYS)
		return true;
	if (mode == CLI_COLOR_NEVER)
		return false;
	if (getenv("NO_COLOR") && getenv("NO_COLOR")[0])
		return false;
	term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}

__attribute__((format(printf, 3, 0))) static void vmsg(const char *prog, const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s: ", prog, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, "error", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, "warning", fmt, ap);
	va_end(ap);
}

void cli_print_diags(const struct ipe_ctx *ctx, FILE *out, unsigned flags)
{
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++)
		ipe_diag_render_text(ctx, ipe_ctx_diag(ctx, i), out, flags);
}

void cli_print_version(const char *prog)
{
	printf("%s (ipe-tools) %s, libipe %s\n", prog, IPE_VERSION, ipe_version());
}

const char *cli_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}
