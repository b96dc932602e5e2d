// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Aging (nfmgrd calls nfc_gc__run() every few seconds): connections idle
 * past their state's timeout, flows idle past flow_idle_s or whose
 * connection is gone, the translated tuples (aliases) of connections gone,
 * the counters of interfaces that are gone. The
 * datapath only refreshes entries; what is neither refreshed nor aged the
 * kernel's LRU evicts when a table is full.
 *
 * Each table is read in batches (nfc_map_walk()). A key that looks idle is
 * looked up again right before it is deleted, and deleted only if it is
 * still idle: an entry a packet refreshed since the walk stays. (Lookup
 * and delete are two calls: an entry refreshed between them goes all the
 * same, and the next packet makes it anew, a connection as midstream.)
 *
 * Whether a flow's connection is gone is answered from what the connection
 * walk saw (a hash set of the keys it kept), not by one lookup per flow. A
 * connection opened after that walk looks gone: the lookup before the
 * delete finds it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

/* Keys that look idle, gathered by a walk. */
struct gc_keys {
	__u8 *keys;
	size_t size;
	int n, cap;
};

static int keys_add(struct gc_keys *k, const void *key)
{
	if (nfc_grow(&k->keys, &k->cap, k->n, k->size))
		return -ENOMEM;
	memcpy(k->keys + (size_t)k->n++ * k->size, key, k->size);
	return 0;
}

static const void *keys_at(const struct gc_keys *k, int i)
{
	return k->keys + (size_t)i * k->size;
}

/* The connections a pass keeps, as 64-bit hashes of their keys (a
 * collision only keeps a flow one pass longer): gathered into @h, then
 * sealed into an open-addressing table of twice as many slots. */
struct ct_set {
	__u64 *h;
	int n, cap;
	__u64 *slot; /* 0: empty */
	size_t mask;
};

static __u64 ct_hash(const struct nfc_ct_key *k)
{
	__u64 w[(sizeof(*k) + 7) / 8] = {}, h = 0x9e3779b97f4a7c15ULL;
	size_t i;

	memcpy(w, k, sizeof(*k));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		h = (h ^ w[i]) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h ?: 1;
}

static int set_add(struct ct_set *s, const struct nfc_ct_key *k)
{
	if (nfc_grow(&s->h, &s->cap, s->n, sizeof(*s->h)))
		return -ENOMEM;
	s->h[s->n++] = ct_hash(k);
	return 0;
}

static int set_seal(struct ct_set *s)
{
	size_t size = 64, i;
	int j;

	while (size < 2 * (size_t)s->n)
		size *= 2;
	s->slot = calloc(size, sizeof(*s->slot));
	if (!s->slot)
		return -ENOMEM;
	s->mask = size - 1;
	for (j = 0; j < s->n; j++) {
		for (i = s->h[j] & s->mask; s->slot[i] && s->slot[i] != s->h[j];
		     i = (i + 1) & s->mask)
			;
		s->slot[i] = s->h[j];
	}
	return 0;
}

static bool set_has(const struct ct_set *s, const struct nfc_ct_key *k)
{
	__u64 h = ct_hash(k);
	size_t i;

	for (i = h & s->mask; s->slot[i]; i = (i + 1) & s->mask)
		if (s->slot[i] == h)
			return true;
	return false;
}

static bool idle_past(__u64 now, __u64 last, __u64 limit_s)
{
	/* a packet may have refreshed it after we read the clock */
	return now > last && now - last > limit_s * 1000000000ULL;
}

/* Connections */

struct ct_pass {
	struct nfc_config cfg;
	__u64 now;
	struct gc_keys idle;
	struct ct_set kept;
	int seen;
};

static bool ct_idle(const struct ct_pass *p, const struct nfc_ct_key *k,
		    const struct nfc_ct *ct)
{
	/* a state the table should not hold ages like a new connection */
	int state = ct->state > NFC_CT_NONE && ct->state < NFC_CT_STATE_MAX ?
			    ct->state :
			    NFC_CT_NEW;

	return idle_past(p->now, ct->last_ns,
			 p->cfg.ct_timeout[nfc_ct_class(k->proto)][state]);
}

static int ct_chunk(const void *keys, const void *vals, int n, void *ctx)
{
	const struct nfc_ct_key *k = keys;
	const struct nfc_ct *ct = vals;
	struct ct_pass *p = ctx;
	int i, r;

	for (i = 0; i < n; i++) {
		p->seen++;
		r = ct_idle(p, &k[i], &ct[i]) ? keys_add(&p->idle, &k[i]) :
						set_add(&p->kept, &k[i]);
		if (r)
			return r;
	}
	return 0;
}

/* Delete the idle connections still idle; the rest join the kept set. */
static int ct_expire(int fd, struct ct_pass *p, int *expired)
{
	const struct nfc_ct_key *k;
	struct nfc_ct ct;
	int i;

	for (i = 0; i < p->idle.n; i++) {
		k = keys_at(&p->idle, i);
		if (bpf_map_lookup_elem(fd, k, &ct)) {
			if (errno == ENOENT)
				continue; /* evicted or flushed meanwhile */
			return -errno;
		}
		if (!ct_idle(p, k, &ct)) {
			if (set_add(&p->kept, k))
				return -ENOMEM;
			continue;
		}
		if (!bpf_map_delete_elem(fd, k))
			(*expired)++;
		else if (errno != ENOENT)
			return -errno;
	}
	return set_seal(&p->kept);
}

/* Flows */

struct flow_pass {
	__u64 now;
	__u32 idle_s;
	const struct ct_set *conns;
	struct nfc_slot_hits sh; /* hits the flow slots hold, since read */
	struct gc_keys doomed;
	int seen;
};

/* Whether flow @f is idle: no hit since idle_s, in its entry or in a flow
 * slot (a slot adds its hits to the entry at least every
 * flow_refresh_ms, and holds the last of them until then). */
static bool flow_idle(const struct flow_pass *p, const struct nfc_flow *f)
{
	struct nfc_flow g;

	if (!idle_past(p->now, f->last_ns, p->idle_s))
		return false;
	g = *f;
	nfc_slot_hits_flow(&p->sh, &g);
	return idle_past(p->now, g.last_ns, p->idle_s);
}

static int flow_chunk(const void *keys, const void *vals, int n, void *ctx)
{
	const __u64 *k = keys; /* nfc_flow_id()s */
	const struct nfc_flow *f = vals;
	struct flow_pass *p = ctx;
	int i;

	for (i = 0; i < n; i++) {
		p->seen++;
		if ((flow_idle(p, &f[i]) ||
		     (f[i].ct.l3 && !set_has(p->conns, &f[i].ct))) &&
		    keys_add(&p->doomed, &k[i]))
			return -ENOMEM;
	}
	return 0;
}

/* 1 when flow @f is idle or its connection is not in the table now. */
static int flow_doomed(int ct_fd, const struct flow_pass *p,
		       const struct nfc_flow *f)
{
	struct nfc_ct ct;

	if (flow_idle(p, f))
		return 1;
	if (!f->ct.l3 || !bpf_map_lookup_elem(ct_fd, &f->ct, &ct))
		return 0;
	return errno == ENOENT ? 1 : -errno;
}

static int flow_expire(int fd, int ct_fd, struct flow_pass *p, int *expired)
{
	const __u64 *k;
	struct nfc_flow f;
	int i, r;

	for (i = 0; i < p->doomed.n; i++) {
		k = keys_at(&p->doomed, i);
		if (bpf_map_lookup_elem(fd, k, &f)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		r = flow_doomed(ct_fd, p, &f);
		if (r <= 0) {
			if (r)
				return r;
			continue;
		}
		if (!bpf_map_delete_elem(fd, k))
			(*expired)++;
		else if (errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* Endpoints */

static bool if_gone(__u32 ifindex)
{
	char name[IF_NAMESIZE];

	return !if_indextoname(ifindex, name) &&
	       (errno == ENXIO || errno == ENODEV);
}

static int ep_chunk(const void *keys, const void *vals, int n, void *ctx)
{
	const __u32 *k = keys;
	int i;

	for (i = 0; i < n; i++)
		if (if_gone(k[i]) && keys_add(ctx, &k[i]))
			return -ENOMEM;
	return 0;
}

static int ep_forget(int fd, int *removed)
{
	struct gc_keys gone = { .size = sizeof(__u32) };
	int ncpu = libbpf_num_possible_cpus(), i, r;

	if (ncpu < 0)
		return ncpu;
	r = nfc_map_walk(fd, sizeof(__u32),
			 ncpu * ((sizeof(struct nfc_ep_stats) + 7) / 8 * 8),
			 ep_chunk, &gone);
	for (i = 0; !r && i < gone.n; i++) {
		if (!bpf_map_delete_elem(fd, keys_at(&gone, i)))
			(*removed)++;
		else if (errno != ENOENT)
			r = -errno;
	}
	free(gone.keys);
	return r;
}

/* A walk of conntrack's aliases (nfc_ct_nat): those whose connection is
 * gone, or is another under the same key (another handle). */
struct alias_pass {
	int ct_fd;
	struct gc_keys dead;
};

static int alias_chunk(const void *keys, const void *values, int n, void *ctx)
{
	const struct nfc_ct_alias *a = values;
	struct alias_pass *ap = ctx;
	struct nfc_ct e;
	int i;

	for (i = 0; i < n; i++) {
		if (!bpf_map_lookup_elem(ap->ct_fd, &a[i].orig, &e) &&
		    e.handle == a[i].handle)
			continue;
		if (keys_add(&ap->dead, (const __u8 *)keys +
						i * sizeof(struct nfc_ct_key)))
			return -ENOMEM;
	}
	return 0;
}

/* The aliases of connections gone (after the connections' pass, so those
 * it just removed go too), looked up again before each delete: an alias a
 * NAT gave a new connection since the walk stays. */
static int alias_forget(int fd, int ct_fd, int *removed)
{
	struct alias_pass ap = { .ct_fd = ct_fd,
				 .dead.size = sizeof(struct nfc_ct_key) };
	struct nfc_ct_alias a;
	struct nfc_ct e;
	int i, r;

	r = nfc_map_walk(fd, sizeof(struct nfc_ct_key),
			 sizeof(struct nfc_ct_alias), alias_chunk, &ap);
	for (i = 0; !r && i < ap.dead.n; i++) {
		const void *k = keys_at(&ap.dead, i);

		if (bpf_map_lookup_elem(fd, k, &a))
			continue;
		if (!bpf_map_lookup_elem(ct_fd, &a.orig, &e) &&
		    e.handle == a.handle)
			continue;
		if (!bpf_map_delete_elem(fd, k))
			(*removed)++;
		else if (errno != ENOENT)
			r = -errno;
	}
	free(ap.dead.keys);
	return r;
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

/* Entries of the map at @path past the time in their value's @f (a u64 of
 * a manifest's `expires:`), removed. */
static int table_expire(const char *path, const struct nfc_table *t,
			const struct nfc_field *f, __u64 now, int *seen,
			int *expired)
{
	__u8 *key = calloc(1, t->key_size), *next = calloc(1, t->key_size);
	__u8 *val = calloc(1, t->value_size);
	int fd = bpf_obj_get(path), r = 0;
	bool have;

	if (fd < 0 || !key || !next || !val) {
		r = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	have = !bpf_map_get_next_key(fd, NULL, next);
	while (have) {
		__u64 at;

		memcpy(key, next, t->key_size);
		have = !bpf_map_get_next_key(fd, key, next);
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		(*seen)++;
		memcpy(&at, val + f->offset, sizeof(at));
		if (at && at < now && !bpf_map_delete_elem(fd, key))
			(*expired)++;
	}
out:
	if (fd >= 0)
		close(fd);
	free(key);
	free(next);
	free(val);
	return r;
}

/*
 * The entries of node instances' tables that expire (a manifest's
 * `expires:`, such as a switch's learned addresses) past their time: every
 * chain's nodes whose module the catalog has. Cached flows may have been
 * decided by them: when any went, the flow cache's epoch moves on.
 */
static int tables_expire(struct nfc_handle *h, struct nfc_gc_result *res,
			 struct nfc_err *err)
{
	const struct nfc_state *s = nfc_state(h);
	char path[PATH_MAX];
	__u64 now = nfc_now_ns();
	int c, i, j, r = 0, before = res->entries_expired;

	for (c = 0; h->cat && c < s->n_chains; c++) {
		const struct nfc_chain_info *ch = &s->chains[c];

		for (i = 0; i < ch->n_nodes; i++) {
			const struct nfc_node_info *n = &ch->nodes[i];
			const struct nfc_module *m =
				nfc_catalog__find(h->cat, n->module, n->version);

			for (j = 0; m && j < m->n_tables; j++) {
				const struct nfc_table *t = &m->tables[j];

				if (!t->expires)
					continue;
				nfc_node_map_path(h, path, sizeof(path),
						  ch->name, n->name, n->gen,
						  t->map);
				r = table_expire(path, t,
						 nfc_fields_find(t->value,
								 t->n_value,
								 t->expires),
						 now, &res->entries_seen,
						 &res->entries_expired);
				if (r == -ENOENT)
					r = 0; /* the chain changed meanwhile */
				if (r)
					return nfc_errf(err, r,
							"chain '%s': node '%s': table '%s': aging: %s",
							ch->name, n->name,
							t->name, strerror(-r));
			}
		}
	}
	if (res->entries_expired > before)
		r = nfc_flow_epoch_bump(h, err);
	return r;
}

int nfc_gc__run(struct nfc_handle *h, const struct nfc_gc_opts *opts,
		struct nfc_gc_result *res, struct nfc_err *err)
{
	static const char *const names[] = { "nfc_ct", "nfc_flows",
					     "nfc_ct_gc_stats",
					     "nfc_ep_stats", "nfc_ct_nat" };
	struct ct_pass cp = { .idle.size = sizeof(struct nfc_ct_key) };
	struct flow_pass fp = { .doomed.size = sizeof(__u64), /* digests */
				.conns = &cp.kept };
	int fd[5] = { -1, -1, -1, -1, -1 }, i, r = 0;
	const char *what = NULL;

	memset(res, 0, sizeof(*res));
	if (!NFC_OPTS_VALID(opts, nfc_gc_opts, flow_idle_s))
		return nfc_errf(err, -EINVAL, "nfc_gc__run: unknown options");
	fp.idle_s = NFC_OPTS_GET(opts, flow_idle_s, 0) ?: 60;

	/* before the first chain nothing is pinned: nothing to age */
	for (i = 0; i < 5; i++) {
		fd[i] = nfc_shared_map_fd(h, names[i], err);
		if (fd[i] < 0) {
			r = fd[i] == -ENOENT ? 0 : fd[i];
			goto out;
		}
	}
	r = nfc_config__get(h, &cp.cfg, err);
	if (r)
		goto out;

	what = names[0];
	cp.now = nfc_now_ns();
	r = nfc_map_walk(fd[0], sizeof(struct nfc_ct_key),
			 sizeof(struct nfc_ct), ct_chunk, &cp);
	if (!r)
		r = ct_expire(fd[0], &cp, &res->ct_expired);
	res->ct_seen = cp.seen;
	if (r)
		goto out;

	/* after the connections: a flow whose connection just expired goes
	 * in the same pass */
	what = names[1];
	fp.now = nfc_now_ns();
	r = nfc_slot_hits_get(h, &fp.sh, err);
	if (r) {
		what = NULL;
		goto out;
	}
	r = nfc_map_walk(fd[1], sizeof(__u64), sizeof(struct nfc_flow),
			 flow_chunk, &fp);
	if (!r)
		r = flow_expire(fd[1], fd[0], &fp, &res->flows_expired);
	res->flows_seen = fp.seen;
	if (r)
		goto out;

	what = names[4];
	r = alias_forget(fd[4], fd[0], &res->aliases_removed);
	if (r)
		goto out;

	what = names[3];
	r = ep_forget(fd[3], &res->ep_removed);
	if (r)
		goto out;

	what = NULL;
	r = tables_expire(h, res, err);
	if (r)
		goto out;

	what = names[2];
	r = gc_stats_add(fd[2], res, fp.now);
out:
	if (r && what)
		nfc_errf(err, r, "map '%s': aging: %s", what, strerror(-r));
	free(cp.idle.keys);
	free(cp.kept.h);
	free(cp.kept.slot);
	free(fp.doomed.keys);
	nfc_slot_hits_free(&fp.sh);
	for (i = 0; i < 5; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return r;
}
