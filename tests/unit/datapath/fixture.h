/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * The datapath test fixture: the real root and executor of one hook, and
 * any module of the build's or the tests' catalog (found by name through
 * its manifest, loaded on first use), with their global maps pinned under a
 * private bpffs; helpers to lay out a chain, run a packet through
 * BPF_PROG_TEST_RUN and read back what the datapath saw and counted.
 *
 * Every test starts from dp_reset(): no chain active, an empty block, zeroed
 * counters, a poisoned scratch context. Tests therefore do not depend on the
 * order they run in.
 */
#ifndef DP_FIXTURE_H
#define DP_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/types.h>
#include "catalog.h"
#include "nfc_shared.h"
#include "pkt.h"

#define DP_CHAIN 3	  /* the chain of the main root */
#define DP_CHAIN_NOVX 4	  /* a root with VXLAN parsing off */
#define DP_PORT_TENANT 100 /* DP_ROOT_PORT's interface's tenant (VPC) */
#define DP_BLOCK 1
#define DP_BASE (DP_BLOCK * NFC_BLOCK_SIZE)
#define DP_VERSION 7
#define DP_SCRATCH_POISON 0x5a
#define DP_MAX_EVENTS 16

/* The framework's own programs. */
enum dp_prog {
	DP_ROOT,
	DP_ROOT_NOVX,
	DP_ROOT_PARSER, /* DP_ROOT with the parser for every frame */
	DP_ROOT_PORT,	/* DP_ROOT on an interface of tenant DP_PORT_TENANT */
	DP_EXEC,
	DP_NPROGS,
};

#define DP_MAX_MODULES 16
/* Hop h of the test block counts into node counter DP_COUNTER(h). */
#define DP_COUNTER(hop) (100 + (hop))

struct dp_module {
	const struct nfc_module *m;
	char name[48];		  /* as asked for: "nop", "macrouter@1.0.0" */
	struct bpf_object *obj;
	int prog;
};

struct dp_fixture {
	bool xdp;
	const char *hook; /* "xdp" or "tc" */
	char pin_root[64];
	bool mounted;
	int ncpus;
	__u32 lo;	  /* ifindex the test runs see as theirs */
	struct bpf_object *obj[DP_NPROGS];
	int prog[DP_NPROGS];
	int progs, scratch, hops, chains, chain_stats, node_stats, events;
	int ct, ct_stats, flows, ep_stats, rule_stats, ev_limit, ev_stats, config;
	int slots, slot_ext, epoch, gen;
	int flood_xdp, flood_tc; /* emptied by dp_reset() */
	struct nfc_catalog *cat;  /* the build's and the tests' modules */
	struct dp_module mods[DP_MAX_MODULES];
	int n_mods;
	__u64 *active;	  /* nfc_chains, mmapped */
	struct ring_buffer *rb;
	struct nfc_event ev[DP_MAX_EVENTS];
	int n_ev;
	/* return codes of this hook */
	int rc_pass, rc_drop, rc_tx, rc_redirect;
};

extern struct dp_fixture F;

/* The result of one run. */
struct dp_run {
	__u32 chain;			  /* of the root that ran */
	__u32 retval;
	uint8_t out[PKT_MAX];
	__u32 out_len;
	struct nfc_ctx ctx;		  /* CPU 0's scratch context */
	struct nfc_chain_stats stats;	  /* of that chain */
	bool express; /* the root's express lane served it: the context
			 is as it was before the run */
};

/* main() of every datapath test binary: argv[1] is the hook. */
int dp_main(int argc, char **argv, const char *group,
	    const struct CMUnitTest *tests, size_t n);
int dp_reset(void **state);

/* A module's program for this hook, "NAME" (newest) or "NAME@VERSION";
 * loaded on first use, its tables emptied by dp_reset(). */
int dp_module(const char *name);
/* The same with rodata (its config) set before the load: the first load
 * of @name is the one of the whole run. */
struct dp_rodata {
	const char *var;
	const void *val;
	size_t size;
};
int dp_module_config(const char *name, const struct dp_rodata *rd, int n);
/* The map behind a module's table, by the manifest's names. */
int dp_table(const char *module, const char *table);
/* A module's loaded object (its maps beside its tables). */
struct bpf_object *dp_module_obj(const char *module);

/* Chain layout in DP_BLOCK: hop @hop runs program @prog. */
void dp_slot(int hop, int prog);
void dp_slot_clear(int slot);
/* next[] for pass, deny, alt (hops or NFC_NEXT_*) */
void dp_hop(int hop, __u8 pass, __u8 deny, __u8 alt);
void dp_activate(__u32 chain, __u64 active);
/* One hop of @prog that passes to the executor and drops on deny. */
void dp_chain1(int prog);
/* Two hops, @prog0 passing to @prog1 passing to the executor; denies drop. */
void dp_chain2(int prog0, int prog1);

/* Run @p (its bytes) through root @root; fails the test if the run does. */
void dp_run(enum dp_prog root, const struct pkt *p, struct dp_run *r);
/* The same with BPF_PROG_TEST_RUN @flags (BPF_F_TEST_*); 0 or the run's
 * -errno, for tests to which a failed run means something. */
int dp_run_flags(enum dp_prog root, const struct pkt *p, __u32 flags,
		 struct dp_run *r);
/* dp_run_flags() that reads back only the return value, the frame and the
 * context: for tests that run thousands of frames and look at what the
 * root parsed (the chain's counters, with every flow slot of every CPU,
 * take a millisecond to read). Its events stay in the ring. */
int dp_run_quiet(enum dp_prog root, const struct pkt *p, struct dp_run *r);
void dp_chain_stats(__u32 chain, struct nfc_chain_stats *s);
/* CPU 0's counters of the node at hop @hop. */
void dp_node_stats(int hop, struct nfc_node_stats *s);
/* Drain the event ring into F.ev / F.n_ev (dp_run: the run's events). */
void dp_events(void);

struct rewrite_plan;
/* What the rewrite test module does with the next packets. */
void dp_plan(const struct rewrite_plan *plan);

const char *dp_reason_str(__u32 reason);
/* Entries in a (hash) map. */
int dp_map_count(int fd);
/* The flow cache's entry for flow key @fk (zone and tcp_flags set as the
 * cache keeps them) into @f: 0, or -1 when there is none for that key. */
int dp_flow_get(const struct nfc_key *fk, struct nfc_flow *f);
/* Counters as the runtime shows them: the map's, summed over CPUs, and the
 * hits the flow slots still hold (nfc_slot_hits_*()). */
void dp_ep_stats(__u32 ifindex, struct nfc_ep_stats *out);
/* What userspace does after removing flow entries: slots filled before
 * serve no more. */
/* Every flow slot emptied on every CPU (their unfolded hits lost): the
 * next hit of a flow is its entry's. */
void dp_flow_slots_clear(void);
void dp_flow_epoch_bump(void);
/* CLOCK_MONOTONIC_COARSE in ns: the datapath's clock (nfc_now()). */
__u64 dp_now(void);
/* The flow slots that hold flow key @fk, on every CPU: hit now (their
 * last hit set to CLOCK_MONOTONIC_COARSE, the datapath's clock) when @hit,
 * due to fold at their next hit when @fold. For tests of what the
 * datapath does at these two times: a slow machine (the vm tier's
 * emulated guest) can take longer between two runs than either window.
 * Returns the last hit they held before (0: no slot holds it). */
__u64 dp_slot_times(const struct nfc_key *fk, bool hit, bool fold);
void dp_rule_stats(__u32 node, __u32 policy, struct nfc_rule_stats *out);
/* The tunables the datapath reads (nfc_config). */
void dp_config(const struct nfc_config *cfg);
/* Assert that @r passed, counted under verdict @v with return code @rc. */
void dp_assert_verdict(const struct dp_run *r, __u32 v, int rc);
/* Assert that @r dropped with @reason, counted and reported. */
const struct nfc_event *dp_event(__u32 type, int n);
void dp_assert_drop(const struct dp_run *r, __u32 reason);
/* Assert that output bytes are @want's. */
void dp_assert_bytes(const struct dp_run *r, const struct pkt *want);

#endif /* DP_FIXTURE_H */
