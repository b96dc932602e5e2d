/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internet checksum arithmetic for incremental updates (RFC 1624).
 *
 * Sums are 32-bit ones' complement sums of the words as they lie in memory,
 * never byte-swapped: the kernel's __wsum convention. A sum computed here can
 * be handed to bpf_l3_csum_replace()/bpf_l4_csum_replace() as a diff (size 0)
 * or to bpf_csum_update(), and a 16-bit field updated here matches a full
 * recomputation bit for bit.
 */
#ifndef NFC_CSUM_H
#define NFC_CSUM_H

#include <linux/types.h>

typedef __u32 nfc_wsum;

/* The carry is added without a branch: a compare would fork the verifier's
 * walk at every add, and the executor's rewrites make hundreds of them. */
static __always_inline nfc_wsum nfc_csum_add(nfc_wsum a, nfc_wsum b)
{
	__u64 s = (__u64)a + b;

	return (nfc_wsum)s + (nfc_wsum)(s >> 32);
}

/* ~x is -x in ones' complement */
static __always_inline nfc_wsum nfc_csum_neg(nfc_wsum x)
{
	return ~x;
}

/* What a sum changes by when a 16-bit word goes from @from to @to. */
static __always_inline nfc_wsum nfc_csum_diff16(__u16 from, __u16 to)
{
	return nfc_csum_add((__u16)~from, to);
}

static __always_inline nfc_wsum nfc_csum_diff32(__u32 from, __u32 to)
{
	return nfc_csum_add(~from, to);
}

static __always_inline __u16 nfc_csum_fold(nfc_wsum s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'), with @diff = ~m + m'. */
static __always_inline __u16 nfc_csum_apply(__u16 check, nfc_wsum diff)
{
	return (__u16)~nfc_csum_fold(nfc_csum_add(diff, (__u16)~check));
}

#endif /* NFC_CSUM_H */
