// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * firewall: what a connection's first packet costs the firewall module
 * (nf/firewall) as one endpoint's rules grow, under BPF_PROG_TEST_RUN at
 * XDP.
 *
 * Each variant is a chain of one firewall node with the flow cache off
 * (`flow_cache: false`), so that every frame is judged as a connection's
 * first frame is: the root, conntrack, the firewall (the endpoints, the
 * source's egress rule set: its decision tree and a leaf's rules) and the
 * executor. The rules are N random ones of the endpoint 192.0.2.1's egress,
 * each of them specific, so that a big set is as big as it looks (no rule
 * of any peer and any port to shadow those after it): peers inside
 * 10.0.0.0/8 of lengths 16 to 32, TCP or UDP, any port, one port or a
 * range; loaded at once from a file (`nfctl nf ... rules load`: one
 * compile). The frames (NFB_FLOWS UDP connections from 192.0.2.1) go, half
 * of them, to addresses inside a rule's peer prefix, the others anywhere
 * in 10.0.0.0/8, to random ports; allowed or denied as the rules say.
 * Variants:
 *   xdp-fw-N    N of 10, 1k, 10k, 100k and, in full runs, 1M (its node's
 *               capacity raised to 2^20): ns per packet, x_10 (its ratio to
 *               10 rules), rule_ns (less the 1-nop chain's cost), compile_ms
 *               (the load of its rules);
 *   xdp-fw-nop  a chain of one nop node, the flow cache off too;
 *   xdp-est-10, xdp-est-100000  an established connection's packets:
 *               the same chains with the flow cache on (the flows' first
 *               frames, in the unmeasured pass, judged).
 * The goal: the first packet at 100k rules <= 2x its cost at 10
 * (goal_x, goal_met on xdp-fw-100000). Interleaved round by round after an
 * unmeasured pass, medians of NFB_ROUNDS.
 *
 * Then live frames (forwarder.h, the routed bed, 4096 UDP flows from
 * 10.64.0.0/16 to 10.77.0.2:5001): a firewall node ahead of a router at
 * XDP, the flow cache on as users run it, 10.77.0.2 an endpoint with
 * FW_LIVE_RULES ingress rules its traffic never meets and an allow last
 * (live-fw-xdp-N), against the kernel's forwarding with the same rules in
 * nftables as a linear chain (live-nft-linear-N: every packet walks them)
 * and as interval sets (live-nft-sets-N), and a bare redirect; delivered
 * pps, x_nft_linear, x_nft_sets, and the goal of 100x the linear
 * chain (goal_x, goal_met on live-fw-xdp-N).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include "nfbench.h"
#include "live.h"
#include "forwarder.h"

#define FW_GOAL_X 2.0
#define FW_MAX_FIGS 9
#define FW_SEED 20261202u
#define FW_LIVE_RULES 10000
#define FW_CAPACITY 262144 /* the firewall's default (nf/firewall/firewall.h) */
#define FW_LIVE_GOAL_X 100.0
#define FW_LIVE_FLOWS 4096
#define FW_LIVE_FRAME 64
#define FW_LIVE_PART 1000

static const __u32 sizes[] = { 10, 1000, 10000, 100000, 1000000 };
#define FW_SIZES_QUICK 4 /* --quick: up to 100k */

struct ffig {
	char name[32];
	__u32 rules;             /* 0: the nop chain */
	bool cache;              /* established: the flow cache on */
	int fd, held;
	double med, compile_ms;
	__u32 allowed;           /* of the NFB_FLOWS frames */
	__u32 dst[NFB_FLOWS];    /* the frames' destinations */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static __u32 fw_rnd(__u32 *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* What the frame function makes: @cur's frames, one after another. */
static const struct ffig *cur;
static __u32 frame_next;

/* nfbench's UDP frame of @flow, from 192.0.2.1 to @cur's destinations
 * and random ports. */
static void fw_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct iphdr *ip = (void *)(buf + sizeof(struct ethhdr));
	struct udphdr *udp = (void *)(ip + 1);
	__u32 s = FW_SEED + frame_next++ % NFB_FLOWS;

	nfb_udp_frame(buf, len, flow);
	ip->saddr = htonl(0xc0000201); /* 192.0.2.1 */
	ip->daddr = htonl(cur->dst[(frame_next - 1) % NFB_FLOWS]);
	fw_rnd(&s);
	udp->source = htons(1024 + (flow & 0x3fff));
	udp->dest = htons(fw_rnd(&s) % 3 ? 1 + fw_rnd(&s) % 2600 : fw_rnd(&s));
}

/* @n random rules of endpoint 1's egress, as `rules load` takes them;
 * the frames' destinations picked among them. */
static int write_rules(const char *path, __u32 n, __u32 *dst)
{
	FILE *f = fopen(path, "w");
	__u32 s = FW_SEED ^ n, i, plen, a, h, lo, hi;
	char addr[INET_ADDRSTRLEN];

	if (!f)
		return -errno;
	for (i = 0; i < NFB_FLOWS; i++)
		dst[i] = 0x0a000000 | (fw_rnd(&s) & 0xffffff);
	for (i = 0; i < n; i++) {
		plen = 16 + fw_rnd(&s) % 17;
		h = (0x0a000000 | (fw_rnd(&s) & 0xffffff));
		a = htonl(h & ~0u << (32 - plen));
		/* every other frame into one of the first rules' prefixes */
		if (i < NFB_FLOWS / 2)
			dst[2 * i] = h;
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
		fprintf(f, "id %u endpoint 1 direction egress action %s priority %u proto %s peer %s/%u",
			i + 1, fw_rnd(&s) % 2 ? "deny" : "allow",
			fw_rnd(&s) % 1000, fw_rnd(&s) % 2 ? "6" : "17", addr,
			plen);
		switch (fw_rnd(&s) % 3) {
		case 0:
			break;
		case 1:
			fprintf(f, " port %u", 1 + fw_rnd(&s) % 2000);
			break;
		default:
			lo = 1 + fw_rnd(&s) % 2000;
			hi = lo + 1 + fw_rnd(&s) % 500;
			fprintf(f, " port %u port_end %u", lo, hi);
		}
		fputc('\n', f);
	}
	return fclose(f) ? -errno : 0;
}

static int setup_fw(struct bench *b, struct ffig *f, struct nfc_err *err)
{
	char path[128], rules[128];
	double t0;
	FILE *c;
	int r;

	fprintf(stderr, "nfbench: firewall: %s: %u rules\n", f->name, f->rules);
	snprintf(rules, sizeof(rules), "%s/%s.rules", b->workdir, f->name);
	r = write_rules(rules, f->rules, f->dst);
	if (r)
		return nfc_errf(err, r, "%s: %s", rules, strerror(-r));
	r = nfb_chain_file(b, f->name, path, sizeof(path), &c, err);
	if (r)
		return r;
	fprintf(c, "chain: %s\nflow_cache: %s\n"
		   "attach:\n  - {interface: %s, hook: xdp, mode: skb}\n"
		   "entry: fw\nnodes:\n  - name: fw\n    module: firewall\n"
		   "    config:\n      capacity: %u\n      endpoints:\n"
		   "        - {address: 192.0.2.1, id: 1, ingress: allow, egress: deny}\n",
		f->name, f->cache ? "true" : "false", f->name,
		f->rules > FW_CAPACITY ? 1u << 20 : FW_CAPACITY);
	r = nfb_chain_file_apply(b, c, path, err);
	t0 = now_ns();
	if (!r)
		r = nfc_table__load(b->h, f->name, "fw", "rules", rules, err);
	f->compile_ms = (now_ns() - t0) / 1e6;
	unlink(rules);
	return r;
}

/* Every frame judged: passed or dropped, nothing else. */
static int check_verdicts(struct ffig *f)
{
	__u8 frame[64];
	__u32 i;

	cur = f;
	frame_next = 0;
	f->allowed = 0;
	for (i = 0; i < NFB_FLOWS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = sizeof(frame), .repeat = 1);

		fw_frame(frame, sizeof(frame), i);
		if (bpf_prog_test_run_opts(f->fd, &o))
			return -errno;
		if (o.retval != XDP_PASS && o.retval != XDP_DROP) {
			fprintf(stderr, "nfbench: firewall: %s: frame %u: XDP verdict %u\n",
				f->name, i, o.retval);
			return -EPROTO;
		}
		f->allowed += o.retval == XDP_PASS;
	}
	return 0;
}

static double run_nth(struct bench *b, int i, void *figs)
{
	cur = &((struct ffig *)figs)[i];
	frame_next = 0;
	return nfb_run_frames_ns(b, cur->fd, fw_frame);
}

static void emit(struct bench *b, struct ffig *figs, int n)
{
	const struct ffig *nop = &figs[0], *ten = &figs[1];
	json_object *p;
	int i;

	for (i = 0; i < n; i++) {
		struct ffig *f = &figs[i];

		p = json_object_new_object();
		json_object_object_add(p, "rules", json_object_new_int64(f->rules));
		json_object_object_add(p, "flow_cache", json_object_new_boolean(f->cache));
		json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
		if (f->rules && !f->cache) {
			json_object_object_add(p, "allowed_frames",
					       json_object_new_int(f->allowed));
			json_object_object_add(p, "rule_ns",
					       json_object_new_double(f->med - nop->med));
			json_object_object_add(p, "x_10",
					       json_object_new_double(f->med / ten->med));
			json_object_object_add(p, "compile_ms",
					       json_object_new_double(f->compile_ms));
		}
		if (f->rules == 100000 && !f->cache) {
			json_object_object_add(p, "goal_x", json_object_new_double(FW_GOAL_X));
			json_object_object_add(p, "goal_met", json_object_new_boolean(
				f->med <= FW_GOAL_X * ten->med));
			fprintf(stderr, "nfbench: firewall: %s: %.1f ns, %.2fx the 10-rule set's (goal <= %.0fx: %s); compiled in %.0f ms\n",
				f->name, f->med, f->med / ten->med, FW_GOAL_X,
				f->med <= FW_GOAL_X * ten->med ? "met" : "missed",
				f->compile_ms);
		}
		nfb_emit(b, "firewall", f->name, "ns_per_packet", f->med, "ns", p);
	}
}

/*
 * Live: 10.77.0.2 an endpoint whose ingress has @n rules, none of which the
 * bed's traffic (UDP from 10.64.0.0/16 to port 5001) meets but the last, an
 * allow at the lowest priority; the same rules for nftables as a linear
 * forward chain (each packet walks them all) and as sets (interval sets
 * of source prefix and port, a lookup per protocol). Rule i: a peer
 * prefix of /24 to /32 in a /24 of 10.0.0.0/8 of its own (none in the
 * traffic's sources' 10.64.0.0/16), TCP or UDP, any port, one or a range,
 * denied; in priority order, as nftables tries them.
 */
struct fw_live_rule {
	__u32 addr, plen, prio;
	int proto;
	__u16 lo, hi;
};

static int by_prio(const void *a, const void *b)
{
	const struct fw_live_rule *x = a, *y = b;

	return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static int write_live(const char *ours, const char *linear, const char *sets,
		      __u32 n)
{
	FILE *o = fopen(ours, "w"), *l = fopen(linear, "w"),
	     *st = fopen(sets, "w");
	struct fw_live_rule *v = calloc(n, sizeof(*v));
	__u32 s = FW_SEED ^ 0x11ce, i, k;
	char a[INET_ADDRSTRLEN];
	int r = 0, proto;

	if (!o || !l || !st || !v) {
		r = -errno ?: -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* a /24 of its own (nftables' interval sets take no
		 * overlapping elements), never the traffic's sources' */
		__u32 blk = i < 0x4000 ? i : i + 0x100;
		__u32 h = 0x0a000000 | blk << 8 | (fw_rnd(&s) & 0xff);

		v[i].plen = 24 + fw_rnd(&s) % 9;
		v[i].addr = htonl(h & ~0u << (32 - v[i].plen));
		v[i].prio = 1 + i; /* ids in priority order: the same order */
		v[i].proto = fw_rnd(&s) % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		switch (fw_rnd(&s) % 3) {
		case 0:
			v[i].lo = 0, v[i].hi = 65535;
			break;
		case 1:
			v[i].lo = v[i].hi = 1 + fw_rnd(&s) % 2000;
			break;
		default:
			v[i].lo = 1 + fw_rnd(&s) % 2000;
			v[i].hi = v[i].lo + 1 + fw_rnd(&s) % 500;
		}
	}
	qsort(v, n, sizeof(*v), by_prio);
	fprintf(l, "table ip nfbench_fw {\n  chain filter_fwd {\n"
		   "    type filter hook forward priority filter; policy drop;\n");
	for (i = 0; i < n; i++) {
		const char *pn = v[i].proto == IPPROTO_TCP ? "tcp" : "udp";

		inet_ntop(AF_INET, &v[i].addr, a, sizeof(a));
		fprintf(o, "id %u endpoint 1 direction ingress action deny priority %u proto %d peer %s/%u",
			i + 1, v[i].prio, v[i].proto, a, v[i].plen);
		fprintf(l, "    ip saddr %s/%u ip daddr %s %s dport ", a,
			v[i].plen, NFB_LIVE_DADDR, pn);
		if (v[i].lo == 0 && v[i].hi == 65535) {
			fputc('\n', o);
			fprintf(l, "0-65535 drop\n");
		} else if (v[i].lo == v[i].hi) {
			fprintf(o, " port %u\n", v[i].lo);
			fprintf(l, "%u drop\n", v[i].lo);
		} else {
			fprintf(o, " port %u port_end %u\n", v[i].lo, v[i].hi);
			fprintf(l, "%u-%u drop\n", v[i].lo, v[i].hi);
		}
	}
	fprintf(o, "id %u endpoint 1 direction ingress action allow priority %u proto 17 peer %s port %u name bed\n",
		n + 1, n + 1, NFB_LIVE_SNET, NFB_LIVE_DPORT);
	fprintf(l, "    ip saddr %s ip daddr %s udp dport %u accept\n  }\n}\n",
		NFB_LIVE_SNET, NFB_LIVE_DADDR, NFB_LIVE_DPORT);
	/* the same as interval sets: what the rules deny, then the allow
	 * (the traffic meets no denied element, so order does not matter);
	 * the elements in parts of FW_LIVE_PART (forwarder.h, nft) */
	fprintf(st, "table ip nfbench_fw {\n"
		    "  set deny_udp { type ipv4_addr . inet_service; flags interval; }\n"
		    "  set deny_tcp { type ipv4_addr . inet_service; flags interval; }\n"
		    "  chain filter_fwd {\n"
		    "    type filter hook forward priority filter; policy drop;\n"
		    "    ip daddr %s ip saddr . udp dport @deny_udp drop\n"
		    "    ip daddr %s ip saddr . tcp dport @deny_tcp drop\n"
		    "    ip saddr %s ip daddr %s udp dport %u accept\n  }\n}\n",
		NFB_LIVE_DADDR, NFB_LIVE_DADDR, NFB_LIVE_SNET, NFB_LIVE_DADDR,
		NFB_LIVE_DPORT);
	for (i = 0, k = 0; !r && i < n; i += FW_LIVE_PART) {
		char part[160];
		FILE *pf;
		__u32 j;

		snprintf(part, sizeof(part), "%s.%u", sets, ++k);
		pf = fopen(part, "w");
		if (!pf) {
			r = -errno;
			break;
		}
		for (proto = 0; proto < 2; proto++) {
			int first = 1;

			for (j = i; j < n && j < i + FW_LIVE_PART; j++) {
				if ((v[j].proto == IPPROTO_TCP) != proto)
					continue;
				inet_ntop(AF_INET, &v[j].addr, a, sizeof(a));
				fprintf(pf, "%s%s/%u . %u-%u",
					first ? (proto ? "add element ip nfbench_fw deny_tcp { " :
							 "add element ip nfbench_fw deny_udp { ") :
						", ",
					a, v[j].plen, v[j].lo, v[j].hi);
				first = 0;
			}
			if (!first)
				fprintf(pf, " }\n");
		}
		if (fclose(pf))
			r = -errno;
	}
out:
	free(v);
	if (o && fclose(o) && !r)
		r = -errno;
	if (l && fclose(l) && !r)
		r = -errno;
	if (st && fclose(st) && !r)
		r = -errno;
	return r;
}

static int live_fw(struct bench *b, __u32 n)
{
	double per_round = b->quick ? 0.25 : 1.0;
	char ours[128], linear[128], sets[128], name[4][32];
	struct nfb_fwd_result res[4];
	struct nfb_fwd fwd[4];
	struct nfb_live *l;
	json_object *p;
	int i, r;

	NFC_OPTS(nfb_live_opts, lo, .flows = FW_LIVE_FLOWS,
		 .frame_len = FW_LIVE_FRAME, .routed = true);

	snprintf(ours, sizeof(ours), "%s/fw-live.rules", b->workdir);
	snprintf(linear, sizeof(linear), "%s/fw-live-linear.nft", b->workdir);
	snprintf(sets, sizeof(sets), "%s/fw-live-sets.nft", b->workdir);
	snprintf(name[0], sizeof(name[0]), "live-fw-xdp-%u", n);
	snprintf(name[1], sizeof(name[1]), "live-nft-linear-%u", n);
	snprintf(name[2], sizeof(name[2]), "live-nft-sets-%u", n);
	snprintf(name[3], sizeof(name[3]), "live-bare-xdp");
	r = write_live(ours, linear, sets, n);
	if (r)
		return r;
	fwd[0] = (struct nfb_fwd){ .name = name[0], .kind = NFB_FWD_ROUTER_XDP,
				   .fw_rules = ours };
	fwd[1] = (struct nfb_fwd){ .name = name[1], .kind = NFB_FWD_KERNEL,
				   .nft = linear };
	fwd[2] = (struct nfb_fwd){ .name = name[2], .kind = NFB_FWD_KERNEL,
				   .nft = sets };
	fwd[3] = (struct nfb_fwd){ .name = name[3], .kind = NFB_FWD_BARE };
	r = nfb_live__create(&l, &lo);
	if (r)
		return r;
	fprintf(stderr, "nfbench: firewall: live, %u rules\n", n);
	r = nfb_fwd__routed_bed(l, "firewall");
	if (!r)
		r = nfb_fwd__measure(b, l, "firewall", fwd, 4, per_round, res);
	for (i = 0; !r && i < 4; i++) {
		p = nfb_fwd__params(&fwd[i], &res[i], FW_LIVE_FLOWS,
				    FW_LIVE_FRAME, per_round);
		json_object_object_add(p, "rules", json_object_new_int64(n + 1));
		if (i != 1)
			json_object_object_add(p, "x_nft_linear", json_object_new_double(
				res[i].pps / res[1].pps));
		if (i != 2)
			json_object_object_add(p, "x_nft_sets", json_object_new_double(
				res[i].pps / res[2].pps));
		if (i == 0) {
			double x = res[0].pps / res[1].pps;

			json_object_object_add(p, "goal_x", json_object_new_double(FW_LIVE_GOAL_X));
			json_object_object_add(p, "goal_met",
					       json_object_new_boolean(x >= FW_LIVE_GOAL_X));
			fprintf(stderr, "nfbench: firewall: live, %u rules: %.3f Mpps, %.0fx nftables' linear chain (%.4f Mpps; goal >= %.0fx: %s), %.2fx its sets (%.3f Mpps); a bare redirect %.3f Mpps\n",
				n, res[0].pps / 1e6, x, res[1].pps / 1e6,
				FW_LIVE_GOAL_X, x >= FW_LIVE_GOAL_X ? "met" : "missed",
				res[0].pps / res[2].pps, res[2].pps / 1e6,
				res[3].pps / 1e6);
		}
		nfb_emit(b, "firewall", fwd[i].name, "pps_delivered",
			 res[i].pps, "pps", p);
	}
	nfb_live__destroy(l);
	unlink(ours);
	unlink(linear);
	unlink(sets);
	for (i = 1; i <= (int)((n + FW_LIVE_PART - 1) / FW_LIVE_PART); i++) {
		char part[160];

		snprintf(part, sizeof(part), "%s.%d", sets, i);
		unlink(part);
	}
	return r;
}

static int scenario_firewall(struct bench *b)
{
	struct ffig figs[FW_MAX_FIGS] = {};
	double med[FW_MAX_FIGS];
	struct nfc_err err = {};
	int n = 0, i, r, nsizes;

	snprintf(figs[0].name, sizeof(figs[0].name), "xdp-fw-nop");
	for (i = 0; i < NFB_FLOWS; i++) /* anywhere */
		figs[0].dst[i] = 0x0a000000 | i << 8;
	r = nfb_apply_nops(b, figs[0].name, 1, NFB_AT_XDP, false, &err);
	if (!r)
		r = (figs[0].fd = nfb_chain_root(b, figs[0].name, NFB_AT_XDP,
						 &figs[0].held, &err)) < 0 ?
			    figs[0].fd : 0;
	n = 1;
	nsizes = b->quick ? FW_SIZES_QUICK : (int)(sizeof(sizes) / sizeof(sizes[0]));
	for (i = 0; i < nsizes && !r; i++) {
		struct ffig *f = &figs[n++];

		f->rules = sizes[i];
		snprintf(f->name, sizeof(f->name), "xdp-fw-%u", sizes[i]);
		r = setup_fw(b, f, &err);
		if (!r)
			r = (f->fd = nfb_chain_root(b, f->name, NFB_AT_XDP,
						    &f->held, &err)) < 0 ? f->fd : 0;
	}
	/* established: the smallest and the biggest set, the flow cache on */
	for (i = 0; i < 2 && !r; i++) {
		struct ffig *f = &figs[n++];

		f->rules = i ? sizes[FW_SIZES_QUICK - 1] : sizes[0];
		f->cache = true;
		snprintf(f->name, sizeof(f->name), "xdp-est-%u", f->rules);
		r = setup_fw(b, f, &err);
		if (!r)
			r = (f->fd = nfb_chain_root(b, f->name, NFB_AT_XDP,
						    &f->held, &err)) < 0 ? f->fd : 0;
	}
	if (r)
		nfb_print_err(&err);
	for (i = 1; i < n && !r; i++)
		r = check_verdicts(&figs[i]);
	if (!r)
		r = nfb_interleaved(b, n, run_nth, figs, med);
	if (!r) {
		for (i = 0; i < n; i++)
			figs[i].med = med[i];
		emit(b, figs, n);
	}
	for (i = 0; i < n; i++)
		if (figs[i].fd > 0)
			nfb_chain_done(b, figs[i].name, figs[i].fd, figs[i].held);
	if (!r)
		r = live_fw(b, FW_LIVE_RULES);
	return r;
}

NFB_SCENARIO(firewall, 38,
	     "firewall module: ns per connection's first packet (flow cache off: every packet judged) with 10, 1k, 10k, 100k (and in full runs 1M) rules on one endpoint, and per established connection's packet at 10 and 100k, beside a 1-nop chain (BPF_PROG_TEST_RUN, XDP; goal: 100k <= 2x 10); the rules' compile time; live pps of a firewall chain with 10k rules vs the kernel's forwarding with the same rules in nftables, a linear chain (goal: 100x) and sets",
	     scenario_firewall)
