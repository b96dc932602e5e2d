/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* Test frames of nfc-traffic, shared by the tool and its XDP counter. */
#ifndef NFC_TRAFFIC_H
#define NFC_TRAFFIC_H

#include <linux/types.h>

#define TRAFFIC_MAGIC 0x4e464354 /* "NFCT" */
#define TRAFFIC_ETHERTYPE 0x88b5 /* IEEE local experimental 1 */
#define TRAFFIC_UNTAGGED 0xffff  /* count --vlan none */

/* Leads the payload: after Ethernet, or after UDP. */
struct traffic_hdr {
	__be32 magic;
	__be32 run_id;
	__be64 seq;
};

/* Per-CPU counters of the XDP counter; userspace sums them. */
struct traffic_stats {
	__u64 received;
	__u64 duplicates;
	/* First sightings below the highest sequence this CPU has seen. */
	__u64 out_of_order;
	/* Highest sequence seen on this CPU plus one; 0 before any. */
	__u64 next_seq;
	/* Frames of the run not of the VLAN counted (TC counter). */
	__u64 other_vlan;
};

/*
 * Duplicates and gaps are found in a window of the last 2^24 sequence
 * numbers: one byte per number holds the lap (seq / window, 1..255) in
 * which it was last seen, so the window needs no clearing.
 */
#define TRAFFIC_SEEN_BITS 24
#define TRAFFIC_SEEN_PAGE 4096
#define TRAFFIC_SEEN_PAGES ((1 << TRAFFIC_SEEN_BITS) / TRAFFIC_SEEN_PAGE)

struct traffic_seen_page {
	__u8 lap[TRAFFIC_SEEN_PAGE];
};

static inline __u8 traffic_lap(__u64 seq)
{
	return (seq >> TRAFFIC_SEEN_BITS) % 255 + 1;
}

#endif
