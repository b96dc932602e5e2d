/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The walk the lpm scenario's lookups make, shared by the kernel trie's
 * programs (lpm.bpf.c) and ours (lpm_nfc.bpf.c) so that both fetch the
 * same keys the same way. One BPF_PROG_TEST_RUN run makes walk_len
 * lookups inside bpf_loop, each with the next address of a key set nfbench
 * filled in beforehand, so every lookup misses or hits the caches as a
 * lookup for a fresh packet would; it counts the matches and sums the
 * values found, which must come out the same for every structure. The
 * walk programs (NFB_LPM_WALK_PROGS) fetch the keys without looking them
 * up: what a lookup costs beyond fetching its key.
 */
#ifndef NFB_LPM_WALK_H
#define NFB_LPM_WALK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Addresses, network byte order, in 64-byte blocks: 16 IPv4 or 4 IPv6. */
#define NFB_KEY_WORDS 16

struct key_block {
	__u32 w[NFB_KEY_WORDS];
};

/* The addresses looked up, walked in order; nfbench sizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct key_block);
} keys SEC(".maps");

const volatile __u32 walk_len = 1;      /* lookups per run */
const volatile __u32 key_mask;          /* number of keys - 1, a power of 2 */

/* Where the walk goes on at the next run, the lookups that matched and the
 * sum of the values they found. */
__u32 cursor;
__u64 hits;
__u64 values;

struct walk {
	__u32 base;
	__u32 hits;
	__u64 values;
};

/* Address @n of the key set: @words 32-bit words (1 or 4). */
static __always_inline __u32 *key_at(__u32 n, __u32 words)
{
	__u32 per = NFB_KEY_WORDS / words;
	__u32 blk = (n & key_mask) / per;
	struct key_block *kb = bpf_map_lookup_elem(&keys, &blk);

	return kb ? &kb->w[(n % per) * words] : NULL;
}

static __always_inline void found(struct walk *w, __u32 value)
{
	w->hits++;
	w->values += value;
}

/* The key fetch alone, and a use of the key so it is not optimised away. */
static __always_inline long walk_one(__u32 i, struct walk *w, __u32 words)
{
	__u32 *addr = key_at(w->base + i, words);

	if (!addr)
		return 1;
	w->hits += *addr & 1;
	return 0;
}

static long walk4_one(__u32 i, void *data)
{
	return walk_one(i, data, 1);
}

static long walk6_one(__u32 i, void *data)
{
	return walk_one(i, data, 4);
}

static __always_inline int run(void *fn)
{
	struct walk w = { .base = cursor };

	bpf_loop(walk_len, fn, &w, 0);
	cursor += walk_len;
	hits += w.hits;
	values += w.values;
	return XDP_PASS;
}

/* The programs nfbench runs: nfb_lpm4/6 over lookup4_one()/lookup6_one()
 * of the including file, nfb_walk4/6 without lookups. */
#define NFB_LPM_WALK_PROGS                                                    \
	SEC("xdp") int nfb_lpm4(struct xdp_md *ctx)                           \
	{                                                                     \
		return run(lookup4_one);                                      \
	}                                                                     \
	SEC("xdp") int nfb_lpm6(struct xdp_md *ctx)                           \
	{                                                                     \
		return run(lookup6_one);                                      \
	}                                                                     \
	SEC("xdp") int nfb_walk4(struct xdp_md *ctx)                          \
	{                                                                     \
		return run(walk4_one);                                        \
	}                                                                     \
	SEC("xdp") int nfb_walk6(struct xdp_md *ctx)                          \
	{                                                                     \
		return run(walk6_one);                                        \
	}

#endif /* NFB_LPM_WALK_H */
