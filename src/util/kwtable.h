/* SPDX-License-Identifier: MIT */
/* The one table of the kernel's policy keywords (the match_token() tables of
 * security/ipe/policy_parser.c): operations, actions and properties, with
 * the first kernel release that has each op and property and the Kconfig
 * option that compiles each property in.  Every list of them derives from
 * these X-macros: the keyword classifier (lexer/keywords.c), the op and property
 * names and Kconfig options of the model (compiler/model.c), the hints' word
 * lists (parser/hints.c), the per-release facts of the target kernels
 * (compiler/target.c: which ops and properties a release has, whether it has
 * IPE at all).  The flex scanner (scanner.l) needs the same words as literal
 * patterns: tests/unit/test_lexer.c checks that its list equals this table;
 * tests/lint/test_kconfig.c pins the per-release availability;
 * tests/layering/check-kwtable.py fails on a second copy of a name in src/
 * (a string literal that is one, lists the ops, or formats a value).  It
 * lives in util/ so that every layer may include it. */
#ifndef IPE_LEXER_KWTABLE_H
#define IPE_LEXER_KWTABLE_H

/* A kernel release as one number, for "since" columns: IPE_REL(6, 12) */
#define IPE_REL(major, minor) ((unsigned)(major) * 1000u + (unsigned)(minor))

/* The grammar (header, DEFAULT, actions) is the same in every release with
 * IPE; the first one: */
#define IPE_KW_FIRST_RELEASE IPE_REL(6, 12)

/* the keys of a rule's operation and action tokens */
#define IPE_KW_OP_KEY "op="
#define IPE_KW_ACTION_KEY "action="

/* X(NAME, SINCE): "op=NAME", enum IPE_OP_NAME, first release SINCE; in
 * enum ipe_op order */
#define IPE_KW_OPS(X)                                                                                                 \
	X(EXECUTE, IPE_REL(6, 12))                                                                                    \
	X(FIRMWARE, IPE_REL(6, 12))                                                                                   \
	X(KMODULE, IPE_REL(6, 12))                                                                                    \
	X(KEXEC_IMAGE, IPE_REL(6, 12))                                                                                \
	X(KEXEC_INITRAMFS, IPE_REL(6, 12))                                                                            \
	X(POLICY, IPE_REL(6, 12))                                                                                     \
	X(X509_CERT, IPE_REL(6, 12))

/* X(NAME): "action=NAME", enum IPE_ACTION_NAME */
#define IPE_KW_ACTIONS(X)                                                                                             \
	X(ALLOW)                                                                                                      \
	X(DENY)

/* Properties: X(key, E, SINCE, KCONFIG): first release SINCE; KCONFIG is the
 * option that compiles the property in ("CONFIG_IPE_PROP_..."), NULL when
 * none does (boot_verified).  Boolean ones: "key=TRUE" and "key=FALSE",
 * enum IPE_PROP_E_TRUE / _FALSE */
#define IPE_KW_BOOL_PROPS(X)                                                                                          \
	X(boot_verified, BOOT_VERIFIED, IPE_REL(6, 12), NULL)                                                         \
	X(dmverity_signature, DMV_SIG, IPE_REL(6, 12), "CONFIG_IPE_PROP_DM_VERITY_SIGNATURE")                         \
	X(fsverity_signature, FSV_SIG, IPE_REL(6, 12), "CONFIG_IPE_PROP_FS_VERITY_BUILTIN_SIG")

/* X(key, E, SINCE, KCONFIG): "key=ALGORITHM:HEX", enum IPE_PROP_E (and
 * IPE_KW_EMPTY_E for "key=" alone) */
#define IPE_KW_DIGEST_PROPS(X)                                                                                        \
	X(dmverity_roothash, DMV_ROOTHASH, IPE_REL(6, 12), "CONFIG_IPE_PROP_DM_VERITY")                               \
	X(fsverity_digest, FSV_DIGEST, IPE_REL(6, 12), "CONFIG_IPE_PROP_FS_VERITY")

/* X(key, E): the header's "key=VALUE" tokens, enum IPE_KW_HDR_E (and
 * IPE_KW_EMPTY_E), in the header's order */
#define IPE_KW_HEADER(X)                                                                                              \
	X(policy_name, NAME)                                                                                          \
	X(policy_version, VERSION)

/* the first token of a default line */
#define IPE_KW_DEFAULT_WORD "DEFAULT"

/* ---- derived forms, for messages and writers ---- */

/* The op names as one string literal, each after a blank:
 * " EXECUTE FIRMWARE ... X509_CERT" and " op=EXECUTE op=FIRMWARE ..." */
#define IPE_KW_OP_WORD_(n, since) " " #n
#define IPE_KW_OP_TOKEN_(n, since) " " IPE_KW_OP_KEY #n
#define IPE_KW_OP_WORDS IPE_KW_OPS(IPE_KW_OP_WORD_)
#define IPE_KW_OP_TOKENS IPE_KW_OPS(IPE_KW_OP_TOKEN_)

/* The header's keys by position, and their tokens: ipe_kw_header_token(
 * IPE_KW_HEADER_NAME) is "policy_name=" */
#define IPE_KW_HEADER_ENUM_(key, e) IPE_KW_HEADER_##e,
enum ipe_kw_header { IPE_KW_HEADER(IPE_KW_HEADER_ENUM_) IPE_KW_HEADER_COUNT };
#define IPE_KW_HEADER_TOKEN_(key, e) [IPE_KW_HEADER_##e] = #key "=",
static inline const char *ipe_kw_header_token(enum ipe_kw_header h)
{
	static const char *const tokens[IPE_KW_HEADER_COUNT] = { IPE_KW_HEADER(IPE_KW_HEADER_TOKEN_) };

	return tokens[h];
}

#endif
