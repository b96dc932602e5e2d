// SPDX-License-Identifier: GPL-2.0-only
/*
 * The root program of one chain attachment: parses the packet once into the
 * per-CPU context and reads the chain's active version. A flow cache hit of
 * that version runs the executor inline (the fast path: the chain is
 * skipped); anything else is tracked by conntrack and enters hop 0 of the
 * version's block. Userspace sets chain_id (and vxlan_port) before load.
 *
 * The executor runs inline rather than through a tail call: nfbench's
 * `cache` scenario measured both (see bench/README.md).
 */
#include "exec.h"

/* TC: how much of a nonlinear skb is made linear when its headers are not */
#ifndef NFC_PULL_MAX
#define NFC_PULL_MAX 1024
#endif

const volatile __u32 chain_id = 0;
const volatile __u16 vxlan_port = 4789; /* 0: VXLAN is not looked into */

/*
 * One frame, as a global function: the verifier checks it once on its own
 * instead of once for every path into it, which the two layers of a VXLAN
 * packet would multiply beyond its limits. @ly->end is in (how far the frame
 * may reach) and out; @vxlan is the VXLAN port (network order) or 0.
 */
__noinline int nfc_root_frame(struct nfc_pkt *pkt, struct nfc_ctx *c,
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

/* Conntrack, as a global function for the same reason. */
__noinline int nfc_root_ct(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	struct nfc_ep_stats *ep;

	if (!c)
		return 0;
	nfc_ct_track(pkt, c);
	if (c->ct_flags & NFC_CTI_NEW) {
		ep = nfc_ep_get(c->key.ifindex);
		if (ep)
			ep->new_conns++;
	}
	return 0;
}

static __always_inline int nfc_root_parse_once(struct nfc_pkt *pkt,
					       struct nfc_ctx *c)
{
	struct nfc_layer ly = { .end = nfc_len(pkt) };
	int rc;

	nfc_parse_begin(pkt, c);
	rc = nfc_root_frame(pkt, c, 0, bpf_htons(vxlan_port), &ly);
	if (rc != NFC_PARSE_OK || !ly.inner)
		return rc;
	nfc_parse_enter_inner(c, &ly);
	return nfc_root_frame(pkt, c, ly.inner, 0, &ly);
}

static __always_inline int nfc_root_parse(struct nfc_pkt *pkt,
					  struct nfc_ctx *c)
{
	int rc = nfc_root_parse_once(pkt, c);

#if defined(NFC_HOOK_TC)
	/* Headers past the linear data: pull them in and try once more. */
	if (rc == NFC_PARSE_TRUNC &&
	    nfc_data_end(pkt) - nfc_data(pkt) < pkt->len) {
		__u32 len = pkt->len < NFC_PULL_MAX ? pkt->len : NFC_PULL_MAX;

		if (bpf_skb_pull_data(pkt, len))
			return NFC_PARSE_MALFORMED;
		rc = nfc_root_parse_once(pkt, c);
	}
#endif
	return rc;
}

SEC(NFC_SEC)
int nfc_root(struct nfc_pkt *pkt)
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
	/* one 8-byte load: block and version always belong together */
	active = *(volatile __u64 *)entry;
	block = NFC_ACTIVE_BLOCK(active);
	if (!block) {
		s = nfc_chain_stats_get(chain);
		if (s)
			s->no_version++;
		return NFC_RC_PASS;
	}

	c = nfc_ctx_get();
	if (!c) {
		s = nfc_chain_stats_get(chain);
		if (s) {
			s->packets++;
			s->bytes += nfc_len(pkt);
			s->verdict[NFC_V_DROP]++;
			s->drop[NFC_DROP_NO_CONTEXT]++;
		}
		return NFC_RC_DROP;
	}
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

	if (nfc_root_parse(pkt, c) != NFC_PARSE_OK)
		return nfc_drop(pkt, c, NFC_DROP_MALFORMED);
	ep = nfc_ep_get(c->key.ifindex);
	if (ep) {
		ep->in_packets++;
		ep->in_bytes += nfc_len(pkt);
	}

	f = nfc_flow_lookup(c);
	if (f && nfc_flow_hit(pkt, f)) {
		s = nfc_chain_stats_get(chain);
		if (s)
			s->cached++;
		c->act = f->act;
#ifdef NFC_ROOT_EXEC_TAILCALL
		/* the alternative nfbench measures against: a tail call */
		c->hop = NFC_HOP_FAST;
		bpf_tail_call(pkt, &NFC_PROGS, NFC_EXEC_SLOT);
		return nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
#else
		return nfc_exec_run(pkt, c, true);
#endif
	}

	c->act.key = c->key;
	c->act.verdict = NFC_V_PASS;
	nfc_root_ct(pkt, c);

	/* a block past the table would wrap base into another chain's */
	if (block >= NFC_MAX_BLOCKS)
		return nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
	bpf_tail_call(pkt, &NFC_PROGS, c->base);
	return nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
}

char LICENSE[] SEC("license") = "GPL";
