// SPDX-License-Identifier: GPL-2.0-only
/*
 * ethfilter: filter frames by ethertype (after any VLAN tags). A deny rule
 * drops the frame as a policy drop under the rule's id, an allow rule
 * passes it, and an ethertype without a rule gets the default: pass makes
 * the rules a deny list, drop an allow list. Outcomes: pass, deny.
 *
 * An example of a module built outside UltraNIO's tree, against an
 * installed UltraNIO (README.md).
 */
#include "nfc.h"
#include "ethfilter.h"

#ifndef ETHFILTER_RULES_MAX
#define ETHFILTER_RULES_MAX 1024
#endif

const volatile __u32 cfg_default = ETHFILTER_DEFAULT_PASS;

/* ethertype -> allow, or deny under a policy id */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ETHFILTER_RULES_MAX);
	__type(key, struct ethfilter_key);
	__type(value, struct ethfilter_rule);
} rules SEC(".maps");

NFC_NF(ethfilter)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	struct ethfilter_key k = { .ethertype = c->act.key.ethertype };
	struct ethfilter_rule *r;

	r = bpf_map_lookup_elem(&rules, &k);
	if (!r) {
		if (cfg_default == ETHFILTER_DEFAULT_PASS)
			return NFC_PASS;
		return nfc_deny(c, NFC_DROP_POLICY, 0);
	}
	if (r->action == ETHFILTER_ALLOW)
		return NFC_PASS;
	return nfc_deny(c, NFC_DROP_POLICY, r->policy);
}

char LICENSE[] SEC("license") = "GPL";
