// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/* The catalog as nfctl sees it: list, show, register, unregister. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "internal.h"

/* Chains that run NAME (at VERSION, when given), as a JSON array. */
static json_object *users_of(struct nfc_handle *h, const char *name,
			     const char *version)
{
	json_object *arr = json_object_new_array(), *nodes;
	json_object_iter it;
	size_t i;

	json_object_object_foreachC(nfc_state_chains(h), it) {
		if (!json_object_object_get_ex(it.val, "nodes", &nodes))
			continue;
		for (i = 0; i < json_object_array_length(nodes); i++) {
			json_object *n = json_object_array_get_idx(nodes, i);

			if (strcmp(nfc_js(n, "module") ?: "", name) ||
			    (version && strcmp(nfc_js(n, "version") ?: "", version)))
				continue;
			json_object_array_add(arr, json_object_new_string(it.key));
			break;
		}
	}
	return arr;
}

static json_object *fields_json(const struct nfc_field *f, int n)
{
	json_object *arr = json_object_new_array(), *o, *v;
	int i, j;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(f[i].name));
		json_object_object_add(o, "type",
				       json_object_new_string(nfc_ftype_str(f[i].type)));
		if (f[i].n_values) {
			v = json_object_new_array();
			for (j = 0; j < f[i].n_values; j++)
				json_object_array_add(v, json_object_new_string(f[i].values[j]));
			json_object_object_add(o, "values", v);
		}
		if (f[i].def)
			json_object_object_add(o, "default", json_object_new_string(f[i].def));
		if (f[i].table)
			json_object_object_add(o, "table", json_object_new_string(f[i].table));
		if (f[i].description)
			json_object_object_add(o, "description",
					       json_object_new_string(f[i].description));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *module_json(struct nfc_handle *h,
				const struct nfc_module *m, bool full)
{
	json_object *o = json_object_new_object(), *v;
	int i;

	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "version", json_object_new_string(m->version));
	json_object_object_add(o, "description",
			       json_object_new_string(m->description ?: ""));
	v = json_object_new_array();
	if (m->object[NFC_OBJ_XDP])
		json_object_array_add(v, json_object_new_string("xdp"));
	if (m->object[NFC_OBJ_TC]) {
		json_object_array_add(v, json_object_new_string("tc-ingress"));
		json_object_array_add(v, json_object_new_string("tc-egress"));
	}
	json_object_object_add(o, "hooks", v);
	json_object_object_add(o, "used_by", users_of(h, m->name, m->version));
	if (!full)
		return o;
	json_object_object_add(o, "manifest", json_object_new_string(m->manifest));
	v = json_object_new_array();
	for (i = 0; i < m->n_outcomes; i++)
		json_object_array_add(v, json_object_new_string(m->outcomes[i]));
	json_object_object_add(o, "outcomes", v);
	json_object_object_add(o, "config", fields_json(m->config, m->n_config));
	v = json_object_new_array();
	for (i = 0; i < m->n_tables; i++) {
		json_object *t = json_object_new_object();

		json_object_object_add(t, "name", json_object_new_string(m->tables[i].name));
		json_object_object_add(t, "map", json_object_new_string(m->tables[i].map));
		json_object_object_add(t, "key", fields_json(m->tables[i].key,
							      m->tables[i].n_key));
		json_object_object_add(t, "value", fields_json(m->tables[i].value,
								m->tables[i].n_value));
		json_object_array_add(v, t);
	}
	json_object_object_add(o, "tables", v);
	return o;
}

int nfc_module__list(struct nfc_handle *h, json_object **out,
		     struct nfc_err *err)
{
	const struct nfc_catalog *cat = nfc_catalog(h);
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < cat->n_mods; i++)
		json_object_array_add(arr, module_json(h, cat->mods[i], false));
	*out = arr;
	return 0;
}

int nfc_module__show(struct nfc_handle *h, const char *name,
		     json_object **out, struct nfc_err *err)
{
	const struct nfc_catalog *cat = nfc_catalog(h);
	json_object *arr = json_object_new_array();
	char want[64];
	const char *at = strchr(name, '@');
	int i;

	snprintf(want, sizeof(want), "%.*s",
		 at ? (int)(at - name) : (int)strlen(name), name);
	for (i = 0; i < cat->n_mods; i++) {
		const struct nfc_module *m = cat->mods[i];

		if (strcmp(m->name, want) || (at && strcmp(m->version, at + 1)))
			continue;
		json_object_array_add(arr, module_json(h, m, true));
	}
	if (!json_object_array_length(arr)) {
		json_object_put(arr);
		return nfc_errf(err, "module '%s' is not in the catalog", name);
	}
	*out = arr;
	return 0;
}

/* Load an object the way the builder would, with private maps, so the
 * verifier judges it; nothing is pinned or attached. */
static int verify_object(struct nfc_handle *h, const struct nfc_module *m,
			 const char *path, struct nfc_err *err)
{
	struct bpf_object *obj = nfc_obj_open(h, path, true);
	char ex[4096];
	int r;

	if (!obj)
		return nfc_errf(err, "module %s@%s: %s: %s", m->name, m->version,
				path, strerror(errno));
	nfc_libbpf_log_reset();
	r = bpf_object__load(obj);
	if (r) {
		const char *x = nfc_libbpf_verifier_excerpt(ex, sizeof(ex));

		nfc_errf(err, "module %s@%s: %s: %s%s", m->name, m->version, path,
			 x ? "the verifier rejected the program:\n" : "",
			 x ?: strerror(-r));
	}
	bpf_object__close(obj);
	return r;
}

int nfc_module__register(struct nfc_handle *h, const char *path,
			 json_object **out, struct nfc_err *err)
{
	char abspath[PATH_MAX];
	char *dirs[1] = { abspath };
	json_object *mods = nfc_state_modules(h), *arr;
	struct nfc_catalog *cat;
	int i, k, r;
	size_t j;

	if (!realpath(path, abspath))
		return nfc_errf(err, "%s: %s", path, strerror(errno));
	r = nfc_catalog__load(&cat, dirs, 1, err);
	if (r)
		return r;
	if (!cat->n_mods) {
		r = nfc_errf(err, "%s: no module manifest found", path);
		goto out;
	}
	for (i = 0; i < cat->n_mods && !r; i++) {
		const struct nfc_module *m = cat->mods[i];
		const struct nfc_module *have =
			nfc_catalog__find(nfc_catalog(h), m->name, m->version);

		if (have && strcmp(have->manifest, m->manifest)) {
			r = nfc_errf(err, "module %s@%s is already in the catalog (%s)",
				     m->name, m->version, have->manifest);
			break;
		}
		for (k = 0; k < NFC_OBJ_MAX && !r; k++)
			if (m->object[k])
				r = verify_object(h, m, m->object[k], err);
	}
	if (r)
		goto out;
	arr = json_object_new_array();
	for (i = 0; i < cat->n_mods; i++) {
		bool known = false;

		for (j = 0; j < json_object_array_length(mods); j++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(mods, j)),
				    cat->mods[i]->manifest))
				known = true;
		if (!known)
			json_object_array_add(mods, json_object_new_string(cat->mods[i]->manifest));
		json_object_array_add(arr, module_json(h, cat->mods[i], false));
	}
	r = nfc_state_save(h, err);
	if (r)
		json_object_put(arr);
	else
		*out = arr;
out:
	nfc_catalog__free(cat);
	return r;
}

int nfc_module__unregister(struct nfc_handle *h, const char *name_at_version,
			   struct nfc_err *err)
{
	json_object *mods = nfc_state_modules(h), *users;
	const struct nfc_catalog *cat = nfc_catalog(h);
	const char *at = strchr(name_at_version, '@');
	const char *version = at ? at + 1 : NULL;
	char name[64];
	int i, found = 0, removed = 0;
	size_t j;

	snprintf(name, sizeof(name), "%.*s",
		 at ? (int)(at - name_at_version) : (int)strlen(name_at_version),
		 name_at_version);
	users = users_of(h, name, version);
	if (json_object_array_length(users)) {
		nfc_errf(err, "module '%s' is in use by chain(s): %s",
			 name_at_version,
			 json_object_to_json_string_ext(users, JSON_C_TO_STRING_PLAIN));
		json_object_put(users);
		return -EBUSY;
	}
	json_object_put(users);
	for (i = 0; i < cat->n_mods; i++) {
		const struct nfc_module *m = cat->mods[i];

		if (strcmp(m->name, name) || (version && strcmp(m->version, version)))
			continue;
		found++;
		for (j = 0; j < json_object_array_length(mods); j++) {
			if (strcmp(json_object_get_string(json_object_array_get_idx(mods, j)),
				   m->manifest))
				continue;
			json_object_array_del_idx(mods, j, 1);
			removed++;
			break;
		}
	}
	if (!found)
		return nfc_errf(err, "module '%s' is not in the catalog", name_at_version);
	if (!removed)
		return nfc_errf(err, "module '%s' is part of the installed catalog; only modules added with 'nfctl module load' can be unloaded",
				name_at_version);
	return nfc_state_save(h, err);
}
