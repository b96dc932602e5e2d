// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The router module under BPF_PROG_TEST_RUN: next hops (connected and by
 * gateway), neighbours, MAC and TTL rewrites in the bytes sent, ECMP
 * groups (rendezvous hashing), policies, and what it drops or hands to the
 * stack. Routes come from the policies table here: its LPM tables need the
 * runtime, and integration-router tests them with real traffic.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "router.h"

#define R "router@1.0.0"
#define OUT_IF 7

static const uint8_t GW_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };

static void frame4(struct pkt *p, const uint8_t *dst, const uint8_t *src,
		   uint8_t ttl, uint16_t sport)
{
	pkt_init(p);
	pkt_eth(p, dst, src, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, IP_A, IP_B, ttl, 0, 0);
	pkt_udp(p, sport, 53, false);
	pkt_data(p, 10);
	pkt_finish(p);
}

static void frame6(struct pkt *p, const uint8_t *dst, const uint8_t *src,
		   uint8_t hops)
{
	pkt_init(p);
	pkt_eth(p, dst, src, 0x86dd);
	pkt_ipv6(p, IPPROTO_TCP, "2001:db8:1::1", "2001:db8:2::2", hops);
	pkt_tcp(p, 40000, 443, 0x18);
	pkt_data(p, 10);
	pkt_finish(p);
}

static void nexthop(__u32 id, __u32 ifindex, const char *gw, const char *gw6,
		    __u32 action)
{
	struct router_nexthop nh = { .ifindex = ifindex, .action = action };
	struct router_id k = { id };

	memcpy(nh.smac, GW_MAC, 6);
	if (gw)
		assert_int_equal(inet_pton(AF_INET, gw, &nh.gateway), 1);
	if (gw6)
		assert_int_equal(inet_pton(AF_INET6, gw6, nh.gateway6), 1);
	assert_int_equal(bpf_map_update_elem(dp_table(R, "nexthops"), &k, &nh, 0), 0);
}

static void neighbour(__u32 ifindex, const char *addr, const uint8_t *mac)
{
	struct router_neigh6_key k6 = { .ifindex = ifindex };
	struct router_neigh_key k4 = { .ifindex = ifindex };
	struct router_neigh n = {};

	memcpy(n.mac, mac, 6);
	if (strchr(addr, ':')) {
		assert_int_equal(inet_pton(AF_INET6, addr, k6.addr), 1);
		assert_int_equal(bpf_map_update_elem(dp_table(R, "neighbors6"), &k6, &n, 0), 0);
	} else {
		assert_int_equal(inet_pton(AF_INET, addr, &k4.addr), 1);
		assert_int_equal(bpf_map_update_elem(dp_table(R, "neighbors"), &k4, &n, 0), 0);
	}
}

/* Policy @prio: @src (IPv4 "a.b.c.d/n", IPv6, or NULL) to @via. */
static void policy(__u32 prio, const char *src, __u16 dport, __u32 via)
{
	struct router_policy p = { .via = via, .dport = htons(dport) };
	struct router_prio k = { prio };
	char a[64], *slash;

	if (src) {
		snprintf(a, sizeof(a), "%s", src);
		slash = strchr(a, '/');
		assert_non_null(slash);
		*slash = '\0';
		if (strchr(a, ':')) {
			p.src6.plen = atoi(slash + 1);
			assert_int_equal(inet_pton(AF_INET6, a, p.src6.addr), 1);
		} else {
			p.src.plen = atoi(slash + 1);
			assert_int_equal(inet_pton(AF_INET, a, &p.src.addr), 1);
		}
	}
	assert_int_equal(bpf_map_update_elem(dp_table(R, "policies"), &k, &p, 0), 0);
}

static void group(__u32 id, __u32 a, __u32 b, __u32 c, __u32 d)
{
	struct router_group g = { .nh1 = a, .nh2 = b, .nh3 = c, .nh4 = d };
	struct router_id k = { id };

	assert_int_equal(bpf_map_update_elem(dp_table(R, "nexthop-groups"), &k, &g, 0), 0);
}

static void run(const struct pkt *p, struct dp_run *r)
{
	dp_chain1(dp_module(R));
	dp_run(DP_ROOT, p, r);
}

/* An ICMPv6 message of @type from fe80::1 to @dst. */
static void icmp6_to(struct pkt *p, const char *dst, uint8_t type)
{
	pkt_init(p);
	pkt_eth(p, GW_MAC, MAC_A, 0x86dd);
	pkt_ipv6(p, IPPROTO_ICMPV6, "fe80::1", dst, 255);
	pkt_icmp6(p, type, 0, 1, 1);
	pkt_finish(p);
}

/* ARP and IPv6 of link scope are the host's, whatever the default: to
 * its stack, unrouted; multicast of a wider scope is not. */
static void test_link_scope_to_stack(void **state)
{
	struct pkt in;
	struct dp_run r;

	pkt_init(&in);
	pkt_eth(&in, GW_MAC, MAC_A, 0x0806);
	pkt_arp(&in, 2, IP_B, IP_A);
	pkt_finish(&in);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);

	dp_reset(state);
	icmp6_to(&in, "ff02::1:ff00:2", 135);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);

	dp_reset(state);
	icmp6_to(&in, "fe80::2", 128);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);

	dp_reset(state);
	icmp6_to(&in, "ff05::2", 128);
	run(&in, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);
}

/* A connected next hop: the destination's own MAC, the router's as the
 * source, one hop less, the IPv4 checksum right: byte for byte. */
static void test_connected_v4(void **state)
{
	struct pkt in, want;
	struct dp_run r;

	nexthop(1, OUT_IF, NULL, NULL, ROUTER_NH_FORWARD);
	neighbour(OUT_IF, IP_B, MAC_C);
	policy(5, "192.0.2.0/24", 0, 1);
	frame4(&in, GW_MAC, MAC_A, 64, 5000);
	frame4(&want, MAC_C, GW_MAC, 63, 5000);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, OUT_IF);
	dp_assert_bytes(&r, &want);
}

/* Through a gateway: its neighbour entry, not the destination's. */
static void test_gateway_v4(void **state)
{
	struct pkt in, want;
	struct dp_run r;

	nexthop(2, OUT_IF, "10.0.0.9", NULL, ROUTER_NH_FORWARD);
	neighbour(OUT_IF, IP_B, MAC_C);
	neighbour(OUT_IF, "10.0.0.9", MAC_D);
	policy(5, NULL, 0, 2);
	frame4(&in, GW_MAC, MAC_A, 64, 5000);
	frame4(&want, MAC_D, GW_MAC, 63, 5000);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	dp_assert_bytes(&r, &want);
}

static void test_connected_v6(void **state)
{
	struct pkt in, want;
	struct dp_run r;

	nexthop(3, OUT_IF, NULL, NULL, ROUTER_NH_FORWARD);
	neighbour(OUT_IF, "2001:db8:2::2", MAC_C);
	policy(5, "2001:db8:1::/48", 0, 3);
	frame6(&in, GW_MAC, MAC_A, 9);
	frame6(&want, MAC_C, GW_MAC, 8);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	dp_assert_bytes(&r, &want);
}

/* An IPv4 policy is not an IPv6 one, nor the other way round; a source
 * outside the prefix is not matched; the lowest priority wins. */
static void policy_match_setup(void)
{
	nexthop(1, 11, NULL, NULL, ROUTER_NH_FORWARD);
	nexthop(2, 12, NULL, NULL, ROUTER_NH_FORWARD);
	neighbour(11, IP_B, MAC_C);
	neighbour(12, IP_B, MAC_C);
	neighbour(11, "2001:db8:2::2", MAC_C);
	neighbour(12, "2001:db8:2::2", MAC_C);
}

static void test_policy_match(void **state)
{
	struct pkt in4, in6;
	struct dp_run r;

	frame4(&in4, GW_MAC, MAC_A, 64, 5000);
	frame6(&in6, GW_MAC, MAC_A, 64);

	policy_match_setup();
	policy(5, "192.0.2.0/24", 0, 1);
	run(&in6, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	policy_match_setup();
	policy(5, "2001:db8:1::/48", 0, 1);
	run(&in4, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	policy_match_setup();
	policy(5, "192.0.3.0/24", 0, 1);
	run(&in4, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	policy_match_setup();
	policy(9, "192.0.2.0/24", 0, 1);
	policy(4, "192.0.2.1/32", 0, 2);
	policy(7, NULL, 0, 1);
	run(&in4, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, 12);

	dp_reset(state);
	policy_match_setup();
	policy(3, NULL, 54, 2); /* another port */
	policy(8, NULL, 53, 1);
	run(&in4, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, 11);
}

/* What drops as no-route: a blackhole, a missing next hop, a missing
 * neighbour, an empty group, no policy and no route, a frame not IP. */
static void test_no_route(void **state)
{
	struct pkt in;
	struct dp_run r;

	frame4(&in, GW_MAC, MAC_A, 64, 5000);
	nexthop(1, OUT_IF, NULL, NULL, ROUTER_NH_BLACKHOLE);
	neighbour(OUT_IF, IP_B, MAC_C);
	policy(5, NULL, 0, 1);
	run(&in, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	policy(5, NULL, 0, 1);
	run(&in, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	nexthop(1, OUT_IF, NULL, NULL, ROUTER_NH_FORWARD);
	policy(5, NULL, 0, 1);
	run(&in, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	nexthop(1, OUT_IF, NULL, NULL, ROUTER_NH_FORWARD);
	neighbour(OUT_IF, IP_B, MAC_C);
	group(50, 0, 0, 0, 0);
	policy(5, NULL, 0, 50);
	run(&in, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	run(&in, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);

	dp_reset(state);
	pkt_init(&in);
	pkt_eth(&in, GW_MAC, MAC_A, 0x88b5);
	pkt_data(&in, 46);
	pkt_finish(&in);
	run(&in, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);
}

/* A TTL or hop limit that would run out here: to the stack, unchanged
 * (it sends time exceeded). */
static void test_ttl_expiring_to_stack(void **state)
{
	struct pkt in;
	struct dp_run r;

	nexthop(1, OUT_IF, NULL, NULL, ROUTER_NH_FORWARD);
	neighbour(OUT_IF, IP_B, MAC_C);
	neighbour(OUT_IF, "2001:db8:2::2", MAC_C);
	policy(5, NULL, 0, 1);
	frame4(&in, GW_MAC, MAC_A, 1, 5000);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	dp_assert_bytes(&r, &in);

	dp_reset(state);
	nexthop(1, OUT_IF, NULL, NULL, ROUTER_NH_FORWARD);
	neighbour(OUT_IF, "2001:db8:2::2", MAC_C);
	policy(5, NULL, 0, 1);
	frame6(&in, GW_MAC, MAC_A, 1);
	run(&in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	dp_assert_bytes(&r, &in);
}

/* A routed flow's result is cached; its packet with TTL 1 is not served
 * from the cache but routed again: to the stack, unchanged. */
static void test_ttl_expiring_cached_flow(void **state)
{
	struct pkt in;
	struct dp_run r;

	nexthop(1, OUT_IF, NULL, NULL, ROUTER_NH_FORWARD);
	neighbour(OUT_IF, IP_B, MAC_C);
	policy(5, NULL, 0, 1);
	dp_chain1(dp_module(R));
	frame4(&in, GW_MAC, MAC_A, 64, 5000);
	dp_run(DP_ROOT, &in, &r);
	dp_run(DP_ROOT, &in, &r);
	assert_int_equal(r.retval, F.rc_redirect);
	assert_int_equal(r.stats.cached, 1);
	frame4(&in, GW_MAC, MAC_A, 1, 5000);
	dp_run(DP_ROOT, &in, &r);
	assert_int_equal(r.retval, F.rc_pass);
	assert_int_equal(r.stats.cached, 1);
	assert_int_equal(r.stats.verdict[NFC_V_PASS], 1);
	assert_int_equal(r.stats.verdict[NFC_V_DROP], 0);
	dp_assert_bytes(&r, &in);
	/* and the flow's next packet with hops to spare is forwarded */
	frame4(&in, GW_MAC, MAC_A, 64, 5000);
	dp_run(DP_ROOT, &in, &r);
	assert_int_equal(r.retval, F.rc_redirect);
}

#define FLOWS 400

/* The out interface of flow @i (its source port) through the group. */
static __u32 flow_out(int i)
{
	struct pkt in;
	struct dp_run r;

	frame4(&in, GW_MAC, MAC_A, 64, 1000 + i);
	dp_run(DP_ROOT, &in, &r);
	assert_int_equal(r.retval, F.rc_redirect);
	return r.ctx.act.out_ifindex;
}

/* ECMP: each flow keeps its path, the four paths share the flows, and a
 * path out of the group moves only the flows it carried. The flow cache
 * off, so that every packet is the router's choice (the context then
 * says it). */
static void test_ecmp_rendezvous(void **state)
{
	__u32 before[FLOWS], n[4] = {}, i, j;

	for (j = 0; j < 4; j++) {
		nexthop(10 + j, 20 + j, NULL, NULL, ROUTER_NH_FORWARD);
		neighbour(20 + j, IP_B, MAC_C);
	}
	group(50, 10, 11, 12, 13);
	policy(5, NULL, 0, 50);
	dp_chain1(dp_module(R));
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION) |
				      NFC_ACTIVE_F_NOCACHE);
	for (i = 0; i < FLOWS; i++) {
		before[i] = flow_out(i);
		assert_true(before[i] >= 20 && before[i] <= 23);
		n[before[i] - 20]++;
	}
	for (j = 0; j < 4; j++)
		if (n[j] < FLOWS / 4 * 7 / 10 || n[j] > FLOWS / 4 * 13 / 10)
			fail_msg("path %u took %u of %d flows", j, n[j], FLOWS);
	/* again: the same paths */
	for (i = 0; i < FLOWS; i += 7)
		assert_int_equal(flow_out(i), before[i]);
	/* next hop 13 (interface 23) out */
	group(50, 10, 11, 12, 0);
	for (i = 0; i < FLOWS; i++) {
		__u32 now = flow_out(i);

		if (before[i] != 23 && now != before[i])
			fail_msg("flow %u moved from %u to %u", i, before[i], now);
		assert_int_not_equal(now, 23);
	}
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup(f, dp_reset)
	const struct CMUnitTest tests[] = {
		T(test_connected_v4),
		T(test_gateway_v4),
		T(test_connected_v6),
		T(test_policy_match),
		T(test_no_route),
		T(test_link_scope_to_stack),
		T(test_ttl_expiring_to_stack),
		T(test_ttl_expiring_cached_flow),
		T(test_ecmp_rendezvous),
	};

	return dp_main(argc, argv, "datapath/router", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
