/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/utsname.h>

#include <ipe/eval.h>
#include <ipe/io.h>
#include <ipe/lint.h>
#include <ipe/report.h>

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

int cli_color_option(const char *prog, const char *arg, enum cli_color *ret)
{
	int c = cli_parse_color(arg);

	if (c < 0) {
		cli_error(prog, "--color takes auto, always or never, not '%s'", arg);
		return CLI_EXIT_USAGE;
	}
	*ret = (enum cli_color)c;
	return CLI_EXIT_OK;
}

int cli_report_format_option(const char *prog, const char *what, const char *s)
{
	static const char *const names[] = {
		[CLI_REPORT_TEXT] = "text",
		[CLI_REPORT_JSON] = "json",
		[CLI_REPORT_SARIF] = "sarif",
		[CLI_REPORT_GITHUB] = "github",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	cli_error(prog, "unknown %s '%s' (use text, json, sarif or github)", what, s);
	return -1;
}

int cli_render_report(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
		      enum cli_report_format fmt, bool quiet, unsigned flags, FILE *out)
{
	switch (fmt) {
	case CLI_REPORT_JSON:
		return ipe_report_render_json(ctx, files, nfiles, out);
	case CLI_REPORT_SARIF:
		return ipe_report_render_sarif(ctx, files, nfiles, out);
	case CLI_REPORT_GITHUB:
		return ipe_report_render_github(ctx, files, nfiles, out);
	case CLI_REPORT_TEXT:
		break;
	}
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

		if (quiet && d->severity != IPE_SEV_ERROR)
			continue;
		ipe_diag_render_text(ctx, d, out, flags);
	}
	return 0;
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

/* One line that quotes input (paths, names, tokens): the message is
 * escaped as a whole, so no byte of it reaches the terminal raw.  Prefixed
 * "prog: kind: " ("prog: " without a kind, nothing without prog). */
__attribute__((format(printf, 4, 0))) static void vline(FILE *out, const char *prog, const char *kind,
							const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);

	if (prog && kind)
		fprintf(out, "%s: %s: ", prog, kind);
	else if (prog)
		fprintf(out, "%s: ", prog);
	if (n >= 0)
		ipe_fput_escaped(out, msg, (size_t)n, IPE_ESCAPE_KEEP_BACKSLASH);
	else
		fputs("(out of memory formatting the message)", out);
	fputc('\n', out);
	free(msg);
}

void cli_verror(const char *prog, const char *fmt, va_list ap)
{
	vline(stderr, prog, "error", fmt, ap);
}

void cli_info(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stderr, prog, NULL, fmt, ap);
	va_end(ap);
}

void cli_print_line(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(out, NULL, NULL, fmt, ap);
	va_end(ap);
}

void cli_kconfig_error(const char *prog, const char *path, int rc)
{
	cli_error(prog, "cannot read kernel configuration %s: %s", path,
		  rc == -EBADMSG ? "not a kernel .config (no CONFIG_ lines, or corrupt gzip)" : cli_strerror(rc));
}

int cli_read_kconfig(const char *prog, const char *path, struct ipe_eval_kernel *ret)
{
	int rc = ipe_eval_kernel_from_kconfig(path, ret);

	if (rc) {
		cli_kconfig_error(prog, path, rc);
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

static int output_failed(const char *prog, const char *path, int rc, long input, const char *const *inputs)
{
	if (rc == -EEXIST && input >= 0)
		cli_error(prog, "refusing to write %s: it is the input %s (the same file); choose another output", path,
			  inputs[input]);
	else if (rc)
		cli_error(prog, "cannot write %s: %s", strcmp(path, "-") ? path : "standard output",
			  ipe_output_strerror(rc));
	return rc ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}

int cli_check_output(const char *prog, const char *path, const char *const *inputs, size_t ninputs)
{
	struct ipe_output_opts o = { .inputs = inputs, .ninputs = ninputs };
	long input = -1;
	int rc = ipe_output_check(path, &o, &input);

	return output_failed(prog, path, rc, input, inputs);
}

int cli_write_output(const char *prog, const char *path, const void *data, size_t len,
		     const char *const *inputs, size_t ninputs)
{
	struct ipe_output_opts o = { .inputs = inputs, .ninputs = ninputs };
	long input = -1;
	int rc;

	if (strcmp(path, "-") == 0 && fflush(stdout) != 0) {
		cli_error(prog, "cannot write standard output: %s", cli_strerror(errno));
		return CLI_EXIT_INPUT;
	}
	rc = ipe_output_write(path, data, len, &o, &input);
	return output_failed(prog, path, rc, input, inputs);
}

int cli_close_stdout(const char *prog, int ret)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(prog, "cannot write standard output: %s", cli_strerror(errno ? errno : EIO));
		return ret == CLI_EXIT_USAGE ? ret : CLI_EXIT_INPUT;
	}
	return ret;
}

void cli_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stderr, prog, "error", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stderr, prog, "warning", fmt, ap);
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

int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned char)*s - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

const char *cli_strerror(int err)
{
	/* every capped input read says so (limits: LIMITS in the man pages) */
	if (err == -EFBIG || err == EFBIG)
		return "too large for this kind of input (see LIMITS in the manual page)";
	return strerror(err < 0 ? -err : err);
}

int cli_set_target(const char *prog, struct ipe_lint_config *cfg, const char *release)
{
	struct utsname u;
	const char *shown = release;
	int rc = ipe_lint_config_set_target(cfg, release);

	if (rc < 0) {
		size_t n = ipe_target_count();

		cli_error(prog, "--target: '%s' is not a kernel release this version can check "
			  "(e.g. 6.12, 6.12.3, $(uname -r) or 'running'; known: %s to %s)",
			  release, n ? ipe_target_release(0) : "?", n ? ipe_target_release(n - 1) : "?");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(release, "running") == 0 && uname(&u) == 0)
		shown = u.release;
	if (rc == 1)
		fprintf(stderr,
			"%s: note: target %s is newer than the newest release this version knows; checked as %s (no later change to IPE is known)\n",
			prog, shown, ipe_lint_config_target(cfg));
	return CLI_EXIT_OK;
}

int cli_parse_level(const char *s)
{
	if (strcmp(s, "error") == 0)
		return IPE_SEV_ERROR;
	if (strcmp(s, "warning") == 0)
		return IPE_SEV_WARNING;
	if (strcmp(s, "info") == 0 || strcmp(s, "note") == 0)
		return IPE_SEV_INFO;
	return -1;
}

int cli_lint_option(const char *prog, struct cli_lint *l, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_ENABLE:
	case CLI_OPT_DISABLE:
		if (ipe_lint_config_enable(l->cfg, arg, c == CLI_OPT_ENABLE)) {
			cli_error(prog, "unknown check '%s' (see ipe-check --list-checks)", arg);
			return CLI_EXIT_USAGE;
		}
		if (c == CLI_OPT_DISABLE) {
			const struct ipe_check_info *ci = ipe_check_find(arg);

			/* the parser reports these whatever the configuration says */
			if (ci && ci->frontend)
				fprintf(stderr,
					"%s: note: --disable=%s has no effect: %s is part of the kernel's verdict, reported by the parser, not a linter check\n",
					prog, arg, ci->code);
		}
		return CLI_EXIT_OK;
	case CLI_OPT_SEVERITY: {
		char code[64];
		const char *eq = strrchr(arg, '=');
		int lvl = eq ? cli_parse_level(eq + 1) : -1;

		if (!eq || lvl < 0 || (size_t)(eq - arg) >= sizeof(code)) {
			cli_error(prog, "--severity takes CODE=LEVEL (LEVEL: error, warning, info), not '%s'", arg);
			return CLI_EXIT_USAGE;
		}
		memcpy(code, arg, (size_t)(eq - arg));
		code[eq - arg] = 0;
		if (ipe_lint_config_set_severity(l->cfg, code, (enum ipe_severity)lvl)) {
			cli_error(prog, "unknown check '%s' (see ipe-check --list-checks)", code);
			return CLI_EXIT_USAGE;
		}
		return CLI_EXIT_OK;
	}
	case CLI_OPT_WERROR:
		l->fail_on = IPE_SEV_WARNING;
		return CLI_EXIT_OK;
	case CLI_OPT_FAIL_ON:
		l->fail_on = cli_parse_level(arg);
		if (l->fail_on < 0) {
			cli_error(prog, "--fail-on takes error, warning or info, not '%s'", arg);
			return CLI_EXIT_USAGE;
		}
		return CLI_EXIT_OK;
	case CLI_OPT_TARGET:
		return cli_set_target(prog, l->cfg, arg);
	case CLI_OPT_KCONFIG:
		l->kconfig = arg;
		return CLI_EXIT_OK;
	case CLI_OPT_NO_LINT:
		l->no_lint = true;
		return CLI_EXIT_OK;
	default:
		return -1;
	}
}

enum ipe_op cli_parse_op(const char *s)
{
	for (int op = 0; op < IPE_OP_COUNT; op++)
		if (strcmp(s, ipe_op_name((enum ipe_op)op)) == 0)
			return (enum ipe_op)op;
	return IPE_OP_INVALID;
}

const char *cli_op_list(char *buf, size_t bufsz)
{
	size_t n = 0;

	if (bufsz)
		buf[0] = '\0';
	for (int op = 0; op < IPE_OP_COUNT && n < bufsz; op++) {
		int w = snprintf(buf + n, bufsz - n, "%s%s", op == 0 ? "" : op + 1 == IPE_OP_COUNT ? " or " : ", ",
				 ipe_op_name((enum ipe_op)op));

		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}
