// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Modules whose datapath reads state compiled from their tables rather
 * than the tables themselves (the firewall's rule sets, the nat's ordered
 * rules): their compiler
 * (nf/MODULE/MODULE.c) runs when an instance is loaded and after every
 * edit of its tables. A compiler sees the instance's maps by name, builds
 * what the datapath reads beside what it reads now and switches once; the
 * grace period after it keeps the next compile off what packets in flight
 * may still read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"

static const struct {
	const char *module;
	nfc_compile_fn fn;
} compilers[] = {
	{ "firewall", nfc_firewall_compile },
	{ "nat", nfc_nat_compile },
};

nfc_compile_fn nfc_compiler(const char *module)
{
	size_t i;

	for (i = 0; i < sizeof(compilers) / sizeof(compilers[0]); i++)
		if (!strcmp(compilers[i].module, module))
			return compilers[i].fn;
	return NULL;
}

static int obj_map_fd(void *ctx, const char *map)
{
	struct bpf_map *m = bpf_object__find_map_by_name(ctx, map);

	if (!m) {
		errno = ENOENT;
		return -1;
	}
	return bpf_map__fd(m);
}

int nfc_compile_obj(struct bpf_object *obj, const char *module,
		    const char *where, struct nfc_err *err)
{
	nfc_compile_fn fn = nfc_compiler(module);
	char why[256] = "";
	int r;

	if (!fn)
		return 0;
	r = fn(obj_map_fd, obj, why, sizeof(why));
	if (r)
		return nfc_errf(err, r, "%s: %s", where, why);
	return 0;
}

struct pinned {
	struct nfc_handle *h;
	const char *chain;
	const struct nfc_node_info *n;
	int fds[16];
	int n_fds;
};

static int pinned_map_fd(void *ctx, const char *map)
{
	struct pinned *p = ctx;
	char path[PATH_MAX];
	int fd;

	if (p->n_fds == (int)(sizeof(p->fds) / sizeof(p->fds[0]))) {
		errno = EMFILE;
		return -1;
	}
	if (nfc_node_map_path(p->h, path, sizeof(path), p->chain, p->n->name,
			      p->n->gen, map)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = bpf_obj_get(path);
	if (fd >= 0)
		p->fds[p->n_fds++] = fd;
	return fd;
}

int nfc_compile_pinned(struct nfc_handle *h, const char *chain,
		       const struct nfc_node_info *n, struct nfc_err *err)
{
	nfc_compile_fn fn = nfc_compiler(n->module);
	struct pinned p = { .h = h, .chain = chain, .n = n };
	char why[256] = "";
	int r, i;

	if (!fn)
		return 0;
	r = fn(pinned_map_fd, &p, why, sizeof(why));
	for (i = 0; i < p.n_fds; i++)
		close(p.fds[i]);
	if (r)
		return nfc_errf(err, r, "chain '%s': node '%s': %s", chain,
				n->name, why);
	/* packets that read the generation switched from are done with it
	 * before the next compile writes it */
	nfc_grace_period();
	return 0;
}
