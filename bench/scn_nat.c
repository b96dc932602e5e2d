// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nat: what the nat module (nf/nat) costs a routed packet, and how many
 * packets a source-NATing router carries beside the kernel's forwarding
 * with nftables' masquerade.
 *
 * Under BPF_PROG_TEST_RUN at XDP, with the flow cache off (every frame runs
 * the chain: the root, conntrack, the nodes, the executor), NFB_FLOWS UDP
 * flows from 10.64.0.0/16 to 10.77.0.2:
 *   xdp-router  a chain of one router node (a next hop through a gateway
 *               whose neighbour is known);
 *   xdp-nat     a nat node (snat of 10.64.0.0/16 to 10.77.0.1) ahead of
 *               the same router: nat_ns is the difference, the work of a
 *               connection's translation on each of its packets (its
 *               nat_conns lookup and the executor's address, port and
 *               checksum rewrites); the first pass, unmeasured, opens the
 *               connections and allocates their ports;
 *   xdp-router-c, xdp-nat-c  the same with the flow cache on: an
 *               established connection's packets (nat_ns: what its
 *               translation adds to a cached packet).
 * Each run is a test run of its own on a fresh frame (a figure includes
 * the test run's clock reads, which the differences cancel).
 * Every frame is checked to come back redirected, and xdp-nat's from
 * 10.77.0.1.
 *
 * Then live frames (forwarder.h, the routed bed, 4096 flows): the same
 * nat + router chain at XDP with the flow cache on, as users run it
 * (live-nat-xdp), against the kernel's IP forwarding with nftables'
 * masquerade of the same sources out of host side b (live-kernel-nat),
 * and a bare XDP redirect (live-bare-xdp: the bed's ceiling); delivered
 * pps, x_kernel, and the goal of 3x nftables (goal_x, goal_met on
 * live-nat-xdp).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include "nfbench.h"
#include "live.h"
#include "forwarder.h"

#define NAT_LIVE_GOAL_X 3.0
#define NAT_LIVE_FLOWS 4096
#define NAT_LIVE_FRAME 64
#define NAT_FIGS 4

struct nfig {
	const char *name;
	bool nat;
	bool cache;
	int fd, held;
	double med;
};

static void nat_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(buf, 0, len);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\xfe", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 255; /* the repeats decrement it (nfbench.c) */
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(len - sizeof(*eth));
	ip->saddr = htonl(0x0a400000 | (flow % NFB_FLOWS + 1)); /* 10.64.x.y */
	inet_pton(AF_INET, NFB_LIVE_DADDR, &ip->daddr);
	nfb_ipv4_check(ip);
	udp->source = htons(1024 + flow % 8192);
	udp->dest = htons(4000);
	udp->len = htons(len - sizeof(*eth) - sizeof(*ip));
}

static int apply(struct bench *b, const struct nfig *f, struct nfc_err *err)
{
	char path[128];
	FILE *c;
	int r;

	r = nfb_chain_file(b, f->name, path, sizeof(path), &c, err);
	if (r)
		return r;
	fprintf(c, "chain: %s\nflow_cache: %s\n"
		   "attach:\n  - {interface: %s, hook: xdp, mode: skb}\n"
		   "entry: %s\nnodes:\n",
		f->name, f->cache ? "true" : "false", f->name,
		f->nat ? "nat" : "rt");
	if (f->nat)
		fprintf(c, "  - name: nat\n    module: nat\n    config:\n"
			   "      rules:\n"
			   "        - {id: 1, action: snat, src: %s, to: %s, name: out}\n",
			NFB_LIVE_SNET, NFB_FWD_NAT_ADDR);
	fprintf(c, "  - name: rt\n    module: router\n    config:\n"
		   "      nexthops:\n"
		   "        - {id: 1, interface: %s, gateway: 10.255.255.1, smac: \"02:00:00:00:00:fe\"}\n"
		   "      neighbors:\n"
		   "        - {interface: %s, address: 10.255.255.1, mac: \"02:00:00:00:00:02\"}\n"
		   "      routes:\n        - {prefix: 10.77.0.0/24, via: 1}\n",
		f->name, f->name);
	if (f->nat)
		fprintf(c, "links:\n  - {from: nat, on: pass, to: rt}\n");
	return nfb_chain_file_apply(b, c, path, err);
}

/* Every frame routed; xdp-nat's from the pool's address. */
static int check(const struct nfig *f)
{
	__u8 frame[64], out[128];
	struct iphdr *ip = (void *)(out + sizeof(struct ethhdr));
	__be32 pool;
	__u32 i;

	inet_pton(AF_INET, NFB_FWD_NAT_ADDR, &pool);
	for (i = 0; i < NFB_FLOWS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = sizeof(frame), .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		nat_frame(frame, sizeof(frame), i);
		if (bpf_prog_test_run_opts(f->fd, &o))
			return -errno;
		if (o.retval != XDP_REDIRECT ||
		    (f->nat && ip->saddr != pool) ||
		    (!f->nat && ip->saddr == pool)) {
			fprintf(stderr, "nfbench: nat: %s: frame %u: XDP verdict %u, from %08x\n",
				f->name, i, o.retval, ntohl(ip->saddr));
			return -EPROTO;
		}
	}
	return 0;
}

/* A call per run: the test run's repeats would find the frame as the
 * last run translated it, another flow (nfb_run_frames_once_ns()). */
static double run_nth(struct bench *b, int i, void *figs)
{
	return nfb_run_frames_once_ns(b, ((struct nfig *)figs)[i].fd,
				      nat_frame, 64);
}

static int live(struct bench *b)
{
	double per_round = b->quick ? 0.25 : 1.0;
	struct nfb_fwd_result res[3];
	struct nfb_fwd fwd[3];
	struct nfb_live *l;
	json_object *p;
	int i, r;

	NFC_OPTS(nfb_live_opts, lo, .flows = NAT_LIVE_FLOWS,
		 .frame_len = NAT_LIVE_FRAME, .routed = true);

	fwd[0] = (struct nfb_fwd){ .name = "live-nat-xdp",
				   .kind = NFB_FWD_ROUTER_XDP,
				   .nat = true };
	fwd[1] = (struct nfb_fwd){ .name = "live-kernel-nat",
				   .kind = NFB_FWD_KERNEL, .nat = true };
	fwd[2] = (struct nfb_fwd){ .name = "live-bare-xdp",
				   .kind = NFB_FWD_BARE };
	r = nfb_live__create(&l, &lo);
	if (r)
		return r;
	fprintf(stderr, "nfbench: nat: live\n");
	r = nfb_fwd__routed_bed(l, "nat");
	if (!r)
		r = nfb_fwd__measure(b, l, "nat", fwd, 3, per_round, res);
	for (i = 0; !r && i < 3; i++) {
		double x = res[i].pps / res[1].pps;

		p = nfb_fwd__params(&fwd[i], &res[i], NAT_LIVE_FLOWS,
				    NAT_LIVE_FRAME, per_round);
		if (i != 1)
			json_object_object_add(p, "x_kernel", json_object_new_double(x));
		if (i == 0) {
			json_object_object_add(p, "goal_x", json_object_new_double(NAT_LIVE_GOAL_X));
			json_object_object_add(p, "goal_met",
					       json_object_new_boolean(x >= NAT_LIVE_GOAL_X));
			fprintf(stderr, "nfbench: nat: live: %.2f Mpps, %.2fx nftables masquerade's %.2f (goal >= %.0fx: %s); a bare redirect %.2fx\n",
				res[0].pps / 1e6, x, res[1].pps / 1e6,
				NAT_LIVE_GOAL_X, x >= NAT_LIVE_GOAL_X ? "met" : "missed",
				res[2].pps / res[1].pps);
		}
		nfb_emit(b, "nat", fwd[i].name, "pps_delivered", res[i].pps,
			 "pps", p);
	}
	nfb_live__destroy(l);
	return r;
}

static int scenario_nat(struct bench *b)
{
	struct nfig figs[NAT_FIGS] = {
		{ .name = "xdp-router" },
		{ .name = "xdp-nat", .nat = true },
		{ .name = "xdp-router-c", .cache = true },
		{ .name = "xdp-nat-c", .nat = true, .cache = true },
	};
	struct nfc_err err = {};
	double med[NAT_FIGS];
	json_object *p;
	int i, r = 0;

	for (i = 0; i < NAT_FIGS && !r; i++) {
		r = apply(b, &figs[i], &err);
		if (!r)
			r = (figs[i].fd = nfb_chain_root(b, figs[i].name,
							 NFB_AT_XDP,
							 &figs[i].held, &err)) < 0 ?
				    figs[i].fd : 0;
	}
	if (r)
		nfb_print_err(&err);
	for (i = 0; i < NAT_FIGS && !r; i++)
		r = check(&figs[i]);
	if (!r)
		r = nfb_interleaved(b, NAT_FIGS, run_nth, figs, med);
	for (i = 0; !r && i < NAT_FIGS; i++) {
		p = json_object_new_object();
		json_object_object_add(p, "flow_cache",
				       json_object_new_boolean(figs[i].cache));
		json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
		if (figs[i].nat)
			json_object_object_add(p, "nat_ns",
					       json_object_new_double(med[i] - med[i - 1]));
		nfb_emit(b, "nat", figs[i].name, "ns_per_packet", med[i], "ns", p);
	}
	if (!r)
		fprintf(stderr, "nfbench: nat: a packet through nat + router: %.1f ns, %.1f of it the nat's; established (flow cache on): %.1f ns, the router alone %.1f\n",
			med[1], med[1] - med[0], med[3], med[2]);
	for (i = 0; i < NAT_FIGS; i++)
		if (figs[i].fd > 0)
			nfb_chain_done(b, figs[i].name, figs[i].fd, figs[i].held);
	if (!r)
		r = live(b);
	return r;
}

NFB_SCENARIO(nat, 39,
	     "nat module: ns per packet of a source-NATing router chain beside the router alone (flow cache off, BPF_PROG_TEST_RUN, XDP); live pps of that chain vs the kernel's forwarding with nftables masquerade (goal: 3x)",
	     scenario_nat)
