/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* Internal to the descriptor parser: descriptor.c (chain, attachments,
 * nodes), config.c (node config and table fills), graph.c (links, hops). */
#ifndef NFC_DPARSE_H
#define NFC_DPARSE_H

#include "descriptor.h"
#include "ydoc.h"

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
	const struct nfc_descriptor_opts *opts;
};

void nfc_dp_append(char *buf, size_t len, const char *s);
int nfc_dp_find_node(const struct dparse *p, const char *name);
void nfc_dp_node_names(const struct dparse *p, char *buf, size_t len);

/* config.c: every scalar config key of the node's module gets a value;
 * lists fill tables. */
int nfc_dp_node_config(struct dparse *p, struct nfc_node *n,
		       yaml_node_t *nmap, yaml_node_t *cfg, const char *npath);
/* graph.c */
void nfc_dp_links(struct dparse *p, yaml_node_t *list);
int nfc_dp_check_graph(struct dparse *p);
int nfc_dp_assign_hops(struct dparse *p);

#endif /* NFC_DPARSE_H */
