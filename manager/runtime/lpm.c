// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * LPM tables: the store the datapath's nfc_lpm_lookup4/6() walk (bpf/lpm.h)
 * and the API that fills it (ultranio.h, "LPM tables").
 *
 * Under the pin root:
 *   maps/nfc_lpm_tables   table headers: root node, default route, family,
 *                         counts (an mmaped array; a change of what lookups
 *                         see is one atomic store)
 *   maps/nfc_lpm_nodes    arrays of maps: the chunks of trie nodes, of
 *   maps/nfc_lpm_leaves   leaves, and of prefix records (what a new process
 *   maps/nfc_lpm_recs     reads the prefixes back from), mmaped here,
 *                         added as tables grow
 *
 * A process keeps the free slots of the store (found on open by walking
 * every table's tree and reading the records) and, for the tables it
 * changes, the prefixes in memory (lpm_trie.c builds from them). A change writes new nodes into free
 * slots and publishes them with one store into the table's header; what it
 * replaced waits for an RCU grace period (membarrier) before its slots are
 * reused, which happens when the store would otherwise grow and on close.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fields.h"
#include "lpm_int.h"

static const char *const outer_name[LPM_NKINDS] = {
	"nfc_lpm_nodes", "nfc_lpm_leaves", "nfc_lpm_recs"
};
static const char *const chunk_name[LPM_NKINDS] = {
	"nfc_lpm_nchunk", "nfc_lpm_lchunk", "nfc_lpm_rchunk"
};
static const char *const kind_name[LPM_NKINDS] = { "nodes", "leaves",
						    "records" };
/* per chunk: array entries, their size, and the slots they hold */
static const __u32 chunk_entries[LPM_NKINDS] = {
	NFC_LPM_NODE_CHUNK, NFC_LPM_LEAF_CHUNK / NFC_LPM_LEAF_BLOCK,
	NFC_LPM_REC_CHUNK
};
static const __u32 chunk_vsize[LPM_NKINDS] = {
	sizeof(struct nfc_lpm_node), sizeof(struct nfc_lpm_leaves),
	sizeof(struct nfc_lpm_rec)
};
static const __u32 chunk_slots[LPM_NKINDS] = {
	NFC_LPM_NODE_CHUNK, NFC_LPM_LEAF_CHUNK, NFC_LPM_REC_CHUNK
};

static int addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* ---- the store's memory ---- */

struct nfc_lpm_node *lpm_node(struct nfc_lpm *l, __u32 i)
{
	return (struct nfc_lpm_node *)l->chunk[LPM_NODES][i >> NFC_LPM_NODE_CHUNK_SHIFT].mm +
	       (i & (NFC_LPM_NODE_CHUNK - 1));
}

__u32 *lpm_leaf(struct nfc_lpm *l, __u32 i)
{
	return (__u32 *)l->chunk[LPM_LEAVES][i >> NFC_LPM_LEAF_CHUNK_SHIFT].mm +
	       (i & (NFC_LPM_LEAF_CHUNK - 1));
}

struct nfc_lpm_rec *lpm_rec(struct nfc_lpm *l, __u32 i)
{
	return (struct nfc_lpm_rec *)l->chunk[LPM_RECS][i >> NFC_LPM_REC_CHUNK_SHIFT].mm +
	       (i & (NFC_LPM_REC_CHUNK - 1));
}

static int chunk_map(struct nfc_lpm *l, enum lpm_kind k, __u32 i, int fd,
		     struct nfc_err *err)
{
	size_t len = (size_t)chunk_entries[k] * chunk_vsize[k];
	void *mm = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (mm == MAP_FAILED) {
		int r = -errno;

		close(fd);
		return nfc_errf(err, r, "lpm store: %s chunk %u: mmap: %s",
				kind_name[k], i, strerror(-r));
	}
	l->chunk[k][i] = (struct lpm_chunk){ .fd = fd, .mm = mm, .len = len };
	l->nchunks[k] = i + 1;
	l->pool[k].cap = (__u64)(i + 1) * chunk_slots[k];
	return 0;
}

static int chunk_add(struct nfc_lpm *l, enum lpm_kind k, struct nfc_err *err)
{
	__u32 i = l->nchunks[k];
	int fd, r;

	if (i >= NFC_LPM_MAX_CHUNKS)
		return nfc_errf(err, -ENOMEM,
				"lpm store: all %u chunks of %s in use (%llu slots)",
				NFC_LPM_MAX_CHUNKS, kind_name[k],
				(unsigned long long)l->pool[k].cap);
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, chunk_name[k], sizeof(__u32),
			    chunk_vsize[k], chunk_entries[k], &o);
	if (fd < 0)
		return nfc_errf(err, -errno, "lpm store: new chunk of %s: %s",
				kind_name[k], strerror(errno));
	if (bpf_map_update_elem(l->outer_fd[k], &i, &fd, BPF_ANY)) {
		r = -errno;
		close(fd);
		return nfc_errf(err, r, "lpm store: chunk %u of %s: %s", i,
				kind_name[k], strerror(-r));
	}
	return chunk_map(l, k, i, fd, err);
}

static int chunks_open(struct nfc_lpm *l, enum lpm_kind k, struct nfc_err *err)
{
	__u32 i, id;
	int fd, r;

	for (i = 0; i < NFC_LPM_MAX_CHUNKS; i++) {
		if (bpf_map_lookup_elem(l->outer_fd[k], &i, &id))
			break;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			return nfc_errf(err, -errno, "lpm store: chunk %u of %s: %s",
					i, kind_name[k], strerror(errno));
		r = chunk_map(l, k, i, fd, err);
		if (r)
			return r;
	}
	return 0;
}

/* ---- free slots ---- */

static int ids_push(struct lpm_ids *ids, __u32 v)
{
	if (nfc_grow(&ids->v, &ids->cap, ids->n, sizeof(*ids->v)))
		return -ENOMEM;
	ids->v[ids->n++] = v;
	return 0;
}

/* Blocks are at most 64 slots: a node's children or leaves. */
static void pool_give(struct lpm_pool *p, __u32 start, __u32 len)
{
	/* (a failed push loses the block until the next open) */
	ids_push(&p->free[len], start);
}

static void grace_then_reuse(struct nfc_lpm *l)
{
	int k, i;

	nfc_grace_period();
	for (k = 0; k < LPM_NKINDS; k++) {
		struct lpm_pool *p = &l->pool[k];

		for (i = 0; i < p->nlimbo; i++)
			pool_give(p, p->limbo[i].start, p->limbo[i].len);
		p->nlimbo = 0;
		p->limbo_slots = 0;
	}
}

static bool pool_take_free(struct lpm_pool *p, __u32 len, __u32 *start)
{
	__u32 j, s;

	if (p->free[len].n) {
		*start = p->free[len].v[--p->free[len].n];
		return true;
	}
	for (j = len + 1; j <= 64; j++) {
		if (!p->free[j].n)
			continue;
		s = p->free[j].v[--p->free[j].n];
		pool_give(p, s + len, j - len);
		*start = s;
		return true;
	}
	if (p->top + len <= p->cap) {
		*start = p->top;
		p->top += len;
		return true;
	}
	return false;
}

static int pool_take(struct nfc_lpm *l, enum lpm_kind k, __u32 len,
		     __u32 *start, struct nfc_err *err)
{
	struct lpm_pool *p = &l->pool[k];
	int r;

	if (!pool_take_free(p, len, start)) {
		/* worth a grace period (~12 ms) once half a chunk or an eighth
		 * of what is in use waits: rare pauses, bounded growth */
		if (p->limbo_slots >= chunk_slots[k] / 2 &&
		    p->limbo_slots >= p->used / 8)
			grace_then_reuse(l);
		while (!pool_take_free(p, len, start)) {
			r = chunk_add(l, k, err);
			if (r)
				return r;
		}
	}
	p->used += len;
	return 0;
}

static void tab_count(struct lpm_tab *t, enum lpm_kind k, __s64 n)
{
	if (k == LPM_NODES)
		t->nodes += n;
	else
		t->leaves += n;
}

int lpm_upd_alloc(struct lpm_upd *u, enum lpm_kind kind, __u32 len,
		  __u32 *start)
{
	int r;

	if (u->err)
		return u->err;
	if (nfc_grow(&u->fresh, &u->capfresh, u->nfresh, sizeof(*u->fresh)))
		return u->err = -ENOMEM;
	r = pool_take(u->l, kind, len, start, u->errs);
	if (r)
		return u->err = r;
	u->fresh[u->nfresh++] = (struct lpm_blk){ .start = *start, .len = len,
						  .kind = kind };
	tab_count(u->t, kind, len);
	return 0;
}

void lpm_upd_retire(struct lpm_upd *u, enum lpm_kind kind, __u32 start,
		    __u32 len)
{
	if (nfc_grow(&u->retired, &u->capretired, u->nretired,
		     sizeof(*u->retired)))
		return; /* the slots stay taken until the next open */
	u->retired[u->nretired++] = (struct lpm_blk){ .start = start,
						      .len = len, .kind = kind };
}

/* Published: what it replaced waits for a grace period. Failed: what it
 * took goes back at once (no lookup ever saw it). */
static void upd_finish(struct lpm_upd *u, bool published)
{
	struct nfc_lpm *l = u->l;
	int i;

	for (i = 0; i < u->nfresh && !published; i++) {
		struct lpm_blk *b = &u->fresh[i];

		pool_give(&l->pool[b->kind], b->start, b->len);
		l->pool[b->kind].used -= b->len;
		tab_count(u->t, b->kind, -(__s64)b->len);
	}
	for (i = 0; i < u->nretired && published; i++) {
		struct lpm_blk *b = &u->retired[i];
		struct lpm_pool *p = &l->pool[b->kind];

		if (nfc_grow(&p->limbo, &p->caplimbo, p->nlimbo,
			     sizeof(*p->limbo)))
			continue;
		p->limbo[p->nlimbo++] = *b;
		p->limbo_slots += b->len;
		p->used -= b->len;
		tab_count(u->t, b->kind, -(__s64)b->len);
	}
	free(u->fresh);
	free(u->retired);
	for (i = 0; i <= NFC_LPM_LEVELS6; i++)
		free(u->scratch[i]);
	memset(u, 0, sizeof(*u));
}

/* A handle that holds the lock: the only one that may tidy the store. */
static bool writer(const struct nfc_lpm *l)
{
	return l->h->lock_fd >= 0;
}

/* On open: every slot no table's tree reaches is free. */
struct mark {
	struct nfc_lpm *l;
	struct lpm_tab *t;
	__u64 *bits[LPM_NKINDS];
	int bad;
};

static void mark_fn(void *ctx, enum lpm_kind k, __u32 start, __u32 len)
{
	struct mark *m = ctx;
	__u32 i;

	if (!len || (__u64)start + len > m->l->pool[k].cap) {
		m->bad = 1;
		return;
	}
	for (i = start; i < start + len; i++)
		m->bits[k][i / 64] |= 1ULL << (i % 64);
	tab_count(m->t, k, len);
	m->l->pool[k].used += len;
}

static int pools_rebuild(struct nfc_lpm *l, struct nfc_err *err)
{
	struct mark m = { .l = l };
	__u64 i, run;
	int k, id, r = 0;

	for (k = 0; k < LPM_NKINDS; k++) {
		m.bits[k] = calloc(l->pool[k].cap / 64 + 1, sizeof(__u64));
		if (!m.bits[k]) {
			r = -ENOMEM;
			goto out;
		}
		m.bits[k][0] = 1; /* slot 0 is never handed out */
		l->pool[k].used = 0;
	}
	for (id = 1; id < NFC_LPM_MAX_TABLES && !m.bad; id++) {
		if (!l->tab[id])
			continue;
		m.t = l->tab[id];
		if (l->hdr[id].root && l->hdr[id].root < l->pool[LPM_NODES].cap)
			lpm_walk_blocks(l, l->hdr[id].root, mark_fn, &m);
		else
			m.bad = 1;
	}
	if (m.bad) {
		r = nfc_errf(err, -EUCLEAN,
			     "lpm store: table %d points past the store's chunks",
			     id - 1);
		goto out;
	}
	/* records: those of a table that exists */
	for (i = 1; i < l->pool[LPM_RECS].cap; i++) {
		struct nfc_lpm_rec *rec = lpm_rec(l, i);

		if (!rec->table)
			continue;
		if (rec->table >= NFC_LPM_MAX_TABLES || !l->tab[rec->table]) {
			/* left by a table destroyed halfway; a reader leaves
			 * it (the table may be one made after its look) */
			if (writer(l))
				rec->table = 0;
			continue;
		}
		m.bits[LPM_RECS][i / 64] |= 1ULL << (i % 64);
		l->pool[LPM_RECS].used++;
	}
	for (k = 0; k < LPM_NKINDS; k++) {
		struct lpm_pool *p = &l->pool[k];

		for (i = 0; i < p->cap; i += run) {
			for (run = 0; i + run < p->cap && run < 64 &&
				      !(m.bits[k][(i + run) / 64] &
					(1ULL << ((i + run) % 64)));
			     run++)
				;
			if (run)
				pool_give(p, i, run);
			else
				run = 1;
		}
		p->top = p->cap;
	}
out:
	for (k = 0; k < LPM_NKINDS; k++)
		free(m.bits[k]);
	return r;
}

/* ---- maps ---- */

static int pin_path(struct nfc_lpm *l, char *buf, size_t len, const char *fmt,
		    const char *name)
{
	char sub[64];

	snprintf(sub, sizeof(sub), fmt, name);
	return nfc_path(buf, len, "%s/%s", l->h->bpffs, sub);
}

/* The pinned map @name, made by @make when it is not there yet. */
static int global_map(struct nfc_lpm *l, const char *name,
		      int (*make)(const char *name), __u32 type, __u32 vsize,
		      __u32 entries, struct nfc_err *err)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, r;

	pin_path(l, path, sizeof(path), "maps/%s", name);
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == ENOENT) {
		fd = make(name);
		if (fd < 0)
			return nfc_errf(err, fd, "lpm store: map '%s': %s", name,
					strerror(-fd));
		if (bpf_obj_pin(fd, path)) {
			r = -errno;
			close(fd);
			if (r != -EEXIST)
				return nfc_errf(err, r, "lpm store: pin %s: %s",
						path, strerror(-r));
			fd = bpf_obj_get(path);
		}
	}
	if (fd < 0)
		return nfc_errf(err, -errno, "lpm store: %s: %s%s", path,
				strerror(errno), nfc_perm_hint(errno));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != type ||
	    info.value_size != vsize || info.max_entries != entries) {
		close(fd);
		return nfc_errf(err, -EPROTO,
				"lpm store: %s is not the map this build expects (another version's?)",
				path);
	}
	return fd;
}

static int make_tables(const char *name)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32),
				sizeof(struct nfc_lpm_table),
				NFC_LPM_MAX_TABLES, &o);

	return fd < 0 ? -errno : fd;
}

/* An array of maps @name of @n slots whose maps are mmapable arrays of
 * @entries values of @vsize bytes. */
static int make_outer_of(const char *name, __u32 vsize, __u32 entries,
			 __u32 n)
{
	LIBBPF_OPTS(bpf_map_create_opts, io, .map_flags = BPF_F_MMAPABLE);
	int inner, fd;

	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nfc_lpm_inner",
			       sizeof(__u32), vsize, entries, &io);
	if (inner < 0)
		return -errno;
	LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = inner);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, name, sizeof(__u32),
			    sizeof(__u32), n, &o);
	if (fd < 0)
		fd = -errno;
	close(inner);
	return fd;
}

/* The chunks of one kind. */
static int make_outer(const char *name)
{
	enum lpm_kind k = LPM_NODES;

	while (k < LPM_RECS && strcmp(name, outer_name[k]))
		k++;
	return make_outer_of(name, chunk_vsize[k], chunk_entries[k],
			     NFC_LPM_MAX_CHUNKS);
}

/* ---- tables ---- */

static void publish(struct nfc_lpm *l, __u32 id, __u32 root, __u32 dflt)
{
	union {
		__u64 word;
		struct {
			__u32 root, dflt;
		};
	} u = { .root = root, .dflt = dflt };

	__atomic_store_n((__u64 *)&l->hdr[id], u.word, __ATOMIC_RELEASE);
}

/* A table's direct array: one entry per /bits, 2^24 (64 MiB) for IPv4,
 * 2^18 (1 MiB) for IPv6. */
static int direct_bits(int family)
{
	return family == AF_INET ? NFC_LPM_DIRECT_BITS : NFC_LPM_DIRECT6_BITS;
}

static size_t direct_len(int family)
{
	return ((size_t)1 << direct_bits(family)) * sizeof(__u32);
}

/* The direct arrays of one family, by table. */
static int make_direct_outer_of(const char *name, int family)
{
	return make_outer_of(name, sizeof(struct nfc_lpm_leaves),
			     (1u << direct_bits(family)) / NFC_LPM_LEAF_BLOCK,
			     NFC_LPM_MAX_TABLES);
}

static int make_direct_outer(const char *name)
{
	return make_direct_outer_of(name, AF_INET);
}

static int make_direct6_outer(const char *name)
{
	return make_direct_outer_of(name, AF_INET6);
}

static int direct_outer(const struct nfc_lpm *l, const struct lpm_tab *t)
{
	return l->direct_fd[t->family == AF_INET6];
}

/* Entries [lo, hi) of the direct array @arr of table @t from node @idx of
 * depth @d, whose region starts at entry @base. Each is one atomic
 * store. */
static void direct_node(struct nfc_lpm *l, const struct lpm_tab *t,
			__u32 *arr, __u32 idx, int d, __u32 base, __u32 lo,
			__u32 hi)
{
	const struct nfc_lpm_node *n = lpm_node(l, idx);
	__u32 span = 1u << (t->dbits - d - NFC_LPM_STRIDE);
	__u32 s, first, i, e, a, b;
	__u64 bit;

	for (s = 0; s < 64; s++) {
		first = base + s * span;
		if (first + span <= lo || first >= hi)
			continue;
		bit = 1ULL << s;
		if (n->vector & bit) {
			idx = n->base1 +
			      __builtin_popcountll(n->vector & (bit | (bit - 1))) - 1;
			if (d + NFC_LPM_STRIDE == t->dbits)
				__atomic_store_n(&arr[first],
						 NFC_LPM_DIRECT_NODE | idx,
						 __ATOMIC_RELEASE);
			else
				direct_node(l, t, arr, idx, d + NFC_LPM_STRIDE,
					    first, lo, hi);
			continue;
		}
		e = *lpm_leaf(l, n->base0 +
				      __builtin_popcountll(n->leafvec &
							   (bit | (bit - 1))) - 1);
		if (e == NFC_LPM_NONE)
			e = NFC_LPM_DIRECT_NONE;
		a = first > lo ? first : lo;
		b = first + span < hi ? first + span : hi;
		for (i = a; i < b; i++)
			__atomic_store_n(&arr[i], e, __ATOMIC_RELAXED);
	}
}

/*
 * After prefix @a/@len changed in the trie now at @root: the entries of
 * its region, and, past the depth above the array's (18 for IPv4, 12 for
 * IPv6), those of that whole region, since the change gave its node a new
 * block of children, which the other entries of the region point into.
 * Each entry moves from the old trie's node to the new one's in one store;
 * the old blocks go only after a grace period.
 */
static void direct_fill(struct nfc_lpm *l, struct lpm_tab *t, __u32 root,
			struct lpm_addr a, int len)
{
	int from = len > t->dbits - NFC_LPM_STRIDE ? t->dbits - NFC_LPM_STRIDE
						    : len;
	__u32 lo, n;

	if (!t->direct)
		return;
	lo = lpm_mask(a, from).hi >> (64 - t->dbits);
	n = 1u << (t->dbits - from);
	direct_node(l, t, t->direct, root, 0, 0, lo, lo + n);
}

static void direct_unmap(struct lpm_tab *t)
{
	if (t->direct)
		munmap(t->direct, direct_len(t->family));
	if (t->direct_fd >= 0)
		close(t->direct_fd);
	t->direct = NULL;
	t->direct_fd = -1;
}

static int direct_map(struct lpm_tab *t, int fd, struct nfc_err *err)
{
	void *p = mmap(NULL, direct_len(t->family), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		close(fd);
		return nfc_errf(err, -errno, "lpm table %u: its direct array: mmap: %s",
				t->id, strerror(errno));
	}
	t->direct_fd = fd;
	t->direct = p;
	t->dbits = direct_bits(t->family);
	return 0;
}

/*
 * A whole new direct array for table @t from the trie at @root, put in
 * place of its old one (if any) with one update of nfc_lpm_direct: what
 * loads and default route changes do, so that a lookup finds the old
 * array or the new one, each whole.
 */
static int direct_swap(struct nfc_lpm *l, struct lpm_tab *t, __u32 root,
		       struct nfc_err *err)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	struct lpm_tab next = { .id = t->id, .family = t->family,
				.direct_fd = -1 };
	int fd, r;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nfc_lpm_darray", sizeof(__u32),
			    sizeof(struct nfc_lpm_leaves),
			    (1u << direct_bits(t->family)) / NFC_LPM_LEAF_BLOCK,
			    &o);
	if (fd < 0)
		return nfc_errf(err, -errno, "lpm table %u: its direct array: %s",
				t->id, strerror(errno));
	r = direct_map(&next, fd, err);
	if (r)
		return r;
	direct_node(l, &next, next.direct, root, 0, 0, 0, 1u << next.dbits);
	if (bpf_map_update_elem(direct_outer(l, t), &t->id, &fd, BPF_ANY)) {
		r = -errno;
		direct_unmap(&next);
		return nfc_errf(err, r, "lpm table %u: its direct array: %s",
				t->id, strerror(-r));
	}
	direct_unmap(t);
	t->direct_fd = next.direct_fd;
	t->direct = next.direct;
	t->dbits = next.dbits;
	return 0;
}

/* The walk of a table with a direct array: its entry, then the trie. */
static __u32 direct_walk(struct nfc_lpm *l, const struct lpm_tab *t,
			 struct lpm_addr a)
{
	__u32 e = __atomic_load_n(&t->direct[a.hi >> (64 - t->dbits)],
				  __ATOMIC_ACQUIRE);

	if (!(e & NFC_LPM_DIRECT_NODE))
		return e == NFC_LPM_DIRECT_NONE ? NFC_LPM_NONE : e;
	return lpm_walk(l, e & ~NFC_LPM_DIRECT_NODE, t->dbits, a);
}

static void tab_free(struct lpm_tab *t)
{
	if (!t)
		return;
	lpm_mirror_free(t);
	direct_unmap(t);
	free(t);
}

static struct lpm_tab *tab_new(__u32 id, int family)
{
	struct lpm_tab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->id = id;
	t->family = family;
	t->width = family == AF_INET ? 32 : 128;
	t->direct_fd = -1;
	t->base = NFC_LPM_NONE;
	return t;
}

static int tables_open(struct nfc_lpm *l, struct nfc_err *err)
{
	__u32 id, family;

	for (id = 1; id < NFC_LPM_MAX_TABLES; id++) {
		family = l->hdr[id].family;
		if (family == NFC_LPM_UNUSED)
			continue;
		if (family != NFC_LPM_V4 && family != NFC_LPM_V6)
			return nfc_errf(err, -EUCLEAN,
					"lpm table %u: family %u in its header",
					id, family);
		l->tab[id] = tab_new(id, family == NFC_LPM_V4 ? AF_INET
							     : AF_INET6);
		if (!l->tab[id])
			return -ENOMEM;
		if (l->hdr[id].flags & NFC_LPM_F_DIRECT) {
			__u32 map_id;
			int fd, r;

			if (bpf_map_lookup_elem(direct_outer(l, l->tab[id]),
						&id, &map_id) ||
			    (fd = bpf_map_get_fd_by_id(map_id)) < 0)
				return nfc_errf(err, -errno,
						"lpm table %u: its direct array: %s",
						id, strerror(errno));
			r = direct_map(l->tab[id], fd, err);
			if (r)
				return r;
			l->tab[id]->base = l->hdr[id].dflt;
		}
	}
	return 0;
}

int nfc_lpm__open(struct nfc_handle *h, struct nfc_lpm **out,
		  struct nfc_err *err)
{
	char path[PATH_MAX];
	struct nfc_lpm *l;
	int k, r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->h = h;
	l->tables_fd = -1;
	l->direct_fd[0] = l->direct_fd[1] = -1;
	for (k = 0; k < LPM_NKINDS; k++)
		l->outer_fd[k] = -1;
	pin_path(l, path, sizeof(path), "%s", "maps");
	r = nfc_mkdirs(path);
	if (r) {
		nfc_errf(err, r, "lpm store: %s: %s", path, strerror(-r));
		goto fail;
	}
	r = global_map(l, "nfc_lpm_tables", make_tables, BPF_MAP_TYPE_ARRAY,
		       sizeof(struct nfc_lpm_table), NFC_LPM_MAX_TABLES, err);
	if (r < 0)
		goto fail;
	l->tables_fd = r;
	r = global_map(l, "nfc_lpm_direct", make_direct_outer,
		       BPF_MAP_TYPE_ARRAY_OF_MAPS, sizeof(__u32),
		       NFC_LPM_MAX_TABLES, err);
	if (r < 0)
		goto fail;
	l->direct_fd[0] = r;
	r = global_map(l, "nfc_lpm_direct6", make_direct6_outer,
		       BPF_MAP_TYPE_ARRAY_OF_MAPS, sizeof(__u32),
		       NFC_LPM_MAX_TABLES, err);
	if (r < 0)
		goto fail;
	l->direct_fd[1] = r;
	for (k = 0; k < LPM_NKINDS; k++) {
		r = global_map(l, outer_name[k], make_outer,
			       BPF_MAP_TYPE_ARRAY_OF_MAPS, sizeof(__u32),
			       NFC_LPM_MAX_CHUNKS, err);
		if (r < 0)
			goto fail;
		l->outer_fd[k] = r;
	}
	l->hdr_len = NFC_LPM_MAX_TABLES * sizeof(struct nfc_lpm_table);
	l->hdr = mmap(NULL, l->hdr_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      l->tables_fd, 0);
	if (l->hdr == MAP_FAILED) {
		l->hdr = NULL;
		r = nfc_errf(err, -errno, "lpm store: mmap of the tables: %s",
			     strerror(errno));
		goto fail;
	}
	for (k = 0; k < LPM_NKINDS; k++) {
		r = chunks_open(l, k, err);
		if (r)
			goto fail;
		/* slot 0 of each kind is never handed out: a chunk is there
		 * (made by a writer; a reader of an empty store needs none) */
		if (!l->nchunks[k] && writer(l)) {
			r = chunk_add(l, k, err);
			if (r)
				goto fail;
		}
	}
	r = tables_open(l, err);
	if (!r)
		r = pools_rebuild(l, err);
	if (r)
		goto fail;
	/* slots a writer killed before its grace period left waiting are
	 * free now: let lookups that may still walk them finish */
	if (writer(l))
		nfc_grace_period();
	*out = l;
	return 0;
fail:
	nfc_lpm__close(l);
	return r;
}

void nfc_lpm__close(struct nfc_lpm *l)
{
	__u32 i;
	int k, j;

	if (!l)
		return;
	if (l->pool[LPM_NODES].nlimbo || l->pool[LPM_LEAVES].nlimbo)
		nfc_grace_period();
	for (i = 0; i < NFC_LPM_MAX_TABLES; i++)
		tab_free(l->tab[i]);
	for (k = 0; k < LPM_NKINDS; k++) {
		for (i = 0; i < l->nchunks[k]; i++) {
			munmap(l->chunk[k][i].mm, l->chunk[k][i].len);
			close(l->chunk[k][i].fd);
		}
		for (j = 0; j <= 64; j++)
			free(l->pool[k].free[j].v);
		free(l->pool[k].limbo);
		if (l->outer_fd[k] >= 0)
			close(l->outer_fd[k]);
	}
	if (l->hdr)
		munmap(l->hdr, l->hdr_len);
	if (l->tables_fd >= 0)
		close(l->tables_fd);
	for (k = 0; k < 2; k++)
		if (l->direct_fd[k] >= 0)
			close(l->direct_fd[k]);
	free(l);
}

int nfc_lpm_open_runtime(struct nfc_handle *h, struct nfc_lpm **out,
			 struct nfc_err *err)
{
	int r = nfc_lpm__open(h, out, err);

	if (!r)
		(*out)->runtime = true;
	return r;
}

_Static_assert(NFC_LPM_INSTANCE_BASE +
		       2 * NFC_LPM_INSTANCE_TABLES * NFC_MAX_INSTANCES <=
	       NFC_LPM_MAX_TABLES,
	       "LPM ids for every node instance's tables");

__u32 nfc_lpm_instance_id(__u32 counter, int i, int slot)
{
	return NFC_LPM_INSTANCE_BASE +
	       (counter * NFC_LPM_INSTANCE_TABLES + i) * 2 + slot;
}

int nfc_lpm_table_index(const struct nfc_module *m, const struct nfc_table *t)
{
	int i, k = 0;

	for (i = 0; i < m->n_tables; i++) {
		if (&m->tables[i] == t)
			return t->lpm_family ? k : -1;
		k += !!m->tables[i].lpm_family;
	}
	return -1;
}

void nfc_lpm_instance_forget(struct nfc_lpm *l, __u32 counter, int slot)
{
	__u32 id;
	int i, k;

	for (i = 0; i < NFC_LPM_INSTANCE_TABLES; i++)
		for (k = 0; k < 2; k++) {
			id = nfc_lpm_instance_id(counter, i, k);
			if ((slot < 0 || k == slot) && l->tab[id])
				nfc_lpm__destroy(l, id, NULL);
		}
}

/* Ids from NFC_LPM_INSTANCE_BASE on change with their instances only. */
static int owner_check(const struct nfc_lpm *l, __u32 table,
		       struct nfc_err *err)
{
	if (table < NFC_LPM_INSTANCE_BASE || table >= NFC_LPM_MAX_TABLES ||
	    l->runtime)
		return 0;
	return nfc_errf(err, -EPERM,
			"lpm table %u: ids from %u on are node instances' tables: edit them with `nfctl nf CHAIN NODE TABLE`",
			table, NFC_LPM_INSTANCE_BASE);
}

int nfc_lpm__sync(struct nfc_lpm *l)
{
	grace_then_reuse(l);
	return 0;
}

/* ---- prefixes ---- */

static struct lpm_addr to_addr(int family, const __u8 *b)
{
	struct lpm_addr a = { 0, 0 };
	__u64 v;
	__u32 w;

	if (family == AF_INET) {
		memcpy(&w, b, 4);
		a.hi = (__u64)ntohl(w) << 32;
		return a;
	}
	memcpy(&v, b, 8);
	a.hi = be64toh(v);
	memcpy(&v, b + 8, 8);
	a.lo = be64toh(v);
	return a;
}

static void from_addr(int family, struct lpm_addr a, __u8 *b)
{
	__u64 v;
	__u32 w;

	if (family == AF_INET) {
		w = htonl(a.hi >> 32);
		memcpy(b, &w, 4);
		return;
	}
	v = htobe64(a.hi);
	memcpy(b, &v, 8);
	v = htobe64(a.lo);
	memcpy(b + 8, &v, 8);
}

int nfc_lpm_prefix__str(const struct nfc_lpm_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    !inet_ntop(p->family, p->addr, a, sizeof(a)))
		return snprintf(buf, len, "(family %u)/%u", p->family, p->len) < 0
			       ? -EINVAL : 0;
	snprintf(buf, len, "%s/%u", a, p->len);
	return 0;
}

int nfc_lpm_prefix__parse(const char *s, struct nfc_lpm_prefix *p, char *why,
			  size_t len)
{
	char a[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct lpm_addr x;
	unsigned long n;
	int width;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(a)) {
		snprintf(why, len, "not an address or prefix");
		return -EINVAL;
	}
	strcpy(a, s);
	slash = strchr(a, '/');
	if (slash)
		*slash++ = '\0';
	p->family = strchr(a, ':') ? AF_INET6 : AF_INET;
	width = p->family == AF_INET ? 32 : 128;
	if (inet_pton(p->family, a, p->addr) != 1) {
		snprintf(why, len, "'%s' is not an %s address", a,
			 p->family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	p->len = width;
	if (slash) {
		errno = 0;
		n = strtoul(slash, &end, 10);
		if (!*slash || *end || !isdigit((unsigned char)*slash) || errno ||
		    n > (unsigned long)width) {
			snprintf(why, len, "length '%s' is not 0..%d", slash,
				 width);
			return -EINVAL;
		}
		p->len = n;
	}
	x = to_addr(p->family, p->addr);
	if (memcmp(&x, &(struct lpm_addr){ lpm_mask(x, p->len).hi,
					    lpm_mask(x, p->len).lo },
		   sizeof(x))) {
		snprintf(why, len, "bits set past the length /%u", p->len);
		return -EINVAL;
	}
	return 0;
}

static struct lpm_tab *tab_get(struct nfc_lpm *l, __u32 id,
			       struct nfc_err *err)
{
	if (!id || id >= NFC_LPM_MAX_TABLES) {
		nfc_errf(err, -EINVAL, "lpm table %u: ids are 1..%u", id,
			 NFC_LPM_MAX_TABLES - 1);
		return NULL;
	}
	if (!l->tab[id])
		nfc_errf(err, -ENOENT, "lpm table %u: no such table", id);
	return l->tab[id];
}

static int tab_err(__u32 id)
{
	return !id || id >= NFC_LPM_MAX_TABLES ? -EINVAL : -ENOENT;
}

/* The table a change is made to, or NULL (why in @err and from
 * change_err()) when there is none or this handle may not change it. */
static struct lpm_tab *tab_to_change(struct nfc_lpm *l, __u32 table,
				     struct nfc_err *err)
{
	struct lpm_tab *t = tab_get(l, table, err);

	return t && !owner_check(l, table, err) ? t : NULL;
}

static int change_err(const struct nfc_lpm *l, __u32 table)
{
	return table && table < NFC_LPM_MAX_TABLES && l->tab[table] ? -EPERM
								    : tab_err(table);
}

/* What is wrong with @p (and its value, when @value) for table @t, or
 * NULL. */
static const char *prefix_problem(const struct lpm_tab *t,
				  const struct nfc_lpm_prefix *p, bool value)
{
	struct lpm_addr a = to_addr(t->family, p->addr);

	if (p->family != t->family)
		return t->family == AF_INET ? "the table is IPv4"
					    : "the table is IPv6";
	if (p->len > t->width)
		return t->width == 32 ? "length past /32" : "length past /128";
	if (a.hi != lpm_mask(a, p->len).hi || a.lo != lpm_mask(a, p->len).lo)
		return "bits set past the length";
	if (value && p->value == NFC_LPM_NONE)
		return "value 4294967295 is reserved (values are 0..4294967294)";
	if (value && t->direct && p->value > NFC_LPM_DIRECT_VALUE_MAX)
		return "values of a table this large (direct array) are 0..2147483646";
	return NULL;
}

/* Whether @p fits table @t: -EINVAL naming it and the table if not. */
static int check_prefix(const struct lpm_tab *t, const struct nfc_lpm_prefix *p,
			bool value, struct nfc_err *err)
{
	const char *why = prefix_problem(t, p, value);
	char s[64];

	if (!why)
		return 0;
	nfc_lpm_prefix__str(p, s, sizeof(s));
	return nfc_errf(err, -EINVAL, "lpm table %u: prefix %s: %s", t->id, s,
			why);
}

/* Call @fn for every record of table @t; a non-zero return stops. */
static int recs_each(struct nfc_lpm *l, const struct lpm_tab *t,
		     int (*fn)(void *ctx, __u32 i, const struct nfc_lpm_rec *r),
		     void *ctx)
{
	__u32 i;
	int r;

	for (i = 1; i < l->pool[LPM_RECS].cap; i++) {
		const struct nfc_lpm_rec *rec = lpm_rec(l, i);

		if (rec->table == t->id && (r = fn(ctx, i, rec)))
			return r;
	}
	return 0;
}

static int mirror_rec(void *ctx, __u32 i, const struct nfc_lpm_rec *rec)
{
	struct lpm_tab *t = ctx;
	bool added;

	if (!rec->len)
		return 0; /* the default route lives in the header */
	return lpm_mirror_add(t, to_addr(t->family, rec->addr), rec->len,
			      rec->value, i, &added);
}

/* The table's prefixes in memory, read from its records on first need. */
static int mirror(struct nfc_lpm *l, struct lpm_tab *t, struct nfc_err *err)
{
	int r;

	if (t->mirrored)
		return 0;
	r = recs_each(l, t, mirror_rec, t);
	if (r) {
		lpm_mirror_free(t);
		return nfc_errf(err, r, "lpm table %u: reading its prefixes: %s",
				t->id, strerror(-r));
	}
	t->mirrored = true;
	return 0;
}

static int rec_new(struct nfc_lpm *l, const struct lpm_tab *t, __u8 len,
		   const __u8 *addr, __u32 value, __u32 *out,
		   struct nfc_err *err)
{
	struct nfc_lpm_rec *rec;
	int r = pool_take(l, LPM_RECS, 1, out, err);

	if (r)
		return r;
	rec = lpm_rec(l, *out);
	memset(rec, 0, sizeof(*rec));
	rec->len = len;
	rec->value = value;
	memcpy(rec->addr, addr, addr_bytes(t->family));
	rec->table = t->id;
	return 0;
}

static void rec_free(struct nfc_lpm *l, __u32 i)
{
	if (!i)
		return; /* record 0 is never handed out */
	lpm_rec(l, i)->table = 0;
	pool_give(&l->pool[LPM_RECS], i, 1);
	l->pool[LPM_RECS].used--;
}

static int rec_free_fn(void *ctx, __u32 i, const struct nfc_lpm_rec *rec)
{
	(void)rec;
	rec_free(ctx, i);
	return 0;
}

/* The record of the default route of @t, or 0. */
static int find_default(void *ctx, __u32 i, const struct nfc_lpm_rec *rec)
{
	if (rec->len)
		return 0;
	*(__u32 *)ctx = i;
	return 1;
}

/* After change @r (0: done) of table @table: a host table (not a node
 * instance's, whose edits are new chain versions) may be any chain's
 * (a router's VRF), so every cached result becomes a miss. */
static int host_changed(struct nfc_lpm *l, __u32 table, int r,
			struct nfc_err *err)
{
	if (r || table >= NFC_LPM_INSTANCE_BASE || !l->h)
		return r;
	return nfc_flow_epoch_bump(l->h, err);
}

int nfc_lpm__create(struct nfc_lpm *l, __u32 table, int family,
		    const struct nfc_lpm_create_opts *opts,
		    struct nfc_err *err)
{
	__u32 capacity = NFC_OPTS_GET(opts, capacity, 0);
	struct lpm_upd u = { .l = l, .errs = err };
	struct lpm_tab *t;
	__u32 root;
	int r;

	if (!NFC_OPTS_VALID(opts, nfc_lpm_create_opts, capacity))
		return nfc_errf(err, -EINVAL, "lpm table %u: bad options", table);
	if (!table || table >= NFC_LPM_MAX_TABLES)
		return nfc_errf(err, -EINVAL, "lpm table %u: ids are 1..%u",
				table, NFC_LPM_MAX_TABLES - 1);
	if (family != AF_INET && family != AF_INET6)
		return nfc_errf(err, -EINVAL,
				"lpm table %u: family must be IPv4 or IPv6",
				table);
	if (!capacity)
		capacity = NFC_LPM_DEFAULT_CAPACITY;
	if (capacity > NFC_LPM_MAX_CAPACITY)
		return nfc_errf(err, -EINVAL,
				"lpm table %u: capacity %u past the limit %u",
				table, capacity, NFC_LPM_MAX_CAPACITY);
	r = owner_check(l, table, err);
	if (r)
		return r;
	if (l->tab[table])
		return nfc_errf(err, -EEXIST, "lpm table %u: exists", table);
	t = tab_new(table, family);
	if (!t)
		return -ENOMEM;
	t->mirrored = true;
	/* (a direct array's tree is made for it from the first) */
	if (capacity >= (family == AF_INET ? NFC_LPM_DIRECT_CAPACITY
					   : NFC_LPM_DIRECT6_CAPACITY))
		t->dbits = direct_bits(family);
	u.t = t;
	r = lpm_build(&u, NULL, 0, &root);
	if (r) {
		upd_finish(&u, false);
		tab_free(t);
		return nfc_errf(err, r, "lpm table %u: %s", table, strerror(-r));
	}
	upd_finish(&u, true);
	if (t->dbits) {
		r = direct_swap(l, t, root, err);
		if (r) {
			u = (struct lpm_upd){ .l = l, .t = t };
			lpm_retire_tree(&u, root);
			upd_finish(&u, true);
			tab_free(t);
			return r;
		}
	}
	l->hdr[table].prefixes = 0;
	l->hdr[table].capacity = capacity;
	l->hdr[table].flags = t->direct ? NFC_LPM_F_DIRECT : 0;
	publish(l, table, root, NFC_LPM_NONE);
	__atomic_store_n(&l->hdr[table].family,
			 family == AF_INET ? NFC_LPM_V4 : NFC_LPM_V6,
			 __ATOMIC_RELEASE);
	l->tab[table] = t;
	return 0;
}

int nfc_lpm__destroy(struct nfc_lpm *l, __u32 table, struct nfc_err *err)
{
	struct lpm_tab *t = tab_to_change(l, table, err);
	struct lpm_upd u = { .l = l, .t = t };

	if (!t)
		return change_err(l, table);
	/* lookups miss from here on; those under way may still walk it */
	__atomic_store_n(&l->hdr[table].family, NFC_LPM_UNUSED,
			 __ATOMIC_RELEASE);
	lpm_retire_tree(&u, l->hdr[table].root);
	upd_finish(&u, true);
	recs_each(l, t, rec_free_fn, l);
	if (t->direct)
		bpf_map_delete_elem(direct_outer(l, t), &table);
	publish(l, table, 0, NFC_LPM_NONE);
	l->hdr[table].prefixes = 0;
	l->hdr[table].capacity = 0;
	l->hdr[table].flags = 0;
	tab_free(t);
	l->tab[table] = NULL;
	return host_changed(l, table, 0, err);
}

/*
 * A table with a direct array whose default route changed to @dflt: its
 * leaves hold the default (lpm_tab.base), so its trie and its array are
 * made again from its prefixes and put in place of the old ones.
 */
static int rebuild(struct nfc_lpm *l, struct lpm_tab *t, __u32 dflt,
		   struct nfc_err *err)
{
	__u32 old_base = t->base, root, old_root = l->hdr[t->id].root;
	struct lpm_upd u = { .l = l, .t = t, .errs = err };
	struct lpm_pfx *v;
	size_t n = 0;
	__u64 i;
	int r;

	v = malloc((t->pfx.n ? t->pfx.n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; t->pfx.e && i <= t->pfx.mask; i++) {
		const struct lpm_ent *e = &t->pfx.e[i];

		if (e->used)
			v[n++] = (struct lpm_pfx){ .a = { e->hi, e->lo },
						   .len = e->len, .val = e->val };
	}
	t->base = dflt;
	r = lpm_pfx_sort(v, n);
	if (!r)
		r = lpm_build(&u, v, n, &root);
	if (!r)
		r = direct_swap(l, t, root, err);
	free(v);
	if (r) {
		t->base = old_base;
		upd_finish(&u, false);
		return nfc_errf(err, r, "lpm table %u: default route: %s",
				t->id, strerror(-r));
	}
	publish(l, t->id, root, dflt);
	lpm_retire_tree(&u, old_root);
	upd_finish(&u, true);
	return 0;
}

/*
 * One prefix changed: @p added or replaced (@del false) or deleted. Its
 * record and the prefixes in memory first, then the trie; a failure undoes
 * what was done.
 */
static int change(struct nfc_lpm *l, struct lpm_tab *t,
		  const struct nfc_lpm_prefix *p, bool del, bool existed,
		  __u32 old, struct nfc_err *err)
{
	struct lpm_addr a = to_addr(t->family, p->addr);
	struct nfc_lpm_table *hdr = &l->hdr[t->id];
	struct lpm_upd u = { .l = l, .t = t, .errs = err };
	__u32 root = hdr->root, dflt = hdr->dflt, rec = 0;
	const struct lpm_ent *e;
	bool added = false, made = false;
	char s[64];
	int r = 0;

	if (!p->len) {
		/* the default route: its record (a new one first: it may
		 * fail), the trie where leaves hold it, then the header */
		recs_each(l, t, find_default, &rec);
		if (!del && !rec) {
			r = rec_new(l, t, 0, p->addr, p->value, &rec, err);
			if (r)
				return r;
			made = true;
		}
		if (t->direct) {
			r = rebuild(l, t, del ? NFC_LPM_NONE : p->value, err);
			if (r) {
				if (made)
					rec_free(l, rec);
				return r;
			}
			root = hdr->root;
		}
		if (del)
			rec_free(l, rec);
		else
			lpm_rec(l, rec)->value = p->value;
		publish(l, t->id, root, del ? NFC_LPM_NONE : p->value);
		goto counted;
	}
	e = lpm_set_find(&t->pfx, a, p->len);
	if (e)
		rec = e->rec;
	if (del) {
		lpm_mirror_del(t, a, p->len);
	} else if (existed) {
		lpm_mirror_add(t, a, p->len, p->value, rec, &added);
	} else {
		r = rec_new(l, t, p->len, p->addr, p->value, &rec, err);
		if (!r)
			r = lpm_mirror_add(t, a, p->len, p->value, rec, &added);
		if (r && rec)
			rec_free(l, rec);
		if (r)
			goto failed;
	}
	r = lpm_update(&u, root, a, p->len, &root);
	if (r) {
		upd_finish(&u, false);
		/* the table as it was */
		if (del || existed)
			lpm_mirror_add(t, a, p->len, old, rec, &added);
		else {
			lpm_mirror_del(t, a, p->len);
			rec_free(l, rec);
		}
		goto failed;
	}
	publish(l, t->id, root, dflt);
	direct_fill(l, t, root, a, p->len);
	upd_finish(&u, true);
	/* the record follows what lookups see now */
	if (del)
		rec_free(l, rec);
	else if (existed)
		lpm_rec(l, rec)->value = p->value;
counted:
	if (del)
		hdr->prefixes--;
	else if (!existed)
		hdr->prefixes++;
	return 0;
failed:
	nfc_lpm_prefix__str(p, s, sizeof(s));
	return nfc_errf(err, r, "lpm table %u: prefix %s: %s", t->id, s,
			strerror(-r));
}

/* Whether prefix @p is in table @t, and its value. */
static bool lookup_exact(struct nfc_lpm *l, struct lpm_tab *t,
			 const struct nfc_lpm_prefix *p, __u32 *value)
{
	const struct lpm_ent *e;

	if (!p->len) {
		*value = l->hdr[t->id].dflt;
		return *value != NFC_LPM_NONE;
	}
	e = lpm_set_find(&t->pfx, to_addr(t->family, p->addr), p->len);
	if (e)
		*value = e->val;
	return e;
}

int nfc_lpm__add(struct nfc_lpm *l, __u32 table,
		 const struct nfc_lpm_prefix *p, int flags,
		 struct nfc_err *err)
{
	struct lpm_tab *t = tab_to_change(l, table, err);
	__u32 old = NFC_LPM_NONE;
	bool existed;
	char s[64];
	int r;

	if (!t)
		return change_err(l, table);
	if (flags & ~(NFC_LPM_NOEXIST | NFC_LPM_EXIST) ||
	    flags == (NFC_LPM_NOEXIST | NFC_LPM_EXIST))
		return nfc_errf(err, -EINVAL, "lpm table %u: bad flags %#x",
				table, flags);
	r = check_prefix(t, p, true, err);
	if (!r)
		r = mirror(l, t, err);
	if (r)
		return r;
	nfc_lpm_prefix__str(p, s, sizeof(s));
	existed = lookup_exact(l, t, p, &old);
	if (existed && (flags & NFC_LPM_NOEXIST))
		return nfc_errf(err, -EEXIST, "lpm table %u: prefix %s: exists",
				table, s);
	if (!existed && (flags & NFC_LPM_EXIST))
		return nfc_errf(err, -ENOENT,
				"lpm table %u: prefix %s: not in the table", table,
				s);
	if (existed && old == p->value)
		return 0;
	if (!existed && l->hdr[table].prefixes >= l->hdr[table].capacity)
		return nfc_errf(err, -E2BIG,
				"lpm table %u: prefix %s: the table is full (%u prefixes)",
				table, s, l->hdr[table].capacity);
	return host_changed(l, table, change(l, t, p, false, existed, old, err),
			    err);
}

int nfc_lpm__del(struct nfc_lpm *l, __u32 table,
		 const struct nfc_lpm_prefix *p, struct nfc_err *err)
{
	struct lpm_tab *t = tab_to_change(l, table, err);
	__u32 old;
	char s[64];
	int r;

	if (!t)
		return change_err(l, table);
	r = check_prefix(t, p, false, err);
	if (!r)
		r = mirror(l, t, err);
	if (r)
		return r;
	if (!lookup_exact(l, t, p, &old)) {
		nfc_lpm_prefix__str(p, s, sizeof(s));
		return nfc_errf(err, -ENOENT,
				"lpm table %u: prefix %s: not in the table", table,
				s);
	}
	return host_changed(l, table, change(l, t, p, true, true, old, err),
			    err);
}

/* New records of @p (and of the default route) for table @t, their
 * indices, in the order of @p, into *fresh. */
static int recs_replace(struct nfc_lpm *l, struct lpm_tab *t,
			const struct lpm_pfx *p, size_t n, __u32 dflt,
			__u32 **fresh, struct nfc_err *err)
{
	__u8 addr[16], zero[16] = {};
	__u32 *v = malloc((n + 1) * sizeof(*v));
	size_t i, made = 0;
	int r = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; !r && i < n; i++) {
		from_addr(t->family, p[i].a, addr);
		r = rec_new(l, t, p[i].len, addr, p[i].val, &v[i], err);
		made += !r;
	}
	if (!r && dflt != NFC_LPM_NONE) {
		r = rec_new(l, t, 0, zero, dflt, &v[made], err);
		made += !r;
	}
	if (r) {
		while (made--)
			rec_free(l, v[made]);
		free(v);
		return r;
	}
	*fresh = v;
	return 0;
}

struct old_recs {
	__u32 *v;
	int n, cap;
};

static int collect_old(void *ctx, __u32 i, const struct nfc_lpm_rec *rec)
{
	struct old_recs *o = ctx;

	(void)rec;
	if (nfc_grow(&o->v, &o->cap, o->n, sizeof(*o->v)))
		return -ENOMEM;
	o->v[o->n++] = i;
	return 0;
}

int nfc_lpm__load(struct nfc_lpm *l, __u32 table,
		  const struct nfc_lpm_prefix *p, size_t n,
		  struct nfc_err *err)
{
	struct lpm_tab *t = tab_to_change(l, table, err);
	struct lpm_upd u = { .l = l, .t = t, .errs = err };
	__u32 dflt = NFC_LPM_NONE, root, old_root, old_base, *fresh = NULL;
	struct old_recs old = { 0 };
	struct lpm_pfx *v = NULL;
	size_t i, m = 0, nrec;
	int r = 0;

	if (!t)
		return change_err(l, table);
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		r = check_prefix(t, &p[i], true, err);
		if (r) {
			nfc_errf(err, r, "lpm table %u: load: prefix %zu of %zu",
				 table, i + 1, n);
			goto out;
		}
		if (!p[i].len) {
			dflt = p[i].value;
			continue;
		}
		v[m++] = (struct lpm_pfx){ .a = to_addr(t->family, p[i].addr),
					   .len = p[i].len, .val = p[i].value };
	}
	r = lpm_pfx_sort(v, m);
	if (r)
		goto out;
	/* the same prefix twice: the last one given wins */
	for (i = 0, n = 0; i < m; i++) {
		if (i + 1 < m && v[i + 1].len == v[i].len &&
		    v[i + 1].a.hi == v[i].a.hi && v[i + 1].a.lo == v[i].a.lo)
			continue;
		v[n++] = v[i];
	}
	m = n;
	nrec = m + (dflt != NFC_LPM_NONE);
	if (nrec > l->hdr[table].capacity) {
		r = nfc_errf(err, -E2BIG,
			     "lpm table %u: load: %zu prefixes, the table takes %u",
			     table, nrec, l->hdr[table].capacity);
		goto out;
	}
	/* the records it has now, to go once the new ones are in */
	old_base = t->base;
	t->base = t->direct ? dflt : NFC_LPM_NONE;
	r = recs_each(l, t, collect_old, &old);
	if (!r)
		r = lpm_build(&u, v, m, &root);
	if (!r)
		r = recs_replace(l, t, v, m, dflt, &fresh, err);
	if (!r && t->direct) {
		/* a whole new array: lookups find the old one or this */
		r = direct_swap(l, t, root, err);
		for (i = 0; r && i < nrec; i++)
			rec_free(l, fresh[i]);
	}
	if (r) {
		t->base = old_base;
		upd_finish(&u, false);
		nfc_errf(err, r, "lpm table %u: load: %s", table, strerror(-r));
		goto out;
	}
	old_root = l->hdr[table].root;
	publish(l, table, root, dflt);
	l->hdr[table].prefixes = nrec;
	lpm_retire_tree(&u, old_root);
	upd_finish(&u, true);
	for (i = 0; i < (size_t)old.n; i++)
		rec_free(l, old.v[i]);
	/* the prefixes in memory: read back from the records when a change
	 * needs them (a load alone does not) */
	lpm_mirror_free(t);
out:
	free(old.v);
	free(fresh);
	free(v);
	return host_changed(l, table, r, err);
}

int nfc_lpm__load_file(struct nfc_lpm *l, __u32 table, const char *path,
		       struct nfc_err *err)
{
	struct lpm_tab *t = tab_to_change(l, table, err);
	struct nfc_lpm_prefix *p = NULL;
	char *line = NULL, *f[3], *save, why[128];
	int cap = 0, n = 0, lineno = 0, nf, r = 0;
	const char *bad;
	size_t len = 0;
	__u64 v;
	FILE *in;

	if (!t)
		return change_err(l, table);
	in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!in)
		return nfc_errf(err, -errno, "%s: %s", path, strerror(errno));
	while (!r && getline(&line, &len, in) >= 0) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		nf = 0;
		while (nf < 3 && (f[nf] = strtok_r(nf ? NULL : line, " \t\r\n",
						  &save)))
			nf++;
		if (!nf)
			continue;
		if (nf != 2) {
			r = nfc_err_at(err, -EINVAL, path, lineno, 1,
				       "expected 'PREFIX VALUE'");
			break;
		}
		if (nfc_grow(&p, &cap, n, sizeof(*p))) {
			r = -ENOMEM;
			break;
		}
		r = nfc_lpm_prefix__parse(f[0], &p[n], why, sizeof(why));
		if (r) {
			nfc_err_at(err, r, path, lineno, f[0] - line + 1,
				   "prefix '%s': %s", f[0], why);
			break;
		}
		if (nfc_parse_u64(f[1], &v) || v >= NFC_LPM_NONE) {
			r = nfc_err_at(err, -EINVAL, path, lineno,
				       f[1] - line + 1,
				       "value '%s' is not 0..%u", f[1],
				       NFC_LPM_NONE - 1);
			break;
		}
		p[n].value = v;
		bad = prefix_problem(t, &p[n], true);
		if (bad) {
			r = nfc_err_at(err, -EINVAL, path, lineno,
				       f[0] - line + 1, "prefix '%s': %s", f[0],
				       bad);
			break;
		}
		n++;
	}
	if (!r && ferror(in))
		r = nfc_errf(err, errno ? -errno : -EIO, "%s: %s", path,
			     errno ? strerror(errno) : "read error");
	if (in != stdin)
		fclose(in);
	free(line);
	if (!r) {
		r = nfc_lpm__load(l, table, p, n, err);
		if (r)
			nfc_errf(err, r, "%s: not loaded", path);
	}
	free(p);
	return r;
}

int nfc_lpm__lookup(struct nfc_lpm *l, __u32 table, const void *addr,
		    __u32 *value)
{
	struct lpm_tab *t = table < NFC_LPM_MAX_TABLES ? l->tab[table] : NULL;
	union {
		__u64 word;
		struct {
			__u32 root, dflt;
		};
	} u;
	__u32 v;

	if (!t)
		return tab_err(table);
	u.word = __atomic_load_n((__u64 *)&l->hdr[table], __ATOMIC_ACQUIRE);
	v = t->direct ? direct_walk(l, t, to_addr(t->family, addr))
		      : lpm_walk(l, u.root, 0, to_addr(t->family, addr));
	if (v == NFC_LPM_NONE && !t->direct) /* (direct: the leaves hold it) */
		v = u.dflt;
	if (v == NFC_LPM_NONE)
		return -ENOENT;
	*value = v;
	return 0;
}

int nfc_lpm__get(struct nfc_lpm *l, __u32 table, struct nfc_lpm_prefix *p)
{
	struct lpm_tab *t = table < NFC_LPM_MAX_TABLES ? l->tab[table] : NULL;
	int r;

	if (!t)
		return tab_err(table);
	if (p->family != t->family || p->len > t->width)
		return -EINVAL;
	r = mirror(l, t, NULL);
	if (r)
		return r;
	return lookup_exact(l, t, p, &p->value) ? 0 : -ENOENT;
}

struct list_walk {
	const struct lpm_tab *t;
	struct nfc_lpm_prefix *v;
	int n, cap;
};

static int list_rec(void *ctx, __u32 i, const struct nfc_lpm_rec *rec)
{
	struct list_walk *w = ctx;
	struct nfc_lpm_prefix *p;

	(void)i;
	if (nfc_grow(&w->v, &w->cap, w->n, sizeof(*w->v)))
		return -ENOMEM;
	p = &w->v[w->n++];
	memset(p, 0, sizeof(*p));
	p->family = w->t->family;
	p->len = rec->len;
	memcpy(p->addr, rec->addr, addr_bytes(w->t->family));
	p->value = rec->value;
	return 0;
}

static int prefix_cmp(const void *x, const void *y)
{
	const struct nfc_lpm_prefix *a = x, *b = y;
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	return c ? c : (int)a->len - (int)b->len;
}

int nfc_lpm__list(struct nfc_lpm *l, __u32 table,
		  struct nfc_lpm_prefix **out, size_t *n, struct nfc_err *err)
{
	struct lpm_tab *t = tab_get(l, table, err);
	struct list_walk w = { .t = t };
	int r;

	if (!t)
		return tab_err(table);
	r = recs_each(l, t, list_rec, &w);
	if (r) {
		free(w.v);
		return nfc_errf(err, r, "lpm table %u: reading its prefixes: %s",
				table, strerror(-r));
	}
	if (w.n)
		qsort(w.v, w.n, sizeof(*w.v), prefix_cmp);
	*out = w.v;
	*n = w.n;
	return 0;
}

int nfc_lpm__info(struct nfc_lpm *l, __u32 table, struct nfc_lpm_info *out)
{
	struct lpm_tab *t = table < NFC_LPM_MAX_TABLES ? l->tab[table] : NULL;

	if (!t)
		return tab_err(table);
	memset(out, 0, sizeof(*out));
	out->table = table;
	out->family = t->family;
	out->prefixes = l->hdr[table].prefixes;
	out->capacity = l->hdr[table].capacity;
	out->nodes = t->nodes;
	out->leaves = t->leaves;
	out->trie_bytes = t->nodes * sizeof(struct nfc_lpm_node) +
			  t->leaves * sizeof(__u32);
	out->direct_bytes = t->direct ? direct_len(t->family) : 0;
	out->record_bytes = (__u64)out->prefixes * sizeof(struct nfc_lpm_rec);
	return 0;
}

int nfc_lpm__tables(struct nfc_lpm *l, __u32 **ids, size_t *n)
{
	__u32 i, k = 0, *v = malloc(NFC_LPM_MAX_TABLES * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 1; i < NFC_LPM_MAX_TABLES; i++)
		if (l->tab[i])
			v[k++] = i;
	*ids = v;
	*n = k;
	return 0;
}

void nfc_lpm__store_info(struct nfc_lpm *l, struct nfc_lpm_store_info *out)
{
	__u32 i;
	int k;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < NFC_LPM_MAX_TABLES; i++)
		out->tables += !!l->tab[i];
	out->node_chunks = l->nchunks[LPM_NODES];
	out->leaf_chunks = l->nchunks[LPM_LEAVES];
	out->node_slots = l->pool[LPM_NODES].cap;
	out->leaf_slots = l->pool[LPM_LEAVES].cap;
	out->nodes_used = l->pool[LPM_NODES].used;
	out->leaves_used = l->pool[LPM_LEAVES].used;
	out->nodes_pending = l->pool[LPM_NODES].limbo_slots;
	out->leaves_pending = l->pool[LPM_LEAVES].limbo_slots;
	for (k = 0; k < LPM_NKINDS; k++)
		for (i = 0; i < l->nchunks[k]; i++)
			out->bytes += l->chunk[k][i].len;
	for (i = 1; i < NFC_LPM_MAX_TABLES; i++)
		if (l->tab[i] && l->tab[i]->direct)
			out->bytes += direct_len(l->tab[i]->family);
	out->bytes += l->hdr_len;
}
