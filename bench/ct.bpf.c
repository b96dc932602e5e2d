// SPDX-License-Identifier: GPL-2.0-only
/*
 * ct: conntrack (bpf/ct.h) on its own. Each run of the program walks
 * @walk flows (ct_flows.h) in a bpf_loop, and for each makes its key in
 * the per-CPU context, as the root's parser would, and calls
 * nfc_ct_track(), as the root does on the slow path: no packet is parsed,
 * no chain runs. Flow number k of a run: @first + (@cursor + k), or with
 * @spread n, @first + (@cursor + k) * NFB_CT_PERMUTE mod n, which visits
 * the flows [0, n) in an order unrelated to the order they were inserted
 * in. @cursor moves on by @walk each run.
 *
 * nfbench loads it with no map pinned (its nfc_ct is its own, sized
 * before load) and counts what the walks found in @opened and @found.
 */
#include "nfc.h"
#include "ct.h"
#include "ct_flows.h"

/* set by userspace between runs */
__u32 mode;
__u32 walk;
__u32 first;
__u32 spread;
__u32 cursor;

/* connections the walks opened, and found established */
__u64 opened;
__u64 found;

struct nfb_ct_walk {
	struct nfc_pkt *pkt;
	__u32 cursor;
};

static int nfb_ct_one(__u32 i, void *data)
{
	struct nfb_ct_walk *w = data;
	struct nfc_ctx *c = nfc_ctx_get();
	struct nfc_key *k;
	__u64 n = w->cursor + i;

	if (!c)
		return 1;
	if (spread)
		n = n * NFB_CT_PERMUTE % spread;
	n += first;
	k = &c->key;
	__builtin_memset(k, 0, sizeof(*k));
	k->ifindex = 1;
	k->ethertype = bpf_htons(ETH_P_IP);
	k->l3 = NFC_L3_IPV4;
	k->proto = IPPROTO_TCP;
	k->tcp_flags = mode == NFB_CT_SYN ? NFC_TCP_SYN : NFC_TCP_ACK;
	k->flags = NFC_KEY_F_L4;
	k->saddr.v4 = bpf_htonl(NFB_CT_SADDR + (__u32)n);
	k->daddr.v4 = bpf_htonl(NFB_CT_DADDR);
	k->sport = bpf_htons(NFB_CT_SPORT);
	k->dport = bpf_htons(NFB_CT_DPORT);
	if (mode == NFB_CT_WALK)
		return 0;
	nfc_ct_track(w->pkt, c);
	if (c->ct_flags & NFC_CTI_NEW)
		opened++;
	else if (c->ct_state == NFC_CT_ESTABLISHED)
		found++;
	return 0;
}

SEC("xdp")
int nfb_ct(struct xdp_md *ctx)
{
	struct nfb_ct_walk w = { .pkt = ctx, .cursor = cursor };

	bpf_loop(walk, nfb_ct_one, &w, 0);
	cursor += walk;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
