/* SPDX-License-Identifier: MIT */
/* The check catalogue: one registration table (code, severity, name, title,
 * explanation with an example and the fix).  Linter checks first, in enum
 * lint_check order, then the front end's codes (kernel rejections). */
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "util/kwtable.h"

#define E IPE_SEV_ERROR
#define W IPE_SEV_WARNING
#define I IPE_SEV_INFO

static const struct ipe_check_info catalogue[] = {
	[LC_SIZE_OVER] = { "IPE-E040", E, "signed-size-over-limit",
		"the signed policy will exceed the kernel's 65,535-byte limit",
		"The kernel's ASN.1 decoder refuses a PKCS#7 blob larger than 65,535 bytes with EMSGSIZE, so\n"
		"a policy whose canonical text plus the signature overhead (about 2 KiB with one embedded\n"
		"certificate) exceeds it can never be loaded at runtime.\n"
		"Example: 700 lines of 'op=EXECUTE fsverity_digest=sha256:<64 hex> action=ALLOW'.\n"
		"Fix: put the files on a dm-verity volume and allow its root hash (one rule) instead of\n"
		"thousands of per-file digests; or sign without embedding the certificate.", false },
	[LC_NO_IPE] = { "IPE-E041", E, "ipe-not-in-kernel",
		"the target kernel has no IPE",
		"The target release predates IPE (merged in Linux 6.12), or the kernel configuration given\n"
		"with --kernel-config has CONFIG_SECURITY_IPE off (or CONFIG_SECURITYFS off), so there is\n"
		"nothing to load the policy into.\n"
		"Example: ipe-check --target 6.11 policy.txt\n"
		"Fix: build the kernel with CONFIG_SECURITY_IPE=y and \"ipe\" in CONFIG_LSM, or target 6.12+.", false },
	[LC_BASE_NAME] = { "IPE-E042", E, "baseline-name-differs",
		"the policy cannot update the baseline: the names differ",
		"Writing a policy to policies/NAME/update requires the same policy_name; the kernel answers\n"
		"EINVAL otherwise (--baseline names the policy being replaced).\n"
		"Example: baseline 'policy_name=prod ...', new 'policy_name=production ...'.\n"
		"Fix: keep the name, or load the new policy with new_policy and activate it.", false },
	[LC_BASE_VERSION] = { "IPE-E043", E, "baseline-version-not-greater",
		"the policy version is not greater than the baseline's",
		"An update must carry a strictly greater policy_version (ESTALE otherwise), and activating a\n"
		"lower version than the active policy fails with EINVAL.\n"
		"Example: baseline policy_version=1.2.0, new policy_version=1.2.0.\n"
		"Fix: bump the version, e.g. policy_version=1.2.1.", false },
	[LC_SHADOWED] = { "IPE-W101", W, "shadowed-rule",
		"rule is dead: an earlier rule of the same op always matches first",
		"The kernel walks an op's rules in file order and the first match decides.  When an earlier\n"
		"rule matches every event this rule matches (its properties are implied by this rule's),\n"
		"every such event was already decided by the earlier one, so this rule never applies and\n"
		"deleting it changes no decision (ipe-check --equivalent agrees).\n"
		"Example:\n"
		"  op=EXECUTE dmverity_signature=TRUE action=ALLOW\n"
		"  op=EXECUTE dmverity_signature=TRUE fsverity_digest=sha256:ab.. action=DENY   <- dead\n"
		"Fix: move the more specific rule above the general one, or delete it.", false },
	[LC_UNREACHABLE] = { "IPE-W102", W, "rule-after-catch-all",
		"rule is unreachable: earlier rules of the same op match every event it matches",
		"A rule without properties matches every event of its op, so nothing after it is evaluated;\n"
		"likewise when several earlier rules together match every event of this one (e.g.\n"
		"boot_verified=TRUE and boot_verified=FALSE).  Deleting it changes no decision.\n"
		"Example:\n"
		"  op=KMODULE action=ALLOW\n"
		"  op=KMODULE boot_verified=FALSE action=DENY   <- never reached\n"
		"Fix: put the catch-all last (or make it the op's DEFAULT).", false },
	[LC_DEFAULT_UNUSED] = { "IPE-W103", W, "default-never-applies",
		"the op's DEFAULT can never apply",
		"The op's rules match every event (a property-less rule, or X=TRUE and X=FALSE rules), so the\n"
		"DEFAULT line for that op is never reached.\n"
		"Example: 'DEFAULT op=EXECUTE action=DENY' with 'op=EXECUTE action=ALLOW'.\n"
		"Fix: remove the catch-all rule and let the DEFAULT decide, or drop the DEFAULT.", false },
	[LC_OVERLAP] = { "IPE-W104", W, "ineffective-revocation",
		"rule is partly ineffective: an earlier overlapping rule has the opposite action",
		"Some events match both this rule and an earlier rule of the same op with the other action;\n"
		"for those the earlier rule decides.  A DENY meant to revoke something that an earlier ALLOW\n"
		"already admits does not revoke it.  The witness shows an event that reaches the earlier rule.\n"
		"Example:\n"
		"  op=EXECUTE dmverity_signature=TRUE action=ALLOW\n"
		"  op=EXECUTE fsverity_digest=sha256:ab.. action=DENY   <- file ab.. on a signed volume runs\n"
		"Fix: put revocations (DENY with digests) before the ALLOW rules they carve out of.  When the\n"
		"rule as written changes no decision (its action is the default's and no later rule has the\n"
		"other action), the hint also says that deleting it is equivalent (instead of IPE-I202).\n"
		"An earlier rule with a digest before a later rule without one is the usual exception pattern\n"
		"and is not reported.", false },
	[LC_DUPLICATE] = { "IPE-W105", W, "duplicate-rule",
		"rule duplicates an earlier rule",
		"An earlier rule of the same op matches exactly the same events (e.g. the same properties in\n"
		"any order), so this one never applies.  With the opposite action it is a conflict: the\n"
		"earlier one wins.\n"
		"Example: the same 'op=EXECUTE fsverity_digest=sha256:ab.. action=ALLOW' twice.\n"
		"Fix: delete the later copy; for a conflict, decide which action you want.", false },
	[LC_DUP_PROP] = { "IPE-W106", W, "duplicate-property",
		"a property appears twice in one rule",
		"The kernel accepts it; the second copy changes nothing.\n"
		"Example: op=EXECUTE boot_verified=TRUE boot_verified=TRUE action=ALLOW\n"
		"Fix: remove the repeated property.", false },
	[LC_CONTRADICTION] = { "IPE-W107", W, "contradictory-properties",
		"rule can never match: its properties contradict each other",
		"A rule matches only when all of its properties hold.  X=TRUE with X=FALSE, or two different\n"
		"digests of the same kind (a file has one fs-verity digest, a volume one root hash), cannot\n"
		"both hold, so the kernel loads the rule and it never matches.\n"
		"Example: op=EXECUTE fsverity_digest=sha256:aa.. fsverity_digest=sha256:bb.. action=ALLOW\n"
		"Fix: write one rule per digest (rules are OR-ed, properties are AND-ed).", false },
	[LC_ALG_NAME] = { "IPE-W110", W, "digest-algorithm-name",
		"digest algorithm is not a name the kernel uses: it never matches",
		"The kernel compares the algorithm with strcmp against its own lowercase names (sha256,\n"
		"sha512, ...).  'SHA256', 'sha-256' or an unknown name loads fine and never matches.\n"
		"Example: fsverity_digest=SHA256:0123..\n"
		"Fix: write the kernel name, e.g. fsverity_digest=sha256:0123..", false },
	[LC_DIGEST_LEN] = { "IPE-W111", W, "digest-length",
		"digest length does not fit its algorithm: it never matches",
		"A digest matches only with the same length: sha256 and sha3-256 are 32 bytes (64 hex\n"
		"digits), sha384 48, sha512 64, sha1 20.  A truncated or mislabelled digest never matches.\n"
		"Example: fsverity_digest=sha512:<64 hex digits>\n"
		"Fix: paste the full digest printed by 'fsverity digest' or 'veritysetup format'.", false },
	[LC_DIGEST_EMPTY] = { "IPE-W112", W, "digest-empty",
		"empty digest or empty algorithm: it never matches",
		"The kernel accepts 'sha256:' (no hex) and ':0123..' (no algorithm) but no file or volume\n"
		"has such a digest.\n"
		"Example: dmverity_roothash=sha256:\n"
		"Fix: write ALGORITHM:HEX with both parts.", false },
	[LC_FSV_ALG] = { "IPE-W113", W, "fsverity-algorithm",
		"fs-verity does not support this algorithm: it never matches",
		"fs-verity file digests are sha256 or sha512 only.  A fsverity_digest with another algorithm\n"
		"(sha384, sha1, ...) can never match.\n"
		"Example: fsverity_digest=sha384:<96 hex>\n"
		"Fix: use the digest 'fsverity digest --hash-alg=sha256 FILE' prints.", false },
	[LC_FALSE_NOFILE] = { "IPE-W125", W, "false-matches-no-file",
		"ALLOW rule with only =FALSE properties also allows events with no file",
		"With no file (anonymous executable memory from mmap/mprotect, modules/firmware/kexec images\n"
		"loaded from a buffer) the =FALSE properties are TRUE.  An ALLOW rule made only of =FALSE\n"
		"properties therefore allows all of those too (reported when this rule is the one that\n"
		"decides them: no earlier rule matches an event with no file).\n"
		"Example: op=KMODULE dmverity_signature=FALSE action=ALLOW   <- also allows init_module(2)\n"
		"Fix: add a positive property, or make sure allowing file-less events is intended.", false },
	[LC_BOOT_VERITY] = { "IPE-W126", W, "boot-verified-with-verity",
		"boot_verified=TRUE with a verity property: the rule never matches",
		"boot_verified=TRUE holds only for files on the rootfs the initramfs populated; that\n"
		"filesystem is neither dm-verity nor fs-verity, so the verity properties are false there.\n"
		"Example: op=EXECUTE boot_verified=TRUE fsverity_digest=sha256:ab.. action=ALLOW\n"
		"Fix: split into two rules (rules are OR-ed).", false },
	[LC_FSV_BUILTIN_SIG] = { "IPE-W127", W, "fsverity-builtin-signature",
		"fsverity_signature relies on fs-verity builtin signatures",
		"fsverity_signature=TRUE is true only for files whose fs-verity builtin signature the kernel\n"
		"verified (CONFIG_FS_VERITY_BUILTIN_SIGNATURES and the .fs-verity keyring); that mechanism is\n"
		"discouraged upstream and without it the rule never matches.\n"
		"Example: op=EXECUTE fsverity_signature=TRUE action=ALLOW\n"
		"Fix: allow fsverity_digest values, or dmverity_signature=TRUE volumes.", false },
	[LC_NO_GLOBAL_DEFAULT] = { "IPE-W130", W, "no-global-default",
		"no global DEFAULT: kernels that add an op will reject the policy",
		"The policy has a DEFAULT for every op this kernel knows but no 'DEFAULT action=...'.  A kernel\n"
		"that adds an op (op=BPF_PROG_LOAD is queued upstream) needs a default for it and refuses the\n"
		"policy with EBADMSG.\n"
		"Fix: add 'DEFAULT action=DENY' (or ALLOW) after the header.", false },
	[LC_BOOT_RISK] = { "IPE-W131", W, "boot-risk-modules-firmware",
		"global DEFAULT DENY and nothing allows KMODULE/FIRMWARE: the machine may not boot",
		"With a global DEFAULT DENY, no DEFAULT for the op and no ALLOW rule that is ever reached,\n"
		"every kernel module or firmware load is denied once the policy is active, including those\n"
		"needed to boot.  An ALLOW rule that earlier rules make unreachable is named.\n"
		"Fix: allow the boot rootfs ('op=KMODULE boot_verified=TRUE action=ALLOW'), your signed\n"
		"volume, or write 'DEFAULT op=KMODULE action=DENY' if this is really intended.", false },
	[LC_ALLOWS_ALL] = { "IPE-W132", W, "op-allows-everything",
		"the rules of this op end up allowing every event",
		"The op has rules, but the decision is ALLOW for every possible event (no DENY can apply\n"
		"and the default is ALLOW, or a catch-all ALLOW comes first), so the rules enforce nothing.\n"
		"Example: 'DEFAULT action=ALLOW' with only ALLOW rules for op=EXECUTE.\n"
		"Fix: set 'DEFAULT op=EXECUTE action=DENY' if the rules are an allowlist.", false },
	[LC_MANY_RULES] = { "IPE-W133", W, "many-rules",
		"many rules for one op: the kernel evaluates them linearly on every access",
		"Each exec (or load) walks the op's rules one by one until one matches, so thousands of\n"
		"per-file digest rules cost time on every access.\n"
		"Fix: put the files on a dm-verity volume and allow its root hash or signature instead of\n"
		"per-file fsverity_digest rules (threshold: --max-rules, default 1000).", false },
	[LC_SIZE_NEAR] = { "IPE-W134", W, "signed-size-near-limit",
		"the signed policy will be within 10% of the kernel's 65,535-byte limit",
		"The signed blob is estimated from the canonical text plus about 2 KiB of PKCS#7 overhead.\n"
		"Close to the limit, a larger certificate or a few more rules make the load fail (EMSGSIZE).\n"
		"Fix: see IPE-E040.", false },
	[LC_LONE_CR] = { "IPE-W140", W, "lone-cr",
		"carriage return that is not part of CRLF: the kernel starts a new line here",
		"Every '\\r' ends a line for the kernel, while most editors show no break: a comment can\n"
		"hide a rule after a lone CR, or a rule is cut in two.\n"
		"Example: '# old rule\\rop=EXECUTE action=ALLOW' is a comment and an active rule.\n"
		"Fix: use '\\n' line ends only.", false },
	[LC_ODD_BYTES] = { "IPE-W141", W, "invisible-or-non-ascii",
		"\\v, \\f, 0xA0 or non-ASCII byte in the policy",
		"The kernel splits tokens on space and TAB only; \\v, \\f and 0xA0 (a non-breaking space) are\n"
		"trimmed at line ends but are token bytes elsewhere, and non-ASCII bytes are never part of a\n"
		"keyword.  They are invisible in most editors.\n"
		"Fix: replace them with plain spaces / ASCII.", false },
	[LC_GLUED_HASH] = { "IPE-W142", W, "hash-glued-to-token",
		"'#' glued to a token: the rest of the line is a comment",
		"The kernel cuts a line at its first '#', even inside a token: 'action=ALLOW#x' is\n"
		"'action=ALLOW', 'fsverity_digest=sha256:ab#cd' loses its tail.\n"
		"Fix: put a space before comments.", false },
	[LC_BOM] = { "IPE-W143", W, "utf8-bom",
		"UTF-8 byte order mark at the start of the policy",
		"The kernel knows nothing of a BOM: its three bytes become part of the first token, so the\n"
		"header is not recognized.\n"
		"Fix: save the file as UTF-8 without BOM (plain ASCII).", false },
	[LC_VERSION_FORM] = { "IPE-W150", W, "version-not-canonical",
		"policy_version is not written canonically",
		"The kernel accepts a leading '+' and leading zeros ('+1.02.003'), but the version is shown\n"
		"and compared as numbers (1.2.3), which surprises people reading or diffing the text.\n"
		"Fix: write plain decimal numbers, e.g. policy_version=1.2.3.", false },
	[LC_NAME_CHARS] = { "IPE-W151", W, "name-unsafe-characters",
		"policy name has characters outside [A-Za-z0-9._-]",
		"The name becomes a securityfs directory, appears in audit records and systemd takes it from\n"
		"the .p7b file name; quotes, '$', '=', spaces-like bytes or non-ASCII break shells, audit\n"
		"parsers and file names.\n"
		"Fix: use letters, digits, '.', '_' and '-' only.", false },
	[LC_VERSION_CEILING] = { "IPE-W152", W, "version-at-ceiling",
		"a policy_version part is at the 16-bit ceiling (65535)",
		"Each part is a u16.  Updates need a strictly greater version; with a part at 65535 it cannot\n"
		"be bumped (and at 65535.65535.65535 the policy can never be updated).\n"
		"Fix: leave room, e.g. bump the next part up and reset this one.", false },
	[LC_SD_NAME] = { "IPE-W153", W, "systemd-misreads-name",
		"systemd's boot loader would read another policy name than the kernel",
		"systemd's pid 1 loads /etc/ipe/ipe-policy.p7b at boot (src/core/ipe-setup.c).  It does not\n"
		"parse the policy: it takes the bytes after the first 'policy_name=' found in any line (a\n"
		"comment counts; lines end at LF, CR or NUL) up to the first space.  The kernel splits the\n"
		"header on spaces and TABs and ignores comments.  When the two names differ, systemd looks up\n"
		"and activates policies/<its name>/ at boot: the activation fails (or an update goes to the\n"
		"wrong policy) and only a journal line says so.\n"
		"Example: 'policy_name=prod<TAB>policy_version=1.0.0' (systemd reads the name\n"
		"'prod<TAB>policy_version=1.0.0'), or '# was policy_name=test' above the header.\n"
		"Fix: separate the header tokens by one space and mention no 'policy_name=' above the header.\n"
		"'ipectl install' refuses such a blob (IPECTL-S002).", false },
	[LC_SD_VERSION] = { "IPE-W154", W, "systemd-misorders-version",
		"systemd's boot loader would read or order the policy version unlike the kernel",
		"systemd takes the bytes after the first 'policy_version=' in any line (a comment counts) up\n"
		"to the first space, and compares them with the loaded policy's version using its own order\n"
		"(strverscmp_improved), not the kernel's three 16-bit numbers: it skips an update it thinks is\n"
		"not newer and writes one the kernel refuses (ESTALE).  Its reading agrees with the kernel's\n"
		"only when it ranks equal to the kernel's M.m.r.\n"
		"Example: '# bump policy_version=2.0.0 next' above the header (systemd reads 2.0.0);\n"
		"'policy_version=1.+4.0' (the kernel reads 1.4.0, systemd orders it below 1.3.0);\n"
		"'policy_version=1.0.0<TAB>#r2' (systemd reads '1.0.0<TAB>#r2', newer than 1.0.0).\n"
		"Fix: write the version as plain decimal M.m.r followed by a newline or a space, and mention\n"
		"no 'policy_version=' above the header.  'ipectl install' refuses such a blob (IPECTL-S003).", false },
	[LC_COMPILED_OUT] = { "IPE-W170", W, "property-compiled-out",
		"property is compiled out of the target kernel: the rule never matches",
		"When a property's CONFIG_IPE_PROP_* option is off, the kernel still parses it, but both its\n"
		"TRUE and FALSE forms evaluate false, so a rule using it never matches.\n"
		"Example: fsverity_digest with CONFIG_IPE_PROP_FS_VERITY not set (--kernel-config).\n"
		"Fix: enable the option, or do not rely on the property.", false },
	[LC_UNUSED_SUPPRESS] = { "IPE-W180", W, "unused-suppression",
		"suppression comment that suppresses nothing",
		"A '# ipe-check: disable=CODE' comment for which no finding of that code was reported where it\n"
		"applies.  Stale suppressions hide future problems.\n"
		"Fix: remove it.", false },
	[LC_BAD_SUPPRESS] = { "IPE-W181", W, "malformed-suppression",
		"malformed suppression comment or unknown code",
		"Suppressions read '# ipe-check: disable=IPE-W101[,IPE-W105...]' at the end of a line (that\n"
		"line), on a line of its own (the next line), or before the header (the whole file).\n"
		"Fix: correct the syntax or the code (see ipe-check --list-checks).", false },
	[LC_UPPER_HEX] = { "IPE-I201", I, "uppercase-hex",
		"digest written in uppercase hex",
		"The kernel accepts either case and compares bytes, so this is harmless; the canonical text\n"
		"(ipe-check --canonical) writes lowercase.\n"
		"Fix: none needed; lowercase keeps diffs clean.", false },
	[LC_REDUNDANT] = { "IPE-I202", I, "redundant-rule",
		"rule is redundant: the same action applies anyway",
		"Its action is the default's and no later rule with the other action matches any of its\n"
		"events, so without it every event it decides gets the same decision: deleting it is\n"
		"equivalent (ipe-check --equivalent agrees).  Not reported when deleting could change a\n"
		"decision, e.g. when it hides a later rule of the other action.\n"
		"Example: 'DEFAULT action=ALLOW' and 'op=EXECUTE boot_verified=TRUE action=ALLOW'.\n"
		"Fix: delete it (or keep it as documentation).", false },
	[LC_FALSE_NOFILE_DENY] = { "IPE-I203", I, "false-matches-no-file-deny",
		"DENY rule with only =FALSE properties also denies events with no file",
		"With no file the =FALSE properties are TRUE, so this rule also denies anonymous executable\n"
		"memory (JITs) or buffer-based loads.\n"
		"Example: op=EXECUTE boot_verified=FALSE action=DENY   <- also denies PROT_EXEC anonymous memory\n"
		"Fix: make sure that is intended.", false },
	[LC_CRLF] = { "IPE-I204", I, "crlf",
		"CRLF line ends",
		"The kernel treats the CR as one more line end, so CRLF works, but it shows the file went\n"
		"through a text-mode tool; S/MIME text-mode signing rewrites line ends too.\n"
		"Fix: use LF line ends; sign in binary mode.", false },
	[LC_KEYRINGS] = { "IPE-I205", I, "keyrings",
		"only the builtin trusted keyring can verify policies on this kernel",
		"CONFIG_IPE_POLICY_SIG_SECONDARY_KEYRING (and/or ..._PLATFORM_KEYRING) is off in the given\n"
		"kernel configuration, so a policy must be signed by a key built into the kernel.\n"
		"Fix: sign with a builtin key, or enable the keyring options.", false },
	[LC_BASE_WIDENED] = { "IPE-W190", W, "baseline-widened",
		"the policy allows events the baseline denied",
		"With --baseline OLD, every pair (the rule or DEFAULT deciding in OLD, the one deciding here)\n"
		"under which some event that OLD denied is now allowed, found exactly by the policy diff\n"
		"(ipe-check --diff OLD NEW), with the events and OLD's line.  Widening is what a reviewer\n"
		"must approve.\n"
		"Example: baseline 'DEFAULT action=DENY', new 'op=KMODULE action=ALLOW'.\n"
		"Fix: none if intended; else restore the order or the action.", false },
	[LC_BASE_NARROWED] = { "IPE-I209", I, "baseline-narrowed",
		"the policy denies events the baseline allowed",
		"With --baseline OLD, every pair of deciders under which some event that OLD allowed is now\n"
		"denied (see IPE-W190).  A narrowing can break a running system: check that nothing it\n"
		"denies is needed.\n"
		"Example: a DENY digest rule moved above 'op=EXECUTE dmverity_signature=TRUE action=ALLOW'.\n"
		"Fix: none if intended.", false },

	/* front end: kernel rejections and text facts */
	{ "IPE-E001", E, "empty-policy", "the policy is empty or ends early (EBADMSG)",
	  "The kernel needs at least a header line.\nFix: start with 'policy_name=NAME policy_version=1.0.0'.", true },
	{ "IPE-E002", E, "bad-header", "the first non-empty line is not a valid header (EBADMSG)",
	  "The header is exactly 'policy_name=NAME policy_version=MAJ.MIN.REV'.", true },
	{ "IPE-E003", E, "bad-version-part", "a version part is not a decimal number (EINVAL)",
	  "Each part is an unsigned decimal (optional leading '+').", true },
	{ "IPE-E004", E, "version-out-of-range", "a version part is over 65535 (ERANGE)", "Each part is a u16.", true },
	{ "IPE-E005", E, "version-parts", "the version does not have exactly three parts (EBADMSG)",
	  "Write MAJOR.MINOR.REVISION.", true },
	{ "IPE-E010", E, "bad-op", "expected an operation op=... (EBADMSG)",
	  "Ops:" IPE_KW_OP_WORDS ".", true },
	{ "IPE-E011", E, "bad-property", "unknown property (EBADMSG)", "Keywords are case-sensitive.", true },
	{ "IPE-E012", E, "bad-action", "the last token is not action=ALLOW|DENY (EBADMSG)",
	  "The kernel reads the last token of every rule as its action.", true },
	{ "IPE-E013", E, "action-not-last", "action= is not the last token (EBADMSG)", "Move it to the end.", true },
	{ "IPE-E014", E, "misplaced-default", "DEFAULT not first on its line (EBADMSG)", "DEFAULT starts a line.", true },
	{ "IPE-E015", E, "default-with-properties", "DEFAULT with properties (EBADMSG)",
	  "Defaults take no properties.", true },
	{ "IPE-E016", E, "second-default", "a second DEFAULT for the same scope (EBADMSG)", "Keep one.", true },
	{ "IPE-E017", E, "rule-without-op", "rule without op= (EBADMSG)", "Every rule names its op.", true },
	{ "IPE-E018", E, "second-op", "a second op= in a rule (EBADMSG)", "One op per rule.", true },
	{ "IPE-E020", E, "digest-no-algorithm", "digest without ALG: (EBADMSG)", "Write ALG:HEX.", true },
	{ "IPE-E021", E, "digest-bad-hex", "digest hex is invalid or odd-length (EINVAL)", "Hex digits, whole bytes.", true },
	{ "IPE-E022", E, "digest-empty-value", "digest property with nothing after '=' (EBADMSG)", "Write ALG:HEX.", true },
	{ "IPE-E030", E, "incomplete-defaults", "no global DEFAULT and not every op has one (EBADMSG)",
	  "Add 'DEFAULT action=DENY'.", true },
	{ "IPE-E031", E, "name-not-directory", "the name cannot be a securityfs directory (EACCES)",
	  "'/', '.' and '..' are refused.", true },
	{ "IPE-E032", E, "name-too-long", "the name is longer than 255 bytes (ENAMETOOLONG)", "Shorten it.", true },
	{ "IPE-W160", W, "nul-byte", "NUL byte: the kernel ignores everything after it",
	  "The first NUL ends the policy text; anything after it is silently dropped.\nFix: remove it.", true },
};

_Static_assert(sizeof(catalogue) / sizeof(catalogue[0]) <= LINT_MAX_CHECKS, "raise LINT_MAX_CHECKS");

size_t ipe_check_count(void)
{
	return sizeof(catalogue) / sizeof(catalogue[0]);
}

const struct ipe_check_info *ipe_check_at(size_t i)
{
	return i < ipe_check_count() ? &catalogue[i] : NULL;
}

const struct ipe_check_info *lint_check_info(enum lint_check id)
{
	return &catalogue[id];
}

static const uint8_t claims[LC_COUNT] = {
	[LC_SHADOWED] = LINT_CLAIM_DELETE,            /* W101 dead */
	[LC_UNREACHABLE] = LINT_CLAIM_DELETE,         /* W102 unreachable */
	[LC_DUPLICATE] = LINT_CLAIM_DELETE,           /* W105 duplicate */
	[LC_CONTRADICTION] = LINT_CLAIM_DELETE,       /* W107 never matches: contradiction */
	[LC_COMPILED_OUT] = LINT_CLAIM_DELETE,        /* W170 never matches: compiled out */
	[LC_REDUNDANT] = LINT_CLAIM_DELETE,           /* I202 redundant */
	[LC_ALG_NAME] = LINT_CLAIM_DELETE_PHYS,       /* W110 never matches: algorithm name */
	[LC_DIGEST_LEN] = LINT_CLAIM_DELETE_PHYS,     /* W111 never matches: digest length */
	[LC_DIGEST_EMPTY] = LINT_CLAIM_DELETE_PHYS,   /* W112 never matches: empty digest */
	[LC_FSV_ALG] = LINT_CLAIM_DELETE_PHYS,        /* W113 never matches: fs-verity algorithm */
	[LC_BOOT_VERITY] = LINT_CLAIM_DELETE_PHYS,    /* W126 never matches: no such file */
	[LC_DEFAULT_UNUSED] = LINT_CLAIM_DEFAULT_FLIP, /* W103 the DEFAULT never applies */
};

enum lint_claim lint_check_claim(const char *code)
{
	const struct ipe_check_info *ci = ipe_check_find(code);
	int i = ci ? lint_check_index(ci) : -1;

	return i >= 0 && i < LC_COUNT ? (enum lint_claim)claims[i] : LINT_CLAIM_NONE;
}

int lint_check_index(const struct ipe_check_info *ci)
{
	if (ci < catalogue || ci >= catalogue + ipe_check_count())
		return -1;
	return (int)(ci - catalogue);
}

const struct ipe_check_info *ipe_check_find(const char *code)
{
	if (!code)
		return NULL;
	for (size_t i = 0; i < ipe_check_count(); i++) {
		const struct ipe_check_info *ci = &catalogue[i];

		if (strcasecmp(ci->code, code) == 0 || strcasecmp(ci->code + 4, code) == 0 ||
		    strcmp(ci->name, code) == 0)
			return ci;
	}
	return NULL;
}
