/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Internals of the LPM tables (lpm.c: the store, its maps and the API;
 * lpm_trie.c: prefix sets, the Poptrie builders and copy-on-write updates).
 * Not part of the API.
 */
#ifndef NFC_LPM_INT_H
#define NFC_LPM_INT_H

#include <stdbool.h>
#include <linux/types.h>
#include "internal.h"

/* An address or prefix as 128 bits, most significant first, host order;
 * IPv4 in the top 32 bits of hi. Trie levels take 6 bits from the top. */
struct lpm_addr {
	__u64 hi, lo;
};

/* A set of prefixes (or counters) keyed by address and length: open
 * addressing, linear probing, deletion by backward shift. */
struct lpm_ent {
	__u64 hi, lo;
	__u32 val;
	__u32 rec;               /* the prefix's record */
	__u8 len;
	__u8 used;
};

struct lpm_set {
	struct lpm_ent *e;
	__u64 mask;              /* slots - 1, slots a power of two */
	__u64 n;
};

/* A block of consecutive slots of the node or the leaf space. */
/* what the store holds: trie nodes and leaves, and prefix records */
enum lpm_kind { LPM_NODES, LPM_LEAVES, LPM_RECS, LPM_NKINDS };

struct lpm_blk {
	__u32 start;
	__u16 len;
	__u8 kind;
};

/* One slot space (nodes or leaves): free blocks by size (1..64), those
 * waiting for a grace period, and the end of what was ever handed out. */
struct lpm_ids {
	__u32 *v;
	int n, cap;
};

struct lpm_pool {
	__u64 cap;               /* slots the chunks hold */
	__u64 top;               /* slots from here on were never handed out */
	__u64 used;
	struct lpm_ids free[65];
	struct lpm_blk *limbo;
	int nlimbo, caplimbo;
	__u64 limbo_slots;
};

struct lpm_chunk {
	int fd;
	void *mm;
	size_t len;
};

struct lpm_tab {
	__u32 id;
	int family;              /* AF_INET, AF_INET6 */
	int width;               /* 32, 128 */
	bool mirrored;           /* pfx, cnt and lens hold the prefixes */
	int direct_fd;           /* its direct array (NFC_LPM_F_DIRECT), or -1 */
	__u32 *direct;           /* ... mmaped */
	int dbits;               /* its entries: 2^dbits, one per /dbits;
				    0: no direct array */
	/* what the root's slots inherit: NFC_LPM_NONE, or with a direct
	 * array the default route, so that its entries and the nodes they
	 * lead to answer alone, without the header's default */
	__u32 base;
	struct lpm_set pfx;      /* the prefixes but the default route */
	/* for each level boundary D (a multiple of 6) and D-bit region: how
	 * many prefixes longer than D lie in it (a child node is needed) */
	struct lpm_set cnt;
	__u64 lens[129];         /* prefixes per length */
	__u64 nodes, leaves;     /* slots in use */
};

struct nfc_lpm {
	struct nfc_handle *h;
	bool runtime;                /* may change instances' tables */
	int tables_fd;
	int direct_fd[2];            /* the direct arrays, by table: IPv4, IPv6 */
	struct nfc_lpm_table *hdr;   /* the mmaped table headers */
	size_t hdr_len;
	int outer_fd[LPM_NKINDS];
	struct lpm_chunk chunk[LPM_NKINDS][NFC_LPM_MAX_CHUNKS];
	__u32 nchunks[LPM_NKINDS];
	struct lpm_pool pool[LPM_NKINDS];
	struct lpm_tab *tab[NFC_LPM_MAX_TABLES];
};

/* One change in progress: what it allocated (given back if it fails) and
 * what it replaced (freed after a grace period once it is published). */
struct lpm_upd {
	struct nfc_lpm *l;
	struct lpm_tab *t;
	struct lpm_blk *fresh, *retired;
	int nfresh, capfresh, nretired, capretired;
	int err;
	struct nfc_err *errs;    /* what a store that cannot grow says */
	/* the builders' scratch, one per trie level (lpm_trie.c) */
	void *scratch[NFC_LPM_LEVELS6 + 1];
};

/* lpm.c: slots and their memory */
struct nfc_lpm_node *lpm_node(struct nfc_lpm *l, __u32 i);
__u32 *lpm_leaf(struct nfc_lpm *l, __u32 i);
struct nfc_lpm_rec *lpm_rec(struct nfc_lpm *l, __u32 i);
int lpm_upd_alloc(struct lpm_upd *u, enum lpm_kind kind, __u32 len,
		  __u32 *start);
void lpm_upd_retire(struct lpm_upd *u, enum lpm_kind kind, __u32 start,
		    __u32 len);

/* lpm_trie.c: address arithmetic */
struct lpm_addr lpm_mask(struct lpm_addr a, int len);
unsigned int lpm_slot(struct lpm_addr a, int depth);

/* lpm_trie.c: prefix sets */
struct lpm_ent *lpm_set_find(const struct lpm_set *s, struct lpm_addr a,
			     int len);
/* 1 when added, 0 when replaced (the record kept), -ENOMEM */
int lpm_set_put(struct lpm_set *s, struct lpm_addr a, int len, __u32 val,
		__u32 rec);
bool lpm_set_del(struct lpm_set *s, struct lpm_addr a, int len);
void lpm_set_free(struct lpm_set *s);
/* The table's prefix sets gain or lose prefix @a/@len (counters too). */
int lpm_mirror_add(struct lpm_tab *t, struct lpm_addr a, int len, __u32 val,
		   __u32 rec, bool *added);
void lpm_mirror_del(struct lpm_tab *t, struct lpm_addr a, int len);
void lpm_mirror_free(struct lpm_tab *t);

/* lpm_trie.c: the trie */
struct lpm_pfx {
	struct lpm_addr a;
	__u32 val;
	__u32 len;
};
/* A whole tree of prefixes @p (sorted by lpm_pfx_sort, no duplicates, no
 * default route) into *root (a node block of 1). */
int lpm_build(struct lpm_upd *u, const struct lpm_pfx *p, size_t n,
	      __u32 *root);
/* Sort by address, then length; equal ones stay in the order given. */
int lpm_pfx_sort(struct lpm_pfx *p, size_t n);
/* The tree rooted at @root after prefix @a/@len changed in the table's
 * prefix sets (added, replaced or deleted) into *root_out; the replaced
 * nodes and leaves retired. */
int lpm_update(struct lpm_upd *u, __u32 root, struct lpm_addr a, int len,
	       __u32 *root_out);
/* Retire every block of the tree at @root (the root's block included). */
void lpm_retire_tree(struct lpm_upd *u, __u32 root);
/* Call @fn for every block of the tree at @root (the root's block too). */
void lpm_walk_blocks(struct nfc_lpm *l, __u32 root,
		     void (*fn)(void *ctx, enum lpm_kind kind, __u32 start,
				__u32 len),
		     void *ctx);
/* The walk the datapath makes from node @idx of depth @d: the value
 * (NFC_LPM_NONE: none). */
__u32 lpm_walk(struct nfc_lpm *l, __u32 idx, int d, struct lpm_addr a);

#endif /* NFC_LPM_INT_H */
