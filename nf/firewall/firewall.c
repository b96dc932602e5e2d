// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The firewall's rule sets, compiled from its rules table (firewall.h).
 *
 * Users edit `rules` entry by entry; the datapath never reads it. After
 * every edit (and when an instance is loaded) the whole table is compiled
 * here into the generation the datapath does not read: each endpoint's
 * rules of a direction, in the order they are tried, with their prefixes,
 * ports and ICMP types in the form the datapath compares. Then one store
 * to fw_gen makes it the active one. A packet reads fw_gen once, so it is
 * judged by the old rules or by the new, never by a mix; the runtime waits
 * a grace period after the switch before the next compile may write the
 * generation the packets before it were reading.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "internal.h"
#include "firewall.h"

struct fw_entry {
	__u32 id;
	struct fw_rule r;
};

static int by_set_then_order(const void *a, const void *b)
{
	const struct fw_entry *x = a, *y = b;
	__u32 sx = FW_SET(x->r.endpoint, x->r.direction),
	      sy = FW_SET(y->r.endpoint, y->r.direction);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (x->r.priority != y->r.priority)
		return x->r.priority < y->r.priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Rule @e in the datapath's form, or -EINVAL with why. */
static int fw_rule_compile(const struct fw_entry *e, struct fw_rule_c *c,
			   char *why, size_t len)
{
	const struct fw_rule *r = &e->r;
	bool icmp = r->proto == IPPROTO_ICMP || r->proto == IPPROTO_ICMPV6;
	__u32 w, bits, i;

	memset(c, 0, sizeof(*c));
	if (r->direction > FW_EGRESS || r->action > FW_DENY) {
		snprintf(why, len, "rule %u: direction %u or action %u out of range",
			 e->id, r->direction, r->action);
		return -EINVAL;
	}
	if (!r->endpoint || r->endpoint >= FW_ENDPOINTS_MAX) {
		snprintf(why, len, "rule %u: endpoint %u is not 1..%u", e->id,
			 r->endpoint, FW_ENDPOINTS_MAX - 1);
		return -EINVAL;
	}
	if (r->peer.len > 128) {
		snprintf(why, len, "rule %u: peer prefix length %u", e->id,
			 r->peer.len);
		return -EINVAL;
	}
	if (r->icmp_type > FW_ICMP_ANY) {
		snprintf(why, len, "rule %u: icmp_type %u is not 0..255 (256: any)",
			 e->id, r->icmp_type);
		return -EINVAL;
	}
	if (icmp) {
		if (r->port || r->port_end) {
			snprintf(why, len,
				 "rule %u: ICMP has no ports (icmp_type selects the messages)",
				 e->id);
			return -EINVAL;
		}
		/* the flow key's destination port of ICMP: type, code */
		c->lo = r->icmp_type == FW_ICMP_ANY ? 0 : r->icmp_type << 8;
		c->hi = r->icmp_type == FW_ICMP_ANY ? 0xffff :
						      r->icmp_type << 8 | 0xff;
	} else {
		if (r->icmp_type != FW_ICMP_ANY) {
			snprintf(why, len,
				 "rule %u: icmp_type needs proto 1 (ICMP) or 58 (ICMPv6)",
				 e->id);
			return -EINVAL;
		}
		if (r->port_end && r->port_end < r->port) {
			snprintf(why, len, "rule %u: port_end %u is below port %u",
				 e->id, r->port_end, r->port);
			return -EINVAL;
		}
		c->lo = r->port;
		c->hi = r->port_end ? r->port_end : r->port ? r->port : 0xffff;
	}
	for (i = 0; i < 4; i++) {
		memcpy(&w, r->peer.addr + 4 * i, 4);
		w = ntohl(w);
		bits = r->peer.len > 32 * i ? r->peer.len - 32 * i : 0;
		c->addr[i] = bits >= 32 ? w : bits ? w & ~0u << (32 - bits) : 0;
	}
	c->plen = r->peer.len;
	c->proto = r->proto;
	c->action = r->action;
	c->id = e->id;
	return 0;
}

/* What a walk of a map collects: its entries, or its keys. */
struct fw_collect {
	void *v;
	size_t n, cap, size;
	__u32 gen;          /* fw_sets: the keys of this generation */
};

static int fw_collect_grow(struct fw_collect *c, size_t more)
{
	void *grown;

	if (c->n + more <= c->cap)
		return 0;
	c->cap = c->cap ? 2 * c->cap : 256;
	if (c->cap < c->n + more)
		c->cap = c->n + more;
	grown = realloc(c->v, c->cap * c->size);
	if (!grown)
		return -ENOMEM;
	c->v = grown;
	return 0;
}

static int fw_collect_rules(const void *keys, const void *values, int n,
			    void *ctx)
{
	const struct fw_rule_key *k = keys;
	const struct fw_rule *r = values;
	struct fw_collect *c = ctx;
	struct fw_entry *e;
	int i;

	if (fw_collect_grow(c, n))
		return -ENOMEM;
	e = c->v;
	for (i = 0; i < n; i++) {
		e[c->n].id = k[i].id;
		e[c->n++].r = r[i];
	}
	return 0;
}

static int fw_collect_sets(const void *keys, const void *values, int n,
			   void *ctx)
{
	const struct fw_set_key *k = keys;
	struct fw_collect *c = ctx;
	int i;

	(void)values;
	if (fw_collect_grow(c, n))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (k[i].gen == c->gen)
			((struct fw_set_key *)c->v)[c->n++] = k[i];
	return 0;
}

/* Remove every set of generation @gen. */
static int fw_sets_clear(int fd, __u32 gen)
{
	struct fw_collect c = { .size = sizeof(struct fw_set_key), .gen = gen };
	size_t i;
	int r;

	r = nfc_map_walk(fd, sizeof(struct fw_set_key), sizeof(struct fw_set),
			 fw_collect_sets, &c);
	for (i = 0; !r && i < c.n; i++)
		bpf_map_delete_elem(fd, (struct fw_set_key *)c.v + i);
	free(c.v);
	return r;
}

int nfc_firewall_compile(nfc_map_fd_fn map_fd, void *ctx, char *why,
			 size_t len)
{
	int rules = map_fd(ctx, "rules"), sets = map_fd(ctx, "fw_sets"),
	    crules = map_fd(ctx, "fw_rule_c"), genfd = map_fd(ctx, "fw_gen");
	struct fw_collect rs = { .size = sizeof(struct fw_entry) };
	struct fw_entry *e = NULL;
	struct fw_set set = {};
	struct fw_set_key sk;
	struct fw_rule_c c;
	__u32 zero = 0, gen = 0, target, cur = ~0u, slot;
	size_t n = 0, i;
	int r;

	if (rules < 0 || sets < 0 || crules < 0 || genfd < 0) {
		snprintf(why, len, "the instance's maps: %s",
			 strerror(errno ?: ENOENT));
		r = -ENOENT;
		goto out;
	}
	r = nfc_map_walk(rules, sizeof(struct fw_rule_key),
			 sizeof(struct fw_rule), fw_collect_rules, &rs);
	e = rs.v;
	n = rs.n;
	if (r) {
		snprintf(why, len, "reading the rules: %s", strerror(-r));
		goto out;
	}
	qsort(e, n, sizeof(*e), by_set_then_order);
	if (bpf_map_lookup_elem(genfd, &zero, &gen)) {
		r = -errno;
		snprintf(why, len, "fw_gen: %s", strerror(errno));
		goto out;
	}
	target = !(gen & 1);
	r = fw_sets_clear(sets, target);
	if (r)
		snprintf(why, len, "fw_sets: %s", strerror(-r));
	for (i = 0; !r && i < n; i++) {
		r = fw_rule_compile(&e[i], &c, why, len);
		if (r)
			break;
		slot = target * FW_RULES_MAX + i;
		if (bpf_map_update_elem(crules, &slot, &c, BPF_ANY)) {
			r = -errno;
			snprintf(why, len, "fw_rule_c: %s", strerror(errno));
			break;
		}
		if (FW_SET(e[i].r.endpoint, e[i].r.direction) != cur) {
			cur = FW_SET(e[i].r.endpoint, e[i].r.direction);
			set.first = i;
		}
		set.count = i + 1 - set.first;
		/* the set is whole once its last rule is written */
		if (i + 1 == n || FW_SET(e[i + 1].r.endpoint,
					 e[i + 1].r.direction) != cur) {
			sk = (struct fw_set_key){ .gen = target, .set = cur };
			if (bpf_map_update_elem(sets, &sk, &set, BPF_ANY)) {
				r = -errno;
				snprintf(why, len, "fw_sets: %s",
					 strerror(errno));
			}
		}
	}
	/* the switch: one store */
	if (!r && bpf_map_update_elem(genfd, &zero, &target, BPF_ANY)) {
		r = -errno;
		snprintf(why, len, "fw_gen: %s", strerror(errno));
	}
out:
	free(e);
	return r;
}
