// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Hot swap: a new version of a chain in which one node runs another
 * version of its module, upgrade or downgrade, and keeps its maps. The
 * descriptor the chain was applied with is parsed again with the node
 * overridden, so the node's config is checked against the version it is
 * swapped to; the transaction then carries the node's maps over (see
 * instance.c for what must match). Swaps last until the next apply of a
 * descriptor, which says again which versions run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "txn.h"

static int parse_target(struct nfc_handle *h, const char *chain,
			const struct nfc_node_info *n, const char *modver,
			struct nfc_override *ov, struct nfc_err *err)
{
	const char *at = strchr(modver, '@');
	size_t len = at ? (size_t)(at - modver) : strlen(modver);

	if (!at || !at[1] || len > NFC_NAME_MAX ||
	    strlen(at + 1) > NFC_VERSION_MAX)
		return nfc_errf(err, -EINVAL,
				"chain '%s': node '%s': '%s' is not MODULE@VERSION",
				chain, n->name, modver);
	snprintf(ov->node, sizeof(ov->node), "%s", n->name);
	snprintf(ov->module, sizeof(ov->module), "%.*s", (int)len, modver);
	snprintf(ov->version, sizeof(ov->version), "%s", at + 1);
	if (strcmp(ov->module, n->module))
		return nfc_errf(err, -EINVAL,
				"chain '%s': node '%s' runs module '%s', not '%s': apply a descriptor to change modules",
				chain, n->name, n->module, ov->module);
	if (!nfc_catalog__find(nfc_catalog(h), ov->module, ov->version))
		return nfc_errf(err, -ENOENT,
				"module '%s' is not in the catalog", modver);
	return 0;
}

int nfc_chain__swap(struct nfc_handle *h, const char *chain, const char *node,
		    const char *module_at_version,
		    struct nfc_apply_result *res, struct nfc_err *err)
{
	struct nfc_apply_result local;
	struct txn t = { .h = h, .err = err, .t0 = nfc_now_ms(),
			 .swap_node = node };
	const struct nfc_node_info *n = NULL;
	struct nfc_override *ovs;
	int i, n_ovs = 0, r;

	t.res = res ?: &local;
	memset(t.res, 0, sizeof(*t.res));
	t.old = nfc_state__chain(h->state, chain);
	if (!t.old)
		return nfc_errf(err, -ENOENT, "chain '%s' does not exist", chain);
	for (i = 0; i < t.old->n_nodes; i++)
		if (!strcmp(t.old->nodes[i].name, node))
			n = &t.old->nodes[i];
	if (!n)
		return nfc_errf(err, -ENOENT, "chain '%s': no node '%s'", chain,
				node);
	ovs = calloc(t.old->n_overrides + 1, sizeof(*ovs));
	if (!ovs)
		return -ENOMEM;
	for (i = 0; i < t.old->n_overrides; i++)
		if (strcmp(t.old->overrides[i].node, node))
			ovs[n_ovs++] = t.old->overrides[i];
	r = parse_target(h, chain, n, module_at_version, &ovs[n_ovs++], err);
	if (r)
		goto out;
	NFC_OPTS(nfc_descriptor_opts, dopts, .overrides = ovs,
		 .n_overrides = n_ovs);
	r = nfc_descriptor__parse(&t.d, t.old->file, t.old->descriptor,
				  strlen(t.old->descriptor), nfc_catalog(h),
				  &dopts, err);
	if (r)
		goto out;
	t.overrides = ovs;
	t.n_overrides = n_ovs;
	r = nfc_txn_run(&t);
out:
	nfc_txn_free(&t);
	free(ovs);
	return r;
}
