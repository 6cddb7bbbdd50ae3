/* SPDX-License-Identifier: MIT */
/*
 * pkcs11: URIs through OpenSSL's "pkcs11" engine (libengine-pkcs11-openssl;
 * OpenSSL 3.0 on Debian 12 has no PKCS#11 provider).  The ENGINE API is
 * deprecated in OpenSSL 3 but is the one that works there.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>

#include "signer.h"

void ipe_sign_release_engine(void *engine)
{
	ENGINE *e = engine;

	if (!e)
		return;
	ENGINE_finish(e);
	ENGINE_free(e);
}

int ipe_sign_load_pkcs11_key(struct ipe_ctx *ctx, const char *uri, const char *module,
			     const char *pin, EVP_PKEY **ret_key, void **ret_engine)
{
	ENGINE *e = NULL;
	EVP_PKEY *key = NULL;
	bool inited = false;
	char eb[256], shown[512];
	const char *show;
	int rc = 0;

	/* the URI may carry pin-value=: never print it whole */
	show = ipe_sign_key_display(uri, shown, sizeof(shown));
	ERR_set_mark();
	if (!module)
		module = getenv("PKCS11_MODULE_PATH");
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		ipe_sign_ossl_err(eb, sizeof(eb));
		ipe_sign_diag(ctx, "IPE-S009", IPE_SEV_ERROR,
			      "install the OpenSSL pkcs11 engine (Debian: apt-get install libengine-pkcs11-openssl)",
			      "%s: the OpenSSL 'pkcs11' engine is not available (%s)", show, eb);
		ERR_pop_to_mark();
		return -ENOPKG;
	}
	/* libp11 prints the URI it could not resolve (pin-value= included)
	 * unless told to be quiet; older engines lack the command */
	ENGINE_ctrl_cmd(e, "QUIET", 0, NULL, NULL, 1);
	if (module && !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0)) {
		ipe_sign_ossl_err(eb, sizeof(eb));
		ipe_sign_diag(ctx, "IPE-S009", IPE_SEV_ERROR, NULL, "pkcs11 engine: cannot use module %s: %s",
			      module, eb);
		rc = -EINVAL;
		goto out;
	}
	if (!ENGINE_init(e)) {
		ipe_sign_ossl_err(eb, sizeof(eb));
		ipe_sign_diag(ctx, "IPE-S009", IPE_SEV_ERROR,
			      "give the PKCS#11 module with --pkcs11-module PATH or $PKCS11_MODULE_PATH",
			      "pkcs11 engine: initialisation failed (module %s): %s", module ? module : "default",
			      eb);
		rc = -ENODEV;
		goto out;
	}
	inited = true;
	if (pin && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
		ipe_sign_ossl_err(eb, sizeof(eb));
		ipe_sign_diag(ctx, "IPE-S009", IPE_SEV_ERROR, NULL, "pkcs11 engine: cannot set the PIN: %s", eb);
		rc = -EINVAL;
		goto out;
	}
	key = ENGINE_load_private_key(e, uri, NULL, NULL);
	if (!key) {
		ipe_sign_ossl_err(eb, sizeof(eb));
		ipe_sign_diag(ctx, "IPE-S009", IPE_SEV_ERROR,
			      "check the URI (p11tool --list-all / pkcs11-tool -O) and the PIN (--pass)",
			      "%s: cannot load the private key from the token: %s", show, eb);
		rc = -ENOKEY;
		goto out;
	}
	*ret_key = key;
	*ret_engine = e;
	e = NULL;
out:
	if (e) {
		if (inited)
			ENGINE_finish(e);
		ENGINE_free(e);
	}
	ERR_pop_to_mark();
	return rc;
}
