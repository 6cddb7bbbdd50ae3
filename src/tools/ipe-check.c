/* SPDX-License-Identifier: MIT */
/* ipe-check: what will the kernel do with this policy, and what is wrong with it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/compile.h>
#include <ipe/equiv.h>
#include <ipe/ipe.h>
#include <ipe/lint.h>
#include <ipe/pipeline.h>
#include <ipe/sign.h>

#include "check_diff.h"
#include "cli.h"

static const char prog[] = "ipe-check";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ipe-check [OPTIONS] FILE...\n"
		"Predict exactly what Linux (6.12+) answers when each IPE policy FILE is\n"
		"signed and written to securityfs new_policy, and report every problem\n"
		"with file:line:column diagnostics.  FILE '-' reads standard input.\n"
		"\n"
		"Options:\n"
		"  -f, --format=FMT     output format: text (default), json, sarif (SARIF 2.1.0)\n"
		"                       or github (GitHub Actions annotations)\n"
		"      --canonical      print the canonical kernel text of the (single) FILE\n"
		"                       instead of the report; nothing is written when the\n"
		"                       kernel would reject the policy\n"
		"  -o, --output=OUT     write the report or canonical text to OUT (atomically)\n"
		"      --color=WHEN     colour diagnostics: auto (default), always, never;\n"
		"                       NO_COLOR in the environment disables auto\n"
		"      --no-source      do not quote source lines under diagnostics\n"
		"  -q, --quiet          print only error diagnostics, no verdict lines\n"
		"      --source         FILE is an ipe-compile source (include, set, op=A,B):\n"
		"                       check the policy it compiles to, findings in the\n"
		"                       source files (detected, with a note, when the kernel\n"
		"                       would reject the file but ipe-compile compiles it)\n"
		"A signed blob (.p7b) is checked by its signed content, with its signer and\n"
		"its size against the kernel's 65,535-byte limit.\n"
		"\n"
		"Lint control:\n"
		"      --list-checks    list every check (code, severity, name, title) and exit\n"
		"      --explain=CODE   explain a check with an example and the fix, and exit\n"
		"      --enable=CODE    enable a check (or 'all'); repeatable\n"
		"      --disable=CODE   disable a check (or 'all'); repeatable\n"
		"      --severity=CODE=LEVEL  report CODE at LEVEL (error, warning, info)\n"
		"      --werror         treat warnings as errors for the exit status\n"
		"      --fail-on=LEVEL  exit 1 when a finding at LEVEL or above exists\n"
		"                       (error (default), warning, info)\n"
		"      --target=REL     target kernel release, e.g. 6.12, $(uname -r), or\n"
		"                       'running' (default: newest known; newer releases are\n"
		"                       checked as the newest known, with a note)\n"
		"      --kernel-config=FILE  the target's .config or /proc/config.gz\n"
		"      --baseline=OLD   the policy this one replaces: check update safety\n"
		"      --max-rules=N    rules per op before IPE-W133 (default 1000, 0 = off)\n"
		"      --fold-after=N   report N rules dead for one cause one by one, then\n"
		"                       one finding counting the rest (default 10, 0 = all)\n"
		"      --no-lint        report only what the kernel would reject\n"
		"      --equivalent     with two policies A B: do they decide every event\n"
		"                       alike? (exit 0 yes, 1 no: a witness event is shown)\n"
		"      --diff           with two policies OLD NEW (text or signed blobs): every\n"
		"                       decision that changes, with both lines, the events\n"
		"                       and a witness; formats text, json, github (exit 0 no\n"
		"                       decision changed, 1 some changed, 2 unreadable or\n"
		"                       rejected input)\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Exit status:\n"
		"  0  every policy would be accepted and no error was found\n"
		"  1  at least one error-level finding (including any kernel rejection)\n"
		"  2  an input could not be read\n"
		"  3  usage error\n"
		"\n"
		"See ipe-check(1) and ipe-policy(5).\n");
}

/* the lint options (--enable ... --no-lint) are cli.c's, shared with ipe-compile */
enum { OPT_CANONICAL = 256, OPT_COLOR, OPT_NO_SOURCE, OPT_LIST, OPT_EXPLAIN, OPT_BASELINE, OPT_MAX_RULES,
       OPT_FOLD_AFTER };


/* --equivalent A B (self-contained) */
#define OPT_EQUIVALENT 1000
/* --source: FILE is an ipe-compile source */
#define OPT_SOURCE 1002
/* --diff OLD NEW (check_diff.c) */
#define OPT_DIFF 1001

static struct ipe_policy *equiv_load(struct ipe_ctx *ctx, const char *path, int *ret)
{
	struct ipe_policy *p = NULL;
	uint32_t src;
	int rc = ipe_source_from_file(ctx, path, &src);

	if (!rc)
		rc = ipe_policy_parse(ctx, src, &p);
	if (rc) {
		cli_error(prog, "cannot read %s: %s", path, cli_strerror(rc));
		*ret = CLI_EXIT_INPUT;
		return NULL;
	}
	if (ipe_policy_verdict(p)->err) {
		cli_print_diags(ctx, stderr, IPE_RENDER_NO_SOURCE);
		cli_error(prog, "%s: the kernel would reject this policy (%s); equivalence needs accepted policies", path,
			  ipe_errno_name(ipe_policy_verdict(p)->err));
		ipe_policy_free(p);
		*ret = CLI_EXIT_FINDINGS;
		return NULL;
	}
	return p;
}

static int run_equivalent(char **paths, size_t n, const char *kconfig, bool quiet)
{
	struct ipe_eval_kernel k, *kp = NULL;
	struct ipe_policy *pa = NULL, *pb = NULL;
	struct ipe_equiv_result r = { 0 };
	struct ipe_ctx *ctx = NULL;
	int rc, ret = CLI_EXIT_OK;

	if (n != 2) {
		cli_error(prog, "--equivalent takes exactly two policy files (A B), not %zu", n);
		return CLI_EXIT_USAGE;
	}
	if (kconfig) {
		if (cli_read_kconfig(prog, kconfig, &k) != CLI_EXIT_OK)
			return CLI_EXIT_INPUT;
		kp = &k;
	}
	if (ipe_ctx_new(&ctx))
		return CLI_EXIT_INPUT;
	pa = equiv_load(ctx, paths[0], &ret);
	if (pa)
		pb = equiv_load(ctx, paths[1], &ret);
	if (!pa || !pb)
		goto out;
	rc = ipe_policy_equivalent(pa, pb, kp, &r);
	if (rc) {
		cli_error(prog, "cannot compare %s and %s: %s", paths[0], paths[1], cli_strerror(rc));
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	if (r.equivalent) {
		if (!quiet)
			cli_print_line(stdout, "%s and %s are equivalent: the same decision for every event%s", paths[0],
				       paths[1], kp ? " on this kernel configuration" : "");
	} else {
		char *ev = NULL, *da = NULL, *db = NULL;

		if (ipe_equiv_event_format(&r, &ev) || ipe_decision_format(pa, r.op, &r.decision[0], &da) ||
		    ipe_decision_format(pb, r.op, &r.decision[1], &db)) {
			cli_error(prog, "out of memory");
			ret = CLI_EXIT_INPUT;
		} else {
			cli_print_line(stdout, "%s and %s are NOT equivalent", paths[0], paths[1]);
			cli_print_line(stdout, "  event: %s", ev);
			cli_print_line(stdout, "  %s: %s", paths[0], da);
			cli_print_line(stdout, "  %s: %s", paths[1], db);
			ret = CLI_EXIT_FINDINGS;
		}
		free(ev);
		free(da);
		free(db);
	}
out:
	ipe_equiv_result_clear(&r);
	ipe_policy_free(pa);
	ipe_policy_free(pb);
	ipe_ctx_free(ctx);
	return ret;
}

static void list_checks(void)
{
	for (size_t i = 0; i < ipe_check_count(); i++) {
		const struct ipe_check_info *ci = ipe_check_at(i);

		printf("%s  %-7s  %-30s  %s%s\n", ci->code, ipe_severity_name(ci->severity), ci->name, ci->title,
		       ci->frontend ? " [kernel]" : "");
	}
}

static int explain(const char *code)
{
	const struct ipe_check_info *ci = ipe_check_find(code);

	if (!ci) {
		cli_error(prog, "unknown check '%s' (see --list-checks)", code);
		return CLI_EXIT_USAGE;
	}
	printf("%s (%s, %s): %s\n\n%s\n", ci->code, ci->name, ipe_severity_name(ci->severity), ci->title,
	       ci->explanation);
	return CLI_EXIT_OK;
}

struct opts {
	bool json, canonical, quiet, no_source, no_lint, source;
	enum cli_report_format format;
	int fail_on;
	enum cli_color color;
	const char *output;
};

static void print_verdict_text(const struct ipe_ctx *ctx, const struct ipe_report_file *f, const char *what,
			       FILE *out)
{
	const struct ipe_policy *p = f->policy;
	const struct ipe_verdict *vd = ipe_policy_verdict(p); /* NULL when p is */
	const struct ipe_source *s = ipe_ctx_source(ctx, f->src);
	const char *name = s ? ipe_source_name(s) : f->path;

	if (!p)
		return;
	if (!vd->err) {
		char shown[1200];
		size_t name_len;
		const char *pname = ipe_policy_name(p, &name_len);
		uint16_t v[3];

		ipe_policy_version(p, v);
		ipe_escape_bytes(shown, sizeof(shown), pname, name_len);
		ipe_fput_escaped(out, name, strlen(name), 0);
		fprintf(out, ": kernel verdict%s: accepted (policy '%s' version %u.%u.%u, %zu rule%s)\n", what,
			shown, v[0], v[1], v[2], ipe_policy_nrules(p), ipe_policy_nrules(p) == 1 ? "" : "s");
		return;
	}
	ipe_fput_escaped(out, name, strlen(name), 0);
	fprintf(out, ": kernel verdict%s: rejected with %s at %u:%u [%s]\n", what,
		ipe_errno_name(vd->err), vd->loc.line, vd->loc.col, vd->code ? vd->code : "?");
}

/* Everything ipe-check read: the report never replaces one of them. */
struct inputs {
	const char **v;
	size_t n;
};

static int collect_inputs(const struct ipe_ctx *ctx, char **files, size_t nfiles, const char *kconfig,
			  const char *baseline, struct inputs *in)
{
	size_t nsrc = ipe_ctx_source_count(ctx);

	in->n = 0;
	in->v = calloc(nsrc + nfiles + 2, sizeof(*in->v));
	if (!in->v)
		return -ENOMEM;
	for (uint32_t i = 0; i < nsrc; i++)
		in->v[in->n++] = ipe_source_name(ipe_ctx_source(ctx, i));
	for (size_t i = 0; i < nfiles; i++)
		in->v[in->n++] = files[i];
	in->v[in->n++] = kconfig;
	in->v[in->n++] = baseline;
	return 0;
}

static int run_canonical(struct ipe_ctx *ctx, struct ipe_report_file *f, const struct opts *o,
			 const struct inputs *in)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!f->policy || ipe_policy_verdict(f->policy)->err) {
		unsigned flags = cli_use_color(o->color, stderr) ? IPE_RENDER_COLOR : 0;

		cli_print_diags(ctx, stderr, flags | (o->no_source ? IPE_RENDER_NO_SOURCE : 0));
		if (f->policy)
			cli_error(prog, "%s: the kernel would reject this policy (%s); no canonical text written",
				  f->path, ipe_errno_name(ipe_policy_verdict(f->policy)->err));
		return CLI_EXIT_FINDINGS;
	}
	rc = ipe_policy_emit_canonical(f->policy, &text, &len);
	if (rc) {
		cli_error(prog, "cannot emit canonical text: %s", cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	}
	rc = cli_write_output(prog, o->output ? o->output : "-", text, len, in->v, in->n);
	free(text);
	return rc;
}

/* Load one input (ipe_policy_load_file(): kernel text, signed blob, source,
 * detected source) into ctx and r; print why it cannot be read. */
static int load_input(struct ipe_ctx *ctx, struct ipe_report_file *f, bool source, struct ipe_load_result *r)
{
	struct ipe_load_opts lo = { .flags = source ? IPE_LOAD_AS_SOURCE : 0 };
	int rc = ipe_policy_load_file(ctx, f->path, &lo, r);

	f->src = r->src;
	if (rc && r->failed != IPE_LOAD_FAILED_BLOB) {
		f->read_error = rc;
		cli_error(prog, "cannot %s %s: %s", r->failed == IPE_LOAD_FAILED_PARSE ? "parse" : "read", f->path,
			  cli_strerror(rc));
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "canonical", no_argument, NULL, OPT_CANONICAL },
		{ "output", required_argument, NULL, 'o' },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "no-source", no_argument, NULL, OPT_NO_SOURCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "list-checks", no_argument, NULL, OPT_LIST },
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		CLI_LINT_LONGOPTS,
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "max-rules", required_argument, NULL, OPT_MAX_RULES },
		{ "fold-after", required_argument, NULL, OPT_FOLD_AFTER },
		{ "source", no_argument, NULL, OPT_SOURCE },
		{ "equivalent", no_argument, NULL, OPT_EQUIVALENT },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct opts o = { .color = CLI_COLOR_AUTO, .fail_on = IPE_SEV_ERROR };
	struct ipe_lint_config *lcfg = NULL;
	struct cli_lint lint = { .fail_on = IPE_SEV_ERROR };
	struct ipe_policy *baseline = NULL;
	const char *kconfig_path = NULL, *baseline_path = NULL;
	bool equivalent = false, diff = false;
	struct ipe_report_file *files = NULL;
	struct ipe_load_result *loaded = NULL; /* per file: its kind and, detected, the compiled policy */
	struct ipe_ctx *ctx = NULL;
	char *outbuf = NULL;
	size_t outlen = 0, nfiles;
	FILE *out = NULL;
	struct inputs in = { 0 };
	int c, rc, ret = CLI_EXIT_OK;
	bool any_error = false, any_unreadable = false;

	if (ipe_lint_config_new(&lcfg)) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	lint.cfg = lcfg;
	while ((c = getopt_long(argc, argv, "f:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			c = cli_report_format_option(prog, "format", optarg);
			if (c < 0) {
				ret = CLI_EXIT_USAGE;
				goto out;
			}
			o.format = (enum cli_report_format)c;
			o.json = o.format == CLI_REPORT_JSON;
			break;
		case OPT_CANONICAL:
			o.canonical = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case OPT_COLOR:
			ret = cli_color_option(prog, optarg, &o.color);
			if (ret != CLI_EXIT_OK)
				goto out; /* frees the lint configuration */
			break;
		case OPT_NO_SOURCE:
			o.no_source = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case OPT_LIST:
			list_checks();
			ret = CLI_EXIT_OK;
			goto out;
		case OPT_EXPLAIN:
			ret = explain(optarg);
			goto out;
		case OPT_BASELINE:
			baseline_path = optarg;
			break;
		case OPT_MAX_RULES:
		case OPT_FOLD_AFTER: {
			uint64_t v;

			if (cli_parse_u64(optarg, 0, ULONG_MAX, &v) < 0) {
				cli_error(prog, "--%s takes a decimal number (0 = %s), not '%s'",
					  c == OPT_MAX_RULES ? "max-rules" : "fold-after",
					  c == OPT_MAX_RULES ? "off" : "all", optarg);
				ret = CLI_EXIT_USAGE;
				goto out;
			}
			if (c == OPT_MAX_RULES)
				ipe_lint_config_set_rule_threshold(lcfg, (unsigned long)v);
			else
				ipe_lint_config_set_fold_after(lcfg, (unsigned long)v);
			break;
		}
		case OPT_EQUIVALENT:
			equivalent = true;
			break;
		case OPT_DIFF:
			diff = true;
			break;
		case OPT_SOURCE:
			o.source = true;
			break;
		case 'h':
			usage(stdout);
			ret = CLI_EXIT_OK;
			goto out;
		case 'V':
			cli_print_version("ipe-check");
			ret = CLI_EXIT_OK;
			goto out;
		default:
			ret = cli_lint_option(prog, &lint, c, optarg);
			if (ret == CLI_EXIT_OK)
				break;
			if (ret < 0) {
				fprintf(stderr, "Try 'ipe-check --help' for more information.\n");
				ret = CLI_EXIT_USAGE;
			}
			goto out;
		}
	}
	o.fail_on = lint.fail_on;
	o.no_lint = lint.no_lint;
	kconfig_path = lint.kconfig;
	nfiles = (size_t)(argc - optind);
	if (equivalent) {
		ret = run_equivalent(argv + optind, nfiles, kconfig_path, o.quiet);
		goto out;
	}
	if (diff) {
		if (o.format == CLI_REPORT_SARIF) {
			cli_error(prog, "--diff writes text, json or github, not sarif");
			ret = CLI_EXIT_USAGE;
			goto out;
		}
		ret = check_diff_run(argv + optind, nfiles, kconfig_path,
				     o.format == CLI_REPORT_JSON ? CHECK_DIFF_JSON : o.format == CLI_REPORT_GITHUB ? CHECK_DIFF_GITHUB
												: CHECK_DIFF_TEXT,
				     o.output, o.quiet);
		goto out;
	}
	if (nfiles == 0) {
		cli_error(prog, "no policy file given");
		fprintf(stderr, "Try 'ipe-check --help' for more information.\n");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (o.canonical && nfiles != 1) {
		cli_error(prog, "--canonical takes exactly one policy file");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	rc = ipe_ctx_new(&ctx);
	if (!rc && kconfig_path) {
		rc = ipe_lint_config_load_kconfig(lcfg, ctx, kconfig_path);
		if (rc) {
			cli_kconfig_error(prog, kconfig_path, rc);
			ret = CLI_EXIT_INPUT;
			goto out;
		}
	}
	if (!rc && baseline_path) {
		/* the baseline's own diagnostics are not part of the report */
		struct ipe_ctx *bctx = NULL;
		uint32_t bsrc;

		bool blob = false;

		rc = ipe_ctx_new(&bctx);
		if (!rc)
			rc = ipe_source_from_file(bctx, baseline_path, &bsrc);
		if (!rc) {
			/* a signed blob (DER PKCS#7 starts with a SEQUENCE, 0x30):
			 * check against the policy it embeds */
			size_t blen;
			const unsigned char *bdata = ipe_source_data(ipe_ctx_source(bctx, bsrc), &blen);
			uint8_t *inner = NULL;
			size_t inner_len = 0;

			if (blen && bdata[0] == 0x30 &&
			    ipe_blob_extract(bctx, bdata, blen, &inner, &inner_len) == 0) {
				rc = ipe_source_from_memory(bctx, baseline_path, inner, inner_len, true, &bsrc);
				free(inner);
				blob = true;
			}
		}
		if (!rc)
			rc = ipe_policy_parse(bctx, bsrc, &baseline);
		if (!rc && (!ipe_policy_has_header(baseline) || ipe_policy_verdict(baseline)->err)) {
			cli_error(prog, "baseline %s is not %s the kernel accepts (give the policy text or its signed "
				  "blob)", baseline_path, blob ? "a signed blob of a policy" : "a policy");
			ipe_ctx_free(bctx);
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		if (rc) {
			cli_error(prog, "cannot read baseline %s: %s", baseline_path, cli_strerror(rc));
			ipe_ctx_free(bctx);
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		ipe_policy_set_source(baseline, IPE_SRC_NONE); /* its locations are not in our context */
		ipe_ctx_free(bctx);
		ipe_lint_config_set_baseline(lcfg, baseline);
	}
	files = calloc(nfiles, sizeof(*files));
	loaded = calloc(nfiles, sizeof(*loaded));
	if (rc || !files || !loaded) {
		cli_error(prog, "out of memory");
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct ipe_report_file *f = &files[i];
		struct ipe_load_result *r = &loaded[i];

		f->path = argv[optind + (int)i];
		rc = load_input(ctx, f, o.source, r);
		if (rc && r->failed == IPE_LOAD_FAILED_BLOB) { /* no usable policy: reported in ctx */
			any_error = true;
			continue;
		}
		if (rc) {
			any_unreadable = true;
			continue;
		}
		f->policy = r->policy; /* the report frees it */
		r->policy = NULL;
		if (ipe_policy_verdict(f->policy)->err)
			any_error = true;
		ipe_lint_config_set_blob_size(lcfg, r->blob_len);
		if (!o.no_lint && !o.canonical) {
			rc = ipe_lint(ctx, lcfg, r->compiled ? r->compiled : f->policy);
			if (rc) {
				cli_error(prog, "cannot lint %s: %s", f->path, cli_strerror(rc));
				ret = CLI_EXIT_INPUT;
				goto out;
			}
		}
	}
	ipe_ctx_diag_sort(ctx);
	for (int sev = o.fail_on; sev <= IPE_SEV_ERROR; sev++)
		if (ipe_ctx_diag_count_severity(ctx, (enum ipe_severity)sev))
			any_error = true;

	if (collect_inputs(ctx, argv + optind, nfiles, kconfig_path, baseline_path, &in)) {
		cli_error(prog, "out of memory");
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	if (o.canonical) {
		ret = any_unreadable ? CLI_EXIT_INPUT : run_canonical(ctx, &files[0], &o, &in);
		goto out;
	}
	/* Refuse a bad -o before rendering anything. */
	if (o.output) {
		ret = cli_check_output(prog, o.output, in.v, in.n);
		if (ret)
			goto out;
	}

	/* The report goes to a memory stream first so -o is written atomically. */
	if (o.output) {
		out = open_memstream(&outbuf, &outlen);
		if (!out) {
			cli_error(prog, "out of memory");
			ret = CLI_EXIT_INPUT;
			goto out;
		}
	} else {
		out = stdout;
	}
	if (o.format != CLI_REPORT_TEXT) {
		rc = cli_render_report(ctx, files, nfiles, o.format, o.quiet, 0, out);
		if (rc) {
			/* nothing (not a partial report) is written to -o */
			cli_error(prog, "cannot write the report: %s", cli_strerror(rc));
			ret = CLI_EXIT_INPUT;
			goto out;
		}
	} else {
		unsigned flags = (!o.output && cli_use_color(o.color, stdout)) ? IPE_RENDER_COLOR : 0;

		if (o.no_source)
			flags |= IPE_RENDER_NO_SOURCE;
		cli_render_report(ctx, files, nfiles, CLI_REPORT_TEXT, o.quiet, flags, out);
		if (!o.quiet)
			for (size_t i = 0; i < nfiles; i++)
				print_verdict_text(ctx, &files[i],
						   loaded[i].kind == IPE_LOAD_SOURCE ? " on the policy it compiles to" : "", out);
		if (ferror(out)) {
			cli_error(prog, "cannot write the report: %s", cli_strerror(errno ? errno : EIO));
			ret = CLI_EXIT_INPUT;
			goto out;
		}
	}
	if (o.output) {
		if (fclose(out) != 0) {
			out = NULL;
			cli_error(prog, "out of memory");
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		out = NULL;
		ret = cli_write_output(prog, o.output, outbuf, outlen, in.v, in.n);
		if (ret)
			goto out;
	} else if (fflush(stdout) != 0) {
		cli_error(prog, "cannot write the report: %s", cli_strerror(errno));
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	ret = any_unreadable ? CLI_EXIT_INPUT : any_error ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
out:
	if (out && out != stdout)
		fclose(out);
	free(outbuf);
	free(in.v);
	for (size_t i = 0; files && i < nfiles; i++)
		ipe_policy_free((struct ipe_policy *)files[i].policy);
	free(files);
	for (size_t i = 0; loaded && i < nfiles; i++)
		ipe_load_result_clear(&loaded[i]);
	free(loaded);
	ipe_ctx_free(ctx);
	ipe_policy_free(baseline);
	ipe_lint_config_free(lcfg);
	return cli_close_stdout(prog, ret);
}
