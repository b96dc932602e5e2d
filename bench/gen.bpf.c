// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen: the live-frames generator. BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs it once per frame of a UDP/IPv4 template;
 * it gives each frame the source address and port of one of @flows flows
 * and redirects it out of the interface in tx_port. Paced, it drops the
 * frames that come before their time instead.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* a power of two */
const volatile __u32 flows = 1;
/* first source address (host order) */
const volatile __u32 saddr_base;
/* ones' complement sum of the template's IP header, its 16-bit words in host
 * order, without saddr and check */
const volatile __u32 ip_sum;
/* the template's Ethernet addresses and TTL: written into every frame,
 * since the page pool hands back pages as a forwarder left them (a router
 * rewrote the MACs and the TTL) and live frames are filled from the
 * template only when a page is new */
const volatile __u8 dst_mac[ETH_ALEN];
const volatile __u8 src_mac[ETH_ALEN];
const volatile __u8 ttl = 64;

/* The generator runs on one CPU: plain updates are enough. */
__u64 sent;        /* frames redirected */
__u64 gap_ns;      /* set by userspace: paced, ns between frames; 0: not */
__u64 next_ns;     /* paced: when the next frame is due */

/* the interface frames go out of, at key 0 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int nfb_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 flow, saddr, i;
	__u64 now;

	if ((void *)(udp + 1) > end)
		return XDP_ABORTED;
	if (gap_ns) {
		now = bpf_ktime_get_ns();
		if (now < next_ns)
			return XDP_DROP;
		/* after a pause (between two test runs) no burst to catch up */
		next_ns = now - next_ns > 64 * gap_ns ? now + gap_ns
						      : next_ns + gap_ns;
	}
	/* byte by byte: a copy that casts the volatile away lets the
	 * compiler write the initialiser, zeros */
#pragma unroll
	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_dest[i] = dst_mac[i];
		eth->h_source[i] = src_mac[i];
	}
	ip->ttl = ttl;
	/* a multiplicative hash: consecutive frames belong to far-apart flows */
	flow = ((__u32)sent++ * 2654435761u) & (flows - 1);
	saddr = saddr_base + (flow >> 4);
	ip->saddr = bpf_htonl(saddr);
	ip->check = bpf_htons(csum_fold(ip_sum + (saddr >> 16) + (saddr & 0xffff)));
	/* UDP checksum 0: none, so the port needs no checksum update */
	udp->source = bpf_htons(1024 + (flow & 0xf));
	return bpf_redirect_map(&tx_port, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
