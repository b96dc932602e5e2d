// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pkt.h"

const uint8_t MAC_A[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
const uint8_t MAC_B[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };
const uint8_t MAC_C[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c };
const uint8_t MAC_D[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0d };

static void die(const char *what)
{
	fprintf(stderr, "pkt: %s\n", what);
	abort();
}

static uint8_t *grow(struct pkt *p, enum pkt_kind kind, uint32_t n)
{
	uint8_t *h;

	if (p->len + n > PKT_MAX || p->n == PKT_LAYERS)
		die("packet too large");
	p->l[p->n].kind = kind;
	p->l[p->n].off = p->len;
	p->l[p->n].nocsum = false;
	p->n++;
	h = p->b + p->len;
	memset(h, 0, n);
	p->len += n;
	return h;
}

void pkt_put16(struct pkt *p, uint32_t off, uint16_t v)
{
	p->b[off] = v >> 8;
	p->b[off + 1] = v;
}

void pkt_put32(struct pkt *p, uint32_t off, uint32_t v)
{
	pkt_put16(p, off, v >> 16);
	pkt_put16(p, off + 2, v);
}

uint16_t pkt_get16(const struct pkt *p, uint32_t off)
{
	return p->b[off] << 8 | p->b[off + 1];
}

void pkt_addr(const char *s, uint8_t *out)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) != 1 && inet_pton(AF_INET6, s, out) != 1)
		die("bad address");
}

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

void pkt_eth(struct pkt *p, const uint8_t *dst, const uint8_t *src,
	     uint16_t type)
{
	uint8_t *h = grow(p, PK_ETH, 14);

	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	pkt_put16(p, p->len - 2, type);
}

void pkt_vlan(struct pkt *p, uint16_t tci, uint16_t type)
{
	grow(p, PK_VLAN, 4);
	pkt_put16(p, p->len - 4, tci);
	pkt_put16(p, p->len - 2, type);
}

void pkt_arp(struct pkt *p, uint16_t op, const char *spa, const char *tpa)
{
	uint8_t *h = grow(p, PK_ARP, 28), a[16];
	uint32_t o = p->len - 28;

	pkt_put16(p, o, 1);
	pkt_put16(p, o + 2, 0x0800);
	h[4] = 6;
	h[5] = 4;
	pkt_put16(p, o + 6, op);
	memcpy(h + 8, MAC_B, 6);
	pkt_addr(spa, a);
	memcpy(h + 14, a, 4);
	pkt_addr(tpa, a);
	memcpy(h + 24, a, 4);
}

void pkt_ipv4(struct pkt *p, uint8_t proto, const char *src, const char *dst,
	      uint8_t ttl, uint32_t optlen, uint16_t frag_off)
{
	uint8_t *h = grow(p, PK_IPV4, 20 + optlen), a[16];
	uint32_t o = p->len - 20 - optlen, i;

	h[0] = 0x40 | (20 + optlen) / 4;
	pkt_put16(p, o + 4, 0x1234);
	pkt_put16(p, o + 6, frag_off);
	h[8] = ttl;
	h[9] = proto;
	pkt_addr(src, a);
	memcpy(h + 12, a, 4);
	pkt_addr(dst, a);
	memcpy(h + 16, a, 4);
	/* NOPs, then end of options */
	for (i = 0; i < optlen; i++)
		h[20 + i] = i + 1 < optlen ? 1 : 0;
}

void pkt_ipv6(struct pkt *p, uint8_t next, const char *src, const char *dst,
	      uint8_t hop_limit)
{
	uint8_t *h = grow(p, PK_IPV6, 40);

	h[0] = 0x60;
	h[1] = 0x01; /* a flow label, for the byte comparisons */
	h[6] = next;
	h[7] = hop_limit;
	pkt_addr(src, h + 8);
	pkt_addr(dst, h + 24);
}

void pkt_ext6(struct pkt *p, uint8_t type, uint8_t next, uint8_t len)
{
	uint32_t n = type == 51 ? (len + 2) * 4 : (len + 1) * 8, i;
	uint8_t *h = grow(p, PK_EXT6, n);

	h[0] = next;
	h[1] = len;
	/* PadN filling options, so that the header is well formed */
	if (type != 51 && n > 2) {
		h[2] = 1;
		h[3] = n - 4;
	}
	for (i = 0; type == 51 && i + 4 < n; i++)
		h[4 + i] = i;
}

void pkt_frag6(struct pkt *p, uint8_t next, uint16_t offset, bool more)
{
	uint8_t *h = grow(p, PK_EXT6, 8);

	h[0] = next;
	pkt_put16(p, p->len - 6, offset << 3 | more);
	pkt_put32(p, p->len - 4, 0xabcd);
}

void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t *h = grow(p, PK_TCP, 20);
	uint32_t o = p->len - 20;

	pkt_put16(p, o, sport);
	pkt_put16(p, o + 2, dport);
	pkt_put32(p, o + 4, 0x01020304);
	pkt_put32(p, o + 8, 0x0a0b0c0d);
	h[12] = 5 << 4;
	h[13] = flags;
	pkt_put16(p, o + 14, 65535);
}

void pkt_tcp4_ab(struct pkt *p, bool reply, uint8_t flags)
{
	pkt_ipv4(p, IPPROTO_TCP, reply ? IP_B : IP_A, reply ? IP_A : IP_B, 64,
		 0, 0);
	if (reply)
		pkt_tcp(p, 443, 40000, flags);
	else
		pkt_tcp(p, 40000, 443, flags);
}

void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport, bool nocsum)
{
	grow(p, PK_UDP, 8);
	p->l[p->n - 1].nocsum = nocsum;
	pkt_put16(p, p->len - 8, sport);
	pkt_put16(p, p->len - 6, dport);
}

static void icmp(struct pkt *p, enum pkt_kind kind, uint8_t type,
		 uint8_t code, uint16_t id, uint16_t seq)
{
	uint8_t *h = grow(p, kind, 8);

	h[0] = type;
	h[1] = code;
	pkt_put16(p, p->len - 4, id);
	pkt_put16(p, p->len - 2, seq);
}

void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint16_t id,
	      uint16_t seq)
{
	icmp(p, PK_ICMP, type, code, id, seq);
}

void pkt_icmp6(struct pkt *p, uint8_t type, uint8_t code, uint16_t id,
	       uint16_t seq)
{
	icmp(p, PK_ICMP6, type, code, id, seq);
}

void pkt_vxlan(struct pkt *p, uint8_t flags, uint32_t vni)
{
	uint8_t *h = grow(p, PK_VXLAN, 8);

	h[0] = flags;
	pkt_put32(p, p->len - 4, vni << 8);
}

void pkt_data(struct pkt *p, uint32_t n)
{
	uint8_t *h = grow(p, PK_DATA, n);
	uint32_t i;

	for (i = 0; i < n; i++)
		h[i] = 0x30 + i * 7;
}

/* Ones' complement sum of @n bytes, big-endian words, unfolded. */
static uint32_t sum(const uint8_t *b, uint32_t n)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < n; i += 2)
		s += b[i] << 8 | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

int pkt_ip_before(const struct pkt *p, int i)
{
	while (--i >= 0)
		if (p->l[i].kind == PK_IPV4 || p->l[i].kind == PK_IPV6)
			return i;
	return -1;
}

static uint32_t pseudo(const struct pkt *p, int i, uint8_t proto,
		       uint32_t len)
{
	int ip = pkt_ip_before(p, i);
	const uint8_t *h;

	if (ip < 0)
		die("L4 without IP");
	h = p->b + p->l[ip].off;
	if (p->l[ip].kind == PK_IPV4)
		return sum(h + 12, 8) + proto + len;
	return sum(h + 8, 32) + proto + len;
}

void pkt_finish(struct pkt *p)
{
	uint32_t end = p->len;
	int i;

	for (i = p->n - 1; i >= 0; i--) {
		uint32_t o = p->l[i].off, n = end - o;
		uint8_t *h = p->b + o;
		uint16_t c;

		switch (p->l[i].kind) {
		case PK_TCP:
			pkt_put16(p, o + 16, 0);
			c = fold(pseudo(p, i, 6, n) + sum(h, n));
			pkt_put16(p, o + 16, c);
			break;
		case PK_UDP:
			pkt_put16(p, o + 4, n);
			pkt_put16(p, o + 6, 0);
			if (p->l[i].nocsum)
				break;
			c = fold(pseudo(p, i, 17, n) + sum(h, n));
			pkt_put16(p, o + 6, c ? c : 0xffff);
			break;
		case PK_ICMP:
			pkt_put16(p, o + 2, 0);
			pkt_put16(p, o + 2, fold(sum(h, n)));
			break;
		case PK_ICMP6:
			pkt_put16(p, o + 2, 0);
			c = fold(pseudo(p, i, 58, n) + sum(h, n));
			pkt_put16(p, o + 2, c);
			break;
		case PK_IPV4:
			pkt_put16(p, o + 2, n);
			pkt_put16(p, o + 10, 0);
			pkt_put16(p, o + 10, fold(sum(h, (h[0] & 0xf) * 4)));
			break;
		case PK_IPV6:
			pkt_put16(p, o + 4, n - 40);
			break;
		default:
			break;
		}
	}
}

int pkt_last(const struct pkt *p, enum pkt_kind kind)
{
	int i;

	for (i = p->n - 1; i >= 0; i--)
		if (p->l[i].kind == kind)
			return p->l[i].off;
	return -1;
}

void pkt_diff(const uint8_t *want, uint32_t wlen, const uint8_t *got,
	      uint32_t glen)
{
	uint32_t i, n = wlen < glen ? wlen : glen, shown = 0;

	if (wlen != glen)
		fprintf(stderr, "  length: want %u, got %u\n", wlen, glen);
	for (i = 0; i < n && shown < 16; i++) {
		if (want[i] == got[i])
			continue;
		fprintf(stderr, "  byte %u: want %02x, got %02x\n", i, want[i],
			got[i]);
		shown++;
	}
}
