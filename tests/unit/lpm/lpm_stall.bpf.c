// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpm_stall: one lookup held up between reading the table's root and
 * reading its nodes, as an interrupted lookup would be, for as long as
 * test_lpm likes. Nodes replaced meanwhile must stay as they were until a
 * grace period has passed, so the lookup must still find the answer of the
 * state whose root it read.
 *
 * nfc_lpm_lookup4/6() read the table's header (root and default route)
 * with the first map lookup they make and the nodes with the ones after.
 * Every map lookup of lpm.h goes through stall_lookup_elem() here, which
 * spins stall_spins times before the second: the lookup runs unchanged,
 * with a pause where the hazard is.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __always_inline void *stall_lookup_elem(void *map, const void *key);
#define bpf_map_lookup_elem stall_lookup_elem
#include "lpm.h"
#undef bpf_map_lookup_elem
#include "lpm_probe.h"

/* Set by the test before each run; stall_value is the answer. */
__u32 stall_table;
__u32 stall_spins;
struct lpm_probe_key stall_key;
__u32 stall_value;
__u32 stall_calls;

static long spin(__u32 i, void *unused)
{
	return 0;
}

static __always_inline void *stall_lookup_elem(void *map, const void *key)
{
	if (++stall_calls == 2)
		bpf_loop(stall_spins, spin, NULL, 0);
	return bpf_map_lookup_elem(map, key);
}

SEC("xdp")
int stall4(struct xdp_md *ctx)
{
	__u32 v;

	stall_calls = 0;
	stall_value = nfc_lpm_lookup4(stall_table, stall_key.a[0], &v) ?
			      NFC_LPM_NONE : v;
	return XDP_PASS;
}

SEC("xdp")
int stall6(struct xdp_md *ctx)
{
	__u32 v;

	stall_calls = 0;
	stall_value = nfc_lpm_lookup6(stall_table, stall_key.a, &v) ?
			      NFC_LPM_NONE : v;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
