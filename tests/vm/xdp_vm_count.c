// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * vm tier helper: an XDP program that counts IPv4 UDP packets per
 * destination port and passes everything on. Loaded with xdp-loader next
 * to xdp-filter to show that both run, in priority order, behind the libxdp
 * dispatcher (guest/xdp-dispatcher.sh).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} vm_udp_cnt SEC(".maps");

SEC("xdp")
int vm_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u32 port;
	__u64 *cnt;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	port = bpf_ntohs(udp->dest);
	cnt = bpf_map_lookup_elem(&vm_udp_cnt, &port);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
