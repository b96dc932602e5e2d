// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfbench - UltraNIO's benchmark harness.
 *
 * Each scenario measures variants side by side in one run, interleaved, and
 * emits one JSON line per figure: {"scenario", "variant", "metric", "value",
 * "unit", "params"}. Progress goes to stderr.
 *
 * Scenarios: bench/scn_*.c, one file each (`nfbench --help` lists them).
 */
#include <errno.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nfbench.h"

void nfb_emit(struct bench *b, const char *scenario, const char *variant,
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

void nfb_ipv4_check(struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;
	int i;

	ip->check = 0;
	for (i = 0; i < ip->ihl * 2; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip->check = ~sum;
}

/* Ethernet and IPv4 headers of flow number @flow; returns the L4 header. */
static void *ipv4_frame(__u8 *buf, size_t len, __u32 flow, __u8 proto)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);

	memset(buf, 0, len);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->tot_len = htons(len - sizeof(*eth));
	ip->saddr = htonl(0x0a000001 + (flow & 0xffff));
	ip->daddr = htonl(0x0a010001);
	return ip + 1;
}

void nfb_udp_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct udphdr *udp = ipv4_frame(buf, len, flow, IPPROTO_UDP);

	udp->source = htons(1024 + (flow >> 16));
	udp->dest = htons(4000);
	udp->len = htons(len - sizeof(struct ethhdr) - sizeof(struct iphdr));
}

void nfb_tcp_ack_frame(__u8 *buf, size_t len, __u32 flow)
{
	struct tcphdr *tcp = ipv4_frame(buf, len, flow, IPPROTO_TCP);

	tcp->source = htons(1024 + (flow >> 16));
	tcp->dest = htons(4000);
	tcp->doff = sizeof(*tcp) / 4;
	tcp->ack = 1;
	tcp->window = htons(65535);
}

/*
 * BPF_PROG_TEST_RUN repeats one frame: a mix of NFB_FLOWS distinct flows
 * (5-tuples from a fixed pseudo-random sequence) is run frame by frame, each
 * repeated b->repeat / NFB_FLOWS times, and the average taken. A repeat
 * runs on what the run before left (XDP does not reset the frame): a
 * program measured so must leave it as it would take it again (the
 * router's TTL decrement: frames start at 255).
 */
double nfb_run_frames_ns(struct bench *b, int prog_fd, nfb_frame_fn fn)
{
	return nfb_run_frames_len_ns(b, prog_fd, fn, 64);
}

double nfb_run_frames_len_ns(struct bench *b, int prog_fd, nfb_frame_fn fn,
			     size_t len)
{
	__u32 per = b->repeat / NFB_FLOWS ?: 1, i, seed = 0x9e3779b9;
	__u8 frame[NFB_FRAME_MAX];
	double sum = 0;

	if (len > sizeof(frame))
		return -1;
	for (i = 0; i < NFB_FLOWS; i++) {
		seed = seed * 1664525 + 1013904223;
		fn(frame, len, seed);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = len, .repeat = per);
		if (bpf_prog_test_run_opts(prog_fd, &o))
			return -1;
		sum += o.duration;
	}
	return sum / NFB_FLOWS;
}

/*
 * BPF_PROG_TEST_RUN at XDP runs its repeats on one frame, never reset: a
 * program that moves the frame's start (encap, decap) would find its own
 * output the next time. So each run here is a call of its own, up to 16
 * per flow; the figure includes the test run's two clock reads around a
 * single run, which a figure measured the same way cancels.
 */
double nfb_run_frames_once_ns(struct bench *b, int prog_fd, nfb_frame_fn fn,
			      size_t len)
{
	__u32 per = b->repeat / NFB_FLOWS ?: 1, i, k, seed = 0x9e3779b9;
	__u8 frame[NFB_FRAME_MAX];
	double sum = 0, n = 0;

	if (len > sizeof(frame))
		return -1;
	if (per > 16)
		per = 16;
	for (i = 0; i < NFB_FLOWS; i++) {
		seed = seed * 1664525 + 1013904223;
		fn(frame, len, seed);
		for (k = 0; k < per; k++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
				    .data_size_in = len, .repeat = 1);

			if (bpf_prog_test_run_opts(prog_fd, &o))
				return -1;
			sum += o.duration;
			n++;
		}
	}
	return sum / n;
}

double nfb_run_ns(struct bench *b, int prog_fd)
{
	return nfb_run_frames_ns(b, prog_fd, nfb_udp_frame);
}

int nfb_chain_file(struct bench *b, const char *chain, char *path,
		   size_t len, FILE **out, struct nfc_err *err)
{
	char cmd[128];

	/* one interface per chain: without libxdp's dispatcher an interface
	 * holds one XDP program */
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth", chain);
	if (system(cmd))
		return nfc_errf(err, -ECHILD, "%s: failed", cmd);
	snprintf(path, len, "%s/%s.yaml", b->workdir, chain);
	*out = fopen(path, "w");
	if (!*out)
		return nfc_errf(err, -errno, "%s: %s", path, strerror(errno));
	return 0;
}

int nfb_chain_file_apply(struct bench *b, FILE *f, const char *path,
			 struct nfc_err *err)
{
	if (fclose(f))
		return nfc_errf(err, -errno, "%s: %s", path, strerror(errno));
	return nfc_chain__apply(b->h, path, NULL, NULL, err);
}

int nfb_apply_nops(struct bench *b, const char *chain, int n,
		   enum nfb_hook hook, bool cache, struct nfc_err *err)
{
	char path[128];
	FILE *f;
	int i;

	i = nfb_chain_file(b, chain, path, sizeof(path), &f, err);
	if (i)
		return i;
	fprintf(f, "chain: %s\n%sattach:\n  - {interface: %s, %s}\n"
		   "entry: n1\nnodes:\n", chain,
		cache ? "" : "flow_cache: false\n", chain,
		hook == NFB_AT_XDP ? "hook: xdp, mode: skb" : "hook: tc-ingress");
	for (i = 1; i <= n; i++)
		fprintf(f, "  - {name: n%d, module: nop}\n", i);
	if (n > 1)
		fprintf(f, "links:\n");
	for (i = 1; i < n; i++)
		fprintf(f, "  - {from: n%d, on: pass, to: n%d}\n", i, i + 1);
	return nfb_chain_file_apply(b, f, path, err);
}

int nfb_chain_root(struct bench *b, const char *chain, enum nfb_hook hook,
		   int *held, struct nfc_err *err)
{
	int fd;

	*held = 0;
	fd = nfc_chain__root_prog(b->h, chain,
				  hook == NFB_AT_XDP ? NFC_OBJ_XDP : NFC_OBJ_TC, err);
	if (fd < 0 || hook != NFB_AT_XDP)
		return fd;
	*held = nfb_xdp_hold(fd);
	if (*held < 0) {
		close(fd);
		return nfc_errf(err, *held, "chain '%s': root program: hold in the XDP dispatcher: %s",
				chain, strerror(-*held));
	}
	return fd;
}

void nfb_chain_done(struct bench *b, const char *name, int fd, int held)
{
	if (fd > 0)
		close(fd);
	if (held > 0)
		nfb_xdp_release(held);
	if (name[0])
		nfc_chain__delete(b->h, name, NULL);
}

int nfb_xdp_hold(int prog_fd)
{
	static int n;
	char name[IF_NAMESIZE], cmd[64];
	int ifindex, r;

	snprintf(name, sizeof(name), "nfbhold%d", n++);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth", name);
	if (system(cmd))
		return -ECHILD;
	ifindex = if_nametoindex(name);
	if (!ifindex)
		return -errno;
	r = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_SKB_MODE, NULL);
	if (r) {
		nfb_xdp_release(ifindex);
		return r;
	}
	return ifindex;
}

void nfb_xdp_release(int handle)
{
	char name[IF_NAMESIZE], cmd[64];

	if (handle <= 0 || !if_indextoname(handle, name))
		return;
	/* deleting the veth detaches the program */
	snprintf(cmd, sizeof(cmd), "ip link del %s", name);
	if (system(cmd))
		fprintf(stderr, "nfbench: '%s' failed\n", cmd);
}

void nfb_print_err(const struct nfc_err *err)
{
	int i;

	for (i = 0; i < err->n; i++)
		fprintf(stderr, "nfbench: %s\n", err->msg[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double nfb_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int nfb_interleaved(struct bench *b, int n, nfb_fig_fn run, void *arg,
		    double *med)
{
	double *t = calloc((size_t)n * NFB_ROUNDS, sizeof(*t));
	int i, k, r = 0;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < n && !r; i++)
		if (run(b, i, arg) < 0)
			r = -EIO;
	for (k = 0; k < NFB_ROUNDS && !r; k++)
		for (i = 0; i < n && !r; i++) {
			t[i * NFB_ROUNDS + k] = run(b, i, arg);
			if (t[i * NFB_ROUNDS + k] < 0)
				r = -EIO;
		}
	for (i = 0; i < n && !r; i++)
		med[i] = nfb_median(&t[i * NFB_ROUNDS], NFB_ROUNDS);
	free(t);
	return r;
}

#define NFB_MAX_SCENARIOS 32
static const struct scenario *scenarios[NFB_MAX_SCENARIOS];
static int n_scenarios;

void nfb_register(const struct scenario *s)
{
	int i;

	if (n_scenarios == NFB_MAX_SCENARIOS)
		return;
	for (i = n_scenarios++; i > 0 && scenarios[i - 1]->order > s->order; i--)
		scenarios[i] = scenarios[i - 1];
	scenarios[i] = s;
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
	int i;

	fprintf(stderr, "usage: nfbench [--quick] [--json FILE] [--markdown FILE] [--plot DIR] [SCENARIO...]\n"
			"scenarios:\n");
	for (i = 0; i < n_scenarios; i++)
		fprintf(stderr, "  %-10s %s\n", scenarios[i]->name, scenarios[i]->desc);
	return 2;
}

/*
 * nfbench pins maps under /sys/fs/bpf/nfbench-PID, the LPM stores of
 * millions of prefixes among them: a run stopped by a signal would leave
 * them there, holding kernel memory. So the run is a child; this process
 * passes SIGINT, SIGTERM and SIGHUP on to it, waits for it and removes the
 * child's directories however it ended (SIGKILL included).
 */
static pid_t child;

static void pass_on(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/* Returns in the child; the parent exits with the child's status. */
static void guard(void)
{
	struct sigaction sa = { .sa_handler = pass_on };
	char cmd[128];
	int st;

	fflush(NULL);
	child = fork();
	if (child < 0) {
		perror("nfbench: fork");
		exit(1);
	}
	if (!child)
		return;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR) {
			perror("nfbench: waitpid");
			exit(1);
		}
	snprintf(cmd, sizeof(cmd), "rm -rf /sys/fs/bpf/nfbench-%d /run/nfbench-%d",
		 (int)child, (int)child);
	if (system(cmd))
		fprintf(stderr, "nfbench: could not remove /sys/fs/bpf/nfbench-%d\n",
			(int)child);
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "nfbench: stopped by signal %d\n", WTERMSIG(st));
		exit(128 + WTERMSIG(st));
	}
	exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "markdown", required_argument, NULL, 'm' },
		{ "plot", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct bench b = { .repeat = 1000000 };
	char state[64];
	struct nfc_err err = {};
	const char *plot_dir = NULL;
	int c, i, r = 0;

	while ((c = getopt_long(argc, argv, "qj:m:P:h", opts, NULL)) != -1) {
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
		case 'P':
			plot_dir = optarg;
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
		for (c = 0; c < n_scenarios && strcmp(scenarios[c]->name, argv[i]); c++)
			;
		if (c == n_scenarios)
			return usage();
	}
	guard();
	machine(&b);
	b.rows = json_object_new_array();
	/* a network namespace of our own: chains attach to its loopback */
	if (unshare(CLONE_NEWNET))
		return perror("nfbench: unshare(CLONE_NEWNET)"), 1;
	snprintf(b.bpffs, sizeof(b.bpffs), "/sys/fs/bpf/nfbench-%d", getpid());
	snprintf(state, sizeof(state), "/run/nfbench-%d", getpid());
	snprintf(b.workdir, sizeof(b.workdir), "%s", state);
	NFC_OPTS(nfc_open_opts, oo, .bpffs = b.bpffs, .state = state, .lock = true);
	r = nfc_open(&b.h, &oo, &err);
	if (r) {
		for (i = 0; i < err.n; i++)
			fprintf(stderr, "nfbench: %s\n", err.msg[i]);
		return 1;
	}
	for (c = 0; c < n_scenarios; c++) {
		const struct scenario *s = scenarios[c];
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
		nfb_markdown(&b, b.md);
	if (plot_dir) {
		int pr = nfb_plot(&b, plot_dir);

		if (pr)
			fprintf(stderr, "nfbench: --plot %s: %s\n", plot_dir, strerror(-pr));
		r = r ?: pr;
	}
	nfc_close(b.h);
	/* guard() removes b.bpffs and state */
	json_object_put(b.rows);
	if (b.json)
		fclose(b.json);
	if (b.md)
		fclose(b.md);
	return r ? 1 : 0;
}
