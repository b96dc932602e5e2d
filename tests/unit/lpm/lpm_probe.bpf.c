// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpm_probe: the datapath's view of an LPM table for test_lpm. One
 * BPF_PROG_TEST_RUN run of probe4 (probe6) looks up the first probe_n
 * addresses of probe_keys in table probe_table with nfc_lpm_lookup4()
 * (nfc_lpm_lookup6()), and in the kernel's LPM trie trie4 (trie6) that the
 * test fills with the same prefixes, and writes both answers to probe_out.
 * The whole batch runs inside bpf_loop, in one RCU read-side section, as a
 * burst of packets would.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lpm.h"
#include "lpm_probe.h"

/* The kernel's tries; test_lpm sets max_entries before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lpm_probe_trie4_key);
	__type(value, __u32);
} trie4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct lpm_probe_trie6_key);
	__type(value, __u32);
} trie6 SEC(".maps");

/* Set by the test before each run. */
__u32 probe_table;
__u32 probe_n;
struct lpm_probe_key probe_keys[LPM_PROBE_BATCH];
struct lpm_probe_answer probe_out[LPM_PROBE_BATCH];

static __always_inline __u32 trie_value(const __u32 *v)
{
	return v ? *v : NFC_LPM_NONE;
}

static long probe4_one(__u32 i, void *unused)
{
	struct lpm_probe_trie4_key k = { .prefixlen = 32 };
	__u32 v;

	if (i >= LPM_PROBE_BATCH)
		return 1;
	k.addr = probe_keys[i].a[0];
	probe_out[i].ours = nfc_lpm_lookup4(probe_table, k.addr, &v) ?
				    NFC_LPM_NONE : v;
	probe_out[i].kernel = trie_value(bpf_map_lookup_elem(&trie4, &k));
	return 0;
}

static long probe6_one(__u32 i, void *unused)
{
	struct lpm_probe_trie6_key k = { .prefixlen = 128 };
	__u32 v;

	if (i >= LPM_PROBE_BATCH)
		return 1;
	__builtin_memcpy(k.addr, probe_keys[i].a, sizeof(k.addr));
	probe_out[i].ours = nfc_lpm_lookup6(probe_table, k.addr, &v) ?
				    NFC_LPM_NONE : v;
	probe_out[i].kernel = trie_value(bpf_map_lookup_elem(&trie6, &k));
	return 0;
}

SEC("xdp")
int probe4(struct xdp_md *ctx)
{
	bpf_loop(probe_n, probe4_one, NULL, 0);
	return XDP_PASS;
}

SEC("xdp")
int probe6(struct xdp_md *ctx)
{
	bpf_loop(probe_n, probe6_one, NULL, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
