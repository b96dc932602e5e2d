// SPDX-License-Identifier: GPL-2.0-only
/*
 * rewrite: a test-only module. It records in the action set what its plan
 * says (MACs, addresses, ports, TTL decrement, verdict) and reports the
 * plan's outcome; with outcome deny, the plan's reason and policy.
 */
#include "nfc.h"
#include "rewrite.h"

/* index 0: the plan */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rewrite_plan);
} plan SEC(".maps");

NFC_NF(rewrite)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	struct rewrite_plan *p;
	union nfc_addr a;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&plan, &zero);
	if (!p)
		return NFC_PASS;
	if (p->set & NFC_ACT_DMAC)
		nfc_set_dmac(c, p->dmac);
	if (p->set & NFC_ACT_SMAC)
		nfc_set_smac(c, p->smac);
	if (p->set & NFC_ACT_SADDR) {
		__builtin_memcpy(a.b, p->saddr, sizeof(a.b));
		nfc_set_saddr(c, &a);
	}
	if (p->set & NFC_ACT_DADDR) {
		__builtin_memcpy(a.b, p->daddr, sizeof(a.b));
		nfc_set_daddr(c, &a);
	}
	if (p->set & NFC_ACT_SPORT)
		nfc_set_sport(c, p->sport);
	if (p->set & NFC_ACT_DPORT)
		nfc_set_dport(c, p->dport);
	if (p->set & NFC_ACT_TTL_DEC)
		nfc_ttl_dec(c);
	if (p->set & NFC_ACT_NOCACHE)
		nfc_nocache(c);
	if (p->set & REWRITE_VERDICT) {
		if (p->verdict == NFC_V_REDIRECT)
			nfc_redirect(c, p->out_ifindex);
		else
			c->act.verdict = p->verdict;
		if (p->verdict == NFC_V_DROP)
			c->act.reason = p->reason;
	}
	if (p->outcome == NFC_DENY)
		return nfc_deny(c, p->reason, p->policy);
	return p->outcome;
}

char LICENSE[] SEC("license") = "GPL";
