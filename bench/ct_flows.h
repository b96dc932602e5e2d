/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * The connections of the conntrack scenario, shared by ct.bpf.c and
 * scn_conntrack.c: flow i is TCP/IPv4 from NFB_CT_SADDR + i, port
 * NFB_CT_SPORT, to NFB_CT_DADDR, port NFB_CT_DPORT, tenant 0. Every source
 * is below the destination, so the source is side 0 of the canonical key.
 */
#ifndef NFBENCH_CT_FLOWS_H
#define NFBENCH_CT_FLOWS_H

#define NFB_CT_SADDR 0x0a000000u /* 10.0.0.0 (host order) */
#define NFB_CT_DADDR 0x0ac80001u /* 10.200.0.1 */
#define NFB_CT_SPORT 40000
#define NFB_CT_DPORT 80
#define NFB_CT_MAX_FLOWS (1u << 23) /* sources stay below 10.128.0.0 */
#define NFB_CT_PERMUTE 2654435761u  /* prime: i * P mod n walks all of n */

/* What one walk does (ct.bpf.c's `mode`). */
enum nfb_ct_mode {
	NFB_CT_WALK,    /* make each flow's key (an ACK's), nothing else */
	NFB_CT_ACK,     /* and nfc_ct_track() it */
	NFB_CT_SYN,     /* the same with a SYN's key */
};

#endif /* NFBENCH_CT_FLOWS_H */
