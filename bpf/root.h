/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The root program's steps, one function each: root.bpf.c runs them in
 * order, and nfbench's `cache-steps` (bench/fastpath.bpf.c) runs the same
 * functions cut after each one to show what each step costs. The object
 * that includes this is a root: it gets the rodata userspace sets before
 * load (chain_id, vxlan_port, nfc_tick_ns) and the parser's global
 * functions.
 */
#ifndef NFC_ROOT_H
#define NFC_ROOT_H

#include "exec.h"

/* TC: how much of a nonlinear skb is made linear when its headers are not */
#ifndef NFC_PULL_MAX
#define NFC_PULL_MAX 1024
#endif

const volatile __u32 chain_id = 0;
const volatile __u16 vxlan_port = 4789; /* 0: VXLAN is not looked into */
/* The tenant (VPC) of the interface this root is attached to, 0: none. Its
 * frames' keys carry it, and VXLAN in them is not looked into: an endpoint
 * of a VPC cannot pass for another VPC by sending VXLAN. */
const volatile __u32 port_tenant = 0;
/* the parser for every frame, the inline one for none (tests compare them) */
const volatile bool nfc_root_parse_force = false;
/* The length of the kernel's tick in ns (TICK_NSEC, from its HZ), set by
 * the loader (nfc_root_clock_set()); 0 when it could not tell, and the
 * express lane then reads nfc_now(). */
const volatile __u64 nfc_tick_ns = 0;
/* nfc_root_now(): jiffies times nfc_tick_ns, less this, is nfc_now() */
__u64 nfc_tick_base;

/*
 * One frame, as a global function: the verifier checks it once on its own
 * instead of once for every path into it, which the two layers of a VXLAN
 * packet would multiply beyond its limits. @ly->end is in (how far the frame
 * may reach) and out; @vxlan is the VXLAN port (network order) or 0.
 * Parsing the outer frame inline saved 4-5 ns per packet and made the
 * verifier walk 4-5 times as much of the root (72k -> 299k instructions at
 * XDP, 107k -> 490k at tc, half its limit): every apply slower, little room
 * left. Not kept.
 */
__noinline int nfc_root_frame(struct nfc_pkt *pkt, struct nfc_ctx *c,
			      __u32 off, __u32 vxlan, struct nfc_layer *ly)
{
	struct nfc_parser ps;

	if (!c || !ly)
		return NFC_PARSE_MALFORMED;
	ps.data = nfc_data(pkt);
	ps.end = nfc_data_end(pkt);
	ps.len = ly->end;
	ps.vxlan_port = vxlan;
	ly->inner = 0;
	return nfc_parse_frame(&ps, c, off, ly);
}

/* Conntrack (the slow path), as a global function for the same reason. */
__noinline int nfc_root_ct(struct nfc_pkt *pkt)
{
	/* the context as a map value, not as an argument: kernels before
	 * 6.x take no argument memory as a map key (c->ct is one) */
	struct nfc_ctx *c = nfc_ctx_get();
	struct nfc_ep_stats *ep;

	if (!c)
		return 0;
	nfc_ct_track(pkt, c);
	if (c->ct_flags & NFC_CTI_NEW) {
		ep = nfc_ep_get(c->key.ifindex);
		if (ep)
			ep->new_conns++;
	}
	return 0;
}

/* An IP fragment, once tracked: a first one's connection recorded for
 * its datagram's later ones, a later one's found (bpf/ct.h). A global
 * function of its own: its keys stay off the stack of the tracking. */
__noinline int nfc_root_frag(void)
{
	struct nfc_ctx *c = nfc_ctx_get();

	if (!c)
		return 0;
	if (c->key.flags & NFC_KEY_F_LATER_FRAG)
		nfc_frag_later(c, nfc_ct_stats_get());
	else if (c->ct_state != NFC_CT_NONE)
		nfc_frag_first(c);
	return 0;
}

static __always_inline int nfc_root_parse_once(struct nfc_pkt *pkt,
					       struct nfc_ctx *c)
{
	struct nfc_layer ly = { .end = nfc_len(pkt) };
	int rc;

	nfc_parse_begin(pkt, c);
	c->key.tenant = port_tenant;
	rc = nfc_root_frame(pkt, c, 0, port_tenant ? 0 : bpf_htons(vxlan_port),
			    &ly);
	if (rc != NFC_PARSE_OK || !ly.inner)
		return rc;
	nfc_parse_enter_inner(c, &ly);
	return nfc_root_frame(pkt, c, ly.inner, 0, &ly);
}

/*
 * The common frame, read inline: untagged Ethernet, IPv4 without options
 * and not a fragment or IPv6 without extension headers, TCP or UDP (not to
 * the VXLAN port), its headers in the linear data and its lengths right.
 * What it reads fills the context exactly as nfc_parse_frame() would
 * (nfc_root_parse_fast(); test_parse's fast_equals_parser case holds the
 * two to that over mutated frames), and gives the express lane its flow
 * (nfc_root_express()). Any other frame, or one it doubts, is the
 * parser's. The parser's call and its generality cost 14 ns a packet here
 * (nfbench cache-steps), this about 5.
 */
struct nfc_fast_hdrs {
	void *data;
	__u8 *l4;
	__u8 fam, proto, ttl, tcp_flags;
	__u64 sa0, sa1, da0, da1; /* the key's address words */
};

/* The TCP or UDP header at @l4 of @l4len bytes of IP payload: 1, or 0 for
 * the parser. */
static __always_inline int nfc_root_fast_l4(struct nfc_fast_hdrs *h,
					    __u8 *l4, __u32 l4len, __u8 proto)
{
	__u32 doff;

	if (proto == IPPROTO_TCP) {
		doff = l4[12] >> 4;
		if (l4len < 20 || doff < 5 || doff * 4 > l4len)
			return 0;
		h->tcp_flags = l4[13];
	} else if (proto == IPPROTO_UDP) {
		if (l4len < 8 || (vxlan_port && !port_tenant &&
				  *(__be16 *)(l4 + 2) == bpf_htons(vxlan_port)))
			return 0;
		h->tcp_flags = 0;
	} else {
		return 0;
	}
	h->l4 = l4;
	h->proto = proto;
	return 1;
}

static __always_inline int nfc_root_fast_hdrs(struct nfc_pkt *pkt,
					      struct nfc_fast_hdrs *h)
{
	void *data = nfc_data(pkt), *end = nfc_data_end(pkt);
	void *l3 = data + sizeof(struct ethhdr);
	__u32 len = nfc_len(pkt) - sizeof(struct ethhdr), tot;
	struct ipv6hdr *ip6 = l3;
	struct iphdr *ip = l3;
	__be16 type;

#if defined(NFC_HOOK_TC)
	if (pkt->vlan_present)
		return 0;
#endif
	/* room for a TCP header after either; shorter UDP frames go the
	 * parser's way */
	if (l3 + sizeof(*ip) + 20 > end)
		return 0;
	h->data = data;
	type = ((struct ethhdr *)data)->h_proto;
	if (type == bpf_htons(ETH_P_IP)) {
		if (*(__u8 *)ip != 0x45 ||
		    (ip->frag_off & bpf_htons(NFC_IP_MF | NFC_IP_OFFSET)))
			return 0;
		tot = bpf_ntohs(ip->tot_len);
		if (tot > len || tot < sizeof(*ip))
			return 0;
		h->fam = NFC_L3_IPV4;
		h->ttl = ip->ttl;
		h->sa0 = ip->saddr;
		h->sa1 = 0;
		h->da0 = ip->daddr;
		h->da1 = 0;
		return nfc_root_fast_l4(h, (__u8 *)(ip + 1), tot - sizeof(*ip),
					ip->protocol);
	}
	if (type != bpf_htons(ETH_P_IPV6) ||
	    l3 + sizeof(*ip6) + 20 > end)
		return 0;
	/* no extension header: TCP or UDP right after it */
	tot = bpf_ntohs(ip6->payload_len);
	if (*(__u8 *)ip6 >> 4 != 6 || !tot || tot > len - sizeof(*ip6))
		return 0;
	h->fam = NFC_L3_IPV6;
	h->ttl = ip6->hop_limit;
	h->sa0 = *(nfc_key_word *)&ip6->saddr;
	h->sa1 = *(nfc_key_word *)((__u8 *)&ip6->saddr + 8);
	h->da0 = *(nfc_key_word *)&ip6->daddr;
	h->da1 = *(nfc_key_word *)((__u8 *)&ip6->daddr + 8);
	return nfc_root_fast_l4(h, (__u8 *)(ip6 + 1), tot, ip6->nexthdr);
}

/* Words 1-3 of the key of the frame read into @h: @tcp_flags and @zone
 * as given (the parsed key's, or a flow key's). */
/* The key of the frame read into @h, into the nine words at @w, with
 * @tcp_flags and @zone as given (the parsed key's, or a flow key's). */
static __always_inline void nfc_root_fast_key(struct nfc_pkt *pkt,
					      const struct nfc_fast_hdrs *h,
					      nfc_key_word *w, __u8 tcp_flags,
					      __u16 zone)
{
	w[0] = nfc_ifindex(pkt) | (__u64)port_tenant << 32; /* tenant */
	w[1] = *(nfc_key_word *)h->data; /* dmac, smac[0..1] */
	/* smac[2..5], ethertype; vlan[0] 0 */
	w[2] = *(nfc_key_word *)(h->data + 8) & 0xffffffffffffULL;
	w[3] = (__u64)h->fam << NFC_KEY_SHIFT(l3) |
	       (__u64)h->proto << NFC_KEY_SHIFT(proto) |
	       (__u64)tcp_flags << NFC_KEY_SHIFT(tcp_flags) |
	       (__u64)NFC_KEY_F_L4 << NFC_KEY_SHIFT(flags) |
	       (__u64)zone << NFC_KEY_SHIFT(zone);
	w[4] = h->sa0;
	w[5] = h->sa1;
	w[6] = h->da0;
	w[7] = h->da1;
	w[8] = *(__u32 *)h->l4; /* sport, dport; pad 0 */
}

/* The common frame into the context, the key in whole words, so that the
 * flow key's loads of them are served from the stores (narrow stores under
 * a wide load make it wait for them): 1, or 0 for the parser. */
static __always_inline int nfc_root_parse_fast(struct nfc_pkt *pkt,
					       struct nfc_ctx *c)
{
	nfc_key_word *w = (nfc_key_word *)&c->key;
	struct nfc_fast_hdrs h;

	if (!nfc_root_fast_hdrs(pkt, &h))
		return 0;
	nfc_root_fast_key(pkt, &h, w, h.tcp_flags, 0);
	c->ttl = h.ttl;
	c->l3_off = sizeof(struct ethhdr);
	c->l4_off = h.l4 - (__u8 *)h.data;
	c->inner_off = 0;
	return 1;
}

/*
 * The express lane's clock: nfc_now() from the jiffies, which the verifier
 * inlines as one load, where nfc_now() is a helper call (3 ns of the
 * lane's 24 in nfbench). Both clocks move at the kernel's tick, so the
 * offset between them, taken at the first call, holds: this reads within
 * a tick of nfc_now(), a tick behind it rather than ahead (a slot's hits
 * are never later than the regular way's clock). The first CPUs may each
 * write the offset once, all of them the same to within a tick.
 */
static __always_inline __u64 nfc_root_now(void)
{
	__u64 j;

	if (!nfc_tick_ns)
		return nfc_now();
	j = bpf_jiffies64() * nfc_tick_ns;
	if (!nfc_tick_base)
		nfc_tick_base = j + nfc_tick_ns - nfc_now();
	return j - nfc_tick_base;
}

/* The rewrites the express lane makes itself: MACs and TTL (a router's
 * flows) and, at XDP, an encap (a VPC's) and IPv4 addresses and ports (a
 * NAT's). TC's encap (bpf_skb_adjust_room can fail, on a UDP GSO skb,
 * after the lane wrote the frame), TC's addresses and ports (the
 * checksum helpers keep CHECKSUM_PARTIAL skbs right), IPv6's and every
 * other rewrite take the regular way. */
#if defined(NFC_HOOK_XDP)
#define NFC_ACT_LANE_L34                                                      \
	(NFC_ACT_SADDR | NFC_ACT_DADDR | NFC_ACT_SPORT | NFC_ACT_DPORT)
#define NFC_ACT_LANE                                                          \
	(NFC_ACT_DMAC | NFC_ACT_SMAC | NFC_ACT_TTL_DEC | NFC_ACT_ENCAP |       \
	 NFC_ACT_LANE_L34)

/* The IPv4 common frame at @p (its Ethernet header; IPv4 without options,
 * then at least 20 bytes of TCP or UDP, nfc_root_fast_hdrs()) given @k's
 * addresses and ports where @flags say, with the IP header's checksum and
 * the TCP or UDP one (a UDP checksum of 0, none, stays so) moved by RFC
 * 1624 as the executor's nfc_exec_addr() and nfc_exec_port() move them. */
static __always_inline void nfc_root_lane_l34(__u8 *p, __u8 proto,
					      __u16 flags,
					      const struct nfc_key *k)
{
	struct iphdr *ip = (void *)(p + ETH_HLEN);
	__be16 *ports = (__be16 *)(ip + 1);
	__u16 *check = proto == IPPROTO_TCP ? &ports[8] : &ports[3];
	nfc_wsum d3 = 0, d4 = 0;
	__u16 sum;

	if (flags & NFC_ACT_SADDR) {
		d3 = nfc_csum_diff32(ip->saddr, k->saddr.v4);
		ip->saddr = k->saddr.v4;
	}
	if (flags & NFC_ACT_DADDR) {
		d3 = nfc_csum_add(d3, nfc_csum_diff32(ip->daddr, k->daddr.v4));
		ip->daddr = k->daddr.v4;
	}
	if (flags & NFC_ACT_SPORT) {
		d4 = nfc_csum_diff16(ports[0], k->sport);
		ports[0] = k->sport;
	}
	if (flags & NFC_ACT_DPORT) {
		d4 = nfc_csum_add(d4, nfc_csum_diff16(ports[1], k->dport));
		ports[1] = k->dport;
	}
	ip->check = nfc_csum_apply(ip->check, d3);
	if (proto == IPPROTO_UDP && !*check)
		return;
	sum = nfc_csum_apply(*check, nfc_csum_add(d3, d4));
	*check = proto == IPPROTO_UDP && !sum ? 0xffff : sum;
}
#else
#define NFC_ACT_LANE_L34 0
#define NFC_ACT_LANE (NFC_ACT_DMAC | NFC_ACT_SMAC | NFC_ACT_TTL_DEC)
#endif

/*
 * The express lane's rewrites (@flags of NFC_ACT_LANE) of slot @idx's
 * action set on the common frame read into @h, as the executor makes them
 * (nfc_exec_rewrite()): 1 when done; 0 when the packet takes the regular
 * way, which then finds it as it came (everything that can fail is tried
 * first: the TTL, the MTU, the room for the outer headers); -1 for a frame
 * that cannot be (its headers were read already).
 */
static __always_inline int nfc_root_lane_rewrite(struct nfc_pkt *pkt,
						 const struct nfc_fast_hdrs *h,
						 __u32 idx, __u16 flags,
						 __u32 out)
{
	const struct nfc_flow_slot_ext *e;
	/* the frame's length before an encap (XDP's) */
	__u32 off = 0, len __attribute__((unused)) = nfc_len(pkt);
	bool v4 = h->fam == NFC_L3_IPV4;
	__u16 old, *word;
	__u8 *p;

	e = bpf_map_lookup_elem(&nfc_flow_slot_ext, &idx);
	if (!e || ((flags & NFC_ACT_TTL_DEC) && h->ttl <= 1) ||
	    ((flags & NFC_ACT_LANE_L34) && !v4))
		return 0;
#if defined(NFC_HOOK_XDP)
	if (flags & NFC_ACT_ENCAP) {
		if (nfc_encap_fits(pkt, out, len) != NFC_TUN_OK ||
		    bpf_xdp_adjust_head(pkt, -(int)NFC_VXLAN_OVERHEAD))
			return 0;
		off = NFC_VXLAN_OVERHEAD;
	}
#endif
	/* the Ethernet header, the IP header's first 20 bytes and the 20 of
	 * L4 header that a common frame has (nfc_root_fast_hdrs()) */
	p = nfc_pkt_ptr(pkt, off, ETH_HLEN + 20 + 20);
	if (!p)
		return -1;
	if (flags & NFC_ACT_DMAC)
		nfc_mac_copy(p, e->act_key.dmac);
	if (flags & NFC_ACT_SMAC)
		nfc_mac_copy(p + 6, e->act_key.smac);
	if (flags & NFC_ACT_TTL_DEC) {
		/* IPv4: [ttl, protocol] at 8, the checksum at 10 (the
		 * header's sum, and so skb->csum, stays); IPv6: [next
		 * header, hop limit] at 6 */
		word = (__u16 *)(p + ETH_HLEN + (v4 ? 8 : 6));
		old = *word;
		p[ETH_HLEN + (v4 ? 8 : 7)] -= 1;
		if (v4) {
			__u16 *check = (__u16 *)(p + ETH_HLEN + 10);

			*check = nfc_csum_apply(*check,
						nfc_csum_diff16(old, *word));
		}
#if defined(NFC_HOOK_TC)
		else {
			bpf_csum_update(pkt, nfc_csum_diff16(old, *word));
		}
#endif
	}
#if defined(NFC_HOOK_XDP)
	if (flags & NFC_ACT_LANE_L34)
		nfc_root_lane_l34(p, h->proto, flags, &e->act_key);
	if (flags & NFC_ACT_ENCAP) {
		struct nfc_vxlan_hdrs *vx = nfc_pkt_ptr(pkt, 0, sizeof(*vx));

		if (!vx)
			return -1;
		nfc_vxlan_hdrs_put(vx, &e->act_tun, len);
	}
#endif
	return 1;
}

/*
 * Step 0, the express lane: the packet's flow served by a flow slot of this
 * CPU before anything else, when the slot's action set rewrites nothing
 * but what the lane rewrites itself (NFC_ACT_LANE: a forward, a transmit
 * back or a pass, a router's MACs and TTL; at XDP a VPC's encap and a
 * NAT's IPv4 addresses and ports) and the frame is
 * the common one (nfc_root_fast_hdrs()). The slot key is made from the headers in
 * registers, the slot counts the packet, and the per-CPU context is not
 * touched (1 ns: the tests see the lane by a context left as it was). It
 * serves what the regular way's slot hit (nfc_flow_slot_hit(),
 * nfc_exec_run()) would serve, no more: the same slot, version, epoch and
 * key compare; a slot due a fold, a rewrite, TCP SYN, FIN or RST, or a
 * chain with the cache off take the regular way. 1 with the hook's verdict
 * in *rc when it served the packet.
 */
static __always_inline int
nfc_root_express_hit(struct nfc_pkt *pkt, const struct nfc_fast_hdrs *h,
		     __u64 active, __u32 chain, int *rc)
{
	nfc_key_word w[NFC_KEY_WORDS];
	struct nfc_flow_slot *s;
	__u32 zero = 0, idx, *epoch;
	__u64 now;
	__u16 flags;
	int r;

	epoch = bpf_map_lookup_elem(&nfc_flow_epoch, &zero);
	if (!epoch)
		return 0;
	/* the flow key's words */
	nfc_root_fast_key(pkt, h, w, 0, chain);
	s = nfc_flow_slot_find(w, w[3], NFC_ACTIVE_VERSION(active), *epoch,
			       &idx);
	if (!s)
		return 0;
	now = nfc_root_now();
	flags = s->act.flags & NFC_ACT_REWRITES;
	if (now >= s->fold_ns || (flags & ~NFC_ACT_LANE) ||
	    s->act.verdict >= NFC_V_DROP ||
	    (s->act.verdict == NFC_V_REDIRECT && !s->act.out_ifindex))
		return 0;
	if (flags) {
		r = nfc_root_lane_rewrite(pkt, h, idx, flags,
					  s->act.out_ifindex);
		if (r < 0) {
			*rc = NFC_RC_DROP;
			return 1;
		}
		if (!r)
			return 0;
	}
	*rc = nfc_exec_out(pkt, s->act.verdict, s->act.out_ifindex);
	s->packets++;
	s->bytes += nfc_len(pkt);
	s->last_ns = now;
	return 1;
}

static __always_inline int nfc_root_express(struct nfc_pkt *pkt, __u32 chain,
					    int *rc)
{
	struct nfc_fast_hdrs h;
	__u64 *entry, active;

	if (nfc_root_parse_force)
		return 0;
	entry = bpf_map_lookup_elem(&nfc_chains, &chain);
	if (!entry)
		return 0;
	active = *(volatile __u64 *)entry;
	if (!NFC_ACTIVE_BLOCK(active) || NFC_ACTIVE_NOCACHE(active))
		return 0;
	if (!nfc_root_fast_hdrs(pkt, &h) || (h.tcp_flags & NFC_TCP_SLOW))
		return 0;
	/* An IPv4 frame's copy of the rest, where the compiler knows its
	 * addresses' words narrow: the wide key's share of the set hash and
	 * of the compare, and their registers, drop out of it (2 ns of 20 in
	 * nfbench's xdp-1-cached) */
	if (h.fam == NFC_L3_IPV4) {
		h.sa0 = (__u32)h.sa0;
		h.da0 = (__u32)h.da0;
		h.sa1 = 0;
		h.da1 = 0;
		return nfc_root_express_hit(pkt, &h, active, chain, rc);
	}
	return nfc_root_express_hit(pkt, &h, active, chain, rc);
}

static __always_inline int nfc_root_parse(struct nfc_pkt *pkt,
					  struct nfc_ctx *c)
{
	int rc;

	if (!nfc_root_parse_force && nfc_root_parse_fast(pkt, c))
		return NFC_PARSE_OK;
	rc = nfc_root_parse_once(pkt, c);

#if defined(NFC_HOOK_TC)
	/* Headers past the linear data: pull them in and try once more. */
	if (rc == NFC_PARSE_TRUNC &&
	    nfc_data_end(pkt) - nfc_data(pkt) < pkt->len) {
		__u32 len = pkt->len < NFC_PULL_MAX ? pkt->len : NFC_PULL_MAX;

		if (bpf_skb_pull_data(pkt, len))
			return NFC_PARSE_MALFORMED;
		rc = nfc_root_parse_once(pkt, c);
	}
#endif
	return rc;
}

/*
 * Step 1: the chain's active version (its block into *block) and the
 * per-CPU context, reset for a new packet but for its action set (see
 * nfc_root_act_init). NULL when the packet is not the chain's to handle:
 * *rc is then the hook's verdict (pass while the chain has no version yet).
 */
static __always_inline struct nfc_ctx *nfc_root_begin(struct nfc_pkt *pkt,
						      __u32 chain, int *rc,
						      __u32 *block_out)
{
	struct nfc_chain_stats *s;
	__u64 *entry, active;
	struct nfc_ctx *c;
	__u32 block;

	*rc = NFC_RC_PASS;
	entry = bpf_map_lookup_elem(&nfc_chains, &chain);
	if (!entry)
		return NULL;
	/* one 8-byte load: block and version always belong together */
	active = *(volatile __u64 *)entry;
	block = NFC_ACTIVE_BLOCK(active);
	if (!block) {
		s = nfc_chain_stats_get(chain);
		if (s)
			s->no_version++;
		return NULL;
	}

	c = nfc_ctx_get();
	if (!c) {
		s = nfc_chain_stats_get(chain);
		if (s) {
			s->packets++;
			s->bytes += nfc_len(pkt);
			s->verdict[NFC_V_DROP]++;
			s->drop[NFC_DROP_NO_CONTEXT]++;
		}
		*rc = NFC_RC_DROP;
		return NULL;
	}
	c->chain = chain;
	c->version = NFC_ACTIVE_VERSION(active);
	c->base = block * NFC_BLOCK_SIZE;
	c->hop = 0;
	c->nocache = NFC_ACTIVE_NOCACHE(active);
	c->ct_state = NFC_CT_NONE;
	c->ct_dir = NFC_CT_ORIG;
	c->ct_flags = 0;
	c->ct_handle = 0;
	*block_out = block;
	return c;
}

/* The action set of a packet that runs the chain, or is dropped before it:
 * nothing decided yet. A flow cache hit takes its entry's instead, so the
 * fast path does not clear it first. */
static __always_inline void nfc_root_act_init(struct nfc_ctx *c)
{
	__builtin_memset(&c->act, 0, sizeof(c->act));
	c->act.key = c->key;
	c->act.verdict = NFC_V_PASS;
}

/* The ingress endpoint counts what enters the chain (but for the hits of
 * a flow slot, which the slot counts). */
static __always_inline void nfc_root_count_in(struct nfc_pkt *pkt,
					      struct nfc_ctx *c)
{
	nfc_count_ep(c->key.ifindex, 0, 1, nfc_len(pkt));
}

/* A hit's action set @a becomes the packet's. Its key is read only when
 * the chain rewrote it: else it is the packet's, in the context already. */
static __always_inline void nfc_root_take(struct nfc_ctx *c,
					  const struct nfc_action *a)
{
	__builtin_memcpy(&c->act, a, sizeof(struct nfc_act_head));
	if (a->flags & NFC_ACT_KEY)
		c->act.key = a->key;
	else
		c->act.key = c->key;
	if (a->flags & NFC_ACT_TUN)
		c->act.tun = a->tun;
}

/* The same for a hit of slot @s (index @idx): a rewritten key and a
 * tunnel are in its parallel part. 0, or -1 when that part is missing. */
static __always_inline int nfc_root_take_slot(struct nfc_ctx *c,
					      const struct nfc_flow_slot *s,
					      __u32 idx)
{
	const struct nfc_flow_slot_ext *e;

	__builtin_memcpy(&c->act, &s->act, sizeof(struct nfc_act_head));
	if (!(s->act.flags & NFC_ACT_EXT)) {
		c->act.key = c->key;
		return 0;
	}
	e = bpf_map_lookup_elem(&nfc_flow_slot_ext, &idx);
	if (!e)
		return -1;
	if (s->act.flags & NFC_ACT_KEY)
		c->act.key = e->act_key;
	else
		c->act.key = c->key;
	if (s->act.flags & NFC_ACT_TUN)
		c->act.tun = e->act_tun;
	return 0;
}

/*
 * The fast path, flow slot first: the packet's flow served by this CPU's
 * slot, or else by its flow entry (which then fills the slot). 1 with the
 * hook's verdict in *rc when it was, 0 when the packet takes the slow path
 * (with the entry found, if any, in *fp).
 */
static __always_inline int nfc_root_fast(struct nfc_pkt *pkt,
					 struct nfc_ctx *c, int *rc,
					 struct nfc_flow **fp)
{
	struct nfc_flow_slot *s;
	struct nfc_flow *f;
	__u64 now = 0;
	__u32 idx = 0;

	*fp = NULL;
	s = nfc_flow_slot_hit(c, &now, &idx);
	if (s && (!nfc_flow_act_serves(c, s->act.flags) ||
		  nfc_root_take_slot(c, s, idx)))
		s = NULL;
	if (s) {
#ifdef NFC_ROOT_EXEC_TAILCALL
		/* the alternative nfbench measures against: a tail call (the
		 * slot counts the packet first: a drop by the executor, rare
		 * for a cached result, would be counted twice) */
		s->packets++;
		s->bytes += nfc_len(pkt);
		s->last_ns = now;
		c->hop = NFC_HOP_SLOT;
		bpf_tail_call(pkt, &NFC_PROGS, NFC_EXEC_SLOT);
		*rc = nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
		return 1;
#endif
		*rc = nfc_exec_run(pkt, c, NFC_EXEC_BY_SLOT);
		if (*rc == NFC_RC_DROP) {
			/* counted as it happened (nfc_drop), not as a hit */
			nfc_root_count_in(pkt, c);
			nfc_count_chain(c->chain, 0, 0, 0, 1);
		} else {
			s->packets++;
			s->bytes += nfc_len(pkt);
			s->last_ns = now;
		}
		return 1;
	}
	nfc_root_count_in(pkt, c);
	f = nfc_flow_lookup(c);
	*fp = f;
	if (!f || !nfc_flow_usable(c, f))
		return 0;
	now = nfc_now();
	if (!nfc_flow_hit(pkt, f, now))
		return 0;
	nfc_count_chain(c->chain, 0, 0, 0, 1);
	nfc_root_take(c, &f->act);
	nfc_flow_slot_fill(f, now);
#ifdef NFC_ROOT_EXEC_TAILCALL
	/* the alternative nfbench measures against: a tail call */
	c->hop = NFC_HOP_FAST;
	bpf_tail_call(pkt, &NFC_PROGS, NFC_EXEC_SLOT);
	*rc = nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
#else
	*rc = nfc_exec_run(pkt, c, NFC_EXEC_BY_ENTRY);
#endif
	return 1;
}

#endif /* NFC_ROOT_H */
