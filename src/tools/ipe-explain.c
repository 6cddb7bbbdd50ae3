/* SPDX-License-Identifier: MIT */
/* ipe-explain: which rule decides, for files, explicit events and the
 * kernel's audit log, and the rules that would allow what was denied. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <json-c/json.h>

#include <ipe/ctl.h>
#include <ipe/equiv.h>
#include <ipe/explain.h>
#include <ipe/io.h>
#include <ipe/ipe.h>
#include <ipe/sign.h>

#include "cli.h"

static const char prog[] = "ipe-explain";

#define MAX_POLICY_BYTES (64u << 20)
#define MAX_LOG_BYTES (1024u << 20)

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ipe-explain POLICY [OPTIONS] [PATH...]\n"
		"       ipe-explain --active [--securityfs=DIR] [OPTIONS] [PATH...]\n"
		"Say what the kernel's IPE decides for each event under POLICY (policy text\n"
		"or a signed .p7b blob), which rule or DEFAULT decides it, and which\n"
		"properties were used; check the kernel's audit log against the policy;\n"
		"propose rules allowing what was denied.\n"
		"\n"
		"Policy:\n"
		"      --active             explain under the active policy (securityfs)\n"
		"      --securityfs=DIR     securityfs mount (default /sys/kernel/security)\n"
		"      --kernel-config=FILE the kernel's .config or /proc/config.gz: properties\n"
		"                           it was built without are false (default: all on)\n"
		"\n"
		"Events:\n"
		"      --event=SPEC         an explicit event: 'op=OP PROP=VALUE ...' with the\n"
		"                           policy's property syntax, 'path=LABEL', 'nofile'\n"
		"                           (repeatable); properties not given are false\n"
		"      --no-file            a file-less event of --op (anonymous executable\n"
		"                           memory, a module or kexec image from a buffer)\n"
		"      --op=OP              op of PATH, --no-file and --event events\n"
		"                           (default EXECUTE)\n"
		"      --audit=LOG          the kernel's IPE_ACCESS records (type 1420) from a raw\n"
		"                           audit.log, `ausearch --raw`, dmesg or journalctl -k\n"
		"                           ('-' = stdin): each distinct event is explained and\n"
		"                           the logged rule compared with the predicted one\n"
		"      --root=DIR           look up logged paths under DIR (default /)\n"
		"\n"
		"Files (PATH... and logged files):\n"
		"  -r, --recursive          explain every file below directories\n"
		"      --follow             follow symlinks found inside directories\n"
		"      --assume-fsverity    fs-verity digest computed from the content as if\n"
		"                           fs-verity were enabled (default: the kernel's\n"
		"                           measurement; files without fs-verity have none)\n"
		"      --boot-verified      the files are on the initramfs (boot_verified=TRUE)\n"
		"      --dmverity-roothash=ALG:HEX  the files are on a dm-verity volume with this\n"
		"                           root hash (default: found through the file's device)\n"
		"      --dmverity-signature the volume was opened with a verified root hash\n"
		"                           signature (dmverity_signature=TRUE)\n"
		"      --fsverity-signature files with fs-verity have a verified builtin\n"
		"                           signature (fsverity_signature=TRUE)\n"
		"\n"
		"Output:\n"
		"  -f, --format=FMT         text (default) or json\n"
		"      --expect=allow|deny  exit 1 if any event is decided otherwise\n"
		"      --propose=KIND       fsverity or dmverity: write to -o a policy that also\n"
		"                           allows the denied events, one pinned rule per file\n"
		"                           digest or volume root hash, proven by equivalence\n"
		"  -o, --output=NEW         where --propose writes (never an input; '-' = stdout)\n"
		"  -q, --quiet              print only the summary and problems\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Exit status:\n"
		"  0  every event explained (and as --expect says)\n"
		"  1  an event decided against --expect, a logged rule that differs from the\n"
		"     predicted one, a policy the kernel rejects, or a proposal not written\n"
		"  2  an input could not be read or the output not written\n"
		"  3  usage error\n"
		"\n"
		"See ipe-explain(1).\n");
}

enum { FMT_TEXT, FMT_JSON };

struct opts {
	const char *policy;
	bool active;
	const char *securityfs;
	const char *kconfig;
	char **specs;
	size_t nspecs;
	bool no_file;
	int op;
	const char *audit;
	const char *root;
	int format;
	int expect;       /* -1 none, else enum ipe_action */
	int propose;      /* -1 none, else enum ipe_propose_kind */
	const char *output;
	bool quiet;
	struct ipe_explain_files_params files;
	const char *dmv_spec;
	char **paths;
	size_t npaths;
};

/* One explained event. */
struct item {
	struct ipe_explain_event ev;
	struct ipe_explanation x;
	int match;        /* audit: 1 logged rule = predicted, 0 differs, -1 not checked */
};

struct run {
	struct ipe_ctx *ctx;
	struct ipe_policy *p;      /* NULL: no active policy */
	const char *policy_name;   /* display */
	struct ipe_eval_kernel kernel;
	struct item *items;
	size_t nitems, cap;
	struct ipe_audit_log *log;
	uint8_t *log_data;
	size_t mismatches, unexpected, unchecked;
	size_t failed;                     /* files that could not be examined */
};

static int usage_error(const char *msg)
{
	cli_error(prog, "%s (see --help)", msg);
	return CLI_EXIT_USAGE;
}

static bool looks_signed(const uint8_t *d, size_t len)
{
	return len > 0 && d[0] == 0x30;
}

/* Load POLICY (text or signed blob) or the active policy. */
static int load_policy(struct run *r, const struct opts *o)
{
	uint8_t *data = NULL, *inner = NULL;
	size_t len = 0, inner_len = 0;
	struct ipe_ctl_status *st = NULL;
	char *path = NULL;
	const char *label = o->policy;
	uint32_t src;
	int rc, ret = CLI_EXIT_INPUT;

	if (o->active) {
		const struct ipe_ctl_policy *ap;

		rc = ipe_ctl_status_read(o->securityfs, &st);
		if (rc < 0) {
			cli_error(prog, "cannot read securityfs: %s", cli_strerror(rc));
			goto out;
		}
		if (!st->tree_present) {
			cli_error(prog, "%s/ipe does not exist: IPE is not enabled in this kernel or securityfs is not mounted",
				  st->root);
			goto out;
		}
		ap = ipe_ctl_status_active(st);
		if (!ap) {
			if (!st->active_known) {
				cli_error(prog, "cannot tell which policy is active (reading %s/ipe/policies/*/active needs root)",
					  st->root);
				goto out;
			}
			r->policy_name = "no active policy";
			r->p = NULL;
			ret = 0;
			goto out;
		}
		if (asprintf(&path, "%s/ipe/policies/%s/policy", st->root, ap->name) < 0) {
			path = NULL;
			cli_error(prog, "out of memory");
			goto out;
		}
		label = path;
	}
	rc = ipe_read_file(label, MAX_POLICY_BYTES, &data, &len);
	if (rc < 0) {
		cli_error(prog, "cannot read %s: %s", label, cli_strerror(rc));
		goto out;
	}
	if (looks_signed(data, len) && ipe_blob_extract(r->ctx, data, len, &inner, &inner_len) == 0) {
		rc = ipe_source_from_memory(r->ctx, label, inner, inner_len, true, &src);
	} else {
		ipe_ctx_diag_clear(r->ctx);
		rc = ipe_source_from_memory(r->ctx, label, data, len, true, &src);
	}
	if (rc == 0)
		rc = ipe_policy_parse(r->ctx, src, &r->p);
	if (rc < 0) {
		cli_error(prog, "%s: %s", label, cli_strerror(rc));
		goto out;
	}
	r->policy_name = ipe_source_name(ipe_ctx_source(r->ctx, src));
	if (ipe_policy_verdict(r->p)->err) {
		cli_print_diags(r->ctx, stderr, 0);
		cli_error(prog, "%s: the kernel rejects this policy (%s): it decides nothing", label,
			  ipe_errno_name(ipe_policy_verdict(r->p)->err) ? ipe_errno_name(ipe_policy_verdict(r->p)->err) : "?");
		ret = CLI_EXIT_FINDINGS;
		goto out;
	}
	ret = 0;
out:
	ipe_ctl_status_free(st);
	free(path);
	free(data);
	free(inner);
	return ret;
}

static struct item *new_item(struct run *r)
{
	if (r->nitems == r->cap) {
		size_t ncap = r->cap ? 2 * r->cap : 16;
		struct item *n = realloc(r->items, ncap * sizeof(*n));

		if (!n)
			return NULL;
		r->items = n;
		r->cap = ncap;
	}
	memset(&r->items[r->nitems], 0, sizeof(r->items[0]));
	r->items[r->nitems].match = -1;
	return &r->items[r->nitems++];
}

/* Properties of a logged file that the record alone does not give: from
 * the file itself, looked up under --root. */
static int audit_file_props(const struct opts *o, int rootfd, const struct ipe_audit_record *rec,
			    struct ipe_explain_event *e)
{
	struct ipe_explain_event *evs = NULL;
	struct ipe_ctx *scratch = NULL;
	size_t n = 0, failed = 0;
	char *full = NULL;
	const char *one;
	int rc, fd = -1;

	if (ipe_audit_dev_properties(rec->dev, e))
		return 0;
	if (!rec->path)
		return asprintf(&e->unknown, "the kernel could not print the file's path") < 0 ? -ENOMEM : 0;
	if (rec->path[0] != '/')
		return asprintf(&e->unknown, "not an absolute path (the kernel logs absolute paths)") < 0 ? -ENOMEM : 0;
	if (o->root) {
		/* resolve inside the root: "..", absolute symlinks of the image
		 * stay below it (openat2 RESOLVE_IN_ROOT) */
		struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };

		fd = (int)syscall(SYS_openat2, rootfd, rec->path + 1, &how, sizeof(how));
		if (fd < 0)
			return asprintf(&e->unknown, "not found under %s: %s", o->root, strerror(errno)) < 0 ? -ENOMEM : 0;
		if (asprintf(&full, "/proc/self/fd/%d", fd) < 0) {
			close(fd);
			return -ENOMEM;
		}
	} else if (!(full = strdup(rec->path))) {
		return -ENOMEM;
	}
	one = full;
	rc = ipe_ctx_new(&scratch);
	if (rc == 0)
		rc = ipe_explain_files(scratch, &one, 1, e->op, &o->files, &evs, &n, &failed);
	if (rc == 0 && n == 1) {
		char *path = e->path;
		const struct ipe_audit_record *a = e->audit;

		/* keep the logged path and record; take the file's properties */
		free(evs[0].path);
		*e = evs[0];
		e->path = path;
		e->audit = a;
		e->op = rec->op;
	} else if (rc == 0 || rc == -E2BIG) {
		const char *why = ipe_ctx_diag_count(scratch) ? ipe_ctx_diag(scratch, 0)->message : "not a regular file";

		rc = asprintf(&e->unknown, "%s", why) < 0 ? -ENOMEM : 0;
	}
	free(evs);
	free(full);
	if (fd >= 0)
		close(fd);
	ipe_ctx_free(scratch);
	return rc;
}

static int collect_audit(struct run *r, const struct opts *o)
{
	size_t len = 0;
	int rc, rootfd = -1, ret = CLI_EXIT_INPUT;

	if (o->root) {
		rootfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			cli_error(prog, "--root %s: %s", o->root, strerror(errno));
			return CLI_EXIT_INPUT;
		}
	}
	rc = ipe_read_file(o->audit, MAX_LOG_BYTES, &r->log_data, &len);
	if (rc < 0) {
		cli_error(prog, "cannot read %s: %s", o->audit, cli_strerror(rc));
		goto out;
	}
	rc = ipe_audit_parse(r->ctx, o->audit, r->log_data, len, &r->log);
	if (rc < 0) {
		cli_error(prog, "%s: %s", o->audit, cli_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < r->log->nrecords; i++) {
		const struct ipe_audit_record *rec = &r->log->records[i];
		struct item *it = new_item(r);

		if (!it)
			goto out;
		ipe_explain_event_init(&it->ev, rec->op);
		it->ev.audit = rec;
		it->ev.has_file = rec->has_file;
		if (rec->path && !(it->ev.path = strdup(rec->path)))
			goto out;
		if (rec->has_file && audit_file_props(o, rootfd, rec, &it->ev) < 0) {
			cli_error(prog, "out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	return ret;
}

static int explain_all(struct run *r, const struct opts *o)
{
	struct ipe_eval_index *idx = NULL;

	if (r->p && r->nitems > 1 && ipe_eval_index_new(r->p, &r->kernel, &idx) < 0) {
		cli_error(prog, "out of memory");
		return CLI_EXIT_INPUT;
	}
	for (size_t i = 0; i < r->nitems; i++) {
		struct item *it = &r->items[i];
		int rc = ipe_explain(r->p, idx, &it->ev, &r->kernel, &it->x);

		if (rc < 0) {
			cli_error(prog, "cannot explain event %zu: %s", i + 1, cli_strerror(rc));
			ipe_eval_index_free(idx);
			return CLI_EXIT_INPUT;
		}
		if (it->ev.audit) {
			if (it->ev.unknown) {
				r->unchecked++;
			} else {
				it->match = strcmp(it->x.audit_rule, it->ev.audit->rule) == 0;
				if (!it->match)
					r->mismatches++;
			}
		}
		if (o->expect >= 0 && (int)it->x.decision.action != o->expect)
			r->unexpected++;
	}
	ipe_eval_index_free(idx);
	return 0;
}

static const char *label_of(const struct item *it)
{
	if (it->ev.path)
		return it->ev.path;
	return it->ev.has_file ? "(file)" : "(no file)";
}

static const char *op_label(int op)
{
	return op >= 0 && op < IPE_OP_COUNT ? ipe_op_name((enum ipe_op)op) : "UNKNOWN";
}

static void print_text_item(const struct run *r, const struct opts *o, const struct item *it, FILE *out)
{
	char esc[1024], *how = NULL, *props = NULL;

	ipe_escape_bytes(esc, sizeof(esc), label_of(it), strlen(label_of(it)));
	if (r->p)
		ipe_decision_format(r->p, it->x.op, &it->x.decision, &how);
	ipe_explain_event_props_format(&it->ev, &props);
	fprintf(out, "%s: %s: %s\n", esc, it->ev.audit ? it->ev.audit->op_name : op_label(it->ev.op),
		how ? how : "ALLOW: no active policy");
	fprintf(out, "  properties: %s\n", props ? props : "?");
	if (it->ev.unknown)
		fprintf(out, "  uncertain: %s\n", it->ev.unknown);
	if (it->ev.audit) {
		const struct ipe_audit_record *rec = it->ev.audit;

		fprintf(out, "  audit: %s:%u: %zu record%s, hook %s, enforcing=%d\n", o->audit, rec->line, rec->count,
			rec->count == 1 ? "" : "s", rec->hook, rec->enforcing);
		if (it->match == 1)
			fprintf(out, "  logged rule matches: \"%s\"\n", rec->rule);
		else if (it->match == 0)
			fprintf(out, "  MISMATCH: the kernel logged rule=\"%s\" but %s decides by \"%s\"\n", rec->rule,
				r->policy_name, it->x.audit_rule);
		else
			fprintf(out, "  logged rule not checked (properties unknown): \"%s\"\n", rec->rule);
	}
	free(how);
	free(props);
}

struct tally {
	size_t allowed[IPE_OP_COUNT + 1], denied[IPE_OP_COUNT + 1];
};

static void count(const struct run *r, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < r->nitems; i++) {
		int op = r->items[i].ev.op;
		size_t slot = op >= 0 && op < IPE_OP_COUNT ? (size_t)op : IPE_OP_COUNT;

		if (r->items[i].x.decision.action == IPE_ACTION_DENY)
			t->denied[slot]++;
		else
			t->allowed[slot]++;
	}
}

static void print_text_summary(const struct run *r, const struct opts *o, FILE *out)
{
	struct tally t;
	size_t na = 0, nd = 0;

	count(r, &t);
	fprintf(out, "summary (%s):", r->policy_name);
	for (size_t s = 0; s <= IPE_OP_COUNT; s++) {
		if (!t.allowed[s] && !t.denied[s])
			continue;
		fprintf(out, " %s %zu allowed %zu denied;", op_label(s < IPE_OP_COUNT ? (int)s : -1), t.allowed[s],
			t.denied[s]);
		na += t.allowed[s];
		nd += t.denied[s];
	}
	fprintf(out, " total %zu event%s: %zu allowed, %zu denied\n", r->nitems, r->nitems == 1 ? "" : "s", na, nd);
	if (r->log)
		fprintf(out, "audit: %zu IPE access record%s in %zu lines, %zu distinct event%s, %zu mismatch%s, %zu not checked\n",
			r->log->nipe, r->log->nipe == 1 ? "" : "s", r->log->nlines, r->log->nrecords,
			r->log->nrecords == 1 ? "" : "s", r->mismatches, r->mismatches == 1 ? "" : "es", r->unchecked);
	if (o->expect >= 0)
		fprintf(out, "expect %s: %zu event%s decided otherwise\n", o->expect == IPE_ACTION_ALLOW ? "allow" : "deny",
			r->unexpected, r->unexpected == 1 ? "" : "s");
}

static json_object *jdigest(const char *alg, const uint8_t *d, size_t len)
{
	char buf[IPE_EXPLAIN_ALG_MAX + 2 * IPE_EXPLAIN_DIGEST_MAX + 2];
	size_t n = strlen(alg);
	int h;

	memcpy(buf, alg, n);
	buf[n++] = ':';
	h = ipe_hex_format(buf + n, sizeof(buf) - n, d, len);
	return h < 0 ? NULL : json_object_new_string_len(buf, (int)n + h);
}

static json_object *jprops(const struct ipe_explain_event *e)
{
	json_object *o = json_object_new_object();
	bool f = e->has_file;

	json_object_object_add(o, "file", json_object_new_boolean(f));
	json_object_object_add(o, ipe_prop_key(IPE_PROP_BOOT_VERIFIED_TRUE), json_object_new_boolean(f && e->boot_verified));
	json_object_object_add(o, ipe_prop_key(IPE_PROP_DMV_ROOTHASH),
			       f && e->dmverity && (e->dmv_alg[0] || e->dmv_roothash_len)
				       ? jdigest(e->dmv_alg, e->dmv_roothash, e->dmv_roothash_len)
				       : NULL);
	json_object_object_add(o, ipe_prop_key(IPE_PROP_DMV_SIG_TRUE),
			       json_object_new_boolean(f && e->dmverity && e->dmverity_signed));
	json_object_object_add(o, ipe_prop_key(IPE_PROP_FSV_DIGEST),
			       f && e->fsverity && (e->fsv_alg[0] || e->fsv_digest_len)
				       ? jdigest(e->fsv_alg, e->fsv_digest, e->fsv_digest_len)
				       : NULL);
	json_object_object_add(o, ipe_prop_key(IPE_PROP_FSV_SIG_TRUE),
			       json_object_new_boolean(f && e->fsverity && e->fsverity_signed));
	return o;
}

static const char *by_name(enum ipe_decided_by by)
{
	switch (by) {
	case IPE_DECIDED_BY_RULE:
		return "rule";
	case IPE_DECIDED_BY_OP_DEFAULT:
		return "op_default";
	case IPE_DECIDED_BY_GLOBAL_DEFAULT:
		return "global_default";
	default:
		return "none";
	}
}

static json_object *json_report(const struct run *r, const struct opts *o, const struct ipe_proposal *pr)
{
	json_object *root = json_object_new_object(), *evs = json_object_new_array(), *sum = json_object_new_object();
	struct tally t;
	size_t na = 0, nd = 0;

	for (size_t i = 0; i < r->nitems; i++) {
		const struct item *it = &r->items[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "path", it->ev.path ? json_object_new_string(it->ev.path) : NULL);
		json_object_object_add(e, "op", json_object_new_string(it->ev.audit ? it->ev.audit->op_name
										     : op_label(it->ev.op)));
		json_object_object_add(e, "decision", json_object_new_string(ipe_action_name(it->x.decision.action)));
		json_object_object_add(e, "line", it->x.line ? json_object_new_int64(it->x.line) : NULL);
		json_object_object_add(e, "rule", json_object_new_string(it->x.rule));
		json_object_object_add(e, "decided_by", json_object_new_string(by_name(it->x.decision.by)));
		json_object_object_add(e, "properties", jprops(&it->ev));
		if (it->ev.unknown)
			json_object_object_add(e, "uncertain", json_object_new_string(it->ev.unknown));
		if (it->ev.audit) {
			const struct ipe_audit_record *rec = it->ev.audit;
			json_object *a = json_object_new_object();

			json_object_object_add(a, "line", json_object_new_int64(rec->line));
			json_object_object_add(a, "count", json_object_new_int64((int64_t)rec->count));
			json_object_object_add(a, "hook", json_object_new_string(rec->hook));
			json_object_object_add(a, "enforcing", json_object_new_int(rec->enforcing));
			json_object_object_add(a, "pid", json_object_new_int64(rec->pid));
			json_object_object_add(a, "comm", rec->comm ? json_object_new_string(rec->comm) : NULL);
			json_object_object_add(a, "dev", rec->dev ? json_object_new_string(rec->dev) : NULL);
			json_object_object_add(a, "ino", json_object_new_int64((int64_t)rec->ino));
			json_object_object_add(a, "logged_rule", json_object_new_string(rec->rule));
			json_object_object_add(a, "predicted_rule", json_object_new_string(it->x.audit_rule));
			json_object_object_add(a, "rule_matches", it->match < 0 ? NULL : json_object_new_boolean(it->match));
			json_object_object_add(e, "audit", a);
		}
		json_object_array_add(evs, e);
	}
	count(r, &t);
	for (size_t s = 0; s <= IPE_OP_COUNT; s++) {
		json_object *c;

		if (!t.allowed[s] && !t.denied[s])
			continue;
		c = json_object_new_object();
		json_object_object_add(c, "allowed", json_object_new_int64((int64_t)t.allowed[s]));
		json_object_object_add(c, "denied", json_object_new_int64((int64_t)t.denied[s]));
		json_object_object_add(sum, op_label(s < IPE_OP_COUNT ? (int)s : -1), c);
		na += t.allowed[s];
		nd += t.denied[s];
	}
	{
		json_object *c = json_object_new_object();

		json_object_object_add(c, "events", json_object_new_int64((int64_t)r->nitems));
		json_object_object_add(c, "allowed", json_object_new_int64((int64_t)na));
		json_object_object_add(c, "denied", json_object_new_int64((int64_t)nd));
		json_object_object_add(sum, "total", c);
	}
	if (r->log) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "records", json_object_new_int64((int64_t)r->log->nipe));
		json_object_object_add(a, "distinct_events", json_object_new_int64((int64_t)r->log->nrecords));
		json_object_object_add(a, "mismatches", json_object_new_int64((int64_t)r->mismatches));
		json_object_object_add(a, "not_checked", json_object_new_int64((int64_t)r->unchecked));
		json_object_object_add(sum, "audit", a);
	}
	if (o->expect >= 0)
		json_object_object_add(sum, "unexpected", json_object_new_int64((int64_t)r->unexpected));
	json_object_object_add(root, "policy", json_object_new_string(r->policy_name));
	json_object_object_add(root, "events", evs);
	json_object_object_add(root, "summary", sum);
	if (pr) {
		json_object *p = json_object_new_object(), *rules = json_object_new_array(), *sk = json_object_new_array();

		for (size_t i = 0; i < pr->nrules; i++) {
			json_object *x = json_object_new_object();

			json_object_object_add(x, "rule", json_object_new_string(pr->rules[i].text));
			json_object_object_add(x, "comment", json_object_new_string(pr->rules[i].comment ? pr->rules[i].comment : ""));
			json_object_object_add(x, "before_line",
					       pr->rules[i].before_line ? json_object_new_int64(pr->rules[i].before_line) : NULL);
			json_object_object_add(x, "events", json_object_new_int64((int64_t)pr->rules[i].nevents));
			json_object_array_add(rules, x);
		}
		for (size_t i = 0; i < pr->nskipped; i++) {
			json_object *x = json_object_new_object();
			const struct item *it = &r->items[pr->skipped[i].event];

			json_object_object_add(x, "path", it->ev.path ? json_object_new_string(it->ev.path) : NULL);
			json_object_object_add(x, "op", json_object_new_string(op_label(it->ev.op)));
			json_object_object_add(x, "why", json_object_new_string(pr->skipped[i].why));
			json_object_array_add(sk, x);
		}
		json_object_object_add(p, "output", o->output ? json_object_new_string(o->output) : NULL);
		json_object_object_add(p, "written", json_object_new_boolean(pr->text != NULL));
		json_object_object_add(p, "proven", json_object_new_boolean(pr->proven));
		if (pr->text) {
			char v[24];

			snprintf(v, sizeof(v), "%u.%u.%u", pr->version[0], pr->version[1], pr->version[2]);
			json_object_object_add(p, "version", json_object_new_string(v));
		}
		json_object_object_add(p, "rules", rules);
		json_object_object_add(p, "unpinned", sk);
		json_object_object_add(p, "already_allowed", json_object_new_int64((int64_t)pr->nalready));
		json_object_object_add(p, "difference", pr->difference ? json_object_new_string(pr->difference) : NULL);
		json_object_object_add(root, "proposal", p);
	}
	return root;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!a || !b || strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
		return false;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return false;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int do_propose(struct run *r, const struct opts *o, struct ipe_proposal *pr, FILE *msg)
{
	struct ipe_explain_event *evs;
	int rc;

	if (!r->p) {
		cli_error(prog, "--propose needs a policy (there is no active policy)");
		return CLI_EXIT_FINDINGS;
	}
	evs = calloc(r->nitems ? r->nitems : 1, sizeof(*evs));
	if (!evs)
		return CLI_EXIT_INPUT;
	for (size_t i = 0; i < r->nitems; i++)
		evs[i] = r->items[i].ev; /* shallow: the library only reads */
	rc = ipe_explain_propose(r->ctx, r->p, evs, r->nitems, (enum ipe_propose_kind)o->propose, &r->kernel, pr);
	free(evs);
	if (rc < 0) {
		cli_print_diags(r->ctx, stderr, 0);
		cli_error(prog, "no proposal written: %s", cli_strerror(rc));
		return rc == -ENOMEM ? CLI_EXIT_INPUT : CLI_EXIT_FINDINGS;
	}
	for (size_t i = 0; i < pr->nskipped; i++) {
		const struct item *it = &r->items[pr->skipped[i].event];
		char esc[1024];

		ipe_escape_bytes(esc, sizeof(esc), label_of(it), strlen(label_of(it)));
		fprintf(msg, "not pinned: %s (%s): %s\n", esc, op_label(it->ev.op), pr->skipped[i].why);
	}
	if (!pr->text) {
		fprintf(msg, "proposal: nothing to add (%zu event%s already allowed, %zu not pinned); %s not written\n",
			pr->nalready, pr->nalready == 1 ? "" : "s", pr->nskipped, o->output);
		return 0;
	}
	for (size_t i = 0; i < pr->nrules; i++) {
		if (pr->rules[i].before_line)
			fprintf(msg, "proposal: + %s   (before line %u; %zu event%s)\n", pr->rules[i].text,
				pr->rules[i].before_line, pr->rules[i].nevents, pr->rules[i].nevents == 1 ? "" : "s");
		else
			fprintf(msg, "proposal: + %s   (at the end; %zu event%s)\n", pr->rules[i].text,
				pr->rules[i].nevents, pr->rules[i].nevents == 1 ? "" : "s");
	}
	uint16_t pv[3];

	ipe_policy_version(r->p, pv);
	fprintf(msg, "proposal: version %u.%u.%u -> %u.%u.%u\n", pv[0], pv[1], pv[2],
		pr->version[0], pr->version[1], pr->version[2]);
	fprintf(msg, "proposal: proven by equivalence: only the events the new rules pin change (DENY -> ALLOW); e.g. %s\n",
		pr->difference);
	if (o->files.flags & IPE_EXPLAIN_ASSUME_FSVERITY)
		fprintf(msg, "proposal: the digests were computed with --assume-fsverity: the rules match only once fs-verity is enabled on those files (`fsverity enable FILE`)\n");
	rc = ipe_write_file_atomic(o->output, pr->text, pr->text_len, 0644);
	if (rc < 0) {
		cli_error(prog, "cannot write %s: %s", o->output, cli_strerror(rc));
		return CLI_EXIT_INPUT;
	}
	if (strcmp(o->output, "-") != 0)
		fprintf(msg, "proposal: written to %s\n", o->output);
	return 0;
}

enum {
	OPT_ACTIVE = 256,
	OPT_SECURITYFS,
	OPT_KCONFIG,
	OPT_EVENT,
	OPT_NO_FILE,
	OPT_OP,
	OPT_AUDIT,
	OPT_ROOT,
	OPT_EXPECT,
	OPT_PROPOSE,
	OPT_ASSUME_FSV,
	OPT_BOOT_VERIFIED,
	OPT_DMV_ROOTHASH,
	OPT_DMV_SIG,
	OPT_FSV_SIG,
	OPT_FOLLOW,
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "active", no_argument, NULL, OPT_ACTIVE },
		{ "securityfs", required_argument, NULL, OPT_SECURITYFS },
		{ "kernel-config", required_argument, NULL, OPT_KCONFIG },
		{ "event", required_argument, NULL, OPT_EVENT },
		{ "no-file", no_argument, NULL, OPT_NO_FILE },
		{ "op", required_argument, NULL, OPT_OP },
		{ "audit", required_argument, NULL, OPT_AUDIT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "format", required_argument, NULL, 'f' },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "propose", required_argument, NULL, OPT_PROPOSE },
		{ "output", required_argument, NULL, 'o' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "assume-fsverity", no_argument, NULL, OPT_ASSUME_FSV },
		{ "boot-verified", no_argument, NULL, OPT_BOOT_VERIFIED },
		{ "dmverity-roothash", required_argument, NULL, OPT_DMV_ROOTHASH },
		{ "dmverity-signature", no_argument, NULL, OPT_DMV_SIG },
		{ "fsverity-signature", no_argument, NULL, OPT_FSV_SIG },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c;

	o->op = IPE_OP_EXECUTE;
	o->files.version = IPE_EXPLAIN_FILES_V1;
	o->expect = -1;
	o->propose = -1;
	while ((c = getopt_long(argc, argv, "f:o:rqhV", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_ACTIVE:
			o->active = true;
			break;
		case OPT_SECURITYFS:
			o->securityfs = optarg;
			break;
		case OPT_KCONFIG:
			o->kconfig = optarg;
			break;
		case OPT_EVENT: {
			char **n = realloc(o->specs, (o->nspecs + 1) * sizeof(*n));

			if (!n)
				return usage_error("out of memory");
			o->specs = n;
			o->specs[o->nspecs++] = optarg;
			break;
		}
		case OPT_NO_FILE:
			o->no_file = true;
			break;
		case OPT_OP:
			o->op = cli_parse_op(optarg);
			if (o->op == IPE_OP_INVALID) {
				char ops[160], msg[200];

				snprintf(msg, sizeof(msg), "--op must be %s", cli_op_list(ops, sizeof(ops)));
				return usage_error(msg);
			}
			break;
		case OPT_AUDIT:
			if (o->audit)
				return usage_error("--audit given twice (concatenate the logs)");
			o->audit = optarg;
			break;
		case OPT_ROOT:
			o->root = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = FMT_JSON;
			else
				return usage_error("--format must be text or json");
			break;
		case OPT_EXPECT:
			if (strcmp(optarg, "allow") == 0)
				o->expect = IPE_ACTION_ALLOW;
			else if (strcmp(optarg, "deny") == 0)
				o->expect = IPE_ACTION_DENY;
			else
				return usage_error("--expect must be allow or deny");
			break;
		case OPT_PROPOSE:
			if (strcmp(optarg, "fsverity") == 0)
				o->propose = IPE_PROPOSE_FSVERITY;
			else if (strcmp(optarg, "dmverity") == 0)
				o->propose = IPE_PROPOSE_DMVERITY;
			else
				return usage_error("--propose must be fsverity or dmverity");
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'r':
			o->files.flags |= IPE_EXPLAIN_RECURSIVE;
			break;
		case OPT_ASSUME_FSV:
			o->files.flags |= IPE_EXPLAIN_ASSUME_FSVERITY;
			break;
		case OPT_BOOT_VERIFIED:
			o->files.flags |= IPE_EXPLAIN_BOOT_VERIFIED;
			break;
		case OPT_DMV_ROOTHASH:
			o->dmv_spec = optarg;
			break;
		case OPT_DMV_SIG:
			o->files.flags |= IPE_EXPLAIN_DMVERITY_SIGNATURE;
			break;
		case OPT_FOLLOW:
			o->files.flags |= IPE_EXPLAIN_FOLLOW;
			break;
		case OPT_FSV_SIG:
			o->files.flags |= IPE_EXPLAIN_FSVERITY_SIGNATURE;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			cli_print_version(prog);
			return -1;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (!o->active) {
		if (optind >= argc)
			return usage_error("no POLICY given (or use --active)");
		o->policy = argv[optind++];
	}
	o->paths = argv + optind;
	o->npaths = (size_t)(argc - optind);
	if (o->securityfs && !o->active)
		return usage_error("--securityfs needs --active");
	if (o->root && !o->audit)
		return usage_error("--root maps logged paths: it needs --audit");
	if (o->propose >= 0 && !o->output)
		return usage_error("--propose needs -o NEW (where to write the new policy)");
	if (o->output && o->propose < 0)
		return usage_error("-o is where --propose writes: give --propose=fsverity|dmverity");
	if (o->output && o->propose >= 0 && o->format == FMT_JSON && strcmp(o->output, "-") == 0)
		return usage_error("-o - with --format=json would mix the policy and the report on stdout");
	if (o->output && (same_file(o->output, o->policy) || same_file(o->output, o->audit)))
		return usage_error("-o names an input file: refusing to overwrite it");
	if ((o->files.flags || o->dmv_spec) && !o->npaths && !o->audit)
		return usage_error("file property options apply to PATH... and --audit files only");
	if (!o->nspecs && !o->no_file && !o->audit && !o->npaths)
		return usage_error("no events: give PATH..., --event, --no-file or --audit");
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct run r = { 0 };
	struct ipe_proposal pr = { 0 };
	struct ipe_explain_event dmv;
	bool have_pr = false;
	FILE *out = stdout, *msg;
	int ret, rc;

	ipe_explain_event_init(&dmv, IPE_OP_EXECUTE);
	ret = parse_args(argc, argv, &o);
	if (ret) {
		ret = ret < 0 ? 0 : ret;
		goto out;
	}
	/* the report goes to stdout; with -o - the policy does, so the report goes to stderr */
	if (o.output && strcmp(o.output, "-") == 0)
		out = stderr;
	msg = o.format == FMT_JSON ? stderr : out;
	ipe_eval_kernel_all(&r.kernel);
	if (o.kconfig && cli_read_kconfig(prog, o.kconfig, &r.kernel) != CLI_EXIT_OK) {
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	if (ipe_ctx_new(&r.ctx) < 0) {
		cli_error(prog, "out of memory");
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	if (o.dmv_spec) {
		char *spec = NULL;

		if (asprintf(&spec, "%s=%s", ipe_prop_key(IPE_PROP_DMV_ROOTHASH), o.dmv_spec) < 0) {
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		rc = ipe_explain_event_parse(r.ctx, spec, o.op, &dmv);
		free(spec);
		if (rc < 0 || !dmv.dmv_alg[0] || !dmv.dmv_roothash_len) {
			cli_print_diags(r.ctx, stderr, 0);
			ret = usage_error("--dmverity-roothash must be ALG:HEX, e.g. sha256:5e5e...");
			goto out;
		}
		o.files.dmv_alg = dmv.dmv_alg;
		o.files.dmv_roothash = dmv.dmv_roothash;
		o.files.dmv_roothash_len = dmv.dmv_roothash_len;
	}
	ret = load_policy(&r, &o);
	if (ret)
		goto out;
	ipe_ctx_diag_clear(r.ctx);
	for (size_t i = 0; i < o.nspecs; i++) {
		struct item *it = new_item(&r);

		if (!it) {
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		rc = ipe_explain_event_parse(r.ctx, o.specs[i], o.op, &it->ev);
		if (rc < 0) {
			r.nitems--;
			cli_print_diags(r.ctx, stderr, 0);
			ret = rc == -ENOMEM ? CLI_EXIT_INPUT : CLI_EXIT_USAGE;
			goto out;
		}
	}
	if (o.no_file) {
		struct item *it = new_item(&r);

		if (!it) {
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		ipe_explain_event_init(&it->ev, o.op);
		it->ev.has_file = false;
	}
	if (o.npaths) {
		struct ipe_explain_event *evs = NULL;
		size_t n = 0, failed = 0;

		rc = ipe_explain_files(r.ctx, (const char *const *)o.paths, o.npaths, o.op, &o.files, &evs, &n, &failed);
		cli_print_diags(r.ctx, stderr, 0);
		ipe_ctx_diag_clear(r.ctx);
		if (rc < 0) {
			cli_error(prog, "cannot examine the files: %s", cli_strerror(rc));
			ret = CLI_EXIT_INPUT;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			struct item *it = new_item(&r);

			if (!it) {
				for (size_t j = i; j < n; j++)
					ipe_explain_event_clear(&evs[j]);
				free(evs);
				ret = CLI_EXIT_INPUT;
				goto out;
			}
			it->ev = evs[i];
		}
		free(evs);
		r.failed = failed;
	}
	if (o.audit) {
		ret = collect_audit(&r, &o);
		if (ret)
			goto out;
		cli_print_diags(r.ctx, stderr, 0);
		ipe_ctx_diag_clear(r.ctx);
	}
	ret = explain_all(&r, &o);
	if (ret)
		goto out;
	if (o.format == FMT_TEXT && !o.quiet)
		for (size_t i = 0; i < r.nitems; i++)
			print_text_item(&r, &o, &r.items[i], out);
	for (size_t i = 0; i < r.nitems; i++)
		if (r.items[i].match == 0) {
			char esc[1024];

			ipe_escape_bytes(esc, sizeof(esc), label_of(&r.items[i]), strlen(label_of(&r.items[i])));
			cli_error(prog,
				  "%s:%u: %s: the kernel logged rule=\"%s\", %s predicts \"%s\": the policy given is not the one that was active, or the file changed",
				  o.audit, r.items[i].ev.audit->line, esc, r.items[i].ev.audit->rule, r.policy_name,
				  r.items[i].x.audit_rule);
		}
	if (o.propose >= 0) {
		have_pr = true;
		ret = do_propose(&r, &o, &pr, msg);
	}
	if (o.format == FMT_JSON) {
		json_object *j = json_report(&r, &o, have_pr ? &pr : NULL);

		fprintf(out, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		print_text_summary(&r, &o, out);
	}
	if (!ret && (r.mismatches || r.unexpected))
		ret = CLI_EXIT_FINDINGS;
	if (!ret && r.failed)
		ret = CLI_EXIT_INPUT;
out:
	for (size_t i = 0; i < r.nitems; i++) {
		ipe_explain_event_clear(&r.items[i].ev);
		ipe_explanation_clear(&r.items[i].x);
	}
	free(r.items);
	ipe_proposal_clear(&pr);
	ipe_audit_log_free(r.log);
	free(r.log_data);
	ipe_policy_free(r.p);
	ipe_ctx_free(r.ctx);
	free(o.specs);
	ipe_explain_event_clear(&dmv);
	if (fflush(stdout) != 0 && ret == 0)
		ret = CLI_EXIT_INPUT;
	return ret;
}
