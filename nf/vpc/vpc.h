/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* The vpc module's tables as the datapath and userspace share them. */
#ifndef NF_VPC_H
#define NF_VPC_H

#include <linux/types.h>

/* A VPC this host has endpoints of, by VNI (its tenant id). */
struct vpc_key {
	__u32 vni;
};

struct vpc_info {
	__be32 vtep; /* this host's VTEP for the VPC; 0: the node's `vtep` */
};

/* An endpoint: an address in a VPC, here (out of an interface) or behind
 * a remote VTEP. */
struct vpc_ep_key {
	__u32 vni;
	__be32 addr;
};

struct vpc_ep6_key {
	__u32 vni;
	__u8 addr[16];
};

struct vpc_ep {
	__u32 ifindex;  /* here: its port; 0: remote */
	__be32 vtep;    /* remote: the VTEP it is behind */
	__u8 mac[6];    /* its MAC: the destination of what it is sent */
	__u8 pad[2];
};

/* A remote VTEP: how to reach it on the underlay. */
struct vpc_vtep_key {
	__be32 addr;
};

struct vpc_vtep {
	__u32 ifindex;  /* the underlay interface */
	__u8 mac[6];    /* the VTEP's MAC, or its gateway's */
	__u8 smac[6];   /* this host's on that interface */
};

#endif /* NF_VPC_H */
