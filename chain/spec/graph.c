// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * A chain's graph: links from node outcomes to nodes or terminals, checked
 * for cycles and reachability from the entry, then laid out in hop order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dparse.h"

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
	i = nfc_dp_find_node(p, s);
	if (i >= 0 || p->nodes_broken)
		return i;
	nfc_dp_node_names(p, names, sizeof(names));
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
			nfc_dp_append(names, sizeof(names), m->outcomes[i]);
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

void nfc_dp_links(struct dparse *p, yaml_node_t *list)
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

int nfc_dp_check_graph(struct dparse *p)
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
int nfc_dp_assign_hops(struct dparse *p)
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

