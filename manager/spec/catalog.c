// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The catalog: every module manifest found under a set of directories, and
 * the names of the hooks and object kinds modules are built for.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "catalog.h"
#include "nfc_shared.h"

#define NFC_DROP_STR(name, str) str,
static const char *const drop_names[] = { NFC_DROP_REASONS(NFC_DROP_STR) };
#undef NFC_DROP_STR

static const char *const verdict_names[] = {
	[NFC_V_PASS] = "pass",
	[NFC_V_REDIRECT] = "redirect",
	[NFC_V_TX] = "tx",
	[NFC_V_DROP] = "drop",
	[NFC_V_FLOOD] = "flood",
};

const char *nfc_drop_reason_str(unsigned int reason)
{
	return reason < NFC_DROP_MAX ? drop_names[reason] : "unknown";
}

const char *nfc_verdict_str(unsigned int verdict)
{
	return verdict < NFC_V_MAX && verdict_names[verdict] ?
		       verdict_names[verdict] :
		       "unknown";
}

static const char *const hook_names[NFC_HOOK_MAX] = {
	[NFC_HOOK_XDP] = "xdp",
	[NFC_HOOK_TC_INGRESS] = "tc-ingress",
	[NFC_HOOK_TC_EGRESS] = "tc-egress",
};

const char *nfc_hook_str(enum nfc_hook h)
{
	if ((unsigned int)h >= NFC_HOOK_MAX)
		return "unknown";
	return hook_names[h];
}

int nfc_hook_parse(const char *s, enum nfc_hook *h)
{
	int i;

	for (i = 0; i < NFC_HOOK_MAX; i++) {
		if (!strcmp(s, hook_names[i])) {
			*h = i;
			return 0;
		}
	}
	return -EINVAL;
}

void nfc_catalog__free(struct nfc_catalog *cat)
{
	int i;

	if (!cat)
		return;
	for (i = 0; i < cat->n_mods; i++)
		nfc_module__free(cat->mods[i]);
	free(cat->mods);
	for (i = 0; i < cat->n_dirs; i++)
		free(cat->dirs[i]);
	free(cat->dirs);
	free(cat);
}

static int catalog_add(struct nfc_catalog *cat, const char *path,
		       struct nfc_err *err);

int nfc_catalog__add(struct nfc_catalog *cat, const char *path,
		     struct nfc_err *err)
{
	char **dirs;
	int r;

	dirs = realloc(cat->dirs, (cat->n_dirs + 1) * sizeof(*dirs));
	if (!dirs)
		return -ENOMEM;
	cat->dirs = dirs;
	cat->dirs[cat->n_dirs] = strdup(path);
	if (!cat->dirs[cat->n_dirs])
		return -ENOMEM;
	r = catalog_add(cat, path, err);
	if (r)
		free(cat->dirs[cat->n_dirs]);
	else
		cat->n_dirs++;
	return r;
}

static int catalog_add(struct nfc_catalog *cat, const char *path,
		       struct nfc_err *err)
{
	struct nfc_module *m, **mods;
	int i, ret;

	ret = nfc_module__load(&m, path, err);
	if (ret)
		return ret;
	for (i = 0; i < cat->n_mods; i++) {
		if (!strcmp(cat->mods[i]->manifest, m->manifest)) {
			nfc_module__free(m);
			return 0;
		}
		if (!strcmp(cat->mods[i]->name, m->name) &&
		    !nfc_version_cmp(cat->mods[i]->version, m->version)) {
			ret = nfc_errf(err, -EEXIST,
				       "%s: module '%s' version %s is also defined by %s",
				       path, m->name, m->version,
				       cat->mods[i]->manifest);
			nfc_module__free(m);
			return ret;
		}
	}
	mods = realloc(cat->mods, (cat->n_mods + 1) * sizeof(*mods));
	if (!mods) {
		nfc_module__free(m);
		return -ENOMEM;
	}
	cat->mods = mods;
	cat->mods[cat->n_mods++] = m;
	return 0;
}

static bool is_manifest(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && !strcmp(name + len - 5, ".yaml");
}

/* Manifests directly in dir, and one level down when top is set. */
static int catalog_scan(struct nfc_catalog *cat, const char *dir, bool top,
			struct nfc_err *err)
{
	struct dirent **ents;
	struct stat st;
	int i, n, r, ret = 0;
	char *path;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		ret = -errno;
		return nfc_errf(err, ret, "catalog '%s': %s", dir,
				strerror(-ret));
	}
	for (i = 0; i < n; i++) {
		r = 0;
		if (ents[i]->d_name[0] == '.')
			goto next;
		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			r = -ENOMEM;
			goto next;
		}
		if (stat(path, &st))
			r = 0; /* a dangling link is not a manifest */
		else if (S_ISREG(st.st_mode) && is_manifest(ents[i]->d_name))
			r = catalog_add(cat, path, err);
		else if (S_ISDIR(st.st_mode) && top)
			r = catalog_scan(cat, path, false, err);
		free(path);
next:
		if (r && !ret)
			ret = r;
		free(ents[i]);
	}
	free(ents);
	return ret;
}

int nfc_catalog__load(struct nfc_catalog **out, char *const *dirs, int n_dirs,
		      struct nfc_err *err)
{
	struct nfc_catalog *cat;
	struct stat st;
	int i, r, ret = 0;

	*out = NULL;
	cat = calloc(1, sizeof(*cat));
	if (!cat)
		return -ENOMEM;
	if (n_dirs > 0) {
		cat->dirs = calloc(n_dirs, sizeof(*cat->dirs));
		if (!cat->dirs) {
			nfc_catalog__free(cat);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n_dirs; i++) {
		cat->dirs[cat->n_dirs] = strdup(dirs[i]);
		if (!cat->dirs[cat->n_dirs]) {
			ret = -ENOMEM;
			break;
		}
		cat->n_dirs++;
		if (stat(dirs[i], &st)) {
			r = nfc_errf(err, -errno, "catalog '%s': %s", dirs[i],
				     strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = catalog_scan(cat, dirs[i], true, err);
		} else {
			r = catalog_add(cat, dirs[i], err);
		}
		if (r && !ret)
			ret = r;
	}
	if (ret) {
		nfc_catalog__free(cat);
		return ret;
	}
	*out = cat;
	return 0;
}

int nfc_version_cmp(const char *a, const char *b)
{
	unsigned long long x, y;

	while (*a || *b) {
		if ((*a && !isdigit((unsigned char)*a)) ||
		    (*b && !isdigit((unsigned char)*b)))
			return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
		x = 0;
		while (isdigit((unsigned char)*a))
			x = x * 10 + (*a++ - '0');
		y = 0;
		while (isdigit((unsigned char)*b))
			y = y * 10 + (*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

const struct nfc_module *nfc_catalog__find(const struct nfc_catalog *cat,
					   const char *name,
					   const char *version)
{
	const struct nfc_module *best = NULL, *m;
	int i;

	for (i = 0; cat && i < cat->n_mods; i++) {
		m = cat->mods[i];
		if (strcmp(m->name, name))
			continue;
		if (version) {
			if (!nfc_version_cmp(m->version, version))
				return m;
		} else if (!best || nfc_version_cmp(m->version,
						    best->version) > 0) {
			best = m;
		}
	}
	return best;
}

