// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The event ring: each event becomes one JSON line for the monitor
 * clients, with names resolved from the state (chains change at run time:
 * an id or version the handle does not know makes it read the state
 * again). Events that never reached the ring are said too: every second
 * nfc_ev_stats is read, and what the ring lost and what the rate limit
 * suppressed beyond what events already carried goes out as lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <json-c/json.h>
#include "nfmgrd.h"

static const char *proto_str(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

static bool is_icmp(const struct nfc_key *k)
{
	return k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6;
}

/* Wall clock ISO-8601 (UTC, ms) of a datapath time (CLOCK_MONOTONIC_COARSE,
 * see nfc_now() in bpf/nfc.h). */
static void iso_time(__u64 ts_ns, char *buf, size_t len)
{
	struct timespec mono, real;
	__s64 wall;
	time_t sec;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	wall = (__s64)ts_ns + (real.tv_sec - mono.tv_sec) * 1000000000LL +
	       (real.tv_nsec - mono.tv_nsec);
	sec = wall / 1000000000LL;
	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03lldZ",
		 (long long)(wall % 1000000000LL) / 1000000);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(json_object *o, const char *k, __u64 v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_ifname(json_object *o, const char *k, __u32 ifindex)
{
	char name[IF_NAMESIZE];

	if (ifindex && if_indextoname(ifindex, name))
		add_str(o, k, name);
}

static void add_mac(json_object *o, const char *k, const __u8 *m)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
		 m[1], m[2], m[3], m[4], m[5]);
	add_str(o, k, buf);
}

/* The tuple of @k into @o: addresses and ports, ICMP type/code/id, or the
 * MACs and ethertype of a frame that is not IP. */
static void add_tuple(json_object *o, const struct nfc_key *k)
{
	char a[INET6_ADDRSTRLEN], p[8];
	int af = k->l3 == NFC_L3_IPV4 ? AF_INET : AF_INET6;

	if (k->l3 != NFC_L3_IPV4 && k->l3 != NFC_L3_IPV6) {
		add_mac(o, "src_mac", k->smac);
		add_mac(o, "dst_mac", k->dmac);
		snprintf(a, sizeof(a), "0x%04x", ntohs(k->ethertype));
		add_str(o, "ethertype", a);
		return;
	}
	add_str(o, "proto", proto_str(k->proto, p, sizeof(p)));
	add_str(o, "src", inet_ntop(af, k->saddr.b, a, sizeof(a)));
	add_str(o, "dst", inet_ntop(af, k->daddr.b, a, sizeof(a)));
	if (!(k->flags & NFC_KEY_F_L4))
		return;
	if (is_icmp(k)) {
		add_int(o, "icmp_type", ntohs(k->dport) >> 8);
		add_int(o, "icmp_code", ntohs(k->dport) & 0xff);
		add_int(o, "icmp_id", ntohs(k->sport));
	} else {
		add_int(o, "sport", ntohs(k->sport));
		add_int(o, "dport", ntohs(k->dport));
	}
}

static bool tuple_differs(const struct nfc_key *a, const struct nfc_key *b)
{
	return memcmp(a->saddr.b, b->saddr.b, 16) ||
	       memcmp(a->daddr.b, b->daddr.b, 16) || a->sport != b->sport ||
	       a->dport != b->dport || memcmp(a->smac, b->smac, 6) ||
	       memcmp(a->dmac, b->dmac, 6);
}

static const struct nfc_chain_info *chain_by_id(struct nfmgrd *d, __u32 id)
{
	const struct nfc_state *s = d->h ? nfc_state(d->h) : NULL;
	int i;

	for (i = 0; s && i < s->n_chains; i++)
		if (s->chains[i].id == id)
			return &s->chains[i];
	return NULL;
}

/* Chain and node names; the handle may be reopened, so names are copied
 * out before the next lookup. */
static void add_names(struct nfmgrd *d, json_object *o,
		      const struct nfc_event *e)
{
	const struct nfc_chain_info *c = chain_by_id(d, e->chain);
	const char *node = NULL;
	char rule[64] = "";
	int i, r = -ENOENT;

	if ((!c || c->version < e->version) && nfmgrd_refresh(d))
		c = chain_by_id(d, e->chain);
	if (c)
		add_str(o, "chain", c->name);
	add_int(o, "chain_id", e->chain);
	add_int(o, "version", e->version);
	if (e->node) {
		r = d->h ? nfc_policy__name(d->h, e->node, e->policy, NULL,
					    &node, rule, sizeof(rule)) :
			   -ENOENT;
		if (r == -ENOENT && nfmgrd_refresh(d)) {
			node = NULL; /* it pointed into the old handle */
			r = d->h ? nfc_policy__name(d->h, e->node, e->policy,
						    NULL, &node, rule,
						    sizeof(rule)) :
				   -ENOENT;
		}
	} else if (c && c->version == e->version) {
		/* no rule decided: the node is the hop it stopped at */
		for (i = 0; i < c->n_nodes; i++)
			if (c->nodes[i].hop == e->hop)
				node = c->nodes[i].name;
	}
	if (node)
		add_str(o, "node", node);
	add_int(o, "hop", e->hop);
	if (e->policy) {
		add_int(o, "policy", e->policy);
		if (!r && rule[0])
			add_str(o, "rule", rule);
	}
}

/* What an event says of its suppressed predecessors that no line said
 * yet (see events_account()). */
static __u64 claim_suppressed(struct nfmgrd *d, const struct nfc_event *e)
{
	__u64 n = e->suppressed, c;

	if (e->type != NFC_EV_DROP || e->reason >= NFC_DROP_MAX || !n)
		return 0;
	c = n < d->sup_credit[e->reason] ? n : d->sup_credit[e->reason];
	d->sup_credit[e->reason] -= c;
	d->sup_balance[e->reason] -= n - c;
	return n - c;
}

static json_object *event_json(struct nfmgrd *d, const struct nfc_event *e)
{
	json_object *o = json_object_new_object(), *out;
	const struct nfc_key *k = &e->key;
	char buf[40];
	__u64 sup;

	add_str(o, "type", e->type == NFC_EV_DROP ? "drop" : "decision");
	iso_time(e->ts_ns, buf, sizeof(buf));
	add_str(o, "time", buf);
	add_names(d, o, e);
	add_str(o, "verdict", nfc_verdict_str(e->verdict));
	if (e->verdict == NFC_V_DROP)
		add_str(o, "reason", nfc_drop_reason_str(e->reason));
	add_int(o, "tenant", k->tenant);
	add_int(o, "ifindex", k->ifindex);
	add_ifname(o, "ifname", k->ifindex);
	if (e->verdict == NFC_V_FLOOD) {
		add_int(o, "flood_domain", e->out_ifindex);
	} else if (e->out_ifindex) {
		add_int(o, "out_ifindex", e->out_ifindex);
		add_ifname(o, "out_ifname", e->out_ifindex);
	} else if (e->verdict == NFC_V_TX) {
		add_int(o, "out_ifindex", k->ifindex);
		add_ifname(o, "out_ifname", k->ifindex);
	}
	add_str(o, "l3", k->l3 == NFC_L3_IPV4 ? "ipv4" :
			 k->l3 == NFC_L3_IPV6 ? "ipv6" :
			 k->l3 == NFC_L3_ARP  ? "arp" :
						"none");
	add_tuple(o, k);
	if (e->ct_state != NFC_CT_NONE) {
		add_str(o, "ct_state", nfc_ct_state__str(e->ct_state));
		add_str(o, "ct_dir", e->ct_dir == NFC_CT_REPLY ? "reply" : "orig");
		add_int(o, "ct_handle", e->ct_handle);
		if (e->ct_flags & NFC_CTI_NEW)
			json_object_object_add(o, "ct_new",
					       json_object_new_boolean(1));
		if (e->ct_flags & NFC_CTI_RELATED)
			json_object_object_add(o, "ct_related",
					       json_object_new_boolean(1));
	}
	sup = claim_suppressed(d, e);
	if (sup)
		add_int(o, "suppressed", sup);
	if (e->out.l3 == k->l3 && tuple_differs(k, &e->out)) {
		out = json_object_new_object();
		add_tuple(out, &e->out);
		if (k->l3 == NFC_L3_IPV4 || k->l3 == NFC_L3_IPV6) {
			if (memcmp(k->smac, e->out.smac, 6))
				add_mac(out, "src_mac", e->out.smac);
			if (memcmp(k->dmac, e->out.dmac, 6))
				add_mac(out, "dst_mac", e->out.dmac);
		}
		json_object_object_add(o, "out", out);
	}
	return o;
}

static void send_json(struct nfmgrd *d, json_object *o, bool event)
{
	size_t len;
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *line = malloc(len + 1);

	if (!line)
		return;
	memcpy(line, s, len);
	line[len] = '\n';
	server_broadcast(d, line, len + 1, event);
	free(line);
}

static int on_event(void *ctx, const struct nfc_event *e)
{
	struct nfmgrd *d = ctx;
	json_object *o;

	if (e->type != NFC_EV_DROP && e->type != NFC_EV_DECISION) {
		nfmgrd_log(NFC_DEBUG, "event of type %u: skipped\n", e->type);
		return 0;
	}
	__atomic_add_fetch(&d->events_read, 1, __ATOMIC_RELAXED);
	o = event_json(d, e);
	send_json(d, o, true);
	json_object_put(o);
	return 0;
}

static void ring_close(struct nfmgrd *d)
{
	if (!d->ev)
		return;
	nfmgrd_unwatch(d, &d->ring_src);
	nfc_events__free(d->ev);
	d->ev = NULL;
}

void events_ring_check(struct nfmgrd *d)
{
	struct nfc_err err = {};
	int r;

	if (d->ev && !nfc_events__stale(d->ev))
		return;
	if (d->ev) {
		nfmgrd_log(NFC_INFO, "the event ring is gone or was replaced\n");
		ring_close(d);
	}
	if (!d->h)
		nfmgrd_refresh(d);
	if (!d->h)
		return;
	r = nfc_events__open(d->h, on_event, d, &d->ev, &err);
	if (r == -ENOENT) {
		if (!d->ring_waiting)
			nfmgrd_log(NFC_INFO, "no event ring yet: waiting for the first chain\n");
		d->ring_waiting = true;
		return;
	}
	if (r) {
		nfmgrd_log(NFC_WARN, "%s\n", err.n ? err.msg[0] : strerror(-r));
		return;
	}
	d->ring_waiting = false;
	d->ring_src.kind = SRC_RING;
	d->ring_src.fd = nfc_events__fd(d->ev);
	nfmgrd_watch(d, &d->ring_src, EPOLLIN);
	nfmgrd_log(NFC_INFO, "reading events from the ring\n");
	events_consume(d);
}

void events_consume(struct nfmgrd *d)
{
	int r;

	if (!d->ev)
		return;
	r = nfc_events__consume(d->ev);
	if (r < 0)
		nfmgrd_log(NFC_WARN, "event ring: %s\n", strerror(-r));
}

static void send_lost(struct nfmgrd *d, __u64 n)
{
	json_object *o = json_object_new_object();

	add_str(o, "type", "lost");
	add_int(o, "count", n);
	add_str(o, "where", "ring");
	send_json(d, o, false);
	json_object_put(o);
}

static void send_suppressed(struct nfmgrd *d, int reason, __u64 n)
{
	json_object *o = json_object_new_object();

	add_str(o, "type", "suppressed");
	add_str(o, "reason", nfc_drop_reason_str(reason));
	add_int(o, "count", n);
	send_json(d, o, false);
	json_object_put(o);
}

static bool went_back(const struct nfc_ev_stats *now,
		      const struct nfc_ev_stats *then)
{
	int i;

	if (now->lost < then->lost)
		return true;
	for (i = 0; i < NFC_DROP_MAX; i++)
		if (now->suppressed[i] < then->suppressed[i])
			return true;
	return false;
}

/*
 * Per reason, sup_balance is what the counters say was suppressed less what
 * events said (it may go negative: an event may arrive before the counter
 * is read). What stays positive at a tick is said in a "suppressed" line
 * and kept as credit: the event that later carries the same count says only
 * the part beyond it, so every suppressed event is counted once.
 */
void events_account(struct nfmgrd *d)
{
	struct nfc_ev_summary s;
	struct nfc_err err = {};
	__u64 total = 0;
	int i, r;

	if (!d->h)
		nfmgrd_refresh(d);
	if (!d->h)
		return;
	/* events already on the ring first: they carry counts of their own */
	events_consume(d);
	r = nfc_events__summary(d->h, &s, &err);
	if (r) {
		if (r != -ENOENT)
			nfmgrd_log(NFC_DEBUG, "events: %s\n",
				   err.n ? err.msg[0] : strerror(-r));
		return;
	}
	if (!d->ev_have_prev || went_back(&s.s, &d->ev_prev)) {
		/* a new daemon or new maps: counting starts here */
		for (i = 0; i < NFC_DROP_MAX; i++)
			total += s.s.suppressed[i];
		if (!d->ev_have_prev && (s.s.lost || total))
			nfmgrd_log(NFC_INFO, "before this start: %llu events lost, %llu suppressed\n",
				   (unsigned long long)s.s.lost,
				   (unsigned long long)total);
		memset(d->sup_balance, 0, sizeof(d->sup_balance));
		memset(d->sup_credit, 0, sizeof(d->sup_credit));
		d->ev_prev = s.s;
		d->ev_have_prev = true;
		return;
	}
	if (s.s.lost > d->ev_prev.lost)
		send_lost(d, s.s.lost - d->ev_prev.lost);
	for (i = 0; i < NFC_DROP_MAX; i++) {
		d->sup_balance[i] += s.s.suppressed[i] - d->ev_prev.suppressed[i];
		if (d->sup_balance[i] <= 0)
			continue;
		send_suppressed(d, i, d->sup_balance[i]);
		d->sup_credit[i] += d->sup_balance[i];
		d->sup_balance[i] = 0;
	}
	d->ev_prev = s.s;
}

void events_close(struct nfmgrd *d)
{
	ring_close(d);
}
