// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastpath: the root's flow cache hit (nfc_root in bpf/root.bpf.c), step by
 * step, cut after step @upto, so that what each step costs shows as the
 * difference to the step before:
 *
 *   1 entry        the chain's active version, the per-CPU context
 *   2 parse        the packet parsed into the context
 *   3 ep-stats     the ingress endpoint's counters (a per-CPU hash)
 *   4 flow-lookup  the flow key, its digest, its lookup in nfc_flows (LRU
 *                  hash) and the compare with the entry's key
 *   5 flow-hit     nfc_flow_hit(): the clock, the entry's counters
 *   6 chain-stats  the chain's cached counter, the action set copied
 *   7 exec         the executor inline: the whole fast path
 *
 * nfbench loads it with the runtime's pin root, so it reads the flow cache
 * entries the chain's real root made, and reports step 7 beside the real
 * root, which it must match. The steps are the root's own functions
 * (bpf/root.h); only the order and the cuts are written here.
 */
#include "root.h"

enum {
	NFB_FP_ENTRY = 1,
	NFB_FP_PARSE,
	NFB_FP_EP,
	NFB_FP_LOOKUP,
	NFB_FP_HIT,
	NFB_FP_STATS,
	NFB_FP_EXEC,
};

const volatile __u32 upto = NFB_FP_EXEC;

/* runs that found no usable entry: the figures are not the fast path's */
__u64 misses;

SEC(NFC_SEC)
int nfb_fastpath(struct nfc_pkt *pkt)
{
	struct nfc_flow *f;
	struct nfc_ctx *c;
	__u32 block;
	int rc;

	c = nfc_root_begin(pkt, chain_id, &rc, &block);
	if (!c || upto == NFB_FP_ENTRY)
		return NFC_RC_PASS;
	if (nfc_root_parse(pkt, c) != NFC_PARSE_OK) {
		nfc_root_act_init(c);
		return nfc_drop(pkt, c, NFC_DROP_MALFORMED);
	}
	if (upto == NFB_FP_PARSE)
		return NFC_RC_PASS;
	nfc_root_count_in(pkt, c);
	if (upto == NFB_FP_EP)
		return NFC_RC_PASS;
	f = nfc_flow_lookup(c);
	if (!f || !nfc_flow_usable(c, f)) {
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
	nfc_root_take(c, f);
	if (upto == NFB_FP_STATS)
		return NFC_RC_PASS;
	return nfc_exec_run(pkt, c, true);
}

char LICENSE[] SEC("license") = "GPL";
