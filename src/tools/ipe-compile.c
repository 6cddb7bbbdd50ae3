/* SPDX-License-Identifier: MIT */
/* ipe-compile: policy source (kernel syntax + authoring extensions) -> what the kernel loads.
 * The pipeline is the library's ipe_compile(); this file parses the
 * arguments, prints the report and messages between its stages and writes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/binary.h>
#include <ipe/compile.h>
#include <ipe/io.h>
#include <ipe/ipe.h>
#include <ipe/lint.h>
#include <ipe/report.h>
#include <ipe/opt.h>
#include <ipe/pipeline.h>
#include <ipe/sign.h>

#include "cli.h"
#include "sign_opts.h"

static const char prog[] = "ipe-compile";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ipe-compile [OPTIONS] SOURCE\n"
		"       ipe-compile [OPTIONS] --decompile BINARY\n"
		"Compile an IPE policy source (kernel policy syntax plus the authoring\n"
		"extensions include, digest sets and multi-op rules; see ipe-policy(5))\n"
		"into the canonical kernel text.  SOURCE '-' reads standard input.\n"
		"Nothing is written when the source has errors or the kernel would\n"
		"reject the result; the output is written atomically.\n"
		"\n"
		"Options:\n"
		"  -o, --output=FILE     write to FILE ('-' = standard output); default in\n"
		"                        the current directory: POLICY_NAME.pol (text),\n"
		"                        POLICY_NAME.ipeb (binary), POLICY_NAME.p7b (--sign)\n"
		"      --name=NAME       override the policy name of the header\n"
		"      --policy-version=X.Y.Z\n"
		"                        override the policy version of the header\n"
		"                        (--version=X.Y.Z is a deprecated alias)\n"
		"      --bump-from=OLD   OLD is the previous policy (text or signed .p7b):\n"
		"                        use its name and its next revision as version\n"
		"      --boot            check as a boot policy (CONFIG_IPE_BOOT_POLICY):\n"
		"                        also refuse CR and NUL bytes in the sources\n"
		"  -f, --format=FMT      output format: text (default, the canonical kernel\n"
		"                        text) or binary (ipe-binary(5), for our tools)\n"
		"      --decompile=FILE  read a binary policy instead of a SOURCE and write\n"
		"                        its canonical text\n"
		"      --sign            write the signed text (DER PKCS#7, what\n"
		"                        /sys/kernel/security/ipe/new_policy and systemd's\n"
		"                        /etc/ipe/*.p7b take); needs --key and --cert;\n"
		"                        refused when the blob would exceed 65,535 bytes\n"
		"      --signed          the output will be signed later (ipe-sign): a policy\n"
		"                        too big for a signed blob is an error, not a warning\n"
		"\n"
		"Checks (the lint checks of ipe-check(1) run on what is compiled; findings\n"
		"point into the source files, through includes and set expansion):\n"
		CLI_LINT_HELP
		"      --report-format=FMT  diagnostics as text (default), json, sarif or\n"
		"                        github (as ipe-check --format)\n"
		"      --report=FILE     write the diagnostics to FILE instead of stderr\n"
		"\n"
		"Signing options (with --sign; as in ipe-sign(1)):\n"
		SIGN_OPTS_HELP
		"\n"
		"Other options:\n"
		"      --color=WHEN      colour diagnostics: auto (default), always, never\n"
		"      --no-source       do not quote source lines under diagnostics\n"
		"  -O, --optimize        drop what cannot change any decision (all passes);\n"
		"                        the result is proven equivalent before writing\n"
		"      --opt=PASSES      optimize with these passes only (comma list of\n"
		"                        contradictions, dup-props, duplicates, dead,\n"
		"                        redundant, defaults, or all)\n"
		"      --no-opt=PASSES   optimize without these passes\n"
		"      --max-rules=N     at most N rules in the policy (default 1000000)\n"
		"      --max-line-rules=N  at most N rules from one source line (default 100000)\n"
		"      --max-includes=N  at most N include / set ... from directives (default 1000)\n"
		"      --max-include-bytes=N  at most N bytes read through include and\n"
		"                        set ... from, in total (default 268435456)\n"
		"  -q, --quiet           print only errors\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the program version and exit\n"
		"\n"
		"Exit status:\n"
		"  0  output written\n"
		"  1  the source has errors, the kernel would reject the policy, or a check\n"
		"     found something at the --fail-on level (default: error); nothing written\n"
		"  2  a file could not be read or written\n"
		"  3  usage error\n"
		"\n"
		"See ipe-compile(1), ipe-policy(5) and ipe-binary(5).\n");
}

enum {
	OPT_NAME = 256,
	OPT_VERSION,
	OPT_VERSION_COMPAT,
	OPT_BUMP,
	OPT_BOOT,
	OPT_SIGN,
	OPT_DECOMPILE,
	OPT_COLOR,
	OPT_NO_SOURCE,
	OPT_SIGNED,
	OPT_REPORT_FORMAT,
	OPT_REPORT,
	OPT_OPT_ON = 900,
	OPT_OPT_OFF,
	OPT_MAX_RULES = 950,
	OPT_MAX_LINE_RULES,
	OPT_MAX_INCLUDES,
	OPT_MAX_INCLUDE_BYTES,
};

struct opts {
	const char *output, *name, *version, *bump_from, *input;
	uint16_t version_v[3];         /* --policy-version, parsed */
	bool boot, quiet, no_source, sign, binary, decompile;
	bool optimize;
	unsigned opt_passes; /* with optimize */
	enum cli_color color;
	struct sign_cli sc;
	struct ipe_source_opts limits; /* --max-* (0 = default) */
	struct cli_lint lint;
	bool signed_later;            /* --signed */
	enum cli_report_format report_format;
	const char *report;           /* NULL = stderr */
};

/* A limit: a positive decimal number, nothing else. */
static int parse_limit(const char *opt, const char *arg, size_t *ret)
{
	uint64_t v;

	if (cli_parse_u64(arg, 1, SIZE_MAX, &v) < 0) {
		cli_error(prog, "--%s takes a positive number, not '%s'", opt, arg);
		return -EINVAL;
	}
	*ret = (size_t)v;
	return 0;
}

/* Write through the one output routine; never onto an input (the source,
 * its includes and digest files, --bump-from, the signing files). */
static int write_output(struct ipe_ctx *ctx, const struct opts *o, const char *outpath, const void *data, size_t len,
			bool check_only)
{
	size_t nsrc = ipe_ctx_source_count(ctx), n = 0;
	const char **in = calloc(nsrc + 5 + o->sc.nextra, sizeof(*in));
	struct ipe_output_opts oo;
	long which = -1;
	int ret;

	if (!in) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	for (uint32_t i = 0; i < nsrc; i++)
		in[n++] = ipe_source_name(ipe_ctx_source(ctx, i));
	in[n++] = o->input;
	in[n++] = o->bump_from;
	n += sign_cli_inputs(&o->sc, in + n);
	oo = (struct ipe_output_opts){ .inputs = in, .ninputs = n };
	if (!o->output && ipe_output_check(outpath, &oo, &which) == -EEXIST && which >= 0) {
		/* POLICY_NAME.pol next to a source named after its policy */
		cli_error(prog,
			  "the default output %s (POLICY_NAME.%s) is the input %s: refusing to replace it; give -o FILE to write elsewhere, or -o - for standard output",
			  outpath, o->sign ? "p7b" : o->binary ? "ipeb" : "pol", in[which]);
		ret = CLI_EXIT_INPUT;
	} else {
		ret = check_only ? cli_check_output(prog, outpath, in, n)
				 : cli_write_output(prog, outpath, data, len, in, n);
	}
	free(in);
	return ret;
}

/* The diagnostics, in the --report-format, to stderr or --report=FILE. */
static int report(struct ipe_ctx *ctx, const struct ipe_policy *p, uint32_t src, const struct opts *o,
		  unsigned flags)
{
	struct ipe_report_file f = { .path = o->input, .src = src, .policy = p };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = o->report ? open_memstream(&buf, &len) : stderr;
	int rc = 0;

	if (!out) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	if (o->report)
		flags &= ~(unsigned)IPE_RENDER_COLOR;
	rc = cli_render_report(ctx, &f, 1, o->report_format, o->quiet, flags, out);
	if (o->report) {
		if (fclose(out) != 0)
			rc = -ENOMEM;
		if (!rc)
			rc = ipe_write_file_atomic(o->report, buf, len, 0644);
		free(buf);
		if (rc) {
			cli_error(prog, "cannot write %s: %s", o->report, cli_strerror(rc));
			return CLI_EXIT_INPUT;
		}
	} else if (rc) {
		cli_error(prog, "cannot write the report: %s", cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

/* One run of the library's pipeline (ipe_compile()): what it needs printed
 * between its stages. */
struct run {
	struct opts *o;
	unsigned flags;  /* rendering of the report */
	char *outpath;
	int exit;        /* set by a callback that stopped the run */
};

static const char *out_ext(const struct opts *o)
{
	return o->sign ? "p7b" : o->binary ? "ipeb" : "pol";
}

static int on_progress(void *arg, struct ipe_ctx *ctx, enum ipe_compile_event ev, const struct ipe_compile_result *r)
{
	struct run *run = arg;
	const struct opts *o = run->o;

	if (ev == IPE_COMPILE_EVENT_CHECKED) {
		run->exit = report(ctx, r->policy, r->src, o, run->flags);
		if (run->exit)
			return -ECANCELED;
		if (r->stage != IPE_COMPILE_STAGE_FINDINGS)
			ipe_ctx_diag_clear(ctx);
		return 0;
	}
	/* IPE_COMPILE_EVENT_EMITTING */
	if (o->optimize && !o->quiet) {
		fprintf(stderr, "%s: optimized: %zu -> %zu bytes (%zu saved), proven equivalent;", prog,
			r->opt_len_before, r->opt_len_after, r->opt_len_before - r->opt_len_after);
		for (int i = 0; i < IPE_OPT_PASS_COUNT; i++)
			if (o->opt_passes & (1u << i))
				fprintf(stderr, " %s %zu", ipe_opt_pass_name((enum ipe_opt_pass)i), r->opt_removed[i]);
		fputc('\n', stderr);
	}
	if (o->output) {
		run->outpath = strdup(o->output);
	} else if (asprintf(&run->outpath, "%s.%s", ipe_policy_name(r->policy, NULL), out_ext(o)) < 0) {
		run->outpath = NULL;
	}
	if (!run->outpath) {
		cli_error(prog, "out of memory");
		run->exit = CLI_EXIT_INPUT;
		return -ECANCELED;
	}
	/* refuse a bad output before signing (a PIN, a passphrase) */
	run->exit = write_output(ctx, o, run->outpath, NULL, 0, true);
	return run->exit ? -ECANCELED : 0;
}

/* Where the pipeline stopped, in words and as an exit status. */
static int failed(struct ipe_ctx *ctx, const struct run *run, const struct ipe_compile_result *r, int rc)
{
	const struct opts *o = run->o;
	int color = cli_use_color(o->color, stderr) ? IPE_RENDER_COLOR : 0;

	if (run->exit)
		return run->exit;
	switch (r->stage) {
	case IPE_COMPILE_STAGE_PARSE:
		if (o->decompile) {
			cli_print_diags(ctx, stderr, IPE_RENDER_NO_SOURCE | (unsigned)color);
			cli_error(prog, "%s: not a valid binary policy (%s); nothing written", o->input, cli_strerror(rc));
			return rc == -ENOMEM ? CLI_EXIT_INPUT : CLI_EXIT_FINDINGS;
		}
		cli_error(prog, "cannot compile %s: %s", o->input, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	case IPE_COMPILE_STAGE_BOOT:
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	case IPE_COMPILE_STAGE_BUMP_READ:
		cli_error(prog, "cannot read %s: %s", o->bump_from, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	case IPE_COMPILE_STAGE_BUMP_HEADER:
		cli_print_diags(ctx, stderr, IPE_RENDER_NO_SOURCE);
		if (rc != -EBADMSG)
			cli_error(prog, "cannot read the header of %s: %s", o->bump_from, cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_BUMP_VERSION:
		cli_error(prog, "%s has version 65535.65535.65535: there is no next version", o->bump_from);
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_BUMP_NAME:
		if (o->name)
			cli_error(prog, "--name=%s differs from the name of %s ('%s'); an update keeps the name", o->name,
				  o->bump_from, r->bump_name);
		else
			cli_error(prog,
				  "%s is policy '%s' but the source names '%s'; the kernel updates a policy only under the same name (use --name=%s to rename)",
				  o->bump_from, r->bump_name, ipe_policy_name(r->policy, NULL), r->bump_name);
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_OVERRIDE:
		cli_error(prog, "--name: %s", cli_strerror(rc));
		return CLI_EXIT_INPUT;
	case IPE_COMPILE_STAGE_LINT:
		cli_error(prog, "cannot check %s: %s", o->input, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	case IPE_COMPILE_STAGE_FINDINGS:
		cli_error(prog, "%s: %zu %s%s; nothing written", o->input, r->nfindings,
			  o->lint.fail_on == IPE_SEV_ERROR ? "error" : "finding", r->nfindings == 1 ? "" : "s");
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_OPTIMIZE:
		cli_error(prog, "cannot optimize: %s", cli_strerror(rc));
		return CLI_EXIT_INPUT;
	case IPE_COMPILE_STAGE_NOT_EQUIVALENT:
		cli_error(prog, "internal error: the optimized policy is not equivalent to the source; nothing written");
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_EMIT:
		cli_error(prog, "cannot emit the canonical text: %s", cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_SELF_CHECK:
		cli_error(prog, "internal error: the compiled text does not read back as itself (%s); nothing written",
			  cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_BINARY:
		cli_error(prog, "cannot encode the binary form: %s", cli_strerror(rc));
		return rc == -ENOMEM ? CLI_EXIT_INPUT : CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_BINARY_CHECK:
		cli_error(prog, "internal error: the binary form does not decode to the compiled text (%s); nothing written",
			  cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_SIGNER:
	case IPE_COMPILE_STAGE_SIGN:
		cli_print_diags(ctx, stderr, (unsigned)color);
		ipe_ctx_diag_clear(ctx);
		cli_error(prog, "%s: not signed (%s); nothing written", o->input, cli_strerror(rc));
		/* a key, certificate or passphrase that cannot be used is an
		 * input (2), a policy the signer refuses a finding (1) */
		return r->stage == IPE_COMPILE_STAGE_SIGNER || rc == -ENOMEM ? CLI_EXIT_INPUT : CLI_EXIT_FINDINGS;
	case IPE_COMPILE_STAGE_DONE:
		break;
	}
	cli_error(prog, "%s: %s", o->input, cli_strerror(rc));
	return CLI_EXIT_INPUT;
}

/* Compile (or --decompile) through the library, then write. */
static int compile(struct ipe_ctx *ctx, struct opts *o)
{
	struct run run = { .o = o, .flags = (cli_use_color(o->color, stderr) ? IPE_RENDER_COLOR : 0) |
					    (o->no_source ? IPE_RENDER_NO_SOURCE : 0) };
	struct ipe_compile_opts co = {
		.version = IPE_COMPILE_OPTS_V1,
		.source = &o->limits,
		.format = o->sign ? IPE_COMPILE_SIGNED : o->binary ? IPE_COMPILE_BINARY : IPE_COMPILE_TEXT,
		.name = o->name,
		.policy_version = o->version ? o->version_v : NULL,
		.bump_from = o->bump_from,
		.boot = o->boot,
		.no_lint = o->lint.no_lint,
		.lint = o->lint.cfg,
		.fail_on = o->lint.fail_on,
		.optimize = o->optimize ? o->opt_passes : 0,
		.progress = on_progress,
		.progress_arg = &run,
	};
	struct ipe_compile_result *r = NULL;
	const struct ipe_policy *p;
	uint16_t v[3];
	uint8_t *data = NULL;
	size_t len = 0;
	uint32_t src;
	int rc, ret;

	if (o->sign) {
		o->sc.so.name = o->input;
		co.sign = sign_cli_opts(&o->sc);
	}
	if (o->decompile) {
		rc = ipe_binary_read_file(ctx, o->input, &data, &len);
		if (rc && rc != -EBADMSG) {
			cli_error(prog, "cannot read %s: %s", o->input, cli_strerror(rc));
			return CLI_EXIT_INPUT;
		}
		if (!rc)
			rc = ipe_compile_binary(ctx, data, len, &co, &r);
		free(data);
	} else {
		rc = ipe_source_from_file(ctx, o->input, &src);
		if (rc) {
			cli_error(prog, "cannot read %s: %s", o->input, cli_strerror(rc));
			return CLI_EXIT_INPUT;
		}
		rc = ipe_compile(ctx, src, &co, &r);
	}
	if (!r) {
		if (rc == -EBADMSG) {
			/* ipe_binary_read_file refused it (diagnostics in ctx) */
			struct ipe_compile_result none = { .stage = IPE_COMPILE_STAGE_PARSE };

			return failed(ctx, &run, &none, rc);
		}
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	if (rc) {
		ret = failed(ctx, &run, r, rc);
		goto out;
	}
	if (o->sign) {
		/* the signer's warnings */
		cli_print_diags(ctx, stderr, cli_use_color(o->color, stderr) ? IPE_RENDER_COLOR : 0);
		ipe_ctx_diag_clear(ctx);
	}
	ret = write_output(ctx, o, run.outpath, r->output, r->output_len, false);
	if (ret)
		goto out;
	p = r->policy;
	ipe_policy_version(p, v);
	if (!o->quiet && strcmp(run.outpath, "-") != 0)
		cli_info(prog, "wrote %s (%s policy '%s' version %u.%u.%u, %zu rule%s, %zu bytes)", run.outpath,
			 o->sign ? "signed" : o->binary ? "binary" : "text", ipe_policy_name(p, NULL), v[0], v[1], v[2],
			 ipe_policy_nrules(p), ipe_policy_nrules(p) == 1 ? "" : "s", r->output_len);
out:
	ipe_compile_result_free(r);
	free(run.outpath);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "policy-version", required_argument, NULL, OPT_VERSION },
		/* --version prints the program version; --version=X.Y.Z is the
		 * deprecated spelling of --policy-version (before 0.1.0). */
		{ "version", optional_argument, NULL, OPT_VERSION_COMPAT },
		{ "bump-from", required_argument, NULL, OPT_BUMP },
		{ "boot", no_argument, NULL, OPT_BOOT },
		{ "format", required_argument, NULL, 'f' },
		{ "sign", no_argument, NULL, OPT_SIGN },
		{ "signed", no_argument, NULL, OPT_SIGNED },
		{ "report-format", required_argument, NULL, OPT_REPORT_FORMAT },
		{ "report", required_argument, NULL, OPT_REPORT },
		CLI_LINT_LONGOPTS,
		{ "decompile", required_argument, NULL, OPT_DECOMPILE },
		SIGN_OPTS_LONGOPTS,
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "no-source", no_argument, NULL, OPT_NO_SOURCE },
		{ "optimize", no_argument, NULL, 'O' },
		{ "opt", required_argument, NULL, OPT_OPT_ON },
		{ "no-opt", required_argument, NULL, OPT_OPT_OFF },
		{ "max-rules", required_argument, NULL, OPT_MAX_RULES },
		{ "max-line-rules", required_argument, NULL, OPT_MAX_LINE_RULES },
		{ "max-includes", required_argument, NULL, OPT_MAX_INCLUDES },
		{ "max-include-bytes", required_argument, NULL, OPT_MAX_INCLUDE_BYTES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version-info", no_argument, NULL, 'V' }, /* old spelling of --version */
		{ 0 },
	};
	struct opts o = { .color = CLI_COLOR_AUTO };
	struct ipe_ctx *ctx = NULL;
	int c, ret, longidx = 0;
	unsigned opt_off = 0;
	bool opt_on = false, print_version = false;

	if (sign_cli_init(&o.sc, argc)) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	o.lint.fail_on = IPE_SEV_ERROR;
	if (ipe_lint_config_new(&o.lint.cfg)) {
		cli_error(prog, "out of memory");
		sign_cli_free(&o.sc);
		return CLI_EXIT_INPUT;
	}
	/* too big to sign: fine for a boot policy, so a warning unless the
	 * output is to be signed (--signed; --sign checks the real blob) */
	ipe_lint_config_set_severity(o.lint.cfg, "IPE-E040", IPE_SEV_WARNING);
	while ((c = getopt_long(argc, argv, "o:f:k:c:p:OqhV", longopts, &longidx)) != -1) {
		switch (c) {
		case 'o':
			o.output = optarg;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case OPT_VERSION:
			o.version = optarg;
			break;
		case OPT_VERSION_COMPAT:
			if (!optarg) {
				print_version = true;
				break;
			}
			cli_warning(prog, "--version=%s is deprecated: use --policy-version=%s", optarg, optarg);
			o.version = optarg;
			break;
		case OPT_BUMP:
			o.bump_from = optarg;
			break;
		case OPT_BOOT:
			o.boot = true;
			break;
		case 'f':
			if (strcmp(optarg, "binary") == 0) {
				o.binary = true;
			} else if (strcmp(optarg, "text") == 0) {
				o.binary = false;
			} else {
				cli_error(prog, "unknown format '%s' (use text or binary)", optarg);
				ret = CLI_EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_SIGN:
			o.sign = true;
			break;
		case OPT_SIGNED:
			o.signed_later = true;
			break;
		case OPT_REPORT_FORMAT:
			c = cli_report_format_option(prog, "report format", optarg);
			if (c < 0) {
				ret = CLI_EXIT_USAGE;
				goto out;
			}
			o.report_format = (enum cli_report_format)c;
			break;
		case OPT_REPORT:
			o.report = optarg;
			break;
		case OPT_DECOMPILE:
			o.decompile = true;
			o.input = optarg;
			break;
		case OPT_COLOR:
			ret = cli_color_option(prog, optarg, &o.color);
			if (ret != CLI_EXIT_OK)
				goto out;
			break;
		case 'O':
			o.optimize = true;
			o.opt_passes |= IPE_OPT_ALL & ~opt_off;
			break;
		case OPT_OPT_ON:
		case OPT_OPT_OFF: {
			unsigned m = 0;
			const char *bad = NULL;

			if (ipe_opt_passes_parse(optarg, &m, &bad)) {
				cli_error(prog, "--%s: unknown pass '%.*s' (passes: contradictions, dup-props, duplicates, dead, redundant, defaults, all)",
					  c == OPT_OPT_ON ? "opt" : "no-opt", (int)strcspn(bad, ","), bad);
				ret = CLI_EXIT_USAGE;
				goto out;
			}
			if (c == OPT_OPT_ON) {
				o.opt_passes |= m;
				opt_on = true;
			} else {
				opt_off |= m;
				if (!opt_on)
					o.opt_passes |= IPE_OPT_ALL;
			}
			o.optimize = true;
			o.opt_passes &= ~opt_off;
			break;
		}
		case OPT_NO_SOURCE:
			o.no_source = true;
			break;
		case OPT_MAX_RULES:
		case OPT_MAX_LINE_RULES:
		case OPT_MAX_INCLUDES:
		case OPT_MAX_INCLUDE_BYTES: {
			size_t *dst = c == OPT_MAX_RULES	? &o.limits.max_rules
				      : c == OPT_MAX_LINE_RULES ? &o.limits.max_line_rules
				      : c == OPT_MAX_INCLUDES	? &o.limits.max_includes
								: &o.limits.max_include_bytes;

			if (parse_limit(longopts[longidx].name, optarg, dst)) {
				ret = CLI_EXIT_USAGE;
				goto out;
			}
			break;
		}
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			ret = CLI_EXIT_OK;
			goto out;
		case 'V':
			print_version = true;
			break;
		default:
			if (sign_cli_option(&o.sc, c, optarg))
				break;
			ret = cli_lint_option(prog, &o.lint, c, optarg);
			if (ret == CLI_EXIT_OK)
				break;
			if (ret > 0)
				goto out;
			fprintf(stderr, "Try 'ipe-compile --help' for more information.\n");
			ret = CLI_EXIT_USAGE;
			goto out;
		}
	}
	ret = CLI_EXIT_USAGE;
	if (print_version) {
		/* Refuse "--version 1.2.3 in.pol" (the pre-0.1.0 policy version
		 * option) instead of printing and silently compiling nothing. */
		if (argc - optind) {
			cli_error(prog, "--version prints the program version and takes no SOURCE; "
					"set the policy version with --policy-version=X.Y.Z");
			goto out;
		}
		cli_print_version(prog);
		ret = CLI_EXIT_OK;
		goto out;
	}
	if (argc - optind != (o.decompile ? 0 : 1)) {
		if (o.decompile)
			cli_error(prog, "--decompile FILE takes no SOURCE");
		else
			cli_error(prog, argc - optind ? "exactly one SOURCE file, please" : "no SOURCE file given");
		fprintf(stderr, "Try 'ipe-compile --help' for more information.\n");
		goto out;
	}
	if (!o.decompile)
		o.input = argv[optind];
	if (o.sign && o.binary) {
		cli_error(prog, "--sign signs the kernel text; it cannot be combined with --format=binary (the kernel loads text only)");
		goto out;
	}
	if (o.sign && (!o.sc.so.key || !o.sc.so.cert)) {
		cli_error(prog, "--sign needs --key KEY and --cert CERT (see --help)");
		goto out;
	}
	if (!o.sign && o.sc.any) {
		cli_error(prog, "signing options (--key, --cert, --pass, --hash, ...) need --sign");
		goto out;
	}
	if (o.decompile && o.binary) {
		cli_error(prog, "--decompile writes text; --format=binary would only copy the input");
		goto out;
	}
	if (o.decompile && o.boot) {
		cli_error(prog, "--boot checks sources; check the decompiled text instead (ipe-compile --boot FILE.pol)");
		goto out;
	}
	if (o.version && o.bump_from) {
		cli_error(prog, "--policy-version and --bump-from both set the version; give one of them");
		goto out;
	}
	if (o.sign && o.signed_later) {
		cli_error(prog, "--sign already signs; --signed is for output signed later");
		goto out;
	}
	if (o.report && (strcmp(o.report, "-") == 0 || (o.output && strcmp(o.report, o.output) == 0) ||
			 strcmp(o.report, o.input) == 0)) {
		cli_error(prog, "--report=%s would overwrite %s", o.report,
			  strcmp(o.report, o.input) == 0 ? "the source" : "the output");
		goto out;
	}
	if (o.sign) {
		/* the real blob size is checked when signing */
		ipe_lint_config_enable(o.lint.cfg, "IPE-E040", false);
		ipe_lint_config_enable(o.lint.cfg, "IPE-W134", false);
	} else if (o.signed_later) {
		ipe_lint_config_set_severity(o.lint.cfg, "IPE-E040", IPE_SEV_ERROR);
	}
	if (o.version) {
		int rc = ipe_version_parse(o.version, o.version_v);

		if (rc) {
			cli_error(prog, "--version '%s' %s", o.version,
				  rc == -ERANGE ? "has a part above 65535"
						: "is not MAJOR.MINOR.REVISION with decimal parts (e.g. 1.2.3)");
			goto out;
		}
	}
	if (o.name) {
		const char *why = ipe_policy_name_problem(o.name, strlen(o.name));

		if (why) {
			cli_error(prog, "--name: %s", why);
			goto out;
		}
	}
	if (ipe_ctx_new(&ctx)) {
		cli_error(prog, "out of memory");
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	if (o.lint.kconfig) {
		int rc = ipe_lint_config_load_kconfig(o.lint.cfg, ctx, o.lint.kconfig);

		if (rc) {
			cli_print_diags(ctx, stderr, 0);
			cli_error(prog, "cannot read kernel configuration %s: %s", o.lint.kconfig,
				  rc == -EBADMSG ? "not a kernel .config (no CONFIG_ lines, or corrupt gzip)"
						 : cli_strerror(rc));
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		ipe_ctx_diag_clear(ctx);
	}
	ret = compile(ctx, &o);
out:
	ipe_ctx_free(ctx);
	sign_cli_free(&o.sc);
	ipe_lint_config_free(o.lint.cfg);
	return cli_close_stdout(prog, ret);
}
