// SPDX-License-Identifier: GPL-2.0-only
/* Counts and drops the nfc-traffic frames of one run; passes all else. At
 * XDP, or at TC ingress where the frame's VLAN tag is known (match_vlan). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "traffic.h"

/* Frames are matched by ethertype, or when it is 0 by UDP port. */
const volatile __be16 match_ethertype;
const volatile __be16 match_udp_port;
const volatile __be32 match_run_id;
/* TC: the VLAN id of the frames counted, TRAFFIC_UNTAGGED for untagged
 * ones; the run's others count as other_vlan */
const volatile __u16 match_vlan = TRAFFIC_UNTAGGED;

/* Counters of matched frames, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct traffic_stats);
} stats SEC(".maps");

/* Lap in which each sequence number of the window was last seen. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, TRAFFIC_SEEN_PAGES);
	__type(key, __u32);
	__type(value, struct traffic_seen_page);
} seen SEC(".maps");

static __always_inline struct traffic_hdr *find_hdr(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end)
		return NULL;
	if (match_ethertype)
		return eth->h_proto == match_ethertype ? (void *)(eth + 1)
						       : NULL;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP ||
	    ip->ihl < 5 || ip->frag_off & bpf_htons(0x3fff)) /* a fragment */
		return NULL;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end || udp->dest != match_udp_port)
		return NULL;
	return (void *)(udp + 1);
}

/* One frame of the run: 1 when it is ours (counted), else 0. */
static __always_inline int count_one(void *data, void *end, int vlan_ok)
{
	struct traffic_hdr *th = find_hdr(data, end);
	struct traffic_seen_page *page;
	struct traffic_stats *st;
	__u32 key = 0;
	__u8 *lap;
	__u64 seq;

	if (!th || (void *)(th + 1) > end ||
	    th->magic != bpf_htonl(TRAFFIC_MAGIC) || th->run_id != match_run_id)
		return 0;
	seq = bpf_be64_to_cpu(th->seq);
	st = bpf_map_lookup_elem(&stats, &key);
	key = (seq / TRAFFIC_SEEN_PAGE) % TRAFFIC_SEEN_PAGES;
	page = bpf_map_lookup_elem(&seen, &key);
	if (!st || !page)
		return 1;
	if (!vlan_ok) {
		st->other_vlan++;
		return 1;
	}
	st->received++;
	lap = &page->lap[seq % TRAFFIC_SEEN_PAGE];
	if (*lap == traffic_lap(seq))
		st->duplicates++;
	else if (seq < st->next_seq)
		st->out_of_order++;
	*lap = traffic_lap(seq);
	if (seq >= st->next_seq)
		st->next_seq = seq + 1;
	return 1;
}

SEC("xdp")
int count_frames(struct xdp_md *ctx)
{
	return count_one((void *)(long)ctx->data, (void *)(long)ctx->data_end,
			 1) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int count_frames_tc(struct __sk_buff *skb)
{
	__u16 vlan = skb->vlan_present ? skb->vlan_tci & 0xfff :
					 TRAFFIC_UNTAGGED;

	return count_one((void *)(long)skb->data, (void *)(long)skb->data_end,
			 vlan == match_vlan) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
