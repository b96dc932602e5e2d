// SPDX-License-Identifier: GPL-2.0-only
/*
 * macrouter: forward frames of any ethertype by destination MAC address.
 * Outcomes: pass (routed, or no route and default pass), deny (a drop
 * route, or no route and default drop).
 */
#include "nfc.h"
#include "macrouter.h"

#ifndef MACROUTER_ROUTES_MAX
#define MACROUTER_ROUTES_MAX 65536
#endif

const volatile __u32 cfg_default = MACROUTER_DEFAULT_DROP;

/* destination MAC -> out interface or drop */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MACROUTER_ROUTES_MAX);
	__type(key, struct macrouter_key);
	__type(value, struct macrouter_route);
} routes SEC(".maps");

#ifdef MACROUTER_COUNT_HITS
/* destination MAC -> frames this node routed by that route (version 1.1 and
 * later); with the flow cache, the first frame of each flow and version */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct macrouter_key);
	__type(value, __u64);
} route_hits SEC(".maps");

static __always_inline void count_hit(const struct macrouter_key *k)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(&route_hits, k);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&route_hits, k, &one, BPF_NOEXIST);
}
#else
static __always_inline void count_hit(const struct macrouter_key *k)
{
}
#endif

NFC_NF(macrouter)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	struct macrouter_key k = {};
	struct macrouter_route *r;

	__builtin_memcpy(k.mac, c->act.key.dmac, 6);
	r = bpf_map_lookup_elem(&routes, &k);
	if (!r) {
		if (cfg_default == MACROUTER_DEFAULT_PASS)
			return NFC_PASS;
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	}
	count_hit(&k);
	if (r->action == MACROUTER_DROP)
		return nfc_deny(c, NFC_DROP_POLICY, 0);
	nfc_redirect(c, r->ifindex);
	return NFC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
