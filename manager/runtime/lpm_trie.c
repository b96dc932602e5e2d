// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The Poptrie of an LPM table (bpf/lpm.h explains the structure and why):
 * how it is built from a table's prefixes and how one change is made to it
 * copy-on-write. lpm.c owns the store (the slots and their memory) and the
 * API around this.
 *
 * A node at depth d (a multiple of 6) covers the addresses of one d-bit
 * region; its 64 slots are the regions of its next 6 bits. A slot is a
 * child node when a prefix longer than d + 6 lies inside it, else a leaf
 * holding the longest match for the whole slot (leaf pushing); the default
 * route is kept out of the leaves (in the table's header) so that an empty
 * leaf, NFC_LPM_NONE, means "the default route, if any" (but for tables
 * with a direct array, whose leaves hold it: lpm_tab.base).
 *
 * Two builders make nodes:
 *   - lpm_build() from a sorted array of every prefix (a bulk load): each
 *     prefix is visited once per level on its way down, O(n log n) in all;
 *   - build_probe() from the table's prefix sets, probing for the prefixes
 *     a node's slots can hold (126 probes per node at most, only for the
 *     lengths its region holds, and 64 more for children only when
 *     something lies deeper: the boundary counts say), for the subtrees
 *     that a change rebuilds.
 * A change (update_node) copies the nodes on the changed prefix's path and
 * rebuilds only the subtrees below the slots the prefix covers; every
 * other child is shared with the old tree.
 *
 * Path nodes are made in one place, emit(): a node with one way down
 * becomes one, taking in its child's path when that misses to the same
 * value. Subtrees are made bottom-up, so a chain of such nodes folds into
 * one path node (up to 60 bits for a skip, 64 for a tail). A change reads a
 * path node on its way as the plain node it stands for (slots_of()) and
 * emits it again, so it folds the path anew.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lpm_int.h"

#define STRIDE NFC_LPM_STRIDE
#define SLOTS 64

/* ---- addresses ---- */

struct lpm_addr lpm_mask(struct lpm_addr a, int len)
{
	if (len <= 0)
		return (struct lpm_addr){ 0, 0 };
	if (len <= 64)
		return (struct lpm_addr){ a.hi & (~0ULL << (64 - len)), 0 };
	return (struct lpm_addr){ a.hi, a.lo & (~0ULL << (128 - len)) };
}

static struct lpm_addr shl(struct lpm_addr a, int n)
{
	if (n == 0)
		return a;
	if (n >= 64)
		return (struct lpm_addr){ a.lo << (n - 64), 0 };
	return (struct lpm_addr){ a.hi << n | a.lo >> (64 - n), a.lo << n };
}

/* The 6 bits of @a from bit @depth on (bits past 128 read as 0). */
unsigned int lpm_slot(struct lpm_addr a, int depth)
{
	return shl(a, depth).hi >> (64 - STRIDE);
}

/* @a (zero from bit @depth on) with slot @s in bits depth..depth+5. */
static struct lpm_addr with_slot(struct lpm_addr a, int depth, unsigned int s)
{
	int at = 128 - STRIDE - depth; /* where the slot's low bit goes */
	__u64 v = s;

	if (at >= 64)
		a.hi |= v << (at - 64);
	else if (at > 64 - STRIDE)
		a.hi |= v >> (64 - at), a.lo |= v << at;
	else if (at >= 0)
		a.lo |= v << at;
	else
		a.lo |= v >> -at;
	return a;
}

static unsigned int rank(__u64 v, unsigned int slot)
{
	return __builtin_popcountll(slot == 63 ? v : v & ((2ULL << slot) - 1));
}

/* ---- prefix sets ---- */

static __u64 set_hash(struct lpm_addr a, int len)
{
	__u64 x = a.hi * 0x9e3779b97f4a7c15ULL ^ a.lo * 0xc2b2ae3d27d4eb4fULL ^
		  (__u64)len * 0x165667b19e3779f9ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

struct lpm_ent *lpm_set_find(const struct lpm_set *s, struct lpm_addr a,
			     int len)
{
	__u64 i;

	if (!s->e)
		return NULL;
	for (i = set_hash(a, len) & s->mask; s->e[i].used; i = (i + 1) & s->mask)
		if (s->e[i].hi == a.hi && s->e[i].lo == a.lo &&
		    s->e[i].len == len)
			return &s->e[i];
	return NULL;
}

static int set_grow(struct lpm_set *s)
{
	__u64 slots = s->e ? (s->mask + 1) * 2 : 1024, i, j;
	struct lpm_ent *e = calloc(slots, sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (i = 0; s->e && i <= s->mask; i++) {
		struct lpm_addr a = { s->e[i].hi, s->e[i].lo };

		if (!s->e[i].used)
			continue;
		for (j = set_hash(a, s->e[i].len) & (slots - 1); e[j].used;
		     j = (j + 1) & (slots - 1))
			;
		e[j] = s->e[i];
	}
	free(s->e);
	s->e = e;
	s->mask = slots - 1;
	return 0;
}

int lpm_set_put(struct lpm_set *s, struct lpm_addr a, int len, __u32 val,
		__u32 rec)
{
	struct lpm_ent *e = lpm_set_find(s, a, len);
	__u64 i;

	if (e) {
		e->val = val;
		return 0;
	}
	if ((!s->e || (s->n + 1) * 4 > (s->mask + 1) * 3) && set_grow(s))
		return -ENOMEM;
	for (i = set_hash(a, len) & s->mask; s->e[i].used; i = (i + 1) & s->mask)
		;
	s->e[i] = (struct lpm_ent){ .hi = a.hi, .lo = a.lo, .val = val,
				    .rec = rec, .len = len, .used = 1 };
	s->n++;
	return 1;
}

bool lpm_set_del(struct lpm_set *s, struct lpm_addr a, int len)
{
	struct lpm_ent *e = lpm_set_find(s, a, len);
	__u64 i, j, home;

	if (!e)
		return false;
	/* backward shift: move up every later entry of the run that may sit
	 * in the hole, so no probe sequence is cut short */
	i = e - s->e;
	for (j = (i + 1) & s->mask; s->e[j].used; j = (j + 1) & s->mask) {
		struct lpm_addr b = { s->e[j].hi, s->e[j].lo };

		home = set_hash(b, s->e[j].len) & s->mask;
		if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
			s->e[i] = s->e[j];
			i = j;
		}
	}
	s->e[i].used = 0;
	s->n--;
	return true;
}

void lpm_set_free(struct lpm_set *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/*
 * A boundary's entry in t->cnt (region @reg of depth d > 0): val counts the
 * prefixes longer than d inside the region; rec, those of each length d + j
 * (j = 1..STRIDE) ending in the region's node, in j + 1 bits from
 * lens_shift[j] (at most 2^j fit), so that a node rebuilt from the prefix
 * sets probes only the lengths it holds and looks for children only when
 * something lies deeper.
 */
static const unsigned int lens_shift[STRIDE + 1] = { 0, 0, 2, 5, 9, 14, 20 };

static __u32 lens_count(__u32 rec, int j)
{
	return rec >> lens_shift[j] & ((2u << j) - 1);
}

/* The counters of the level boundaries above a prefix of length @len. */
static int count(struct lpm_tab *t, struct lpm_addr a, int len, int delta)
{
	struct lpm_ent *e;
	__u32 here;
	int d, r;

	for (d = STRIDE; d < len; d += STRIDE) {
		struct lpm_addr reg = lpm_mask(a, d);

		/* the node the prefix ends in counts its length */
		here = d + STRIDE >= len ? 1u << lens_shift[len - d] : 0;
		e = lpm_set_find(&t->cnt, reg, d);
		if (e) {
			e->val += delta;
			e->rec += delta * here;
			if (!e->val)
				lpm_set_del(&t->cnt, reg, d);
		} else if (delta > 0) {
			r = lpm_set_put(&t->cnt, reg, d, delta, delta * here);
			if (r < 0) {
				/* undo the boundaries done so far */
				for (d -= STRIDE; d >= STRIDE; d -= STRIDE) {
					reg = lpm_mask(a, d);
					e = lpm_set_find(&t->cnt, reg, d);
					if (e && !--e->val)
						lpm_set_del(&t->cnt, reg, d);
				}
				return r;
			}
		}
	}
	return 0;
}

static __u32 count_at(const struct lpm_tab *t, struct lpm_addr reg, int d)
{
	const struct lpm_ent *e = lpm_set_find(&t->cnt, reg, d);

	return e ? e->val : 0;
}

/*
 * The lengths d + 1 .. d + STRIDE that prefixes inside region @reg of depth
 * @d have (bit j - 1 for d + j), and in *deeper whether any is longer: every
 * length and true at the root, which keeps no count.
 */
static unsigned int lens_under(const struct lpm_tab *t, struct lpm_addr reg,
			       int d, bool *deeper)
{
	const struct lpm_ent *e;
	unsigned int m = 0;
	__u32 n, ending = 0;
	int j;

	*deeper = true;
	if (!d)
		return (1u << STRIDE) - 1;
	e = lpm_set_find(&t->cnt, reg, d);
	if (!e) {
		*deeper = false;
		return 0;
	}
	for (j = 1; j <= STRIDE; j++) {
		n = lens_count(e->rec, j);
		if (n)
			m |= 1u << (j - 1);
		ending += n;
	}
	*deeper = e->val > ending;
	return m;
}

int lpm_mirror_add(struct lpm_tab *t, struct lpm_addr a, int len, __u32 val,
		   __u32 rec, bool *added)
{
	int r = lpm_set_put(&t->pfx, a, len, val, rec);

	if (r < 0)
		return r;
	*added = r;
	if (!r)
		return 0;
	r = count(t, a, len, 1);
	if (r) {
		lpm_set_del(&t->pfx, a, len);
		return r;
	}
	t->lens[len]++;
	return 0;
}

void lpm_mirror_del(struct lpm_tab *t, struct lpm_addr a, int len)
{
	if (!lpm_set_del(&t->pfx, a, len))
		return;
	count(t, a, len, -1);
	t->lens[len]--;
}

void lpm_mirror_free(struct lpm_tab *t)
{
	lpm_set_free(&t->pfx);
	lpm_set_free(&t->cnt);
	memset(t->lens, 0, sizeof(t->lens));
	t->mirrored = false;
}

/* ---- nodes ---- */

/* A node being made: which slots are children, and for each slot the
 * longest match (a leaf's value; for a child, what its slots inherit). */
struct slots {
	__u64 vector;
	__u32 val[SLOTS];
	__s16 len[SLOTS];        /* of the prefix val is from; -1 inherited */
	struct nfc_lpm_node child[SLOTS];
};

/* The scratch of the node being made at depth @d: one per level, as a
 * build makes one node of each level at a time. */
static struct slots *slots_at(struct lpm_upd *u, int d)
{
	void **p = &u->scratch[d / STRIDE];

	if (!*p)
		*p = malloc(sizeof(struct slots));
	return *p;
}

static void slots_init(struct slots *s, __u32 inherited)
{
	int i;

	s->vector = 0;
	for (i = 0; i < SLOTS; i++) {
		s->val[i] = inherited;
		s->len[i] = -1;
	}
}

/* ---- path nodes (nfc_shared.h) ---- */

static bool is_path(const struct nfc_lpm_node *n)
{
	return n->base0 & NFC_LPM_PATH;
}

static unsigned int path_bits(const struct nfc_lpm_node *n)
{
	return n->base0 & NFC_LPM_PATH_BITS;
}

static bool is_tail(const struct nfc_lpm_node *n)
{
	return n->base0 & NFC_LPM_TAIL;
}

static __u32 path_miss(const struct nfc_lpm_node *n)
{
	return (__u32)n->leafvec;
}

/* A path node: the top @nb bits of @bits, then node @next (a skip) or the
 * value @next (a tail); @miss where the bits differ. */
static struct nfc_lpm_node path_node(__u64 bits, unsigned int nb, bool tail,
				     __u32 next, __u32 miss)
{
	return (struct nfc_lpm_node){
		.vector = nb >= 64 ? bits : bits & ~(~0ULL >> nb),
		.leafvec = miss,
		.base0 = NFC_LPM_PATH | (tail ? NFC_LPM_TAIL : 0) | nb,
		.base1 = next,
	};
}

/* Nodes of depth @d may be path nodes but above a direct array, whose
 * entries are filled from the plain nodes over it. */
static bool may_path(const struct lpm_upd *u, int d)
{
	return !u->t->dbits || d >= u->t->dbits;
}

/*
 * @s as a path node when it has one way down: one child and every other
 * slot @miss (the child's path, if it has one, taken in when it misses to
 * the same value), or no child and one aligned run of one value among
 * slots that are all @miss (a tail), or every slot @miss (a tail whose
 * value is its miss). 1 when @s is not such a node.
 */
static int emit_path(struct lpm_upd *u, const struct slots *s, __u32 miss,
		     struct nfc_lpm_node *out)
{
	unsigned int k, lo = SLOTS, hi = 0, n, nb;
	const struct nfc_lpm_node *c;
	__u64 bits;
	__u32 next;
	int r;

	for (k = 0; k < SLOTS; k++)
		if ((s->vector >> k & 1) || s->val[k] != miss) {
			if (lo == SLOTS)
				lo = k;
			hi = k;
		}
	if (lo == SLOTS) {
		/* its prefixes end in it and match what it inherits */
		*out = path_node(0, 1, true, miss, miss);
		return 0;
	}
	bits = (__u64)lo << (64 - STRIDE);
	if (s->vector) {
		if (lo != hi)
			return 1;
		c = &s->child[lo];
		nb = is_path(c) ? STRIDE + path_bits(c) : 0;
		if (is_path(c) && path_miss(c) == miss &&
		    nb <= (is_tail(c) ? 64 : NFC_LPM_SKIP_MAX)) {
			*out = path_node(bits | c->vector >> STRIDE, nb,
					 is_tail(c), c->base1, miss);
			return 0;
		}
		r = lpm_upd_alloc(u, LPM_NODES, 1, &next);
		if (r)
			return r;
		*lpm_node(u->l, next) = *c;
		*out = path_node(bits, STRIDE, false, next, miss);
		return 0;
	}
	n = hi - lo + 1;
	if (n == SLOTS || (n & (n - 1)) || (lo & (n - 1)))
		return 1;
	for (k = lo; k <= hi; k++)
		if (s->val[k] != s->val[lo])
			return 1;
	*out = path_node(bits, STRIDE - __builtin_ctz(n), true, s->val[lo],
			 miss);
	return 0;
}

/* Write the children and the leaves of @s, the node of depth @d whose
 * slots inherit @miss, into new blocks: the node. */
static int emit(struct lpm_upd *u, const struct slots *s, int d, __u32 miss,
		struct nfc_lpm_node *out)
{
	__u32 vals[SLOTS], k = __builtin_popcountll(s->vector), n = 0, i, j;
	__u64 leafvec = 0;
	int r, first = 1;

	if (may_path(u, d)) {
		r = emit_path(u, s, miss, out);
		if (r <= 0)
			return r;
	}
	memset(out, 0, sizeof(*out));
	for (i = 0; i < SLOTS; i++) {
		if (s->vector & (1ULL << i))
			continue;
		if (first || s->val[i] != vals[n - 1]) {
			leafvec |= 1ULL << i;
			vals[n++] = s->val[i];
		}
		first = 0;
	}
	if (k) {
		r = lpm_upd_alloc(u, LPM_NODES, k, &out->base1);
		if (r)
			return r;
		for (i = 0, j = 0; i < SLOTS; i++)
			if (s->vector & (1ULL << i))
				*lpm_node(u->l, out->base1 + j++) = s->child[i];
	}
	if (n) {
		r = lpm_upd_alloc(u, LPM_LEAVES, n, &out->base0);
		if (r)
			return r;
		for (i = 0; i < n; i++)
			*lpm_leaf(u->l, out->base0 + i) = vals[i];
	}
	out->vector = s->vector;
	out->leafvec = leafvec;
	return 0;
}

/* From the sorted prefixes p[a, b) that lie in region @reg of depth @d. */
static int build_sorted(struct lpm_upd *u, const struct lpm_pfx *p, size_t a,
			size_t b, int d, struct lpm_addr reg, __u32 inherited,
			struct nfc_lpm_node *out)
{
	size_t first[SLOTS], end[SLOTS], i;
	struct slots *s = slots_at(u, d);
	unsigned int k, t, span;
	int r = 0;

	if (!s)
		return -ENOMEM;
	slots_init(s, inherited);
	for (k = 0; k < SLOTS; k++)
		first[k] = end[k] = 0;
	for (i = a; i < b; i++) {
		if ((int)p[i].len <= d)
			continue;
		k = lpm_slot(p[i].a, d);
		if (first[k] == end[k])
			first[k] = i;
		end[k] = i + 1;
		if ((int)p[i].len > d + STRIDE) {
			s->vector |= 1ULL << k;
			continue;
		}
		span = 1u << (d + STRIDE - p[i].len);
		for (t = k; t < k + span; t++)
			if ((int)p[i].len > s->len[t]) {
				s->val[t] = p[i].val;
				s->len[t] = p[i].len;
			}
	}
	for (k = 0; !r && k < SLOTS; k++)
		if (s->vector & (1ULL << k))
			r = build_sorted(u, p, first[k], end[k], d + STRIDE,
					 with_slot(reg, d, k), s->val[k],
					 &s->child[k]);
	if (!r)
		r = emit(u, s, d, inherited, out);
	return r;
}

/* Byte @d of the sort key of @p: the length first, then the address from
 * its last byte to its first, as a radix sort takes them. */
static unsigned int digit(const struct lpm_pfx *p, int d)
{
	if (!d)
		return p->len;
	d--;
	return (d < 8 ? p->a.lo >> (8 * d) : p->a.hi >> (8 * (d - 8))) & 0xff;
}

/*
 * By address, then length, in the order given where both are equal: a
 * least-significant-digit radix sort (stable), one pass per key byte that
 * is not the same in every prefix. Bulk loads of millions of prefixes
 * spend less here than in qsort().
 */
int lpm_pfx_sort(struct lpm_pfx *p, size_t n)
{
	struct lpm_pfx *tmp, *src = p, *dst;
	size_t count[256], i, at;
	int d, b;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	dst = tmp;
	for (d = 0; d <= 16; d++) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[digit(&src[i], d)]++;
		if (count[digit(&src[0], d)] == n)
			continue; /* every prefix has this byte */
		for (b = 0, at = 0; b < 256; b++) {
			size_t c = count[b];

			count[b] = at;
			at += c;
		}
		for (i = 0; i < n; i++)
			dst[count[digit(&src[i], d)]++] = src[i];
		dst = src;
		src = src == p ? tmp : p;
	}
	if (src != p)
		memcpy(p, src, n * sizeof(*p));
	free(tmp);
	return 0;
}

static int root_block(struct lpm_upd *u, const struct nfc_lpm_node *n,
		      __u32 *root)
{
	int r = lpm_upd_alloc(u, LPM_NODES, 1, root);

	if (!r)
		*lpm_node(u->l, *root) = *n;
	return r;
}

int lpm_build(struct lpm_upd *u, const struct lpm_pfx *p, size_t n,
	      __u32 *root)
{
	struct nfc_lpm_node top;
	int r;

	r = build_sorted(u, p, 0, n, 0, (struct lpm_addr){ 0, 0 }, u->t->base,
			 &top);
	return r ? r : root_block(u, &top, root);
}

/*
 * Slots lo..hi (aligned to what length @l0 covers) of the node of depth
 * @d over region @reg take the prefixes of lengths l0..d+6 inside them,
 * the longest winning.
 */
static void probe_fill(const struct lpm_tab *t, int d, struct lpm_addr reg,
		       unsigned int lens, int l0, unsigned int lo,
		       unsigned int hi, struct slots *s)
{
	int l, top = d + STRIDE < t->width ? d + STRIDE : t->width;
	unsigned int k, i, step;
	const struct lpm_ent *e;

	for (l = l0; l <= top; l++) {
		/* @lens: the lengths lens_under() found in the region */
		if (!t->lens[l] || !(lens & 1u << (l - d - 1)))
			continue;
		step = 1u << (d + STRIDE - l);
		for (k = lo; k <= hi; k += step) {
			e = lpm_set_find(&t->pfx,
					 lpm_mask(with_slot(reg, d, k), l), l);
			if (!e)
				continue;
			for (i = k; i < k + step; i++)
				if (l > s->len[i]) {
					s->val[i] = e->val;
					s->len[i] = l;
				}
		}
	}
}

/* From the table's prefix sets: the subtree of region @reg at depth @d. */
static int build_probe(struct lpm_upd *u, int d, struct lpm_addr reg,
		       __u32 inherited, struct nfc_lpm_node *out)
{
	const struct lpm_tab *t = u->t;
	struct slots *s = slots_at(u, d);
	unsigned int k, lens;
	bool deeper;
	int r = 0;

	if (!s)
		return -ENOMEM;
	slots_init(s, inherited);
	lens = lens_under(t, reg, d, &deeper);
	probe_fill(t, d, reg, lens, d + 1, 0, SLOTS - 1, s);
	if (deeper && d + STRIDE < t->width)
		for (k = 0; k < SLOTS; k++)
			if (count_at(t, with_slot(reg, d, k), d + STRIDE))
				s->vector |= 1ULL << k;
	for (k = 0; !r && k < SLOTS; k++)
		if (s->vector & (1ULL << k))
			r = build_probe(u, d + STRIDE, with_slot(reg, d, k),
					s->val[k], &s->child[k]);
	if (!r)
		r = emit(u, s, d, inherited, out);
	return r;
}

void lpm_walk_blocks(struct nfc_lpm *l, __u32 root,
		     void (*fn)(void *ctx, enum lpm_kind kind, __u32 start,
				__u32 len),
		     void *ctx)
{
	struct { __u32 idx; } stack[NFC_LPM_LEVELS6 * SLOTS + 1];
	int sp = 0;
	__u32 k, i;

	fn(ctx, LPM_NODES, root, 1);
	stack[sp++].idx = root;
	while (sp) {
		struct nfc_lpm_node n = *lpm_node(l, stack[--sp].idx);

		if (is_path(&n)) {
			/* a skip's next node is a block of its own (past the
			 * chunks in a corrupt store: @fn says so) */
			if (is_tail(&n))
				continue;
			fn(ctx, LPM_NODES, n.base1, 1);
			if (n.base1 < l->pool[LPM_NODES].cap)
				stack[sp++].idx = n.base1;
			continue;
		}
		k = __builtin_popcountll(n.vector);
		if (k)
			fn(ctx, LPM_NODES, n.base1, k);
		if (n.leafvec)
			fn(ctx, LPM_LEAVES, n.base0,
			   __builtin_popcountll(n.leafvec));
		/* (a corrupt store points past its chunks: @fn says so, the
		 * walk goes no further) */
		if ((__u64)n.base1 + k > l->pool[LPM_NODES].cap ||
		    sp + k > sizeof(stack) / sizeof(stack[0]))
			continue;
		for (i = 0; i < k; i++)
			stack[sp++].idx = n.base1 + i;
	}
}

static void retire_fn(void *ctx, enum lpm_kind kind, __u32 start, __u32 len)
{
	lpm_upd_retire(ctx, kind, start, len);
}

/* Retire the blocks below node @n (not the block @n itself is in). */
static void retire_below(struct lpm_upd *u, const struct nfc_lpm_node *n)
{
	__u32 k = __builtin_popcountll(n->vector), i;

	if (is_path(n)) {
		if (!is_tail(n)) {
			struct nfc_lpm_node c = *lpm_node(u->l, n->base1);

			lpm_upd_retire(u, LPM_NODES, n->base1, 1);
			retire_below(u, &c);
		}
		return;
	}
	if (k)
		lpm_upd_retire(u, LPM_NODES, n->base1, k);
	if (n->leafvec)
		lpm_upd_retire(u, LPM_LEAVES, n->base0,
			       __builtin_popcountll(n->leafvec));
	for (i = 0; i < k; i++) {
		struct nfc_lpm_node c = *lpm_node(u->l, n->base1 + i);

		retire_below(u, &c);
	}
}

void lpm_retire_tree(struct lpm_upd *u, __u32 root)
{
	lpm_walk_blocks(u->l, root, retire_fn, u);
}

/* What one change needs to know about the prefixes covering its address:
 * the longest of each length up to the changed one's. */
struct change {
	struct lpm_addr a;
	int len;
	__s16 best_len[129];     /* longest prefix of length <= i covering a */
	__u32 best_val[129];
};

static void change_init(const struct lpm_tab *t, struct change *c,
			struct lpm_addr a, int len)
{
	const struct lpm_ent *e;
	int l;

	c->a = a;
	c->len = len;
	c->best_len[0] = -1;
	c->best_val[0] = t->base;
	for (l = 1; l <= len; l++) {
		c->best_len[l] = c->best_len[l - 1];
		c->best_val[l] = c->best_val[l - 1];
		if (!t->lens[l])
			continue;
		e = lpm_set_find(&t->pfx, lpm_mask(a, l), l);
		if (e) {
			c->best_len[l] = l;
			c->best_val[l] = e->val;
		}
	}
}

/*
 * The slots of node @old, its blocks retired (the new node gets new ones).
 * A path node gives the plain node it stands for: the slot of its first 6
 * bits leads on (to the rest of its path, or its next node, or for a short
 * tail, the run of slots it covers holds its value), every other holds its
 * miss value.
 */
static void slots_of(struct lpm_upd *u, const struct nfc_lpm_node *old,
		     struct slots *s)
{
	unsigned int k, nb;

	for (k = 0; k < SLOTS; k++)
		s->len[k] = -1;
	if (is_path(old)) {
		nb = path_bits(old);
		slots_init(s, path_miss(old));
		k = old->vector >> (64 - STRIDE);
		if (is_tail(old) && nb <= STRIDE) {
			for (; k < (old->vector >> (64 - STRIDE)) +
					(1u << (STRIDE - nb)); k++)
				s->val[k] = old->base1;
			return;
		}
		s->vector = 1ULL << k;
		s->val[k] = NFC_LPM_NONE;
		if (is_tail(old) || nb > STRIDE) {
			s->child[k] = path_node(old->vector << STRIDE,
						nb - STRIDE, is_tail(old),
						old->base1, path_miss(old));
		} else {
			s->child[k] = *lpm_node(u->l, old->base1);
			lpm_upd_retire(u, LPM_NODES, old->base1, 1);
		}
		return;
	}
	s->vector = old->vector;
	for (k = 0; k < SLOTS; k++) {
		if (old->vector & (1ULL << k)) {
			s->child[k] = *lpm_node(u->l, old->base1 +
							    rank(old->vector, k) - 1);
			s->val[k] = NFC_LPM_NONE;
		} else {
			s->val[k] = *lpm_leaf(u->l, old->base0 +
							    rank(old->leafvec, k) - 1);
		}
	}
	if (old->vector)
		lpm_upd_retire(u, LPM_NODES, old->base1,
			       __builtin_popcountll(old->vector));
	if (old->leafvec)
		lpm_upd_retire(u, LPM_LEAVES, old->base0,
			       __builtin_popcountll(old->leafvec));
}

/* The node @old of depth @d over region @reg once change @c is made. */
static int update_node(struct lpm_upd *u, const struct nfc_lpm_node *old,
		       int d, struct lpm_addr reg, const struct change *c,
		       struct nfc_lpm_node *out)
{
	struct slots *s = slots_at(u, d);
	unsigned int k, sp, span;
	struct lpm_addr sub;
	bool deeper;
	int r = 0;

	if (!s)
		return -ENOMEM;
	/* start from the old node: its children and its leaves */
	slots_of(u, old, s);
	sp = lpm_slot(c->a, d);
	if (c->len > d + STRIDE) {
		/* the prefix lies inside one slot, below this node */
		bool had = s->vector & (1ULL << sp);
		bool want;

		sub = with_slot(reg, d, sp);
		want = count_at(u->t, sub, d + STRIDE) > 0;
		if (had && want) {
			r = update_node(u, &s->child[sp], d + STRIDE, sub, c,
					&s->child[sp]);
		} else if (had) {
			/* its last longer prefix is gone: a leaf again */
			retire_below(u, &s->child[sp]);
			s->vector &= ~(1ULL << sp);
			s->val[sp] = c->best_val[d + STRIDE];
		} else if (want) {
			/* a leaf until now: its value is what the new child's
			 * slots inherit */
			s->vector |= 1ULL << sp;
			r = build_probe(u, d + STRIDE, sub, s->val[sp],
					&s->child[sp]);
		}
	} else {
		/* the prefix ends in this node: the slots it covers take the
		 * longest match again, children below them are made anew */
		span = 1u << (d + STRIDE - c->len);
		for (k = sp; k < sp + span; k++) {
			s->val[k] = c->best_val[c->len - 1];
			s->len[k] = c->best_len[c->len - 1];
		}
		probe_fill(u->t, d, reg, lens_under(u->t, reg, d, &deeper),
			   c->len, sp, sp + span - 1, s);
		for (k = sp; !r && k < sp + span; k++) {
			if (!(s->vector & (1ULL << k)))
				continue;
			retire_below(u, &s->child[k]);
			r = build_probe(u, d + STRIDE, with_slot(reg, d, k),
					s->val[k], &s->child[k]);
		}
	}
	if (!r)
		r = emit(u, s, d, c->best_val[d], out);
	return r;
}

int lpm_update(struct lpm_upd *u, __u32 root, struct lpm_addr a, int len,
	       __u32 *root_out)
{
	struct nfc_lpm_node old = *lpm_node(u->l, root), top;
	struct change *c = malloc(sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	change_init(u->t, c, a, len);
	r = update_node(u, &old, 0, (struct lpm_addr){ 0, 0 }, c, &top);
	free(c);
	if (!r)
		r = root_block(u, &top, root_out);
	if (!r)
		lpm_upd_retire(u, LPM_NODES, root, 1);
	return r;
}

__u32 lpm_walk(struct nfc_lpm *l, __u32 idx, int d, struct lpm_addr a)
{
	const struct nfc_lpm_node *n;
	unsigned int slot, nb;
	struct lpm_addr b;

	while (d < 128) {
		n = lpm_node(l, idx);
		if (is_path(n)) {
			nb = path_bits(n);
			b = shl(a, d);
			if (nb < 1 || nb > 64 ||
			    (b.hi ^ n->vector) >> (64 - nb))
				return path_miss(n);
			if (is_tail(n))
				return n->base1;
			idx = n->base1;
			d += nb;
			continue;
		}
		slot = lpm_slot(a, d);
		if (!(n->vector & (1ULL << slot)))
			return *lpm_leaf(l, n->base0 + rank(n->leafvec, slot) - 1);
		idx = n->base1 + rank(n->vector, slot) - 1;
		d += STRIDE;
	}
	return NFC_LPM_NONE;
}
