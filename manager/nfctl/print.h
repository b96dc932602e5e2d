/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * nfctl's output: the library's structs made into one JSON tree, printed
 * as JSON (-j, -p) or as indented text. One call serves both.
 */
#ifndef NFCTL_PRINT_H
#define NFCTL_PRINT_H

#include <json-c/json.h>
#include "ultranio.h"

extern bool json_out, pretty;

/* Print @o (and put it): JSON or text. */
int show(json_object *o);
/* A failure: text on stderr, or {"error": [...]} on stdout with -j. */
int fail(const struct nfc_err *err, int r);
void warn(const char *msg);

json_object *module_json(struct nfc_handle *h, const struct nfc_module *m,
			 bool full);
json_object *chain_info_json(const struct nfc_chain_info *c);
json_object *chain_view_json(const struct nfc_chain_view *v, bool stats);
json_object *table_json(const struct nfc_table_entries *e);
json_object *apply_json(const char *what, const char *name,
			const struct nfc_apply_result *res);
json_object *limits_json(const struct nfc_limits *l);

#endif /* NFCTL_PRINT_H */
