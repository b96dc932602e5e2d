// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Flood domains (NFC_V_FLOOD). A table whose manifest says `flood: {domain:
 * FIELD, port: FIELD}` (the switch's ports) puts each of its entries' port
 * into a flood domain of the chain. The executor floods through two global
 * maps keyed by group (chain and domain, nfc_flood_group()): at XDP, a
 * device map per group for a broadcast redirect (nfc_flood_xdp, a hash of
 * maps); at TC, the group's list of ports (nfc_flood_tc). Both are rebuilt
 * here from the chain's tables whenever those may have changed: an apply,
 * a swap, a table edit; a deleted chain's groups go. A table may say that
 * its ports carry the domain tagged (`tagged: true`, a switch's trunks):
 * the executor then sends the domain's frames out of them tagged with its
 * number, and untagged out of the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

struct group {
	__u32 domain;
	struct nfc_flood_list l;
};

struct groups {
	struct group *g;
	int n;
};

static struct group *group_get(struct groups *gs, __u32 domain)
{
	struct group *g;
	int i;

	for (i = 0; i < gs->n; i++)
		if (gs->g[i].domain == domain)
			return &gs->g[i];
	g = realloc(gs->g, (gs->n + 1) * sizeof(*g));
	if (!g)
		return NULL;
	gs->g = g;
	g = &gs->g[gs->n++];
	memset(g, 0, sizeof(*g));
	g->domain = domain;
	return g;
}

/* A field's bytes in an entry (key, then value) as an unsigned number. */
static __u32 field_u32(const struct nfc_table *t, const char *name,
		       const __u8 *key, const __u8 *val)
{
	const struct nfc_field *f = nfc_fields_find(t->key, t->n_key, name);
	const __u8 *p = key;
	__u8 u8;
	__u16 u16;
	__u32 u32 = 0;

	if (!f) {
		f = nfc_fields_find(t->value, t->n_value, name);
		p = val;
	}
	if (!f)
		return 0;
	switch (f->size) {
	case 1:
		memcpy(&u8, p + f->offset, 1);
		return u8;
	case 2:
		memcpy(&u16, p + f->offset, 2);
		return u16;
	default:
		memcpy(&u32, p + f->offset, 4);
		return u32;
	}
}

/* The entries of flood table @t of node @n of chain @c into @gs. */
static int table_groups(struct nfc_handle *h, const struct nfc_chain_info *c,
			const struct nfc_node_info *n,
			const struct nfc_table *t, struct groups *gs,
			struct nfc_err *err)
{
	char path[PATH_MAX];
	__u8 *key, *next, *val;
	int fd, r = 0;
	bool first = true;
	__u32 i;

	nfc_node_map_path(h, path, sizeof(path), c->name, n->name, n->gen,
			  t->map);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return nfc_errf(err, -errno,
				"chain '%s': node '%s': table '%s': %s: %s",
				c->name, n->name, t->name, path, strerror(errno));
	key = calloc(1, t->key_size);
	next = calloc(1, t->key_size);
	val = calloc(1, t->value_size);
	if (!key || !next || !val) {
		r = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		__u32 domain, port;
		struct group *g;

		first = false;
		memcpy(key, next, t->key_size);
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* deleted meanwhile */
		domain = field_u32(t, t->flood_domain, key, val);
		port = field_u32(t, t->flood_port, key, val);
		if (!port)
			continue;
		if (domain >= NFC_FLOOD_DOMAINS) {
			r = nfc_errf(err, -ERANGE,
				     "chain '%s': node '%s': table '%s': %s %u is not a flood domain (0..%u)",
				     c->name, n->name, t->name,
				     t->flood_domain, domain,
				     NFC_FLOOD_DOMAINS - 1);
			break;
		}
		if (t->flood_tagged && (!domain || domain > 4094)) {
			r = nfc_errf(err, -ERANGE,
				     "chain '%s': node '%s': table '%s': %s %u is not a VLAN id (1..4094)",
				     c->name, n->name, t->name,
				     t->flood_domain, domain);
			break;
		}
		g = group_get(gs, domain);
		if (!g) {
			r = -ENOMEM;
			break;
		}
		/* a port in a domain twice (untagged and tagged) is in it
		 * once, untagged, as its switch sends unicast frames */
		for (i = 0; i < g->l.n; i++)
			if (g->l.ifindex[i] == port)
				break;
		if (i < g->l.n) {
			if (!t->flood_tagged)
				g->l.tagged &= ~(1ULL << i);
			continue;
		}
		if (g->l.n == NFC_FLOOD_PORTS) {
			r = nfc_errf(err, -E2BIG,
				     "chain '%s': node '%s': table '%s': %s %u has more than %u ports",
				     c->name, n->name, t->name,
				     t->flood_domain, domain, NFC_FLOOD_PORTS);
			break;
		}
		if (t->flood_tagged)
			g->l.tagged |= 1ULL << g->l.n;
		g->l.ifindex[g->l.n++] = port;
	}
out:
	free(key);
	free(next);
	free(val);
	close(fd);
	return r;
}

/* The device map of a group's ports, for nfc_flood_xdp. The executor
 * broadcasts a frame tagged when the domain has trunks: the ports that
 * take it untagged then run @untag (the executor's nfc_flood_untag, -1
 * when there is none: no XDP executor, no XDP flood). */
static int group_devmap(const struct group *g, int untag,
			struct nfc_err *err)
{
	int fd, i;

	fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "nfc_flood_ports",
			    sizeof(__u32), sizeof(struct bpf_devmap_val),
			    NFC_FLOOD_PORTS, NULL);
	if (fd < 0)
		return nfc_errf(err, -errno, "flood domain %u: device map: %s",
				g->domain, strerror(errno));
	for (i = 0; i < (int)g->l.n; i++) {
		__u32 ifx = g->l.ifindex[i];
		struct bpf_devmap_val v = { .ifindex = ifx };

		v.bpf_prog.fd = -1;
		if (g->l.tagged && !(g->l.tagged & (1ULL << i)))
			v.bpf_prog.fd = untag;
		if (bpf_map_update_elem(fd, &ifx, &v, BPF_ANY)) {
			int r = -errno;

			close(fd);
			return nfc_errf(err, r,
					"flood domain %u: port if%u: %s",
					g->domain, ifx, strerror(-r));
		}
	}
	return fd;
}

/* Make the groups of chain @chain those of @gs: each written whole (a new
 * device map replaces the old at once), then the chain's others removed. */
static int groups_write(struct nfc_handle *h, __u32 chain,
			const struct groups *gs, struct nfc_err *err)
{
	int xfd = nfc_global_map_fd(h, "nfc_flood_xdp");
	int tfd = nfc_global_map_fd(h, "nfc_flood_tc");
	__u32 key, next, *stale = NULL;
	int i, j, n_stale = 0, r = 0, untag = -1;
	bool first = true;
	char pin[PATH_MAX];

	if (xfd < 0 || tfd < 0) {
		r = xfd < 0 ? xfd : tfd;
		/* no object made them: no chain floods yet */
		if (r == -ENOENT && !gs->n)
			r = 0;
		else
			nfc_errf(err, r, "flood maps: %s", strerror(-r));
		goto out;
	}
	nfc_path(pin, sizeof(pin), "%s/progs/" NFC_FLOOD_UNTAG_PIN, h->bpffs);
	untag = bpf_obj_get(pin);
	for (i = 0; i < gs->n; i++) {
		__u32 g = nfc_flood_group(chain, gs->g[i].domain);
		int dfd = group_devmap(&gs->g[i], untag, err);

		if (dfd < 0) {
			r = dfd;
			goto out;
		}
		if (bpf_map_update_elem(xfd, &g, &dfd, BPF_ANY) ||
		    bpf_map_update_elem(tfd, &g, &gs->g[i].l, BPF_ANY)) {
			r = -errno;
			close(dfd);
			nfc_errf(err, r, "flood domain %u: %s%s",
				 gs->g[i].domain, strerror(-r),
				 r == -E2BIG ? " (the host's flood domains are all in use)" : "");
			goto out;
		}
		close(dfd);
	}
	while (!bpf_map_get_next_key(tfd, first ? NULL : &key, &next)) {
		__u32 *s;

		first = false;
		key = next;
		if (key / NFC_FLOOD_DOMAINS != chain)
			continue;
		for (j = 0; j < gs->n; j++)
			if (gs->g[j].domain == key % NFC_FLOOD_DOMAINS)
				break;
		if (j < gs->n)
			continue;
		s = realloc(stale, (n_stale + 1) * sizeof(*s));
		if (!s) {
			r = -ENOMEM;
			goto out;
		}
		stale = s;
		stale[n_stale++] = key;
	}
	for (i = 0; i < n_stale; i++) {
		bpf_map_delete_elem(tfd, &stale[i]);
		bpf_map_delete_elem(xfd, &stale[i]);
	}
out:
	free(stale);
	if (untag >= 0)
		close(untag);
	if (xfd >= 0)
		close(xfd);
	if (tfd >= 0)
		close(tfd);
	return r;
}

int nfc_flood_sync(struct nfc_handle *h, const struct nfc_chain_info *c,
		   struct nfc_err *err)
{
	struct groups gs = {};
	int i, j, r = 0;

	for (i = 0; !r && i < c->n_nodes; i++) {
		const struct nfc_node_info *n = &c->nodes[i];
		const struct nfc_module *m;

		m = h->cat ? nfc_catalog__find(h->cat, n->module, n->version) :
			     NULL;
		for (j = 0; !r && m && j < m->n_tables; j++)
			if (m->tables[j].flood_domain)
				r = table_groups(h, c, n, &m->tables[j], &gs,
						 err);
	}
	if (!r)
		r = groups_write(h, c->id, &gs, err);
	free(gs.g);
	return r;
}

int nfc_flood_forget(struct nfc_handle *h, __u32 chain)
{
	struct groups none = {};

	return groups_write(h, chain, &none, NULL);
}
