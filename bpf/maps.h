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

/* Tunables (struct nfc_config), written by userspace; 0 fields mean the
 * defaults. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfc_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_config SEC(".maps");

/* Connections (bpf/ct.h): one table for every chain of the host. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NFC_CT_ENTRIES);
	__type(key, struct nfc_ct_key);
	__type(value, struct nfc_ct);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_ct SEC(".maps");

/* IP datagrams in fragments: their first fragment's connection, which
 * the later ones follow (bpf/ct.h). LRU: a datagram's fragments come
 * together. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NFC_FRAGS);
	__type(key, struct nfc_frag_key);
	__type(value, struct nfc_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_frags SEC(".maps");

/* Connections' translated tuples (struct nfc_ct_alias), written by NAT
 * modules; nfmgrd's aging removes those of connections gone. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NFC_CT_ENTRIES);
	__type(key, struct nfc_ct_key);
	__type(value, struct nfc_ct_alias);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_ct_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfc_ct_dp_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_ct_stats SEC(".maps");

/* What userspace removed from nfc_ct and nfc_flows: entry 0 nfmgrd's aging,
 * entry 1 nfctl's flushes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct nfc_ct_gc_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_ct_gc_stats SEC(".maps");

/* The flow cache (bpf/flow.h): each flow's action set, per chain version. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NFC_FLOW_ENTRIES);
	__type(key, __u64); /* nfc_flow_id() of the flow key */
	__type(value, struct nfc_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_flows SEC(".maps");

/* The flow cache's per-CPU front (struct nfc_flow_slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NFC_FLOW_SLOTS);
	__type(key, __u32);
	__type(value, struct nfc_flow_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_flow_slots SEC(".maps");

/* What only some flows' slots hold (struct nfc_flow_slot_ext), index for
 * index beside nfc_flow_slots. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NFC_FLOW_SLOTS);
	__type(key, __u32);
	__type(value, struct nfc_flow_slot_ext);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_flow_slot_ext SEC(".maps");

/* Per chain id: bumped by userspace when a chain is made under the id. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NFC_MAX_CHAINS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_chain_gen SEC(".maps");

/* Bumped by userspace when it removes flow entries that may still be in
 * use (a flush, a chain's flows forgotten): every slot filled before is a
 * miss from then on. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_flow_epoch SEC(".maps");

/* A token bucket per CPU: how often the executor answers with ICMP errors
 * (nfc_exec_ptb()). */
struct nfc_rate {
	__u64 last_ns; /* when tokens were last added */
	__u64 tokens;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfc_rate);
} nfc_ptb_rate SEC(".maps");

/* 1 once an NF's result has depended on the kernel's neighbours or routes
 * (nfc_asks_kernel()): from then on nfmgrd makes the cached flows misses
 * when those change; until then it need not. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_kernel_asked SEC(".maps");

/* Flood domains (NFC_V_FLOOD), by group (nfc_flood_group()): at XDP, a
 * device map of the domain's ports for a broadcast redirect; at TC, their
 * list. Kept by the runtime from the switch nodes' port tables. */
struct nfc_flood_ports {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, NFC_FLOOD_PORTS);
	__type(key, __u32);
	/* struct bpf_devmap_val: the port, and nfc_flood_untag for a port
	 * that takes untagged the frames of a domain with trunks. A size,
	 * not the type: a struct reached only through an inner map's
	 * definition is a forward declaration in the BTF. */
	__uint(value_size, 8);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, NFC_FLOOD_GROUPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct nfc_flood_ports);
} nfc_flood_xdp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NFC_FLOOD_GROUPS);
	__type(key, __u32);
	__type(value, struct nfc_flood_list);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_flood_tc SEC(".maps");

/* Per rule (node instance, rule id): packets and bytes it decided. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nfc_rule_key);
	__type(value, struct nfc_rule_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_rule_stats SEC(".maps");

/* Per endpoint (ifindex): in, out, new connections, drops by reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct nfc_ep_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_ep_stats SEC(".maps");

/* Drop event rate limits, per CPU and reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NFC_DROP_MAX);
	__type(key, __u32);
	__type(value, struct nfc_ev_limit);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_ev_limit SEC(".maps");

/* Events that did not make it to the ring: lost and suppressed. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfc_ev_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_ev_stats SEC(".maps");

/* Drops and decisions for nfmgrd, which hands them to nfctl monitor. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nfc_events SEC(".maps");

#endif /* NFC_MAPS_H */
