/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The root program's steps, one function each: root.bpf.c runs them in
 * order, and nfbench's `cache-steps` (bench/fastpath.bpf.c) runs the same
 * functions cut after each one to show what each step costs. The object
 * that includes this is a root: it gets the rodata userspace sets before
 * load (chain_id, vxlan_port) and the parser's global functions.
 */
#ifndef NFC_ROOT_H
#define NFC_ROOT_H

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
 * Parsing the outer frame inline saved 4-5 ns per packet and made the
 * verifier walk 4-5 times as much of the root (72k -> 299k instructions at
 * XDP, 107k -> 490k at tc, half its limit): every apply slower, little room
 * left. Not kept.
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

/* Conntrack (the slow path), as a global function for the same reason. */
__noinline int nfc_root_ct(struct nfc_pkt *pkt)
{
	/* the context as a map value, not as an argument: kernels before
	 * 6.x take no argument memory as a map key (c->ct is one) */
	struct nfc_ctx *c = nfc_ctx_get();
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

/*
 * Step 1: the chain's active version (its block into *block) and the
 * per-CPU context, reset for a new packet but for its action set (see
 * nfc_root_act_init). NULL when the packet is not the chain's to handle:
 * *rc is then the hook's verdict (pass while the chain has no version yet).
 */
static __always_inline struct nfc_ctx *nfc_root_begin(struct nfc_pkt *pkt,
						      __u32 chain, int *rc,
						      __u32 *block_out)
{
	struct nfc_chain_stats *s;
	__u64 *entry, active;
	struct nfc_ctx *c;
	__u32 block;

	*rc = NFC_RC_PASS;
	entry = bpf_map_lookup_elem(&nfc_chains, &chain);
	if (!entry)
		return NULL;
	/* one 8-byte load: block and version always belong together */
	active = *(volatile __u64 *)entry;
	block = NFC_ACTIVE_BLOCK(active);
	if (!block) {
		s = nfc_chain_stats_get(chain);
		if (s)
			s->no_version++;
		return NULL;
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
		*rc = NFC_RC_DROP;
		return NULL;
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
	*block_out = block;
	return c;
}

/* The action set of a packet that runs the chain, or is dropped before it:
 * nothing decided yet. A flow cache hit takes its entry's instead, so the
 * fast path does not clear it first. */
static __always_inline void nfc_root_act_init(struct nfc_ctx *c)
{
	__builtin_memset(&c->act, 0, sizeof(c->act));
	c->act.key = c->key;
	c->act.verdict = NFC_V_PASS;
}

/* Step 3: the ingress endpoint counts what enters the chain. */
static __always_inline void nfc_root_count_in(struct nfc_pkt *pkt,
					      struct nfc_ctx *c)
{
	struct nfc_ep_stats *ep = nfc_ep_get(c->key.ifindex);

	if (ep) {
		ep->in_packets++;
		ep->in_bytes += nfc_len(pkt);
	}
}

/* Step 6: a hit's action set becomes the packet's, counted as cached. Its
 * key is read from the entry only when the chain rewrote it: else it is the
 * packet's, in the context already. */
static __always_inline void nfc_root_take(struct nfc_ctx *c,
					  const struct nfc_flow *f)
{
	struct nfc_chain_stats *s = nfc_chain_stats_get(c->chain);

	if (s)
		s->cached++;
	__builtin_memcpy(&c->act, &f->act,
			 __builtin_offsetof(struct nfc_action, key));
	if (f->act.flags & NFC_ACT_KEY)
		c->act.key = f->act.key;
	else
		c->act.key = c->key;
}

#endif /* NFC_ROOT_H */
