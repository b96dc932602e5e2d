// SPDX-License-Identifier: GPL-2.0-only
/*
 * cidrgate (test only): the longest prefix of its LPM tables (bpf/lpm.h)
 * that covers a packet's destination decides: deny drops it, allow or no
 * prefix passes it. The tables are the node instance's own: the runtime
 * makes them, fills them from the descriptor and sets their ids here.
 */
#include "nfc.h"
#include "lpm.h"

const volatile __u32 blocks_id = 0;  /* IPv4 table */
const volatile __u32 blocks6_id = 0; /* IPv6 table */

#define CIDRGATE_DENY 1

NFC_NF(cidrgate)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	__u32 action;
	int r;

	if (c->act.key.l3 == NFC_L3_IPV4)
		r = nfc_lpm_lookup4(blocks_id, c->act.key.daddr.v4, &action);
	else if (c->act.key.l3 == NFC_L3_IPV6)
		r = nfc_lpm_lookup6(blocks6_id, c->act.key.daddr.v6, &action);
	else
		return NFC_PASS;
	if (r || action != CIDRGATE_DENY)
		return NFC_PASS;
	return nfc_deny(c, NFC_DROP_POLICY, 0);
}

char LICENSE[] SEC("license") = "GPL";
