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

/*
 * The datapath's clock: CLOCK_MONOTONIC_COARSE, good to a scheduler tick
 * (1-10 ms), which is all ages, timeouts and rate windows need, and about
 * 30 ns cheaper per call than bpf_ktime_get_ns() here (nfbench
 * cache-steps). Userspace compares it with CLOCK_MONOTONIC.
 */
static __always_inline __u64 nfc_now(void)
{
	return bpf_ktime_get_coarse_ns();
}

static __always_inline struct nfc_ctx *nfc_ctx_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&NFC_SCRATCH, &zero);
}

static __always_inline struct nfc_chain_stats *nfc_chain_stats_get(__u32 chain)
{
	return bpf_map_lookup_elem(&nfc_chain_stats, &chain);
}

static __always_inline struct nfc_ev_stats *nfc_ev_stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nfc_ev_stats, &zero);
}

/* An event about the packet in flight onto the ring; counted as lost when
 * the ring is full. */
static __always_inline void nfc_event(struct nfc_ctx *c, __u32 type,
				      __u32 suppressed)
{
	struct nfc_ev_stats *es;
	struct nfc_event *e;

	e = bpf_ringbuf_reserve(&nfc_events, sizeof(*e), 0);
	if (!e) {
		es = nfc_ev_stats_get();
		if (es)
			es->lost++;
		return;
	}
	e->ts_ns = nfc_now();
	e->type = type;
	e->chain = c->chain;
	e->version = c->version;
	e->policy = c->act.policy;
	e->node = c->act.policy_node;
	e->out_ifindex = c->act.out_ifindex;
	e->suppressed = suppressed;
	e->hop = c->hop;
	e->verdict = c->act.verdict;
	e->reason = c->act.reason;
	e->ct_state = c->ct_state;
	e->ct_dir = c->ct_dir;
	e->ct_flags = c->ct_flags;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	e->ct_handle = c->ct_handle;
	e->key = c->key;
	e->out = c->act.key;
	bpf_ringbuf_submit(e, 0);
}

/*
 * A drop event, at most nfc_config.drop_events_per_sec per second per CPU
 * and reason: a flood must not make the ring the bottleneck. What is left
 * out is counted (nfc_ev_stats.suppressed) and the next event of that
 * reason says how many it follows.
 */
static __always_inline void nfc_drop_event(struct nfc_ctx *c, __u32 reason)
{
	struct nfc_ev_limit *l = bpf_map_lookup_elem(&nfc_ev_limit, &reason);
	__u32 zero = 0, rate = 0, sup;
	struct nfc_config *cfg;
	struct nfc_ev_stats *es;
	__u64 now;

	if (!l)
		return;
	now = nfc_now();
	if (now - l->window_ns >= 1000000000ULL) {
		l->window_ns = now;
		l->sent = 0;
	}
	cfg = bpf_map_lookup_elem(&nfc_config, &zero);
	if (cfg)
		rate = cfg->drop_events_per_sec;
	if (!rate)
		rate = NFC_DROP_EVENTS_PER_SEC;
	if (l->sent >= rate) {
		l->suppressed++;
		es = nfc_ev_stats_get();
		if (es && reason < NFC_DROP_MAX)
			es->suppressed[reason]++;
		return;
	}
	l->sent++;
	sup = l->suppressed;
	l->suppressed = 0;
	nfc_event(c, NFC_EV_DROP, sup);
}

/* Zeroed counters to create entries from (read-only data, not stack). */
static const struct nfc_ep_stats nfc_ep_zero;

/* The counters of endpoint (interface) @ifindex, created on first use. */
static __always_inline struct nfc_ep_stats *nfc_ep_get(__u32 ifindex)
{
	struct nfc_ep_stats *s = bpf_map_lookup_elem(&nfc_ep_stats, &ifindex);

	if (s)
		return s;
	bpf_map_update_elem(&nfc_ep_stats, &ifindex, &nfc_ep_zero,
			    BPF_NOEXIST);
	return bpf_map_lookup_elem(&nfc_ep_stats, &ifindex);
}

/*
 * Counting, for a packet as it passes and for the hits a flow slot kept
 * (nfc_flow_slot_fold): @packets of @bytes with @verdict in chain @chain's
 * counters (@cached of them flow cache hits), in and out of endpoints @in
 * and @out (0: none), for the rule that decided them.
 */
static __always_inline void nfc_count_chain(__u32 chain, __u8 verdict,
					    __u64 packets, __u64 bytes,
					    __u64 cached)
{
	struct nfc_chain_stats *s = nfc_chain_stats_get(chain);
	__u32 v = verdict;

	if (!s)
		return;
	s->packets += packets;
	s->bytes += bytes;
	/* the mask, kept from the compiler (which may know @verdict better
	 * than the verifier and drop it): verifiers lose the bounds of an
	 * index merged from the callers' constants */
	barrier_var(v);
	s->verdict[v & (NFC_V_MAX - 1)] += packets;
	s->cached += cached;
}

static __always_inline void nfc_count_ep(__u32 in, __u32 out, __u64 packets,
					 __u64 bytes)
{
	struct nfc_ep_stats *ep;

	if (in) {
		ep = nfc_ep_get(in);
		if (ep) {
			ep->in_packets += packets;
			ep->in_bytes += bytes;
		}
	}
	if (out) {
		ep = nfc_ep_get(out);
		if (ep) {
			ep->out_packets += packets;
			ep->out_bytes += bytes;
		}
	}
}

/* A rule's counters: every packet it decided, cached ones included. */
static __always_inline void nfc_count_rule(__u32 policy, __u32 node,
					   __u64 packets, __u64 bytes)
{
	struct nfc_rule_key k = { .node = node, .policy = policy };
	struct nfc_rule_stats *r, one = { packets, bytes };

	r = bpf_map_lookup_elem(&nfc_rule_stats, &k);
	if (r) {
		r->packets += packets;
		r->bytes += bytes;
	} else {
		bpf_map_update_elem(&nfc_rule_stats, &k, &one, BPF_NOEXIST);
	}
}

/* A drop of @len bytes for @reason counted (chain and endpoint) and
 * reported on the event ring. Not inlined: a program has a drop at every
 * check, and each inlined copy's map lookups were instructions the
 * kernel patches one by one at load (a root's load time grew with their
 * number times its size). */
static __noinline void nfc_drop_count(struct nfc_ctx *c, __u32 len,
				      __u32 reason)
{
	struct nfc_chain_stats *s = nfc_chain_stats_get(c->chain);
	struct nfc_ep_stats *ep = nfc_ep_get(c->key.ifindex);

	/* the checks below kept from the compiler, which knows the callers'
	 * reasons: the verifier, seeing the function once, does not */
	barrier_var(reason);
	if (s) {
		s->packets++;
		s->bytes += len;
		s->verdict[NFC_V_DROP]++;
		if (reason < NFC_DROP_MAX)
			s->drop[reason]++;
	}
	if (ep && reason < NFC_DROP_MAX)
		ep->drop[reason]++;
	nfc_drop_event(c, reason);
}

/* Drop now, counted under its reason (chain and endpoint) and reported on
 * the event ring. */
static __always_inline int nfc_drop(struct nfc_pkt *pkt, struct nfc_ctx *c,
				    __u32 reason)
{
	c->act.verdict = NFC_V_DROP;
	c->act.reason = reason;
	nfc_drop_count(c, nfc_len(pkt), reason);
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

/* Send out of every port of flood domain @domain of this chain but the
 * ingress (NFC_FLOOD_DOMAINS). A flood is never cached: the executor
 * runs the chain again for the flow's next packet. */
static __always_inline void nfc_flood(struct nfc_ctx *c, __u32 domain)
{
	c->act.out_ifindex = domain;
	c->act.verdict = NFC_V_FLOOD;
}

/*
 * Decisions. A rule that decides records its id (non-zero, unique in the
 * instance; the manifest's `policies` table names it): the executor
 * reports the decision once per connection and counts the rule's packets,
 * cached ones included.
 */

/* Allowed by rule @policy; the NF then returns its pass outcome. */
static __always_inline int nfc_allow(struct nfc_ctx *c, __u32 policy)
{
	c->act.policy = policy;
	c->act.policy_hop = c->hop;
	c->act.flags &= ~(NFC_ACT_DENIED | NFC_ACT_QUIET);
	return NFC_PASS;
}

/* Denied for @reason, by rule @policy (0: by no rule); returns NFC_DENY. */
static __always_inline int nfc_deny(struct nfc_ctx *c, __u32 reason,
				    __u32 policy)
{
	c->act.reason = reason;
	c->act.policy = policy;
	c->act.policy_hop = c->hop;
	c->act.flags &= ~NFC_ACT_QUIET;
	c->act.flags |= NFC_ACT_DENIED;
	return NFC_DENY;
}

/* Counted for entry @id of this node (a route, non-zero, unique in the
 * instance): the packet and its flow's later ones, cached ones included,
 * under `nfctl stats rule`, with no decision reported. A rule's decision
 * (nfc_allow(), nfc_deny()) of an earlier node keeps its place; a later
 * node's takes this one's. */
static __always_inline void nfc_count_as(struct nfc_ctx *c, __u32 id)
{
	if (c->act.policy && !(c->act.flags & NFC_ACT_QUIET))
		return;
	c->act.policy = id;
	c->act.policy_hop = c->hop;
	c->act.flags &= ~NFC_ACT_DENIED;
	c->act.flags |= NFC_ACT_QUIET;
}

/* This flow's result depends on the kernel's neighbours or routes
 * (bpf_fib_lookup()): nfmgrd then makes the cached flows misses when
 * those change. Written once, not on every packet. */
static __always_inline void nfc_asks_kernel(void)
{
	__u32 zero = 0, *v = bpf_map_lookup_elem(&nfc_kernel_asked, &zero);

	if (v && !*v)
		*v = 1;
}

/* This flow's result must not be cached: it depends on more than the flow
 * key (payload, time, a counter). Every packet of it runs the chain. */
static __always_inline void nfc_nocache(struct nfc_ctx *c)
{
	c->act.flags |= NFC_ACT_NOCACHE;
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

/* The frame leaves tagged with VLAN @vid (1..4094) in an 802.1Q tag, or
 * untagged when @vid is 0. A tag it came with keeps its priority. (Its
 * flow key's tag is its outermost: the rest of its tags stay.) */
static __always_inline void nfc_set_vlan(struct nfc_ctx *c, __u16 vid)
{
	struct nfc_key *k = &c->act.key;
	__u16 tci = vid;

	if (k->flags & NFC_KEY_F_VLAN0)
		tci |= bpf_ntohs(k->vlan[0]) & 0xf000;
	if (!vid) {
		k->flags &= ~NFC_KEY_F_VLAN0;
		k->vlan[0] = 0;
	} else {
		k->flags |= NFC_KEY_F_VLAN0;
		k->vlan[0] = bpf_htons(tci);
	}
	/* a frame left as it came needs no work */
	if (((k->flags ^ c->key.flags) & NFC_KEY_F_VLAN0) ||
	    k->vlan[0] != c->key.vlan[0])
		c->act.flags |= NFC_ACT_VLAN;
	else
		c->act.flags &= ~NFC_ACT_VLAN;
}

/* Answer the ARP request in flight for its address with @mac: the frame
 * becomes the reply and goes back out of the port it came in on. */
static __always_inline void nfc_arp_reply(struct nfc_ctx *c, const __u8 *mac)
{
	nfc_set_dmac(c, c->key.smac);
	nfc_set_smac(c, mac);
	c->act.flags |= NFC_ACT_ARP_REPLY;
	c->act.verdict = NFC_V_TX;
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

/* Answer the IPv6 neighbour solicitation in flight for @target with @mac:
 * the frame becomes the advertisement and goes back out of the port it
 * came in on. The caller checked that it is a solicitation from an
 * address (not ::) with its source link-layer address option; the answer
 * depends on the target in its payload, so it is not cached. */
static __always_inline void nfc_nd_reply(struct nfc_ctx *c,
					 const union nfc_addr *target,
					 const __u8 *mac)
{
	nfc_set_dmac(c, c->key.smac);
	nfc_set_smac(c, mac);
	nfc_set_daddr(c, &c->key.saddr);
	nfc_set_saddr(c, target);
	c->act.flags |= NFC_ACT_ND_REPLY | NFC_ACT_NOCACHE;
	c->act.verdict = NFC_V_TX;
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

/* The ICMP error in flight (IPv4) quotes a packet that must read
 * @saddr:@sport -> @daddr:@dport once out (struct nfc_quote: an echo's
 * identifier is a port): a NAT's translation of an error about a
 * connection it translates. Errors are never cached. */
static __always_inline void nfc_set_quote(struct nfc_ctx *c, __be32 saddr,
					  __be32 daddr, __be16 sport,
					  __be16 dport)
{
	__builtin_memset(&c->quote, 0, sizeof(c->quote));
	c->quote.saddr.v4 = saddr;
	c->quote.daddr.v4 = daddr;
	c->quote.sport = sport;
	c->quote.dport = dport;
	c->act.flags |= NFC_ACT_QUOTE | NFC_ACT_NOCACHE;
}

static __always_inline void nfc_ttl_dec(struct nfc_ctx *c)
{
	c->act.flags |= NFC_ACT_TTL_DEC;
}

/* The packet leaves as the inner frame of its VXLAN packet (the key's
 * frame): the executor takes the outer headers off. Only for a packet that
 * came in tunnelled (NFC_KEY_F_VXLAN) from VTEP @from (IPv4) to @to; the
 * flow cache decapsulates its flow's next packets only when they have the
 * same outer addresses (spoofed, vtep-mismatch otherwise). Rewrites then
 * apply to what is left. */
static __always_inline void nfc_decap(struct nfc_ctx *c, __be32 from,
				      __be32 to)
{
	c->act.tun.saddr = from;
	c->act.tun.daddr = to;
	c->act.flags |= NFC_ACT_DECAP;
}

/* A 64-bit mix (the finaliser of SplitMix64). */
static __always_inline __u64 nfc_mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A flow's hash: tenant, addresses, protocol and ports of key @k (ECMP
 * choices, tunnel source ports). */
static __always_inline __u64 nfc_flow_hash(const struct nfc_key *k)
{
	const __u64 *s = (const __u64 *)&k->saddr, *d = (const __u64 *)&k->daddr;
	__u64 h;

	h = nfc_mix64(s[0] ^ (__u64)k->tenant << 32 ^ k->proto);
	h = nfc_mix64(h ^ s[1]);
	h = nfc_mix64(h ^ d[0]);
	h = nfc_mix64(h ^ d[1]);
	return nfc_mix64(h ^ ((__u64)k->sport << 16 | k->dport));
}

/* UDP source ports of tunnels: from the flow's hash, in 49152-65535
 * (RFC 7348, 5), so that the underlay spreads the flows of two VTEPs */
#define NFC_VXLAN_SPORT_MIN 49152

/* The packet leaves inside VXLAN to @t's VTEP: the executor puts outer
 * Ethernet, IPv4, UDP and VXLAN headers on it (after any decap and the
 * rewrites of the frame itself). The UDP source port is the flow's, from
 * its hash (once: the flow cache keeps it). */
static __always_inline void nfc_encap(struct nfc_ctx *c,
				      const struct nfc_tunnel *t)
{
	c->act.tun = *t;
	c->act.tun.sport = bpf_htons(NFC_VXLAN_SPORT_MIN +
				     (__u16)(nfc_flow_hash(&c->act.key) %
					     (65536 - NFC_VXLAN_SPORT_MIN)));
	c->act.flags |= NFC_ACT_ENCAP;
}

/* nfc_encap() from this host's VTEP @local to VTEP @remote with VNI @vni
 * and UDP port @port, out of underlay interface @ifindex from MAC @smac to
 * @dmac (the remote VTEP's, or its gateway's): the way out of a module's
 * table of remote VTEPs. */
static __always_inline void nfc_encap_to(struct nfc_ctx *c, __be32 local,
					 __be32 remote, __u32 vni,
					 __be16 port, __u32 ifindex,
					 const __u8 *dmac, const __u8 *smac)
{
	struct nfc_tunnel t = {
		.saddr = local, .daddr = remote, .vni = vni, .port = port,
	};

	__builtin_memcpy(t.smac, smac, 6);
	__builtin_memcpy(t.dmac, dmac, 6);
	nfc_encap(c, &t);
	nfc_redirect(c, ifindex);
}

#endif /* NFC_H */
