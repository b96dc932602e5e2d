// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/* What nfctl shows: chains, their nodes and counters, as JSON objects. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"

#define NFC_DROP_STR(name, str) str,
static const char *const drop_names[] = { NFC_DROP_REASONS(NFC_DROP_STR) };
#undef NFC_DROP_STR

static const char *const verdict_names[] = {
	[NFC_V_PASS] = "pass",
	[NFC_V_REDIRECT] = "redirect",
	[NFC_V_TX] = "tx",
	[NFC_V_DROP] = "drop",
};

const char *nfc_drop_reason_str(unsigned int reason)
{
	return reason < NFC_DROP_MAX ? drop_names[reason] : "unknown";
}

const char *nfc_verdict_str(unsigned int verdict)
{
	return verdict < NFC_V_MAX ? verdict_names[verdict] : "unknown";
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ?: "");
}

int nfc_chain__list(struct nfc_handle *h, json_object **out,
		    struct nfc_err *err)
{
	json_object *arr = json_object_new_array(), *c, *v;
	json_object_iter it;

	json_object_object_foreachC(nfc_state_chains(h), it) {
		c = json_object_new_object();
		json_object_object_add(c, "name", jstr(it.key));
		json_object_object_add(c, "version",
				       json_object_new_int64(nfc_ji(it.val, "version")));
		json_object_object_add(c, "file", jstr(nfc_js(it.val, "file")));
		if (json_object_object_get_ex(it.val, "nodes", &v))
			json_object_object_add(c, "nodes",
					       json_object_new_int(json_object_array_length(v)));
		if (json_object_object_get_ex(it.val, "attach", &v))
			json_object_object_add(c, "attach", json_object_get(v));
		json_object_array_add(arr, c);
	}
	*out = arr;
	return 0;
}

/*
 * Sum the per-CPU values of one entry of a global per-CPU map whose value
 * is all __u64 counters (struct nfc_chain_stats, struct nfc_hop_stats).
 */
static int percpu_sum(struct nfc_handle *h, const char *map, __u32 key,
		      void *sum, size_t size)
{
	int ncpu = libbpf_num_possible_cpus(), fd, c, r = 0;
	__u64 *v = calloc(ncpu, size), *out = sum;
	size_t i, n = size / sizeof(__u64);

	fd = nfc_global_map_fd(h, map);
	if (!v || fd < 0 || bpf_map_lookup_elem(fd, &key, v))
		r = -ENOENT;
	memset(sum, 0, size);
	for (c = 0; !r && c < ncpu; c++)
		for (i = 0; i < n; i++)
			out[i] += v[c * n + i];
	if (fd >= 0)
		close(fd);
	free(v);
	return r;
}

static json_object *chain_counters(struct nfc_handle *h, __u32 id)
{
	struct nfc_chain_stats sum;
	json_object *o, *v, *d;
	int i;

	if (percpu_sum(h, "nfc_chain_stats", id, &sum, sizeof(sum)))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "packets", json_object_new_uint64(sum.packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(sum.bytes));
	v = json_object_new_object();
	for (i = 0; i < NFC_V_MAX; i++)
		json_object_object_add(v, nfc_verdict_str(i),
				       json_object_new_uint64(sum.verdict[i]));
	json_object_object_add(o, "verdicts", v);
	d = json_object_new_object();
	for (i = 1; i < NFC_DROP_MAX; i++)
		json_object_object_add(d, nfc_drop_reason_str(i),
				       json_object_new_uint64(sum.drop[i]));
	json_object_object_add(o, "drops", d);
	json_object_object_add(o, "missed_tail_calls",
			       json_object_new_uint64(sum.drop[NFC_DROP_MISSED_TAIL_CALL]));
	json_object_object_add(o, "no_version", json_object_new_uint64(sum.no_version));
	return o;
}

static json_object *hop_counters(struct nfc_handle *h, __u32 slot,
				 const struct nfc_module *m)
{
	struct nfc_hop_stats sum;
	json_object *o, *oc;
	int i;

	if (percpu_sum(h, "nfc_hop_stats", slot, &sum, sizeof(sum)))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "packets", json_object_new_uint64(sum.packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(sum.bytes));
	oc = json_object_new_object();
	for (i = 0; m && i < m->n_outcomes; i++)
		json_object_object_add(oc, m->outcomes[i],
				       json_object_new_uint64(sum.outcome[i]));
	json_object_object_add(o, "outcomes", oc);
	return o;
}

static const char *next_name(json_object *nodes, __u8 next, char *buf,
			     size_t len)
{
	size_t i;

	if (next == NFC_NEXT_PASS)
		return "pass";
	if (next == NFC_NEXT_DROP)
		return "drop";
	for (i = 0; i < json_object_array_length(nodes); i++) {
		json_object *n = json_object_array_get_idx(nodes, i);

		if (nfc_ji(n, "hop") == next)
			return nfc_js(n, "name");
	}
	snprintf(buf, len, "hop %u", next);
	return buf;
}

/* Nodes with their links (read back from the hop table) and counters. */
static json_object *chain_nodes(struct nfc_handle *h, json_object *c)
{
	json_object *nodes, *arr = json_object_new_array();
	__u32 block = nfc_ji(c, "block");
	int hops = nfc_global_map_fd(h, "nfc_hops");
	size_t i;
	int k;

	if (!json_object_object_get_ex(c, "nodes", &nodes))
		goto out;
	for (i = 0; i < json_object_array_length(nodes); i++) {
		json_object *n = json_object_array_get_idx(nodes, i), *o, *l, *v;
		const struct nfc_module *m;
		__u32 slot = block * NFC_BLOCK_SIZE + nfc_ji(n, "hop");
		struct nfc_hop hop;
		char buf[32];

		m = nfc_catalog__find(nfc_catalog(h), nfc_js(n, "module"),
				      nfc_js(n, "version"));
		o = json_object_new_object();
		json_object_object_add(o, "name", jstr(nfc_js(n, "name")));
		json_object_object_add(o, "module", jstr(nfc_js(n, "module")));
		json_object_object_add(o, "version", jstr(nfc_js(n, "version")));
		json_object_object_add(o, "hop", json_object_new_int64(nfc_ji(n, "hop")));
		json_object_object_add(o, "slot", json_object_new_int64(slot));
		json_object_object_add(o, "generation", json_object_new_int64(nfc_ji(n, "gen")));
		if (json_object_object_get_ex(n, "prog_id", &v))
			json_object_object_add(o, "prog_id", json_object_get(v));
		l = json_object_new_object();
		if (m && hops >= 0 && !bpf_map_lookup_elem(hops, &slot, &hop))
			for (k = 0; k < m->n_outcomes; k++)
				json_object_object_add(l, m->outcomes[k],
						       jstr(next_name(nodes, hop.next[k],
								      buf, sizeof(buf))));
		json_object_object_add(o, "links", l);
		v = hop_counters(h, slot, m);
		if (v)
			json_object_object_add(o, "counters", v);
		json_object_array_add(arr, o);
	}
out:
	if (hops >= 0)
		close(hops);
	return arr;
}

int nfc_chain__show(struct nfc_handle *h, const char *chain,
		    json_object **out, struct nfc_err *err)
{
	json_object *c = nfc_state_chain(h, chain), *o, *v;

	if (!c)
		return nfc_errf(err, "chain '%s' does not exist", chain);
	o = json_object_new_object();
	json_object_object_add(o, "name", jstr(chain));
	json_object_object_add(o, "id", json_object_new_int64(nfc_ji(c, "id")));
	json_object_object_add(o, "version", json_object_new_int64(nfc_ji(c, "version")));
	json_object_object_add(o, "block", json_object_new_int64(nfc_ji(c, "block")));
	json_object_object_add(o, "file", jstr(nfc_js(c, "file")));
	if (json_object_object_get_ex(c, "overrides", &v))
		json_object_object_add(o, "swapped", json_object_get(v));
	if (json_object_object_get_ex(c, "attach", &v))
		json_object_object_add(o, "attach", json_object_get(v));
	json_object_object_add(o, "nodes", chain_nodes(h, c));
	v = chain_counters(h, nfc_ji(c, "id"));
	if (v)
		json_object_object_add(o, "counters", v);
	*out = o;
	return 0;
}

int nfc_stats__get(struct nfc_handle *h, const char *chain, json_object **out,
		   struct nfc_err *err)
{
	json_object *arr = json_object_new_array(), *o, *v;
	json_object_iter it;

	if (chain && !nfc_state_chain(h, chain)) {
		json_object_put(arr);
		return nfc_errf(err, "chain '%s' does not exist", chain);
	}
	json_object_object_foreachC(nfc_state_chains(h), it) {
		if (chain && strcmp(chain, it.key))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "chain", jstr(it.key));
		json_object_object_add(o, "version",
				       json_object_new_int64(nfc_ji(it.val, "version")));
		v = chain_counters(h, nfc_ji(it.val, "id"));
		json_object_object_add(o, "counters", v ?: json_object_new_object());
		json_object_object_add(o, "nodes", chain_nodes(h, it.val));
		json_object_array_add(arr, o);
	}
	*out = arr;
	return 0;
}
