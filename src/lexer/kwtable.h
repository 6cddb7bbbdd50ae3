/* SPDX-License-Identifier: MIT */
/* The one table of the kernel's policy keywords (the match_token() tables of
 * security/ipe/policy_parser.c): operations, actions and properties.  Every
 * list of them derives from these X-macros: the keyword classifier
 * (keywords.c), the op and property names of the model (compiler/model.c),
 * the hints' word lists (parser/hints.c).  The flex scanner (scanner.l)
 * needs the same words as literal patterns: tests/unit/test_lexer.c checks
 * that its list equals this table. */
#ifndef IPE_LEXER_KWTABLE_H
#define IPE_LEXER_KWTABLE_H

/* X(NAME): "op=NAME", enum IPE_OP_NAME; in enum ipe_op order */
#define IPE_KW_OPS(X)                                                                                                 \
	X(EXECUTE)                                                                                                    \
	X(FIRMWARE)                                                                                                   \
	X(KMODULE)                                                                                                    \
	X(KEXEC_IMAGE)                                                                                                \
	X(KEXEC_INITRAMFS)                                                                                            \
	X(POLICY)                                                                                                     \
	X(X509_CERT)

/* X(NAME): "action=NAME", enum IPE_ACTION_NAME */
#define IPE_KW_ACTIONS(X)                                                                                             \
	X(ALLOW)                                                                                                      \
	X(DENY)

/* X(key, E): "key=TRUE" and "key=FALSE", enum IPE_PROP_E_TRUE / _FALSE */
#define IPE_KW_BOOL_PROPS(X)                                                                                          \
	X(boot_verified, BOOT_VERIFIED)                                                                               \
	X(dmverity_signature, DMV_SIG)                                                                                \
	X(fsverity_signature, FSV_SIG)

/* X(key, E): "key=ALGORITHM:HEX", enum IPE_PROP_E (and IPE_KW_EMPTY_E for
 * "key=" alone) */
#define IPE_KW_DIGEST_PROPS(X)                                                                                        \
	X(dmverity_roothash, DMV_ROOTHASH)                                                                            \
	X(fsverity_digest, FSV_DIGEST)

/* X(key, E): the header's "key=VALUE" tokens, enum IPE_KW_HDR_E (and
 * IPE_KW_EMPTY_E), in the header's order */
#define IPE_KW_HEADER(X)                                                                                              \
	X(policy_name, NAME)                                                                                          \
	X(policy_version, VERSION)

/* the first token of a default line */
#define IPE_KW_DEFAULT_WORD "DEFAULT"

#endif
