/* SPDX-License-Identifier: MIT */
/* Digest the files of a walk in parallel; render the results. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <ipe/diag.h>
#include <ipe/digest.h>

#include "digest/digest-internal.h"
#include "util/internal.h"
#include "util/kwtable.h"
#include "util/sbuf.h"

#define MAX_JOBS 1024u
#define MAX_PROVIDERS 8

/* libfsverity 1.5 hashes each block with EVP_DigestInit_ex(EVP_sha256()), and
 * OpenSSL 3 then fetches the algorithm again from the thread's default library
 * context (name map and method store under read locks, reference counts).
 * When two threads hash at once in the process-wide context, those shared
 * cache lines go back and forth between the cores: ~10-15% more CPU per byte
 * (bench/digest/README.md). So each started hashing thread makes its own
 * library context the thread's default while it hashes, with the providers
 * the process-wide context has active (the calling thread, which hashes too,
 * keeps the process-wide one: ~1 ms of CPU less per context). Not when FIPS properties are the default
 * (they could not be carried over) or a provider does not load: then the
 * threads share the process-wide context, as before. */
struct providers {
	const char *name[MAX_PROVIDERS];
	size_t n;
	bool usable;
};

static int collect_provider(OSSL_PROVIDER *prov, void *arg)
{
	struct providers *pv = arg;

	if (pv->n == MAX_PROVIDERS) {
		pv->usable = false;
		return 0;
	}
	pv->name[pv->n++] = OSSL_PROVIDER_get0_name(prov);
	return 1;
}

static void providers_collect(struct providers *pv)
{
	pv->n = 0;
	pv->usable = OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) == 1 &&
		     !EVP_default_properties_is_fips_enabled(NULL);
	if (pv->usable && OSSL_PROVIDER_do_all(NULL, collect_provider, pv) != 1)
		pv->usable = false;
}

struct thread_crypto {
	OSSL_LIB_CTX *ctx, *prev;
	OSSL_PROVIDER *prov[MAX_PROVIDERS];
	size_t nprov;
};

static void thread_crypto_end(struct thread_crypto *tc)
{
	if (tc->prev)
		OSSL_LIB_CTX_set0_default(tc->prev);
	while (tc->nprov)
		OSSL_PROVIDER_unload(tc->prov[--tc->nprov]);
	OSSL_LIB_CTX_free(tc->ctx);
	*tc = (struct thread_crypto){ 0 };
}

static void thread_crypto_begin(struct thread_crypto *tc, const struct providers *pv)
{
	*tc = (struct thread_crypto){ 0 };
	if (!pv->usable)
		return;
	tc->ctx = OSSL_LIB_CTX_new();
	if (!tc->ctx)
		return;
	for (size_t i = 0; i < pv->n; i++) {
		tc->prov[tc->nprov] = OSSL_PROVIDER_load(tc->ctx, pv->name[i]);
		if (!tc->prov[tc->nprov]) {
			thread_crypto_end(tc);
			return;
		}
		tc->nprov++;
	}
	tc->prev = OSSL_LIB_CTX_set0_default(tc->ctx);
	if (!tc->prev)
		thread_crypto_end(tc);
}

struct pool {
	struct ipe_digest_list *l;
	const struct ipe_fsverity_params *p;
	unsigned flags;
	size_t next;               /* the next entry to look at (under sync.mu) */
	struct ipe_digest_sync *sync;
	struct providers prov;     /* for per-thread library contexts (prov.usable) */
};

/* Digest one file: e and loc are the thread's copies of the entry (the list
 * may move while the walk adds to it); dirfd is the directory it is named
 * relative to, or -1. */
static void digest_one(const struct pool *pl, struct ipe_digest_entry *e, struct ipe_digest_loc *loc, int dirfd,
		       uint8_t *buf)
{
	/* O_NONBLOCK: if a FIFO took the file's place, the open must not block */
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (loc->nofollow ? O_NOFOLLOW : 0);
	struct stat st;
	int fd, rc;

	if (dirfd >= 0)
		fd = openat(dirfd, e->path + loc->name, oflags);
	else
		fd = open(e->path, oflags);
	if (fd < 0) {
		e->err = -errno;
		e->status = IPE_DIGEST_FAILED;
		if (e->err == -ELOOP && loc->nofollow) {
			/* a symlink took the file's place */
			e->err = -ESTALE;
			e->reason = "file replaced during the walk";
		}
		return;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (!loc->deferred && (st.st_dev != e->dev || st.st_ino != e->ino))) {
		rc = -ESTALE;
		e->reason = "file replaced during the walk";
		goto out;
	}
	if (loc->deferred) {
		/* the walk took the name from readdir: this is the file's stat */
		e->dev = st.st_dev;
		e->ino = st.st_ino;
		e->mode = st.st_mode;
		loc->nlink = st.st_nlink;
	}
	if (pl->flags & IPE_DIGEST_MEASURE) {
		rc = ipe_fsverity_measure_fd(fd, &e->digest);
		if (rc == -ENODATA) {
			e->status = IPE_DIGEST_NOT_VERITY;
			e->reason = "fs-verity is not enabled (no fsverity_digest= rule can match)";
			close(fd);
			return;
		}
	} else {
		rc = ipe_fsverity_digest_stat(fd, &st, pl->p, buf, &e->digest);
		if (rc == -ESTALE)
			e->reason = "file changed size while being read";
	}
out:
	close(fd);
	if (rc < 0) {
		e->err = rc;
		e->status = IPE_DIGEST_FAILED;
	} else {
		e->status = IPE_DIGEST_OK;
		e->size = (uint64_t)st.st_size;
	}
}

/* Each thread takes the next pending file of the list (files, not
 * directories, are the unit of work; while the walk runs, it waits for the
 * next one) and reads through its own buffer. */
static void work(struct pool *pl, bool own_ctx)
{
	struct ipe_digest_sync *sy = pl->sync;
	struct ipe_digest_list *l = pl->l;
	uint8_t *buf = malloc(IPE_FSVERITY_READ_BUF); /* NULL: one per file */
	struct thread_crypto tc = { 0 };

	if (own_ctx)
		thread_crypto_begin(&tc, &pl->prov);
	for (;;) {
		struct ipe_digest_entry e;
		struct ipe_digest_loc loc;
		int dirfd = -1;
		size_t i;

		pthread_mutex_lock(&sy->mu);
		for (;;) {
			while (pl->next < l->n && l->e[pl->next].status != IPE_DIGEST_PENDING)
				pl->next++;
			if (pl->next < l->n || !sy->walking || sy->stop)
				break;
			pthread_cond_wait(&sy->cv, &sy->mu);
		}
		if (sy->stop || pl->next >= l->n) {
			pthread_mutex_unlock(&sy->mu);
			break;
		}
		i = pl->next++;
		e = l->e[i];
		loc = l->loc[i];
		if (loc.dir >= 0 && (size_t)loc.dir < l->ndirs)
			dirfd = l->dirfds[loc.dir];
		pthread_mutex_unlock(&sy->mu);

		digest_one(pl, &e, &loc, dirfd, buf);

		pthread_mutex_lock(&sy->mu);
		l->e[i] = e;
		l->loc[i] = loc;
		pthread_mutex_unlock(&sy->mu);
	}
	thread_crypto_end(&tc);
	free(buf);
}

/* The started threads each take a library context of their own; the calling
 * thread keeps the process-wide one (no other thread uses it meanwhile). */
static void *worker(void *arg)
{
	work(arg, true);
	return NULL;
}

static unsigned jobs_default(unsigned jobs)
{
	if (jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = n > 0 ? (unsigned)n : 1;
	}
	return jobs > MAX_JOBS ? MAX_JOBS : jobs;
}

/* Start up to extra hashing threads on pl; returns how many started. */
static unsigned start_threads(struct pool *pl, pthread_t *t, unsigned extra)
{
	unsigned started = 0;

	/* the started threads hash in library contexts of their own (not
	 * with --measure: the kernel computes the digests then) */
	if (!(pl->flags & IPE_DIGEST_MEASURE))
		providers_collect(&pl->prov);
	for (; started < extra; started++)
		if (pthread_create(&t[started], NULL, worker, pl) != 0)
			break; /* the threads started (and the caller) still finish the list */
	return started;
}

static int finish(struct ipe_digest_list *l, pthread_t *t, unsigned started)
{
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	ipe_digest_list_close_dirs(l);
	return ipe_digest_list_drop_links(l);
}

int ipe_digest_list_compute(struct ipe_digest_list *l, const struct ipe_fsverity_params *p,
			    unsigned flags, unsigned jobs)
{
	struct ipe_digest_sync sy = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct pool pl = { .l = l, .p = p, .flags = flags, .sync = &sy };
	pthread_t *t = NULL;
	unsigned started = 0;
	int rc;

	if (!l || (flags & ~IPE_DIGEST_MEASURE) || l->sync)
		return -EINVAL;
	rc = ipe_fsverity_params_check(p);
	if (rc < 0)
		return rc;
	jobs = jobs_default(jobs);
	if ((size_t)jobs > l->n)
		jobs = l->n ? (unsigned)l->n : 1;
	if (jobs > 1) {
		t = calloc(jobs - 1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		started = start_threads(&pl, t, jobs - 1);
	}
	work(&pl, false); /* the calling thread works too */
	rc = finish(l, t, started);
	free(t);
	return rc;
}

int ipe_digest_walk(const char *const *paths, size_t npaths, const struct ipe_walk_params *wp,
		    const struct ipe_fsverity_params *p, unsigned flags, unsigned jobs,
		    struct ipe_digest_list **ret_list)
{
	struct ipe_digest_sync sy = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
				      .walking = true };
	struct ipe_digest_list *l;
	struct pool pl = { .p = p, .flags = flags, .sync = &sy };
	pthread_t *t = NULL;
	unsigned started = 0;
	int rc, wrc;

	if (!ret_list || (flags & ~IPE_DIGEST_MEASURE))
		return -EINVAL;
	rc = ipe_walk_check(paths, npaths, wp);
	if (rc == 0)
		rc = ipe_fsverity_params_check(p);
	if (rc < 0)
		return rc;
	l = ipe_digest_list_new();
	if (!l)
		return -ENOMEM;
	pl.l = l;
	jobs = jobs_default(jobs);
	if (jobs > 1) {
		t = calloc(jobs - 1, sizeof(*t));
		if (!t) {
			ipe_digest_list_free(l);
			return -ENOMEM;
		}
		/* jobs - 1 threads hash while this one walks, then it hashes too */
		l->sync = &sy;
		started = start_threads(&pl, t, jobs - 1);
	}
	wrc = ipe_walk_into(l, paths, npaths, wp);
	pthread_mutex_lock(&sy.mu);
	sy.walking = false;
	sy.stop = wrc < 0;
	pthread_cond_broadcast(&sy.cv);
	pthread_mutex_unlock(&sy.mu);
	if (wrc == 0)
		work(&pl, false);
	rc = finish(l, t, started);
	free(t);
	l->sync = NULL;
	if (wrc < 0 || rc < 0) {
		ipe_digest_list_free(l);
		return wrc < 0 ? wrc : rc;
	}
	*ret_list = l;
	return 0;
}

/* Paths with control bytes (a newline would end a policy comment or a
 * digest line) are shown escaped; every other byte as is. */
static void put_path(struct ipe_sbuf *b, const char *path)
{
	size_t len = strlen(path);
	bool plain = true;

	for (size_t i = 0; i < len && plain; i++)
		plain = (unsigned char)path[i] >= 0x20 && path[i] != 0x7f;
	if (plain) {
		ipe_sbuf_put(b, path, len);
	} else {
		size_t cap = len * 4 + 1;
		char *esc = ipe_sbuf_reserve(b, cap);

		if (esc) {
			b->len += ipe_escape_bytes(esc, cap, path, len);
			b->s[b->len] = '\0';
		}
	}
}

static int cmp_digest_idx(const void *a, const void *b, void *arg)
{
	const struct ipe_digest_entry *e = arg;
	const struct ipe_digest *x = &e[*(const size_t *)a].digest, *y = &e[*(const size_t *)b].digest;
	int c = strcmp(x->alg, y->alg);

	if (!c)
		c = x->size == y->size ? memcmp(x->bytes, y->bytes, x->size) : (x->size < y->size ? -1 : 1);
	if (!c)
		c = *(const size_t *)a < *(const size_t *)b ? -1 : 1;
	return c;
}

/* For each OK entry, the index of the first entry with the same digest. */
static int first_same(const struct ipe_digest_list *l, size_t **ret_first)
{
	size_t *idx = NULL, *first = NULL, n = 0;

	idx = calloc(l->n + 1, sizeof(*idx));
	first = calloc(l->n + 1, sizeof(*first));
	if (!idx || !first) {
		free(idx);
		free(first);
		return -ENOMEM;
	}
	for (size_t i = 0; i < l->n; i++) {
		first[i] = i;
		if (l->e[i].status == IPE_DIGEST_OK)
			idx[n++] = i;
	}
	qsort_r(idx, n, sizeof(*idx), cmp_digest_idx, l->e);
	for (size_t k = 1; k < n; k++) {
		const struct ipe_digest *x = &l->e[idx[k - 1]].digest, *y = &l->e[idx[k]].digest;

		if (strcmp(x->alg, y->alg) == 0 && x->size == y->size && memcmp(x->bytes, y->bytes, x->size) == 0)
			first[idx[k]] = first[idx[k - 1]];
	}
	free(idx);
	*ret_first = first;
	return 0;
}

static const char *status_name(enum ipe_digest_status s)
{
	switch (s) {
	case IPE_DIGEST_PENDING: return "pending";
	case IPE_DIGEST_OK: return "ok";
	case IPE_DIGEST_NOT_VERITY: return "not-verity";
	case IPE_DIGEST_SKIPPED: return "skipped";
	case IPE_DIGEST_FAILED: return "failed";
	}
	return "unknown";
}

static int render_json(const struct ipe_digest_list *l, struct ipe_sbuf *b)
{
	json_object *arr = json_object_new_array();
	char dg[IPE_DIGEST_STRLEN];
	int rc = 0;

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		const struct ipe_digest_entry *e = &l->e[i];
		json_object *o = json_object_new_object();

		if (!o) {
			rc = -ENOMEM;
			break;
		}
		json_object_object_add(o, "path", ipe_json_text(e->path));
		json_object_object_add(o, "status", json_object_new_string(status_name(e->status)));
		if (e->status == IPE_DIGEST_OK && ipe_digest_format(&e->digest, dg, sizeof(dg)) > 0) {
			json_object_object_add(o, "digest", json_object_new_string(dg));
			json_object_object_add(o, "size", json_object_new_uint64(e->size));
		}
		if (e->status == IPE_DIGEST_FAILED) {
			json_object_object_add(o, "error", json_object_new_string(strerror(-e->err)));
			json_object_object_add(o, "errno", json_object_new_int(-e->err));
		}
		if (e->reason)
			json_object_object_add(o, "reason", json_object_new_string(e->reason));
		if (json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			rc = -ENOMEM;
		}
	}
	if (rc == 0) {
		const char *s = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE);

		if (!s)
			rc = -ENOMEM;
		else {
			ipe_sbuf_str(b, s);
			ipe_sbuf_str(b, "\n");
		}
	}
	json_object_put(arr);
	return rc;
}

int ipe_digest_list_render(const struct ipe_digest_list *l, enum ipe_digest_format fmt, enum ipe_op op,
			   char **ret_text, size_t *ret_len)
{
	struct ipe_sbuf b = { 0 };
	char dg[IPE_DIGEST_STRLEN];
	size_t *first = NULL, len;
	char *text;
	int rc = 0;

	if (!l || !ret_text || !ret_len)
		return -EINVAL;
	if (fmt == IPE_DIGEST_FMT_RULES) {
		if (!ipe_op_name(op))
			return -EINVAL;
		rc = first_same(l, &first);
		if (rc < 0)
			return rc;
	} else if (fmt == IPE_DIGEST_FMT_JSON) {
		rc = render_json(l, &b);
	} else if (fmt != IPE_DIGEST_FMT_LINES) {
		return -EINVAL;
	}
	for (size_t i = 0; rc == 0 && fmt != IPE_DIGEST_FMT_JSON && i < l->n; i++) {
		const struct ipe_digest_entry *e = &l->e[i];

		if (e->status != IPE_DIGEST_OK || ipe_digest_format(&e->digest, dg, sizeof(dg)) < 0)
			continue;
		if (fmt == IPE_DIGEST_FMT_LINES) {
			ipe_sbuf_str(&b, dg);
			ipe_sbuf_str(&b, " ");
			put_path(&b, e->path);
			ipe_sbuf_str(&b, "\n");
			continue;
		}
		ipe_sbuf_str(&b, "# ");
		put_path(&b, e->path);
		if (first[i] != i) {
			/* one rule per digest: the rule is above */
			ipe_sbuf_str(&b, " (same content as ");
			put_path(&b, l->e[first[i]].path);
			ipe_sbuf_str(&b, ")\n");
			continue;
		}
		ipe_sbuf_printf(&b, "\n" IPE_KW_OP_KEY "%s %s=%s " IPE_KW_ACTION_KEY "%s\n", ipe_op_name(op),
				ipe_prop_key(IPE_PROP_FSV_DIGEST), dg, ipe_action_name(IPE_ACTION_ALLOW));
	}
	free(first);
	if (rc == 0 && !b.s)
		ipe_sbuf_str(&b, "");
	text = ipe_sbuf_take(&b, &len);
	if (rc < 0) {
		free(text);
		return rc;
	}
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	*ret_len = len;
	return 0;
}
