// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Modules added to and removed from the catalog at run time
 * (`nfctl module load|unload`): a module is registered only after every
 * object of it passed the ABI check, the BTF check of its tables and the
 * verifier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int nfc_module__users(struct nfc_handle *h, const char *name,
		      const char *version, const char **names, int max)
{
	const struct nfc_state *s = h->state;
	int i, j, n = 0;

	for (i = 0; i < s->n_chains; i++) {
		const struct nfc_chain_info *c = &s->chains[i];

		for (j = 0; j < c->n_nodes; j++) {
			if (strcmp(c->nodes[j].module, name) ||
			    (version && strcmp(c->nodes[j].version, version)))
				continue;
			if (n < max)
				names[n] = c->name;
			n++;
			break;
		}
	}
	return n;
}

/* Load an object the way the builder would, with private maps, so the
 * verifier judges it; nothing is pinned or attached. */
static int verify_object(struct nfc_handle *h, const struct nfc_module *m,
			 int kind, struct nfc_err *err)
{
	char what[128];
	struct nfc_obj o;
	int r;

	snprintf(what, sizeof(what), "module %s@%s (%s)", m->name, m->version,
		 nfc_kind_str(kind));
	r = nfc_obj_open(h, m->object[kind], true, what, &o, err);
	if (r)
		return r;
	r = nfc_obj_check_module(o.obj, m, kind, what, err);
	if (!r)
		r = nfc_obj_load(&o, what, err);
	nfc_obj_close(&o);
	return r;
}

/* The handle's catalog again, with manifests added or dropped. */
static int catalog_rebuild(struct nfc_handle *h, char *const *add, int n_add,
			   char *const *drop, int n_drop, struct nfc_err *err)
{
	struct nfc_catalog *cat;
	char **dirs;
	int i, j, n = 0, r;

	dirs = calloc(h->cat->n_dirs + n_add + 1, sizeof(*dirs));
	if (!dirs)
		return -ENOMEM;
	for (i = 0; i < h->cat->n_dirs; i++) {
		for (j = 0; j < n_drop && strcmp(drop[j], h->cat->dirs[i]); j++)
			;
		if (j == n_drop)
			dirs[n++] = h->cat->dirs[i];
	}
	for (i = 0; i < n_add; i++)
		dirs[n++] = add[i];
	r = nfc_catalog__load(&cat, dirs, n, err);
	free(dirs);
	if (r)
		return r;
	nfc_catalog__free(h->cat);
	h->cat = cat;
	return 0;
}

int nfc_module__register(struct nfc_handle *h, const char *path,
			 const struct nfc_module ***mods, int *n,
			 struct nfc_err *err)
{
	char abspath[PATH_MAX];
	char *dirs[1] = { abspath };
	const struct nfc_module **out = NULL;
	struct nfc_catalog *cat;
	char **added = NULL;
	int i, k, r;

	*mods = NULL;
	*n = 0;
	if (!realpath(path, abspath))
		return nfc_errf(err, -errno, "%s: %s", path, strerror(errno));
	r = nfc_catalog__load(&cat, dirs, 1, err);
	if (r)
		return r;
	if (!cat->n_mods) {
		r = nfc_errf(err, -ENOENT, "%s: no module manifest found", path);
		goto out;
	}
	for (i = 0; i < cat->n_mods && !r; i++) {
		const struct nfc_module *m = cat->mods[i];
		const struct nfc_module *have =
			nfc_catalog__find(h->cat, m->name, m->version);

		if (have && strcmp(have->manifest, m->manifest)) {
			r = nfc_errf(err, -EEXIST,
				     "module %s@%s is already in the catalog (%s)",
				     m->name, m->version, have->manifest);
			break;
		}
		for (k = 0; k < NFC_OBJ_MAX && !r; k++)
			if (m->object[k])
				r = verify_object(h, m, k, err);
	}
	if (r)
		goto out;
	for (i = 0; i < cat->n_mods && !r; i++)
		r = nfc_state__add_module(h->state, cat->mods[i]->manifest);
	if (!r)
		r = nfc_state_save(h, err);
	if (r)
		goto out;
	/* the handle's catalog gets the new manifests too */
	added = calloc(cat->n_mods, sizeof(*added));
	out = calloc(cat->n_mods, sizeof(*out));
	if (!added || !out) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0, k = 0; k < cat->n_mods; k++)
		if (!nfc_catalog__find(h->cat, cat->mods[k]->name,
				       cat->mods[k]->version))
			added[i++] = cat->mods[k]->manifest;
	r = catalog_rebuild(h, added, i, NULL, 0, err);
	if (r)
		goto out;
	for (k = 0; k < cat->n_mods; k++)
		out[k] = nfc_catalog__find(h->cat, cat->mods[k]->name,
					   cat->mods[k]->version);
	*mods = out;
	*n = cat->n_mods;
	out = NULL;
out:
	free(added);
	free(out);
	nfc_catalog__free(cat);
	return r;
}

int nfc_module__unregister(struct nfc_handle *h, const char *name_at_version,
			   struct nfc_err *err)
{
	const char *at = strchr(name_at_version, '@');
	const char *version = at ? at + 1 : NULL;
	const char *users[4];
	char name[NFC_NAME_MAX + 1];
	int i, n, r, found = 0, removed = 0;
	char **drop;

	/* a path: a registration, whatever its manifest has become */
	if (strchr(name_at_version, '/')) {
		char abspath[PATH_MAX];

		if (!realpath(name_at_version, abspath))
			snprintf(abspath, sizeof(abspath), "%s", name_at_version);
		if (!nfc_state__del_module(h->state, abspath))
			return nfc_errf(err, -ENOENT,
					"%s is not a registered module manifest",
					name_at_version);
		return nfc_state_save(h, err);
	}
	snprintf(name, sizeof(name), "%.*s",
		 at ? (int)(at - name_at_version) : (int)strlen(name_at_version),
		 name_at_version);
	n = nfc_module__users(h, name, version, users, 4);
	if (n)
		return nfc_errf(err, -EBUSY,
				"module '%s' is in use by %d chain(s): %s%s%s%s%s%s",
				name_at_version, n, users[0],
				n > 1 ? ", " : "", n > 1 ? users[1] : "",
				n > 2 ? ", " : "", n > 2 ? users[2] : "",
				n > 3 ? ", ..." : "");
	drop = calloc(h->cat->n_mods + 1, sizeof(*drop));
	if (!drop)
		return -ENOMEM;
	for (i = 0; i < h->cat->n_mods; i++) {
		const struct nfc_module *m = h->cat->mods[i];

		if (strcmp(m->name, name) || (version && strcmp(m->version, version)))
			continue;
		found++;
		if (nfc_state__del_module(h->state, m->manifest))
			drop[removed++] = m->manifest;
	}
	if (!found)
		r = nfc_errf(err, -ENOENT, "module '%s' is not in the catalog",
			     name_at_version);
	else if (!removed)
		r = nfc_errf(err, -EPERM,
			     "module '%s' is part of the installed catalog; only modules added with 'nfctl module load' can be unloaded",
			     name_at_version);
	else
		r = nfc_state_save(h, err) ?:
		    catalog_rebuild(h, NULL, 0, drop, removed, err);
	free(drop);
	return r;
}
