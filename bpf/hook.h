/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What differs between the XDP and the TC hook, in one place. Every BPF
 * program of the framework and every NF is compiled once per hook with
 * -DNFC_HOOK_XDP or -DNFC_HOOK_TC; NF logic never needs to know which.
 */
#ifndef NFC_HOOK_H
#define NFC_HOOK_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#if defined(NFC_HOOK_XDP)

#define NFC_SEC "xdp"
#define nfc_pkt xdp_md
#define NFC_PROGS nfc_progs_xdp
#define NFC_SCRATCH nfc_scratch_xdp
#define NFC_RC_PASS XDP_PASS
#define NFC_RC_DROP XDP_DROP

static __always_inline void *nfc_data(struct xdp_md *p)
{
	return (void *)(long)p->data;
}

static __always_inline void *nfc_data_end(struct xdp_md *p)
{
	return (void *)(long)p->data_end;
}

static __always_inline __u32 nfc_len(struct xdp_md *p)
{
	return p->data_end - p->data;
}

/* One load from the context at a constant offset, in asm, as at TC below:
 * the compiler may keep &p->ingress_ifindex in a register, and the
 * verifier refuses a load through a moved context pointer. */
static __always_inline __u32 nfc_ifindex(struct xdp_md *p)
{
	__u32 v;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(v)
		     : "r"(p),
		       "i"(__builtin_offsetof(struct xdp_md, ingress_ifindex)));
	return v;
}

#elif defined(NFC_HOOK_TC)

#define NFC_SEC "tc"
#define nfc_pkt __sk_buff
#define NFC_PROGS nfc_progs_tc
#define NFC_SCRATCH nfc_scratch_tc
#define NFC_RC_PASS TC_ACT_OK
#define NFC_RC_DROP TC_ACT_SHOT

static __always_inline void *nfc_data(struct __sk_buff *p)
{
	return (void *)(long)p->data;
}

static __always_inline void *nfc_data_end(struct __sk_buff *p)
{
	return (void *)(long)p->data_end;
}

static __always_inline __u32 nfc_len(struct __sk_buff *p)
{
	return p->len;
}

/* The device the program runs on: the receiving one at tc-ingress, the
 * sending one at tc-egress. One load from the context at a constant
 * offset, in asm: the compiler may otherwise keep &p->ifindex in a
 * register across a helper call, and the verifier refuses a load through
 * a context pointer moved from its start. */
static __always_inline __u32 nfc_ifindex(struct __sk_buff *p)
{
	__u32 v;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(v)
		     : "r"(p), "i"(__builtin_offsetof(struct __sk_buff, ifindex)));
	return v;
}

#else
#error "compile with -DNFC_HOOK_XDP or -DNFC_HOOK_TC"
#endif

#endif /* NFC_HOOK_H */
