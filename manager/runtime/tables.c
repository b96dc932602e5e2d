// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * An instance's tables, edited at run time. The manifest declares each
 * table's key and value fields, so one piece of code serves every module:
 * `nfctl nf CHAIN NODE TABLE add FIELD VALUE ...`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

struct table_ref {
	const struct nfc_table *t;
	const struct nfc_node_info *n;
	bool compiled;           /* the module's datapath reads state compiled
				    from its tables (compile.c) */
	int fd;                  /* the map; -1 for an LPM table */
	struct nfc_lpm *lpm;     /* an LPM table: the store, and its id */
	__u32 lpm_id;
};

static void table_close(struct table_ref *ref)
{
	if (ref->fd >= 0)
		close(ref->fd);
	nfc_lpm__close(ref->lpm);
}

/* An array's places (its max_entries), 0 for any other map. An array's
 * place that is all zero is empty: del writes zeros, list leaves it out. */
static __u32 array_places(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_ARRAY)
		return 0;
	return info.max_entries;
}

static bool all_zero(const __u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int table_open(struct nfc_handle *h, const char *chain,
		      const char *node, const char *table,
		      struct table_ref *ref, struct nfc_err *err)
{
	const struct nfc_chain_info *c = nfc_state__chain(h->state, chain);
	const struct nfc_node_info *n = NULL;
	const struct nfc_module *m;
	char path[PATH_MAX], names[256] = "";
	int i;

	if (!c)
		return nfc_errf(err, -ENOENT, "chain '%s' does not exist", chain);
	for (i = 0; i < c->n_nodes; i++)
		if (!strcmp(c->nodes[i].name, node))
			n = &c->nodes[i];
	if (!n)
		return nfc_errf(err, -ENOENT, "chain '%s': no node '%s'", chain,
				node);
	m = nfc_catalog__find(h->cat, n->module, n->version);
	if (!m)
		return nfc_errf(err, -ENOENT,
				"chain '%s': node '%s': module %s@%s is no longer in the catalog",
				chain, node, n->module, n->version);
	ref->t = nfc_module__table(m, table);
	if (!ref->t) {
		for (i = 0; i < m->n_tables; i++) {
			if (i)
				strncat(names, ", ", sizeof(names) - strlen(names) - 1);
			strncat(names, m->tables[i].name,
				sizeof(names) - strlen(names) - 1);
		}
		return nfc_errf(err, -ENOENT,
				"chain '%s': node '%s': module %s@%s has no table '%s' (tables: %s)",
				chain, node, m->name, m->version, table,
				*names ? names : "none");
	}
	ref->fd = -1;
	ref->lpm = NULL;
	ref->n = n;
	ref->compiled = nfc_compiler(m->name) != NULL;
	if (ref->t->lpm_family) {
		ref->lpm_id = nfc_lpm_instance_id(n->counter,
						  nfc_lpm_table_index(m, ref->t),
						  n->lpm_slot);
		return nfc_lpm_open_runtime(h, &ref->lpm, err);
	}
	nfc_node_map_path(h, path, sizeof(path), chain, node, n->gen,
			  ref->t->map);
	ref->fd = bpf_obj_get(path);
	if (ref->fd < 0)
		return nfc_errf(err, -errno,
				"chain '%s': node '%s': table '%s': %s: %s%s",
				chain, node, table, path, strerror(errno),
				nfc_perm_hint(errno));
	return 0;
}

static const char *arg_of(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* Encode the fields of one side (key or value) from FIELD VALUE pairs,
 * applying defaults and `unless` conditions. */
static int encode_side(const char *where, const struct nfc_table *t,
		       const struct nfc_field *f, int n, int argc, char **argv,
		       __u8 *out, struct nfc_err *err)
{
	char msg[256];
	int i, r;

	for (i = 0; i < n; i++) {
		const char *v = arg_of(argc, argv, f[i].name);

		if (!v && f[i].unless_field) {
			const char *u = arg_of(argc, argv, f[i].unless_field);
			const struct nfc_field *o;

			/* not given: what it defaults to */
			o = nfc_fields_find(t->value, t->n_value,
					    f[i].unless_field);
			if (!o)
				o = nfc_fields_find(t->key, t->n_key,
						    f[i].unless_field);
			if (!u && o)
				u = o->def;
			if (u && nfc_field_unless_is(&f[i], u))
				continue;
		}
		if (!v)
			v = f[i].def;
		if (!v && !f[i].required)
			continue; /* left zero, as in a descriptor */
		if (!v) {
			if (f[i].unless_field)
				return nfc_errf(err, -EINVAL,
						"%s: table '%s': '%s' is required unless %s is %s",
						where, t->name, f[i].name,
						f[i].unless_field, f[i].unless_text);
			return nfc_errf(err, -EINVAL,
					"%s: table '%s': '%s' is required", where,
					t->name, f[i].name);
		}
		r = nfc_field_encode(&f[i], v, out + f[i].offset, msg, sizeof(msg));
		if (r)
			return nfc_errf(err, r, "%s: table '%s': %s '%s': %s",
					where, t->name, f[i].name, v, msg);
	}
	return 0;
}

static int check_args(const char *where, const struct nfc_table *t, int argc,
		      char **argv, bool key_only, struct nfc_err *err)
{
	int i, j;

	if (argc % 2)
		return nfc_errf(err, -EINVAL, "%s: table '%s': '%s' has no value",
				where, t->name, argv[argc - 1]);
	for (i = 0; i < argc; i += 2) {
		for (j = 0; j < i; j += 2)
			if (!strcmp(argv[j], argv[i]))
				return nfc_errf(err, -EINVAL,
						"%s: table '%s': '%s' is given twice",
						where, t->name, argv[i]);
		if (nfc_fields_find(t->key, t->n_key, argv[i]))
			continue;
		if (!key_only && nfc_fields_find(t->value, t->n_value, argv[i]))
			continue;
		return nfc_errf(err, -EINVAL, "%s: table '%s': unknown field '%s'%s",
				where, t->name, argv[i],
				key_only && nfc_fields_find(t->value, t->n_value, argv[i]) ?
					" (del takes key fields only)" : "");
	}
	return 0;
}

/* An LPM table's key (a cidr4/cidr6 field: the length, then the address)
 * and 4-byte value as the store's prefix. */
static void lpm_prefix(const struct nfc_table *t, const __u8 *key,
		       const __u8 *val, struct nfc_lpm_prefix *p)
{
	__u32 plen;

	memset(p, 0, sizeof(*p));
	memcpy(&plen, key, 4);
	p->family = t->lpm_family;
	p->len = plen;
	memcpy(p->addr, key + 4, t->lpm_family == AF_INET ? 4 : 16);
	if (val)
		memcpy(&p->value, val, 4);
}

static int lpm_entry(struct table_ref *ref, const __u8 *key, const __u8 *val,
		     bool add, struct nfc_err *err)
{
	struct nfc_lpm_prefix p;

	lpm_prefix(ref->t, key, add ? val : NULL, &p);
	return add ? nfc_lpm__add(ref->lpm, ref->lpm_id, &p, NFC_LPM_ANY, err)
		   : nfc_lpm__del(ref->lpm, ref->lpm_id, &p, err);
}

/*
 * Write (@put) or delete the entry of @key in a map table. The entries of a
 * flood table (`flood:`) make the chain's flood domains, rebuilt after
 * each edit; a module with a compiler has what its datapath reads compiled
 * anew. An edit they cannot take (a domain out of range, too many ports, a
 * rule that does not compile) is undone.
 */
static int map_entry(struct nfc_handle *h, const struct table_ref *ref,
		     const char *chain, const __u8 *key, const __u8 *val,
		     bool put, struct nfc_err *err)
{
	const struct nfc_chain_info *c = nfc_state__chain(h->state, chain);
	__u8 *old = NULL;
	bool had = false;
	int r = 0;

	if ((ref->t->flood_domain || ref->compiled) && c) {
		old = calloc(1, ref->t->value_size);
		if (!old)
			return -ENOMEM;
		had = !bpf_map_lookup_elem(ref->fd, key, old);
	}
	if (put ? bpf_map_update_elem(ref->fd, key, val, BPF_ANY) :
		  bpf_map_delete_elem(ref->fd, key)) {
		r = -errno;
		nfc_errf(err, r, "%s", r == -ENOENT ? "no such entry" :
						      strerror(-r));
		goto out;
	}
	if (!old)
		goto out;
	if (ref->t->flood_domain)
		r = nfc_flood_sync(h, c, err);
	if (!r && ref->compiled)
		r = nfc_compile_pinned(h, chain, ref->n, err);
	if (r) {
		if (had)
			bpf_map_update_elem(ref->fd, key, old, BPF_ANY);
		else
			bpf_map_delete_elem(ref->fd, key);
		if (ref->t->flood_domain)
			nfc_flood_sync(h, c, NULL);
		if (ref->compiled)
			nfc_compile_pinned(h, chain, ref->n, NULL);
	}
out:
	free(old);
	return r;
}

static int table_entry(struct nfc_handle *h, const char *chain,
		       const char *node, const char *table, int argc,
		       char **argv, bool add, struct nfc_err *err)
{
	char where[2 * NFC_NAME_MAX + 32];
	struct table_ref ref;
	__u8 *key = NULL, *val = NULL;
	__u32 places;
	int r;

	r = table_open(h, chain, node, table, &ref, err);
	if (r)
		return r;
	snprintf(where, sizeof(where), "chain '%s': node '%s'", chain, node);
	r = check_args(where, ref.t, argc, argv, !add, err);
	if (r)
		goto out;
	key = calloc(1, ref.t->key_size);
	val = calloc(1, ref.t->value_size ?: 1);
	if (!key || !val) {
		r = -ENOMEM;
		goto out;
	}
	r = encode_side(where, ref.t, ref.t->key, ref.t->n_key, argc, argv, key,
			err);
	if (!r && add)
		r = encode_side(where, ref.t, ref.t->value, ref.t->n_value, argc,
				argv, val, err);
	if (r)
		goto out;
	places = ref.lpm ? 0 : array_places(ref.fd);
	if (places && *(__u32 *)key >= places) {
		r = nfc_errf(err, -ERANGE,
			     "chain '%s': node '%s': table '%s': %s %u is past its %u places (0..%u)",
			     chain, node, table, ref.t->key[0].name,
			     *(__u32 *)key, places, places - 1);
	} else if (ref.lpm) {
		r = lpm_entry(&ref, key, val, add, err);
		if (r)
			nfc_errf(err, r, "chain '%s': node '%s': table '%s': %s",
				 chain, node, table, add ? "add" : "del");
	} else {
		r = map_entry(h, &ref, chain, key, val, add || places, err);
		if (r)
			nfc_errf(err, r, "chain '%s': node '%s': table '%s': %s",
				 chain, node, table, add ? "add" : "del");
	}
	/* what the chain decided for cached flows may differ now: a new
	 * version makes them misses; failing that, they go */
	if (!r) {
		r = nfc_chain_bump(h, chain, err);
		if (r) {
			const struct nfc_chain_info *c =
				nfc_state__chain(h->state, chain);

			if (c)
				nfc_flows_forget_zone(h, c->id);
		}
	}
out:
	free(key);
	free(val);
	table_close(&ref);
	return r;
}

int nfc_chain_bump(struct nfc_handle *h, const char *chain,
		   struct nfc_err *err)
{
	struct nfc_chain_info *c = nfc_state__chain(h->state, chain);
	__u64 want;
	int r;

	if (!c)
		return nfc_errf(err, -ENOENT, "no chain '%s'", chain);
	r = nfc_chains_mmap(h, err);
	if (r)
		return r;
	if (__atomic_load_n(&h->chains_mm[c->id], __ATOMIC_RELAXED) !=
	    nfc_chain_active(c->block, c->version, c->nocache))
		return nfc_errf(err, -EUCLEAN,
				"chain '%s': the kernel does not run the version the state file records: delete the chain and apply it again",
				chain);
	want = nfc_chain_active(c->block, c->version + 1, c->nocache);
	c->version++;
	r = nfc_state_save(h, err);
	if (r) {
		c->version--;
		return r;
	}
	__atomic_store_n(&h->chains_mm[c->id], want, __ATOMIC_SEQ_CST);
	return 0;
}

int nfc_table__add(struct nfc_handle *h, const char *chain, const char *node,
		   const char *table, int argc, char **argv,
		   struct nfc_err *err)
{
	return table_entry(h, chain, node, table, argc, argv, true, err);
}

int nfc_table__del(struct nfc_handle *h, const char *chain, const char *node,
		   const char *table, int argc, char **argv,
		   struct nfc_err *err)
{
	return table_entry(h, chain, node, table, argc, argv, false, err);
}

#define LOAD_ARGS 128 /* FIELD VALUE words of a line of a loaded file */

/* The entries of a map table, read whole. */
struct map_content {
	__u8 *keys, *values;
	int *lines;              /* read from a file: each entry's line */
	size_t n, cap;
	__u32 ksz, vsz;
};

static int content_add(struct map_content *c, const void *k, const void *v)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		__u8 *nk = realloc(c->keys, cap * c->ksz),
		     *nv = nk ? realloc(c->values, cap * (c->vsz ?: 1)) : NULL;

		int *nl = nv ? realloc(c->lines, cap * sizeof(*nl)) : NULL;

		if (nk)
			c->keys = nk;
		if (nv)
			c->values = nv;
		if (!nl)
			return -ENOMEM;
		c->lines = nl;
		c->cap = cap;
	}
	memcpy(c->keys + c->n * c->ksz, k, c->ksz);
	memcpy(c->values + c->n * c->vsz, v, c->vsz);
	c->lines[c->n] = 0;
	c->n++;
	return 0;
}

static void content_free(struct map_content *c)
{
	free(c->keys);
	free(c->values);
	free(c->lines);
}

static int content_walk(const void *keys, const void *values, int n,
			void *ctx)
{
	struct map_content *c = ctx;
	int i, r = 0;

	for (i = 0; !r && i < n; i++)
		r = content_add(c, (const __u8 *)keys + i * c->ksz,
				(const __u8 *)values + i * c->vsz);
	return r;
}

/* The entries of @path, one a line as `add` takes them (FIELD VALUE ...;
 * blank lines and # comments skipped), encoded into @c; an error names
 * the file, line and field. */
static int content_read(const struct nfc_table *t, const char *path,
			struct map_content *c, struct nfc_err *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *argv[LOAD_ARGS], *tok, *save,
	     where[PATH_MAX + 32];
	__u8 *key = calloc(1, t->key_size), *val = calloc(1, t->value_size ?: 1);
	size_t cap = 0;
	int argc, lineno = 0, r = 0;

	if (!f || !key || !val) {
		r = f ? -ENOMEM :
			nfc_errf(err, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (!r && getline(&line, &cap, f) > 0) {
		lineno++;
		argc = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok && *tok != '#';
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == (int)(sizeof(argv) / sizeof(argv[0]))) {
				r = nfc_errf(err, -E2BIG, "%s:%d: too many fields",
					     path, lineno);
				break;
			}
			argv[argc++] = tok;
		}
		if (r || !argc)
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		memset(key, 0, t->key_size);
		memset(val, 0, t->value_size);
		r = check_args(where, t, argc, argv, false, err) ?:
		    encode_side(where, t, t->key, t->n_key, argc, argv, key, err) ?:
		    encode_side(where, t, t->value, t->n_value, argc, argv, val,
				err) ?:
		    content_add(c, key, val);
		if (!r)
			c->lines[c->n - 1] = lineno;
	}
	if (!r && ferror(f))
		r = nfc_errf(err, -EIO, "%s: read error", path);
out:
	if (f && f != stdin)
		fclose(f);
	free(line);
	free(key);
	free(val);
	return r;
}

static int key_cmp(const void *a, const void *b, void *ksz)
{
	return memcmp(a, b, *(__u32 *)ksz);
}

static __u32 dup_ksz;
static const struct map_content *dup_c;

static int by_key(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = memcmp(dup_c->keys + x * dup_ksz, dup_c->keys + y * dup_ksz,
		       dup_ksz);

	return d ?: (x < y ? -1 : x > y);
}

/* A key given on two lines of the file: which is meant is not for us to
 * guess. */
static int content_dups(const struct map_content *c, const char *path,
			struct nfc_err *err)
{
	size_t *ix = malloc((c->n ?: 1) * sizeof(*ix)), i;
	int r = 0;

	if (!ix)
		return -ENOMEM;
	for (i = 0; i < c->n; i++)
		ix[i] = i;
	dup_ksz = c->ksz;
	dup_c = c;
	qsort(ix, c->n, sizeof(*ix), by_key);
	for (i = 1; !r && i < c->n; i++)
		if (!memcmp(c->keys + ix[i] * c->ksz,
			    c->keys + ix[i - 1] * c->ksz, c->ksz))
			r = nfc_errf(err, -EINVAL,
				     "%s:%d: the same key as line %d",
				     path, c->lines[ix[i]], c->lines[ix[i - 1]]);
	free(ix);
	return r;
}

/* Put @to in the map, then remove what of @from it does not hold. */
static int content_put(int fd, const struct map_content *to,
		       const struct map_content *from, bool delete_first)
{
	__u32 ksz = to->ksz;
	__u8 *sorted = NULL;
	size_t i, lo, hi, mid;
	int r = 0, d;

	for (i = 0; !delete_first && !r && i < to->n; i++)
		if (bpf_map_update_elem(fd, to->keys + i * ksz,
					to->values + i * to->vsz, BPF_ANY))
			r = -errno;
	if (r || !from->n)
		goto put;
	sorted = malloc(to->n * ksz ?: 1);
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, to->keys, to->n * ksz);
	qsort_r(sorted, to->n, ksz, key_cmp, &ksz);
	for (i = 0; !r && i < from->n; i++) {
		const __u8 *k = from->keys + i * ksz;

		for (lo = 0, hi = to->n, d = 1; lo < hi && d;) {
			mid = (lo + hi) / 2;
			d = memcmp(k, sorted + mid * ksz, ksz);
			if (d < 0)
				hi = mid;
			else if (d > 0)
				lo = mid + 1;
		}
		if (d && bpf_map_delete_elem(fd, k) && errno != ENOENT)
			r = -errno;
	}
	free(sorted);
put:
	for (i = 0; delete_first && !r && i < to->n; i++)
		if (bpf_map_update_elem(fd, to->keys + i * ksz,
					to->values + i * to->vsz, BPF_ANY))
			r = -errno;
	return r;
}

/*
 * The whole content of a map table from a file of entries, one a line as
 * `add` takes them: the file is read and encoded whole first (an error
 * names its file, line and field, and changes nothing), then the table
 * holds exactly its entries. A module with a compiler compiles once, so a
 * policy of 100k rules is one switch; what the compile or the flood
 * domains refuse puts the table back as it was.
 */
static int map_load(struct nfc_handle *h, const struct table_ref *ref,
		    const char *chain, const char *node, const char *path,
		    struct nfc_err *err)
{
	const struct nfc_chain_info *c = nfc_state__chain(h->state, chain);
	const struct nfc_table *t = ref->t;
	struct map_content old = { .ksz = t->key_size, .vsz = t->value_size },
			   new = { .ksz = t->key_size, .vsz = t->value_size };
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	int r;

	if (array_places(ref->fd))
		return nfc_errf(err, -EOPNOTSUPP,
				"chain '%s': node '%s': table '%s': load is for hash and LPM tables (use add)",
				chain, node, t->name);
	r = content_read(t, path, &new, err) ?: content_dups(&new, path, err);
	if (!r && !bpf_obj_get_info_by_fd(ref->fd, &info, &ilen) &&
	    new.n > info.max_entries)
		r = nfc_errf(err, -E2BIG, "%s: %zu entries, table '%s' holds %u",
			     path, new.n, t->name, info.max_entries);
	if (!r)
		r = nfc_map_walk(ref->fd, t->key_size, t->value_size,
				 content_walk, &old);
	if (r)
		goto out;
	/* what the datapath reads is compiled: the table may be emptied of
	 * the old entries first, so that a file as big as the table fits */
	r = content_put(ref->fd, &new, &old, ref->compiled);
	if (!r && t->flood_domain && c)
		r = nfc_flood_sync(h, c, err);
	if (!r && ref->compiled)
		r = nfc_compile_pinned(h, chain, ref->n, err);
	if (r) {
		content_put(ref->fd, &old, &new, ref->compiled);
		if (t->flood_domain && c)
			nfc_flood_sync(h, c, NULL);
		if (ref->compiled)
			nfc_compile_pinned(h, chain, ref->n, NULL);
		nfc_errf(err, r, "chain '%s': node '%s': table '%s': load %s",
			 chain, node, t->name, path);
	}
out:
	content_free(&old);
	content_free(&new);
	return r;
}

/*
 * The whole content of an instance's table from a file at once. An LPM
 * table's: `PREFIX VALUE` lines (nfc_lpm__load_file(): VALUE the value's
 * 32 bits as a number), so that a routing table of a million prefixes is
 * one call, not a million edits; the table is as it was when the file has
 * an error (its file, line and field named). A hash table's: map_load().
 * A new version of the chain then, as after any edit.
 */
int nfc_table__load(struct nfc_handle *h, const char *chain, const char *node,
		    const char *table, const char *path, struct nfc_err *err)
{
	struct table_ref ref;
	int r;

	r = table_open(h, chain, node, table, &ref, err);
	if (r)
		return r;
	if (!ref.lpm) {
		r = map_load(h, &ref, chain, node, path, err);
		if (r)
			goto out;
	} else {
		r = nfc_lpm__load_file(ref.lpm, ref.lpm_id, path, err);
		if (r) {
			nfc_errf(err, r, "chain '%s': node '%s': table '%s': load",
				 chain, node, table);
			goto out;
		}
	}
	r = nfc_chain_bump(h, chain, err);
	if (r) {
		const struct nfc_chain_info *c = nfc_state__chain(h->state, chain);

		if (c)
			nfc_flows_forget_zone(h, c->id);
	}
out:
	table_close(&ref);
	return r;
}

/* An LPM table's prefixes as entries: keys the cidr encoding, values the
 * 4-byte values. */
static int lpm_list(struct table_ref *ref, struct nfc_table_entries *e,
		    struct nfc_err *err)
{
	__u32 alen = ref->t->lpm_family == AF_INET ? 4 : 16, plen;
	struct nfc_lpm_prefix *p;
	size_t n, i;
	int r;

	r = nfc_lpm__list(ref->lpm, ref->lpm_id, &p, &n, err);
	if (r)
		return r;
	e->keys = calloc(n ? n : 1, ref->t->key_size);
	e->values = calloc(n ? n : 1, ref->t->value_size);
	if (!e->keys || !e->values) {
		free(p);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		plen = p[i].len;
		memcpy(e->keys + i * ref->t->key_size, &plen, 4);
		memcpy(e->keys + i * ref->t->key_size + 4, p[i].addr, alen);
		memcpy(e->values + i * ref->t->value_size, &p[i].value, 4);
	}
	e->n = n;
	free(p);
	return 0;
}

int nfc_table__list(struct nfc_handle *h, const char *chain, const char *node,
		    const char *table, struct nfc_table_entries **out,
		    struct nfc_err *err)
{
	struct nfc_table_entries *e;
	struct table_ref ref;
	__u8 *key = NULL, *next = NULL, *p;
	void *prev = NULL;
	size_t cap = 0;
	bool array;
	int r;

	*out = NULL;
	r = table_open(h, chain, node, table, &ref, err);
	if (r)
		return r;
	e = calloc(1, sizeof(*e));
	key = calloc(1, ref.t->key_size);
	next = calloc(1, ref.t->key_size);
	if (!e || !key || !next) {
		r = -ENOMEM;
		goto out;
	}
	e->table = ref.t;
	if (ref.lpm) {
		r = lpm_list(&ref, e, err);
		goto out;
	}
	array = array_places(ref.fd) > 0;
	while (!bpf_map_get_next_key(ref.fd, prev, next)) {
		memcpy(key, next, ref.t->key_size);
		prev = key;
		if ((size_t)e->n == cap) {
			cap = cap ? cap * 2 : 64;
			p = realloc(e->keys, cap * ref.t->key_size);
			if (p)
				e->keys = p;
			p = p ? realloc(e->values, cap * ref.t->value_size) : NULL;
			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			e->values = p;
		}
		if (bpf_map_lookup_elem(ref.fd, key,
					e->values + e->n * ref.t->value_size))
			continue; /* removed meanwhile */
		if (array && all_zero(e->values + e->n * ref.t->value_size,
				      ref.t->value_size))
			continue; /* an empty place */
		memcpy(e->keys + e->n * ref.t->key_size, key, ref.t->key_size);
		e->n++;
	}
	if (errno != ENOENT)
		r = nfc_errf(err, -errno, "chain '%s': node '%s': table '%s': %s",
			     chain, node, table, strerror(errno));
out:
	free(key);
	free(next);
	table_close(&ref);
	if (r) {
		nfc_table_entries__free(e);
		return r;
	}
	*out = e;
	return 0;
}

void nfc_table_entries__free(struct nfc_table_entries *e)
{
	if (!e)
		return;
	free(e->keys);
	free(e->values);
	free(e);
}
