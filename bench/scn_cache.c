// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * cache: what an established flow costs with and without the flow cache.
 *
 * BPF_PROG_TEST_RUN, TCP frames with ACK alone (cacheable: no SYN, FIN,
 * RST) of NFB_FLOWS flows, through chains of 1, 3 and 5 nop nodes at XDP
 * and at tc-ingress (the chain's real root on BPF_PROG_TEST_RUN's
 * xdp_buff or __sk_buff), each chain twice:
 *   HOOK-N-cached    the default: after a flow's first frame every frame
 *                    is a flow cache hit and the root runs the executor
 *                    inline, skipping the chain;
 *   HOOK-N-uncached  `flow_cache: false`: conntrack and the whole chain;
 *   HOOK-N-tailcall  the cached chain through a root built with
 *                    -DNFC_ROOT_EXEC_TAILCALL (a hit tail-calls the
 *                    executor program instead of running it inline);
 *   floor-xdp, floor-tc  the empty program of each hook.
 * Every figure carries its ratio to floor-xdp (`floor`, as elsewhere).
 * The scenario `cache-steps` is the fast path of the 1-node chain cut
 * after each of its steps (fastpath.bpf.c): what each step adds.
 * All of these are interleaved round by round after one unmeasured pass
 * that fills the caches; the chains' counters must show that the cached
 * chains' frames were hits and the others' were not.
 *
 * Then live frames (forwarder.h) through a chain of 5 modules (4 nops and
 * the macrouter, 4096 flows) with and without the cache, at XDP (native)
 * and at tc-ingress, beside the bare XDP redirect and the Linux bridge:
 * delivered pps, as the same variant names; and the cached XDP chain and
 * the bare forwarders again over NFB_FLOWS flows (variants "*-few").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "nfbench.h"
#include "nfc_shared.h"
#include "live.h"
#include "forwarder.h"
#include "floor.xdp.skel.h"
#include "floor.tc.skel.h"
#include "root-tailcall.xdp.skel.h"
#include "root-tailcall.tc.skel.h"
#include "fastpath.xdp.skel.h"
#include "fastpath.tc.skel.h"

#define NSIZES 3
#define NSTEPS 5
#define NOBJS (2 * (1 + NSIZES + NSTEPS))
#define LIVE_FLOWS 4096
#define LIVE_FRAME_LEN 64

static const int sizes[NSIZES] = { 1, 3, 5 };

enum kind { K_CACHED, K_UNCACHED, K_TAILCALL, NK };

static const char *const kind_name[NK] = { "cached", "uncached", "tailcall" };
static const char *const hook_name[2] = { "xdp", "tc" };
/* fastpath.bpf.c's steps, 1 to NSTEPS */
static const char *const step_name[NSTEPS] = {
	"entry", "parse", "slot", "take", "exec",
};

typedef const void *(*elf_fn)(size_t *sz);
static const elf_fn floor_elf[2] = { floor_xdp__elf_bytes, floor_tc__elf_bytes };
static const elf_fn tailcall_elf[2] = { root_tailcall_xdp__elf_bytes,
					root_tailcall_tc__elf_bytes };
static const elf_fn fastpath_elf[2] = { fastpath_xdp__elf_bytes,
					fastpath_tc__elf_bytes };

/* One BPF_PROG_TEST_RUN figure. */
struct fig {
	char name[32];
	int fd;
	double t[NFB_ROUNDS];
	double med;
};

struct cache {
	struct bench *b;
	struct fig floor[2];
	struct fig v[2][NSIZES][NK];
	struct fig step[2][NSTEPS];
	struct bpf_object *obj[NOBJS];  /* held for their programs */
	struct bpf_object *fp[2][NSTEPS];
	int n_obj;
	/* nfb_xdp_hold(): XDP objects, and chain roots (0 at TC) */
	int held[NOBJS + 2 * 2 * NSIZES];
	int n_held;
};

struct rodata_var {
	const char *name;
	const void *val;
	size_t len;
};

static struct bpf_map *internal_map(struct bpf_object *obj, const char *sec)
{
	struct bpf_map *m;
	const char *n;

	bpf_object__for_each_map(m, obj) {
		n = bpf_map__name(m);
		if (bpf_map__is_internal(m) && strlen(n) >= strlen(sec) &&
		    !strcmp(n + strlen(n) - strlen(sec), sec))
			return m;
	}
	return NULL;
}

/* Sets the rodata variables @vars of an object opened, not loaded. */
static int set_rodata(struct bpf_object *obj, const struct rodata_var *vars,
		      int n)
{
	struct bpf_map *m = internal_map(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec, *var;
	const void *init;
	int id, i, k, r = 0;
	size_t size;
	char *buf;

	if (!n)
		return 0;
	if (!m || !btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return id;
	sec = btf__type_by_id(btf, id);
	init = bpf_map__initial_value(m, &size);
	buf = malloc(size);
	if (!init || !buf) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(buf, init, size);
	for (k = 0; !r && k < n; k++) {
		vs = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vs++) {
			var = btf__type_by_id(btf, vs->type);
			if (!strcmp(btf__name_by_offset(btf, var->name_off), vars[k].name))
				break;
		}
		if (i == btf_vlen(sec) || vs->size != vars[k].len ||
		    vs->offset + vs->size > size)
			r = -ENOENT;
		else
			memcpy(buf + vs->offset, vars[k].val, vars[k].len);
	}
	if (!r)
		r = bpf_map__set_initial_value(m, buf, size);
	free(buf);
	return r;
}

/*
 * Loads an object of nfbench's build with rodata @vars; @shared: with the
 * runtime's pin root, so that its maps are the runtime's (the chain's
 * programs, its flow cache). Returns its program's fd; the object is held
 * until the end.
 */
static int load(struct cache *c, elf_fn elf, const char *what,
		const struct rodata_var *vars, int n, bool shared,
		struct bpf_object **out)
{
	char maps[96];
	struct bpf_program *p;
	struct bpf_object *obj;
	const void *bytes;
	size_t sz;
	int r;

	snprintf(maps, sizeof(maps), "%s/maps", c->b->bpffs);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = what,
		    .pin_root_path = shared ? maps : NULL);
	bytes = elf(&sz);
	obj = bpf_object__open_mem(bytes, sz, &oo);
	if (!obj) {
		r = -errno;
		fprintf(stderr, "nfbench: cache: %s: open: %s\n", what, strerror(-r));
		return r;
	}
	c->obj[c->n_obj++] = obj;
	if (!shared) {
		struct bpf_map *m;

		bpf_object__for_each_map(m, obj)
			bpf_map__set_pin_path(m, NULL);
	}
	/* as the runtime loads its XDP programs: a program array takes
	 * programs of one expected attach type */
	bpf_object__for_each_program(p, obj)
		if (bpf_program__type(p) == BPF_PROG_TYPE_XDP)
			bpf_program__set_expected_attach_type(p, 0);
	r = set_rodata(obj, vars, n);
	if (r) {
		fprintf(stderr, "nfbench: cache: %s: rodata: %s\n", what, strerror(-r));
		return r;
	}
	r = bpf_object__load(obj);
	if (r) {
		fprintf(stderr, "nfbench: cache: %s: load: %s\n", what, strerror(-r));
		return r;
	}
	if (out)
		*out = obj;
	p = bpf_object__next_program(obj, NULL);
	if (bpf_program__type(p) == BPF_PROG_TYPE_XDP) {
		r = nfb_xdp_hold(bpf_program__fd(p));
		if (r < 0)
			return r;
		c->held[c->n_held++] = r;
	}
	return bpf_program__fd(p);
}

static int setup(struct cache *c)
{
	const struct nfc_chain_info *ci;
	struct nfc_err err = {};
	int h, i, k, s, fd;
	char name[32];

	for (h = 0; h < 2; h++) {
		snprintf(c->floor[h].name, sizeof(c->floor[h].name), "floor-%s",
			 hook_name[h]);
		fd = load(c, floor_elf[h], "nfb_floor", NULL, 0, false, NULL);
		if (fd < 0)
			return fd;
		c->floor[h].fd = fd;
		for (i = 0; i < NSIZES; i++) {
			for (k = 0; k < NK; k++) {
				struct fig *f = &c->v[h][i][k];

				snprintf(f->name, sizeof(f->name), "%s-%d-%s",
					 hook_name[h], sizes[i], kind_name[k]);
				if (k == K_TAILCALL)
					continue;
				fprintf(stderr, "nfbench: cache: applying %s\n", f->name);
				fd = nfb_apply_nops(c->b, f->name, sizes[i], h,
						    k == K_CACHED, &err);
				if (!fd)
					fd = nfb_chain_root(c->b, f->name, h,
							    &c->held[c->n_held++], &err);
				if (fd < 0) {
					nfb_print_err(&err);
					return fd;
				}
				f->fd = fd;
			}
			/* the tail-calling root, for the cached chain */
			snprintf(name, sizeof(name), "%s-%d-cached", hook_name[h], sizes[i]);
			ci = nfc_chain__info(c->b->h, name);
			if (!ci)
				return -ENOENT;
			{
				const struct rodata_var vars[] = {
					{ "chain_id", &ci->id, sizeof(ci->id) },
					{ "vxlan_port", &ci->vxlan_port, sizeof(ci->vxlan_port) },
				};

				fd = load(c, tailcall_elf[h], "root_tailcall", vars, 2,
					  true, NULL);
			}
			if (fd < 0)
				return fd;
			c->v[h][i][K_TAILCALL].fd = fd;
		}
		/* the fast path of the 1-node cached chain, step by step */
		snprintf(name, sizeof(name), "%s-1-cached", hook_name[h]);
		ci = nfc_chain__info(c->b->h, name);
		if (!ci)
			return -ENOENT;
		for (s = 0; s < NSTEPS; s++) {
			__u32 upto = s + 1;
			const struct rodata_var vars[] = {
				{ "chain_id", &ci->id, sizeof(ci->id) },
				{ "vxlan_port", &ci->vxlan_port, sizeof(ci->vxlan_port) },
				{ "upto", &upto, sizeof(upto) },
			};

			snprintf(c->step[h][s].name, sizeof(c->step[h][s].name),
				 "%s-%s", hook_name[h], step_name[s]);
			fd = load(c, fastpath_elf[h], "nfb_fastpath", vars, 3, true,
				  &c->fp[h][s]);
			if (fd < 0)
				return fd;
			c->step[h][s].fd = fd;
		}
	}
	return 0;
}

/* Every figure, in the order of the unmeasured pass: a chain's real root
 * fills its flow cache before the tail-calling root and the steps use it. */
static int figures(struct cache *c, struct fig **all)
{
	int h, i, k, s, n = 0;

	for (h = 0; h < 2; h++)
		all[n++] = &c->floor[h];
	for (k = 0; k < NK; k++)
		for (h = 0; h < 2; h++)
			for (i = 0; i < NSIZES; i++)
				all[n++] = &c->v[h][i][k];
	for (h = 0; h < 2; h++)
		for (s = 0; s < NSTEPS; s++)
			all[n++] = &c->step[h][s];
	return n;
}

static int measure(struct cache *c)
{
	struct fig *all[2 + 2 * NSIZES * NK + 2 * NSTEPS];
	struct bench warm = *c->b;
	int n = figures(c, all), i, k;

	/* one frame of each flow: the cached chains' caches filled */
	warm.repeat = NFB_FLOWS;
	for (i = 0; i < n; i++)
		if (nfb_run_frames_ns(&warm, all[i]->fd, nfb_tcp_ack_frame) < 0)
			return -errno;
	for (k = 0; k < NFB_ROUNDS; k++) {
		fprintf(stderr, "nfbench: cache: round %d/%d\n", k + 1, NFB_ROUNDS);
		for (i = 0; i < n; i++) {
			struct fig *f = all[(i + k * 7) % n];

			f->t[k] = nfb_run_frames_ns(c->b, f->fd, nfb_tcp_ack_frame);
			if (f->t[k] < 0)
				return -errno;
		}
	}
	for (i = 0; i < n; i++)
		all[i]->med = nfb_median(all[i]->t, NFB_ROUNDS);
	return 0;
}

/* The share of a chain's packets that were flow cache hits. */
static int cached_share(struct cache *c, const char *chain, double *share)
{
	struct nfc_chain_view *cv;
	struct nfc_err err = {};
	int r;

	r = nfc_chain__view(c->b->h, chain, &cv, &err);
	if (r) {
		nfb_print_err(&err);
		return r;
	}
	*share = cv->counters.packets ?
			 (double)cv->counters.cached / cv->counters.packets : 0;
	nfc_chain_view__free(cv);
	return 0;
}

static __u64 fastpath_misses(struct bpf_object *obj)
{
	struct bpf_map *m = internal_map(obj, ".bss");
	__u64 v[8] = {};
	__u32 zero = 0;

	if (!m || bpf_map__value_size(m) > sizeof(v) ||
	    bpf_map_lookup_elem(bpf_map__fd(m), &zero, v))
		return ~0ULL;
	return v[0];
}

/* Cached chains were hits, uncached ones were not, the steps hit too. */
static int check(struct cache *c, double share[2][NSIZES][2])
{
	int h, i, k, s, r;

	for (h = 0; h < 2; h++) {
		for (i = 0; i < NSIZES; i++) {
			for (k = K_CACHED; k <= K_UNCACHED; k++) {
				r = cached_share(c, c->v[h][i][k].name, &share[h][i][k]);
				if (r)
					return r;
				if (k == K_CACHED ? share[h][i][k] < 0.99 : share[h][i][k] > 0) {
					fprintf(stderr, "nfbench: cache: %s: %.1f%% of its packets were flow cache hits\n",
						c->v[h][i][k].name, share[h][i][k] * 100);
					return -EPROTO;
				}
			}
		}
		for (s = 0; s < NSTEPS; s++) {
			if (fastpath_misses(c->fp[h][s])) {
				fprintf(stderr, "nfbench: cache: %s: the fast path missed the flow cache\n",
					c->step[h][s].name);
				return -EPROTO;
			}
		}
	}
	return 0;
}

static json_object *base_params(struct bench *b)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "repeat", json_object_new_int64(b->repeat));
	json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
	json_object_object_add(p, "flows", json_object_new_int(NFB_FLOWS));
	json_object_object_add(p, "frame", json_object_new_string("TCP/IPv4 ACK, 64 B"));
	return p;
}

static void add_ratio(json_object *p, const char *to, double v)
{
	char key[48];

	snprintf(key, sizeof(key), "x_%s", to);
	json_object_object_add(p, key, json_object_new_double(v));
}

static void emit(struct cache *c, double share[2][NSIZES][2])
{
	double fl = c->floor[0].med;
	char series[32];
	json_object *p;
	int h, i, k, s;

	for (h = 0; h < 2; h++) {
		p = base_params(c->b);
		if (h)
			add_ratio(p, "floor", c->floor[h].med / fl);
		nfb_emit(c->b, "cache", c->floor[h].name, "ns_per_packet",
			 c->floor[h].med, "ns", p);
	}
	for (h = 0; h < 2; h++) {
		for (i = 0; i < NSIZES; i++) {
			for (k = 0; k < NK; k++) {
				const struct fig *f = &c->v[h][i][k];

				p = base_params(c->b);
				json_object_object_add(p, "hook", json_object_new_string(hook_name[h]));
				json_object_object_add(p, "modules", json_object_new_int(sizes[i]));
				json_object_object_add(p, "flow_cache",
						       json_object_new_boolean(k != K_UNCACHED));
				json_object_object_add(p, "root",
						       json_object_new_string(k == K_TAILCALL ? "executor tail-called" : "executor inline"));
				if (k != K_TAILCALL)
					json_object_object_add(p, "cached_share",
							       json_object_new_double(share[h][i][k]));
				snprintf(series, sizeof(series), "%s %s", hook_name[h], kind_name[k]);
				json_object_object_add(p, "series", json_object_new_string(series));
				json_object_object_add(p, "x", json_object_new_double(sizes[i]));
				json_object_object_add(p, "x_label", json_object_new_string("modules in the chain"));
				add_ratio(p, "floor", f->med / fl);
				if (h)
					add_ratio(p, "floor-tc", f->med / c->floor[h].med);
				if (k == K_CACHED && i)
					add_ratio(p, c->v[h][0][K_CACHED].name,
						  f->med / c->v[h][0][K_CACHED].med);
				if (k != K_CACHED)
					add_ratio(p, c->v[h][i][K_CACHED].name,
						  f->med / c->v[h][i][K_CACHED].med);
				nfb_emit(c->b, "cache", f->name, "ns_per_packet", f->med,
					 "ns", p);
			}
		}
	}
	/* each step's figure, and what it adds to the one before */
	for (s = 0; s < NSTEPS; s++) {
		for (h = 0; h < 2; h++) {
			const struct fig *f = &c->step[h][s];
			double before = s ? c->step[h][s - 1].med : c->floor[h].med;
			char metric[32];

			p = base_params(c->b);
			json_object_object_add(p, "chain", json_object_new_string(c->v[h][0][K_CACHED].name));
			json_object_object_add(p, "upto", json_object_new_int(s + 1));
			add_ratio(p, "floor", f->med / fl);
			if (s == NSTEPS - 1)
				add_ratio(p, c->v[h][0][K_CACHED].name,
					  f->med / c->v[h][0][K_CACHED].med);
			snprintf(metric, sizeof(metric), "%s_ns_per_packet", hook_name[h]);
			nfb_emit(c->b, "cache-steps", step_name[s], metric, f->med, "ns", p);
			p = base_params(c->b);
			add_ratio(p, "floor", (f->med - before) / fl);
			snprintf(metric, sizeof(metric), "%s_ns_added", hook_name[h]);
			nfb_emit(c->b, "cache-steps", step_name[s], metric,
				 f->med - before, "ns", p);
		}
	}
}

/* The live half: a 5-module chain with and without the cache, over
 * LIVE_FLOWS flows; then the cached chain and the two bare forwarders
 * again over as few flows as the BPF_PROG_TEST_RUN half (NFB_FLOWS), whose
 * per-flow state stays in the forwarding CPU's L1 and L2 caches: the
 * difference between the two passes is what the flows' state costs in
 * cache misses, the rest the programs. */
static const struct nfb_fwd live_fwd[] = {
	{ .name = "xdp-5-cached", .kind = NFB_FWD_CHAIN_XDP, .nops = 4 },
	{ .name = "xdp-5-uncached", .kind = NFB_FWD_CHAIN_XDP, .nops = 4,
	  .no_cache = true },
	{ .name = "tc-5-cached", .kind = NFB_FWD_CHAIN_TC, .nops = 4 },
	{ .name = "tc-5-uncached", .kind = NFB_FWD_CHAIN_TC, .nops = 4,
	  .no_cache = true },
	{ .name = "linux-bridge", .kind = NFB_FWD_BRIDGE },
	{ .name = "bare-xdp", .kind = NFB_FWD_BARE },
	{ .name = "bare-flow-xdp", .kind = NFB_FWD_BARE_FLOW },
};
static const struct nfb_fwd live_few[] = {
	{ .name = "xdp-5-cached-few", .kind = NFB_FWD_CHAIN_XDP, .nops = 4 },
	{ .name = "bare-xdp-few", .kind = NFB_FWD_BARE },
	{ .name = "bare-flow-xdp-few", .kind = NFB_FWD_BARE_FLOW },
};

/* One pass over @n forwarders @fwd, of which @bare, @bare_flow and @bridge
 * (-1: none) are the peers every other is a ratio of; a cached chain's
 * uncached twin, where there is one, follows it. */
static int live_pass(struct bench *b, __u32 flows, const struct nfb_fwd *fwd,
		     int n, int bare, int bare_flow, int bridge)
{
	struct nfb_fwd_result res[n];
	double per_round = b->quick ? 0.25 : 1.0;
	struct nfb_live *l;
	json_object *p;
	int i, r;

	NFC_OPTS(nfb_live_opts, lo, .flows = flows, .frame_len = LIVE_FRAME_LEN);

	r = nfb_live__create(&l, &lo);
	if (r)
		return r;
	r = nfb_fwd__measure(b, l, "cache", fwd, n, per_round, res);
	for (i = 0; !r && i < n; i++) {
		p = nfb_fwd__params(&fwd[i], &res[i], flows, LIVE_FRAME_LEN,
				    per_round);
		if (nfb_fwd_is_chain(&fwd[i])) {
			json_object_object_add(p, "modules",
					       json_object_new_string("4 nop, macrouter"));
			if (!fwd[i].no_cache && i + 1 < n &&
			    fwd[i + 1].no_cache)
				add_ratio(p, fwd[i + 1].name,
					  res[i].pps / res[i + 1].pps);
			add_ratio(p, "bare_flow", res[i].pps / res[bare_flow].pps);
		}
		if (i != bare)
			add_ratio(p, "bare", res[i].pps / res[bare].pps);
		if (bridge >= 0 && i != bridge)
			add_ratio(p, "bridge", res[i].pps / res[bridge].pps);
		nfb_emit(b, "cache", fwd[i].name, "pps_delivered", res[i].pps,
			 "pps", p);
		if (res[i].run_ns)
			nfb_emit(b, "cache", fwd[i].name, "live_ns_per_run",
				 res[i].run_ns, "ns",
				 nfb_fwd__params(&fwd[i], &res[i], flows,
						 LIVE_FRAME_LEN, per_round));
	}
	nfb_live__destroy(l);
	return r;
}

static int live(struct bench *b)
{
	enum { L_BRIDGE = 4, L_BARE = 5, L_BARE_FLOW = 6 };
	int r;

	r = live_pass(b, LIVE_FLOWS, live_fwd,
		      sizeof(live_fwd) / sizeof(live_fwd[0]), L_BARE,
		      L_BARE_FLOW, L_BRIDGE);
	return r ?: live_pass(b, NFB_FLOWS, live_few,
			      sizeof(live_few) / sizeof(live_few[0]), 1, 2, -1);
}

static int scenario_cache(struct bench *b)
{
	double share[2][NSIZES][2];
	struct cache *c = calloc(1, sizeof(*c));
	int h, i, k, r;

	if (!c)
		return -ENOMEM;
	c->b = b;
	r = setup(c);
	if (!r)
		r = measure(c);
	if (!r)
		r = check(c, share);
	if (!r)
		emit(c, share);
	for (h = 0; h < 2; h++)
		for (i = 0; i < NSIZES; i++)
			for (k = K_CACHED; k <= K_UNCACHED; k++) {
				if (c->v[h][i][k].fd > 0)
					close(c->v[h][i][k].fd);
				nfc_chain__delete(b->h, c->v[h][i][k].name, NULL);
			}
	for (i = 0; i < c->n_held; i++)
		nfb_xdp_release(c->held[i]);
	for (i = 0; i < c->n_obj; i++)
		bpf_object__close(c->obj[i]);
	free(c);
	return r ?: live(b);
}

NFB_SCENARIO(cache, 20,
	     "established TCP flows through 1, 3, 5 nop nodes, flow cache on/off, executor inline/tail-called, xdp and tc (BPF_PROG_TEST_RUN); live pps of a cached 5-module chain vs bare XDP redirect and bridge",
	     scenario_cache)
