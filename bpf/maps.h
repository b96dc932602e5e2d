/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The framework's global maps. Every object declares them the same way and
 * they are pinned by name under the state root, so root programs, NFs and the
 * executor of all chains share one copy.
 */
#ifndef NFC_MAPS_H
#define NFC_MAPS_H

#include "hook.h"
#include "nfc_shared.h"

/* Tail-call targets of this hook: block 0 is the framework's, each chain
 * version owns one other block. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, NFC_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} NFC_PROGS SEC(".maps");

/* The packet's context while it walks its chain (per CPU, one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfc_ctx);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} NFC_SCRATCH SEC(".maps");

/* For each slot, where each outcome leads. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NFC_SLOTS);
	__type(key, __u32);
	__type(value, struct nfc_hop);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_hops SEC(".maps");

/* Active block and version of each chain (see NFC_ACTIVE); userspace flips
 * an entry with one atomic store through mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NFC_MAX_CHAINS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_chains SEC(".maps");

/* Per node instance (nfc_hop.counter): packets, bytes and outcomes. Entry
 * 0 belongs to no instance. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NFC_MAX_INSTANCES);
	__type(key, __u32);
	__type(value, struct nfc_node_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_node_stats SEC(".maps");

/* Per-chain packets, verdicts and drops by reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NFC_MAX_CHAINS);
	__type(key, __u32);
	__type(value, struct nfc_chain_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_chain_stats SEC(".maps");

/* Drops and decisions for nfctl monitor and the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_events SEC(".maps");

#endif /* NFC_MAPS_H */
