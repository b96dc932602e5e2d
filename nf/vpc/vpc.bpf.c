// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpc: VPCs over VXLAN. A VPC is a tenant with a VNI and address space of
 * its own; two VPCs may use the same addresses, and no packet of one ever
 * reaches the other.
 *
 * A packet's VPC is its key's tenant: the VNI of a VXLAN packet, or the
 * tenant of the interface it came in on (the chain's `attach: tenant:`; the
 * root looks into no VXLAN on such an interface, so an endpoint cannot pass
 * for another VPC by sending some). Its destination is looked up among the
 * VPC's endpoints (VNI and address, IPv4 or IPv6):
 *
 * - an endpoint here: out of its interface, to its MAC, from the node's
 *   gateway MAC; a VXLAN packet loses its outer headers first (decap);
 * - an endpoint behind a remote VTEP: encapsulated (outer Ethernet, IPv4,
 *   UDP from a port of the flow's hash, VXLAN with the VPC's VNI) and sent
 *   to that VTEP out of the underlay interface its `vteps` entry names. A
 *   packet that came in tunnelled is never tunnelled again.
 *
 * What it checks, each a drop of its own reason: the VNI must be a VPC
 * here (vni-unknown; VNI 0 is none); VXLAN must be addressed to this
 * host's VTEP of that VPC (vtep-mismatch); the source must be an endpoint
 * of the VPC where the packet came from, its port here or the VTEP that
 * sent it, and that VTEP's VXLAN must come in on the interface its `vteps`
 * entry names (spoofed); a VPC's frames are untagged (vlan-tagged); UDP
 * to the VXLAN port on an interface of no VPC that is not VXLAN is
 * vxlan-malformed. A destination with no endpoint is no-route. Other
 * traffic of no VPC (the underlay host's own) is left as it is: outcome
 * pass, verdict unchanged. The decap carries the outer addresses it
 * checked: the flow cache decapsulates a flow's next packets only from the
 * same VTEP to the same address (the executor checks them).
 *
 * An endpoint's ARP requests and neighbour solicitations about other
 * addresses are answered with the gateway's MAC (the executor's ARP and ND
 * replies); other non-IP frames of a VPC are no-route.
 *
 * Outcomes: pass (forwarded, or not a VPC's), deny (the drops above).
 */
#include <stdbool.h>
#include "nfc.h"
#include "parse.h" /* nfc_vxlan_source() */
#include "vpc.h"

#ifndef VPC_VPCS_MAX
#define VPC_VPCS_MAX 4096
#endif
#ifndef VPC_ENDPOINTS_MAX
#define VPC_ENDPOINTS_MAX 262144
#endif
#ifndef VPC_VTEPS_MAX
#define VPC_VTEPS_MAX 16384
#endif

const volatile __be32 cfg_vtep = 0;           /* this host's VTEP */
const volatile __u8 cfg_mac[6] = {};          /* the VPC gateway's MAC */
const volatile __be16 cfg_port = bpf_htons(4789); /* VXLAN's UDP port */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VPC_VPCS_MAX);
	__type(key, struct vpc_key);
	__type(value, struct vpc_info);
} vpcs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VPC_ENDPOINTS_MAX);
	__type(key, struct vpc_ep_key);
	__type(value, struct vpc_ep);
} endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VPC_ENDPOINTS_MAX);
	__type(key, struct vpc_ep6_key);
	__type(value, struct vpc_ep);
} endpoints6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VPC_VTEPS_MAX);
	__type(key, struct vpc_vtep_key);
	__type(value, struct vpc_vtep);
} vteps SEC(".maps");

/* The endpoint of address @a (family of @k; ARP's is IPv4) in VPC @vni,
 * or NULL. */
static __always_inline const struct vpc_ep *
vpc_endpoint(const struct nfc_key *k, __u32 vni, const union nfc_addr *a)
{
	if (k->l3 == NFC_L3_IPV4 || k->l3 == NFC_L3_ARP) {
		struct vpc_ep_key ek = { .vni = vni, .addr = a->v4 };

		return bpf_map_lookup_elem(&endpoints, &ek);
	}
	if (k->l3 == NFC_L3_IPV6) {
		struct vpc_ep6_key ek = { .vni = vni };

		__builtin_memcpy(ek.addr, a->b, 16);
		return bpf_map_lookup_elem(&endpoints6, &ek);
	}
	return NULL;
}

/* The frame as endpoint @ep gets it: to its MAC, from the gateway's. */
static __always_inline void vpc_macs(struct nfc_ctx *c,
				     const struct vpc_ep *ep)
{
	__u8 gw[6];
	int i;

	/* byte by byte, volatile: a copy of the cast-away array would be
	 * the compiler's, of the initializer (zeros) */
	for (i = 0; i < 6; i++)
		gw[i] = cfg_mac[i];
	nfc_set_dmac(c, ep->mac);
	nfc_set_smac(c, gw);
}

/*
 * An endpoint's ARP request or IPv6 neighbour solicitation, answered with
 * the gateway's MAC (1): every other address of its VPC is behind the
 * gateway (proxy ARP, as Calico's host side of a veth answers). Only an
 * endpoint's, from its own port, about another address; solicitations
 * from :: (duplicate address detection) and without the source's
 * link-layer address option are left alone.
 */
static __always_inline int vpc_answer(struct nfc_pkt *pkt, struct nfc_ctx *c,
				      __u32 vni)
{
	const struct nfc_key *k = &c->act.key;
	const struct vpc_ep *src;
	union nfc_addr target = {};
	__u8 gw[6], *p;
	int i;

	if (k->l3 == NFC_L3_ARP && k->proto == 1) {
		target.v4 = k->daddr.v4;
		if (target.v4 == k->saddr.v4)
			return 0;
	} else if (k->l3 == NFC_L3_IPV6 && k->proto == IPPROTO_ICMPV6 &&
		   *(__u8 *)&k->dport == 135 && c->l4_off) {
		p = nfc_pkt_ptr(pkt, c->l4_off, 8 + 16 + 2);
		if (!p || p[24] != 1 || p[25] != 1)
			return 0;
		__builtin_memcpy(&target, p + 8, 16);
		if (!((target.v6[0] ^ k->saddr.v6[0]) |
		      (target.v6[1] ^ k->saddr.v6[1]) |
		      (target.v6[2] ^ k->saddr.v6[2]) |
		      (target.v6[3] ^ k->saddr.v6[3])))
			return 0;
	} else {
		return 0;
	}
	src = vpc_endpoint(k, vni, &k->saddr);
	if (!src || src->ifindex != k->ifindex)
		return 0;
	for (i = 0; i < 6; i++)
		gw[i] = cfg_mac[i]; /* volatile, as in vpc_macs() */
	if (k->l3 == NFC_L3_ARP)
		nfc_arp_reply(c, gw);
	else
		nfc_nd_reply(c, &target, gw);
	return 1;
}

NFC_NF(vpc)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	const struct nfc_key *k = &c->act.key;
	const struct vpc_ep *ep, *src;
	const struct vpc_info *v;
	const struct vpc_vtep *vt;
	struct vpc_key vk = { .vni = k->tenant };
	bool tunnelled = c->key.flags & NFC_KEY_F_VXLAN;
	__be32 vtep, from;

	if (!vk.vni) {
		/* VNI 0 is no VPC's */
		if (tunnelled)
			return nfc_deny(c, NFC_DROP_VNI_UNKNOWN, 0);
		if (k->proto == IPPROTO_UDP && (k->flags & NFC_KEY_F_L4) &&
		    k->dport == cfg_port)
			return nfc_deny(c, NFC_DROP_VXLAN_MALFORMED, 0);
		return NFC_PASS;
	}
	v = bpf_map_lookup_elem(&vpcs, &vk);
	if (!v)
		return nfc_deny(c, NFC_DROP_VNI_UNKNOWN, 0);
	/* a VPC's frames are untagged (TC: a tag the device took off is in
	 * the key too); a tag would go on with the frame */
	if (k->flags & (NFC_KEY_F_VLAN0 | NFC_KEY_F_VLAN1))
		return nfc_deny(c, NFC_DROP_VLAN, 0);
	if (!tunnelled && vpc_answer(pkt, c, vk.vni))
		return NFC_PASS;
	/* IP alone past this */
	if (k->l3 != NFC_L3_IPV4 && k->l3 != NFC_L3_IPV6)
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	vtep = v->vtep ? v->vtep : cfg_vtep;
	if (!vtep)
		return nfc_deny(c, NFC_DROP_VTEP_MISMATCH, 0);
	src = vpc_endpoint(k, vk.vni, &k->saddr);

	if (tunnelled) {
		from = nfc_vxlan_source(pkt, c, vtep);
		if (!from)
			return nfc_deny(c, NFC_DROP_VTEP_MISMATCH, 0);
		/* from the VTEP the source is behind, on the interface that
		 * VTEP is reached by */
		if (!src || src->ifindex || src->vtep != from)
			return nfc_deny(c, NFC_DROP_SPOOFED, 0);
		{
			struct vpc_vtep_key tk = { .addr = from };

			vt = bpf_map_lookup_elem(&vteps, &tk);
		}
		if (!vt || vt->ifindex != k->ifindex)
			return nfc_deny(c, NFC_DROP_SPOOFED, 0);
		ep = vpc_endpoint(k, vk.vni, &k->daddr);
		/* here, or nowhere: never into a tunnel again */
		if (!ep || !ep->ifindex)
			return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
		nfc_decap(c, from, vtep);
		vpc_macs(c, ep);
		nfc_redirect(c, ep->ifindex);
		return NFC_PASS;
	}

	if (!src || src->ifindex != k->ifindex)
		return nfc_deny(c, NFC_DROP_SPOOFED, 0);
	ep = vpc_endpoint(k, vk.vni, &k->daddr);
	if (!ep)
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	vpc_macs(c, ep);
	if (ep->ifindex) {
		nfc_redirect(c, ep->ifindex);
		return NFC_PASS;
	}
	{
		struct vpc_vtep_key tk = { .addr = ep->vtep };

		vt = bpf_map_lookup_elem(&vteps, &tk);
	}
	if (!vt)
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	nfc_encap_to(c, vtep, ep->vtep, vk.vni, cfg_port, vt->ifindex, vt->mac,
		     vt->smac);
	return NFC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
