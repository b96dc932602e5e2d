// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpm: lookups in the kernel's BPF_MAP_TYPE_LPM_TRIE, the reference our own
 * LPM tables (lpm_nfc.bpf.c) are measured against, over the walk of
 * lpm_walk.h.
 */
#include "lpm_walk.h"

/* The layouts of struct bpf_lpm_trie_key_u8 for IPv4 and IPv6. */
struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* The tables under test; nfbench sets max_entries (1 for the family not
 * measured). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lpm_v6_key);
	__type(value, __u32);
} lpm6 SEC(".maps");

static long lookup4_one(__u32 i, void *data)
{
	struct lpm_v4_key k = { .prefixlen = 32 };
	struct walk *w = data;
	__u32 *addr = key_at(w->base + i, 1), *v;

	if (!addr)
		return 1;
	__builtin_memcpy(k.addr, addr, sizeof(k.addr));
	v = bpf_map_lookup_elem(&lpm, &k);
	if (v)
		found(w, *v);
	return 0;
}

static long lookup6_one(__u32 i, void *data)
{
	struct lpm_v6_key k = { .prefixlen = 128 };
	struct walk *w = data;
	__u32 *addr = key_at(w->base + i, 4), *v;

	if (!addr)
		return 1;
	__builtin_memcpy(k.addr, addr, sizeof(k.addr));
	v = bpf_map_lookup_elem(&lpm6, &k);
	if (v)
		found(w, *v);
	return 0;
}

NFB_LPM_WALK_PROGS

char LICENSE[] SEC("license") = "GPL";
