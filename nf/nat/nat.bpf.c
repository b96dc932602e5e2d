// SPDX-License-Identifier: GPL-2.0-only
/*
 * nat: source and destination NAT by policy, per connection.
 *
 * A connection's first packet that runs the node chooses its rule: of the
 * rules whose tenant, interfaces (in: where it came in; out: where an
 * earlier node sends it, else where the kernel's routes would), source and
 * destination prefixes, protocol and destination ports it meets, the one
 * of lowest priority, then id (userspace, nf/nat/nat.c, compiles the rules
 * into that order in two generations and switches at once: a connection
 * never meets half an edit). The rule says what becomes of it:
 *
 *	snat        the source becomes an address and port of the rule's
 *	            pool (to..to_end, to_port..to_port_end)
 *	masquerade  the source becomes the address the kernel would send
 *	            from towards the destination (bpf_fib_lookup(), kernel
 *	            6.7 and later), a port as snat's. The lookup is a
 *	            router's, from the interface the packet came in by: it
 *	            needs forwarding on there (net.ipv4.conf.IF.forwarding),
 *	            as the kernel's own masquerade does
 *	exempt      nothing (destinations that keep the real source: other
 *	            VPCs, on-premises ranges)
 *	dnat        the destination becomes to (and to_port; a range
 *	            to..to_end spreads connections by their source)
 *
 * The translation is the connection's for its whole life (nat_conns, by
 * conntrack handle; a rule changed later applies to new connections), and
 * the node applies it to every packet of the connection that runs it: the
 * original direction translated, the reply direction translated back.
 * The flow cache then carries both. A connection no rule matched is kept
 * as such: it is never translated midway. A connection conntrack lost
 * (flushed, evicted) is picked up midway by its next packet and
 * translated anew, as Linux's NAT does after `conntrack -F`: a source NAT
 * may then give it another tuple, which its peer does not know.
 *
 * Allocation: the new tuple must be no other connection's. Each candidate
 * (address, port) of the pool, from one chosen by the connection's hash,
 * is claimed by adding the translated tuple to conntrack's aliases
 * (nfc_ct_nat, bpf/ct.h) unless a live connection holds it, as a tuple of
 * its own or as its alias; the alias is also how the root finds the
 * connection from its translated replies. When NAT_TRIES candidates (or
 * the whole pool, if smaller) are taken, the packet is dropped as
 * nat-exhausted under the rule's id: counted per chain and rule, and
 * reported as a drop event. A dnat whose new tuple is taken is dropped
 * the same way.
 *
 * IPv4 only: other packets pass untranslated. ICMP echo translates its
 * identifier as a port. An ICMP error about a translated connection (its
 * conntrack RELATED) is translated as the connection: the packet it quotes
 * becomes the one its receiver sent or got (nfc_set_quote()), its outer
 * addresses too where they are the connection's. A later fragment of a
 * translated connection's datagram (conntrack follows its first
 * fragment) has its addresses translated. A packet of no connection (a
 * later fragment whose first was not seen) that a translating rule
 * matches is dropped as nat-untracked.
 *
 * Outcomes: pass, deny (nat-exhausted, nat-untracked, no-route: a
 * masquerade with no route or source address towards the destination,
 * or from an interface that does not forward).
 */
#include <stdbool.h>
#include <linux/in.h>
#include "nfc.h"
#include "ct.h"
#include "nat.h"

/* what users edit; the datapath reads the rules compiled from it */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NAT_RULES_MAX);
	__type(key, struct nat_rule_key);
	__type(value, struct nat_rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} rules SEC(".maps");

/* the rules in the order they are tried, two generations (nat.h) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NAT_RULES_MAX);
	__type(key, __u32);
	__type(value, struct nat_rule_c);
} nat_rule_c SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} nat_count SEC(".maps");

/* [0]: the generation packets read */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nat_gen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NAT_CONNS_MAX);
	__type(key, __u64);
	__type(value, struct nat_conn);
} nat_conns SEC(".maps");

/* What a rule is matched against, and the first rule that matches. */
struct nat_scan {
	__u32 tenant;
	__u32 in;
	__u32 out;
	__be32 saddr;
	__be32 daddr;
	__u16 dport;        /* host order; 0 without ports */
	__u8 proto;
	__u8 found;
	__u32 base;         /* the generation's first rule in nat_rule_c */
	__u32 id;
	/* of that rule, what its translation needs */
	__u32 kind;
	__be32 to;
	__be32 to_end;
	__u16 to_port;
	__u16 to_port_end;
};

static __always_inline bool nat_prefix(const struct nat_cidr *p, __be32 a)
{
	__u32 len = p->len;

	if (!len)
		return true;
	if (len >= 32)
		return a == p->addr;
	return !((bpf_ntohl(a) ^ bpf_ntohl(p->addr)) >> (32 - len));
}

static long nat_scan_rule(__u32 i, void *data)
{
	struct nat_scan *s = data;
	__u32 k = s->base + i;
	const struct nat_rule_c *c = bpf_map_lookup_elem(&nat_rule_c, &k);
	const struct nat_rule *r;
	__u16 hi;

	if (!c)
		return 1;
	r = &c->r;
	if (r->tenant != s->tenant || (r->in_ifindex && r->in_ifindex != s->in))
		return 0;
	/* the way out is before the translation: a dnat chooses it */
	if (r->out_ifindex && r->kind != NAT_DNAT && r->out_ifindex != s->out)
		return 0;
	if (r->proto && r->proto != s->proto)
		return 0;
	if (r->port || r->port_end) {
		hi = r->port_end ? r->port_end : r->port;
		if (!(s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP ||
		      s->proto == IPPROTO_SCTP) ||
		    s->dport < r->port || s->dport > hi)
			return 0;
	}
	if (!nat_prefix(&r->src, s->saddr) || !nat_prefix(&r->dst, s->daddr))
		return 0;
	s->found = 1;
	s->id = c->id;
	s->kind = r->kind;
	s->to = r->to;
	s->to_end = r->to_end;
	s->to_port = r->to_port;
	s->to_port_end = r->to_port_end;
	return 1;
}

/* The claim of a new tuple for a connection: candidates idx = start ..
 * start + tries, each the pool's address first + idx / nports and port
 * lo + idx % nports, for the source (snat) or the destination (dnat). */
struct nat_alloc {
	struct nfc_ct_alias alias; /* the connection's, flags per candidate */
	__u32 tenant;
	__u8 proto;
	__u8 echo;          /* ICMP echo: the port is the identifier */
	__u8 dst;           /* the candidate is the destination */
	__u8 found;
	__be32 fixed_addr;  /* the side that stays */
	__be16 fixed_port;
	__u16 lo;
	__u32 first;        /* host order */
	__u32 nports;
	__u64 total;
	__u64 start;
	__be32 addr;        /* the claim */
	__be16 port;
	__u16 pad;
};

/* Whether a connection other than @handle holds canonical key @k: one
 * timed out does not; a closed TCP connection holds it only when
 * @closed_holds. A source NAT chooses its tuples: it leaves a closed
 * connection's alone until conntrack forgets it (its peer may still be in
 * TIME_WAIT on it, as Linux's conntrack keeps the tuple 120 s); a
 * destination NAT's one tuple is the client's choice, whose SYN would
 * reopen the closed connection in place. */
static __always_inline bool nat_ct_live(const struct nfc_ct_key *k,
					__u64 handle, bool closed_holds)
{
	struct nfc_ct *e = bpf_map_lookup_elem(&nfc_ct, k);

	return e && e->handle != handle &&
	       (closed_holds || k->proto != IPPROTO_TCP ||
		e->state != NFC_CT_CLOSED) &&
	       (__s64)(nfc_now() - e->last_ns) <=
		       (__s64)nfc_ct_timeout(k->proto, e->state);
}

static long nat_try(__u32 i, void *data)
{
	struct nat_alloc *a = data;
	__u64 idx = (a->start + i) % a->total;
	union nfc_addr s = {}, d = {};
	struct nfc_ct_alias *old;
	struct nfc_ct_key k;
	__be16 sp, dp, port;
	__be32 addr;
	bool one;

	addr = bpf_htonl(a->first + (__u32)(idx / a->nports));
	port = bpf_htons(a->lo + (__u16)(idx % a->nports));
	if (a->dst) {
		s.v4 = a->fixed_addr;
		d.v4 = addr;
		sp = a->fixed_port;
		dp = a->echo ? 0 : port;
	} else {
		s.v4 = addr;
		d.v4 = a->fixed_addr;
		sp = port;
		dp = a->echo ? 0 : a->fixed_port;
	}
	one = nfc_ct_key_make(&k, a->tenant, NFC_L3_IPV4, a->proto, &s, &d, sp,
			      dp);
	/* a connection of that very tuple; one that is over makes way (the
	 * root would find it before the alias) */
	if (nat_ct_live(&k, a->alias.handle, !a->dst))
		return 0;
	if (!nat_ct_live(&k, 0, false))
		bpf_map_delete_elem(&nfc_ct, &k);
	a->alias.flags = one ? NFC_CT_F_ORIG_1 : 0;
	if (bpf_map_update_elem(&nfc_ct_nat, &k, &a->alias, BPF_NOEXIST)) {
		/* another connection's alias, unless that one is gone */
		old = bpf_map_lookup_elem(&nfc_ct_nat, &k);
		if (old && old->handle != a->alias.handle &&
		    nat_ct_live(&old->orig, 0, !a->dst))
			return 0;
		if (bpf_map_update_elem(&nfc_ct_nat, &k, &a->alias, BPF_ANY))
			return 0;
	}
	a->addr = addr;
	a->port = port;
	a->found = 1;
	return 1;
}

/* The kernel's source address towards @k's destination and the way out
 * it would take; 0, or -1 when it has none. (A function of its own: its
 * parameters stay off the stack of the allocation's loop.) */
static __noinline int nat_fib(struct nfc_pkt *pkt,
				   const struct nfc_key *k, __be32 *src,
				   __u32 *out)
{
	struct bpf_fib_lookup p = {};
	long r;

	p.family = 2; /* AF_INET */
	p.l4_protocol = k->proto;
	p.sport = k->sport;
	p.dport = k->dport;
	p.ifindex = k->ifindex;
	p.ipv4_src = k->saddr.v4;
	p.ipv4_dst = k->daddr.v4;
	r = bpf_fib_lookup(pkt, &p, sizeof(p),
			   BPF_FIB_LOOKUP_SKIP_NEIGH | BPF_FIB_LOOKUP_SRC);
	if (r != BPF_FIB_LKUP_RET_SUCCESS && r != BPF_FIB_LKUP_RET_NO_NEIGH)
		return -1;
	*src = p.ipv4_src;
	*out = p.ifindex;
	return 0;
}

static __always_inline bool nat_echo(const struct nfc_key *k)
{
	return k->proto == IPPROTO_ICMP &&
	       nfc_icmp_is_echo(NFC_L3_IPV4, bpf_ntohs(k->dport) >> 8);
}

static __always_inline bool nat_icmp_error(const struct nfc_key *k)
{
	return k->proto == IPPROTO_ICMP && (k->flags & NFC_KEY_F_L4) &&
	       nfc_icmp_is_error(NFC_L3_IPV4, bpf_ntohs(k->dport) >> 8);
}

static __always_inline void nat_saddr(struct nfc_ctx *c, __be32 a)
{
	union nfc_addr u = { .v4 = a };

	nfc_set_saddr(c, &u);
}

static __always_inline void nat_daddr(struct nfc_ctx *c, __be32 a)
{
	union nfc_addr u = { .v4 = a };

	nfc_set_daddr(c, &u);
}

/* Translate the packet in @c by its connection's @n. */
static __always_inline int nat_apply(struct nfc_ctx *c,
				     const struct nat_conn *n)
{
	const struct nfc_key *k = &c->act.key;
	bool echo = nat_echo(k);

	if (n->rule)
		nfc_count_as(c, n->rule);
	if (nat_icmp_error(k)) {
		/* about the connection: the packet it quotes becomes what
		 * its receiver sent or got, and so do the outer addresses
		 * that are the connection's */
		if (c->ct_dir == NFC_CT_REPLY) {
			/* quotes a packet of the original direction, as it
			 * left translated */
			if (k->daddr.v4 == n->nsaddr && n->nsaddr != n->osaddr)
				nat_daddr(c, n->osaddr);
			if (k->saddr.v4 == n->ndaddr && n->ndaddr != n->odaddr)
				nat_saddr(c, n->odaddr);
			nfc_set_quote(c, n->osaddr, n->odaddr, n->osport,
				      n->odport);
		} else {
			/* quotes a reply as it reached the inside */
			if (k->saddr.v4 == n->osaddr && n->nsaddr != n->osaddr)
				nat_saddr(c, n->nsaddr);
			if (k->daddr.v4 == n->odaddr && n->ndaddr != n->odaddr)
				nat_daddr(c, n->ndaddr);
			nfc_set_quote(c, n->ndaddr, n->nsaddr, n->ndport,
				      n->nsport);
		}
		return NFC_PASS;
	}
	/* the addresses, either way */
	if (c->ct_dir == NFC_CT_ORIG) {
		if (n->nsaddr != n->osaddr)
			nat_saddr(c, n->nsaddr);
		if (n->ndaddr != n->odaddr)
			nat_daddr(c, n->ndaddr);
	} else {
		if (n->nsaddr != n->osaddr)
			nat_daddr(c, n->osaddr);
		if (n->ndaddr != n->odaddr)
			nat_saddr(c, n->odaddr);
	}
	/* the ports; a later fragment has none (its datagram's first had) */
	if (c->ct_flags & NFC_CTI_FRAG)
		return NFC_PASS;
	if (c->ct_dir == NFC_CT_ORIG) {
		if (n->nsport != n->osport)
			nfc_set_sport(c, n->nsport);
		if (!echo && n->ndport != n->odport)
			nfc_set_dport(c, n->ndport);
	} else if (echo) {
		/* a reply carries the identifier where its request did */
		if (n->nsport != n->osport)
			nfc_set_sport(c, n->osport);
	} else {
		if (n->nsport != n->osport)
			nfc_set_dport(c, n->osport);
		if (n->ndport != n->odport)
			nfc_set_sport(c, n->odport);
	}
	return NFC_PASS;
}

/* A new connection's rule and translation, into @n; a drop reason, or 0. */
static __always_inline int nat_open(struct nfc_pkt *pkt, struct nfc_ctx *c,
				    struct nat_conn *n)
{
	const struct nfc_key *k = &c->act.key;
	struct nat_scan s = {};
	struct nat_alloc a = {};
	__u32 nports = 1, naddr = 1, fib_out = 0, zero = 0, gen, *gp, *np;
	__be32 fib_src = 0;
	bool fib;

	s.tenant = k->tenant;
	s.in = k->ifindex;
	s.saddr = k->saddr.v4;
	s.daddr = k->daddr.v4;
	s.proto = k->proto;
	if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
	    k->proto == IPPROTO_SCTP)
		s.dport = bpf_ntohs(k->dport);
	/* the way out: an earlier node's choice, else the kernel's */
	fib = !nat_fib(pkt, k, &fib_src, &fib_out);
	s.out = c->act.verdict == NFC_V_REDIRECT ? c->act.out_ifindex : fib_out;
	gp = bpf_map_lookup_elem(&nat_gen, &zero);
	gen = gp ? *gp & 1 : 0;
	np = bpf_map_lookup_elem(&nat_count, &gen);
	s.base = gen * NAT_RULES_MAX;
	if (np && *np)
		bpf_loop(*np < NAT_RULES_MAX ? *np : NAT_RULES_MAX,
			 nat_scan_rule, &s, 0);

	n->osaddr = n->nsaddr = k->saddr.v4;
	n->odaddr = n->ndaddr = k->daddr.v4;
	n->osport = n->nsport = k->sport;
	n->odport = n->ndport = nat_echo(k) ? 0 : k->dport;
	if (!s.found)
		return 0;
	n->rule = s.id;
	if (s.kind == NAT_EXEMPT)
		return 0;
	if (!c->ct_handle)
		return NFC_DROP_NAT_UNTRACKED;

	a.alias.orig = c->ct;
	a.alias.handle = c->ct_handle;
	a.tenant = k->tenant;
	a.proto = k->proto;
	a.echo = nat_echo(k);
	if (s.kind == NAT_DNAT) {
		a.dst = 1;
		a.fixed_addr = n->osaddr;
		a.fixed_port = n->osport;
		a.first = bpf_ntohl(s.to);
		a.lo = s.to_port ? s.to_port : bpf_ntohs(k->dport);
		if (a.echo)
			a.lo = 0;
	} else {
		a.fixed_addr = n->odaddr;
		a.fixed_port = n->odport;
		if (s.kind == NAT_MASQUERADE) {
			if (!fib || !fib_src)
				return NFC_DROP_NO_ROUTE;
			a.first = bpf_ntohl(fib_src);
		} else {
			a.first = bpf_ntohl(s.to);
		}
		a.lo = s.to_port ? s.to_port : NAT_PORT_MIN;
		if (s.to_port_end > a.lo)
			nports = s.to_port_end - a.lo + 1;
		else if (!s.to_port)
			nports = NAT_PORT_MAX - NAT_PORT_MIN + 1;
	}
	if (s.kind != NAT_MASQUERADE && s.to_end &&
	    bpf_ntohl(s.to_end) >= a.first)
		naddr = bpf_ntohl(s.to_end) - a.first + 1;
	a.nports = nports;
	a.total = (__u64)naddr * nports;
	a.start = nfc_flow_hash(k) % a.total;
	bpf_loop(a.total < NAT_TRIES ? a.total : NAT_TRIES, nat_try, &a, 0);
	if (!a.found)
		return NFC_DROP_NAT_EXHAUSTED;
	if (a.dst) {
		n->ndaddr = a.addr;
		if (!a.echo)
			n->ndport = a.port;
	} else {
		n->nsaddr = a.addr;
		n->nsport = a.port;
	}
	return 0;
}

NFC_NF(nat)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	const struct nfc_key *k = &c->act.key;
	struct nat_conn fresh = {}, *n = NULL;
	int reason;

	if (k->l3 != NFC_L3_IPV4)
		return NFC_PASS;
	if (c->ct_handle)
		n = bpf_map_lookup_elem(&nat_conns, &c->ct_handle);
	if (n)
		return nat_apply(c, n);
	/* a reply, or an error about a connection, that the node never
	 * saw open: not its to translate */
	if (c->ct_dir == NFC_CT_REPLY || (c->ct_flags & NFC_CTI_RELATED))
		return NFC_PASS;
	reason = nat_open(pkt, c, &fresh);
	if (reason)
		return nfc_deny(c, reason, fresh.rule);
	if (c->ct_handle)
		bpf_map_update_elem(&nat_conns, &c->ct_handle, &fresh, BPF_ANY);
	return nat_apply(c, &fresh);
}

char LICENSE[] SEC("license") = "GPL";
