/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The API a network function is written against. An NF is one function over
 * the packet's context declared with NFC_NF(); it reads the flow key, records
 * its decision in the action set with the nfc_set_*() helpers and returns an
 * outcome. NFC_NF() counts the hop and leaves through nfc_next(), the only
 * way from one NF to the next: NFs never name each other.
 */
#ifndef NFC_H
#define NFC_H

#include <bpf/bpf_endian.h>
#include "hook.h"
#include "maps.h"

/* What this object was built against; the runtime reads it before load and
 * refuses an object built for another ABI or other limits. */
const volatile struct nfc_abi nfc_abi = NFC_ABI_INIT;

static __always_inline struct nfc_ctx *nfc_ctx_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&NFC_SCRATCH, &zero);
}

static __always_inline struct nfc_chain_stats *nfc_chain_stats_get(__u32 chain)
{
	return bpf_map_lookup_elem(&nfc_chain_stats, &chain);
}

static __always_inline void nfc_event(struct nfc_ctx *c, __u32 type)
{
	struct nfc_event *e;

	e = bpf_ringbuf_reserve(&nfc_events, sizeof(*e), 0);
	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->chain = c->chain;
	e->version = c->version;
	e->policy = c->act.policy;
	e->hop = c->hop;
	e->verdict = c->act.verdict;
	e->reason = c->act.reason;
	e->pad = 0;
	e->key = c->key;
	e->pad2 = 0;
	bpf_ringbuf_submit(e, 0);
}

/* Drop now, counted under its reason and reported on the event ring. */
static __always_inline int nfc_drop(struct nfc_pkt *pkt, struct nfc_ctx *c,
				    __u32 reason)
{
	struct nfc_chain_stats *s = nfc_chain_stats_get(c->chain);

	c->act.verdict = NFC_V_DROP;
	c->act.reason = reason;
	if (s) {
		s->packets++;
		s->bytes += nfc_len(pkt);
		s->verdict[NFC_V_DROP]++;
		if (reason < NFC_DROP_MAX)
			s->drop[reason]++;
	}
	nfc_event(c, NFC_EV_DROP);
	return NFC_RC_DROP;
}

/*
 * Leave the current hop with @outcome: tail-call the next hop of the same
 * block, or the executor at the end of the chain. A tail call that fails
 * (empty slot, wrong program type, too many calls) is a counted drop.
 */
static __always_inline int nfc_next(struct nfc_pkt *pkt, struct nfc_ctx *c,
				    __u32 outcome)
{
	__u32 slot = c->base + c->hop;
	struct nfc_node_stats *ns;
	struct nfc_hop *h;
	__u8 next;

	h = bpf_map_lookup_elem(&nfc_hops, &slot);
	if (!h)
		return nfc_drop(pkt, c, NFC_DROP_BAD_HOP);
	ns = bpf_map_lookup_elem(&nfc_node_stats, &h->counter);
	if (ns) {
		ns->packets++;
		ns->bytes += nfc_len(pkt);
		if (outcome < NFC_MAX_OUTCOMES)
			ns->outcome[outcome]++;
	}
	if (outcome >= NFC_MAX_OUTCOMES)
		return nfc_drop(pkt, c, NFC_DROP_BAD_HOP);
	next = h->next[outcome];
	if (next < NFC_MAX_HOPS) {
		c->hop = next;
		bpf_tail_call(pkt, &NFC_PROGS, c->base + next);
		return nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
	}
	if (next == NFC_NEXT_DROP) {
		c->act.verdict = NFC_V_DROP;
		if (c->act.reason == NFC_DROP_NONE)
			c->act.reason = NFC_DROP_POLICY;
	} else if (next != NFC_NEXT_PASS) {
		return nfc_drop(pkt, c, NFC_DROP_BAD_HOP);
	}
	bpf_tail_call(pkt, &NFC_PROGS, NFC_EXEC_SLOT);
	return nfc_drop(pkt, c, NFC_DROP_MISSED_TAIL_CALL);
}

/*
 * Declare a network function:
 *
 *	NFC_NF(macrouter)(struct nfc_pkt *pkt, struct nfc_ctx *c)
 *	{
 *		...
 *		return NFC_PASS;
 *	}
 */
#define NFC_NF(name)                                                          \
	static __always_inline int name##_run(struct nfc_pkt *pkt,            \
					      struct nfc_ctx *c);             \
	SEC(NFC_SEC) int nfc_nf_##name(struct nfc_pkt *pkt)                   \
	{                                                                     \
		struct nfc_ctx *c = nfc_ctx_get();                            \
                                                                              \
		if (!c)                                                       \
			return NFC_RC_DROP;                                   \
		return nfc_next(pkt, c, name##_run(pkt, c));                  \
	}                                                                     \
	static __always_inline int name##_run

/* Action-set helpers: each records a change for the executor to apply. */

static __always_inline void nfc_redirect(struct nfc_ctx *c, __u32 ifindex)
{
	c->act.out_ifindex = ifindex;
	c->act.verdict = NFC_V_REDIRECT;
}

static __always_inline void nfc_tx(struct nfc_ctx *c)
{
	c->act.verdict = NFC_V_TX;
}

/* Record why the packet is denied; the NF then returns NFC_DENY. */
static __always_inline int nfc_deny(struct nfc_ctx *c, __u32 reason,
				    __u32 policy)
{
	c->act.reason = reason;
	c->act.policy = policy;
	return NFC_DENY;
}

static __always_inline void nfc_set_dmac(struct nfc_ctx *c, const __u8 *mac)
{
	__builtin_memcpy(c->act.key.dmac, mac, 6);
	c->act.flags |= NFC_ACT_DMAC;
}

static __always_inline void nfc_set_smac(struct nfc_ctx *c, const __u8 *mac)
{
	__builtin_memcpy(c->act.key.smac, mac, 6);
	c->act.flags |= NFC_ACT_SMAC;
}

/* Addresses are copied whole (16 bytes); for IPv4 only .v4 is used. */
static __always_inline void nfc_set_saddr(struct nfc_ctx *c,
					  const union nfc_addr *a)
{
	c->act.key.saddr = *a;
	c->act.flags |= NFC_ACT_SADDR;
}

static __always_inline void nfc_set_daddr(struct nfc_ctx *c,
					  const union nfc_addr *a)
{
	c->act.key.daddr = *a;
	c->act.flags |= NFC_ACT_DADDR;
}

static __always_inline void nfc_set_sport(struct nfc_ctx *c, __be16 port)
{
	c->act.key.sport = port;
	c->act.flags |= NFC_ACT_SPORT;
}

static __always_inline void nfc_set_dport(struct nfc_ctx *c, __be16 port)
{
	c->act.key.dport = port;
	c->act.flags |= NFC_ACT_DPORT;
}

static __always_inline void nfc_ttl_dec(struct nfc_ctx *c)
{
	c->act.flags |= NFC_ACT_TTL_DEC;
}

#endif /* NFC_H */
