// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * conntrack: nfc_ct_track() (bpf/ct.h), what the root runs for every
 * packet of the slow path, on its own: a bench program (ct.bpf.c) walks
 * TCP/IPv4 flows in bpf_loop, makes each flow's key in the per-CPU
 * context as the parser would, and tracks it. No packet is parsed and no
 * chain runs; every figure includes the walk, which `walk` shows alone.
 *   new-conn        SYNs of flows the table has not seen: each opens a
 *                   connection; new connections per second on one CPU.
 *                   The table is the build's (NFC_CT_ENTRIES) holding the
 *                   1k established ones; the new ones are deleted after
 *                   each round, so every round finds it the same.
 *   established-1k  ACKs of 1000 established connections, in a table of
 *                   the build's size, in an order unrelated to the order
 *                   they were inserted in
 *   established-1M  the same with 1000000 connections, in a table of
 *                   1048576 entries (the build's holds NFC_CT_ENTRIES)
 * The tables are nfbench's own, pinned nowhere, filled from userspace
 * with bpf_map_update_batch() (1M connections: half a second here, so
 * --quick fills it too and only walks less). Figures are medians of
 * interleaved rounds, beside the empty XDP program (floor) of the same
 * rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nfbench.h"
#include "nfc_shared.h"
#include "ct_flows.h"
#include "floor.xdp.skel.h"
#include "nfb_ct.xdp.skel.h"

#define CT_SMALL 1000
#define CT_BIG 1000000
#define CT_BIG_TABLE (1u << 20)
#define CT_WALK 16384                   /* flows per program run */
#define CT_BATCH 65536                  /* entries per batch call */
#define CT_NEW_MAX 65536                /* new connections per round */

_Static_assert(CT_BIG < NFB_CT_MAX_FLOWS &&
		       CT_SMALL + NFB_ROUNDS * CT_NEW_MAX < NFB_CT_MAX_FLOWS,
	       "flows past ct_flows.h's addresses");

/* The maps nfc_ct_track() uses; the object's other framework maps are
 * not made at all. */
static const char *const ct_maps[] = {
	"nfc_ct", "nfc_ct_stats", "nfc_config", "nfc_scratch_xdp",
	"nfc_ct_nat",
};

struct ct_table {
	const char *name;
	__u32 entries;          /* established connections in it */
	__u32 size;             /* its max_entries */
	struct nfb_ct_xdp *skel;
	double fill_s;
	double t[NFB_ROUNDS];
	double found_share;     /* of the established lookups, the last round */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool wanted(const char *map)
{
	size_t i;

	for (i = 0; i < sizeof(ct_maps) / sizeof(ct_maps[0]); i++)
		if (!strcmp(map, ct_maps[i]))
			return true;
	return false;
}

static int ct_load(struct ct_table *t)
{
	struct bpf_map *m;
	int r;

	t->skel = nfb_ct_xdp__open();
	if (!t->skel)
		return -errno;
	bpf_object__for_each_map(m, t->skel->obj) {
		/* pinned nowhere: these are not the runtime's maps */
		bpf_map__set_pin_path(m, NULL);
		if (!bpf_map__is_internal(m) && !wanted(bpf_map__name(m)))
			bpf_map__set_autocreate(m, false);
	}
	r = bpf_map__set_max_entries(t->skel->maps.nfc_ct, t->size);
	if (!r)
		r = nfb_ct_xdp__load(t->skel);
	if (r)
		fprintf(stderr, "nfbench: conntrack: %s: load: %s\n", t->name,
			strerror(-r));
	return r;
}

/* The canonical key of flow @i (ct_flows.h): the source is side 0. */
static void ct_key(struct nfc_ct_key *k, __u32 i)
{
	memset(k, 0, sizeof(*k));
	k->l3 = NFC_L3_IPV4;
	k->proto = IPPROTO_TCP;
	k->addr[0].v4 = htonl(NFB_CT_SADDR + i);
	k->addr[1].v4 = htonl(NFB_CT_DADDR);
	k->port[0] = htons(NFB_CT_SPORT);
	k->port[1] = htons(NFB_CT_DPORT);
}

/* Flows [@first, @first + @n) in the table: established (@vals) or out. */
static int ct_batch(struct ct_table *t, __u32 first, __u32 n, bool insert)
{
	int fd = bpf_map__fd(t->skel->maps.nfc_ct), r = 0;
	struct nfc_ct_key *keys = calloc(CT_BATCH, sizeof(*keys));
	struct nfc_ct *vals = calloc(CT_BATCH, sizeof(*vals));
	struct timespec ts;
	__u32 i, k, count;
	__u64 now;

	LIBBPF_OPTS(bpf_map_batch_opts, bo);

	if (!keys || !vals) {
		r = -ENOMEM;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	for (i = 0; !r && i < n; i += count) {
		count = n - i < CT_BATCH ? n - i : CT_BATCH;
		for (k = 0; k < count; k++) {
			ct_key(&keys[k], first + i + k);
			vals[k].handle = first + i + k + 1;
			vals[k].created_ns = now;
			vals[k].last_ns = now;
			vals[k].ifindex[0] = vals[k].ifindex[1] = 1;
			vals[k].state = NFC_CT_ESTABLISHED;
			vals[k].flags = NFC_CT_F_SEEN_REPLY;
		}
		r = insert ? bpf_map_update_batch(fd, keys, vals, &count, &bo)
			   : bpf_map_delete_batch(fd, keys, &count, &bo);
		r = r ? -errno : 0;
	}
	if (r)
		fprintf(stderr, "nfbench: conntrack: %s: %s: %s\n", t->name,
			insert ? "bpf_map_update_batch" : "bpf_map_delete_batch",
			strerror(-r));
out:
	free(keys);
	free(vals);
	return r;
}

/*
 * One measurement: @runs runs of the program, each walking @walk flows
 * on from where the last run stopped, from flow number 0 of the walk
 * (ct.bpf.c). Returns ns per flow, or -errno.
 */
static double ct_run(struct nfb_ct_xdp *s, enum nfb_ct_mode mode,
		     __u32 first, __u32 spread, __u32 walk, __u32 runs)
{
	__u8 frame[64];

	nfb_udp_frame(frame, sizeof(frame), 0);
	s->bss->mode = mode;
	s->bss->first = first;
	s->bss->spread = spread;
	s->bss->walk = walk;
	s->bss->cursor = 0;
	s->bss->opened = 0;
	s->bss->found = 0;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = runs);
	if (bpf_prog_test_run_opts(bpf_program__fd(s->progs.nfb_ct), &o))
		return -errno;
	return (double)o.duration / walk;
}

static int ct_fill(struct ct_table *t)
{
	double t0 = now_s();
	int r;

	fprintf(stderr, "nfbench: conntrack: %s: filling %u connections\n",
		t->name, t->entries);
	r = ct_batch(t, 0, t->entries, true);
	t->fill_s = now_s() - t0;
	return r;
}

static json_object *params(const struct ct_table *t,
			   __u64 per_round, double fl, double v)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
	json_object_object_add(p, "flows_per_round", json_object_new_int64(per_round));
	if (t) {
		json_object_object_add(p, "connections", json_object_new_int64(t->entries));
		json_object_object_add(p, "table_entries", json_object_new_int64(t->size));
		json_object_object_add(p, "fill_s", json_object_new_double(t->fill_s));
	}
	json_object_object_add(p, "engine", json_object_new_string(
		"nfc_ct_track() in a bpf_loop walk (ct.bpf.c), keys made in place"));
	if (fl > 0)
		json_object_object_add(p, "x_floor", json_object_new_double(v / fl));
	return p;
}

static int scenario_conntrack(struct bench *b)
{
	struct ct_table tabs[2] = {
		{ .name = "established-1k", .entries = CT_SMALL, .size = NFC_CT_ENTRIES },
		{ .name = "established-1M", .entries = CT_BIG, .size = CT_BIG_TABLE },
	};
	enum { NTABS = sizeof(tabs) / sizeof(tabs[0]) };
	int i, k, held, r;
	__u32 runs = (b->quick ? 1u << 19 : 1u << 22) / CT_WALK;
	__u32 n_new = b->quick ? CT_NEW_MAX / 4 : CT_NEW_MAX;
	double floor_t[NFB_ROUNDS], walk_t[NFB_ROUNDS], new_t[NFB_ROUNDS];
	double fl, v;
	struct floor_xdp *floor;
	struct ct_table *small = &tabs[0];
	json_object *p;

	floor = floor_xdp__open_and_load();
	if (!floor)
		return -errno;
	held = nfb_xdp_hold(bpf_program__fd(floor->progs.nfc_floor));
	r = held < 0 ? held : 0;
	for (i = 0; !r && i < NTABS; i++) {
		r = ct_load(&tabs[i]);
		if (!r)
			r = ct_fill(&tabs[i]);
	}
	for (k = 0; !r && k < NFB_ROUNDS; k++) {
		fprintf(stderr, "nfbench: conntrack: round %d/%d\n", k + 1, NFB_ROUNDS);
		floor_t[k] = nfb_run_ns(b, bpf_program__fd(floor->progs.nfc_floor));
		walk_t[k] = ct_run(small->skel, NFB_CT_WALK, 0,
				   small->entries, CT_WALK, runs);
		for (i = 0; i < NTABS; i++) {
			struct ct_table *t = &tabs[i];
			__u64 found;

			t->t[k] = ct_run(t->skel, NFB_CT_ACK, 0,
					 t->entries, CT_WALK, runs);
			found = t->skel->bss->found;
			t->found_share = (double)found / ((__u64)runs * CT_WALK);
			if (t->t[k] < 0 || t->skel->bss->opened) {
				fprintf(stderr, "nfbench: conntrack: %s: %llu of %llu connections were not found\n",
					t->name, (unsigned long long)t->skel->bss->opened,
					(unsigned long long)runs * CT_WALK);
				r = t->t[k] < 0 ? (int)t->t[k] : -EPROTO;
				break;
			}
		}
		if (r)
			break;
		/* new connections: flows past the established ones, once */
		new_t[k] = ct_run(small->skel, NFB_CT_SYN,
				  small->entries + k * n_new, 0, n_new, 1);
		if (new_t[k] < 0 || small->skel->bss->opened != n_new) {
			fprintf(stderr, "nfbench: conntrack: new-conn: %llu of %u SYNs opened a connection\n",
				(unsigned long long)small->skel->bss->opened, n_new);
			r = new_t[k] < 0 ? (int)new_t[k] : -EPROTO;
			break;
		}
		r = ct_batch(small, small->entries + k * n_new, n_new, false);
	}
	if (r)
		goto out;

	fl = nfb_median(floor_t, NFB_ROUNDS);
	p = json_object_new_object();
	json_object_object_add(p, "repeat", json_object_new_int64(b->repeat));
	json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
	json_object_object_add(p, "flows", json_object_new_int(NFB_FLOWS));
	nfb_emit(b, "conntrack", "floor-xdp", "ns_per_packet", fl, "ns", p);
	v = nfb_median(new_t, NFB_ROUNDS);
	p = params(small, n_new, fl, v);
	json_object_object_add(p, "tcp_flags", json_object_new_string("SYN"));
	nfb_emit(b, "conntrack", "new-conn", "ns_per_conn", v, "ns", p);
	p = params(small, n_new, 0, 0);
	nfb_emit(b, "conntrack", "new-conn", "conns_per_second", 1e9 / v, "1/s", p);
	for (i = 0; i < NTABS; i++) {
		v = nfb_median(tabs[i].t, NFB_ROUNDS);
		p = params(&tabs[i], (__u64)runs * CT_WALK, fl, v);
		json_object_object_add(p, "tcp_flags", json_object_new_string("ACK"));
		json_object_object_add(p, "found_share",
				       json_object_new_double(tabs[i].found_share));
		nfb_emit(b, "conntrack", tabs[i].name, "ns_per_packet", v, "ns", p);
	}
	v = nfb_median(walk_t, NFB_ROUNDS);
	p = params(NULL, (__u64)runs * CT_WALK, fl, v);
	json_object_object_add(p, "note", json_object_new_string(
		"the walk alone: keys made, nothing tracked; part of every figure above"));
	nfb_emit(b, "conntrack", "walk", "ns_per_packet", v, "ns", p);
out:
	nfb_xdp_release(held);
	for (i = 0; i < NTABS; i++)
		nfb_ct_xdp__destroy(tabs[i].skel);
	floor_xdp__destroy(floor);
	return r;
}

NFB_SCENARIO(conntrack, 25,
	     "conntrack alone (nfc_ct_track in a bpf_loop bench program): new connections/s, established ns/packet at 1k and 1M connections",
	     scenario_conntrack)
