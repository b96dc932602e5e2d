/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * rewrite (test only): sets the action-set fields its plan names and reports
 * the plan's outcome, so tests drive the root and the executor with chosen
 * rewrites and verdicts.
 */
#ifndef NF_REWRITE_H
#define NF_REWRITE_H

#include <linux/types.h>

/* rewrite_plan.set: NFC_ACT_* bits for the fields to set, plus these */
#define REWRITE_VERDICT (1 << 16) /* set verdict (and out_ifindex) */

struct rewrite_plan {
	__u32 set;
	__u32 outcome;	   /* what the NF returns */
	__u32 verdict;	   /* enum nfc_verdict */
	__u32 out_ifindex; /* NFC_V_REDIRECT */
	__u32 reason;	   /* with outcome deny or verdict drop: the drop reason */
	__u32 policy;	   /* with outcome deny: the deciding rule */
	__u8 dmac[6];
	__u8 smac[6];
	__u8 saddr[16];	   /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
};

#endif /* NF_REWRITE_H */
