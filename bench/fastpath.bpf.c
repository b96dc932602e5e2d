// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastpath: the root's flow cache hit (nfc_root in bpf/root.bpf.c), step by
 * step, cut after step @upto, so that what each step costs shows as the
 * difference to the step before:
 *
 *   1 entry        the chain's active version, the per-CPU context
 *   2 parse        the packet parsed into the context
 *   3 ep-stats     the ingress endpoint's counters (a per-CPU hash)
 *   4 flow-lookup  the flow key and its lookup in nfc_flows (LRU hash)
 *   5 flow-hit     nfc_flow_hit(): the clock, nfc_config, the entry's
 *                  atomic counters
 *   6 chain-stats  the chain's cached counter, the action set copied
 *   7 exec         the executor inline: the whole fast path
 *
 * nfbench loads it with the runtime's pin root, so it reads the flow cache
 * entries the chain's real root made, and reports step 7 beside the real
 * root, which it must match. The steps are copied from nfc_root: keep them
 * in step with it.
 */
#include "exec.h"

#ifndef NFC_PULL_MAX
#define NFC_PULL_MAX 1024
#endif

enum {
	NFB_FP_ENTRY = 1,
	NFB_FP_PARSE,
	NFB_FP_EP,
	NFB_FP_LOOKUP,
	NFB_FP_HIT,
	NFB_FP_STATS,
	NFB_FP_EXEC,
};

const volatile __u32 chain_id = 0;
const volatile __u16 vxlan_port = 4789;
const volatile __u32 upto = NFB_FP_EXEC;

/* runs that found no usable entry: the figures are not the fast path's */
__u64 misses;

__noinline int nfb_fp_frame(struct nfc_pkt *pkt, struct nfc_ctx *c,
			    __u32 off, __u32 vxlan, struct nfc_layer *ly)
{
	struct nfc_parser ps;

	if (!c || !ly)
		return NFC_PARSE_MALFORMED;
	ps.data = nfc_data(pkt);
	ps.end = nfc_data_end(pkt);
	ps.len = ly->end;
	ps.vxlan_port = vxlan;
	ly->inner = 0;
	return nfc_parse_frame(&ps, c, off, ly);
}

static __always_inline int nfb_fp_parse_once(struct nfc_pkt *pkt,
					     struct nfc_ctx *c)
{
	struct nfc_layer ly = { .end = nfc_len(pkt) };
	int rc;

	nfc_parse_begin(pkt, c);
	rc = nfb_fp_frame(pkt, c, 0, bpf_htons(vxlan_port), &ly);
	if (rc != NFC_PARSE_OK || !ly.inner)
		return rc;
	nfc_parse_enter_inner(c, &ly);
	return nfb_fp_frame(pkt, c, ly.inner, 0, &ly);
}

static __always_inline int nfb_fp_parse(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	int rc = nfb_fp_parse_once(pkt, c);

#if defined(NFC_HOOK_TC)
	if (rc == NFC_PARSE_TRUNC &&
	    nfc_data_end(pkt) - nfc_data(pkt) < pkt->len) {
		__u32 len = pkt->len < NFC_PULL_MAX ? pkt->len : NFC_PULL_MAX;

		if (bpf_skb_pull_data(pkt, len))
			return NFC_PARSE_MALFORMED;
		rc = nfb_fp_parse_once(pkt, c);
	}
#endif
	return rc;
}

SEC(NFC_SEC)
int nfb_fastpath(struct nfc_pkt *pkt)
{
	__u32 chain = chain_id;
	struct nfc_chain_stats *s;
	struct nfc_ep_stats *ep;
	__u64 *entry, active;
	struct nfc_flow *f;
	struct nfc_ctx *c;
	__u32 block;

	entry = bpf_map_lookup_elem(&nfc_chains, &chain);
	if (!entry)
		return NFC_RC_PASS;
	active = *(volatile __u64 *)entry;
	block = NFC_ACTIVE_BLOCK(active);
	if (!block)
		return NFC_RC_PASS;
	c = nfc_ctx_get();
	if (!c)
		return NFC_RC_DROP;
	c->chain = chain;
	c->version = NFC_ACTIVE_VERSION(active);
	c->base = block * NFC_BLOCK_SIZE;
	c->hop = 0;
	c->nocache = NFC_ACTIVE_NOCACHE(active);
	c->ct_state = NFC_CT_NONE;
	c->ct_dir = NFC_CT_ORIG;
	c->ct_flags = 0;
	c->ct_handle = 0;
	__builtin_memset(&c->act, 0, sizeof(c->act));
	if (upto == NFB_FP_ENTRY)
		return NFC_RC_PASS;

	if (nfb_fp_parse(pkt, c) != NFC_PARSE_OK)
		return nfc_drop(pkt, c, NFC_DROP_MALFORMED);
	if (upto == NFB_FP_PARSE)
		return NFC_RC_PASS;

	ep = nfc_ep_get(c->key.ifindex);
	if (ep) {
		ep->in_packets++;
		ep->in_bytes += nfc_len(pkt);
	}
	if (upto == NFB_FP_EP)
		return NFC_RC_PASS;

	f = nfc_flow_lookup(c);
	if (!f) {
		misses++;
		return NFC_RC_PASS;
	}
	if (upto == NFB_FP_LOOKUP)
		return NFC_RC_PASS;

	if (!nfc_flow_hit(pkt, f)) {
		misses++;
		return NFC_RC_PASS;
	}
	if (upto == NFB_FP_HIT)
		return NFC_RC_PASS;

	s = nfc_chain_stats_get(chain);
	if (s)
		s->cached++;
	c->act = f->act;
	if (upto == NFB_FP_STATS)
		return NFC_RC_PASS;
	return nfc_exec_run(pkt, c, true);
}

char LICENSE[] SEC("license") = "GPL";
