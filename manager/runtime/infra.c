// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * What every chain shares: the global maps pinned under <pin root>/maps
 * (program arrays, hop table, active versions, counters, events) and the
 * executor of each hook in slot 0 of its program array, created by the
 * first chain that needs them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

int nfc_global_map_fd(struct nfc_handle *h, const char *name)
{
	char path[PATH_MAX];
	int fd;

	nfc_path(path, sizeof(path), "%s/maps/%s", h->bpffs, name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* Programs run inside RCU read-side sections, and membarrier's GLOBAL
 * command returns after synchronize_rcu(). */
void nfc_grace_period(void)
{
	if (!syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		return;
	/* (nohz_full kernels refuse it) a sleep is what is left, and is no
	 * proof that every CPU left what was replaced */
	nfc_pr(NFC_WARN, "membarrier(GLOBAL): %s: waiting 50 ms instead of an RCU grace period\n",
	       strerror(errno));
	usleep(50 * 1000);
}

__u64 nfc_netns_id(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

int nfc_chains_mmap(struct nfc_handle *h, struct nfc_err *err)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (NFC_MAX_CHAINS * sizeof(__u64) + page - 1) / page * page;
	void *p;

	if (h->chains_mm)
		return 0;
	h->chains_fd = nfc_global_map_fd(h, "nfc_chains");
	if (h->chains_fd < 0) {
		int r = h->chains_fd;

		h->chains_fd = -1;
		return nfc_errf(err, r, "map 'nfc_chains': %s", strerror(-r));
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, h->chains_fd,
		 0);
	if (p == MAP_FAILED) {
		int r = nfc_errf(err, -errno, "map 'nfc_chains': mmap: %s",
				 strerror(errno));

		close(h->chains_fd);
		h->chains_fd = -1;
		return r;
	}
	h->chains_mm = p;
	h->chains_mm_len = len;
	return 0;
}

/* Per-CPU values are laid out per CPU, each rounded up to 8 bytes. */
int nfc_percpu_sum(int fd, __u32 key, void *sum, size_t size)
{
	int ncpu = libbpf_num_possible_cpus(), c, r = 0;
	size_t i, n = size / sizeof(__u64);
	__u64 *v, *out = sum;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, size);
	if (!v)
		return -ENOMEM;
	memset(sum, 0, size);
	if (bpf_map_lookup_elem(fd, &key, v))
		r = -errno;
	for (c = 0; !r && c < ncpu; c++)
		for (i = 0; i < n; i++)
			out[i] += v[c * n + i];
	free(v);
	return r;
}

int nfc_percpu_zero(int fd, __u32 key, size_t size)
{
	int ncpu = libbpf_num_possible_cpus(), r = 0;
	void *z;

	if (ncpu < 0)
		return ncpu;
	z = calloc(ncpu, (size + 7) / 8 * 8);
	if (!z)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, z, BPF_ANY))
		r = -errno;
	free(z);
	return r;
}

/*
 * The executor of a hook sits in slot 0 of that hook's program array;
 * loading it also creates (or reuses) every global map under
 * <pin root>/maps. Pinned maps of another layout (an older UltraNIO) are
 * refused by libbpf; the message says so.
 */
int nfc_infra_ensure(struct nfc_handle *h, enum nfc_objkind kind,
		     struct nfc_err *err)
{
	const char *k = nfc_kind_str(kind);
	char pin[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], arr[64], what[64];
	struct bpf_program *prog, *untag;
	__u32 slot = NFC_EXEC_SLOT, id;
	struct nfc_obj o;
	int fd, arr_fd, r;

	nfc_path(pin, sizeof(pin), "%s/progs/exec_%s", h->bpffs, k);
	snprintf(arr, sizeof(arr), "nfc_progs_%s", k);
	fd = bpf_obj_get(pin);
	arr_fd = nfc_global_map_fd(h, arr);
	r = fd >= 0 && arr_fd >= 0 && !bpf_map_lookup_elem(arr_fd, &slot, &id);
	if (fd >= 0)
		close(fd);
	/* XDP's comes with the flood's untagging program (flood.c) */
	if (r && kind == NFC_OBJ_XDP) {
		nfc_path(path, sizeof(path), "%s/progs/" NFC_FLOOD_UNTAG_PIN,
			 h->bpffs);
		fd = bpf_obj_get(path);
		r = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	if (arr_fd >= 0)
		close(arr_fd);
	if (r)
		return 0;

	snprintf(what, sizeof(what), "executor (%s)", k);
	nfc_path(dir, sizeof(dir), "%s/maps", h->bpffs);
	r = nfc_mkdirs(dir);
	if (!r)
		r = nfc_path(path, sizeof(path), "%s/exec.%s.o", h->bpf_dir, k);
	if (r)
		return nfc_errf(err, r, "%s: %s", dir, strerror(-r));
	r = nfc_obj_open(h, path, false, what, &o, err);
	if (r)
		return r;
	r = nfc_obj_load(&o, what, err);
	if (r == -EINVAL && !o.log[0])
		nfc_errf(err, r,
			 "%s: the maps pinned under %s/maps may be of an older UltraNIO: delete every chain, then remove that directory",
			 what, h->bpffs);
	if (r)
		goto out;
	prog = bpf_object__find_program_by_name(o.obj, "nfc_exec");
	nfc_path(dir, sizeof(dir), "%s/progs", h->bpffs);
	nfc_mkdirs(dir);
	unlink(pin);
	r = prog ? bpf_program__pin(prog, pin) : -ENOENT;
	if (r) {
		nfc_errf(err, r, "%s: pin %s: %s", what, pin, strerror(-r));
		goto out;
	}
	/* XDP's: the flood's untagging on the way out of a port (flood.c) */
	untag = bpf_object__find_program_by_name(o.obj, "nfc_flood_untag");
	if (untag) {
		nfc_path(path, sizeof(path), "%s/" NFC_FLOOD_UNTAG_PIN, dir);
		unlink(path);
		r = bpf_program__pin(untag, path);
		if (r) {
			nfc_errf(err, r, "%s: pin %s: %s", what, path,
				 strerror(-r));
			goto out;
		}
	}
	arr_fd = bpf_map__fd(bpf_object__find_map_by_name(o.obj, arr));
	fd = bpf_program__fd(prog);
	if (bpf_map_update_elem(arr_fd, &slot, &fd, BPF_ANY))
		r = nfc_errf(err, -errno, "%s: program array slot 0: %s", what,
			     strerror(errno));
out:
	nfc_obj_close(&o);
	return r;
}

/* Keys of one map whose entries a predicate selects, to delete after the
 * walk. */
struct doomed {
	bool (*pick)(const void *key, const void *value, __u32 arg);
	__u32 arg, key_size, value_size;
	__u8 *keys;
	int n, cap;
};

static int doomed_collect(const void *keys, const void *values, int n,
			  void *ctx)
{
	struct doomed *d = ctx;
	const __u8 *k = keys, *v = values;
	int i;

	for (i = 0; i < n; i++, k += d->key_size, v += d->value_size) {
		if (!d->pick(k, v, d->arg))
			continue;
		if (nfc_grow(&d->keys, &d->cap, d->n, d->key_size))
			return -ENOMEM;
		memcpy(d->keys + (size_t)d->n++ * d->key_size, k, d->key_size);
	}
	return 0;
}

/* Delete the entries of global map @name that @pick selects. */
static int forget(struct nfc_handle *h, const char *name, __u32 key_size,
		  __u32 value_size,
		  bool (*pick)(const void *, const void *, __u32), __u32 arg)
{
	struct doomed d = { .pick = pick, .arg = arg, .key_size = key_size,
			    .value_size = value_size };
	int fd = nfc_global_map_fd(h, name), r, i;

	if (fd == -ENOENT)
		return 0; /* no chain made the maps yet */
	if (fd < 0)
		return fd;
	r = nfc_map_walk(fd, key_size, value_size, doomed_collect, &d);
	for (i = 0; !r && i < d.n; i++)
		if (bpf_map_delete_elem(fd, d.keys + (size_t)i * key_size) &&
		    errno != ENOENT)
			r = -errno;
	free(d.keys);
	close(fd);
	return r;
}

static bool flow_in_zone(const void *key, const void *value, __u32 zone)
{
	(void)key; /* a digest */
	return ((const struct nfc_flow *)value)->key.zone == zone;
}

static bool rule_of_node(const void *key, const void *value, __u32 node)
{
	(void)value;
	return ((const struct nfc_rule_key *)key)->node == node;
}

int nfc_flows_forget_zone(struct nfc_handle *h, __u32 zone)
{
	int r = forget(h, "nfc_flows", sizeof(__u64), sizeof(struct nfc_flow),
		       flow_in_zone, zone);

	/* and what the flow slots hold of them: a chain made again under
	 * this id starts its versions anew */
	return r ?: nfc_flow_epoch_bump(h, NULL);
}

int nfc_rule_stats_forget(struct nfc_handle *h, __u32 node)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu < 0)
		return ncpu;
	return forget(h, "nfc_rule_stats", sizeof(struct nfc_rule_key),
		      ncpu * ((sizeof(struct nfc_rule_stats) + 7) / 8 * 8),
		      rule_of_node, node);
}
