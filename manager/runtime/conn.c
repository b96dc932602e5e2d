// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Connections and flows: the tables every chain shares (nfc_ct, the flow
 * cache nfc_flows) read, filtered and flushed, and the tunables the
 * datapath reads (nfc_config). Before the first chain there are no maps:
 * reads then see empty tables and default tunables, never an error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

/* bpf(2) may answer with the kernel's internal "not supported" code */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

#define WALK_CHUNK 1024

int nfc_shared_map_fd(struct nfc_handle *h, const char *name,
		      struct nfc_err *err)
{
	int fd = nfc_global_map_fd(h, name);

	if (fd >= 0 || fd == -ENOENT)
		return fd;
	return nfc_errf(err, fd, "map '%s' (%s/maps/%s): %s%s", name, h->bpffs,
			name, strerror(-fd), nfc_perm_hint(-fd));
}

/* The kernel-independent way, for kernels without batch lookups. */
static int walk_keys(int fd, __u32 ksz, __u32 vsz, nfc_map_walk_fn fn,
		     void *ctx, __u8 *keys, __u8 *vals)
{
	__u8 *prev = NULL, *next;
	int n = 0, r;

	next = malloc(ksz);
	if (!next)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(keys + n * ksz, next, ksz);
		prev = keys + n * ksz;
		if (bpf_map_lookup_elem(fd, prev, vals + (size_t)n * vsz))
			continue; /* gone meanwhile */
		if (++n < WALK_CHUNK)
			continue;
		r = fn(keys, vals, n, ctx);
		if (r)
			goto out;
		/* the chunk is handed over: go on from its last key */
		memmove(keys, keys + (n - 1) * ksz, ksz);
		prev = keys;
		n = 0;
	}
	r = errno == ENOENT ? 0 : -errno;
	if (!r && n)
		r = fn(keys, vals, n, ctx);
out:
	free(next);
	return r;
}

int nfc_map_walk(int fd, __u32 ksz, __u32 vsz, nfc_map_walk_fn fn, void *ctx)
{
	/* a hash map's batch position is a bucket number */
	__u64 in = 0, out = 0;
	__u32 cap = WALK_CHUNK, count;
	__u8 *keys, *vals, *p;
	bool first = true;
	int r;

	keys = malloc((size_t)cap * ksz);
	vals = malloc((size_t)cap * vsz);
	if (!keys || !vals) {
		r = -ENOMEM;
		goto out;
	}
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	for (;;) {
		count = cap;
		r = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys,
					 vals, &count, &opts);
		if (r == -ENOSPC && !count) {
			/* a bucket larger than the buffer */
			cap *= 2;
			p = realloc(keys, (size_t)cap * ksz);
			if (p)
				keys = p;
			p = p ? realloc(vals, (size_t)cap * vsz) : NULL;
			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			vals = p;
			continue;
		}
		if (first && (r == -EINVAL || r == -ENOTSUPP ||
			      r == -EOPNOTSUPP)) {
			r = walk_keys(fd, ksz, vsz, fn, ctx, keys, vals);
			goto out;
		}
		if (r && r != -ENOENT)
			goto out;
		if (count) {
			int e = fn(keys, vals, count, ctx);

			if (e) {
				r = e;
				goto out;
			}
		}
		if (r == -ENOENT) {
			r = 0;
			goto out;
		}
		in = out;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return r;
}

static __u64 since(__u64 now, __u64 then)
{
	return now > then ? now - then : 0;
}

int nfc_grow(void *v, int *cap, int n, size_t size)
{
	void **pv = v, *p;
	int c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 256;
	p = realloc(*pv, (size_t)c * size);
	if (!p)
		return -ENOMEM;
	*pv = p;
	*cap = c;
	return 0;
}

/* Filters */

static bool addr_match(const union nfc_addr *a,
		       const struct nfc_conn_filter *f)
{
	unsigned int bits = f->l3 == NFC_L3_IPV4 ? 32 : 128;
	unsigned int plen = f->prefix && f->prefix < bits ? f->prefix : bits;
	unsigned int n = plen / 8, r = plen % 8;

	if (memcmp(a->b, f->addr.b, n))
		return false;
	return !r || !((a->b[n] ^ f->addr.b[n]) & (0xff00 >> r));
}

/* Ports of ICMP are echo identifiers (and type/code): not what a port
 * filter means. */
static bool has_ports(__u8 proto)
{
	return proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6;
}

bool nfc_conn_filter__ct(const struct nfc_conn_filter *f,
			 const struct nfc_ct_key *k, const struct nfc_ct *ct)
{
	__be16 port;

	if (!f)
		return true;
	if (f->has_tenant && k->tenant != f->tenant)
		return false;
	if (f->proto && k->proto != f->proto)
		return false;
	if (f->l3 && (k->l3 != f->l3 || (!addr_match(&k->addr[0], f) &&
					 !addr_match(&k->addr[1], f))))
		return false;
	port = htons(f->port);
	if (f->port && (!has_ports(k->proto) ||
			(k->port[0] != port && k->port[1] != port)))
		return false;
	if (f->state > 0 && (!ct || ct->state != f->state))
		return false;
	return true;
}

/* A flow's addresses and ports are those it arrived with and, where the
 * chain rewrote them, those it leaves with. */
bool nfc_conn_filter__flow(const struct nfc_conn_filter *f,
			   const struct nfc_key *k, const struct nfc_flow *fl,
			   int ct_state)
{
	const struct nfc_key *o = fl ? &fl->act.key : NULL;
	__u16 rw = fl ? fl->act.flags : 0;
	__be16 port;

	if (!f)
		return true;
	if (f->has_tenant && k->tenant != f->tenant)
		return false;
	if (f->proto && k->proto != f->proto)
		return false;
	if (f->l3 && (k->l3 != f->l3 ||
		      !(addr_match(&k->saddr, f) || addr_match(&k->daddr, f) ||
			((rw & NFC_ACT_SADDR) && addr_match(&o->saddr, f)) ||
			((rw & NFC_ACT_DADDR) && addr_match(&o->daddr, f)))))
		return false;
	port = htons(f->port);
	if (f->port &&
	    (!(k->flags & NFC_KEY_F_L4) || !has_ports(k->proto) ||
	     !(k->sport == port || k->dport == port ||
	       ((rw & NFC_ACT_SPORT) && o->sport == port) ||
	       ((rw & NFC_ACT_DPORT) && o->dport == port))))
		return false;
	if (f->state > 0 && ct_state != f->state)
		return false;
	return true;
}

/* The caller's filter, checked, as this library knows it (state -1 when
 * the caller's struct ends before it). */
static int filter_get(const struct nfc_conn_filter *in,
		      struct nfc_conn_filter *f, const char *what,
		      struct nfc_err *err)
{
	unsigned int bits;

	memset(f, 0, sizeof(*f));
	f->state = -1;
	if (!in)
		return 0;
	if (!NFC_OPTS_VALID(in, nfc_conn_filter, chain))
		return nfc_errf(err, -EINVAL, "%s: unknown filter options",
				what);
	memcpy(f, in, in->sz < sizeof(*f) ? in->sz : sizeof(*f));
	if (f->l3 && f->l3 != NFC_L3_IPV4 && f->l3 != NFC_L3_IPV6)
		return nfc_errf(err, -EINVAL,
				"%s: filter: address family %u is neither IPv4 (%d) nor IPv6 (%d)",
				what, f->l3, NFC_L3_IPV4, NFC_L3_IPV6);
	bits = f->l3 == NFC_L3_IPV4 ? 32 : 128;
	if (f->prefix && (!f->l3 || f->prefix > bits))
		return nfc_errf(err, -EINVAL,
				"%s: filter: prefix /%u without an address of that length",
				what, f->prefix);
	if (f->state >= NFC_CT_STATE_MAX)
		return nfc_errf(err, -EINVAL, "%s: filter: no state %d", what,
				f->state);
	return 0;
}

/* Names */

const char *nfc_ct_state__str(int state)
{
	static const char *const names[NFC_CT_STATE_MAX] = {
		[NFC_CT_NONE] = "none",
		[NFC_CT_NEW] = "new",
		[NFC_CT_SYN_RECV] = "syn-recv",
		[NFC_CT_ESTABLISHED] = "established",
		[NFC_CT_CLOSING] = "closing",
		[NFC_CT_CLOSED] = "closed",
	};

	if (state < 0 || state >= NFC_CT_STATE_MAX)
		return "unknown";
	return names[state];
}

struct sbuf {
	char *buf;
	size_t len, pos;
	bool full;
};

static void sput(struct sbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append one item, comma-separated. */
static void sput(struct sbuf *s, const char *fmt, ...)
{
	size_t room = s->pos < s->len ? s->len - s->pos : 0;
	va_list ap;
	int n;

	if (s->pos && room) {
		n = snprintf(s->buf + s->pos, room, ", ");
		s->pos += n;
		room = s->pos < s->len ? s->len - s->pos : 0;
	}
	va_start(ap, fmt);
	n = vsnprintf(room ? s->buf + s->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		s->full = true;
	s->pos += n > 0 ? n : 0;
}

static void fmt_endpoint(char *out, size_t len, __u8 l3,
			 const union nfc_addr *a, __be16 port, bool has_addr,
			 bool has_port)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(l3 == NFC_L3_IPV6 ? AF_INET6 : AF_INET, a->b, s, sizeof(s));
	if (has_addr && has_port)
		snprintf(out, len, l3 == NFC_L3_IPV6 ? "[%s]:%u" : "%s:%u", s,
			 ntohs(port));
	else if (has_addr)
		snprintf(out, len, "%s", s);
	else
		snprintf(out, len, "port %u", ntohs(port));
}

static void put_mac(struct sbuf *s, const char *what, const __u8 *m)
{
	sput(s, "%s %02x:%02x:%02x:%02x:%02x:%02x", what, m[0], m[1], m[2],
	     m[3], m[4], m[5]);
}

int nfc_action__str(const struct nfc_key *orig, const struct nfc_action *a,
		    char *buf, size_t len)
{
	struct sbuf s = { .buf = buf, .len = len };
	__u8 l3 = orig ? orig->l3 : a->key.l3;
	const struct nfc_key *k = &a->key;
	char ep[INET6_ADDRSTRLEN + 16], ifname[IF_NAMESIZE];

	if (!buf || !len)
		return -ENOSPC;
	buf[0] = '\0';
	if (a->flags & (NFC_ACT_DADDR | NFC_ACT_DPORT)) {
		fmt_endpoint(ep, sizeof(ep), l3, &k->daddr, k->dport,
			     a->flags & NFC_ACT_DADDR, a->flags & NFC_ACT_DPORT);
		sput(&s, "dnat %s", ep);
	}
	if (a->flags & (NFC_ACT_SADDR | NFC_ACT_SPORT)) {
		fmt_endpoint(ep, sizeof(ep), l3, &k->saddr, k->sport,
			     a->flags & NFC_ACT_SADDR, a->flags & NFC_ACT_SPORT);
		sput(&s, "snat %s", ep);
	}
	if (a->flags & NFC_ACT_DMAC)
		put_mac(&s, "dmac", k->dmac);
	if (a->flags & NFC_ACT_SMAC)
		put_mac(&s, "smac", k->smac);
	if (a->flags & NFC_ACT_TTL_DEC)
		sput(&s, "dec-ttl");
	if (a->flags & NFC_ACT_ARP_REPLY)
		sput(&s, "arp-reply");
	if (a->flags & NFC_ACT_ND_REPLY)
		sput(&s, "nd-reply");
	if ((a->flags & NFC_ACT_VLAN) && (k->flags & NFC_KEY_F_VLAN0))
		sput(&s, "vlan %u", ntohs(k->vlan[0]) & 0xfff);
	else if (a->flags & NFC_ACT_VLAN)
		sput(&s, "untag");
	if (a->flags & NFC_ACT_DECAP)
		sput(&s, "vxlan-decap");
	if (a->flags & NFC_ACT_ENCAP) {
		inet_ntop(AF_INET, &a->tun.daddr, ep, sizeof(ep));
		sput(&s, "vxlan-encap vni %u to %s", a->tun.vni, ep);
	}
	switch (a->verdict) {
	case NFC_V_REDIRECT:
		if (a->out_ifindex && if_indextoname(a->out_ifindex, ifname))
			sput(&s, "redirect %s", ifname);
		else
			sput(&s, "redirect if%u", a->out_ifindex);
		break;
	case NFC_V_DROP:
		if (a->reason && a->reason < NFC_DROP_MAX)
			sput(&s, "drop (%s)", nfc_drop_reason_str(a->reason));
		else
			sput(&s, "drop");
		break;
	case NFC_V_FLOOD:
		sput(&s, "flood domain %u", a->out_ifindex);
		break;
	case NFC_V_PASS:
	case NFC_V_TX:
		sput(&s, "%s", nfc_verdict_str(a->verdict));
		break;
	default:
		sput(&s, "verdict %u", a->verdict);
	}
	if (a->flags & NFC_ACT_NOCACHE)
		sput(&s, "nocache");
	return s.full ? -ENOSPC : 0;
}

/* Tunables */

static void config_defaults(struct nfc_config *c)
{
	static const __u32 def[NFC_CTC_MAX][NFC_CT_STATE_MAX] =
		NFC_CT_TIMEOUT_DEFAULTS;
	int i, j;

	for (i = 0; i < NFC_CTC_MAX; i++)
		for (j = 0; j < NFC_CT_STATE_MAX; j++)
			if (!c->ct_timeout[i][j])
				c->ct_timeout[i][j] = def[i][j];
	if (!c->drop_events_per_sec)
		c->drop_events_per_sec = NFC_DROP_EVENTS_PER_SEC;
	if (!c->flow_refresh_ms)
		c->flow_refresh_ms = NFC_FLOW_REFRESH_MS;
}

int nfc_config__get(struct nfc_handle *h, struct nfc_config *out,
		    struct nfc_err *err)
{
	__u32 key = 0;
	int fd, r = 0;

	memset(out, 0, sizeof(*out));
	fd = nfc_shared_map_fd(h, "nfc_config", err);
	if (fd < 0 && fd != -ENOENT)
		return fd;
	if (fd >= 0 && bpf_map_lookup_elem(fd, &key, out))
		r = nfc_errf(err, -errno, "map 'nfc_config': %s",
			     strerror(errno));
	if (fd >= 0)
		close(fd);
	config_defaults(out);
	return r;
}

int nfc_config__set(struct nfc_handle *h, const struct nfc_config *in,
		    struct nfc_err *err)
{
	__u32 key = 0;
	int fd, r = 0;

	fd = nfc_shared_map_fd(h, "nfc_config", err);
	if (fd == -ENOENT)
		return nfc_errf(err, fd,
				"map 'nfc_config': no chain has created the framework's maps under %s/maps yet: apply one first",
				h->bpffs);
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &key, in, BPF_ANY))
		r = nfc_errf(err, -errno, "map 'nfc_config': %s%s",
			     strerror(errno), nfc_perm_hint(errno));
	close(fd);
	return r;
}

/* Connections */

static void ct_entry(struct nfc_ct_entry *e, const struct nfc_ct_key *k,
		     const struct nfc_ct *ct, const struct nfc_config *cfg,
		     __u64 now)
{
	int o = ct->flags & NFC_CT_F_ORIG_1 ? 1 : 0;

	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->ct = *ct;
	e->src = k->addr[o];
	e->dst = k->addr[!o];
	e->sport = ntohs(k->port[o]);
	e->dport = ntohs(k->port[!o]);
	e->age_ns = since(now, ct->created_ns);
	e->idle_ns = since(now, ct->last_ns);
	if (ct->state < NFC_CT_STATE_MAX)
		e->timeout_s =
			cfg->ct_timeout[nfc_ct_class(k->proto)][ct->state];
}

struct ct_walk {
	const struct nfc_conn_filter *f;
	struct nfc_config cfg;
	__u64 now;
	struct nfc_ct_entry *v; /* list */
	struct nfc_ct_key *keys; /* flush */
	int n, cap;
};

static int ct_list_chunk(const void *keys, const void *vals, int n,
			 void *ctx)
{
	const struct nfc_ct_key *k = keys;
	const struct nfc_ct *ct = vals;
	struct ct_walk *w = ctx;
	int i;

	for (i = 0; i < n; i++) {
		if (!nfc_conn_filter__ct(w->f, &k[i], &ct[i]))
			continue;
		if (nfc_grow(&w->v, &w->cap, w->n, sizeof(*w->v)))
			return -ENOMEM;
		ct_entry(&w->v[w->n++], &k[i], &ct[i], &w->cfg, w->now);
	}
	return 0;
}

static int ct_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct nfc_ct_key));
}

static int ct_entry_cmp(const void *a, const void *b)
{
	return ct_key_cmp(&((const struct nfc_ct_entry *)a)->key,
			  &((const struct nfc_ct_entry *)b)->key);
}

int nfc_ct__list(struct nfc_handle *h, const struct nfc_conn_filter *filter,
		 struct nfc_ct_entry **out, int *n, struct nfc_err *err)
{
	struct nfc_conn_filter f;
	struct ct_walk w = { .f = &f };
	int fd, r;

	*out = NULL;
	*n = 0;
	r = filter_get(filter, &f, "connections", err);
	if (!r && f.chain)
		r = nfc_errf(err, -EINVAL,
			     "connections: a chain selects flows, not connections");
	if (!r)
		r = nfc_config__get(h, &w.cfg, err);
	if (r)
		return r;
	fd = nfc_shared_map_fd(h, "nfc_ct", err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	w.now = nfc_now_ns();
	r = nfc_map_walk(fd, sizeof(struct nfc_ct_key), sizeof(struct nfc_ct),
			 ct_list_chunk, &w);
	close(fd);
	if (r) {
		free(w.v);
		return nfc_errf(err, r, "map 'nfc_ct': %s", strerror(-r));
	}
	if (w.n)
		qsort(w.v, w.n, sizeof(*w.v), ct_entry_cmp);
	*out = w.v;
	*n = w.n;
	return 0;
}

static int ct_keys_chunk(const void *keys, const void *vals, int n, void *ctx)
{
	const struct nfc_ct_key *k = keys;
	const struct nfc_ct *ct = vals;
	struct ct_walk *w = ctx;
	int i;

	for (i = 0; i < n; i++) {
		if (!nfc_conn_filter__ct(w->f, &k[i], &ct[i]))
			continue;
		if (nfc_grow(&w->keys, &w->cap, w->n, sizeof(*w->keys)))
			return -ENOMEM;
		w->keys[w->n++] = k[i];
	}
	return 0;
}

/* Flow cache keys selected by a walk, deleted after it: deleting while
 * walking key by key would restart the walk. */
struct flow_walk {
	const struct nfc_conn_filter *f;
	const struct nfc_ct_key *gone; /* flush: flows of these (sorted) */
	int n_gone;
	int ct_fd;                     /* the state filter's lookups */
	int zone;                      /* the chain filter's id, -1: any */
	const struct nfc_chain_info **by_id;
	__u64 now;
	struct nfc_flow_entry *v;      /* list */
	__u64 *keys;                   /* flush: nfc_flow_id()s */
	int n, cap;
};

static int flow_ct_state(const struct flow_walk *w, const struct nfc_flow *fl)
{
	struct nfc_ct ct;

	if (!fl->ct.l3 || w->ct_fd < 0 ||
	    bpf_map_lookup_elem(w->ct_fd, &fl->ct, &ct))
		return NFC_CT_NONE;
	return ct.state;
}

static bool flow_selected(const struct flow_walk *w, const struct nfc_key *k,
			  const struct nfc_flow *fl)
{
	if (w->gone)
		return fl->ct.l3 && bsearch(&fl->ct, w->gone, w->n_gone,
					    sizeof(*w->gone), ct_key_cmp);
	if (w->zone >= 0 && k->zone != w->zone)
		return false;
	return nfc_conn_filter__flow(w->f, k, fl,
				     w->f && w->f->state > 0 ?
					     flow_ct_state(w, fl) :
					     NFC_CT_NONE);
}

static int flow_keys_chunk(const void *keys, const void *vals, int n,
			   void *ctx)
{
	const __u64 *k = keys;
	const struct nfc_flow *fl = vals;
	struct flow_walk *w = ctx;
	int i;

	for (i = 0; i < n; i++) {
		if (!flow_selected(w, &fl[i].key, &fl[i]))
			continue;
		if (nfc_grow(&w->keys, &w->cap, w->n, sizeof(*w->keys)))
			return -ENOMEM;
		w->keys[w->n++] = k[i];
	}
	return 0;
}

/* Delete @n keys of map @fd; how many were there. */
static int delete_keys(int fd, const void *keys, int n, size_t ksz)
{
	int i, done = 0;

	for (i = 0; i < n; i++)
		if (!bpf_map_delete_elem(fd, (const __u8 *)keys + i * ksz))
			done++;
	return done;
}

/* Entry 1 of nfc_ct_gc_stats is nfctl's: the caller holds the lock, so
 * read-modify-write is safe. */
static int count_flushed(struct nfc_handle *h, int ct, int flows,
			 struct nfc_err *err)
{
	struct nfc_ct_gc_stats s = {};
	__u32 key = 1;
	int fd, r = 0;

	fd = nfc_shared_map_fd(h, "nfc_ct_gc_stats", err);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, &s) && errno != ENOENT)
		r = -errno;
	s.flushed += ct;
	s.flows_flushed += flows;
	s.runs++;
	s.last_run_ns = nfc_now_ns();
	if (!r && bpf_map_update_elem(fd, &key, &s, BPF_ANY))
		r = -errno;
	close(fd);
	if (r)
		return nfc_errf(err, r, "map 'nfc_ct_gc_stats': %s",
				strerror(-r));
	return 0;
}

/* The flows of the connections in @gone (sorted): deleted. */
static int flush_flows_of(struct nfc_handle *h, const struct nfc_ct_key *gone,
			  int n_gone, int *removed, struct nfc_err *err)
{
	struct flow_walk w = { .gone = gone, .n_gone = n_gone, .ct_fd = -1,
			       .zone = -1 };
	int fd, r;

	*removed = 0;
	fd = nfc_shared_map_fd(h, "nfc_flows", err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = nfc_map_walk(fd, sizeof(__u64), sizeof(struct nfc_flow),
			 flow_keys_chunk, &w);
	if (!r)
		*removed = delete_keys(fd, w.keys, w.n, sizeof(*w.keys));
	else
		nfc_errf(err, r, "map 'nfc_flows': %s", strerror(-r));
	free(w.keys);
	close(fd);
	return r;
}

int nfc_ct__flush(struct nfc_handle *h, const struct nfc_conn_filter *filter,
		  int *removed, struct nfc_err *err)
{
	struct nfc_conn_filter f;
	struct ct_walk w = { .f = &f };
	int fd, r, flows = 0;

	*removed = 0;
	r = filter_get(filter, &f, "connections", err);
	if (!r && f.chain)
		r = nfc_errf(err, -EINVAL,
			     "connections: a chain selects flows, not connections");
	if (r)
		return r;
	fd = nfc_shared_map_fd(h, "nfc_ct", err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = nfc_map_walk(fd, sizeof(struct nfc_ct_key), sizeof(struct nfc_ct),
			 ct_keys_chunk, &w);
	if (r) {
		nfc_errf(err, r, "map 'nfc_ct': %s", strerror(-r));
		goto out;
	}
	*removed = delete_keys(fd, w.keys, w.n, sizeof(*w.keys));
	if (w.n) {
		qsort(w.keys, w.n, sizeof(*w.keys), ct_key_cmp);
		r = flush_flows_of(h, w.keys, w.n, &flows, err);
	}
	if (flows) {
		int e = nfc_flow_epoch_bump(h, err);

		r = r ?: e;
	}
	if (*removed || flows) {
		int e = count_flushed(h, *removed, flows, err);

		r = r ?: e;
	}
out:
	free(w.keys);
	close(fd);
	return r;
}

static int count_chunk(const void *keys, const void *vals, int n, void *ctx)
{
	*(__u64 *)ctx += n;
	return 0;
}

int nfc_ct__summary(struct nfc_handle *h, struct nfc_ct_summary *out,
		    struct nfc_err *err)
{
	struct nfc_ct_gc_stats g[2] = {};
	__u64 removed, *sum = (__u64 *)&out->gc;
	__u32 key;
	size_t i;
	int fd, r;

	memset(out, 0, sizeof(*out));
	out->max = NFC_CT_ENTRIES;
	/* created before the walk, removed after it: a connection opened or
	 * removed meanwhile makes evicted smaller, never larger */
	fd = nfc_shared_map_fd(h, "nfc_ct_stats", err);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	r = nfc_percpu_sum(fd, 0, &out->dp, sizeof(out->dp));
	close(fd);
	if (r)
		return nfc_errf(err, r, "map 'nfc_ct_stats': %s", strerror(-r));

	fd = nfc_shared_map_fd(h, "nfc_ct", err);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	r = nfc_map_walk(fd, sizeof(struct nfc_ct_key), sizeof(struct nfc_ct),
			 count_chunk, &out->live);
	close(fd);
	if (r)
		return nfc_errf(err, r, "map 'nfc_ct': %s", strerror(-r));

	fd = nfc_shared_map_fd(h, "nfc_ct_gc_stats", err);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	for (key = 0; !r && key < 2; key++)
		if (bpf_map_lookup_elem(fd, &key, &g[key]))
			r = -errno;
	close(fd);
	if (r)
		return nfc_errf(err, r, "map 'nfc_ct_gc_stats': %s",
				strerror(-r));
	for (i = 0; i < sizeof(out->gc) / sizeof(__u64); i++)
		sum[i] = ((__u64 *)&g[0])[i] + ((__u64 *)&g[1])[i];
	out->gc.last_run_ns = g[0].last_run_ns > g[1].last_run_ns ?
				      g[0].last_run_ns :
				      g[1].last_run_ns;
	removed = out->gc.expired + out->gc.flushed + out->live;
	out->evicted = out->dp.created > removed ? out->dp.created - removed : 0;
	return 0;
}

int nfc_flow__count(struct nfc_handle *h, __u64 *out, struct nfc_err *err)
{
	int fd, r;

	*out = 0;
	fd = nfc_shared_map_fd(h, "nfc_flows", err);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	r = nfc_map_walk(fd, sizeof(__u64), sizeof(struct nfc_flow),
			 count_chunk, out);
	close(fd);
	if (r)
		return nfc_errf(err, r, "map 'nfc_flows': %s", strerror(-r));
	return 0;
}

/* Flows */

static int flow_list_chunk(const void *keys, const void *vals, int n,
			   void *ctx)
{
	const struct nfc_flow *fl = vals;
	struct flow_walk *w = ctx;
	struct nfc_flow_entry *e;
	const struct nfc_chain_info *c;
	__u16 zone;
	int i;

	(void)keys; /* digests: the flow key is in the entry */
	for (i = 0; i < n; i++) {
		if (!flow_selected(w, &fl[i].key, &fl[i]))
			continue;
		if (nfc_grow(&w->v, &w->cap, w->n, sizeof(*w->v)))
			return -ENOMEM;
		e = &w->v[w->n++];
		memset(e, 0, sizeof(*e));
		e->key = fl[i].key;
		e->flow = fl[i];
		zone = fl[i].key.zone;
		c = zone < NFC_MAX_CHAINS ? w->by_id[zone] : NULL;
		if (c)
			snprintf(e->chain, sizeof(e->chain), "%s", c->name);
		e->stale = !c || fl[i].version != c->version;
		e->age_ns = since(w->now, fl[i].created_ns);
		e->idle_ns = since(w->now, fl[i].last_ns);
	}
	return 0;
}

static int flow_entry_cmp(const void *a, const void *b)
{
	const struct nfc_flow_entry *x = a, *y = b;

	if (x->key.zone != y->key.zone)
		return x->key.zone < y->key.zone ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* Walk the flow cache with a filter: @list fills w->v, else w->keys; the
 * map stays open in *fdp (-1: there is none yet). */
static int flow_walk(struct nfc_handle *h,
		     const struct nfc_conn_filter *filter, bool list,
		     struct flow_walk *w, int *fdp, struct nfc_err *err)
{
	const struct nfc_state *s = h->state;
	struct nfc_conn_filter f;
	int fd, i, r;

	*fdp = -1;
	r = filter_get(filter, &f, "flows", err);
	if (r)
		return r;
	w->f = &f;
	w->zone = -1;
	w->ct_fd = -1;
	if (f.chain) {
		const struct nfc_chain_info *c = nfc_state__chain(h->state,
								  f.chain);

		if (!c)
			return nfc_errf(err, -ENOENT,
					"chain '%s' does not exist", f.chain);
		w->zone = c->id;
	}
	w->by_id = calloc(NFC_MAX_CHAINS, sizeof(*w->by_id));
	if (!w->by_id)
		return -ENOMEM;
	for (i = 0; i < s->n_chains; i++)
		if (s->chains[i].id < NFC_MAX_CHAINS)
			w->by_id[s->chains[i].id] = &s->chains[i];
	fd = nfc_shared_map_fd(h, "nfc_flows", err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (f.state > 0) {
		w->ct_fd = nfc_shared_map_fd(h, "nfc_ct", err);
		if (w->ct_fd < 0 && w->ct_fd != -ENOENT) {
			close(fd);
			return w->ct_fd;
		}
	}
	w->now = nfc_now_ns();
	r = nfc_map_walk(fd, sizeof(__u64), sizeof(struct nfc_flow),
			 list ? flow_list_chunk : flow_keys_chunk, w);
	if (w->ct_fd >= 0)
		close(w->ct_fd);
	if (r) {
		close(fd);
		return nfc_errf(err, r, "map 'nfc_flows': %s", strerror(-r));
	}
	*fdp = fd;
	return 0;
}

/* The hits the flow slots still hold, in the flows listed. */
static int add_slot_hits(struct nfc_handle *h, struct flow_walk *w,
			 struct nfc_err *err)
{
	struct nfc_slot_hits sh;
	int i, r;

	if (!w->n)
		return 0;
	r = nfc_slot_hits_get(h, &sh, err);
	if (r)
		return r;
	for (i = 0; i < w->n && sh.n; i++) {
		nfc_slot_hits_flow(&sh, &w->v[i].flow);
		w->v[i].idle_ns = since(w->now, w->v[i].flow.last_ns);
	}
	nfc_slot_hits_free(&sh);
	return 0;
}

int nfc_flow__list(struct nfc_handle *h, const struct nfc_conn_filter *f,
		   struct nfc_flow_entry **out, int *n, struct nfc_err *err)
{
	struct flow_walk w = {};
	int fd, r;

	*out = NULL;
	*n = 0;
	r = flow_walk(h, f, true, &w, &fd, err);
	free(w.by_id);
	if (fd >= 0)
		close(fd);
	if (r) {
		free(w.v);
		return r;
	}
	r = add_slot_hits(h, &w, err);
	if (r) {
		free(w.v);
		return r;
	}
	if (w.n)
		qsort(w.v, w.n, sizeof(*w.v), flow_entry_cmp);
	*out = w.v;
	*n = w.n;
	return 0;
}

int nfc_flow__kernel_changed(struct nfc_handle *h, bool *invalidated,
			     struct nfc_err *err)
{
	__u32 zero = 0, asked = 0;
	int fd = nfc_global_map_fd(h, "nfc_kernel_asked"), r;

	*invalidated = false;
	if (fd == -ENOENT)
		return 0; /* no chain yet */
	if (fd < 0)
		return nfc_errf(err, fd, "map 'nfc_kernel_asked': %s",
				strerror(-fd));
	r = bpf_map_lookup_elem(fd, &zero, &asked) ? -errno : 0;
	close(fd);
	if (r)
		return nfc_errf(err, r, "map 'nfc_kernel_asked': %s",
				strerror(-r));
	if (!asked)
		return 0;
	*invalidated = true;
	return nfc_flow_epoch_bump(h, err);
}

int nfc_flow__flush(struct nfc_handle *h, const struct nfc_conn_filter *f,
		    int *removed, struct nfc_err *err)
{
	struct flow_walk w = {};
	int fd, r;

	*removed = 0;
	r = flow_walk(h, f, false, &w, &fd, err);
	free(w.by_id);
	if (!r && fd >= 0)
		*removed = delete_keys(fd, w.keys, w.n, sizeof(*w.keys));
	if (fd >= 0)
		close(fd);
	free(w.keys);
	if (!r && *removed)
		r = nfc_flow_epoch_bump(h, err);
	if (!r && *removed)
		r = count_flushed(h, 0, *removed, err);
	return r;
}
