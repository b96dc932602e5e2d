// SPDX-License-Identifier: GPL-2.0-only
/*
 * macrouter: forward frames of any ethertype by destination MAC address.
 *
 * Versions, one source:
 * - 1.0.0: a route sends a frame out of an interface, or drops it.
 * - 1.1.0 (MACROUTER_COUNT_HITS): and counts the frames it routed per MAC
 *   (table hits: with the flow cache, a flow's first frame per version).
 * - 1.2.0 (MACROUTER_TENANTS): a table per tenant (key: tenant and MAC),
 *   routes into VXLAN to a remote VTEP as well as out of an interface, and
 *   a route's id, under which the executor counts every frame the route
 *   carries, cached ones included (`nfctl stats rule`). A frame that came
 *   in VXLAN (its tenant the VNI) is decapsulated on its way out: it must
 *   be addressed to this host's VTEP (vtep-mismatch) and come from a VTEP
 *   of the vteps table on the interface that entry names (spoofed); it is
 *   never tunnelled again (no-route).
 *
 * Outcomes: pass (routed, or no route and default pass), deny (a drop
 * route, or no route and default drop, or the checks above).
 */
#include "nfc.h"
#include "parse.h" /* nfc_vxlan_source() */
#include "macrouter.h"

#ifndef MACROUTER_ROUTES_MAX
#define MACROUTER_ROUTES_MAX 65536
#endif
#ifndef MACROUTER_VTEPS_MAX
#define MACROUTER_VTEPS_MAX 16384
#endif

const volatile __u32 cfg_default = MACROUTER_DEFAULT_DROP;

#ifdef MACROUTER_TENANTS
typedef struct macrouter_tkey mr_key;
typedef struct macrouter_troute mr_route;

const volatile __be32 cfg_vtep = 0;               /* this host's VTEP */
const volatile __be16 cfg_port = bpf_htons(4789); /* VXLAN's UDP port */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MACROUTER_VTEPS_MAX);
	__type(key, struct macrouter_vtep_key);
	__type(value, struct macrouter_vtep);
} vteps SEC(".maps");
#else
typedef struct macrouter_key mr_key;
typedef struct macrouter_route mr_route;
#endif

/* (tenant and) destination MAC -> what to do with the frame */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MACROUTER_ROUTES_MAX);
	__type(key, mr_key);
	__type(value, mr_route);
} routes SEC(".maps");

#ifdef MACROUTER_COUNT_HITS
/* destination MAC -> frames this node routed by that route; with the flow
 * cache, the first frame of each flow and version */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, mr_key);
	__type(value, __u64);
} route_hits SEC(".maps");

static __always_inline void count_hit(const mr_key *k)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(&route_hits, k);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&route_hits, k, &one, BPF_NOEXIST);
}
#else
static __always_inline void count_hit(const mr_key *k)
{
}
#endif

#ifdef MACROUTER_TENANTS
/* Route @r of tenant @tenant: a drop (a decision of route r->id), else
 * counted under its id; a VXLAN frame decapsulated; out of its interface
 * or into its tunnel. */
static __always_inline int mr_route_tenant(struct nfc_pkt *pkt,
					   struct nfc_ctx *c,
					   const mr_route *r, __u32 tenant)
{
	struct macrouter_vtep_key tk = {};
	const struct macrouter_vtep *vt;
	__be32 from;

	if (r->action == MACROUTER_DROP)
		return nfc_deny(c, NFC_DROP_POLICY, r->id);
	if (r->id)
		nfc_count_as(c, r->id);
	if (c->key.flags & NFC_KEY_F_VXLAN) {
		from = cfg_vtep ? nfc_vxlan_source(pkt, c, cfg_vtep) : 0;
		if (!from)
			return nfc_deny(c, NFC_DROP_VTEP_MISMATCH, 0);
		tk.addr = from;
		vt = bpf_map_lookup_elem(&vteps, &tk);
		if (!vt || vt->ifindex != c->key.ifindex)
			return nfc_deny(c, NFC_DROP_SPOOFED, 0);
		if (r->action == MACROUTER_VXLAN)
			return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
		nfc_decap(c, from, cfg_vtep);
	}
	if (r->action != MACROUTER_VXLAN) {
		nfc_redirect(c, r->ifindex);
		return NFC_PASS;
	}
	tk.addr = r->vtep;
	vt = bpf_map_lookup_elem(&vteps, &tk);
	if (!vt || !cfg_vtep)
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	nfc_encap_to(c, cfg_vtep, r->vtep, r->vni ? r->vni : tenant, cfg_port,
		     vt->ifindex, vt->mac, vt->smac);
	return NFC_PASS;
}
#endif

NFC_NF(macrouter)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	mr_key k = {};
	mr_route *r;

	__builtin_memcpy(k.mac, c->act.key.dmac, 6);
#ifdef MACROUTER_TENANTS
	k.tenant = c->act.key.tenant;
#endif
	r = bpf_map_lookup_elem(&routes, &k);
	if (!r) {
		if (cfg_default == MACROUTER_DEFAULT_PASS)
			return NFC_PASS;
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	}
	count_hit(&k);
#ifdef MACROUTER_TENANTS
	return mr_route_tenant(pkt, c, r, k.tenant);
#else
	if (r->action == MACROUTER_DROP)
		return nfc_deny(c, NFC_DROP_POLICY, 0);
	nfc_redirect(c, r->ifindex);
	return NFC_PASS;
#endif
}

char LICENSE[] SEC("license") = "GPL";
