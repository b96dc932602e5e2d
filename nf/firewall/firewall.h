/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * The firewall's tables as the datapath and userspace share them.
 *
 * What users edit (nfctl, the descriptor): endpoints, an address in a VPC
 * with its default for each direction; rules, each of one endpoint's
 * ingress or egress. What the datapath reads: the rule sets compiled from
 * them (nf/firewall/firewall.c), in two generations, the active one named
 * by fw_gen; an edit compiles the other and switches once.
 */
#ifndef NF_FIREWALL_H
#define NF_FIREWALL_H

#include <linux/types.h>

/* An instance's capacity unless its config says (`capacity`): rules of
 * all its endpoints, groups expanded, and tree nodes of all its sets; the
 * maps are sized by it when the instance loads. */
#ifndef FW_RULES_MAX
#define FW_RULES_MAX 262144
#endif
#ifndef FW_ENDPOINTS_MAX
#define FW_ENDPOINTS_MAX 16384
#endif
#define FW_CONNS_MAX 262144    /* connections an instance has allowed (as
				  many as conntrack holds) */
#define FW_GROUPS_MAX 1024     /* security groups of an instance: ids 1..1024 */
#define FW_GROUP_WORDS (FW_GROUPS_MAX / 64)
#define FW_LABELS_MAX 65536

enum fw_action {
	FW_ALLOW = 0,
	FW_DENY = 1,
};

enum fw_dir {
	FW_INGRESS = 0, /* towards the endpoint: its peer is the source */
	FW_EGRESS = 1,  /* from the endpoint: its peer is the destination */
};

/* nfc node config `unknown`: a connection between two addresses that are
 * no endpoint of this instance */
enum fw_unknown {
	FW_UNKNOWN_PASS = 0,
	FW_UNKNOWN_DROP = 1,
};

/* An endpoint: an address (IPv4 mapped, see NFC_FT_IP) in a VPC. */
struct fw_ep_key {
	__u32 tenant;
	__u8 addr[16];
};

struct fw_ep {
	__u32 id;       /* 1..FW_ENDPOINTS_MAX-1; rules name it */
	__u32 ingress;  /* enum fw_action when no rule of the side matches */
	__u32 egress;
	__u32 ifindex;  /* where its packets come in; 0: anywhere. From
			   elsewhere, its address is spoofed */
};

/* A prefix of either family (NFC_FT_CIDR): IPv4 mapped, length 96 + its
 * own; 0: any address. */
struct fw_cidr {
	__u32 len;
	__u8 addr[16];
};

/* A NIC endpoint: an interface (a container's or VM's veth or tap, a VF)
 * whose traffic is one endpoint's, whatever its addresses. An address
 * endpoint comes first. Its value is the head of struct fw_ep, which the
 * datapath reads it as (never its ifindex). */
struct fw_nic_key {
	__u32 ifindex;
};

struct fw_nic {
	__u32 id;
	__u32 ingress;
	__u32 egress;
};
_Static_assert(sizeof(struct fw_nic) == __builtin_offsetof(struct fw_ep, ifindex),
	       "struct fw_nic is the head of struct fw_ep");

/* A label of an endpoint: a key (a category, `app`) and its value. */
struct fw_label_key {
	__u32 endpoint;  /* fw_ep.id */
	char key[32];
};

struct fw_label {
	char value[32];
};

/* A security group: the endpoints whose labels its selector matches, a
 * comma-separated list of terms all of which must hold - key=value,
 * key!=value, key (has the label), !key (has not). */
struct fw_group_key {
	__u32 id;        /* 1..FW_GROUPS_MAX */
};

struct fw_group {
	char selector[64];
	char name[32];
};

struct fw_rule_key {
	__u32 id;       /* non-zero: the policy id decisions report */
};

struct fw_rule {
	__u32 endpoint;  /* fw_ep.id; 0: every member of group */
	__u32 group;     /* the rule is each of this group's members' */
	__u32 peer_group; /* the peer must be an endpoint of this group */
	__u32 direction; /* enum fw_dir */
	__u32 action;    /* enum fw_action */
	__u32 priority;  /* the lowest first; equal ones by id */
	struct fw_cidr peer; /* the other end: source for ingress, destination
				for egress */
	__u8 proto;      /* 0: any */
	__u8 pad;
	__u16 port;      /* the connection's destination port (TCP, UDP, ...);
			    0 with port_end 0: any */
	__u16 port_end;  /* a range port..port_end; 0: port alone */
	__u16 icmp_type; /* ICMP and ICMPv6; FW_ICMP_ANY: any */
	char name[32];
};
#define FW_ICMP_ANY 256

/*
 * Compiled. A rule set is one endpoint's rules of one direction; its
 * rules, in the order they are tried, are at fw_rule_c[gen * capacity
 * + first ...]. Its decision tree (fw_nodes, from its root) cuts the
 * space of what a packet shows the set - the peer address as four 32-bit
 * words (IPv4 mapped), and proto << 16 | port - into regions, a few bits
 * of one word at each node, until a region meets few enough rules
 * (FW_LEAF_RULES); a leaf lists those rules (fw_refs), in order, the list
 * cut after the first that covers the whole region. A packet walks the
 * tree to its leaf and tries the leaf's rules: its cost grows with the
 * tree's depth, not with the number of rules.
 */
#define FW_SET(endpoint, dir) ((endpoint) << 1 | (dir))
#define FW_NODES_MAX FW_RULES_MAX /* tree nodes, per generation: as many */
/* leaf entries per rule an instance's fw_refs holds, per generation */
#define FW_REFS_PER_RULE 4
#ifndef FW_REFS_MAX
#define FW_REFS_MAX (FW_REFS_PER_RULE * FW_RULES_MAX) /* per generation */
#endif
#define FW_DEPTH_MAX 24      /* nodes on a way from a root to a leaf */
#define FW_LEAF_RULES 16     /* a region with this many rules is a leaf */
#define FW_LEAF_MAX FW_RULES_MAX /* a leaf's rules when no cut divides them */
#define FW_CUT_BITS 8        /* a node has at most 1 << this children */
#define FW_WORDS 6           /* peer words 0-3, proto << 16 | port, and
				the peer endpoint's id */
#define FW_EP_BITS 14        /* an endpoint id's bits */
_Static_assert(FW_ENDPOINTS_MAX == 1 << FW_EP_BITS, "endpoint ids in 14 bits");

struct fw_set_key {
	__u32 gen;
	__u32 set;
};

struct fw_set {
	__u32 first;
	__u32 count;
	__u32 root;      /* its tree's root in fw_nodes (gen's part) */
	__u32 pad;
};

#define FW_NODE_LEAF 1

/* A leaf's rule: its place in fw_rule_c (8 bytes: an mmapable array's
 * values are 8-byte aligned) */
struct fw_ref {
	__u32 rule;
	__u32 pad;
};

struct fw_node {
	__u32 base;      /* internal: its first child (the others follow it);
			    leaf: its first rule in fw_refs (gen's part) */
	__u32 count;     /* leaf: its rules */
	__u32 mask;      /* the child: (word >> shift) & mask */
	__u8 word;       /* 0-3: the peer's, 4: proto << 16 | port */
	__u8 shift;
	__u16 flags;     /* FW_NODE_LEAF */
};

struct fw_rule_c {
	__u32 addr[4];   /* the peer prefix, host order words */
	__u32 plen;      /* 0..128 (IPv4 mapped: 96 + its length) */
	__u16 lo;        /* the destination port, or ICMP type << 8 | code */
	__u16 hi;
	__u8 proto;
	__u8 action;
	__u16 pad;
	__u32 id;
	__u32 peer;      /* the peer endpoint's id: a rule about a peer group
			    is compiled once per member; 0: any peer */
	__u32 pad2;
};

/* An endpoint's groups, a bit each (group id - 1, in word (id - 1) / 64),
 * as the compiler works them out (the datapath sees only the rules they
 * expand to). */
struct fw_member {
	__u64 groups[FW_GROUP_WORDS];
};

/* userspace writes the compiled arrays through mmap, where the kernel
 * lays values out 8-byte aligned */
_Static_assert(sizeof(struct fw_rule_c) % 8 == 0 &&
		       sizeof(struct fw_node) % 8 == 0 &&
		       sizeof(struct fw_ref) % 8 == 0,
	       "compiled values are whole 8-byte words");

/* Per connection (conntrack handle): the rule that allowed it. */
struct fw_conn {
	__u32 rule;      /* 0: by the endpoints' defaults */
	__u32 gen;       /* the generation counter (fw_gen) it was judged by */
};

#endif /* NF_FIREWALL_H */
