/* SPDX-License-Identifier: MIT */
/* Signing options shared by ipe-sign and ipe-compile --sign. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sign_opts.h"

int sign_cli_init(struct sign_cli *s, int argc)
{
	memset(s, 0, sizeof(*s));
	s->extra = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*s->extra));
	return s->extra ? 0 : -ENOMEM;
}

void sign_cli_free(struct sign_cli *s)
{
	free(s->extra);
	s->extra = NULL;
}

int sign_cli_option(struct sign_cli *s, int c, const char *arg)
{
	switch (c) {
	case 'k': s->so.key = arg; break;
	case 'c': s->so.cert = arg; break;
	case 'p': s->so.pass = arg; break;
	case SIGN_OPT_HASH: s->so.hash = arg; break;
	case SIGN_OPT_EMBED: s->so.flags &= ~IPE_SIGN_NO_CERT; break;
	case SIGN_OPT_NOCERT: s->so.flags |= IPE_SIGN_NO_CERT; break;
	case SIGN_OPT_ADDCERT: s->extra[s->nextra++] = arg; break;
	case SIGN_OPT_KEYID: s->so.flags |= IPE_SIGN_KEYID; break;
	case SIGN_OPT_SATTR: s->so.flags |= IPE_SIGN_SIGNED_ATTRS; break;
	case SIGN_OPT_P11: s->so.pkcs11_module = arg; break;
	default: return 0;
	}
	s->any = true;
	return 1;
}

const struct ipe_sign_opts *sign_cli_opts(struct sign_cli *s)
{
	s->so.extra_certs = s->extra;
	s->so.nextra_certs = s->nextra;
	return &s->so;
}

size_t sign_cli_inputs(const struct sign_cli *s, const char **out)
{
	size_t n = 0;

	if (s->so.key && strncmp(s->so.key, "pkcs11:", 7) != 0)
		out[n++] = s->so.key;
	if (s->so.cert)
		out[n++] = s->so.cert;
	if (s->so.pass && strncmp(s->so.pass, "file:", 5) == 0)
		out[n++] = s->so.pass + 5;
	for (size_t i = 0; i < s->nextra; i++)
		out[n++] = s->extra[i];
	return n;
}

int sign_cli_sign(struct ipe_ctx *ctx, struct sign_cli *s, const void *policy, size_t len, uint8_t **ret_blob,
		  size_t *ret_len, int *ret_exit)
{
	struct ipe_signer *signer = NULL;
	int rc;

	/* One kind of failure, one exit status: anything that stops the key,
	 * certificate or passphrase from being used (missing, a directory,
	 * /dev/zero, not a key, fd:99, env:UNSET, a wrong PIN) is an input
	 * that could not be used (2); a policy the signer refuses is 1. */
	rc = ipe_signer_new(ctx, sign_cli_opts(s), &signer);
	if (rc) {
		*ret_exit = CLI_EXIT_INPUT;
		return rc;
	}
	rc = ipe_signer_sign(ctx, signer, policy, len, ret_blob, ret_len);
	ipe_signer_free(signer);
	*ret_exit = rc == 0 ? CLI_EXIT_OK : rc == -ENOMEM ? CLI_EXIT_INPUT : CLI_EXIT_FINDINGS;
	return rc;
}
