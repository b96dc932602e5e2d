// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The firewall module under BPF_PROG_TEST_RUN: both sides of a connection
 * judged (source egress, destination ingress), the deciding rule and side
 * named, replies passing on the connection's allowance, rules compiled by
 * the runtime's compiler and switched at once, differential checks of
 * 10,000 random rules (spread, IPv6 among them, or nested) against a
 * reference classifier written here, and the shape of the trees the
 * compiler makes of them and of 100,000.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "internal.h"
#include "firewall.h"
#include "rewrite.h"

#define FW "firewall@1.0.0"
#define IP_C "203.0.113.3"

/* Endpoint @id at @addr of tenant 0, with its defaults. */
static void endpoint(const char *addr, __u32 id, __u32 ingress, __u32 egress)
{
	struct fw_ep_key k = {};
	struct fw_ep e = { .id = id, .ingress = ingress, .egress = egress };
	char why[128];
	struct nfc_field f = { .type = NFC_FT_IP, .size = 16 };

	assert_int_equal(nfc_field_encode(&f, addr, k.addr, why, sizeof(why)), 0);
	assert_int_equal(bpf_map_update_elem(dp_table(FW, "endpoints"), &k, &e, 0), 0);
}

static struct fw_rule rule_of(__u32 ep, __u32 dir, __u32 action, __u32 prio,
			      const char *peer, __u8 proto, __u16 port,
			      __u16 port_end)
{
	struct nfc_field f = { .type = NFC_FT_CIDR, .size = 20 };
	struct fw_rule r = { .endpoint = ep, .direction = dir, .action = action,
			     .priority = prio, .proto = proto, .port = port,
			     .port_end = port_end, .icmp_type = FW_ICMP_ANY };
	char why[128];

	assert_int_equal(nfc_field_encode(&f, peer, &r.peer, why, sizeof(why)), 0);
	return r;
}

static void rule_put(__u32 id, const struct fw_rule *r)
{
	struct fw_rule_key k = { id };

	assert_int_equal(bpf_map_update_elem(dp_table(FW, "rules"), &k, r, 0), 0);
}

static void rule(__u32 id, __u32 ep, __u32 dir, __u32 action, __u32 prio,
		 const char *peer, __u8 proto, __u16 port)
{
	struct fw_rule r = rule_of(ep, dir, action, prio, peer, proto, port, 0);

	snprintf(r.name, sizeof(r.name), "rule-%u", id);
	rule_put(id, &r);
}

static int compile(void)
{
	struct nfc_err err = {};
	int r;

	dp_module(FW);
	r = nfc_compile_obj(dp_module_obj(FW), "firewall", "test", &err);
	if (r)
		fprintf(stderr, "  compile: %s\n", err.msg[0]);
	return r;
}

/* Empty what dp_reset() does not: the compiled sets and the
 * connections the node allowed. */
static void fw_reset(void)
{
	int fd = bpf_object__find_map_fd_by_name(dp_module_obj(FW), "fw_conns");
	__u64 k;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
	assert_int_equal(compile(), 0);
}

static void tcp4(struct pkt *p, const char *src, const char *dst, __u16 sport,
		 __u16 dport, __u8 flags)
{
	pkt_init(p);
	pkt_eth(p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, src, dst, 64, 0, 0);
	pkt_tcp(p, sport, dport, flags);
	pkt_finish(p);
}

static void run(const struct pkt *p, struct dp_run *r)
{
	dp_chain1(dp_module(FW));
	dp_run(DP_ROOT, p, r);
}

/* What one run decided: its verdict, the rule and the side (tables and
 * connections stay from run to run within a test, so the counters of
 * several runs add up: dp_assert_drop() is for a test's first run). */
static void assert_allowed(const struct dp_run *r, __u32 policy)
{
	if (r->retval != (__u32)F.rc_pass)
		fprintf(stderr, "  dropped: %s by %u\n",
			dp_reason_str(r->ctx.act.reason), r->ctx.act.policy);
	assert_int_equal(r->retval, F.rc_pass);
	assert_false(r->express);
	assert_int_equal(r->ctx.act.policy, policy);
}

static void assert_denied(const struct dp_run *r, __u32 reason, __u32 policy)
{
	assert_int_equal(r->retval, F.rc_drop);
	assert_false(r->express);
	assert_int_equal(r->ctx.act.reason, reason);
	assert_int_equal(r->ctx.act.policy, policy);
}

/* Both sides must allow: A's egress allows, B's ingress default denies;
 * then B's rule allows and names the connection. */
static void test_both_sides(void **state)
{
	struct dp_run r;
	struct pkt p;

	fw_reset();
	endpoint(IP_A, 1, FW_DENY, FW_DENY);
	endpoint(IP_B, 2, FW_DENY, FW_DENY);
	rule(10, 1, FW_EGRESS, FW_ALLOW, 100, "198.51.100.0/24", IPPROTO_TCP, 443);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40000, 443, 0x02);
	run(&p, &r);
	dp_assert_drop(&r, NFC_DROP_POLICY_INGRESS); /* counted, reported */
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);

	rule(20, 2, FW_INGRESS, FW_ALLOW, 100, "192.0.2.0/24", IPPROTO_TCP, 443);
	assert_int_equal(compile(), 0);
	run(&p, &r);
	assert_allowed(&r, 20);

	/* A's egress has no rule for port 80: its default denies */
	rule(21, 2, FW_INGRESS, FW_ALLOW, 100, "any", IPPROTO_TCP, 80);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40001, 80, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
}

/* The source's egress rule that denies is named, whatever the destination
 * says; the first rule by priority decides, then the lowest id. */
static void test_egress_deny_and_priority(void **state)
{
	struct dp_run r;
	struct pkt p;

	fw_reset();
	endpoint(IP_A, 1, FW_ALLOW, FW_ALLOW);
	endpoint(IP_B, 2, FW_ALLOW, FW_ALLOW);
	rule(30, 1, FW_EGRESS, FW_DENY, 50, "198.51.100.2/32", 0, 0);
	rule(31, 1, FW_EGRESS, FW_ALLOW, 10, "198.51.100.0/24", IPPROTO_TCP, 22);
	rule(32, 2, FW_INGRESS, FW_ALLOW, 10, "any", 0, 0);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40000, 443, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 30);

	/* priority 10 before 50: port 22 is allowed, B's rule names it */
	tcp4(&p, IP_A, IP_B, 40000, 22, 0x02);
	run(&p, &r);
	assert_allowed(&r, 32);

	/* equal priorities: the lower id first */
	rule(29, 1, FW_EGRESS, FW_DENY, 10, "198.51.100.0/24", IPPROTO_TCP, 22);
	assert_int_equal(compile(), 0);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 29);
}

/* Replies pass on the connection's allowance, with no rule for their own
 * direction; a new connection from the other side is judged by its own
 * direction's rules. */
static void test_replies(void **state)
{
	struct dp_run r;
	struct pkt p;

	fw_reset();
	endpoint(IP_A, 1, FW_DENY, FW_DENY);
	endpoint(IP_B, 2, FW_DENY, FW_DENY);
	rule(40, 1, FW_EGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 443);
	rule(41, 2, FW_INGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 443);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40000, 443, 0x02);
	run(&p, &r);
	assert_allowed(&r, 41);
	tcp4(&p, IP_B, IP_A, 443, 40000, 0x12);
	run(&p, &r);
	assert_allowed(&r, 41);

	/* the rule that allowed it goes: the connection's next SYN is
	 * denied, and so are its replies, judged as the connection was
	 * opened (B's ingress), not by B's egress */
	bpf_map_delete_elem(dp_table(FW, "rules"), &(struct fw_rule_key){ 41 });
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40000, 443, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
	tcp4(&p, IP_B, IP_A, 443, 40000, 0x12);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
	rule(41, 2, FW_INGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 443);
	assert_int_equal(compile(), 0);

	/* B opening a connection to A: B's egress denies it */
	tcp4(&p, IP_B, IP_A, 443, 40000 + 7, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);

	/* an answer to a connection the node denied passes no more than
	 * the connection: A's attempt on port 22 is denied by A's egress,
	 * and B's SYN-ACK back with it */
	tcp4(&p, IP_A, IP_B, 40002, 22, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
	tcp4(&p, IP_B, IP_A, 22, 40002, 0x12);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
}

/* IPv6 peers, ICMP types and connections of no endpoint. */
static void test_v6_icmp_unknown(void **state)
{
	struct dp_run r;
	struct pkt p;

	fw_reset();
	endpoint("2001:db8:1::1", 5, FW_DENY, FW_ALLOW);
	endpoint(IP_A, 1, FW_DENY, FW_ALLOW);
	rule(50, 5, FW_INGRESS, FW_ALLOW, 1, "2001:db8:2::/48", IPPROTO_UDP, 53);
	rule(51, 1, FW_INGRESS, FW_ALLOW, 1, "198.51.100.0/24", IPPROTO_ICMP, 0);
	{
		struct fw_rule e = rule_of(1, FW_INGRESS, FW_ALLOW, 2, "any",
					   IPPROTO_ICMP, 0, 0);

		e.icmp_type = 8; /* echo request */
		rule_put(51, &e);
	}
	assert_int_equal(compile(), 0);

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(&p, IPPROTO_UDP, "2001:db8:2::9", "2001:db8:1::1", 64);
	pkt_udp(&p, 5353, 53, false);
	pkt_finish(&p);
	run(&p, &r);
	assert_allowed(&r, 50);

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(&p, IPPROTO_UDP, "2001:db8:3::9", "2001:db8:1::1", 64);
	pkt_udp(&p, 5353, 53, false);
	pkt_finish(&p);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);

	/* ICMP: echo requests to A pass, other types do not */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_C, IP_A, 64, 0, 0);
	pkt_icmp(&p, 8, 0, 77, 1);
	pkt_finish(&p);
	run(&p, &r);
	assert_allowed(&r, 51);
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_C, IP_A, 64, 0, 0);
	pkt_icmp(&p, 13, 0, 77, 1); /* timestamp */
	pkt_finish(&p);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);

	/* a rule of any protocol with ports is about TCP, UDP and SCTP:
	 * ICMP's type 3 (port word 768) is not in 0-1023 for it */
	{
		struct fw_rule e = rule_of(1, FW_INGRESS, FW_DENY, 0, "any", 0,
					   0, 1023);

		rule_put(52, &e);
	}
	assert_int_equal(compile(), 0);
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_C, IP_A, 64, 0, 0);
	pkt_icmp(&p, 3, 0, 0, 0);
	pkt_finish(&p);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
	tcp4(&p, IP_C, IP_A, 1234, 22, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 52);

	/* neither end an endpoint: `unknown` (pass by default) */
	tcp4(&p, IP_C, "198.51.100.77", 1234, 80, 0x02);
	run(&p, &r);
	assert_allowed(&r, 0);
}

static void label(__u32 ep, const char *key, const char *value)
{
	struct fw_label_key k = { .endpoint = ep };
	struct fw_label v = {};
	int fd = dp_table(FW, "labels");

	snprintf(k.key, sizeof(k.key), "%s", key);
	if (!value) {
		bpf_map_delete_elem(fd, &k);
		return;
	}
	snprintf(v.value, sizeof(v.value), "%s", value);
	assert_int_equal(bpf_map_update_elem(fd, &k, &v, 0), 0);
}

static void group(__u32 id, const char *selector)
{
	struct fw_group_key k = { id };
	struct fw_group v = {};

	snprintf(v.selector, sizeof(v.selector), "%s", selector);
	assert_int_equal(bpf_map_update_elem(dp_table(FW, "groups"), &k, &v, 0), 0);
}

/* Rule @id of every member of group @owner, the peer of group @peer. */
static void group_rule(__u32 id, __u32 owner, __u32 dir, __u32 peer,
		       __u16 port)
{
	struct fw_rule r = rule_of(0, dir, FW_ALLOW, 10, "any", IPPROTO_TCP,
				   port, 0);

	r.group = owner;
	r.peer_group = peer;
	rule_put(id, &r);
}

/* Security groups: "app=web may reach app=db,env=prod on tcp/5432", no
 * address named; membership follows the labels, edited at run time. */
static void test_groups(void **state)
{
	struct dp_run r;
	struct pkt p;
	struct fw_rule both;

	fw_reset();
	endpoint(IP_A, 1, FW_DENY, FW_DENY);
	endpoint(IP_B, 2, FW_DENY, FW_DENY);
	endpoint(IP_C, 3, FW_DENY, FW_DENY);
	label(1, "app", "web");
	label(2, "app", "db");
	label(2, "env", "prod");
	label(3, "app", "db");
	label(3, "env", "dev");
	group(1, "app=web");
	group(2, "app=db,env=prod");
	group_rule(70, 1, FW_EGRESS, 2, 5432);
	group_rule(71, 2, FW_INGRESS, 1, 5432);
	assert_int_equal(compile(), 0);

	tcp4(&p, IP_A, IP_B, 40000, 5432, 0x02);
	run(&p, &r);
	assert_allowed(&r, 71);
	/* C is app=db but not env=prod: in no group, A's egress denies */
	tcp4(&p, IP_A, IP_C, 40001, 5432, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
	/* another port: no rule */
	tcp4(&p, IP_A, IP_B, 40002, 22, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);

	/* C moves to prod: a member of group 2 on both sides at once */
	label(3, "env", "prod");
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_C, 40003, 5432, 0x02);
	run(&p, &r);
	assert_allowed(&r, 71);
	/* A loses its app label: in no group, its egress has no rule */
	label(1, "app", NULL);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40004, 5432, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
	/* selectors: has and has-not */
	group(3, "!app,env");
	group_rule(72, 3, FW_EGRESS, 0, 5432);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40005, 5432, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0); /* A has no env */
	/* with one, its egress allows (group 3's rule); B's ingress asks
	 * for app=web, which A is no longer */
	label(1, "env", "test");
	assert_int_equal(compile(), 0);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
	label(1, "app", "web");
	assert_int_equal(compile(), 0);
	run(&p, &r);
	assert_allowed(&r, 71);

	/* key!=value: A (env=test) is not in group 5 until it is prod */
	group(5, "app=web,env!=test");
	group_rule(74, 5, FW_EGRESS, 0, 8080);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40006, 8080, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
	label(1, "env", "prod");
	assert_int_equal(compile(), 0);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0); /* B has no rule */

	/* far more than 32 groups: ids up to 1,024, each word of the
	 * membership bitmap; B's ingress from group 1000 (app=web) on 9000,
	 * A's egress to group 700 (env=prod, B), then 1024 (B's app=db) */
	{
		__u32 id;

		for (id = 6; id <= 1024; id += 13)
			group(id, "nosuchlabel");
		group(700, "env=prod");
		group(1000, "app=web");
		group(1024, "app=db");
		group_rule(75, 700, FW_INGRESS, 1000, 9000);
		group_rule(76, 1000, FW_EGRESS, 700, 9000);
		group_rule(77, 1000, FW_EGRESS, 1024, 9001);
		group_rule(78, 700, FW_INGRESS, 1000, 9001);
		assert_int_equal(compile(), 0);
		tcp4(&p, IP_A, IP_B, 40007, 9000, 0x02);
		run(&p, &r);
		assert_allowed(&r, 75);
		tcp4(&p, IP_A, IP_B, 40008, 9001, 0x02);
		run(&p, &r);
		assert_allowed(&r, 78);
		/* B out of group 1024: A's egress has no rule for 9001 */
		label(2, "app", "cache");
		assert_int_equal(compile(), 0);
		tcp4(&p, IP_A, IP_B, 40009, 9001, 0x02);
		run(&p, &r);
		assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
		label(2, "app", "db");
		group(1025, "app");
		assert_int_equal(compile(), -EINVAL); /* ids end at 1024 */
		bpf_map_delete_elem(dp_table(FW, "groups"), &(struct fw_group_key){ 1025 });
		assert_int_equal(compile(), 0);
	}

	/* refused: a bad selector, a rule of both an endpoint and a group,
	 * a group that does not exist */
	group(4, "app==web");
	assert_int_equal(compile(), -EINVAL);
	group(4, "app=web");
	both = rule_of(1, FW_EGRESS, FW_ALLOW, 1, "any", 0, 0, 0);
	both.group = 4;
	rule_put(73, &both);
	assert_int_equal(compile(), -EINVAL);
	both.group = 0;
	both.peer_group = 9;
	rule_put(73, &both);
	assert_int_equal(compile(), -EINVAL);
}

/* ICMP errors about an allowed connection pass whichever way they go (a
 * router's "fragmentation needed" to a server quoting its reply); the
 * link's own ICMPv6 (neighbour discovery) passes any default; an IPv4-
 * mapped IPv6 address on the wire is refused, not taken for the IPv4
 * endpoint. */
static void test_icmp_errors_nd_mapped(void **state)
{
	struct dp_run r;
	struct pkt p;

	fw_reset();
	endpoint(IP_A, 1, FW_DENY, FW_DENY);
	endpoint(IP_B, 2, FW_DENY, FW_DENY);
	endpoint("2001:db8:1::1", 5, FW_DENY, FW_DENY);
	rule(80, 1, FW_EGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 80);
	rule(81, 2, FW_INGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 80);
	assert_int_equal(compile(), 0);
	tcp4(&p, IP_A, IP_B, 40000, 80, 0x02);
	run(&p, &r);
	assert_allowed(&r, 81);
	/* a router (C) tells B its reply to A is too big: B's ingress has
	 * no rule for ICMP from C, the connection decides */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_C, IP_B, 64, 0, 0);
	pkt_icmp(&p, 3, 4, 0, 1400);
	pkt_ipv4(&p, IPPROTO_TCP, IP_B, IP_A, 64, 0, 0);
	pkt_tcp(&p, 80, 40000, 0x10);
	pkt_finish(&p);
	run(&p, &r);
	assert_true(r.ctx.ct_flags & NFC_CTI_RELATED);
	assert_allowed(&r, 81);
	/* and the connection's own packets still pass */
	tcp4(&p, IP_B, IP_A, 80, 40000, 0x12);
	run(&p, &r);
	assert_allowed(&r, 81);
	/* the same error about a connection never allowed is judged as
	 * what it is: C is no endpoint, B's ingress default denies */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_C, IP_B, 64, 0, 0);
	pkt_icmp(&p, 3, 4, 0, 1400);
	pkt_ipv4(&p, IPPROTO_TCP, IP_B, IP_A, 64, 0, 0);
	pkt_tcp(&p, 22, 40001, 0x10);
	pkt_finish(&p);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);

	/* neighbour solicitation from an endpoint whose egress denies all */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(&p, IPPROTO_ICMPV6, "2001:db8:1::1", "ff02::1:ff00:2", 255);
	pkt_icmp6(&p, 135, 0, 0, 0);
	pkt_finish(&p);
	run(&p, &r);
	assert_int_equal(r.retval, F.rc_pass);
	/* ... but an echo request is a connection */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(&p, IPPROTO_ICMPV6, "2001:db8:1::1", "2001:db8:2::2", 64);
	pkt_icmp6(&p, 128, 0, 9, 1);
	pkt_finish(&p);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);

	/* A tied to another interface: its address from here is spoofed,
	 * in either direction of a connection */
	{
		struct fw_ep_key k = {};
		struct fw_ep e = { .id = 1, .ingress = FW_DENY,
				   .egress = FW_DENY, .ifindex = 0x7ffffff0 };
		struct nfc_field f = { .type = NFC_FT_IP, .size = 16 };
		char why[64];

		assert_int_equal(nfc_field_encode(&f, IP_A, k.addr, why,
						  sizeof(why)), 0);
		assert_int_equal(bpf_map_update_elem(dp_table(FW, "endpoints"),
						     &k, &e, 0), 0);
	}
	tcp4(&p, IP_A, IP_B, 40000, 80, 0x10);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_SPOOFED, 0);
	tcp4(&p, IP_B, IP_A, 80, 40000, 0x10);
	run(&p, &r);
	assert_allowed(&r, 81); /* to A is not from A */

	/* ::ffff:192.0.2.1 is not A */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(&p, IPPROTO_TCP, "::ffff:192.0.2.1", "2001:db8:2::2", 64);
	pkt_tcp(&p, 40000, 80, 0x02);
	pkt_finish(&p);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_SPOOFED, 0);
}

/* A set of generation @gen: its rules' count, -1 when there is none. */
static int set_count(__u32 gen, __u32 set)
{
	int fd = bpf_object__find_map_fd_by_name(dp_module_obj(FW), "fw_sets");
	struct fw_set_key k = { .gen = gen, .set = set };
	struct fw_set v;

	return bpf_map_lookup_elem(fd, &k, &v) ? -1 : (int)v.count;
}

/* NIC endpoints: an interface's traffic is one endpoint's, whatever its
 * addresses - as a source by the interface a packet came in by, as a
 * destination by the one an earlier node chose (here a rewrite node
 * redirecting to it). An address endpoint comes first. */
static void test_nic_endpoints(void **state)
{
	struct fw_nic_key nk = { .ifindex = F.lo };
	struct fw_nic nic = { .id = 7, .ingress = FW_DENY, .egress = FW_DENY };
	struct rewrite_plan plan = { .set = REWRITE_VERDICT,
				     .verdict = NFC_V_REDIRECT,
				     .out_ifindex = F.lo };
	struct dp_run r;
	struct pkt p;

	fw_reset();
	assert_int_equal(bpf_map_update_elem(dp_table(FW, "nics"), &nk, &nic, 0), 0);
	endpoint(IP_A, 1, FW_ALLOW, FW_ALLOW);
	rule(90, 7, FW_EGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 443);
	rule(91, 7, FW_INGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 8080);
	assert_int_equal(compile(), 0);
	/* from C (no address endpoint) in by the NIC: the NIC's egress */
	tcp4(&p, IP_C, "198.51.100.77", 40000, 443, 0x02);
	run(&p, &r);
	assert_allowed(&r, 90);
	tcp4(&p, IP_C, "198.51.100.77", 40001, 80, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
	/* from A (an address endpoint, its egress allows) out by the NIC:
	 * the NIC's ingress */
	dp_plan(&plan);
	dp_chain2(dp_module("rewrite"), dp_module(FW));
	tcp4(&p, IP_A, IP_B, 40002, 8080, 0x02);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_redirect);
	assert_int_equal(r.ctx.act.policy, 91);
	tcp4(&p, IP_A, IP_B, 40003, 22, 0x02);
	dp_run(DP_ROOT, &p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
}

/* Rule @id alone is refused by the compiler; taken out again. */
static void refused(__u32 id, const struct fw_rule *r)
{
	rule_put(id, r);
	assert_int_equal(compile(), -EINVAL);
	bpf_map_delete_elem(dp_table(FW, "rules"), &(struct fw_rule_key){ id });
}

/* An edit is compiled beside the rules in force and switched to at once:
 * packets that read the generation before the switch see the old set
 * whole (a compile entry by entry into the generation in force would
 * show them a mix). A rule that cannot be compiled is refused and the
 * sets in force stay. */
static void test_compile_refuses(void **state)
{
	struct fw_rule bad;
	struct dp_run r;
	struct pkt p;
	__u32 gen0, gen1, zero = 0;
	int gfd = bpf_object__find_map_fd_by_name(dp_module_obj(FW), "fw_gen");

	fw_reset();
	endpoint(IP_A, 1, FW_ALLOW, FW_ALLOW);
	rule(60, 1, FW_EGRESS, FW_DENY, 1, "any", IPPROTO_TCP, 25);
	assert_int_equal(compile(), 0);
	assert_int_equal(bpf_map_lookup_elem(gfd, &zero, &gen0), 0);
	assert_int_equal(set_count(gen0 & 1, FW_SET(1, FW_EGRESS)), 1);
	rule(62, 1, FW_EGRESS, FW_DENY, 2, "any", IPPROTO_TCP, 26);
	assert_int_equal(compile(), 0);
	assert_int_equal(bpf_map_lookup_elem(gfd, &zero, &gen1), 0);
	assert_int_equal(gen1, gen0 + 1);
	assert_int_equal(set_count(gen0 & 1, FW_SET(1, FW_EGRESS)), 1);
	assert_int_equal(set_count(gen1 & 1, FW_SET(1, FW_EGRESS)), 2);
	gen0 = gen1;
	/* each refused alone, then taken out: a port range that ends
	 * before it starts; id 0, no rule's; an IPv6 prefix over
	 * ::ffff:0:0/96, which would catch IPv4 peers */
	bad = rule_of(1, FW_EGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 100, 90);
	refused(61, &bad);
	bad = rule_of(1, FW_EGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 100, 0);
	refused(0, &bad);
	bad = rule_of(1, FW_EGRESS, FW_ALLOW, 1, "::/8", IPPROTO_TCP, 100, 0);
	refused(61, &bad);
	/* the same rules are taken with a good id and prefix */
	bad = rule_of(1, FW_EGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 100, 0);
	rule_put(63, &bad);
	assert_int_equal(compile(), 0);
	bpf_map_delete_elem(dp_table(FW, "rules"), &(struct fw_rule_key){ 63 });
	assert_int_equal(compile(), 0);
	gen0 += 2;
	assert_int_equal(bpf_map_lookup_elem(gfd, &zero, &gen1), 0);
	assert_int_equal(gen0, gen1);
	tcp4(&p, IP_A, IP_B, 40000, 25, 0x02);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 60);
}

/* Many endpoints' sets in one instance: 1,000 endpoints with 10 rules of
 * each direction compile (the trees share one node budget), and judge. */
static void test_many_sets(void **state)
{
	unsigned int seed = 7, i, j, id = 1;
	char addr[32], peer[32];
	struct dp_run r;
	struct pkt p;

	fw_reset();
	for (i = 1; i <= 1000; i++) {
		snprintf(addr, sizeof(addr), "10.%u.%u.1", 100 + i / 250, i % 250);
		endpoint(addr, i, FW_DENY, FW_DENY);
		for (j = 0; j < 20; j++, id++) {
			struct fw_rule x;

			snprintf(peer, sizeof(peer), "10.%u.%u.0/24",
				 rand_r(&seed) % 256, rand_r(&seed) % 256);
			x = rule_of(i, j % 2 ? FW_EGRESS : FW_INGRESS,
				    rand_r(&seed) % 2, rand_r(&seed) % 100,
				    peer, IPPROTO_TCP, 1 + rand_r(&seed) % 1000, 0);
			rule_put(id, &x);
		}
	}
	/* endpoint 1000 may reach 192.0.2.0/24 on tcp/9 */
	rule(id, 1000, FW_EGRESS, FW_ALLOW, 0, "192.0.2.0/24", IPPROTO_TCP, 9);
	assert_int_equal(compile(), 0);
	tcp4(&p, "10.104.0.1", IP_A, 40000, 9, 0x02);
	run(&p, &r);
	assert_allowed(&r, id);
}

/* The reference: the rules as users wrote them, tried in order. */
struct ref_rule {
	__u32 id, prio, action;
	__u32 addr, plen; /* IPv4 */
	__u8 proto;
	__u16 lo, hi;
};

static int ref_order(const void *a, const void *b)
{
	const struct ref_rule *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct ref_rule *ref_classify(const struct ref_rule *rs, int n,
					   __u32 dst, __u8 proto, __u16 port)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct ref_rule *x = &rs[i];
		__u32 mask = x->plen ? ~0u << (32 - x->plen) : 0;

		if ((dst & mask) != x->addr)
			continue;
		if (x->proto && x->proto != proto)
			continue;
		if (port < x->lo || port > x->hi)
			continue;
		return x;
	}
	return NULL;
}

#define DIFF_RULES 10000
#define DIFF_PROBES 100000

/* 10,000 random rules of A's egress, 100,000 random connections from A:
 * every verdict and deciding rule as the reference classifier says. */
static void test_differential(void **state)
{
	struct ref_rule *rs = calloc(DIFF_RULES, sizeof(*rs));
	unsigned int seed = 20261202, i, mism = 0;
	char peer[32];
	struct dp_run r;
	struct pkt p;

	assert_non_null(rs);
	fw_reset();
	endpoint(IP_A, 1, FW_ALLOW, FW_DENY);
	for (i = 0; i < DIFF_RULES; i++) {
		struct ref_rule *x = &rs[i];
		struct fw_rule fr;
		__u32 a;

		x->id = i + 1;
		x->prio = rand_r(&seed) % 1000;
		x->action = rand_r(&seed) % 2;
		/* in 10.0.0.0/8: lengths 8..32, a few any */
		x->plen = rand_r(&seed) % 20 ? 8 + rand_r(&seed) % 25 : 0;
		a = 0x0a000000 | (rand_r(&seed) & 0xffffff);
		x->addr = x->plen ? a & ~0u << (32 - x->plen) : 0;
		x->proto = (__u8[]){ 0, IPPROTO_TCP, IPPROTO_UDP }[rand_r(&seed) % 3];
		switch (rand_r(&seed) % 3) {
		case 0:
			x->lo = 0;
			x->hi = 0xffff;
			break;
		case 1:
			x->lo = x->hi = 1 + rand_r(&seed) % 2000;
			break;
		default:
			x->lo = 1 + rand_r(&seed) % 2000;
			x->hi = x->lo + rand_r(&seed) % 500;
		}
		if (x->plen) {
			a = htonl(x->addr);
			inet_ntop(AF_INET, &a, peer, sizeof(peer));
			snprintf(peer + strlen(peer), 8, "/%u", x->plen);
		} else {
			strcpy(peer, "any");
		}
		fr = rule_of(1, FW_EGRESS, x->action, x->prio, peer, x->proto,
			     x->lo == 0 && x->hi == 0xffff ? 0 : x->lo,
			     x->hi == x->lo || x->hi == 0xffff ? 0 : x->hi);
		rule_put(x->id, &fr);
	}
	assert_int_equal(compile(), 0);
	qsort(rs, DIFF_RULES, sizeof(*rs), ref_order);

	dp_chain1(dp_module(FW));
	for (i = 0; i < DIFF_PROBES; i++) {
		__u32 dst = 0x0a000000 | (rand_r(&seed) & 0xffffff), d = htonl(dst);
		__u8 proto = rand_r(&seed) % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		__u16 port = rand_r(&seed) % 3 ? 1 + rand_r(&seed) % 2600 :
						 rand_r(&seed) % 65536;
		const struct ref_rule *want;
		char daddr[INET_ADDRSTRLEN];
		__u32 got_policy;
		bool got_allow;

		/* the last probes aim at rules' own addresses */
		if (i >= DIFF_PROBES / 2) {
			const struct ref_rule *x = &rs[rand_r(&seed) % DIFF_RULES];

			dst = x->addr | (x->plen < 32 ? rand_r(&seed) &
							  (~0u >> x->plen) : 0);
			d = htonl(dst);
		}
		inet_ntop(AF_INET, &d, daddr, sizeof(daddr));
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x0800);
		pkt_ipv4(&p, proto, IP_A, daddr, 64, 0, 0);
		if (proto == IPPROTO_TCP)
			pkt_tcp(&p, 1024 + i % 60000, port, 0x02);
		else
			pkt_udp(&p, 1024 + i % 60000, port, false);
		pkt_finish(&p);
		/* the verdict and the context alone: dp_run() also reads
		 * every flow slot's counts, milliseconds a run */
		assert_int_equal(dp_run_quiet(DP_ROOT, &p, &r), 0);
		assert_false(r.express);
		want = ref_classify(rs, DIFF_RULES, dst, proto, port);
		got_allow = r.retval == (__u32)F.rc_pass;
		got_policy = r.ctx.act.policy;
		if (got_allow != (want ? want->action == FW_ALLOW : false) ||
		    got_policy != (want ? want->id : 0)) {
			if (mism++ < 5)
				fprintf(stderr,
					"  probe %u: %s proto %u port %u: got %s by %u, want %s by %u\n",
					i, daddr, proto, port,
					got_allow ? "allow" : "deny", got_policy,
					want && want->action == FW_ALLOW ? "allow" : "deny",
					want ? want->id : 0);
		}
	}
	free(rs);
	assert_int_equal(mism, 0);
}

/* The reference of the second differential: addresses as 128-bit
 * integers (IPv4 mapped), a prefix a shift of one. */
typedef unsigned __int128 u128;

struct ref6 {
	__u32 id, prio, action;
	u128 addr;
	__u32 plen;     /* 0..128 */
	__u8 proto;     /* 0: any (then its ports are TCP's and UDP's) */
	__u16 lo, hi;
};

static int ref6_order(const void *a, const void *b)
{
	const struct ref6 *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void bytes_of(u128 v, __u8 *b)
{
	int i;

	for (i = 15; i >= 0; i--, v >>= 8)
		b[i] = v & 0xff;
}

static const struct ref6 *ref6_classify(const struct ref6 *rs, int n, u128 dst,
					__u8 proto, __u16 port)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct ref6 *x = &rs[i];

		if (x->plen && (dst ^ x->addr) >> (128 - x->plen))
			continue;
		if (x->proto && x->proto != proto)
			continue;
		if (port < x->lo || port > x->hi)
			continue;
		return x;
	}
	return NULL;
}

/* The shape of the active generation's trees: nodes in use, the deepest
 * leaf and the longest leaf list (what a first packet walks and tries). */
struct fw_shape {
	__u32 nodes, depth, leaf;
};

static void fw_shape_walk(int fd, __u64 at, __u64 base, __u32 depth,
			  struct fw_shape *sh)
{
	struct fw_node n;
	__u32 k = at, c;

	assert_int_equal(bpf_map_lookup_elem(fd, &k, &n), 0);
	sh->nodes++;
	if (n.flags & FW_NODE_LEAF) {
		sh->depth = depth > sh->depth ? depth : sh->depth;
		sh->leaf = n.count > sh->leaf ? n.count : sh->leaf;
		return;
	}
	for (c = 0; c <= n.mask; c++)
		fw_shape_walk(fd, base + n.base + c, base, depth + 1, sh);
}

static void fw_shape(const char *what, struct fw_shape *sh)
{
	struct bpf_object *o = dp_module_obj(FW);
	int nodes = bpf_object__find_map_fd_by_name(o, "fw_nodes"),
	    sets = bpf_object__find_map_fd_by_name(o, "fw_sets"),
	    genfd = bpf_object__find_map_fd_by_name(o, "fw_gen");
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), zero = 0, gen;
	struct fw_set_key k, *prev = NULL;
	struct fw_set set;

	memset(sh, 0, sizeof(*sh));
	assert_int_equal(bpf_obj_get_info_by_fd(nodes, &info, &ilen), 0);
	assert_int_equal(bpf_map_lookup_elem(genfd, &zero, &gen), 0);
	while (!bpf_map_get_next_key(sets, prev, &k)) {
		prev = &k;
		if (k.gen != (gen & 1))
			continue;
		assert_int_equal(bpf_map_lookup_elem(sets, &k, &set), 0);
		fw_shape_walk(nodes, (__u64)k.gen * (info.max_entries / 2) + set.root,
			      (__u64)k.gen * (info.max_entries / 2), 0, sh);
	}
	fprintf(stderr, "  %s: %u nodes, leaves at depth %u or less, of %u rules or fewer\n",
		what, sh->nodes, sh->depth, sh->leaf);
}

/* 10,000 specific random rules of A's egress and 100,000 connections from
 * A (192.0.2.1 and 2001:db8:ffff::1, one endpoint), half of them into a
 * rule's prefix, the others anywhere in the rules' range: every verdict
 * and deciding rule as the reference says. The rules: IPv4 prefixes of
 * /16 to /32 and, unless @dense, IPv6 ones of /40 to /128 in
 * 2001:db8::/32 (one in five); one in ten of any protocol with ports,
 * the others TCP's or UDP's. Their IPv4 prefixes are in 10.0.0.0/8, so
 * that the trees are deep; or, with @dense, in 10.16.0.0/12, so that they
 * nest (a /16 holds hundreds of the longer ones), each for one TCP port
 * anywhere in 1-65535 (the trees' compaction and cuts, firewall.c). */
static void differential6(unsigned int seed, bool dense)
{
	struct ref6 *rs = calloc(DIFF_RULES, sizeof(*rs));
	unsigned int i, mism = 0;
	const u128 v4base = (u128)0xffff << 32, v6base = (u128)0x20010db8 << 96;
	const __u32 v4net = dense ? 0x0a100000 : 0x0a000000,
		    v4host = dense ? 0xfffff : 0xffffff;
	char peer[64], daddr[64];
	__u8 b[16];
	struct dp_run r;
	struct pkt p;

	assert_non_null(rs);
	fw_reset();
	endpoint(IP_A, 1, FW_ALLOW, FW_DENY);
	endpoint("2001:db8:ffff::1", 1, FW_ALLOW, FW_DENY);
	for (i = 0; i < DIFF_RULES; i++) {
		struct ref6 *x = &rs[i];
		struct fw_rule fr;
		bool v6 = rand_r(&seed) % 5 == 0 && !dense;
		u128 a;

		x->id = i + 1;
		x->prio = rand_r(&seed) % 1000;
		x->action = rand_r(&seed) % 2;
		if (v6) {
			x->plen = 40 + rand_r(&seed) % 89;
			a = v6base | (u128)rand_r(&seed) << 64 |
			    (u128)rand_r(&seed) << 32 | rand_r(&seed);
			a |= (u128)(rand_r(&seed) & 0xffff) << 80;
		} else {
			x->plen = 96 + 16 + rand_r(&seed) % 17;
			a = v4base | v4net | (rand_r(&seed) & v4host);
		}
		x->addr = a & ~(((u128)1 << (128 - x->plen)) - 1);
		x->proto = rand_r(&seed) % 10 ? (rand_r(&seed) % 2 ? IPPROTO_TCP :
							     IPPROTO_UDP) : 0;
		if (dense) {
			x->proto = IPPROTO_TCP;
			x->lo = x->hi = 1 + rand_r(&seed) % 65535;
		} else switch (rand_r(&seed) % 3) {
		case 0:
			x->lo = 0;
			x->hi = 0xffff;
			break;
		case 1:
			x->lo = x->hi = 1 + rand_r(&seed) % 2000;
			break;
		default:
			x->lo = 1 + rand_r(&seed) % 2000;
			x->hi = x->lo + rand_r(&seed) % 500;
		}
		bytes_of(x->addr, b);
		if (v6) {
			inet_ntop(AF_INET6, b, peer, sizeof(peer));
			snprintf(peer + strlen(peer), 8, "/%u", x->plen);
		} else {
			inet_ntop(AF_INET, b + 12, peer, sizeof(peer));
			snprintf(peer + strlen(peer), 8, "/%u", x->plen - 96);
		}
		fr = rule_of(1, FW_EGRESS, x->action, x->prio, peer, x->proto,
			     x->lo == 0 && x->hi == 0xffff ? 0 : x->lo,
			     x->hi == x->lo || x->hi == 0xffff ? 0 : x->hi);
		rule_put(x->id, &fr);
	}
	assert_int_equal(compile(), 0);
	qsort(rs, DIFF_RULES, sizeof(*rs), ref6_order);

	dp_chain1(dp_module(FW));
	for (i = 0; i < DIFF_PROBES; i++) {
		const struct ref6 *x = &rs[rand_r(&seed) % DIFF_RULES], *want;
		bool v6 = (x->addr >> 96) != 0;
		__u8 proto = rand_r(&seed) % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		__u16 port = rand_r(&seed) % 3 ? 1 + rand_r(&seed) % 2600 :
						 rand_r(&seed) % 65536;
		u128 dst, host;
		bool allow;

		host = (u128)rand_r(&seed) << 96 | (u128)rand_r(&seed) << 64 |
		       (u128)rand_r(&seed) << 32 | rand_r(&seed);
		if (i % 2) /* anywhere in the family's range */
			dst = v6 ? v6base | (host & (((u128)1 << 96) - 1)) :
				   v4base | v4net | (host & v4host);
		else       /* inside the rule's prefix */
			dst = x->addr | (host & (((u128)1 << (128 - x->plen)) - 1));
		bytes_of(dst, b);
		pkt_init(&p);
		if (v6) {
			inet_ntop(AF_INET6, b, daddr, sizeof(daddr));
			pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
			pkt_ipv6(&p, proto, "2001:db8:ffff::1", daddr, 64);
		} else {
			inet_ntop(AF_INET, b + 12, daddr, sizeof(daddr));
			pkt_eth(&p, MAC_B, MAC_A, 0x0800);
			pkt_ipv4(&p, proto, IP_A, daddr, 64, 0, 0);
		}
		if (proto == IPPROTO_TCP)
			pkt_tcp(&p, 1024 + i % 60000, port, 0x02);
		else
			pkt_udp(&p, 1024 + i % 60000, port, false);
		pkt_finish(&p);
		assert_int_equal(dp_run_quiet(DP_ROOT, &p, &r), 0);
		assert_false(r.express);
		want = ref6_classify(rs, DIFF_RULES, dst, proto, port);
		allow = r.retval == (__u32)F.rc_pass;
		if (allow != (want ? want->action == FW_ALLOW : false) ||
		    r.ctx.act.policy != (want ? want->id : 0)) {
			if (mism++ < 5)
				fprintf(stderr,
					"  probe %u: %s proto %u port %u: got %s by %u, want %s by %u\n",
					i, daddr, proto, port,
					allow ? "allow" : "deny", r.ctx.act.policy,
					want && want->action == FW_ALLOW ? "allow" : "deny",
					want ? want->id : 0);
		}
	}
	free(rs);
	assert_int_equal(mism, 0);
}

static void test_differential_deep(void **state)
{
	struct fw_shape sh;

	differential6(4242, false);
	fw_shape("deep", &sh);
}

/* Nested prefixes, which took more than the default capacity's 262,144
 * nodes before the trees' regions were compacted and their cuts made as
 * narrow as they part the rules (firewall.c); and the trees' shape. */
static void test_differential_dense(void **state)
{
	struct fw_shape sh;

	differential6(20261202, true);
	fw_shape("dense", &sh);
	/* 17,281, 2 and 4 when written: what a first packet walks, and
	 * room to grow in the default capacity */
	assert_true(sh.nodes <= 32768);
	assert_true(sh.depth <= 4);
	assert_true(sh.leaf <= FW_LEAF_RULES);
}

/* 100,000 random rules of one endpoint's egress, as nfbench's firewall
 * scenario draws them (peers of /16 to /32 in 10.0.0.0/8, TCP or UDP, any
 * port, one or a range up to 2,500): compiled within the default
 * capacity, to trees a first packet walks a few nodes of. Cuts of the
 * most bits the space measure allows took more than the 262,144 nodes
 * there are: their first bits of a sparse word (the protocols 6 and 17)
 * parted the rules as well as all of them, and spent 64 or 128 children
 * on it in each of thousands of regions. */
static void test_shape_100k(void **state)
{
	unsigned int seed = 100000, i, plen, a;
	struct fw_shape sh;
	char peer[32];

	fw_reset();
	endpoint(IP_A, 1, FW_ALLOW, FW_DENY);
	for (i = 0; i < 100000; i++) {
		struct fw_rule x;
		__u16 lo = 0, hi = 0;

		plen = 16 + rand_r(&seed) % 17;
		a = htonl((0x0a000000 | (rand_r(&seed) & 0xffffff)) &
			  ~0u << (32 - plen));
		inet_ntop(AF_INET, &a, peer, sizeof(peer));
		snprintf(peer + strlen(peer), 8, "/%u", plen);
		switch (rand_r(&seed) % 3) {
		case 1:
			lo = 1 + rand_r(&seed) % 2000;
			break;
		case 2:
			lo = 1 + rand_r(&seed) % 2000;
			hi = lo + 1 + rand_r(&seed) % 500;
		}
		x = rule_of(1, FW_EGRESS, rand_r(&seed) % 2, rand_r(&seed) % 1000,
			    peer, rand_r(&seed) % 2 ? IPPROTO_TCP : IPPROTO_UDP,
			    lo, hi);
		rule_put(i + 1, &x);
	}
	assert_int_equal(compile(), 0);
	fw_shape("100k", &sh);
	/* about 16,000, 8 and 16 when written */
	assert_true(sh.nodes <= 65536);
	assert_true(sh.depth <= 12);
	assert_true(sh.leaf <= FW_LEAF_RULES);
}

/* A denied flow's later packets are dropped on the fast path, as its
 * first was, under the same rule and side; an allowed one's pass there. */
static void test_denied_cached(void **state)
{
	struct dp_run r;
	struct pkt p;
	int i;

	fw_reset();
	endpoint(IP_A, 1, FW_DENY, FW_ALLOW);
	endpoint(IP_B, 2, FW_DENY, FW_DENY);
	rule(95, 2, FW_INGRESS, FW_DENY, 1, "any", IPPROTO_UDP, 9);
	rule(96, 2, FW_INGRESS, FW_ALLOW, 2, "any", IPPROTO_UDP, 0);
	assert_int_equal(compile(), 0);
	for (i = 0; i < 3; i++) {
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x0800);
		pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
		pkt_udp(&p, 5000, 9, false);
		pkt_finish(&p);
		run(&p, &r);
		assert_int_equal(r.retval, F.rc_drop);
		assert_int_equal(r.stats.cached, (__u64)i);
		assert_int_equal(r.ctx.act.reason, NFC_DROP_POLICY_INGRESS);
		assert_int_equal(r.ctx.act.policy, 95);
	}
	for (i = 0; i < 3; i++) {
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x0800);
		pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
		pkt_udp(&p, 5000, 10, false);
		pkt_finish(&p);
		run(&p, &r);
		assert_int_equal(r.retval, F.rc_pass);
		assert_int_equal(r.stats.cached, (__u64)(2 + i));
	}
}

/* A's egress and B's ingress allow what test_hostile asks of them: UDP
 * and TCP to B's 53 and 443; B's ingress default denies the rest. */
static void hostile_setup(void)
{
	fw_reset();
	endpoint(IP_A, 1, FW_DENY, FW_ALLOW);
	endpoint(IP_B, 2, FW_DENY, FW_DENY);
	rule(90, 2, FW_INGRESS, FW_ALLOW, 1, "any", IPPROTO_UDP, 53);
	rule(91, 2, FW_INGRESS, FW_ALLOW, 1, "any", IPPROTO_TCP, 443);
	assert_int_equal(compile(), 0);
}

/* IPv4 UDP A:5353 -> B:@dport, a fragment of datagram @id: the first
 * (with the UDP header) or a later one (@offset in 8-byte units). */
static void frag4(struct pkt *p, __u16 dport, __u16 id, __u16 offset,
		  bool more)
{
	int ip;

	pkt_init(p);
	pkt_eth(p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, IP_A, IP_B, 64, 0,
		 (more ? 0x2000 : 0) | offset);
	if (!offset)
		pkt_udp(p, 5353, dport, false);
	pkt_data(p, 64);
	pkt_finish(p);
	ip = pkt_last(p, PK_IPV4);
	pkt_put16(p, ip + 4, id);
	pkt_finish(p);
}

/*
 * Hostile input. TCP flag combinations no connection sends are dropped
 * as tcp-invalid, even where the rules allow the port, and open no
 * connection; packets out of state (a SYN-ACK, an ACK, a FIN that no
 * connection expects) are judged as connections of their own, which B's
 * default denies; a flood of SYNs to a closed port is denied SYN by SYN
 * and leaves the allowed port working; later fragments follow their
 * datagram's first fragment, IPv4 and IPv6: allowed with its rule when it
 * was, dropped as `fragment` when it was denied or never seen; an ICMP
 * error quoting a connection that never was is judged as what it is.
 */
static void test_hostile(void **state)
{
	static const __u8 bad[] = { 0x03, 0x00, 0x01, 0x29, 0x06, 0x07,
				    0x3f, 0x05, 0xc3 };
	struct dp_run r;
	struct pkt p;
	int i, before;

	hostile_setup();
	before = dp_map_count(F.ct);
	for (i = 0; i < (int)sizeof(bad); i++) {
		tcp4(&p, IP_A, IP_B, 41000 + i, 443, bad[i]);
		run(&p, &r);
		assert_denied(&r, NFC_DROP_TCP_INVALID, 0);
	}
	assert_int_equal(dp_map_count(F.ct), before);
	/* the same port, proper flags: a connection */
	tcp4(&p, IP_A, IP_B, 41100, 443, 0x02);
	run(&p, &r);
	assert_allowed(&r, 91);
	/* ECE and CWR with a SYN (ECN) are no scan */
	tcp4(&p, IP_A, IP_B, 41101, 443, 0xc2);
	run(&p, &r);
	assert_allowed(&r, 91);

	/* out of state: from A to B's closed ports, or a SYN-ACK to B as
	 * if B had opened a connection from port 80 */
	tcp4(&p, IP_A, IP_B, 42000, 8080, 0x10);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
	tcp4(&p, IP_A, IP_B, 42001, 8080, 0x11);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
	tcp4(&p, IP_A, IP_B, 80, 42002, 0x12);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);

	/* a SYN flood to a closed port, each SYN from another port */
	for (i = 0; i < 2000; i++) {
		tcp4(&p, IP_A, IP_B, 1024 + i, 22, 0x02);
		assert_int_equal(dp_run_quiet(DP_ROOT, &p, &r), 0);
		assert_int_equal(r.retval, F.rc_drop);
		assert_int_equal(r.ctx.act.reason, NFC_DROP_POLICY_INGRESS);
	}
	tcp4(&p, IP_A, IP_B, 43000, 443, 0x02);
	run(&p, &r);
	assert_allowed(&r, 91);

	/* fragments: an allowed datagram's later fragments pass with it */
	frag4(&p, 53, 0x4242, 0, true);
	run(&p, &r);
	assert_allowed(&r, 90);
	frag4(&p, 53, 0x4242, 9, true);
	run(&p, &r);
	assert_true(r.ctx.ct_flags & NFC_CTI_FRAG);
	assert_allowed(&r, 90);
	frag4(&p, 53, 0x4242, 18, false);
	run(&p, &r);
	assert_allowed(&r, 90);
	/* a denied datagram's do not */
	frag4(&p, 54, 0x4343, 0, true);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_POLICY_INGRESS, 0);
	frag4(&p, 54, 0x4343, 9, false);
	run(&p, &r);
	assert_denied(&r, NFC_DROP_FRAGMENT, 0);
	/* nor those of a datagram whose first fragment never came */
	frag4(&p, 53, 0x4444, 9, false);
	run(&p, &r);
	assert_false(r.ctx.ct_flags & NFC_CTI_FRAG);
	assert_denied(&r, NFC_DROP_FRAGMENT, 0);

	/* IPv6: the same by the fragment header's identification */
	endpoint("2001:db8:1::1", 5, FW_DENY, FW_ALLOW);
	endpoint("2001:db8:2::2", 6, FW_DENY, FW_DENY);
	rule(92, 6, FW_INGRESS, FW_ALLOW, 1, "any", IPPROTO_UDP, 53);
	assert_int_equal(compile(), 0);
	for (i = 0; i < 3; i++) {
		pkt_init(&p);
		pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
		pkt_ipv6(&p, IPPROTO_FRAGMENT, "2001:db8:1::1", "2001:db8:2::2", 64);
		pkt_frag6(&p, IPPROTO_UDP, i == 0 ? 0 : 16, i < 2);
		if (i == 0)
			pkt_udp(&p, 5353, 53, false);
		pkt_data(&p, 64);
		pkt_finish(&p);
		/* i == 2: another datagram's */
		pkt_put32(&p, pkt_last(&p, PK_EXT6) + 4, i == 2 ? 7 : 6);
		run(&p, &r);
		if (i < 2)
			assert_allowed(&r, 92);
		else
			assert_denied(&r, NFC_DROP_FRAGMENT, 0);
	}

	/* a port unreachable from B quoting UDP A -> B it never got: B's
	 * egress default denies it */
	pkt_init(&p);
	pkt_eth(&p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_B, IP_A, 64, 0, 0);
	pkt_icmp(&p, 3, 3, 0, 0);
	pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
	pkt_udp(&p, 5353, 9999, false);
	pkt_finish(&p);
	run(&p, &r);
	assert_false(r.ctx.ct_flags & NFC_CTI_RELATED);
	assert_denied(&r, NFC_DROP_POLICY_EGRESS, 0);
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup(f, dp_reset)
	const struct CMUnitTest tests[] = {
		T(test_both_sides),
		T(test_egress_deny_and_priority),
		T(test_replies),
		T(test_v6_icmp_unknown),
		T(test_icmp_errors_nd_mapped),
		T(test_hostile),
		T(test_denied_cached),
		T(test_compile_refuses),
		T(test_groups),
		T(test_nic_endpoints),
		T(test_many_sets),
		T(test_differential),
		T(test_differential_deep),
		T(test_differential_dense),
		T(test_shape_100k),
	};
#undef T
	return dp_main(argc, argv, "datapath/firewall", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
