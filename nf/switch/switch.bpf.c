// SPDX-License-Identifier: GPL-2.0-only
/*
 * switch: a learning bridge per bridge domain. Each port (ports table)
 * belongs to one domain; the FDB (fdb table) maps a domain's MAC addresses
 * to ports. A frame's source address is learned on the port it came in on
 * (static entries, the control plane's, are never moved); a frame to a
 * known address goes out of its port, one to an unknown address, a
 * broadcast or a multicast one to every port of the domain but the
 * ingress (the executor's flood, NFC_V_FLOOD); an ARP request for an
 * address of the arp table, a neighbour solicitation for one of the nd
 * table, is answered by the switch itself (the executor's ARP and ND
 * replies, sent back out of the ingress). Learned entries expire
 * `ageing` seconds after their address was last heard from: the datapath
 * treats them as unknown from then on, and nfmgrd's aging removes them.
 *
 * Outcomes: pass (forwarded or flooded; a frame from an interface that is
 * not a port with default pass), deny (to the port it came from; not a
 * port with default drop).
 *
 * 1.1.0 (SWITCH_VLANS) is VLAN-aware, as 802.1Q bridges are: a port's
 * untagged (and priority-tagged) frames are in its domain, and frames of
 * that domain leave it untagged (an access port's VLAN, a trunk's native
 * one); a frame tagged with VLAN v is in domain v if the port carries v
 * (vlans table: a trunk's VLANs), else dropped (vlan-not-member), and
 * frames of domain v leave such a port tagged v. A frame switched to a
 * port that does not carry its domain is dropped the same way; floods
 * are tagged port by port (the executor, from the flood domain's list).
 * The outer tag counts, 802.1Q's or 802.1ad's alike (a frame's inner tag
 * stays as it is); a tag pushed is 802.1Q's, one rewritten keeps its TPID.
 * The hook must see the tags: XDP sees only those in the frame, not one
 * a device keeps aside (a NIC's rx-vlan-offload, a veth whose peer is a
 * VLAN device with tx-vlan-offload on); TC sees both. 1.0.0 ignores tags:
 * a tagged frame is switched in its port's domain with its tag.
 *
 * With the flow cache, only a flow's first frame reaches the switch: the
 * frames after it refresh nothing, so an address heard only in cached
 * flows expires `ageing` after its first frame and is learned again from
 * the next frame that runs the chain. An address that moves to another
 * port invalidates every cached flow (the flow cache's epoch), as does
 * nfmgrd removing an expired one.
 */
#include "nfc.h"
#include "parse.h" /* nfc_pkt_ptr(): the solicitation's target */
#include "switch.h"

#ifndef SWITCH_FDB_MAX
#define SWITCH_FDB_MAX 65536
#endif

const volatile __u32 cfg_default = SWITCH_DEFAULT_PASS;
const volatile __u32 cfg_ageing = 300; /* seconds */

/* interface -> bridge domain */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NFC_FLOOD_PORTS * 64);
	__type(key, struct switch_port_key);
	__type(value, struct switch_port);
} ports SEC(".maps");

#ifdef SWITCH_VLANS
/* (port, VLAN) of a trunk */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NFC_FLOOD_PORTS * 64);
	__type(key, struct switch_vlan_key);
	__type(value, struct switch_vlan);
} vlans SEC(".maps");
#endif

/* (domain, MAC) -> port; learned entries expire */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SWITCH_FDB_MAX);
	__type(key, struct switch_fdb_key);
	__type(value, struct switch_fdb);
} fdb SEC(".maps");

/* (domain, IPv4 address) -> the MAC an ARP request for it is answered with */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SWITCH_FDB_MAX);
	__type(key, struct switch_arp_key);
	__type(value, struct switch_arp);
} arp SEC(".maps");

/* (domain, IPv6 address) -> the MAC a neighbour solicitation for it is
 * answered with */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SWITCH_FDB_MAX);
	__type(key, struct switch_nd_key);
	__type(value, struct switch_arp);
} nd SEC(".maps");

/* A learned entry's expiry is written at most this often per address:
 * not a cache-line bounce on every frame. */
#define SWITCH_REFRESH_NS 1000000000ULL

static __always_inline int mac_group(const __u8 *mac)
{
	return mac[0] & 1; /* broadcast and multicast */
}

static __always_inline int mac_zero(const __u8 *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* The cached flows were decided by where addresses were: no more. */
static __always_inline void flows_stale(void)
{
	__u32 zero = 0, *epoch = bpf_map_lookup_elem(&nfc_flow_epoch, &zero);

	if (epoch)
		__sync_fetch_and_add(epoch, 1);
}

/* Learn that @k's address is behind port @in. */
static __always_inline void learn(struct switch_fdb_key *k, __u32 in,
				  __u64 now)
{
	__u64 expires = now + cfg_ageing * 1000000000ULL;
	struct switch_fdb *e = bpf_map_lookup_elem(&fdb, k);
	struct switch_fdb fresh = {
		.ifindex = in,
		.kind = SWITCH_FDB_LEARNED,
		.expires_ns = expires,
	};

	if (!e) {
		bpf_map_update_elem(&fdb, k, &fresh, BPF_NOEXIST);
		return;
	}
	if (e->kind == SWITCH_FDB_STATIC)
		return;
	if (e->ifindex != in) {
		/* moved (or expired and heard again elsewhere) */
		bpf_map_update_elem(&fdb, k, &fresh, BPF_EXIST);
		flows_stale();
		return;
	}
	if (expires - e->expires_ns >= SWITCH_REFRESH_NS)
		e->expires_ns = expires;
}

/*
 * A neighbour solicitation (ICMPv6 135) for an address of the nd table:
 * answered (1). Only from an address (a duplicate address detection's,
 * from ::, is for the owner to answer) and with the source link-layer
 * address option right after the target, which the advertisement reuses
 * for the target's (the executor writes in place).
 */
static __always_inline int nd_answer(struct nfc_pkt *pkt, struct nfc_ctx *c,
				     __u32 domain)
{
	const union nfc_addr *s = &c->key.saddr;
	struct switch_nd_key k = { .domain = domain };
	struct switch_arp *a;
	union nfc_addr target;
	__u8 *p;

	if (c->key.l3 != NFC_L3_IPV6 || c->key.proto != IPPROTO_ICMPV6 ||
	    *(__u8 *)&c->key.dport != 135 || !c->l4_off ||
	    !(s->v6[0] | s->v6[1] | s->v6[2] | s->v6[3]))
		return 0;
	/* type, code, checksum, reserved; target; option type, length */
	p = nfc_pkt_ptr(pkt, c->l4_off, 8 + 16 + 2);
	if (!p || p[24] != 1 || p[25] != 1)
		return 0;
	__builtin_memcpy(k.addr, p + 8, 16);
	a = bpf_map_lookup_elem(&nd, &k);
	if (!a)
		return 0;
	__builtin_memcpy(&target, k.addr, 16);
	nfc_nd_reply(c, &target, a->mac);
	return 1;
}

#ifdef SWITCH_VLANS
/* The VLAN id of the frame's outer tag; 0 when it has none or a priority
 * tag. */
static __always_inline __u32 frame_vlan(const struct nfc_ctx *c)
{
	if (!(c->key.flags & NFC_KEY_F_VLAN0))
		return 0;
	return bpf_ntohs(c->key.vlan[0]) & 0xfff;
}

static __always_inline bool port_carries(__u32 ifindex, __u32 vlan)
{
	struct switch_vlan_key k = { .ifindex = ifindex, .vlan = vlan };

	return bpf_map_lookup_elem(&vlans, &k);
}

/* How a frame of @domain leaves port @out: tagged with its VLAN id
 * (*vid), untagged (0), or not at all (-1: the port does not carry it). */
static __always_inline int out_tag(__u32 out, __u32 domain, __u16 *vid)
{
	struct switch_port_key pk = { .ifindex = out };
	struct switch_port *p = bpf_map_lookup_elem(&ports, &pk);

	*vid = 0;
	if (p && p->domain == domain)
		return 0;
	if (!port_carries(out, domain))
		return -1;
	*vid = domain;
	return 0;
}
#endif

NFC_NF(switch)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	struct switch_port_key pk = { .ifindex = c->key.ifindex };
	struct switch_fdb_key k = {};
	struct switch_port *p;
	struct switch_fdb *e;
	__u64 now;

	p = bpf_map_lookup_elem(&ports, &pk);
	if (!p) {
		if (cfg_default == SWITCH_DEFAULT_PASS)
			return NFC_PASS;
		return nfc_deny(c, NFC_DROP_NO_ROUTE, 0);
	}
	k.domain = p->domain;
#ifdef SWITCH_VLANS
	{
		__u32 vlan = frame_vlan(c);

		if (vlan) {
			if (!port_carries(pk.ifindex, vlan))
				return nfc_deny(c, NFC_DROP_VLAN_MEMBER, 0);
			k.domain = vlan;
		}
	}
#endif
	now = nfc_now();
	if (!mac_group(c->act.key.smac) && !mac_zero(c->act.key.smac)) {
		__builtin_memcpy(k.mac, c->act.key.smac, 6);
		learn(&k, pk.ifindex, now);
	}
	/* an ARP request for an address the control plane knows: answered
	 * here, out of the port it came in on */
	if (c->key.l3 == NFC_L3_ARP && c->key.proto == 1) {
		struct switch_arp_key ak = { .domain = k.domain,
					     .addr = c->key.daddr.v4 };
		struct switch_arp *a = bpf_map_lookup_elem(&arp, &ak);

		if (a) {
			nfc_arp_reply(c, a->mac);
			return NFC_PASS;
		}
	}
	if (nd_answer(pkt, c, k.domain))
		return NFC_PASS;
	if (mac_group(c->act.key.dmac)) {
		nfc_flood(c, k.domain);
		return NFC_PASS;
	}
	__builtin_memcpy(k.mac, c->act.key.dmac, 6);
	e = bpf_map_lookup_elem(&fdb, &k);
	if (!e || (e->kind != SWITCH_FDB_STATIC && e->expires_ns <= now)) {
		nfc_flood(c, k.domain); /* unknown unicast */
		return NFC_PASS;
	}
	if (e->ifindex == pk.ifindex)
		return nfc_deny(c, NFC_DROP_SAME_PORT, 0);
#ifdef SWITCH_VLANS
	{
		__u16 vid;

		if (out_tag(e->ifindex, k.domain, &vid))
			return nfc_deny(c, NFC_DROP_VLAN_MEMBER, 0);
		nfc_set_vlan(c, vid);
	}
#endif
	nfc_redirect(c, e->ifindex);
	return NFC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
