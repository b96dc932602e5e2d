// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The root's parser: table-driven packets through root -> nop -> executor,
 * checking the verdict, that the packet leaves unchanged, and the key and
 * offsets CPU 0's context holds afterwards; malformed packets must be
 * dropped as malformed before the chain is entered.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "fixture.h"

#define A4 "192.0.2.1"
#define B4 "198.51.100.2"
#define A6 "2001:db8::1"
#define B6 "2001:db8::2"

struct want {
	const uint8_t *dmac, *smac; /* MAC_A, MAC_B when NULL */
	__u16 ethertype;
	__u16 vlan[2];
	__u8 l3, proto, tcp_flags, flags;
	const char *saddr, *daddr;
	__u16 sport, dport;
	__u32 tenant;
	__u16 l3_off, l4_off, inner_off;
	__u8 ttl;
};

struct parse_case {
	const char *name;
	void (*build)(struct pkt *p);
	/* BPF_PROG_TEST_RUN refuses it for TC (it wants a whole IPv4/IPv6
	 * header under those ethertypes); the inner frame of a VXLAN packet
	 * takes the same path there */
	bool xdp_only;
	enum dp_prog root;
	bool malformed;
	struct want k;
};

static void l2_only(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x88b5);
	pkt_data(p, 30);
}

static void eth_hdr_only(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x88b5);
}

static void vlan_short(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x8100);
	pkt_data(p, 2);
}

static void vlan_tcp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x8100);
	pkt_vlan(p, 100, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, A4, B4, 64, 0, 0);
	pkt_tcp(p, 1000, 80, 0x02);
	pkt_finish(p);
}

static void qinq_udp6(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x88a8);
	pkt_vlan(p, 0x2064, 0x8100);
	pkt_vlan(p, 200, 0x86dd);
	pkt_ipv6(p, IPPROTO_UDP, A6, B6, 255);
	pkt_udp(p, 5353, 53, false);
	pkt_data(p, 12);
	pkt_finish(p);
}

static void three_tags(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x8100);
	pkt_vlan(p, 1, 0x8100);
	pkt_vlan(p, 2, 0x8100);
	pkt_vlan(p, 3, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0);
	pkt_udp(p, 1, 2, false);
	pkt_finish(p);
}

static void ipv4_short(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_data(p, 10);
	p->b[14] = 0x45;
}

static void tcp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, A4, B4, 64, 0, 0);
	pkt_tcp(p, 40000, 443, 0x12);
	pkt_data(p, 8);
	pkt_finish(p);
}

static void ipv4_ihl4(struct pkt *p)
{
	tcp4(p);
	p->b[14] = 0x44;
}

static void ipv4_version6(struct pkt *p)
{
	tcp4(p);
	p->b[14] = 0x65;
}

static void ipv4_totlen_long(struct pkt *p)
{
	tcp4(p);
	pkt_put16(p, 16, pkt_get16(p, 16) + 1);
}

static void ipv4_totlen_short(struct pkt *p)
{
	tcp4(p);
	pkt_put16(p, 16, 16);
}

static void ipv4_opts_udp(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 17, 12, 0);
	pkt_udp(p, 7, 9, false);
	pkt_finish(p);
}

/* IHL 15: 40 bytes of options the datagram does not have */
static void ipv4_opts_cut(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0);
	pkt_udp(p, 7, 9, false);
	pkt_finish(p);
	p->b[14] = 0x4f;
}

static void tcp_short(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, A4, B4, 64, 0, 0);
	pkt_data(p, 10);
	pkt_finish(p);
}

static void tcp_doff4(struct pkt *p)
{
	tcp4(p);
	p->b[34 + 12] = 4 << 4;
}

static void tcp_doff_long(struct pkt *p)
{
	tcp4(p);
	p->b[34 + 12] = 15 << 4;
}

static void frag4_first(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0x2000);
	pkt_udp(p, 1111, 2222, false);
	pkt_data(p, 16);
	pkt_finish(p);
}

static void frag4_later(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 185);
	pkt_data(p, 16);
	pkt_finish(p);
}

static void gre4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, 47, A4, B4, 64, 0, 0);
	pkt_data(p, 8);
	pkt_finish(p);
}

static void icmp_echo(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_ICMP, A4, B4, 64, 0, 0);
	pkt_icmp(p, 8, 0, 0x1234, 1);
	pkt_data(p, 8);
	pkt_finish(p);
}

static void icmp_unreach(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_ICMP, A4, B4, 64, 0, 0);
	pkt_icmp(p, 3, 1, 0, 0);
	pkt_data(p, 28);
	pkt_finish(p);
}

static void icmp_short(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_ICMP, A4, B4, 64, 0, 0);
	pkt_data(p, 4);
	pkt_finish(p);
}

static void ipv6_short(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_data(p, 30);
	p->b[14] = 0x60;
}

static void tcp6(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_TCP, A6, B6, 64);
	pkt_tcp(p, 33000, 22, 0x18);
	pkt_data(p, 4);
	pkt_finish(p);
}

static void ipv6_plen_long(struct pkt *p)
{
	tcp6(p);
	pkt_put16(p, 18, pkt_get16(p, 18) + 8);
}

static void ext6_chain(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_HOPOPTS, A6, B6, 64);
	pkt_ext6(p, IPPROTO_HOPOPTS, IPPROTO_ROUTING, 0);
	pkt_ext6(p, IPPROTO_ROUTING, IPPROTO_DSTOPTS, 1);
	pkt_ext6(p, IPPROTO_DSTOPTS, IPPROTO_TCP, 0);
	pkt_tcp(p, 5000, 80, 0x02);
	pkt_finish(p);
}

static void ext6_n(struct pkt *p, int n)
{
	int i;

	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_DSTOPTS, A6, B6, 64);
	for (i = 0; i < n; i++)
		pkt_ext6(p, IPPROTO_DSTOPTS,
			 i + 1 < n ? IPPROTO_DSTOPTS : IPPROTO_TCP, 0);
	pkt_tcp(p, 5000, 80, 0x02);
	pkt_finish(p);
}

static void ext6_at_limit(struct pkt *p)
{
	ext6_n(p, 6);
}

static void ext6_too_deep(struct pkt *p)
{
	ext6_n(p, 7);
}

static void ext6_ah(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_AH, A6, B6, 64);
	pkt_ext6(p, IPPROTO_AH, IPPROTO_TCP, 4);
	pkt_tcp(p, 5000, 80, 0x10);
	pkt_finish(p);
}

static void ext6_cut(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_HOPOPTS, A6, B6, 64);
	pkt_ext6(p, IPPROTO_HOPOPTS, IPPROTO_TCP, 0);
	pkt_finish(p);
	p->b[55] = 2; /* claims 24 bytes, has 8 */
}

static void frag6_first(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_FRAGMENT, A6, B6, 64);
	pkt_frag6(p, IPPROTO_UDP, 0, true);
	pkt_udp(p, 4000, 4001, false);
	pkt_data(p, 16);
	pkt_finish(p);
}

static void frag6_later(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_FRAGMENT, A6, B6, 64);
	pkt_frag6(p, IPPROTO_UDP, 100, false);
	pkt_data(p, 16);
	pkt_finish(p);
}

static void icmp6_echo(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_ICMPV6, A6, B6, 64);
	pkt_icmp6(p, 128, 0, 0x4242, 7);
	pkt_data(p, 8);
	pkt_finish(p);
}

static void icmp6_ns(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_ICMPV6, A6, B6, 255);
	pkt_icmp6(p, 135, 0, 0, 0);
	pkt_data(p, 16);
	pkt_finish(p);
}

static void arp_request(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0806);
	pkt_arp(p, 1, "192.0.2.1", "192.0.2.2");
}

static void arp_short(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0806);
	pkt_data(p, 6);
}

static void arp_cut(struct pkt *p)
{
	arp_request(p);
	p->len -= 8;
}

static void vxlan4_outer(struct pkt *p, uint16_t port, uint8_t flags)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0);
	pkt_udp(p, 50000, port, false);
	pkt_vxlan(p, flags, 0x123456);
}

static void vxlan4(struct pkt *p)
{
	vxlan4_outer(p, 4789, 0x08);
	pkt_eth(p, MAC_C, MAC_D, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 33, 0, 0);
	pkt_tcp(p, 1234, 443, 0x02);
	pkt_finish(p);
}

static void vxlan4_port(struct pkt *p)
{
	vxlan4_outer(p, 4790, 0x08);
	pkt_eth(p, MAC_C, MAC_D, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 33, 0, 0);
	pkt_tcp(p, 1234, 443, 0x02);
	pkt_finish(p);
}

static void vxlan4_no_i(struct pkt *p)
{
	vxlan4_outer(p, 4789, 0x00);
	pkt_eth(p, MAC_C, MAC_D, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 33, 0, 0);
	pkt_tcp(p, 1234, 443, 0x02);
	pkt_finish(p);
}

static void vxlan4_inner_short(struct pkt *p)
{
	vxlan4_outer(p, 4789, 0x08);
	pkt_data(p, 6);
	pkt_finish(p);
}

static void vxlan4_inner_vlan(struct pkt *p)
{
	vxlan4_outer(p, 4789, 0x08);
	pkt_eth(p, MAC_C, MAC_D, 0x8100);
	pkt_data(p, 2);
	pkt_finish(p);
}

static void vxlan4_inner_ipv4_short(struct pkt *p)
{
	vxlan4_outer(p, 4789, 0x08);
	pkt_eth(p, MAC_C, MAC_D, 0x0800);
	pkt_data(p, 19);
	pkt_finish(p);
	p->b[64] = 0x45;
}

static void vxlan4_inner_ipv6_short(struct pkt *p)
{
	vxlan4_outer(p, 4789, 0x08);
	pkt_eth(p, MAC_C, MAC_D, 0x86dd);
	pkt_data(p, 39);
	pkt_finish(p);
	p->b[64] = 0x60;
}

static void vxlan4_inner_tcp_short(struct pkt *p)
{
	vxlan4_outer(p, 4789, 0x08);
	pkt_eth(p, MAC_C, MAC_D, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 33, 0, 0);
	pkt_data(p, 12);
	pkt_finish(p);
}

static void vxlan6_vlan_icmp6(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_UDP, A6, B6, 64);
	pkt_udp(p, 50001, 4789, false);
	pkt_vxlan(p, 0x08, 42);
	pkt_eth(p, MAC_C, MAC_D, 0x8100);
	pkt_vlan(p, 300, 0x86dd);
	pkt_ipv6(p, IPPROTO_ICMPV6, "fd00::1", "fd00::2", 9);
	pkt_icmp6(p, 129, 0, 0x0101, 3);
	pkt_finish(p);
}

static void padded_tcp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, A4, B4, 64, 0, 0);
	pkt_tcp(p, 40000, 443, 0x11);
	pkt_finish(p);
	memset(p->b + p->len, 0, 60 - p->len);
	p->len = 60;
}

#define MALFORMED(n, b) { .name = n, .build = b, .malformed = true }
#define L4 NFC_KEY_F_L4
#define V4 .l3 = NFC_L3_IPV4, .ethertype = 0x0800, .l3_off = 14
#define V6 .l3 = NFC_L3_IPV6, .ethertype = 0x86dd, .l3_off = 14

static const struct parse_case cases[] = {
	{ "non-IP ethertype", l2_only, .k = { .ethertype = 0x88b5 } },
	{ "ethernet header only", eth_hdr_only, .k = { .ethertype = 0x88b5 } },
	MALFORMED("truncated vlan tag", vlan_short),
	{ "vlan + ipv4 tcp", vlan_tcp4,
	  .k = { .l3 = NFC_L3_IPV4, .ethertype = 0x0800, .vlan = { 100 },
		 .flags = NFC_KEY_F_VLAN0 | L4, .proto = IPPROTO_TCP,
		 .tcp_flags = 0x02, .saddr = A4, .daddr = B4, .sport = 1000,
		 .dport = 80, .l3_off = 18, .l4_off = 38, .ttl = 64 } },
	{ "802.1ad + 802.1q + ipv6 udp", qinq_udp6,
	  .k = { .l3 = NFC_L3_IPV6, .ethertype = 0x86dd,
		 .vlan = { 0x2064, 200 },
		 .flags = NFC_KEY_F_VLAN0 | NFC_KEY_F_VLAN1 | L4,
		 .proto = IPPROTO_UDP, .saddr = A6, .daddr = B6, .sport = 5353,
		 .dport = 53, .l3_off = 22, .l4_off = 62, .ttl = 255 } },
	{ "third vlan tag is not looked into", three_tags,
	  .k = { .ethertype = 0x8100, .vlan = { 1, 2 },
		 .flags = NFC_KEY_F_VLAN0 | NFC_KEY_F_VLAN1 } },
	{ .name = "truncated ipv4 header", .build = ipv4_short,
	  .malformed = true, .xdp_only = true },
	MALFORMED("ipv4 ihl < 5", ipv4_ihl4),
	MALFORMED("ipv4 version 6 under 0x0800", ipv4_version6),
	MALFORMED("ipv4 total length beyond the packet", ipv4_totlen_long),
	MALFORMED("ipv4 total length below the header", ipv4_totlen_short),
	{ "ipv4 options + udp", ipv4_opts_udp,
	  .k = { V4, .proto = IPPROTO_UDP, .flags = L4, .saddr = A4,
		 .daddr = B4, .sport = 7, .dport = 9, .l4_off = 46,
		 .ttl = 17 } },
	MALFORMED("ipv4 options beyond the datagram", ipv4_opts_cut),
	{ "ipv4 tcp", tcp4,
	  .k = { V4, .proto = IPPROTO_TCP, .flags = L4, .tcp_flags = 0x12,
		 .saddr = A4, .daddr = B4, .sport = 40000, .dport = 443,
		 .l4_off = 34, .ttl = 64 } },
	MALFORMED("truncated tcp header", tcp_short),
	MALFORMED("tcp data offset < 5", tcp_doff4),
	MALFORMED("tcp data offset beyond the datagram", tcp_doff_long),
	{ "ipv4 first fragment", frag4_first,
	  .k = { V4, .proto = IPPROTO_UDP, .flags = NFC_KEY_F_FRAG | L4,
		 .saddr = A4, .daddr = B4, .sport = 1111, .dport = 2222,
		 .l4_off = 34, .ttl = 64 } },
	{ "ipv4 later fragment has no l4", frag4_later,
	  .k = { V4, .proto = IPPROTO_UDP,
		 .flags = NFC_KEY_F_FRAG | NFC_KEY_F_LATER_FRAG, .saddr = A4,
		 .daddr = B4, .ttl = 64 } },
	{ "ipv4 gre: no ports", gre4,
	  .k = { V4, .proto = 47, .saddr = A4, .daddr = B4, .l4_off = 34,
		 .ttl = 64 } },
	{ "icmp echo request", icmp_echo,
	  .k = { V4, .proto = IPPROTO_ICMP, .flags = L4, .saddr = A4,
		 .daddr = B4, .sport = 0x1234, .dport = 0x0800, .l4_off = 34,
		 .ttl = 64 } },
	{ "icmp destination unreachable", icmp_unreach,
	  .k = { V4, .proto = IPPROTO_ICMP, .flags = L4, .saddr = A4,
		 .daddr = B4, .dport = 0x0301, .l4_off = 34, .ttl = 64 } },
	MALFORMED("truncated icmp header", icmp_short),
	{ .name = "truncated ipv6 header", .build = ipv6_short,
	  .malformed = true, .xdp_only = true },
	MALFORMED("ipv6 payload length beyond the packet", ipv6_plen_long),
	{ "ipv6 tcp", tcp6,
	  .k = { V6, .proto = IPPROTO_TCP, .flags = L4, .tcp_flags = 0x18,
		 .saddr = A6, .daddr = B6, .sport = 33000, .dport = 22,
		 .l4_off = 54, .ttl = 64 } },
	{ "ipv6 hop-by-hop, routing, destination options", ext6_chain,
	  .k = { V6, .proto = IPPROTO_TCP, .flags = L4, .tcp_flags = 0x02,
		 .saddr = A6, .daddr = B6, .sport = 5000, .dport = 80,
		 .l4_off = 86, .ttl = 64 } },
	{ "ipv6 extension headers at the limit", ext6_at_limit,
	  .k = { V6, .proto = IPPROTO_TCP, .flags = L4, .tcp_flags = 0x02,
		 .saddr = A6, .daddr = B6, .sport = 5000, .dport = 80,
		 .l4_off = 102, .ttl = 64 } },
	MALFORMED("ipv6 extension headers past the limit", ext6_too_deep),
	{ "ipv6 authentication header", ext6_ah,
	  .k = { V6, .proto = IPPROTO_TCP, .flags = L4, .tcp_flags = 0x10,
		 .saddr = A6, .daddr = B6, .sport = 5000, .dport = 80,
		 .l4_off = 78, .ttl = 64 } },
	MALFORMED("ipv6 extension header beyond the payload", ext6_cut),
	{ "ipv6 first fragment", frag6_first,
	  .k = { V6, .proto = IPPROTO_UDP, .flags = NFC_KEY_F_FRAG | L4,
		 .saddr = A6, .daddr = B6, .sport = 4000, .dport = 4001,
		 .l4_off = 62, .ttl = 64 } },
	{ "ipv6 later fragment has no l4", frag6_later,
	  .k = { V6, .proto = IPPROTO_UDP,
		 .flags = NFC_KEY_F_FRAG | NFC_KEY_F_LATER_FRAG, .saddr = A6,
		 .daddr = B6, .ttl = 64 } },
	{ "icmpv6 echo request", icmp6_echo,
	  .k = { V6, .proto = IPPROTO_ICMPV6, .flags = L4, .saddr = A6,
		 .daddr = B6, .sport = 0x4242, .dport = 0x8000, .l4_off = 54,
		 .ttl = 64 } },
	{ "icmpv6 neighbour solicitation", icmp6_ns,
	  .k = { V6, .proto = IPPROTO_ICMPV6, .flags = L4, .saddr = A6,
		 .daddr = B6, .dport = 0x8700, .l4_off = 54, .ttl = 255 } },
	{ "arp request", arp_request,
	  .k = { .l3 = NFC_L3_ARP, .ethertype = 0x0806, .proto = 1,
		 .saddr = "192.0.2.1", .daddr = "192.0.2.2", .l3_off = 14 } },
	MALFORMED("truncated arp header", arp_short),
	MALFORMED("arp addresses cut short", arp_cut),
	{ "vxlan: the key is the inner frame's", vxlan4,
	  .k = { .dmac = MAC_C, .smac = MAC_D, .l3 = NFC_L3_IPV4,
		 .ethertype = 0x0800, .proto = IPPROTO_TCP,
		 .flags = NFC_KEY_F_VXLAN | L4, .tcp_flags = 0x02,
		 .saddr = "10.0.0.1", .daddr = "10.0.0.2", .sport = 1234,
		 .dport = 443, .tenant = 0x123456, .inner_off = 50,
		 .l3_off = 64, .l4_off = 84, .ttl = 33 } },
	{ "vxlan over ipv6, inner vlan + icmpv6", vxlan6_vlan_icmp6,
	  .k = { .dmac = MAC_C, .smac = MAC_D, .l3 = NFC_L3_IPV6,
		 .ethertype = 0x86dd, .vlan = { 300 }, .proto = IPPROTO_ICMPV6,
		 .flags = NFC_KEY_F_VXLAN | NFC_KEY_F_VLAN0 | L4,
		 .saddr = "fd00::1", .daddr = "fd00::2", .sport = 0x0101,
		 .dport = 0x8100, .tenant = 42, .inner_off = 70, .l3_off = 88,
		 .l4_off = 128, .ttl = 9 } },
	{ "vxlan header without the I flag is plain udp", vxlan4_no_i,
	  .k = { V4, .proto = IPPROTO_UDP, .flags = L4, .saddr = A4,
		 .daddr = B4, .sport = 50000, .dport = 4789, .l4_off = 34,
		 .ttl = 64 } },
	{ "vxlan on another port is plain udp", vxlan4_port,
	  .k = { V4, .proto = IPPROTO_UDP, .flags = L4, .saddr = A4,
		 .daddr = B4, .sport = 50000, .dport = 4790, .l4_off = 34,
		 .ttl = 64 } },
	{ "vxlan port 0 turns vxlan off", vxlan4, .root = DP_ROOT_NOVX,
	  .k = { V4, .proto = IPPROTO_UDP, .flags = L4, .saddr = A4,
		 .daddr = B4, .sport = 50000, .dport = 4789, .l4_off = 34,
		 .ttl = 64 } },
	/* BPF_PROG_TEST_RUN takes no frame shorter than 14 bytes: a short
	 * Ethernet header can only be an inner one */
	MALFORMED("truncated ethernet (vxlan inner frame)", vxlan4_inner_short),
	MALFORMED("truncated vlan tag (vxlan inner frame)", vxlan4_inner_vlan),
	MALFORMED("truncated ipv4 header (vxlan inner frame)",
		  vxlan4_inner_ipv4_short),
	MALFORMED("truncated ipv6 header (vxlan inner frame)",
		  vxlan4_inner_ipv6_short),
	MALFORMED("vxlan inner tcp truncated", vxlan4_inner_tcp_short),
	{ "ethernet padding after the datagram", padded_tcp4,
	  .k = { V4, .proto = IPPROTO_TCP, .flags = L4, .tcp_flags = 0x11,
		 .saddr = A4, .daddr = B4, .sport = 40000, .dport = 443,
		 .l4_off = 34, .ttl = 64 } },
};

static void want_key(const struct want *w, struct nfc_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = F.lo;
	k->tenant = w->tenant;
	memcpy(k->dmac, w->dmac ? w->dmac : MAC_A, 6);
	memcpy(k->smac, w->smac ? w->smac : MAC_B, 6);
	k->ethertype = htons(w->ethertype);
	k->vlan[0] = htons(w->vlan[0]);
	k->vlan[1] = htons(w->vlan[1]);
	k->l3 = w->l3;
	k->proto = w->proto;
	k->tcp_flags = w->tcp_flags;
	k->flags = w->flags;
	if (w->saddr)
		pkt_addr(w->saddr, k->saddr.b);
	if (w->daddr)
		pkt_addr(w->daddr, k->daddr.b);
	k->sport = htons(w->sport);
	k->dport = htons(w->dport);
}

static void assert_key(const struct nfc_key *want, const struct nfc_key *got)
{
	assert_int_equal(got->ifindex, want->ifindex);
	assert_int_equal(got->tenant, want->tenant);
	assert_memory_equal(got->dmac, want->dmac, 6);
	assert_memory_equal(got->smac, want->smac, 6);
	assert_int_equal(ntohs(got->ethertype), ntohs(want->ethertype));
	assert_int_equal(ntohs(got->vlan[0]), ntohs(want->vlan[0]));
	assert_int_equal(ntohs(got->vlan[1]), ntohs(want->vlan[1]));
	assert_int_equal(got->l3, want->l3);
	assert_int_equal(got->proto, want->proto);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->tcp_flags, want->tcp_flags);
	assert_memory_equal(got->saddr.b, want->saddr.b, 16);
	assert_memory_equal(got->daddr.b, want->daddr.b, 16);
	assert_int_equal(ntohs(got->sport), ntohs(want->sport));
	assert_int_equal(ntohs(got->dport), ntohs(want->dport));
	/* and nothing else: padding too */
	assert_memory_equal(got, want, sizeof(*want));
}

static void run_case(void **state)
{
	const struct parse_case *tc = *state;
	struct nfc_node_stats hs;
	struct nfc_key key;
	struct dp_run r;
	struct pkt p;

	pkt_init(&p);
	tc->build(&p);
	dp_chain1(dp_module("nop"));
	dp_run(tc->root, &p, &r);
	dp_node_stats(0, &hs);

	if (tc->malformed) {
		dp_assert_drop(&r, NFC_DROP_MALFORMED);
		/* dropped by the root, before the chain */
		assert_int_equal(hs.packets, 0);
		return;
	}
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	assert_int_equal(hs.packets, 1);
	dp_assert_bytes(&r, &p);

	want_key(&tc->k, &key);
	assert_key(&key, &r.ctx.key);
	assert_int_equal(r.ctx.l3_off, tc->k.l3_off);
	assert_int_equal(r.ctx.l4_off, tc->k.l4_off);
	assert_int_equal(r.ctx.inner_off, tc->k.inner_off);
	assert_int_equal(r.ctx.ttl, tc->k.ttl);
	/* the chain starts from the parsed key and nothing else */
	assert_memory_equal(&r.ctx.act.key, &r.ctx.key, sizeof(key));
	assert_int_equal(r.ctx.act.flags, 0);
	assert_int_equal(r.ctx.act.verdict, NFC_V_PASS);
	assert_int_equal(r.ctx.act.policy, 0);
	assert_int_equal(r.ctx.chain, r.chain);
	assert_int_equal(r.ctx.version, DP_VERSION);
	assert_int_equal(r.ctx.base, DP_BASE);
	assert_int_equal(r.ctx.hop, 0);
}

/*
 * The root's inline parser (nfc_root_parse_fast) against the parser (the
 * same root with nfc_root_parse_force): IPv4 and IPv6, TCP and UDP frames,
 * most with one of the fields the inline parser reads set at random, some
 * cut short, must give the same key, offsets and TTL, or be malformed for
 * both.
 */
struct fuzz_field {
	__u32 off, len;
};

static const struct fuzz_field fuzz4[] = {
	{ 12, 2 }, /* ethertype */
	{ 14, 1 }, /* version, header length */
	{ 16, 2 }, /* total length */
	{ 20, 2 }, /* flags, fragment offset */
	{ 23, 1 }, /* protocol */
	{ 36, 2 }, /* destination port */
	{ 46, 1 }, /* TCP data offset */
	{ 47, 1 }, /* TCP flags */
};

static const struct fuzz_field fuzz6[] = {
	{ 12, 2 }, /* ethertype */
	{ 14, 1 }, /* version, traffic class */
	{ 18, 2 }, /* payload length */
	{ 20, 1 }, /* next header */
	{ 56, 2 }, /* destination port */
	{ 66, 1 }, /* TCP data offset */
	{ 67, 1 }, /* TCP flags */
};

static void fuzz_frame(struct pkt *p, unsigned int *seed, unsigned int i)
{
	bool v6 = rand_r(seed) & 1, tcp = rand_r(seed) & 1;
	const struct fuzz_field *fields = v6 ? fuzz6 : fuzz4, *f;
	__u32 n = v6 ? sizeof(fuzz6) / sizeof(fuzz6[0]) :
		       sizeof(fuzz4) / sizeof(fuzz4[0]);
	__u32 l4 = v6 ? 54 : 34, lenf = v6 ? 18 : 16;

	pkt_init(p);
	pkt_eth(p, MAC_A, MAC_B, v6 ? 0x86dd : 0x0800);
	if (v6)
		pkt_ipv6(p, tcp ? IPPROTO_TCP : IPPROTO_UDP, A6, B6,
			 1 + rand_r(seed) % 255);
	else
		pkt_ipv4(p, tcp ? IPPROTO_TCP : IPPROTO_UDP, A4, B4,
			 1 + rand_r(seed) % 255, 0, 0);
	if (tcp)
		pkt_tcp(p, 1000 + i, 443, 0x10);
	else
		pkt_udp(p, 1000 + i, 53, false);
	pkt_data(p, rand_r(seed) % 40);
	pkt_finish(p);
	if (i % 4) {
		f = &fields[rand_r(seed) % n];
		if (f->off == lenf && rand_r(seed) % 2) {
			/* a length a little off */
			pkt_put16(p, f->off,
				  pkt_get16(p, f->off) + rand_r(seed) % 9 - 4);
		} else if (f->off == l4 + 2 && rand_r(seed) % 2) {
			/* to the VXLAN port, a VXLAN header's flags */
			pkt_put16(p, f->off, 4789);
			p->b[l4 + 8] = 0x08;
		} else if (f->len == 2) {
			pkt_put16(p, f->off, rand_r(seed));
		} else {
			p->b[f->off] = rand_r(seed);
		}
	}
	if (i % 7 == 0)
		p->len = 14 + rand_r(seed) % (p->len - 13);
}

static void fast_equals_parser(void **state)
{
	unsigned int seed = 7, i, same = 0, malformed = 0;
	struct dp_run a, b;
	struct pkt p;
	bool ma, mb;
	int ra, rb;

	dp_chain1(dp_module("nop"));
	for (i = 0; i < 4000; i++) {
		fuzz_frame(&p, &seed, i);
		ra = dp_run_quiet(DP_ROOT, &p, &a);
		rb = dp_run_quiet(DP_ROOT_PARSER, &p, &b);
		/* TC's test runs refuse a cut IP header: both, or neither */
		assert_int_equal(ra, rb);
		if (ra)
			continue;
		ma = a.ctx.act.verdict == NFC_V_DROP &&
		     a.ctx.act.reason == NFC_DROP_MALFORMED;
		mb = b.ctx.act.verdict == NFC_V_DROP &&
		     b.ctx.act.reason == NFC_DROP_MALFORMED;
		assert_int_equal(ma, mb);
		assert_int_equal(a.retval, b.retval);
		if (ma) {
			malformed++;
			continue;
		}
		assert_key(&b.ctx.key, &a.ctx.key);
		assert_int_equal(a.ctx.l3_off, b.ctx.l3_off);
		assert_int_equal(a.ctx.l4_off, b.ctx.l4_off);
		assert_int_equal(a.ctx.inner_off, b.ctx.inner_off);
		assert_int_equal(a.ctx.ttl, b.ctx.ttl);
		same++;
	}
	/* both kinds, many of each */
	assert_true(same > 1500);
	assert_true(malformed > 150);
}

int main(int argc, char **argv)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1];
	bool xdp = argc > 1 && !strcmp(argv[1], "xdp");
	size_t i, n = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].xdp_only && !xdp)
			continue;
		tests[n++] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = run_case,
			.setup_func = dp_reset,
			.initial_state = (void *)&cases[i],
		};
	}
	tests[n++] = (struct CMUnitTest){
		.name = "fast_equals_parser",
		.test_func = fast_equals_parser,
		.setup_func = dp_reset,
	};
	return dp_main(argc, argv, "datapath/parse", tests, n);
}
