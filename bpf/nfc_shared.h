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
#define NFC_ABI_VERSION 2

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

struct nfc_abi {
	__u32 version;	     /* NFC_ABI_VERSION */
	__u32 max_chains;    /* NFC_MAX_CHAINS */
	__u32 max_instances; /* NFC_MAX_INSTANCES */
	__u32 block_size;    /* NFC_BLOCK_SIZE */
};

#define NFC_ABI_INIT                                                          \
	{ NFC_ABI_VERSION, NFC_MAX_CHAINS, NFC_MAX_INSTANCES, NFC_BLOCK_SIZE }

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
	__u32 tenant;  /* VXLAN VNI, 0 when none */
	__u8 dmac[6];
	__u8 smac[6];
	__be16 ethertype; /* of the L3 header, after any VLAN tags */
	__be16 vlan[2];   /* TCI of the outer and inner tag, see flags */
	__u8 l3;          /* enum nfc_l3 */
	__u8 proto;       /* L4 protocol (IPv6: after extension headers) */
	__u8 tcp_flags;
	__u8 flags;       /* NFC_KEY_F_* */
	__u8 pad[2];
	union nfc_addr saddr;
	union nfc_addr daddr;
	__be16 sport;
	__be16 dport;
};

/* nfc_action.flags: fields of action.key that differ from the parsed key */
#define NFC_ACT_DMAC (1 << 0)
#define NFC_ACT_SMAC (1 << 1)
#define NFC_ACT_SADDR (1 << 2)
#define NFC_ACT_DADDR (1 << 3)
#define NFC_ACT_SPORT (1 << 4)
#define NFC_ACT_DPORT (1 << 5)
#define NFC_ACT_TTL_DEC (1 << 6)

enum nfc_verdict {
	NFC_V_PASS = 0,     /* hand the packet to the kernel stack */
	NFC_V_REDIRECT = 1, /* send out of action.out_ifindex */
	NFC_V_TX = 2,       /* send back out of the ingress interface */
	NFC_V_DROP = 3,
	NFC_V_MAX,
};

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
	X(REDIRECT, "redirect-failed")

#define NFC_DROP_ENUM(name, str) NFC_DROP_##name,
enum nfc_drop_reason { NFC_DROP_REASONS(NFC_DROP_ENUM) NFC_DROP_MAX };
#undef NFC_DROP_ENUM

/* What the chain decided for a packet. */
struct nfc_action {
	struct nfc_key key; /* the final key: rewrites as marked in flags */
	__u32 out_ifindex;  /* NFC_V_REDIRECT */
	__u32 policy;       /* id of the rule that decided, 0 when none */
	__u16 flags;        /* NFC_ACT_* */
	__u8 verdict;       /* enum nfc_verdict */
	__u8 reason;        /* enum nfc_drop_reason when verdict is drop */
};

/* The per-CPU context one packet carries through its chain. */
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
	__u8 ttl;              /* IPv4 TTL or IPv6 hop limit as parsed */
	__u8 pad[7];
};

/* Active version of each chain: block | version << 32, written by userspace
 * with one atomic 64-bit store into the mmaped array, read once per packet. */
#define NFC_ACTIVE_BLOCK(v) ((__u32)((v)&0xffffffffULL))
#define NFC_ACTIVE_VERSION(v) ((__u32)((v) >> 32))
#define NFC_ACTIVE(block, version) ((__u64)(block) | ((__u64)(version) << 32))

struct nfc_chain_stats {
	__u64 packets;
	__u64 bytes;
	__u64 verdict[NFC_V_MAX];
	__u64 drop[NFC_DROP_MAX];
	__u64 no_version; /* packets seen while the chain had no active version */
};

/* Per node instance: what entered it and what it decided. */
struct nfc_node_stats {
	__u64 packets;
	__u64 bytes;
	__u64 outcome[NFC_MAX_OUTCOMES];
};

enum nfc_event_type {
	NFC_EV_DROP = 1,
};

struct nfc_event {
	__u64 ts_ns;
	__u32 type;    /* enum nfc_event_type */
	__u32 chain;
	__u32 version;
	__u32 policy;
	__u16 hop;
	__u8 verdict;
	__u8 reason;
	__u32 pad;
	struct nfc_key key;
	__u32 pad2; /* explicit: ring buffer memory is not zeroed */
};

#endif /* NFC_SHARED_H */
