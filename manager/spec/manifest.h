/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* Internal to the manifest parser: manifest.c (the module) and
 * manifest_tables.c (fields of config keys and tables). */
#ifndef NFC_MANIFEST_H
#define NFC_MANIFEST_H

#include "catalog.h"
#include "ydoc.h"

/* The keys a field of a manifest may have, by where the field is. */
enum fkey {
	FK_NAME,
	FK_TYPE,
	FK_VALUES,
	FK_SIZE,
	FK_OFFSET,
	FK_DEFAULT,
	FK_REQUIRED,
	FK_UNLESS,
	FK_RODATA,
	FK_TABLE,
	FK_DESCRIPTION,
	FK_MEMBER,
	FK_SIZES,
	FK_N,
};

enum fwhere {
	FW_CONFIG,
	FW_KEY,
	FW_VALUE,
};

/* Where a parsed field came from, for checks across fields. */
struct fsrc {
	yaml_node_t *self;
	yaml_node_t *v[FK_N];
	bool type_ok;
};

/* A list of fields; *srcs gets where each came from. */
int nfc_manifest_fields(struct nfc_ydoc *y, yaml_node_t *list,
			const char *path, enum fwhere where, bool nonempty,
			struct nfc_field **out, int *n_out,
			struct fsrc **srcs);
void nfc_manifest_free_fields(struct nfc_field *f, int n);
int nfc_manifest_tables(struct nfc_ydoc *y, yaml_node_t *list,
			struct nfc_module *m);
void nfc_manifest_free_tables(struct nfc_table *t, int n);

#endif /* NFC_MANIFEST_H */
