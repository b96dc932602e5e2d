// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * hops: what the framework costs per hop. The empty XDP program (floor)
 * and chains of 1, 2, 4, 8, 16 nop nodes, run by BPF_PROG_TEST_RUN through
 * their real root and executor, interleaved round by round. The chains run
 * without their flow cache (`flow_cache: false`): BPF_PROG_TEST_RUN repeats
 * each frame, and every repeat would be a cache hit that skips the chain
 * (the `cache` scenario measures that path).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "nfbench.h"
#include "floor.xdp.skel.h"

static int scenario_hops(struct bench *b)
{
	static const int sizes[] = { 1, 2, 4, 8, 16 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	double t[N][NFB_ROUNDS], floor_t[NFB_ROUNDS], med[N], fl;
	struct nfc_err err = {};
	struct floor_xdp *skel;
	int fds[N], held_root[N] = {}, i, rep, held, r = 0;
	char name[32], variant[32];

	skel = floor_xdp__open_and_load();
	if (!skel)
		return -errno;
	held = nfb_xdp_hold(bpf_program__fd(skel->progs.nfc_floor));
	if (held < 0) {
		floor_xdp__destroy(skel);
		return held;
	}
	for (i = 0; i < N; i++)
		fds[i] = -1;
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "hops%d", sizes[i]);
		fprintf(stderr, "nfbench: hops: applying a chain of %d nop node(s)\n", sizes[i]);
		r = nfb_apply_nops(b, name, sizes[i], NFB_AT_XDP, false, &err);
		if (!r) {
			fds[i] = nfb_chain_root(b, name, NFB_AT_XDP, &held_root[i],
						&err);
			r = fds[i] < 0 ? fds[i] : 0;
		}
		if (r) {
			nfb_print_err(&err);
			goto out;
		}
	}
	/* interleaved: every repetition measures the floor and every chain */
	for (rep = 0; rep < NFB_ROUNDS; rep++) {
		fprintf(stderr, "nfbench: hops: round %d/%d\n", rep + 1, NFB_ROUNDS);
		floor_t[rep] = nfb_run_ns(b, bpf_program__fd(skel->progs.nfc_floor));
		for (i = 0; i < N; i++)
			t[i][rep] = nfb_run_ns(b, fds[i]);
	}
	fl = nfb_median(floor_t, NFB_ROUNDS);
	{
		json_object *p = json_object_new_object();

		json_object_object_add(p, "repeat", json_object_new_int64(b->repeat));
		json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
		json_object_object_add(p, "flows", json_object_new_int(NFB_FLOWS));
		nfb_emit(b, "floor", "empty-xdp", "ns_per_packet", fl, "ns", p);
	}
	for (i = 0; i < N; i++) {
		json_object *p = json_object_new_object();

		med[i] = nfb_median(t[i], NFB_ROUNDS);
		json_object_object_add(p, "hops", json_object_new_int(sizes[i]));
		json_object_object_add(p, "flow_cache", json_object_new_boolean(false));
		json_object_object_add(p, "x", json_object_new_double(sizes[i]));
		json_object_object_add(p, "series", json_object_new_string("nop chain"));
		json_object_object_add(p, "x_label", json_object_new_string("nodes in the chain"));
		json_object_object_add(p, "repeat", json_object_new_int64(b->repeat));
		json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
		json_object_object_add(p, "flows", json_object_new_int(NFB_FLOWS));
		json_object_object_add(p, "x_floor", json_object_new_double(med[i] / fl));
		snprintf(variant, sizeof(variant), "chain-%d", sizes[i]);
		nfb_emit(b, "hops", variant, "ns_per_packet", med[i], "ns", p);
	}
	/* each extra hop: the slope from 1 to 16 nodes */
	{
		json_object *p = json_object_new_object();
		double per_hop = (med[N - 1] - med[0]) / (sizes[N - 1] - sizes[0]);

		json_object_object_add(p, "x_floor", json_object_new_double(per_hop / fl));
		nfb_emit(b, "hops", "per-hop", "ns_per_hop", per_hop, "ns", p);
		p = json_object_new_object();
		json_object_object_add(p, "x_floor",
				       json_object_new_double((med[0] - per_hop) / fl));
		nfb_emit(b, "hops", "root+executor", "ns_per_packet", med[0] - per_hop, "ns", p);
	}
out:
	for (i = 0; i < N; i++) {
		nfb_xdp_release(held_root[i]);
		if (fds[i] >= 0)
			close(fds[i]);
		snprintf(name, sizeof(name), "hops%d", sizes[i]);
		nfc_chain__delete(b->h, name, NULL);
	}
	nfb_xdp_release(held);
	floor_xdp__destroy(skel);
	return r;
}

NFB_SCENARIO(hops, 10, "floor and chains of 1, 2, 4, 8, 16 nop nodes, flow cache off (BPF_PROG_TEST_RUN)",
	     scenario_hops)
