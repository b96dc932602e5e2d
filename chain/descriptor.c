// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Chain descriptors: YAML topology -> validated nodes in hop order. Every
 * check runs even after a failed one (as far as its inputs are known), so
 * one run reports every problem of a file.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include "descriptor.h"
#include "../manager/yamlnode.h"

_Static_assert(sizeof(((struct nfc_cfg_value *)0)->bytes) >=
		       NFC_CONFIG_MAX_SIZE,
	       "a config value must fit nfc_cfg_value.bytes");

static const char *const mode_names[] = {
	[NFC_MODE_AUTO] = "auto",
	[NFC_MODE_NATIVE] = "native",
	[NFC_MODE_SKB] = "skb",
	[NFC_MODE_HW] = "hw",
};

#define N_MODES ((int)(sizeof(mode_names) / sizeof(mode_names[0])))

const char *nfc_mode_str(enum nfc_xdp_mode m)
{
	if ((unsigned int)m >= N_MODES)
		return "unknown";
	return mode_names[m];
}

int nfc_mode_parse(const char *s, enum nfc_xdp_mode *m)
{
	int i;

	for (i = 0; i < N_MODES; i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Link targets while parsing: a node index, or one of these. */
#define TO_UNSET -1
#define TO_PASS -2
#define TO_DROP -3

/* What is known of a node while the graph is checked (declaration order). */
struct dnode {
	yaml_node_t *map;
	yaml_node_t *name_n;
	bool unlinkable;   /* a duplicate or terminal name: no link finds it */
	int next[NFC_MAX_OUTCOMES];        /* node index or TO_* */
	yaml_node_t *on_n[NFC_MAX_OUTCOMES]; /* the link's `on`, `to` */
	yaml_node_t *to_n[NFC_MAX_OUTCOMES];
	int link[NFC_MAX_OUTCOMES];        /* index in links[] */
	int color;
	int indeg;
	bool reached;
};

struct dparse {
	struct nfc_ydoc *y;
	const struct nfc_catalog *cat;
	struct nfc_descriptor *d;
	struct dnode *dn;
	int entry;
	/* a link could not be placed (already reported): reachability would
	 * only repeat that error */
	bool links_broken;
	/* a node has no name (already reported): a name that matches no
	 * node may well be its name */
	bool nodes_broken;
	/* hook types the chain attaches at, as the first attachment of each
	 * was written, for messages */
	const char *kind_hook[NFC_OBJ_MAX];
};

static void append(char *buf, size_t len, const char *s)
{
	size_t off = strlen(buf);

	if (off + 1 < len)
		snprintf(buf + off, len - off, "%s%s", off ? ", " : "", s);
}

static int find_node(const struct dparse *p, const char *name)
{
	int i;

	for (i = 0; i < p->d->n_nodes; i++) {
		if (p->d->nodes[i].name && !strcmp(p->d->nodes[i].name, name))
			return i;
	}
	return -1;
}

static void node_names(const struct dparse *p, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < p->d->n_nodes; i++) {
		if (p->d->nodes[i].name && !p->dn[i].unlinkable)
			append(buf, len, p->d->nodes[i].name);
	}
}

static void parse_attach_one(struct dparse *p, yaml_node_t *n, int idx)
{
	static const struct nfc_ykey keys[] = {
		{ "interface", true },
		{ "hook", true },
		{ "mode", false },
		{ "priority", false },
	};
	struct nfc_attach *a = &p->d->attach[idx];
	char path[NFC_YPATH_LEN], kp[NFC_YPATH_LEN];
	yaml_node_t *v[4];
	bool hook_ok = false;
	enum nfc_objkind k;
	const char *s;
	__u64 u;
	int i;

	a->line = n->start_mark.line + 1;
	a->col = n->start_mark.column + 1;
	a->priority = NFC_PRIO_DEFAULT;
	nfc_ypathi(path, "attach", idx);
	if (nfc_ymap(p->y, n, path, keys, 4, v))
		return;

	nfc_ypath(kp, path, "interface");
	if (v[0] && !nfc_ystr(p->y, v[0], kp, &s)) {
		if (strlen(s) >= IF_NAMESIZE) {
			nfc_yerr(p->y, v[0], kp,
				 "'%.64s' is longer than an interface name can be (%d)",
				 s, IF_NAMESIZE - 1);
		} else {
			strcpy(a->ifname, s);
			a->ifindex = if_nametoindex(s);
			if (!a->ifindex)
				nfc_yerr(p->y, v[0], kp,
					 "no interface '%s' in this network namespace",
					 s);
		}
	}
	nfc_ypath(kp, path, "hook");
	if (v[1] && !nfc_ystr(p->y, v[1], kp, &s)) {
		if (nfc_hook_parse(s, &a->hook)) {
			nfc_yerr(p->y, v[1], kp,
				 "unknown hook '%.64s' (expected xdp, tc-ingress or tc-egress)",
				 s);
		} else {
			hook_ok = true;
			k = nfc_hook_objkind(a->hook);
			if (!p->kind_hook[k])
				p->kind_hook[k] = nfc_hook_str(a->hook);
			if (p->kind_hook[!k])
				nfc_yerr(p->y, v[1], kp,
					 "a chain runs at xdp or at tc, not both (it attaches at %s already)",
					 p->kind_hook[!k]);
		}
	}
	nfc_ypath(kp, path, "mode");
	if (v[2] && !nfc_ystr(p->y, v[2], kp, &s)) {
		if (hook_ok && a->hook != NFC_HOOK_XDP)
			nfc_yerr(p->y, v[2], kp, "only xdp attachments have a mode");
		else if (nfc_mode_parse(s, &a->mode))
			nfc_yerr(p->y, v[2], kp,
				 "unknown mode '%.64s' (expected auto, native, skb or hw)",
				 s);
	}
	nfc_ypath(kp, path, "priority");
	if (v[3] && hook_ok &&
	    !nfc_yuint(p->y, v[3], kp, 1,
		       a->hook == NFC_HOOK_XDP ? NFC_PRIO_XDP_MAX :
						 NFC_PRIO_TC_MAX,
		       &u))
		a->priority = u;

	if (!hook_ok || !a->ifname[0])
		return;
	for (i = 0; i < idx; i++) {
		if (!strcmp(p->d->attach[i].ifname, a->ifname) &&
		    p->d->attach[i].hook == a->hook) {
			nfc_ypath(kp, path, "interface");
			nfc_yerr(p->y, v[0], kp,
				 "'%s' at %s is attached already by attach[%d]",
				 a->ifname, nfc_hook_str(a->hook), i);
			break;
		}
	}
}

static int parse_attach(struct dparse *p, yaml_node_t *list)
{
	yaml_node_item_t *items;
	int i, n;

	if (nfc_yseq(p->y, list, "attach", &items, &n))
		return 0;
	if (!n) {
		nfc_yerr(p->y, list, "attach",
			 "expected at least one attachment");
		return 0;
	}
	p->d->attach = calloc(n, sizeof(*p->d->attach));
	if (!p->d->attach)
		return -ENOMEM;
	/* a failed attachment still counts: duplicates are found by index */
	p->d->n_attach = n;
	for (i = 0; i < n; i++)
		parse_attach_one(p, nfc_ynode(p->y, items[i]), i);
	return 0;
}

/* The module of a node: NAME or NAME@VERSION. */
static void node_module(struct dparse *p, struct nfc_node *n, yaml_node_t *v,
			const char *kp)
{
	char names[256] = "", buf[NFC_YPATH_LEN], *at;
	const struct nfc_module *m;
	const char *s;
	int i, j;

	if (nfc_ystr(p->y, v, kp, &s))
		return;
	snprintf(buf, sizeof(buf), "%s", s);
	at = strchr(buf, '@');
	if (at)
		*at++ = '\0';
	if (!nfc_name_ok(buf) || (at && !*at)) {
		nfc_yerr(p->y, v, kp,
			 "'%.64s' is not a module (expected NAME or NAME@VERSION)",
			 s);
		return;
	}
	if (!nfc_catalog__find(p->cat, buf, NULL)) {
		for (i = 0; p->cat && i < p->cat->n_mods; i++) {
			m = p->cat->mods[i];
			for (j = 0; j < i && strcmp(p->cat->mods[j]->name,
						    m->name);
			     j++)
				;
			if (j == i)
				append(names, sizeof(names), m->name);
		}
		nfc_yerr(p->y, v, kp,
			 "unknown module '%s' (the catalog has: %s)", buf,
			 names[0] ? names : "nothing");
		return;
	}
	m = nfc_catalog__find(p->cat, buf, at);
	if (!m) {
		for (i = 0; i < p->cat->n_mods; i++) {
			if (!strcmp(p->cat->mods[i]->name, buf))
				append(names, sizeof(names),
				       p->cat->mods[i]->version);
		}
		nfc_yerr(p->y, v, kp,
			 "unknown version %s of module '%s' (versions: %s)", at,
			 buf, names);
		return;
	}
	n->mod = m;
	for (i = 0; i < NFC_OBJ_MAX; i++) {
		if (p->kind_hook[i] && !m->object[i])
			nfc_yerr(p->y, v, kp,
				 "module '%s' %s has no %s object, and the chain attaches at %s",
				 m->name, m->version, i == NFC_OBJ_XDP ? "xdp" : "tc",
				 p->kind_hook[i]);
	}
}

static int field_index(const struct nfc_table *t, const char *name)
{
	int i;

	for (i = 0; i < t->n_key + t->n_value; i++) {
		const struct nfc_field *f = i < t->n_key ?
						    &t->key[i] :
						    &t->value[i - t->n_key];

		if (!strcmp(f->name, name))
			return i;
	}
	return -1;
}

/* The text of a value for a field: a scalar. */
static int field_text(struct dparse *p, yaml_node_t *v, const char *kp,
		      const struct nfc_field *f, const char **s)
{
	*s = NULL;
	if (v->type == YAML_SCALAR_NODE && !nfc_yis_null(v)) {
		*s = (const char *)v->data.scalar.value;
		return 0;
	}
	nfc_yerr(p->y, v, kp, "expected a value of type %s, got %s",
		 nfc_ftype_str(f->type), nfc_ykind(v));
	return -EINVAL;
}

/* A field of a table entry still missing: is it required here? */
static bool entry_needs(const struct nfc_table *t, const struct nfc_field *f,
			const __u8 *kb, const __u8 *vb, const bool *set,
			const bool *failed)
{
	const struct nfc_field *o;
	__u8 want[64];
	int u;

	if (!f->required)
		return false;
	if (!f->unless_field)
		return true;
	u = field_index(t, f->unless_field);
	if (u < 0)
		return true;
	if (failed[u])
		return false; /* already reported; do not guess */
	if (!set[u])
		return true;
	o = u < t->n_key ? &t->key[u] : &t->value[u - t->n_key];
	if (o->size > sizeof(want) ||
	    nfc_field_encode(o, f->unless_value, want, NULL, 0))
		return true;
	return memcmp(want, (u < t->n_key ? kb : vb) + o->offset, o->size);
}

struct entry_ctx {
	const struct nfc_table *t;
	struct nfc_ykey *keys;
	yaml_node_t **vals;
	bool *set;
	bool *failed;
	int nf;
};

/* One entry of a config list; false when it could not be encoded. */
static bool fill_entry(struct dparse *p, struct entry_ctx *c, yaml_node_t *it,
		       const char *ep, __u8 *kb, __u8 *vb)
{
	const struct nfc_table *t = c->t;
	char fp[NFC_YPATH_LEN], eb[NFC_ERR_LEN];
	const struct nfc_field *f;
	bool ok = true;
	const char *s;
	__u8 *dst;
	int j;

	if (nfc_ymap(p->y, it, ep, c->keys, c->nf, c->vals))
		return false;
	for (j = 0; j < c->nf; j++) {
		f = j < t->n_key ? &t->key[j] : &t->value[j - t->n_key];
		dst = (j < t->n_key ? kb : vb) + f->offset;
		nfc_ypath(fp, ep, f->name);
		c->set[j] = c->failed[j] = false;
		if (c->vals[j]) {
			if (field_text(p, c->vals[j], fp, f, &s)) {
				c->failed[j] = true;
			} else if (nfc_field_encode(f, s, dst, eb,
						    sizeof(eb))) {
				nfc_yerr(p->y, c->vals[j], fp, "%s", eb);
				c->failed[j] = true;
			}
		} else if (f->def) {
			if (nfc_field_encode(f, f->def, dst, eb, sizeof(eb))) {
				nfc_yerr(p->y, it, fp,
					 "the module's default '%s': %s",
					 f->def, eb);
				c->failed[j] = true;
			}
		} else {
			/* a missing key field is reported by nfc_ymap */
			if (j < t->n_key)
				ok = false;
			continue;
		}
		c->set[j] = !c->failed[j];
		ok &= c->set[j];
	}
	for (j = t->n_key; j < c->nf; j++) {
		f = &t->value[j - t->n_key];
		if (c->set[j] || c->failed[j] ||
		    !entry_needs(t, f, kb, vb, c->set, c->failed))
			continue;
		nfc_ypath(fp, ep, f->name);
		if (f->unless_field)
			nfc_yerr(p->y, it, fp,
				 "missing required key (required unless %s is %s)",
				 f->unless_field, f->unless_value);
		else
			nfc_yerr(p->y, it, fp, "missing required key");
		ok = false;
	}
	return ok;
}

/* A config list: entries of a table, encoded. */
static int fill_table(struct dparse *p, struct nfc_node *n,
		      const struct nfc_field *f, yaml_node_t *list,
		      const char *path)
{
	const struct nfc_table *t = nfc_module__table(n->mod, f->table);
	struct nfc_table_fill *fill = &n->fills[n->n_fills];
	char ep[NFC_YPATH_LEN];
	struct entry_ctx c = { .t = t };
	yaml_node_item_t *items;
	bool *good = NULL;
	int i, e, cnt, ret = -ENOMEM;
	__u8 *kb;

	if (!t || nfc_yseq(p->y, list, path, &items, &cnt))
		return 0;
	n->n_fills++;
	fill->table = t;
	c.nf = t->n_key + t->n_value;
	fill->keys = calloc(cnt ? cnt : 1, t->key_size);
	fill->values = calloc(cnt ? cnt : 1, t->value_size);
	c.keys = calloc(c.nf, sizeof(*c.keys));
	c.vals = calloc(c.nf, sizeof(*c.vals));
	c.set = calloc(c.nf, sizeof(*c.set));
	c.failed = calloc(c.nf, sizeof(*c.failed));
	good = calloc(cnt ? cnt : 1, sizeof(*good));
	if (!fill->keys || !fill->values || !c.keys || !c.vals || !c.set ||
	    !c.failed || !good)
		goto out;
	fill->n = cnt;
	for (i = 0; i < c.nf; i++) {
		c.keys[i].name = i < t->n_key ? t->key[i].name :
						t->value[i - t->n_key].name;
		c.keys[i].required = i < t->n_key;
	}
	for (e = 0; e < cnt; e++) {
		yaml_node_t *it = nfc_ynode(p->y, items[e]);

		nfc_ypathi(ep, path, e);
		kb = fill->keys + (size_t)e * t->key_size;
		good[e] = fill_entry(p, &c, it, ep, kb,
				     fill->values + (size_t)e * t->value_size);
		for (i = 0; good[e] && i < e; i++) {
			if (good[i] && !memcmp(kb, fill->keys +
							   (size_t)i * t->key_size,
					       t->key_size)) {
				nfc_yerr(p->y, it, ep,
					 "the same key as %s[%d]: a table holds one entry per key",
					 path, i);
				break;
			}
		}
	}
	ret = 0;
out:
	free(c.keys);
	free(c.vals);
	free(c.set);
	free(c.failed);
	free(good);
	return ret;
}

static void config_scalar(struct dparse *p, struct nfc_node *n,
			  const struct nfc_field *f, yaml_node_t *v,
			  yaml_node_t *at, const char *kp)
{
	struct nfc_cfg_value *cv = &n->cfg[n->n_cfg++];
	char eb[NFC_ERR_LEN];
	const char *s;

	cv->key = f;
	if (v) {
		cv->line = v->start_mark.line + 1;
		cv->col = v->start_mark.column + 1;
		if (!field_text(p, v, kp, f, &s) &&
		    nfc_field_encode(f, s, cv->bytes, eb, sizeof(eb)))
			nfc_yerr(p->y, v, kp, "%s", eb);
	} else if (f->def) {
		if (nfc_field_encode(f, f->def, cv->bytes, eb, sizeof(eb)))
			nfc_yerr(p->y, at, kp, "the module's default '%s': %s",
				 f->def, eb);
	} else if (f->required) {
		nfc_yerr(p->y, at, kp,
			 "missing required key (module '%s' has no default for it)",
			 n->mod->name);
	}
}

/* Every scalar config key of the module gets a value; lists fill tables. */
static int node_config(struct dparse *p, struct nfc_node *n, yaml_node_t *nmap,
		       yaml_node_t *cfg, const char *npath)
{
	const struct nfc_module *m = n->mod;
	char cpath[NFC_YPATH_LEN], kp[NFC_YPATH_LEN];
	struct nfc_ykey *keys;
	yaml_node_t **vals;
	int i, n_list = 0, ret = 0;

	nfc_ypath(cpath, npath, "config");
	if (cfg && !m->n_config) {
		nfc_yerr(p->y, cfg, cpath, "module '%s' takes no config",
			 m->name);
		return 0;
	}
	for (i = 0; i < m->n_config; i++)
		n_list += m->config[i].type == NFC_FT_LIST;
	keys = calloc(m->n_config + 1, sizeof(*keys));
	vals = calloc(m->n_config + 1, sizeof(*vals));
	n->cfg = calloc(m->n_config - n_list + 1, sizeof(*n->cfg));
	n->fills = calloc(n_list + 1, sizeof(*n->fills));
	if (!keys || !vals || !n->cfg || !n->fills) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < m->n_config; i++)
		keys[i].name = m->config[i].name;
	if (cfg && nfc_ymap(p->y, cfg, cpath, keys, m->n_config, vals))
		goto out;
	for (i = 0; i < m->n_config && !ret; i++) {
		nfc_ypath(kp, cpath, m->config[i].name);
		if (m->config[i].type != NFC_FT_LIST)
			config_scalar(p, n, &m->config[i], vals[i],
				      cfg ? cfg : nmap, kp);
		else if (vals[i])
			ret = fill_table(p, n, &m->config[i], vals[i], kp);
		else if (m->config[i].required)
			nfc_yerr(p->y, cfg ? cfg : nmap, kp,
				 "missing required key (a list of %s)",
				 m->config[i].table);
	}
out:
	free(keys);
	free(vals);
	return ret;
}

static int parse_node(struct dparse *p, yaml_node_t *it, int idx)
{
	static const struct nfc_ykey keys[] = {
		{ "name", true },
		{ "module", true },
		{ "config", false },
	};
	struct nfc_node *n = &p->d->nodes[idx];
	struct dnode *dn = &p->dn[idx];
	bool saved = p->nodes_broken;
	char path[NFC_YPATH_LEN], kp[NFC_YPATH_LEN];
	yaml_node_t *v[3];
	const char *s;
	int i;

	for (i = 0; i < NFC_MAX_OUTCOMES; i++) {
		dn->next[i] = TO_UNSET;
		dn->link[i] = -1;
	}
	dn->map = it;
	n->line = it->start_mark.line + 1;
	n->col = it->start_mark.column + 1;
	nfc_ypathi(path, "nodes", idx);
	if (idx == NFC_MAX_HOPS)
		nfc_yerr(p->y, it, path, "a chain has at most %d nodes",
			 NFC_MAX_HOPS);
	p->nodes_broken = true;
	if (nfc_ymap(p->y, it, path, keys, 3, v))
		return 0;

	nfc_ypath(kp, path, "name");
	dn->name_n = v[0];
	if (v[0] && !nfc_yname(p->y, v[0], kp, "node", &s)) {
		i = find_node(p, s);
		if (!strcmp(s, "pass") || !strcmp(s, "drop"))
			nfc_yerr(p->y, v[0], kp,
				 "'%s' is the name of a link terminal", s);
		else if (i >= 0 && i < idx)
			nfc_yerr(p->y, v[0], kp,
				 "a node '%s' is declared already (nodes[%d])",
				 s, i);
		dn->unlinkable = (i >= 0 && i < idx) || !strcmp(s, "pass") ||
				 !strcmp(s, "drop");
		n->name = strdup(s);
		if (!n->name)
			return -ENOMEM;
		p->nodes_broken = saved;
	}
	nfc_ypath(kp, path, "module");
	if (v[1])
		node_module(p, n, v[1], kp);
	if (!n->mod)
		return 0;
	return node_config(p, n, it, v[2], path);
}

static int parse_nodes(struct dparse *p, yaml_node_t *list)
{
	yaml_node_item_t *items;
	int i, n, ret;

	p->nodes_broken = true;
	if (nfc_yseq(p->y, list, "nodes", &items, &n))
		return 0;
	if (!n) {
		nfc_yerr(p->y, list, "nodes", "expected at least one node");
		return 0;
	}
	p->nodes_broken = false;
	p->d->nodes = calloc(n, sizeof(*p->d->nodes));
	p->dn = calloc(n, sizeof(*p->dn));
	if (!p->d->nodes || !p->dn)
		return -ENOMEM;
	p->d->n_nodes = n;
	for (i = 0; i < n; i++) {
		ret = parse_node(p, nfc_ynode(p->y, items[i]), i);
		if (ret)
			return ret;
	}
	return 0;
}

static void parse_entry(struct dparse *p, yaml_node_t *v)
{
	char names[256];
	const char *s;

	if (nfc_ystr(p->y, v, "entry", &s))
		return;
	p->entry = find_node(p, s);
	if (p->entry < 0 && !p->nodes_broken) {
		node_names(p, names, sizeof(names));
		nfc_yerr(p->y, v, "entry", "no node '%.64s' (nodes: %s)", s,
			 names);
	}
}

/* A link's end: a node index, or TO_PASS/TO_DROP; TO_UNSET if broken. */
static int link_end(struct dparse *p, yaml_node_t *v, const char *kp,
		    bool terminal)
{
	char names[256];
	const char *s;
	int i;

	if (!v || nfc_ystr(p->y, v, kp, &s))
		return TO_UNSET;
	if (terminal && !strcmp(s, "pass"))
		return TO_PASS;
	if (terminal && !strcmp(s, "drop"))
		return TO_DROP;
	i = find_node(p, s);
	if (i >= 0 || p->nodes_broken)
		return i;
	node_names(p, names, sizeof(names));
	nfc_yerr(p->y, v, kp, "no node '%.64s' (nodes: %s%s)", s, names,
		 terminal ? "; or the terminals pass, drop" : "");
	return TO_UNSET;
}

static void parse_link(struct dparse *p, yaml_node_t *it, int idx)
{
	static const struct nfc_ykey keys[] = {
		{ "from", true },
		{ "on", true },
		{ "to", true },
	};
	char path[NFC_YPATH_LEN], kp[NFC_YPATH_LEN], names[256];
	const struct nfc_module *m;
	struct dnode *dn;
	yaml_node_t *v[3], *first;
	int from, to, o, i;
	const char *s;

	nfc_ypathi(path, "links", idx);
	if (nfc_ymap(p->y, it, path, keys, 3, v)) {
		p->links_broken = true;
		return;
	}
	nfc_ypath(kp, path, "from");
	from = link_end(p, v[0], kp, false);
	nfc_ypath(kp, path, "to");
	to = link_end(p, v[2], kp, true);
	if (to >= 0 && to == p->entry) {
		nfc_yerr(p->y, v[2], kp,
			 "'%s' is the entry: nothing links into it",
			 p->d->nodes[to].name);
		to = TO_UNSET;
	}

	nfc_ypath(kp, path, "on");
	if (to == TO_UNSET)
		p->links_broken = true;
	if (!v[1] || nfc_ystr(p->y, v[1], kp, &s) || from < 0 ||
	    !p->d->nodes[from].mod) {
		p->links_broken = true;
		return;
	}
	m = p->d->nodes[from].mod;
	o = nfc_module__outcome(m, s);
	if (o < 0) {
		names[0] = '\0';
		for (i = 0; i < m->n_outcomes; i++)
			append(names, sizeof(names), m->outcomes[i]);
		nfc_yerr(p->y, v[1], kp,
			 "module '%s' has no outcome '%.64s' (it declares: %s)",
			 m->name, s, names);
		p->links_broken = true;
		return;
	}
	dn = &p->dn[from];
	first = dn->on_n[o];
	if (first) {
		nfc_yerr(p->y, v[1], kp,
			 "outcome '%s' of '%s' is linked already (links[%d])",
			 s, p->d->nodes[from].name, dn->link[o]);
		p->links_broken = true;
		return;
	}
	dn->on_n[o] = v[1];
	dn->to_n[o] = v[2];
	dn->link[o] = idx;
	dn->next[o] = to;
}

static void parse_links(struct dparse *p, yaml_node_t *list)
{
	yaml_node_item_t *items;
	int i, n;

	if (!list || nfc_yseq(p->y, list, "links", &items, &n))
		return;
	for (i = 0; i < n; i++)
		parse_link(p, nfc_ynode(p->y, items[i]), i);
}

enum { WHITE, GRAY, BLACK };

static void cycle_error(struct dparse *p, const int *stack, int from,
			int depth, int u, int o)
{
	char names[NFC_ERR_LEN] = "", kp[NFC_YPATH_LEN], lp[NFC_YPATH_LEN];
	size_t off = 0;
	int i;

	for (i = from; i <= depth && off < sizeof(names); i++)
		off += snprintf(names + off, sizeof(names) - off, "%s -> ",
				p->d->nodes[stack[i]].name);
	if (off < sizeof(names))
		snprintf(names + off, sizeof(names) - off, "%s",
			 p->d->nodes[stack[from]].name);
	nfc_ypathi(lp, "links", p->dn[u].link[o]);
	nfc_ypath(kp, lp, "to");
	nfc_yerr(p->y, p->dn[u].to_n[o], kp, "cycle: %s", names);
}

static void dfs(struct dparse *p, int u, int *stack, int depth)
{
	struct dnode *dn = &p->dn[u];
	int o, v, i;

	dn->color = GRAY;
	stack[depth] = u;
	for (o = 0; o < NFC_MAX_OUTCOMES; o++) {
		v = dn->next[o];
		if (v < 0)
			continue;
		if (p->dn[v].color == GRAY) {
			for (i = depth; i > 0 && stack[i] != v; i--)
				;
			cycle_error(p, stack, i, depth, u, o);
			/* the graph is unusable: hops are not computed */
			dn->next[o] = TO_UNSET;
		} else if (p->dn[v].color == WHITE) {
			dfs(p, v, stack, depth + 1);
		}
	}
	dn->color = BLACK;
}

static int check_graph(struct dparse *p)
{
	int i, o, v, head = 0, tail = 0, *stack, *queue;
	char kp[NFC_YPATH_LEN], ip[NFC_YPATH_LEN];
	struct nfc_descriptor *d = p->d;

	stack = calloc(d->n_nodes, sizeof(*stack));
	queue = calloc(d->n_nodes, sizeof(*queue));
	if (!stack || !queue) {
		free(stack);
		free(queue);
		return -ENOMEM;
	}
	if (p->entry >= 0)
		dfs(p, p->entry, stack, 0);
	for (i = 0; i < d->n_nodes; i++) {
		if (p->dn[i].color == WHITE)
			dfs(p, i, stack, 0);
	}
	if (p->entry >= 0) {
		queue[tail++] = p->entry;
		p->dn[p->entry].reached = true;
	}
	while (head < tail) {
		i = queue[head++];
		for (o = 0; o < NFC_MAX_OUTCOMES; o++) {
			v = p->dn[i].next[o];
			if (v >= 0 && !p->dn[v].reached) {
				p->dn[v].reached = true;
				queue[tail++] = v;
			}
		}
	}
	for (i = 0; p->entry >= 0 && !p->links_broken && i < d->n_nodes; i++) {
		if (p->dn[i].reached || p->dn[i].unlinkable ||
		    !d->nodes[i].name)
			continue;
		nfc_ypathi(ip, "nodes", i);
		nfc_ypath(kp, ip, "name");
		nfc_yerr(p->y, p->dn[i].name_n, kp,
			 "node '%s' cannot be reached from the entry '%s'",
			 d->nodes[i].name, d->nodes[p->entry].name);
	}
	free(stack);
	free(queue);
	return 0;
}

static int decl_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static __u8 next_of(const struct dparse *p, const struct dnode *dn, int o,
		    int n_outcomes)
{
	int v = dn->next[o];

	if (o >= n_outcomes)
		return NFC_NEXT_NONE;
	if (v >= 0)
		return p->d->nodes[v].hop;
	if (v == TO_DROP || (v == TO_UNSET && o == NFC_DENY))
		return NFC_NEXT_DROP;
	return NFC_NEXT_PASS;
}

/*
 * Kahn's algorithm with a FIFO from the entry: a node gets its hop once
 * every link into it is placed; nodes made ready by the same node go in
 * declaration order. Runs on a checked graph: acyclic, all reachable.
 */
static int assign_hops(struct dparse *p)
{
	struct nfc_descriptor *d = p->d;
	int i, o, v, head = 0, tail = 0, ready, *queue;
	struct nfc_node *by_hop;

	queue = calloc(d->n_nodes, sizeof(*queue));
	by_hop = calloc(d->n_nodes, sizeof(*by_hop));
	if (!queue || !by_hop) {
		free(queue);
		free(by_hop);
		return -ENOMEM;
	}
	for (i = 0; i < d->n_nodes; i++) {
		for (o = 0; o < NFC_MAX_OUTCOMES; o++) {
			if (p->dn[i].next[o] >= 0)
				p->dn[p->dn[i].next[o]].indeg++;
		}
	}
	queue[tail++] = p->entry;
	while (head < tail) {
		i = queue[head];
		d->nodes[i].hop = head++;
		ready = tail;
		for (o = 0; o < NFC_MAX_OUTCOMES; o++) {
			v = p->dn[i].next[o];
			if (v >= 0 && !--p->dn[v].indeg)
				queue[tail++] = v;
		}
		qsort(queue + ready, tail - ready, sizeof(*queue), decl_cmp);
	}
	for (i = 0; i < d->n_nodes; i++) {
		for (o = 0; o < NFC_MAX_OUTCOMES; o++)
			d->nodes[i].next[o] =
				next_of(p, &p->dn[i], o,
					d->nodes[i].mod->n_outcomes);
	}
	for (i = 0; i < d->n_nodes; i++)
		by_hop[d->nodes[i].hop] = d->nodes[i];
	free(d->nodes);
	d->nodes = by_hop;
	free(queue);
	return 0;
}

enum {
	DK_CHAIN,
	DK_DESCRIPTION,
	DK_VXLAN_PORT,
	DK_ATTACH,
	DK_ENTRY,
	DK_NODES,
	DK_LINKS,
	DK_N,
};

static const struct nfc_ykey descriptor_keys[DK_N] = {
	[DK_CHAIN] = { "chain", true },
	[DK_DESCRIPTION] = { "description", false },
	[DK_VXLAN_PORT] = { "vxlan_port", false },
	[DK_ATTACH] = { "attach", true },
	[DK_ENTRY] = { "entry", true },
	[DK_NODES] = { "nodes", true },
	[DK_LINKS] = { "links", false },
};

static int parse_descriptor(struct dparse *p)
{
	struct nfc_descriptor *d = p->d;
	yaml_node_t *v[DK_N];
	const char *s;
	__u64 u;
	int ret;

	if (nfc_ymap(p->y, nfc_ydoc__root(p->y), "", descriptor_keys, DK_N,
		     v))
		return 0;
	if (v[DK_CHAIN] && !nfc_yname(p->y, v[DK_CHAIN], "chain", "chain", &s)) {
		d->chain = strdup(s);
		if (!d->chain)
			return -ENOMEM;
	}
	if (v[DK_DESCRIPTION] &&
	    !nfc_ystr(p->y, v[DK_DESCRIPTION], "description", &s)) {
		d->description = strdup(s);
		if (!d->description)
			return -ENOMEM;
	}
	d->vxlan_port = NFC_VXLAN_PORT_DEFAULT;
	if (v[DK_VXLAN_PORT] &&
	    !nfc_yuint(p->y, v[DK_VXLAN_PORT], "vxlan_port", 0, 65535, &u))
		d->vxlan_port = u;
	ret = v[DK_ATTACH] ? parse_attach(p, v[DK_ATTACH]) : 0;
	p->nodes_broken = true;
	if (!ret && v[DK_NODES])
		ret = parse_nodes(p, v[DK_NODES]);
	if (ret)
		return ret;
	if (v[DK_ENTRY])
		parse_entry(p, v[DK_ENTRY]);
	parse_links(p, v[DK_LINKS]);
	if (d->n_nodes) {
		ret = check_graph(p);
		if (ret)
			return ret;
	}
	if (nfc_ydoc__errors(p->y) || p->entry < 0)
		return 0;
	return assign_hops(p);
}

static int parse(struct nfc_descriptor **out, struct nfc_ydoc *y, int ret,
		 const char *file, const struct nfc_catalog *cat,
		 struct nfc_err *err)
{
	struct dparse p = { .y = y, .cat = cat, .entry = -1 };
	int r;

	*out = NULL;
	if (!ret) {
		p.d = calloc(1, sizeof(*p.d));
		if (!p.d || !(p.d->file = strdup(file)))
			ret = -ENOMEM;
	}
	if (!ret)
		ret = parse_descriptor(&p);
	free(p.dn);
	r = nfc_ydoc__flush(y, err);
	if (!ret)
		ret = r;
	else if (ret != -EINVAL && !r)
		nfc_errf(err, "%s: %s", file, strerror(-ret));
	nfc_ydoc__free(y);
	if (ret) {
		nfc_descriptor__free(p.d);
		return ret;
	}
	*out = p.d;
	return 0;
}

int nfc_descriptor__parse_file(struct nfc_descriptor **out, const char *path,
			       const struct nfc_catalog *cat,
			       struct nfc_err *err)
{
	struct nfc_ydoc y;

	return parse(out, &y, nfc_ydoc__load_file(&y, path), path, cat, err);
}

int nfc_descriptor__parse_string(struct nfc_descriptor **out,
				 const char *name, const char *text,
				 const struct nfc_catalog *cat,
				 struct nfc_err *err)
{
	struct nfc_ydoc y;

	return parse(out, &y, nfc_ydoc__load_string(&y, name, text,
						     strlen(text)),
		     name, cat, err);
}

void nfc_descriptor__free(struct nfc_descriptor *d)
{
	int i, j;

	if (!d)
		return;
	for (i = 0; i < d->n_nodes; i++) {
		free(d->nodes[i].name);
		free(d->nodes[i].cfg);
		for (j = 0; j < d->nodes[i].n_fills; j++) {
			free(d->nodes[i].fills[j].keys);
			free(d->nodes[i].fills[j].values);
		}
		free(d->nodes[i].fills);
	}
	free(d->nodes);
	free(d->attach);
	free(d->chain);
	free(d->description);
	free(d->file);
	free(d);
}

const struct nfc_node *nfc_descriptor__node(const struct nfc_descriptor *d,
					    const char *name)
{
	int i;

	for (i = 0; i < d->n_nodes; i++) {
		if (d->nodes[i].name && !strcmp(d->nodes[i].name, name))
			return &d->nodes[i];
	}
	return NULL;
}
