// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The vpc module and the executor's VXLAN actions under BPF_PROG_TEST_RUN:
 * a VPC's packet from its port to an endpoint here (MACs rewritten), to an
 * endpoint behind a remote VTEP (encapsulated: every outer byte checked,
 * the IPv4 checksum, lengths, a UDP source port of the flow's hash), VXLAN
 * to an endpoint here (decapsulated, IPv4 and IPv6 inside), each as the
 * chain made it and as the flow cache serves it; and every drop by name.
 * The port's tenant comes from the root (DP_ROOT_PORT), VXLAN's from its
 * VNI (DP_ROOT).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "vpc.h"

#define V "vpc@1.0.0"
#define VNI DP_PORT_TENANT
#define LOCAL_IF 7
#define VTEP_HERE "192.168.0.1"
#define VTEP_THERE "192.168.0.2"
#define EP_HERE "10.1.0.1"   /* on the test's port (F.lo) */
#define EP_LOCAL "10.1.0.2"  /* on LOCAL_IF */
#define EP_REMOTE "10.1.0.3" /* behind VTEP_THERE */
#define EP6_LOCAL "fd01::2"
#define EP6_REMOTE "fd01::3"

/* the module's rodata: vtep VTEP_HERE, mac GW */
static const uint8_t GW[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
static const uint8_t EP_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x02 };
static const uint8_t UNDER_SMAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01 };
static const uint8_t UNDER_DMAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x0b, 0x01 };

/* The module, configured as vtep VTEP_HERE, mac GW. */
static int vpc_prog(void)
{
	static __be32 vtep;
	const struct dp_rodata rd[] = {
		{ "cfg_vtep", &vtep, sizeof(vtep) },
		{ "cfg_mac", GW, 6 },
	};

	inet_pton(AF_INET, VTEP_HERE, &vtep);
	return dp_module_config(V, rd, 2);
}

static void vpc(__u32 vni, const char *vtep)
{
	struct vpc_info v = {};
	struct vpc_key k = { vni };

	if (vtep)
		assert_int_equal(inet_pton(AF_INET, vtep, &v.vtep), 1);
	assert_int_equal(bpf_map_update_elem(dp_table(V, "vpcs"), &k, &v, 0), 0);
}

/* Endpoint @addr of VPC @vni: on @ifindex, or behind @vtep. */
static void endpoint(__u32 vni, const char *addr, __u32 ifindex,
		     const char *vtep)
{
	struct vpc_ep6_key k6 = { .vni = vni };
	struct vpc_ep_key k4 = { .vni = vni };
	struct vpc_ep e = { .ifindex = ifindex };

	memcpy(e.mac, EP_MAC, 6);
	if (vtep)
		assert_int_equal(inet_pton(AF_INET, vtep, &e.vtep), 1);
	if (strchr(addr, ':')) {
		assert_int_equal(inet_pton(AF_INET6, addr, k6.addr), 1);
		assert_int_equal(bpf_map_update_elem(dp_table(V, "endpoints6"), &k6, &e, 0), 0);
	} else {
		assert_int_equal(inet_pton(AF_INET, addr, &k4.addr), 1);
		assert_int_equal(bpf_map_update_elem(dp_table(V, "endpoints"), &k4, &e, 0), 0);
	}
}

static void remote_vtep(const char *addr, __u32 ifindex)
{
	struct vpc_vtep v = { .ifindex = ifindex };
	struct vpc_vtep_key k;

	assert_int_equal(inet_pton(AF_INET, addr, &k.addr), 1);
	memcpy(v.mac, UNDER_DMAC, 6);
	memcpy(v.smac, UNDER_SMAC, 6);
	assert_int_equal(bpf_map_update_elem(dp_table(V, "vteps"), &k, &v, 0), 0);
}

/* The VPC of the tests: VNI 100, three IPv4 and two IPv6 endpoints. */
static void setup(void)
{
	vpc_prog();
	vpc(VNI, NULL);
	endpoint(VNI, EP_HERE, F.lo, NULL);
	endpoint(VNI, EP_LOCAL, LOCAL_IF, NULL);
	endpoint(VNI, EP_REMOTE, 0, VTEP_THERE);
	endpoint(VNI, "fd01::1", F.lo, NULL);
	endpoint(VNI, EP6_LOCAL, LOCAL_IF, NULL);
	endpoint(VNI, EP6_REMOTE, 0, VTEP_THERE);
	remote_vtep(VTEP_THERE, F.lo);
	dp_chain1(vpc_prog());
}

/* An inner frame: UDP from @src to @dst (IPv4 or IPv6), MACs @dmac, @smac. */
static void inner(struct pkt *p, const uint8_t *dmac, const uint8_t *smac,
		  const char *src, const char *dst, uint16_t sport)
{
	bool six = strchr(src, ':');

	pkt_eth(p, dmac, smac, six ? 0x86dd : 0x0800);
	if (six)
		pkt_ipv6(p, IPPROTO_UDP, src, dst, 64);
	else
		pkt_ipv4(p, IPPROTO_UDP, src, dst, 64, 0, 0);
	pkt_udp(p, sport, 7777, false);
	pkt_data(p, 40);
}

static void plain(struct pkt *p, const char *src, const char *dst,
		  uint16_t sport)
{
	pkt_init(p);
	inner(p, GW, MAC_A, src, dst, sport);
	pkt_finish(p);
}

/* VXLAN from @osrc to @odst, VNI @vni (flags @flags), around @src -> @dst. */
static void tunnelled(struct pkt *p, const char *osrc, const char *odst,
		      uint8_t flags, __u32 vni, const char *src,
		      const char *dst)
{
	pkt_init(p);
	pkt_eth(p, UNDER_SMAC, UNDER_DMAC, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, osrc, odst, 64, 0, 0);
	pkt_udp(p, 50000, 4789, true);
	pkt_vxlan(p, flags, vni);
	inner(p, GW, MAC_B, src, dst, 4000);
	pkt_finish(p);
}

/* No flow slot serves the next run (emptied), and the per-CPU context
 * holds nothing of the run before (poisoned): what the entry's hit takes
 * is the entry's. */
static void slots_forget(void)
{
	size_t sz = (sizeof(struct nfc_ctx) + 7) / 8 * 8;
	void *poison = malloc(sz * F.ncpus);
	__u32 zero = 0;

	assert_non_null(poison);
	memset(poison, DP_SCRATCH_POISON, sz * F.ncpus);
	assert_int_equal(bpf_map_update_elem(F.scratch, &zero, poison, 0), 0);
	free(poison);
	dp_flow_slots_clear();
}

/* Through the chain, then twice from the flow cache (its entry, then its
 * slot): the same verdict and bytes each time. Whether the slot's hit was
 * the express lane's: the result. */
static bool run3(enum dp_prog root, const struct pkt *in, struct dp_run *r)
{
	struct dp_run again;
	int i;

	dp_run(root, in, r);
	for (i = 1; i <= 2; i++) {
		/* no slot serves, the entry does (and fills a slot for the
		 * next run) */
		if (i == 1)
			slots_forget();
		dp_run(root, in, &again);
		assert_int_equal(again.retval, r->retval);
		assert_int_equal(again.stats.cached, i);
		assert_int_equal(again.out_len, r->out_len);
		assert_memory_equal(again.out, r->out, r->out_len);
	}
	return again.express;
}

/* To an endpoint here: to its MAC from the gateway's, nothing else. */
static void test_local(void **state)
{
	struct pkt in, want;
	struct dp_run r;

	setup();
	plain(&in, EP_HERE, EP_LOCAL, 1000);
	pkt_init(&want);
	inner(&want, EP_MAC, GW, EP_HERE, EP_LOCAL, 1000);
	pkt_finish(&want);
	/* MACs alone: the express lane's at either hook */
	assert_true(run3(DP_ROOT_PORT, &in, &r));
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, LOCAL_IF);
	assert_int_equal(r.ctx.key.tenant, VNI);
	dp_assert_bytes(&r, &want);
}

/* The UDP source port an encapsulated frame got: in 49152-65535. */
static uint16_t outer_sport(const struct dp_run *r)
{
	uint16_t port = r->out[34] << 8 | r->out[35];

	assert_true(port >= 49152);
	return port;
}

/* To an endpoint behind a remote VTEP: the frame as the endpoint gets it,
 * in VXLAN from this VTEP to that one, byte for byte (pkt_finish() makes
 * the lengths and the IPv4 checksum); the source port is the one thing the
 * test takes from the output. */
static void encap_case(const char *src, const char *dst)
{
	struct pkt in, want;
	struct dp_run r;
	uint16_t port;

	setup();
	plain(&in, src, dst, 1000);
	/* the express lane encapsulates at XDP; TC's takes the regular way */
	assert_int_equal(run3(DP_ROOT_PORT, &in, &r), F.xdp);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, F.lo);
	port = outer_sport(&r);
	pkt_init(&want);
	pkt_eth(&want, UNDER_DMAC, UNDER_SMAC, 0x0800);
	/* DF, id 0 */
	pkt_ipv4(&want, IPPROTO_UDP, VTEP_HERE, VTEP_THERE, 64, 0, 0x4000);
	pkt_put16(&want, 18, 0);
	pkt_udp(&want, port, 4789, true);
	pkt_vxlan(&want, 0x08, VNI);
	inner(&want, EP_MAC, GW, src, dst, 1000);
	pkt_finish(&want);
	dp_assert_bytes(&r, &want);
}

static void test_encap(void **state)
{
	encap_case(EP_HERE, EP_REMOTE);
}

static void test_encap_v6(void **state)
{
	encap_case("fd01::1", EP6_REMOTE);
}

/* One flow, one source port; flows spread over the range. */
static void test_encap_sport(void **state)
{
	uint16_t first = 0, port;
	struct pkt in;
	struct dp_run r;
	int i, differ = 0;

	setup();
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION) |
				      NFC_ACTIVE_F_NOCACHE);
	for (i = 0; i < 16; i++) {
		plain(&in, EP_HERE, EP_REMOTE, 2000 + i);
		dp_run(DP_ROOT_PORT, &in, &r);
		port = outer_sport(&r);
		if (!i)
			first = port;
		differ += port != first;
		dp_run(DP_ROOT_PORT, &in, &r);
		assert_int_equal(outer_sport(&r), port);
	}
	assert_true(differ >= 12);
}

/* VXLAN to an endpoint here: the inner frame, to the endpoint's MAC. */
static void decap_case(const char *src, const char *dst)
{
	struct pkt in, want;
	struct dp_run r;

	setup();
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, src, dst);
	pkt_init(&want);
	inner(&want, EP_MAC, GW, src, dst, 4000);
	pkt_finish(&want);
	run3(DP_ROOT, &in, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, LOCAL_IF);
	assert_int_equal(r.ctx.key.tenant, VNI);
	dp_assert_bytes(&r, &want);
}

static void test_decap(void **state)
{
	decap_case(EP_REMOTE, EP_LOCAL);
}

static void test_decap_v6(void **state)
{
	decap_case(EP6_REMOTE, EP6_LOCAL);
}

static void expect_drop(enum dp_prog root, const struct pkt *in, __u32 reason)
{
	struct dp_run r;

	dp_run(root, in, &r);
	dp_assert_drop(&r, reason);
}

/* Every refusal, by name, each from a clean start. */
static void test_drops(void **state)
{
	struct pkt in;

	/* a VNI with no VPC here, from the underlay and from a port */
	setup();
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, 200, EP_REMOTE, EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_VNI_UNKNOWN);
	dp_reset(state);
	vpc(200, NULL);
	endpoint(200, EP_HERE, F.lo, NULL);
	dp_chain1(vpc_prog());
	plain(&in, EP_HERE, EP_LOCAL, 1000);
	expect_drop(DP_ROOT_PORT, &in, NFC_DROP_VNI_UNKNOWN);

	/* VXLAN to another address than this host's VTEP of the VPC */
	dp_reset(state);
	setup();
	tunnelled(&in, VTEP_THERE, "192.168.0.9", 0x08, VNI, EP_REMOTE, EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_VTEP_MISMATCH);
	dp_reset(state);
	setup();
	vpc(VNI, "192.168.0.11"); /* the VPC's own VTEP */
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, EP_REMOTE, EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_VTEP_MISMATCH);

	/* sources that are not the sender's */
	dp_reset(state);
	setup();
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, "10.1.0.99", EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_SPOOFED);
	dp_reset(state);
	setup();
	tunnelled(&in, "192.168.0.7", VTEP_HERE, 0x08, VNI, EP_REMOTE, EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_SPOOFED);
	dp_reset(state);
	setup();
	/* a local endpoint's address in VXLAN */
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, EP_LOCAL, EP_HERE);
	expect_drop(DP_ROOT, &in, NFC_DROP_SPOOFED);
	dp_reset(state);
	setup();
	/* from the port, another endpoint's address */
	plain(&in, EP_LOCAL, EP_REMOTE, 1000);
	expect_drop(DP_ROOT_PORT, &in, NFC_DROP_SPOOFED);

	/* destinations: none; remote for what came tunnelled (no
	 * re-tunnelling) */
	dp_reset(state);
	setup();
	plain(&in, EP_HERE, "10.1.0.77", 1000);
	expect_drop(DP_ROOT_PORT, &in, NFC_DROP_NO_ROUTE);
	dp_reset(state);
	setup();
	endpoint(VNI, "10.1.0.4", 0, VTEP_THERE);
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, EP_REMOTE, "10.1.0.4");
	expect_drop(DP_ROOT, &in, NFC_DROP_NO_ROUTE);
	/* a remote endpoint whose VTEP has no entry */
	dp_reset(state);
	setup();
	endpoint(VNI, "10.1.0.5", 0, "192.168.0.5");
	plain(&in, EP_HERE, "10.1.0.5", 1000);
	expect_drop(DP_ROOT_PORT, &in, NFC_DROP_NO_ROUTE);

	/* UDP to VXLAN's port, not VXLAN (its VNI flag clear) */
	dp_reset(state);
	setup();
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x00, VNI, EP_REMOTE, EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_VXLAN_MALFORMED);
	/* VNI 0: no VPC's */
	dp_reset(state);
	setup();
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, 0, EP_REMOTE, EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_VNI_UNKNOWN);
	/* the VTEP's VXLAN on another interface than its entry names */
	dp_reset(state);
	setup();
	remote_vtep(VTEP_THERE, LOCAL_IF);
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, EP_REMOTE, EP_LOCAL);
	expect_drop(DP_ROOT, &in, NFC_DROP_SPOOFED);
	/* tagged: from the port, and inside VXLAN */
	dp_reset(state);
	setup();
	pkt_init(&in);
	pkt_eth(&in, GW, MAC_A, 0x8100);
	pkt_vlan(&in, 42, 0x0800);
	pkt_ipv4(&in, IPPROTO_UDP, EP_HERE, EP_LOCAL, 64, 0, 0);
	pkt_udp(&in, 1000, 7777, false);
	pkt_data(&in, 40);
	pkt_finish(&in);
	expect_drop(DP_ROOT_PORT, &in, NFC_DROP_VLAN);
	dp_reset(state);
	setup();
	pkt_init(&in);
	pkt_eth(&in, UNDER_SMAC, UNDER_DMAC, 0x0800);
	pkt_ipv4(&in, IPPROTO_UDP, VTEP_THERE, VTEP_HERE, 64, 0, 0);
	pkt_udp(&in, 50000, 4789, true);
	pkt_vxlan(&in, 0x08, VNI);
	pkt_eth(&in, GW, MAC_B, 0x8100);
	pkt_vlan(&in, 42, 0x0800);
	pkt_ipv4(&in, IPPROTO_UDP, EP_REMOTE, EP_LOCAL, 64, 0, 0);
	pkt_udp(&in, 4000, 7777, false);
	pkt_data(&in, 40);
	pkt_finish(&in);
	expect_drop(DP_ROOT, &in, NFC_DROP_VLAN);
	/* ARP in a VPC from an address of no endpoint there: answered by
	 * nobody, no-route (an endpoint's is answered: test_arp_nd_answered) */
	dp_reset(state);
	setup();
	pkt_init(&in);
	pkt_eth(&in, GW, MAC_A, 0x0806);
	pkt_arp(&in, 1, EP_LOCAL, EP_HERE);
	pkt_finish(&in);
	expect_drop(DP_ROOT_PORT, &in, NFC_DROP_NO_ROUTE);
}

/* An endpoint's ARP request and neighbour solicitation for another
 * address are answered with the gateway's MAC, byte for byte, back out of
 * its port (proxy ARP and ND). */
static void test_arp_nd_answered(void **state)
{
	static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct pkt in, want;
	struct dp_run r;
	uint32_t at;

	setup();
	pkt_init(&in);
	pkt_eth(&in, BCAST, MAC_A, 0x0806);
	pkt_arp(&in, 1, EP_HERE, EP_LOCAL);
	pkt_finish(&in);
	pkt_init(&want);
	pkt_eth(&want, MAC_A, GW, 0x0806);
	pkt_arp(&want, 2, EP_LOCAL, EP_HERE);
	pkt_finish(&want);
	memcpy(want.b + 14 + 8, GW, 6);
	memcpy(want.b + 14 + 18, MAC_A, 6);
	dp_run(DP_ROOT_PORT, &in, &r);
	dp_assert_verdict(&r, NFC_V_TX, F.rc_tx);
	dp_assert_bytes(&r, &want);

	dp_reset(state);
	setup();
	pkt_init(&in);
	pkt_eth(&in, BCAST, MAC_A, 0x86dd);
	pkt_ipv6(&in, IPPROTO_ICMPV6, "fd01::1", "ff02::1:ff00:2", 255);
	pkt_icmp6(&in, 135, 0, 0, 0);
	pkt_data(&in, 24);
	at = in.len - 24;
	assert_int_equal(inet_pton(AF_INET6, EP6_LOCAL, in.b + at), 1);
	in.b[at + 16] = 1;
	in.b[at + 17] = 1;
	memcpy(in.b + at + 18, MAC_A, 6);
	pkt_finish(&in);
	pkt_init(&want);
	pkt_eth(&want, MAC_A, GW, 0x86dd);
	pkt_ipv6(&want, IPPROTO_ICMPV6, EP6_LOCAL, "fd01::1", 255);
	pkt_icmp6(&want, 136, 0, 0x6000, 0);
	pkt_data(&want, 24);
	assert_int_equal(inet_pton(AF_INET6, EP6_LOCAL, want.b + at), 1);
	want.b[at + 16] = 2;
	want.b[at + 17] = 1;
	memcpy(want.b + at + 18, GW, 6);
	pkt_finish(&want);
	dp_run(DP_ROOT_PORT, &in, &r);
	dp_assert_verdict(&r, NFC_V_TX, F.rc_tx);
	dp_assert_bytes(&r, &want);
}

/* The flow key of VXLAN is its inner frame's: a flow decapsulated from
 * its VTEP, then the same inner flow from another VTEP or to another
 * address. The flow cache serves them (the key is the flow's), and the
 * executor refuses them: the decap carries the outer addresses the chain
 * checked. */
static void test_decap_cached_outer(void **state)
{
	struct pkt in;
	struct dp_run r;

	setup();
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, EP_REMOTE, EP_LOCAL);
	run3(DP_ROOT, &in, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	tunnelled(&in, "192.168.0.7", VTEP_HERE, 0x08, VNI, EP_REMOTE, EP_LOCAL);
	dp_run(DP_ROOT, &in, &r);
	assert_int_equal(r.retval, F.rc_drop);
	assert_int_equal(r.stats.cached, 3);
	assert_int_equal(r.stats.drop[NFC_DROP_SPOOFED], 1);
	tunnelled(&in, VTEP_THERE, "192.168.0.11", 0x08, VNI, EP_REMOTE, EP_LOCAL);
	dp_run(DP_ROOT, &in, &r);
	assert_int_equal(r.retval, F.rc_drop);
	assert_int_equal(r.stats.cached, 4);
	assert_int_equal(r.stats.drop[NFC_DROP_VTEP_MISMATCH], 1);
	/* and the flow from its VTEP is still delivered */
	tunnelled(&in, VTEP_THERE, VTEP_HERE, 0x08, VNI, EP_REMOTE, EP_LOCAL);
	dp_run(DP_ROOT, &in, &r);
	assert_int_equal(r.retval, F.rc_redirect);
	assert_int_equal(r.stats.cached, 5);
}

/* On a port of a VPC, VXLAN is not looked into: an endpoint's VXLAN is its
 * VPC's UDP, to its destination; the flow key is the VPC's. And a frame
 * of no VPC (the underlay host's own) is left as it was. */
static void test_port_and_underlay(void **state)
{
	struct pkt in;
	struct dp_run r;

	setup();
	endpoint(200, EP_LOCAL, LOCAL_IF, NULL);
	vpc(200, NULL);
	/* VXLAN of VPC 200 inside, sent from VPC 100's port */
	pkt_init(&in);
	pkt_eth(&in, GW, MAC_A, 0x0800);
	/* IPv4 options: the parser's frame, not the inline reader's (each
	 * must leave VXLAN on a VPC's port alone) */
	pkt_ipv4(&in, IPPROTO_UDP, EP_HERE, EP_REMOTE, 64, 4, 0);
	pkt_udp(&in, 50000, 4789, true);
	pkt_vxlan(&in, 0x08, 200);
	inner(&in, GW, MAC_B, EP_HERE, EP_LOCAL, 4000);
	pkt_finish(&in);
	dp_run(DP_ROOT_PORT, &in, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.key.tenant, VNI);
	assert_false(r.ctx.key.flags & NFC_KEY_F_VXLAN);
	assert_int_equal(r.ctx.act.out_ifindex, F.lo); /* to EP_REMOTE's VTEP */

	dp_reset(state);
	setup();
	pkt_init(&in);
	pkt_eth(&in, GW, MAC_A, 0x0800);
	pkt_ipv4(&in, IPPROTO_TCP, "192.168.0.2", "192.168.0.1", 64, 0, 0);
	pkt_tcp(&in, 40000, 22, 0x10);
	pkt_finish(&in);
	dp_run(DP_ROOT, &in, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	dp_assert_bytes(&r, &in);
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup(f, dp_reset)
	const struct CMUnitTest tests[] = {
		T(test_local),
		T(test_encap),
		T(test_encap_v6),
		T(test_encap_sport),
		T(test_decap),
		T(test_decap_v6),
		T(test_drops),
		T(test_arp_nd_answered),
		T(test_decap_cached_outer),
		T(test_port_and_underlay),
	};

	return dp_main(argc, argv, "datapath/vpc", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
