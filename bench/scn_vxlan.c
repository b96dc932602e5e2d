// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * vxlan: what VXLAN encap and decap cost through the vpc module
 * (nf/vpc), under BPF_PROG_TEST_RUN at XDP, and how many packets a vpc
 * chain encapsulates live beside the kernel's own VXLAN device.
 *
 * Chains of one vpc node, each on a veth of its own:
 *   xdp-encap   the veth an endpoint port of VPC 100 (its attachment's
 *               tenant): UDP from 10.64.0.1 to 10.77.0.2, an endpoint
 *               behind a remote VTEP, encapsulated (outer Ethernet, IPv4,
 *               UDP, VXLAN) and redirected;
 *   xdp-decap   the veth the underlay: VXLAN of VPC 100 from that VTEP
 *               around the same frames, decapsulated for 10.77.0.2, an
 *               endpoint here, and redirected;
 *   xdp-nop     a chain of one nop node (the frames of xdp-encap): what
 *               the chain costs around the module;
 * each with the flow cache on (as users run it: the executor's encap or
 * decap on a cache hit) and off (-first: every packet a flow's first, the
 * vpc node's lookups too). Figures: ns per packet and, less the nop
 * chain's of the same cache mode, vxlan_ns. Each run is a test run call
 * of its own (nfb_run_frames_once_ns(): XDP's repeats would encapsulate
 * their own output), so every figure holds the test run's clock reads
 * around one run; vxlan_ns cancels them. Every frame is checked first:
 * XDP_REDIRECT, and its length grown or shrunk by the 50 bytes of VXLAN.
 * All interleaved round by round after an unmeasured pass, medians of
 * NFB_ROUNDS.
 *
 * Live (forwarder.h, a routed bed: 4096 UDP flows from 256 sources in
 * 10.64.0.0/16 to 10.77.0.2, addressed to host side a): a vpc chain at XDP
 * that encapsulates them to the VTEP at h2 out of host side b
 * (live-vpc-xdp), the kernel routing them into a VXLAN device with that
 * VTEP as its remote (live-kernel-vxlan), and a bare XDP redirect
 * (live-bare-xdp: the ceiling of this bed); h2 counts the frames, bare or
 * inside VXLAN. Delivered pps, x_kernel, and the goal of 3x the
 * kernel's (goal_x, goal_met on live-vpc-xdp). Decap is not measured live:
 * the generator sends no VXLAN.
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

#define VX_FRAME 64  /* the inner frame: 64 bytes, as every other scenario's */
#define VX_OVERHEAD 50
#define VX_LIVE_GOAL_X 3.0
#define VX_LIVE_FLOWS 4096
#define VX_VNI 100

enum vx_kind { VX_NOP, VX_ENCAP, VX_DECAP };

struct vfig {
	char name[32];
	enum vx_kind kind;
	bool cache;
	int fd, held;
	double med;
};

/* An IPv4 header without options for UDP from @saddr to @daddr (host
 * order), @len bytes from it on, its checksum made. */
static void ipv4_udp(struct iphdr *ip, __u32 saddr, __u32 daddr, size_t len)
{
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(len);
	ip->saddr = htonl(saddr);
	ip->daddr = htonl(daddr);
	nfb_ipv4_check(ip);
}

/* UDP/IPv4 from 10.64.0.1 to 10.77.0.2 of @len bytes at @buf, to the
 * gateway's MAC; its ports from @flow. */
static void inner_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(buf, 0, len);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\xfe", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ipv4_udp(ip, 0x0a400001, 0x0a4d0002, len - sizeof(*eth));
	udp->source = htons(1024 + (flow & 0x3fff));
	udp->dest = htons(4000 + (flow >> 28));
	udp->len = htons(len - sizeof(*eth) - sizeof(*ip));
}

static void plain_frame(__u8 *buf, size_t len, __u32 flow)
{
	inner_frame(buf, len, flow);
}

/* The same frame inside VXLAN of VPC VX_VNI from 192.168.255.2 to
 * 192.168.255.1: @len is the whole. */
static void vxlan_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u8 *vx = (void *)(udp + 1);

	inner_frame(buf + VX_OVERHEAD, len - VX_OVERHEAD, flow);
	memset(buf, 0, VX_OVERHEAD);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x0a\x01", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x0b\x01", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ipv4_udp(ip, 0xc0a8ff02, 0xc0a8ff01, len - sizeof(*eth));
	udp->source = htons(49152 + (flow & 0x3fff));
	udp->dest = htons(4789);
	udp->len = htons(len - sizeof(*eth) - sizeof(*ip));
	vx[0] = 0x08;
	vx[4] = VX_VNI >> 16;
	vx[5] = (VX_VNI >> 8) & 0xff;
	vx[6] = VX_VNI & 0xff;
}

static nfb_frame_fn frame_fn(const struct vfig *f)
{
	return f->kind == VX_DECAP ? vxlan_frame : plain_frame;
}

static size_t frame_len(const struct vfig *f)
{
	return f->kind == VX_DECAP ? VX_FRAME + VX_OVERHEAD : VX_FRAME;
}

/* The vpc chain of @f on a veth of its own name (XDP, skb mode). */
static int apply_vpc(struct bench *b, const struct vfig *f,
		     struct nfc_err *err)
{
	bool encap = f->kind == VX_ENCAP;
	char path[128], here[64], there[64];
	FILE *file;
	int r;

	r = nfb_chain_file(b, f->name, path, sizeof(path), &file, err);
	if (r)
		return r;
	/* BPF_PROG_TEST_RUN's frames come in on lo: the source's port */
	snprintf(here, sizeof(here), "interface: %.31s",
		 encap ? "lo" : f->name);
	snprintf(there, sizeof(there), "vtep: 192.168.255.2");
	fprintf(file, "chain: %s\n%sattach:\n"
		      "  - {interface: %s, hook: xdp, mode: skb%s}\n"
		      "entry: vpc\nnodes:\n  - name: vpc\n    module: vpc\n"
		      "    config:\n      vtep: 192.168.255.1\n"
		      "      mac: \"02:00:00:00:00:fe\"\n"
		      "      vpcs:\n        - {vni: %d}\n"
		      "      vteps:\n"
		      "        - {address: 192.168.255.2, interface: %s, mac: \"02:00:00:00:0b:01\", smac: \"02:00:00:00:0a:01\"}\n"
		      "      endpoints:\n"
		      "        - {vni: %d, address: 10.64.0.1, %s, mac: \"02:00:00:00:00:01\"}\n"
		      "        - {vni: %d, address: 10.77.0.2, %s, mac: \"02:00:00:00:00:02\"}\n",
		f->name, f->cache ? "" : "flow_cache: false\n", f->name,
		encap ? ", tenant: 100" : "", VX_VNI,
		/* decap: the VTEP's VXLAN comes in where its entry says */
		encap ? f->name : "lo", VX_VNI,
		encap ? here : there, VX_VNI, encap ? there : here);
	return nfb_chain_file_apply(b, file, path, err);
}

static int setup_fig(struct bench *b, struct vfig *f, struct nfc_err *err)
{
	int r;

	if (f->kind == VX_NOP)
		r = nfb_apply_nops(b, f->name, 1, NFB_AT_XDP, f->cache, err);
	else
		r = apply_vpc(b, f, err);
	if (r)
		return r;
	f->fd = nfb_chain_root(b, f->name, NFB_AT_XDP, &f->held, err);
	return f->fd < 0 ? f->fd : 0;
}

/* Every frame of @f redirected (the nop chain: passed), 50 bytes longer
 * (encap) or shorter (decap). */
static int check_frames(const struct vfig *f)
{
	__u32 want = f->kind == VX_NOP ? XDP_PASS : XDP_REDIRECT, i;
	size_t len = frame_len(f), out_len = len;
	__u8 in[NFB_FRAME_MAX], out[NFB_FRAME_MAX];

	if (f->kind == VX_ENCAP)
		out_len += VX_OVERHEAD;
	else if (f->kind == VX_DECAP)
		out_len -= VX_OVERHEAD;
	for (i = 0; i < NFB_FLOWS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
			    .data_size_in = len, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		frame_fn(f)(in, len, i * 2654435761u);
		if (bpf_prog_test_run_opts(f->fd, &o))
			return -errno;
		if (o.retval != want || o.data_size_out != out_len) {
			fprintf(stderr, "nfbench: vxlan: %s: frame %u: XDP verdict %u, %u bytes; expected %u, %zu\n",
				f->name, i, o.retval, o.data_size_out, want,
				out_len);
			return -EPROTO;
		}
	}
	return 0;
}

static double run_fig(struct bench *b, const struct vfig *f)
{
	return nfb_run_frames_once_ns(b, f->fd, frame_fn(f), frame_len(f));
}

static double run_nth(struct bench *b, int i, void *figs)
{
	return run_fig(b, &((struct vfig *)figs)[i]);
}

static void emit(struct bench *b, const struct vfig *figs, int n)
{
	const struct vfig *base;
	json_object *p;
	int i, j;

	for (i = 0; i < n; i++) {
		const struct vfig *f = &figs[i];

		p = json_object_new_object();
		json_object_object_add(p, "flow_cache",
				       json_object_new_boolean(f->cache));
		json_object_object_add(p, "frame_bytes",
				       json_object_new_int64(frame_len(f)));
		json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
		base = NULL;
		for (j = 0; j < n; j++)
			if (figs[j].kind == VX_NOP && figs[j].cache == f->cache)
				base = &figs[j];
		if (f->kind != VX_NOP && base)
			json_object_object_add(p, "vxlan_ns",
					       json_object_new_double(f->med - base->med));
		nfb_emit(b, "vxlan", f->name, "ns_per_packet", f->med, "ns", p);
	}
}

static int sh(const char *cmd)
{
	if (!system(cmd))
		return 0;
	fprintf(stderr, "nfbench: vxlan: '%s' failed\n", cmd);
	return -ECHILD;
}

static int live(struct bench *b)
{
	double per_round = b->quick ? 0.25 : 1.0;
	struct nfb_fwd_result res[3];
	struct nfb_fwd fwd[3] = {
		{ .name = "live-vpc-xdp", .kind = NFB_FWD_VPC_XDP },
		{ .name = "live-kernel-vxlan", .kind = NFB_FWD_KERNEL_VXLAN },
		/* the ceiling: a redirect that reads nothing, writes nothing */
		{ .name = "live-bare-xdp", .kind = NFB_FWD_BARE },
	};
	struct nfb_live *l;
	json_object *p;
	char cmd[256];
	int i, r;

	NFC_OPTS(nfb_live_opts, lo, .flows = VX_LIVE_FLOWS,
		 .frame_len = VX_FRAME, .routed = true);

	r = nfb_live__create(&l, &lo);
	if (r)
		return r;
	fprintf(stderr, "nfbench: vxlan: live\n");
	/* the kernel forwards what comes in on a from 10.64.0.0/16 */
	snprintf(cmd, sizeof(cmd),
		 "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
		 "ip addr add 10.64.255.254/16 dev %s", nfb_live__host(l, 0));
	r = sh(cmd);
	if (!r)
		r = nfb_fwd__measure(b, l, "vxlan", fwd, 3, per_round, res);
	for (i = 0; !r && i < 3; i++) {
		double x = res[i].pps / res[1].pps;

		p = nfb_fwd__params(&fwd[i], &res[i], VX_LIVE_FLOWS, VX_FRAME,
				    per_round);
		if (i != 1)
			json_object_object_add(p, "x_kernel", json_object_new_double(x));
		if (i == 0) {
			json_object_object_add(p, "goal_x", json_object_new_double(VX_LIVE_GOAL_X));
			json_object_object_add(p, "goal_met",
					       json_object_new_boolean(x >= VX_LIVE_GOAL_X));
			fprintf(stderr, "nfbench: vxlan: live encap: %.2f Mpps, %.2fx the kernel's VXLAN device's %.2f (goal >= %.0fx: %s); a bare redirect %.2fx\n",
				res[0].pps / 1e6, x, res[1].pps / 1e6,
				VX_LIVE_GOAL_X, x >= VX_LIVE_GOAL_X ? "met" : "missed",
				res[2].pps / res[1].pps);
		}
		nfb_emit(b, "vxlan", fwd[i].name, "pps_delivered", res[i].pps,
			 "pps", p);
		if (res[i].run_ns)
			nfb_emit(b, "vxlan", fwd[i].name, "live_ns_per_run",
				 res[i].run_ns, "ns",
				 nfb_fwd__params(&fwd[i], &res[i], VX_LIVE_FLOWS,
						 VX_FRAME, per_round));
	}
	nfb_live__destroy(l);
	return r;
}

static int scenario_vxlan(struct bench *b)
{
	static const struct {
		const char *name;
		enum vx_kind kind;
		bool cache;
	} spec[] = {
		{ "xdp-nop", VX_NOP, true },
		{ "xdp-encap", VX_ENCAP, true },
		{ "xdp-decap", VX_DECAP, true },
		{ "xdp-nop-first", VX_NOP, false },
		{ "xdp-encap-first", VX_ENCAP, false },
		{ "xdp-decap-first", VX_DECAP, false },
	};
	const int n = sizeof(spec) / sizeof(spec[0]);
	struct vfig figs[sizeof(spec) / sizeof(spec[0])] = {};
	struct nfc_err err = {};
	double med[sizeof(spec) / sizeof(spec[0])];
	int i, r = 0;

	for (i = 0; i < n && !r; i++) {
		snprintf(figs[i].name, sizeof(figs[i].name), "%s", spec[i].name);
		figs[i].kind = spec[i].kind;
		figs[i].cache = spec[i].cache;
		r = setup_fig(b, &figs[i], &err);
	}
	if (r)
		nfb_print_err(&err);
	for (i = 0; i < n && !r; i++)
		r = check_frames(&figs[i]);
	if (!r)
		r = nfb_interleaved(b, n, run_nth, figs, med);
	if (!r) {
		for (i = 0; i < n; i++)
			figs[i].med = med[i];
		emit(b, figs, n);
	}
	for (i = 0; i < n; i++)
		nfb_chain_done(b, figs[i].name, figs[i].fd, figs[i].held);
	if (!r)
		r = live(b);
	return r;
}

NFB_SCENARIO(vxlan, 37,
	     "VXLAN through the vpc module: encap and decap ns per packet, flow cache on and off, beside a 1-nop chain (BPF_PROG_TEST_RUN, XDP); live pps of a vpc chain encapsulating vs the kernel routing into a VXLAN device (goal: 3x)",
	     scenario_vxlan)
