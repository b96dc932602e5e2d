// SPDX-License-Identifier: GPL-2.0-only
/* nop: changes nothing and reports pass. A chain of nops measures what the
 * framework itself costs per hop. */
#include "nfc.h"

NFC_NF(nop)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	return NFC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
