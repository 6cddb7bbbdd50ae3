/* SPDX-License-Identifier: MIT */
/* ipe-sign: sign IPE policies, verify blobs as the kernel would, inspect. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/io.h>
#include <ipe/ipe.h>
#include <ipe/sign.h>

#include "cli.h"
#include "sign_opts.h"

#define PROG "ipe-sign"
#define INPUT_MAX (64u << 20)

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  ipe-sign sign --key KEY --cert CERT [options] POLICY -o OUT\n"
	      "  ipe-sign verify (--trust CERT... | --keyring[=KEYRING]) BLOB\n"
	      "  ipe-sign inspect [--format=text|json] BLOB\n"
	      "  ipe-sign extract BLOB [-o OUT]\n"
	      "  ipe-sign key-add [--keyring KEYRING] CERT\n"
	      "\n"
	      "Sign IPE policies into the DER PKCS#7 (CMS) blobs the Linux kernel loads through\n"
	      "/sys/kernel/security/ipe/new_policy, and predict what the kernel answers for a blob.\n"
	      "\n"
	      "sign options:\n"
	      SIGN_OPTS_HELP
	      "  -o, --output OUT       the blob (DER), written atomically, mode 0644 minus the umask; '-' = stdout\n"
	      "  -f, --force            sign even if the kernel would reject the policy text\n"
	      "\n"
	      "verify options:\n"
	      "  -t, --trust CERT       a trusted certificate (file may hold several PEM certs); repeatable\n"
	      "      --keyring          use the running kernel's keyrings (.secondary_trusted_keys,\n"
	      "                         .builtin_trusted_keys, .platform) as IPE does\n"
	      "      --keyring=KEYRING  trust the keys of one keyring (@s, @u, a name or an id)\n"
	      "\n"
	      "other options:\n"
	      "      --format FMT       inspect output: text (default) or json\n"
	      "      --keyring KEYRING  key-add: target keyring (default .secondary_trusted_keys)\n"
	      "  -q, --quiet            print only errors\n"
	      "  -h, --help             this text\n"
	      "  -V, --version          the version\n"
	      "\n"
	      "Exit status: 0 success / the kernel would accept; 1 refused / the kernel would reject;\n"
	      "2 an input (policy, key, cert, passphrase) could not be read or used, or the output\n"
	      "could not be written; 3 usage error.\n"
	      "See ipe-sign(1).\n",
	      f);
}

enum {
	OPT_KEYRING = 256, OPT_FORMAT,
};

struct args {
	const char *cmd;
	struct sign_cli sc;
	const char *out;
	const char **trust;
	size_t ntrust;
	bool keyring;
	const char *keyring_spec;
	const char *format;
	bool force;
	bool quiet;
	const char *input;
};

static void print_diags(struct ipe_ctx *ctx)
{
	cli_print_diags(ctx, stderr, cli_use_color(CLI_COLOR_AUTO, stderr) ? IPE_RENDER_COLOR : 0);
	ipe_ctx_diag_clear(ctx);
}

static int read_input(const char *path, uint8_t **data, size_t *len)
{
	int rc = ipe_read_file(path, INPUT_MAX, data, len);

	if (rc)
		cli_error(PROG, "%s: cannot read: %s", path, cli_strerror(rc));
	return rc;
}

/* The output never replaces an input: the policy, the key, the certs. */
static int write_output(const struct args *a, const void *data, size_t len, bool check_only)
{
	const char **in = calloc(4 + a->sc.nextra, sizeof(*in));
	const char *path = a->out ? a->out : "-";
	size_t n;
	int ret;

	if (!in) {
		cli_error(PROG, "out of memory");
		return CLI_EXIT_INPUT;
	}
	in[0] = a->input;
	n = 1 + sign_cli_inputs(&a->sc, in + 1);
	ret = check_only ? cli_check_output(PROG, path, in, n) : cli_write_output(PROG, path, data, len, in, n);
	free(in);
	return ret;
}

static int cmd_sign(struct ipe_ctx *ctx, struct args *a)
{
	uint8_t *pol = NULL, *blob = NULL;
	size_t plen = 0, blen = 0;
	struct ipe_sign_opts *so = &a->sc.so;
	int rc, ret = CLI_EXIT_OK;

	if (!so->key || !so->cert || !a->out) {
		cli_error(PROG, "sign needs --key, --cert, -o OUT and a POLICY (see --help)");
		return CLI_EXIT_USAGE;
	}
	ret = write_output(a, NULL, 0, true); /* refuse a bad -o before reading a key or asking for a PIN */
	if (ret)
		return ret;
	if (read_input(a->input, &pol, &plen))
		return CLI_EXIT_INPUT;
	so->name = a->input;
	rc = sign_cli_sign(ctx, &a->sc, pol, plen, &blob, &blen, &ret);
	print_diags(ctx);
	if (rc) {
		cli_error(PROG, "%s: not signed", a->input);
		goto out;
	}
	ret = write_output(a, blob, blen, false);
	if (ret)
		goto out;
	if (!a->quiet && strcmp(a->out, "-"))
		cli_info(PROG, "signed %s (%zu bytes) -> %s (%zu bytes)", a->input, plen, a->out, blen);
out:
	free(pol);
	free(blob);
	return ret;
}

static void print_result(const struct ipe_verify_result *r, const char *blob)
{
	const char *en = r->err ? ipe_errno_name(r->err) : "OK";

	if (r->err)
		cli_print_line(stdout, "%s: %s: the kernel would reject it with -%s: %s", blob, en ? en : "?",
			       en ? en : "?", r->reason ? r->reason : "");
	else
		cli_print_line(stdout, "%s: OK: the kernel would accept it (signer %u%s%s)", blob, r->signer,
			       r->keyring ? ", trusted by " : "", r->keyring ? r->keyring : "");
	if (r->policy_parsed && r->policy_name)
		cli_print_line(stdout, "  policy: name=%s version=%u.%u.%u", r->policy_name, r->policy_version[0],
			       r->policy_version[1], r->policy_version[2]);
	if (r->stage)
		cli_print_line(stdout, "  stage: %s", r->stage);
	if (!r->err && r->reason && *r->reason)
		cli_print_line(stdout, "  note: %s", r->reason);
}

static int cmd_verify(struct ipe_ctx *ctx, struct args *a)
{
	struct ipe_verify_result r;
	struct ipe_trust *t = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	int rc, ret;

	if (!a->ntrust && !a->keyring) {
		cli_error(PROG, "verify needs --trust CERT or --keyring (see --help)");
		return CLI_EXIT_USAGE;
	}
	if (read_input(a->input, &blob, &len))
		return CLI_EXIT_INPUT;
	memset(&r, 0, sizeof(r));
	if (a->keyring && !a->keyring_spec && !a->ntrust) {
		rc = ipe_verify_blob_kernel(ctx, blob, len, &r);
	} else {
		rc = ipe_trust_new(&t);
		for (size_t i = 0; !rc && i < a->ntrust; i++)
			rc = ipe_trust_add_cert_file(ctx, t, a->trust[i]);
		if (!rc && a->keyring_spec)
			rc = ipe_trust_add_keyring(ctx, t, a->keyring_spec);
		if (!rc)
			rc = ipe_verify_blob(ctx, t, blob, len, &r);
		if (!rc && !r.err && a->keyring_spec)
			r.keyring = a->keyring_spec;
	}
	if (rc) {
		print_diags(ctx);
		cli_error(PROG, "%s: cannot verify: %s", a->input, cli_strerror(rc));
		ret = CLI_EXIT_INPUT;
	} else {
		ipe_ctx_diag_clear(ctx); /* the embedded policy's findings belong to ipe-check */
		print_result(&r, a->input);
		ret = r.err ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
	}
	ipe_verify_result_clear(&r);
	ipe_trust_free(t);
	free(blob);
	return ret;
}

static int cmd_inspect(struct ipe_ctx *ctx, struct args *a)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	char *out = NULL;
	int rc;

	if (a->format && strcmp(a->format, "text") && strcmp(a->format, "json")) {
		cli_error(PROG, "--format must be text or json");
		return CLI_EXIT_USAGE;
	}
	if (read_input(a->input, &blob, &len))
		return CLI_EXIT_INPUT;
	if (a->format && !strcmp(a->format, "json"))
		rc = ipe_blob_inspect_json(ctx, blob, len, &out);
	else
		rc = ipe_blob_inspect_text(ctx, blob, len, &out);
	free(blob);
	print_diags(ctx);
	if (rc) {
		cli_error(PROG, "%s: cannot inspect: %s", a->input, cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	}
	fputs(out, stdout);
	if (out[0] && out[strlen(out) - 1] != '\n')
		fputc('\n', stdout);
	free(out);
	return CLI_EXIT_OK;
}

static int cmd_extract(struct ipe_ctx *ctx, struct args *a)
{
	uint8_t *blob = NULL, *data = NULL;
	size_t len = 0, dlen = 0;
	int rc;

	if (read_input(a->input, &blob, &len))
		return CLI_EXIT_INPUT;
	rc = ipe_blob_extract(ctx, blob, len, &data, &dlen);
	free(blob);
	print_diags(ctx);
	if (rc) {
		cli_error(PROG, "%s: cannot extract: %s", a->input, cli_strerror(rc));
		return CLI_EXIT_FINDINGS;
	}
	rc = write_output(a, data, dlen, false);
	free(data);
	return rc;
}

static int cmd_key_add(struct ipe_ctx *ctx, struct args *a)
{
	const char *ring = a->keyring_spec ? a->keyring_spec : ".secondary_trusted_keys";
	uint8_t *cert = NULL;
	size_t len = 0;
	int32_t key = 0;
	int rc;

	if (read_input(a->input, &cert, &len))
		return CLI_EXIT_INPUT;
	rc = ipe_keyring_add_cert(ctx, ring, cert, len, &key);
	free(cert);
	print_diags(ctx);
	if (rc) {
		cli_error(PROG, "%s: not added to %s", a->input, ring);
		return CLI_EXIT_FINDINGS;
	}
	if (!a->quiet)
		cli_print_line(stdout, "%s: added to %s as key %d", a->input, ring, key);
	return CLI_EXIT_OK;
}

static const char *const commands[] = { "sign", "verify", "inspect", "extract", "key-add" };

static bool is_command(const char *s)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(s, commands[i]))
			return true;
	return false;
}

/* The long option "--name" (or a unique abbreviation, as getopt_long takes
 * it) that arg starts with; NULL if none or ambiguous. */
static const struct option *find_long(const struct option *opts, const char *arg)
{
	const struct option *hit = NULL;
	size_t n = strcspn(arg, "=");
	int nhits = 0;

	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, arg, n))
			continue;
		if (strlen(o->name) == n)
			return o;
		hit = o;
		nhits++;
	}
	return nhits == 1 ? hit : NULL;
}

/* The subcommand: the first word that is neither an option nor the value of
 * an option that requires one.  Needed before parsing, because --keyring
 * takes an optional value for verify but a required one for key-add. */
static const char *find_command(int argc, char **argv, const struct option *opts, const char *shortopts)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-' || !a[1])
			return a;
		if (a[1] == '-') {
			const struct option *o = find_long(opts, a + 2);

			if (o && o->has_arg == required_argument && !strchr(a, '='))
				i++;
			continue;
		}
		for (const char *c = a + 1; *c; c++) {
			const char *sp = strchr(shortopts, *c);

			if (sp && sp[1] == ':') {
				if (!c[1])
					i++;
				break;
			}
		}
	}
	return NULL;
}

/* Options given to a subcommand they do not apply to are usage errors. */
static const char *misplaced_option(const struct args *a)
{
	bool sign = !strcmp(a->cmd, "sign"), verify = !strcmp(a->cmd, "verify");

	if (a->sc.any && !sign)
		return "signing options (--key, --cert, --hash, ...)";
	if (a->force && !sign)
		return "--force";
	if (a->out && !sign && strcmp(a->cmd, "extract"))
		return "--output";
	if (a->ntrust && !verify)
		return "--trust";
	if (a->keyring && !verify && strcmp(a->cmd, "key-add"))
		return "--keyring";
	if (a->format && strcmp(a->cmd, "inspect"))
		return "--format";
	return NULL;
}

int main(int argc, char **argv)
{
	struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		SIGN_OPTS_LONGOPTS,
		{ "force", no_argument, NULL, 'f' },
		{ "trust", required_argument, NULL, 't' },
		{ "keyring", optional_argument, NULL, OPT_KEYRING },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char shortopts[] = "k:c:o:p:ft:qhV";
	struct args a;
	struct ipe_ctx *ctx = NULL;
	const char *cmd, *bad;
	int c, ret;

	memset(&a, 0, sizeof(a));
	a.trust = calloc((size_t)argc, sizeof(char *));
	if (!a.trust || sign_cli_init(&a.sc, argc)) {
		free(a.trust);
		cli_error(PROG, "out of memory");
		return CLI_EXIT_INPUT;
	}
	/* key-add: --keyring KEYRING (value required, as two words or with =);
	 * verify: --keyring alone means the kernel's keyrings, so a value must
	 * be attached with '='. */
	cmd = find_command(argc, argv, longopts, shortopts);
	if (cmd && !strcmp(cmd, "key-add")) {
		for (struct option *o = longopts; o->name; o++)
			if (o->val == OPT_KEYRING)
				o->has_arg = required_argument;
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'o': a.out = optarg; break;
		case 'f':
			a.sc.so.flags |= IPE_SIGN_FORCE;
			a.force = true;
			break;
		case 't': a.trust[a.ntrust++] = optarg; break;
		case OPT_KEYRING:
			a.keyring = true;
			a.keyring_spec = optarg;
			break;
		case OPT_FORMAT: a.format = optarg; break;
		case 'q': a.quiet = true; break;
		case 'h':
			usage(stdout);
			ret = CLI_EXIT_OK;
			goto out;
		case 'V':
			cli_print_version("ipe-sign");
			ret = CLI_EXIT_OK;
			goto out;
		default:
			if (sign_cli_option(&a.sc, c, optarg))
				break;
			fprintf(stderr, "Try 'ipe-sign --help'.\n");
			ret = CLI_EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	a.cmd = argv[optind++];
	if (!is_command(a.cmd)) {
		cli_error(PROG, "unknown command '%s' (sign, verify, inspect, extract, key-add)", a.cmd);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	bad = misplaced_option(&a);
	if (bad) {
		cli_error(PROG, "%s: %s do%s not apply to this command (see --help)", a.cmd, bad,
			  strchr(bad, ' ') ? "" : "es");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (!strcmp(a.cmd, "verify") && a.keyring && !a.keyring_spec && argc - optind == 2) {
		cli_error(PROG, "verify: write --keyring=%s (with '='): a bare --keyring means the kernel's keyrings",
			  argv[optind]);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (argc - optind != 1) {
		cli_error(PROG, "%s: expected exactly one input file (see --help)", a.cmd);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	a.input = argv[optind];
	if (ipe_ctx_new(&ctx)) {
		cli_error(PROG, "out of memory");
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	if (!strcmp(a.cmd, "sign"))
		ret = cmd_sign(ctx, &a);
	else if (!strcmp(a.cmd, "verify"))
		ret = cmd_verify(ctx, &a);
	else if (!strcmp(a.cmd, "inspect"))
		ret = cmd_inspect(ctx, &a);
	else if (!strcmp(a.cmd, "extract"))
		ret = cmd_extract(ctx, &a);
	else if (!strcmp(a.cmd, "key-add"))
		ret = cmd_key_add(ctx, &a);
	else {
		cli_error(PROG, "unknown command '%s' (sign, verify, inspect, extract, key-add)", a.cmd);
		ret = CLI_EXIT_USAGE;
	}
out:
	ipe_ctx_free(ctx);
	free(a.trust);
	sign_cli_free(&a.sc);
	return cli_close_stdout(PROG, ret);
}
