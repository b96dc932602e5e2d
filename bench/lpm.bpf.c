// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpm: lookups in the kernel's BPF_MAP_TYPE_LPM_TRIE, the reference our own
 * LPM structures are measured against. One BPF_PROG_TEST_RUN run makes
 * walk_len lookups inside bpf_loop, each with the next address of a key set
 * nfbench filled in beforehand, so every lookup misses or hits the caches as
 * a lookup for a fresh packet would. nfb_walk does the same walk without the
 * trie lookup: what a lookup costs beyond fetching its key.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Addresses, network byte order, 16 to a 64-byte cache line. */
#define NFB_KEYS_PER_BLOCK 16

/* The layout of struct bpf_lpm_trie_key_u8 for IPv4. */
struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct key_block {
	__u32 addr[NFB_KEYS_PER_BLOCK];
};

/* The table under test; nfbench sets max_entries to the prefix count. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} lpm SEC(".maps");

/* The addresses looked up, walked in order; nfbench sizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct key_block);
} keys SEC(".maps");

const volatile __u32 walk_len = 1;      /* lookups per run */
const volatile __u32 key_mask;          /* number of keys - 1, a power of 2 */

/* Where the walk goes on at the next run, and the lookups that matched. */
__u32 cursor;
__u64 hits;

struct walk {
	__u32 base;
	__u32 hits;
};

static __always_inline __u32 *key_at(__u32 n)
{
	__u32 blk = (n & key_mask) / NFB_KEYS_PER_BLOCK;
	struct key_block *kb = bpf_map_lookup_elem(&keys, &blk);

	return kb ? &kb->addr[n % NFB_KEYS_PER_BLOCK] : NULL;
}

static long lookup_one(__u32 i, void *data)
{
	struct lpm_v4_key k = { .prefixlen = 32 };
	struct walk *w = data;
	__u32 *addr = key_at(w->base + i);

	if (!addr)
		return 1;
	__builtin_memcpy(k.addr, addr, sizeof(k.addr));
	if (bpf_map_lookup_elem(&lpm, &k))
		w->hits++;
	return 0;
}

/* The same key fetch, and a use of the key so it is not optimised away. */
static long walk_one(__u32 i, void *data)
{
	struct walk *w = data;
	__u32 *addr = key_at(w->base + i);

	if (!addr)
		return 1;
	w->hits += *addr & 1;
	return 0;
}

SEC("xdp")
int nfb_lpm(struct xdp_md *ctx)
{
	struct walk w = { .base = cursor };

	bpf_loop(walk_len, lookup_one, &w, 0);
	cursor += walk_len;
	hits += w.hits;
	return XDP_PASS;
}

SEC("xdp")
int nfb_walk(struct xdp_md *ctx)
{
	struct walk w = { .base = cursor };

	bpf_loop(walk_len, walk_one, &w, 0);
	cursor += walk_len;
	hits += w.hits;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
