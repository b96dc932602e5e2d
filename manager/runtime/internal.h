/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* Internals shared by the runtime's files (manager/runtime, chain/runtime);
 * not part of the API. */
#ifndef NFC_INTERNAL_H
#define NFC_INTERNAL_H

#include <limits.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "ultranio.h"

struct nfc_handle {
	char bpffs[PATH_MAX];     /* pin root */
	char state_dir[PATH_MAX];
	char bpf_dir[PATH_MAX];   /* root and executor objects */
	char catalog_dir[PATH_MAX]; /* the shipped catalog */
	int lock_fd;
	struct nfc_catalog *cat;
	struct nfc_state *state;  /* as loaded; saved by nfc_state_save() */
	int chains_fd;            /* nfc_chains map, once opened */
	__u64 *chains_mm;         /* its mmap */
	size_t chains_mm_len;
};

void nfc_pr(enum nfc_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* state.c: the state file <-> struct nfc_state */
int nfc_state__load(struct nfc_state **out, const char *path,
		    struct nfc_err *err);
int nfc_state__save(const struct nfc_state *s, const char *path,
		    struct nfc_err *err);
/* Saving in two steps around a switch in the kernel: write @s, with @c in
 * place of the chain of its name (or added; NULL: none), to a temporary
 * file beside @path (its name into @tmp), then rename it into place. */
int nfc_state__stage(const struct nfc_state *s,
		     const struct nfc_chain_info *c, const char *path,
		     char *tmp, size_t len, struct nfc_err *err);
int nfc_state__commit(const char *tmp, const char *path, struct nfc_err *err);
void nfc_state__free(struct nfc_state *s);
struct nfc_chain_info *nfc_state__chain(struct nfc_state *s, const char *name);
/* Put @c in place of the chain of the same name (or add it); the state
 * takes over what @c points to. */
int nfc_state__put_chain(struct nfc_state *s, struct nfc_chain_info *c);
void nfc_state__del_chain(struct nfc_state *s, const char *name);
int nfc_state__add_module(struct nfc_state *s, const char *manifest);
bool nfc_state__del_module(struct nfc_state *s, const char *manifest);
void nfc_chain_info__clear(struct nfc_chain_info *c);

/* The value of a chain's entry in nfc_chains. */
static inline __u64 nfc_chain_active(__u32 block, __u32 version, bool nocache)
{
	return NFC_ACTIVE(block | (nocache ? NFC_ACTIVE_F_NOCACHE : 0),
			  version);
}
/* A new version of @chain with the same block and programs: what a table
 * edit does, so that results the flow cache holds become misses. */
int nfc_chain_bump(struct nfc_handle *h, const char *chain,
		   struct nfc_err *err);
/* What the flow cache holds for the chain of id @zone, forgotten: a chain
 * deleted and made again (same id, versions from 1) must not find the old
 * one's results. */
int nfc_flows_forget_zone(struct nfc_handle *h, __u32 zone);
/* The rule counters of node instance @node, forgotten (the instance is new
 * or gone). */
int nfc_rule_stats_forget(struct nfc_handle *h, __u32 node);
int nfc_state_save(struct nfc_handle *h, struct nfc_err *err);
int nfc_state_path(struct nfc_handle *h, char *buf, size_t len);

/* Paths under the pin root. */
int nfc_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int nfc_mkdirs(const char *path);
int nfc_rmtree(const char *path);
/* The pins of generation @gen of node @node of @chain. */
int nfc_node_dir(struct nfc_handle *h, char *buf, size_t len,
		 const char *chain, const char *node, __u32 gen);
/* The pin of its map @map (a table's). */
int nfc_node_map_path(struct nfc_handle *h, char *buf, size_t len,
		      const char *chain, const char *node, __u32 gen,
		      const char *map);

/* object.c: every BPF object of ours is opened and loaded through these. */
struct nfc_obj {
	struct bpf_object *obj;
	char *log;           /* the kernel's log of a failed load */
	size_t log_size;
};

/*
 * Open @path with the global maps shared through the pin root (or private
 * copies with @private_maps, which pin nothing), XDP programs with
 * expected_attach_type 0 (under libxdp's dispatcher the root runs as an
 * freplace program, whose attach type is 0, and kernels that check attach
 * types on tail calls refuse BPF_XDP programs in its program array), and
 * the ABI stamp checked: -EPROTO for an object built against another.
 * @what names the object in messages ("chain 'c': node 'n' (m@1.0.0, xdp)").
 */
int nfc_obj_open(struct nfc_handle *h, const char *path, bool private_maps,
		 const char *what, struct nfc_obj *o, struct nfc_err *err);
/* Load: the verifier runs. On failure the message ends with the last lines
 * of its log; the whole log goes to the print function at NFC_DEBUG. */
int nfc_obj_load(struct nfc_obj *o, const char *what, struct nfc_err *err);
/* After a failed load by someone else (libxdp): the same message. */
int nfc_obj_load_failed(struct nfc_obj *o, const char *what, int ret,
			struct nfc_err *err);
void nfc_obj_close(struct nfc_obj *o);
int nfc_obj_set_rodata(struct bpf_object *obj, const char *var,
		       const void *val, size_t size, char *errbuf,
		       size_t errlen);
/* The kernel's HZ from its configuration, 0 when it cannot be read
 * (clock.c); a root object's nfc_tick_ns from it, before load. */
unsigned int nfc_kernel_hz(void);
int nfc_root_clock_set(struct bpf_object *obj, char *errbuf, size_t errlen);
/* An object against its module's manifest: its one program is the
 * module's (NFC_NF(name)) and of the hook kind the manifest files it
 * under; rodata config keys have their variables; every table's key and
 * value fields lie at the offset and size of the struct member of their
 * name in the object's BTF. */
int nfc_obj_check_module(struct bpf_object *obj, const struct nfc_module *m,
			 int kind, const char *what, struct nfc_err *err);
/* Whether map @fd can stand in for @m: type, sizes, max_entries, flags.
 * When not, @why says what differs. */
bool nfc_map_compatible(int fd, struct bpf_map *m, char *why, size_t len);
__u32 nfc_prog_id(int fd);

/* flood.c: the flood domains of chain @c (NFC_V_FLOOD) made those its
 * nodes' flood tables (a manifest's `flood:`) name now; a deleted chain's
 * forgotten. */
int nfc_flood_sync(struct nfc_handle *h, const struct nfc_chain_info *c,
		   struct nfc_err *err);
/* The XDP executor's nfc_flood_untag under <pin root>/progs (infra.c pins
 * it, the flood domains' device maps run it). */
#define NFC_FLOOD_UNTAG_PIN "flood_untag_xdp"
int nfc_flood_forget(struct nfc_handle *h, __u32 chain);

/* infra.c: the global maps and executors, created on first use. */
int nfc_infra_ensure(struct nfc_handle *h, enum nfc_objkind kind,
		     struct nfc_err *err);
int nfc_global_map_fd(struct nfc_handle *h, const char *name);
int nfc_chains_mmap(struct nfc_handle *h, struct nfc_err *err);
/* Wait until no program can still see what was replaced before this call
 * (an RCU grace period, about 12 ms). */
void nfc_grace_period(void);

/* compile.c: state a module's datapath reads, compiled from its tables
 * (nf/MODULE/MODULE.c). A compiler gets the instance's maps by name from
 * @map_fd (not to be closed), builds the state the datapath does not read
 * and switches to it once; on error, says why. */
typedef int (*nfc_map_fd_fn)(void *ctx, const char *map);
typedef int (*nfc_compile_fn)(nfc_map_fd_fn map_fd, void *ctx, char *why,
			      size_t len);
/* @module's compiler, NULL for modules that read their tables as edited */
nfc_compile_fn nfc_compiler(const char *module);
/* Compile an instance being loaded (its maps in @obj), or a running one
 * after an edit (its pinned maps, then a grace period). */
int nfc_compile_obj(struct bpf_object *obj, const char *module,
		    const char *where, struct nfc_err *err);
int nfc_compile_pinned(struct nfc_handle *h, const char *chain,
		       const struct nfc_node_info *n, struct nfc_err *err);
/* nf/firewall/firewall.c */
int nfc_firewall_compile(nfc_map_fd_fn map_fd, void *ctx, char *why,
			 size_t len);
/* nf/nat/nat.c */
int nfc_nat_compile(nfc_map_fd_fn map_fd, void *ctx, char *why, size_t len);
/* The network namespace this process is in: its inode (net:[N]), 0 when
 * /proc cannot say. */
__u64 nfc_netns_id(void);
/* Sum the per-CPU values of entry @key of a per-CPU map of __u64s. */
int nfc_percpu_sum(int fd, __u32 key, void *sum, size_t size);
/* Zero entry @key of a per-CPU map (a new chain's or instance's counters). */
int nfc_percpu_zero(int fd, __u32 key, size_t size);

/* lpm.c: the LPM store as the runtime uses it, node instances' tables
 * (a manifest's `lpm:` tables) included. */
int nfc_lpm_open_runtime(struct nfc_handle *h, struct nfc_lpm **out,
			 struct nfc_err *err);
/* The id of the @i-th LPM table (manifest order) of the instance with
 * counter @counter, in slot @slot (0, 1). */
__u32 nfc_lpm_instance_id(__u32 counter, int i, int slot);
/* Destroy whatever tables of @counter's @slot (-1: both) exist. */
void nfc_lpm_instance_forget(struct nfc_lpm *l, __u32 counter, int slot);
/* The @i-th LPM table of module @m (manifest order), or -1. */
int nfc_lpm_table_index(const struct nfc_module *m, const struct nfc_table *t);

/* conn.c: the shared tables of connections and flows. */
/* Walk every entry of a hash map, @fn called on chunks of @n keys and
 * values (batch lookups where the kernel has them, else key by key; a
 * per-CPU map's value is its per-CPU array). A non-zero return of @fn
 * stops the walk and is returned. */
typedef int (*nfc_map_walk_fn)(const void *keys, const void *values, int n,
			       void *ctx);
int nfc_map_walk(int fd, __u32 key_size, __u32 value_size, nfc_map_walk_fn fn,
		 void *ctx);
/* Whether a filter (NULL: everything) selects a connection, or a flow
 * whose connection is in state @ct_state (NFC_CT_NONE when it has none);
 * the chain a filter names is the caller's to match. Kernel-free. */
bool nfc_conn_filter__ct(const struct nfc_conn_filter *f,
			 const struct nfc_ct_key *k, const struct nfc_ct *ct);
bool nfc_conn_filter__flow(const struct nfc_conn_filter *f,
			   const struct nfc_key *k, const struct nfc_flow *fl,
			   int ct_state);
/* A global map's fd; -ENOENT (silently) when no chain created the maps
 * yet, other failures explained in @err. */
int nfc_shared_map_fd(struct nfc_handle *h, const char *name,
		      struct nfc_err *err);
/* Grow *v (an array of *cap elements of @size) to hold more than @n. */
int nfc_grow(void *v, int *cap, int n, size_t size);

/* slots.c: the hits the flow slots of every CPU hold, not yet folded into
 * any counter (one element per slot and CPU with hits), added by readers
 * of counters after they read the map; and the flow epoch. */
struct nfc_slot_hit {
	struct nfc_key key;      /* the slot's flow key, whole */
	struct nfc_act_head act;
	__u64 packets, bytes, last_ns;
	__u32 gen;
};
struct nfc_slot_hits {
	struct nfc_slot_hit *v;
	bool *ours;   /* filled by the chain under its id now */
	int n, ours_cap;
};
/* @fd: nfc_flow_slots, @ext_fd: nfc_flow_slot_ext, @gen_fd: nfc_chain_gen */
int nfc_slot_hits_read(int fd, int ext_fd, int gen_fd,
		       struct nfc_slot_hits *sh);
int nfc_slot_hits_get(struct nfc_handle *h, struct nfc_slot_hits *sh,
		      struct nfc_err *err);
void nfc_slot_hits_free(struct nfc_slot_hits *sh);
void nfc_slot_hits_chain(const struct nfc_slot_hits *sh, __u32 chain,
			 struct nfc_chain_stats *s);
void nfc_slot_hits_ep(const struct nfc_slot_hits *sh, __u32 ifindex,
		      struct nfc_ep_stats *s);
void nfc_slot_hits_rule(const struct nfc_slot_hits *sh,
			const struct nfc_rule_key *k, struct nfc_rule_stats *s);
void nfc_slot_hits_flow(const struct nfc_slot_hits *sh, struct nfc_flow *f);
/* After removing flow entries slots may hold: no slot filled before
 * serves again. */
int nfc_flow_epoch_bump(struct nfc_handle *h, struct nfc_err *err);
/* A chain is made under id @chain: hits slots hold for an earlier one go
 * to none of its counters. */
int nfc_chain_gen_bump(struct nfc_handle *h, __u32 chain, struct nfc_err *err);

/* The clock the datapath's times (created_ns, last_ns, ts_ns) are of: its
 * nfc_now() reads CLOCK_MONOTONIC_COARSE, which lags this by at most a
 * tick. */
static inline __u64 nfc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double nfc_now_ms(void);
/* What a permission error means for the operator: " (nfctl needs root, or
 * ...)" for EACCES and EPERM, "" for anything else. */
const char *nfc_perm_hint(int e);
/* strerror() that knows libbpf's own codes (-4000 and beyond). */
const char *nfc_strerror(int r, char *buf, size_t len);
const char *nfc_kind_str(int kind); /* "xdp", "tc" */

#endif /* NFC_INTERNAL_H */
