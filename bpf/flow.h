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
 *
 * In front of the table, each CPU's flow slots (struct nfc_flow_slot): the
 * first hit of an entry on a CPU copies it into one of the flow's four
 * slots (two sets of two, nfc_flow_slot_ways(): the second set only where
 * the first serves other flows), and the flow's next packets there are
 * served by the slot
 * without the hash table: a per-CPU array lookup, a compare of the key and
 * a plain count in the slot. The slot folds its hits into the counters
 * they belong to (nfc_flow_slot_fold) when its refresh time comes, which
 * also refreshes the connection as an entry's hit would and finds out
 * whether the entry is still the flow's, and before it takes another flow.
 * What makes an entry stop serving makes its slots stop too: another
 * version (checked on every hit), a flush (the epoch), a new connection
 * of the 5-tuple (nfc_flow_slot_forget on every CPU), a dead connection or
 * a removed entry (found at the next fold, within flow_refresh_ms).
 * Measured with nfbench cache-steps: a slot hit is 11 ns of a 28 ns fast
 * path, where the entry's lookup, its counters and the endpoint's were
 * 34 of 58. A slot keeps the key in six words and what only some flows
 * need (IPv6 addresses, a rewritten key) beside it (struct nfc_slot_key,
 * struct nfc_flow_slot_ext): the live cost of a hit is its cache misses.
 * The root's express lane (bpf/root.h) serves the hits of slots whose
 * rewrites it makes itself (NFC_ACT_LANE) before the rest of the root
 * runs; these functions are the regular way's, and its compare
 * (nfc_flow_slot_holds) the lane's too.
 */
#ifndef NFC_FLOW_H
#define NFC_FLOW_H

#include "nfc.h"
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

/* Bound of the walk over CPUs (it ends at the last possible one). */
#define NFC_MAX_CPUS 8192

/* Word 3 of the flow key of the packet in @c: its key's, tcp_flags 0 and
 * zone the chain. Patched as a word: loads of it then take what the
 * stores before hold, where a byte store would make them wait. */
static __always_inline __u64 nfc_flow_key_w3(const struct nfc_ctx *c)
{
	return (((const nfc_key_word *)&c->key)[NFC_KEY_W3] &
		~(0xffULL << NFC_KEY_SHIFT(tcp_flags) |
		  0xffffULL << NFC_KEY_SHIFT(zone))) |
	       (__u64)(__u16)c->chain << NFC_KEY_SHIFT(zone);
}

/* The flow key of the packet in @c, into @fk; its map key returned. */
static __always_inline __u64 nfc_flow_key(struct nfc_key *fk,
					  const struct nfc_ctx *c)
{
	const nfc_key_word *src = (const nfc_key_word *)&c->key;
	nfc_key_word *dst = (nfc_key_word *)fk;
	unsigned int i;

#pragma unroll
	for (i = 0; i < NFC_KEY_WORDS; i++)
		dst[i] = src[i];
	dst[NFC_KEY_W3] = nfc_flow_key_w3(c);
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

	if (c->nocache || (c->act.flags & (NFC_ACT_NOCACHE | NFC_ACT_QUOTE)))
		return false;
	if (nfc_flow_slow_only(k))
		return false;
	/* where a flood goes changes as its switch learns */
	if (c->act.verdict == NFC_V_FLOOD)
		return false;
	/* a decision about the flow: a policy's (the firewall's names its
	 * side), no route; not a drop of this packet alone (malformed,
	 * spoofed, invalid TCP flags, a NAT pool exhausted for now) */
	if (c->act.verdict == NFC_V_DROP)
		return c->act.reason == NFC_DROP_POLICY ||
		       c->act.reason == NFC_DROP_POLICY_EGRESS ||
		       c->act.reason == NFC_DROP_POLICY_INGRESS ||
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
	__u32 zero = 0, *epoch;
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
	epoch = bpf_map_lookup_elem(&nfc_flow_epoch, &zero);
	f->epoch = epoch ? *epoch : 0;
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
	return f && nfc_key_eq(&f->key, &fk) ? f : NULL;
}

/* Whether a result with action flags @flags may serve the packet in @c: a
 * result that decrements the TTL does not serve a packet with no hop left,
 * whose flow's chain decides again (the router hands it to the stack for
 * its time exceeded; the executor would drop it). */
static __always_inline bool nfc_flow_act_serves(const struct nfc_ctx *c,
						__u16 flags)
{
	return !(flags & NFC_ACT_TTL_DEC) || c->ttl > 1;
}

/* Whether entry @f may serve the packet in @c: the fast path. */
static __always_inline bool nfc_flow_usable(const struct nfc_ctx *c,
					    const struct nfc_flow *f)
{
	__u32 zero = 0, *epoch = bpf_map_lookup_elem(&nfc_flow_epoch, &zero);

	return f->version == c->version && epoch && f->epoch == *epoch &&
	       !nfc_flow_slow_only(&c->key) &&
	       nfc_flow_act_serves(c, f->act.flags);
}

/* nfc_config.flow_refresh_ms in ns (its default when 0). */
static __always_inline __u64 nfc_flow_refresh_ns(void)
{
	struct nfc_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&nfc_config, &zero);
	return (cfg && cfg->flow_refresh_ms ? cfg->flow_refresh_ms :
					      NFC_FLOW_REFRESH_MS) *
	       1000000ULL;
}

/*
 * Keep entry @f's connection alive in conntrack, at most every
 * flow_refresh_ms (*every, in ns). False when the connection is no longer
 * the one the result was made for (aged out, flushed, evicted, reopened):
 * the packet takes the slow path, where conntrack picks it up again.
 */
static __always_inline bool nfc_flow_ct_alive(struct nfc_flow *f, __u64 now,
					      __u64 *every)
{
	struct nfc_ct *e;

	*every = nfc_flow_refresh_ns();
	if (!f->ct_handle || now - f->ct_seen_ns < *every)
		return true;
	e = bpf_map_lookup_elem(&nfc_ct, &f->ct);
	/* gone, another connection now, or dead: a packet after its timeout
	 * opens a new one (the slow path) */
	if (!e || e->handle != f->ct_handle ||
	    (__s64)(now - e->last_ns) >
		    (__s64)nfc_ct_timeout(f->ct.proto, e->state))
		return false;
	f->ct_seen_ns = now;
	if (now > e->last_ns)
		e->last_ns = now;
	return true;
}

/* A hit of the entry itself: counted in it, its connection kept alive;
 * false as nfc_flow_ct_alive(). */
static __always_inline bool nfc_flow_hit(struct nfc_pkt *pkt,
					 struct nfc_flow *f, __u64 now)
{
	__u64 every;

	if (!nfc_flow_ct_alive(f, now, &every))
		return false;
	/* plain increments, not atomic ones (10 ns less per packet here): a
	 * flow's packets come in on one CPU at a time (one RSS queue, one
	 * sending CPU), and two CPUs hitting one entry at the same instant lose
	 * at most an increment of its counters, never a packet */
	f->packets++;
	f->bytes += nfc_len(pkt);
	f->last_ns = now;
	return true;
}

/* ---- the per-CPU front: flow slots ---- */

static __always_inline __u32 *nfc_chain_gen_get(__u32 chain)
{
	return bpf_map_lookup_elem(&nfc_chain_gen, &chain);
}

/* Whether slot key @x differs from slot key @sk. */
static __always_inline bool nfc_slot_key_differs(const nfc_key_word *x,
						 const nfc_key_word *sk)
{
	__u64 diff = 0;
	unsigned int i;

#pragma unroll
	for (i = 0; i < 6; i++)
		diff |= x[i] ^ sk[i];
	return diff != 0;
}

/* Whether the addresses a slot keeps in its parallel part @e (NULL: none)
 * differ from the flow key's words 4-7 in @w. */
static __always_inline bool
nfc_slot_addrs_differ(const struct nfc_flow_slot_ext *e, const nfc_key_word *w)
{
	return !e || ((e->addrs[0] ^ w[4]) | (e->addrs[1] ^ w[5]) |
		      (e->addrs[2] ^ w[6]) | (e->addrs[3] ^ w[7]));
}

/* Whether slot @s, index @idx, holds slot key @sk for the version and
 * epoch given; the addresses of a wide key, in the slot's parallel part,
 * compared with the flow key's words 4-7 in @w. */
static __always_inline bool nfc_flow_slot_holds(const struct nfc_flow_slot *s,
						__u32 idx,
						const nfc_key_word *sk,
						const nfc_key_word *w,
						__u32 version, __u32 epoch)
{
	if ((s->version ^ version) | (s->epoch ^ epoch) ||
	    nfc_slot_key_differs((const nfc_key_word *)&s->key, sk))
		return false;
	return !s->key.wide ||
	       !nfc_slot_addrs_differ(
		       bpf_map_lookup_elem(&nfc_flow_slot_ext, &idx), w);
}

/*
 * Add slot @idx's hits of this CPU to the counters they belong to: its
 * chain, endpoints and rule, and its flow entry's when that is still its
 * own. True when the slot may go on serving: its entry is there, of its
 * version, and its connection alive (refreshed as a hit of the entry
 * would). A global function: its checks are verified once, not on every
 * path of the root into it.
 */
__noinline int nfc_flow_slot_fold(__u32 idx, __u64 now)
{
	struct nfc_flow_slot *s = bpf_map_lookup_elem(&nfc_flow_slots, &idx);
	const struct nfc_flow_slot_ext *e;
	__u64 id, packets, bytes, every = NFC_FLOW_REFRESH_MS * 1000000ULL;
	struct nfc_key fk;
	struct nfc_flow *f;
	__u32 in, zone;
	int alive = 0;
	bool ours;
	__u32 *gen;

	e = bpf_map_lookup_elem(&nfc_flow_slot_ext, &idx);
	if (!s || !e)
		return 0;
	packets = s->packets;
	bytes = s->bytes;
	s->packets = 0;
	s->bytes = 0;
	nfc_slot_key_full(&fk, &s->key, e);
	in = fk.ifindex;
	zone = fk.zone;
	/* the chain that filled it, not one made since under its id */
	gen = nfc_chain_gen_get(zone);
	ours = gen && *gen == s->gen;
	if (packets) {
		nfc_count_ep(in, nfc_out_ifindex(s->act.verdict,
						 s->act.out_ifindex, in),
			     packets, bytes);
		if (ours)
			nfc_count_chain(zone, s->act.verdict, packets, bytes,
					packets);
		if (ours && s->act.policy)
			nfc_count_rule(s->act.policy, s->act.policy_node,
				       packets, bytes);
	}
	if (!ours) {
		s->version = 0;
		return 0;
	}
	id = nfc_flow_id(&fk);
	f = bpf_map_lookup_elem(&nfc_flows, &id);
	if (f && nfc_key_eq(&f->key, &fk)) {
		f->packets += packets;
		f->bytes += bytes;
		if (s->last_ns > f->last_ns)
			f->last_ns = s->last_ns;
		alive = f->version == s->version &&
			nfc_flow_ct_alive(f, now, &every);
	}
	s->fold_ns = now + every;
	if (!alive)
		s->version = 0;
	return alive;
}

/* The slot of set @set (its two, in turn) that holds slot key @sk (of
 * flow key words @w) for @version and @epoch, its index in *idxp; or
 * NULL (*idxp then the set's second). */
static __always_inline struct nfc_flow_slot *
nfc_flow_set_holds(__u32 set, const nfc_key_word *sk, const nfc_key_word *w,
		   __u32 version, __u32 epoch, __u32 *idxp)
{
	struct nfc_flow_slot *s;
	__u32 idx = set;

	s = bpf_map_lookup_elem(&nfc_flow_slots, &idx);
	if (!s || !nfc_flow_slot_holds(s, idx, sk, w, version, epoch)) {
		idx |= 1;
		s = bpf_map_lookup_elem(&nfc_flow_slots, &idx);
		if (s && !nfc_flow_slot_holds(s, idx, sk, w, version, epoch))
			s = NULL;
	}
	/* written either way: a caller that reads it only on a hit would
	 * otherwise let the compiler leave it unwritten on some path, which
	 * the verifier refuses in builds that cut the caller short */
	*idxp = idx;
	return s;
}

/*
 * The slot that holds the flow key of words @w (word 3 as @w3: the flow
 * key's, tcp_flags 0 and zone the chain) for @version and @epoch, its
 * index in *idxp; or NULL. A flow's slot is one of its four
 * (nfc_flow_slot_ways()): four flows whose digests meet in a set, or
 * whose first sets are full, still fit.
 */
static __always_inline struct nfc_flow_slot *
nfc_flow_slot_find(const nfc_key_word *w, __u64 w3, __u32 version,
		   __u32 epoch, __u32 *idxp)
{
	struct nfc_flow_slot *s;
	nfc_key_word sk[6];
	__u64 h;

	nfc_slot_key_words(sk, w[0], w[1], w[2], w3, w[4], w[5], w[6], w[7],
			   w[8]);
	h = nfc_flow_sets_words(w[0], w[1], w[2], w3, w[4], w[5], w[6], w[7],
				w[8]);
	/* nfc_flow_slot_ways()'s order, the second set made only when the
	 * first does not hold the flow (a loop over the four made them all
	 * first: 1 ns more in the express lane's 18) */
	s = nfc_flow_set_holds(nfc_flow_set_a(h), sk, w, version, epoch, idxp);
	if (!s)
		s = nfc_flow_set_holds(nfc_flow_set_b(h), sk, w, version,
				       epoch, idxp);
	return s;
}

/*
 * The slot that serves the packet in @c, or NULL (its index in *idxp). A
 * slot serves the flow it holds for the chain version and epoch it was
 * filled in, folded first when it is due.
 */
static __always_inline struct nfc_flow_slot *
nfc_flow_slot_hit(struct nfc_ctx *c, __u64 *now, __u32 *idxp)
{
	struct nfc_flow_slot *s;
	__u32 zero = 0, idx;
	__u32 *epoch;

	if (c->nocache || nfc_flow_slow_only(&c->key))
		return NULL;
	epoch = bpf_map_lookup_elem(&nfc_flow_epoch, &zero);
	if (!epoch)
		return NULL;
	s = nfc_flow_slot_find((const nfc_key_word *)&c->key,
			       nfc_flow_key_w3(c), c->version, *epoch, &idx);
	if (!s)
		return NULL;
	*now = nfc_now();
	if (*now >= s->fold_ns && !nfc_flow_slot_fold(idx, *now))
		return NULL;
	*idxp = idx;
	return s;
}

/* Whether slot @s (index @idx) holds flow key @fk: @sk, its slot key. */
static __always_inline bool nfc_flow_slot_has(const struct nfc_flow_slot *s,
					      __u32 idx,
					      const struct nfc_slot_key *sk,
					      const struct nfc_key *fk)
{
	return nfc_flow_slot_holds(s, idx, (const nfc_key_word *)sk,
				   (const nfc_key_word *)fk, s->version,
				   s->epoch);
}

/* After a hit of entry @f on the slow way: one of its four slots serves its
 * next packets: one that holds its key, else the first that serves
 * nothing (its first set before its second), else the one hit longest ago,
 * unless that was a moment ago. What the slot held is folded first. Drops
 * stay with the entry: nfc_drop() counts them as they happen. */
static __always_inline void nfc_flow_slot_fill(const struct nfc_flow *f,
					       __u64 now)
{
	__u32 zero = 0, way[NFC_FLOW_SLOT_WAYS], idx, i;
	struct nfc_flow_slot_ext *e;
	struct nfc_flow_slot *s, *c;
	struct nfc_slot_key sk;
	__u32 *epoch, *gen;
	int pick = -1, free = -1, old = -1;
	__u64 oldest = ~0ULL;

	if (f->act.verdict == NFC_V_DROP)
		return;
	epoch = bpf_map_lookup_elem(&nfc_flow_epoch, &zero);
	gen = nfc_chain_gen_get(f->key.zone);
	if (!epoch || !gen)
		return;
	nfc_flow_slot_ways(nfc_flow_sets(&f->key), way);
	nfc_slot_key_of(&sk, &f->key);
	/* one that holds its key, else the first that serves nothing, else
	 * the one hit longest ago */
	for (i = 0; i < NFC_FLOW_SLOT_WAYS; i++) {
		c = bpf_map_lookup_elem(&nfc_flow_slots, &way[i]);
		if (!c)
			return;
		if (nfc_flow_slot_has(c, way[i], &sk, &f->key)) {
			pick = i;
			break;
		}
		if (!c->version || c->epoch != *epoch) {
			if (free < 0)
				free = i;
		} else if (c->last_ns < oldest) {
			oldest = c->last_ns;
			old = i;
		}
	}
	if (pick < 0)
		pick = free >= 0 ? free : old;
	if (pick < 0 || pick >= NFC_FLOW_SLOT_WAYS)
		return;
	/* looked up again: a pointer kept in an array indexed at run time
	 * would lose its type to the verifier */
	idx = way[pick];
	s = bpf_map_lookup_elem(&nfc_flow_slots, &idx);
	if (!s)
		return;
	/* a slot another flow hit a moment ago stays its: where more flows
	 * than ways take turns, four keep their slots and the others their
	 * entries, rather than each evicting the next (a fold each time) */
	if (free < 0 && pick == old && now - s->last_ns < NFC_FLOW_SLOT_KEEP_NS)
		return;
	if (s->packets)
		nfc_flow_slot_fold(idx, now);
	e = bpf_map_lookup_elem(&nfc_flow_slot_ext, &idx);
	if (!e)
		return;
	s->version = 0;
	s->key = sk;
	if (sk.wide)
		__builtin_memcpy(e->addrs, &f->key.saddr, sizeof(e->addrs));
	if (f->act.flags & NFC_ACT_KEY)
		e->act_key = f->act.key;
	if (f->act.flags & NFC_ACT_TUN)
		e->act_tun = f->act.tun;
	__builtin_memcpy(&s->act, &f->act, sizeof(s->act));
	s->packets = 0;
	s->bytes = 0;
	s->last_ns = now;
	s->fold_ns = now + nfc_flow_refresh_ns();
	s->gen = *gen;
	s->epoch = *epoch;
	s->version = f->version;
}

struct nfc_slot_forget {
	struct nfc_key key;
	struct nfc_slot_key sk;
	__u32 way[NFC_FLOW_SLOT_WAYS];
};

/* Slot @idx of CPU @cpu no longer serves @fg's key. */
static __always_inline void nfc_flow_slot_forget_one(struct nfc_slot_forget *fg,
						     __u32 idx, __u32 cpu)
{
	struct nfc_flow_slot *s;

	s = bpf_map_lookup_percpu_elem(&nfc_flow_slots, &idx, cpu);
	if (!s || nfc_slot_key_differs((const nfc_key_word *)&s->key,
				       (const nfc_key_word *)&fg->sk))
		return;
	if (fg->sk.wide &&
	    nfc_slot_addrs_differ(bpf_map_lookup_percpu_elem(&nfc_flow_slot_ext,
							     &idx, cpu),
				  (const nfc_key_word *)&fg->key))
		return;
	s->version = 0;
}

static long nfc_flow_slot_forget_cpu(__u32 cpu, void *data)
{
	struct nfc_slot_forget *fg = data;
	__u32 i;

	if (!bpf_map_lookup_percpu_elem(&nfc_flow_slots, &fg->way[0], cpu))
		return 1; /* past the last CPU */
	for (i = 0; i < NFC_FLOW_SLOT_WAYS; i++)
		nfc_flow_slot_forget_one(fg, fg->way[i], cpu);
	return 0;
}

/* Flow key @fk is no longer served by any CPU's slots. Its
 * hits there are still folded when the slot is filled again. */
static __always_inline void nfc_flow_slot_forget(const struct nfc_key *fk)
{
	struct nfc_slot_forget fg = { .key = *fk };

	nfc_flow_slot_ways(nfc_flow_sets(fk), fg.way);
	nfc_slot_key_of(&fg.sk, fk);
	bpf_loop(NFC_MAX_CPUS, nfc_flow_slot_forget_cpu, &fg, 0);
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
	nfc_flow_slot_forget(&fk);
}


#endif /* NFC_FLOW_H */
