/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connection tracking, shared by every chain of the host: one LRU table
 * (nfc_ct) where a connection is one entry, found from either direction.
 *
 * The root runs nfc_ct_track() for every packet that takes the slow path
 * (the fast path, a flow cache hit, only refreshes the entry now and then:
 * see nfc_flow_refresh_ct()), so NFs find the connection's state, the
 * packet's direction and a stable handle in the context:
 *
 *	c->ct_state   NEW, SYN_RECV, ESTABLISHED, CLOSING, CLOSED (or NONE)
 *	c->ct_dir     NFC_CT_ORIG or NFC_CT_REPLY
 *	c->ct_flags   NFC_CTI_NEW (this packet opened it), NFC_CTI_RELATED
 *	c->ct_handle  64 bits, the same for the connection's whole life: the
 *	              key of a module's own per-connection data (NAT mapping,
 *	              LB backend, firewall decision), e.g. an LRU hash
 *	              handle -> data that ages out with the connections
 *
 * What is tracked: TCP and UDP by ports, ICMP/ICMPv6 echo by identifier
 * (see nfc_ct_echo_ports()),
 * other IP protocols by addresses alone; per tenant (VNI), IPv4 and IPv6.
 * ICMP errors (unreachable, time exceeded, ...) are matched to the
 * connection of the packet they quote and marked RELATED; they open none.
 * A later fragment (no ports) is its datagram's first fragment's
 * connection's, marked FRAG (nfc_frags, by addresses, protocol and IP
 * identification), when that first fragment came before it; else it is
 * untracked. TCP flag combinations no connection sends (SYN+FIN, no
 * flags, ...: nfc_tcp_flags_invalid()) are not tracked: they neither open
 * nor move a connection.
 * A NAT that translates a connection gives it its translated tuple too
 * (nfc_ct_nat, struct nfc_ct_alias): packets of either tuple are the one
 * connection's, its replies to the translated addresses its reply
 * direction.
 *
 * TCP follows the flags: SYN opens (NEW), SYN-ACK from the other side
 * (SYN_RECV), the originator's ACK (ESTABLISHED), a FIN (CLOSING), FINs
 * from both sides or an RST (CLOSED); a new SYN on a closing or closed
 * connection opens a new one in its place. A packet of a connection the
 * table does not know, other than a SYN or an RST, is picked up in the
 * middle (as Linux does by default) and flagged MIDSTREAM: a policy may
 * refuse such connections. Sequence numbers and windows are not checked.
 *
 * Connections are told apart by tenant (the VNI of VXLAN traffic), not by
 * chain or interface: two endpoints with overlapping addresses and no VNI
 * share entries (per-endpoint tenants come with VPCs).
 *
 * An entry idle past its state's timeout (nfc_config, defaults in
 * NFC_CT_TIMEOUT_DEFAULTS) is dead: the next packet reopens it in place as
 * a new connection, and nfmgrd deletes it meanwhile. A full table evicts
 * its least recently used entry (the kernel's LRU); evictions are counted
 * by difference, see struct nfc_ct_dp_stats.
 */
#ifndef NFC_CT_H
#define NFC_CT_H

#include <linux/ip.h>
#include <linux/ipv6.h>
#include "maps.h"
#include "parse.h"

#define NFC_TCP_FIN 0x01
#define NFC_TCP_SYN 0x02
#define NFC_TCP_RST 0x04
#define NFC_TCP_ACK 0x10

static __always_inline struct nfc_ct_dp_stats *nfc_ct_stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nfc_ct_stats, &zero);
}

/* The timeout of @state for @proto, in ns. */
static __always_inline __u64 nfc_ct_timeout(__u8 proto, __u8 state)
{
	static const __u32 defaults[NFC_CTC_MAX][NFC_CT_STATE_MAX] =
		NFC_CT_TIMEOUT_DEFAULTS;
	__u32 cls = nfc_ct_class(proto), zero = 0, s = 0, i;
	struct nfc_config *cfg;

	if (state >= NFC_CT_STATE_MAX || cls >= NFC_CTC_MAX)
		return 0;
	/* one index, checked in the register it is used from: clang may
	 * otherwise check a copy, which older verifiers do not follow */
	i = cls * NFC_CT_STATE_MAX + state;
	barrier_var(i);
	if (i >= NFC_CTC_MAX * NFC_CT_STATE_MAX)
		return 0;
	cfg = bpf_map_lookup_elem(&nfc_config, &zero);
	if (cfg)
		s = (&cfg->ct_timeout[0][0])[i];
	if (!s)
		s = (&defaults[0][0])[i];
	return (__u64)s * 1000000000ULL;
}

/* ICMP(v6) types that quote the packet they are about. */
static __always_inline bool nfc_icmp_is_error(__u8 l3, __u8 type)
{
	if (l3 == NFC_L3_IPV4)
		return type == 3 || type == 4 || type == 5 || type == 11 ||
		       type == 12;
	return type >= 1 && type <= 4;
}

/*
 * ICMP echo as ports: the identifier is the requester's, so a request
 * carries it as its source port and a reply as its destination port, the
 * other side 0. A request and its reply are then one connection, and a
 * request the other way with the same identifier another.
 */
static __always_inline void nfc_ct_echo_ports(__u8 l3, __u8 type, __be16 id,
					      __be16 *sport, __be16 *dport)
{
	bool request = type == (l3 == NFC_L3_IPV4 ? 8 : 128);

	*sport = request ? id : 0;
	*dport = request ? 0 : id;
}

/*
 * The canonical key of a tuple: the lower (address, port) side first.
 * Returns true when the tuple's source went to side 1.
 */
static __always_inline bool nfc_ct_key_make(struct nfc_ct_key *k,
					    __u32 tenant, __u8 l3, __u8 proto,
					    const union nfc_addr *src,
					    const union nfc_addr *dst,
					    __be16 sport, __be16 dport)
{
	bool swap = false;
	int i;

	k->tenant = tenant;
	k->l3 = l3;
	k->proto = proto;
	k->pad = 0;
#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 a = bpf_ntohl(src->v6[i]), b = bpf_ntohl(dst->v6[i]);

		if (a != b) {
			swap = a > b;
			goto decided;
		}
	}
	swap = bpf_ntohs(sport) > bpf_ntohs(dport);
decided:
	if (swap) {
		k->addr[0] = *dst;
		k->addr[1] = *src;
		k->port[0] = dport;
		k->port[1] = sport;
	} else {
		k->addr[0] = *src;
		k->addr[1] = *dst;
		k->port[0] = sport;
		k->port[1] = dport;
	}
	return swap;
}

/*
 * The connection of canonical key @ck, which a packet's tuple made with
 * @one (nfc_ct_key_make()): its entry, and in *@dir the packet's direction.
 * A tuple that is a NAT's translation of a connection (struct
 * nfc_ct_alias) stands for it: *@ck becomes the connection's key. An
 * alias of a connection gone, timed out, or whose 5-tuple a new SYN
 * reuses (@k, when not NULL) finds nothing: the packet opens a connection
 * of its own tuple.
 */
static __always_inline struct nfc_ct *nfc_ct_find(struct nfc_ct_key *ck,
						  bool one, __u8 *dir,
						  const struct nfc_key *k)
{
	struct nfc_ct_alias *a;
	struct nfc_ct *e;

	e = bpf_map_lookup_elem(&nfc_ct, ck);
	if (e) {
		*dir = one == !!(e->flags & NFC_CT_F_ORIG_1) ? NFC_CT_ORIG :
							       NFC_CT_REPLY;
		return e;
	}
	a = bpf_map_lookup_elem(&nfc_ct_nat, ck);
	if (!a)
		return NULL;
	e = bpf_map_lookup_elem(&nfc_ct, &a->orig);
	if (!e || e->handle != a->handle)
		return NULL;
	if ((__s64)(nfc_now() - e->last_ns) >
	    (__s64)nfc_ct_timeout(a->orig.proto, e->state))
		return NULL;
	if (k && k->proto == IPPROTO_TCP && e->state >= NFC_CT_CLOSING &&
	    (k->tcp_flags & (NFC_TCP_SYN | NFC_TCP_ACK)) == NFC_TCP_SYN)
		return NULL;
	*dir = one == !!(a->flags & NFC_CT_F_ORIG_1) ? NFC_CT_ORIG :
						       NFC_CT_REPLY;
	*ck = a->orig;
	return e;
}

/*
 * An ICMP error: look up the connection of the packet it quotes (the
 * quoted packet went the other way, so its source is our destination).
 * Returns 0 when found, with the context filled.
 */
static __always_inline int nfc_ct_related(struct nfc_pkt *pkt,
					  struct nfc_ctx *c)
{
	struct nfc_key *k = &c->key;
	union nfc_addr src = {}, dst = {};
	__be16 sport = 0, dport = 0;
	struct nfc_ct_key ck;
	struct nfc_ct *e;
	__u32 off = c->l4_off + 8;
	__u8 proto, dir;
	bool one;

	if (k->l3 == NFC_L3_IPV4) {
		struct iphdr *ip = nfc_pkt_ptr(pkt, off, sizeof(*ip));

		if (!ip || ip->version != 4 || ip->ihl < 5)
			return -1;
		proto = ip->protocol;
		src.v4 = ip->saddr;
		dst.v4 = ip->daddr;
		off += ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = nfc_pkt_ptr(pkt, off, sizeof(*ip6));

		if (!ip6 || ip6->version != 6)
			return -1;
		proto = ip6->nexthdr; /* quoted extension headers: no match */
		__builtin_memcpy(&src, &ip6->saddr, 16);
		__builtin_memcpy(&dst, &ip6->daddr, 16);
		off += sizeof(*ip6);
	}
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		__be16 *p = nfc_pkt_ptr(pkt, off, 4);

		if (!p)
			return -1;
		sport = p[0];
		dport = p[1];
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		__u8 *p = nfc_pkt_ptr(pkt, off, 8);

		if (!p || !nfc_icmp_is_echo(k->l3, p[0]))
			return -1;
		nfc_ct_echo_ports(k->l3, p[0], *(__be16 *)(p + 4), &sport,
				  &dport);
	}
	one = nfc_ct_key_make(&ck, k->tenant, k->l3, proto, &src, &dst, sport,
			      dport);
	e = nfc_ct_find(&ck, one, &dir, NULL);
	if (!e)
		return -1;
	c->ct = ck;
	c->ct_handle = e->handle;
	c->ct_state = e->state;
	/* the quoted packet's direction, reversed */
	c->ct_dir = dir == NFC_CT_ORIG ? NFC_CT_REPLY : NFC_CT_ORIG;
	c->ct_flags = NFC_CTI_RELATED;
	return 0;
}

static __always_inline void nfc_frag_key_make(struct nfc_frag_key *fk,
					      const struct nfc_ctx *c)
{
	const struct nfc_key *k = &c->key;

	fk->tenant = k->tenant;
	fk->l3 = k->l3;
	fk->proto = k->proto;
	fk->pad = 0;
	fk->saddr = k->saddr;
	fk->daddr = k->daddr;
	fk->id = c->frag_id;
}

/* A first fragment (it has the ports) of the connection just tracked:
 * its datagram's later fragments are to follow it. (The root calls this
 * and nfc_frag_later() after nfc_ct_track(), from a function of their
 * own: their keys stay off the stack of the tracking, which is near the
 * verifier's limit.) */
static __always_inline void nfc_frag_first(const struct nfc_ctx *c)
{
	struct nfc_frag_key fk;
	struct nfc_frag f = {};

	nfc_frag_key_make(&fk, c);
	f.ct = c->ct;
	f.handle = c->ct_handle;
	f.dir = c->ct_dir;
	bpf_map_update_elem(&nfc_frags, &fk, &f, BPF_ANY);
}

/* A later fragment: its first fragment's connection, if that was seen and
 * is still there (a fragment that comes before its first is not). Its
 * state does not move: the fragment has no TCP flags. */
static __always_inline int nfc_frag_later(struct nfc_ctx *c,
					  struct nfc_ct_dp_stats *st)
{
	struct nfc_frag_key fk;
	struct nfc_frag *f;
	struct nfc_ct *e;

	nfc_frag_key_make(&fk, c);
	f = bpf_map_lookup_elem(&nfc_frags, &fk);
	if (!f)
		goto unknown;
	e = bpf_map_lookup_elem(&nfc_ct, &f->ct);
	if (!e || e->handle != f->handle)
		goto unknown;
	c->ct = f->ct;
	c->ct_handle = e->handle;
	c->ct_state = e->state;
	c->ct_dir = f->dir;
	c->ct_flags = NFC_CTI_FRAG;
	if (st)
		st->frags++;
	return e->state;
unknown:
	if (st)
		st->frags_unknown++;
	return NFC_CT_NONE;
}

/*
 * TCP flag combinations no connection sends, as Linux's conntrack tells
 * them (tcp_valid_flags): of FIN, SYN, RST, ACK and URG (PSH, ECE and CWR
 * aside), only SYN, SYN+ACK, RST, RST+ACK, FIN+ACK and ACK, each with URG
 * or without where Linux takes it. SYN+FIN, SYN+RST, FIN alone, no flags
 * at all, and the like are scans or garbage.
 */
static __always_inline bool nfc_tcp_flags_invalid(__u8 flags)
{
	const __u64 valid = 1ULL << 0x02 | 1ULL << 0x22 | 1ULL << 0x12 |
			    1ULL << 0x04 | 1ULL << 0x14 | 1ULL << 0x11 |
			    1ULL << 0x31 | 1ULL << 0x10 | 1ULL << 0x30;

	return !(valid >> (flags & 0x37) & 1);
}

/* The state a new (or reopened) connection starts in from its first
 * packet, and whether it was picked up in the middle. */
static __always_inline __u8 nfc_ct_first_state(const struct nfc_key *k,
					       bool *midstream)
{
	__u8 f = k->tcp_flags;

	*midstream = false;
	if (k->proto == IPPROTO_TCP) {
		if ((f & (NFC_TCP_SYN | NFC_TCP_ACK)) == NFC_TCP_SYN)
			return NFC_CT_NEW;
		*midstream = true;
		if (f & NFC_TCP_FIN)
			return NFC_CT_CLOSING;
		return NFC_CT_ESTABLISHED;
	}
	if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) {
		/* an echo reply with no request seen */
		__u8 type = *(__u8 *)&k->dport;

		if (type == 0 || type == 129) {
			*midstream = true;
			return NFC_CT_ESTABLISHED;
		}
	}
	return NFC_CT_NEW;
}

/* TCP: the next state of @e for a packet of direction @dir. */
static __always_inline void nfc_ct_tcp(struct nfc_ct *e, __u8 flags,
				       __u8 dir)
{
	__u8 s = e->state;

	if (flags & NFC_TCP_RST) {
		e->state = NFC_CT_CLOSED;
		return;
	}
	if (flags & NFC_TCP_FIN) {
		e->fin |= 1 << dir;
		/* (a FIN after an RST does not reopen the closing) */
		if (s != NFC_CT_CLOSED)
			e->state = e->fin == 3 ? NFC_CT_CLOSED : NFC_CT_CLOSING;
		return;
	}
	if ((flags & (NFC_TCP_SYN | NFC_TCP_ACK)) ==
	    (NFC_TCP_SYN | NFC_TCP_ACK)) {
		if (dir == NFC_CT_REPLY && s == NFC_CT_NEW)
			e->state = NFC_CT_SYN_RECV;
		return;
	}
	if ((flags & NFC_TCP_ACK) && dir == NFC_CT_ORIG &&
	    s == NFC_CT_SYN_RECV)
		e->state = NFC_CT_ESTABLISHED;
}

static __always_inline void nfc_ct_init(struct nfc_ct *e,
					const struct nfc_key *k, bool one,
					__u8 state, bool midstream, __u64 now)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->handle = ((__u64)bpf_get_prandom_u32() << 32) |
		    bpf_get_prandom_u32();
	if (!e->handle)
		e->handle = 1;
	e->created_ns = now;
	e->last_ns = now;
	e->ifindex[0] = k->ifindex;
	e->state = state;
	e->flags = (one ? NFC_CT_F_ORIG_1 : 0) |
		   (midstream ? NFC_CT_F_MIDSTREAM : 0);
	if (state == NFC_CT_CLOSING)
		e->fin = 1 << NFC_CT_ORIG;
}

/*
 * Track the packet in c->key: find or open its connection, move its state,
 * and fill c->ct*. Returns the ct entry's state.
 */
static __always_inline int nfc_ct_track(struct nfc_pkt *pkt,
					struct nfc_ctx *c)
{
	struct nfc_key *k = &c->key;
	struct nfc_ct_dp_stats *st;
	struct nfc_ct *e, fresh;
	__be16 sport, dport;
	bool one, mid;
	__u64 now;
	__u8 dir, state;

	c->ct_state = NFC_CT_NONE;
	c->ct_dir = NFC_CT_ORIG;
	c->ct_flags = 0;
	c->ct_handle = 0;
	if (k->l3 != NFC_L3_IPV4 && k->l3 != NFC_L3_IPV6)
		return NFC_CT_NONE;
	/* its first fragment's: nfc_frag_later() */
	if (k->flags & NFC_KEY_F_LATER_FRAG)
		return NFC_CT_NONE;
	st = nfc_ct_stats_get();
	/* never a connection's: tracked, it would open or move one */
	if (k->proto == IPPROTO_TCP && (k->flags & NFC_KEY_F_L4) &&
	    nfc_tcp_flags_invalid(k->tcp_flags)) {
		if (st)
			st->invalid++;
		return NFC_CT_NONE;
	}

	sport = k->sport;
	dport = k->dport;
	if ((k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) &&
	    (k->flags & NFC_KEY_F_L4)) {
		__u8 type = *(__u8 *)&k->dport;

		if (nfc_icmp_is_error(k->l3, type)) {
			if (!nfc_ct_related(pkt, c)) {
				if (st)
					st->related++;
				return c->ct_state;
			}
			goto untracked;
		}
		if (!nfc_icmp_is_echo(k->l3, type))
			goto untracked; /* neighbour discovery, ... */
		nfc_ct_echo_ports(k->l3, type, k->sport, &sport, &dport);
	} else if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP) {
		sport = dport = 0;
	}

	one = nfc_ct_key_make(&c->ct, k->tenant, k->l3, k->proto, &k->saddr,
			      &k->daddr, sport, dport);
	now = nfc_now();
	e = nfc_ct_find(&c->ct, one, &dir, k);
	if (e) {
		/* dead (timed out), or a closing or closed connection's
		 * 5-tuple reused by a new SYN: start over in place (signed:
		 * another CPU may have stamped it after our now) */
		if ((__s64)(now - e->last_ns) >
			    (__s64)nfc_ct_timeout(k->proto, e->state) ||
		    (e->state >= NFC_CT_CLOSING && k->proto == IPPROTO_TCP &&
		     (k->tcp_flags & (NFC_TCP_SYN | NFC_TCP_ACK)) ==
			     NFC_TCP_SYN)) {
			/* an RST of a dead connection opens nothing */
			if (k->proto == IPPROTO_TCP &&
			    (k->tcp_flags & NFC_TCP_RST))
				goto untracked;
			state = nfc_ct_first_state(k, &mid);
			nfc_ct_init(e, k, one, state, mid, now);
			if (st)
				st->reopened++;
			c->ct_flags = NFC_CTI_NEW;
			dir = NFC_CT_ORIG;
			goto out;
		}
		if ((__s64)(now - e->last_ns) > 0)
			e->last_ns = now;
		if (dir == NFC_CT_REPLY) {
			e->flags |= NFC_CT_F_SEEN_REPLY;
			if (!e->ifindex[1])
				e->ifindex[1] = k->ifindex;
		}
		if (k->proto == IPPROTO_TCP)
			nfc_ct_tcp(e, k->tcp_flags, dir);
		else if (dir == NFC_CT_REPLY && e->state == NFC_CT_NEW)
			e->state = NFC_CT_ESTABLISHED;
		goto out;
	}

	/* an RST opens nothing */
	if (k->proto == IPPROTO_TCP && (k->tcp_flags & NFC_TCP_RST))
		goto untracked;
	state = nfc_ct_first_state(k, &mid);
	nfc_ct_init(&fresh, k, one, state, mid, now);
	if (bpf_map_update_elem(&nfc_ct, &c->ct, &fresh, BPF_NOEXIST)) {
		/* another CPU opened it just now: use that one */
		e = bpf_map_lookup_elem(&nfc_ct, &c->ct);
		if (!e) {
			if (st)
				st->insert_failed++;
			goto untracked;
		}
		dir = one == !!(e->flags & NFC_CT_F_ORIG_1) ? NFC_CT_ORIG :
							      NFC_CT_REPLY;
		goto out;
	}
	if (st)
		st->created++;
	c->ct_flags = NFC_CTI_NEW;
	c->ct_state = fresh.state;
	c->ct_dir = NFC_CT_ORIG;
	c->ct_handle = fresh.handle;
	return fresh.state;
out:
	c->ct_state = e->state;
	c->ct_dir = dir;
	c->ct_handle = e->handle;
	return e->state;
untracked:
	if (st)
		st->untracked++;
	c->ct_state = NFC_CT_NONE;
	return NFC_CT_NONE;
}

/* The connection of the packet in flight, or NULL (slow path only). */
static __always_inline struct nfc_ct *nfc_ct_get(struct nfc_ctx *c)
{
	if (c->ct_state == NFC_CT_NONE)
		return NULL;
	return bpf_map_lookup_elem(&nfc_ct, &c->ct);
}

#endif /* NFC_CT_H */
