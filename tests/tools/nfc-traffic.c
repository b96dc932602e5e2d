// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfc-traffic: a paced raw-frame sender and an XDP counter of its frames,
 * for the integration and swap-under-load tests. With --vlan, frames are
 * sent with an 802.1Q tag, and counted at TC ingress instead (the kernel
 * shows a tag there whether it came in the frame or beside it), only
 * those of that VLAN ("none": untagged) as received.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "traffic.h"
#include "nfc_traffic_count.xdp.skel.h"

#define BURST 32
#define MAX_FRAME 1514
#define NSEC 1000000000LL

struct opts {
	const char *netns, *dev, *ready_file;
	__u8 dst[ETH_ALEN], src[ETH_ALEN];
	bool has_dst, has_src, has_run_id, udp, has_vlan;
	struct sockaddr_in usrc, udst;
	__u16 ethertype, udp_port;
	__u16 vlan; /* --vlan: VLAN id, TRAFFIC_UNTAGGED for count's "none" */
	__u32 run_id, size;
	double rate, duration;
	unsigned long long count;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nfc-traffic: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static unsigned long long parse_uint(const char *opt, const char *s,
				     unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		die("%s: bad value '%s'", opt, s);
	return v;
}

static double parse_real(const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !isfinite(v) || v < 0)
		die("%s: bad value '%s'", opt, s);
	return v;
}

static void parse_mac(const char *opt, const char *s, __u8 *mac)
{
	char c;

	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5], &c) != 6)
		die("%s: bad MAC address '%s'", opt, s);
}

/* IP:PORT */
static void parse_ipport(const char *s, struct sockaddr_in *sin)
{
	char buf[64], *colon;

	if (strlen(s) >= sizeof(buf))
		die("--udp: bad address '%s'", s);
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (!colon)
		die("--udp: '%s' lacks a port", s);
	*colon = '\0';
	if (inet_pton(AF_INET, buf, &sin->sin_addr) != 1)
		die("--udp: bad IPv4 address '%s'", buf);
	sin->sin_port = htons(parse_uint("--udp", colon + 1, 65535));
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "dev", required_argument, NULL, 'd' },
		{ "dst", required_argument, NULL, 'D' },
		{ "src", required_argument, NULL, 'S' },
		{ "ethertype", required_argument, NULL, 'e' },
		{ "udp", required_argument, NULL, 'u' },
		{ "udp-port", required_argument, NULL, 'p' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "run-id", required_argument, NULL, 'i' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "vlan", required_argument, NULL, 'v' },
		{}
	};
	char *comma;
	int c;

	o->ethertype = TRAFFIC_ETHERTYPE;
	o->size = 64;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->netns = optarg;
			break;
		case 'd':
			o->dev = optarg;
			break;
		case 'D':
			parse_mac("--dst", optarg, o->dst);
			o->has_dst = true;
			break;
		case 'S':
			parse_mac("--src", optarg, o->src);
			o->has_src = true;
			break;
		case 'e':
			o->ethertype =
				parse_uint("--ethertype", optarg, 0xffff);
			break;
		case 'u':
			comma = strchr(optarg, ',');
			if (!comma)
				die("--udp: expected SRCIP:PORT,DSTIP:PORT");
			*comma = '\0';
			parse_ipport(optarg, &o->usrc);
			parse_ipport(comma + 1, &o->udst);
			o->udp = true;
			break;
		case 'p':
			o->udp_port = parse_uint("--udp-port", optarg, 65535);
			break;
		case 'r':
			o->rate = parse_real("--rate", optarg);
			break;
		case 't':
			o->duration = parse_real("--duration", optarg);
			break;
		case 'c':
			o->count = parse_uint("--count", optarg, ~0ULL);
			break;
		case 's':
			o->size = parse_uint("--size", optarg, MAX_FRAME);
			break;
		case 'i':
			o->run_id = parse_uint("--run-id", optarg, ~0U);
			o->has_run_id = true;
			break;
		case 'R':
			o->ready_file = optarg;
			break;
		case 'v':
			o->vlan = strcmp(optarg, "none") ?
					  parse_uint("--vlan", optarg, 4095) :
					  TRAFFIC_UNTAGGED;
			o->has_vlan = true;
			break;
		default:
			exit(2);
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!o->dev)
		die("--dev is required");
	if (!o->has_run_id)
		die("--run-id is required");
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (!name)
		return;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die("netns '%s': %s", name, strerror(errno));
	close(fd);
}

static unsigned int dev_index(const char *dev)
{
	unsigned int ifindex = if_nametoindex(dev);

	if (!ifindex)
		die("dev '%s': %s", dev, strerror(errno));
	return ifindex;
}

static __u32 csum_add(__u32 sum, const void *buf, size_t len)
{
	const __u8 *p = buf;

	for (; len > 1; len -= 2, p += 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

struct sender {
	__u8 frames[BURST][MAX_FRAME];
	struct iovec iov[BURST];
	struct mmsghdr msgs[BURST];
	size_t hdr_off;
	/* UDP only: sum of the datagram and pseudo header without our hdr */
	__u32 udp_sum;
};

/* Writes the frame template into every burst slot. */
static void build_frames(struct sender *s, const struct opts *o)
{
	__u8 *f = s->frames[0];
	struct ethhdr *eth = (struct ethhdr *)f;
	struct traffic_hdr th = {
		.magic = htonl(TRAFFIC_MAGIC),
		.run_id = htonl(o->run_id),
	};
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	__u16 ulen = o->size - sizeof(*eth) - sizeof(*ip);
	__u8 proto[2] = { 0, IPPROTO_UDP };
	size_t len = o->size + (o->has_vlan ? 4 : 0);
	int i;

	memcpy(eth->h_dest, o->dst, ETH_ALEN);
	memcpy(eth->h_source, o->src, ETH_ALEN);
	eth->h_proto = htons(o->udp ? ETH_P_IP : o->ethertype);
	s->hdr_off = sizeof(*eth);
	if (o->udp) {
		*ip = (struct iphdr){
			.version = 4,
			.ihl = 5,
			.tot_len = htons(o->size - sizeof(*eth)),
			.frag_off = htons(IP_DF),
			.ttl = 64,
			.protocol = IPPROTO_UDP,
			.saddr = o->usrc.sin_addr.s_addr,
			.daddr = o->udst.sin_addr.s_addr,
		};
		ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));
		udp->source = o->usrc.sin_port;
		udp->dest = o->udst.sin_port;
		udp->len = htons(ulen);
		s->hdr_off = (__u8 *)(udp + 1) - f;
		/* The payload after our header is zero and adds nothing. */
		s->udp_sum = csum_add(0, &ip->saddr, 8);
		s->udp_sum = csum_add(s->udp_sum, proto, sizeof(proto));
		s->udp_sum = csum_add(s->udp_sum, &udp->len, sizeof(udp->len));
		s->udp_sum = csum_add(s->udp_sum, udp, sizeof(*udp));
	}
	memcpy(f + s->hdr_off, &th, sizeof(th));
	if (o->has_vlan) {
		/* after the MACs: TPID, TCI; the frame grows by them */
		__be16 tag[2] = { htons(ETH_P_8021Q), htons(o->vlan) };

		memmove(f + 2 * ETH_ALEN + 4, f + 2 * ETH_ALEN,
			len - 2 * ETH_ALEN - 4);
		memcpy(f + 2 * ETH_ALEN, tag, 4);
		s->hdr_off += 4;
	}
	for (i = 0; i < BURST; i++) {
		if (i)
			memcpy(s->frames[i], f, len);
		s->iov[i] = (struct iovec){ s->frames[i], len };
		s->msgs[i].msg_hdr = (struct msghdr){
			.msg_iov = &s->iov[i],
			.msg_iovlen = 1,
		};
	}
}

static void stamp(struct sender *s, int slot, unsigned long long seq, bool udp)
{
	__u8 *f = s->frames[slot];
	struct traffic_hdr *th = (struct traffic_hdr *)(f + s->hdr_off);
	__be64 be = htobe64(seq);
	__u16 sum;

	memcpy(&th->seq, &be, sizeof(be));
	if (!udp)
		return;
	/* Our header starts at an even offset of the datagram. */
	sum = csum_fold(csum_add(s->udp_sum, th, sizeof(*th)));
	sum = htons(sum ? sum : 0xffff);
	memcpy(f + s->hdr_off - 2, &sum, sizeof(sum));
}

static int open_packet_socket(struct opts *o)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = dev_index(o->dev),
	};
	struct ifreq ifr = {};
	int fd;

	/* Protocol 0: the socket only sends, it receives nothing. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("dev '%s': packet socket: %s", o->dev, strerror(errno));
	if (!o->has_src) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->dev);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr))
			die("dev '%s': address: %s", o->dev, strerror(errno));
		memcpy(o->src, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	}
	return fd;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* Returns early on SIGINT or SIGTERM. */
static void sleep_until(long long t)
{
	struct timespec ts = { t / NSEC, t % NSEC };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * Frame i is due at start + i / rate. Frames go out in bursts: the loop
 * sleeps until a whole burst is due, so a late wakeup is caught up and the
 * average rate stays exact. The duration is a time limit: a sender that
 * falls behind sends fewer than rate * duration frames. SIGINT or SIGTERM
 * end it early. Frames the kernel refuses are counted as errors and sent
 * again with the same sequence number.
 */
static int cmd_send(struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static struct sender s;
	unsigned long long total = ULLONG_MAX, sent = 0, errors = 0;
	size_t min = sizeof(struct ethhdr) + sizeof(struct traffic_hdr);
	long long start, end, deadline = LLONG_MAX, due, t;
	int fd, i, n, k, err = 0;

	if (o->udp)
		min += sizeof(struct iphdr) + sizeof(struct udphdr);
	if (!o->has_dst)
		die("--dst is required");
	if (o->udp_port)
		die("--udp-port is for count; send takes --udp");
	if (o->size < min)
		die("--size: at least %zu bytes", min);
	if (o->has_vlan && (o->vlan == TRAFFIC_UNTAGGED ||
			    o->size + 4 > MAX_FRAME))
		die("--vlan: send takes a VLAN id (0..4095) and --size up to %d",
		    MAX_FRAME - 4);
	if (!o->count && !o->duration)
		die("--count or --duration is required");
	if (o->duration && o->rate)
		total = llround(o->rate * o->duration);
	if (o->count && o->count < total)
		total = o->count;
	enter_netns(o->netns);
	fd = open_packet_socket(o);
	build_frames(&s, o);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = now_ns();
	if (o->duration)
		deadline = start + llround(o->duration * NSEC);
	while (sent < total && !stop) {
		n = total - sent < BURST ? total - sent : BURST;
		due = o->rate ? start + (sent + n - 1) / o->rate * NSEC : 0;
		t = now_ns();
		/* A burst slept for is due before the deadline: send it. */
		if (t < due) {
			sleep_until(due);
			if (stop)
				break;
		} else if (t >= deadline) {
			break;
		}
		for (i = 0; i < n; i++)
			stamp(&s, i, sent + i, o->udp);
		/* A short count means frame k was refused, its error lost. */
		k = sendmmsg(fd, s.msgs, n, 0);
		if (k == n) {
			sent += k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != ENOBUFS && errno != EAGAIN &&
		    errno != ENOMEM) {
			err = -errno;
			break;
		}
		sent += k > 0 ? k : 0;
		errors++;
		sched_yield();
	}
	end = now_ns();
	close(fd);
	printf("{\"sent\":%llu,\"errors\":%llu,\"rate_pps\":%.1f,"
	       "\"duration_s\":%.6f}\n",
	       sent, errors,
	       end > start ? sent * (double)NSEC / (end - start) : 0,
	       (double)(end - start) / NSEC);
	if (err)
		die("dev '%s': send: %s", o->dev, strerror(-err));
	return 0;
}

/* The TC counter on @ifindex's ingress (clsact made if missing: true). */
static bool attach_tc(struct bpf_tc_hook *hook, int prog_fd,
		      unsigned int ifindex, const char *dev)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd,
			    .handle = 1, .priority = 1);
	bool created;
	int r;

	hook->ifindex = ifindex;
	r = bpf_tc_hook_create(hook);
	if (r && r != -EEXIST)
		die("dev '%s': clsact: %s", dev, strerror(-r));
	created = !r;
	r = bpf_tc_attach(hook, &opts);
	if (r)
		die("dev '%s': TC attach: %s", dev, strerror(-r));
	return created;
}

static void detach_tc(struct bpf_tc_hook *hook, bool created)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);

	if (created) {
		/* the qdisc goes only when both hooks are named */
		hook->attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(hook);
		return;
	}
	bpf_tc_detach(hook, &opts);
}

/* Native XDP where the driver has it, else generic; a link detaches on exit. */
static int attach_xdp(int prog_fd, unsigned int ifindex, const char **mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XDP_FLAGS_DRV_MODE);
	int fd;

	*mode = "native";
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
	if (fd < 0 && errno != EBUSY && errno != EEXIST) {
		*mode = "skb";
		lo.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
	}
	return fd < 0 ? -errno : fd;
}

static void write_ready(const char *path, const char *mode)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", mode) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("ready file '%s': %s", path, strerror(errno));
}

static void wait_signal(double duration)
{
	struct timespec ts = { duration, (duration - (long)duration) * NSEC };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	while ((duration ? sigtimedwait(&set, NULL, &ts)
			 : sigwaitinfo(&set, NULL)) < 0 &&
	       errno == EINTR)
		;
}

/* Sequence numbers below the highest seen that never arrived. */
static unsigned long long count_missing(const __u8 *laps,
					unsigned long long next)
{
	unsigned long long seq, missing = 0, window = 1ULL << TRAFFIC_SEEN_BITS;

	for (seq = next > window ? next - window : 0; seq < next; seq++)
		missing += laps[seq % window] != traffic_lap(seq);
	return missing;
}

static int cmd_count(struct opts *o)
{
	size_t seen_size = (size_t)TRAFFIC_SEEN_PAGES * TRAFFIC_SEEN_PAGE;
	struct traffic_stats sum = {}, *percpu;
	int ncpus = libbpf_num_possible_cpus();
	struct nfc_traffic_count_xdp *skel;
	unsigned int ifindex;
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, tc, .attach_point = BPF_TC_INGRESS);
	bool tc_created = false;
	const char *mode;
	sigset_t set;
	__u32 key = 0;
	int link = -1, i;
	__u8 *laps;

	if (o->udp)
		die("--udp is for send; count takes --udp-port");
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	enter_netns(o->netns);
	ifindex = dev_index(o->dev);

	skel = nfc_traffic_count_xdp__open();
	if (!skel)
		die("count program: open: %s", strerror(errno));
	skel->rodata->match_ethertype = o->udp_port ? 0 : htons(o->ethertype);
	skel->rodata->match_udp_port = htons(o->udp_port);
	skel->rodata->match_run_id = htonl(o->run_id);
	if (o->has_vlan)
		skel->rodata->match_vlan = o->vlan;
	if (nfc_traffic_count_xdp__load(skel))
		die("count program: load: %s", strerror(errno));
	if (o->has_vlan) {
		mode = "tc";
		tc_created = attach_tc(&tc, bpf_program__fd(skel->progs.count_frames_tc),
				       ifindex, o->dev);
	} else {
		link = attach_xdp(bpf_program__fd(skel->progs.count_frames),
				  ifindex, &mode);
		if (link == -EBUSY || link == -EEXIST)
			die("dev '%s': another XDP program is attached",
			    o->dev);
		if (link < 0)
			die("dev '%s': XDP attach: %s", o->dev,
			    strerror(-link));
	}
	if (o->ready_file)
		write_ready(o->ready_file, mode);
	wait_signal(o->duration);
	if (o->has_vlan)
		detach_tc(&tc, tc_created);
	else
		close(link);

	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &key, percpu))
		die("count program: stats: %s", strerror(errno));
	for (i = 0; i < ncpus; i++) {
		sum.received += percpu[i].received;
		sum.duplicates += percpu[i].duplicates;
		sum.out_of_order += percpu[i].out_of_order;
		sum.other_vlan += percpu[i].other_vlan;
		if (percpu[i].next_seq > sum.next_seq)
			sum.next_seq = percpu[i].next_seq;
	}
	laps = mmap(NULL, seen_size, PROT_READ, MAP_SHARED,
		    bpf_map__fd(skel->maps.seen), 0);
	if (laps == MAP_FAILED)
		die("count program: map 'seen': %s", strerror(errno));
	printf("{\"received\":%llu,\"unique\":%llu,\"duplicates\":%llu,"
	       "\"out_of_order\":%llu,\"missing\":%llu,\"max_seq\":%lld,"
	       "\"other_vlan\":%llu,\"mode\":\"%s\"}\n",
	       sum.received, sum.received - sum.duplicates, sum.duplicates,
	       sum.out_of_order, count_missing(laps, sum.next_seq),
	       (long long)sum.next_seq - 1, sum.other_vlan, mode);
	munmap(laps, seen_size);
	free(percpu);
	nfc_traffic_count_xdp__destroy(skel);
	return 0;
}

static void usage(void)
{
	fputs("usage: nfc-traffic send --dev IF --dst MAC --run-id ID\n"
	      "           [--netns NS] [--src MAC] [--size BYTES]\n"
	      "           [--ethertype TYPE | --udp SRCIP:PORT,DSTIP:PORT]\n"
	      "           [--rate PPS] [--duration SEC] [--count N] [--vlan ID]\n"
	      "       nfc-traffic count --dev IF --run-id ID [--netns NS]\n"
	      "           [--ethertype TYPE | --udp-port PORT]\n"
	      "           [--duration SEC] [--ready-file FILE] [--vlan ID|none]\n"
	      "Defaults: --ethertype 0x88b5, --size 64, --src: the address\n"
	      "of IF. --rate 0 sends as fast as it can. count runs until\n"
	      "SIGINT or SIGTERM unless --duration is given. Each command\n"
	      "prints one JSON line.\n",
	      stderr);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct opts *o);
	} cmds[] = {
		{ "send", cmd_send },
		{ "count", cmd_count },
	};
	struct opts o = {};
	size_t i;

	if (argc < 2) {
		usage();
		return 2;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		parse_opts(argc - 1, argv + 1, &o);
		return cmds[i].fn(&o);
	}
	usage();
	return 2;
}
