// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfbench's forwarders between the live bed's host sides (see forwarder.h).
 *
 * The generator's frames reach host side a as xdp_frames in a's NAPI. The
 * XDP forwarders forward them as frames; for everything else a's NAPI makes
 * them skbs first, so the tc and bridge forwarders pay for an skb per frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "forwarder.h"
#include "nfb_fwd.xdp.skel.h"

struct fwd_bed {
	struct bench *b;
	struct nfb_live *l;
	const char *scn;
	struct nfb_fwd_xdp *bare[2];   /* bare: a -> b, b -> a */
	char bridge[IF_NAMESIZE];
	char vxlan[IF_NAMESIZE];
	char nft[32];                  /* the kernel's NAT: an nftables table */
};

static const char *const hook_yaml[] = {
	[NFB_FWD_CHAIN_XDP] = "hook: xdp, mode: native",
	[NFB_FWD_CHAIN_TC] = "hook: tc-ingress",
	[NFB_FWD_ROUTER_XDP] = "hook: xdp, mode: native",
	[NFB_FWD_VPC_XDP] = "hook: xdp, mode: native",
};

/* The VPC of the vpc forwarder and the kernel's VXLAN device: frames from
 * h1 (10.64.0.0/16) to 10.77.0.2, an endpoint behind the VTEP at h2. */
#define FWD_VNI 100
#define FWD_VTEP "192.168.255.1"
#define FWD_VTEP_PEER "192.168.255.2"
/* h1's frames come from 10.64.0.1 on, a source for every 16 flows */
#define FWD_SOURCES 256

static void print_err(struct nfc_err *err)
{
	int i;

	for (i = 0; i < err->n; i++)
		fprintf(stderr, "nfbench: %s\n", err->msg[i]);
}

static int run(struct fwd_bed *w, const char *cmd)
{
	if (!system(cmd))
		return 0;
	fprintf(stderr, "nfbench: %s: '%s' failed\n", w->scn, cmd);
	return -ECHILD;
}

static void yaml_path(struct fwd_bed *w, const struct nfb_fwd *f, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/%s.yaml", w->b->workdir, f->name);
}

/* Chain @f's descriptor opened, its head written: the chain at its hook
 * on both host sides, entering at node @entry; NULL with errno set. */
static FILE *chain_head(struct fwd_bed *w, const struct nfb_fwd *f,
			const char *entry)
{
	const char *a = nfb_live__host(w->l, 0), *b = nfb_live__host(w->l, 1);
	const char *hook = hook_yaml[f->kind];
	char path[128];
	FILE *file;

	yaml_path(w, f, path, sizeof(path));
	file = fopen(path, "w");
	if (file)
		fprintf(file, "chain: %s\n%sattach:\n"
			      "  - {interface: %s, %s}\n"
			      "  - {interface: %s, %s}\n"
			      "entry: %s\nnodes:\n",
			f->name, f->no_cache ? "flow_cache: false\n" : "", a,
			hook, b, hook, entry);
	return file;
}

/* A router node: next hop 1 out of b to h2 (its routes: f->routes, else
 * 10.77.0.0/24 alone);
 * with f->nat, a nat node ahead of it. */
static int write_router(struct fwd_bed *w, const struct nfb_fwd *f)
{
	const char *b = nfb_live__host(w->l, 1);
	FILE *file = chain_head(w, f, f->nat ? "nat" : f->fw_rules ? "fw" : "rt");

	if (!file)
		return -errno;
	if (f->fw_rules)
		fprintf(file, "  - name: fw\n    module: firewall\n    config:\n"
			      "      endpoints:\n"
			      "        - {address: %s, id: 1, ingress: deny, egress: allow}\n",
			NFB_LIVE_DADDR);
	if (f->nat)
		fprintf(file, "  - name: nat\n    module: nat\n    config:\n"
			      "      rules:\n"
			      "        - {id: 1, action: snat, src: %s, to: %s, name: h1-out}\n",
			NFB_LIVE_SNET, NFB_FWD_NAT_ADDR);
	fprintf(file, "  - name: rt\n    module: router\n"
		      "    config:\n      nexthops:\n"
		      "        - {id: 1, interface: %s, gateway: %s}\n"
		      "      neighbors:\n"
		      "        - {interface: %s, address: %s, mac: \"%s\"}\n",
		b, NFB_LIVE_DADDR, b, NFB_LIVE_DADDR,
		nfb_live__endpoint_mac(w->l, 1));
	/* without a file of routes, the one the bed's frames need */
	if (!f->routes)
		fprintf(file, "      routes:\n        - {prefix: 10.77.0.0/24, via: 1}\n");
	if (f->nat || f->fw_rules)
		fprintf(file, "links:\n  - {from: %s, on: pass, to: rt}\n",
			f->nat ? "nat" : "fw");
	return fclose(file) ? -errno : 0;
}

/* A vpc node: host side a the port of VPC FWD_VNI's endpoints (h1's
 * sources), 10.77.0.2 an endpoint behind the VTEP at h2, out of b. */
static int write_vpc(struct fwd_bed *w, const struct nfb_fwd *f)
{
	const char *a = nfb_live__host(w->l, 0), *b = nfb_live__host(w->l, 1);
	const char *h2 = nfb_live__endpoint_mac(w->l, 1);
	char path[128];
	FILE *file;
	int i;

	yaml_path(w, f, path, sizeof(path));
	file = fopen(path, "w");
	if (!file)
		return -errno;
	fprintf(file, "chain: %s\n%sattach:\n"
		      "  - {interface: %s, %s, tenant: %d}\n"
		      "  - {interface: %s, %s}\n"
		      "entry: vpc\nnodes:\n"
		      "  - name: vpc\n    module: vpc\n    config:\n"
		      "      vtep: %s\n      mac: \"02:00:00:00:00:fe\"\n"
		      "      vpcs:\n        - {vni: %d}\n"
		      "      vteps:\n"
		      "        - {address: %s, interface: %s, mac: \"%s\", smac: \"02:00:00:00:00:fe\"}\n"
		      "      endpoints:\n"
		      "        - {vni: %d, address: %s, vtep: %s, mac: \"%s\"}\n",
		f->name, f->no_cache ? "flow_cache: false\n" : "", a,
		hook_yaml[f->kind], FWD_VNI, b, hook_yaml[f->kind], FWD_VTEP,
		FWD_VNI, FWD_VTEP_PEER, b, h2, FWD_VNI, NFB_LIVE_DADDR,
		FWD_VTEP_PEER, h2);
	for (i = 1; i <= FWD_SOURCES; i++)
		fprintf(file, "        - {vni: %d, address: 10.64.%d.%d, interface: %s, mac: \"%s\"}\n",
			FWD_VNI, i >> 8, i & 0xff, a,
			nfb_live__endpoint_mac(w->l, 0));
	return fclose(file) ? -errno : 0;
}

static int write_chain(struct fwd_bed *w, const struct nfb_fwd *f)
{
	const char *a = nfb_live__host(w->l, 0), *b = nfb_live__host(w->l, 1);
	int i, nops = f->nops;
	FILE *file = chain_head(w, f, nops ? "n1" : "mr");

	if (!file)
		return -errno;
	for (i = 1; i <= nops; i++)
		fprintf(file, "  - {name: n%d, module: nop@1.0.0}\n", i);
	if (f->sw) {
		/* h2's address as if learned (h2 sends nothing): an FDB
		 * entry; h1's is learned from the frames */
		fprintf(file, "  - name: mr\n    module: switch@1.1.0\n    config:\n"
			      "      ports:\n"
			      "        - {interface: %s, domain: 1}\n"
			      "        - {interface: %s, domain: 1}\n"
			      "      fdb:\n"
			      "        - {domain: 1, mac: \"%s\", interface: %s}\n",
			a, b, nfb_live__endpoint_mac(w->l, 1), b);
		goto links;
	}
	fprintf(file, "  - name: mr\n    module: macrouter@1.0.0\n    config:\n"
		      "      default: drop\n      routes:\n"
		      "        - {mac: \"%s\", interface: %s}\n"
		      "        - {mac: \"%s\", interface: %s}\n",
		nfb_live__endpoint_mac(w->l, 0), a,
		nfb_live__endpoint_mac(w->l, 1), b);
links:
	if (nops)
		fprintf(file, "links:\n");
	for (i = 1; i < nops; i++)
		fprintf(file, "  - {from: n%d, on: pass, to: n%d}\n", i, i + 1);
	if (nops)
		fprintf(file, "  - {from: n%d, on: pass, to: mr}\n", nops);
	return fclose(file) ? -errno : 0;
}

static int setup(struct fwd_bed *w, const struct nfb_fwd *f)
{
	const char *a = nfb_live__host(w->l, 0), *b = nfb_live__host(w->l, 1);
	struct nfc_err err = {};
	char cmd[512];
	int i, r;

	switch (f->kind) {
	case NFB_FWD_CHAIN_XDP:
	case NFB_FWD_CHAIN_TC:
	case NFB_FWD_ROUTER_XDP:
	case NFB_FWD_VPC_XDP:
		yaml_path(w, f, cmd, sizeof(cmd));
		r = nfc_chain__apply(w->b->h, cmd, NULL, NULL, &err);
		if (!r && f->routes)
			r = nfc_table__load(w->b->h, f->name, "rt", "routes",
					    f->routes, &err);
		if (!r && f->fw_rules)
			r = nfc_table__load(w->b->h, f->name, "fw", "rules",
					    f->fw_rules, &err);
		if (r)
			print_err(&err);
		return r;
	case NFB_FWD_KERNEL:
		if (f->nft) {
			snprintf(cmd, sizeof(cmd), "nft -f %s", f->nft);
			r = run(w, cmd);
			/* then its parts, one transaction each: a big set
			 * in one overflows the netlink socket's buffer */
			for (i = 1; !r; i++) {
				snprintf(cmd, sizeof(cmd), "%s.%d", f->nft, i);
				if (access(cmd, R_OK))
					break;
				snprintf(cmd, sizeof(cmd), "nft -f %s.%d",
					 f->nft, i);
				r = run(w, cmd);
			}
			if (r)
				return r;
		}
		if (f->nat) {
			snprintf(cmd, sizeof(cmd),
				 "nft add table ip %s && "
				 "nft add chain ip %s post '{ type nat hook postrouting priority srcnat; }' && "
				 "nft add rule ip %s post ip saddr %s oifname %s masquerade",
				 w->nft, w->nft, w->nft, NFB_LIVE_SNET, b);
			r = run(w, cmd);
			if (r)
				return r;
		}
		return run(w, "sysctl -qw net.ipv4.ip_forward=1");
	case NFB_FWD_KERNEL_VXLAN:
		/* what the vpc chain does, the kernel's way: 10.77.0.2
		 * routed into a VXLAN device whose one remote is the VTEP at
		 * h2, behind b */
		snprintf(cmd, sizeof(cmd),
			 "ip addr add %s/24 dev %s && "
			 "ip neigh replace %s lladdr %s dev %s nud permanent && "
			 "ip link add %s type vxlan id %d local %s remote %s dstport 4789 dev %s && "
			 "ip link set %s up && "
			 "ip neigh replace %s lladdr %s dev %s nud permanent && "
			 "ip route replace %s/32 dev %s && "
			 "sysctl -qw net.ipv4.ip_forward=1",
			 FWD_VTEP, b, FWD_VTEP_PEER,
			 nfb_live__endpoint_mac(w->l, 1), b, w->vxlan, FWD_VNI,
			 FWD_VTEP, FWD_VTEP_PEER, b, w->vxlan, NFB_LIVE_DADDR,
			 nfb_live__endpoint_mac(w->l, 1), w->vxlan,
			 NFB_LIVE_DADDR, w->vxlan);
		return run(w, cmd);
	case NFB_FWD_BRIDGE:
		/* h2's address is known in advance: no flooding, no learning */
		snprintf(cmd, sizeof(cmd),
			 "ip link add %s type bridge && "
			 "ip link set %s master %s && ip link set %s master %s && "
			 "ip link set %s addrgenmode none up && "
			 "bridge fdb replace %s dev %s master static",
			 w->bridge, a, w->bridge, b, w->bridge, w->bridge,
			 nfb_live__endpoint_mac(w->l, 1), b);
		return run(w, cmd);
	case NFB_FWD_BARE:
	case NFB_FWD_BARE_FLOW:
		for (i = 0; i < 2; i++) {
			struct bpf_program *p = f->kind == NFB_FWD_BARE
				? w->bare[i]->progs.nfb_fwd
				: w->bare[i]->progs.nfb_fwd_flow;

			r = bpf_xdp_attach(nfb_live__host_ifindex(w->l, i),
					   bpf_program__fd(p), XDP_FLAGS_DRV_MODE,
					   NULL);
			if (r) {
				fprintf(stderr, "nfbench: %s: attach to %s: %s\n",
					w->scn, nfb_live__host(w->l, i),
					strerror(-r));
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
 * every forwarder after this one must find the host sides as they were.
 */
static void drop_clsact(struct fwd_bed *w)
{
	int i;

	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, th,
			    .ifindex = nfb_live__host_ifindex(w->l, i),
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
		bpf_tc_hook_destroy(&th);
	}
}

static void teardown(struct fwd_bed *w, const struct nfb_fwd *f)
{
	char cmd[160];
	int i;

	switch (f->kind) {
	case NFB_FWD_BRIDGE:
		snprintf(cmd, sizeof(cmd), "ip link del %s", w->bridge);
		run(w, cmd);
		break;
	case NFB_FWD_BARE:
	case NFB_FWD_BARE_FLOW:
		for (i = 0; i < 2; i++)
			bpf_xdp_detach(nfb_live__host_ifindex(w->l, i),
				       XDP_FLAGS_DRV_MODE, NULL);
		break;
	case NFB_FWD_CHAIN_XDP:
	case NFB_FWD_CHAIN_TC:
	case NFB_FWD_ROUTER_XDP:
	case NFB_FWD_VPC_XDP:
		nfc_chain__delete(w->b->h, f->name, NULL);
		if (f->kind == NFB_FWD_CHAIN_TC)
			drop_clsact(w);
		break;
	case NFB_FWD_KERNEL:
		run(w, "sysctl -qw net.ipv4.ip_forward=0");
		if (f->nft)
			run(w, "nft flush ruleset");
		if (f->nat) {
			snprintf(cmd, sizeof(cmd), "nft delete table ip %s",
				 w->nft);
			run(w, cmd);
		}
		break;
	case NFB_FWD_KERNEL_VXLAN:
		snprintf(cmd, sizeof(cmd),
			 "sysctl -qw net.ipv4.ip_forward=0; ip link del %s; "
			 "ip addr del %s/24 dev %s", w->vxlan, FWD_VTEP,
			 nfb_live__host(w->l, 1));
		run(w, cmd);
		break;
	}
}

/*
 * What a chain's counters saw in the round just measured (a new chain
 * starts at zero). Frames the chain never saw were lost on the way to it;
 * frames it redirected that never arrived, after it.
 */
static int count_chain(struct fwd_bed *w, const struct nfb_fwd *f,
		       struct nfb_fwd_result *res)
{
	struct nfc_chain_view *cv;
	struct nfc_err err = {};
	int r;

	r = nfc_chain__view(w->b->h, f->name, &cv, &err);
	if (r) {
		print_err(&err);
		return r;
	}
	res->chain_packets += cv->counters.packets;
	res->chain_redirects += cv->counters.verdict[NFC_V_REDIRECT];
	res->chain_cached += cv->counters.cached;
	r = cv->counters.verdict[NFC_V_REDIRECT] ? 0 : -EIO;
	if (r)
		fprintf(stderr, "nfbench: %s: %s: the chain redirected nothing (%llu packets)\n",
			w->scn, f->name, (unsigned long long)cv->counters.packets);
	nfc_chain_view__free(cv);
	return r;
}

/* The id of the program forwarder @f runs at host side a, 0 for none. */
static __u32 prog_at_a(struct fwd_bed *w, const struct nfb_fwd *f)
{
	int ifindex = nfb_live__host_ifindex(w->l, 0), i;
	const struct nfc_chain_info *ci;
	__u32 id = 0;

	switch (f->kind) {
	case NFB_FWD_CHAIN_XDP:
	case NFB_FWD_CHAIN_TC:
	case NFB_FWD_ROUTER_XDP:
	case NFB_FWD_VPC_XDP:
		ci = nfc_chain__info(w->b->h, f->name);
		for (i = 0; ci && i < ci->n_attach; i++)
			if (ci->attach[i].ifindex == (__u32)ifindex)
				id = ci->attach[i].prog_id;
		break;
	case NFB_FWD_BARE:
	case NFB_FWD_BARE_FLOW:
		bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &id);
		break;
	case NFB_FWD_BRIDGE:
	case NFB_FWD_KERNEL:
	case NFB_FWD_KERNEL_VXLAN:
		break;
	}
	return id;
}

static int run_stats(int fd, __u64 *ns, __u64 *runs)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*ns = info.run_time_ns;
	*runs = info.run_cnt;
	return 0;
}

/*
 * ns per run of the program @f runs at host side a, over @seconds of live
 * frames with the kernel's run-time statistics on (BPF_ENABLE_STATS: on
 * while its fd is open, for every program of the host; it adds two clock
 * reads to each run, which the figure includes). A round of its own, so
 * that the pps of the others are not taken with them on.
 */
static int measure_run_time(struct fwd_bed *w, const struct nfb_fwd *f,
			    double seconds, struct nfb_fwd_result *res)
{
	struct nfb_live_result lr;
	__u64 ns0 = 0, runs0 = 0, ns1 = 0, runs1 = 0;
	int r, stats = -1, fd = -1;
	__u32 id;

	res->run_ns = 0;
	r = setup(w, f);
	id = r ? 0 : prog_at_a(w, f);
	if (id) {
		fd = bpf_prog_get_fd_by_id(id);
		stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (fd < 0 || stats < 0) {
			r = -errno;
			fprintf(stderr, "nfbench: %s: %s: run-time statistics: %s\n",
				w->scn, f->name, strerror(errno));
		}
	}
	if (!r && fd >= 0) {
		r = run_stats(fd, &ns0, &runs0) ?:
		    nfb_live__measure(w->l, seconds, &lr) ?:
		    run_stats(fd, &ns1, &runs1);
		if (!r && runs1 > runs0)
			res->run_ns = (double)(ns1 - ns0) / (runs1 - runs0);
	}
	if (stats >= 0)
		close(stats);
	if (fd >= 0)
		close(fd);
	teardown(w, f);
	return r;
}

static int load_bare(struct fwd_bed *w)
{
	int i, r;

	for (i = 0; i < 2; i++) {
		w->bare[i] = nfb_fwd_xdp__open();
		if (!w->bare[i])
			return -errno;
		w->bare[i]->rodata->out_ifindex = nfb_live__host_ifindex(w->l, !i);
		r = nfb_fwd_xdp__load(w->bare[i]);
		if (r)
			return r;
	}
	return 0;
}

static void summarize(struct nfb_fwd_result *res)
{
	double pps[NFB_ROUNDS], loss[NFB_ROUNDS], offered[NFB_ROUNDS];
	int k;

	res->sent = res->received = 0;
	for (k = 0; k < NFB_ROUNDS; k++) {
		pps[k] = res->round[k].pps;
		loss[k] = res->round[k].loss * 100;
		offered[k] = res->round[k].sent_pps;
		res->sent += res->round[k].sent;
		res->received += res->round[k].received;
	}
	res->pps = nfb_median(pps, NFB_ROUNDS);
	res->loss = nfb_median(loss, NFB_ROUNDS);
	res->offered = nfb_median(offered, NFB_ROUNDS);
}

int nfb_fwd__measure(struct bench *b, struct nfb_live *l, const char *scn,
		     const struct nfb_fwd *f, int n, double seconds,
		     struct nfb_fwd_result *res)
{
	struct fwd_bed w = { .b = b, .l = l, .scn = scn };
	int i, k, v, r = 0;

	memset(res, 0, n * sizeof(*res));
	snprintf(w.bridge, sizeof(w.bridge), "nfb%dbr", getpid());
	snprintf(w.vxlan, sizeof(w.vxlan), "nfb%dvx", getpid());
	snprintf(w.nft, sizeof(w.nft), "nfbench%d", getpid());
	for (v = 0; !r && v < n; v++)
		if (f[v].kind == NFB_FWD_ROUTER_XDP)
			r = write_router(&w, &f[v]);
		else if (f[v].kind == NFB_FWD_VPC_XDP)
			r = write_vpc(&w, &f[v]);
		else if (nfb_fwd_is_chain(&f[v]))
			r = write_chain(&w, &f[v]);
	if (!r)
		r = load_bare(&w);
	for (k = 0; !r && k < NFB_ROUNDS; k++) {
		fprintf(stderr, "nfbench: %s: round %d/%d\n", scn, k + 1,
			NFB_ROUNDS);
		for (i = 0; !r && i < n; i++) {
			v = (i + k) % n;
			r = setup(&w, &f[v]);
			if (!r)
				r = nfb_live__measure(l, seconds, &res[v].round[k]);
			if (!r && nfb_fwd_is_chain(&f[v]))
				r = count_chain(&w, &f[v], &res[v]);
			teardown(&w, &f[v]);
			if (!r && !res[v].round[k].received) {
				fprintf(stderr, "nfbench: %s: %s: nothing arrived at h2\n",
					scn, f[v].name);
				r = -EIO;
			}
		}
	}
	for (v = 0; !r && v < n; v++)
		r = measure_run_time(&w, &f[v], seconds, &res[v]);
	for (v = 0; !r && v < n; v++)
		summarize(&res[v]);
	for (i = 0; i < 2; i++)
		nfb_fwd_xdp__destroy(w.bare[i]);
	return r;
}

int nfb_fwd__routed_bed(struct nfb_live *l, const char *scn)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
		 "ip addr add 10.64.255.254/16 dev %s && ip addr add %s/24 dev %s && "
		 "ip neigh replace %s lladdr %s dev %s nud permanent",
		 nfb_live__host(l, 0), NFB_FWD_NAT_ADDR, nfb_live__host(l, 1),
		 NFB_LIVE_DADDR, nfb_live__endpoint_mac(l, 1),
		 nfb_live__host(l, 1));
	if (!system(cmd))
		return 0;
	fprintf(stderr, "nfbench: %s: '%s' failed\n", scn, cmd);
	return -ECHILD;
}

json_object *nfb_fwd__params(const struct nfb_fwd *f,
			     const struct nfb_fwd_result *r, __u32 flows,
			     __u32 frame_len, double seconds)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "frame_bytes", json_object_new_int(frame_len));
	json_object_object_add(p, "flows", json_object_new_int(flows));
	json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
	json_object_object_add(p, "seconds_per_round", json_object_new_double(seconds));
	json_object_object_add(p, "frames_sent", json_object_new_int64(r->sent));
	json_object_object_add(p, "frames_received", json_object_new_int64(r->received));
	json_object_object_add(p, "offered_pps", json_object_new_double(r->offered));
	json_object_object_add(p, "generator_cpu", json_object_new_int(r->round[0].gen_cpu));
	json_object_object_add(p, "forwarding_cpu", json_object_new_int(r->round[0].dut_cpu));
	if (r->run_ns)
		json_object_object_add(p, "live_ns_per_run",
				       json_object_new_double(r->run_ns));
	if (nfb_fwd_is_chain(f)) {
		json_object_object_add(p, "flow_cache", json_object_new_boolean(!f->no_cache));
		json_object_object_add(p, "chain_packets",
				       json_object_new_int64(r->chain_packets));
		json_object_object_add(p, "chain_redirects",
				       json_object_new_int64(r->chain_redirects));
		json_object_object_add(p, "chain_cached",
				       json_object_new_int64(r->chain_cached));
	}
	return p;
}

int nfb_fwd__live(struct bench *b, const char *scn, const struct nfb_fwd *f,
		  int n, __u32 flows, __u32 frame_len, double seconds,
		  struct nfb_fwd_result *res)
{
	struct nfb_live *l;
	int r;

	NFC_OPTS(nfb_live_opts, lo, .flows = flows, .frame_len = frame_len);

	r = nfb_live__create(&l, &lo);
	if (r)
		return r;
	r = nfb_fwd__measure(b, l, scn, f, n, seconds, res);
	nfb_live__destroy(l);
	return r;
}
