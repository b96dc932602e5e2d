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
 * Each round sets up every variant in turn (the order rotates), measures
 * it and takes it down again; figures are medians over the rounds.
 *
 * The generator's frames reach host side a as xdp_frames in a's NAPI. The
 * XDP variants forward them as frames; for everything else a's NAPI makes
 * them skbs first, so the tc and bridge variants pay for an skb per frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include "nfbench.h"
#include "live.h"
#include "nfb_fwd.xdp.skel.h"

#define MR_FRAME_LEN 64
#define MR_FLOWS 4096

enum { V_XDP1, V_XDP4, V_TC1, V_TC4, V_BRIDGE, V_BARE, NV };
enum hook { NOT_A_CHAIN, AT_XDP, AT_TC };

static const char *const hook_yaml[] = {
	[AT_XDP] = "hook: xdp, mode: native",
	[AT_TC] = "hook: tc-ingress",
};

/* A variant's name is also its chain's. */
static const struct {
	const char *name;
	enum hook hook;
	int nops;          /* nop nodes ahead of the macrouter */
	int xdp;           /* the same chain at XDP: a tc chain's ratio to it */
} variants[NV] = {
	[V_XDP1] = { "ultranio-1-xdp", AT_XDP, 0, V_XDP1 },
	[V_XDP4] = { "ultranio-4-xdp", AT_XDP, 3, V_XDP4 },
	[V_TC1] = { "ultranio-1-tc", AT_TC, 0, V_XDP1 },
	[V_TC4] = { "ultranio-4-tc", AT_TC, 3, V_XDP4 },
	[V_BRIDGE] = { "linux-bridge" },
	[V_BARE] = { "bare-xdp" },
};

struct mr {
	struct bench *b;
	struct nfb_live *l;
	struct nfb_fwd_xdp *fwd[2];    /* bare-xdp: a -> b, b -> a */
	char bridge[IF_NAMESIZE];
	char yaml[NV][128];
	/* chains: what the chain's counters saw, totals over the rounds */
	__u64 chain_packets[NV], chain_redirects[NV];
};

static int write_chain(struct mr *m, int v)
{
	const char *a = nfb_live__host(m->l, 0), *b = nfb_live__host(m->l, 1);
	const char *hook = hook_yaml[variants[v].hook];
	int i, nops = variants[v].nops;
	FILE *f;

	snprintf(m->yaml[v], sizeof(m->yaml[v]), "%s/%s.yaml", m->b->workdir,
		 variants[v].name);
	f = fopen(m->yaml[v], "w");
	if (!f)
		return -errno;
	fprintf(f, "chain: %s\nattach:\n"
		   "  - {interface: %s, %s}\n"
		   "  - {interface: %s, %s}\n"
		   "entry: %s\nnodes:\n",
		variants[v].name, a, hook, b, hook, nops ? "n1" : "mr");
	for (i = 1; i <= nops; i++)
		fprintf(f, "  - {name: n%d, module: nop@1.0.0}\n", i);
	fprintf(f, "  - name: mr\n    module: macrouter@1.0.0\n    config:\n"
		   "      default: drop\n      routes:\n"
		   "        - {mac: \"%s\", interface: %s}\n"
		   "        - {mac: \"%s\", interface: %s}\n",
		nfb_live__endpoint_mac(m->l, 0), a,
		nfb_live__endpoint_mac(m->l, 1), b);
	if (nops)
		fprintf(f, "links:\n");
	for (i = 1; i < nops; i++)
		fprintf(f, "  - {from: n%d, on: pass, to: n%d}\n", i, i + 1);
	if (nops)
		fprintf(f, "  - {from: n%d, on: pass, to: mr}\n", nops);
	return fclose(f) ? -errno : 0;
}

static void print_err(struct nfc_err *err)
{
	int i;

	for (i = 0; i < err->n; i++)
		fprintf(stderr, "nfbench: %s\n", err->msg[i]);
}

static int run(const char *cmd)
{
	if (!system(cmd))
		return 0;
	fprintf(stderr, "nfbench: macrouter: '%s' failed\n", cmd);
	return -ECHILD;
}

static int setup(struct mr *m, int v)
{
	const char *a = nfb_live__host(m->l, 0), *b = nfb_live__host(m->l, 1);
	struct nfc_err err = {};
	char cmd[512];
	int i, r;

	if (variants[v].hook != NOT_A_CHAIN) {
		r = nfc_chain__apply(m->b->h, m->yaml[v], NULL, NULL, &err);
		if (r)
			print_err(&err);
		return r;
	}
	switch (v) {
	case V_BRIDGE:
		/* h2's address is known in advance: no flooding, no learning */
		snprintf(cmd, sizeof(cmd),
			 "ip link add %s type bridge && "
			 "ip link set %s master %s && ip link set %s master %s && "
			 "ip link set %s addrgenmode none up && "
			 "bridge fdb replace %s dev %s master static",
			 m->bridge, a, m->bridge, b, m->bridge, m->bridge,
			 nfb_live__endpoint_mac(m->l, 1), b);
		return run(cmd);
	case V_BARE:
		for (i = 0; i < 2; i++) {
			r = bpf_xdp_attach(nfb_live__host_ifindex(m->l, i),
					   bpf_program__fd(m->fwd[i]->progs.nfb_fwd),
					   XDP_FLAGS_DRV_MODE, NULL);
			if (r) {
				fprintf(stderr, "nfbench: macrouter: attach to %s: %s\n",
					nfb_live__host(m->l, i), strerror(-r));
				return r;
			}
		}
		return 0;
	}
	return -EINVAL;
}

/*
 * Deleting a chain takes its filters off but leaves the clsact qdisc the
 * library made, which other filters may share. Here nothing else does, and
 * every variant after this one must find the host sides as they were.
 */
static void drop_clsact(struct mr *m)
{
	int i;

	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, th,
			    .ifindex = nfb_live__host_ifindex(m->l, i),
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
		bpf_tc_hook_destroy(&th);
	}
}

static void teardown(struct mr *m, int v)
{
	char cmd[64];
	int i;

	switch (v) {
	case V_BRIDGE:
		snprintf(cmd, sizeof(cmd), "ip link del %s", m->bridge);
		run(cmd);
		break;
	case V_BARE:
		for (i = 0; i < 2; i++)
			bpf_xdp_detach(nfb_live__host_ifindex(m->l, i),
				       XDP_FLAGS_DRV_MODE, NULL);
		break;
	default:
		nfc_chain__delete(m->b->h, variants[v].name, NULL);
		if (variants[v].hook == AT_TC)
			drop_clsact(m);
	}
}

/*
 * What a chain's counters saw in the round just measured (a new chain
 * starts at zero). Frames the chain never saw were lost on the way to it;
 * frames it redirected that never arrived, after it.
 */
static int count_chain(struct mr *m, int v)
{
	struct nfc_chain_view *cv;
	struct nfc_err err = {};
	int r;

	r = nfc_chain__view(m->b->h, variants[v].name, &cv, &err);
	if (r) {
		print_err(&err);
		return r;
	}
	m->chain_packets[v] += cv->counters.packets;
	m->chain_redirects[v] += cv->counters.verdict[NFC_V_REDIRECT];
	r = cv->counters.verdict[NFC_V_REDIRECT] ? 0 : -EIO;
	if (r)
		fprintf(stderr, "nfbench: macrouter: %s: the chain redirected nothing (%llu packets)\n",
			variants[v].name, (unsigned long long)cv->counters.packets);
	nfc_chain_view__free(cv);
	return r;
}

static int load_fwd(struct mr *m)
{
	int i, r;

	for (i = 0; i < 2; i++) {
		m->fwd[i] = nfb_fwd_xdp__open();
		if (!m->fwd[i])
			return -errno;
		m->fwd[i]->rodata->out_ifindex = nfb_live__host_ifindex(m->l, !i);
		r = nfb_fwd_xdp__load(m->fwd[i]);
		if (r)
			return r;
	}
	return 0;
}

struct figures {
	double pps, loss, offered;     /* medians over the rounds */
	__u64 sent, received;          /* totals */
};

static void summarize(const struct nfb_live_result *r, struct figures *f)
{
	double pps[NFB_ROUNDS], loss[NFB_ROUNDS], offered[NFB_ROUNDS];
	int k;

	memset(f, 0, sizeof(*f));
	for (k = 0; k < NFB_ROUNDS; k++) {
		pps[k] = r[k].pps;
		loss[k] = r[k].loss * 100;
		offered[k] = r[k].sent_pps;
		f->sent += r[k].sent;
		f->received += r[k].received;
	}
	f->pps = nfb_median(pps, NFB_ROUNDS);
	f->loss = nfb_median(loss, NFB_ROUNDS);
	f->offered = nfb_median(offered, NFB_ROUNDS);
}

/* What every figure of variant @v carries. */
static json_object *params(const struct mr *m, int v, const struct figures *f,
			   const struct nfb_live_result *r, double per_round)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "frame_bytes", json_object_new_int(MR_FRAME_LEN));
	json_object_object_add(p, "flows", json_object_new_int(MR_FLOWS));
	json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
	json_object_object_add(p, "seconds_per_round", json_object_new_double(per_round));
	json_object_object_add(p, "frames_sent", json_object_new_int64(f->sent));
	json_object_object_add(p, "frames_received", json_object_new_int64(f->received));
	json_object_object_add(p, "offered_pps", json_object_new_double(f->offered));
	json_object_object_add(p, "generator_cpu", json_object_new_int(r->gen_cpu));
	json_object_object_add(p, "forwarding_cpu", json_object_new_int(r->dut_cpu));
	if (variants[v].hook != NOT_A_CHAIN) {
		json_object_object_add(p, "chain_packets",
				       json_object_new_int64(m->chain_packets[v]));
		json_object_object_add(p, "chain_redirects",
				       json_object_new_int64(m->chain_redirects[v]));
	}
	return p;
}

static void emit(struct mr *m, struct nfb_live_result res[NV][NFB_ROUNDS],
		 double per_round)
{
	struct figures f[NV];
	char key[48];
	json_object *p;
	int i, x;

	for (i = 0; i < NV; i++)
		summarize(res[i], &f[i]);
	for (i = 0; i < NV; i++) {
		p = params(m, i, &f[i], res[i], per_round);
		if (i != V_BRIDGE)
			json_object_object_add(p, "x_bridge",
					       json_object_new_double(f[i].pps / f[V_BRIDGE].pps));
		if (i != V_BARE)
			json_object_object_add(p, "x_bare",
					       json_object_new_double(f[i].pps / f[V_BARE].pps));
		x = variants[i].xdp;
		if (variants[i].hook != NOT_A_CHAIN && x != i) {
			snprintf(key, sizeof(key), "x_%s", variants[x].name);
			json_object_object_add(p, key,
					       json_object_new_double(f[i].pps / f[x].pps));
		}
		nfb_emit(m->b, "macrouter", variants[i].name, "pps_delivered",
			 f[i].pps, "pps", p);
		nfb_emit(m->b, "macrouter", variants[i].name, "loss", f[i].loss,
			 "%", params(m, i, &f[i], res[i], per_round));
	}
}

static int scenario_macrouter(struct bench *b)
{
	struct nfb_live_result res[NV][NFB_ROUNDS];
	/* --quick: one live-frames call (0.25 s) per measurement, so that six
	 * variants in five rounds leave the other scenarios their share of
	 * the minute */
	double per_round = b->quick ? 0.25 : 1.0;
	struct mr m = { .b = b };
	int i, k, v, r;

	NFC_OPTS(nfb_live_opts, lo, .flows = MR_FLOWS, .frame_len = MR_FRAME_LEN);

	r = nfb_live__create(&m.l, &lo);
	if (r)
		return r;
	snprintf(m.bridge, sizeof(m.bridge), "nfb%dbr", getpid());
	for (v = 0; !r && v < NV; v++)
		if (variants[v].hook != NOT_A_CHAIN)
			r = write_chain(&m, v);
	if (!r)
		r = load_fwd(&m);
	for (k = 0; !r && k < NFB_ROUNDS; k++) {
		fprintf(stderr, "nfbench: macrouter: round %d/%d\n", k + 1,
			NFB_ROUNDS);
		for (i = 0; !r && i < NV; i++) {
			v = (i + k) % NV;
			r = setup(&m, v);
			if (!r)
				r = nfb_live__measure(m.l, per_round, &res[v][k]);
			if (!r && variants[v].hook != NOT_A_CHAIN)
				r = count_chain(&m, v);
			teardown(&m, v);
			if (!r && !res[v][k].received) {
				fprintf(stderr, "nfbench: macrouter: %s: nothing arrived at h2\n",
					variants[v].name);
				r = -EIO;
			}
		}
	}
	if (!r)
		emit(&m, res, per_round);
	for (i = 0; i < 2; i++)
		nfb_fwd_xdp__destroy(m.fwd[i]);
	nfb_live__destroy(m.l);
	return r;
}

NFB_SCENARIO(macrouter, 30,
	     "live pps: macrouter alone and in a 4-node chain (xdp, tc-ingress) vs bridge vs bare XDP redirect",
	     scenario_macrouter)
