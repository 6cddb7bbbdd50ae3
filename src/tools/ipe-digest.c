/* SPDX-License-Identifier: MIT */
/* ipe-digest: the fs-verity digests and dm-verity root hashes an IPE policy names. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ipe/digest.h>
#include <ipe/io.h>
#include <ipe/ipe.h>

#include "cli.h"

static const char prog[] = "ipe-digest";

/* The exit statuses of `fsverity digest`, which ipe-digest replaces. */
enum {
	EXIT_DIGEST_OK = 0,
	EXIT_DIGEST_FAILED = 1, /* some file or device had no digest */
	EXIT_DIGEST_USAGE = 2,  /* unusable arguments */
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ipe-digest [OPTIONS] PATH...\n"
		"       ipe-digest --dm-verity=DATA --hash-device=HASH [--hash-offset=BYTES]\n"
		"       ipe-digest --dm-verity=DEVICE\n"
		"Print the fs-verity digest of each regular file as ALG:HEX PATH (what\n"
		"`fsverity digest` prints; ready for fsverity_digest= rules and digest\n"
		"sets), or the root hash of a dm-verity volume for dmverity_roothash=.\n"
		"\n"
		"fs-verity options (as in fsverity-utils):\n"
		"      --hash-alg=ALG     sha256 (default) or sha512\n"
		"      --block-size=N     Merkle tree block size: a power of two in\n"
		"                         1024..65536 (default 4096)\n"
		"      --salt=HEX         salt (up to 32 bytes; default none)\n"
		"      --measure          take the digest the kernel measured for files with\n"
		"                         fs-verity enabled (FS_IOC_MEASURE_VERITY) and report\n"
		"                         files without it; default: compute from content\n"
		"  -r, --recursive        walk directories (sorted by name, depth first)\n"
		"      --follow           follow symbolic links found inside directories\n"
		"      --exec-only        keep only ELF files and #! scripts with an exec bit\n"
		"  -j, --jobs=N           hash with N threads (default: online CPUs)\n"
		"  -f, --format=FMT       lines (default), rules (a '# PATH' comment and\n"
		"                         'op=OP fsverity_digest=ALG:HEX action=ALLOW' per\n"
		"                         file) or json\n"
		"      --op=OP            operation of --format=rules (default EXECUTE)\n"
		"  -o, --output=FILE      write to FILE atomically ('-' = standard output,\n"
		"                         the default); never one of the inputs; nothing is\n"
		"                         written when a file has no digest\n"
		"\n"
		"dm-verity options:\n"
		"      --dm-verity=DATA   with --hash-device: the root hash of an image pair\n"
		"                         made by `veritysetup format DATA HASH` (verity\n"
		"                         superblock read with libcryptsetup; the whole tree\n"
		"                         is checked against the data first)\n"
		"      --dm-verity=DEVICE alone: the root hash of an active dm-verity device\n"
		"                         (/dev/mapper/NAME, /dev/dm-N or NAME; needs root)\n"
		"                         and whether it was activated with a root-hash\n"
		"                         signature (dmverity_signature=)\n"
		"      --hash-device=HASH the hash image or device\n"
		"      --hash-offset=BYTES offset of the verity superblock in HASH (default 0)\n"
		"      --no-verify        do not check the tree against the data: report the\n"
		"                         root hash of the stored hash tree\n"
		"\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the program version and exit\n"
		"\n"
		"Exit status:\n"
		"  0  every file (or the volume) has its digest in the output\n"
		"  1  some file or device failed (each is reported) or, with --measure,\n"
		"     has no fs-verity\n"
		"  2  unusable arguments\n"
		"\n"
		"See ipe-digest(1) and ipe-policy(5).\n");
}

enum {
	OPT_HASH_ALG = 256,
	OPT_BLOCK_SIZE,
	OPT_SALT,
	OPT_MEASURE,
	OPT_FOLLOW,
	OPT_EXEC_ONLY,
	OPT_OP,
	OPT_DM_VERITY,
	OPT_HASH_DEVICE,
	OPT_HASH_OFFSET,
	OPT_NO_VERIFY,
};

struct opts {
	struct ipe_fsverity_params fp;
	uint8_t salt[IPE_FSVERITY_MAX_SALT];
	struct ipe_walk_params wp;
	unsigned compute_flags;
	unsigned jobs;
	enum ipe_digest_format format;
	enum ipe_op op;
	const char *output;
	const char *dm_verity, *hash_device;
	uint64_t hash_offset;
	bool fsverity_opts; /* some fs-verity option was given */
	bool no_verify;
};

/* Refuse an output that is one of the inputs (or a file the walk found). */
static bool output_is_input(const char *output, const struct ipe_digest_list *l)
{
	struct stat st;

	if (strcmp(output, "-") == 0 || stat(output, &st) < 0)
		return false;
	for (size_t i = 0; i < ipe_digest_list_count(l); i++) {
		const struct ipe_digest_entry *e = ipe_digest_list_entry(l, i);

		if (e->dev == st.st_dev && e->ino == st.st_ino)
			return true;
	}
	return false;
}

static int write_out(const char *output, const char *text, size_t len)
{
	int rc = ipe_write_file_atomic(output ? output : "-", text, len, 0644);

	if (rc < 0) {
		cli_error(prog, "cannot write %s: %s", output && strcmp(output, "-") ? output : "standard output",
			  cli_strerror(rc));
		return EXIT_DIGEST_FAILED;
	}
	return EXIT_DIGEST_OK;
}

static void report_entry(const struct ipe_digest_entry *e)
{
	char path[PATH_MAX + 64];

	ipe_escape_bytes(path, sizeof(path), e->path, strlen(e->path));
	switch (e->status) {
	case IPE_DIGEST_SKIPPED:
		fprintf(stderr, "%s: note: %s: %s\n", prog, path, e->reason ? e->reason : "skipped");
		break;
	case IPE_DIGEST_NOT_VERITY:
		fprintf(stderr, "%s: warning: %s: %s\n", prog, path, e->reason ? e->reason : "no fs-verity");
		break;
	case IPE_DIGEST_FAILED:
		if (e->reason)
			fprintf(stderr, "%s: error: %s: %s (%s)\n", prog, path, e->reason, cli_strerror(e->err));
		else
			fprintf(stderr, "%s: error: %s: %s\n", prog, path, cli_strerror(e->err));
		break;
	default:
		break;
	}
}

static int run_files(struct opts *o, char **paths, int npaths)
{
	struct ipe_digest_list *l = NULL;
	char *text = NULL;
	size_t len = 0, nbad;
	int rc, ret = EXIT_DIGEST_OK;

	/* the threads hash the first files while the walk lists the rest */
	rc = ipe_digest_walk((const char *const *)paths, (size_t)npaths, &o->wp, &o->fp, o->compute_flags, o->jobs,
			     &l);
	if (rc < 0) {
		cli_error(prog, "cannot walk and digest the files: %s", cli_strerror(rc));
		return EXIT_DIGEST_FAILED;
	}
	/* after the hashing: it fills in the identity of the files the walk
	 * only saw in a directory listing (nothing is written before this) */
	if (o->output && output_is_input(o->output, l)) {
		cli_error(prog, "refusing to overwrite input file %s (choose another --output)", o->output);
		ret = EXIT_DIGEST_USAGE;
		goto out;
	}
	for (size_t i = 0; i < ipe_digest_list_count(l); i++)
		report_entry(ipe_digest_list_entry(l, i));
	nbad = ipe_digest_list_count_status(l, IPE_DIGEST_FAILED) +
	       ipe_digest_list_count_status(l, IPE_DIGEST_NOT_VERITY);
	if (nbad) {
		ret = EXIT_DIGEST_FAILED;
		/* an output file is complete or not written at all */
		if (o->output && strcmp(o->output, "-") != 0) {
			cli_error(prog, "nothing written to %s: %zu file%s without a digest", o->output, nbad,
				  nbad == 1 ? "" : "s");
			goto out;
		}
	}
	rc = ipe_digest_list_render(l, o->format, o->op, &text, &len);
	if (rc < 0) {
		cli_error(prog, "cannot render the output: %s", cli_strerror(rc));
		ret = EXIT_DIGEST_FAILED;
		goto out;
	}
	if (write_out(o->output, text, len) != EXIT_DIGEST_OK)
		ret = EXIT_DIGEST_FAILED;
out:
	free(text);
	ipe_digest_list_free(l);
	return ret;
}

static const char *dm_error(int rc, bool active)
{
	switch (rc) {
	case -EINVAL:
		return active ? "not usable as a dm-verity device"
			      : "no valid verity superblock at that offset of the hash device (see --hash-offset)";
	case -EBADMSG:
		return "the data does not match the hash tree (corrupted or wrong image pair)";
	case -ENODEV:
		return "no such device-mapper device";
	case -EMEDIUMTYPE:
		return "not a dm-verity device";
	case -ENOTBLK:
		return "not a block device (give /dev/mapper/NAME, /dev/dm-N or a device-mapper name)";
	case -EPERM:
	case -EACCES:
		return "permission denied (reading device-mapper tables needs root)";
	default:
		return cli_strerror(rc);
	}
}

static int run_dmverity(struct opts *o)
{
	struct ipe_dmverity_info info;
	char dg[IPE_DIGEST_STRLEN], esc[PATH_MAX + 64];
	char *text = NULL;
	size_t len;
	int rc, ret;

	if (o->hash_device) {
		if (o->output && strcmp(o->output, "-") != 0) {
			struct stat a, b;

			if (stat(o->output, &a) == 0 &&
			    ((stat(o->dm_verity, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) ||
			     (stat(o->hash_device, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino))) {
				cli_error(prog, "refusing to overwrite input file %s (choose another --output)",
					  o->output);
				return EXIT_DIGEST_USAGE;
			}
		}
		rc = ipe_dmverity_image(o->dm_verity, o->hash_device, o->hash_offset,
					o->no_verify ? 0 : IPE_DMVERITY_VERIFY, &info);
		if (rc < 0) {
			ipe_escape_bytes(esc, sizeof(esc), o->hash_device, strlen(o->hash_device));
			cli_error(prog, "%s: %s", esc, dm_error(rc, false));
			return EXIT_DIGEST_FAILED;
		}
	} else {
		rc = ipe_dmverity_active(o->dm_verity, &info);
		if (rc < 0) {
			ipe_escape_bytes(esc, sizeof(esc), o->dm_verity, strlen(o->dm_verity));
			cli_error(prog, "%s: %s", esc, dm_error(rc, true));
			return EXIT_DIGEST_FAILED;
		}
	}
	if (ipe_digest_format(&info.root_hash, dg, sizeof(dg)) < 0) {
		cli_error(prog, "the root hash cannot be shown");
		return EXIT_DIGEST_FAILED;
	}
	if (o->format == IPE_DIGEST_FMT_JSON) {
		if (info.active)
			len = (size_t)asprintf(&text, "{\n  \"roothash\": \"%s\",\n  \"name\": \"%s\",\n"
						      "  \"signature\": %s\n}\n",
					       dg, info.name, info.signature ? "true" : "false");
		else
			len = (size_t)asprintf(&text, "{\n  \"roothash\": \"%s\"\n}\n", dg);
	} else if (o->format == IPE_DIGEST_FMT_RULES) {
		bool sig = info.active && info.signature;

		len = (size_t)asprintf(&text, "# %s\nop=%s %s=%s%s%s action=%s\n", info.active ? info.name : o->dm_verity,
				       ipe_op_name(o->op), ipe_prop_key(IPE_PROP_DMV_ROOTHASH), dg, sig ? " " : "",
				       sig ? ipe_prop_token(IPE_PROP_DMV_SIG_TRUE) : "", ipe_action_name(IPE_ACTION_ALLOW));
	} else if (info.active) {
		len = (size_t)asprintf(&text, "%s %s\n", dg,
				       ipe_prop_token(info.signature ? IPE_PROP_DMV_SIG_TRUE : IPE_PROP_DMV_SIG_FALSE));
	} else {
		len = (size_t)asprintf(&text, "%s\n", dg);
	}
	if (!text || len == (size_t)-1) {
		cli_error(prog, "out of memory");
		return EXIT_DIGEST_FAILED;
	}
	ret = write_out(o->output, text, len);
	free(text);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hash-alg", required_argument, NULL, OPT_HASH_ALG },
		{ "block-size", required_argument, NULL, OPT_BLOCK_SIZE },
		{ "salt", required_argument, NULL, OPT_SALT },
		{ "measure", no_argument, NULL, OPT_MEASURE },
		{ "recursive", no_argument, NULL, 'r' },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "exec-only", no_argument, NULL, OPT_EXEC_ONLY },
		{ "jobs", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "op", required_argument, NULL, OPT_OP },
		{ "output", required_argument, NULL, 'o' },
		{ "dm-verity", required_argument, NULL, OPT_DM_VERITY },
		{ "hash-device", required_argument, NULL, OPT_HASH_DEVICE },
		{ "hash-offset", required_argument, NULL, OPT_HASH_OFFSET },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct opts o = {
		.fp = { .version = IPE_FSVERITY_PARAMS_V1 },
		.wp = { .version = IPE_WALK_PARAMS_V1 },
		.op = IPE_OP_EXECUTE,
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "rj:f:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HASH_ALG:
			if (ipe_fsverity_alg_parse(optarg, &o.fp.hash_alg) < 0) {
				cli_error(prog, "unknown hash algorithm '%s' (use sha256 or sha512)", optarg);
				return EXIT_DIGEST_USAGE;
			}
			o.fsverity_opts = true;
			break;
		case OPT_BLOCK_SIZE:
			if (cli_parse_u64(optarg, 1024, 65536, &v) < 0 || (v & (v - 1))) {
				cli_error(prog, "invalid block size '%s' (a power of two from 1024 to 65536)", optarg);
				return EXIT_DIGEST_USAGE;
			}
			o.fp.block_size = (uint32_t)v;
			o.fsverity_opts = true;
			break;
		case OPT_SALT:
			if (ipe_fsverity_salt_parse(optarg, o.salt, &o.fp.salt_size) < 0) {
				cli_error(prog, "invalid salt (an even number of hex digits, at most %u bytes)",
					  IPE_FSVERITY_MAX_SALT);
				return EXIT_DIGEST_USAGE;
			}
			o.fp.salt = o.fp.salt_size ? o.salt : NULL;
			o.fsverity_opts = true;
			break;
		case OPT_MEASURE:
			o.compute_flags |= IPE_DIGEST_MEASURE;
			break;
		case 'r':
			o.wp.flags |= IPE_WALK_RECURSIVE;
			break;
		case OPT_FOLLOW:
			o.wp.flags |= IPE_WALK_FOLLOW;
			break;
		case OPT_EXEC_ONLY:
			o.wp.flags |= IPE_WALK_EXEC_ONLY;
			break;
		case 'j':
			if (cli_parse_u64(optarg, 1, 1024, &v) < 0) {
				cli_error(prog, "invalid --jobs '%s' (a number from 1 to 1024)", optarg);
				return EXIT_DIGEST_USAGE;
			}
			o.jobs = (unsigned)v;
			break;
		case 'f':
			if (strcmp(optarg, "lines") == 0)
				o.format = IPE_DIGEST_FMT_LINES;
			else if (strcmp(optarg, "rules") == 0)
				o.format = IPE_DIGEST_FMT_RULES;
			else if (strcmp(optarg, "json") == 0)
				o.format = IPE_DIGEST_FMT_JSON;
			else {
				cli_error(prog, "unknown format '%s' (use lines, rules or json)", optarg);
				return EXIT_DIGEST_USAGE;
			}
			break;
		case OPT_OP:
			o.op = cli_parse_op(optarg);
			if (o.op == IPE_OP_INVALID) {
				char ops[160];

				cli_error(prog, "unknown operation '%s' (use %s)", optarg, cli_op_list(ops, sizeof(ops)));
				return EXIT_DIGEST_USAGE;
			}
			break;
		case 'o':
			o.output = optarg;
			break;
		case OPT_DM_VERITY:
			o.dm_verity = optarg;
			break;
		case OPT_HASH_DEVICE:
			o.hash_device = optarg;
			break;
		case OPT_HASH_OFFSET:
			if (cli_parse_u64(optarg, 0, UINT64_MAX / 2, &o.hash_offset) < 0) {
				cli_error(prog, "invalid --hash-offset '%s' (bytes)", optarg);
				return EXIT_DIGEST_USAGE;
			}
			break;
		case OPT_NO_VERIFY:
			o.no_verify = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DIGEST_OK;
		case 'V':
			cli_print_version(prog);
			return EXIT_DIGEST_OK;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", prog);
			return EXIT_DIGEST_USAGE;
		}
	}
	if (o.output && !*o.output) {
		cli_error(prog, "empty --output");
		return EXIT_DIGEST_USAGE;
	}
	if (o.dm_verity) {
		if (optind < argc) {
			cli_error(prog, "--dm-verity takes no PATH arguments (got '%s')", argv[optind]);
			return EXIT_DIGEST_USAGE;
		}
		if (o.fsverity_opts || o.compute_flags || o.wp.flags) {
			cli_error(prog, "fs-verity options (--hash-alg, --block-size, --salt, --measure, -r, "
				  "--follow, --exec-only) do not apply to --dm-verity");
			return EXIT_DIGEST_USAGE;
		}
		return run_dmverity(&o);
	}
	if (o.hash_device || o.hash_offset || o.no_verify) {
		cli_error(prog, "--hash-device, --hash-offset and --no-verify need --dm-verity=DATA");
		return EXIT_DIGEST_USAGE;
	}
	if (o.compute_flags & IPE_DIGEST_MEASURE && o.fsverity_opts) {
		cli_error(prog, "--measure reports the kernel's digest: --hash-alg, --block-size and --salt "
			  "apply only when computing from content");
		return EXIT_DIGEST_USAGE;
	}
	if (optind >= argc) {
		cli_error(prog, "no PATH given");
		fprintf(stderr, "Try '%s --help' for more information.\n", prog);
		return EXIT_DIGEST_USAGE;
	}
	return run_files(&o, argv + optind, argc - optind);
}
