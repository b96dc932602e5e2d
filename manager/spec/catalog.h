/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * The module catalog: one YAML manifest per module version. A catalog is
 * the union of several directories (the install tree, the build tree,
 * $ULTRANIO_CATALOG, modules registered with `nfctl module load`); each
 * directory holds manifests (*.yaml) directly or in subdirectories one level
 * down. Object paths in a manifest are relative to the manifest.
 */
#ifndef NFC_CATALOG_H
#define NFC_CATALOG_H

#include "err.h"
#include "fields.h"

/* Names of modules, chains, nodes, tables: [a-z0-9_-]{1,NFC_NAME_MAX}.
 * Versions: dotted numbers, at most NFC_VERSION_MAX characters. */
#define NFC_NAME_MAX 32
#define NFC_VERSION_MAX 31

bool nfc_name_ok(const char *s);

enum nfc_hook {
	NFC_HOOK_XDP,
	NFC_HOOK_TC_INGRESS,
	NFC_HOOK_TC_EGRESS,
	NFC_HOOK_MAX,
};

/* Both TC hooks run the same "tc" object. */
enum nfc_objkind {
	NFC_OBJ_XDP,
	NFC_OBJ_TC,
	NFC_OBJ_MAX,
};

static inline enum nfc_objkind nfc_hook_objkind(enum nfc_hook h)
{
	return h == NFC_HOOK_XDP ? NFC_OBJ_XDP : NFC_OBJ_TC;
}

const char *nfc_hook_str(enum nfc_hook h);   /* "xdp", "tc-ingress", ... */
int nfc_hook_parse(const char *s, enum nfc_hook *h);
/* Names of the datapath's verdicts and drop reasons (nfc_shared.h):
 * "redirect", "missed-tail-call"; "unknown" out of range. */
const char *nfc_verdict_str(unsigned int verdict);
const char *nfc_drop_reason_str(unsigned int reason);

struct nfc_table {
	char *name;
	char *description;
	char *map;              /* map name in the object */
	struct nfc_field *key;
	int n_key;
	struct nfc_field *value;
	int n_value;
	/* From the fields: the end of the last one, rounded up to the
	 * struct's alignment, at least 4 (UltraNIO modules pad their structs:
	 * a 6-byte MAC key is 8 bytes). A manifest may set key_size and
	 * value_size where a struct differs. Checked against the map at load. */
	__u32 key_size;
	__u32 value_size;
	/* An LPM-backed table (`lpm: ipv4|ipv6`, bpf/lpm.h) instead of a map:
	 * each instance has one table of the LPM store, its id set in the
	 * rodata variable @lpm_id; key one cidr4/cidr6 field, value 4 bytes.
	 * lpm_family is AF_INET or AF_INET6, 0 for a map. */
	int lpm_family;
	char *lpm_id;
	__u32 lpm_capacity;     /* 0: the store's default */
	/* `flood: {domain: FIELD, port: FIELD, tagged: BOOL}`: each entry puts interface
	 * field @flood_port into flood domain @flood_domain (an unsigned
	 * field) of the chain (NFC_V_FLOOD); the runtime keeps the chain's
	 * flood maps from it. NULL when the table declares none. */
	char *flood_domain;
	char *flood_port;
	/* `tagged: true`: the port carries the domain tagged, with the
	 * domain's number as VLAN id (1..4094): a trunk's VLAN */
	bool flood_tagged;
	/* `expires: FIELD`: a u64 value field, the CLOCK_MONOTONIC time (ns)
	 * after which the entry is gone, 0 for never; the datapath sets it
	 * and nfmgrd's aging removes entries past it. NULL when none. */
	char *expires;
};

struct nfc_module {
	char *name;             /* [a-z0-9_-]{1,NFC_NAME_MAX} */
	char *version;          /* dotted numbers: 1.0.0 */
	char *description;
	char *manifest;         /* absolute path of the manifest */
	char *object[NFC_OBJ_MAX]; /* absolute paths; NULL where the hook is
				      not supported */
	char **outcomes;        /* index = outcome number; [0] "pass", [1] "deny" */
	int n_outcomes;
	struct nfc_field *config; /* config keys */
	int n_config;
	struct nfc_table *tables;
	int n_tables;
	/* `policies`: the table that names the rules whose ids the module
	 * reports (key: the id, one u32; NULL when none) and its string
	 * value field holding the name */
	char *policy_table;
	char *policy_name;
};

/* Largest config scalar: the room in struct nfc_cfg_value. */
#define NFC_CONFIG_MAX_SIZE 16

struct nfc_catalog {
	struct nfc_module **mods;
	int n_mods;
	char **dirs;
	int n_dirs;
};

/*
 * Load every manifest under the given directories (or manifest files).
 * Returns 0 or -errno (-EINVAL for a broken manifest, -EEXIST for a module
 * version defined twice, a directory's -errno).
 * A broken manifest is an error naming its file:line:column; the same
 * module name and version found twice is an error naming both files (one
 * file reached twice is loaded once). A path that does not exist is an
 * error. Every problem is reported; on error *out is NULL.
 */
int nfc_catalog__load(struct nfc_catalog **out, char *const *dirs, int n_dirs,
		      struct nfc_err *err);
/* Add one manifest file to a catalog: 0, or -errno with the catalog as it
 * was (a broken manifest, a module version the catalog has already). */
int nfc_catalog__add(struct nfc_catalog *cat, const char *path,
		     struct nfc_err *err);
/* Parse one manifest file. */
int nfc_module__load(struct nfc_module **out, const char *path,
		     struct nfc_err *err);
void nfc_module__free(struct nfc_module *m);
void nfc_catalog__free(struct nfc_catalog *cat);

/* The module NAME at VERSION, or its newest version when version is NULL. */
const struct nfc_module *nfc_catalog__find(const struct nfc_catalog *cat,
					   const char *name,
					   const char *version);
/* strcmp-like comparison of dotted versions: "1.10.0" > "1.9.2". */
int nfc_version_cmp(const char *a, const char *b);

/* Index of an outcome, -ENOENT when the module does not declare it. */
int nfc_module__outcome(const struct nfc_module *m, const char *name);
const struct nfc_field *nfc_module__config_key(const struct nfc_module *m,
					       const char *name);
const struct nfc_table *nfc_module__table(const struct nfc_module *m,
					  const char *name);

#endif /* NFC_CATALOG_H */
