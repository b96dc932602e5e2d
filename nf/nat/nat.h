/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * The NAT's tables as the datapath and userspace share them: rules, which
 * users edit, and each connection's translation, which the datapath keeps.
 */
#ifndef NF_NAT_H
#define NF_NAT_H

#include <linux/types.h>

#define NAT_RULES_MAX 4096
#define NAT_CONNS_MAX 262144   /* connections an instance has seen (as
				  many as conntrack holds) */
/* free (address, port) pairs a new connection's allocation tries before
 * it counts the pool exhausted */
#define NAT_TRIES 128
#define NAT_PORT_MIN 1024      /* a source NAT's default ports */
#define NAT_PORT_MAX 65535

enum nat_kind {
	NAT_SNAT = 0,        /* the source becomes an address (and port) of
				the pool to..to_end, to_port..to_port_end */
	NAT_MASQUERADE = 1,  /* the source becomes the address the kernel
				would send from towards the destination */
	NAT_EXEMPT = 2,      /* no translation (a policy-based non-NAT way) */
	NAT_DNAT = 3,        /* the destination becomes to (to_port) */
};

/* An IPv4 prefix (NFC_FT_CIDR4): its length, then the address. */
struct nat_cidr {
	__u32 len;
	__be32 addr;
};

struct nat_rule_key {
	__u32 id;            /* non-zero: the id its packets count under */
};

struct nat_rule {
	__u32 priority;      /* the lowest first; equal ones by id */
	__u32 kind;          /* enum nat_kind */
	__u32 tenant;
	__u32 in_ifindex;    /* 0: any */
	__u32 out_ifindex;   /* 0: any */
	struct nat_cidr src; /* len 0: any */
	struct nat_cidr dst;
	__u8 proto;          /* 0: any */
	__u8 pad;
	__u16 port;          /* the destination port; 0 with port_end 0: any */
	__u16 port_end;      /* a range port..port_end; 0: port alone */
	__u16 to_port;       /* SNAT: the pool's ports (0: NAT_PORT_MIN..
				NAT_PORT_MAX); DNAT: the new destination port
				(0: the packet's) */
	__u16 to_port_end;
	__u16 pad2;
	__be32 to;           /* SNAT: the pool's first address; DNAT: the new
				destination */
	__be32 to_end;       /* SNAT: its last (0: to alone) */
	char name[32];
};

/*
 * Compiled (nf/nat/nat.c): the rules in the order they are tried, lowest
 * priority then id first, at nat_rule_c[gen * NAT_RULES_MAX + i], i below
 * nat_count[gen]; nat_gen[0] names the generation packets read. An edit
 * compiles the other and switches once: a connection is never matched
 * against half an edit.
 */
struct nat_rule_c {
	struct nat_rule r;
	__u32 id;
};

/* A connection's translation (by conntrack handle): its original
 * direction as it reached the node and as it leaves it. An ICMP echo's
 * ports are its identifier (sport) and 0. */
struct nat_conn {
	__be32 osaddr;
	__be32 odaddr;
	__be32 nsaddr;
	__be32 ndaddr;
	__be16 osport;
	__be16 odport;
	__be16 nsport;
	__be16 ndport;
	__u32 rule;          /* the rule that chose it; 0: none matched */
};

#endif /* NF_NAT_H */
