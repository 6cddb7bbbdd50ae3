#!/usr/bin/env python3
"""Generate the adversarial-byte corpus cases (prefix b_): NUL, CR, CRLF,
\\v \\f 0xA0 and other bytes >= 0x80, BOM, UTF-16, very long tokens and
lines, 300-byte names, thousands of blank lines.

Expectations derived by hand from the kernel (security/ipe/policy_parser.c:
kmemdup_nul + strsep on "\\n\\r", strchr '#', isspace() trim (the kernel's
ctype table marks 0xA0 as space, nothing else >= 0x80), strsep on " \\t";
lib/kstrtox.c; security/ipe/digest.c) -- never from ipe-tools' output.

    python3 gen_binary_cases.py           # (re)write the files
    python3 gen_binary_cases.py --check   # verify the committed files are current
"""

from casegen import (ALLDEF, D64, G, H, Case, at, lc, main)

E = lambda code, loc: ("IPE-" + code, loc)          # noqa: E731
cases = []


def C(name, comment, data, *errors, verdict=None):
    cases.append(Case("b_" + name, comment, data, errors, verdict))


def crlf(b):
    return b.replace(b"\n", b"\r\n")


# ------------------------------------------------------------------ NUL
C("e001_nul_first", "a NUL at offset 0 ends the policy before anything",
  b"\0" + H + G, E("E001", lc(1, 1)))
C("e001_nul_only", "a single NUL byte", b"\0", E("E001", lc(1, 1)))
C("e001_blank_then_nul", "blank lines, then NUL hides the policy",
  b"\n\n\0" + H + G, E("E001", lc(1, 1)))
C("e001_comment_then_nul", "a comment line, then NUL",
  b"# c\n\0" + H + G, E("E001", lc(1, 1)))
C("e001_nul_in_comment", "a NUL inside a comment ends the text",
  b"# comment \0\n" + H + G, E("E001", lc(1, 1)))
C("e001_whitespace_only", "space TAB VT FF 0xA0 CR only: every line trims to empty",
  b" \t\v\f\xa0\r\n\xa0\xa0\n\v\n", E("E001", lc(1, 1)))
C("e001_crlf_only", "CRLF pairs only", b"\r\n" * 5, E("E001", lc(1, 1)))
C("e001_cr_only", "lone CRs only", b"\r\r\r", E("E001", lc(1, 1)))
C("ok_nul_hides_bad_line", "everything after the first NUL is ignored",
  H + G + b"\0op=FOO garbage\n\xff\xfe\n")
C("ok_nul_hides_rule", "NUL truncates before a rule",
  H + b"DEFAULT action=DENY\n\0op=EXECUTE dmverity_signature=TRUE action=ALLOW\n")
C("ok_nul_after_action", "NUL right after the action token",
  H + b"DEFAULT action=ALLOW\0junk action=NOPE")
C("ok_nul_in_comment", "NUL inside a comment on the last good line",
  H + b"DEFAULT action=ALLOW # c\0omment\nop=FOO\n")
C("ok_nul_many", "many NULs after the policy", H + G + b"\0" * 1000)
C("e030_nul_before_default", "NUL at the start of the DEFAULT line",
  H + b"\0DEFAULT action=ALLOW\n", E("E030", lc(1, 1)))
C("e002_nul_in_header", "NUL inside the header leaves one header token",
  b"policy_name=t\0 policy_version=0.0.0\n" + G, E("E002", lc(1, 1)), E("E030", lc(1, 1)))
C("e005_nul_in_version", "NUL inside the version leaves '1.0'",
  b"policy_name=t policy_version=1.0\0.0\n" + G,
  E("E005", at(b"policy_version")), E("E030", lc(1, 1)))
C("e012_nul_in_action", "NUL inside the action token: 'action=AL' is last",
  H + G + b"op=EXECUTE action=AL\0LOW\n", E("E012", at(b"action=AL\0")))
C("e002_utf16le", "a UTF-16LE policy: the NUL at offset 1 leaves 'p'",
  "policy_name=t policy_version=0.0.0\nDEFAULT action=ALLOW\n".encode("utf-16-le"),
  E("E002", lc(1, 1)), E("E030", lc(1, 1)))
C("e002_utf16le_bom", "a UTF-16LE policy with BOM: text is 0xFF 0xFE 'p'",
  b"\xff\xfe" + "policy_name=t policy_version=0.0.0\nDEFAULT action=ALLOW\n"
  .encode("utf-16-le"), E("E002", lc(1, 1)), E("E030", lc(1, 1)))
C("e001_utf16be", "a UTF-16BE policy starts with NUL",
  "policy_name=t policy_version=0.0.0\nDEFAULT action=ALLOW\n".encode("utf-16-be"),
  E("E001", lc(1, 1)))

# ------------------------------------------------------------ CR / CRLF
C("ok_crlf", "CRLF line ends: each CR ends a line, each LF ends an empty one",
  crlf(H + G + b"op=EXECUTE boot_verified=TRUE action=DENY\n"))
C("ok_crlf_everything", "CRLF with comments, blank lines and indentation",
  crlf(b"# comment\n\n" + H + b"\n  " + G + b"# x\t\n"
       + b"DEFAULT op=KMODULE action=DENY # y\n"))
C("ok_crlf_tail", "a trailing CRLF after the policy", H + G + b"\r\n")
C("ok_lone_cr", "lone CR as the only line break",
  (H + G + b"op=EXECUTE boot_verified=TRUE action=DENY\n").replace(b"\n", b"\r"))
C("ok_mixed_line_endings", "LF, CRLF, CR and LFCR mixed",
  b"policy_name=t policy_version=0.0.0\r\n" + b"DEFAULT action=DENY\r"
  + b"op=EXECUTE boot_verified=TRUE action=ALLOW\n\r"
  + b"op=KMODULE boot_verified=TRUE action=ALLOW\r\r\n\n")
C("ok_cr_before_header", "CRs before the header are empty lines",
  b"\r\r\r" + H + G)
C("e012_cr_splits_rule", "a CR splits one display line into two kernel lines",
  H + G + b"op=EXECUTE\raction=ALLOW\n",
  E("E012", at(b"op=EXECUTE")), E("E017", at(b"\raction=ALLOW", skip=1)))
C("e012_cr_splits_default", "'DEFAULT\\raction=ALLOW' is two lines: no default",
  H + b"DEFAULT\raction=ALLOW\n",
  E("E012", at(b"DEFAULT")), E("E017", at(b"action=ALLOW")), E("E030", lc(1, 1)))
C("e002_cr_splits_header", "a CR inside the header: the header has one token",
  b"policy_name=t\rpolicy_version=0.0.0\n" + G,
  E("E002", lc(1, 1)), E("E012", at(b"policy_version")))
C("e002_cr_in_name", "a CR inside the name splits the header",
  b"policy_name=a\rb policy_version=0.0.0\n" + G,
  E("E002", lc(1, 1)), E("E010", at(b"\rb", skip=1)))
C("e030_header_after_crlf_lines", "CRLF blank lines: the header is on display line 3",
  b"\r\n\r\n" + H, E("E030", lc(3, 1)))
C("e030_header_after_lone_cr", "lone CRs: the header is on display line 1, column 3",
  b"\r\r" + H, E("E030", lc(1, 3)))
C("multi_cr_separated_errors", "several bad kernel lines on one display line",
  H + G + b"op=FOO action=ALLOW\rop=EXECUTE bad action=DENY\rDEFAULT action=DENY\n",
  E("E010", at(b"op=FOO")), E("E011", at(b"bad")), E("E016", at(b"DEFAULT action=DENY")))

# ---------------------------------------------- isspace trim: \v \f 0xA0
C("ok_trailing_vt_ff_nbsp", "trailing VT, FF, 0xA0 (kernel isspace) are trimmed",
  H + b"DEFAULT action=ALLOW\v\f\xa0 \t\n")
C("ok_header_trailing_nbsp", "trailing 0xA0 after the version is trimmed",
  b"policy_name=t policy_version=0.0.0\xa0\xa0\n" + G)
C("ok_version_trailing_vt", "trailing VT after the version is trimmed",
  b"policy_name=t policy_version=1.2.3\v\f\n" + G)
C("ok_trim_before_comment", "'#' is cut first, then the whitespace before it",
  H + b"DEFAULT action=ALLOW \v\f\xa0#comment\xff\n")
C("ok_nbsp_only_lines", "lines of only 0xA0/VT/FF are empty",
  H + b"\xa0\xa0\n\v\f\n" + G + b"\xa0\n")
C("ok_digest_trailing_nbsp", "0xA0 after the last token is trimmed",
  H + G + b"op=EXECUTE fsverity_digest=sha256:" + D64 + b" action=DENY\xa0\n")
C("e012_trailing_nel", "0x85 (NEL) is not space for the kernel: not trimmed",
  H + b"DEFAULT action=ALLOW\x85\n", E("E012", at(b"action=ALLOW")), E("E030", lc(1, 1)))
C("e012_utf8_nbsp", "UTF-8 NBSP C2 A0: only A0 is trimmed, C2 stays on the action",
  H + b"DEFAULT action=ALLOW\xc2\xa0\n", E("E012", at(b"action=ALLOW")), E("E030", lc(1, 1)))
C("e012_trailing_zwsp", "UTF-8 zero-width space is not trimmed",
  H + G + b"op=EXECUTE action=DENY\xe2\x80\x8b\n", E("E012", at(b"action=DENY")))
C("e010_vt_inside", "VT before the separator stays in the op token",
  H + G + b"op=EXECUTE\v action=ALLOW\n", E("E010", at(b"op=EXECUTE")))
C("e012_vt_joins_tokens", "VT does not split tokens: one token, checked as action",
  H + G + b"op=EXECUTE\vaction=ALLOW\n", E("E012", at(b"op=EXECUTE")))
C("e012_ff_joins_default", "FF does not split 'DEFAULT\\faction=ALLOW'",
  H + b"DEFAULT\faction=ALLOW\n", E("E012", at(b"DEFAULT")), E("E030", lc(1, 1)))
C("e012_nbsp_joins_tokens", "0xA0 does not split tokens",
  H + G + b"op=EXECUTE\xa0action=ALLOW\n", E("E012", at(b"op=EXECUTE")))
C("e010_leading_vt", "a leading VT is part of the first token",
  H + G + b"\vop=EXECUTE action=ALLOW\n", E("E010", at(b"\vop", )))
C("e010_leading_nbsp", "a leading 0xA0 is part of the first token",
  H + G + b"\xa0op=EXECUTE action=ALLOW\n", E("E010", at(b"\xa0op")))
C("e010_vt_token", "a lone VT is a token in the op position",
  H + G + b"\v action=ALLOW\n", E("E010", at(b"\v ")))
C("e010_leading_vt_default", "'\\vDEFAULT' is not DEFAULT",
  H + G + b"\vDEFAULT op=EXECUTE action=DENY\n", E("E010", at(b"\vDEFAULT")))
C("e011_nbsp_after_prop", "0xA0 mid-line stays in the property token",
  H + G + b"op=EXECUTE boot_verified=TRUE\xa0 action=ALLOW\n", E("E011", at(b"boot_verified")))
C("e011_action_vt_in_property", "'action=DENY\\v' is not an action token: unknown property",
  H + G + b"op=EXECUTE action=DENY\v x\n", E("E011", at(b"action=DENY\v")))
C("e011_del_char", "DEL glued to a property",
  H + G + b"op=EXECUTE boot_verified=TRUE\x7f action=ALLOW\n", E("E011", at(b"boot_verified")))
C("e002_vt_header_separator", "VT does not separate header tokens",
  b"policy_name=t\vpolicy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_nbsp_header_separator", "0xA0 does not separate header tokens",
  b"policy_name=t\xa0policy_version=0.0.0\n" + G, E("E002", lc(1, 1)))
C("e002_bom", "a UTF-8 BOM is part of the first token",
  b"\xef\xbb\xbf" + H + G, E("E002", lc(1, 1)))
C("e002_bom_crlf", "a BOM and CRLF (typical Windows editor output)",
  crlf(b"\xef\xbb\xbf" + H + G), E("E002", lc(1, 1)))
C("e003_version_nel", "0x85 after the version is not trimmed",
  b"policy_name=t policy_version=1.0.0\x85\n" + G, E("E003", at(b"policy_version")))
C("e003_version_vt_inside", "VT inside the version",
  b"policy_name=t policy_version=1.0.0\vx\n" + G, E("E003", at(b"policy_version")))
C("e003_version_leading_vt", "VT right after '='",
  b"policy_name=t policy_version=\v1.0.0\n" + G, E("E003", at(b"policy_version")))
C("e003_fullwidth_digit", "a full-width digit is not a digit",
  b"policy_name=t policy_version=\xef\xbc\x91.0.0\n" + G, E("E003", at(b"policy_version")))
C("e003_version_nbsp_inside", "0xA0 inside the version",
  b"policy_name=t policy_version=1.0\xa0.0\n" + G, E("E003", at(b"policy_version")))
C("e021_hex_nbsp", "0xA0 inside the hex",
  H + G + b"op=EXECUTE fsverity_digest=sha256:00\xa0ff action=ALLOW\n",
  E("E021", at(b"fsverity_digest")))
C("e021_hex_vt", "a VT ending the hex (mid-line, not trimmed)",
  H + G + b"op=EXECUTE fsverity_digest=sha256:00\v action=ALLOW\n",
  E("E021", at(b"fsverity_digest")))
C("e021_hex_high_byte", "a byte >= 0x80 in the hex",
  H + G + b"op=EXECUTE dmverity_roothash=sha256:\xff\xff action=ALLOW\n",
  E("E021", at(b"dmverity_roothash")))
C("e012_hex_vt_glued", "VT glues the digest to the action: one token, last position",
  H + G + b"op=EXECUTE fsverity_digest=sha256:00\vaction=ALLOW\n",
  E("E012", at(b"fsverity_digest")))

# --------------------------------------------------------- high bytes
C("ok_name_high_bytes", "name with bytes 0xFF 0xEF",
  b"policy_name=t\xff\xef policy_version=0.0.0\n" + G
  + b"op=EXECUTE dmverity_signature=TRUE action=ALLOW\n")
C("e020_name_high_bytes_bad_roothash", "high-byte name is fine; GOOD_DOG has no ':'",
  b"policy_name=t\xff\xef policy_version=0.0.0\n" + G
  + b"op=EXECUTE dmverity_roothash=GOOD_DOG action=ALLOW\n",
  E("E020", at(b"dmverity_roothash")))
C("ok_name_utf8", "UTF-8 name", "policy_name=pólítica_ü_名前 policy_version=1.0.0\n"
  .encode() + G)
C("ok_name_control_chars", "control bytes in the name",
  b"policy_name=a\x01\x1b[0m\x7fz policy_version=0.0.0\n" + G)
C("ok_name_vt_inside", "VT inside the name is a name byte",
  b"policy_name=a\vb policy_version=0.0.0\n" + G)
C("ok_name_ff_end", "FF at the end of the name (not at line end) stays in the name",
  b"policy_name=a\f policy_version=0.0.0\n" + G)
C("ok_name_nbsp_end", "0xA0 at the end of the name (not at line end)",
  b"policy_name=t\xa0 policy_version=0.0.0\n" + G)
C("ok_digest_alg_high_bytes", "the algorithm may be any bytes",
  H + G + b"op=EXECUTE fsverity_digest=\xff\xfe\v:00 action=DENY\n")
C("ok_comment_high_bytes", "comments may hold any bytes but NUL/CR/LF",
  b"# \xff\xfe\xa0\v\f\x01\n" + H + b"# \xc3\xa9t\xc3\xa9\n" + G)
C("e010_utf8_op", "UTF-8 lookalike: Cyrillic 'Е' in EXECUTE",
  H + G + "op=\u0415XECUTE action=ALLOW\n".encode(), E("E010", at(b"op=\xd0")))
C("e012_latin1_action", "Latin-1 e-acute in the action",
  H + G + b"op=EXECUTE action=D\xe9NY\n", E("E012", at(b"action=D")))
C("e012_nbsp_glued_lone_action", "0xA0 is not a separator: a lone token that is not an action",
  H + G + b"\xa0action=ALLOW\n", E("E012", at(b"\xa0action")))

# ------------------------------------------------------ long and many
C("ok_long_hex", "a 100000-digit digest",
  H + G + b"op=EXECUTE fsverity_digest=sha256:" + b"ab" * 50000 + b" action=DENY\n")
C("ok_long_alg", "a 5000-byte algorithm name",
  H + G + b"op=EXECUTE dmverity_roothash=" + b"a" * 5000 + b":00 action=DENY\n")
C("ok_long_comment", "a 200000-byte comment",
  H + b"#" + b"c" * 200000 + b"\n" + G)
C("e010_long_token", "a 100000-byte unknown token in the op position",
  H + G + b"x" * 100000 + b" action=ALLOW\n", E("E010", at(b"xxxx")))
C("e011_long_unknown_prop", "a 70000-byte unknown property",
  H + G + b"op=EXECUTE " + b"y" * 70000 + b" action=ALLOW\n", E("E011", at(b"yyyy")))
C("e017_long_indent", "70000 spaces before a lone action: column 70001",
  H + G + b" " * 70000 + b"action=DENY\n", E("E017", at(b"action=DENY")))
C("e012_long_action", "a 100000-byte last token",
  H + G + b"op=EXECUTE " + b"action=ALLOW" * 8334 + b"\n",
  E("E012", at(b"action=ALLOWaction")))
C("ok_many_blank_lines", "5000 blank lines before the header",
  b"\n" * 5000 + H + G)
C("e030_many_blank_lines", "header on line 3201 after blank / whitespace lines",
  b"\n" * 3000 + b"   \n\t\n" * 100 + H, E("E030", lc(3201, 1)))
C("ok_many_separators", "10000 spaces and TABs between tokens",
  H + b"DEFAULT" + b" \t" * 5000 + b"action=ALLOW\n")
C("ok_many_rules", "3000 rules",
  H + G + b"".join(b"op=KMODULE dmverity_roothash=sha256:%064x action=DENY\n" % i
                   for i in range(3000)))
C("e032_300_high_bytes", "300 bytes of 0xFF",
  b"policy_name=" + b"\xff" * 300 + b" policy_version=0.0.0\n" + G,
  E("E032", at(b"policy_name")))
C("e032_256_utf8", "128 two-byte characters = 256 bytes",
  b"policy_name=" + "é".encode() * 128 + b" policy_version=0.0.0\n" + G,
  E("E032", at(b"policy_name")))
C("ok_255_utf8", "127 two-byte characters + 'a' = 255 bytes",
  b"policy_name=" + "é".encode() * 127 + b"a policy_version=0.0.0\n" + G)
C("e032_300_crlf", "a 300-byte name in a CRLF file",
  crlf(b"policy_name=" + b"N" * 300 + b" policy_version=0.0.0\n" + G),
  E("E032", at(b"policy_name")))
C("e031_slash_high_bytes", "'/' between high bytes",
  b"policy_name=\xff/\xfe policy_version=0.0.0\n" + G, E("E031", at(b"policy_name")))
C("ok_tabs_everywhere", "TABs as the only separators, plus TAB indentation",
  b"\tpolicy_name=t\t\tpolicy_version=0.0.0\t\n\tDEFAULT\t\taction=DENY\t\n"
  b"\t\top=EXECUTE\tboot_verified=TRUE\taction=ALLOW\n" + ALLDEF)

# ------------------------------------------- more isspace / name subtleties
C("e012_trailing_unit_sep", "0x1C-0x1F are not kernel whitespace (unlike Python's isspace)",
  H + G + b"op=EXECUTE action=ALLOW\x1f\n", E("E012", at(b"action=ALLOW", 2)))
C("e003_version_file_sep", "0x1C after the version is not trimmed",
  b"policy_name=t policy_version=1.0.0\x1c\n" + G, E("E003", at(b"policy_version")))
C("ok_name_dot_nbsp", "'.\\xa0' is not '.': 0xA0 inside a line is a name byte",
  b"policy_name=.\xa0 policy_version=0.0.0\n" + G)
C("ok_name_dotdot_vt", "'..\\v' is not '..'",
  b"policy_name=..\v policy_version=0.0.0\n" + G)
C("e031_dot_trailing_trim", "0xA0 at the end of the header line is trimmed, so the name is exactly '.'",
  b"policy_name=. policy_version=0.0.0\xa0\n" + G, E("E031", at(b"policy_name")))
C("ok_nbsp_comment_line", "a line '\\xa0#c' trims to empty",
  H + b"\xa0# comment\n" + G)
C("e012_lone_action_vt_prefix", "'\\vaction=DENY' alone is not an action",
  H + G + b"\vaction=DENY\n", E("E012", at(b"\vaction")))
C("e016_cr_same_display_line", "the duplicate DEFAULT after a CR on the same display line",
  H + b"DEFAULT action=ALLOW\rDEFAULT action=DENY\n", E("E016", at(b"\rDEFAULT", skip=1)))
C("ok_cr_header_and_default_one_line", "header and DEFAULT separated only by CR",
  b"policy_name=t policy_version=0.0.0\rDEFAULT action=ALLOW")

if __name__ == "__main__":
    main(cases, owns=lambda n: n.startswith("b_"))
