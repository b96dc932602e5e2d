// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * router: what a packet costs the router module (nf/router) as its routing
 * table grows, IPv4 and IPv6, under BPF_PROG_TEST_RUN at XDP.
 *
 * Each variant is a chain of one router node with the flow cache off
 * (`flow_cache: false`), so that every frame is routed as a flow's first
 * frame is: the root, conntrack, the router (its policies, the longest
 * prefix of its routes, a next hop and its neighbour) and the executor
 * (MAC rewrite, TTL decrement, redirect). Its routes are the lpm scenario's
 * generated tables (lpm_tables.c) of 1k to 1M prefixes, loaded at once
 * (nfc_table__load(), `nfctl nf ... routes load`), every prefix to the same
 * next hop; the frames' destinations (NFB_FLOWS of them) are drawn inside
 * random prefixes of the table, so every frame is routed (checked: each
 * comes back XDP_REDIRECT). Variants:
 *   xdp-v4-N, xdp-v6-N  the router chain with N routes: ns per packet,
 *                       x_1k (its ratio to the same family's 1k table),
 *                       route_ns (less the 1-nop chain's cost);
 *   xdp-nop-v4, -v6     a chain of one nop node, the flow cache off too:
 *                       what the chain costs around the router.
 * The goal: the first packet at 1M routes <= 2x its cost at 1k
 * (goal_x, goal_met on the 1M variants). All figures are interleaved round
 * by round after an unmeasured pass, medians of NFB_ROUNDS.
 *
 * Then live frames (forwarder.h; 4096 UDP flows to 10.77.0.2, addressed to
 * host side a's MAC as to a router's) with the same IPv4 table of 1k (and,
 * in full runs, 1M) routes plus 10.77.0.0/24: the router chain at XDP
 * (the flow cache on, as users run it), variant live-xdp-N, against the
 * kernel's own IP forwarding in nfbench's namespace with the same routes
 * (`ip -batch`), live-kernel-N, and a bare XDP redirect (live-bare-xdp-N:
 * no lookup, no rewrite; the most any XDP forwarder delivers on this bed):
 * delivered pps, x_kernel, and the goal of 3x the kernel's
 * (goal_x, goal_met, on live-xdp-N).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include "nfbench.h"
#include "lpm_tables.h"
#include "live.h"
#include "forwarder.h"

#define RT_GOAL_X 2.0
#define RT_NEXTHOP 1
#define RT_MAX_FIGS 12
#define RT_LIVE_GOAL_X 3.0
#define RT_LIVE_FLOWS 4096
#define RT_LIVE_FRAME 64

static const __u32 full_sizes[] = { 1000, 10000, 100000, 1000000 };
static const __u32 quick_sizes[] = { 1000, 1000000 };

struct rfig {
	char name[32];
	int family;
	__u32 routes;            /* 0: the nop chain */
	int fd, held;
	__u8 dst[NFB_FLOWS][16]; /* the frames' destinations */
	double med;
};

/* What the frame function makes: @cur's frames, one after another. */
static const struct rfig *cur;
static __u32 cur_next;

static void rt_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct ethhdr *eth = (void *)buf;
	const __u8 *dst = cur->dst[cur_next++ % NFB_FLOWS];
	struct udphdr *udp;
	size_t l3;

	memset(buf, 0, len);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\xfe", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	if (cur->family == AF_INET) {
		struct iphdr *ip = (void *)(eth + 1);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 255; /* the repeats decrement it (nfbench.c) */
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(len - sizeof(*eth));
		ip->saddr = htonl(0xc0000201); /* 192.0.2.1 */
		memcpy(&ip->daddr, dst, 4);
		l3 = sizeof(*ip);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->hop_limit = 255;
		ip6->nexthdr = IPPROTO_UDP;
		ip6->payload_len = htons(len - sizeof(*eth) - sizeof(*ip6));
		inet_pton(AF_INET6, "2001:db8::1", &ip6->saddr);
		memcpy(&ip6->daddr, dst, 16);
		l3 = sizeof(*ip6);
	}
	udp = (void *)(buf + sizeof(*eth) + l3);
	udp->source = htons(1024 + (flow >> 16));
	udp->dest = htons(4000);
	udp->len = htons(len - sizeof(*eth) - l3);
	if (cur->family == AF_INET)
		nfb_ipv4_check((struct iphdr *)(eth + 1));
}

/* NFB_FLOWS destinations inside random prefixes of @t. */
static void pick_dsts(struct rfig *f, const struct lpm_table *t)
{
	__u32 alen = lpm_addr_size(t->family), i, b;
	__u64 s = t->family == AF_INET ? NFB_LPM_SEED4 : NFB_LPM_SEED6;
	const struct nfc_lpm_prefix *p;

	for (i = 0; i < NFB_FLOWS; i++) {
		p = &t->pfx[lpm_rnd(&s) % t->n];
		memcpy(f->dst[i], p->addr, alen);
		/* host bits at random */
		for (b = p->len; b < alen * 8; b++)
			if (lpm_rnd(&s) & 1)
				f->dst[i][b / 8] |= 0x80 >> (b % 8);
	}
}

/* The routes of @t for the router (`PREFIX 1`) at @ours; with @kernel,
 * the same for the kernel (`ip -batch` lines, via h2 out of host side
 * @dev) there, and 10.77.0.0/24, where the live frames go, in both. */
static int write_routes(const struct lpm_table *t, const char *ours,
			const char *kernel, const char *dev)
{
	char buf[INET6_ADDRSTRLEN + 8];
	FILE *o = fopen(ours, "w"), *k = kernel ? fopen(kernel, "w") : NULL;
	__u32 i;
	int r = 0;

	if (!o || (kernel && !k))
		r = -errno;
	for (i = 0; !r && i < t->n; i++) {
		nfc_lpm_prefix__str(&t->pfx[i], buf, sizeof(buf));
		fprintf(o, "%s %d\n", buf, RT_NEXTHOP);
		if (k)
			fprintf(k, "route replace %s via %s dev %s\n", buf,
				NFB_LIVE_DADDR, dev);
	}
	if (o) {
		if (k)
			fprintf(o, "10.77.0.0/24 %d\n", RT_NEXTHOP);
		if (fclose(o) && !r)
			r = -errno;
	}
	if (k && fclose(k) && !r)
		r = -errno;
	return r;
}

/* The router chain @name at XDP (skb mode) on a veth of its own name:
 * one next hop through a gateway whose neighbour is known. */
static int apply_router(struct bench *b, const char *name, struct nfc_err *err)
{
	char path[128];
	FILE *f;
	int r;

	r = nfb_chain_file(b, name, path, sizeof(path), &f, err);
	if (r)
		return r;
	fprintf(f, "chain: %s\nflow_cache: false\n"
		   "attach:\n  - {interface: %s, hook: xdp, mode: skb}\n"
		   "entry: rt\nnodes:\n  - name: rt\n    module: router\n"
		   "    config:\n      nexthops:\n"
		   "        - {id: %d, interface: %s, gateway: 10.255.255.1, gateway6: \"fd00:ffff::1\", smac: \"02:00:00:00:00:fe\"}\n"
		   "      neighbors:\n"
		   "        - {interface: %s, address: 10.255.255.1, mac: \"02:00:00:00:00:02\"}\n"
		   "      neighbors6:\n"
		   "        - {interface: %s, address: \"fd00:ffff::1\", mac: \"02:00:00:00:00:02\"}\n",
		name, name, RT_NEXTHOP, name, name, name);
	return nfb_chain_file_apply(b, f, path, err);
}

static int setup_table(struct bench *b, struct rfig *f, struct nfc_err *err)
{
	struct lpm_table t = {};
	char path[128];
	int r;

	fprintf(stderr, "nfbench: router: %s: %u routes\n", f->name, f->routes);
	r = lpm_table_gen(&t, f->family, f->routes, 0);
	if (r)
		return nfc_errf(err, r, "router: generating %u prefixes", f->routes);
	pick_dsts(f, &t);
	snprintf(path, sizeof(path), "%s/%s.routes", b->workdir, f->name);
	r = write_routes(&t, path, NULL, NULL);
	lpm_table_free(&t);
	if (r)
		return nfc_errf(err, r, "%s: %s", path, strerror(-r));
	r = apply_router(b, f->name, err);
	if (!r)
		r = nfc_table__load(b->h, f->name, "rt",
				    f->family == AF_INET ? "routes" : "routes6",
				    path, err);
	unlink(path);
	return r;
}

/* Every frame of @f routed (the nop chain: passed). */
static int check_verdicts(const struct rfig *f)
{
	__u32 want = f->routes ? XDP_REDIRECT : XDP_PASS, i;
	__u8 frame[64];

	cur = f;
	cur_next = 0;
	for (i = 0; i < NFB_FLOWS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = sizeof(frame), .repeat = 1);

		rt_frame(frame, sizeof(frame), i);
		if (bpf_prog_test_run_opts(f->fd, &o))
			return -errno;
		if (o.retval != want) {
			fprintf(stderr, "nfbench: router: %s: frame %u: XDP verdict %u, expected %u\n",
				f->name, i, o.retval, want);
			return -EPROTO;
		}
	}
	return 0;
}

static double run_fig(struct bench *b, const struct rfig *f)
{
	cur = f;
	cur_next = 0;
	return nfb_run_frames_ns(b, f->fd, rt_frame);
}

static double run_nth(struct bench *b, int i, void *figs)
{
	return run_fig(b, &((struct rfig *)figs)[i]);
}

static void emit(struct bench *b, struct rfig *figs, int n)
{
	const struct rfig *base, *one_k;
	json_object *p;
	int i, j;

	for (i = 0; i < n; i++) {
		struct rfig *f = &figs[i];

		p = json_object_new_object();
		json_object_object_add(p, "family", json_object_new_string(
			f->family == AF_INET ? "ipv4" : "ipv6"));
		json_object_object_add(p, "routes", json_object_new_int64(f->routes));
		json_object_object_add(p, "flow_cache", json_object_new_boolean(false));
		json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
		base = one_k = NULL;
		for (j = 0; j < n; j++) {
			if (figs[j].family != f->family)
				continue;
			if (!figs[j].routes)
				base = &figs[j];
			else if (figs[j].routes == 1000)
				one_k = &figs[j];
		}
		if (f->routes && base)
			json_object_object_add(p, "route_ns",
					       json_object_new_double(f->med - base->med));
		if (f->routes && one_k)
			json_object_object_add(p, "x_1k",
					       json_object_new_double(f->med / one_k->med));
		if (f->routes == 1000000 && one_k) {
			json_object_object_add(p, "goal_x", json_object_new_double(RT_GOAL_X));
			json_object_object_add(p, "goal_met", json_object_new_boolean(
				f->med <= RT_GOAL_X * one_k->med));
			fprintf(stderr, "nfbench: router: %s: %.1f ns, %.2fx the 1k table's (goal <= %.0fx: %s)\n",
				f->name, f->med, f->med / one_k->med, RT_GOAL_X,
				f->med <= RT_GOAL_X * one_k->med ? "met" : "missed");
		}
		nfb_emit(b, "router", f->name, "ns_per_packet", f->med, "ns", p);
	}
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (!system(cmd))
		return 0;
	fprintf(stderr, "nfbench: router: '%s' failed\n", cmd);
	return -ECHILD;
}

/* The kernel's side of the routed bed (nfb_fwd__routed_bed()) and the
 * routes; forwarding itself is switched on only while the kernel variant
 * runs. */
static int kernel_routes(struct nfb_live *l, const char *batch)
{
	return nfb_fwd__routed_bed(l, "router") ?:
	       sh("ip -force -batch %s", batch);
}

static int live_size(struct bench *b, __u32 n)
{
	char ours[128], kernel[128], name[3][32];
	double per_round = b->quick ? 0.25 : 1.0;
	struct lpm_table t = {};
	struct nfb_fwd_result res[3];
	struct nfb_fwd fwd[3];
	struct nfb_live *l;
	json_object *p;
	int i, r;

	NFC_OPTS(nfb_live_opts, lo, .flows = RT_LIVE_FLOWS,
		 .frame_len = RT_LIVE_FRAME, .routed = true);

	snprintf(name[0], sizeof(name[0]), "live-xdp-%u", n);
	snprintf(name[1], sizeof(name[1]), "live-kernel-%u", n);
	snprintf(name[2], sizeof(name[2]), "live-bare-xdp-%u", n);
	snprintf(ours, sizeof(ours), "%s/live-%u.routes", b->workdir, n);
	snprintf(kernel, sizeof(kernel), "%s/live-%u.batch", b->workdir, n);
	fwd[0] = (struct nfb_fwd){ .name = name[0], .kind = NFB_FWD_ROUTER_XDP,
				   .routes = ours };
	fwd[1] = (struct nfb_fwd){ .name = name[1], .kind = NFB_FWD_KERNEL };
	/* the ceiling: a redirect that reads nothing and rewrites nothing */
	fwd[2] = (struct nfb_fwd){ .name = name[2], .kind = NFB_FWD_BARE };
	r = lpm_table_gen(&t, AF_INET, n, 0);
	if (r)
		return r;
	r = nfb_live__create(&l, &lo);
	if (r) {
		lpm_table_free(&t);
		return r;
	}
	fprintf(stderr, "nfbench: router: live, %u routes\n", n);
	r = write_routes(&t, ours, kernel, nfb_live__host(l, 1));
	lpm_table_free(&t);
	if (!r)
		r = kernel_routes(l, kernel);
	if (!r)
		r = nfb_fwd__measure(b, l, "router", fwd, 3, per_round, res);
	for (i = 0; !r && i < 3; i++) {
		double x = res[i].pps / res[1].pps;

		p = nfb_fwd__params(&fwd[i], &res[i], RT_LIVE_FLOWS,
				    RT_LIVE_FRAME, per_round);
		json_object_object_add(p, "routes", json_object_new_int64(n + 1));
		if (i != 1)
			json_object_object_add(p, "x_kernel", json_object_new_double(x));
		if (i == 0) {
			json_object_object_add(p, "goal_x", json_object_new_double(RT_LIVE_GOAL_X));
			json_object_object_add(p, "goal_met",
					       json_object_new_boolean(x >= RT_LIVE_GOAL_X));
			fprintf(stderr, "nfbench: router: live, %u routes: %.2f Mpps, %.2fx the kernel's %.2f (goal >= %.0fx: %s); a bare redirect %.2fx\n",
				n, res[0].pps / 1e6, x, res[1].pps / 1e6,
				RT_LIVE_GOAL_X, x >= RT_LIVE_GOAL_X ? "met" : "missed",
				res[2].pps / res[1].pps);
		}
		nfb_emit(b, "router", fwd[i].name, "pps_delivered", res[i].pps,
			 "pps", p);
		if (res[i].run_ns)
			nfb_emit(b, "router", fwd[i].name, "live_ns_per_run",
				 res[i].run_ns, "ns",
				 nfb_fwd__params(&fwd[i], &res[i], RT_LIVE_FLOWS,
						 RT_LIVE_FRAME, per_round));
	}
	sh("sysctl -qw net.ipv4.ip_forward=0");
	nfb_live__destroy(l);
	unlink(ours);
	unlink(kernel);
	return r;
}

static int scenario_router(struct bench *b)
{
	const __u32 *sizes = b->quick ? quick_sizes : full_sizes;
	int nsizes = b->quick ? 2 : 4, n = 0, fam, i, r = 0;
	double med[RT_MAX_FIGS];
	struct rfig *figs = calloc(RT_MAX_FIGS, sizeof(*figs));
	struct nfc_err err = {};

	if (!figs)
		return -ENOMEM;
	for (fam = 0; fam < 2 && !r; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		struct rfig *f = &figs[n++];

		/* the 1-nop chain, its frames those of the smallest table */
		f->family = family;
		snprintf(f->name, sizeof(f->name), "xdp-nop-v%d", fam ? 6 : 4);
		r = nfb_apply_nops(b, f->name, 1, NFB_AT_XDP, false, &err);
		if (!r)
			r = (f->fd = nfb_chain_root(b, f->name, NFB_AT_XDP,
						    &f->held, &err)) < 0 ? f->fd : 0;
		for (i = 0; i < nsizes && !r; i++) {
			struct rfig *g = &figs[n++];

			g->family = family;
			g->routes = sizes[i];
			snprintf(g->name, sizeof(g->name), "xdp-v%d-%u", fam ? 6 : 4,
				 sizes[i]);
			r = setup_table(b, g, &err);
			if (!r)
				r = (g->fd = nfb_chain_root(b, g->name, NFB_AT_XDP,
							    &g->held, &err)) < 0
					    ? g->fd : 0;
			if (!r && i == 0)
				memcpy(f->dst, g->dst, sizeof(f->dst));
		}
	}
	if (r)
		nfb_print_err(&err);
	for (i = 0; i < n && !r; i++)
		r = check_verdicts(&figs[i]);
	if (!r)
		r = nfb_interleaved(b, n, run_nth, figs, med);
	if (!r) {
		for (i = 0; i < n; i++)
			figs[i].med = med[i];
		emit(b, figs, n);
	}
	for (i = 0; i < n; i++)
		nfb_chain_done(b, figs[i].name, figs[i].fd, figs[i].held);
	free(figs);
	if (!r)
		r = live_size(b, 1000);
	if (!r && !b->quick)
		r = live_size(b, 1000000);
	return r;
}

NFB_SCENARIO(router, 35,
	     "router module: ns per packet (flow cache off: every packet routed) at 1k, 10k, 100k, 1M IPv4 and IPv6 routes, beside a 1-nop chain (BPF_PROG_TEST_RUN, XDP; goal: 1M <= 2x 1k); live pps of the router chain vs the kernel's IP forwarding with the same 1k (and 1M) routes (goal: 3x)",
	     scenario_router)
