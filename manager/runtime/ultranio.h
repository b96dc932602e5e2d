/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * libultranio, the runtime layer: chains built from validated descriptors
 * into the kernel, their state, tables and counters. It sits on the
 * kernel-free spec layer (catalog.h, descriptor.h) and under the tools
 * (nfctl, nfbench), which make JSON and text of the structs it returns.
 *
 * Every call returns 0 or a negative errno and, given a struct nfc_err,
 * explains failures there. Nothing here prints (see nfc_set_print()) or
 * exits.
 *
 * Lifetimes: what nfc_state(), nfc_chain__info(), nfc_catalog() and views
 * (nfc_chain_view) point to belongs to the handle and is valid until the
 * next call that changes it on the same handle: nfc_chain__apply, __swap,
 * __delete, nfc_module__register, __unregister. Take a view again after
 * one of those.
 */
#ifndef ULTRANIO_H
#define ULTRANIO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include "catalog.h"
#include "descriptor.h"
#include "err.h"
#include "opts.h"

/* Messages from libbpf, libxdp (and with them whole verifier logs at
 * NFC_DEBUG). The library prints nothing unless a function is set; returns
 * the previous one. nfc_open() routes libbpf's and libxdp's own print
 * functions (process-wide) here. */
enum nfc_print_level {
	NFC_WARN,
	NFC_INFO,
	NFC_DEBUG,
};
typedef int (*nfc_print_fn)(enum nfc_print_level level, const char *fmt,
			    va_list ap);
nfc_print_fn nfc_set_print(nfc_print_fn fn);

struct nfc_handle;

/* The pin root and the state directory unless nfc_open_opts or the
 * environment (ULTRANIO_BPFFS, ULTRANIO_STATE) name others. */
#define NFC_DEFAULT_BPFFS "/sys/fs/bpf/ultranio"
#define NFC_DEFAULT_STATE "/run/ultranio"

struct nfc_open_opts {
	size_t sz;
	const char *bpffs;   /* pin root; default $ULTRANIO_BPFFS or
				/sys/fs/bpf/ultranio */
	const char *state;   /* state dir; default $ULTRANIO_STATE or
				/run/ultranio */
	bool lock;           /* for mutations: take the lock (waits for it) */
	bool no_catalog;     /* do not load the catalog */
};

/* -EACCES/-EPERM when the caller may not read the state (nfctl needs root,
 * or CAP_BPF with CAP_NET_ADMIN and access to the state directory). */
int nfc_open(struct nfc_handle **out, const struct nfc_open_opts *opts,
	     struct nfc_err *err);
void nfc_close(struct nfc_handle *h);
const struct nfc_catalog *nfc_catalog(struct nfc_handle *h);

/* The host's chains as the library records them (the state file). */

struct nfc_attach_info {
	char ifname[IF_NAMESIZE];
	__u32 ifindex;
	enum nfc_hook hook;
	enum nfc_xdp_mode mode;  /* xdp */
	__u32 priority;
	__u32 tenant;            /* the VPC of its frames (VNI), 0: none */
	__u64 netns;             /* the inode of its network namespace (an
				    ifindex means something only there); 0:
				    not recorded */
	__u32 prog_id;           /* the chain's root program there */
	__u32 handle;            /* tc: the filter's handle */
};

struct nfc_node_info {
	char name[NFC_NAME_MAX + 1];
	char module[NFC_NAME_MAX + 1];
	char version[NFC_VERSION_MAX + 1];
	__u32 hop;
	__u32 gen;               /* generation of its pins */
	__u32 counter;           /* its entry in nfc_node_stats */
	__u32 lpm_slot;          /* which of its LPM tables' two slots it runs */
	char hash[17];           /* identity of its module and config */
	__u32 prog_id[NFC_OBJ_MAX]; /* 0 where not loaded */
};

struct nfc_chain_info {
	char name[NFC_NAME_MAX + 1];
	__u32 id;
	__u32 version;
	__u32 block;
	unsigned int kinds;      /* 1 << enum nfc_objkind of its attachments */
	__u16 vxlan_port;
	bool nocache;            /* runs without its flow cache */
	char *file;              /* the descriptor applied, absolute */
	char *descriptor;        /* its text as applied */
	struct nfc_override *overrides; /* nodes swapped to other versions */
	int n_overrides;
	struct nfc_attach_info *attach;
	int n_attach;
	struct nfc_node_info *nodes; /* in hop order */
	int n_nodes;
};

struct nfc_state {
	char **modules;          /* manifests added with nfctl module load */
	int n_modules;
	struct nfc_chain_info *chains;
	int n_chains;
};

const struct nfc_state *nfc_state(struct nfc_handle *h);
const struct nfc_chain_info *nfc_chain__info(struct nfc_handle *h,
					     const char *chain);

/* Chains */

struct nfc_apply_opts {
	size_t sz;
	bool dry_run;        /* validate and verify, change nothing */
};

#define NFC_WARN_MAX 8
#define NFC_WARN_LEN 512

/* What an apply or swap did. */
struct nfc_apply_result {
	__u32 version;
	__u32 block;
	int loaded;          /* node programs loaded (the others were kept) */
	double load_ms;      /* opening and verifying new programs */
	double flip_ms;      /* from start to the atomic switch */
	double total_ms;     /* including the grace period and cleanup */
	int n_warnings;      /* things that work but are likely wrong */
	char warnings[NFC_WARN_MAX][NFC_WARN_LEN];
};

int nfc_chain__apply(struct nfc_handle *h, const char *path,
		     const struct nfc_apply_opts *opts,
		     struct nfc_apply_result *res, struct nfc_err *err);
/*
 * A new version of CHAIN with NODE running MODULE@VERSION of its module.
 * The node keeps its maps: a table both versions have must have the same
 * layout, a map both have the same type, sizes and flags (else -EINVAL,
 * naming what differs); a table only the old version has is dropped, one
 * only the new version has starts empty.
 */
int nfc_chain__swap(struct nfc_handle *h, const char *chain, const char *node,
		    const char *module_at_version,
		    struct nfc_apply_result *res, struct nfc_err *err);
int nfc_chain__delete(struct nfc_handle *h, const char *chain,
		      struct nfc_err *err);
/* A root program of CHAIN, loaded but not attached, for BPF_PROG_TEST_RUN
 * (nfbench, tests): the one of its first attachment (its tenant). Returns
 * a program fd or -errno. */
int nfc_chain__root_prog(struct nfc_handle *h, const char *chain,
			 enum nfc_objkind kind, struct nfc_err *err);

/* A chain with its links read back from the hop table and its counters. */
struct nfc_node_view {
	const struct nfc_node_info *info;
	const struct nfc_module *module; /* NULL: no longer in the catalog */
	__u8 next[NFC_MAX_OUTCOMES];     /* per outcome: a hop, NFC_NEXT_* */
	struct nfc_node_stats counters;  /* since the instance was created */
};

struct nfc_chain_view {
	const struct nfc_chain_info *info;
	struct nfc_chain_stats counters; /* since the chain was created */
	int n_nodes;
	struct nfc_node_view *nodes;     /* in hop order */
};

int nfc_chain__view(struct nfc_handle *h, const char *chain,
		    struct nfc_chain_view **out, struct nfc_err *err);
void nfc_chain_view__free(struct nfc_chain_view *v);
/* Where outcome @o of node @i leads: a node's name, "pass" or "drop". */
const char *nfc_chain_view__next(const struct nfc_chain_view *v, int i,
				 int o);

/* Capacity: what is in use and what the build allows. */
struct nfc_limits {
	__u32 chains, chains_max;
	__u32 blocks, blocks_max;       /* block 0 and the spare included */
	__u32 instances, instances_max;
	__u32 hops_max;                 /* nodes per chain */
	__u32 abi;                      /* NFC_ABI_VERSION */
};

void nfc_limits__get(struct nfc_handle *h, struct nfc_limits *out);

/* Modules */

/* How many chains run module @name (at @version unless NULL); the first
 * @max of their names go to @names. */
int nfc_module__users(struct nfc_handle *h, const char *name,
		      const char *version, const char **names, int max);
/* Add the manifests under @path to the catalog after the verifier passed
 * their objects; *mods (caller frees the array) points into the handle's
 * catalog. */
int nfc_module__register(struct nfc_handle *h, const char *path,
			 const struct nfc_module ***mods, int *n,
			 struct nfc_err *err);
int nfc_module__unregister(struct nfc_handle *h, const char *name_at_version,
			   struct nfc_err *err);

/* An instance's tables. ARGS are "FIELD VALUE" pairs. */
int nfc_table__add(struct nfc_handle *h, const char *chain, const char *node,
		   const char *table, int argc, char **argv,
		   struct nfc_err *err);
int nfc_table__del(struct nfc_handle *h, const char *chain, const char *node,
		   const char *table, int argc, char **argv,
		   struct nfc_err *err);

/* An LPM table's whole content from a file of `PREFIX VALUE` lines, at
 * once (nfc_lpm__load_file()); other tables: -EOPNOTSUPP. */
int nfc_table__load(struct nfc_handle *h, const char *chain, const char *node,
		    const char *table, const char *path, struct nfc_err *err);

struct nfc_table_entries {
	const struct nfc_table *table;
	int n;
	__u8 *keys;          /* n * table->key_size */
	__u8 *values;        /* n * table->value_size */
};

int nfc_table__list(struct nfc_handle *h, const char *chain, const char *node,
		    const char *table, struct nfc_table_entries **out,
		    struct nfc_err *err);
void nfc_table_entries__free(struct nfc_table_entries *e);

/*
 * Connections, flows and counters: views of the pinned maps every chain
 * shares (bpf/ct.h, the flow cache, nfc_*_stats). They work without
 * nfmgrd; nfmgrd ages entries (nfc_gc__run) and streams events.
 */

/* What to select; zero fields match anything. */
struct nfc_conn_filter {
	size_t sz;
	bool has_tenant;
	__u32 tenant;
	__u8 l3;             /* NFC_L3_IPV4/IPV6 with addr: either side */
	union nfc_addr addr;
	__u8 prefix;         /* of addr; 0: the whole address */
	__u16 port;          /* host order: either side */
	__u8 proto;          /* IPPROTO_* */
	int state;           /* enum nfc_ct_state, -1: any */
	const char *chain;   /* flows only */
};

struct nfc_ct_entry {
	struct nfc_ct_key key;
	struct nfc_ct ct;
	/* the original direction: source and destination as first seen */
	union nfc_addr src, dst;
	__u16 sport, dport;  /* host order */
	__u64 age_ns, idle_ns;
	__u32 timeout_s;     /* of its class and state */
};

int nfc_ct__list(struct nfc_handle *h, const struct nfc_conn_filter *f,
		 struct nfc_ct_entry **out, int *n, struct nfc_err *err);
/* Delete the matching connections (and their flow cache entries). */
int nfc_ct__flush(struct nfc_handle *h, const struct nfc_conn_filter *f,
		  int *removed, struct nfc_err *err);

struct nfc_ct_summary {
	__u64 live, max;
	struct nfc_ct_dp_stats dp;   /* summed over CPUs */
	struct nfc_ct_gc_stats gc;   /* nfmgrd's and nfctl's summed */
	__u64 evicted;               /* created - removed - live, >= 0; read
					while the table changes it may come
					out lower, never higher */
};
int nfc_ct__summary(struct nfc_handle *h, struct nfc_ct_summary *out,
		    struct nfc_err *err);

struct nfc_flow_entry {
	struct nfc_key key;          /* as parsed, zone = chain id */
	struct nfc_flow flow;
	char chain[NFC_NAME_MAX + 1];/* "" when the chain is gone */
	bool stale;                  /* of another version than the active */
	__u64 age_ns, idle_ns;
};

int nfc_flow__list(struct nfc_handle *h, const struct nfc_conn_filter *f,
		   struct nfc_flow_entry **out, int *n, struct nfc_err *err);
int nfc_flow__flush(struct nfc_handle *h, const struct nfc_conn_filter *f,
		    int *removed, struct nfc_err *err);
/* Entries in the flow cache now. */
int nfc_flow__count(struct nfc_handle *h, __u64 *out, struct nfc_err *err);
/* The kernel's neighbours or routes changed (nfmgrd's kernel watch): if a
 * chain's result has ever depended on them (bpf_fib_lookup(), an NF's
 * nfc_asks_kernel()), every cached flow is made a miss (the flow cache's
 * epoch) and *invalidated is true: the next packet of each runs its chain
 * again. */
int nfc_flow__kernel_changed(struct nfc_handle *h, bool *invalidated,
			     struct nfc_err *err);

/* An action set in words: "dnat 10.0.0.5:80, dec-ttl, redirect veth3". */
int nfc_action__str(const struct nfc_key *orig, const struct nfc_action *a,
		    char *buf, size_t len);
/* Names for the ct state, the drop reason and the verdict. */
const char *nfc_ct_state__str(int state);

/* One aging pass: connections idle past their state's timeout, flows idle
 * past flow_idle_s or whose connection is gone, and the counters of
 * endpoints whose interface no longer exists (in the caller's network
 * namespace). An entry is looked at again right before it is deleted: one
 * a packet refreshed meanwhile stays. */
struct nfc_gc_opts {
	size_t sz;
	__u32 flow_idle_s;   /* default 60 */
};
struct nfc_gc_result {
	int ct_seen, ct_expired, flows_seen, flows_expired;
	int ep_removed;
	int aliases_removed; /* NAT tuples of connections gone (nfc_ct_nat) */
	/* entries of node instances' expiring tables (a switch's learned
	 * addresses), when the handle has the catalog */
	int entries_seen, entries_expired;
};
int nfc_gc__run(struct nfc_handle *h, const struct nfc_gc_opts *opts,
		struct nfc_gc_result *res, struct nfc_err *err);

/* Tunables (nfc_config): read with defaults filled in, or write. */
int nfc_config__get(struct nfc_handle *h, struct nfc_config *out,
		    struct nfc_err *err);
int nfc_config__set(struct nfc_handle *h, const struct nfc_config *in,
		    struct nfc_err *err);

/* Counters */
struct nfc_ep_view {
	__u32 ifindex;
	char ifname[IF_NAMESIZE];    /* "" when gone */
	struct nfc_ep_stats s;       /* summed over CPUs */
};
int nfc_stats__endpoints(struct nfc_handle *h, struct nfc_ep_view **out,
			 int *n, struct nfc_err *err);

struct nfc_rule_view {
	struct nfc_rule_key key;
	char chain[NFC_NAME_MAX + 1];
	char node[NFC_NAME_MAX + 1];
	char name[64];               /* the rule's name when its module
					declares one, else "" */
	bool deleted;                /* its node instance is in no chain now:
					chain, node and name are "" */
	struct nfc_rule_stats s;
};
int nfc_stats__rules(struct nfc_handle *h, struct nfc_rule_view **out,
		     int *n, struct nfc_err *err);

/* The chain and node of a node instance (nfc_hop.counter) and the name of
 * its rule @policy (from the table its manifest names under `policies`);
 * each output may be NULL; -ENOENT when no node has that counter. */
int nfc_policy__name(struct nfc_handle *h, __u32 node, __u32 policy,
		     const char **chain, const char **node_name,
		     char *rule, size_t rule_len);

struct nfc_ev_summary {
	struct nfc_ev_stats s;       /* summed over CPUs */
};
int nfc_events__summary(struct nfc_handle *h, struct nfc_ev_summary *out,
			struct nfc_err *err);

/*
 * The event ring (struct nfc_event records), read by one process: nfmgrd.
 * The first chain creates it and deleting the last one unpins it, so a
 * reader opens it once it exists and asks now and then whether the ring it
 * reads is still the pinned one. Once open it does not need the handle.
 */
struct nfc_events;
/* A negative return stops nfc_events__consume(), which returns it. */
typedef int (*nfc_event_fn)(void *ctx, const struct nfc_event *e);
/* -ENOENT (not explained in @err) while no chain has created the ring. */
int nfc_events__open(struct nfc_handle *h, nfc_event_fn fn, void *ctx,
		     struct nfc_events **out, struct nfc_err *err);
/* Readable when records wait (for epoll or poll). */
int nfc_events__fd(const struct nfc_events *ev);
/* Hand every waiting record to the function: how many, or -errno. */
int nfc_events__consume(struct nfc_events *ev);
/* The ring's pin is gone or is another map now: free this and open again. */
bool nfc_events__stale(const struct nfc_events *ev);
void nfc_events__free(struct nfc_events *ev);

/*
 * LPM tables (lpm.c; bpf/lpm.h looks them up): IPv4 or IPv6 prefix -> a
 * 32-bit value (0 .. NFC_LPM_NONE - 1), one table per tenant and purpose,
 * numbered 1 .. NFC_LPM_INSTANCE_BASE - 1 (ids from NFC_LPM_INSTANCE_BASE
 * on are node instances' tables, declared by manifests, which this API
 * reads and nfc_table__*() edits: changing one here is -EPERM), all in one
 * store pinned under the pin root that grows with the prefixes its tables
 * hold. Each prefix is
 * kept as a record (what the next process reads back) and in the Poptrie
 * the datapath walks.
 *
 * Changes are copy-on-write and atomic for lookups: a lookup sees the table
 * before or after a change, never a mix. A failed change leaves the table
 * as it was. One process changes a store at a time: callers that change
 * tables open their handle with `lock`.
 */
struct nfc_lpm;

struct nfc_lpm_prefix {
	__u8 family;         /* AF_INET, AF_INET6 */
	__u8 len;            /* 0..32, 0..128 */
	__u8 addr[16];       /* network order, IPv4 in the first 4; the bits
				past len are zero */
	__u32 value;
};

/* Opens the store (made on first use). */
int nfc_lpm__open(struct nfc_handle *h, struct nfc_lpm **out,
		  struct nfc_err *err);
/* Waits for lookups still on freed nodes (a grace period) if any were
 * freed, then frees the handle's memory; the tables stay. */
void nfc_lpm__close(struct nfc_lpm *l);

struct nfc_lpm_create_opts {
	size_t sz;
	__u32 capacity;      /* most prefixes the table takes; default
				NFC_LPM_DEFAULT_CAPACITY. IPv4 tables of
				NFC_LPM_DIRECT_CAPACITY or more keep a 64 MiB
				direct array, IPv6 tables of
				NFC_LPM_DIRECT6_CAPACITY or more a 1 MiB one
				(bpf/nfc_shared.h); both take values up to
				NFC_LPM_DIRECT_VALUE_MAX */
};
#define NFC_LPM_DEFAULT_CAPACITY (1u << 16)
#define NFC_LPM_MAX_CAPACITY (1u << 24)

/* -EEXIST when @table exists, -EINVAL for a bad id, family or capacity. */
int nfc_lpm__create(struct nfc_lpm *l, __u32 table, int family,
		    const struct nfc_lpm_create_opts *opts,
		    struct nfc_err *err);
/* Lookups of a destroyed table miss at once; its memory is freed after
 * a grace period. -ENOENT when there is no such table. */
int nfc_lpm__destroy(struct nfc_lpm *l, __u32 table, struct nfc_err *err);

/* nfc_lpm__add() flags, as bpf_map_update_elem()'s */
#define NFC_LPM_ANY 0        /* add, or replace the value */
#define NFC_LPM_NOEXIST 1    /* -EEXIST when the prefix is there */
#define NFC_LPM_EXIST 2      /* -ENOENT when it is not */

/* -E2BIG when the table is full, -ENOMEM when the store cannot grow,
 * -EINVAL for a prefix of the wrong family, a length beyond the family's,
 * bits set past the length or the value NFC_LPM_NONE. */
int nfc_lpm__add(struct nfc_lpm *l, __u32 table,
		 const struct nfc_lpm_prefix *p, int flags,
		 struct nfc_err *err);
/* -ENOENT when the prefix is not in the table (its value is ignored). */
int nfc_lpm__del(struct nfc_lpm *l, __u32 table,
		 const struct nfc_lpm_prefix *p, struct nfc_err *err);
/* Replace the whole content of @table with @n prefixes at once (start-up,
 * reload); a prefix given twice takes its last value. */
int nfc_lpm__load(struct nfc_lpm *l, __u32 table,
		  const struct nfc_lpm_prefix *p, size_t n,
		  struct nfc_err *err);
/* The same from a file of `PREFIX VALUE` lines ('#' starts a comment;
 * VALUE decimal or 0x hex), "-" for stdin; errors name the file, line and
 * field, and leave the table as it was. */
int nfc_lpm__load_file(struct nfc_lpm *l, __u32 table, const char *path,
		       struct nfc_err *err);

/* What the datapath would find for @addr (4 or 16 bytes, network order),
 * from the same nodes it walks: 0, or -ENOENT when no prefix covers it. */
int nfc_lpm__lookup(struct nfc_lpm *l, __u32 table, const void *addr,
		    __u32 *value);
/* The value of exactly prefix *p into p->value, or -ENOENT. */
int nfc_lpm__get(struct nfc_lpm *l, __u32 table, struct nfc_lpm_prefix *p);
/* Every prefix of @table, sorted by address then length; free(*out). */
int nfc_lpm__list(struct nfc_lpm *l, __u32 table,
		  struct nfc_lpm_prefix **out, size_t *n,
		  struct nfc_err *err);

struct nfc_lpm_info {
	__u32 table;
	int family;          /* AF_INET, AF_INET6 */
	__u64 prefixes;
	__u64 capacity;
	__u64 nodes;         /* trie nodes and leaves the table uses */
	__u64 leaves;
	__u64 trie_bytes;    /* nodes * 24 + leaves * 4 */
	__u64 direct_bytes;  /* its direct array, 0 when none */
	__u64 record_bytes;  /* its prefixes' records */
};
/* -ENOENT when there is no such table. */
int nfc_lpm__info(struct nfc_lpm *l, __u32 table, struct nfc_lpm_info *out);
/* The tables there are, ascending; free(*ids). */
int nfc_lpm__tables(struct nfc_lpm *l, __u32 **ids, size_t *n);

struct nfc_lpm_store_info {
	__u32 tables;
	__u32 node_chunks, leaf_chunks;
	__u64 node_slots, leaf_slots;   /* what the chunks hold */
	__u64 nodes_used, leaves_used;  /* by tables */
	__u64 nodes_pending, leaves_pending; /* freed, awaiting a grace period */
	__u64 bytes;                    /* chunks, direct arrays, headers */
};
void nfc_lpm__store_info(struct nfc_lpm *l, struct nfc_lpm_store_info *out);
/* Wait for a grace period and make what earlier changes freed reusable
 * (changes do this on their own when the store would otherwise grow). */
int nfc_lpm__sync(struct nfc_lpm *l);

/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.1" (a host route): 0, or -EINVAL
 * with the reason in @why; bits past the length are an error. */
int nfc_lpm_prefix__parse(const char *s, struct nfc_lpm_prefix *p,
			  char *why, size_t len);
int nfc_lpm_prefix__str(const struct nfc_lpm_prefix *p, char *buf,
			size_t len);

/* The state directory ($ULTRANIO_STATE, else /run/ultranio) and the
 * socket nfmgrd serves nfctl monitor on (STATE/nfmgrd.sock); -ENAMETOOLONG
 * when it does not fit @len. */
int nfc_state_dir(char *buf, size_t len);
int nfc_monitor_socket(char *buf, size_t len);

#endif /* ULTRANIO_H */
