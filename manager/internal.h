/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* Internals shared by the library's files; not part of the API. */
#ifndef NFC_INTERNAL_H
#define NFC_INTERNAL_H

#include <limits.h>
#include <bpf/libbpf.h>
#include "ultranio.h"

struct nfc_handle {
	char bpffs[PATH_MAX];     /* pin root */
	char state_dir[PATH_MAX];
	char bpf_dir[PATH_MAX];   /* root and executor objects */
	int lock_fd;
	struct nfc_catalog *cat;
	json_object *state;       /* state.json as loaded */
	int chains_fd;            /* nfc_chains map, once opened */
	__u64 *chains_mm;         /* its mmap */
};

/* state.json: { "modules": [PATH...], "chains": { NAME: {...} } } */
json_object *nfc_state_chains(struct nfc_handle *h);
json_object *nfc_state_chain(struct nfc_handle *h, const char *name);
json_object *nfc_state_modules(struct nfc_handle *h);
int nfc_state_save(struct nfc_handle *h, struct nfc_err *err);

/* Small json-c accessors with defaults. */
const char *nfc_js(json_object *o, const char *key);
long long nfc_ji(json_object *o, const char *key);

/* Paths under the pin root. */
int nfc_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int nfc_mkdirs(const char *path);
int nfc_rmtree(const char *path);

/* libbpf's and libxdp's messages are kept, not printed; forget them. */
void nfc_libbpf_log_reset(void);
/* The verifier's log of the last failed program load, shortened to its
 * last lines, or NULL. */
const char *nfc_libbpf_verifier_excerpt(char *buf, size_t len);

/* Global maps and the executor: created on first use, shared by all. */
int nfc_infra_ensure(struct nfc_handle *h, enum nfc_objkind kind,
		     struct nfc_err *err);
int nfc_global_map_fd(struct nfc_handle *h, const char *name);
int nfc_chains_mmap(struct nfc_handle *h, struct nfc_err *err);

/*
 * Open a BPF object the way every object of ours is opened: global maps
 * shared through the pin root (or private copies with @private_maps, which
 * pin nothing), XDP programs with expected_attach_type 0. Under libxdp's
 * dispatcher the root runs as an freplace program, whose attach type is 0,
 * and kernels that enforce attach-type compatibility for tail calls (6.1
 * stable and later) refuse BPF_XDP programs in the program array it uses.
 */
struct bpf_object *nfc_obj_open(struct nfc_handle *h, const char *path,
				bool private_maps);

/* Set a const volatile variable of an object's .rodata before load. */
int nfc_obj_set_rodata(struct bpf_object *obj, const char *var,
		       const void *val, size_t size, char *errbuf,
		       size_t errlen);

double nfc_now_ms(void);

#endif /* NFC_INTERNAL_H */
