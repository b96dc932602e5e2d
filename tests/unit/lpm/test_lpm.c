// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * LPM tables: the runtime's builder (lpm.c) and the datapath's walk
 * (bpf/lpm.h) held against answers that share none of their code.
 *
 * Every lookup is answered four ways, and all four must agree:
 *   - the reference (ref.c): every prefix in one hash, probed for each
 *     length from the longest down;
 *   - the datapath: nfc_lpm_lookup4/6() in lpm_probe.bpf.c, a batch of
 *     lookups per BPF_PROG_TEST_RUN run;
 *   - the kernel's BPF_MAP_TYPE_LPM_TRIE holding the same prefixes, looked
 *     up in the same run;
 *   - nfc_lpm__lookup(), the library's own walk of the same nodes.
 * The addresses are drawn mostly at the edges of the prefixes a table
 * holds: the first and the last address of a prefix, the one just before
 * and just after it, one that leaves it at a random bit; the rest inside a
 * prefix or anywhere.
 *
 * The cases, and what each proves:
 *   prefix_text      nfc_lpm_prefix__parse() and __str() agree with each
 *                    other on random prefixes and refuse what is not one.
 *   create_destroy   bad ids, families and capacities are refused, node
 *                    instances' ids with -EPERM; a second create is
 *                    -EEXIST; IPv4 tables get a direct array from
 *                    NFC_LPM_DIRECT_CAPACITY on, IPv6 tables from
 *                    NFC_LPM_DIRECT6_CAPACITY, others none; a destroyed
 *                    table misses at once, refuses changes, and its id can
 *                    be used again; a load of nothing empties a table.
 *   many_tables      1000 small tables beside one of 200k prefixes are all
 *                    right at once, before and after changes hopping from
 *                    table to table; the store's memory follows the
 *                    prefixes held, not the number of tables, and its
 *                    account agrees with the tables'.
 *   diff_v4, diff_v4_direct, diff_v6, diff_v6_direct
 *                    realistic tables (BGP-like length mixes) are right
 *                    when loaded at once (nfc_lpm__load, with duplicates),
 *                    when built by adds in random order, after thousands of
 *                    random deletes, replaces and adds (with the calls that
 *                    must fail), and after a reload over them; list, get
 *                    and info agree with the reference. _direct: the same
 *                    for a table with a direct array.
 *   adversarial_v4, adversarial_v4_direct, adversarial_v6, _v6_direct
 *                    the shapes that break multibit tries: every prefix a
 *                    host route (sparse, and dense with few distinct values
 *                    so that leaf runs merge and split); every length /0 to
 *                    /32 (/128) nested on one address, added, replaced and
 *                    removed one at a time with a check after each step;
 *                    chains of long IPv6 prefixes that differ only in their
 *                    last bits; a default route added, replaced and removed
 *                    under a full table; prefixes of every length
 *                    overlapping in one small range.
 *   updates_under_lookup_v4, _v4_direct, _v6, _v6_direct
 *                    while a thread looks up without pause, the main thread
 *                    changes the table (adds, deletes, replaces, whole
 *                    loads); every answer must be the answer of a state
 *                    the table was in while its batch ran: never a mix of
 *                    two states, never a state the batch started after.
 *                    The changes include replacing and deleting a short
 *                    prefix (/8; /32 in IPv6; the default route) under
 *                    hundreds of longer ones. Some lookups pause between
 *                    reading the root and the nodes (lpm_stall.bpf.c) while
 *                    changes go on: nodes must not be reused before a grace
 *                    period. The judge is first shown to reject stale and
 *                    made-up answers.
 *   table_full       at capacity an add (the default route too) or a load
 *                    is -E2BIG and changes nothing; replacing a value still
 *                    works, and a delete makes room.
 *   memory_exhausted a process in a memory cgroup whose limit no new chunk
 *                    of the store fits loads a table that needs new chunks:
 *                    -ENOMEM naming the chunk, the table as it was, every
 *                    slot the load took given back; with memory, the same
 *                    load goes through. Skipped, saying why, where no
 *                    memory cgroup can be made.
 *   bad_prefix       bits past the length, a length beyond the family, the
 *                    wrong family, the value NFC_LPM_NONE (and past
 *                    NFC_LPM_DIRECT_VALUE_MAX with a direct array): -EINVAL
 *                    naming the prefix, in add and in load; nothing changes.
 *   load_file        a file of prefixes loads (comments, blanks, hex
 *                    values, a prefix given twice); a bad line fails naming
 *                    the file and the line, and changes nothing.
 *   persistence      a new handle finds the tables as they were (list,
 *                    lookups through the datapath object loaded before and
 *                    one loaded after; the direct arrays of both families
 *                    and a table without one) and can change
 *                    them; so does the one after a process that changed a
 *                    table and exited without closing anything.
 * After every case, with its tables destroyed and a grace period passed,
 * the store must hold no node and no leaf: nothing leaks.
 *
 * Randomness comes from one seed, printed first; NFC_LPM_SEED=N runs with
 * another. `test_lpm --quick` (the vm tier, under emulation) makes tables
 * and lookup counts smaller. Needs root: bpf(), a private bpffs.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ultranio.h"
#include "nfc_shared.h"
#include "lpm_probe.h"
#include "lpm_probe.xdp.skel.h"
#include "lpm_stall.xdp.skel.h"
#include "ref.h"

#define LPM_SEED 0x6c706d2d74657374ULL /* "lpm-test" */
#define TRIE_MAX (1u << 20)		/* prefixes a kernel trie takes */
#define REPORT_MAX 10			/* differing lookups printed per check */

static struct {
	__u64 seed;
	unsigned quick;		/* divides table sizes and lookup counts */
	char dir[64];		/* ours: bpffs/ and state/ under it */
	char bpffs[96];		/* a private BPF filesystem */
	char pin_root[128];	/* the store's: bpffs/ultranio */
	char state[96];
	bool mounted, tmp_mounted;
	struct nfc_handle *h;
	struct nfc_lpm *lpm;
	struct lpm_probe_xdp *probe; /* the datapath, with the kernel's tries */
	struct lpm_stall_xdp *stall; /* a lookup that pauses mid-walk */
} T;

static size_t scaled(size_t n)
{
	return n / T.quick ? n / T.quick : 1;
}

/* Each case draws from its own sequence: cases do not depend on order. */
static struct rng case_rng(const char *name)
{
	__u64 h = 0xcbf29ce484222325ULL;

	while (*name)
		h = (h ^ (__u8)*name++) * 0x100000001b3ULL;
	return (struct rng){ .s = T.seed ^ h };
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct vstr {
	char s[32];
};

/* A value, a miss, or (from nfc_lpm__lookup) an error. */
static struct vstr val_str(long long v)
{
	struct vstr s;

	if (v == NFC_LPM_NONE)
		snprintf(s.s, sizeof(s.s), "miss");
	else if (v < 0)
		snprintf(s.s, sizeof(s.s), "error %s", strerror((int)-v));
	else
		snprintf(s.s, sizeof(s.s), "%lld", v);
	return s;
}

static void err_print(const struct nfc_err *err)
{
	int i;

	for (i = 0; err && i < err->n; i++)
		fprintf(stderr, "  %s\n", err->msg[i]);
}

/* Fail, with the library's messages, unless @r is @want. */
static void __attribute__((format(printf, 4, 5)))
expect_rc(int r, int want, const struct nfc_err *err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	if (r == want)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err_print(err);
	fail_msg("%s: %d (%s), expected %d (%s)", what, r, strerror(-r), want,
		 strerror(-want));
}

/* Whether one of the messages in @err contains @s. */
static bool err_names(const struct nfc_err *err, const char *s)
{
	int i;

	for (i = 0; i < err->n; i++)
		if (strstr(err->msg[i], s))
			return true;
	return false;
}

static struct nfc_lpm_prefix lib_pfx(int family, struct pfx p, __u32 value)
{
	struct nfc_lpm_prefix lp = { .family = family, .len = p.len,
				     .value = value };

	addr_bytes(p.addr, lp.addr);
	if (family == AF_INET)
		memset(lp.addr + 4, 0, 12); /* IPv4 in the first 4 bytes */
	return lp;
}

/* Addresses of both families go to the library as 16 bytes whose IPv4
 * part is the first 4: the top-aligned layout of ref.h. */
static struct pfx pfx_of_lib(const struct nfc_lpm_prefix *lp)
{
	__u8 b[16] = {};

	memcpy(b, lp->addr, lp->family == AF_INET ? 4 : 16);
	return (struct pfx){ .addr = addr_of_bytes(b), .len = lp->len };
}

/* The environment: a private bpffs, the store, the datapath probe. */

static int env_fail(const char *what, int err)
{
	fprintf(stderr, "lpm: %s: %s\n", what, strerror(-err));
	return err;
}

static int print_warnings(enum nfc_print_level level, const char *fmt,
			  va_list ap)
{
	return level == NFC_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* A private mount namespace, a fresh directory with a tmpfs of its own
 * and a bpffs in that: what the cases make (pins, state, files) goes with
 * the process, even if it is killed (which leaves the empty directory). */
static int bpffs_make(void)
{
	if (unshare(CLONE_NEWNS))
		return env_fail("unshare(CLONE_NEWNS)", -errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return env_fail("making mounts private", -errno);
	snprintf(T.dir, sizeof(T.dir), "/tmp/nfc-lpm-XXXXXX");
	if (!mkdtemp(T.dir)) {
		T.dir[0] = 0;
		return env_fail("mkdtemp", -errno);
	}
	if (mount("tmpfs", T.dir, "tmpfs", 0, "mode=0700,size=64m"))
		return env_fail("mount -t tmpfs", -errno);
	T.tmp_mounted = true;
	snprintf(T.bpffs, sizeof(T.bpffs), "%s/bpffs", T.dir);
	snprintf(T.pin_root, sizeof(T.pin_root), "%s/ultranio", T.bpffs);
	snprintf(T.state, sizeof(T.state), "%s/state", T.dir);
	if (mkdir(T.bpffs, 0700))
		return env_fail(T.bpffs, -errno);
	if (mount("bpf", T.bpffs, "bpf", 0, NULL))
		return env_fail("mount -t bpf", -errno);
	T.mounted = true;
	return 0;
}

static void bpffs_remove(void)
{
	if (T.mounted)
		umount2(T.bpffs, MNT_DETACH);
	T.mounted = false;
	if (T.tmp_mounted)
		umount2(T.dir, MNT_DETACH);
	T.tmp_mounted = false;
	if (T.dir[0])
		rmdir(T.dir);
	T.dir[0] = 0;
}

static int store_open(void)
{
	NFC_OPTS(nfc_open_opts, o, .bpffs = T.pin_root, .state = T.state,
		 .lock = true, .no_catalog = true);
	struct nfc_err err = {};
	int r;

	r = nfc_open(&T.h, &o, &err);
	if (!r)
		r = nfc_lpm__open(T.h, &T.lpm, &err);
	if (r) {
		err_print(&err);
		return env_fail("opening the LPM store", r);
	}
	return 0;
}

static void store_close(void)
{
	nfc_lpm__close(T.lpm);
	T.lpm = NULL;
	nfc_close(T.h);
	T.h = NULL;
}

/* The BPF objects share the store's maps: they are pinned by name under
 * the pin root's maps/, so the store must exist first. */
static struct lpm_stall_xdp *stall_open(void)
{
	char maps[sizeof(T.pin_root) + 8];
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = maps);
	struct lpm_stall_xdp *s;
	int r;

	snprintf(maps, sizeof(maps), "%s/maps", T.pin_root);
	s = lpm_stall_xdp__open_opts(&o);
	if (!s) {
		env_fail("opening lpm_stall", -errno);
		return NULL;
	}
	r = lpm_stall_xdp__load(s);
	if (r) {
		env_fail("loading lpm_stall", r);
		lpm_stall_xdp__destroy(s);
		return NULL;
	}
	return s;
}

static struct lpm_probe_xdp *probe_open(void)
{
	char maps[sizeof(T.pin_root) + 8];
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = maps);
	struct lpm_probe_xdp *p;
	int r;

	snprintf(maps, sizeof(maps), "%s/maps", T.pin_root);
	p = lpm_probe_xdp__open_opts(&o);
	if (!p) {
		env_fail("opening lpm_probe", -errno);
		return NULL;
	}
	r = bpf_map__set_max_entries(p->maps.trie4, TRIE_MAX);
	if (!r)
		r = bpf_map__set_max_entries(p->maps.trie6, TRIE_MAX);
	if (!r)
		r = lpm_probe_xdp__load(p);
	if (r) {
		env_fail("loading lpm_probe", r);
		lpm_probe_xdp__destroy(p);
		return NULL;
	}
	return p;
}

static void env_cleanup(void)
{
	lpm_stall_xdp__destroy(T.stall);
	T.stall = NULL;
	lpm_probe_xdp__destroy(T.probe);
	T.probe = NULL;
	store_close();
	bpffs_remove();
}

static int env_setup(void)
{
	int r = bpffs_make();

	if (!r)
		r = store_open();
	if (r)
		return r;
	T.probe = probe_open();
	T.stall = stall_open();
	return T.probe && T.stall ? 0 : -EINVAL;
}

static int test_run(struct bpf_program *prog)
{
	__u8 pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = 1);

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &o);
}

/* One run of the probe over its first @n keys, in @table: 0 or -errno.
 * The lookup thread calls it too: no cmocka here. */
static int probe_run(struct lpm_probe_xdp *p, int family, __u32 table,
		     __u32 n)
{
	p->bss->probe_table = table;
	p->bss->probe_n = n;
	return test_run(family == AF_INET ? p->progs.probe4 : p->progs.probe6);
}

/* One lookup of @a in @table stalled for @spins after reading the root
 * (lpm_stall.bpf.c): 0 and the answer in *value, or -errno. */
static int stall_run(struct lpm_stall_xdp *s, int family, __u32 table,
		     u128 a, __u32 spins, __u32 *value)
{
	int r;

	addr_bytes(a, (__u8 *)s->bss->stall_key.a);
	s->bss->stall_table = table;
	s->bss->stall_spins = spins;
	r = test_run(family == AF_INET ? s->progs.stall4 : s->progs.stall6);
	*value = s->bss->stall_value;
	return r;
}

static void probe_key(struct lpm_probe_xdp *p, __u32 i, u128 a)
{
	addr_bytes(a, (__u8 *)p->bss->probe_keys[i].a);
}

/* What the datapath and the kernel's trie answer for @n addresses. */
static void probe_lookup(struct lpm_probe_xdp *p, int family, __u32 table,
			 const u128 *a, size_t n,
			 struct lpm_probe_answer *out)
{
	size_t done, k, i;

	for (done = 0; done < n; done += k) {
		k = n - done < LPM_PROBE_BATCH ? n - done : LPM_PROBE_BATCH;
		for (i = 0; i < k; i++)
			probe_key(p, i, a[done + i]);
		assert_int_equal(probe_run(p, family, table, k), 0);
		memcpy(out + done, p->bss->probe_out, k * sizeof(*out));
	}
}

/* nfc_lpm__lookup(): a value, NFC_LPM_NONE for a miss, or -errno. */
static long long user_lookup(__u32 table, u128 a)
{
	__u8 b[16];
	__u32 v;
	int r;

	addr_bytes(a, b);
	r = nfc_lpm__lookup(T.lpm, table, b, &v);
	return r == -ENOENT ? NFC_LPM_NONE : r ? r : (long long)v;
}

/* The kernel's trie of @family: @p to @value, or out (NFC_LPM_NONE). */
static void trie_set(int family, struct pfx p, __u32 value)
{
	struct lpm_probe_trie4_key k4 = { .prefixlen = p.len };
	struct lpm_probe_trie6_key k6 = { .prefixlen = p.len };
	struct bpf_map *m = family == AF_INET ? T.probe->maps.trie4 :
					       T.probe->maps.trie6;
	void *k = family == AF_INET ? (void *)&k4 : (void *)&k6;
	__u8 b[16];
	int r;

	addr_bytes(p.addr, b);
	memcpy(&k4.addr, b, sizeof(k4.addr));
	memcpy(k6.addr, b, sizeof(k6.addr));
	if (value == NFC_LPM_NONE)
		r = bpf_map_delete_elem(bpf_map__fd(m), k);
	else
		r = bpf_map_update_elem(bpf_map__fd(m), k, &value, BPF_ANY);
	if (r)
		fail_msg("kernel trie: %s: %s", pfx_str(family, p).s,
			 strerror(errno));
}

/*
 * An address to look up in a table holding @ref's prefixes: mostly at the
 * edges of a prefix it holds (first, last, one before, one after, one that
 * leaves it at a random bit), else inside one or anywhere.
 */
static u128 probe_addr(const struct ref *ref, struct rng *r)
{
	int family = ref->family;
	const struct ref_entry *e;
	u128 first, last, rnd = rng_addr(r, family);
	unsigned cut;

	if (!ref->n_live)
		return rnd;
	e = ref_live(ref, rng_below(r, ref->n_live));
	first = e->p.addr;
	last = pfx_last(family, e->p);
	switch (rng_below(r, 20)) {
	case 0 ... 4:
		return first | (rnd & ~mask_of(e->p.len));
	case 5 ... 7:
		return first;
	case 8 ... 10:
		return last;
	case 11 ... 12:
		return addr_step(family, first, -1);
	case 13 ... 14:
		return addr_step(family, last, 1);
	case 15 ... 18:
		/* the same first bits, then the other way at bit @cut */
		cut = rng_below(r, e->p.len + 1);
		if (cut == fam_bits(family))
			return first;
		return ((first & mask_of(cut)) | (rnd & ~mask_of(cut))) ^
		       bit_at(cut);
	default:
		return rnd;
	}
}

static void report(__u32 table, const char *what, int family, u128 a,
		   __u32 want, const struct ref_entry *m,
		   const struct lpm_probe_answer *got, bool kernel,
		   long long user)
{
	fprintf(stderr,
		"  table %u (%s): %s: reference %s (%s), datapath %s, kernel trie %s, nfc_lpm__lookup %s\n",
		table, what, addr_str(family, a).s, val_str(want).s,
		m ? pfx_str(family, m->p).s : "no prefix",
		val_str(got->ours).s,
		kernel ? val_str(got->kernel).s : "(not compared)",
		val_str(user).s);
}

/*
 * @n lookups in table @table, which should hold exactly @ref's prefixes:
 * the datapath (probe @p), nfc_lpm__lookup() and, with @kernel, the
 * kernel's trie must all give the reference's answer.
 */
static void table_check(__u32 table, const char *what, const struct ref *ref,
			struct lpm_probe_xdp *p, bool kernel, size_t n,
			struct rng *r)
{
	struct lpm_probe_answer *out = malloc(LPM_PROBE_BATCH * sizeof(*out));
	u128 *a = malloc(LPM_PROBE_BATCH * sizeof(*a));
	const struct ref_entry *m;
	struct nfc_lpm_info info;
	size_t bad = 0, done, k, i;
	long long user;
	__u32 want;

	assert_non_null(out);
	assert_non_null(a);
	for (done = 0; done < n; done += k) {
		k = n - done < LPM_PROBE_BATCH ? n - done : LPM_PROBE_BATCH;
		for (i = 0; i < k; i++)
			a[i] = probe_addr(ref, r);
		probe_lookup(p, ref->family, table, a, k, out);
		for (i = 0; i < k; i++) {
			want = ref_lookup(ref, a[i], &m);
			user = user_lookup(table, a[i]);
			if (out[i].ours == want && user == want &&
			    (!kernel || out[i].kernel == want))
				continue;
			if (bad++ < REPORT_MAX)
				report(table, what, ref->family, a[i], want, m,
				       &out[i], kernel, user);
		}
	}
	free(a);
	free(out);
	if (bad)
		fail_msg("table %u (%s): %zu of %zu lookups differ", table,
			 what, bad, n);
	assert_int_equal(nfc_lpm__info(T.lpm, table, &info), 0);
	assert_int_equal(info.family, ref->family);
	if (info.prefixes != ref->n_live)
		fail_msg("table %u (%s): info says %llu prefixes, the reference holds %u",
			 table, what, (unsigned long long)info.prefixes,
			 ref->n_live);
}

/* nfc_lpm__get() of prefixes in the table and of others. */
static void table_check_get(__u32 table, const char *what,
			    const struct ref *ref)
{
	struct rng r = { .s = T.seed ^ table ^ ref->n_live };
	int family = ref->family;
	struct nfc_lpm_prefix lp;
	__u32 want, i;
	struct pfx p;
	int rc;

	for (i = 0; i < 2000; i++) {
		if (i & 1 && ref->n_live)
			p = ref_live(ref, rng_below(&r, ref->n_live))->p;
		else
			p = pfx_make(probe_addr(ref, &r),
				     rng_below(&r, fam_bits(family) + 1));
		want = ref_value(ref, p);
		lp = lib_pfx(family, p, 12345);
		rc = nfc_lpm__get(T.lpm, table, &lp);
		if (rc != (want == NFC_LPM_NONE ? -ENOENT : 0) ||
		    (!rc && lp.value != want))
			fail_msg("table %u (%s): get %s: %d, value %s; the reference has %s",
				 table, what, pfx_str(family, p).s, rc,
				 val_str(lp.value).s, val_str(want).s);
	}
}

/* nfc_lpm__list() must give the reference's prefixes, in its order, and
 * nfc_lpm__get() their values. */
static void table_check_list(__u32 table, const char *what,
			     const struct ref *ref)
{
	struct nfc_lpm_prefix *got = NULL;
	struct nfc_err err = {};
	struct route *want;
	size_t n_got = 0, n, i;
	int family = ref->family;

	expect_rc(nfc_lpm__list(T.lpm, table, &got, &n_got, &err), 0, &err,
		  "table %u (%s): list", table, what);
	want = ref_routes(ref, &n);
	for (i = 0; i < n && i < n_got; i++) {
		struct pfx p = pfx_of_lib(&got[i]);
		static const __u8 zero[12];

		if (family == AF_INET && memcmp(got[i].addr + 4, zero, 12))
			fail_msg("table %u (%s): list entry %zu, %s, has bytes set past its IPv4 address",
				 table, what, i, pfx_str(family, p).s);
		if (got[i].family == family && p.len == want[i].p.len &&
		    p.addr == want[i].p.addr && got[i].value == want[i].value)
			continue;
		fail_msg("table %u (%s): list entry %zu is %s = %s, the reference has %s = %s",
			 table, what, i, pfx_str(got[i].family, p).s,
			 val_str(got[i].value).s,
			 pfx_str(family, want[i].p).s,
			 val_str(want[i].value).s);
	}
	if (n != n_got)
		fail_msg("table %u (%s): list has %zu prefixes, the reference %zu",
			 table, what, n_got, n);
	free(want);
	free(got);
	table_check_get(table, what, ref);
}

enum values {
	WIDE,	/* any value, 0 and NFC_LPM_NONE - 1 among them */
	WIDE31,	/* what tables with a direct array take: up to
		   NFC_LPM_DIRECT_VALUE_MAX, 0 and it among them */
	NARROW,	/* 0..3: neighbours often share one, and leaf runs merge */
};

static __u32 value_gen(struct rng *r, enum values mode)
{
	__u32 max = mode == WIDE31 ? NFC_LPM_DIRECT_VALUE_MAX :
				     NFC_LPM_NONE - 1;
	__u64 v = rng_next(r);

	if (mode == NARROW)
		return v & 3;
	switch (v & 15) {
	case 0:
		return 0;
	case 1:
		return max;
	default:
		return (v >> 32) % max;
	}
}

/* What a table is made as: IPv4 tables of NFC_LPM_DIRECT_CAPACITY or
 * more (IPv6: NFC_LPM_DIRECT6_CAPACITY) keep a direct array, and take
 * values up to NFC_LPM_DIRECT_VALUE_MAX. */
struct shape {
	int family;
	__u32 capacity;		/* 0: the default */
	enum values wide;	/* the widest values it takes */
	const char *name;
};

static const struct shape V4 = { AF_INET, 1u << 18, WIDE, "IPv4" };
static const struct shape V4_DIRECT = { AF_INET, NFC_LPM_DIRECT_CAPACITY,
					WIDE31, "IPv4, direct array" };
static const struct shape V6 = { AF_INET6, NFC_LPM_DIRECT6_CAPACITY - 1,
				 WIDE, "IPv6" };
static const struct shape V6_DIRECT = { AF_INET6, NFC_LPM_DIRECT6_CAPACITY,
					WIDE31, "IPv6, direct array" };

static bool direct(int family, __u32 capacity)
{
	return capacity >= (family == AF_INET ? NFC_LPM_DIRECT_CAPACITY
					      : NFC_LPM_DIRECT6_CAPACITY);
}

/* A table under test: its id, the reference it must equal, and whether
 * the kernel trie of its family holds its prefixes too. */
struct tut {
	__u32 id;
	int family;
	__u32 capacity;
	__u32 vmax;		/* the largest value it takes */
	bool mirror;
	const char *what;	/* how it was made, for messages */
	struct ref ref;
};

static void tut_create(struct tut *t, __u32 id, int family, __u32 capacity,
		       bool mirror)
{
	NFC_OPTS(nfc_lpm_create_opts, o, .capacity = capacity);
	struct nfc_err err = {};

	memset(t, 0, sizeof(*t));
	t->id = id;
	t->family = family;
	t->capacity = capacity ? capacity : NFC_LPM_DEFAULT_CAPACITY;
	t->vmax = direct(family, t->capacity) ? NFC_LPM_DIRECT_VALUE_MAX :
						NFC_LPM_NONE - 1;
	t->mirror = mirror;
	t->what = "new";
	ref_init(&t->ref, family, false);
	expect_rc(nfc_lpm__create(T.lpm, id, family, &o, &err), 0, &err,
		  "create table %u", id);
}

/* The table is gone from the library: empty the kernel's trie of it. */
static void tut_forget(struct tut *t)
{
	__u32 i;

	for (i = 0; t->mirror && i < t->ref.n_live; i++)
		trie_set(t->family, ref_live(&t->ref, i)->p, NFC_LPM_NONE);
	ref_free(&t->ref);
}

static void tut_destroy(struct tut *t)
{
	struct nfc_err err = {};

	expect_rc(nfc_lpm__destroy(T.lpm, t->id, &err), 0, &err,
		  "destroy table %u", t->id);
	tut_forget(t);
}

/* nfc_lpm__add(), which must do what the reference says it does. */
static int tut_add(struct tut *t, struct pfx p, __u32 value, int flags)
{
	struct nfc_lpm_prefix lp = lib_pfx(t->family, p, value);
	__u32 old = ref_value(&t->ref, p);
	struct nfc_err err = {};
	int want = 0;

	if (value > t->vmax)
		want = -EINVAL;
	else if (flags == NFC_LPM_NOEXIST && old != NFC_LPM_NONE)
		want = -EEXIST;
	else if (flags == NFC_LPM_EXIST && old == NFC_LPM_NONE)
		want = -ENOENT;
	else if (old == NFC_LPM_NONE && t->ref.n_live >= t->capacity)
		want = -E2BIG;
	expect_rc(nfc_lpm__add(T.lpm, t->id, &lp, flags, &err), want, &err,
		  "table %u: add %s = %u (flags %d)", t->id,
		  pfx_str(t->family, p).s, value, flags);
	if (want)
		return want;
	ref_set(&t->ref, p, value, 0);
	if (t->mirror)
		trie_set(t->family, p, value);
	return 0;
}

static int tut_del(struct tut *t, struct pfx p)
{
	struct nfc_lpm_prefix lp = lib_pfx(t->family, p, 0);
	struct nfc_err err = {};
	int want = ref_value(&t->ref, p) == NFC_LPM_NONE ? -ENOENT : 0;

	expect_rc(nfc_lpm__del(T.lpm, t->id, &lp, &err), want, &err,
		  "table %u: del %s", t->id, pfx_str(t->family, p).s);
	if (want)
		return want;
	ref_set(&t->ref, p, NFC_LPM_NONE, 0);
	if (t->mirror)
		trie_set(t->family, p, NFC_LPM_NONE);
	return 0;
}

static struct nfc_lpm_prefix *lib_routes(int family, const struct route *v,
					 size_t n)
{
	struct nfc_lpm_prefix *lp = calloc(n ? n : 1, sizeof(*lp));
	size_t i;

	assert_non_null(lp);
	for (i = 0; i < n; i++)
		lp[i] = lib_pfx(family, v[i].p, v[i].value);
	return lp;
}

/* nfc_lpm__load(): the table becomes @v (the last of duplicates wins).
 * The refused loads are table_full's and bad_prefix's own. */
static void tut_load(struct tut *t, const struct route *v, size_t n)
{
	struct nfc_lpm_prefix *lp = lib_routes(t->family, v, n);
	struct nfc_err err = {};
	size_t i;

	assert_true(routes_distinct(t->family, v, n) <= t->capacity);
	expect_rc(nfc_lpm__load(T.lpm, t->id, lp, n, &err), 0, &err,
		  "table %u: load %zu prefixes", t->id, n);
	free(lp);
	for (i = 0; t->mirror && i < t->ref.n_live; i++)
		trie_set(t->family, ref_live(&t->ref, i)->p, NFC_LPM_NONE);
	ref_clear(&t->ref, 0);
	for (i = 0; i < n; i++)
		ref_set(&t->ref, v[i].p, v[i].value, 0);
	for (i = 0; t->mirror && i < t->ref.n_live; i++)
		trie_set(t->family, ref_live(&t->ref, i)->p,
			 ref_live(&t->ref, i)->value);
}

static void tut_check(struct tut *t, size_t n, struct rng *r)
{
	table_check(t->id, t->what, &t->ref, T.probe, t->mirror, scaled(n), r);
}

static void tut_check_list(struct tut *t)
{
	table_check_list(t->id, t->what, &t->ref);
}

/* Table contents */

/* Prefixes per length in 100000: for IPv4 a BGP full table with an
 * internal table's more-specifics (as bench/scn_lpm.c); for IPv6 mostly
 * /32../48, some shorter, some longer. */
static const __u32 mix4[33] = {
	[8] = 2,     [9] = 3,     [10] = 5,    [11] = 10,   [12] = 30,
	[13] = 60,   [14] = 110,  [15] = 180,  [16] = 700,  [17] = 900,
	[18] = 1500, [19] = 2800, [20] = 4000, [21] = 4800, [22] = 9000,
	[23] = 9000, [24] = 56900, [25] = 1500, [26] = 1500, [27] = 1400,
	[28] = 1300, [29] = 1200, [30] = 1200, [31] = 400,  [32] = 1500,
};
static const __u32 mix6[129] = {
	[16] = 100,  [20] = 200,  [24] = 300,  [28] = 500,  [29] = 1500,
	[32] = 12000, [36] = 5000, [40] = 8000, [44] = 7000, [45] = 1000,
	[46] = 2000, [47] = 2000, [48] = 48600, [52] = 500, [56] = 3000,
	[60] = 500,  [64] = 5000, [96] = 200,  [112] = 300, [126] = 100,
	[127] = 200, [128] = 2000,
};

static unsigned mix_len(const __u32 *mix, unsigned max, struct rng *r)
{
	__u64 total = 0, x;
	unsigned len;

	for (len = 0; len <= max; len++)
		total += mix[len];
	x = rng_below(r, total);
	for (len = 0; x >= mix[len]; len++)
		x -= mix[len];
	return len;
}

/*
 * @n routes shaped like a real table: lengths from the mix, addresses in
 * 1.0.0.0-223.255.255.255 (IPv4) or 2000::/3 (IPv6), half the prefixes
 * longer than /24 (/48) inside one made before. May repeat a prefix.
 */
static struct route *gen_realistic(int family, struct rng *r, size_t n,
				   enum values mode)
{
	unsigned max = fam_bits(family), base = family == AF_INET ? 24 : 48;
	struct route *v = calloc(n ? n : 1, sizeof(*v));
	u128 *bases = calloc(n ? n : 1, sizeof(*bases));
	size_t n_bases = 0, i;

	assert_non_null(v);
	assert_non_null(bases);
	for (i = 0; i < n; i++) {
		unsigned len = mix_len(family == AF_INET ? mix4 : mix6, max, r);
		u128 a = rng_addr(r, family);

		if (len > base && n_bases && rng_below(r, 2))
			a = bases[rng_below(r, n_bases)] | (a & ~mask_of(base));
		else if (family == AF_INET)
			a = (a & ~mask_of(8)) |
			    (u128)(1 + rng_below(r, 223)) << 120;
		else
			a = (a & ~mask_of(3)) | (u128)1 << 125;
		v[i].p = pfx_make(a, len);
		v[i].value = value_gen(r, mode);
		if (len == base)
			bases[n_bases++] = v[i].p.addr;
	}
	free(bases);
	return v;
}

/*
 * @n random changes to @t: deletes and replaces of its prefixes, adds from
 * @pool (present or not), and the calls that must fail (NOEXIST on a
 * present prefix, EXIST or del on an absent one). A check of @lookups
 * every @every changes.
 */
static void tut_churn(struct tut *t, struct rng *r, size_t n,
		      const struct route *pool, size_t n_pool,
		      enum values mode, size_t every, size_t lookups)
{
	static const int flags[] = { NFC_LPM_ANY, NFC_LPM_NOEXIST,
				     NFC_LPM_EXIST };
	const struct route *pr;
	struct pfx p;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned op = rng_below(r, 100);

		pr = &pool[rng_below(r, n_pool)];
		if (op < 35 && t->ref.n_live) {
			p = ref_live(&t->ref, rng_below(r, t->ref.n_live))->p;
			tut_del(t, p);
		} else if (op < 60 && t->ref.n_live) {
			p = ref_live(&t->ref, rng_below(r, t->ref.n_live))->p;
			tut_add(t, p, value_gen(r, mode),
				op & 1 ? NFC_LPM_EXIST : NFC_LPM_ANY);
		} else if (op < 92) {
			tut_add(t, pr->p, value_gen(r, mode),
				flags[rng_below(r, 3)]);
		} else {
			tut_del(t, pr->p);
		}
		if ((i + 1) % every == 0)
			tut_check(t, lookups, r);
	}
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double case_t0, case_cpu0;

static int case_start(void **state)
{
	case_t0 = now_s();
	case_cpu0 = cpu_s();
	return 0;
}

/* Teardown of every case: nothing of it is left, nothing leaks. */
static int store_clean(void **state)
{
	struct nfc_lpm_store_info s;
	__u32 *ids = NULL;
	size_t n = 0, i;

	if (!T.lpm && store_open())
		return -1;
	if (nfc_lpm__tables(T.lpm, &ids, &n))
		return -1;
	for (i = 0; i < n; i++)
		nfc_lpm__destroy(T.lpm, ids[i], NULL);
	free(ids);
	/* fresh kernel tries, whatever a failed case left in them */
	lpm_probe_xdp__destroy(T.probe);
	T.probe = probe_open();
	if (!T.probe || nfc_lpm__sync(T.lpm))
		return -1;
	nfc_lpm__store_info(T.lpm, &s);
	if (s.tables || s.nodes_used || s.leaves_used || s.nodes_pending ||
	    s.leaves_pending) {
		fprintf(stderr,
			"lpm: with no table left and a grace period passed the store still counts %u tables, %llu nodes and %llu leaves in use, %llu and %llu pending: a leak\n",
			s.tables, (unsigned long long)s.nodes_used,
			(unsigned long long)s.leaves_used,
			(unsigned long long)s.nodes_pending,
			(unsigned long long)s.leaves_pending);
		return -1;
	}
	printf("lpm: the case took %.1f s (%.1f s of CPU)\n", now_s() - case_t0,
	       cpu_s() - case_cpu0);
	return 0;
}

/* The cases */

static void test_prefix_text(void **state)
{
	static const struct {
		const char *s;
		int family, len;
		const char *addr;
	} good[] = {
		{ "10.0.0.0/8", AF_INET, 8, "10.0.0.0" },
		{ "192.0.2.1", AF_INET, 32, "192.0.2.1" },
		{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0" },
		{ "255.255.255.255/32", AF_INET, 32, "255.255.255.255" },
		{ "2001:db8::/32", AF_INET6, 32, "2001:db8::" },
		{ "::/0", AF_INET6, 0, "::" },
		{ "::1", AF_INET6, 128, "::1" },
		{ "2001:db8::ff00/120", AF_INET6, 120, "2001:db8::ff00" },
	};
	static const char *const bad[] = {
		"10.0.0.1/8", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/",
		"/8", "", "10.0.0.0/8x", "10.0.0.0/-1", "hello",
		"2001:db8::1/32", "::/129", "2001:db8::/", "10.0.0.0/8/8",
	};
	struct rng r = case_rng("prefix_text");
	struct nfc_lpm_prefix p, q;
	char why[256], buf[128];
	__u8 want[16];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&p, 0xa5, sizeof(p));
		if (nfc_lpm_prefix__parse(good[i].s, &p, why, sizeof(why)))
			fail_msg("'%s' refused: %s", good[i].s, why);
		memset(want, 0, sizeof(want));
		inet_pton(good[i].family, good[i].addr, want);
		assert_int_equal(p.family, good[i].family);
		assert_int_equal(p.len, good[i].len);
		assert_memory_equal(p.addr, want,
				    good[i].family == AF_INET ? 4 : 16);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		if (nfc_lpm_prefix__parse(bad[i], &p, why, sizeof(why)) !=
		    -EINVAL)
			fail_msg("'%s' is not a prefix, yet was taken", bad[i]);
		if (!why[0])
			fail_msg("'%s' refused without a reason", bad[i]);
	}
	/* random prefixes of both families through text and back */
	for (i = 0; i < 20000; i++) {
		int family = i & 1 ? AF_INET6 : AF_INET;
		struct pfx x = pfx_make(rng_addr(&r, family),
					rng_below(&r, fam_bits(family) + 1));

		p = lib_pfx(family, x, 0);
		assert_int_equal(nfc_lpm_prefix__str(&p, buf, sizeof(buf)), 0);
		memset(&q, 0, sizeof(q));
		if (nfc_lpm_prefix__parse(buf, &q, why, sizeof(why)))
			fail_msg("%s printed as '%s', which is refused: %s",
				 pfx_str(family, x).s, buf, why);
		if (q.family != family || q.len != x.len ||
		    pfx_of_lib(&q).addr != x.addr)
			fail_msg("%s printed as '%s', read back as %s",
				 pfx_str(family, x).s, buf,
				 pfx_str(q.family, pfx_of_lib(&q)).s);
	}
}

static void expect_create(__u32 id, int family, __u32 capacity, int want)
{
	NFC_OPTS(nfc_lpm_create_opts, o, .capacity = capacity);
	struct nfc_err err = {};

	expect_rc(nfc_lpm__create(T.lpm, id, family, &o, &err), want, &err,
		  "create table %u, family %d, capacity %u", id, family,
		  capacity);
	if (want && !err.n)
		fail_msg("create table %u: %s without a message", id,
			 strerror(-want));
}

/* Table @id made for @capacity has a direct array or not; destroyed. */
static void expect_table_direct(__u32 id, int family, __u32 capacity,
				bool want)
{
	struct nfc_lpm_info info;

	expect_create(id, family, capacity, 0);
	assert_int_equal(nfc_lpm__info(T.lpm, id, &info), 0);
	assert_int_equal(info.capacity, capacity);
	if (info.direct_bytes !=
	    (want ? 4ULL << (family == AF_INET ? NFC_LPM_DIRECT_BITS
					       : NFC_LPM_DIRECT6_BITS) : 0))
		fail_msg("table %u (family %d, capacity %u): a direct array of %llu bytes",
			 id, family, capacity,
			 (unsigned long long)info.direct_bytes);
	assert_int_equal(nfc_lpm__destroy(T.lpm, id, NULL), 0);
}

static void test_create_destroy(void **state)
{
	struct rng r = case_rng("create_destroy");
	struct route *v = gen_realistic(AF_INET, &r, scaled(5000), WIDE);
	struct nfc_lpm_prefix lp = lib_pfx(AF_INET, pfx_make(0, 0), 1), *l;
	struct lpm_probe_answer *out;
	struct nfc_lpm_info info;
	struct nfc_err err = {};
	__u32 *ids, want_ids[] = { 5, 7, 9, 100, NFC_LPM_INSTANCE_BASE - 1 };
	size_t n = scaled(5000), i, k;
	u128 *a;
	struct tut t, u;

	tut_create(&t, 7, AF_INET, 0, true);
	assert_int_equal(nfc_lpm__info(T.lpm, 7, &info), 0);
	assert_int_equal(info.table, 7);
	assert_int_equal(info.family, AF_INET);
	assert_int_equal(info.prefixes, 0);
	assert_int_equal(info.capacity, NFC_LPM_DEFAULT_CAPACITY);
	expect_create(7, AF_INET, 0, -EEXIST);
	expect_create(7, AF_INET6, 0, -EEXIST);
	expect_create(0, AF_INET, 0, -EINVAL);
	expect_create(NFC_LPM_MAX_TABLES, AF_INET, 0, -EINVAL);
	/* node instances' tables are the manifests' */
	expect_create(NFC_LPM_INSTANCE_BASE, AF_INET, 0, -EPERM);
	expect_create(8, AF_UNIX, 0, -EINVAL);
	expect_create(8, AF_INET, NFC_LPM_MAX_CAPACITY + 1, -EINVAL);
	assert_int_equal(nfc_lpm__info(T.lpm, 8, &info), -ENOENT);
	/* a direct array for IPv4 tables of NFC_LPM_DIRECT_CAPACITY or more,
	 * IPv6 tables of NFC_LPM_DIRECT6_CAPACITY */
	expect_table_direct(8, AF_INET, NFC_LPM_DIRECT_CAPACITY - 1, false);
	expect_table_direct(8, AF_INET, NFC_LPM_DIRECT_CAPACITY, true);
	expect_table_direct(8, AF_INET6, NFC_LPM_DIRECT6_CAPACITY - 1, false);
	expect_table_direct(8, AF_INET6, NFC_LPM_DIRECT6_CAPACITY, true);

	/* an empty table misses everywhere */
	tut_check(&t, 4096, &r);
	tut_load(&t, v, n);
	t.what = "loaded";
	tut_check(&t, 200000, &r);
	t.what = "loaded empty";
	tut_load(&t, NULL, 0);
	tut_check(&t, 20000, &r);
	tut_check_list(&t);
	t.what = "loaded again";
	tut_load(&t, v, n);
	tut_check(&t, 50000, &r);

	/* destroyed: misses at once, through every path */
	a = calloc(n, sizeof(*a));
	out = calloc(n, sizeof(*out));
	assert_non_null(a);
	assert_non_null(out);
	for (i = 0; i < n; i++)
		a[i] = probe_addr(&t.ref, &r);
	tut_destroy(&t);
	probe_lookup(T.probe, AF_INET, 7, a, n, out);
	for (i = 0; i < n; i++) {
		if (out[i].ours != NFC_LPM_NONE ||
		    user_lookup(7, a[i]) != NFC_LPM_NONE)
			fail_msg("destroyed table 7: %s: datapath %s, nfc_lpm__lookup %s",
				 addr_str(AF_INET, a[i]).s,
				 val_str(out[i].ours).s,
				 val_str(user_lookup(7, a[i])).s);
	}
	assert_int_equal(nfc_lpm__info(T.lpm, 7, &info), -ENOENT);
	assert_int_equal(nfc_lpm__list(T.lpm, 7, &l, &k, &err), -ENOENT);
	assert_int_equal(nfc_lpm__add(T.lpm, 7, &lp, 0, &err), -ENOENT);
	assert_int_equal(nfc_lpm__del(T.lpm, 7, &lp, &err), -ENOENT);
	assert_int_equal(nfc_lpm__load(T.lpm, 7, &lp, 1, &err), -ENOENT);
	assert_int_equal(nfc_lpm__destroy(T.lpm, 7, &err), -ENOENT);

	/* the id again, for the other family: empty, and IPv4 lookups miss */
	tut_create(&u, 7, AF_INET6, 0, true);
	probe_lookup(T.probe, AF_INET, 7, a, n, out);
	for (i = 0; i < n; i++)
		if (out[i].ours != NFC_LPM_NONE)
			fail_msg("IPv6 table 7: IPv4 lookup of %s: %s",
				 addr_str(AF_INET, a[i]).s,
				 val_str(out[i].ours).s);
	tut_check(&u, 4096, &r);
	free(v);
	v = gen_realistic(AF_INET6, &r, scaled(2000), WIDE);
	for (i = 0; i < scaled(2000); i++)
		tut_add(&u, v[i].p, v[i].value, NFC_LPM_ANY);
	u.what = "made again as IPv6";
	tut_check(&u, 100000, &r);
	tut_check_list(&u);

	/* nfc_lpm__tables(): every table, ascending */
	expect_create(100, AF_INET, 16, 0);
	expect_create(5, AF_INET6, 16, 0);
	expect_create(9, AF_INET, 16, 0);
	expect_create(NFC_LPM_INSTANCE_BASE - 1, AF_INET6, 16, 0);
	assert_int_equal(nfc_lpm__tables(T.lpm, &ids, &k), 0);
	assert_int_equal(k, 5);
	assert_memory_equal(ids, want_ids, sizeof(want_ids));
	free(ids);
	assert_int_equal(nfc_lpm__info(T.lpm, 9, &info), 0);
	assert_int_equal(info.capacity, 16);
	tut_destroy(&u);
	free(a);
	free(out);
	free(v);
}

#define SMALL_TABLES 1000
#define SMALL_PREFIXES 20

static __u64 trie_bytes_sum(const struct tut *t, size_t n, __u64 *nodes,
			    __u64 *leaves)
{
	struct nfc_lpm_info info;
	__u64 sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(nfc_lpm__info(T.lpm, t[i].id, &info), 0);
		sum += info.trie_bytes;
		*nodes += info.nodes;
		*leaves += info.leaves;
	}
	return sum;
}

static void test_many_tables(void **state)
{
	struct rng r = case_rng("many_tables");
	size_t n_big = scaled(200000), i;
	struct nfc_lpm_store_info s0, s1, s2;
	struct tut *small = calloc(SMALL_TABLES, sizeof(*small)), big;
	__u64 nodes = 0, leaves = 0, small_bytes, big_bytes;
	struct route *v;
	__u32 *ids;
	size_t n_ids;

	assert_non_null(small);
	nfc_lpm__store_info(T.lpm, &s0);
	for (i = 0; i < SMALL_TABLES; i++) {
		struct tut *t = &small[i];
		size_t j;

		tut_create(t, 1000 + i, i % 3 ? AF_INET : AF_INET6,
			   SMALL_PREFIXES, false);
		v = gen_realistic(t->family, &r, SMALL_PREFIXES, WIDE);
		if (i & 1) {
			t->what = "one of 1000, loaded";
			tut_load(t, v, SMALL_PREFIXES);
		} else {
			t->what = "one of 1000, added";
			for (j = 0; j < SMALL_PREFIXES; j++)
				tut_add(t, v[j].p, v[j].value, NFC_LPM_ANY);
		}
		free(v);
	}
	nfc_lpm__store_info(T.lpm, &s1);
	small_bytes = trie_bytes_sum(small, SMALL_TABLES, &nodes, &leaves);

	tut_create(&big, 5000, AF_INET, n_big, true);
	v = gen_realistic(AF_INET, &r, n_big, WIDE);
	big.what = "200k beside 1000 small";
	tut_load(&big, v, n_big);
	free(v);
	nfc_lpm__store_info(T.lpm, &s2);
	big_bytes = trie_bytes_sum(&big, 1, &nodes, &leaves);

	printf("lpm: store %llu KiB empty, %llu KiB with %d tables of %d prefixes (their tries %llu KiB), %llu KiB with %zu more prefixes (their trie %llu KiB)\n",
	       (unsigned long long)s0.bytes >> 10,
	       (unsigned long long)s1.bytes >> 10, SMALL_TABLES,
	       SMALL_PREFIXES, (unsigned long long)small_bytes >> 10,
	       (unsigned long long)s2.bytes >> 10, n_big,
	       (unsigned long long)big_bytes >> 10);
	assert_int_equal(s2.tables, SMALL_TABLES + 1);
	assert_int_equal(nfc_lpm__tables(T.lpm, &ids, &n_ids), 0);
	assert_int_equal(n_ids, SMALL_TABLES + 1);
	free(ids);
	/* the store's account and the tables' agree */
	assert_int_equal(s2.nodes_used, nodes);
	assert_int_equal(s2.leaves_used, leaves);
	assert_true(s2.bytes >= small_bytes + big_bytes);
	/* memory follows prefixes: 20 prefixes cost nothing like a fixed
	 * block (256 KiB would be 250 MiB for 1000 tables) */
	if (s1.bytes - s0.bytes > SMALL_TABLES * (32ULL << 10))
		fail_msg("1000 tables of 20 prefixes grew the store by %llu KiB",
			 (unsigned long long)(s1.bytes - s0.bytes) >> 10);
	assert_true(s2.bytes > s1.bytes);
	if (s2.bytes - s1.bytes > n_big * 128ULL + (4ULL << 20))
		fail_msg("%zu prefixes grew the store by %llu KiB", n_big,
			 (unsigned long long)(s2.bytes - s1.bytes) >> 10);

	for (i = 0; i < SMALL_TABLES; i++)
		tut_check(&small[i], 256, &r);
	tut_check(&big, 500000, &r);
	for (i = 0; i < SMALL_TABLES; i += 97)
		tut_check_list(&small[i]);

	/* changes hopping from table to table: the slots one frees, the
	 * next one takes */
	for (i = 0; i < scaled(5000); i++) {
		struct tut *t = i % 10 ? &small[rng_below(&r, SMALL_TABLES)] :
					 &big;

		v = gen_realistic(t->family, &r, 1, WIDE);
		if (rng_below(&r, 3) == 0 && t->ref.n_live)
			tut_del(t, ref_live(&t->ref,
					    rng_below(&r, t->ref.n_live))->p);
		else
			tut_add(t, v[0].p, v[0].value, NFC_LPM_ANY);
		free(v);
	}
	for (i = 0; i < SMALL_TABLES; i++) {
		small[i].what = "one of 1000, changed";
		tut_check(&small[i], 256, &r);
	}
	big.what = "200k beside 1000 small, changed";
	tut_check(&big, 200000, &r);
	for (i = 0; i < SMALL_TABLES; i++)
		tut_destroy(&small[i]);
	tut_check(&big, 100000, &r);
	tut_destroy(&big);
	free(small);
}

/*
 * A realistic table of @n_bulk prefixes loaded at once; then one of
 * @n_added of the same prefixes, in another order, built by adds, changed
 * thousands of times, and loaded over.
 */
static void diff_random(const struct shape *sh, const char *name,
			size_t n_bulk, size_t n_added, size_t lookups)
{
	int family = sh->family;
	struct rng r = case_rng(name);
	struct route *v = gen_realistic(family, &r, n_bulk, sh->wide);
	struct route *pool = gen_realistic(family, &r, n_added, sh->wide);
	size_t n_churn = scaled(10000), n_dup = n_bulk / 10, i;
	struct route *dup;
	struct tut t;
	double t0;

	/* bulk, with a tenth of the prefixes given twice: the last wins */
	dup = calloc(n_bulk + n_dup, sizeof(*dup));
	assert_non_null(dup);
	memcpy(dup, v, n_bulk * sizeof(*v));
	for (i = 0; i < n_dup; i++) {
		dup[n_bulk + i] = v[rng_below(&r, n_bulk)];
		dup[n_bulk + i].value = value_gen(&r, sh->wide);
	}
	tut_create(&t, 11, family, sh->capacity, true);
	t.what = "loaded";
	t0 = now_s();
	tut_load(&t, dup, n_bulk + n_dup);
	printf("lpm: %s: %u prefixes loaded in %.2f s\n", name, t.ref.n_live,
	       now_s() - t0);
	tut_check(&t, lookups, &r);
	tut_check_list(&t);
	tut_destroy(&t);
	free(dup);

	tut_create(&t, 12, family, sh->capacity, true);
	t.what = "added";
	rng_shuffle(&r, v, n_bulk);
	t0 = now_s();
	for (i = 0; i < n_added; i++)
		tut_add(&t, v[i].p, v[i].value, NFC_LPM_ANY);
	printf("lpm: %s: %zu adds in %.2f s\n", name, n_added, now_s() - t0);
	tut_check(&t, lookups, &r);
	tut_check_list(&t);

	t.what = "changed";
	t0 = now_s();
	tut_churn(&t, &r, n_churn, pool, n_added, sh->wide, n_churn / 8,
		  lookups / 16);
	printf("lpm: %s: %zu random changes, with checks, in %.2f s\n", name,
	       n_churn, now_s() - t0);
	tut_check(&t, lookups / 2, &r);
	tut_check_list(&t);

	t.what = "loaded over";
	tut_load(&t, pool, n_added);
	tut_check(&t, lookups / 2, &r);
	tut_check_list(&t);
	tut_destroy(&t);
	free(v);
	free(pool);
}

static void test_diff_v4(void **state)
{
	diff_random(&V4, "diff_v4", scaled(100000), scaled(30000), 700000);
}

static void test_diff_v4_direct(void **state)
{
	diff_random(&V4_DIRECT, "diff_v4_direct", scaled(100000),
		    scaled(20000), 700000);
}

static void test_diff_v6(void **state)
{
	diff_random(&V6, "diff_v6", scaled(50000), scaled(15000), 600000);
}

static void test_diff_v6_direct(void **state)
{
	diff_random(&V6_DIRECT, "diff_v6_direct", scaled(50000),
		    scaled(15000), 600000);
}

/* Host routes only: sparse over the whole space, loaded and added. */
static void host_routes_sparse(const struct shape *sh, struct rng *r, size_t n)
{
	int family = sh->family;
	struct route *v = calloc(n, sizeof(*v));
	size_t i;
	struct tut t;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i].p = pfx_make(rng_addr(r, family), fam_bits(family));
		v[i].value = value_gen(r, sh->wide);
	}
	tut_create(&t, 21, family, sh->capacity, true);
	t.what = "sparse host routes, loaded";
	tut_load(&t, v, n);
	tut_check(&t, 300000, r);
	tut_check_list(&t);
	tut_destroy(&t);

	tut_create(&t, 22, family, sh->capacity, true);
	t.what = "sparse host routes, added";
	for (i = 0; i < n / 4; i++)
		tut_add(&t, v[i].p, v[i].value, NFC_LPM_ANY);
	tut_check(&t, 100000, r);
	for (i = 0; i < n / 8; i++)
		tut_del(&t, v[i].p);
	tut_check(&t, 100000, r);
	tut_destroy(&t);
	free(v);
}

/*
 * Every address of one block as a host route, few distinct values: then
 * every other one deleted in random order, and loaded back at once.
 */
static void host_routes_dense(const struct shape *sh, struct rng *r, u128 base,
			      unsigned block_len)
{
	int family = sh->family;
	size_t n = (size_t)1 << (fam_bits(family) - block_len), i;
	struct route *v = calloc(n, sizeof(*v));
	struct tut t;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i].p = pfx_make(base + i * bit_at(fam_bits(family) - 1),
				  fam_bits(family));
		v[i].value = value_gen(r, NARROW);
	}
	tut_create(&t, 23, family, sh->capacity, true);
	t.what = "dense host routes, added";
	rng_shuffle(r, v, n);
	for (i = 0; i < n; i++)
		tut_add(&t, v[i].p, v[i].value, NFC_LPM_ANY);
	tut_check(&t, 100000, r);
	t.what = "dense host routes, half deleted";
	for (i = 0; i < n / 2; i++) {
		tut_del(&t, v[i].p);
		if ((i + 1) % (n / 8) == 0)
			tut_check(&t, 25000, r);
	}
	tut_check_list(&t);
	t.what = "dense host routes, loaded";
	tut_load(&t, v, n);
	tut_check(&t, 100000, r);
	tut_destroy(&t);
	free(v);
}

/*
 * Every length on each anchor, added one at a time in random order and
 * then deleted the same way, with @per_step lookups after each step: the
 * incremental update paths at every depth and slot position.
 */
static void nested(const struct shape *sh, struct rng *r, const u128 *anchors,
		   size_t n_anchors, size_t per_step)
{
	int family = sh->family;
	unsigned bits = fam_bits(family), len;
	size_t n = n_anchors * (bits + 1), i, k = 0;
	struct route *v = calloc(n, sizeof(*v));
	struct tut t;

	assert_non_null(v);
	for (i = 0; i < n_anchors; i++)
		for (len = 0; len <= bits; len++, k++) {
			v[k].p = pfx_make(anchors[i], len);
			v[k].value = value_gen(r, len & 1 ? sh->wide : NARROW);
		}
	tut_create(&t, 24, family, sh->capacity, true);
	t.what = "nested lengths, adding";
	rng_shuffle(r, v, n);
	for (i = 0; i < n; i++) {
		tut_add(&t, v[i].p, v[i].value, NFC_LPM_ANY);
		tut_check(&t, per_step, r);
	}
	tut_check_list(&t);
	t.what = "nested lengths, replacing";
	for (i = 0; i < n; i += 3) {
		tut_add(&t, v[i].p, value_gen(r, NARROW), NFC_LPM_EXIST);
		tut_check(&t, per_step, r);
	}
	t.what = "nested lengths, deleting";
	rng_shuffle(r, v, n);
	for (i = 0; i < n; i++) {
		tut_del(&t, v[i].p);
		tut_check(&t, per_step, r);
	}
	tut_check_list(&t);
	tut_destroy(&t);
	free(v);
}

/* A default route added, replaced and removed under a realistic table. */
static void default_route(const struct shape *sh, struct rng *r, size_t n)
{
	int family = sh->family;
	struct route *v = gen_realistic(family, r, n, sh->wide);
	struct pfx all = pfx_make(0, 0);
	struct tut t;

	tut_create(&t, 25, family, sh->capacity, true);
	t.what = "no default route";
	tut_load(&t, v, n);
	tut_check(&t, 100000, r);
	t.what = "default route added";
	tut_add(&t, all, 77, NFC_LPM_NOEXIST);
	tut_check(&t, 100000, r);
	t.what = "default route replaced";
	tut_add(&t, all, 0, NFC_LPM_EXIST);
	tut_check(&t, 100000, r);
	t.what = "default route deleted";
	tut_del(&t, all);
	tut_check(&t, 100000, r);
	assert_int_equal(tut_del(&t, all), -ENOENT);
	t.what = "default route loaded";
	v[n / 2].p = all;
	tut_load(&t, v, n);
	tut_check(&t, 100000, r);
	tut_destroy(&t);
	free(v);
}

/*
 * Prefixes of every length around a few seeds in one small range, some
 * branching off at a random bit: deep overlap, every length, few values.
 * Built by adds, then changed at random.
 */
static void overlapping(const struct shape *sh, struct rng *r, struct pfx range,
			size_t n)
{
	int family = sh->family;
	unsigned bits = fam_bits(family);
	u128 seeds[32];
	struct route *v = calloc(n, sizeof(*v));
	size_t i;
	struct tut t;

	assert_non_null(v);
	for (i = 0; i < 32; i++)
		seeds[i] = range.addr | (rng_addr(r, family) &
					 ~mask_of(range.len));
	for (i = 0; i < n; i++) {
		unsigned len = rng_below(r, bits + 1);
		u128 a = seeds[rng_below(r, 32)];

		if (len > range.len && rng_below(r, 2))
			a ^= bit_at(range.len + rng_below(r, len - range.len));
		v[i].p = pfx_make(a, len);
		v[i].value = value_gen(r, NARROW);
	}
	tut_create(&t, 26, family, sh->capacity, true);
	t.what = "overlapping, added";
	for (i = 0; i < n; i++) {
		tut_add(&t, v[i].p, v[i].value, NFC_LPM_ANY);
		if ((i + 1) % (n / 8) == 0)
			tut_check(&t, 20000, r);
	}
	tut_check_list(&t);
	t.what = "overlapping, changed";
	tut_churn(&t, r, n, v, n, NARROW, n / 8, 20000);
	tut_check_list(&t);
	t.what = "overlapping, loaded";
	tut_load(&t, v, n);
	tut_check(&t, 100000, r);
	tut_destroy(&t);
	free(v);
}

static u128 addr4(const char *s)
{
	__u8 b[16] = {};

	assert_int_equal(inet_pton(AF_INET, s, b), 1);
	return addr_of_bytes(b);
}

static u128 addr6(const char *s)
{
	__u8 b[16];

	assert_int_equal(inet_pton(AF_INET6, s, b), 1);
	return addr_of_bytes(b);
}

static void adversarial_v4(const struct shape *sh, const char *name)
{
	struct rng r = case_rng(name);
	u128 anchors[8] = {
		addr4("0.0.0.0"), addr4("255.255.255.255"),
		addr4("10.20.30.40"), addr4("192.168.1.1"),
	};
	size_t i;

	for (i = 4; i < 8; i++)
		anchors[i] = rng_addr(&r, AF_INET);
	host_routes_sparse(sh, &r, scaled(50000));
	host_routes_dense(sh, &r, addr4("10.0.0.0"), T.quick > 1 ? 22 : 18);
	nested(sh, &r, anchors, 8, scaled(1024));
	default_route(sh, &r, scaled(20000));
	overlapping(sh, &r, pfx_make(addr4("10.0.0.0"), 12), scaled(3000));
}

static void test_adversarial_v4(void **state)
{
	adversarial_v4(&V4, "adversarial_v4");
}

static void test_adversarial_v4_direct(void **state)
{
	adversarial_v4(&V4_DIRECT, "adversarial_v4_direct");
}

/*
 * Long IPv6 chains: under a few /64s, every /128 of a /120, a prefix of
 * each length /96../127 on a random address of it, and the pairs /127,
 * /126 around it: prefixes that differ only in their last bits, on the
 * last, two-bit level of the trie.
 */
static void long_chains(const struct shape *sh, struct rng *r)
{
	struct route *v = NULL;
	size_t n = 0, cap = 0, i, j;
	unsigned len;
	struct tut t;

	for (i = 0; i < 4; i++) {
		u128 base = (addr6("2001:db8::") | (rng_addr(r, AF_INET6) &
			     ~mask_of(32) & mask_of(64))) |
			    (rng_addr(r, AF_INET6) & ~mask_of(64) & mask_of(120));

		cap += 256 + 33 + 8;
		v = realloc(v, cap * sizeof(*v));
		assert_non_null(v);
		for (j = 0; j < 256; j++) {
			v[n].p = pfx_make(base + j, 128);
			v[n++].value = value_gen(r, NARROW);
		}
		for (len = 96; len <= 128; len++) {
			v[n].p = pfx_make(base + rng_below(r, 256), len);
			v[n++].value = value_gen(r, sh->wide);
		}
		for (j = 0; j < 4; j++) {
			u128 a = base + rng_below(r, 256);

			v[n].p = pfx_make(a, 127);
			v[n++].value = value_gen(r, NARROW);
			v[n].p = pfx_make(a ^ 2, 126);
			v[n++].value = value_gen(r, NARROW);
		}
	}
	tut_create(&t, 27, sh->family, sh->capacity, true);
	t.what = "long chains, added";
	rng_shuffle(r, v, n);
	for (i = 0; i < n; i++) {
		tut_add(&t, v[i].p, v[i].value, NFC_LPM_ANY);
		if (i % 16 == 0)
			tut_check(&t, 4096, r);
	}
	tut_check_list(&t);
	t.what = "long chains, half deleted";
	rng_shuffle(r, v, n);
	for (i = 0; i < n / 2; i++) {
		tut_del(&t, v[i].p);
		if (i % 16 == 0)
			tut_check(&t, 4096, r);
	}
	t.what = "long chains, loaded";
	tut_load(&t, v, n);
	tut_check(&t, 200000, r);
	tut_destroy(&t);
	free(v);
}

static void adversarial_v6(const struct shape *sh, const char *name)
{
	struct rng r = case_rng(name);
	u128 anchors[4] = {
		addr6("::"), addr6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
		addr6("2001:db8:1:2:3:4:5:6"),
	};

	anchors[3] = rng_addr(&r, AF_INET6);
	host_routes_sparse(sh, &r, scaled(12000));
	host_routes_dense(sh, &r, addr6("2001:db8::"), T.quick > 1 ? 118 : 116);
	nested(sh, &r, anchors, 4, scaled(256));
	long_chains(sh, &r);
	default_route(sh, &r, scaled(10000));
	overlapping(sh, &r, pfx_make(addr6("2001:db8::"), 32), scaled(1000));
}

static void test_adversarial_v6(void **state)
{
	adversarial_v6(&V6, "adversarial_v6");
}

static void test_adversarial_v6_direct(void **state)
{
	adversarial_v6(&V6_DIRECT, "adversarial_v6_direct");
}

/*
 * Updates under lookup. The changes are made up front: change k takes the
 * table from state k - 1 to state k, and a versioned reference knows the
 * answer of every state. The main thread makes the changes in order,
 * `started` = k before change k and `completed` = k after it; the lookup
 * thread reads completed (s0) before a batch and started (s1) after it. Any
 * state the batch can have seen lies in [s0, s1]: an answer that is no
 * state's answer in that window is a torn or stale read.
 *
 * In every other block of 32 changes the main thread waits for a batch to
 * end after each change, so that the windows stay a state or two wide and
 * every change meets a batch in flight; in the others it changes as fast
 * as it can. Some batches are one stalled lookup (lpm_stall.bpf.c): it
 * reads the root, waits about 2 ms, and reads the nodes only then, while
 * the free-running changes replace them; what a change replaced must not
 * be reused before a grace period, or the walk reads nodes of a later
 * state and answers what no state did. (Batches one at a time with the
 * changes waiting for them would themselves be a grace period: the stalls
 * and the free-running blocks are what a missing one needs to show.)
 */
struct churn_op {
	struct pfx p;		/* the prefix changed; a load: /0 */
	__u32 value;		/* NFC_LPM_NONE: deleted */
	struct nfc_lpm_prefix *load; /* a load: the table's new content */
	size_t n_load;
};

#define CHURN_BAD_MAX 8
#define CHURN_VALUE(k) (0x10000000u + (k)) /* change k's, unique */
#define CHURN_BACKGROUND(i) (0x40000000u + (i))
#define CHURN_LOADED(k, i) (0x20000000u + ((__u32)(k) << 12) + (i))
#define CHURN_NEVER 0xdeadbeefu		/* no change or route has it */

struct churn {
	int family;
	__u32 table;
	struct ref ref;		/* versioned: every state */
	struct churn_op *ops;	/* ops[k - 1] makes state k */
	size_t n_ops;
	u128 *pool;		/* the addresses looked up */
	size_t n_pool;
	struct lpm_probe_xdp *probe;
	struct lpm_stall_xdp *staller;
	__u32 stall;		/* spins of a stalled lookup */
	struct rng rng;		/* the lookup thread's */
	_Atomic size_t started, completed, batches;
	_Atomic bool stop;
	_Atomic int err;
	/* what the lookup thread saw */
	size_t lookups, changing, newer, max_window, stalled;
	size_t n_bad;
	struct {
		u128 a;
		__u32 got;
		size_t s0, s1;
	} bad[CHURN_BAD_MAX];
};

/*
 * Whether @got is @a's answer in some state s0..s1. *changing: the answer
 * is not the same in all of them; *newer: @got is a later state's only.
 */
static bool churn_judge(const struct churn *c, u128 a, __u32 got, size_t s0,
			size_t s1, bool *changing, bool *newer)
{
	__u32 first = ref_lookup_at(&c->ref, a, s0), v;
	bool ok = got == first;
	size_t k;

	*changing = *newer = false;
	for (k = s0 + 1; k <= s1; k++) {
		if (!pfx_covers(c->ops[k - 1].p, a))
			continue;
		v = ref_lookup_at(&c->ref, a, k);
		*changing |= v != first;
		if (!ok && v == got)
			ok = *newer = true;
	}
	return ok;
}

static bool churn_ok(const struct churn *c, u128 a, __u32 got, size_t s0,
		     size_t s1)
{
	bool changing, newer;

	return churn_judge(c, a, got, s0, s1, &changing, &newer);
}

static void *churn_lookups(void *arg)
{
	struct churn *c = arg;
	struct lpm_probe_xdp *p = c->probe;
	u128 a[4096];
	bool changing, newer, stalled;
	__u32 n, got, got_stalled = 0;
	size_t s0, s1, i;
	int r;

	while (!atomic_load(&c->stop)) {
		/* mostly short batches (small windows), some long ones, some
		 * one lookup stalled between reading the root and the nodes */
		i = rng_below(&c->rng, 20);
		n = i < 13 ? 64 : i < 17 ? 512 : i < 18 ? 4096 : 1;
		stalled = i >= 18;
		for (i = 0; i < n; i++) {
			a[i] = c->pool[rng_below(&c->rng, c->n_pool)];
			probe_key(p, i, a[i]);
		}
		s0 = atomic_load(&c->completed);
		if (stalled)
			r = stall_run(c->staller, c->family, c->table, a[0],
				      c->stall, &got_stalled);
		else
			r = probe_run(p, c->family, c->table, n);
		s1 = atomic_load(&c->started);
		if (r) {
			atomic_store(&c->err, r);
			break;
		}
		if (s1 - s0 > c->max_window)
			c->max_window = s1 - s0;
		for (i = 0; i < n; i++) {
			got = stalled ? got_stalled : p->bss->probe_out[i].ours;
			if (!churn_judge(c, a[i], got, s0, s1, &changing,
					 &newer)) {
				if (c->n_bad < CHURN_BAD_MAX) {
					c->bad[c->n_bad].a = a[i];
					c->bad[c->n_bad].got = got;
					c->bad[c->n_bad].s0 = s0;
					c->bad[c->n_bad].s1 = s1;
				}
				c->n_bad++;
			}
			c->changing += changing;
			c->newer += newer;
		}
		c->lookups += n;
		c->stalled += stalled;
		atomic_fetch_add(&c->batches, 1);
	}
	return NULL;
}

/* Before the judge is trusted: it takes every state's answer in the
 * window and rejects a stale one and one no state had. */
static void churn_judge_self_test(const struct churn *c)
{
	size_t k, i, tried = 0;
	__u32 old, new;

	for (k = 1; k <= c->n_ops; k++) {
		for (i = 0; i < c->n_pool; i++) {
			u128 a = c->pool[i];

			if (!pfx_covers(c->ops[k - 1].p, a))
				continue;
			old = ref_lookup_at(&c->ref, a, k - 1);
			new = ref_lookup_at(&c->ref, a, k);
			if (old == new)
				continue;
			assert_true(churn_ok(c, a, old, k - 1, k));
			assert_true(churn_ok(c, a, new, k - 1, k));
			assert_false(churn_ok(c, a, old, k, k));
			assert_false(churn_ok(c, a, new, k - 1, k - 1));
			assert_false(churn_ok(c, a, CHURN_NEVER, 0, c->n_ops));
			tried++;
			break;
		}
	}
	/* and the pool sees most changes */
	if (tried < c->n_ops / 2)
		fail_msg("only %zu of %zu changes show at the addresses looked up",
			 tried, c->n_ops);
}

/*
 * Change k as a load: the initial routes, each kept with a chance of 3 in
 * 4, with values of its own; the default route on every other load.
 */
static void churn_plan_load(struct churn *c, size_t k,
			    const struct route *init, size_t n_init,
			    struct rng *r)
{
	struct churn_op *op = &c->ops[k - 1];
	struct route *v = calloc(n_init + 1, sizeof(*v));
	size_t n = 0, i;

	assert_non_null(v);
	for (i = 0; i < n_init; i++) {
		if (rng_below(r, 4) == 0)
			continue;
		v[n] = init[i];
		v[n++].value = CHURN_LOADED(k, i);
	}
	if (k & 1)
		v[n++] = (struct route){ .p = pfx_make(0, 0),
					 .value = CHURN_LOADED(k, n_init) };
	op->p = pfx_make(0, 0);
	op->load = lib_routes(c->family, v, n);
	op->n_load = n;
	ref_clear(&c->ref, k);
	for (i = 0; i < n; i++)
		ref_set(&c->ref, v[i].p, v[i].value, k);
	free(v);
}

/*
 * The changes: a short prefix (@hot[0]) and the default route (@hot[1])
 * often, the other hot prefixes evenly; a present prefix is deleted 40% of
 * the time and else given a new value, an absent one added. One change in
 * a hundred loads the whole table anew.
 */
static void churn_plan(struct churn *c, const struct pfx *hot, size_t n_hot,
		       const struct route *init, size_t n_init,
		       struct rng *r)
{
	size_t k;

	c->ops = calloc(c->n_ops, sizeof(*c->ops));
	assert_non_null(c->ops);
	for (k = 1; k <= c->n_ops; k++) {
		unsigned u = rng_below(r, 100);
		struct pfx p = u < 15 ? hot[0] : u < 20 ? hot[1] :
				hot[2 + rng_below(r, n_hot - 2)];
		bool present = ref_value(&c->ref, p) != NFC_LPM_NONE;
		__u32 value = present && rng_below(r, 100) < 40 ?
				      NFC_LPM_NONE : CHURN_VALUE(k);

		if (u == 99) {
			churn_plan_load(c, k, init, n_init, r);
			continue;
		}
		c->ops[k - 1] = (struct churn_op){ .p = p, .value = value };
		ref_set(&c->ref, p, value, k);
	}
}

/* Addresses at the edges of every hot prefix, inside the short one, and
 * in the background. */
static void churn_pool(struct churn *c, const struct pfx *hot, size_t n_hot,
		       const struct route *bg, size_t n_bg, struct rng *r)
{
	int family = c->family;
	size_t i, cap = n_hot * 6 + 512 + 256;

	c->pool = calloc(cap, sizeof(*c->pool));
	assert_non_null(c->pool);
	for (i = 0; i < n_hot; i++) {
		u128 first = hot[i].addr, last = pfx_last(family, hot[i]);
		u128 rnd = rng_addr(r, family) & ~mask_of(hot[i].len);

		c->pool[c->n_pool++] = first;
		c->pool[c->n_pool++] = last;
		c->pool[c->n_pool++] = addr_step(family, first, -1);
		c->pool[c->n_pool++] = addr_step(family, last, 1);
		c->pool[c->n_pool++] = first | rnd;
		c->pool[c->n_pool++] = first | (rnd >> 1);
	}
	for (i = 0; i < 512; i++)
		c->pool[c->n_pool++] = hot[0].addr |
				       (rng_addr(r, family) & ~mask_of(hot[0].len));
	for (i = 0; i < 256; i++) {
		const struct route *b = &bg[rng_below(r, n_bg)];

		c->pool[c->n_pool++] = b->p.addr |
			(rng_addr(r, family) & ~mask_of(b->p.len));
	}
}

/* Spins of a stalled lookup in @table that last about @seconds here. */
static __u32 stall_calibrate(struct lpm_stall_xdp *s, int family,
			     __u32 table, double seconds)
{
	__u32 spins = 1 << 16, v;
	double t0 = now_s(), took;

	assert_int_equal(stall_run(s, family, table, 0, spins, &v), 0);
	took = now_s() - t0;
	if (took < 1e-6)
		took = 1e-6;
	spins = seconds / took * spins;
	return spins < 1024 ? 1024 : spins > (1u << 23) ? 1u << 23 : spins;
}

static void updates_under_lookup(const struct shape *sh, const char *name)
{
	int family = sh->family;
	static const unsigned lens4[] = { 9, 12, 16, 17, 18, 23, 24, 25, 29,
					  30, 31, 32 };
	static const unsigned lens6[] = { 33, 40, 47, 48, 49, 56, 63, 64, 65,
					  96, 126, 127, 128 };
	const unsigned *lens = family == AF_INET ? lens4 : lens6;
	size_t n_lens = family == AF_INET ? 12 : 13;
	struct pfx short_pfx = family == AF_INET ?
		pfx_make(addr4("10.0.0.0"), 8) : pfx_make(addr6("2001:db8::"), 32);
	struct rng r = case_rng(name);
	struct churn *c = calloc(1, sizeof(*c));
	size_t n_bg = scaled(3000) + 256, n_hot = 2, i, j, k, n_init = 0;
	struct pfx hot[2 + 8 * 13];
	struct route *bg, *init;
	struct nfc_lpm_prefix *lp;
	struct nfc_err err = {};
	pthread_t thread;
	double t0;
	int rc;

	assert_non_null(c);
	c->family = family;
	c->table = 31;
	c->n_ops = scaled(1500);
	c->rng = case_rng("updates_under_lookup: lookups");
	ref_init(&c->ref, family, true);

	/* hot: the short prefix, the default route, and nested chains under
	 * the short one on 8 anchors */
	hot[0] = short_pfx;
	hot[1] = pfx_make(0, 0);
	for (i = 0; i < 8; i++) {
		u128 anchor = short_pfx.addr |
			      (rng_addr(&r, family) & ~mask_of(short_pfx.len));

		for (j = 0; j < n_lens; j++)
			hot[n_hot++] = pfx_make(anchor, lens[j]);
	}
	/* the background: a realistic table and 256 prefixes under the
	 * short one (/24, /48) that never change */
	bg = gen_realistic(family, &r, n_bg, WIDE);
	for (i = n_bg - 256; i < n_bg; i++)
		bg[i].p = pfx_make(short_pfx.addr |
				   (rng_addr(&r, family) & ~mask_of(short_pfx.len)),
				   family == AF_INET ? 24 : 48);
	init = calloc(n_bg + n_hot, sizeof(*init));
	assert_non_null(init);
	assert_true(n_bg + n_hot < 1u << 12); /* CHURN_LOADED() */
	for (i = 0; i < n_bg; i++) {
		bg[i].value = CHURN_BACKGROUND(i);
		init[n_init++] = bg[i];
	}
	for (i = 0; i < n_hot; i++)
		init[n_init++] = (struct route){ .p = hot[i],
						 .value = CHURN_BACKGROUND(n_bg + i) };
	/* a prefix both in the background and hot is given twice: the last
	 * value wins, in the reference as in nfc_lpm__load() */
	for (i = 0; i < n_init; i++)
		ref_set(&c->ref, init[i].p, init[i].value, 0);
	churn_plan(c, hot, n_hot, init, n_init, &r);
	churn_pool(c, hot, n_hot, bg, n_bg, &r);
	churn_judge_self_test(c);

	expect_create(c->table, family, sh->capacity, 0);
	lp = lib_routes(family, init, n_init);
	expect_rc(nfc_lpm__load(T.lpm, c->table, lp, n_init, &err), 0, &err,
		  "table %u: load", c->table);
	free(lp);
	c->probe = T.probe;
	c->staller = T.stall;
	c->stall = stall_calibrate(T.stall, family, c->table, 2e-3);

	assert_int_equal(pthread_create(&thread, NULL, churn_lookups, c), 0);
	t0 = now_s();
	for (k = 1; k <= c->n_ops && !atomic_load(&c->err); k++) {
		const struct churn_op *op = &c->ops[k - 1];
		struct nfc_lpm_prefix x = lib_pfx(family, op->p, op->value);
		size_t b = atomic_load(&c->batches);

		nfc_err_clear(&err);
		atomic_store(&c->started, k);
		if (op->load)
			rc = nfc_lpm__load(T.lpm, c->table, op->load,
					   op->n_load, &err);
		else if (op->value == NFC_LPM_NONE)
			rc = nfc_lpm__del(T.lpm, c->table, &x, &err);
		else
			rc = nfc_lpm__add(T.lpm, c->table, &x, NFC_LPM_ANY,
					  &err);
		if (rc) {
			atomic_store(&c->stop, true);
			pthread_join(thread, NULL);
			expect_rc(rc, 0, &err, "change %zu: %s %s", k,
				  op->load ? "load" :
				  op->value == NFC_LPM_NONE ? "del" : "add",
				  pfx_str(family, op->p).s);
		}
		atomic_store(&c->completed, k);
		while ((k / 32) % 2 == 0 && atomic_load(&c->batches) == b &&
		       !atomic_load(&c->err))
			sched_yield();
	}
	/* two more batches see the last state */
	k = atomic_load(&c->batches) + 2;
	while (atomic_load(&c->batches) < k && !atomic_load(&c->err))
		sched_yield();
	atomic_store(&c->stop, true);
	pthread_join(thread, NULL);

	printf("lpm: %s: %zu changes in %.2f s under %zu lookups (%zu stalled for %u spins) in %zu batches; %zu lookups raced a change of their answer, %zu saw the newer state, widest window %zu\n",
	       name, c->n_ops, now_s() - t0, c->lookups, c->stalled, c->stall,
	       (size_t)atomic_load(&c->batches), c->changing, c->newer,
	       c->max_window);
	if (atomic_load(&c->err))
		fail_msg("BPF_PROG_TEST_RUN: %s", strerror(-atomic_load(&c->err)));
	for (i = 0; i < c->n_bad && i < CHURN_BAD_MAX; i++) {
		fprintf(stderr, "  %s: %s while the table went from state %zu (%s) to %zu (%s)\n",
			addr_str(family, c->bad[i].a).s,
			val_str(c->bad[i].got).s, c->bad[i].s0,
			val_str(ref_lookup_at(&c->ref, c->bad[i].a, c->bad[i].s0)).s,
			c->bad[i].s1,
			val_str(ref_lookup_at(&c->ref, c->bad[i].a, c->bad[i].s1)).s);
	}
	if (c->n_bad)
		fail_msg("%zu of %zu lookups gave an answer of no state the table was in during their batch",
			 c->n_bad, c->lookups);
	/* a run in which no lookup raced a change proves nothing */
	if (!c->changing)
		fail_msg("no lookup ran while its answer changed");

	/* at rest: the last state, through every path */
	table_check(c->table, "after the changes", &c->ref, T.probe, false,
		    scaled(200000), &r);
	table_check_list(c->table, "after the changes", &c->ref);
	expect_rc(nfc_lpm__destroy(T.lpm, c->table, &err), 0, &err,
		  "destroy table %u", c->table);
	ref_free(&c->ref);
	for (k = 0; k < c->n_ops; k++)
		free(c->ops[k].load);
	free(c->ops);
	free(c->pool);
	free(bg);
	free(init);
	free(c);
}

static void test_updates_under_lookup_v4(void **state)
{
	updates_under_lookup(&V4, "updates_under_lookup_v4");
}

static void test_updates_under_lookup_v4_direct(void **state)
{
	updates_under_lookup(&V4_DIRECT, "updates_under_lookup_v4_direct");
}

static void test_updates_under_lookup_v6(void **state)
{
	updates_under_lookup(&V6, "updates_under_lookup_v6");
}

static void test_updates_under_lookup_v6_direct(void **state)
{
	updates_under_lookup(&V6_DIRECT, "updates_under_lookup_v6_direct");
}

static void test_table_full(void **state)
{
	struct rng r = case_rng("table_full");
	const __u32 cap = 64;
	struct route *v = NULL;
	struct nfc_lpm_prefix *lp;
	struct nfc_err err = {};
	size_t n = 0, i;
	struct tut t;

	/* cap + 1 distinct prefixes */
	v = calloc(cap * 2, sizeof(*v));
	assert_non_null(v);
	while (n < cap + 1) {
		struct route x = { .p = pfx_make(rng_addr(&r, AF_INET),
						 8 + rng_below(&r, 25)),
				   .value = value_gen(&r, WIDE) };

		v[n++] = x;
		if (routes_distinct(AF_INET, v, n) < n)
			n--;
	}
	tut_create(&t, 41, AF_INET, cap, true);
	t.what = "full";
	for (i = 0; i < cap; i++)
		tut_add(&t, v[i].p, v[i].value, NFC_LPM_NOEXIST);
	tut_check(&t, 20000, &r);
	/* tut_add() expects -E2BIG here, and leaves the reference as it is */
	assert_int_equal(tut_add(&t, v[cap].p, 5, NFC_LPM_ANY), -E2BIG);
	assert_int_equal(tut_add(&t, v[cap].p, 5, NFC_LPM_NOEXIST), -E2BIG);
	/* the default route is a prefix like any other */
	assert_int_equal(tut_add(&t, pfx_make(0, 0), 5, NFC_LPM_ANY), -E2BIG);
	tut_check(&t, 20000, &r);
	tut_check_list(&t);
	/* what adds no prefix still works when full */
	assert_int_equal(tut_add(&t, v[3].p, 1234, NFC_LPM_ANY), 0);
	assert_int_equal(tut_add(&t, v[4].p, 4321, NFC_LPM_EXIST), 0);
	assert_int_equal(tut_add(&t, v[5].p, 1, NFC_LPM_NOEXIST), -EEXIST);
	tut_check(&t, 20000, &r);
	/* a load of cap + 1: refused, nothing changed */
	lp = lib_routes(AF_INET, v, cap + 1);
	expect_rc(nfc_lpm__load(T.lpm, t.id, lp, cap + 1, &err), -E2BIG, &err,
		  "table %u: load of %u prefixes", t.id, cap + 1);
	free(lp);
	tut_check(&t, 20000, &r);
	tut_check_list(&t);
	/* room again after a delete, and after the next */
	tut_del(&t, v[0].p);
	assert_int_equal(tut_add(&t, pfx_make(0, 0), 6, NFC_LPM_NOEXIST), 0);
	assert_int_equal(tut_add(&t, v[cap].p, 6, NFC_LPM_NOEXIST), -E2BIG);
	tut_del(&t, pfx_make(0, 0));
	assert_int_equal(tut_add(&t, v[cap].p, 6, NFC_LPM_NOEXIST), 0);
	tut_check(&t, 20000, &r);
	/* a load of cap prefixes, some given twice, fits */
	for (i = 0; i < cap / 2; i++) {
		v[cap + 1 + i] = v[1 + i];
		v[cap + 1 + i].value = value_gen(&r, WIDE);
	}
	t.what = "loaded full, with duplicates";
	tut_load(&t, v + 1, cap + cap / 2);
	tut_check(&t, 20000, &r);
	tut_check_list(&t);
	tut_destroy(&t);
	free(v);
}

/* One bad prefix: -EINVAL naming it (@name, when it can be named). */
static void expect_bad(struct tut *t, const struct nfc_lpm_prefix *bad,
		       const char *name, const struct route *good,
		       size_t n_good)
{
	struct nfc_lpm_prefix *lp = calloc(n_good + 1, sizeof(*lp));
	struct nfc_err err = {};
	size_t i;
	int r;

	assert_non_null(lp);
	for (i = 0; i < n_good; i++)
		lp[i] = lib_pfx(t->family, good[i].p, good[i].value);

	r = nfc_lpm__add(T.lpm, t->id, bad, NFC_LPM_ANY, &err);
	expect_rc(r, -EINVAL, &err, "table %u: add %s", t->id, name);
	if (!err_names(&err, name)) {
		err_print(&err);
		fail_msg("table %u: add %s: the message does not name it",
			 t->id, name);
	}
	r = nfc_lpm__add(T.lpm, t->id, bad, NFC_LPM_NOEXIST, NULL);
	assert_int_equal(r, -EINVAL);
	/* in a load, among good prefixes */
	memmove(lp + n_good / 2 + 1, lp + n_good / 2,
		(n_good - n_good / 2) * sizeof(*lp));
	lp[n_good / 2] = *bad;
	nfc_err_clear(&err);
	r = nfc_lpm__load(T.lpm, t->id, lp, n_good + 1, &err);
	expect_rc(r, -EINVAL, &err, "table %u: load with %s", t->id, name);
	if (!err_names(&err, name)) {
		err_print(&err);
		fail_msg("table %u: load with %s: the message does not name it",
			 t->id, name);
	}
	free(lp);
}

/* Write @v to the file @path: 0 or -errno. */
static int file_put(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f)
		return -errno;
	r = fputs(v, f) < 0 ? -errno : 0;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

/*
 * A memory cgroup of this test's own: under cgroup v2's root (which must
 * hand out the memory controller) or v1's memory hierarchy. Its directory
 * into @dir and the file that takes its limit into @limit; -1 and the
 * reason in *why when none can be made.
 */
static int memcg_make(char *dir, size_t dlen, char *limit, size_t llen,
		      const char **why)
{
	char ctl[256] = "";
	FILE *f = fopen("/sys/fs/cgroup/cgroup.subtree_control", "r");

	if (f) {
		if (!fgets(ctl, sizeof(ctl), f))
			ctl[0] = 0;
		fclose(f);
		if (!strstr(ctl, "memory")) {
			*why = "cgroup v2, and its root hands out no memory controller";
			return -1;
		}
		snprintf(dir, dlen, "/sys/fs/cgroup/nfc-lpm-test-%d", getpid());
		snprintf(limit, llen, "%s/memory.max", dir);
	} else if (!access("/sys/fs/cgroup/memory/cgroup.procs", F_OK)) {
		snprintf(dir, dlen, "/sys/fs/cgroup/memory/nfc-lpm-test-%d",
			 getpid());
		snprintf(limit, llen, "%s/memory.limit_in_bytes", dir);
	} else {
		*why = "no memory cgroup is mounted";
		return -1;
	}
	if (mkdir(dir, 0755)) {
		*why = "a memory cgroup cannot be made here";
		return -1;
	}
	return 0;
}

/* Some stack, in use once, so that calls after it fault no page in. */
static __attribute__((noinline)) void stack_fault_in(void)
{
	volatile char buf[1 << 20];

	memset((char *)buf, 0, sizeof(buf));
}

/*
 * Every page of this process's private writable mappings written once, so
 * that no copy-on-write fault (of pages shared with the parent since
 * fork()) comes later.
 */
static int memory_fault_in(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, a;
	char perm[5], line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perm) != 3 ||
		    perm[1] != 'w' || perm[3] != 'p')
			continue;
		for (a = lo; a < hi; a += 4096) {
			volatile char *c = (volatile char *)a;

			*c = *c;
		}
	}
	fclose(f);
	return 0;
}

/*
 * The child of memory_exhausted: the heap it needs grown and every page it
 * may write faulted in first, so that only the kernel's allocations (the
 * store's new chunks) meet the limit; then into cgroup @dir limited to
 * 256 KiB, then the load of @lp into @table, which must fail with -ENOMEM
 * naming a new chunk and leave the table's @n_before prefixes.
 */
static int child_exhausted(const char *dir, const char *limit, __u32 table,
			   const struct nfc_lpm_prefix *lp, size_t n,
			   __u32 n_before)
{
	size_t heap = (size_t)256 << 20;
	struct nfc_lpm_store_info before, after;
	struct nfc_lpm_info info;
	struct nfc_err err = {};
	char procs[300];
	void *p;
	int rc;

	mallopt(M_MMAP_MAX, 0);
	mallopt(M_TRIM_THRESHOLD, -1);
	p = malloc(heap);
	if (!p)
		return 1;
	memset(p, 1, heap);
	free(p);
	if (store_open())
		return 1;
	stack_fault_in();
	if (memory_fault_in())
		return 2;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	rc = file_put(limit, "262144");
	if (!rc)
		rc = file_put(procs, "0");
	if (rc) {
		fprintf(stderr, "lpm: child: into memory cgroup %s: %s\n", dir,
			strerror(-rc));
		return 3;
	}
	nfc_lpm__store_info(T.lpm, &before);
	rc = nfc_lpm__load(T.lpm, table, lp, n, &err);
	nfc_lpm__store_info(T.lpm, &after);
	if (rc != -ENOMEM || !err.n || !strstr(err.msg[0], "new chunk")) {
		err_print(&err);
		fprintf(stderr, "lpm: child: a load under a 256 KiB memory limit: %s, expected -ENOMEM naming a new chunk\n",
			rc ? strerror(-rc) : "done");
		return 4;
	}
	printf("lpm: memory_exhausted: %s\n", err.msg[0]);
	fflush(stdout);
	if (nfc_lpm__info(T.lpm, table, &info) || info.prefixes != n_before) {
		fprintf(stderr, "lpm: child: the table holds %llu prefixes after the failed load, not %u\n",
			(unsigned long long)info.prefixes, n_before);
		return 5;
	}
	if (after.nodes_used != before.nodes_used ||
	    after.leaves_used != before.leaves_used) {
		fprintf(stderr, "lpm: child: the failed load kept slots: nodes %llu -> %llu, leaves %llu -> %llu in use\n",
			(unsigned long long)before.nodes_used,
			(unsigned long long)after.nodes_used,
			(unsigned long long)before.leaves_used,
			(unsigned long long)after.leaves_used);
		return 6;
	}
	return 0;
}

static void test_memory_exhausted(void **state)
{
	struct rng r = case_rng("memory_exhausted");
	/* more than every earlier case holds at once: new chunks are needed
	 * whatever ran before */
	size_t n0 = 2000, n = 400000;
	struct route *small = gen_realistic(AF_INET, &r, n0, WIDE);
	struct route *big = gen_realistic(AF_INET, &r, n, WIDE);
	struct nfc_lpm_prefix *lp = lib_routes(AF_INET, big, n);
	char dir[256], limit[300];
	const char *why;
	int status;
	pid_t pid;
	struct tut t;

	if (memcg_make(dir, sizeof(dir), limit, sizeof(limit), &why)) {
		printf("lpm: memory_exhausted: skipped: %s\n", why);
		free(small);
		free(big);
		free(lp);
		skip();
	}
	tut_create(&t, 61, AF_INET, 500000, true);
	tut_load(&t, small, n0);
	t.what = "after a load that ran out of memory";
	fflush(stdout);
	fflush(stderr);
	store_close();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(child_exhausted(dir, limit, t.id, lp, n, t.ref.n_live));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("the child loading under a memory limit failed (status %#x)",
			 status);
	assert_int_equal(store_open(), 0);
	tut_check_list(&t);
	tut_check(&t, 100000, &r);
	t.what = "loaded with memory";
	tut_load(&t, big, n);
	tut_check(&t, 100000, &r);
	tut_destroy(&t);
	free(small);
	free(big);
	free(lp);
}

static void test_bad_prefix(void **state)
{
	struct rng r = case_rng("bad_prefix");
	size_t n = 500;
	struct route *v4 = gen_realistic(AF_INET, &r, n, WIDE);
	struct route *v6 = gen_realistic(AF_INET6, &r, n, WIDE);
	struct route *vd = gen_realistic(AF_INET, &r, n, WIDE31);
	struct nfc_lpm_prefix bad;
	struct nfc_err err = {};
	struct tut t4, t6, td;
	int rc;

	tut_create(&t4, 51, AF_INET, 0, true);
	tut_create(&t6, 52, AF_INET6, 0, true);
	tut_create(&td, 53, AF_INET, NFC_LPM_DIRECT_CAPACITY, false);
	t4.what = t6.what = td.what = "after refused changes";
	tut_load(&t4, v4, n);
	tut_load(&t6, v6, n);
	tut_load(&td, vd, n);

	/* a direct array holds values up to NFC_LPM_DIRECT_VALUE_MAX */
	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.0"), 8),
		      NFC_LPM_DIRECT_VALUE_MAX + 1);
	expect_bad(&td, &bad, "10.0.0.0/8", vd, n);
	assert_int_equal(tut_add(&td, pfx_make(addr4("10.0.0.0"), 8),
				 NFC_LPM_DIRECT_VALUE_MAX, NFC_LPM_ANY), 0);

	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.0"), 8), 1);
	bad.addr[3] = 1;
	expect_bad(&t4, &bad, "10.0.0.1/8", v4, n);
	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.0"), 32), 1);
	bad.len = 33;
	expect_bad(&t4, &bad, "10.0.0.0/33", v4, n);
	bad = lib_pfx(AF_INET6, pfx_make(addr6("2001:db8::"), 32), 1);
	expect_bad(&t4, &bad, "2001:db8::/32", v4, n);
	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.0"), 8), NFC_LPM_NONE);
	expect_bad(&t4, &bad, "10.0.0.0/8", v4, n);
	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.1"), 32), 1);
	bad.family = AF_UNIX;
	assert_int_equal(nfc_lpm__add(T.lpm, t4.id, &bad, 0, &err), -EINVAL);
	/* IPv4 is the first 4 bytes: what follows them is refused or
	 * ignored, never part of a prefix of its own */
	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.1"), 32), 1);
	bad.addr[4] = 1;
	rc = nfc_lpm__add(T.lpm, t4.id, &bad, NFC_LPM_ANY, &err);
	assert_true(rc == -EINVAL || rc == 0);
	if (!rc) {
		ref_set(&t4.ref, pfx_make(addr4("10.0.0.1"), 32), 1, 0);
		trie_set(AF_INET, pfx_make(addr4("10.0.0.1"), 32), 1);
		tut_check_list(&t4);
		tut_del(&t4, pfx_make(addr4("10.0.0.1"), 32));
	}

	bad = lib_pfx(AF_INET6, pfx_make(addr6("2001:db8::"), 64), 1);
	bad.addr[15] = 1;
	expect_bad(&t6, &bad, "2001:db8::1/64", v6, n);
	bad = lib_pfx(AF_INET6, pfx_make(addr6("2001:db8::"), 128), 1);
	bad.len = 129;
	expect_bad(&t6, &bad, "2001:db8::/129", v6, n);
	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.0"), 8), 1);
	expect_bad(&t6, &bad, "10.0.0.0/8", v6, n);
	bad = lib_pfx(AF_INET6, pfx_make(0, 0), NFC_LPM_NONE);
	expect_bad(&t6, &bad, "::/0", v6, n);

	/* a prefix that cannot be in the table is not deleted either */
	bad = lib_pfx(AF_INET, pfx_make(addr4("10.0.0.0"), 8), 1);
	bad.addr[3] = 1;
	rc = nfc_lpm__del(T.lpm, t4.id, &bad, &err);
	assert_true(rc == -EINVAL || rc == -ENOENT);

	tut_check(&t4, 100000, &r);
	tut_check_list(&t4);
	tut_check(&t6, 100000, &r);
	tut_check_list(&t6);
	tut_check(&td, 100000, &r);
	tut_check_list(&td);
	tut_destroy(&t4);
	tut_destroy(&t6);
	tut_destroy(&td);
	free(v4);
	free(v6);
	free(vd);
}

static void write_file(const char *path, const char *text)
{
	assert_int_equal(file_put(path, text), 0);
}

static void test_load_file(void **state)
{
	static const char good[] =
		"# a table\n"
		"10.0.0.0/8 1\n"
		"\n"
		"10.1.0.0/16 2   # a comment after a route\n"
		"192.0.2.1 3\n"
		"   172.16.0.0/12\t4\n"
		"0.0.0.0/0 0\n"
		"10.1.2.0/24 4294967294\n"
		"10.2.0.0/16 0x10\n"
		"10.0.0.0/8 9\n";	/* given again: the last wins */
	/* each goes in as line 5 of the good file */
	static const char *const bad_lines[] = {
		"10.0.0.1/8 7",		/* bits past the length */
		"10.0.0.0/33 7",
		"10.0.0.0/8",		/* no value */
		"10.0.0.0/8 abc",
		"10.0.0.0/8 4294967295", /* NFC_LPM_NONE */
		"10.0.0.0/8 4294967296",
		"10.0.0.0/8 -1",
		"10.0.0.0/8 7 8",	/* a field too many */
		"2001:db8::/32 7",	/* the wrong family */
		"not-a-prefix 7",
	};
	struct rng r = case_rng("load_file");
	char path[sizeof(T.dir) + 32], text[1024], at[sizeof(path) + 16];
	const char *nl;
	struct nfc_err err = {};
	struct tut t;
	size_t i, l;

	snprintf(path, sizeof(path), "%s/routes.txt", T.dir);
	tut_create(&t, 61, AF_INET, 0, true);
	write_file(path, good);
	expect_rc(nfc_lpm__load_file(T.lpm, t.id, path, &err), 0, &err,
		  "load_file %s", path);
	t.what = "from a file";
	ref_set(&t.ref, pfx_make(addr4("10.0.0.0"), 8), 9, 0);
	ref_set(&t.ref, pfx_make(addr4("10.1.0.0"), 16), 2, 0);
	ref_set(&t.ref, pfx_make(addr4("192.0.2.1"), 32), 3, 0);
	ref_set(&t.ref, pfx_make(addr4("172.16.0.0"), 12), 4, 0);
	ref_set(&t.ref, pfx_make(0, 0), 0, 0);
	ref_set(&t.ref, pfx_make(addr4("10.1.2.0"), 24), 4294967294u, 0);
	ref_set(&t.ref, pfx_make(addr4("10.2.0.0"), 16), 16, 0);
	for (i = 0; i < t.ref.n_live; i++)
		trie_set(AF_INET, ref_live(&t.ref, i)->p,
			 ref_live(&t.ref, i)->value);
	tut_check(&t, 50000, &r);
	tut_check_list(&t);

	t.what = "after refused files";
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		/* lines 1-4 of the good file, the bad line, the rest */
		nl = good;
		for (l = 0; l < 4; l++)
			nl = strchr(nl, '\n') + 1;
		snprintf(text, sizeof(text), "%.*s%s\n%s", (int)(nl - good),
			 good, bad_lines[i], nl);
		write_file(path, text);
		nfc_err_clear(&err);
		expect_rc(nfc_lpm__load_file(T.lpm, t.id, path, &err), -EINVAL,
			  &err, "load_file with line 5 '%s'", bad_lines[i]);
		snprintf(at, sizeof(at), "%s:5", path);
		if (!err_names(&err, at)) {
			err_print(&err);
			fail_msg("load_file with line 5 '%s': no message names %s",
				 bad_lines[i], at);
		}
		tut_check_list(&t);
	}
	tut_check(&t, 50000, &r);
	nfc_err_clear(&err);
	snprintf(path, sizeof(path), "%s/no-such-file", T.dir);
	expect_rc(nfc_lpm__load_file(T.lpm, t.id, path, &err), -ENOENT, &err,
		  "load_file of a missing file");
	if (!err_names(&err, path))
		fail_msg("load_file of a missing file: no message names it");
	tut_check_list(&t);
	tut_destroy(&t);

	/* an IPv6 table from a file */
	snprintf(path, sizeof(path), "%s/routes6.txt", T.dir);
	write_file(path, "2001:db8::/32 5\n::/0 1\n2001:db8::1 7 # host\n"
			 "2001:db8:0:1::/64 4294967294\n");
	tut_create(&t, 62, AF_INET6, 0, true);
	nfc_err_clear(&err);
	expect_rc(nfc_lpm__load_file(T.lpm, t.id, path, &err), 0, &err,
		  "load_file %s", path);
	t.what = "IPv6, from a file";
	ref_set(&t.ref, pfx_make(addr6("2001:db8::"), 32), 5, 0);
	ref_set(&t.ref, pfx_make(0, 0), 1, 0);
	ref_set(&t.ref, pfx_make(addr6("2001:db8::1"), 128), 7, 0);
	ref_set(&t.ref, pfx_make(addr6("2001:db8:0:1::"), 64), 4294967294u, 0);
	for (i = 0; i < t.ref.n_live; i++)
		trie_set(AF_INET6, ref_live(&t.ref, i)->p,
			 ref_live(&t.ref, i)->value);
	tut_check(&t, 50000, &r);
	tut_check_list(&t);
	tut_destroy(&t);
}

/* The child of changes_by_child(): no cmocka, no close. */
static int child_changes(__u32 table, int family, const struct route *ops,
			 size_t n)
{
	struct nfc_err err = {};
	size_t i;
	int rc;

	if (store_open())
		return 1;
	for (i = 0; i < n; i++) {
		struct nfc_lpm_prefix lp = lib_pfx(family, ops[i].p,
						   ops[i].value);

		if (ops[i].value == NFC_LPM_NONE)
			rc = nfc_lpm__del(T.lpm, table, &lp, &err);
		else
			rc = nfc_lpm__add(T.lpm, table, &lp, NFC_LPM_ANY, &err);
		if (rc) {
			err_print(&err);
			fprintf(stderr, "lpm: child: change %zu: %s\n", i,
				strerror(-rc));
			return 2;
		}
	}
	return 0;
}

/*
 * @n changes to @t (deletes of its prefixes, adds from @pool) made by a
 * child process that opens the store and exits without closing anything;
 * the reference and the kernel's trie follow them here. The store must be
 * closed here: the child takes its lock.
 */
static void changes_by_child(struct tut *t, struct rng *r,
			     const struct route *pool, size_t n_pool, size_t n)
{
	struct route *ops = calloc(n, sizeof(*ops));
	int status;
	pid_t pid;
	size_t i;

	assert_non_null(ops);
	for (i = 0; i < n; i++) {
		if (rng_below(r, 3) == 0 && t->ref.n_live) {
			ops[i].p = ref_live(&t->ref,
					    rng_below(r, t->ref.n_live))->p;
			ops[i].value = NFC_LPM_NONE;
		} else {
			ops[i].p = pool[rng_below(r, n_pool)].p;
			ops[i].value = value_gen(r, t->vmax ==
						    NFC_LPM_DIRECT_VALUE_MAX ?
						    WIDE31 : WIDE);
		}
		ref_set(&t->ref, ops[i].p, ops[i].value, 0);
		if (t->mirror)
			trie_set(t->family, ops[i].p, ops[i].value);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(child_changes(t->id, t->family, ops, n));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("the child making changes failed (status %#x)",
			 status);
	free(ops);
}

/* The tables through a new handle: as they were, and changeable. */
static void test_persistence(void **state)
{
	struct rng r = case_rng("persistence");
	size_t n4 = scaled(30000), n6 = scaled(10000);
	struct route *v4 = gen_realistic(AF_INET, &r, n4, WIDE31);
	struct route *v6 = gen_realistic(AF_INET6, &r, n6, NARROW);
	struct route *pool4 = gen_realistic(AF_INET, &r, 2000, WIDE31);
	struct route *pool6 = gen_realistic(AF_INET6, &r, 2000, WIDE31);
	struct lpm_probe_xdp *fresh;
	struct nfc_lpm_info before[2], after[2];
	struct tut t4, t6, tp;
	size_t i;

	/* tables with a direct array of each family, which must come back
	 * too, and one without */
	tut_create(&t4, 71, AF_INET, NFC_LPM_DIRECT_CAPACITY, true);
	tut_create(&t6, 72, AF_INET6, NFC_LPM_DIRECT6_CAPACITY, true);
	tut_create(&tp, 73, AF_INET6, 0, false);
	tut_load(&t4, v4, n4);
	for (i = 0; i < n6; i++)
		tut_add(&t6, v6[i].p, v6[i].value, NFC_LPM_ANY);
	tut_load(&tp, v6, n6);
	tut_churn(&t4, &r, 2000, pool4, 2000, WIDE31, 1000, 10000);
	tut_churn(&t6, &r, 2000, pool6, 2000, WIDE31, 1000, 10000);
	assert_int_equal(nfc_lpm__info(T.lpm, 71, &before[0]), 0);
	assert_int_equal(nfc_lpm__info(T.lpm, 72, &before[1]), 0);

	/* a new process's view: the probe loaded before stays, like a
	 * running datapath */
	store_close();
	assert_int_equal(store_open(), 0);
	t4.what = t6.what = tp.what = "reopened";
	tut_check_list(&t4);
	tut_check_list(&t6);
	tut_check(&t4, 200000, &r);
	tut_check(&t6, 200000, &r);
	tut_check(&tp, 100000, &r);
	assert_int_equal(nfc_lpm__info(T.lpm, 71, &after[0]), 0);
	assert_int_equal(nfc_lpm__info(T.lpm, 72, &after[1]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(after[i].family, before[i].family);
		assert_int_equal(after[i].prefixes, before[i].prefixes);
		assert_int_equal(after[i].capacity, before[i].capacity);
	}
	/* and a datapath object loaded now finds the same maps */
	fresh = probe_open();
	assert_non_null(fresh);
	table_check(71, "reopened, new object", &t4.ref, fresh, false,
		    scaled(100000), &r);
	table_check(72, "reopened, new object", &t6.ref, fresh, false,
		    scaled(100000), &r);
	lpm_probe_xdp__destroy(fresh);

	t4.what = t6.what = "changed after reopening";
	tut_churn(&t4, &r, 2000, pool4, 2000, WIDE31, 500, 10000);
	tut_churn(&t6, &r, 2000, pool6, 2000, WIDE31, 500, 10000);
	tut_check_list(&t4);
	tut_check_list(&t6);

	/* a process that changes a table and ends without closing the
	 * store: the next one finds every change, and a store it can use */
	store_close();
	changes_by_child(&t4, &r, pool4, 2000, scaled(3000));
	assert_int_equal(store_open(), 0);
	t4.what = "after a process that did not close";
	tut_check_list(&t4);
	tut_check(&t4, 100000, &r);
	tut_churn(&t4, &r, 2000, pool4, 2000, WIDE31, 1000, 10000);

	store_close();
	assert_int_equal(store_open(), 0);
	t4.what = t6.what = "reopened again";
	tut_check_list(&t4);
	tut_check_list(&t6);
	tut_check(&t4, 100000, &r);
	tut_check(&t6, 100000, &r);
	tut_destroy(&t4);
	tut_destroy(&t6);
	tut_destroy(&tp);
	free(v4);
	free(v6);
	free(pool4);
	free(pool6);
}

#define LPM_CASE(f) cmocka_unit_test_setup_teardown(f, case_start, store_clean)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_text),
		LPM_CASE(test_create_destroy),
		LPM_CASE(test_many_tables),
		LPM_CASE(test_diff_v4),
		LPM_CASE(test_diff_v4_direct),
		LPM_CASE(test_diff_v6),
		LPM_CASE(test_diff_v6_direct),
		LPM_CASE(test_adversarial_v4),
		LPM_CASE(test_adversarial_v4_direct),
		LPM_CASE(test_adversarial_v6),
		LPM_CASE(test_adversarial_v6_direct),
		LPM_CASE(test_updates_under_lookup_v4),
		LPM_CASE(test_updates_under_lookup_v4_direct),
		LPM_CASE(test_updates_under_lookup_v6),
		LPM_CASE(test_updates_under_lookup_v6_direct),
		LPM_CASE(test_table_full),
		LPM_CASE(test_memory_exhausted),
		LPM_CASE(test_bad_prefix),
		LPM_CASE(test_load_file),
		LPM_CASE(test_persistence),
	};
	const char *seed = getenv("NFC_LPM_SEED");
	const char *only = getenv("NFC_LPM_CASE");
	int rc;

	T.quick = argc > 1 && !strcmp(argv[1], "--quick") ? 8 : 1;
	if (argc > 2 || (argc == 2 && T.quick == 1)) {
		fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
		return 2;
	}
	T.seed = seed && *seed ? strtoull(seed, NULL, 0) : LPM_SEED;
	printf("lpm: seed %#llx%s (NFC_LPM_SEED=N runs with another)\n",
	       (unsigned long long)T.seed, T.quick > 1 ? ", quick" : "");
	fflush(stdout);
	if (only && *only)
		cmocka_set_test_filter(only);
	nfc_set_print(print_warnings);
	atexit(env_cleanup);
	if (env_setup()) {
		fprintf(stderr, "lpm: setup failed (root is needed)\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("lpm", tests, NULL, NULL);
	env_cleanup();
	return rc;
}
