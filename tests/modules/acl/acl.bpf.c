// SPDX-License-Identifier: GPL-2.0-only
/*
 * acl (test only): the first rule (lowest id) matching a connection's first
 * direction by protocol and destination port allows or denies it, naming
 * itself as the deciding policy; no match: pass, no decision. Replies pass:
 * the decision was about their connection. Counts the packets that ran it
 * per connection handle, so tests can see conntrack's handle stay put.
 */
#include "nfc.h"
#include "acl.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ACL_RULES);
	__type(key, __u32);
	__type(value, struct acl_rule);
} rules SEC(".maps");

/* per connection (conntrack handle): packets that ran this node */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} conns SEC(".maps");

static __always_inline void count_conn(const struct nfc_ctx *c)
{
	__u64 one = 1, *n;

	if (!c->ct_handle)
		return;
	n = bpf_map_lookup_elem(&conns, &c->ct_handle);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&conns, &c->ct_handle, &one, BPF_NOEXIST);
}

/* What bpf_loop() looks for: the first rule matching proto and dport. */
struct acl_scan {
	__u8 proto;
	__u8 action;
	__be16 dport;
	__u32 id; /* 0: none */
};

static long acl_match(__u32 i, void *data)
{
	struct acl_scan *s = data;
	__u32 id = i + 1;
	struct acl_rule *r = bpf_map_lookup_elem(&rules, &id);

	if (!r || !r->proto || r->proto != s->proto)
		return 0;
	if (r->dport && r->dport != s->dport)
		return 0;
	s->id = id;
	s->action = r->action;
	return 1;
}

NFC_NF(acl)(struct nfc_pkt *pkt, struct nfc_ctx *c)
{
	struct acl_scan s = { .proto = c->act.key.proto,
			      .dport = c->act.key.dport };

	count_conn(c);
	if (c->ct_dir == NFC_CT_REPLY)
		return NFC_PASS;
	/* bpf_loop, not a bounded loop: 6.1's verifier takes that for an
	 * endless one */
	bpf_loop(ACL_RULES - 1, acl_match, &s, 0);
	if (!s.id)
		return NFC_PASS;
	if (s.action == ACL_DENY)
		return nfc_deny(c, NFC_DROP_POLICY, s.id);
	return nfc_allow(c, s.id);
}

char LICENSE[] SEC("license") = "GPL";
