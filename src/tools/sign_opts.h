/* SPDX-License-Identifier: MIT */
/* Signing options shared by ipe-sign and ipe-compile --sign: one parser for
 * --key/--cert/--pass/--hash/... so both tools mean the same thing. */
#ifndef IPE_SIGN_OPTS_H
#define IPE_SIGN_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <ipe/sign.h>

/* getopt values of the long-only signing options (kept clear of ASCII and of
 * each tool's own long-option values, which start at 256). */
enum {
	SIGN_OPT_HASH = 0x1000,
	SIGN_OPT_EMBED,
	SIGN_OPT_NOCERT,
	SIGN_OPT_ADDCERT,
	SIGN_OPT_KEYID,
	SIGN_OPT_SATTR,
	SIGN_OPT_P11,
};

/* The long options, to be spliced into a tool's option table.  --key, --cert
 * and --pass map to 'k', 'c' and 'p' (add "k:c:p:" to the short options). */
#define SIGN_OPTS_LONGOPTS                                                  \
	{ "key", required_argument, NULL, 'k' },                            \
	{ "cert", required_argument, NULL, 'c' },                           \
	{ "pass", required_argument, NULL, 'p' },                           \
	{ "hash", required_argument, NULL, SIGN_OPT_HASH },                 \
	{ "embed-cert", no_argument, NULL, SIGN_OPT_EMBED },                \
	{ "no-cert", no_argument, NULL, SIGN_OPT_NOCERT },                  \
	{ "add-cert", required_argument, NULL, SIGN_OPT_ADDCERT },          \
	{ "keyid", no_argument, NULL, SIGN_OPT_KEYID },                     \
	{ "signed-attrs", no_argument, NULL, SIGN_OPT_SATTR },              \
	{ "pkcs11-module", required_argument, NULL, SIGN_OPT_P11 }

/* The --help lines for the options above. */
#define SIGN_OPTS_HELP                                                                                        \
	"  -k, --key KEY          private key: PEM, DER or encrypted PEM/PKCS#8 file, or a pkcs11: URI\n"       \
	"  -c, --cert CERT        signer certificate (PEM or DER); must match the key\n"                        \
	"      --hash ALG         sha256 (default), sha384 or sha512\n"                                         \
	"      --embed-cert       embed the signer certificate (default)\n"                                     \
	"      --no-cert          do not embed it (the kernel must then trust the signer cert itself)\n"        \
	"      --add-cert FILE    also embed this certificate (an intermediate); repeatable\n"                  \
	"      --keyid            identify the signer by subject key identifier (default: issuer+serial)\n"     \
	"      --signed-attrs     add signed attributes (contentType, messageDigest, signingTime from\n"        \
	"                         $SOURCE_DATE_EPOCH or now); never S/MIME capabilities\n"                     \
	"  -p, --pass SRC         passphrase or token PIN from env:VAR, file:PATH or fd:N\n"                   \
	"      --pkcs11-module SO PKCS#11 module for pkcs11: keys (default $PKCS11_MODULE_PATH)\n"

struct sign_cli {
	struct ipe_sign_opts so;
	const char **extra; /* --add-cert files */
	size_t nextra;
	bool any;           /* a signing option was given */
};

/* argc bounds the number of --add-cert.  Returns 0 or -ENOMEM. */
int sign_cli_init(struct sign_cli *s, int argc);
void sign_cli_free(struct sign_cli *s);
/* Handle one getopt result: 1 = it was a signing option, 0 = not ours. */
int sign_cli_option(struct sign_cli *s, int c, const char *arg);
/* The options for ipe_sign_policy() (extra certs filled in). */
const struct ipe_sign_opts *sign_cli_opts(struct sign_cli *s);
/* The files the signing options read (key, cert, passphrase file, extra
 * certs), for the output's never-replace-an-input check.  out has room
 * for 3 + s->nextra entries.  Returns how many were stored. */
size_t sign_cli_inputs(const struct sign_cli *s, const char **out);
/* Sign with ipe_signer_new + ipe_signer_sign; *ret_exit is the exit status
 * for the outcome: CLI_EXIT_INPUT when the key, certificate or passphrase
 * cannot be used, CLI_EXIT_FINDINGS when the policy is refused.  Returns 0
 * or the negative errno (diagnostics in ctx). */
int sign_cli_sign(struct ipe_ctx *ctx, struct sign_cli *s, const void *policy, size_t len, uint8_t **ret_blob,
		  size_t *ret_len, int *ret_exit);

#endif
