/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Longest-prefix match for any NF: nfc_lpm_lookup4() and nfc_lpm_lookup6()
 * find the value of the longest prefix of a table that covers an address.
 * Tables are made, filled and changed by userspace (the runtime's lpm.c,
 * `nfctl lpm`); this side only reads.
 *
 * The structure is Poptrie (Asai and Ohara, SIGCOMM 2015): a multibit trie
 * of stride 6 whose nodes keep their children and their leaves in
 * consecutive runs and find one by counting bits in a 64-bit vector, with
 * leaf pushing (every slot's leaf holds the longest match for it) and leaf
 * compression (runs of equal leaves stored once). Why this one:
 *   - DIR-24-8 (DPDK) costs 64 MiB per IPv4 table before the first prefix
 *     and has no IPv6 form; a thousand tenant tables rule it out.
 *   - The kernel's LPM trie is a binary trie: up to 32 (IPv4) or 128 (IPv6)
 *     dependent node loads, ~125 bytes per prefix.
 *   - Poptrie walks at most 6 levels for IPv4 and 22 for IPv6 (a /24 takes
 *     4 node loads and one leaf load), costs 24 bytes per node and 4 per
 *     distinct leaf run, and grows with the prefixes a table holds. A BGP
 *     table of 2M prefixes comes to a few tens of MiB.
 * Path compression, beyond Poptrie: a node whose region leads one way down
 * (one child, every other slot the inherited value) or holds one prefix is
 * a path node (nfc_shared.h): its bits are compared at once, so a chain of
 * single-child nodes costs one load. Below the dense upper levels most
 * regions of a big table hold one prefix: an IPv6 /48 among a million is
 * four node loads and a path node, not eight node loads and a leaf.
 * Worst case: IPv4 6 node loads + 1 leaf load; IPv6 22 + 1 (each load 6
 * bits or more). Memory worst case: prefixes that branch at every level,
 * one node per level per prefix; a prefix alone in its region costs one
 * 24-byte path node below the last level it shares.
 *
 * IPv4 tables made for a million prefixes or more add DIR-24-8's first
 * step (NFC_LPM_F_DIRECT): a 64 MiB array of every /24, holding its longest
 * match or the node of depth 24 below it. IPv6 tables made for 100k or
 * more add Poptrie's direct pointing: a 1 MiB array of every /18 in place
 * of the first three levels. A walk's cost is its levels, each a chain
 * of dependent loads and a popcount (~10 ns even when cached, here), and
 * the misses among them; the array's one load replaces several levels.
 * At 2M IPv4 prefixes a lookup that stops at the array costs ~42 ns in
 * nfbench (random loads into 64 MiB, overlapped across lookups; ~135 ns
 * alone); one that goes on below it one more dependent load for a path
 * node, two for a node and its leaf.
 *
 * Updates are copy-on-write: userspace writes the new nodes and leaves of
 * the path that changes into free slots, then swaps the table's root with
 * one store. A lookup runs under RCU and sees the old tree or the new,
 * never a mix; the old slots are reused only after a grace period. The
 * default route lives beside the root, not in the leaves, so changing it
 * rewrites nothing; but for tables with a direct array, whose entries and
 * leaves hold it so that a lookup never pairs them with another state's
 * default (changing it there rebuilds the table). Direct entries change
 * one atomic store at a time, from an old node to a new one, and loads
 * put a whole new array in place.
 *
 * The store: nodes and leaves in chunks (BPF arrays of NFC_LPM_NODE_CHUNK
 * nodes and NFC_LPM_LEAF_CHUNK leaves), found through an array of maps, so
 * that memory is added as tables grow; every table shares it.
 */
#ifndef NFC_LPM_H
#define NFC_LPM_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "nfc_shared.h"

#ifndef ENOENT
#define ENOENT 2
#endif

struct nfc_lpm_node_chunk {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NFC_LPM_NODE_CHUNK);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct nfc_lpm_node));
};

struct nfc_lpm_leaf_chunk {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NFC_LPM_LEAF_CHUNK / NFC_LPM_LEAF_BLOCK);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct nfc_lpm_leaves));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NFC_LPM_MAX_CHUNKS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct nfc_lpm_node_chunk);
} nfc_lpm_nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NFC_LPM_MAX_CHUNKS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct nfc_lpm_leaf_chunk);
} nfc_lpm_leaves SEC(".maps");

struct nfc_lpm_direct_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, (1u << NFC_LPM_DIRECT_BITS) / NFC_LPM_LEAF_BLOCK);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct nfc_lpm_leaves));
};

struct nfc_lpm_direct6_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, (1u << NFC_LPM_DIRECT6_BITS) / NFC_LPM_LEAF_BLOCK);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct nfc_lpm_leaves));
};

/* The direct arrays of tables that have one, by table id: IPv4, IPv6. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NFC_LPM_MAX_TABLES);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct nfc_lpm_direct_array);
} nfc_lpm_direct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NFC_LPM_MAX_TABLES);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct nfc_lpm_direct6_array);
} nfc_lpm_direct6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NFC_LPM_MAX_TABLES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct nfc_lpm_table);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_lpm_tables SEC(".maps");

static __always_inline const struct nfc_lpm_node *nfc_lpm_node_at(__u32 i)
{
	__u32 c = i >> NFC_LPM_NODE_CHUNK_SHIFT;
	__u32 s = i & (NFC_LPM_NODE_CHUNK - 1);
	void *chunk = bpf_map_lookup_elem(&nfc_lpm_nodes, &c);

	return chunk ? bpf_map_lookup_elem(chunk, &s) : NULL;
}

/* Leaf @i into *v: 0, or -ENOENT when the store lacks it. */
static __always_inline int nfc_lpm_leaf_at(__u32 i, __u32 *v)
{
	__u32 c = i >> NFC_LPM_LEAF_CHUNK_SHIFT;
	__u32 b = (i & (NFC_LPM_LEAF_CHUNK - 1)) / NFC_LPM_LEAF_BLOCK;
	const struct nfc_lpm_leaves *l;
	void *chunk;

	chunk = bpf_map_lookup_elem(&nfc_lpm_leaves, &c);
	if (!chunk)
		return -ENOENT;
	l = bpf_map_lookup_elem(chunk, &b);
	if (!l)
		return -ENOENT;
	*v = l->v[i & (NFC_LPM_LEAF_BLOCK - 1)];
	return 0;
}

/* The bits of @v up to and including bit @slot (0..63). */
static __always_inline __u32 nfc_lpm_rank(__u64 v, __u32 slot)
{
	return __builtin_popcountll(v & ((2ULL << slot) - 1));
}

/* What a walk's step found. */
enum nfc_lpm_walk {
	NFC_LPM_LEAF,   /* the walk ends in leaf *idx */
	NFC_LPM_VALUE,  /* it ends with the value *idx (a path node's) */
	NFC_LPM_DOWN,   /* it goes on *bits deeper, at node *idx */
};

/*
 * One node: the one at *idx, @key the address's bits from its depth on
 * (most significant first). NFC_LPM_* above, or -ENOENT when the store
 * lacks the node.
 */
static __always_inline int nfc_lpm_step(__u32 *idx, __u64 key, __u32 *bits)
{
	const struct nfc_lpm_node *n = nfc_lpm_node_at(*idx);
	__u32 slot = key >> (64 - NFC_LPM_STRIDE), nb;

	if (!n)
		return -ENOENT;
	if (n->base0 & NFC_LPM_PATH) {
		/* a path node: its bits, then one node deeper or a value */
		nb = n->base0 & NFC_LPM_PATH_BITS;
		if (nb - 1 > 63)
			return -ENOENT;
		if ((key ^ n->vector) >> (64 - nb)) {
			*idx = (__u32)n->leafvec;
			return NFC_LPM_VALUE;
		}
		*idx = n->base1;
		*bits = nb;
		return n->base0 & NFC_LPM_TAIL ? NFC_LPM_VALUE : NFC_LPM_DOWN;
	}
	if (n->vector & (1ULL << slot)) {
		*idx = n->base1 + nfc_lpm_rank(n->vector, slot) - 1;
		*bits = NFC_LPM_STRIDE;
		return NFC_LPM_DOWN;
	}
	*idx = n->base0 + nfc_lpm_rank(n->leafvec, slot) - 1;
	return NFC_LPM_LEAF;
}

/* Where the walk ended: the leaf's or the path node's value into *value,
 * the default route @dflt where it is NFC_LPM_NONE; -ENOENT when that is
 * none either. */
static __always_inline int nfc_lpm_end(int r, __u32 idx, __u32 dflt,
				       __u32 *value)
{
	__u32 v = idx;

	if (r == NFC_LPM_LEAF && nfc_lpm_leaf_at(idx, &v))
		return -ENOENT;
	if (r != NFC_LPM_LEAF && r != NFC_LPM_VALUE)
		return -ENOENT;
	if (v == NFC_LPM_NONE)
		v = dflt;
	*value = v;
	return v == NFC_LPM_NONE ? -ENOENT : 0;
}

/* Table @table's header, if it is one of @family. */
static __always_inline const struct nfc_lpm_table *
nfc_lpm_table_of(__u32 table, __u32 family)
{
	const struct nfc_lpm_table *t = bpf_map_lookup_elem(&nfc_lpm_tables,
							    &table);

	return t && t->family == family ? t : NULL;
}

/* The table's root node and default route, read together. */
static __always_inline void nfc_lpm_root(const struct nfc_lpm_table *t,
					 __u32 *root, __u32 *dflt)
{
	union {
		__u64 word;
		struct {
			__u32 root, dflt;
		};
	} u;

	u.word = *(volatile const __u64 *)t;
	*root = u.root;
	*dflt = u.dflt;
}

/*
 * Entry @k of the direct array of table @table in @outer (nfc_lpm_direct,
 * nfc_lpm_direct6): 1 and the node below it to walk on from in *idx, or 0
 * and the walk's result in *value (-ENOENT when no prefix covers the
 * address).
 */
static __always_inline int nfc_lpm_direct_at(void *outer, __u32 table,
					     __u32 k, __u32 *idx,
					     __u32 *value, int *rc)
{
	__u32 b = k / NFC_LPM_LEAF_BLOCK;
	const struct nfc_lpm_leaves *l;
	void *direct;
	__u32 e;

	*rc = -ENOENT;
	direct = bpf_map_lookup_elem(outer, &table);
	if (!direct)
		return 0;
	l = bpf_map_lookup_elem(direct, &b);
	if (!l)
		return 0;
	e = l->v[k & (NFC_LPM_LEAF_BLOCK - 1)];
	/* most entries are a value: one test for them (the default route is
	 * in the entries and the leaves below them, never the header's,
	 * which may belong to another state) */
	if (e < NFC_LPM_DIRECT_NONE) {
		*value = e;
		*rc = 0;
		return 0;
	}
	if (e == NFC_LPM_DIRECT_NONE)
		return 0;
	*idx = e & ~NFC_LPM_DIRECT_NODE;
	return 1;
}

/*
 * The value of the longest prefix of IPv4 table @table that covers @addr
 * (network order) into *value: 0, or -ENOENT when none does (or the table
 * is not an IPv4 table).
 */
static __always_inline int nfc_lpm_lookup4(__u32 table, __be32 addr,
					   __u32 *value)
{
	const struct nfc_lpm_table *t = nfc_lpm_table_of(table, NFC_LPM_V4);
	__u64 key = (__u64)bpf_ntohl(addr) << 32;
	__u32 idx, dflt, bits;
	int i, r, first = 0;

	if (!t)
		return -ENOENT;
	if (!(t->flags & NFC_LPM_F_DIRECT)) {
		nfc_lpm_root(t, &idx, &dflt);
	} else {
		if (!nfc_lpm_direct_at(&nfc_lpm_direct, table,
				       key >> (64 - NFC_LPM_DIRECT_BITS), &idx,
				       value, &r))
			return r;
		dflt = NFC_LPM_NONE; /* the leaves hold it */
		/* on from the node of depth 24 */
		key <<= NFC_LPM_DIRECT_BITS;
		first = NFC_LPM_DIRECT_BITS / NFC_LPM_STRIDE;
	}
#pragma unroll
	for (i = 0; i < NFC_LPM_LEVELS4; i++) {
		if (i < first)
			continue;
		/* each step goes 6 bits or more deeper: 6 take any address
		 * to its end */
		r = nfc_lpm_step(&idx, key, &bits);
		if (r != NFC_LPM_DOWN)
			return nfc_lpm_end(r, idx, dflt, value);
		key <<= bits;
	}
	return -ENOENT;
}

/* The same for IPv6 table @table and @addr (16 bytes, network order). */
static __always_inline int nfc_lpm_lookup6(__u32 table, const __be32 *addr,
					   __u32 *value)
{
	__u64 hi = (__u64)bpf_ntohl(addr[0]) << 32 | bpf_ntohl(addr[1]);
	__u64 lo = (__u64)bpf_ntohl(addr[2]) << 32 | bpf_ntohl(addr[3]);
	const struct nfc_lpm_table *t = nfc_lpm_table_of(table, NFC_LPM_V6);
	__u32 idx, dflt, bits;
	int i, r, first = 0;

	if (!t)
		return -ENOENT;
	if (!(t->flags & NFC_LPM_F_DIRECT)) {
		nfc_lpm_root(t, &idx, &dflt);
	} else {
		if (!nfc_lpm_direct_at(&nfc_lpm_direct6, table,
				       hi >> (64 - NFC_LPM_DIRECT6_BITS), &idx,
				       value, &r))
			return r;
		dflt = NFC_LPM_NONE; /* the leaves hold it */
		/* on from the node of depth 18 */
		hi = hi << NFC_LPM_DIRECT6_BITS |
		     lo >> (64 - NFC_LPM_DIRECT6_BITS);
		lo <<= NFC_LPM_DIRECT6_BITS;
		first = NFC_LPM_DIRECT6_BITS / NFC_LPM_STRIDE;
	}
	for (i = first; i < NFC_LPM_LEVELS6; i++) {
		r = nfc_lpm_step(&idx, hi, &bits);
		if (r != NFC_LPM_DOWN)
			return nfc_lpm_end(r, idx, dflt, value);
		/* 6 to 60 bits (a skip) */
		hi = hi << bits | lo >> (64 - bits);
		lo <<= bits;
	}
	return -ENOENT;
}

#endif /* NFC_LPM_H */
