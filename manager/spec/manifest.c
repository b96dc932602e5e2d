// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Module manifests. A manifest is checked completely (every problem
 * reported with its position) so a module author fixes it in one pass. BPF
 * objects are only named here: the runtime opens them and checks the
 * manifest's tables against their BTF.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "nfc_shared.h"
#include "catalog.h"
#include "manifest.h"

static const char *const objkind_names[NFC_OBJ_MAX] = {
	[NFC_OBJ_XDP] = "xdp",
	[NFC_OBJ_TC] = "tc",
};

/* Names unique, rodata unique, each list naming a table of its own. */
static void config_refs(struct nfc_ydoc *y, struct nfc_module *m,
			const struct fsrc *src)
{
	char ip[NFC_YPATH_LEN], kp[NFC_YPATH_LEN], names[160];
	const struct nfc_field *f, *g;
	size_t off;
	int i, j;

	for (i = 0; i < m->n_config; i++) {
		f = &m->config[i];
		nfc_ypathi(ip, "config", i);
		for (j = 0; j < i; j++) {
			g = &m->config[j];
			if (f->name && g->name && !strcmp(f->name, g->name)) {
				nfc_ypath(kp, ip, "name");
				nfc_yerr(y, src[i].v[FK_NAME], kp,
					 "config key '%s' is declared twice",
					 f->name);
			}
			if (f->rodata && g->rodata &&
			    !strcmp(f->rodata, g->rodata)) {
				nfc_ypath(kp, ip, "rodata");
				nfc_yerr(y, src[i].v[FK_RODATA], kp,
					 "'%s' is set by '%s' already",
					 f->rodata, g->name);
			}
			if (f->table && g->table &&
			    !strcmp(f->table, g->table)) {
				nfc_ypath(kp, ip, "table");
				nfc_yerr(y, src[i].v[FK_TABLE], kp,
					 "table '%s' is filled by '%s' already",
					 f->table, g->name);
			}
		}
		if (!f->table || nfc_module__table(m, f->table))
			continue;
		off = 0;
		names[0] = '\0';
		for (j = 0; j < m->n_tables && off < sizeof(names); j++)
			off += snprintf(names + off, sizeof(names) - off,
					"%s%s", off ? ", " : "",
					m->tables[j].name ? m->tables[j].name :
							    "");
		nfc_ypath(kp, ip, "table");
		nfc_yerr(y, src[i].v[FK_TABLE], kp,
			 "no table '%s' in the manifest (tables: %s)", f->table,
			 off ? names : "none");
	}
}

/* `policies`: the table that names a module's rules by the ids it reports
 * as the deciding policy; its key is the id (one u32 field), the value
 * field given (a string) the name. */
/* -ENOMEM, else 0 (what is wrong is said in @y) */
static int parse_policies(struct nfc_ydoc *y, yaml_node_t *map,
			  struct nfc_module *m)
{
	static const struct nfc_ykey keys[] = {
		{ "table", true },
		{ "name", true },
	};
	const struct nfc_table *t;
	const struct nfc_field *f;
	yaml_node_t *v[2];
	const char *table, *name;

	if (nfc_ymap(y, map, "policies", keys, 2, v))
		return 0;
	if (!v[0] || !v[1] ||
	    nfc_yname(y, v[0], "policies.table", "table", &table) ||
	    nfc_yname(y, v[1], "policies.name", "field", &name))
		return 0;
	t = nfc_module__table(m, table);
	if (!t) {
		nfc_yerr(y, v[0], "policies.table",
			 "no table '%s' in the manifest", table);
		return 0;
	}
	if (t->n_key != 1 || !t->key[0].name || t->key[0].type != NFC_FT_U32) {
		nfc_yerr(y, v[0], "policies.table",
			 "table '%s' must have one key field, a u32 (the rule's id)",
			 table);
		return 0;
	}
	f = nfc_fields_find(t->value, t->n_value, name);
	if (!f) {
		nfc_yerr(y, v[1], "policies.name",
			 "table '%s' has no value field '%s'", table, name);
		return 0;
	}
	if (f->type != NFC_FT_STRING) {
		nfc_yerr(y, v[1], "policies.name",
			 "'%s' is a %s field, not a string", name,
			 nfc_ftype_str(f->type));
		return 0;
	}
	m->policy_table = strdup(table);
	m->policy_name = strdup(name);
	return m->policy_table && m->policy_name ? 0 : -ENOMEM;
}

static bool version_ok(const char *s)
{
	int digits = 0;

	if (strlen(s) > NFC_VERSION_MAX)
		return false;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s)) {
			if (++digits > 9)
				return false;
		} else if (*s == '.' && digits && s[1]) {
			digits = 0;
		} else {
			return false;
		}
	}
	return digits;
}

static void parse_outcomes(struct nfc_ydoc *y, yaml_node_t *list,
			   struct nfc_module *m)
{
	static const char *const fixed[] = { "pass", "deny" };
	char ip[NFC_YPATH_LEN];
	yaml_node_item_t *items;
	yaml_node_t *it;
	const char *s;
	int i, j, n;

	if (nfc_yseq(y, list, "outcomes", &items, &n))
		return;
	if (n < 2) {
		nfc_yerr(y, list, "outcomes",
			 "expected at least [pass, deny]");
		return;
	}
	if (n > NFC_MAX_OUTCOMES) {
		nfc_ypathi(ip, "outcomes", NFC_MAX_OUTCOMES);
		nfc_yerr(y, nfc_ynode(y, items[NFC_MAX_OUTCOMES]), ip,
			 "a module has at most %d outcomes", NFC_MAX_OUTCOMES);
		return;
	}
	m->outcomes = calloc(n, sizeof(*m->outcomes));
	if (!m->outcomes)
		return;
	m->n_outcomes = n;
	for (i = 0; i < n; i++) {
		it = nfc_ynode(y, items[i]);
		nfc_ypathi(ip, "outcomes", i);
		if (nfc_yname(y, it, ip, "outcome", &s))
			continue;
		if (i < 2 && strcmp(s, fixed[i]))
			nfc_yerr(y, it, ip, "outcome %d must be '%s', not '%s'",
				 i, fixed[i], s);
		for (j = 0; j < i; j++) {
			if (m->outcomes[j] && !strcmp(m->outcomes[j], s))
				nfc_yerr(y, it, ip, "'%s' is listed twice", s);
		}
		m->outcomes[i] = strdup(s);
	}
}

static char *object_path(const char *dir, const char *rel)
{
	char *p;

	if (rel[0] == '/')
		return strdup(rel);
	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		return NULL;
	return p;
}

static void parse_objects(struct nfc_ydoc *y, yaml_node_t *map,
			  struct nfc_module *m)
{
	static const struct nfc_ykey keys[NFC_OBJ_MAX] = {
		[NFC_OBJ_XDP] = { "xdp", false },
		[NFC_OBJ_TC] = { "tc", false },
	};
	char dir[PATH_MAX], kp[NFC_YPATH_LEN], *slash;
	yaml_node_t *v[NFC_OBJ_MAX];
	const char *s;
	int i, n = 0;

	if (nfc_ymap(y, map, "objects", keys, NFC_OBJ_MAX, v))
		return;
	snprintf(dir, sizeof(dir), "%s", m->manifest);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (i = 0; i < NFC_OBJ_MAX; i++) {
		nfc_ypath(kp, "objects", objkind_names[i]);
		if (!v[i])
			continue;
		n++;
		if (!nfc_ystr(y, v[i], kp, &s))
			m->object[i] = object_path(dir, s);
	}
	if (!n)
		nfc_yerr(y, map, "objects",
			 "a module needs an object for xdp, tc or both");
}

enum {
	MK_MODULE,
	MK_VERSION,
	MK_DESCRIPTION,
	MK_OBJECTS,
	MK_OUTCOMES,
	MK_CONFIG,
	MK_TABLES,
	MK_POLICIES,
	MK_N,
};

static const struct nfc_ykey module_keys[MK_N] = {
	[MK_MODULE] = { "module", true },
	[MK_VERSION] = { "version", true },
	[MK_DESCRIPTION] = { "description", false },
	[MK_OBJECTS] = { "objects", true },
	[MK_OUTCOMES] = { "outcomes", true },
	[MK_CONFIG] = { "config", false },
	[MK_TABLES] = { "tables", false },
	[MK_POLICIES] = { "policies", false },
};

static int parse_module(struct nfc_ydoc *y, struct nfc_module *m)
{
	yaml_node_t *v[MK_N];
	struct fsrc *src = NULL;
	const char *s;
	int ret;

	if (nfc_ymap(y, nfc_ydoc__root(y), "", module_keys, MK_N, v))
		return 0;
	if (v[MK_MODULE] &&
	    !nfc_yname(y, v[MK_MODULE], "module", "module", &s) &&
	    !(m->name = strdup(s)))
		return -ENOMEM;
	if (v[MK_VERSION] && !nfc_ystr(y, v[MK_VERSION], "version", &s)) {
		if (!version_ok(s))
			nfc_yerr(y, v[MK_VERSION], "version",
				 "'%.64s' is not a version like 1.0.0", s);
		else if (!(m->version = strdup(s)))
			return -ENOMEM;
	}
	if (v[MK_DESCRIPTION] &&
	    !nfc_ystr(y, v[MK_DESCRIPTION], "description", &s) &&
	    !(m->description = strdup(s)))
		return -ENOMEM;
	if (v[MK_OBJECTS])
		parse_objects(y, v[MK_OBJECTS], m);
	if (v[MK_OUTCOMES])
		parse_outcomes(y, v[MK_OUTCOMES], m);
	ret = nfc_manifest_tables(y, v[MK_TABLES], m);
	if (ret)
		return ret;
	if (v[MK_POLICIES]) {
		ret = parse_policies(y, v[MK_POLICIES], m);
		if (ret)
			return ret;
	}
	if (!v[MK_CONFIG])
		return 0;
	ret = nfc_manifest_fields(y, v[MK_CONFIG], "config", FW_CONFIG, false,
			   &m->config, &m->n_config, &src);
	if (!ret)
		config_refs(y, m, src);
	free(src);
	return ret == -ENOMEM ? ret : 0;
}

int nfc_module__load(struct nfc_module **out, const char *path,
		     struct nfc_err *err)
{
	struct nfc_module *m = NULL;
	struct nfc_ydoc y;
	char *text;
	size_t len;
	int ret, r;

	*out = NULL;
	ret = nfc_read_file(path, &text, &len, NFC_MANIFEST_MAX);
	if (ret)
		return ret == -EFBIG ?
			       nfc_errf(err, ret, "%s: larger than a manifest may be (%u MiB)",
					path, NFC_MANIFEST_MAX >> 20) :
			       nfc_errf(err, ret, "%s: %s", path,
					nfc_read_strerror(ret));
	ret = nfc_ydoc__load_string(&y, path, "manifest", text, len);
	if (!ret) {
		m = calloc(1, sizeof(*m));
		if (!m)
			ret = -ENOMEM;
	}
	if (!ret) {
		m->manifest = realpath(path, NULL);
		ret = m->manifest ? parse_module(&y, m) : -errno;
	}
	r = nfc_ydoc__flush(&y, err);
	if (!ret)
		ret = r;
	else if (ret != -EINVAL && !r)
		nfc_errf(err, ret, "%s: %s", path, strerror(-ret));
	nfc_ydoc__free(&y);
	free(text);
	if (ret) {
		nfc_module__free(m);
		return ret;
	}
	*out = m;
	return 0;
}

void nfc_module__free(struct nfc_module *m)
{
	int i;

	if (!m)
		return;
	free(m->name);
	free(m->version);
	free(m->description);
	free(m->manifest);
	for (i = 0; i < NFC_OBJ_MAX; i++)
		free(m->object[i]);
	for (i = 0; i < m->n_outcomes; i++)
		free(m->outcomes[i]);
	free(m->outcomes);
	nfc_manifest_free_fields(m->config, m->n_config);
	nfc_manifest_free_tables(m->tables, m->n_tables);
	free(m->policy_table);
	free(m->policy_name);
	free(m);
}

int nfc_module__outcome(const struct nfc_module *m, const char *name)
{
	int i;

	for (i = 0; i < m->n_outcomes; i++) {
		if (m->outcomes[i] && !strcmp(m->outcomes[i], name))
			return i;
	}
	return -ENOENT;
}

const struct nfc_field *nfc_module__config_key(const struct nfc_module *m,
					       const char *name)
{
	return nfc_fields_find(m->config, m->n_config, name);
}

const struct nfc_table *nfc_module__table(const struct nfc_module *m,
					  const char *name)
{
	int i;

	for (i = 0; i < m->n_tables; i++) {
		if (m->tables[i].name && !strcmp(m->tables[i].name, name))
			return &m->tables[i];
	}
	return NULL;
}
