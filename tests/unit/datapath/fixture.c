// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "internal.h"
#include "rewrite.h"

struct dp_fixture F = { .prog = { -1, -1, -1 } };

static const char *const objects[DP_NPROGS] = {
	[DP_ROOT] = "root",
	[DP_ROOT_NOVX] = "root",
	[DP_ROOT_PARSER] = "root",
	[DP_ROOT_PORT] = "root",
	[DP_EXEC] = "exec",
};

#define DP_REASON_STR(name, str) str,
static const char *const reasons[] = { NFC_DROP_REASONS(DP_REASON_STR) };

const char *dp_reason_str(__u32 reason)
{
	return reason < NFC_DROP_MAX ? reasons[reason] : "(out of range)";
}

static int dp_fail(const char *what, int err)
{
	fprintf(stderr, "datapath fixture: %s: %s\n", what, strerror(-err));
	return err;
}

/* A private mount namespace with its own bpffs: whatever the tests pin
 * disappears with the process, even if it is killed. */
static int pin_root_make(void)
{
	if (unshare(CLONE_NEWNS))
		return dp_fail("unshare(CLONE_NEWNS)", -errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return dp_fail("making mounts private", -errno);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		return dp_fail("mount -t bpf /sys/fs/bpf", -errno);
	F.mounted = true;
	snprintf(F.pin_root, sizeof(F.pin_root), "/sys/fs/bpf/nfc-test-%d",
		 getpid());
	if (mkdir(F.pin_root, 0700))
		return dp_fail(F.pin_root, -errno);
	return 0;
}

static void pin_root_remove(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!F.pin_root[0])
		return;
	d = opendir(F.pin_root);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", F.pin_root, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(F.pin_root);
	F.pin_root[0] = 0;
	if (F.mounted)
		umount2("/sys/fs/bpf", MNT_DETACH);
	F.mounted = false;
}

static void dp_cleanup(void)
{
	int i;

	ring_buffer__free(F.rb);
	F.rb = NULL;
	if (F.active)
		munmap(F.active, sysconf(_SC_PAGESIZE));
	F.active = NULL;
	for (i = 0; i < DP_NPROGS; i++) {
		bpf_object__close(F.obj[i]);
		F.obj[i] = NULL;
	}
	for (i = 0; i < F.n_mods; i++)
		bpf_object__close(F.mods[i].obj);
	F.n_mods = 0;
	nfc_catalog__free(F.cat);
	F.cat = NULL;
	pin_root_remove();
}

/* Set a `const volatile` variable of @obj before it is loaded, the way
 * the library does for every object it loads. */
static int set_rodata(struct bpf_object *obj, const char *var,
		      const void *val, size_t size)
{
	char msg[128];

	return nfc_obj_set_rodata(obj, var, val, size, msg, sizeof(msg));
}

static int load(enum dp_prog i)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = F.pin_root);
	struct bpf_program *prog;
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s.%s.o", NFC_BUILD_BPF, objects[i],
		 F.hook);
	F.obj[i] = bpf_object__open_file(path, &o);
	if (!F.obj[i])
		return dp_fail(path, -errno);
	if (i != DP_EXEC) {
		__u32 chain = i == DP_ROOT_NOVX ? DP_CHAIN_NOVX : DP_CHAIN;
		__u32 tenant = DP_PORT_TENANT;
		bool force = true;
		__u16 port = 0;

		err = set_rodata(F.obj[i], "chain_id", &chain, sizeof(chain));
		if (!err && i == DP_ROOT_NOVX)
			err = set_rodata(F.obj[i], "vxlan_port", &port,
					 sizeof(port));
		if (!err && i == DP_ROOT_PARSER)
			err = set_rodata(F.obj[i], "nfc_root_parse_force",
					 &force, sizeof(force));
		if (!err && i == DP_ROOT_PORT)
			err = set_rodata(F.obj[i], "port_tenant", &tenant,
					 sizeof(tenant));
		if (!err) {
			char msg[128];

			err = nfc_root_clock_set(F.obj[i], msg, sizeof(msg));
		}
		if (err)
			return dp_fail("root: rodata", err);
	}
	err = bpf_object__load(F.obj[i]);
	if (err)
		return dp_fail(path, err);
	prog = bpf_object__next_program(F.obj[i], NULL);
	F.prog[i] = bpf_program__fd(prog);
	return 0;
}

/* Modules come from the catalogs, by manifest, like the runtime finds them. */
static int catalog_load(void)
{
	char *dirs[] = { NFC_BUILD_CATALOG, NFC_TEST_CATALOG };
	struct nfc_err err = {};
	int i, r;

	r = nfc_catalog__load(&F.cat, dirs, 2, &err);
	for (i = 0; i < err.n; i++)
		fprintf(stderr, "datapath fixture: %s\n", err.msg[i]);
	return r;
}

int dp_module(const char *name)
{
	return dp_module_config(name, NULL, 0);
}

int dp_module_config(const char *name, const struct dp_rodata *rd, int n)
{
	char want[48], *at;
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = F.pin_root);
	const struct nfc_module *m;
	struct dp_module *dm;
	int i;

	for (i = 0; i < F.n_mods; i++)
		if (!strcmp(F.mods[i].name, name))
			return F.mods[i].prog;
	snprintf(want, sizeof(want), "%s", name);
	at = strchr(want, '@');
	if (at)
		*at++ = '\0';
	m = nfc_catalog__find(F.cat, want, at);
	if (!m || !m->object[F.xdp ? NFC_OBJ_XDP : NFC_OBJ_TC])
		fail_msg("module '%s' (%s) is not in the catalogs", name, F.hook);
	assert_true(F.n_mods < DP_MAX_MODULES);
	dm = &F.mods[F.n_mods];
	dm->m = m;
	snprintf(dm->name, sizeof(dm->name), "%s", name);
	dm->obj = bpf_object__open_file(m->object[F.xdp ? NFC_OBJ_XDP : NFC_OBJ_TC],
					&o);
	assert_non_null(dm->obj);
	for (i = 0; i < n; i++)
		if (set_rodata(dm->obj, rd[i].var, rd[i].val, rd[i].size))
			fail_msg("module '%s': rodata '%s'", name, rd[i].var);
	if (bpf_object__load(dm->obj))
		fail_msg("module '%s' (%s): load failed", name, F.hook);
	dm->prog = bpf_program__fd(bpf_object__next_program(dm->obj, NULL));
	F.n_mods++;
	return dm->prog;
}

struct bpf_object *dp_module_obj(const char *module)
{
	int i;

	dp_module(module);
	for (i = 0; i < F.n_mods; i++)
		if (!strcmp(F.mods[i].name, module))
			return F.mods[i].obj;
	fail_msg("module '%s' not loaded", module);
	return NULL;
}

int dp_table(const char *module, const char *table)
{
	const struct nfc_table *t;
	int i;

	dp_module(module);
	for (i = 0; i < F.n_mods; i++) {
		if (strcmp(F.mods[i].name, module))
			continue;
		t = nfc_module__table(F.mods[i].m, table);
		if (!t)
			fail_msg("module '%s' has no table '%s'", module, table);
		return bpf_object__find_map_fd_by_name(F.mods[i].obj, t->map);
	}
	fail_msg("module '%s' not loaded", module);
	return -1;
}

/* Every table of every loaded module back to empty (arrays: zeroed). */
static int tables_reset(void)
{
	__u8 key[64], zero[512] = {};
	int i, j, fd, err = 0;

	for (i = 0; i < F.n_mods; i++) {
		const struct nfc_module *m = F.mods[i].m;

		for (j = 0; j < m->n_tables; j++) {
			struct bpf_map *map;
			enum bpf_map_type type;

			/* LPM tables are the runtime's; these tests make none */
			if (!m->tables[j].map)
				continue;
			map = bpf_object__find_map_by_name(F.mods[i].obj,
							   m->tables[j].map);
			type = bpf_map__type(map);
			fd = bpf_map__fd(map);
			if (type == BPF_MAP_TYPE_ARRAY) {
				__u32 k;

				for (k = 0; k < bpf_map__max_entries(map); k++)
					err |= bpf_map_update_elem(fd, &k, zero, 0);
				continue;
			}
			while (!bpf_map_get_next_key(fd, NULL, key))
				err |= bpf_map_delete_elem(fd, key);
		}
	}
	return err;
}

static int map_fd(enum dp_prog i, const char *name)
{
	char full[64];
	int fd;

	/* the per-hook maps carry the hook in their name */
	fd = bpf_object__find_map_fd_by_name(F.obj[i], name);
	if (fd < 0) {
		snprintf(full, sizeof(full), "%s_%s", name, F.hook);
		fd = bpf_object__find_map_fd_by_name(F.obj[i], full);
	}
	if (fd < 0)
		dp_fail(name, -ENOENT);
	return fd;
}

static int on_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct nfc_event) && F.n_ev < DP_MAX_EVENTS)
		memcpy(&F.ev[F.n_ev++], data, sizeof(struct nfc_event));
	return 0;
}

static int dp_setup(void)
{
	cpu_set_t cpus;
	int i, err;

	/* test runs use the CPU they are called on: read CPU 0's context */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		return dp_fail("pinning to CPU 0", -errno);
	F.ncpus = libbpf_num_possible_cpus();
	F.lo = if_nametoindex("lo");
	if (F.ncpus <= 0 || !F.lo)
		return dp_fail("possible CPUs / lo", -ENODEV);
	err = pin_root_make();
	if (err)
		return err;
	for (i = 0; i < DP_NPROGS; i++) {
		err = load(i);
		if (err)
			return err;
	}
	F.progs = map_fd(DP_EXEC, "nfc_progs");
	F.scratch = map_fd(DP_EXEC, "nfc_scratch");
	F.hops = map_fd(DP_EXEC, "nfc_hops");
	F.chains = map_fd(DP_EXEC, "nfc_chains");
	F.chain_stats = map_fd(DP_EXEC, "nfc_chain_stats");
	F.node_stats = map_fd(DP_EXEC, "nfc_node_stats");
	F.events = map_fd(DP_EXEC, "nfc_events");
	F.ct = map_fd(DP_EXEC, "nfc_ct");
	F.ct_stats = map_fd(DP_EXEC, "nfc_ct_stats");
	F.flows = map_fd(DP_EXEC, "nfc_flows");
	F.ep_stats = map_fd(DP_EXEC, "nfc_ep_stats");
	F.rule_stats = map_fd(DP_EXEC, "nfc_rule_stats");
	F.slots = map_fd(DP_EXEC, "nfc_flow_slots");
	F.slot_ext = map_fd(DP_EXEC, "nfc_flow_slot_ext");
	F.epoch = map_fd(DP_EXEC, "nfc_flow_epoch");
	F.gen = map_fd(DP_EXEC, "nfc_chain_gen");
	F.ev_limit = map_fd(DP_EXEC, "nfc_ev_limit");
	F.ev_stats = map_fd(DP_EXEC, "nfc_ev_stats");
	F.config = map_fd(DP_EXEC, "nfc_config");
	F.flood_xdp = map_fd(DP_EXEC, "nfc_flood_xdp");
	F.flood_tc = map_fd(DP_EXEC, "nfc_flood_tc");
	if (F.flood_xdp < 0 || F.flood_tc < 0 || F.progs < 0 || F.scratch < 0 || F.hops < 0 || F.chains < 0 ||
	    F.chain_stats < 0 || F.node_stats < 0 || F.events < 0 ||
	    F.ct < 0 || F.ct_stats < 0 || F.flows < 0 || F.ep_stats < 0 ||
	    F.rule_stats < 0 || F.ev_limit < 0 || F.ev_stats < 0 ||
	    F.slots < 0 || F.slot_ext < 0 || F.epoch < 0 || F.gen < 0 ||
	    F.config < 0)
		return -ENOENT;
	err = catalog_load();
	if (err)
		return dp_fail("catalogs", err);
	F.active = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
			MAP_SHARED, F.chains, 0);
	if (F.active == MAP_FAILED) {
		F.active = NULL;
		return dp_fail("mmap nfc_chains", -errno);
	}
	F.rb = ring_buffer__new(F.events, on_event, NULL, NULL);
	if (!F.rb)
		return dp_fail("ring buffer", -errno);
	return 0;
}

static int zero_percpu(int fd, __u32 key, size_t value_size)
{
	size_t sz = (value_size + 7) / 8 * 8 * F.ncpus;
	void *buf = calloc(1, sz);
	int err;

	if (!buf)
		return -ENOMEM;
	err = bpf_map_update_elem(fd, &key, buf, 0);
	free(buf);
	return err;
}

/* Every entry of a hash map deleted: keys are collected first, since
 * get_next_key from no key rescans the buckets from the start. */
static int map_empty(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), n = 0, i;
	__u8 *keys, *prev = NULL;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	keys = calloc(info.max_entries + 1, info.key_size);
	if (!keys)
		return -ENOMEM;
	while (n < info.max_entries &&
	       !bpf_map_get_next_key(fd, prev, keys + n * info.key_size)) {
		prev = keys + n * info.key_size;
		n++;
	}
	for (i = 0; i < n; i++)
		err |= bpf_map_delete_elem(fd, keys + i * info.key_size);
	free(keys);
	return err;
}

/* Every entry of per-CPU array @fd of NFC_FLOW_SLOTS values of @size on
 * every CPU zeroed: one batch call (one call per slot took a second per
 * test in the vm tier's emulated guest). */
static int slots_empty(int fd, size_t size)
{
	void *zero = calloc((size_t)NFC_FLOW_SLOTS * F.ncpus, size);
	__u32 *keys = calloc(NFC_FLOW_SLOTS, sizeof(*keys));
	__u32 i, n = NFC_FLOW_SLOTS;
	int err = -1;

	if (zero && keys) {
		for (i = 0; i < n; i++)
			keys[i] = i;
		err = bpf_map_update_batch(fd, keys, zero, &n, NULL);
	}
	free(zero);
	free(keys);
	return err;
}

__u64 dp_now(void)
{
	struct timespec now;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC_COARSE, &now), 0);
	return now.tv_sec * 1000000000ULL + now.tv_nsec;
}

__u64 dp_slot_times(const struct nfc_key *fk, bool hit, bool fold)
{
	struct nfc_flow_slot v[F.ncpus];
	struct nfc_flow_slot_ext x[F.ncpus];
	__u64 last = 0, now = dp_now();
	__u32 ways[NFC_FLOW_SLOT_WAYS], way, idx;
	struct nfc_slot_key sk;
	int cpu;

	nfc_slot_key_of(&sk, fk);
	nfc_flow_slot_ways(nfc_flow_sets(fk), ways);
	for (way = 0; way < NFC_FLOW_SLOT_WAYS; way++) {
		idx = ways[way];
		assert_int_equal(bpf_map_lookup_elem(F.slots, &idx, v), 0);
		assert_int_equal(bpf_map_lookup_elem(F.slot_ext, &idx, x), 0);
		for (cpu = 0; cpu < F.ncpus; cpu++) {
			if (!v[cpu].version ||
			    memcmp(&v[cpu].key, &sk, sizeof(sk)) ||
			    (sk.wide && memcmp(x[cpu].addrs, &fk->saddr,
					       sizeof(x[cpu].addrs))))
				continue;
			if (v[cpu].last_ns > last)
				last = v[cpu].last_ns;
			if (hit)
				v[cpu].last_ns = now;
			if (fold)
				v[cpu].fold_ns = 0;
		}
		assert_int_equal(bpf_map_update_elem(F.slots, &idx, v, 0), 0);
	}
	return last;
}

static void slot_hits(struct nfc_slot_hits *sh)
{
	assert_int_equal(nfc_slot_hits_read(F.slots, F.slot_ext, F.gen, sh),
			 0);
}

int dp_reset(void **state)
{
	struct nfc_config cfg = {};
	size_t csz = (sizeof(struct nfc_ctx) + 7) / 8 * 8 * F.ncpus;
	__u32 zero = 0, slot;
	void *buf;
	int err = 0;

	__atomic_store_n(&F.active[DP_CHAIN], 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&F.active[DP_CHAIN_NOVX], 0, __ATOMIC_SEQ_CST);
	err |= bpf_map_update_elem(F.progs, &zero, &F.prog[DP_EXEC], 0);
	for (slot = DP_BASE; slot < DP_BASE + NFC_BLOCK_SIZE; slot++) {
		struct nfc_hop h = { .counter = DP_COUNTER(slot - DP_BASE) };

		memset(h.next, NFC_NEXT_NONE, sizeof(h.next));
		bpf_map_delete_elem(F.progs, &slot);
		err |= bpf_map_update_elem(F.hops, &slot, &h, 0);
		err |= zero_percpu(F.node_stats, h.counter,
				   sizeof(struct nfc_node_stats));
	}
	err |= zero_percpu(F.chain_stats, DP_CHAIN,
			   sizeof(struct nfc_chain_stats));
	err |= zero_percpu(F.chain_stats, DP_CHAIN_NOVX,
			   sizeof(struct nfc_chain_stats));
	buf = malloc(csz);
	if (!buf)
		return -1;
	memset(buf, DP_SCRATCH_POISON, csz);
	err |= bpf_map_update_elem(F.scratch, &zero, buf, 0);
	free(buf);
	err |= tables_reset();
	/* no connection, flow or counter from an earlier case */
	err |= map_empty(F.ct);
	err |= map_empty(F.flows);
	err |= map_empty(F.ep_stats);
	err |= map_empty(F.rule_stats);
	err |= map_empty(F.flood_xdp);
	err |= map_empty(F.flood_tc);
	err |= slots_empty(F.slots, sizeof(struct nfc_flow_slot));
	err |= slots_empty(F.slot_ext, sizeof(struct nfc_flow_slot_ext));
	err |= zero_percpu(F.ct_stats, 0, sizeof(struct nfc_ct_dp_stats));
	err |= zero_percpu(F.ev_stats, 0, sizeof(struct nfc_ev_stats));
	for (slot = 0; slot < NFC_DROP_MAX; slot++)
		err |= zero_percpu(F.ev_limit, slot,
				   sizeof(struct nfc_ev_limit));
	err |= bpf_map_update_elem(F.config, &zero, &cfg, 0);
	ring_buffer__consume(F.rb);
	F.n_ev = 0;
	memset(F.ev, 0, sizeof(F.ev));
	return err ? -1 : 0;
}

void dp_slot(int hop, int prog)
{
	__u32 slot = DP_BASE + hop;

	assert_int_equal(bpf_map_update_elem(F.progs, &slot, &prog, 0), 0);
}

void dp_slot_clear(int slot)
{
	__u32 s = slot;

	assert_int_equal(bpf_map_delete_elem(F.progs, &s), 0);
}

void dp_hop(int hop, __u8 pass, __u8 deny, __u8 alt)
{
	struct nfc_hop h = { .counter = DP_COUNTER(hop) };
	__u32 slot = DP_BASE + hop;

	memset(h.next, NFC_NEXT_NONE, sizeof(h.next));
	h.next[NFC_PASS] = pass;
	h.next[NFC_DENY] = deny;
	h.next[2] = alt;
	assert_int_equal(bpf_map_update_elem(F.hops, &slot, &h, 0), 0);
}

void dp_activate(__u32 chain, __u64 active)
{
	/* what the control plane does: one atomic store through mmap */
	__atomic_store_n(&F.active[chain], active, __ATOMIC_RELEASE);
}

void dp_chain1(int prog)
{
	dp_slot(0, prog);
	dp_hop(0, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
	dp_activate(DP_CHAIN_NOVX, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
}

void dp_chain2(int prog0, int prog1)
{
	dp_slot(0, prog0);
	dp_slot(1, prog1);
	dp_hop(0, 1, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_hop(1, NFC_NEXT_PASS, NFC_NEXT_DROP, NFC_NEXT_NONE);
	dp_activate(DP_CHAIN, NFC_ACTIVE(DP_BLOCK, DP_VERSION));
}

void dp_plan(const struct rewrite_plan *plan)
{
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(dp_table("rewrite", "plan"), &zero,
					     plan, 0), 0);
	/* the runtime makes results of a changed table misses (a new
	 * version); here: no cached result survives a new plan */
	assert_int_equal(map_empty(F.flows), 0);
}

static void read_percpu0(int fd, __u32 key, void *out, size_t size)
{
	size_t stride = (size + 7) / 8 * 8;
	uint8_t *buf = calloc(F.ncpus, stride);

	assert_non_null(buf);
	assert_int_equal(bpf_map_lookup_elem(fd, &key, buf), 0);
	memcpy(out, buf, size);
	free(buf);
}

void dp_chain_stats(__u32 chain, struct nfc_chain_stats *s)
{
	size_t stride = (sizeof(*s) + 7) / 8 * 8;
	struct nfc_slot_hits sh;
	uint8_t *buf = calloc(F.ncpus, stride);
	int cpu;
	size_t i;

	assert_non_null(buf);
	assert_int_equal(bpf_map_lookup_elem(F.chain_stats, &chain, buf), 0);
	memset(s, 0, sizeof(*s));
	for (cpu = 0; cpu < F.ncpus; cpu++) {
		const __u64 *v = (const __u64 *)(buf + cpu * stride);
		__u64 *sum = (__u64 *)s;

		for (i = 0; i < sizeof(*s) / sizeof(__u64); i++)
			sum[i] += v[i];
	}
	free(buf);
	slot_hits(&sh);
	nfc_slot_hits_chain(&sh, chain, s);
	nfc_slot_hits_free(&sh);
}

void dp_node_stats(int hop, struct nfc_node_stats *s)
{
	read_percpu0(F.node_stats, DP_COUNTER(hop), s, sizeof(*s));
}

void dp_events(void)
{
	assert_true(ring_buffer__consume(F.rb) >= 0);
}

/* The hop every CPU's context says before a run: a run that leaves it
 * there did not touch the context (the root's express lane). */
#define DP_HOP_UNTOUCHED 0xfffd

static void scratch_hop_set(__u16 hop)
{
	size_t stride = (sizeof(struct nfc_ctx) + 7) / 8 * 8;
	uint8_t *buf = calloc(F.ncpus, stride);
	__u32 zero = 0;
	int cpu;

	assert_non_null(buf);
	assert_int_equal(bpf_map_lookup_elem(F.scratch, &zero, buf), 0);
	for (cpu = 0; cpu < F.ncpus; cpu++)
		((struct nfc_ctx *)(buf + cpu * stride))->hop = hop;
	assert_int_equal(bpf_map_update_elem(F.scratch, &zero, buf, 0), 0);
	free(buf);
}

static int run_only(enum dp_prog root, const struct pkt *p, __u32 flags,
		    struct dp_run *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
		    .data_size_in = p->len, .data_out = r->out,
		    .data_size_out = sizeof(r->out), .repeat = 1,
		    .flags = flags);
	int err;

	memset(r, 0, sizeof(*r));
	r->chain = root == DP_ROOT_NOVX ? DP_CHAIN_NOVX : DP_CHAIN;
	scratch_hop_set(DP_HOP_UNTOUCHED);
	err = bpf_prog_test_run_opts(F.prog[root], &o);
	if (err)
		return err;
	r->retval = o.retval;
	r->out_len = o.data_size_out;
	read_percpu0(F.scratch, 0, &r->ctx, sizeof(r->ctx));
	r->express = r->ctx.hop == DP_HOP_UNTOUCHED;
	return 0;
}

int dp_run_quiet(enum dp_prog root, const struct pkt *p, struct dp_run *r)
{
	return run_only(root, p, 0, r);
}

int dp_run_flags(enum dp_prog root, const struct pkt *p, __u32 flags,
		 struct dp_run *r)
{
	int err;

	/* F.ev: the events of this run */
	ring_buffer__consume(F.rb);
	F.n_ev = 0;
	err = run_only(root, p, flags, r);
	if (err)
		return err;
	dp_chain_stats(r->chain, &r->stats);
	F.n_ev = 0;
	dp_events();
	return 0;
}

void dp_run(enum dp_prog root, const struct pkt *p, struct dp_run *r)
{
	int err = dp_run_flags(root, p, 0, r);

	if (err)
		dp_fail("BPF_PROG_TEST_RUN", err);
	assert_int_equal(err, 0);
}

void dp_assert_verdict(const struct dp_run *r, __u32 v, int rc)
{
	if (r->stats.verdict[NFC_V_DROP])
		fprintf(stderr, "  dropped: %s\n",
			F.n_ev ? dp_reason_str(F.ev[0].reason) : "(no event)");
	assert_int_equal(r->retval, rc);
	assert_int_equal(r->stats.packets, 1);
	assert_int_equal(r->stats.bytes, r->out_len);
	assert_int_equal(r->stats.verdict[v], 1);
	assert_int_equal(r->stats.verdict[NFC_V_DROP], 0);
	assert_int_equal(F.n_ev, 0);
}

void dp_assert_drop(const struct dp_run *r, __u32 reason)
{
	const struct nfc_event *e;
	__u32 i;

	assert_int_equal(r->retval, F.rc_drop);
	assert_int_equal(r->stats.packets, 1);
	assert_int_equal(r->stats.verdict[NFC_V_DROP], 1);
	for (i = 0; i < NFC_DROP_MAX; i++)
		if (r->stats.drop[i] && i != reason)
			fprintf(stderr, "  counted as %s\n", dp_reason_str(i));
	assert_int_equal(r->stats.drop[reason], 1);
	/* never silent: one drop event with the reason (and a decision
	 * event when a rule decided) */
	e = dp_event(NFC_EV_DROP, 0);
	assert_non_null(e);
	assert_null(dp_event(NFC_EV_DROP, 1));
	assert_string_equal(dp_reason_str(e->reason), dp_reason_str(reason));
	assert_int_equal(e->chain, r->chain);
	assert_int_equal(e->version, DP_VERSION);
}

/* The @n-th event of @type seen by the last run, or NULL. */
const struct nfc_event *dp_event(__u32 type, int n)
{
	int i;

	for (i = 0; i < F.n_ev; i++)
		if (F.ev[i].type == type && !n--)
			return &F.ev[i];
	return NULL;
}

void dp_assert_bytes(const struct dp_run *r, const struct pkt *want)
{
	if (r->out_len != want->len ||
	    memcmp(r->out, want->b, want->len)) {
		pkt_diff(want->b, want->len, r->out, r->out_len);
		fail_msg("output bytes differ from the expected packet");
	}
}

int dp_main(int argc, char **argv, const char *group,
	    const struct CMUnitTest *tests, size_t n)
{
	char name[128];
	int rc;

	if (argc != 2 || (strcmp(argv[1], "xdp") && strcmp(argv[1], "tc"))) {
		fprintf(stderr, "usage: %s xdp|tc\n", argv[0]);
		return 2;
	}
	F.hook = argv[1];
	F.xdp = !strcmp(F.hook, "xdp");
	if (F.xdp) {
		F.rc_pass = XDP_PASS;
		F.rc_drop = XDP_DROP;
		F.rc_tx = XDP_REDIRECT; /* back out of the ingress */
		F.rc_redirect = XDP_REDIRECT;
	} else {
		F.rc_pass = TC_ACT_OK;
		F.rc_drop = TC_ACT_SHOT;
		F.rc_tx = TC_ACT_REDIRECT;
		F.rc_redirect = TC_ACT_REDIRECT;
	}
	atexit(dp_cleanup);
	if (dp_setup()) {
		fprintf(stderr, "%s (%s): fixture setup failed\n", group,
			F.hook);
		return 1;
	}
	snprintf(name, sizeof(name), "%s (%s)", group, F.hook);
	rc = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
	dp_cleanup();
	return rc;
}

int dp_map_count(int fd)
{
	__u8 key[128], next[128];
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

int dp_flow_get(const struct nfc_key *fk, struct nfc_flow *f)
{
	__u64 id = nfc_flow_id(fk);
	struct nfc_slot_hits sh;

	if (bpf_map_lookup_elem(F.flows, &id, f) || !nfc_key_eq(&f->key, fk))
		return -1;
	slot_hits(&sh);
	nfc_slot_hits_flow(&sh, f);
	nfc_slot_hits_free(&sh);
	return 0;
}

/* One entry of per-CPU map @fd summed, as @size bytes of u64s; zeros when
 * there is none. */
static void percpu_sum0(int fd, const void *key, void *out, size_t size)
{
	size_t stride = (size + 7) / 8 * 8, j;
	uint8_t *buf = calloc(F.ncpus, stride);
	int cpu;

	assert_non_null(buf);
	memset(out, 0, size);
	if (!bpf_map_lookup_elem(fd, key, buf))
		for (cpu = 0; cpu < F.ncpus; cpu++)
			for (j = 0; j < size / sizeof(__u64); j++)
				((__u64 *)out)[j] +=
					((__u64 *)(buf + cpu * stride))[j];
	free(buf);
}

void dp_flow_slots_clear(void)
{
	assert_int_equal(slots_empty(F.slots, sizeof(struct nfc_flow_slot)), 0);
	assert_int_equal(slots_empty(F.slot_ext,
				     sizeof(struct nfc_flow_slot_ext)), 0);
}

void dp_flow_epoch_bump(void)
{
	__u32 zero = 0, e;

	assert_int_equal(bpf_map_lookup_elem(F.epoch, &zero, &e), 0);
	e++;
	assert_int_equal(bpf_map_update_elem(F.epoch, &zero, &e, 0), 0);
}

void dp_ep_stats(__u32 ifindex, struct nfc_ep_stats *out)
{
	struct nfc_slot_hits sh;

	percpu_sum0(F.ep_stats, &ifindex, out, sizeof(*out));
	slot_hits(&sh);
	nfc_slot_hits_ep(&sh, ifindex, out);
	nfc_slot_hits_free(&sh);
}

void dp_rule_stats(__u32 node, __u32 policy, struct nfc_rule_stats *out)
{
	struct nfc_rule_key k = { .node = node, .policy = policy };
	struct nfc_slot_hits sh;

	percpu_sum0(F.rule_stats, &k, out, sizeof(*out));
	slot_hits(&sh);
	nfc_slot_hits_rule(&sh, &k, out);
	nfc_slot_hits_free(&sh);
}

void dp_config(const struct nfc_config *cfg)
{
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(F.config, &zero, cfg, 0), 0);
}
