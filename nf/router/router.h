/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* The router's tables as the datapath and userspace share them. */
#ifndef NF_ROUTER_H
#define NF_ROUTER_H

#include <linux/types.h>

enum router_default {
	ROUTER_DEFAULT_DROP = 0,
	ROUTER_DEFAULT_PASS = 1,
};

/* What a next hop does with what is routed to it. */
enum router_nh_action {
	ROUTER_NH_FORWARD = 0,   /* out of its interface to its neighbour */
	ROUTER_NH_BLACKHOLE = 1, /* dropped (no-route) */
	ROUTER_NH_KERNEL = 2,    /* by the kernel's routes and neighbours
				    (bpf_fib_lookup()) */
};

/* Where a forwarding next hop finds its neighbour's MAC. */
enum router_nh_neigh {
	ROUTER_NEIGH_TABLE = 0,  /* the neighbors tables */
	ROUTER_NEIGH_KERNEL = 1, /* the kernel's, on its interface */
};

/* A next hop or a next-hop group: one id space (the value of routes, a
 * u32 in the LPM tables, and of policies). */
struct router_id {
	__u32 id;
};

struct router_nexthop {
	__u32 ifindex;      /* out interface */
	__u32 action;       /* enum router_nh_action */
	__be32 gateway;     /* IPv4 neighbour; 0: the destination itself */
	__u8 smac[6];       /* the router's MAC on that link; 0: unchanged */
	__u8 pad[2];
	__u8 gateway6[16];  /* IPv6 neighbour; ::, the destination itself */
	__u32 neigh;        /* enum router_nh_neigh */
};

/* A neighbour: the MAC of an address on an interface. */
struct router_neigh_key {
	__u32 ifindex;
	__be32 addr;
};

struct router_neigh6_key {
	__u32 ifindex;
	__u8 addr[16];
};

struct router_neigh {
	__u8 mac[6];
	__u8 pad[2];
};

/* Members of an ECMP group: next-hop ids, 0 for an empty place. */
#define ROUTER_GROUP_MAX 8

struct router_group {
	__u32 nh1, nh2, nh3, nh4, nh5, nh6, nh7, nh8;
};

/* Policy routing: a rule by priority (lower first). Fields left 0 match
 * anything; a rule with IPv4 prefixes only matches IPv4, with IPv6
 * prefixes only IPv6. */
struct router_prio {
	__u32 priority;
};

struct router_cidr4 {
	__u32 plen;
	__be32 addr;
};

struct router_cidr6 {
	__u32 plen;
	__u8 addr[16];
};

struct router_policy {
	__u32 ifindex;           /* ingress interface; 0: any */
	__u32 tenant;            /* 0: any */
	struct router_cidr4 src;
	struct router_cidr4 dst;
	struct router_cidr6 src6;
	struct router_cidr6 dst6;
	__u8 proto;              /* 0: any */
	__u8 pad[3];
	__be16 sport, sport_end; /* a range (end 0: sport alone); 0: any */
	__be16 dport, dport_end;
	__u32 via;               /* ROUTER_POLICY_ROUTE: a next hop's or a
				    group's id */
	__u32 action;            /* enum router_policy_action */
	__u32 table, table6;     /* ROUTER_POLICY_LOOKUP: LPM tables; 0 none */
};

/* What a matching policy does. */
enum router_policy_action {
	ROUTER_POLICY_ROUTE = 0,  /* to its next hop or group */
	ROUTER_POLICY_LOOKUP = 1, /* the destination looked up in its table;
				     a miss goes on to the next policy */
};

/* A VPC's routing tables: the host's LPM tables (`nfctl lpm`, ids
 * 1-32767) whose values are this node's next-hop and group ids. A VPC
 * that has them is routed by them alone; 0: that family has no routes in
 * the VPC. */
struct router_vrf_key {
	__u32 tenant;
};

struct router_vrf {
	__u32 table, table6;
};

#endif /* NF_ROUTER_H */
