// SPDX-License-Identifier: GPL-2.0-only
/*
 * router: IPv4 and IPv6 longest-prefix routing (bpf/lpm.h tables) to next
 * hops and ECMP groups of next hops, with policy routing in front.
 *
 * A packet's next hop comes from the first policy (by priority) that
 * matches it, else from the longest route that covers its destination in
 * its VPC's routing table. Policies and routes give the id of a next hop
 * or of a group (one id space; a group is looked for first); a policy may
 * instead name a table to look the destination up in (a miss goes on to
 * the next policy, as ip-rule's lookup does).
 *
 * Routing tables (VRFs): a VPC (the key's tenant) listed in vrfs is routed
 * by its own tables, the host's LPM tables that `nfctl lpm` makes and
 * fills, so that VPCs may use the same addresses; the rest by the node's
 * routes and routes6. One VPC's table may serve several routers, and a
 * thousand VPCs cost a thousand small tables, not a node's worth each.
 *
 * A next hop forwards out of its interface to its gateway, or to the
 * destination itself when it has none (a connected route): the
 * neighbour's MAC from the neighbours tables, or from the kernel's
 * (bpf_fib_lookup() on that interface), the source MAC the router's on
 * that link when the next hop names it, TTL or hop limit decremented by
 * the executor. A kernel next hop leaves the way out to the kernel's
 * routes and neighbours altogether. A neighbour the kernel has not
 * resolved yet sends the packet to its stack, which resolves it where it
 * forwards (uncached: the flow asks again). A blackhole drops.
 *
 * ECMP: a group's next hop for a flow is the one with the highest
 * rendezvous score, a hash of the flow's 5-tuple and tenant with the next
 * hop's id (highest random weight). One flow always takes one path, paths
 * are taken evenly, and taking a next hop out of a group moves only the
 * flows it carried: every other flow's highest score is still there. The
 * flow cache then keeps each flow's choice until the chain changes (an
 * edit of any table is a new version).
 *
 * A packet whose TTL (hop limit) would run out here is handed to the
 * kernel's stack, which answers with ICMP time exceeded where it forwards.
 *
 * Outcomes: pass (routed, handed to the stack, or no route and default
 * pass), deny (no-route: no route and default drop, a blackhole, a next
 * hop, group or neighbour that is not there).
 */
#include <stdbool.h>
#include "nfc.h"
#include "lpm.h"
#include "router.h"

#ifndef ROUTER_NEXTHOPS_MAX
#define ROUTER_NEXTHOPS_MAX 65536
#endif
#ifndef ROUTER_GROUPS_MAX
#define ROUTER_GROUPS_MAX 4096
#endif
#ifndef ROUTER_NEIGHS_MAX
#define ROUTER_NEIGHS_MAX 262144
#endif
#ifndef ROUTER_POLICIES_MAX
#define ROUTER_POLICIES_MAX 32
#endif
#ifndef ROUTER_VRFS_MAX
#define ROUTER_VRFS_MAX 16384
#endif

const volatile __u32 cfg_default = ROUTER_DEFAULT_DROP;
const volatile __u32 routes_id = 0;  /* IPv4 routes (LPM) */
const volatile __u32 routes6_id = 0; /* IPv6 routes (LPM) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ROUTER_NEXTHOPS_MAX);
	__type(key, struct router_id);
	__type(value, struct router_nexthop);
} nexthops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ROUTER_GROUPS_MAX);
	__type(key, struct router_id);
	__type(value, struct router_group);
} groups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ROUTER_NEIGHS_MAX);
	__type(key, struct router_neigh_key);
	__type(value, struct router_neigh);
} neighbors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ROUTER_NEIGHS_MAX);
	__type(key, struct router_neigh6_key);
	__type(value, struct router_neigh);
} neighbors6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ROUTER_VRFS_MAX);
	__type(key, struct router_vrf_key);
	__type(value, struct router_vrf);
} vrfs SEC(".maps");

/* by priority: an array scanned in order, an empty place (via 0) costs a
 * load (a hash map's bpf_for_each_map_elem() walks every bucket: 5 ns
 * each, 350 ns for 64, whatever the map holds) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ROUTER_POLICIES_MAX);
	__type(key, struct router_prio);
	__type(value, struct router_policy);
} policies SEC(".maps");

/* The member of group @g with the highest score for flow hash @h; 0 when
 * the group is empty. */
static __always_inline __u32 router_pick(const struct router_group *g, __u64 h)
{
	const __u32 *nh = &g->nh1;
	__u64 best = 0, score;
	__u32 pick = 0, i, id;

#pragma unroll
	for (i = 0; i < ROUTER_GROUP_MAX; i++) {
		id = nh[i];
		if (!id)
			continue;
		score = nfc_mix64(h ^ (__u64)id * 0x9e3779b97f4a7c15ULL);
		if (!pick || score > best) {
			best = score;
			pick = id;
		}
	}
	return pick;
}

/* Whether IPv4 address @a is in @c (a /0 holds everything). */
static __always_inline bool router_in4(const struct router_cidr4 *c, __be32 a)
{
	__u32 plen = c->plen;

	if (!plen)
		return true;
	if (plen > 32)
		return false;
	return !((bpf_ntohl(a ^ c->addr)) >> (32 - plen));
}

static __always_inline bool router_in6(const struct router_cidr6 *c,
				       const __be32 *y)
{
	const __be32 *x = (const __be32 *)c->addr;
	__u32 plen = c->plen, i, bits;

	if (plen > 128)
		return false;
#pragma unroll
	for (i = 0; i < 4; i++) {
		if (plen <= i * 32)
			break;
		bits = plen - i * 32;
		if (bits >= 32) {
			if (x[i] != y[i])
				return false;
		} else if (bpf_ntohl(x[i] ^ y[i]) >> (32 - bits)) {
			return false;
		}
	}
	return true;
}

static __always_inline bool router_port_in(__be16 lo, __be16 hi, __be16 p)
{
	__u16 l = bpf_ntohs(lo), h = bpf_ntohs(hi), v = bpf_ntohs(p);

	if (!l)
		return true;
	if (!h)
		h = l;
	return v >= l && v <= h;
}

static __noinline bool router_policy_matches(const struct router_policy *p,
					     const struct nfc_ctx *c)
{
	const struct nfc_key *k = &c->act.key;
	bool v4, v6;

	if (!p)
		return false;
	v4 = p->src.plen | p->dst.plen;
	v6 = p->src6.plen | p->dst6.plen;
	if ((p->ifindex && p->ifindex != c->key.ifindex) ||
	    (p->tenant && p->tenant != k->tenant) ||
	    (p->proto && p->proto != k->proto))
		return false;
	if (k->l3 == NFC_L3_IPV4) {
		if (v6 && !v4)
			return false;
		if (!router_in4(&p->src, k->saddr.v4) ||
		    !router_in4(&p->dst, k->daddr.v4))
			return false;
	} else {
		if (v4 && !v6)
			return false;
		if (!router_in6(&p->src6, k->saddr.v6) ||
		    !router_in6(&p->dst6, k->daddr.v6))
			return false;
	}
	return router_port_in(p->sport, p->sport_end, k->sport) &&
	       router_port_in(p->dport, p->dport_end, k->dport);
}

/* The value (a next hop's or group's id) of the longest prefix of LPM
 * table @t4 (IPv4) or @t6 (IPv6) covering the destination of @k; 0: none
 * does, or the table is not there. Out of line: policies and the route
 * lookup share one copy of the walk. */
static __noinline __u32 router_lookup(const struct nfc_key *k, __u32 t4,
				      __u32 t6)
{
	__u32 v = 0;
	int r;

	if (!k)
		return 0;
	if (k->l3 == NFC_L3_IPV4)
		r = t4 ? nfc_lpm_lookup4(t4, k->daddr.v4, &v) : -ENOENT;
	else
		r = t6 ? nfc_lpm_lookup6(t6, k->daddr.v6, &v) : -ENOENT;
	return r ? 0 : v;
}

/* The next hop or group of the first policy by priority that matches the
 * packet in @c (by its own, or its table's for the destination); 0: none
 * does. */
static __always_inline __u32 router_policy_via(const struct nfc_ctx *c)
{
	struct router_policy *p;
	struct router_prio k;
	__u32 i, via;

#pragma clang loop unroll(disable)
	for (i = 0; i < ROUTER_POLICIES_MAX; i++) {
		k.priority = i;
		p = bpf_map_lookup_elem(&policies, &k);
		if (!p)
			break;
		if (p->action == ROUTER_POLICY_LOOKUP) {
			if (!(p->table | p->table6) ||
			    !router_policy_matches(p, c))
				continue;
			via = router_lookup(&c->act.key, p->table, p->table6);
			if (via)
				return via;
		} else if (p->via && router_policy_matches(p, c)) {
			return p->via;
		}
	}
	return 0;
}

/* The next hop or group of the route for the packet in @c: its VPC's
 * tables when it has them, else the node's own; 0: no route. */
static __always_inline __u32 router_route_via(const struct nfc_ctx *c)
{
	struct router_vrf_key vk = { .tenant = c->act.key.tenant };
	struct router_vrf *vrf = NULL;

	if (vk.tenant)
		vrf = bpf_map_lookup_elem(&vrfs, &vk);
	if (vrf)
		return router_lookup(&c->act.key, vrf->table, vrf->table6);
	return router_lookup(&c->act.key, routes_id, routes6_id);
}

static __always_inline int router_no_route(struct nfc_ctx *c)
{
	if (cfg_default == ROUTER_DEFAULT_PASS)
		return NFC_PASS;
	return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
}

/* The MAC of next hop @nh's neighbour for the packet in @c, or NULL. */
static __always_inline const __u8 *
router_neighbour(const struct router_nexthop *nh, const struct nfc_ctx *c)
{
	const struct nfc_key *k = &c->act.key;
	struct router_neigh6_key k6 = { .ifindex = nh->ifindex };
	struct router_neigh_key k4 = { .ifindex = nh->ifindex };
	const __u64 *g6 = (const __u64 *)nh->gateway6;
	struct router_neigh *n;

	if (k->l3 == NFC_L3_IPV4) {
		k4.addr = nh->gateway ? nh->gateway : k->daddr.v4;
		n = bpf_map_lookup_elem(&neighbors, &k4);
	} else {
		__builtin_memcpy(k6.addr, (g6[0] | g6[1])
						  ? (const void *)nh->gateway6
						  : (const void *)k->daddr.v6,
				 16);
		n = bpf_map_lookup_elem(&neighbors6, &k6);
	}
	return n ? n->mac : NULL;
}

/* A route's way out: the interface, the neighbour's MAC and the router's
 * (all zero: unchanged). */
struct router_out {
	__u32 ifindex;
	__u8 dmac[6];
	__u8 smac[6];
};

enum { ROUTER_AF_INET = 2, ROUTER_AF_INET6 = 10 };

/*
 * Next hop @nh by the kernel (bpf_fib_lookup()): its routes and neighbours
 * decide the way out (ROUTER_NH_KERNEL), or its neighbours alone give the
 * MAC of @nh's gateway (or the destination) on @nh's interface. The
 * kernel's conditions are its own: forwarding on for the interface the
 * lookup is from. 0 with @o filled; 1: the packet is the kernel stack's
 * to handle: a neighbour it has not resolved yet (it resolves it where it
 * forwards), and for a kernel next hop what its routes do not forward
 * (its own addresses; unreachable, prohibited and too big, which it
 * answers with ICMP); -1: no route (a blackhole, forwarding off).
 */
static __always_inline int router_kernel(struct nfc_pkt *pkt,
					 const struct nfc_ctx *c,
					 const struct router_nexthop *nh,
					 struct router_out *o)
{
	const struct nfc_key *k = &c->act.key;
	const __u64 *g6 = (const __u64 *)nh->gateway6;
	struct bpf_fib_lookup p = {};
	__u32 flags = 0;
	long r;

	p.l4_protocol = k->proto;
	p.sport = k->sport;
	p.dport = k->dport;
	p.ifindex = c->key.ifindex;
	if (nh->action == ROUTER_NH_FORWARD) {
		p.ifindex = nh->ifindex;
		flags = BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT;
	}
	if (k->l3 == NFC_L3_IPV4) {
		p.family = ROUTER_AF_INET;
		p.ipv4_src = k->saddr.v4;
		p.ipv4_dst = nh->action == ROUTER_NH_FORWARD && nh->gateway
				     ? nh->gateway
				     : k->daddr.v4;
	} else {
		p.family = ROUTER_AF_INET6;
		__builtin_memcpy(p.ipv6_src, k->saddr.v6, 16);
		__builtin_memcpy(p.ipv6_dst,
				 nh->action == ROUTER_NH_FORWARD &&
						 (g6[0] | g6[1])
					 ? (const void *)nh->gateway6
					 : (const void *)k->daddr.v6,
				 16);
	}
	nfc_asks_kernel();
	r = bpf_fib_lookup(pkt, &p, sizeof(p), flags);
	if (r == BPF_FIB_LKUP_RET_NO_NEIGH)
		return 1;
	if (nh->action == ROUTER_NH_KERNEL &&
	    (r == BPF_FIB_LKUP_RET_NOT_FWDED ||
	     r == BPF_FIB_LKUP_RET_UNREACHABLE ||
	     r == BPF_FIB_LKUP_RET_PROHIBIT ||
	     r == BPF_FIB_LKUP_RET_FRAG_NEEDED))
		return 1;
	if (r != BPF_FIB_LKUP_RET_SUCCESS ||
	    (nh->action == ROUTER_NH_FORWARD && p.ifindex != nh->ifindex))
		return -1;
	o->ifindex = p.ifindex;
	__builtin_memcpy(o->dmac, p.dmac, 6);
	__builtin_memcpy(o->smac, p.smac, 6);
	return 0;
}

/* What is the host's and never routed: ARP, and IPv6 to a link-local or
 * link-scope multicast address (neighbour discovery, router
 * solicitations). Its stack takes them: the kernel's neighbours (a next
 * hop's `neighbor: kernel`) are resolved by the very frames the router
 * would otherwise drop as not IP. */
static __always_inline bool router_link_scope(const struct nfc_key *k)
{
	const __u8 *d = (const __u8 *)k->daddr.v6;

	if (k->l3 == NFC_L3_ARP)
		return true;
	return k->l3 == NFC_L3_IPV6 &&
	       ((d[0] == 0xfe && (d[1] & 0xc0) == 0x80) ||
		(d[0] == 0xff && (d[1] & 0x0f) == 0x02));
}

NFC_NF(router)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	struct router_out o = {};
	struct router_nexthop *nh;
	struct router_group *g;
	struct router_id id;
	const __u8 *mac;
	int r;

	if (router_link_scope(&c->act.key))
		return NFC_PASS;
	if (c->act.key.l3 != NFC_L3_IPV4 && c->act.key.l3 != NFC_L3_IPV6)
		return router_no_route(c);
	id.id = router_policy_via(c);
	if (!id.id)
		id.id = router_route_via(c);
	if (!id.id)
		return router_no_route(c);
	g = bpf_map_lookup_elem(&groups, &id);
	if (g) {
		id.id = router_pick(g, nfc_flow_hash(&c->act.key));
		if (!id.id)
			return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	}
	nh = bpf_map_lookup_elem(&nexthops, &id);
	if (!nh || nh->action == ROUTER_NH_BLACKHOLE)
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	if (nh->action == ROUTER_NH_KERNEL ||
	    nh->neigh == ROUTER_NEIGH_KERNEL) {
		r = router_kernel(pkt, c, nh, &o);
		if (r > 0) {
			/* asked again for the flow's next packets */
			nfc_nocache(c);
			return NFC_PASS;
		}
		if (r < 0)
			return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	} else if (nh->action == ROUTER_NH_FORWARD) {
		mac = router_neighbour(nh, c);
		if (!mac)
			return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
		o.ifindex = nh->ifindex;
		__builtin_memcpy(o.dmac, mac, 6);
	} else {
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	}
	if (c->ttl <= 1) {
		/* the stack sends time exceeded; the flow's next packets
		 * may have hops to spare */
		nfc_nocache(c);
		return NFC_PASS;
	}
	nfc_ttl_dec(c);
	nfc_set_dmac(c, o.dmac);
	/* the next hop's MAC on the link, else the kernel's for the device */
	if (nh->smac[0] | nh->smac[1] | nh->smac[2] | nh->smac[3] |
	    nh->smac[4] | nh->smac[5])
		nfc_set_smac(c, nh->smac);
	else if (o.smac[0] | o.smac[1] | o.smac[2] | o.smac[3] | o.smac[4] |
		 o.smac[5])
		nfc_set_smac(c, o.smac);
	nfc_redirect(c, o.ifindex);
	return NFC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
