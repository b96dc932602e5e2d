/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * What test_lpm holds the LPM tables against: addresses and prefixes as
 * plain 128-bit integers, a seeded random generator, and a reference
 * longest-prefix match that shares nothing with the code under test: one
 * hash of every prefix, probed for each length from the longest down. It
 * is slow and obviously right.
 *
 * A versioned reference also remembers every value each prefix had, by
 * sequence number, and answers as the table was at any point of a log of
 * changes (the updates-under-lookup cases).
 */
#ifndef LPM_TEST_REF_H
#define LPM_TEST_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

typedef unsigned __int128 u128;

/*
 * Addresses are top-aligned: the first bit on the wire is bit 127, so a
 * prefix of either family is its first len bits. IPv4 takes the top 32
 * bits and leaves the other 96 zero.
 */
unsigned fam_bits(int family);
u128 mask_of(unsigned len);
u128 bit_at(unsigned i);          /* address bit i, 0 the first */
u128 fam_mask(int family);        /* the bits an address of @family has */
/* The address after (@dir 1) or before (-1) @a, wrapping around. */
u128 addr_step(int family, u128 a, int dir);
void addr_bytes(u128 a, __u8 b[16]);   /* network order */
u128 addr_of_bytes(const __u8 b[16]);

struct astr {
	char s[64];
};
struct astr addr_str(int family, u128 a);

struct pfx {
	u128 addr;	/* the bits past len are zero */
	__u8 len;
};

struct route {
	struct pfx p;
	__u32 value;
};

struct pfx pfx_make(u128 addr, unsigned len);
u128 pfx_last(int family, struct pfx p);
bool pfx_covers(struct pfx p, u128 a);
struct astr pfx_str(int family, struct pfx p); /* "10.0.0.0/8" */

/* splitmix64: small, and the same sequence everywhere. */
struct rng {
	__u64 s;
};

__u64 rng_next(struct rng *r);
__u64 rng_below(struct rng *r, __u64 n);
u128 rng_addr(struct rng *r, int family);
void rng_shuffle(struct rng *r, struct route *v, size_t n);

/* One prefix the reference has known; value NFC_LPM_NONE: not in the
 * table now. */
struct ref_entry {
	struct pfx p;
	__u32 value;
	__u32 live_pos;		/* its place in ref.live while in the table */
	struct ref_change *hist; /* versioned: every value, oldest first */
	__u32 n_hist, hist_cap;
};

struct ref_change {
	size_t seq;
	__u32 value;
};

struct ref {
	int family;
	bool versioned;
	struct ref_entry *e;
	__u32 n, cap;
	__u32 *slot;		/* open addressing: entry index + 1, 0 free */
	__u32 n_slots;
	__u32 *live;		/* the entries in the table now */
	__u32 n_live;
	__u32 per_len[129];	/* entries in the table now, per length */
	__u32 ever_len[129];	/* entries ever known, per length */
};

void ref_init(struct ref *r, int family, bool versioned);
void ref_free(struct ref *r);
/* Set @p to @value (NFC_LPM_NONE: remove it); a versioned reference
 * records the change as made at @seq (ascending). */
void ref_set(struct ref *r, struct pfx p, __u32 value, size_t seq);
/* Everything out of the table. */
void ref_clear(struct ref *r, size_t seq);
/* The value of exactly @p, NFC_LPM_NONE when absent. */
__u32 ref_value(const struct ref *r, struct pfx p);
/* The longest prefix covering @a: its value (NFC_LPM_NONE: none) and,
 * given @match, its entry. */
__u32 ref_lookup(const struct ref *r, u128 a, const struct ref_entry **match);
/* The same as the table was once the changes up to @seq were made. */
__u32 ref_lookup_at(const struct ref *r, u128 a, size_t seq);
const struct ref_entry *ref_live(const struct ref *r, __u32 i);
/* The routes in the table, sorted by address then length; free() them. */
struct route *ref_routes(const struct ref *r, size_t *n);
/* How many distinct prefixes @n routes hold. */
size_t routes_distinct(int family, const struct route *v, size_t n);

#endif /* LPM_TEST_REF_H */
