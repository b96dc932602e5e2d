// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Node instances of a new chain version. Per node, in this order:
 *
 *  - kept: same module, version and config as the running instance: its
 *    programs are reused as they are, nothing is loaded;
 *  - reloaded with its maps: the config is unchanged (a version change)
 *    or the node is being hot-swapped: every map both versions have is
 *    taken over (refused, naming the map, when its type, sizes or flags
 *    differ), a table both manifests declare must be laid out the same;
 *    maps only the new version has start empty, the old version's other
 *    maps go with its generation;
 *  - loaded anew: fresh maps, filled from the descriptor's config lists.
 *
 * Every load runs the verifier; each (re)loaded instance is pinned as a
 * new generation under <pin root>/chains/CHAIN/NODE/gN. An instance keeps
 * its counters (nfc_node_stats entry) for as long as its chain has a node
 * of its name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "txn.h"

/* Identity of a node's module and configuration (not its version): same
 * hash, same tables and rodata. FNV-1a. */
static void node_hash(const struct nfc_node *n, char out[17])
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
	snprintf(out, 17, "%016llx", (unsigned long long)x);
}

static void what_of(const struct txn *t, const struct inst *in, int kind,
		    char *buf, size_t len)
{
	const struct nfc_module *m = in->node->mod;

	snprintf(buf, len, "chain '%s': node '%s' (%s@%s, %s)", txn_chain(t),
		 in->node->name, m->name, m->version, nfc_kind_str(kind));
}

static bool is_instance_map(struct bpf_map *m)
{
	return !bpf_map__is_internal(m) && !bpf_map__pin_path(m);
}

/* What differs between two declarations of one side of a table. */
static bool fields_differ(const struct nfc_field *a, int na,
			  const struct nfc_field *b, int nb, const char *side,
			  char *why, size_t len)
{
	int i, j;

	if (na != nb) {
		snprintf(why, len, "its %s has %d field(s) there, %d here",
			 side, na, nb);
		return true;
	}
	for (i = 0; i < na; i++) {
		if (strcmp(a[i].name, b[i].name)) {
			snprintf(why, len, "%s field %d is '%s' there, '%s' here",
				 side, i, a[i].name, b[i].name);
			return true;
		}
		if (a[i].type != b[i].type || a[i].offset != b[i].offset ||
		    a[i].size != b[i].size) {
			snprintf(why, len,
				 "%s field '%s' is a %s at offset %u (%u bytes) there, a %s at offset %u (%u bytes) here",
				 side, a[i].name, nfc_ftype_str(a[i].type),
				 a[i].offset, a[i].size,
				 nfc_ftype_str(b[i].type), b[i].offset,
				 b[i].size);
			return true;
		}
		for (j = 0; j < a[i].n_values || j < b[i].n_values; j++) {
			if (j < a[i].n_values && j < b[i].n_values &&
			    !strcmp(a[i].values[j], b[i].values[j]))
				continue;
			snprintf(why, len, "%s field '%s' has other values",
				 side, a[i].name);
			return true;
		}
	}
	return false;
}

/* Tables both versions declare must mean the same bytes. */
static int check_tables(struct txn *t, struct inst *in)
{
	const struct nfc_module *m = in->node->mod, *o;
	char why[256];
	int i;

	o = nfc_catalog__find(nfc_catalog(t->h), in->old->module,
			      in->old->version);
	for (i = 0; o && i < m->n_tables; i++) {
		const struct nfc_table *b = &m->tables[i];
		const struct nfc_table *a = nfc_module__table(o, b->name);

		if (!a)
			continue;
		if (a->lpm_family != b->lpm_family ||
		    nfc_lpm_table_index(o, a) != nfc_lpm_table_index(m, b))
			return nfc_errf(t->err, -EINVAL,
					"chain '%s': node '%s': table '%s' of %s@%s is not the LPM table it is in %s@%s (family or place among the LPM tables differ): its prefixes cannot go on",
					txn_chain(t), in->node->name, b->name,
					m->name, m->version, o->name,
					o->version);
		if (fields_differ(a->key, a->n_key, b->key, b->n_key, "key",
				  why, sizeof(why)) ||
		    fields_differ(a->value, a->n_value, b->value, b->n_value,
				  "value", why, sizeof(why)))
			return nfc_errf(t->err, -EINVAL,
					"chain '%s': node '%s': %s@%s lays out table '%s' differently than %s@%s: %s",
					txn_chain(t), in->node->name, m->name,
					m->version, b->name, o->name,
					o->version, why);
	}
	return 0;
}

/* Maps of an instance come from (in order): the same instance's other hook
 * object, the previous generation (@prev_dir), or are new. */
static int reuse_maps(struct txn *t, struct inst *in, int kind,
		      const char *prev_dir)
{
	struct bpf_object *obj = in->obj[kind].obj;
	char path[PATH_MAX], why[128];
	struct bpf_map *m, *o;
	int k, fd, r;

	bpf_object__for_each_map(m, obj) {
		if (!is_instance_map(m))
			continue;
		fd = -1;
		for (k = 0; k < kind && fd < 0; k++) {
			if (!in->obj[k].obj)
				continue;
			o = bpf_object__find_map_by_name(in->obj[k].obj,
							 bpf_map__name(m));
			if (o)
				fd = dup(bpf_map__fd(o));
		}
		if (fd < 0 && prev_dir) {
			nfc_path(path, sizeof(path), "%s/maps/%s", prev_dir,
				 bpf_map__name(m));
			fd = bpf_obj_get(path);
			if (fd < 0 && errno != ENOENT)
				return nfc_errf(t->err, -errno, "%s: %s", path,
						strerror(errno));
			if (fd >= 0 && !nfc_map_compatible(fd, m, why,
							   sizeof(why))) {
				close(fd);
				return nfc_errf(t->err, -EINVAL,
						"chain '%s': node '%s': %s@%s cannot take over map '%s' of %s@%s: %s",
						txn_chain(t), in->node->name,
						in->node->mod->name,
						in->node->mod->version,
						bpf_map__name(m),
						in->old->module,
						in->old->version, why);
			}
		}
		if (fd < 0)
			continue;
		r = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (r)
			return nfc_errf(t->err, r,
					"chain '%s': node '%s': map '%s': reuse: %s",
					txn_chain(t), in->node->name,
					bpf_map__name(m), strerror(-r));
	}
	return 0;
}

static int fill_tables(struct txn *t, struct inst *in, struct bpf_object *obj)
{
	const struct nfc_node *n = in->node;
	int i, j, fd;

	for (i = 0; i < n->n_fills; i++) {
		const struct nfc_table_fill *f = &n->fills[i];

		if (f->table->lpm_family)
			continue; /* lpm_tables() fills those */
		fd = bpf_map__fd(bpf_object__find_map_by_name(obj, f->table->map));
		for (j = 0; j < f->n; j++) {
			if (bpf_map_update_elem(fd, f->keys + j * f->table->key_size,
						f->values + j * f->table->value_size,
						BPF_ANY))
				return nfc_errf(t->err, -errno,
						"chain '%s': node '%s': table '%s': entry %d: %s",
						txn_chain(t), n->name,
						f->table->name, j + 1,
						strerror(errno));
		}
	}
	return 0;
}

/* The maps config key @k sizes (its manifest's `sizes`): max_entries its
 * value @bytes (a u32) times each one's factor. */
static int set_sizes(struct bpf_object *obj, const struct nfc_field *k,
		     const void *bytes, char *msg, size_t len)
{
	struct bpf_map *m;
	__u64 entries;
	__u32 v;
	int i, r;

	if (!k->n_sizes)
		return 0;
	memcpy(&v, bytes, sizeof(v));
	for (i = 0; i < k->n_sizes; i++) {
		entries = (__u64)v * k->sizes[i].factor;
		if (!v || entries > 0x7fffffffULL) {
			snprintf(msg, len, "%u makes map '%s' %llu entries (1 to %u)",
				 v, k->sizes[i].map, (unsigned long long)entries,
				 0x7fffffffU);
			return -ERANGE;
		}
		m = bpf_object__find_map_by_name(obj, k->sizes[i].map);
		if (!m) {
			snprintf(msg, len, "the object has no map '%s' to size",
				 k->sizes[i].map);
			return -ENOENT;
		}
		r = bpf_map__set_max_entries(m, entries);
		if (r) {
			snprintf(msg, len, "map '%s': %s", k->sizes[i].map,
				 strerror(-r));
			return r;
		}
	}
	return 0;
}

static int set_config(struct txn *t, struct inst *in, struct bpf_object *obj)
{
	const struct nfc_node *n = in->node;
	char msg[256];
	int i, r;

	for (i = 0; i < n->n_cfg; i++) {
		const struct nfc_field *k = n->cfg[i].key;

		r = set_sizes(obj, k, n->cfg[i].bytes, msg, sizeof(msg));
		if (!r && k->rodata)
			r = nfc_obj_set_rodata(obj, k->rodata, n->cfg[i].bytes,
					       k->size, msg, sizeof(msg));
		if (r)
			return nfc_errf(t->err, r,
					"chain '%s': node '%s': config '%s': %s",
					txn_chain(t), n->name, k->name, msg);
	}
	/* each LPM table: its id, of this instance and slot */
	for (i = 0; i < n->mod->n_tables; i++) {
		const struct nfc_table *tb = &n->mod->tables[i];
		__u32 id;

		if (!tb->lpm_family)
			continue;
		id = nfc_lpm_instance_id(in->counter,
					 nfc_lpm_table_index(n->mod, tb),
					 in->lpm_slot);
		r = nfc_obj_set_rodata(obj, tb->lpm_id, &id, sizeof(id), msg,
				       sizeof(msg));
		if (r)
			return nfc_errf(t->err, r,
					"chain '%s': node '%s': table '%s': %s",
					txn_chain(t), n->name, tb->name, msg);
	}
	return 0;
}

static bool has_lpm(const struct nfc_module *m)
{
	int i;

	for (i = 0; m && i < m->n_tables; i++)
		if (m->tables[i].lpm_family)
			return true;
	return false;
}

/* The LPM store when one exists (NULL, not made, when none does). */
static struct nfc_lpm *lpm_store(struct nfc_handle *h)
{
	struct nfc_lpm *l = NULL;
	int fd = nfc_global_map_fd(h, "nfc_lpm_tables");

	if (fd < 0)
		return NULL;
	close(fd);
	if (nfc_lpm_open_runtime(h, &l, NULL))
		return NULL;
	return l;
}

/* The descriptor's entries of LPM table @tb into table @id. */
static int lpm_fill(struct txn *t, struct inst *in, struct nfc_lpm *l,
		    const struct nfc_table *tb, __u32 id)
{
	const struct nfc_node *n = in->node;
	struct nfc_lpm_prefix *p;
	__u32 alen = tb->lpm_family == AF_INET ? 4 : 16, plen;
	int i, j, r = 0;

	for (i = 0; !r && i < n->n_fills; i++) {
		const struct nfc_table_fill *f = &n->fills[i];

		if (f->table != tb || !f->n)
			continue;
		p = calloc(f->n, sizeof(*p));
		if (!p)
			return -ENOMEM;
		for (j = 0; j < f->n; j++) {
			const __u8 *k = f->keys + j * tb->key_size;

			memcpy(&plen, k, 4);
			p[j].family = tb->lpm_family;
			p[j].len = plen;
			memcpy(p[j].addr, k + 4, alen);
			memcpy(&p[j].value, f->values + j * tb->value_size, 4);
		}
		r = nfc_lpm__load(l, id, p, f->n, t->err);
		free(p);
	}
	return r;
}

/*
 * The instance's LPM tables. Fresh (a new instance, or one loaded anew):
 * those of its slot made anew and filled from the descriptor, while the
 * running generation reads the other slot's. Carried over: the running
 * generation's, as they are (made empty if they went missing).
 */
static int lpm_tables(struct txn *t, struct inst *in, bool fresh)
{
	const struct nfc_module *m = in->node->mod;
	struct nfc_lpm_info info;
	struct nfc_lpm *l;
	int i, r;

	if (!has_lpm(m) || t->dry_run)
		return 0;
	r = nfc_lpm_open_runtime(t->h, &l, t->err);
	if (r)
		return r;
	for (i = 0; !r && i < m->n_tables; i++) {
		const struct nfc_table *tb = &m->tables[i];
		int k = nfc_lpm_table_index(m, tb);
		__u32 id;

		if (!tb->lpm_family)
			continue;
		id = nfc_lpm_instance_id(in->counter, k, in->lpm_slot);
		if (!fresh && !nfc_lpm__info(l, id, &info) &&
		    info.family == tb->lpm_family)
			continue;
		nfc_lpm__destroy(l, id, NULL);
		NFC_OPTS(nfc_lpm_create_opts, co, .capacity = tb->lpm_capacity);
		r = nfc_lpm__create(l, id, tb->lpm_family, &co, t->err);
		if (!r) {
			in->lpm_made |= 1u << k;
			r = lpm_fill(t, in, l, tb, id);
		}
		if (r)
			nfc_errf(t->err, r, "chain '%s': node '%s': table '%s'",
				 txn_chain(t), in->node->name, tb->name);
	}
	nfc_lpm__close(l);
	return r;
}

void nfc_txn_lpm_forget(struct nfc_handle *h, const struct nfc_chain_info *c)
{
	struct nfc_lpm *l = lpm_store(h);
	int i;

	for (i = 0; l && i < c->n_nodes; i++)
		nfc_lpm_instance_forget(l, c->nodes[i].counter, -1);
	nfc_lpm__close(l);
}

static int pin_instance(struct txn *t, struct inst *in)
{
	char path[PATH_MAX];
	struct bpf_map *m;
	int k, r;

	nfc_rmtree(in->dir); /* what a crashed transaction left */
	nfc_path(path, sizeof(path), "%s/maps", in->dir);
	r = nfc_mkdirs(path);
	if (r)
		return nfc_errf(t->err, r, "%s: %s", path, strerror(-r));
	in->pinned = true;
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		if (!in->obj[k].obj)
			continue;
		nfc_path(path, sizeof(path), "%s/prog_%s", in->dir,
			 nfc_kind_str(k));
		if (bpf_obj_pin(in->prog_fd[k], path))
			return nfc_errf(t->err, -errno, "%s: pin: %s", path,
					strerror(errno));
		bpf_object__for_each_map(m, in->obj[k].obj) {
			if (!is_instance_map(m))
				continue;
			nfc_path(path, sizeof(path), "%s/maps/%s", in->dir,
				 bpf_map__name(m));
			if (!access(path, F_OK))
				continue; /* shared with the other hook's object */
			if (bpf_obj_pin(bpf_map__fd(m), path))
				return nfc_errf(t->err, -errno, "%s: pin: %s",
						path, strerror(errno));
		}
	}
	return 0;
}

static int load_object(struct txn *t, struct inst *in, int kind,
		       const char *prev_dir)
{
	const struct nfc_node *n = in->node;
	const char *path = n->mod->object[kind];
	struct bpf_program *prog;
	struct bpf_object *obj;
	char what[256];
	int r;

	what_of(t, in, kind, what, sizeof(what));
	if (!path)
		return nfc_errf(t->err, -EOPNOTSUPP, "%s: the module has no %s object",
				what, nfc_kind_str(kind));
	/* a dry run verifies with private copies of the global maps */
	r = nfc_obj_open(t->h, path, t->dry_run, what, &in->obj[kind], t->err);
	if (r)
		return r;
	obj = in->obj[kind].obj;
	prog = bpf_object__next_program(obj, NULL);
	r = nfc_obj_check_module(obj, n->mod, kind, what, t->err);
	if (!r)
		r = set_config(t, in, obj);
	if (!r)
		r = reuse_maps(t, in, kind, prev_dir);
	if (!r)
		r = nfc_obj_load(&in->obj[kind], what, t->err);
	if (r)
		return r;
	in->prog_fd[kind] = bpf_program__fd(prog);
	in->prog_id[kind] = nfc_prog_id(in->prog_fd[kind]);
	return 0;
}

static int load_instance(struct txn *t, struct inst *in)
{
	const struct nfc_node *n = in->node;
	char prev[PATH_MAX];
	const char *prev_dir = NULL;
	int k, r, first = -1;

	/* same module and config at another version, or a hot swap: the
	 * instance's maps go on with it */
	if (in->old && !strcmp(in->old->module, n->mod->name) &&
	    (!strcmp(in->old->hash, in->hash) ||
	     (t->swap_node && !strcmp(t->swap_node, n->name)))) {
		r = check_tables(t, in);
		if (r)
			return r;
		nfc_node_dir(t->h, prev, sizeof(prev), txn_chain(t), n->name,
			     in->old->gen);
		/* without the running generation's pins there is nothing to
		 * carry over: the tables start again from the descriptor */
		prev_dir = access(prev, F_OK) ? NULL : prev;
	}
	/* LPM tables: carried over, the running slot; loaded anew, the
	 * other one, filled while the running generation reads its own */
	if (prev_dir)
		in->lpm_slot = in->old->lpm_slot;
	else if (in->old && in->old->counter == in->counter)
		in->lpm_slot = !in->old->lpm_slot;
	else
		in->lpm_slot = 0;
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
		r = fill_tables(t, in, in->obj[first].obj);
		if (!r) {
			char where[2 * NFC_NAME_MAX + 32];

			snprintf(where, sizeof(where), "chain '%s': node '%s'",
				 txn_chain(t), n->name);
			r = nfc_compile_obj(in->obj[first].obj, n->mod->name,
					    where, t->err);
		}
		if (r)
			return r;
	}
	r = lpm_tables(t, in, !prev_dir);
	if (r)
		return r;
	return t->dry_run ? 0 : pin_instance(t, in);
}

/* Keep the running instance when nothing about it changed. */
static bool keep_instance(struct txn *t, struct inst *in)
{
	char path[PATH_MAX];
	int k;

	if (!in->old || strcmp(in->old->module, in->node->mod->name) ||
	    strcmp(in->old->version, in->node->mod->version) ||
	    strcmp(in->old->hash, in->hash) || t->old->kinds != t->kinds)
		return false;
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		if (!(t->kinds & (1u << k)))
			continue;
		nfc_path(path, sizeof(path), "%s/prog_%s", in->dir,
			 nfc_kind_str(k));
		in->prog_fd[k] = bpf_obj_get(path);
		if (in->prog_fd[k] < 0)
			return false; /* pins lost: load anew */
		in->prog_id[k] = nfc_prog_id(in->prog_fd[k]);
	}
	in->kept = true;
	in->lpm_slot = in->old->lpm_slot;
	return true;
}

static const struct nfc_node_info *old_node(struct txn *t, const char *name)
{
	int i;

	for (i = 0; t->old && i < t->old->n_nodes; i++)
		if (!strcmp(t->old->nodes[i].name, name))
			return &t->old->nodes[i];
	return NULL;
}

/* Counter entries in use by every chain (this one's running version
 * included) and taken by this transaction so far. */
static int alloc_counter(struct txn *t, __u8 *used, struct inst *in)
{
	const struct nfc_state *s = nfc_state(t->h);
	__u32 c;
	int i, j, fd, r;

	/* counters belong to the instance: a node of another module under
	 * the same name is another instance */
	if (in->old && !strcmp(in->old->module, in->node->mod->name)) {
		in->counter = in->old->counter;
		return 0;
	}
	if (!used[0]) {
		used[0] = 1; /* entry 0 belongs to no instance */
		/* the running instance keeps its entry until the switch */
		for (i = 0; i < s->n_chains; i++)
			for (j = 0; j < s->chains[i].n_nodes; j++) {
				c = s->chains[i].nodes[j].counter;
				used[c / 8] |= 1 << (c % 8);
			}
	}
	for (c = 1; c < NFC_MAX_INSTANCES && (used[c / 8] & (1 << (c % 8)));
	     c++)
		;
	if (c == NFC_MAX_INSTANCES)
		return nfc_errf(t->err, -ENOSPC,
				"chain '%s': node '%s': all %d node instances are in use (the build's NFC_MAX_INSTANCES; see nfctl chain capacity)",
				txn_chain(t), in->node->name,
				NFC_MAX_INSTANCES - 1);
	used[c / 8] |= 1 << (c % 8);
	in->counter = c;
	if (t->dry_run)
		return 0;
	/* a new instance starts from zero, its rules too */
	fd = nfc_global_map_fd(t->h, "nfc_node_stats");
	r = fd < 0 ? fd : nfc_percpu_zero(fd, c, sizeof(struct nfc_node_stats));
	if (fd >= 0)
		close(fd);
	if (!r)
		r = nfc_rule_stats_forget(t->h, c);
	if (r)
		return nfc_errf(t->err, r, "chain '%s': node '%s': counters: %s",
				txn_chain(t), in->node->name, strerror(-r));
	/* and its LPM tables from none (a crash may have left some) */
	if (has_lpm(in->node->mod)) {
		struct nfc_lpm *l = lpm_store(t->h);

		if (l)
			nfc_lpm_instance_forget(l, c, -1);
		nfc_lpm__close(l);
	}
	return 0;
}

int nfc_txn_load_instances(struct txn *t)
{
	__u8 used[(NFC_MAX_INSTANCES + 7) / 8] = {};
	int i, k, r;

	for (i = 0; i < t->d->n_nodes; i++) {
		struct inst *in = &t->inst[i];

		in->node = &t->d->nodes[i];
		in->old = old_node(t, in->node->name);
		node_hash(in->node, in->hash);
		for (k = 0; k < NFC_OBJ_MAX; k++)
			in->prog_fd[k] = -1;
		r = alloc_counter(t, used, in);
		if (r)
			return r;
		in->gen = in->old ? in->old->gen : 0;
		nfc_node_dir(t->h, in->dir, sizeof(in->dir), txn_chain(t),
			     in->node->name, in->gen);
		if (!t->dry_run && keep_instance(t, in))
			continue;
		for (k = 0; k < NFC_OBJ_MAX; k++) {
			if (in->prog_fd[k] >= 0)
				close(in->prog_fd[k]);
			in->prog_fd[k] = -1;
		}
		in->gen++;
		nfc_node_dir(t->h, in->dir, sizeof(in->dir), txn_chain(t),
			     in->node->name, in->gen);
		r = load_instance(t, in);
		if (r)
			return r;
	}
	return 0;
}

/* After the switch: unpin generations of nodes the new version no longer
 * runs, and nodes it no longer has. */
void nfc_txn_unpin_unused(struct txn *t)
{
	struct nfc_lpm *l = NULL;
	char dir[PATH_MAX];
	bool opened = false;
	int i, j;

	for (i = 0; t->old && i < t->old->n_nodes; i++) {
		const struct nfc_node_info *n = &t->old->nodes[i];
		bool live = false, named = false, slot_used = false;

		for (j = 0; j < t->d->n_nodes; j++) {
			slot_used |= t->inst[j].counter == n->counter &&
				     t->inst[j].lpm_slot == (int)n->lpm_slot;
			if (strcmp(t->d->nodes[j].name, n->name))
				continue;
			named = true;
			live = t->inst[j].gen == n->gen;
		}
		if (live)
			continue;
		/* its LPM tables, unless the new generation runs them */
		if (!slot_used) {
			if (!opened)
				l = lpm_store(t->h);
			opened = true;
			if (l)
				nfc_lpm_instance_forget(l, n->counter,
							n->lpm_slot);
		}
		nfc_node_dir(t->h, dir, sizeof(dir), txn_chain(t), n->name,
			     n->gen);
		nfc_rmtree(dir);
		if (!named) {
			nfc_path(dir, sizeof(dir), "%s/chains/%s/%s",
				 t->h->bpffs, txn_chain(t), n->name);
			nfc_rmtree(dir);
		}
	}
	nfc_lpm__close(l);
}

/* Before the switch: remove what this transaction pinned. */
void nfc_txn_instances_rollback(struct txn *t)
{
	struct nfc_lpm *l = NULL;
	char dir[PATH_MAX];
	int i;

	/* LPM tables it made, and only those: a carried-over instance
	 * shares its slot with the running generation */
	for (i = 0; t->inst && i < t->d->n_nodes; i++) {
		const struct inst *in = &t->inst[i];
		int k;

		if (!in->lpm_made)
			continue;
		if (!l)
			l = lpm_store(t->h);
		for (k = 0; l && k < NFC_LPM_INSTANCE_TABLES; k++)
			if (in->lpm_made & (1u << k))
				nfc_lpm__destroy(l, nfc_lpm_instance_id(in->counter, k,
									in->lpm_slot),
						 NULL);
	}
	nfc_lpm__close(l);
	for (i = 0; t->inst && i < t->d->n_nodes; i++) {
		if (!t->inst[i].pinned)
			continue;
		nfc_rmtree(t->inst[i].dir);
		if (!t->inst[i].old) { /* a node directory only we made */
			nfc_path(dir, sizeof(dir), "%s/chains/%s/%s",
				 t->h->bpffs, txn_chain(t),
				 t->inst[i].node->name);
			rmdir(dir);
		}
	}
	if (!t->old) {
		nfc_path(dir, sizeof(dir), "%s/chains/%s", t->h->bpffs,
			 txn_chain(t));
		rmdir(dir);
	}
}

void nfc_txn_instances_free(struct txn *t)
{
	int i, k;

	for (i = 0; t->inst && i < t->d->n_nodes; i++) {
		for (k = 0; k < NFC_OBJ_MAX; k++) {
			if (t->inst[i].obj[k].obj)
				nfc_obj_close(&t->inst[i].obj[k]);
			else if (t->inst[i].prog_fd[k] >= 0)
				close(t->inst[i].prog_fd[k]);
		}
	}
	free(t->inst);
	t->inst = NULL;
}
