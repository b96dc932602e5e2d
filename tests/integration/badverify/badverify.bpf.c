// SPDX-License-Identifier: GPL-2.0-only
/* badverify: compiles, but reads past the end of the packet context with an
 * index the verifier cannot bound; the rollback test uses it to make an
 * apply fail at its second node. */
#include "nfc.h"

NFC_NF(badverify)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	__u32 i = c->key.ifindex;

	return ((__u8 *)c)[i];
}

char LICENSE[] SEC("license") = "GPL";
