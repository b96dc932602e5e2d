// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * macrouter: live frames from h1 to h2, forwarded between the same two
 * host-side veths by
 *   ultranio-1-xdp  a chain of one macrouter node (XDP, native),
 *   ultranio-4-xdp  a chain of three nop nodes and the macrouter (XDP),
 *   ultranio-1-tc   the one-node chain at tc-ingress, the hook UltraNIO
 *                   recommends for veths and taps,
 *   ultranio-4-tc   the 4-node chain at tc-ingress,
 *   linux-bridge    the kernel's bridge (no XDP),
 *   bare-xdp        one bpf_redirect() into the other veth, nothing else.
 * The chains run as users run them: with their flow cache (the default),
 * so after a flow's first frame the chain is skipped and its result
 * applied (the `cache` scenario holds cached against uncached). Each round
 * sets up every variant in turn (see forwarder.h); figures are medians
 * over the rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "nfbench.h"
#include "live.h"
#include "forwarder.h"

#define MR_FRAME_LEN 64
#define MR_FLOWS 4096

enum { V_XDP1, V_XDP4, V_TC1, V_TC4, V_BRIDGE, V_BARE, V_BARE_FLOW, NV };

static const struct nfb_fwd variants[NV] = {
	[V_XDP1] = { .name = "ultranio-1-xdp", .kind = NFB_FWD_CHAIN_XDP },
	[V_XDP4] = { .name = "ultranio-4-xdp", .kind = NFB_FWD_CHAIN_XDP, .nops = 3 },
	[V_TC1] = { .name = "ultranio-1-tc", .kind = NFB_FWD_CHAIN_TC },
	[V_TC4] = { .name = "ultranio-4-tc", .kind = NFB_FWD_CHAIN_TC, .nops = 3 },
	[V_BRIDGE] = { .name = "linux-bridge", .kind = NFB_FWD_BRIDGE },
	[V_BARE] = { .name = "bare-xdp", .kind = NFB_FWD_BARE },
	[V_BARE_FLOW] = { .name = "bare-flow-xdp", .kind = NFB_FWD_BARE_FLOW },
};

/* The same chain at XDP: a tc chain's ratio to it. */
static const int at_xdp[NV] = {
	[V_TC1] = V_XDP1,
	[V_TC4] = V_XDP4,
};

static void emit(struct bench *b, const struct nfb_fwd_result *res,
		 double per_round)
{
	char key[48];
	json_object *p;
	int i, x;

	for (i = 0; i < NV; i++) {
		p = nfb_fwd__params(&variants[i], &res[i], MR_FLOWS, MR_FRAME_LEN,
				    per_round);
		if (i != V_BRIDGE)
			json_object_object_add(p, "x_bridge",
					       json_object_new_double(res[i].pps / res[V_BRIDGE].pps));
		if (i != V_BARE)
			json_object_object_add(p, "x_bare",
					       json_object_new_double(res[i].pps / res[V_BARE].pps));
		if (nfb_fwd_is_chain(&variants[i]))
			json_object_object_add(p, "x_bare_flow",
					       json_object_new_double(res[i].pps / res[V_BARE_FLOW].pps));
		x = at_xdp[i];
		if (variants[i].kind == NFB_FWD_CHAIN_TC) {
			snprintf(key, sizeof(key), "x_%s", variants[x].name);
			json_object_object_add(p, key,
					       json_object_new_double(res[i].pps / res[x].pps));
		}
		nfb_emit(b, "macrouter", variants[i].name, "pps_delivered",
			 res[i].pps, "pps", p);
		nfb_emit(b, "macrouter", variants[i].name, "loss", res[i].loss,
			 "%", nfb_fwd__params(&variants[i], &res[i], MR_FLOWS,
					      MR_FRAME_LEN, per_round));
		if (res[i].run_ns)
			nfb_emit(b, "macrouter", variants[i].name, "live_ns_per_run",
				 res[i].run_ns, "ns",
				 nfb_fwd__params(&variants[i], &res[i], MR_FLOWS,
						 MR_FRAME_LEN, per_round));
	}
}

static int scenario_macrouter(struct bench *b)
{
	struct nfb_fwd_result res[NV];
	/* --quick: one live-frames call (0.25 s) per measurement, so that seven
	 * variants in five rounds leave the other scenarios their share of
	 * the minute */
	double per_round = b->quick ? 0.25 : 1.0;
	int r;

	r = nfb_fwd__live(b, "macrouter", variants, NV, MR_FLOWS,
			  MR_FRAME_LEN, per_round, res);
	if (!r)
		emit(b, res, per_round);
	return r;
}

NFB_SCENARIO(macrouter, 30,
	     "live pps: macrouter alone and in a 4-node chain (xdp, tc-ingress; flow cache on, the default) vs bridge vs bare XDP redirect vs a bare per-flow XDP forwarder; each program's live ns per run",
	     scenario_macrouter)
