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

char LICENSE[] SEC("license") = "GPL";
