// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The chain builder: turns a validated descriptor into a running chain
 * version, as one transaction.
 *
 *  1. load every new node instance (the verifier runs here) and pin it;
 *     nodes whose module, version and config are unchanged keep theirs;
 *  2. fill a free block of the program arrays and its hop table;
 *  3. attach root programs to new interfaces (they run the old version, or
 *     pass packets untouched while the chain has none);
 *  4. flip the chain's active entry with one atomic store: from here on
 *     every new packet enters the new block;
 *  5. detach roots from interfaces the descriptor dropped, wait one RCU
 *     grace period (no packet can still be inside the old block), then
 *     empty the old block and unpin the instances nothing uses any more.
 *
 * Any failure before step 4 undoes steps 1-3 and leaves the running
 * version, its pins and the state file as they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "../manager/internal.h"

struct inst {
	const struct nfc_node *node;
	json_object *old;           /* the node's state in the running version */
	bool kept;                  /* running instance reused as it is */
	int gen;
	char dir[PATH_MAX];         /* pins of this generation */
	int prog_fd[NFC_OBJ_MAX];
	__u32 prog_id[NFC_OBJ_MAX];
	struct bpf_object *obj[NFC_OBJ_MAX];
	bool pinned;                /* dir created by this transaction */
};

struct root {
	const struct nfc_attach *a;
	__u32 prog_id;
	__u32 handle;               /* tc */
	bool attached;
};

struct txn {
	struct nfc_handle *h;
	struct nfc_descriptor *d;
	json_object *old;           /* running chain's state, NULL if new */
	json_object *overrides;     /* node -> "module@version" */
	bool dry_run;
	__u32 id, block, version;
	unsigned int kinds;         /* 1 << enum nfc_objkind */
	struct inst *inst;
	struct root *roots;
	int n_roots;
	bool block_filled;
	char hash[NFC_MAX_HOPS][20];
	struct nfc_err *err;
	double t0;
};

static const char *kind_str(int k)
{
	return k == NFC_OBJ_XDP ? "xdp" : "tc";
}

static const char *chain_name(struct txn *t)
{
	return t->d->chain;
}

/* Identity of a node's configuration: same hash, same tables and rodata. */
static void node_hash(const struct nfc_node *n, char out[20])
{
	__u64 x = 0xcbf29ce484222325ULL;
	int i, j;

#define MIX(p, len)                                                   \
	do {                                                          \
		const __u8 *_p = (const __u8 *)(p);                   \
		for (size_t _i = 0; _i < (size_t)(len); _i++)         \
			x = (x ^ _p[_i]) * 0x100000001b3ULL;          \
	} while (0)
	MIX(n->mod->name, strlen(n->mod->name));
	for (i = 0; i < n->n_cfg; i++) {
		MIX(n->cfg[i].key->name, strlen(n->cfg[i].key->name));
		MIX(n->cfg[i].bytes, n->cfg[i].key->size);
	}
	for (i = 0; i < n->n_fills; i++) {
		const struct nfc_table_fill *f = &n->fills[i];

		MIX(f->table->name, strlen(f->table->name));
		for (j = 0; j < f->n; j++) {
			MIX(f->keys + j * f->table->key_size, f->table->key_size);
			MIX(f->values + j * f->table->value_size,
			    f->table->value_size);
		}
	}
#undef MIX
	snprintf(out, 20, "%016llx", (unsigned long long)x);
}

static json_object *old_node(struct txn *t, const char *name)
{
	json_object *nodes, *n;
	size_t i;

	if (!t->old || !json_object_object_get_ex(t->old, "nodes", &nodes))
		return NULL;
	for (i = 0; i < json_object_array_length(nodes); i++) {
		n = json_object_array_get_idx(nodes, i);
		if (!strcmp(nfc_js(n, "name") ?: "", name))
			return n;
	}
	return NULL;
}

static int alloc_id_block(struct txn *t)
{
	bool id_used[NFC_MAX_CHAINS] = { true }, blk_used[NFC_MAX_BLOCKS] = { true };
	json_object_iter it;
	__u32 i;

	json_object_object_foreachC(nfc_state_chains(t->h), it) {
		__u32 id = nfc_ji(it.val, "id"), b = nfc_ji(it.val, "block");

		if (id < NFC_MAX_CHAINS)
			id_used[id] = true;
		if (b < NFC_MAX_BLOCKS)
			blk_used[b] = true;
	}
	if (t->old) {
		t->id = nfc_ji(t->old, "id");
		t->version = nfc_ji(t->old, "version") + 1;
	} else {
		for (i = 1; i < NFC_MAX_CHAINS && id_used[i]; i++)
			;
		if (i == NFC_MAX_CHAINS)
			return nfc_errf(t->err, "chain '%s': all %d chain ids are in use",
					chain_name(t), NFC_MAX_CHAINS - 1);
		t->id = i;
		t->version = 1;
	}
	for (i = 1; i < NFC_MAX_BLOCKS && blk_used[i]; i++)
		;
	if (i == NFC_MAX_BLOCKS)
		return nfc_errf(t->err, "chain '%s': no free block (%d in use)",
				chain_name(t), NFC_MAX_BLOCKS - 1);
	t->block = i;
	return 0;
}

static bool map_compatible(int fd, struct bpf_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	return info.type == bpf_map__type(m) &&
	       info.key_size == bpf_map__key_size(m) &&
	       info.value_size == bpf_map__value_size(m) &&
	       info.max_entries == bpf_map__max_entries(m) &&
	       info.map_flags == bpf_map__map_flags(m);
}

static bool is_instance_map(struct bpf_map *m)
{
	return !bpf_map__is_internal(m) && !bpf_map__pin_path(m);
}

/* Maps of a node instance come from (in order): the same instance's other
 * hook object, the previous generation when the config is unchanged (swap,
 * version change), or are new. */
static int reuse_maps(struct txn *t, struct inst *in, int kind,
		      const char *prev_dir)
{
	struct bpf_object *obj = in->obj[kind];
	char path[PATH_MAX];
	struct bpf_map *m, *o;
	int k, fd, r;

	bpf_object__for_each_map(m, obj) {
		if (!is_instance_map(m))
			continue;
		fd = -1;
		for (k = 0; k < kind && fd < 0; k++) {
			if (!in->obj[k])
				continue;
			o = bpf_object__find_map_by_name(in->obj[k],
							 bpf_map__name(m));
			if (o)
				fd = dup(bpf_map__fd(o));
		}
		if (fd < 0 && prev_dir) {
			nfc_path(path, sizeof(path), "%s/maps/%s", prev_dir,
				 bpf_map__name(m));
			fd = bpf_obj_get(path);
			if (fd >= 0 && !map_compatible(fd, m)) {
				close(fd);
				fd = -1;
			}
		}
		if (fd < 0)
			continue;
		r = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (r)
			return nfc_errf(t->err, "chain '%s': node '%s': map '%s': reuse: %s",
					chain_name(t), in->node->name,
					bpf_map__name(m), strerror(-r));
	}
	return 0;
}

static int fill_tables(struct txn *t, struct inst *in, struct bpf_object *obj)
{
	const struct nfc_node *n = in->node;
	int i, j, fd;

	for (i = 0; i < n->mod->n_tables; i++) {
		const struct nfc_table *tb = &n->mod->tables[i];
		struct bpf_map *m = bpf_object__find_map_by_name(obj, tb->map);

		if (!m)
			return nfc_errf(t->err, "chain '%s': node '%s': module %s@%s declares table '%s' on map '%s', which its object lacks",
					chain_name(t), n->name, n->mod->name,
					n->mod->version, tb->name, tb->map);
		if (bpf_map__key_size(m) != tb->key_size ||
		    bpf_map__value_size(m) != tb->value_size)
			return nfc_errf(t->err, "chain '%s': node '%s': table '%s': map '%s' has key/value %u/%u bytes, the manifest %u/%u",
					chain_name(t), n->name, tb->name, tb->map,
					bpf_map__key_size(m), bpf_map__value_size(m),
					tb->key_size, tb->value_size);
	}
	for (i = 0; i < n->n_fills; i++) {
		const struct nfc_table_fill *f = &n->fills[i];

		fd = bpf_map__fd(bpf_object__find_map_by_name(obj, f->table->map));
		for (j = 0; j < f->n; j++) {
			if (bpf_map_update_elem(fd, f->keys + j * f->table->key_size,
						f->values + j * f->table->value_size,
						BPF_ANY))
				return nfc_errf(t->err, "chain '%s': node '%s': table '%s': entry %d: %s",
						chain_name(t), n->name,
						f->table->name, j + 1,
						strerror(errno));
		}
	}
	return 0;
}

static int set_config(struct txn *t, struct inst *in, struct bpf_object *obj)
{
	const struct nfc_node *n = in->node;
	char msg[256];
	int i;

	for (i = 0; i < n->n_cfg; i++) {
		const struct nfc_field *k = n->cfg[i].key;

		if (!k->rodata)
			continue;
		if (nfc_obj_set_rodata(obj, k->rodata, n->cfg[i].bytes, k->size,
				       msg, sizeof(msg)))
			return nfc_errf(t->err, "chain '%s': node '%s': config '%s': %s",
					chain_name(t), n->name, k->name, msg);
	}
	return 0;
}

static int pin_instance(struct txn *t, struct inst *in)
{
	char path[PATH_MAX];
	struct bpf_map *m;
	int k, r;

	nfc_rmtree(in->dir);
	nfc_path(path, sizeof(path), "%s/maps", in->dir);
	r = nfc_mkdirs(path);
	if (r)
		return nfc_errf(t->err, "%s: %s", path, strerror(-r));
	in->pinned = true;
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		if (!in->obj[k])
			continue;
		nfc_path(path, sizeof(path), "%s/prog_%s", in->dir, kind_str(k));
		if (bpf_obj_pin(in->prog_fd[k], path))
			return nfc_errf(t->err, "%s: pin: %s", path, strerror(errno));
		bpf_object__for_each_map(m, in->obj[k]) {
			if (!is_instance_map(m))
				continue;
			nfc_path(path, sizeof(path), "%s/maps/%s", in->dir,
				 bpf_map__name(m));
			if (!access(path, F_OK))
				continue;
			if (bpf_obj_pin(bpf_map__fd(m), path))
				return nfc_errf(t->err, "%s: pin: %s", path,
						strerror(errno));
		}
	}
	return 0;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static int load_object(struct txn *t, struct inst *in, int kind,
		       const char *prev_dir)
{
	const struct nfc_node *n = in->node;
	const char *path = n->mod->object[kind];
	char ex[4096];
	struct bpf_program *prog;
	int r;

	if (!path)
		return nfc_errf(t->err, "chain '%s': node '%s': module %s@%s has no %s object",
				chain_name(t), n->name, n->mod->name,
				n->mod->version, kind_str(kind));
	/* a dry run verifies with private copies of the global maps */
	in->obj[kind] = nfc_obj_open(t->h, path, t->dry_run);
	if (!in->obj[kind])
		return nfc_errf(t->err, "chain '%s': node '%s': %s: %s",
				chain_name(t), n->name, path, strerror(errno));
	prog = bpf_object__next_program(in->obj[kind], NULL);
	if (!prog || bpf_object__next_program(in->obj[kind], prog))
		return nfc_errf(t->err, "chain '%s': node '%s': %s must hold exactly one program",
				chain_name(t), n->name, path);
	r = set_config(t, in, in->obj[kind]);
	if (!r)
		r = reuse_maps(t, in, kind, prev_dir);
	if (r)
		return r;
	nfc_libbpf_log_reset();
	r = bpf_object__load(in->obj[kind]);
	if (r) {
		const char *x = nfc_libbpf_verifier_excerpt(ex, sizeof(ex));

		return nfc_errf(t->err, "chain '%s': node '%s' (%s@%s, %s): %s%s%s",
				chain_name(t), n->name, n->mod->name,
				n->mod->version, kind_str(kind),
				x ? "the verifier rejected the program:\n" :
				    "load failed: ",
				x ?: strerror(-r), "");
	}
	in->prog_fd[kind] = bpf_program__fd(prog);
	in->prog_id[kind] = prog_id(in->prog_fd[kind]);
	return 0;
}

static int load_instance(struct txn *t, struct inst *in)
{
	const struct nfc_node *n = in->node;
	char prev[PATH_MAX];
	const char *prev_dir = NULL;
	int k, r, first = -1;

	if (in->old && !strcmp(nfc_js(in->old, "module") ?: "", n->mod->name) &&
	    !strcmp(nfc_js(in->old, "hash") ?: "", t->hash[n->hop])) {
		nfc_path(prev, sizeof(prev), "%s/chains/%s/%s/g%lld",
			 t->h->bpffs, chain_name(t), n->name,
			 nfc_ji(in->old, "gen"));
		prev_dir = prev;
	}
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		if (!(t->kinds & (1u << k)))
			continue;
		r = load_object(t, in, k, prev_dir);
		if (r)
			return r;
		if (first < 0)
			first = k;
	}
	if (!prev_dir && first >= 0) {
		r = fill_tables(t, in, in->obj[first]);
		if (r)
			return r;
	}
	return t->dry_run ? 0 : pin_instance(t, in);
}

/* Keep the running instance when nothing about it changed. */
static int keep_instance(struct txn *t, struct inst *in)
{
	char path[PATH_MAX];
	int k;

	if (!in->old || strcmp(nfc_js(in->old, "module") ?: "", in->node->mod->name) ||
	    strcmp(nfc_js(in->old, "version") ?: "", in->node->mod->version) ||
	    strcmp(nfc_js(in->old, "hash") ?: "", t->hash[in->node->hop]) ||
	    (unsigned int)nfc_ji(in->old, "kinds") != t->kinds)
		return 0;
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		if (!(t->kinds & (1u << k)))
			continue;
		nfc_path(path, sizeof(path), "%s/prog_%s", in->dir, kind_str(k));
		in->prog_fd[k] = bpf_obj_get(path);
		if (in->prog_fd[k] < 0)
			return 0; /* pins lost: load anew */
		in->prog_id[k] = prog_id(in->prog_fd[k]);
	}
	in->kept = true;
	return 1;
}

static int load_instances(struct txn *t)
{
	int i, r;

	for (i = 0; i < t->d->n_nodes; i++) {
		struct inst *in = &t->inst[i];

		in->node = &t->d->nodes[i];
		in->old = old_node(t, in->node->name);
		node_hash(in->node, t->hash[i]);
		for (int k = 0; k < NFC_OBJ_MAX; k++)
			in->prog_fd[k] = -1;
		in->gen = in->old ? nfc_ji(in->old, "gen") : 0;
		nfc_path(in->dir, sizeof(in->dir), "%s/chains/%s/%s/g%d",
			 t->h->bpffs, chain_name(t), in->node->name, in->gen);
		if (!t->dry_run && keep_instance(t, in) > 0)
			continue;
		for (int k = 0; k < NFC_OBJ_MAX; k++) {
			if (in->prog_fd[k] >= 0)
				close(in->prog_fd[k]);
			in->prog_fd[k] = -1;
		}
		in->gen++;
		nfc_path(in->dir, sizeof(in->dir), "%s/chains/%s/%s/g%d",
			 t->h->bpffs, chain_name(t), in->node->name, in->gen);
		r = load_instance(t, in);
		if (r)
			return r;
	}
	return 0;
}

static int block_fill(struct txn *t)
{
	int ncpu = libbpf_num_possible_cpus();
	struct nfc_hop_stats *zero;
	char name[32];
	int i, k, fd, hops, hstats, r = 0;

	zero = calloc(ncpu, sizeof(*zero));
	hops = nfc_global_map_fd(t->h, "nfc_hops");
	hstats = nfc_global_map_fd(t->h, "nfc_hop_stats");
	if (!zero || hops < 0 || hstats < 0) {
		r = nfc_errf(t->err, "chain '%s': global maps missing", chain_name(t));
		goto out;
	}
	t->block_filled = true;
	for (i = 0; i < t->d->n_nodes; i++) {
		const struct nfc_node *n = &t->d->nodes[i];
		__u32 slot = t->block * NFC_BLOCK_SIZE + n->hop;
		struct nfc_hop hop = { .node = i };

		memcpy(hop.next, n->next, sizeof(hop.next));
		if (bpf_map_update_elem(hops, &slot, &hop, BPF_ANY) ||
		    bpf_map_update_elem(hstats, &slot, zero, BPF_ANY)) {
			r = nfc_errf(t->err, "chain '%s': hop table: %s",
				     chain_name(t), strerror(errno));
			goto out;
		}
		for (k = 0; k < NFC_OBJ_MAX; k++) {
			if (!(t->kinds & (1u << k)))
				continue;
			snprintf(name, sizeof(name), "nfc_progs_%s", kind_str(k));
			fd = nfc_global_map_fd(t->h, name);
			if (fd < 0 || bpf_map_update_elem(fd, &slot,
							  &t->inst[i].prog_fd[k],
							  BPF_ANY)) {
				r = nfc_errf(t->err, "chain '%s': node '%s': program array slot %u: %s",
					     chain_name(t), n->name, slot,
					     strerror(fd < 0 ? -fd : errno));
				if (fd >= 0)
					close(fd);
				goto out;
			}
			close(fd);
		}
	}
out:
	free(zero);
	if (hops >= 0)
		close(hops);
	if (hstats >= 0)
		close(hstats);
	return r;
}

/* Empty a block: its slots, hop entries. */
static void block_clear(struct nfc_handle *h, __u32 block)
{
	struct nfc_hop none;
	char name[32];
	int k, fd, hops = nfc_global_map_fd(h, "nfc_hops");
	__u32 s;

	memset(&none, NFC_NEXT_DROP, sizeof(none));
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		snprintf(name, sizeof(name), "nfc_progs_%s", kind_str(k));
		fd = nfc_global_map_fd(h, name);
		if (fd < 0)
			continue;
		for (s = block * NFC_BLOCK_SIZE; s < (block + 1) * NFC_BLOCK_SIZE; s++)
			bpf_map_delete_elem(fd, &s);
		close(fd);
	}
	if (hops < 0)
		return;
	for (s = block * NFC_BLOCK_SIZE; s < (block + 1) * NFC_BLOCK_SIZE; s++)
		bpf_map_update_elem(hops, &s, &none, BPF_ANY);
	close(hops);
}

static enum xdp_attach_mode xdp_mode(enum nfc_xdp_mode m)
{
	switch (m) {
	case NFC_MODE_NATIVE:
		return XDP_MODE_NATIVE;
	case NFC_MODE_SKB:
		return XDP_MODE_SKB;
	case NFC_MODE_HW:
		return XDP_MODE_HW;
	default:
		return XDP_MODE_UNSPEC;
	}
}

/* Open (not load) the root program of chain @id for one hook kind. */
static int root_open_id(struct nfc_handle *h, const char *chain, __u32 id,
			__u16 vxlan_port, int kind, struct bpf_object **out,
			struct nfc_err *err)
{
	char path[PATH_MAX], msg[256];
	struct bpf_object *obj;

	nfc_path(path, sizeof(path), "%s/root.%s.o", h->bpf_dir, kind_str(kind));
	obj = nfc_obj_open(h, path, false);
	if (!obj)
		return nfc_errf(err, "chain '%s': root program %s: %s", chain,
				path, strerror(errno));
	if (nfc_obj_set_rodata(obj, "chain_id", &id, sizeof(id), msg, sizeof(msg)) ||
	    nfc_obj_set_rodata(obj, "vxlan_port", &vxlan_port,
			       sizeof(vxlan_port), msg, sizeof(msg))) {
		bpf_object__close(obj);
		return nfc_errf(err, "chain '%s': root program: %s", chain, msg);
	}
	*out = obj;
	return 0;
}

static int root_open(struct txn *t, const struct nfc_attach *a,
		     struct bpf_object **out)
{
	return root_open_id(t->h, chain_name(t), t->id, t->d->vxlan_port,
			    nfc_hook_objkind(a->hook), out, t->err);
}

int nfc_chain__root_prog(struct nfc_handle *h, const char *chain,
			 enum nfc_objkind kind, struct nfc_err *err)
{
	json_object *c = nfc_state_chain(h, chain);
	struct bpf_object *obj;
	int r, fd;

	if (!c)
		return nfc_errf(err, "chain '%s' does not exist", chain);
	r = root_open_id(h, chain, nfc_ji(c, "id"), nfc_ji(c, "vxlan_port"),
			 kind, &obj, err);
	if (r)
		return r;
	r = bpf_object__load(obj);
	if (r) {
		bpf_object__close(obj);
		return nfc_errf(err, "chain '%s': root program: %s", chain,
				strerror(-r));
	}
	fd = dup(bpf_program__fd(bpf_object__next_program(obj, NULL)));
	bpf_object__close(obj);
	return fd < 0 ? -errno : fd;
}

static int root_attach_xdp(struct txn *t, struct root *rt,
			   struct bpf_object *obj)
{
	const struct nfc_attach *a = rt->a;
	struct xdp_program *xp;
	char ex[4096];
	int r;

	xp = xdp_program__from_bpf_obj(obj, NULL);
	r = libxdp_get_error(xp);
	if (r)
		return nfc_errf(t->err, "chain '%s': %s: libxdp: %s", chain_name(t),
				a->ifname, strerror(-r));
	xdp_program__set_run_prio(xp, a->priority);
	nfc_libbpf_log_reset();
	r = xdp_program__attach(xp, a->ifindex, xdp_mode(a->mode), 0);
	if (r) {
		const char *x = nfc_libbpf_verifier_excerpt(ex, sizeof(ex));

		nfc_errf(t->err, "chain '%s': attach xdp (%s) to %s: %s%s%s",
			 chain_name(t), nfc_mode_str(a->mode), a->ifname,
			 strerror(-r), x ? "\n" : "", x ?: "");
		xdp_program__close(xp);
		return -EINVAL;
	}
	rt->prog_id = xdp_program__id(xp);
	rt->attached = true;
	xdp_program__close(xp);
	return 0;
}

static int root_attach_tc(struct txn *t, struct root *rt,
			  struct bpf_object *obj)
{
	const struct nfc_attach *a = rt->a;
	int r, fd;

	r = bpf_object__load(obj);
	if (r)
		return nfc_errf(t->err, "chain '%s': root program (tc): %s",
				chain_name(t), strerror(-r));
	fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = a->hook == NFC_HOOK_TC_EGRESS ?
					    BPF_TC_EGRESS : BPF_TC_INGRESS);
	r = bpf_tc_hook_create(&hook);
	if (r && r != -EEXIST)
		return nfc_errf(t->err, "chain '%s': %s: clsact: %s",
				chain_name(t), a->ifname, strerror(-r));
	LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = fd, .priority = a->priority);
	r = bpf_tc_attach(&hook, &o);
	if (r)
		return nfc_errf(t->err, "chain '%s': attach %s to %s: %s",
				chain_name(t), nfc_hook_str(a->hook), a->ifname,
				strerror(-r));
	rt->prog_id = o.prog_id;
	rt->handle = o.handle;
	rt->attached = true;
	return 0;
}

static int root_attach(struct txn *t, struct root *rt)
{
	struct bpf_object *obj;
	int r = root_open(t, rt->a, &obj);

	if (r)
		return r;
	if (rt->a->hook == NFC_HOOK_XDP)
		r = root_attach_xdp(t, rt, obj);
	else
		r = root_attach_tc(t, rt, obj);
	bpf_object__close(obj);
	return r;
}

/* Detach a root described by its state entry; a vanished interface is fine. */
static int root_detach(json_object *a, struct nfc_err *err)
{
	const char *hook = nfc_js(a, "hook") ?: "";
	__u32 ifindex = nfc_ji(a, "ifindex");
	__u32 id = nfc_ji(a, "prog_id");
	char name[IF_NAMESIZE];
	int r;

	if (!if_indextoname(ifindex, name))
		return 0;
	if (!strcmp(hook, "xdp")) {
		struct xdp_program *xp = xdp_program__from_id(id);

		if (libxdp_get_error(xp))
			return 0; /* no longer loaded: nothing attached */
		r = xdp_program__detach(xp, ifindex, XDP_MODE_UNSPEC, 0);
		xdp_program__close(xp);
	} else {
		LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = ifindex,
			    .attach_point = !strcmp(hook, "tc-egress") ?
						    BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = nfc_ji(a, "handle"),
			    .priority = nfc_ji(a, "priority"));
		r = bpf_tc_detach(&th, &o);
		if (r == -ENOENT)
			r = 0;
	}
	if (r)
		return nfc_errf(err, "detach %s from %s: %s", hook, name,
				strerror(-r));
	return 0;
}

static bool same_attach(json_object *o, const struct nfc_attach *a)
{
	return !strcmp(nfc_js(o, "interface") ?: "", a->ifname) &&
	       !strcmp(nfc_js(o, "hook") ?: "", nfc_hook_str(a->hook)) &&
	       !strcmp(nfc_js(o, "mode") ?: "", nfc_mode_str(a->mode)) &&
	       nfc_ji(o, "priority") == a->priority &&
	       (__u32)nfc_ji(o, "ifindex") == a->ifindex;
}

static json_object *old_attach_of(struct txn *t, const struct nfc_attach *a)
{
	json_object *arr, *o;
	size_t i;

	if (!t->old || !json_object_object_get_ex(t->old, "attach", &arr))
		return NULL;
	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		if (same_attach(o, a))
			return o;
	}
	return NULL;
}

static bool attach_kept(struct txn *t, json_object *o)
{
	int i;

	for (i = 0; i < t->d->n_attach; i++)
		if (same_attach(o, &t->d->attach[i]))
			return true;
	return false;
}

/* Old attachments the new descriptor replaces on the same interface and
 * hook (new mode or priority) must go first: an interface has one XDP
 * program outside libxdp's dispatcher. This is the one step a later failure
 * does not undo: the old version keeps running on its other interfaces. */
static int detach_replaced(struct txn *t)
{
	json_object *arr, *o;
	size_t i;
	int j, r;

	if (!t->old || !json_object_object_get_ex(t->old, "attach", &arr))
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		if (attach_kept(t, o))
			continue;
		for (j = 0; j < t->d->n_attach; j++) {
			if (strcmp(nfc_js(o, "interface") ?: "", t->d->attach[j].ifname) ||
			    strcmp(nfc_js(o, "hook") ?: "",
				   nfc_hook_str(t->d->attach[j].hook)))
				continue;
			r = root_detach(o, t->err);
			if (r)
				return r;
		}
	}
	return 0;
}

static int attach_new(struct txn *t)
{
	int i, r;

	t->roots = calloc(t->d->n_attach, sizeof(*t->roots));
	if (!t->roots)
		return -ENOMEM;
	for (i = 0; i < t->d->n_attach; i++) {
		struct root *rt = &t->roots[t->n_roots];
		json_object *o = old_attach_of(t, &t->d->attach[i]);

		rt->a = &t->d->attach[i];
		t->n_roots++;
		if (o) {
			rt->prog_id = nfc_ji(o, "prog_id");
			rt->handle = nfc_ji(o, "handle");
			continue;
		}
		r = root_attach(t, rt);
		if (r)
			return r;
	}
	return 0;
}

static void flip(struct nfc_handle *h, __u32 id, __u64 val)
{
	__atomic_store_n(&h->chains_mm[id], val, __ATOMIC_SEQ_CST);
}

/* Wait until no packet can still be inside the block we switched away
 * from: programs run inside RCU read-side sections, and membarrier's
 * GLOBAL command returns after synchronize_rcu(). */
static void grace_period(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(50 * 1000);
}

/* Unpin generations of nodes the new version no longer runs. */
static void unpin_unused(struct txn *t)
{
	json_object *nodes, *n;
	char dir[PATH_MAX];
	size_t i;
	int j;

	if (!t->old || !json_object_object_get_ex(t->old, "nodes", &nodes))
		return;
	for (i = 0; i < json_object_array_length(nodes); i++) {
		const char *name;
		bool live = false;

		n = json_object_array_get_idx(nodes, i);
		name = nfc_js(n, "name") ?: "";
		for (j = 0; j < t->d->n_nodes; j++) {
			if (!strcmp(t->d->nodes[j].name, name) &&
			    t->inst[j].gen == nfc_ji(n, "gen"))
				live = true;
		}
		if (live)
			continue;
		nfc_path(dir, sizeof(dir), "%s/chains/%s/%s/g%lld", t->h->bpffs,
			 chain_name(t), name, nfc_ji(n, "gen"));
		nfc_rmtree(dir);
		/* the node itself is gone from the chain */
		for (j = 0; j < t->d->n_nodes; j++)
			if (!strcmp(t->d->nodes[j].name, name))
				break;
		if (j == t->d->n_nodes) {
			nfc_path(dir, sizeof(dir), "%s/chains/%s/%s", t->h->bpffs,
				 chain_name(t), name);
			nfc_rmtree(dir);
		}
	}
}

/* An attached root as the state file records it (and root_detach reads). */
static json_object *attach_json(const struct root *rt)
{
	const struct nfc_attach *a = rt->a;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "interface", json_object_new_string(a->ifname));
	json_object_object_add(o, "ifindex", json_object_new_int64(a->ifindex));
	json_object_object_add(o, "hook", json_object_new_string(nfc_hook_str(a->hook)));
	json_object_object_add(o, "mode", json_object_new_string(nfc_mode_str(a->mode)));
	json_object_object_add(o, "priority", json_object_new_int64(a->priority));
	json_object_object_add(o, "prog_id", json_object_new_int64(rt->prog_id));
	json_object_object_add(o, "handle", json_object_new_int64(rt->handle));
	return o;
}

static json_object *state_entry(struct txn *t, const char *text)
{
	json_object *c = json_object_new_object(), *arr, *o;
	int i;

	json_object_object_add(c, "id", json_object_new_int(t->id));
	json_object_object_add(c, "version", json_object_new_int(t->version));
	json_object_object_add(c, "block", json_object_new_int(t->block));
	json_object_object_add(c, "kinds", json_object_new_int(t->kinds));
	json_object_object_add(c, "vxlan_port", json_object_new_int(t->d->vxlan_port));
	json_object_object_add(c, "file", json_object_new_string(t->d->file));
	json_object_object_add(c, "descriptor", json_object_new_string(text));
	if (t->overrides)
		json_object_object_add(c, "overrides", json_object_get(t->overrides));
	arr = json_object_new_array();
	for (i = 0; i < t->n_roots; i++)
		json_object_array_add(arr, attach_json(&t->roots[i]));
	json_object_object_add(c, "attach", arr);
	arr = json_object_new_array();
	for (i = 0; i < t->d->n_nodes; i++) {
		const struct nfc_node *n = &t->d->nodes[i];
		json_object *ids = json_object_new_object();

		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(n->name));
		json_object_object_add(o, "module", json_object_new_string(n->mod->name));
		json_object_object_add(o, "version", json_object_new_string(n->mod->version));
		json_object_object_add(o, "hop", json_object_new_int(n->hop));
		json_object_object_add(o, "gen", json_object_new_int(t->inst[i].gen));
		json_object_object_add(o, "hash", json_object_new_string(t->hash[i]));
		json_object_object_add(o, "kinds", json_object_new_int(t->kinds));
		for (int k = 0; k < NFC_OBJ_MAX; k++)
			if (t->inst[i].prog_fd[k] >= 0)
				json_object_object_add(ids, kind_str(k),
						       json_object_new_int64(t->inst[i].prog_id[k]));
		json_object_object_add(o, "prog_id", ids);
		json_object_array_add(arr, o);
	}
	json_object_object_add(c, "nodes", arr);
	return c;
}

/* Undo everything the transaction did before the flip. */
static void rollback(struct txn *t)
{
	int i;

	for (i = 0; i < t->n_roots; i++) {
		json_object *o;

		if (!t->roots[i].attached)
			continue;
		o = attach_json(&t->roots[i]);
		root_detach(o, NULL);
		json_object_put(o);
	}
	if (t->block_filled)
		block_clear(t->h, t->block);
	for (i = 0; t->inst && i < t->d->n_nodes; i++) {
		char dir[PATH_MAX];

		if (!t->inst[i].pinned)
			continue;
		nfc_rmtree(t->inst[i].dir);
		/* a node directory that only this transaction made */
		if (!t->inst[i].old) {
			nfc_path(dir, sizeof(dir), "%s/chains/%s/%s", t->h->bpffs,
				 chain_name(t), t->inst[i].node->name);
			rmdir(dir);
		}
	}
	if (!t->old) {
		char dir[PATH_MAX];

		nfc_path(dir, sizeof(dir), "%s/chains/%s", t->h->bpffs,
			 chain_name(t));
		rmdir(dir);
	}
}

static void txn_free(struct txn *t)
{
	int i, k;

	for (i = 0; t->inst && i < t->d->n_nodes; i++) {
		for (k = 0; k < NFC_OBJ_MAX; k++) {
			if (t->inst[i].obj[k])
				bpf_object__close(t->inst[i].obj[k]);
			else if (t->inst[i].prog_fd[k] >= 0)
				close(t->inst[i].prog_fd[k]);
		}
	}
	free(t->inst);
	free(t->roots);
}

static int run(struct txn *t, const char *text, struct nfc_apply_result *res)
{
	json_object *old = t->old ? json_object_get(t->old) : NULL;
	int i, r;

	for (i = 0; i < t->d->n_attach; i++)
		t->kinds |= 1u << nfc_hook_objkind(t->d->attach[i].hook);
	t->inst = calloc(t->d->n_nodes, sizeof(*t->inst));
	if (!t->inst)
		return -ENOMEM;
	r = alloc_id_block(t);
	for (i = 0; !r && i < NFC_OBJ_MAX && !t->dry_run; i++)
		if (t->kinds & (1u << i))
			r = nfc_infra_ensure(t->h, i, t->err);
	if (!r && !t->dry_run)
		r = nfc_chains_mmap(t->h, t->err);
	if (!r)
		r = load_instances(t);
	if (res) {
		res->load_ms = nfc_now_ms() - t->t0;
		for (i = 0; i < t->d->n_nodes; i++)
			res->loaded += !t->inst[i].kept;
	}
	if (r || t->dry_run)
		goto fail;
	r = block_fill(t);
	if (!r)
		r = detach_replaced(t);
	if (!r)
		r = attach_new(t);
	if (r)
		goto fail;

	if (!t->old) {
		/* a fresh chain id starts with fresh counters */
		struct nfc_chain_stats *z = calloc(libbpf_num_possible_cpus(), sizeof(*z));
		int fd = nfc_global_map_fd(t->h, "nfc_chain_stats");

		if (z && fd >= 0)
			bpf_map_update_elem(fd, &t->id, z, BPF_ANY);
		free(z);
		if (fd >= 0)
			close(fd);
	}
	/* the switch: one atomic store */
	flip(t->h, t->id, NFC_ACTIVE(t->block, t->version));
	if (res)
		res->flip_ms = nfc_now_ms() - t->t0;

	if (t->old) {
		json_object *arr;
		size_t j;

		if (json_object_object_get_ex(t->old, "attach", &arr))
			for (j = 0; j < json_object_array_length(arr); j++) {
				json_object *o = json_object_array_get_idx(arr, j);

				if (!attach_kept(t, o))
					root_detach(o, NULL);
			}
	}
	grace_period();
	if (t->old) {
		block_clear(t->h, nfc_ji(t->old, "block"));
		unpin_unused(t);
	}
	json_object_object_add(nfc_state_chains(t->h), chain_name(t),
			       state_entry(t, text));
	r = nfc_state_save(t->h, t->err);
	if (res) {
		res->version = t->version;
		res->block = t->block;
		res->total_ms = nfc_now_ms() - t->t0;
	}
	json_object_put(old);
	return r;
fail:
	if (!t->dry_run)
		rollback(t);
	json_object_put(old);
	return r;
}

static char *read_file(const char *path, struct nfc_err *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f) {
		nfc_errf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
		nfc_errf(err, "%s: cannot read: %s", path, strerror(errno));
	}
	fclose(f);
	return buf;
}

int nfc_chain__apply(struct nfc_handle *h, const char *path,
		     const struct nfc_apply_opts *opts,
		     struct nfc_apply_result *res, struct nfc_err *err)
{
	struct txn t = { .h = h, .err = err, .t0 = nfc_now_ms() };
	char abspath[PATH_MAX];
	char *text;
	int r;

	if (res)
		memset(res, 0, sizeof(*res));
	t.dry_run = opts && opts->dry_run;
	text = read_file(path, err);
	if (!text)
		return -ENOENT;
	r = nfc_descriptor__parse_file(&t.d, path, nfc_catalog(h), err);
	if (r)
		goto out;
	if (realpath(path, abspath)) {
		free(t.d->file);
		t.d->file = strdup(abspath);
	}
	t.old = nfc_state_chain(h, t.d->chain);
	r = run(&t, text, res);
out:
	txn_free(&t);
	nfc_descriptor__free(t.d);
	free(text);
	return r;
}

static bool fields_same(const struct nfc_field *a, int na,
			const struct nfc_field *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		if (strcmp(a[i].name, b[i].name) || a[i].type != b[i].type ||
		    a[i].size != b[i].size || a[i].offset != b[i].offset ||
		    !a[i].rodata != !b[i].rodata ||
		    (a[i].rodata && strcmp(a[i].rodata, b[i].rodata)))
			return false;
	}
	return true;
}

/*
 * Put module version @m in place of a node's module. A hot swap keeps the
 * node's config and maps, so the new version must take the same config and
 * lay out its tables the same way.
 */
static int override_node(struct nfc_descriptor *d, struct nfc_node *n,
			 const struct nfc_module *m, struct nfc_err *err)
{
	const struct nfc_module *o = n->mod;
	int i;

	if (strcmp(o->name, m->name))
		return nfc_errf(err, "chain '%s': node '%s' runs module '%s', not '%s': apply a descriptor to change modules",
				d->chain, n->name, o->name, m->name);
	if (!fields_same(o->config, o->n_config, m->config, m->n_config))
		return nfc_errf(err, "chain '%s': node '%s': %s@%s takes a different config than %s@%s: apply a descriptor instead",
				d->chain, n->name, m->name, m->version, o->name,
				o->version);
	for (i = 0; i < o->n_tables; i++) {
		const struct nfc_table *a = &o->tables[i];
		const struct nfc_table *b = nfc_module__table(m, a->name);

		if (!b || !fields_same(a->key, a->n_key, b->key, b->n_key) ||
		    !fields_same(a->value, a->n_value, b->value, b->n_value))
			return nfc_errf(err, "chain '%s': node '%s': %s@%s lays out table '%s' differently than %s@%s",
					d->chain, n->name, m->name, m->version,
					a->name, o->name, o->version);
	}
	for (i = NFC_MAX_OUTCOMES - 1; i >= m->n_outcomes; i--)
		if (n->next[i] != NFC_NEXT_NONE && n->next[i] != NFC_NEXT_PASS)
			return nfc_errf(err, "chain '%s': node '%s': %s@%s lacks outcome %d, which is linked",
					d->chain, n->name, m->name, m->version, i);
	for (i = 0; i < NFC_MAX_OUTCOMES; i++) {
		if (i >= m->n_outcomes)
			n->next[i] = NFC_NEXT_NONE;
		else if (i >= o->n_outcomes)
			n->next[i] = NFC_NEXT_PASS;
	}
	for (i = 0; i < n->n_cfg; i++)
		n->cfg[i].key = nfc_module__config_key(m, n->cfg[i].key->name);
	for (i = 0; i < n->n_fills; i++)
		n->fills[i].table = nfc_module__table(m, n->fills[i].table->name);
	n->mod = m;
	return 0;
}

static int apply_override(struct nfc_handle *h, struct nfc_descriptor *d,
			  const char *node, const char *modver,
			  struct nfc_err *err)
{
	char name[64];
	const char *at = strchr(modver, '@');
	const struct nfc_module *m;
	struct nfc_node *n = (struct nfc_node *)nfc_descriptor__node(d, node);

	if (!n)
		return nfc_errf(err, "chain '%s': no node '%s'", d->chain, node);
	snprintf(name, sizeof(name), "%.*s",
		 at ? (int)(at - modver) : (int)strlen(modver), modver);
	m = nfc_catalog__find(nfc_catalog(h), name, at ? at + 1 : NULL);
	if (!m)
		return nfc_errf(err, "module '%s' is not in the catalog", modver);
	return override_node(d, n, m, err);
}

int nfc_chain__swap(struct nfc_handle *h, const char *chain, const char *node,
		    const char *module_at_version, struct nfc_apply_result *res,
		    struct nfc_err *err)
{
	struct txn t = { .h = h, .err = err, .t0 = nfc_now_ms() };
	json_object *ov;
	const char *text;
	int r;

	if (res)
		memset(res, 0, sizeof(*res));
	t.old = nfc_state_chain(h, chain);
	if (!t.old)
		return nfc_errf(err, "chain '%s' does not exist", chain);
	text = nfc_js(t.old, "descriptor");
	r = nfc_descriptor__parse_string(&t.d, nfc_js(t.old, "file") ?: chain,
					 text ?: "", nfc_catalog(h), err);
	if (r)
		return r;
	t.overrides = json_object_new_object();
	if (json_object_object_get_ex(t.old, "overrides", &ov)) {
		json_object_object_foreach(ov, k, v) {
			if (!strcmp(k, node))
				continue;
			json_object_object_add(t.overrides, k, json_object_get(v));
			r = apply_override(h, t.d, k, json_object_get_string(v), err);
			if (r)
				goto out;
		}
	}
	r = apply_override(h, t.d, node, module_at_version, err);
	if (r)
		goto out;
	json_object_object_add(t.overrides, node,
			       json_object_new_string(module_at_version));
	r = run(&t, text, res);
out:
	json_object_put(t.overrides);
	txn_free(&t);
	nfc_descriptor__free(t.d);
	return r;
}

int nfc_chain__delete(struct nfc_handle *h, const char *chain,
		      struct nfc_err *err)
{
	json_object *c = nfc_state_chain(h, chain), *arr;
	char dir[PATH_MAX];
	size_t i;
	int r;

	if (!c)
		return nfc_errf(err, "chain '%s' does not exist", chain);
	if (json_object_object_get_ex(c, "attach", &arr))
		for (i = 0; i < json_object_array_length(arr); i++) {
			r = root_detach(json_object_array_get_idx(arr, i), err);
			if (r)
				return r;
		}
	r = nfc_chains_mmap(h, err);
	if (r)
		return r;
	flip(h, nfc_ji(c, "id"), 0);
	grace_period();
	block_clear(h, nfc_ji(c, "block"));
	nfc_path(dir, sizeof(dir), "%s/chains/%s", h->bpffs, chain);
	nfc_rmtree(dir);
	json_object_object_del(nfc_state_chains(h), chain);
	return nfc_state_save(h, err);
}
