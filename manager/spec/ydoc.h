/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Internal: reading a YAML document (libyaml's document API) with
 * positioned errors, shared by the manifest and the descriptor parsers.
 *
 * Messages are collected while a document is checked and handed to a
 * struct nfc_err sorted by position, so a user reads them top to bottom
 * whatever order the checks ran in. Each reads "FILE:LINE:COL: KEY: what",
 * KEY being the path of the offending key ("nodes[1].module").
 */
#ifndef NFC_YDOC_H
#define NFC_YDOC_H

#include <stdbool.h>
#include <linux/types.h>
#include <yaml.h>
#include "err.h"

#define NFC_YPATH_LEN 160
/* Deeper nesting is an error: no descriptor or manifest needs it, and
 * libyaml's scanner slows with the square of the depth. */
#define NFC_YAML_DEPTH_MAX 64

struct nfc_ymsg {
	int line, col;   /* 1-based; 0: not about a position */
	int seq;         /* order of arrival, to keep the sort stable */
	char *text;
};

struct nfc_ydoc {
	const char *file;        /* as named in messages */
	const char *what;        /* "descriptor", "manifest": what an empty
				    file is not */
	yaml_document_t doc;
	bool loaded;
	struct nfc_ymsg *msgs;
	int n_msgs;
	int cap_msgs;
	int dropped;             /* messages that could not be kept */
};

/* A key a mapping may have. */
struct nfc_ykey {
	const char *name;
	bool required;
};

/* A whole regular file of at most @max bytes into a NUL-terminated buffer
 * (caller frees): 0 or -errno (-EFBIG: larger than @max; -EILSEQ: a NUL
 * byte; -NFC_ENOTFILE: a FIFO, device or socket), said in words by
 * nfc_read_strerror(). */
#define NFC_ENOTFILE ENOSTR
int nfc_read_file(const char *path, char **text, size_t *len, size_t max);
const char *nfc_read_strerror(int ret);
/* Inputs are small; these bound what a mistaken path can cost. */
#define NFC_DESCRIPTOR_MAX (4u << 20)
#define NFC_MANIFEST_MAX (1u << 20)

/*
 * Load text as one YAML document of kind @what ("descriptor"). Syntax
 * errors are recorded with libyaml's position; so are nesting deeper than
 * NFC_YAML_DEPTH_MAX, aliases (*name: not supported, so a document cannot
 * multiply itself), an empty document and a second one. Either way the
 * caller ends with nfc_ydoc__flush() and nfc_ydoc__free().
 */
int nfc_ydoc__load_string(struct nfc_ydoc *y, const char *file,
			  const char *what, const char *text, size_t len);
/* Hand the recorded messages to err in position order; -EINVAL if there
 * were any, else 0. */
int nfc_ydoc__flush(struct nfc_ydoc *y, struct nfc_err *err);
void nfc_ydoc__free(struct nfc_ydoc *y);
int nfc_ydoc__errors(const struct nfc_ydoc *y);

yaml_node_t *nfc_ydoc__root(struct nfc_ydoc *y);
yaml_node_t *nfc_ynode(struct nfc_ydoc *y, int id);

/* Record "KEY: message" at the position of node at (1:1 when NULL). */
void nfc_yerr(struct nfc_ydoc *y, const yaml_node_t *at, const char *key,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "a mapping", "a list", "a string", "nothing" (null) */
const char *nfc_ykind(const yaml_node_t *n);
bool nfc_yis_null(const yaml_node_t *n);

/* "parent.key" or "key"; "parent[i]" */
void nfc_ypath(char *buf, const char *parent, const char *key);
void nfc_ypathi(char *buf, const char *parent, int i);

/*
 * Find the values of keys[] in a mapping: vals[i] is the value of keys[i],
 * NULL when absent (or null and optional). Records a node that is no
 * mapping, keys not in keys[] (at the key), keys given twice, and missing
 * required keys (at the mapping). -EINVAL when map is no mapping.
 */
int nfc_ymap(struct nfc_ydoc *y, yaml_node_t *map, const char *path,
	     const struct nfc_ykey *keys, int n_keys, yaml_node_t **vals);
/* The pairs of a mapping, after a check that it is one. */
int nfc_ypairs(struct nfc_ydoc *y, yaml_node_t *map, const char *path,
	       yaml_node_pair_t **pairs, int *n);
/* The items of a list (a null is an empty list). */
int nfc_yseq(struct nfc_ydoc *y, yaml_node_t *seq, const char *path,
	     yaml_node_item_t **items, int *n);

/* Scalars; each records what was expected on error and returns -EINVAL. */
int nfc_ystr(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	     const char **out);
int nfc_yuint(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	      __u64 min, __u64 max, __u64 *out);
int nfc_ybool(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	      bool *out);
/* A name: [a-z0-9_-]{1,32}. what says what it names in messages. */
int nfc_yname(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	      const char *what, const char **out);

#endif /* NFC_YDOC_H */
