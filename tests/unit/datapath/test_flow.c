// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Conntrack, the flow cache and what they report, through the real root,
 * executor and the acl test module: connection states and directions, the
 * fast path skipping the chain, what must take the slow path, decisions
 * once per connection, counters that stay true on the fast path, timeouts,
 * eviction and rate-limited drop events.
 */
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include "fixture.h"
#include "acl.h"
#include "macrouter.h"
#include "rewrite.h"

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04
#define PSH 0x08


/* A → B (orig) or B → A (reply) TCP with @flags. */
static void tcp(struct pkt *p, bool reply, uint8_t flags)
{
	pkt_init(p);
	pkt_eth(p, reply ? MAC_A : MAC_B, reply ? MAC_B : MAC_A, 0x0800);
	pkt_tcp4_ab(p, reply, flags);
	pkt_data(p, 10);
	pkt_finish(p);
}

static void udp(struct pkt *p, bool reply, uint16_t port)
{
	pkt_init(p);
	pkt_eth(p, reply ? MAC_A : MAC_B, reply ? MAC_B : MAC_A, 0x0800);
	pkt_ipv4(p, IPPROTO_UDP, reply ? IP_B : IP_A, reply ? IP_A : IP_B, 64,
		 0, 0);
	if (reply)
		pkt_udp(p, port, 5000, false);
	else
		pkt_udp(p, 5000, port, false);
	pkt_data(p, 20);
	pkt_finish(p);
}

/* The node under test: acl at hop 0, to the executor on pass. */
/* SYN, SYN-ACK, ACK through the root: *r holds the last run. */
static void handshake(struct pkt *p, struct dp_run *r)
{
	tcp(p, false, SYN);
	dp_run(DP_ROOT, p, r);
	tcp(p, true, SYN | ACK);
	dp_run(DP_ROOT, p, r);
	tcp(p, false, ACK);
	dp_run(DP_ROOT, p, r);
}

static void acl_chain(void)
{
	dp_chain1(dp_module("acl"));
}

static void acl_rule(__u32 id, __u8 proto, __u16 dport, __u8 action,
		     const char *name)
{
	struct acl_rule r = { .proto = proto, .action = action,
			      .dport = htons(dport) };

	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_int_equal(bpf_map_update_elem(dp_table("acl", "rules"), &id,
					     &r, 0), 0);
	/* as the runtime does on a table edit: cached results are misses */
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
}

static __u64 node_packets(void)
{
	struct nfc_node_stats s;

	dp_node_stats(0, &s);
	return s.packets;
}

static void ct_stats(struct nfc_ct_dp_stats *s)
{
	int n = libbpf_num_possible_cpus(), i;
	struct nfc_ct_dp_stats v[n];
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(F.ct_stats, &zero, v), 0);
	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		s->created += v[i].created;
		s->reopened += v[i].reopened;
		s->related += v[i].related;
		s->untracked += v[i].untracked;
		s->insert_failed += v[i].insert_failed;
	}
}

/* The TCP states from the flags, each direction told apart. */
static void test_tcp_handshake_and_fin(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	acl_chain();
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_ORIG);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	handle = r.ctx.ct_handle;
	assert_true(handle != 0);

	tcp(&p, true, SYN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_SYN_RECV);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	assert_false(r.ctx.ct_flags & NFC_CTI_NEW);
	assert_int_equal(r.ctx.ct_handle, handle);

	tcp(&p, false, ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_ESTABLISHED);
	assert_int_equal(r.ctx.ct_handle, handle);

	tcp(&p, true, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_CLOSING);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	tcp(&p, false, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_CLOSED);
	assert_int_equal(r.ctx.ct_handle, handle);

	/* the 5-tuple reused by a new SYN: a new connection */
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	assert_true(r.ctx.ct_handle != handle);
	assert_int_equal(dp_map_count(F.ct), 1);
}

static void test_tcp_rst_closes(void **state)
{
	struct nfc_ct_dp_stats s;
	struct dp_run r;
	struct pkt p;

	acl_chain();
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, true, RST | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_CLOSED);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	/* an RST of no known connection opens none */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_TCP, IP_A, IP_B, 64, 0, 0);
	pkt_tcp(&p, 40001, 443, RST);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NONE);
	assert_int_equal(dp_map_count(F.ct), 1);
	ct_stats(&s);
	assert_int_equal(s.created, 1);
	assert_int_equal(s.untracked, 1);
}

/* Data of a connection picked up in the middle: tracked, flagged. */
static void test_tcp_midstream(void **state)
{
	struct nfc_ct_key k;
	struct nfc_ct e;
	struct dp_run r;
	struct pkt p;

	acl_chain();
	tcp(&p, false, ACK | PSH);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_ESTABLISHED);
	k = r.ctx.ct;
	assert_int_equal(bpf_map_lookup_elem(F.ct, &k, &e), 0);
	assert_true(e.flags & NFC_CT_F_MIDSTREAM);
}

static void test_udp_reply(void **state)
{
	struct nfc_ct_key k;
	struct nfc_ct e;
	struct dp_run r;
	struct pkt p;

	acl_chain();
	udp(&p, false, 53);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
	udp(&p, true, 53);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_ESTABLISHED);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	k = r.ctx.ct;
	assert_int_equal(bpf_map_lookup_elem(F.ct, &k, &e), 0);
	assert_true(e.flags & NFC_CT_F_SEEN_REPLY);
	assert_int_equal(e.ifindex[0], e.ifindex[1]); /* both here */
	assert_int_equal(k.l3, NFC_L3_IPV4);
	assert_int_equal(k.proto, IPPROTO_UDP);
	/* canonical: the lower address first */
	assert_int_equal(k.addr[0].v4, inet_addr(IP_A));
	assert_int_equal(k.addr[1].v4, inet_addr(IP_B));
}

/* Echo by identifier; an ICMP error is related to the connection it
 * quotes and opens none. */
static void test_icmp_echo_and_error(void **state)
{
	struct nfc_ct_dp_stats s;
	struct dp_run r;
	struct pkt p;
	__u64 udp_handle;

	acl_chain();
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_A, IP_B, 64, 0, 0);
	pkt_icmp(&p, 8, 0, 77, 1);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
	/* the identifier on the requester's side (A, the lower) */
	assert_int_equal(r.ctx.ct.port[0], htons(77));
	assert_int_equal(r.ctx.ct.port[1], 0);
	pkt_init(&p);
	pkt_eth(&p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_B, IP_A, 64, 0, 0);
	pkt_icmp(&p, 0, 0, 77, 1);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_ESTABLISHED);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);

	udp(&p, false, 5353);
	dp_run(DP_ROOT, &p, &r);
	udp_handle = r.ctx.ct_handle;
	/* B's port unreachable about A's datagram */
	pkt_init(&p);
	pkt_eth(&p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(&p, IPPROTO_ICMP, IP_B, IP_A, 64, 0, 0);
	pkt_icmp(&p, 3, 3, 0, 0);
	pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
	pkt_udp(&p, 5000, 5353, false);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_true(r.ctx.ct_flags & NFC_CTI_RELATED);
	assert_int_equal(r.ctx.ct_handle, udp_handle);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
	ct_stats(&s);
	assert_int_equal(s.related, 1);
	assert_int_equal(s.created, 2);
	assert_int_equal(dp_map_count(F.ct), 2);
}

static void test_ipv6_tcp(void **state)
{
	struct dp_run r;
	struct pkt p;

	acl_chain();
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x86dd);
	pkt_ipv6(&p, IPPROTO_TCP, "2001:db8::2", "2001:db8::1", 64);
	pkt_tcp(&p, 40000, 443, SYN);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
	assert_int_equal(r.ctx.ct.l3, NFC_L3_IPV6);
	/* 2001:db8::1 is the lower: the originator is side 1 */
	assert_int_equal(r.ctx.ct.port[1], htons(40000));
	pkt_init(&p);
	pkt_eth(&p, MAC_A, MAC_B, 0x86dd);
	pkt_ipv6(&p, IPPROTO_TCP, "2001:db8::1", "2001:db8::2", 64);
	pkt_tcp(&p, 443, 40000, SYN | ACK);
	pkt_finish(&p);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_SYN_RECV);
	assert_int_equal(r.ctx.ct_dir, NFC_CT_REPLY);
}

/* After the handshake the chain is skipped; FIN and RST run it again.
 * Chain, flow and rule counters count every packet. */
static void test_fast_path_skips_chain(void **state)
{
	struct nfc_rule_key rk = { .node = DP_COUNTER(0), .policy = 3 };
	int i;
	struct nfc_rule_stats rs;
	struct nfc_flow f;
	struct nfc_key fk;
	struct dp_run r;
	struct pkt p;

	acl_rule(3, IPPROTO_TCP, 443, ACL_ALLOW, "web");
	acl_chain();
	handshake(&p, &r);
	assert_int_equal(node_packets(), 3);
	fk = r.ctx.key;
	fk.tcp_flags = 0;
	fk.zone = DP_CHAIN;
	for (i = 0; i < 10; i++) {
		tcp(&p, false, ACK | PSH);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.retval, F.rc_pass);
	}
	assert_int_equal(node_packets(), 3);
	assert_int_equal(r.stats.cached, 10);
	assert_int_equal(r.stats.packets, 13);
	assert_int_equal(dp_flow_get(&fk, &f), 0);
	assert_int_equal(f.packets, 11);
	assert_int_equal(f.version, DP_VERSION);
	assert_int_equal(f.act.policy, 3);
	assert_int_equal(f.act.policy_node, DP_COUNTER(0));
	/* every allowed packet of the orig direction counts for the rule */
	dp_rule_stats(rk.node, rk.policy, &rs);
	/* SYN, ACK and 10 cached: the SYN-ACK, a reply, decided nothing */
	assert_int_equal(rs.packets, 12);

	tcp(&p, false, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(node_packets(), 4);
	tcp(&p, true, RST);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(node_packets(), 5);
	assert_int_equal(r.ctx.ct_state, NFC_CT_CLOSED);
}

/* A new version (swap, apply, table edit) makes cached results misses;
 * a chain without cache runs every packet. */
static void test_version_and_nocache(void **state)
{
	struct dp_run r;
	struct pkt p;
	int i;

	acl_chain();
	for (i = 0; i < 3; i++) {
		udp(&p, false, 53);
		dp_run(DP_ROOT, &p, &r);
	}
	assert_int_equal(node_packets(), 1);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION + 1));
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(node_packets(), 2);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(node_packets(), 2);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK | NFC_ACTIVE_F_NOCACHE,
					 DP_VERSION + 1));
	dp_run(DP_ROOT, &p, &r);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(node_packets(), 4);
	assert_int_equal(r.retval, F.rc_pass);
}

/* An NF that marks a flow non-cacheable has it run the chain each time. */
static void test_nf_nocache(void **state)
{
	struct rewrite_plan plan = { .set = NFC_ACT_NOCACHE };
	struct dp_run r;
	struct pkt p;
	int i;

	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	for (i = 0; i < 3; i++) {
		udp(&p, false, 53);
		dp_run(DP_ROOT, &p, &r);
	}
	assert_int_equal(node_packets(), 3);
	assert_int_equal(r.stats.cached, 0);
	assert_int_equal(dp_map_count(F.flows), 0);
}

/* A denied connection: one decision naming the rule, later packets
 * dropped on the fast path and counted for the rule. */
static void test_denied_flow_cached(void **state)
{
	struct nfc_rule_key rk = { .node = DP_COUNTER(0), .policy = 5 };
	int i, decisions = 0;
	struct nfc_rule_stats rs;
	const struct nfc_event *e;
	struct dp_run r;
	struct pkt p;

	acl_rule(5, IPPROTO_UDP, 7777, ACL_DENY, "no-7777");
	acl_chain();
	for (i = 0; i < 4; i++) {
		udp(&p, false, 7777);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.retval, F.rc_drop);
		e = dp_event(NFC_EV_DECISION, 0);
		if (e) {
			decisions++;
			assert_int_equal(e->policy, 5);
			assert_int_equal(e->node, DP_COUNTER(0));
			assert_int_equal(e->verdict, NFC_V_DROP);
			assert_int_equal(e->chain, DP_CHAIN);
			assert_int_equal(e->key.dport, htons(7777));
		}
	}
	assert_int_equal(decisions, 1);
	assert_int_equal(node_packets(), 1);
	assert_int_equal(r.stats.cached, 3);
	assert_int_equal(r.stats.drop[NFC_DROP_POLICY], 4);
	dp_rule_stats(rk.node, rk.policy, &rs);
	assert_int_equal(rs.packets, 4);
}

/* A route counted under its id (macrouter 1.2.0, nfc_count_as()): every
 * packet of the flow, cached ones too, and no decision reported. */
static void test_route_counted_quietly(void **state)
{
	struct macrouter_tkey k = { .tenant = 0 };
	struct macrouter_troute v = { .ifindex = 7, .action = MACROUTER_FORWARD,
				      .id = 9 };
	struct nfc_rule_stats rs;
	struct dp_run r;
	struct pkt p;
	int i;

	memcpy(k.mac, MAC_B, 6);
	assert_int_equal(bpf_map_update_elem(dp_table("macrouter@1.2.0", "routes"), &k, &v, 0), 0);
	dp_chain1(dp_module("macrouter@1.2.0"));
	for (i = 0; i < 4; i++) {
		udp(&p, false, 7000);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.retval, F.rc_redirect);
		assert_null(dp_event(NFC_EV_DECISION, 0));
	}
	assert_int_equal(node_packets(), 1);
	assert_int_equal(r.stats.cached, 3);
	assert_int_equal(r.stats.verdict[NFC_V_REDIRECT], 4);
	dp_rule_stats(DP_COUNTER(0), 9, &rs);
	assert_int_equal(rs.packets, 4);
}

/* A rule's allow, then a route that counts (acl, then macrouter 1.2.0):
 * the decision stays the rule's, reported and counted; the route counts
 * nothing of it. */
static void test_route_after_rule(void **state)
{
	struct macrouter_tkey k = { .tenant = 0 };
	struct macrouter_troute v = { .ifindex = 7, .action = MACROUTER_FORWARD,
				      .id = 9 };
	const struct nfc_event *e;
	struct nfc_rule_stats rs;
	struct dp_run r;
	struct pkt p;

	acl_rule(5, IPPROTO_UDP, 7000, ACL_ALLOW, "udp-7000");
	memcpy(k.mac, MAC_B, 6);
	assert_int_equal(bpf_map_update_elem(dp_table("macrouter@1.2.0", "routes"), &k, &v, 0), 0);
	dp_chain2(dp_module("acl"), dp_module("macrouter@1.2.0"));
	udp(&p, false, 7000);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_redirect);
	e = dp_event(NFC_EV_DECISION, 0);
	assert_non_null(e);
	assert_int_equal(e->policy, 5);
	dp_rule_stats(DP_COUNTER(0), 5, &rs);
	assert_int_equal(rs.packets, 1);
	dp_rule_stats(DP_COUNTER(1), 9, &rs);
	assert_int_equal(rs.packets, 0);
}

/* Retransmitted SYNs of one connection: one decision. */
static void test_one_decision_per_connection(void **state)
{
	const struct nfc_event *e;
	struct dp_run r;
	struct pkt p;
	int i, decisions = 0;

	acl_rule(2, IPPROTO_TCP, 443, ACL_ALLOW, "https");
	acl_chain();
	for (i = 0; i < 3; i++) {
		tcp(&p, false, SYN);
		dp_run(DP_ROOT, &p, &r);
		e = dp_event(NFC_EV_DECISION, 0);
		if (e) {
			decisions++;
			assert_int_equal(e->policy, 2);
			assert_int_equal(e->verdict, NFC_V_PASS);
			assert_int_equal(e->ct_state, NFC_CT_NEW);
		}
	}
	/* the reply carries no decision of its own */
	tcp(&p, true, SYN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_null(dp_event(NFC_EV_DECISION, 0));
	assert_int_equal(decisions, 1);
	/* a changed rule decides again: reported again */
	acl_rule(1, IPPROTO_TCP, 443, ACL_DENY, "closed");
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	e = dp_event(NFC_EV_DECISION, 0);
	assert_non_null(e);
	assert_int_equal(e->policy, 1);
	assert_int_equal(e->verdict, NFC_V_DROP);
}

/* The fast path keeps the connection alive in conntrack; a flow whose
 * connection went away takes the slow path again. */
static void test_flow_refreshes_ct(void **state)
{
	struct nfc_config cfg = { .flow_refresh_ms = 1 };
	struct nfc_ct before, after;
	struct nfc_ct_key k;
	struct dp_run r;
	struct pkt p;

	dp_config(&cfg);
	acl_chain();
	udp(&p, false, 53);
	dp_run(DP_ROOT, &p, &r);
	k = r.ctx.ct;
	assert_int_equal(bpf_map_lookup_elem(F.ct, &k, &before), 0);
	usleep(25000); /* past a tick of the coarse clock */
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.stats.cached, 1);
	assert_int_equal(bpf_map_lookup_elem(F.ct, &k, &after), 0);
	assert_true(after.last_ns > before.last_ns);

	assert_int_equal(bpf_map_delete_elem(F.ct, &k), 0);
	usleep(25000); /* past a tick of the coarse clock */
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(node_packets(), 2);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	assert_true(r.ctx.ct_handle != before.handle);
}

/* An entry idle past its state's timeout is dead: reopened in place. */
static void test_timeout_reopens(void **state)
{
	struct nfc_config cfg = {};
	struct nfc_ct_dp_stats s;
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	cfg.ct_timeout[NFC_CTC_UDP][NFC_CT_NEW] = 1;
	dp_config(&cfg);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK | NFC_ACTIVE_F_NOCACHE,
					 DP_VERSION));
	dp_slot(0, dp_module("acl"));
	dp_hop(0, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	udp(&p, false, 53);
	dp_run(DP_ROOT, &p, &r);
	handle = r.ctx.ct_handle;
	dp_run(DP_ROOT, &p, &r);
	assert_false(r.ctx.ct_flags & NFC_CTI_NEW);
	usleep(1100 * 1000);
	dp_run(DP_ROOT, &p, &r);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	assert_true(r.ctx.ct_handle != handle);
	ct_stats(&s);
	assert_int_equal(s.created, 1);
	assert_int_equal(s.reopened, 1);
}

static void on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* A new connection's handshake on one CPU clears the flow slots of its
 * 5-tuple on every CPU: the old connection's result, in another CPU's
 * slot, never serves the new one there. */
static void test_port_reuse_other_cpu(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 cached;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "  skipped: one CPU, no other CPU's slot\n");
		skip();
	}
	acl_chain();
	on_cpu(1);
	handshake(&p, &r);
	tcp(&p, true, ACK | PSH);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, false, ACK | PSH);
	dp_run(DP_ROOT, &p, &r); /* the entry: fills CPU 1's slot */
	dp_run(DP_ROOT, &p, &r); /* CPU 1's slot */
	assert_int_equal(r.stats.cached, 2);
	tcp(&p, false, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, true, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, false, ACK);
	dp_run(DP_ROOT, &p, &r); /* the last ACK: CPU 1's slot */
	assert_int_equal(r.stats.cached, 3);
	/* a new connection of the same 5-tuple opens on CPU 0 */
	on_cpu(0);
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	cached = r.stats.cached;
	/* its next packet on CPU 1 runs the chain */
	on_cpu(1);
	tcp(&p, false, ACK | PSH);
	dp_run(DP_ROOT, &p, &r);
	on_cpu(0);
	assert_int_equal(r.stats.cached, cached);
}

/* The 5-tuple of a closed connection reused at once: the new connection's
 * handshake runs the chain and conntrack, never the old one's results. */
static void test_port_reuse(void **state)
{
	struct dp_run r;
	struct pkt p;
	__u64 old;
	int i;

	acl_chain();
	for (i = 0; i < 2; i++) {
		tcp(&p, false, SYN);
		dp_run(DP_ROOT, &p, &r);
		if (i)
			assert_true(r.ctx.ct_handle != old);
		old = r.ctx.ct_handle;
		tcp(&p, true, SYN | ACK);
		dp_run(DP_ROOT, &p, &r);
		tcp(&p, false, ACK);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_state, NFC_CT_ESTABLISHED);
		assert_int_equal(r.ctx.ct_handle, old);
		tcp(&p, true, ACK | PSH);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_handle, old);
		tcp(&p, false, ACK | PSH);
		dp_run(DP_ROOT, &p, &r); /* cached */
		assert_int_equal(r.stats.cached, 1 + 2 * i);
		tcp(&p, false, FIN | ACK);
		dp_run(DP_ROOT, &p, &r);
		tcp(&p, true, FIN | ACK);
		dp_run(DP_ROOT, &p, &r);
		assert_int_equal(r.ctx.ct_state, NFC_CT_CLOSED);
		tcp(&p, false, ACK);
		dp_run(DP_ROOT, &p, &r); /* the last ACK: cached */
	}
	/* per connection: SYN, SYN-ACK, ACK, the first reply, 2 FINs */
	assert_int_equal(node_packets(), 12);
}

/* The same when the old connection's slot is in the second set of its
 * 5-tuple (two UDP flows hold the two slots of its first): the new
 * connection clears it there too. */
static void test_port_reuse_second_set(void **state)
{
	struct nfc_key fk, uk[2];
	struct pkt p, u[2];
	struct dp_run r;
	__u64 cached;
	__u32 set, port = 1;
	int i;

	acl_chain();
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	fk = r.ctx.key;
	fk.tcp_flags = 0;
	fk.zone = DP_CHAIN;
	set = nfc_flow_set_a(nfc_flow_sets(&fk));
	for (i = 0; i < 2; i++) {
		for (; port < 65536; port++) {
			uk[i] = fk;
			uk[i].proto = IPPROTO_UDP;
			uk[i].sport = htons(5000);
			uk[i].dport = htons(port);
			if (nfc_flow_set_a(nfc_flow_sets(&uk[i])) == set)
				break;
		}
		assert_true(port < 65536);
		udp(&u[i], false, port++);
		dp_run(DP_ROOT, &u[i], &r); /* the chain */
		r.ctx.key.tcp_flags = 0;
		r.ctx.key.zone = DP_CHAIN;
		assert_memory_equal(&r.ctx.key, &uk[i], sizeof(uk[i]));
		dp_run(DP_ROOT, &u[i], &r); /* its entry: a slot of the set */
	}
	tcp(&p, true, SYN | ACK);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, false, ACK);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, true, ACK | PSH);
	dp_run(DP_ROOT, &p, &r);
	cached = r.stats.cached;
	tcp(&p, false, ACK | PSH);
	dp_run(DP_ROOT, &p, &r); /* the entry: a slot of the second set */
	dp_run(DP_ROOT, &p, &r); /* that slot */
	assert_true(r.express);
	assert_int_equal(r.stats.cached, cached + 2);
	for (i = 0; i < 2; i++)
		assert_int_not_equal(dp_slot_times(&uk[i], false, false), 0);
	tcp(&p, false, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, true, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	cached = r.stats.cached;
	tcp(&p, false, ACK | PSH);
	dp_run(DP_ROOT, &p, &r);
	assert_false(r.express);
	assert_int_equal(r.stats.cached, cached);
}

/* An RST of a connection that timed out opens nothing; a FIN after an RST
 * leaves it closed; a SYN on a closing connection opens a new one. */
static void test_tcp_dead_and_closing(void **state)
{
	struct nfc_config cfg = {};
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	cfg.ct_timeout[NFC_CTC_TCP][NFC_CT_ESTABLISHED] = 1;
	dp_config(&cfg);
	acl_chain();
	tcp(&p, false, ACK | PSH); /* picked up: established */
	dp_run(DP_ROOT, &p, &r);
	handle = r.ctx.ct_handle;
	usleep(1100 * 1000);
	tcp(&p, true, RST);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NONE);
	assert_false(r.ctx.ct_flags & NFC_CTI_NEW);

	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	assert_true(r.ctx.ct_handle != handle);
	tcp(&p, true, RST);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, false, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_CLOSED);

	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	handle = r.ctx.ct_handle;
	tcp(&p, true, SYN | ACK);
	dp_run(DP_ROOT, &p, &r);
	tcp(&p, false, FIN | ACK);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_CLOSING);
	tcp(&p, false, SYN);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.ctx.ct_state, NFC_CT_NEW);
	assert_true(r.ctx.ct_flags & NFC_CTI_NEW);
	assert_true(r.ctx.ct_handle != handle);
}

/* ICMP errors never take the fast path: one key stands for all errors of
 * a type between two hosts, related or not. */
static void test_icmp_errors_not_cached(void **state)
{
	struct dp_run r;
	struct pkt p;
	int i;

	acl_chain();
	for (i = 0; i < 3; i++) {
		pkt_init(&p);
		pkt_eth(&p, MAC_A, MAC_B, 0x0800);
		pkt_ipv4(&p, IPPROTO_ICMP, IP_B, IP_A, 64, 0, 0);
		pkt_icmp(&p, 3, 3, 0, 0);
		pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
		pkt_udp(&p, 5000 + i, 5353, false);
		pkt_finish(&p);
		dp_run(DP_ROOT, &p, &r);
		if (i == 1) {
			/* the datagram the next error is about */
			udp(&p, false, 5353);
			pkt_put16(&p, pkt_last(&p, PK_UDP), 5002);
			dp_run(DP_ROOT, &p, &r);
		}
	}
	assert_int_equal(r.stats.cached, 0);
	assert_true(r.ctx.ct_flags & NFC_CTI_RELATED);
	assert_int_equal(node_packets(), 4);
}

/* A rule's allow undone by a later node's drop (here: no route) is no
 * decision. */
static void test_allow_then_drop_is_no_decision(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT,
				     .verdict = NFC_V_DROP,
				     .reason = NFC_DROP_NO_ROUTE };
	struct dp_run r;
	struct pkt p;

	acl_rule(1, IPPROTO_UDP, 53, ACL_ALLOW, "dns");
	dp_plan(&plan);
	dp_chain2(dp_module("acl"), dp_module("rewrite"));
	udp(&p, false, 53);
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_drop);
	assert_null(dp_event(NFC_EV_DECISION, 0));
	assert_int_equal(dp_map_count(F.rule_stats), 0);
}

/* Another CPU may stamp an entry after this CPU read the clock: an entry
 * "from the future" is alive, not dead. */
static void test_ct_stamped_ahead(void **state)
{
	struct nfc_ct_key k;
	struct nfc_ct e;
	struct dp_run r;
	struct pkt p;
	__u64 handle;

	acl_chain();
	udp(&p, false, 53);
	dp_run(DP_ROOT, &p, &r);
	k = r.ctx.ct;
	handle = r.ctx.ct_handle;
	assert_int_equal(bpf_map_lookup_elem(F.ct, &k, &e), 0);
	e.last_ns += 2000000000ULL;
	assert_int_equal(bpf_map_update_elem(F.ct, &k, &e, BPF_EXIST), 0);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION + 1));
	dp_run(DP_ROOT, &p, &r);
	assert_false(r.ctx.ct_flags & NFC_CTI_NEW);
	assert_int_equal(r.ctx.ct_handle, handle);
}

/* A full table evicts its least recently used entries; the evictions add
 * up: evicted = created - live (nothing was removed by userspace). */
static void test_full_table_evicts(void **state)
{
	__u32 i, n = NFC_CT_ENTRIES + 4096;
	int ip, l4;
	struct nfc_ct_dp_stats s;
	struct pkt p;
	int live;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p.b, .repeat = 1);

	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK | NFC_ACTIVE_F_NOCACHE,
					 DP_VERSION));
	dp_slot(0, dp_module("nop"));
	dp_hop(0, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	udp(&p, false, 53);
	ip = pkt_last(&p, PK_IPV4);
	l4 = pkt_last(&p, PK_UDP);
	o.data_size_in = p.len;
	for (i = 0; i < n; i++) {
		/* a new source address and port for each */
		pkt_put32(&p, ip + 12, 0x0a000000 + (i >> 4));
		pkt_put16(&p, l4, 1024 + (i & 15));
		assert_int_equal(bpf_prog_test_run_opts(F.prog[DP_ROOT], &o),
				 0);
	}
	ct_stats(&s);
	live = dp_map_count(F.ct);
	assert_int_equal(s.created, n);
	assert_true(live <= NFC_CT_ENTRIES);
	assert_true(s.created - live >= 4096);
	assert_int_equal(s.insert_failed, 0);
}

/* A flood of one drop reason: at most the configured events per second,
 * the rest counted, and the next event says how many it follows. */
static void test_drop_events_rate_limited(void **state)
{
	struct nfc_config cfg = { .drop_events_per_sec = 5 };
	int ncpu = libbpf_num_possible_cpus(), i, drops = 0;
	struct nfc_ev_stats es[ncpu];
	const struct nfc_event *e;
	struct dp_run r;
	struct pkt p;
	__u32 zero = 0;

	dp_config(&cfg);
	acl_chain();
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A, 0x0800);
	pkt_ipv4(&p, IPPROTO_UDP, IP_A, IP_B, 64, 0, 0);
	pkt_udp(&p, 1, 2, false);
	pkt_finish(&p);
	p.b[14] = 0x4f; /* IHL 15: past the end, malformed */
	for (i = 0; i < 20; i++) {
		dp_run(DP_ROOT, &p, &r);
		drops += !!dp_event(NFC_EV_DROP, 0);
	}
	assert_int_equal(r.stats.drop[NFC_DROP_MALFORMED], 20);
	assert_int_equal(drops, 5);
	assert_int_equal(bpf_map_lookup_elem(F.ev_stats, &zero, es), 0);
	for (i = 1; i < ncpu; i++)
		es[0].suppressed[NFC_DROP_MALFORMED] +=
			es[i].suppressed[NFC_DROP_MALFORMED];
	assert_int_equal(es[0].suppressed[NFC_DROP_MALFORMED], 15);
	usleep(1100 * 1000); /* a new window, whatever the coarse clock lags */
	dp_run(DP_ROOT, &p, &r);
	e = dp_event(NFC_EV_DROP, 0);
	assert_non_null(e);
	assert_int_equal(e->suppressed, 15);
	assert_int_equal(e->reason, NFC_DROP_MALFORMED);
}

/* Per endpoint: in at the root, out where the executor sends it. */
static void test_endpoint_counters(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT,
				     .verdict = NFC_V_REDIRECT,
				     .out_ifindex = 4242 };
	int i;
	struct nfc_ep_stats in, out;
	__u32 out_if = 4242;
	struct dp_run r;
	struct pkt p;

	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	for (i = 0; i < 3; i++) {
		udp(&p, false, 53);
		dp_run(DP_ROOT, &p, &r);
	}
	dp_ep_stats(r.ctx.key.ifindex, &in);
	dp_ep_stats(out_if, &out);
	assert_int_equal(in.in_packets, 3);
	assert_int_equal(in.new_conns, 1);
	assert_int_equal(out.out_packets, 3);
	assert_int_equal(out.out_bytes, 3 * p.len);
}

#define T(f) cmocka_unit_test_setup(f, dp_reset)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_tcp_handshake_and_fin),
		T(test_tcp_rst_closes),
		T(test_tcp_midstream),
		T(test_udp_reply),
		T(test_icmp_echo_and_error),
		T(test_ipv6_tcp),
		T(test_fast_path_skips_chain),
		T(test_version_and_nocache),
		T(test_nf_nocache),
		T(test_denied_flow_cached),
		T(test_route_counted_quietly),
		T(test_route_after_rule),
		T(test_one_decision_per_connection),
		T(test_flow_refreshes_ct),
		T(test_timeout_reopens),
		T(test_ct_stamped_ahead),
		T(test_port_reuse),
		T(test_port_reuse_second_set),
		T(test_port_reuse_other_cpu),
		T(test_tcp_dead_and_closing),
		T(test_icmp_errors_not_cached),
		T(test_allow_then_drop_is_no_decision),
		T(test_full_table_evicts),
		T(test_drop_events_rate_limited),
		T(test_endpoint_counters),
	};

	return dp_main(argc, argv, "flow", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
