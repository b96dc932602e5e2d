// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * swap: hot swaps while live traffic flows. A macrouter chain forwards a
 * paced stream from h1 to h2 (the forwarding runs on the generator's CPU,
 * so the only frames that can go missing are the ones a swap loses) while
 * its node is swapped between macrouter 1.0.0 and 1.1.0 back to back.
 * Figures: swaps per second, swap latency p50/p99 (to the atomic switch and
 * in all, grace period included), frames lost, missed tail calls.
 *
 * The chain runs without its flow cache (`flow_cache: false`), so that
 * every frame walks the chain while its node is swapped: a swap can only
 * lose frames that are inside the chain, and with the cache only a flow's
 * first frame after each swap would be.
 *
 * The live-frames generator keeps its CPU inside BPF_PROG_TEST_RUN calls of
 * up to 0.25 s, which holds back RCU grace periods: the "in all" latency
 * (and so swaps per second) is pessimistic here; the time to the switch,
 * which decides where packets go, is not affected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nfbench.h"
#include "live.h"

#define SWAP_RATE 200000.0
#define SWAP_FLOWS 256

static int write_chain(struct bench *b, struct nfb_live *l, char *path,
		       size_t len)
{
	const char *h0 = nfb_live__host(l, 0), *h1 = nfb_live__host(l, 1);
	FILE *f;

	snprintf(path, len, "%s/swap.yaml", b->workdir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "chain: swap\nflow_cache: false\nattach:\n"
		   "  - {interface: %s, hook: xdp, mode: native}\n"
		   "  - {interface: %s, hook: xdp, mode: native}\n"
		   "entry: mr\nnodes:\n"
		   "  - name: mr\n    module: macrouter@1.0.0\n    config:\n"
		   "      routes:\n"
		   "        - {mac: \"%s\", interface: %s}\n"
		   "        - {mac: \"%s\", interface: %s}\n",
		h0, h1, nfb_live__endpoint_mac(l, 0), h0,
		nfb_live__endpoint_mac(l, 1), h1);
	return fclose(f) ? -errno : 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double pct(double *v, int n, double p)
{
	int i = (int)(p / 100 * (n - 1) + 0.5);

	nfb_median(v, n); /* sorts */
	return v[i < n ? i : n - 1];
}

static __u64 missed_tail_calls(struct bench *b)
{
	struct nfc_chain_view *v;
	__u64 n;

	if (nfc_chain__view(b->h, "swap", &v, NULL))
		return ~0ULL;
	n = v->counters.drop[NFC_DROP_MISSED_TAIL_CALL];
	nfc_chain_view__free(v);
	return n;
}

static json_object *base_params(int swaps, const struct nfb_live_result *r)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "swaps", json_object_new_int(swaps));
	json_object_object_add(p, "offered_pps", json_object_new_double(r->sent_pps));
	json_object_object_add(p, "frames_sent", json_object_new_uint64(r->sent));
	json_object_object_add(p, "frames_received", json_object_new_uint64(r->received));
	json_object_object_add(p, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(p, "modules", json_object_new_string("macrouter@1.0.0 <-> macrouter@1.1.0"));
	json_object_object_add(p, "repeat", json_object_new_int(swaps));
	json_object_object_add(p, "flow_cache", json_object_new_boolean(false));
	json_object_object_add(p, "note", json_object_new_string(
		"the in-kernel generator delays RCU grace periods: total latency is an upper bound"));
	return p;
}

static int scenario_swap(struct bench *b)
{
	int swaps = b->quick ? 50 : 200, i, r;
	double *total = calloc(swaps, sizeof(double));
	double *flip = calloc(swaps, sizeof(double));
	struct nfc_apply_result res;
	struct nfb_live_result lr;
	struct nfc_err err = {};
	struct nfb_live *l;
	char path[128];
	double t0, wall;
	__u64 missed;

	if (!total || !flip)
		return -ENOMEM;
	NFC_OPTS(nfb_live_opts, lo, .flows = SWAP_FLOWS, .frame_len = 64,
		 .rate = SWAP_RATE, .one_cpu = true);
	r = nfb_live__create(&l, &lo);
	if (r)
		goto out_free;
	r = write_chain(b, l, path, sizeof(path));
	if (!r)
		r = nfc_chain__apply(b->h, path, NULL, NULL, &err);
	if (r)
		goto out;
	fprintf(stderr, "nfbench: swap: %d swaps under %.0f frames/s\n", swaps, SWAP_RATE);
	r = nfb_live__start(l, 0);
	if (r)
		goto out_chain;
	t0 = now_ms();
	for (i = 0; i < swaps && !r; i++) {
		r = nfc_chain__swap(b->h, "swap", "mr",
				    i % 2 ? "macrouter@1.0.0" : "macrouter@1.1.0",
				    &res, &err);
		total[i] = res.total_ms;
		flip[i] = res.flip_ms;
	}
	wall = now_ms() - t0;
	i = nfb_live__stop(l, &lr);
	r = r ?: i;
	if (r)
		goto out_chain;
	missed = missed_tail_calls(b);
	nfb_emit(b, "swap", "ultranio", "swaps_per_second", swaps / (wall / 1e3),
		 "1/s", base_params(swaps, &lr));
	nfb_emit(b, "swap", "ultranio", "latency_p50", pct(total, swaps, 50), "ms",
		 base_params(swaps, &lr));
	nfb_emit(b, "swap", "ultranio", "latency_p99", pct(total, swaps, 99), "ms",
		 base_params(swaps, &lr));
	nfb_emit(b, "swap", "ultranio", "to_switch_p50", pct(flip, swaps, 50), "ms",
		 base_params(swaps, &lr));
	nfb_emit(b, "swap", "ultranio", "to_switch_p99", pct(flip, swaps, 99), "ms",
		 base_params(swaps, &lr));
	nfb_emit(b, "swap", "ultranio", "frames_lost", (double)(lr.sent - lr.received),
		 "frames", base_params(swaps, &lr));
	nfb_emit(b, "swap", "ultranio", "missed_tail_calls", (double)missed, "calls",
		 base_params(swaps, &lr));
out_chain:
	nfc_chain__delete(b->h, "swap", NULL);
out:
	for (i = 0; i < err.n; i++)
		fprintf(stderr, "nfbench: swap: %s\n", err.msg[i]);
	nfb_live__destroy(l);
out_free:
	free(total);
	free(flip);
	return r;
}

NFB_SCENARIO(swap, 40, "hot swaps of a macrouter node under live traffic (flow cache off): rate, latency, loss",
	     scenario_swap)
