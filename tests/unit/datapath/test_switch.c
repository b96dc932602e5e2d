// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The switch module under BPF_PROG_TEST_RUN: learning (and what it never
 * does: move a static entry, learn a group address), forwarding to a known
 * port, flooding unknown, broadcast and multicast frames through the
 * executor's flood (never cached), expiry as the datapath sees it, moves
 * that invalidate cached flows, frames back to their own port, ARP
 * requests and neighbour solicitations the switch answers itself, VLANs
 * (1.1.0): trunks, access ports, tags pushed, popped and kept by the
 * executor, cached flows tagged alike, frames of VLANs a port does not
 * carry dropped. The test runs come in on lo (F.lo), a port of domain
 * DOMAIN here; flooding to real ports is integration-switch's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "switch.h"

#define S "switch@1.1.0"
#define DOMAIN 5
#define OUT_IF 7
#define OTHER_IF 9

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static void frame(struct pkt *p, const uint8_t *dst, const uint8_t *src)
{
	pkt_init(p);
	pkt_eth(p, dst, src, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
	pkt_udp(p, 4000, 53, false);
	pkt_data(p, 10);
	pkt_finish(p);
}

static void port(__u32 ifindex, __u32 domain)
{
	struct switch_port_key k = { ifindex };
	struct switch_port v = { domain };

	assert_int_equal(bpf_map_update_elem(dp_table(S, "ports"), &k, &v, 0), 0);
}

static struct switch_fdb_key fdb_key(const uint8_t *mac)
{
	struct switch_fdb_key k = { .domain = DOMAIN };

	memcpy(k.mac, mac, 6);
	return k;
}

static void fdb_put(const uint8_t *mac, __u32 ifindex, __u32 kind,
		    __u64 expires)
{
	struct switch_fdb_key k = fdb_key(mac);
	struct switch_fdb v = { ifindex, kind, expires };

	assert_int_equal(bpf_map_update_elem(dp_table(S, "fdb"), &k, &v, 0), 0);
}

/* 0 and @e filled, or -1 when @mac has no entry. */
static int fdb_get(const uint8_t *mac, struct switch_fdb *e)
{
	struct switch_fdb_key k = fdb_key(mac);

	return bpf_map_lookup_elem(dp_table(S, "fdb"), &k, e) ? -1 : 0;
}

/* Domain DOMAIN of chain DP_CHAIN floods to lo alone: the ingress, so
 * nothing leaves (at TC nothing is cloned). */
static void flood_group(void)
{
	struct nfc_flood_list l = { .n = 1, .ifindex = { F.lo } };
	__u32 g = nfc_flood_group(DP_CHAIN, DOMAIN), ifx = F.lo;
	struct bpf_devmap_val v = { .ifindex = F.lo, .bpf_prog.fd = -1 };
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "test_flood", 4,
			    sizeof(v), NFC_FLOOD_PORTS, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &ifx, &v, 0), 0);
	assert_int_equal(bpf_map_update_elem(F.flood_xdp, &g, &fd, 0), 0);
	close(fd);
	assert_int_equal(bpf_map_update_elem(F.flood_tc, &g, &l, 0), 0);
}

/* Port lo in domain DOMAIN, which floods (to lo alone). */
static void domain_up(void)
{
	port(F.lo, DOMAIN);
	flood_group();
}

/* A case within a case: everything reset, the domain up again. */
static void again(void)
{
	dp_reset(NULL);
	domain_up();
}

static void run(const struct pkt *p, struct dp_run *r)
{
	dp_chain1(dp_module(S));
	dp_run(DP_ROOT, p, r);
}

/* A flood: XDP redirects (a broadcast), TC drops the original after
 * cloning; counted as a flood either way, and not cached. */
static void assert_flood(const struct dp_run *r)
{
	dp_assert_verdict(r, NFC_V_FLOOD, F.xdp ? XDP_REDIRECT : TC_ACT_SHOT);
	assert_int_equal(r->ctx.act.out_ifindex, DOMAIN);
	assert_int_equal(r->stats.flows, 0);
}

static __u32 epoch(void)
{
	__u32 zero = 0, e = 0;

	assert_int_equal(bpf_map_lookup_elem(F.epoch, &zero, &e), 0);
	return e;
}

/* The source is learned on the ingress port, to expire `ageing` (300 s)
 * from now; the unknown destination floods. */
static void test_learn_and_flood_unknown(void **state)
{
	struct switch_fdb e;
	struct pkt p;
	struct dp_run r;
	__u64 t0 = dp_now();

	domain_up();
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	assert_flood(&r);
	assert_int_equal(fdb_get(MAC_A, &e), 0);
	assert_int_equal(e.ifindex, F.lo);
	assert_int_equal(e.kind, SWITCH_FDB_LEARNED);
	assert_true(e.expires_ns >= t0 + 299000000000ULL);
	assert_true(e.expires_ns <= dp_now() + 301000000000ULL);
	assert_int_equal(fdb_get(MAC_B, &e), -1);
}

/* Broadcast and multicast destinations flood even with an entry for the
 * address; group source addresses are not learned. */
static void test_group_addresses(void **state)
{
	struct switch_fdb e;
	struct pkt p;
	struct dp_run r;

	domain_up();
	fdb_put(BCAST, OUT_IF, SWITCH_FDB_STATIC, 0);
	frame(&p, BCAST, MAC_A);
	run(&p, &r);
	assert_flood(&r);
	again();
	frame(&p, MAC_B, MCAST);
	run(&p, &r);
	assert_flood(&r);
	assert_int_equal(fdb_get(MCAST, &e), -1);
	frame(&p, MCAST, MAC_A);
	again();
	run(&p, &r);
	assert_flood(&r);
}

/* A known destination: out of its port, and the result is cached. */
static void test_known_unicast(void **state)
{
	struct pkt p;
	struct dp_run r;

	port(F.lo, DOMAIN);
	port(OUT_IF, DOMAIN);
	fdb_put(MAC_B, OUT_IF, SWITCH_FDB_LEARNED, dp_now() + 60000000000ULL);
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, OUT_IF);
	assert_int_equal(r.stats.flows, 1);
	/* the next frame of the flow is the cache's */
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_redirect);
	assert_int_equal(r.stats.cached, 1);
}

/* A learned entry past its expiry is unknown: the frame floods. */
static void test_expired_floods(void **state)
{
	struct pkt p;
	struct dp_run r;

	domain_up();
	fdb_put(MAC_B, OUT_IF, SWITCH_FDB_LEARNED, dp_now() - 1);
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	assert_flood(&r);
}

/* Static entries win: a frame from their address elsewhere moves nothing,
 * and they do not expire. */
static void test_static_wins(void **state)
{
	struct switch_fdb e;
	struct pkt p;
	struct dp_run r;
	__u32 e0 = epoch();

	port(F.lo, DOMAIN);
	port(OTHER_IF, DOMAIN);
	fdb_put(MAC_A, OUT_IF, SWITCH_FDB_STATIC, 0);
	fdb_put(MAC_B, OTHER_IF, SWITCH_FDB_STATIC, 0);
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, OTHER_IF);
	assert_int_equal(fdb_get(MAC_A, &e), 0);
	assert_int_equal(e.ifindex, OUT_IF);
	assert_int_equal(e.kind, SWITCH_FDB_STATIC);
	assert_int_equal(e.expires_ns, 0);
	assert_int_equal(epoch(), e0);
}

/* A learned address heard on another port moves there, and the flows
 * cached before (decided by where it was) are misses from then on. */
static void test_move_invalidates_flows(void **state)
{
	struct switch_fdb e;
	struct pkt p;
	struct dp_run r;
	__u32 e0 = epoch();

	port(F.lo, DOMAIN);
	port(OTHER_IF, DOMAIN);
	fdb_put(MAC_A, OUT_IF, SWITCH_FDB_LEARNED, dp_now() + 60000000000ULL);
	fdb_put(MAC_B, OTHER_IF, SWITCH_FDB_STATIC, 0);
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(fdb_get(MAC_A, &e), 0);
	assert_int_equal(e.ifindex, F.lo);
	assert_int_equal(epoch(), e0 + 1);
	/* the same address again: no move, no new epoch */
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(epoch(), e0 + 1);
}

/* To the port it came from: dropped, named. */
static void test_same_port(void **state)
{
	struct pkt p;
	struct dp_run r;

	port(F.lo, DOMAIN);
	fdb_put(MAC_B, F.lo, SWITCH_FDB_STATIC, 0);
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	dp_assert_drop(&r, NFC_DROP_SAME_PORT);
}

/* A domain the runtime made no flood group for: a named drop. */
static void test_flood_without_ports(void **state)
{
	struct pkt p;
	struct dp_run r;

	port(F.lo, DOMAIN);
	frame(&p, BCAST, MAC_A);
	run(&p, &r);
	dp_assert_drop(&r, NFC_DROP_NO_PORTS);
}

/* A frame from an interface that is not a port: to the stack, nothing
 * learned (default pass). */
static void test_not_a_port(void **state)
{
	struct switch_fdb e;
	struct pkt p;
	struct dp_run r;

	port(OUT_IF, DOMAIN);
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	assert_int_equal(fdb_get(MAC_A, &e), -1);
}

/* The switch answers for @addr (IPv4: table arp, IPv6: nd) with @mac. */
static void answer(const char *addr, const uint8_t *mac)
{
	struct switch_arp_key k4 = { .domain = DOMAIN };
	struct switch_nd_key k6 = { .domain = DOMAIN };
	struct switch_arp v = {};
	bool v6 = strchr(addr, ':');

	memcpy(v.mac, mac, 6);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, addr,
				   v6 ? (void *)k6.addr : (void *)&k4.addr), 1);
	assert_int_equal(bpf_map_update_elem(dp_table(S, v6 ? "nd" : "arp"),
					     v6 ? (void *)&k6 : (void *)&k4,
					     &v, 0), 0);
}

/* MAC_B asks who has 192.0.2.2 (an ARP request, broadcast). */
static void arp_request(struct pkt *p, const char *target)
{
	pkt_init(p);
	pkt_eth(p, BCAST, MAC_B, 0x0806);
	pkt_arp(p, 1, "192.0.2.1", target);
	pkt_finish(p);
}

/* A request for an address of the arp table is answered by the switch,
 * byte for byte, back out of the ingress; others flood. */
static void test_arp_answered(void **state)
{
	struct pkt p, want;
	struct dp_run r;

	domain_up();
	answer("192.0.2.2", MAC_C);
	arp_request(&p, "192.0.2.2");
	pkt_init(&want);
	pkt_eth(&want, MAC_B, MAC_C, 0x0806);
	pkt_arp(&want, 2, "192.0.2.2", "192.0.2.1");
	pkt_finish(&want);
	memcpy(want.b + 14 + 8, MAC_C, 6);  /* sender: the answer */
	memcpy(want.b + 14 + 18, MAC_B, 6); /* target: the asker */
	run(&p, &r);
	dp_assert_verdict(&r, NFC_V_TX, F.rc_tx);
	dp_assert_bytes(&r, &want);
	/* another domain's entry, or another address: flooded */
	dp_reset(NULL);
	port(F.lo, DOMAIN + 1);
	answer("192.0.2.2", MAC_C);
	arp_request(&p, "192.0.2.2");
	run(&p, &r);
	dp_assert_drop(&r, NFC_DROP_NO_PORTS);
	again();
	answer("192.0.2.2", MAC_C);
	arp_request(&p, "192.0.2.3");
	run(&p, &r);
	assert_flood(&r);
}

/* An ICMPv6 neighbour solicitation (@type 135) or advertisement (136)
 * from @src to @dst about @target, its option (@opt: 1 source, 2 target
 * link-layer address) @ll. */
static void nd_frame(struct pkt *p, const uint8_t *edst, const uint8_t *esrc,
		     const char *src, const char *dst, uint8_t type,
		     uint16_t flags, const char *target, uint8_t opt,
		     const uint8_t *ll)
{
	uint32_t at;

	pkt_init(p);
	pkt_eth(p, edst, esrc, 0x86dd);
	pkt_ipv6(p, IPPROTO_ICMPV6, src, dst, 255);
	pkt_icmp6(p, type, 0, flags, 0);
	pkt_data(p, 24);
	at = p->len - 24;
	assert_int_equal(inet_pton(AF_INET6, target, p->b + at), 1);
	p->b[at + 16] = opt;
	p->b[at + 17] = 1;
	memcpy(p->b + at + 18, ll, 6);
	pkt_finish(p);
}

/* A solicitation for an address of the nd table is answered by the
 * switch with the advertisement, byte for byte (checksum included), back
 * out of the ingress and never cached; duplicate address detection's
 * (from ::) and others flood. */
static void test_nd_answered(void **state)
{
	static const uint8_t SNM[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x02 };
	struct pkt p, want;
	struct dp_run r;

	domain_up();
	answer("2001:db8:1::2", MAC_C);
	nd_frame(&p, SNM, MAC_B, "2001:db8:1::1", "ff02::1:ff00:2", 135, 0,
		 "2001:db8:1::2", 1, MAC_B);
	nd_frame(&want, MAC_B, MAC_C, "2001:db8:1::2", "2001:db8:1::1", 136,
		 0x6000, "2001:db8:1::2", 2, MAC_C);
	run(&p, &r);
	dp_assert_verdict(&r, NFC_V_TX, F.rc_tx);
	dp_assert_bytes(&r, &want);
	assert_int_equal(r.stats.flows, 0);
	nd_frame(&p, SNM, MAC_B, "::", "ff02::1:ff00:2", 135, 0,
		 "2001:db8:1::2", 1, MAC_B);
	again();
	answer("2001:db8:1::2", MAC_C);
	run(&p, &r);
	assert_flood(&r);
	nd_frame(&p, SNM, MAC_B, "2001:db8:1::1", "ff02::1:ff00:3", 135, 0,
		 "2001:db8:1::3", 1, MAC_B);
	again();
	answer("2001:db8:1::2", MAC_C);
	run(&p, &r);
	assert_flood(&r);
}

/* @ifindex carries VLAN @vlan tagged (a trunk's). */
static void trunk(__u32 ifindex, __u32 vlan)
{
	struct switch_vlan_key k = { ifindex, vlan };
	struct switch_vlan v = {};

	assert_int_equal(bpf_map_update_elem(dp_table(S, "vlans"), &k, &v, 0),
			 0);
}

static void fdb_in(__u32 domain, const uint8_t *mac, __u32 ifindex)
{
	struct switch_fdb_key k = { .domain = domain };
	struct switch_fdb v = { ifindex, SWITCH_FDB_STATIC, 0 };

	memcpy(k.mac, mac, 6);
	assert_int_equal(bpf_map_update_elem(dp_table(S, "fdb"), &k, &v, 0), 0);
}

/* frame(), with an 802.1Q tag of TCI @tci */
static void vframe(struct pkt *p, const uint8_t *dst, const uint8_t *src,
		   uint16_t tci)
{
	pkt_init(p);
	pkt_eth(p, dst, src, 0x8100);
	pkt_vlan(p, tci, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
	pkt_udp(p, 4000, 53, false);
	pkt_data(p, 10);
	pkt_finish(p);
}

/* The frame's tag as the action set leaves it: its TCI, -1 untagged. */
static int act_tag(const struct dp_run *r)
{
	if (!(r->ctx.act.key.flags & NFC_KEY_F_VLAN0))
		return -1;
	return ntohs(r->ctx.act.key.vlan[0]);
}

/* Redirected to @out with the tag @tci (-1: none), the frame as @want at
 * XDP (at TC a pushed tag is the skb's, not in the bytes: @want_tc). */
static void assert_out(const struct dp_run *r, __u32 out, int tci,
		       const struct pkt *want, const struct pkt *want_tc)
{
	dp_assert_verdict(r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r->ctx.act.out_ifindex, out);
	assert_int_equal(act_tag(r), tci);
	dp_assert_bytes(r, F.xdp ? want : want_tc);
}

/* A trunk's frame tagged 20 is in domain 20: its source learned there,
 * switched to an access port of 20 untagged; the next frame of the flow,
 * the cache's, leaves the same. */
static void test_vlan_trunk_to_access(void **state)
{
	struct switch_fdb e;
	struct switch_fdb_key k = { .domain = 20 };
	struct pkt p, want;
	struct dp_run r;

	port(F.lo, DOMAIN);
	trunk(F.lo, 20);
	port(OUT_IF, 20);
	fdb_in(20, MAC_B, OUT_IF);
	vframe(&p, MAC_B, MAC_A, 0x2014); /* priority 1, VLAN 20 */
	frame(&want, MAC_B, MAC_A);
	run(&p, &r);
	assert_out(&r, OUT_IF, -1, &want, &want);
	assert_int_equal(r.stats.flows, 1);
	memcpy(k.mac, MAC_A, 6);
	assert_int_equal(bpf_map_lookup_elem(dp_table(S, "fdb"), &k, &e), 0);
	assert_int_equal(e.ifindex, F.lo);
	assert_int_equal(fdb_get(MAC_A, &e), -1); /* not in DOMAIN */
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_redirect);
	assert_int_equal(r.stats.cached, 1);
	dp_assert_bytes(&r, &want);
}

/* An access port's frame goes out of a trunk of its domain tagged with
 * it; one priority-tagged (VLAN 0) is the access port's too, and keeps its
 * priority; a trunk's frame to another trunk keeps its tag. */
static void test_vlan_access_to_trunk(void **state)
{
	struct pkt p, want, want_tc;
	struct dp_run r;

	port(F.lo, DOMAIN);
	port(OUT_IF, 1);
	trunk(OUT_IF, DOMAIN);
	fdb_in(DOMAIN, MAC_B, OUT_IF);
	frame(&p, MAC_B, MAC_A);
	vframe(&want, MAC_B, MAC_A, DOMAIN);
	run(&p, &r);
	assert_out(&r, OUT_IF, DOMAIN, &want, &p);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	dp_assert_bytes(&r, F.xdp ? &want : &p);

	dp_reset(NULL);
	port(F.lo, DOMAIN);
	port(OUT_IF, 1);
	trunk(OUT_IF, DOMAIN);
	fdb_in(DOMAIN, MAC_B, OUT_IF);
	vframe(&p, MAC_B, MAC_A, 0xa000); /* priority 5, no VLAN */
	vframe(&want, MAC_B, MAC_A, 0xa000 | DOMAIN);
	frame(&want_tc, MAC_B, MAC_A);
	run(&p, &r);
	assert_out(&r, OUT_IF, 0xa000 | DOMAIN, &want, &want_tc);

	dp_reset(NULL);
	port(F.lo, 1);
	trunk(F.lo, 30);
	port(OUT_IF, 1);
	trunk(OUT_IF, 30);
	fdb_in(30, MAC_B, OUT_IF);
	vframe(&p, MAC_B, MAC_A, 30);
	run(&p, &r);
	/* no work for the executor: at TC the tag stays in the bytes */
	assert_false(r.ctx.act.flags & NFC_ACT_VLAN);
	assert_out(&r, OUT_IF, 30, &p, &p);
}

/* A frame tagged with a VLAN its port does not carry, one switched to a
 * port that does not carry its domain: dropped, named. Version 1.0.0
 * switches the tagged one in its port's domain, tag and all. */
static void test_vlan_not_member(void **state)
{
	struct pkt p;
	struct dp_run r;

	port(F.lo, DOMAIN);
	trunk(F.lo, 20);
	port(OUT_IF, DOMAIN);
	fdb_in(DOMAIN, MAC_B, OUT_IF);
	vframe(&p, MAC_B, MAC_A, 30);
	run(&p, &r);
	dp_assert_drop(&r, NFC_DROP_VLAN_MEMBER);

	dp_reset(NULL);
	port(F.lo, DOMAIN);
	port(OUT_IF, 1);
	trunk(OUT_IF, 20);
	fdb_in(DOMAIN, MAC_B, OUT_IF);
	frame(&p, MAC_B, MAC_A);
	run(&p, &r);
	dp_assert_drop(&r, NFC_DROP_VLAN_MEMBER);

	dp_reset(NULL);
	{
		const char *v0 = "switch@1.0.0";
		struct switch_port_key pk = { F.lo };
		struct switch_port pv = { DOMAIN };
		struct switch_fdb_key k = { .domain = DOMAIN };
		struct switch_fdb v = { OUT_IF, SWITCH_FDB_STATIC, 0 };

		memcpy(k.mac, MAC_B, 6);
		assert_int_equal(bpf_map_update_elem(dp_table(v0, "ports"),
						     &pk, &pv, 0), 0);
		assert_int_equal(bpf_map_update_elem(dp_table(v0, "fdb"), &k,
						     &v, 0), 0);
		vframe(&p, MAC_B, MAC_A, 30);
		dp_chain1(dp_module(v0));
		dp_run(DP_ROOT, &p, &r);
		dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
		assert_int_equal(act_tag(&r), 30);
	}
}

/* A flood in a domain with a trunk: at XDP the frame is broadcast tagged
 * with the domain (the device map untags it for the others); without
 * one, a priority tag comes off. */
static void test_vlan_flood_tagging(void **state)
{
	struct nfc_flood_list l = { .n = 1, .tagged = 1,
				    .ifindex = { F.lo } };
	__u32 g = nfc_flood_group(DP_CHAIN, DOMAIN);
	struct pkt p, want;
	struct dp_run r;

	domain_up();
	assert_int_equal(bpf_map_update_elem(F.flood_tc, &g, &l, 0), 0);
	frame(&p, BCAST, MAC_A);
	vframe(&want, BCAST, MAC_A, DOMAIN);
	run(&p, &r);
	assert_flood(&r);
	if (F.xdp)
		dp_assert_bytes(&r, &want);
	again();
	vframe(&p, BCAST, MAC_A, 0x6000);
	frame(&want, BCAST, MAC_A);
	run(&p, &r);
	assert_flood(&r);
	if (F.xdp)
		dp_assert_bytes(&r, &want);
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup(f, dp_reset)
	const struct CMUnitTest tests[] = {
		T(test_learn_and_flood_unknown),
		T(test_group_addresses),
		T(test_known_unicast),
		T(test_expired_floods),
		T(test_static_wins),
		T(test_move_invalidates_flows),
		T(test_same_port),
		T(test_flood_without_ports),
		T(test_not_a_port),
		T(test_arp_answered),
		T(test_nd_answered),
		T(test_vlan_trunk_to_access),
		T(test_vlan_access_to_trunk),
		T(test_vlan_not_member),
		T(test_vlan_flood_tagging),
	};

	return dp_main(argc, argv, "datapath/switch", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
