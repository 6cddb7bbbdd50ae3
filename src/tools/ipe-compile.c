/* SPDX-License-Identifier: MIT */
/* ipe-compile: policy source (kernel syntax + authoring extensions) -> what the kernel loads. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/compile.h>
#include <ipe/ipe.h>

#include "cli.h"

static const char prog[] = "ipe-compile";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ipe-compile [OPTIONS] SOURCE\n"
		"Compile an IPE policy source (kernel policy syntax plus the authoring\n"
		"extensions include, digest sets and multi-op rules; see ipe-policy(5))\n"
		"into the canonical kernel text.  SOURCE '-' reads standard input.\n"
		"Nothing is written when the source has errors or the kernel would\n"
		"reject the result; the output is written atomically.\n"
		"\n"
		"Options:\n"
		"  -o, --output=FILE     write to FILE ('-' = standard output); default:\n"
		"                        POLICY_NAME.pol in the current directory\n"
		"      --name=NAME       override the policy name of the header\n"
		"      --version=X.Y.Z   override the policy version of the header\n"
		"      --bump-from=OLD   OLD is the previous policy (text or signed .p7b):\n"
		"                        use its name and its next revision as version\n"
		"      --boot            check as a boot policy (CONFIG_IPE_BOOT_POLICY):\n"
		"                        also refuse CR and NUL bytes in the sources\n"
		"  -f, --format=FMT      output format: text (default); binary is not\n"
		"                        implemented yet and is refused\n"
		"      --sign            sign the output (not available yet: use\n"
		"                        ipe-sign on the compiled text)\n"
		"      --color=WHEN      colour diagnostics: auto (default), always, never\n"
		"      --no-source       do not quote source lines under diagnostics\n"
		"  -q, --quiet           print only errors\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version-info    show the program version and exit\n"
		"\n"
		"Exit status:\n"
		"  0  output written\n"
		"  1  the source has errors or the kernel would reject the policy\n"
		"  2  a file could not be read or written\n"
		"  3  usage error\n"
		"\n"
		"See ipe-compile(1) and ipe-policy(5).\n");
}

enum {
	OPT_NAME = 256,
	OPT_VERSION,
	OPT_BUMP,
	OPT_BOOT,
	OPT_SIGN,
	OPT_KEY,
	OPT_CERT,
	OPT_COLOR,
	OPT_NO_SOURCE,
};

struct opts {
	const char *output, *name, *version, *bump_from, *input;
	bool boot, quiet, no_source, sign;
	enum cli_color color;
};

/* Re-read the output as the kernel would: it must be accepted and emit
 * itself byte for byte.  A failure is a compiler bug, never written. */
static int self_check(const char *text, size_t len)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_policy *p = NULL;
	char *again = NULL;
	size_t alen = 0;
	uint32_t src;
	int rc;

	rc = ipe_ctx_new(&ctx);
	if (!rc)
		rc = ipe_source_from_memory(ctx, "<output>", text, len, false, &src);
	if (!rc)
		rc = ipe_policy_parse(ctx, src, &p);
	if (!rc && p->verdict.err)
		rc = -EPROTO;
	if (!rc)
		rc = ipe_policy_emit_canonical(p, &again, &alen);
	if (!rc && (alen != len || memcmp(again, text, len) != 0))
		rc = -EPROTO;
	free(again);
	ipe_policy_free(p);
	ipe_ctx_free(ctx);
	return rc;
}

static int apply_overrides(struct ipe_ctx *ctx, struct ipe_policy *p, const struct opts *o)
{
	uint16_t v[3];
	int rc;

	if (o->bump_from) {
		uint8_t *data = NULL;
		size_t len = 0;
		char *oldname = NULL;
		uint16_t oldv[3];

		rc = ipe_read_file(o->bump_from, 1u << 24, &data, &len);
		if (rc) {
			cli_error(prog, "cannot read %s: %s", o->bump_from, cli_strerror(rc));
			return CLI_EXIT_INPUT;
		}
		rc = ipe_policy_header_from_blob(ctx, o->bump_from, data, len, &oldname, oldv);
		free(data);
		if (rc) {
			cli_print_diags(ctx, stderr, IPE_RENDER_NO_SOURCE);
			if (rc != -EBADMSG)
				cli_error(prog, "cannot read the header of %s: %s", o->bump_from, cli_strerror(rc));
			return CLI_EXIT_FINDINGS;
		}
		if (ipe_version_next(oldv, v)) {
			cli_error(prog, "%s has version 65535.65535.65535: there is no next version", o->bump_from);
			free(oldname);
			return CLI_EXIT_FINDINGS;
		}
		if (!o->name && strcmp(oldname, p->name) != 0) {
			cli_error(prog,
				  "%s is policy '%s' but the source names '%s'; the kernel updates a policy only under the same name (use --name=%s to rename)",
				  o->bump_from, oldname, p->name, oldname);
			free(oldname);
			return CLI_EXIT_FINDINGS;
		}
		if (o->name && strcmp(oldname, o->name) != 0) {
			cli_error(prog, "--name=%s differs from the name of %s ('%s'); an update keeps the name", o->name,
				  o->bump_from, oldname);
			free(oldname);
			return CLI_EXIT_FINDINGS;
		}
		free(oldname);
		ipe_policy_set_version(p, v);
	}
	if (o->version) {
		rc = ipe_version_parse(o->version, v);
		if (rc) {
			cli_error(prog, "--version '%s' %s", o->version,
				  rc == -ERANGE ? "has a part above 65535"
						: "is not MAJOR.MINOR.REVISION with decimal parts (e.g. 1.2.3)");
			return CLI_EXIT_USAGE;
		}
		ipe_policy_set_version(p, v);
	}
	if (o->name) {
		const char *why = ipe_policy_name_problem(o->name, strlen(o->name));

		if (why) {
			cli_error(prog, "--name: %s", why);
			return CLI_EXIT_USAGE;
		}
		rc = ipe_policy_set_name(p, o->name, strlen(o->name));
		if (rc) {
			cli_error(prog, "--name: %s", cli_strerror(rc));
			return CLI_EXIT_INPUT;
		}
	}
	return CLI_EXIT_OK;
}

static int compile(struct ipe_ctx *ctx, const struct opts *o)
{
	unsigned flags = (cli_use_color(o->color, stderr) ? IPE_RENDER_COLOR : 0) |
			 (o->no_source ? IPE_RENDER_NO_SOURCE : 0);
	struct ipe_policy *p = NULL;
	char *text = NULL, *outpath = NULL;
	size_t len = 0;
	uint32_t src;
	int rc, ret = CLI_EXIT_OK;
	bool errors;

	rc = ipe_source_from_file(ctx, o->input, &src);
	if (rc) {
		cli_error(prog, "cannot read %s: %s", o->input, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	rc = ipe_policy_parse_source(ctx, src, NULL, &p);
	if (rc) {
		cli_error(prog, "cannot compile %s: %s", o->input, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	if (o->boot) {
		rc = ipe_policy_check_boot(ctx, p);
		if (rc < 0) {
			cli_error(prog, "out of memory");
			ret = CLI_EXIT_INPUT;
			goto out;
		}
	}
	ipe_ctx_diag_sort(ctx);
	errors = ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR) > 0 || p->verdict.err;
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

		if (o->quiet && d->severity != IPE_SEV_ERROR)
			continue;
		ipe_diag_render_text(ctx, d, stderr, flags);
	}
	if (errors) {
		cli_error(prog, "%s: %zu error%s; nothing written", o->input,
			  ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR),
			  ipe_ctx_diag_count_severity(ctx, IPE_SEV_ERROR) == 1 ? "" : "s");
		ret = CLI_EXIT_FINDINGS;
		goto out;
	}
	ipe_ctx_diag_clear(ctx);
	ret = apply_overrides(ctx, p, o);
	if (ret)
		goto out;
	rc = ipe_policy_emit_canonical(p, &text, &len);
	if (rc) {
		cli_error(prog, "cannot emit the canonical text: %s", cli_strerror(rc));
		ret = CLI_EXIT_FINDINGS;
		goto out;
	}
	rc = self_check(text, len);
	if (rc) {
		cli_error(prog, "internal error: the compiled text does not read back as itself (%s); nothing written",
			  cli_strerror(rc));
		ret = CLI_EXIT_FINDINGS;
		goto out;
	}
	if (o->output) {
		outpath = strdup(o->output);
	} else if (asprintf(&outpath, "%s.pol", p->name) < 0) {
		outpath = NULL;
	}
	if (!outpath) {
		cli_error(prog, "out of memory");
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	rc = ipe_write_file_atomic(outpath, text, len, 0644);
	if (rc) {
		cli_error(prog, "cannot write %s: %s", outpath, cli_strerror(rc));
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	if (!o->quiet && strcmp(outpath, "-") != 0)
		fprintf(stderr, "%s: wrote %s (policy '%s' version %u.%u.%u, %zu rule%s, %zu bytes)\n", prog, outpath,
			p->name, p->version[0], p->version[1], p->version[2], p->nrules, p->nrules == 1 ? "" : "s",
			len);
out:
	free(outpath);
	free(text);
	ipe_policy_free(p);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "bump-from", required_argument, NULL, OPT_BUMP },
		{ "boot", no_argument, NULL, OPT_BOOT },
		{ "format", required_argument, NULL, 'f' },
		{ "sign", no_argument, NULL, OPT_SIGN },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "no-source", no_argument, NULL, OPT_NO_SOURCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version-info", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct opts o = { .color = CLI_COLOR_AUTO };
	struct ipe_ctx *ctx = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:f:qhV", longopts, NULL)) != -1) {
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
		case OPT_BUMP:
			o.bump_from = optarg;
			break;
		case OPT_BOOT:
			o.boot = true;
			break;
		case 'f':
			if (strcmp(optarg, "binary") == 0) {
				cli_error(prog, "--format=binary is not implemented yet");
				return CLI_EXIT_USAGE;
			}
			if (strcmp(optarg, "text") != 0) {
				cli_error(prog, "unknown format '%s' (use text)", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_SIGN:
			o.sign = true;
			break;
		case OPT_KEY:
		case OPT_CERT:
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
			printf("ipe-compile (ipe-tools) %s\n", ipe_version());
			return CLI_EXIT_OK;
		default:
			fprintf(stderr, "Try 'ipe-compile --help' for more information.\n");
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_error(prog, argc - optind ? "exactly one SOURCE file, please" : "no SOURCE file given");
		fprintf(stderr, "Try 'ipe-compile --help' for more information.\n");
		return CLI_EXIT_USAGE;
	}
	o.input = argv[optind];
	if (o.sign) {
		cli_error(prog,
			  "--sign is not available yet (the signer library is pending); compile to text and sign it with ipe-sign");
		return CLI_EXIT_USAGE;
	}
	if (o.version && o.bump_from) {
		cli_error(prog, "--version and --bump-from both set the version; give one of them");
		return CLI_EXIT_USAGE;
	}
	if (ipe_ctx_new(&ctx)) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	ret = compile(ctx, &o);
	ipe_ctx_free(ctx);
	return ret;
}
