/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * nfbench's live-traffic engine. A bed of two endpoint namespaces, h1 and
 * h2, each joined by a veth pair to the caller's namespace: h1's eth0 <->
 * host side a, host side b <-> h2's eth0. A live-frames generator
 * (BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES) sends UDP/IPv4 frames
 * of many flows from h1 to h2's MAC address out of h1's eth0; an XDP
 * program at h2's eth0 counts and drops them. What carries frames from a to
 * b is the scenario's business: it attaches its forwarder to the host sides
 * between measurements. The frames reach a as xdp_frames in a's NAPI: an
 * XDP program at a gets them as they are; for any other forwarder (tc, a
 * bridge) a's NAPI first builds an skb of each.
 *
 * The generator runs on CPU 0. With two CPUs or more, host side a's NAPI
 * runs in a real-time thread pinned to CPU 1, so everything the forwarder
 * does, at XDP or tc-ingress or in a bridge (and the counter at h2, which
 * runs where a's NAPI redirects to), is charged to that CPU alone and the
 * generator can offer more than it takes:
 * the way to measure how much a forwarder carries. A thread that idles
 * takes a while to wake up, though, and a paced run below capacity loses
 * frames while it does; @one_cpu runs a's NAPI in softirq context on the
 * generator's CPU after each batch instead, which loses nothing it could
 * carry: the way to count the frames a change to the forwarder loses.
 */
#ifndef NFBENCH_LIVE_H
#define NFBENCH_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct nfb_live;

struct nfb_live_opts {
	size_t sz;
	__u32 flows;         /* distinct flows, a power of two >= 16; 4096 */
	__u32 frame_len;     /* bytes without FCS, 60..1500; 64 */
	double rate;         /* frames per second offered; 0: all it can */
	bool one_cpu;        /* forwarding on the generator's CPU */
	bool routed;         /* frames to host side a's MAC, a router's, not
				to h2's (the forwarder rewrites it) */
};

struct nfb_live_result {
	__u64 sent;          /* frames the generator sent */
	__u64 received;      /* frames counted at h2 */
	double seconds;      /* how long the generator sent */
	double sent_pps;
	double pps;          /* delivered */
	double loss;         /* (sent - received) / sent */
	int gen_cpu;
	int dut_cpu;         /* -1: a's NAPI ran on the generator's CPU */
};

/* Creates the bed, with names unique to this process, in the caller's
 * network namespace. Returns 0 or -errno (a message on stderr). */
int nfb_live__create(struct nfb_live **out, const struct nfb_live_opts *opts);
/* Removes every namespace, interface and program of the bed. */
void nfb_live__destroy(struct nfb_live *l);

/* Host side 0 (a, toward h1) or 1 (b, toward h2): its name and ifindex in
 * the caller's namespace, and the MAC address ("02:...") of the endpoint
 * behind it. */
const char *nfb_live__host(const struct nfb_live *l, int side);
int nfb_live__host_ifindex(const struct nfb_live *l, int side);
const char *nfb_live__endpoint_mac(const struct nfb_live *l, int side);
/* The frames' destination and source: 10.77.0.2 (h2's, though h2 holds no
 * address), from 10.64.0.0/16. */
#define NFB_LIVE_DADDR "10.77.0.2"
#define NFB_LIVE_SNET "10.64.0.0/16"
#define NFB_LIVE_DPORT 5001 /* their UDP destination port */

/* Sends for @seconds and counts what arrived; blocks. */
int nfb_live__measure(struct nfb_live *l, double seconds,
		      struct nfb_live_result *res);
/* The same in the background: start, do something, stop. @seconds 0: until
 * stopped; stop waits for the test run under way (at most 0.25 s). */
int nfb_live__start(struct nfb_live *l, double seconds);
int nfb_live__stop(struct nfb_live *l, struct nfb_live_result *res);

#endif /* NFBENCH_LIVE_H */
