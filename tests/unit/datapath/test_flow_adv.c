// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Adversarial cases of conntrack and the flow cache: tenants and VLANs kept
 * apart, cached rewrites byte for byte equal to the slow path's, fragments
 * and ICMP errors, what the fast path does with a dead connection, counters
 * that add up over a mix of cached and uncached packets, and decisions.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "fixture.h"
#include "acl.h"
#include "internal.h" /* nfc_kernel_hz() */
#include "rewrite.h"

#define SYN 0x02
#define ACK 0x10
#define PSH 0x08
#define FIN_ACK 0x11

#define IP6_A "2001:db8::1"
#define IP6_B "2001:db8::2"

static const uint8_t NEW_DMAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
static const uint8_t NEW_SMAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02 };

#define ALL_REWRITES                                                          \
	(NFC_ACT_DMAC | NFC_ACT_SMAC | NFC_ACT_SADDR | NFC_ACT_DADDR |       \
	 NFC_ACT_SPORT | NFC_ACT_DPORT | NFC_ACT_TTL_DEC)

static __u64 node_packets(int hop)
{
	struct nfc_node_stats s;

	dp_node_stats(hop, &s);
	return s.packets;
}

static void acl_rule(__u32 id, __u8 proto, __u16 dport, __u8 action,
		     const char *name)
{
	struct acl_rule r = { .proto = proto, .action = action,
			      .dport = htons(dport) };

	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_int_equal(bpf_map_update_elem(dp_table("acl", "rules"), &id,
					     &r, 0), 0);
}

static void ep_stats(__u32 ifindex, struct nfc_ep_stats *out)
{
	dp_ep_stats(ifindex, out);
}

static __u64 rule_packets(__u32 node, __u32 policy)
{
	struct nfc_rule_stats s;

	dp_rule_stats(node, policy, &s);
	return s.packets;
}

/* --- packets --- */

static void udp4(struct pkt *p, const char *src, const char *dst,
		 uint16_t sport, uint16_t dport, uint8_t ttl)
{
	pkt_init(p);
	pkt_eth(p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, src, dst, ttl, 0, 0);
	pkt_udp(p, sport, dport, false);
	pkt_data(p, 20);
	pkt_finish(p);
}

/* TCP @flags from A:40000 to B:443 (@reply: back). */
static void tcp4(struct pkt *p, bool reply, uint8_t flags)
{
	pkt_init(p);
	pkt_eth(p, MAC_B, MAC_A, 0x0800);
	pkt_tcp4_ab(p, reply, flags);
	pkt_finish(p);
}

/* A VXLAN packet of VNI @vni carrying TCP @flags between the inner hosts
 * A and B (@reply: B -> A). */
static void vxlan_tcp(struct pkt *p, uint32_t vni, bool reply, uint8_t flags)
{
	pkt_init(p);
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, "10.1.0.1", "10.1.0.2", 64, 0, 0);
	pkt_udp(p, 49152, 4789, false);
	pkt_vxlan(p, 0x08, vni);
	pkt_eth(p, reply ? MAC_C : MAC_D, reply ? MAC_D : MAC_C, 0x0800);
	pkt_tcp4_ab(p, reply, flags);
	pkt_data(p, 5);
	pkt_finish(p);
}

/* --- expected rewrites, done the plain way (as test_exec.c) --- */

static int innermost(const struct pkt *p, const enum pkt_kind *kinds, int n,
		     enum pkt_kind *which)
{
	int i, off, best = -1;

	for (i = 0; i < n; i++) {
		off = pkt_last(p, kinds[i]);
		if (off > best) {
			best = off;
			if (which)
				*which = kinds[i];
		}
	}
	return best;
}

static void plan_all(struct rewrite_plan *plan, __u32 set, bool v6,
		     bool icmp)
{
	memset(plan, 0, sizeof(*plan));
	plan->set = set;
	memcpy(plan->dmac, NEW_DMAC, 6);
	memcpy(plan->smac, NEW_SMAC, 6);
	pkt_addr(v6 ? "2001:db8:ffff::77" : "203.0.113.77", plan->saddr);
	pkt_addr(v6 ? "2001:db8:ffff:1::c8" : "203.0.113.200", plan->daddr);
	if (icmp) {
		plan->sport = htons(0x7777);
		plan->dport = htons(v6 ? 0x8100 : 0x0000);
	} else {
		plan->sport = htons(61000);
		plan->dport = htons(8443);
	}
}

static void expect(struct pkt *p, const struct rewrite_plan *plan)
{
	static const enum pkt_kind ips[] = { PK_IPV4, PK_IPV6 };
	static const enum pkt_kind l4s[] = { PK_TCP, PK_UDP, PK_ICMP,
					     PK_ICMP6 };
	enum pkt_kind ipk = PK_IPV4, l4k = PK_TCP;
	int eth = pkt_last(p, PK_ETH);
	int ip = innermost(p, ips, 2, &ipk);
	int l4 = innermost(p, l4s, 4, &l4k);
	bool v6 = ipk == PK_IPV6, icmp = l4k == PK_ICMP || l4k == PK_ICMP6;
	__u32 alen = v6 ? 16 : 4;

	if (plan->set & NFC_ACT_DMAC)
		memcpy(p->b + eth, plan->dmac, 6);
	if (plan->set & NFC_ACT_SMAC)
		memcpy(p->b + eth + 6, plan->smac, 6);
	if (plan->set & NFC_ACT_SADDR)
		memcpy(p->b + ip + (v6 ? 8 : 12), plan->saddr, alen);
	if (plan->set & NFC_ACT_DADDR)
		memcpy(p->b + ip + (v6 ? 24 : 16), plan->daddr, alen);
	if (plan->set & NFC_ACT_SPORT)
		memcpy(p->b + l4 + (icmp ? 4 : 0), &plan->sport, 2);
	if (plan->set & NFC_ACT_DPORT)
		memcpy(p->b + l4 + (icmp ? 0 : 2), &plan->dport, 2);
	if (plan->set & NFC_ACT_TTL_DEC)
		p->b[ip + (v6 ? 7 : 8)]--;
	pkt_finish(p);
}

static bool is_v6(const struct pkt *p)
{
	return pkt_last(p, PK_IPV6) > pkt_last(p, PK_IPV4);
}

static bool is_icmp(const struct pkt *p)
{
	static const enum pkt_kind l4s[] = { PK_TCP, PK_UDP, PK_ICMP,
					     PK_ICMP6 };
	enum pkt_kind k = PK_TCP;

	innermost(p, l4s, 4, &k);
	return k == PK_ICMP || k == PK_ICMP6;
}

/*
 * @first runs the chain (rewrite, every rewrite), @later are packets of
 * the same flow that must hit the cache: each must come out exactly as
 * the plain rewrite of it says, and at tc again on a CHECKSUM_COMPLETE skb.
 */
static void cached_rewrites(const char *what, const struct pkt *first,
			    const struct pkt *later, int n_later)
{
	struct rewrite_plan plan;
	struct pkt want;
	struct dp_run r;
	__u64 cached = 0;
	int i, err;

	plan_all(&plan, ALL_REWRITES, is_v6(first), is_icmp(first));
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, first, &r);
	want = *first;
	expect(&want, &plan);
	if (r.retval != (__u32)F.rc_pass)
		fail_msg("%s: the first packet was not passed", what);
	dp_assert_bytes(&r, &want);
	for (i = 0; i < n_later; i++) {
		dp_run(DP_ROOT, &later[i], &r);
		if (r.stats.cached != ++cached)
			fail_msg("%s: packet %d took the slow path", what,
				 i + 1);
		want = later[i];
		expect(&want, &plan);
		if (r.retval != (__u32)F.rc_pass)
			fail_msg("%s: cached packet %d not passed", what,
				 i + 1);
		dp_assert_bytes(&r, &want);
		if (F.xdp)
			continue;
		err = dp_run_flags(DP_ROOT, &later[i],
				   BPF_F_TEST_SKB_CHECKSUM_COMPLETE, &r);
		if (err == -EBADMSG)
			fail_msg("%s: cached packet %d: skb->csum does not match the bytes",
				 what, i + 1);
		assert_int_equal(err, 0);
		if (r.stats.cached != ++cached)
			fail_msg("%s: packet %d (CHECKSUM_COMPLETE) took the slow path",
				 what, i + 1);
	}
}

/* 1. Same inner 5-tuple in two VNIs: two connections, two flows; the
 * reply of each matched to its own. */
static void test_vxlan_vnis_apart(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 h7, h9;

	dp_chain1(dp_module("nop"));
	vxlan_tcp(&p, 7, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.key.tenant, 7);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	h7 = r.ctx.ct_handle;
	vxlan_tcp(&p, 9, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	h9 = r.ctx.ct_handle;
	assert_true(h7 != h9);
	assert_int_equal(dp_map_count(F.ct), 2);

	vxlan_tcp(&p, 9, true, SYN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_handle, h9);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	assert_int_equal(r.ctx.ct_state, NFC_CT_SYN_RECV);
	vxlan_tcp(&p, 7, true, SYN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_handle, h7);

	/* data of both: two flow entries, the second of each cached */
	vxlan_tcp(&p, 7, false, ACK);
	dp_run(DP_ROOT, &p, &r);
	vxlan_tcp(&p, 9, false, ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 0);
	assert_int_equal(dp_map_count(F.flows), 2);
	vxlan_tcp(&p, 9, false, ACK | PSH);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	assert_int_equal(node_packets(0), 6);
}

/* 2. VXLAN: a cached flow's inner rewrites (and the outer UDP checksum)
 * are the first packet's, byte for byte. */
static void test_vxlan_cached_rewrites(void **state)
{
	struct pkt first, later[2];

	vxlan_tcp(&first, 7, false, ACK);
	vxlan_tcp(&later[0], 7, false, ACK | PSH);
	later[1] = later[0];
	/* other payload: the checksums differ, the flow is the same */
	later[1].b[later[1].len - 1] ^= 0x5a;
	pkt_finish(&later[1]);
	cached_rewrites("vxlan4 + tcp4", &first, later, 2);
}

/* 3. NAT-like rewrites on cached IPv4 TCP, a later packet with IP options
 * (another L4 offset, same flow key). */
static void test_cached_nat_tcp4(void **state)
{
	struct pkt first, later[2];

	pkt_init(&first);
	pkt_eth(&first, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&first, IPPROTO_TCP, IP_A, IP_B, 64, 0, 0);
	pkt_tcp(&first, 40000, 443, ACK);
	pkt_data(&first, 11);
	pkt_finish(&first);
	later[0] = first;
	later[0].b[later[0].len - 3] = 0x77;
	pkt_finish(&later[0]);
	pkt_init(&later[1]);
	pkt_eth(&later[1], MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&later[1], IPPROTO_TCP, IP_A, IP_B, 9, 8, 0);
	pkt_tcp(&later[1], 40000, 443, ACK | PSH);
	pkt_data(&later[1], 4);
	pkt_finish(&later[1]);
	cached_rewrites("tcp4", &first, later, 2);
}

/* 4. IPv6 UDP, later with extension headers and as an atomic fragment. */
static void test_cached_nat_udp6(void **state)
{
	struct pkt first, later[2];

	pkt_init(&first);
	pkt_eth(&first, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(&first, IPPROTO_UDP, IP6_A, IP6_B, 64);
	pkt_udp(&first, 5353, 5353, false);
	pkt_data(&first, 20);
	pkt_finish(&first);
	pkt_init(&later[0]);
	pkt_eth(&later[0], MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(&later[0], IPPROTO_HOPOPTS, IP6_A, IP6_B, 64);
	pkt_ext6(&later[0], IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, 0);
	pkt_ext6(&later[0], IPPROTO_DSTOPTS, IPPROTO_UDP, 1);
	pkt_udp(&later[0], 5353, 5353, false);
	pkt_data(&later[0], 7);
	pkt_finish(&later[0]);
	pkt_init(&later[1]);
	pkt_eth(&later[1], MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(&later[1], IPPROTO_FRAGMENT, IP6_A, IP6_B, 64);
	pkt_frag6(&later[1], IPPROTO_UDP, 0, false);
	pkt_udp(&later[1], 5353, 5353, false);
	pkt_data(&later[1], 9);
	pkt_finish(&later[1]);
	cached_rewrites("udp6", &first, later, 2);
}

/* 5. ICMP echo: identifier NAT on the fast path, v4 and v6. */
static void test_cached_nat_echo(void **state)
{
	struct pkt first, later[1];

	pkt_init(&first);
	pkt_eth(&first, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&first, IPPROTO_ICMP, IP_A, IP_B, 64, 0, 0);
	pkt_icmp(&first, 8, 0, 0x1234, 1);
	pkt_data(&first, 16);
	pkt_finish(&first);
	pkt_init(&later[0]);
	pkt_eth(&later[0], MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&later[0], IPPROTO_ICMP, IP_A, IP_B, 64, 0, 0);
	pkt_icmp(&later[0], 8, 0, 0x1234, 2);
	pkt_data(&later[0], 17);
	pkt_finish(&later[0]);
	cached_rewrites("icmp4 echo", &first, later, 1);

	dp_reset(NULL);
	pkt_init(&first);
	pkt_eth(&first, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(&first, IPPROTO_ICMPV6, IP6_A, IP6_B, 64);
	pkt_icmp6(&first, 128, 0, 0x4242, 1);
	pkt_data(&first, 13);
	pkt_finish(&first);
	later[0] = first;
	pkt_put16(&later[0], pkt_last(&later[0], PK_ICMP6) + 6, 2);
	pkt_finish(&later[0]);
	cached_rewrites("icmpv6 echo", &first, later, 1);
}

/* 6. Different VLAN ids: different flows, each its own chain run. */
static void test_vlan_ids_apart(void **state)
{
	struct dp_run r;
	struct pkt p;
	int i;
	uint16_t vid[2] = { 10, 20 };

	dp_chain1(dp_module("nop"));
	for (i = 0; i < 4; i++) {
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x8100);
		pkt_vlan(&p, vid[i & 1], 0x0800);
		pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
		pkt_udp(&p, 5000, 53, false);
		pkt_data(&p, 9);
		pkt_finish(&p);
		dp_run(DP_ROOT, &p, &r);
	}
	assert_int_equal(dp_map_count(F.flows), 2);
	assert_int_equal(node_packets(0), 2);
	assert_int_equal(r.stats.cached, 2);
}

/* 7. A cached flow with TTL decrement: a packet that arrives with TTL 1 is
 * not served from the cache (its chain decides again: a router hands it to
 * the stack); this chain's decrement makes the executor drop it as
 * ttl-exceeded, counted and reported. */
static void test_ttl_one_skips_cache(void **state)
{
	struct rewrite_plan plan = { .set = NFC_ACT_TTL_DEC | REWRITE_VERDICT,
				     .verdict = NFC_V_REDIRECT,
				     .out_ifindex = 4242 };
	struct nfc_ep_stats in, out;
	struct dp_run r;
	struct pkt p;

	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	udp4(&p, IP_A, IP_B, 5000, 53, 64);
	dp_run(DP_ROOT, &p, &r);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	udp4(&p, IP_A, IP_B, 5000, 53, 1);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	assert_int_equal(r.retval, F.rc_drop);
	assert_int_equal(r.stats.drop[NFC_DROP_TTL_EXCEEDED], 1);
	assert_int_equal(r.stats.verdict[NFC_V_REDIRECT], 2);
	assert_int_equal(r.stats.verdict[NFC_V_DROP], 1);
	assert_non_null(dp_event(NFC_EV_DROP, 0));
	assert_int_equal(dp_event(NFC_EV_DROP, 0)->reason,
			 NFC_DROP_TTL_EXCEEDED);
	ep_stats(r.ctx.key.ifindex, &in);
	ep_stats(4242, &out);
	assert_int_equal(in.in_packets, 3);
	assert_int_equal(in.drop[NFC_DROP_TTL_EXCEEDED], 1);
	assert_int_equal(out.out_packets, 2);
	assert_int_equal(node_packets(0), 2);
}

/* 8. IPv4 and IPv6 fragments never take the fast path; first fragments
 * are tracked by ports, later ones follow their datagram's first: its
 * connection, state and direction, flagged FRAG, the state unmoved. */
static void test_fragments(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 handle;
	int i;

	dp_chain1(dp_module("nop"));
	for (i = 0; i < 2; i++) {
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x0800);
		pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0x2000);
		pkt_udp(&p, 5000, 53, false);
		pkt_data(&p, 24);
		pkt_finish(&p);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
		assert_int_equal(r.ctx.ct.proto, IPPROTO_UDP);
		handle = r.ctx.ct_handle;
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x0800);
		pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 4);
		pkt_data(&p, 16);
		pkt_finish(&p);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
		assert_int_equal(r.ctx.ct_flags, NFC_CTI_FRAG);
		assert_int_equal(r.ctx.ct_handle, handle);
		assert_int_equal(r.retval, F.rc_pass);
	}
	for (i = 0; i < 2; i++) {
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
		pkt_ipv6(&p, IPPROTO_FRAGMENT, IP6_A, IP6_B, 64);
		pkt_frag6(&p, IPPROTO_TCP, 0, true);
		pkt_tcp(&p, 40000, 443, ACK);
		pkt_data(&p, 24);
		pkt_finish(&p);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_state, NFC_CT_ESTABLISHED);
		assert_int_equal(r.ctx.ct.proto, IPPROTO_TCP);
		if (i)
			assert_int_equal(r.ctx.ct_handle, handle);
		handle = r.ctx.ct_handle;
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
		pkt_ipv6(&p, IPPROTO_FRAGMENT, IP6_A, IP6_B, 64);
		pkt_frag6(&p, IPPROTO_TCP, 4, false);
		pkt_data(&p, 16);
		pkt_finish(&p);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_state, NFC_CT_ESTABLISHED);
		assert_int_equal(r.ctx.ct_flags, NFC_CTI_FRAG);
		assert_int_equal(r.ctx.ct_handle, handle);
		/* another datagram's: its first never came */
		pkt_put32(&p, pkt_last(&p, PK_EXT6) + 4, 0xdead);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_state, NFC_CT_NONE);
	}
	assert_int_equal(r.stats.cached, 0);
	assert_int_equal(node_packets(0), 10);
	assert_int_equal(dp_map_count(F.flows), 0);
	assert_int_equal(dp_map_count(F.ct), 2);
}

/* 9. An ICMPv6 error about a TCP/IPv6 connection is related to it. */
static void test_icmpv6_error_related(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	dp_chain1(dp_module("nop"));
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(&p, IPPROTO_TCP, IP6_B, IP6_A, 64);
	pkt_tcp(&p, 40000, 443, SYN);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	handle = r.ctx.ct_handle;
	/* a router's "no route" back to the originator, quoting its SYN */
	pkt_init(&p);
	pkt_eth(&p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(&p, IPPROTO_ICMPV6, "2001:db8:99::1", IP6_B, 64);
	pkt_icmp6(&p, 1, 0, 0, 0);
	pkt_ipv6(&p, IPPROTO_TCP, IP6_B, IP6_A, 63);
	pkt_tcp(&p, 40000, 443, SYN);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_true(r.ctx.ct_flags & NFC_CTI_RELATED);
	assert_int_equal(r.ctx.ct_handle, handle);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	assert_int_equal(dp_map_count(F.ct), 1);
}

/* 10. An ICMP time exceeded quoting an echo request is related to the
 * echo's connection. */
static void test_icmp_error_quoting_echo(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	dp_chain1(dp_module("nop"));
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_A, IP_B, 64, 0, 0);
	pkt_icmp(&p, 8, 0, 99, 1);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	handle = r.ctx.ct_handle;
	pkt_init(&p);
	pkt_eth(&p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, "203.0.113.1", IP_A, 64, 0, 0);
	pkt_icmp(&p, 11, 0, 0, 0);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_A, IP_B, 1, 0, 0);
	pkt_icmp(&p, 8, 0, 99, 1);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_true(r.ctx.ct_flags & NFC_CTI_RELATED);
	assert_int_equal(r.ctx.ct_handle, handle);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	assert_int_equal(r.stats.cached, 0);
}

/* 11. B's echo request to A is no reply to A's echo request to B, even
 * with the same identifier: it opens a connection of its own. */
static void test_reverse_echo_request_is_new(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	dp_chain1(dp_module("nop"));
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_A, IP_B, 64, 0, 0);
	pkt_icmp(&p, 8, 0, 77, 1);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	handle = r.ctx.ct_handle;
	pkt_init(&p);
	pkt_eth(&p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_B, IP_A, 64, 0, 0);
	pkt_icmp(&p, 8, 0, 77, 1);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_ORIG);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
	assert_true(r.ctx.ct_handle != handle);
}

/*
 * 12. A connection idle past its timeout is dead: the next packet is a new
 * connection, on the fast path as on the slow. Here a reply was cached as
 * a reply (acl passes replies); once the connection is dead the same
 * packet opens a connection from B to port 5000, which a rule denies.
 */
static void test_fast_path_dead_connection(void **state)
{
	struct nfc_config cfg = {};
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	cfg.ct_timeout[NFC_CTC_UDP][NFC_CT_NEW] = 1;
	cfg.ct_timeout[NFC_CTC_UDP][NFC_CT_ESTABLISHED] = 1;
	dp_config(&cfg);
	acl_rule(4, IPPROTO_UDP, 5000, ACL_DENY, "no-5000");
	dp_chain1(dp_module("acl"));
	udp4(&p, IP_A, IP_B, 5000, 53, 64);
	dp_run(DP_ROOT, &p, &r);
	handle = r.ctx.ct_handle;
	udp4(&p, IP_B, IP_A, 53, 5000, 64);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	assert_int_equal(r.retval, F.rc_pass);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	usleep(1100 * 1000);
	dp_run(DP_ROOT, &p, &r);
	if (r.stats.cached == 2)
		fprintf(stderr, "  the fast path served a dead connection (%s)\n",
			r.retval == (__u32)F.rc_pass ? "passed" : "dropped");
	assert_int_equal(r.stats.cached, 1);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	assert_true(r.ctx.ct_handle != handle);
	assert_int_equal(r.retval, F.rc_drop);
}

/* 13. Counters over a mix of cached, uncached, denied, malformed and
 * ttl-exceeded packets: chain packets = sum of verdicts = endpoint in;
 * drops by reason add up at chain and endpoint. */
static void test_counters_add_up(void **state)
{
	struct rewrite_plan plan = { .set = NFC_ACT_TTL_DEC };
	struct nfc_chain_stats s;
	struct nfc_ep_stats ep;
	__u64 verdicts = 0, drops = 0, ep_drops = 0;
	struct dp_run r;
	struct pkt p;
	int i;

	acl_rule(5, IPPROTO_UDP, 7777, ACL_DENY, "no-7777");
	dp_plan(&plan);
	dp_chain2(dp_module("acl"), dp_module("rewrite"));
	for (i = 0; i < 3; i++) {
		udp4(&p, IP_A, IP_B, 5000, 53, 64);
		dp_run(DP_ROOT, &p, &r);
		udp4(&p, IP_A, IP_B, 5000, 7777, 64);
		dp_run(DP_ROOT, &p, &r);
	}
	udp4(&p, IP_A, IP_B, 5000, 53, 1);
	dp_run(DP_ROOT, &p, &r);
	p.b[14] = 0x4f;
	dp_run(DP_ROOT, &p, &r);
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 4);
	pkt_data(&p, 16);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);

	dp_chain_stats(DP_CHAIN, &s);
	for (i = 0; i < NFC_V_MAX; i++)
		verdicts += s.verdict[i];
	for (i = 0; i < NFC_DROP_MAX; i++)
		drops += s.drop[i];
	ep_stats(r.ctx.key.ifindex, &ep);
	for (i = 0; i < NFC_DROP_MAX; i++)
		ep_drops += ep.drop[i];
	assert_int_equal(s.packets, 9);
	assert_int_equal(verdicts, 9);
	assert_int_equal(ep.in_packets, 9);
	/* two hits of each flow; the TTL 1 packet runs the chain again */
	assert_int_equal(s.cached, 4);
	assert_int_equal(s.verdict[NFC_V_DROP], 5);
	assert_int_equal(drops, 5);
	assert_int_equal(ep_drops, 5);
	assert_int_equal(s.drop[NFC_DROP_POLICY], 3);
	assert_int_equal(ep.drop[NFC_DROP_POLICY], 3);
	assert_int_equal(s.drop[NFC_DROP_TTL_EXCEEDED], 1);
	assert_int_equal(s.drop[NFC_DROP_MALFORMED], 1);
	assert_int_equal(rule_packets(DP_COUNTER(0), 5), 3);
}

/* 14. A rule's allow that the executor undoes (the allowing chain
 * redirects to no interface) is no decision, and no rule counts it. */
static void test_redirect_nowhere_is_no_decision(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT,
				     .verdict = NFC_V_REDIRECT,
				     .out_ifindex = 0 };
	struct dp_run r;
	struct pkt p;

	acl_rule(1, IPPROTO_UDP, 53, ACL_ALLOW, "dns");
	dp_plan(&plan);
	dp_chain2(dp_module("acl"), dp_module("rewrite"));
	udp4(&p, IP_A, IP_B, 5000, 53, 64);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_drop);
	assert_int_equal(r.stats.drop[NFC_DROP_REDIRECT], 1);
	assert_null(dp_event(NFC_EV_DECISION, 0));
	assert_int_equal(rule_packets(DP_COUNTER(0), 1), 0);
}

/* 15. Decisions about traffic no connection holds (later fragments, here
 * of a denied protocol) must not flood the ring: at most one per flow. */
static void test_untracked_decisions_bounded(void **state)
{
	struct dp_run r;
	struct pkt p;
	int i, decisions = 0;

	acl_rule(1, IPPROTO_UDP, 0, ACL_DENY, "no-udp");
	dp_chain1(dp_module("acl"));
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 100);
	pkt_data(&p, 16);
	pkt_finish(&p);
	for (i = 0; i < 10; i++) {
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.retval, F.rc_drop);
		decisions += !!dp_event(NFC_EV_DECISION, 0);
	}
	fprintf(stderr, "  %d decision events for 10 fragments\n", decisions);
	assert_true(decisions <= 1);
}

/* 16. A denied flow on the fast path: every frame counted at the ingress
 * endpoint as a policy drop, under its rule, one decision. */
static void test_denied_cached_endpoint(void **state)
{
	struct nfc_ep_stats ep;
	struct dp_run r;
	struct pkt p;
	int i, decisions = 0;

	acl_rule(5, IPPROTO_UDP, 7777, ACL_DENY, "no-7777");
	dp_chain1(dp_module("acl"));
	for (i = 0; i < 5; i++) {
		udp4(&p, IP_A, IP_B, 5000, 7777, 64);
		dp_run(DP_ROOT, &p, &r);
		decisions += !!dp_event(NFC_EV_DECISION, 0);
		assert_non_null(dp_event(NFC_EV_DROP, 0));
		assert_int_equal(dp_event(NFC_EV_DROP, 0)->policy, 5);
	}
	ep_stats(r.ctx.key.ifindex, &ep);
	assert_int_equal(decisions, 1);
	assert_int_equal(r.stats.cached, 4);
	assert_int_equal(ep.drop[NFC_DROP_POLICY], 5);
	assert_int_equal(ep.in_packets, 5);
	assert_int_equal(ep.new_conns, 1);
	assert_int_equal(rule_packets(DP_COUNTER(0), 5), 5);
}

/* 17. One connection through two chains (two interfaces), the same rule
 * allowing it in each, no rule changed: one decision per chain, not one
 * more each time the other chain's packet ran last. */
static void test_two_chains_decide_once_each(void **state)
{
	static const enum dp_prog roots[2] = { DP_ROOT, DP_ROOT_NOVX };
	static const struct {
		bool reply;
		uint8_t flags;
	} seq[] = { { false, SYN }, { true, SYN | ACK }, { false, ACK },
		    { false, FIN_ACK }, { true, FIN_ACK }, { false, ACK } };
	struct dp_run r;
	struct pkt p;
	int i, j, decisions = 0;

	acl_rule(2, IPPROTO_TCP, 443, ACL_ALLOW, "https");
	dp_chain1(dp_module("acl"));
	for (i = 0; i < (int)(sizeof(seq) / sizeof(seq[0])); i++) {
		for (j = 0; j < 2; j++) {
			tcp4(&p, seq[i].reply, seq[i].flags);
			dp_run(roots[j], &p, &r);
			decisions += !!dp_event(NFC_EV_DECISION, 0);
		}
	}
	fprintf(stderr, "  %d decision events, 2 chains\n", decisions);
	assert_int_equal(decisions, 2);
}

/* A UDP flow through one nop node, run twice (the second time a hit): its
 * packet, the last run and its flow key as the cache keeps it. */
static void nop_udp_flow(struct pkt *p, struct dp_run *r, struct nfc_key *fk)
{
	dp_chain1(dp_module("nop"));
	udp4(p, IP_A, IP_B, 5000, 53, 64);
	dp_run(DP_ROOT, p, r);
	dp_run(DP_ROOT, p, r);
	*fk = r->ctx.key;
	fk->tcp_flags = 0;
	fk->zone = DP_CHAIN;
}

/* 18. Cache off (a new version) leaves cached results alone and stores
 * none; back on (another version) the flow is stored again and hit. */
static void test_cache_off_and_on(void **state)
{
	struct nfc_flow f;
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p;
	int i;

	nop_udp_flow(&p, &r, &fk);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK | NFC_ACTIVE_F_NOCACHE,
					 DP_VERSION + 1));
	for (i = 0; i < 3; i++)
		dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	assert_int_equal(node_packets(0), 4);
	assert_int_equal(dp_flow_get(&fk, &f), 0);
	assert_int_equal(f.version, DP_VERSION);
	assert_int_equal(f.packets, 2);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION + 2));
	dp_run(DP_ROOT, &p, &r);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 2);
	assert_int_equal(node_packets(0), 5);
	assert_int_equal(dp_flow_get(&fk, &f), 0);
	assert_int_equal(f.version, DP_VERSION + 2);
	assert_int_equal(r.stats.packets, 7);
}

/* 19. Two flows of one digest (nfc_flow_id): an entry under this flow's
 * digest that holds another flow's key is a miss, never its result. The
 * collision is made by hand: the entry of flow A is rewritten to hold flow
 * B's key and a policy drop. A's slot, which holds A's own result, serves
 * it on; once the slot serves no more (a new epoch), A's next packet runs
 * the chain, passes, and takes the entry back, and the one after is a hit
 * again. */
static void test_digest_collision(void **state)
{
	struct nfc_flow f, forged;
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p;
	__u64 id;

	nop_udp_flow(&p, &r, &fk);
	assert_int_equal(r.stats.cached, 1);
	assert_int_equal(dp_flow_get(&fk, &f), 0);
	forged = f;
	forged.key.sport = htons(5001);
	forged.act.verdict = NFC_V_DROP;
	forged.act.reason = NFC_DROP_POLICY;
	forged.act.flags |= NFC_ACT_DENIED;
	id = nfc_flow_id(&fk);
	assert_int_equal(bpf_map_update_elem(F.flows, &id, &forged, BPF_EXIST),
			 0);
	assert_int_not_equal(dp_flow_get(&fk, &f), 0);

	dp_run(DP_ROOT, &p, &r); /* A's slot: its own result */
	assert_int_equal(r.retval, F.rc_pass);
	assert_int_equal(r.stats.cached, 2);
	assert_int_equal(node_packets(0), 1);

	dp_flow_epoch_bump();
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_pass);
	assert_int_equal(r.stats.cached, 2);
	assert_int_equal(node_packets(0), 2);
	assert_int_equal(dp_flow_get(&fk, &f), 0);
	assert_int_equal(f.act.verdict, NFC_V_PASS);
	/* a new entry (the forged one had 2 packets): this packet and the
	 * hit the slot served, not yet folded */
	assert_int_equal(f.packets, 2);

	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_pass);
	assert_int_equal(r.stats.cached, 3);
	assert_int_equal(node_packets(0), 2);
}

/* The chain's counters as its map holds them, without the hits the flow
 * slots hold: what the datapath has folded. */
static void chain_stats_map(struct nfc_chain_stats *out)
{
	int n = libbpf_num_possible_cpus(), i;
	struct nfc_chain_stats v[n];
	__u32 chain = DP_CHAIN;
	size_t j;

	memset(out, 0, sizeof(*out));
	assert_int_equal(bpf_map_lookup_elem(F.chain_stats, &chain, v), 0);
	for (i = 0; i < n; i++)
		for (j = 0; j < sizeof(*out) / sizeof(__u64); j++)
			((__u64 *)out)[j] += ((__u64 *)&v[i])[j];
}

/* 21. A flow slot serves a flow from its second hit on and keeps its hits
 * until it folds them (flow_refresh_ms): the maps have them then, the
 * readers (the runtime's, dp_*) always, and never twice. */
static void test_slot_folds(void **state)
{
	/* no fold before the test makes one due, however slow the machine */
	struct nfc_config cfg = { .flow_refresh_ms = 600000 };
	struct nfc_chain_stats m;
	struct nfc_ep_stats ep;
	struct nfc_flow f, fm;
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p;
	__u64 id;
	int i;

	dp_config(&cfg);
	nop_udp_flow(&p, &r, &fk); /* the chain, then the entry's hit */
	for (i = 0; i < 8; i++)
		dp_run(DP_ROOT, &p, &r);
	/* eight slot hits: in the readers, not yet in the maps */
	assert_int_equal(r.stats.packets, 10);
	assert_int_equal(r.stats.cached, 9);
	chain_stats_map(&m);
	assert_int_equal(m.packets, 2);
	assert_int_equal(m.cached, 1);
	assert_int_equal(dp_flow_get(&fk, &f), 0);
	assert_int_equal(f.packets, 10);
	id = nfc_flow_id(&fk);
	assert_int_equal(bpf_map_lookup_elem(F.flows, &id, &fm), 0);
	assert_int_equal(fm.packets, 2);
	dp_ep_stats(r.ctx.key.ifindex, &ep);
	assert_int_equal(ep.in_packets, 10);

	/* past flow_refresh_ms the next hit folds the eight first */
	dp_slot_times(&fk, false, true);
	dp_run(DP_ROOT, &p, &r);
	chain_stats_map(&m);
	assert_int_equal(m.packets, 10);
	assert_int_equal(m.cached, 9);
	assert_int_equal(m.verdict[NFC_V_PASS], 10);
	assert_int_equal(bpf_map_lookup_elem(F.flows, &id, &fm), 0);
	assert_int_equal(fm.packets, 10);
	assert_int_equal(r.stats.packets, 11);
	assert_int_equal(r.stats.cached, 10);
	assert_int_equal(dp_flow_get(&fk, &f), 0);
	assert_int_equal(f.packets, 11);
	dp_ep_stats(r.ctx.key.ifindex, &ep);
	assert_int_equal(ep.in_packets, 11);
	assert_int_equal(ep.in_bytes, 11 * p.len);
	assert_int_equal(node_packets(0), 1);
}

/* The first source port from @from on of a flow like @fk whose first set
 * of slots is @set, into *k. */
static __u16 flow_in_set(const struct nfc_key *fk, __u32 set, __u16 from,
			 struct nfc_key *k)
{
	__u32 port;

	for (port = from; port < 65536; port++) {
		*k = *fk;
		k->sport = htons(port);
		if (nfc_flow_set_a(nfc_flow_sets(k)) == set)
			return port;
	}
	fail_msg("no port from %u puts a flow in set %u", from, set);
	return 0;
}

/* 22. A flow has two sets of two slots: the first of its digest, and a
 * second where the two of the first serve other flows. A and B take the
 * two slots of a first set, D and E those of C's second set (as their
 * first), and C, whose first set is A's, finds all four hit a moment ago:
 * it is served by its entry (NFC_FLOW_SLOT_KEEP_NS), then takes the one
 * hit longest ago, A's, whose hits are folded into A's flow. Alternating,
 * none goes back to its entry, which the maps show (an entry's hit counts
 * there at once, a slot's later); every counter adds up. */
static void test_slot_two_sets(void **state)
{
	/* no fold in the test, however slow the machine */
	struct nfc_config cfg = { .flow_refresh_ms = 600000 };
	enum { A, B, C, D, E, N };
	struct nfc_chain_stats m0, m1;
	__u16 port[N] = { 5000 };
	struct nfc_key fk[N];
	struct pkt p[N];
	struct dp_run r;
	struct nfc_flow f;
	__u64 id_a, h;
	__u32 set;
	int i;

	/* a flow's two sets are two, whatever its digest */
	for (i = 0, h = 88172645463325252ULL; i < 1 << 20; i++) {
		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
		set = nfc_flow_set_b(h);
		if (set == nfc_flow_set_a(h) || set & 1 || set >= NFC_FLOW_SLOTS)
			fail_msg("digest %#llx: sets %u and %u",
				 (unsigned long long)h, nfc_flow_set_a(h), set);
	}

	dp_config(&cfg);
	nop_udp_flow(&p[A], &r, &fk[A]); /* A: the chain, its entry: a slot */
	id_a = nfc_flow_id(&fk[A]);
	set = nfc_flow_set_a(nfc_flow_sets(&fk[A]));
	port[B] = flow_in_set(&fk[A], set, 5001, &fk[B]);
	port[C] = flow_in_set(&fk[A], set, port[B] + 1, &fk[C]);
	set = nfc_flow_set_b(nfc_flow_sets(&fk[C]));
	assert_int_not_equal(set, nfc_flow_set_a(nfc_flow_sets(&fk[C])));
	port[D] = flow_in_set(&fk[A], set, 5001, &fk[D]);
	port[E] = flow_in_set(&fk[A], set, port[D] + 1, &fk[E]);
	for (i = B; i < N; i++)
		udp4(&p[i], IP_A, IP_B, port[i], 53, 64);
	/* B, D, E: the chain, then their entries' hits fill their slots */
	for (i = B; i < N; i++) {
		if (i == C)
			continue;
		dp_run(DP_ROOT, &p[i], &r);
		dp_run(DP_ROOT, &p[i], &r);
	}
	chain_stats_map(&m0);
	for (i = 0; i < 12; i++) {
		dp_run(DP_ROOT, &p[(int[]){ A, B, D, E }[i % 4]], &r);
		assert_true(r.express);
	}
	chain_stats_map(&m1);
	assert_int_equal(m1.cached, m0.cached);
	assert_int_equal(node_packets(0), 4);

	/* C: the chain, then its entry: the four slots, hit a moment ago
	 * (as far as the datapath's clock can tell on a slow machine), stay
	 * their flows' */
	dp_run(DP_ROOT, &p[C], &r);
	for (i = 0; i < 2; i++) {
		dp_slot_times(&fk[A], true, false);
		dp_slot_times(&fk[B], true, false);
		dp_slot_times(&fk[D], true, false);
		dp_slot_times(&fk[E], true, false);
		dp_run(DP_ROOT, &p[C], &r);
		assert_false(r.express);
	}
	chain_stats_map(&m0);
	assert_int_equal(m0.cached, m1.cached + 2);
	assert_int_equal(bpf_map_lookup_elem(F.flows, &id_a, &f), 0);
	assert_int_equal(f.packets, 2);
	/* later, C takes the slot hit longest ago, A's, and A's three hits
	 * go to A's entry */
	usleep(NFC_FLOW_SLOT_KEEP_NS / 1000 + 10000);
	dp_slot_times(&fk[B], true, false);
	dp_slot_times(&fk[D], true, false);
	dp_slot_times(&fk[E], true, false);
	dp_run(DP_ROOT, &p[C], &r);
	assert_int_equal(bpf_map_lookup_elem(F.flows, &id_a, &f), 0);
	assert_int_equal(f.packets, 2 + 3);
	dp_run(DP_ROOT, &p[C], &r);
	assert_true(r.express);
	assert_int_equal(dp_slot_times(&fk[A], false, false), 0);

	assert_int_equal(node_packets(0), 5);
	assert_int_equal(r.stats.packets, 2 + 3 * 2 + 12 + 3 + 1 + 1);
	assert_int_equal(r.stats.cached, r.stats.packets - 5);
	for (i = 0; i < N; i++) {
		assert_int_equal(dp_flow_get(&fk[i], &f), 0);
		assert_int_equal(f.packets, 5);
	}

	/* A, its slot gone: its entry, then a slot of its second set (its
	 * first set's two are B's and C's) */
	assert_int_not_equal(nfc_flow_set_b(nfc_flow_sets(&fk[A])), set);
	dp_run(DP_ROOT, &p[A], &r);
	assert_false(r.express);
	dp_run(DP_ROOT, &p[A], &r);
	assert_true(r.express);
	assert_int_equal(dp_flow_get(&fk[A], &f), 0);
	assert_int_equal(f.packets, 7);
	assert_int_equal(node_packets(0), 5);
}

/* 23. Userspace removes a flow's entry (a flush) and bumps the epoch: the
 * slot that served it serves no more, the next packet runs the chain. */
static void test_slot_epoch(void **state)
{
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p;
	__u64 id;

	nop_udp_flow(&p, &r, &fk);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 2);
	id = nfc_flow_id(&fk);
	assert_int_equal(bpf_map_delete_elem(F.flows, &id), 0);
	dp_flow_epoch_bump();
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(node_packets(0), 2);
	assert_int_equal(r.stats.cached, 2);
	assert_int_equal(r.stats.packets, 4);
}

/* 24. A chain made again under the same id (a new generation, a new
 * epoch, its counters zeroed, as nfctl does) gets none of the hits the
 * old one's slots held: the fold counts them for the endpoints only. */
static void test_slot_other_chain(void **state)
{
	struct nfc_chain_stats zero[F.ncpus];
	struct nfc_ep_stats ep;
	__u32 chain = DP_CHAIN, gen;
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p;
	int i;

	nop_udp_flow(&p, &r, &fk);
	for (i = 0; i < 3; i++)
		dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 4);
	/* the chain deleted and made again */
	dp_flow_epoch_bump();
	assert_int_equal(bpf_map_lookup_elem(F.gen, &chain, &gen), 0);
	gen++;
	assert_int_equal(bpf_map_update_elem(F.gen, &chain, &gen, 0), 0);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(bpf_map_update_elem(F.chain_stats, &chain, zero, 0),
			 0);
	dp_chain_stats(DP_CHAIN, &r.stats);
	assert_int_equal(r.stats.packets, 0);
	/* its entry still there (nothing removed it here) is of the old
	 * epoch: a miss; the new result fills the slot, folding the old
	 * chain's three hits */
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.packets, 1);
	assert_int_equal(r.stats.cached, 0);
	dp_ep_stats(r.ctx.key.ifindex, &ep);
	assert_int_equal(ep.in_packets, 2 + 3 + 1);
}

/* The rule counters in the map alone, summed over the CPUs: what the
 * datapath has counted so far, without what the slots still hold. */
static __u64 rule_packets_map(__u32 node, __u32 policy)
{
	struct nfc_rule_key k = { .node = node, .policy = policy };
	struct nfc_rule_stats v[F.ncpus];
	__u64 sum = 0;
	int i;

	if (bpf_map_lookup_elem(F.rule_stats, &k, v))
		return 0;
	for (i = 0; i < F.ncpus; i++)
		sum += v[i].packets;
	return sum;
}

/* 25. The hits a slot served for a flow a rule decided count for that
 * rule: in the readers at once, in the map when the slot folds. */
static void test_slot_folds_rule(void **state)
{
	struct nfc_config cfg = { .flow_refresh_ms = 600000 };
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p;
	int i;

	dp_config(&cfg);
	acl_rule(1, IPPROTO_UDP, 53, ACL_ALLOW, "dns");
	dp_chain1(dp_module("acl"));
	udp4(&p, IP_A, IP_B, 5000, 53, 64);
	/* the chain, the entry's hit (it fills the slot), eight slot hits */
	for (i = 0; i < 10; i++) {
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.retval, F.rc_pass);
	}
	assert_int_equal(r.stats.cached, 9);
	assert_int_equal(rule_packets(DP_COUNTER(0), 1), 10);
	assert_int_equal(rule_packets_map(DP_COUNTER(0), 1), 2);

	/* past flow_refresh_ms the next hit folds the eight */
	fk = r.ctx.key;
	fk.zone = DP_CHAIN;
	dp_slot_times(&fk, false, true);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 10);
	assert_int_equal(rule_packets_map(DP_COUNTER(0), 1), 10);
	assert_int_equal(rule_packets(DP_COUNTER(0), 1), 11);
}

static void udp6(struct pkt *p, const char *src, const char *dst,
		 uint16_t sport, uint16_t dport)
{
	pkt_init(p);
	pkt_eth(p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(p, IPPROTO_UDP, src, dst, 64);
	pkt_udp(p, sport, dport, false);
	pkt_data(p, 20);
	pkt_finish(p);
}

/* The flow key of packet @p of the chain, as the flow cache keys it. */
static void flow_key_of(struct pkt *p, struct nfc_key *fk)
{
	struct dp_run r;

	dp_run(DP_ROOT, p, &r);
	*fk = r.ctx.key;
	fk->tcp_flags = 0;
	fk->zone = DP_CHAIN;
}

/* A flow whose chain translates it as a NAT does - the source (address
 * and port) of a UDP datagram (@nocsum: without a checksum) or the
 * destination of a TCP segment (@tcp), MACs and TTL too: its four packets
 * come out as built here, the last three cached, at XDP by the lane. */
static void lane_nat(struct dp_run *r, bool tcp, bool nocsum)
{
	struct rewrite_plan plan = {
		.set = NFC_ACT_TTL_DEC | NFC_ACT_DMAC | NFC_ACT_SMAC,
	};
	__u16 sport = tcp ? 40100 : 5010 + nocsum, dport = tcp ? 443 : 53;
	const char *src = IP_A, *dst = IP_B;
	struct pkt p, want;
	__u64 cached;
	int i;

	memcpy(plan.dmac, MAC_C, 6);
	memcpy(plan.smac, MAC_D, 6);
	if (tcp) {
		plan.set |= NFC_ACT_DADDR | NFC_ACT_DPORT;
		dst = "10.9.0.7";
		pkt_addr(dst, plan.daddr);
		plan.dport = htons(dport = 8443);
	} else {
		plan.set |= NFC_ACT_SADDR | NFC_ACT_SPORT;
		src = "203.0.113.5";
		pkt_addr(src, plan.saddr);
		plan.sport = htons(sport = 61000 + nocsum);
	}
	dp_plan(&plan);
	for (i = 0; i < 2; i++) {
		struct pkt *q = i ? &want : &p;

		pkt_init(q);
		pkt_eth(q, i ? MAC_C : MAC_B, i ? MAC_D : MAC_A, 0x0800);
		pkt_ipv4(q, tcp ? IPPROTO_TCP : IPPROTO_UDP, i ? src : IP_A,
			 i ? dst : IP_B, i ? 63 : 64, 0, 0);
		if (tcp)
			pkt_tcp(q, i ? sport : 40100, i ? dport : 443, ACK);
		else
			pkt_udp(q, i ? sport : 5010 + nocsum, 53, nocsum);
		pkt_data(q, 20);
		pkt_finish(q);
	}
	cached = r->stats.cached;
	for (i = 0; i < 4; i++) {
		dp_run(DP_ROOT, &p, r);
		dp_assert_bytes(r, &want);
	}
	assert_int_equal(r->stats.cached, cached + 3);
	assert_true(r->express == F.xdp);
}

/* 26. The express lane (nfc_root_express) serves a flow whose result
 * rewrites nothing but MACs and the TTL (and at XDP IPv4 addresses and
 * ports, and encapsulates: datapath_vpc) from its slot's first hit on, and
 * only then: not a flow's first packets, not the hit a fold is due on, not
 * a TCP FIN, not a packet with no hop left, not a result with other
 * rewrites. */
static void test_express_lane(void **state)
{
	struct nfc_config cfg = { .flow_refresh_ms = 600000 };
	struct rewrite_plan plan = {};
	unsigned int hz = nfc_kernel_hz();
	/* a tick (10 ms where HZ is not known: the lane then reads the
	 * datapath's own clock) */
	__u64 cached, t0, t1, last, tick = 1000000000ULL / (hz ? hz : 100);
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p, want;
	int i;

	dp_config(&cfg);
	nop_udp_flow(&p, &r, &fk); /* the chain, then the entry's hit */
	assert_false(r.express);
	for (i = 0; i < 3; i++) {
		dp_run(DP_ROOT, &p, &r);
		assert_true(r.express);
		assert_int_equal(r.retval, (__u32)F.rc_pass);
	}
	assert_int_equal(r.stats.packets, 5);
	assert_int_equal(r.stats.cached, 4);
	assert_int_equal(node_packets(0), 1);

	/* the lane's clock (the jiffies) is the datapath's, to a tick or
	 * two, some time after it was first read */
	usleep(200000);
	t0 = dp_now();
	dp_run(DP_ROOT, &p, &r);
	t1 = dp_now();
	assert_true(r.express);
	last = dp_slot_times(&fk, false, false);
	if (last + 3 * tick < t0 || last > t1) {
		fprintf(stderr, "  the lane's hit at %llu, not in [%llu, %llu] (HZ %u)\n",
			(unsigned long long)last, (unsigned long long)t0,
			(unsigned long long)t1, nfc_kernel_hz());
		fail();
	}

	/* a fold due: the regular way folds, the lane takes the next */
	dp_slot_times(&fk, false, true);
	dp_run(DP_ROOT, &p, &r);
	assert_false(r.express);
	dp_run(DP_ROOT, &p, &r);
	assert_true(r.express);

	/* TCP: ACKs take the lane, a FIN does not */
	tcp4(&p, false, ACK);
	for (i = 0; i < 3; i++)
		dp_run(DP_ROOT, &p, &r);
	assert_true(r.express);
	tcp4(&p, false, FIN_ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_false(r.express);

	/* a router's rewrites (MACs, TTL) are the lane's too, made as the
	 * executor makes them: every hit's bytes are the first packet's */
	memcpy(plan.dmac, MAC_C, 6);
	memcpy(plan.smac, MAC_D, 6);
	plan.set = NFC_ACT_TTL_DEC | NFC_ACT_DMAC | NFC_ACT_SMAC;
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	udp4(&p, IP_A, IP_B, 5001, 53, 64);
	pkt_init(&want);
	pkt_eth(&want, MAC_C, MAC_D, 0x0800);
	pkt_ipv4(&want, IPPROTO_UDP, IP_A, IP_B, 63, 0, 0);
	pkt_udp(&want, 5001, 53, false);
	pkt_data(&want, 20);
	pkt_finish(&want);
	cached = r.stats.cached;
	for (i = 0; i < 4; i++) {
		dp_run(DP_ROOT, &p, &r);
		dp_assert_bytes(&r, &want);
	}
	assert_int_equal(r.stats.cached, cached + 3);
	assert_true(r.express);
	/* with no hop left, the regular way (the chain decides again) */
	udp4(&p, IP_A, IP_B, 5001, 53, 1);
	dp_run(DP_ROOT, &p, &r);
	assert_false(r.express);

	/* a NAT's rewrites of IPv4 addresses and ports: the lane's at XDP,
	 * made as the executor makes them (the IP, UDP and TCP checksums
	 * included; a UDP checksum of 0 stays 0); the regular way's at TC
	 * (its checksum helpers) */
	lane_nat(&r, false, false);
	lane_nat(&r, false, true);
	lane_nat(&r, true, false);
	/* an IPv6 address rewrite: cached, never the lane's */
	plan.set = NFC_ACT_DADDR;
	pkt_addr("2001:db8::99", plan.daddr);
	dp_plan(&plan);
	udp6(&p, "2001:db8::1", "2001:db8::2", 5003, 53);
	cached = r.stats.cached;
	for (i = 0; i < 4; i++)
		dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, cached + 3);
	assert_false(r.express);
}

/* 27. Two IPv6 flows whose keys meet in one set of slots and in the word
 * a slot keeps of their addresses (they differ in bit 0 of bytes 8 and 12
 * of both addresses): each is served by its own slot alone, which compares
 * the whole addresses in its parallel part; the second's first packet runs
 * the chain, and each flow's counters are its own. */
static void test_slot_wide_keys(void **state)
{
	struct nfc_config cfg = { .flow_refresh_ms = 600000 };
	struct nfc_slot_key ska, skb;
	struct nfc_key fka, fkb;
	struct nfc_flow f;
	struct dp_run r;
	struct pkt a, b;
	int i;

	dp_config(&cfg);
	dp_chain1(dp_module("nop"));
	udp6(&a, "2001:db8::1", "2001:db8::2", 5000, 53);
	udp6(&b, "2001:db8::100:0:100:1", "2001:db8::100:0:100:2", 5000, 53);
	flow_key_of(&a, &fka); /* the chain */
	flow_key_of(&b, &fkb); /* the chain */
	nfc_slot_key_of(&ska, &fka);
	nfc_slot_key_of(&skb, &fkb);
	assert_int_equal(nfc_flow_sets(&fka), nfc_flow_sets(&fkb));
	assert_memory_equal(&ska, &skb, sizeof(ska));
	assert_true(ska.wide);
	assert_int_equal(node_packets(0), 2);

	dp_run(DP_ROOT, &a, &r); /* a's entry: a's slot */
	for (i = 0; i < 3; i++) {
		dp_run(DP_ROOT, &a, &r);
		assert_true(r.express);
	}
	dp_run(DP_ROOT, &b, &r); /* b's entry, not a's slot: b's slot */
	assert_false(r.express);
	for (i = 0; i < 2; i++) {
		dp_run(DP_ROOT, &b, &r);
		assert_true(r.express);
		dp_run(DP_ROOT, &a, &r);
		assert_true(r.express);
	}
	assert_int_equal(node_packets(0), 2);
	assert_int_equal(dp_flow_get(&fka, &f), 0);
	assert_int_equal(f.packets, 7);
	assert_int_equal(dp_flow_get(&fkb, &f), 0);
	assert_int_equal(f.packets, 4);
	/* the regular way's slot hit tells them apart too */
	dp_run(DP_ROOT_PARSER, &b, &r);
	dp_run(DP_ROOT_PARSER, &a, &r);
	assert_int_equal(node_packets(0), 2);
	assert_int_equal(dp_flow_get(&fka, &f), 0);
	assert_int_equal(f.packets, 8);
	assert_int_equal(dp_flow_get(&fkb, &f), 0);
	assert_int_equal(f.packets, 5);
}

/* 20. What the events of a packet carry is its own, never the packet's
 * before on the same CPU: a cached denied flow after another flow reports
 * its own final key, and a malformed frame after a rule-decided packet
 * reports no rule. */
static void test_events_carry_own_action(void **state)
{
	const struct nfc_event *e;
	struct dp_run r;
	struct pkt p, other;

	acl_rule(5, IPPROTO_UDP, 7777, ACL_DENY, "no-7777");
	dp_chain1(dp_module("acl"));
	udp4(&p, IP_A, IP_B, 5000, 7777, 64);
	udp4(&other, IP_A, IP_B, 6000, 53, 64);
	dp_run(DP_ROOT, &p, &r);
	dp_run(DP_ROOT, &other, &r);
	assert_int_equal(r.retval, F.rc_pass);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	e = dp_event(NFC_EV_DROP, 0);
	assert_non_null(e);
	assert_int_equal(e->policy, 5);
	assert_true(nfc_key_eq(&e->out, &e->key));
	assert_int_equal(e->out.sport, htons(5000));

	/* IPv4 with a header length of 4 bytes (after 14 of Ethernet) */
	other.b[14] = 0x41;
	dp_run(DP_ROOT, &other, &r);
	assert_int_equal(r.retval, F.rc_drop);
	e = dp_event(NFC_EV_DROP, 0);
	assert_non_null(e);
	assert_int_equal(e->reason, NFC_DROP_MALFORMED);
	assert_int_equal(e->policy, 0);
	assert_int_equal(e->verdict, NFC_V_DROP);
}

#define T(f) cmocka_unit_test_setup(f, dp_reset)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_vxlan_vnis_apart),
		T(test_vxlan_cached_rewrites),
		T(test_cached_nat_tcp4),
		T(test_cached_nat_udp6),
		T(test_cached_nat_echo),
		T(test_vlan_ids_apart),
		T(test_ttl_one_skips_cache),
		T(test_fragments),
		T(test_icmpv6_error_related),
		T(test_icmp_error_quoting_echo),
		T(test_reverse_echo_request_is_new),
		T(test_fast_path_dead_connection),
		T(test_counters_add_up),
		T(test_redirect_nowhere_is_no_decision),
		T(test_untracked_decisions_bounded),
		T(test_denied_cached_endpoint),
		T(test_two_chains_decide_once_each),
		T(test_cache_off_and_on),
		T(test_digest_collision),
		T(test_slot_folds),
		T(test_slot_two_sets),
		T(test_slot_epoch),
		T(test_slot_other_chain),
		T(test_slot_folds_rule),
		T(test_express_lane),
		T(test_slot_wide_keys),
		T(test_events_carry_own_action),
	};

	return dp_main(argc, argv, "flow_adv", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
