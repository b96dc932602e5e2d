// SPDX-License-Identifier: GPL-2.0-only
/*
 * The executor program, slot NFC_EXEC_SLOT of each hook's program array:
 * every chain ends here (see exec.h).
 */
#include "exec.h"

SEC(NFC_SEC)
int nfc_exec(struct nfc_pkt *pkt)
{
	struct nfc_ctx *c = nfc_ctx_get();

	if (!c)
		return NFC_RC_DROP;
	return nfc_exec_run(pkt, c,
			    c->hop == NFC_HOP_FAST ? NFC_EXEC_BY_ENTRY :
			    c->hop == NFC_HOP_SLOT ? NFC_EXEC_BY_SLOT :
						     NFC_EXEC_BY_CHAIN);
}

#if defined(NFC_HOOK_XDP)
/*
 * A flood's frame on its way out of a port that takes its domain untagged,
 * when the domain has trunks too: the device map of the domain runs this
 * for such ports (nfc_exec_flood() broadcast the frame tagged).
 */
SEC("xdp/devmap")
int nfc_flood_untag(struct xdp_md *pkt)
{
	__be16 *type = nfc_pkt_ptr(pkt, 2 * ETH_ALEN, 2);

	if (!type || (*type != bpf_htons(ETH_P_8021Q) &&
		      *type != bpf_htons(ETH_P_8021AD)))
		return XDP_PASS;
	return nfc_exec_vlan(pkt, true, false, 0) ? XDP_DROP : XDP_PASS;
}
#endif

char LICENSE[] SEC("license") = "GPL";
