/* SPDX-License-Identifier: MIT */
/*
 * libipe: the digests an IPE policy names.
 *
 *  - fs-verity file digests (fsverity_digest=), computed from a file's content
 *    with libfsverity exactly as `fsverity digest` does, or measured by the
 *    kernel (FS_IOC_MEASURE_VERITY) for files that have fs-verity enabled;
 *  - dm-verity root hashes (dmverity_roothash=) of a data/hash image pair
 *    (verity superblock read by libcryptsetup) or of an active device-mapper
 *    device, with whether it was activated with a root-hash signature
 *    (dmverity_signature=);
 *  - a deterministic walk of files and directory trees and a parallel digest
 *    of everything it found.
 *
 * Conventions: functions return 0 or a negative errno; out-parameters are
 * named ret_* and come last; they are written only on success.  Parameter
 * structs start with a version field and end with reserved space that must
 * be zero (so they can grow without breaking callers).  Nothing here prints.
 */
#ifndef IPE_DIGEST_H
#define IPE_DIGEST_H

#include <ipe/export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ipe/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- digests ------------------------------------------------------------ */

#define IPE_DIGEST_MAX_SIZE 64u /* bytes (sha512) */
#define IPE_DIGEST_ALG_MAX 32u  /* algorithm name incl. NUL */
/* "ALG:HEX" + NUL for the largest digest */
#define IPE_DIGEST_STRLEN (IPE_DIGEST_ALG_MAX + 2u * IPE_DIGEST_MAX_SIZE + 1u)

/* A digest with the kernel's name of its algorithm ("sha256", "sha512"; for
 * dm-verity whatever hash the volume uses, e.g. "sha1"). */
struct ipe_digest {
	char alg[IPE_DIGEST_ALG_MAX];
	uint32_t size; /* bytes used in bytes[] */
	uint8_t bytes[IPE_DIGEST_MAX_SIZE];
};

/* Write "ALG:HEX" (lowercase hex, what IPE policies and `fsverity digest`
 * use) into buf.  Returns the length written, or -EINVAL (empty digest) /
 * -ENOSPC (bufsz too small; IPE_DIGEST_STRLEN always suffices). */
IPE_EXPORT int ipe_digest_format(const struct ipe_digest *d, char *buf, size_t bufsz);

/* ---- fs-verity ---------------------------------------------------------- */

/* fs-verity hash algorithm numbers (the kernel's FS_VERITY_HASH_ALG_*). */
#define IPE_FSVERITY_SHA256 1u
#define IPE_FSVERITY_SHA512 2u
#define IPE_FSVERITY_MAX_SALT 32u /* the kernel's limit */

#define IPE_FSVERITY_PARAMS_V1 1u
/* Zero this, set version, then change what is not the default.  Defaults
 * (0) are those of `fsverity digest` and `fsverity enable`: sha256, 4096-byte
 * blocks, no salt. */
struct ipe_fsverity_params {
	uint32_t version;     /* IPE_FSVERITY_PARAMS_V1 */
	uint32_t hash_alg;    /* 0 (= sha256), IPE_FSVERITY_SHA256 or IPE_FSVERITY_SHA512 */
	uint32_t block_size;  /* 0 (= 4096) or a power of two in 1024..65536 */
	uint32_t salt_size;   /* 0..IPE_FSVERITY_MAX_SALT */
	const uint8_t *salt;  /* salt_size bytes (NULL when salt_size is 0) */
	uint64_t reserved[6]; /* must be zero */
};

/* Check a parameter struct: 0, or -EINVAL (unknown version, algorithm, block
 * size, oversized salt, non-zero reserved space). */
IPE_EXPORT int ipe_fsverity_params_check(const struct ipe_fsverity_params *p);
/* A salt given as hex (what `fsverity digest --salt` takes; either case, an
 * even number of digits, at most IPE_FSVERITY_MAX_SALT bytes) into buf
 * (IPE_FSVERITY_MAX_SALT bytes).  Returns 0 or -EINVAL. */
IPE_EXPORT int ipe_fsverity_salt_parse(const char *hex, uint8_t *buf, uint32_t *ret_len);
/* "sha256" / "sha512" -> IPE_FSVERITY_SHA*; -EINVAL for anything else. */
IPE_EXPORT int ipe_fsverity_alg_parse(const char *name, uint32_t *ret_alg);

/* The fs-verity digest of the regular file open on fd, computed from its
 * content as if fs-verity were enabled with params p (NULL = defaults).
 * Reads from offset 0 with pread (fd's offset is not used or changed).
 * Returns 0, -EINVAL (bad params or fd is not a regular file), -ESTALE (the
 * file changed size while it was read), -ENOMEM, or the errno of a failed
 * read. */
IPE_EXPORT int ipe_fsverity_digest_fd(int fd, const struct ipe_fsverity_params *p, struct ipe_digest *ret_digest);

/* The same for a path (opened relative to dirfd, AT_FDCWD for the current
 * directory; symlinks followed).  Returns what ipe_fsverity_digest_fd does,
 * or the errno of open() (a FIFO or device is refused with -EINVAL, never
 * opened for reading). */
IPE_EXPORT int ipe_fsverity_digest_path(int dirfd, const char *path, const struct ipe_fsverity_params *p,
			     struct ipe_digest *ret_digest);

/* The digest the kernel measured for a file with fs-verity enabled
 * (FS_IOC_MEASURE_VERITY): this is what fsverity_digest= rules compare.
 * Returns 0, -ENODATA (fs-verity is not enabled on the file, or its file
 * system has no fs-verity: it can never match an fsverity_digest= rule), or
 * another negative errno. */
IPE_EXPORT int ipe_fsverity_measure_fd(int fd, struct ipe_digest *ret_digest);

/* ---- dm-verity ---------------------------------------------------------- */

#define IPE_DMVERITY_MAX_SALT 256u

/* A dm-verity volume: its root hash and the parameters that produced it. */
struct ipe_dmverity_info {
	struct ipe_digest root_hash; /* alg: the volume's hash ("sha256", ...) */
	uint32_t hash_type;          /* 1 = normal, 0 = Chrome OS */
	uint32_t data_block_size;
	uint32_t hash_block_size;
	uint32_t salt_size;
	uint8_t salt[IPE_DMVERITY_MAX_SALT];
	uint64_t data_blocks;        /* data device size in data blocks */
	uint64_t hash_offset;        /* bytes: hash area start in the hash device */
	bool active;                 /* an active device-mapper device */
	bool signature;              /* active and activated with a root-hash signature */
	char name[128];              /* active: the device-mapper name */
	uint64_t reserved[4];
};

/* Verify the whole hash tree against the data before reporting (reads all
 * data; otherwise the root hash is that of the stored hash tree). */
#define IPE_DMVERITY_VERIFY (1u << 0)

/* The root hash of an image pair made by `veritysetup format DATA HASH`:
 * the verity superblock at hash_offset bytes into hash_path is read with
 * libcryptsetup.  Returns 0, -EINVAL (no valid verity superblock at that
 * offset, or a parameter it cannot handle), -EBADMSG (IPE_DMVERITY_VERIFY:
 * the data does not match the hash tree), -EISDIR (a directory was given),
 * or the errno of a failed stat/open/read. */
IPE_EXPORT int ipe_dmverity_image(const char *data_path, const char *hash_path, uint64_t hash_offset,
		       unsigned flags, struct ipe_dmverity_info *ret_info);

/* The root hash of an active dm-verity device, given as "/dev/mapper/NAME",
 * "/dev/dm-N" (any path to the block device) or "NAME".  Returns 0, -ENODEV
 * (no such device-mapper device), -ENOTBLK (a path that is not a block
 * device), -EMEDIUMTYPE (it exists but is not a dm-verity device),
 * -EPERM/-EACCES (reading the device-mapper table needs CAP_SYS_ADMIN). */
IPE_EXPORT int ipe_dmverity_active(const char *dev, struct ipe_dmverity_info *ret_info);

/* The dm-verity volume a file lives on, from its st_dev (through
 * /sys/dev/block/MAJ:MIN/dm).  Returns 0, -ENODEV (not on a device-mapper
 * device), or what ipe_dmverity_active returns. */
IPE_EXPORT int ipe_dmverity_for_dev(dev_t dev, struct ipe_dmverity_info *ret_info);

/* ---- walking files and digesting them in parallel ----------------------- */

enum ipe_digest_status {
	IPE_DIGEST_PENDING = 0, /* found by the walk, not yet digested */
	IPE_DIGEST_OK,          /* digest is valid */
	IPE_DIGEST_NOT_VERITY,  /* IPE_DIGEST_MEASURE: fs-verity not enabled */
	IPE_DIGEST_SKIPPED,     /* not a candidate; reason says why */
	IPE_DIGEST_FAILED,      /* err and reason say why */
};

struct ipe_digest_entry {
	char *path;          /* as given or joined with '/' below a given directory */
	enum ipe_digest_status status;
	int err;             /* FAILED: negative errno */
	const char *reason;  /* SKIPPED/FAILED: static one-line text, or NULL */
	struct ipe_digest digest;
	dev_t dev;
	ino_t ino;
	mode_t mode;
	uint64_t size;
};

#define IPE_WALK_PARAMS_V1 1u
#define IPE_WALK_RECURSIVE (1u << 0) /* descend into directories */
#define IPE_WALK_FOLLOW    (1u << 1) /* follow symlinks found inside directories */
#define IPE_WALK_EXEC_ONLY (1u << 2) /* keep ELF files and "#!" scripts with an exec bit */
#define IPE_WALK_NO_SKIPPED (1u << 3) /* do not list skipped entries */

struct ipe_walk_params {
	uint32_t version;     /* IPE_WALK_PARAMS_V1 */
	uint32_t flags;       /* IPE_WALK_* */
	uint64_t max_entries; /* 0 = no limit; more entries: -E2BIG */
	uint64_t reserved[4]; /* must be zero */
};

/* An ordered list of entries (opaque). */
struct ipe_digest_list;

/* Walk paths (in the order given; directory contents sorted by byte order of
 * their names, depth first, joined with '/') and list every regular file
 * once: hard links to an inode already listed are left out (with
 * IPE_WALK_FOLLOW any second path to a listed inode).  Paths given are
 * followed if they are symlinks; symlinks found inside directories are
 * SKIPPED unless IPE_WALK_FOLLOW (then a directory reached again below
 * itself is FAILED -ELOOP "symlink loop...").  FIFOs, sockets and devices
 * are SKIPPED (never opened); a directory without IPE_WALK_RECURSIVE is
 * FAILED -EISDIR; unreadable directories and vanished files are FAILED with
 * their errno.  With IPE_WALK_EXEC_ONLY other files are not listed at all.
 * Returns 0 (per-entry problems are entries, not errors), -EINVAL, -ENOMEM,
 * -E2BIG (max_entries exceeded).
 * A regular file found inside a directory (readdir's d_type) is not stat'ed
 * here unless IPE_WALK_FOLLOW or IPE_WALK_EXEC_ONLY: its dev/ino/mode are 0
 * until ipe_digest_list_compute, which opens it once, takes them from the
 * descriptor and then leaves out the later links to an inode listed twice.
 * Up to a quarter of RLIMIT_NOFILE directory descriptors (at most 4096)
 * stay open in the list until ipe_digest_list_compute or _free, so that
 * files are opened by name relative to their directory. */
IPE_EXPORT int ipe_walk(const char *const *paths, size_t npaths, const struct ipe_walk_params *wp,
	     struct ipe_digest_list **ret_list);
IPE_EXPORT void ipe_digest_list_free(struct ipe_digest_list *l);
IPE_EXPORT size_t ipe_digest_list_count(const struct ipe_digest_list *l);
IPE_EXPORT const struct ipe_digest_entry *ipe_digest_list_entry(const struct ipe_digest_list *l, size_t i);
/* Number of entries with the given status. */
IPE_EXPORT size_t ipe_digest_list_count_status(const struct ipe_digest_list *l, enum ipe_digest_status s);

/* Take the kernel's measurement (FS_IOC_MEASURE_VERITY) instead of
 * computing from content; files without fs-verity become NOT_VERITY. */
#define IPE_DIGEST_MEASURE (1u << 0)

/* Digest every PENDING entry of l with jobs threads (0 = online CPUs), each
 * becoming OK, NOT_VERITY or FAILED; the threads take the files one at a
 * time from a shared queue in list order.  A file found inside a directory
 * is opened without following symlinks (with IPE_WALK_FOLLOW and for paths
 * given, following them) and must still be the regular file the walk found
 * (else FAILED "file replaced during the walk").  Then of several links to
 * one inode only the first stays in the list (see ipe_walk), and the
 * directories the walk kept open are closed.  Returns 0 (per-file failures
 * are in the entries), -EINVAL (bad params), or -ENOMEM / an errno of
 * pthread_create. */
IPE_EXPORT int ipe_digest_list_compute(struct ipe_digest_list *l, const struct ipe_fsverity_params *p,
			    unsigned flags, unsigned jobs);

/* ipe_walk and ipe_digest_list_compute in one call, with the same result:
 * jobs - 1 threads start hashing the first files while the calling thread
 * is still walking, then it hashes too.  Returns what either returns (on
 * an error of the walk, no list). */
IPE_EXPORT int ipe_digest_walk(const char *const *paths, size_t npaths, const struct ipe_walk_params *wp,
			       const struct ipe_fsverity_params *p, unsigned flags, unsigned jobs,
			       struct ipe_digest_list **ret_list);

enum ipe_digest_format {
	IPE_DIGEST_FMT_LINES = 0, /* "ALG:HEX PATH" per OK entry (`fsverity digest`) */
	IPE_DIGEST_FMT_RULES,     /* "# PATH" then "op=OP fsverity_digest=ALG:HEX action=ALLOW" */
	IPE_DIGEST_FMT_JSON,      /* one JSON array of objects, every entry */
};

/* Render the list.  For LINES and RULES only OK entries are printed (the
 * others are for the caller to report); JSON has every entry with its
 * status.  op is used by RULES.  Returns 0, -EINVAL, -ENOMEM; *ret_text is
 * malloc'd and NUL-terminated. */
IPE_EXPORT int ipe_digest_list_render(const struct ipe_digest_list *l, enum ipe_digest_format fmt, enum ipe_op op,
			   char **ret_text, size_t *ret_len);

#ifdef __cplusplus
}
#endif
#endif
