// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * lpm: the kernel's BPF_MAP_TYPE_LPM_TRIE holding IPv4 routing tables of
 * 1k, 10k, 100k, 1M and 2M prefixes, the reference our own LPM structures
 * are measured against: ns per lookup, insert time and memory per size.
 *
 * Tables come from a seeded PRNG, so every run and every structure measured
 * later sees the same prefixes, none twice. The length mix, per 100000
 * prefixes, is shaped like a BGP full table plus the more-specifics of an
 * internal one:
 *   /8 2, /9 3, /10 5, /11 10, /12 30, /13 60, /14 110, /15 180 (0.4%),
 *   /16 700, /17 900, /18 1500, /19 2800, /20 4000, /21 4800,
 *   /22 9000, /23 9000 (32.7%), /24 56900 (56.9%),
 *   /25 1500, /26 1500, /27 1400, /28 1300, /29 1200, /30 1200,
 *   /31 400, /32 1500 (10%).
 * A length never fills more than half its address space (there are only 223
 * /8s); what it cannot take goes to /24. Prefixes are spread uniformly over
 * 1.0.0.0-223.255.255.255, half the /25../32 are more-specifics of a
 * generated /24, and the insert order is a seeded shuffle. There is no
 * default route, so misses are possible. The emitted params carry the
 * counts per length actually generated.
 *
 * Lookups: lpm.bpf.c walks NFB_LPM_KEYS addresses in order, 90% of them
 * inside a randomly chosen inserted prefix and 10% uniform over the same
 * unicast range (misses while the table is small; the short prefixes of the
 * 1M and 2M tables cover most of that range); the program counts the
 * matches and the measured hit ratio is reported. A round is 4M lookups
 * (2M for 1M and 2M prefixes; --quick: 256k, 128k for 1M) from the first key,
 * wrapping around the key set; each round runs the walk without lookups
 * (its cost is reported too) and then the walk with lookups, after one
 * unmeasured round. The figures are the median of NFB_ROUNDS rounds; ns
 * per lookup includes the walk, as it will for our own structures.
 *
 * Insert: the whole table in one BPF_MAP_UPDATE_BATCH call (one
 * bpf_map_update_elem() per prefix if the kernel has no batch update for
 * the trie) into an empty trie, timed with CLOCK_MONOTONIC; the median of
 * NFB_ROUNDS fresh tries, the last of which the lookups then use.
 *
 * Memory, two views: memlock from /proc/self/fdinfo is the kernel's own
 * account of the map (trie_mem_usage(): prefix nodes times node + key +
 * value, no intermediate nodes, no allocator rounding); slab is how much
 * the allocated kmalloc objects in /proc/slabinfo grew across the insert
 * (median over the insert rounds), which counts intermediate nodes and the
 * size class each node is rounded up to, but also whatever else the kernel
 * allocated meanwhile. Before the next insert round or size nfbench waits
 * for the kernel's deferred free of the last trie to show there.
 *
 * --quick measures 1k to 1M prefixes with fewer lookups per round and
 * inserts 1M once; 2M prefixes only in the full run.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nfbench.h"
#include "lpm.xdp.skel.h"

#define NFB_LPM_SEED 0x6c706d2d74726965ULL
#define NFB_LPM_KEYS (1u << 20)          /* addresses the lookups walk */
#define NFB_LPM_KEYS_PER_BLOCK 16        /* as in lpm.bpf.c */
#define NFB_LPM_WALK 16384               /* lookups per BPF_PROG_TEST_RUN run */
#define NFB_LPM_HIT_PCT 90               /* keys drawn inside a prefix */
#define NFB_LPM_FIRST_OCTETS 223         /* 1.0.0.0-223.255.255.255 */
#define NFB_LPM_ERRNO_ENOTSUPP 524       /* the kernel's "no batch op" */
#define NFB_LPM_SLAB_SLACK (256 << 10)   /* what else the kernel may hold */

/* The layout of struct bpf_lpm_trie_key_u8 for IPv4, as in lpm.bpf.c. */
struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

/* Prefixes of each length per 100000. */
static const __u32 lpm_mix_pcm[33] = {
	[8] = 2,     [9] = 3,     [10] = 5,    [11] = 10,   [12] = 30,
	[13] = 60,   [14] = 110,  [15] = 180,  [16] = 700,  [17] = 900,
	[18] = 1500, [19] = 2800, [20] = 4000, [21] = 4800, [22] = 9000,
	[23] = 9000, [24] = 56900, [25] = 1500, [26] = 1500, [27] = 1400,
	[28] = 1300, [29] = 1200, [30] = 1200, [31] = 400,  [32] = 1500,
};

/* Lookups per round: enough that a round lasts well over 100 ms, as shorter
 * ones scatter by 20% on this machine. --quick inserts 1M prefixes once and
 * leaves 2M out (quick_iterations 0): its inserts alone take 5-9 s here. */
static const struct {
	__u32 n;
	const char *name;
	const char *variant;
	__u32 iterations, quick_iterations, quick_insert_rounds;
} lpm_sizes[] = {
	{ 1000, "1k", "kernel-1k", 1u << 22, 1u << 18, NFB_ROUNDS },
	{ 10000, "10k", "kernel-10k", 1u << 22, 1u << 18, NFB_ROUNDS },
	{ 100000, "100k", "kernel-100k", 1u << 22, 1u << 18, NFB_ROUNDS },
	{ 1000000, "1M", "kernel-1M", 1u << 21, 1u << 17, 1 },
	{ 2000000, "2M", "kernel-2M", 1u << 21, 0, 0 },
};

struct lpm_table {
	__u32 n;
	struct lpm_v4_key *pfx;
	__u32 count[33];        /* prefixes per length */
};

/* What one size measured. */
struct lpm_result {
	__u32 iterations, insert_rounds;
	double lookup_ns, lookup_min, lookup_max, walk_ns, hit_ratio;
	double insert_s[NFB_ROUNDS], slab_kib[NFB_ROUNDS];
	double insert_med, slab_med;
	const char *insert_how;
	long long memlock;
};

/* splitmix64: small, fast, and the same sequence everywhere. */
static __u64 lpm_rnd(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 lpm_unicast(__u64 *s)
{
	__u64 r = lpm_rnd(s);

	return (__u32)(1 + (r >> 32) % NFB_LPM_FIRST_OCTETS) << 24 |
	       (r & 0xffffff);
}

static __u32 lpm_mask(__u32 len)
{
	return len ? ~0u << (32 - len) : 0;
}

static __u32 lpm_addr(const struct lpm_v4_key *k)
{
	__u32 a;

	memcpy(&a, k->addr, sizeof(a));
	return ntohl(a);
}

/* Open addressing over (addr << 8 | len), never 0 as len >= 8. */
static bool lpm_set_add(__u64 *set, __u64 mask, __u64 v)
{
	__u64 h = (v * 0x9e3779b97f4a7c15ULL >> 20) & mask;

	for (; set[h]; h = (h + 1) & mask)
		if (set[h] == v)
			return false;
	set[h] = v;
	return true;
}

static void lpm_table_free(struct lpm_table *t)
{
	free(t->pfx);
	t->pfx = NULL;
}

static int lpm_table_gen(struct lpm_table *t, __u32 n, __u64 seed)
{
	__u32 want[33] = {}, l, i, got = 0, first24 = 0, n24 = 0;
	__u64 sum = 0, space, slots = 1, *set;
	struct lpm_v4_key tmp;

	for (l = 8; l <= 32; l++) {
		space = (__u64)NFB_LPM_FIRST_OCTETS << (l - 8);
		want[l] = (__u64)n * lpm_mix_pcm[l] / 100000;
		if (l != 24 && want[l] > space / 2)
			want[l] = space / 2;
		if (l != 24)
			sum += want[l];
	}
	want[24] = n - sum;
	if (want[24] > ((__u64)NFB_LPM_FIRST_OCTETS << 16) / 2)
		return -EINVAL;
	while (slots < 2ULL * n)
		slots <<= 1;
	set = calloc(slots, sizeof(*set));
	t->pfx = calloc(n, sizeof(*t->pfx));
	if (!set || !t->pfx) {
		free(set);
		lpm_table_free(t);
		return -ENOMEM;
	}
	t->n = n;
	memset(t->count, 0, sizeof(t->count));
	for (l = 8; l <= 32; l++) {
		if (l == 24)
			first24 = got;
		for (i = 0; i < want[l];) {
			__u32 a = lpm_unicast(&seed);

			/* real tables nest more-specifics under their /24s */
			if (l > 24 && n24 && lpm_rnd(&seed) & 1)
				a = lpm_addr(&t->pfx[first24 + lpm_rnd(&seed) % n24]) |
				    (a & 0xff);
			a &= lpm_mask(l);
			if (!lpm_set_add(set, slots - 1, (__u64)a << 8 | l))
				continue;
			t->pfx[got].prefixlen = l;
			a = htonl(a);
			memcpy(t->pfx[got].addr, &a, sizeof(a));
			got++;
			i++;
		}
		if (l == 24)
			n24 = want[24];
		t->count[l] = want[l];
	}
	free(set);
	for (i = n - 1; i > 0; i--) {
		__u32 j = lpm_rnd(&seed) % (i + 1);

		tmp = t->pfx[i];
		t->pfx[i] = t->pfx[j];
		t->pfx[j] = tmp;
	}
	return 0;
}

/* NFB_LPM_KEYS addresses, network byte order, in walk order. */
static __u32 *lpm_keys_gen(const struct lpm_table *t, __u64 seed)
{
	__u32 *k = malloc(NFB_LPM_KEYS * sizeof(*k)), i, a;

	if (!k)
		return NULL;
	for (i = 0; i < NFB_LPM_KEYS; i++) {
		if (lpm_rnd(&seed) % 100 < NFB_LPM_HIT_PCT) {
			const struct lpm_v4_key *p = &t->pfx[lpm_rnd(&seed) % t->n];

			a = lpm_addr(p) | ((__u32)lpm_rnd(&seed) & ~lpm_mask(p->prefixlen));
		} else {
			a = lpm_unicast(&seed);
		}
		k[i] = htonl(a);
	}
	return k;
}

static double lpm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

/* The map's memlock line in /proc/self/fdinfo, in bytes, or -errno. */
static long long lpm_memlock(int fd)
{
	long long v = -ENOENT;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* One timed insert of the whole table, and how much the slabs grew. */
static int lpm_insert(int fd, const struct lpm_table *t, struct lpm_result *res,
		      int round)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 *val = malloc(t->n * sizeof(*val)), count = t->n, i;
	long long slab0;
	double t0;
	int r;

	if (!val)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		val[i] = i;
	slab0 = lpm_slab_bytes();
	t0 = lpm_now();
	res->insert_how = "BPF_MAP_UPDATE_BATCH, one call";
	r = bpf_map_update_batch(fd, t->pfx, val, &count, &o);
	if (!r && count != t->n)
		r = -EIO;
	if ((r == -EINVAL || r == -NFB_LPM_ERRNO_ENOTSUPP) && !count) {
		res->insert_how = "bpf_map_update_elem per prefix";
		for (i = 0, r = 0; i < t->n && !r; i++)
			r = bpf_map_update_elem(fd, &t->pfx[i], &val[i], BPF_NOEXIST);
	}
	res->insert_s[round] = lpm_now() - t0;
	res->slab_kib[round] = (lpm_slab_bytes() - slab0) / 1024.0;
	free(val);
	if (r)
		fprintf(stderr, "nfbench: lpm: inserting %u prefixes: %s\n", t->n,
			strerror(-r));
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
		fprintf(stderr, "nfbench: lpm: slab objects still %lld KiB above their level before the last trie\n",
			(lpm_slab_bytes() - before) / 1024);
}

/* An insert round into a trie made like the skeleton's and dropped at once:
 * the rounds the map under lookup does not need. */
static int lpm_insert_spare(const struct lpm_table *t, struct lpm_result *res,
			    int round)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	long long before = lpm_slab_bytes();
	int fd, r;

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "nfb_lpm_spare",
			    sizeof(struct lpm_v4_key), sizeof(__u32), t->n, &o);
	if (fd < 0)
		return fd;
	r = lpm_insert(fd, t, res, round);
	close(fd);
	lpm_wait_freed(before, res->slab_kib[round]);
	return r;
}

static int lpm_fill_keys(int fd, const __u32 *keys)
{
	__u32 blk;
	int r;

	for (blk = 0; blk < NFB_LPM_KEYS / NFB_LPM_KEYS_PER_BLOCK; blk++) {
		r = bpf_map_update_elem(fd, &blk, &keys[blk * NFB_LPM_KEYS_PER_BLOCK], 0);
		if (r)
			return r;
	}
	return 0;
}

/* ns per iteration of one walk of @iterations keys from the first one. */
static double lpm_walk_ns(struct lpm_xdp *skel, struct bpf_program *prog,
			  __u32 iterations, double *hit_ratio)
{
	__u8 frame[64];
	int r;

	nfb_udp_frame(frame, sizeof(frame), 1);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = sizeof(frame),
		    .repeat = iterations / NFB_LPM_WALK);
	skel->bss->cursor = 0;
	skel->bss->hits = 0;
	r = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);
	if (r)
		return r;
	if (hit_ratio)
		*hit_ratio = (double)skel->bss->hits / iterations;
	return (double)o.duration / NFB_LPM_WALK;
}

static int lpm_measure(const struct lpm_table *t, struct lpm_result *res)
{
	double lookup[NFB_ROUNDS], walk[NFB_ROUNDS];
	struct lpm_xdp *skel = NULL;
	__u32 *keys;
	int rep, r;

	keys = lpm_keys_gen(t, NFB_LPM_SEED ^ t->n);
	if (!keys)
		return -ENOMEM;
	for (rep = 0, r = 0; rep < (int)res->insert_rounds - 1 && !r; rep++)
		r = lpm_insert_spare(t, res, rep);
	if (r)
		goto out;
	skel = lpm_xdp__open();
	if (!skel) {
		r = -errno;
		goto out;
	}
	skel->rodata->walk_len = NFB_LPM_WALK;
	skel->rodata->key_mask = NFB_LPM_KEYS - 1;
	r = bpf_map__set_max_entries(skel->maps.lpm, t->n);
	r = r ?: bpf_map__set_max_entries(skel->maps.keys,
					  NFB_LPM_KEYS / NFB_LPM_KEYS_PER_BLOCK);
	r = r ?: lpm_xdp__load(skel);
	r = r ?: lpm_fill_keys(bpf_map__fd(skel->maps.keys), keys);
	if (r)
		goto out;
	r = lpm_insert(bpf_map__fd(skel->maps.lpm), t, res, res->insert_rounds - 1);
	if (r)
		goto out;
	res->insert_med = nfb_median(res->insert_s, res->insert_rounds);
	res->slab_med = nfb_median(res->slab_kib, res->insert_rounds);
	res->memlock = lpm_memlock(bpf_map__fd(skel->maps.lpm));
	/* one unmeasured walk so every round starts from the same caches */
	lpm_walk_ns(skel, skel->progs.nfb_lpm, res->iterations, NULL);
	for (rep = 0; rep < NFB_ROUNDS; rep++) {
		walk[rep] = lpm_walk_ns(skel, skel->progs.nfb_walk, res->iterations, NULL);
		lookup[rep] = lpm_walk_ns(skel, skel->progs.nfb_lpm, res->iterations,
					  &res->hit_ratio);
		if (walk[rep] < 0 || lookup[rep] < 0) {
			r = walk[rep] < 0 ? walk[rep] : lookup[rep];
			goto out;
		}
	}
	res->walk_ns = nfb_median(walk, NFB_ROUNDS);
	res->lookup_ns = nfb_median(lookup, NFB_ROUNDS);
	res->lookup_min = lookup[0];
	res->lookup_max = lookup[NFB_ROUNDS - 1];
out:
	lpm_xdp__destroy(skel);
	free(keys);
	return r;
}

/* What every figure of one size carries: the table and how it was made. */
static json_object *lpm_params(const struct lpm_table *t)
{
	json_object *p = json_object_new_object(), *mix = json_object_new_object();
	char len[8];
	int l;

	for (l = 0; l <= 32; l++) {
		if (!t->count[l])
			continue;
		snprintf(len, sizeof(len), "/%d", l);
		json_object_object_add(mix, len, json_object_new_int64(t->count[l]));
	}
	json_object_object_add(p, "prefixes", json_object_new_int64(t->n));
	json_object_object_add(p, "mix", mix);
	json_object_object_add(p, "seed", json_object_new_uint64(NFB_LPM_SEED));
	json_object_object_add(p, "placement", json_object_new_string(
		"uniform over 1.0.0.0-223.255.255.255, half the /25-/32 inside a generated /24, no default route, shuffled insert order"));
	json_object_object_add(p, "key", json_object_new_string(
		"{__u32 prefixlen; __u8 addr[4]}, value __u32"));
	json_object_object_add(p, "x", json_object_new_double(t->n));
	json_object_object_add(p, "x_label", json_object_new_string("IPv4 prefixes"));
	json_object_object_add(p, "series", json_object_new_string("kernel LPM trie"));
	return p;
}

static json_object *lpm_lookup_params(const struct lpm_table *t,
				      const struct lpm_result *res)
{
	json_object *p = lpm_params(t);

	json_object_object_add(p, "keys", json_object_new_int64(NFB_LPM_KEYS));
	json_object_object_add(p, "keys_in_a_prefix_pct", json_object_new_int(NFB_LPM_HIT_PCT));
	json_object_object_add(p, "hit_ratio", json_object_new_double(res->hit_ratio));
	json_object_object_add(p, "iterations", json_object_new_int64(res->iterations));
	json_object_object_add(p, "lookups_per_run", json_object_new_int(NFB_LPM_WALK));
	json_object_object_add(p, "repeat", json_object_new_int64(res->iterations / NFB_LPM_WALK));
	json_object_object_add(p, "rounds", json_object_new_int(NFB_ROUNDS));
	json_object_object_add(p, "lookup_min_ns", json_object_new_double(res->lookup_min));
	json_object_object_add(p, "lookup_max_ns", json_object_new_double(res->lookup_max));
	json_object_object_add(p, "walk_ns", json_object_new_double(res->walk_ns));
	json_object_object_add(p, "net_ns", json_object_new_double(res->lookup_ns - res->walk_ns));
	return p;
}

static json_object *lpm_insert_params(const struct lpm_table *t,
				      const struct lpm_result *res)
{
	json_object *p = lpm_params(t);

	json_object_object_add(p, "method", json_object_new_string(res->insert_how));
	json_object_object_add(p, "rounds", json_object_new_int(res->insert_rounds));
	json_object_object_add(p, "insert_min_s", json_object_new_double(res->insert_s[0]));
	json_object_object_add(p, "insert_max_s",
			       json_object_new_double(res->insert_s[res->insert_rounds - 1]));
	return p;
}

static void lpm_emit(struct bench *b, const char *variant,
		     const struct lpm_table *t, const struct lpm_result *res)
{
	json_object *p;

	nfb_emit(b, "lpm", variant, "lookup", res->lookup_ns, "ns", lpm_lookup_params(t, res));
	nfb_emit(b, "lpm", variant, "walk_without_lookup", res->walk_ns, "ns",
		 lpm_lookup_params(t, res));
	nfb_emit(b, "lpm", variant, "hit_ratio", 100 * res->hit_ratio, "%",
		 lpm_lookup_params(t, res));
	nfb_emit(b, "lpm", variant, "insert", res->insert_med, "s",
		 lpm_insert_params(t, res));
	nfb_emit(b, "lpm", variant, "insert_per_prefix", res->insert_med * 1e9 / t->n,
		 "ns", lpm_insert_params(t, res));
	p = lpm_params(t);
	json_object_object_add(p, "source", json_object_new_string(
		"memlock in /proc/self/fdinfo (trie_mem_usage: prefix nodes only)"));
	json_object_object_add(p, "bytes_per_prefix",
			       json_object_new_double((double)res->memlock / t->n));
	nfb_emit(b, "lpm", variant, "memlock", res->memlock / 1024.0, "KiB", p);
	p = lpm_params(t);
	json_object_object_add(p, "source", json_object_new_string(
		"growth of active objects x object size in /proc/slabinfo across the insert"));
	json_object_object_add(p, "bytes_per_prefix",
			       json_object_new_double(res->slab_med * 1024.0 / t->n));
	json_object_object_add(p, "rounds", json_object_new_int(res->insert_rounds));
	nfb_emit(b, "lpm", variant, "slab", res->slab_med, "KiB", p);
}

static int scenario_lpm(struct bench *b)
{
	struct lpm_table t = {};
	struct lpm_result res;
	long long before;
	double t0;
	size_t i;
	int r;

	for (i = 0; i < sizeof(lpm_sizes) / sizeof(lpm_sizes[0]); i++) {
		if (b->quick && !lpm_sizes[i].quick_iterations)
			continue;
		t0 = lpm_now();
		before = lpm_slab_bytes();
		if (before < 0) {
			fprintf(stderr, "nfbench: lpm: /proc/slabinfo: %s\n", strerror(-before));
			return before;
		}
		memset(&res, 0, sizeof(res));
		res.iterations = b->quick ? lpm_sizes[i].quick_iterations :
					    lpm_sizes[i].iterations;
		res.insert_rounds = b->quick ? lpm_sizes[i].quick_insert_rounds :
					       NFB_ROUNDS;
		r = lpm_table_gen(&t, lpm_sizes[i].n, NFB_LPM_SEED);
		if (r)
			return r;
		fprintf(stderr, "nfbench: lpm: %s prefixes: inserting, then %d rounds\n",
			lpm_sizes[i].name, NFB_ROUNDS);
		r = lpm_measure(&t, &res);
		if (!r)
			lpm_emit(b, lpm_sizes[i].variant, &t, &res);
		lpm_table_free(&t);
		if (r)
			return r;
		lpm_wait_freed(before, res.slab_med);
		fprintf(stderr, "nfbench: lpm: %s prefixes: %.1f ns per lookup, %.1f s in all\n",
			lpm_sizes[i].name, res.lookup_ns, lpm_now() - t0);
	}
	return 0;
}

NFB_SCENARIO(lpm, 50, "kernel BPF_MAP_TYPE_LPM_TRIE, 1k..2M IPv4 prefixes: lookup, insert, memory",
	     scenario_lpm)
