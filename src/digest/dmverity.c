/* SPDX-License-Identifier: MIT */
/* dm-verity root hashes: image pairs (verity superblock via libcryptsetup)
 * and active device-mapper devices. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libcryptsetup.h>
#include <openssl/evp.h>

#include <ipe/digest.h>

#include "util/internal.h"

/* The on-disk verity superblock occupies 512 bytes before the hash area
 * (cryptsetup's format, documented in its "DMVerity" wiki page). */
#define VERITY_SB_SIZE 512u
#define VERITY_MAX_LEVELS 63

static void quiet_log(int level, const char *msg, void *usrptr)
{
	/* the library never prints; the errno returned says what happened */
	(void)level;
	(void)msg;
	(void)usrptr;
}

static int fill_params(struct ipe_dmverity_info *info, const struct crypt_params_verity *vp)
{
	if (!vp->hash_name || strlen(vp->hash_name) >= sizeof(info->root_hash.alg) ||
	    vp->salt_size > IPE_DMVERITY_MAX_SALT || vp->data_block_size == 0 || vp->hash_block_size == 0)
		return -EINVAL;
	strcpy(info->root_hash.alg, vp->hash_name);
	info->hash_type = vp->hash_type;
	info->data_block_size = vp->data_block_size;
	info->hash_block_size = vp->hash_block_size;
	info->salt_size = vp->salt_size;
	if (vp->salt_size)
		memcpy(info->salt, vp->salt, vp->salt_size);
	info->data_blocks = vp->data_size;
	info->hash_offset = vp->hash_area_offset;
	return 0;
}

static int read_exact(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t got = 0;
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO; /* the hash area is truncated */
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	return rc;
}

/* Root hash = hash of the top block of the tree, salted as dm-verity does
 * (format 1: salt first; format 0: salt last).  The top block is the first
 * block of the hash area, or data block 0 when the data is one block. */
static int root_from_stored_tree(const char *data_path, const char *hash_path, struct ipe_dmverity_info *info)
{
	const EVP_MD *md = EVP_get_digestbyname(info->root_hash.alg);
	unsigned bits = 0, levels = 0, dsize;
	EVP_MD_CTX *ctx = NULL;
	uint8_t *block = NULL;
	size_t blen;
	uint64_t pos;
	unsigned int outlen = 0;
	int rc;

	if (!md)
		return -EINVAL;
	dsize = (unsigned)EVP_MD_get_size(md);
	if (dsize == 0 || dsize > IPE_DIGEST_MAX_SIZE || info->hash_block_size < dsize || info->data_blocks == 0)
		return -EINVAL;
	while ((info->hash_block_size / dsize) >> (bits + 1))
		bits++;
	while (bits * levels < 64 && ((info->data_blocks - 1) >> (bits * levels)))
		levels++;
	if (levels > VERITY_MAX_LEVELS)
		return -EINVAL;
	if (levels) {
		pos = (info->hash_offset + VERITY_SB_SIZE + info->hash_block_size - 1) / info->hash_block_size *
		      info->hash_block_size;
		blen = info->hash_block_size;
	} else {
		pos = 0;
		blen = info->data_block_size;
	}
	block = malloc(blen);
	if (!block)
		return -ENOMEM;
	rc = read_exact(levels ? hash_path : data_path, pos, block, blen);
	if (rc < 0)
		goto out;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    (info->hash_type == 1 && EVP_DigestUpdate(ctx, info->salt, info->salt_size) != 1) ||
	    EVP_DigestUpdate(ctx, block, blen) != 1 ||
	    (info->hash_type == 0 && EVP_DigestUpdate(ctx, info->salt, info->salt_size) != 1) ||
	    EVP_DigestFinal_ex(ctx, info->root_hash.bytes, &outlen) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	info->root_hash.size = outlen;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(block);
	return rc;
}

int ipe_dmverity_image(const char *data_path, const char *hash_path, uint64_t hash_offset,
		       unsigned flags, struct ipe_dmverity_info *ret_info)
{
	struct crypt_params_verity load = { 0 }, vp = { 0 };
	struct ipe_dmverity_info info;
	struct crypt_device *cd = NULL;
	struct stat st;
	int rc;

	if (ret_info)
		memset(ret_info, 0, sizeof(*ret_info));
	if (!data_path || !hash_path || !ret_info || (flags & ~IPE_DMVERITY_VERIFY))
		return -EINVAL;
	/* libcryptsetup would wait on a FIFO: only files and block devices */
	if (stat(hash_path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	if (stat(data_path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	memset(&info, 0, sizeof(info));

	rc = crypt_init(&cd, hash_path);
	if (rc < 0)
		goto out;
	crypt_set_log_callback(cd, quiet_log, NULL);
	load.hash_area_offset = hash_offset;
	if (flags & IPE_DMVERITY_VERIFY)
		load.flags = CRYPT_VERITY_CHECK_HASH;
	rc = crypt_load(cd, CRYPT_VERITY, &load);
	if (rc < 0)
		goto out;
	rc = crypt_set_data_device(cd, data_path);
	if (rc < 0)
		goto out;
	rc = crypt_get_verity_info(cd, &vp);
	if (rc < 0)
		goto out;
	rc = fill_params(&info, &vp);
	if (rc < 0)
		goto out;
	info.hash_offset = hash_offset;
	rc = root_from_stored_tree(data_path, hash_path, &info);
	if (rc < 0)
		goto out;
	if (flags & IPE_DMVERITY_VERIFY) {
		/* no name: libcryptsetup only checks the whole tree in userspace */
		rc = crypt_activate_by_volume_key(cd, NULL, (const char *)info.root_hash.bytes,
						  info.root_hash.size, CRYPT_ACTIVATE_READONLY);
		if (rc == -EPERM || rc == -EFAULT)
			rc = -EBADMSG;
		if (rc < 0)
			goto out;
	}
	*ret_info = info;
	rc = 0;
out:
	crypt_free(cd);
	return rc;
}

static int name_of_dev(dev_t dev, char *name, size_t namesz)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/name", major(dev), minor(dev));
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENODEV : -errno;
	n = fread(name, 1, namesz - 1, f);
	fclose(f);
	while (n && (name[n - 1] == '\n'))
		n--;
	if (n == 0 || n >= namesz - 1)
		return -ENODEV;
	name[n] = '\0';
	return 0;
}

static int active_by_name(const char *name, struct ipe_dmverity_info *ret_info)
{
	struct crypt_params_verity vp = { 0 };
	struct ipe_dmverity_info info;
	struct crypt_device *cd = NULL;
	const char *type;
	size_t ksize;
	int rc;

	if (strlen(name) >= sizeof(info.name))
		return -ENAMETOOLONG;
	memset(&info, 0, sizeof(info));
	rc = crypt_init_by_name(&cd, name);
	if (rc < 0)
		goto out;
	crypt_set_log_callback(cd, quiet_log, NULL);
	type = crypt_get_type(cd);
	if (!type || strcmp(type, CRYPT_VERITY) != 0) {
		rc = -EMEDIUMTYPE;
		goto out;
	}
	rc = crypt_get_verity_info(cd, &vp);
	if (rc < 0)
		goto out;
	rc = fill_params(&info, &vp);
	if (rc < 0)
		goto out;
	ksize = sizeof(info.root_hash.bytes);
	rc = crypt_volume_key_get(cd, CRYPT_ANY_SLOT, (char *)info.root_hash.bytes, &ksize, NULL, 0);
	if (rc < 0)
		goto out;
	if (ksize == 0 || ksize > IPE_DIGEST_MAX_SIZE) {
		rc = -EINVAL;
		goto out;
	}
	info.root_hash.size = (uint32_t)ksize;
	info.active = true;
	/* the table carries root_hash_sig_key_desc: the kernel verified a signature */
	info.signature = (vp.flags & CRYPT_VERITY_ROOT_HASH_SIGNATURE) != 0;
	strcpy(info.name, name);
	*ret_info = info;
	rc = 0;
out:
	crypt_free(cd);
	return rc;
}

int ipe_dmverity_for_dev(dev_t dev, struct ipe_dmverity_info *ret_info)
{
	char name[128];
	int rc;

	if (!ret_info)
		return -EINVAL;
	memset(ret_info, 0, sizeof(*ret_info));
	rc = name_of_dev(dev, name, sizeof(name));
	if (rc < 0)
		return rc;
	return active_by_name(name, ret_info);
}

int ipe_dmverity_active(const char *dev, struct ipe_dmverity_info *ret_info)
{
	struct stat st;

	if (ret_info)
		memset(ret_info, 0, sizeof(*ret_info));
	if (!dev || !*dev || !ret_info)
		return -EINVAL;
	if (!strchr(dev, '/'))
		return active_by_name(dev, ret_info);
	if (stat(dev, &st) < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	return ipe_dmverity_for_dev(st.st_rdev, ret_info);
}
