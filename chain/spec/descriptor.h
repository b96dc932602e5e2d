/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Chain descriptors: parse a YAML topology, validate it completely against
 * the catalog and the host (interface names), and compute the hop layout
 * the builder writes into the kernel. Nothing here loads or changes
 * anything in the kernel.
 */
#ifndef NFC_DESCRIPTOR_H
#define NFC_DESCRIPTOR_H

#include <net/if.h>
#include "nfc_shared.h"
#include "catalog.h"
#include "opts.h"

enum nfc_xdp_mode {
	NFC_MODE_AUTO,    /* native where the driver has it, else skb */
	NFC_MODE_NATIVE,
	NFC_MODE_SKB,
	NFC_MODE_HW,
};

const char *nfc_mode_str(enum nfc_xdp_mode m);   /* "auto", "native", ... */
int nfc_mode_parse(const char *s, enum nfc_xdp_mode *m);

/* Attachment priorities: xdp is libxdp's run priority (lower runs first),
 * tc the filter priority; both default to NFC_PRIO_DEFAULT. */
#define NFC_PRIO_DEFAULT 50
#define NFC_PRIO_XDP_MAX 999
#define NFC_PRIO_TC_MAX 65535
#define NFC_VXLAN_PORT_DEFAULT 4789
/* a tenant is a VPC, its id the VNI it has on the wire (24 bits) */
#define NFC_TENANT_MAX 0xffffff

struct nfc_attach {
	char ifname[IF_NAMESIZE];
	__u32 ifindex;
	enum nfc_hook hook;
	enum nfc_xdp_mode mode;   /* xdp only */
	__u32 priority;           /* xdp: libxdp run priority; tc: filter prio */
	__u32 tenant;             /* the VPC of the interface's frames, 0: none */
	int line, col;
};

/* One scalar config value, encoded as the field says. */
struct nfc_cfg_value {
	const struct nfc_field *key; /* in the module's config */
	__u8 bytes[NFC_CONFIG_MAX_SIZE];
	int line, col;               /* of the value; 0 when defaulted */
};

/* Entries a config list puts into a table, encoded, in order. */
struct nfc_table_fill {
	const struct nfc_table *table;
	int n;
	__u8 *keys;      /* n * table->key_size */
	__u8 *values;    /* n * table->value_size */
};

struct nfc_node {
	char *name;
	const struct nfc_module *mod;
	struct nfc_cfg_value *cfg;   /* every scalar key of the module's config,
					given or defaulted */
	int n_cfg;
	struct nfc_table_fill *fills;
	int n_fills;
	int hop;                     /* position in the block; entry is 0 */
	/* per outcome: the next hop, NFC_NEXT_PASS, NFC_NEXT_DROP, or
	 * NFC_NEXT_NONE past the module's outcomes. An outcome without a
	 * link ends the chain: deny as NFC_NEXT_DROP, every other one
	 * (pass and any further declared outcome) as NFC_NEXT_PASS. */
	__u8 next[NFC_MAX_OUTCOMES];
	int line, col;               /* of the node's mapping */
};

struct nfc_descriptor {
	char *file;                  /* as named in messages */
	char *text;                  /* the descriptor as read */
	char *chain;                 /* [a-z0-9_-]{1,32} */
	char *description;
	struct nfc_attach *attach;
	int n_attach;
	struct nfc_node *nodes;      /* in hop order: nodes[i].hop == i */
	int n_nodes;
	__u16 vxlan_port;            /* UDP port parsed as VXLAN, 0: never; 4789 */
	bool flow_cache;             /* cache the chain's results per flow
					(default true) */
};

/* A node run at another version of its module than the descriptor names:
 * what `nfctl chain swap` records. */
struct nfc_override {
	char node[NFC_NAME_MAX + 1];
	char module[NFC_NAME_MAX + 1];
	char version[NFC_VERSION_MAX + 1];
};

struct nfc_descriptor_opts {
	size_t sz;
	/* nodes whose module version is replaced; the node's config is
	 * checked against that version */
	const struct nfc_override *overrides;
	int n_overrides;
};

/*
 * Parse and validate. On error returns -EINVAL with every problem found in
 * err, each as "FILE:LINE:COL: KEY: what is wrong", sorted by position;
 * KEY is the path of the offending key ("nodes[1].config.routes[0].mac").
 * A file that cannot be read is its -errno. Hops: the entry is hop 0, the
 * other nodes follow in topological order, breadth first from the entry,
 * ties in declaration order. nodes[].mod points into cat: the descriptor
 * must not outlive the catalog.
 */
int nfc_descriptor__parse(struct nfc_descriptor **out, const char *file,
			  const char *text, size_t len,
			  const struct nfc_catalog *cat,
			  const struct nfc_descriptor_opts *opts,
			  struct nfc_err *err);
/* The same, reading the file once. */
int nfc_descriptor__parse_file(struct nfc_descriptor **out, const char *path,
			       const struct nfc_catalog *cat,
			       const struct nfc_descriptor_opts *opts,
			       struct nfc_err *err);
void nfc_descriptor__free(struct nfc_descriptor *d);

const struct nfc_node *nfc_descriptor__node(const struct nfc_descriptor *d,
					    const char *name);

#endif /* NFC_DESCRIPTOR_H */
