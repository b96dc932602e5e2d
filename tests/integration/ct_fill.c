// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfc-ct-fill (test only): known connections, flows and counters written
 * straight into the pinned maps, so that ct_cli.sh can check what nfctl
 * lists, filters and flushes byte for byte.
 *
 *   nfc-ct-fill PINROOT CHAIN_ID VERSION NODE
 *
 * Tenant 4242: c1 TCP 10.9.0.1:40000 -> 10.9.0.2:80 established, decided
 * by rule 5 of NODE (pass); c2 UDP 10.9.0.7:5353 -> 10.9.0.1:53 opened by
 * the higher side (NFC_CT_F_ORIG_1), new; c3 TCP [2001:db8::1]:1234 ->
 * [2001:db8::2]:443 syn-recv. Tenant 4243: c4 ICMP echo 10.9.0.1 -> 10.9.0.2,
 * id 77. Flows, tenant 4242: f1 of c1 in the chain, DNAT to 10.9.0.5:8080
 * and out of lo; f2 of c2, of another version (stale). Tenant 4244: f3 of
 * a chain that is gone, an ARP frame dropped. Rule (NODE, 5): 3 packets on
 * CPU 0 and 2 on the last; endpoint lo: 7 packets in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nfc_shared.h"

static const char *root;

static int map(const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/maps/%s", root, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "nfc-ct-fill: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void put(int fd, const void *k, const void *v, const char *what)
{
	if (bpf_map_update_elem(fd, k, v, BPF_ANY)) {
		fprintf(stderr, "nfc-ct-fill: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static union nfc_addr addr(const char *s)
{
	union nfc_addr a = {};

	if (inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, a.b) != 1) {
		fprintf(stderr, "nfc-ct-fill: bad address %s\n", s);
		exit(1);
	}
	return a;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct nfc_ct_key ct_key(__u32 tenant, __u8 l3, __u8 proto,
				const char *a0, __u16 p0, const char *a1,
				__u16 p1)
{
	struct nfc_ct_key k;

	memset(&k, 0, sizeof(k));
	k.tenant = tenant;
	k.l3 = l3;
	k.proto = proto;
	k.addr[0] = addr(a0);
	k.addr[1] = addr(a1);
	k.port[0] = htons(p0);
	k.port[1] = htons(p1);
	return k;
}

int main(int argc, char **argv)
{
	struct nfc_ct_key c1, c2, c3, c4;
	struct nfc_ct ct;
	struct nfc_key k;
	struct nfc_flow f;
	__u64 id;
	struct nfc_rule_key rk;
	struct nfc_rule_stats *rs;
	struct nfc_ep_stats *es;
	__u32 chain, version, node, lo = 1;
	__u64 now = now_ns();
	int ncpu, fd;

	if (argc != 5) {
		fprintf(stderr, "usage: nfc-ct-fill PINROOT CHAIN_ID VERSION NODE\n");
		return 2;
	}
	root = argv[1];
	chain = strtoul(argv[2], NULL, 0);
	version = strtoul(argv[3], NULL, 0);
	node = strtoul(argv[4], NULL, 0);

	/* connections: canonical keys, the lower side first */
	fd = map("nfc_ct");
	c1 = ct_key(4242, NFC_L3_IPV4, IPPROTO_TCP, "10.9.0.1", 40000,
		    "10.9.0.2", 80);
	memset(&ct, 0, sizeof(ct));
	ct.handle = 1001;
	ct.created_ns = now - 10000000000ULL;
	ct.last_ns = now - 1000000000ULL;
	ct.ifindex[NFC_CT_ORIG] = lo;
	ct.ifindex[NFC_CT_REPLY] = lo;
	ct.state = NFC_CT_ESTABLISHED;
	ct.flags = NFC_CT_F_SEEN_REPLY | NFC_CT_F_DECIDED;
	ct.decision[0].chain = chain;
	ct.decision[0].node = node;
	ct.decision[0].policy = 5;
	ct.decision[0].verdict = NFC_V_PASS;
	put(fd, &c1, &ct, "c1");

	c2 = ct_key(4242, NFC_L3_IPV4, IPPROTO_UDP, "10.9.0.1", 53, "10.9.0.7",
		    5353);
	memset(&ct, 0, sizeof(ct));
	ct.handle = 1002;
	ct.created_ns = ct.last_ns = now - 2000000000ULL;
	ct.state = NFC_CT_NEW;
	ct.flags = NFC_CT_F_ORIG_1;
	put(fd, &c2, &ct, "c2");

	c3 = ct_key(4242, NFC_L3_IPV6, IPPROTO_TCP, "2001:db8::1", 1234,
		    "2001:db8::2", 443);
	memset(&ct, 0, sizeof(ct));
	ct.handle = 1003;
	ct.created_ns = ct.last_ns = now;
	ct.state = NFC_CT_SYN_RECV;
	put(fd, &c3, &ct, "c3");

	c4 = ct_key(4243, NFC_L3_IPV4, IPPROTO_ICMP, "10.9.0.1", 77,
		    "10.9.0.2", 77);
	memset(&ct, 0, sizeof(ct));
	ct.handle = 1004;
	ct.created_ns = ct.last_ns = now;
	ct.state = NFC_CT_ESTABLISHED;
	ct.flags = NFC_CT_F_SEEN_REPLY;
	put(fd, &c4, &ct, "c4");
	close(fd);

	/* flows */
	fd = map("nfc_flows");
	memset(&k, 0, sizeof(k));
	k.ifindex = lo;
	k.tenant = 4242;
	k.ethertype = htons(0x0800);
	k.l3 = NFC_L3_IPV4;
	k.proto = IPPROTO_TCP;
	k.flags = NFC_KEY_F_L4;
	k.zone = chain;
	k.saddr = addr("10.9.0.1");
	k.daddr = addr("10.9.0.2");
	k.sport = htons(40000);
	k.dport = htons(80);
	memset(&f, 0, sizeof(f));
	f.version = version;
	f.created_ns = now - 5000000000ULL;
	f.last_ns = now - 500000000ULL;
	f.packets = 12;
	f.bytes = 3400;
	f.ct = c1;
	f.act.key = k;
	f.act.key.daddr = addr("10.9.0.5");
	f.act.key.dport = htons(8080);
	f.act.flags = NFC_ACT_DADDR | NFC_ACT_DPORT;
	f.act.verdict = NFC_V_REDIRECT;
	f.act.out_ifindex = lo;
	f.act.policy = 5;
	f.act.policy_node = node;
	f.key = k;
	id = nfc_flow_id(&k);
	put(fd, &id, &f, "f1");

	k.proto = IPPROTO_UDP;
	k.saddr = addr("10.9.0.7");
	k.daddr = addr("10.9.0.1");
	k.sport = htons(5353);
	k.dport = htons(53);
	memset(&f, 0, sizeof(f));
	f.version = version + 100;
	f.created_ns = f.last_ns = now;
	f.packets = 1;
	f.bytes = 80;
	f.ct = c2;
	f.act.key = k;
	f.act.verdict = NFC_V_PASS;
	f.key = k;
	id = nfc_flow_id(&k);
	put(fd, &id, &f, "f2");

	memset(&k, 0, sizeof(k));
	k.ifindex = lo;
	k.tenant = 4244;
	k.ethertype = htons(0x0806);
	k.l3 = NFC_L3_ARP;
	k.zone = NFC_MAX_CHAINS - 1;
	memset(&f, 0, sizeof(f));
	f.version = 1;
	f.created_ns = f.last_ns = now;
	f.act.key = k;
	f.act.verdict = NFC_V_DROP;
	f.act.reason = NFC_DROP_POLICY;
	f.key = k;
	id = nfc_flow_id(&k);
	put(fd, &id, &f, "f3");
	close(fd);

	/* per-CPU counters: a value per possible CPU */
	ncpu = libbpf_num_possible_cpus();
	if (ncpu < 1)
		return 1;
	rs = calloc(ncpu, sizeof(*rs));
	es = calloc(ncpu, sizeof(*es));
	if (!rs || !es)
		return 1;
	rs[0].packets = 3;
	rs[0].bytes = 300;
	rs[ncpu - 1].packets += 2;
	rs[ncpu - 1].bytes += 200;
	rk.node = node;
	rk.policy = 5;
	fd = map("nfc_rule_stats");
	put(fd, &rk, rs, "rule");
	close(fd);
	es[0].in_packets = 7;
	es[0].in_bytes = 700;
	es[0].new_conns = 2;
	es[0].drop[NFC_DROP_POLICY] = 1;
	fd = map("nfc_ep_stats");
	put(fd, &lo, es, "endpoint");
	close(fd);
	free(rs);
	free(es);
	return 0;
}
