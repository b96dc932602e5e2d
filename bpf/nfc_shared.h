/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Types shared by the datapath (BPF) and the control plane (userspace).
 * Fixed-width types only, no pointers: both sides must agree byte for byte.
 */
#ifndef NFC_SHARED_H
#define NFC_SHARED_H

#include <linux/types.h>
#include "nfc_config.h"

/*
 * The version of this header's layouts (key, action set, context, hop
 * table, counters) and of the framework's maps. Every object carries it with
 * the build's limits (struct nfc_abi, set by nfc.h); the runtime refuses an
 * object built against others. Bump it with any change an object would see.
 */
#define NFC_ABI_VERSION 14

/* A chain version owns one block of NFC_BLOCK_SIZE slots in the per-hook
 * program array; block 0 is the framework's (slot 0: executor). */
#define NFC_BLOCK_SIZE 32
/* Block 0, one block per chain, and one spare: a chain that changes takes a
 * free block for its new version before it gives back its old one, and
 * mutations are serialised, so one spare lets any chain change while every
 * other chain exists. */
#define NFC_MAX_BLOCKS (NFC_MAX_CHAINS + 1)
#define NFC_SLOTS (NFC_BLOCK_SIZE * NFC_MAX_BLOCKS)
/* root -> hop 0 .. hop 31 -> executor is 33 tail calls, the kernel's limit */
#define NFC_MAX_HOPS NFC_BLOCK_SIZE
#define NFC_MAX_OUTCOMES 8
#define NFC_EXEC_SLOT 0
/* nfc_ctx.hop of a flow cache hit sent to the executor program: of an
 * entry, of a flow slot (nfbench's tail-calling root). A packet the root's
 * express lane serves (nfc_root_express()) leaves the context as it was. */
#define NFC_HOP_FAST 0xffff
#define NFC_HOP_SLOT 0xfffe

struct nfc_abi {
	__u32 version;	     /* NFC_ABI_VERSION */
	__u32 max_chains;    /* NFC_MAX_CHAINS */
	__u32 max_instances; /* NFC_MAX_INSTANCES */
	__u32 block_size;    /* NFC_BLOCK_SIZE */
	__u32 ct_entries;    /* NFC_CT_ENTRIES */
	__u32 flow_entries;  /* NFC_FLOW_ENTRIES */
};

#define NFC_ABI_INIT                                                          \
	{ NFC_ABI_VERSION, NFC_MAX_CHAINS, NFC_MAX_INSTANCES, NFC_BLOCK_SIZE,  \
	  NFC_CT_ENTRIES, NFC_FLOW_ENTRIES }

/* Well-known outcome indexes; a module may declare more after these. */
enum nfc_outcome {
	NFC_PASS = 0,
	NFC_DENY = 1,
};

/* Hop table: what follows each outcome of a hop. */
#define NFC_NEXT_PASS 0xfe /* end of chain: the executor applies the action set */
#define NFC_NEXT_DROP 0xff /* end of chain: drop */
#define NFC_NEXT_NONE 0xfd /* outcome not declared by the module: a bug, dropped */

struct nfc_hop {
	__u32 counter; /* the node instance's entry in nfc_node_stats: it
			  stays with the instance across versions */
	__u8 next[NFC_MAX_OUTCOMES];
};

enum nfc_l3 {
	NFC_L3_NONE = 0,
	NFC_L3_IPV4 = 4,
	NFC_L3_IPV6 = 6,
	NFC_L3_ARP = 8,
};

/* nfc_key.flags */
#define NFC_KEY_F_VLAN0 (1 << 0) /* outer 802.1Q/802.1ad tag present */
#define NFC_KEY_F_VLAN1 (1 << 1) /* inner tag present */
#define NFC_KEY_F_FRAG (1 << 2)  /* IP fragment */
#define NFC_KEY_F_LATER_FRAG (1 << 3) /* not the first fragment: no L4 header */
#define NFC_KEY_F_VXLAN (1 << 4) /* key describes the inner frame of a VXLAN packet */
#define NFC_KEY_F_L4 (1 << 5)    /* ports/ICMP fields are valid */

union nfc_addr {
	__be32 v4;
	__be32 v6[4];
	__u8 b[16];
};

/*
 * The flow key: the parsed identity of a packet. For VXLAN packets it is the
 * inner frame's, with the VNI as tenant. ICMP/ICMPv6: sport holds the echo
 * identifier (0 for other types), dport holds type << 8 | code.
 */
struct nfc_key {
	__u32 ifindex; /* ingress interface */
	__u32 tenant;  /* the VPC: a VXLAN packet's VNI, else the tenant of
			  the interface it came in on (0: none) */
	__u8 dmac[6];
	__u8 smac[6];
	__be16 ethertype; /* of the L3 header, after any VLAN tags */
	__be16 vlan[2];   /* TCI of the outer and inner tag, see flags */
	__u8 l3;          /* enum nfc_l3 */
	__u8 proto;       /* L4 protocol (IPv6: after extension headers) */
	__u8 tcp_flags;
	__u8 flags;       /* NFC_KEY_F_* */
	__u16 zone;       /* 0 as parsed; the chain id in flow cache keys */
	union nfc_addr saddr;
	union nfc_addr daddr;
	__be16 sport;
	__be16 dport;
	__u32 pad;        /* 0: the key is whole 8-byte words (nfc_flow_id) */
} __attribute__((__aligned__(8)));

typedef __u64 __attribute__((__may_alias__)) nfc_key_word;
#define NFC_KEY_WORDS (sizeof(struct nfc_key) / sizeof(__u64))
/* Word 3 of a key, on little-endian hosts (BPF on x86 and arm64): vlan[1],
 * l3, proto, tcp_flags, flags and zone at these shifts. */
#define NFC_KEY_W3 3
#define NFC_KEY_SHIFT(f) ((__builtin_offsetof(struct nfc_key, f) - 24) * 8)
_Static_assert(__builtin_offsetof(struct nfc_key, vlan[1]) == 24 &&
		       __builtin_offsetof(struct nfc_key, zone) == 30 &&
		       __builtin_offsetof(struct nfc_key, saddr) == 32 &&
		       __builtin_offsetof(struct nfc_key, sport) == 64,
	       "the words of struct nfc_key");

/*
 * The flow cache's map key for flow key @k: a 64-bit digest of its nine
 * words, so that the kernel's hash table hashes and compares 8 bytes, not
 * 72 (a lookup took 31 ns with the whole key, 12 with the digest, in a
 * BPF_PROG_TEST_RUN loop here). The entry keeps the whole key and a lookup
 * compares it (nfc_key_eq): two flows of one digest are misses for each
 * other, taking the slow path in turn, never each other's result. Not
 * keyed: whoever knows a flow's whole key (MACs, interface and tenant
 * included) can make a second flow collide with it and slow both down.
 */
static inline __u64 nfc_flow_id(const struct nfc_key *k)
{
	const nfc_key_word *w = (const nfc_key_word *)k;
	/* odd constants, one per word: each word is multiplied on its own
	 * and the products summed, so the CPU runs the multiplications side
	 * by side (a chain of nine dependent ones was most of a lookup) */
	__u64 h = (w[0] ^ (w[0] >> 29)) * 0x9e3779b97f4a7c15ULL +
		  (w[1] ^ (w[1] >> 29)) * 0xc2b2ae3d27d4eb4fULL +
		  (w[2] ^ (w[2] >> 29)) * 0x165667b19e3779f9ULL +
		  (w[3] ^ (w[3] >> 29)) * 0xd6e8feb86659fd93ULL +
		  (w[4] ^ (w[4] >> 29)) * 0xff51afd7ed558ccdULL +
		  (w[5] ^ (w[5] >> 29)) * 0xc4ceb9fe1a85ec53ULL +
		  (w[6] ^ (w[6] >> 29)) * 0x87c37b91114253d5ULL +
		  (w[7] ^ (w[7] >> 29)) * 0x4cf5ad432745937fULL +
		  (w[8] ^ (w[8] >> 29)) * 0xa0761d6478bd642fULL;

	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	return h ^ h >> 32;
}

/* The flow slots per CPU (struct nfc_flow_slot) and their sets: 8192,
 * 960 KiB per CPU and 832 KiB of their parallel part. With 4096 in sets of
 * two, a quarter of nfbench's 4096 live flows found no slot of their set
 * free and took the hash table; with 8192, a tenth; with a second set per
 * flow, about none (see bench/README.md). */
#ifndef NFC_FLOW_SLOT_BITS
#define NFC_FLOW_SLOT_BITS 13
#endif
#define NFC_FLOW_SLOTS (1U << NFC_FLOW_SLOT_BITS)
/* a flow's two sets come from disjoint bits of one 64-bit digest */
_Static_assert(2 * NFC_FLOW_SLOT_BITS <= 64, "NFC_FLOW_SLOT_BITS too large");
/* A slot hit this recently is not taken by another flow. */
#define NFC_FLOW_SLOT_KEEP_NS (20 * 1000000ULL)

/*
 * The digest that chooses the sets of flow slots (bpf/flow.h) of the flow
 * key of words @w0..@w8: a lighter hash than nfc_flow_id(), as a slot is
 * looked up before the digest is needed (on a miss). The addresses and
 * ports are multiplied, the other words folded in.
 */
static inline __u64 nfc_flow_sets_words(__u64 w0, __u64 w1, __u64 w2,
					__u64 w3, __u64 w4, __u64 w5,
					__u64 w6, __u64 w7, __u64 w8)
{
	__u64 h = (w0 ^ w1 ^ w2 ^ w3 ^ w5 ^ w7) +
		  w4 * 0x9e3779b97f4a7c15ULL + w6 * 0xc2b2ae3d27d4eb4fULL +
		  w8 * 0x165667b19e3779f9ULL;

	h ^= h >> 29;
	return h * 0xff51afd7ed558ccdULL;
}

/* A flow's first set of two slots, of its digest @h: the top bits, the
 * last one 0. */
static inline __u32 nfc_flow_set_a(__u64 h)
{
	return (h >> (64 - NFC_FLOW_SLOT_BITS)) & ~1U;
}

/* Its second set, where it goes when the two slots of the first serve
 * other flows: the next bits, never the first set. */
static inline __u32 nfc_flow_set_b(__u64 h)
{
	__u32 b = (h >> (64 - 2 * NFC_FLOW_SLOT_BITS)) &
		  (NFC_FLOW_SLOTS - 2);

	return b == nfc_flow_set_a(h) ? b ^ 2 : b;
}

/* The flow slots a flow of digest @h may have, in the order they are
 * looked up and filled: the two of its first set, then the two of its
 * second. */
#define NFC_FLOW_SLOT_WAYS 4
static inline void nfc_flow_slot_ways(__u64 h, __u32 *way)
{
	way[0] = nfc_flow_set_a(h);
	way[1] = way[0] | 1;
	way[2] = nfc_flow_set_b(h);
	way[3] = way[2] | 1;
}

static inline __u64 nfc_flow_sets(const struct nfc_key *k)
{
	const nfc_key_word *w = (const nfc_key_word *)k;

	return nfc_flow_sets_words(w[0], w[1], w[2], w[3], w[4], w[5], w[6],
				   w[7], w[8]);
}

/* Whether flow keys @a and @b are the same, word by word. */
static inline int nfc_key_eq(const struct nfc_key *a, const struct nfc_key *b)
{
	const nfc_key_word *x = (const nfc_key_word *)a;
	const nfc_key_word *y = (const nfc_key_word *)b;
	__u64 diff = 0;
	unsigned int i;

	for (i = 0; i < NFC_KEY_WORDS; i++)
		diff |= x[i] ^ y[i];
	return !diff;
}

/* nfc_action.flags: fields of action.key that differ from the parsed key */
#define NFC_ACT_DMAC (1 << 0)
#define NFC_ACT_SMAC (1 << 1)
#define NFC_ACT_SADDR (1 << 2)
#define NFC_ACT_DADDR (1 << 3)
#define NFC_ACT_SPORT (1 << 4)
#define NFC_ACT_DPORT (1 << 5)
#define NFC_ACT_TTL_DEC (1 << 6)
/* VXLAN: take the outer headers off (the packet leaves as the inner frame
 * its key describes), put the action set's tunnel's on (struct nfc_tunnel);
 * rewrites apply to the inner frame, after a decap and before an encap */
#define NFC_ACT_DECAP (1 << 7)
#define NFC_ACT_ENCAP (1 << 8)
/* ARP: the request becomes its reply (operation 2, sender action.key.smac
 * at the address asked for, target the asker); with NFC_ACT_DMAC and
 * NFC_ACT_SMAC for the Ethernet header and verdict tx (nfc_arp_reply()) */
#define NFC_ACT_ARP_REPLY (1 << 9)
/* IPv6: the neighbour solicitation becomes its advertisement (type 136,
 * solicited and override, the target's link-layer address action.key.smac
 * in the option the source's was in); with NFC_ACT_SADDR (the target),
 * NFC_ACT_DADDR (the asker), the MACs and verdict tx (nfc_nd_reply()) */
#define NFC_ACT_ND_REPLY (1 << 10)
/* the outer 802.1Q tag: action.key.vlan[0] with NFC_KEY_F_VLAN0 in
 * action.key.flags is what the frame leaves with (pushed, or its TCI
 * written), without the flag it leaves untagged (popped) (nfc_set_vlan());
 * applied after the rewrites of the frame, before an encap */
#define NFC_ACT_VLAN (1 << 11)
/* ICMP error (IPv4): the packet it quotes gets the addresses and ports
 * of the context's quote (struct nfc_quote, nfc_set_quote()): a NAT
 * translating an error about a connection it translates. Never cached */
#define NFC_ACT_QUOTE (1 << 12)
/* the flags that say action.key differs from the parsed key */
#define NFC_ACT_KEY                                                           \
	(NFC_ACT_DMAC | NFC_ACT_SMAC | NFC_ACT_SADDR | NFC_ACT_DADDR |       \
	 NFC_ACT_SPORT | NFC_ACT_DPORT | NFC_ACT_VLAN)
/* not rewrites: the rule in policy counts the flow's packets but decided
 * nothing to report (a route's counters, nfc_count_as()) */
#define NFC_ACT_QUIET (1 << 13)
/* not rewrites: the rule in policy denied (nfc_deny), else it allowed */
#define NFC_ACT_DENIED (1 << 14)
/* an NF says this flow's result must not be cached (it depends on more
 * than the flow key, e.g. on payload) */
#define NFC_ACT_NOCACHE (1 << 15)

enum nfc_verdict {
	NFC_V_PASS = 0,     /* hand the packet to the kernel stack */
	NFC_V_REDIRECT = 1, /* send out of action.out_ifindex */
	NFC_V_TX = 2,       /* send back out of the ingress interface */
	NFC_V_DROP = 3,
	NFC_V_FLOOD = 4,    /* send out of every port of flood domain
			       action.out_ifindex but the ingress */
	NFC_V_MAX = 8, /* a power of two: the executor masks with it */
};
#define NFC_V_NAMED (NFC_V_FLOOD + 1) /* the verdicts that exist */

/*
 * Flood domains (NFC_V_FLOOD): a chain's ports grouped by a number its
 * switch nodes give them (a bridge domain, 0 to NFC_FLOOD_DOMAINS - 1).
 * The runtime keeps each domain's ports in nfc_flood_xdp (a device map
 * per domain, for XDP's broadcast redirect) and nfc_flood_tc (a list,
 * cloned to one by one at TC), under the domain's group: chain and domain
 * together, so two chains never flood into each other's ports.
 */
#define NFC_FLOOD_DOMAINS 4096
#define NFC_FLOOD_PORTS 64  /* ports of one domain */
#define NFC_FLOOD_GROUPS 16384 /* domains in use on a host */

static inline __u32 nfc_flood_group(__u32 chain, __u32 domain)
{
	return chain * NFC_FLOOD_DOMAINS + (domain & (NFC_FLOOD_DOMAINS - 1));
}

/* A port takes a domain's frames untagged, or tagged with the domain's
 * number as VLAN id (a trunk): bit i of tagged for ifindex[i]. */
struct nfc_flood_list {
	__u32 n;                        /* ports in ifindex[] */
	__u32 pad;
	__u64 tagged;
	__u32 ifindex[NFC_FLOOD_PORTS];
};
_Static_assert(NFC_FLOOD_PORTS <= 64, "one bit of nfc_flood_list.tagged per port");

/* Drop reasons: one list, printed by name by nfctl and the event reader. */
#define NFC_DROP_REASONS(X)                                                   \
	X(NONE, "none")                                                       \
	X(MALFORMED, "malformed")           /* a header failed its bounds or sanity checks */ \
	X(POLICY, "policy")                 /* an NF denied it */              \
	X(MISSED_TAIL_CALL, "missed-tail-call") /* an empty or wrong slot */   \
	X(NO_ROUTE, "no-route")             /* nothing to forward it to */      \
	X(TTL_EXCEEDED, "ttl-exceeded")                                        \
	X(REWRITE, "rewrite-failed")        /* the executor could not write it */ \
	X(NO_CONTEXT, "no-context")         /* the per-CPU context was missing */ \
	X(BAD_HOP, "bad-hop")               /* hop table entry missing or outcome undeclared */ \
	X(REDIRECT, "redirect-failed")                                         \
	X(VNI_UNKNOWN, "vni-unknown")       /* of a VPC (VNI) not configured here */ \
	X(VTEP_MISMATCH, "vtep-mismatch")   /* VXLAN to an address not this host's VTEP of its VPC */ \
	X(SPOOFED, "spoofed")               /* from an address not the sender's in its VPC */ \
	X(VXLAN_MALFORMED, "vxlan-malformed") /* to the VXLAN port, not VXLAN (flags) */ \
	X(MTU, "mtu-exceeded")              /* too long for its way out once encapsulated */ \
	X(VLAN, "vlan-tagged")              /* tagged, where a VPC takes untagged frames */ \
	X(NO_PORTS, "no-flood-ports")       /* flooded to a domain without ports */ \
	X(SAME_PORT, "same-port")           /* switched to the port it came in on */ \
	X(VLAN_MEMBER, "vlan-not-member")   /* of a VLAN its port (in or out) does not carry */ \
	X(POLICY_EGRESS, "policy-egress")   /* its source endpoint's egress policy denied it */ \
	X(POLICY_INGRESS, "policy-ingress") /* its destination endpoint's ingress policy denied it */ \
	X(NAT_EXHAUSTED, "nat-exhausted")   /* its NAT rule's pool had no free address and port for it */ \
	X(NAT_UNTRACKED, "nat-untracked")   /* to be translated, but no connection (a later fragment) */ \
	X(FRAGMENT, "fragment")             /* a later fragment whose first fragment was not allowed, or not seen */ \
	X(TCP_INVALID, "tcp-invalid")       /* TCP flags no connection sends (SYN+FIN, none, ...) */

#define NFC_DROP_ENUM(name, str) NFC_DROP_##name,
enum nfc_drop_reason { NFC_DROP_REASONS(NFC_DROP_ENUM) NFC_DROP_MAX };
#undef NFC_DROP_ENUM

/* What the chain decided for a packet, but for the final key: the head of
 * struct nfc_action, the part a flow slot keeps (struct nfc_act_head). */
#define NFC_ACTION_HEAD                                                        \
	__u32 out_ifindex;  /* NFC_V_REDIRECT */                               \
	__u32 policy;       /* id of the rule that decided, 0 when none */     \
	__u32 policy_node;  /* the node instance (nfc_hop.counter) whose rule  \
			       it is; set by the executor from policy_hop */   \
	__u16 flags;        /* NFC_ACT_* */                                    \
	__u8 verdict;       /* enum nfc_verdict */                             \
	__u8 reason;        /* enum nfc_drop_reason when verdict is drop */    \
	__u8 policy_hop;    /* the hop that set policy */                      \
	__u8 pad[7]

struct nfc_act_head {
	NFC_ACTION_HEAD;
};

/* The outer headers NFC_ACT_ENCAP puts on: Ethernet, IPv4, UDP (from a
 * port of the inner flow's hash, RFC 7348), VXLAN. For NFC_ACT_DECAP, the
 * outer addresses the VXLAN must have (saddr, daddr): a cached result
 * decapsulates only what the chain would have (the flow key is the inner
 * frame's). */
struct nfc_tunnel {
	__be32 saddr;    /* the local VTEP */
	__be32 daddr;    /* the remote VTEP */
	__u32 vni;       /* host order, 24 bits */
	__u8 smac[6];    /* of the way out */
	__u8 dmac[6];    /* the remote VTEP's, or its gateway's */
	__be16 port;     /* UDP destination port (4789) */
	__be16 sport;    /* UDP source port: of the inner flow's hash, in
			    49152-65535 (nfc_encap()) */
};

/* The flags under which an action set has more than its head: a hit reads
 * the rest (key, tunnel) only then. */
#define NFC_ACT_TUN (NFC_ACT_ENCAP | NFC_ACT_DECAP)
#define NFC_ACT_EXT (NFC_ACT_KEY | NFC_ACT_TUN)

/* What the chain decided for a packet. */
struct nfc_action {
	NFC_ACTION_HEAD;
	/* last: a flow cache hit reads them only when a rewrite changed the
	 * key (NFC_ACT_KEY) or an encap needs the tunnel, so they stay out of
	 * the entry's hot cache lines */
	struct nfc_key key;    /* the final key: rewrites as marked in flags */
	struct nfc_tunnel tun; /* NFC_ACT_ENCAP, NFC_ACT_DECAP */
};
_Static_assert(sizeof(struct nfc_act_head) ==
		       __builtin_offsetof(struct nfc_action, key),
	       "struct nfc_act_head is the head of struct nfc_action");

/*
 * Connection tracking (bpf/ct.h). One table for every chain of the host:
 * a connection is one entry whatever chain or direction sees it. The key is
 * canonical, the lower (address, port) side first, so both directions of a
 * connection find the same entry; the entry says which side opened it.
 */
enum nfc_ct_state {
	NFC_CT_NONE = 0,     /* not tracked (not IP, a later fragment, ...) */
	NFC_CT_NEW,          /* opened; TCP: SYN seen; others: no reply yet */
	NFC_CT_SYN_RECV,     /* TCP: SYN-ACK seen */
	NFC_CT_ESTABLISHED,  /* TCP: handshake done; others: replied */
	NFC_CT_CLOSING,      /* TCP: one side sent FIN */
	NFC_CT_CLOSED,       /* TCP: both sides sent FIN, or RST */
	NFC_CT_STATE_MAX,
};

/* Timeout classes: a per-state timeout for each (nfc_ct_config). */
enum nfc_ct_class {
	NFC_CTC_TCP = 0,
	NFC_CTC_UDP,
	NFC_CTC_ICMP,
	NFC_CTC_OTHER, /* other IP protocols, tracked by addresses alone */
	NFC_CTC_MAX,
};

/* The timeout class of an IP protocol (BPF and userspace alike). */
static inline __u32 nfc_ct_class(__u8 proto)
{
	switch (proto) {
	case 6:  /* IPPROTO_TCP */
		return NFC_CTC_TCP;
	case 17: /* IPPROTO_UDP */
		return NFC_CTC_UDP;
	case 1:  /* IPPROTO_ICMP */
	case 58: /* IPPROTO_ICMPV6 */
		return NFC_CTC_ICMP;
	default:
		return NFC_CTC_OTHER;
	}
}

/* Default timeouts in seconds, [class][state] (NONE column unused). TCP
 * like Cilium's: half-open 60 s, established 6 h, closing 2 min, closed
 * 10 s; UDP 30 s unreplied, 3 min replied; ICMP 30 s. */
#define NFC_CT_TIMEOUT_DEFAULTS                                               \
	{                                                                     \
		[NFC_CTC_TCP] = { 0, 60, 60, 21600, 120, 10 },                \
		[NFC_CTC_UDP] = { 0, 30, 30, 180, 30, 30 },                   \
		[NFC_CTC_ICMP] = { 0, 30, 30, 30, 30, 30 },                   \
		[NFC_CTC_OTHER] = { 0, 30, 30, 180, 30, 30 },                 \
	}
#define NFC_DROP_EVENTS_PER_SEC 100
#define NFC_FLOW_REFRESH_MS 1000

struct nfc_ct_key {
	__u32 tenant;
	__u8 l3;         /* NFC_L3_IPV4 or NFC_L3_IPV6 */
	__u8 proto;
	__u16 pad;       /* 0 */
	union nfc_addr addr[2]; /* canonical order, see nfc_ct_key_make() */
	__be16 port[2];  /* TCP/UDP ports; ICMP echo: the identifier on the
			    requester's side, 0 on the other */
};

/* nfc_ct.flags */
#define NFC_CT_F_ORIG_1 (1 << 0)     /* the originator is addr[1]/port[1] */
#define NFC_CT_F_SEEN_REPLY (1 << 1) /* a packet went the reply way */
#define NFC_CT_F_MIDSTREAM (1 << 2)  /* picked up after its start */
#define NFC_CT_F_DECIDED (1 << 3)    /* decision[0] holds a chain's last report */
#define NFC_CT_F_DECIDED1 (1 << 4)   /* decision[1] holds another chain's */
/* chains whose decisions about one connection are kept apart (the chain at
 * each end of it) */
#define NFC_CT_DECISIONS 2

/* the last decision a chain reported about a connection (once per
 * connection and chain) */
struct nfc_ct_decision {
	__u32 chain;
	__u32 node;
	__u32 policy;
	__u8 verdict;
	__u8 pad[3];
};

struct nfc_ct {
	__u64 handle;      /* stable for the connection's life: the key modules
			      use for their own per-connection data */
	__u64 created_ns;  /* CLOCK_MONOTONIC(_COARSE), see nfc_now() */
	__u64 last_ns;     /* last packet (the flow cache refreshes it) */
	__u32 ifindex[2];  /* where the original / reply direction entered */
	__u8 state;        /* enum nfc_ct_state */
	__u8 flags;        /* NFC_CT_F_* */
	__u8 fin;          /* TCP: 1 << direction for each FIN seen */
	__u8 pad;
	struct nfc_ct_decision decision[NFC_CT_DECISIONS];
	__u32 pad2;
};

/*
 * A connection's second tuple (nfc_ct_nat): the connection as it is seen
 * once a NAT translated it, under that tuple's canonical key. The root's
 * tracking finds the connection by it (bpf/ct.h: nfc_ct_find()), so the
 * translated replies are the connection's reply direction.
 */
struct nfc_ct_alias {
	struct nfc_ct_key orig; /* the connection's key in nfc_ct */
	__u32 pad;
	__u64 handle;  /* its handle: under another handle, or none, the
			  connection is gone and the alias dead */
	__u8 flags;    /* NFC_CT_F_ORIG_1: the original direction, translated,
			  goes from side 1 of the alias's key */
	__u8 pad2[7];
};

enum nfc_ct_dir {
	NFC_CT_ORIG = 0,
	NFC_CT_REPLY = 1,
};

/* nfc_ctx.ct_flags */
#define NFC_CTI_NEW (1 << 0)     /* this packet opened the connection */
#define NFC_CTI_RELATED (1 << 1) /* an ICMP error about the connection */
#define NFC_CTI_FRAG (1 << 2)    /* a later fragment of a datagram whose
				    first fragment was the connection's */

#define NFC_FRAGS 16384 /* datagrams in fragments followed at once */

/* The datagram of an IP fragment (nfc_frags): what RFC 791 and 8200 tell
 * fragments apart by, and the tenant. */
struct nfc_frag_key {
	__u32 tenant;
	__u8 l3;
	__u8 proto;
	__u16 pad;
	union nfc_addr saddr;
	union nfc_addr daddr;
	__u32 id;        /* nfc_ctx.frag_id */
};

/* Its first fragment's connection and direction. */
struct nfc_frag {
	struct nfc_ct_key ct;
	__u32 pad;
	__u64 handle;
	__u8 dir;        /* enum nfc_ct_dir */
	__u8 pad2[7];
};

/* Datapath counters of the table (nfc_ct_stats, per CPU). Entries
 * userspace removes are counted in nfc_ct_gc_stats; what neither took out
 * the kernel's LRU evicted: evicted = created - removed - live. */
struct nfc_ct_dp_stats {
	__u64 created;   /* new entries inserted */
	__u64 reopened;  /* an expired or closed entry reused in place */
	__u64 related;   /* ICMP errors matched to a connection */
	__u64 untracked; /* IP packets that neither matched nor opened one */
	__u64 insert_failed;
	__u64 frags;     /* later fragments that followed their first */
	__u64 frags_unknown; /* later fragments whose first was not seen */
	__u64 invalid;   /* TCP flag combinations no connection has */
};

/* Entry 0: nfmgrd's aging; entry 1: nfctl ct flush (under the lock). */
struct nfc_ct_gc_stats {
	__u64 expired;
	__u64 flushed;
	__u64 flows_expired;
	__u64 flows_flushed;
	__u64 runs;
	__u64 last_run_ns;
};

/*
 * Tunables every program reads from nfc_config (one entry); 0 means the
 * default beside each field.
 */
struct nfc_config {
	__u32 ct_timeout[NFC_CTC_MAX][NFC_CT_STATE_MAX]; /* seconds */
	__u32 drop_events_per_sec; /* per CPU and reason; default 100 */
	__u32 flow_refresh_ms;     /* flow cache -> conntrack freshness; 1000 */
};

/*
 * The flow cache: the chain's result for a flow. Map key: nfc_flow_id() of
 * the flow key (the parsed nfc_key with tcp_flags 0 and zone = chain id).
 * Value: that flow key and the action set, tagged with the chain version
 * and the flow epoch that made it; an entry of another version, epoch or
 * key is a miss.
 */
struct nfc_flow {
	/* what a hit reads and writes, in three cache lines (act.key only
	 * when the chain rewrote it) */
	struct nfc_key key;
	__u32 version;
	__u32 epoch;       /* nfc_flow_epoch when it was stored: a bump (a MAC
			      moved, a host LPM table changed) makes it a
			      miss as another version does */
	__u64 packets;     /* every packet of the flow since the entry was made */
	__u64 bytes;
	__u64 last_ns;
	__u64 ct_seen_ns;  /* when it last refreshed its connection */
	__u64 ct_handle;   /* its connection's handle when it was stored; 0:
			      none (handles are never 0) */
	struct nfc_action act;
	/* then what a hit reads once a second at most */
	__u64 created_ns;
	struct nfc_ct_key ct; /* its connection; ct.l3 == 0 when none */
	__u32 pad2;
};

/*
 * The flow cache's per-CPU front (bpf/flow.h): NFC_FLOW_SLOTS slots per
 * CPU in sets of two, a flow's two sets chosen by its digest
 * (nfc_flow_sets(), nfc_flow_slot_ways()). A slot
 * holds a flow entry's key and action set, and the packets and bytes of
 * the hits it served that are not yet in any counter: the flow's, its
 * chain's, its endpoints' and its rule's. The datapath adds them there when
 * the slot is folded (at least every nfc_config.flow_refresh_ms while the
 * flow is hit, and before the slot serves another flow); userspace adds
 * what is still in the slots when it reads counters (nfc_slot_hits_read(),
 * manager/runtime/slots.c). (NFC_FLOW_SLOTS, NFC_FLOW_SLOT_BITS,
 * NFC_FLOW_SLOT_KEEP_NS: with nfc_flow_set_words() above.)
 *
 * A slot is small, so that the slots of thousands of flows stay in a CPU's
 * L2 cache (the live cost of a hit is its cache misses: bench/README.md).
 * It keeps the flow key in six words (struct nfc_slot_key): the first four
 * as they are, the addresses in one, the ports in the last. An IPv4 key's
 * addresses fit that word whole; a wider key's (IPv6) do not, and the slot
 * holds them in a parallel array (struct nfc_flow_slot_ext) that its hits
 * read too. So does a flow whose chain rewrote the key: the rewritten key
 * is there, and only its hits read it.
 */

/* A flow key in six words (nfc_slot_key_of()). */
struct nfc_slot_key {
	nfc_key_word w[4];  /* words 0-3 of the flow key */
	__u64 addrs;        /* narrow: saddr.v4 | daddr.v4 << 32; wide: a fold
			       of the four address words */
	__be16 sport;
	__be16 dport;
	__u32 wide;         /* 1: the addresses need more than 32 bits each */
};

struct nfc_flow_slot {
	/* what every hit reads: the key, whether the slot serves, the fold */
	struct nfc_slot_key key;
	__u32 version;        /* the entry's chain version; 0: serves nothing */
	__u32 epoch;          /* nfc_flow_epoch when it was filled */
	__u64 fold_ns;        /* when the next hit folds */
	/* and writes or takes */
	__u64 packets;        /* hits not yet folded */
	__u64 bytes;
	__u64 last_ns;        /* the last hit */
	__u32 gen;            /* nfc_chain_gen of its chain when filled: the
				 hits of a deleted chain's slot go to no
				 chain, rule or flow of its successor */
	__u32 pad;
	struct nfc_act_head act;
};

/* The part of a slot (same index, same CPU) only some flows' hits read. */
struct nfc_flow_slot_ext {
	nfc_key_word addrs[4]; /* words 4-7 of a wide key */
	struct nfc_key act_key; /* the action set's key, when NFC_ACT_KEY */
	struct nfc_tunnel act_tun; /* its tunnel, when NFC_ACT_TUN */
};

/* Words 4-7 of a flow key (its addresses): whether they are wide. */
static inline __u32 nfc_slot_wide(__u64 w4, __u64 w5, __u64 w6, __u64 w7)
{
	return (w5 | w7 | (w4 | w6) >> 32) != 0;
}

/* Their word in a slot key: IPv4's two addresses as they are; a fold
 * (never compared alone) for wider ones. */
static inline __u64 nfc_slot_addrs(__u64 w4, __u64 w5, __u64 w6, __u64 w7)
{
	__u64 x = w6 ^ w7;

	return w4 ^ w5 ^ (x << 32 | x >> 32);
}

/* The flow key of words @w0..@w8 as a slot key, the six words of a
 * struct nfc_slot_key, into @sk. */
static inline void nfc_slot_key_words(nfc_key_word *sk, __u64 w0, __u64 w1,
				      __u64 w2, __u64 w3, __u64 w4, __u64 w5,
				      __u64 w6, __u64 w7, __u64 w8)
{
	sk[0] = w0;
	sk[1] = w1;
	sk[2] = w2;
	sk[3] = w3;
	sk[4] = nfc_slot_addrs(w4, w5, w6, w7);
	sk[5] = w8 | (__u64)nfc_slot_wide(w4, w5, w6, w7) << 32; /* ports, wide */
}

/* Flow key @k in six words, into @sk. */
static inline void nfc_slot_key_of(struct nfc_slot_key *sk,
				   const struct nfc_key *k)
{
	const nfc_key_word *w = (const nfc_key_word *)k;

	nfc_slot_key_words((nfc_key_word *)sk, w[0], w[1], w[2], w[3], w[4],
			   w[5], w[6], w[7], w[8]);
}

/* The flow key of slot key @sk (@x: the slot's parallel part, read only
 * when the key is wide), into @k. */
static inline void nfc_slot_key_full(struct nfc_key *k,
				     const struct nfc_slot_key *sk,
				     const struct nfc_flow_slot_ext *x)
{
	nfc_key_word *w = (nfc_key_word *)k;

	w[0] = sk->w[0];
	w[1] = sk->w[1];
	w[2] = sk->w[2];
	w[3] = sk->w[3];
	if (sk->wide) {
		w[4] = x->addrs[0];
		w[5] = x->addrs[1];
		w[6] = x->addrs[2];
		w[7] = x->addrs[3];
	} else {
		w[4] = (__u32)sk->addrs;
		w[5] = 0;
		w[6] = sk->addrs >> 32;
		w[7] = 0;
	}
	w[8] = 0;
	k->sport = sk->sport;
	k->dport = sk->dport;
}

/* Where a packet whose verdict is @verdict (out of @out when redirected)
 * that came in on @in leaves (the endpoint its out counters go to), 0 for
 * none. */
static inline __u32 nfc_out_ifindex(__u8 verdict, __u32 out, __u32 in)
{
	if (verdict == NFC_V_REDIRECT)
		return out;
	return verdict == NFC_V_TX ? in : 0;
}

/* The per-CPU context one packet carries through its chain. */
/* What an ICMP error's quoted packet becomes (NFC_ACT_QUOTE). */
struct nfc_quote {
	union nfc_addr saddr;
	union nfc_addr daddr;
	__be16 sport;   /* TCP, UDP, SCTP ports; ICMP echo: the identifier, */
	__be16 dport;   /* in sport for a request, in dport for a reply */
	__u32 pad;
};

struct nfc_ctx {
	struct nfc_key key;    /* as parsed, never written after the root */
	struct nfc_action act; /* decided so far; NFs match on act.key, the
				  key as earlier hops rewrote it */
	__u32 chain;           /* chain id */
	__u32 version;         /* chain version the packet entered */
	__u32 base;            /* first slot of that version's block */
	__u16 hop;             /* current hop */
	__u16 l3_off;          /* offset of the (inner) L3 header, 0 if none */
	__u16 l4_off;          /* offset of the L4 header, 0 if none */
	__u16 inner_off;       /* offset of the inner Ethernet header (VXLAN) */
	__u16 outer_l3_off;    /* VXLAN: offset of the outer IP header */
	__u8 ttl;              /* IPv4 TTL or IPv6 hop limit as parsed */
	__u8 ct_state;         /* enum nfc_ct_state after this packet */
	__u8 ct_dir;           /* enum nfc_ct_dir of this packet */
	__u8 ct_flags;         /* NFC_CTI_* */
	__u8 nocache;          /* the chain runs without flow cache */
	__u8 pad;
	__u64 ct_handle;       /* the connection's, 0 when untracked */
	struct nfc_ct_key ct;  /* the connection's key (ct_state != NONE) */
	__u32 frag_id;         /* a fragment's IP identification (IPv4's 16
				  bits, IPv6's 32), as on the wire */
	struct nfc_quote quote; /* NFC_ACT_QUOTE */
};

/* Active version of each chain: block | version << 32, written by userspace
 * with one atomic 64-bit store into the mmaped array, read once per packet. */
#define NFC_ACTIVE_BLOCK(v) ((__u32)((v)&0x7fffffffULL))
#define NFC_ACTIVE_VERSION(v) ((__u32)((v) >> 32))
#define NFC_ACTIVE(block, version) ((__u64)(block) | ((__u64)(version) << 32))
/* in the block half: the chain runs without its flow cache */
#define NFC_ACTIVE_F_NOCACHE 0x80000000U
#define NFC_ACTIVE_NOCACHE(v) (!!((v)&NFC_ACTIVE_F_NOCACHE))

struct nfc_chain_stats {
	__u64 packets;
	__u64 bytes;
	__u64 verdict[NFC_V_MAX];
	__u64 drop[NFC_DROP_MAX];
	__u64 no_version; /* packets seen while the chain had no active version */
	__u64 cached;     /* packets that took the fast path (flow cache hit) */
	__u64 flows;      /* flow cache entries written */
};

/* Per node instance: what entered it and what it decided. */
struct nfc_node_stats {
	__u64 packets;
	__u64 bytes;
	__u64 outcome[NFC_MAX_OUTCOMES];
};

/* A rule's counters (nfc_rule_stats), cached packets included. */
struct nfc_rule_key {
	__u32 node;   /* the node instance (nfc_hop.counter) */
	__u32 policy; /* the rule's id in that instance */
};

struct nfc_rule_stats {
	__u64 packets;
	__u64 bytes;
};

/* Per endpoint: an interface a chain runs on (in) or sends to (out). */
struct nfc_ep_stats {
	__u64 in_packets;
	__u64 in_bytes;
	__u64 out_packets;
	__u64 out_bytes;
	__u64 new_conns;   /* connections opened by packets entering here */
	__u64 drop[NFC_DROP_MAX]; /* packets entering here, dropped */
};

/* Events on the ring that are not there: per CPU, in nfc_ev_stats. */
struct nfc_ev_stats {
	__u64 lost;                    /* the ring was full */
	__u64 suppressed[NFC_DROP_MAX]; /* drop events over the rate limit */
};

/* Rate limit state of drop events, per CPU and reason (nfc_ev_limit). */
struct nfc_ev_limit {
	__u64 window_ns;  /* start of the current one-second window */
	__u32 sent;       /* events in it */
	__u32 suppressed; /* not sent since the last one that was */
};

/*
 * LPM tables (bpf/lpm.h looks up, the runtime's lpm.c builds): prefix ->
 * 32-bit value, one multibit trie per table in a store every table shares.
 * Nodes and leaves live in chunks (arrays, mmaped by userspace) that the
 * store adds as it grows; a node or leaf index names chunk and slot.
 */
#define NFC_LPM_MAX_TABLES 65536
/* Ids from here on are node instances' tables (a manifest's `lpm:` tables):
 * NFC_LPM_INSTANCE_TABLES per instance, each in two slots, so that a new
 * generation fills its own while the running one reads the other. */
#define NFC_LPM_INSTANCE_BASE 32768
#define NFC_LPM_INSTANCE_TABLES 4
#define NFC_LPM_STRIDE 6                  /* address bits per trie level */
#define NFC_LPM_LEVELS4 6                 /* ceil(32 / 6) */
#define NFC_LPM_LEVELS6 22                /* ceil(128 / 6) */
#define NFC_LPM_NONE 0xffffffffu          /* a leaf that no prefix covers */
#define NFC_LPM_NODE_CHUNK_SHIFT 15       /* nodes per chunk: 32768 */
#define NFC_LPM_NODE_CHUNK (1u << NFC_LPM_NODE_CHUNK_SHIFT)
#define NFC_LPM_LEAF_BLOCK 16             /* leaves per array element */
#define NFC_LPM_LEAF_CHUNK_SHIFT 17       /* leaves per chunk: 131072 */
#define NFC_LPM_LEAF_CHUNK (1u << NFC_LPM_LEAF_CHUNK_SHIFT)
#define NFC_LPM_MAX_CHUNKS 2048

/*
 * One trie node: 64 slots, one per value of the next 6 address bits. A slot
 * whose bit is set in @vector leads to a child node: the children are
 * consecutive from @base1, in slot order, so the child of slot i is node
 * base1 + popcount(vector & (2 << i) - 1) - 1. Any other slot ends the
 * walk in a leaf; consecutive leaf slots with the same value share one
 * leaf, and @leafvec marks the slots where a new one starts: the leaf of
 * slot i is base0 + popcount(leafvec & (2 << i) - 1) - 1 (Poptrie).
 *
 * A path node (NFC_LPM_PATH in @base0, which no leaf index reaches) stands
 * for a chain of nodes with one way down: the address's next n bits
 * (NFC_LPM_PATH_BITS of @base0, 1..64) must be the top n of @vector, else
 * the walk ends with the value in @leafvec's low 32 bits (NFC_LPM_NONE: the
 * default route). When they are, a skip (n a multiple of 6, at most 60)
 * goes on n bits deeper at node @base1; a tail (NFC_LPM_TAIL) ends with
 * the value @base1. A region whose prefixes all lie in one slot, or that
 * holds one prefix, costs one node load instead of one per level.
 */
#define NFC_LPM_PATH 0x80000000u
#define NFC_LPM_TAIL 0x40000000u
#define NFC_LPM_PATH_BITS 0x7fu
#define NFC_LPM_SKIP_MAX 60

struct nfc_lpm_node {
	__u64 vector;
	__u64 leafvec;
	__u32 base0;
	__u32 base1;
};

struct nfc_lpm_leaves {
	__u32 v[NFC_LPM_LEAF_BLOCK];
};

enum nfc_lpm_family {
	NFC_LPM_UNUSED = 0,
	NFC_LPM_V4 = 4,
	NFC_LPM_V6 = 6,
};

/*
 * A table: its root node and the value of its default route (NFC_LPM_NONE:
 * none), which no leaf holds: a walk that ends in an empty leaf takes it.
 * Root and default share one 64-bit word, replaced with one atomic store per
 * change, so a lookup reads a state the table had. NFC_LPM_UNUSED: no such
 * table.
 */
struct nfc_lpm_table {
	__u32 root;
	__u32 dflt;
	__u32 family;
	__u32 prefixes;  /* how many, the default route included */
	__u32 capacity;  /* the most it takes */
	__u32 flags;     /* NFC_LPM_F_* */
};

/*
 * IPv4 tables made for NFC_LPM_DIRECT_CAPACITY prefixes or more also keep
 * a direct array of 2^24 entries (64 MiB, DIR-24-8's first step): the
 * longest match of each /24 (the default route included) when no longer
 * prefix lies inside it, else the trie node of depth 24 below it. A lookup
 * then makes one random memory access for most addresses instead of a walk
 * of five. IPv6 tables made for NFC_LPM_DIRECT6_CAPACITY or more keep one
 * of 2^18 entries (1 MiB, Poptrie's direct pointing) in place of the
 * trie's first three levels. Their values go up to
 * NFC_LPM_DIRECT_VALUE_MAX, and their leaves hold the default route too.
 */
#define NFC_LPM_F_DIRECT 1
#define NFC_LPM_DIRECT_CAPACITY 1000000u
#define NFC_LPM_DIRECT_BITS 24
#define NFC_LPM_DIRECT6_CAPACITY 100000u
#define NFC_LPM_DIRECT6_BITS 18
#define NFC_LPM_DIRECT_NODE 0x80000000u  /* entry: node (low bits) */
#define NFC_LPM_DIRECT_NONE 0x7fffffffu  /* entry: no prefix covers it */
#define NFC_LPM_DIRECT_VALUE_MAX 0x7ffffffeu

/*
 * The prefixes themselves, one record each in chunks of their own (the
 * trie cannot give them back: leaf pushing and compression merge them):
 * userspace reads them back to change a table, the datapath never does.
 * @table 0: a free record.
 */
#define NFC_LPM_REC_CHUNK_SHIFT 15        /* records per chunk: 32768 */
#define NFC_LPM_REC_CHUNK (1u << NFC_LPM_REC_CHUNK_SHIFT)

struct nfc_lpm_rec {
	__u32 table;
	__u32 value;
	__u8 len;
	__u8 pad[7];
	__u8 addr[16];   /* network order */
};

enum nfc_event_type {
	NFC_EV_DROP = 1,     /* a packet dropped (rate-limited per reason) */
	NFC_EV_DECISION = 2, /* a connection allowed or denied by a rule */
};

struct nfc_event {
	__u64 ts_ns;
	__u32 type;       /* enum nfc_event_type */
	__u32 chain;
	__u32 version;
	__u32 policy;     /* the rule's id, 0 when none */
	__u32 node;       /* the node instance whose rule it is, 0 when none */
	__u32 out_ifindex;
	__u32 suppressed; /* DROP: events of this reason left out on this
			     CPU just before this one */
	__u16 hop;
	__u8 verdict;     /* enum nfc_verdict */
	__u8 reason;      /* enum nfc_drop_reason */
	__u8 ct_state;
	__u8 ct_dir;
	__u8 ct_flags;
	__u8 pad[5];
	__u64 ct_handle;
	struct nfc_key key; /* as parsed (before rewrites) */
	struct nfc_key out; /* as sent (after rewrites) */
};

#endif /* NFC_SHARED_H */
