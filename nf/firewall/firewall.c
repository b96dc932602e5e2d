// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The firewall's rule sets, compiled from its tables (firewall.h).
 *
 * Users edit `rules`, `endpoints`, `nics`, `labels` and `groups` entry by
 * entry (or load a file whole); the datapath reads none of them for a
 * verdict but the endpoints. After every edit (and when an instance is
 * loaded) all of it is compiled here into the generation the datapath does
 * not read: each endpoint's groups, and each endpoint's rules of a
 * direction (a group's rules for each member) as a decision tree over what
 * the rules compare. Then one store to fw_gen makes it the active one. A
 * packet reads fw_gen once, so it is judged by the old rules or by the
 * new, never by a mix; the runtime waits a grace period after the switch
 * before the next compile may write the generation the packets before it
 * were reading.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "internal.h"
#include "firewall.h"

struct fw_entry {
	__u32 id;
	__u32 peer;      /* a peer group's rule: one member's id */
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
	if (!e->id) {
		snprintf(why, len, "rule 0: rule ids start at 1 (0 is no rule's)");
		return -EINVAL;
	}
	if (r->peer.len && r->peer.len < 96 &&
	    !memcmp(r->peer.addr, (const __u8[12]){ 0 }, 12)) {
		snprintf(why, len,
			 "rule %u: peer prefix of length %u covers ::ffff:0:0/96, IPv4 peers too (write any, or an IPv4 prefix)",
			 e->id, r->peer.len);
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
	c->peer = e->peer;
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
		e[c->n].peer = 0;
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

/*
 * The decision tree of one rule set (firewall.h). A rule is a box: in each
 * of the six words a range (a prefix's words, the protocol's ports, the
 * peer endpoint). A node's region is, in each word, an aligned block of
 * 2^bits values, first shrunk to what its rules span (fw_compact()); a
 * cut splits one word's block into 2^k children. The word and k are
 * chosen as HiCuts does (Gupta and McKeown, Hot Interconnects 1999): for
 * each word, the most bits whose children together list at most FW_SPACE
 * times the node's rules, and of those the word whose fullest child lists
 * fewest - then, of that word, the fewest bits whose fullest child is as
 * full. A region whose rules no cut divides, or at the depth limit, is a
 * leaf however many rules it lists.
 */
#define FW_SPACE 4

/* A rule's box: what it matches, or more (a rule of any protocol but some
 * ports is no box in proto << 16 | port: it is all of that word, and
 * inexact). Inexact boxes send a rule to more children than it needs,
 * never to fewer; only an exact box may cover a region. */
struct fw_box {
	__u64 lo[FW_WORDS], hi[FW_WORDS];
	bool exact;
};

struct fw_tree {
	const struct fw_box *box;  /* the set's rules' boxes, in order */
	__u32 rule_base;           /* rule i of the set is fw_rule_c[rule_base + i] */
	__u32 gen;
	struct fw_node *nodes;     /* the generation's part of each map */
	struct fw_ref *refs;
	__u32 n_nodes, n_refs;
	__u32 nodes_max, refs_max; /* a generation's (the instance's capacity) */
};

static void fw_box_of(const struct fw_rule_c *c, struct fw_box *b)
{
	__u32 i, bits;

	for (i = 0; i < 4; i++) {
		bits = c->plen > 32 * i ? c->plen - 32 * i : 0;
		if (bits > 32)
			bits = 32;
		b->lo[i] = c->addr[i];
		b->hi[i] = c->addr[i] | (bits ? (0xffffffffull >> bits) :
						 0xffffffffull);
	}
	b->lo[4] = c->proto ? (__u64)c->proto << 16 | c->lo : 0;
	b->hi[4] = c->proto ? (__u64)c->proto << 16 | c->hi : 0xffffff;
	b->lo[5] = c->peer;
	b->hi[5] = c->peer ? c->peer : (1u << FW_EP_BITS) - 1;
	b->exact = c->proto || (c->lo == 0 && c->hi == 0xffff);
}

/* Children of a cut of word @w of the region (@base, @bits) in @k bits
 * that box @b spans: [*first, *last]. */
static void fw_span(const struct fw_box *b, int w, const __u64 *base,
		    const __u32 *bits, __u32 k, __u32 *first, __u32 *last)
{
	__u64 end = base[w] + (1ull << bits[w]) - 1,
	      lo = b->lo[w] > base[w] ? b->lo[w] : base[w],
	      hi = b->hi[w] < end ? b->hi[w] : end;
	__u32 shift = bits[w] - k;

	*first = (lo - base[w]) >> shift;
	*last = (hi - base[w]) >> shift;
}

static bool fw_covers(const struct fw_box *b, const __u64 *base,
		      const __u32 *bits)
{
	int w;

	if (!b->exact)
		return false;
	for (w = 0; w < FW_WORDS; w++)
		if (b->lo[w] > base[w] ||
		    b->hi[w] < base[w] + (1ull << bits[w]) - 1)
			return false;
	return true;
}

/*
 * Region compaction (HyperCuts, Singh et al., SIGCOMM 2003): the region
 * (@base, @bits) shrunk, word by word, to the smallest aligned block that
 * holds what its @n rules span there. No node is spent on it: a packet
 * outside the block that still reaches the region matches none of its
 * rules, wherever the cuts below send it (they read the word's bits
 * below the block's, and every leaf's rules are tried whole), so it takes
 * the default. Without it, a word every rule has the same value in (an
 * IPv4 rule set's first three address words, one protocol's byte) was
 * cut as if narrowing it told the rules apart - 12 levels and 3,000
 * nodes spent at the top of an IPv4 set - and a cut of the ports spent
 * its first level on the protocol, so that a set of nested prefixes was
 * cut by address again and again, its wider prefixes copied into every
 * child, where one cut of the ports would have parted them.
 */
static void fw_compact(const struct fw_tree *t, __u64 *base, __u32 *bits,
		       const __u32 *rules, __u32 n)
{
	__u64 lo, hi, end, diff, l, h;
	__u32 i, nb;
	int w;

	if (!n)
		return;
	for (w = 0; w < FW_WORDS; w++) {
		end = base[w] + (1ull << bits[w]) - 1;
		lo = end;
		hi = base[w];
		for (i = 0; i < n; i++) {
			const struct fw_box *b = &t->box[rules[i]];

			/* the rule's range within the region */
			l = b->lo[w] > base[w] ? b->lo[w] : base[w];
			h = b->hi[w] < end ? b->hi[w] : end;
			lo = l < lo ? l : lo;
			hi = h > hi ? h : hi;
		}
		diff = (lo - base[w]) ^ (hi - base[w]);
		nb = diff ? 64 - __builtin_clzll(diff) : 0;
		base[w] += ((lo - base[w]) >> nb) << nb;
		bits[w] = nb;
	}
}

static int fw_leaf(struct fw_tree *t, __u32 at, const __u32 *rules, __u32 n,
		   char *why, size_t len)
{
	__u32 i;

	if (t->n_refs + n > t->refs_max) {
		snprintf(why, len,
			 "the rules' decision trees need more than %u leaf entries (raise the node's capacity)",
			 t->refs_max);
		return -E2BIG;
	}
	t->nodes[at] = (struct fw_node){ .base = t->n_refs, .count = n,
					 .flags = FW_NODE_LEAF };
	for (i = 0; i < n; i++)
		t->refs[t->n_refs++].rule = t->rule_base + rules[i];
	return 0;
}

/* A cut of word @w of the region (@base, @bits) in @k bits: its fullest
 * and emptiest child's rules into *@most and *@least; whether it is
 * within the space measure (HiCuts': the rules the children list, and
 * the children themselves, most of which may be empty, at most FW_SPACE
 * times the region's rules). @fill holds 2^k + 1 counts. */
static bool fw_cut_eval(const struct fw_tree *t, int w, const __u64 *base,
			const __u32 *bits, const __u32 *rules, __u32 n, __u32 k,
			__u32 *fill, __u32 *most, __u32 *least)
{
	__u32 i, c, m, first, last;
	__u64 sum = 0;

	/* children's counts as differences: +1 where a rule's span starts,
	 * -1 past its end */
	memset(fill, 0, ((1u << k) + 1) * sizeof(*fill));
	for (i = 0; i < n; i++) {
		fw_span(&t->box[rules[i]], w, base, bits, k, &first, &last);
		sum += last - first + 1;
		fill[first]++;
		fill[last + 1]--;
	}
	for (*most = 0, *least = n, m = 0, c = 0; c < 1u << k; c++) {
		m += fill[c];
		*most = m > *most ? m : *most;
		*least = m < *least ? m : *least;
	}
	return sum + (1u << k) <= (__u64)FW_SPACE * n;
}

/* Node @at: the region (@base, @bits) and the rules that meet it, in
 * order. */
static int fw_build(struct fw_tree *t, __u32 at, const __u64 *base,
		    const __u32 *bits, const __u32 *rules, __u32 n,
		    __u32 depth, char *why, size_t len)
{
	__u32 i, c, k, first, last, best_w = 0, best_k = 0, best_max = n + 1,
	      best_narrow = 0, narrow, least, lo, hi, *fill;
	__u64 sum, cbase[FW_WORDS], rbase[FW_WORDS];
	__u32 cbits[FW_WORDS], rbits[FW_WORDS], *sub = NULL, *off, *pos = NULL,
	      m, most;
	int w, r = 0;

	/* the region shrunk to its rules' bounding box */
	memcpy(cbase, base, sizeof(cbase));
	memcpy(cbits, bits, sizeof(cbits));
	fw_compact(t, cbase, cbits, rules, n);
	base = cbase;
	bits = cbits;
	/* a rule that covers the region decides for all of it */
	for (i = 0; i < n; i++)
		if (fw_covers(&t->box[rules[i]], base, bits)) {
			n = i + 1;
			break;
		}
	if (n <= FW_LEAF_RULES || depth + 1 >= FW_DEPTH_MAX)
		return fw_leaf(t, at, rules, n, why, len);
	fill = calloc((1u << FW_CUT_BITS) + 1, sizeof(*fill));
	if (!fill)
		return -ENOMEM;
	for (w = 0; w < FW_WORDS; w++) {
		if (!bits[w])
			continue; /* the word is all known */
		/* the rules a cut of this word can tell apart */
		for (narrow = 0, i = 0; i < n; i++) {
			fw_span(&t->box[rules[i]], w, base, bits, 1, &first,
				&last);
			narrow += first == last;
		}
		if (!narrow)
			continue;
		/* the most bits the space measure allows, then the fewest
		 * that leave the fullest child as full (a sparse word's
		 * first bits may part its rules as well as all of them do:
		 * TCP's and UDP's rules by the protocol's bit, where eight
		 * bits spent 256 children on two) */
		for (k = bits[w] < FW_CUT_BITS ? bits[w] : FW_CUT_BITS;
		     !fw_cut_eval(t, w, base, bits, rules, n, k, fill, &most,
				  &least) && k > 1;
		     k--)
			;
		/* a cut that leaves every child all the rules is no cut; one
		 * that leaves some child fewer narrows the others' region
		 * (the rules all in one part of the word, wide ones over the
		 * rest), the next cut can tell them apart */
		if (least >= n)
			continue;
		for (lo = 1, hi = k, m = most; lo < hi;) {
			c = (lo + hi) / 2;
			fw_cut_eval(t, w, base, bits, rules, n, c, fill, &most,
				    &least);
			if (most == m && least < n)
				hi = c;
			else
				lo = c + 1;
		}
		/* the fullest child decides, then the rules the word can
		 * tell apart */
		if (m < best_max || (m == best_max && narrow > best_narrow)) {
			best_max = m;
			best_narrow = narrow;
			best_w = w;
			best_k = lo;
		}
	}
	free(fill);
	if (!best_k) /* no cut divides them */
		return fw_leaf(t, at, rules, n, why, len);
	if (t->n_nodes + (1u << best_k) > t->nodes_max) {
		snprintf(why, len,
			 "the rules' decision trees need more than %u nodes (raise the node's capacity)",
			 t->nodes_max);
		return -E2BIG;
	}
	first = t->n_nodes;
	t->n_nodes += 1u << best_k;
	t->nodes[at] = (struct fw_node){ .base = first, .word = best_w,
					 .shift = bits[best_w] - best_k,
					 .mask = (1u << best_k) - 1 };
	/* each child's rules, in order, in one pass over the rules: how
	 * many each child gets, then where (a pass per child was 2^k times
	 * the rules: 48 s of a 1M-rule compile) */
	off = calloc((1u << best_k) + 1, sizeof(*off));
	if (!off)
		return -ENOMEM;
	for (sum = 0, i = 0; i < n; i++) {
		__u32 f, l;

		fw_span(&t->box[rules[i]], best_w, base, bits, best_k, &f, &l);
		for (c = f; c <= l; c++)
			off[c + 1]++;
		sum += l - f + 1;
	}
	for (c = 0; c < 1u << best_k; c++)
		off[c + 1] += off[c];
	sub = malloc(sum * sizeof(*sub));
	pos = malloc((1u << best_k) * sizeof(*pos));
	if (!sub || !pos) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(pos, off, (1u << best_k) * sizeof(*pos));
	for (i = 0; i < n; i++) {
		__u32 f, l;

		fw_span(&t->box[rules[i]], best_w, base, bits, best_k, &f, &l);
		for (c = f; c <= l; c++)
			sub[pos[c]++] = rules[i];
	}
	memcpy(rbase, base, sizeof(rbase));
	memcpy(rbits, bits, sizeof(rbits));
	rbits[best_w] = bits[best_w] - best_k;
	for (c = 0; !r && c < 1u << best_k; c++) {
		rbase[best_w] = base[best_w] + ((__u64)c << rbits[best_w]);
		r = fw_build(t, first + c, rbase, rbits, sub + off[c],
			     off[c + 1] - off[c], depth + 1, why, len);
	}
out:
	free(sub);
	free(pos);
	free(off);
	return r;
}

/*
 * Security groups. An endpoint's labels (a key, a category, and its value)
 * make it a member of the groups whose selectors they meet; a rule of a
 * group (`group`) is each member's, a rule's `peer_group` asks that the
 * other end be a member. Membership is compiled with the rules, into the
 * same generation: a label edited makes new members of both at once.
 */
/* A map's entries, each its key then its value. */
struct fw_kv {
	__u8 *v;
	size_t n, cap;
	__u32 ksz, vsz;
};

static int fw_collect_kv(const void *keys, const void *values, int n,
			 void *ctx)
{
	struct fw_kv *c = ctx;
	size_t esz = c->ksz + c->vsz;
	__u8 *grown, *e;
	int i;

	if (c->n + n > c->cap) {
		c->cap = (c->n + n) * 2;
		grown = realloc(c->v, c->cap * esz);
		if (!grown)
			return -ENOMEM;
		c->v = grown;
	}
	for (i = 0; i < n; i++) {
		e = c->v + c->n++ * esz;
		memcpy(e, (const __u8 *)keys + (size_t)i * c->ksz, c->ksz);
		memcpy(e + c->ksz, (const __u8 *)values + (size_t)i * c->vsz,
		       c->vsz);
	}
	return 0;
}

static const void *fw_kv_key(const struct fw_kv *c, size_t i)
{
	return c->v + i * (c->ksz + c->vsz);
}

static const void *fw_kv_value(const struct fw_kv *c, size_t i)
{
	return c->v + i * (c->ksz + c->vsz) + c->ksz;
}

struct fw_groups {
	struct fw_kv eps, labels, groups;
	struct fw_member *member; /* by endpoint id: its groups' bits */
	struct fw_member defined; /* the groups that exist */
};

static void fw_bit_set(struct fw_member *m, __u32 group)
{
	m->groups[(group - 1) / 64] |= 1ULL << ((group - 1) % 64);
}

static bool fw_bit(const struct fw_member *m, __u32 group)
{
	return m->groups[(group - 1) / 64] >> ((group - 1) % 64) & 1;
}

/* Whether the labels of endpoint @ep meet @sel; -EINVAL (why set) when
 * the selector is not one. */
static int fw_selects(const struct fw_groups *g, __u32 ep, const char *sel,
		      __u32 group, char *why, size_t len)
{
	char buf[64], *term, *save, *eq;
	const struct fw_label_key *k;
	const struct fw_label *v;
	bool neg, ne, have, hit, all = true;
	size_t i;

	snprintf(buf, sizeof(buf), "%.*s", (int)sizeof(buf) - 1, sel);
	for (term = strtok_r(buf, ",", &save); term;
	     term = strtok_r(NULL, ",", &save)) {
		while (*term == ' ')
			term++;
		neg = *term == '!';
		term += neg;
		eq = strchr(term, '=');
		ne = eq && eq > term && eq[-1] == '!';
		if (eq)
			*(ne ? eq - 1 : eq) = '\0';
		if (!*term || (neg && eq) || (eq && (!eq[1] || strchr(eq + 1, '=')))) {
			snprintf(why, len,
				 "group %u: selector '%s': expected key=value, key!=value, key or !key terms, comma-separated",
				 group, sel);
			return -EINVAL;
		}
		have = hit = false;
		for (i = 0; i < g->labels.n; i++) {
			k = fw_kv_key(&g->labels, i);
			v = fw_kv_value(&g->labels, i);
			if (k->endpoint != ep ||
			    strncmp(k->key, term, sizeof(k->key)) ||
			    strlen(term) >= sizeof(k->key))
				continue;
			have = true;
			hit = eq && !strncmp(v->value, eq + 1, sizeof(v->value));
		}
		if (!eq)
			all &= neg ? !have : have;
		else
			all &= ne ? !hit : hit;
	}
	return all;
}

/* Read the endpoints, labels and groups; each endpoint's groups. */
static int fw_groups_read(struct fw_groups *g, nfc_map_fd_fn map_fd,
			  void *ctx, char *why, size_t len)
{
	int eps = map_fd(ctx, "endpoints"), labels = map_fd(ctx, "labels"),
	    groups = map_fd(ctx, "groups"), nics = map_fd(ctx, "nics"), r;
	struct fw_kv nic = { .ksz = sizeof(struct fw_nic_key),
			     .vsz = sizeof(struct fw_nic) };
	const struct fw_group_key *gk;
	const struct fw_group *gv;
	const struct fw_ep *ep;
	size_t i, j;

	g->eps = (struct fw_kv){ .ksz = sizeof(struct fw_ep_key),
				 .vsz = sizeof(struct fw_ep) };
	g->labels = (struct fw_kv){ .ksz = sizeof(struct fw_label_key),
				    .vsz = sizeof(struct fw_label) };
	g->groups = (struct fw_kv){ .ksz = sizeof(struct fw_group_key),
				    .vsz = sizeof(struct fw_group) };
	if (eps < 0 || labels < 0 || groups < 0 || nics < 0) {
		snprintf(why, len, "the instance's maps: %s",
			 strerror(errno ?: ENOENT));
		return -ENOENT;
	}
	r = nfc_map_walk(eps, g->eps.ksz, g->eps.vsz, fw_collect_kv, &g->eps) ?:
	    nfc_map_walk(labels, g->labels.ksz, g->labels.vsz, fw_collect_kv,
			 &g->labels) ?:
	    nfc_map_walk(groups, g->groups.ksz, g->groups.vsz, fw_collect_kv,
			 &g->groups) ?:
	    nfc_map_walk(nics, nic.ksz, nic.vsz, fw_collect_kv, &nic);
	/* NIC endpoints have labels and groups as address ones do: their
	 * values join the endpoints' (keys unused past here) */
	for (i = 0; !r && i < nic.n; i++) {
		const struct fw_nic *n = fw_kv_value(&nic, i);
		struct fw_ep ep = { .id = n->id, .ingress = n->ingress,
				    .egress = n->egress };
		struct fw_ep_key none = {};

		r = fw_collect_kv(&none, &ep, 1, &g->eps);
	}
	free(nic.v);
	if (r) {
		snprintf(why, len, "reading the endpoints, labels and groups: %s",
			 strerror(-r));
		return r;
	}
	g->member = calloc(FW_ENDPOINTS_MAX, sizeof(*g->member));
	if (!g->member)
		return -ENOMEM;
	for (j = 0; j < g->groups.n; j++) {
		gk = fw_kv_key(&g->groups, j);
		if (!gk->id || gk->id > FW_GROUPS_MAX) {
			snprintf(why, len, "group %u: ids are 1..%u", gk->id,
				 FW_GROUPS_MAX);
			return -EINVAL;
		}
		fw_bit_set(&g->defined, gk->id);
	}
	for (i = 0; i < g->eps.n; i++) {
		ep = fw_kv_value(&g->eps, i);
		if (!ep->id || ep->id >= FW_ENDPOINTS_MAX) {
			snprintf(why, len, "endpoint id %u is not 1..%u", ep->id,
				 FW_ENDPOINTS_MAX - 1);
			return -EINVAL;
		}
		for (j = 0; j < g->groups.n; j++) {
			gk = fw_kv_key(&g->groups, j);
			gv = fw_kv_value(&g->groups, j);
			r = fw_selects(g, ep->id, gv->selector, gk->id, why, len);
			if (r < 0)
				return r;
			if (r)
				fw_bit_set(&g->member[ep->id], gk->id);
		}
	}
	return 0;
}

static void fw_groups_free(struct fw_groups *g)
{
	free(g->eps.v);
	free(g->labels.v);
	free(g->groups.v);
	free(g->member);
}

/* Each rule of a group (@peer: about a peer group) once for each member:
 * the member's rule (about that member); the group's own goes. */
static int fw_each_member(const struct fw_groups *g, struct fw_collect *rs,
			  bool peer)
{
	struct fw_entry *e = rs->v;
	size_t n = rs->n, i, j;
	const struct fw_ep *ep;
	__u32 group;

	for (i = 0; i < n; i++) {
		group = peer ? e[i].r.peer_group : e[i].r.group;
		if (!group)
			continue;
		for (j = 0; j < g->eps.n; j++) {
			ep = fw_kv_value(&g->eps, j);
			if (!fw_bit(&g->member[ep->id], group))
				continue;
			if (fw_collect_grow(rs, 1))
				return -ENOMEM;
			e = rs->v;
			e[rs->n] = e[i];
			if (peer)
				e[rs->n].peer = ep->id;
			else
				e[rs->n].r.endpoint = ep->id;
			rs->n++;
		}
	}
	for (i = j = 0; i < rs->n; i++)
		if (peer ? !e[i].r.peer_group || e[i].peer :
			   !e[i].r.group || e[i].r.endpoint)
			e[j++] = e[i];
	rs->n = j;
	return 0;
}

/* The rules as sets have them: a group's rule once for each member, a
 * rule about a peer group once for each of its members. */
static int fw_expand(const struct fw_groups *g, struct fw_collect *rs,
		     char *why, size_t len)
{
	struct fw_entry *e = rs->v;
	size_t n = rs->n, i;

	for (i = 0; i < n; i++) {
		const struct fw_rule *r = &e[i].r;

		if (!r->endpoint == !r->group) {
			snprintf(why, len,
				 "rule %u: names %s (endpoint or group, one of them)",
				 e[i].id, r->group ? "both an endpoint and a group" :
						     "no endpoint or group");
			return -EINVAL;
		}
		if ((r->group && (r->group > FW_GROUPS_MAX ||
				  !fw_bit(&g->defined, r->group))) ||
		    (r->peer_group && (r->peer_group > FW_GROUPS_MAX ||
				       !fw_bit(&g->defined, r->peer_group)))) {
			snprintf(why, len, "rule %u: no group %u", e[i].id,
				 r->group ? r->group : r->peer_group);
			return -EINVAL;
		}
	}
	return fw_each_member(g, rs, false) ?: fw_each_member(g, rs, true);
}

/* A BPF_F_MMAPABLE array's values mapped (NULL with errno): their bytes
 * in *@len, half its entries (a generation's) in *@half. */
static void *fw_mmap(int fd, size_t *len, __u32 *half)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return NULL;
	*half = info.max_entries / 2;
	/* the kernel lays the values out 8-byte aligned */
	*len = ((size_t)((info.value_size + 7) & ~7u) * info.max_entries +
		page - 1) / page * page;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

struct fw_maps {
	struct fw_rule_c *rules;
	struct fw_node *nodes;
	struct fw_ref *refs;
	size_t len[3];
	__u32 rules_max, nodes_max, refs_max; /* per generation */
};

/* Set @set (its @n rules at @e, compiled from rule @first of the
 * generation on) into generation @gen: its rules, its tree. */
static int fw_set_compile(struct fw_maps *m, struct fw_tree *t,
			  const struct fw_entry *e, __u32 n, __u32 first,
			  struct fw_set *set, char *why, size_t len)
{
	__u64 base[FW_WORDS] = {};
	__u32 bits[FW_WORDS] = { 32, 32, 32, 32, 24, FW_EP_BITS }, i, *order;
	struct fw_box *box;
	int r = 0;

	box = calloc(n, sizeof(*box));
	order = calloc(n, sizeof(*order));
	if (!box || !order) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && !r; i++) {
		struct fw_rule_c *c = &m->rules[(size_t)t->gen * m->rules_max +
						 first + i];

		r = fw_rule_compile(&e[i], c, why, len);
		fw_box_of(c, &box[i]);
		order[i] = i;
	}
	if (r)
		goto out;
	t->box = box;
	t->rule_base = t->gen * m->rules_max + first;
	if (t->n_nodes + 1 > t->nodes_max) {
		snprintf(why, len, "the rules' decision trees need more than %u nodes (raise the node's capacity)",
			 t->nodes_max);
		r = -E2BIG;
		goto out;
	}
	set->first = first;
	set->count = n;
	set->root = t->n_nodes++;
	r = fw_build(t, set->root, base, bits, order, n, 0, why, len);
out:
	free(box);
	free(order);
	return r;
}

int nfc_firewall_compile(nfc_map_fd_fn map_fd, void *ctx, char *why,
			 size_t len)
{
	int rules = map_fd(ctx, "rules"), sets = map_fd(ctx, "fw_sets"),
	    crules = map_fd(ctx, "fw_rule_c"), nodes = map_fd(ctx, "fw_nodes"),
	    refs = map_fd(ctx, "fw_refs"), genfd = map_fd(ctx, "fw_gen");
	struct fw_collect rs = { .size = sizeof(struct fw_entry) };
	struct fw_groups g = {};
	struct fw_maps m = {};
	struct fw_tree t = {};
	struct fw_entry *e = NULL;
	struct fw_set set = {};
	struct fw_set_key sk;
	__u32 zero = 0, gen = 0, counter, cur;
	size_t n = 0, i, j;
	int r;

	if (rules < 0 || sets < 0 || crules < 0 || nodes < 0 || refs < 0 ||
	    genfd < 0) {
		snprintf(why, len, "the instance's maps: %s",
			 strerror(errno ?: ENOENT));
		return -ENOENT;
	}
	m.rules = fw_mmap(crules, &m.len[0], &m.rules_max);
	m.nodes = fw_mmap(nodes, &m.len[1], &m.nodes_max);
	m.refs = fw_mmap(refs, &m.len[2], &m.refs_max);
	if (!m.rules || !m.nodes || !m.refs) {
		r = -errno;
		snprintf(why, len, "mapping the compiled maps: %s",
			 strerror(errno));
		goto out;
	}
	r = nfc_map_walk(rules, sizeof(struct fw_rule_key),
			 sizeof(struct fw_rule), fw_collect_rules, &rs);
	if (r) {
		snprintf(why, len, "reading the rules: %s", strerror(-r));
		goto out;
	}
	r = fw_groups_read(&g, map_fd, ctx, why, len) ?:
	    fw_expand(&g, &rs, why, len);
	e = rs.v;
	n = rs.n;
	if (r)
		goto out;
	if (n > m.rules_max) {
		snprintf(why, len,
			 "%zu rules once groups are expanded, the instance holds %u (its capacity)",
			 n, m.rules_max);
		r = -E2BIG;
		goto out;
	}
	qsort(e, n, sizeof(*e), by_set_then_order);
	if (bpf_map_lookup_elem(genfd, &zero, &gen)) {
		r = -errno;
		snprintf(why, len, "fw_gen: %s", strerror(errno));
		goto out;
	}
	/* the generation packets do not read; fw_gen counts compiles, its
	 * parity the generation, so that connections judged before an edit
	 * are known (fw_conns) */
	t.gen = !(gen & 1);
	counter = gen + 1;
	t.nodes = m.nodes + (size_t)t.gen * m.nodes_max;
	t.refs = m.refs + (size_t)t.gen * m.refs_max;
	t.nodes_max = m.nodes_max;
	t.refs_max = m.refs_max;
	r = fw_sets_clear(sets, t.gen);
	if (r)
		snprintf(why, len, "fw_sets: %s", strerror(-r));
	for (i = 0; !r && i < n; i = j) {
		cur = FW_SET(e[i].r.endpoint, e[i].r.direction);
		for (j = i + 1; j < n && FW_SET(e[j].r.endpoint,
						e[j].r.direction) == cur; j++)
			;
		r = fw_set_compile(&m, &t, e + i, j - i, i, &set, why, len);
		if (r)
			break;
		sk = (struct fw_set_key){ .gen = t.gen, .set = cur };
		if (bpf_map_update_elem(sets, &sk, &set, BPF_ANY)) {
			r = -errno;
			snprintf(why, len, "fw_sets: %s", strerror(errno));
		}
	}
	/* the switch: one store, after every write to the generation */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!r && bpf_map_update_elem(genfd, &zero, &counter, BPF_ANY)) {
		r = -errno;
		snprintf(why, len, "fw_gen: %s", strerror(errno));
	}
out:
	if (m.rules)
		munmap(m.rules, m.len[0]);
	if (m.nodes)
		munmap(m.nodes, m.len[1]);
	if (m.refs)
		munmap(m.refs, m.len[2]);
	fw_groups_free(&g);
	free(rs.v);
	return r;
}
