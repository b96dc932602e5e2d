/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor: turns a packet's action set into packet writes (MACs,
 * addresses, ports, TTL, with incremental checksum updates) at the offsets
 * the root parsed, so a VXLAN packet has its inner frame rewritten, and the
 * verdict into the hook's return code. One code for both paths: the
 * executor program (slot NFC_EXEC_SLOT) ends every chain, and the root runs
 * the same function inline for a flow cache hit, so a cached flow is
 * handled exactly as its first packet was.
 *
 * After a chain (the slow path) it also reports the decision once per
 * connection and stores the result in the flow cache when the flow may be
 * cached. Every packet is counted once in nfc_chain_stats, and in its
 * rule's and endpoints' counters.
 *
 * Checksums: XDP sees wire bytes and updates them itself (RFC 1624). TC uses
 * bpf_l3/l4_csum_replace() so that CHECKSUM_PARTIAL skbs stay right, and
 * repairs skb->csum of CHECKSUM_COMPLETE skbs for the changes those helpers
 * do not account for (IPv6 addresses, hop limit, inner MACs, UDP without
 * checksum).
 */
#ifndef NFC_EXEC_H
#define NFC_EXEC_H

#include "nfc.h"
#include "parse.h"
#include "csum.h"
#include "ct.h"
#include "flow.h"

#define NFC_ACT_REWRITES                                                      \
	(NFC_ACT_KEY | NFC_ACT_TTL_DEC | NFC_ACT_DECAP | NFC_ACT_ENCAP |       \
	 NFC_ACT_ARP_REPLY | NFC_ACT_ND_REPLY | NFC_ACT_QUOTE)

/* What VXLAN puts before a frame: outer Ethernet, IPv4, UDP and VXLAN. */
#define NFC_VXLAN_OVERHEAD (14 + 20 + 8 + NFC_VXLAN_HLEN)
/* An underlay's MTU is at least IPv6's minimum: a frame that fits it once
 * encapsulated goes without the MTU check (a helper call, 20-100 ns) */
#define NFC_VXLAN_MTU_MIN 1280
/* BPF_F_ADJ_ROOM_DECAP_L3_IPV6 of Linux 6.3's uapi, which Debian 12's
 * headers (6.1) lack; older kernels refuse the flag (-EINVAL) */
#define NFC_ADJ_ROOM_DECAP_L3_IPV6 (1ULL << 8)

/* The checksum that covers the L4 header. */
enum nfc_l4csum {
	NFC_L4C_NONE = 0,
	NFC_L4C_TCP,
	NFC_L4C_UDP,  /* 0: the sender did not checksum */
	NFC_L4C_ICMP, /* no pseudo-header */
	NFC_L4C_ICMP6,
};

/* How nfc_csum_fix() treats a checksum field. */
#define NFC_CSUM_L4 (1 << 0)	  /* an L4 checksum (else IPv4 header) */
#define NFC_CSUM_PSEUDO (1 << 1)  /* the change is in the pseudo-header */
#define NFC_CSUM_ZERO_OK (1 << 2) /* 0 means none, and stays 0 (UDP) */

struct nfc_wr {
	__u32 eth;	/* the (inner) Ethernet header */
	__u32 l3;
	__u32 l4;
	__u32 l4csum;	/* offset of the L4 checksum */
	__u8 kind;	/* enum nfc_l4csum */
	bool mac_sum;	/* MACs are checksummed (inner frame of VXLAN) */
	/* Change of the bytes from the outermost network header on: what the
	 * outer UDP checksum of VXLAN and skb->csum (CHECKSUM_COMPLETE) see. */
	nfc_wsum region;
	/* What bpf_l4_csum_replace(BPF_F_PSEUDO_HDR) did to skb->csum. */
	nfc_wsum helper;
};

/* Update the checksum at @off for a change @diff of the bytes it covers. */
static __always_inline int nfc_csum_fix(struct nfc_pkt *pkt, struct nfc_wr *w,
					__u32 off, nfc_wsum diff, __u32 how)
{
	__u16 *p = nfc_pkt_ptr(pkt, off, 2);

	if (!p)
		return -1;
	if ((how & NFC_CSUM_ZERO_OK) && !*p)
		return 0;
#if defined(NFC_HOOK_XDP)
	{
		__u16 sum = nfc_csum_apply(*p, diff);

		*p = (how & NFC_CSUM_ZERO_OK) && !sum ? 0xffff : sum;
	}
#else
	if (how & NFC_CSUM_L4) {
		__u64 flags = 0;

		if (how & NFC_CSUM_PSEUDO)
			flags |= BPF_F_PSEUDO_HDR;
		if (how & NFC_CSUM_ZERO_OK)
			flags |= BPF_F_MARK_MANGLED_0;
		if (bpf_l4_csum_replace(pkt, off, 0, diff, flags))
			return -1;
		/* the kernel assumes the pseudo-header outside skb->csum */
		if (how & NFC_CSUM_PSEUDO)
			w->helper = nfc_csum_add(w->helper, nfc_csum_neg(diff));
	} else if (bpf_l3_csum_replace(pkt, off, 0, diff, 0)) {
		return -1;
	}
#endif
	/* the field itself moves the other way */
	w->region = nfc_csum_add(w->region, nfc_csum_neg(diff));
	return 0;
}

/* Write @n 16-bit words at @off; what they changed goes to @diff. */
static __always_inline int nfc_put(struct nfc_pkt *pkt, __u32 off,
				   const __u16 *src, const int n,
				   nfc_wsum *diff)
{
	__u16 *p = nfc_pkt_ptr(pkt, off, n * 2);
	nfc_wsum d = 0;
	int i;

	if (!p)
		return -1;
#pragma unroll
	for (i = 0; i < n; i++) {
		d = nfc_csum_add(d, nfc_csum_diff16(p[i], src[i]));
		p[i] = src[i];
	}
	*diff = d;
	return 0;
}

static __always_inline int nfc_exec_ttl(struct nfc_pkt *pkt,
					const struct nfc_ctx *c,
					struct nfc_wr *w)
{
	bool v4 = c->key.l3 == NFC_L3_IPV4;
	__u16 old, *word;
	nfc_wsum diff;
	__u8 *ttl;

	if (!v4 && c->key.l3 != NFC_L3_IPV6)
		return NFC_DROP_REWRITE;
	/* IPv4: [ttl, protocol] at 8; IPv6: [next header, hop limit] at 6 */
	word = nfc_pkt_ptr(pkt, w->l3 + (v4 ? 8 : 6), 2);
	if (!word)
		return NFC_DROP_REWRITE;
	ttl = (__u8 *)word + (v4 ? 0 : 1);
	if (*ttl <= 1)
		return NFC_DROP_TTL_EXCEEDED;
	old = *word;
	*ttl -= 1;
	diff = nfc_csum_diff16(old, *word);
	w->region = nfc_csum_add(w->region, diff);
	if (v4 && nfc_csum_fix(pkt, w, w->l3 + 10, diff, 0))
		return NFC_DROP_REWRITE;
	return 0;
}

static __always_inline int nfc_exec_mac(struct nfc_pkt *pkt, __u32 off,
					const __u8 *mac, struct nfc_wr *w)
{
	__u16 words[3];
	nfc_wsum diff;

	__builtin_memcpy(words, mac, 6);
	if (nfc_put(pkt, off, words, 3, &diff))
		return NFC_DROP_REWRITE;
	if (w->mac_sum)
		w->region = nfc_csum_add(w->region, diff);
	return 0;
}

/* An ARP request turned into its reply, from the operation on (RFC 826:
 * operation, sender MAC and address, target MAC and address): the sender
 * is action.key.smac at the address the request asked for, the target
 * the asker. The bytes are in skb->csum's region (the MACs are not). */
static __always_inline int nfc_exec_arp(struct nfc_pkt *pkt,
					const struct nfc_ctx *c,
					struct nfc_wr *w)
{
	__u16 sender[6], target[5];
	nfc_wsum d1, d2;

	if (c->key.l3 != NFC_L3_ARP || c->key.proto != 1 /* request */)
		return NFC_DROP_REWRITE;
	sender[0] = bpf_htons(2);
	__builtin_memcpy(&sender[1], c->act.key.smac, 6);
	__builtin_memcpy(&sender[4], &c->key.daddr.v4, 4);
	__builtin_memcpy(&target[0], c->key.smac, 6);
	__builtin_memcpy(&target[3], &c->key.saddr.v4, 4);
	/* two writes: one of eleven words lost its bounds in the compiler */
	if (nfc_put(pkt, w->l3 + 6, sender, 6, &d1) ||
	    nfc_put(pkt, w->l3 + 18, target, 5, &d2))
		return NFC_DROP_REWRITE;
	w->region = nfc_csum_add(w->region, nfc_csum_add(d1, d2));
	return 0;
}

/* An IPv6 neighbour solicitation turned into its advertisement (RFC 4861,
 * 4.4), from the ICMPv6 header on: type 136, flags solicited and override,
 * the target as it was, the option after it (the solicitation's source
 * link-layer address, which the module checked is there) the target's
 * link-layer address, action.key.smac. The addresses were rewritten
 * before, the checksum's pseudo-header with them. */
static __always_inline int nfc_exec_nd(struct nfc_pkt *pkt,
				       const struct nfc_ctx *c,
				       struct nfc_wr *w)
{
	__u8 head[4] = { 136, 0 }, flags[4] = { 0x60 }, opt[8] = { 2, 1 };
	__u16 hw[1], fw[2], ow[4];
	nfc_wsum d1, d2, d3, diff;

	if (w->kind != NFC_L4C_ICMP6 || *(__u8 *)&c->key.dport != 135)
		return NFC_DROP_REWRITE;
	__builtin_memcpy(opt + 2, c->act.key.smac, 6);
	__builtin_memcpy(hw, head, 2);
	__builtin_memcpy(fw, flags, 4);
	__builtin_memcpy(ow, opt, 8);
	if (nfc_put(pkt, w->l4, hw, 1, &d1) ||
	    nfc_put(pkt, w->l4 + 4, fw, 2, &d2) ||
	    nfc_put(pkt, w->l4 + 24, ow, 4, &d3))
		return NFC_DROP_REWRITE;
	diff = nfc_csum_add(d1, nfc_csum_add(d2, d3));
	w->region = nfc_csum_add(w->region, diff);
	if (nfc_csum_fix(pkt, w, w->l4csum, diff, NFC_CSUM_L4))
		return NFC_DROP_REWRITE;
	return 0;
}

static __always_inline int nfc_exec_addr(struct nfc_pkt *pkt,
					 const struct nfc_ctx *c,
					 struct nfc_wr *w, bool src)
{
	const union nfc_addr *a = src ? &c->act.key.saddr : &c->act.key.daddr;
	__u16 words[8];
	nfc_wsum diff;
	__u32 how;

	if (c->key.l3 == NFC_L3_IPV4) {
		__builtin_memcpy(words, &a->v4, 4);
		if (nfc_put(pkt, w->l3 + (src ? 12 : 16), words, 2, &diff))
			return NFC_DROP_REWRITE;
		w->region = nfc_csum_add(w->region, diff);
		if (nfc_csum_fix(pkt, w, w->l3 + 10, diff, 0))
			return NFC_DROP_REWRITE;
	} else if (c->key.l3 == NFC_L3_IPV6) {
		__builtin_memcpy(words, a->b, 16);
		if (nfc_put(pkt, w->l3 + (src ? 8 : 24), words, 8, &diff))
			return NFC_DROP_REWRITE;
		w->region = nfc_csum_add(w->region, diff);
	} else {
		return NFC_DROP_REWRITE;
	}

	switch (w->kind) {
	case NFC_L4C_TCP:
	case NFC_L4C_ICMP6:
		how = NFC_CSUM_L4 | NFC_CSUM_PSEUDO;
		break;
	case NFC_L4C_UDP:
		how = NFC_CSUM_L4 | NFC_CSUM_PSEUDO | NFC_CSUM_ZERO_OK;
		break;
	default:
		return 0; /* ICMP has no pseudo-header; later fragments no L4 */
	}
	if (nfc_csum_fix(pkt, w, w->l4csum, diff, how))
		return NFC_DROP_REWRITE;
	return 0;
}

/* TCP/UDP ports; for ICMP(v6) the key's sport is the echo identifier and
 * its dport type and code, and so are the rewrites. */
static __always_inline int nfc_exec_port(struct nfc_pkt *pkt,
					 const struct nfc_ctx *c,
					 struct nfc_wr *w, bool src)
{
	__u16 port = src ? c->act.key.sport : c->act.key.dport;
	__u32 how = NFC_CSUM_L4, off;
	nfc_wsum diff;

	switch (w->kind) {
	case NFC_L4C_UDP:
		how |= NFC_CSUM_ZERO_OK;
		/* fallthrough */
	case NFC_L4C_TCP:
		off = w->l4 + (src ? 0 : 2);
		break;
	case NFC_L4C_ICMP:
	case NFC_L4C_ICMP6:
		if (!src)
			off = w->l4;
		else if (nfc_icmp_is_echo(c->key.l3, *(__u8 *)&c->key.dport))
			off = w->l4 + 4;
		else
			return NFC_DROP_REWRITE;
		break;
	default:
		return NFC_DROP_REWRITE;
	}
	if (nfc_put(pkt, off, &port, 1, &diff))
		return NFC_DROP_REWRITE;
	w->region = nfc_csum_add(w->region, diff);
	if (nfc_csum_fix(pkt, w, w->l4csum, diff, how))
		return NFC_DROP_REWRITE;
	return 0;
}

/* An ICMP error's quoted packet (IPv4) rewritten to c->quote. Its
 * header checksum moves with its addresses, so the ICMP checksum sees no
 * change from them; the quoted transport checksum is left as it was (the
 * quote may end before it, and receivers match errors by addresses and
 * ports without checking it), so the ICMP checksum takes the ports'. */
static __always_inline int nfc_exec_quote(struct nfc_pkt *pkt,
					  const struct nfc_ctx *c,
					  struct nfc_wr *w)
{
	__u32 q = w->l4 + 8, ql4;
	nfc_wsum diff, pd;
	__u16 words[4];
	__u8 *ip, *t, proto;

	if (c->key.l3 != NFC_L3_IPV4 || w->kind != NFC_L4C_ICMP)
		return NFC_DROP_REWRITE;
	ip = nfc_pkt_ptr(pkt, q, 20);
	if (!ip || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5)
		return NFC_DROP_REWRITE;
	ql4 = q + (ip[0] & 0xf) * 4;
	proto = ip[9];
	__builtin_memcpy(words, &c->quote.saddr.v4, 4);
	__builtin_memcpy(words + 2, &c->quote.daddr.v4, 4);
	if (nfc_put(pkt, q + 12, words, 4, &diff))
		return NFC_DROP_REWRITE;
	w->region = nfc_csum_add(w->region, diff);
	if (nfc_csum_fix(pkt, w, q + 10, diff, 0))
		return NFC_DROP_REWRITE;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		words[0] = c->quote.sport;
		words[1] = c->quote.dport;
		if (nfc_put(pkt, ql4, words, 2, &pd))
			return NFC_DROP_REWRITE;
		break;
	case IPPROTO_ICMP:
		t = nfc_pkt_ptr(pkt, ql4, 1);
		if (!t)
			return NFC_DROP_REWRITE;
		if (*t == 8)
			words[0] = c->quote.sport;
		else if (*t == 0)
			words[0] = c->quote.dport;
		else
			return 0;
		if (nfc_put(pkt, ql4 + 4, words, 1, &pd))
			return NFC_DROP_REWRITE;
		break;
	default:
		return 0;
	}
	w->region = nfc_csum_add(w->region, pd);
	if (nfc_csum_fix(pkt, w, w->l4csum, pd, NFC_CSUM_L4))
		return NFC_DROP_REWRITE;
	return 0;
}

/* Apply the rewrites of the frame (@shift bytes of outer headers already
 * taken off); a drop reason, or 0. */
static __always_inline int nfc_exec_frame_do(struct nfc_pkt *pkt,
					     const struct nfc_ctx *c,
					     __u32 shift)
{
	bool vxlan = (c->key.flags & NFC_KEY_F_VXLAN) && !shift;
	__u16 flags = c->act.flags;
	struct nfc_wr w = {
		.eth = vxlan ? c->inner_off : 0,
		.l3 = c->l3_off - shift,
		.l4 = c->l4_off - shift,
		.mac_sum = vxlan,
	};
	int r;

	if (c->key.flags & NFC_KEY_F_L4) {
		switch (c->key.proto) {
		case IPPROTO_TCP:
			w.kind = NFC_L4C_TCP;
			w.l4csum = w.l4 + 16;
			break;
		case IPPROTO_UDP:
			w.kind = NFC_L4C_UDP;
			w.l4csum = w.l4 + 6;
			break;
		case IPPROTO_ICMP:
			w.kind = NFC_L4C_ICMP;
			w.l4csum = w.l4 + 2;
			break;
		case IPPROTO_ICMPV6:
			w.kind = NFC_L4C_ICMP6;
			w.l4csum = w.l4 + 2;
			break;
		}
	}

	/* first, so that a packet out of hops is dropped unwritten */
	if (flags & NFC_ACT_TTL_DEC) {
		r = nfc_exec_ttl(pkt, c, &w);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_DMAC) {
		r = nfc_exec_mac(pkt, w.eth, c->act.key.dmac, &w);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_SMAC) {
		r = nfc_exec_mac(pkt, w.eth + 6, c->act.key.smac, &w);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_ARP_REPLY) {
		r = nfc_exec_arp(pkt, c, &w);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_ND_REPLY) {
		r = nfc_exec_nd(pkt, c, &w);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_SADDR) {
		r = nfc_exec_addr(pkt, c, &w, true);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_DADDR) {
		r = nfc_exec_addr(pkt, c, &w, false);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_SPORT) {
		r = nfc_exec_port(pkt, c, &w, true);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_DPORT) {
		r = nfc_exec_port(pkt, c, &w, false);
		if (r)
			return r;
	}
	if (flags & NFC_ACT_QUOTE) {
		r = nfc_exec_quote(pkt, c, &w);
		if (r)
			return r;
	}

	/* The outer UDP checksum (before the 8-byte VXLAN header) covers
	 * every byte of the inner frame. */
	if (vxlan && nfc_csum_fix(pkt, &w, c->inner_off - NFC_VXLAN_HLEN - 2,
				  w.region, NFC_CSUM_L4 | NFC_CSUM_ZERO_OK))
		return NFC_DROP_REWRITE;

#if defined(NFC_HOOK_TC)
	{
		/* skb->csum must move as the bytes did; the helpers moved it
		 * by w.helper. A no-op unless CHECKSUM_COMPLETE. */
		__u16 fix = nfc_csum_fold(nfc_csum_add(w.region,
						       nfc_csum_neg(w.helper)));

		if (fix && fix != 0xffff)
			bpf_csum_update(pkt, fix);
	}
#endif
	return 0;
}

/* What nfc_exec_frame() returns: a global function's result is a number
 * the verifier knows nothing of (a reason compared and returned as it was
 * would reach the counters unbounded), so its caller makes it a reason. */
enum nfc_frame_rc {
	NFC_FRAME_OK = 0,
	NFC_FRAME_FAILED,
	NFC_FRAME_TTL, /* TTL or hop limit expired */
};

/* nfc_exec_frame_do() as a global function, like the tunnel's below: its
 * many checksum updates verified once, not on every path of the root and
 * the executor into it (inline, they were most of the root's
 * verification: 170 ms of every chain's attach). */
__noinline int nfc_exec_frame(struct nfc_pkt *pkt, const struct nfc_ctx *c,
			      __u32 shift)
{
	int r;

	if (!c)
		return NFC_FRAME_FAILED;
	r = nfc_exec_frame_do(pkt, c, shift);
	if (r == NFC_DROP_TTL_EXCEEDED)
		return NFC_FRAME_TTL;
	return r ? NFC_FRAME_FAILED : NFC_FRAME_OK;
}

/* What nfc_exec_decap() and nfc_exec_encap() return: a global function's
 * result is a number the verifier knows nothing of, so the caller turns it
 * into a reason (an index into counters) by comparisons. */
enum nfc_tun_rc {
	NFC_TUN_OK = 0,
	NFC_TUN_FAILED,
	NFC_TUN_TOO_BIG,     /* encap: longer than the way out takes */
	NFC_TUN_NO_DEVICE,   /* encap: no such way out */
	NFC_TUN_FROM_OTHER,  /* decap: from another VTEP than the flow's */
	NFC_TUN_TO_OTHER,    /* decap: to another address than the flow's */
};

/*
 * Take the outer headers of a VXLAN packet off: what is left is its inner
 * frame. Its outer IPv4 addresses must be the action set's (the flow key
 * is the inner frame's alone: a packet of the flow from another VTEP, or
 * to another VPC's VTEP, is not the one the chain decapsulated). XDP moves
 * the start of the frame. TC takes a tag the device took off (the outer
 * frame's), writes the inner Ethernet header over the outer one (the
 * skb's MAC header, outside skb->csum) and takes what followed it up to
 * the inner frame's L3 out with bpf_skb_adjust_room(), which keeps
 * skb->csum and GSO right (the segment size fixed). A global function, as
 * is the encap: verified once, not on every path of the executor into it
 * (with both inline, the TC executor took the verifier past its million
 * instructions).
 */
__noinline int nfc_exec_decap(struct nfc_pkt *pkt, const struct nfc_ctx *c)
{
	__u32 inner, outer;
	__be32 *addrs;

	if (!c || !(c->key.flags & NFC_KEY_F_VXLAN))
		return NFC_TUN_FAILED;
	inner = c->inner_off;
	outer = c->outer_l3_off;
	if (inner < NFC_VXLAN_OVERHEAD || outer > inner)
		return NFC_TUN_FAILED;
	/* the outer IPv4 header's source and destination */
	addrs = nfc_pkt_ptr(pkt, outer + 12, 8);
	if (!addrs)
		return NFC_TUN_FAILED;
	if (addrs[0] != c->act.tun.saddr)
		return NFC_TUN_FROM_OTHER;
	if (addrs[1] != c->act.tun.daddr)
		return NFC_TUN_TO_OTHER;
#if defined(NFC_HOOK_XDP)
	if (bpf_xdp_adjust_head(pkt, inner))
		return NFC_TUN_FAILED;
#else
	{
		__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;
		__u16 *to, *from;
		int i;

		/* an outer tag in the data would stay */
		if (outer != ETH_HLEN)
			return NFC_TUN_FAILED;
		if (pkt->vlan_present && bpf_skb_vlan_pop(pkt))
			return NFC_TUN_FAILED;
		to = nfc_pkt_ptr(pkt, 0, ETH_HLEN);
		from = nfc_pkt_ptr(pkt, inner, ETH_HLEN);
		if (!to || !from)
			return NFC_TUN_FAILED;
#pragma unroll
		for (i = 0; i < ETH_HLEN / 2; i++)
			to[i] = from[i];
		/* the skb's protocol follows the inner frame's (6.3+; before,
		 * it stays the outer one's until a veth peer or the stack
		 * reads the Ethernet header again) */
		if (c->key.l3 == NFC_L3_IPV6 &&
		    !bpf_skb_adjust_room(pkt, -(__s32)inner, BPF_ADJ_ROOM_MAC,
					 flags | NFC_ADJ_ROOM_DECAP_L3_IPV6))
			return NFC_TUN_OK;
		if (bpf_skb_adjust_room(pkt, -(__s32)inner, BPF_ADJ_ROOM_MAC,
					flags))
			return NFC_TUN_FAILED;
	}
#endif
	return NFC_TUN_OK;
}

/* The outer headers of an encap, as they go on the wire. */
struct nfc_vxlan_hdrs {
	__u8 dmac[6];
	__u8 smac[6];
	__be16 proto;
	/* IPv4 */
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
	/* UDP */
	__be16 sport;
	__be16 dport;
	__be16 len;
	__u16 csum;
	/* VXLAN */
	__u8 vx_flags;
	__u8 vx_rsvd[3];
	__be32 vni; /* << 8 */
} __attribute__((__packed__));
_Static_assert(sizeof(struct nfc_vxlan_hdrs) == NFC_VXLAN_OVERHEAD,
	       "struct nfc_vxlan_hdrs");

/* Write the outer headers of tunnel @t for a frame of @len bytes at @h,
 * in the packet. */
static __always_inline void nfc_vxlan_hdrs_put(struct nfc_vxlan_hdrs *h,
					       const struct nfc_tunnel *t,
					       __u32 len)
{
	__u16 tot_len = bpf_htons(len + NFC_VXLAN_OVERHEAD - ETH_HLEN);
	__u64 sum;

	nfc_mac_copy(h->dmac, t->dmac);
	nfc_mac_copy(h->smac, t->smac);
	h->proto = bpf_htons(ETH_P_IP);
	h->ver_ihl = 0x45;
	h->tos = 0;
	h->tot_len = tot_len;
	/* DF: the first hop's MTU is checked, and a VTEP does not
	 * reassemble; an atomic datagram needs no unique id (RFC 6864) */
	h->id = 0;
	h->frag_off = bpf_htons(0x4000);
	h->ttl = 64;
	h->protocol = IPPROTO_UDP;
	h->check = 0;
	h->saddr = t->saddr;
	h->daddr = t->daddr;
	h->sport = t->sport;
	h->dport = t->port;
	h->len = bpf_htons(len + 8 + NFC_VXLAN_HLEN);
	/* none (RFC 7348, 5: an IPv4 VTEP SHOULD send 0, MUST accept it) */
	h->csum = 0;
	h->vx_flags = NFC_VXLAN_F_VNI;
	h->vx_rsvd[0] = 0;
	h->vx_rsvd[1] = 0;
	h->vx_rsvd[2] = 0;
	h->vni = bpf_htonl(t->vni << 8);
	/* the header's sum from what was written, not read back: version,
	 * tos, DF, ttl and protocol are constants */
	sum = (__u64)bpf_htons(0x4500) + tot_len + bpf_htons(0x4000) +
	      bpf_htons(64 << 8 | IPPROTO_UDP) + t->saddr + t->daddr;
	h->check = ~nfc_csum_fold(nfc_csum_add((nfc_wsum)sum, sum >> 32));
}

/*
 * Put the tunnel's outer headers on the frame. Too long for the way out
 * once they are on (bpf_check_mtu(); for a GSO skb, its segments) is a
 * drop of its own. XDP moves the start of the frame. TC makes room after
 * the Ethernet header with bpf_skb_adjust_room() as an encap (the skb then
 * knows its inner headers: GSO segments and checksums the inner frame
 * where it must, and the segment size shrinks by the overhead), copies the
 * Ethernet header in as the inner one and writes the outer ones (a frame
 * that is not IP gets its room before the Ethernet header with
 * bpf_skb_change_head(), the one helper that takes any frame); skb->csum
 * gains what was written after the outer Ethernet header (a no-op unless
 * CHECKSUM_COMPLETE).
 */
/* Whether a frame of @len bytes fits the MTU of @ifindex once
 * encapsulated: NFC_TUN_OK, or why not. @ifindex 0 (not a redirect): the
 * device the packet is on. A GSO skb's segments are what is checked. */
static __always_inline int nfc_encap_fits(struct nfc_pkt *pkt, __u32 ifindex,
					  __u32 len)
{
	__u32 mtu = 0;
	long r;

	if (len + NFC_VXLAN_OVERHEAD <= NFC_VXLAN_MTU_MIN + ETH_HLEN)
		return NFC_TUN_OK;
	r = bpf_check_mtu(pkt, ifindex, &mtu, NFC_VXLAN_OVERHEAD, 0);
	if (!r)
		return NFC_TUN_OK;
	return r < 0 ? NFC_TUN_NO_DEVICE : NFC_TUN_TOO_BIG;
}

__noinline int nfc_exec_encap(struct nfc_pkt *pkt, const struct nfc_ctx *c)
{
	__u32 len = nfc_len(pkt);
	struct nfc_vxlan_hdrs *h;
	int r;

	if (!c)
		return NFC_TUN_FAILED;
	/* the outer IPv4 total length (BIG TCP's GSO skbs are longer) */
	if (len > 0xffff - (NFC_VXLAN_OVERHEAD - ETH_HLEN))
		return NFC_TUN_TOO_BIG;
	r = nfc_encap_fits(pkt, c->act.out_ifindex, len);
	if (r != NFC_TUN_OK)
		return r;
#if defined(NFC_HOOK_XDP)
	if (bpf_xdp_adjust_head(pkt, -(int)NFC_VXLAN_OVERHEAD))
		return NFC_TUN_FAILED;
	h = nfc_pkt_ptr(pkt, 0, NFC_VXLAN_OVERHEAD);
	if (!h)
		return NFC_TUN_FAILED;
	nfc_vxlan_hdrs_put(h, &c->act.tun, len);
#else
	{
		nfc_u16a *w;
		nfc_wsum sum = 0;
		int i;

		bool ip = c->key.l3 == NFC_L3_IPV4 || c->key.l3 == NFC_L3_IPV6;

		/* bpf_skb_adjust_room() takes IP skbs alone; other frames
		 * (never GSO) get room before the Ethernet header, which is
		 * then where the inner one goes; their skb->protocol stays
		 * theirs until a veth peer or the stack reads the outer
		 * header */
		if (!ip) {
			if (bpf_skb_change_head(pkt, NFC_VXLAN_OVERHEAD, 0))
				return NFC_TUN_FAILED;
		} else if (bpf_skb_adjust_room(pkt, NFC_VXLAN_OVERHEAD,
					       BPF_ADJ_ROOM_MAC,
					       BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
						BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
						BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
						BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN))) {
			return NFC_TUN_FAILED;
		}
		w = nfc_pkt_ptr(pkt, 0, NFC_VXLAN_OVERHEAD + ETH_HLEN);
		if (!w)
			return NFC_TUN_FAILED;
		/* the Ethernet header, still first, becomes the inner one */
		if (ip) {
#pragma unroll
			for (i = 0; i < ETH_HLEN / 2; i++)
				w[NFC_VXLAN_OVERHEAD / 2 + i] = w[i];
		}
		h = (struct nfc_vxlan_hdrs *)w;
		nfc_vxlan_hdrs_put(h, &c->act.tun, len);
		/* a non-IP frame's new bytes are all MAC header (its mac_len
		 * grows), which the kernel adds to skb->csum itself when it
		 * redirects */
		if (!ip)
			return 0;
#pragma unroll
		for (i = ETH_HLEN / 2; i < (NFC_VXLAN_OVERHEAD + ETH_HLEN) / 2;
		     i++)
			sum = nfc_csum_add(sum, w[i]);
		bpf_csum_update(pkt, sum);
	}
#endif
	return 0;
}

/*
 * ICMP "packet too big" for a datagram too long for its way out once
 * encapsulated (the executor's encap said NFC_TUN_TOO_BIG): the packet
 * becomes the error, from the datagram's destination to its source (as the
 * kernel's VXLAN device answers for a bridged tunnel), quoting the
 * datagram's header and 20 bytes after it, with the MTU left for it inside
 * the tunnel; the caller sends it back out of the ingress. IPv4: type 3
 * code 4, only for a datagram that may not be fragmented (DF) and has no
 * options; IPv6: type 2. Never about an ICMP error or a fragment but the
 * first, to or from a group address (MAC or IP), from an unspecified or
 * loopback one (RFC 1122 3.2.2, RFC 4443 2.4); at most NFC_PTB_BURST in a
 * row and NFC_PTB_PER_S a second per CPU after that (nfc_ptb_rate). 0
 * when the packet is the error now, -1 when it stays the datagram (and is
 * dropped).
 */
#define NFC_PTB_BURST 100
#define NFC_PTB_PER_S 1000
#define NFC_PTB_HDRS4 (20 + 8)	/* IPv4, ICMP */
#define NFC_PTB_HDRS6 (40 + 8)	/* IPv6, ICMPv6 */
/* What the error quotes of the datagram: its header and 20 bytes (a TCP
 * header; RFC 792 asks for 8). At TC an skb whose checksum the sender left
 * to finish (CHECKSUM_PARTIAL: TCP's, with offloads on) cannot be cut
 * short of its checksum field. */
#define NFC_PTB_QUOTE4 (20 + 20)
#define NFC_PTB_QUOTE6 (40 + 20)

/* The Ethernet header of the error: back to the datagram's sender (at
 * XDP all of it is new bytes). */
static __always_inline void nfc_ptb_eth(nfc_u16a *w, const struct nfc_ctx *c,
					__u16 type)
{
	__builtin_memcpy(w, c->key.smac, 6);
	__builtin_memcpy(w + 3, c->key.dmac, 6);
	w[6] = bpf_htons(type);
}

/* IPv4 and ICMP 3/4 before the quote, in 16-bit words from the frame's
 * start. */
static __always_inline int nfc_ptb4(struct nfc_pkt *pkt,
				    const struct nfc_ctx *c, __u32 mtu)
{
	nfc_u16a *w = nfc_pkt_ptr(pkt, 0, ETH_HLEN + NFC_PTB_HDRS4 +
						 NFC_PTB_QUOTE4);
	nfc_wsum sum = 0;
	int i;

	if (!w)
		return -1;
	nfc_ptb_eth(w, c, ETH_P_IP);
	w[7] = bpf_htons(0x4500);
	w[8] = bpf_htons(NFC_PTB_HDRS4 + NFC_PTB_QUOTE4);
	w[9] = 0;  /* id */
	w[10] = 0; /* fragment */
	w[11] = bpf_htons(64 << 8 | IPPROTO_ICMP);
	w[12] = 0;
	__builtin_memcpy(w + 13, &c->key.daddr.v4, 4);
	__builtin_memcpy(w + 15, &c->key.saddr.v4, 4);
#pragma unroll
	for (i = 7; i < 17; i++)
		sum = nfc_csum_add(sum, w[i]);
	w[12] = ~nfc_csum_fold(sum);
	w[17] = bpf_htons(3 << 8 | 4);
	w[18] = 0;
	w[19] = 0;
	w[20] = bpf_htons(mtu);
	sum = 0;
#pragma unroll
	for (i = 17; i < 17 + (8 + NFC_PTB_QUOTE4) / 2; i++)
		sum = nfc_csum_add(sum, w[i]);
	w[18] = ~nfc_csum_fold(sum);
	return 0;
}

/* IPv6 and ICMPv6 2 (its checksum over the pseudo-header too). */
static __always_inline int nfc_ptb6(struct nfc_pkt *pkt,
				    const struct nfc_ctx *c, __u32 mtu)
{
	nfc_u16a *w = nfc_pkt_ptr(pkt, 0, ETH_HLEN + NFC_PTB_HDRS6 +
						 NFC_PTB_QUOTE6);
	nfc_wsum sum = bpf_htons(8 + NFC_PTB_QUOTE6) + bpf_htons(IPPROTO_ICMPV6);
	int i;

	if (!w)
		return -1;
	nfc_ptb_eth(w, c, ETH_P_IPV6);
	w[7] = bpf_htons(0x6000);
	w[8] = 0;
	w[9] = bpf_htons(8 + NFC_PTB_QUOTE6);
	w[10] = bpf_htons(IPPROTO_ICMPV6 << 8 | 64);
	__builtin_memcpy(w + 11, c->key.daddr.b, 16);
	__builtin_memcpy(w + 19, c->key.saddr.b, 16);
	w[27] = bpf_htons(2 << 8);
	w[28] = 0;
	w[29] = bpf_htons(mtu >> 16);
	w[30] = bpf_htons(mtu & 0xffff);
#pragma unroll
	for (i = 11; i < 27 + (8 + NFC_PTB_QUOTE6) / 2; i++)
		sum = nfc_csum_add(sum, w[i]);
	w[28] = ~nfc_csum_fold(sum);
	return 0;
}

/* Whether IPv4 address @a (network order) is 0.0.0.0, loopback,
 * multicast or broadcast: never an error's source or destination. */
static __always_inline bool nfc_ptb_bad4(__be32 a)
{
	__u8 b0 = bpf_ntohl(a) >> 24;

	return !a || b0 == 127 || b0 >= 224;
}

/* IPv6: unspecified, loopback or multicast. */
static __always_inline bool nfc_ptb_bad6(const union nfc_addr *a)
{
	return a->b[0] == 0xff ||
	       (!(a->v6[0] | a->v6[1] | a->v6[2]) &&
		(!a->v6[3] || a->v6[3] == bpf_htonl(1)));
}

/* A token of this CPU's bucket for one more error. */
static __always_inline bool nfc_ptb_token(void)
{
	__u32 zero = 0;
	struct nfc_rate *r = bpf_map_lookup_elem(&nfc_ptb_rate, &zero);
	__u64 now = nfc_now(), n;

	if (!r)
		return false;
	n = (now - r->last_ns) / (1000000000ULL / NFC_PTB_PER_S);
	if (n) {
		r->tokens = r->tokens + n > NFC_PTB_BURST ? NFC_PTB_BURST :
							  r->tokens + n;
		r->last_ns = now;
	}
	if (!r->tokens)
		return false;
	r->tokens--;
	return true;
}

__noinline int nfc_exec_ptb(struct nfc_pkt *pkt, const struct nfc_ctx *c)
{
	__u32 len = nfc_len(pkt), mtu = 0, grow, quote;
	const struct nfc_key *k;
	__u8 *ip, type;
	bool v6;

	if (!c || c->l3_off != ETH_HLEN || !c->act.out_ifindex)
		return -1;
	k = &c->key;
	v6 = k->l3 == NFC_L3_IPV6;
	if (!v6 && k->l3 != NFC_L3_IPV4)
		return -1;
	if ((k->dmac[0] | k->smac[0]) & 1 ||
	    (k->flags & NFC_KEY_F_LATER_FRAG) ||
	    (v6 ? nfc_ptb_bad6(&k->saddr) || nfc_ptb_bad6(&k->daddr) :
		  nfc_ptb_bad4(k->saddr.v4) || nfc_ptb_bad4(k->daddr.v4)))
		return -1;
	type = *(__u8 *)&k->dport;
	if (v6 ? k->proto == IPPROTO_ICMPV6 && type < 128 :
		 k->proto == IPPROTO_ICMP && type != 0 && type != 8)
		return -1;
	if (!nfc_ptb_token())
		return -1;
	grow = v6 ? NFC_PTB_HDRS6 : NFC_PTB_HDRS4;
	quote = v6 ? NFC_PTB_QUOTE6 : NFC_PTB_QUOTE4;
	ip = nfc_pkt_ptr(pkt, ETH_HLEN, 20);
	if (!ip || len < ETH_HLEN + quote ||
	    (!v6 && (ip[0] != 0x45 || !(ip[6] & 0x40))))
		return -1;
	/* the MTU of the way out, less what the tunnel adds to an IP
	 * datagram (the inner Ethernet header is in the tunnel too) */
	bpf_check_mtu(pkt, c->act.out_ifindex, &mtu, 0, 0);
	if (mtu < NFC_VXLAN_OVERHEAD + (v6 ? 1280 : 68))
		return -1;
	mtu -= NFC_VXLAN_OVERHEAD;

	/* the datagram cut to its quote, then room for the headers between
	 * the Ethernet header and it */
#if defined(NFC_HOOK_XDP)
	if (bpf_xdp_adjust_tail(pkt, (int)(ETH_HLEN + quote) - (int)len) ||
	    bpf_xdp_adjust_head(pkt, -(int)grow))
		return -1;
#else
	/* (a GSO skb is one datagram once cut; the skb keeps the datagram's
	 * checksum state, which for a local sender's CHECKSUM_PARTIAL points
	 * into the quote: the veth it goes back through completes nothing,
	 * and the error's checksums are whole) */
	if (bpf_skb_change_tail(pkt, ETH_HLEN + quote, 0) ||
	    bpf_skb_adjust_room(pkt, grow, BPF_ADJ_ROOM_MAC, 0))
		return -1;
#endif
	return v6 ? nfc_ptb6(pkt, c, mtu) : nfc_ptb4(pkt, c, mtu);
}

/*
 * The outer 802.1Q tag of the frame at the packet's start: made @tci
 * (network order) when @want, taken off otherwise; @had says whether it
 * has one. At XDP the tag is in the frame: pushed by moving the MACs 4
 * bytes forward, popped by moving them back. At TC the outermost tag is
 * the skb's (the device or the stack took it off the frame), which the
 * helpers push and pop. Of a push, the TPID is 802.1Q's; of a rewrite,
 * the frame's stays. 0, or -1.
 */
static __always_inline int nfc_exec_vlan(struct nfc_pkt *pkt, bool had,
					 bool want, __be16 tci)
{
#if defined(NFC_HOOK_XDP)
	nfc_u16a *w, mac[ETH_ALEN];
	int i;

	if (had && want) {
		w = nfc_pkt_ptr(pkt, 2 * ETH_ALEN, 4);
		if (!w)
			return -1;
		w[1] = tci;
		return 0;
	}
	if (had) {
		w = nfc_pkt_ptr(pkt, 0, 2 * ETH_ALEN);
		if (!w)
			return -1;
#pragma unroll
		for (i = 0; i < ETH_ALEN; i++)
			mac[i] = w[i];
		if (bpf_xdp_adjust_head(pkt, 4))
			return -1;
		w = nfc_pkt_ptr(pkt, 0, 2 * ETH_ALEN);
		if (!w)
			return -1;
#pragma unroll
		for (i = 0; i < ETH_ALEN; i++)
			w[i] = mac[i];
		return 0;
	}
	if (!want)
		return 0;
	if (bpf_xdp_adjust_head(pkt, -4))
		return -1;
	w = nfc_pkt_ptr(pkt, 0, 2 * ETH_ALEN + 4);
	if (!w)
		return -1;
#pragma unroll
	for (i = 0; i < ETH_ALEN; i++)
		w[i] = w[i + 2];
	w[ETH_ALEN] = bpf_htons(ETH_P_8021Q);
	w[ETH_ALEN + 1] = tci;
	return 0;
#else
	/* decided by @had, not by the skb: a pop moves an inner tag into the
	 * skb's place (one in the frame at TC egress is popped from there),
	 * and a push moves the skb's into the frame */
	__be16 tpid = bpf_htons(ETH_P_8021Q);

	if (had) {
		if (want && pkt->vlan_present &&
		    pkt->vlan_tci == bpf_ntohs(tci))
			return 0;
		/* a rewrite keeps the tag's TPID (802.1ad's too) */
		if (pkt->vlan_present)
			tpid = pkt->vlan_proto;
		if (bpf_skb_vlan_pop(pkt))
			return -1;
	}
	if (want && bpf_skb_vlan_push(pkt, tpid, bpf_ntohs(tci)))
		return -1;
	return 0;
#endif
}

/* The action set's outer tag (NFC_ACT_VLAN) onto the frame: 0, or -1. A
 * global function, verified once: inline in every path of the root's
 * executor it made the root's verification ten times longer. */
__noinline int nfc_exec_tag(struct nfc_pkt *pkt, const struct nfc_ctx *c,
			    __u32 shift)
{
	if (!c)
		return -1;
	/* the frame first in the packet: not one still tunnelled */
	if ((c->key.flags & NFC_KEY_F_VXLAN) && !shift)
		return -1;
	return nfc_exec_vlan(pkt, c->key.flags & NFC_KEY_F_VLAN0,
			     c->act.key.flags & NFC_KEY_F_VLAN0,
			     c->act.key.vlan[0]) ? -1 : 0;
}

/* Apply the action set's packet writes, in order: decap, the rewrites of
 * the frame, its outer VLAN tag, encap. A drop reason, or 0. */
static __always_inline int nfc_exec_rewrite(struct nfc_pkt *pkt,
					    const struct nfc_ctx *c)
{
	__u16 flags = c->act.flags;
	__u32 shift = 0;
	int r;

	if (flags & NFC_ACT_DECAP) {
		/* one tunnel in an action set */
		if (flags & NFC_ACT_ENCAP)
			return NFC_DROP_REWRITE;
		r = nfc_exec_decap(pkt, c);
		if (r == NFC_TUN_FROM_OTHER)
			return NFC_DROP_SPOOFED;
		if (r == NFC_TUN_TO_OTHER)
			return NFC_DROP_VTEP_MISMATCH;
		if (r != NFC_TUN_OK)
			return NFC_DROP_REWRITE;
		shift = c->inner_off;
	}
	if (flags & ((NFC_ACT_KEY & ~NFC_ACT_VLAN) | NFC_ACT_TTL_DEC |
		     NFC_ACT_ARP_REPLY | NFC_ACT_ND_REPLY | NFC_ACT_QUOTE)) {
		r = nfc_exec_frame(pkt, c, shift);
		if (r == NFC_FRAME_TTL)
			return NFC_DROP_TTL_EXCEEDED;
		if (r != NFC_FRAME_OK)
			return NFC_DROP_REWRITE;
	}
	if ((flags & NFC_ACT_VLAN) && nfc_exec_tag(pkt, c, shift))
		return NFC_DROP_REWRITE;
	if (flags & NFC_ACT_ENCAP) {
		r = nfc_exec_encap(pkt, c);
		if (r == NFC_TUN_OK)
			return 0;
		if (r == NFC_TUN_TOO_BIG)
			return NFC_DROP_MTU;
		if (r == NFC_TUN_NO_DEVICE)
			return NFC_DROP_REDIRECT;
		return NFC_DROP_REWRITE;
	}
	return 0;
}

/* The hook's verdict for a packet whose verdict is @verdict (a pass, a
 * redirect to @out, nonzero, or a transmit back). */
static __always_inline int nfc_exec_out(struct nfc_pkt *pkt, __u8 verdict,
					__u32 out)
{
	switch (verdict) {
	case NFC_V_REDIRECT:
		return bpf_redirect(out, 0);
	case NFC_V_TX:
		/* at XDP too a redirect, not XDP_TX: a veth (6.18) held
		 * frames sent back by XDP_TX until its peer received
		 * something else, and lost most of them (ARP and ND replies
		 * that came seconds late or never) */
		return bpf_redirect(nfc_ifindex(pkt), 0);
	default:
		return NFC_RC_PASS;
	}
}

/*
 * Flood the packet to the ports of domain @domain of chain @chain but the
 * one it came in on: at XDP, a broadcast redirect into the domain's device
 * map; at TC, a clone out of each port (the original is then dropped).
 * Each port counts it out (its endpoint counters): at TC each clone sent,
 * at XDP each port of the group's list, which holds the device map's
 * ports (the broadcast says nothing of each). An enum nfc_flood_rc; the
 * hook's verdict is then NFC_RC_FLOOD. A global function, verified once:
 * inline, its loop of tags and clones was too much for the root at TC.
 *
 * Ports that are trunks of the domain (nfc_flood_list.tagged) get the
 * frame tagged with the domain's number, the others untagged: at TC the
 * tag is set before each clone; at XDP one frame is broadcast, tagged
 * when any port is a trunk, and the device map runs nfc_flood_untag() on
 * its way out of each of the others.
 */
enum nfc_flood_rc {
	NFC_FLOOD_OK = 0,
	NFC_FLOOD_NO_PORTS,
	NFC_FLOOD_NO_TAG,   /* the frame's tag could not be set */
	NFC_FLOOD_FAILED,   /* the broadcast redirect failed */
};
#if defined(NFC_HOOK_XDP)
#define NFC_RC_FLOOD XDP_REDIRECT
#else
#define NFC_RC_FLOOD TC_ACT_SHOT /* the clones went, the original not */
#endif

/* Out of each port of @l but @in whose bit in @l->tagged is @tagged, or
 * of every one (NFC_FLOOD_ALL), counted out of it: at TC a clone each
 * (a global function there, its loop verified once for its two calls), at
 * XDP only counted (the broadcast went). */
#define NFC_FLOOD_ALL 2
#if defined(NFC_HOOK_XDP)
static __always_inline
#else
__noinline
#endif
int nfc_flood_ports(struct nfc_pkt *pkt, const struct nfc_flood_list *l,
		    __u32 in, __u32 len, __u32 tagged)
{
	__u32 i, n;

	if (!l)
		return 0;
	n = l->n;
	for (i = 0; i < NFC_FLOOD_PORTS && i < n; i++) {
		__u32 out = l->ifindex[i];

		if (!out || out == in ||
		    (tagged != NFC_FLOOD_ALL &&
		     ((l->tagged >> i) & 1) != tagged))
			continue;
#if !defined(NFC_HOOK_XDP)
		if (bpf_clone_redirect(pkt, out, 0))
			continue;
#endif
		nfc_count_ep(0, out, 1, len);
	}
	return 0;
}

__noinline int nfc_exec_flood(struct nfc_pkt *pkt, const struct nfc_ctx *c,
			      __u32 domain)
{
	__u32 g, in = nfc_ifindex(pkt), len = nfc_len(pkt);
	struct nfc_flood_list *l;
	__be16 tci;
	bool had;

	if (!c)
		return NFC_FLOOD_FAILED;
	g = nfc_flood_group(c->chain, domain);
	l = bpf_map_lookup_elem(&nfc_flood_tc, &g);
	if (!l)
		return NFC_FLOOD_NO_PORTS;
	had = c->key.flags & NFC_KEY_F_VLAN0;
	/* the frame's priority stays; a priority tag (VLAN 0) gets the id */
	tci = bpf_htons((had ? bpf_ntohs(c->key.vlan[0]) & 0xf000 : 0) |
			(domain & 0xfff));
#if defined(NFC_HOOK_XDP)
	{
		void *ports = bpf_map_lookup_elem(&nfc_flood_xdp, &g);

		if (!ports)
			return NFC_FLOOD_NO_PORTS;
		if ((had || l->tagged) &&
		    nfc_exec_vlan(pkt, had, l->tagged, tci))
			return NFC_FLOOD_NO_TAG;
		if (bpf_redirect_map(ports, 0, BPF_F_BROADCAST |
						       BPF_F_EXCLUDE_INGRESS) !=
		    XDP_REDIRECT)
			return NFC_FLOOD_FAILED;
		nfc_flood_ports(pkt, l, in, len, NFC_FLOOD_ALL);
		return NFC_FLOOD_OK;
	}
#else
	/* the ports that take the frame untagged, then the tag on for the
	 * trunks: two tag changes at most, not one per port (and a loop the
	 * verifier walks without a tag state carried through it) */
	if (l->tagged != ~0ULL) {
		if (had && nfc_exec_vlan(pkt, true, false, 0))
			return NFC_FLOOD_NO_TAG;
		had = false;
	}
	nfc_flood_ports(pkt, l, in, len, 0);
	if (!l->tagged)
		return NFC_FLOOD_OK;
	if (nfc_exec_vlan(pkt, had, true, tci))
		return NFC_FLOOD_NO_TAG;
	nfc_flood_ports(pkt, l, in, len, 1);
	return NFC_FLOOD_OK;
#endif
}

/* How nfc_exec_run() was reached. */
enum nfc_exec_mode {
	NFC_EXEC_BY_CHAIN = 0, /* the end of a chain: decide, report, cache */
	NFC_EXEC_BY_ENTRY,     /* a hit of a flow entry (nfc_flows) */
	NFC_EXEC_BY_SLOT,      /* a hit of a flow slot: it counts the packet */
};

static __always_inline int nfc_count(struct nfc_pkt *pkt, struct nfc_ctx *c,
				     int mode, __u8 verdict, __u32 out, int rc)
{
	if (mode == NFC_EXEC_BY_SLOT)
		return rc;
	nfc_count_chain(c->chain, verdict, 1, nfc_len(pkt), 0);
	nfc_count_ep(0, out, 1, nfc_len(pkt));
	return rc;
}

/* Whether slot @i of @e holds @d's chain, and @d itself (*same). */
static __always_inline bool nfc_decision_slot(const struct nfc_ct *e, int i,
					      const struct nfc_ct_decision *d,
					      bool *same)
{
	const struct nfc_ct_decision *s = &e->decision[i];

	if (!(e->flags & (NFC_CT_F_DECIDED << i)) || s->chain != d->chain)
		return false;
	*same = s->node == d->node && s->policy == d->policy &&
		s->verdict == d->verdict;
	return true;
}

/*
 * Report the chain's decision about a connection: once per connection and
 * chain (what each of two chains reported last is kept in the connection's
 * entry, so a different decision, after a rule or chain change, is
 * reported again). Decisions are about the original direction; replies
 * ride on them. Traffic without a connection is reported when its result
 * is cached, once per flow; what can be neither tracked nor cached (later
 * fragments, stray ICMP errors) is reported as drops only, rate-limited.
 */
static __always_inline void nfc_exec_decide(struct nfc_ctx *c)
{
	struct nfc_ct_decision d = {};
	bool same = false;
	struct nfc_ct *e;
	int slot;

	if (c->ct_dir != NFC_CT_ORIG)
		return;
	e = nfc_ct_get(c);
	if (!e) {
		if (!nfc_flow_cacheable(c))
			return;
		nfc_event(c, NFC_EV_DECISION, 0);
		return;
	}
	d.chain = c->chain;
	d.node = c->act.policy_node;
	d.policy = c->act.policy;
	d.verdict = c->act.verdict;
	if (nfc_decision_slot(e, 0, &d, &same))
		slot = 0;
	else if (nfc_decision_slot(e, 1, &d, &same))
		slot = 1;
	else
		slot = (e->flags & NFC_CT_F_DECIDED) ? 1 : 0;
	if (same)
		return;
	if (slot) {
		e->decision[1] = d;
		e->flags |= NFC_CT_F_DECIDED1;
	} else {
		e->decision[0] = d;
		e->flags |= NFC_CT_F_DECIDED;
	}
	nfc_event(c, NFC_EV_DECISION, 0);
}

/*
 * Carry out c->act, reached as @mode says (enum nfc_exec_mode): at the end
 * of a chain, decide, report and cache first.
 */
static __always_inline int nfc_exec_run(struct nfc_pkt *pkt,
					struct nfc_ctx *c, int mode)
{
	__u8 verdict = c->act.verdict;
	int reason = c->act.reason;

	if (mode == NFC_EXEC_BY_CHAIN) {
		if (verdict == NFC_V_DROP && !reason)
			c->act.reason = reason = NFC_DROP_POLICY;
		/* a redirect to nowhere is the chain's result: a drop */
		if (verdict == NFC_V_REDIRECT && !c->act.out_ifindex) {
			c->act.verdict = verdict = NFC_V_DROP;
			c->act.reason = reason = NFC_DROP_REDIRECT;
		}
		/* a rule's allow that a later node's drop (no route, ...)
		 * undid decided nothing */
		if (c->act.policy && verdict == NFC_V_DROP &&
		    !(c->act.flags & NFC_ACT_DENIED))
			c->act.policy = 0;
		if (c->act.policy) {
			__u32 slot = c->base + c->act.policy_hop;
			struct nfc_hop *h = bpf_map_lookup_elem(&nfc_hops, &slot);

			c->act.policy_node = h ? h->counter : 0;
		}
		if (((c->act.policy && !(c->act.flags & NFC_ACT_QUIET)) ||
		     (verdict == NFC_V_DROP && reason == NFC_DROP_POLICY)) &&
		    !(c->ct_flags & NFC_CTI_RELATED))
			nfc_exec_decide(c);
		if (verdict < NFC_V_MAX)
			nfc_flow_store(pkt, c);
	}
	if (c->act.policy && mode != NFC_EXEC_BY_SLOT)
		nfc_count_rule(c->act.policy, c->act.policy_node, 1,
			       nfc_len(pkt));

	if (verdict == NFC_V_DROP)
		return nfc_drop(pkt, c, reason);
	/* an NF wrote a verdict that does not exist */
	if (verdict >= NFC_V_MAX)
		return nfc_drop(pkt, c, NFC_DROP_BAD_HOP);

	if (c->act.flags & NFC_ACT_REWRITES) {
		__u32 len = nfc_len(pkt);

		reason = nfc_exec_rewrite(pkt, c);
		/* too long for the tunnel: dropped, and its sender told */
		if (reason == NFC_DROP_MTU && !nfc_exec_ptb(pkt, c)) {
			c->act.verdict = NFC_V_DROP;
			c->act.reason = reason;
			nfc_drop_count(c, len, reason);
			return bpf_redirect(nfc_ifindex(pkt), 0);
		}
		if (reason)
			return nfc_drop(pkt, c, reason);
	}

	if (verdict == NFC_V_REDIRECT && !c->act.out_ifindex)
		return nfc_drop(pkt, c, NFC_DROP_REDIRECT);
	if (verdict == NFC_V_FLOOD) {
		int rc = nfc_exec_flood(pkt, c, c->act.out_ifindex);

		if (rc == NFC_FLOOD_NO_PORTS)
			return nfc_drop(pkt, c, NFC_DROP_NO_PORTS);
		if (rc == NFC_FLOOD_NO_TAG)
			return nfc_drop(pkt, c, NFC_DROP_REWRITE);
		if (rc != NFC_FLOOD_OK)
			return nfc_drop(pkt, c, NFC_DROP_REDIRECT);
		return nfc_count(pkt, c, mode, verdict, 0, NFC_RC_FLOOD);
	}
	return nfc_count(pkt, c, mode, verdict,
			 nfc_out_ifindex(verdict, c->act.out_ifindex,
					 c->key.ifindex),
			 nfc_exec_out(pkt, verdict, c->act.out_ifindex));
}

#endif /* NFC_EXEC_H */
