/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * What test_lpm and its BPF probe (lpm_probe.bpf.c) share: the batch of
 * addresses one BPF_PROG_TEST_RUN run looks up and the answers it writes
 * back. Fixed-width types only: both sides include it.
 */
#ifndef LPM_PROBE_H
#define LPM_PROBE_H

#include <linux/types.h>

/* Lookups per run, at most. */
#define LPM_PROBE_BATCH 16384

/* An address, network order; IPv4 in a[0]. */
struct lpm_probe_key {
	__be32 a[4];
};

/* NFC_LPM_NONE where the table (the kernel's trie) has no match. */
struct lpm_probe_answer {
	__u32 ours;
	__u32 kernel;
};

/* The layouts of struct bpf_lpm_trie_key for the kernel's tries. */
struct lpm_probe_trie4_key {
	__u32 prefixlen;
	__be32 addr;
};

struct lpm_probe_trie6_key {
	__u32 prefixlen;
	__be32 addr[4];
};

#endif /* LPM_PROBE_H */
