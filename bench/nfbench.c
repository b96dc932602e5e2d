// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfbench - UltraNIO's benchmark harness.
 *
 * Each scenario measures variants side by side in one run, interleaved, and
 * emits one JSON line per figure: {"scenario", "variant", "metric", "value",
 * "unit", "params"}. Progress goes to stderr.
 *
 * Scenarios: floor (an empty XDP program), hops (chains of 1..16 nop nodes).
 */
#include <errno.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ultranio.h"
#include "floor.xdp.skel.h"

#define REPS 5

struct bench {
	bool quick;
	__u32 repeat;           /* BPF_PROG_TEST_RUN repeat count */
	FILE *json;
	FILE *md;
	char kernel[128];
	char cpu[128];
	struct nfc_handle *h;
	char workdir[64];
	json_object *rows;      /* for the Markdown report */
};

static void emit(struct bench *b, const char *scenario, const char *variant,
		 const char *metric, double value, const char *unit,
		 json_object *params)
{
	json_object *o = json_object_new_object();
	const char *s;

	if (!params)
		params = json_object_new_object();
	json_object_object_add(params, "kernel", json_object_new_string(b->kernel));
	json_object_object_add(params, "cpu", json_object_new_string(b->cpu));
	json_object_object_add(o, "scenario", json_object_new_string(scenario));
	json_object_object_add(o, "variant", json_object_new_string(variant));
	json_object_object_add(o, "metric", json_object_new_string(metric));
	json_object_object_add(o, "value", json_object_new_double(value));
	json_object_object_add(o, "unit", json_object_new_string(unit));
	json_object_object_add(o, "params", params);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	puts(s);
	if (b->json)
		fprintf(b->json, "%s\n", s);
	json_object_array_add(b->rows, o);
}

/* A 64-byte UDP/IPv4 frame. */
static void udp_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(buf, 0, len);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(len - sizeof(*eth));
	ip->saddr = htonl(0x0a000001 + (flow & 0xffff));
	ip->daddr = htonl(0x0a010001);
	udp->source = htons(1024 + (flow >> 16));
	udp->dest = htons(4000);
	udp->len = htons(len - sizeof(*eth) - sizeof(*ip));
}

/* Average ns per run of a program over b->repeat runs of one frame. */
static double run_ns(struct bench *b, int prog_fd)
{
	__u8 frame[64];

	udp_frame(frame, sizeof(frame), 1);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = b->repeat);
	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -1;
	return o.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static int apply_nops(struct bench *b, const char *chain, int n,
		      struct nfc_err *err)
{
	char path[128], cmd[128];
	FILE *f;
	int i, r;

	snprintf(path, sizeof(path), "%s/%s.yaml", b->workdir, chain);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	/* one interface per chain: without libxdp's dispatcher an interface
	 * holds one XDP program */
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s-p",
		 chain, chain);
	if (system(cmd)) {
		fclose(f);
		return nfc_errf(err, "%s: failed", cmd);
	}
	fprintf(f, "chain: %s\nattach:\n  - {interface: %s, hook: xdp, mode: skb}\n"
		   "entry: n1\nnodes:\n", chain, chain);
	for (i = 1; i <= n; i++)
		fprintf(f, "  - {name: n%d, module: nop}\n", i);
	if (n > 1)
		fprintf(f, "links:\n");
	for (i = 1; i < n; i++)
		fprintf(f, "  - {from: n%d, on: pass, to: n%d}\n", i, i + 1);
	fclose(f);
	r = nfc_chain__apply(b->h, path, NULL, NULL, err);
	return r;
}

static int scenario_hops(struct bench *b)
{
	static const int sizes[] = { 1, 2, 4, 8, 16 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	double t[N][REPS], floor_t[REPS], med[N], fl;
	struct nfc_err err = {};
	struct floor_xdp *skel;
	int fds[N], i, rep, r = 0;
	char name[32], variant[32];

	skel = floor_xdp__open_and_load();
	if (!skel)
		return -errno;
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "hops%d", sizes[i]);
		fprintf(stderr, "nfbench: hops: applying a chain of %d nop node(s)\n", sizes[i]);
		r = apply_nops(b, name, sizes[i], &err);
		if (!r) {
			fds[i] = nfc_chain__root_prog(b->h, name, NFC_OBJ_XDP, &err);
			r = fds[i] < 0 ? fds[i] : 0;
		}
		if (r) {
			for (int k = 0; k < err.n; k++)
				fprintf(stderr, "nfbench: %s\n", err.msg[k]);
			goto out;
		}
	}
	/* interleaved: every repetition measures the floor and every chain */
	for (rep = 0; rep < REPS; rep++) {
		fprintf(stderr, "nfbench: hops: round %d/%d\n", rep + 1, REPS);
		floor_t[rep] = run_ns(b, bpf_program__fd(skel->progs.nfc_floor));
		for (i = 0; i < N; i++)
			t[i][rep] = run_ns(b, fds[i]);
	}
	fl = median(floor_t, REPS);
	emit(b, "floor", "empty-xdp", "ns_per_packet", fl, "ns", NULL);
	for (i = 0; i < N; i++) {
		json_object *p = json_object_new_object();

		med[i] = median(t[i], REPS);
		json_object_object_add(p, "hops", json_object_new_int(sizes[i]));
		json_object_object_add(p, "repeat", json_object_new_int64(b->repeat));
		json_object_object_add(p, "rounds", json_object_new_int(REPS));
		json_object_object_add(p, "x_floor", json_object_new_double(med[i] / fl));
		snprintf(variant, sizeof(variant), "chain-%d", sizes[i]);
		emit(b, "hops", variant, "ns_per_packet", med[i], "ns", p);
	}
	/* each extra hop: the slope from 1 to 16 nodes */
	{
		json_object *p = json_object_new_object();
		double per_hop = (med[N - 1] - med[0]) / (sizes[N - 1] - sizes[0]);

		json_object_object_add(p, "x_floor", json_object_new_double(per_hop / fl));
		emit(b, "hops", "per-hop", "ns_per_hop", per_hop, "ns", p);
		p = json_object_new_object();
		json_object_object_add(p, "x_floor",
				       json_object_new_double((med[0] - per_hop) / fl));
		emit(b, "hops", "root+executor", "ns_per_packet", med[0] - per_hop, "ns", p);
	}
out:
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "hops%d", sizes[i]);
		nfc_chain__delete(b->h, name, NULL);
	}
	floor_xdp__destroy(skel);
	return r;
}

struct scenario {
	const char *name;
	const char *desc;
	int (*run)(struct bench *b);
};

static const struct scenario scenarios[] = {
	{ "hops", "floor and chains of 1, 2, 4, 8, 16 nop nodes (BPF_PROG_TEST_RUN)",
	  scenario_hops },
	{}
};

static void markdown(struct bench *b)
{
	size_t i;

	fprintf(b->md, "# nfbench\n\nkernel %s, CPU %s, %u runs per figure, median of %d rounds\n\n",
		b->kernel, b->cpu, b->repeat, REPS);
	fprintf(b->md, "| scenario | variant | metric | value | unit | x floor |\n");
	fprintf(b->md, "|---|---|---|---:|---|---:|\n");
	for (i = 0; i < json_object_array_length(b->rows); i++) {
		json_object *o = json_object_array_get_idx(b->rows, i), *p, *x;

		json_object_object_get_ex(o, "params", &p);
		fprintf(b->md, "| %s | %s | %s | %.1f | %s | ",
			json_object_get_string(json_object_object_get(o, "scenario")),
			json_object_get_string(json_object_object_get(o, "variant")),
			json_object_get_string(json_object_object_get(o, "metric")),
			json_object_get_double(json_object_object_get(o, "value")),
			json_object_get_string(json_object_object_get(o, "unit")));
		if (json_object_object_get_ex(p, "x_floor", &x))
			fprintf(b->md, "%.2f |\n", json_object_get_double(x));
		else
			fprintf(b->md, "1.00 |\n");
	}
}

static void machine(struct bench *b)
{
	struct utsname u;
	char line[256];
	FILE *f;

	uname(&u);
	snprintf(b->kernel, sizeof(b->kernel), "%s", u.release);
	snprintf(b->cpu, sizeof(b->cpu), "unknown");
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10))
			continue;
		snprintf(b->cpu, sizeof(b->cpu), "%s", strchr(line, ':') + 2);
		b->cpu[strcspn(b->cpu, "\n")] = '\0';
		break;
	}
	if (f)
		fclose(f);
}

static int usage(void)
{
	const struct scenario *s;

	fprintf(stderr, "usage: nfbench [--quick] [--json FILE] [--markdown FILE] [SCENARIO...]\n"
			"scenarios:\n");
	for (s = scenarios; s->name; s++)
		fprintf(stderr, "  %-10s %s\n", s->name, s->desc);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "markdown", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct bench b = { .repeat = 1000000 };
	char bpffs[64], state[64];
	struct nfc_err err = {};
	const struct scenario *s;
	int c, i, r = 0;

	while ((c = getopt_long(argc, argv, "qj:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			b.quick = true;
			b.repeat = 200000;
			break;
		case 'j':
			b.json = fopen(optarg, "w");
			if (!b.json)
				return perror(optarg), 1;
			break;
		case 'm':
			b.md = fopen(optarg, "w");
			if (!b.md)
				return perror(optarg), 1;
			break;
		default:
			return usage();
		}
	}
	for (i = optind; i < argc; i++) {
		for (s = scenarios; s->name && strcmp(s->name, argv[i]); s++)
			;
		if (!s->name)
			return usage();
	}
	machine(&b);
	b.rows = json_object_new_array();
	/* a network namespace of our own: chains attach to its loopback */
	if (unshare(CLONE_NEWNET))
		return perror("nfbench: unshare(CLONE_NEWNET)"), 1;
	snprintf(bpffs, sizeof(bpffs), "/sys/fs/bpf/nfbench-%d", getpid());
	snprintf(state, sizeof(state), "/run/nfbench-%d", getpid());
	snprintf(b.workdir, sizeof(b.workdir), "%s", state);
	NFC_OPTS(nfc_open_opts, oo, .bpffs = bpffs, .state = state, .lock = true);
	r = nfc_open(&b.h, &oo, &err);
	if (r) {
		for (i = 0; i < err.n; i++)
			fprintf(stderr, "nfbench: %s\n", err.msg[i]);
		return 1;
	}
	for (s = scenarios; s->name; s++) {
		bool want = optind == argc;

		for (i = optind; i < argc; i++)
			want |= !strcmp(argv[i], s->name);
		if (!want)
			continue;
		r = s->run(&b);
		if (r) {
			fprintf(stderr, "nfbench: %s: %s\n", s->name, strerror(-r));
			break;
		}
	}
	if (b.md)
		markdown(&b);
	nfc_close(b.h);
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf %s %s", bpffs, state);
		if (system(cmd))
			fprintf(stderr, "nfbench: could not remove %s\n", bpffs);
	}
	json_object_put(b.rows);
	if (b.json)
		fclose(b.json);
	if (b.md)
		fclose(b.md);
	return r ? 1 : 0;
}
