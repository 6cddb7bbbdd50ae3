/* SPDX-License-Identifier: MIT */
/* ipectl: deploy and manage IPE policies through securityfs. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ipe/ctl.h>
#include <ipe/ipe.h>

#include "cli.h"

static const char prog[] = "ipectl";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ipectl [OPTIONS] COMMAND [ARGS]\n"
		"Deploy and manage IPE policies through securityfs, checking first what the\n"
		"kernel will answer and explaining every refusal.\n"
		"\n"
		"Commands:\n"
		"  status                 IPE state, the active policy, every loaded policy,\n"
		"                         the installed boot policy and what the next boot\n"
		"                         does with it\n"
		"  load BLOB [--activate] load a signed policy; if one of that name is loaded:\n"
		"                         same blob = nothing to do, higher version = update,\n"
		"                         otherwise refuse\n"
		"  update NAME BLOB       replace loaded policy NAME with a higher version\n"
		"  activate NAME          make NAME the active policy\n"
		"  delete NAME            delete an inactive policy\n"
		"  show NAME              one policy's details; --policy prints its text,\n"
		"                         --pkcs7 its signed blob (raw bytes)\n"
		"  enforce on|off         switch enforcement (off = audit only)\n"
		"  audit on|off           switch auditing of allowed events (success_audit)\n"
		"  install BLOB           check BLOB as load does and that systemd reads its\n"
		"                         name and version as the kernel does, then install it\n"
		"                         as /etc/ipe/ipe-policy.p7b for systemd to load at\n"
		"                         boot (previous file kept as ipe-policy.p7b.old)\n"
		"\n"
		"Options:\n"
		"      --securityfs=DIR   securityfs mount (default /sys/kernel/security); with\n"
		"                         another DIR the keyring and capability checks are skipped\n"
		"      --root=DIR         install/status: the system's root directory holding\n"
		"                         etc/ipe/ (default /); with another DIR the keyring\n"
		"                         check is skipped\n"
		"  -f, --format=FMT       text (default) or json (one JSON object on stdout)\n"
		"      --activate         load/update: activate afterwards and confirm\n"
		"      --no-preflight     write without predicting the kernel's answer first\n"
		"      --no-keyring-check skip the trusted-keyring lookup of the preflight\n"
		"      --policy, --pkcs7  show: print the policy text / the pkcs7 blob\n"
		"  -q, --quiet            no output on success; errors still go to stderr\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"Exit status:\n"
		"  0  success (also: nothing to do)\n"
		"  1  the kernel refused a write (the message names the errno)\n"
		"  2  an input or securityfs node could not be read, or a short write\n"
		"  3  usage error\n"
		"  4  the preflight refused; nothing was written\n"
		"  5  IPE is not available (no DIR/ipe) or the named policy is not loaded\n"
		"  6  the write was accepted but reading back disagrees\n"
		"\n"
		"See ipectl(8).\n");
}

enum {
	OPT_SECURITYFS = 256,
	OPT_ACTIVATE,
	OPT_NO_PREFLIGHT,
	OPT_NO_KEYRING,
	OPT_POLICY,
	OPT_PKCS7,
	OPT_ROOT,
};

struct opts {
	struct ipe_ctl_opts ctl;
	bool json, quiet, show_policy, show_pkcs7, root_given;
	const char *sysroot; /* --root */
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(prog, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'ipectl --help'.\n");
	return CLI_EXIT_USAGE;
}

static void print_diags(const struct ipe_ctx *ctx, const struct ipe_ctl_result *r, bool quiet)
{
	bool failed = r->outcome != IPE_CTL_OK;

	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

		if (!failed && (quiet || d->severity < IPE_SEV_WARNING))
			continue;
		/* The diagnostic that became the result is printed once, below. */
		if (failed && r->code && d->code && strcmp(r->code, d->code) == 0 && r->what &&
		    d->message && strcmp(r->what, d->message) == 0)
			continue;
		ipe_diag_render_text(ctx, d, stderr, 0);
	}
}

static int finish(const struct opts *o, struct ipe_ctx *ctx, struct ipe_ctl_result *r, int rc)
{
	int code;

	if (rc == -ENOMEM && !r->what) {
		fprintf(stderr, "%s: error: out of memory\n", prog);
		return CLI_EXIT_INPUT;
	}
	code = ipe_ctl_result_exit_code(r);
	if (o->json) {
		if (ipe_ctl_result_render_json(ctx, r, false, stdout))
			code = code ? code : CLI_EXIT_INPUT;
	} else {
		print_diags(ctx, r, o->quiet);
		ipe_ctl_result_render_text(r, o->quiet, stdout, stderr);
	}
	if (fflush(stdout) != 0 && code == 0)
		code = CLI_EXIT_INPUT;
	return code;
}

static int read_blob(const struct opts *o, struct ipe_ctx *ctx, enum ipe_ctl_op op, const char *path,
		     struct ipe_ctl_blob **ret_blob, struct ipe_ctl_result *r)
{
	int rc = ipe_ctl_blob_from_file(ctx, path, ret_blob);

	if (rc == 0)
		return 0;
	r->op = op;
	r->outcome = IPE_CTL_FAIL_IO;
	r->err = -rc;
	r->code = "IPECTL-INPUT";
	if (asprintf(&r->what, "cannot read %s: %s", path,
		     rc == -EFBIG ? "larger than 16 MiB, not a policy blob" : cli_strerror(rc)) < 0)
		r->what = NULL;
	(void)o;
	return rc;
}

/* status: the installed boot policy and what systemd does with it at the
 * next boot (when only the kernel's built-in boot policy is loaded). */
static int print_boot_policy(const struct opts *o, const struct ipe_ctl_status *st)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_ctl_blob *blob = NULL;
	struct ipe_ctl_boot_plan plan = { .size = sizeof(plan) };
	const char *root = o->sysroot && strcmp(o->sysroot, "/") != 0 ? o->sysroot : "";
	const char *kname = NULL;
	const uint16_t *kver = NULL;
	char *path = NULL, dg[2 * IPE_CTL_DIGEST_LEN + 1], vb[IPE_CTL_VERSION_STRLEN];
	int rc;

	if (asprintf(&path, "%s%s", root, IPE_CTL_BOOT_POLICY_PATH) < 0)
		return -ENOMEM;
	if (ipe_ctx_new(&ctx)) {
		free(path);
		return -ENOMEM;
	}
	rc = ipe_ctl_blob_from_file(ctx, path, &blob);
	if (rc == -ENOENT) {
		cli_print_line(stdout, "boot policy: none (%s does not exist; systemd loads nothing at boot)", path);
		rc = 0;
		goto out;
	}
	if (rc) {
		cli_print_line(stdout, "boot policy: %s: unreadable (%s)", path, cli_strerror(rc));
		rc = 0;
		goto out;
	}
	ipe_hex_format(dg, sizeof(dg), blob->digest, IPE_CTL_DIGEST_LEN);
	if (ipe_ctl_blob_header(blob, &kname, &kver)) {
		char esc[512];

		ipe_escape_bytes(esc, sizeof(esc), kname, strlen(kname));
		cli_print_line(stdout, "boot policy: %s: \"%s\" %s sha256:%s", path, esc, ipe_ctl_version_str(kver, vb), dg);
	} else {
		cli_print_line(stdout, "boot policy: %s: no policy header (sha256:%s)", path, dg);
	}
	rc = ipe_ctl_boot_plan(ctx, st, blob, true, &plan);
	if (rc)
		goto out;
	if (!st->tree_present)
		printf("next boot: IPE is not enabled in the running kernel; with it, systemd would %s it\n",
		       ipe_ctl_boot_action_name(plan.action));
	else if (plan.action == IPE_CTL_BOOT_SKIP)
		cli_print_line(stdout, "next boot: skip: the boot policy \"%s\" is at the same or a higher version",
			       plan.against ? plan.against : "?");
	else if (plan.action == IPE_CTL_BOOT_FAIL)
		printf("next boot: fail: systemd finds no policy header\n");
	else
		printf("next boot: %s%s%s\n",
		       plan.action == IPE_CTL_BOOT_UPDATE ? "update the boot policy, then activate" : "load, then activate",
		       plan.write_err || plan.activate_err ? " -- fails with " : "",
		       plan.write_err ? ipe_errno_name(plan.write_err)
		       : plan.activate_err ? ipe_errno_name(plan.activate_err) : "");
	for (size_t i = 0; i < ipe_ctx_diag_count(ctx); i++) {
		const struct ipe_diag *d = ipe_ctx_diag(ctx, i);

		if (d->severity >= IPE_SEV_WARNING)
			ipe_diag_render_text(ctx, d, stdout, 0);
	}
out:
	ipe_ctl_boot_plan_clear(&plan);
	ipe_ctl_blob_free(blob);
	ipe_ctx_free(ctx);
	free(path);
	return rc;
}

static int cmd_status(const struct opts *o)
{
	struct ipe_ctl_status *st = NULL;
	int rc = ipe_ctl_status_read(o->ctl.root, &st);

	if (rc) {
		cli_error(prog, "cannot read %s: %s", o->ctl.root ? o->ctl.root : IPE_CTL_DEFAULT_SECURITYFS,
			  cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	if (o->json)
		rc = ipe_ctl_status_render_json(st, NULL, false, stdout);
	else if (!o->quiet)
		rc = ipe_ctl_status_render_text(st, stdout);
	if (!rc && !st->tree_present && !o->json)
		cli_info(prog,
			 "status: error: %s/ipe does not exist: IPE is not enabled in this kernel or securityfs is not mounted [errno=ENOENT code=IPECTL-K-NOIPE]",
			 st->root);
	if (!rc && !o->json && !o->quiet)
		rc = print_boot_policy(o, st);
	rc = rc ? CLI_EXIT_INPUT : st->tree_present ? 0 : 5;
	ipe_ctl_status_free(st);
	if (fflush(stdout) != 0 && rc == 0)
		rc = CLI_EXIT_INPUT;
	return rc;
}

static int cmd_show(const struct opts *o, const char *name)
{
	bool retried = false;
	struct ipe_ctl_result r = { 0 };
	struct ipe_ctl_status *st = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc, code;

	if (o->show_policy || o->show_pkcs7) {
		rc = ipe_ctl_read_node(&o->ctl, name, o->show_policy ? "policy" : "pkcs7", &data, &len, &r);
		if (rc) {
			code = finish(o, NULL, &r, rc);
			ipe_ctl_result_clear(&r);
			return code;
		}
		code = cli_write_output(prog, "-", data, len, NULL, 0);
		free(data);
		ipe_ctl_result_clear(&r);
		return code;
	}
again:
	rc = ipe_ctl_status_read(o->ctl.root, &st);
	if (rc) {
		cli_error(prog, "cannot read %s: %s", o->ctl.root ? o->ctl.root : IPE_CTL_DEFAULT_SECURITYFS,
			  cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	if (!ipe_ctl_status_find(st, name)) {
		/* Let the library explain (ENOENT on the policy directory). */
		ipe_ctl_status_free(st);
		rc = ipe_ctl_read_node(&o->ctl, name, "version", &data, &len, &r);
		free(data);
		if (rc == 0 && !retried) { /* appeared meanwhile: look once more */
			ipe_ctl_result_clear(&r);
			retried = true;
			goto again;
		}
		if (rc == 0) {
			/* a readable policy directory that policies/ does not list:
			 * not what the kernel makes; never loop on it */
			ipe_ctl_result_clear(&r);
			cli_error(prog, "show: %s/ipe/policies lists no policy '%s', yet its version node exists; the tree is not the kernel's",
				  o->ctl.root ? o->ctl.root : IPE_CTL_DEFAULT_SECURITYFS, name);
			return CLI_EXIT_INPUT;
		}
		code = finish(o, NULL, &r, rc);
		ipe_ctl_result_clear(&r);
		return code;
	}
	if (o->json) {
		rc = ipe_ctl_status_render_json(st, name, false, stdout);
	} else {
		/* The status line of that one policy. */
		struct ipe_ctl_status one = *st;

		one.policies = (struct ipe_ctl_policy *)ipe_ctl_status_find(st, name);
		one.npolicies = 1;
		one.active = one.policies->active == 1 ? 0 : -1;
		rc = o->quiet ? 0 : ipe_ctl_status_render_text(&one, stdout);
	}
	ipe_ctl_status_free(st);
	if (fflush(stdout) != 0)
		rc = -EIO;
	return rc ? CLI_EXIT_INPUT : 0;
}

static int parse_onoff(const char *s, bool *ret)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "1") == 0) {
		*ret = true;
		return 0;
	}
	if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

static int run(struct opts *o, int argc, char **argv)
{
	struct ipe_ctx *ctx = NULL;
	struct ipe_ctl_result r = { 0 };
	struct ipe_ctl_blob *blob = NULL;
	const char *cmd = argv[0];
	int nargs = argc - 1, rc = 0, code;
	bool on = false;

	static const struct {
		const char *name;
		int nargs;
		enum ipe_ctl_op op;
	} cmds[] = {
		{ "status", 0, IPE_CTL_OP_STATUS }, { "load", 1, IPE_CTL_OP_LOAD },
		{ "update", 2, IPE_CTL_OP_UPDATE }, { "activate", 1, IPE_CTL_OP_ACTIVATE },
		{ "delete", 1, IPE_CTL_OP_DELETE }, { "show", 1, IPE_CTL_OP_SHOW },
		{ "enforce", 1, IPE_CTL_OP_ENFORCE }, { "audit", 1, IPE_CTL_OP_AUDIT },
		{ "install", 1, IPE_CTL_OP_INSTALL },
	};
	enum ipe_ctl_op op = IPE_CTL_OP_COUNT;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmd, cmds[i].name) != 0)
			continue;
		op = cmds[i].op;
		if (nargs != cmds[i].nargs)
			return usage_error("'%s' takes %d argument%s, got %d", cmd, cmds[i].nargs,
					   cmds[i].nargs == 1 ? "" : "s", nargs);
	}
	if (op == IPE_CTL_OP_COUNT)
		return usage_error("unknown command '%s'", cmd);
	if (o->ctl.activate && op != IPE_CTL_OP_LOAD && op != IPE_CTL_OP_UPDATE)
		return usage_error("--activate applies to load and update only");
	if (o->sysroot && op != IPE_CTL_OP_INSTALL && op != IPE_CTL_OP_STATUS)
		return usage_error("--root applies to install and status only");
	if ((o->show_policy || o->show_pkcs7) && op != IPE_CTL_OP_SHOW)
		return usage_error("--policy/--pkcs7 apply to show only");
	if (o->show_policy && o->show_pkcs7)
		return usage_error("--policy and --pkcs7 exclude each other");
	if (o->json && (o->show_policy || o->show_pkcs7))
		return usage_error("--policy/--pkcs7 print raw bytes; they have no JSON form");
	if ((op == IPE_CTL_OP_ENFORCE || op == IPE_CTL_OP_AUDIT) && parse_onoff(argv[1], &on))
		return usage_error("expected 'on' or 'off', got '%s'", argv[1]);

	if (op == IPE_CTL_OP_STATUS)
		return cmd_status(o);
	if (op == IPE_CTL_OP_SHOW)
		return cmd_show(o, argv[1]);

	if (ipe_ctx_new(&ctx)) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	switch (op) {
	case IPE_CTL_OP_LOAD:
		rc = read_blob(o, ctx, op, argv[1], &blob, &r);
		if (!rc)
			rc = ipe_ctl_load(ctx, &o->ctl, blob, &r);
		break;
	case IPE_CTL_OP_UPDATE:
		rc = read_blob(o, ctx, op, argv[2], &blob, &r);
		if (!rc)
			rc = ipe_ctl_update(ctx, &o->ctl, argv[1], blob, &r);
		break;
	case IPE_CTL_OP_INSTALL: {
		struct ipe_ctl_opts io = o->ctl;

		/* another system's root: this kernel's keyrings say nothing about it */
		if (o->sysroot && strcmp(o->sysroot, "/") != 0)
			io.pf_flags |= IPE_CTL_PF_NO_KEYRING;
		rc = read_blob(o, ctx, op, argv[1], &blob, &r);
		if (!rc)
			rc = ipe_ctl_install(ctx, &io, o->sysroot, blob, &r);
		break;
	}
	case IPE_CTL_OP_ACTIVATE:
		rc = ipe_ctl_activate(ctx, &o->ctl, argv[1], &r);
		break;
	case IPE_CTL_OP_DELETE:
		rc = ipe_ctl_delete(ctx, &o->ctl, argv[1], &r);
		break;
	case IPE_CTL_OP_ENFORCE:
	case IPE_CTL_OP_AUDIT:
		rc = ipe_ctl_set_switch(ctx, &o->ctl, op, on, &r);
		break;
	default:
		break;
	}
	code = finish(o, ctx, &r, rc);
	ipe_ctl_result_clear(&r);
	ipe_ctl_blob_free(blob);
	ipe_ctx_free(ctx);
	return code;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "securityfs", required_argument, NULL, OPT_SECURITYFS },
		{ "format", required_argument, NULL, 'f' },
		{ "activate", no_argument, NULL, OPT_ACTIVATE },
		{ "no-preflight", no_argument, NULL, OPT_NO_PREFLIGHT },
		{ "no-keyring-check", no_argument, NULL, OPT_NO_KEYRING },
		{ "policy", no_argument, NULL, OPT_POLICY },
		{ "pkcs7", no_argument, NULL, OPT_PKCS7 },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	int c;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "f:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SECURITYFS:
			if (!*optarg)
				return usage_error("--securityfs needs a directory");
			o.ctl.root = optarg;
			o.root_given = strcmp(optarg, IPE_CTL_DEFAULT_SECURITYFS) != 0;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o.json = true;
			else if (strcmp(optarg, "text") == 0)
				o.json = false;
			else
				return usage_error("unknown format '%s' (text or json)", optarg);
			break;
		case OPT_ACTIVATE:
			o.ctl.activate = true;
			break;
		case OPT_NO_PREFLIGHT:
			o.ctl.no_preflight = true;
			break;
		case OPT_NO_KEYRING:
			o.ctl.pf_flags |= IPE_CTL_PF_NO_KEYRING;
			break;
		case OPT_POLICY:
			o.show_policy = true;
			break;
		case OPT_PKCS7:
			o.show_pkcs7 = true;
			break;
		case OPT_ROOT:
			if (!*optarg)
				return usage_error("--root needs a directory");
			o.sysroot = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : CLI_EXIT_INPUT;
		case 'V':
			cli_print_version("ipectl");
			return fflush(stdout) == 0 ? 0 : CLI_EXIT_INPUT;
		default:
			fprintf(stderr, "Try 'ipectl --help'.\n");
			return CLI_EXIT_USAGE;
		}
	}
	if (o.root_given)
		o.ctl.pf_flags |= IPE_CTL_PF_NO_KEYRING | IPE_CTL_PF_NO_CAPS;
	if (optind >= argc)
		return usage_error("no command given");
	return cli_close_stdout(prog, run(&o, argc - optind, argv + optind));
}
