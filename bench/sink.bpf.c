// SPDX-License-Identifier: GPL-2.0-only
/*
 * sink: counts and drops the generator's frames where the live traffic
 * ends (UDP to port @port, bare or as the inner frame of VXLAN to port
 * 4789: a forwarder that encapsulates); passes everything else.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* network order */
const volatile __be16 port;

/* frames counted, per CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} received SEC(".maps");

SEC("xdp")
int nfb_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 key = 0;
	__u64 *n;

	/* the generator's frames have no IP options, nor have the outer
	 * headers VXLAN puts on them */
	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if (udp->dest == bpf_htons(4789)) {
		/* VXLAN (8 bytes), then the frame */
		eth = (void *)(udp + 1) + 8;
		ip = (void *)(eth + 1);
		udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > end ||
		    eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
		    ip->protocol != IPPROTO_UDP)
			return XDP_PASS;
	}
	if (udp->dest != port)
		return XDP_PASS;
	n = bpf_map_lookup_elem(&received, &key);
	if (n)
		(*n)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
