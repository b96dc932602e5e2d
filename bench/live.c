// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfbench's live-traffic engine (see live.h): the bed of namespaces and
 * veths, the live-frames generator and the counter at the far end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "live.h"
#include "nfb_gen.xdp.skel.h"
#include "nfb_sink.xdp.skel.h"

#define LIVE_SADDR 0x0a400001      /* 10.64.0.1: flows' sources from here */
#define LIVE_DADDR 0x0a4d0002      /* 10.77.0.2, NFB_LIVE_DADDR */
#define LIVE_BATCH 64              /* frames per live-frames batch */
#define LIVE_CALL_S 0.25           /* longest BPF_PROG_TEST_RUN call */
#define NSEC 1000000000LL

struct nfb_live {
	int ns[2];                     /* endpoint namespaces h1, h2 */
	char host[2][IF_NAMESIZE];     /* host sides a, b */
	int host_ifindex[2];
	char mac[2][18];               /* endpoints' addresses */
	int self_ns;                   /* the caller's namespace */
	__u8 frame[ETH_FRAME_LEN];
	__u32 frame_len;
	double rate;
	int gen_cpu, dut_cpu;
	struct nfb_gen_xdp *gen;
	struct nfb_sink_xdp *sink;

	/* one run of the generator thread */
	pthread_t thread;
	bool running;
	volatile bool stop;
	double seconds;
	double run_ns;                 /* ns per program run, last seen */
	double send_ns;                /* time spent inside the test runs */
	__u64 sent_before, received_before;
	int err;
};

static int __attribute__((format(printf, 1, 2))) run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	if (r) {
		fprintf(stderr, "nfbench: live: '%s' failed\n", cmd);
		return -ECHILD;
	}
	return 0;
}

/*
 * The endpoint namespaces have no name: they live as long as we hold them
 * open, so not even a crash leaves them behind. Runs in the caller's one.
 */
static int new_ns(struct nfb_live *l, int i)
{
	int r = 0;

	if (unshare(CLONE_NEWNET))
		return -errno;
	l->ns[i] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (l->ns[i] < 0)
		r = -errno;
	setns(l->self_ns, CLONE_NEWNET);
	return r;
}

static void enter_ns(struct nfb_live *l, int i)
{
	/* namespaces we hold open: setns() cannot fail */
	setns(l->ns[i], CLONE_NEWNET);
}

static void leave_ns(struct nfb_live *l)
{
	setns(l->self_ns, CLONE_NEWNET);
}

/*
 * Host side a's NAPI in a thread of its own. sysfs shows the devices of the
 * namespace it was mounted in, so a child mounts one of ours in a private
 * mount namespace to write the switch.
 */
static int napi_threaded(struct nfb_live *l)
{
	char path[96];
	int st, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("sysfs", "/sys", "sysfs", 0, NULL))
			_exit(1);
		snprintf(path, sizeof(path), "/sys/class/net/%s/threaded",
			 l->host[0]);
		fd = open(path, O_WRONLY);
		_exit(fd < 0 || write(fd, "1", 1) != 1);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

/*
 * Pins the NAPI threads of host side a ("napi/NAME-ID", the name cut to
 * 15 characters) to the forwarding CPU, at a real-time priority: NAPI in
 * softirq context would not yield to other tasks either. Returns how many
 * it pinned.
 */
static int pin_napi(struct nfb_live *l)
{
	struct sched_param sp = { .sched_priority = 1 };
	char want[32], comm[32], path[288];
	struct dirent *de;
	cpu_set_t set;
	pid_t pid;
	int n = 0;
	DIR *d;
	FILE *f;

	snprintf(want, sizeof(want), "napi/%s-", l->host[0]);
	want[15] = '\0';
	CPU_ZERO(&set);
	CPU_SET(l->dut_cpu, &set);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		pid = atoi(de->d_name);
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, want, strlen(want)) &&
		    !sched_setaffinity(pid, sizeof(set), &set) &&
		    !sched_setscheduler(pid, SCHED_FIFO, &sp))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static __u32 csum_words(const void *buf, size_t len)
{
	const __u8 *p = buf;
	__u32 sum = 0;

	for (; len > 1; len -= 2, p += 2)
		sum += p[0] << 8 | p[1];
	return sum;
}

/* The template; the generator fills in the source address and port. */
static void build_frame(struct nfb_live *l, const __u8 *src, const __u8 *dst)
{
	struct ethhdr *eth = (struct ethhdr *)l->frame;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	__u32 ip_len = l->frame_len - sizeof(*eth);

	memset(l->frame, 0, sizeof(l->frame));
	memcpy(eth->h_dest, dst, ETH_ALEN);
	memcpy(eth->h_source, src, ETH_ALEN);
	memcpy((void *)l->gen->rodata->dst_mac, dst, ETH_ALEN);
	memcpy((void *)l->gen->rodata->src_mac, src, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(ip_len);
	ip->frag_off = htons(0x4000); /* DF */
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->daddr = htonl(LIVE_DADDR);
	udp->source = htons(1024);
	udp->dest = htons(NFB_LIVE_DPORT);
	udp->len = htons(ip_len - sizeof(*ip));
	l->gen->rodata->ip_sum = csum_words(ip, sizeof(*ip));
}

/* Interface @name's MAC, in the caller's namespace. */
static int host_mac(const char *name, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		r = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return r;
}

static int topology(struct nfb_live *l, bool routed)
{
	static const __u8 mac[2][ETH_ALEN] = {
		{ 0x02, 0x00, 0x00, 0x4e, 0x46, 0x01 },
		{ 0x02, 0x00, 0x00, 0x4e, 0x46, 0x02 },
	};
	int i, r;

	for (i = 0; i < 2; i++) {
		snprintf(l->mac[i], sizeof(l->mac[i]),
			 "%02x:%02x:%02x:%02x:%02x:%02x", mac[i][0], mac[i][1],
			 mac[i][2], mac[i][3], mac[i][4], mac[i][5]);
		r = new_ns(l, i);
		if (r)
			return r;
		/* no IPv6 link-local addresses: nothing but our frames */
		r = run("ip link add %s type veth peer name eth0 netns /proc/%d/fd/%d",
			l->host[i], getpid(), l->ns[i]);
		if (r)
			return r;
		l->host_ifindex[i] = if_nametoindex(l->host[i]);
		if (!l->host_ifindex[i])
			return -errno;
		enter_ns(l, i);
		r = run("ip link set eth0 address %s addrgenmode none up", l->mac[i]);
		leave_ns(l);
		if (!r)
			r = run("ip link set %s addrgenmode none up", l->host[i]);
		if (r)
			return r;
	}
	/* Frames redirected into a veth need its peer's NAPI. An XDP
	 * program brings it; for a forwarder without one (tc-ingress, a
	 * bridge) GRO must, or the generator's frames are dropped and a's
	 * NAPI cannot be threaded. UDP GRO forwarding stays off, the
	 * default: one skb per frame. */
	r = run("ethtool -K %s gro on >/dev/null", l->host[0]);
	if (r)
		return r;
	if (routed) {
		__u8 gw[ETH_ALEN];

		r = host_mac(l->host[0], gw);
		if (r)
			return r;
		build_frame(l, mac[0], gw);
		return 0;
	}
	build_frame(l, mac[0], mac[1]);
	return 0;
}

static int load_gen(struct nfb_live *l, const struct nfb_live_opts *o)
{
	__u32 key = 0, ifindex;
	int r;

	l->gen->rodata->flows = o->flows;
	l->gen->rodata->saddr_base = LIVE_SADDR;
	r = nfb_gen_xdp__load(l->gen);
	if (r) {
		fprintf(stderr, "nfbench: live: generator: load: %s\n",
			strerror(-r));
		return r;
	}
	/* the devmap finds the interface in the caller's namespace */
	enter_ns(l, 0);
	ifindex = if_nametoindex("eth0");
	r = ifindex ? bpf_map_update_elem(bpf_map__fd(l->gen->maps.tx_port),
					  &key, &ifindex, BPF_ANY)
		    : -errno;
	leave_ns(l);
	if (r)
		fprintf(stderr, "nfbench: live: generator: h1 eth0: %s\n",
			strerror(-r));
	return r;
}

static int load_sink(struct nfb_live *l)
{
	int r, ifindex;

	l->sink = nfb_sink_xdp__open();
	if (!l->sink)
		return -errno;
	l->sink->rodata->port = htons(NFB_LIVE_DPORT);
	r = nfb_sink_xdp__load(l->sink);
	if (r) {
		fprintf(stderr, "nfbench: live: counter: load: %s\n",
			strerror(-r));
		return r;
	}
	enter_ns(l, 1);
	ifindex = if_nametoindex("eth0");
	r = ifindex ? bpf_xdp_attach(ifindex,
				     bpf_program__fd(l->sink->progs.nfb_sink),
				     XDP_FLAGS_DRV_MODE, NULL)
		    : -errno;
	leave_ns(l);
	if (r)
		fprintf(stderr, "nfbench: live: counter: attach to h2 eth0: %s\n",
			strerror(-r));
	return r;
}

int nfb_live__create(struct nfb_live **out, const struct nfb_live_opts *o)
{
	struct nfb_live_opts def = { .flows = 4096, .frame_len = 64 };
	struct nfb_live *l;
	int i, r;

	if (o && o->flows)
		def.flows = o->flows;
	if (o && o->frame_len)
		def.frame_len = o->frame_len;
	if (o) {
		def.rate = o->rate;
		def.one_cpu = o->one_cpu;
		def.routed = o->routed;
	}
	if (def.flows < 16 || def.flows & (def.flows - 1) ||
	    def.frame_len < 60 || def.frame_len > 1500 || def.rate < 0) {
		fprintf(stderr, "nfbench: live: bad options\n");
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->ns[0] = l->ns[1] = -1;
	l->self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (l->self_ns < 0) {
		r = -errno;
		free(l);
		return r;
	}
	for (i = 0; i < 2; i++)
		snprintf(l->host[i], sizeof(l->host[i]), "nfb%d%c", getpid(), 'a' + i);
	l->frame_len = def.frame_len;
	l->rate = def.rate;
	l->run_ns = 100;
	l->gen_cpu = 0;
	l->dut_cpu = !def.one_cpu && sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : -1;
	l->gen = nfb_gen_xdp__open();
	r = l->gen ? 0 : -errno;
	if (!r)
		r = topology(l, def.routed);
	if (!r)
		r = load_gen(l, &def);
	if (!r)
		r = load_sink(l);
	if (!r && l->dut_cpu >= 0 && napi_threaded(l)) {
		fprintf(stderr, "nfbench: live: no threaded NAPI on %s: "
				"forwarding runs on the generator's CPU\n",
			l->host[0]);
		l->dut_cpu = -1;
	}
	if (r) {
		nfb_live__destroy(l);
		return r;
	}
	*out = l;
	return 0;
}

void nfb_live__destroy(struct nfb_live *l)
{
	int i;

	if (!l)
		return;
	if (l->running)
		nfb_live__stop(l, NULL);
	/* deleting a host side deletes its peer, and the counter with it */
	for (i = 0; i < 2; i++)
		if (l->host_ifindex[i])
			run("ip link del %s", l->host[i]);
	for (i = 0; i < 2; i++)
		if (l->ns[i] >= 0)
			close(l->ns[i]);
	nfb_sink_xdp__destroy(l->sink);
	nfb_gen_xdp__destroy(l->gen);
	close(l->self_ns);
	free(l);
}

const char *nfb_live__host(const struct nfb_live *l, int side)
{
	return l->host[side];
}

int nfb_live__host_ifindex(const struct nfb_live *l, int side)
{
	return l->host_ifindex[side];
}

const char *nfb_live__endpoint_mac(const struct nfb_live *l, int side)
{
	return l->mac[side];
}

static __u64 received(struct nfb_live *l)
{
	int i, n = libbpf_num_possible_cpus();
	__u64 v[n], sum = 0;
	__u32 key = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(l->sink->maps.received), &key, v))
		return 0;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/*
 * The generator: BPF_PROG_TEST_RUN calls until the time is up. A call costs
 * tens of ms of setup and teardown (RCU grace periods) on top of its
 * frames, so each lasts up to LIVE_CALL_S, sized by the last call's ns per
 * run, and only the time inside the calls counts as sending time.
 */
static void *generate(void *arg)
{
	struct nfb_live *l = arg;
	int fd = bpf_program__fd(l->gen->progs.nfb_gen);
	double want, run_ns = l->run_ns;

	l->gen->bss->gap_ns = l->rate ? NSEC / l->rate : 0;
	l->gen->bss->next_ns = 0;
	l->sent_before = l->gen->bss->sent;
	while (!l->stop) {
		want = LIVE_CALL_S * NSEC;
		if (l->seconds && l->seconds * NSEC - l->send_ns < want)
			want = l->seconds * NSEC - l->send_ns;
		if (want < LIVE_BATCH * run_ns)
			break;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = l->frame,
			    .data_size_in = l->frame_len,
			    .repeat = want / run_ns,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = LIVE_BATCH);
		if (bpf_prog_test_run_opts(fd, &o)) {
			l->err = -errno;
			break;
		}
		l->send_ns += (double)o.duration * o.repeat;
		run_ns = o.duration ? o.duration : 1;
	}
	l->run_ns = run_ns;
	return NULL;
}

int nfb_live__start(struct nfb_live *l, double seconds)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int r;

	if (l->running)
		return -EBUSY;
	/* its thread may have been made again since the last run */
	if (l->dut_cpu >= 0 && pin_napi(l) <= 0) {
		fprintf(stderr, "nfbench: live: %s: no NAPI thread to pin\n",
			l->host[0]);
		return -ESRCH;
	}
	l->seconds = seconds;
	l->stop = false;
	l->send_ns = 0;
	l->err = 0;
	l->received_before = received(l);
	CPU_ZERO(&set);
	CPU_SET(l->gen_cpu, &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	r = -pthread_create(&l->thread, &attr, generate, l);
	pthread_attr_destroy(&attr);
	l->running = !r;
	return r;
}

/* Waits for the generator and what is still on its way, then counts. */
static int collect(struct nfb_live *l, struct nfb_live_result *res)
{
	__u64 got, last;
	int i;

	pthread_join(l->thread, NULL);
	l->running = false;
	got = received(l);
	for (i = 0; i < 100; i++) {
		usleep(2000);
		last = got;
		got = received(l);
		if (got == last)
			break;
	}
	if (l->err) {
		fprintf(stderr, "nfbench: live: generator: %s\n", strerror(-l->err));
		return l->err;
	}
	if (!res)
		return 0;
	memset(res, 0, sizeof(*res));
	res->sent = l->gen->bss->sent - l->sent_before;
	res->received = got - l->received_before;
	res->seconds = l->send_ns / NSEC;
	res->gen_cpu = l->gen_cpu;
	res->dut_cpu = l->dut_cpu;
	if (res->seconds > 0) {
		res->sent_pps = res->sent / res->seconds;
		res->pps = res->received / res->seconds;
	}
	if (res->sent)
		res->loss = res->received < res->sent
				    ? (double)(res->sent - res->received) / res->sent
				    : 0;
	return 0;
}

int nfb_live__stop(struct nfb_live *l, struct nfb_live_result *res)
{
	if (!l->running)
		return -EINVAL;
	l->stop = true;
	return collect(l, res);
}

int nfb_live__measure(struct nfb_live *l, double seconds,
		      struct nfb_live_result *res)
{
	int r = nfb_live__start(l, seconds);

	return r ? r : collect(l, res);
}
