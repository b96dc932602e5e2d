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
 * version, its pins and the state file as they were (but for the new
 * program id of an XDP root put back, see attach.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "txn.h"

void nfc_txn_warn(struct txn *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->res || t->res->n_warnings >= NFC_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(t->res->warnings[t->res->n_warnings++], NFC_WARN_LEN, fmt,
		  ap);
	va_end(ap);
}

/* A chain id (new chains) and a free block for the new version. Every
 * chain holds one block and one more is spare (NFC_MAX_BLOCKS), so only a
 * new chain can run out: of ids. What the kernel runs counts as used too,
 * whatever the state says. */
static int alloc_id_block(struct txn *t)
{
	bool id_used[NFC_MAX_CHAINS] = { true };
	bool blk_used[NFC_MAX_BLOCKS] = { true };
	const struct nfc_state *s = nfc_state(t->h);
	const __u64 *active = t->h->chains_mm;
	__u32 i;
	int c;

	for (c = 0; c < s->n_chains; c++) {
		id_used[s->chains[c].id] = true;
		blk_used[s->chains[c].block] = true;
	}
	for (i = 0; active && i < NFC_MAX_CHAINS; i++) {
		__u64 a = __atomic_load_n(&active[i], __ATOMIC_RELAXED);

		if (!a)
			continue;
		id_used[i] = true;
		if (NFC_ACTIVE_BLOCK(a) < NFC_MAX_BLOCKS)
			blk_used[NFC_ACTIVE_BLOCK(a)] = true;
	}
	if (t->old) {
		t->id = t->old->id;
		t->version = t->old->version + 1;
	} else {
		for (i = 1; i < NFC_MAX_CHAINS && id_used[i]; i++)
			;
		if (i == NFC_MAX_CHAINS)
			return nfc_errf(t->err, -ENOSPC,
					"chain '%s': this host holds %d chains, the most it can (the build's NFC_MAX_CHAINS; see nfctl chain capacity)",
					txn_chain(t), NFC_MAX_CHAINS - 1);
		t->id = i;
		t->version = 1;
	}
	for (i = 1; i < NFC_MAX_BLOCKS && blk_used[i]; i++)
		;
	if (i == NFC_MAX_BLOCKS)
		return nfc_errf(t->err, -ENOSPC,
				"chain '%s': no free block (%d in use)",
				txn_chain(t), NFC_MAX_BLOCKS - 1);
	t->block = i;
	return 0;
}

/* The state file must describe what the kernel runs: a state written by a
 * transaction that died between the switch and the save, or restored from
 * elsewhere, would have the builder reuse a live block. */
static int check_running(struct txn *t)
{
	const struct nfc_chain_info *o = t->old;
	__u64 a;

	if (!o || !t->h->chains_mm)
		return 0;
	a = __atomic_load_n(&t->h->chains_mm[o->id], __ATOMIC_RELAXED);
	if (a == nfc_chain_active(o->block, o->version, o->nocache))
		return 0;
	return nfc_errf(t->err, -EUCLEAN,
			"chain '%s': the kernel runs block %u version %u, the state file says block %u version %u: the state is stale; delete the chain and apply it again",
			txn_chain(t), NFC_ACTIVE_BLOCK(a), NFC_ACTIVE_VERSION(a),
			o->block, o->version);
}

static int prog_array_fd(struct nfc_handle *h, int kind)
{
	char name[32];

	snprintf(name, sizeof(name), "nfc_progs_%s", nfc_kind_str(kind));
	return nfc_global_map_fd(h, name);
}

static int block_fill(struct txn *t)
{
	int fds[NFC_OBJ_MAX] = { -1, -1 };
	int i, k, hops, r = 0;

	hops = nfc_global_map_fd(t->h, "nfc_hops");
	if (hops < 0)
		return nfc_errf(t->err, hops, "chain '%s': map 'nfc_hops': %s",
				txn_chain(t), strerror(-hops));
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		if (!(t->kinds & (1u << k)))
			continue;
		fds[k] = prog_array_fd(t->h, k);
		if (fds[k] < 0) {
			r = nfc_errf(t->err, fds[k],
				     "chain '%s': program array (%s): %s",
				     txn_chain(t), nfc_kind_str(k),
				     strerror(-fds[k]));
			goto out;
		}
	}
	t->block_filled = true;
	for (i = 0; i < t->d->n_nodes; i++) {
		const struct nfc_node *n = &t->d->nodes[i];
		__u32 slot = t->block * NFC_BLOCK_SIZE + n->hop;
		struct nfc_hop hop = { .counter = t->inst[i].counter };

		memcpy(hop.next, n->next, sizeof(hop.next));
		if (bpf_map_update_elem(hops, &slot, &hop, BPF_ANY)) {
			r = nfc_errf(t->err, -errno, "chain '%s': hop table: %s",
				     txn_chain(t), strerror(errno));
			goto out;
		}
		for (k = 0; k < NFC_OBJ_MAX; k++) {
			if (fds[k] < 0)
				continue;
			if (bpf_map_update_elem(fds[k], &slot,
						&t->inst[i].prog_fd[k], BPF_ANY)) {
				r = nfc_errf(t->err, -errno,
					     "chain '%s': node '%s': program array slot %u: %s",
					     txn_chain(t), n->name, slot,
					     strerror(errno));
				goto out;
			}
		}
	}
out:
	for (k = 0; k < NFC_OBJ_MAX; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	close(hops);
	return r;
}

/* Empty a block: its program slots, and hop entries that drop. */
static void block_clear(struct nfc_handle *h, __u32 block)
{
	struct nfc_hop none;
	int k, fd, hops = nfc_global_map_fd(h, "nfc_hops");
	__u32 s;

	memset(&none, 0, sizeof(none));
	memset(none.next, NFC_NEXT_DROP, sizeof(none.next));
	for (k = 0; k < NFC_OBJ_MAX; k++) {
		fd = prog_array_fd(h, k);
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

static void flip(struct nfc_handle *h, __u32 id, __u64 val)
{
	__atomic_store_n(&h->chains_mm[id], val, __ATOMIC_SEQ_CST);
}

/* The chain as the state records it once the switch is done. */
static int state_entry(struct txn *t, struct nfc_chain_info *c)
{
	int i, k;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", txn_chain(t));
	c->id = t->id;
	c->version = t->version;
	c->block = t->block;
	c->kinds = t->kinds;
	c->vxlan_port = t->d->vxlan_port;
	c->nocache = !t->d->flow_cache;
	c->file = strdup(t->d->file);
	c->descriptor = strdup(t->d->text);
	c->overrides = calloc(t->n_overrides + 1, sizeof(*c->overrides));
	c->attach = calloc(t->n_roots + 1, sizeof(*c->attach));
	c->nodes = calloc(t->d->n_nodes + 1, sizeof(*c->nodes));
	if (!c->file || !c->descriptor || !c->overrides || !c->attach ||
	    !c->nodes) {
		nfc_chain_info__clear(c);
		return -ENOMEM;
	}
	c->n_overrides = t->n_overrides;
	memcpy(c->overrides, t->overrides,
	       t->n_overrides * sizeof(*c->overrides));
	c->n_attach = t->n_roots;
	for (i = 0; i < t->n_roots; i++)
		c->attach[i] = t->roots[i].info;
	c->n_nodes = t->d->n_nodes;
	for (i = 0; i < t->d->n_nodes; i++) {
		const struct nfc_node *n = &t->d->nodes[i];
		struct nfc_node_info *ni = &c->nodes[i];

		snprintf(ni->name, sizeof(ni->name), "%s", n->name);
		snprintf(ni->module, sizeof(ni->module), "%s", n->mod->name);
		snprintf(ni->version, sizeof(ni->version), "%s",
			 n->mod->version);
		ni->hop = n->hop;
		ni->gen = t->inst[i].gen;
		ni->counter = t->inst[i].counter;
		ni->lpm_slot = t->inst[i].lpm_slot;
		memcpy(ni->hash, t->inst[i].hash, sizeof(ni->hash));
		for (k = 0; k < NFC_OBJ_MAX; k++)
			if (t->inst[i].prog_fd[k] >= 0)
				ni->prog_id[k] = t->inst[i].prog_id[k];
	}
	return 0;
}

/* Undo everything the transaction did before the switch. */
static void rollback(struct txn *t)
{
	nfc_txn_attach_rollback(t);
	if (t->n_detached)
		nfc_state_save(t->h, NULL); /* put-back roots' program ids */
	if (t->block_filled)
		block_clear(t->h, t->block);
	nfc_txn_instances_rollback(t);
}

static int prepare(struct txn *t)
{
	int i, k, r = 0;

	for (i = 0; i < t->d->n_attach; i++)
		t->kinds |= 1u << nfc_hook_objkind(t->d->attach[i].hook);
	t->inst = calloc(t->d->n_nodes, sizeof(*t->inst));
	if (!t->inst)
		return -ENOMEM;
	for (i = 0; i < t->d->n_nodes; i++)
		for (k = 0; k < NFC_OBJ_MAX; k++)
			t->inst[i].prog_fd[k] = -1;
	for (k = 0; !r && !t->dry_run && k < NFC_OBJ_MAX; k++)
		if (t->kinds & (1u << k))
			r = nfc_infra_ensure(t->h, k, t->err);
	if (!r && !t->dry_run)
		r = nfc_chains_mmap(t->h, t->err);
	if (!r)
		r = check_running(t);
	return r ?: alloc_id_block(t);
}

int nfc_txn_run(struct txn *t)
{
	struct nfc_apply_result *res = t->res;
	char path[PATH_MAX], tmp[PATH_MAX];
	struct nfc_chain_info entry;
	__u32 old_block = t->old ? t->old->block : 0;
	int i, r, fd;

	r = prepare(t);
	if (!r)
		r = nfc_txn_load_instances(t);
	res->load_ms = nfc_now_ms() - t->t0;
	for (i = 0; t->inst && i < t->d->n_nodes; i++)
		res->loaded += t->inst[i].node && !t->inst[i].kept;
	if (r || t->dry_run)
		goto fail;
	r = block_fill(t);
	if (!r)
		r = nfc_txn_attach(t);
	if (!r && !t->old) {
		/* a new chain starts with zeroed counters */
		fd = nfc_global_map_fd(t->h, "nfc_chain_stats");
		r = fd < 0 ? fd :
			     nfc_percpu_zero(fd, t->id,
					     sizeof(struct nfc_chain_stats));
		if (fd >= 0)
			close(fd);
		if (r)
			nfc_errf(t->err, r, "chain '%s': counters: %s",
				 txn_chain(t), strerror(-r));
		else
			r = nfc_chain_gen_bump(t->h, t->id, t->err);
	}
	if (!r)
		r = state_entry(t, &entry);
	if (!r) {
		/* the flood domains of the new version's ports (ahead of
		 * the switch: the old version floods to them briefly) */
		r = nfc_flood_sync(t->h, &entry, t->err);
		if (r)
			nfc_chain_info__clear(&entry);
	}
	if (!r) {
		/* the new state is written before the switch, so that after
		 * it only a rename is left to fail */
		nfc_state_path(t->h, path, sizeof(path));
		r = nfc_state__stage(t->h->state, &entry, path, tmp,
				     sizeof(tmp), t->err);
		if (r)
			nfc_chain_info__clear(&entry);
	}
	if (r)
		goto fail;

	/* the switch: one atomic store */
	flip(t->h, t->id,
	     nfc_chain_active(t->block, t->version, !t->d->flow_cache));
	res->flip_ms = nfc_now_ms() - t->t0;
	r = nfc_state__commit(tmp, path, t->err);

	if (t->old) {
		nfc_txn_detach_dropped(t);
		nfc_grace_period();
		block_clear(t->h, old_block);
		nfc_txn_unpin_unused(t);
	}
	if (nfc_state__put_chain(t->h->state, &entry)) {
		nfc_chain_info__clear(&entry);
		r = r ?: -ENOMEM;
	}
	res->version = t->version;
	res->block = t->block;
	res->total_ms = nfc_now_ms() - t->t0;
	return r;
fail:
	if (!t->dry_run) {
		rollback(t);
		if (t->old)
			nfc_flood_sync(t->h, t->old, NULL);
		else if (t->id)
			nfc_flood_forget(t->h, t->id);
	}
	return r;
}

/*
 * A running chain stays at its hook type (xdp or tc). Moving it is not a
 * version switch: while the new roots are attached beside the old ones,
 * packets pass XDP's root and then TC's, or meet a block that only the
 * other hook's program array holds and are dropped as missed tail calls.
 */
static int check_kinds(struct txn *t)
{
	unsigned int kinds = 0;
	int i;

	if (!t->old)
		return 0;
	for (i = 0; i < t->d->n_attach; i++)
		kinds |= 1u << nfc_hook_objkind(t->d->attach[i].hook);
	if (kinds == t->old->kinds)
		return 0;
	return nfc_errf(t->err, -EINVAL,
			"chain '%s' runs at %s: a descriptor cannot move it to %s without dropping packets: delete the chain and apply it again, or apply it under another name and then delete this one",
			txn_chain(t),
			t->old->kinds & (1u << NFC_OBJ_XDP) ? "xdp" : "tc",
			kinds & (1u << NFC_OBJ_XDP) ? "xdp" : "tc");
}

/* An interface's hook at one priority runs one chain: a second filter at
 * the same tc priority would take over every packet silently (the newest
 * runs first), and libxdp's dispatcher orders equal priorities by name. */
static int check_conflicts(struct txn *t)
{
	const struct nfc_state *s = nfc_state(t->h);
	__u64 here = nfc_netns_id();
	int i, c, j;

	/* a chain changes where it runs: its attachments' ifindexes name
	 * interfaces there alone */
	for (j = 0; t->old && here && j < t->old->n_attach; j++)
		if (t->old->attach[j].netns && t->old->attach[j].netns != here)
			return nfc_errf(t->err, -EXDEV,
					"chain '%s' runs in another network namespace (net:[%llu]; this is net:[%llu]): apply it there, or delete it there first",
					txn_chain(t),
					(unsigned long long)t->old->attach[j].netns,
					(unsigned long long)here);
	/* an ifindex names an interface of one network namespace */
	for (i = 0; i < t->d->n_attach; i++) {
		const struct nfc_attach *a = &t->d->attach[i];

		for (c = 0; c < s->n_chains; c++) {
			const struct nfc_chain_info *o = &s->chains[c];

			if (!strcmp(o->name, txn_chain(t)))
				continue;
			for (j = 0; j < o->n_attach; j++)
				if ((!o->attach[j].netns || !here ||
				     o->attach[j].netns == here) &&
				    o->attach[j].ifindex == a->ifindex &&
				    o->attach[j].hook == a->hook &&
				    o->attach[j].priority == a->priority)
					return nfc_errf(t->err, -EBUSY,
							"%s:%d:%d: attach[%d]: %s at %s, priority %u, runs chain '%s' already: give this chain another priority",
							t->d->file, a->line, a->col, i,
							a->ifname, nfc_hook_str(a->hook),
							a->priority, o->name);
		}
	}
	return 0;
}

void nfc_txn_free(struct txn *t)
{
	int i;

	nfc_txn_instances_free(t);
	for (i = 0; i < t->n_roots; i++)
		if (t->roots[i].replaced_fd >= 0)
			close(t->roots[i].replaced_fd);
	free(t->roots);
	free(t->detached);
	nfc_descriptor__free(t->d);
}

int nfc_chain__apply(struct nfc_handle *h, const char *path,
		     const struct nfc_apply_opts *opts,
		     struct nfc_apply_result *res, struct nfc_err *err)
{
	struct nfc_apply_result local;
	struct txn t = { .h = h, .err = err, .t0 = nfc_now_ms() };
	char abspath[PATH_MAX];
	int r;

	if (!NFC_OPTS_VALID(opts, nfc_apply_opts, dry_run))
		return nfc_errf(err, -EINVAL, "nfc_chain__apply: unknown options");
	t.res = res ?: &local;
	memset(t.res, 0, sizeof(*t.res));
	t.dry_run = NFC_OPTS_GET(opts, dry_run, false);
	r = nfc_descriptor__parse_file(&t.d, path, nfc_catalog(h), NULL, err);
	if (r)
		return r;
	if (realpath(path, abspath)) {
		free(t.d->file);
		t.d->file = strdup(abspath);
		if (!t.d->file) {
			nfc_txn_free(&t);
			return -ENOMEM;
		}
	}
	t.old = nfc_state__chain(h->state, t.d->chain);
	r = check_kinds(&t) ?: check_conflicts(&t);
	if (r) {
		nfc_txn_free(&t);
		return r;
	}
	nfc_txn_warn_hooks(&t);
	r = nfc_txn_run(&t);
	nfc_txn_free(&t);
	return r;
}

int nfc_chain__delete(struct nfc_handle *h, const char *chain,
		      struct nfc_err *err)
{
	struct nfc_chain_info *c = nfc_state__chain(h->state, chain);
	char dir[PATH_MAX];
	int i, r;

	if (!c) {
		/* a first apply that was killed before its state was saved
		 * leaves pins no state knows of: delete removes them */
		if (nfc_name_ok(chain) &&
		    !nfc_path(dir, sizeof(dir), "%s/chains/%s", h->bpffs, chain) &&
		    !access(dir, F_OK)) {
			nfc_rmtree(dir);
			nfc_pr(NFC_WARN, "chain '%s' does not exist; removed the pins an interrupted apply left (%s)\n",
			       chain, dir);
			return 0;
		}
		return nfc_errf(err, -ENOENT, "chain '%s' does not exist", chain);
	}
	for (i = 0; i < c->n_attach; i++) {
		r = nfc_root_detach(&c->attach[i], err);
		if (r)
			return nfc_errf(err, r, "chain '%s': not deleted",
					chain);
	}
	r = nfc_chains_mmap(h, err);
	if (r)
		return r;
	flip(h, c->id, 0);
	nfc_grace_period();
	block_clear(h, c->block);
	/* no packet runs the chain now: what it cached and counted per rule
	 * goes (a warning at worst: delete goes on) */
	r = nfc_flows_forget_zone(h, c->id);
	for (i = 0; !r && i < c->n_nodes; i++)
		r = nfc_rule_stats_forget(h, c->nodes[i].counter);
	nfc_txn_lpm_forget(h, c);
	nfc_flood_forget(h, c->id);
	if (r)
		nfc_pr(NFC_WARN, "chain '%s': its flow cache entries and rule counters: %s\n",
		       chain, strerror(-r));
	nfc_path(dir, sizeof(dir), "%s/chains/%s", h->bpffs, chain);
	nfc_rmtree(dir);
	nfc_state__del_chain(h->state, chain);
	return nfc_state_save(h, err);
}

int nfc_chain__root_prog(struct nfc_handle *h, const char *chain,
			 enum nfc_objkind kind, struct nfc_err *err)
{
	const struct nfc_chain_info *c = nfc_state__chain(h->state, chain);
	struct nfc_obj o;
	char what[96];
	int r, fd;

	if (!c)
		return nfc_errf(err, -ENOENT, "chain '%s' does not exist", chain);
	r = nfc_root_open(h, chain, c->id, c->vxlan_port,
			  c->n_attach ? c->attach[0].tenant : 0, kind, &o, err);
	if (r)
		return r;
	snprintf(what, sizeof(what), "chain '%s': root program (%s)", chain,
		 nfc_kind_str(kind));
	r = nfc_obj_load(&o, what, err);
	fd = r ? r : dup(bpf_program__fd(bpf_object__next_program(o.obj, NULL)));
	if (fd < 0 && !r)
		fd = -errno;
	nfc_obj_close(&o);
	return fd;
}
