/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * The lpm scenario's routing tables and the addresses looked up in them
 * (lpm_tables.c). Everything comes from a seeded PRNG, so every run and
 * every structure measured sees the same prefixes and the same keys.
 */
#ifndef NFB_LPM_TABLES_H
#define NFB_LPM_TABLES_H

#include <sys/socket.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "ultranio.h"

#define NFB_LPM_SEED4 0x6c706d2d74726965ULL
#define NFB_LPM_SEED6 0x6c706d362d747269ULL
#define NFB_LPM_KEYS (1u << 20)  /* addresses the lookups walk */
#define NFB_LPM_HIT_PCT 90       /* keys drawn inside a prefix */

struct lpm_table {
	int family;                  /* AF_INET, AF_INET6 */
	__u32 n;                     /* the table: pfx[0 .. n) */
	__u32 spare;                 /* then prefixes not in it: pfx[n .. n + spare) */
	struct nfc_lpm_prefix *pfx;  /* value: the prefix's index */
	__u32 count[129];            /* prefixes of the table per length */
};

/* @n prefixes of @family in a seeded shuffled order, and @spare more of
 * the same length mix and placement that the table does not hold. */
int lpm_table_gen(struct lpm_table *t, int family, __u32 n, __u32 spare);
void lpm_table_free(struct lpm_table *t);
/* NFB_LPM_KEYS addresses in walk order, network order, 4 bytes each for
 * IPv4 and 16 for IPv6; free() them. NULL when out of memory. */
void *lpm_keys_gen(const struct lpm_table *t);
/* Bytes of one address. */
static inline size_t lpm_addr_size(int family)
{
	return family == AF_INET6 ? 16 : 4;
}
/* What the table is: prefixes, mix per length, seed and placement. */
json_object *lpm_table_params(const struct lpm_table *t);

/* splitmix64: small, fast, and the same sequence everywhere. */
__u64 lpm_rnd(__u64 *s);

#endif /* NFB_LPM_TABLES_H */
