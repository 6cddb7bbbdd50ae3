/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the tool mains (argument and output plumbing only). */
#ifndef IPE_CLI_H
#define IPE_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ipe/ipe.h>

/* The one table of exit statuses of every tool, documented in every man
 * page (EXIT STATUS, "All ipe-tools commands share one table") and tested
 * by tests/hostile (exit group).  ipectl adds 4 (preflight refused), 5 (IPE
 * or the policy unavailable) and 6 (read-back disagrees):
 * ipe_ctl_result_exit_code(). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FINDINGS = 1, /* errors found / a refusal / a difference (ipe-check --equivalent, --diff) */
	CLI_EXIT_INPUT = 2,    /* an input could not be read or used, an output not written */
	CLI_EXIT_USAGE = 3,    /* bad arguments */
};

enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

/* Parse "auto|always|never"; -1 if invalid. */
int cli_parse_color(const char *s);
/* --color=WHEN: CLI_EXIT_OK with *ret set, or CLI_EXIT_USAGE after an error
 * message. */
int cli_color_option(const char *prog, const char *arg, enum cli_color *ret);

/* The diagnostics report formats of ipe-check --format and ipe-compile
 * --report-format. */
enum cli_report_format { CLI_REPORT_TEXT, CLI_REPORT_JSON, CLI_REPORT_SARIF, CLI_REPORT_GITHUB };
/* "text", "json", "sarif" or "github"; -1 after an error message ("unknown
 * WHAT 'S' (use text, json, sarif or github)"). */
int cli_report_format_option(const char *prog, const char *what, const char *s);
struct ipe_report_file;
/* The diagnostics of files to out in fmt: the library's JSON, SARIF or GitHub
 * renderer, or text (ipe_diag_render_text with flags; only errors when
 * quiet).  0 or a renderer's negative errno. */
int cli_render_report(const struct ipe_ctx *ctx, const struct ipe_report_file *files, size_t nfiles,
		      enum cli_report_format fmt, bool quiet, unsigned flags, FILE *out);
/* Colour decision for a stream: NO_COLOR disables auto; TERM=dumb too. */
bool cli_use_color(enum cli_color mode, FILE *f);

/* "prog: error: message\n" and "prog: warning: message\n" on stderr */
void cli_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warning(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* cli_error() for a tool's own variadic wrapper (ipectl's usage_error) */
void cli_verror(const char *prog, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* --kernel-config=PATH: "cannot read kernel configuration PATH: why" for
 * an ipe_eval_kernel_from_kconfig()/ipe_lint_config_load_kconfig() error,
 * and a reader that says it.  cli_read_kconfig: CLI_EXIT_OK or
 * CLI_EXIT_INPUT. */
struct ipe_eval_kernel;
void cli_kconfig_error(const char *prog, const char *path, int rc);
int cli_read_kconfig(const char *prog, const char *path, struct ipe_eval_kernel *ret);

/* "prog: message\n" on stderr (progress notes such as "wrote FILE") */
void cli_info(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line on out (the newline is added).  The formatted text is escaped
 * (ipe_fput_escaped): use it for every line that quotes input. */
void cli_print_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write an output with ipe_output_write, never replacing one of inputs;
 * prints why on failure.  Returns CLI_EXIT_OK or CLI_EXIT_INPUT. */
int cli_write_output(const char *prog, const char *path, const void *data, size_t len,
		     const char *const *inputs, size_t ninputs);
/* The same checks without writing (refuse early, before the work). */
int cli_check_output(const char *prog, const char *path, const char *const *inputs, size_t ninputs);
/* At exit: flush standard output; a write error (EIO, ENOSPC, /dev/full)
 * turns ret into CLI_EXIT_INPUT.  Returns the exit status. */
int cli_close_stdout(const char *prog, int ret);

/* Render every diagnostic of ctx (sorted) as text. */
void cli_print_diags(const struct ipe_ctx *ctx, FILE *out, unsigned flags);

/* --version of every tool, one format:
 * "PROG (ipe-tools) VERSION, libipe LIBVERSION" on standard output. */
void cli_print_version(const char *prog);

struct ipe_lint_config;
/* --target=REL for the tools that lint: sets it, prints a note when the
 * release is newer than the table (or 'running' was resolved).  Returns 0 or
 * CLI_EXIT_USAGE (error printed). */
int cli_set_target(const char *prog, struct ipe_lint_config *cfg, const char *release);

/* ---- lint options: one spelling for ipe-check and ipe-compile (the
 * --help text CLI_LINT_HELP is ipe-compile's; ipe-check words its own) ---- */
enum {
	CLI_OPT_ENABLE = 2000,
	CLI_OPT_DISABLE,
	CLI_OPT_SEVERITY,
	CLI_OPT_WERROR,
	CLI_OPT_FAIL_ON,
	CLI_OPT_TARGET,
	CLI_OPT_KCONFIG,
	CLI_OPT_NO_LINT,
};

#define CLI_LINT_LONGOPTS                                                   \
	{ "enable", required_argument, NULL, CLI_OPT_ENABLE },              \
	{ "disable", required_argument, NULL, CLI_OPT_DISABLE },            \
	{ "severity", required_argument, NULL, CLI_OPT_SEVERITY },          \
	{ "werror", no_argument, NULL, CLI_OPT_WERROR },                    \
	{ "fail-on", required_argument, NULL, CLI_OPT_FAIL_ON },            \
	{ "target", required_argument, NULL, CLI_OPT_TARGET },              \
	{ "kernel-config", required_argument, NULL, CLI_OPT_KCONFIG },      \
	{ "no-lint", no_argument, NULL, CLI_OPT_NO_LINT }

#define CLI_LINT_HELP                                                                        \
	"      --no-lint         do not run the lint checks (ipe-check(1)) on the result\n"      \
	"      --enable=CODE     enable a check (or 'all'); repeatable\n"                        \
	"      --disable=CODE    disable a check (or 'all'); repeatable\n"                       \
	"      --severity=CODE=LEVEL  report CODE at LEVEL (error, warning, info)\n"             \
	"      --werror          treat warnings as errors (nothing is written)\n"              \
	"      --fail-on=LEVEL   write nothing when a finding at LEVEL or above exists\n"       \
	"                        (error (default), warning, info)\n"                             \
	"      --target=REL      target kernel release, e.g. 6.12, $(uname -r) or 'running'\n"  \
	"      --kernel-config=FILE  the target's .config or /proc/config.gz\n"

struct cli_lint {
	struct ipe_lint_config *cfg;
	int fail_on;         /* enum ipe_severity */
	bool no_lint;
	const char *kconfig; /* --kernel-config */
};

/* "error", "warning", "info" (or "note") -> enum ipe_severity; -1 if invalid. */
int cli_parse_level(const char *s);
/* Handle getopt result c if it is a lint option: returns -1 when it is not,
 * else CLI_EXIT_OK or CLI_EXIT_USAGE (error printed). */
int cli_lint_option(const char *prog, struct cli_lint *l, int c, const char *arg);

/* --op=OP: the op named s (ipe_op_name()), or IPE_OP_INVALID */
enum ipe_op cli_parse_op(const char *s);
/* The op names for a message: "EXECUTE, FIRMWARE, ... or X509_CERT" in buf
 * (cut to bufsz); returns buf. */
const char *cli_op_list(char *buf, size_t bufsz);

/* A decimal option value: digits only (no sign, space or base prefix), from
 * min to max.  0 and *ret set, or -EINVAL (nothing printed). */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* strerror for a negative or positive errno */
const char *cli_strerror(int err);

#endif
