// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The nat module's compiler (manager/runtime/compile.c runs it when an
 * instance is loaded and after every edit of its tables): the rules, checked
 * and sorted in the order the datapath tries them (lowest priority, then
 * id), written to the generation of nat_rule_c packets do not read, which
 * then becomes the one they read (nat_gen).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "internal.h"
#include "nat.h"

struct nat_collect {
	struct nat_rule_c *v;
	int n, cap;
};

static int nat_collect(const void *keys, const void *values, int n, void *ctx)
{
	const struct nat_rule_key *k = keys;
	const struct nat_rule *r = values;
	struct nat_collect *c = ctx;
	int i;

	for (i = 0; i < n; i++) {
		if (nfc_grow(&c->v, &c->cap, c->n, sizeof(*c->v)))
			return -ENOMEM;
		c->v[c->n].r = r[i];
		c->v[c->n++].id = k[i].id;
	}
	return 0;
}

static int by_order(const void *a, const void *b)
{
	const struct nat_rule_c *x = a, *y = b;

	if (x->r.priority != y->r.priority)
		return x->r.priority < y->r.priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* What the manifest cannot say about a rule; 0 or -EINVAL with @why. */
static int nat_check(const struct nat_rule_c *e, char *why, size_t len)
{
	const struct nat_rule *r = &e->r;

	if (!e->id) {
		snprintf(why, len, "rule id 0: ids start at 1 (0 counts no rule)");
		return -EINVAL;
	}
	if (r->port_end && r->port_end < r->port) {
		snprintf(why, len, "rule %u: port_end %u is below port %u",
			 e->id, r->port_end, r->port);
		return -EINVAL;
	}
	if (r->to_port_end && r->to_port_end < r->to_port) {
		snprintf(why, len, "rule %u: to_port_end %u is below to_port %u",
			 e->id, r->to_port_end, r->to_port);
		return -EINVAL;
	}
	if (r->to_end && ntohl(r->to_end) < ntohl(r->to)) {
		snprintf(why, len, "rule %u: to_end is below to", e->id);
		return -EINVAL;
	}
	if (r->to_end && ntohl(r->to_end) - ntohl(r->to) >= 65536) {
		snprintf(why, len,
			 "rule %u: to..to_end holds more than 65536 addresses",
			 e->id);
		return -EINVAL;
	}
	if ((r->kind == NAT_SNAT || r->kind == NAT_DNAT) && !r->to) {
		snprintf(why, len, "rule %u: %s needs an address to translate to (to)",
			 e->id, r->kind == NAT_SNAT ? "snat" : "dnat");
		return -EINVAL;
	}
	return 0;
}

int nfc_nat_compile(nfc_map_fd_fn map_fd, void *ctx, char *why, size_t len)
{
	int rules = map_fd(ctx, "rules"), compiled = map_fd(ctx, "nat_rule_c"),
	    count = map_fd(ctx, "nat_count"), genfd = map_fd(ctx, "nat_gen");
	struct nat_collect c = {};
	__u32 zero = 0, gen, next, k, n;
	int i, r;

	if (rules < 0 || compiled < 0 || count < 0 || genfd < 0) {
		snprintf(why, len, "the instance's maps: %s",
			 strerror(errno ?: ENOENT));
		return -ENOENT;
	}
	r = nfc_map_walk(rules, sizeof(struct nat_rule_key),
			 sizeof(struct nat_rule), nat_collect, &c);
	if (r) {
		snprintf(why, len, "reading the rules: %s", strerror(-r));
		goto out;
	}
	for (i = 0; i < c.n && !r; i++)
		r = nat_check(&c.v[i], why, len);
	if (r)
		goto out;
	qsort(c.v, c.n, sizeof(*c.v), by_order);
	if (bpf_map_lookup_elem(genfd, &zero, &gen)) {
		r = -errno;
		snprintf(why, len, "nat_gen: %s", strerror(errno));
		goto out;
	}
	next = !gen;
	for (i = 0; i < c.n; i++) {
		k = next * NAT_RULES_MAX + i;
		if (bpf_map_update_elem(compiled, &k, &c.v[i], BPF_ANY)) {
			r = -errno;
			snprintf(why, len, "nat_rule_c: %s", strerror(errno));
			goto out;
		}
	}
	n = c.n;
	if (bpf_map_update_elem(count, &next, &n, BPF_ANY) ||
	    bpf_map_update_elem(genfd, &zero, &next, BPF_ANY)) {
		r = -errno;
		snprintf(why, len, "switching to the new rules: %s",
			 strerror(errno));
	}
out:
	free(c.v);
	return r;
}
