#!/usr/bin/env python3
"""Generate the printable-text corpus cases (tests/corpus/cases/*.pol|.expect).

Every expectation below was derived by hand from the kernel's parser
(security/ipe/policy_parser.c, security/ipe/digest.c, lib/parser.c
match_one()/match_token(), lib/kstrtox.c kstrtou16()) and
/work/shared/IPE-KERNEL.md section 1 -- never from ipe-tools' own output.

    python3 gen_text_cases.py           # (re)write the files
    python3 gen_text_cases.py --check   # verify the committed files are current
"""

from casegen import (ALLDEF, D64, D64U, G, H, OPS, Case, at, lc, main)

E = lambda code, loc: ("IPE-" + code, loc)          # noqa: E731
cases = []


def C(name, comment, data, *errors, verdict=None):
    cases.append(Case(name, comment, data, errors, verdict))


def hdr(name=b"t", version=b"0.0.0"):
    return b"policy_name=" + name + b" policy_version=" + version + b"\n"


def alldef_except(op):
    return b"".join(b"DEFAULT op=" + o + b" action=DENY\n"
                    for o in OPS if o != op)


# ---------------------------------------------------------------- accepted
C("ok_basic", "smallest complete policy: header + global DEFAULT",
  H + G, verdict="OK")
C("ok_doc_allow_all", "documented example: allow everything",
  b"policy_name=Allow_All policy_version=0.0.0\nDEFAULT action=ALLOW\n")
C("ok_doc_initramfs_only",
  "documented example shape: deny by default, allow execution from the initramfs",
  b"policy_name=Allow_All_Initramfs policy_version=0.0.0\n"
  b"DEFAULT action=DENY\n\nop=EXECUTE boot_verified=TRUE action=ALLOW\n")
C("ok_doc_signed_dmverity",
  "documented example shape: initramfs plus signed dm-verity volumes",
  b"policy_name=Allow_Signed_DMV_And_Initramfs policy_version=0.0.0\n"
  b"DEFAULT action=DENY\n\n"
  b"op=EXECUTE boot_verified=TRUE action=ALLOW\n"
  b"op=EXECUTE dmverity_signature=TRUE action=ALLOW\n")
C("ok_doc_dmverity_roothash", "documented example shape: one dm-verity root hash",
  b"policy_name=Allow_DMV_By_Roothash policy_version=0.0.0\n"
  b"DEFAULT action=DENY\n\n"
  b"op=EXECUTE dmverity_roothash=sha256:" + D64 + b" action=ALLOW\n")
C("ok_doc_fsverity_digest", "documented example shape: one fs-verity file digest",
  b"policy_name=Allow_FSV_By_Digest policy_version=0.0.0\n"
  b"DEFAULT action=DENY\n\n"
  b"op=EXECUTE fsverity_digest=sha256:" + D64 + b" action=ALLOW\n")
C("ok_doc_fsverity_signature", "documented example shape: signed fs-verity files",
  b"policy_name=Allow_Signed_FSV policy_version=0.0.0\n"
  b"DEFAULT action=DENY\n\n"
  b"op=EXECUTE fsverity_signature=TRUE action=ALLOW\n")
C("ok_doc_kmodule_only",
  "documented example shape: restrict only kernel modules, per-op DEFAULT under a global one",
  b"policy_name=Restrict_Modules policy_version=0.0.0\n"
  b"DEFAULT action=ALLOW\n\n"
  b"DEFAULT op=KMODULE action=DENY\n"
  b"op=KMODULE boot_verified=TRUE action=ALLOW\n")
C("ok_doc_deny_all", "documented example: deny everything (still loadable)",
  b"policy_name=Deny_All policy_version=0.0.0\nDEFAULT action=DENY\n")
C("ok_all_op_defaults",
  "completeness: a DEFAULT for each of the 7 ops replaces the global DEFAULT",
  H + ALLDEF)
C("ok_all_op_defaults_reversed", "completeness: per-op defaults in any order",
  H + b"".join(b"DEFAULT op=" + o + b" action=ALLOW\n" for o in reversed(OPS)))
C("ok_op_defaults_after_rules",
  "lines may come in any order: rules first, all per-op defaults last",
  H + b"".join(b"op=" + o + b" boot_verified=TRUE action=ALLOW\n" for o in OPS)
  + ALLDEF)
C("ok_global_default_last", "the global DEFAULT may be the last line",
  H + b"op=EXECUTE boot_verified=TRUE action=ALLOW\n"
  b"op=KMODULE dmverity_signature=TRUE action=ALLOW\n" + b"DEFAULT action=DENY\n")
C("ok_global_and_op_default",
  "a global DEFAULT and a per-op DEFAULT coexist (different slots)",
  H + G + b"DEFAULT op=EXECUTE action=DENY\n")
C("ok_global_and_all_op_defaults", "global DEFAULT plus every per-op DEFAULT",
  H + ALLDEF + G)
for o in OPS:
    C("ok_op_" + o.decode().lower(), "op=%s is a valid op" % o.decode(),
      H + G + b"op=" + o + b" action=DENY\n")
C("ok_op_rules_without_properties",
  "a rule without properties is valid (it always matches)",
  H + b"DEFAULT action=DENY\nop=FIRMWARE action=ALLOW\nop=POLICY action=ALLOW\n")
for prop in (b"boot_verified=TRUE", b"boot_verified=FALSE",
             b"dmverity_signature=TRUE", b"dmverity_signature=FALSE",
             b"fsverity_signature=TRUE", b"fsverity_signature=FALSE"):
    k, v = prop.decode().split("=")
    C("ok_prop_%s_%s" % (k, v.lower()), "%s is a valid property" % prop.decode(),
      H + G + b"op=EXECUTE " + prop + b" action=DENY\n")
C("ok_prop_dmverity_roothash", "dmverity_roothash=ALG:HEX",
  H + G + b"op=EXECUTE dmverity_roothash=sha256:" + D64 + b" action=DENY\n")
C("ok_prop_fsverity_digest", "fsverity_digest=ALG:HEX",
  H + G + b"op=EXECUTE fsverity_digest=sha256:" + D64 + b" action=DENY\n")
C("ok_all_props_one_rule", "every property on one rule (AND of all)",
  H + G + b"op=EXECUTE boot_verified=FALSE dmverity_signature=TRUE "
  b"dmverity_roothash=sha256:" + D64 + b" fsverity_signature=FALSE "
  b"fsverity_digest=sha256:" + D64 + b" action=ALLOW\n")
C("ok_digest_uppercase", "hex2bin accepts uppercase hex",
  H + G + b"op=EXECUTE fsverity_digest=sha256:" + D64U + b" action=DENY\n")
C("ok_digest_mixed_case", "hex2bin accepts mixed-case hex",
  H + G + b"op=EXECUTE dmverity_roothash=sha256:aAbBcCdDeEfF0099 action=DENY\n")
C("ok_digest_sha512", "a 64-byte digest",
  H + G + b"op=EXECUTE fsverity_digest=sha512:" + D64 + D64 + b" action=DENY\n")
C("ok_digest_empty_hex",
  "digest.c: empty HEX after ':' gives a 0-byte digest and is accepted",
  H + G + b"op=EXECUTE fsverity_digest=sha256: action=DENY\n")
C("ok_digest_empty_alg", "digest.c: the algorithm before ':' may be empty",
  H + G + b"op=EXECUTE dmverity_roothash=:00ff action=DENY\n")
C("ok_digest_empty_alg_and_hex", "digest.c: ':' alone is a valid digest",
  H + G + b"op=EXECUTE fsverity_digest=: action=DENY\n")
C("ok_digest_alg_uppercase",
  "the algorithm is not checked at load time (it just never matches)",
  H + G + b"op=EXECUTE fsverity_digest=SHA256:" + D64 + b" action=DENY\n")
C("ok_digest_alg_odd_chars",
  "ALG is everything before the first ':' verbatim, including '=' '$' '%'",
  H + G + b"op=EXECUTE fsverity_digest=a=b$%-_.:00 action=DENY\n")
C("ok_digest_short", "any even hex length is fine, even one byte",
  H + G + b"op=EXECUTE dmverity_roothash=sha256:00 action=DENY\n")
C("ok_digest_wrong_length", "a 31-byte sha256 digest loads (never matches)",
  H + G + b"op=EXECUTE fsverity_digest=sha256:" + D64[:62] + b" action=DENY\n")
C("ok_digest_on_every_op", "digests are accepted on every op",
  H + G + b"".join(b"op=" + o + b" fsverity_digest=sha256:" + D64
                   + b" action=ALLOW\n" for o in OPS))
C("ok_interleaved_ops", "rules of different ops interleave freely",
  H + b"op=EXECUTE boot_verified=TRUE action=ALLOW\n"
  b"DEFAULT op=KMODULE action=DENY\n"
  b"op=KMODULE boot_verified=TRUE action=ALLOW\n"
  b"op=EXECUTE dmverity_signature=TRUE action=ALLOW\n"
  b"op=FIRMWARE action=ALLOW\n"
  b"DEFAULT action=DENY\n"
  b"op=KMODULE fsverity_signature=TRUE action=DENY\n")
C("ok_duplicate_rules", "duplicate rules are accepted silently",
  H + G + b"op=EXECUTE boot_verified=TRUE action=DENY\n" * 3)
C("ok_contradictory_props",
  "contradictory properties in one rule are accepted silently",
  H + G + b"op=EXECUTE boot_verified=TRUE boot_verified=FALSE action=DENY\n")
C("ok_duplicate_props", "the same property twice is accepted silently",
  H + G + b"op=EXECUTE dmverity_signature=TRUE dmverity_signature=TRUE action=DENY\n")
C("ok_contradictory_rules", "opposite actions for identical rules: accepted, first wins",
  H + G + b"op=EXECUTE boot_verified=TRUE action=ALLOW\n"
  b"op=EXECUTE boot_verified=TRUE action=DENY\n")
C("ok_two_different_digests", "two digests in one rule are accepted (AND)",
  H + G + b"op=EXECUTE fsverity_digest=sha256:00 fsverity_digest=sha256:11 action=ALLOW\n")
C("ok_tab_separators", "TAB separates tokens like space",
  b"policy_name=t\tpolicy_version=0.0.0\nDEFAULT\taction=ALLOW\n"
  b"op=EXECUTE\tboot_verified=TRUE\taction=DENY\n")
C("ok_whitespace_mix",
  "runs of spaces/TABs, leading whitespace, nested per-op defaults",
  b"policy_name=ws policy_version=0.0.0\n"
  b"DEFAULT\taction=ALLOW\n"
  b"   \t   DEFAULT \t  op=EXECUTE     action=DENY\n"
  b"op=EXECUTE boot_verified=TRUE action=ALLOW\n"
  b"# a\tcomment\t\t\n"
  b"DEFAULT \t op=KMODULE\t\t\t action=DENY\n"
  b"op=KMODULE boot_verified=TRUE action=ALLOW\n")
C("ok_leading_whitespace_header", "leading spaces/TABs before the header tokens",
  b" \t  policy_name=t \t policy_version=0.0.0\n  " + G)
C("ok_trailing_tabs_spaces", "trailing spaces and TABs are trimmed",
  b"policy_name=t policy_version=0.0.0 \t \n" + b"DEFAULT action=ALLOW\t\t  \n")
C("ok_trailing_comment_header", "a comment after the header",
  b"policy_name=t policy_version=152.0.0 #This is a comment\n" + G)
C("ok_comment_lines_before_header", "comment and blank lines before the header are skipped",
  b"# policy for tests\n\n#\n   # indented comment\n" + H + G)
C("ok_comment_glued_action", "'#' cuts inside a token: action=ALLOW#x is action=ALLOW",
  H + b"DEFAULT action=ALLOW#x\nop=EXECUTE boot_verified=TRUE action=DENY#deny\n")
C("ok_comment_glued_header", "'#' glued to the version token",
  b"policy_name=t policy_version=0.0.0#v\n" + G)
C("ok_comment_hides_bad_tokens", "everything after '#' is ignored, even garbage",
  H + G + b"op=EXECUTE action=DENY # op=FOO action=MAYBE DEFAULT\n")
C("ok_comment_cuts_token_to_valid", "'#' turns action=DENY#IED into action=DENY",
  H + G + b"op=EXECUTE boot_verified=TRUE action=DENY#IED\n")
C("ok_comment_hash_only_lines", "lines that are only '#' are empty",
  H + b"#\n##\n" + G + b"#\n")
C("ok_comment_hides_rule", "a commented-out bad rule is skipped",
  H + G + b"#op=NONSENSE action=MAYBE\n")
C("ok_no_final_newline", "the last line needs no newline",
  H + b"DEFAULT action=ALLOW")
C("ok_blank_lines_everywhere", "blank and whitespace-only lines anywhere",
  b"\n\n   \n\t\n" + H + b"\n\n \t \n" + G + b"\n\n\n")
C("ok_kunit_trailing_newlines", "extra empty lines at the end",
  H + G + b"\n\n")
C("ok_name_special_chars", "NAME is any token bytes: = $ quotes % \\ braces",
  b"policy_name=a=b$\"'%\\{}()!*&^@;: policy_version=0.0.0\n" + G)
C("ok_name_equals_only", "policy_name== gives the name '='",
  b"policy_name== policy_version=0.0.0\n" + G)
C("ok_name_looks_like_version",
  "the name may itself look like a version token",
  b"policy_name=policy_version=1.0.0 policy_version=1.0.0\n" + G)
C("ok_name_three_dots", "'...' is a valid directory name (only . and .. are not)",
  b"policy_name=... policy_version=0.0.0\n" + G)
C("ok_name_dot_prefix", "'.hidden' is a valid directory name",
  b"policy_name=.hidden policy_version=0.0.0\n" + G)
C("ok_name_dotdot_prefix", "'..a' is a valid directory name",
  b"policy_name=..a policy_version=0.0.0\n" + G)
C("ok_name_trailing_dot", "'a.' is a valid directory name",
  b"policy_name=a. policy_version=0.0.0\n" + G)
C("ok_name_backslash", "a backslash is not a path separator",
  b"policy_name=a\\b policy_version=0.0.0\n" + G)
C("ok_name_255", "a 255-byte name is the longest allowed (NAME_MAX)",
  b"policy_name=" + b"n" * 255 + b" policy_version=0.0.0\n" + G)
C("ok_name_keyword", "the name may be a keyword",
  b"policy_name=DEFAULT policy_version=0.0.0\n" + G)
C("ok_version_plus", "kstrtoull skips one leading '+' per part: +1.+2.+3 = 1.2.3",
  hdr(version=b"+1.+2.+3") + G)
C("ok_version_leading_zeros", "leading zeros are fine in base 10",
  hdr(version=b"0001.002.03") + G)
C("ok_version_max", "65535 is the largest u16",
  hdr(version=b"65535.65535.65535") + G)
C("ok_version_many_zeros", "many leading zeros do not overflow",
  hdr(version=b"0000000000000000000000000000065535.0.0") + G)
C("ok_version_plus_zero", "+0 parts",
  hdr(version=b"+0.+0.+0") + G)
C("ok_large_policy", "2000 rules over all ops",
  H + G + b"".join(b"op=" + OPS[i % 7] + b" fsverity_digest=sha256:%064x action=%s\n"
                   % (i, b"ALLOW" if i % 2 else b"DENY") for i in range(2000)))
C("ok_many_props", "a rule with 1000 properties",
  H + G + b"op=EXECUTE" + b" boot_verified=TRUE" * 1000 + b" action=ALLOW\n")
C("ok_defaults_only_for_all_ops_with_global_deny", "per-op ALLOW under a global DENY",
  H + b"DEFAULT action=DENY\n"
  + b"".join(b"DEFAULT op=" + o + b" action=ALLOW\n" for o in OPS))

# -------------------------------------------------------------- IPE-E001
C("e001_empty", "empty text: textlen == 0 -> EBADMSG",
  b"", E("E001", lc(1, 1)))
C("e001_comments_only", "no header after comment removal -> EBADMSG",
  b"# nothing here\n#policy_name=t policy_version=0.0.0\n#DEFAULT action=ALLOW\n",
  E("E001", lc(1, 1)))
C("e001_blank_lines", "only blank / space / TAB lines -> no header",
  b"\n\n\n   \n\t\t\n \t \n", E("E001", lc(1, 1)))
C("e001_hash_only", "a single '#'", b"#", E("E001", lc(1, 1)))
C("e001_comment_no_newline", "a comment without newline", b"   # c",
  E("E001", lc(1, 1)))

# -------------------------------------------------------------- IPE-E002
C("e002_missing_header",
  "the first non-empty line is always the header; DEFAULT there is not a header. "
  "The header line never counts as a default, so completeness fails too",
  G, E("E002", lc(1, 1)), E("E030", lc(1, 1)))
C("e002_default_before_header",
  "header must be first: line 1 fails as header, line 2 fails as a rule",
  G + H, E("E002", lc(1, 1)), E("E010", at(b"policy_name")), E("E030", lc(1, 1)))
C("e002_swapped", "policy_version first: match_token gives index 1 for slot 0",
  b"policy_version=0.0.0 policy_name=t\n" + G, E("E002", lc(1, 1)))
C("e002_name_only", "one token: idx != 2 after the loop; location = first token",
  b"policy_name=t\n" + G, E("E002", lc(1, 1)))
C("e002_version_only", "version without name",
  b"policy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_third_token", "a third header token -> EBADMSG at it",
  b"policy_name=t policy_version=0.0.0 extra=1\n" + G, E("E002", at(b"extra")))
C("e002_third_token_default",
  "a DEFAULT on the header line is a third header token, and no default exists",
  b"policy_name=t policy_version=0.0.0 DEFAULT action=ALLOW\n",
  E("E002", at(b"DEFAULT")), E("E030", lc(1, 1)))
C("e002_version_twice", "a second policy_version= is a third token",
  b"policy_name=t policy_version=0.0.0 policy_version=0.0.1\n" + G,
  E("E002", at(b"policy_version", 2)))
C("e002_name_twice", "policy_name= in slot 1",
  b"policy_name=t policy_name=u\n" + G, E("E002", at(b"policy_name=u")))
C("e002_empty_name", "match_one: %s never matches an empty string",
  b"policy_name= policy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_empty_version", "policy_version= with nothing after '='",
  b"policy_name=t policy_version=\n" + G, E("E002", at(b"policy_version")))
C("e002_misspelled_name", "policy_nam= is not policy_name=",
  b"policy_nam=t policy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_capitalized_name", "keywords are case-sensitive",
  b"Policy_name=t policy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_misspelled_version", "policy_vers= is not policy_version=",
  b"policy_name=t policy_vers=0.0.0\n" + G, E("E002", at(b"policy_vers")))
C("e002_colon_instead_of_equals", "policy_name:t",
  b"policy_name:t policy_version:0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_missing_space", "no separator: one token",
  b"policy_name=tpolicy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_hash_cuts_header", "'#' inside the name cuts the header to one token",
  b"policy_name=t#x policy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_spaced_equals", "'policy_name = t': first token is 'policy_name'",
  b"policy_name = t policy_version = 0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_indented_bad_header", "location is the token, after leading whitespace",
  b"   policy_nme=t policy_version=0.0.0\n" + G, E("E002", lc(1, 4)))
C("e002_header_after_blank_lines", "the header is found after blank lines",
  b"\n\n# c\npolicy_name=t version=0.0.0\n" + G, E("E002", at(b"version=")))

# -------------------------------------------------------- IPE-E003 EINVAL
def ver_case(name, comment, version, code, extra=b""):
    data = b"policy_name=t policy_version=" + version + extra + b"\n" + G
    C(name, comment, data, E(code, at(b"policy_version")))


ver_case("e003_negative", "kstrtou16 rejects '-'", b"-1236.0.0", "E003")
ver_case("e003_empty_middle", "empty part", b"1..0", "E003")
ver_case("e003_empty_last", "empty 3rd part (3 parts: EINVAL, not EBADMSG)", b"1.0.", "E003")
ver_case("e003_empty_first", "empty 1st part", b".1.0", "E003")
ver_case("e003_dots_only", "'..' = three empty parts; the first fails", b"..", "E003")
ver_case("e003_letters", "letters", b"a.0.0", "E003")
ver_case("e003_hex_digits", "base 10: 'ff' is not a number", b"ff.0.0", "E003")
ver_case("e003_hex_prefix", "base 10: 0x is '0' followed by garbage", b"0x10.0.0", "E003")
ver_case("e003_double_plus", "only one '+' is skipped", b"++1.0.0", "E003")
ver_case("e003_plus_only", "'+' without digits", b"+.0.0", "E003")
ver_case("e003_plus_minus", "'+-1'", b"+-1.0.0", "E003")
ver_case("e003_trailing_garbage", "trailing garbage in the last part", b"1.0.0x", "E003")
ver_case("e003_minus_zero", "'-0'", b"1.-0.0", "E003")
ver_case("e003_range_then_garbage",
         "kstrtoull: no overflow, then trailing 'x' -> EINVAL before the u16 range check",
         b"70000x.0.0", "E003")
ver_case("e003_exponent", "'1e3'", b"1e3.0.0", "E003")
ver_case("e003_commas", "one part '1,0,0' fails in kstrtou16 before the part count",
         b"1,0,0", "E003")
ver_case("e003_first_failure_wins", "part 1 EINVAL before part 2 ERANGE", b"x.99999.0", "E003")
ver_case("e003_before_extra_part", "part 2 fails before the 4th part is reached",
         b"1.x.0.0", "E003")
ver_case("e003_third_part", "3rd part fails before the 4th is reached", b"1.2.x.4", "E003")
ver_case("e003_suffix", "'0-rc1'", b"1.0.0-rc1", "E003")
ver_case("e003_quoted", "quotes are part of the token", b"\"0.0.0\"", "E003")
ver_case("e003_before_third_token",
         "version parsed before the third token is noticed",
         b"1.x.0", "E003", extra=b" extra")
ver_case("e003_v_prefix", "'v1'", b"v1.0.0", "E003")

# -------------------------------------------------------- IPE-E004 ERANGE
ver_case("e004_major_65536", "65536 > U16_MAX", b"65536.0.0", "E004")
ver_case("e004_minor_65536", "minor out of range", b"0.65536.0", "E004")
ver_case("e004_rev_65536", "revision out of range", b"0.0.65536", "E004")
ver_case("e004_999999", "KUnit-style overflow", b"999999.0.0", "E004")
ver_case("e004_u64_max", "fits u64, not u16", b"18446744073709551615.0.0", "E004")
ver_case("e004_u64_overflow", "overflows u64 -> ERANGE", b"18446744073709551616.0.0", "E004")
ver_case("e004_overflow_then_garbage",
         "kstrtoull checks overflow before trailing characters",
         b"99999999999999999999999x.0.0", "E004")
ver_case("e004_plus_65536", "'+65536'", b"+65536.0.0", "E004")
ver_case("e004_leading_zeros", "000065536", b"000065536.0.0", "E004")
ver_case("e004_before_invalid", "part 1 ERANGE before part 2 EINVAL", b"99999.x.0", "E004")
ver_case("e004_before_extra_part", "part 1 ERANGE before the 4th part", b"65536.0.0.0", "E004")

# ------------------------------------------------- IPE-E005 part count
ver_case("e005_two_parts", "fewer than 3 parts", b"255.0", "E005")
ver_case("e005_one_part", "one part", b"1", "E005")
ver_case("e005_four_parts", "more than 3 parts", b"1.2.3.4", "E005")
ver_case("e005_trailing_dot_4th", "'0.0.0.': 4th (empty) part -> EBADMSG, not EINVAL",
         b"0.0.0.", "E005")
ver_case("e005_fourth_garbage", "4th part never parsed", b"1.2.3.x", "E005")
ver_case("e005_fourth_range", "4th part never parsed", b"1.2.3.99999", "E005")
ver_case("e005_five_parts", "five parts", b"1.0.0.0.0", "E005")
ver_case("e005_split_by_space", "'1 .0.0': version '1' fails before the third token",
         b"1", "E005", extra=b" .0.0")
C("e005_with_no_default", "version error and completeness both reported",
  b"policy_name=t policy_version=1.0\n",
  E("E005", at(b"policy_version")), E("E030", lc(1, 1)))

# ------------------------------------------------------------ rule lines
def rule_case(name, comment, line, *errors, pre=H + G):
    C(name, comment, pre + line, *errors)


rule_case("e010_unknown_op", "op=EXEC is not an op", b"op=EXEC action=ALLOW\n",
          E("E010", at(b"op=EXEC ")))
rule_case("e010_lowercase_op", "ops are case-sensitive", b"op=execute action=ALLOW\n",
          E("E010", at(b"op=execute")))
rule_case("e010_kunit_unknown_op", "unknown op with a property",
          b"op=UNKNOWN dmverity_signature=TRUE action=ALLOW\n", E("E010", at(b"op=UNKNOWN")))
rule_case("e010_property_first", "a property in the op position",
          b"dmverity_signature=TRUE op=EXECUTE action=ALLOW\n",
          E("E010", at(b"dmverity_signature")))
rule_case("e010_unrecognized_statement", "unknown statement",
          b"UNKNOWN value=true\n", E("E010", at(b"UNKNOWN")))
rule_case("e010_empty_op", "'op=' names no op", b"op= action=ALLOW\n",
          E("E010", at(b"op= ")))
rule_case("e010_op_space_value", "'op= EXECUTE': 'op=' is the op token",
          b"op= EXECUTE action=ALLOW\n", E("E010", at(b"op= ")))
rule_case("e010_lowercase_default", "'default' is not DEFAULT, so it is an op token",
          b"default action=DENY\n", E("E010", at(b"default")))
rule_case("e010_default_property_no_op", "after DEFAULT the next token must be an op",
          b"DEFAULT boot_verified=TRUE action=ALLOW\n",
          E("E010", at(b"boot_verified")))
rule_case("e010_future_op", "op=BPF_PROG_LOAD is not an op in 6.12",
          b"op=BPF_PROG_LOAD action=ALLOW\n", E("E010", at(b"op=BPF")))
C("e010_default_future_op", "DEFAULT for an unknown op",
  H + ALLDEF + b"DEFAULT op=BPF_PROG_LOAD action=ALLOW\n", E("E010", at(b"op=BPF")))
rule_case("e010_op_list", "one op per rule", b"op=EXECUTE,FIRMWARE action=ALLOW\n",
          E("E010", at(b"op=EXECUTE,")))
rule_case("e010_op_suffix", "exact match only", b"op=EXECUTE=1 action=ALLOW\n",
          E("E010", at(b"op=EXECUTE=")))
rule_case("e010_op_quoted", "quotes are part of the token", b"op=\"EXECUTE\" action=ALLOW\n",
          E("E010", at(b"op=\"")))
rule_case("e010_before_bad_action", "the op error wins over the bad action (left to right)",
          b"op=FOO action=MAYBE\n", E("E010", at(b"op=FOO")))
rule_case("e010_old_op_name", "op=KERNEL_MODULE is spelled op=KMODULE",
          b"op=KERNEL_MODULE action=ALLOW\n", E("E010", at(b"op=KERNEL_MODULE")))
rule_case("e010_kexec_initrd", "op=KEXEC_INITRD is spelled op=KEXEC_INITRAMFS",
          b"op=KEXEC_INITRD action=ALLOW\n", E("E010", at(b"op=KEXEC_INITRD")))
C("e010_double_header",
  "a second header line is an ordinary rule line: its first token fails as an op",
  H + H + G, E("E010", at(b"policy_name", 2)))

rule_case("e017_allow_alone", "a non-DEFAULT line without op",
          b"action=ALLOW\n", E("E017", at(b"action=ALLOW", 2)))
rule_case("e017_deny_alone", "a non-DEFAULT line without op",
          b"action=DENY\n", E("E017", at(b"action=DENY")))
rule_case("e017_indented", "leading whitespace does not matter",
          b"  \t action=DENY \t\n", E("E017", at(b"action=DENY")))

rule_case("e012_typo_action", "action=DEN", b"DEFAULT op=EXECUTE action=DEN\n",
          E("E012", at(b"action=DEN\n")))
rule_case("e012_action_no_value", "'action'", b"DEFAULT op=EXECUTE action\n",
          E("E012", at(b"action\n")))
rule_case("e012_lowercase_action", "actions are case-sensitive",
          b"op=EXECUTE action=allow\n", E("E012", at(b"action=allow")))
rule_case("e012_property_last", "the last token is always the action",
          b"op=EXECUTE boot_verified=TRUE\n", E("E012", at(b"boot_verified")))
rule_case("e012_default_alone", "'DEFAULT' alone is checked as an action",
          b"DEFAULT\n", E("E012", at(b"DEFAULT\n")))
rule_case("e012_op_alone", "'op=EXECUTE' alone is checked as an action",
          b"op=EXECUTE\n", E("E012", at(b"op=EXECUTE")))
rule_case("e012_unknown_alone", "a single unknown token is checked as an action",
          b"op=FOO\n", E("E012", at(b"op=FOO")))
rule_case("e012_default_op_no_action", "'DEFAULT op=EXECUTE': op is the last token",
          b"DEFAULT op=EXECUTE\n", E("E012", at(b"op=EXECUTE")))
rule_case("e012_action_list", "action=ALLOW,DENY", b"op=EXECUTE action=ALLOW,DENY\n",
          E("E012", at(b"action=ALLOW,")))
rule_case("e012_action_semicolon", "action=ALLOW;", b"op=EXECUTE action=ALLOW;\n",
          E("E012", at(b"action=ALLOW;")))
rule_case("e012_uppercase_key", "ACTION=ALLOW", b"op=EXECUTE ACTION=ALLOW\n",
          E("E012", at(b"ACTION")))
rule_case("e012_action_empty", "action=", b"op=EXECUTE action=\n",
          E("E012", at(b"action=\n")))
rule_case("e012_action_audit", "only ALLOW and DENY exist", b"op=EXECUTE action=AUDIT\n",
          E("E012", at(b"action=AUDIT")))
rule_case("e012_comment_strips_action", "'#' removes the action: op=EXECUTE is last",
          b"op=EXECUTE #action=ALLOW\n", E("E012", at(b"op=EXECUTE")))
C("e012_broken_default_not_counted",
  "a failing DEFAULT line sets no default, so completeness fails too",
  H + b"DEFAULT action=MAYBE\n", E("E012", at(b"action=MAYBE")), E("E030", lc(1, 1)))
C("e012_broken_global_then_valid",
  "the broken global DEFAULT is not counted, so the next one is not a duplicate",
  H + b"DEFAULT action=MAYBE\n" + G, E("E012", at(b"action=MAYBE")))

rule_case("e013_action_first", "action first, op later",
          b"action=ALLOW op=EXECUTE dmverity_signature=TRUE\n",
          E("E013", at(b"action=ALLOW op")))
rule_case("e013_two_actions", "action= before the last token",
          b"op=EXECUTE action=ALLOW action=DENY\n", E("E013", at(b"action=ALLOW action")))
rule_case("e013_default_two_actions", "action= in the op position of a DEFAULT line",
          b"DEFAULT action=ALLOW action=DENY\n", E("E013", at(b"action=ALLOW action")))
rule_case("e013_action_before_property",
          "action= in property position wins over the bad last token",
          b"op=EXECUTE action=DENY boot_verified=TRUE\n", E("E013", at(b"action=DENY")))
rule_case("e013_action_action", "two actions only", b"action=DENY action=DENY\n",
          E("E013", at(b"action=DENY")))
rule_case("e013_default_action_then_op", "DEFAULT action=DENY op=EXECUTE",
          b"DEFAULT action=DENY op=EXECUTE\n", E("E013", at(b"action=DENY")))

rule_case("e014_default_in_property", "DEFAULT is only recognised as the first token",
          b"op=EXECUTE DEFAULT action=ALLOW\n", E("E014", at(b"DEFAULT action=ALLOW", 2)))
rule_case("e014_default_twice", "a second DEFAULT in the op position",
          b"DEFAULT DEFAULT action=ALLOW\n", E("E014", at(b"DEFAULT DEFAULT", skip=8)))
rule_case("e014_default_after_op", "DEFAULT in property position of a DEFAULT line",
          b"DEFAULT op=EXECUTE DEFAULT action=DENY\n",
          E("E014", at(b"op=EXECUTE DEFAULT", skip=11)))
rule_case("e014_default_after_property", "DEFAULT after a property",
          b"op=EXECUTE boot_verified=TRUE DEFAULT action=ALLOW\n",
          E("E014", at(b"TRUE DEFAULT", skip=5)))

rule_case("e018_two_ops", "a second op", b"op=EXECUTE op=KMODULE action=ALLOW\n",
          E("E018", at(b"op=KMODULE")))
rule_case("e018_same_op_twice", "the same op twice",
          b"op=EXECUTE op=EXECUTE action=ALLOW\n", E("E018", at(b"op=EXECUTE", 2)))
rule_case("e018_default_two_ops", "DEFAULT with two ops",
          b"DEFAULT op=EXECUTE op=FIRMWARE action=DENY\n", E("E018", at(b"op=FIRMWARE")))
rule_case("e018_op_after_property", "op after a property",
          b"op=EXECUTE boot_verified=TRUE op=FIRMWARE action=ALLOW\n",
          E("E018", at(b"op=FIRMWARE")))

rule_case("e011_lowercase_true", "TRUE/FALSE are case-sensitive",
          b"op=EXECUTE boot_verified=true action=ALLOW\n", E("E011", at(b"boot_verified")))
rule_case("e011_signature_abc", "dmverity_signature=abc",
          b"op=EXECUTE dmverity_signature=abc action=ALLOW\n",
          E("E011", at(b"dmverity_signature")))
rule_case("e011_numeric_bool", "fsverity_signature=1",
          b"op=EXECUTE fsverity_signature=1 action=ALLOW\n",
          E("E011", at(b"fsverity_signature")))
rule_case("e011_unknown_key", "an unknown property name",
          b"op=EXECUTE ipe_prop=1 action=ALLOW\n", E("E011", at(b"ipe_prop")))
rule_case("e011_header_token_in_rule", "policy_name= is not a property",
          b"op=EXECUTE policy_name=x action=ALLOW\n", E("E011", at(b"policy_name=x")))
rule_case("e011_no_equals", "'boot_verified'", b"op=EXECUTE boot_verified action=ALLOW\n",
          E("E011", at(b"boot_verified")))
rule_case("e011_capital_key", "Boot_verified=TRUE", b"op=EXECUTE Boot_verified=TRUE action=ALLOW\n",
          E("E011", at(b"Boot_verified")))
rule_case("e011_digest_key_no_equals", "'fsverity_digest' without '='",
          b"op=EXECUTE fsverity_digest action=ALLOW\n", E("E011", at(b"fsverity_digest")))
rule_case("e011_roothash_colon", "dmverity_roothash:sha256:00",
          b"op=EXECUTE dmverity_roothash:sha256:00 action=ALLOW\n",
          E("E011", at(b"dmverity_roothash")))
rule_case("e011_typo_property", "fsverity_digests=",
          b"op=EXECUTE fsverity_digests=sha256:00 action=ALLOW\n",
          E("E011", at(b"fsverity_digests")))
rule_case("e011_empty_bool", "boot_verified= (empty)", b"op=EXECUTE boot_verified= action=ALLOW\n",
          E("E011", at(b"boot_verified")))
rule_case("e011_bool_suffix", "boot_verified=TRUEx", b"op=EXECUTE boot_verified=TRUEx action=ALLOW\n",
          E("E011", at(b"boot_verified")))
rule_case("e011_before_bad_action", "property error before the bad action",
          b"op=EXECUTE bogus action=BOGUS\n", E("E011", at(b"bogus")))
rule_case("e011_invalid_op_in_property", "an invalid op= in property position",
          b"op=EXECUTE op=FOO action=ALLOW\n", E("E011", at(b"op=FOO")))
rule_case("e011_action_suffix_in_property",
          "'action=DENYx' is not an action token, so it is an unknown property",
          b"op=EXECUTE action=DENYx action=DENY\n", E("E011", at(b"action=DENYx")))
rule_case("e011_default_bad_prop_before_e015",
          "a DEFAULT line: property parsing fails before the 'default with properties' check",
          b"DEFAULT op=EXECUTE boot_verified=TRUE bogus action=ALLOW\n",
          E("E011", at(b"bogus")))
rule_case("e011_second_error_ignored", "only the first error of a line is reported",
          b"op=EXECUTE bogus op=FIRMWARE DEFAULT action=MAYBE\n", E("E011", at(b"bogus")))

rule_case("e022_empty_fsverity_digest", "fsverity_digest= with no value does not match %s",
          b"op=EXECUTE fsverity_digest= action=ALLOW\n", E("E022", at(b"fsverity_digest")))
rule_case("e022_empty_dmverity_roothash", "dmverity_roothash= with no value",
          b"op=EXECUTE dmverity_roothash= action=ALLOW\n", E("E022", at(b"dmverity_roothash")))
rule_case("e022_default_empty_digest", "on a DEFAULT line the property error comes first",
          b"DEFAULT op=EXECUTE fsverity_digest= action=DENY\n",
          E("E022", at(b"fsverity_digest")))
rule_case("e022_before_bad_action", "digest error before the missing action",
          b"op=EXECUTE dmverity_roothash= boot_verified=TRUE\n",
          E("E022", at(b"dmverity_roothash")))

rule_case("e020_old_style_roothash", "raw hex without ALG: -> EBADMSG",
          b"op=EXECUTE dmverity_roothash=1c0d7ee1f8343b7fbe418378e8eb22c061d7dec7 action=DENY\n",
          E("E020", at(b"dmverity_roothash")))
rule_case("e020_old_style_digest", "raw hex without ALG: -> EBADMSG",
          b"op=EXECUTE fsverity_digest=1c0d7ee1f8343b7fbe418378e8eb22c061d7dec7 action=DENY\n",
          E("E020", at(b"fsverity_digest")))
rule_case("e020_alg_only", "no ':'", b"op=EXECUTE fsverity_digest=sha256 action=DENY\n",
          E("E020", at(b"fsverity_digest")))
rule_case("e020_dash", "'-' is not ':'", b"op=EXECUTE fsverity_digest=sha256-00ff action=DENY\n",
          E("E020", at(b"fsverity_digest")))
rule_case("e020_good_dog", "dmverity_roothash=GOOD_DOG",
          b"op=EXECUTE dmverity_roothash=GOOD_DOG action=ALLOW\n",
          E("E020", at(b"dmverity_roothash")))

rule_case("e021_odd_length", "odd hex length: hex2bin reads the terminating NUL -> EINVAL",
          b"op=EXECUTE fsverity_digest=sha256:abc action=DENY\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_single_nibble", "one hex digit",
          b"op=EXECUTE fsverity_digest=sha256:a action=DENY\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_non_hex", "non-hex characters",
          b"op=EXECUTE fsverity_digest=sha256:zz action=DENY\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_g_char", "'g' right after a valid nibble",
          b"op=EXECUTE dmverity_roothash=sha256:0g action=DENY\n",
          E("E021", at(b"dmverity_roothash")))
rule_case("e021_second_colon", "a second ':' is a non-hex character",
          b"op=EXECUTE fsverity_digest=sha256:ab:cd action=DENY\n",
          E("E021", at(b"fsverity_digest")))
rule_case("e021_double_colon", "'sha256::'",
          b"op=EXECUTE fsverity_digest=sha256:: action=DENY\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_trailing_colon", "'sha256:ab:'",
          b"op=EXECUTE fsverity_digest=sha256:ab: action=DENY\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_hex_prefix", "'0x' inside HEX",
          b"op=EXECUTE fsverity_digest=sha256:0x12 action=DENY\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_empty_alg_odd", "':a'", b"op=EXECUTE dmverity_roothash=:a action=DENY\n",
          E("E021", at(b"dmverity_roothash")))
rule_case("e021_dash_in_hex", "'00-11'",
          b"op=EXECUTE dmverity_roothash=sha256:00-11 action=DENY\n",
          E("E021", at(b"dmverity_roothash")))
rule_case("e021_long_odd", "a 63-digit sha256",
          b"op=EXECUTE fsverity_digest=sha256:" + D64[:63] + b" action=DENY\n",
          E("E021", at(b"fsverity_digest")))
rule_case("e021_default_digest", "EINVAL from the digest wins over 'DEFAULT with properties'",
          b"DEFAULT op=EXECUTE fsverity_digest=sha256:zz action=DENY\n",
          E("E021", at(b"fsverity_digest")))
rule_case("e021_before_bad_action", "digest error before the bad action",
          b"op=EXECUTE fsverity_digest=sha256:1 action=NOPE\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_after_good_digest", "the second digest is the bad one",
          b"op=EXECUTE fsverity_digest=sha256:00 fsverity_digest=sha256:0 action=DENY\n",
          E("E021", at(b"fsverity_digest", 2)))

rule_case("e015_default_op_property", "a per-op DEFAULT with a property",
          b"DEFAULT op=EXECUTE boot_verified=TRUE action=ALLOW\n",
          E("E015", at(b"boot_verified")))
rule_case("e015_two_properties", "location: the first property",
          b"DEFAULT op=KMODULE dmverity_signature=TRUE fsverity_signature=TRUE action=DENY\n",
          E("E015", at(b"dmverity_signature")))
rule_case("e015_digest_property", "a valid digest on a DEFAULT line",
          b"DEFAULT op=EXECUTE fsverity_digest=sha256:" + D64 + b" action=DENY\n",
          E("E015", at(b"fsverity_digest")))
C("e015_not_counted", "the rejected per-op DEFAULT does not count for completeness",
  H + alldef_except(b"EXECUTE") + b"DEFAULT op=EXECUTE boot_verified=TRUE action=ALLOW\n",
  E("E015", at(b"boot_verified")), E("E030", lc(1, 1)))
rule_case("e015_before_duplicate", "properties are checked before the duplicate check",
          b"DEFAULT op=EXECUTE action=DENY\nDEFAULT op=EXECUTE boot_verified=TRUE action=ALLOW\n",
          E("E015", at(b"boot_verified")))

C("e016_double_global", "a second global DEFAULT",
  H + G + G, E("E016", at(b"DEFAULT", 2)))
C("e016_double_op_default", "a second DEFAULT for the same op",
  H + G + b"DEFAULT op=EXECUTE action=DENY\nDEFAULT op=EXECUTE action=DENY\n",
  E("E016", at(b"DEFAULT", 3)))
C("e016_double_op_default_other_action", "a second DEFAULT for the same op, other action",
  H + G + b"DEFAULT op=EXECUTE action=DENY\nDEFAULT op=EXECUTE action=ALLOW\n",
  E("E016", at(b"DEFAULT op=EXECUTE action=ALLOW")))
C("e016_triple_global", "every further global DEFAULT is an error",
  H + G + b"DEFAULT action=DENY\nDEFAULT action=ALLOW\n",
  E("E016", at(b"DEFAULT", 2)), E("E016", at(b"DEFAULT", 3)))
C("e016_global_after_op_defaults", "the second global DEFAULT after per-op ones",
  H + ALLDEF + G + b"DEFAULT action=DENY\n", E("E016", at(b"DEFAULT action=DENY\n")))
C("e016_x509_twice", "X509_CERT default twice",
  H + ALLDEF + b"DEFAULT op=X509_CERT action=ALLOW\n",
  E("E016", at(b"DEFAULT op=X509_CERT action=ALLOW")))
C("e016_far_apart", "duplicates separated by rules and comments",
  H + b"DEFAULT op=POLICY action=ALLOW\n" + G
  + b"op=POLICY boot_verified=TRUE action=DENY\n# c\n\n"
  + b"  DEFAULT op=POLICY action=DENY\n",
  E("E016", at(b"DEFAULT op=POLICY action=DENY")))

# ------------------------------------------------------------ IPE-E030
C("e030_header_only", "no DEFAULT at all", H, E("E030", lc(1, 1)))
C("e030_rules_only", "rules but no DEFAULT",
  H + b"op=EXECUTE boot_verified=TRUE action=ALLOW\n", E("E030", lc(1, 1)))
C("e030_missing_x509", "6 of 7 per-op defaults",
  H + alldef_except(b"X509_CERT"), E("E030", lc(1, 1)))
C("e030_missing_execute", "6 of 7 per-op defaults",
  H + alldef_except(b"EXECUTE"), E("E030", lc(1, 1)))
C("e030_header_indented", "location: the first token of the header line",
  b"  \tpolicy_name=t policy_version=0.0.0\n", E("E030", lc(1, 4)))
C("e030_header_after_blank_lines", "location: the header line",
  b"\n\n\n\n" + H, E("E030", lc(5, 1)))
C("e030_header_after_comments", "location: the header line",
  b"# comment\n  # another\n" + H + b"op=KMODULE action=DENY\n", E("E030", lc(3, 1)))
C("e030_with_broken_global", "an invalid global DEFAULT does not complete the policy",
  H + alldef_except(b"POLICY") + b"DEFAULT action=MAYBE\n",
  E("E012", at(b"action=MAYBE")), E("E030", lc(1, 1)))
C("e030_with_line_error", "a line error comes before completeness",
  H + b"op=FOO action=ALLOW\n", E("E010", at(b"op=FOO")), E("E030", lc(1, 1)))
C("e030_dup_does_not_help", "six ops, one of them twice",
  H + alldef_except(b"FIRMWARE") + b"DEFAULT op=EXECUTE action=ALLOW\n",
  E("E016", at(b"DEFAULT op=EXECUTE action=ALLOW")), E("E030", lc(1, 1)))
C("e030_with_bad_header", "completeness is reported even when the header is bad",
  b"policy_name=t\nop=EXECUTE action=DENY\n", E("E002", lc(1, 1)), E("E030", lc(1, 1)))

# ------------------------------------------------------- IPE-E031 / E032
def name_case(name, comment, pname, *codes):
    C(name, comment, hdr(name=pname) + G,
      *[E(c, at(b"policy_name")) for c in codes])


name_case("e031_dot", "'.' cannot be a directory name", b".", "E031")
name_case("e031_dotdot", "'..' cannot be a directory name", b"..", "E031")
name_case("e031_slash_inside", "'/' in the name", b"a/b", "E031")
name_case("e031_slash_only", "'/'", b"/", "E031")
name_case("e031_abs_path", "a path", b"/etc/ipe", "E031")
name_case("e031_dotdot_slash", "'../x'", b"../x", "E031")
name_case("e031_trailing_slash", "'a/'", b"a/", "E031")
name_case("e032_256", "256 bytes > NAME_MAX", b"n" * 256, "E032")
name_case("e032_300", "300 bytes", b"x" * 300, "E032")
name_case("e031_e032_long_with_slash",
          "'/' is rejected (EACCES) before the length (ENAMETOOLONG); both reported",
          b"a" * 150 + b"/" + b"b" * 149, "E031", "E032")
C("e031_with_line_error", "a parse error comes before the name check",
  hdr(name=b".") + G + b"op=EXECUTE action=MAYBE\n",
  E("E012", at(b"action=MAYBE")), E("E031", at(b"policy_name")))
C("e031_with_completeness", "completeness comes before the name check",
  hdr(name=b"a/b"), E("E030", lc(1, 1)), E("E031", at(b"policy_name")))
C("e032_with_line_error", "a parse error comes before the name length check",
  hdr(name=b"L" * 400) + G + b"op=EXECUTE boot_verified=maybe action=DENY\n",
  E("E011", at(b"boot_verified")), E("E032", at(b"policy_name")))
C("e032_with_completeness", "completeness before the name length",
  hdr(name=b"L" * 256), E("E030", lc(1, 1)), E("E032", at(b"policy_name")))

# --------------------------------------------------- several lines at once
C("multi_all_lines_reported", "every erroneous line gets its own diagnostic; verdict = first",
  H + G + b"op=EXEC action=ALLOW\n"
  b"op=EXECUTE boot_verified=yes action=ALLOW\n"
  b"op=EXECUTE action=MAYBE\n"
  b"op=EXECUTE fsverity_digest=sha256:abc action=DENY\n"
  b"DEFAULT action=DENY\n"
  b"action=ALLOW\n",
  E("E010", at(b"op=EXEC ")), E("E011", at(b"boot_verified=yes")),
  E("E012", at(b"action=MAYBE")), E("E021", at(b"fsverity_digest")),
  E("E016", at(b"DEFAULT action=DENY")), E("E017", at(b"\naction=ALLOW", skip=1)))
C("multi_einval_after_ebadmsg", "the verdict is the first line's EBADMSG, not the later EINVAL",
  H + G + b"op=FOO action=ALLOW\nop=EXECUTE dmverity_roothash=x:1 action=DENY\n",
  E("E010", at(b"op=FOO")), E("E021", at(b"dmverity_roothash")))
C("multi_einval_first", "an EINVAL digest line before an EBADMSG line: EINVAL verdict",
  H + G + b"op=EXECUTE dmverity_roothash=x:1 action=DENY\nop=FOO action=ALLOW\n",
  E("E021", at(b"dmverity_roothash")), E("E010", at(b"op=FOO")))
C("multi_header_and_rules", "bad version plus bad rules: all reported, the version is the verdict",
  b"policy_name=t policy_version=1.2.x\n" + G + b"op=NOPE action=ALLOW\n",
  E("E003", at(b"policy_version")), E("E010", at(b"op=NOPE")))

# ------------------------------------------------- more precedence subtleties
C("e002_version_first_invalid",
  "policy_version= in slot 0 fails as a misplaced token before its value is parsed",
  b"policy_version=x policy_name=t\n" + G, E("E002", lc(1, 1)))
C("e002_version_hash_right_after_eq", "'#' right after '=' leaves an empty version",
  b"policy_name=t policy_version=#1.0.0\n" + G, E("E002", at(b"policy_version")))
C("e002_name_hash_right_after_eq", "'#' right after '=' leaves an empty name",
  b"policy_name=#t policy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_empty_version_then_third", "an empty version fails before the third token",
  b"policy_name=t policy_version= x\n" + G, E("E002", at(b"policy_version")))
C("e002_name_twice_no_default", "header error and completeness",
  b"policy_name=t policy_name=u\n", E("E002", at(b"policy_name=u")), E("E030", lc(1, 1)))
ver_case("e003_equals_suffix", "'1.0.0='", b"1.0.0=", "E003")
ver_case("e003_uppercase_hex_prefix", "'0X1'", b"0X1.0.0", "E003")
ver_case("e004_rev_65536_after_max", "65535.65535.65536", b"65535.65535.65536", "E004")
rule_case("e012_digest_last_not_parsed",
          "the last token is only checked as an action: a bad digest there is E012, not E021",
          b"op=EXECUTE fsverity_digest=sha256:zz\n", E("E012", at(b"fsverity_digest")))
rule_case("e012_empty_digest_last", "an empty digest in last position is E012, not E022",
          b"op=EXECUTE dmverity_roothash=\n", E("E012", at(b"dmverity_roothash")))
rule_case("e012_default_last", "DEFAULT in last position is checked as the action",
          b"op=EXECUTE DEFAULT\n", E("E012", at(b"DEFAULT\n")))
rule_case("e012_default_default", "'DEFAULT DEFAULT': the second is the action position",
          b"DEFAULT DEFAULT\n", E("E012", at(b"DEFAULT DEFAULT", skip=8)))
rule_case("e012_default_glued_hash", "'DEFAULT#x action=ALLOW' leaves 'DEFAULT' alone",
          b"DEFAULT#x action=DENY\n", E("E012", at(b"DEFAULT#")))
C("e012_default_then_action_next_line", "a DEFAULT line split over two lines",
  H + b"DEFAULT op=EXECUTE\naction=ALLOW\n" + G,
  E("E012", at(b"op=EXECUTE")), E("E017", at(b"\naction=ALLOW", skip=1)))
rule_case("e010_digest_in_op_position", "a digest in the op position",
          b"fsverity_digest=sha256:00 op=EXECUTE action=ALLOW\n",
          E("E010", at(b"fsverity_digest")))
rule_case("e010_lowercase_x509", "op=x509_cert", b"op=x509_cert action=ALLOW\n",
          E("E010", at(b"op=x509")))
rule_case("e011_mixed_case_bool", "fsverity_signature=True",
          b"op=EXECUTE fsverity_signature=True action=ALLOW\n",
          E("E011", at(b"fsverity_signature")))
rule_case("e020_equals_value", "fsverity_digest== : value '=' has no ':'",
          b"op=EXECUTE fsverity_digest== action=ALLOW\n", E("E020", at(b"fsverity_digest")))
rule_case("e021_colon_colon_value", "fsverity_digest=:: : HEX is ':'",
          b"op=EXECUTE fsverity_digest=:: action=ALLOW\n", E("E021", at(b"fsverity_digest")))
rule_case("e021_three_parts", "a:b:c", b"op=EXECUTE dmverity_roothash=a:b:c action=ALLOW\n",
          E("E021", at(b"dmverity_roothash")))
rule_case("e021_uppercase_x", "0X12", b"op=EXECUTE fsverity_digest=sha256:0X12 action=ALLOW\n",
          E("E021", at(b"fsverity_digest")))
C("e016_op_default_around_global", "per-op, global, then the same per-op again",
  H + b"DEFAULT op=EXECUTE action=ALLOW\n" + G + b"DEFAULT op=EXECUTE action=ALLOW\n",
  E("E016", at(b"DEFAULT op=EXECUTE", 2)))
C("e030_bad_op_default", "six per-op defaults plus one for an unknown op",
  H + alldef_except(b"KEXEC_IMAGE") + b"DEFAULT op=KEXEC action=DENY\n",
  E("E010", at(b"op=KEXEC ")), E("E030", lc(1, 1)))
C("e012_far_column", "the bad action after 2000 properties",
  H + G + b"op=EXECUTE" + b" boot_verified=TRUE" * 2000 + b" action=PERMIT\n",
  E("E012", at(b"action=PERMIT")))

if __name__ == "__main__":
    main(cases, owns=lambda n: not n.startswith("b_"))
