/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Internal to the chain builder: one transaction that turns a validated
 * descriptor into a running chain version. txn.c runs it (blocks, the
 * switch, rollback), instance.c loads and pins node instances, attach.c
 * attaches and detaches root programs, swap.c starts one for a hot swap.
 */
#ifndef NFC_TXN_H
#define NFC_TXN_H

#include "internal.h"

/* One node of the new version. */
struct inst {
	const struct nfc_node *node;
	const struct nfc_node_info *old; /* the node in the running version */
	bool kept;                       /* running programs reused as they are */
	bool pinned;                     /* this transaction made dir */
	__u32 gen;                       /* generation of its pins */
	__u32 counter;                   /* its nfc_node_stats entry */
	int lpm_slot;                    /* of its LPM tables (0, 1) */
	unsigned int lpm_made;           /* which (1 << index) this
					    transaction made */
	char hash[17];                   /* identity of module and config */
	char dir[PATH_MAX];              /* pins of this generation */
	int prog_fd[NFC_OBJ_MAX];
	__u32 prog_id[NFC_OBJ_MAX];
	struct nfc_obj obj[NFC_OBJ_MAX];
};

/* One attachment of the new version. */
struct root {
	const struct nfc_attach *a;
	struct nfc_attach_info info;     /* as the state records it */
	bool attached;                   /* by this transaction */
	/* an XDP root put in a running one's place in one step: that one
	 * (held until the transaction ends, to put it back on failure), and
	 * the mode flags both ran with */
	int replaced_fd;
	__u32 replaced_id;
	__u32 xdp_flags;
};

struct txn {
	struct nfc_handle *h;
	struct nfc_descriptor *d;
	struct nfc_chain_info *old;      /* running version, NULL if new */
	const char *swap_node;           /* a hot swap: this node keeps its
					    maps whatever its config */
	const struct nfc_override *overrides; /* to record (swaps) */
	int n_overrides;
	bool dry_run;
	__u32 id, block, version;
	unsigned int kinds;              /* 1 << enum nfc_objkind */
	struct inst *inst;               /* per node, in hop order */
	struct root *roots;
	int n_roots;
	/* XDP attachments of the running version taken off before the
	 * switch (same interface, new mode or priority); put back on failure */
	struct nfc_attach_info *detached;
	int n_detached;
	bool block_filled;
	struct nfc_apply_result *res;
	struct nfc_err *err;
	double t0;
};

static inline const char *txn_chain(const struct txn *t)
{
	return t->d->chain;
}

/* instance.c */
int nfc_txn_load_instances(struct txn *t);
void nfc_txn_unpin_unused(struct txn *t);
void nfc_txn_instances_rollback(struct txn *t);
void nfc_txn_instances_free(struct txn *t);
/* The LPM tables of chain @c's instances, destroyed (the chain goes). */
void nfc_txn_lpm_forget(struct nfc_handle *h, const struct nfc_chain_info *c);

/* attach.c */
int nfc_txn_attach(struct txn *t);
void nfc_txn_detach_dropped(struct txn *t);
void nfc_txn_attach_rollback(struct txn *t);
void nfc_txn_warn_hooks(struct txn *t);
int nfc_root_detach(const struct nfc_attach_info *a, struct nfc_err *err);
int nfc_root_open(struct nfc_handle *h, const char *chain, __u32 id,
		  __u16 vxlan_port, __u32 tenant, int kind, struct nfc_obj *o,
		  struct nfc_err *err);

/* txn.c */
int nfc_txn_run(struct txn *t);
void nfc_txn_free(struct txn *t);
void nfc_txn_warn(struct txn *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* NFC_TXN_H */
