/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
#ifndef NF_MACROUTER_H
#define NF_MACROUTER_H

#include <linux/types.h>

enum macrouter_default {
	MACROUTER_DEFAULT_DROP = 0,
	MACROUTER_DEFAULT_PASS = 1,
};

enum macrouter_action {
	MACROUTER_FORWARD = 0,
	MACROUTER_DROP = 1,
	MACROUTER_VXLAN = 2, /* 1.2.0 on: into VXLAN to a remote VTEP */
};

/* 1.0.0 and 1.1.0: one table for every frame. */
struct macrouter_key {
	__u8 mac[6];
	__u8 pad[2];
};

struct macrouter_route {
	__u32 ifindex; /* MACROUTER_FORWARD: out interface */
	__u32 action;  /* enum macrouter_action */
};

/* 1.2.0 on: a table per tenant (the key's: the VNI of a VXLAN frame or the
 * tenant of the port it came in on; 0 for none), routes into VXLAN, and a
 * route's id to count its frames under. */
struct macrouter_tkey {
	__u32 tenant;
	__u8 mac[6];
	__u8 pad[2];
};

struct macrouter_troute {
	__u32 ifindex; /* MACROUTER_FORWARD: out interface */
	__u32 action;  /* enum macrouter_action */
	__be32 vtep;   /* MACROUTER_VXLAN: the remote VTEP (vteps) */
	__u32 vni;     /* MACROUTER_VXLAN: its VNI; 0: the frame's tenant */
	__u32 id;      /* counted under it (nfctl stats rule); 0: not */
};

/* A remote VTEP: the underlay interface to it, its MAC (or its gateway's)
 * and this host's on that interface. */
struct macrouter_vtep_key {
	__be32 addr;
};

struct macrouter_vtep {
	__u32 ifindex;
	__u8 mac[6];
	__u8 smac[6];
};

#endif /* NF_MACROUTER_H */
