// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/* What the tools show: a chain with its links read back from the hop
 * table and its counters, and the host's capacity. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

/* A chain's counters and hop entries; any failure to read them (no maps,
 * no permission) is an error, never zeros. */
static int read_view(struct nfc_handle *h, struct nfc_chain_view *v,
		     struct nfc_err *err)
{
	const struct nfc_chain_info *c = v->info;
	int cs, ns, hops, i, r = 0;

	cs = nfc_global_map_fd(h, "nfc_chain_stats");
	ns = nfc_global_map_fd(h, "nfc_node_stats");
	hops = nfc_global_map_fd(h, "nfc_hops");
	if (cs < 0 || ns < 0 || hops < 0) {
		r = cs < 0 ? cs : ns < 0 ? ns : hops;
		r = nfc_errf(err, r, "chain '%s': the framework's maps under %s/maps: %s%s",
			     c->name, h->bpffs, strerror(-r),
			     r == -EACCES || r == -EPERM ?
				     " (nfctl needs root, or CAP_BPF and CAP_NET_ADMIN)" :
				     "");
		goto out;
	}
	r = nfc_percpu_sum(cs, c->id, &v->counters, sizeof(v->counters));
	if (!r) {
		struct nfc_slot_hits sh;

		r = nfc_slot_hits_get(h, &sh, err);
		if (r)
			goto out;
		nfc_slot_hits_chain(&sh, c->id, &v->counters);
		nfc_slot_hits_free(&sh);
	}
	for (i = 0; !r && i < v->n_nodes; i++) {
		struct nfc_node_view *nv = &v->nodes[i];
		__u32 slot = c->block * NFC_BLOCK_SIZE + nv->info->hop;
		struct nfc_hop hop;

		r = nfc_percpu_sum(ns, nv->info->counter, &nv->counters,
				   sizeof(nv->counters));
		if (!r && bpf_map_lookup_elem(hops, &slot, &hop))
			r = -errno;
		if (!r)
			memcpy(nv->next, hop.next, sizeof(nv->next));
	}
	if (r)
		nfc_errf(err, r, "chain '%s': counters: %s", c->name,
			 strerror(-r));
out:
	if (cs >= 0)
		close(cs);
	if (ns >= 0)
		close(ns);
	if (hops >= 0)
		close(hops);
	return r;
}

int nfc_chain__view(struct nfc_handle *h, const char *chain,
		    struct nfc_chain_view **out, struct nfc_err *err)
{
	const struct nfc_chain_info *c = nfc_state__chain(h->state, chain);
	struct nfc_chain_view *v;
	int i, r;

	*out = NULL;
	if (!c)
		return nfc_errf(err, -ENOENT, "chain '%s' does not exist", chain);
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->nodes = calloc(c->n_nodes + 1, sizeof(*v->nodes));
	if (!v->nodes) {
		free(v);
		return -ENOMEM;
	}
	v->info = c;
	v->n_nodes = c->n_nodes;
	for (i = 0; i < c->n_nodes; i++) {
		v->nodes[i].info = &c->nodes[i];
		v->nodes[i].module = nfc_catalog__find(h->cat, c->nodes[i].module,
						       c->nodes[i].version);
	}
	r = read_view(h, v, err);
	if (r) {
		nfc_chain_view__free(v);
		return r;
	}
	*out = v;
	return 0;
}

void nfc_chain_view__free(struct nfc_chain_view *v)
{
	if (!v)
		return;
	free(v->nodes);
	free(v);
}

const char *nfc_chain_view__next(const struct nfc_chain_view *v, int i, int o)
{
	__u8 next = v->nodes[i].next[o];
	int j;

	if (next == NFC_NEXT_PASS)
		return "pass";
	if (next == NFC_NEXT_DROP)
		return "drop";
	for (j = 0; j < v->n_nodes; j++)
		if (v->nodes[j].info->hop == next)
			return v->nodes[j].info->name;
	return "none";
}

void nfc_limits__get(struct nfc_handle *h, struct nfc_limits *l)
{
	const struct nfc_state *s = h->state;
	int i;

	memset(l, 0, sizeof(*l));
	l->chains = s->n_chains;
	l->chains_max = NFC_MAX_CHAINS - 1;
	l->blocks = 1 + s->n_chains; /* block 0 is the framework's */
	l->blocks_max = NFC_MAX_BLOCKS;
	for (i = 0; i < s->n_chains; i++)
		l->instances += s->chains[i].n_nodes;
	l->instances_max = NFC_MAX_INSTANCES - 1;
	l->hops_max = NFC_MAX_HOPS;
	l->abi = NFC_ABI_VERSION;
}
