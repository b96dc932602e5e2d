// SPDX-License-Identifier: GPL-2.0-only
/* extra (test only): a module that is in no catalog until a test registers
 * it with `nfctl module load`; it passes every packet. */
#include "nfc.h"

NFC_NF(extra)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	return NFC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
