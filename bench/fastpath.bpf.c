// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastpath: the root's flow cache hit (nfc_root in bpf/root.bpf.c), step by
 * step, cut after step @upto, so that what each step costs shows as the
 * difference to the step before:
 *
 *   1 entry  the chain's active version, the per-CPU context
 *   2 parse  the packet parsed into the context
 *   3 slot   nfc_flow_slot_hit(): the flow key, its digest, this CPU's
 *            slot and the epoch, the compare with the slot's key, the clock
 *   4 take   the slot's action set copied into the context
 *   5 exec   the executor inline and the slot's counters: the whole fast
 *            path (nfc_root_fast())
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
	NFB_FP_SLOT,
	NFB_FP_TAKE,
	NFB_FP_EXEC,
};

const volatile __u32 upto = NFB_FP_EXEC;

/* runs that found neither a slot nor an entry serving them: the figures
 * are not the fast path's */
__u64 misses;

SEC(NFC_SEC)
int nfb_fastpath(struct nfc_pkt *pkt)
{
	struct nfc_flow_slot *s;
	struct nfc_flow *f;
	struct nfc_ctx *c;
	__u64 now;
	__u32 block, idx;
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
	if (upto == NFB_FP_EXEC) {
		if (!nfc_root_fast(pkt, c, &rc, &f))
			misses++;
		return rc;
	}
	s = nfc_flow_slot_hit(c, &now, &idx);
	if (!s) {
		/* the flow's first packet on this CPU (slots are per CPU, and
		 * the bench may move between CPUs): its entry fills the slot,
		 * as the root does */
		f = nfc_flow_lookup(c);
		if (f && nfc_flow_usable(c, f))
			nfc_flow_slot_fill(f, nfc_now());
		else
			misses++;
		return NFC_RC_PASS;
	}
	if (upto == NFB_FP_SLOT)
		return NFC_RC_PASS;
	nfc_root_take_slot(c, s, idx);
	return NFC_RC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
