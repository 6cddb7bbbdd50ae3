/* SPDX-License-Identifier: MIT */
/* Events from files: the properties come from the digest code (walk,
 * fs-verity measurement or content digest, the dm-verity volume of the
 * file's device). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipe/digest.h>
#include <ipe/explain.h>

#include "../util/internal.h"
#include "explain-internal.h"

/* The dm-verity state of one device, looked up once per device. */
struct devinfo {
	dev_t dev;
	int rc;                          /* ipe_dmverity_for_dev() */
	struct ipe_dmverity_info info;
};

static const struct devinfo *dev_lookup(struct devinfo **cache, size_t *n, size_t *cap, dev_t dev)
{
	struct devinfo *d;

	for (size_t i = 0; i < *n; i++)
		if ((*cache)[i].dev == dev)
			return &(*cache)[i];
	if (ipe_vec_reserve((void **)cache, cap, *n + 1, sizeof(**cache)) < 0)
		return NULL;
	d = &(*cache)[(*n)++];
	memset(d, 0, sizeof(*d));
	d->dev = dev;
	d->rc = ipe_dmverity_for_dev(dev, &d->info);
	return d;
}

static int set_dmverity(struct ipe_explain_event *e, const struct ipe_explain_files_params *pp,
			const struct devinfo *d)
{
	if (pp->dmv_alg) {
		if (ipe_explain_event_set_dmverity(e, pp->dmv_alg, pp->dmv_roothash, pp->dmv_roothash_len) < 0)
			return -EINVAL;
		e->dmverity_signed = pp->flags & IPE_EXPLAIN_DMVERITY_SIGNATURE;
		return 0;
	}
	if (!d)
		return -ENOMEM;
	if (d->rc == 0) {
		if (ipe_explain_event_set_dmverity(e, d->info.root_hash.alg, d->info.root_hash.bytes,
						   d->info.root_hash.size) < 0)
			return -EINVAL;
		e->dmverity_signed = d->info.signature || (pp->flags & IPE_EXPLAIN_DMVERITY_SIGNATURE);
	} else if (d->rc == -EPERM || d->rc == -EACCES) {
		if (asprintf(&e->unknown, "reading the device-mapper table of its device needs CAP_SYS_ADMIN (%s); "
					  "give --dmverity-roothash", ipe_errno_name(-d->rc)) < 0) {
			e->unknown = NULL;
			return -ENOMEM;
		}
	} else if (d->rc != -ENODEV && d->rc != -EMEDIUMTYPE && d->rc != -ENOENT) {
		if (asprintf(&e->unknown, "the dm-verity state of its device could not be read (%s)",
			     ipe_errno_name(-d->rc) ? ipe_errno_name(-d->rc) : "?") < 0) {
			e->unknown = NULL;
			return -ENOMEM;
		}
	} else if (pp->flags & IPE_EXPLAIN_DMVERITY_SIGNATURE) {
		/* asserted on the command line: on a signed dm-verity volume */
		e->dmverity = true;
		e->dmverity_signed = true;
	}
	return 0;
}

int ipe_explain_files(struct ipe_ctx *ctx, const char *const *paths, size_t npaths, int op,
		      const struct ipe_explain_files_params *pp, struct ipe_explain_event **ret_events,
		      size_t *ret_n, size_t *ret_failed)
{
	struct ipe_walk_params wp = { .version = IPE_WALK_PARAMS_V1 };
	struct ipe_digest_list *l = NULL;
	struct ipe_explain_event *evs = NULL;
	struct devinfo *cache = NULL;
	size_t n = 0, ncache = 0, ccap = 0, failed = 0, cnt;
	int rc;

	if (!ctx || (!paths && npaths) || !pp || pp->version != IPE_EXPLAIN_FILES_V1 || !ret_events || !ret_n ||
	    pp->reserved[0] || pp->reserved[1] || pp->reserved[2] || pp->reserved[3])
		return -EINVAL;
	if (pp->flags & IPE_EXPLAIN_RECURSIVE)
		wp.flags |= IPE_WALK_RECURSIVE;
	if (pp->flags & IPE_EXPLAIN_FOLLOW)
		wp.flags |= IPE_WALK_FOLLOW;
	rc = ipe_walk(paths, npaths, &wp, &l);
	if (rc < 0)
		return rc;
	rc = ipe_digest_list_compute(l, NULL, pp->flags & IPE_EXPLAIN_ASSUME_FSVERITY ? 0 : IPE_DIGEST_MEASURE,
				     pp->jobs);
	if (rc < 0)
		goto out;
	cnt = ipe_digest_list_count(l);
	evs = calloc(cnt ? cnt : 1, sizeof(*evs));
	if (!evs) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cnt; i++) {
		const struct ipe_digest_entry *de = ipe_digest_list_entry(l, i);
		struct ipe_explain_event *e;
		char esc[1024];

		ipe_escape_bytes(esc, sizeof(esc), de->path, strlen(de->path));
		if (de->status == IPE_DIGEST_SKIPPED) {
			ipe_diag_add(ctx, "IPE-X030", IPE_SEV_WARNING, NULL,
				     (pp->flags & IPE_EXPLAIN_RECURSIVE) ? NULL : "use -r to explain the files of a directory",
				     "%s: not explained: %s", esc, de->reason ? de->reason : "not a regular file");
			continue;
		}
		if (de->status == IPE_DIGEST_FAILED) {
			ipe_diag_add(ctx, "IPE-X031", IPE_SEV_ERROR, NULL, NULL, "%s: cannot be examined: %s", esc,
				     de->reason ? de->reason : strerror(-de->err));
			failed++;
			continue;
		}
		e = &evs[n++];
		ipe_explain_event_init(e, op);
		e->path = strdup(de->path);
		if (!e->path) {
			rc = -ENOMEM;
			goto out;
		}
		e->boot_verified = pp->flags & IPE_EXPLAIN_BOOT_VERIFIED;
		if (de->status == IPE_DIGEST_OK) {
			if (ipe_explain_event_set_fsverity(e, de->digest.alg, de->digest.bytes, de->digest.size) < 0) {
				rc = -EINVAL;
				goto out;
			}
			e->fsverity_signed = pp->flags & IPE_EXPLAIN_FSVERITY_SIGNATURE;
		}
		rc = set_dmverity(e, pp, pp->dmv_alg ? NULL : dev_lookup(&cache, &ncache, &ccap, de->dev));
		if (rc < 0)
			goto out;
	}
	*ret_events = evs;
	*ret_n = n;
	if (ret_failed)
		*ret_failed = failed;
	evs = NULL;
	n = 0;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		ipe_explain_event_clear(&evs[i]);
	free(evs);
	free(cache);
	ipe_digest_list_free(l);
	return rc;
}
