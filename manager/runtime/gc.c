// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Aging of the connection table and the flow cache (nfmgrd calls it every
 * few seconds). The datapath only refreshes entries; what is idle past its
 * timeout goes here, and what is neither refreshed nor aged the kernel's
 * LRU evicts when the table is full.
 *
 * A walk reads entries in batches where the kernel supports it (one
 * syscall per 1024 entries; per key otherwise), collects the keys to
 * remove, then removes them. An entry a packet refreshes between the two
 * steps is removed all the same: the datapath takes the connection up again
 * as midstream, and the flow is looked up anew.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "internal.h"

#define GC_BATCH 1024

typedef bool (*gc_doomed_fn)(const void *key, const void *value, void *ctx);

/* Keys to remove, gathered by a walk. */
struct gc_keys {
	__u8 *keys;
	size_t size, n, cap;
};

static int keys_add(struct gc_keys *k, const void *key)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		__u8 *p = realloc(k->keys, cap * k->size);

		if (!p)
			return -ENOMEM;
		k->keys = p;
		k->cap = cap;
	}
	memcpy(k->keys + k->n++ * k->size, key, k->size);
	return 0;
}

static bool batch_unsupported(int r)
{
	return r == -EINVAL || r == -ENOTSUP || r == -EOPNOTSUPP ||
	       r == -524 /* ENOTSUPP, the kernel's own */;
}

/* Walk with BPF_MAP_LOOKUP_BATCH; -EOPNOTSUPP when the kernel has none for
 * this map before any entry was seen. */
static int walk_batch(int fd, size_t ksz, size_t vsz, gc_doomed_fn doomed,
		      void *ctx, struct gc_keys *out, int *seen)
{
	__u8 *keys = calloc(GC_BATCH, ksz), *vals = calloc(GC_BATCH, vsz);
	__u64 token[8]; /* a bucket index for hash maps */
	void *in = NULL;
	int r = 0;

	if (!keys || !vals) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 n = GC_BATCH, i;

		r = bpf_map_lookup_batch(fd, in, token, keys, vals, &n, NULL);
		if (r && r != -ENOENT) {
			if (!in && batch_unsupported(r))
				r = -EOPNOTSUPP;
			break;
		}
		for (i = 0; i < n; i++) {
			(*seen)++;
			if (doomed(keys + i * ksz, vals + i * vsz, ctx) &&
			    keys_add(out, keys + i * ksz)) {
				r = -ENOMEM;
				goto out;
			}
		}
		if (r == -ENOENT) {
			r = 0;
			break;
		}
		in = token;
	}
out:
	free(keys);
	free(vals);
	return r;
}

static int walk_keys(int fd, size_t ksz, size_t vsz, gc_doomed_fn doomed,
		     void *ctx, struct gc_keys *out, int *seen)
{
	__u8 *cur = calloc(1, ksz), *next = calloc(1, ksz), *val = calloc(1, vsz);
	void *prev = NULL;
	int r = 0;

	if (!cur || !next || !val) {
		r = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(cur, next, ksz);
		prev = cur;
		if (bpf_map_lookup_elem(fd, cur, val))
			continue; /* gone meanwhile */
		(*seen)++;
		if (doomed(cur, val, ctx) && keys_add(out, cur)) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (errno != ENOENT)
		r = -errno;
out:
	free(cur);
	free(next);
	free(val);
	return r;
}

static int walk(int fd, size_t ksz, size_t vsz, gc_doomed_fn doomed,
		void *ctx, struct gc_keys *out, int *seen)
{
	int r = walk_batch(fd, ksz, vsz, doomed, ctx, out, seen);

	if (r == -EOPNOTSUPP) {
		out->n = 0;
		*seen = 0;
		r = walk_keys(fd, ksz, vsz, doomed, ctx, out, seen);
	}
	return r;
}

/* Remove @k's keys; an entry already gone (LRU, a flush) is not counted. */
static int remove_keys(int fd, const struct gc_keys *k, int *removed)
{
	size_t done = 0;
	bool batch = true;
	int r;

	*removed = 0;
	while (done < k->n) {
		const __u8 *key = k->keys + done * k->size;
		__u32 n = k->n - done;

		if (!batch) {
			if (!bpf_map_delete_elem(fd, key))
				(*removed)++;
			else if (errno != ENOENT)
				return -errno;
			done++;
			continue;
		}
		r = bpf_map_delete_batch(fd, key, &n, NULL);
		/* the kernel stops at the first key it cannot delete */
		if (r && n == 0 && batch_unsupported(r)) {
			batch = false;
			continue;
		}
		*removed += n;
		done += n;
		if (r == -ENOENT)
			done++;
		else if (r)
			return r;
	}
	return 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool idle_past(__u64 now, __u64 last, __u64 limit_s)
{
	/* a packet may have refreshed it after we read the clock */
	return now > last && now - last > limit_s * 1000000000ULL;
}

static int ct_class(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return NFC_CTC_TCP;
	case IPPROTO_UDP:
		return NFC_CTC_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return NFC_CTC_ICMP;
	default:
		return NFC_CTC_OTHER;
	}
}

struct ct_ctx {
	const struct nfc_config *cfg;
	__u64 now;
};

static bool ct_doomed(const void *key, const void *value, void *ctx)
{
	const struct nfc_ct_key *k = key;
	const struct nfc_ct *ct = value;
	const struct ct_ctx *c = ctx;
	/* a state the table should not hold ages like a new connection */
	int state = ct->state > NFC_CT_NONE && ct->state < NFC_CT_STATE_MAX ?
			    ct->state :
			    NFC_CT_NEW;

	return idle_past(c->now, ct->last_ns,
			 c->cfg->ct_timeout[ct_class(k->proto)][state]);
}

struct flow_ctx {
	int ct_fd;
	__u32 idle_s;
	__u64 now;
};

static bool flow_doomed(const void *key, const void *value, void *ctx)
{
	const struct nfc_flow *f = value;
	const struct flow_ctx *c = ctx;
	struct nfc_ct ct;

	if (idle_past(c->now, f->last_ns, c->idle_s))
		return true;
	return f->ct.l3 && bpf_map_lookup_elem(c->ct_fd, &f->ct, &ct) &&
	       errno == ENOENT;
}

static int gc_stats_add(int fd, const struct nfc_gc_result *res, __u64 now)
{
	struct nfc_ct_gc_stats s;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &s))
		return -errno;
	s.expired += res->ct_expired;
	s.flows_expired += res->flows_expired;
	s.runs++;
	s.last_run_ns = now;
	return bpf_map_update_elem(fd, &zero, &s, BPF_EXIST) ? -errno : 0;
}

static int map_fd(struct nfc_handle *h, const char *name, int *fd,
		  struct nfc_err *err)
{
	*fd = nfc_global_map_fd(h, name);
	if (*fd >= 0 || *fd == -ENOENT)
		return 0;
	return nfc_errf(err, *fd, "map '%s': %s%s", name, strerror(-*fd),
			nfc_perm_hint(-*fd));
}

int nfc_gc__run(struct nfc_handle *h, const struct nfc_gc_opts *opts,
		struct nfc_gc_result *res, struct nfc_err *err)
{
	struct gc_keys ct_keys = { .size = sizeof(struct nfc_ct_key) };
	struct gc_keys flow_keys = { .size = sizeof(struct nfc_key) };
	int ct_fd = -1, flows_fd = -1, stats_fd = -1, r;
	struct nfc_config cfg;
	struct ct_ctx cc = { .cfg = &cfg };
	struct flow_ctx fc;

	memset(res, 0, sizeof(*res));
	if (!NFC_OPTS_VALID(opts, nfc_gc_opts, flow_idle_s))
		return nfc_errf(err, -EINVAL, "nfc_gc__run: unknown options");
	fc.idle_s = NFC_OPTS_GET(opts, flow_idle_s, 0);
	if (!fc.idle_s)
		fc.idle_s = 60;

	/* before the first chain nothing is pinned: nothing to age */
	r = map_fd(h, "nfc_ct", &ct_fd, err);
	if (!r)
		r = map_fd(h, "nfc_flows", &flows_fd, err);
	if (!r)
		r = map_fd(h, "nfc_ct_gc_stats", &stats_fd, err);
	if (r || ct_fd < 0 || flows_fd < 0 || stats_fd < 0)
		goto out;
	r = nfc_config__get(h, &cfg, err);
	if (r)
		goto out;

	cc.now = now_ns();
	r = walk(ct_fd, sizeof(struct nfc_ct_key), sizeof(struct nfc_ct),
		 ct_doomed, &cc, &ct_keys, &res->ct_seen);
	if (!r)
		r = remove_keys(ct_fd, &ct_keys, &res->ct_expired);
	if (r) {
		nfc_errf(err, r, "map 'nfc_ct': aging: %s", strerror(-r));
		goto out;
	}

	/* after the connections: a flow whose connection just expired goes
	 * in the same pass */
	fc.ct_fd = ct_fd;
	fc.now = now_ns();
	r = walk(flows_fd, sizeof(struct nfc_key), sizeof(struct nfc_flow),
		 flow_doomed, &fc, &flow_keys, &res->flows_seen);
	if (!r)
		r = remove_keys(flows_fd, &flow_keys, &res->flows_expired);
	if (r) {
		nfc_errf(err, r, "map 'nfc_flows': aging: %s", strerror(-r));
		goto out;
	}

	r = gc_stats_add(stats_fd, res, fc.now);
	if (r)
		nfc_errf(err, r, "map 'nfc_ct_gc_stats': %s", strerror(-r));
out:
	free(ct_keys.keys);
	free(flow_keys.keys);
	if (ct_fd >= 0)
		close(ct_fd);
	if (flows_fd >= 0)
		close(flows_fd);
	if (stats_fd >= 0)
		close(stats_fd);
	return r;
}
