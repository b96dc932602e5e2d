/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * The datapath test fixture: the real root, executor and module objects of
 * one hook, loaded with their global maps pinned under a private bpffs, and
 * helpers to lay out a chain, run a packet through BPF_PROG_TEST_RUN and
 * read back what the datapath saw and counted.
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
#include "nfc_shared.h"
#include "pkt.h"

#define DP_CHAIN 3	  /* the chain of the main root */
#define DP_CHAIN_NOVX 4	  /* a root with VXLAN parsing off */
#define DP_BLOCK 1
#define DP_BASE (DP_BLOCK * NFC_BLOCK_SIZE)
#define DP_VERSION 7
#define DP_SCRATCH_POISON 0x5a
#define DP_MAX_EVENTS 16

enum dp_prog {
	DP_ROOT,
	DP_ROOT_NOVX,
	DP_EXEC,
	DP_NOP,
	DP_REWRITE,
	DP_MACROUTER,
	DP_NPROGS,
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
	int progs, scratch, hops, chains, chain_stats, hop_stats, events;
	int plan, routes;
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
};

/* main() of every datapath test binary: argv[1] is the hook. */
int dp_main(int argc, char **argv, const char *group,
	    const struct CMUnitTest *tests, size_t n);
int dp_reset(void **state);

/* Chain layout in DP_BLOCK. */
void dp_slot(int hop, enum dp_prog p);
void dp_slot_clear(int slot);
/* next[] for pass, deny, alt (hops or NFC_NEXT_*) */
void dp_hop(int hop, __u8 pass, __u8 deny, __u8 alt);
void dp_activate(__u32 chain, __u64 active);
/* One hop of @p that passes to the executor and drops on deny. */
void dp_chain1(enum dp_prog p);

/* Run @p (its bytes) through root @root; fails the test if the run does. */
void dp_run(enum dp_prog root, const struct pkt *p, struct dp_run *r);
void dp_chain_stats(__u32 chain, struct nfc_chain_stats *s);
void dp_hop_stats(__u32 slot, struct nfc_hop_stats *s);
/* Drain the event ring into F.ev / F.n_ev. */
void dp_events(void);

struct rewrite_plan;
void dp_plan(const struct rewrite_plan *plan);

const char *dp_reason_str(__u32 reason);
/* Assert that @r passed, counted under verdict @v with return code @rc. */
void dp_assert_verdict(const struct dp_run *r, __u32 v, int rc);
/* Assert that @r dropped with @reason, counted and reported. */
void dp_assert_drop(const struct dp_run *r, __u32 reason);
/* Assert that output bytes are @want's. */
void dp_assert_bytes(const struct dp_run *r, const struct pkt *want);

#endif /* DP_FIXTURE_H */
