/* SPDX-License-Identifier: MIT */
/*
 * libipe: the compile pipeline, what ipe-compile does, as one call, and
 * ipe-check's loading of one input (src/pipeline/).  It sits above the compiler and the signer.
 */
#ifndef IPE_PIPELINE_H
#define IPE_PIPELINE_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipe/compile.h>
#include <ipe/diag.h>
#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ipe_compile() takes a registered source and runs, in order: the source
 * language parser (includes and sets through the source loader); the boot
 * checks (opts.boot); the header overrides (bump_from, then version, then
 * name); lint; the verdict of the checks against opts.fail_on; the
 * optimizer, whose result is proven equivalent to the input before it is
 * used; the emitter (canonical text, or the binary form) and a self-check
 * (the text must read back as accepted and emit itself byte for byte, the
 * binary must decode to the same text); and, for IPE_COMPILE_SIGNED,
 * the signer.  Nothing is printed and nothing is written: the output bytes
 * are in the result, the diagnostics in ctx.
 *
 * Signing: this layer sits above both the compiler and the signer (the
 * compiler never calls the signer); it signs the emitted text with
 * ipe_signer_new() + ipe_signer_sign() from opts.sign.
 *
 * ipe_policy_load_file() (below) is ipe-check's input step: what a file
 * is (kernel text, signed blob, source) and the policy to check. */

struct ipe_lint_config;
struct ipe_sign_opts;

enum ipe_compile_format {
	IPE_COMPILE_TEXT = 0, /* the canonical kernel text */
	IPE_COMPILE_BINARY,   /* the binary form (ipe-binary(5)) */
	IPE_COMPILE_SIGNED,   /* the canonical text signed: DER PKCS#7, needs opts.sign */
};

/* Where ipe_compile() stopped: ipe_compile_result.stage. */
enum ipe_compile_stage {
	IPE_COMPILE_STAGE_PARSE = 0,    /* parsing the source, decoding a binary */
	IPE_COMPILE_STAGE_BOOT,         /* the boot checks could not run */
	IPE_COMPILE_STAGE_BUMP_READ,    /* bump_from cannot be read */
	IPE_COMPILE_STAGE_BUMP_HEADER,  /* bump_from has no valid header (IPE-E140 in ctx) */
	IPE_COMPILE_STAGE_BUMP_VERSION, /* bump_from is at 65535.65535.65535 (-ERANGE) */
	IPE_COMPILE_STAGE_BUMP_NAME,    /* bump_from is another policy (-EINVAL): result.bump_name */
	IPE_COMPILE_STAGE_OVERRIDE,     /* opts.name cannot be used */
	IPE_COMPILE_STAGE_LINT,         /* lint could not run */
	IPE_COMPILE_STAGE_FINDINGS,     /* the source has errors, the kernel would reject it, or
					 * findings at opts.fail_on or above (-EBADMSG) */
	IPE_COMPILE_STAGE_OPTIMIZE,     /* optimizing could not run */
	IPE_COMPILE_STAGE_NOT_EQUIVALENT, /* the optimized policy is not proven equivalent (-EPROTO) */
	IPE_COMPILE_STAGE_EMIT,         /* the canonical text cannot be emitted */
	IPE_COMPILE_STAGE_SELF_CHECK,   /* the text does not read back as itself (-EPROTO) */
	IPE_COMPILE_STAGE_BINARY,       /* the binary form cannot be encoded */
	IPE_COMPILE_STAGE_BINARY_CHECK, /* the binary does not decode to the text (-EPROTO) */
	IPE_COMPILE_STAGE_SIGNER,       /* the key, certificate or passphrase cannot be used */
	IPE_COMPILE_STAGE_SIGN,         /* signing failed or the signer refused the policy */
	IPE_COMPILE_STAGE_DONE,         /* the output is ready */
};

/* Points where ipe_compile() calls opts.progress. */
enum ipe_compile_event {
	/* The checks are done: the diagnostics in ctx are complete and
	 * sorted (render them now); result.nfindings and the policy's
	 * verdict say whether ipe_compile() goes on.  Not called when
	 * parsing, the boot checks, the overrides or lint fail to run, nor
	 * by ipe_compile_binary(). */
	IPE_COMPILE_EVENT_CHECKED = 0,
	/* The policy is final (overrides applied, optimized): the output is
	 * about to be emitted and signed.  result.opt_* are set. */
	IPE_COMPILE_EVENT_EMITTING,
};

struct ipe_compile_result;

#define IPE_COMPILE_OPTS_V1 1u
/* Options of ipe_compile().  Zero-initialise (version 0 means
 * IPE_COMPILE_OPTS_V1; reserved must stay zero: fields added later take
 * that space, their 0 meaning what this version does), then set what is
 * not the default. */
struct ipe_compile_opts {
	uint32_t version;        /* IPE_COMPILE_OPTS_V1 or 0 */
	const struct ipe_source_opts *source; /* limits of the source language; NULL = defaults */
	enum ipe_compile_format format;
	const char *name;        /* NULL, or the policy name (checked with ipe_policy_name_problem()) */
	const uint16_t *policy_version; /* NULL, or the policy version (three parts) */
	const char *bump_from;   /* NULL, or the previous policy (text or signed blob): its name
				  * must match, the version becomes its next revision */
	bool boot;               /* also the boot policy checks (ipe_policy_check_boot()) */
	bool no_lint;            /* skip lint (the kernel verdict is still checked) */
	const struct ipe_lint_config *lint; /* NULL = the defaults */
	enum ipe_severity fail_on; /* findings at this severity or above stop; 0 (NOTE) counts too,
				    * so set it (ipe-compile: IPE_SEV_ERROR) */
	unsigned optimize;       /* IPE_OPT_* passes (ipe/opt.h); 0 = no optimizing */
	const struct ipe_sign_opts *sign; /* IPE_COMPILE_SIGNED: key and certificate */
	/* Optional: called at each event with the result so far; a non-zero
	 * return stops ipe_compile(), which returns that value. */
	int (*progress)(void *arg, struct ipe_ctx *ctx, enum ipe_compile_event event,
			const struct ipe_compile_result *result);
	void *progress_arg;
	uint64_t reserved[8];    /* must be zero */
};

/* Allocated by ipe_compile(); fields are only ever added at the end. */
struct ipe_compile_result {
	enum ipe_compile_stage stage; /* IPE_COMPILE_STAGE_DONE, or where it stopped */
	uint32_t src;                 /* the source compiled (IPE_SRC_NONE for a binary) */
	struct ipe_policy *policy;    /* the model (after overrides and optimizing); NULL when parsing failed */
	uint8_t *output;              /* DONE: the bytes to write */
	size_t output_len;
	size_t nfindings;             /* diagnostics at opts.fail_on or above after the checks */
	char *bump_name;              /* BUMP_NAME: the name in bump_from */
	size_t opt_len_before;        /* optimizing: canonical text length before and after */
	size_t opt_len_after;
	size_t opt_removed[16];       /* optimizing: what each pass removed (struct ipe_opt_stats) */
};

/* Compile source src of ctx (registered; its name is the path includes are
 * resolved against).  Returns 0 when the output is ready (result.stage
 * DONE), else a negative errno with result.stage saying where it stopped:
 * -EBADMSG with diagnostics in ctx for a source with errors or findings;
 * see enum ipe_compile_stage for the rest (-EINVAL at PARSE: bad
 * arguments, an unknown opts->version or non-zero reserved space).  *ret_result is set whenever
 * the result could be allocated, even on failure: free it with
 * ipe_compile_result_free(). */
IPE_EXPORT int ipe_compile(struct ipe_ctx *ctx, uint32_t src, const struct ipe_compile_opts *opts,
			   struct ipe_compile_result **ret_result);

/* The same from a binary policy (ipe-compile --decompile): decode, apply
 * the overrides, emit and sign; no boot checks, lint or optimizing (those
 * options are ignored). */
IPE_EXPORT int ipe_compile_binary(struct ipe_ctx *ctx, const void *data, size_t len,
				  const struct ipe_compile_opts *opts, struct ipe_compile_result **ret_result);

/* Free a result: its policy, output and names (NULL is fine). */
IPE_EXPORT void ipe_compile_result_free(struct ipe_compile_result *r);

/* ---- Loading one input as ipe-check does (src/pipeline/load.c) ---- */

/* What ipe_policy_load_file() found: ipe_load_result.kind. */
enum ipe_load_kind {
	IPE_LOAD_TEXT = 0,     /* kernel policy text, parsed as the kernel parses it */
	IPE_LOAD_BLOB,         /* a signed blob (DER PKCS#7): its signed content, parsed as kernel text */
	IPE_LOAD_SOURCE,       /* IPE_LOAD_AS_SOURCE: an ipe-compile source (a blob's signed content too) */
	IPE_LOAD_DETECTED,     /* kernel text the kernel rejects that uses ipe-compile's extensions
				* and compiles: the kernel's verdict, plus the compiled policy */
};

/* Where ipe_policy_load_file() failed: ipe_load_result.failed. */
enum ipe_load_failure {
	IPE_LOAD_FAILED_NONE = 0,
	IPE_LOAD_FAILED_READ,  /* the file (or a blob's signed content) cannot be read */
	IPE_LOAD_FAILED_BLOB,  /* a signed blob with no readable policy text (-EBADMSG, IPE-S030 in ctx) */
	IPE_LOAD_FAILED_PARSE, /* the parser could not run (-ENOMEM...): not a verdict */
};

/* ipe_load_opts.flags */
#define IPE_LOAD_AS_SOURCE (1u << 0) /* the file is an ipe-compile source (ipe-check --source) */

#define IPE_LOAD_OPTS_V1 1u
/* Options of ipe_policy_load_file().  Zero-initialise (version 0 means
 * IPE_LOAD_OPTS_V1; reserved must stay zero), or pass NULL for the
 * defaults. */
struct ipe_load_opts {
	uint32_t version;                     /* IPE_LOAD_OPTS_V1 or 0 */
	uint32_t flags;                       /* IPE_LOAD_* */
	const struct ipe_source_opts *source; /* limits of the source language; NULL = defaults */
	uint64_t reserved[4];                 /* must be zero */
};

/* Filled by ipe_policy_load_file(), which zeroes it first (reserved
 * included), also on failure.  The policies are the caller's: free them
 * with ipe_load_result_clear() or take them over and free them with
 * ipe_policy_free(). */
struct ipe_load_result {
	enum ipe_load_kind kind;
	enum ipe_load_failure failed; /* IPE_LOAD_FAILED_NONE when 0 was returned */
	uint32_t src;                 /* the source checked in ctx (a blob: its signed content, named
				       * "PATH (signed content)"); IPE_SRC_NONE if never registered */
	struct ipe_policy *policy;    /* its verdict is the kernel's answer for the file (a source:
				       * the answer for the policy it compiles to) */
	struct ipe_policy *compiled;  /* IPE_LOAD_DETECTED: the policy ipe-compile makes of the file,
				       * the one to lint; else NULL */
	size_t blob_len;              /* a signed blob: its size (ipe_lint_config_set_blob_size()); else 0 */
	uint64_t reserved[4];
};

/*
 * Read the file at path ("-" is standard input) into ctx and parse it the
 * way ipe-check does, deciding what it is:
 * - a signed blob (DER: a SEQUENCE with a long-form length): its signed
 *   content becomes a new source and is parsed; an IPE-S030 note names the
 *   signer and the blob's size against the kernel's 65,535-byte limit (an
 *   error with kernel_errno EMSGSIZE above it);
 * - with IPE_LOAD_AS_SOURCE: parsed by ipe_policy_parse_source();
 * - kernel text that looks like a source (a line starting with include or
 *   set, "KEY in @SET", op=A,B): the source front end is tried on a scratch
 *   context; when it compiles to an accepted policy and the kernel rejects
 *   the file, the result is IPE_LOAD_DETECTED: policy carries the kernel's
 *   verdict on the file (ctx gets an IPE-N001 note and the kernel's first
 *   error only), compiled the policy ipe-compile makes of it;
 * - else kernel text, parsed by ipe_policy_parse().
 * Returns 0 (result.policy set; its verdict may be a rejection), or a
 * negative errno with result.failed saying what failed (-EINVAL: bad
 * arguments, an unknown opts->version or non-zero reserved space, failed
 * stays NONE).  Nothing is printed.
 */
IPE_EXPORT int ipe_policy_load_file(struct ipe_ctx *ctx, const char *path, const struct ipe_load_opts *opts,
				    struct ipe_load_result *result);

/* Free result's policies and zero it (NULL is fine). */
IPE_EXPORT void ipe_load_result_clear(struct ipe_load_result *result);

#ifdef __cplusplus
}
#endif
#endif
