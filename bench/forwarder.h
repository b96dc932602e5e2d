/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * What carries the live bed's frames (live.h) from host side a to host
 * side b, measured side by side: a chain of nop nodes and a macrouter (or
 * a switch) at XDP (native) or at tc-ingress, the kernel's bridge (no XDP), one bare
 * bpf_redirect() and nothing else, or the least a forwarder with per-flow
 * state does (bench/fwd.bpf.c); on a routed bed (frames addressed to host
 * side a), a router chain at XDP or the kernel's IP forwarding (each
 * with a source NAT in front, or nftables' masquerade), a vpc
 * chain at XDP that encapsulates them in VXLAN or the kernel's routing
 * into a VXLAN device. Each round sets up every forwarder
 * in turn (the order rotates), measures it and takes it down again, so
 * every one finds the host sides as they were.
 */
#ifndef NFBENCH_FORWARDER_H
#define NFBENCH_FORWARDER_H

#include <stdbool.h>
#include "nfbench.h"
#include "live.h"

enum nfb_fwd_kind {
	NFB_FWD_CHAIN_XDP,
	NFB_FWD_CHAIN_TC,
	NFB_FWD_BRIDGE,
	NFB_FWD_BARE,
	NFB_FWD_BARE_FLOW,
	NFB_FWD_ROUTER_XDP,     /* a chain of one router node (a routed bed) */
	NFB_FWD_KERNEL,         /* the kernel's IP forwarding (a routed bed) */
	NFB_FWD_VPC_XDP,        /* a chain of one vpc node: host side a an
				   endpoint's port, the frames encapsulated
				   to a VTEP behind b (a routed bed) */
	NFB_FWD_KERNEL_VXLAN,   /* the kernel routing them into a VXLAN
				   device to that VTEP (a routed bed) */
};

struct nfb_fwd {
	const char *name;       /* the variant's; a chain's name too */
	enum nfb_fwd_kind kind;
	int nops;               /* chains: nop nodes ahead of the macrouter */
	bool sw;                /* chains: a switch node (both host sides
				   ports of one bridge domain, h2's address
				   learned on b) instead of the macrouter */
	bool no_cache;          /* chains: `flow_cache: false` */
	/* routers: a file of `PREFIX VALUE` lines, every prefix to next hop
	 * 1 (out of host side b to h2), loaded into the router's routes;
	 * NULL: 10.77.0.0/24 alone, where the bed's frames go */
	const char *routes;
	/* routers: a nat node ahead of the router, h1's sources translated
	 * to host side b's address (FWD_NAT_ADDR) and ports; the kernel:
	 * nftables' masquerade out of b, which needs that address on b */
	bool nat;
	/* routers: a firewall node ahead of the router, 10.77.0.2 its
	 * endpoint (ingress default deny), its rules loaded from this file
	 * (`nfctl nf ... rules load` lines) */
	const char *fw_rules;
	/* the kernel: an nftables ruleset loaded from this file (`nft -f`),
	 * then from FILE.1, FILE.2, ... while there are, while it forwards;
	 * flushed after */
	const char *nft;
};
#define NFB_FWD_NAT_ADDR "10.77.0.1"

struct nfb_fwd_result {
	struct nfb_live_result round[NFB_ROUNDS];
	/* chains: what the chain's counters saw, totals over the rounds */
	__u64 chain_packets, chain_redirects, chain_cached;
	/* medians over the rounds */
	double pps, loss, offered;
	/* totals over the rounds */
	__u64 sent, received;
	/* ns per run of the program at host side a, from a round of its own
	 * with the kernel's run-time statistics on; 0 where none runs there
	 * (the bridge) */
	double run_ns;
};

static inline bool nfb_fwd_is_chain(const struct nfb_fwd *f)
{
	return f->kind == NFB_FWD_CHAIN_XDP || f->kind == NFB_FWD_CHAIN_TC ||
	       f->kind == NFB_FWD_ROUTER_XDP || f->kind == NFB_FWD_VPC_XDP;
}

/* Measures the @n forwarders @f, NFB_ROUNDS rounds of @seconds each, into
 * @res[n], then each once more for its program's run time. A chain that redirected nothing, or a forwarder that delivered
 * nothing, fails the measurement. @scn names the scenario in messages. */
int nfb_fwd__measure(struct bench *b, struct nfb_live *l, const char *scn,
		     const struct nfb_fwd *f, int n, double seconds,
		     struct nfb_fwd_result *res);
/* nfb_fwd__measure() on a bed of its own (live frames of @frame_len bytes
 * over @flows flows from h1 to h2), made and taken down around it. */
int nfb_fwd__live(struct bench *b, const char *scn, const struct nfb_fwd *f,
		  int n, __u32 flows, __u32 frame_len, double seconds,
		  struct nfb_fwd_result *res);
/* The kernel's side of a routed bed (live.h, opts.routed), in nfbench's
 * namespace: host side a on h1's sources' subnet, b on 10.77.0.0/24 with
 * NFB_FWD_NAT_ADDR, h2 (10.77.0.2) its neighbour, reverse-path filtering
 * off. Forwarding itself is on only while a kernel forwarder runs. */
int nfb_fwd__routed_bed(struct nfb_live *l, const char *scn);
/* What every figure of forwarder @f carries: frame size, flows, rounds,
 * frames sent and received, CPUs, and a chain's counters. */
json_object *nfb_fwd__params(const struct nfb_fwd *f,
			     const struct nfb_fwd_result *r, __u32 flows,
			     __u32 frame_len, double seconds);

#endif /* NFBENCH_FORWARDER_H */
