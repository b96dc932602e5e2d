/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet parser: fills the flow key and the header offsets of the
 * per-CPU context from the frame, once per packet, in the root program.
 *
 * Every header is bounds-checked before it is read. A parser answers
 * NFC_PARSE_OK, NFC_PARSE_MALFORMED (a length or version field that cannot
 * be right), or NFC_PARSE_TRUNC (a header that is not in the linear data).
 * TRUNC is malformed unless the root can make more of the packet linear
 * (TC) and parse again. Frames that are not IP are fine: their key has L2
 * fields only.
 */
#ifndef NFC_PARSE_H
#define NFC_PARSE_H

#include <stdbool.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "hook.h"
#include "nfc_shared.h"

/* IPv6 extension headers walked before giving up (malformed). */
#ifndef NFC_IPV6_EXT_MAX
#define NFC_IPV6_EXT_MAX 6
#endif
/* No header is looked for farther into the frame than this. */
#ifndef NFC_HDR_OFF_MAX
#define NFC_HDR_OFF_MAX 0x3fff
#endif

#define NFC_IP_MF 0x2000
#define NFC_IP_OFFSET 0x1fff
#define NFC_IP6_FRAG_OFFSET 0xfff8
#define NFC_IP6_FRAG_MF 0x0001
#define NFC_VXLAN_HLEN 8
#define NFC_VXLAN_F_VNI 0x08

/* The fixed part of an ARP header (RFC 826). Defined here because
 * <linux/if_arp.h> pulls in <linux/if.h> and with it libc's <sys/socket.h>,
 * which BPF programs must not see (see bpf/nfc_bpf.cmake). */
#define NFC_ARPHRD_ETHER 1
struct nfc_arphdr {
	__be16 ar_hrd;
	__be16 ar_pro;
	__u8 ar_hln;
	__u8 ar_pln;
	__be16 ar_op;
};

enum nfc_parse_rc {
	NFC_PARSE_OK = 0,
	NFC_PARSE_MALFORMED,
	NFC_PARSE_TRUNC,
};

struct nfc_parser {
	void *data;
	void *end;
	__u32 len;	  /* bytes the current frame may use (whole packet,
			     or the outer datagram for a VXLAN inner frame) */
	__be16 vxlan_port; /* 0: VXLAN is not looked into (inner frames) */
};

/* What a frame leads to when it carries a VXLAN-encapsulated frame. */
struct nfc_layer {
	__u32 inner; /* offset of the inner Ethernet header, 0 when none */
	__u32 vni;
	__u32 end;   /* end of the outer IP datagram */
};

/* @len bytes at @off when they are all in the linear data, else NULL. */
static __always_inline void *nfc_hdr(void *data, void *end, __u64 off,
				     __u32 len)
{
	void *p;

	/* opaque to the compiler, so that the register it checks is the
	 * one it adds (not a copy with the check folded into a constant) */
	barrier_var(off);
	if (off > NFC_HDR_OFF_MAX)
		return NULL;
	p = data + off;
	if (p + len > end)
		return NULL;
	return p;
}

static __always_inline void *nfc_pkt_ptr(struct nfc_pkt *pkt, __u32 off,
					 __u32 len)
{
	return nfc_hdr(nfc_data(pkt), nfc_data_end(pkt), off, len);
}

#define nfc_parse_hdr(ps, off, len) nfc_hdr((ps)->data, (ps)->end, off, len)

typedef __u16 __attribute__((__may_alias__)) nfc_u16a;

/*
 * A MAC address copied as three 16-bit words. With a packed header's
 * u8[6], clang copies a byte at a time (6 loads, 5 shifts, 5 ors, and the
 * stores), which made a third of the parser's instructions; Ethernet
 * headers start at an even offset.
 */
static __always_inline void nfc_mac_copy(void *dst, const void *src)
{
	nfc_u16a *d = dst;
	const nfc_u16a *s = src;

	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

/* Ethernet and up to two 802.1Q/802.1ad tags; @off moves to the L3 header. */
static __always_inline int nfc_parse_l2(struct nfc_parser *ps,
					struct nfc_key *k, __u32 *off)
{
	struct ethhdr *eth;
	__be16 proto;
	__u32 o = *off;
	int i;

	eth = nfc_parse_hdr(ps, o, sizeof(*eth));
	if (!eth)
		return NFC_PARSE_TRUNC;
	nfc_mac_copy(k->dmac, eth->h_dest);
	nfc_mac_copy(k->smac, eth->h_source);
	proto = eth->h_proto;
	o += sizeof(*eth);

#pragma unroll
	for (i = 0; i < 2; i++) {
		__be16 *tag; /* TCI, then the next ethertype */

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		/* a tag the device took off (TC) counts as the outer one */
		if (k->flags & NFC_KEY_F_VLAN1)
			break;
		tag = nfc_parse_hdr(ps, o, 4);
		if (!tag)
			return NFC_PARSE_TRUNC;
		if (k->flags & NFC_KEY_F_VLAN0) {
			k->vlan[1] = tag[0];
			k->flags |= NFC_KEY_F_VLAN1;
		} else {
			k->vlan[0] = tag[0];
			k->flags |= NFC_KEY_F_VLAN0;
		}
		proto = tag[1];
		o += 4;
	}
	k->ethertype = proto;
	*off = o;
	return NFC_PARSE_OK;
}

/* ARP: sender and target protocol addresses when they are IPv4 over
 * Ethernet; the opcode's low byte as the protocol. */
static __always_inline int nfc_parse_arp(struct nfc_parser *ps,
					 struct nfc_ctx *c, __u32 off)
{
	struct nfc_key *k = &c->key;
	struct nfc_arphdr *arp;
	__u8 *a;

	arp = nfc_parse_hdr(ps, off, sizeof(*arp));
	if (!arp)
		return NFC_PARSE_TRUNC;
	k->l3 = NFC_L3_ARP;
	k->proto = bpf_ntohs(arp->ar_op) & 0xff;
	c->l3_off = off;
	if (arp->ar_hrd != bpf_htons(NFC_ARPHRD_ETHER) ||
	    arp->ar_pro != bpf_htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
	    arp->ar_pln != 4)
		return NFC_PARSE_OK;
	/* sha[6] spa[4] tha[6] tpa[4] follow the fixed part */
	a = nfc_parse_hdr(ps, off, sizeof(*arp) + 2 * (ETH_ALEN + 4));
	if (!a)
		return NFC_PARSE_TRUNC;
	__builtin_memcpy(&k->saddr.v4, a + sizeof(*arp) + ETH_ALEN, 4);
	__builtin_memcpy(&k->daddr.v4, a + sizeof(*arp) + 2 * ETH_ALEN + 4, 4);
	return NFC_PARSE_OK;
}

/*
 * IPv4. @l4 becomes the L4 offset (0: none, a later fragment), @end the end
 * of the datagram. GSO packets larger than 64k (BIG TCP) carry a total
 * length of 0 and are as long as the skb says.
 */
static __always_inline int nfc_parse_ipv4(struct nfc_parser *ps,
					  struct nfc_ctx *c, __u32 off,
					  __u32 *l4, __u32 *end)
{
	struct nfc_key *k = &c->key;
	struct iphdr *ip;
	__u32 hlen, tot;
	__u8 vihl;

	ip = nfc_parse_hdr(ps, off, sizeof(*ip));
	if (!ip)
		return NFC_PARSE_TRUNC;
	vihl = *(__u8 *)ip;
	hlen = (vihl & 0xf) * 4;
	if (vihl >> 4 != 4 || hlen < sizeof(*ip))
		return NFC_PARSE_MALFORMED;
	tot = bpf_ntohs(ip->tot_len);
	if (!tot && ps->len - off > 0xffff)
		tot = ps->len - off;
	if (tot < hlen || tot > ps->len - off)
		return NFC_PARSE_MALFORMED;
	if (!nfc_parse_hdr(ps, off, hlen))
		return NFC_PARSE_TRUNC;

	k->l3 = NFC_L3_IPV4;
	k->proto = ip->protocol;
	k->saddr.v4 = ip->saddr;
	k->daddr.v4 = ip->daddr;
	c->ttl = ip->ttl;
	c->l3_off = off;
	*end = off + tot;
	*l4 = off + hlen;
	if (ip->frag_off & bpf_htons(NFC_IP_MF | NFC_IP_OFFSET)) {
		k->flags |= NFC_KEY_F_FRAG;
		c->frag_id = ip->id;
		if (ip->frag_off & bpf_htons(NFC_IP_OFFSET)) {
			k->flags |= NFC_KEY_F_LATER_FRAG;
			*l4 = 0;
		}
	}
	return NFC_PARSE_OK;
}

static __always_inline bool nfc_ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_DSTOPTS ||
	       nexthdr == IPPROTO_AH;
}

/*
 * IPv6 and its extension headers, at most NFC_IPV6_EXT_MAX of them: a chain
 * that goes on longer is malformed, since nothing after it could be
 * checked. key.proto is the header after the last extension header.
 */
static __always_inline int nfc_parse_ipv6(struct nfc_parser *ps,
					  struct nfc_ctx *c, __u32 off,
					  __u32 *l4, __u32 *end)
{
	struct nfc_key *k = &c->key;
	struct ipv6hdr *ip6;
	__u32 plen, lim;
	__u8 next;
	int i;

	ip6 = nfc_parse_hdr(ps, off, sizeof(*ip6));
	if (!ip6)
		return NFC_PARSE_TRUNC;
	if (*(__u8 *)ip6 >> 4 != 6)
		return NFC_PARSE_MALFORMED;
	plen = bpf_ntohs(ip6->payload_len);
	if (!plen && ps->len - off - sizeof(*ip6) > 0xffff)
		plen = ps->len - off - sizeof(*ip6);
	if (plen > ps->len - off - sizeof(*ip6))
		return NFC_PARSE_MALFORMED;

	k->l3 = NFC_L3_IPV6;
	__builtin_memcpy(k->saddr.b, &ip6->saddr, 16);
	__builtin_memcpy(k->daddr.b, &ip6->daddr, 16);
	c->ttl = ip6->hop_limit;
	c->l3_off = off;
	next = ip6->nexthdr;
	off += sizeof(*ip6);
	lim = off + plen;
	*end = lim;

	for (i = 0; i < NFC_IPV6_EXT_MAX; i++) {
		__u32 hlen;
		__u8 *e;

		if (!nfc_ipv6_is_ext(next))
			break;
		/* every extension header is at least 8 bytes */
		if (off + 8 > lim)
			return NFC_PARSE_MALFORMED;
		e = nfc_parse_hdr(ps, off, 8);
		if (!e)
			return NFC_PARSE_TRUNC;
		if (next == IPPROTO_FRAGMENT) {
			__be16 fo = *(__be16 *)(e + 2);

			hlen = 8;
			if (fo & bpf_htons(NFC_IP6_FRAG_OFFSET |
					   NFC_IP6_FRAG_MF)) {
				k->flags |= NFC_KEY_F_FRAG;
				c->frag_id = *(__u32 *)(e + 4);
			}
			if (fo & bpf_htons(NFC_IP6_FRAG_OFFSET)) {
				k->flags |= NFC_KEY_F_LATER_FRAG;
				k->proto = e[0];
				*l4 = 0;
				return NFC_PARSE_OK;
			}
		} else if (next == IPPROTO_AH) {
			hlen = (e[1] + 2) * 4;
		} else {
			hlen = (e[1] + 1) * 8;
		}
		if (off + hlen > lim)
			return NFC_PARSE_MALFORMED;
		next = e[0];
		off += hlen;
	}
	if (nfc_ipv6_is_ext(next))
		return NFC_PARSE_MALFORMED;
	k->proto = next;
	*l4 = off;
	return NFC_PARSE_OK;
}

/* A UDP payload that is a VXLAN header with a valid VNI. */
static __always_inline int nfc_parse_vxlan(struct nfc_parser *ps, __u32 off,
					   __u32 end, struct nfc_layer *ly)
{
	__u8 *vx;

	if (off + NFC_VXLAN_HLEN > end)
		return NFC_PARSE_OK;
	vx = nfc_parse_hdr(ps, off, NFC_VXLAN_HLEN);
	if (!vx)
		return NFC_PARSE_TRUNC;
	if (!(vx[0] & NFC_VXLAN_F_VNI))
		return NFC_PARSE_OK;
	ly->vni = (__u32)vx[4] << 16 | (__u32)vx[5] << 8 | vx[6];
	ly->inner = off + NFC_VXLAN_HLEN;
	ly->end = end;
	return NFC_PARSE_OK;
}

static __always_inline bool nfc_icmp_is_echo(__u8 l3, __u8 type)
{
	if (l3 == NFC_L3_IPV4)
		return type == 0 || type == 8;
	return type == 128 || type == 129;
}

/* TCP, UDP (and VXLAN in it), ICMP and ICMPv6, up to @end. */
static __always_inline int nfc_parse_l4(struct nfc_parser *ps,
					struct nfc_ctx *c, __u32 off, __u32 end,
					struct nfc_layer *ly)
{
	struct nfc_key *k = &c->key;
	__u8 *h;

	c->l4_off = off;
	switch (k->proto) {
	case IPPROTO_TCP:
		if (off + 20 > end)
			return NFC_PARSE_MALFORMED;
		h = nfc_parse_hdr(ps, off, 20);
		if (!h)
			return NFC_PARSE_TRUNC;
		/* data offset, in words */
		if (h[12] >> 4 < 5 || off + (h[12] >> 4) * 4 > end)
			return NFC_PARSE_MALFORMED;
		k->sport = *(__be16 *)h;
		k->dport = *(__be16 *)(h + 2);
		k->tcp_flags = h[13];
		break;
	case IPPROTO_UDP:
		if (off + sizeof(struct udphdr) > end)
			return NFC_PARSE_MALFORMED;
		h = nfc_parse_hdr(ps, off, sizeof(struct udphdr));
		if (!h)
			return NFC_PARSE_TRUNC;
		k->sport = *(__be16 *)h;
		k->dport = *(__be16 *)(h + 2);
		k->flags |= NFC_KEY_F_L4;
		if (ps->vxlan_port && k->dport == ps->vxlan_port &&
		    !(k->flags & NFC_KEY_F_FRAG))
			return nfc_parse_vxlan(ps, off + sizeof(struct udphdr),
					       end, ly);
		return NFC_PARSE_OK;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((k->proto == IPPROTO_ICMP) != (k->l3 == NFC_L3_IPV4))
			return NFC_PARSE_OK;
		/* type, code, checksum and 4 bytes all messages have */
		if (off + 8 > end)
			return NFC_PARSE_MALFORMED;
		h = nfc_parse_hdr(ps, off, 8);
		if (!h)
			return NFC_PARSE_TRUNC;
		k->dport = *(__be16 *)h;
		if (nfc_icmp_is_echo(k->l3, h[0]))
			k->sport = *(__be16 *)(h + 4);
		break;
	default:
		return NFC_PARSE_OK;
	}
	k->flags |= NFC_KEY_F_L4;
	return NFC_PARSE_OK;
}

/* One Ethernet frame at @off: L2, L3, L4; @ly says what it carries. */
static __always_inline int nfc_parse_frame(struct nfc_parser *ps,
					   struct nfc_ctx *c, __u32 off,
					   struct nfc_layer *ly)
{
	struct nfc_key *k = &c->key;
	__u32 l4 = 0, end = 0;
	int rc;

	rc = nfc_parse_l2(ps, k, &off);
	if (rc != NFC_PARSE_OK)
		return rc;
	switch (k->ethertype) {
	case bpf_htons(ETH_P_IP):
		rc = nfc_parse_ipv4(ps, c, off, &l4, &end);
		break;
	case bpf_htons(ETH_P_IPV6):
		rc = nfc_parse_ipv6(ps, c, off, &l4, &end);
		break;
	case bpf_htons(ETH_P_ARP):
		return nfc_parse_arp(ps, c, off);
	default:
		return NFC_PARSE_OK;
	}
	if (rc != NFC_PARSE_OK || !l4)
		return rc;
	return nfc_parse_l4(ps, c, l4, end, ly);
}

/* Start a packet: an empty key with the packet's interface, no offsets. */
static __always_inline void nfc_parse_begin(struct nfc_pkt *pkt,
					    struct nfc_ctx *c)
{
	struct nfc_key *k = &c->key;

	__builtin_memset(k, 0, sizeof(*k));
	k->ifindex = nfc_ifindex(pkt);
	c->l3_off = 0;
	c->l4_off = 0;
	c->inner_off = 0;
	c->outer_l3_off = 0;
	c->ttl = 0;
#if defined(NFC_HOOK_TC)
	/* a tag the device already took off is the outermost */
	if (pkt->vlan_present) {
		k->vlan[0] = bpf_htons(pkt->vlan_tci);
		k->flags |= NFC_KEY_F_VLAN0;
	}
#endif
}

/*
 * The outer frame carried VXLAN: from now on the key describes the inner
 * frame, with the VNI as tenant. Only one level is looked into.
 */
static __always_inline void nfc_parse_enter_inner(struct nfc_ctx *c,
						  const struct nfc_layer *ly)
{
	struct nfc_key *k = &c->key;
	__u32 ifindex = k->ifindex;

	__builtin_memset(k, 0, sizeof(*k));
	k->ifindex = ifindex;
	k->tenant = ly->vni;
	k->flags = NFC_KEY_F_VXLAN;
	c->outer_l3_off = c->l3_off;
	c->l3_off = 0;
	c->l4_off = 0;
	c->ttl = 0;
	c->inner_off = ly->inner;
}

/* For an NF: the outer IPv4 source of the VXLAN packet in flight when it is
 * addressed to @vtep, else 0 (an IPv6 underlay is not one served yet). The
 * executor checks the addresses again for the flow's cached packets
 * (nfc_decap()). */
static __always_inline __be32 nfc_vxlan_source(struct nfc_pkt *pkt,
					       const struct nfc_ctx *c,
					       __be32 vtep)
{
	__u32 off = c->outer_l3_off;
	__u8 *ip;

	if (off > 64)
		return 0;
	ip = nfc_pkt_ptr(pkt, off, 20);
	if (!ip || ip[0] >> 4 != 4 || *(__be32 *)(ip + 16) != vtep)
		return 0;
	return *(__be32 *)(ip + 12);
}

#endif /* NFC_PARSE_H */
