/* SPDX-License-Identifier: MIT */
/*
 * libipe: the compile pipeline, what ipe-compile does, as one call
 * (src/pipeline/).  It sits above the compiler and the signer.
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
 * ipe_signer_new() + ipe_signer_sign() from opts.sign. */

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

#ifdef __cplusplus
}
#endif
#endif
