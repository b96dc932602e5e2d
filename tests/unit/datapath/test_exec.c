// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The executor: every rewrite kind on every packet kind, driven by the
 * rewrite test module (root -> rewrite -> executor). The expected packet is
 * the input with the same fields changed and every length and checksum
 * recomputed from scratch; the output must equal it byte for byte. Then the
 * TTL limits and rewrites that cannot be applied. At tc, every forwarded
 * packet runs again on a CHECKSUM_COMPLETE skb, whose skb->csum must follow.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include "fixture.h"
#include "rewrite.h"

#define A4 "192.0.2.1"
#define B4 "198.51.100.2"
#define A6 "2001:db8::1"
#define B6 "2001:db8::2"

static const uint8_t NEW_DMAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
static const uint8_t NEW_SMAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02 };
#define NEW_SADDR4 "203.0.113.77"
#define NEW_DADDR4 "203.0.113.200"
#define NEW_SADDR6 "2001:db8:ffff::77"
#define NEW_DADDR6 "2001:db8:ffff:1::c8"
#define NEW_SPORT 61000
#define NEW_DPORT 8443
#define NEW_ECHO_ID 0x7777

static void tcp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, A4, B4, 64, 0, 0);
	pkt_tcp(p, 40000, 443, 0x18);
	pkt_data(p, 11); /* odd: the checksum pads the last byte */
}

static void udp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0);
	pkt_udp(p, 5000, 53, false);
	pkt_data(p, 9);
}

static void udp4_nocsum(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0);
	pkt_udp(p, 5000, 53, true);
	pkt_data(p, 9);
}

static void icmp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_ICMP, A4, B4, 64, 0, 0);
	pkt_icmp(p, 8, 0, 0x1234, 9);
	pkt_data(p, 16);
}

static void tcp4_opts(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, A4, B4, 9, 8, 0);
	pkt_tcp(p, 40000, 443, 0x10);
	pkt_data(p, 4);
}

static void udp4_frag(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0x2000);
	pkt_udp(p, 5000, 53, false);
	pkt_data(p, 24);
}

static void tcp6(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_TCP, A6, B6, 64);
	pkt_tcp(p, 33000, 22, 0x10);
	pkt_data(p, 7);
}

static void udp6(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_UDP, A6, B6, 64);
	pkt_udp(p, 5353, 5353, false);
	pkt_data(p, 20);
}

static void icmp6(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_ICMPV6, A6, B6, 64);
	pkt_icmp6(p, 128, 0, 0x4242, 1);
	pkt_data(p, 13);
}

static void tcp6_ext(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_HOPOPTS, A6, B6, 64);
	pkt_ext6(p, IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, 0);
	pkt_ext6(p, IPPROTO_DSTOPTS, IPPROTO_TCP, 1);
	pkt_tcp(p, 33000, 22, 0x10);
	pkt_data(p, 3);
}

static void vlan_udp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x8100);
	pkt_vlan(p, 42, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 0);
	pkt_udp(p, 5000, 53, false);
	pkt_data(p, 9);
}

static void vxlan4_tcp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, "10.1.0.1", "10.1.0.2", 64, 0, 0);
	pkt_udp(p, 49152, 4789, false);
	pkt_vxlan(p, 0x08, 7);
	pkt_eth(p, MAC_C, MAC_D, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, A4, B4, 64, 0, 0);
	pkt_tcp(p, 40000, 443, 0x18);
	pkt_data(p, 5);
}

static void vxlan4_udp6_nocsum(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, "10.1.0.1", "10.1.0.2", 64, 0, 0);
	pkt_udp(p, 49152, 4789, true);
	pkt_vxlan(p, 0x08, 7);
	pkt_eth(p, MAC_C, MAC_D, 0x86dd);
	pkt_ipv6(p, IPPROTO_UDP, A6, B6, 64);
	pkt_udp(p, 5353, 5353, false);
	pkt_data(p, 6);
}

static void vxlan6_icmp4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(p, IPPROTO_UDP, "fd00::1", "fd00::2", 64);
	pkt_udp(p, 49152, 4789, false);
	pkt_vxlan(p, 0x08, 9);
	pkt_eth(p, MAC_C, MAC_D, 0x0800);
	pkt_ipv4(p, IPPROTO_ICMP, A4, B4, 64, 0, 0);
	pkt_icmp(p, 8, 0, 0x5151, 2);
	pkt_data(p, 8);
}

static const struct {
	const char *name;
	void (*build)(struct pkt *p);
} packets[] = {
	{ "tcp4", tcp4 },
	{ "udp4", udp4 },
	{ "udp4 without checksum", udp4_nocsum },
	{ "icmp4 echo", icmp4 },
	{ "tcp4 with ip options", tcp4_opts },
	{ "udp4 first fragment", udp4_frag },
	{ "tcp6", tcp6 },
	{ "udp6", udp6 },
	{ "icmpv6 echo", icmp6 },
	{ "tcp6 after extension headers", tcp6_ext },
	{ "vlan udp4", vlan_udp4 },
	{ "vxlan4 + tcp4", vxlan4_tcp4 },
	{ "vxlan4 without checksum + udp6", vxlan4_udp6_nocsum },
	{ "vxlan6 + icmp4", vxlan6_icmp4 },
};
#define N_PACKETS (sizeof(packets) / sizeof(packets[0]))

static const struct {
	const char *name;
	__u32 set;
} rewrites[] = {
	{ "nothing", 0 },
	{ "dmac", NFC_ACT_DMAC },
	{ "smac", NFC_ACT_SMAC },
	{ "saddr", NFC_ACT_SADDR },
	{ "daddr", NFC_ACT_DADDR },
	{ "sport", NFC_ACT_SPORT },
	{ "dport", NFC_ACT_DPORT },
	{ "ttl", NFC_ACT_TTL_DEC },
	{ "all", NFC_ACT_DMAC | NFC_ACT_SMAC | NFC_ACT_SADDR | NFC_ACT_DADDR |
			 NFC_ACT_SPORT | NFC_ACT_DPORT | NFC_ACT_TTL_DEC },
};
#define N_REWRITES (sizeof(rewrites) / sizeof(rewrites[0]))

/*
 * The skb a tc run hands over. BPF_PROG_TEST_RUN makes it CHECKSUM_NONE, so
 * nothing checks skb->csum. With BPF_F_TEST_SKB_CHECKSUM_COMPLETE the kernel
 * sums the packet from the network header into skb->csum before the run, as
 * on a NIC that delivers CHECKSUM_COMPLETE, and fails the run with -EBADMSG
 * if skb->csum no longer matches the bytes after it. Such a run returns no
 * bytes: the CHECKSUM_NONE run is what tells a wrong packet from a right one
 * with a wrong skb->csum. XDP has no skb: the first only.
 */
static const struct {
	const char *name;
	__u32 flags;
} skbs[] = {
	{ "", 0 },
	{ " (CHECKSUM_COMPLETE)", BPF_F_TEST_SKB_CHECKSUM_COMPLETE },
};
#define N_SKBS (sizeof(skbs) / sizeof(skbs[0]))

struct exec_case {
	char name[128];
	int packet;	/* of packets[] and rewrites[]; -1 for a special */
	int rewrite;
	__u32 flags;	/* of skbs[] */
};

/* The innermost layer of any of @kinds: what the executor writes. */
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

static void plan_for(struct rewrite_plan *plan, __u32 set, bool v6,
		     enum pkt_kind l4)
{
	memset(plan, 0, sizeof(*plan));
	plan->set = set;
	memcpy(plan->dmac, NEW_DMAC, 6);
	memcpy(plan->smac, NEW_SMAC, 6);
	pkt_addr(v6 ? NEW_SADDR6 : NEW_SADDR4, plan->saddr);
	pkt_addr(v6 ? NEW_DADDR6 : NEW_DADDR4, plan->daddr);
	if (l4 == PK_ICMP || l4 == PK_ICMP6) {
		/* echo identifier; type and code of the echo reply */
		plan->sport = htons(NEW_ECHO_ID);
		plan->dport = htons(l4 == PK_ICMP ? 0x0000 : 0x8100);
	} else {
		plan->sport = htons(NEW_SPORT);
		plan->dport = htons(NEW_DPORT);
	}
}

/* What the executor should do to @p, done the plain way. */
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

static void one_hop_rewrite(const struct rewrite_plan *plan)
{
	dp_chain1(dp_module("rewrite"));
	dp_plan(plan);
}

static void exec_run(const struct exec_case *tc, const struct pkt *in,
		     struct dp_run *r)
{
	int err = dp_run_flags(DP_ROOT, in, tc->flags, r);

	/* only BPF_F_TEST_SKB_CHECKSUM_COMPLETE fails a run so */
	if (err == -EBADMSG)
		fail_msg("%s: skb->csum does not match the bytes after the run",
			 tc->name);
	if (err)
		fail_msg("%s: BPF_PROG_TEST_RUN: %s", tc->name, strerror(-err));
}

static void run_case(void **state)
{
	const struct exec_case *tc = *state;
	static const enum pkt_kind ips[] = { PK_IPV4, PK_IPV6 };
	static const enum pkt_kind l4s[] = { PK_TCP, PK_UDP, PK_ICMP,
					     PK_ICMP6 };
	enum pkt_kind ipk = PK_IPV4, l4k = PK_TCP;
	struct rewrite_plan plan;
	struct pkt in, want;
	struct dp_run r;

	pkt_init(&in);
	packets[tc->packet].build(&in);
	pkt_finish(&in);
	innermost(&in, ips, 2, &ipk);
	innermost(&in, l4s, 4, &l4k);
	plan_for(&plan, rewrites[tc->rewrite].set, ipk == PK_IPV6, l4k);
	want = in;
	expect(&want, &plan);
	/* the case must change what it says it changes */
	if (plan.set)
		assert_memory_not_equal(want.b, in.b, in.len);

	one_hop_rewrite(&plan);
	exec_run(tc, &in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	dp_assert_bytes(&r, &want);
	assert_int_equal(r.ctx.act.flags, plan.set);
}

/* --- limits and rewrites that cannot be applied --- */

static void run_plan(const struct exec_case *tc, void (*build)(struct pkt *),
		     __u32 set, struct pkt *in, struct dp_run *r)
{
	static const enum pkt_kind l4s[] = { PK_TCP, PK_UDP, PK_ICMP,
					     PK_ICMP6 };
	enum pkt_kind l4k = PK_TCP;
	struct rewrite_plan plan;

	pkt_init(in);
	build(in);
	pkt_finish(in);
	innermost(in, l4s, 4, &l4k);
	plan_for(&plan, set, pkt_last(in, PK_IPV6) > pkt_last(in, PK_IPV4),
		 l4k);
	one_hop_rewrite(&plan);
	exec_run(tc, in, r);
}

static void ttl_one_v4(struct pkt *p)
{
	tcp4(p);
	p->b[14 + 8] = 1;
}

static void ttl_zero_v4(struct pkt *p)
{
	tcp4(p);
	p->b[14 + 8] = 0;
}

static void ttl_two_v4(struct pkt *p)
{
	tcp4(p);
	p->b[14 + 8] = 2;
}

static void hop_limit_one_v6(struct pkt *p)
{
	udp6(p);
	p->b[14 + 7] = 1;
}

static void test_ttl_one_dropped(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, ttl_one_v4, NFC_ACT_TTL_DEC, &in, &r);
	dp_assert_drop(&r, NFC_DROP_TTL_EXCEEDED);
}

static void test_ttl_zero_dropped(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, ttl_zero_v4, NFC_ACT_TTL_DEC, &in, &r);
	dp_assert_drop(&r, NFC_DROP_TTL_EXCEEDED);
}

static void test_hop_limit_one_dropped(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, hop_limit_one_v6, NFC_ACT_TTL_DEC, &in, &r);
	dp_assert_drop(&r, NFC_DROP_TTL_EXCEEDED);
}

static void test_ttl_two_forwarded(void **state)
{
	struct dp_run r;
	struct pkt in, want;

	run_plan(*state, ttl_two_v4, NFC_ACT_TTL_DEC, &in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	want = in;
	want.b[14 + 8] = 1;
	pkt_finish(&want);
	dp_assert_bytes(&r, &want);
}

static void arp(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0806);
	pkt_arp(p, 1, "192.0.2.1", "192.0.2.2");
}

static void later_frag4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, A4, B4, 64, 0, 100);
	pkt_data(p, 16);
}

static void icmp4_unreach(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_ICMP, A4, B4, 64, 0, 0);
	pkt_icmp(p, 3, 3, 0, 0);
	pkt_data(p, 28);
}

static void gre4(struct pkt *p)
{
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, 47, A4, B4, 64, 0, 0);
	pkt_data(p, 8);
}

static void test_addr_on_arp_fails(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, arp, NFC_ACT_SADDR, &in, &r);
	dp_assert_drop(&r, NFC_DROP_REWRITE);
}

static void test_ttl_on_arp_fails(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, arp, NFC_ACT_TTL_DEC, &in, &r);
	dp_assert_drop(&r, NFC_DROP_REWRITE);
}

static void test_port_on_later_fragment_fails(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, later_frag4, NFC_ACT_DPORT, &in, &r);
	dp_assert_drop(&r, NFC_DROP_REWRITE);
}

static void test_port_on_gre_fails(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, gre4, NFC_ACT_SPORT, &in, &r);
	dp_assert_drop(&r, NFC_DROP_REWRITE);
}

static void test_echo_id_on_non_echo_fails(void **state)
{
	struct dp_run r;
	struct pkt in;

	run_plan(*state, icmp4_unreach, NFC_ACT_SPORT, &in, &r);
	dp_assert_drop(&r, NFC_DROP_REWRITE);
}

/* Addresses of a later fragment: the IP header only (no L4 header). */
static void test_addr_on_later_fragment(void **state)
{
	struct dp_run r;
	struct pkt in, want;
	uint8_t a[16];

	run_plan(*state, later_frag4, NFC_ACT_SADDR | NFC_ACT_DADDR, &in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	want = in;
	pkt_addr(NEW_SADDR4, a);
	memcpy(want.b + 26, a, 4);
	pkt_addr(NEW_DADDR4, a);
	memcpy(want.b + 30, a, 4);
	pkt_finish(&want);
	dp_assert_bytes(&r, &want);
}

/* A UDP checksum that comes out 0 must be sent as 0xffff: 0 means none. */
static void test_udp_zero_result_is_mangled(void **state)
{
	struct rewrite_plan plan;
	struct pkt in, want;
	struct dp_run r;
	uint32_t s;
	uint16_t c, port;

	pkt_init(&in);
	udp4(&in);
	pkt_finish(&in);
	/* the source port that makes ~(~C + ~port + port') == 0 */
	c = pkt_get16(&in, 40);
	port = pkt_get16(&in, 34);
	s = (uint32_t)c + port;
	s = (s & 0xffff) + (s >> 16);
	assert_true(s != 0 && s != 0xffff);

	plan_for(&plan, NFC_ACT_SPORT, false, PK_UDP);
	plan.sport = htons(s);
	one_hop_rewrite(&plan);
	exec_run(*state, &in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	want = in;
	pkt_put16(&want, 34, s);
	pkt_finish(&want);
	assert_int_equal(pkt_get16(&want, 40), 0xffff);
	dp_assert_bytes(&r, &want);
}

#define SPECIAL(f, dropped) { #f, f, dropped }
static const struct {
	const char *name;
	void (*test)(void **state);
	/* no skb->csum to keep right: on a CHECKSUM_NONE skb only */
	bool dropped;
} special[] = {
	SPECIAL(test_ttl_one_dropped, true),
	SPECIAL(test_ttl_zero_dropped, true),
	SPECIAL(test_hop_limit_one_dropped, true),
	SPECIAL(test_ttl_two_forwarded, false),
	SPECIAL(test_addr_on_arp_fails, true),
	SPECIAL(test_ttl_on_arp_fails, true),
	SPECIAL(test_port_on_later_fragment_fails, true),
	SPECIAL(test_port_on_gre_fails, true),
	SPECIAL(test_echo_id_on_non_echo_fails, true),
	SPECIAL(test_addr_on_later_fragment, false),
	SPECIAL(test_udp_zero_result_is_mangled, false),
};
#define N_SPECIAL (sizeof(special) / sizeof(special[0]))
#define N_TESTS ((N_PACKETS * N_REWRITES + N_SPECIAL) * N_SKBS)

static struct exec_case cases[N_TESTS];
static struct CMUnitTest tests[N_TESTS];
static size_t n_tests;

static void add(void (*test)(void **state), int packet, int rewrite,
		const char *name, size_t skb)
{
	struct exec_case *c = &cases[n_tests];

	snprintf(c->name, sizeof(c->name), "%s%s", name, skbs[skb].name);
	c->packet = packet;
	c->rewrite = rewrite;
	c->flags = skbs[skb].flags;
	tests[n_tests++] = (struct CMUnitTest){
		.name = c->name,
		.test_func = test,
		.setup_func = dp_reset,
		.initial_state = c,
	};
}

int main(int argc, char **argv)
{
	size_t n_skbs = argc == 2 && !strcmp(argv[1], "tc") ? N_SKBS : 1;
	size_t i, j, k;
	char name[96];

	for (i = 0; i < N_PACKETS; i++) {
		for (j = 0; j < N_REWRITES; j++) {
			snprintf(name, sizeof(name), "%s: rewrite %s",
				 packets[i].name, rewrites[j].name);
			for (k = 0; k < n_skbs; k++)
				add(run_case, i, j, name, k);
		}
	}
	for (i = 0; i < N_SPECIAL; i++)
		for (k = 0; k < (special[i].dropped ? 1 : n_skbs); k++)
			add(special[i].test, -1, -1, special[i].name, k);
	return dp_main(argc, argv, "datapath/exec", tests, n_tests);
}
