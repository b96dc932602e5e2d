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
	int fd;
};

static int table_open(struct nfc_handle *h, const char *chain,
		      const char *node, const char *table,
		      struct table_ref *ref, struct nfc_err *err)
{
	json_object *c = nfc_state_chain(h, chain), *nodes, *n = NULL;
	const struct nfc_module *m;
	char path[PATH_MAX];
	size_t i;

	if (!c)
		return nfc_errf(err, "chain '%s' does not exist", chain);
	if (json_object_object_get_ex(c, "nodes", &nodes))
		for (i = 0; i < json_object_array_length(nodes); i++) {
			json_object *x = json_object_array_get_idx(nodes, i);

			if (!strcmp(nfc_js(x, "name") ?: "", node))
				n = x;
		}
	if (!n)
		return nfc_errf(err, "chain '%s': no node '%s'", chain, node);
	m = nfc_catalog__find(nfc_catalog(h), nfc_js(n, "module"),
			      nfc_js(n, "version"));
	if (!m)
		return nfc_errf(err, "chain '%s': node '%s': module %s@%s is no longer in the catalog",
				chain, node, nfc_js(n, "module"),
				nfc_js(n, "version"));
	ref->t = nfc_module__table(m, table);
	if (!ref->t) {
		char names[256] = "";

		for (i = 0; i < (size_t)m->n_tables; i++) {
			if (i)
				strncat(names, ", ", sizeof(names) - strlen(names) - 1);
			strncat(names, m->tables[i].name,
				sizeof(names) - strlen(names) - 1);
		}
		return nfc_errf(err, "chain '%s': node '%s': module %s has no table '%s' (tables: %s)",
				chain, node, m->name, table,
				*names ? names : "none");
	}
	nfc_path(path, sizeof(path), "%s/chains/%s/%s/g%lld/maps/%s",
		 nfc_bpffs(h), chain, node, nfc_ji(n, "gen"), ref->t->map);
	ref->fd = bpf_obj_get(path);
	if (ref->fd < 0)
		return nfc_errf(err, "chain '%s': node '%s': table '%s': %s: %s",
				chain, node, table, path, strerror(errno));
	return 0;
}

static const struct nfc_field *find_field(const struct nfc_field *f, int n,
					  const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
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
static int encode_side(const struct nfc_table *t, const struct nfc_field *f,
		       int n, int argc, char **argv, __u8 *out,
		       struct nfc_err *err)
{
	char msg[256];
	int i;

	for (i = 0; i < n; i++) {
		const char *v = arg_of(argc, argv, f[i].name);

		if (!v && f[i].unless_field) {
			const char *u = arg_of(argc, argv, f[i].unless_field);

			if (u && !strcmp(u, f[i].unless_value))
				continue;
		}
		if (!v)
			v = f[i].def;
		if (!v) {
			if (f[i].unless_field)
				return nfc_errf(err, "table '%s': '%s' is required unless %s is %s",
						t->name, f[i].name, f[i].unless_field,
						f[i].unless_value);
			return nfc_errf(err, "table '%s': '%s' is required",
					t->name, f[i].name);
		}
		if (nfc_field_encode(&f[i], v, out + f[i].offset, msg, sizeof(msg)))
			return nfc_errf(err, "table '%s': %s '%s': %s", t->name,
					f[i].name, v, msg);
	}
	return 0;
}

static int check_args(const struct nfc_table *t, int argc, char **argv,
		      bool key_only, struct nfc_err *err)
{
	int i;

	if (argc % 2)
		return nfc_errf(err, "table '%s': '%s' has no value", t->name,
				argv[argc - 1]);
	for (i = 0; i < argc; i += 2) {
		if (find_field(t->key, t->n_key, argv[i]))
			continue;
		if (!key_only && find_field(t->value, t->n_value, argv[i]))
			continue;
		return nfc_errf(err, "table '%s': unknown field '%s'%s", t->name,
				argv[i],
				key_only && find_field(t->value, t->n_value, argv[i]) ?
					" (del takes key fields only)" : "");
	}
	return 0;
}

static int table_entry(struct nfc_handle *h, const char *chain,
		       const char *node, const char *table, int argc,
		       char **argv, bool add, struct nfc_err *err)
{
	struct table_ref ref;
	__u8 *key = NULL, *val = NULL;
	int r;

	r = table_open(h, chain, node, table, &ref, err);
	if (r)
		return r;
	r = check_args(ref.t, argc, argv, !add, err);
	if (r)
		goto out;
	key = calloc(1, ref.t->key_size);
	val = calloc(1, ref.t->value_size ?: 1);
	if (!key || !val) {
		r = -ENOMEM;
		goto out;
	}
	r = encode_side(ref.t, ref.t->key, ref.t->n_key, argc, argv, key, err);
	if (!r && add)
		r = encode_side(ref.t, ref.t->value, ref.t->n_value, argc, argv,
				val, err);
	if (r)
		goto out;
	if (add ? bpf_map_update_elem(ref.fd, key, val, BPF_ANY) :
		  bpf_map_delete_elem(ref.fd, key)) {
		r = -errno;
		nfc_errf(err, "chain '%s': node '%s': table '%s': %s: %s", chain,
			 node, table, add ? "add" : "del",
			 errno == ENOENT ? "no such entry" : strerror(errno));
	}
out:
	free(key);
	free(val);
	close(ref.fd);
	return r;
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

static void format_side(json_object *o, const struct nfc_field *f, int n,
			const __u8 *data)
{
	char buf[128];
	int i;

	for (i = 0; i < n; i++) {
		if (nfc_field_format(&f[i], data + f[i].offset, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "?");
		json_object_object_add(o, f[i].name, json_object_new_string(buf));
	}
}

int nfc_table__list(struct nfc_handle *h, const char *chain, const char *node,
		    const char *table, json_object **out, struct nfc_err *err)
{
	struct table_ref ref;
	__u8 *key, *next, *val;
	json_object *arr;
	void *prev = NULL;
	int r;

	r = table_open(h, chain, node, table, &ref, err);
	if (r)
		return r;
	key = calloc(1, ref.t->key_size);
	next = calloc(1, ref.t->key_size);
	val = calloc(1, ref.t->value_size ?: 1);
	arr = json_object_new_array();
	if (!key || !next || !val) {
		r = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(ref.fd, prev, next)) {
		memcpy(key, next, ref.t->key_size);
		prev = key;
		if (bpf_map_lookup_elem(ref.fd, key, val))
			continue; /* removed meanwhile */
		json_object *o = json_object_new_object();

		format_side(o, ref.t->key, ref.t->n_key, key);
		format_side(o, ref.t->value, ref.t->n_value, val);
		json_object_array_add(arr, o);
	}
out:
	free(key);
	free(next);
	free(val);
	close(ref.fd);
	if (r) {
		json_object_put(arr);
		return r;
	}
	*out = arr;
	return 0;
}
