// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Chain descriptors: YAML topology -> validated nodes in hop order. Every
 * check runs even after a failed one (as far as its inputs are known), so
 * one run reports every problem of a file.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dparse.h"

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

void nfc_dp_append(char *buf, size_t len, const char *s)
{
	size_t off = strlen(buf);

	if (off + 1 < len)
		snprintf(buf + off, len - off, "%s%s", off ? ", " : "", s);
}

int nfc_dp_find_node(const struct dparse *p, const char *name)
{
	int i;

	for (i = 0; i < p->d->n_nodes; i++) {
		if (p->d->nodes[i].name && !strcmp(p->d->nodes[i].name, name))
			return i;
	}
	return -1;
}

void nfc_dp_node_names(const struct dparse *p, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < p->d->n_nodes; i++) {
		if (p->d->nodes[i].name && !p->dn[i].unlinkable)
			nfc_dp_append(buf, len, p->d->nodes[i].name);
	}
}

static void parse_attach_one(struct dparse *p, yaml_node_t *n, int idx)
{
	static const struct nfc_ykey keys[] = {
		{ "interface", true },
		{ "hook", true },
		{ "mode", false },
		{ "priority", false },
		{ "tenant", false },
	};
	struct nfc_attach *a = &p->d->attach[idx];
	char path[NFC_YPATH_LEN], kp[NFC_YPATH_LEN];
	yaml_node_t *v[5];
	bool hook_ok = false;
	enum nfc_objkind k;
	const char *s;
	__u64 u;
	int i;

	a->line = n->start_mark.line + 1;
	a->col = n->start_mark.column + 1;
	a->priority = NFC_PRIO_DEFAULT;
	nfc_ypathi(path, "attach", idx);
	if (nfc_ymap(p->y, n, path, keys, 5, v))
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
	nfc_ypath(kp, path, "tenant");
	if (v[4] && !nfc_yuint(p->y, v[4], kp, 1, NFC_TENANT_MAX, &u))
		a->tenant = u;

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

static const struct nfc_override *override_of(const struct dparse *p,
					      const char *node)
{
	const struct nfc_descriptor_opts *o = p->opts;
	int i;

	for (i = 0; node && o && i < NFC_OPTS_GET(o, n_overrides, 0); i++) {
		if (!strcmp(o->overrides[i].node, node))
			return &o->overrides[i];
	}
	return NULL;
}

/* The module of a node: NAME or NAME@VERSION, or the version a swap put
 * in its place. */
static void node_module(struct dparse *p, struct nfc_node *n, yaml_node_t *v,
			const char *kp)
{
	const struct nfc_override *ov = override_of(p, n->name);
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
	if (ov && strcmp(ov->module, buf)) {
		nfc_yerr(p->y, v, kp,
			 "node '%s' runs module '%s', not '%s': apply a descriptor to change modules",
			 n->name, buf, ov->module);
		return;
	}
	if (ov)
		at = (char *)ov->version;
	if (!nfc_catalog__find(p->cat, buf, NULL)) {
		for (i = 0; p->cat && i < p->cat->n_mods; i++) {
			m = p->cat->mods[i];
			for (j = 0; j < i && strcmp(p->cat->mods[j]->name,
						    m->name);
			     j++)
				;
			if (j == i)
				nfc_dp_append(names, sizeof(names), m->name);
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
				nfc_dp_append(names, sizeof(names),
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
		i = nfc_dp_find_node(p, s);
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
	return nfc_dp_node_config(p, n, it, v[2], path);
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
	p->entry = nfc_dp_find_node(p, s);
	if (p->entry < 0 && !p->nodes_broken) {
		nfc_dp_node_names(p, names, sizeof(names));
		nfc_yerr(p->y, v, "entry", "no node '%.64s' (nodes: %s)", s,
			 names);
	}
}

enum {
	DK_CHAIN,
	DK_DESCRIPTION,
	DK_VXLAN_PORT,
	DK_FLOW_CACHE,
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
	[DK_FLOW_CACHE] = { "flow_cache", false },
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
	d->flow_cache = true;
	if (v[DK_FLOW_CACHE])
		nfc_ybool(p->y, v[DK_FLOW_CACHE], "flow_cache", &d->flow_cache);
	ret = v[DK_ATTACH] ? parse_attach(p, v[DK_ATTACH]) : 0;
	p->nodes_broken = true;
	if (!ret && v[DK_NODES])
		ret = parse_nodes(p, v[DK_NODES]);
	if (ret)
		return ret;
	if (v[DK_ENTRY])
		parse_entry(p, v[DK_ENTRY]);
	nfc_dp_links(p, v[DK_LINKS]);
	if (d->n_nodes) {
		ret = nfc_dp_check_graph(p);
		if (ret)
			return ret;
	}
	if (nfc_ydoc__errors(p->y) || p->entry < 0)
		return 0;
	return nfc_dp_assign_hops(p);
}

int nfc_descriptor__parse(struct nfc_descriptor **out, const char *file,
			  const char *text, size_t len,
			  const struct nfc_catalog *cat,
			  const struct nfc_descriptor_opts *opts,
			  struct nfc_err *err)
{
	struct dparse p = { .cat = cat, .entry = -1, .opts = opts };
	struct nfc_ydoc y;
	int ret, r;

	*out = NULL;
	if (!NFC_OPTS_VALID(opts, nfc_descriptor_opts, n_overrides))
		return nfc_errf(err, -EINVAL, "%s: unknown descriptor options",
				file);
	p.y = &y;
	ret = nfc_ydoc__load_string(&y, file, "descriptor", text, len);
	if (!ret) {
		p.d = calloc(1, sizeof(*p.d));
		if (!p.d || !(p.d->file = strdup(file)) ||
		    !(p.d->text = strndup(text, len)))
			ret = -ENOMEM;
	}
	if (!ret)
		ret = parse_descriptor(&p);
	free(p.dn);
	r = nfc_ydoc__flush(&y, err);
	if (!ret)
		ret = r;
	else if (ret != -EINVAL && !r)
		nfc_errf(err, ret, "%s: %s", file, strerror(-ret));
	nfc_ydoc__free(&y);
	if (ret) {
		nfc_descriptor__free(p.d);
		return ret;
	}
	*out = p.d;
	return 0;
}

int nfc_descriptor__parse_file(struct nfc_descriptor **out, const char *path,
			       const struct nfc_catalog *cat,
			       const struct nfc_descriptor_opts *opts,
			       struct nfc_err *err)
{
	size_t len;
	char *text;
	int ret;

	*out = NULL;
	ret = nfc_read_file(path, &text, &len, NFC_DESCRIPTOR_MAX);
	if (ret)
		return ret == -EFBIG ?
			       nfc_errf(err, ret, "%s: larger than a descriptor may be (%u MiB)",
					path, NFC_DESCRIPTOR_MAX >> 20) :
			       nfc_errf(err, ret, "%s: %s", path,
					nfc_read_strerror(ret));
	ret = nfc_descriptor__parse(out, path, text, len, cat, opts, err);
	free(text);
	return ret;
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
	free(d->text);
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
