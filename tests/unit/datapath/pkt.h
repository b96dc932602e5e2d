/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * A small packet builder for the datapath tests. Headers are appended in
 * wire order; pkt_finish() then fills every length and checksum from
 * scratch, innermost first, so a test can build a packet, change fields the
 * way the executor should, finish it again and compare bytes.
 */
#ifndef DP_PKT_H
#define DP_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define PKT_MAX 512
#define PKT_LAYERS 24

enum pkt_kind {
	PK_ETH,
	PK_VLAN,
	PK_ARP,
	PK_IPV4,
	PK_IPV6,
	PK_EXT6,
	PK_TCP,
	PK_UDP,
	PK_ICMP,
	PK_ICMP6,
	PK_VXLAN,
	PK_DATA,
};

struct pkt_layer {
	enum pkt_kind kind;
	uint32_t off;
	bool nocsum; /* UDP: leave the checksum 0 */
};

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
	struct pkt_layer l[PKT_LAYERS];
	int n;
};

extern const uint8_t MAC_A[6], MAC_B[6], MAC_C[6], MAC_D[6];

void pkt_init(struct pkt *p);
/* Ethernet; the type is that of the next header (a tag or L3). */
void pkt_eth(struct pkt *p, const uint8_t *dst, const uint8_t *src,
	     uint16_t type);
void pkt_vlan(struct pkt *p, uint16_t tci, uint16_t type);
void pkt_arp(struct pkt *p, uint16_t op, const char *spa, const char *tpa);
/* IPv4 with @optlen bytes of options (a multiple of 4) and frag_off as on
 * the wire (flags << 13 | offset in 8-byte units). */
void pkt_ipv4(struct pkt *p, uint8_t proto, const char *src, const char *dst,
	      uint8_t ttl, uint32_t optlen, uint16_t frag_off);
void pkt_ipv6(struct pkt *p, uint8_t next, const char *src, const char *dst,
	      uint8_t hop_limit);
/* An extension header of @len units (8 bytes; AH: 4 bytes, +2). */
void pkt_ext6(struct pkt *p, uint8_t type, uint8_t next, uint8_t len);
void pkt_frag6(struct pkt *p, uint8_t next, uint16_t offset, bool more);
void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags);
/* The two hosts of the flow tests, and IPv4 TCP @flags between them:
 * A:40000 -> B:443, or back when @reply. */
#define IP_A "192.0.2.1"
#define IP_B "198.51.100.2"
void pkt_tcp4_ab(struct pkt *p, bool reply, uint8_t flags);
void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport, bool nocsum);
void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint16_t id,
	      uint16_t seq);
void pkt_icmp6(struct pkt *p, uint8_t type, uint8_t code, uint16_t id,
	       uint16_t seq);
void pkt_vxlan(struct pkt *p, uint8_t flags, uint32_t vni);
void pkt_data(struct pkt *p, uint32_t n);
/* Lengths and checksums, innermost first. */
void pkt_finish(struct pkt *p);

/* The offset of the last layer of @kind, or -1. */
int pkt_last(const struct pkt *p, enum pkt_kind kind);
/* The last IP (v4 or v6) layer before layer @i, or -1. */
int pkt_ip_before(const struct pkt *p, int i);

void pkt_put16(struct pkt *p, uint32_t off, uint16_t v); /* network order */
void pkt_put32(struct pkt *p, uint32_t off, uint32_t v);
uint16_t pkt_get16(const struct pkt *p, uint32_t off);

/* Parse an IPv4 or IPv6 address into @out (16 bytes, v4 in the first 4). */
void pkt_addr(const char *s, uint8_t *out);
/* Describe where two buffers differ, for assertion messages. */
void pkt_diff(const uint8_t *want, uint32_t wlen, const uint8_t *got,
	      uint32_t glen);

#endif /* DP_PKT_H */
