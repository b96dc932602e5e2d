// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Routing tables for the lpm scenario, and the addresses looked up in them.
 *
 * IPv4, per 100000 prefixes, shaped like a BGP full table plus the
 * more-specifics of an internal one:
 *   /8 2, /9 3, /10 5, /11 10, /12 30, /13 60, /14 110, /15 180 (0.4%),
 *   /16 700, /17 900, /18 1500, /19 2800, /20 4000, /21 4800,
 *   /22 9000, /23 9000 (32.7%), /24 56900 (56.9%),
 *   /25 1500, /26 1500, /27 1400, /28 1300, /29 1200, /30 1200,
 *   /31 400, /32 1500 (10%).
 * Spread uniformly over 1.0.0.0-223.255.255.255; half the /25../32 are
 * more-specifics of a generated /24.
 *
 * IPv6, per 100000, shaped like the IPv6 BGP table (half /48, then /32,
 * /44, /40, /29, /36: the sizes the RIRs hand out) plus an internal
 * network's /56, /64 and host routes:
 *   /16 2, /19 3, /20 10, /22 10, /23 10, /24 30, /25 5, /26 10, /27 15,
 *   /28 300, /29 2500, /30 300, /31 200 (3.4%),
 *   /32 11000, /33 800, /34 600, /35 300, /36 2500, /37 250, /38 600,
 *   /39 500, /40 4800, /41 350, /42 1200, /43 350, /44 7000, /45 800,
 *   /46 1600, /47 1600, /48 50055, /52 500, /56 4000, /60 800,
 *   /64 5000 (94.6% in /32../64), /128 2000 (2%).
 * Spread uniformly over 2000::/3; half of those longer than /32 are
 * more-specifics of a generated /32.
 *
 * Both: a length never fills more than half its address space; what it
 * cannot take goes to the most common length (/24, /48), and so does the
 * rounding. No prefix twice, no default route, and the order is a seeded
 * shuffle. The spare prefixes (for update samples) are drawn after the
 * table from the same mix and placement, and none is in the table, so the
 * table itself is the same whatever number of spares is asked for.
 *
 * Keys: 90% inside a randomly chosen prefix of the table (random host
 * bits), 10% uniform over the same range as the prefixes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "lpm_tables.h"

#define NFB_LPM_FIRST_OCTETS 223 /* 1.0.0.0-223.255.255.255 */

/* An address as 128 bits in host order, IPv4 in the top 32 bits of hi. */
struct lpm_a {
	__u64 hi, lo;
};

struct lpm_family {
	int bits;
	int rest_len;            /* the most common length, which takes the rest */
	int nest_len;            /* longer prefixes nest under these */
	__u64 seed;
	const __u32 *pcm;        /* prefixes of each length per 100000 */
	const char *placement;
};

static const __u32 lpm_mix4[129] = {
	[8] = 2,     [9] = 3,     [10] = 5,    [11] = 10,   [12] = 30,
	[13] = 60,   [14] = 110,  [15] = 180,  [16] = 700,  [17] = 900,
	[18] = 1500, [19] = 2800, [20] = 4000, [21] = 4800, [22] = 9000,
	[23] = 9000, [24] = 56900, [25] = 1500, [26] = 1500, [27] = 1400,
	[28] = 1300, [29] = 1200, [30] = 1200, [31] = 400,  [32] = 1500,
};

static const __u32 lpm_mix6[129] = {
	[16] = 2,     [19] = 3,    [20] = 10,   [22] = 10,   [23] = 10,
	[24] = 30,    [25] = 5,    [26] = 10,   [27] = 15,   [28] = 300,
	[29] = 2500,  [30] = 300,  [31] = 200,  [32] = 11000, [33] = 800,
	[34] = 600,   [35] = 300,  [36] = 2500, [37] = 250,  [38] = 600,
	[39] = 500,   [40] = 4800, [41] = 350,  [42] = 1200, [43] = 350,
	[44] = 7000,  [45] = 800,  [46] = 1600, [47] = 1600, [48] = 50055,
	[52] = 500,   [56] = 4000, [60] = 800,  [64] = 5000, [128] = 2000,
};

static const struct lpm_family lpm_v4 = {
	.bits = 32, .rest_len = 24, .nest_len = 24, .seed = NFB_LPM_SEED4,
	.pcm = lpm_mix4,
	.placement = "uniform over 1.0.0.0-223.255.255.255, half the /25-/32 inside a generated /24, no default route, shuffled insert order",
};

static const struct lpm_family lpm_v6 = {
	.bits = 128, .rest_len = 48, .nest_len = 32, .seed = NFB_LPM_SEED6,
	.pcm = lpm_mix6,
	.placement = "uniform over 2000::/3, half of those longer than /32 inside a generated /32, no default route, shuffled insert order",
};

static const struct lpm_family *lpm_fam(int family)
{
	return family == AF_INET6 ? &lpm_v6 : &lpm_v4;
}

__u64 lpm_rnd(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static struct lpm_a lpm_mask(int len)
{
	if (len <= 0)
		return (struct lpm_a){ 0, 0 };
	if (len <= 64)
		return (struct lpm_a){ ~0ULL << (64 - len), 0 };
	return (struct lpm_a){ ~0ULL, ~0ULL << (128 - len) };
}

/* An address of the range prefixes are spread over. */
static struct lpm_a lpm_draw(const struct lpm_family *f, __u64 *s)
{
	__u64 r = lpm_rnd(s);

	if (f->bits == 32)
		return (struct lpm_a){
			((__u64)(1 + (r >> 32) % NFB_LPM_FIRST_OCTETS) << 24 |
			 (r & 0xffffff)) << 32, 0 };
	return (struct lpm_a){ 1ULL << 61 | r >> 3, lpm_rnd(s) };
}

/* How many prefixes of length @len the range holds (at most 2^62). */
static __u64 lpm_space(const struct lpm_family *f, int len)
{
	if (f->bits == 32)
		return (__u64)NFB_LPM_FIRST_OCTETS << (len - 8);
	return len - 3 >= 62 ? 1ULL << 62 : 1ULL << (len - 3);
}

static void lpm_put(struct nfc_lpm_prefix *p, int family, struct lpm_a a,
		    int len, __u32 value)
{
	__u32 w[4] = { htonl(a.hi >> 32), htonl(a.hi), htonl(a.lo >> 32),
		       htonl(a.lo) };

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = len;
	p->value = value;
	memcpy(p->addr, w, lpm_addr_size(family));
}

static struct lpm_a lpm_get(const struct nfc_lpm_prefix *p)
{
	__u32 w[4] = {};

	memcpy(w, p->addr, lpm_addr_size(p->family));
	return (struct lpm_a){ (__u64)ntohl(w[0]) << 32 | ntohl(w[1]),
			       (__u64)ntohl(w[2]) << 32 | ntohl(w[3]) };
}

/* Open addressing over what names a prefix: (addr << 8 | len) for IPv4,
 * never 0 as len >= 8; a 64-bit fingerprint for IPv6, which can only
 * turn away a new prefix, never let one in twice. */
static bool lpm_set_add(__u64 *set, __u64 mask, const struct lpm_family *f,
			struct lpm_a a, int len)
{
	__u64 v, h, s = a.lo ^ len;

	if (f->bits == 32) {
		v = (a.hi >> 32) << 8 | len;
	} else {
		v = lpm_rnd(&s) ^ a.hi;
		v = lpm_rnd(&v) ?: 1;
	}
	for (h = (v * 0x9e3779b97f4a7c15ULL >> 20) & mask; set[h];
	     h = (h + 1) & mask)
		if (set[h] == v)
			return false;
	set[h] = v;
	return true;
}

void lpm_table_free(struct lpm_table *t)
{
	free(t->pfx);
	t->pfx = NULL;
}

struct lpm_gen {
	const struct lpm_family *f;
	__u64 seed, *set, set_mask;
	struct lpm_a *parents;   /* the prefixes of length nest_len */
	__u32 nparents;
};

/* A new prefix of length @len: false when the table has it already. */
static bool lpm_gen_one(struct lpm_gen *g, int len, struct lpm_a *out)
{
	struct lpm_a a = lpm_draw(g->f, &g->seed), m, up;

	/* real tables nest more-specifics under their allocations */
	if (len > g->f->nest_len && g->nparents && lpm_rnd(&g->seed) & 1) {
		m = lpm_mask(g->f->nest_len);
		up = g->parents[lpm_rnd(&g->seed) % g->nparents];
		a.hi = up.hi | (a.hi & ~m.hi);
		a.lo = up.lo | (a.lo & ~m.lo);
	}
	m = lpm_mask(len);
	a.hi &= m.hi;
	a.lo &= m.lo;
	*out = a;
	return lpm_set_add(g->set, g->set_mask, g->f, a, len);
}

static int lpm_want(const struct lpm_family *f, __u32 n, __u32 *want)
{
	__u64 sum = 0, cap;
	int l;

	for (l = 1; l <= f->bits; l++) {
		if (!f->pcm[l] || l == f->rest_len)
			continue;
		want[l] = (__u64)n * f->pcm[l] / 100000;
		cap = lpm_space(f, l) / 2;
		if (want[l] > cap)
			want[l] = cap;
		sum += want[l];
	}
	want[f->rest_len] = n - sum;
	return want[f->rest_len] > lpm_space(f, f->rest_len) / 2 ? -EINVAL : 0;
}

int lpm_table_gen(struct lpm_table *t, int family, __u32 n, __u32 spare)
{
	const struct lpm_family *f = lpm_fam(family);
	struct lpm_gen g = { .f = f, .seed = f->seed };
	__u32 want[129] = {}, i, got = 0;
	struct nfc_lpm_prefix tmp;
	__u64 slots = 1;
	struct lpm_a a;
	int l, r;

	memset(t, 0, sizeof(*t));
	r = lpm_want(f, n, want);
	if (r)
		return r;
	while (slots < 2ULL * (n + spare))
		slots <<= 1;
	g.set = calloc(slots, sizeof(*g.set));
	g.set_mask = slots - 1;
	g.parents = calloc(want[f->nest_len] ?: 1, sizeof(*g.parents));
	t->pfx = calloc((size_t)n + spare, sizeof(*t->pfx));
	if (!g.set || !g.parents || !t->pfx) {
		r = -ENOMEM;
		goto out;
	}
	t->family = family;
	t->n = n;
	t->spare = spare;
	for (l = 1; l <= f->bits; l++) {
		for (i = 0; i < want[l];) {
			if (!lpm_gen_one(&g, l, &a))
				continue;
			lpm_put(&t->pfx[got], family, a, l, got);
			if (l == f->nest_len)
				g.parents[i] = a;
			got++;
			i++;
		}
		if (l == f->nest_len)
			g.nparents = want[l];
		t->count[l] = want[l];
	}
	for (i = n - 1; i > 0; i--) {
		__u32 j = lpm_rnd(&g.seed) % (i + 1);

		tmp = t->pfx[i];
		t->pfx[i] = t->pfx[j];
		t->pfx[j] = tmp;
	}
	for (i = 0; i < n; i++)
		t->pfx[i].value = i;
	/* the spares: a length drawn by the table's mix, then as above */
	while (got < n + spare) {
		__u64 pick = lpm_rnd(&g.seed) % n;

		for (l = 1; pick >= want[l]; l++)
			pick -= want[l];
		if (lpm_gen_one(&g, l, &a)) {
			lpm_put(&t->pfx[got], family, a, l, got);
			got++;
		}
	}
out:
	free(g.set);
	free(g.parents);
	if (r)
		lpm_table_free(t);
	return r;
}

void *lpm_keys_gen(const struct lpm_table *t)
{
	const struct lpm_family *f = lpm_fam(t->family);
	size_t size = lpm_addr_size(t->family);
	__u64 seed = f->seed ^ t->n;
	struct lpm_a a, m, host;
	struct nfc_lpm_prefix k;
	__u8 *keys = malloc(NFB_LPM_KEYS * size);
	__u32 i;

	if (!keys)
		return NULL;
	for (i = 0; i < NFB_LPM_KEYS; i++) {
		if (lpm_rnd(&seed) % 100 < NFB_LPM_HIT_PCT) {
			const struct nfc_lpm_prefix *p = &t->pfx[lpm_rnd(&seed) % t->n];

			a = lpm_get(p);
			m = lpm_mask(p->len);
			host.hi = lpm_rnd(&seed);
			host.lo = f->bits == 32 ? 0 : lpm_rnd(&seed);
			if (f->bits == 32)
				host.hi = (host.hi & 0xffffffff) << 32;
			a.hi |= host.hi & ~m.hi;
			a.lo |= host.lo & ~m.lo;
		} else {
			a = lpm_draw(f, &seed);
		}
		lpm_put(&k, t->family, a, f->bits, 0);
		memcpy(keys + i * size, k.addr, size);
	}
	return keys;
}

json_object *lpm_table_params(const struct lpm_table *t)
{
	const struct lpm_family *f = lpm_fam(t->family);
	json_object *p = json_object_new_object(), *mix = json_object_new_object();
	char len[16];
	int l;

	for (l = 0; l <= f->bits; l++) {
		if (!t->count[l])
			continue;
		snprintf(len, sizeof(len), "/%d", l);
		json_object_object_add(mix, len, json_object_new_int64(t->count[l]));
	}
	json_object_object_add(p, "family", json_object_new_string(
		t->family == AF_INET6 ? "ipv6" : "ipv4"));
	json_object_object_add(p, "prefixes", json_object_new_int64(t->n));
	json_object_object_add(p, "mix", mix);
	json_object_object_add(p, "seed", json_object_new_uint64(f->seed));
	json_object_object_add(p, "placement", json_object_new_string(f->placement));
	return p;
}
