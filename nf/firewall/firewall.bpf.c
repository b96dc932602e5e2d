// SPDX-License-Identifier: GPL-2.0-only
/*
 * firewall: symmetric, stateful policy between endpoints.
 *
 * An endpoint is an address in a VPC (the endpoints table) or a NIC (the
 * nics table: what comes in by an interface, or what an earlier node sends
 * out by it), with a default for each direction, labels and the security
 * groups those make it a member of. A connection is allowed only if its
 * source's egress and its destination's ingress both allow it: each side's
 * rules are tried in priority order, the first that matches decides, none:
 * the side's default. A side that is no endpoint of this instance is
 * another host's to judge (or nobody's): it allows. Between two addresses
 * neither of which is an endpoint, the node's `unknown` config decides.
 *
 * Once per connection: a connection's first packet is judged; its packets
 * either way then pass under the rule that allowed it (fw_conns, by
 * conntrack handle, with the generation counter it was judged by), and the
 * flow cache carries the result of both directions. A packet of a
 * connection not judged by the rules in force (they changed, or the node
 * never allowed it) is judged as the connection was opened, so a rule
 * change applies to existing connections, both ways, from their next
 * packet that runs the chain. ICMP errors about an allowed connection pass
 * with it; neighbour discovery and MLD are no connections and pass.
 *
 * Hostile input: TCP flag combinations no connection sends (SYN+FIN, no
 * flags, ...) are dropped as tcp-invalid; a later fragment (no ports)
 * follows its datagram's first fragment - it passes if the node allowed
 * that one's connection, and is dropped as `fragment` if not, or if the
 * first never came before it (conntrack, bpf/ct.h); packets from an
 * endpoint's address on another interface than its own, or with IPv4-
 * mapped addresses, are dropped as spoofed.
 *
 * Attribution: a decision names its rule (policy id = rule id; 0 for a
 * default), a denial its side as its drop reason (policy-egress: the
 * source's rules, policy-ingress: the destination's).
 *
 * Classification does not walk the rules. Userspace (nf/firewall/firewall.c)
 * compiles the rules, endpoints, labels and groups into one decision tree
 * per endpoint and direction (HiCuts, Gupta and McKeown 1999): the space a
 * packet shows a side - the peer's address as four 32-bit words (IPv4
 * mapped), proto << 16 | port, and the peer endpoint's id - is cut a few
 * bits of one word per node until a region meets at most FW_LEAF_RULES
 * rules, which its leaf lists in order (cut after the first that covers
 * the region). Each region is first shrunk to its rules' bounding box
 * (HyperCuts' region compaction, Singh et al. 2003: no node is spent on
 * bits every rule agrees on), and a cut takes the fewest bits that part
 * the rules as well as the most the space measure allows. A group's rule is compiled once per member, a rule about a
 * peer group once per member of that group (its id the sixth word). A
 * packet walks to its leaf (bpf_loop, at most FW_DEPTH_MAX nodes) and
 * tries the leaf's rules. The prefixes are cut with the other fields, so
 * the LPM library is not used here: one tree answers the whole 5-tuple.
 * Trees come in two generations, fw_gen counting the compiles (its parity
 * the active one): a packet reads one generation only, so an edit is seen
 * whole or not at all.
 */
#include <stdbool.h>
#include <linux/in.h>
#include <linux/in6.h>
#include "nfc.h"
#include "ct.h"
#include "firewall.h"

const volatile __u32 cfg_unknown = FW_UNKNOWN_PASS;
/* the instance's capacity (config `capacity`): rules per generation of
 * fw_rule_c, nodes of fw_nodes, FW_REFS_PER_RULE times as many leaf
 * entries of fw_refs; the runtime sizes the maps by it */
const volatile __u32 cfg_capacity = FW_RULES_MAX;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_ENDPOINTS_MAX);
	__type(key, struct fw_ep_key);
	__type(value, struct fw_ep);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_ENDPOINTS_MAX);
	__type(key, struct fw_nic_key);
	__type(value, struct fw_nic);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} nics SEC(".maps");

/* what users edit; the datapath reads only what is compiled from it */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_RULES_MAX);
	__type(key, struct fw_rule_key);
	__type(value, struct fw_rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * 2 * FW_ENDPOINTS_MAX);
	__type(key, struct fw_set_key);
	__type(value, struct fw_set);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} fw_sets SEC(".maps");

/* the compiled rules, trees and leaves' lists: written by userspace
 * through mmap, the generation packets do not read */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * FW_RULES_MAX);
	__type(key, __u32);
	__type(value, struct fw_rule_c);
	__uint(map_flags, BPF_F_MMAPABLE);
} fw_rule_c SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * FW_NODES_MAX);
	__type(key, __u32);
	__type(value, struct fw_node);
	__uint(map_flags, BPF_F_MMAPABLE);
} fw_nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * FW_REFS_MAX);
	__type(key, __u32);
	__type(value, struct fw_ref);
	__uint(map_flags, BPF_F_MMAPABLE);
} fw_refs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_LABELS_MAX);
	__type(key, struct fw_label_key);
	__type(value, struct fw_label);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} labels SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_GROUPS_MAX);
	__type(key, struct fw_group_key);
	__type(value, struct fw_group);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} groups SEC(".maps");


/* [0]: the active generation (0 or 1) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fw_gen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_CONNS_MAX);
	__type(key, __u64);
	__type(value, struct fw_conn);
} fw_conns SEC(".maps");

/* One side's question: the peer address (host order words, IPv4 mapped),
 * proto << 16 | port and the peer endpoint's id (0: none), the six words
 * the trees cut; the answer. */
struct fw_scan {
	__u32 w[FW_WORDS];
	__u32 gen;
	__u32 node;      /* the walk: where it is (gen's part) */
	__u32 first;     /* the leaf's first rule in fw_refs */
	__u32 count;     /* and its rules; 0 until the walk reaches it */
	__u8 action;
	__u8 matched;
	__u16 pad;
	__u32 id;
};

static __always_inline int fw_word_match(__u32 a, __u32 p, __s32 bits)
{
	if (bits <= 0)
		return 1;
	if (bits >= 32)
		return a == p;
	return !((a ^ p) >> (32 - bits));
}

static __always_inline __u32 fw_word(const struct fw_scan *s, __u8 w)
{
	switch (w) {
	case 0: return s->w[0];
	case 1: return s->w[1];
	case 2: return s->w[2];
	case 3: return s->w[3];
	case 4: return s->w[4];
	default: return s->w[5];
	}
}

/* One step down the tree; stops at a leaf, its rules left in s->first
 * and s->count. */
static long fw_descend(__u32 i, void *data)
{
	struct fw_scan *s = data;
	__u32 k = s->gen * cfg_capacity + s->node;
	struct fw_node *n = bpf_map_lookup_elem(&fw_nodes, &k);

	if (!n)
		return 1;
	if (n->flags & FW_NODE_LEAF) {
		s->first = s->gen * (FW_REFS_PER_RULE * cfg_capacity) + n->base;
		s->count = n->count;
		return 1;
	}
	s->node = n->base + ((fw_word(s, n->word) >> (n->shift & 31)) & n->mask);
	return 0;
}

static __always_inline bool fw_has_ports(__u32 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

/* The leaf's rule @i: the first that matches decides. */
static long fw_match(__u32 i, void *data)
{
	struct fw_scan *s = data;
	__u32 k = s->first + i;
	struct fw_ref *ref;
	struct fw_rule_c *r;
	__s32 plen;
	__u16 port;

	ref = bpf_map_lookup_elem(&fw_refs, &k);
	if (!ref)
		return 1;
	r = bpf_map_lookup_elem(&fw_rule_c, &ref->rule);
	if (!r)
		return 1;
	if (r->proto && r->proto != s->w[4] >> 16)
		return 0;
	/* a peer group's rule, once per member */
	if (r->peer && r->peer != s->w[5])
		return 0;
	port = s->w[4];
	if (port < r->lo || port > r->hi)
		return 0;
	/* the ports of a rule of any protocol are TCP's, UDP's or SCTP's: not
	 * ICMP's type and code, nor the 0 of protocols without ports */
	if (!r->proto && (r->lo || r->hi != 0xffff) &&
	    !fw_has_ports(s->w[4] >> 16))
		return 0;
	plen = r->plen;
	if (!fw_word_match(s->w[0], r->addr[0], plen) ||
	    !fw_word_match(s->w[1], r->addr[1], plen - 32) ||
	    !fw_word_match(s->w[2], r->addr[2], plen - 64) ||
	    !fw_word_match(s->w[3], r->addr[3], plen - 96))
		return 0;
	s->id = r->id;
	s->action = r->action;
	s->matched = 1;
	return 1;
}

/* Endpoint @ep's verdict on its side @dir of the connection in @s (its
 * peer in s->w[0..3]). */
static __always_inline void fw_side(const struct fw_ep *ep, __u32 dir,
				    struct fw_scan *s)
{
	struct fw_set_key k = { .gen = s->gen, .set = FW_SET(ep->id, dir) };
	struct fw_set *set = bpf_map_lookup_elem(&fw_sets, &k);

	s->matched = 0;
	s->count = 0;
	if (set) {
		s->node = set->root;
		bpf_loop(FW_DEPTH_MAX, fw_descend, s, 0);
		if (s->count)
			bpf_loop(s->count < FW_LEAF_MAX ? s->count : FW_LEAF_MAX,
				 fw_match, s, 0);
	}
	if (!s->matched) {
		s->id = 0;
		s->action = dir == FW_INGRESS ? ep->ingress : ep->egress;
	}
}

static __always_inline void fw_addr(const struct nfc_key *k,
				    const union nfc_addr *a, __u32 *w)
{
	if (k->l3 == NFC_L3_IPV4) {
		w[0] = 0;
		w[1] = 0;
		w[2] = 0xffff;
		w[3] = bpf_ntohl(a->v4);
		return;
	}
	w[0] = bpf_ntohl(a->v6[0]);
	w[1] = bpf_ntohl(a->v6[1]);
	w[2] = bpf_ntohl(a->v6[2]);
	w[3] = bpf_ntohl(a->v6[3]);
}

/* The endpoint of interface @ifindex, if it is a NIC endpoint. */
static __always_inline struct fw_ep *fw_nic(__u32 ifindex)
{
	struct fw_nic_key k = { .ifindex = ifindex };

	if (!ifindex)
		return NULL;
	/* read as an endpoint: its id and defaults, never its ifindex */
	return bpf_map_lookup_elem(&nics, &k);
}

static __always_inline struct fw_ep *fw_endpoint(__u32 tenant, const __u32 *w)
{
	struct fw_ep_key k = { .tenant = tenant };
	__u32 *a = (__u32 *)k.addr;

	a[0] = bpf_htonl(w[0]);
	a[1] = bpf_htonl(w[1]);
	a[2] = bpf_htonl(w[2]);
	a[3] = bpf_htonl(w[3]);
	return bpf_map_lookup_elem(&endpoints, &k);
}

/* Judge the connection opened from @saddr to @daddr (host order words,
 * IPv4 mapped), to destination port @w4 (proto << 16 | port): source
 * egress, then destination ingress; it came in by interface @in and goes
 * out by @out (0: not known). @pkt_src is the address endpoint of the
 * packet's source, looked up once: the connection's source, or with
 * @swapped (a packet of its reply direction) its destination. With
 * @record, the verdict is the
 * packet's connection's (fw_conns), under generation counter @g (its
 * parity the generation). */
static __always_inline int fw_judge(struct nfc_ctx *c, const __u32 *saddr,
				    const __u32 *daddr, __u32 w4, __u32 in,
				    __u32 out, __u32 g, bool record,
				    struct fw_ep *pkt_src, bool swapped)
{
	const struct nfc_key *key = &c->act.key;
	struct fw_conn conn = { .gen = g };
	struct fw_ep *src, *dst;
	struct fw_scan s = {};
	__u32 gen = g & 1, rule = 0;

	/* an address endpoint, else the NIC endpoint the connection came
	 * in by (@in) or goes out by (@out: known when an earlier node
	 * chose the way out) */
	src = swapped ? fw_endpoint(key->tenant, saddr) : pkt_src;
	if (!src)
		src = fw_nic(in);
	dst = swapped ? pkt_src : fw_endpoint(key->tenant, daddr);
	if (!dst)
		dst = fw_nic(out);
	if (!src) {
		/* tested apart: or-ed, the verifier refuses the pointers */
		barrier_var(dst);
		if (!dst) {
			if (cfg_unknown == FW_UNKNOWN_DROP)
				return nfc_deny(c, NFC_DROP_POLICY, 0);
			return NFC_PASS;
		}
	}
	s.gen = gen;
	s.w[4] = w4;
	if (src) {
		__builtin_memcpy(s.w, daddr, 4 * sizeof(__u32));
		s.w[5] = dst ? dst->id : 0;
		fw_side(src, FW_EGRESS, &s);
		if (s.action != FW_ALLOW)
			goto denied_egress;
		rule = s.id;
	}
	if (dst) {
		__builtin_memcpy(s.w, saddr, 4 * sizeof(__u32));
		s.w[5] = src ? src->id : 0;
		fw_side(dst, FW_INGRESS, &s);
		if (s.action != FW_ALLOW)
			goto denied_ingress;
		/* allowed: the destination's rule names it, if one did */
		if (s.id)
			rule = s.id;
	}
	if (record && c->ct_handle) {
		conn.rule = rule;
		bpf_map_update_elem(&fw_conns, &c->ct_handle, &conn, BPF_ANY);
	}
	return nfc_allow(c, rule);
denied_egress:
	if (record && c->ct_handle)
		bpf_map_delete_elem(&fw_conns, &c->ct_handle);
	return nfc_deny(c, NFC_DROP_POLICY_EGRESS, s.id);
denied_ingress:
	if (record && c->ct_handle)
		bpf_map_delete_elem(&fw_conns, &c->ct_handle);
	return nfc_deny(c, NFC_DROP_POLICY_INGRESS, s.id);
}

/* IPv6 neighbour discovery and multicast listeners: the link's own
 * plumbing, not connections; an endpoint's defaults never stop it. */
static __always_inline bool fw_icmp6_link(const struct nfc_key *k)
{
	__u8 type = bpf_ntohs(k->dport) >> 8;

	return k->l3 == NFC_L3_IPV6 && k->proto == IPPROTO_ICMPV6 &&
	       ((type >= 130 && type <= 137) || type == 143);
}

static __always_inline bool fw_v4mapped(const __u32 *w)
{
	return !w[0] && !w[1] && w[2] == 0xffff;
}

/* The destination port word of a connection's opening packet, from a
 * packet of its reply direction: its source port; an echo reply's request
 * type. */
static __always_inline __u32 fw_opening_w4(const struct nfc_key *k)
{
	__u16 port = bpf_ntohs(k->dport);

	if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) {
		if (port >> 8 == 0)       /* echo reply */
			port = 8 << 8;
		else if (port >> 8 == 129)
			port = 128 << 8;
		return (__u32)k->proto << 16 | port;
	}
	return (__u32)k->proto << 16 | bpf_ntohs(k->sport);
}

NFC_NF(firewall)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	const struct nfc_key *key = &c->act.key;
	__u32 zero = 0, g = 0, *gp, saddr[4], daddr[4], out;
	struct fw_conn *conn = NULL;
	struct fw_ep *src;

	if (key->l3 != NFC_L3_IPV4 && key->l3 != NFC_L3_IPV6)
		return NFC_PASS; /* ARP and other frames: not a connection */
	/* flags no connection sends: a scan, or garbage */
	if (key->proto == IPPROTO_TCP && (key->flags & NFC_KEY_F_L4) &&
	    nfc_tcp_flags_invalid(key->tcp_flags))
		return nfc_deny(c, NFC_DROP_TCP_INVALID, 0);
	if (fw_icmp6_link(key))
		return NFC_PASS;
	fw_addr(key, &key->saddr, saddr);
	fw_addr(key, &key->daddr, daddr);
	/* an IPv4-mapped address on the wire (RFC 4291 2.5.5.2) would be
	 * taken for the IPv4 endpoint */
	if (key->l3 == NFC_L3_IPV6 && (fw_v4mapped(saddr) || fw_v4mapped(daddr)))
		return nfc_deny(c, NFC_DROP_SPOOFED, 0);
	/* an endpoint tied to its interface speaks from there only: its
	 * address from elsewhere would open (or answer) its connections */
	src = fw_endpoint(key->tenant, saddr);
	if (src && src->ifindex && src->ifindex != key->ifindex)
		return nfc_deny(c, NFC_DROP_SPOOFED, 0);
	gp = bpf_map_lookup_elem(&fw_gen, &zero);
	if (gp)
		g = *gp;
	/* the way out, when an earlier node of the chain chose it */
	out = c->act.verdict == NFC_V_REDIRECT ? c->act.out_ifindex : 0;
	if (c->ct_handle)
		conn = bpf_map_lookup_elem(&fw_conns, &c->ct_handle);
	/* a later fragment has no ports to judge: it follows its datagram's
	 * first fragment (conntrack found that one's connection), between
	 * endpoints; a first fragment the node did not allow, or did not
	 * see, leaves it dropped */
	if (key->flags & NFC_KEY_F_LATER_FRAG) {
		if (conn)
			return nfc_allow(c, conn->rule);
		if (!src && !fw_nic(key->ifindex) &&
		    !fw_endpoint(key->tenant, daddr) && !fw_nic(out))
			return cfg_unknown == FW_UNKNOWN_DROP ?
				       nfc_deny(c, NFC_DROP_POLICY, 0) :
				       NFC_PASS;
		return nfc_deny(c, NFC_DROP_FRAGMENT, 0);
	}
	/* an ICMP error about a connection the node allowed passes, either
	 * way (path MTU discovery); about another, it is judged as what it
	 * is, and its connection's verdict is left alone */
	if (c->ct_flags & NFC_CTI_RELATED) {
		if (conn)
			return nfc_allow(c, conn->rule);
		return fw_judge(c, saddr, daddr,
				(__u32)key->proto << 16 | bpf_ntohs(key->dport),
				key->ifindex, out, g, false, src, false);
	}
	/* a connection judged by the rules in force passes both ways */
	if (conn && conn->gen == g)
		return nfc_allow(c, conn->rule);
	/* its reply direction, not judged by these rules (they changed, or
	 * the node never allowed it): the connection as it was opened */
	if (c->ct_dir == NFC_CT_REPLY && c->ct_handle)
		return fw_judge(c, daddr, saddr, fw_opening_w4(key), out,
				key->ifindex, g, true, src, true);
	return fw_judge(c, saddr, daddr,
			(__u32)key->proto << 16 | bpf_ntohs(key->dport),
			key->ifindex, out, g, true, src, false);
}

char LICENSE[] SEC("license") = "GPL";
