// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The flow slots (struct nfc_flow_slot, bpf/flow.h): each CPU's front of
 * the flow cache keeps the hits it served and has not yet added to any
 * counter; the datapath adds them when it folds the slot. Every reader of
 * counters (flows, chains, endpoints, rules) adds what the slots still
 * hold, read after its map, so that it shows every packet once: a fold
 * that runs between the two reads leaves its hits out of that one reading
 * (it never counts them twice, so a counter read in turn never goes back).
 *
 * A slot's hits belong to the chain that filled it: one made since under
 * the same id (nfc_chain_gen bumped) gets none of them, nor do its rules
 * and flows; the endpoints they passed do.
 *
 * And the flow epoch: a slot serves only while nfc_flow_epoch is what it
 * was when the slot was filled, so removing flow entries that slots may
 * hold (a flush, a chain's flows forgotten) bumps it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

/* Whether hit @v's chain is the one under its id now; @gens caches the
 * generations read (bit 32: read). */
static int slot_ours(int gen_fd, const struct nfc_slot_hit *v, __u64 *gens,
		     bool *ours)
{
	__u32 zone = v->key.zone, g;

	if (zone >= NFC_MAX_CHAINS) {
		*ours = false;
		return 0;
	}
	if (!(gens[zone] >> 32)) {
		if (bpf_map_lookup_elem(gen_fd, &zone, &g))
			return -errno;
		gens[zone] = 1ULL << 32 | g;
	}
	*ours = (__u32)gens[zone] == v->gen;
	return 0;
}

/* Slots read per batch call. */
#define SLOT_BATCH 256

/* Slot @e (index @idx, CPU @cpu) as a hit: its whole key from its
 * parallel part in @x (all CPUs' of @idx, read when first needed, *xread
 * set then) when it is wide. */
static int slot_hit_of(struct nfc_slot_hit *h, const struct nfc_flow_slot *e,
		       int ext_fd, __u32 idx, int cpu,
		       struct nfc_flow_slot_ext *x, bool *xread)
{
	if (e->key.wide && !*xread) {
		if (bpf_map_lookup_elem(ext_fd, &idx, x))
			return -errno;
		*xread = true;
	}
	memset(h, 0, sizeof(*h));
	nfc_slot_key_full(&h->key, &e->key, &x[cpu]);
	h->act = e->act;
	h->packets = e->packets;
	h->bytes = e->bytes;
	h->last_ns = e->last_ns;
	h->gen = e->gen;
	return 0;
}

int nfc_slot_hits_read(int fd, int ext_fd, int gen_fd,
		       struct nfc_slot_hits *sh)
{
	int ncpu = libbpf_num_possible_cpus(), cap = 0, c, r = 0;
	__u32 keys[SLOT_BATCH], in = 0, out = 0, n, i, j;
	struct nfc_flow_slot_ext *x = NULL;
	struct nfc_flow_slot *v = NULL, *e;
	__u64 *gens = NULL;
	bool first = true, xread;

	memset(sh, 0, sizeof(*sh));
	if (ncpu < 0)
		return ncpu;
	/* a per-CPU value is rounded up to 8 bytes per CPU */
	_Static_assert(sizeof(struct nfc_flow_slot) % 8 == 0 &&
			       sizeof(struct nfc_flow_slot_ext) % 8 == 0,
		       "a slot is whole 8-byte words");
	v = calloc((size_t)SLOT_BATCH * ncpu, sizeof(*v));
	x = calloc(ncpu, sizeof(*x));
	gens = calloc(NFC_MAX_CHAINS, sizeof(*gens));
	if (!v || !x || !gens) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; !r && i < NFC_FLOW_SLOTS; i += n) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		n = SLOT_BATCH;
		/* the batch call's cursor: where the last one stopped */
		if (bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, v,
					 &n, &o) &&
		    errno != ENOENT) {
			r = -errno;
			break;
		}
		first = false;
		if (!n)
			break;
		for (j = 0; !r && j < n; j++) {
			xread = false;
			for (c = 0; !r && c < ncpu; c++) {
				e = &v[(size_t)j * ncpu + c];
				if (!e->packets)
					continue;
				if (nfc_grow(&sh->v, &cap, sh->n,
					     sizeof(*sh->v)) ||
				    nfc_grow(&sh->ours, &sh->ours_cap, sh->n,
					     sizeof(*sh->ours))) {
					r = -ENOMEM;
					break;
				}
				r = slot_hit_of(&sh->v[sh->n], e, ext_fd,
						keys[j], c, x, &xread);
				r = r ?: slot_ours(gen_fd, &sh->v[sh->n], gens,
						   &sh->ours[sh->n]);
				sh->n++;
			}
		}
		in = out;
	}
out:
	free(v);
	free(x);
	free(gens);
	if (r)
		nfc_slot_hits_free(sh);
	return r;
}

int nfc_slot_hits_get(struct nfc_handle *h, struct nfc_slot_hits *sh,
		      struct nfc_err *err)
{
	static const char *const names[] = { "nfc_flow_slots",
					     "nfc_flow_slot_ext",
					     "nfc_chain_gen" };
	int fd[3], i, r = 0;

	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < 3; i++) {
		fd[i] = nfc_shared_map_fd(h, names[i], err);
		if (fd[i] < 0) {
			/* no chain made the maps yet: no slot holds hits */
			r = fd[i] == -ENOENT ? 0 : fd[i];
			while (i--)
				close(fd[i]);
			return r;
		}
	}
	r = nfc_slot_hits_read(fd[0], fd[1], fd[2], sh);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	if (r)
		return nfc_errf(err, r, "map 'nfc_flow_slots': %s",
				strerror(-r));
	return 0;
}

void nfc_slot_hits_free(struct nfc_slot_hits *sh)
{
	free(sh->v);
	free(sh->ours);
	memset(sh, 0, sizeof(*sh));
}

void nfc_slot_hits_chain(const struct nfc_slot_hits *sh, __u32 chain,
			 struct nfc_chain_stats *s)
{
	const struct nfc_slot_hit *v;
	int i;

	for (i = 0; i < sh->n; i++) {
		v = &sh->v[i];
		if (v->key.zone != chain || !sh->ours[i])
			continue;
		s->packets += v->packets;
		s->bytes += v->bytes;
		s->verdict[v->act.verdict & (NFC_V_MAX - 1)] += v->packets;
		s->cached += v->packets;
	}
}

void nfc_slot_hits_ep(const struct nfc_slot_hits *sh, __u32 ifindex,
		      struct nfc_ep_stats *s)
{
	const struct nfc_slot_hit *v;
	int i;

	for (i = 0; i < sh->n; i++) {
		v = &sh->v[i];
		if (v->key.ifindex == ifindex) {
			s->in_packets += v->packets;
			s->in_bytes += v->bytes;
		}
		if (nfc_out_ifindex(v->act.verdict, v->act.out_ifindex,
				    v->key.ifindex) == ifindex) {
			s->out_packets += v->packets;
			s->out_bytes += v->bytes;
		}
	}
}

void nfc_slot_hits_rule(const struct nfc_slot_hits *sh,
			const struct nfc_rule_key *k, struct nfc_rule_stats *s)
{
	const struct nfc_slot_hit *v;
	int i;

	for (i = 0; i < sh->n; i++) {
		v = &sh->v[i];
		if (sh->ours[i] && v->act.policy && v->act.policy == k->policy &&
		    v->act.policy_node == k->node) {
			s->packets += v->packets;
			s->bytes += v->bytes;
		}
	}
}

void nfc_slot_hits_flow(const struct nfc_slot_hits *sh, struct nfc_flow *f)
{
	const struct nfc_slot_hit *v;
	int i;

	for (i = 0; i < sh->n; i++) {
		v = &sh->v[i];
		if (!sh->ours[i] || !nfc_key_eq(&v->key, &f->key))
			continue;
		f->packets += v->packets;
		f->bytes += v->bytes;
		if (v->last_ns > f->last_ns)
			f->last_ns = v->last_ns;
	}
}

/* Entry @key of the u32 array map @name, plus one. Two at once may make
 * one: either way it is not what it was before them, which is all its
 * readers ask. */
static int bump(struct nfc_handle *h, const char *name, __u32 key,
		struct nfc_err *err)
{
	__u32 v = 0;
	int fd, r = 0;

	fd = nfc_shared_map_fd(h, name, err);
	if (fd == -ENOENT)
		return 0; /* no chain made the maps yet */
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, &v))
		r = -errno;
	v++;
	if (!r && bpf_map_update_elem(fd, &key, &v, BPF_ANY))
		r = -errno;
	close(fd);
	if (r)
		return nfc_errf(err, r, "map '%s': %s", name, strerror(-r));
	return 0;
}

int nfc_flow_epoch_bump(struct nfc_handle *h, struct nfc_err *err)
{
	return bump(h, "nfc_flow_epoch", 0, err);
}

int nfc_chain_gen_bump(struct nfc_handle *h, __u32 chain, struct nfc_err *err)
{
	return bump(h, "nfc_chain_gen", chain, err);
}
