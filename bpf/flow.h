/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow cache: the chain's result per flow. After a packet ran its
 * chain, the executor stores the action set with the flow key (the parsed
 * key without TCP flags, zone = chain id) and the chain version that made
 * it, under the key's 64-bit digest (nfc_flow_id). The root looks every
 * packet up; a hit of the active version and the same key whose packet is
 * no TCP SYN, FIN or RST runs the executor alone. Anything else
 * takes the slow path: the chain, with conntrack in front of it.
 *
 * Not stored: flows an NF marked nfc_nocache(), IP fragments (a later
 * fragment has no ports, so its key is not the flow's), ICMP errors,
 * packets with SYN, FIN or RST (conntrack must see them), drops other than
 * a decision (policy, no route: malformed or failed packets say nothing
 * about their flow), and everything of a chain whose descriptor says
 * `flow_cache: false`.
 *
 * An entry refreshes its connection's last-seen time in conntrack at most
 * every nfc_config.flow_refresh_ms, so a connection whose packets all take
 * the fast path does not time out there.
 */
#ifndef NFC_FLOW_H
#define NFC_FLOW_H

#include "maps.h"
#include "ct.h"

/* One per CPU: a flow entry is too big for the stack of the executor. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfc_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_flow_scratch SEC(".maps");

#define NFC_TCP_SLOW (NFC_TCP_SYN | NFC_TCP_FIN | NFC_TCP_RST)

/* The flow key of the packet in @c, into @fk; its map key returned. */
static __always_inline __u64 nfc_flow_key(struct nfc_key *fk,
					  const struct nfc_ctx *c)
{
	*fk = c->key;
	fk->tcp_flags = 0;
	fk->zone = c->chain;
	return nfc_flow_id(fk);
}

/*
 * Packets that never take the fast path, whatever is cached: TCP SYN, FIN
 * and RST (conntrack must see them), ICMP errors (one key stands for every
 * error of a type between two hosts, related to a connection or not) and IP
 * fragments (a later fragment has no ports: its key is not its flow's).
 */
static __always_inline bool nfc_flow_slow_only(const struct nfc_key *k)
{
	if (k->flags & NFC_KEY_F_FRAG)
		return true;
	if (k->proto == IPPROTO_TCP)
		return k->tcp_flags & NFC_TCP_SLOW;
	if ((k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) &&
	    (k->flags & NFC_KEY_F_L4))
		return nfc_icmp_is_error(k->l3, *(__u8 *)&k->dport);
	return false;
}

/* Whether the result of the chain for this packet may serve its flow. */
static __always_inline bool nfc_flow_cacheable(const struct nfc_ctx *c)
{
	const struct nfc_key *k = &c->key;

	if (c->nocache || (c->act.flags & NFC_ACT_NOCACHE))
		return false;
	if (nfc_flow_slow_only(k))
		return false;
	if (c->act.verdict == NFC_V_DROP)
		return c->act.reason == NFC_DROP_POLICY ||
		       c->act.reason == NFC_DROP_NO_ROUTE;
	return true;
}

/* After the chain: store its result for the packet's flow. An entry of an
 * older version is replaced, its counters carried on (a hit of the same
 * flow on another CPU in between loses its increment: a flow stays on one
 * CPU under RSS, and stores are rare). */
static __always_inline void nfc_flow_store(struct nfc_pkt *pkt,
					   struct nfc_ctx *c)
{
	struct nfc_chain_stats *s;
	struct nfc_flow *f, *old;
	__u32 zero = 0;
	__u64 now, id;

	if (!nfc_flow_cacheable(c))
		return;
	f = bpf_map_lookup_elem(&nfc_flow_scratch, &zero);
	if (!f)
		return;
	id = nfc_flow_key(&f->key, c);
	now = nfc_now();
	old = bpf_map_lookup_elem(&nfc_flows, &id);
	/* another flow of the same digest loses its entry to this one */
	if (old && nfc_key_eq(&old->key, &f->key)) {
		f->created_ns = old->created_ns;
		f->packets = old->packets + 1;
		f->bytes = old->bytes + nfc_len(pkt);
	} else {
		f->created_ns = now;
		f->packets = 1;
		f->bytes = nfc_len(pkt);
	}
	f->version = c->version;
	f->pad = 0;
	f->last_ns = now;
	f->ct_seen_ns = now;
	f->ct_handle = c->ct_handle;
	if (c->ct_state != NFC_CT_NONE)
		f->ct = c->ct;
	else
		__builtin_memset(&f->ct, 0, sizeof(f->ct));
	f->act = c->act;
	f->pad2 = 0;
	if (bpf_map_update_elem(&nfc_flows, &id, f, BPF_ANY))
		return;
	s = nfc_chain_stats_get(c->chain);
	if (s)
		s->flows++;
}

/* The flow cache's entry for the packet in @c, of any version, or NULL. */
static __always_inline struct nfc_flow *nfc_flow_lookup(struct nfc_ctx *c)
{
	struct nfc_flow *f;
	struct nfc_key fk;
	__u64 id;

	if (c->nocache)
		return NULL;
	id = nfc_flow_key(&fk, c);
	f = bpf_map_lookup_elem(&nfc_flows, &id);
	if (f && !nfc_key_eq(&f->key, &fk))
		return NULL;
	return f;
}

/* Whether entry @f may serve the packet in @c: the fast path. */
static __always_inline bool nfc_flow_usable(const struct nfc_ctx *c,
					    const struct nfc_flow *f)
{
	return f->version == c->version && !nfc_flow_slow_only(&c->key);
}

/*
 * On the slow path, after conntrack: an entry made for another connection
 * of the same 5-tuple (the port reused, the old connection closed or timed
 * out) must not serve the new one, not even for the second it would take
 * nfc_flow_hit() to notice: the new connection's handshake removes it, the
 * SYN the originator's entry, the SYN-ACK the other side's.
 */
static __always_inline void nfc_flow_forget_stale(struct nfc_ctx *c,
						  const struct nfc_flow *f)
{
	struct nfc_key fk;
	__u64 id;

	if (!f || !f->ct.l3 || c->ct_state == NFC_CT_NONE ||
	    f->ct_handle == c->ct_handle)
		return;
	id = nfc_flow_key(&fk, c);
	bpf_map_delete_elem(&nfc_flows, &id);
}

/*
 * A hit: count it and keep its connection alive in conntrack. False when
 * the connection is no longer the one the result was made for (aged out,
 * flushed, evicted, reopened): the packet takes the slow path, where
 * conntrack picks it up again.
 */
static __always_inline bool nfc_flow_hit(struct nfc_pkt *pkt,
					 struct nfc_flow *f)
{
	__u64 now = nfc_now(), every;
	struct nfc_config *cfg;
	struct nfc_ct *e;
	__u32 zero = 0;

	if (f->ct_handle) {
		cfg = bpf_map_lookup_elem(&nfc_config, &zero);
		every = cfg && cfg->flow_refresh_ms ? cfg->flow_refresh_ms :
						      NFC_FLOW_REFRESH_MS;
		if (now - f->ct_seen_ns >= every * 1000000ULL) {
			e = bpf_map_lookup_elem(&nfc_ct, &f->ct);
			/* gone, another connection now, or dead: a packet
			 * after its timeout opens a new one (the slow path) */
			if (!e || e->handle != f->ct_handle ||
			    (__s64)(now - e->last_ns) >
				    (__s64)nfc_ct_timeout(f->ct.proto, e->state))
				return false;
			f->ct_seen_ns = now;
			if (now > e->last_ns)
				e->last_ns = now;
		}
	}
	/* plain increments, not atomic ones (10 ns less per packet here): a
	 * flow's packets come in on one CPU at a time (one RSS queue, one
	 * sending CPU), and two CPUs hitting one entry at the same instant lose
	 * at most an increment of its counters, never a packet */
	f->packets++;
	f->bytes += nfc_len(pkt);
	f->last_ns = now;
	return true;
}

#endif /* NFC_FLOW_H */
