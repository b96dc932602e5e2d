// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * lpm: our LPM tables (bpf/lpm.h, the runtime's nfc_lpm__* API) beside the
 * kernel's BPF_MAP_TYPE_LPM_TRIE, on the same routing tables: IPv4 of 1k,
 * 10k, 100k, 1M and 2M prefixes, IPv6 of 1k, 10k, 100k and 1M. Variants
 * kernel-SIZE and nfc-lpm-SIZE (IPv4), kernel-v6-SIZE and nfc-lpm-v6-SIZE
 * (IPv6). The tables and the addresses looked up are made by lpm_tables.c
 * (seeded: the same in every run and for both structures; its comment
 * gives the length mixes and the placement).
 *
 * Lookups: both walk the same NFB_LPM_KEYS addresses in the same order with
 * the same program around the lookup (lpm_walk.h, under BPF_PROG_TEST_RUN,
 * inside bpf_loop): 90% inside a randomly chosen prefix of the table, 10%
 * uniform over the range the prefixes are spread over. The kernel's
 * lookups are bpf_map_lookup_elem() on the trie (lpm.bpf.c), ours
 * nfc_lpm_lookup4()/6() (lpm_nfc.bpf.c) on a table of a store of our own.
 * A round is 4M kernel lookups (2M at IPv4 1M and 2M and at IPv6 10k and
 * up; --quick: 256k and 128k) and at least 4M of ours (--quick: as many as
 * the kernel's) from the first key, wrapping around the key set; each round
 * runs the walk without lookups (its cost is reported too) and then the
 * walk with lookups, kernel then ours, after one unmeasured walk of each.
 * Figures are medians of NFB_ROUNDS rounds; ns per lookup includes the
 * walk. The programs are held in the XDP dispatcher (nfb_xdp_hold()).
 * Both count the matches and sum the values found (a prefix's value is its
 * index): ours must find exactly what the kernel finds, "matches_kernel" in
 * the params says whether it did (and nfbench says so on stderr if not).
 *
 * Load, `insert`: the kernel trie's whole table in one BPF_MAP_UPDATE_BATCH
 * call (one bpf_map_update_elem() per prefix if the kernel has no batch
 * update for the trie) into an empty trie; ours nfc_lpm__load() of the
 * whole table into a new table of a new store (what a start-up does: the
 * store grows its chunks during the load). CLOCK_MONOTONIC, the median of
 * NFB_ROUNDS rounds each into a fresh trie and a fresh store, interleaved;
 * the lookups and updates then use the last ones.
 *
 * Single updates, after the lookups, into the full table: NFB_LPM_UPDATES
 * samples (--quick: NFB_LPM_QUICK_UPDATES) of each of: add a prefix the
 * table does not hold (drawn from the same mix and placement), replace the
 * value of a prefix it holds, delete one (picked at random among those
 * there, the added ones too: the table stays at n or n + 1 prefixes).
 * Ours nfc_lpm__add()/nfc_lpm__del(), the kernel's bpf_map_update_elem()
 * (BPF_NOEXIST, BPF_EXIST) and bpf_map_delete_elem() on the trie, each
 * timed alone with CLOCK_MONOTONIC, the same sample kernel then ours.
 * Median and p99 in µs are the figures; max, mean and the first sample
 * are in the params (ours: the first change after the load reads the
 * table's prefixes into the process, and a change that finds no free slots
 * of the size it needs waits for a grace period before the store grows).
 *
 * Memory. Kernel, two views: memlock from /proc/self/fdinfo is the
 * kernel's own account of the map (trie_mem_usage(): prefix nodes times
 * node + key + value, no intermediate nodes, no allocator rounding); slab
 * is how much the allocated kmalloc objects in /proc/slabinfo grew across
 * the insert (median over the insert rounds), which counts intermediate
 * nodes and the size class each node is rounded up to, but also whatever
 * else the machine allocated meanwhile. Before the next insert round or
 * size nfbench waits for the kernel's deferred free of the last trie to
 * show there. Ours: `trie` is the nodes and leaves the table's Poptrie uses
 * (nfc_lpm__info() trie_bytes), `records` the table's prefix records (its
 * prefixes as a new process reads them back: prefixes x struct
 * nfc_lpm_rec), `store` the chunk memory the store has committed
 * (nfc_lpm__store_info() bytes: node, leaf and record chunks and the table
 * headers; it grows by whole chunks, so a small table pays for mostly
 * empty ones), with the memlock of every map of the store and what the
 * first change left on this process's heap (the prefix sets a process that
 * changes the table keeps) in its params. bytes_per_prefix: kernel slab /
 * prefixes, ours (trie + records) / prefixes.
 *
 * Goals (issue 8), in the params of ours: IPv4 at 2M at most 50 ns per
 * lookup and at least 20x faster than the kernel trie; IPv6 at 1M at least
 * 5x faster; every single update at most 50 µs median; 2M loaded in at most
 * 2 s; memory per prefix at most the kernel trie's slab figure. "goal_*"
 * holds the target, "goal_met" (or "goal_ns_met", "goal_speedup_met")
 * whether it was met; x_kernel is our figure over the kernel's.
 *
 * Our stores live in a bpffs of nfbench's own, mounted in a private mount
 * namespace (gone with the process however it ends), unmounted and its
 * directories removed when the scenario ends.
 *
 * --quick: IPv4 up to 1M (inserted once), IPv6 up to 100k, fewer lookups
 * and update samples; the 2M and IPv6 1M tables only in the full run.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nfbench.h"
#include "nfc_shared.h"
#include "lpm_tables.h"
#include "lpm.xdp.skel.h"
#include "lpm_nfc.xdp.skel.h"

#define NFB_LPM_KEY_BLOCK 64             /* bytes per element of the key map */
#define NFB_LPM_WALK 16384               /* lookups per BPF_PROG_TEST_RUN run */
#define NFB_LPM_ERRNO_ENOTSUPP 524       /* the kernel's "no batch op" */
#define NFB_LPM_SLAB_SLACK (256 << 10)   /* what else the kernel may hold */
#define NFB_LPM_TABLE 1                  /* our table's id in its store */
#define NFB_LPM_UPDATES 8192             /* update samples of each kind */
#define NFB_LPM_QUICK_UPDATES 1024
#define NFB_LPM_UPDATE_SEED 0x7570646174657321ULL
#define NFB_LPM_NFC_ITERATIONS (1u << 22) /* our lookups per round, at least */

/* The goals of issue 8. */
#define NFB_LPM_GOAL_NS4 50.0            /* IPv4, 2M: ns per lookup */
#define NFB_LPM_GOAL_X4 20.0             /* IPv4, 2M: times faster */
#define NFB_LPM_GOAL_X6 5.0              /* IPv6, 1M: times faster */
#define NFB_LPM_GOAL_UPDATE_US 50.0      /* median of a single update */
#define NFB_LPM_GOAL_LOAD_S 2.0          /* IPv4, 2M: nfc_lpm__load() */
#define NFB_LPM_GOAL_N4 2000000
#define NFB_LPM_GOAL_N6 1000000

/* Kernel lookups per round: enough that a round lasts well over 100 ms, as
 * shorter ones scatter by 20% on this machine. --quick inserts 1M prefixes
 * once and leaves 2M and IPv6 1M out (quick_iterations 0): their inserts
 * alone take seconds. */
static const struct lpm_size {
	int family;
	__u32 n;
	const char *name;
	__u32 iterations, quick_iterations, quick_insert_rounds;
} lpm_sizes[] = {
	{ AF_INET, 1000, "1k", 1u << 22, 1u << 18, NFB_ROUNDS },
	{ AF_INET, 10000, "10k", 1u << 22, 1u << 18, NFB_ROUNDS },
	{ AF_INET, 100000, "100k", 1u << 22, 1u << 18, NFB_ROUNDS },
	{ AF_INET, 1000000, "1M", 1u << 21, 1u << 17, 1 },
	{ AF_INET, 2000000, "2M", 1u << 21, 0, 0 },
	{ AF_INET6, 1000, "1k", 1u << 22, 1u << 18, NFB_ROUNDS },
	{ AF_INET6, 10000, "10k", 1u << 21, 1u << 17, NFB_ROUNDS },
	{ AF_INET6, 100000, "100k", 1u << 21, 1u << 17, NFB_ROUNDS },
	{ AF_INET6, 1000000, "1M", 1u << 21, 0, 0 },
};

/* The private bpffs our stores are pinned in. */
struct lpm_env {
	struct bench *b;
	char mnt[96];
	int stores;              /* made so far: names the next one */
	bool mounted;
};

/* One store with one table, NFB_LPM_TABLE. */
struct lpm_store {
	char root[160];
	char state[160];
	struct nfc_handle *h;
	struct nfc_lpm *l;
};

/* The programs of one variant and the globals they count in. */
struct lpm_progs {
	struct bpf_program *lookup, *walk;
	__u32 *cursor;
	__u64 *hits, *values;
	int held[2];            /* nfb_xdp_hold() handles */
};

struct lpm_lookups {
	__u32 iterations;
	double ns, min, max, walk_ns, hit_ratio;
	__u64 hits, values;      /* of the last round */
};

struct lpm_lat {
	double med, p99, max, mean;  /* µs */
	double first;           /* the first sample (of add: the first change
				   after the load) */
};

enum lpm_op { LPM_ADD, LPM_REPLACE, LPM_DEL, LPM_OPS };

static const char *const lpm_op_name[LPM_OPS] = { "add", "replace", "delete" };

struct lpm_kernel {
	struct lpm_xdp *skel;
	int fd;                  /* the trie under test */
	struct lpm_progs progs;
	struct lpm_lookups lk;
	__u32 rounds;
	double insert_s[NFB_ROUNDS], slab_kib[NFB_ROUNDS];
	double insert_med, slab_med;
	const char *insert_how;
	long long memlock;
	struct lpm_lat up[LPM_OPS];
};

struct lpm_ours {
	struct lpm_store st;
	struct lpm_nfc_xdp *skel;
	struct lpm_progs progs;
	struct lpm_lookups lk;
	double load_s[NFB_ROUNDS], load_med;
	struct nfc_lpm_info info;
	struct nfc_lpm_store_info si;
	long long all_memlock;  /* every map of the store */
	long long heap;         /* what the first change left on this process's heap */
	bool agree;
	struct lpm_lat up[LPM_OPS];
};

static double lpm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t lpm_kkey_size(int family)
{
	return sizeof(__u32) + lpm_addr_size(family);
}

/* The kernel trie's key of @p: struct bpf_lpm_trie_key_u8. */
static void lpm_kkey(const struct nfc_lpm_prefix *p, void *key)
{
	__u32 len = p->len;

	memcpy(key, &len, sizeof(len));
	memcpy((__u8 *)key + sizeof(len), p->addr, lpm_addr_size(p->family));
}

/* Bytes in allocated kmalloc objects, where the trie's nodes come from:
 * active objects times object size, summed over the kmalloc caches of
 * /proc/slabinfo, or -errno. Unlike the slab pages in /proc/meminfo it
 * grows when objects are handed out from pages the slabs already hold. */
static long long lpm_slab_bytes(void)
{
	long long active, size, sum = 0;
	char line[512], name[64];
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld %*d %lld", name, &active, &size) == 3 &&
		    !strncmp(name, "kmalloc-", 8))
			sum += active * size;
	fclose(f);
	return sum;
}

/* A map's type and memlock from /proc/self/fdinfo; -errno. */
static int lpm_fdinfo(int fd, __u32 *type, __u32 *max_entries,
		      long long *memlock)
{
	char path[64], line[128];
	int got = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		got += sscanf(line, "map_type: %u", type) == 1;
		got += sscanf(line, "max_entries: %u", max_entries) == 1;
		got += sscanf(line, "memlock: %lld", memlock) == 1;
	}
	fclose(f);
	return got == 3 ? 0 : -ENOENT;
}

static long long lpm_memlock(int fd)
{
	__u32 type, max;
	long long v;
	int r = lpm_fdinfo(fd, &type, &max, &v);

	return r ? r : v;
}

/* What this process has allocated with malloc(). */
static long long lpm_heap_bytes(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

/* ---- the private bpffs and our stores ---- */

/* Removes @path and what is under it, pins included. */
static void lpm_rmtree(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(path);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			lpm_rmtree(sub);
		else
			unlink(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static int lpm_env_init(struct lpm_env *env, struct bench *b)
{
	memset(env, 0, sizeof(*env));
	env->b = b;
	snprintf(env->mnt, sizeof(env->mnt), "%s/lpm-bpffs", b->workdir);
	/* a mount namespace of our own: the bpffs goes with the process */
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "nfbench: lpm: a private mount namespace: %s\n",
			strerror(errno));
		return -errno;
	}
	if (mkdir(env->mnt, 0700) && errno != EEXIST) {
		fprintf(stderr, "nfbench: lpm: %s: %s\n", env->mnt, strerror(errno));
		return -errno;
	}
	if (mount("bpf", env->mnt, "bpf", 0, NULL)) {
		fprintf(stderr, "nfbench: lpm: mount -t bpf %s: %s\n", env->mnt,
			strerror(errno));
		rmdir(env->mnt);
		return -errno;
	}
	env->mounted = true;
	return 0;
}

static void lpm_env_fini(struct lpm_env *env)
{
	if (!env->mounted)
		return;
	lpm_rmtree(env->mnt);
	if (umount2(env->mnt, MNT_DETACH))
		fprintf(stderr, "nfbench: lpm: umount %s: %s\n", env->mnt,
			strerror(errno));
	rmdir(env->mnt);
	env->mounted = false;
}

static void lpm_store_close(struct lpm_store *s)
{
	if (!s->root[0])
		return;
	nfc_lpm__close(s->l);
	nfc_close(s->h);
	lpm_rmtree(s->root);
	lpm_rmtree(s->state);
	memset(s, 0, sizeof(*s));
}

/* A new store with an empty table NFB_LPM_TABLE of @t's family that takes
 * the table and one prefix more. */
static int lpm_store_open(struct lpm_env *env, const struct lpm_table *t,
			  struct lpm_store *s)
{
	NFC_OPTS(nfc_lpm_create_opts, co, .capacity = t->n + 1);
	struct nfc_err err = {};
	int r;

	memset(s, 0, sizeof(*s));
	snprintf(s->root, sizeof(s->root), "%s/s%d", env->mnt, env->stores);
	snprintf(s->state, sizeof(s->state), "%s/lpm-state-%d",
		 env->b->workdir, env->stores++);
	NFC_OPTS(nfc_open_opts, oo, .bpffs = s->root, .state = s->state,
		 .lock = true, .no_catalog = true);
	r = nfc_open(&s->h, &oo, &err);
	r = r ?: nfc_lpm__open(s->h, &s->l, &err);
	r = r ?: nfc_lpm__create(s->l, NFB_LPM_TABLE, t->family, &co, &err);
	if (r) {
		nfb_print_err(&err);
		fprintf(stderr, "nfbench: lpm: a store at %s: %s\n", s->root,
			strerror(-r));
		lpm_store_close(s);
	}
	return r;
}

/* Memlock of every map of the store under @dir, the chunks through the
 * arrays of maps that hold them, into *all. */
static int lpm_store_memlock(const char *dir, long long *all)
{
	char path[PATH_MAX];
	struct dirent *e;
	long long m, im;
	__u32 type, max, i, id, it, imax;
	int r = 0, fd, ifd;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while (!r && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			r = lpm_store_memlock(path, all);
			continue;
		}
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;       /* not a map */
		if (lpm_fdinfo(fd, &type, &max, &m)) {
			close(fd);
			continue;
		}
		*all += m;
		for (i = 0; type == BPF_MAP_TYPE_ARRAY_OF_MAPS && i < max; i++) {
			if (bpf_map_lookup_elem(fd, &i, &id))
				continue;
			ifd = bpf_map_get_fd_by_id(id);
			if (ifd < 0)
				continue;
			if (!lpm_fdinfo(ifd, &it, &imax, &im))
				*all += im;
			close(ifd);
		}
		close(fd);
	}
	closedir(d);
	return r;
}

/* The programs of a variant held in the XDP dispatcher (nfb_xdp_hold()):
 * each BPF_PROG_TEST_RUN call of one that is not would rebuild it twice. */
static int lpm_progs_hold(struct lpm_progs *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		p->held[i] = nfb_xdp_hold(bpf_program__fd(i ? p->walk : p->lookup));
		if (p->held[i] < 0) {
			fprintf(stderr, "nfbench: lpm: holding a program in the XDP dispatcher: %s\n",
				strerror(-p->held[i]));
			return p->held[i];
		}
	}
	return 0;
}

static void lpm_progs_release(struct lpm_progs *p)
{
	nfb_xdp_release(p->held[0]);
	nfb_xdp_release(p->held[1]);
	p->held[0] = p->held[1] = 0;
}

/* ---- the kernel trie ---- */

/* One timed insert of the whole table, and how much the slabs grew. */
static int lpm_insert(int fd, const struct lpm_table *t, const void *kkeys,
		      struct lpm_kernel *k, int round)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	size_t ks = lpm_kkey_size(t->family);
	__u32 *val = malloc(t->n * sizeof(*val)), count = t->n, i;
	long long slab0;
	double t0;
	int r;

	if (!val)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		val[i] = t->pfx[i].value;
	slab0 = lpm_slab_bytes();
	t0 = lpm_now();
	k->insert_how = "BPF_MAP_UPDATE_BATCH, one call";
	r = bpf_map_update_batch(fd, kkeys, val, &count, &o);
	if (!r && count != t->n)
		r = -EIO;
	if ((r == -EINVAL || r == -NFB_LPM_ERRNO_ENOTSUPP) && !count) {
		k->insert_how = "bpf_map_update_elem per prefix";
		for (i = 0, r = 0; i < t->n && !r; i++)
			r = bpf_map_update_elem(fd, (const __u8 *)kkeys + i * ks,
						&val[i], BPF_NOEXIST);
	}
	k->insert_s[round] = lpm_now() - t0;
	k->slab_kib[round] = (lpm_slab_bytes() - slab0) / 1024.0;
	free(val);
	if (r)
		fprintf(stderr, "nfbench: lpm: kernel trie: inserting %u prefixes: %s\n",
			t->n, strerror(-r));
	return r;
}

/* Wait (up to 5 s) until the kernel has given back what the last map took:
 * its free runs deferred, and the next size's slab figure must not see it. */
static void lpm_wait_freed(long long before, double grown_kib)
{
	long long slack = NFB_LPM_SLAB_SLACK + grown_kib * 1024 / 16;
	int i;

	for (i = 0; i < 100 && lpm_slab_bytes() > before + slack; i++)
		usleep(50000);
	if (i == 100)
		fprintf(stderr, "nfbench: lpm: slab objects still %lld KiB above their level before the last table\n",
			(lpm_slab_bytes() - before) / 1024);
}

/* An insert round into a trie made like the skeleton's and dropped at once:
 * the rounds the map under lookup does not need. */
static int lpm_insert_spare(const struct lpm_table *t, const void *kkeys,
			    struct lpm_kernel *k, int round)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	long long before = lpm_slab_bytes();
	int fd, r;

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "nfb_lpm_spare",
			    lpm_kkey_size(t->family), sizeof(__u32), t->n + 1, &o);
	if (fd < 0)
		return fd;
	r = lpm_insert(fd, t, kkeys, k, round);
	close(fd);
	lpm_wait_freed(before, k->slab_kib[round]);
	return r;
}

static int lpm_fill_keys(int fd, const void *keys, size_t size)
{
	__u32 blk;
	int r;

	for (blk = 0; blk < NFB_LPM_KEYS * size / NFB_LPM_KEY_BLOCK; blk++) {
		r = bpf_map_update_elem(fd, &blk,
					(const __u8 *)keys + blk * NFB_LPM_KEY_BLOCK, 0);
		if (r)
			return r;
	}
	return 0;
}

/* The skeleton with the trie under test filled (the last insert round). */
static int lpm_kernel_open(const struct lpm_table *t, const void *keys,
			   const void *kkeys, struct lpm_kernel *k)
{
	bool v6 = t->family == AF_INET6;
	size_t size = lpm_addr_size(t->family);
	int r;

	k->skel = lpm_xdp__open();
	if (!k->skel)
		return -errno;
	k->skel->rodata->walk_len = NFB_LPM_WALK;
	k->skel->rodata->key_mask = NFB_LPM_KEYS - 1;
	r = bpf_map__set_max_entries(k->skel->maps.lpm, v6 ? 1 : t->n + 1);
	r = r ?: bpf_map__set_max_entries(k->skel->maps.lpm6, v6 ? t->n + 1 : 1);
	r = r ?: bpf_map__set_max_entries(k->skel->maps.keys,
					  NFB_LPM_KEYS * size / NFB_LPM_KEY_BLOCK);
	r = r ?: lpm_xdp__load(k->skel);
	r = r ?: lpm_fill_keys(bpf_map__fd(k->skel->maps.keys), keys, size);
	if (r)
		return r;
	k->fd = bpf_map__fd(v6 ? k->skel->maps.lpm6 : k->skel->maps.lpm);
	r = lpm_insert(k->fd, t, kkeys, k, k->rounds - 1);
	if (r)
		return r;
	k->insert_med = nfb_median(k->insert_s, k->rounds);
	k->slab_med = nfb_median(k->slab_kib, k->rounds);
	k->memlock = lpm_memlock(k->fd);
	k->progs = (struct lpm_progs){
		.lookup = v6 ? k->skel->progs.nfb_lpm6 : k->skel->progs.nfb_lpm4,
		.walk = v6 ? k->skel->progs.nfb_walk6 : k->skel->progs.nfb_walk4,
		.cursor = &k->skel->bss->cursor,
		.hits = &k->skel->bss->hits,
		.values = &k->skel->bss->values,
	};
	return lpm_progs_hold(&k->progs);
}

/* ---- ours ---- */

/* One timed nfc_lpm__load() of the whole table into a new store; the last
 * round's store is kept in o->st. */
static int lpm_load(struct lpm_env *env, const struct lpm_table *t,
		    struct lpm_ours *o, int round, bool keep)
{
	struct nfc_err err = {};
	struct lpm_store st;
	double t0;
	int r;

	r = lpm_store_open(env, t, &st);
	if (r)
		return r;
	t0 = lpm_now();
	r = nfc_lpm__load(st.l, NFB_LPM_TABLE, t->pfx, t->n, &err);
	o->load_s[round] = lpm_now() - t0;
	if (r) {
		nfb_print_err(&err);
		fprintf(stderr, "nfbench: lpm: nfc_lpm__load of %u prefixes: %s\n",
			t->n, strerror(-r));
	}
	if (r || !keep) {
		lpm_store_close(&st);
		return r;
	}
	o->st = st;
	return 0;
}

/* The last load round, kept, with the program over its store. */
static int lpm_ours_open(struct lpm_env *env, const struct lpm_table *t,
			 const void *keys, struct lpm_ours *o, __u32 rounds)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	bool v6 = t->family == AF_INET6;
	size_t size = lpm_addr_size(t->family);
	char maps[200];
	int r;

	r = lpm_load(env, t, o, rounds - 1, true);
	if (r)
		return r;
	o->load_med = nfb_median(o->load_s, rounds);
	r = nfc_lpm__info(o->st.l, NFB_LPM_TABLE, &o->info);
	if (r)
		return r;
	nfc_lpm__store_info(o->st.l, &o->si);
	r = lpm_store_memlock(o->st.root, &o->all_memlock);
	if (r)
		return r;
	snprintf(maps, sizeof(maps), "%s/maps", o->st.root);
	oo.pin_root_path = maps;
	o->skel = lpm_nfc_xdp__open_opts(&oo);
	if (!o->skel)
		return -errno;
	o->skel->rodata->walk_len = NFB_LPM_WALK;
	o->skel->rodata->key_mask = NFB_LPM_KEYS - 1;
	o->skel->rodata->table = NFB_LPM_TABLE;
	r = bpf_map__set_max_entries(o->skel->maps.keys,
				     NFB_LPM_KEYS * size / NFB_LPM_KEY_BLOCK);
	r = r ?: lpm_nfc_xdp__load(o->skel);
	r = r ?: lpm_fill_keys(bpf_map__fd(o->skel->maps.keys), keys, size);
	if (r)
		return r;
	o->progs = (struct lpm_progs){
		.lookup = v6 ? o->skel->progs.nfb_lpm6 : o->skel->progs.nfb_lpm4,
		.walk = v6 ? o->skel->progs.nfb_walk6 : o->skel->progs.nfb_walk4,
		.cursor = &o->skel->bss->cursor,
		.hits = &o->skel->bss->hits,
		.values = &o->skel->bss->values,
	};
	return lpm_progs_hold(&o->progs);
}

/* ---- lookups ---- */

/* ns per iteration of one walk of @iterations keys from the first one. */
static int lpm_walk_ns(const struct lpm_progs *p, struct bpf_program *prog,
		       __u32 iterations, double *ns)
{
	__u8 frame[64];
	int r;

	nfb_udp_frame(frame, sizeof(frame), 1);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = sizeof(frame),
		    .repeat = iterations / NFB_LPM_WALK);
	*p->cursor = 0;
	*p->hits = 0;
	*p->values = 0;
	r = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);
	if (r)
		return r;
	*ns = (double)o.duration / NFB_LPM_WALK;
	return 0;
}

/* One round of a variant: the walk alone, then with lookups. */
static int lpm_round(const struct lpm_progs *p, struct lpm_lookups *lk,
		     double *walk, double *lookup)
{
	int r;

	r = lpm_walk_ns(p, p->walk, lk->iterations, walk);
	r = r ?: lpm_walk_ns(p, p->lookup, lk->iterations, lookup);
	if (r)
		return r;
	lk->hits = *p->hits;
	lk->values = *p->values;
	lk->hit_ratio = (double)lk->hits / lk->iterations;
	return 0;
}

static void lpm_lookups_done(struct lpm_lookups *lk, double *walk,
			     double *lookup)
{
	lk->walk_ns = nfb_median(walk, NFB_ROUNDS);
	lk->ns = nfb_median(lookup, NFB_ROUNDS);
	lk->min = lookup[0];
	lk->max = lookup[NFB_ROUNDS - 1];
}

static int lpm_lookups(struct lpm_kernel *k, struct lpm_ours *o)
{
	double kw[NFB_ROUNDS], kl[NFB_ROUNDS], ow[NFB_ROUNDS], ol[NFB_ROUNDS], x;
	__u32 m;
	int rep, r;

	/* one unmeasured walk so every round starts from the same caches */
	r = lpm_walk_ns(&k->progs, k->progs.lookup, k->lk.iterations, &x);
	r = r ?: lpm_walk_ns(&o->progs, o->progs.lookup, o->lk.iterations, &x);
	for (rep = 0; rep < NFB_ROUNDS && !r; rep++) {
		r = lpm_round(&k->progs, &k->lk, &kw[rep], &kl[rep]);
		r = r ?: lpm_round(&o->progs, &o->lk, &ow[rep], &ol[rep]);
	}
	if (r)
		return r;
	lpm_lookups_done(&k->lk, kw, kl);
	lpm_lookups_done(&o->lk, ow, ol);
	/* whole passes over the key set, or the same number of lookups */
	m = o->lk.iterations / k->lk.iterations;
	o->agree = o->lk.hits == k->lk.hits * m &&
		   o->lk.values == k->lk.values * m;
	return 0;
}

/* ---- single updates ---- */

static int lpm_lat_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct lpm_lat lpm_lat_of(double *v, __u32 n)
{
	struct lpm_lat l = { .first = v[0] };
	__u32 i;

	qsort(v, n, sizeof(*v), lpm_lat_cmp);
	for (i = 0; i < n; i++)
		l.mean += v[i] / n;
	l.med = v[n / 2];
	l.p99 = v[(__u64)n * 99 / 100];
	l.max = v[n - 1];
	return l;
}

/* One change to ours and the same to the kernel trie, each timed in µs. */
static int lpm_update_one(struct lpm_kernel *k, struct lpm_ours *o,
			  enum lpm_op op,
			  const struct nfc_lpm_prefix *p, double *ours,
			  double *kernel)
{
	static const int kflags[] = { [LPM_ADD] = BPF_NOEXIST,
				      [LPM_REPLACE] = BPF_EXIST };
	static const int oflags[] = { [LPM_ADD] = NFC_LPM_NOEXIST,
				      [LPM_REPLACE] = NFC_LPM_EXIST };
	struct nfc_err err = {};
	__u8 key[sizeof(__u32) + 16];
	double t0;
	int r;

	lpm_kkey(p, key);
	t0 = lpm_now();
	if (op == LPM_DEL)
		r = bpf_map_delete_elem(k->fd, key);
	else
		r = bpf_map_update_elem(k->fd, key, &p->value, kflags[op]);
	*kernel = (lpm_now() - t0) * 1e6;
	if (r) {
		fprintf(stderr, "nfbench: lpm: kernel trie: %s: %s\n",
			lpm_op_name[op], strerror(-r));
		return r;
	}
	t0 = lpm_now();
	if (op == LPM_DEL)
		r = nfc_lpm__del(o->st.l, NFB_LPM_TABLE, p, &err);
	else
		r = nfc_lpm__add(o->st.l, NFB_LPM_TABLE, p, oflags[op], &err);
	*ours = (lpm_now() - t0) * 1e6;
	if (r) {
		nfb_print_err(&err);
		fprintf(stderr, "nfbench: lpm: nfc_lpm__%s: %s\n",
			op == LPM_DEL ? "del" : "add", strerror(-r));
	}
	return r;
}

/*
 * @samples rounds of: add spare prefix i, replace the value of a prefix
 * the table holds, delete one. The prefixes there are live[0 .. nlive).
 */
static int lpm_updates(const struct lpm_table *t, struct lpm_kernel *k,
		       struct lpm_ours *o, __u32 samples)
{
	__u32 *live = malloc((size_t)(t->n + samples) * sizeof(*live));
	double *lat[2][LPM_OPS] = {};
	__u64 seed = NFB_LPM_UPDATE_SEED ^ t->n ^ t->family;
	struct nfc_lpm_prefix p;
	__u32 i, j, nlive = t->n;
	int r = -ENOMEM, op, v;
	bool ok = live;

	for (v = 0; v < 2; v++) {
		for (op = 0; op < LPM_OPS; op++) {
			lat[v][op] = malloc(samples * sizeof(double));
			ok = ok && lat[v][op];
		}
	}
	if (!ok)
		goto out;
	for (i = 0; i < t->n; i++)
		live[i] = i;
	o->heap = lpm_heap_bytes();
	for (i = 0, r = 0; i < samples && !r; i++) {
		r = lpm_update_one(k, o, LPM_ADD, &t->pfx[t->n + i],
				   &lat[0][LPM_ADD][i], &lat[1][LPM_ADD][i]);
		if (!i)
			o->heap = lpm_heap_bytes() - o->heap;
		live[nlive++] = t->n + i;
		p = t->pfx[live[lpm_rnd(&seed) % nlive]];
		p.value = t->n + samples + i;
		r = r ?: lpm_update_one(k, o, LPM_REPLACE, &p,
					&lat[0][LPM_REPLACE][i],
					&lat[1][LPM_REPLACE][i]);
		j = lpm_rnd(&seed) % nlive;
		p = t->pfx[live[j]];
		live[j] = live[--nlive];
		r = r ?: lpm_update_one(k, o, LPM_DEL, &p, &lat[0][LPM_DEL][i],
					&lat[1][LPM_DEL][i]);
	}
	for (op = 0; op < LPM_OPS && !r; op++) {
		o->up[op] = lpm_lat_of(lat[0][op], samples);
		k->up[op] = lpm_lat_of(lat[1][op], samples);
	}
out:
	for (v = 0; v < 2; v++)
		for (op = 0; op < LPM_OPS; op++)
			free(lat[v][op]);
	free(live);
	return r;
}

/* ---- one size ---- */

static void *lpm_kkeys(const struct lpm_table *t)
{
	size_t ks = lpm_kkey_size(t->family);
	__u8 *k = malloc(t->n * ks);
	__u32 i;

	for (i = 0; k && i < t->n; i++)
		lpm_kkey(&t->pfx[i], k + i * ks);
	return k;
}

static int lpm_measure(struct lpm_env *env, const struct lpm_table *t,
		       __u32 samples, struct lpm_kernel *k, struct lpm_ours *o)
{
	void *keys = lpm_keys_gen(t), *kkeys = lpm_kkeys(t);
	__u32 rep;
	int r = -ENOMEM;

	if (!keys || !kkeys)
		goto out;
	for (rep = 0, r = 0; rep < k->rounds - 1 && !r; rep++) {
		r = lpm_insert_spare(t, kkeys, k, rep);
		r = r ?: lpm_load(env, t, o, rep, false);
	}
	r = r ?: lpm_kernel_open(t, keys, kkeys, k);
	r = r ?: lpm_ours_open(env, t, keys, o, k->rounds);
	free(keys);
	free(kkeys);
	keys = kkeys = NULL;
	r = r ?: lpm_lookups(k, o);
	r = r ?: lpm_updates(t, k, o, samples);
out:
	lpm_progs_release(&k->progs);
	lpm_progs_release(&o->progs);
	lpm_xdp__destroy(k->skel);
	lpm_nfc_xdp__destroy(o->skel);
	k->skel = NULL;
	o->skel = NULL;
	lpm_store_close(&o->st);
	free(keys);
	free(kkeys);
	return r;
}

/* ---- figures ---- */

static const char *lpm_fam_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* What every figure of one variant carries: the table and the series. */
static json_object *lpm_params(const struct lpm_table *t, bool ours)
{
	json_object *p = lpm_table_params(t);
	char series[64];

	snprintf(series, sizeof(series), "%s, %s",
		 ours ? "nfc_lpm (Poptrie)" : "kernel LPM trie",
		 lpm_fam_name(t->family));
	json_object_object_add(p, "key", json_object_new_string(
		ours ? "struct nfc_lpm_prefix, value __u32" :
		t->family == AF_INET6 ? "{__u32 prefixlen; __u8 addr[16]}, value __u32" :
					"{__u32 prefixlen; __u8 addr[4]}, value __u32"));
	json_object_object_add(p, "x", json_object_new_double(t->n));
	json_object_object_add(p, "x_label", json_object_new_string("prefixes"));
	json_object_object_add(p, "series", json_object_new_string(series));
	return p;
}

static void lpm_add_d(json_object *p, const char *k, double v)
{
	json_object_object_add(p, k, json_object_new_double(v));
}

static void lpm_add_b(json_object *p, const char *k, bool v)
{
	json_object_object_add(p, k, json_object_new_boolean(v));
}

static json_object *lpm_lookup_params(const struct lpm_table *t, bool ours,
				      const struct lpm_lookups *lk)
{
	json_object *p = lpm_params(t, ours);

	json_object_object_add(p, "keys", json_object_new_int64(NFB_LPM_KEYS));
	json_object_object_add(p, "keys_in_a_prefix_pct", json_object_new_int(NFB_LPM_HIT_PCT));
	lpm_add_d(p, "hit_ratio", lk->hit_ratio);
	json_object_object_add(p, "iterations", json_object_new_int64(lk->iterations));
	json_object_object_add(p, "lookups_per_run", json_object_new_int(NFB_LPM_WALK));
	json_object_object_add(p, "repeat", json_object_new_int64(lk->iterations / NFB_LPM_WALK));
	json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
	lpm_add_d(p, "lookup_min_ns", lk->min);
	lpm_add_d(p, "lookup_max_ns", lk->max);
	lpm_add_d(p, "walk_ns", lk->walk_ns);
	lpm_add_d(p, "net_ns", lk->ns - lk->walk_ns);
	return p;
}

static void lpm_emit_lookups(struct bench *b, const char *variant,
			     const struct lpm_table *t, bool ours,
			     const struct lpm_lookups *lk,
			     const struct lpm_kernel *k, bool agree)
{
	json_object *p = lpm_lookup_params(t, ours, lk);
	double speedup;

	if (ours) {
		speedup = k->lk.ns / lk->ns;
		lpm_add_d(p, "x_kernel", lk->ns / k->lk.ns);
		lpm_add_d(p, "speedup", speedup);
		lpm_add_d(p, "net_speedup", (k->lk.ns - k->lk.walk_ns) /
						   (lk->ns - lk->walk_ns));
		lpm_add_b(p, "matches_kernel", agree);
		if (t->family == AF_INET && t->n == NFB_LPM_GOAL_N4) {
			lpm_add_d(p, "goal_ns", NFB_LPM_GOAL_NS4);
			lpm_add_b(p, "goal_ns_met", lk->ns <= NFB_LPM_GOAL_NS4);
			lpm_add_d(p, "goal_speedup", NFB_LPM_GOAL_X4);
			lpm_add_b(p, "goal_speedup_met", speedup >= NFB_LPM_GOAL_X4);
		}
		if (t->family == AF_INET6 && t->n == NFB_LPM_GOAL_N6) {
			lpm_add_d(p, "goal_speedup", NFB_LPM_GOAL_X6);
			lpm_add_b(p, "goal_speedup_met", speedup >= NFB_LPM_GOAL_X6);
		}
	}
	nfb_emit(b, "lpm", variant, "lookup", lk->ns, "ns", p);
	nfb_emit(b, "lpm", variant, "walk_without_lookup", lk->walk_ns, "ns",
		 lpm_lookup_params(t, ours, lk));
	nfb_emit(b, "lpm", variant, "hit_ratio", 100 * lk->hit_ratio, "%",
		 lpm_lookup_params(t, ours, lk));
}

static void lpm_emit_insert(struct bench *b, const char *variant,
			    const struct lpm_table *t, bool ours,
			    const double *s, double med, __u32 rounds,
			    const char *how, const struct lpm_kernel *k)
{
	json_object *p[2];
	int i;

	for (i = 0; i < 2; i++) {
		p[i] = lpm_params(t, ours);
		json_object_object_add(p[i], "method", json_object_new_string(how));
		json_object_object_add(p[i], "rounds", json_object_new_int(rounds));
		lpm_add_d(p[i], "insert_min_s", s[0]);
		lpm_add_d(p[i], "insert_max_s", s[rounds - 1]);
		if (ours)
			lpm_add_d(p[i], "x_kernel", med / k->insert_med);
	}
	if (ours && t->family == AF_INET && t->n == NFB_LPM_GOAL_N4) {
		lpm_add_d(p[0], "goal_s", NFB_LPM_GOAL_LOAD_S);
		lpm_add_b(p[0], "goal_met", med <= NFB_LPM_GOAL_LOAD_S);
	}
	nfb_emit(b, "lpm", variant, "insert", med, "s", p[0]);
	nfb_emit(b, "lpm", variant, "insert_per_prefix", med * 1e9 / t->n, "ns", p[1]);
}

static void lpm_emit_updates(struct bench *b, const char *variant,
			     const struct lpm_table *t, bool ours,
			     const struct lpm_lat *up, __u32 samples,
			     const struct lpm_kernel *k)
{
	static const char *const how[2][LPM_OPS] = {
		{ "bpf_map_update_elem(BPF_NOEXIST) of a prefix not in the trie",
		  "bpf_map_update_elem(BPF_EXIST) of a prefix in the trie, a new value",
		  "bpf_map_delete_elem() of a prefix in the trie" },
		{ "nfc_lpm__add(NFC_LPM_NOEXIST) of a prefix not in the table",
		  "nfc_lpm__add(NFC_LPM_EXIST) of a prefix in the table, a new value",
		  "nfc_lpm__del() of a prefix in the table" },
	};
	char metric[32];
	json_object *p[2];
	int op, i;

	for (op = 0; op < LPM_OPS; op++) {
		for (i = 0; i < 2; i++) {
			p[i] = lpm_params(t, ours);
			json_object_object_add(p[i], "method",
					       json_object_new_string(how[ours][op]));
			json_object_object_add(p[i], "samples", json_object_new_int64(samples));
			lpm_add_d(p[i], "median_us", up[op].med);
			lpm_add_d(p[i], "p99_us", up[op].p99);
			lpm_add_d(p[i], "max_us", up[op].max);
			lpm_add_d(p[i], "mean_us", up[op].mean);
			lpm_add_d(p[i], "first_us", up[op].first);
		}
		if (ours) {
			lpm_add_d(p[0], "x_kernel", up[op].med / k->up[op].med);
			lpm_add_d(p[1], "x_kernel", up[op].p99 / k->up[op].p99);
			lpm_add_d(p[0], "goal_us", NFB_LPM_GOAL_UPDATE_US);
			lpm_add_b(p[0], "goal_met", up[op].med <= NFB_LPM_GOAL_UPDATE_US);
		}
		snprintf(metric, sizeof(metric), "%s_median", lpm_op_name[op]);
		nfb_emit(b, "lpm", variant, metric, up[op].med, "us", p[0]);
		snprintf(metric, sizeof(metric), "%s_p99", lpm_op_name[op]);
		nfb_emit(b, "lpm", variant, metric, up[op].p99, "us", p[1]);
	}
}

static double lpm_kernel_bpp(const struct lpm_table *t, const struct lpm_kernel *k)
{
	return k->slab_med * 1024.0 / t->n;
}

static void lpm_emit_kernel(struct bench *b, const char *variant,
			    const struct lpm_table *t, const struct lpm_kernel *k,
			    __u32 samples)
{
	json_object *p;

	lpm_emit_lookups(b, variant, t, false, &k->lk, k, true);
	lpm_emit_insert(b, variant, t, false, k->insert_s, k->insert_med,
			k->rounds, k->insert_how, k);
	lpm_emit_updates(b, variant, t, false, k->up, samples, k);
	p = lpm_params(t, false);
	json_object_object_add(p, "source", json_object_new_string(
		"memlock in /proc/self/fdinfo (trie_mem_usage: prefix nodes only)"));
	lpm_add_d(p, "bytes_per_prefix", (double)k->memlock / t->n);
	nfb_emit(b, "lpm", variant, "memlock", k->memlock / 1024.0, "KiB", p);
	p = lpm_params(t, false);
	json_object_object_add(p, "source", json_object_new_string(
		"growth of active objects x object size in /proc/slabinfo across the insert"));
	lpm_add_d(p, "bytes_per_prefix", lpm_kernel_bpp(t, k));
	json_object_object_add(p, "rounds", json_object_new_int(k->rounds));
	nfb_emit(b, "lpm", variant, "slab", k->slab_med, "KiB", p);
	p = lpm_params(t, false);
	json_object_object_add(p, "source", json_object_new_string(
		"slab growth across the insert / prefixes"));
	lpm_add_d(p, "memlock_bytes_per_prefix", (double)k->memlock / t->n);
	nfb_emit(b, "lpm", variant, "bytes_per_prefix", lpm_kernel_bpp(t, k), "B", p);
}

/* The prefix records of the table (what a new process reads back). */
static __u64 lpm_rec_bytes(const struct lpm_ours *o)
{
	return o->info.prefixes * sizeof(struct nfc_lpm_rec);
}

/* Ours per prefix: trie, direct array (IPv4 tables of a million prefixes
 * or more) and records. */
static double lpm_ours_bpp(const struct lpm_ours *o)
{
	return (double)(o->info.trie_bytes + o->info.direct_bytes +
			lpm_rec_bytes(o)) / o->info.prefixes;
}

static void lpm_emit_ours(struct bench *b, const char *variant,
			  const struct lpm_table *t, const struct lpm_ours *o,
			  const struct lpm_kernel *k, __u32 samples)
{
	double bpp = lpm_ours_bpp(o);
	json_object *p;

	lpm_emit_lookups(b, variant, t, true, &o->lk, k, o->agree);
	lpm_emit_insert(b, variant, t, true, o->load_s, o->load_med, k->rounds,
			"nfc_lpm__load() into an empty table of a new store", k);
	lpm_emit_updates(b, variant, t, true, o->up, samples, k);
	p = lpm_params(t, true);
	json_object_object_add(p, "source", json_object_new_string(
		"nfc_lpm__info() trie_bytes: nodes x 24 + leaves x 4"));
	json_object_object_add(p, "nodes", json_object_new_int64(o->info.nodes));
	json_object_object_add(p, "leaves", json_object_new_int64(o->info.leaves));
	lpm_add_d(p, "bytes_per_prefix", (double)o->info.trie_bytes / t->n);
	nfb_emit(b, "lpm", variant, "trie", o->info.trie_bytes / 1024.0, "KiB", p);
	p = lpm_params(t, true);
	json_object_object_add(p, "source", json_object_new_string(
		"prefixes x sizeof(struct nfc_lpm_rec): the table's prefix records in the store's record chunks"));
	lpm_add_d(p, "bytes_per_prefix", (double)lpm_rec_bytes(o) / o->info.prefixes);
	nfb_emit(b, "lpm", variant, "records", lpm_rec_bytes(o) / 1024.0, "KiB", p);
	p = lpm_params(t, true);
	json_object_object_add(p, "source", json_object_new_string(
		"nfc_lpm__info() direct_bytes: the table's direct array of 2^24 entries (IPv4 tables made for a million prefixes or more), 0 when none"));
	lpm_add_d(p, "bytes_per_prefix", (double)o->info.direct_bytes / t->n);
	nfb_emit(b, "lpm", variant, "direct", o->info.direct_bytes / 1024.0, "KiB", p);
	p = lpm_params(t, true);
	json_object_object_add(p, "source", json_object_new_string(
		"nfc_lpm__store_info() bytes: the chunks the store committed"));
	json_object_object_add(p, "node_chunks", json_object_new_int64(o->si.node_chunks));
	json_object_object_add(p, "leaf_chunks", json_object_new_int64(o->si.leaf_chunks));
	json_object_object_add(p, "nodes_used", json_object_new_int64(o->si.nodes_used));
	json_object_object_add(p, "leaves_used", json_object_new_int64(o->si.leaves_used));
	json_object_object_add(p, "node_slots", json_object_new_int64(o->si.node_slots));
	json_object_object_add(p, "leaf_slots", json_object_new_int64(o->si.leaf_slots));
	lpm_add_d(p, "memlock_all_maps_kib", o->all_memlock / 1024.0);
	lpm_add_d(p, "process_heap_kib", o->heap / 1024.0);
	lpm_add_d(p, "bytes_per_prefix", (double)o->si.bytes / t->n);
	nfb_emit(b, "lpm", variant, "store", o->si.bytes / 1024.0, "KiB", p);
	p = lpm_params(t, true);
	json_object_object_add(p, "source", json_object_new_string(
		"(trie_bytes + direct_bytes + prefix records) / prefixes; not counted: the free slots of the store's chunks, and what the process changing the table keeps on its heap (process_heap_bytes_per_prefix)"));
	lpm_add_d(p, "process_heap_bytes_per_prefix", (double)o->heap / t->n);
	lpm_add_d(p, "x_kernel", bpp / lpm_kernel_bpp(t, k));
	lpm_add_d(p, "x_kernel_memlock", bpp / ((double)k->memlock / t->n));
	lpm_add_d(p, "store_bytes_per_prefix", (double)o->si.bytes / t->n);
	lpm_add_d(p, "goal_bytes", lpm_kernel_bpp(t, k));
	lpm_add_b(p, "goal_met", bpp <= lpm_kernel_bpp(t, k));
	nfb_emit(b, "lpm", variant, "bytes_per_prefix", bpp, "B", p);
}

/* ---- the scenario ---- */

static void lpm_goal_line(const struct lpm_size *s, const struct lpm_kernel *k,
			  const struct lpm_ours *o)
{
	double x = k->lk.ns / o->lk.ns, med = 0;
	int op;

	for (op = 0; op < LPM_OPS; op++)
		med = o->up[op].med > med ? o->up[op].med : med;
	fprintf(stderr, "nfbench: lpm: %s %s: %.1f ns per lookup (kernel %.1f: %.1fx)%s, load %.3f s (kernel insert %.3f s), worst update median %.1f us%s, %.1f B per prefix (kernel slab %.1f)%s\n",
		lpm_fam_name(s->family), s->name, o->lk.ns, k->lk.ns, x,
		o->agree ? "" : " LOOKUPS DISAGREE WITH THE KERNEL TRIE",
		o->load_med, k->insert_med, med,
		med <= NFB_LPM_GOAL_UPDATE_US ? "" : " (goal missed)",
		lpm_ours_bpp(o), k->slab_med * 1024.0 / s->n,
		lpm_ours_bpp(o) <= k->slab_med * 1024.0 / s->n ? "" : " (goal missed)");
	if (s->family == AF_INET && s->n == NFB_LPM_GOAL_N4)
		fprintf(stderr, "nfbench: lpm: goals at IPv4 2M: %.1f ns <= %.0f: %s; %.1fx >= %.0fx: %s; load %.2f s <= %.0f s: %s\n",
			o->lk.ns, NFB_LPM_GOAL_NS4,
			o->lk.ns <= NFB_LPM_GOAL_NS4 ? "met" : "MISSED", x,
			NFB_LPM_GOAL_X4, x >= NFB_LPM_GOAL_X4 ? "met" : "MISSED",
			o->load_med, NFB_LPM_GOAL_LOAD_S,
			o->load_med <= NFB_LPM_GOAL_LOAD_S ? "met" : "MISSED");
	if (s->family == AF_INET6 && s->n == NFB_LPM_GOAL_N6)
		fprintf(stderr, "nfbench: lpm: goal at IPv6 1M: %.1fx >= %.0fx: %s\n",
			x, NFB_LPM_GOAL_X6, x >= NFB_LPM_GOAL_X6 ? "met" : "MISSED");
}

static int lpm_size_run(struct lpm_env *env, const struct lpm_size *s)
{
	struct bench *b = env->b;
	__u32 samples = b->quick ? NFB_LPM_QUICK_UPDATES : NFB_LPM_UPDATES;
	bool v6 = s->family == AF_INET6;
	struct lpm_kernel k = {};
	struct lpm_ours o = {};
	struct lpm_table t;
	char variant[32];
	long long before;
	double t0 = lpm_now();
	int r;

	before = lpm_slab_bytes();
	if (before < 0) {
		fprintf(stderr, "nfbench: lpm: /proc/slabinfo: %s\n", strerror(-before));
		return before;
	}
	k.lk.iterations = b->quick ? s->quick_iterations : s->iterations;
	o.lk.iterations = b->quick || k.lk.iterations > NFB_LPM_NFC_ITERATIONS ?
				  k.lk.iterations : NFB_LPM_NFC_ITERATIONS;
	k.rounds = b->quick ? s->quick_insert_rounds : NFB_ROUNDS;
	r = lpm_table_gen(&t, s->family, s->n, samples);
	if (r)
		return r;
	fprintf(stderr, "nfbench: lpm: %s %s prefixes: %u loads of each, %d lookup rounds, %u updates of each kind\n",
		lpm_fam_name(s->family), s->name, k.rounds, NFB_ROUNDS, samples);
	r = lpm_measure(env, &t, samples, &k, &o);
	if (!r) {
		snprintf(variant, sizeof(variant), "kernel-%s%s", v6 ? "v6-" : "", s->name);
		lpm_emit_kernel(b, variant, &t, &k, samples);
		snprintf(variant, sizeof(variant), "nfc-lpm-%s%s", v6 ? "v6-" : "", s->name);
		lpm_emit_ours(b, variant, &t, &o, &k, samples);
		if (!o.agree)
			fprintf(stderr, "nfbench: lpm: %s %s: our lookups found %llu matches summing to %llu in %u lookups, the kernel trie %llu summing to %llu in %u\n",
				lpm_fam_name(s->family), s->name,
				(unsigned long long)o.lk.hits, (unsigned long long)o.lk.values,
				o.lk.iterations, (unsigned long long)k.lk.hits,
				(unsigned long long)k.lk.values, k.lk.iterations);
		lpm_goal_line(s, &k, &o);
	}
	lpm_table_free(&t);
	if (r)
		return r;
	lpm_wait_freed(before, k.slab_med);
	fprintf(stderr, "nfbench: lpm: %s %s prefixes: %.1f s in all\n",
		lpm_fam_name(s->family), s->name, lpm_now() - t0);
	return 0;
}

static int scenario_lpm(struct bench *b)
{
	struct lpm_env env;
	size_t i;
	int r;

	r = lpm_env_init(&env, b);
	for (i = 0; !r && i < sizeof(lpm_sizes) / sizeof(lpm_sizes[0]); i++)
		if (!b->quick || lpm_sizes[i].quick_iterations)
			r = lpm_size_run(&env, &lpm_sizes[i]);
	lpm_env_fini(&env);
	return r;
}

NFB_SCENARIO(lpm, 50, "our LPM tables beside the kernel's LPM trie, 1k..2M IPv4 and 1k..1M IPv6 prefixes: lookup, load, single updates, memory",
	     scenario_lpm)
