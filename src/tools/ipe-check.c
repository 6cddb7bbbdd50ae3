/* SPDX-License-Identifier: MIT */
/* ipe-check: what will the kernel do with this policy, and what is wrong with it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/ipe.h>

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
		"  -f, --format=FMT     output format: text (default) or json\n"
		"      --canonical      print the canonical kernel text of the (single) FILE\n"
		"                       instead of the report; nothing is written when the\n"
		"                       kernel would reject the policy\n"
		"  -o, --output=OUT     write the report or canonical text to OUT (atomically)\n"
		"      --color=WHEN     colour diagnostics: auto (default), always, never;\n"
		"                       NO_COLOR in the environment disables auto\n"
		"      --no-source      do not quote source lines under diagnostics\n"
		"  -q, --quiet          print only error diagnostics, no verdict lines\n"
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

enum { OPT_CANONICAL = 256, OPT_COLOR, OPT_NO_SOURCE };

struct opts {
	bool json, canonical, quiet, no_source;
	enum cli_color color;
	const char *output;
};

static void print_verdict_text(const struct ipe_ctx *ctx, const struct ipe_report_file *f, FILE *out)
{
	const struct ipe_policy *p = f->policy;
	const struct ipe_source *s = ipe_ctx_source(ctx, f->src);
	const char *name = s ? s->name : f->path;

	if (!p)
		return;
	if (!p->verdict.err) {
		char shown[1200];

		ipe_escape_bytes(shown, sizeof(shown), p->name, p->name_len);
		fprintf(out, "%s: kernel verdict: accepted (policy '%s' version %u.%u.%u, %zu rule%s)\n", name,
			shown, p->version[0], p->version[1], p->version[2], p->nrules, p->nrules == 1 ? "" : "s");
		return;
	}
	fprintf(out, "%s: kernel verdict: rejected with %s at %u:%u [%s]\n", name,
		ipe_errno_name(p->verdict.err), p->verdict.loc.line, p->verdict.loc.col,
		p->verdict.code ? p->verdict.code : "?");
}

static int run_canonical(struct ipe_ctx *ctx, struct ipe_report_file *f, const struct opts *o)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!f->policy || f->policy->verdict.err) {
		unsigned flags = cli_use_color(o->color, stderr) ? IPE_RENDER_COLOR : 0;

		cli_print_diags(ctx, stderr, flags | (o->no_source ? IPE_RENDER_NO_SOURCE : 0));
		if (f->policy)
			cli_error(prog, "%s: the kernel would reject this policy (%s); no canonical text written",
				  f->path, ipe_errno_name(f->policy->verdict.err));
		return CLI_EXIT_FINDINGS;
	}
	rc = ipe_policy_emit_canonical(f->policy, &text, &len);
	if (rc) {
		cli_error(prog, "cannot emit canonical text: %s", cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	}
	rc = ipe_write_file_atomic(o->output ? o->output : "-", text, len, 0644);
	free(text);
	if (rc) {
		cli_error(prog, "cannot write %s: %s", o->output ? o->output : "standard output", cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
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
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct opts o = { .color = CLI_COLOR_AUTO };
	struct ipe_report_file *files = NULL;
	struct ipe_ctx *ctx = NULL;
	char *outbuf = NULL;
	size_t outlen = 0, nfiles;
	FILE *out = NULL;
	int c, rc, ret = CLI_EXIT_OK;
	bool any_error = false, any_unreadable = false;

	while ((c = getopt_long(argc, argv, "f:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o.json = true;
			else if (strcmp(optarg, "text") == 0)
				o.json = false;
			else {
				cli_error(prog, "unknown format '%s' (use text or json)", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_CANONICAL:
			o.canonical = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case OPT_COLOR:
			c = cli_parse_color(optarg);
			if (c < 0) {
				cli_error(prog, "--color takes auto, always or never, not '%s'", optarg);
				return CLI_EXIT_USAGE;
			}
			o.color = (enum cli_color)c;
			break;
		case OPT_NO_SOURCE:
			o.no_source = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("ipe-check (ipe-tools) %s\n", ipe_version());
			return CLI_EXIT_OK;
		default:
			fprintf(stderr, "Try 'ipe-check --help' for more information.\n");
			return CLI_EXIT_USAGE;
		}
	}
	nfiles = (size_t)(argc - optind);
	if (nfiles == 0) {
		cli_error(prog, "no policy file given");
		fprintf(stderr, "Try 'ipe-check --help' for more information.\n");
		return CLI_EXIT_USAGE;
	}
	if (o.canonical && nfiles != 1) {
		cli_error(prog, "--canonical takes exactly one policy file");
		return CLI_EXIT_USAGE;
	}
	rc = ipe_ctx_new(&ctx);
	files = calloc(nfiles, sizeof(*files));
	if (rc || !files) {
		cli_error(prog, "out of memory");
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct ipe_report_file *f = &files[i];
		struct ipe_policy *p = NULL;

		f->path = argv[optind + (int)i];
		f->src = IPE_SRC_NONE;
		rc = ipe_source_from_file(ctx, f->path, &f->src);
		if (rc) {
			f->read_error = rc;
			any_unreadable = true;
			cli_error(prog, "cannot read %s: %s", f->path, cli_strerror(rc));
			continue;
		}
		rc = ipe_policy_parse(ctx, f->src, &p);
		if (rc) {
			f->read_error = rc;
			any_unreadable = true;
			cli_error(prog, "cannot parse %s: %s", f->path, cli_strerror(rc));
			continue;
		}
		f->policy = p;
		if (p->verdict.err)
			any_error = true;
	}
	ipe_ctx_diag_sort(ctx);
	if (ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR))
		any_error = true;

	if (o.canonical) {
		ret = any_unreadable ? CLI_EXIT_INPUT : run_canonical(ctx, &files[0], &o);
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
	if (o.json) {
		rc = ipe_report_render_json(ctx, files, nfiles, out);
		if (rc)
			cli_error(prog, "cannot write the JSON report: %s", cli_strerror(rc));
	} else {
		unsigned flags = (!o.output && cli_use_color(o.color, stdout)) ? IPE_RENDER_COLOR : 0;

		if (o.no_source)
			flags |= IPE_RENDER_NO_SOURCE;
		for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
			const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

			if (o.quiet && d->severity != IPE_SEV_ERROR)
				continue;
			ipe_diag_render_text(ctx, d, out, flags);
		}
		if (!o.quiet)
			for (size_t i = 0; i < nfiles; i++)
				print_verdict_text(ctx, &files[i], out);
	}
	if (o.output) {
		if (fclose(out) != 0) {
			out = NULL;
			cli_error(prog, "out of memory");
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		out = NULL;
		rc = ipe_write_file_atomic(o.output, outbuf, outlen, 0644);
		if (rc) {
			cli_error(prog, "cannot write %s: %s", o.output, cli_strerror(rc));
			ret = CLI_EXIT_INPUT;
			goto out;
		}
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
	for (size_t i = 0; files && i < nfiles; i++)
		ipe_policy_free((struct ipe_policy *)files[i].policy);
	free(files);
	ipe_ctx_free(ctx);
	return ret;
}
