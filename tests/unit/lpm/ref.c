// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "nfc_shared.h"
#include "ref.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "lpm reference: out of memory\n");
		abort();
	}
	return p;
}

unsigned fam_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

u128 mask_of(unsigned len)
{
	return len ? ~(u128)0 << (128 - len) : 0;
}

u128 bit_at(unsigned i)
{
	return (u128)1 << (127 - i);
}

u128 fam_mask(int family)
{
	return mask_of(fam_bits(family));
}

u128 addr_step(int family, u128 a, int dir)
{
	u128 one = bit_at(fam_bits(family) - 1);

	return dir > 0 ? a + one : a - one;
}

void addr_bytes(u128 a, __u8 b[16])
{
	int i;

	for (i = 15; i >= 0; i--, a >>= 8)
		b[i] = (__u8)a;
}

u128 addr_of_bytes(const __u8 b[16])
{
	u128 a = 0;
	int i;

	for (i = 0; i < 16; i++)
		a = a << 8 | b[i];
	return a;
}

struct astr addr_str(int family, u128 a)
{
	struct astr s;
	__u8 b[16];

	addr_bytes(a, b);
	if (!inet_ntop(family, b, s.s, sizeof(s.s)))
		snprintf(s.s, sizeof(s.s), "(family %d)", family);
	return s;
}

struct pfx pfx_make(u128 addr, unsigned len)
{
	return (struct pfx){ .addr = addr & mask_of(len), .len = len };
}

u128 pfx_last(int family, struct pfx p)
{
	return p.addr | (fam_mask(family) & ~mask_of(p.len));
}

bool pfx_covers(struct pfx p, u128 a)
{
	return !((a ^ p.addr) & mask_of(p.len));
}

struct astr pfx_str(int family, struct pfx p)
{
	struct astr s = addr_str(family, p.addr);
	size_t n = strlen(s.s);

	snprintf(s.s + n, sizeof(s.s) - n, "/%u", p.len);
	return s;
}

__u64 rng_next(struct rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

__u64 rng_below(struct rng *r, __u64 n)
{
	return rng_next(r) % n;
}

u128 rng_addr(struct rng *r, int family)
{
	u128 a = (u128)rng_next(r) << 64 | rng_next(r);

	return a & fam_mask(family);
}

void rng_shuffle(struct rng *r, struct route *v, size_t n)
{
	struct route t;
	size_t i, j;

	for (i = n; i > 1; i--) {
		j = rng_below(r, i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static __u64 pfx_hash(struct pfx p)
{
	__u64 h = (__u64)(p.addr >> 64) * 0x9e3779b97f4a7c15ULL ^
		  (__u64)p.addr * 0xc2b2ae3d27d4eb4fULL ^ p.len;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void ref_init(struct ref *r, int family, bool versioned)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->versioned = versioned;
	r->n_slots = 64;
	r->slot = calloc(r->n_slots, sizeof(*r->slot));
	if (!r->slot)
		abort();
}

void ref_free(struct ref *r)
{
	__u32 i;

	for (i = 0; i < r->n; i++)
		free(r->e[i].hist);
	free(r->e);
	free(r->slot);
	free(r->live);
	memset(r, 0, sizeof(*r));
}

/* The slot holding @p, or the free slot where it would go. */
static __u32 *ref_slot(const struct ref *r, struct pfx p)
{
	__u32 i = pfx_hash(p) & (r->n_slots - 1);

	while (r->slot[i]) {
		const struct ref_entry *e = &r->e[r->slot[i] - 1];

		if (e->p.len == p.len && e->p.addr == p.addr)
			break;
		i = (i + 1) & (r->n_slots - 1);
	}
	return &r->slot[i];
}

static const struct ref_entry *ref_find(const struct ref *r, struct pfx p)
{
	__u32 s = *ref_slot(r, p);

	return s ? &r->e[s - 1] : NULL;
}

/* At most half the slots in use. */
static void ref_grow(struct ref *r)
{
	__u32 i;

	if ((r->n + 1) * 2 <= r->n_slots)
		return;
	free(r->slot);
	r->n_slots *= 2;
	r->slot = calloc(r->n_slots, sizeof(*r->slot));
	if (!r->slot)
		abort();
	for (i = 0; i < r->n; i++)
		*ref_slot(r, r->e[i].p) = i + 1;
}

static struct ref_entry *ref_entry(struct ref *r, struct pfx p)
{
	struct ref_entry *e;
	__u32 *s;

	ref_grow(r);
	s = ref_slot(r, p);
	if (*s)
		return &r->e[*s - 1];
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->e = xrealloc(r->e, r->cap * sizeof(*r->e));
		r->live = xrealloc(r->live, r->cap * sizeof(*r->live));
	}
	e = &r->e[r->n];
	memset(e, 0, sizeof(*e));
	e->p = p;
	e->value = NFC_LPM_NONE;
	*s = ++r->n;
	r->ever_len[p.len]++;
	return e;
}

void ref_set(struct ref *r, struct pfx p, __u32 value, size_t seq)
{
	struct ref_entry *e;
	bool was = false;

	if (value == NFC_LPM_NONE && !ref_find(r, p))
		return;
	e = ref_entry(r, p);
	was = e->value != NFC_LPM_NONE;
	if (was && value == NFC_LPM_NONE) {
		/* swap the last live entry into its place */
		__u32 last = r->live[--r->n_live];

		r->live[e->live_pos] = last;
		r->e[last].live_pos = e->live_pos;
		r->per_len[p.len]--;
	} else if (!was && value != NFC_LPM_NONE) {
		e->live_pos = r->n_live;
		r->live[r->n_live++] = e - r->e;
		r->per_len[p.len]++;
	}
	e->value = value;
	if (!r->versioned)
		return;
	if (e->n_hist == e->hist_cap) {
		e->hist_cap = e->hist_cap ? e->hist_cap * 2 : 4;
		e->hist = xrealloc(e->hist, e->hist_cap * sizeof(*e->hist));
	}
	e->hist[e->n_hist++] = (struct ref_change){ .seq = seq, .value = value };
}

void ref_clear(struct ref *r, size_t seq)
{
	while (r->n_live)
		ref_set(r, r->e[r->live[r->n_live - 1]].p, NFC_LPM_NONE, seq);
}

__u32 ref_value(const struct ref *r, struct pfx p)
{
	const struct ref_entry *e = ref_find(r, p);

	return e ? e->value : NFC_LPM_NONE;
}

__u32 ref_lookup(const struct ref *r, u128 a, const struct ref_entry **match)
{
	const struct ref_entry *e;
	int len;

	for (len = fam_bits(r->family); len >= 0; len--) {
		if (!r->per_len[len])
			continue;
		e = ref_find(r, pfx_make(a, len));
		if (e && e->value != NFC_LPM_NONE) {
			if (match)
				*match = e;
			return e->value;
		}
	}
	if (match)
		*match = NULL;
	return NFC_LPM_NONE;
}

static __u32 entry_value_at(const struct ref_entry *e, size_t seq)
{
	__u32 i;

	for (i = e->n_hist; i > 0; i--)
		if (e->hist[i - 1].seq <= seq)
			return e->hist[i - 1].value;
	return NFC_LPM_NONE;
}

__u32 ref_lookup_at(const struct ref *r, u128 a, size_t seq)
{
	const struct ref_entry *e;
	__u32 v;
	int len;

	for (len = fam_bits(r->family); len >= 0; len--) {
		if (!r->ever_len[len])
			continue;
		e = ref_find(r, pfx_make(a, len));
		if (!e)
			continue;
		v = entry_value_at(e, seq);
		if (v != NFC_LPM_NONE)
			return v;
	}
	return NFC_LPM_NONE;
}

const struct ref_entry *ref_live(const struct ref *r, __u32 i)
{
	return &r->e[r->live[i]];
}

static int route_cmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;

	if (x->p.addr != y->p.addr)
		return x->p.addr < y->p.addr ? -1 : 1;
	return (int)x->p.len - (int)y->p.len;
}

struct route *ref_routes(const struct ref *r, size_t *n)
{
	struct route *v = xrealloc(NULL, r->n_live * sizeof(*v));
	__u32 i;

	for (i = 0; i < r->n_live; i++) {
		v[i].p = ref_live(r, i)->p;
		v[i].value = ref_live(r, i)->value;
	}
	qsort(v, r->n_live, sizeof(*v), route_cmp);
	*n = r->n_live;
	return v;
}

size_t routes_distinct(int family, const struct route *v, size_t n)
{
	struct ref r;
	size_t i, d;

	ref_init(&r, family, false);
	for (i = 0; i < n; i++)
		ref_set(&r, v[i].p, 0, 0);
	d = r.n_live;
	ref_free(&r);
	return d;
}
