// SPDX-License-Identifier: GPL-2.0-only
/* floor: the empty program of each hook, the limit every other figure is
 * divided by. */
#include "hook.h"

SEC(NFC_SEC)
int nfc_floor(struct nfc_pkt *pkt)
{
	return NFC_RC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
