// SPDX-License-Identifier: GPL-2.0-only
/*
 * The root program of one chain attachment: the express lane first (a flow
 * slot's hit whose rewrites are the lane's own, NFC_ACT_LANE, served from
 * the headers alone); else it
 * parses the packet once into the per-CPU context and reads the chain's
 * active version. A flow cache hit of that version runs the executor inline
 * (the fast path: the chain is skipped); anything else is tracked by
 * conntrack and enters hop 0 of the version's block. Userspace sets
 * chain_id (and vxlan_port) before load.
 *
 * The executor runs inline rather than through a tail call: nfbench's
 * `cache` scenario measured both (see bench/README.md).
 */
#include "root.h"

SEC(NFC_SEC)
int nfc_root(struct nfc_pkt *pkt)
{
	struct nfc_flow *f;
	struct nfc_ctx *c;
	__u32 block;
	int rc;

#ifndef NFC_ROOT_EXEC_TAILCALL
	/* nfbench's tail-calling root measures the executor's call alone */
	if (nfc_root_express(pkt, chain_id, &rc))
		return rc;
#endif
	c = nfc_root_begin(pkt, chain_id, &rc, &block);
	if (!c)
		return rc;
	rc = nfc_root_parse(pkt, c);
	if (rc != NFC_PARSE_OK) {
		nfc_root_count_in(pkt, c);
		nfc_root_act_init(c);
		return nfc_drop(pkt, c, NFC_DROP_MALFORMED);
	}

	/* the fast path: the chain's result for this flow */
	if (nfc_root_fast(pkt, c, &rc, &f))
		return rc;

	/* the slow path: conntrack, then the chain */
	nfc_root_act_init(c);
	nfc_root_ct(pkt);
	if (c->key.flags & NFC_KEY_F_FRAG)
		nfc_root_frag();
	nfc_flow_forget_stale(c, f);
	/* a block past the table would wrap base into another chain's */
	if (block >= NFC_MAX_BLOCKS)
		return nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
	bpf_tail_call(pkt, &NFC_PROGS, c->base);
	return nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
}

char LICENSE[] SEC("license") = "GPL";
