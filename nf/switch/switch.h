/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
#ifndef NF_SWITCH_H
#define NF_SWITCH_H

#include <linux/types.h>

/* What a frame from an interface that is not a port of the switch gets. */
enum switch_default {
	SWITCH_DEFAULT_PASS = 0, /* to the kernel stack, untouched */
	SWITCH_DEFAULT_DROP = 1,
};

/* An FDB entry's origin: a static one is the control plane's, which
 * learning never moves or ages. */
enum switch_fdb_kind {
	SWITCH_FDB_STATIC = 0,
	SWITCH_FDB_LEARNED = 1,
};

/* ports: an interface of the switch and its bridge domain. */
struct switch_port_key {
	__u32 ifindex;
};

struct switch_port {
	__u32 domain; /* below NFC_FLOOD_DOMAINS: of the frames that come in
			 untagged (1.1.0: or priority-tagged), which leave
			 untagged (an access port's VLAN, a trunk's native) */
};

/* vlans (1.1.0): the VLANs a port carries tagged, a trunk's. A VLAN is
 * the bridge domain of its number: its frames come in and go out of the
 * port tagged with it. */
struct switch_vlan_key {
	__u32 ifindex;
	__u32 vlan; /* 1..4094 */
};

struct switch_vlan {
	__u32 flags; /* none yet: 0 */
};

/* fdb: where a MAC address of a bridge domain is. */
struct switch_fdb_key {
	__u32 domain;
	__u8 mac[6];
	__u8 pad[2];
};

struct switch_fdb {
	__u32 ifindex; /* the port behind which the address is */
	__u32 kind;    /* enum switch_fdb_kind */
	__u64 expires_ns; /* learned: CLOCK_MONOTONIC ns after which it is
			   gone (ageing after its address was last heard
			   from); static: 0 */
};

/* arp: addresses of a bridge domain the switch answers ARP requests for
 * itself (the control plane knows where they are), instead of flooding. */
struct switch_arp_key {
	__u32 domain;
	__be32 addr;
};

struct switch_arp {
	__u8 mac[6];
	__u8 pad[2];
};

/* nd: the same for IPv6 neighbour solicitations. */
struct switch_nd_key {
	__u32 domain;
	__u8 addr[16];
};

#endif /* NF_SWITCH_H */
