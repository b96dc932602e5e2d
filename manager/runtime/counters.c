// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Counters every chain shares: per endpoint (interface), per rule (node
 * instance and rule id, named from the table the module's manifest gives
 * under `policies`) and of the event ring. Per-CPU values are summed.
 * Before the first chain there are no maps: no counters, not an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

/* One entry's per-CPU values (each rounded up to 8 bytes) summed. */
static void percpu_add(void *sum, const void *vals, size_t size, int ncpu)
{
	size_t n = size / sizeof(__u64), stride = (size + 7) / 8, i;
	const __u64 *v = vals;
	__u64 *out = sum;
	int c;

	memset(sum, 0, size);
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < n; i++)
			out[i] += v[c * stride + i];
}

struct stats_walk {
	int ncpu;
	void *v;
	int n, cap;
};

/* Endpoints */

static int ep_chunk(const void *keys, const void *vals, int n, void *ctx)
{
	size_t vsz = (sizeof(struct nfc_ep_stats) + 7) / 8 * 8;
	const __u32 *k = keys;
	struct stats_walk *w = ctx;
	struct nfc_ep_view *e;
	int i;

	for (i = 0; i < n; i++) {
		if (nfc_grow(&w->v, &w->cap, w->n, sizeof(*e)))
			return -ENOMEM;
		e = (struct nfc_ep_view *)w->v + w->n++;
		memset(e, 0, sizeof(*e));
		e->ifindex = k[i];
		if (!if_indextoname(k[i], e->ifname))
			e->ifname[0] = '\0';
		percpu_add(&e->s, (const __u8 *)vals + i * vsz * w->ncpu,
			   sizeof(e->s), w->ncpu);
	}
	return 0;
}

static int ep_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct nfc_ep_view *)a)->ifindex;
	__u32 y = ((const struct nfc_ep_view *)b)->ifindex;

	return x < y ? -1 : x > y;
}

/* Walk per-CPU hash map @name into w (elements of @esize, sorted). */
static int percpu_walk(struct nfc_handle *h, const char *name, __u32 ksz,
		       __u32 vsz, nfc_map_walk_fn fn, struct stats_walk *w,
		       size_t esize, int (*cmp)(const void *, const void *),
		       struct nfc_err *err)
{
	int fd, r;

	w->ncpu = libbpf_num_possible_cpus();
	if (w->ncpu < 0)
		return nfc_errf(err, w->ncpu, "possible CPUs: %s",
				strerror(-w->ncpu));
	fd = nfc_shared_map_fd(h, name, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = nfc_map_walk(fd, ksz, (vsz + 7) / 8 * 8 * w->ncpu, fn, w);
	close(fd);
	if (r)
		return nfc_errf(err, r, "map '%s': %s", name, strerror(-r));
	if (w->n)
		qsort(w->v, w->n, esize, cmp);
	return 0;
}

int nfc_stats__endpoints(struct nfc_handle *h, struct nfc_ep_view **out,
			 int *n, struct nfc_err *err)
{
	struct stats_walk w = {};
	struct nfc_slot_hits sh;
	int i, r;

	*out = NULL;
	*n = 0;
	r = percpu_walk(h, "nfc_ep_stats", sizeof(__u32),
			sizeof(struct nfc_ep_stats), ep_chunk, &w,
			sizeof(struct nfc_ep_view), ep_cmp, err);
	r = r ?: nfc_slot_hits_get(h, &sh, err);
	if (r) {
		free(w.v);
		return r;
	}
	for (i = 0; i < w.n && sh.n; i++)
		nfc_slot_hits_ep(&sh, ((struct nfc_ep_view *)w.v)[i].ifindex,
				 &((struct nfc_ep_view *)w.v)[i].s);
	nfc_slot_hits_free(&sh);
	*out = w.v;
	*n = w.n;
	return 0;
}

/* Rules */

static int policy_lookup(struct nfc_handle *h, const struct nfc_chain_info *c,
			 const struct nfc_node_info *n, __u32 policy,
			 char *rule, size_t len)
{
	const struct nfc_module *m;
	const struct nfc_table *t;
	const struct nfc_field *f;
	char path[PATH_MAX];
	__u8 *key, *val;
	int fd, r = 0;

	m = nfc_catalog__find(h->cat, n->module, n->version);
	if (!m || !m->policy_table)
		return 0;
	t = nfc_module__table(m, m->policy_table);
	f = t ? nfc_fields_find(t->value, t->n_value, m->policy_name) : NULL;
	if (!f || t->n_key != 1 || t->key[0].offset + 4 > t->key_size)
		return 0;
	if (nfc_node_map_path(h, path, sizeof(path), c->name, n->name, n->gen,
			      t->map))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	key = calloc(1, t->key_size);
	val = calloc(1, t->value_size);
	if (!key || !val) {
		r = -ENOMEM;
	} else {
		memcpy(key + t->key[0].offset, &policy, sizeof(policy));
		if (!bpf_map_lookup_elem(fd, key, val))
			snprintf(rule, len, "%.*s",
				 (int)strnlen((char *)val + f->offset, f->size),
				 (char *)val + f->offset);
		else if (errno != ENOENT)
			r = -errno;
	}
	free(key);
	free(val);
	close(fd);
	return r;
}

int nfc_policy__name(struct nfc_handle *h, __u32 node, __u32 policy,
		     const char **chain, const char **node_name, char *rule,
		     size_t rule_len)
{
	const struct nfc_state *s = h->state;
	int i, j;

	if (rule && rule_len)
		rule[0] = '\0';
	for (i = 0; i < s->n_chains; i++) {
		const struct nfc_chain_info *c = &s->chains[i];

		for (j = 0; j < c->n_nodes; j++) {
			if (c->nodes[j].counter != node)
				continue;
			if (chain)
				*chain = c->name;
			if (node_name)
				*node_name = c->nodes[j].name;
			if (!rule || !rule_len || !policy)
				return 0;
			return policy_lookup(h, c, &c->nodes[j], policy, rule,
					     rule_len);
		}
	}
	return -ENOENT;
}

static int rule_chunk(const void *keys, const void *vals, int n, void *ctx)
{
	size_t vsz = (sizeof(struct nfc_rule_stats) + 7) / 8 * 8;
	const struct nfc_rule_key *k = keys;
	struct stats_walk *w = ctx;
	struct nfc_rule_view *e;
	int i;

	for (i = 0; i < n; i++) {
		if (nfc_grow(&w->v, &w->cap, w->n, sizeof(*e)))
			return -ENOMEM;
		e = (struct nfc_rule_view *)w->v + w->n++;
		memset(e, 0, sizeof(*e));
		e->key = k[i];
		percpu_add(&e->s, (const __u8 *)vals + i * vsz * w->ncpu,
			   sizeof(e->s), w->ncpu);
	}
	return 0;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct nfc_rule_key *x = &((const struct nfc_rule_view *)a)->key;
	const struct nfc_rule_key *y = &((const struct nfc_rule_view *)b)->key;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->policy < y->policy ? -1 : x->policy > y->policy;
}

int nfc_stats__rules(struct nfc_handle *h, struct nfc_rule_view **out,
		     int *n, struct nfc_err *err)
{
	struct stats_walk w = {};
	struct nfc_rule_view *v;
	struct nfc_slot_hits sh;
	const char *chain, *node;
	int i, r;

	*out = NULL;
	*n = 0;
	r = percpu_walk(h, "nfc_rule_stats", sizeof(struct nfc_rule_key),
			sizeof(struct nfc_rule_stats), rule_chunk, &w,
			sizeof(struct nfc_rule_view), rule_cmp, err);
	r = r ?: nfc_slot_hits_get(h, &sh, err);
	if (r) {
		free(w.v);
		return r;
	}
	v = w.v;
	for (i = 0; i < w.n && sh.n; i++)
		nfc_slot_hits_rule(&sh, &v[i].key, &v[i].s);
	nfc_slot_hits_free(&sh);
	/* a node instance in no chain (deleted while we read) has no names:
	 * flagged; a rule name that cannot be read is left out, the counters
	 * are still worth showing */
	for (i = 0; i < w.n; i++) {
		chain = node = NULL;
		nfc_policy__name(h, v[i].key.node, v[i].key.policy, &chain,
				 &node, v[i].name, sizeof(v[i].name));
		v[i].deleted = !chain || !node;
		if (!v[i].deleted) {
			snprintf(v[i].chain, sizeof(v[i].chain), "%s", chain);
			snprintf(v[i].node, sizeof(v[i].node), "%s", node);
		}
	}
	*out = v;
	*n = w.n;
	return 0;
}

/* Events */

int nfc_events__summary(struct nfc_handle *h, struct nfc_ev_summary *out,
			struct nfc_err *err)
{
	int fd, r;

	memset(out, 0, sizeof(*out));
	fd = nfc_shared_map_fd(h, "nfc_ev_stats", err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = nfc_percpu_sum(fd, 0, &out->s, sizeof(out->s));
	close(fd);
	if (r)
		return nfc_errf(err, r, "map 'nfc_ev_stats': %s",
				strerror(-r));
	return 0;
}
