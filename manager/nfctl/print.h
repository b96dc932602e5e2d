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

/* Connections, flows, counters, tunables */
const char *ct_class_str(int c); /* "tcp", "udp", "icmp", "other" */
json_object *ct_list_json(struct nfc_handle *h, const struct nfc_ct_entry *e,
			  int n);
/* @states: connections per enum nfc_ct_state */
json_object *ct_summary_json(const struct nfc_ct_summary *s,
			     const __u64 *states);
json_object *flow_list_json(struct nfc_handle *h,
			    const struct nfc_flow_entry *e, int n);
json_object *flow_summary_json(const struct nfc_flow_entry *e, int n,
			       const struct nfc_ct_summary *s);
json_object *flushed_json(int n);
json_object *config_json(const struct nfc_config *c);
json_object *node_stats_json(const struct nfc_chain_view *v, int i);
json_object *ep_stats_json(const struct nfc_ep_view *e);
json_object *rule_stats_json(const struct nfc_rule_view *r);

/* LPM tables */
json_object *lpm_info_json(const struct nfc_lpm_info *i);
/* @tables: lpm_info_json()s, taken */
json_object *lpm_store_json(json_object *tables,
			    const struct nfc_lpm_store_info *s);
json_object *lpm_list_json(const struct nfc_lpm_prefix *p, size_t n);
/* @p: the longest prefix holding @addr, NULL when none was found */
json_object *lpm_lookup_json(const char *addr, const struct nfc_lpm_prefix *p,
			     __u32 value);

#endif /* NFCTL_PRINT_H */
