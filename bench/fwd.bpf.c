// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bare XDP forwarders nfbench holds UltraNIO against:
 *
 *   nfb_fwd       every frame out of one interface, by bpf_redirect(), with
 *                 no parsing at all;
 *   nfb_fwd_flow  the least a forwarder with per-flow state does: the
 *                 frame's IPv4 5-tuple parsed, its flow found in a per-CPU
 *                 table (one slot per hash, compared whole, taken over on
 *                 a miss), counted, and redirected to the interface the
 *                 slot names.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 out_ifindex;

SEC("xdp")
int nfb_fwd(struct xdp_md *ctx)
{
	return bpf_redirect(out_ifindex, 0);
}

#define NFB_FLOW_SLOT_BITS 14

struct nfb_flow_slot {
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u32 in_proto;    /* ingress ifindex << 8 | IP protocol */
	__u32 out_ifindex;
	__u32 pad;
	__u64 packets, bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << NFB_FLOW_SLOT_BITS);
	__type(key, __u32);
	__type(value, struct nfb_flow_slot);
} flow_slots SEC(".maps");

SEC("xdp")
int nfb_fwd_flow(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	/* TCP's ports are where UDP's are */
	struct udphdr *l4 = (void *)(ip + 1);
	struct nfb_flow_slot *s;
	__u32 idx, in_proto;
	__u64 h;

	if ((void *)(l4 + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5)
		return XDP_PASS;
	in_proto = ctx->ingress_ifindex << 8 | ip->protocol;
	h = ((__u64)ip->saddr << 32 | ip->daddr) * 0x9e3779b97f4a7c15ULL ^
	    ((__u64)in_proto << 32 | (__u32)l4->source << 16 | l4->dest) *
		    0xc2b2ae3d27d4eb4fULL;
	idx = h >> (64 - NFB_FLOW_SLOT_BITS);
	s = bpf_map_lookup_elem(&flow_slots, &idx);
	if (!s)
		return XDP_ABORTED;
	if (s->saddr != ip->saddr || s->daddr != ip->daddr ||
	    s->sport != l4->source || s->dport != l4->dest ||
	    s->in_proto != in_proto) {
		s->saddr = ip->saddr;
		s->daddr = ip->daddr;
		s->sport = l4->source;
		s->dport = l4->dest;
		s->in_proto = in_proto;
		s->out_ifindex = out_ifindex;
		s->packets = 0;
		s->bytes = 0;
	}
	s->packets++;
	s->bytes += end - data;
	return bpf_redirect(s->out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
