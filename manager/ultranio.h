/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * libultranio: the control plane's library. nfctl, nfbench and the tests
 * are thin layers over it. Functions return 0 or -errno and describe
 * failures in a struct nfc_err; nothing here prints or exits.
 */
#ifndef ULTRANIO_H
#define ULTRANIO_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <json-c/json.h>
#include "err.h"
#include "catalog.h"
#include "../chain/descriptor.h"

#define NFC_OPTS(TYPE, NAME, ...)                                             \
	struct TYPE NAME = ({                                                 \
		memset(&NAME, 0, sizeof(struct TYPE));                        \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };      \
	})

struct nfc_handle;

struct nfc_open_opts {
	size_t sz;
	const char *bpffs;   /* pin root; default $ULTRANIO_BPFFS or
				/sys/fs/bpf/ultranio */
	const char *state;   /* state dir; default $ULTRANIO_STATE or
				/run/ultranio */
	bool lock;           /* take the mutation lock (waits for it) */
	bool no_catalog;     /* do not load the catalog */
};

int nfc_open(struct nfc_handle **out, const struct nfc_open_opts *opts,
	     struct nfc_err *err);
void nfc_close(struct nfc_handle *h);
const struct nfc_catalog *nfc_catalog(struct nfc_handle *h);
const char *nfc_bpffs(struct nfc_handle *h);

/* Chains */

struct nfc_apply_opts {
	size_t sz;
	bool dry_run;        /* validate and verify, change nothing */
};

/* What an apply or swap did, for reports and nfbench. */
struct nfc_apply_result {
	__u32 version;
	__u32 block;
	int loaded;          /* node programs loaded (the others were kept) */
	double load_ms;      /* opening and verifying new programs */
	double flip_ms;      /* from start to the atomic switch */
	double total_ms;     /* including the grace period and cleanup */
};

int nfc_chain__apply(struct nfc_handle *h, const char *path,
		     const struct nfc_apply_opts *opts,
		     struct nfc_apply_result *res, struct nfc_err *err);
/* New version of CHAIN with NODE running MODULE@VERSION, its maps kept. */
int nfc_chain__swap(struct nfc_handle *h, const char *chain, const char *node,
		    const char *module_at_version, struct nfc_apply_result *res,
		    struct nfc_err *err);
/* A root program of CHAIN, loaded but not attached, for BPF_PROG_TEST_RUN
 * (nfbench, tests). Returns a program fd or -errno. */
int nfc_chain__root_prog(struct nfc_handle *h, const char *chain,
			 enum nfc_objkind kind, struct nfc_err *err);
int nfc_chain__delete(struct nfc_handle *h, const char *chain,
		      struct nfc_err *err);
/* JSON views (caller puts the object) */
int nfc_chain__list(struct nfc_handle *h, json_object **out,
		    struct nfc_err *err);
int nfc_chain__show(struct nfc_handle *h, const char *chain,
		    json_object **out, struct nfc_err *err);

/* Modules */
int nfc_module__list(struct nfc_handle *h, json_object **out,
		     struct nfc_err *err);
int nfc_module__show(struct nfc_handle *h, const char *name,
		     json_object **out, struct nfc_err *err);
int nfc_module__register(struct nfc_handle *h, const char *path,
			 json_object **out, struct nfc_err *err);
int nfc_module__unregister(struct nfc_handle *h, const char *name_at_version,
			   struct nfc_err *err);

/* An instance's tables: ARGS are "FIELD VALUE" pairs. */
int nfc_table__add(struct nfc_handle *h, const char *chain, const char *node,
		   const char *table, int argc, char **argv,
		   struct nfc_err *err);
int nfc_table__del(struct nfc_handle *h, const char *chain, const char *node,
		   const char *table, int argc, char **argv,
		   struct nfc_err *err);
int nfc_table__list(struct nfc_handle *h, const char *chain, const char *node,
		    const char *table, json_object **out, struct nfc_err *err);

/* Counters: all chains, or one. */
int nfc_stats__get(struct nfc_handle *h, const char *chain, json_object **out,
		   struct nfc_err *err);

/* Name of a drop reason ("missed-tail-call"). */
const char *nfc_drop_reason_str(unsigned int reason);
const char *nfc_verdict_str(unsigned int verdict);

#endif /* ULTRANIO_H */
