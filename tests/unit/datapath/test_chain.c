// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The root and the executor as a chain: versions, hops, outcomes, verdicts,
 * and the failures that must be counted and never silent (missing
 * programs, undeclared outcomes).
 */
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "macrouter.h"
#include "rewrite.h"

static void tcp4(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p, MAC_A, MAC_B, 0x0800);
	pkt_ipv4(p, IPPROTO_TCP, "192.0.2.1", "198.51.100.2", 64, 0, 0);
	pkt_tcp(p, 40000, 443, 0x18);
	pkt_data(p, 10);
	pkt_finish(p);
}

static void test_no_version_passes(void **state)
{
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_slot(0, dp_module("nop"));
	dp_hop(0, NFC_NEXT_DROP, NFC_NEXT_DROP, NFC_NEXT_DROP);
	/* DP_CHAIN left inactive: a chain with nothing in it */
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_pass);
	assert_int_equal(r.stats.no_version, 1);
	assert_int_equal(r.stats.packets, 0);
	assert_int_equal(F.n_ev, 0);
	dp_assert_bytes(&r, &p);
}

static void test_one_hop_passes(void **state)
{
	struct nfc_node_stats hs;
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_chain1(dp_module("nop"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	assert_int_equal(r.stats.bytes, p.len);
	assert_int_equal(r.stats.no_version, 0);
	dp_node_stats(0, &hs);
	assert_int_equal(hs.packets, 1);
	assert_int_equal(hs.bytes, p.len);
	assert_int_equal(hs.outcome[NFC_PASS], 1);
	dp_assert_bytes(&r, &p);
}

/* A version in another block is entered at that block. */
static void test_version_selects_block(void **state)
{
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_chain1(dp_module("nop")); /* block DP_BLOCK is a good chain... */
	/* ...but the active version names an empty block */
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK + 1, DP_VERSION));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_MISSED_TAIL_CALL);

	dp_reset(NULL);
	dp_chain1(dp_module("nop"));
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION + 1));
	dp_run(DP_ROOT, &p, &r);
	assert_int_equal(r.retval, F.rc_pass);
	assert_int_equal(r.ctx.version, DP_VERSION + 1);
	assert_int_equal(r.ctx.base, DP_BASE);
}

static void test_empty_entry_slot_is_missed_tail_call(void **state)
{
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_hop(0, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_MISSED_TAIL_CALL);
	assert_int_equal(F.ev[0].hop, 0);
}

static void test_empty_next_slot_is_missed_tail_call(void **state)
{
	struct nfc_node_stats hs;
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_chain1(dp_module("nop"));
	dp_hop(0, 1, NFC_NEXT_DROP, NFC_NEXT_NONE); /* hop 1: empty */
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_MISSED_TAIL_CALL);
	assert_int_equal(F.ev[0].hop, 1);
	dp_node_stats(0, &hs);
	assert_int_equal(hs.outcome[NFC_PASS], 1);
}

static void test_missing_executor_is_missed_tail_call(void **state)
{
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_chain1(dp_module("nop"));
	dp_slot_clear(NFC_EXEC_SLOT);
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_MISSED_TAIL_CALL);
}

static void test_block_out_of_range(void **state)
{
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_chain1(dp_module("nop"));
	/* block * NFC_BLOCK_SIZE wraps to DP_BASE in 32 bits */
	dp_activate(DP_CHAIN,
		    NFC_ACTIVE(DP_BLOCK + (1ULL << 32) / NFC_BLOCK_SIZE,
			       DP_VERSION));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_MISSED_TAIL_CALL);
}

static void test_two_hops(void **state)
{
	struct rewrite_plan plan = { .set = NFC_ACT_DMAC };
	struct nfc_node_stats hs0, hs1;
	struct dp_run r;
	struct pkt p, want;

	tcp4(&p);
	memcpy(plan.dmac, MAC_C, 6);
	dp_plan(&plan);
	dp_slot(0, dp_module("nop"));
	dp_slot(1, dp_module("rewrite"));
	dp_hop(0, 1, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_hop(1, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	assert_int_equal(r.ctx.hop, 1);
	dp_node_stats(0, &hs0);
	dp_node_stats(1, &hs1);
	assert_int_equal(hs0.packets, 1);
	assert_int_equal(hs1.packets, 1);
	want = p;
	memcpy(want.b, MAC_C, 6);
	dp_assert_bytes(&r, &want);
}

/* The alt outcome (2) routed to another hop. */
static void test_alt_outcome(void **state)
{
	struct rewrite_plan plan = { .outcome = 2 };
	struct nfc_node_stats hs;
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_slot(0, dp_module("rewrite"));
	dp_slot(1, dp_module("nop"));
	dp_hop(0, NFC_NEXT_DROP, NFC_NEXT_DROP, 1);
	dp_hop(1, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
	dp_node_stats(0, &hs);
	assert_int_equal(hs.outcome[2], 1);
}

static void test_undeclared_outcome_is_bad_hop(void **state)
{
	struct rewrite_plan plan = { .outcome = 2 };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite")); /* alt leads to NFC_NEXT_NONE */
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_BAD_HOP);
}

static void test_outcome_out_of_range_is_bad_hop(void **state)
{
	struct rewrite_plan plan = { .outcome = NFC_MAX_OUTCOMES };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_BAD_HOP);
}

static void test_deny_with_reason(void **state)
{
	struct rewrite_plan plan = {
		.outcome = NFC_DENY,
		.reason = NFC_DROP_NO_ROUTE,
		.policy = 99,
		.set = NFC_ACT_DMAC, /* not applied to a dropped packet */
	};
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);
	assert_int_equal(F.ev[0].policy, 99);
}

static void test_deny_without_reason_is_policy(void **state)
{
	struct rewrite_plan plan = { .outcome = NFC_DENY };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_POLICY);
}

/* A deny routed on to another hop is not a drop by itself. */
static void test_deny_routed_to_hop(void **state)
{
	struct rewrite_plan plan = { .outcome = NFC_DENY };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_slot(0, dp_module("rewrite"));
	dp_slot(1, dp_module("nop"));
	dp_hop(0, NFC_NEXT_DROP, 1, NFC_NEXT_NONE);
	dp_hop(1, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_verdict(&r, NFC_V_PASS, F.rc_pass);
}

static void test_drop_verdict_from_nf(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT,
				     .verdict = NFC_V_DROP };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_POLICY);
}

static void test_unknown_verdict_is_dropped(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT, .verdict = 9 };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_BAD_HOP);
}

static void test_redirect(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT | NFC_ACT_SMAC,
				     .verdict = NFC_V_REDIRECT,
				     .out_ifindex = 42 };
	struct dp_run r;
	struct pkt p, want;

	tcp4(&p);
	memcpy(plan.smac, MAC_D, 6);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, 42);
	want = p;
	memcpy(want.b + 6, MAC_D, 6);
	dp_assert_bytes(&r, &want);
}

static void test_redirect_nowhere_is_dropped(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT,
				     .verdict = NFC_V_REDIRECT };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_REDIRECT);
}

static void test_tx(void **state)
{
	struct rewrite_plan plan = { .set = REWRITE_VERDICT,
				     .verdict = NFC_V_TX };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_plan(&plan);
	dp_chain1(dp_module("rewrite"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_verdict(&r, NFC_V_TX, F.rc_tx);
}

static void test_macrouter_routes(void **state)
{
	struct macrouter_key k = {};
	struct macrouter_route v = { .ifindex = 7,
				     .action = MACROUTER_FORWARD };
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	memcpy(k.mac, MAC_A, 6);
	assert_int_equal(bpf_map_update_elem(dp_table("macrouter@1.0.0", "routes"), &k, &v, 0), 0);
	dp_chain1(dp_module("macrouter@1.0.0"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_verdict(&r, NFC_V_REDIRECT, F.rc_redirect);
	assert_int_equal(r.ctx.act.out_ifindex, 7);
}

static void test_macrouter_no_route(void **state)
{
	struct dp_run r;
	struct pkt p;

	tcp4(&p);
	dp_chain1(dp_module("macrouter@1.0.0"));
	dp_run(DP_ROOT, &p, &r);
	dp_assert_drop(&r, NFC_DROP_NO_ROUTE);
}

/* Every packet is counted once, by verdict, whatever the path. */
static void test_counters_add_up(void **state)
{
	struct rewrite_plan drop = { .outcome = NFC_DENY };
	struct rewrite_plan pass = {};
	struct nfc_chain_stats s;
	struct dp_run r;
	struct pkt p;
	int i;

	tcp4(&p);
	dp_chain1(dp_module("rewrite"));
	for (i = 0; i < 5; i++) {
		dp_plan(i % 2 ? &drop : &pass);
		dp_run(DP_ROOT, &p, &r);
	}
	dp_chain_stats(DP_CHAIN, &s);
	assert_int_equal(s.packets, 5);
	assert_int_equal(s.bytes, 5 * p.len);
	assert_int_equal(s.verdict[NFC_V_PASS], 3);
	assert_int_equal(s.verdict[NFC_V_DROP], 2);
	assert_int_equal(s.drop[NFC_DROP_POLICY], 2);
}

#define T(f) cmocka_unit_test_setup(f, dp_reset)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_no_version_passes),
		T(test_one_hop_passes),
		T(test_version_selects_block),
		T(test_empty_entry_slot_is_missed_tail_call),
		T(test_empty_next_slot_is_missed_tail_call),
		T(test_missing_executor_is_missed_tail_call),
		T(test_block_out_of_range),
		T(test_two_hops),
		T(test_alt_outcome),
		T(test_undeclared_outcome_is_bad_hop),
		T(test_outcome_out_of_range_is_bad_hop),
		T(test_deny_with_reason),
		T(test_deny_without_reason_is_policy),
		T(test_deny_routed_to_hop),
		T(test_drop_verdict_from_nf),
		T(test_unknown_verdict_is_dropped),
		T(test_redirect),
		T(test_redirect_nowhere_is_dropped),
		T(test_tx),
			T(test_macrouter_routes),
		T(test_macrouter_no_route),
		T(test_counters_add_up),
	};

	return dp_main(argc, argv, "datapath/chain", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
